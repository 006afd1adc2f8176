// Browser audio playback: Opus packets → WebCodecs AudioDecoder → Web Audio, scheduled back to back
// with a small, bounded playout buffer: audio that would play later than the bound is dropped, so
// that sound stays in step with the picture instead of drifting behind it. The decoder (AudioDecode)
// and the output (AudioOutput) are apart so that a media worker can decode and the page play: Web
// Audio exists only on the page, and the worker's samples go to its audio thread directly.
import { closeCodec } from "./codecs.js";
import { LogLevel } from "../sdk/enums.js";
import { PLAYOUT_PROCESSOR, loadPlayoutModule } from "./audio-worklet.js";

const START_DELAY_S = 0.04; // cushion before the first buffer plays
const MAX_AHEAD_S = 0.15; // never schedule further ahead than this
const WAITING_PACKETS = 16; // play()'s packets kept while the processor's module loads

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

/**
 * Decoded samples → an AudioContext, at most MAX_AHEAD_S ahead of the output: through the playout
 * processor on the audio thread (js/platform/audio-worklet.js), or, where there is no AudioWorklet,
 * as AudioBufferSourceNodes scheduled back to back from the page's main thread. Samples come from
 * play() (a decoder on this thread) or through samplesPort() (a media worker's decoder, straight to
 * the processor, past the main thread).
 */
export class AudioOutput {
  #context;
  #node = null; // the playout processor's node, once its module is loaded
  #fallback = false; // no AudioWorklet: scheduled from this thread
  #waiting = []; // play()'s packets before the processor is up (a few: its module loads in milliseconds)
  #samples = new MessageChannel(); // port1: where a worker's samples arrive; port2: handed to it
  #droppedWaiting = 0; // play()'s packets dropped while the processor's module loaded
  #next = 0;
  #closed = false;
  #log;
  #dropping = false; // in a run of audio dropped over the bound (logged when it starts)

  constructor(sampleRate, channels = 2, log = () => {}) {
    this.#log = log;
    // aheadMs: how far ahead of the output the latest packet was put (the playout delay); underruns
    // and silentMs (the audio thread's, 0 without it): times the buffer ran dry while playing, and
    // how long the output has had nothing to play since the sound started.
    this.counters = { framesDecoded: 0, framesDropped: 0, aheadMs: 0, maxAheadMs: 0, underruns: 0, silentMs: 0 };
    this.#context = new AudioContext({ latencyHint: "interactive", sampleRate });
    // Any failure before the processor runs (no AudioWorklet, a module that would not load) falls back.
    loadPlayoutModule(this.#context)
      .then(() => this.#startProcessor(channels))
      .catch((error) => this.#startFallback(error));
  }

  #startProcessor(channels) {
    if (this.#closed) return;
    const sampleRate = this.#context.sampleRate;
    const node = new AudioWorkletNode(this.#context, PLAYOUT_PROCESSOR, {
      numberOfInputs: 0,
      numberOfOutputs: 1,
      outputChannelCount: [channels],
      processorOptions: { maxAheadFrames: Math.round(MAX_AHEAD_S * sampleRate), startFrames: Math.round(START_DELAY_S * sampleRate) },
    });
    node.port.onmessage = ({ data }) => {
      if (!data.counters) return;
      Object.assign(this.counters, data.counters);
      this.counters.framesDropped += this.#droppedWaiting;
    };
    node.connect(this.#context.destination);
    // What a worker posted meanwhile waits in port1, and goes with it.
    node.port.postMessage({ samples: this.#samples.port1 }, [this.#samples.port1]);
    this.#node = node;
    this.#log(LogLevel.Debug, () => "audio plays on the audio thread (AudioWorklet)");
    for (const [planes, rate] of this.#waiting.splice(0)) this.play(planes, rate);
  }

  #startFallback(error) {
    if (this.#closed) return;
    this.#log(LogLevel.Debug, () => `audio plays from the main thread: ${error.message}`);
    this.#fallback = true;
    this.#samples.port1.onmessage = ({ data }) => this.#schedule(data.planes, data.sampleRate);
    for (const [planes, sampleRate] of this.#waiting.splice(0)) this.#schedule(planes, sampleRate);
  }

  /** The port a media worker posts {planes, sampleRate} to (transfer it); only once. */
  samplesPort() {
    return this.#samples.port2;
  }

  /** Resumes the AudioContext (autoplay policies may start it suspended until a user gesture). */
  resume() {
    return this.#context.state === "closed" ? Promise.resolve() : this.#context.resume();
  }

  get contextState() {
    return this.#context.state;
  }

  /** One decoded packet's planes, from a decoder on this thread. */
  play(planes, sampleRate) {
    if (this.#closed || planes.length === 0) return;
    if (this.#node) this.#node.port.postMessage({ planes, sampleRate }, planes.map((plane) => plane.buffer));
    else if (this.#fallback) this.#schedule(planes, sampleRate);
    else if (this.#waiting.length < WAITING_PACKETS) this.#waiting.push([planes, sampleRate]);
    else this.counters.framesDropped = ++this.#droppedWaiting;
  }

  /** Without the processor: schedules one packet as an AudioBufferSourceNode right after the last. */
  #schedule(planes, sampleRate) {
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

  /** Resumes after suspend(), playing afresh (what was buffered is dropped). */
  restart() {
    this.#next = 0;
    this.#node?.port.postMessage({ reset: true });
    this.#context.resume?.();
  }

  close() {
    if (this.#closed) return;
    this.#closed = true;
    this.#waiting = [];
    this.#node?.disconnect();
    if (!this.#node) this.#samples.port1.close(); // else it went to the processor, which ends with the context
    this.#context.close();
  }
}

/** Decoder and output on the page's main thread. */
export class AudioPlayer {
  #decode;
  #output;

  /** log: a log of js/sdk/log.js. */
  constructor(config, onError, log = () => {}) {
    this.#output = new AudioOutput(config.sampleRate ?? 48000, config.channels ?? 2, log);
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
