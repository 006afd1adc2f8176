// The benches of the core and the SDK in Node (`npm run bench -- core`: connect time among them), of the gateway and of the bundle size on a tiny input, so that their
// code keeps working between runs of the real thing; the figures themselves mean nothing at this size.
import { test } from "node:test";
import assert from "node:assert/strict";
import { measureCoreReceive } from "../../bench/core-receive.mjs";
import { measureDataChannelRate } from "../../bench/data-channel-rate.mjs";
import { measureGatewayRelay } from "../../bench/gateway-relay.mjs";
import { measureBundleSize } from "../../bench/bundle-size.mjs";
import { measureConnectTime } from "../../bench/connect-time.mjs";

test("the receive-path bench runs: every packet through the core's path and unprotect alone", { timeout: 60000 }, async () => {
  const result = await measureCoreReceive({ rounds: 1, frames: 30, others: 20 });
  for (const figures of [result.alone, result.crowded]) {
    assert.ok(figures.packets > 30, `${figures.packets} packets`);
    assert.ok(figures.frameEvents > 0);
    assert.ok(figures.srtpUs > 0 && figures.coreUs > 0 && figures.ratio > 0);
  }
});

test("the data-channel rate bench runs: both paths deliver every message", { timeout: 60000 }, async () => {
  const result = await measureDataChannelRate({ rounds: 1, batches: 2, count: 50 });
  assert.equal(result.count, 100);
  assert.ok(result.raw > 0 && result.petrichor > 0 && result.ratio > 0);
});

test("the connect-time bench runs: both paths reach an open channel at both ends, every sample", { timeout: 120000 }, async () => {
  const result = await measureConnectTime({ rounds: 1, samples: 2 });
  for (const figures of [result.raw, result.petrichor, result.connected]) {
    assert.equal(figures.samples, 2);
    assert.ok(figures.p50Ms > 0 && figures.p95Ms >= figures.p50Ms && figures.p99Ms >= figures.p95Ms, JSON.stringify(figures));
  }
  assert.ok(result.connected.p50Ms <= result.petrichor.p95Ms && result.ratio > 0, JSON.stringify(result));
});

test("the gateway relay bench runs: paired clients relay through the gateway and the bare relay", { timeout: 120000 }, async () => {
  const [row] = await measureGatewayRelay({ sizes: [40], seconds: 2, rounds: 1 });
  for (const figures of [row.gateway, row.bare]) {
    assert.ok(figures.relayed > 0 && figures.relayed <= figures.sent + 40, JSON.stringify(figures));
    assert.ok(figures.p50Ms > 0 && figures.cpuUsPerMessage > 0 && Number.isFinite(figures.bytesPerClient), JSON.stringify(figures));
    assert.deepEqual(figures.p99Spread, [figures.p99Ms, figures.p99Ms]);
  }
});

test("the bundle-size bench runs: Petrichor's browser bundle and the baseline's, gzipped, with Petrichor's parts", { timeout: 600000 }, async () => {
  const { petrichor, baseline } = await measureBundleSize();
  assert.ok(petrichor.wasm > 0 && petrichor.worker > 0 && petrichor.sdk > 0, JSON.stringify(petrichor));
  assert.ok(petrichor.total < petrichor.minifiedBytes && baseline.total < baseline.minifiedBytes, JSON.stringify({ petrichor, baseline }));
  assert.ok(baseline.total > 0);
});
