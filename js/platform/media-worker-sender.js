// A browser host's send path in the media worker: the stream's sender in the worker's core (packetizing,
// SRTP, pacing, retransmission, FEC, the rate controller) fed by WebCodecs encoders that read the
// tracks' frames (their processors' readables, transferred from the page). Encoder output, the core and
// the media channels never touch the page's main thread; the page's core keeps the stream's control,
// input and close, and passes the client's keyframe requests on (js/sdk/streams.js, OutboundStream).
import { CoreError, CoreEvent } from "../core/core.js";
import { encodeAudioTrack, encodeVideoTrack } from "./track-encoder.js";
import { sharedNow } from "./video-player.js";
import { batchedCall } from "./batched-call.js";

const COUNTERS_EVERY_MS = 250; // the page's copy of the counters is at most this old while frames flow
const KINDS = { video: 0, audio: 1 };
const SENT_LOG_LIMIT = 4096; // frames noted for the page between two reports (for the benches); more are not

/** Reads a WebCodecs chunk's bytes. */
function chunkBytes(chunk) {
  const data = new Uint8Array(chunk.byteLength);
  chunk.copyTo(data);
  return data;
}

export class Sender {
  #handle;
  #key;
  #link;
  #worker; // {call(fn), core(), channel(link, kind), sendLive(channel, bytes), post(message), forget(handle, key, sender)}
  #encoders = new Map(); // "video" or "audio" -> the track encoder's controller
  #closed = false;
  #countersSoon = batchedCall(() => this.sendCounters(), COUNTERS_EVERY_MS);
  #sentLog = null; // [timestamp, handed to the core at, bytes, key] of each video frame, while the page watches

  /** stream: the page's key; link: the peer's media link; handle: the sender in the worker's core. */
  constructor({ stream, link, handle }, worker) {
    this.#key = stream;
    this.#link = link;
    this.#handle = handle;
    this.#worker = worker;
  }

  get link() {
    return this.#link;
  }

  tell(message) {
    this.#worker.post({ type: "stream", stream: this.#key, ...message });
  }

  /** Offers one media-channel message (the client's feedback); false when it is not this sender's. */
  receive(kind, bytes, at) {
    return this.#worker.core().streamReceive(this.#handle, kind, bytes, at) !== CoreError.UnexpectedMessage;
  }

  /** The core's packet for the client: live media, dropped rather than queued behind a full channel. */
  send(kind, bytes) {
    const channel = this.#worker.channel(this.#link, kind);
    if (channel) this.#worker.sendLive(channel, bytes);
  }

  /** An event of this sender's core stream: what it asks of the encoder. */
  onEvent(code, payload) {
    if (code === CoreEvent.KeyframeRequested) {
      this.#encoders.get("video")?.requestKeyframe();
      this.tell({ keyframeRequest: true }); // the page emits "keyframe-request"
    } else if (code === CoreEvent.BitrateRequested) {
      const { bitsPerSecond } = JSON.parse(new TextDecoder().decode(payload));
      this.#encoders.get("video")?.setBitrate(bitsPerSecond);
      this.tell({ bitrateRequest: bitsPerSecond });
    }
  }

  /** A command from the page's OutboundStream. */
  command(message) {
    if (message.track) this.#encode(message.track);
    if (message.bitrate !== undefined) {
      // The rate controller's ceiling (100 kbit/s at least); a client's request, whatever it is, is the encoder's
      // rate at once too, as on the page.
      const status = this.#worker.call((core) => core.streamSetVideoBitrate(this.#handle, message.bitrate));
      if (message.clientAsked) this.#encoders.get("video")?.setBitrate(message.bitrate);
      else if (status < 0) this.tell({ error: `the video bitrate ${message.bitrate} was refused (${this.#worker.core().errorName(status)})` });
    }
    if (message.watchSent !== undefined) this.#sentLog = message.watchSent ? [] : null;
    if (message.keyframeRequested) this.#worker.call((core, now) => core.streamKeyframeRequested(this.#handle, now));
    if (message.close) this.close();
  }

  /** Starts an encoder on a track's frames: {kind, frames, options}. */
  #encode({ kind, frames, options }) {
    const onError = (error) => this.tell({ error: `${error?.message ?? error}` });
    // A track this sender does not take: its frames are let go of, and the page is told why.
    const refuse = (why) => {
      frames.cancel().catch(() => {});
      if (why) onError(why);
    };
    const codec = kind === "video" ? "VideoEncoder" : "AudioEncoder";
    if (this.#closed) return refuse(null);
    if (this.#encoders.has(kind)) return refuse(`a second ${kind} track on one stream: the first one keeps it`);
    if (typeof globalThis[codec] !== "function") return refuse(`this browser has no ${codec} in workers`);
    const mediaKind = KINDS[kind];
    const send = (chunk) => this.#sendFrame(mediaKind, chunk);
    try {
      const encoder = kind === "video" ? encodeVideoTrack(frames, send, options, onError) : encodeAudioTrack(frames, send, options, onError);
      this.#encoders.set(kind, encoder);
    } catch (error) {
      refuse(error);
    }
  }

  #sendFrame(kind, chunk) {
    if (this.#closed) return;
    const data = chunkBytes(chunk);
    if (kind === KINDS.video && this.#sentLog && this.#sentLog.length < SENT_LOG_LIMIT) {
      this.#sentLog.push([chunk.timestamp, sharedNow(), data.length, chunk.type === "key" ? 1 : 0]);
    }
    const buffered = this.#worker.channel(this.#link, kind)?.bufferedAmount ?? 0;
    const packets = this.#worker.call((core, now) => core.streamSendFrame(this.#handle, kind, data, chunk.timestamp, now, buffered));
    if (packets < 0) this.tell({ error: `a frame could not be sent (${this.#worker.core().errorName(packets)})` });
    this.#countersSoon();
  }

  sendCounters() {
    if (this.#closed) return;
    const encoders = {};
    for (const [kind, encoder] of this.#encoders) encoders[kind] = { ...encoder.counters };
    const sent = this.#sentLog?.length ? this.#sentLog.splice(0) : undefined;
    this.tell({ counters: { core: this.#worker.core().streamCounters(this.#handle), encoders }, sent });
  }

  close() {
    if (this.#closed) return;
    this.sendCounters(); // the last figures, for the page's copy
    this.#closed = true;
    this.#countersSoon.cancel();
    for (const encoder of this.#encoders.values()) encoder.stop();
    this.#encoders.clear();
    this.#worker.forget(this.#handle, this.#key, this);
    this.#worker.call((core) => core.streamEnd(this.#handle));
  }
}
