// One side of a stream across an impaired link (tests/helpers/impaired-link.mjs), run inside a network
// namespace: `node impaired-stream-peer.mjs host <bitrate> [follow]` starts a gateway on every address
// and a host peer that streams synthetic video (following bitrate requests unless follow is 0);
// `node impaired-stream-peer.mjs client <gateway url> <host id> <seconds>` watches it. They report on
// stdout, one JSON object per line (tests/helpers/impaired-stream.mjs runs both).
//
// The synthetic encoder makes H.264-shaped access units (an IDR or non-IDR NAL unit) whose bytes carry
// the frame's index, its send time and a pattern, so the client can tell a corrupt frame, a broken
// reference chain (a delta frame shown after a missing one) and the one-way delay, without a decoder.
// It follows the rate controller's bitrate requests and answers keyframe requests, as a real encoder does.
import rainway, { InputLevel } from "../../js/index.js";
import { startGateway } from "../../js/gateway/index.js";

const FPS = 30;
const KEYFRAME_RATIO = 4; // a keyframe's size in delta frames
const print = (object) => process.stdout.write(`${JSON.stringify(object)}\n`);

/** 7 bits per byte, high bit set: never a zero byte, so never a start code inside the frame. */
function putNumber(bytes, at, value, count) {
  for (let i = count - 1; i >= 0; i--) {
    bytes[at + i] = 0x80 | (value % 128);
    value = Math.floor(value / 128);
  }
}
function getNumber(bytes, at, count) {
  let value = 0;
  for (let i = 0; i < count; i++) value = value * 128 + (bytes[at + i] & 0x7f);
  return value;
}
const HEADER = 5 + 3 + 7; // start code + NAL header, index, send time (ms since the epoch)

function makeFrame(index, key, size) {
  const bytes = new Uint8Array(Math.max(size, HEADER + 16));
  bytes.set([0, 0, 0, 1, key ? 0x65 : 0x41]);
  putNumber(bytes, 5, index, 3);
  putNumber(bytes, 8, Date.now(), 7);
  for (let i = HEADER; i < bytes.length; i++) bytes[i] = (i * 31 + index) & 0xff;
  return bytes;
}

/** What the client checks of a shown frame; null when its bytes are not what the host made. */
function readFrame(bytes) {
  if (bytes.length < HEADER + 16) return null;
  const index = getNumber(bytes, 5, 3);
  for (let i = HEADER; i < bytes.length; i++) if (bytes[i] !== ((i * 31 + index) & 0xff)) return null;
  return { index, key: (bytes[4] & 0x1f) === 5, sentAt: getNumber(bytes, 8, 7) };
}

async function host(bitrate, follow) {
  const gateway = await startGateway({ keys: { key: "org" }, host: "0.0.0.0" });
  const connection = await rainway.connect({ apiKey: "key", externalId: "host", gatewayUrl: gateway.url });
  print({ ready: true, url: gateway.url, id: String(connection.id) });
  connection.addEventListener("peer-request", (request) => {
    request.accept().then((peer) => {
      peer.addEventListener("stream-request", (streamRequest) => {
        streamRequest.accept({ audio: null }).then((outbound) => stream(outbound, bitrate, follow));
      });
    });
  });
}

function stream(outbound, bitrate, follow) {
  let target = bitrate;
  let keyframeAsked = true;
  let index = 0;
  outbound.setVideoBitrate(bitrate);
  const floor = Number(process.env.PT_ENCODER_FLOOR_BPS) || 0; // a real encoder cannot go below some rate at a given size
  if (follow) outbound.addEventListener("bitrate-request", (bitsPerSecond) => (target = Math.max(floor, Math.min(bitsPerSecond, bitrate))));
  const sample = setInterval(() => {
    const counters = outbound.counters();
    if (counters) print({ at: Date.now(), targetBps: counters.targetBps, encoderBps: target, skipped: counters.framesSkipped });
    else clearInterval(sample);
  }, 250);
  outbound.addEventListener("keyframe-request", () => (keyframeAsked = true));
  const started = performance.now();
  const tick = () => {
    if (outbound.ended) return;
    const key = keyframeAsked || index % (FPS * 10) === 0;
    keyframeAsked = false;
    const delta = target / 8 / FPS;
    const size = Math.round(key ? delta * KEYFRAME_RATIO : delta * (0.8 + 0.4 * Math.random()));
    outbound.sendVideo({ type: key ? "key" : "delta", timestamp: Math.round((index * 1e6) / FPS), data: makeFrame(index, key, size) });
    index++;
    // Drift-free 30 fps: the next frame is due at a fixed time, however late this one was.
    setTimeout(tick, Math.max(0, started + (index * 1000) / FPS - performance.now()));
  };
  tick();
}

async function client(gatewayUrl, hostId, seconds) {
  const connection = await rainway.connect({ apiKey: "key", externalId: "viewer", gatewayUrl });
  const peer = await connection.connect(hostId);
  const inbound = await peer.createStream({ permissions: InputLevel.None });
  const summary = { shown: 0, first: -1, last: -1, corrupt: 0, brokenChain: 0, longestGapFrames: 0, longestFreezeMs: 0 };
  let lastShownAt = 0;
  inbound.addEventListener("frame", (event) => {
    const frame = readFrame(event.data);
    if (frame === null) {
      summary.corrupt++;
      return;
    }
    const now = Date.now();
    if (summary.first < 0) {
      summary.first = frame.index;
    } else {
      if (frame.index !== summary.last + 1 && !frame.key) summary.brokenChain++;
      summary.longestGapFrames = Math.max(summary.longestGapFrames, frame.index - summary.last);
      summary.longestFreezeMs = Math.max(summary.longestFreezeMs, now - lastShownAt);
    }
    summary.last = frame.index;
    lastShownAt = now;
    summary.shown++;
    print({ frame: frame.index, key: frame.key, delayMs: now - frame.sentAt });
  });
  const sample = setInterval(() => {
    const counters = inbound.counters();
    if (counters) print({ at: Date.now(), targetBps: counters.targetBps, estimateBps: counters.estimateBps, loss: counters.lossFraction, rttMs: counters.rttMs, keyframes: counters.keyframes, skipped: counters.framesSkipped, shown: summary.shown });
  }, 250);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  clearInterval(sample);
  summary.counters = inbound.counters();
  print({ summary });
  connection.close();
  process.exit(0);
}

const [role, ...args] = process.argv.slice(2);
if (role === "host") await host(Number(args[0]), args[1] !== "0");
else await client(args[0], args[1], Number(args[2]));
