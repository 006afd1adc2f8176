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
    // The first frame from which the picture keeps moving (no gap over 500 ms) with the delay under
    // 100 ms for 2 s, or until the restore: the cut is over, whatever the controller's later probing does.
    let settledAt = null;
    for (let i = 0; i < cutFrames.length && settledAt === null; i++) {
      if (cutFrames[i].delayMs >= 100) continue;
      let j = i + 1;
      while (j < cutFrames.length && cutFrames[j].delayMs < 100 && cutFrames[j].at - cutFrames[j - 1].at <= 500) j++;
      const until = j < cutFrames.length ? cutFrames[j - 1].at : Math.min(restoredAt, cutFrames[j - 1].at + 500);
      if (until - cutFrames[i].at >= 2000) settledAt = cutFrames[i].at;
      else i = j - 1;
    }
    const followed = targets.find((t) => t.at >= cutAt && t.targetBps <= 1.1e6);
    const climbed = targets.find((t) => t.at >= restoredAt && t.targetBps >= 2.5e6);
    let longestFreeze = 0;
    for (let i = 1; i < cutFrames.length; i++) longestFreeze = Math.max(longestFreeze, cutFrames[i].at - cutFrames[i - 1].at);
    const sorted = cutFrames.map((f) => f.delayMs).sort((a, b) => a - b);
    return {
      follow,
      targetFollowedS: followed ? (followed.at - cutAt) / 1000 : null,
      delayBackS: lastSlow ? (lastSlow.at - cutAt) / 1000 : 0,
      settledS: settledAt === null ? null : (settledAt - cutAt) / 1000,
      framesShownDuringCut: cutFrames.length,
      longestFreezeMs: longestFreeze,
      delayP50Ms: sorted[sorted.length >> 1] ?? null,
      climbedBackS: climbed ? (climbed.at - restoredAt) / 1000 : null,
    };
  } finally {
    await link.close();
  }
}

/** The round with the median time for the delay to settle (never: last), and every round's figures. */
function medianRound(list) {
  const key = (r) => (r.settledS === null ? Infinity : r.settledS);
  const sorted = [...list].sort((a, b) => key(a) - key(b));
  return { ...sorted[sorted.length >> 1], rounds: list };
}

/**
 * Runs the cut `rounds` times with the rate controller followed and, as the baseline, ignored, the two
 * taking turns (whether SCTP stalls after the loss at the cut varies from run to run).
 */
export async function measureCapacityCut({ rounds = 5 } = {}) {
  const adaptive = [];
  const fixed = [];
  for (let round = 0; round < rounds; round++) {
    adaptive.push(await runOnce(true));
    fixed.push(await runOnce(false));
  }
  return { rounds, adaptive: medianRound(adaptive), fixed: medianRound(fixed) };
}
