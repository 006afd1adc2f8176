// The package's entry for Node (the "node" export condition) and for js/ served to a browser as it
// is: the core is the .wasm file of the package (dist/petrichor.wasm), read or fetched on first use.
// Bundled browser apps get js/browser.js, with the same API.
import "./core/package-wasm.js";

export * from "./api.js";
export { default } from "./api.js";
