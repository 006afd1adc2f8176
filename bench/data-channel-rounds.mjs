// The data-channel rate bench's rounds, for Node and for a browser page alike (nothing here imports
// a platform module): small app messages per second on Petrichor's DataChannel (two SDK instances on
// one gateway) against a raw RTCDataChannel between two RTCPeerConnections of the same process, in
// alternating batches of the same round.
import { opened } from "./pages/raw-link.js";
import { stepTimeLimit } from "./time-limit.mjs";
import { nextEvent } from "../tests/helpers/events.mjs";

const within = stepTimeLimit("data-channel rate");

const HIGH_WATER = 1024 * 1024; // the raw sender keeps the same buffer limits as the SDK's
const PUMP_POLL_MS = 5; // and polls as it does (js/sdk/data-channel.js)
const LOW_WATER = 256 * 1024;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function message(size) {
  return new Uint8Array(size).fill(0x61);
}

/** Two RTCPeerConnections of this process joined directly, and an open reliable channel between them. */
async function rawPair(RTCPeerConnection) {
  const a = new RTCPeerConnection();
  const b = new RTCPeerConnection();
  a.onicecandidate = ({ candidate }) => candidate && b.addIceCandidate(candidate).catch(() => {});
  b.onicecandidate = ({ candidate }) => candidate && a.addIceCandidate(candidate).catch(() => {});
  const local = a.createDataChannel("raw", { ordered: true });
  const remote = new Promise((resolve) => {
    b.ondatachannel = ({ channel }) => resolve(channel);
  });
  await a.setLocalDescription(await a.createOffer());
  await b.setRemoteDescription(a.localDescription);
  await b.setLocalDescription(await b.createAnswer());
  await a.setRemoteDescription(b.localDescription);
  const channel = await remote;
  await opened(local, 20000);
  channel.binaryType = "arraybuffer";
  local.bufferedAmountLowThreshold = LOW_WATER;
  return { local, remote: channel, close: () => (a.close(), b.close()) };
}

/** Two SDK instances on the gateway, connected, with an open reliable channel from the first to the second. */
async function petrichorPair({ rainway, DataChannelMode }, gatewayUrl, round) {
  const a = await rainway.connect({ apiKey: "key", externalId: `a${round}`, gatewayUrl });
  const b = await rainway.connect({ apiKey: "key", externalId: `b${round}`, gatewayUrl });
  const close = () => (a.close(), b.close());
  try {
    const accepted = nextEvent(b, "peer-request", 20000).then(([request]) => request.accept());
    const [peerOfA, peerOfB] = await within(20000, "connect", Promise.all([a.connect(b.id), accepted]));
    const announced = nextEvent(peerOfB, "datachannel", 20000).then(([channel]) => channel);
    const local = await within(20000, "channel", peerOfA.createDataChannel({ id: "rate", mode: DataChannelMode.Reliable }));
    const remote = await within(20000, "announcement", announced);
    return { local, remote, close };
  } catch (error) {
    close();
    throw error;
  }
}

/** Counts arrivals on a channel; wait(n) resolves once n messages in all have arrived. */
function arrivals(listen) {
  let received = 0;
  let waiting = null;
  listen(() => {
    received++;
    if (waiting && received >= waiting.n) {
      waiting.resolve();
      waiting = null;
    }
  });
  return (n) => (received >= n ? Promise.resolve() : new Promise((resolve) => (waiting = { n, resolve })));
}

/**
 * A raw sender with the SDK's flow control (js/platform/rtc.js, js/sdk/data-channel.js): bufferedAmount
 * is read only once what was sent since the last read may have filled half the high-water mark; above
 * it, the low-water event or, as the SDK polls while it has a backlog, 5 ms, whichever comes first (a
 * low-water event that never came once hung this bench).
 */
function rawSender(channel) {
  let buffered = 0;
  return async (data, count) => {
    for (let sent = 0; sent < count; ) {
      if (buffered > HIGH_WATER / 2) buffered = channel.bufferedAmount;
      if (buffered > HIGH_WATER) {
        await new Promise((resolve) => {
          const timer = setTimeout(done, PUMP_POLL_MS);
          function done() {
            clearTimeout(timer);
            channel.removeEventListener("bufferedamountlow", done);
            resolve();
          }
          channel.addEventListener("bufferedamountlow", done);
        });
        buffered = channel.bufferedAmount;
        continue;
      }
      channel.send(data);
      buffered += data.length;
      sent++;
    }
  };
}

/** Times one batch: `count` messages sent as fast as the API takes them, until the last has arrived. */
async function batch(send, wait, total, data, count) {
  const start = performance.now();
  await send(data, count);
  await within(60000, "messages", wait(total));
  return performance.now() - start;
}

/**
 * Rounds on fresh connections, each of `batches` batches of `count` messages of `size` bytes on a raw
 * channel and on a Petrichor channel, alternately (which goes first alternates too), so that a busy
 * machine weighs on both alike. Returns messages per second (medians over rounds of each round's
 * median batch) and each round's ratio of Petrichor's rate to the raw one (the median over its pairs
 * of batches). `sdk`: {rainway, DataChannelMode} of the SDK under test; `gatewayUrl`: a gateway that
 * takes the API key "key".
 */
export async function dataChannelRounds({ RTCPeerConnection, sdk: api, gatewayUrl, rounds = 3, batches = 10, count = 2000, size = 64 }) {
  const data = message(size);
  const raw = [];
  const petrichor = [];
  const ratios = [];
  for (let r = 0; r < rounds; r++) {
    const direct = await within(20000, "raw connect", rawPair(RTCPeerConnection));
    const sdk = await petrichorPair(api, gatewayUrl, r).catch((error) => {
      direct.close();
      throw error;
    });
    try {
      const rawWait = arrivals((count) => (direct.remote.onmessage = count));
      const sdkWait = arrivals((count) => sdk.remote.addEventListener("message", count));
      const rawSend = rawSender(direct.local);
      const sdkSend = async (bytes, n) => {
        for (let i = 0; i < n; i++) sdk.local.send(bytes);
      };
      const rates = { raw: [], petrichor: [] };
      for (let b = 0; b < batches; b++) {
        const total = (b + 1) * count;
        const order = b % 2 === 0 ? ["raw", "petrichor"] : ["petrichor", "raw"];
        for (const path of order) {
          const ms = path === "raw" ? await batch(rawSend, rawWait, total, data, count) : await batch(sdkSend, sdkWait, total, data, count);
          rates[path].push((count * 1000) / ms);
        }
      }
      // Medians over the batches: a spike of load on the machine spoils one batch, not the round.
      raw.push(median(rates.raw));
      petrichor.push(median(rates.petrichor));
      ratios.push(median(rates.petrichor.map((rate, i) => rate / rates.raw[i])));
    } finally {
      direct.close();
      sdk.close();
    }
  }
  return {
    rounds,
    count: batches * count,
    size,
    raw: median(raw),
    petrichor: median(petrichor),
    ratio: median(ratios),
    ratios,
  };
}

