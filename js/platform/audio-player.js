// Browser audio playback: Opus packets → WebCodecs AudioDecoder → Web Audio, scheduled back to back
// with a small, bounded playout buffer: audio that would play later than the bound is dropped, so
// that sound stays in step with the picture instead of drifting behind it.
import { closeCodec } from "./codecs.js";
import { LogLevel } from "../sdk/enums.js";

const START_DELAY_S = 0.04; // cushion before the first buffer plays
const MAX_AHEAD_S = 0.15; // never schedule further ahead than this

export class AudioPlayer {
  #decoder;
  #context;
  #next = 0;
  #closed = false;
  #paused = false;
  #log;
  #dropping = false; // in a run of audio dropped over the bound (logged when it starts)

  /** log: a log of js/sdk/log.js. */
  constructor({ sampleRate = 48000, channels = 2 }, onError, log = () => {}) {
    // aheadMs: how far ahead of the output the latest buffer was scheduled (the playout delay).
    this.#log = log;
    this.counters = { framesReceived: 0, framesDecoded: 0, framesDropped: 0, decoderErrors: 0, aheadMs: 0, maxAheadMs: 0 };
    this.#context = new AudioContext({ latencyHint: "interactive", sampleRate });
    this.#decoder = new AudioDecoder({
      output: (data) => this.#play(data),
      error: (error) => {
        this.counters.decoderErrors++;
        onError(error);
      },
    });
    this.#decoder.configure({ codec: "opus", sampleRate, numberOfChannels: channels });
    log(LogLevel.Debug, () => `audio decoder configured: opus, ${sampleRate} Hz, ${channels} channel(s); playout buffer at most ${MAX_AHEAD_S * 1000} ms`);
  }

  /** Resumes the AudioContext (autoplay policies may start it suspended until a user gesture). */
  resume() {
    return this.#context.state === "closed" ? Promise.resolve() : this.#context.resume();
  }

  get contextState() {
    return this.#context.state;
  }

  push({ timestamp, data }) {
    if (this.#closed || this.#paused || this.#decoder.state !== "configured") return;
    this.counters.framesReceived++;
    this.#decoder.decode(new EncodedAudioChunk({ type: "key", timestamp, data }));
  }

  #play(data) {
    try {
      if (this.#closed) return;
      this.counters.framesDecoded++;
      const buffer = this.#context.createBuffer(data.numberOfChannels, data.numberOfFrames, data.sampleRate);
      for (let channel = 0; channel < data.numberOfChannels; channel++) {
        data.copyTo(buffer.getChannelData(channel), { planeIndex: channel, format: "f32-planar" });
      }
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
    } finally {
      data.close();
    }
  }

  pause() {
    this.#paused = true;
    this.#context.suspend?.();
  }

  play() {
    this.#paused = false;
    this.#next = 0;
    this.#context.resume?.();
  }

  close() {
    if (this.#closed) return;
    this.#closed = true;
    closeCodec(this.#decoder);
    this.#context.close();
  }
}
