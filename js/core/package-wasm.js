// Makes the package's .wasm file, found beside this module, the core that createCore() loads by
// default (fetched in browsers, read from disk in Node). Imported by js/index.js only: a bundled app
// gets the bytes from js/core/bundled-core.js instead, so its bundler never copies the file.
import { setDefaultCoreSource } from "./wasm.js";

setDefaultCoreSource({ url: new URL("../../dist/petrichor.wasm", import.meta.url) });
