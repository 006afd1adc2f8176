// The "#platform/node" import everywhere but Node (package.json "imports"): the same functions as
// ./node.js, each failing with a RainwayError. They run only where the browser lacks the API itself.
import { RainwayError } from "../sdk/errors.js";

export function packageWasmUrl() {
  throw new RainwayError("No Petrichor core: import the package's entry (petrichor, or @rainway/web), or pass createCore() the core's url or bytes.");
}

export async function readLocalFile(url) {
  throw new RainwayError(`Cannot read ${url}: this environment has no file access; serve the file over http(s).`);
}

export async function loadWebSocket() {
  throw new RainwayError("WebSocket is not available in this environment.");
}

export async function loadRTCPeerConnection() {
  throw new RainwayError("WebRTC (RTCPeerConnection) is not available in this environment.");
}
