// DataChannel: a facade over a core channel handle and its RTCDataChannel (ChannelLink). The core
// chunks, reassembles and correlates; this object turns its events into the public ones and feeds
// the RTCDataChannel only as fast as it drains.
import { EventEmitter } from "./events.js";
import { RainwayError } from "./errors.js";
import { DataChannelMode, LogLevel, MessageEventType } from "./enums.js";
import { CoreEvents } from "./runtime.js";
import { toBytes } from "../core/wasm.js";
import { CHANNEL_HIGH_WATER } from "../platform/rtc.js";
import { CHUNK_HEADER_SIZE, CHUNK_SIZE_MIN, CoreError } from "../core/core.js";

export const DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024 * 1024;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30000;
const PUMP_POLL_MS = 5;
const KIND = { standalone: 0, request: 1, response: 2 };

/**
 * The chunk size a channel sends with over a transport that carries messages of at most
 * `transportMax` bytes (SCTP's negotiated maximum): at most 64 KiB a message, and never under the
 * protocol's minimum, which every WebRTC stack carries (a receiver refuses smaller chunks).
 */
export function chunkSizeFor(transportMax) {
  const fits = Math.min(Number.isFinite(transportMax) ? transportMax : 65536, 65536) - CHUNK_HEADER_SIZE;
  return Math.max(CHUNK_SIZE_MIN, Math.floor(fits));
}

/** Accepts string | Uint8Array | ArrayBuffer | ArrayBufferView, or throws a RainwayError. */
function messageBytes(data) {
  try {
    return toBytes(data);
  } catch {
    throw new RainwayError("Data channel messages must be a string, Uint8Array, ArrayBuffer or ArrayBufferView.");
  }
}

export class DataChannel extends EventEmitter {
  #runtime;
  #handle;
  #link;
  #options;
  #open = false;
  #closed = false;
  #opening; // {resolve, reject} until open
  #requests = new Map(); // id -> {resolve, reject}
  #pumpTimer = null;
  #held = []; // messages that arrived before the app could listen, delivered by release()

  /** @internal */
  constructor({ runtime, handle, peer, id, mode, link, options, opening, log }) {
    super();
    this.#runtime = runtime;
    this.#handle = handle;
    this.#link = link;
    this.#options = options;
    this.#opening = opening;
    this.log = log;
    this.id = id;
    this.mode = mode;
    this.peer = peer;
    runtime.register(handle, this);
    this.log(LogLevel.Debug, () => `opening (${DataChannelMode[mode]}, messages up to ${options.maxMessage} bytes)`);
    link.attach({
      onOpen: () => this.#runtime.call((core) => core.channelReportOpen(this.#handle)),
      onMessage: (chunk) => this.#receive(chunk),
      onClose: () => this.#runtime.call((core) => core.channelClose(this.#handle, CoreError.Closed)),
      onDrain: () => this.#pump(),
    });
  }

  /** Sends a message (strings as UTF-8); empty messages are delivered as empty messages. */
  send(data) {
    this.#queue(KIND.standalone, 0, messageBytes(data));
  }

  /** Sends a request; resolves with the remote's respond() payload, rejects on timeout or close. */
  request(data) {
    let id;
    try {
      id = this.#queue(KIND.request, 0, messageBytes(data));
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => this.#requests.set(id, { resolve, reject }));
  }

  /** Closes the channel on both sides. */
  close() {
    if (this.#closed) return;
    this.log(LogLevel.Debug, "closing");
    this.#link.close();
    this.#runtime.call((core) => core.channelClose(this.#handle, CoreError.Closed));
  }

  /**
   * @internal The app has had its chance to add listeners (after the "datachannel" event, or after
   * createDataChannel resolved): messages held until now are delivered, in order.
   */
  release() {
    const held = this.#held;
    this.#held = null;
    for (const payload of held ?? []) this.#deliver(payload);
  }

  /** @internal Counters kept by the core for this channel (null once closed). */
  counters() {
    return this.#closed ? null : this.#runtime.core.channelCounters(this.#handle);
  }

  #queue(kind, responseTo, bytes) {
    if (this.#closed || !this.#open) {
      if (this.peer.disconnected) throw new RainwayError("Couldn't send message: peer is disconnected");
      throw new RainwayError(`sendMessage: channel "${this.id}" is not open`);
    }
    const id = this.#runtime.call((core, now) => core.channelSend(this.#handle, kind, responseTo, bytes, now));
    if (id < 0) {
      if (id === CoreError.TooLarge) {
        throw new RainwayError(
          `A message of ${bytes.length} bytes is larger than channel "${this.id}" allows (${this.#options.maxMessage} bytes).`,
        );
      }
      if (id === CoreError.QueueFull) throw new RainwayError(`The send buffer of channel "${this.id}" is full; wait for it to drain.`);
      throw new RainwayError(`sendMessage: channel "${this.id}" failed: ${this.#runtime.core.errorName(id)}`);
    }
    this.#pump();
    return id;
  }

  /**
   * Moves chunks from the core to the RTCDataChannel while its buffer has room. The low-water event
   * resumes it; a short poll backs that up, since not every stack fires the event reliably.
   */
  #pump() {
    if (this.#closed) return;
    const budget = this.#link.room(CHANNEL_HIGH_WATER);
    if (budget > 0) this.#runtime.call((core) => core.channelPull(this.#handle, budget));
    if (this.#pumpTimer === null && !this.#closed && this.#runtime.core.channelBacklog(this.#handle) > 0) {
      this.#pumpTimer = setTimeout(() => {
        this.#pumpTimer = null;
        this.#pump();
      }, PUMP_POLL_MS);
    }
  }

  #receive(chunk) {
    const status = this.#runtime.call((core, now) => core.channelReceive(this.#handle, chunk, now));
    if (status < 0) this.log(2, `chunk refused (${this.#runtime.core.errorName(status)})`);
  }

  /** @internal Core → RTCDataChannel. */
  onSend(transport, bytes) {
    if (this.#link.send(bytes) || this.#closed) return;
    // A reliable channel must not lose a chunk silently: a failed send ends the channel, with "close".
    this.log(2, "a send failed; closing the channel");
    this.#runtime.call((core) => core.channelClose(this.#handle, CoreError.Closed));
  }

  /** @internal Core → facade. */
  onEvent(code, payload) {
    switch (code) {
      case CoreEvents.ChannelOpen:
        this.log(LogLevel.Debug, "open");
        this.#open = true;
        this.#opening?.resolve(this);
        this.#opening = null;
        break;
      case CoreEvents.ChannelMessage:
        if (this.#held) this.#held.push(payload);
        else this.#deliver(payload);
        break;
      case CoreEvents.ChannelRequestFailed:
        this.#failRequest(payload);
        break;
      case CoreEvents.ChannelClosed:
        this.#dispose(payload);
        break;
      default:
        break;
    }
  }

  #deliver(payload) {
    const kind = payload[0];
    const id = new DataView(payload.buffer, payload.byteOffset).getUint32(1);
    const data = payload.subarray(5);
    if (kind === KIND.response) {
      const request = this.#requests.get(id);
      this.#requests.delete(id);
      request?.resolve(data);
      return;
    }
    if (kind === KIND.standalone) {
      this.emit("message", { type: MessageEventType.Standalone, data });
      return;
    }
    let responded = false;
    this.emit("message", {
      type: MessageEventType.Request,
      data,
      respond: (response) => {
        if (responded) throw new RainwayError(`This request on channel "${this.id}" was already answered.`);
        responded = true;
        this.#queue(KIND.response, id, messageBytes(response));
      },
    });
  }

  #failRequest({ id, code }) {
    const request = this.#requests.get(id);
    if (!request) return;
    this.#requests.delete(id);
    request.reject(
      new RainwayError(
        code === CoreError.Timeout
          ? `The request on channel "${this.id}" timed out after ${this.#options.requestTimeoutMs} ms.`
          : `Channel "${this.id}" closed before the response arrived.`,
      ),
    );
  }

  #dispose({ code }) {
    if (this.#closed) return;
    this.#closed = true;
    this.#open = false;
    this.log(LogLevel.Debug, () => `closed (${this.#runtime.core.errorName(code)})`);
    this.#runtime.unregister(this.#handle);
    clearTimeout(this.#pumpTimer);
    this.#pumpTimer = null;
    this.#link.close();
    const wasOpen = !this.#opening;
    if (this.#opening) {
      this.#opening.reject(
        new RainwayError(`Couldn't create Data Channel: ${this.id}${code === CoreError.Timeout ? " (it did not open in time)" : ""}`),
      );
      this.#opening = null;
    }
    this.peer._removeDataChannel(this);
    if (this.#held) this.release(); // what arrived before the close is still delivered
    if (wasOpen) this.emit("close");
  }
}
