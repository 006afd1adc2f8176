// A hostile peer against app data channels (issue 14): a connected peer opens raw RTCDataChannels of its
// own and sends crafted chunks. Once, 714 bytes of them filled the victim's core heap to 1 GiB and new
// connections timed out. Now the victim refuses channels past its limit, refuses the crafted chunks or
// holds memory in proportion to what arrived, and keeps serving others.
// Real gateway on loopback, real RTCPeerConnections (@roamhq/wrtc); the hostile peer is an SDK peer whose
// RTCPeerConnection the test reaches through a recording RTCPeerConnection (the SDK takes the global one).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import wrtc from "@roamhq/wrtc";
import rainway, { DataChannelMode } from "../../js/index.js";
import { startGateway } from "../../js/gateway/index.js";
import { CHANNELS_PER_PEER_MAX, CHUNK_HEADER_SIZE, CHUNK_SIZE_MIN, MEDIA_MESSAGE_MAX } from "../../js/core/core.js";
import { chunkSizeFor } from "../../js/sdk/data-channel.js";
import { nextEvent, until } from "../helpers/events.mjs";

const created = [];
globalThis.RTCPeerConnection = function RecordedPeerConnection(configuration) {
  const pc = new wrtc.RTCPeerConnection(configuration);
  // The channels the SDK makes on it too (its media channels), by label.
  const createDataChannel = pc.createDataChannel.bind(pc);
  pc.channels = new Map();
  pc.createDataChannel = (label, options) => {
    const channel = createDataChannel(label, options);
    pc.channels.set(label, channel);
    return channel;
  };
  created.push(pc);
  return pc;
};

let gateway;
before(async () => {
  gateway = await startGateway({ keys: { key: "org" } });
});
after(async () => {
  await gateway?.close();
});

const MIB = 1024 * 1024;

/** One chunk (docs/PROTOCOL.md, "App data channels") with its payload filled in. */
function chunk({ kind = 0, id, index, chunkSize, total }) {
  const offset = index * chunkSize;
  const length = Math.max(0, Math.min(chunkSize, total - offset));
  const bytes = new Uint8Array(CHUNK_HEADER_SIZE + length).fill(0x5a, CHUNK_HEADER_SIZE);
  const view = new DataView(bytes.buffer);
  bytes[0] = 1;
  bytes[1] = kind;
  view.setUint32(4, id);
  view.setUint32(8, index);
  view.setUint32(12, chunkSize);
  view.setUint32(16, total);
  return bytes;
}

/** Sums a counter over the victim's channels of one peer. */
function total(peer, name) {
  let sum = 0;
  for (const channel of peer.dataChannels.values()) sum += channel.counters()?.[name] ?? 0;
  return sum;
}

test("the sender's chunk size follows the transport but never goes under the protocol's minimum", () => {
  assert.equal(chunkSizeFor(262144), 65536 - CHUNK_HEADER_SIZE);
  assert.equal(chunkSizeFor(65536), 65536 - CHUNK_HEADER_SIZE);
  assert.equal(chunkSizeFor(16384), 16384 - CHUNK_HEADER_SIZE);
  assert.equal(chunkSizeFor(CHUNK_SIZE_MIN + CHUNK_HEADER_SIZE), CHUNK_SIZE_MIN);
  assert.equal(chunkSizeFor(1000), CHUNK_SIZE_MIN);
  assert.equal(chunkSizeFor(Number.NaN), 65536 - CHUNK_HEADER_SIZE);
});

test("a hostile peer's crafted chunks on every channel it may open leave the victim's memory bounded; others still connect", async (t) => {
  const logs = [];
  const onLog = (level, target, message) => logs.push(message);
  rainway.addEventListener("log", onLog);
  const victim = await rainway.connect({ apiKey: "key", externalId: "victim", gatewayUrl: gateway.url });
  const hostile = await rainway.connect({ apiKey: "key", externalId: "hostile", gatewayUrl: gateway.url });
  const connections = [victim, hostile];
  try {
    const firstCreated = created.length;
    const accepted = nextEvent(victim, "peer-request").then(([request]) => request.accept());
    const [, victimPeer] = await Promise.all([hostile.connect(victim.id), accepted]);
    const pc = created.slice(firstCreated).find((candidate) => candidate.localDescription?.type === "offer");
    assert.ok(pc, "the hostile side's RTCPeerConnection");
    const baseline = (await rainway.diagnostics()).heapBytes;

    // More channels than a peer may have: the victim takes 256 and closes the rest.
    const attempts = CHANNELS_PER_PEER_MAX + 8;
    const raws = [];
    for (let i = 0; i < attempts; i++) {
      const raw = pc.createDataChannel(`raw-${i}`);
      raw.binaryType = "arraybuffer";
      raws.push(raw);
    }
    const live = () => raws.filter((raw) => raw.readyState === "open" && victimPeer.dataChannels.has(raw.label));
    await until(() => victimPeer.dataChannels.size === CHANNELS_PER_PEER_MAX && live().length === CHANNELS_PER_PEER_MAX, 60000);
    await until(() => raws.filter((raw) => raw.readyState === "closed").length === attempts - CHANNELS_PER_PEER_MAX, 60000);
    const refusals = logs.filter((line) => line.includes("the most data channels allowed at once, 256"));
    assert.equal(refusals.length, attempts - CHANNELS_PER_PEER_MAX);
    const channels = live();

    // Issue 14's 714 bytes: 34 chunks, each the first byte of a 64 MiB message, two per channel.
    let sent = 0;
    for (let n = 0; n < 34; n++) {
      const bytes = chunk({ id: 1 + (n % 2), index: 0, chunkSize: 1, total: 64 * MIB });
      channels[Math.floor(n / 2)].send(bytes);
      sent += bytes.length;
    }
    assert.equal(sent, 714);
    await until(() => total(victimPeer, "rejectedChunks") === 34);

    // Its valid form: on each channel, 8 messages of 64 MiB (the most a channel reassembles at once),
    // each started by its last chunk (64 bytes with 1,025-byte chunks) and its first.
    const chunkSize = CHUNK_SIZE_MIN + 1;
    const count = Math.ceil((64 * MIB) / chunkSize);
    sent = 0;
    for (const raw of channels) {
      for (let id = 11; id < 19; id++) {
        for (const index of [count - 1, 0]) {
          const bytes = chunk({ id, index, chunkSize, total: 64 * MIB });
          raw.send(bytes);
          sent += bytes.length;
        }
      }
    }
    const expected = channels.length * 16;
    await until(() => total(victimPeer, "chunksReceived") === expected, 60000);
    const grown = (await rainway.diagnostics()).heapBytes - baseline;
    t.diagnostic(
      `victim core heap: +${(grown / MIB).toFixed(1)} MiB after ${attempts} channels and ${(sent / MIB).toFixed(1)} MiB of chunks announcing ${channels.length * 8} messages of 64 MiB`,
    );
    assert.equal(total(victimPeer, "rejectedChunks"), 34);
    assert.equal(total(victimPeer, "messagesReceived"), 0);
    // Bounded by what arrived (2.3 MB of chunks, plus 256 channels), far from the 1 GiB it once took.
    assert.ok(grown < 4 * sent + 2 * MIB, `the victim's core grew by ${grown} bytes for ${sent} bytes sent`);

    // Someone else connects to the victim and talks to it as usual.
    const friend = await rainway.connect({ apiKey: "key", externalId: "friend", gatewayUrl: gateway.url });
    connections.push(friend);
    const friendAccepted = nextEvent(victim, "peer-request").then(([request]) => request.accept());
    const [friendPeer, victimOfFriend] = await Promise.all([friend.connect(victim.id), friendAccepted]);
    const announced = nextEvent(victimOfFriend, "datachannel");
    const local = await friendPeer.createDataChannel({ id: "chat", mode: DataChannelMode.Reliable });
    const [remote] = await announced;
    const arrived = nextEvent(remote, "message");
    local.send("still here?");
    const [message] = await arrived;
    assert.equal(new TextDecoder().decode(message.data), "still here?");

    // The hostile peer gone, its memory is given back.
    const closedPeer = nextEvent(victimPeer, "close", 20000);
    hostile.close();
    connections.splice(connections.indexOf(hostile), 1);
    await closedPeer;
    let after = (await rainway.diagnostics()).heapBytes - baseline;
    for (let tries = 0; tries < 100 && after > 512 * 1024; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      after = (await rainway.diagnostics()).heapBytes - baseline;
    }
    assert.ok(after < 512 * 1024, `the victim's core still holds ${after} bytes more than before the attack`);
  } finally {
    for (const connection of connections) connection.close();
    rainway.removeEventListener("log", onLog);
  }
});

test("media messages longer than any the protocol has are refused before the core copies them, and logged once", async () => {
  const logs = [];
  const onLog = (level, target, message) => logs.push(message);
  rainway.addEventListener("log", onLog);
  const victim = await rainway.connect({ apiKey: "key", externalId: "victim", gatewayUrl: gateway.url });
  const hostile = await rainway.connect({ apiKey: "key", externalId: "hostile", gatewayUrl: gateway.url });
  try {
    const firstCreated = created.length;
    const accepted = nextEvent(victim, "peer-request").then(([request]) => request.accept());
    const [hostilePeer, victimPeer] = await Promise.all([hostile.connect(victim.id), accepted]);
    const pc = created.slice(firstCreated).find((candidate) => candidate.localDescription?.type === "offer");
    const video = pc?.channels.get("RW_Video");
    assert.ok(video, "the hostile side's RW_Video channel");
    await until(() => video.readyState === "open");
    const size = 64 * 1024;
    assert.ok(size > MEDIA_MESSAGE_MAX);
    for (let i = 0; i < 20; i++) video.send(new Uint8Array(size).fill(0x80));
    const refused = () => logs.filter((line) => line.includes(`media message of ${size} bytes refused (at most ${MEDIA_MESSAGE_MAX})`));
    await until(() => refused().length > 0);
    // The peer still works: a data-channel message crosses after them.
    const announced = nextEvent(victimPeer, "datachannel");
    const local = await hostilePeer.createDataChannel({ id: "after", mode: DataChannelMode.Reliable });
    const [remote] = await announced;
    const arrived = nextEvent(remote, "message");
    local.send("still here?");
    await arrived;
    assert.equal(refused().length, 1);
  } finally {
    victim.close();
    hostile.close();
    rainway.removeEventListener("log", onLog);
  }
});
