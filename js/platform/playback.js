// A browser InboundStream's players, in one of two places with the same interface:
//   LocalPlayback: VideoDecoder → the container's picture and AudioDecoder → Web Audio on the page's
//     main thread; the page's core assembles the frames and InboundStream pushes them here.
//   WorkerPlayback: the stream's receive path in the media worker (js/platform/media-worker.js): its
//     core, VideoDecoder → the picture (the <video>'s track writable, or the canvas's
//     OffscreenCanvas) and AudioDecoder run there; only decoded sound, the counters, ready states
//     and (when the app listens) the "frame" events come back.
// callbacks: requestKeyframe(reason) (LocalPlayback: the page's core asks), onState(name),
// onError(message), log (a log of js/sdk/log.js); WorkerPlayback also keyframeReason(reason) (the
// worker's core asks, the page's log says why), sendKeyframeRequest() (the worker's core decided to
// ask: the page's core sends it) and onFrame(frame).
import { VideoPlayer, chooseVideoConfig } from "./video-player.js";
import { CanvasSink, TrackSink, endVideoTrack, videoTrackWritable } from "./picture-sink.js";
import { AudioOutput, AudioPlayer } from "./audio-player.js";
import { parseFrameEvent } from "../core/core.js";
import { LogLevel } from "../sdk/enums.js";

const KEYFRAME_AT_START = "the decoder is configured and starts at a keyframe";

export class LocalPlayback {
  #view;
  #video = null;
  #audio = null;
  #closed = false;
  #probe = null; // VideoPlayer.probe's options, kept for a player still being configured
  #playout; // the playout policy, kept for a player still being configured

  /** view: the stream's view (js/platform/stream-view.js), whose picture this plays into. */
  constructor(view, info, callbacks) {
    this.#view = view;
    this.#playout = callbacks.playout;
    const { log } = callbacks;
    if (info.video) {
      chooseVideoConfig(info.video.codec)
        .then((config) => {
          if (this.#closed) return;
          const sink = view.video ? new TrackSink(videoTrackWritable(view.video)) : new CanvasSink(view.canvas);
          this.#video = new VideoPlayer(sink, config, {
            onKeyframeNeeded: (reason) => !this.#closed && callbacks.requestKeyframe(`the decoder needs one: ${reason}`),
            onState: callbacks.onState,
            onError: callbacks.onError,
            log,
            playout: this.#playout,
          });
          this.#video.probe(this.#probe);
          callbacks.requestKeyframe(KEYFRAME_AT_START);
        })
        .catch(callbacks.onError);
    }
    if (info.audio && typeof globalThis.AudioDecoder === "function") {
      try {
        this.#audio = new AudioPlayer(info.audio, callbacks.onError, log);
      } catch (error) {
        callbacks.onError(error);
      }
    }
  }

  /** A frame the page's core assembled. */
  push(frame) {
    if (frame.kind === "video") this.#video?.push(frame);
    else this.#audio?.push(frame);
  }

  counters() {
    return { video: this.#video ? { ...this.#video.counters } : null, audio: this.#audio ? { ...this.#audio.counters } : null };
  }

  /** The core's counters as the app sees them (here, the page's core has them all). */
  coreCounters(counters) {
    return counters;
  }

  /** The decoded picture's size, or undefined before the first. */
  get pictureSize() {
    return this.#video?.pictureSize;
  }

  wantFrames() {}

  setPlayout(policy) {
    this.#playout = policy;
    this.#video?.setPlayout(policy);
  }

  resumeAudio() {
    return this.#audio?.resume();
  }

  pause() {
    this.#video?.pause();
    this.#audio?.pause();
  }

  play() {
    this.#video?.play();
    this.#audio?.play();
  }

  async paintsBetween(from, to) {
    return this.#video?.paintsBetween(from, to) ?? 0;
  }

  probe(options) {
    this.#probe = options;
    this.#video?.probe(options);
  }

  close() {
    if (this.#closed) return;
    this.#closed = true;
    this.#video?.close();
    this.#audio?.close();
    endVideoTrack(this.#view.video);
  }
}

/** Counters of the receive path, which the worker's core keeps once a stream is handed off. */
const RECEIVE_COUNTERS = [
  "videoFrames", "audioFrames", "videoBytes", "audioBytes", "videoPackets", "audioPackets", "packetsLost",
  "framesDropped", "srtpRejected", "lastAssemblyMs", "maxAssemblyMs", "targetBps", "estimateBps",
  "lossFraction", "rttMs", "nacks", "retransmitted", "fecPackets", "fecRecovered", "keyframes", "framesSkipped",
];

export class WorkerPlayback {
  #view;
  #stream;
  #callbacks;
  #audio = null;
  #counters = { core: null, video: null, audio: null };
  #size;
  #closed = false;
  #queries = new Map(); // id -> resolve
  #nextQuery = 1;
  #onProbe = null;

  /** link: the peer's MediaLink; announcement: the page core's streamHandOff for this stream. */
  constructor(worker, link, { view, info, announcement, wantFrames, playout }, callbacks) {
    this.#callbacks = callbacks;
    this.#view = view;
    // The picture goes to the worker: the <video>'s track writable, or the canvas's OffscreenCanvas.
    const picture = view.video ? { writable: videoTrackWritable(view.video) } : { canvas: view.canvas.transferControlToOffscreen() };
    if (info.audio && typeof globalThis.AudioDecoder === "function") {
      try {
        this.#audio = new AudioOutput(info.audio.sampleRate ?? 48000, info.audio.channels ?? 2, callbacks.log);
      } catch (error) {
        callbacks.onError(error);
      }
    }
    // The worker's decoded sound goes straight to the output's audio thread, through this port.
    const audio = this.#audio ? { ...info.audio, port: this.#audio.samplesPort() } : undefined;
    this.#stream = worker.attach(
      link,
      { announcement, picture, video: info.video, audio, wantFrames, playout, logLevels: this.#logLevels() },
      (message) => this.#onMessage(message),
    );
  }

  #logLevels() {
    return Array.from({ length: LogLevel.Trace + 1 }, (_, level) => this.#callbacks.log.enabled?.(level) ?? false);
  }

  #onMessage(message) {
    if (this.#closed) return;
    const callbacks = this.#callbacks;
    if (message.counters) this.#counters = message.counters;
    if (message.state) callbacks.onState(message.state);
    if (message.size) this.#size = message.size;
    if (message.log) callbacks.log(...message.log);
    if (message.error) callbacks.onError(message.error);
    if (message.failed) callbacks.onError(`the media worker could not take the stream (${message.failed})`);
    if (message.keyframeReason) callbacks.keyframeReason(message.keyframeReason);
    if (message.keyframeRequest) callbacks.sendKeyframeRequest();
    if (message.frame) callbacks.onFrame(parseFrameEvent(new Uint8Array(message.frame.buffer, message.frame.byteOffset, message.frame.byteLength), message.assembledAt));
    if (message.probe) this.#onProbe?.(message.probe);
    if (message.paints) {
      this.#queries.get(message.paints.id)?.(message.paints.count);
      this.#queries.delete(message.paints.id);
    }
  }

  counters() {
    const { video, audio } = this.#counters;
    return { video: video ? { ...video } : null, audio: audio || this.#audio ? { ...audio, ...this.#audio?.counters } : null };
  }

  /** The page core's counters with the receive path's from the worker's core. */
  coreCounters(counters) {
    const receiving = this.#counters.core;
    if (!counters || !receiving) return counters;
    for (const name of RECEIVE_COUNTERS) counters[name] = receiving[name];
    return counters;
  }

  get pictureSize() {
    return this.#size;
  }

  push() {} // the page's core hands this stream no frames: the worker's core has its media

  /** The page (the app, play()) wants a keyframe: the worker's core asks, within its rate limit. */
  requestKeyframe(reason) {
    this.#stream.command({ requestKeyframe: reason });
  }

  wantFrames(want) {
    this.#stream.command({ wantFrames: want });
  }

  setPlayout(policy) {
    this.#stream.command({ playout: policy });
  }

  resumeAudio() {
    return this.#audio?.resume();
  }

  pause() {
    this.#stream.command({ pause: true });
    this.#audio?.suspend();
    this.#callbacks.onState("Paused");
  }

  play() {
    this.#stream.command({ play: true });
    this.#audio?.restart();
  }

  /** How many pictures the worker drew between two times (performance.timeOrigin + performance.now()). */
  paintsBetween(from, to) {
    const id = this.#nextQuery++;
    return new Promise((resolve) => {
      this.#queries.set(id, resolve);
      this.#stream.command({ paints: { id, from, to } });
    });
  }

  probe(options) {
    this.#onProbe = options?.onSample ?? null;
    this.#stream.command({ probe: options ? { region: options.region, size: options.size } : null });
  }

  close() {
    if (this.#closed) return;
    this.#closed = true;
    this.#stream.detach();
    this.#audio?.close();
    endVideoTrack(this.#view.video);
    for (const resolve of this.#queries.values()) resolve(0);
    this.#callbacks.onState("Disposed");
  }
}
