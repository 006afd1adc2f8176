// One side of the connect-time bench (bench/connect-time.mjs), a process of its own as a peer on
// another machine would be: argv[2] "a" connects, "b" answers. On both paths it is already on its
// signaling server: an SDK instance on the gateway, and a client of the bare relay.
// IPC from the parent, each answered with {id, result} or {id, error}:
//   {id, fn: "setup", args: [gatewayUrl, relayUrl]} → {sdkId, relayId}
//   {id, fn: "connect", args: [path, target]} (a only; path "raw" or "petrichor") → {start, connected, open}
//   {id, fn: "opened", args: [path]} (b only) → {open}: when the channel opened at this end
//   {id, fn: "close"} → closes this sample's connections
// Times are process.hrtime in ms: one monotonic clock for every process of the machine.
import WebSocket from "ws";
import rainway, { DataChannelMode } from "../js/index.js";
import { nextEvent } from "../tests/helpers/events.mjs";
import { opened } from "./pages/raw-link.js";
import { stepTimeLimit } from "./time-limit.mjs";

const role = process.argv[2];
const within = stepTimeLimit(`connect time (${role})`);
const now = () => Number(process.hrtime.bigint()) / 1e6;
const { default: wrtc } = await import("@roamhq/wrtc");

let sdk = null; // the SDK instance on the gateway
let relay = null; // the bare relay's client
let sample = 0;
let open = { raw: null, petrichor: null }; // b: promises of this sample's open time, per path
let closers = []; // what this sample opened

/** A client of the bare relay: its id, send(message), and a handler for the messages addressed to it. */
async function relayClient(url) {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  const hello = new Promise((resolve) => ws.once("message", (data) => resolve(JSON.parse(data.toString()))));
  ws.send(JSON.stringify({ type: "hello" }));
  const { peerId } = await hello;
  const client = { id: peerId, onMessage: () => {}, send: (message) => ws.send(JSON.stringify(message)) };
  ws.on("message", (data) => client.onMessage(JSON.parse(data.toString())));
  return client;
}

/**
 * A peer connection's remote side as signaling delivers it: candidates that come before the remote
 * description are held until it is set, as a real app must.
 */
function remoteSide(pc) {
  const held = [];
  let described = false;
  return {
    async describe(description) {
      await pc.setRemoteDescription(description);
      described = true;
      for (const candidate of held.splice(0)) pc.addIceCandidate(candidate).catch(() => {});
    },
    candidate(candidate) {
      if (described) pc.addIceCandidate(candidate).catch(() => {});
      else held.push(candidate);
    },
  };
}

/** A raw peer connection of this sample whose candidates go to `target` through the relay. */
function rawPeerConnection(target) {
  const pc = new wrtc.RTCPeerConnection();
  closers.push(() => pc.close());
  pc.onicecandidate = ({ candidate }) => candidate && relay.send({ type: "signal", target, kind: "candidate", data: candidate });
  return { pc, remote: remoteSide(pc) };
}

/** b: answers raw offers through the relay and Petrichor's requests on the gateway, each sample anew. */
function answer() {
  let raw = null;
  relay.onMessage = async ({ kind, data, source }) => {
    if (kind === "offer") {
      raw = rawPeerConnection(source);
      const { pc } = raw;
      open.raw = new Promise((resolve) => (pc.ondatachannel = ({ channel }) => resolve(opened(channel, 20000).then(now))));
      await raw.remote.describe(data);
      await pc.setLocalDescription(await pc.createAnswer());
      relay.send({ type: "signal", target: source, kind: "answer", data: pc.localDescription });
    } else {
      raw?.remote.candidate(data);
    }
  };
  sdk.addEventListener("peer-request", async (request) => {
    const accepted = request.accept();
    open.petrichor = accepted.then(async (peer) => {
      closers.push(() => peer.close());
      await nextEvent(peer, "datachannel", 20000);
      return now();
    });
  });
}

/** a: one raw connection to the relay client `target`, until the channel is open at this end. */
async function connectRaw(target) {
  const start = now();
  const { pc, remote } = rawPeerConnection(target);
  const channelOpen = opened(pc.createDataChannel("app", { ordered: true }), 20000);
  relay.onMessage = ({ kind, data }) => (kind === "answer" ? remote.describe(data) : remote.candidate(data));
  await pc.setLocalDescription(await pc.createOffer());
  relay.send({ type: "signal", target, kind: "offer", data: pc.localDescription });
  await within(20000, "raw channel", channelOpen);
  return { start, connected: null, open: now() };
}

/** a: one Petrichor connection to peer `target`, until an app channel is open at this end. */
async function connectPetrichor(target) {
  const start = now();
  const peer = await within(20000, "connect", sdk.connect(BigInt(target)));
  closers.push(() => peer.close());
  const connected = now();
  await within(20000, "channel", peer.createDataChannel({ id: `app${sample}`, mode: DataChannelMode.Reliable }));
  return { start, connected, open: now() };
}

const calls = {
  async setup(gatewayUrl, relayUrl) {
    sdk = await rainway.connect({ apiKey: "key", externalId: role, gatewayUrl });
    relay = await relayClient(relayUrl);
    if (role === "b") answer();
    return { sdkId: String(sdk.id), relayId: relay.id };
  },
  connect: (path, target) => (path === "raw" ? connectRaw(target) : connectPetrichor(target)),
  async opened(path) {
    // Asked once a's end is open, so b has long had the offer or the request.
    if (!open[path]) throw new Error(`connect-time bench: b has no ${path} connection`);
    return { open: await within(20000, `${path} channel at b`, open[path]) };
  },
  async close() {
    for (const close of closers.splice(0)) close();
    open = { raw: null, petrichor: null };
    sample++;
    // Both ends' closes settle before the next sample starts.
    await new Promise((resolve) => setTimeout(resolve, 50));
  },
};

process.on("message", async ({ id, fn, args = [] }) => {
  try {
    process.send({ id, result: await calls[fn](...args) });
  } catch (error) {
    process.send({ id, error: error.message });
  }
});
process.send({ ready: true });
