// Access tokens (docs/PROTOCOL.md, "Access tokens"; docs/SECURITY.md, "Access tokens"): an app's
// backend, which holds an API key, mints a short-lived token for one externalId, and the page
// presents it where a 0.5 app puts its key (the hello's apiKey), so the key never reaches a page.
//
// A token is signed under a key derived from the API key itself: a gateway needs nothing configured
// beyond its keys (which every process of a cluster shares), a token admits only to its key's
// organisation, and removing the key ends its tokens. Like resume tokens, nothing is kept per token.
//
//   at1.<key id>.<subject>.<expiry>.<tag>
//   key id  first 9 bytes of HMAC-SHA256(API key, "petrichor access token key id"), base64url
//   subject first 12 bytes of SHA-256(externalId as UTF-8), base64url
//   expiry  seconds since 1970
//   tag     first 16 bytes of HMAC-SHA256(HMAC-SHA256(API key, "petrichor access token tag key"),
//           everything before the last "."), base64url
// 70 characters at most, so a token passes every apiKey rule (1 … 128 printable ASCII characters) of
// the hello, the C core and the 0.5 SDK's checks unchanged.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { MIN_VERSION, validateHello } from "./protocol.js";

/** Longest lifetime a token may be minted with (and so be honoured for), in seconds: a day. */
export const MAX_ACCESS_TOKEN_TTL_SECONDS = 86_400;
/** Lifetime of a token when the minter does not say, in seconds. */
export const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 300;
/**
 * How far ahead of the gateway's clock a backend's may run: a token expiring later than the longest
 * lifetime plus this from the gateway's now was not minted by the rules, and is refused.
 */
export const CLOCK_SKEW_SECONDS = 300;

const PREFIX = "at1.";
const KEY_ID_BYTES = 9;
const SUBJECT_BYTES = 12;
const TAG_BYTES = 16;
const TOKEN = /^at1\.([A-Za-z0-9_-]{12})\.([A-Za-z0-9_-]{16})\.([1-9][0-9]{0,12})\.([A-Za-z0-9_-]{22})$/;
const MAX_DATE_MS = 8.64e15; // the last time a Date holds: its expiry in seconds has at most 13 digits

export const AccessTokenRefusal = Object.freeze({
  Malformed: "The access token is malformed.",
  UnknownKey: "The access token was minted with an API key this gateway does not know.",
  NotGenuine: "The access token is not genuine: it was altered, or not minted with the API key it names.",
  TooLong: `The access token's expiry is more than ${MAX_ACCESS_TOKEN_TTL_SECONDS / 3600} hours away.`,
  OtherExternalId: "The access token was minted for another externalId.",
  Expired: "The access token has expired.",
});

/** True when an apiKey is meant as an access token (well formed or not). */
export function isAccessToken(apiKey) {
  return apiKey.startsWith(PREFIX);
}

/** What a token names an API key by, and what its tag is computed with: {keyId, tagKey}. */
export function accessTokenKey(apiKey) {
  const derive = (label) => createHmac("sha256", apiKey).update(label).digest();
  return {
    keyId: derive("petrichor access token key id").subarray(0, KEY_ID_BYTES).toString("base64url"),
    tagKey: derive("petrichor access token tag key"),
  };
}

/**
 * A token admitting one hello with `externalId` to the organisation of `apiKey` until `ttlSeconds`
 * (1 … 86,400; default 300) after `now` (ms since 1970; default the current time). Throws a
 * TypeError for what no hello could carry.
 */
export function mintAccessToken({ apiKey, externalId = "", ttlSeconds = DEFAULT_ACCESS_TOKEN_TTL_SECONDS, now = Date.now() } = {}) {
  // The hello's own rules, so that no token is minted for a key or an externalId no hello can carry.
  const { error } = validateHello({ type: "hello", version: MIN_VERSION, apiKey, externalId });
  if (error) throw new TypeError(`mintAccessToken: ${error.message}`);
  if (!(Number.isInteger(ttlSeconds) && ttlSeconds >= 1 && ttlSeconds <= MAX_ACCESS_TOKEN_TTL_SECONDS)) {
    throw new TypeError(`mintAccessToken: ttlSeconds must be a whole number of seconds from 1 to ${MAX_ACCESS_TOKEN_TTL_SECONDS}.`);
  }
  if (!(Number.isFinite(now) && now > 0 && now <= MAX_DATE_MS)) throw new TypeError("mintAccessToken: now must be a time in ms since 1970.");
  const { keyId, tagKey } = accessTokenKey(apiKey);
  const body = `${PREFIX}${keyId}.${subjectOf(externalId)}.${Math.floor(now / 1000) + ttlSeconds}`;
  return `${body}.${tag(tagKey, body)}`;
}

/**
 * Checks an access token presented in a hello with `externalId` at `now` (ms since 1970). `keyOf(keyId)`
 * gives {tagKey, org} of a configured API key, or undefined. Returns {org, expired} for a genuine token
 * of that externalId (expired: its expiry has passed), else {refusal} (an AccessTokenRefusal).
 */
export function checkAccessToken(token, externalId, keyOf, now) {
  const match = TOKEN.exec(token);
  if (!match) return { refusal: AccessTokenRefusal.Malformed };
  const [, keyId, subject, expiresText, given] = match;
  const key = keyOf(keyId);
  if (!key) return { refusal: AccessTokenRefusal.UnknownKey };
  const expected = tag(key.tagKey, token.slice(0, token.length - given.length - 1));
  // Compared as text: two spellings of one tag (base64url's spare low bits) must not both pass.
  if (!timingSafeEqual(Buffer.from(given), Buffer.from(expected))) return { refusal: AccessTokenRefusal.NotGenuine };
  const expires = Number(expiresText);
  if (expires > now / 1000 + MAX_ACCESS_TOKEN_TTL_SECONDS + CLOCK_SKEW_SECONDS) return { refusal: AccessTokenRefusal.TooLong };
  if (subject !== subjectOf(externalId)) return { refusal: AccessTokenRefusal.OtherExternalId };
  return { org: key.org, expired: expires * 1000 <= now };
}

function subjectOf(externalId) {
  return createHash("sha256").update(externalId, "utf8").digest().subarray(0, SUBJECT_BYTES).toString("base64url");
}

function tag(tagKey, body) {
  return createHmac("sha256", tagKey).update(body).digest().subarray(0, TAG_BYTES).toString("base64url");
}
