// Streams over real impaired links: a host and a client, each a Node process in its own network
// namespace, joined by our user-space forwarder (tests/helpers/impaired-link.mjs) that drops, delays,
// jitters, reorders and rate-limits the UDP between them (signaling over TCP passes unimpaired). The
// synthetic encoder of tests/helpers/impaired-stream-peer.mjs makes frames that say their index, so
// the client counts what it was shown and checks that nothing corrupt, and nothing decoded against a
// missing reference, ever was. Freezes are judged in media time (frames missing in a row): a busy
// machine delays the wall clock but not that; wall-clock timings are measured in `npm run bench`.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createImpairedLink } from "../helpers/impaired-link.mjs";
import { streamAcross } from "../helpers/impaired-stream.mjs";

const SECONDS = Number(process.env.PT_IMPAIRED_SECONDS) || 30; // shorter while debugging
const FRAME_MS = 1000 / 30;

const links = [];
after(async () => {
  for (const link of links) await link.close();
});

async function lossyLink(settings) {
  const link = await createImpairedLink({ name: "pts", seed: 11 });
  links.push(link);
  await link.set("both", settings);
  return link;
}

/** Streams for 30 s and checks frames shown, the longest run of missing frames, and integrity. */
async function expectStream(t, settings, { minShown, maxFreezeMs }) {
  const link = await lossyLink(settings);
  const summary = await streamAcross(link, { seconds: SECONDS });
  const made = summary.last - summary.first + 1;
  const shown = summary.shown / made;
  const freezeMs = summary.longestGapFrames * FRAME_MS;
  const c = summary.counters;
  const note = `shown ${summary.shown} of ${made} (${(shown * 100).toFixed(1)}%), longest freeze ${freezeMs.toFixed(0)} ms of media` +
    ` (${summary.longestFreezeMs} ms wall clock), NACKed ${c.nacks}, repaired by retransmission ${c.retransmitted}, by FEC ${c.fecRecovered},` +
    ` lost ${c.packetsLost}, keyframe requests ${c.keyframeRequests}, target ${(c.targetBps / 1000).toFixed(0)} kbit/s, rtt ${c.rttMs.toFixed(1)} ms`;
  t.diagnostic(`${JSON.stringify(settings)}: ${note}`);
  assert.ok(made > SECONDS * 25, `the host streamed (${note})`);
  assert.equal(summary.corrupt, 0, "no corrupt frame");
  assert.equal(summary.brokenChain, 0, "no frame decoded against a missing reference");
  assert.ok(shown >= minShown, note);
  assert.ok(freezeMs <= maxFreezeMs, note);
  return summary;
}

test("2% loss, 20 ms each way: ≥ 97% of frames shown, no freeze over 300 ms", { timeout: 120000 }, async (t) => {
  const summary = await expectStream(t, { loss: 0.02, delay: 20 }, { minShown: 0.97, maxFreezeMs: 300 });
  assert.ok(summary.counters.retransmitted + summary.counters.fecRecovered > 0, "lost packets were repaired");
});

test("5% loss, 20 ms each way: ≥ 93% of frames shown, no freeze over 500 ms", { timeout: 120000 }, async (t) => {
  await expectStream(t, { loss: 0.05, delay: 20 }, { minShown: 0.93, maxFreezeMs: 500 });
});

test("10% loss, 20 ms each way: the picture keeps moving (≥ 70% of frames, no freeze over 1 s)", { timeout: 120000 }, async (t) => {
  await expectStream(t, { loss: 0.1, delay: 20 }, { minShown: 0.7, maxFreezeMs: 1000 });
});

test("2% loss with 20 ms of jitter and reordering: ≥ 97% of frames shown, no freeze over 300 ms", { timeout: 120000 }, async (t) => {
  await expectStream(t, { loss: 0.02, delay: 20, jitter: 20, reorder: 0.05 }, { minShown: 0.97, maxFreezeMs: 300 });
});

test("a capacity cut from 5 to 1 Mbit/s: the target follows, the delay drains, and the rate climbs back when capacity returns", { timeout: 120000 }, async (t) => {
  const link = await lossyLink({ delay: 20, rate: 5e6, queue: 200 });
  const samples = []; // {at, targetBps}
  const delays = []; // {at, delayMs}
  let cutAt = 0;
  let restoredAt = 0;
  const phases = (async () => {
    // Wait for the stream to run, cut the link, then restore it.
    while (samples.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    await new Promise((resolve) => setTimeout(resolve, 12000));
    await link.set("ab", { rate: 1e6 });
    cutAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 12000));
    await link.set("ab", { rate: 5e6 });
    restoredAt = Date.now();
  })();
  const summary = await streamAcross(link, {
    bitrate: 4_000_000,
    seconds: 50,
    onLine: (line) => {
      if (line.targetBps !== undefined) samples.push({ at: line.at, targetBps: line.targetBps });
      if (process.env.PT_IMPAIRED_TRACE && line.targetBps !== undefined) console.error(JSON.stringify({ ...line, sinceCut: cutAt ? line.at - cutAt : null }));
      if (line.delayMs !== undefined) delays.push({ at: Date.now(), delayMs: line.delayMs });
    },
  });
  await phases;
  const during = (from, to) => samples.filter((s) => s.at >= from && s.at < to);
  const beforeCut = during(cutAt - 2000, cutAt);
  const lateCut = during(cutAt + 8000, restoredAt);
  const lateDelays = delays.filter((d) => d.at >= cutAt + 8000 && d.at < restoredAt).map((d) => d.delayMs).sort((a, b) => a - b);
  const afterRestore = during(restoredAt + 10000, Infinity);
  const kbps = (list) => list.map((s) => Math.round(s.targetBps / 1000)).join(" ");
  const note = `targets before the cut ${kbps(beforeCut)}; late in the cut ${kbps(lateCut)}; after restoring ${kbps(afterRestore)};` +
    ` one-way delay late in the cut p50 ${lateDelays[lateDelays.length >> 1]} ms`;
  t.diagnostic(`capacity cut: ${note}`);
  assert.ok(beforeCut.some((s) => s.targetBps >= 2_500_000), `the target rose on 5 Mbit/s (${note})`);
  assert.ok(lateCut.length > 0 && lateCut.every((s) => s.targetBps <= 1_100_000), `the target follows the cut (${note})`);
  assert.ok(lateDelays.length > 0 && lateDelays[lateDelays.length >> 1] < 100, `the queue drained (${note})`);
  assert.ok(afterRestore.some((s) => s.targetBps >= 1_500_000), `the target climbs back (${note})`);
  assert.equal(summary.corrupt, 0);
  assert.equal(summary.brokenChain, 0);
});
