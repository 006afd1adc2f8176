// The media worker's bench (`npm run bench -- worker`) on a tiny input, so that its code keeps working
// between runs of the real thing; the figures themselves mean nothing at this size.
import { test } from "node:test";
import assert from "node:assert/strict";
import { PATHS, measureMediaWorker } from "../../bench/media-worker.mjs";

test("the media worker bench runs: every path shows frames with a glass-to-glass latency and the client's CPU, with its main thread busy", { timeout: 240000 }, async () => {
  const result = await measureMediaWorker({ seconds: 3, warmup: 1, cpuSeconds: 1, conditions: ["busy"] });
  assert.equal(result.rows.length, 1);
  for (const path of PATHS) {
    const figures = result.rows[0][path];
    assert.ok(!figures.error, `${path}: ${figures.error}`);
    assert.ok(figures.shown > 0 && figures.latencyP50 > 0 && figures.latencyP99 >= figures.latencyP50, `${path}: ${JSON.stringify({ ...figures, diagnostics: undefined })}`);
    assert.ok(figures.clientCpuPercent > 0, `${path}: the client's CPU is measured: ${figures.clientCpuPercent}`);
  }
});
