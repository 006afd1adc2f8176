// Petrichor's public API, shaped like @rainway/web 0.5, shared by the package's two entry points:
// js/index.js (Node, and js/ served as it is) and js/browser.js (bundled browser apps), which differ
// only in where the core's bytes come from. The default export is the SDK object; enums are numeric and reverse-mapped; classes are exported too (the original exported
// only their types, so exporting the values as well stays compatible).
import { RainwaySDK } from "./sdk/rainway.js";

const rainway = new RainwaySDK();
export default rainway;

export * from "./sdk/enums.js";
export { RainwayError } from "./sdk/errors.js";
export { EventEmitter } from "./sdk/events.js";
export { RainwayConnection } from "./sdk/connection.js";
export { Peer } from "./sdk/peer.js";
export { DataChannel } from "./sdk/data-channel.js";
export { InboundStream, OutboundStream } from "./sdk/streams.js";
export { HeldKeys } from "./sdk/held-keys.js";
export { RainwaySDK };
export const version = rainway.version;
export { createCore } from "./core/core.js";
