// The core's deadline as one timer (js/platform/deadline-timer.js): due exactly once, never before its
// deadline; a new deadline, earlier or later, replaces the one before; a negative one cancels it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { DeadlineTimer } from "../../js/platform/deadline-timer.js";
import { now } from "../../js/platform/environment.js";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once check() is true; fails after `ms` (a generous deadline: machines may be busy). */
async function until(check, what, ms = 20000) {
  for (const end = now() + ms; !check(); await sleep(5)) {
    if (now() > end) assert.fail(`timed out waiting for ${what}`);
  }
}

test("a deadline is due once, not before it, and a later one asked for meanwhile replaces it", async () => {
  const dueAt = [];
  const timer = new DeadlineTimer(() => dueAt.push(now()));
  const first = now() + 30;
  let last = first;
  timer.set(first);
  for (let i = 1; i <= 500; i++) timer.set((last = first + i * 0.1));
  await until(() => dueAt.length > 0, "the deadline");
  assert.ok(dueAt[0] >= last, `due at ${dueAt[0]}, before the last deadline asked for (${last})`);
  await sleep(100);
  assert.equal(dueAt.length, 1, "due once for one deadline");
});

test("an earlier deadline re-arms the timer; a negative one cancels it", async () => {
  let due = 0;
  const timer = new DeadlineTimer(() => due++);
  timer.set(now() + 600000);
  timer.set(now() + 10);
  await until(() => due === 1, "the earlier deadline");

  timer.set(now() + 10);
  timer.set(-1);
  await sleep(200);
  assert.equal(due, 1, "a cancelled deadline is never due");

  timer.set(now() + 10);
  timer.set(-1);
  timer.set(now() + 10);
  await until(() => due === 2, "a deadline after a cancelled one");
});
