// A call made at most once per interval, for reports that may lag a little (counters the page copies):
// the first ask schedules it `ms` later, and the asks until then join that one.

/** fn, batched: returns ask(), with ask.cancel() dropping a scheduled call. */
export function batchedCall(fn, ms) {
  let timer = null;
  const ask = () => {
    timer ??= setTimeout(() => {
      timer = null;
      fn();
    }, ms);
  };
  ask.cancel = () => {
    clearTimeout(timer);
    timer = null;
  };
  return ask;
}
