// The SDK's logs, delivered as rainway's "log" event: (level, target, message). Each layer writes
// under its own target (LOG_TARGETS). Lines more detailed than rainway.logLevel, or written while
// nobody listens, cost a check of the level: a message that takes work to build is passed as a function,
// which runs only for a line that is delivered. No line carries a secret (API keys, resume tokens,
// SDP, ICE credentials, SRTP keys): redact() strips them from the messages that are dumped at Trace.
import { LogLevel } from "./enums.js";

/** What rainway.logLevel is until the app sets it. */
export const DEFAULT_LOG_LEVEL = LogLevel.Info;

/** The targets the SDK logs under, one per layer. */
export const LOG_TARGETS = Object.freeze({
  Runtime: "Runtime", // the core: loading, outputs that failed
  Gateway: "Gateway", // the gateway connection: messages, hello, heartbeat, reconnection
  PeerConnection: "PeerConnection", // a peer's RTCPeerConnection: signaling, ICE, states, the control channel
  DataChannel: "DataChannel", // app data channels: open, close, refusals
  Stream: "Stream", // streams: request, announce, join, leave, close, keyframe requests, frame drops
  Decoder: "Decoder", // browser playback: decoder configuration, errors, drops
  Encoder: "Encoder", // browser hosting: encoders of sendTrack
  Input: "Input", // input capture in browsers
});

/**
 * A log writing under `target` to `sink` ({wants(level), write(level, target, message)}): call it as
 * log(level, message), where message is a string or a function returning one. log.enabled(level)
 * tells whether such a line would be delivered; log.for(target) writes to the same sink under another
 * target, log.about(subject) under the same one with messages starting "subject: " (e.g. "peer 42").
 */
export function createLog(sink, target, subject = "") {
  const log = (level, message) => {
    if (!sink.wants(level)) return;
    const text = typeof message === "function" ? message() : String(message);
    sink.write(level, target, subject ? `${subject}: ${text}` : text);
  };
  log.enabled = (level) => sink.wants(level);
  log.for = (other) => createLog(sink, other, subject);
  log.about = (other) => createLog(sink, target, other);
  return log;
}

/** A log that delivers nothing (for objects made outside an SDK, such as in tests). */
export const silentLog = createLog({ wants: () => false, write() {} }, "");

/** Fields whose values are secrets, or carry them (an SDP holds the ICE password and DTLS fingerprint). */
const SECRET_FIELDS = new Set(["apiKey", "resumeToken", "srtpKey", "sdp", "username", "credential", "password", "usernameFragment", "token"]);

/**
 * An ICE candidate line as "protocol type address:port" (what tells why a connection did or did not
 * form), without its username fragment.
 */
export function describeCandidate(candidate) {
  // candidate:<foundation> <component> <protocol> <priority> <address> <port> typ <type> ...
  const [, , protocol, , address, port, , type] = String(candidate).split(" ");
  return `${protocol ?? "?"} ${type ?? "?"} ${address ?? "?"}:${port ?? "?"}`;
}

/**
 * A JSON message as text for a Trace line, its secrets replaced by their length ("[secret, n chars]")
 * and ICE candidates shortened by describeCandidate. Malformed text is reported by its length only.
 */
export function redact(text) {
  try {
    return JSON.stringify(JSON.parse(text), (key, value) => {
      if (typeof value !== "string") return value;
      if (SECRET_FIELDS.has(key)) return `[secret, ${value.length} chars]`;
      return key === "candidate" ? describeCandidate(value) : value;
    });
  } catch {
    return `[${text.length} chars, not JSON]`;
  }
}

/** The `type` of a JSON message (gateway or control channel) without parsing it whole; "?" when there is none. */
export function messageType(text) {
  const match = /"type"\s*:\s*"([^"]{1,40})"/.exec(text);
  return match ? match[1] : "?";
}

/** A URL for a log line: without user information or query, which may hold credentials. */
export function describeUrl(url) {
  try {
    const { protocol, host, pathname } = new URL(url);
    return `${protocol}//${host}${pathname}`;
  } catch {
    return "(an invalid URL)";
  }
}
