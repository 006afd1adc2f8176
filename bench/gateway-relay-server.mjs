// The server side of the gateway relay bench, run as a child process so that its CPU and memory are
// its own: either the real gateway (argv[2] "gateway") or the baseline, a bare `ws` relay that
// forwards each message to the socket named in it without checking anything (argv[2] "bare").
// Answers the parent's IPC requests: "stats" → {cpuUs, heapBytes, rssBytes, loopDelayP99Ms (since the last
// stats)}; "memory" → the same after a full GC.
import { createServer } from "node:http";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { WebSocketServer } from "ws";
import { startGateway } from "../js/gateway/index.js";

const kind = process.argv[2];

async function startBareRelay() {
  const server = createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false, clientTracking: false });
  const sockets = new Map(); // id → ws
  let nextId = 1;
  wss.on("connection", (ws) => {
    const id = String(nextId++);
    sockets.set(id, ws);
    ws.on("close", () => sockets.delete(id));
    ws.on("message", (data) => {
      const message = JSON.parse(data.toString("utf8"));
      if (message.type === "hello") {
        ws.send(JSON.stringify({ type: "hello", version: 2, peerId: id }));
        return;
      }
      const target = sockets.get(message.target);
      if (!target) return;
      const forwarded = { ...message, source: id };
      delete forwarded.target;
      target.send(JSON.stringify(forwarded));
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `ws://127.0.0.1:${server.address().port}/gateway`, apiKey: "none" };
}

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
process.send({ ready: started });
