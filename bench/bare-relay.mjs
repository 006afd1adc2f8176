// The benches' baseline signaling server: a bare `ws` relay that answers a hello with an id and
// forwards each other message to the socket named in its "target", as "source", checking nothing.
import { createServer } from "node:http";
import { WebSocketServer } from "ws";

/** Starts the relay on a loopback port; resolves to {url, apiKey, close()}. */
export async function startBareRelay() {
  const server = createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false, clientTracking: false });
  const sockets = new Map(); // id → ws
  let nextId = 1;
  wss.on("connection", (ws) => {
    const id = String(nextId++);
    sockets.set(id, ws);
    ws.on("close", () => sockets.delete(id));
    ws.on("message", (data) => {
      const message = JSON.parse(data.toString("utf8"));
      if (message.type === "hello") {
        ws.send(JSON.stringify({ type: "hello", version: 2, peerId: id }));
        return;
      }
      const target = sockets.get(message.target);
      if (!target) return;
      const forwarded = { ...message, source: id };
      delete forwarded.target;
      target.send(JSON.stringify(forwarded));
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const close = () =>
    new Promise((resolve) => {
      for (const ws of sockets.values()) ws.terminate();
      wss.close();
      server.close(() => resolve());
    });
  return { url: `ws://127.0.0.1:${server.address().port}/gateway`, apiKey: "none", close };
}
