// `npm test`: installs what is missing, builds what is stale, then runs every test layer:
// ctest (native, then ASan+UBSan) and node --test (wasm core, integration, browser).
// Extra arguments are passed to node --test as file filters, e.g. `npm test -- smoke`.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { build } from "./build.mjs";
import { runNodeTests } from "./node-tests.mjs";
import { PACKAGES, ROOT, ensureNpmPackages, ensureSystemPackages, log } from "./deps.mjs";

const NODE_TEST_DIRS = ["tests/node", "tests/browser"];

function step(name, command, args) {
  log(name);
  const result = spawnSync(command, args, { cwd: ROOT, stdio: "inherit" });
  if (result.status !== 0) {
    log(`${name}: FAILED`);
    process.exit(result.status || 1);
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
if (runNodeTests(testFiles(filters)) !== 0) {
  log("node --test: FAILED");
  process.exit(1);
}
