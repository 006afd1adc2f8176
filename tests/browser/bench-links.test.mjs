// The impaired-links bench (`npm run bench -- links`) on a tiny input, so that its code keeps working
// between runs of the real thing; the figures themselves mean nothing at this size.
import { test } from "node:test";
import assert from "node:assert/strict";
import { measureImpairedStreams } from "../../bench/impaired-stream.mjs";

test("the impaired-links bench runs: both paths show frames over a lossy link, and Petrichor's time is split into its stages", { timeout: 240000 }, async () => {
  const result = await measureImpairedStreams({ seconds: 3, warmup: 1, losses: [0.05] });
  assert.equal(result.rows.length, 1);
  for (const path of ["petrichor", "native"]) {
    const figures = result.rows[0][path];
    assert.ok(!figures.error, `${path}: ${figures.error}`);
    assert.ok(figures.shown > 0 && figures.latencyP50 > 0 && figures.latencyP95 >= figures.latencyP50 && figures.latencyP99 >= figures.latencyP95, `${path}: ${JSON.stringify({ ...figures, diagnostics: undefined })}`);
  }
  // Petrichor's picture is a <video>: the decoder and the display are one stage, after the frame was assembled.
  const { stages } = result.rows[0].petrichor;
  assert.ok(stages.frames > 0, JSON.stringify(stages));
  for (const stage of ["encode", "transport", "decode"]) assert.ok(Number.isFinite(stages[stage]), `${stage}: ${JSON.stringify(stages)}`);
  assert.equal(stages.display, null);
  // The slowest 3 % of frames, split the same way.
  for (const stage of ["encode", "transport", "decode"]) assert.ok(Number.isFinite(stages.tail[stage]), `tail ${stage}: ${JSON.stringify(stages)}`);
  assert.equal(stages.tail.display, null);
});
