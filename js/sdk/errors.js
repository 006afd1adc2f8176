// RainwayError: every failure the SDK reports, as in the original, with messages prefixed
// "Rainway SDK Error: " (apps strip the prefix with a regex).
export const ERROR_PREFIX = "Rainway SDK Error: ";

export class RainwayError extends Error {
  constructor(message, options) {
    super(`${ERROR_PREFIX}${message}`, options);
    this.name = "RainwayError";
  }
}

/** Messages shared by several places, worded as the original worded them (pure: bundles without them drop them). */
export const Messages = /* @__PURE__ */ Object.freeze({
  apiUnreachable: "Could not connect to the Rainway API.",
  invalidKey: "The Rainway API key is invalid.",
  canceled: "The connection attempt was canceled.",
  targetOffline: "The target peer is not connected to Rainway.",
  gatewayClosed: "The connection to the Rainway server was closed.",
  gatewayLost: "The connection to the Rainway server was lost.",
  gatewayFatal: "The connection to the Rainway server encountered a fatal error.",
  // Petrichor: the gateway connection is being re-established (see RainwayConnection "reconnecting").
  gatewayReconnecting: "The connection to the Rainway server was lost; reconnecting.",
  sessionReplaced: "The connection to the Rainway server was closed: another connection took over this peer id with its resume token.",
  connectionDisposed: "Peer's RainwayConnection was disposed.",
  alreadyConnected: (id) => `Already connected to ${id}`,
  rejected: (id, reason) => `The peer at ${id} rejected the connection, with reason: ${reason}`,
  timedOut: (what, ms) => `${what} timed out after ${ms} ms.`,
});
