// `npm pack` / `npm publish` run this first: the package always contains the built core
// (dist/petrichor.wasm, built here when missing), its bundled form for browser apps (dist/petrichor-wasm.js)
// and the media worker as one script for them (dist/petrichor-media-worker.js).
import { existsSync } from "node:fs";
import { WASM_FILE, build, writeBundledCore, writeMediaWorker } from "./build.mjs";
import { log } from "./deps.mjs";

try {
  if (!existsSync(WASM_FILE)) {
    log("dist/petrichor.wasm is missing: building it");
    build(["wasm"]);
  }
  writeBundledCore();
  writeMediaWorker();
} catch (error) {
  log(error.message);
  process.exit(1);
}
