// Petrichor: the public entry point. The Rainway-compatible API (the default export `rainway`,
// its enums and classes) is built on the core loaded by ./core/core.js.
export const version = "0.1.0";
export { createCore } from "./core/core.js";
