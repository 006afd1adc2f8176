// What only Node needs, loaded lazily and only under the "node" condition of the package's
// "#platform/node" import (package.json "imports"): bundlers building for browsers resolve that import
// to ./unavailable.js instead, so nothing here (node:*, ws, @roamhq/wrtc) reaches a browser app.
import { RainwayError } from "../sdk/errors.js";

/** The package's core, dist/petrichor.wasm (for createCore() when no entry point set a source). */
export function packageWasmUrl() {
  return new URL("../../dist/petrichor.wasm", import.meta.url);
}

/** Reads a file: URL (fetch() in Node does not read files). */
export async function readLocalFile(url) {
  const { readFile } = await import("node:fs/promises");
  return readFile(url);
}

/** The `ws` package's WebSocket, for Node versions without a global one (before 22). */
export async function loadWebSocket() {
  try {
    return (await import("ws")).default;
  } catch (error) {
    throw new RainwayError("No WebSocket in this Node version: install the package ws, or use Node 22 or newer.", { cause: error });
  }
}

/** @roamhq/wrtc's RTCPeerConnection: Node has none of its own. */
export async function loadRTCPeerConnection() {
  try {
    return (await import("@roamhq/wrtc")).default.RTCPeerConnection;
  } catch (error) {
    throw new RainwayError(
      "WebRTC is not available in Node without the package @roamhq/wrtc: install it next to Petrichor (npm install @roamhq/wrtc).",
      { cause: error },
    );
  }
}
