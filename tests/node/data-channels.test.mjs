// App data channels end to end: two SDK clients in Node, a real gateway on loopback, real
// RTCPeerConnections (@roamhq/wrtc), messages through the C core's framing.
// Each test lets the other side announce a channel before closing: @roamhq/wrtc crashes at process
// exit when a connection is closed while the other side's announcement of a new channel is in flight.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import rainway, { DataChannelMode, MessageEventType, RainwayError } from "../../js/index.js";
import { startGateway } from "../../js/gateway/index.js";
import { nextEvent, until } from "../helpers/events.mjs";

let gateway;
before(async () => {
  gateway = await startGateway({ keys: { key: "org" } });
});
after(async () => {
  await gateway?.close();
});

const text = (bytes) => new TextDecoder().decode(bytes);


/** Two connected peers; returns both ends and a cleanup. */
async function pair() {
  const a = await rainway.connect({ apiKey: "key", externalId: "a", gatewayUrl: gateway.url });
  const b = await rainway.connect({ apiKey: "key", externalId: "b", gatewayUrl: gateway.url });
  const accepted = nextEvent(b, "peer-request").then(([request]) => request.accept());
  const [peerOfA, peerOfB] = await Promise.all([a.connect(b.id), accepted]);
  return {
    peerOfA,
    peerOfB,
    close() {
      a.close();
      b.close();
    },
  };
}

/** Opens a channel from `from`; resolves with both ends once the other side has announced it. */
async function openChannel(from, to, options) {
  const announced = nextEvent(to, "datachannel");
  const local = await from.createDataChannel(options);
  const [remote] = await announced;
  return { local, remote };
}

/** Collects "message" events of a channel. */
function collect(channel) {
  const messages = [];
  channel.addEventListener("message", (message) => messages.push(message));
  return messages;
}


test("a channel created by either side works both ways; datachannel fires on the other side", async () => {
  const { peerOfA, peerOfB, close } = await pair();
  try {
    for (const [creator, other, id] of [
      [peerOfA, peerOfB, "from-a"],
      [peerOfB, peerOfA, "from-b"],
    ]) {
      const { local, remote } = await openChannel(creator, other, { id, mode: DataChannelMode.Reliable });
      assert.equal(remote.id, id);
      assert.equal(remote.mode, DataChannelMode.Reliable);
      assert.equal(remote.peer, other);
      assert.equal(local.peer, creator);
      assert.equal(creator.dataChannels.get(id), local);
      assert.equal(other.dataChannels.get(id), remote);
      const atRemote = collect(remote);
      const atLocal = collect(local);
      local.send("hello");
      remote.send(new Uint8Array([1, 2, 3]));
      await until(() => atRemote.length === 1 && atLocal.length === 1);
      assert.equal(atRemote[0].type, MessageEventType.Standalone);
      assert.equal(text(atRemote[0].data), "hello");
      assert.ok(atLocal[0].data instanceof Uint8Array);
      assert.deepEqual([...atLocal[0].data], [1, 2, 3]);
    }
    assert.deepEqual([...peerOfA.dataChannels.keys()].sort(), ["from-a", "from-b"]);
    assert.deepEqual([...peerOfB.dataChannels.keys()].sort(), ["from-a", "from-b"]);
  } finally {
    close();
  }
});

test("every input type is sent; empty messages arrive as empty messages", async () => {
  const { peerOfA, peerOfB, close } = await pair();
  try {
    const { local, remote } = await openChannel(peerOfA, peerOfB, { id: "types", mode: DataChannelMode.Reliable });
    const received = collect(remote);
    const buffer = new Uint8Array([9, 8, 7, 6]).buffer;
    local.send("héllo ✓");
    local.send("");
    local.send(new Uint8Array(0));
    local.send(buffer);
    local.send(new DataView(buffer, 1, 2));
    local.send(new Uint16Array([0x0102]));
    await until(() => received.length === 6);
    assert.equal(text(received[0].data), "héllo ✓");
    assert.equal(received[1].data.length, 0);
    assert.equal(received[2].data.length, 0);
    assert.deepEqual([...received[3].data], [9, 8, 7, 6]);
    assert.deepEqual([...received[4].data], [8, 7]);
    assert.equal(received[5].data.length, 2);
    assert.throws(() => local.send(42), (e) => e instanceof RainwayError && /must be a string, Uint8Array/.test(e.message));
  } finally {
    close();
  }
});

test("10,000 reliable messages arrive complete and in order", async () => {
  const { peerOfA, peerOfB, close } = await pair();
  try {
    const { local, remote } = await openChannel(peerOfA, peerOfB, { id: "bulk", mode: DataChannelMode.Reliable });
    const received = collect(remote);
    for (let i = 0; i < 10000; i++) local.send(`message ${i}`);
    await until(() => received.length === 10000, 60000);
    received.forEach((message, i) => assert.equal(text(message.data), `message ${i}`));
  } finally {
    close();
  }
});

test("a 16 MiB message arrives byte-identical; a message over the maximum is refused", async () => {
  const { peerOfA, peerOfB, close } = await pair();
  try {
    const { local, remote } = await openChannel(peerOfA, peerOfB, { id: "big", mode: DataChannelMode.Reliable });
    const big = new Uint8Array(16 * 1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
    const arrived = nextEvent(remote, "message", 60000);
    local.send(big);
    const [message] = await arrived;
    assert.equal(message.data.length, big.length);
    assert.ok(Buffer.from(message.data.buffer, message.data.byteOffset, message.data.length).equals(Buffer.from(big.buffer)));
    // The buffer the SDK takes the core's outputs into grew for it, and is back to its small size.
    assert.equal((await rainway.diagnostics()).outputBufferBytes, 64 * 1024);
    assert.throws(
      () => local.send(new Uint8Array(64 * 1024 * 1024 + 1)),
      (e) => e instanceof RainwayError && e.message.includes("larger than channel \"big\" allows (67108864 bytes)"),
    );
    const { local: small } = await openChannel(peerOfA, peerOfB, { id: "small", mode: DataChannelMode.Reliable, maxMessageSize: 1000 });
    small.send(new Uint8Array(1000));
    assert.throws(() => small.send(new Uint8Array(1001)), /larger than channel "small" allows \(1000 bytes\)/);
  } finally {
    close();
  }
});

test("unreliable channels deliver whole messages or none: a message missing a chunk is dropped and counted", async () => {
  const { peerOfA, peerOfB, close } = await pair();
  try {
    const { local, remote } = await openChannel(peerOfA, peerOfB, { id: "fast", mode: DataChannelMode.Unreliable });
    assert.equal(remote.mode, DataChannelMode.Unreliable);
    const received = collect(remote);
    // Multi-chunk messages, each filled with its own number; paced, as a real sender of unreliable data is.
    const count = 20;
    for (let i = 0; i < count; i++) {
      local.send(new Uint8Array(200 * 1024).fill(i + 1));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // Every message is either delivered or, once its partial expires (10 s), counted as dropped.
    await until(() => received.length + remote.counters().droppedIncomplete === count, 30000);
    const seen = new Set();
    for (const { data } of received) {
      assert.equal(data.length, 200 * 1024);
      assert.ok(data.every((v) => v === data[0]), "no message mixes chunks of others or has holes");
      assert.ok(!seen.has(data[0]), "no message is delivered twice");
      seen.add(data[0]);
    }
    assert.ok(received.length >= count / 2, `most messages arrive on loopback (${received.length}/${count})`);
    assert.equal(remote.counters().rejectedChunks, 0);
  } finally {
    close();
  }
});

test("request/respond round trip, timeout, and rejection on close", async () => {
  const { peerOfA, peerOfB, close } = await pair();
  try {
    const { local, remote } = await openChannel(peerOfA, peerOfB, {
      id: "rpc",
      mode: DataChannelMode.Reliable,
      requestTimeoutMs: 300,
    });
    remote.addEventListener("message", (message) => {
      if (message.type !== MessageEventType.Request) return;
      const asked = text(message.data);
      if (asked.startsWith("echo ")) {
        message.respond(`you said ${asked.slice(5)}`);
        assert.throws(() => message.respond("again"), /already answered/);
      }
    });
    const answers = await Promise.all([local.request("echo one"), local.request("echo two"), local.request("echo three")]);
    assert.deepEqual(answers.map(text), ["you said one", "you said two", "you said three"]);
    // Requests from the other direction work on the same channel too.
    local.addEventListener("message", (message) => message.type === MessageEventType.Request && message.respond(new Uint8Array([7])));
    assert.deepEqual([...(await remote.request(""))], [7]);

    await assert.rejects(local.request("ignored"), (e) => e instanceof RainwayError && e.message === 'Rainway SDK Error: The request on channel "rpc" timed out after 300 ms.');

    const pending = local.request("ignored too");
    const closedLocally = nextEvent(local, "close");
    local.close();
    await assert.rejects(pending, /Channel "rpc" closed before the response arrived./);
    await closedLocally;
  } finally {
    close();
  }
});

test("closing a channel or a peer closes it on both sides; sending afterwards throws", async () => {
  const { peerOfA, peerOfB, close } = await pair();
  try {
    const first = await openChannel(peerOfA, peerOfB, { id: "one", mode: DataChannelMode.Reliable });
    const remoteClosed = nextEvent(first.remote, "close");
    const localClosed = nextEvent(first.local, "close");
    first.local.close();
    await Promise.all([remoteClosed, localClosed]);
    assert.equal(peerOfA.dataChannels.has("one"), false);
    assert.equal(peerOfB.dataChannels.has("one"), false);
    assert.throws(() => first.local.send("late"), (e) => e instanceof RainwayError && e.message === 'Rainway SDK Error: sendMessage: channel "one" is not open');

    const second = await openChannel(peerOfB, peerOfA, { id: "two", mode: DataChannelMode.Unreliable });
    const bothClosed = Promise.all([nextEvent(second.local, "close"), nextEvent(second.remote, "close", 20000)]);
    peerOfA.close();
    await bothClosed;
    assert.throws(() => second.remote.send("late"), /peer is disconnected/);
    assert.equal(peerOfB.dataChannels.size, 0);
  } finally {
    close();
  }
});

test("bad ids and modes are refused with the original's messages", async () => {
  const { peerOfA, peerOfB, close } = await pair();
  try {
    await assert.rejects(peerOfA.createDataChannel({ id: "RW_Video", mode: DataChannelMode.Reliable }), {
      message: "Rainway SDK Error: Data channel names starting with RW_ are reserved for Rainway",
    });
    await openChannel(peerOfA, peerOfB, { id: "taken", mode: DataChannelMode.Reliable });
    await assert.rejects(peerOfA.createDataChannel({ id: "taken", mode: DataChannelMode.Reliable }), {
      message: "Rainway SDK Error: Couldn't create Data Channel: taken (a channel with this id already exists)",
    });
    await assert.rejects(peerOfA.createDataChannel({ id: "x", mode: 7 }), /mode must be DataChannelMode/);
    await assert.rejects(peerOfA.createDataChannel({ id: "", mode: DataChannelMode.Reliable }), RainwayError);
    await assert.rejects(peerOfA.createDataChannel(), RainwayError);
  } finally {
    close();
  }
});

test("core memory returns to its baseline once peers and channels are closed", async () => {
  // Warm up once (first peer, first channel, libsrtp-free paths) so that one-time allocations settle.
  const warm = await pair();
  await openChannel(warm.peerOfA, warm.peerOfB, { id: "warm", mode: DataChannelMode.Reliable });
  warm.close();
  await new Promise((resolve) => setTimeout(resolve, 300));
  const baseline = await rainway.diagnostics();

  const { peerOfA, peerOfB, close } = await pair();
  const { local, remote } = await openChannel(peerOfA, peerOfB, { id: "mem", mode: DataChannelMode.Reliable });
  const received = collect(remote);
  const block = new Uint8Array(1024 * 1024);
  for (let i = 0; i < 8; i++) local.send(block);
  await until(() => received.length === 8);
  const busy = await rainway.diagnostics();
  assert.ok(busy.liveObjects > baseline.liveObjects);
  close();
  let after = await rainway.diagnostics();
  for (let tries = 0; tries < 200 && after.liveObjects !== baseline.liveObjects; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    after = await rainway.diagnostics();
  }
  assert.equal(after.liveObjects, baseline.liveObjects);
  assert.equal(after.heapBytes, baseline.heapBytes);
});
