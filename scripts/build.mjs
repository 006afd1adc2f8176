// Builds what is stale: the native core with its unit tests (plain and ASan+UBSan) and the wasm module.
// CMake decides what is out of date; configuring happens only for a new build folder or new sources.
// Usage: node scripts/build.mjs [native|asan|wasm|fuzz|fuzz32|fuzzcov ...]   (default: wasm)
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { PACKAGES, ROOT, ensureNpmPackages, ensureSourcePackages, ensureSystemPackages, log } from "./deps.mjs";
import { bundleWorker } from "./worker-bundle.mjs";

export const TARGETS = {
  native: { dir: "build/native", type: "RelWithDebInfo", args: [] },
  asan: { dir: "build/native-asan", type: "Debug", args: ["-DPT_SANITIZE=ON"] },
  wasm: { dir: "build/wasm", type: "Release", args: [], emscripten: true },
  // libFuzzer harnesses (tests/fuzz; scripts/fuzz.mjs builds only those targets): x86-64, and 32-bit x86 as
  // wasm32's pointers are 32-bit. Clang, ASan+UBSan, the core instrumented for coverage.
  fuzz: { dir: "build/fuzz", type: "RelWithDebInfo", args: fuzzArgs("") },
  fuzz32: { dir: "build/fuzz32", type: "RelWithDebInfo", args: fuzzArgs("-m32") },
  // The same harnesses with clang's source-based coverage and no sanitizer, to replay corpora (npm run fuzz -- --coverage).
  fuzzcov: {
    dir: "build/fuzz-coverage",
    type: "Debug",
    args: ["-DCMAKE_C_COMPILER=clang", "-DPT_FUZZ=ON", "'-DCMAKE_C_FLAGS=-fprofile-instr-generate -fcoverage-mapping'"],
  },
};

function fuzzArgs(flags) {
  return ["-DCMAKE_C_COMPILER=clang", "-DPT_FUZZ=ON", "-DPT_SANITIZE=ON", `'-DCMAKE_C_FLAGS=${flags} -fsanitize=fuzzer-no-link'`];
}

function shell(script) {
  // Every command runs after sourcing emsdk.env, so that the README's environment is the one used.
  // Output is shown only when the step fails, or when it warns (progress goes to stderr as it happens).
  const result = spawnSync("bash", ["-c", `set -e -o pipefail; . ./emsdk.env; ${script}`], {
    cwd: ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe", 2], // fd 3: this process's stderr, for progress
  });
  const output = `${result.stdout}${result.stderr}`;
  if (result.status !== 0) {
    process.stderr.write(output);
    throw new Error(`build step failed: ${script}`);
  }
  const warnings = output.split("\n").filter((line) => /\bwarning:|\berror:/i.test(line));
  if (warnings.length > 0) process.stderr.write(`${warnings.join("\n")}\n`);
}

function cachedValue(dir, key) {
  const cache = join(ROOT, dir, "CMakeCache.txt");
  if (!existsSync(cache)) return undefined;
  return new RegExp(`^${key}:[A-Z]+=(.*)$`, "m").exec(readFileSync(cache, "utf8"))?.[1];
}

/** The CMake targets a configured build folder defines (from `cmake --build DIR --target help`). */
function definedTargets(dir) {
  const result = spawnSync("cmake", ["--build", dir, "--target", "help"], { cwd: ROOT, encoding: "utf8" });
  return new Set([...(result.stdout ?? "").matchAll(/^\.\.\. (\S+)/gm)].map((m) => m[1]));
}

/**
 * Configures (when needed) and builds one build folder: everything, or only `only` (CMake targets;
 * those the folder does not define, e.g. the native host without its libraries, are left out).
 * Returns the build folder.
 */
export function buildTarget(name, sources, only) {
  const target = TARGETS[name];
  if (!target) throw new Error(`unknown build target ${name}`);
  const fresh =
    cachedValue(target.dir, "PT_SRTP_SOURCE_DIR") !== sources.srtp ||
    cachedValue(target.dir, "PT_CJSON_SOURCE_DIR") !== sources.cjson;
  if (fresh) {
    log(`configuring ${name} (${target.dir}); the first build takes a minute or two`);
    const cmake = `${target.emscripten ? "emcmake " : ""}cmake -S . -B ${target.dir} -DCMAKE_BUILD_TYPE=${target.type}`;
    const progress = `2>&1 | "${process.execPath}" scripts/build-progress.mjs ${name} configure 2>&3`;
    shell(`${cmake} -DPT_SRTP_SOURCE_DIR=${sources.srtp} -DPT_CJSON_SOURCE_DIR=${sources.cjson} ${target.args.join(" ")} ${progress}`);
  }
  let targets = "";
  const defined = only ? definedTargets(target.dir) : new Set();
  // Only the targets asked for that this folder defines (a generator that lists none: everything).
  if (only && defined.size > 0) {
    const wanted = only.filter((t) => defined.has(t));
    if (wanted.length === 0) return join(ROOT, target.dir);
    targets = ` --target ${wanted.join(" ")}`;
  }
  // The progress filter writes to the terminal directly (fd 3, this process's stderr), not to the captured output.
  shell(`cmake --build ${target.dir}${targets} -j${Math.max(1, cpus().length)} 2>&1 | "${process.execPath}" scripts/build-progress.mjs ${name} 2>&3`);
  return join(ROOT, target.dir);
}

export const WASM_FILE = join(ROOT, "dist/petrichor.wasm");
export const BUNDLED_CORE_FILE = join(ROOT, "dist/petrichor-wasm.js");

/** The bytes in the .lzma format (xz's LZMA1 at its strongest preset), as js/core/lzma.js reads them. */
export function compressLzma(bytes) {
  const result = spawnSync("xz", ["--format=lzma", "-9e", "--stdout"], { input: bytes, maxBuffer: 1 << 28 });
  if (result.status !== 0) throw new Error(`xz failed: ${result.error?.message ?? result.stderr}`);
  return result.stdout;
}

/**
 * Writes dist/petrichor-wasm.js, the core compressed with LZMA (52 KB where gzip -9 makes 62 of it: the
 * bytes every browser app downloads) and as a base64 string in an ES module, for the browser entry
 * (js/core/bundled-core.js), when it is missing or older than dist/petrichor.wasm.
 */
export function writeBundledCore() {
  if (existsSync(BUNDLED_CORE_FILE) && statSync(BUNDLED_CORE_FILE).mtimeMs >= statSync(WASM_FILE).mtimeMs) return;
  const base64 = compressLzma(readFileSync(WASM_FILE)).toString("base64");
  writeFileSync(
    BUNDLED_CORE_FILE,
    `// Written by scripts/build.mjs: dist/petrichor.wasm, in LZMA, for bundled browser apps.\nexport default "${base64}";\n`,
  );
}

export const MEDIA_WORKER_FILE = join(ROOT, "dist/petrichor-media-worker.js");

/** dist/petrichor-media-worker.js as it should be: the media worker as one script, in a string, for bundled apps. */
export function mediaWorkerModule() {
  const code = bundleWorker(join(ROOT, "js/platform/media-worker.js"));
  return `// Written by scripts/build.mjs: js/platform/media-worker.js and what it imports, as one worker script, for bundled browser apps.\nexport default ${JSON.stringify(code)};\n`;
}

/** Writes dist/petrichor-media-worker.js when it is missing or differs from the sources. */
export function writeMediaWorker() {
  const text = mediaWorkerModule();
  if (!existsSync(MEDIA_WORKER_FILE) || readFileSync(MEDIA_WORKER_FILE, "utf8") !== text) writeFileSync(MEDIA_WORKER_FILE, text);
}

/**
 * Installs build prerequisites, fetches sources, and builds the named build folders; `only` maps a
 * name to the CMake targets to build there (default: all), e.g. {native: ["petrichor-host"]}.
 */
export function build(names = ["wasm"], { only = {} } = {}) {
  ensureSystemPackages(PACKAGES.build);
  const sources = ensureSourcePackages();
  const dirs = names.map((name) => buildTarget(name, sources, only[name]));
  if (names.includes("wasm")) {
    writeBundledCore();
    ensureNpmPackages(); // the worker's minifier
    writeMediaWorker();
  }
  return dirs;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    build(process.argv.length > 2 ? process.argv.slice(2) : ["wasm"]);
  } catch (error) {
    log(error.message);
    process.exit(1);
  }
}
