// The gateway protocol (docs/PROTOCOL.md, "Gateway protocol"): constants, alert shapes and the
// validation of every message a client may send. Pure functions, no I/O: each validator returns
// either {message} (normalized: only the known fields, defaults filled in) or {error: {code, message}}.

/** Protocol versions this gateway speaks; it picks the highest one the client also speaks. */
export const MIN_VERSION = 1;
export const MAX_VERSION = 2;
/** The first version with the heartbeat (ping/pong) and resume-token refreshes. */
export const HEARTBEAT_VERSION = 2;

/** Largest message, in bytes, in either direction. */
export const MAX_MESSAGE_BYTES = 65_536;
/** JSON nesting deeper than this is malformed (the C core's cJSON is built with the same limit). */
export const MAX_NESTING = 32;

/** GatewayAlertDescription codes. */
export const AlertCode = Object.freeze({
  CloseNotify: 0,
  UnexpectedMessage: 10,
  RecordOverflow: 20,
  AccessDenied: 49,
  DecodeError: 50,
  ProtocolVersion: 70,
  InternalError: 80,
  PeerGoneAway: 90,
  SessionReplaced: 91,
});

export const AlertLevel = Object.freeze({ Warning: "warning", Fatal: "fatal" });

/** Message types a client may send once its hello was accepted. */
export const PEER_MESSAGE_TYPES = Object.freeze(["connect", "accept", "reject", "cancel", "signal"]);

const PEER_ID_MAX = 2n ** 63n - 1n;
const TOKEN_CHARS = /^[A-Za-z0-9\-_.]*$/;
const PRINTABLE_ASCII = /^[\x21-\x7e]*$/;
// Unicode "Cc": C0 controls, DEL and C1 controls.
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;
// A UTF-16 surrogate without its partner has no UTF-8 encoding, so it has no byte length to bound.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Builds an alert; `about` ({requestId, target}) is added when the alert concerns one attempt. */
export function alert(level, code, message, about) {
  const result = { type: "alert", level, code, message };
  if (about && about.requestId !== undefined && about.target !== undefined) {
    result.requestId = about.requestId;
    result.target = about.target;
  }
  return result;
}

/** False for a string holding a lone UTF-16 surrogate (String.prototype.isWellFormed where the runtime has it; Node 18 lacks it). */
export const isWellFormed = String.prototype.isWellFormed
  ? (text) => text.isWellFormed()
  : (text) => !LONE_SURROGATE.test(text);

/** True for a peer id on the wire: decimal 1 … 2^63−1, no sign, no leading zero. */
export function isPeerId(value) {
  return typeof value === "string" && /^[1-9][0-9]{0,18}$/.test(value) && BigInt(value) <= PEER_ID_MAX;
}

/** The version both sides speak, or null. Inputs are valid 1 … 65535 integers with min ≤ max. */
export function negotiateVersion(clientMin, clientMax) {
  const chosen = Math.min(clientMax, MAX_VERSION);
  return chosen >= Math.max(clientMin, MIN_VERSION) ? chosen : null;
}

/** Refuses frames by kind and size before they are decoded. Returns an error or null. */
export function checkFrame(byteLength, isBinary) {
  if (isBinary) {
    return decodeError("Binary frames are not part of the protocol; send JSON text.");
  }
  if (byteLength > MAX_MESSAGE_BYTES) {
    return { code: AlertCode.RecordOverflow, message: `A message is at most ${MAX_MESSAGE_BYTES} bytes.` };
  }
  return null;
}

/**
 * Parses one message: JSON, at most MAX_NESTING deep, an object with a string `type`.
 * Returns {message} (the parsed object) or {error}.
 */
export function decodeMessage(text) {
  if (!withinNesting(text, MAX_NESTING)) {
    return { error: decodeError(`JSON nesting deeper than ${MAX_NESTING} levels is malformed.`) };
  }
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    return { error: decodeError("The message is not valid JSON.") };
  }
  if (!isObject(value)) {
    return { error: decodeError("The message must be a JSON object.") };
  }
  const type = own(value, "type");
  if (type === undefined) return { error: decodeError(missing("type")) };
  if (typeof type !== "string") return { error: decodeError(`Field "type" must be a string.`) };
  return { message: value };
}

/** Validates a client hello (already decoded, type "hello"). */
export function validateHello(object) {
  const fields = new FieldReader(object);
  const version = fields.integer("version", 1, 65535);
  const minVersion = fields.integer("minVersion", 1, 65535, { optional: true, fallback: version });
  if (!fields.error && minVersion > version) {
    fields.fail(`Field "minVersion" must not exceed "version".`);
  }
  const apiKey = fields.string("apiKey", {
    minBytes: 1,
    maxBytes: 128,
    pattern: PRINTABLE_ASCII,
    rule: "1 to 128 printable ASCII characters (0x21 to 0x7e)",
  });
  const externalId = fields.string("externalId", {
    optional: true,
    fallback: "",
    maxBytes: 256,
    forbidden: CONTROL_CHARS,
    rule: "at most 256 bytes of UTF-8 without control characters",
  });
  const resumeToken = fields.string("resumeToken", {
    optional: true,
    fallback: "",
    maxBytes: 128,
    pattern: TOKEN_CHARS,
    rule: "at most 128 characters of A-Z a-z 0-9 - _ .",
  });
  const takeOver = fields.boolean("takeOver", { optional: true, fallback: false });
  return fields.result({ type: "hello", version, minVersion, apiKey, externalId, resumeToken, takeOver });
}

/** Validates a ping (already decoded, type "ping"; version 2). */
export function validatePing(object) {
  const fields = new FieldReader(object);
  const id = fields.integer("id", 0, 4294967295);
  return fields.result({ type: "ping", id });
}

/**
 * Validates connect / accept / reject / cancel / signal (already decoded). The error carries
 * requestId and target when both were valid, so that a client can tell which attempt failed.
 */
export function validatePeerMessage(object) {
  const type = object.type;
  const fields = new FieldReader(object);
  const requestId = fields.string("requestId", {
    minBytes: 1,
    maxBytes: 64,
    pattern: TOKEN_CHARS,
    rule: "1 to 64 characters of A-Z a-z 0-9 - _ .",
  });
  const target = fields.peerId("target");
  if (!fields.error) fields.about = { requestId, target };
  switch (type) {
    case "connect":
    case "accept":
    case "cancel":
      return fields.result({ type, requestId, target });
    case "reject": {
      const reason = fields.string("reason", { maxBytes: 1024, rule: "at most 1,024 bytes of UTF-8" });
      return fields.result({ type, requestId, target, reason });
    }
    case "signal": {
      const kind = fields.oneOf("kind", ["offer", "answer", "candidate"]);
      const data = fields.error ? undefined : signalData(fields, kind);
      return fields.result({ type, requestId, target, kind, data });
    }
    default:
      throw new TypeError(`not a peer message type: ${type}`);
  }
}

function signalData(fields, kind) {
  const object = fields.object("data");
  if (fields.error) return undefined;
  const data = new FieldReader(object, "data.");
  let result;
  if (kind === "candidate") {
    const candidate = data.string("candidate", { maxBytes: 1024, rule: "at most 1,024 bytes of UTF-8" });
    const sdpMid = data.string("sdpMid", { nullable: true, maxBytes: 64, rule: "null or at most 64 bytes of UTF-8" });
    const sdpMLineIndex = data.integer("sdpMLineIndex", 0, 65535, { nullable: true });
    result = { candidate, sdpMid, sdpMLineIndex };
  } else {
    result = { sdp: data.string("sdp", { maxBytes: 60_000, rule: "at most 60,000 bytes of UTF-8" }) };
  }
  if (data.error) fields.fail(data.error.message);
  return result;
}

/** Reads typed fields of one object, remembering the first failure and skipping checks after it. */
class FieldReader {
  constructor(fields, prefix = "") {
    this.fields = fields;
    this.prefix = prefix;
    this.error = null;
    this.about = null;
  }

  fail(message) {
    if (!this.error) this.error = decodeError(message);
    return undefined;
  }

  result(message) {
    if (!this.error) return { message };
    return { error: this.about ? { ...this.error, ...this.about } : this.error };
  }

  name(field) {
    return `"${this.prefix}${field}"`;
  }

  /** The own value of `field`; undefined (after recording why) when absent and required. */
  read(field, { optional = false, nullable = false }) {
    if (this.error) return { done: true };
    const value = own(this.fields, field);
    if (value === undefined) {
      if (optional) return { done: true, value: undefined };
      this.fail(missing(this.prefix + field));
      return { done: true };
    }
    if (value === null && nullable) return { done: true, value: null };
    return { done: false, value };
  }

  string(field, { optional, fallback, nullable, minBytes = 0, maxBytes, pattern, forbidden, rule }) {
    const { done, value } = this.read(field, { optional, nullable });
    if (done) return value === undefined && optional ? fallback : value;
    if (typeof value !== "string") return this.fail(`Field ${this.name(field)} must be a string${nullable ? " or null" : ""}.`);
    // Counted, not encoded: an encoding per field was a quarter of the work of relaying a signal.
    const bytes = isWellFormed(value) ? Buffer.byteLength(value, "utf8") : -1;
    const ok =
      bytes >= minBytes &&
      bytes <= maxBytes &&
      (!pattern || pattern.test(value)) &&
      (!forbidden || !forbidden.test(value));
    return ok ? value : this.fail(`Field ${this.name(field)} must be ${rule}.`);
  }

  integer(field, min, max, { optional, fallback, nullable } = {}) {
    const { done, value } = this.read(field, { optional, nullable });
    if (done) return value === undefined && optional ? fallback : value;
    if (typeof value !== "number") return this.fail(`Field ${this.name(field)} must be a number${nullable ? " or null" : ""}.`);
    if (!Number.isInteger(value) || value < min || value > max) {
      return this.fail(`Field ${this.name(field)} must be an integer from ${min} to ${max}.`);
    }
    return value;
  }

  boolean(field, { optional, fallback } = {}) {
    const { done, value } = this.read(field, { optional });
    if (done) return value === undefined && optional ? fallback : value;
    return typeof value === "boolean" ? value : this.fail(`Field ${this.name(field)} must be true or false.`);
  }

  peerId(field) {
    const { done, value } = this.read(field, {});
    if (done) return value;
    if (typeof value !== "string") return this.fail(`Field ${this.name(field)} must be a string.`);
    return isPeerId(value)
      ? value
      : this.fail(`Field ${this.name(field)} must be a peer id: decimal 1 to 2^63-1 without sign or leading zero.`);
  }

  oneOf(field, choices) {
    const { done, value } = this.read(field, {});
    if (done) return value;
    return choices.includes(value)
      ? value
      : this.fail(`Field ${this.name(field)} must be one of ${choices.map((c) => `"${c}"`).join(", ")}.`);
  }

  object(field) {
    const { done, value } = this.read(field, {});
    if (done) return value;
    return isObject(value) ? value : this.fail(`Field ${this.name(field)} must be an object.`);
  }
}

function decodeError(message) {
  return { code: AlertCode.DecodeError, message };
}

function missing(field) {
  return `Field "${field}" is missing.`;
}

function isObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Own properties only: a field named like an Object.prototype member must not be found there. */
function own(object, field) {
  return Object.hasOwn(object, field) ? object[field] : undefined;
}

/** Scans brackets outside strings; invalid JSON is left for JSON.parse to refuse. */
function withinNesting(text, limit) {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return false;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return true;
}
