// Where a VideoPlayer's decoded pictures go (js/platform/video-player.js), on the page or in the media
// worker:
//   TrackSink: written to a video track (a MediaStreamTrackGenerator's writable) that a <video> shows.
//     The compositor presents each picture as it does a WebRTC track's: nothing is drawn or copied on
//     the player's thread. Used where the browser has MediaStreamTrackGenerator (Chromium).
//   CanvasSink: drawn into a 2D canvas (an HTMLCanvasElement, or an OffscreenCanvas in the worker).
// Both take ownership of the frame they are given.

/** True when this page can show pictures through a generated video track. */
export function hasTrackSink() {
  return typeof globalThis.MediaStreamTrackGenerator === "function";
}

/**
 * A generated video track shown by `video`; returns its writable (transferable to the media worker).
 * The track ends when the writable is closed or aborted.
 */
export function videoTrackWritable(video) {
  const generator = new globalThis.MediaStreamTrackGenerator({ kind: "video" });
  video.srcObject = new MediaStream([generator]);
  video.play?.().catch(() => {}); // muted: autoplay is allowed; a refusal leaves the picture to the next play()
  return generator.writable;
}

/** Ends the generated track `video` shows (on close: whoever writes to it, here or in the worker). */
export function endVideoTrack(video) {
  for (const track of video?.srcObject?.getTracks?.() ?? []) track.stop();
  if (video) video.srcObject = null;
}

export class TrackSink {
  #writer;
  #writing = false;
  #next = null; // the newest picture waiting for the track to take the one before
  width = 0;
  height = 0;
  dropped = 0; // pictures replaced by a newer one before the track took them

  constructor(writable) {
    this.#writer = writable.getWriter();
    this.#writer.closed.catch(() => {}); // the track ended (the page went away): pictures are then dropped
  }

  /**
   * Hands the picture to the track. While the track has not taken the previous one, only the newest
   * waits: a slow consumer shows fewer pictures, never older ones.
   */
  show(frame) {
    this.width = frame.displayWidth;
    this.height = frame.displayHeight;
    if (this.#writing) {
      if (this.#next) {
        this.#next.close();
        this.dropped++;
      }
      this.#next = frame;
      return;
    }
    this.#write(frame);
  }

  #write(frame) {
    this.#writing = true;
    this.#writer.write(frame).then(
      () => this.#written(),
      () => {
        frame.close();
        this.#written();
      },
    );
  }

  #written() {
    this.#writing = false;
    const next = this.#next;
    this.#next = null;
    if (next) this.#write(next);
  }

  /** What a probe reads the picture from: nothing here (benches read the <video>). */
  get source() {
    return null;
  }

  close() {
    this.#next?.close();
    this.#next = null;
    this.#writer.close().catch(() => {});
  }
}

export class CanvasSink {
  #canvas;
  #context;

  /** contextOptions: e.g. a low-latency context for an OffscreenCanvas in the media worker. */
  constructor(canvas, contextOptions = undefined) {
    this.#canvas = canvas;
    this.#context = canvas.getContext("2d", contextOptions);
  }

  get width() {
    return this.#canvas.width;
  }

  get height() {
    return this.#canvas.height;
  }

  get dropped() {
    return 0;
  }

  show(frame) {
    try {
      if (this.#canvas.width !== frame.displayWidth || this.#canvas.height !== frame.displayHeight) {
        this.#canvas.width = frame.displayWidth;
        this.#canvas.height = frame.displayHeight;
      }
      this.#context.drawImage(frame, 0, 0);
    } finally {
      frame.close();
    }
  }

  get source() {
    return this.#canvas;
  }

  close() {}
}
