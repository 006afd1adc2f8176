// The gateway (js/gateway/) against real WebSocket clients on 127.0.0.1: hello and resume, routing
// between peers of one organisation, refusal of hostile input, disconnect clean-up, liveness,
// shutdown, configuration from the environment, and the `petrichor gateway` command.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createServer } from "node:http";
import { connect as tcpConnect } from "node:net";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join as joinPath } from "node:path";
import { randomBytes } from "node:crypto";
import WebSocket from "ws";
import { startGateway } from "../../js/gateway/index.js";
import { Router } from "../../js/gateway/router.js";
import { PingWheel } from "../../js/gateway/ping-wheel.js";
import { ResumeTokens } from "../../js/gateway/resume-tokens.js";
import { isPeerId, negotiateVersion, validateHello, validatePeerMessage, validatePing } from "../../js/gateway/protocol.js";
import { ROOT } from "../helpers/paths.mjs";
import { GatewayClient, startCliGateway, waitGone } from "../helpers/gateway-client.mjs";

const WAIT_MS = 2000;
const KEY_A = "pk_org_a";
const KEY_A2 = "pk_org_a_second";
const KEY_B = "pk_org_b";
const KEYS = { [KEY_A]: "org-a", [KEY_A2]: "org-a", [KEY_B]: "org-b" };
const OFFLINE_ID = "1234567890123456789";

/** The gateway's raw client, waiting WAIT_MS by default. */
class Client extends GatewayClient {
  static open(url, options = {}) {
    return super.open(url, options, WAIT_MS);
  }
}

async function startTestGateway(t, options = {}) {
  const gateway = await startGateway({ keys: KEYS, ...options });
  t.after(() => gateway.close());
  return gateway;
}

/** Opens a client and exchanges hellos; the client carries peerId, resumeToken and the hello. */
async function join(gateway, hello = {}) {
  const client = await Client.open(gateway.url);
  client.send({ type: "hello", version: 1, minVersion: 1, apiKey: KEY_A, ...hello });
  const reply = await client.next();
  assert.equal(reply.type, "hello", `expected a hello, got ${JSON.stringify(reply)}`);
  client.hello = reply;
  client.peerId = reply.peerId;
  client.resumeToken = reply.resumeToken;
  return client;
}

/** Sends a raw first message and expects a fatal alert `code` followed by close 4000 + code. */
async function expectFatal(gateway, first, code) {
  const client = await Client.open(gateway.url);
  client.send(first);
  const message = await client.next();
  assert.equal(message.type, "alert");
  assert.equal(message.level, "fatal");
  assert.equal(message.code, code, message.message);
  assert.equal((await client.closedWithin()).code, 4000 + code);
  return message;
}


async function connectPair(gateway) {
  const alice = await join(gateway, { externalId: "alice" });
  const bob = await join(gateway, { externalId: "bob" });
  return { alice, bob };
}

// ---------------------------------------------------------------- pure validation

test("protocol: peer ids are decimal 1 … 2^63−1 without sign or leading zero", () => {
  for (const good of ["1", "42", "9223372036854775807"]) assert.ok(isPeerId(good), good);
  for (const bad of ["0", "01", "-1", "+1", "9223372036854775808", "99999999999999999999", "1e3", " 1", "", 1, null]) {
    assert.ok(!isPeerId(bad), String(bad));
  }
});

test("protocol: hello fields are checked and defaulted; version negotiation picks the highest common", () => {
  const ok = validateHello({ type: "hello", version: 3, apiKey: "k", extra: { ignored: true } });
  assert.deepEqual(ok.message, { type: "hello", version: 3, minVersion: 3, apiKey: "k", externalId: "", resumeToken: "", takeOver: false });
  assert.equal(validateHello({ type: "hello", version: 2, apiKey: "k", takeOver: true }).message.takeOver, true);
  const bad = [
    { version: 1 }, // no apiKey
    { version: 1.5, apiKey: "k" },
    { version: 0, apiKey: "k" },
    { version: 65536, apiKey: "k" },
    { version: "1", apiKey: "k" },
    { version: 1, minVersion: 2, apiKey: "k" },
    { version: 1, apiKey: "" },
    { version: 1, apiKey: "has space" },
    { version: 1, apiKey: "k".repeat(129) },
    { version: 1, apiKey: "k", externalId: "a\u0007b" },
    { version: 1, apiKey: "k", externalId: "a\u0085b" },
    { version: 1, apiKey: "k", externalId: "é".repeat(129) }, // 258 bytes
    { version: 1, apiKey: "k", externalId: "\ud800" },
    { version: 1, apiKey: "k", externalId: 5 },
    { version: 1, apiKey: "k", resumeToken: "a/b" },
    { version: 1, apiKey: "k", resumeToken: "t".repeat(129) },
    { version: 2, apiKey: "k", takeOver: 1 },
    { version: 2, apiKey: "k", takeOver: "true" },
  ];
  for (const fields of bad) {
    const result = validateHello({ type: "hello", ...fields });
    assert.equal(result.error?.code, 50, JSON.stringify(fields));
  }
  assert.ok(validateHello({ type: "hello", version: 1, apiKey: "k", externalId: "é".repeat(128) }).message);
  assert.equal(negotiateVersion(1, 1), 1);
  assert.equal(negotiateVersion(1, 9), 2);
  assert.equal(negotiateVersion(2, 9), 2);
  assert.equal(negotiateVersion(3, 9), null);
  assert.deepEqual(validatePing({ type: "ping", id: 4294967295, extra: 1 }).message, { type: "ping", id: 4294967295 });
  for (const id of [undefined, -1, 1.5, "1", 4294967296]) assert.equal(validatePing({ type: "ping", id }).error?.code, 50, String(id));
});

test("protocol: signal kinds and data shapes; errors name the field and the attempt", () => {
  const base = { type: "signal", requestId: "r.1-_", target: "7" };
  const offer = validatePeerMessage({ ...base, kind: "offer", data: { sdp: "v=0\r\n", extra: 1 } });
  assert.deepEqual(offer.message, { ...base, kind: "offer", data: { sdp: "v=0\r\n" } });
  const end = validatePeerMessage({ ...base, kind: "candidate", data: { candidate: "", sdpMid: null, sdpMLineIndex: null } });
  assert.deepEqual(end.message.data, { candidate: "", sdpMid: null, sdpMLineIndex: null });
  const cases = [
    [{ kind: "pranswer", data: { sdp: "" } }, /"kind"/],
    [{ kind: "offer", data: [] }, /"data"/],
    [{ kind: "offer", data: { sdp: "x".repeat(60_001) } }, /"data\.sdp"/],
    [{ kind: "candidate", data: { candidate: "c", sdpMid: "0" } }, /"data\.sdpMLineIndex" is missing/],
    [{ kind: "candidate", data: { candidate: "c", sdpMid: "0", sdpMLineIndex: 1.5 } }, /"data\.sdpMLineIndex"/],
    [{ kind: "candidate", data: { candidate: "c", sdpMid: "0", sdpMLineIndex: 65536 } }, /"data\.sdpMLineIndex"/],
    [{ kind: "candidate", data: { candidate: "c", sdpMid: "m".repeat(65), sdpMLineIndex: 0 } }, /"data\.sdpMid"/],
    [{ kind: "candidate", data: { candidate: "c".repeat(1025), sdpMid: "0", sdpMLineIndex: 0 } }, /"data\.candidate"/],
  ];
  for (const [fields, pattern] of cases) {
    const { error } = validatePeerMessage({ ...base, ...fields });
    assert.equal(error?.code, 50, JSON.stringify(fields));
    assert.match(error.message, pattern);
    assert.equal(error.requestId, "r.1-_");
    assert.equal(error.target, "7");
  }
  const noAttempt = validatePeerMessage({ type: "reject", requestId: "r", target: "07", reason: "" });
  assert.match(noAttempt.error.message, /"target"/);
  assert.equal(noAttempt.error.requestId, undefined, "an alert names an attempt only when requestId and target are valid");
  assert.match(validatePeerMessage({ type: "reject", requestId: "r", target: "7" }).error.message, /"reason" is missing/);
  assert.match(validatePeerMessage({ type: "connect", requestId: "r".repeat(65), target: "7" }).error.message, /"requestId"/);
});

// ---------------------------------------------------------------- hello and resume

test("hello: the gateway answers with a 63-bit decimal peer id, a resume token and its ICE servers", async (t) => {
  const iceServers = [
    { urls: "stun:127.0.0.1:3478" },
    { urls: ["turn:127.0.0.1:3478?transport=udp", "turns:127.0.0.1:5349"], username: "user", credential: "secret" },
  ];
  const gateway = await startTestGateway(t, { iceServers });
  assert.match(gateway.url, /^ws:\/\/127\.0\.0\.1:\d+\/gateway$/);
  assert.equal(gateway.url, `ws://127.0.0.1:${gateway.port}/gateway`);
  assert.equal(gateway.devKey, undefined);
  const client = await join(gateway, { version: 7, minVersion: 1, externalId: "alice" });
  const { hello } = client;
  assert.deepEqual(Object.keys(hello).sort(), ["iceServers", "peerId", "resumeToken", "type", "version"]);
  assert.equal(hello.version, 2);
  assert.ok(isPeerId(hello.peerId), hello.peerId);
  assert.ok(BigInt(hello.peerId) < 2n ** 63n);
  assert.match(hello.resumeToken, /^[A-Za-z0-9_.-]{1,128}$/);
  assert.equal((await join(gateway, { version: 1 })).hello.version, 1);
  assert.deepEqual(hello.iceServers, [
    { urls: ["stun:127.0.0.1:3478"] },
    { urls: ["turn:127.0.0.1:3478?transport=udp", "turns:127.0.0.1:5349"], username: "user", credential: "secret" },
  ]);
  const other = await join(gateway);
  assert.notEqual(other.peerId, client.peerId);
  assert.notEqual(other.resumeToken, client.resumeToken);
});

test("hello: a resume token gives the old id back after a reconnect, a fresh one while it is in use", async (t) => {
  const gateway = await startTestGateway(t);
  const observer = await join(gateway);
  const first = await join(gateway, { externalId: "host" });

  const rival = await join(gateway, { resumeToken: first.resumeToken });
  assert.notEqual(rival.peerId, first.peerId, "the id is still connected (and the hello did not ask to take it over)");

  first.close();
  await waitGone(observer, first.peerId);
  const otherOrg = await join(gateway, { apiKey: KEY_B, resumeToken: first.resumeToken });
  assert.notEqual(otherOrg.peerId, first.peerId, "a token only works within its organisation");
  for (const forged of ["not-a-token-we-issued", first.resumeToken.replace(/\.(\d+)\./, (_, e) => `.${Number(e) + 1}.`), first.resumeToken.replace(/^r1\.\d+/, `r1.${observer.peerId}`)]) {
    const unknown = await join(gateway, { resumeToken: forged });
    assert.notEqual(unknown.peerId, first.peerId, forged);
    assert.notEqual(unknown.peerId, observer.peerId, forged);
  }

  const back = await join(gateway, { apiKey: KEY_A2, resumeToken: first.resumeToken });
  assert.equal(back.peerId, first.peerId);
  // The resumed peer is reachable under its old id.
  observer.send({ type: "connect", requestId: "again", target: first.peerId });
  assert.equal((await back.next("request")).source, observer.peerId);
  // The token it got in this hello resumes the same id too.
  back.close();
  await waitGone(observer, back.peerId);
  assert.equal((await join(gateway, { resumeToken: back.resumeToken })).peerId, first.peerId);
});

test("hello: takeOver with a valid token moves the id to the new connection and ends the old one (4091)", async (t) => {
  const gateway = await startTestGateway(t);
  const observer = await join(gateway);
  const stale = await join(gateway, { externalId: "host" });
  // A pending attempt of the stale session ends as for any disconnect.
  observer.send({ type: "connect", requestId: "pending", target: stale.peerId });
  await stale.next("request");

  const fresh = await join(gateway, { version: 2, resumeToken: stale.resumeToken, takeOver: true, externalId: "host" });
  assert.equal(fresh.peerId, stale.peerId);
  const replaced = await stale.next("alert");
  assert.deepEqual(replaced, {
    type: "alert",
    level: "fatal",
    code: 91,
    message: "Another connection took over this peer id with its resume token.",
  });
  assert.equal((await stale.closedWithin()).code, 4091);
  assert.equal((await observer.alert(90)).requestId, "pending");
  observer.send({ type: "connect", requestId: "new", target: fresh.peerId });
  assert.equal((await fresh.next("request")).source, observer.peerId);

  // takeOver with a token that is not genuine, or of another organisation, takes nothing.
  for (const hello of [{ resumeToken: "r1.1.1.AAAAAAAAAAAAAAAAAAAAAA" }, { apiKey: KEY_B, resumeToken: fresh.resumeToken }]) {
    const other = await join(gateway, { version: 2, takeOver: true, ...hello });
    assert.notEqual(other.peerId, fresh.peerId);
  }
  await fresh.assertNothingElse();
});

test("hello: a restarted gateway with the same resume secret honours earlier tokens; another secret does not", async () => {
  const resumeSecret = "a secret of at least sixteen bytes";
  const first = await startGateway({ keys: KEYS, resumeSecret });
  const port = first.port;
  const before = await join(first);
  await first.close();
  const second = await startGateway({ keys: KEYS, resumeSecret, port });
  try {
    const again = await join(second, { resumeToken: before.resumeToken });
    assert.equal(again.peerId, before.peerId);
  } finally {
    await second.close();
  }
  const third = await startGateway({ keys: KEYS, resumeSecret: "another secret, sixteen bytes or more", port });
  try {
    assert.notEqual((await join(third, { resumeToken: before.resumeToken })).peerId, before.peerId);
  } finally {
    await third.close();
  }
  await assert.rejects(startGateway({ keys: KEYS, resumeSecret: "short" }), TypeError);
  await assert.rejects(startGateway({ keys: KEYS, resumeTokenTtlMs: 0 }), TypeError);
});

test("resume tokens: genuine, of one organisation and unexpired only; refreshed from half their life", () => {
  let clock = 1_700_000_000_000;
  const tokens = new ResumeTokens({ secret: Buffer.alloc(32, 7), ttlMs: 10_000, now: () => clock });
  const { token, expiresAt } = tokens.issue("org-a", "42");
  assert.match(token, /^r1\.42\.\d+\.[A-Za-z0-9_-]{22}$/);
  assert.ok(token.length <= 128);
  assert.equal(tokens.verify("org-a", token), "42");
  assert.equal(tokens.verify("org-b", token), null);
  assert.equal(new ResumeTokens({ secret: Buffer.alloc(32, 8), now: () => clock }).verify("org-a", token), null);
  assert.equal(tokens.verify("org-a", token.slice(0, -1) + (token.endsWith("A") ? "B" : "A")), null);
  for (const bad of ["", "r1.42", "r2" + token.slice(2), `${token}x`, null, 42]) assert.equal(tokens.verify("org-a", bad), null);
  assert.equal(tokens.due(expiresAt), false);
  clock += 5_000;
  assert.equal(tokens.due(expiresAt), true);
  clock = expiresAt - 1;
  assert.equal(tokens.verify("org-a", token), "42");
  clock = expiresAt;
  assert.equal(tokens.verify("org-a", token), null, "expired");
});

test("heartbeat (version 2): a ping is answered with a pong of its id, with a fresh token once half its life is gone", async (t) => {
  const gateway = await startTestGateway(t, { resumeTokenTtlMs: 2_000 });
  const observer = await join(gateway);
  const client = await join(gateway, { version: 2 });
  client.send({ type: "ping", id: 7 });
  assert.deepEqual(await client.next("pong"), { type: "pong", id: 7 });
  client.send({ type: "ping", id: -1 });
  assert.equal((await client.alert(50)).level, "warning");
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  client.send({ type: "ping", id: 8 });
  const pong = await client.next("pong");
  assert.equal(pong.id, 8);
  assert.match(pong.resumeToken, /^r1\./);
  client.close();
  await waitGone(observer, client.peerId);
  assert.equal((await join(gateway, { resumeToken: pong.resumeToken })).peerId, client.peerId);
  // A version 1 session has no heartbeat: a ping is an unknown message there.
  const old = await join(gateway, { version: 1 });
  old.send({ type: "ping", id: 1 });
  assert.match((await old.alert(10)).message, /Unknown message type "ping"/);
});

test("hello: an unknown API key is refused with a fatal AccessDenied and close code 4049", async (t) => {
  const gateway = await startTestGateway(t);
  for (const apiKey of ["pk_unknown", "constructor", "__proto__", "hasOwnProperty"]) {
    const alert = await expectFatal(gateway, { type: "hello", version: 1, apiKey }, 49);
    assert.deepEqual(alert, { type: "alert", level: "fatal", code: 49, message: "The Rainway API key is invalid." });
  }
});

test("hello: bad hellos, messages before the hello and version mismatches are fatal", async (t) => {
  const gateway = await startTestGateway(t);
  const hello = { type: "hello", version: 1, apiKey: KEY_A };
  await expectFatal(gateway, { type: "connect", requestId: "r", target: "1" }, 10);
  await expectFatal(gateway, { type: "bogus" }, 10);
  await expectFatal(gateway, "{not json", 50);
  await expectFatal(gateway, "[]", 50);
  await expectFatal(gateway, { version: 1, apiKey: KEY_A }, 50);
  await expectFatal(gateway, Buffer.from(JSON.stringify(hello)), 50);
  await expectFatal(gateway, { ...hello, apiKey: "two words" }, 50);
  await expectFatal(gateway, { ...hello, externalId: "line\nbreak" }, 50);
  await expectFatal(gateway, { ...hello, resumeToken: "a+b" }, 50);
  await expectFatal(gateway, { ...hello, version: 2, minVersion: 3 }, 50); // minVersion above version breaks a field rule
  await expectFatal(gateway, { ...hello, version: 0 }, 50);
  await expectFatal(gateway, { ...hello, version: 4, minVersion: 3 }, 70);
  await expectFatal(gateway, JSON.stringify({ ...hello, pad: "x".repeat(70_000) }), 20);
  await expectFatal(gateway, { ...hello, takeOver: "yes" }, 50);
  const mismatch = await expectFatal(gateway, { ...hello, version: 9, minVersion: 3 }, 70);
  assert.match(mismatch.message, /1 to 2/);
});

test("hello: a client that sends no hello in time is closed with a fatal UnexpectedMessage", async (t) => {
  const gateway = await startTestGateway(t, { helloTimeoutMs: 150 });
  const silent = await Client.open(gateway.url);
  const alert = await silent.next();
  assert.equal(alert.level, "fatal");
  assert.equal(alert.code, 10);
  assert.equal((await silent.closedWithin()).code, 4010);
  const talker = await join(gateway);
  await new Promise((resolve) => setTimeout(resolve, 300));
  await talker.assertNothingElse();
});

// ---------------------------------------------------------------- routing

test("routing: connect, accept, signal both ways, reject and cancel carry the true source", async (t) => {
  const gateway = await startTestGateway(t);
  const { alice, bob } = await connectPair(gateway);

  alice.send({ type: "connect", requestId: "call-1", target: bob.peerId });
  assert.deepEqual(await bob.next(), { type: "request", requestId: "call-1", source: alice.peerId, sourceExternalId: "alice" });
  bob.send({ type: "accept", requestId: "call-1", target: alice.peerId });
  assert.deepEqual(await alice.next(), { type: "accept", requestId: "call-1", source: bob.peerId, sourceExternalId: "bob" });

  const offer = { sdp: "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n" };
  alice.send({ type: "signal", requestId: "call-1", target: bob.peerId, kind: "offer", data: offer });
  assert.deepEqual(await bob.next(), { type: "signal", requestId: "call-1", source: alice.peerId, kind: "offer", data: offer });
  const answer = { sdp: "v=0\r\nanswer\r\n" };
  bob.send({ type: "signal", requestId: "call-1", target: alice.peerId, kind: "answer", data: answer });
  assert.deepEqual(await alice.next(), { type: "signal", requestId: "call-1", source: bob.peerId, kind: "answer", data: answer });
  const candidate = { candidate: "candidate:1 1 udp 1 127.0.0.1 9 typ host", sdpMid: "0", sdpMLineIndex: 0 };
  bob.send({ type: "signal", requestId: "call-1", target: alice.peerId, kind: "candidate", data: { ...candidate, extra: "x" } });
  assert.deepEqual(await alice.next(), { type: "signal", requestId: "call-1", source: bob.peerId, kind: "candidate", data: candidate });
  const last = { candidate: "", sdpMid: null, sdpMLineIndex: null };
  alice.send({ type: "signal", requestId: "call-1", target: bob.peerId, kind: "candidate", data: last });
  assert.deepEqual((await bob.next()).data, last);

  alice.send({ type: "connect", requestId: "call-2", target: bob.peerId });
  await bob.next("request");
  bob.send({ type: "reject", requestId: "call-2", target: alice.peerId, reason: "busy right now" });
  assert.deepEqual(await alice.next(), {
    type: "reject",
    requestId: "call-2",
    source: bob.peerId,
    sourceExternalId: "bob",
    reason: "busy right now",
  });
  bob.send({ type: "accept", requestId: "call-2", target: alice.peerId });
  assert.equal((await bob.alert(10)).requestId, "call-2", "a rejected attempt can no longer be accepted");

  alice.send({ type: "connect", requestId: "call-3", target: bob.peerId });
  await bob.next("request");
  alice.send({ type: "cancel", requestId: "call-3", target: bob.peerId });
  assert.deepEqual(await bob.next(), { type: "cancel", requestId: "call-3", source: alice.peerId });
  bob.send({ type: "accept", requestId: "call-3", target: alice.peerId });
  await bob.alert(10);

  await alice.assertNothingElse();
  await bob.assertNothingElse();
});

test("routing: requestIds are unique per requester while their attempt exists", async (t) => {
  const gateway = await startTestGateway(t);
  const { alice, bob } = await connectPair(gateway);
  alice.send({ type: "connect", requestId: "dup", target: bob.peerId });
  await bob.next("request");
  alice.send({ type: "connect", requestId: "dup", target: bob.peerId });
  assert.deepEqual(await alice.next(), {
    type: "alert",
    level: "warning",
    code: 10,
    message: 'requestId "dup" is already in use.',
    requestId: "dup",
    target: bob.peerId,
  });
  // The other direction is another requester's attempt: allowed, and accept/reject address the
  // attempt the sender is the target of, so both can be told apart.
  bob.send({ type: "connect", requestId: "dup", target: alice.peerId });
  assert.equal((await alice.next("request")).source, bob.peerId);
  alice.send({ type: "reject", requestId: "dup", target: bob.peerId, reason: "bob's" });
  assert.equal((await bob.next("reject")).reason, "bob's");
  bob.send({ type: "reject", requestId: "dup", target: alice.peerId, reason: "alice's" });
  assert.equal((await alice.next("reject")).reason, "alice's");
  // Once rejected, the requestId is free again.
  alice.send({ type: "connect", requestId: "dup", target: bob.peerId });
  await bob.next("request");
  await alice.assertNothingElse();
  await bob.assertNothingElse();
});

test("routing: an offline target, oneself, or too many pending attempts get PeerGoneAway at once", async (t) => {
  const gateway = await startTestGateway(t);
  const { alice, bob } = await connectPair(gateway);
  const started = Date.now();
  alice.send({ type: "connect", requestId: "r1", target: OFFLINE_ID });
  assert.deepEqual(await alice.next(), {
    type: "alert",
    level: "warning",
    code: 90,
    message: "The target peer is not connected.",
    requestId: "r1",
    target: OFFLINE_ID,
  });
  assert.ok(Date.now() - started < 500);
  alice.send({ type: "connect", requestId: "self", target: alice.peerId });
  assert.equal((await alice.alert(90)).target, alice.peerId);

  for (let i = 0; i < 64; i++) alice.send({ type: "connect", requestId: `many-${i}`, target: bob.peerId });
  for (let i = 0; i < 64; i++) assert.equal((await bob.next("request")).requestId, `many-${i}`);
  alice.send({ type: "connect", requestId: "one-too-many", target: bob.peerId });
  const refused = await alice.alert(90);
  assert.equal(refused.requestId, "one-too-many");
  assert.match(refused.message, /Too many/);
  alice.send({ type: "cancel", requestId: "many-0", target: bob.peerId });
  alice.send({ type: "connect", requestId: "fits-again", target: bob.peerId });
  await bob.next("cancel");
  assert.equal((await bob.next("request")).requestId, "fits-again");
});

test("routing: organisations are isolated; another organisation's peer looks offline", async (t) => {
  const gateway = await startTestGateway(t);
  const alice = await join(gateway, { apiKey: KEY_A, externalId: "alice" });
  const mallory = await join(gateway, { apiKey: KEY_B, externalId: "mallory" });
  const colleague = await join(gateway, { apiKey: KEY_A2 });

  mallory.send({ type: "connect", requestId: "x", target: alice.peerId });
  const isolated = await mallory.next();
  mallory.send({ type: "connect", requestId: "x", target: OFFLINE_ID });
  const offline = await mallory.next();
  assert.deepEqual({ ...isolated, target: "t" }, { ...offline, target: "t" }, "indistinguishable from an offline peer");
  assert.equal(isolated.code, 90);
  mallory.send({ type: "signal", requestId: "x", target: alice.peerId, kind: "offer", data: { sdp: "" } });
  await mallory.alert(10);
  await alice.assertNothingElse();

  // Keys differ, organisation is the same: reachable.
  colleague.send({ type: "connect", requestId: "y", target: alice.peerId });
  assert.equal((await alice.next("request")).source, colleague.peerId);
});

test("routing: a forged source or sourceExternalId is replaced by the truth", async (t) => {
  const gateway = await startTestGateway(t);
  const { alice, bob } = await connectPair(gateway);
  const carol = await join(gateway, { externalId: "carol" });
  alice.send({ type: "connect", requestId: "f", target: bob.peerId, source: carol.peerId, sourceExternalId: "carol" });
  assert.deepEqual(await bob.next(), { type: "request", requestId: "f", source: alice.peerId, sourceExternalId: "alice" });
  bob.send({ type: "accept", requestId: "f", target: alice.peerId, source: carol.peerId, sourceExternalId: "carol" });
  assert.deepEqual(await alice.next(), { type: "accept", requestId: "f", source: bob.peerId, sourceExternalId: "bob" });
  alice.send({ type: "signal", requestId: "f", target: bob.peerId, source: carol.peerId, kind: "offer", data: { sdp: "s" } });
  assert.equal((await bob.next("signal")).source, alice.peerId);
  await carol.assertNothingElse();
});

test("routing: accept, reject, cancel and signal from outside an attempt are refused and not delivered", async (t) => {
  const gateway = await startTestGateway(t);
  const { alice, bob } = await connectPair(gateway);
  const eve = await join(gateway, { externalId: "eve" });
  alice.send({ type: "connect", requestId: "p", target: bob.peerId });
  await bob.next("request");

  const attempts = [
    [eve, { type: "accept", requestId: "p", target: alice.peerId }],
    [eve, { type: "reject", requestId: "p", target: alice.peerId, reason: "no" }],
    [eve, { type: "signal", requestId: "p", target: alice.peerId, kind: "answer", data: { sdp: "x" } }],
    [eve, { type: "signal", requestId: "p", target: bob.peerId, kind: "offer", data: { sdp: "x" } }],
    [eve, { type: "cancel", requestId: "p", target: bob.peerId }],
    [bob, { type: "cancel", requestId: "p", target: alice.peerId }], // only the requester cancels
    [alice, { type: "accept", requestId: "p", target: bob.peerId }], // only the target accepts
    [bob, { type: "accept", requestId: "other", target: alice.peerId }],
    [bob, { type: "signal", requestId: "other", target: alice.peerId, kind: "answer", data: { sdp: "x" } }],
  ];
  for (const [sender, message] of attempts) {
    sender.send(message);
    const alert = await sender.next();
    assert.deepEqual(
      { type: alert.type, level: alert.level, code: alert.code, requestId: alert.requestId, target: alert.target },
      { type: "alert", level: "warning", code: 10, requestId: message.requestId, target: message.target },
      JSON.stringify(message),
    );
  }
  await alice.assertNothingElse();
  await bob.assertNothingElse();
  // The real attempt is untouched.
  bob.send({ type: "accept", requestId: "p", target: alice.peerId });
  assert.equal((await alice.next("accept")).source, bob.peerId);
  bob.send({ type: "accept", requestId: "p", target: alice.peerId });
  await bob.alert(10); // accepted already
});

// ---------------------------------------------------------------- hostile input

test("hostile input gets warnings, never closes the session, and everyone keeps being served", async (t) => {
  const gateway = await startTestGateway(t);
  const { alice, bob } = await connectPair(gateway);
  const nested = (depth) => `{"type":"connect","requestId":"n","target":"${bob.peerId}","x":${"[".repeat(depth - 1)}${"]".repeat(depth - 1)}}`;
  const cases = [
    ["not JSON", "{oops", 50, /not valid JSON/],
    ["empty", "", 50, /not valid JSON/],
    ["array", "[1,2]", 50, /object/],
    ["null", "null", 50, /object/],
    ["no type", "{}", 50, /"type" is missing/],
    ["numeric type", '{"type":1}', 50, /"type" must be a string/],
    ["unknown type", '{"type":"teleport"}', 10, /teleport/],
    ["server-only type", '{"type":"request","requestId":"r","target":"1"}', 10, /request/],
    ["second hello", JSON.stringify({ type: "hello", version: 1, apiKey: KEY_A }), 10, /hello/],
    ["binary frame", Buffer.from([0x7b, 0x7d]), 50, /Binary/],
    ["70 KB", JSON.stringify({ type: "connect", requestId: "big", target: bob.peerId, pad: "x".repeat(70_000) }), 20, /65536/],
    ["33 levels", nested(33), 50, /nesting/],
    ["10,000 levels", "[".repeat(10_000), 50, /nesting/],
    ["missing requestId", JSON.stringify({ type: "connect", target: bob.peerId }), 50, /"requestId" is missing/],
    ["bad requestId", JSON.stringify({ type: "connect", requestId: "a b", target: bob.peerId }), 50, /"requestId"/],
    ["numeric target", JSON.stringify({ type: "connect", requestId: "r", target: 5 }), 50, /"target" must be a string/],
    ["leading zero", JSON.stringify({ type: "connect", requestId: "r", target: "0" + bob.peerId }), 50, /"target"/],
    ["2^63", JSON.stringify({ type: "connect", requestId: "r", target: "9223372036854775808" }), 50, /"target"/],
    ["long reason", JSON.stringify({ type: "reject", requestId: "r", target: bob.peerId, reason: "é".repeat(513) }), 50, /"reason"/],
    ["bad kind", JSON.stringify({ type: "signal", requestId: "r", target: bob.peerId, kind: "x", data: {} }), 50, /"kind"/],
    ["proto keys", '{"type":"connect","__proto__":{"requestId":"r","target":"1"}}', 50, /"requestId" is missing/],
  ];
  for (const [name, frame, code, pattern] of cases) {
    alice.send(frame);
    const alert = await alice.next();
    assert.equal(alert.type, "alert", name);
    assert.equal(alert.level, "warning", name);
    assert.equal(alert.code, code, `${name}: ${alert.message}`);
    assert.match(alert.message, pattern, name);
  }
  assert.equal(alice.ws.readyState, WebSocket.OPEN);

  // Limits are inclusive: 32 levels and exactly 65,536 bytes are fine.
  alice.send(nested(32));
  assert.equal((await bob.next("request")).requestId, "n");
  const exact = (pad) => JSON.stringify({ type: "connect", requestId: "exact", target: bob.peerId, pad });
  const base = exact("").length;
  alice.send(exact("x".repeat(65_536 - base)));
  assert.equal((await bob.next("request")).requestId, "exact");
  alice.send(exact("x".repeat(65_537 - base)));
  assert.equal((await alice.next()).code, 20);

  // Both are still served: a new attempt with signaling goes through.
  alice.send({ type: "connect", requestId: "after", target: bob.peerId });
  await bob.next((m) => m.type === "request" && m.requestId === "after");
  bob.send({ type: "accept", requestId: "after", target: alice.peerId });
  await alice.next("accept");
  bob.send({ type: "signal", requestId: "after", target: alice.peerId, kind: "answer", data: { sdp: "ok" } });
  assert.equal((await alice.next("signal")).data.sdp, "ok");
  await alice.assertNothingElse();
  await bob.assertNothingElse();
});

test("a frame over 1 MiB closes that socket with 1009; other clients are unaffected", async (t) => {
  const gateway = await startTestGateway(t);
  const { alice, bob } = await connectPair(gateway);
  alice.send("x".repeat(1024 * 1024 + 1));
  assert.equal((await alice.closedWithin()).code, 1009);
  const carol = await join(gateway);
  carol.send({ type: "connect", requestId: "still", target: bob.peerId });
  assert.equal((await bob.next("request")).source, carol.peerId);
});

test("an internal failure ends that client only, with a fatal InternalError (4080)", async (t) => {
  const logged = [];
  const gateway = await startTestGateway(t, { log: (level, message) => logged.push([level, message]) });
  const { alice, bob } = await connectPair(gateway);
  alice.send({ type: "connect", requestId: "r", target: bob.peerId });
  await bob.next("request");
  const original = Router.prototype.signal;
  Router.prototype.signal = () => {
    throw new Error("injected failure");
  };
  try {
    alice.send({ type: "signal", requestId: "r", target: bob.peerId, kind: "offer", data: { sdp: "" } });
    assert.deepEqual(await alice.next(), { type: "alert", level: "fatal", code: 80, message: "The gateway failed." });
    assert.equal((await alice.closedWithin()).code, 4080);
  } finally {
    Router.prototype.signal = original;
  }
  assert.ok(logged.some(([level, message]) => level === "error" && message.includes("injected failure")));
  assert.deepEqual(await bob.next(), { type: "cancel", requestId: "r", source: alice.peerId });
  const carol = await join(gateway);
  carol.send({ type: "connect", requestId: "next", target: bob.peerId });
  assert.equal((await bob.next("request")).source, carol.peerId);
});

// ---------------------------------------------------------------- disconnects and liveness

test("disconnect: a requester leaving cancels its pending attempts; a target leaving is PeerGoneAway", async (t) => {
  const gateway = await startTestGateway(t);
  const { alice, bob } = await connectPair(gateway);
  alice.send({ type: "connect", requestId: "pending", target: bob.peerId });
  await bob.next("request");
  alice.close();
  assert.deepEqual(await bob.next(), { type: "cancel", requestId: "pending", source: alice.peerId });

  const carol = await join(gateway);
  const dave = await join(gateway);
  carol.send({ type: "connect", requestId: "to-dave", target: dave.peerId });
  await dave.next("request");
  dave.ws.terminate();
  assert.deepEqual(await carol.next(), {
    type: "alert",
    level: "warning",
    code: 90,
    message: "The target peer is not connected.",
    requestId: "to-dave",
    target: dave.peerId,
  });
  await bob.assertNothingElse();
});

test("disconnect: accepted attempts are forgotten without notice", async (t) => {
  const gateway = await startTestGateway(t);
  const { alice, bob } = await connectPair(gateway);
  alice.send({ type: "connect", requestId: "done", target: bob.peerId });
  await bob.next("request");
  bob.send({ type: "accept", requestId: "done", target: alice.peerId });
  await alice.next("accept");
  alice.close();
  await waitGone(bob, alice.peerId);
  await bob.assertNothingElse();
  bob.send({ type: "signal", requestId: "done", target: alice.peerId, kind: "answer", data: { sdp: "" } });
  await bob.alert(10);
});

test("liveness: a client that does not answer pings is dropped; the others stay", async (t) => {
  const gateway = await startTestGateway(t, { pingIntervalMs: 80 });
  const healthy = await join(gateway);
  const deaf = await Client.open(gateway.url, { autoPong: false });
  deaf.send({ type: "hello", version: 1, apiKey: KEY_A });
  await deaf.next("hello");
  const { code } = await deaf.closedWithin(1500);
  assert.equal(code, 1006, "terminated without a close frame");
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(healthy.ws.readyState, WebSocket.OPEN);
  await healthy.assertNothingElse();
});

test("liveness: pings are spread over the interval, each client once per interval", async () => {
  const clients = Array.from({ length: 1000 }, (_, i) => ({ i, visits: [] }));
  let ticks = 0;
  const perTick = new Map(); // tick → clients visited in it
  let wheel;
  const visitedTwice = new Promise((resolve) => {
    wheel = new PingWheel({
      intervalMs: 500,
      visit: (client) => {
        const tick = ticks;
        perTick.set(tick, (perTick.get(tick) ?? 0) + 1);
        client.visits.push(tick);
        if (clients.every((c) => c.visits.length >= 2)) resolve();
      },
    });
  });
  wheel.timer.ref(); // the gateway's is unref'd; here nothing else keeps the test alive
  const tick = wheel.tick.bind(wheel);
  wheel.tick = () => {
    tick();
    ticks++;
  };
  for (const client of clients) wheel.add(client);
  const gone = clients[7];
  wheel.remove(gone);
  clients.splice(7, 1);
  await visitedTwice;
  wheel.stop();
  const slices = wheel.groups.length;
  assert.equal(slices, 25, "a group every 20 ms");
  assert.ok(Math.max(...perTick.values()) <= Math.ceil(1000 / slices), `at most ${Math.ceil(1000 / slices)} pings a tick`);
  for (const client of clients) assert.equal(client.visits[1] - client.visits[0], slices, "one visit per interval");
  assert.equal(gone.visits.length, 0, "a removed client is not visited");
});

// ---------------------------------------------------------------- lifecycle and configuration

test("close(): every client gets CloseNotify and 1001; stalled clients are cut off; close() resolves", async (t) => {
  const gateway = await startGateway({ keys: KEYS });
  const { alice, bob } = await connectPair(gateway);
  const fresh = await Client.open(gateway.url); // no hello yet
  const stalled = await rawWebSocket(gateway.port); // never answers the close handshake
  const started = Date.now();
  await gateway.close();
  assert.ok(Date.now() - started < 2500, `close() took ${Date.now() - started} ms`);
  for (const client of [alice, bob, fresh]) {
    const alert = await client.next();
    assert.deepEqual({ ...alert, message: "" }, { type: "alert", level: "fatal", code: 0, message: "" });
    assert.equal((await client.closedWithin()).code, 1001);
  }
  await stalled.closed;
  await assert.rejects(Client.open(gateway.url));
  await gateway.close(); // idempotent
});

/** Completes a WebSocket handshake by hand and then ignores everything. */
function rawWebSocket(port) {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(port, "127.0.0.1");
    const closed = new Promise((done) => socket.once("close", done));
    socket.once("error", () => {});
    socket.once("connect", () =>
      socket.write(
        "GET /gateway HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
          `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      ),
    );
    socket.once("data", (data) => {
      if (data.toString().startsWith("HTTP/1.1 101")) resolve({ socket, closed });
      else reject(new Error(`handshake failed: ${data}`));
    });
  });
}

test("attached to an existing http.Server: only the gateway path upgrades; close() leaves the server up", async (t) => {
  const server = createServer((request, response) => response.end("site"));
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  const port = server.address().port;
  const gateway = await startGateway({ server, keys: KEYS, path: "/signal" });
  assert.equal(gateway.url, `ws://127.0.0.1:${port}/signal`);
  const client = await join(gateway);
  assert.ok(isPeerId(client.peerId));
  await assert.rejects(Client.open(`ws://127.0.0.1:${port}/elsewhere`));
  await gateway.close();
  assert.equal((await client.closedWithin()).code, 1001);
  assert.ok(server.listening);
  const response = await fetch(`http://127.0.0.1:${port}/`);
  assert.equal(await response.text(), "site");
  await assert.rejects(Client.open(`ws://127.0.0.1:${port}/signal`));
  // A port in use is an error, not a hang.
  await assert.rejects(startGateway({ keys: KEYS, port }), { code: "EADDRINUSE" });
});

/** Runs `work` with PETRICHOR_API_KEYS set to `value` (or unset for undefined), then restores it. */
async function withEnvKeys(value, work) {
  const saved = process.env.PETRICHOR_API_KEYS;
  if (value === undefined) delete process.env.PETRICHOR_API_KEYS;
  else process.env.PETRICHOR_API_KEYS = value;
  try {
    return await work();
  } finally {
    if (saved === undefined) delete process.env.PETRICHOR_API_KEYS;
    else process.env.PETRICHOR_API_KEYS = saved;
  }
}

test("keys: PETRICHOR_API_KEYS as JSON or as key=org pairs", async (t) => {
  const fromJson = await withEnvKeys('{"env_json_key": "org-env"}', () => startGateway());
  t.after(() => fromJson.close());
  assert.equal(fromJson.devKey, undefined);
  await join(fromJson, { apiKey: "env_json_key" });
  await expectFatal(fromJson, { type: "hello", version: 1, apiKey: KEY_A }, 49);

  const fromPairs = await withEnvKeys(" k1=org-1 , padded==org-2,k3=org-1", () => startGateway());
  t.after(() => fromPairs.close());
  const one = await join(fromPairs, { apiKey: "k1" });
  const two = await join(fromPairs, { apiKey: "padded=" });
  const three = await join(fromPairs, { apiKey: "k3" });
  two.send({ type: "connect", requestId: "cross", target: one.peerId });
  assert.equal((await two.alert(90)).requestId, "cross");
  three.send({ type: "connect", requestId: "same", target: one.peerId });
  assert.equal((await one.next("request")).source, three.peerId);

  await withEnvKeys("=nokey", () => assert.rejects(startGateway(), TypeError));
  await assert.rejects(startGateway({ keys: { "bad key": "org" } }), TypeError);
  await assert.rejects(startGateway({ keys: KEYS, iceServers: [{ urls: "http://example.com" }] }), TypeError);
});

test("keys: without any, a development key is generated, logged and usable", async (t) => {
  const logged = [];
  const gateway = await withEnvKeys(undefined, () => startGateway({ log: (level, message) => logged.push(message) }));
  t.after(() => gateway.close());
  assert.match(gateway.devKey, /^dev_[A-Za-z0-9_-]{24}$/);
  assert.ok(logged.some((message) => message.includes(gateway.devKey)), "the key is logged");
  const client = await join(gateway, { apiKey: gateway.devKey });
  assert.ok(isPeerId(client.peerId));
  const other = await withEnvKeys(undefined, () => startGateway());
  t.after(() => other.close());
  assert.notEqual(other.devKey, gateway.devKey);
});

// ---------------------------------------------------------------- command line

test("cli: `petrichor gateway --port 0` prints its URL, serves hellos and exits 0 on SIGTERM", async (t) => {
  const dir = mkdtempSync(joinPath(tmpdir(), "petrichor-cli-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const keysFile = joinPath(dir, "keys.json");
  writeFileSync(keysFile, JSON.stringify({ cli_key: "org-cli" }));
  const { url, child, exited, stdout } = await startCliGateway(t, ["--keys", keysFile, "--ice", "stun:127.0.0.1:3478"], { stderr: "pipe" });
  assert.doesNotMatch(stdout(), /dev_/, "keys were given: no development key");
  const client = await join({ url }, { apiKey: "cli_key" });
  assert.deepEqual(client.hello.iceServers, [{ urls: ["stun:127.0.0.1:3478"] }]);
  child.kill("SIGTERM");
  assert.equal((await client.next()).code, 0);
  assert.equal((await client.closedWithin()).code, 1001);
  const exit = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve("timeout"), 5000).unref())]);
  assert.deepEqual(exit, { code: 0, signal: null });
});


test("cli: --resume-secret-file creates a secret (mode 0600) and a restarted gateway honours earlier tokens", async (t) => {
  const dir = mkdtempSync(joinPath(tmpdir(), "petrichor-cli-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const keysFile = joinPath(dir, "keys.json");
  writeFileSync(keysFile, JSON.stringify({ cli_key: "org-cli" }));
  const secretFile = joinPath(dir, "state", "secret");
  const args = ["--keys", keysFile, "--resume-secret-file", secretFile];
  const first = await startCliGateway(t, args);
  assert.equal(statSync(secretFile).mode & 0o777, 0o600);
  const before = await join({ url: first.url }, { apiKey: "cli_key" });
  first.child.kill("SIGTERM");
  assert.deepEqual(await first.exited, { code: 0, signal: null });
  const second = await startCliGateway(t, args);
  const after = await join({ url: second.url }, { apiKey: "cli_key", resumeToken: before.resumeToken });
  assert.equal(after.peerId, before.peerId);
  after.close();
  second.child.kill("SIGTERM");
  await second.exited;
});

test("cli: unknown commands and options print the usage on stderr and exit 2", () => {
  for (const args of [[], ["serve"], ["gateway", "--verbose"], ["gateway", "--port", "http"], ["gateway", "--port"]]) {
    const result = spawnSync(process.execPath, [`${ROOT}/js/cli.js`, ...args], { encoding: "utf8", timeout: 5000 });
    assert.equal(result.status, 2, args.join(" "));
    assert.match(result.stderr, /usage: petrichor gateway/);
    assert.equal(result.stdout, "");
  }
});
