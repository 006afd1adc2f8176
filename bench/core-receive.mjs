// The core's receive path per SRTP video packet (wasm, through the JS glue, outputs drained as the SDK's
// runtime does) against libsrtp's unprotect alone on the same packets (wasm, through the same glue), in
// the same run and interleaved: the part of a packet's cost that is Petrichor's own, not the cipher's.
// Also with many other objects holding timers, to show that a packet's cost does not grow with them.
import { performance } from "node:perf_hooks";
import { MediaKind, SrtpDirection, createCore } from "../js/core/core.js";

const SEND = 1;
const TRANSPORT_CONTROL = 3;
const TRANSPORT_VIDEO = 4;
const FRAME_BYTES = 10000; // about 9 packets of a 1200-byte MTU
const FRAME_MS = 1000 / 30;
const CHUNK = 100;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** An H.264 access unit in Annex-B: SPS, PPS and an IDR slice, or one non-IDR slice; no start codes inside. */
function accessUnit(key, size) {
  const head = key ? [0, 0, 0, 1, 0x67, 0x42, 0xe0, 0x1f, 0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80, 0, 0, 0, 1, 0x65] : [0, 0, 0, 1, 0x41];
  const frame = new Uint8Array(size).fill(0x5a);
  frame.set(head);
  return frame;
}

/** Brings a connection to ready and accepts requests from remote peers 8, 9 and 10. */
function threePeers(core) {
  const connection = core.connectionOpen({ apiKey: "k" }, 0);
  core.connectionReceive(connection, '{"type":"hello","version":1,"peerId":"1","resumeToken":"t"}', 0);
  const peers = [8, 9, 10].map((remote) => {
    core.connectionReceive(connection, `{"type":"request","requestId":"r${remote}","source":"${remote}"}`, 0);
    return core.connectionAccept(connection, `r${remote}`, 1e12, 0);
  });
  core.drain();
  if (!peers.every((peer) => peer > 0)) throw new Error("core receive bench: the peers were not created");
  return peers;
}

/** A client peer joins the stream the control message announces; returns the inbound stream. */
function join(core, client, announcement) {
  core.peerControlReceive(client, announcement, 0);
  const inbound = core.peerJoinStream(client, 1, 0);
  if (!(inbound > 0)) throw new Error(`core receive bench: join failed (${core.errorName(inbound)})`);
  core.drain();
  return inbound;
}

/**
 * One core with a host peer streaming to a live client peer, whose feedback (arrival reports, NACKs)
 * goes back to the host as it would over a link, so that the host's rate control keeps sending; and
 * `others` extra objects with timers (gateway connections waiting for their hello). Returns a second
 * client peer that joined the same stream but has received nothing yet, the SRTP packets the host sent
 * with their send times, and the stream's key.
 */
function streamingCore(core, frames, others) {
  for (let i = 0; i < others; i++) core.connectionOpen({ apiKey: "k" }, 0);
  const [host, live, client] = threePeers(core);
  const description = {
    id: 1, type: 0, defaultInputLevel: 0, videoSsrc: 0, audioSsrc: 0, srtpKey: "A".repeat(40),
    video: { codec: "avc1.42e01f", width: 1280, height: 720, frameRate: 30 },
  };
  const outbound = core.peerAnnounceStream(host, JSON.stringify({ type: "stream-announce", requestId: 0, stream: description }), 0);
  if (!(outbound > 0)) throw new Error(`core receive bench: announce failed (${core.errorName(outbound)})`);
  const announcement = core.drain().find((o) => o.kind === SEND && o.handle === host && o.code === TRANSPORT_CONTROL);
  const text = new TextDecoder().decode(announcement.payload);
  const liveStream = join(core, live, text);
  join(core, client, text);
  // The host's packets, paced as it sends them (timers fired at their deadlines), with their send times.
  const packets = [];
  let deadline = -1;
  const collect = (now) => {
    for (let outputs = core.drain(); outputs.length > 0; ) {
      const next = [];
      for (const output of outputs) {
        if (output.kind === 3) deadline = output.deadlineMs;
        if (output.kind !== SEND || output.code !== TRANSPORT_VIDEO) continue;
        const bytes = output.payload;
        if (output.handle === liveStream) {
          core.peerMediaReceive(host, MediaKind.Video, bytes, now); // feedback, host-bound
        } else if (output.handle === outbound) {
          const feedback = bytes.length >= 2 && bytes[1] >= 192 && bytes[1] <= 223;
          if (!feedback) packets.push({ bytes, at: now });
          core.peerMediaReceive(live, MediaKind.Video, bytes.slice(), now);
        }
        next.push(...core.drain());
      }
      outputs = next;
    }
  };
  for (let f = 0; f < frames; f++) {
    const now = 1000 + f * FRAME_MS;
    // Frame 0 is a lone delta frame: the receiving client cannot know where the first frame it sees
    // starts and drops it (asking for a keyframe), so the keyframe right after it is the first shown.
    core.streamSendFrame(outbound, MediaKind.Video, accessUnit(f % 60 === 1, FRAME_BYTES), f * FRAME_MS * 1000, now);
    collect(now);
    while (deadline >= 0 && deadline < now + FRAME_MS) {
      const at = Math.max(deadline, now);
      core.handleTimeout(at);
      collect(at);
    }
  }
  const key = JSON.parse(text).stream.srtpKey;
  return { client, packets, key: Uint8Array.from(atob(key), (c) => c.charCodeAt(0)) };
}

/** Times the core's receive path (call + drain) and libsrtp's unprotect alone over the same packets. */
async function round(frames, others, url) {
  const core = await createCore({ url });
  try {
    const { client, packets, key } = streamingCore(core, frames, others);
    const session = core.srtpCreate(key, SrtpDirection.Inbound);
    // Interleaved in runs of CHUNK packets (unprotect alone, then the core's path on the same packets),
    // so that a load spike on the machine falls on both alike.
    const srtpUs = [];
    const coreUs = [];
    const ratios = [];
    let frameEvents = 0;
    for (let from = 0; from < packets.length; from += CHUNK) {
      const chunk = packets.slice(from, from + CHUNK);
      let start = performance.now();
      for (const { bytes } of chunk) {
        const restored = core.srtpUnprotect(session, bytes);
        if (!(restored instanceof Uint8Array)) throw new Error(`core receive bench: unprotect failed (${core.errorName(restored)})`);
      }
      const srtp = performance.now() - start;
      start = performance.now();
      for (const { bytes, at } of chunk) {
        const status = core.peerMediaReceive(client, MediaKind.Video, bytes, at + 5);
        if (status < 0) throw new Error(`core receive bench: receive failed (${core.errorName(status)})`);
        for (const output of core.drain()) if (output.kind === 2 && output.code === 23) frameEvents++;
      }
      const path = performance.now() - start;
      srtpUs.push((srtp * 1000) / chunk.length);
      coreUs.push((path * 1000) / chunk.length);
      ratios.push(path / srtp);
    }
    // Medians over the runs of CHUNK packets: a spike of load on the machine spoils one run, not the round.
    return { packets: packets.length, frameEvents, srtpUs: median(srtpUs), coreUs: median(coreUs), ratio: median(ratios) };
  } finally {
    core.shutdown();
  }
}

/**
 * Rounds of: a fresh core, `frames` frames of 720p30-sized video (one keyframe every 60) sent by a host
 * peer and received by a client peer of the same core. Each round measures, interleaved, without and
 * with `others` extra objects that hold timers (`url`: another build of the core). Returns the medians
 * (µs per packet) and each round's ratio of the core's path to unprotect alone (the median over its runs).
 */
export async function measureCoreReceive({ rounds = 5, frames = 600, others = 1000, url } = {}) {
  const alone = [];
  const crowded = [];
  await round(60, 0, url); // warm the engine up
  for (let r = 0; r < rounds; r++) {
    alone.push(await round(frames, 0, url));
    crowded.push(await round(frames, others, url));
  }
  const summary = (results) => ({
    packets: results[0].packets,
    frameEvents: results[0].frameEvents,
    srtpUs: median(results.map((x) => x.srtpUs)),
    coreUs: median(results.map((x) => x.coreUs)),
    ratio: median(results.map((x) => x.ratio)),
    ratios: results.map((x) => x.ratio),
  });
  return { rounds, frames, others, alone: summary(alone), crowded: summary(crowded) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await measureCoreReceive(), null, 2));
}
