// The gateway's own WebSocket server side (js/gateway/websocket.js): interoperation with the `ws` client,
// and what RFC 6455 asks of a server, frame by frame from a raw TCP client: masking, fragmentation,
// control frames, UTF-8, sizes, the closing handshake and the opening handshake's refusals.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { createServer } from "node:http";
import { connect } from "node:net";
import WebSocket from "ws";
import { MESSAGES_PER_TURN, acceptWebSocket } from "../../js/gateway/websocket.js";

const MAX_PAYLOAD = 4096;
const KEY = "dGhlIHNhbXBsZSBub25jZQ=="; // RFC 6455's example key

/** An echo server: every message is sent back as it came; "close" makes the server close (4001, "bye"). */
async function startEcho(t, options = {}) {
  const server = createServer();
  const sockets = [];
  const errors = [];
  server.on("upgrade", (request, socket, head) => {
    const ws = acceptWebSocket(request, socket, head, { maxPayload: MAX_PAYLOAD, ...options });
    if (!ws) return;
    sockets.push(ws);
    ws.on("error", (error) => errors.push(error.message));
    ws.on("message", (data, binary) => {
      if (!binary && data.toString() === "close") ws.close(4001, "bye");
      else ws.send(binary ? data : data.toString(), { binary });
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.after(() => {
    for (const ws of sockets) ws.terminate();
    server.close();
  });
  return { port: server.address().port, sockets, errors };
}

/** A masked client frame. */
function frame(opcode, payload = Buffer.alloc(0), { fin = true, rsv = 0, masked = true, length = payload.length } = {}) {
  const header = [(fin ? 0x80 : 0) | rsv | opcode];
  const maskBit = masked ? 0x80 : 0;
  if (length < 126) header.push(maskBit | length);
  else if (length < 65536) header.push(maskBit | 126, length >> 8, length & 0xff);
  else header.push(maskBit | 127, 0, 0, 0, 0, (length >>> 24) & 0xff, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff);
  if (!masked) return Buffer.concat([Buffer.from(header), payload]);
  const mask = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const body = Buffer.from(payload.map((byte, i) => byte ^ mask[i & 3]));
  return Buffer.concat([Buffer.from(header), mask, body]);
}

const text = (string, options) => frame(0x1, Buffer.from(string), options);
const closeFrame = (code, reason = "") => {
  const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
  payload.writeUInt16BE(code, 0);
  payload.write(reason, 2);
  return frame(0x8, payload);
};

/**
 * A raw client after the opening handshake: next() gives the server's frames; closed resolves at the TCP
 * close. `early` is written with the request, in the same write (the server gets it as the upgrade's head).
 */
async function rawClient(port, early = Buffer.alloc(0)) {
  const socket = connect(port, "127.0.0.1");
  await once(socket, "connect");
  const request = `GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`;
  socket.write(Buffer.concat([Buffer.from(request), early]));
  let buffer = Buffer.alloc(0);
  const waiting = [];
  const closed = once(socket, "close");
  socket.on("data", (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    waiting.splice(0).forEach((wake) => wake());
  });
  socket.on("close", () => waiting.splice(0).forEach((wake) => wake()));
  const more = () => new Promise((resolve) => waiting.push(resolve));
  while (buffer.indexOf("\r\n\r\n") < 0) {
    if (socket.destroyed) throw new Error("closed during the handshake");
    await more();
  }
  const end = buffer.indexOf("\r\n\r\n") + 4;
  const response = buffer.subarray(0, end).toString();
  buffer = buffer.subarray(end);
  /** The server's next frame {opcode, payload}, or null once the connection is closed. */
  const next = async () => {
    for (;;) {
      if (buffer.length >= 2) {
        let length = buffer[1] & 0x7f;
        let at = 2;
        if (length === 126) (length = buffer.readUInt16BE(2)), (at = 4);
        assert.equal(buffer[1] & 0x80, 0, "server frames are not masked");
        if (buffer.length >= at + length) {
          const result = { opcode: buffer[0] & 0x0f, fin: (buffer[0] & 0x80) !== 0, payload: buffer.subarray(at, at + length) };
          buffer = buffer.subarray(at + length);
          return result;
        }
      }
      if (socket.destroyed || socket.readableEnded) return null;
      await more();
    }
  };
  return { socket, response, next, closed };
}

/** The server's close frame's code (and that the connection then ends). */
async function closedWith(client) {
  const reply = await client.next();
  assert.ok(reply, "a close frame before the connection ended");
  assert.equal(reply.opcode, 0x8);
  await client.closed;
  return reply.payload.readUInt16BE(0);
}

test("the opening handshake: RFC 6455's accept value; 400 without a key, 426 (with the version) for another version", { timeout: 20_000 }, async (t) => {
  const { port } = await startEcho(t);
  const client = await rawClient(port);
  assert.match(client.response, /^HTTP\/1\.1 101 /);
  const accept = createHash("sha1").update(`${KEY}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
  assert.equal(accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  assert.match(client.response, new RegExp(`\r\nSec-WebSocket-Accept: ${accept.replace(/[+/]/g, "\\$&")}\r\n`));
  assert.doesNotMatch(client.response, /Sec-WebSocket-Extensions/i, "no extension is accepted");
  client.socket.destroy();

  const ask = async (headers) => {
    const socket = connect(port, "127.0.0.1");
    socket.write(`GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n${headers}\r\n`);
    let response = "";
    socket.on("data", (chunk) => (response += chunk));
    await once(socket, "close");
    return response;
  };
  assert.match(await ask("Sec-WebSocket-Version: 13\r\n"), /^HTTP\/1\.1 400 /);
  assert.match(await ask(`Sec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n`), /^HTTP\/1\.1 400 /);
  const old = await ask(`Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 8\r\n`);
  assert.match(old, /^HTTP\/1\.1 426 /);
  assert.match(old, /\r\nSec-WebSocket-Version: 13\r\n/);
});

test("with the ws client: text, binary, 64 KB-class and fragmented messages echo back whole; ping gets its pong; both closing handshakes", { timeout: 20_000 }, async (t) => {
  const { port } = await startEcho(t, { maxPayload: 1 << 20 });
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: true });
  await once(ws, "open");
  assert.equal(ws.extensions, "", "permessage-deflate is declined");
  const received = [];
  ws.on("message", (data, binary) => received.push({ data: Buffer.from(data), binary }));
  const big = Buffer.alloc(200_000, 7);
  ws.send("héllo");
  ws.send(Buffer.from([0, 1, 2, 255]), { binary: true });
  ws.send(big, { binary: true });
  ws.send("frag", { fin: false });
  ws.send("men", { fin: false });
  ws.send("ted", { fin: true });
  ws.ping(Buffer.from("are you there"));
  const [pong] = await once(ws, "pong");
  assert.equal(pong.toString(), "are you there");
  while (received.length < 4) await once(ws, "message");
  assert.deepEqual(received.map((m) => [m.binary, m.binary ? m.data.length : m.data.toString()]), [
    [false, "héllo"],
    [true, 4],
    [true, big.length],
    [false, "fragmented"],
  ]);
  assert.ok(received[2].data.equals(big));

  ws.send("close"); // the server closes
  const [code, reason] = await once(ws, "close");
  assert.deepEqual([code, reason.toString()], [4001, "bye"]);

  const other = new WebSocket(`ws://127.0.0.1:${port}/`);
  await once(other, "open");
  other.close(4321, "done"); // the client closes: the server echoes the code
  const [otherCode] = await once(other, "close");
  assert.equal(otherCode, 4321);
});

test("protocol errors close with 1002 (masking, reserved bits, opcodes, control frames, continuations, close codes)", { timeout: 20_000 }, async (t) => {
  const { port, errors } = await startEcho(t);
  const cases = [
    ["an unmasked frame", [text("hi", { masked: false })]],
    ["a reserved bit", [text("hi", { rsv: 0x40 })]],
    ["an unknown data opcode", [frame(0x3, Buffer.from("x"))]],
    ["an unknown control opcode", [frame(0xb)]],
    ["a control frame over 125 bytes", [frame(0x9, Buffer.alloc(126))]],
    ["a fragmented control frame", [frame(0x9, Buffer.from("x"), { fin: false })]],
    ["a continuation with nothing to continue", [frame(0x0, Buffer.from("x"))]],
    ["a new message inside a fragmented one", [text("a", { fin: false }), text("b")]],
    ["a close frame of one byte", [frame(0x8, Buffer.from([3]))]],
    ["a close code that may not be sent", [closeFrame(1005)]],
  ];
  for (const [what, frames] of cases) {
    const client = await rawClient(port);
    client.socket.write(Buffer.concat(frames));
    assert.equal(await closedWith(client), 1002, what);
  }
  assert.equal(errors.length, cases.length);
});

test("UTF-8 and sizes: text that is not UTF-8 closes with 1007, a message over maxPayload (or 1,024 fragments) with 1009 from its header alone", { timeout: 20_000 }, async (t) => {
  const { port } = await startEcho(t);
  const badText = await rawClient(port);
  badText.socket.write(frame(0x1, Buffer.from([0x68, 0xc3, 0x28])));
  assert.equal(await closedWith(badText), 1007);

  const badReason = await rawClient(port);
  badReason.socket.write(frame(0x8, Buffer.from([0x03, 0xe8, 0xff])));
  assert.equal(await closedWith(badReason), 1007);

  // Only the header is sent: the server must not wait for (or hold) the payload to refuse it.
  const oversized = await rawClient(port);
  oversized.socket.write(frame(0x2, Buffer.alloc(0), { length: MAX_PAYLOAD + 1 }).subarray(0, 8));
  assert.equal(await closedWith(oversized), 1009);

  const huge = await rawClient(port);
  huge.socket.write(Buffer.from([0x82, 0xff, 0, 0, 0, 1, 0, 0, 0, 0]));
  assert.equal(await closedWith(huge), 1009);

  const fragments = await rawClient(port);
  fragments.socket.write(Buffer.concat([frame(0x2, Buffer.alloc(3000), { fin: false }), frame(0x0, Buffer.alloc(3000))]));
  assert.equal(await closedWith(fragments), 1009);

  const pieces = await rawClient(port);
  pieces.socket.write(Buffer.concat([frame(0x2, Buffer.alloc(0), { fin: false }), ...Array.from({ length: 1100 }, () => frame(0x0, Buffer.alloc(0), { fin: false }))]));
  assert.equal(await closedWith(pieces), 1009, "a message in more than 1,024 fragments, even empty ones");

  // Exactly maxPayload is fine.
  const exact = await rawClient(port);
  exact.socket.write(frame(0x2, Buffer.alloc(MAX_PAYLOAD, 1)));
  const echoed = await exact.next();
  assert.equal(echoed.payload.length, MAX_PAYLOAD);
  exact.socket.destroy();
});

test("framing across reads: a frame a byte at a time, and many frames in one read, each arrive whole and in order", { timeout: 20_000 }, async (t) => {
  const { port } = await startEcho(t);
  const client = await rawClient(port);
  client.socket.setNoDelay(true);
  const slow = text("x".repeat(300)); // a 16-bit length
  for (const byte of slow) {
    client.socket.write(Buffer.from([byte]));
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.equal((await client.next()).payload.toString(), "x".repeat(300));
  client.socket.write(Buffer.concat(Array.from({ length: 500 }, (_, i) => text(`m${i}`))));
  for (let i = 0; i < 500; i++) assert.equal((await client.next()).payload.toString(), `m${i}`);
  // A ping between fragments is answered at once, and the message still arrives whole.
  client.socket.write(Buffer.concat([text("ab", { fin: false }), frame(0x9, Buffer.from("p")), frame(0x0, Buffer.from("cd"))]));
  const pong = await client.next();
  assert.deepEqual([pong.opcode, pong.payload.toString()], [0xa, "p"]);
  assert.equal((await client.next()).payload.toString(), "abcd");
  client.socket.destroy();
});

test("a read of many frames is handed over a budget per turn of the event loop: a burst of a few at once, a flood spread out", { timeout: 20_000 }, async (t) => {
  const { port, sockets } = await startEcho(t);
  const client = await rawClient(port);
  client.socket.setNoDelay(true);
  client.socket.write(text("first"));
  assert.equal((await client.next()).payload.toString(), "first"); // the server has its socket
  const ws = sockets[0];
  // Turns of the event loop counted by a setImmediate chain; each message notes the turn it came in.
  let turn = 0;
  let counting = true;
  const tick = () => counting && (turn++, setImmediate(tick));
  setImmediate(tick);
  const turns = [];
  ws.on("message", () => turns.push(turn));
  const count = MESSAGES_PER_TURN * 2 + 5;
  client.socket.write(Buffer.concat(Array.from({ length: count }, (_, i) => text(`m${i}`))));
  for (let i = 0; i < count; i++) assert.equal((await client.next()).payload.toString(), `m${i}`);
  counting = false;
  const perTurn = new Map();
  for (const at of turns) perTurn.set(at, (perTurn.get(at) ?? 0) + 1);
  assert.ok(Math.max(...perTurn.values()) <= MESSAGES_PER_TURN, `per turn: ${[...perTurn.values()]}`);
  assert.ok(perTurn.size >= 3, `${count} messages in ${perTurn.size} turns`);
  assert.equal(perTurn.get(turns[0]), MESSAGES_PER_TURN, "the first turn hands over a whole budget");
  client.socket.destroy();
});

test("closing: the server's close is answered or the connection is dropped after the close timeout; a client's close is echoed", { timeout: 20_000 }, async (t) => {
  const { port, sockets } = await startEcho(t, { closeTimeoutMs: 300 });
  const silent = await rawClient(port);
  silent.socket.write(text("close"));
  const reply = await silent.next();
  assert.deepEqual([reply.opcode, reply.payload.readUInt16BE(0), reply.payload.subarray(2).toString()], [0x8, 4001, "bye"]);
  // The client never answers (nor ends its side): dropped anyway.
  await silent.closed;

  const polite = await rawClient(port);
  polite.socket.write(closeFrame(1000, "ok"));
  assert.equal(await closedWith(polite), 1000);
  const serverSide = sockets.at(-1);
  if (serverSide.readyState !== 3) await once(serverSide, "close");
  assert.equal(serverSide.readyState, 3);

  // After a close, sending is a no-op rather than an error.
  serverSide.send("late");
});

test("frames sent with the upgrade request reach the listeners: a message is echoed, a bad frame closes with 1002 and the server lives", { timeout: 20_000 }, async (t) => {
  const { port } = await startEcho(t);
  const early = await rawClient(port, text("first"));
  assert.equal((await early.next()).payload.toString(), "first");
  early.socket.destroy();
  const bad = await rawClient(port, text("x", { masked: false }));
  assert.equal(await closedWith(bad), 1002);
  const after = await rawClient(port, text("still here"));
  assert.equal((await after.next()).payload.toString(), "still here");
  after.socket.destroy();
});

test("a WebSocket nobody listens to for errors does not throw on a protocol error", { timeout: 20_000 }, async (t) => {
  const server = createServer();
  server.on("upgrade", (request, socket, head) => acceptWebSocket(request, socket, head, { maxPayload: MAX_PAYLOAD }));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.after(() => server.close());
  const client = await rawClient(server.address().port, text("x", { rsv: 0x20 }));
  assert.equal(await closedWith(client), 1002);
});
