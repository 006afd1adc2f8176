// "petrichor/core" for bundled browser apps: the core's bytes come with the JavaScript.
import "./bundled-core.js";

export * from "./core.js";
