// Time-limited TURN credentials (docs/PROTOCOL.md, "Hello"; docs/SECURITY.md, "TURN credentials"):
// the TURN REST API scheme that coturn checks with `use-auth-secret` / `static-auth-secret`. The
// username is "<expiry, unix seconds>:<peer id>" and the credential base64(HMAC-SHA1(secret,
// username)), so the TURN server needs only the shared secret, and nothing is stored per client.
import { createHmac } from "node:crypto";
import { normalizeIceUrls } from "./config.js";

export const DEFAULT_TURN_TTL_SECONDS = 86_400; // a day, as the TURN REST API draft recommends
export const MAX_TURN_TTL_SECONDS = 30 * 86_400;
/** A client gets fresh credentials in a pong once this fraction of their lifetime has passed. */
export const TURN_REFRESH_FRACTION = 0.5;
/** Fewest bytes the shared secret may have. */
export const MIN_TURN_SECRET_BYTES = 16;

/**
 * Resolves the turn option ({urls, secret?, ttlSeconds?}; the secret defaults to
 * PETRICHOR_TURN_SECRET) to TurnCredentials, or null when it is undefined. Throws TypeError for a
 * bad value.
 */
export function resolveTurn(turn, env = process.env) {
  if (turn === undefined) return null;
  if (typeof turn !== "object" || turn === null || Array.isArray(turn)) {
    throw new TypeError("turn must be an object {urls, secret, ttlSeconds}.");
  }
  const { urls, secret = env.PETRICHOR_TURN_SECRET, ttlSeconds = DEFAULT_TURN_TTL_SECONDS } = turn;
  const checked = normalizeIceUrls(urls, "turn.urls", ["turn:", "turns:"]);
  let key;
  if (typeof secret === "string") key = Buffer.from(secret, "utf8");
  else if (secret instanceof Uint8Array) key = Buffer.from(secret);
  else throw new TypeError("turn.secret (or PETRICHOR_TURN_SECRET) must be set: the TURN server's static-auth-secret, a string or a Uint8Array.");
  if (key.length < MIN_TURN_SECRET_BYTES) {
    throw new TypeError(`turn.secret (or PETRICHOR_TURN_SECRET) must have at least ${MIN_TURN_SECRET_BYTES} bytes.`);
  }
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_TURN_TTL_SECONDS) {
    throw new TypeError(`turn.ttlSeconds must be a whole number of seconds from 1 to ${MAX_TURN_TTL_SECONDS} (30 days).`);
  }
  return new TurnCredentials({ urls: checked, secret: key, ttlSeconds });
}

export class TurnCredentials {
  constructor({ urls, secret, ttlSeconds, now = Date.now }) {
    this.urls = urls;
    this.secret = secret;
    this.ttlSeconds = ttlSeconds;
    this.now = now;
  }

  /** An ICE server with credentials for `id` (a peer id), and when they expire (ms since the epoch). */
  issue(id) {
    const expires = Math.floor(this.now() / 1000) + this.ttlSeconds;
    const username = `${expires}:${id}`;
    const credential = createHmac("sha1", this.secret).update(username).digest("base64");
    return { iceServer: { urls: [...this.urls], username, credential }, expiresAt: expires * 1000 };
  }

  /** True when credentials expiring at `expiresAt` should be replaced now. */
  due(expiresAt) {
    return expiresAt - this.now() <= this.ttlSeconds * 1000 * (1 - TURN_REFRESH_FRACTION);
  }
}
