// The network layer end to end: SDK instances in Node connect through a real gateway on loopback
// and hold real RTCPeerConnections (@roamhq/wrtc).
import { after, afterEach, before, test } from "node:test";
import assert from "node:assert/strict";
import { WebSocketServer } from "ws";
import rainway, { PeerState, RainwayError } from "../../js/index.js";
import { startGateway } from "../../js/gateway/index.js";
import { nextEvent } from "../helpers/events.mjs";

const KEYS = { key_a1: "org-a", key_a2: "org-a", key_b: "org-b" };
let gateway;
const open = []; // connections to close after each test

before(async () => {
  gateway = await startGateway({ keys: KEYS });
});

after(async () => {
  await gateway?.close();
});

afterEach(() => {
  for (const connection of open.splice(0)) connection.close();
});

async function client(apiKey, externalId, options = {}) {
  const connection = await rainway.connect({ apiKey, externalId, gatewayUrl: gateway.url, ...options });
  open.push(connection);
  return connection;
}

async function rejection(promise, ms = 10000) {
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms));
  const error = await Promise.race([promise.then(() => null, (e) => e), timeout]);
  assert.ok(error, "expected a rejection");
  return error;
}

function assertRainwayError(error, message) {
  assert.ok(error instanceof RainwayError, `expected a RainwayError, got ${error}`);
  assert.equal(error.name, "RainwayError");
  assert.equal(error.message, `Rainway SDK Error: ${message}`);
}

async function connectPair() {
  const a = await client("key_a1", "alice");
  const b = await client("key_a2", "bob");
  const accepted = nextEvent(b, "peer-request").then(([request]) => {
    assert.equal(request.id, a.id);
    assert.equal(request.externalId, "alice");
    return request.accept();
  });
  const [peerOfA, peerOfB] = await Promise.all([a.connect(b.id), accepted]);
  return { a, b, peerOfA, peerOfB };
}

test("rainway.connect gives each client a 63-bit peer id", async () => {
  const a = await client("key_a1", "alice");
  const b = await client("key_a1", "bob");
  assert.equal(typeof a.id, "bigint");
  assert.ok(a.id > 0n && a.id < 2n ** 63n);
  assert.notEqual(a.id, b.id);
  assert.equal(a.externalId, "alice");
  assert.deepEqual(a.peers, []);
  assert.equal(typeof rainway.version, "string");
});

test("two clients connect: the target accepts, both peers are Connected with the right ids", async () => {
  const { a, b, peerOfA, peerOfB } = await connectPair();
  assert.equal(peerOfA.id, b.id);
  assert.equal(peerOfA.externalId, "bob");
  assert.equal(peerOfB.id, a.id);
  assert.equal(peerOfB.externalId, "alice");
  assert.equal(peerOfA.state, PeerState.Connected);
  assert.equal(peerOfB.state, PeerState.Connected);
  assert.deepEqual(a.peers, [peerOfA]);
  assert.deepEqual(b.peers, [peerOfB]);
  assert.equal(peerOfA.connection, a);
  assertRainwayError(await rejection(a.connect(b.id)), `Already connected to ${b.id}`);
});

test("closing a peer reaches the other side: Failed, then close", async () => {
  const { a, b, peerOfA, peerOfB } = await connectPair();
  const remoteState = nextEvent(peerOfB, "connection-state-change", 15000);
  const remoteClose = nextEvent(peerOfB, "close", 15000);
  const localClose = nextEvent(peerOfA, "close");
  peerOfA.close();
  await localClose;
  assert.equal(peerOfA.state, PeerState.Failed);
  assert.deepEqual(a.peers, []);
  assert.throws(() => peerOfA.connection, (e) => e.message === "Rainway SDK Error: Peer's RainwayConnection was disposed.");
  const [state] = await remoteState;
  assert.ok(state === PeerState.Disconnected || state === PeerState.Failed);
  await remoteClose;
  assert.deepEqual(b.peers, []);
});

test("a rejected request fails with the target's reason", async () => {
  const a = await client("key_a1", "alice");
  const b = await client("key_a2", "bob");
  b.addEventListener("peer-request", (request) => request.reject("not today"));
  assertRainwayError(await rejection(a.connect(b.id)), `The peer at ${b.id} rejected the connection, with reason: not today`);
  assert.deepEqual(a.peers, []);
});

test("cancelConnectionAttempt rejects the pending connect and withdraws the request", async () => {
  const a = await client("key_a1", "alice");
  const b = await client("key_a2", "bob");
  const requested = nextEvent(b, "peer-request");
  const pending = a.connect(b.id);
  const [request] = await requested;
  a.cancelConnectionAttempt(b.id);
  assertRainwayError(await rejection(pending), "The connection attempt was canceled.");
  // The withdrawal reaches the target: answering afterwards fails instead of hanging.
  await new Promise((resolve) => setTimeout(resolve, 200));
  assertRainwayError(await rejection(request.accept()), "The connection attempt was canceled.");
});

test("an offline target fails fast", async () => {
  const a = await client("key_a1", "alice");
  const started = Date.now();
  assertRainwayError(await rejection(a.connect(1234567890123n), 5000), "The target peer is not connected to Rainway.");
  assert.ok(Date.now() - started < 5000);
});

test("organisations are isolated: another key's peer looks offline and is never asked", async () => {
  const a = await client("key_a1", "alice");
  const stranger = await client("key_b", "mallory");
  let asked = false;
  a.addEventListener("peer-request", () => {
    asked = true;
  });
  assertRainwayError(await rejection(stranger.connect(a.id)), "The target peer is not connected to Rainway.");
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(asked, false);
});

test("connect() to a peer that never answers times out with the configured timeout", async () => {
  const a = await client("key_a1", "alice", { connectTimeoutMs: 400 });
  const b = await client("key_a2", "bob");
  const requested = nextEvent(b, "peer-request"); // seen, never answered
  const error = await rejection(a.connect(b.id));
  assertRainwayError(error, `The connection attempt to ${b.id} timed out after 400 ms.`);
  // The requester withdrew the request when it gave up, so the target cannot answer it any more.
  const [request] = await requested;
  await new Promise((resolve) => setTimeout(resolve, 200));
  assertRainwayError(await rejection(request.accept()), "The connection attempt was canceled.");
});

test("bad input and failures are RainwayErrors with specific messages", async () => {
  assertRainwayError(await rejection(rainway.connect({ apiKey: "nope", gatewayUrl: gateway.url })), "The Rainway API key is invalid.");
  assertRainwayError(await rejection(rainway.connect({ apiKey: "", gatewayUrl: gateway.url })), "The Rainway API key is invalid.");
  assertRainwayError(await rejection(rainway.connect(undefined)), "rainway.connect(options) needs an options object with an apiKey.");
  assertRainwayError(
    await rejection(rainway.connect({ apiKey: "key_a1", gatewayUrl: "ws://127.0.0.1:9/gateway" })),
    "Could not connect to the Rainway API.",
  );
  const a = await client("key_a1", "alice");
  assertRainwayError(await rejection(a.connect("not a number")), "Invalid peer id not a number: expected a positive 63-bit integer (bigint).");
  assertRainwayError(await rejection(a.connect(a.id)), `Couldn't request a connection to ${a.id}: PT_ERR_BAD_VALUE`);
});

test("a gateway that never says hello: rainway.connect times out", async () => {
  const silent = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await new Promise((resolve) => silent.once("listening", resolve));
  try {
    const url = `ws://127.0.0.1:${silent.address().port}/gateway`;
    const error = await rejection(rainway.connect({ apiKey: "key_a1", gatewayUrl: url, connectTimeoutMs: 300 }));
    assertRainwayError(error, "Connecting to the Rainway gateway timed out after 300 ms.");
  } finally {
    for (const socket of silent.clients) socket.terminate();
    silent.close();
  }
});

test("a Node client keeps its peer id when it presents its resume token", async () => {
  const first = await client("key_a1", "alice");
  const { id, resumeToken } = first;
  assert.match(resumeToken, /^[A-Za-z0-9_.-]+$/);
  first.close();
  await new Promise((resolve) => setTimeout(resolve, 100));
  const again = await client("key_a1", "alice", { resumeToken });
  assert.equal(again.id, id);
});

test("reconnect: false (0.5's behaviour): when the gateway stops, every connection gets close with a RainwayError and peer links survive", async () => {
  const own = await startGateway({ keys: KEYS });
  const a = await rainway.connect({ apiKey: "key_a1", externalId: "alice", gatewayUrl: own.url, reconnect: false });
  const b = await rainway.connect({ apiKey: "key_a2", externalId: "bob", gatewayUrl: own.url, reconnect: false });
  b.addEventListener("peer-request", (request) => request.accept());
  const peerOfA = await a.connect(b.id);
  let peerClosed = false;
  peerOfA.addEventListener("close", () => {
    peerClosed = true;
  });
  const closes = [nextEvent(a, "close"), nextEvent(b, "close")];
  await own.close();
  for (const [error] of await Promise.all(closes)) {
    assertRainwayError(error, "The connection to the Rainway server was closed.");
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(peerClosed, false);
  assert.equal(peerOfA.state, PeerState.Connected);
  assert.equal(b.peers[0]?.state, PeerState.Connected);
  assertRainwayError(await rejection(a.connect(12345n)), "The connection to the Rainway server was closed.");
  a.close();
  b.close();
});

test("without gatewayUrl, globalThis.PETRICHOR_GATEWAY_URL and then the environment variable are used", async () => {
  const saved = process.env.PETRICHOR_GATEWAY_URL;
  try {
    globalThis.PETRICHOR_GATEWAY_URL = gateway.url;
    process.env.PETRICHOR_GATEWAY_URL = "ws://127.0.0.1:9/not-used";
    const viaGlobal = await rainway.connect({ apiKey: "key_a1" });
    open.push(viaGlobal);
    assert.ok(viaGlobal.id > 0n);
    delete globalThis.PETRICHOR_GATEWAY_URL;
    process.env.PETRICHOR_GATEWAY_URL = gateway.url;
    const viaEnvironment = await rainway.connect({ apiKey: "key_a1" });
    open.push(viaEnvironment);
    assert.ok(viaEnvironment.id > 0n);
    delete process.env.PETRICHOR_GATEWAY_URL;
    assertRainwayError(await rejection(rainway.connect({ apiKey: "key_a1" })), "No gateway URL: pass gatewayUrl, or set PETRICHOR_GATEWAY_URL.");
  } finally {
    delete globalThis.PETRICHOR_GATEWAY_URL;
    if (saved === undefined) delete process.env.PETRICHOR_GATEWAY_URL;
    else process.env.PETRICHOR_GATEWAY_URL = saved;
  }
});

test("log events carry (level, target, message)", async () => {
  const lines = [];
  const handler = (level, target, message) => lines.push({ level, target, message });
  rainway.addEventListener("log", handler);
  try {
    const a = await client("key_a1", "alice");
    assert.ok(lines.some((l) => l.level === 3 && l.target === "Gateway" && l.message.includes(String(a.id))));
  } finally {
    rainway.removeEventListener("log", handler);
  }
});

test("reconnect: false: a gateway connection lost without a close frame: close event says lost, pending connects fail", async () => {
  // A relay between client and gateway lets the test cut the client's TCP connection.
  const relay = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await new Promise((resolve) => relay.once("listening", resolve));
  const { default: WebSocket } = await import("ws");
  relay.on("connection", (downstream) => {
    const upstream = new WebSocket(gateway.url);
    const pending = [];
    upstream.on("open", () => pending.splice(0).forEach((m) => upstream.send(m)));
    downstream.on("message", (m) => (upstream.readyState === 1 ? upstream.send(String(m)) : pending.push(String(m))));
    upstream.on("message", (m) => downstream.readyState === 1 && downstream.send(String(m)));
    downstream.on("close", () => upstream.close());
  });
  try {
    const url = `ws://127.0.0.1:${relay.address().port}/gateway`;
    const a = await rainway.connect({ apiKey: "key_a1", externalId: "alice", gatewayUrl: url, reconnect: false });
    const b = await client("key_a2", "bob");
    b.addEventListener("peer-request", () => {}); // never answered: a's attempt stays pending
    const requested = nextEvent(b, "peer-request");
    const pending = a.connect(b.id);
    await requested;
    const closed = nextEvent(a, "close");
    for (const socket of relay.clients) socket.terminate();
    const [error] = await closed;
    assertRainwayError(error, "The connection to the Rainway server was lost.");
    assertRainwayError(await rejection(pending), "The connection to the Rainway server was lost.");
    a.close();
  } finally {
    relay.close();
  }
});
