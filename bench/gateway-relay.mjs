// Gateway relay bench: N WebSocket clients in pairs, each relaying one ~200-byte signal a second to
// its partner through the server, spread evenly over the second. The server runs in a child process
// (gateway-relay-server.mjs) so its CPU per relayed message and its memory per client are its own;
// the baseline is a bare `ws` relay in the same kind of process, measured in the same run.
import { fork } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { WebSocket } from "ws";
import { percentile, stepTimeLimit } from "./measure.mjs";

const SERVER = fileURLToPath(new URL("./gateway-relay-server.mjs", import.meta.url));
const CLIENTS_PER_ADDRESS = 1000; // under the gateway's per-address connection limit
const CONNECT_BATCH = 250;
const TICK_MS = 1;
const limit = stepTimeLimit("gateway relay");

/** A signal's candidate line, padded so the whole message is about 200 bytes; `t` is its send time. */
function signal(requestId, target, t) {
  const candidate = `candidate:842163049 1 udp 1677729535 203.0.113.7 46154 typ srflx raddr 0.0.0.0 rport 0 t ${t.toFixed(3)}`;
  return JSON.stringify({ type: "signal", requestId, target, kind: "candidate", data: { candidate, sdpMid: "0", sdpMLineIndex: 0 } });
}

class BenchClient {
  constructor(url, index) {
    this.ws = new WebSocket(url, { localAddress: `127.0.0.${2 + Math.floor(index / CLIENTS_PER_ADDRESS)}`, perMessageDeflate: false });
    this.peerId = null;
    this.partner = null;
    this.handlers = [];
    this.ws.on("message", (data) => {
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

  async hello(apiKey) {
    await once(this.ws, "open");
    const answer = this.next("hello");
    this.ws.send(JSON.stringify({ type: "hello", version: 2, minVersion: 1, apiKey }));
    this.peerId = (await answer).peerId;
  }
}

async function startServer(kind) {
  // GATEWAY_BENCH_NODE_OPTIONS adds flags to the server's node, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const extra = process.env.GATEWAY_BENCH_NODE_OPTIONS?.split(" ").filter(Boolean) ?? [];
  const child = fork(SERVER, [kind], { execArgv: ["--expose-gc", ...extra], stdio: ["ignore", process.env.GATEWAY_BENCH_STDOUT ? "inherit" : "ignore", "inherit", "ipc"] });
  const [message] = await limit(30_000, `starting the ${kind} server`, once(child, "message"));
  const stats = async (request = "stats") => {
    child.send(request);
    const [reply] = await limit(30_000, "reading the server's stats", once(child, "message"));
    return reply;
  };
  const stop = async () => {
    child.send("exit");
    const exited = once(child, "exit");
    if (!(await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(r, 30_000, false))]))) child.kill("SIGKILL");
  };
  return { ...message.ready, stats, stop };
}

/** Pairs clients 2k and 2k+1: a connection attempt accepted through the gateway (the bare relay needs none). */
async function pair(kind, a, b) {
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

/** One server kind at one size: {clients, p50Ms, p99Ms, maxMs, cpuUsPerMessage, bytesPerClient, relayed, sent}. */
async function measureOne(kind, clients, seconds) {
  const server = await startServer(kind);
  const all = [];
  try {
    const idle = await server.stats("memory");
    for (let start = 0; start < clients; start += CONNECT_BATCH) {
      const batch = [];
      for (let i = start; i < Math.min(clients, start + CONNECT_BATCH); i++) batch.push(new BenchClient(server.url, i));
      await limit(60_000, `connecting clients ${start}…`, Promise.all(batch.map((c) => c.hello(server.apiKey))));
      all.push(...batch);
    }
    for (let i = 0; i + 1 < all.length; i += 2) await limit(30_000, "pairing clients", pair(kind, all[i], all[i + 1]));
    const connected = await server.stats("memory");

    const latencies = [];
    let measuring = false;
    let relayed = 0;
    for (const client of all) {
      client.handlers = [
        (message) => {
          if (message.type !== "signal" || !measuring) return;
          const t = Number(message.data.candidate.slice(message.data.candidate.lastIndexOf(" t ") + 3));
          latencies.push(performance.now() - t);
          relayed++;
        },
      ];
    }
    // Each client sends once a second, in the slot its index gives it: an even spread. Slots are sent by
    // the clock, not by counting timer ticks, so a late tick catches up instead of lowering the rate.
    const slots = 1000 / TICK_MS;
    const started = performance.now();
    let slot = 0;
    let sent = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      for (; started + slot * TICK_MS <= now; slot++) {
        for (let i = slot % slots; i < all.length; i += slots) {
          const client = all[i];
          client.ws.send(signal("r", client.partner, performance.now()));
          if (measuring) sent++;
        }
      }
    }, TICK_MS);
    await new Promise((resolve) => setTimeout(resolve, 3000)); // warm-up
    measuring = true;
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const ownBefore = process.cpuUsage();
    const before = await server.stats();
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const after = await server.stats();
    const own = process.cpuUsage(ownBefore);
    loop.disable();
    measuring = false;
    clearInterval(timer);
    latencies.sort((a, b) => a - b);
    return {
      clients,
      sent,
      relayed,
      p50Ms: percentile(latencies, 0.5),
      p99Ms: percentile(latencies, 0.99),
      maxMs: latencies.at(-1),
      // The stats calls' own work is in the window too; it is tiny beside thousands of messages.
      cpuUsPerMessage: (after.cpuUs - before.cpuUs) / Math.max(1, relayed),
      cpuPercent: ((after.cpuUs - before.cpuUs) / (seconds * 1e6)) * 100,
      bytesPerClient: (connected.heapBytes - idle.heapBytes) / clients,
      rssPerClient: (connected.rssBytes - idle.rssBytes) / clients,
      // The clients' side: when it is late, so are the figures above.
      clientsCpuPercent: ((own.user + own.system) / (seconds * 1e6)) * 100,
      clientsLoopDelayP99Ms: loop.percentile(99) / 1e6,
    };
  } finally {
    for (const client of all) client.ws.terminate();
    await server.stop();
  }
}

/**
 * Measures the gateway and the bare relay at each size, one after the other.
 * Returns [{clients, gateway, bare}] with measureOne's figures for each.
 */
export async function measureGatewayRelay({ sizes = [1000, 5000, 10000], seconds = 20, kinds = ["bare", "gateway"] } = {}) {
  const rows = [];
  for (const clients of sizes) {
    const row = { clients };
    for (const kind of kinds) row[kind] = await measureOne(kind, clients, seconds);
    rows.push(row);
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const sizes = (process.argv[2] ?? "1000").split(",").map(Number);
  const seconds = Number(process.argv[3] ?? 10);
  const kinds = process.argv[4]?.split(",");
  console.log(JSON.stringify(await measureGatewayRelay({ sizes, seconds, kinds }), null, 1));
}
