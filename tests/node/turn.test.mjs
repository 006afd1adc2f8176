// TURN end to end: Debian's coturn on loopback (use-auth-secret), a gateway whose hello gives each
// client time-limited credentials of its own (the TURN REST API scheme), and Node SDK peers forced to
// iceTransportPolicy "relay" (real RTCPeerConnections from @roamhq/wrtc) that connect and stream
// through it; expired credentials are refused by coturn and the app is told why.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import wrtc from "@roamhq/wrtc";
import rainway, { InputLevel, RainwayError } from "../../js/index.js";
import { startGateway } from "../../js/gateway/index.js";
import { startFfmpegSource } from "../../js/host/ffmpeg-source.js";
import { startCoturn } from "../helpers/coturn.mjs";
import { GatewayClient, startCliGateway } from "../helpers/gateway-client.mjs";
import { nextEvent, sleep, until } from "../helpers/events.mjs";

const SECRET = "petrichor-test-static-auth-secret";
const KEYS = { key: "org" };

// Every RTCPeerConnection the SDK creates, with the configuration it was given: the SDK takes the
// platform's RTCPeerConnection when there is one, so this is @roamhq/wrtc's, only recorded.
const created = [];
globalThis.RTCPeerConnection = class RecordedRTCPeerConnection extends wrtc.RTCPeerConnection {
  constructor(configuration) {
    super(configuration);
    created.push({ pc: this, configuration });
  }
};

let coturn;
before(async () => {
  coturn = await startCoturn({ secret: SECRET });
});
after(async () => {
  await coturn?.stop();
});

async function startTurnGateway(t, turn = {}, options = {}) {
  const gateway = await startGateway({ keys: KEYS, turn: { urls: [coturn.url], secret: SECRET, ...turn }, ...options });
  t.after(() => gateway.close());
  return gateway;
}

/** The TURN server of a hello's (or pong's) iceServers, with its username split into expiry (s) and id. */
function turnServerOf(iceServers) {
  const server = iceServers.find((entry) => [entry.urls].flat().some((url) => url.startsWith("turn:")));
  assert.ok(server, `a TURN server in ${JSON.stringify(iceServers)}`);
  const [expiry, id] = server.username.split(":");
  return { ...server, expiry: Number(expiry), id };
}

const restCredential = (username) => createHmac("sha1", SECRET).update(username).digest("base64");

async function connectPair(gateway, options = {}) {
  const client = await rainway.connect({ apiKey: "key", externalId: "viewer", gatewayUrl: gateway.url, ...options });
  const host = await rainway.connect({ apiKey: "key", externalId: "host", gatewayUrl: gateway.url, ...options });
  return {
    client,
    host,
    close() {
      client.close();
      host.close();
    },
  };
}

/** The selected candidate pair of a live RTCPeerConnection: {local, remote} candidate types. */
async function selectedPair(pc) {
  const reports = new Map();
  (await pc.getStats()).forEach((report) => reports.set(report.id, report));
  const transport = [...reports.values()].find((report) => report.type === "transport" && report.selectedCandidatePairId);
  const pair =
    reports.get(transport?.selectedCandidatePairId) ??
    [...reports.values()].find((report) => report.type === "candidate-pair" && report.nominated && report.state === "succeeded");
  assert.ok(pair, "a selected candidate pair");
  return { local: reports.get(pair.localCandidateId)?.candidateType, remote: reports.get(pair.remoteCandidateId)?.candidateType };
}

test("the hello gives each client TURN credentials of its own in coturn's REST scheme; a pong refreshes them after half their lifetime", async (t) => {
  const ttlSeconds = 4;
  const gateway = await startTurnGateway(t, { ttlSeconds }, { iceServers: [{ urls: "stun:127.0.0.1:3478" }] });
  const client = await GatewayClient.open(gateway.url, {}, 10_000);
  t.after(() => client.ws.close());
  const before = Math.floor(Date.now() / 1000);
  client.send({ type: "hello", version: 2, apiKey: "key" });
  const hello = await client.next("hello");
  const after = Math.floor(Date.now() / 1000);
  assert.deepEqual(hello.iceServers[0], { urls: ["stun:127.0.0.1:3478"] }, "the configured servers come first");
  const turn = turnServerOf(hello.iceServers);
  assert.deepEqual(turn.urls, [coturn.url]);
  assert.equal(turn.id, hello.peerId);
  assert.ok(turn.expiry >= before + ttlSeconds && turn.expiry <= after + ttlSeconds, `expiry ${turn.expiry} is ${ttlSeconds} s after the hello`);
  assert.equal(turn.credential, restCredential(turn.username));

  // Pings until a pong brings the whole list again, with later credentials.
  let refreshed = null;
  for (let id = 1; !refreshed; id++) {
    client.send({ type: "ping", id });
    const pong = await client.next((message) => message.type === "pong" && message.id === id);
    refreshed = pong.iceServers ?? null;
    if (!refreshed) await sleep(100);
    assert.ok(id < 400, "no pong brought fresh credentials");
  }
  assert.deepEqual(refreshed[0], hello.iceServers[0]);
  const fresh = turnServerOf(refreshed);
  assert.equal(fresh.id, hello.peerId);
  assert.ok(fresh.expiry > turn.expiry, "the fresh credentials outlive the hello's");
  assert.equal(fresh.credential, restCredential(fresh.username));
});

test("bad turn options are TypeErrors naming the option; petrichor gateway takes --turn-url, --turn-secret-file and --turn-ttl", async (t) => {
  const refused = [
    [{ urls: "stun:127.0.0.1:3478", secret: SECRET }, /turn\.urls: "stun:127\.0\.0\.1:3478" must start with turn: or turns:/],
    [{ urls: [], secret: SECRET }, /turn\.urls must be a string or an array of 1 to 4 strings/],
    [{ urls: "turn:127.0.0.1" }, /turn\.secret \(or PETRICHOR_TURN_SECRET\) must be set/],
    [{ urls: "turn:127.0.0.1", secret: "short" }, /at least 16 bytes/],
    [{ urls: "turn:127.0.0.1", secret: SECRET, ttlSeconds: 0 }, /turn\.ttlSeconds must be a whole number of seconds from 1/],
    [{ urls: "turn:127.0.0.1", secret: SECRET, ttlSeconds: 1.5 }, /turn\.ttlSeconds/],
    ["turn:127.0.0.1", /turn must be an object/],
  ];
  const environment = process.env.PETRICHOR_TURN_SECRET;
  delete process.env.PETRICHOR_TURN_SECRET;
  try {
    for (const [turn, message] of refused) {
      await assert.rejects(startGateway({ keys: KEYS, turn }), (error) => error instanceof TypeError && message.test(error.message));
    }
    await assert.rejects(
      startGateway({ keys: KEYS, turn: { urls: coturn.url, secret: SECRET }, iceServers: Array.from({ length: 8 }, () => ({ urls: "stun:127.0.0.1" })) }),
      /With turn, at most 7 iceServers are allowed/,
    );
  } finally {
    if (environment !== undefined) process.env.PETRICHOR_TURN_SECRET = environment;
  }

  const folder = mkdtempSync(join(tmpdir(), "petrichor-turn-"));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  const secretFile = join(folder, "turn-secret");
  const keysFile = join(folder, "keys.json");
  writeFileSync(secretFile, `${SECRET}\n`);
  writeFileSync(keysFile, JSON.stringify(KEYS));
  const flags = ["--keys", keysFile, "--turn-url", coturn.url, "--turn-secret-file", secretFile, "--turn-ttl", "600"];
  const cli = await startCliGateway(t, flags, { stderr: "pipe" });
  const client = await GatewayClient.open(cli.url, {}, 10_000);
  t.after(() => client.ws.close());
  const before = Math.floor(Date.now() / 1000);
  client.send({ type: "hello", version: 2, apiKey: "key" });
  const hello = await client.next("hello");
  const turn = turnServerOf(hello.iceServers);
  assert.ok(turn.expiry >= before + 600 && turn.expiry <= Math.floor(Date.now() / 1000) + 600);
  assert.equal(turn.credential, restCredential(turn.username), "the secret file's trailing newline is not part of the secret");
});

test("two relay-only peers connect and stream through coturn with the credentials from their hellos", { timeout: 120_000 }, async (t) => {
  const gateway = await startTurnGateway(t);
  const { client, host, close } = await connectPair(gateway, { iceTransportPolicy: "relay" });
  t.after(close);
  const clientTurn = turnServerOf(client.iceServers);
  const hostTurn = turnServerOf(host.iceServers);
  assert.equal(clientTurn.id, String(client.id));
  assert.equal(hostTurn.id, String(host.id));

  const before = created.length;
  const accepted = nextEvent(host, "peer-request").then(([request]) => request.accept());
  const [clientPeer, hostPeer] = await Promise.all([client.connect(host.id), accepted]);
  const links = created.slice(before);
  assert.equal(links.length, 2, "one RTCPeerConnection per side");
  for (const { configuration } of links) assert.equal(configuration.iceTransportPolicy, "relay");
  assert.deepEqual(
    links.map(({ configuration }) => turnServerOf(configuration.iceServers).username).sort(),
    [clientTurn.username, hostTurn.username].sort(),
    "each side's RTCPeerConnection has the credentials of its own hello",
  );

  // A few seconds of live H.264 from ffmpeg, host to client.
  const outboundReady = nextEvent(hostPeer, "stream-request").then(([request]) =>
    request.accept({ video: { codec: "avc1.42e01e", width: 320, height: 180, frameRate: 30 }, audio: null }),
  );
  const [stream, outbound] = await Promise.all([clientPeer.createStream({ permissions: InputLevel.None }), outboundReady]);
  const frames = [];
  stream.addEventListener("frame", (frame) => frames.push(frame));
  const source = startFfmpegSource({ durationSeconds: 3, width: 320, height: 180, keyframeInterval: 30, bitrate: 300_000 });
  t.after(() => source.stop());
  let sent = 0;
  source.on("video", (chunk) => {
    if (outbound.ended) return;
    sent++;
    outbound.sendVideo(chunk);
  });
  await until(() => frames.length >= 30, 60_000);
  assert.equal(frames[0].type, "key");
  assert.ok(sent >= frames.length);

  // The link is relayed on both sides, and coturn allocated a relay for each peer's credentials.
  for (const { pc } of links) assert.deepEqual(await selectedPair(pc), { local: "relay", remote: "relay" });
  for (const { username } of [clientTurn, hostTurn]) {
    await coturn.waitForLog(new RegExp(`user <${username}>: incoming packet ALLOCATE processed, success`));
  }
  await coturn.waitForLog(new RegExp(`user <${clientTurn.username}>: incoming packet (CREATE_PERMISSION|CHANNEL_BIND) processed, success`));
});

test("expired credentials are refused by coturn: a relay-only connect fails at once with the TURN server's answer, on both sides", { timeout: 120_000 }, async (t) => {
  // One-second credentials and no heartbeat (so no pong refreshes them): the hello's expire unused.
  const gateway = await startTurnGateway(t, { ttlSeconds: 1 });
  const { client, host, close } = await connectPair(gateway, { iceTransportPolicy: "relay", heartbeatIntervalMs: 0 });
  t.after(close);
  const expired = turnServerOf(client.iceServers);
  const hostExpiry = turnServerOf(host.iceServers).expiry;
  // coturn honours a username until the second it names has passed.
  await until(() => Math.floor(Date.now() / 1000) > Math.max(expired.expiry, hostExpiry), 30_000);

  const hostOutcome = nextEvent(host, "peer-request").then(([request]) => request.accept().then(() => null, (error) => error));
  const error = await client.connect(host.id).then(
    () => assert.fail("a relay-only connection with expired TURN credentials connected"),
    (reason) => reason,
  );
  assert.ok(error instanceof RainwayError, String(error));
  t.diagnostic(error.message);
  assert.match(error.message, /no relay candidate: the TURN server refused or failed \(turn:127\.0\.0\.1:\d+\?transport=udp: 401 Unauthorized/);
  const hostError = await hostOutcome;
  assert.ok(hostError instanceof RainwayError && /no relay candidate/.test(hostError.message), String(hostError));
  assert.equal(client.peers.length, 0);
  // The refusal is coturn's: it found no valid credentials for the expired username.
  await coturn.waitForLog(new RegExp(`Cannot find credentials of user <${expired.username}>`));
  assert.doesNotMatch(coturn.log(), new RegExp(`user <${expired.username}>: incoming packet ALLOCATE processed, success`));
});

test("a long-lived client gets fresh TURN credentials through its heartbeat, and its next peers use them", { timeout: 120_000 }, async (t) => {
  // Renewed once at most 8 s are left: the renewed ones have that long to make the next peer's allocation.
  const gateway = await startTurnGateway(t, { ttlSeconds: 16 });
  const { client, host, close } = await connectPair(gateway, { iceTransportPolicy: "relay", heartbeatIntervalMs: 200 });
  t.after(close);
  const first = turnServerOf(client.iceServers);
  await until(() => turnServerOf(client.iceServers).expiry > first.expiry, 60_000);
  const fresh = turnServerOf(client.iceServers);
  assert.equal(fresh.credential, restCredential(fresh.username));

  const before = created.length;
  const accepted = nextEvent(host, "peer-request").then(([request]) => request.accept());
  await Promise.all([client.connect(host.id), accepted]);
  const own = created.slice(before).map(({ configuration }) => turnServerOf(configuration.iceServers)).find((server) => server.id === String(client.id));
  assert.ok(own && own.expiry >= fresh.expiry, "the new RTCPeerConnection has the refreshed credentials");
  await coturn.waitForLog(new RegExp(`user <${own.username}>: incoming packet ALLOCATE processed, success`));
});

test("ICE options are checked: bad iceServers or iceTransportPolicy, and relay-only without any TURN server, are RainwayErrors that say so", async (t) => {
  const gateway = await startGateway({ keys: KEYS });
  t.after(() => gateway.close());
  const connect = (options) => rainway.connect({ apiKey: "key", gatewayUrl: gateway.url, ...options });
  const refused = [
    [{ iceTransportPolicy: "public" }, /iceTransportPolicy must be "all" or "relay", got "public"/],
    [{ iceServers: { urls: "stun:a" } }, /iceServers must be an array of at most 8 ICE servers/],
    [{ iceServers: Array.from({ length: 9 }, () => ({ urls: "stun:a" })) }, /at most 8 ICE servers/],
    [{ iceServers: [null] }, /iceServers\[0\] must be an object/],
    [{ iceServers: [{ urls: ["stun:a", "stun:b", "stun:c", "stun:d", "stun:e"] }] }, /iceServers\[0\]\.urls must be a URL or an array of 1 to 4 URLs/],
    [{ iceServers: [{ urls: "http://example.test" }] }, /iceServers\[0\]\.urls: "http:\/\/example\.test" is not a stun:, stuns:, turn: or turns: URL/],
    [{ iceServers: [{ urls: "stun:a" }, { urls: "turn:a" }] }, /iceServers\[1\] has a turn: or turns: URL, so it needs a username and a credential/],
    [{ iceServers: [{ urls: "turn:a", username: "u", credential: "x".repeat(257) }] }, /iceServers\[0\]\.credential must be a string of at most 256 bytes/],
  ];
  for (const [options, message] of refused) {
    await assert.rejects(connect(options), (error) => error instanceof RainwayError && message.test(error.message), JSON.stringify(options));
  }

  // This gateway names no TURN server, and neither does the app.
  const { client, host, close } = await connectPair(gateway, { iceTransportPolicy: "relay", iceServers: [{ urls: "stun:127.0.0.1:3478" }] });
  t.after(close);
  host.addEventListener("peer-request", (request) => request.accept().catch(() => {}));
  await assert.rejects(client.connect(host.id), (error) => error instanceof RainwayError && /iceTransportPolicy "relay" needs a TURN server/.test(error.message));
});
