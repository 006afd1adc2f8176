// Public types of Petrichor (import from "petrichor", or "@rainway/web" when aliased).
export { createCore, Core, CoreOptions, CoreOutput } from "./js/core/core.js";

/** The SDK version. */
export declare const version: string;
