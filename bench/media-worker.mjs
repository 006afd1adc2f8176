// What the media worker buys: glass-to-glass latency of Petrichor's stream played in the client's media
// worker, on the client's main thread, and the native WebRTC track (the baseline), with the client
// page idle and with its main thread busy (app work: a busy loop of 20 ms every 100 ms), in one run;
// also with other processes loading the machine (CONDITIONS), and at other picture sizes and rates.
//
// The impaired-stream bench's pages and method (bench/impaired-stream.mjs, bench/pages/impaired-*.html)
// on this machine's own network, no impairment: two headless Chromiums (the host page drawing 1280 × 720
// at 30 fps, each frame carrying its counter and draw time; the client page noting when each frame is
// displayed), the client's with a GPU in software (tests/helpers/browser.mjs SOFTWARE_GPU_ARGS: without
// one Chromium reads decoded pictures through the main thread, which the worker would then wait for).
import { existsSync } from "node:fs";
import { ROOT } from "../tests/helpers/paths.mjs";
import { loopbackLink, runPath, startPeer, summarize } from "./impaired-stream.mjs";
import { startMachineLoad } from "./machine-load.mjs";
import { stepTimeLimit } from "./measure.mjs";

export const BITRATE = 1_500_000;
const BUSY = { busyMs: 20, periodMs: 100 };
export const PATHS = ["petrichor", "petrichor-main", "native"];

const within = stepTimeLimit("media-worker");

/**
 * The host side (its page streaming at most BITRATE, a gateway) and the client side (its page
 * connected to the host's Petrichor peer) on this machine's own network; both are pushed onto
 * `peers` as they start, for the caller to quit. softwareGpu: the client's Chromium with SwiftShader;
 * picture: {size: "WxH", fps} of the host's picture (default 1280x720 at 30).
 */
export async function startLoopbackPeers(peers, softwareGpu, picture = null) {
  const pictureArgs = picture ? [picture.size, String(picture.fps)] : [];
  const host = startPeer(loopbackLink, null, "host", ["host", "127.0.0.1", String(BITRATE), ...pictureArgs]);
  peers.push(host);
  const { origin, gatewayUrl, id } = await within(60000, "the host side's start", host.ready);
  const client = startPeer(loopbackLink, null, "client", ["client", origin, softwareGpu ? "software-gpu" : "no-gpu"]);
  peers.push(client);
  await within(60000, "the client side's start", client.ready);
  await client.call("connectPetrichor", [id, gatewayUrl], 30000);
  return { host, client };
}

/**
 * The conditions a path runs in: whether the client page's main thread is busy (BUSY) and what else
 * loads the machine (bench/machine-load.mjs), if anything.
 */
export const CONDITIONS = {
  idle: { mainThread: false, machine: null },
  busy: { mainThread: true, machine: null },
  core: { mainThread: false, machine: "core" },
  "busy+core": { mainThread: true, machine: "core" },
  loaded: { mainThread: false, machine: "loaded" },
};

/**
 * Runs every path in each condition (CONDITIONS), `seconds` each after `warmup` s, the paths'
 * order rotating from one round to the next; `rounds` rounds. Resolves to {rows: [{condition, round,
 * petrichor, "petrichor-main", native}], ...parameters}, each path's figures as impaired-stream's
 * summarize() gives them, or {error}; each path's client CPU is measured over cpuSeconds after its window.
 * softwareGpu: false runs the client's Chromium without a GPU; picture: as startLoopbackPeers takes it.
 */
export async function measureMediaWorker({ seconds = 15, warmup = 3, cpuSeconds = 5, rounds = 1, conditions = ["idle", "busy"], paths = PATHS, softwareGpu = true, picture = null } = {}) {
  if (!existsSync(`${ROOT}/dist/petrichor.wasm`)) throw new Error("media-worker bench: dist/petrichor.wasm is missing (npm run build)");
  const peers = [];
  try {
    const { host, client } = await startLoopbackPeers(peers, softwareGpu, picture);
    const offsets = { host: await host.call("clockOffset"), client: await client.call("clockOffset") };
    const rows = [];
    for (let round = 0; round < rounds; round++) {
      for (const condition of conditions) {
        const row = { condition, round };
        const shift = (round + rows.length) % paths.length;
        for (const path of [...paths.slice(shift), ...paths.slice(0, shift)]) {
          const { mainThread, machine } = CONDITIONS[condition];
          let stopLoad = null;
          try {
            if (mainThread) await client.call("busyMainThread", [BUSY.busyMs, BUSY.periodMs]);
            if (machine) stopLoad = await startMachineLoad(machine);
            // No "frame" listener: a media worker posts frames to the page only for one.
            row[path] = summarize(await runPath(host, client, path, { seconds, warmup, frameEvents: false, cpuSeconds }), offsets);
          } catch (error) {
            row[path] = { error: error.message };
          } finally {
            await stopLoad?.();
            await client.call("busyMainThread", [0, 0]).catch(() => {});
          }
        }
        rows.push(row);
      }
    }
    return { seconds, warmup, cpuSeconds, rounds, bitrate: BITRATE, busy: BUSY, picture: picture ?? { size: "1280x720", fps: 30 }, rows };
  } finally {
    await Promise.all(peers.map((peer) => peer.quit()));
  }
}
