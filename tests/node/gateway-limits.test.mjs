// The gateway's limits (js/gateway/limits.js, docs/SECURITY.md "The gateway") against real
// WebSocket clients on loopback, one regression test per attack of issue 14: a message flooder, a
// client that never reads, unanswered connection attempts, per-address connection and handshake
// caps, API-key guessing, the Origin allow-list, and one organisation's churn against another's
// resume tokens. Attackers that must not share the test's event loop (the flooder) and a gateway
// whose memory is measured run in child processes.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join as joinPath } from "node:path";
import WebSocket from "ws";
import { DEFAULT_LIMITS, startGateway } from "../../js/gateway/index.js";
import { ROOT } from "../helpers/paths.mjs";
import { GatewayClient, waitGone } from "../helpers/gateway-client.mjs";

const WAIT_MS = 5000;
const KEY_A = "pk_limits_a";
const KEY_B = "pk_limits_b";
const KEYS = { [KEY_A]: "org-a", [KEY_B]: "org-b" };
const INVALID_KEY = "The Rainway API key is invalid.";

const children = new Set();
after(() => {
  for (const child of children) child.kill("SIGKILL");
});

/** The gateway's raw client, waiting WAIT_MS by default. */
class Client extends GatewayClient {
  static open(url, options = {}) {
    return super.open(url, options, WAIT_MS);
  }
}

async function startTestGateway(options = {}) {
  const gateway = await startGateway({ keys: KEYS, ...options });
  after(() => gateway.close());
  return gateway;
}

/** Opens a client (closed after the tests) and exchanges hellos. */
async function join(url, hello = {}, options = {}) {
  const client = await Client.open(url, options);
  after(() => client.ws.terminate());
  client.send({ type: "hello", version: 1, apiKey: KEY_A, ...hello });
  const reply = await client.next();
  assert.equal(reply.type, "hello", `expected a hello, got ${JSON.stringify(reply)}`);
  client.peerId = reply.peerId;
  client.resumeToken = reply.resumeToken;
  return client;
}


/** Runs an ES module script in a child Node process (cwd: the repository, so "ws" resolves). */
function runScript(script, args, { nodeOptions = [], ipc = false } = {}) {
  const child = spawn(process.execPath, [...nodeOptions, "--input-type=module", "-e", script, ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit", ...(ipc ? ["ipc"] : [])],
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

/** The JSON lines a child prints, as an async queue of messages (null once its output ended). */
function jsonLines(child) {
  const lines = [];
  const waiters = [];
  let buffered = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("end", () => {
    while (waiters.length > 0) waiters.shift()(null);
    lines.push(null);
  });
  child.stdout.on("data", (chunk) => {
    buffered += chunk;
    let newline;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const line = JSON.parse(buffered.slice(0, newline));
      buffered = buffered.slice(newline + 1);
      if (waiters.length > 0) waiters.shift()(line);
      else lines.push(line);
    }
  });
  return (ms = 60_000) =>
    lines.length > 0
      ? Promise.resolve(lines.shift())
      : new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error("the child printed nothing in time")), ms);
          waiters.push((line) => {
            clearTimeout(timer);
            resolve(line);
          });
        });
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------- message rate

// A flooder in its own process, speaking WebSocket by hand so that flooding costs it next to
// nothing: on each of `connections` sockets, it says hello, then writes tiny masked frames (the
// invalid message "x") as fast as TCP takes them until the gateway closes it, prints what happened
// to that connection and connects again, until SIGTERM.
const FLOODER = `
import { connect as tcp } from "node:net";
import { randomBytes } from "node:crypto";
const [url, apiKey, connections] = process.argv.slice(1);
const { hostname, port, pathname } = new URL(url);
const frame = (text) => {
  const payload = Buffer.from(text);
  const mask = randomBytes(4);
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, payload.map((b, i) => b ^ mask[i % 4])]);
};
const floodChunk = Buffer.concat(Array.from({ length: 9000 }, () => frame("x")));
let stopping = false;
let announced = false;
function run() {
  const socket = tcp(Number(port), hostname);
  const result = { sent: 0, warnings: 0, fatal: null, code: 1006, seconds: 0 };
  let startedAt = 0;
  let input = Buffer.alloc(0);
  let upgraded = false;
  socket.on("error", () => {});
  socket.on("connect", () =>
    socket.write(
      "GET " + pathname + " HTTP/1.1\\r\\nHost: " + hostname + "\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\n" +
        "Sec-WebSocket-Key: " + randomBytes(16).toString("base64") + "\\r\\nSec-WebSocket-Version: 13\\r\\n\\r\\n",
    ),
  );
  socket.on("data", (data) => {
    input = Buffer.concat([input, data]);
    if (!upgraded) {
      const end = input.indexOf("\\r\\n\\r\\n");
      if (end < 0) return;
      upgraded = true;
      input = input.subarray(end + 4);
      socket.write(frame(JSON.stringify({ type: "hello", version: 1, apiKey })));
    }
    // Server frames are unmasked, with a 7-bit or 16-bit length: text (alerts) or close.
    while (input.length >= 2) {
      const opcode = input[0] & 0x0f;
      let length = input[1] & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (input.length < 4) return;
        length = input.readUInt16BE(2);
        offset = 4;
      }
      if (input.length < offset + length) return;
      const payload = input.subarray(offset, offset + length);
      input = input.subarray(offset + length);
      if (opcode === 0x8 && payload.length >= 2) result.code = payload.readUInt16BE(0);
      else if (opcode === 0x1) handle(JSON.parse(payload.toString()));
    }
  });
  function handle(message) {
    if (message.type === "hello") {
      if (!announced) console.log(JSON.stringify({ flooding: (announced = true) }));
      startedAt = performance.now();
      flood();
    } else if (message.level === "warning") result.warnings++;
    else if (message.level === "fatal") result.fatal = message;
  }
  function flood() {
    while (!socket.destroyed && socket.write(floodChunk)) result.sent += 9000;
    if (!socket.destroyed) result.sent += 9000; // the chunk that filled the buffer was taken too
  }
  socket.on("drain", flood);
  socket.on("close", () => {
    if (stopping) return;
    result.seconds = (performance.now() - startedAt) / 1000;
    if (startedAt > 0) console.log(JSON.stringify(result));
    run();
  });
}
for (let i = 0; i < Number(connections); i++) run();
process.on("SIGTERM", () => {
  stopping = true;
  process.exit(0);
});
`;

test("message rate: clients flooding small invalid messages are cut off (4020) after a bounded number; others' relays all arrive", async (t) => {
  const gateway = await startTestGateway();
  const alice = await join(gateway.url);
  const bob = await join(gateway.url);
  const flooder = runScript(FLOODER, [gateway.url, KEY_A, "2"]);
  const output = jsonLines(flooder);
  assert.deepEqual(await output(), { flooding: true });

  // Others' round trips through the gateway while the flood goes on (paced to stay within their
  // own rate): connect, then reject.
  const roundTrips = [];
  for (let i = 0; i < 150; i++) {
    const started = performance.now();
    alice.send({ type: "connect", requestId: `r${i}`, target: bob.peerId });
    await bob.next((m) => m.type === "request" && m.requestId === `r${i}`);
    bob.send({ type: "reject", requestId: `r${i}`, target: alice.peerId, reason: "" });
    await alice.next((m) => m.type === "reject" && m.requestId === `r${i}`);
    roundTrips.push(performance.now() - started);
    await sleep(20);
  }
  const finished = [await output()]; // at least one flooding connection was cut off
  flooder.kill("SIGTERM");
  for (let run = await output(); run !== null; run = await output()) finished.push(run);
  const sent = finished.reduce((sum, run) => sum + run.sent, 0);
  const handled = finished.reduce((sum, run) => sum + run.warnings, 0);
  t.diagnostic(
    `flooders: ${finished.length} connections cut, ${sent} messages sent, ${handled} handled; ` +
      `others' round trips: p50 ${percentile(roundTrips, 50).toFixed(1)} ms, p99 ${percentile(roundTrips, 99).toFixed(1)} ms, ` +
      `max ${Math.max(...roundTrips).toFixed(1)} ms`,
  );
  const { refusedBurst, refusedPerSecond } = DEFAULT_LIMITS;
  for (const run of finished) {
    assert.equal(run.code, 4020, JSON.stringify(run));
    assert.equal(run.fatal?.code, 20, JSON.stringify(run));
    assert.match(run.fatal.message, /^Too many (refused )?messages/);
    // Each invalid message the gateway decoded got a warning: no more than the refusal burst and
    // rate over the time the connection lasted were decoded, of all it sent.
    assert.ok(run.warnings <= refusedBurst + refusedPerSecond * run.seconds + 1, JSON.stringify(run));
  }
  assert.ok(sent >= 10 * handled, `${sent} sent, ${handled} handled`);
  assert.equal(roundTrips.length, 150);
  assert.equal(alice.ws.readyState, WebSocket.OPEN);
  assert.equal(bob.ws.readyState, WebSocket.OPEN);
});

test("message rate: a burst beyond the rate is delayed, in order, not dropped", async () => {
  const limits = { messagesPerSecond: 100, messageBurst: 100 };
  const gateway = await startTestGateway({ limits });
  const alice = await join(gateway.url);
  const bob = await join(gateway.url);
  alice.send({ type: "connect", requestId: "call", target: bob.peerId });
  await bob.next("request");
  bob.send({ type: "accept", requestId: "call", target: alice.peerId });
  await alice.next("accept");

  const count = 300;
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    alice.send({ type: "signal", requestId: "call", target: bob.peerId, kind: "candidate", data: { candidate: `c${i}`, sdpMid: "0", sdpMLineIndex: 0 } });
  }
  for (let i = 0; i < count; i++) {
    assert.equal((await bob.next("signal")).data.candidate, `c${i}`);
  }
  const seconds = (performance.now() - started) / 1000;
  // The first 100 pass at once (the connect and accept spent a few), the rest at 100 per second.
  assert.ok(seconds >= (count - limits.messageBurst) / limits.messagesPerSecond - 0.1, `${seconds} s`);
  assert.equal(alice.ws.readyState, WebSocket.OPEN);
  assert.deepEqual(alice.queue, []);
});

test("message rate: a client with more messages waiting than maxDelayedMessages is cut off", async () => {
  const limits = { messagesPerSecond: 1, messageBurst: 8, maxDelayedMessages: 50 };
  const gateway = await startTestGateway({ limits });
  const alice = await join(gateway.url);
  const bob = await join(gateway.url);
  alice.send({ type: "connect", requestId: "call", target: bob.peerId });
  await bob.next("request");
  bob.send({ type: "accept", requestId: "call", target: alice.peerId });
  await alice.next("accept");
  const started = performance.now();
  // In one read: a client the gateway paused sooner would be held back by TCP instead, not cut off.
  alice.sendTogether(
    Array.from({ length: 100 }, (_, i) => ({ type: "signal", requestId: "call", target: bob.peerId, kind: "candidate", data: { candidate: `c${i}`, sdpMid: "0", sdpMLineIndex: 0 } })),
  );
  const fatal = await alice.next((m) => m.level === "fatal");
  const seconds = (performance.now() - started) / 1000;
  assert.deepEqual(fatal, {
    type: "alert",
    level: "fatal",
    code: 20,
    message: "Too many messages: more than 50 waiting beyond 1 per second.",
  });
  assert.equal((await alice.closedWithin()).code, 4020);
  // Only what the bucket paid for was relayed (the hello and the connect took 2 of its 8); the
  // waiting messages were dropped unread.
  await waitGone(bob, alice.peerId);
  const relayed = bob.queue.filter((m) => m.type === "signal").length;
  assert.ok(relayed >= 6 && relayed <= limits.messageBurst + limits.messagesPerSecond * seconds + 1, `${relayed} relayed in ${seconds} s`);
});

test("message rate: answers to connection requests are free, so a storm of requests cannot throttle or cut their target", async () => {
  // Bob's own budget: 8 messages at once, 1 per second, 10 waiting; 36 answers would overflow it.
  const limits = { messagesPerSecond: 1, messageBurst: 8, maxDelayedMessages: 10, maxPendingPerRequester: 64 };
  const gateway = await startTestGateway({ limits });
  const bob = await join(gateway.url);
  const requesters = await Promise.all([1, 2, 3, 4, 5, 6].map(() => join(gateway.url)));
  for (const requester of requesters) {
    for (let i = 0; i < 6; i++) requester.send({ type: "connect", requestId: `r${i}`, target: bob.peerId });
  }
  const requests = [];
  for (let i = 0; i < 36; i++) requests.push(await bob.next("request"));
  for (const [index, request] of requests.entries()) {
    if (index === 0) bob.send({ type: "accept", requestId: request.requestId, target: request.source });
    else bob.send({ type: "reject", requestId: request.requestId, target: request.source, reason: "busy" });
  }
  for (const requester of requesters) {
    for (let i = 0; i < 6; i++) await requester.next((m) => (m.type === "reject" || m.type === "accept") && m.requestId === `r${i}`);
  }
  assert.equal(bob.ws.readyState, WebSocket.OPEN);
  assert.deepEqual(bob.queue, []);
});

// ---------------------------------------------------------------- send buffer

// A gateway in its own process, so that its memory can be measured: prints its URL, answers
// "memory" with the bytes it holds (JS heap, where ws keeps unsent strings, and buffers outside
// it) after a full garbage collection.
const GATEWAY = `
import { startGateway } from "./js/gateway/index.js";
const gateway = await startGateway(JSON.parse(process.argv[1]));
process.on("message", (message) => {
  if (message !== "memory") return;
  gc();
  const { external, heapUsed } = process.memoryUsage();
  process.send(heapUsed + external);
});
process.on("disconnect", () => gateway.close().then(() => process.exit(0)));
console.log(JSON.stringify({ url: gateway.url }));
`;

function memoryOf(child) {
  child.send("memory");
  return once(child, "message").then(([bytes]) => bytes);
}

test("send buffer: a client that never reads is dropped past maxSendBufferBytes; the gateway's memory stays bounded", async (t) => {
  const maxSendBufferBytes = 1024 * 1024;
  // A sender fast enough to fill 64 MiB: the rate limit is not what this test is about.
  const limits = { maxSendBufferBytes, messagesPerSecond: 1e6, messageBurst: 1e6, maxDelayedMessages: 1e6 };
  const child = runScript(GATEWAY, [JSON.stringify({ keys: KEYS, limits })], { nodeOptions: ["--expose-gc"], ipc: true });
  const { url } = await jsonLines(child)();
  const alice = await join(url);
  const sloth = await join(url);
  alice.send({ type: "connect", requestId: "call", target: sloth.peerId });
  await sloth.next("request");
  sloth.send({ type: "accept", requestId: "call", target: alice.peerId });
  await alice.next("accept");
  sloth.ws.pause(); // reads nothing more, ever

  const baseline = await memoryOf(child);
  const sdp = "s".repeat(60_000);
  const mib = (bytes) => (bytes / 1024 / 1024).toFixed(1);
  let relayed = 0;
  let largest = 0;
  let dropped = false;
  while (!dropped && relayed < 64 * 1024 * 1024) {
    for (let i = 0; i < 16; i++) {
      alice.send({ type: "signal", requestId: "call", target: sloth.peerId, kind: "offer", data: { sdp } });
      relayed += sdp.length;
    }
    await alice.sync(); // the gateway has handled every signal before the probe
    const memory = await memoryOf(child);
    largest = Math.max(largest, memory - baseline);
    // Once the sloth is gone, so is the attempt: a signal for it is refused.
    dropped = alice.queue.some((message) => message.type === "alert" && /No connection attempt "call"/.test(message.message));
  }
  t.diagnostic(`${dropped ? "dropped" : "still connected"} after ${mib(relayed)} MiB relayed; the gateway held at most ${mib(largest)} MiB more than before`);
  assert.ok(dropped, `still connected after ${mib(relayed)} MiB`);
  // Loopback socket buffers take several MiB before the gateway holds anything itself.
  assert.ok(largest < 8 * maxSendBufferBytes, `the gateway held ${mib(largest)} MiB for the sloth`);
  sloth.ws.resume();
  assert.equal((await sloth.closedWithin()).code, 1006, "cut off without a close frame");
  // Alice is still served.
  const carol = await join(url);
  alice.send({ type: "connect", requestId: "next", target: carol.peerId });
  assert.equal((await carol.next("request")).source, alice.peerId);
  child.disconnect();
});

// ---------------------------------------------------------------- pending attempts

test("attempts: pending attempts are capped per requester and per target", async () => {
  const gateway = await startTestGateway({ limits: { maxPendingPerRequester: 2, maxPendingPerTarget: 3 } });
  const [alice, bob, carol, dave] = await Promise.all([1, 2, 3, 4].map(() => join(gateway.url)));
  for (const requestId of ["a1", "a2", "a3"]) alice.send({ type: "connect", requestId, target: bob.peerId });
  const requesterFull = await alice.next((m) => m.requestId === "a3");
  assert.equal(requesterFull.code, 90);
  assert.equal(requesterFull.message, "Too many pending connection attempts.");
  carol.send({ type: "connect", requestId: "c1", target: bob.peerId });
  await carol.sync();
  dave.send({ type: "connect", requestId: "d1", target: bob.peerId });
  const targetFull = await dave.next((m) => m.requestId === "d1");
  assert.equal(targetFull.code, 90);
  assert.equal(targetFull.message, "Too many pending connection attempts to this peer.");
  const requests = [await bob.next("request"), await bob.next("request"), await bob.next("request")];
  assert.deepEqual(requests.map((m) => m.requestId).sort(), ["a1", "a2", "c1"]);
  // Others are still reachable, and an answer frees the target's slot.
  dave.send({ type: "connect", requestId: "d2", target: carol.peerId });
  assert.equal((await carol.next("request")).requestId, "d2");
  bob.send({ type: "reject", requestId: "c1", target: carol.peerId, reason: "" });
  await carol.next("reject");
  dave.send({ type: "connect", requestId: "d1", target: bob.peerId });
  assert.equal((await bob.next("request")).requestId, "d1");
});

test("attempts: unanswered attempts expire (PeerGoneAway to the requester, cancel to the target) and free their slots", async () => {
  const gateway = await startTestGateway({ limits: { pendingAttemptTimeoutMs: 1000, maxPendingPerRequester: 2 } });
  const [alice, bob, dave] = await Promise.all([1, 2, 3].map(() => join(gateway.url)));
  // Accepted attempts do not expire.
  alice.send({ type: "connect", requestId: "kept", target: dave.peerId });
  await dave.next("request");
  dave.send({ type: "accept", requestId: "kept", target: alice.peerId });
  await alice.next("accept");

  for (const requestId of ["a1", "a2"]) alice.send({ type: "connect", requestId, target: bob.peerId });
  await bob.next("request");
  await bob.next("request");
  // Bob never answers: alice is told, bob's requests are withdrawn.
  const expired = { type: "alert", level: "warning", code: 90, message: "The connection request expired unanswered." };
  assert.deepEqual(await alice.next((m) => m.requestId === "a1"), { ...expired, requestId: "a1", target: bob.peerId });
  assert.deepEqual(await alice.next((m) => m.requestId === "a2"), { ...expired, requestId: "a2", target: bob.peerId });
  assert.deepEqual(await bob.next("cancel"), { type: "cancel", requestId: "a1", source: alice.peerId });
  assert.deepEqual(await bob.next("cancel"), { type: "cancel", requestId: "a2", source: alice.peerId });
  bob.send({ type: "accept", requestId: "a1", target: alice.peerId });
  assert.equal((await bob.next("alert")).code, 10, "an expired request can no longer be accepted");

  // Alice's slots are free again.
  for (const requestId of ["a3", "a4"]) alice.send({ type: "connect", requestId, target: bob.peerId });
  assert.equal((await bob.next("request")).requestId, "a3");
  assert.equal((await bob.next("request")).requestId, "a4");
  alice.send({ type: "signal", requestId: "kept", target: dave.peerId, kind: "offer", data: { sdp: "still" } });
  assert.equal((await dave.next("signal")).data.sdp, "still");
});

// ---------------------------------------------------------------- per-address limits

/** Opens a client from `localAddress`; resolves to the client, or to the HTTP status it was refused with. */
async function tryOpen(url, localAddress = "127.0.0.1") {
  try {
    const client = await Client.open(url, { localAddress });
    after(() => client.ws.terminate());
    return client;
  } catch (error) {
    if (error.status) return error.status;
    throw error;
  }
}

test("per address: connections and handshakes (sockets before their hello) are capped; other addresses are not affected", async () => {
  const gateway = await startTestGateway({ limits: { maxConnectionsPerAddress: 5, maxHandshakesPerAddress: 3 } });
  const greeting = [await tryOpen(gateway.url), await tryOpen(gateway.url), await tryOpen(gateway.url)];
  for (const client of greeting) assert.ok(client instanceof Client);
  assert.equal(await tryOpen(gateway.url), 429, "a fourth socket still saying hello");
  const elsewhere = await tryOpen(gateway.url, "127.0.0.2");
  assert.ok(elsewhere instanceof Client, "another address has its own count");

  // A hello frees its handshake slot, but the socket still counts as a connection.
  greeting[0].send({ type: "hello", version: 1, apiKey: KEY_A });
  assert.equal((await greeting[0].next()).type, "hello");
  const fourth = await tryOpen(gateway.url);
  assert.ok(fourth instanceof Client);
  fourth.send({ type: "hello", version: 1, apiKey: KEY_A });
  await fourth.next("hello");
  assert.ok((await tryOpen(gateway.url)) instanceof Client, "the fifth connection");
  assert.equal(await tryOpen(gateway.url), 429, "a sixth connection");

  // A closed connection frees its slot (once the gateway has seen it close).
  greeting[1].ws.terminate();
  let reopened;
  for (let tries = 0; tries < 250 && !(reopened instanceof Client); tries++) {
    await sleep(20);
    reopened = await tryOpen(gateway.url);
  }
  assert.ok(reopened instanceof Client, `still refused: ${reopened}`);
});

// ---------------------------------------------------------------- key guessing

/** One guess: a hello with `apiKey` from `localAddress`; resolves to the gateway's first answer. */
async function hello(url, apiKey, localAddress = "127.0.0.1") {
  const client = await Client.open(url, { localAddress });
  try {
    client.send({ type: "hello", version: 1, apiKey });
    return await client.next(() => true, 15_000);
  } finally {
    client.ws.terminate();
  }
}

test("key guessing: failed hellos from one address are throttled; other addresses are not affected", async (t) => {
  const gateway = await startTestGateway();
  const { failedHellosBeforeDelay: free, failedHelloDelayMs: delay, maxFailedHelloDelayMs: maxDelay } = DEFAULT_LIMITS;
  // Guess as fast as the answers come, for three seconds.
  let verdicts = 0;
  const started = performance.now();
  while (performance.now() - started < 3000) {
    const answer = await hello(gateway.url, `guess_${randomBytes(6).toString("hex")}`);
    assert.deepEqual(answer, { type: "alert", level: "fatal", code: 49, message: INVALID_KEY }, "one at a time, each waits its turn");
    verdicts++;
  }
  const elapsed = performance.now() - started;
  // The checks past the free ones are spaced by at least delay, 2 × delay, 4 × delay …; one step of
  // slack for failures forgotten during the window.
  let spaced = 0;
  for (let waited = 0; waited <= elapsed; spaced++) waited += Math.min(maxDelay, delay * 2 ** spaced);
  t.diagnostic(`${verdicts} keys checked in ${Math.round(elapsed)} ms`);
  assert.ok(verdicts >= free, `${verdicts} checked`);
  assert.ok(verdicts <= free + spaced + 1, `${verdicts} keys checked in ${Math.round(elapsed)} ms`);

  // Guesses in parallel do not help: only those whose turn comes within the maximum delay are
  // checked, the others are refused unchecked.
  const parallel = await Promise.all(Array.from({ length: 20 }, (_, i) => hello(gateway.url, `parallel_${i}`)));
  for (const answer of parallel) assert.equal(answer.code, 49);
  const checked = parallel.filter((answer) => answer.message === INVALID_KEY).length;
  assert.ok(checked <= 3, `${checked} of 20 parallel guesses checked`);
  assert.match(parallel.find((answer) => answer.message !== INVALID_KEY).message, /Too many hellos with an invalid API key/);

  // Another address: its keys are checked at once, valid or not.
  const other = await hello(gateway.url, "guess_elsewhere", "127.0.0.2");
  assert.equal(other.message, INVALID_KEY);
  assert.equal((await hello(gateway.url, KEY_A, "127.0.0.2")).type, "hello");
});

test("key guessing: a valid hello from a throttled address waits its turn and is admitted", async () => {
  const limits = { failedHellosBeforeDelay: 2, failedHelloDelayMs: 300, maxFailedHelloDelayMs: 2000 };
  const gateway = await startTestGateway({ limits });
  for (let i = 0; i < 2; i++) assert.equal((await hello(gateway.url, `guess_${i}`)).message, INVALID_KEY);
  // The third failure spaces the next check at least 300 ms after it.
  const started = performance.now();
  assert.equal((await hello(gateway.url, "guess_2")).message, INVALID_KEY);
  const answer = await hello(gateway.url, KEY_A);
  assert.equal(answer.type, "hello", JSON.stringify(answer));
  assert.ok(performance.now() - started >= 299, "the check waited for its turn");
});

// ---------------------------------------------------------------- origins

test("origins: with allowedOrigins, an upgrade from another origin is refused with 403; no Origin header passes", async () => {
  const gateway = await startTestGateway({ allowedOrigins: ["https://app.example", "http://127.0.0.1:8080"] });
  const from = (origin) => Client.open(gateway.url, origin === undefined ? {} : { origin });
  await assert.rejects(from("https://evil.example"), { status: 403 });
  await assert.rejects(from("null"), { status: 403 });
  await assert.rejects(from("https://app.example.evil.example"), { status: 403 });
  await assert.rejects(from("http://app.example"), { status: 403 }, "the scheme is part of the origin");
  for (const origin of ["https://app.example", "https://APP.example:443", "http://127.0.0.1:8080", undefined]) {
    const client = await from(origin);
    client.send({ type: "hello", version: 1, apiKey: KEY_A });
    assert.equal((await client.next()).type, "hello", String(origin));
    client.close();
  }
  const open = await startTestGateway();
  (await Client.open(open.url, { origin: "https://evil.example" })).close(); // no list: every origin
  await assert.rejects(startGateway({ keys: KEYS, allowedOrigins: ["https://app.example/path"] }), TypeError);
  await assert.rejects(startGateway({ keys: KEYS, allowedOrigins: "https://app.example" }), TypeError);
});

// ---------------------------------------------------------------- resume tokens

test("resume tokens: churn never costs a peer its id (tokens are signed; the gateway keeps nothing per token)", async () => {
  const gateway = await startTestGateway();
  const watchA = await join(gateway.url);
  const watchB = await join(gateway.url, { apiKey: KEY_B });
  const cycle = async (apiKey, watcher) => {
    const client = await join(gateway.url, { apiKey });
    client.close();
    await waitGone(watcher, client.peerId);
  };
  const first = await join(gateway.url);
  first.close();
  await waitGone(watchA, first.peerId);

  // Organisation B's churn, then A's own: neither forgets A's token (the old per-organisation
  // list once lost A's token to 100,001 connections of B).
  for (let i = 0; i < 60; i++) await cycle(KEY_B, watchB);
  for (let i = 0; i < 60; i++) await cycle(KEY_A, watchA);
  const back = await join(gateway.url, { resumeToken: first.resumeToken });
  assert.equal(back.peerId, first.peerId, "organisation A's token survived everyone's churn");
});

// ---------------------------------------------------------------- configuration

test("limits: defaults are exported; unknown or non-positive limits are refused at start", async () => {
  assert.equal(DEFAULT_LIMITS.messagesPerSecond, 100);
  assert.equal(DEFAULT_LIMITS.maxSendBufferBytes, 2 * 1024 * 1024);
  assert.ok(Object.isFrozen(DEFAULT_LIMITS));
  for (const limits of [{ messagesPerSecond: 0 }, { maxSendBufferBytes: -1 }, { messageBurst: 4 }, { bogus: 1 }, { pendingAttemptTimeoutMs: "1" }, []]) {
    await assert.rejects(startGateway({ keys: KEYS, limits }), TypeError, JSON.stringify(limits));
  }
});

test("cli: `petrichor gateway --origin … --limits FILE` applies both", async (t) => {
  const dir = mkdtempSync(joinPath(tmpdir(), "petrichor-limits-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(joinPath(dir, "keys.json"), JSON.stringify(KEYS));
  writeFileSync(joinPath(dir, "limits.json"), JSON.stringify({ maxHandshakesPerAddress: 1 }));
  const child = spawn(
    process.execPath,
    [`${ROOT}/js/cli.js`, "gateway", "--port", "0", "--keys", joinPath(dir, "keys.json"), "--limits", joinPath(dir, "limits.json"), "--origin", "https://app.example"],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  children.add(child);
  let stdout = "";
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed; stdout: ${stdout}`)), 10_000);
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      const match = stdout.match(/ws:\/\/127\.0\.0\.1:(\d+)\/gateway/);
      if (match && match[1] !== "0") {
        clearTimeout(timer);
        resolve(match[0]);
      }
    });
  });
  await assert.rejects(Client.open(url, { origin: "https://evil.example" }), { status: 403 });
  const first = await Client.open(url, { origin: "https://app.example" });
  assert.equal(await tryOpen(url), 429, "a second socket before the first one's hello");
  first.send({ type: "hello", version: 1, apiKey: KEY_A });
  assert.equal((await first.next()).type, "hello");
  assert.ok((await tryOpen(url)) instanceof Client);
  child.kill("SIGTERM");
  await once(child, "exit");
});
