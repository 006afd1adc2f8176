// Streams: InboundStream (the client's end: frames out of the core) and OutboundStream (the host's
// end: encoded chunks into the core). Both are facades over a core stream handle.
import { EventEmitter } from "./events.js";
import { RainwayError } from "./errors.js";
import { AudioCodec, AudioContainer, InputLevel, InputType, KeyboardAction, LogLevel, StreamFit, VideoCodecType, VideoContainer, VideoReadyState } from "./enums.js";
import { HeldKeys } from "./held-keys.js";
import { HostInputType, sendStreamInput } from "./stream-input.js";
import { hasWebCodecs, sharedNow } from "../platform/video-player.js";
import { LocalPlayback, WorkerPlayback } from "../platform/playback.js";
import { applyStreamFit, createStreamView, enterFullscreen, hasDom, pictureRect, toRemotePoint } from "../platform/stream-view.js";
import { InputCapture } from "../platform/input-capture.js";
import { CursorView } from "../platform/cursor-view.js";
import { PlayoutPolicy, badPlayoutMessage, isPlayoutPolicy } from "../platform/playout.js";
import { CoreEvents } from "./runtime.js";
import { MediaKind, Transport, parseFrameEvent } from "../core/core.js";
import { toBytes } from "../core/wasm.js";
import { encodeAudioTrack, encodeVideoTrack, trackFrames } from "../platform/track-encoder.js";
import { WorkerSending, canTransferStreams } from "../platform/worker-sending.js";
import { missingWebCodecsMessage } from "../platform/codecs.js";
import { LOG_TARGETS, silentLog } from "./log.js";

/** Throws a RainwayError unless `policy` names a playout policy (InboundStream.playout, the createStream/join option). */
export function checkPlayout(policy) {
  if (!isPlayoutPolicy(policy)) throw new RainwayError(badPlayoutMessage(policy));
}

const STATS_INTERVAL_MS = 5000;
const KIND_NAMES = ["video", "audio"];
const DEFAULT_TRACK_BITRATE = 2_000_000; // the track encoder's own default (platform/track-encoder.js)
const VIDEO_BITRATE_MIN = 100_000; // setVideoBitrate's range, as the core's (pt_stream_set_video_bitrate)
const VIDEO_BITRATE_MAX = 1_000_000_000;
// A host stream's counters that its own core keeps when its media is sent from the media worker.
const INPUT_COUNTERS = ["inputSent", "inputReceived", "inputDropped", "inputMalformed", "inputBytesSent", "cursorEvents"];

function base64ToBytes(text) {
  if (!text) return new Uint8Array(0);
  const binary = atob(text);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** The announcement's stream description as the original's IRemoteStreamInfo, plus Petrichor's own fields. */
export function streamInfo(stream) {
  const config = base64ToBytes(stream.video?.config);
  return {
    streamId: stream.id,
    streamType: stream.type,
    defaultInputLevel: stream.defaultInputLevel,
    temporalScaleFactor: 1,
    chosenAudioConfig: { codec: AudioCodec.Opus, container: AudioContainer.Raw },
    chosenVideoConfig: {
      codec: {
        friendlyName: stream.video?.codec ?? "",
        width: stream.video?.width ?? 0,
        height: stream.video?.height ?? 0,
        refreshRate: stream.video?.frameRate ?? 0,
        data: config,
        type: VideoCodecType.H264,
      },
      container: VideoContainer.Raw,
    },
    video: stream.video ? { ...stream.video, config } : undefined,
    audio: stream.audio,
  };
}

const STOP_REASON_MAX = 1024; // bytes of UTF-8 in a stream-stop message (docs/PROTOCOL.md)

/** A host's reason for stopping a stream as the control channel carries it: no control characters, at most 1,024 bytes. */
function stopReason(reason) {
  let text = String(reason).replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/g, " ").slice(0, STOP_REASON_MAX);
  const encoder = new TextEncoder();
  while (encoder.encode(text).length > STOP_REASON_MAX) text = text.slice(0, -1);
  return text;
}

/** Reads {type, timestamp, data} or a WebCodecs EncodedVideoChunk/EncodedAudioChunk. */
function chunkParts(chunk) {
  if (chunk === null || typeof chunk !== "object") {
    throw new RainwayError("A media chunk must be {type, timestamp, data} or an EncodedVideoChunk / EncodedAudioChunk.");
  }
  const { type, timestamp } = chunk;
  if (type !== "key" && type !== "delta") throw new RainwayError('A media chunk\'s type must be "key" or "delta".');
  if (!(Number.isFinite(timestamp) && timestamp >= 0)) throw new RainwayError("A media chunk's timestamp must be a non-negative number of microseconds.");
  let data;
  if (chunk.data !== undefined) {
    try {
      data = toBytes(chunk.data);
    } catch {
      throw new RainwayError("A media chunk's data must be a Uint8Array, ArrayBuffer or ArrayBufferView.");
    }
  } else if (typeof chunk.copyTo === "function" && Number.isInteger(chunk.byteLength)) {
    data = new Uint8Array(chunk.byteLength);
    chunk.copyTo(data);
  } else {
    throw new RainwayError("A media chunk has no data.");
  }
  if (data.length === 0) throw new RainwayError("A media chunk must not be empty.");
  return { type, timestamp, data };
}

/** The host's end of a stream. */
export class OutboundStream extends EventEmitter {
  #runtime;
  #handle;
  #permissions;
  #closed = false;
  #log;
  #dropped = [0, 0]; // frames dropped in a row, per kind (for the log)
  #sentAfterClose = false;

  /** @internal */
  constructor({ runtime, handle, peer, id, permissions, info, log = silentLog }) {
    super();
    this.#runtime = runtime;
    this.#handle = handle;
    this.#permissions = permissions;
    this.#log = log;
    this.id = id;
    this.peer = peer;
    this.info = info;
    runtime.register(handle, this);
  }

  get ended() {
    return this.#closed;
  }

  /** The input level granted to the client; setting it updates the client's InboundStream.permissions. */
  get permissions() {
    return this.#permissions;
  }

  set permissions(level) {
    if (!Number.isInteger(level) || level < 0 || level > 127) throw new RainwayError("permissions must be an InputLevel.");
    if (this.#closed) throw new RainwayError(`Stream ${this.id} is closed.`);
    const status = this.#runtime.call((core) => core.streamSetPermissions(this.#handle, level));
    if (status < 0) throw new RainwayError(`Couldn't update the permissions of stream ${this.id}: ${this.#runtime.core.errorName(status)}`);
    this.#permissions = level;
  }

  /**
   * Petrichor: the video encoder's configured bitrate (bits per second), the ceiling of the stream's
   * rate controller, which asks for less ("bitrate-request") when the link cannot carry it.
   */
  setVideoBitrate(bitsPerSecond) {
    if (this.#closed) throw new RainwayError(`Stream ${this.id} is closed.`);
    const refused = () =>
      new RainwayError(`Couldn't set the video bitrate of stream ${this.id} to ${bitsPerSecond}: use ${VIDEO_BITRATE_MIN} to ${VIDEO_BITRATE_MAX} bits per second.`);
    if (this.#sending) {
      // Checked here: the worker's core takes it later, where a refusal could not throw.
      if (!(bitsPerSecond >= VIDEO_BITRATE_MIN && bitsPerSecond <= VIDEO_BITRATE_MAX)) throw refused();
      this.#sending.setBitrate(bitsPerSecond);
      return;
    }
    if (this.#runtime.core.streamSetVideoBitrate(this.#handle, bitsPerSecond) < 0) throw refused();
  }

  /** Sends one encoded video frame (H.264 access unit in Annex-B). */
  sendVideo(chunk) {
    return this.#send(MediaKind.Video, chunk);
  }

  /** Sends one encoded audio frame (one Opus packet). */
  sendAudio(chunk) {
    return this.#send(MediaKind.Audio, chunk);
  }

  /**
   * A frame for a stream that has closed is dropped (0), not an error: an encoder's output races the
   * client leaving, and a host must not fall over when a viewer goes.
   */
  #send(kind, chunk) {
    const { type, timestamp, data } = chunkParts(chunk);
    if (this.#closed) {
      if (!this.#sentAfterClose) this.#log(LogLevel.Debug, "frames sent after the stream closed are dropped");
      this.#sentAfterClose = true;
      return 0;
    }
    if (this.#sending) {
      throw new RainwayError(
        `Couldn't send ${KIND_NAMES[kind]} on stream ${this.id}: its media is sent from the media worker by sendTrack (pass {mediaWorker: false} to sendTrack to mix it with sendVideo and sendAudio).`,
      );
    }
    if (kind === MediaKind.Video) this.#sentWatcher?.([timestamp, sharedNow(), data.length, type === "key" ? 1 : 0]);
    const buffered = this.peer._mediaBuffered(kind);
    const packets = this.#runtime.call((core, now) => core.streamSendFrame(this.#handle, kind, data, timestamp, now, buffered));
    if (packets < 0) {
      throw new RainwayError(`Couldn't send ${KIND_NAMES[kind]} on stream ${this.id}: ${this.#runtime.core.errorName(packets)}`);
    }
    this.#logDrops(kind, packets, buffered);
    return packets;
  }

  /** Frame drops for the log: when a run of them starts (and why), and when it ends. */
  #logDrops(kind, packets, buffered) {
    const run = this.#dropped[kind];
    if (packets === 0) {
      if (run === 0) this.#log(LogLevel.Debug, () => `dropping ${KIND_NAMES[kind]} frames: the send queue holds ${buffered} bytes, or the frame depends on a dropped one`);
      this.#dropped[kind] = run + 1;
    } else if (run > 0) {
      this.#log(LogLevel.Debug, () => `sending ${KIND_NAMES[kind]} again after ${run} dropped frame(s)`);
      this.#dropped[kind] = 0;
    }
  }

  #encoders = [];
  #sending = null; // WorkerSending, once the stream's media is sent from the media worker
  #sentWatcher = null;

  /**
   * @internal For the benches: handler([timestamp µs, when it was handed to the core on the
   * performance.timeOrigin + performance.now() clock, bytes, 1 for a keyframe]) for each video frame
   * sent, on this thread or in the media worker (from there in batches); null stops it.
   */
  _watchSentFrames(handler) {
    this.#sentWatcher = handler;
    this.#sending?.watchSent(handler !== null);
  }

  /**
   * Browsers: streams a MediaStreamTrack (canvas capture, screen capture, camera, microphone) through
   * WebCodecs encoders with real-time settings; keyframe and bitrate requests from the client are
   * followed; frames that arrive while the encoder is busy are dropped but the newest. Video options:
   * bitrate, keyframeInterval (frames), adaptResolution (default true: the picture is scaled down while the
   * bitrate asked for is too low for its size, or the machine cannot encode it in time). The encoders,
   * packetizing, SRTP and pacing run in the peer's media worker unless options.mediaWorker is false (or the
   * stream has sent frames of its own). Returns the encoder's counters (from the worker: updated as it reports).
   */
  sendTrack(track, options = {}) {
    if (this.#closed) throw new RainwayError(`Stream ${this.id} is closed.`);
    if (!track || (track.kind !== "video" && track.kind !== "audio")) {
      throw new RainwayError("sendTrack needs a MediaStreamTrack of kind video or audio.");
    }
    const encoderName = track.kind === "video" ? "VideoEncoder" : "AudioEncoder";
    if (typeof globalThis[encoderName] !== "function") throw new RainwayError(missingWebCodecsMessage(encoderName, "to stream a track"));
    const encoderLog = this.#log.for(LOG_TARGETS.Encoder);
    const onError = (error) => encoderLog(LogLevel.Error, () => `${error?.message ?? error}`);
    if (this.#sending?.sends(track.kind)) throw new RainwayError(`Stream ${this.id} already sends a ${track.kind} track; it takes one of each kind.`);
    const frames = trackFrames(track);
    const sending = this.#sendingFromWorker(options, onError);
    encoderLog(LogLevel.Debug, () => `encoding a ${track.kind} track ${sending ? "in the media worker" : "on this thread"} (${JSON.stringify(options)})`);
    let encoderOptions = { ...this.info.audio, ...options };
    if (track.kind === "video") {
      const video = this.info.video ?? {};
      const settings = track.getSettings?.() ?? {};
      const size = { width: settings.width ?? video.width, height: settings.height ?? video.height };
      encoderOptions = { codec: video.codec, ...size, frameRate: video.frameRate, ...options };
    }
    if (sending) {
      const counters = sending.sendTrack(track.kind, frames, encoderOptions);
      if (track.kind === "video") this.setVideoBitrate(options.bitrate ?? DEFAULT_TRACK_BITRATE);
      return counters;
    }
    const send = (chunk) => !this.#closed && (track.kind === "video" ? this.sendVideo(chunk) : this.sendAudio(chunk));
    let encoder;
    if (track.kind === "video") {
      encoder = encodeVideoTrack(frames, send, encoderOptions, onError);
      this.setVideoBitrate(options.bitrate ?? DEFAULT_TRACK_BITRATE);
      this.addEventListener("keyframe-request", () => encoder.requestKeyframe());
      this.addEventListener("bitrate-request", (bitsPerSecond) => encoder.setBitrate(bitsPerSecond));
    } else {
      encoder = encodeAudioTrack(frames, send, encoderOptions, onError);
    }
    this.#encoders.push(encoder);
    return encoder.counters;
  }

  /**
   * The stream's WorkerSending: made on the first sendTrack, by handing the stream's send path to the
   * peer's media worker; null where there is none, the app said not to, or the stream sends from here
   * (its own frames, or an encoder of an earlier sendTrack on this thread).
   */
  #sendingFromWorker(options, onError) {
    if (this.#sending || options.mediaWorker === false || this.#encoders.length > 0) return this.#sending;
    const media = this.peer._mediaWorker();
    if (!media || !canTransferStreams()) return null;
    const announcement = this.#runtime.core.streamHandOff(this.#handle);
    if (typeof announcement !== "string") {
      this.#log(LogLevel.Debug, () => `encoding on this thread: the stream cannot be handed to the media worker (${this.#runtime.core.errorName(announcement)})`);
      return null;
    }
    this.#sending = new WorkerSending(media.worker, media.link, announcement, {
      onBitrateRequest: (bitsPerSecond) => this.#bitrateRequested(bitsPerSecond),
      onKeyframeRequest: () => this.#keyframeRequested(),
      onFramesSent: (frames) => frames.forEach((frame) => this.#sentWatcher?.(frame)),
      onError,
      onFailed: (message) => {
        onError(message);
        this.close("the host could not send the stream");
      },
    });
    if (this.#sentWatcher) this.#sending.watchSent(true);
    return this.#sending;
  }

  #sendInput(input) {
    if (this.#closed) throw new RainwayError(`Stream ${this.id} is closed.`);
    return sendStreamInput(this.#runtime, this.#handle, input);
  }

  /** Rumbles the client's gamepad on a port (1–4): {port, leftMotorSpeed, rightMotorSpeed} (0–65535). */
  sendRumble({ port, leftMotorSpeed, rightMotorSpeed } = {}) {
    if (Number.isInteger(port) && port >= 1 && port <= 4 && !(this.#permissions & (1 << (port - 1)))) {
      throw new RainwayError(`Gamepad port ${port} is not granted on stream ${this.id}; its client would drop the rumble.`);
    }
    this.#sendInput({ type: HostInputType.Rumble, port, leftMotorSpeed, rightMotorSpeed });
  }

  /**
   * Shows the host's cursor on the client: position {x, y, visible} in remote pixels, and, when it
   * changed, its image: `image` (PNG bytes) with spotX, spotY, shapeWidth, shapeHeight.
   */
  sendCursor({ x, y, visible = true, image, spotX = 0, spotY = 0, shapeWidth, shapeHeight } = {}) {
    if (image !== undefined) {
      let bytes;
      try {
        bytes = toBytes(image);
      } catch {
        throw new RainwayError("A cursor image must be PNG bytes (Uint8Array, ArrayBuffer or ArrayBufferView).");
      }
      let binary = "";
      for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      this.#sendInput({ type: HostInputType.CursorImage, spotX, spotY, shapeWidth, shapeHeight, image: btoa(binary) });
    }
    this.#sendInput({ type: HostInputType.CursorPosition, x, y, visible });
  }

  /** @internal Host → client input records from a native host (checked by the core like any input). */
  _sendRecords(records) {
    if (this.#closed) return;
    const status = this.#runtime.call((core, now) => core.streamSendRecords(this.#handle, records, now));
    if (status < 0) this.#log(LogLevel.Warning, () => `input for the client refused (${this.#runtime.core.errorName(status)})`);
  }

  /** Puts text on the client's clipboard (needs InputLevel.Clipboard). */
  setClipboardText(text) {
    if (!(this.#permissions & InputLevel.Clipboard)) {
      throw new RainwayError(`Clipboard access (InputLevel.Clipboard) is not granted on stream ${this.id}.`);
    }
    this.#sendInput({ type: InputType.SetClipboardText, text });
  }

  /**
   * Stops the stream; the client's InboundStream gets "close" (with a RainwayError carrying the
   * reason, when one is given: at most 1,024 bytes of UTF-8).
   */
  close(reason = "") {
    if (this.#closed) return;
    this.#log(LogLevel.Debug, () => `stopping the stream${reason ? ` (${stopReason(reason)})` : ""}`);
    this.#runtime.call((core) => core.streamEnd(this.#handle, stopReason(reason)));
  }

  /**
   * Counters kept by the core (null once closed); those of the media sent from the media worker are
   * as it last reported them (at most a quarter of a second old while frames flow).
   */
  counters() {
    if (this.#closed) return null;
    const own = this.#runtime.core.streamCounters(this.#handle);
    const sent = this.#sending?.coreCounters();
    if (!sent || !own) return own;
    return { ...sent, ...Object.fromEntries(INPUT_COUNTERS.map((name) => [name, own[name]])) };
  }

  /** @internal */
  onSend(transport, bytes) {
    if (transport === Transport.Input) this.peer._sendInput(bytes);
    else this.peer._sendMedia(transport === Transport.Video ? MediaKind.Video : MediaKind.Audio, bytes);
  }

  /** @internal */
  onEvent(code, payload) {
    if (code === CoreEvents.StreamInput) {
      this.emit("input", payload);
    } else if (code === CoreEvents.StreamJoined) {
      this.#log(LogLevel.Debug, "the client joined");
      this.emit("join");
    } else if (code === CoreEvents.StreamLeft) {
      this.#log(LogLevel.Debug, "the client left");
      this.emit("leave");
    } else if (code === CoreEvents.KeyframeRequested) {
      // Once the media is sent from the worker, the client's requests go to its sender, which asks (and says so)
      // within its rate limit, as this core's sender would.
      if (this.#sending) this.#sending.keyframeRequested();
      else this.#keyframeRequested();
    } else if (code === CoreEvents.BitrateRequested) {
      // Once the media is sent from the worker, this core's requests are the client's (its rate controller is there).
      this.#sending?.setBitrate(payload.bitsPerSecond, true);
      this.#bitrateRequested(payload.bitsPerSecond);
    } else if (code === CoreEvents.StreamClosed) {
      this.#dispose();
    }
  }

  #keyframeRequested() {
    this.#log(LogLevel.Debug, "the client asks for a keyframe");
    this.emit("keyframe-request");
  }

  #bitrateRequested(bitsPerSecond) {
    this.#log(LogLevel.Debug, () => `the rate controller asks for ${Math.round(bitsPerSecond / 1000)} kbit/s`);
    this.emit("bitrate-request", bitsPerSecond);
  }

  #dispose() {
    if (this.#closed) return;
    this.#log(LogLevel.Debug, "closed");
    this.#closed = true;
    this.#runtime.unregister(this.#handle);
    for (const encoder of this.#encoders) encoder.stop();
    this.#sending?.close();
    this.peer._removeOutboundStream(this);
    this.emit("close");
  }
}

/** Refuses a browser stream without WebCodecs up front, rather than showing a blank element. */
export function checkPlaybackSupport() {
  if (hasDom() && !hasWebCodecs()) {
    throw new RainwayError(missingWebCodecsMessage("VideoDecoder", "to show streams"));
  }
}

/**
 * The client's end of a stream. In browsers it decodes into `container` (WebCodecs) and plays the
 * sound (Web Audio); everywhere it also emits the assembled encoded frames as "frame" events.
 */
export class InboundStream extends EventEmitter {
  #runtime;
  #handle;
  #closedLocally = false;
  #ended = false;
  #paused = false;
  #metrics;
  #report;
  #statsTimer = null;
  #lastCounters = null;
  #lastStatsAt = 0;
  #heldKeys = new HeldKeys();
  #capture = null;
  #cursorView = null;
  /** The host's cursor as last reported (Cursor of the public API), or null. */
  cursor = null;
  #log;
  #keyframeReason = null; // why this side asked for a keyframe, until the request goes out or one arrives (for the log)
  #lastLoss = { packetsLost: 0, framesDropped: 0 }; // the core's loss counters as last logged

  /** @internal */
  constructor({ runtime, handle, peer, info, options = {}, log = silentLog }) {
    super();
    this.#runtime = runtime;
    this.#handle = handle;
    this.#log = log;
    this.id = info.streamId;
    this.peer = peer;
    this.info = info;
    this.streamType = info.streamType;
    this.permissions = info.defaultInputLevel;
    this.streamFit = options.streamFit ?? StreamFit.FullDesktop;
    this.chosenVideoConfig = info.chosenVideoConfig;
    this.chosenAudioConfig = info.chosenAudioConfig;
    this.container = undefined;
    this.videoReadyState = VideoReadyState.Detached;
    this.#metrics = options.metrics === true;
    this.#playout = options.playout ?? PlayoutPolicy.Instant;
    this.#report = this.#metrics ? { entries: [] } : undefined;
    this.#record({
      type: "started",
      localPeerId: String(peer.connection.id),
      hostPeerId: String(peer.id),
      streamId: this.id,
      videoCodec: info.chosenVideoConfig.codec.friendlyName,
      streamType: ["unknown", "fullDesktop", "appIsolation", "byofb"][info.streamType] ?? "unknown",
    });
    if (this.#metrics) this.#startStats();
    runtime.register(handle, this);
    if (hasDom()) this.#setupPlayback(info, options);
  }

  #view = null;
  #playback = null; // LocalPlayback or WorkerPlayback (js/platform/playback.js)
  #playout;

  /**
   * When decoded pictures are shown (js/platform/playout.js): "instant" (the default: as soon as each is
   * decoded) or "smooth" (after a small adaptive delay that evens out the network's jitter). Settable at
   * any time; also an option of createStream and join.
   */
  get playout() {
    return this.#playout;
  }

  set playout(policy) {
    checkPlayout(policy);
    this.#playout = policy;
    this.#playback?.setPlayout(policy);
    this.#log(LogLevel.Debug, () => `playout: ${policy}`);
  }
  #handedOff = false; // the media worker's core receives this stream
  #overlayTimer = null;

  /**
   * Browsers: the container now, the decoders once the configuration is chosen (then a fresh
   * keyframe); in the peer's media worker unless told not to (options.mediaWorker: false).
   */
  #setupPlayback(info, options) {
    this.#view = createStreamView();
    this.container = this.#view.container;
    applyStreamFit(this.#view.picture, this.streamFit === StreamFit.IsolatedApps);
    this.#view.container.addEventListener("click", () => this.resumeAudio());
    this.#setReadyState(VideoReadyState.Initializing);
    this.#cursorView = new CursorView(this.container);
    this.#capture = new InputCapture(
      this.container,
      {
        send: (input) => this.#offerInput(input),
        mapKey: (code) => this.#runtime.core.inputKeyCode(code),
        toRemote: (x, y) => this.transformPointerOffsetToRemote(x, y),
        scale: () => this.#pictureRect()?.scale ?? 1,
        releaseKeys: () => this.releaseKeys(),
        pause: () => this.pause(),
        play: () => this.play(),
        isPaused: () => this.#paused,
        log: this.#log.for(LOG_TARGETS.Input),
      },
      this.permissions,
    );
    const decoderLog = this.#log.for(LOG_TARGETS.Decoder);
    const callbacks = {
      requestKeyframe: (reason) => !this.#ended && this.#requestKeyframe(reason),
      onState: (name) => this.#setReadyState(VideoReadyState[name]),
      onError: (error) => decoderLog(LogLevel.Error, () => `${error?.message ?? error}`),
      log: decoderLog,
      keyframeReason: (reason) => (this.#keyframeReason = reason),
      sendKeyframeRequest: () => !this.#ended && this.#runtime.call((core) => core.streamSendKeyframeRequest(this.#handle)),
      onFrame: (frame) => this.#emitFrame(frame),
      playout: this.#playout,
    };
    const media = options.mediaWorker === false ? null : this.peer._mediaWorker();
    const announcement = media ? this.#runtime.core.streamHandOff(this.#handle) : null;
    if (typeof announcement === "string") {
      this.#handedOff = true;
      this.#log(LogLevel.Debug, "playing in the media worker");
      const settings = { view: this.#view, info, announcement, wantFrames: this.listenerCount("frame") > 0, playout: this.#playout };
      this.#playback = new WorkerPlayback(media.worker, media.link, settings, callbacks);
    } else {
      if (announcement !== null) this.#log(LogLevel.Warning, () => `playing on the main thread: the stream could not be handed to the media worker (${this.#runtime.core.errorName(announcement)})`);
      this.#playback = new LocalPlayback(this.#view, info, callbacks);
    }
  }

  /** The media worker posts frames only while the app listens for them. */
  addEventListener(name, handler) {
    super.addEventListener(name, handler);
    if (name === "frame") this.#playback?.wantFrames(true);
  }

  removeEventListener(name, handler) {
    super.removeEventListener(name, handler);
    if (name === "frame") this.#playback?.wantFrames(this.listenerCount("frame") > 0);
  }

  #setReadyState(state) {
    if (state === undefined || state === this.videoReadyState) return;
    this.videoReadyState = state;
    this.#record({ type: "videoReadyState", state: VideoReadyState[state] });
  }

  /** Playback counters (browsers): decoded, dropped and received frames, decoder errors. */
  playbackCounters() {
    return this.#playback?.counters() ?? { video: null, audio: null };
  }

  /** @internal How many pictures were drawn between two times (performance.timeOrigin + performance.now()). */
  _paintsBetween(from, to) {
    return this.#playback?.paintsBetween(from, to) ?? Promise.resolve(0);
  }

  /** @internal Tests: true when the media worker plays this stream, false when the page does. */
  get _playsInMediaWorker() {
    return this.#handedOff;
  }

  /** @internal Benches: a region of each picture as drawn (VideoPlayer.probe), or null to stop. */
  _probePictures(options) {
    this.#playback?.probe(options);
  }

  /** Resumes the Web Audio context (needed after a user gesture under autoplay policies). */
  resumeAudio() {
    return this.#playback?.resumeAudio();
  }

  /** Fullscreens the container; locks keyboard and pointer unless told not to. */
  requestFullscreen(options) {
    if (!this.container) throw new RainwayError("Fullscreen needs a browser.");
    return enterFullscreen(this.container, options);
  }

  /** Shows fps, bitrate, loss, decode time and latency over the picture. */
  enableVideoStatsOverlay() {
    if (!this.#view || this.#overlayTimer) return;
    this.#view.overlay.style.display = "block";
    const video = () => this.playbackCounters().video;
    let last = { counters: this.counters(), decoded: video()?.framesDecoded ?? 0, at: performance.now() };
    const update = () => {
      const counters = this.counters();
      if (!counters) return;
      const now = performance.now();
      const seconds = (now - last.at) / 1000;
      const decoded = video()?.framesDecoded ?? 0;
      this.#view.overlay.textContent = [
        `fps      ${((decoded - last.decoded) / seconds).toFixed(1)}`,
        `bitrate  ${(((counters.videoBytes - last.counters.videoBytes) * 8) / 1000 / seconds).toFixed(0)} kbps`,
        `lost     ${counters.packetsLost} packets`,
        `decode   ${(video()?.lastDecodeMs ?? 0).toFixed(1)} ms`,
        `assembly ${counters.lastAssemblyMs.toFixed(1)} ms`,
      ].join("\n");
      last = { counters, decoded, at: now };
    };
    this.#overlayTimer = setInterval(update, 1000);
  }

  disableVideoStatsOverlay() {
    clearInterval(this.#overlayTimer);
    this.#overlayTimer = null;
    if (this.#view) this.#view.overlay.style.display = "none";
  }

  /** Touch as a mouse: tap = left click, two-finger tap = right click, two-finger drag = scroll, long press = drag. */
  enableGestures() {
    this.#capture?.enableGestures();
  }

  /** Touch as touches (TouchesAbsolute), the default. */
  disableGestures() {
    this.#capture?.disableGestures();
  }

  /**
   * Sends an input to the host directly (no "before-input"); works in Node too. Throws a
   * RainwayError naming the field when the input is not valid.
   */
  sendInput(input) {
    if (this.#ended) throw new RainwayError("Attempted to send input on a dead stream");
    sendStreamInput(this.#runtime, this.#handle, input);
    if (input.type === InputType.Keyboard) {
      const key = input.key ?? input.keycode;
      if (input.action === KeyboardAction.KeyDown) this.#heldKeys.keys.add(key);
      else this.#heldKeys.keys.delete(key);
    }
  }

  /** Sends a key up for every key held down. */
  releaseKeys() {
    const keys = [...this.#heldKeys.keys];
    this.#heldKeys.keys.clear();
    // Without the keyboard the host has released them itself (and would drop these).
    if (this.#ended || !(this.permissions & InputLevel.Keyboard)) return;
    for (const key of keys) this.sendInput({ type: InputType.Keyboard, action: KeyboardAction.KeyUp, key });
  }

  /** A captured input: "before-input" first, which may keep it; true when it went to the host. */
  #offerInput(input) {
    if (this.#ended) return false;
    let prevented = false;
    this.emit("before-input", { input, heldKeys: this.#heldKeys, preventDefault: () => (prevented = true) });
    if (prevented) return false;
    try {
      this.sendInput(input);
      return true;
    } catch (error) {
      this.#log(LogLevel.Warning, () => `input not sent: ${error.message}`);
      return false;
    }
  }

  /** The size of the remote picture in pixels: the decoded frames', else the announced one. */
  get currentFrameSize() {
    const picture = this.#playback?.pictureSize;
    if (picture) return { codecWidth: picture.width, codecHeight: picture.height };
    const video = this.info.video;
    return video?.width > 0 && video?.height > 0 ? { codecWidth: video.width, codecHeight: video.height } : undefined;
  }

  #remoteSize() {
    const size = this.currentFrameSize;
    return size ? { width: size.codecWidth, height: size.codecHeight } : undefined;
  }

  #pictureRect() {
    const remote = this.#remoteSize();
    return remote && this.container ? pictureRect(this.container, remote.width, remote.height, this.#cover()) : undefined;
  }

  #cover() {
    return this.streamFit === StreamFit.IsolatedApps;
  }

  /**
   * A point in the container (CSS pixels from its top left corner) in the remote picture's pixels,
   * letterbox- and streamFit-aware, clamped to the picture; undefined without a container or a size.
   */
  transformPointerOffsetToRemote(x, y) {
    const remote = this.#remoteSize();
    if (!remote || !this.container) return undefined;
    return toRemotePoint(this.container, x, y, remote, this.#cover());
  }

  /** Host → client input: rumble, the host's cursor, clipboard text. */
  #onHostInput(input) {
    if (input.type === HostInputType.Rumble) {
      const rumble = { port: input.port, leftMotorSpeed: input.leftMotorSpeed, rightMotorSpeed: input.rightMotorSpeed };
      this.#log(LogLevel.Debug, () => `the host rumbles port ${rumble.port}`);
      this.#capture?.rumble(rumble);
      this.emit("rumble", rumble);
    } else if (input.type === HostInputType.CursorImage || input.type === HostInputType.CursorPosition) {
      const cursor = (this.cursor ??= { x: 0, y: 0, spotX: 0, spotY: 0, shapeWidth: 0, shapeHeight: 0, extentWidth: 0, extentHeight: 0, visible: false, hasPointerImage: false, pointerImage: "" });
      if (input.type === HostInputType.CursorImage) {
        Object.assign(cursor, {
          spotX: input.spotX,
          spotY: input.spotY,
          shapeWidth: input.shapeWidth,
          shapeHeight: input.shapeHeight,
          extentWidth: input.shapeWidth,
          extentHeight: input.shapeHeight,
          hasPointerImage: true,
          pointerImage: `data:image/png;base64,${input.image}`,
        });
      } else {
        Object.assign(cursor, { x: input.x, y: input.y, visible: input.visible });
      }
      this.#cursorView?.update(cursor, this.#remoteSize(), this.#cover());
      this.emit("cursor", { ...cursor });
    } else if (input.type === InputType.SetClipboardText) {
      this.#log(LogLevel.Debug, () => `the host put ${input.text.length} characters on the clipboard`);
      globalThis.navigator?.clipboard?.writeText?.(input.text).catch((error) => this.#log(LogLevel.Info, () => `clipboard not written: ${error?.message ?? error}`));
      this.emit("clipboard", input.text);
    }
  }

  get ended() {
    return this.#ended;
  }

  /** Resumes delivering frames (and asks for a keyframe to restart cleanly). */
  play() {
    if (this.#ended) throw new RainwayError("Attempted to play a dead stream");
    if (!this.#paused) return;
    this.#paused = false;
    this.#log(LogLevel.Debug, "playing again");
    this.#record({ type: "resumed" });
    this.#playback?.play();
    this.#requestKeyframe("playing again after a pause");
  }

  /** Stops delivering frames until play(). */
  pause() {
    if (this.#ended) throw new RainwayError("Attempted to pause a dead stream");
    if (this.#paused) return;
    this.#paused = true;
    this.#log(LogLevel.Debug, "paused");
    this.releaseKeys();
    this.#record({ type: "paused" });
    this.#playback?.pause();
  }

  /** Leaves the stream: the host is told, listeners are removed. */
  close() {
    if (this.#ended) return;
    this.#closedLocally = true;
    this.#log(LogLevel.Debug, "leaving the stream");
    this.releaseKeys();
    this.#runtime.call((core) => core.streamEnd(this.#handle));
  }

  /** Asks the host for a keyframe. */
  requestKeyframe() {
    if (this.#ended) throw new RainwayError("Attempted to use a dead stream");
    this.#requestKeyframe("the app asked for one");
  }

  /**
   * Asks the core for a keyframe request; `reason` goes to the log with the request, which the core
   * may send a little later (it spaces them out).
   */
  #requestKeyframe(reason) {
    this.#keyframeReason = reason;
    // A handed-off stream's receiver decides (in the media worker's core, within its rate limit).
    if (this.#handedOff) this.#playback.requestKeyframe(reason);
    else this.#runtime.call((core, now) => core.streamRequestKeyframe(this.#handle, now));
  }

  /**
   * @internal A keyframe request for this stream went out (Peer tells, at Debug): logged with why,
   * which is this side's reason when it asked, else the core's: its frame assembler waits for a keyframe.
   */
  _keyframeRequested() {
    const reason = this.#keyframeReason;
    this.#keyframeReason = null;
    this.#log(LogLevel.Debug, () => {
      if (reason) return `requesting a keyframe: ${reason}`;
      const counters = this.counters();
      if (counters && counters.videoFrames === 0) return "requesting a keyframe: no whole video frame yet since joining";
      return `requesting a keyframe: video was lost (${counters?.packetsLost ?? "?"} packets lost, ${counters?.framesDropped ?? "?"} frames dropped so far)`;
    });
  }

  /** The core's loss and drop counters for the log, when they moved (checked at Debug on each video frame). */
  #logLoss() {
    const counters = this.counters();
    if (!counters) return;
    const lost = counters.packetsLost - this.#lastLoss.packetsLost;
    const dropped = counters.framesDropped - this.#lastLoss.framesDropped;
    if (lost <= 0 && dropped <= 0) return;
    this.#lastLoss = { packetsLost: counters.packetsLost, framesDropped: counters.framesDropped };
    this.#log(LogLevel.Debug, `${lost} video packet(s) lost and ${dropped} frame(s) dropped since the last report; ${counters.retransmitted} retransmitted and ${counters.fecRecovered} rebuilt from FEC so far`);
  }

  /** Petrichor: asks the host for a different video bitrate (bits per second). */
  requestBitrate(bitsPerSecond) {
    if (this.#ended) throw new RainwayError("Attempted to use a dead stream");
    if (!Number.isInteger(bitsPerSecond) || bitsPerSecond < 1 || bitsPerSecond > 1e9) {
      throw new RainwayError("bitsPerSecond must be a whole number from 1 to 10^9.");
    }
    this.#runtime.call((core) => core.streamRequestBitrate(this.#handle, bitsPerSecond));
  }

  /** The stream report (only with metrics: true). */
  getReport() {
    return this.#report ? { entries: [...this.#report.entries] } : undefined;
  }

  /** Counters kept by the core (null once ended); the receive path's come from the media worker's core. */
  counters() {
    if (this.#ended) return null;
    const counters = this.#runtime.core.streamCounters(this.#handle);
    return this.#playback ? this.#playback.coreCounters(counters) : counters;
  }

  #record(entry) {
    this.#report?.entries.push({ timeUnixMs: Date.now(), ...entry });
  }

  #startStats() {
    this.#lastCounters = this.counters();
    this.#lastStatsAt = performance.now();
    this.#statsTimer = setInterval(() => this.#emitStats(), STATS_INTERVAL_MS);
    this.#statsTimer.unref?.();
  }

  #emitStats() {
    const counters = this.counters();
    if (!counters) return;
    const now = performance.now();
    const seconds = (now - this.#lastStatsAt) / 1000;
    const kbps = (bytes) => (seconds > 0 ? (bytes * 8) / 1000 / seconds : 0);
    const stats = {
      audioThroughputKbps: kbps(counters.audioBytes - this.#lastCounters.audioBytes),
      videoThroughputKbps: kbps(counters.videoBytes - this.#lastCounters.videoBytes),
      // The host's rate controller target (from its sender reports); the throughput until one arrived.
      videoBitrateKbps: counters.targetBps > 0 ? counters.targetBps / 1000 : kbps(counters.videoBytes - this.#lastCounters.videoBytes),
      videoReceivedFps: seconds > 0 ? (counters.videoFrames - this.#lastCounters.videoFrames) / seconds : 0,
      inputEvents: counters.inputSent - this.#lastCounters.inputSent,
      cursorEvents: counters.cursorEvents - this.#lastCounters.cursorEvents,
      seconds,
      latencyMs: counters.rttMs >= 0 ? counters.rttMs / 2 : counters.lastAssemblyMs, // RTT/2 over the media path
      packetsLost: counters.packetsLost - this.#lastCounters.packetsLost,
      lossPercent: counters.lossFraction * 100,
      estimateKbps: counters.estimateBps / 1000,
      retransmissions: counters.retransmitted - this.#lastCounters.retransmitted,
      fecRecoveries: counters.fecRecovered - this.#lastCounters.fecRecovered,
      keyframes: counters.keyframes - this.#lastCounters.keyframes,
    };
    this.#lastCounters = counters;
    this.#lastStatsAt = now;
    this.#record({ type: "stats", stats });
    this.emit("stats", stats);
  }

  /** @internal Input records, and feedback (NACKs, arrival reports) on the video channel. */
  onSend(transport, bytes) {
    if (transport === Transport.Input) this.peer._sendInput(bytes);
    else this.peer._sendMedia(transport === Transport.Video ? MediaKind.Video : MediaKind.Audio, bytes);
  }

  /** @internal */
  onEvent(code, payload) {
    if (code === CoreEvents.StreamFrame) {
      if (this.#paused) return;
      const frame = parseFrameEvent(payload, sharedNow());
      this.#playback?.push(frame);
      this.#emitFrame(frame);
    } else if (code === CoreEvents.StreamInput) {
      this.#onHostInput(payload);
    } else if (code === CoreEvents.StreamPermissions) {
      // The host's filter changed already: keys it no longer takes are released there.
      if (!(payload.inputLevel & InputLevel.Keyboard)) this.#heldKeys.keys.clear();
      this.#log(LogLevel.Debug, () => `the host changed the permissions to ${payload.inputLevel}`);
      this.permissions = payload.inputLevel;
      this.#capture?.setLevel(payload.inputLevel);
      this.emit("permissions", payload.inputLevel);
    } else if (code === CoreEvents.StreamClosed) {
      this.#dispose(payload.reason);
    }
  }

  /** A frame the core assembled (the page's, or the media worker's when the app listens). */
  #emitFrame(frame) {
    if (this.#paused) return;
    if (frame.kind === "video") {
      if (frame.type === "key") this.#keyframeReason = null; // what was asked for came
      if (this.#log.enabled(LogLevel.Debug)) this.#logLoss();
    }
    this.emit("frame", frame);
  }

  #dispose(reason) {
    if (this.#ended) return;
    this.#log(LogLevel.Debug, () => (this.#closedLocally ? "left" : reason ? `the host ended the stream: ${reason}` : "ended: the host stopped it or the peer was lost"));
    this.#ended = true;
    clearInterval(this.#statsTimer);
    this.disableVideoStatsOverlay();
    this.#capture?.dispose();
    this.#cursorView?.remove();
    this.#heldKeys.keys.clear();
    this.#playback?.close();
    this.#view?.container.remove();
    this.#runtime.unregister(this.#handle);
    this.#record({ type: "stopped" });
    this.peer._removeInboundStream(this);
    // The app's own close() ends quietly and drops its listeners, as in the original; a host stop
    // or a lost peer is announced with "close", as the original's docs promised.
    if (this.#closedLocally) this.removeAllEventListeners();
    else if (reason) this.emit("close", new RainwayError(`The host ended stream ${this.id}: ${reason}`));
    else this.emit("close");
  }
}
