// Access tokens as the SDK sees them (docs/PROTOCOL.md, "Access tokens"): a page passes one as its
// apiKey, and the gateway alone checks it. The SDK looks only at its prefix and at the parts that stay
// the same from one token to the next.

const PREFIX = "at1.";
// at1.<key id>.<subject>: the API key it was minted with and the externalId it is for.
const SCOPE = /^at1\.[^.]+\.[^.]+(?=\.)/;

/** True when `apiKey` is an access token rather than an API key. */
export function isAccessToken(apiKey) {
  return apiKey.startsWith(PREFIX);
}

/**
 * What names the resume token kept for `apiKey`: the key itself, or an access token's key id and
 * subject, since a page gets a fresh token at every load and should keep its peer id across them.
 */
export function resumeScope(apiKey) {
  return SCOPE.exec(apiKey)?.[0] ?? apiKey;
}
