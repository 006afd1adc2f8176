// The playout policy (js/platform/playout.js) on a virtual clock: "instant" shows each picture as it is
// decoded; "smooth" shows pictures that arrive with jitter at the spacing of their timestamps, after a
// delay that follows the jitter and is bounded. And the SDK's option and property that choose it.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { MAX_SMOOTH_DELAY_MS, PlayoutPolicy, PlayoutScheduler } from "../../js/platform/playout.js";
import rainway, { InputLevel, RainwayError } from "../../js/index.js";
import { startGateway } from "../../js/gateway/index.js";
import { nextEvent } from "../helpers/events.mjs";

const FRAME_MS = 1000 / 30;

/** A repeatable jitter in [0, spread) ms for picture i. */
const jitter = (i, spread) => ((i * 7919) % 101) / 101 * spread;

/**
 * Pictures every FRAME_MS decoded at timestamp + 20 ms + jitter(i, spread) on a 1 ms virtual clock; returns
 * when each was shown and the delays the scheduler reported.
 */
function play(policy, spread, count = 300) {
  const scheduler = new PlayoutScheduler(policy);
  const arrivals = Array.from({ length: count }, (_, i) => ({ i, at: i * FRAME_MS + 20 + jitter(i, spread) })).sort((a, b) => a.at - b.at);
  const shownAt = new Array(count).fill(null);
  const delays = [];
  let maxHeld = 0;
  let next = 0;
  for (let now = 0; now <= count * FRAME_MS + 400; now++) {
    const shown = [];
    while (next < arrivals.length && arrivals[next].at <= now) {
      const { i } = arrivals[next++];
      shown.push(...scheduler.arrive(i, i * FRAME_MS, now));
      delays.push(scheduler.delayMs);
    }
    shown.push(...scheduler.showDue(now));
    for (const i of shown) {
      assert.equal(shownAt[i], null, `picture ${i} shown once`);
      shownAt[i] = now;
    }
    maxHeld = Math.max(maxHeld, scheduler.held);
  }
  return { shownAt, delays, maxHeld, scheduler };
}

/** Share of the intervals between consecutive pictures (after the first 100) within 2 ms of FRAME_MS. */
function even(shownAt) {
  const intervals = shownAt.slice(101).map((t, k) => t - shownAt[100 + k]);
  return intervals.filter((d) => Math.abs(d - FRAME_MS) <= 2).length / intervals.length;
}

test("instant playout shows each picture as it is decoded, with no delay", () => {
  const { shownAt, delays } = play(PlayoutPolicy.Instant, 40);
  for (let i = 0; i < shownAt.length; i++) assert.equal(shownAt[i], Math.ceil(i * FRAME_MS + 20 + jitter(i, 40)));
  assert.ok(delays.every((d) => d === 0));
  assert.ok(even(shownAt) < 0.5, "the jitter shows");
});

test("smooth playout shows jittered pictures evenly, in order, after a delay that follows the jitter", () => {
  const { shownAt, delays, maxHeld } = play(PlayoutPolicy.Smooth, 40);
  assert.ok(shownAt.every((t) => t !== null), "every picture is shown");
  for (let i = 1; i < shownAt.length; i++) assert.ok(shownAt[i] >= shownAt[i - 1], `picture ${i} not before ${i - 1}`);
  assert.ok(even(shownAt) >= 0.95, `evenly spaced: ${even(shownAt)}`);
  const settled = delays.slice(100);
  assert.ok(settled.every((d) => d >= 30 && d <= 40), `the delay is about the jitter: ${Math.min(...settled)}…${Math.max(...settled)}`);
  assert.ok(maxHeld <= 6);
  // Without jitter, no delay to speak of (the virtual clock's 1 ms steps are all there is).
  const calm = play(PlayoutPolicy.Smooth, 0);
  assert.ok(calm.delays.every((d) => d <= 1));
  assert.ok(even(calm.shownAt) >= 0.95);
});

test("smooth playout's delay is bounded, and a policy change shows what was held at once", () => {
  const { delays, maxHeld } = play(PlayoutPolicy.Smooth, 400);
  assert.ok(Math.max(...delays) <= MAX_SMOOTH_DELAY_MS);
  assert.ok(maxHeld <= 6, `held at most 6, held ${maxHeld}`);
  const scheduler = new PlayoutScheduler(PlayoutPolicy.Smooth);
  for (let i = 0; i <= 30; i++) scheduler.arrive(i, i * FRAME_MS, i * FRAME_MS + (i % 2) * 30);
  assert.ok(scheduler.held > 0); /* the last came early: it waits */
  scheduler.setPolicy(PlayoutPolicy.Instant);
  assert.equal(scheduler.showDue(0).length > 0, true);
  assert.equal(scheduler.held, 0);
  assert.equal(scheduler.delayMs, 0);
  assert.throws(() => scheduler.setPolicy("buffered"), /playout must be "instant" or "smooth"/);
});

let gateway;
before(async () => {
  gateway = await startGateway({ keys: { key: "org" } });
});
after(async () => {
  await gateway?.close();
});

test("createStream and join refuse a playout that is not a policy; a stream's playout is settable", { timeout: 30000 }, async () => {
  const client = await rainway.connect({ apiKey: "key", gatewayUrl: gateway.url });
  const host = await rainway.connect({ apiKey: "key", gatewayUrl: gateway.url });
  try {
    const accepted = nextEvent(host, "peer-request").then(([request]) => request.accept());
    const [clientPeer, hostPeer] = await Promise.all([client.connect(host.id), accepted]);
    await assert.rejects(clientPeer.createStream({ permissions: InputLevel.None, playout: "buffered" }), (error) => {
      assert.ok(error instanceof RainwayError);
      assert.equal(error.message, 'Rainway SDK Error: playout must be "instant" or "smooth", not "buffered".');
      return true;
    });
    hostPeer.addEventListener("stream-request", (request) => request.accept());
    const stream = await clientPeer.createStream({ permissions: InputLevel.None, playout: "smooth" });
    assert.equal(stream.playout, "smooth");
    stream.playout = "instant";
    assert.equal(stream.playout, "instant");
    assert.throws(() => (stream.playout = 3), RainwayError);
    assert.equal(stream.playout, "instant");
  } finally {
    client.close();
    host.close();
  }
});
