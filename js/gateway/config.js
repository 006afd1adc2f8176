// Gateway configuration: the API keys (which organisation owns each) and the ICE servers announced
// in the hello. Everything is checked at start so that a bad configuration fails loudly, once.
import { createHash, randomBytes } from "node:crypto";
import { accessTokenKey } from "./access-tokens.js";
import { isWellFormed } from "./protocol.js";

const PRINTABLE_ASCII = /^[\x21-\x7e]{1,128}$/;
const ICE_SCHEMES = ["stun:", "stuns:", "turn:", "turns:"];
export const MAX_ICE_SERVERS = 8;
const MAX_ICE_URLS = 4;
const MAX_ICE_URL_CHARS = 512;
const MAX_ICE_CREDENTIAL_BYTES = 256;

/**
 * API key → organisation. Keys are looked up by their SHA-256 so lookups leak no key prefix through
 * timing. Also each key's access-token key (access-tokens.js) by its key id.
 */
export class Keyring {
  constructor(entries) {
    this.orgs = new Map();
    // Key ids are 72 bits: two keys sharing one (odds about n²/2⁷³ for n keys) would leave the first's
    // tokens refused as not genuine, nothing worse.
    this.tokenKeys = new Map();
    for (const [key, org] of entries) {
      if (typeof key !== "string" || !PRINTABLE_ASCII.test(key)) {
        throw new TypeError("Every API key must be 1 to 128 printable ASCII characters (0x21 to 0x7e).");
      }
      if (typeof org !== "string" || org.length === 0) {
        throw new TypeError(`The organisation of API key "${key.slice(0, 4)}…" must be a non-empty string.`);
      }
      this.orgs.set(digest(key), org);
      const { keyId, tagKey } = accessTokenKey(key);
      this.tokenKeys.set(keyId, { tagKey, org });
    }
  }

  get size() {
    return this.orgs.size;
  }

  /** The organisation owning `apiKey`, or null. */
  organisationOf(apiKey) {
    return this.orgs.get(digest(apiKey)) ?? null;
  }

  /** {tagKey, org} of the key whose access tokens carry `keyId`, or undefined. */
  accessTokenKey(keyId) {
    return this.tokenKeys.get(keyId);
  }
}

function digest(key) {
  return createHash("sha256").update(key).digest("base64");
}

/**
 * Resolves the keys option: an object (or Map) key → org; when undefined, PETRICHOR_API_KEYS (a JSON object
 * or comma-separated key=org pairs); when there are still none, a generated development key.
 * Returns {keyring, devKey?}.
 */
export function resolveKeys(keys, env = process.env) {
  let entries;
  if (keys === undefined) {
    entries = parseKeysText(env.PETRICHOR_API_KEYS ?? "");
  } else if (keys instanceof Map) {
    entries = [...keys];
  } else if (typeof keys === "object" && keys !== null && !Array.isArray(keys)) {
    entries = Object.entries(keys);
  } else {
    throw new TypeError("keys must be an object mapping API key to organisation name.");
  }
  if (entries.length > 0) return { keyring: new Keyring(entries) };
  const devKey = generateDevKey();
  return { keyring: new Keyring([[devKey, "development"]]), devKey };
}

/** Parses PETRICHOR_API_KEYS: `{"key":"org",…}` or `key=org,key=org` (split at the last "=", so keys may end in base64 padding). */
export function parseKeysText(text) {
  const trimmed = text.trim();
  if (trimmed === "") return [];
  if (trimmed.startsWith("{")) {
    let value;
    try {
      value = JSON.parse(trimmed);
    } catch {
      throw new TypeError("PETRICHOR_API_KEYS is not valid JSON.");
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new TypeError("PETRICHOR_API_KEYS must be a JSON object mapping API key to organisation name.");
    }
    return Object.entries(value);
  }
  return trimmed
    .split(",")
    .map((pair) => pair.trim())
    .filter((pair) => pair !== "")
    .map((pair) => {
      const split = pair.lastIndexOf("=");
      const key = pair.slice(0, split).trim();
      const org = pair.slice(split + 1).trim();
      if (split <= 0 || key === "" || org === "") {
        throw new TypeError("PETRICHOR_API_KEYS must be a JSON object or comma-separated key=org pairs.");
      }
      return [key, org];
    });
}

/** "dev_" + 24 random base64url characters. */
export function generateDevKey() {
  return "dev_" + randomBytes(18).toString("base64url");
}

/**
 * Checks ICE servers against the hello's rules (at most 8; urls a string or 1 … 4 strings, each
 * stun:/stuns:/turn:/turns: and at most 512 characters; username/credential at most 256 bytes)
 * and returns them normalized to {urls: [...], username?, credential?}.
 */
export function normalizeIceServers(iceServers) {
  if (!Array.isArray(iceServers)) throw new TypeError("iceServers must be an array.");
  if (iceServers.length > MAX_ICE_SERVERS) throw new TypeError(`At most ${MAX_ICE_SERVERS} ICE servers are allowed.`);
  return iceServers.map((server, index) => {
    if (typeof server !== "object" || server === null) throw new TypeError(`iceServers[${index}] must be an object.`);
    const normalized = { urls: normalizeIceUrls(server.urls, `iceServers[${index}].urls`) };
    for (const field of ["username", "credential"]) {
      const value = server[field];
      if (value === undefined) continue;
      const ok =
        typeof value === "string" &&
        Buffer.byteLength(value) <= MAX_ICE_CREDENTIAL_BYTES &&
        !/[\u0000-\u001f\u007f]/.test(value) &&
        isWellFormed(value);
      if (!ok) {
        throw new TypeError(`iceServers[${index}].${field} must be a string of at most ${MAX_ICE_CREDENTIAL_BYTES} bytes without control characters.`);
      }
      normalized[field] = value;
    }
    return normalized;
  });
}

/** Checks the urls of one ICE server (a string or 1 … 4 strings, each a stun:/stuns:/turn:/turns: URL of at most 512 characters); returns them as an array. */
export function normalizeIceUrls(value, name, schemes = ICE_SCHEMES) {
  const urls = typeof value === "string" ? [value] : value;
  if (!Array.isArray(urls) || urls.length < 1 || urls.length > MAX_ICE_URLS) {
    throw new TypeError(`${name} must be a string or an array of 1 to ${MAX_ICE_URLS} strings.`);
  }
  for (const url of urls) {
    const ok =
      typeof url === "string" &&
      /^[\x21-\x7e]+$/.test(url) &&
      url.length <= MAX_ICE_URL_CHARS &&
      schemes.some((scheme) => url.startsWith(scheme) && url.length > scheme.length);
    if (!ok) {
      throw new TypeError(
        `${name}: ${JSON.stringify(url)} must start with ${schemes.join(", ").replace(/, ([^,]*)$/, " or $1")} and be at most ${MAX_ICE_URL_CHARS} printable characters.`,
      );
    }
  }
  return [...urls];
}
