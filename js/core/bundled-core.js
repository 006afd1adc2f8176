// Makes the core part of the JavaScript: bundlers (webpack, Vite, esbuild, ...) then need no rule for
// .wasm files and no URL rewriting. Imported by the browser entries (js/browser.js,
// js/core/browser.js). dist/petrichor-wasm.js (the .wasm in LZMA, in base64, written by the build)
// is imported on first use, so bundlers that split code load it only when the app connects. The media
// worker comes the same way: dist/petrichor-media-worker.js holds its code as one script, in a string
// that runs from a Blob URL, so no bundler has to find, copy or rewrite a worker file.
import { setDefaultCoreSource } from "./wasm.js";
import { setMediaWorkerSource } from "../platform/media-worker-client.js";

async function bundledCore() {
  const [{ default: base64 }, { decodeLzma }] = await Promise.all([import("../../dist/petrichor-wasm.js"), import("./lzma.js")]);
  return decodeLzma(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))).buffer;
}

setDefaultCoreSource({ bytes: bundledCore });
setMediaWorkerSource({ code: async () => (await import("../../dist/petrichor-media-worker.js")).default });
