// Writes the seed corpora of the libFuzzer harnesses (tests/fuzz/corpus/<name>/seed-*) from the unit tests:
// the JSON messages of tests/c (gateway, control and input tests, one script per test function, in order), and
// for the binary formats the scenarios of the unit tests (in-order, reordered and lost packets, tampered SRTP,
// chunked messages...) written in each harness's script format. Files named regression-* (inputs that found
// something) are left alone. Run after changing a harness's format: node tests/fuzz/seeds.mjs
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "../..");
const CORPUS = join(HERE, "corpus");

// ---- C string literals of the unit tests ----

/** The string literals of a C source, adjacent ones joined, with C's escapes undone; printf conversions as "1". */
function literals(source) {
  const found = [];
  const pattern = /"((?:[^"\\\n]|\\.)*)"(\s*"((?:[^"\\\n]|\\.)*)")*/g;
  for (const match of source.matchAll(pattern)) {
    const parts = [...match[0].matchAll(/"((?:[^"\\\n]|\\.)*)"/g)].map((m) => m[1]);
    const text = parts
      .join("")
      .replace(/\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)/g, (_, e) =>
        e[0] === "x" ? String.fromCharCode(parseInt(e.slice(1), 16))
        : /^[0-7]/.test(e) ? String.fromCharCode(parseInt(e, 8))
        : ({ n: "\n", t: "\t", r: "\r", 0: "\0" })[e] ?? e,
      )
      .replace(/%(\d*)(zu|llu|lld|d|u|s)/g, "1");
    found.push(text);
  }
  return found;
}

/** Per test function of a tests/c file: its JSON object literals, in order. */
function jsonByTest(file) {
  const source = readFileSync(join(ROOT, "tests/c", file), "utf8");
  const tests = source.split(/\nstatic void (?=test_)/).slice(1);
  return tests
    .map((body) => [/^(test_\w+)/.exec(body)[1], literals(body).filter((t) => /^\{".*\}$/s.test(t) && !t.includes("\n"))])
    .filter(([, messages]) => messages.length > 0);
}

// ---- writing ----

const written = new Map();
function seed(harness, name, bytes) {
  if (!written.has(harness)) written.set(harness, []);
  written.get(harness).push([`seed-${name}`, typeof bytes === "string" ? Buffer.from(bytes, "latin1") : Buffer.from(bytes)]);
}

const u16 = (v) => [(v >> 8) & 255, v & 255];
const u24 = (v) => [(v >> 16) & 255, (v >> 8) & 255, v & 255];
const u32 = (v) => [(v >>> 24) & 255, (v >> 16) & 255, (v >> 8) & 255, v & 255];
const pattern = (n, k = 0) => Array.from({ length: n }, (_, i) => (i * 13 + k) & 255);

// ---- text harnesses from the tests' JSON ----

const SERVER_HELLO = '{"type":"hello","version":2,"peerId":"1","resumeToken":"t"}';

function gatewaySeeds() {
  for (const file of ["test_hello_codec.c", "test_gateway_messages.c", "test_connection.c", "test_connection_liveness.c"]) {
    for (const [test, messages] of jsonByTest(file)) {
      const lines = messages[0].includes('"peerId"') ? messages : [SERVER_HELLO, ...messages];
      seed("gateway", `${file.replace(/^test_|\.c$/g, "")}-${test.replace(/^test_/, "")}`, `${lines.join("\n")}\n`);
    }
  }
  seed("gateway", "session", [
    SERVER_HELLO,
    '{"type":"request","requestId":"x","source":"8","sourceExternalId":"eve"}',
    "!a0",
    "!p0",
    '{"type":"signal","requestId":"x","source":"8","kind":"candidate","data":{"candidate":"a","sdpMid":"0","sdpMLineIndex":0}}',
    "!r5",
    '{"type":"accept","requestId":"1","source":"5"}',
    "!r6",
    '{"type":"reject","requestId":"2","source":"6","reason":"no"}',
    '{"type":"request","requestId":"y","source":"9"}',
    "!j1 busy",
    "!l",
    "!t1000",
    '{"type":"pong","id":1,"resumeToken":"u","iceServers":[{"urls":"turn:192.0.2.1","username":"a","credential":"b"}]}',
    "!s",
    "!t200",
    "!o",
    SERVER_HELLO,
    '{"type":"alert","level":"fatal","code":49,"message":"bad key"}',
    "!n",
    "",
  ].join("\n"));
}

function controlSeeds() {
  for (const file of ["test_control_messages.c", "test_peer.c", "test_stream.c"]) {
    for (const [test, messages] of jsonByTest(file)) {
      const control = messages.filter((m) => /"type":"(stream-|keyframe|bitrate|permissions|list-streams|ping|pong)/.test(m));
      if (control.length > 0) seed("control", `${file.replace(/^test_|\.c$/g, "")}-${test.replace(/^test_/, "")}`, `${control.join("\n")}\n`);
    }
  }
  seed("control", "streams", ["!a2", "!a3", '{"type":"ping","id":3}', "!j2", "!q5", "!r no", "!e3", "!b100000", "!k", "!l",
    "!s2", 'h{"type":"stream-join","streamId":3}', "!j3", "!v3", "!t100", "!x1", ""].join("\n"));
}

function inputSeeds() {
  for (const [test, messages] of jsonByTest("test_input_record.c")) {
    messages.forEach((message, i) => seed("input", `${test.replace(/^test_/, "")}-${i}`, message));
  }
}

function base64Seeds() {
  const source = readFileSync(join(ROOT, "tests/c/test_control_messages.c"), "utf8");
  const body = source.slice(source.indexOf("static void test_base64"), source.indexOf("int main"));
  literals(body).forEach((text, i) => seed("base64", `control_messages-${i}`, text));
}

// ---- binary harnesses: the unit tests' scenarios in each script format ----

function chunk(kind, id, index, size, total, payload) {
  return [1, kind, 0, 0, ...u32(id), ...u32(index), ...u32(size), ...u32(total), ...payload];
}

function chunkSeeds() {
  seed("chunk", "standalone", chunk(0, 1, 0, 1024, 5, pattern(5)));
  seed("chunk", "empty", chunk(0, 2, 0, 1024, 0, []));
  seed("chunk", "middle-of-three", chunk(1, 3, 1, 1024, 2500, pattern(1024)));
  seed("chunk", "last-of-three", chunk(2, 3, 2, 1024, 2500, pattern(452)));
}

function channelSeeds() {
  // fuzz_channel: [op][fields]; a message sent whole and with a chunk left out, a request, time, a reopen.
  seed("channel", "send-and-lose", [4, 0, 2, ...u24(3000), 0, 4, 2, 0, ...u24(70000), 0xf1, 3, 1, 2, ...u16(700), 5, 1]);
  seed("channel", "described-chunks", [
    0, 2, 0, 9, ...u24(0), ...u24(1024), ...u32(3000), 0,
    0, 2, 0, 9, ...u24(2), ...u24(1024), ...u32(3000), 0,
    0, 2, 0, 9, ...u24(1), ...u24(1024), ...u32(3000), 0,
    1, 0, 1, 0, 0, 0, ...u32(1), ...u32(0), ...u32(1024), ...u32(10), ...u16(10),
  ]);
}

function feedbackSeeds() {
  // A generic NACK (RTCP PT 205, FMT 1): sender SSRC, media SSRC, then PID and BLP.
  seed("feedback", "nack", [0x81, 205, ...u16(3), ...u32(1), ...u32(0x0b0b0001), ...u16(100), ...u16(0x8001)]);
  seed("feedback", "two-nacks", [0x81, 205, ...u16(4), ...u32(1), ...u32(7), ...u16(5), ...u16(0), ...u16(65535), ...u16(3)]);
}

function rtpFrame(key, n, k) {
  return [0, 0, 0, 1, key ? 0x65 : 0x41, ...pattern(n, k)];
}

function rtpSeeds() {
  // As test_rtp_packetizer: parameter sets and an IDR, a large access unit, small slices; VP8 and Opus frames.
  seed("rtp", "sps-pps-idr", [0, 0, 0, 1, 0x67, 0x42, 0xe0, 0x1f, 0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80, 0, 0, 1, 0x65, ...pattern(300)]);
  seed("rtp", "large-idr", rtpFrame(1, 3000, 1));
  seed("rtp", "small-slices", [].concat(...Array.from({ length: 6 }, (_, i) => [0, 0, 1, 0x41, ...pattern(20, i)])));
  seed("rtp", "payloads-stap-fu", [7, 24, ...u16(2), 0x67, 0x42, 9, 0x7c, 0x85, ...pattern(7), 5, 0x7c, 0x45, 1, 2, 3]);
  seed("rtp", "vp8-payloads", [8, 0x90, 0x80, 0x81, 0x02, 0x10, 1, 2, 3, 6, 0x80, 0x80, 0x81, 0x02, 4, 5]);
}

/** fuzz_frame_assembler: header, then packets of frames (delta seq, timestamp step, form, length, time). */
function assemblerSeeds() {
  const header = [0, 2, 0, 4, 40, 60, 0, 0]; // 512 packets, 16 KiB, 40 ms reorder, 240 ms between requests
  const packet = (delta, tsStep, marker, length) => [0, delta & 255, tsStep, marker ? 1 : 0, length, 4];
  const inOrder = [].concat(packet(0, 0, 1, 20), packet(1, 1, 0, 40), packet(1, 0, 0, 40), packet(1, 0, 1, 40), packet(1, 1, 1, 30));
  seed("frame_assembler", "in-order", [...header, ...inOrder]);
  const reordered = [].concat(packet(0, 0, 1, 20), packet(2, 1, 0, 40), packet(-1, 0, 0, 40), packet(2, 0, 1, 40), packet(-1, 0, 0, 40));
  seed("frame_assembler", "reordered", [...header, ...reordered, 4, ...u16(10)]);
  const lost = [].concat(packet(0, 0, 1, 20), packet(1, 1, 0, 41), packet(2, 0, 1, 40), 4, 100, 0, 5, 0, packet(1, 1, 1, 40));
  seed("frame_assembler", "lost-middle", [...header, ...lost, 7, 0xff]);
  seed("frame_assembler", "forms-and-restart", [...header, 0, 0, 0, 0x1f, 30, 1, 1, 0x80, 0x00, 1, 0x0e, 20, 1, 1, 0x80, 0x01, 1, 1, 20, 1,
    3, 12, 0x80, 96, 0, 5, 0, 0, 0, 1, 0, 0, 0, 2, 6, 40, 5]);
}

/** fuzz_srtp: protect three packets, deliver them (one twice), tamper, raw bytes. */
function srtpSeeds() {
  const protect = (ssrc, step, form, length) => [0, ssrc, step, form, ...u16(length)];
  seed("srtp", "deliver-replay-tamper", [...protect(0, 1, 0, 100), ...protect(0, 1, 1, 200), ...protect(1, 5, 0x0c, 50),
    1, 0, 1, 0, 1, 2, 1, 1, 2, 1, 0, ...u16(30), 7, 2, 2, 1, ...u16(5), 0, 2, 2, 2, ...u16(0), 3]);
  seed("srtp", "raw", [3, ...u16(20), 0x80, 96, 0, 1, ...u32(5), ...u32(6), ...pattern(8), 4, 16, 1, ...u16(16), 0x80, 96, 0, 9, ...u32(5),
    ...u32(6), ...pattern(4)]);
}

/** fuzz_media: the host sends H.264 and Opus frames (some packets lost), time passes; stream 2 gets packets and FEC. */
function mediaSeeds() {
  const out = [0];
  for (let i = 0; i < 6; i++) {
    const frame = rtpFrame(i % 3 === 0, i % 3 === 0 ? 2500 : 400, i);
    out.push(0, 0, i === 4 ? 0x04 : 0, i === 5 ? 1 : 0, ...u16(frame.length), ...frame, 3, ...u16(40));
    const opus = [0xfc, ...pattern(40, i)];
    out.push(0, 1, 0, 0, ...u16(opus.length), ...opus);
  }
  for (let i = 0; i < 4; i++) {
    const nal = [i === 0 ? 0x65 : 0x41, ...pattern(50, i)];
    out.push(1, 4, 1, 10, ...u16(nal.length), ...nal, 3, ...u16(30));
  }
  out.push(1, 2, 1, 0, ...u16(40), ...u16(1), 2, 0, ...u32(0), ...u16(0), ...u16(51), ...pattern(28), 4, 0, 4, 3);
  seed("media", "streams", out);
}

/** fuzz_boundary: a ready session, a channel, a control message, input, SRTP through the exports. */
function boundarySeeds() {
  const step = (op, a, b, bytes) => [op, a, b, ...u16(bytes.length), ...bytes];
  const text = (s) => [...Buffer.from(s)];
  seed("boundary", "session", [
    ...step(19, 0, 0, []),
    ...step(7, 1, 1, text("chat")),
    ...step(8, 3, 0, text("hello")),
    ...step(10, 1, 0, text('{"type":"ping","id":1}')),
    ...step(12, 1, 0, text('{"type":"stream-announce","requestId":0,"stream":{"id":4,"type":0,"defaultInputLevel":127,' +
      '"videoSsrc":1,"audioSsrc":2,"srtpKey":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","video":{"codec":"avc1.42e01f",' +
      '"width":64,"height":48,"frameRate":30,"config":""}}}')),
    ...step(14, 4, 7, text('{"type":5,"action":0,"key":44}')),
    ...step(15, 0, 8, text('{"type":1,"x":10,"y":20}')),
    ...step(18, 0, 0, pattern(30)),
    ...step(18, 1, 16, [0x80, 96, 0, 1, ...u32(5), ...u32(6), ...pattern(20)]),
    ...step(20, 4, 200, []),
    ...step(3, 0, 0, text('{"type":"alert","level":"fatal","code":0}')),
  ]);
}

// ---- main ----

gatewaySeeds();
controlSeeds();
inputSeeds();
base64Seeds();
chunkSeeds();
channelSeeds();
feedbackSeeds();
rtpSeeds();
assemblerSeeds();
srtpSeeds();
mediaSeeds();
boundarySeeds();
for (const [harness, files] of written) {
  const dir = join(CORPUS, harness);
  mkdirSync(dir, { recursive: true });
  for (const old of readdirSync(dir).filter((name) => name.startsWith("seed-"))) rmSync(join(dir, old));
  for (const [name, bytes] of files) writeFileSync(join(dir, name), bytes);
  process.stdout.write(`${harness}: ${files.length} seeds\n`);
}
