// Small helpers every bench shares.

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

/** Nearest-rank percentile of sorted values. */
export const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
