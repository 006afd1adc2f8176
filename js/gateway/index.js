// Petrichor gateway: the signaling server SDK instances connect to (docs/PROTOCOL.md, "Gateway
// protocol"). startGateway() either listens on its own HTTP (or, given tls, HTTPS) server or shares an
// existing one.
import { createServer } from "node:http";
import { Server as HttpsServer, createServer as createHttpsServer } from "node:https";
import { AttemptTable } from "./attempts.js";
import { ClusterRouter } from "./cluster-router.js";
import { MAX_ICE_SERVERS, normalizeIceServers, resolveKeys } from "./config.js";
import { FailedHelloThrottle } from "./failed-hellos.js";
import { resolveLimits } from "./limits.js";
import { OriginPolicy } from "./origins.js";
import { PeerRegistry } from "./peers.js";
import { RedisCluster, resolveRedisOptions } from "./redis-cluster.js";
import { ResumeTokens, resolveResumeSecret } from "./resume-tokens.js";
import { Router } from "./router.js";
import { GatewaySocketServer } from "./server.js";
import { resolveTurn } from "./turn.js";

export { AlertCode, MAX_VERSION, MIN_VERSION } from "./protocol.js";
export { DEFAULT_ACCESS_TOKEN_TTL_SECONDS, MAX_ACCESS_TOKEN_TTL_SECONDS, mintAccessToken } from "./access-tokens.js";
export { DEFAULT_LIMITS } from "./limits.js";
export { RESUME_TOKEN_TTL_MS } from "./resume-tokens.js";
export { DEFAULT_TURN_TTL_SECONDS } from "./turn.js";

const HELLO_TIMEOUT_MS = 10_000;
const PING_INTERVAL_MS = 15_000;

/**
 * Starts a gateway. Resolves to {url, port, close(), devKey?}; see index.d.ts for the options.
 */
export async function startGateway({
  port = 0,
  host = "127.0.0.1",
  keys,
  iceServers = [],
  path = "/gateway",
  server,
  log,
  helloTimeoutMs = HELLO_TIMEOUT_MS,
  pingIntervalMs = PING_INTERVAL_MS,
  limits: limitOverrides,
  allowedOrigins,
  resumeSecret,
  resumeTokenTtlMs,
  tls,
  turn: turnOption,
  redis,
} = {}) {
  if (typeof path !== "string" || !path.startsWith("/")) throw new TypeError('path must start with "/".');
  for (const [name, value] of [["helloTimeoutMs", helloTimeoutMs], ["pingIntervalMs", pingIntervalMs]]) {
    if (!Number.isFinite(value) || value <= 0) throw new TypeError(`${name} must be a positive number.`);
  }
  const turn = resolveTurn(turnOption);
  const announced = normalizeIceServers(iceServers);
  if (turn && announced.length >= MAX_ICE_SERVERS) {
    throw new TypeError(`With turn, at most ${MAX_ICE_SERVERS - 1} iceServers are allowed (a hello holds at most ${MAX_ICE_SERVERS}, the TURN server included).`);
  }
  const limits = resolveLimits(limitOverrides);
  const redisOptions = resolveRedisOptions(redis);
  const origins = new OriginPolicy(allowedOrigins);
  const report = safeLogger(log);
  const { keyring, devKey } = resolveKeys(keys);
  if (devKey) report("info", `no API keys configured; development key (organisation "development"): ${devKey}`);
  const { secret, generated } = resolveResumeSecret(resumeSecret);
  const tokens = new ResumeTokens({ secret, ttlMs: resumeTokenTtlMs });
  if (generated) report("info", "resume tokens are signed with a generated secret: they are honoured until this gateway stops (set resumeSecret or PETRICHOR_RESUME_SECRET to keep them across restarts)");
  const failedHellos = new FailedHelloThrottle({
    free: limits.failedHellosBeforeDelay,
    delayMs: limits.failedHelloDelayMs,
    maxDelayMs: limits.maxFailedHelloDelayMs,
    forgetMs: limits.failedHelloForgetMs,
  });
  const routerOptions = {
    keyring,
    iceServers: announced,
    turn,
    registry: new PeerRegistry(),
    tokens,
    attempts: new AttemptTable({
      maxPending: limits.maxPendingPerRequester,
      maxPendingPerTarget: limits.maxPendingPerTarget,
      pendingTimeoutMs: limits.pendingAttemptTimeoutMs,
    }),
    failedHellos,
    log: report,
  };
  let router;
  let cluster = null;
  if (redisOptions) {
    if (generated) report("warn", "with redis, give every gateway the same resumeSecret: tokens signed with a generated one are honoured by this process only");
    cluster = await RedisCluster.connect(redisOptions, clusterHandlers(() => router, report));
    router = new ClusterRouter({ ...routerOptions, cluster });
    report("info", `gateway process ${cluster.processId} linked to the other gateways through ${cluster.url}`);
  } else {
    router = new Router(routerOptions);
  }
  const sockets = new GatewaySocketServer({
    router,
    path,
    helloTimeoutMs,
    pingIntervalMs,
    log: report,
    limits,
    origins,
    failedHellos,
  });

  const ownsServer = !server;
  const refuse = (request, response) => refuseHttp(request, response, path);
  const http = server ?? (tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, refuse) : createServer(refuse));
  const scheme = http instanceof HttpsServer ? "wss" : "ws";
  const onUpgrade = (request, socket, head) => sockets.handleUpgrade(request, socket, head);
  http.on("upgrade", onUpgrade);
  if (ownsServer) {
    try {
      await listen(http, port, host);
    } catch (error) {
      http.off("upgrade", onUpgrade);
      await sockets.close();
      await cluster?.close();
      throw error;
    }
    http.on("error", (error) => report("error", `gateway HTTP server: ${error.message}`));
  }

  // Read from the server once it listens (an attached server may start listening later), then kept,
  // so that url and port stay readable after close().
  let address = http.listening ? listeningAddress(http) : null;
  const listening = () => (address ??= listeningAddress(http));
  let closing = null;
  const gateway = {
    /** ws:// (wss:// over TLS) URL of the gateway, e.g. ws://127.0.0.1:8080/gateway. */
    get url() {
      const { family, address: ip, port } = listening();
      return `${scheme}://${family === "IPv6" ? `[${ip}]` : ip}:${port}${path}`;
    },
    get port() {
      return listening().port;
    },
    close() {
      closing ??= (async () => {
        http.off("upgrade", onUpgrade);
        const stopped = ownsServer ? new Promise((resolve) => http.close(() => resolve())) : null;
        await sockets.close();
        await cluster?.close(); // after every peer left: this process's presence goes with it
        if (ownsServer) {
          http.closeAllConnections?.(); // idle keep-alive HTTP connections would hold close() open
          await stopped;
        }
        report("info", "gateway closed");
      })();
      return closing;
    },
  };
  if (devKey) gateway.devKey = devKey;
  report("info", `gateway listening on ${ownsServer || http.listening ? gateway.url : path}`);
  return gateway;
}

function listen(http, port, host) {
  return new Promise((resolve, reject) => {
    const failed = (error) => reject(error);
    http.once("error", failed);
    http.listen(port, host, () => {
      http.off("error", failed);
      resolve();
    });
  });
}

function listeningAddress(http) {
  const address = http.address();
  if (!address || typeof address === "string") throw new Error("the gateway's HTTP server is not listening on a TCP port");
  return address;
}

/** Plain HTTP requests to the gateway's own server: the gateway path wants an upgrade, others do not exist. */
function refuseHttp(request, response, path) {
  let pathname = null;
  try {
    pathname = new URL(request.url, "http://gateway.invalid").pathname;
  } catch {}
  if (pathname === path) {
    response.writeHead(426, { Upgrade: "websocket", "Content-Type": "text/plain" }).end("WebSocket upgrade required\n");
  } else {
    response.writeHead(404, { "Content-Type": "text/plain" }).end("not found\n");
  }
}

/** What the Redis link calls in the router; a failure is logged, never thrown into the link. */
function clusterHandlers(router, report) {
  const guarded = (name, work) => (...args) => {
    try {
      Promise.resolve(work(...args)).catch((error) => report("error", `internal error in ${name}: ${error?.stack ?? error}`));
    } catch (error) {
      report("error", `internal error in ${name}: ${error?.stack ?? error}`);
    }
  };
  return {
    onEnvelope: guarded("a message from another gateway", (envelope) => router()?.arrive(envelope)),
    onLive: guarded("the live gateways' update", (live) => router()?.processesAlive(live)),
    onDetached: guarded("the loss of the Redis link", () => router()?.detached()),
    onAttached: guarded("the return of the Redis link", () => router()?.attached()),
    log: report,
  };
}

/** A logger that can never throw into the gateway. */
function safeLogger(log) {
  if (typeof log !== "function") return () => {};
  return (level, message) => {
    try {
      log(level, message);
    } catch {}
  };
}
