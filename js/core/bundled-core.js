// Makes the core's bytes part of the JavaScript: bundlers (webpack, Vite, esbuild, ...) then need no
// rule for .wasm files and no URL rewriting. Imported by the browser entries (js/browser.js,
// js/core/browser.js); dist/petrichor-wasm.js is written from dist/petrichor.wasm by the build.
import base64 from "../../dist/petrichor-wasm.js";
import { setDefaultCoreSource } from "./wasm.js";

setDefaultCoreSource({ bytes: () => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)) });
