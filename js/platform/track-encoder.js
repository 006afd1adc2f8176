// Browser hosts: a MediaStreamTrack (canvas capture, screen capture, camera, microphone, Web Audio)
// → MediaStreamTrackProcessor → WebCodecs VideoEncoder / AudioEncoder with real-time settings →
// encoded chunks for an OutboundStream's core stream. Keyframes and bitrate changes follow the client's
// requests. The encoders run where the frames are read: in the media worker (the processor's readable
// transferred there: js/platform/media-worker-sender.js), or on the page.
import { RainwayError } from "../sdk/errors.js";
import { closeCodec } from "./codecs.js";
import { NewestFrameGate } from "./encoder-gate.js";
import { EncoderLoad } from "./encoder-load.js";

// Resolution follows the bitrate, as libwebrtc's does: a picture needs about this many bits per pixel and
// frame to look right; below it, fewer pixels at that rate look better than blocks, and an encoder has a
// floor at a given size (Chromium's H.264 at 720p makes ~650 kbit/s whatever it is asked), so only a
// smaller picture lets the stream fit a slow link. 0.08 makes the sizes libwebrtc picks for a native
// track (640 x 360 for 720p60 at 1.5 Mbit/s); at 0.04 the picture was 960 x 540, whose encoding and
// decoding cost both ends more CPU and, on a busy machine, latency (BENCHMARKS.md).
const BITS_PER_PIXEL = 0.08;
const SCALES = [1, 0.75, 0.5, 1 / 3, 0.25];
const SCALE_UP_MARGIN = 1.3; // a larger picture only when the rate clears its need by this much...
const SCALE_UP_INTERVAL_MS = 2000; // ...and not sooner than this after the last change (each costs a keyframe)
const SCALE_DOWN_MARGIN = 0.8; // a smaller one once the rate is this far below the current picture's need

/** The largest scale whose picture the rate can carry (the smallest when none can). */
export function scaleForBitrate(bitsPerSecond, width, height, frameRate, margin = 1) {
  const needed = BITS_PER_PIXEL * width * height * frameRate * margin;
  return SCALES.find((scale) => bitsPerSecond >= needed * scale * scale) ?? SCALES[SCALES.length - 1];
}

/** Even dimensions (H.264 needs them) of a scaled picture; the picture as it is at scale 1. */
function scaledSize(width, height, scale) {
  if (scale >= 1) return { width, height };
  return { width: Math.max(2, 2 * Math.round((width * scale) / 2)), height: Math.max(2, 2 * Math.round((height * scale) / 2)) };
}

/** A track encoder's counters as they start, by kind ("video" or "audio"). */
export function encoderCounters(kind, width = 0, height = 0) {
  if (kind === "audio") return { framesIn: 0, framesEncoded: 0 };
  return { framesIn: 0, framesEncoded: 0, framesDropped: 0, keyframes: 0, resolutionChanges: 0, width, height, encoderBusyPercent: 0, cpuScaleLimit: 1 };
}

/** A track's frames (VideoFrame or AudioData) as a ReadableStream, which can be transferred to a worker. */
export function trackFrames(track) {
  if (typeof globalThis.MediaStreamTrackProcessor !== "function") {
    throw new RainwayError("This browser has no MediaStreamTrackProcessor; it cannot host a stream from a track.");
  }
  return new MediaStreamTrackProcessor({ track }).readable;
}

/**
 * Reads every item of a track's frames into handle(item) until stopped; handle owns the item (closes
 * it when done). Returns stop(), which cancels the stream: the track's processor lets go of it.
 */
function pump(frames, handle, onError) {
  const reader = frames.getReader();
  let stopped = false;
  (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      if (stopped) {
        value.close();
        return;
      }
      handle(value);
    }
  })().catch((error) => !stopped && onError(error));
  return () => {
    stopped = true;
    reader.cancel().catch(() => {});
  };
}

/**
 * Encodes a video track's frames (trackFrames) into send(chunk). Options: codec, width, height, frameRate, bitrate,
 * keyframeInterval (frames), adaptResolution (default true: the picture is scaled down when the bitrate
 * asked for is too low for its size, or when the machine cannot encode it in time (EncoderLoad), and
 * back up when that passes). Returns a controller {requestKeyframe(), setBitrate(bps), stop(), counters}.
 */
export function encodeVideoTrack(frames, send, options, onError) {
  const { codec = "avc1.42e01f", width, height, frameRate = 30, bitrate = 2_000_000, keyframeInterval = 120 } = options;
  const adaptResolution = options.adaptResolution !== false && width > 0 && height > 0;
  const counters = encoderCounters("video", width, height);
  // The picture's scale is the smaller of what the bitrate carries and what the machine encodes in time.
  let bitrateScale = adaptResolution ? scaleForBitrate(bitrate, width, height, frameRate) : 1;
  let cpuStep = 0; // index in SCALES of the largest picture the encoder keeps up with
  const load = new EncoderLoad();
  let scale = bitrateScale;
  let scaledAt = -Infinity;
  let stopped = false;
  let forceKeyframe = true;
  let config = {
    codec,
    width,
    height,
    framerate: frameRate,
    bitrate,
    latencyMode: "realtime",
    hardwareAcceleration: "no-preference",
    ...(codec.startsWith("avc1") ? { avc: { format: "annexb" } } : {}),
    ...scaledSize(width, height, scale),
  };
  counters.width = config.width;
  counters.height = config.height;
  let sinceKeyframe = 0; // frames encoded since the last keyframe asked for
  const gate = new NewestFrameGate((frame) => {
    const keyFrame = forceKeyframe || sinceKeyframe + 1 >= keyframeInterval;
    forceKeyframe = false;
    sinceKeyframe = keyFrame ? 0 : sinceKeyframe + 1;
    try {
      if (encoder.state === "configured") encoder.encode(frame, { keyFrame });
    } finally {
      frame.close();
    }
  });
  const encoder = new VideoEncoder({
    output: (chunk) => {
      counters.framesEncoded++;
      if (chunk.type === "key") counters.keyframes++;
      if (stopped) return;
      // The next frame goes in first: the encoder works on it while this one is sent.
      const now = performance.now();
      const handedAt = gate.done(chunk.timestamp, now);
      send(chunk);
      if (adaptResolution && handedAt !== null) followLoad(handedAt, now);
    },
    error: (error) => onError(error),
  });
  try {
    encoder.configure(config);
  } catch (error) {
    // A configuration the browser refuses outright (a bad codec or size): nothing is left held.
    closeCodec(encoder);
    frames.cancel().catch(() => {});
    throw error;
  }

  /** Takes the picture to the scale the bitrate and the machine allow; true when it changed. */
  const rescale = (now) => {
    const next = Math.min(bitrateScale, SCALES[cpuStep]);
    if (next === scale) return false;
    scale = next;
    scaledAt = now;
    config = { ...config, ...scaledSize(width, height, scale) };
    counters.resolutionChanges++;
    counters.width = config.width;
    counters.height = config.height;
    return true;
  };
  /** After each frame: a step smaller while the encoder cannot keep up, a step back when it has room. */
  const followLoad = (handedAt, now) => {
    const verdict = load.encoded(handedAt, now);
    if (load.usage !== null) counters.encoderBusyPercent = Math.round(load.usage * 100);
    if (verdict === "shrink" && cpuStep < SCALES.length - 1) cpuStep++;
    // Up only while the machine, not the bitrate, is what holds the picture back.
    else if (verdict === "grow" && cpuStep > 0 && SCALES[cpuStep] < bitrateScale) cpuStep--;
    else return;
    counters.cpuScaleLimit = SCALES[cpuStep];
    if (rescale(now)) {
      load.changed(now);
      encoder.configure(config);
    }
  };

  const stopPump = pump(
    frames,
    (frame) => {
      counters.framesIn++;
      if (gate.offer(frame, performance.now())) counters.framesDropped++;
    },
    onError,
  );
  return {
    counters,
    requestKeyframe() {
      forceKeyframe = true;
    },
    setBitrate(bitsPerSecond) {
      config = { ...config, bitrate: bitsPerSecond };
      if (adaptResolution) {
        // Down at once, up not too often, each with a margin (a change restarts the encoder with a keyframe, so
        // the picture must not flap while the rate hovers around a step).
        const now = performance.now();
        const fits = scaleForBitrate(bitsPerSecond, width, height, frameRate, SCALE_DOWN_MARGIN);
        const roomy = scaleForBitrate(bitsPerSecond, width, height, frameRate, SCALE_UP_MARGIN);
        if (fits < bitrateScale) bitrateScale = fits;
        else if (roomy > bitrateScale && now - scaledAt >= SCALE_UP_INTERVAL_MS) bitrateScale = roomy;
        if (rescale(now)) load.changed(now);
      }
      if (encoder.state === "configured") encoder.configure(config);
    },
    stop() {
      stopped = true;
      stopPump();
      gate.close();
      closeCodec(encoder);
    },
  };
}

/** Encodes an audio track's frames (trackFrames) to Opus into send(chunk). Returns {stop(), counters}. */
export function encodeAudioTrack(frames, send, { sampleRate = 48000, channels = 2, bitrate = 64000 } = {}, onError) {
  const counters = encoderCounters("audio");
  let stopped = false;
  let configured = false;
  const encoder = new AudioEncoder({
    output: (chunk) => {
      counters.framesEncoded++;
      if (!stopped) send(chunk);
    },
    error: (error) => onError(error),
  });
  const stopPump = pump(
    frames,
    (data) => {
      counters.framesIn++;
      if (!configured) {
        // The track decides its own rate and channel count; Opus takes them as they are.
        encoder.configure({
          codec: "opus",
          sampleRate: data.sampleRate ?? sampleRate,
          numberOfChannels: data.numberOfChannels ?? channels,
          bitrate,
          opus: { frameDuration: 20000 },
        });
        configured = true;
      }
      try {
        encoder.encode(data);
      } finally {
        data.close();
      }
    },
    onError,
  );
  return {
    counters,
    stop() {
      stopped = true;
      stopPump();
      closeCodec(encoder);
    },
  };
}
