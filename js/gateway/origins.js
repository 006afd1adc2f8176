// The Origin allow-list: when configured, a WebSocket upgrade that carries an Origin header not in
// the list is refused, so that pages of other sites cannot use the gateway from their visitors'
// browsers. Requests without an Origin header (Node hosts, other non-browser clients, which could
// send any Origin they like) are not affected.

/** An origin in its serialized form ("https://app.example", "http://127.0.0.1:8080"), or null. */
export function normalizeOrigin(text) {
  if (typeof text !== "string") return null;
  let url;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  const bare = url.username === "" && url.password === "" && url.pathname === "/" && url.search === "" && url.hash === "";
  if (!bare || !/^https?:$/.test(url.protocol) || !/^[a-z][a-z0-9+.-]*:\/\/[^/?#]+\/?$/i.test(text)) return null;
  return url.origin;
}

export class OriginPolicy {
  /** `allowed`: undefined (every origin) or an array of http(s) origins. */
  constructor(allowed) {
    if (allowed === undefined) {
      this.allowed = null;
      return;
    }
    if (!Array.isArray(allowed)) throw new TypeError("allowedOrigins must be an array of origins.");
    this.allowed = new Set(
      allowed.map((origin) => {
        const normalized = normalizeOrigin(origin);
        if (!normalized) {
          throw new TypeError(`allowedOrigins: ${JSON.stringify(origin)} is not an origin such as "https://app.example".`);
        }
        return normalized;
      }),
    );
  }

  /** True when an upgrade with this Origin header value (undefined when absent) may proceed. */
  allows(header) {
    if (this.allowed === null || header === undefined) return true;
    const origin = normalizeOrigin(header);
    return origin !== null && this.allowed.has(origin);
  }
}
