// Gateway relay bench: N WebSocket clients in pairs, each relaying one ~200-byte signal a second to
// its partner through the server, spread evenly over the second. The server runs in a child process
// (gateway-relay-server.mjs) so its CPU per relayed message and its memory per client are its own;
// the clients are one native thread (gateway_load.c, built with the native tree) so that on two cores
// the figures are the server's; the baseline is a bare `ws` relay in the same kind of process,
// measured in the same run.
import { fork, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { percentile, stepTimeLimit } from "./measure.mjs";

const SERVER = fileURLToPath(new URL("./gateway-relay-server.mjs", import.meta.url));
const LOAD = fileURLToPath(new URL("../build/native/gateway_load", import.meta.url));
const CLIENTS_PER_ADDRESS = 1000; // under the gateway's per-address connection limit
// The machine rests this long per client of the round before: back to back, each 10,000-client round
// of the same server measured a longer tail than the one before it (p99 4.6, 16, 16, 26 ms), and
// after 20 s of rest it did not (4.8, 5.0, 5.1 ms). See BENCHMARKS.md.
const REST_MS_PER_CLIENT = 2;
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

/** The native clients (gateway_load): `command(line, what)` sends a command and, unless told not to, returns its JSON answer. */
function startClients(server, kind, clients, latencyFile) {
  if (!existsSync(LOAD)) throw new Error(`${LOAD} is missing: build it (node scripts/build.mjs native)`);
  const { port, pathname } = new URL(server.url);
  const child = spawn(LOAD, [port, pathname, server.apiKey, kind, String(clients), String(CLIENTS_PER_ADDRESS), latencyFile], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const exited = once(child, "exit");
  const command = async (line, what, ms = 30_000, answered = true) => {
    child.stdin.write(`${line}\n`);
    if (!answered) return null;
    const next = await limit(ms, what, Promise.race([lines.next(), exited.then(([code]) => ({ done: true, code }))]));
    if (next.done) throw new Error(`gateway relay bench: ${what}: the clients exited (${next.code})`);
    const answer = JSON.parse(next.value);
    if (answer.error) throw new Error(`gateway relay bench: ${what}: ${answer.error}`);
    return answer;
  };
  const stop = async () => {
    child.stdin.end();
    if (!(await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(r, 10_000, false))]))) child.kill("SIGKILL");
  };
  return { command, stop };
}

/** One server kind at one size: {clients, p50Ms, p99Ms, maxMs, cpuUsPerMessage, bytesPerClient, relayed, sent, ...}. */
async function measureOne(kind, clients, seconds) {
  const server = await startServer(kind);
  const scratch = mkdtempSync(join(tmpdir(), "petrichor-relay-"));
  let load = null;
  try {
    const idle = await server.stats("memory");
    load = startClients(server, kind, clients, join(scratch, "latencies"));
    await load.command("connect", "connecting and pairing clients", 180_000);
    const connected = await server.stats("memory");
    await load.command("start", "starting", 0, false);
    await new Promise((resolve) => setTimeout(resolve, 3000)); // warm-up
    await load.command("measure", "measuring", 0, false);
    const before = await server.stats();
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const after = await server.stats();
    const result = await load.command("stop", "stopping the clients");
    const bytes = readFileSync(join(scratch, "latencies"));
    const latencies = new Float64Array(bytes.buffer, bytes.byteOffset, bytes.length / 8).slice().sort();
    const relayed = latencies.length;
    return {
      clients,
      sent: result.sent,
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
      // The clients' side: when it is late, so are the figures above.
      clientsCpuPercent: (result.cpuUs / (seconds * 1e6)) * 100,
      clientsLoopDelayP99Ms: result.loopDelayP99Ms,
    };
  } finally {
    await load?.stop();
    await server.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Measures the gateway and the bare relay at each size, `rounds` times each, the kinds taking turns.
 * Returns [{clients, gateway, bare}]: for each kind, measureOne's figures of the round with the median
 * p99, with `p99Spread` [lowest, highest] over the rounds.
 */
export async function measureGatewayRelay({ sizes = [1000, 5000, 10000], seconds = 20, kinds = ["bare", "gateway"], rounds = 3 } = {}) {
  const rows = [];
  let previousClients = 0;
  for (const clients of sizes) {
    const runs = Object.fromEntries(kinds.map((kind) => [kind, []]));
    for (let round = 0; round < rounds; round++) {
      for (const kind of kinds) {
        await new Promise((resolve) => setTimeout(resolve, previousClients * REST_MS_PER_CLIENT));
        runs[kind].push(await measureOne(kind, clients, seconds));
        previousClients = clients;
      }
    }
    const row = { clients };
    for (const kind of kinds) {
      const byP99 = runs[kind].sort((x, y) => x.p99Ms - y.p99Ms);
      row[kind] = { ...byP99[Math.floor((byP99.length - 1) / 2)], p99Spread: [byP99[0].p99Ms, byP99.at(-1).p99Ms] };
    }
    rows.push(row);
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const sizes = (process.argv[2] ?? "1000").split(",").map(Number);
  const seconds = Number(process.argv[3] ?? 10);
  const kinds = process.argv[4]?.split(",");
  const rounds = Number(process.argv[5] ?? 1);
  console.log(JSON.stringify(await measureGatewayRelay({ sizes, seconds, kinds, rounds }), null, 1));
}
