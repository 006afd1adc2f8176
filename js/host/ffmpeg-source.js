// A live media source for Node hosts: Debian's ffmpeg encodes a test pattern with a moving frame
// counter (testsrc) and a tone (sine), or any input ffmpeg can read, to H.264 and Opus with
// low-latency settings; the source hands out encoded chunks ({type, timestamp, data}) as they come.
import { spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import { AnnexBSplitter } from "./annexb.js";
import { OggOpusReader } from "./ogg.js";

const OPUS_FRAME_US = 20000;
const RESTART_INTERVAL_MS = 2000;

/**
 * Starts ffmpeg. Options: width, height, frameRate, keyframeInterval (frames), bitrate (video, bits/s),
 * profile ("baseline" | "high"), toneHz, videoInput / audioInput (ffmpeg input arguments replacing
 * the test pattern and the tone), durationSeconds (stop after), realtime (default true).
 * Emits "video" and "audio" with chunks, "error", and "end" (when ffmpeg is done); after stop(), nothing.
 * setBitrate(bitsPerSecond) follows a rate controller: ffmpeg cannot change its encoder's rate while it
 * runs, so it restarts it at the new rate (timestamps go on; the first frame is a keyframe), at most
 * every RESTART_INTERVAL_MS.
 */
export function startFfmpegSource(options = {}) {
  const {
    width = 640,
    height = 360,
    frameRate = 30,
    keyframeInterval = 15,
    profile = "baseline",
    toneHz = 440,
    durationSeconds,
    realtime = true,
    ffmpeg = "ffmpeg",
  } = options;
  const videoInput = options.videoInput ?? ["-f", "lavfi", "-i", `testsrc=size=${width}x${height}:rate=${frameRate}`];
  const audioInput = options.audioInput ?? ["-f", "lavfi", "-i", `sine=frequency=${toneHz}:sample_rate=48000`];
  const duration = durationSeconds ? ["-t", String(durationSeconds)] : []; // per output
  const argsFor = (bitrate) => [
    "-hide_banner", "-loglevel", "error", "-nostdin",
    ...(realtime ? ["-re"] : []), ...videoInput,
    ...(realtime ? ["-re"] : []), ...audioInput,
    ...duration, "-map", "0:v", "-c:v", "libx264", "-profile:v", profile, "-preset", "ultrafast", "-tune", "zerolatency",
    "-pix_fmt", "yuv420p", "-g", String(keyframeInterval), "-bf", "0", "-b:v", String(Math.round(bitrate)),
    "-x264-params", "aud=1:repeat-headers=1", "-f", "h264", "pipe:1",
    ...duration, "-map", "1:a", "-c:a", "libopus", "-b:a", "64000", "-ac", "2", "-frame_duration", "20",
    "-application", "lowdelay", "-f", "ogg", "-page_duration", "20000", "pipe:3",
  ];
  const source = new EventEmitter();
  let videoFrames = 0;
  let audioFrames = 0;
  let stopped = false;
  let child = null;
  let bitrate = options.bitrate ?? 1_500_000;
  let restartedAt = performance.now();

  const video = (data, keyframe) =>
    source.emit("video", { type: keyframe ? "key" : "delta", timestamp: Math.round((videoFrames++ * 1e6) / frameRate), data });

  function spawnEncoder() {
    const current = spawn(ffmpeg, argsFor(bitrate), { stdio: ["ignore", "pipe", "pipe", "pipe"] });
    const splitter = new AnnexBSplitter();
    const ogg = new OggOpusReader();
    let errors = "";
    // A replaced encoder's last output and exit are ignored, and after stop() everything is: what
    // ffmpeg had written but not yet been read must not reach a stream that has gone.
    const live = () => current === child && !stopped;
    current.stdout.on("data", (chunk) => {
      if (!live()) return;
      for (const { data, keyframe } of splitter.push(chunk)) video(data, keyframe);
    });
    current.stdout.on("end", () => {
      const last = live() && splitter.flush();
      if (last) video(last.data, last.keyframe);
    });
    current.stdio[3].on("data", (chunk) => {
      if (!live()) return;
      try {
        for (const data of ogg.push(chunk)) source.emit("audio", { type: "key", timestamp: audioFrames++ * OPUS_FRAME_US, data });
      } catch (error) {
        source.emit("error", error);
      }
    });
    current.stderr.on("data", (chunk) => {
      errors += chunk;
    });
    current.on("error", (error) => live() && source.emit("error", error));
    current.on("close", (code, signal) => {
      if (!live()) return;
      if (code && !signal) source.emit("error", new Error(`ffmpeg exited with code ${code}: ${errors.trim()}`));
      source.emit("end");
    });
    child = current;
  }

  const kill = (process) => {
    if (process.exitCode === null && process.signalCode === null) process.kill("SIGTERM");
  };
  source.stop = () => {
    stopped = true;
    kill(child);
  };
  source.setBitrate = (bitsPerSecond) => {
    // A restart costs a keyframe: only for a real change, and not more often than every few seconds.
    if (stopped || durationSeconds || !(bitsPerSecond > 0) || Math.abs(bitsPerSecond - bitrate) < bitrate * 0.15) return;
    if (performance.now() - restartedAt < RESTART_INTERVAL_MS) return;
    bitrate = bitsPerSecond;
    restartedAt = performance.now();
    const previous = child;
    spawnEncoder();
    kill(previous);
  };
  spawnEncoder();
  return source;
}
