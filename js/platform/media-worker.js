// The media worker: a browser's media path off the page's main thread. It owns the peers' media
// channels (RW_Video, RW_Audio: transferred to it when the RTCPeerConnection is made) and a core of its
// own (the same wasm, from the page's compiled module). A client's stream handed to it has a receiver
// there, the VideoDecoder writing to the stream's video track (or drawing into its OffscreenCanvas) and
// the AudioDecoder: app work on the main thread cannot stall the picture, as packets, the core, decoding
// and handing pictures to the screen all run here. A host's stream handed to it has a sender there
// (js/platform/media-worker-sender.js), fed by encoders that read the tracks' frames.
//
// The page's core keeps the stream (control, input, permissions, close); this worker's core decides
// the media path (SRTP, assembly or pacing, NACKs and retransmissions, reports, rate control, when to
// ask for a keyframe). What is no stream's here (a stream played or sent on the main thread) goes to the page.
// js/platform/media-worker-client.js is the page's side; the messages are listed there.
import { CoreError, CoreEvent, OutputKind, Transport, createCoreFromModule, oversizeMediaNote, parseFrameEvent } from "../core/core.js";
import { VideoPlayer, chooseVideoConfig, sharedNow } from "./video-player.js";
import { CanvasSink, TrackSink } from "./picture-sink.js";
import { AudioDecode } from "./audio-player.js";
import { Sender } from "./media-worker-sender.js";
import { batchedCall } from "./batched-call.js";
import { DeadlineTimer } from "./deadline-timer.js";
import { LogLevel } from "../sdk/enums.js";

const COUNTERS_EVERY_MS = 250; // the page's copy of the counters is at most this old while frames flow (as a sender's)
const LOW_LATENCY_CONTEXT = { alpha: false, desynchronized: true };
const MEDIA_BUFFER_LIMIT = 4 * 1024 * 1024; // live media is dropped rather than queued behind this (as in rtc.js)

let core = null;
const deadline = new DeadlineTimer(() => call((c, t) => c.handleTimeout(t)));
const links = new Map(); // link id -> {channels: [video, audio], endpoints: Set<Receiver | Sender>}
const endpoints = new Map(); // core handle -> Receiver or Sender
const streams = new Map(); // the page's stream key -> Receiver or Sender

const post = (message, transfer = []) => self.postMessage(message, transfer);
const now = () => performance.now();

/** Runs fn(core, now), then does what the core's outputs say. */
function call(fn) {
  try {
    return fn(core, now());
  } finally {
    drain();
  }
}

function drain() {
  for (let outputs = core.drain(); outputs.length > 0; outputs = core.drain()) {
    for (const output of outputs) {
      try {
        dispatch(output);
      } catch (error) {
        post({ type: "error", message: `an output could not be handled: ${error?.stack ?? error}` });
      }
    }
  }
}

function dispatch({ kind, handle, code, payload, deadlineMs }) {
  if (kind === OutputKind.Deadline) return deadline.set(deadlineMs);
  const endpoint = endpoints.get(handle);
  if (!endpoint) return;
  if (kind === OutputKind.Send) endpoint.send(code === Transport.Video ? 0 : 1, payload);
  else endpoint.onEvent(code, payload);
}

/** Sends live media on a channel: dropped, never queued, once the channel holds MEDIA_BUFFER_LIMIT. */
function sendLive(channel, bytes) {
  if (channel.readyState !== "open" || channel.bufferedAmount > MEDIA_BUFFER_LIMIT) return;
  try {
    channel.send(bytes);
  } catch {
    // closing: live media is dropped, never queued
  }
}

/** What a Sender uses of this worker. */
const senderContext = {
  call,
  core: () => core,
  channel: (link, kind) => links.get(link)?.channels[kind] ?? null,
  sendLive,
  post,
  forget,
};

/** One stream's receive path: its receiver in this worker's core, its decoders and its picture. */
class Receiver {
  #handle;
  #key;
  #link;
  #video = null;
  #audio = null;
  #audioPort = null; // where decoded sound goes: the page's AudioOutput
  #paused = false;
  #closed = false;
  #wantFrames;
  #probe = null; // VideoPlayer.probe's options, kept for a player still being configured
  #enabled; // log levels the page wants, by level
  #log; // (level, message): to the page's log, when it wants that level
  #oversizeLogged = false;
  #countersSoon = batchedCall(() => this.sendCounters(), COUNTERS_EVERY_MS);
  #playout; // the playout policy, kept for a player still being configured

  constructor({ stream, link, handle, picture, video, audio, wantFrames, logLevels, playout }) {
    this.#key = stream;
    this.#playout = playout;
    this.#link = link;
    this.#handle = handle;
    this.#wantFrames = wantFrames;
    this.#enabled = logLevels;
    const log = (this.#log = (level, message) => {
      if (this.#enabled[level]) this.tell({ log: [level, typeof message === "function" ? message() : message] });
    });
    const onError = (error) => this.tell({ error: `${error?.message ?? error}` });
    if (video) {
      chooseVideoConfig(video.codec)
        .then((config) => {
          if (this.#closed) return;
          const callbacks = {
            onKeyframeNeeded: (reason) => this.requestKeyframe(`the decoder needs one: ${reason}`),
            onState: (state) => !this.#closed && this.tell({ state }),
            onSize: (width, height) => this.tell({ size: { width, height } }),
            onError,
            log,
            playout: this.#playout,
          };
          const sink = picture.writable ? new TrackSink(picture.writable) : new CanvasSink(picture.canvas, LOW_LATENCY_CONTEXT);
          this.#video = new VideoPlayer(sink, config, callbacks);
          this.#video.probe(this.#probe);
          this.requestKeyframe("the decoder is configured and starts at a keyframe");
        })
        .catch(onError);
    }
    if (audio && typeof AudioDecoder === "function") {
      try {
        // Straight to the page's audio thread (its AudioOutput's port), not through the page's main thread.
        const onSamples = (planes, sampleRate) => audio.port.postMessage({ planes, sampleRate }, planes.map((plane) => plane.buffer));
        this.#audio = new AudioDecode(audio, onSamples, onError, log);
        this.#audioPort = audio.port;
      } catch (error) {
        onError(error);
      }
    }
  }

  get link() {
    return this.#link;
  }

  tell(message, transfer) {
    post({ type: "stream", stream: this.#key, ...message }, transfer);
  }

  /** Offers one media-channel message; false when it is not this receiver's. */
  receive(kind, bytes, at) {
    const status = core.streamReceive(this.#handle, kind, bytes, at);
    if (status === CoreError.TooLarge && !this.#oversizeLogged) {
      this.#oversizeLogged = true; // once: a peer that sends them sends many
      this.#log(LogLevel.Warning, oversizeMediaNote(bytes.byteLength));
    }
    return status !== CoreError.UnexpectedMessage;
  }

  send(kind, bytes) {
    const channel = links.get(this.#link)?.channels[kind];
    if (channel?.readyState !== "open") return;
    try {
      channel.send(bytes);
    } catch {
      // the channel is closing: feedback is worthless once late anyway
    }
  }

  /** An event of this receiver's core stream. */
  onEvent(code, payload) {
    if (code === CoreEvent.StreamFrame) this.onFrame(payload);
    else if (code === CoreEvent.KeyframeRequested) this.tell({ keyframeRequest: true });
  }

  onFrame(payload) {
    if (this.#paused || this.#closed) return;
    const assembledAt = sharedNow();
    const frame = parseFrameEvent(payload, assembledAt);
    if (frame.kind === "video") this.#video?.push(frame);
    else this.#audio?.push(frame);
    if (this.#wantFrames) this.tell({ frame: payload, assembledAt }, [payload.buffer]); // the decoders copied what they need
    this.#countersSoon();
  }

  /** The decoder (or the page) needs a keyframe: this core asks, within its rate limit; the page is told why. */
  requestKeyframe(reason) {
    if (this.#closed) return;
    this.tell({ keyframeReason: reason });
    call((c, t) => c.streamRequestKeyframe(this.#handle, t));
  }

  sendCounters() {
    if (this.#closed) return;
    this.tell({
      counters: {
        core: core.streamCounters(this.#handle),
        video: this.#video ? { ...this.#video.counters } : null,
        audio: this.#audio ? { ...this.#audio.counters } : null,
      },
    });
  }

  /** A command from the page's InboundStream. */
  command(message) {
    if (message.pause) {
      this.#paused = true;
      this.#video?.pause();
      this.#audio?.pause();
      this.sendCounters();
    }
    if (message.play) {
      this.#paused = false;
      this.#video?.play();
      this.#audio?.play();
    }
    if (message.wantFrames !== undefined) this.#wantFrames = message.wantFrames;
    if (message.playout) {
      this.#playout = message.playout;
      this.#video?.setPlayout(message.playout);
    }
    if (message.logLevels) this.#enabled = message.logLevels;
    if (message.requestKeyframe) this.requestKeyframe(message.requestKeyframe);
    if (message.probe !== undefined) {
      this.#probe = message.probe && { ...message.probe, onSample: (sample) => this.tell({ probe: sample }, [sample.pixels.buffer]) };
      this.#video?.probe(this.#probe);
    }
    if (message.paints) this.tell({ paints: { id: message.paints.id, count: this.#video?.paintsBetween(message.paints.from, message.paints.to) ?? 0 } });
    if (message.close) this.close();
  }

  close() {
    if (this.#closed) return;
    this.#closed = true;
    this.#countersSoon.cancel();
    this.#video?.close();
    this.#audio?.close();
    this.#audioPort?.close();
    forget(this.#handle, this.#key, this);
    call((c) => c.streamEnd(this.#handle));
  }
}

/** Forgets a closed Receiver or Sender. */
function forget(handle, key, endpoint) {
  endpoints.delete(handle);
  streams.delete(key);
  links.get(endpoint.link)?.endpoints.delete(endpoint);
}

/** A peer's media channels: each message goes to the receiver or sender it belongs to, else to the page. */
function adopt(link, channels) {
  const entry = { channels, endpoints: new Set() };
  links.set(link, entry);
  channels.forEach((channel, kind) => {
    channel.binaryType = "arraybuffer";
    channel.onmessage = ({ data }) => {
      if (typeof data === "string") return;
      const bytes = new Uint8Array(data);
      if (core && entry.endpoints.size > 0) {
        const at = now();
        let taken = false;
        try {
          for (const endpoint of entry.endpoints) if ((taken = endpoint.receive(kind, bytes, at))) break;
        } finally {
          drain();
        }
        if (taken) return;
      }
      post({ type: "media", link, kind, bytes: data }, [data]);
    };
  });
}

function sendPackets({ link, seq, packets }) {
  const channels = links.get(link)?.channels;
  if (!channels) return;
  for (const [kind, bytes] of packets) sendLive(channels[kind], bytes);
  post({ type: "buffered", link, seq, amounts: channels.map((channel) => channel.bufferedAmount) });
}

/** A new Receiver or Sender: its core stream's outputs, the page's commands and its link's messages reach it. */
function adopted(handle, { stream, link }, endpoint) {
  endpoints.set(handle, endpoint);
  streams.set(stream, endpoint);
  links.get(link)?.endpoints.add(endpoint);
}

async function handle(message) {
  switch (message.type) {
    case "init":
      try {
        core = await createCoreFromModule(message.module);
        post({ type: "ready" });
      } catch (error) {
        post({ type: "failed", message: `${error?.message ?? error}` });
      }
      return;
    case "link":
      return adopt(message.link, message.channels);
    case "unlink": {
      const entry = links.get(message.link);
      links.delete(message.link);
      for (const endpoint of entry?.endpoints ?? []) endpoint.close();
      return;
    }
    case "send":
      return sendPackets(message);
    case "attach": {
      const handle = call((c, t) => c.streamOpenReceiver(message.announcement, t));
      if (handle < 0) {
        post({ type: "stream", stream: message.stream, failed: core.errorName(handle) });
        return;
      }
      adopted(handle, message, new Receiver({ ...message, handle }));
      return;
    }
    case "send-from": {
      const handle = call((c) => c.streamOpenSender(message.announcement));
      if (handle < 0) {
        post({ type: "stream", stream: message.stream, failed: core.errorName(handle) });
        return;
      }
      adopted(handle, message, new Sender({ ...message, handle }, senderContext));
      return;
    }
    case "stream": {
      const endpoint = streams.get(message.stream);
      if (endpoint) return endpoint.command(message);
      // A track for a sender that is gone (or never opened): its frames are let go of.
      message.track?.frames.cancel().catch(() => {});
      return;
    }
    default:
  }
}

// Messages are handled one after another: "init" (which waits for the core) before anything else.
let queue = Promise.resolve();
self.onmessage = ({ data }) => {
  queue = queue.then(() => handle(data));
};
