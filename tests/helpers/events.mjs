// Waiting helpers shared by the node tests: every wait has a deadline, so a test fails instead of hanging.

/** Resolves with the next event's arguments (EventEmitter of the SDK), or rejects after ms. */
export function nextEvent(emitter, name, ms = 10000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${name} event within ${ms} ms`)), ms);
    const handler = (...args) => {
      clearTimeout(timer);
      emitter.removeEventListener(name, handler);
      resolve(args);
    };
    emitter.addEventListener(name, handler);
  });
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls a condition every 10 ms; rejects if it does not hold within ms, saying describe() when given. */
export async function until(condition, ms = 20000, describe) {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > ms) throw new Error(describe ? `condition not met in time: ${describe()}` : "condition not met in time");
    await sleep(10);
  }
}
