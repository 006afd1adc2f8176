// The clients of the gateway relay bench, in a worker thread: its share of the clients, paired among
// themselves, so that a signal's send and its arrival are timed on one clock. Several workers, each with
// its own heap and event loop, keep the clients' own pauses (GC, a busy loop) out of what is measured as far
// as two cores allow. Driven by the parent's messages:
//   {do: "connect"} → connects, says hello and pairs every client → {connected: true} (or {error})
//   {do: "start"}   → each client sends a signal a second to its partner in the millisecond its index gives
//   {do: "measure"} → from now on, arrivals are timed
//   {do: "stop"}    → {sent, relayed, latencies (Float64Array, transferred), loopDelayP99Ms}
import { parentPort, workerData } from "node:worker_threads";
import { once } from "node:events";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { WebSocket } from "ws";

const { url, apiKey, kind, first, count, clientsPerAddress, connectBatch } = workerData;
const TICK_MS = 1;
const T_MARK = Buffer.from(" t ");

/** A signal's candidate line, padded so the whole message is about 200 bytes; `t` is its send time. */
function signal(requestId, target, t) {
  const candidate = `candidate:842163049 1 udp 1677729535 203.0.113.7 46154 typ srflx raddr 0.0.0.0 rport 0 t ${t.toFixed(3)}`;
  return JSON.stringify({ type: "signal", requestId, target, kind: "candidate", data: { candidate, sdpMid: "0", sdpMLineIndex: 0 } });
}

let measuring = false;
let relayed = 0;
let latencies = new Float64Array(1 << 16);

/** Times a relayed signal from its raw bytes (no JSON parse: the clients' own work stays small). */
function timeArrival(data) {
  const at = data.lastIndexOf(T_MARK);
  if (at < 0) return;
  const end = data.indexOf(34, at); // the closing quote
  const sentAt = Number(data.toString("latin1", at + 3, end));
  if (relayed === latencies.length) {
    const grown = new Float64Array(latencies.length * 2);
    grown.set(latencies);
    latencies = grown;
  }
  latencies[relayed++] = performance.now() - sentAt;
}

class BenchClient {
  constructor(index) {
    this.ws = new WebSocket(url, { localAddress: `127.0.0.${2 + Math.floor(index / clientsPerAddress)}`, perMessageDeflate: false });
    this.index = index;
    this.peerId = null;
    this.partner = null;
    this.handlers = [];
    this.ws.on("message", (data) => {
      if (measuring) {
        timeArrival(data);
        return;
      }
      const message = JSON.parse(data.toString("utf8"));
      for (const handler of this.handlers) handler(message);
    });
    this.ws.on("error", () => {});
  }

  next(type) {
    return new Promise((resolve, reject) => {
      const handler = (message) => {
        if (message.type === "alert" && message.level === "fatal") reject(new Error(`fatal alert: ${message.message}`));
        if (message.type !== type) return;
        this.handlers = this.handlers.filter((h) => h !== handler);
        resolve(message);
      };
      this.handlers.push(handler);
    });
  }

  async hello() {
    await once(this.ws, "open");
    const answer = this.next("hello");
    this.ws.send(JSON.stringify({ type: "hello", version: 2, minVersion: 1, apiKey }));
    this.peerId = (await answer).peerId;
  }
}

/** Pairs two clients: a connection attempt accepted through the gateway (the bare relay needs none). */
async function pair(a, b) {
  a.partner = b.peerId;
  b.partner = a.peerId;
  if (kind === "bare") return;
  const requested = b.next("request");
  a.ws.send(JSON.stringify({ type: "connect", requestId: "r", target: b.peerId }));
  await requested;
  const accepted = a.next("accept");
  b.ws.send(JSON.stringify({ type: "accept", requestId: "r", target: a.peerId }));
  await accepted;
}

const clients = [];
let timer = null;
let sent = 0;
let loop = null;

async function connect() {
  for (let start = first; start < first + count; start += connectBatch) {
    const batch = [];
    for (let i = start; i < Math.min(first + count, start + connectBatch); i++) batch.push(new BenchClient(i));
    await Promise.all(batch.map((c) => c.hello()));
    clients.push(...batch);
  }
  for (let i = 0; i + 1 < clients.length; i += 2) await pair(clients[i], clients[i + 1]);
}

/** Each client sends once a second, in the millisecond slot of its index: by the clock, so a late tick catches up. */
function start() {
  const slots = 1000 / TICK_MS;
  const bySlot = Array.from({ length: slots }, () => []);
  for (const client of clients) bySlot[client.index % slots].push(client);
  const started = performance.now();
  let slot = 0;
  timer = setInterval(() => {
    const now = performance.now();
    for (; started + slot * TICK_MS <= now; slot++) {
      for (const client of bySlot[slot % slots]) {
        client.ws.send(signal("r", client.partner, performance.now()));
        if (measuring) sent++;
      }
    }
  }, TICK_MS);
}

parentPort.on("message", async (message) => {
  if (message.do === "connect") {
    try {
      await connect();
      parentPort.postMessage({ connected: true });
    } catch (error) {
      parentPort.postMessage({ error: String(error?.message ?? error) });
    }
  } else if (message.do === "start") {
    start();
  } else if (message.do === "measure") {
    relayed = 0;
    sent = 0;
    measuring = true;
    loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
  } else if (message.do === "stop") {
    measuring = false;
    clearInterval(timer);
    loop.disable();
    const result = latencies.slice(0, relayed);
    parentPort.postMessage({ sent, relayed, latencies: result, loopDelayP99Ms: loop.percentile(99) / 1e6 }, [result.buffer]);
    for (const client of clients) client.ws.terminate();
  }
});
