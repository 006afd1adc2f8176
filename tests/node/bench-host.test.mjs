// The Linux host's benches (`npm run bench -- host`) on a tiny input, so that their code keeps working
// between runs of the real thing; the figures themselves mean nothing at this size.
import { test } from "node:test";
import assert from "node:assert/strict";
import { measureHostPipeline } from "../../bench/host-pipeline.mjs";
import { measureKeyframeLatency } from "../../bench/host-keyframe.mjs";

test("the host-pipeline bench runs: the native host and FFmpeg each encode frames grabbed from Xvfb", { timeout: 180000 }, async () => {
  const result = await measureHostPipeline({ seconds: 2, warmupSeconds: 0.5, rounds: 2, sizes: [[320, 240]] });
  assert.equal(result.sizes.length, 1);
  for (const path of ["petrichor", "ffmpeg"]) {
    const figures = result.sizes[0][path];
    assert.ok(figures.fps > 0 && figures.p50 > 0 && figures.p99 >= figures.p50 && figures.bytesPerFrame > 0, `${path}: ${JSON.stringify(figures)}`);
    assert.ok(figures.cpuPercent > 0, `${path}: ${JSON.stringify(figures)}`);
  }
});

test("the keyframe-latency bench runs: every request to the native host is answered with a keyframe", { timeout: 120000 }, async () => {
  const result = await measureKeyframeLatency({ requests: 3, width: 320, height: 240 });
  assert.equal(result.samples, 3);
  assert.ok(result.p50 > 0 && result.max >= result.p50 && result.frameIntervalMs > 0, JSON.stringify(result));
});
