// Peer: a facade over a core peer handle and its PeerLink (the RTCPeerConnection). The core decides
// the state; this object mirrors it and turns core events into the public events.
import { EventEmitter } from "./events.js";
import { Messages, RainwayError } from "./errors.js";
import { DataChannelMode, InputLevel, LogLevel, PeerState, StreamType } from "./enums.js";
import { CoreEvents } from "./runtime.js";
import { DataChannel, DEFAULT_MAX_MESSAGE_SIZE, DEFAULT_REQUEST_TIMEOUT_MS, chunkSizeFor } from "./data-channel.js";
import { CHANNELS_PER_PEER_MAX, CoreError, oversizeMediaNote } from "../core/core.js";
import { toBytes } from "../core/wasm.js";
import { InboundStream, OutboundStream, checkPlaybackSupport, checkPlayout, streamInfo } from "./streams.js";
import { LOG_TARGETS, describeCandidate, messageType, redact } from "./log.js";

const DEFAULT_VIDEO = { codec: "avc1.42e01f", width: 1280, height: 720, frameRate: 30 };
const DEFAULT_AUDIO = { codec: "opus", sampleRate: 48000, channels: 2 };
const EMPTY_KEY = "A".repeat(40); // 30 zero bytes in base64; the core puts a fresh key in its place

const SIGNAL_KINDS = { offer: 1, answer: 2, candidate: 3 };

/** Stream requests held for a "stream-request" listener not yet added (see Peer#unheardStreamRequests). */
const UNHEARD_STREAM_REQUESTS = 16;
/** Control messages logged only at Trace: the media path's round-trip probes. */
const PROBE_MESSAGES = new Set(["ping", "pong"]);

/** A stream's media for the log: "avc1.42e01f 1280x720 at 30 fps, opus 48000 Hz 2 ch". */
function describeMedia({ video, audio }) {
  const parts = [];
  if (video) parts.push(`${video.codec} ${video.width}x${video.height} at ${video.frameRate} fps`);
  if (audio) parts.push(`${audio.codec} ${audio.sampleRate} Hz ${audio.channels} ch`);
  return parts.join(", ") || "no media";
}

/** A signaling message for the log: its kind, and for a candidate what it offers (never the SDP, which holds credentials). */
function describeSignal(kind, data) {
  return kind === "candidate" ? `candidate ${describeCandidate(data?.candidate)}` : kind;
}

function configBytes(data) {
  try {
    return toBytes(data);
  } catch {
    throw new RainwayError("video.config must be a Uint8Array, ArrayBuffer or ArrayBufferView.");
  }
}

export class Peer extends EventEmitter {
  #runtime;
  #handle;
  #connection;
  #link = null;
  #state = PeerState.New;
  #ready; // {resolve, reject, timeoutMs} until the peer is first Connected
  #closed = false;
  #oversizeMediaLogged = false;
  #streamLog;
  /**
   * Stream requests that came before any "stream-request" listener: a client may ask as soon as its side is
   * connected, before the host's accept() has resolved and its listener is on. Handed to the first
   * listener added; at most UNHEARD_STREAM_REQUESTS (the rest are refused at once).
   */
  #unheardStreamRequests = [];

  /** @internal Created by RainwayConnection when the core reports a new peer. */
  constructor({ runtime, handle, connection, id, externalId, ready, log }) {
    super();
    this.#runtime = runtime;
    this.#handle = handle;
    this.#connection = connection;
    this.#ready = ready;
    /** This peer's log (PeerConnection); its channels and streams write under their own targets. */
    this.log = log.for(LOG_TARGETS.PeerConnection).about(`peer ${id}`);
    this.#streamLog = log.for(LOG_TARGETS.Stream).about(`peer ${id}`);
    /** @type {bigint} */
    this.id = id;
    this.externalId = externalId;
    this.streams = new Map();
    this.dataChannels = new Map();
    runtime.register(handle, this);
  }

  get connection() {
    if (this.#closed) throw new RainwayError(Messages.connectionDisposed);
    return this.#connection;
  }

  get state() {
    return this.#state;
  }

  /** @internal */
  get disconnected() {
    return this.#closed;
  }

  /** @internal Starts the RTCPeerConnection once the facade exists. */
  attachLink(link) {
    this.#link = link;
    link.logStates(this.log);
    this.log(LogLevel.Debug, () => `starting WebRTC as the ${link.offerer ? "offerer" : "answerer"}`);
    link.start();
    // Signaling that arrived while WebRTC was still loading is applied now, in order.
    for (const { kind, data } of this.#earlySignals.splice(0)) link.handleSignal(kind, data);
  }

  #earlySignals = [];

  /**
   * Opens an app data channel to this peer; resolves once it is open on this side. The other side
   * gets a "datachannel" event with its end. Options beyond the original's: maxMessageSize (bytes,
   * default 64 MiB) and requestTimeoutMs (default 30000).
   */
  createDataChannel(options) {
    try {
      const { id, mode, settings } = this.#channelOptions(options);
      const link = this.#link.createChannel(id, mode);
      const opened = new Promise((resolve, reject) => {
        const channel = this.#openChannel(id, mode, link, settings, { resolve, reject });
        if (typeof channel === "number") {
          link.close();
          reject(new RainwayError(`Couldn't create Data Channel: ${id} (${this.#channelError(channel)})`));
        }
      });
      // Messages that arrive before the app's continuation ran are held until it has.
      opened.then((channel) => setTimeout(() => channel.release(), 0), () => {});
      return opened;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #channelOptions(options) {
    if (options === null || typeof options !== "object") {
      throw new RainwayError("createDataChannel(options) needs {id, mode}.");
    }
    const { id, mode, maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE, requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS } = options;
    if (typeof id !== "string" || id.length === 0) throw new RainwayError("A data channel id must be a non-empty string.");
    if (id.startsWith("RW_")) throw new RainwayError("Data channel names starting with RW_ are reserved for Rainway");
    if (mode !== DataChannelMode.Reliable && mode !== DataChannelMode.Unreliable) {
      throw new RainwayError(`Couldn't create Data Channel: ${id} (mode must be DataChannelMode.Reliable or DataChannelMode.Unreliable)`);
    }
    if (!Number.isInteger(maxMessageSize) || maxMessageSize < 1 || maxMessageSize > 2 ** 31 - 1) {
      throw new RainwayError("maxMessageSize must be a whole number of bytes between 1 and 2^31 - 1.");
    }
    if (!(Number.isFinite(requestTimeoutMs) && requestTimeoutMs > 0)) {
      throw new RainwayError("requestTimeoutMs must be a positive number of milliseconds.");
    }
    if (this.#closed || !this.#link) throw new RainwayError(`Couldn't create Data Channel: ${id} (peer is disconnected)`);
    if (this.dataChannels.has(id) || this.#openingChannels.has(id)) {
      throw new RainwayError(`Couldn't create Data Channel: ${id} (a channel with this id already exists)`);
    }
    return { id, mode, settings: { maxMessage: maxMessageSize, requestTimeoutMs } };
  }

  #openingChannels = new Set();

  /** Creates the core channel and its facade; returns the facade or the core's error code. */
  #openChannel(id, mode, link, settings, opening) {
    this.#openingChannels.add(id);
    const done = () => this.#openingChannels.delete(id);
    const options = {
      mode,
      chunkSize: chunkSizeFor(this.#link.maxMessageSize),
      maxMessage: settings.maxMessage,
      requestTimeoutMs: settings.requestTimeoutMs,
      openTimeoutMs: this.#ready?.timeoutMs ?? 30000,
    };
    const result = this.#runtime.open(
      (core, now) => core.channelCreate(this.#handle, id, options, now),
      (handle) =>
        new DataChannel({
          runtime: this.#runtime,
          handle,
          peer: this,
          id,
          mode,
          link,
          options: settings,
          log: this.log.for(LOG_TARGETS.DataChannel).about(`peer ${this.id}, channel "${id}"`),
          opening: {
            resolve: (channel) => {
              done();
              this.dataChannels.set(id, channel);
              opening.resolve(channel);
            },
            reject: (error) => {
              done();
              opening.reject(error);
            },
          },
        }),
    );
    if (typeof result === "number") done();
    return result;
  }

  /** @internal The other side opened a channel. */
  acceptRemoteChannel(link) {
    if (this.#closed || link.label.startsWith("RW_") || this.dataChannels.has(link.label) || this.#openingChannels.has(link.label)) {
      this.log(2, `refused a data channel "${link.label}" from the other side`);
      link.close();
      return;
    }
    const settings = { maxMessage: DEFAULT_MAX_MESSAGE_SIZE, requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS };
    const result = this.#openChannel(link.label, link.mode, link, settings, {
      resolve: (channel) => this.#announceChannel(channel),
      reject: () => {},
    });
    if (typeof result === "number") {
      this.log(2, `refused a data channel "${link.label}" from the other side (${this.#channelError(result)})`);
      link.close();
    }
  }

  /** Why the core refused to create a channel, for messages. */
  #channelError(code) {
    if (code === CoreError.Full) return `this peer has the most data channels allowed at once, ${CHANNELS_PER_PEER_MAX}`;
    return this.#runtime.core.errorName(code);
  }

  /**
   * Tells the app about a channel the other side opened. Before the app has the Peer (its connect or
   * accept promise is resolving) nobody could listen, so the event waits until it has.
   */
  #announceChannel(channel) {
    if (!this.#announced) {
      this.#unannounced.push(channel);
      return;
    }
    this.emit("datachannel", channel);
    channel.release();
  }

  #announced = false;
  #unannounced = [];

  /** @internal Called once the app has the Peer: channels opened meanwhile are announced now. */
  markAnnounced() {
    this.#announced = true;
    for (const channel of this.#unannounced.splice(0)) {
      if (this.dataChannels.get(channel.id) === channel) this.#announceChannel(channel);
    }
  }

  /** @internal */
  _removeDataChannel(channel) {
    if (this.dataChannels.get(channel.id) === channel) this.dataChannels.delete(channel.id);
  }

  /** @internal Glue → core: a control-channel message. */
  reportControlMessage(text) {
    this.#logControl("received", text);
    const status = this.#runtime.call((core, now) => core.peerControlReceive(this.#handle, text, now));
    if (status < 0) this.log(2, () => `control message "${messageType(text)}" refused (${this.#runtime.core.errorName(status)})`);
  }

  /** @internal Glue → core: a media-channel message. */
  reportMedia(kind, packet) {
    const status = this.#runtime.call((core, now) => core.peerMediaReceive(this.#handle, kind, packet, now));
    if (status === CoreError.TooLarge && !this.#oversizeMediaLogged) {
      this.#oversizeMediaLogged = true; // once: a peer that sends them sends many
      this.log(LogLevel.Warning, oversizeMediaNote(packet.byteLength));
    }
  }

  /** @internal Glue → core: an input-channel message. */
  reportInput(message) {
    const status = this.#runtime.call((core) => core.peerInputReceive(this.#handle, message));
    if (status < 0) this.log(2, `input message refused (${this.#runtime.core.errorName(status)})`);
  }

  /** @internal Core → input channel. */
  _sendInput(bytes) {
    if (!this.#link?.sendInput(bytes)) this.log(2, "input not sent (input channel closed)");
  }

  /** @internal The media worker holding this peer's media channels and its link there, or null. */
  _mediaWorker() {
    return this.#link?.mediaLink ? { worker: this.#link.mediaWorker, link: this.#link.mediaLink } : null;
  }

  /** @internal Bytes waiting in a media channel. */
  _mediaBuffered(kind) {
    return this.#link?.mediaBuffered(kind) ?? 0;
  }

  /** @internal Core → media channel. */
  _sendMedia(kind, bytes) {
    this.#link?.sendMedia(kind, bytes);
  }

  /** @internal Core → control channel. */
  onSend(transport, bytes) {
    const text = new TextDecoder().decode(bytes);
    this.#logControl("sent", text);
    if (!this.#link?.sendControl(text)) this.log(2, () => `control message "${messageType(text)}" not sent (channel closed)`);
  }

  /**
   * A control message for the log: its type at Debug (with the reason of a keyframe request: see
   * InboundStream), the whole of it less its secrets (a stream's key) at Trace.
   */
  #logControl(direction, text) {
    if (!this.log.enabled(LogLevel.Debug)) return;
    const type = messageType(text);
    if (this.log.enabled(LogLevel.Trace)) this.log(LogLevel.Trace, `${direction} ${redact(text)}`);
    else if (!PROBE_MESSAGES.has(type)) this.log(LogLevel.Debug, `${direction} "${type}"`);
    if (type === "keyframe-request" && direction === "sent") {
      const { streamId } = JSON.parse(text);
      this.streams.get(streamId)?._keyframeRequested();
    }
  }

  /** @internal Glue → core reports. */
  reportSignal(kind, data) {
    this.log(LogLevel.Debug, () => `sending ${describeSignal(kind, data)}`);
    const status = this.#runtime.call((core) => core.peerSignal(this.#handle, SIGNAL_KINDS[kind], JSON.stringify(data)));
    if (status < 0) this.log(2, `signal ${kind} not sent: ${this.#runtime.core.errorName(status)}`);
  }

  reportRtcState(code) {
    this.#runtime.call((core, now) => core.peerReportRtc(this.#handle, code, now));
  }

  reportControlOpen(open) {
    this.#runtime.call((core) => core.peerReportControl(this.#handle, open));
  }

  reportError(error) {
    this.log(1, `${error?.message ?? error}`);
    this.#runtime.call((core) => core.peerClose(this.#handle, CoreError.Closed));
  }

  /** @internal Core → facade. */
  onEvent(code, payload) {
    if (code === CoreEvents.PeerSignal) {
      this.log(LogLevel.Debug, () => `received ${describeSignal(payload.kind, payload.data)}`);
      if (this.#link) this.#link.handleSignal(payload.kind, payload.data);
      else this.#earlySignals.push(payload); // the RTCPeerConnection is not there yet
    } else if (code === CoreEvents.PeerState) {
      this.#setState(payload.state);
    } else if (code === CoreEvents.PeerClosed) {
      this.#dispose(payload);
    } else if (code === CoreEvents.StreamRequested) {
      this.#onStreamRequested(payload);
    } else if (code === CoreEvents.StreamAnnounced) {
      this.#onStreamAnnounced(payload);
    } else if (code === CoreEvents.StreamRejected) {
      this.#streamLog(LogLevel.Debug, () => `the host rejected stream request ${payload.requestId}: ${payload.reason}`);
      this.#streamRequests.get(payload.requestId)?.reject(new RainwayError(payload.reason || "The host rejected the stream request."));
      this.#streamRequests.delete(payload.requestId);
    }
  }

  #streamRequests = new Map(); // requestId -> {resolve, reject, options, timer}

  /** @internal Host side: the host's streams to this peer, by id. */
  outboundStreams = new Map();

  /**
   * Asks the host for a stream; resolves with the InboundStream once the host announced it and this
   * side joined, rejects with the host's reason (or a timeout).
   */
  createStream(options = {}) {
    if (this.#closed) return Promise.reject(new RainwayError("Couldn't request stream: peer is disconnected"));
    try {
      checkPlaybackSupport();
    } catch (error) {
      return Promise.reject(error);
    }
    const permissions = options?.permissions ?? InputLevel.None;
    if (!Number.isInteger(permissions) || permissions < 0 || permissions > 127) {
      return Promise.reject(new RainwayError("permissions must be an InputLevel."));
    }
    try {
      if (options?.playout !== undefined) checkPlayout(options.playout);
    } catch (error) {
      return Promise.reject(error);
    }
    const requestId = this.#runtime.call((core) => core.peerRequestStream(this.#handle, permissions));
    if (requestId < 0) return Promise.reject(new RainwayError(`Couldn't request stream: ${this.#runtime.core.errorName(requestId)}`));
    this.#streamLog(LogLevel.Debug, () => `requesting a stream (request ${requestId}, permissions ${permissions})`);
    const timeoutMs = this.#ready?.timeoutMs ?? this.#streamTimeoutMs;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#streamRequests.delete(requestId);
        reject(new RainwayError(`The stream request to ${this.id} timed out after ${timeoutMs} ms.`));
      }, timeoutMs);
      this.#streamRequests.set(requestId, {
        options,
        resolve: (stream) => {
          clearTimeout(timer);
          resolve(stream);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
    });
  }

  #streamTimeoutMs = 30000;

  /** Asks the host to announce every active stream again ("stream-announcement" events). */
  async forceStreamAnnouncements() {
    if (this.#closed) throw new RainwayError("Couldn't forceStreamAnnouncements. Peer disconnected.");
    this.#streamLog(LogLevel.Debug, "asking the host to announce its streams again");
    const status = this.#runtime.call((core) => core.peerListStreams(this.#handle));
    if (status < 0) throw new RainwayError(`Couldn't forceStreamAnnouncements: ${this.#runtime.core.errorName(status)}`);
  }

  #join(info, options) {
    if (this.#closed) throw new RainwayError("Couldn't join the stream: peer is disconnected");
    checkPlaybackSupport();
    if (options?.playout !== undefined) checkPlayout(options.playout);
    this.#streamLog(LogLevel.Debug, () => `joining stream ${info.streamId}`);
    let stream = null;
    const result = this.#runtime.open(
      (core, now) => core.peerJoinStream(this.#handle, info.streamId, now),
      (handle) => {
        const log = this.#streamLog.about(`peer ${this.id}, stream ${info.streamId}`);
        stream = new InboundStream({ runtime: this.#runtime, handle, peer: this, info, options, log });
        this.streams.set(info.streamId, stream);
        return stream;
      },
    );
    if (typeof result === "number") throw new RainwayError(`Couldn't join stream ${info.streamId}: ${this.#runtime.core.errorName(result)}`);
    return stream;
  }

  #onStreamAnnounced({ requestId, stream }) {
    const info = streamInfo(stream);
    const pending = this.#streamRequests.get(requestId);
    this.#streamLog(LogLevel.Debug, () => `the host announced stream ${info.streamId} (${describeMedia(info)})${pending ? `, answering request ${requestId}` : ", unasked"}`);
    if (pending) {
      this.#streamRequests.delete(requestId);
      try {
        pending.resolve(this.#join(info, pending.options));
      } catch (error) {
        pending.reject(error);
      }
      return;
    }
    this.emit("stream-announcement", { info, join: async (options = {}) => this.#join(info, options) });
  }

  addEventListener(name, handler) {
    super.addEventListener(name, handler);
    if (name !== "stream-request" || this.#unheardStreamRequests.length === 0) return;
    const waiting = this.#unheardStreamRequests.splice(0);
    // After the caller's own code has run, as an event would be.
    queueMicrotask(() => {
      for (const request of waiting) if (!this.#closed) this.emit("stream-request", request);
    });
  }

  #onStreamRequested({ requestId, permissions }) {
    this.#streamLog(LogLevel.Debug, () => `the client asks for a stream (request ${requestId}, permissions ${permissions})`);
    let answered = false;
    const answer = () => {
      if (answered) throw new RainwayError("This stream request was already answered.");
      if (this.#closed) throw new RainwayError("Couldn't answer the stream request: peer is disconnected");
      answered = true;
    };
    const request = {
      id: requestId,
      permissions,
      accept: async (options = {}) => {
        answer();
        return this.#announce({ permissions, ...options }, requestId);
      },
      reject: (reason = "") => {
        answer();
        this.#streamLog(LogLevel.Debug, () => `rejecting stream request ${requestId}`);
        const status = this.#runtime.call((core) => core.peerRejectStream(this.#handle, requestId, String(reason)));
        if (status < 0) throw new RainwayError(`Couldn't reject the stream request: ${this.#runtime.core.errorName(status)}`);
      },
    };
    if (this.listenerCount("stream-request") > 0) {
      this.emit("stream-request", request);
    } else if (this.#unheardStreamRequests.length < UNHEARD_STREAM_REQUESTS) {
      this.#streamLog(LogLevel.Debug, () => `no "stream-request" listener yet: request ${requestId} waits for one`);
      this.#unheardStreamRequests.push(request);
    } else {
      request.reject("The host is not taking stream requests.");
    }
  }

  /** Host: offers a stream to this peer without being asked; resolves with the OutboundStream. */
  async announceStream(options = {}) {
    if (this.#closed) throw new RainwayError("Couldn't announce a stream: peer is disconnected");
    return this.#announce(options, 0);
  }

  #announce(options, requestId) {
    const id = options.id ?? this.#nextStreamId();
    const permissions = options.permissions ?? InputLevel.All;
    const video = options.video === null ? undefined : { ...DEFAULT_VIDEO, ...options.video };
    const audio = options.audio === null ? undefined : { ...DEFAULT_AUDIO, ...options.audio };
    if (video?.config !== undefined) video.config = btoa(String.fromCharCode(...configBytes(video.config)));
    const stream = {
      id,
      type: options.type ?? StreamType.FullDesktop,
      defaultInputLevel: permissions,
      videoSsrc: 0,
      audioSsrc: 0,
      srtpKey: EMPTY_KEY,
      ...(video ? { video } : {}),
      ...(audio ? { audio } : {}),
    };
    const announcement = JSON.stringify({ type: "stream-announce", requestId, stream });
    this.#streamLog(LogLevel.Debug, () => `announcing stream ${id} (${describeMedia(streamInfo(stream))})${requestId ? `, answering request ${requestId}` : ", unasked"}`);
    const result = this.#runtime.open(
      (core) => core.peerAnnounceStream(this.#handle, announcement, requestId),
      (handle) => {
        const log = this.#streamLog.about(`peer ${this.id}, stream ${id}`);
        const outbound = new OutboundStream({ runtime: this.#runtime, handle, peer: this, id, permissions, info: streamInfo(stream), log });
        this.outboundStreams.set(id, outbound);
        return outbound;
      },
    );
    if (typeof result === "number") throw new RainwayError(`Couldn't announce stream ${id}: ${this.#runtime.core.errorName(result)}`);
    return result;
  }

  #nextStreamId() {
    for (let id = 1; id < 256; id++) if (!this.outboundStreams.has(id)) return id;
    throw new RainwayError("No free stream id (at most 255 streams per peer).");
  }

  /** @internal */
  _removeInboundStream(stream) {
    if (this.streams.get(stream.id) === stream) this.streams.delete(stream.id);
  }

  /** @internal */
  _removeOutboundStream(stream) {
    if (this.outboundStreams.get(stream.id) === stream) this.outboundStreams.delete(stream.id);
  }

  #setState(state) {
    this.log(LogLevel.Debug, () => `state ${PeerState[state]}`);
    this.#state = state;
    if (this.#ready) {
      if (state === PeerState.Connected) {
        const { resolve } = this.#ready;
        this.#ready = null;
        this.#connection._addPeer(this);
        resolve(this);
        setTimeout(() => this.markAnnounced(), 0); // after the app's continuation of connect()/accept()
      }
      return; // until the promise resolves nobody can listen yet; changes before then are not events
    }
    this.emit("connection-state-change", state);
  }

  #dispose({ code }) {
    if (this.#closed) return;
    this.#closed = true;
    this.#runtime.unregister(this.#handle);
    const state = this.#link ? ` (${this.#link.describe()})` : ""; // before closing: how far it got
    this.#link?.close();
    const wasReady = !this.#ready;
    if (this.#ready) {
      const { reject, timeoutMs } = this.#ready;
      this.#ready = null;
      reject(
        new RainwayError(
          code === CoreError.Timeout
            ? `${Messages.timedOut(`The connection to ${this.id}`, timeoutMs)}${state}`
            : `The connection to ${this.id} failed before it was established.${state}`,
        ),
      );
    }
    if (wasReady && code === CoreError.Timeout) this.log(2, "Disconnected for too long (its other side is gone); closed");
    else this.log(LogLevel.Debug, () => `closed (${this.#runtime.core.errorName(code)})${state}`);
    if (this.#state !== PeerState.Failed) {
      this.#state = PeerState.Failed;
      if (wasReady) this.emit("connection-state-change", PeerState.Failed);
    }
    this.#connection._removePeer(this);
    for (const request of this.#streamRequests.values()) request.reject(new RainwayError("Couldn't request stream: peer is disconnected"));
    this.#streamRequests.clear();
    this.#unheardStreamRequests = [];
    this.streams.clear();
    this.outboundStreams.clear();
    this.dataChannels.clear();
    if (wasReady) this.emit("close");
  }

  /** Disconnects from the peer. */
  close() {
    if (this.#closed) return;
    this.#runtime.call((core) => core.peerClose(this.#handle, CoreError.Closed));
  }
}
