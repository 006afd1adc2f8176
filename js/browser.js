// The browser entry of the package (the "default" export condition; Node gets js/index.js): the same
// API, with the core's bytes bundled into the JavaScript, so that an app's bundler (webpack, Vite,
// esbuild, ...) builds it with no configuration. Nothing reachable from here imports node:*, a
// Node-only package or import.meta (tests/node/packaging.test.mjs walks the graph).
import "./core/bundled-core.js";

export * from "./api.js";
export { default } from "./api.js";
