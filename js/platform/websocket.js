// The gateway socket: the platform's WebSocket (browsers, Node >= 22), else in Node the `ws` package
// (through "#platform/node": see ./node.js).
let implementation;

async function loadWebSocket() {
  implementation ??= globalThis.WebSocket ?? (await (await import("#platform/node")).loadWebSocket());
  return implementation;
}

/**
 * Opens a WebSocket and calls back on open, text message, and close ({code, reason, wasOpen}).
 * Returns {send(text), close(code, reason)}; close() is safe to call in any state.
 */
export async function openGatewaySocket(url, { onOpen, onMessage, onClose }) {
  const WebSocketImpl = await loadWebSocket();
  const socket = new WebSocketImpl(url);
  let opened = false;
  let closed = false;
  const finish = (code, reason) => {
    if (closed) return;
    closed = true;
    onClose({ code, reason, wasOpen: opened });
  };
  socket.onopen = () => {
    opened = true;
    onOpen();
  };
  socket.onmessage = (event) => {
    if (typeof event.data === "string") onMessage(event.data);
    else onMessage(null); // binary frames are not part of the protocol
  };
  socket.onerror = () => {}; // always followed by close, which carries the outcome
  socket.onclose = (event) => finish(event.code, event.reason);
  return {
    send(text) {
      if (socket.readyState === 1) socket.send(text);
    },
    close(code = 1000, reason = "") {
      if (socket.readyState === 0 || socket.readyState === 1) socket.close(code, reason);
      finish(code, reason);
    },
  };
}
