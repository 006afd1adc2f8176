// The native Linux host's pipeline, screen grab → encoded H.264 access unit out of the process, in
// software on Xvfb, against FFmpeg's own x11grab + libx264 with the same encoder settings, in the same
// run and on the same display (one after the other, never at once, in interleaved windows: ABBA at one
// size, BAAB at the next).
//
// Each candidate's stdout goes straight into a small reader process (`timingReader` below) that sits in
// a blocking read(), so an arrival is stamped when the kernel wakes it, not when an event loop gets to
// it; it notes CLOCK_MONOTONIC (process.hrtime) after every read and parses the stream as it goes.
//   Petrichor: petrichor-host stamps each picture right after its grab, in µs of CLOCK_MONOTONIC since
//     an origin it takes just after it writes HELLO and prints on stderr (host_main.c: h->start_ms), so
//     latency = arrival(VIDEO) − (origin + timestamp), both on the one system-wide clock. (HELLO's own
//     arrival is no reference: on a busy machine the reader's wake-up for it can be late by more than
//     a small picture takes to encode.)
//   FFmpeg: x11grab stamps each packet with the wall clock (av_gettime(), µs since the epoch) after its
//     pacing sleep and before it asks the X server for the image, so its figure includes the grab, which
//     Petrichor's does not. -copyts keeps that stamp; MPEG-TS carries it (90 kHz, 33 bits, unwrapped
//     near the reader's wall clock) in each PES header, whose length (-omit_video_pes_length 0) says when
//     the access unit has fully arrived. The reader's wall clock is CLOCK_MONOTONIC plus an offset taken
//     at Date.now() millisecond edges.
// CPU: utime + stime of the encoding process (/proc/<pid>/stat) over the windows; the X server's own
// CPU over the same windows is noted besides, as is the X server's with the animating app alone.
import { spawn } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { createInterface } from "node:readline";
import { nativeProgram } from "../js/host/native-host.js";
import { startVirtualDisplay } from "../js/host/virtual-display.js";
import { CLOCK_TICKS, cpuSeconds, percentile, stepTimeLimit } from "./measure.mjs";

const VBV_PICTURES = 2; // as src/host/video_encoder.c
const KEYFRAME_INTERVAL_SECONDS = 10; // as src/host/video_encoder.c
const STOP_MESSAGE = Buffer.from([19, 0, 0, 0, 0]); // the host stdio protocol's STOP, no payload

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** CLOCK_MONOTONIC in ms, the clock the reader stamps arrivals with. */
const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6;

/** Rejects when a step takes longer than its limit: no step may hang the bench. */
const within = stepTimeLimit("host-pipeline");


/** The Xvfb this process started for a size (startVirtualDisplay does not say its pid), or null. */
function findXvfb(width, height) {
  let best = null;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (comm !== "Xvfb" || Number(fields[1]) !== process.pid) continue;
      if (!readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(`${width}x${height}x24`)) continue;
      const started = Number(fields[19]);
      if (!best || started > best.started) best = { pid: Number(entry), started };
    } catch {
      // the process went away while being read
    }
  }
  return best?.pid ?? null;
}

/**
 * The reader process's program (run as `node -e`, so self-contained CommonJS). Its stdin is the
 * candidate's stdout; PT_READER_MODE says what it speaks: "petrichor" (the host stdio protocol) or
 * "ffmpeg" (MPEG-TS). Prints "ready" once set up, "frame" at the first access unit, and at the end of
 * its input one JSON line: {frames: [[arrival ms (CLOCK_MONOTONIC), latency ms or null, bytes, key]],
 * error, wallOffsetMs}. From petrichor-host, the latency is still to be less the origin that
 * the host prints on stderr, which this process does not see.
 */
function timingReader() {
  const fs = require("fs");
  const mode = process.env.PT_READER_MODE;
  const now = () => Number(process.hrtime.bigint()) / 1e6;
  // Wall clock = CLOCK_MONOTONIC + offset; each Date.now() edge happened at or before the now() after it.
  let wallOffset = -Infinity;
  for (let i = 0; i < 5; i++) {
    const before = Date.now();
    let edge;
    while ((edge = Date.now()) === before);
    wallOffset = Math.max(wallOffset, edge - now());
  }
  const say = (line) => fs.writeSync(1, `${line}\n`);
  const frames = [];
  const out = { frames, error: null, wallOffsetMs: wallOffset, unbounded: 0 };
  let arrival = 0;
  const frame = (latency, bytes, key) => {
    if (frames.length === 0) say("frame");
    frames.push([arrival, latency, bytes, key]);
  };

  // The host stdio protocol: [type u8][length u32 LE][payload]; HELLO 1, VIDEO 2 (key u8, µs u64 LE), ERROR 3.
  function petrichor(data) {
    let at = 0;
    for (; data.length - at >= 5; ) {
      const length = data.readUInt32LE(at + 1);
      if (data.length - at < 5 + length) break;
      const type = data[at];
      const payload = data.subarray(at + 5, at + 5 + length);
      if (type === 2) frame(arrival - Number(payload.readBigUInt64LE(1)) / 1000, length - 9, payload[0] === 1);
      else if (type === 3) out.error = payload.toString("utf8");
      at += 5 + length;
    }
    return at;
  }

  // MPEG-TS: 188-byte packets; a video PES (stream id 0xE0) per access unit, PTS at 90 kHz.
  let videoPid = -1;
  let unit = null;
  const AUD = [0, 0, 0, 1, 9]; // the access unit delimiter the muxer puts first: 6 bytes, not the encoder's
  function finish(complete) {
    const aud = AUD.every((byte, i) => unit.head[i] === byte);
    let latency = null;
    if (complete) {
      const wall = arrival + wallOffset;
      const wraps = Math.round((wall * 90 - unit.pts) / 2 ** 33); // 2^33 ticks: about 26.5 hours
      latency = wall - (unit.pts + wraps * 2 ** 33) / 90;
    } else {
      out.unbounded++;
    }
    frame(latency, unit.bytes - (aud ? 6 : 0), unit.key);
    unit = null;
  }
  function ffmpeg(data) {
    let at = 0;
    for (; data.length - at >= 188; at += 188) {
      if (data[at] !== 0x47) throw new Error("lost MPEG-TS sync");
      const packet = data.subarray(at, at + 188);
      const pid = ((packet[1] & 0x1f) << 8) | packet[2];
      const control = (packet[3] >> 4) & 3;
      if (!(control & 1)) continue; // no payload
      const offset = control === 3 ? 5 + packet[4] : 4;
      if (offset >= 188) continue;
      let payload = packet.subarray(offset);
      if (packet[1] & 0x40 && payload[0] === 0 && payload[1] === 0 && payload[2] === 1 && payload[3] === 0xe0) {
        videoPid = pid;
        if (unit) finish(false); // a PES without a length (over 64 KiB) ends only here
        if (!(payload[7] & 0x80)) throw new Error("a video PES without a PTS");
        const length = payload.readUInt16BE(4);
        const header = payload[8];
        const p = payload.subarray(9, 14);
        const pts = ((p[0] >> 1) & 7) * 2 ** 30 + p[1] * 2 ** 22 + (p[2] >> 1) * 2 ** 15 + p[3] * 2 ** 7 + (p[4] >> 1);
        unit = { pts, expected: length ? length - 3 - header : -1, bytes: 0, head: [], key: false };
        payload = payload.subarray(9 + header);
      } else if (pid !== videoPid || !unit) {
        continue; // PAT, PMT
      }
      if (unit.head.length < 16) unit.head.push(...payload.subarray(0, 16 - unit.head.length));
      if (!unit.key) for (let i = 0; i + 3 < payload.length; i++) if (payload[i] === 0 && payload[i + 1] === 0 && payload[i + 2] === 1 && (payload[i + 3] & 0x1f) === 5) unit.key = true;
      unit.bytes += payload.length;
      if (unit.expected >= 0 && unit.bytes >= unit.expected) finish(true);
    }
    return at;
  }

  const parse = mode === "petrichor" ? petrichor : ffmpeg;
  const buffer = Buffer.alloc(1 << 20);
  let pending = Buffer.alloc(0);
  say("ready");
  try {
    for (;;) {
      let n;
      try {
        n = fs.readSync(0, buffer, 0, buffer.length, null);
      } catch (error) {
        if (error.code === "EAGAIN") continue;
        if (error.code === "EOF") break;
        throw error;
      }
      if (n === 0) break;
      arrival = now();
      const data = pending.length ? Buffer.concat([pending, buffer.subarray(0, n)]) : buffer.subarray(0, n);
      pending = Buffer.from(data.subarray(parse(data)));
    }
  } catch (error) {
    out.error = `the reader failed: ${error.message}`;
  }
  say(JSON.stringify(out));
}

/** Waits for a child process's exit, killing it when it has not gone within `ms`. */
async function ended(child, ms) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((resolve) => child.once("exit", resolve));
  const timer = setTimeout(() => child.kill("SIGKILL"), ms);
  try {
    await within(ms + 3000, `the exit of pid ${child.pid}`, gone);
  } finally {
    clearTimeout(timer);
  }
}

/** Pools the rounds of one path: latencies over every frame, CPU and frames over every window. */
function summarize(rounds) {
  const frames = rounds.flatMap((r) => r.frames);
  const latencies = frames.filter((f) => f.latency !== null).map((f) => f.latency).sort((a, b) => a - b);
  if (latencies.length === 0) throw new Error("host-pipeline bench: no frame arrived in the measurement window");
  const seconds = rounds.reduce((sum, r) => sum + r.windowMs, 0) / 1000;
  const cpu = rounds.reduce((sum, r) => sum + r.cpu, 0);
  const xCpu = rounds.every((r) => r.xCpu !== null) ? rounds.reduce((sum, r) => sum + r.xCpu, 0) : null;
  const bytes = frames.reduce((sum, f) => sum + f.bytes, 0);
  return {
    seconds,
    frames: frames.length,
    samples: latencies.length,
    unbounded: frames.length - latencies.length,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    mean: latencies.reduce((sum, value) => sum + value, 0) / latencies.length,
    min: latencies[0],
    max: latencies.at(-1),
    // CPU seconds per second of (live) video, as a percentage of one core; and per frame produced.
    cpuPercent: (cpu / seconds) * 100,
    cpuMsPerFrame: (cpu * 1000) / frames.length,
    xCpuPercent: xCpu === null ? null : (xCpu / seconds) * 100,
    fps: frames.length / seconds,
    bytesPerFrame: bytes / frames.length,
    bitsPerSecond: (bytes * 8) / seconds,
    keyframes: frames.filter((f) => f.key).length,
  };
}

/**
 * Runs one candidate into a reader: waits for its first frame, lets `warmupMs` pass, samples CPU over
 * `windowMs`, stops it; resolves to the frames that arrived inside the window and the CPU it used.
 */
async function runCandidate({ path, command, args, warmupMs, windowMs, xvfb }) {
  let reader;
  let child;
  let stopping = false;
  let failure = null;
  const said = [];
  const waits = new Set();
  const wake = () => waits.forEach((check) => check());
  try {
    reader = spawn(process.execPath, ["-e", `(${timingReader})()`], {
      env: { ...process.env, PT_READER_MODE: path },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let readerError = "";
    let readerGone = false;
    reader.stderr.on("data", (chunk) => (readerError = (readerError + chunk).slice(-2000)));
    reader.on("error", (error) => {
      failure ??= new Error(`host-pipeline bench: the reader could not be started (${error.message})`);
      wake();
    });
    reader.on("exit", () => {
      readerGone = true;
      setTimeout(wake, 100); // its last line may still be on its way
    });
    createInterface({ input: reader.stdout }).on("line", (line) => {
      said.push(line);
      wake();
    });
    /** The reader's first line that passes `test`; fails with the candidate or the reader. */
    const line = (test, what, ms) => {
      let check;
      const found = new Promise((resolve, reject) => {
        check = () => {
          const line = said.find(test);
          if (line !== undefined) resolve(line);
          else if (failure) reject(failure);
          else if (readerGone) reject(new Error(`host-pipeline bench: the reader stopped before ${what}: ${readerError.trim()}`));
        };
        waits.add(check);
        check();
      });
      return within(ms, what, found).finally(() => waits.delete(check));
    };
    await line((l) => l === "ready", "the reader's start", 10000);

    // The candidate writes straight into the reader's stdin; this process keeps no end of that pipe.
    let childError = "";
    let stderrHead = ""; // where petrichor-host prints its timestamps' origin
    // Video only on both sides: no sound server, so petrichor-host does no audio work either.
    const env = { ...process.env, PULSE_SERVER: "unix:/nonexistent/petrichor-bench" };
    child = spawn(command, args, { env, stdio: [path === "petrichor" ? "pipe" : "ignore", reader.stdin, "pipe"] });
    reader.stdin.destroy();
    child.stdin?.on("error", () => {});
    child.stderr.on("data", (chunk) => {
      childError = (childError + chunk).slice(-2000);
      if (stderrHead.length < 4096) stderrHead += chunk;
    });
    child.on("error", (error) => {
      failure ??= new Error(`host-pipeline bench: ${command} could not be started (${error.message})`);
      wake();
    });
    child.on("exit", (code, signal) => {
      if (!stopping) failure ??= new Error(`host-pipeline bench: ${command} stopped (${signal ?? `status ${code}`}): ${childError.trim().split("\n").at(-1) ?? ""}`);
      wake();
    });
    await line((l) => l === "frame", `${path}'s first frame`, 20000);

    await sleep(warmupMs);
    if (failure) throw failure;
    const cpu0 = cpuSeconds(child.pid);
    const x0 = xvfb ? cpuSeconds(xvfb) : null;
    const t0 = monotonicMs();
    await sleep(windowMs);
    const cpu1 = cpuSeconds(child.pid);
    const x1 = xvfb ? cpuSeconds(xvfb) : null;
    const t1 = monotonicMs();
    if (failure) throw failure;

    // Stop it the way its users do: petrichor-host on STOP and the end of its stdin, FFmpeg on SIGTERM.
    stopping = true;
    if (path === "petrichor") child.stdin.end(STOP_MESSAGE);
    else child.kill("SIGTERM");
    await ended(child, 3000);
    const report = JSON.parse(await line((l) => l.startsWith("{"), "the reader's report", 10000));
    if (report.error) throw new Error(`host-pipeline bench: ${path}: ${report.error}`);
    let origin = 0;
    if (path === "petrichor") {
      const printed = /video timestamps count from ([0-9.]+) ms of CLOCK_MONOTONIC/.exec(stderrHead);
      if (!printed) throw new Error("host-pipeline bench: petrichor-host did not print its timestamps' origin");
      origin = Number(printed[1]);
    }
    const frames = report.frames
      .map(([arrivedAt, latency, bytes, key]) => ({ arrivedAt, latency: latency === null ? null : latency - origin, bytes, key }))
      .filter((f) => f.arrivedAt >= t0 && f.arrivedAt <= t1);
    const early = frames.find((f) => f.latency !== null && f.latency < 0);
    if (early) {
      throw new Error(`host-pipeline bench: ${path}: a frame arrived ${(-early.latency).toFixed(1)} ms before it was grabbed: the clocks are not what this bench assumes`);
    }
    return { frames, windowMs: t1 - t0, cpu: cpu1 - cpu0, xCpu: xvfb ? x1 - x0 : null };
  } finally {
    stopping = true;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await ended(child, 2000).catch(() => {});
    }
    // The reader ends with its input; kill it if it has not within two seconds.
    if (reader) await ended(reader, 2000).catch(() => {});
  }
}

function petrichorArguments({ display, fps, bitrate }) {
  return ["--display", display, "--fps", String(fps), "--bitrate", String(bitrate), "--software"];
}

function ffmpegArguments({ display, width, height, fps, bitrate }) {
  const vbv = Math.round((bitrate * VBV_PICTURES) / fps);
  // x264-params: Petrichor's own (video_encoder.c): SPS/PPS before every IDR, no scene-cut keyframes.
  return [
    ...["-hide_banner", "-nostdin", "-loglevel", "error"],
    ...["-f", "x11grab", "-draw_mouse", "0", "-framerate", String(fps), "-video_size", `${width}x${height}`, "-i", display],
    // Keep x11grab's wall-clock stamps (µs) through the encoder, and every grabbed picture as it is.
    ...["-copyts", "-fps_mode", "passthrough", "-enc_time_base:v", "1:1000000"],
    // BGRX → 4:2:0 with the cheapest filter and BT.709 limited range, on one thread, as Petrichor's swscale.
    ...["-filter_threads", "1", "-vf", "scale=flags=fast_bilinear:out_color_matrix=bt709:out_range=tv,format=yuv420p"],
    ...["-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-profile:v", "baseline", "-bf", "0"],
    ...["-b:v", String(bitrate), "-maxrate", String(bitrate), "-bufsize", String(vbv)],
    ...["-g", String(fps * KEYFRAME_INTERVAL_SECONDS), "-threads", "1", "-x264-params", "repeat-headers=1:scenecut=0"],
    // Each packet out at once, its PTS unshifted, its PES length written.
    ...["-flush_packets", "1", "-muxdelay", "0", "-mpegts_copyts", "1", "-omit_video_pes_length", "0"],
    ...["-f", "mpegts", "pipe:1"],
  ];
}

/** The X server's CPU with the animating app alone, over `ms`. */
async function idleServer(xvfb, ms) {
  if (!xvfb) return null;
  const x0 = cpuSeconds(xvfb);
  const t0 = monotonicMs();
  await sleep(ms);
  return ((cpuSeconds(xvfb) - x0) / ((monotonicMs() - t0) / 1000)) * 100;
}

async function measureSize({ width, height, fps, bitrate, seconds, warmupSeconds, order }) {
  let display;
  let app;
  try {
    display = await within(15000, `Xvfb at ${width}x${height}`, startVirtualDisplay({ width, height }));
    const xvfb = findXvfb(width, height);
    app = spawn(nativeProgram("petrichor-demo-app"), ["--display", display.display, "--animate"], { stdio: ["ignore", "ignore", "pipe"] });
    let appError = "";
    app.stderr.on("data", (chunk) => (appError = (appError + chunk).slice(-1000)));
    app.on("error", () => {});
    await sleep(1000);
    if (app.exitCode !== null || app.signalCode !== null) {
      throw new Error(`host-pipeline bench: petrichor-demo-app stopped at once: ${appError.trim()}`);
    }
    const xIdlePercent = await idleServer(xvfb, Math.min(5000, seconds * 500));
    const common = { warmupMs: warmupSeconds * 1000, windowMs: (seconds * 1000) / (order.length / 2), xvfb };
    const settings = { display: display.display, width, height, fps, bitrate };
    const rounds = { petrichor: [], ffmpeg: [] };
    for (const path of order) {
      rounds[path].push(
        path === "petrichor"
          ? await runCandidate({ path, command: nativeProgram("petrichor-host"), args: petrichorArguments(settings), ...common })
          : await runCandidate({ path, command: "ffmpeg", args: ffmpegArguments(settings), ...common }),
      );
      if (app.exitCode !== null || app.signalCode !== null) throw new Error("host-pipeline bench: petrichor-demo-app stopped during the run");
    }
    return { width, height, order, xIdlePercent, petrichor: summarize(rounds.petrichor), ffmpeg: summarize(rounds.ffmpeg) };
  } finally {
    if (app) {
      app.kill("SIGTERM");
      await ended(app, 2000).catch(() => {});
    }
    if (display) {
      display.stop();
      await within(5000, "Xvfb's exit", display.exited).catch(() => {});
    }
  }
}

/**
 * Runs the bench; resolves to {sizes: [{width, height, order, xIdlePercent, petrichor, ffmpeg}], …} where
 * each path has p50, p99, mean, min, max (ms), cpuPercent (CPU seconds per second of video × 100),
 * cpuMsPerFrame, xCpuPercent (the X server's over the same windows), fps, bytesPerFrame, bitsPerSecond.
 * Each path gets `seconds` of measurement per size, split into `rounds` windows interleaved with the
 * other path's (ABBA…, starting with the other path at the next size), each after `warmupSeconds` from
 * its first frame that are not counted.
 */
export async function measureHostPipeline({
  seconds = 10,
  warmupSeconds = 2,
  rounds = 2,
  fps = 30,
  bitrate = 2_000_000,
  sizes = [
    [1280, 720],
    [1920, 1080],
  ],
} = {}) {
  const results = [];
  for (const [i, [width, height]] of sizes.entries()) {
    const first = i % 2 === 0 ? ["petrichor", "ffmpeg"] : ["ffmpeg", "petrichor"];
    const order = Array.from({ length: rounds }, (_, round) => (round % 2 === 0 ? first : [...first].reverse())).flat();
    results.push(await measureSize({ width, height, fps, bitrate, seconds, warmupSeconds, order }));
  }
  return { seconds, warmupSeconds, rounds, fps, bitrate, vbvBits: Math.round((bitrate * VBV_PICTURES) / fps), clockTicks: CLOCK_TICKS, sizes: results };
}
