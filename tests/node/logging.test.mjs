// The "log" event: at Debug every layer says what it does (gateway messages, ICE and signaling states,
// data channels, streams and keyframe requests with their reasons), at Info none of that is there,
// at Trace whole messages are, and no level ever carries a secret. Two real peers through a real
// gateway on loopback, a data channel, a short ffmpeg stream.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import rainway, { DataChannelMode, InputLevel, LogLevel, RainwayError } from "../../js/index.js";
import { startGateway } from "../../js/gateway/index.js";
import { startFfmpegSource } from "../../js/host/ffmpeg-source.js";
import { createLog } from "../../js/sdk/log.js";
import { nextEvent, until } from "../helpers/events.mjs";

const API_KEY = "key_do_not_log_me_4711";

let gateway;
before(async () => {
  gateway = await startGateway({ keys: { [API_KEY]: "org" } });
});
after(async () => {
  rainway.logLevel = LogLevel.Info;
  await gateway?.close();
});

/**
 * One session at `level`: connect two peers, exchange a request on a data channel, stream ffmpeg's
 * pattern until the client has frames, ask for a keyframe, close everything. Returns the log lines
 * ({level, target, message}) and the secrets the session held.
 */
async function session(level) {
  const lines = [];
  const record = (lineLevel, target, message) => lines.push({ level: lineLevel, target, message });
  rainway.logLevel = level;
  rainway.addEventListener("log", record);
  const client = await rainway.connect({ apiKey: API_KEY, externalId: "viewer", gatewayUrl: gateway.url });
  const host = await rainway.connect({ apiKey: API_KEY, externalId: "host", gatewayUrl: gateway.url });
  let source;
  try {
    const accepted = nextEvent(host, "peer-request").then(([request]) => request.accept());
    const [clientPeer, hostPeer] = await Promise.all([client.connect(host.id), accepted]);

    const announced = nextEvent(hostPeer, "datachannel");
    const channel = await clientPeer.createDataChannel({ id: "chat", mode: DataChannelMode.Reliable });
    const [remote] = await announced;
    remote.addEventListener("message", (message) => message.respond(message.data));
    await channel.request("ping");
    const remoteClosed = nextEvent(remote, "close");
    channel.close();
    await remoteClosed;

    const outboundReady = nextEvent(hostPeer, "stream-request").then(([request]) =>
      request.accept({ video: { codec: "avc1.42e01e", width: 320, height: 180, frameRate: 30 }, audio: null }),
    );
    const [stream, outbound] = await Promise.all([clientPeer.createStream({ permissions: InputLevel.All }), outboundReady]);
    // The stream's first 100 packets never reach the client (as if it had joined late): it cannot tell where a
    // frame starts, drops what it has and asks for a keyframe.
    const sendMedia = hostPeer._sendMedia.bind(hostPeer);
    let sends = 0;
    hostPeer._sendMedia = (kind, bytes) => {
      if (kind !== 0 || ++sends > 100) sendMedia(kind, bytes);
    };
    // The source runs until the session ends (a keyframe every second), so a slow start still gets its frames.
    source = startFfmpegSource({ width: 320, height: 180, keyframeInterval: 30 });
    const sent = { frames: 0, keyframes: 0, dropped: 0 };
    source.on("video", (chunk) => {
      sent.frames++;
      if (chunk.type === "key") sent.keyframes++;
      if (outbound.sendVideo(chunk) === 0) sent.dropped++;
    });
    let frames = 0;
    stream.addEventListener("frame", () => frames++);
    await until(() => frames >= 10, 20000, () =>
      `the client assembled ${frames} frame(s); the source made ${sent.frames} (${sent.keyframes} keyframes), the host dropped ${sent.dropped}, ${sends} video packets left its core (the first 100 withheld), ${hostPeer._mediaBuffered(0)} bytes wait in the video channel`);
    const keyframeAsked = nextEvent(outbound, "keyframe-request");
    stream.requestKeyframe();
    await keyframeAsked;
    const left = nextEvent(outbound, "leave");
    stream.close();
    await left;
    return { lines, secrets: [API_KEY, client.resumeToken, host.resumeToken] };
  } finally {
    source?.stop();
    client.close();
    host.close();
    rainway.removeEventListener("log", record);
  }
}

const by = (lines, target, pattern) => lines.filter((line) => line.target === target && pattern.test(line.message));

test("at Debug, every layer logs what it does, under its own target", { timeout: 60000 }, async () => {
  const { lines } = await session(LogLevel.Debug);
  const debug = lines.filter((line) => line.level === LogLevel.Debug);
  const expect = (target, pattern) => assert.ok(by(debug, target, pattern).length > 0, `a Debug line of ${target} matching ${pattern}`);
  // Gateway: messages by type, the hello, requests.
  expect("Gateway", /^sent "hello"$/);
  expect("Gateway", /^received "hello"$/);
  expect("Gateway", /^hello: peer id \d+/);
  expect("Gateway", /^sent "connect"$/);
  expect("Gateway", /asks to connect/);
  expect("Gateway", /^received "signal"$/);
  // PeerConnection: signaling, ICE and peer states, the chosen pair, candidates, control messages.
  expect("PeerConnection", /^peer \d+: starting WebRTC as the offerer$/);
  expect("PeerConnection", /^peer \d+: starting WebRTC as the answerer$/);
  expect("PeerConnection", /: sending offer$/);
  expect("PeerConnection", /: received answer$/);
  expect("PeerConnection", /: sending candidate udp host /);
  expect("PeerConnection", /: signaling state stable$/);
  expect("PeerConnection", /: ICE connection connected$/);
  expect("PeerConnection", /: ICE chose local udp host, remote udp host$/);
  expect("PeerConnection", /: state Connected$/);
  expect("PeerConnection", /: control channel open$/);
  expect("PeerConnection", /: sent "stream-request"$/);
  // DataChannel: open and close, on both sides.
  expect("DataChannel", /^peer \d+, channel "chat": open$/);
  expect("DataChannel", /^peer \d+, channel "chat": closing$/);
  assert.equal(by(debug, "DataChannel", /channel "chat": closed/).length, 2, "both ends report the close");
  // Stream: request, announcement, join, keyframe requests with why, leave.
  expect("Stream", /: requesting a stream \(request \d+, permissions 63\)$/);
  expect("Stream", /: the client asks for a stream/);
  expect("Stream", /: announcing stream \d+ \(avc1\.42e01e 320x180 at 30 fps\), answering request \d+$/);
  expect("Stream", /: the host announced stream \d+/);
  expect("Stream", /: joining stream \d+$/);
  expect("Stream", /, stream \d+: the client joined$/);
  expect("Stream", /, stream \d+: requesting a keyframe: no whole video frame yet since joining$/);
  expect("Stream", /, stream \d+: requesting a keyframe: the app asked for one$/);
  expect("Stream", /, stream \d+: the client asks for a keyframe$/);
  expect("Stream", /, stream \d+: \d+ video packet\(s\) lost and \d+ frame\(s\) dropped/);
  expect("Stream", /, stream \d+: leaving the stream$/);
  expect("Stream", /, stream \d+: the client left$/);
  // Heartbeats and probes would flood Debug: they are Trace only.
  assert.equal(by(debug, "Gateway", /"(ping|pong)"/).length, 0);
});

test("at Info, none of the detail is there, and nothing is built for it", { timeout: 60000 }, async () => {
  const { lines } = await session(LogLevel.Info);
  assert.ok(lines.some((line) => line.level === LogLevel.Info && line.target === "Gateway" && /^connected to /.test(line.message)));
  assert.deepEqual(lines.filter((line) => line.level > LogLevel.Info), []);
  assert.equal(lines.filter((line) => line.target !== "Gateway").length, 0, JSON.stringify(lines));

  // A message given as a function is built only for a line that is delivered.
  let built = 0;
  const delivered = [];
  const log = createLog({ wants: (level) => level <= LogLevel.Info, write: (...line) => delivered.push(line) }, "Stream").about("stream 1");
  log(LogLevel.Debug, () => `${++built}`);
  log(LogLevel.Info, () => `built ${++built}`);
  assert.equal(built, 1);
  assert.deepEqual(delivered, [[LogLevel.Info, "Stream", "stream 1: built 1"]]);
});

test("at Trace, whole messages are logged with their secrets left out", { timeout: 60000 }, async () => {
  const { lines, secrets } = await session(LogLevel.Trace);
  assert.ok(by(lines, "Gateway", /^sent \{"type":"hello".*"apiKey":"\[secret, \d+ chars\]"/).length > 0);
  assert.ok(by(lines, "Gateway", /"kind":"offer","data":\{"sdp":"\[secret, \d+ chars\]"\}/).length > 0);
  assert.ok(by(lines, "PeerConnection", /sent \{"type":"stream-announce".*"srtpKey":"\[secret, 40 chars\]"/).length > 0);
  for (const { message } of lines) {
    for (const secret of secrets) assert.ok(!message.includes(secret), `a log line holds a secret: ${message}`);
    assert.doesNotMatch(message, /ice-pwd|ice-ufrag|fingerprint|ufrag \w/, "no SDP or ICE credentials");
  }
});

test("logLevel takes only LogLevel values; Silent and no listener deliver nothing", async () => {
  assert.equal(rainway.logLevel, LogLevel.Trace); // as the last test left it
  for (const bad of [6, -1, 2.5, "Debug", null]) {
    assert.throws(() => (rainway.logLevel = bad), RainwayError);
  }
  const lines = [];
  const record = (...line) => lines.push(line);
  rainway.addEventListener("log", record);
  rainway.logLevel = LogLevel.Silent;
  const connection = await rainway.connect({ apiKey: API_KEY, gatewayUrl: gateway.url });
  connection.close();
  rainway.removeEventListener("log", record);
  assert.deepEqual(lines, []);
});
