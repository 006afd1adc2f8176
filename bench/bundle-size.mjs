// What a browser app downloads for Petrichor, against Epic's Pixel Streaming frontend library (the
// baseline): each bundled by esbuild (minified, ES module, every import followed) from an entry that
// imports the library's main export, then compressed with gzip -9 as a server would send it.
// Petrichor's bundle carries its wasm core (in LZMA, base64) and its media worker's code as strings
// (js/browser.js); the rows split the total into those and the rest of the SDK's JavaScript.
// esbuild and the baseline come from the npm registry, installed once into the test cache.
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { install, run } from "../tests/helpers/packages.mjs";
import { ROOT } from "../tests/helpers/paths.mjs";

const ESBUILD = "esbuild@0.28.2"; // as the bundler tests (tests/helpers/react-app.mjs)
export const BASELINE = "@epicgames-ps/lib-pixelstreamingfrontend-ue5.5@1.3.0";

const gzipBytes = (bytes) => gzipSync(bytes, { level: 9 }).length;

/** Bundles `source` (an entry module's text, its imports resolved from `dir`) with esbuild; returns the bundle's bytes. */
function bundle(esbuild, dir, source) {
  const args = ["--bundle", "--minify", "--format=esm", "--platform=browser", "--log-level=error"];
  return Buffer.from(run(join(esbuild, "node_modules/.bin/esbuild"), args, { cwd: dir, input: source }));
}

/**
 * {petrichor: {total, wasm, worker, sdk, minifiedBytes}, baseline: {name, total, minifiedBytes}}: gzip -9
 * bytes of each minified bundle. Petrichor's wasm and worker are their embedded strings gzipped on
 * their own (a bundler copies a string as it is); sdk is the rest of the total.
 */
export async function measureBundleSize() {
  const esbuild = install("esbuild", [ESBUILD]);
  const baseline = install("pixel-streaming", [BASELINE]);
  const petrichor = bundle(esbuild, ROOT, `import rainway from "./js/browser.js";\nexport default rainway;\n`);
  const embedded = async (file) => Buffer.from((await import(pathToFileURL(join(ROOT, file)))).default);
  const total = gzipBytes(petrichor);
  const wasm = gzipBytes(await embedded("dist/petrichor-wasm.js"));
  const worker = gzipBytes(await embedded("dist/petrichor-media-worker.js"));
  const name = BASELINE.slice(0, BASELINE.lastIndexOf("@"));
  const pixelStreaming = bundle(esbuild, baseline, `export * from "${name}";\n`);
  return {
    petrichor: { total, wasm, worker, sdk: total - wasm - worker, minifiedBytes: petrichor.length },
    baseline: { name: BASELINE, total: gzipBytes(pixelStreaming), minifiedBytes: pixelStreaming.length },
  };
}

if (process.argv[1] === new URL(import.meta.url).pathname) console.log(JSON.stringify(await measureBundleSize(), null, 1));
