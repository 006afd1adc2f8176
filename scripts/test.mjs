// `npm test`: installs what is missing, builds what is stale, then runs every test layer:
// ctest (native, then ASan+UBSan) and node --test (wasm core, integration, browser).
// Extra arguments are passed to node --test as file filters, e.g. `npm test -- smoke`.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { build } from "./build.mjs";
import { PACKAGES, ROOT, ensureNpmPackages, ensureSystemPackages, log } from "./deps.mjs";

const NODE_TEST_DIRS = ["tests/node", "tests/browser"];

function run(name, command, args) {
  log(name);
  return spawnSync(command, args, { cwd: ROOT, stdio: "inherit" }).status;
}

function step(name, command, args) {
  const status = run(name, command, args);
  if (status !== 0) {
    log(`${name}: FAILED`);
    process.exit(status || 1);
  }
}

function testFiles(filters) {
  const files = NODE_TEST_DIRS.flatMap((dir) =>
    readdirSync(join(ROOT, dir), { recursive: true })
      .filter((name) => name.endsWith(".test.mjs"))
      .map((name) => relative(ROOT, join(ROOT, dir, name))),
  );
  return filters.length ? files.filter((file) => filters.some((f) => file.includes(f))) : files;
}

// What a native crash ends a process with; a test's own failure or a timeout never does.
const CRASH_SIGNALS = new Set(["SIGSEGV", "SIGBUS", "SIGABRT", "SIGILL", "SIGFPE"]);

/** Runs the test files; returns the exit status. A file whose process crashed (@roamhq/wrtc's native
 *  code has, now and then, as connections close) runs once more, named, and must then pass; a
 *  failed test is never retried. */
function nodeTests(files) {
  const scratch = mkdtempSync(join(tmpdir(), "petrichor-test-"));
  const failureLog = join(scratch, "failures");
  try {
    const reporters = ["--test-reporter=spec", "--test-reporter-destination=stdout",
      "--test-reporter=./scripts/test-crash-reporter.mjs", `--test-reporter-destination=${failureLog}`];
    if (run("node --test", process.execPath, ["--test", ...reporters, ...files]) === 0) return 0;
    const failures = readFileSync(failureLog, "utf8").split("\n").filter(Boolean).map((line) => line.split("\t"));
    const crashed = new Map(failures.filter(([, signal]) => CRASH_SIGNALS.has(signal)));
    if (crashed.size === 0 || failures.some(([file]) => !crashed.has(file))) return 1;
    for (const [file, signal] of crashed) log(`${relative(ROOT, file)} was killed by ${signal}, not by a failed test; running it once more`);
    return run("node --test (the crashed files again)", process.execPath, ["--test", "--test-reporter=spec", ...crashed.keys()]);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

try {
  ensureSystemPackages([...PACKAGES.build, ...PACKAGES.test, ...PACKAGES.host, ...PACKAGES.fuzz]);
  ensureNpmPackages();
  build(["native", "asan", "wasm"]);
} catch (error) {
  log(error.message);
  process.exit(1);
}

const filters = process.argv.slice(2);
if (filters.length === 0) {
  step("ctest: native", "ctest", ["--test-dir", "build/native", "--output-on-failure"]);
  step("ctest: ASan+UBSan", "ctest", ["--test-dir", "build/native-asan", "--output-on-failure"]);
}
if (nodeTests(testFiles(filters)) !== 0) {
  log("node --test: FAILED");
  process.exit(1);
}
