// Browser hosts: a MediaStreamTrack (canvas capture, screen capture, camera, microphone, Web Audio)
// → MediaStreamTrackProcessor → WebCodecs VideoEncoder / AudioEncoder with real-time settings →
// encoded chunks for an OutboundStream. Keyframes and bitrate changes follow the client's requests.
import { RainwayError } from "../sdk/errors.js";
import { closeCodec } from "./codecs.js";

const MAX_ENCODE_QUEUE = 2; // frames waiting in the encoder before new ones are dropped

function processorFor(track) {
  if (typeof globalThis.MediaStreamTrackProcessor !== "function") {
    throw new RainwayError("This browser has no MediaStreamTrackProcessor; it cannot host a stream from a track.");
  }
  return new MediaStreamTrackProcessor({ track });
}

/** Reads every item of a track's processor into handle(item) until stopped; each item is closed. */
async function pump(processor, handle, isStopped) {
  const reader = processor.readable.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      try {
        if (!isStopped()) handle(value);
      } finally {
        value.close();
      }
      if (isStopped()) return;
    }
  } finally {
    reader.releaseLock();
  }
}

/**
 * Encodes a video track into send(chunk). Options: codec, width, height, frameRate, bitrate,
 * keyframeInterval (frames). Returns a controller {requestKeyframe(), setBitrate(bps), stop(), counters}.
 */
export function encodeVideoTrack(track, send, options, onError) {
  const { codec = "avc1.42e01f", width, height, frameRate = 30, bitrate = 2_000_000, keyframeInterval = 120 } = options;
  const processor = processorFor(track);
  const counters = { framesIn: 0, framesEncoded: 0, framesDropped: 0, keyframes: 0 };
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
  };
  const encoder = new VideoEncoder({
    output: (chunk) => {
      counters.framesEncoded++;
      if (chunk.type === "key") counters.keyframes++;
      if (!stopped) send(chunk);
    },
    error: (error) => onError(error),
  });
  encoder.configure(config);
  pump(
    processor,
    (frame) => {
      counters.framesIn++;
      if (encoder.encodeQueueSize > MAX_ENCODE_QUEUE) {
        counters.framesDropped++;
        return;
      }
      const keyFrame = forceKeyframe || counters.framesIn % keyframeInterval === 1;
      forceKeyframe = false;
      encoder.encode(frame, { keyFrame });
    },
    () => stopped,
  ).catch(onError);
  return {
    counters,
    requestKeyframe() {
      forceKeyframe = true;
    },
    setBitrate(bitsPerSecond) {
      config = { ...config, bitrate: bitsPerSecond };
      if (encoder.state === "configured") encoder.configure(config);
    },
    stop() {
      stopped = true;
      closeCodec(encoder);
    },
  };
}

/** Encodes an audio track to Opus into send(chunk). Returns {stop(), counters}. */
export function encodeAudioTrack(track, send, { sampleRate = 48000, channels = 2, bitrate = 64000 } = {}, onError) {
  const processor = processorFor(track);
  const counters = { framesIn: 0, framesEncoded: 0 };
  let stopped = false;
  let configured = false;
  const encoder = new AudioEncoder({
    output: (chunk) => {
      counters.framesEncoded++;
      if (!stopped) send(chunk);
    },
    error: (error) => onError(error),
  });
  pump(
    processor,
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
      encoder.encode(data);
    },
    () => stopped,
  ).catch(onError);
  return {
    counters,
    stop() {
      stopped = true;
      closeCodec(encoder);
    },
  };
}
