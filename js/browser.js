// The browser entry of the package (the "default" export condition; Node gets js/index.js): the same
// API, with the core's bytes bundled into the JavaScript, so that an app's bundler (webpack, Vite,
// esbuild, ...) builds it with no configuration. Nothing reachable from here imports node:* or a
// Node-only package (tests/node/packaging.test.mjs walks the graph).
import "./core/bundled-core.js";

export * from "./index.js";
export { default } from "./index.js";
