// `npm pack` / `npm publish` run this first: the package always contains the built core
// (dist/petrichor.wasm, built here when missing) and its bundled form for browser apps (dist/petrichor-wasm.js).
import { existsSync } from "node:fs";
import { WASM_FILE, build, writeBundledCore } from "./build.mjs";
import { log } from "./deps.mjs";

try {
  if (!existsSync(WASM_FILE)) {
    log("dist/petrichor.wasm is missing: building it");
    build(["wasm"]);
  }
  writeBundledCore();
} catch (error) {
  log(error.message);
  process.exit(1);
}
