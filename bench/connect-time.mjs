// Time to connect two Node peers that are already on their signaling server, until a reliable data
// channel is open at both ends: Petrichor (connect request, accept, the SDK's peer connection and its
// control channel, then DataChannel) against the baseline, two raw RTCPeerConnections that trade
// offer, answer and trickled candidates through a bare `ws` relay (bench/bare-relay.mjs) with the
// channel negotiated in the offer. Both over @roamhq/wrtc, samples alternating, on loopback. Each
// peer is a process of its own (bench/connect-peer.mjs), as on two machines: what one side does
// synchronously (creating a peer connection takes @roamhq/wrtc some 5 ms) does not hold up the other.
import { fork } from "node:child_process";
import { startGateway } from "../js/gateway/index.js";
import { startBareRelay } from "./bare-relay.mjs";
import { percentile, stepTimeLimit } from "./measure.mjs";

const within = stepTimeLimit("connect time");
const median = (values) => percentile([...values].sort((a, b) => a - b), 0.5);

/** Starts one side; resolves to {call(fn, ...args), quit()} once it is ready. */
async function startPeer(role) {
  const child = fork(new URL("./connect-peer.mjs", import.meta.url), [role], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const pending = new Map();
  let nextId = 0;
  let failed = null;
  const ready = new Promise((resolve, reject) => {
    child.on("message", (message) => {
      if (message.ready) return resolve();
      const call = pending.get(message.id);
      pending.delete(message.id);
      if (message.error) call?.reject(new Error(message.error));
      else call?.resolve(message.result);
    });
    child.once("exit", (code) => {
      failed = new Error(`connect-time bench: side ${role} exited (${code})`);
      reject(failed);
      for (const call of pending.values()) call.reject(failed);
    });
  });
  await within(30000, `side ${role}'s start`, ready);
  return {
    call: (fn, ...args) => {
      if (failed) return Promise.reject(failed);
      const id = nextId++;
      child.send({ id, fn, args });
      return within(30000, `${role}.${fn}`, new Promise((resolve, reject) => pending.set(id, { resolve, reject })));
    },
    quit: () => {
      child.kill();
      return new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once("exit", resolve)));
    },
  };
}

/** One connection on `path` from a to b; returns {ms: until open at both ends, connectedMs (Petrichor: both Peers)}. */
async function sample(a, b, path, target) {
  try {
    const { start, connected, open } = await a.call("connect", path, target);
    const { open: openAtB } = await b.call("opened", path);
    return { ms: Math.max(open, openAtB) - start, connectedMs: connected === null ? null : connected - start };
  } finally {
    await Promise.all([a.call("close"), b.call("close")]);
  }
}

/**
 * `rounds` rounds of `samples` connections on each path, alternating (which goes first alternates
 * too). Returns each path's p50/p95/p99 over all samples, Petrichor's time until a's Peer is connected,
 * and the ratio of medians in each round.
 */
export async function measureConnectTime({ rounds = 3, samples = 20 } = {}) {
  const gateway = await startGateway({ keys: { key: "org" } });
  const relay = await startBareRelay();
  const sides = [];
  try {
    sides.push(await startPeer("a"), await startPeer("b"));
    const [a, b] = sides;
    await a.call("setup", gateway.url, relay.url);
    const { sdkId, relayId } = await b.call("setup", gateway.url, relay.url);
    const times = { raw: [], petrichor: [], connected: [] };
    const ratios = [];
    for (let r = 0; r < rounds; r++) {
      const round = { raw: [], petrichor: [] };
      for (let s = 0; s < samples; s++) {
        for (const path of (r * samples + s) % 2 === 0 ? ["raw", "petrichor"] : ["petrichor", "raw"]) {
          const { ms, connectedMs } = await sample(a, b, path, path === "raw" ? relayId : sdkId);
          round[path].push(ms);
          if (connectedMs !== null) times.connected.push(connectedMs);
        }
      }
      times.raw.push(...round.raw);
      times.petrichor.push(...round.petrichor);
      ratios.push(median(round.petrichor) / median(round.raw));
    }
    const figures = (values) => {
      const sorted = [...values].sort((x, y) => x - y);
      return { p50Ms: percentile(sorted, 0.5), p95Ms: percentile(sorted, 0.95), p99Ms: percentile(sorted, 0.99), samples: sorted.length };
    };
    return { rounds, raw: figures(times.raw), petrichor: figures(times.petrichor), connected: figures(times.connected), ratio: median(ratios), ratios };
  } finally {
    await Promise.all(sides.map((side) => side.quit()));
    await relay.close();
    await gateway.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await measureConnectTime(), null, 2));
  process.exit(0);
}
