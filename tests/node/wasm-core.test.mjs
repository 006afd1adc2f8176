// The wasm build of the core behaves as the native one: registry, output queue, gateway hello codec,
// connection timeouts and SRTP, reached through the hand-written loader in js/core/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { CORE_IMPORTS, toBytes } from "../../js/core/wasm.js";
import { CoreError, CoreEvent, OutputKind, SrtpDirection, Transport, createCore } from "../../js/core/core.js";
import { NATIVE_BUILD, ROOT, WASM_FILE } from "../helpers/paths.mjs";

const text = (bytes) => new TextDecoder().decode(bytes);
const KEY = Uint8Array.from({ length: 30 }, (_, i) => (i * 37 + 11) & 0xff);

function rtpPacket(sequence, payloadLength, ssrc = 0xdeadbeef) {
  const packet = new Uint8Array(12 + payloadLength);
  const view = new DataView(packet.buffer);
  packet[0] = 0x80;
  packet[1] = 96;
  view.setUint16(2, sequence);
  view.setUint32(4, 123456);
  view.setUint32(8, ssrc);
  for (let i = 0; i < payloadLength; i++) packet[12 + i] = (i * 7 + sequence) & 0xff;
  return packet;
}

const hex = (bytes) => Buffer.from(bytes).toString("hex");

test("the binary's imports and exports are exactly those of src/wasm/boundary.h", () => {
  const module = new WebAssembly.Module(readFileSync(WASM_FILE));
  const imports = WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}`);
  assert.deepEqual(imports.sort(), [...CORE_IMPORTS].sort());
  const header = readFileSync(`${ROOT}/src/wasm/boundary.h`, "utf8");
  const declared = [...header.matchAll(/^PT_EXPORT\((\w+)\)/gm)].map((m) => m[1]);
  const exported = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
  for (const name of declared) assert.ok(exported.has(name), `export ${name} missing from the binary`);
  const declaredImports = [...header.matchAll(/^PT_IMPORT\((\w+)\)/gm)].map((m) => `petrichor.${m[1]}`);
  assert.deepEqual(declaredImports, CORE_IMPORTS.filter((name) => name.startsWith("petrichor.")));
});

test("the SDK's table of error codes matches the core's names", async () => {
  const core = await createCore();
  const name = (key) => `PT_ERR_${key.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase()}`;
  for (const [key, code] of Object.entries(CoreError)) assert.equal(core.errorName(code), name(key));
  core.shutdown();
});

test("registry: stale, foreign and wrong-kind handles are rejected; exhaustion is an error", async () => {
  const core = await createCore({ maxObjects: 4 });
  const handles = [0, 1, 2, 3].map(() => core.srtpCreate(KEY, SrtpDirection.Outbound));
  for (const handle of handles) assert.ok(handle > 0);
  assert.equal(core.errorName(core.srtpCreate(KEY, SrtpDirection.Outbound)), "PT_ERR_FULL");
  assert.equal(core.liveObjects(), 4);

  assert.equal(core.srtpDestroy(handles[1]), 0);
  assert.equal(core.errorName(core.srtpDestroy(handles[1])), "PT_ERR_STALE_HANDLE");
  assert.equal(core.errorName(core.srtpProtect(handles[1], rtpPacket(1, 10))), "PT_ERR_STALE_HANDLE");
  const reused = core.srtpCreate(KEY, SrtpDirection.Outbound);
  assert.ok(reused > 0 && reused !== handles[1]);
  assert.equal(core.errorName(core.srtpProtect(handles[1], rtpPacket(1, 10))), "PT_ERR_STALE_HANDLE");
  assert.ok(core.srtpProtect(reused, rtpPacket(1, 10)) instanceof Uint8Array);

  assert.equal(core.errorName(core.srtpProtect(123456, rtpPacket(1, 10))), "PT_ERR_INVALID_HANDLE");
  assert.equal(core.errorName(core.srtpProtect(-1, rtpPacket(1, 10))), "PT_ERR_INVALID_HANDLE");
  // An SRTP handle is not a connection handle, and the other way round.
  assert.equal(core.errorName(core.connectionState(handles[0])), "PT_ERR_WRONG_KIND");
  core.shutdown();
  assert.equal(core.liveObjects(), 0);
});

test("output queue: hello first, then the deadline, then nothing", async () => {
  const core = await createCore({ helloTimeoutMs: 5000 });
  const handle = core.connectionOpen({ apiKey: "pk_test", externalId: "ann" }, 1000);
  assert.ok(handle > 0, core.errorName(handle));
  const outputs = core.drain();
  assert.deepEqual(
    outputs.map((o) => [o.kind, o.handle, o.code]),
    [
      [OutputKind.Send, handle, Transport.Gateway],
      [OutputKind.Deadline, 0, 0],
    ],
  );
  assert.deepEqual(JSON.parse(text(outputs[0].payload)), {
    type: "hello",
    version: 2,
    minVersion: 1,
    apiKey: "pk_test",
    externalId: "ann",
  });
  assert.equal(outputs[1].deadlineMs, 6000);
  assert.deepEqual(core.drain(), []);
  core.shutdown();
});

test("output queue: a push beyond the byte budget fails and leaves nothing behind", async () => {
  const core = await createCore({ maxOutputBytes: 64 });
  const status = core.connectionOpen({ apiKey: "k", externalId: "x".repeat(100) }, 0);
  assert.equal(core.errorName(status), "PT_ERR_QUEUE_FULL");
  assert.equal(core.liveObjects(), 0);
  assert.deepEqual(core.drain(), []);
  core.shutdown();
});

test("gateway hello: a valid reply makes the connection ready with the normalised hello", async () => {
  const core = await createCore();
  const handle = core.connectionOpen({ apiKey: "k", resumeToken: "resume-1" }, 0);
  assert.ok(text(core.drain()[0].payload).includes('"resumeToken":"resume-1"'));
  const reply = JSON.stringify({
    type: "hello",
    version: 1,
    peerId: "9223372036854775807",
    resumeToken: "abc",
    iceServers: [{ urls: "stun:127.0.0.1:3478" }, { urls: ["turn:127.0.0.1"], username: "u", credential: "c" }],
  });
  assert.equal(core.connectionReceive(handle, reply, 10), 0);
  const [ready, deadline] = core.drain();
  assert.equal(ready.code, CoreEvent.ConnectionReady);
  const hello = JSON.parse(text(ready.payload));
  assert.equal(BigInt(hello.peerId), 2n ** 63n - 1n);
  assert.deepEqual(hello.iceServers, [
    { urls: ["stun:127.0.0.1:3478"] },
    { urls: ["turn:127.0.0.1"], username: "u", credential: "c" },
  ]);
  assert.equal(deadline.kind, OutputKind.Deadline);
  assert.equal(deadline.deadlineMs, -1);
  assert.equal(core.connectionState(handle), 2);
  core.shutdown();
});

test("gateway liveness: pings on version 2, a lost link is retried with the resumed hello, then ready again", async () => {
  const core = await createCore({ helloTimeoutMs: 1000 });
  const handle = core.connectionOpen({ apiKey: "k" }, 0);
  const policy = { pingIntervalMs: 100, pingTimeoutMs: 300, retryMinMs: 50, retryMaxMs: 400, giveUpMs: -1 };
  assert.equal(core.connectionConfigure(handle, policy, 0), 0);
  assert.equal(core.errorName(core.connectionConfigure(handle, { ...policy, pingTimeoutMs: 0 }, 0)), "PT_ERR_BAD_VALUE");
  core.drain();
  core.connectionReceive(handle, '{"type":"hello","version":2,"peerId":"5","resumeToken":"t1"}', 0);
  core.drain();
  core.handleTimeout(100);
  const [ping] = core.drain();
  assert.equal(text(ping.payload), '{"type":"ping","id":0}');
  core.handleTimeout(400); // unanswered
  const [lost, deadline] = core.drain();
  assert.equal(lost.code, CoreEvent.ConnectionLost);
  const { attempt, delayMs, error } = JSON.parse(text(lost.payload));
  assert.deepEqual([attempt, error], [1, "PT_ERR_TIMEOUT"]);
  assert.ok(delayMs >= 25 && delayMs <= 50, String(delayMs));
  // delayMs travels as JSON text, which cJSON prints with 15 significant digits when they read back
  // within DBL_EPSILON: the deadline (a double of its own) matches it to that precision, not to the bit.
  assert.ok(Math.abs(deadline.deadlineMs - (400 + delayMs)) <= 1e-9, `${deadline.deadlineMs} vs 400 + ${delayMs}`);
  assert.equal(core.connectionState(handle), 3);
  core.handleTimeout(deadline.deadlineMs); // the retry is due then
  const [reconnect] = core.drain();
  assert.equal(reconnect.code, CoreEvent.ConnectionReconnect);
  assert.deepEqual(JSON.parse(text(reconnect.payload)), { attempt: 1 });
  assert.equal(core.connectionSocketOpen(handle, 500), 0);
  const [hello] = core.drain();
  assert.deepEqual(JSON.parse(text(hello.payload)), { type: "hello", version: 2, minVersion: 1, apiKey: "k", externalId: "", resumeToken: "t1", takeOver: true });
  core.connectionReceive(handle, '{"type":"hello","version":2,"peerId":"5","resumeToken":"t2"}', 510);
  assert.equal(core.drain()[0].code, CoreEvent.ConnectionReady);
  core.connectionReceive(handle, '{"type":"pong","id":3,"resumeToken":"t3"}', 520);
  assert.deepEqual(JSON.parse(text(core.drain()[0].payload)), { resumeToken: "t3" });
  assert.equal(core.connectionSocketClosed(handle, 530), 0);
  assert.equal(core.drain()[0].code, CoreEvent.ConnectionLost);
  core.shutdown();
});

test("gateway hello: malformed, truncated, oversized and wrongly typed replies close with their error", async () => {
  const core = await createCore();
  const good = '{"type":"hello","version":1,"peerId":"7","resumeToken":"t"}';
  const cases = [
    ["{not json", "PT_ERR_MALFORMED"],
    [good.slice(0, -5), "PT_ERR_MALFORMED"],
    [good + " {}", "PT_ERR_MALFORMED"],
    ["", "PT_ERR_MALFORMED"],
    [`{"type":"hello","pad":"${"x".repeat(70000)}"}`, "PT_ERR_TOO_LARGE"],
    ['{"type":"hello","version":1,"peerId":7,"resumeToken":"t"}', "PT_ERR_WRONG_TYPE"],
    ['{"type":"hello","version":"1","peerId":"7","resumeToken":"t"}', "PT_ERR_WRONG_TYPE"],
    ['{"type":"hello","version":1,"peerId":"7","resumeToken":"t","iceServers":"stun:x"}', "PT_ERR_WRONG_TYPE"],
    ['{"type":"hello","version":1,"resumeToken":"t"}', "PT_ERR_MISSING_FIELD"],
    ['{"type":"hello","version":1,"peerId":"0","resumeToken":"t"}', "PT_ERR_BAD_VALUE"],
    ['{"type":"hello","version":9,"peerId":"7","resumeToken":"t"}', "PT_ERR_UNSUPPORTED_VERSION"],
    ['{"type":"alert","code":49}', "PT_ERR_UNEXPECTED_MESSAGE"],
    ["[" .repeat(10000), "PT_ERR_MALFORMED"],
  ];
  for (const [reply, expected] of cases) {
    const handle = core.connectionOpen({ apiKey: "k" }, 0);
    core.drain();
    const status = core.connectionReceive(handle, reply, 1);
    assert.equal(core.errorName(status), expected, `reply ${reply.slice(0, 60)}`);
    const [closed] = core.drain();
    assert.equal(closed.code, CoreEvent.ConnectionClosed);
    assert.deepEqual(JSON.parse(text(closed.payload)), { code: status, error: expected });
    assert.equal(core.errorName(core.connectionState(handle)), "PT_ERR_STALE_HANDLE");
  }
  assert.equal(core.liveObjects(), 0);
  // Bad input from the app side is refused before anything is sent.
  assert.equal(core.errorName(core.connectionOpen({ apiKey: "" }, 0)), "PT_ERR_BAD_VALUE");
  assert.equal(core.errorName(core.connectionOpen({ apiKey: "a\u0000b" }, 0)), "PT_ERR_BAD_VALUE");
  assert.equal(core.errorName(core.connectionOpen({ apiKey: "k".repeat(129) }, 0)), "PT_ERR_BAD_VALUE");
  assert.deepEqual(core.drain(), []);
  core.shutdown();
});

test("connection: no hello before the deadline closes it with PT_ERR_TIMEOUT", async () => {
  const core = await createCore({ helloTimeoutMs: 250 });
  const handle = core.connectionOpen({ apiKey: "k" }, 100);
  core.drain();
  assert.equal(core.handleTimeout(349), 0);
  // Nothing is due yet; the deadline is reported again for the caller's next timer.
  assert.deepEqual(
    core.drain().map((o) => [o.kind, o.deadlineMs]),
    [[OutputKind.Deadline, 350]],
  );
  assert.equal(core.handleTimeout(350), 0);
  const [closed, deadline] = core.drain();
  assert.equal(closed.handle, handle);
  assert.equal(JSON.parse(text(closed.payload)).error, "PT_ERR_TIMEOUT");
  assert.equal(deadline.deadlineMs, -1);
  core.shutdown();
});

test("SRTP: round trip, tampered packets fail authentication, replays are rejected", async () => {
  const core = await createCore();
  const sender = core.srtpCreate(KEY, SrtpDirection.Outbound);
  const receiver = core.srtpCreate(KEY, SrtpDirection.Inbound);
  for (let sequence = 1; sequence <= 20; sequence++) {
    const packet = rtpPacket(sequence, 50 * sequence);
    const protectedPacket = core.srtpProtect(sender, packet);
    assert.equal(protectedPacket.length, packet.length + 10);
    assert.deepEqual(core.srtpUnprotect(receiver, protectedPacket), packet);
    assert.equal(core.errorName(core.srtpUnprotect(receiver, protectedPacket)), "PT_ERR_SRTP_REPLAY");
  }
  const protectedPacket = core.srtpProtect(sender, rtpPacket(21, 100));
  for (const index of [2, 40, protectedPacket.length - 1]) {
    const tampered = protectedPacket.slice();
    tampered[index] ^= 0x20;
    assert.equal(core.errorName(core.srtpUnprotect(receiver, tampered)), "PT_ERR_SRTP_AUTH");
  }
  assert.deepEqual(core.srtpUnprotect(receiver, protectedPacket), rtpPacket(21, 100));
  assert.equal(core.errorName(core.srtpProtect(sender, new Uint8Array(8))), "PT_ERR_MALFORMED");
  assert.equal(core.errorName(core.srtpCreate(KEY.subarray(0, 16), 0)), "PT_ERR_INVALID_ARGUMENT");
  core.shutdown();
});

test("SRTP: the wasm build protects byte for byte as the native build", async () => {
  const core = await createCore();
  const sender = core.srtpCreate(KEY, SrtpDirection.Outbound);
  const packets = [rtpPacket(1, 1), rtpPacket(2, 160), rtpPacket(65535, 1200, 0x01020304), rtpPacket(3, 1400)];
  const wasm = packets.map((packet) => hex(core.srtpProtect(sender, packet)));
  const native = execFileSync(`${NATIVE_BUILD}/srtp_vector`, [hex(KEY), ...packets.map(hex)], { encoding: "utf8" })
    .trim()
    .split("\n");
  assert.equal(native.length, packets.length);
  assert.deepEqual(wasm, native);
  core.shutdown();
});

test("SRTP: keys come from the platform's CSPRNG", async () => {
  const core = await createCore();
  const keys = new Set(Array.from({ length: 50 }, () => hex(core.srtpGenerateKey())));
  assert.equal(keys.size, 50);
  for (const key of keys) assert.equal(key.length, 60);
  core.shutdown();
});

test("loader: views follow memory growth, and byte helpers do not leak", async () => {
  const core = await createCore();
  const sender = core.srtpCreate(KEY, SrtpDirection.Outbound);
  const receiver = core.srtpCreate(KEY, SrtpDirection.Inbound);
  const roundTrip = (sequence, size) => {
    const packet = rtpPacket(sequence, size);
    assert.deepEqual(core.srtpUnprotect(receiver, core.srtpProtect(sender, packet)), packet);
  };
  roundTrip(1, 1000); // views are now cached
  const before = core.wasm.exports.memory.buffer.byteLength;
  const block = core.wasm.alloc(64 * 1024 * 1024); // the core's malloc grows the memory
  assert.ok(core.wasm.exports.memory.buffer.byteLength > before, "memory grew");
  roundTrip(2, 1000);
  roundTrip(3, 1000000); // near libsrtp2's largest packet (2^16 AES blocks)
  core.wasm.free(block);

  const baseline = core.wasm.heapUsed();
  for (let i = 0; i < 2000; i++) {
    const packet = core.srtpProtect(sender, rtpPacket(100 + i, 300));
    core.srtpUnprotect(receiver, packet);
    const handle = core.connectionOpen({ apiKey: "k", externalId: `peer ${i}` }, i);
    core.connectionReceive(handle, '{"type":"hello","version":1,"peerId":"5","resumeToken":"t"}', i);
    core.connectionClose(handle, -22);
    core.drain();
  }
  assert.equal(core.wasm.heapUsed(), baseline);
  assert.throws(() => toBytes(42), TypeError);
  core.shutdown();
});

test("shutdown releases every object; the module can start a new core", async () => {
  const core = await createCore();
  core.srtpDestroy(core.srtpCreate(KEY, SrtpDirection.Inbound)); // libsrtp2 sets up its kernel once
  const baseline = core.wasm.heapUsed();
  core.srtpCreate(KEY, SrtpDirection.Inbound);
  core.connectionOpen({ apiKey: "k" }, 0);
  assert.equal(core.liveObjects(), 2);
  core.exports.shutdown();
  assert.equal(core.liveObjects(), 0);
  assert.equal(core.exports.init(0, 0, 0), 0);
  assert.equal(core.errorName(core.exports.init(0, 0, 0)), "PT_ERR_STATE");
  assert.equal(core.wasm.heapUsed(), baseline);
});
