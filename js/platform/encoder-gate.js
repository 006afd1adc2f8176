// Which frames of a live source go into a video encoder. Chromium counts in encodeQueueSize only the
// frames it has not yet passed to its encoder thread, so a starved encoder (a busy machine) builds a
// backlog that count never shows: in a bench, 60–150 ms between encode() and the output at 720p60
// with one core busy. As libwebrtc's encoder queue does, one frame at a time is encoded, and of the
// frames that arrive meanwhile only the newest waits, the others are dropped: a picture is never
// older than two encodes.
const MAX_IN_FLIGHT = 1;
// A frame the encoder skipped (no output ever comes for it) stops holding the next one back after this.
const IN_FLIGHT_MAX_AGE_MS = 200;

export class NewestFrameGate {
  #encode;
  #inFlight = []; // [timestamp, handed over at] of the frames in the encoder, oldest first
  #waiting = null;

  /** encode(frame): hands a frame (with a numeric `timestamp` and close()) to the encoder, and owns it. */
  constructor(encode) {
    this.#encode = encode;
  }

  /**
   * A frame arrived at now (ms): encoded at once when the encoder is free, else it waits in place of
   * the one that waited (closed). Returns whether a frame was dropped for it.
   */
  offer(frame, now) {
    const dropped = this.#waiting !== null;
    this.#waiting?.close();
    this.#waiting = frame;
    this.#next(now);
    return dropped;
  }

  /**
   * The encoder's output for `timestamp` came at now: the frames up to it have left the encoder (one
   * skipped leaves with the next one out). Returns when the frame was handed over (null when it is not
   * known); the waiting frame, if any, goes in.
   */
  done(timestamp, now) {
    let handedAt = null;
    while (this.#inFlight.length > 0 && this.#inFlight[0][0] <= timestamp) handedAt = this.#inFlight.shift()[1];
    this.#next(now);
    return handedAt;
  }

  /** Frames in the encoder. */
  get inFlight() {
    return this.#inFlight.length;
  }

  /** Closes the waiting frame; nothing goes in after this. */
  close() {
    this.#waiting?.close();
    this.#waiting = null;
    this.#encode = null;
  }

  #next(now) {
    while (this.#inFlight.length > 0 && now - this.#inFlight[0][1] > IN_FLIGHT_MAX_AGE_MS) this.#inFlight.shift();
    if (this.#waiting === null || this.#inFlight.length >= MAX_IN_FLIGHT || this.#encode === null) return;
    const frame = this.#waiting;
    this.#waiting = null;
    this.#inFlight.push([frame.timestamp, now]);
    this.#encode(frame);
  }
}
