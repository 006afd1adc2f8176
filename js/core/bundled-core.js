// Makes the core part of the JavaScript: bundlers (webpack, Vite, esbuild, ...) then need no rule for
// .wasm files and no URL rewriting. Imported by the browser entries (js/browser.js,
// js/core/browser.js). dist/petrichor-wasm.js (the .wasm gzipped, in base64, written by the build)
// is imported on first use, so bundlers that split code load it only when the app connects.
import { setDefaultCoreSource } from "./wasm.js";

async function bundledCore() {
  const { default: base64 } = await import("../../dist/petrichor-wasm.js");
  const gzipped = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return new Response(new Blob([gzipped]).stream().pipeThrough(new DecompressionStream("gzip"))).arrayBuffer();
}

setDefaultCoreSource({ bytes: bundledCore });
