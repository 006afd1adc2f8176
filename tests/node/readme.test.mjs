// The README's JavaScript examples stay valid: each ```js block parses as an ES module.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../helpers/paths.mjs";

test("every JavaScript example in README.md parses", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.ok(blocks.length >= 4, `found ${blocks.length} examples`);
  const dir = mkdtempSync(join(tmpdir(), "petrichor-readme-"));
  try {
    blocks.forEach((code, i) => {
      const file = join(dir, `example-${i}.mjs`);
      writeFileSync(file, code);
      const result = spawnSync(process.execPath, ["--check", file], { encoding: "utf8" });
      assert.equal(result.status, 0, `README example ${i + 1} does not parse:\n${code}\n${result.stderr}`);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
