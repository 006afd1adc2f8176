// The benches' step time limit, for Node and browser pages alike.

/**
 * A time limit for one bench's steps: limit(ms, what, promise) rejects with a message naming the bench
 * and `what` when `promise` takes longer than `ms`, so that no step can hang `npm run bench`.
 */
export function stepTimeLimit(bench) {
  return (ms, what, promise) => {
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${bench} bench: ${what} took longer than ${ms} ms`)), ms);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  };
}
