// Video over impaired links, Chromium to Chromium: Petrichor's stream (OutboundStream.sendTrack →
// InboundStream's canvas) against the browser's own WebRTC video track (a plain RTCPeerConnection
// into a <video>) over the same link, in the same run, one path after the other.
//
// One impaired link (tests/helpers/impaired-link.mjs: two network namespaces, our user-space
// forwarder between them): namespace A holds the host side (bench/impaired-peer.mjs host: static
// server, gateway, Chromium with bench/pages/impaired-host.html), namespace B the client side
// (bench/impaired-peer.mjs client: Chromium with bench/pages/impaired-client.html, loaded from A).
// UDP between them (all the media, and the WebRTC of both paths) is impaired; TCP (HTTP, signaling)
// is not. Nothing leaves the two namespaces. The host page draws 1280 × 720 at 30 fps, every frame
// carrying its counter and draw time as blocks (bench/pages/impaired-code.js); the client page notes
// when each frame is first displayed. The bench process drives both over the children's stdin/stdout.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { createImpairedLink } from "../tests/helpers/impaired-link.mjs";
import { ROOT } from "../tests/helpers/paths.mjs";
import { percentile, stepTimeLimit } from "./measure.mjs";

const PEER = `${ROOT}/bench/impaired-peer.mjs`;
const CHROMIUM = process.env.PETRICHOR_CHROMIUM || "/usr/bin/chromium";
const BITRATE = 1_500_000;
const LOSSES = [0, 0.02, 0.05, 0.1];
const DELAY_MS = 20; // each way
const FIRST_FRAME_MS = 10000; // how long a path may take to show its first frame before the warm-up starts anyway
const GRACE_MS = 2000; // after the window, for frames still on their way

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Rejects when a step takes longer than its limit: no step may hang the bench. */
const within = stepTimeLimit("impaired-stream");


/**
 * Starts bench/impaired-peer.mjs in a namespace (link: an impaired link, or anything with
 * spawnIn(ns, command, args) such as loopbackLink); returns {ready, call(fn, args, timeoutMs), errors(), quit()}.
 */
export function startPeer(link, ns, name, args) {
  const child = link.spawnIn(ns, process.execPath, [PEER, ...args]);
  let stderr = "";
  child.stderr.on("data", (data) => (stderr = (stderr + data).slice(-4000)));
  child.stdin.on("error", () => {}); // a dead child is reported through "exit"
  const waiting = new Map();
  let nextId = 1;
  let exited = null;
  let settle;
  const ready = new Promise((resolve, reject) => (settle = { resolve, reject }));
  ready.catch(() => {}); // rejections are seen by whoever awaits it
  createInterface({ input: child.stdout }).on("line", (line) => {
    let message;
    try {
      message = JSON.parse(line);
    } catch {
      return; // not ours
    }
    if (message.ready) settle.resolve(message);
    else if (message.fatal) settle.reject(new Error(`impaired-stream bench: the ${name} side: ${message.fatal}`));
    else if (message.reply !== undefined) {
      const waiter = waiting.get(message.reply);
      waiting.delete(message.reply);
      if (message.error !== undefined) waiter?.reject(new Error(`impaired-stream bench: the ${name} page's ${waiter?.fn}: ${message.error}`));
      else waiter?.resolve(message.result);
    }
  });
  const gone = new Promise((resolve) => child.once("exit", resolve));
  gone.then((code) => {
    const tail = stderr.trim().split("\n").slice(-3).join(" | ");
    exited = new Error(`impaired-stream bench: the ${name} process exited (${code ?? "signal"})${tail ? `: ${tail}` : ""}`);
    settle.reject(exited);
    for (const waiter of waiting.values()) waiter.reject(exited);
    waiting.clear();
  });
  const peer = {
    ready,
    call(fn, fnArgs = [], timeoutMs = 15000) {
      if (exited) return Promise.reject(exited);
      const id = nextId++;
      const reply = new Promise((resolve, reject) => waiting.set(id, { resolve, reject, fn }));
      child.stdin.write(`${JSON.stringify({ id, fn, args: fnArgs })}\n`);
      return within(timeoutMs, `the ${name} page's ${fn}`, reply).finally(() => waiting.delete(id));
    },
    /** The page's errors so far (empty when they cannot be had). */
    errors: () => peer.call("errors", [], 5000).catch(() => []),
    /** Asks the child to close its browser and exit; then SIGTERM; link.close() SIGKILLs what is left. */
    async quit() {
      if (exited) return;
      child.stdin.end(`${JSON.stringify({ fn: "quit" })}\n`);
      if (await Promise.race([gone.then(() => true), sleep(10000)])) return;
      child.kill("SIGTERM");
      await Promise.race([gone, sleep(5000)]);
    },
  };
  return peer;
}

/** Spawns on this machine's own network, for benches without an impaired link. */
export const loopbackLink = { spawnIn: (ns, command, args) => spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] }) };

const isPetrichor = (path) => path.startsWith("petrichor");

/**
 * One path for `seconds` after `warmup` s: "petrichor" (the client's stream in its media worker),
 * "petrichor-main" (on its main thread) or "native" (frameEvents: the client listens for Petrichor's
 * "frame" events, for the stages); sets it up, waits for its first frame (at most
 * FIRST_FRAME_MS), warms up, notes the host's frame counter at the window's start and end, waits
 * GRACE_MS, stops the path and collects what the client displayed and the host drew. cpuSeconds:
 * then, with the client page no longer reading its pictures, the client browser's CPU over that
 * many seconds (clientCpuPercent, in % of one core; null when 0) and its page's main thread's task time
 * (clientMainThreadPercent, in % of that time).
 */
export async function runPath(host, client, path, { seconds, warmup, frameEvents = true, cpuSeconds = 0 }) {
  try {
    const firstFrameMs = await startPath(host, client, path, frameEvents);
    await sleep(warmup * 1000);
    const start = await host.call("mark");
    await sleep(seconds * 1000);
    const end = await host.call("mark");
    await sleep(GRACE_MS);
    // The client's CPU with the page no longer reading its pictures (which costs more than playing them).
    let clientCpuPercent = null;
    let clientMainThreadPercent = null;
    if (cpuSeconds > 0) {
      await client.call("stopReading");
      await sleep(500);
      const from = await client.call("cpuMs");
      const mainFrom = await client.call("mainThreadMs");
      await sleep(cpuSeconds * 1000);
      const mainTo = await client.call("mainThreadMs");
      clientCpuPercent = (((await client.call("cpuMs")) - from) / (cpuSeconds * 1000)) * 100;
      clientMainThreadPercent = ((mainTo - mainFrom) / (cpuSeconds * 1000)) * 100;
    }
    const { shown, hostDiagnostics } = await stopPath(host, client, path);
    const log = await host.call("drawLog", [start.counter + 1, end.counter]);
    return { ...shown, firstFrameMs, log, hostDiagnostics, clientCpuPercent, clientMainThreadPercent };
  } catch (error) {
    throw await failedPath(host, client, path, error);
  }
}

/**
 * Sets a path up and waits for its first frame on the client (at most FIRST_FRAME_MS); resolves to
 * the time it took as the client saw it, or null when none came in time.
 */
export async function startPath(host, client, path, frameEvents) {
  const started = Date.now();
  if (isPetrichor(path)) {
    await client.call("startPetrichor", [path, frameEvents], 30000);
  } else {
    const offer = await host.call("nativeOffer");
    const answer = await client.call("nativeAnswer", [offer]);
    await host.call("nativeAccept", [answer]);
  }
  while (Date.now() - started < FIRST_FRAME_MS) {
    const progress = await client.call("progress");
    if (progress.shown > 0) return progress.firstShownMs;
    await sleep(100);
  }
  return null;
}

/** Stops a path at both ends: {shown: what the client displayed, hostDiagnostics}. */
export async function stopPath(host, client, path) {
  const shown = await client.call(isPetrichor(path) ? "stopPetrichor" : "nativeStop");
  const hostDiagnostics = await host.call(isPetrichor(path) ? "stopPetrichor" : "nativeStop");
  return { shown, hostDiagnostics };
}

/** After a path failed: leaves both pages ready for the next path; the error, with the pages' own. */
export async function failedPath(host, client, path, error) {
  await client.call(isPetrichor(path) ? "stopPetrichor" : "nativeStop").catch(() => {});
  await host.call(isPetrichor(path) ? "stopPetrichor" : "nativeStop").catch(() => {});
  const errors = [...(await host.errors()), ...(await client.errors())];
  return new Error(`${error.message}${errors.length ? `; page errors: ${errors.slice(-5).join(" | ")}` : ""}`);
}

/**
 * The figures of one run. Times are taken onto the system clock with each page's measured offset.
 *   frames shown: frames drawn in the window that the client displayed, over the frames drawn;
 *   freezes: the gaps between consecutive displays inside the window (display times from the
 *     first window frame's draw time to the last one's), counting the window's edges;
 *   glass-to-glass: display time less draw time, for every displayed frame of the window.
 */
export function summarize(run, offsets) {
  const drawnAt = new Map(run.log);
  const produced = run.log.length;
  if (produced === 0) throw new Error("impaired-stream bench: the host drew no frame in the window");
  const host = (t) => t - offsets.host;
  const client = (t) => t - offsets.client;
  let mismatched = 0; // a readable code whose time is not the one the host drew that frame at
  const latencies = [];
  for (const [counter, shownAt, codeTime] of run.shown) {
    const drawTime = drawnAt.get(counter);
    if (drawTime === undefined) continue;
    if (Math.floor(drawTime) % 2 ** 24 !== codeTime) {
      mismatched++;
      continue;
    }
    latencies.push(client(shownAt) - host(drawTime));
  }
  latencies.sort((a, b) => a - b);
  // Native: frames the compositor presented that no callback saw (see impaired-client.html) count
  // as shown, at their estimated display time, without a latency.
  const inferred = (run.inferred ?? []).filter(([counter]) => drawnAt.has(counter));
  const from = host(run.log[0][1]);
  const to = host(run.log[run.log.length - 1][1]);
  const displays = [...run.shown, ...inferred]
    .map(([, shownAt]) => client(shownAt))
    .filter((t) => t >= from && t <= to)
    .sort((a, b) => a - b);
  const edges = [from, ...displays, to];
  const gaps = edges.slice(1).map((t, i) => t - edges[i]).sort((a, b) => a - b);
  const unreadable = run.unreadable.filter(([t]) => client(t) >= from && client(t) <= to + GRACE_MS).length;
  return {
    ...(run.stages ? { stages: petrichorStages(run, drawnAt, offsets) } : {}),
    produced,
    shown: latencies.length + inferred.length,
    shownFraction: (latencies.length + inferred.length) / produced,
    ...(run.inferred ? { inferred: inferred.length } : {}),
    freezeP99: percentile(gaps, 0.99),
    freezeMax: gaps[gaps.length - 1],
    latencyP50: latencies.length ? percentile(latencies, 0.5) : null,
    latencyP95: latencies.length ? percentile(latencies, 0.95) : null,
    latencyP99: latencies.length ? percentile(latencies, 0.99) : null,
    unreadable,
    mismatched,
    firstFrameMs: run.firstFrameMs,
    clientCpuPercent: run.clientCpuPercent, // the client's browser, all its processes, in % of one core (runPath's cpuSeconds)
    clientMainThreadPercent: run.clientMainThreadPercent, // the client page's main thread busy in tasks, in % of the same window
    overwritten: run.overwritten ?? undefined,
    diagnostics: { client: run.diagnostics ?? null, host: run.hostDiagnostics ? { ...run.hostDiagnostics, sent: undefined } : null },
  };
}

/** The RTP timestamp (90 kHz, 32 bits) a frame timestamp in µs travels as: how host and client frames are matched. */
const rtpTimestamp = (us) => Math.round((us * 90000) / 1e6) % 2 ** 32;

/**
 * Where Petrichor's glass-to-glass time goes, median ms of each stage over the window's displayed
 * frames: draw → handed to the core (canvas capture, encoder), → assembled by the client's core
 * (pacing, the link, recovery), → in the canvas (decoder, then the player's drawImage), → displayed
 * (next rendering update); with a <video> picture, whose drawing the page does not see, the decoder
 * and the display are one stage (`display` null). Also the encoder's frame sizes and what it made
 * during the window.
 */
function petrichorStages(run, drawnAt, offsets) {
  const sentAt = new Map((run.hostDiagnostics?.sent ?? []).map(([us, t]) => [rtpTimestamp(us), t - offsets.host]));
  const shownAt = new Map(run.shown.map(([counter, t]) => [counter, t - offsets.client]));
  const frames = []; // each displayed frame's stages
  for (const [counter, rtp, assembledAt, decodedAt] of run.stages) {
    const drawTime = drawnAt.get(counter);
    const sent = sentAt.get(rtp);
    if (drawTime === undefined || sent === undefined || assembledAt === null) continue;
    frames.push({
      encode: sent - (drawTime - offsets.host),
      transport: assembledAt - offsets.client - sent,
      decode: decodedAt === null ? shownAt.get(counter) - (assembledAt - offsets.client) : decodedAt - assembledAt,
      display: decodedAt === null ? null : shownAt.get(counter) - (decodedAt - offsets.client),
    });
  }
  const median = (list) => (list.length ? [...list].sort((a, b) => a - b)[list.length >> 1] : null);
  /** Each stage's median over `list` of frames (null for a stage none of them has). */
  const stageMedians = (list) =>
    Object.fromEntries(["encode", "transport", "decode", "display"].map((name) => [name, median(list.map((frame) => frame[name]).filter((v) => v !== null))]));
  // The slowest 3 % of frames (by the sum of their stages).
  const total = (frame) => frame.encode + frame.transport + frame.decode + (frame.display ?? 0);
  const worst = [...frames].sort((a, b) => total(b) - total(a)).slice(0, Math.ceil(frames.length * 0.03));
  const sent = run.hostDiagnostics?.sent ?? [];
  const sizes = (key) => median(sent.filter((entry) => entry[3] === key).map((entry) => entry[2]));
  // What the encoder made during the window (host clock), against the rate controller's target.
  const from = run.log[0][1];
  const to = run.log[run.log.length - 1][1];
  const windowBytes = sent.filter(([, t]) => t >= from && t <= to).reduce((sum, entry) => sum + entry[2], 0);
  return {
    frames: frames.length,
    ...stageMedians(frames),
    tail: stageMedians(worst),
    keyframeBytes: sizes(1), // medians over the whole path's run
    deltaBytes: sizes(0),
    encodedBps: to > from ? (windowBytes * 8) / ((to - from) / 1000) : null,
  };
}

/**
 * Runs the bench. For each loss rate (0, 2, 5, 10 %, random, both directions, with DELAY_MS each
 * way) runs Petrichor and the native track one after the other (the order alternating from one
 * rate to the next), each `seconds` long after `warmup` seconds (`paths` picks one of them, when
 * looking into one path). Resolves to {rows: [{loss,
 * petrichor, native}], ...parameters}; each path's figures as summarize() returns them, or
 * {error} when that path could not be measured. Rejects when the bench cannot run at all.
 */
export async function measureImpairedStreams({ seconds = 20, warmup = 3, losses = LOSSES, paths = ["petrichor", "native"] } = {}) {
  if (process.getuid?.() !== 0) throw new Error("impaired-stream bench: needs root (network namespaces and TUN devices for the impaired link)");
  if (!existsSync(CHROMIUM)) throw new Error(`impaired-stream bench: no Chromium at ${CHROMIUM} (set PETRICHOR_CHROMIUM)`);
  if (!existsSync(`${ROOT}/dist/petrichor.wasm`)) throw new Error("impaired-stream bench: dist/petrichor.wasm is missing (npm run build)");
  const link = await createImpairedLink({ name: "pbv", seed: 5 });
  const peers = [];
  try {
    await within(5000, "setting the link", link.set("both", { loss: 0, delay: DELAY_MS }));
    const host = startPeer(link, link.nsA, "host", ["host", link.addressA, String(BITRATE)]);
    peers.push(host);
    const { origin, gatewayUrl, id } = await within(60000, "the host side's start", host.ready);
    const client = startPeer(link, link.nsB, "client", ["client", origin]);
    peers.push(client);
    await within(60000, "the client side's start", client.ready);
    const offsets = { host: await host.call("clockOffset"), client: await client.call("clockOffset") };
    await client.call("connectPetrichor", [id, gatewayUrl], 30000);

    const rows = [];
    for (const [i, loss] of losses.entries()) {
      await within(5000, "setting the link", link.set("both", { loss, delay: DELAY_MS }));
      const row = { loss };
      for (const path of i % 2 === 0 ? paths : [...paths].reverse()) {
        try {
          row[path] = summarize(await runPath(host, client, path, { seconds, warmup }), offsets);
        } catch (error) {
          row[path] = { error: error.message };
        }
      }
      rows.push(row);
    }
    const after = { host: await host.call("clockOffset"), client: await client.call("clockOffset") };
    return { seconds, warmup, bitrate: BITRATE, delayMs: DELAY_MS, graceMs: GRACE_MS, clock: { before: offsets, after }, rows };
  } finally {
    await Promise.all(peers.map((peer) => peer.quit()));
    await within(15000, "closing the link", link.close()).catch(() => {});
  }
}
