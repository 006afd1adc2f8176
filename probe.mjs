import rainway, { InputLevel } from "./js/index.js";
import { startGateway } from "./js/gateway/index.js";
const gw = await startGateway({ keys: { k: "o" } });
rainway.addEventListener("log", (l, t, m) => l <= 2 && console.log("log", l, t, m));
const client = await rainway.connect({ apiKey: "k", gatewayUrl: gw.url });
const host = await rainway.connect({ apiKey: "k", gatewayUrl: gw.url });
let outbound;
host.addEventListener("peer-request", async (r) => {
  const peer = await r.accept();
  peer.addEventListener("stream-request", async (req) => {
    console.log("stream-request", req.permissions);
    outbound = await req.accept({ video: { codec: "avc1.42e01f", width: 320, height: 240, frameRate: 30 } });
    outbound.addEventListener("join", () => console.log("host: joined"));
    outbound.addEventListener("keyframe-request", () => console.log("host: keyframe requested"));
  });
});
const peer = await client.connect(host.id);
const stream = await peer.createStream({ permissions: InputLevel.All });
console.log("stream", stream.id, stream.streamType, stream.permissions, stream.info.video);
const got = [];
stream.addEventListener("frame", (f) => got.push(f));
await new Promise((r) => setTimeout(r, 200));
const frames = [];
for (let i = 0; i < 30; i++) {
  const size = i === 0 ? 20000 : 300 + i * 50;
  const au = new Uint8Array(4 + size); au.set([0, 0, 0, 1, i % 10 === 0 ? 0x65 : 0x41]); for (let j = 5; j < au.length; j++) au[j] = (j * 7 + i) & 255;
  frames.push(au);
  outbound.sendVideo({ type: i % 10 === 0 ? "key" : "delta", timestamp: i * 33333, data: au });
  outbound.sendAudio({ type: "key", timestamp: i * 20000, data: new Uint8Array(100).fill(i) });
  await new Promise((r) => setTimeout(r, 10));
}
await new Promise((r) => setTimeout(r, 500));
const video = got.filter((f) => f.kind === "video");
console.log("video frames", video.length, "audio", got.length - video.length, "first type", video[0]?.type);
console.log("identical", video.every((f, idx) => Buffer.from(f.data).equals(Buffer.from(frames[frames.length - video.length + idx]))));
console.log("counters", JSON.stringify(stream.counters()));
outbound.permissions = InputLevel.Mouse;
await new Promise((r) => setTimeout(r, 100));
console.log("permissions now", stream.permissions);
const closed = new Promise((r) => stream.addEventListener("close", r));
outbound.close();
await closed; console.log("client stream closed", stream.ended);
client.close(); host.close(); await gw.close();
