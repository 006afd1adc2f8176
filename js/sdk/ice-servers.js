// ICE options of rainway.connect (Petrichor extensions): the app's own ICE servers, used together
// with the gateway's (whose hello may bring a TURN server with credentials of this client's own), and
// the ICE transport policy ("relay": only relayed candidates, for apps that must not reveal or use
// their addresses, or whose networks let nothing else through).
import { RainwayError } from "./errors.js";

// The gateway protocol's bounds (docs/PROTOCOL.md, "Hello"), so that app and gateway servers obey one rule.
const MAX_SERVERS = 8;
const MAX_URLS = 4;
const MAX_URL_CHARS = 512;
const MAX_CREDENTIAL_BYTES = 256;
const ICE_URL = /^(stuns?|turns?):[\x21-\x7e]+$/;
const TURN_URL = /^turns?:/;
const POLICIES = ["all", "relay"];
const utf8 = new TextEncoder();

/** Checks the iceServers and iceTransportPolicy options; returns them normalized ({urls: [...], username?, credential?}) or throws a RainwayError. */
export function checkIceOptions(iceServers = [], iceTransportPolicy = "all") {
  if (!POLICIES.includes(iceTransportPolicy)) {
    throw new RainwayError(`iceTransportPolicy must be "all" or "relay", got ${JSON.stringify(String(iceTransportPolicy))}.`);
  }
  if (!Array.isArray(iceServers) || iceServers.length > MAX_SERVERS) {
    throw new RainwayError(`iceServers must be an array of at most ${MAX_SERVERS} ICE servers ({urls, username?, credential?}).`);
  }
  return { iceServers: iceServers.map(checkServer), iceTransportPolicy };
}

function checkServer(server, index) {
  const name = `iceServers[${index}]`;
  if (typeof server !== "object" || server === null) throw new RainwayError(`${name} must be an object {urls, username?, credential?}.`);
  const urls = typeof server.urls === "string" ? [server.urls] : server.urls;
  if (!Array.isArray(urls) || urls.length < 1 || urls.length > MAX_URLS) {
    throw new RainwayError(`${name}.urls must be a URL or an array of 1 to ${MAX_URLS} URLs.`);
  }
  for (const url of urls) {
    if (typeof url !== "string" || url.length > MAX_URL_CHARS || !ICE_URL.test(url)) {
      throw new RainwayError(
        `${name}.urls: ${JSON.stringify(String(url)).slice(0, 80)} is not a stun:, stuns:, turn: or turns: URL of at most ${MAX_URL_CHARS} printable characters.`,
      );
    }
  }
  const normalized = { urls: [...urls] };
  for (const field of ["username", "credential"]) {
    const value = server[field];
    if (value === undefined) continue;
    if (typeof value !== "string" || utf8.encode(value).length > MAX_CREDENTIAL_BYTES || /[\x00-\x1f\x7f]/.test(value)) {
      throw new RainwayError(`${name}.${field} must be a string of at most ${MAX_CREDENTIAL_BYTES} bytes without control characters.`);
    }
    normalized[field] = value;
  }
  // RTCPeerConnection refuses a TURN server without both; saying so here names the server.
  if (urls.some((url) => TURN_URL.test(url)) && (normalized.username === undefined || normalized.credential === undefined)) {
    throw new RainwayError(`${name} has a turn: or turns: URL, so it needs a username and a credential.`);
  }
  return normalized;
}

/**
 * The RTCConfiguration of a new peer: the app's servers, then the gateway's latest (its hello's, or a
 * pong's with fresh TURN credentials). Throws a RainwayError for relay-only ICE without a TURN server.
 */
export function rtcConfiguration({ iceServers, iceTransportPolicy }, gatewayIceServers) {
  const servers = [...iceServers, ...gatewayIceServers];
  if (iceTransportPolicy === "relay" && !servers.some((server) => [server.urls].flat().some((url) => TURN_URL.test(url)))) {
    throw new RainwayError(
      'iceTransportPolicy "relay" needs a TURN server, but neither iceServers nor the gateway named one (start the gateway with a turn option, or pass a turn: server in iceServers).',
    );
  }
  return { iceServers: servers, iceTransportPolicy };
}
