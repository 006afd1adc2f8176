// The audio playout buffer as an AudioWorklet processor: decoded samples are posted to it (from the
// page's decoder, or straight from the media worker's through a MessagePort the page hands over),
// and the audio thread plays them, so that a busy main thread does not starve the sound. The buffer
// is bounded: a packet that would put it more than maxAheadFrames ahead of the output is dropped, so
// sound stays in step with the picture. The module is built from this function's text (a Blob URL),
// so that no bundler has to know of a second file.

/** The processor, registered as "petrichor-playout"; runs in the AudioWorkletGlobalScope. */
function playoutModule() {
  const REPORT_S = 0.1; // how often the counters go to the page

  class PlayoutProcessor extends AudioWorkletProcessor {
    constructor({ processorOptions }) {
      super();
      const { maxAheadFrames, startFrames } = processorOptions;
      this.maxAheadFrames = maxAheadFrames;
      this.startFrames = startFrames; // the cushion buffered before playing starts (again)
      this.ring = []; // one Float32Array per channel, maxAheadFrames long
      this.read = 0;
      this.size = 0;
      this.playing = false;
      this.reported = 0;
      // framesDecoded: packets that reached the buffer; underruns: times it ran dry while playing;
      // silentMs: how long the output has had nothing to play since the sound first started.
      this.counters = { framesDecoded: 0, framesDropped: 0, aheadMs: 0, maxAheadMs: 0, underruns: 0, silentMs: 0 };
      this.started = false;
      this.silentFrames = 0;
      this.port.onmessage = ({ data }) => {
        if (data.samples) data.samples.onmessage = (event) => this.take(event.data);
        else if (data.planes) this.take(data);
        else if (data.reset) this.reset();
      };
    }

    reset() {
      this.read = 0;
      this.size = 0;
      this.playing = false;
    }

    /** One decoded packet: {planes (a Float32Array per channel), sampleRate}. */
    take({ planes, sampleRate: rate }) {
      this.counters.framesDecoded++;
      const frames = planes[0]?.length ?? 0;
      if (rate !== sampleRate || frames === 0 || this.size + frames > this.maxAheadFrames) {
        this.counters.framesDropped++; // over the bound (or not this context's rate): dropped to stay in step
        return;
      }
      if (this.ring.length !== planes.length) {
        this.ring = planes.map(() => new Float32Array(this.maxAheadFrames));
        this.reset();
      }
      const at = (this.read + this.size) % this.maxAheadFrames;
      const first = Math.min(frames, this.maxAheadFrames - at);
      planes.forEach((plane, channel) => {
        this.ring[channel].set(plane.subarray(0, first), at);
        if (first < frames) this.ring[channel].set(plane.subarray(first), 0);
      });
      this.size += frames;
      this.counters.aheadMs = (this.size / sampleRate) * 1000;
      this.counters.maxAheadMs = Math.max(this.counters.maxAheadMs, this.counters.aheadMs);
    }

    process(inputs, outputs) {
      const output = outputs[0];
      const frames = output[0].length;
      if (!this.playing && this.size >= this.startFrames) this.playing = this.started = true;
      if (!this.playing && this.started) this.silentFrames += frames;
      if (this.playing && this.ring.length > 0) {
        const played = Math.min(frames, this.size);
        output.forEach((out, channel) => {
          const ring = this.ring[Math.min(channel, this.ring.length - 1)]; // mono to every output channel
          const first = Math.min(played, this.maxAheadFrames - this.read);
          out.set(ring.subarray(this.read, this.read + first), 0);
          if (first < played) out.set(ring.subarray(0, played - first), first);
        });
        this.read = (this.read + played) % this.maxAheadFrames;
        this.size -= played;
        if (played < frames) {
          this.counters.underruns++;
          this.silentFrames += frames - played;
          this.playing = false; // empty: wait for the cushion again rather than play in crumbs
        }
      }
      if (currentTime - this.reported >= REPORT_S) {
        this.reported = currentTime;
        this.counters.silentMs = (this.silentFrames / sampleRate) * 1000;
        this.port.postMessage({ counters: this.counters });
      }
      return true;
    }
  }

  registerProcessor("petrichor-playout", PlayoutProcessor);
}

export const PLAYOUT_PROCESSOR = "petrichor-playout";

let moduleUrl = null;

/** Adds the playout processor's module to `context`'s AudioWorklet; rejects where there is none. */
export function loadPlayoutModule(context) {
  if (!context.audioWorklet) return Promise.reject(new Error("no AudioWorklet (an insecure context?)"));
  moduleUrl ??= URL.createObjectURL(new Blob([`(${playoutModule.toString()})();\n`], { type: "text/javascript" }));
  return context.audioWorklet.addModule(moduleUrl);
}
