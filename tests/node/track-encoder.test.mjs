// Browser hosts' encoders (js/platform/track-encoder.js): the picture a bitrate can carry; which frames
// go into a busy encoder (encoder-gate.js); when the machine is too busy for the picture (encoder-load.js).
import { test } from "node:test";
import assert from "node:assert/strict";
import { scaleForBitrate } from "../../js/platform/track-encoder.js";
import { NewestFrameGate } from "../../js/platform/encoder-gate.js";
import { EncoderLoad, SETTLE_MS, WINDOW_MS } from "../../js/platform/encoder-load.js";

test("the picture is scaled to what the bitrate carries, about 0.08 bits per pixel and frame", () => {
  const at720p30 = (bps, margin) => scaleForBitrate(bps, 1280, 720, 30, margin);
  assert.equal(at720p30(2_500_000), 1);
  assert.equal(at720p30(2_300_000), 1);
  assert.equal(at720p30(1_500_000), 0.75); // 960 x 540
  assert.equal(at720p30(600_000), 0.5); // 640 x 360
  assert.equal(at720p30(300_000), 1 / 3);
  assert.equal(at720p30(100_000), 0.25); // the smallest, however low
  // Going back up needs a margin: 2.3 Mbit/s is enough to stay at full size, not to return to it.
  assert.equal(at720p30(2_300_000, 1.3), 0.75);
  assert.equal(at720p30(2_900_000, 1.3), 1);
  // At 60 fps each frame gets half the bits: 1.5 Mbit/s carries 640 x 360, as libwebrtc sends it.
  assert.equal(scaleForBitrate(1_500_000, 1280, 720, 60), 0.5);
  assert.equal(scaleForBitrate(1_000_000, 320, 240, 30), 1);
});

/** A stand-in for a VideoFrame: a timestamp, and whether it was closed. */
const frame = (timestamp) => ({ timestamp, closed: false, close() { this.closed = true; } });

test("frames go into a busy encoder newest first: one encoding, only the newest waiting, the rest dropped", () => {
  const encoded = [];
  const gate = new NewestFrameGate((f) => {
    encoded.push(f.timestamp);
    f.close();
  });
  const frames = [0, 1, 2, 3].map(frame);
  assert.equal(gate.offer(frames[0], 0), false);
  assert.deepEqual(encoded, [0]); // a free encoder takes a frame at once
  assert.equal(gate.offer(frames[1], 16), false); // waits
  assert.equal(gate.offer(frames[2], 33), true); // replaces the one that waited...
  assert.equal(frames[1].closed, true); // ...which is released
  assert.deepEqual(encoded, [0]);
  assert.equal(gate.inFlight, 1);
  assert.equal(gate.done(0, 40), 0); // frame 0 out: it was handed over at 0, and the newest goes in
  assert.deepEqual(encoded, [0, 2]);
  assert.equal(gate.offer(frames[3], 50), false);
  gate.close();
  assert.equal(frames[3].closed, true); // the waiting frame is released on close
  assert.equal(gate.done(2, 60), 40);
  assert.deepEqual(encoded, [0, 2]); // nothing goes in after close
});

test("a frame the encoder skipped (no output) leaves with the next output, or after 200 ms", () => {
  const encoded = [];
  const gate = new NewestFrameGate((f) => encoded.push(f.timestamp));
  gate.offer(frame(0), 0);
  gate.offer(frame(1), 10);
  assert.equal(gate.done(0, 20), 0); // 1 goes in
  gate.offer(frame(2), 30);
  // The encoder never outputs 1: 2 waits until 1 is 200 ms in the encoder, then goes in.
  gate.offer(frame(3), 200);
  assert.deepEqual(encoded, [0, 1]);
  gate.offer(frame(4), 221);
  assert.deepEqual(encoded, [0, 1, 4]);
  // An output for a later frame takes out the skipped ones before it.
  gate.offer(frame(5), 230);
  gate.offer(frame(6), 231);
  assert.equal(gate.done(4, 240), 221);
  assert.deepEqual(encoded, [0, 1, 4, 6]);
});

test("the encoder's load: a step smaller above 85 % busy, a step back after three windows below 42 %, none while settling", () => {
  const load = new EncoderLoad();
  /** Frames every `interval` ms, each `busy` ms in the encoder, from `from` for `ms`; the verdicts given. */
  const run = (from, ms, interval, busy) => {
    const verdicts = [];
    for (let t = from; t < from + ms; t += interval) {
      const verdict = load.encoded(t, t + busy);
      if (verdict) verdicts.push([verdict, t + busy]);
    }
    return verdicts;
  };
  assert.deepEqual(run(0, 3000, 1000 / 60, 10), []); // 60 % busy at 60 fps: stays
  assert.equal(Math.round(load.usage * 100), 60);
  const over = run(3000, 1100, 1000 / 60, 15); // 90 % busy
  assert.equal(over.length, 1);
  assert.equal(over[0][0], "shrink");
  load.changed(over[0][1]);
  assert.deepEqual(run(4100, 1900, 1000 / 60, 15), [], "no verdict while the change settles");
  const later = run(6000, 1500, 1000 / 60, 15);
  assert.equal(later[0]?.[0], "shrink", "still over once settled");
  load.changed(7500);
  // Idle: three windows under 42 % that closed after the settling time, then one step up, then three more.
  const idle = run(7500, 8000, 1000 / 30, 5);
  assert.deepEqual(idle.map(([verdict]) => verdict), ["grow", "grow"]);
  assert.ok(idle[0][1] >= 7500 + SETTLE_MS + 2 * WINDOW_MS, `the first step up came after settling and three windows: ${idle[0][1]}`);
  // Between the thresholds: no verdict, and the count of low windows starts again.
  assert.deepEqual(run(15500, 5000, 1000 / 30, 20), []);
});
