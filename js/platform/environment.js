// Facts about where the SDK runs: the clock, the default gateway URL, and storage for resume tokens.
// Only globals that browsers and Node both have are touched directly; the rest are looked up guarded.

/** Monotonic milliseconds for the core's deadlines. */
export const now = () => performance.now();

/**
 * Where the gateway is: the option, then globalThis.PETRICHOR_GATEWAY_URL, then the environment
 * variable PETRICHOR_GATEWAY_URL (Node), then /gateway on the page's own origin.
 */
export function resolveGatewayUrl(option) {
  const configured = option ?? globalThis.PETRICHOR_GATEWAY_URL ?? globalThis.process?.env?.PETRICHOR_GATEWAY_URL;
  if (configured) return String(configured);
  const location = globalThis.location;
  if (location?.host) return `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/gateway`;
  return undefined;
}

/** A resume-token store: localStorage in browsers (so a page keeps its peer id across reloads). */
export function resumeTokenStore(gatewayUrl, apiKey) {
  const storage = (() => {
    try {
      return globalThis.localStorage ?? null;
    } catch {
      return null; // storage can be disabled by the browser
    }
  })();
  const key = `petrichor-resume-${gatewayUrl}-${apiKey}`;
  return {
    load: () => storage?.getItem(key) ?? undefined,
    save: (token) => storage?.setItem(key, token),
  };
}
