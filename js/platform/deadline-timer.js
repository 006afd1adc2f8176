// A core's next deadline as one timer, set anew whenever the core moves it. (Keeping an earlier timer
// armed when the deadline moves later saves little, some 50 timers a second on a host, and its
// re-arming from within a timer would meet browsers' 4 ms clamp on nested timers: the pacer's
// deadlines move later by less than that.)
import { now } from "./environment.js";

export class DeadlineTimer {
  #onDue;
  #timer = null;
  #deadline = -1; // ms of now(); -1: none

  /** onDue() runs once now() has reached the deadline asked for. */
  constructor(onDue) {
    this.#onDue = onDue;
  }

  /** Asks for onDue at deadlineMs (ms of now()), in place of any deadline before; negative: none. */
  set(deadlineMs) {
    clearTimeout(this.#timer);
    this.#timer = null;
    this.#deadline = deadlineMs < 0 ? -1 : deadlineMs;
    if (this.#deadline >= 0) this.#arm();
  }

  #arm() {
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, Math.ceil(this.#deadline - now())));
    // A pending deadline alone must not keep a Node process alive.
    this.#timer.unref?.();
  }

  #fire() {
    this.#timer = null;
    // Timers may fire a little early against now(); then wait for the rest.
    if (now() < this.#deadline) {
      this.#arm();
      return;
    }
    this.#deadline = -1;
    this.#onDue();
  }
}
