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
  });
  const own: bigint = connection.id;
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
    const stream: InboundStream = await peer.createStream({ permissions: InputLevel.All, metrics: true, streamFit: StreamFit.FullDesktop });
    stream.addEventListener("frame", (frame: EncodedFrame) => console.log(frame.kind, frame.type, frame.timestamp, frame.data.length));
    stream.addEventListener("stats", (stats: StatsSummary) => console.log(stats.videoThroughputKbps));
    stream.addEventListener("close", () => console.log(stream.ended, stream.getReport()?.entries.length));
    stream.pause();
    stream.play();
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
      const canvas = document.createElement("canvas");
      const counters = outbound.sendTrack(canvas.captureStream(30).getVideoTracks()[0], { bitrate: 1_000_000 });
      console.log(counters.framesEncoded);
      outbound.close();
    });
    const announced: OutboundStream = await peer.announceStream({ type: StreamType.FullDesktop });
    announced.sendAudio({ type: "key", timestamp: 20000, data: new Uint8Array(10) });
    const { heapBytes, liveObjects } = await rainway.diagnostics();
    console.log(heapBytes, liveObjects);
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

import { startGateway, type GatewayOptions } from "petrichor/gateway";

async function gateway(): Promise<void> {
  const options: GatewayOptions = { port: 0, host: "127.0.0.1", keys: { key: "org" }, iceServers: [{ urls: "stun:127.0.0.1:3478" }] };
  const running = await startGateway(options);
  const url: string = running.url;
  const port: number = running.port;
  const devKey: string | undefined = running.devKey;
  console.log(url, port, devKey);
  await running.close();
}

void gateway();

import { startFfmpegSource, type EncodedChunk } from "petrichor/host";

function host(): void {
  const source = startFfmpegSource({ width: 320, height: 180, durationSeconds: 1 });
  source.on("video", (chunk: EncodedChunk) => console.log(chunk.type, chunk.timestamp, chunk.data.length));
  source.on("end", () => source.stop());
}

host();
