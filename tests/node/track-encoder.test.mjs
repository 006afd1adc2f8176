// The resolution ladder of browser hosts (js/platform/track-encoder.js): the picture a bitrate can carry.
import { test } from "node:test";
import assert from "node:assert/strict";
import { scaleForBitrate } from "../../js/platform/track-encoder.js";

test("the picture is scaled to what the bitrate carries, about 0.04 bits per pixel and frame", () => {
  const at720p30 = (bps, margin) => scaleForBitrate(bps, 1280, 720, 30, margin);
  assert.equal(at720p30(2_000_000), 1);
  assert.equal(at720p30(1_200_000), 1);
  assert.equal(at720p30(800_000), 0.75); // 960 x 540
  assert.equal(at720p30(300_000), 0.5); // 640 x 360
  assert.equal(at720p30(150_000), 1 / 3);
  assert.equal(at720p30(50_000), 0.25); // the smallest, however low
  // Going back up needs a margin: 1.2 Mbit/s is enough to stay at full size, not to return to it.
  assert.equal(at720p30(1_200_000, 1.3), 0.75);
  assert.equal(at720p30(1_500_000, 1.3), 1);
  assert.equal(scaleForBitrate(1_000_000, 320, 240, 30), 1);
});
