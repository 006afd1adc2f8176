// Uses every public API so that `tsc` checks index.d.ts against real code (tests/node/types.test.mjs).
import rainway, {
  createCore,
  version,
  LogLevel,
  PeerState,
  InputLevel,
  VirtualKey,
  RainwayError,
  DataChannelMode,
  MessageEventType,
  StreamFit,
  StreamType,
  VideoReadyState,
  InputType,
  KeyboardAction,
  ButtonAction,
  MouseButton,
  ScrollAxis,
  XInputButtons,
  WindowsPointerFlags,
  TouchMask,
  PenFlags,
  PenMask,
  HeldKeys,
  type OutgoingInput,
  type PlayoutPolicy,
  type IGamepadReport,
  type IGamepadRumble,
  type RainwayInputEvent,
  type Cursor,
  type IDesktopRect,
  type EncodedFrame,
  type InboundStream,
  type OutboundStream,
  type RainwayStreamAnnouncement,
  type StatsSummary,
  type StreamRequest,
  type DataChannel,
  type MessageEvent_2,
  type Core,
  type CoreOutput,
  type Peer,
  type PeerConnectionRequest,
  type RainwayConnection,
  type RainwayIceServer,
} from "petrichor";
import { SrtpDirection, OutputKind } from "petrichor/core";

async function network(): Promise<void> {
  rainway.addEventListener("log", (level: LogLevel, target: string, message: string) => {
    if (level <= LogLevel.Warning) console.log(LogLevel[level], target, message);
  });
  const v: string = rainway.version;
  const connection: RainwayConnection = await rainway.connect({
    apiKey: "key",
    externalId: v,
    gatewayUrl: "ws://127.0.0.1:8080/gateway",
    connectTimeoutMs: 5000,
    disconnectedTimeoutMs: 10000,
    reconnect: { minDelayMs: 250, maxDelayMs: 10000, giveUpAfterMs: Infinity },
    heartbeatIntervalMs: 2000,
    heartbeatTimeoutMs: 4000,
  });
  const own: bigint = connection.id;
  const oldStyle: RainwayConnection = await rainway.connect({ apiKey: "key", reconnect: false, heartbeatIntervalMs: 0, mediaWorker: false });
  const relay: RainwayIceServer = { urls: ["turn:turn.example:3478?transport=udp"], username: "user", credential: "secret" };
  const relayed: RainwayConnection = await rainway.connect({ apiKey: "key", iceServers: [{ urls: "stun:stun.example:3478" }, relay], iceTransportPolicy: "relay" });
  relayed.close();
  oldStyle.close();
  connection.addEventListener("reconnecting", (error: RainwayError, attempt: number, delayMs: number) => console.log(error.message, attempt, delayMs, connection.reconnecting));
  connection.addEventListener("reconnected", (id: bigint, previousId: bigint) => console.log(id === previousId));
  connection.addEventListener("resume-token", (token: string) => console.log(token.length, connection.resumeToken === token));
  connection.addEventListener("peer-request", async (request: PeerConnectionRequest) => {
    if (request.externalId === "friend") {
      const peer: Peer = await request.accept();
      peer.addEventListener("connection-state-change", (state: PeerState) => console.log(PeerState[state]));
    } else {
      request.reject("not you");
    }
  });
  connection.addEventListener("close", (error: RainwayError) => console.log(error.message));
  try {
    const peer = await connection.connect(own + 1n);
    const same: RainwayConnection = peer.connection;
    console.log(peer.id, peer.externalId, peer.state === PeerState.Connected, peer.streams.size, peer.dataChannels.size, same.peers.length);
    peer.addEventListener("close", () => console.log("closed"));
    const channel: DataChannel = await peer.createDataChannel({ id: "chat", mode: DataChannelMode.Reliable, maxMessageSize: 1 << 20 });
    channel.addEventListener("message", (message: MessageEvent_2) => {
      if (message.type === MessageEventType.Request) message.respond(message.data);
      else console.log(message.data.byteLength);
    });
    channel.send("hello");
    channel.send(new Uint8Array([1, 2]));
    channel.send(new ArrayBuffer(4));
    const answer: Uint8Array = await channel.request("ping");
    console.log(answer.length, channel.id, channel.mode, channel.peer.id, peer.dataChannels.get("chat") === channel);
    peer.addEventListener("datachannel", (remote: DataChannel) => remote.close());
    channel.close();
    const stream: InboundStream = await peer.createStream({ permissions: InputLevel.All, metrics: true, streamFit: StreamFit.FullDesktop, mediaWorker: true, playout: "smooth" });
    const playout: PlayoutPolicy = stream.playout;
    stream.playout = playout === "smooth" ? "instant" : "smooth";
    stream.addEventListener("frame", (frame: EncodedFrame) => console.log(frame.kind, frame.type, frame.timestamp, frame.assembledAt, frame.data.length));
    stream.addEventListener("stats", (stats: StatsSummary) => console.log(stats.videoThroughputKbps));
    stream.addEventListener("close", () => console.log(stream.ended, stream.getReport()?.entries.length));
    stream.pause();
    stream.play();
    stream.requestKeyframe();
    stream.addEventListener("before-input", (event: RainwayInputEvent) => {
      if (event.input.type === InputType.Keyboard && event.input.key === VirtualKey.Escape && event.heldKeys.shift) event.preventDefault();
      const held: HeldKeys = event.heldKeys;
      console.log(held.has(VirtualKey.A), held.ctrl, held.alt, held.win, [...held.keys]);
    });
    stream.addEventListener("rumble", (rumble: IGamepadRumble) => console.log(rumble.port, rumble.leftMotorSpeed, rumble.rightMotorSpeed));
    stream.addEventListener("cursor", (cursor: Cursor) => console.log(cursor.x, cursor.y, cursor.spotX, cursor.spotY, cursor.shapeWidth, cursor.shapeHeight, cursor.extentWidth, cursor.extentHeight, cursor.visible, cursor.hasPointerImage, cursor.pointerImage));
    stream.addEventListener("clipboard", (text: string) => console.log(text.length));
    stream.addEventListener("permissions", (level: InputLevel) => console.log(level & InputLevel.Keyboard));
    const pointerInfo = { pointerId: 1, frameId: 1, pointerFlags: WindowsPointerFlags.Down | WindowsPointerFlags.InContact, x: 1, y: 2 };
    const pad: IGamepadReport = { type: InputType.Gamepad, buttons: XInputButtons.A | XInputButtons.B, leftTrigger: 0, rightTrigger: 255, leftThumbX: 0, leftThumbY: 0, rightThumbX: 0, rightThumbY: 0, slot: 1 };
    const inputs: OutgoingInput[] = [
      pad,
      { type: InputType.MouseAbsolute, x: 10, y: 20 },
      { type: InputType.MouseRelative, dx: 1, dy: -1 },
      { type: InputType.MouseClick, action: ButtonAction.ButtonDown, button: MouseButton.X1 },
      { type: InputType.MouseScroll, axis: ScrollAxis.Horizontal, delta: 120 },
      { type: InputType.Keyboard, action: KeyboardAction.KeyDown, key: VirtualKey.Enter },
      { type: InputType.PasteText, inputString: "text" },
      { type: InputType.TouchesAbsolute, touches: [{ pointerInfo, touchMask: TouchMask.Pressure, contactLeft: 0, contactTop: 0, contactRight: 2, contactBottom: 4, orientation: 0, pressure: 512 }] },
      { type: InputType.PenAbsolute, pointerInfo, penFlags: PenFlags.Eraser, penMask: PenMask.TiltX, pressure: 100, rotation: 0, tiltX: 10, tiltY: 0 },
      { type: InputType.ViewportResize, width: 1280, height: 720 },
      { type: InputType.SetClipboardText, text: "copied" },
    ];
    for (const input of inputs) stream.sendInput(input);
    stream.releaseKeys();
    const point: { x: number; y: number } | undefined = stream.transformPointerOffsetToRemote(5, 5);
    const rect: IDesktopRect = { left: 0, top: 0, width: stream.currentFrameSize?.codecWidth ?? 0, height: 0 };
    console.log(point?.x, rect.width, stream.cursor?.visible);
    stream.enableGestures();
    stream.disableGestures();
    if (stream.container) document.body.append(stream.container);
    await stream.resumeAudio();
    stream.enableVideoStatsOverlay();
    stream.disableVideoStatsOverlay();
    await stream.requestFullscreen({ lockKeyboard: false, lockPointer: true });
    console.log(VideoReadyState[stream.videoReadyState], stream.playbackCounters().video?.framesDecoded);
    console.log(stream.permissions, stream.streamType, stream.info.chosenVideoConfig.codec.width, peer.streams.get(stream.id) === stream);
    peer.addEventListener("stream-announcement", async (announcement: RainwayStreamAnnouncement) => {
      const joined = await announcement.join({ metrics: false });
      joined.close();
    });
    await peer.forceStreamAnnouncements();
    stream.close();
    peer.addEventListener("stream-request", async (request: StreamRequest) => {
      if (request.permissions === InputLevel.None) return request.reject("no");
      const outbound: OutboundStream = await request.accept({ video: { codec: "avc1.42e01f", width: 640, height: 360, frameRate: 30 }, audio: null });
      outbound.addEventListener("keyframe-request", () => console.log("key"));
      outbound.addEventListener("bitrate-request", (bps: number) => console.log(bps));
      outbound.sendVideo({ type: "key", timestamp: 0, data: new Uint8Array([0, 0, 0, 1, 0x65]) });
      outbound.permissions = InputLevel.Mouse;
      outbound.addEventListener("input", (input: OutgoingInput) => {
        if (input.type === InputType.MouseClick) console.log(MouseButton[input.button]);
      });
      outbound.sendRumble({ port: 1, leftMotorSpeed: 65535, rightMotorSpeed: 0 });
      outbound.sendCursor({ x: 1, y: 2, visible: true, image: new Uint8Array(8), spotX: 0, spotY: 0, shapeWidth: 1, shapeHeight: 1 });
      outbound.setClipboardText("host");
      const canvas = document.createElement("canvas");
      const counters = outbound.sendTrack(canvas.captureStream(30).getVideoTracks()[0], { bitrate: 1_000_000, mediaWorker: true });
      outbound.setVideoBitrate(1_500_000);
      console.log(counters.framesEncoded);
      outbound.close();
    });
    const announced: OutboundStream = await peer.announceStream({ type: StreamType.FullDesktop });
    announced.sendAudio({ type: "key", timestamp: 20000, data: new Uint8Array(10) });
    const { heapBytes, liveObjects, outputBufferBytes } = await rainway.diagnostics();
    console.log(heapBytes, liveObjects, outputBufferBytes);
    peer.close();
  } catch (error) {
    if (error instanceof RainwayError) console.log(error.message);
  }
  connection.cancelConnectionAttempt(own + 2n);
  connection.removeEventListener("close");
  connection.removeAllEventListeners();
  const info = await rainway.getMediaCapabilities({
    type: "media-source",
    video: { contentType: 'video/mp4; codecs="avc1.42E01E"', width: 1280, height: 720, bitrate: 5e6, framerate: 60 },
  });
  console.log(info.supported, info.smooth, info.powerEfficient, InputLevel.All, VirtualKey[VirtualKey.A]);
  connection.close();
}

async function core(): Promise<void> {
  const v: string = version;
  const instance: Core = await createCore({ maxObjects: 16, helloTimeoutMs: 1000 });
  const handle: number = instance.connectionOpen({ apiKey: "k", externalId: v }, 0);
  const outputs: CoreOutput[] = instance.drain();
  const first = outputs.find((o) => o.kind === OutputKind.Send);
  instance.connectionReceive(handle, first?.payload ?? new Uint8Array(), 1);
  const key: Uint8Array = instance.srtpGenerateKey();
  const srtp = instance.srtpCreate(key, SrtpDirection.Outbound);
  const result: Uint8Array | number = instance.srtpProtect(srtp, new Uint8Array(20));
  if (typeof result === "number") instance.errorName(result);
  instance.shutdown();
}

void network();
void core();

import {
  startGateway,
  mintAccessToken,
  AlertCode,
  DEFAULT_ACCESS_TOKEN_TTL_SECONDS,
  DEFAULT_TURN_TTL_SECONDS,
  MAX_ACCESS_TOKEN_TTL_SECONDS,
  RESUME_TOKEN_TTL_MS,
  type GatewayOptions,
  type GatewayTurnOptions,
  type MintAccessTokenOptions,
} from "petrichor/gateway";

async function gateway(): Promise<void> {
  const options: GatewayOptions = {
    port: 0,
    host: "127.0.0.1",
    keys: { key: "org" },
    iceServers: [{ urls: "stun:127.0.0.1:3478" }],
    resumeSecret: "at least sixteen bytes of secret",
    resumeTokenTtlMs: RESUME_TOKEN_TTL_MS,
    turn: { urls: ["turn:127.0.0.1:3478"], secret: "the TURN server's static-auth-secret", ttlSeconds: DEFAULT_TURN_TTL_SECONDS } satisfies GatewayTurnOptions,
  };
  const replaced: 91 = AlertCode.SessionReplaced;
  console.log(replaced, new Uint8Array(16) satisfies GatewayOptions["resumeSecret"]);
  const running = await startGateway(options);
  const url: string = running.url;
  const port: number = running.port;
  const devKey: string | undefined = running.devKey;
  console.log(url, port, devKey);
  // A backend mints a token; its page connects with it where 0.5 put the key.
  const mint: MintAccessTokenOptions = { apiKey: "key", externalId: "alice", ttlSeconds: DEFAULT_ACCESS_TOKEN_TTL_SECONDS };
  const token: string = mintAccessToken(mint);
  const page: RainwayConnection = await rainway.connect({ apiKey: token, externalId: "alice", gatewayUrl: url });
  page.close();
  console.log(mintAccessToken({ apiKey: "key", ttlSeconds: MAX_ACCESS_TOKEN_TTL_SECONDS, now: Date.now() }));
  await running.close();
}

void gateway();

import { startFfmpegSource, startHost, startVirtualDisplay, type EncodedChunk, type RunningHost } from "petrichor/host";

async function linuxHost(): Promise<void> {
  const screen = await startVirtualDisplay({ width: 640, height: 360 });
  const running: RunningHost = await startHost({ gatewayUrl: "ws://127.0.0.1:8080/gateway", apiKey: "key", display: screen.display, acceptAll: true, permissions: InputLevel.Mouse, log: (m: string) => console.log(m) });
  console.log(running.id, running.display, running.streams.size);
  running.close();
  screen.stop();
}

void linuxHost();

function host(): void {
  const source = startFfmpegSource({ width: 320, height: 180, durationSeconds: 1 });
  source.on("video", (chunk: EncodedChunk) => console.log(chunk.type, chunk.timestamp, chunk.data.length));
  source.on("end", () => source.stop());
}

host();

import {
  AudioCodec,
  AudioContainer,
  EventEmitter,
  RainwaySDK,
  VideoCodecType,
  VideoContainer,
  type AudioDescription,
  type CreateStreamOptions,
  type CursorUpdate,
  type DataChannelEvents,
  type DecodingInfo,
  type EncodedChunkLike,
  type EventHandler,
  type EventName,
  type EventProvider,
  type FullscreenOptions_2,
  type IAudioConfig,
  type IKeyboardInput,
  type ILogicalInput,
  type IMouseAbsolute,
  type IMouseClick,
  type IMouseRelative,
  type IMouseScroll,
  type IPenAbsolute,
  type IRemoteStreamInfo,
  type ISetClipboardText,
  type ITouchAbsolute,
  type ITouchPenPointerInfo,
  type ITouchesAbsolute,
  type IVideoCodec,
  type IVideoConfig,
  type IViewportResize,
  type JoinStreamOptions,
  type MessageData,
  type MessageEventRequest,
  type MessageEventStandalone,
  type OpenDataChannelOptions,
  type OutboundStreamEvents,
  type OutboundStreamOptions,
  type PeerEvents,
  type PeerId,
  type RainwayConnectOptions,
  type RainwayConnectionEvents,
  type RainwayEvents,
  type RainwayReconnectOptions,
  type ReportEntry,
  type SimpleEvent,
  type StreamEvents,
  type StreamReport,
  type TimestampedReportEntry,
  type VideoConfiguration_2,
  type VideoDescription,
  type VideoFrame,
  type VideoFrameHeader,
} from "petrichor";

// The names apps type their own code with, as 0.5 apps do: event maps and handlers, option objects,
// stream descriptions and reports.
async function namedTypes(sdk: RainwaySDK): Promise<void> {
  sdk.logLevel = LogLevel.Debug;
  const level: LogLevel = sdk.logLevel;
  const onLog: RainwayEvents["log"] = (lineLevel, target, message) => console.log(lineLevel <= level, target, message);
  const asyncLog: EventHandler<RainwayEvents, "log"> = async (lineLevel) => {
    await Promise.resolve(lineLevel);
  };
  sdk.addEventListener("log", onLog);
  sdk.addEventListener("log", asyncLog);
  const name: EventName<RainwayEvents> = "log";
  sdk.removeEventListener(name, onLog);
  const reconnect: RainwayReconnectOptions = { minDelayMs: 100 };
  const options: RainwayConnectOptions = { apiKey: "key", externalId: "app", reconnect };
  const connection = await sdk.connect(options);
  const onRequest: RainwayConnectionEvents["peer-request"] = async (request) => {
    await request.accept();
  };
  connection.addEventListener("peer-request", onRequest);
  // Handlers may return anything; it is ignored.
  connection.addEventListener("peer-request", (request) => request.accept());
  const id: PeerId = connection.id;
  const peer = await connection.connect(id);
  const onPeerClose: PeerEvents["close"] = () => console.log("gone");
  const simple: SimpleEvent = onPeerClose;
  peer.addEventListener("close", simple);

  const channelOptions: OpenDataChannelOptions = { id: "data", mode: DataChannelMode.Unreliable, requestTimeoutMs: 1000 };
  const channel = await peer.createDataChannel(channelOptions);
  const onMessage: DataChannelEvents["message"] = (message) => {
    if (message.type === MessageEventType.Standalone) {
      const standalone: MessageEventStandalone = message;
      console.log(standalone.data.length);
    } else {
      const request: MessageEventRequest = message;
      const reply: MessageData = new Uint16Array([1]);
      request.respond(reply);
    }
  };
  channel.addEventListener("message", onMessage);

  const join: JoinStreamOptions = { streamFit: StreamFit.IsolatedApps, metrics: true };
  const create: CreateStreamOptions = { ...join, permissions: InputLevel.Keyboard | InputLevel.Mouse };
  const stream = await peer.createStream(create);
  const onStats: StreamEvents["stats"] = (stats) => console.log(stats.latencyMs);
  stream.addEventListener("stats", onStats);
  const frames: EncodedFrame[] = [];
  stream.addEventListener("frame", (frame) => frames.push(frame));
  const fullscreen: FullscreenOptions_2 = { lockKeyboard: true };
  await stream.requestFullscreen(fullscreen);
  document.body.append(stream.container);
  const report: StreamReport | undefined = stream.getReport();
  for (const entry of report?.entries ?? []) {
    const timed: TimestampedReportEntry = entry;
    const plain: ReportEntry = timed;
    if (plain.type === "started") console.log(plain.videoCodec, plain.streamType, plain.hostPeerId);
    else if (plain.type === "videoReadyState") console.log(VideoReadyState[plain.state], timed.timeUnixMs);
    else if (plain.type === "videoBitrateChange") console.log(plain.direction, plain.newKbps - plain.oldKbps);
    else if (plain.type === "stats") console.log(plain.stats.videoThroughputKbps);
  }
  const size = stream.currentFrameSize;
  console.log(size?.streamBounds?.width, size?.fullDesktopBounds?.height);

  const info: IRemoteStreamInfo = stream.info;
  const videoConfig: IVideoConfig = info.chosenVideoConfig;
  const codec: IVideoCodec = videoConfig.codec;
  const audioConfig: IAudioConfig = info.chosenAudioConfig;
  const described: VideoDescription | undefined = info.video;
  const sound: AudioDescription | undefined = info.audio;
  console.log(
    codec.type === VideoCodecType.H264,
    videoConfig.container === VideoContainer.Raw,
    audioConfig.codec === AudioCodec.Opus,
    audioConfig.container === AudioContainer.Raw,
    described?.codec,
    sound?.sampleRate,
  );

  const pointerInfo: ITouchPenPointerInfo = { pointerId: 2, frameId: 1, pointerFlags: WindowsPointerFlags.New, x: 0, y: 0 };
  const touch: ITouchAbsolute = { pointerInfo, touchMask: TouchMask.ContactArea, contactLeft: 0, contactTop: 0, contactRight: 1, contactBottom: 1, orientation: 90, pressure: 1024 };
  const inputs: OutgoingInput[] = [
    { type: InputType.MouseAbsolute, x: 1, y: 1 } satisfies IMouseAbsolute,
    { type: InputType.MouseRelative, dx: 1, dy: 1 } satisfies IMouseRelative,
    { type: InputType.MouseClick, action: ButtonAction.ButtonUp, button: MouseButton.Left } satisfies IMouseClick,
    { type: InputType.MouseScroll, axis: ScrollAxis.Vertical, delta: -120 } satisfies IMouseScroll,
    { type: InputType.Keyboard, action: KeyboardAction.KeyUp, key: VirtualKey.Space, keycode: VirtualKey.Space } satisfies IKeyboardInput,
    { type: InputType.PasteText, inputString: "é" } satisfies ILogicalInput,
    { type: InputType.TouchesAbsolute, touches: [touch] } satisfies ITouchesAbsolute,
    { type: InputType.PenAbsolute, pointerInfo, penFlags: PenFlags.Barrel, penMask: PenMask.Pressure, pressure: 1, rotation: 0, tiltX: 0, tiltY: 0 } satisfies IPenAbsolute,
    { type: InputType.ViewportResize, width: 800, height: 600 } satisfies IViewportResize,
    { type: InputType.SetClipboardText, text: "x" } satisfies ISetClipboardText,
  ];
  inputs.forEach((input) => stream.sendInput(input));

  const header: VideoFrameHeader = { timestamp: 0, x: 0, y: 0, width: 640, height: 360, mask: [{ left: 0, top: 0, width: 640, height: 360 }] };
  const frame: VideoFrame = { header, data: new Uint8Array(4) };
  console.log(frame.header.mask.length);

  const configuration: VideoConfiguration_2 = { contentType: 'video/mp4; codecs="avc1.64001f"', width: 1920, height: 1080, bitrate: 8e6, framerate: 60 };
  const decoding: DecodingInfo = await sdk.getMediaCapabilities({ type: "file", video: configuration });
  console.log(decoding.smooth);

  peer.addEventListener("stream-request", async (request) => {
    const outboundOptions: OutboundStreamOptions = { type: StreamType.AppIsolation, video: { width: 320 }, audio: null };
    const outbound = await request.accept(outboundOptions);
    const onBitrate: OutboundStreamEvents["bitrate-request"] = (bps) => outbound.setVideoBitrate(bps);
    outbound.addEventListener("bitrate-request", onBitrate);
    const chunk: EncodedChunkLike = { type: "delta", timestamp: 33333, data: new Uint8Array(3) };
    outbound.sendVideo(chunk);
    const cursor: CursorUpdate = { x: 3, y: 4 };
    outbound.sendCursor(cursor);
  });
}

// An app's own emitter, typed the way 0.5's classes are, and a helper generic over any of them.
interface ScoreEvents {
  score: (points: number, player: string) => void;
  reset: SimpleEvent;
}
class Scoreboard extends EventEmitter<ScoreEvents> {}
const scoreboard = new Scoreboard();
scoreboard.addEventListener("score", async (points, player) => console.log(points.toFixed(0), player.length));
scoreboard.emit("score", 3, "ann");
scoreboard.emit("reset");
function listenOnce<Events extends EventProvider<Events>, E extends EventName<Events>>(emitter: EventEmitter<Events>, name: E, handler: EventHandler<Events, E>): void {
  emitter.addEventListener(name, handler);
}
listenOnce<ScoreEvents, "reset">(scoreboard, "reset", () => console.log("reset"));

void namedTypes(rainway);
