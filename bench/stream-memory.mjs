// Memory over a long stream: the client browser's memory (the PSS of all its processes) sampled while
// Petrichor's stream plays in its media worker for `minutes`, then while the native WebRTC track plays
// for as long (the baseline), in one run, each in fresh browsers. The media-worker bench's pages and
// stream (bench/media-worker.mjs: a 1280 × 720 canvas at 30 fps, at most 1.5 Mbit/s) on this machine's
// own network; the client page keeps reading each picture's code as in that bench, on both paths alike.
import { sleep } from "../tests/helpers/events.mjs";
import { failedPath, startPath, stopPath } from "./impaired-stream.mjs";
import { BITRATE, startLoopbackPeers } from "./media-worker.mjs";

/** Least-squares slope of bytes over minutes. */
function slopePerMinute(samples) {
  const n = samples.length;
  const mx = samples.reduce((sum, { minute }) => sum + minute, 0) / n;
  const my = samples.reduce((sum, { bytes }) => sum + bytes, 0) / n;
  let num = 0;
  let den = 0;
  for (const { minute, bytes } of samples) {
    num += (minute - mx) * (bytes - my);
    den += (minute - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** One path for `minutes`: memory before it starts, then every `sampleSeconds` while it plays. */
async function soak(host, client, path, { minutes, sampleSeconds }) {
  const idleBytes = (await client.call("pss")).total;
  try {
    await startPath(host, client, path, false);
    const startedAt = Date.now();
    const shownBefore = (await client.call("progress")).shown;
    const samples = [];
    for (;;) {
      const minute = (Date.now() - startedAt) / 60000;
      const { total, byKind } = await client.call("pss");
      samples.push({ minute, bytes: total, byKind });
      if (minute >= minutes) break;
      await sleep(Math.min(sampleSeconds * 1000, (minutes - minute) * 60000 + 10));
    }
    const shown = (await client.call("progress")).shown - shownBefore;
    await stopPath(host, client, path);
    await sleep(2000);
    const afterBytes = (await client.call("pss")).total;
    // The first minute is the path's start (decoders, buffers, caches): growth is judged after it.
    const settled = samples.filter(({ minute }) => minute >= 1);
    return {
      idleBytes,
      samples,
      framesShown: shown,
      firstBytes: settled[0]?.bytes ?? samples[0].bytes,
      lastBytes: samples.at(-1).bytes,
      lastByKind: samples.at(-1).byKind,
      peakBytes: Math.max(...samples.map(({ bytes }) => bytes)),
      growthPerMinute: settled.length >= 2 ? slopePerMinute(settled) : 0,
      afterBytes,
    };
  } catch (error) {
    throw await failedPath(host, client, path, error);
  }
}

/**
 * Each path for `minutes` (Petrichor in the media worker, then the native track), sampling the client
 * browser's memory every `sampleSeconds`. softwareGpu: the client's Chromium with SwiftShader.
 */
export async function measureStreamMemory({ minutes = 10, sampleSeconds = 30, paths = ["petrichor", "native"], softwareGpu = false } = {}) {
  const results = {};
  // Each path in browsers of its own, so that neither starts with what the other left behind.
  for (const path of paths) {
    const peers = [];
    try {
      const { host, client } = await startLoopbackPeers(peers, softwareGpu);
      results[path] = await soak(host, client, path, { minutes, sampleSeconds });
    } finally {
      await Promise.all(peers.map((peer) => peer.quit()));
    }
  }
  return { minutes, sampleSeconds, bitrate: BITRATE, gpu: softwareGpu ? "SwiftShader" : "none", ...results };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await measureStreamMemory(), null, 2));
  process.exit(0);
}
