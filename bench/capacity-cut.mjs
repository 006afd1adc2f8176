// A capacity cut on a real (emulated) link: two Node peers in two network namespaces joined by our
// impaired link (tests/helpers/impaired-link.mjs), 20 ms each way, 5 Mbit/s with a 200 ms router
// buffer; after 12 s the link drops to 1 Mbit/s for 12 s, then returns to 5 Mbit/s. The host's
// synthetic 4 Mbit/s encoder follows the rate controller's bitrate requests; the baseline is the same
// stream with an encoder that does not (pacing and frame dropping still on). Times come from one
// clock (both processes on this machine): when the host's target fell to the new capacity, when the
// one-way delay of shown frames went back under 100 ms for good, and how the picture fared.
import { createImpairedLink } from "../tests/helpers/impaired-link.mjs";
import { streamAcross } from "../tests/helpers/impaired-stream.mjs";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function runOnce(follow) {
  const link = await createImpairedLink({ name: "ptbc", seed: 5 });
  try {
    await link.set("both", { delay: 20, rate: 5e6, queue: 200 });
    const targets = []; // host: {at, targetBps}
    const frames = []; // client: {at, delayMs}
    let streaming = false;
    let cutAt = 0;
    let restoredAt = 0;
    const phases = (async () => {
      while (!streaming) await sleep(100);
      await sleep(12000);
      await link.set("ab", { rate: 1e6 });
      cutAt = Date.now();
      await sleep(12000);
      await link.set("ab", { rate: 5e6 });
      restoredAt = Date.now();
    })();
    await streamAcross(link, {
      bitrate: 4_000_000,
      seconds: 42,
      follow,
      onHostLine: (line) => line.targetBps !== undefined && targets.push({ at: line.at, targetBps: line.targetBps }),
      onLine: (line) => {
        if (line.delayMs === undefined) return;
        streaming = true;
        frames.push({ at: Date.now(), delayMs: line.delayMs });
      },
    });
    await phases;
    const cutFrames = frames.filter((f) => f.at >= cutAt && f.at < restoredAt);
    const lastSlow = cutFrames.filter((f) => f.delayMs >= 100).at(-1);
    const followed = targets.find((t) => t.at >= cutAt && t.targetBps <= 1.1e6);
    const climbed = targets.find((t) => t.at >= restoredAt && t.targetBps >= 2.5e6);
    let longestFreeze = 0;
    for (let i = 1; i < cutFrames.length; i++) longestFreeze = Math.max(longestFreeze, cutFrames[i].at - cutFrames[i - 1].at);
    const sorted = cutFrames.map((f) => f.delayMs).sort((a, b) => a - b);
    return {
      follow,
      targetFollowedS: followed ? (followed.at - cutAt) / 1000 : null,
      delayBackS: lastSlow ? (lastSlow.at - cutAt) / 1000 : 0,
      framesShownDuringCut: cutFrames.length,
      longestFreezeMs: longestFreeze,
      delayP50Ms: sorted[sorted.length >> 1] ?? null,
      climbedBackS: climbed ? (climbed.at - restoredAt) / 1000 : null,
    };
  } finally {
    await link.close();
  }
}

/** Runs the cut with the rate controller followed and, as the baseline, ignored. */
export async function measureCapacityCut() {
  return { adaptive: await runOnce(true), fixed: await runOnce(false) };
}
