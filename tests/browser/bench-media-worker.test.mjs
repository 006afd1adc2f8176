// The media worker's bench and the stream-memory bench (`npm run bench -- worker`) on a tiny input, so that its code keeps working
// between runs of the real thing; the figures themselves mean nothing at this size.
import { test } from "node:test";
import assert from "node:assert/strict";
import { PATHS, measureMediaWorker } from "../../bench/media-worker.mjs";
import { measureStreamMemory } from "../../bench/stream-memory.mjs";

test("the media worker bench runs: every path shows frames with a glass-to-glass latency, the client's CPU and its page's main thread, with that thread busy", { timeout: 240000 }, async () => {
  const result = await measureMediaWorker({ seconds: 3, warmup: 1, cpuSeconds: 1, conditions: ["busy"] });
  assert.equal(result.rows.length, 1);
  for (const path of PATHS) {
    const figures = result.rows[0][path];
    assert.ok(!figures.error, `${path}: ${figures.error}`);
    assert.ok(figures.shown > 0 && figures.latencyP50 > 0 && figures.latencyP95 >= figures.latencyP50 && figures.latencyP99 >= figures.latencyP95, `${path}: ${JSON.stringify({ ...figures, diagnostics: undefined })}`);
    assert.ok(figures.clientCpuPercent > 0, `${path}: the client's CPU is measured: ${figures.clientCpuPercent}`);
    // The page's busy loop runs in every path's window: its main thread is never idle then.
    assert.ok(figures.clientMainThreadPercent > 0, `${path}: the page's main thread is measured: ${figures.clientMainThreadPercent}`);
  }
});

test("the media worker bench runs another picture size and frame rate, on a loaded machine", { timeout: 240000 }, async () => {
  const paths = ["petrichor", "native"];
  const result = await measureMediaWorker({ seconds: 3, warmup: 1, cpuSeconds: 1, conditions: ["loaded"], paths, softwareGpu: false, picture: { size: "640x360", fps: 60 } });
  assert.deepEqual(result.picture, { size: "640x360", fps: 60 });
  for (const path of paths) {
    const figures = result.rows[0][path];
    assert.ok(!figures.error, `${path}: ${figures.error}`);
    assert.ok(figures.shown > 0 && figures.latencyP50 > 0, `${path}: ${JSON.stringify({ ...figures, diagnostics: undefined })}`);
  }
});

test("the stream-memory bench runs: both paths show frames while the client browser's memory is sampled", { timeout: 240000 }, async () => {
  const result = await measureStreamMemory({ minutes: 0.1, sampleSeconds: 2 });
  for (const path of ["petrichor", "native"]) {
    const figures = result[path];
    assert.ok(figures.framesShown > 0, `${path}: ${figures.framesShown} frames shown`);
    assert.ok(figures.samples.length >= 3 && figures.samples.every(({ bytes }) => bytes > 10e6), `${path}: ${JSON.stringify(figures.samples)}`);
    assert.ok(figures.idleBytes > 10e6 && figures.peakBytes >= figures.lastBytes && Number.isFinite(figures.growthPerMinute), JSON.stringify(figures));
  }
});
