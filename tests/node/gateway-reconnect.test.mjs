// Liveness of the gateway connection (issue 14): the SDK's heartbeat notices a half-open socket, the
// SDK reconnects by itself with bounded backoff and keeps its peer id (resume, taking over its stale
// session), a restarted gateway with the same secret keeps everyone's ids, established peer links
// keep working meanwhile, and "close" comes only when reconnection is given up. Real gateways on
// loopback, real SDK instances in Node, real RTCPeerConnections (@roamhq/wrtc). Intervals are short
// here; deadlines are generous, and nothing is asserted about how fast things happen.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer, connect as tcpConnect } from "node:net";
import WebSocket from "ws";
import rainway, { PeerState, RainwayError } from "../../js/index.js";
import { startGateway } from "../../js/gateway/index.js";
import { nextEvent, until } from "../helpers/events.mjs";
import { link, roundTrip } from "../helpers/sdk-link.mjs";

const KEYS = { key: "org" };
const SECRET = "the tests' resume secret, 16+ bytes";
/**
 * Short intervals: a ping every 500 ms, dead after 3 s unanswered (room for a loaded machine's stalls,
 * which must not pass for a dead link); retries from 100 ms to 500 ms.
 */
const FAST = { heartbeatIntervalMs: 500, heartbeatTimeoutMs: 3000, reconnect: { minDelayMs: 100, maxDelayMs: 500 } };
const WAIT = 30_000;

/**
 * A TCP relay to `port` on loopback whose existing connections can be black-holed: their sockets stay
 * open at both ends but nothing flows any more, as when a NAT or a mobile network forgets a
 * connection. Connections made afterwards are relayed normally.
 */
async function blackHoleRelay(port) {
  const pairs = new Set();
  const server = createServer((downstream) => {
    const upstream = tcpConnect(port, "127.0.0.1");
    const pair = { downstream, upstream, dead: false };
    pairs.add(pair);
    downstream.on("data", (data) => pair.dead || upstream.write(data));
    upstream.on("data", (data) => pair.dead || downstream.write(data));
    const end = () => {
      if (pair.dead) return; // a black hole does not pass on an end either
      pairs.delete(pair);
      downstream.destroy();
      upstream.destroy();
    };
    for (const socket of [downstream, upstream]) {
      socket.on("error", () => {});
      socket.on("close", end);
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `ws://127.0.0.1:${server.address().port}/gateway`,
    blackHole() {
      for (const pair of pairs) pair.dead = true;
    },
    close() {
      for (const { downstream, upstream } of pairs) {
        downstream.destroy();
        upstream.destroy();
      }
      server.close();
    },
  };
}

/** Records a connection's liveness events as {name, args, at}. */
function record(connection) {
  const events = [];
  for (const name of ["reconnecting", "reconnected", "close", "resume-token"]) {
    connection.addEventListener(name, (...args) => events.push({ name, args, at: Date.now() }));
  }
  return events;
}

function assertRainwayError(error, message) {
  assert.ok(error instanceof RainwayError, `expected a RainwayError, got ${error}`);
  assert.equal(error.message, `Rainway SDK Error: ${message}`);
}

test("a half-open gateway connection is noticed by the heartbeat and the SDK reconnects with its id", { timeout: 120_000 }, async (t) => {
  // The gateway's own ping is slow here (60 s): the stale session is still there when the SDK comes
  // back, which must take it over.
  const gateway = await startGateway({ keys: KEYS, pingIntervalMs: 60_000 });
  t.after(() => gateway.close());
  const relay = await blackHoleRelay(gateway.port);
  t.after(() => relay.close());
  const host = await rainway.connect({ apiKey: "key", externalId: "host", gatewayUrl: gateway.url, ...FAST });
  const client = await rainway.connect({ apiKey: "key", externalId: "client", gatewayUrl: relay.url, ...FAST });
  t.after(() => {
    client.close();
    host.close();
  });
  const { peerOfFrom, local, remote } = await link(client, host);
  const id = client.id;
  const events = record(client);

  const lost = nextEvent(client, "reconnecting", WAIT);
  const back = nextEvent(client, "reconnected", WAIT);
  relay.blackHole();
  const [error, attempt, delayMs] = await lost;
  assertRainwayError(error, "The connection to the Rainway server was lost.");
  assert.equal(attempt, 1);
  assert.ok(delayMs >= 50 && delayMs <= 100, String(delayMs));
  assert.equal(client.reconnecting, true);
  const [newId, previousId] = await back;
  assert.equal(newId, id, "the same peer id (the stale session was taken over)");
  assert.equal(previousId, id);
  assert.equal(client.id, id);
  assert.equal(client.reconnecting, false);
  assert.equal(events.some((e) => e.name === "close"), false);

  // The peer link never depended on the gateway, and the client is reachable under its id.
  assert.equal(peerOfFrom.state, PeerState.Connected);
  await roundTrip(local, remote, "after the black hole");
  const third = await rainway.connect({ apiKey: "key", externalId: "third", gatewayUrl: gateway.url, ...FAST });
  t.after(() => third.close());
  const accepted = nextEvent(client, "peer-request", WAIT).then(([request]) => request.accept());
  const [peerOfThird] = await Promise.all([third.connect(id), accepted]);
  assert.equal(peerOfThird.id, id);
});

test("a gateway restart: every SDK reconnects with its id; established peer links keep working", { timeout: 120_000 }, async (t) => {
  let gateway = await startGateway({ keys: KEYS, resumeSecret: SECRET });
  const port = gateway.port;
  t.after(() => gateway.close());
  const host = await rainway.connect({ apiKey: "key", externalId: "host", gatewayUrl: gateway.url, ...FAST });
  const client = await rainway.connect({ apiKey: "key", externalId: "client", gatewayUrl: gateway.url, ...FAST });
  t.after(() => {
    client.close();
    host.close();
  });
  const { peerOfFrom, local, remote } = await link(client, host);
  const ids = [host.id, client.id];
  const events = [record(host), record(client)];
  const back = [nextEvent(host, "reconnected", WAIT), nextEvent(client, "reconnected", WAIT)];

  const lost = nextEvent(client, "reconnecting", WAIT);
  await gateway.close();
  const [error] = await lost;
  assertRainwayError(error, "The connection to the Rainway server was closed.");
  await assert.rejects(client.connect(host.id), (e) => e instanceof RainwayError && /reconnecting/.test(e.message));
  await roundTrip(local, remote, "while the gateway is down");

  gateway = await startGateway({ keys: KEYS, resumeSecret: SECRET, port });
  const [[hostId], [clientId]] = await Promise.all(back);
  assert.deepEqual([hostId, clientId], ids);
  assert.deepEqual([host.id, client.id], ids);
  for (const list of events) assert.equal(list.some((e) => e.name === "close"), false);
  assert.equal(peerOfFrom.state, PeerState.Connected);
  await roundTrip(remote, local, "after the restart");

  // Both are reachable again under their ids through the new gateway.
  const third = await rainway.connect({ apiKey: "key", externalId: "third", gatewayUrl: gateway.url, ...FAST });
  t.after(() => third.close());
  const accepted = nextEvent(host, "peer-request", WAIT).then(([request]) => request.accept());
  const [peerOfThird] = await Promise.all([third.connect(host.id), accepted]);
  assert.equal(peerOfThird.id, host.id);
});

test("when reconnection is given up: close with a RainwayError; the delays grow, stay bounded, and requests pending at the loss fail", { timeout: 120_000 }, async (t) => {
  const gateway = await startGateway({ keys: KEYS });
  const options = { apiKey: "key", gatewayUrl: gateway.url, heartbeatIntervalMs: 500, heartbeatTimeoutMs: 3000 };
  const reconnect = { minDelayMs: 100, maxDelayMs: 400, giveUpAfterMs: 2500 };
  const target = await rainway.connect({ ...options, reconnect: false });
  target.addEventListener("peer-request", () => {}); // left unanswered
  const connection = await rainway.connect({ ...options, reconnect });
  t.after(() => {
    connection.close();
    target.close();
  });
  const requested = nextEvent(target, "peer-request", WAIT);
  const pending = connection.connect(target.id);
  pending.catch(() => {});
  await requested;
  const events = record(connection);
  const closed = nextEvent(connection, "close", 60_000);
  await gateway.close();
  await assert.rejects(pending, (e) => e instanceof RainwayError && /was lost/.test(e.message));
  const [error] = await closed;
  assertRainwayError(error, "The connection to the Rainway server was closed.");

  const attempts = events.filter((e) => e.name === "reconnecting");
  assert.ok(attempts.length >= 2, `${attempts.length} attempts`);
  assert.deepEqual(attempts.map((e) => e.args[1]), attempts.map((_, i) => i + 1));
  for (const { args } of attempts) {
    const [reason, attempt, delayMs] = args;
    assert.ok(reason instanceof RainwayError);
    // Jitter takes each delay to between half and all of min × 2^(attempt - 1), capped at the max.
    const full = Math.min(reconnect.maxDelayMs, reconnect.minDelayMs * 2 ** (attempt - 1));
    assert.ok(delayMs <= full && delayMs >= 0, `attempt ${attempt}: ${delayMs} ms`);
    if (attempt < attempts.length) assert.ok(delayMs >= full / 2, `attempt ${attempt}: ${delayMs} ms`);
  }
  // Not given up before its time (a lower bound, which a slow machine cannot break).
  assert.ok(events.at(-1).at - attempts[0].at >= reconnect.giveUpAfterMs - 100, JSON.stringify(events.map((e) => e.at)));
  assert.equal(events.at(-1).name, "close");
  assert.equal(events.filter((e) => e.name === "close").length, 1);
  await assert.rejects(connection.connect(123n), (e) => e instanceof RainwayError && /was closed/.test(e.message));
});

test("reconnect: false: the first loss closes the connection, as in 0.5", async (t) => {
  const gateway = await startGateway({ keys: KEYS });
  const connection = await rainway.connect({ apiKey: "key", gatewayUrl: gateway.url, ...FAST, reconnect: false });
  t.after(() => connection.close());
  const events = record(connection);
  const closed = nextEvent(connection, "close", WAIT);
  await gateway.close();
  const [error] = await closed;
  assertRainwayError(error, "The connection to the Rainway server was closed.");
  assert.deepEqual(events.map((e) => e.name), ["close"]);
});

test("a session taken over with its resume token elsewhere is closed, not reconnected", async (t) => {
  const gateway = await startGateway({ keys: KEYS });
  t.after(() => gateway.close());
  const connection = await rainway.connect({ apiKey: "key", gatewayUrl: gateway.url, ...FAST });
  t.after(() => connection.close());
  const events = record(connection);
  const closed = nextEvent(connection, "close", WAIT);
  const thief = new WebSocket(gateway.url);
  t.after(() => thief.terminate());
  await new Promise((resolve, reject) => {
    thief.once("open", resolve);
    thief.once("error", reject);
  });
  const hello = new Promise((resolve) => thief.once("message", (data) => resolve(JSON.parse(String(data)))));
  thief.send(JSON.stringify({ type: "hello", version: 2, apiKey: "key", resumeToken: connection.resumeToken, takeOver: true }));
  assert.equal((await hello).peerId, String(connection.id));
  const [error] = await closed;
  assertRainwayError(error, "The connection to the Rainway server was closed: another connection took over this peer id with its resume token.");
  assert.deepEqual(events.map((e) => e.name), ["close"]);
});

test("a Node process whose only handle is a reconnecting connection stays up until it gives up", { timeout: 60_000 }, async (t) => {
  const gateway = await startGateway({ keys: KEYS });
  t.after(() => gateway.close());
  const script = `
    import rainway from ${JSON.stringify(new URL("../../js/index.js", import.meta.url).href)};
    const connection = await rainway.connect({ apiKey: "key", gatewayUrl: process.argv[1],
      reconnect: { minDelayMs: 100, maxDelayMs: 200, giveUpAfterMs: 1500 } });
    connection.addEventListener("reconnecting", (error, attempt) => console.log("reconnecting " + attempt));
    connection.addEventListener("close", () => console.log("close"));
    console.log("ready");
  `;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script, gateway.url], { stdio: ["ignore", "pipe", "inherit"] });
  t.after(() => child.kill("SIGKILL"));
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  await until(() => output.includes("ready"), WAIT);
  await gateway.close();
  assert.equal(await exited, 0);
  const lines = output.trim().split("\n");
  assert.equal(lines.at(-1), "close", output);
  assert.ok(lines.filter((line) => line.startsWith("reconnecting")).length >= 1, output);
});

test("reconnect and heartbeat options are checked", async () => {
  const base = { apiKey: "key", gatewayUrl: "ws://127.0.0.1:9/gateway" };
  for (const [options, pattern] of [
    [{ reconnect: "yes" }, /reconnect must be true, false or an object/],
    [{ reconnect: { minDelayMs: 0 } }, /minDelayMs and maxDelayMs/],
    [{ reconnect: { minDelayMs: 500, maxDelayMs: 100 } }, /minDelayMs <= maxDelayMs/],
    [{ reconnect: { giveUpAfterMs: -1 } }, /giveUpAfterMs/],
    [{ heartbeatIntervalMs: -1 }, /heartbeatIntervalMs/],
    [{ heartbeatTimeoutMs: 0 }, /heartbeatTimeoutMs/],
  ]) {
    await assert.rejects(rainway.connect({ ...base, ...options }), (e) => e instanceof RainwayError && pattern.test(e.message), JSON.stringify(options));
  }
});
