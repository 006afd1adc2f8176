// `npm run fuzz`: builds the libFuzzer harnesses of tests/fuzz (clang, ASan+UBSan) for x86-64 and for 32-bit
// x86 (wasm32's pointers are 32-bit) and runs each in turn, one process at a time, from its seed corpus
// (tests/fuzz/corpus/<name>) and what earlier runs found (build/fuzz-corpus/<bits>/<name>). Findings are
// written to build/fuzz-findings/<bits>/<name>/ and reported with the command that replays them.
// Where the kernel cannot run 32-bit programs, they run under qemu-i386 (Debian's qemu-user), without
// LeakSanitizer (which cannot stop the world there; the harnesses compare the heap before and after a run).
// Usage: npm run fuzz -- [--seconds N (default 60)] [--bits 64|32] [name ...]
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
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

function parseArguments(argv) {
  const options = { seconds: 60, bits: [64, 32], names: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--seconds") options.seconds = Number(argv[++i]);
    else if (argv[i] === "--bits") options.bits = [Number(argv[++i])];
    else options.names.push(argv[i]);
  }
  const known = harnesses();
  const unknown = options.names.filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new Error(`no harness ${unknown.join(", ")} (there are: ${known.join(" ")})`);
  if (!(options.seconds > 0) || options.bits.some((bits) => bits !== 64 && bits !== 32)) {
    throw new Error("usage: npm run fuzz -- [--seconds N] [--bits 64|32] [name ...]");
  }
  if (options.names.length === 0) options.names = known;
  return options;
}

function main() {
  const options = parseArguments(process.argv.slice(2));
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
