// Several gateway processes behind one Redis (docs/ARCHITECTURE.md, "Several gateways"): Debian's
// redis-server started here for real (with a password, reached through a redis://user:password@
// URL), gateways as real `petrichor gateway --redis` child processes, SDK clients in Node with real
// RTCPeerConnections, and raw WebSocket clients where the protocol's exact answers matter. Nothing is
// asserted about how fast things happen: every wait has a generous deadline.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect as tcpConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import rainway, { InputLevel } from "../../js/index.js";
import { startFfmpegSource } from "../../js/host/ffmpeg-source.js";
import { mintAccessToken } from "../../js/gateway/index.js";
import { GatewayClient, startCliGateway } from "../helpers/gateway-client.mjs";
import { nextEvent, sleep, until } from "../helpers/events.mjs";
import { freePort } from "../helpers/ports.mjs";
import { link, roundTrip } from "../helpers/sdk-link.mjs";

const KEYS = { "key-a": "org-a", "other-key-a": "org-a", "key-b": "org-b" };
const NOT_CONNECTED = "The target peer is not connected.";
const UNREACHABLE = "The target peer cannot be reached: this gateway has lost its link to the other gateways.";
const WAIT = 30_000;
/** SDK liveness: a ping every 500 ms, dead after 3 s unanswered; retries from 100 ms to 500 ms. */
const FAST = { heartbeatIntervalMs: 500, heartbeatTimeoutMs: 3000, reconnect: { minDelayMs: 100, maxDelayMs: 500 } };

/** A raw gateway client that waits long (the other process answers through Redis). */
class Client extends GatewayClient {
  static open(url) {
    return super.open(url, {}, WAIT);
  }

  /** Opens `url` and says hello with `apiKey` (and the given resume token); resolves once it has its id. */
  static async hello(url, apiKey = "key-a", resumeToken) {
    const client = await this.open(url);
    client.send({ type: "hello", version: 2, apiKey, ...(resumeToken ? { resumeToken, takeOver: true } : {}) });
    const hello = await client.next("hello");
    client.id = hello.peerId;
    client.resumeToken = hello.resumeToken;
    return client;
  }

  /** Sends a connect to `target` (another Client); resolves with the request it received, whose stamped source is this client. */
  async reaches(target, requestId) {
    this.send({ type: "connect", requestId, target: target.id });
    const request = await target.next((message) => message.type === "request" && message.requestId === requestId);
    assert.equal(request.source, this.id);
    return request;
  }

  /** Sends a connect and resolves with the gateway's first answer about it: the request reaching `target` is not awaited. */
  async connectAnswer(target, requestId = `r-${randomBytes(4).toString("hex")}`) {
    this.send({ type: "connect", requestId, target });
    return this.next((message) => message.requestId === requestId);
  }
}

/**
 * Starts Debian's redis-server on a free loopback port, without persistence, with a password; killed
 * after the test. Resolves to {url, port, stop(), restart()} once it accepts connections.
 */
async function startRedis(t) {
  const found = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
  assert.equal(found.status, 0, "redis-server (Debian's redis-server package, installed by npm test) is needed");
  const port = await freePort();
  const password = randomBytes(12).toString("hex");
  let child = null;
  const start = async () => {
    child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--requirepass", password], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const started = child;
    t.after(() => started.kill("SIGKILL"));
    let output = "";
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${output}`)), WAIT);
      started.stdout.on("data", (chunk) => {
        output += chunk;
        if (output.includes("Ready to accept connections")) {
          clearTimeout(timer);
          started.stdout.resume();
          resolve();
        }
      });
      started.once("exit", (code) => reject(new Error(`redis-server exited (${code}): ${output}`)));
    });
  };
  await start();
  return {
    url: `redis://default:${password}@127.0.0.1:${port}`,
    async stop() {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
    },
    restart: start,
  };
}

/** Two `petrichor gateway --redis` processes (and the Redis) sharing keys, a resume secret and `limits`. */
async function startCluster(t, limits = {}) {
  const redis = await startRedis(t);
  const dir = mkdtempSync(join(tmpdir(), "petrichor-redis-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "keys.json"), JSON.stringify(KEYS));
  writeFileSync(join(dir, "limits.json"), JSON.stringify(limits));
  writeFileSync(join(dir, "secret"), randomBytes(32).toString("hex"));
  const args = ["--redis", redis.url, "--keys", join(dir, "keys.json"), "--resume-secret-file", join(dir, "secret"), "--limits", join(dir, "limits.json")];
  const [first, second] = await Promise.all([startCliGateway(t, args, { waitMs: WAIT }), startCliGateway(t, args, { waitMs: WAIT })]);
  return { redis, first, second };
}

/**
 * A TCP load balancer on loopback: each new connection goes to the first backend port that accepts
 * it (connections are not moved: a backend that dies drops its own).
 */
async function startBalancer(t, ports) {
  const server = createServer((downstream) => {
    downstream.on("error", () => {});
    const attempt = (index) => {
      if (index >= ports.length) return downstream.destroy();
      const upstream = tcpConnect(ports[index], "127.0.0.1");
      upstream.once("error", () => {
        if (!upstream.connected) attempt(index + 1);
      });
      upstream.once("connect", () => {
        upstream.connected = true;
        upstream.on("error", () => downstream.destroy());
        downstream.on("close", () => upstream.destroy());
        upstream.on("close", () => downstream.destroy());
        downstream.pipe(upstream);
        upstream.pipe(downstream);
      });
    };
    attempt(0);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => server.close());
  return `ws://127.0.0.1:${server.address().port}/gateway`;
}

const portOf = (url) => Number(new URL(url).port);

const same = (a, b) => Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));

test("SDK peers on two gateway processes find each other through Redis (one with an access token), chat over a data channel and stream", { timeout: 120_000 }, async (t) => {
  const { first, second } = await startCluster(t);
  const host = await rainway.connect({ apiKey: "key-a", externalId: "host", gatewayUrl: first.url });
  // The viewer holds no key, only an access token: the other process, sharing the keys, honours it.
  const viewer = await rainway.connect({ apiKey: mintAccessToken({ apiKey: "key-a", externalId: "viewer" }), externalId: "viewer", gatewayUrl: second.url });
  t.after(() => {
    viewer.close();
    host.close();
  });
  assert.notEqual(host.id, viewer.id);

  const { peerOfFrom: hostOfViewer, peerOfTo: viewerOfHost, local, remote } = await link(viewer, host);
  assert.equal(hostOfViewer.id, host.id);
  assert.equal(viewerOfHost.externalId, "viewer");
  await roundTrip(local, remote, "hello from the second gateway's peer");
  await roundTrip(remote, local, "hello back from the first's");

  // A stream: live H.264 from ffmpeg, every frame the viewer emits byte-identical to one sent.
  const outboundReady = nextEvent(viewerOfHost, "stream-request", WAIT).then(([request]) =>
    request.accept({ video: { codec: "avc1.42e01e", width: 320, height: 180, frameRate: 30 }, audio: null }),
  );
  const [stream, outbound] = await Promise.all([hostOfViewer.createStream({ permissions: InputLevel.None }), outboundReady]);
  const received = [];
  stream.addEventListener("frame", (frame) => frame.kind === "video" && received.push(frame));
  const source = startFfmpegSource({ durationSeconds: 3, width: 320, height: 180, keyframeInterval: 15 });
  const sent = [];
  source.on("video", (chunk) => {
    if (outbound.ended) return;
    sent.push(chunk);
    outbound.sendVideo(chunk);
  });
  await new Promise((resolve) => source.once("end", resolve));
  await until(() => received.length > 0 && same(received.at(-1).data, sent.at(-1).data), WAIT).catch(() => {});
  assert.ok(received.length > 0, "video frames arrived");
  let cursor = 0;
  for (const frame of received) {
    while (cursor < sent.length && !same(sent[cursor].data, frame.data)) cursor++;
    assert.ok(cursor < sent.length, "every frame shown is one that was sent, in order");
  }
  stream.close();
});

test("a killed gateway's peers vanish from the other, its pending attempts fail, and a client keeps its id on the survivor", { timeout: 120_000 }, async (t) => {
  const { first, second } = await startCluster(t);
  const survivorUrl = first.url;
  // The balancer prefers the second gateway while it lives.
  const balanced = await startBalancer(t, [portOf(second.url), portOf(survivorUrl)]);

  const requester = await Client.hello(survivorUrl);
  const silent = await Client.hello(second.url); // never answers the request made to it
  const host = await rainway.connect({ apiKey: "key-a", externalId: "host", gatewayUrl: survivorUrl, ...FAST });
  const mover = await rainway.connect({ apiKey: "key-a", externalId: "mover", gatewayUrl: balanced, ...FAST });
  t.after(() => {
    mover.close();
    host.close();
    requester.close();
  });
  const moverId = mover.id;

  // The mover is on the second gateway: the host (first) reaches it through Redis.
  const { local, remote } = await link(host, mover);
  await roundTrip(local, remote, "before the kill");

  // A pending attempt from the first gateway to a peer of the second.
  await requester.reaches(silent, "pending");

  const moved = nextEvent(mover, "reconnected", WAIT);
  second.child.kill("SIGKILL");
  await second.exited;

  // The pending attempt fails with the not-connected error (once the second is seen dead), not a hang.
  const failed = await requester.next((message) => message.requestId === "pending", WAIT);
  assert.deepEqual(
    { type: failed.type, code: failed.code, message: failed.message, target: failed.target },
    { type: "alert", code: 90, message: NOT_CONNECTED, target: silent.id },
  );
  // Its peers are gone: a request to one fails at once.
  const answer = await requester.connectAnswer(silent.id);
  assert.equal(answer.code, 90);
  assert.equal(answer.message, NOT_CONNECTED);

  // The mover came back through the balancer to the first gateway with its resume token: same id,
  // and it is reachable under that id.
  const [newId, previousId] = await moved;
  assert.equal(previousId, moverId);
  assert.equal(newId, moverId);
  assert.equal(mover.id, moverId);
  await roundTrip(remote, local, "the peer link outlived the gateway");
  const third = await Client.hello(survivorUrl);
  t.after(() => third.close());
  const requested = nextEvent(mover, "peer-request", WAIT);
  third.send({ type: "connect", requestId: "after-move", target: String(moverId) });
  const [peerRequest] = await requested;
  assert.equal(String(peerRequest.id), third.id);
  peerRequest.reject("not now");
  const rejected = await third.next("reject");
  assert.equal(rejected.source, String(moverId));
});

test("across processes a peer reaches only its own organisation", { timeout: 120_000 }, async (t) => {
  const { first, second } = await startCluster(t);
  const targetA = await Client.hello(first.url, "key-a");
  const sameOrg = await Client.hello(second.url, "other-key-a");
  const otherOrg = await Client.hello(second.url, "key-b");
  t.after(() => [targetA, sameOrg, otherOrg].forEach((client) => client.close()));

  // Organisation B cannot reach A's peer: not connected, as if the id did not exist.
  const refused = await otherOrg.connectAnswer(targetA.id, "cross-org");
  assert.equal(refused.code, 90);
  assert.equal(refused.message, NOT_CONNECTED);
  // Nor signal it without an attempt.
  otherOrg.send({ type: "signal", requestId: "cross-org", target: targetA.id, kind: "offer", data: { type: "offer", sdp: "x" } });
  const warned = await otherOrg.next((message) => message.type === "alert" && message.requestId === "cross-org");
  assert.equal(warned.code, 10);
  // A's own key on the other process reaches it, with the true source stamped.
  await sameOrg.reaches(targetA, "same-org");
  // And a resume token of organisation A does not give organisation B its id.
  const impostor = await Client.hello(first.url, "key-b", targetA.resumeToken);
  t.after(() => impostor.close());
  assert.notEqual(impostor.id, targetA.id);
  targetA.send({ type: "reject", requestId: "same-org", target: sameOrg.id, reason: "busy" });
  assert.equal((await sameOrg.next("reject")).source, targetA.id);
  await targetA.assertNothingElse();
});

test("pending caps are kept by the target's process for requesters on every process", { timeout: 120_000 }, async (t) => {
  const { first, second } = await startCluster(t, { maxPendingPerTarget: 1 });
  const target = await Client.hello(first.url);
  const near = await Client.hello(first.url);
  const far = await Client.hello(second.url);
  t.after(() => [target, near, far].forEach((client) => client.close()));
  await far.reaches(target, "far");
  const full = await near.connectAnswer(target.id, "near");
  assert.equal(full.message, "Too many pending connection attempts to this peer.");
  // Cancelled across processes, the slot is free again.
  far.send({ type: "cancel", requestId: "far", target: target.id });
  assert.equal((await target.next("cancel")).source, far.id);
  await near.reaches(target, "near-again");
});

test("while Redis is down each gateway serves its own peers and refuses the others' clearly; it recovers when Redis is back", { timeout: 120_000 }, async (t) => {
  const { redis, first, second } = await startCluster(t);
  const a = await Client.hello(first.url);
  const b = await Client.hello(second.url);
  const c = await Client.hello(first.url);
  t.after(() => [a, b, c].forEach((client) => client.close()));

  await redis.stop();
  // The gateway notices the lost link; until then a message may still fail as not connected.
  let answer;
  const deadline = Date.now() + WAIT;
  do {
    answer = await a.connectAnswer(b.id);
    if (answer.message !== UNREACHABLE) await sleep(100);
  } while (answer.message !== UNREACHABLE && Date.now() < deadline);
  assert.equal(answer.code, 90);
  assert.equal(answer.message, UNREACHABLE);
  // Its own peers still reach each other, and new clients are still welcome.
  await a.reaches(c, "local");
  const late = await Client.hello(first.url);
  t.after(() => late.close());

  // An empty Redis again (no persistence): each gateway claims its peers anew, ids unchanged.
  await redis.restart();
  let request = null;
  const back = Date.now() + WAIT;
  while (!request && Date.now() < back) {
    const requestId = `back-${randomBytes(4).toString("hex")}`;
    a.send({ type: "connect", requestId, target: b.id });
    request = await b.next((message) => message.type === "request" && message.requestId === requestId, 1000).catch(() => null);
  }
  assert.ok(request, "a peer of the first gateway reaches one of the second once Redis is back");
  assert.equal(request.source, a.id);
  // The late client, welcomed while Redis was down, is reachable from the other gateway too.
  await b.reaches(late, "to-late");
});

test("a gateway that stops cleanly tells the others' peers at once and leaves nothing of its own in Redis", { timeout: 120_000 }, async (t) => {
  const { redis, first, second } = await startCluster(t);
  const requester = await Client.hello(first.url);
  const silent = await Client.hello(second.url);
  t.after(() => requester.close());
  await requester.reaches(silent, "pending");

  second.child.kill("SIGTERM");
  const failed = await requester.next((message) => message.requestId === "pending");
  assert.equal(failed.message, NOT_CONNECTED);
  assert.equal((await second.exited).code, 0);

  const { Redis } = await import("ioredis");
  const inspector = new Redis(redis.url);
  t.after(() => inspector.disconnect());
  assert.deepEqual(await inspector.keys("petrichor:peer:*"), [`petrichor:peer:${requester.id}`]);
  assert.equal(await inspector.zcard("petrichor:processes"), 1, "only the first gateway is alive");
  assert.equal((await inspector.keys("petrichor:members:*")).length, 1);
});

test("a resume token with takeOver moves a live session to another process: the old one ends, the id follows", { timeout: 120_000 }, async (t) => {
  const { first, second } = await startCluster(t);
  const old = await Client.hello(second.url);
  const partner = await Client.hello(second.url);
  t.after(() => partner.close());
  // A pending attempt of the old session: its requester hears that it went away.
  await partner.reaches(old, "to-old");

  const moved = await Client.hello(first.url, "key-a", old.resumeToken);
  t.after(() => moved.close());
  assert.equal(moved.id, old.id);
  const replaced = await old.next((message) => message.type === "alert" && message.level === "fatal");
  assert.equal(replaced.code, 91);
  assert.equal((await old.closedWithin(WAIT)).code, 4091);
  const gone = await partner.next((message) => message.requestId === "to-old");
  assert.equal(gone.message, NOT_CONNECTED);

  // The id is reachable on its new process, from the old one's peers too.
  await partner.reaches(moved, "to-moved");
});
