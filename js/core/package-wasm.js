// Makes the package's files, found beside this module, what the SDK loads by default: the core's
// .wasm (fetched in browsers, read from disk in Node) and, in browsers, the media worker's module
// (js/platform/media-worker.js, a module worker). Imported by js/index.js only: a bundled app gets
// both from the JavaScript instead (js/core/bundled-core.js), so its bundler never copies a file.
import { setDefaultCoreSource } from "./wasm.js";
import { setMediaWorkerSource } from "../platform/media-worker-client.js";

setDefaultCoreSource({ url: new URL("../../dist/petrichor.wasm", import.meta.url) });
setMediaWorkerSource({ url: new URL("../platform/media-worker.js", import.meta.url) });
