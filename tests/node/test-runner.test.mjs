// npm test's runner (scripts/node-tests.mjs): a test file whose process a native crash killed runs once
// more and must then pass; a failed test is never run again.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runNodeTests } from "../../scripts/node-tests.mjs";

const FIXTURES = "tests/fixtures/runner";

/**
 * Runs the fixtures with the crashing one set to crash `crashes` times; returns the status, the crashes
 * left, the reruns the runner announced and how often the passing fixture ran.
 */
function runWithCrashes(files, crashes) {
  const scratch = mkdtempSync(join(tmpdir(), "petrichor-runner-"));
  const counter = join(scratch, "crashes");
  const passes = join(scratch, "passes");
  writeFileSync(counter, String(crashes));
  writeFileSync(passes, "");
  process.env.PETRICHOR_RUNNER_CRASHES = counter;
  process.env.PETRICHOR_RUNNER_PASSES = passes;
  try {
    const said = [];
    const status = runNodeTests(files.map((file) => `${FIXTURES}/${file}`), { stdio: "ignore", say: (line) => said.push(line) });
    const reruns = said.filter((line) => line.includes("running it once more"));
    return { status, crashesLeft: Number(readFileSync(counter, "utf8")), reruns: reruns.length, passed: readFileSync(passes, "utf8").length };
  } finally {
    delete process.env.PETRICHOR_RUNNER_CRASHES;
    delete process.env.PETRICHOR_RUNNER_PASSES;
    rmSync(scratch, { recursive: true, force: true });
  }
}

test("a file that crashed once is run again and passes; passing files are not run again", () => {
  assert.deepEqual(runWithCrashes(["passes.mjs", "crashes.mjs"], 1), { status: 0, crashesLeft: 0, reruns: 1, passed: 1 });
});

test("a file that crashes again fails the run", () => {
  assert.deepEqual(runWithCrashes(["passes.mjs", "crashes.mjs"], 2), { status: 1, crashesLeft: 0, reruns: 1, passed: 1 });
});

test("a failed test fails the run and nothing is run again, even beside a crash", () => {
  assert.deepEqual(runWithCrashes(["fails.mjs"], 0), { status: 1, crashesLeft: 0, reruns: 0, passed: 0 });
  // Had the crashed file been run again, it would have passed and used no more crashes: it uses none.
  assert.deepEqual(runWithCrashes(["fails.mjs", "crashes.mjs"], 2), { status: 1, crashesLeft: 1, reruns: 0, passed: 0 });
});

test("a run where everything passes is run once", () => {
  assert.deepEqual(runWithCrashes(["passes.mjs", "crashes.mjs"], 0), { status: 0, crashesLeft: 0, reruns: 0, passed: 1 });
});
