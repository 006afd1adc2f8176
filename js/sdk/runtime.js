// The SDK runtime: one core for the SDK, drained after every call, its outputs dispatched to the
// facade objects by handle, and its next deadline kept as one timer.
import { CoreEvent, OutputKind, createCore } from "../core/core.js";
import { DeadlineTimer } from "../platform/deadline-timer.js";
import { now } from "../platform/environment.js";

export { CoreEvent as CoreEvents };

const decoder = new TextDecoder();
const BINARY_EVENTS = new Set([CoreEvent.ChannelMessage, CoreEvent.StreamFrame]);

export class Runtime {
  #targets = new Map(); // handle -> facade with onSend(transport, bytes) / onEvent(code, payload, handle)
  #deadline = new DeadlineTimer(() => this.call((core, nowMs) => core.handleTimeout(nowMs)));
  #flushing = false;
  /** Told about an exception while an output was handled (the other outputs are still handled). */
  onError = () => {};

  static async create(options) {
    return new Runtime(await createCore(options));
  }

  constructor(core) {
    this.core = core;
  }

  /** Routes outputs for a handle to a facade. */
  register(handle, target) {
    this.#targets.set(handle, target);
  }

  unregister(handle) {
    this.#targets.delete(handle);
  }

  /** Runs fn(core, nowMs) and then drains every output; returns fn's result. */
  call(fn) {
    try {
      return fn(this.core, now());
    } finally {
      this.flush();
    }
  }

  /**
   * Creates a core object: runs create(core, nowMs) without draining, lets makeTarget(handle) build
   * and register its facade, then drains, so that the object's first outputs reach the facade.
   * Returns the facade, or the negative error code.
   */
  open(create, makeTarget) {
    const handle = create(this.core, now());
    try {
      return handle < 0 ? handle : makeTarget(handle);
    } finally {
      this.flush();
    }
  }

  flush() {
    if (this.#flushing) return; // the outer flush keeps draining
    this.#flushing = true;
    try {
      for (let outputs = this.core.drain(); outputs.length > 0; outputs = this.core.drain()) {
        for (const output of outputs) {
          // One output's failure (a platform send, a facade's bug) must neither reach the caller nor
          // lose the outputs after it.
          try {
            this.#dispatch(output);
          } catch (error) {
            this.onError(error);
          }
        }
      }
    } finally {
      this.#flushing = false;
    }
  }

  #dispatch({ kind, handle, code, payload, deadlineMs }) {
    if (kind === OutputKind.Deadline) {
      this.#deadline.set(deadlineMs);
      return;
    }
    // Events carry JSON, except channel messages and stream frames, which carry bytes.
    const json =
      kind === OutputKind.Event ? (BINARY_EVENTS.has(code) ? payload : JSON.parse(decoder.decode(payload))) : null;
    // A new peer is announced to its connection, which creates the facade.
    const routeTo = code === CoreEvent.PeerCreated && kind === OutputKind.Event ? json.connection : handle;
    const target = this.#targets.get(routeTo);
    if (!target) return; // the facade is gone (closed by the app); nothing is waiting for this
    if (kind === OutputKind.Send) target.onSend(code, payload);
    else target.onEvent(code, json, handle);
  }
}
