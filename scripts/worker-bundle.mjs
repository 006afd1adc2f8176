// Bundles the media worker (js/platform/media-worker.js) and the modules it imports into one classic
// worker script, so that a bundled app runs it from a Blob URL (js/core/bundled-core.js) and its
// bundler never has to know of a worker. esbuild (a build-time dependency from npm) bundles it as the
// browser condition resolves it, minified and tree-shaken (only what the worker uses: 12.5 KB gzip,
// where keeping every module's exports made 15.8): every bundled app downloads it as a string, which
// the app's own bundler copies as it is.
import { createRequire } from "node:module";

/** The worker's source, one minified classic script (an IIFE: no import or export left). */
export function bundleWorker(entry) {
  const { buildSync } = createRequire(import.meta.url)("esbuild"); // loaded here: npm installs it first (build.mjs)
  const result = buildSync({
    entryPoints: [entry],
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "es2022",
    minify: true,
    legalComments: "none",
    write: false,
    logLevel: "error",
  });
  return result.outputFiles[0].text;
}
