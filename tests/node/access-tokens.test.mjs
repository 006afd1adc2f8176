// Access tokens (docs/PROTOCOL.md, "Access tokens"): a backend mints a short-lived token with its API
// key (mintAccessToken, `petrichor token`) and a page connects with it where 0.5 put the key. A real
// gateway on loopback, raw WebSocket clients where the gateway's exact answers matter, and SDK
// instances in Node for what an app sees. Expired tokens are minted in the past, never waited for,
// except where a live session's token must expire under it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import rainway, { RainwayError } from "../../js/index.js";
import { MAX_ACCESS_TOKEN_TTL_SECONDS, mintAccessToken, startGateway } from "../../js/gateway/index.js";
import { ROOT } from "../helpers/paths.mjs";
import { GatewayClient, waitGone } from "../helpers/gateway-client.mjs";
import { nextEvent, sleep, until } from "../helpers/events.mjs";

const KEY_A = "pk_tokens_org_a";
const KEY_B = "pk_tokens_org_b";
const KEYS = { [KEY_A]: "org-a", [KEY_B]: "org-b" };
const SECRET = "the access token tests' resume secret";
const WAIT = 30_000;
const HOUR_MS = 3600_000;

const Refusal = {
  malformed: "The access token is malformed.",
  unknownKey: "The access token was minted with an API key this gateway does not know.",
  notGenuine: "The access token is not genuine: it was altered, or not minted with the API key it names.",
  tooLong: "The access token's expiry is more than 24 hours away.",
  otherExternalId: "The access token was minted for another externalId.",
  expired: "The access token has expired.",
};

class Client extends GatewayClient {
  static open(url, options = {}) {
    return super.open(url, options, 5000);
  }
}

async function startTestGateway(t, options = {}) {
  const gateway = await startGateway({ keys: KEYS, resumeSecret: SECRET, ...options });
  t.after(() => gateway.close());
  return gateway;
}

/** Says hello with `fields` ({apiKey, externalId, resumeToken, …}); resolves to {client, answer}: the gateway's hello or alert. */
async function hello(gateway, fields) {
  const client = await Client.open(gateway.url);
  client.send({ type: "hello", version: 2, ...fields });
  const answer = await client.next((message) => message.type === "hello" || message.type === "alert");
  return { client, answer };
}

/** Says hello and expects a fatal AccessDenied with `message`, then the close code 4049. */
async function expectRefused(gateway, fields, message) {
  const { client, answer } = await hello(gateway, fields);
  assert.deepEqual(answer, { type: "alert", level: "fatal", code: 49, message }, JSON.stringify(fields));
  assert.equal((await client.closedWithin()).code, 4049);
}

/** The token's fields: [prefix, key id, subject, expiry, tag]. */
const partsOf = (token) => token.split(".");

test("a minted token admits its externalId to its key's organisation, and an API key still works", async (t) => {
  const gateway = await startTestGateway(t);
  const token = mintAccessToken({ apiKey: KEY_A, externalId: "alice", ttlSeconds: 300 });
  assert.match(token, /^at1\.[\w-]{12}\.[\w-]{16}\.\d+\.[\w-]{22}$/);
  assert.ok(token.length <= 128, "a token passes the hello's apiKey rules");
  const alice = await hello(gateway, { apiKey: token, externalId: "alice" });
  assert.equal(alice.answer.type, "hello");
  const keyHolder = await hello(gateway, { apiKey: KEY_A, externalId: "backend" });
  assert.equal(keyHolder.answer.type, "hello");
  const outsider = await hello(gateway, { apiKey: KEY_B });

  // The token's peer is of org-a, under the externalId it was minted for.
  alice.client.send({ type: "connect", requestId: "r1", target: keyHolder.answer.peerId });
  const request = await keyHolder.client.next("request");
  assert.equal(request.source, alice.answer.peerId);
  assert.equal(request.sourceExternalId, "alice");
  outsider.client.send({ type: "connect", requestId: "r2", target: alice.answer.peerId });
  assert.equal((await outsider.client.next((message) => message.requestId === "r2")).code, 90);
  for (const { client } of [alice, keyHolder, outsider]) client.close();
});

test("expired, forged, altered, another key's, another externalId's and malformed tokens are refused with AccessDenied saying why", async (t) => {
  const gateway = await startTestGateway(t, { limits: { failedHellosBeforeDelay: 100 } });
  const alice = (options) => mintAccessToken({ apiKey: KEY_A, externalId: "alice", ...options });
  const token = alice();
  const [prefix, keyId, subject, expiry, tag] = partsOf(token);
  const otherTag = tag.at(-1) === "A" ? `${tag.slice(0, -1)}B` : `${tag.slice(0, -1)}A`;

  await expectRefused(gateway, { apiKey: alice({ now: Date.now() - HOUR_MS }), externalId: "alice" }, Refusal.expired);
  await expectRefused(gateway, { apiKey: [prefix, keyId, subject, expiry, otherTag].join("."), externalId: "alice" }, Refusal.notGenuine);
  // A later expiry, or the subject of another externalId, breaks the tag.
  await expectRefused(gateway, { apiKey: [prefix, keyId, subject, Number(expiry) + 3600, tag].join("."), externalId: "alice" }, Refusal.notGenuine);
  const bobSubject = partsOf(mintAccessToken({ apiKey: KEY_A, externalId: "bob" }))[2];
  await expectRefused(gateway, { apiKey: [prefix, keyId, bobSubject, expiry, tag].join("."), externalId: "bob" }, Refusal.notGenuine);
  // Claiming org-b's key for a token signed with org-a's.
  const orgBKeyId = partsOf(mintAccessToken({ apiKey: KEY_B }))[1];
  await expectRefused(gateway, { apiKey: [prefix, orgBKeyId, subject, expiry, tag].join("."), externalId: "alice" }, Refusal.notGenuine);
  // Minted with a key this gateway does not have (another deployment's, or a removed one).
  await expectRefused(gateway, { apiKey: mintAccessToken({ apiKey: "pk_elsewhere", externalId: "alice" }), externalId: "alice" }, Refusal.unknownKey);
  // The externalId is bound: another one, or none, is refused.
  await expectRefused(gateway, { apiKey: token, externalId: "mallory" }, Refusal.otherExternalId);
  await expectRefused(gateway, { apiKey: token }, Refusal.otherExternalId);
  // An expiry beyond the longest lifetime (and the clock skew allowed) was not minted by the rules.
  await expectRefused(gateway, { apiKey: alice({ now: Date.now() + 2 * 24 * HOUR_MS }), externalId: "alice" }, Refusal.tooLong);
  for (const malformed of ["at1.", "at1.x", `${token}.`, token.replace(/\.\d+\./, ".0123."), `${token.slice(0, -1)}`]) {
    await expectRefused(gateway, { apiKey: malformed, externalId: "alice" }, Refusal.malformed);
  }
  await expectRefused(gateway, { apiKey: "pk_unknown" }, "The Rainway API key is invalid.");
  // The genuine token still works after all that.
  assert.equal((await hello(gateway, { apiKey: token, externalId: "alice" })).answer.type, "hello");
});

test("a refused token counts as a failed hello for its address, as an unknown key does", async (t) => {
  // Key checks spaced 10 s apart once an address failed (the first failure spaces the next checks).
  const gateway = await startTestGateway(t, { limits: { failedHellosBeforeDelay: 1, failedHelloDelayMs: 10_000, maxFailedHelloDelayMs: 10_000 } });
  const forged = mintAccessToken({ apiKey: "pk_elsewhere", externalId: "alice" });
  await expectRefused(gateway, { apiKey: forged, externalId: "alice" }, Refusal.unknownKey);
  // Three valid hellos at once from that address: one is checked now, one waits 10 s for its turn,
  // and the one whose turn is further off is refused unchecked. Without the failure all three pass at once.
  const clients = await Promise.all([0, 1, 2].map(() => Client.open(gateway.url)));
  for (const client of clients) client.send({ type: "hello", version: 2, apiKey: KEY_A });
  await until(() => clients.filter((client) => client.queue.length > 0).length >= 2, WAIT);
  const answers = clients.flatMap((client) => client.queue);
  assert.equal(answers.filter((answer) => answer.type === "hello").length, answers.length - 1, JSON.stringify(answers));
  assert.deepEqual(answers.find((answer) => answer.type === "alert"), {
    type: "alert",
    level: "fatal",
    code: 49,
    message: "Too many hellos with an invalid API key or access token from this address; try again later.",
  });
  for (const client of clients) client.ws.terminate();
});

test("an expired token still reconnects the session it started: a hello with it and that session's resume token is let in", async (t) => {
  const gateway = await startTestGateway(t);
  const first = await hello(gateway, { apiKey: mintAccessToken({ apiKey: KEY_A, externalId: "alice" }), externalId: "alice" });
  const { peerId, resumeToken } = first.answer;
  const observer = await hello(gateway, { apiKey: KEY_A });
  first.client.close();
  await waitGone(observer.client, peerId);

  const expired = mintAccessToken({ apiKey: KEY_A, externalId: "alice", now: Date.now() - HOUR_MS });
  await expectRefused(gateway, { apiKey: expired, externalId: "alice" }, Refusal.expired);
  // Another organisation's resume token does not carry it.
  const orgB = await hello(gateway, { apiKey: KEY_B });
  await expectRefused(gateway, { apiKey: expired, externalId: "alice", resumeToken: orgB.answer.resumeToken }, Refusal.expired);
  // Nor does the session's resume token carry a token of another externalId, or a forged one.
  await expectRefused(gateway, { apiKey: expired, externalId: "bob", resumeToken }, Refusal.otherExternalId);
  const resumed = await hello(gateway, { apiKey: expired, externalId: "alice", resumeToken, takeOver: true });
  assert.equal(resumed.answer.type, "hello");
  assert.equal(resumed.answer.peerId, peerId);
  for (const { client } of [observer, orgB, resumed]) client.close();
});

test("SDK: a page connects with a token where 0.5 put the key; a refused token says why", async (t) => {
  const gateway = await startTestGateway(t);
  const host = await rainway.connect({ apiKey: KEY_A, externalId: "host", gatewayUrl: gateway.url });
  t.after(() => host.close());
  const token = mintAccessToken({ apiKey: KEY_A, externalId: "viewer" });
  const viewer = await rainway.connect({ apiKey: token, externalId: "viewer", gatewayUrl: gateway.url });
  t.after(() => viewer.close());
  const request = nextEvent(host, "peer-request", WAIT);
  const attempt = viewer.connect(host.id);
  const [incoming] = await request;
  assert.equal(incoming.externalId, "viewer");
  assert.equal(incoming.id, viewer.id);
  incoming.reject("only checking who you are");
  await assert.rejects(attempt, RainwayError);

  const refusedWith = async (options, message) => {
    await assert.rejects(rainway.connect({ gatewayUrl: gateway.url, reconnect: false, ...options }), (error) => {
      assert.ok(error instanceof RainwayError);
      assert.equal(error.message, `Rainway SDK Error: ${message}`);
      return true;
    });
  };
  await refusedWith({ apiKey: mintAccessToken({ apiKey: KEY_A, externalId: "viewer", now: Date.now() - HOUR_MS }), externalId: "viewer" }, Refusal.expired);
  await refusedWith({ apiKey: token, externalId: "someone else" }, Refusal.otherExternalId);
  // A key keeps 0.5's words.
  await refusedWith({ apiKey: "pk_unknown" }, "The Rainway API key is invalid.");
});

test("SDK: a session whose token expired reconnects after a gateway restart with its peer id", { timeout: 120_000 }, async (t) => {
  let gateway = await startTestGateway(t);
  const port = gateway.port;
  t.after(() => gateway.close());
  // A token that expires a few seconds from now: long enough to connect with, then it lapses.
  const token = mintAccessToken({ apiKey: KEY_A, externalId: "long viewer", ttlSeconds: 5 });
  const expiresAt = Number(partsOf(token)[3]) * 1000;
  const viewer = await rainway.connect({
    apiKey: token,
    externalId: "long viewer",
    gatewayUrl: gateway.url,
    heartbeatIntervalMs: 500,
    heartbeatTimeoutMs: 3000,
    reconnect: { minDelayMs: 100, maxDelayMs: 500 },
  });
  t.after(() => viewer.close());
  const id = viewer.id;
  while (Date.now() <= expiresAt) await sleep(100);
  await expectRefused(gateway, { apiKey: token, externalId: "long viewer" }, Refusal.expired);

  const back = nextEvent(viewer, "reconnected", WAIT);
  await gateway.close();
  gateway = await startGateway({ keys: KEYS, resumeSecret: SECRET, port });
  const [reconnectedId] = await back;
  assert.equal(reconnectedId, id);
});

test("mintAccessToken refuses what no hello could carry", () => {
  assert.throws(() => mintAccessToken({ apiKey: "two words" }), /apiKey/);
  assert.throws(() => mintAccessToken({ apiKey: KEY_A, externalId: "line\nbreak" }), /externalId/);
  assert.throws(() => mintAccessToken({ apiKey: KEY_A, externalId: "é".repeat(129) }), /externalId/);
  for (const ttlSeconds of [0, 1.5, MAX_ACCESS_TOKEN_TTL_SECONDS + 1, "300"]) {
    assert.throws(() => mintAccessToken({ apiKey: KEY_A, ttlSeconds }), /ttlSeconds/);
  }
  assert.throws(() => mintAccessToken({ apiKey: KEY_A, now: Number.NaN }), /now/);
  assert.throws(() => mintAccessToken(), /apiKey/);
});

test("petrichor token mints with a key from a file or PETRICHOR_API_KEY; the gateway admits what it prints", async (t) => {
  const gateway = await startTestGateway(t);
  const dir = mkdtempSync(join(tmpdir(), "petrichor-token-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const keyFile = join(dir, "key");
  writeFileSync(keyFile, `${KEY_B}\n`);
  const run = (args, env = {}) =>
    spawnSync(process.execPath, [`${ROOT}/js/cli.js`, "token", ...args], { encoding: "utf8", env: { ...process.env, PETRICHOR_API_KEY: "", ...env } });

  const fromFile = run(["--key-file", keyFile, "--external-id", "kiosk 7", "--ttl", "60"]);
  assert.equal(fromFile.status, 0, fromFile.stderr);
  const printed = fromFile.stdout.trim();
  assert.match(printed, /^at1\./);
  assert.ok(Number(partsOf(printed)[3]) * 1000 <= Date.now() + 60_000, "--ttl sets the expiry");
  const kiosk = await hello(gateway, { apiKey: printed, externalId: "kiosk 7" });
  assert.equal(kiosk.answer.type, "hello");
  kiosk.client.close();

  const fromEnv = run([], { PETRICHOR_API_KEY: KEY_A });
  assert.equal(fromEnv.status, 0, fromEnv.stderr);
  const anonymous = await hello(gateway, { apiKey: fromEnv.stdout.trim() });
  assert.equal(anonymous.answer.type, "hello");
  anonymous.client.close();

  for (const [args, message] of [
    [[], /token needs --key-file \(or PETRICHOR_API_KEY\)/],
    [["--key-file", keyFile, "--ttl", "0"], /--ttl must be 1 to 86400 seconds/],
    [["--key-file", keyFile, "--ttl", "86401"], /--ttl must be 1 to 86400 seconds/],
    [["--key-file", keyFile, "--external-id", "a\u0001b"], /externalId/],
  ]) {
    const refused = run(args);
    assert.equal(refused.status, 2, args.join(" "));
    assert.match(refused.stderr, message);
    assert.equal(refused.stdout, "");
  }
  const missing = run(["--key-file", join(dir, "absent")]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /cannot read the API key from .*absent: no such file/);
});
