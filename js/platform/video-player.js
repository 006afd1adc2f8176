// Browser video playback: encoded frames → WebCodecs VideoDecoder (latency-optimised, hardware
// preferred, software as fallback) → each VideoFrame handed to a picture sink (js/platform/
// picture-sink.js: a video track a <video> shows, or a canvas) when the playout policy says
// (js/platform/playout.js: at once, or after a small delay that evens out jitter). The
// decode queue is bounded: when it backs up, frames are dropped up to the next keyframe and one is
// asked for, rather than falling behind. A decoder error recovers the same way.
import { RainwayError } from "../sdk/errors.js";
import { closeCodec } from "./codecs.js";
import { LogLevel } from "../sdk/enums.js";
import { PlayoutPolicy, PlayoutScheduler } from "./playout.js";

const MAX_DECODE_QUEUE = 4;
const PAINT_LOG = 1024; // the latest paint times kept (for tests and benches)

/** Milliseconds on a clock a page and its workers share (each one's performance.now() has its own origin). */
export const sharedNow = () => performance.timeOrigin + performance.now();

/** True when this platform can decode video with WebCodecs. */
export function hasWebCodecs() {
  return typeof globalThis.VideoDecoder === "function" && typeof globalThis.EncodedVideoChunk === "function";
}

/** Picks a decoder configuration this browser supports: hardware first, then anything. */
export async function chooseVideoConfig(codec) {
  for (const hardwareAcceleration of ["prefer-hardware", "no-preference"]) {
    const config = { codec, optimizeForLatency: true, hardwareAcceleration };
    try {
      const { supported } = await VideoDecoder.isConfigSupported(config);
      if (supported) return config;
    } catch {
      // an invalid codec string: try the next, then fail below
    }
  }
  throw new RainwayError(`This browser cannot decode ${codec} video with WebCodecs.`);
}

export class VideoPlayer {
  #config;
  #decoder = null;
  #sink;
  #waitingForKeyframe = true;
  #paused = false;
  #closed = false;
  #callbacks;
  #decodeStarted = new Map(); // timestamp -> performance.now() when handed to the decoder
  #log;
  #skipped = 0; // frames dropped while waiting for a keyframe (for the log)
  #paints = new Float64Array(PAINT_LOG); // when pictures were drawn (sharedNow), a ring
  #probe = null;
  #playout;
  #playoutTimer = null;

  /**
   * sink: a TrackSink or CanvasSink (js/platform/picture-sink.js), which the player closes.
   * callbacks: onKeyframeNeeded(reason), onState(name), onError(error), onSize(width, height) when
   * the picture's size changes, log (a log of js/sdk/log.js); playout: the policy (PlayoutPolicy,
   * "instant" by default)
   */
  constructor(sink, config, callbacks) {
    this.#sink = sink;
    this.#config = config;
    this.#callbacks = callbacks;
    this.#log = callbacks.log ?? (() => {});
    this.#playout = new PlayoutScheduler(callbacks.playout ?? PlayoutPolicy.Instant);
    this.counters = { framesReceived: 0, framesDecoded: 0, framesDropped: 0, framesReplaced: 0, decoderErrors: 0, lastDecodeMs: 0, playoutDelayMs: 0 };
    this.#createDecoder();
  }

  #createDecoder() {
    this.#decoder = new VideoDecoder({
      output: (frame) => this.#decoded(frame),
      error: (error) => this.#recover(error),
    });
    this.#decoder.configure(this.#config);
    this.#log(LogLevel.Debug, () => `video decoder configured: ${this.#config.codec}, ${this.#config.hardwareAcceleration}, optimised for latency`);
    this.#waitingForKeyframe = true;
    this.#callbacks.onState("WaitingForKeyframe");
  }

  /** A decoded picture: shown now or held, as the playout policy says. */
  #decoded(frame) {
    if (this.#closed) {
      frame.close();
      return;
    }
    const now = performance.now();
    const started = this.#decodeStarted.get(frame.timestamp);
    this.#decodeStarted.delete(frame.timestamp);
    if (started !== undefined) this.counters.lastDecodeMs = now - started;
    for (const due of this.#playout.arrive(frame, frame.timestamp / 1000, now)) this.#draw(due);
    this.counters.playoutDelayMs = this.#playout.delayMs;
    this.#schedulePlayout();
  }

  /** Wakes up when the next held picture is due. */
  #schedulePlayout() {
    const due = this.#playout.nextDue;
    if (due === null || this.#playoutTimer !== null) return;
    this.#playoutTimer = setTimeout(() => {
      this.#playoutTimer = null;
      if (this.#closed) return;
      for (const frame of this.#playout.showDue(performance.now())) this.#draw(frame);
      this.#schedulePlayout();
    }, Math.max(0, due - performance.now()));
  }

  /** The playout policy (PlayoutPolicy): "instant" or "smooth". */
  get playout() {
    return this.#playout.policy;
  }

  setPlayout(policy) {
    this.#playout.setPolicy(policy);
    for (const frame of this.#playout.showDue(performance.now())) this.#draw(frame);
    this.counters.playoutDelayMs = this.#playout.delayMs;
    this.#log(LogLevel.Debug, () => `playout: ${policy}`);
  }

  /** Drops the pictures held for playout (closing them). */
  #dropHeld() {
    for (const frame of this.#playout.takeAll()) frame.close();
  }

  #draw(frame) {
    if (this.#closed) {
      frame.close();
      return;
    }
    const { displayWidth: width, displayHeight: height, timestamp } = frame;
    const resized = width !== this.#sink.width || height !== this.#sink.height;
    this.#sink.show(frame);
    if (resized) {
      this.#log(LogLevel.Debug, () => `picture size ${width}x${height}`);
      this.#callbacks.onSize?.(width, height);
    }
    this.#paints[this.counters.framesDecoded % PAINT_LOG] = sharedNow();
    this.counters.framesDecoded++;
    this.counters.framesReplaced = this.#sink.dropped;
    this.#probe?.(timestamp);
  }

  /** The picture's size ({width, height}), or undefined before the first. */
  get pictureSize() {
    return this.counters.framesDecoded > 0 ? { width: this.#sink.width, height: this.#sink.height } : undefined;
  }

  /** How many of the latest pictures were drawn between two sharedNow() times. */
  paintsBetween(from, to) {
    let count = 0;
    const kept = Math.min(this.counters.framesDecoded, PAINT_LOG);
    for (let i = 0; i < kept; i++) if (this.#paints[i] >= from && this.#paints[i] <= to) count++;
    return count;
  }

  /**
   * Benches: after each picture is drawn, copies a region of it (x, y, width, height: fractions of
   * the picture) scaled to size.width × size.height, and at the next animation frame (the rendering
   * update that shows it) calls onSample({pixels, timestamp, drawnAt, shownAt, overwritten}) (times
   * on sharedNow's clock; overwritten: pictures drawn over before one was shown). null stops it.
   * Only a canvas can be read so: a <video>'s track is read where it is shown (requestVideoFrameCallback).
   */
  probe(options) {
    this.#probe = options && this.#sink.source ? pictureProbe(this.#sink.source, options) : null;
  }

  /** A decoder error: count it, start a fresh decoder, and wait for a keyframe instead of going black. */
  #recover(error) {
    if (this.#closed) return;
    this.counters.decoderErrors++;
    this.#callbacks.onError(error);
    closeCodec(this.#decoder);
    this.#decodeStarted.clear();
    this.#createDecoder();
    this.#callbacks.onKeyframeNeeded("a fresh decoder after an error");
  }

  /** Decodes one frame ({type, timestamp, data}). */
  push({ type, timestamp, data }) {
    if (this.#closed || this.#paused) return;
    this.counters.framesReceived++;
    if (this.#waitingForKeyframe && type !== "key") {
      this.counters.framesDropped++;
      this.#skipped++;
      return;
    }
    if (this.#decoder.decodeQueueSize > MAX_DECODE_QUEUE) {
      // Falling behind: skip to the next keyframe rather than show ever older frames.
      this.#log(LogLevel.Debug, () => `the decoder is behind (${this.#decoder.decodeQueueSize} frames queued): dropping frames up to a keyframe`);
      this.counters.framesDropped++;
      this.#skipped++;
      this.#waitingForKeyframe = true;
      this.#callbacks.onState("WaitingForKeyframe");
      this.#callbacks.onKeyframeNeeded("it fell behind and skips to a keyframe");
      return;
    }
    if (this.#waitingForKeyframe) {
      this.#waitingForKeyframe = false;
      this.#log(LogLevel.Debug, () => `decoding from a keyframe${this.#skipped ? ` (${this.#skipped} frame(s) dropped while waiting for it)` : ""}`);
      this.#skipped = 0;
      this.#callbacks.onState("Playing");
    }
    this.#decodeStarted.set(timestamp, performance.now());
    try {
      this.#decoder.decode(new EncodedVideoChunk({ type, timestamp, data }));
    } catch (error) {
      this.#recover(error);
    }
  }

  pause() {
    this.#paused = true;
    this.#dropHeld();
    this.#callbacks.onState("Paused");
  }

  /** Resumes; the next picture must be a keyframe (the caller asks for one). */
  play() {
    if (!this.#paused) return;
    this.#paused = false;
    this.#waitingForKeyframe = true;
    this.#callbacks.onState("WaitingForKeyframe");
  }

  close() {
    if (this.#closed) return;
    this.#closed = true;
    this.#dropHeld();
    clearTimeout(this.#playoutTimer);
    closeCodec(this.#decoder);
    this.#sink.close();
    this.#decodeStarted.clear();
    this.#callbacks.onState("Disposed");
  }
}

/** The region reader of VideoPlayer.probe. */
function pictureProbe(canvas, { region, size, onSample }) {
  const scratch = new OffscreenCanvas(size.width, size.height);
  const context = scratch.getContext("2d", { willReadFrequently: true });
  let pending = null;
  let overwritten = 0;
  return (timestamp) => {
    const drawnAt = sharedNow();
    const { width, height } = canvas;
    context.drawImage(canvas, region.x * width, region.y * height, region.width * width, region.height * height, 0, 0, size.width, size.height);
    if (pending) overwritten++;
    const sample = { pixels: context.getImageData(0, 0, size.width, size.height).data, timestamp, drawnAt };
    const first = !pending;
    pending = sample;
    if (!first) return;
    requestAnimationFrame(() => {
      const shown = pending;
      pending = null;
      onSample({ ...shown, shownAt: sharedNow(), overwritten });
    });
  };
}
