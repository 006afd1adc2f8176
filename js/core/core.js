// The core as JS sees it: one loaded module, its outputs drained after every call. Functions return
// the core's integer results; negative numbers are error codes, named by core.errorName(code).
import { instantiateCore, loadCore } from "./wasm.js";

// The tables below are marked pure so that a bundle drops those it does not use (the media worker's).

/** Error codes of src/core/error.h that the SDK reacts to (the wasm test checks them against the core's names). */
export const CoreError = /* @__PURE__ */ Object.freeze({
  Full: -5,
  QueueFull: -7,
  Malformed: -9,
  TooLarge: -10,
  MissingField: -11,
  WrongType: -12,
  BadValue: -13,
  UnexpectedMessage: -15,
  State: -16,
  Timeout: -17,
  Closed: -22,
  Exists: -23,
  Rejected: -24,
  Unreachable: -25,
  Cancelled: -26,
});

export const OutputKind = /* @__PURE__ */ Object.freeze({ None: 0, Send: 1, Event: 2, Deadline: 3 });
export const CoreEvent = /* @__PURE__ */ Object.freeze({
  ConnectionReady: 1,
  ConnectionClosed: 2,
  PeerRequest: 3,
  RequestFailed: 4,
  RequestCancelled: 5,
  PeerCreated: 6,
  PeerSignal: 7,
  PeerState: 8,
  PeerClosed: 9,
  GatewayAlert: 10,
  ChannelOpen: 11,
  ChannelMessage: 12,
  ChannelRequestFailed: 13,
  ChannelClosed: 14,
  StreamRequested: 15,
  StreamAnnounced: 16,
  StreamRejected: 17,
  StreamJoined: 18,
  StreamLeft: 19,
  KeyframeRequested: 20,
  BitrateRequested: 21,
  StreamPermissions: 22,
  StreamFrame: 23,
  StreamClosed: 24,
  StreamInput: 25,
  ConnectionLost: 26,
  ConnectionReconnect: 27,
  ConnectionToken: 28,
  ConnectionIceServers: 29,
});
export const Transport = /* @__PURE__ */ Object.freeze({ Gateway: 1, Channel: 2, Control: 3, Video: 4, Audio: 5, Input: 6 });
export const SrtpDirection = /* @__PURE__ */ Object.freeze({ Outbound: 0, Inbound: 1 });
export const SRTP_MASTER_KEY_LENGTH = 30;
export const SRTP_MAX_OVERHEAD = 16;

/** Field order of struct pt_channel_counters (src/channel/channel.h). */
export const CHANNEL_COUNTER_NAMES = /* @__PURE__ */ Object.freeze([
  "messagesSent",
  "messagesReceived",
  "chunksSent",
  "chunksReceived",
  "bytesSent",
  "bytesReceived",
  "droppedIncomplete",
  "rejectedChunks",
  "unmatchedResponses",
  "requestsTimedOut",
  "undelivered",
]);
export const CHUNK_HEADER_SIZE = 20;
/** PT_CHUNK_SIZE_MIN (src/channel/chunk_codec.h): chunks of a message of several are never smaller. */
export const CHUNK_SIZE_MIN = 1024;
/** PT_CHANNEL_PER_PEER_MAX (src/channel/channel.h): app channels of one peer at once. */
export const CHANNELS_PER_PEER_MAX = 256;

/** Field order of struct pt_stream_counters (src/stream/stream.h). */
export const STREAM_COUNTER_NAMES = /* @__PURE__ */ Object.freeze([
  "videoFrames",
  "audioFrames",
  "videoBytes",
  "audioBytes",
  "videoPackets",
  "audioPackets",
  "packetsLost",
  "framesDropped",
  "srtpRejected",
  "keyframeRequests",
  "lastAssemblyMs",
  "maxAssemblyMs",
  "inputSent",
  "inputReceived",
  "inputDropped",
  "inputMalformed",
  "inputBytesSent",
  "cursorEvents",
  "targetBps",
  "estimateBps",
  "lossFraction",
  "rttMs",
  "nacks",
  "retransmitted",
  "fecPackets",
  "fecRecovered",
  "keyframes",
  "framesSkipped",
  "packetsDropped",
]);
export const FRAME_EVENT_HEADER = 20;
export const MediaKind = /* @__PURE__ */ Object.freeze({ Video: 0, Audio: 1 });
const KIND_NAMES = ["video", "audio"];

/** A PT_EVENT_STREAM_FRAME payload as the "frame" event's object: {kind, type, timestamp (µs), assemblyMs, assembledAt (when it was whole, on the clock of js/platform/video-player.js sharedNow), data}. */
export function parseFrameEvent(payload, assembledAt) {
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  return {
    kind: KIND_NAMES[payload[0]],
    type: payload[1] ? "key" : "delta",
    timestamp: view.getFloat64(4, true),
    assemblyMs: view.getFloat64(12, true),
    assembledAt,
    data: payload.subarray(FRAME_EVENT_HEADER),
  };
}

const INPUT_FIELD_SIZE = 32; // room for the name of the input field a stream_send_input refused
const CONTROL_MESSAGE_MAX = 16384; // PT_CONTROL_MAX_MESSAGE (src/peer/control_messages.h)
const INPUT_RECORD_MAX = 65552; // room for the largest record (PT_INPUT_MAX_RECORD, 65,548 bytes: src/input/input_record.h)
// The longest media-channel message the core takes: a feedback message (PT_FEEDBACK_MAX_MESSAGE,
// src/media/feedback.h; a media packet is at most PT_STREAM_MAX_RECEIVED_PACKET, 1,128). A longer one is
// refused here, before it is copied into the core's memory.
export const MEDIA_MESSAGE_MAX = 2112;
/** The log line for the first media message over MEDIA_MESSAGE_MAX a peer sends (later ones are not logged). */
export const oversizeMediaNote = (length) => `media message of ${length} bytes refused (at most ${MEDIA_MESSAGE_MAX}); later ones are refused unlogged`;
const OUTPUT_INFO_SIZE = 24; // struct pt_output_info: 4 x int32, then a float64
const INITIAL_SCRATCH = 64 * 1024;

/** Loads a fresh module and creates its core. Options: maxObjects, maxOutputBytes, helloTimeoutMs, url. */
export async function createCore(options = {}) {
  const wasm = await loadCore(options);
  return new Core(wasm, options);
}

/** A core from an already compiled module (a media worker's, from the page's WebAssembly.Module). */
export async function createCoreFromModule(module, options = {}) {
  return new Core(await instantiateCore(module), options);
}

export class Core {
  #info;
  #inputField;
  #scratch;
  #scratchSize = INITIAL_SCRATCH;

  constructor(wasm, { maxObjects = 0, maxOutputBytes = 0, helloTimeoutMs = 0 } = {}) {
    this.wasm = wasm;
    const status = wasm.exports.init(maxObjects, maxOutputBytes, helloTimeoutMs);
    if (status < 0) throw new Error(`Petrichor core failed to start: ${wasm.errorName(status)}`);
    this.#info = wasm.alloc(OUTPUT_INFO_SIZE);
    this.#inputField = wasm.alloc(INPUT_FIELD_SIZE);
    this.#scratch = wasm.alloc(this.#scratchSize);
  }

  get exports() {
    return this.wasm.exports;
  }

  errorName(code) {
    return this.wasm.errorName(code);
  }

  /** Takes every pending output, in order: {kind, handle, code, payload: Uint8Array, deadlineMs}. */
  drain() {
    const outputs = [];
    for (;;) {
      const kind = this.exports.output_next(this.#info);
      if (kind === OutputKind.None) {
        // A large output (a 64 MiB message) grew the scratch buffer; it is not kept for the next ones.
        if (this.#scratchSize > INITIAL_SCRATCH) this.#resizeScratch(INITIAL_SCRATCH);
        return outputs;
      }
      const view = this.wasm.view();
      const handle = view.getInt32(this.#info + 4, true);
      const code = view.getInt32(this.#info + 8, true);
      const length = view.getUint32(this.#info + 12, true);
      const deadlineMs = view.getFloat64(this.#info + 16, true);
      if (length > this.#scratchSize) this.#resizeScratch(Math.max(length, this.#scratchSize * 2));
      const taken = this.exports.output_take(this.#scratch, this.#scratchSize);
      if (taken < 0) throw new Error(`Petrichor core output failed: ${this.errorName(taken)}`);
      outputs.push({ kind, handle, code, payload: this.wasm.copyOut(this.#scratch, taken), deadlineMs });
    }
  }

  #resizeScratch(size) {
    this.wasm.free(this.#scratch);
    this.#scratchSize = size;
    this.#scratch = this.wasm.alloc(this.#scratchSize);
  }

  /** Bytes of the core's heap held for taking outputs (tests: it shrinks back after a large one). */
  get scratchBytes() {
    return this.#scratchSize;
  }

  liveObjects() {
    return this.exports.live_objects();
  }

  handleTimeout(nowMs) {
    return this.exports.handle_timeout(nowMs);
  }

  connectionOpen({ apiKey, externalId = "", resumeToken = "" }, nowMs) {
    return this.wasm.withBuffers([apiKey, externalId, resumeToken], (...args) =>
      this.exports.connection_open(...args, nowMs),
    );
  }

  connectionReceive(handle, message, nowMs) {
    return this.wasm.withBuffers([message], (ptr, length) =>
      this.exports.connection_receive(handle, ptr, length, nowMs),
    );
  }

  connectionClose(handle, reason) {
    return this.exports.connection_close(handle, reason);
  }

  /**
   * Sets the heartbeat and reconnection policy: pingIntervalMs (0: no heartbeat), pingTimeoutMs,
   * retryMinMs, retryMaxMs, giveUpMs (0: a lost link closes; -1: never give up).
   */
  connectionConfigure(handle, { pingIntervalMs, pingTimeoutMs, retryMinMs, retryMaxMs, giveUpMs }, nowMs) {
    return this.exports.connection_configure(handle, pingIntervalMs, pingTimeoutMs, retryMinMs, retryMaxMs, giveUpMs, nowMs);
  }

  /** The WebSocket a ConnectionReconnect event asked for is open: the core sends its hello. */
  connectionSocketOpen(handle, nowMs) {
    return this.exports.connection_socket_open(handle, nowMs);
  }

  /** The connection's WebSocket closed or failed to open: the core reconnects, or closes the connection. */
  connectionSocketClosed(handle, nowMs) {
    return this.exports.connection_socket_closed(handle, nowMs);
  }

  connectionState(handle) {
    return this.exports.connection_state(handle);
  }

  /** Asks to connect to a peer (id as bigint or decimal string); returns the attempt number or an error. */
  connectionRequest(handle, target, timeoutMs, nowMs) {
    return this.wasm.withBuffers([String(target)], (ptr, length) =>
      this.exports.connection_request(handle, ptr, length, timeoutMs, nowMs),
    );
  }

  connectionCancel(handle, target) {
    return this.wasm.withBuffers([String(target)], (ptr, length) => this.exports.connection_cancel(handle, ptr, length));
  }

  /** Accepts an incoming request; returns the new peer's handle or an error. */
  connectionAccept(handle, requestId, timeoutMs, nowMs) {
    return this.wasm.withBuffers([requestId], (ptr, length) =>
      this.exports.connection_accept(handle, ptr, length, timeoutMs, nowMs),
    );
  }

  connectionReject(handle, requestId, reason) {
    return this.wasm.withBuffers([requestId, reason], (...args) => this.exports.connection_reject(handle, ...args));
  }

  /** Sends signaling to a peer: kind 1 offer, 2 answer, 3 candidate; data is JSON text. */
  peerSignal(handle, kind, data) {
    return this.wasm.withBuffers([data], (ptr, length) => this.exports.peer_signal(handle, kind, ptr, length));
  }

  peerReportRtc(handle, state, nowMs) {
    return this.exports.peer_report_rtc(handle, state, nowMs);
  }

  peerSetDisconnectedTimeout(handle, timeoutMs) {
    return this.exports.peer_set_disconnected_timeout(handle, timeoutMs);
  }

  peerReportControl(handle, open) {
    return this.exports.peer_report_control(handle, open ? 1 : 0);
  }

  peerState(handle) {
    return this.exports.peer_state(handle);
  }

  peerClose(handle, reason) {
    return this.exports.peer_close(handle, reason);
  }

  /** Creates an app channel on a peer; returns its handle or an error. */
  channelCreate(peer, label, { mode, chunkSize, maxMessage, requestTimeoutMs, openTimeoutMs }, nowMs) {
    return this.wasm.withBuffers([label], (ptr, length) =>
      this.exports.channel_create(peer, ptr, length, mode, chunkSize, maxMessage, requestTimeoutMs, openTimeoutMs, nowMs),
    );
  }

  channelReportOpen(handle) {
    return this.exports.channel_report_open(handle);
  }

  /** Queues a message (kind 0 standalone, 1 request, 2 response); returns its id or an error. */
  channelSend(handle, kind, responseTo, data, nowMs) {
    return this.wasm.withBuffers([data], (ptr, length) =>
      this.exports.channel_send(handle, kind, responseTo, ptr, length, nowMs),
    );
  }

  channelPull(handle, budget) {
    return this.exports.channel_pull(handle, budget);
  }

  channelBacklog(handle) {
    return this.exports.channel_backlog(handle);
  }

  channelReceive(handle, chunk, nowMs) {
    return this.wasm.withBuffers([chunk], (ptr, length) => this.exports.channel_receive(handle, ptr, length, nowMs));
  }

  /** The channel's counters, or null for a bad handle. */
  channelCounters(handle) {
    return this.#readCounters(CHANNEL_COUNTER_NAMES, (ptr) => this.exports.channel_counters(handle, ptr));
  }

  channelClose(handle, reason) {
    return this.exports.channel_close(handle, reason);
  }

  peerControlReceive(peer, text, nowMs) {
    return this.wasm.withBuffers([text], (ptr, length) => this.exports.peer_control_receive(peer, ptr, length, nowMs));
  }

  /** Feeds one media-channel message (kind 0 video, 1 audio). */
  peerMediaReceive(peer, kind, packet, nowMs) {
    if (packet.byteLength > MEDIA_MESSAGE_MAX) return CoreError.TooLarge;
    return this.wasm.withBuffers([packet], (ptr, length) => this.exports.peer_media_receive(peer, kind, ptr, length, nowMs));
  }

  peerRequestStream(peer, permissions) {
    return this.exports.peer_request_stream(peer, permissions);
  }

  peerListStreams(peer) {
    return this.exports.peer_list_streams(peer);
  }

  peerJoinStream(peer, streamId, nowMs) {
    return this.exports.peer_join_stream(peer, streamId, nowMs);
  }

  /** Announces a stream described by a stream-announce control message (JSON text). */
  peerAnnounceStream(peer, announcement, requestId) {
    return this.wasm.withBuffers([announcement], (ptr, length) =>
      this.exports.peer_announce_stream(peer, ptr, length, requestId),
    );
  }

  peerRejectStream(peer, requestId, reason) {
    return this.wasm.withBuffers([reason], (ptr, length) => this.exports.peer_reject_stream(peer, requestId, ptr, length));
  }

  /**
   * Sends one encoded frame (kind 0 video, 1 audio) at nowMs, with the bytes the media channel has
   * buffered; returns the packet count, 0 when the frame was dropped whole, or an error.
   */
  streamSendFrame(stream, kind, frame, timestampUs, nowMs, channelBuffered = 0) {
    return this.wasm.withBuffers([frame], (ptr, length) =>
      this.exports.stream_send_frame(stream, kind, ptr, length, timestampUs, nowMs, channelBuffered),
    );
  }

  /** Host: the video encoder's configured bitrate, the rate controller's ceiling. */
  streamSetVideoBitrate(stream, bitsPerSecond) {
    return this.exports.stream_set_video_bitrate(stream, bitsPerSecond);
  }

  /** Leaves (client) or stops (host) a stream; a host's reason reaches the client. */
  streamEnd(stream, reason = "") {
    return this.wasm.withBuffers([reason], (ptr, length) => this.exports.stream_end(stream, ptr, length));
  }

  streamSetPermissions(stream, inputLevel) {
    return this.exports.stream_set_permissions(stream, inputLevel);
  }

  /** Client: the decoder needs a keyframe (asked within the core's rate limit). */
  streamRequestKeyframe(stream, nowMs) {
    return this.exports.stream_request_keyframe(stream, nowMs);
  }

  /**
   * Hands the stream's media path to a media worker's core (a host stream only before its first frame);
   * returns the stream-announce message (text, with the stream's key) for that core's streamOpenReceiver
   * (client) or streamOpenSender (host), or an error code.
   */
  streamHandOff(stream) {
    const capacity = CONTROL_MESSAGE_MAX + 1;
    const out = this.wasm.alloc(capacity);
    try {
      const length = this.exports.stream_hand_off(stream, out, capacity);
      return length < 0 ? length : this.wasm.readCString(out);
    } finally {
      this.wasm.free(out);
    }
  }

  /** Client: sends the keyframe request a handed-off stream's receiver asked for. */
  streamSendKeyframeRequest(stream) {
    return this.exports.stream_send_keyframe_request(stream);
  }

  /** A media worker's core: opens a receiver from streamHandOff's message; returns its handle or an error. */
  streamOpenReceiver(announcement, nowMs) {
    return this.wasm.withBuffers([announcement], (ptr, length) => this.exports.stream_open_receiver(ptr, length, nowMs));
  }

  /** A media worker's core: opens a sender from a host stream's streamHandOff message; returns its handle or an error. */
  streamOpenSender(announcement) {
    return this.wasm.withBuffers([announcement], (ptr, length) => this.exports.stream_open_sender(ptr, length));
  }

  /** Host: the client asked for a keyframe; the sender asks its encoder (KeyframeRequested) within its rate limit. */
  streamKeyframeRequested(stream, nowMs) {
    return this.exports.stream_keyframe_requested(stream, nowMs);
  }

  /**
   * Feeds one media-channel message to a receiver, or feedback to a sender; CoreError.UnexpectedMessage
   * when it is not that stream's.
   */
  streamReceive(stream, kind, message, nowMs) {
    if (message.byteLength > MEDIA_MESSAGE_MAX) return CoreError.TooLarge;
    return this.wasm.withBuffers([message], (ptr, length) => this.exports.stream_receive(stream, kind, ptr, length, nowMs));
  }

  streamRequestBitrate(stream, bitsPerSecond) {
    return this.exports.stream_request_bitrate(stream, bitsPerSecond);
  }

  /**
   * Sends one input (an OutgoingInput object, or a host → client record) on a stream; returns
   * {status, field}: status is the records sent now (0 when coalesced) or an error, field the name
   * of the field the core refused.
   */
  streamSendInput(stream, input, nowMs) {
    const field = this.#inputField;
    this.wasm.bytes()[field] = 0;
    const status = this.wasm.withBuffers([JSON.stringify(input)], (ptr, length) =>
      this.exports.stream_send_input(stream, ptr, length, nowMs, field, INPUT_FIELD_SIZE),
    );
    return { status, field: status < 0 ? this.wasm.readCString(field) : "" };
  }

  /** Sends binary input records on a stream (a native host's cursor, clipboard, rumble); records sent or an error. */
  streamSendRecords(stream, records, nowMs) {
    return this.wasm.withBuffers([records], (ptr, length) => this.exports.stream_send_records(stream, ptr, length, nowMs));
  }

  /** The stream's InputLevel as the core holds it, or an error. */
  streamInputLevel(stream) {
    return this.exports.stream_input_level(stream);
  }

  /** Feeds one input-channel message. */
  peerInputReceive(peer, message) {
    return this.wasm.withBuffers([message], (ptr, length) => this.exports.peer_input_receive(peer, ptr, length));
  }

  /**
   * Encodes one input (an OutgoingInput object as a host's "input" event gives it) as binary input
   * records, for a native injector; returns the bytes, or a negative error code.
   */
  inputEncode(input) {
    const capacity = INPUT_RECORD_MAX;
    const out = this.wasm.alloc(capacity);
    try {
      const length = this.wasm.withBuffers([JSON.stringify(input)], (ptr, size) => this.exports.input_encode(ptr, size, out, capacity));
      return length < 0 ? length : this.wasm.copyOut(out, length);
    } finally {
      this.wasm.free(out);
    }
  }

  /** The VirtualKey of a KeyboardEvent.code (0 when unmapped). */
  inputKeyCode(code) {
    return this.wasm.withBuffers([code], (ptr, length) => this.exports.input_key_code(ptr, length));
  }

  /** The stream's counters, or null for a bad handle. */
  streamCounters(stream) {
    return this.#readCounters(STREAM_COUNTER_NAMES, (ptr) => this.exports.stream_counters(stream, ptr));
  }

  #readCounters(names, fill) {
    const ptr = this.wasm.alloc(names.length * 8);
    try {
      if (fill(ptr) < 0) return null;
      const view = this.wasm.view();
      return Object.fromEntries(names.map((name, i) => [name, view.getFloat64(ptr + i * 8, true)]));
    } finally {
      this.wasm.free(ptr);
    }
  }

  srtpCreate(masterKey, direction) {
    return this.wasm.withBuffers([masterKey], (ptr, length) => this.exports.srtp_create(ptr, length, direction));
  }

  /** Protects one RTP packet; returns the SRTP bytes or a negative error code. */
  srtpProtect(handle, packet) {
    return this.#inPlace(packet, SRTP_MAX_OVERHEAD, (ptr, length, capacity) =>
      this.exports.srtp_protect(handle, ptr, length, capacity),
    );
  }

  /** Unprotects one SRTP packet; returns the RTP bytes or a negative error code. */
  srtpUnprotect(handle, packet) {
    return this.#inPlace(packet, 0, (ptr, length) => this.exports.srtp_unprotect(handle, ptr, length));
  }

  srtpDestroy(handle) {
    return this.exports.srtp_destroy(handle);
  }

  srtpGenerateKey() {
    const ptr = this.wasm.alloc(SRTP_MASTER_KEY_LENGTH);
    try {
      const status = this.exports.srtp_generate_key(ptr, SRTP_MASTER_KEY_LENGTH);
      if (status < 0) throw new Error(`Petrichor core could not generate a key: ${this.errorName(status)}`);
      return this.wasm.copyOut(ptr, SRTP_MASTER_KEY_LENGTH);
    } finally {
      this.wasm.free(ptr);
    }
  }

  // Copies data in with spare room, runs an in-place transform, copies the result out.
  #inPlace(data, spare, fn) {
    const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
    const ptr = this.wasm.copyIn(bytes, spare);
    try {
      const result = fn(ptr, bytes.length, bytes.length + spare);
      return result < 0 ? result : this.wasm.copyOut(ptr, result);
    } finally {
      this.wasm.free(ptr);
    }
  }

  /** Releases every object and the core; the Core must not be used afterwards. */
  shutdown() {
    this.wasm.free(this.#info);
    this.wasm.free(this.#inputField);
    this.wasm.free(this.#scratch);
    this.exports.shutdown();
  }
}
