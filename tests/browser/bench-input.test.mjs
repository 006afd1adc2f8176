// The input-latency bench (`npm run bench -- input`) on a tiny input, so that its code keeps working
// between runs of the real thing; the figures themselves mean nothing at this size.
import { test } from "node:test";
import assert from "node:assert/strict";
import { measureInputLatency } from "../../bench/input-latency.mjs";

test("the input-latency bench runs: every kind of input and the raw channel arrive in order, in each repeat", { timeout: 180000 }, async () => {
  const result = await measureInputLatency({ rounds: 6, warmup: 2, repeats: 2, idleWindows: 1, idleSeconds: 1 });
  for (const kind of ["key", "move", "raw"]) assert.equal(result[kind].samples, 12, `${kind}: ${JSON.stringify(result[kind])}`);
  // Clicks alternate down and up: half of each repeat's rounds are downs.
  for (const kind of ["buttonDown", "buttonUp"]) assert.equal(result[kind].samples, 6, `${kind}: ${JSON.stringify(result[kind])}`);
  for (const kind of ["key", "move", "buttonDown", "buttonUp", "raw"]) {
    const figures = result[kind];
    assert.ok(figures.p50 > 0 && figures.p95 >= figures.p50 && figures.p99 >= figures.p95 && figures.mean > 0, `${kind}: ${JSON.stringify(figures)}`);
    assert.equal(figures.roundP50s.length, 2, `${kind}: ${JSON.stringify(figures)}`);
    assert.ok(figures.bytesPerEvent > 0, `${kind}: ${JSON.stringify(figures)}`);
  }
  // The client page's main thread, idle, with every input granted and with none: one window each.
  for (const level of ["granted", "none"]) {
    assert.equal(result.idle[level].length, 1, JSON.stringify(result.idle));
    assert.ok(result.idle[level][0] >= 0, JSON.stringify(result.idle));
  }
});
