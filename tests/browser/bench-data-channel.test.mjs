// The data-channel rate bench in Chromium (`npm run bench -- core`) on a tiny input, so that its code
// keeps working between runs of the real thing; the figures themselves mean nothing at this size.
import { test } from "node:test";
import assert from "node:assert/strict";
import { measureBrowserDataChannelRate } from "../../bench/data-channel-rate.mjs";

test("the data-channel rate bench runs in Chromium: both paths deliver every message", { timeout: 120000 }, async () => {
  const result = await measureBrowserDataChannelRate({ rounds: 1, batches: 2, count: 50 });
  assert.equal(result.count, 100);
  assert.ok(result.raw > 0 && result.petrichor > 0 && result.ratio > 0, JSON.stringify(result));
});
