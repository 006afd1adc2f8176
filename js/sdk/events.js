// EventEmitter with the original's semantics: handlers run synchronously in registration order with
// positional arguments; duplicates are allowed; removeEventListener without a handler removes all
// handlers of that event; a throwing handler propagates (the original had no try/catch).
export class EventEmitter {
  #handlers = new Map();

  addEventListener(name, handler) {
    if (typeof handler !== "function") throw new TypeError("handler must be a function");
    if (!this.#handlers.has(name)) this.#handlers.set(name, []);
    this.#handlers.get(name).push(handler);
  }

  removeEventListener(name, handler) {
    if (handler === undefined) {
      this.#handlers.delete(name);
      return;
    }
    const list = this.#handlers.get(name);
    const index = list ? list.indexOf(handler) : -1;
    if (index >= 0) list.splice(index, 1);
  }

  removeAllEventListeners() {
    this.#handlers.clear();
  }

  emit(name, ...args) {
    // A copy, so that handlers added or removed while emitting apply from the next emit on.
    for (const handler of [...(this.#handlers.get(name) ?? [])]) handler(...args);
  }

  /** Number of handlers for an event (used to decide whether an error event has a listener). */
  listenerCount(name) {
    return this.#handlers.get(name)?.length ?? 0;
  }
}
