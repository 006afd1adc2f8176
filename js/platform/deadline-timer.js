// A core's next deadline as one timer. The core may move its deadline on every packet (NACK and
// report timers); a later deadline keeps the timer already armed, which re-arms itself for the rest
// when it fires, so that only an earlier one costs a clearTimeout and a setTimeout.
import { now } from "./environment.js";

export class DeadlineTimer {
  #onDue;
  #timer = null;
  #armedFor = Infinity; // when the armed timer is due (ms of now()); Infinity when none is armed
  #deadline = -1; // the deadline asked for last; -1: none

  /** onDue() runs once now() has reached the deadline asked for. */
  constructor(onDue) {
    this.#onDue = onDue;
  }

  /** Asks for onDue at deadlineMs (ms of now()), in place of any deadline before; negative: none. */
  set(deadlineMs) {
    if (deadlineMs < 0) {
      this.cancel();
      return;
    }
    this.#deadline = deadlineMs;
    if (this.#armedFor > deadlineMs) this.#arm(deadlineMs);
  }

  cancel() {
    this.#deadline = -1;
    clearTimeout(this.#timer);
    this.#timer = null;
    this.#armedFor = Infinity;
  }

  #arm(at) {
    clearTimeout(this.#timer);
    this.#armedFor = at;
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, Math.ceil(at - now())));
    // A pending deadline alone must not keep a Node process alive.
    this.#timer.unref?.();
  }

  #fire() {
    this.#timer = null;
    this.#armedFor = Infinity;
    if (this.#deadline < 0) return;
    // Timers may fire a little early against now(), and the deadline may have moved later meanwhile.
    if (now() < this.#deadline) {
      this.#arm(this.#deadline);
      return;
    }
    this.#deadline = -1;
    this.#onDue();
  }
}
