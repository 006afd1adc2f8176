// The server side of the gateway relay bench, run as a child process so that its CPU and memory are
// its own: either the real gateway (argv[2] "gateway") or the baseline, a bare `ws` relay that
// forwards each message to the socket named in it without checking anything (argv[2] "bare").
// Answers the parent's IPC requests: "stats" → {cpuUs, heapBytes, rssBytes, loopDelayP99Ms (since the last
// stats)}; "memory" → the same after a full GC.
import { monitorEventLoopDelay } from "node:perf_hooks";
import { startBareRelay } from "./bare-relay.mjs";
import { startGateway } from "../js/gateway/index.js";

const kind = process.argv[2];

async function startRealGateway() {
  const gateway = await startGateway({
    port: 0,
    // The bench's clients come from 127.0.0.0/8 addresses of a thousand each; hellos arrive in bursts.
    limits: { maxHandshakesPerAddress: 1024 },
  });
  return { url: gateway.url, apiKey: gateway.devKey };
}

const started = kind === "bare" ? await startBareRelay() : await startRealGateway();
const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();
process.on("message", (request) => {
  if (request === "stats" || request === "memory") {
    // A full GC only for the memory figures: one during the relay window stalled it for up to 450 ms.
    if (request === "memory") globalThis.gc?.();
    const cpu = process.cpuUsage();
    const memory = process.memoryUsage();
    const loopDelayP99Ms = loop.percentile(99) / 1e6;
    loop.reset();
    process.send({ cpuUs: cpu.user + cpu.system, heapBytes: memory.heapUsed + memory.external + memory.arrayBuffers, rssBytes: memory.rss, loopDelayP99Ms });
  } else if (request === "exit") {
    process.exit(0); // a normal exit, so that --cpu-prof writes its profile
  }
});
process.send({ ready: { url: started.url, apiKey: started.apiKey } });
