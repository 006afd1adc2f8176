// Signed resume tokens (docs/PROTOCOL.md, "Hello"; docs/SECURITY.md, "Resume tokens"): a token names
// a peer id and an expiry and carries an HMAC of them and the organisation under the gateway's
// secret, so the gateway keeps nothing per token: any gateway process holding the same secret,
// including this one after a restart, honours it until it expires, within that organisation only.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { isPeerId } from "./protocol.js";

/** How long a token is honoured after it was issued; tokens are refreshed long before (see RESUME_REFRESH_FRACTION). */
export const RESUME_TOKEN_TTL_MS = 48 * 60 * 60 * 1000;
/** A connected peer gets a fresh token in a pong once this fraction of its token's lifetime has passed. */
export const RESUME_REFRESH_FRACTION = 0.5;
/** Fewest bytes a configured secret may have. */
export const MIN_SECRET_BYTES = 16;

const FORMAT = "r1";
const MAC_BYTES = 16; // 128 bits of HMAC-SHA256
const TOKEN = /^r1\.([1-9][0-9]{0,18})\.([0-9]{1,12})\.([A-Za-z0-9_-]{22})$/;

/**
 * The secret: the option (a string or bytes, at least 16 bytes), else PETRICHOR_RESUME_SECRET, else
 * 32 random bytes (then tokens last only as long as this process). Returns {secret, generated}.
 */
export function resolveResumeSecret(option, env = process.env) {
  let value = option;
  if (value === undefined && env.PETRICHOR_RESUME_SECRET) value = env.PETRICHOR_RESUME_SECRET;
  if (value === undefined) return { secret: randomBytes(32), generated: true };
  let secret;
  if (typeof value === "string") secret = Buffer.from(value, "utf8");
  else if (value instanceof Uint8Array) secret = Buffer.from(value);
  else throw new TypeError("resumeSecret must be a string or a Uint8Array.");
  if (secret.length < MIN_SECRET_BYTES) {
    throw new TypeError(`resumeSecret (or PETRICHOR_RESUME_SECRET) must have at least ${MIN_SECRET_BYTES} bytes.`);
  }
  return { secret, generated: false };
}

export class ResumeTokens {
  constructor({ secret, ttlMs = RESUME_TOKEN_TTL_MS, now = Date.now }) {
    if (!(Number.isFinite(ttlMs) && ttlMs >= 1000)) throw new TypeError("resumeTokenTtlMs must be at least 1,000 ms.");
    this.secret = secret;
    this.ttlMs = ttlMs;
    this.now = now;
  }

  /** A token for `peerId` of `org`, honoured until {expiresAt}: ttlMs from now, rounded down to a whole second (ms since the epoch). */
  issue(org, peerId) {
    const expires = Math.floor((this.now() + this.ttlMs) / 1000);
    return { token: `${FORMAT}.${peerId}.${expires}.${this.mac(org, peerId, expires)}`, expiresAt: expires * 1000 };
  }

  /** The peer id `token` was issued for, when it is genuine, of `org` and not expired; else null. */
  verify(org, token) {
    const match = typeof token === "string" ? TOKEN.exec(token) : null;
    if (!match) return null;
    const [, peerId, expiresText] = match;
    const expires = Number(expiresText);
    if (!isPeerId(peerId) || expires * 1000 <= this.now()) return null;
    const expected = Buffer.from(this.mac(org, peerId, expires), "base64url");
    const given = Buffer.from(match[3], "base64url");
    return given.length === expected.length && timingSafeEqual(given, expected) ? peerId : null;
  }

  /** True when a token expiring at `expiresAt` should be replaced now. */
  due(expiresAt) {
    return expiresAt - this.now() <= this.ttlMs * (1 - RESUME_REFRESH_FRACTION);
  }

  mac(org, peerId, expires) {
    // JSON keeps the fields apart whatever an organisation's name holds.
    const input = JSON.stringify([FORMAT, org, peerId, expires]);
    return createHmac("sha256", this.secret).update(input).digest().subarray(0, MAC_BYTES).toString("base64url");
  }
}
