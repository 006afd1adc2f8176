// When a decoded picture is shown: the stream's playout policy.
//   "instant" (the default for interactive streams): as soon as it is decoded. The lowest latency; the
//     network's and the decoder's jitter show as uneven motion.
//   "smooth": after a small adaptive delay that absorbs that jitter, so that pictures are shown at the
//     spacing of their timestamps. The delay is the spread of recent pictures' lateness (how much later
//     than the earliest one, relative to its timestamp, each was decoded: a high percentile over the last
//     second or so), at most MAX_SMOOTH_DELAY_MS; it follows the jitter down again when the link calms.
// Pure and clock-driven (times in milliseconds on the caller's clock), so that it runs the same on the
// main thread, in the media worker and in tests.

export const PlayoutPolicy = Object.freeze({ Instant: "instant", Smooth: "smooth" });

export const MAX_SMOOTH_DELAY_MS = 150;
const WINDOW = 64; // pictures whose lateness sets the delay
const PERCENTILE = 0.95;
const HELD_MAX = 6; // pictures held at most (decoders have few output buffers): past it, the oldest is shown
const RESYNC_MS = 1000; // a picture this much later than expected restarts the clock (a pause, a stall)

/** Whether `policy` names a policy. */
export const isPlayoutPolicy = (policy) => policy === PlayoutPolicy.Instant || policy === PlayoutPolicy.Smooth;

/** The message for a value that names no policy. */
export const badPlayoutMessage = (policy) => `playout must be "instant" or "smooth", not ${JSON.stringify(policy)}.`;

/** Throws (TypeError: a caller's mistake inside the SDK) unless `policy` names a policy. */
function checkPlayoutPolicy(policy) {
  if (!isPlayoutPolicy(policy)) throw new TypeError(badPlayoutMessage(policy));
  return policy;
}

export class PlayoutScheduler {
  #policy;
  #base = null; // arrival − timestamp of the earliest picture in the window: the link's fastest
  #lateness = new Float64Array(WINDOW); // arrival − timestamp of the latest pictures, a ring
  #count = 0;
  #held = []; // [{due, item}] in timestamp order

  constructor(policy = PlayoutPolicy.Instant) {
    this.#policy = checkPlayoutPolicy(policy);
  }

  get policy() {
    return this.#policy;
  }

  /** Switches policy; pictures held are due at once. */
  setPolicy(policy) {
    this.#policy = checkPlayoutPolicy(policy);
    for (const held of this.#held) held.due = -Infinity;
  }

  /** The delay smooth playout adds now (0 for instant), in ms. */
  get delayMs() {
    if (this.#policy === PlayoutPolicy.Instant || this.#count === 0) return 0;
    const n = Math.min(this.#count, WINDOW);
    const sorted = Array.from(this.#lateness.subarray(0, n)).sort((a, b) => a - b);
    const earliest = sorted[0];
    const spread = sorted[Math.min(n - 1, Math.ceil(PERCENTILE * n) - 1)] - earliest;
    return Math.min(MAX_SMOOTH_DELAY_MS, Math.max(0, spread));
  }

  /** Pictures held, not yet due. */
  get held() {
    return this.#held.length;
  }

  /**
   * A decoded picture (timestampMs: its media timestamp) arrived at nowMs. Returns the pictures to show
   * now, oldest first (with "instant": just this one); the rest wait for showDue.
   */
  arrive(item, timestampMs, nowMs) {
    const lateness = nowMs - timestampMs;
    if (this.#count > 0 && this.#base !== null && lateness - this.#base > RESYNC_MS) this.#reset();
    this.#lateness[this.#count % WINDOW] = lateness;
    this.#count++;
    const n = Math.min(this.#count, WINDOW);
    let earliest = Infinity;
    for (let i = 0; i < n; i++) earliest = Math.min(earliest, this.#lateness[i]);
    this.#base = earliest;
    if (this.#policy === PlayoutPolicy.Instant) return [...this.#takeAll(), item];
    const due = timestampMs + this.#base + this.delayMs;
    let at = this.#held.length;
    while (at > 0 && this.#held[at - 1].timestampMs > timestampMs) at--;
    this.#held.splice(at, 0, { due, timestampMs, item });
    const shown = this.showDue(nowMs);
    while (this.#held.length > HELD_MAX) shown.push(this.#held.shift().item);
    return shown;
  }

  /** The pictures due by nowMs, oldest first (taken out). */
  showDue(nowMs) {
    const shown = [];
    while (this.#held.length > 0 && this.#held[0].due <= nowMs) shown.push(this.#held.shift().item);
    return shown;
  }

  /** When the next held picture is due (ms), or null. */
  get nextDue() {
    return this.#held.length > 0 ? this.#held[0].due : null;
  }

  /** Every picture held, taken out (to show or to drop: a close, a policy change). */
  takeAll() {
    return this.#takeAll();
  }

  #takeAll() {
    return this.#held.splice(0).map((held) => held.item);
  }

  #reset() {
    this.#count = 0;
    this.#base = null;
  }
}
