// `npm run fuzz`: builds the libFuzzer harnesses of tests/fuzz (clang, ASan+UBSan) for x86-64 and for 32-bit
// x86 (wasm32's pointers are 32-bit) and runs each in turn, one process at a time, from its seed corpus
// (tests/fuzz/corpus/<name>) and what earlier runs found (build/fuzz-corpus/<bits>/<name>). Findings are
// written to build/fuzz-findings/<bits>/<name>/ and reported with the command that replays them.
// Where the kernel cannot run 32-bit programs, they run under qemu-i386 (Debian's qemu-user), without
// LeakSanitizer (which cannot stop the world there; the harnesses compare the heap before and after a run).
// Usage: npm run fuzz -- [--seconds N (default 60)] [--bits 64|32] [name ...]
//        npm run fuzz -- --coverage [name ...]   (the lines of src/ the corpora reach, from a coverage build)
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { buildTarget } from "./build.mjs";
import { PACKAGES, ROOT, ensureSourcePackages, ensureSystemPackages, log } from "./deps.mjs";

export const FUZZ_DIR = join(ROOT, "tests/fuzz");

/** The harnesses: tests/fuzz/fuzz_<name>.c. */
export function harnesses() {
  return readdirSync(FUZZ_DIR)
    .map((file) => /^fuzz_(\w+)\.c$/.exec(file)?.[1])
    .filter(Boolean)
    .sort();
}

const folder = (bits) => (bits === 32 ? "fuzz32" : "fuzz");

/** Builds the harnesses for 64 or 32 bits (only those targets: the folder's other programs need 64-bit libraries). */
export function buildHarnesses(bits) {
  ensureSystemPackages([...PACKAGES.build, ...PACKAGES.fuzz]);
  return buildTarget(folder(bits), ensureSourcePackages(), harnesses().map((name) => `fuzz_${name}`));
}

let runsNatively32;
/** How to start a harness binary: directly, or under qemu-i386 when this kernel runs no 32-bit programs. */
function launcher(bits, binary) {
  if (bits === 64) return { command: binary, prefix: [], qemu: false };
  if (runsNatively32 === undefined) {
    // Where the kernel refuses the binary, the shell is asked to read it as a script instead.
    const probe = spawnSync(binary, ["-help=1"], { encoding: "utf8" });
    runsNatively32 = probe.status === 0 && /libFuzzer|Usage/.test(`${probe.stdout}${probe.stderr}`);
  }
  // 2.75 GiB of guest address space: qemu hands out mmap space downwards without reusing it until it wraps, and
  // with its default reservation the wrap lands where ASan's 32-bit memory layout has no room (its allocator fails).
  return runsNatively32
    ? { command: binary, prefix: [], qemu: false }
    : { command: "qemu-i386", prefix: ["-R", "0xb0000000", binary], qemu: true };
}

/** The command line that replays a reproducer (for the report). */
export function replayCommand(name, bits, file) {
  const binary = relative(ROOT, join(ROOT, "build", folder(bits), `fuzz_${name}`));
  const { qemu } = launcher(bits, join(ROOT, binary));
  return `${qemu ? "ASAN_OPTIONS=detect_leaks=0:quarantine_size_mb=16 qemu-i386 -R 0xb0000000 " : ""}${binary} ${relative(ROOT, file)}`;
}

/**
 * Runs one harness for `seconds` (or only over its corpus with seconds 0) with corpus folders `corpora` (the first
 * one receives what the run finds). Returns {ok, executions, reproducer, output}.
 */
export function runHarness(name, { bits = 64, seconds = 60, corpora, findings }) {
  const binary = join(ROOT, "build", folder(bits), `fuzz_${name}`);
  const { command, prefix, qemu } = launcher(bits, binary);
  mkdirSync(findings, { recursive: true });
  for (const dir of corpora) mkdirSync(dir, { recursive: true });
  // A 32-bit libFuzzer cannot list folders on ext4 (readdir fails on its 64-bit directory offsets): it is given its
  // corpus as a list of files, and the first folder only receives what it finds.
  const seeds = bits === 32 ? seedList(corpora, join(findings, "seeds.txt")) : [];
  const args = [
    ...prefix,
    seconds > 0 ? `-max_total_time=${seconds}` : "-runs=0",
    `-timeout=${qemu ? 120 : 30}`,
    "-rss_limit_mb=2560",
    "-print_final_stats=1",
    `-artifact_prefix=${findings}/`,
    ...seeds,
    ...(bits === 32 ? corpora.slice(0, 1) : corpora),
  ];
  // Under qemu-user: no LeakSanitizer (it cannot stop the world there), and a small quarantine (the default one
  // exhausts the 32-bit address space qemu gives the program, and ASan's allocator fails).
  const asan = qemu ? "detect_leaks=0:quarantine_size_mb=16:" : "";
  const env = { ...process.env, ASAN_OPTIONS: `${asan}${process.env.ASAN_OPTIONS ?? ""}` };
  const result = spawnSync(command, args, { cwd: ROOT, env, encoding: "utf8", maxBuffer: 256 << 20 });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`;
  const reproducer = /Test unit written to (\S+)/.exec(output)?.[1];
  const executions = Number(/stat::number_of_executed_units:\s*(\d+)/.exec(output)?.[1] ?? 0);
  return { ok: result.status === 0 && !reproducer, status: result.status, executions, reproducer, output };
}

/** Writes the files of the corpus folders to `file` as libFuzzer's -seed_inputs=@file reads them; returns the flag. */
function seedList(corpora, file) {
  const files = corpora.flatMap((dir) => readdirSync(dir).map((name) => join(dir, name)));
  if (files.length === 0) return [];
  writeFileSync(file, files.join(","));
  return [`-seed_inputs=@${file}`];
}

/**
 * Replays every harness's corpora (the seeds and what runs found) in a build with clang's source-based coverage and
 * prints the share of the lines of src/ they reach (the Linux host's programs and the wasm-only random source are
 * no decoders of the wire and are left out).
 */
function coverage(names) {
  ensureSystemPackages([...PACKAGES.build, ...PACKAGES.fuzz, "llvm-14"]);
  const dir = buildTarget("fuzzcov", ensureSourcePackages(), harnesses().map((name) => `fuzz_${name}`));
  const profiles = join(dir, "profiles");
  rmSync(profiles, { recursive: true, force: true });
  mkdirSync(profiles, { recursive: true });
  for (const name of names) {
    const corpora = [join(ROOT, "build/fuzz-corpus/64", name), join(FUZZ_DIR, "corpus", name)].filter((d) => existsSync(d));
    log(`replaying the corpora of fuzz_${name}`);
    const run = spawnSync(join(dir, `fuzz_${name}`), ["-runs=0", ...corpora], {
      env: { ...process.env, LLVM_PROFILE_FILE: join(profiles, `${name}-%p.profraw`) },
      encoding: "utf8",
      maxBuffer: 256 << 20,
    });
    if (run.status !== 0) throw new Error(`fuzz_${name} failed to replay its corpora:\n${run.stderr.slice(-3000)}`);
  }
  const merged = join(profiles, "merged.profdata");
  const raw = readdirSync(profiles).map((file) => join(profiles, file));
  const merge = spawnSync("llvm-profdata-14", ["merge", "-sparse", ...raw, "-o", merged], { encoding: "utf8" });
  if (merge.status !== 0) throw new Error(`llvm-profdata merge failed: ${merge.stderr}`);
  const [first, ...others] = names.map((name) => join(dir, `fuzz_${name}`));
  const report = spawnSync(
    "llvm-cov-14",
    ["report", first, ...others.flatMap((binary) => ["-object", binary]), `-instr-profile=${merged}`,
      "-ignore-filename-regex=(tests/|third_party|/\\.cache/|src/host/|random_wasm)", join(ROOT, "src")],
    { encoding: "utf8", maxBuffer: 64 << 20 },
  );
  if (report.status !== 0) throw new Error(`llvm-cov report failed: ${report.stderr}`);
  process.stdout.write(report.stdout);
}

function parseArguments(argv) {
  const options = { seconds: 60, bits: [64, 32], names: [], coverage: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--coverage") options.coverage = true;
    else if (argv[i] === "--seconds") options.seconds = Number(argv[++i]);
    else if (argv[i] === "--bits") options.bits = [Number(argv[++i])];
    else options.names.push(argv[i]);
  }
  const known = harnesses();
  const unknown = options.names.filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new Error(`no harness ${unknown.join(", ")} (there are: ${known.join(" ")})`);
  if (!(options.seconds > 0) || options.bits.some((bits) => bits !== 64 && bits !== 32)) {
    throw new Error("usage: npm run fuzz -- [--seconds N] [--bits 64|32] [name ...], or --coverage [name ...]");
  }
  if (options.names.length === 0) options.names = known;
  return options;
}

function main() {
  const options = parseArguments(process.argv.slice(2));
  if (options.coverage) return coverage(options.names);
  const findings = [];
  for (const bits of options.bits) {
    log(`building the harnesses (${bits}-bit)`);
    buildHarnesses(bits);
    for (const name of options.names) {
      log(`fuzz_${name} (${bits}-bit), ${options.seconds} s`);
      const run = runHarness(name, {
        bits,
        seconds: options.seconds,
        corpora: [join(ROOT, "build/fuzz-corpus", String(bits), name), join(FUZZ_DIR, "corpus", name)],
        findings: join(ROOT, "build/fuzz-findings", String(bits), name),
      });
      if (run.ok) {
        log(`fuzz_${name} (${bits}-bit): ${run.executions} executions, nothing found`);
        continue;
      }
      process.stderr.write(run.output.split("\n").filter((line) => !/^(#\d+|INFO:)/.test(line)).slice(-60).join("\n"));
      const replay = run.reproducer ? replayCommand(name, bits, run.reproducer) : "(no reproducer written)";
      log(`fuzz_${name} (${bits}-bit): FOUND something (exit ${run.status}); replay: ${replay}`);
      findings.push(`fuzz_${name} (${bits}-bit): ${replay}`);
    }
  }
  if (findings.length > 0) {
    log(`findings (fix each, add a test in tests/c and the input to tests/fuzz/corpus/<name>/):\n  ${findings.join("\n  ")}`);
    process.exit(1);
  }
  log("no findings");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    main();
  } catch (error) {
    log(error.message);
    process.exit(1);
  }
}
