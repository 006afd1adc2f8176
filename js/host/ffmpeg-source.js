// A live media source for Node hosts: Debian's ffmpeg encodes a test pattern with a moving frame
// counter (testsrc) and a tone (sine), or any input ffmpeg can read, to H.264 and Opus with
// low-latency settings; the source hands out encoded chunks ({type, timestamp, data}) as they come.
import { spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import { AnnexBSplitter } from "./annexb.js";
import { OggOpusReader } from "./ogg.js";

const OPUS_FRAME_US = 20000;

/**
 * Starts ffmpeg. Options: width, height, frameRate, keyframeInterval (frames), bitrate (video, bits/s),
 * profile ("baseline" | "high"), toneHz, videoInput / audioInput (ffmpeg input arguments replacing
 * the test pattern and the tone), durationSeconds (stop after), realtime (default true).
 * Emits "video" and "audio" with chunks, "error", and "end".
 */
export function startFfmpegSource(options = {}) {
  const {
    width = 640,
    height = 360,
    frameRate = 30,
    keyframeInterval = 15,
    bitrate = 1_500_000,
    profile = "baseline",
    toneHz = 440,
    durationSeconds,
    realtime = true,
    ffmpeg = "ffmpeg",
  } = options;
  const videoInput = options.videoInput ?? ["-f", "lavfi", "-i", `testsrc=size=${width}x${height}:rate=${frameRate}`];
  const audioInput = options.audioInput ?? ["-f", "lavfi", "-i", `sine=frequency=${toneHz}:sample_rate=48000`];
  const duration = durationSeconds ? ["-t", String(durationSeconds)] : []; // per output
  const args = [
    "-hide_banner", "-loglevel", "error", "-nostdin",
    ...(realtime ? ["-re"] : []), ...videoInput,
    ...(realtime ? ["-re"] : []), ...audioInput,
    ...duration, "-map", "0:v", "-c:v", "libx264", "-profile:v", profile, "-preset", "ultrafast", "-tune", "zerolatency",
    "-pix_fmt", "yuv420p", "-g", String(keyframeInterval), "-bf", "0", "-b:v", String(bitrate),
    "-x264-params", "aud=1:repeat-headers=1", "-f", "h264", "pipe:1",
    ...duration, "-map", "1:a", "-c:a", "libopus", "-b:a", "64000", "-ac", "2", "-frame_duration", "20",
    "-application", "lowdelay", "-f", "ogg", "-page_duration", "20000", "pipe:3",
  ];
  const source = new EventEmitter();
  const child = spawn(ffmpeg, args, { stdio: ["ignore", "pipe", "pipe", "pipe"] });
  const splitter = new AnnexBSplitter();
  const ogg = new OggOpusReader();
  let videoFrames = 0;
  let audioFrames = 0;
  let errors = "";
  child.stdout.on("data", (chunk) => {
    for (const { data, keyframe } of splitter.push(chunk)) {
      source.emit("video", { type: keyframe ? "key" : "delta", timestamp: Math.round((videoFrames++ * 1e6) / frameRate), data });
    }
  });
  child.stdout.on("end", () => {
    const last = splitter.flush();
    if (last) source.emit("video", { type: last.keyframe ? "key" : "delta", timestamp: Math.round((videoFrames++ * 1e6) / frameRate), data: last.data });
  });
  child.stdio[3].on("data", (chunk) => {
    try {
      for (const data of ogg.push(chunk)) {
        source.emit("audio", { type: "key", timestamp: audioFrames++ * OPUS_FRAME_US, data });
      }
    } catch (error) {
      source.emit("error", error);
    }
  });
  child.stderr.on("data", (chunk) => {
    errors += chunk;
  });
  child.on("error", (error) => source.emit("error", error));
  let stopped = false;
  child.on("close", (code, signal) => {
    if (code && !signal && !stopped) source.emit("error", new Error(`ffmpeg exited with code ${code}: ${errors.trim()}`));
    source.emit("end");
  });
  source.stop = () => {
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  };
  return source;
}
