// index.d.ts is checked by tsc against a file that uses every public API.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { ROOT } from "../helpers/paths.mjs";

test("tsc accepts tests/types/usage.ts against the published types", () => {
  const result = spawnSync(process.execPath, [`${ROOT}/node_modules/typescript/bin/tsc`, "-p", `${ROOT}/tests/types`], {
    encoding: "utf8",
  });
  assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
});
