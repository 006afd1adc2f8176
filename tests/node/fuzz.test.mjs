// The libFuzzer harnesses of tests/fuzz, briefly: each runs a few seconds from its seed corpus (every committed
// input, regressions included, is replayed first), built for x86-64 and for 32-bit x86 (under qemu-i386 where
// the kernel runs no 32-bit programs). `npm run fuzz` runs them for minutes each. A finding is left in
// build/fuzz-findings/test/ and the failure says how to replay it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FUZZ_DIR, buildHarnesses, harnesses, replayCommand, runHarness } from "../../scripts/fuzz.mjs";
import { ROOT } from "../../scripts/deps.mjs";

const SECONDS = { 64: 3, 32: 2 };

for (const bits of [64, 32]) {
  test(`every fuzz harness runs from its seeds, ${bits}-bit`, { timeout: 15 * 60000 }, async (t) => {
    buildHarnesses(bits);
    const scratch = mkdtempSync(join(tmpdir(), `petrichor-fuzz${bits}-`));
    try {
      for (const name of harnesses()) {
        await t.test(`fuzz_${name}`, () => {
          const run = runHarness(name, {
            bits,
            seconds: SECONDS[bits],
            corpora: [join(scratch, name), join(FUZZ_DIR, "corpus", name)],
            findings: join(ROOT, "build/fuzz-findings/test", String(bits), name),
          });
          const tail = run.output.split("\n").filter((line) => !/^(#\d+|INFO:)/.test(line)).slice(-40).join("\n");
          assert.ok(run.ok, `fuzz_${name} (${bits}-bit) failed (exit ${run.status}); replay: ${
            run.reproducer ? replayCommand(name, bits, run.reproducer) : "no reproducer"}\n${tail}`);
          assert.ok(run.executions > 0, `fuzz_${name} ran nothing\n${tail}`);
        });
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
}
