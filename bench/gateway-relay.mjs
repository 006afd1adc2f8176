// Gateway relay bench: N WebSocket clients in pairs, each relaying one ~200-byte signal a second to
// its partner through the server, spread evenly over the second. The server runs in a child process
// (gateway-relay-server.mjs) so its CPU per relayed message and its memory per client are its own;
// the clients run in worker threads (gateway-relay-clients.mjs); the baseline is a bare `ws` relay in
// the same kind of process, measured in the same run.
import { fork } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { percentile, stepTimeLimit } from "./measure.mjs";

const SERVER = fileURLToPath(new URL("./gateway-relay-server.mjs", import.meta.url));
const CLIENTS = new URL("./gateway-relay-clients.mjs", import.meta.url);
const CLIENTS_PER_ADDRESS = 1000; // under the gateway's per-address connection limit
const CONNECT_BATCH = 250;
const CLIENT_WORKERS = 2; // threads the clients are spread over (pairs stay within one)
const limit = stepTimeLimit("gateway relay");

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

/** A reply of a client worker, or its error. */
async function reply(worker, what, ms) {
  const [message] = await limit(ms, what, once(worker, "message"));
  if (message.error) throw new Error(`gateway relay bench: ${what}: ${message.error}`);
  return message;
}

/** One server kind at one size: {clients, p50Ms, p99Ms, maxMs, cpuUsPerMessage, bytesPerClient, relayed, sent, ...}. */
async function measureOne(kind, clients, seconds) {
  const server = await startServer(kind);
  const workers = [];
  try {
    const idle = await server.stats("memory");
    // Each worker an even share (pairs stay within it), the last one the rest.
    const share = Math.max(2, 2 * Math.floor(clients / CLIENT_WORKERS / 2));
    for (let first = 0; first < clients; first += share) {
      const count = Math.min(share, clients - first);
      workers.push(new Worker(CLIENTS, { workerData: { url: server.url, apiKey: server.apiKey, kind, first, count, clientsPerAddress: CLIENTS_PER_ADDRESS, connectBatch: CONNECT_BATCH } }));
    }
    await Promise.all(workers.map((worker) => (worker.postMessage({ do: "connect" }), reply(worker, "connecting and pairing clients", 180_000))));
    const connected = await server.stats("memory");
    for (const worker of workers) worker.postMessage({ do: "start" });
    await new Promise((resolve) => setTimeout(resolve, 3000)); // warm-up
    for (const worker of workers) worker.postMessage({ do: "measure" });
    const ownBefore = process.cpuUsage();
    const before = await server.stats();
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const after = await server.stats();
    const own = process.cpuUsage(ownBefore);
    const results = await Promise.all(workers.map((worker) => (worker.postMessage({ do: "stop" }), reply(worker, "stopping the clients", 30_000))));
    const latencies = new Float64Array(results.reduce((sum, r) => sum + r.latencies.length, 0));
    let at = 0;
    for (const r of results) {
      latencies.set(r.latencies, at);
      at += r.latencies.length;
    }
    latencies.sort();
    const relayed = latencies.length;
    return {
      clients,
      sent: results.reduce((sum, r) => sum + r.sent, 0),
      relayed,
      p50Ms: percentile(latencies, 0.5),
      p99Ms: percentile(latencies, 0.99),
      maxMs: latencies.at(-1),
      // The stats calls' own work is in the window too; it is tiny beside thousands of messages.
      cpuUsPerMessage: (after.cpuUs - before.cpuUs) / Math.max(1, relayed),
      cpuPercent: ((after.cpuUs - before.cpuUs) / (seconds * 1e6)) * 100,
      serverLoopDelayP99Ms: after.loopDelayP99Ms,
      bytesPerClient: (connected.heapBytes - idle.heapBytes) / clients,
      rssPerClient: (connected.rssBytes - idle.rssBytes) / clients,
      // The clients' side (every worker of this process): when it is late, so are the figures above.
      clientsCpuPercent: ((own.user + own.system) / (seconds * 1e6)) * 100,
      clientsLoopDelayP99Ms: Math.max(...results.map((r) => r.loopDelayP99Ms)),
    };
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
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
