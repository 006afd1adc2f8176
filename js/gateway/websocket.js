// The gateway's own server side of RFC 6455, in place of `ws`: the opening handshake on an http(s)
// 'upgrade', then frames read in place from each socket read and written as one buffer each. Why our own:
// at 10,000 clients the relay's tail is the garbage collector's, and `ws` makes about 5 KB of garbage per
// relayed message (its receiver's buffer list and slices, a header buffer and a writev per send); this
// makes a few hundred bytes. No extensions (permessage-deflate is declined), no subprotocols.
//
// What it promises the peer (RFC 6455 §5–7): client frames must be masked; reserved bits and opcodes,
// control frames over 125 bytes or fragmented, a continuation out of place and a bad close code close with
// 1002; a text message that is not UTF-8 with 1007; a frame or message over `maxPayload` with 1009, seen
// from its header, before its bytes are held. A ping is answered with its payload; a close is echoed.
import { createHash } from "node:crypto";
import { EventEmitter } from "node:events";
import { STATUS_CODES } from "node:http";
import { isUtf8 } from "node:buffer";

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
/** How long a closing connection may take to finish the closing handshake before it is dropped. */
export const CLOSE_TIMEOUT_MS = 5000;
/** Frames one fragmented message may have (each costs a view, even an empty one); more close with 1009. */
export const MAX_FRAGMENTS = 1024;
/** Unsent bytes past which pings go unanswered: a peer that pings and never reads cannot grow our buffer. */
export const PONG_BUFFER_LIMIT = 64 * 1024;
/** Messages one socket hands over per turn of the event loop; the rest wait for the next turn. */
export const MESSAGES_PER_TURN = 16;
const KEY = /^[A-Za-z0-9+/]{22}==$/; // 16 bytes, base64

export const ReadyState = Object.freeze({ Connecting: 0, Open: 1, Closing: 2, Closed: 3 });

const Opcode = { Continuation: 0x0, Text: 0x1, Binary: 0x2, Close: 0x8, Ping: 0x9, Pong: 0xa };

/** Close codes a peer may send (RFC 6455 §7.4; 1004–1006 and 1015 are never on the wire). */
function validCloseCode(code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

/** Answers an upgrade with a plain HTTP error (and `headers`) and closes the connection once it is written. */
export function refuseUpgrade(socket, status, message, headers = {}) {
  if (socket.destroyed) return;
  const body = `${message}\n`;
  const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join("");
  socket.once("finish", () => socket.destroy());
  socket.once("error", () => {});
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: text/plain\r\n${extra}` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/**
 * Completes the opening handshake of an 'upgrade' request and returns the open ServerWebSocket, or
 * answers 400 (426 for another version) and returns null. `head` is what the HTTP parser read past
 * the request; `maxPayload` bounds a message, `closeTimeoutMs` the closing handshake.
 */
export function acceptWebSocket(request, socket, head, { maxPayload, closeTimeoutMs = CLOSE_TIMEOUT_MS }) {
  const key = request.headers["sec-websocket-key"];
  const version = request.headers["sec-websocket-version"];
  const upgrade = request.headers.upgrade;
  if (request.method !== "GET" || typeof upgrade !== "string" || upgrade.toLowerCase() !== "websocket" || typeof key !== "string" || !KEY.test(key.trim())) {
    refuseUpgrade(socket, 400, "Not a WebSocket opening handshake.");
    return null;
  }
  if (version !== "13") {
    refuseUpgrade(socket, 426, "Only WebSocket version 13 is supported.", { "Sec-WebSocket-Version": "13" });
    return null;
  }
  const accept = createHash("sha1").update(key.trim() + GUID).digest("base64");
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  return new ServerWebSocket(socket, head, maxPayload, closeTimeoutMs);
}

/**
 * One accepted WebSocket. Events: "message" (data: Buffer, isBinary), "pong", "error" (Error), and
 * "close" (code, reason) once the socket is gone. `data` is a view of the socket's read: it stays valid,
 * but is shared, so a listener that keeps it must not write into it.
 */
export class ServerWebSocket extends EventEmitter {
  constructor(socket, head, maxPayload, closeTimeoutMs) {
    super();
    this.socket = socket;
    this.maxPayload = maxPayload;
    this.closeTimeoutMs = closeTimeoutMs;
    this.readyState = ReadyState.Open;
    // Reads not yet parsed: the first, and the ones after it (joined only once they hold what the next step
    // needs). Nothing is allocated per message here: an object kept on this old one until the client's next
    // message (a second later) would live through collections and be promoted.
    this.pending = null;
    this.pendingMore = null;
    this.buffered = 0; // their bytes
    this.needed = 2; // bytes the next step needs: a header, or a whole frame
    this.fragments = null; // the parts of a fragmented message so far
    this.fragmentsBytes = 0;
    this.fragmentsBinary = false;
    this.parsing = false;
    this.parseScheduled = false;
    this.failed = false; // a protocol error closed it: what else arrives is read and dropped
    this.closeCode = 1006;
    this.closeReason = "";
    this.closeSent = false;
    socket.setNoDelay(true);
    socket.setTimeout(0); // the HTTP server's timeouts were for the request
    socket.on("data", (chunk) => this.read(chunk));
    socket.on("error", (error) => this.reportError(error));
    socket.once("close", () => {
      this.readyState = ReadyState.Closed;
      clearTimeout(this.closeTimer);
      this.forgetInput();
      this.emit("close", this.closeCode, this.closeReason);
    });
    socket.on("end", () => {
      if (this.readyState === ReadyState.Open) this.readyState = ReadyState.Closing;
      socket.end();
    });
    // After the caller has attached its listeners (and before any later read, which comes from I/O).
    if (head?.length) process.nextTick(() => this.read(head));
  }

  /** Bytes written and not yet handed to the kernel. */
  get bufferedAmount() {
    return this.socket.writableLength;
  }

  /** Sends a text message (a string, or bytes that are UTF-8) or, with `binary`, a binary one. */
  send(data, { binary = false } = {}) {
    if (typeof data === "string" && !binary) this.sendText(data);
    else if (this.readyState === ReadyState.Open) this.writeFrame(binary ? Opcode.Binary : Opcode.Text, typeof data === "string" ? Buffer.from(data) : data);
  }

  /** Sends `text` as a text message; `byteLength` is its UTF-8 length, for a caller that has counted it already. */
  sendText(text, byteLength = Buffer.byteLength(text)) {
    if (this.readyState !== ReadyState.Open) return;
    const frame = this.frame(Opcode.Text, byteLength);
    frame.write(text, frame.length - byteLength);
    this.socket.write(frame);
  }

  ping() {
    if (this.readyState === ReadyState.Open) this.socket.write(this.frame(Opcode.Ping, 0));
  }

  /** Starts the closing handshake; the socket ends when the peer answers (or on terminate()). */
  close(code = 1000, reason = "") {
    if (this.readyState !== ReadyState.Open) return;
    this.readyState = ReadyState.Closing;
    this.sendClose(code, reason);
    this.dropLater();
  }

  /** Drops the connection if it is still there after the close timeout. */
  dropLater() {
    if (this.closeTimer) return;
    this.closeTimer = setTimeout(() => this.socket.destroy(), this.closeTimeoutMs);
    this.closeTimer.unref();
  }

  /** Drops the connection at once. */
  terminate() {
    this.readyState = ReadyState.Closing;
    this.socket.destroy();
  }

  /** Stops reading from the socket (TCP pushes back on the peer); messages already read are still delivered. */
  pause() {
    this.socket.pause();
  }

  resume() {
    this.socket.resume();
  }

  /** An unmasked frame header (server frames are not masked) followed by room for `length` bytes. */
  frame(opcode, length) {
    const headerLength = length < 126 ? 2 : length < 65536 ? 4 : 10;
    const frame = Buffer.allocUnsafe(headerLength + length);
    frame[0] = 0x80 | opcode;
    if (length < 126) {
      frame[1] = length;
    } else if (length < 65536) {
      frame[1] = 126;
      frame.writeUInt16BE(length, 2);
    } else {
      frame[1] = 127;
      frame.writeUInt32BE(0, 2);
      frame.writeUInt32BE(length, 6);
    }
    return frame;
  }

  /** Writes one frame carrying `payload` (bytes). */
  writeFrame(opcode, payload) {
    const frame = this.frame(opcode, payload.length);
    payload.copy(frame, frame.length - payload.length);
    this.socket.write(frame);
  }

  sendClose(code, reason) {
    if (this.closeSent) return;
    this.closeSent = true;
    const payload = Buffer.allocUnsafe(125); // a control frame's most
    payload.writeUInt16BE(code, 0);
    const written = payload.write(reason, 2); // whole characters only, so a long reason stays UTF-8
    this.writeFrame(Opcode.Close, payload.subarray(0, 2 + written));
  }

  /** Forgets what was read and not yet delivered. */
  forgetInput() {
    this.pending = this.pendingMore = null;
    this.buffered = 0;
    this.fragments = null;
  }

  /** A protocol error: tells the peer why (once), and ends the connection. */
  fail(code, message) {
    this.failed = true;
    this.forgetInput();
    if (this.readyState === ReadyState.Closed) return;
    this.reportError(new Error(message));
    this.readyState = ReadyState.Closing;
    this.closeCode = code;
    this.sendClose(code, "");
    this.socket.end();
    this.dropLater();
  }

  /** An "error" event for whoever listens; never a throw (EventEmitter throws an unheard "error"). */
  reportError(error) {
    if (this.listenerCount("error") > 0) this.emit("error", error);
  }

  read(chunk) {
    if (this.failed || this.readyState === ReadyState.Closed) return;
    if (this.pending === null) this.pending = chunk;
    else (this.pendingMore ??= []).push(chunk);
    this.buffered += chunk.length;
    if (this.buffered >= this.needed) this.parse();
  }

  scheduleParse() {
    if (this.parseScheduled) return;
    this.parseScheduled = true;
    setImmediate(() => {
      this.parseScheduled = false;
      this.parse();
    });
  }

  /**
   * Parses every complete frame read so far. At most MESSAGES_PER_TURN messages are delivered per
   * call: the rest waits for the next turn of the event loop, so that a read holding thousands of tiny
   * frames cannot keep every other socket waiting, while a burst of a few (an offer and its
   * candidates) is not spread over as many turns.
   */
  parse() {
    if (this.parsing) return;
    this.parsing = true;
    try {
      let delivered = 0;
      while (this.buffered >= this.needed && !this.failed && this.readyState !== ReadyState.Closed) {
        if (delivered === MESSAGES_PER_TURN) {
          this.scheduleParse();
          return;
        }
        // Joined only now that they hold the next step, so a frame read a byte at a time is copied once.
        if (this.pendingMore !== null) {
          this.pending = Buffer.concat([this.pending, ...this.pendingMore], this.buffered);
          this.pendingMore = null;
        }
        const result = this.parseFrame(this.pending);
        if (result > 2) {
          this.needed = result;
          return;
        }
        if (result === 2) delivered++;
      }
    } finally {
      this.parsing = false;
    }
  }

  /**
   * Parses one frame at the start of `buffer` and consumes it: 1, or 2 when it delivered a message; when
   * the frame is incomplete, the bytes it needs (more than 2) and nothing is consumed.
   */
  parseFrame(buffer) {
    const first = buffer[0];
    const second = buffer[1];
    const fin = (first & 0x80) !== 0;
    const opcode = first & 0x0f;
    if ((first & 0x70) !== 0) return this.fail(1002, "reserved bits set"), 1;
    if ((second & 0x80) === 0) return this.fail(1002, "an unmasked client frame"), 1;
    const control = opcode >= 0x8;
    if (control ? opcode > Opcode.Pong : opcode > Opcode.Binary) return this.fail(1002, `unknown opcode ${opcode}`), 1;
    let length = second & 0x7f;
    let at = 2;
    if (length === 126) {
      if (buffer.length < 4) return 4;
      length = buffer.readUInt16BE(2);
      at = 4;
    } else if (length === 127) {
      if (buffer.length < 10) return 10;
      // Above 2^32 is over any maxPayload we allow; the high word only has to be 0.
      if (buffer.readUInt32BE(2) !== 0) return this.fail(1009, "a frame over the size limit"), 1;
      length = buffer.readUInt32BE(6);
      at = 10;
    }
    if (control && (!fin || length > 125)) return this.fail(1002, "a fragmented or oversized control frame"), 1;
    if (!control && length + (opcode === Opcode.Continuation ? this.fragmentsBytes : 0) > this.maxPayload) {
      return this.fail(1009, "a message over the size limit"), 1;
    }
    if (opcode === Opcode.Continuation ? this.fragments === null : !control && this.fragments !== null) {
      return this.fail(1002, "a continuation out of place"), 1;
    }
    const end = at + 4 + length;
    if (buffer.length < end) return Math.max(3, end);
    const payload = buffer.subarray(at + 4, end);
    unmask(payload, buffer, at);
    this.pending = buffer.length === end ? null : buffer.subarray(end);
    this.buffered = buffer.length - end;
    this.needed = 2;
    if (control) return this.control(opcode, payload), 1;
    if (!fin) {
      if (this.fragments === null) {
        this.fragments = [];
        this.fragmentsBytes = 0;
        this.fragmentsBinary = opcode === Opcode.Binary;
      }
      if (this.fragments.length >= MAX_FRAGMENTS) return this.fail(1009, `a message in over ${MAX_FRAGMENTS} fragments`), 1;
      this.fragments.push(payload);
      this.fragmentsBytes += length;
      return 1;
    }
    let data = payload;
    let binary = opcode === Opcode.Binary;
    if (opcode === Opcode.Continuation) {
      this.fragments.push(payload);
      data = Buffer.concat(this.fragments, this.fragmentsBytes + length);
      binary = this.fragmentsBinary;
      this.fragments = null;
    }
    if (!binary && !isUtf8(data)) return this.fail(1007, "a text message that is not UTF-8"), 1;
    if (this.readyState !== ReadyState.Open) return 1; // closing: what still arrives is dropped
    this.emit("message", data, binary);
    return 2;
  }

  control(opcode, payload) {
    if (opcode === Opcode.Ping) {
      if (this.readyState !== ReadyState.Open || this.socket.writableLength > PONG_BUFFER_LIMIT) return;
      this.writeFrame(Opcode.Pong, payload);
    } else if (opcode === Opcode.Pong) {
      this.emit("pong", payload);
    } else {
      let code = 1005;
      let reason = "";
      if (payload.length === 1) return this.fail(1002, "a close frame of one byte");
      if (payload.length >= 2) {
        code = payload.readUInt16BE(0);
        if (!validCloseCode(code)) return this.fail(1002, `close code ${code} is not allowed`);
        const reasonBytes = payload.subarray(2);
        if (!isUtf8(reasonBytes)) return this.fail(1007, "a close reason that is not UTF-8");
        reason = reasonBytes.toString("utf8");
      }
      this.closeCode = code;
      this.closeReason = reason;
      this.readyState = ReadyState.Closing;
      this.sendClose(code === 1005 ? 1000 : code, "");
      this.forgetInput();
      this.socket.end();
      this.dropLater();
    }
  }
}

/** Unmasks `payload` in place with the 4-byte key at `buffer[at]`. */
function unmask(payload, buffer, at) {
  const m0 = buffer[at], m1 = buffer[at + 1], m2 = buffer[at + 2], m3 = buffer[at + 3];
  const length = payload.length;
  let i = 0;
  for (; i + 4 <= length; i += 4) {
    payload[i] ^= m0;
    payload[i + 1] ^= m1;
    payload[i + 2] ^= m2;
    payload[i + 3] ^= m3;
  }
  for (; i < length; i++) payload[i] ^= buffer[at + (i & 3)];
}
