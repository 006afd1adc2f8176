// The page's side of a host stream sent from the media worker (js/platform/media-worker-sender.js):
// tracks' frames go there as transferred ReadableStreams, and the stream's encoders, packetizing, SRTP
// and pacing run there. The page keeps the app's copy of the counters, updated as the worker reports.
import { encoderCounters } from "./track-encoder.js";

let transferable = null;

/** True when this browser can transfer a ReadableStream (a track processor's frames) to a worker. */
export function canTransferStreams() {
  if (transferable === null) {
    try {
      const stream = new ReadableStream();
      const { port1, port2 } = new MessageChannel();
      port1.postMessage(stream, [stream]);
      port1.close();
      port2.close();
      transferable = true;
    } catch {
      transferable = false;
    }
  }
  return transferable;
}

export class WorkerSending {
  #stream;
  #callbacks;
  #tracks = new Map(); // kind -> the counters object sendTrack returned to the app
  #core = null; // the sender's core counters, as last reported
  #closed = false;

  /**
   * link: the peer's MediaLink; announcement: the page core's streamHandOff for this stream;
   * callbacks: {onBitrateRequest(bitsPerSecond), onKeyframeRequest(), onFramesSent(frames) (see watchSent),
   * onError(message), onFailed(message): the worker could not take the stream}.
   */
  constructor(worker, link, announcement, callbacks) {
    this.#callbacks = callbacks;
    this.#stream = worker.sendFrom(link, announcement, (message) => this.#onMessage(message));
  }

  #onMessage(message) {
    if (this.#closed) return;
    if (message.counters) {
      this.#core = message.counters.core;
      for (const [kind, counters] of Object.entries(message.counters.encoders)) Object.assign(this.#tracks.get(kind) ?? {}, counters);
    }
    if (message.sent) this.#callbacks.onFramesSent(message.sent);
    if (message.bitrateRequest !== undefined) this.#callbacks.onBitrateRequest(message.bitrateRequest);
    if (message.keyframeRequest) this.#callbacks.onKeyframeRequest();
    if (message.error) this.#callbacks.onError(message.error);
    if (message.failed) this.#callbacks.onFailed(`the media worker could not take the stream (${message.failed})`);
  }

  /** True when a track of this kind ("video" or "audio") is sent already. */
  sends(kind) {
    return this.#tracks.has(kind);
  }

  /** Encodes a track's frames (trackFrames) in the worker; returns the encoder's counters, kept up to date. */
  sendTrack(kind, frames, options) {
    const counters = encoderCounters(kind, options.width, options.height);
    this.#tracks.set(kind, counters);
    this.#stream.command({ track: { kind, frames, options } }, [frames]);
    return counters;
  }

  /**
   * The encoder's configured video bitrate: the sender's rate controller's ceiling; clientAsked: the
   * client's request, which the encoder follows at once.
   */
  setBitrate(bitsPerSecond, clientAsked = false) {
    this.#stream.command({ bitrate: bitsPerSecond, clientAsked });
  }

  /** For the benches: the worker reports each video frame it hands to its core (onFramesSent), or stops. */
  watchSent(on) {
    this.#stream.command({ watchSent: on });
  }

  /** The client asked for a keyframe: the sender asks its encoder, within its rate limit. */
  keyframeRequested() {
    this.#stream.command({ keyframeRequested: true });
  }

  /** The sender's core counters (media and transport), as last reported; null before the first report. */
  coreCounters() {
    return this.#core;
  }

  close() {
    if (this.#closed) return;
    this.#closed = true;
    this.#stream.detach();
  }
}
