// How busy a video encoder is, judged as libwebrtc's overuse detector judges it: the share of wall
// time a frame spends in the encoder (handed over → its output), over windows of WINDOW_MS. A machine
// too busy to encode the picture in time shows it there first: each frame then waits for the one
// before it, and the picture falls behind. Above HIGH the picture should shrink a step; below LOW for
// LOW_WINDOWS windows in a row it may grow a step; after a change the next SETTLE_MS are not judged
// (the change restarts the encoder with a keyframe at the new size, which costs more than a frame).
export const WINDOW_MS = 1000;
export const HIGH = 0.85;
export const LOW = 0.42;
export const LOW_WINDOWS = 3;
export const SETTLE_MS = 2000;

export class EncoderLoad {
  #windowStart = null;
  #busyMs = 0;
  #lowWindows = 0;
  #settleUntil = -Infinity;
  /** The share of the last whole window a frame was in the encoder, 0–1 (null before the first). */
  usage = null;

  /**
   * A frame handed to the encoder at startedAt came out at now (ms, one clock). When this closes a
   * window, says what the picture should do: "shrink", "grow" or null (stay).
   */
  encoded(startedAt, now) {
    if (this.#windowStart === null) this.#windowStart = startedAt;
    this.#busyMs += Math.max(0, now - Math.max(startedAt, this.#windowStart));
    const elapsed = now - this.#windowStart;
    if (elapsed < WINDOW_MS) return null;
    this.usage = Math.min(1, this.#busyMs / elapsed);
    this.#windowStart = now;
    this.#busyMs = 0;
    if (now < this.#settleUntil) return null;
    if (this.usage > HIGH) {
      this.#lowWindows = 0;
      return "shrink";
    }
    if (this.usage >= LOW) {
      this.#lowWindows = 0;
      return null;
    }
    if (++this.#lowWindows < LOW_WINDOWS) return null;
    this.#lowWindows = 0;
    return "grow";
  }

  /** The picture changed size at now: the windows of the next SETTLE_MS are not judged. */
  changed(now) {
    this.#settleUntil = now + SETTLE_MS;
    this.#lowWindows = 0;
  }
}
