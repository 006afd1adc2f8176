// Runs node --test over test files for `npm test`. A file whose process a native crash killed
// (@roamhq/wrtc's native code has, now and then, as connections close) runs once more, named, and
// must then pass; a failed test is never retried.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { ROOT, log } from "./deps.mjs";

// What a native crash ends a process with; a test's own failure or a timeout never does.
const CRASH_SIGNALS = new Set(["SIGSEGV", "SIGBUS", "SIGABRT", "SIGILL", "SIGFPE"]);
const FAILURE_REPORTER = join(ROOT, "scripts/test-crash-reporter.mjs");

function run(name, args, stdio, say) {
  say(name);
  // Run from within a test (ours of this runner), node --test would otherwise act as that test's child.
  const { NODE_TEST_CONTEXT, ...env } = process.env;
  return spawnSync(process.execPath, args, { cwd: ROOT, stdio, env }).status;
}

/** Runs the files (paths from ROOT); returns 0 when every test passed, counting a crashed file's rerun.
 *  stdio goes to node --test, say() gets what the runner itself tells. */
export function runNodeTests(files, { stdio = "inherit", say = log } = {}) {
  const scratch = mkdtempSync(join(tmpdir(), "petrichor-test-"));
  const failureLog = join(scratch, "failures");
  try {
    const reporters = ["--test-reporter=spec", "--test-reporter-destination=stdout",
      `--test-reporter=${FAILURE_REPORTER}`, `--test-reporter-destination=${failureLog}`];
    if (run("node --test", ["--test", ...reporters, ...files], stdio, say) === 0) return 0;
    if (!existsSync(failureLog)) return 1;
    const failures = readFileSync(failureLog, "utf8").split("\n").filter(Boolean).map((line) => line.split("\t"));
    const crashed = new Map(failures.filter(([, signal]) => CRASH_SIGNALS.has(signal)));
    if (crashed.size === 0 || failures.some(([file]) => !crashed.has(file))) return 1;
    for (const [file, signal] of crashed) say(`${relative(ROOT, file)} was killed by ${signal}, not by a failed test; running it once more`);
    return run("node --test (the crashed files again)", ["--test", "--test-reporter=spec", ...crashed.keys()], stdio, say);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
