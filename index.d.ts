// Public types of Petrichor (import from "petrichor", or "@rainway/web" when aliased).
import {
  AudioCodec,
  AudioContainer,
  ButtonAction,
  DataChannelMode,
  InputLevel,
  InputType,
  KeyboardAction,
  LogLevel,
  MessageEventType,
  MouseButton,
  PeerState,
  PenFlags,
  PenMask,
  ScrollAxis,
  StreamFit,
  StreamType,
  TouchMask,
  VideoCodecType,
  VideoContainer,
  VideoReadyState,
  VirtualKey,
  WindowsPointerFlags,
  XInputButtons,
} from "./js/sdk/enums.js";

export * from "./js/sdk/enums.js";
export { createCore, Core, CoreOptions, CoreOutput } from "./js/core/core.js";

/** Peer ids are 63-bit integers. */
export type PeerId = bigint;

/**
 * An event map, as 0.5 typed it: each event's name to the type of its handlers. Handlers may be async;
 * the promise they return is ignored. The maps list their events and nothing else, so that a
 * misspelled event name or a handler of the wrong shape does not compile.
 */
export type EventProvider<Events = any> = { [E in keyof Events]: (...args: any[]) => void | Promise<void> };
/** The handler of an event without arguments. */
export type SimpleEvent = () => void | Promise<void>;
export type EventName<Events> = keyof Events & string;
export type EventHandler<Events extends EventProvider<Events>, E extends EventName<Events>> = Events[E];

/**
 * Handlers run synchronously in registration order with positional arguments. Whatever a handler
 * returns is ignored, so one that returns something else than 0.5's `void | Promise<void>`
 * (`(request) => request.accept()`, `(frame) => frames.push(frame)`) is taken too.
 */
export declare class EventEmitter<Events extends EventProvider<Events>> {
  addEventListener<E extends EventName<Events>>(name: E, handler: (...args: Parameters<Events[E]>) => unknown): void;
  /** Without a handler, removes every handler of the event. */
  removeEventListener<E extends EventName<Events>>(name: E, handler?: (...args: Parameters<Events[E]>) => unknown): void;
  removeAllEventListeners(): void;
  emit<E extends EventName<Events>>(name: E, ...args: Parameters<Events[E]>): void;
}

/** Every failure the SDK reports; the message starts with "Rainway SDK Error: ". */
export declare class RainwayError extends Error {
  constructor(message: string, options?: { cause?: unknown });
}

export interface RainwayConnectOptions {
  /**
   * An API key, or (Petrichor) an access token the app's backend minted with one
   * (`mintAccessToken` of "petrichor/gateway"), so that pages never hold the key.
   */
  apiKey: string;
  /** With an access token, the externalId it was minted for. */
  externalId?: string;
  /** ws:// or wss:// URL of the gateway; defaults to PETRICHOR_GATEWAY_URL, then /gateway on the page's origin. */
  gatewayUrl?: string;
  /** Timeout of rainway.connect and of each conn.connect / request.accept, in ms (default 30000). */
  connectTimeoutMs?: number;
  /** A peer Disconnected this long (ms, default 15000) is closed, with its streams and channels. */
  disconnectedTimeoutMs?: number;
  /** Asks for the peer id this token was issued with (browsers keep theirs in localStorage). */
  resumeToken?: string;
  /**
   * Petrichor: what happens when the gateway connection is lost (its socket closes, or the heartbeat
   * goes unanswered). `true` (the default): reconnect by itself with backoff, keeping the peer id, with
   * "reconnecting" and "reconnected" events; "close" fires only when reconnection is given up. `false`:
   * 0.5's behaviour, "close" at the first loss. An object tunes the reconnection.
   */
  reconnect?: boolean | RainwayReconnectOptions;
  /**
   * Petrichor: the gateway connection's heartbeat. A ping goes to the gateway this often (ms, default
   * 5000; 0 turns the heartbeat off) and the link counts as lost when one is unanswered for
   * `heartbeatTimeoutMs` (default 10000), so a dead or half-open socket is noticed within 15 s.
   */
  heartbeatIntervalMs?: number;
  heartbeatTimeoutMs?: number;
  /**
   * Petrichor: ICE servers of the app's own (at most 8; a turn:/turns: one needs username and
   * credential), used before the gateway's. The gateway's hello may bring a TURN server with
   * time-limited credentials of this client's own; they are refreshed while connected, and each new
   * peer uses the latest. 0.5 had STUN only.
   */
  iceServers?: RainwayIceServer[];
  /**
   * Petrichor: "relay" gathers only relayed candidates, so every peer link goes through a TURN server
   * (connect() and accept() reject with a RainwayError when none gives a candidate). Default "all".
   */
  iceTransportPolicy?: "all" | "relay";
  /**
   * Petrichor, browsers: `true` (the default) plays streams in a dedicated worker where the browser
   * allows (Worker, OffscreenCanvas, WebCodecs, transferable RTCDataChannel): its peers' media channels,
   * the receive path, decoding and drawing run there, so app work on the main thread cannot stall the
   * picture; a host's sendTrack encodes and sends there too. `false`: everything on the main thread, as 0.5.
   */
  mediaWorker?: boolean;
}

/** Petrichor: an ICE server of RainwayConnectOptions.iceServers (shaped like RTCIceServer). */
export interface RainwayIceServer {
  /** stun:, stuns:, turn: or turns: URLs, at most 512 characters each; 1 … 4 of them. */
  urls: string | string[];
  /** At most 256 bytes. */
  username?: string;
  /** At most 256 bytes. */
  credential?: string;
}

/** Petrichor: reconnection after the gateway connection was lost (RainwayConnectOptions.reconnect). */
export interface RainwayReconnectOptions {
  /** Delay before the first attempt (ms, default 500); it doubles per attempt up to maxDelayMs. Each delay is jittered to 50 … 100 % of that. */
  minDelayMs?: number;
  /** The longest delay between attempts (ms, default 30000). */
  maxDelayMs?: number;
  /**
   * After this long without success (ms, default 300000; Infinity never gives up) the connection
   * gives up: "close" fires with a RainwayError.
   */
  giveUpAfterMs?: number;
}

export interface RainwayEvents {
  /**
   * A line of the SDK's log, at or above `rainway.logLevel`. `target` names the layer that wrote it:
   * "Runtime", "Gateway", "PeerConnection", "DataChannel", "Stream", "Decoder", "Encoder" or "Input".
   * No line carries a secret (API keys, resume tokens, SDP and ICE credentials, stream keys).
   */
  log: (level: LogLevel, target: string, message: string) => void | Promise<void>;
}

export interface VideoConfiguration_2 {
  contentType: string;
  width: number;
  height: number;
  bitrate: number;
  framerate: number;
}

export interface DecodingInfo {
  supported: boolean;
  smooth: boolean;
  powerEfficient: boolean;
}

export declare class RainwaySDK extends EventEmitter<RainwayEvents> {
  readonly version: string;
  /**
   * Petrichor: the most detailed level "log" carries (default LogLevel.Info; LogLevel.Silent: none).
   * Debug and Trace add what every layer does (gateway messages, ICE and signaling states, channels,
   * streams, decoders); lines above the level cost nothing. 0.5 had no setter and sent everything.
   */
  logLevel: LogLevel;
  connect(options: RainwayConnectOptions): Promise<RainwayConnection>;
  /** Petrichor: what the core holds right now, for leak checks and debugging. */
  diagnostics(): Promise<{ heapBytes: number; liveObjects: number; outputBufferBytes: number }>;
  getMediaCapabilities(config: { type: string; video?: VideoConfiguration_2; audio?: unknown }): Promise<DecodingInfo>;
}

export interface PeerConnectionRequest {
  id: PeerId;
  externalId: string;
  /** Resolves once the peer-to-peer link is up and the peer is in conn.peers. */
  accept(): Promise<Peer>;
  /** The requester's connect() rejects with this reason. */
  reject(reason: string): void;
}

export interface RainwayConnectionEvents {
  "peer-request": (request: PeerConnectionRequest) => void | Promise<void>;
  /**
   * The gateway connection is closed for good: closed by the app, refused by the gateway, taken over
   * by another connection with this one's resume token, lost with `reconnect: false`, or lost and
   * given up on. Peers stay connected.
   */
  close: (error: RainwayError) => void | Promise<void>;
  /**
   * Petrichor: the gateway connection was lost (or reconnection attempt `attempt - 1` failed);
   * attempt `attempt` starts in `delayMs`. Until "reconnected", connect() rejects and pending
   * requests have failed; established peers keep working.
   */
  reconnecting: (error: RainwayError, attempt: number, delayMs: number) => void | Promise<void>;
  /**
   * Petrichor: the gateway connection is back. `id` equals `previousId` unless the gateway could not
   * honour the resume token (say, a gateway restarted with another secret).
   */
  reconnected: (id: PeerId, previousId: PeerId) => void | Promise<void>;
  /** Petrichor: the gateway issued a new resume token (after a reconnection, or a refresh); store it to keep the id. */
  "resume-token": (token: string) => void | Promise<void>;
}

export declare class RainwayConnection extends EventEmitter<RainwayConnectionEvents> {
  /** Our peer id; it changes only if a reconnection could not resume it (see "reconnected"). */
  readonly id: PeerId;
  readonly externalId: string | undefined;
  /** Present it as `resumeToken` to keep this peer id on a later connect; the gateway refreshes it ("resume-token"). */
  readonly resumeToken: string | undefined;
  /** Petrichor: true between "reconnecting" and "reconnected". */
  readonly reconnecting: boolean;
  readonly peers: Peer[];
  connect(peerId: PeerId): Promise<Peer>;
  cancelConnectionAttempt(peerId: PeerId): void;
  close(): void;
}

export interface PeerEvents {
  "connection-state-change": (state: PeerState) => void | Promise<void>;
  close: SimpleEvent;
  /** The other side opened a data channel. */
  datachannel: (channel: DataChannel) => void | Promise<void>;
  /** Client: the host announced a stream nobody asked for (or forceStreamAnnouncements). */
  "stream-announcement": (announcement: RainwayStreamAnnouncement) => void | Promise<void>;
  /** Host: the client asks for a stream. */
  "stream-request": (request: StreamRequest) => void | Promise<void>;
}

export interface IVideoCodec {
  friendlyName: string;
  width: number;
  height: number;
  refreshRate: number;
  data: Uint8Array;
  type: VideoCodecType;
}

export interface IVideoConfig {
  codec: IVideoCodec;
  container: VideoContainer;
}

export interface IAudioConfig {
  codec: AudioCodec;
  container: AudioContainer;
}

export interface VideoDescription {
  /** A WebCodecs codec string, e.g. "avc1.42e01f". */
  codec: string;
  width: number;
  height: number;
  frameRate: number;
  /** Codec configuration bytes (e.g. SPS and PPS). */
  config?: Uint8Array;
}

export interface AudioDescription {
  codec: "opus";
  sampleRate: number;
  channels: number;
}

export interface IRemoteStreamInfo {
  streamId: number;
  streamType: StreamType;
  defaultInputLevel: InputLevel;
  temporalScaleFactor: number;
  chosenAudioConfig: IAudioConfig;
  chosenVideoConfig: IVideoConfig;
  /** Petrichor: the announced media. */
  video?: VideoDescription;
  audio?: AudioDescription;
}

export interface JoinStreamOptions {
  streamFit?: StreamFit;
  metrics?: boolean;
  /** Petrichor, browsers: `false` plays this stream on the main thread even where the connection has a media worker. */
  mediaWorker?: boolean;
  /** Petrichor, browsers: when decoded pictures are shown (see `InboundStream.playout`); "instant" by default. */
  playout?: PlayoutPolicy;
}

/**
 * Petrichor: when decoded pictures are shown. "instant": as soon as each is decoded (the lowest latency);
 * "smooth": after a small adaptive delay (at most 150 ms) that evens out the network's jitter.
 */
export type PlayoutPolicy = "instant" | "smooth";

export interface CreateStreamOptions extends JoinStreamOptions {
  permissions: InputLevel;
}

export interface RainwayStreamAnnouncement {
  info: IRemoteStreamInfo;
  join(options?: JoinStreamOptions): Promise<InboundStream>;
}

export interface OutboundStreamOptions {
  id?: number;
  type?: StreamType;
  permissions?: InputLevel;
  /** null: no video. */
  video?: Partial<VideoDescription> | null;
  /** null: no audio. */
  audio?: Partial<AudioDescription> | null;
}

export interface StreamRequest {
  id: number;
  permissions: InputLevel;
  accept(options?: OutboundStreamOptions): Promise<OutboundStream>;
  reject(reason: string): void;
}

export interface EncodedChunkLike {
  type: "key" | "delta";
  /** Microseconds. */
  timestamp: number;
  data?: Uint8Array | ArrayBuffer | ArrayBufferView;
  byteLength?: number;
  copyTo?(destination: Uint8Array): void;
}

// ---- input (docs/PROTOCOL.md, "Input") ----

/** A gamepad's state on a port (slot 1–4). Petrichor: `connected: false` reports the pad gone. */
export interface IGamepadReport {
  type: InputType.Gamepad;
  buttons: XInputButtons | number;
  /** 0–255. */
  leftTrigger: number;
  rightTrigger: number;
  /** -32768–32767, up and right positive. */
  leftThumbX: number;
  leftThumbY: number;
  rightThumbX: number;
  rightThumbY: number;
  slot: number;
  connected?: boolean;
}
/** A position in the remote picture's pixels. */
export interface IMouseAbsolute {
  type: InputType.MouseAbsolute;
  x: number;
  y: number;
}
export interface IMouseRelative {
  type: InputType.MouseRelative;
  dx: number;
  dy: number;
}
export interface IMouseClick {
  type: InputType.MouseClick;
  action: ButtonAction;
  button: MouseButton;
}
/** delta in 1/120 of a wheel notch; positive scrolls down (vertical) or right (horizontal), as DOM wheel deltas. */
export interface IMouseScroll {
  type: InputType.MouseScroll;
  axis: ScrollAxis;
  delta: number;
}
export interface IKeyboardInput {
  type: InputType.Keyboard;
  action: KeyboardAction;
  key: VirtualKey;
  /** The docs' name for `key`, accepted by sendInput. */
  keycode?: VirtualKey;
}
/** Text to type (what an IME composed); at most 32768 bytes of UTF-8. */
export interface ILogicalInput {
  type: InputType.PasteText;
  inputString: string;
}
export interface ITouchPenPointerInfo {
  pointerId: number;
  frameId: number;
  pointerFlags: WindowsPointerFlags | number;
  x: number;
  y: number;
}
export interface ITouchAbsolute {
  pointerInfo: ITouchPenPointerInfo;
  touchMask: TouchMask | number;
  contactLeft: number;
  contactTop: number;
  contactRight: number;
  contactBottom: number;
  /** Degrees, 0–359. */
  orientation: number;
  /** 0–1024. */
  pressure: number;
}
/** 1–10 contacts. */
export interface ITouchesAbsolute {
  type: InputType.TouchesAbsolute;
  touches: ITouchAbsolute[];
}
export interface IPenAbsolute {
  type: InputType.PenAbsolute;
  pointerInfo: ITouchPenPointerInfo;
  penFlags: PenFlags | number;
  penMask: PenMask | number;
  /** 0–1024. */
  pressure: number;
  /** Degrees, 0–359. */
  rotation: number;
  /** Degrees, -90–90. */
  tiltX: number;
  tiltY: number;
}
export interface IViewportResize {
  type: InputType.ViewportResize;
  width: number;
  height: number;
}
export interface ISetClipboardText {
  type: InputType.SetClipboardText;
  text: string;
}
export type OutgoingInput =
  | IGamepadReport
  | IMouseAbsolute
  | IMouseRelative
  | IMouseClick
  | IMouseScroll
  | IKeyboardInput
  | ILogicalInput
  | ITouchesAbsolute
  | IPenAbsolute
  | IViewportResize
  | ISetClipboardText;

/** Host → client: rumble a client's pad; motor speeds 0–65535. */
export interface IGamepadRumble {
  port: number;
  leftMotorSpeed: number;
  rightMotorSpeed: number;
}

/** The keys a stream holds down. */
export declare class HeldKeys {
  readonly keys: Set<VirtualKey>;
  has(key: VirtualKey): boolean;
  readonly ctrl: boolean;
  readonly alt: boolean;
  readonly shift: boolean;
  readonly win: boolean;
}

export interface RainwayInputEvent {
  input: OutgoingInput;
  heldKeys: HeldKeys;
  /** Keeps the input from the host (and leaves the DOM event to the browser). */
  preventDefault(): void;
}

/** The host's cursor as the client draws it; pointerImage is a PNG data URL. */
export interface Cursor {
  x: number;
  y: number;
  spotX: number;
  spotY: number;
  shapeWidth: number;
  shapeHeight: number;
  extentWidth: number;
  extentHeight: number;
  visible: boolean;
  hasPointerImage: boolean;
  pointerImage: string;
}

export interface IDesktopRect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Host side: what OutboundStream.sendCursor takes (image: PNG bytes, when the shape changed). */
export interface CursorUpdate {
  x: number;
  y: number;
  visible?: boolean;
  image?: Uint8Array | ArrayBuffer | ArrayBufferView;
  spotX?: number;
  spotY?: number;
  shapeWidth?: number;
  shapeHeight?: number;
}

export interface OutboundStreamEvents {
  /** Input from the client that the granted InputLevel allows (filtered by the host's core). */
  input: (input: OutgoingInput) => void | Promise<void>;
  join: SimpleEvent;
  leave: SimpleEvent;
  "keyframe-request": SimpleEvent;
  "bitrate-request": (bitsPerSecond: number) => void | Promise<void>;
  close: SimpleEvent;
}

export declare class OutboundStream extends EventEmitter<OutboundStreamEvents> {
  readonly id: number;
  readonly peer: Peer;
  readonly ended: boolean;
  readonly info: IRemoteStreamInfo;
  /** Setting it updates the client's InboundStream.permissions. */
  permissions: InputLevel;
  /**
   * One H.264 access unit (Annex-B); returns the number of packets made (0: dropped whole, because the
   * send queue is too deep or the frame depends on a dropped one, and a "keyframe-request" follows; or
   * because the stream has closed, which an encoder's late output must not turn into an error).
   */
  sendVideo(chunk: EncodedChunkLike): number;
  /**
   * Petrichor: the encoder's configured video bitrate (bits/s, 100,000 to 1,000,000,000): the ceiling of the
   * stream's rate controller, which raises "bitrate-request" when the link carries less (sendTrack sets it).
   */
  setVideoBitrate(bitsPerSecond: number): void;
  /** One Opus packet. */
  sendAudio(chunk: EncodedChunkLike): number;
  /**
   * Browsers: streams a MediaStreamTrack through WebCodecs encoders (real-time settings; keyframe and
   * bitrate requests followed; frames that arrive while the encoder is busy are dropped but the newest;
   * unless adaptResolution is false, the picture is scaled down while the bitrate is too low for its
   * size or the machine cannot encode it in time). Petrichor: the encoders, packetizing, SRTP and pacing
   * run in the peer's media worker (see RainwayConnectOptions.mediaWorker), so app work on the main thread
   * cannot stall the stream; then sendVideo and sendAudio are refused on this stream. `mediaWorker: false`
   * (or frames already sent with sendVideo/sendAudio) keeps them on the main thread. Returns the encoder's
   * counters (from the worker: updated as it reports, every 250 ms while frames flow).
   */
  sendTrack(
    track: MediaStreamTrack,
    options?: { bitrate?: number; keyframeInterval?: number; adaptResolution?: boolean; mediaWorker?: boolean },
  ): Record<string, number>;
  /** Rumbles the client's pad on a granted port. */
  sendRumble(rumble: IGamepadRumble): void;
  /** Shows the host's cursor on the client. */
  sendCursor(cursor: CursorUpdate): void;
  /** Puts text on the client's clipboard (needs InputLevel.Clipboard). */
  setClipboardText(text: string): void;
  /** Stops the stream; a reason (control characters become spaces, cut to 1,024 bytes) reaches the client's "close" as a RainwayError. */
  close(reason?: string): void;
  counters(): Record<string, number> | null;
}

export interface StatsSummary {
  audioThroughputKbps: number;
  videoThroughputKbps: number;
  /** The host's rate controller target (kbit/s); the measured throughput until the host reported one. */
  videoBitrateKbps: number;
  inputEvents: number;
  cursorEvents: number;
  seconds: number;
  /** Half the round-trip time over the media path (ms). */
  latencyMs: number;
  /** Petrichor: frames decoded per second in the window. */
  videoReceivedFps?: number;
  /** Petrichor: packets given up as lost in the window. */
  packetsLost?: number;
  /** Petrichor: loss the host measured from the client's reports (%). */
  lossPercent?: number;
  /** Petrichor: the host's estimate of the link's rate (kbit/s). */
  estimateKbps?: number;
  /** Petrichor: NACKed packets that arrived after all, in the window. */
  retransmissions?: number;
  /** Petrichor: packets rebuilt from FEC parity, in the window. */
  fecRecoveries?: number;
  /** Petrichor: keyframes the host sent, in the window. */
  keyframes?: number;
}

/** One entry of a stream's report (InboundStream.getReport, with `metrics: true`). */
export type ReportEntry =
  | {
      type: "started";
      localPeerId: string;
      hostPeerId: string;
      streamId: number;
      /** The video codec's friendlyName. */
      videoCodec: string;
      streamType: "unknown" | "fullDesktop" | "appIsolation" | "byofb";
    }
  | { type: "videoReadyState"; state: keyof typeof VideoReadyState }
  | { type: "videoBitrateChange"; newKbps: number; oldKbps: number; direction: "up" | "down" }
  | { type: "paused" }
  | { type: "resumed" }
  | { type: "stopped" }
  | { type: "stats"; stats: StatsSummary };

export type TimestampedReportEntry = ReportEntry & { timeUnixMs: number };

export interface StreamReport {
  entries: TimestampedReportEntry[];
}

/** 0.5's description of a decoded picture's place on the host's desktop (app isolation draws only `mask`). */
export interface VideoFrameHeader {
  /** Microseconds. */
  timestamp: number;
  x: number;
  y: number;
  width: number;
  height: number;
  mask: IDesktopRect[];
}

/** 0.5's video frame: its header and its encoded bytes (Petrichor's own frames are EncodedFrame). */
export interface VideoFrame {
  header: VideoFrameHeader;
  data: Uint8Array;
}

export interface FullscreenOptions_2 {
  lockKeyboard?: boolean;
  lockPointer?: boolean;
}

export interface EncodedFrame {
  kind: "video" | "audio";
  type: "key" | "delta";
  /** Microseconds. */
  timestamp: number;
  /** Milliseconds from the frame's first packet to the frame being whole. */
  assemblyMs: number;
  /**
   * When the frame was whole, in ms on the clock of `performance.timeOrigin + performance.now()` (the
   * same in every thread of a page): a stream played in its media worker emits the event later than that.
   */
  assembledAt: number;
  data: Uint8Array;
}

export interface StreamEvents {
  /** Every input the container captured, before it is sent; preventDefault() keeps it. */
  "before-input": (event: RainwayInputEvent) => void | Promise<void>;
  /** The stream ended (the host stopped it, or the peer was lost); with the host's reason when it gave one. */
  close: (error?: RainwayError) => void | Promise<void>;
  /** Petrichor: the host rumbled a pad (also played on the pad where the browser can). */
  rumble: (rumble: IGamepadRumble) => void | Promise<void>;
  /** Petrichor: the host's cursor changed (also drawn in the container). */
  cursor: (cursor: Cursor) => void | Promise<void>;
  /** Petrichor: the host put text on the clipboard (also written to the local clipboard where allowed). */
  clipboard: (text: string) => void | Promise<void>;
  /** Petrichor: the host changed this stream's InputLevel. */
  permissions: (level: InputLevel) => void | Promise<void>;
  stats: (stats: StatsSummary) => void | Promise<void>;
  /** Petrichor: an assembled encoded frame. */
  frame: (frame: EncodedFrame) => void | Promise<void>;
}

export declare class InboundStream extends EventEmitter<StreamEvents> {
  readonly id: number;
  readonly peer: Peer;
  readonly ended: boolean;
  readonly permissions: InputLevel;
  readonly streamType: StreamType;
  readonly streamFit: StreamFit;
  readonly info: IRemoteStreamInfo;
  readonly chosenVideoConfig: IVideoConfig;
  readonly chosenAudioConfig: IAudioConfig;
  /**
   * The element to insert into the page: a focusable div holding the picture, which captures input
   * while focused. Browsers only: in Node, where there is no DOM, it is undefined.
   */
  readonly container: HTMLElement;
  readonly videoReadyState: VideoReadyState;
  /** Petrichor, browsers: the playout policy; settable at any time (a bad value throws a RainwayError). */
  playout: PlayoutPolicy;
  /** The remote picture's size: the decoded frames', else the announced one. */
  readonly currentFrameSize:
    | { codecWidth: number; codecHeight: number; streamBounds?: IDesktopRect; fullDesktopBounds?: IDesktopRect }
    | undefined;
  /** The host's cursor as last reported, or null. */
  readonly cursor: Cursor | null;
  /** Sends an input to the host directly (no "before-input"); throws a RainwayError naming a bad field. */
  sendInput(input: OutgoingInput): void;
  /** Sends a key up for every key held down. */
  releaseKeys(): void;
  /** A point in the container (CSS pixels) in remote pixels, letterbox- and streamFit-aware. */
  transformPointerOffsetToRemote(x: number, y: number): { x: number; y: number } | undefined;
  close(): void;
  play(): void;
  pause(): void;
  resumeAudio(): Promise<void> | undefined;
  requestFullscreen(options?: FullscreenOptions_2): Promise<void>;
  enableVideoStatsOverlay(): void;
  disableVideoStatsOverlay(): void;
  enableGestures(): void;
  disableGestures(): void;
  /** Petrichor (browsers): decoded, dropped and received frames and decoder errors, per kind. */
  playbackCounters(): { video: Record<string, number> | null; audio: Record<string, number> | null };
  requestKeyframe(): void;
  /** Petrichor: asks the host for a different video bitrate. */
  requestBitrate(bitsPerSecond: number): void;
  getReport(): StreamReport | undefined;
  counters(): Record<string, number> | null;
}

export interface OpenDataChannelOptions {
  /** The channel's name; ids starting with "RW_" are reserved. */
  id: string;
  mode: DataChannelMode;
  /** Petrichor: the largest message sent or accepted, in bytes (default 64 MiB). */
  maxMessageSize?: number;
  /** Petrichor: how long request() waits for its response, in ms (default 30000). */
  requestTimeoutMs?: number;
}

export type MessageData = string | Uint8Array | ArrayBuffer | ArrayBufferView;

export interface MessageEventStandalone {
  type: MessageEventType.Standalone;
  data: Uint8Array;
}

export interface MessageEventRequest {
  type: MessageEventType.Request;
  data: Uint8Array;
  respond(data: MessageData): void;
}

export type MessageEvent_2 = MessageEventStandalone | MessageEventRequest;

export interface DataChannelEvents {
  message: (event: MessageEvent_2) => void | Promise<void>;
  close: SimpleEvent;
}

export declare class DataChannel extends EventEmitter<DataChannelEvents> {
  readonly id: string;
  readonly mode: DataChannelMode;
  readonly peer: Peer;
  /** Strings are sent as UTF-8; empty messages are delivered as empty messages. */
  send(data: MessageData): void;
  /** Resolves with the remote's respond() payload; rejects on timeout or close. */
  request(data: MessageData): Promise<Uint8Array>;
  /** Petrichor: closes the channel on both sides. */
  close(): void;
}

export declare class Peer extends EventEmitter<PeerEvents> {
  /** Throws a RainwayError once the peer is closed. */
  readonly connection: RainwayConnection;
  readonly id: PeerId;
  readonly externalId: string;
  readonly state: PeerState;
  /** Client: the streams joined from this peer. */
  readonly streams: ReadonlyMap<number, InboundStream>;
  /** Host: the streams sent to this peer. */
  readonly outboundStreams: ReadonlyMap<number, OutboundStream>;
  createStream(options: CreateStreamOptions): Promise<InboundStream>;
  forceStreamAnnouncements(): Promise<void>;
  /** Host: offers a stream without being asked. */
  announceStream(options?: OutboundStreamOptions): Promise<OutboundStream>;
  /** The open data channels, whichever side created them. */
  readonly dataChannels: ReadonlyMap<string, DataChannel>;
  createDataChannel(options: OpenDataChannelOptions): Promise<DataChannel>;
  close(): void;
}

/** The SDK object (0.5's docs call it `Rainway`). */
declare const Rainway: RainwaySDK;
export default Rainway;

/** The SDK version. */
export declare const version: string;
