// Browser audio playback: Opus packets → WebCodecs AudioDecoder → Web Audio, scheduled back to back
// with a small, bounded playout buffer: audio that would play later than the bound is dropped, so
// that sound stays in step with the picture instead of drifting behind it. The decoder (AudioDecode)
// and the output (AudioOutput) are apart so that a media worker can decode and the page play: Web
// Audio exists only on the page's main thread.
import { closeCodec } from "./codecs.js";
import { LogLevel } from "../sdk/enums.js";

const START_DELAY_S = 0.04; // cushion before the first buffer plays
const MAX_AHEAD_S = 0.15; // never schedule further ahead than this

/** Opus → planes of float samples: onSamples(planes (Float32Array per channel), sampleRate). */
export class AudioDecode {
  #decoder;
  #closed = false;
  #paused = false;

  /** log: a log of js/sdk/log.js. */
  constructor({ sampleRate = 48000, channels = 2 }, onSamples, onError, log = () => {}) {
    this.counters = { framesReceived: 0, decoderErrors: 0 };
    this.#decoder = new AudioDecoder({
      output: (data) => {
        try {
          if (this.#closed) return;
          const planes = [];
          for (let channel = 0; channel < data.numberOfChannels; channel++) {
            const plane = new Float32Array(data.numberOfFrames);
            data.copyTo(plane, { planeIndex: channel, format: "f32-planar" });
            planes.push(plane);
          }
          onSamples(planes, data.sampleRate);
        } finally {
          data.close();
        }
      },
      error: (error) => {
        this.counters.decoderErrors++;
        onError(error);
      },
    });
    this.#decoder.configure({ codec: "opus", sampleRate, numberOfChannels: channels });
    log(LogLevel.Debug, () => `audio decoder configured: opus, ${sampleRate} Hz, ${channels} channel(s); playout buffer at most ${MAX_AHEAD_S * 1000} ms`);
  }

  push({ timestamp, data }) {
    if (this.#closed || this.#paused || this.#decoder.state !== "configured") return;
    this.counters.framesReceived++;
    this.#decoder.decode(new EncodedAudioChunk({ type: "key", timestamp, data }));
  }

  pause() {
    this.#paused = true;
  }

  play() {
    this.#paused = false;
  }

  close() {
    if (this.#closed) return;
    this.#closed = true;
    closeCodec(this.#decoder);
  }
}

/** Decoded samples → an AudioContext, at most MAX_AHEAD_S ahead of the output. */
export class AudioOutput {
  #context;
  #next = 0;
  #closed = false;
  #log;
  #dropping = false; // in a run of audio dropped over the bound (logged when it starts)

  constructor(sampleRate, log = () => {}) {
    this.#log = log;
    // aheadMs: how far ahead of the output the latest buffer was scheduled (the playout delay).
    this.counters = { framesDecoded: 0, framesDropped: 0, aheadMs: 0, maxAheadMs: 0 };
    this.#context = new AudioContext({ latencyHint: "interactive", sampleRate });
  }

  /** Resumes the AudioContext (autoplay policies may start it suspended until a user gesture). */
  resume() {
    return this.#context.state === "closed" ? Promise.resolve() : this.#context.resume();
  }

  get contextState() {
    return this.#context.state;
  }

  /** Schedules one decoded packet's planes. */
  play(planes, sampleRate) {
    if (this.#closed || planes.length === 0) return;
    this.counters.framesDecoded++;
    const buffer = this.#context.createBuffer(planes.length, planes[0].length, sampleRate);
    planes.forEach((plane, channel) => buffer.copyToChannel(plane, channel));
    const now = this.#context.currentTime;
    if (this.#next < now) this.#next = now + START_DELAY_S;
    if (this.#next - now > MAX_AHEAD_S) {
      this.counters.framesDropped++; // over the bound: drop rather than fall behind
      if (!this.#dropping) this.#log(LogLevel.Debug, () => `audio ${Math.round((this.#next - now) * 1000)} ms ahead of the output: dropping to stay in step`);
      this.#dropping = true;
      return;
    }
    this.#dropping = false;
    const source = this.#context.createBufferSource();
    source.buffer = buffer;
    source.connect(this.#context.destination);
    source.start(this.#next);
    this.counters.aheadMs = (this.#next - now) * 1000;
    this.counters.maxAheadMs = Math.max(this.counters.maxAheadMs, this.counters.aheadMs);
    this.#next += buffer.duration;
  }

  suspend() {
    this.#context.suspend?.();
  }

  /** Resumes after suspend(), scheduling afresh. */
  restart() {
    this.#next = 0;
    this.#context.resume?.();
  }

  close() {
    if (this.#closed) return;
    this.#closed = true;
    this.#context.close();
  }
}

/** Decoder and output on the page's main thread. */
export class AudioPlayer {
  #decode;
  #output;

  /** log: a log of js/sdk/log.js. */
  constructor(config, onError, log = () => {}) {
    this.#output = new AudioOutput(config.sampleRate ?? 48000, log);
    this.#decode = new AudioDecode(config, (planes, rate) => this.#output.play(planes, rate), onError, log);
  }

  get counters() {
    return { ...this.#decode.counters, ...this.#output.counters };
  }

  resume() {
    return this.#output.resume();
  }

  get contextState() {
    return this.#output.contextState;
  }

  push(frame) {
    this.#decode.push(frame);
  }

  pause() {
    this.#decode.pause();
    this.#output.suspend();
  }

  play() {
    this.#decode.play();
    this.#output.restart();
  }

  close() {
    this.#decode.close();
    this.#output.close();
  }
}
