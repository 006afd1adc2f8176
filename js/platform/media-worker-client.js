// The page's side of the media worker (js/platform/media-worker.js): one worker per SDK core, started
// when the first RTCPeerConnection is made, if this browser can run a stream's media in a worker
// (Worker, OffscreenCanvas and WebCodecs) and the entry point said where the worker's code is.
//
// Messages, page → worker: init {module} (the page's compiled core), link {link, channels} (a peer's
// RW_Video and RW_Audio, transferred), unlink {link}, send {link, seq, packets: [[kind, bytes]]},
// attach {stream, link, announcement, picture ({writable} of a video track or {canvas}, an
// OffscreenCanvas; transferred), video, audio (with `port`, transferred: where decoded sound goes), wantFrames,
// logLevels}, send-from {stream, link, announcement} (a host's stream), stream {stream, pause | play |
// close | wantFrames | logLevels | requestKeyframe (a reason) | probe | paints} (a client's) or
// {stream, track {kind, frames (a ReadableStream, transferred), options} | bitrate | keyframeRequested |
// close} (a host's).
// Worker → page: ready, failed {message}, error {message}, media {link, kind, bytes} (what no
// stream there took), buffered {link, seq, amounts}, stream {stream, state | size | log | error |
// keyframeReason | keyframeRequest | frame | counters | probe | paints | failed} (a client's) or
// {stream, error | bitrateRequest | counters {core, encoders} | failed} (a host's).
import { compileCore } from "../core/wasm.js";
import { hasWebCodecs } from "./video-player.js";

const START_TIMEOUT_MS = 10000;
let source = null; // {url} (a module worker) or {code: () => Promise<string>} (a classic worker from a Blob)

/**
 * Where the worker's code is: set by the entry point. js/index.js (js/ served as is) points at
 * js/platform/media-worker.js; js/browser.js (bundled apps) at the build's one-file copy of it,
 * dist/petrichor-media-worker.js, run from a Blob URL so that no bundler has to know of it.
 */
export function setMediaWorkerSource(value) {
  source = value;
}

/** True when this page can play streams in a media worker. */
export function mediaWorkerSupported() {
  return (
    source !== null &&
    typeof globalThis.Worker === "function" &&
    typeof globalThis.OffscreenCanvas === "function" &&
    typeof globalThis.HTMLCanvasElement?.prototype.transferControlToOffscreen === "function" &&
    hasWebCodecs()
  );
}

const started = new WeakMap(); // an SDK's runtime -> Promise<MediaWorker | null>

/**
 * The media worker of an SDK runtime, started on first use; null where streams cannot play in a
 * worker, or when it failed to start (said at Warning in `log`: the main thread then plays them).
 */
export function mediaWorkerFor(runtime, log) {
  if (!mediaWorkerSupported()) return Promise.resolve(null);
  if (!started.has(runtime)) {
    started.set(
      runtime,
      MediaWorker.start(log).catch((error) => {
        log(2, () => `the media worker did not start (${error?.message ?? error}): streams play on the main thread`);
        return null;
      }),
    );
  }
  return started.get(runtime);
}

/** Sends a batch of one peer's outgoing media to the worker and estimates the channels' buffers. */
class MediaLink {
  #worker;
  #onMedia;
  #batch = null;
  #seq = 0;
  #reported = [0, 0]; // bufferedAmount as the worker last said, after batch #reportedSeq
  #inFlight = new Map(); // seq -> bytes per kind posted but not yet reported
  #closed = false;

  constructor(worker, id, onMedia) {
    this.#worker = worker;
    this.id = id;
    this.#onMedia = onMedia;
  }

  /** Queues one packet; the packets of one task go to the worker in one message. */
  send(kind, bytes) {
    if (this.#closed) return false;
    if (!this.#batch) {
      this.#batch = { packets: [], bytes: [0, 0] };
      queueMicrotask(() => this.#flush());
    }
    this.#batch.packets.push([kind, bytes]);
    this.#batch.bytes[kind] += bytes.byteLength;
    return true;
  }

  #flush() {
    const batch = this.#batch;
    this.#batch = null;
    if (this.#closed || !batch) return;
    const seq = ++this.#seq;
    this.#inFlight.set(seq, batch.bytes);
    const transfer = batch.packets.map(([, bytes]) => bytes.buffer).filter((buffer, i, all) => all.indexOf(buffer) === i);
    this.#worker.post({ type: "send", link: this.id, seq, packets: batch.packets }, transfer);
  }

  /** Bytes waiting to go out on a media channel: the worker's last report and what was posted since. */
  buffered(kind) {
    let bytes = this.#reported[kind] + (this.#batch?.bytes[kind] ?? 0);
    for (const posted of this.#inFlight.values()) bytes += posted[kind];
    return bytes;
  }

  /** @internal */
  onBuffered(seq, amounts) {
    this.#reported = amounts;
    for (const key of this.#inFlight.keys()) if (key <= seq) this.#inFlight.delete(key);
  }

  /** @internal A message no receiver in the worker took. */
  onMedia(kind, bytes) {
    if (!this.#closed) this.#onMedia(kind, bytes);
  }

  close() {
    if (this.#closed) return;
    this.#closed = true;
    this.#worker.release(this);
  }
}

export class MediaWorker {
  #worker;
  #links = new Map(); // id -> MediaLink
  #streams = new Map(); // key -> handler(message)
  #nextId = 1;
  #log;

  static async start(log) {
    const url = source.url ?? URL.createObjectURL(new Blob([await source.code()], { type: "text/javascript" }));
    const worker = new Worker(url, source.url ? { type: "module", name: "petrichor-media" } : { name: "petrichor-media" });
    const media = new MediaWorker(worker, log);
    const module = await compileCore();
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer in ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
      media.#started = { resolve, reject, timer };
      worker.onerror = (event) => {
        event.preventDefault?.();
        media.#settle(new Error(event.message || "the worker's script failed"));
      };
      worker.postMessage({ type: "init", module });
    });
    if (!source.url) URL.revokeObjectURL(url);
    return media;
  }

  #started = null;

  constructor(worker, log) {
    this.#worker = worker;
    this.#log = log;
    worker.onmessage = ({ data }) => this.#onMessage(data);
  }

  #settle(error) {
    if (!this.#started) return;
    const { resolve, reject, timer } = this.#started;
    this.#started = null;
    clearTimeout(timer);
    if (error) {
      this.#worker.terminate();
      reject(error);
    } else {
      resolve();
    }
  }

  /** @internal */
  post(message, transfer = []) {
    this.#worker.postMessage(message, transfer);
  }

  /**
   * Hands a peer's media channels to the worker; possible only in the task that created them, and
   * where the browser can transfer an RTCDataChannel. Returns the MediaLink, or null (they stay here).
   * onMedia(kind, bytes) gets what no stream in the worker took.
   */
  adopt(channels, onMedia) {
    const id = this.#nextId++;
    try {
      this.post({ type: "link", link: id, channels }, channels);
    } catch {
      return null; // DataCloneError: not transferable here
    }
    const link = new MediaLink(this, id, onMedia);
    this.#links.set(id, link);
    return link;
  }

  /** @internal */
  release(link) {
    this.#links.delete(link.id);
    this.post({ type: "unlink", link: link.id });
  }

  /**
   * Plays a stream in the worker: `handler(message)` gets its "stream" messages. Returns
   * {command(message), detach()}; the picture's writable or OffscreenCanvas is transferred.
   */
  attach(link, { announcement, picture, video, audio, wantFrames, playout, logLevels }, handler) {
    const transfer = [picture.writable ?? picture.canvas, ...(audio?.port ? [audio.port] : [])];
    return this.#open({ type: "attach", link: link.id, announcement, picture, video, audio, wantFrames, playout, logLevels }, transfer, handler);
  }

  /**
   * Sends a host's stream from the worker (its sender there, from streamHandOff's announcement):
   * `handler(message)` gets its "stream" messages. Returns {command(message, transfer), detach()}.
   */
  sendFrom(link, announcement, handler) {
    return this.#open({ type: "send-from", link: link.id, announcement }, [], handler);
  }

  #open(message, transfer, handler) {
    const stream = this.#nextId++;
    this.#streams.set(stream, handler);
    this.post({ ...message, stream }, transfer);
    return {
      command: (message, transfer = []) => this.post({ type: "stream", stream, ...message }, transfer),
      detach: () => {
        this.post({ type: "stream", stream, close: true });
        this.#streams.delete(stream);
      },
    };
  }

  #onMessage(message) {
    switch (message.type) {
      case "ready":
        return this.#settle(null);
      case "failed":
        return this.#settle(new Error(message.message));
      case "error":
        return this.#log(1, () => `media worker: ${message.message}`);
      case "media":
        return this.#links.get(message.link)?.onMedia(message.kind, new Uint8Array(message.bytes));
      case "buffered":
        return this.#links.get(message.link)?.onBuffered(message.seq, message.amounts);
      case "stream":
        return this.#streams.get(message.stream)?.(message);
      default:
    }
  }
}
