// The gateway's WebSocket side: accepts upgrades on one path, turns frames into router calls,
// enforces sizes, the hello deadline and liveness, and shuts every client down on close().
import { WebSocket, WebSocketServer } from "ws";
import { AlertCode, AlertLevel, MAX_MESSAGE_BYTES, alert, checkFrame } from "./protocol.js";
import { ClientState } from "./router.js";

/** Frames above this close the socket (1009) inside ws; up to it, oversize messages are only refused. */
export const MAX_FRAME_BYTES = 1024 * 1024;
/** How long a closing client may take to answer the close handshake before it is cut off. */
export const CLOSE_GRACE_MS = 1000;

const ALERT_NAMES = {
  [AlertCode.CloseNotify]: "CloseNotify",
  [AlertCode.UnexpectedMessage]: "UnexpectedMessage",
  [AlertCode.RecordOverflow]: "RecordOverflow",
  [AlertCode.AccessDenied]: "AccessDenied",
  [AlertCode.DecodeError]: "DecodeError",
  [AlertCode.ProtocolVersion]: "ProtocolVersion",
  [AlertCode.InternalError]: "InternalError",
  [AlertCode.PeerGoneAway]: "PeerGoneAway",
};

/** One WebSocket, seen by the router as a client (see router.js). */
class SocketClient {
  constructor(ws, router) {
    this.ws = ws;
    this.router = router;
    this.state = ClientState.Hello;
    this.peer = null;
    this.alive = true; // answered the last ping
    this.timers = [];
    this.closed = new Promise((resolve) => ws.once("close", resolve));
  }

  send(message) {
    const text = JSON.stringify(message);
    if (Buffer.byteLength(text) > MAX_MESSAGE_BYTES) return false;
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(text);
    return true;
  }

  /** Sends a fatal alert and closes with 4000 + code (1001 for CloseNotify); cut off if the peer stalls. */
  fatal(code, message) {
    if (this.state === ClientState.Closed) return;
    this.router.leave(this);
    this.send(alert(AlertLevel.Fatal, code, message));
    this.ws.close(code === AlertCode.CloseNotify ? 1001 : 4000 + code, ALERT_NAMES[code]);
    this.after(CLOSE_GRACE_MS, () => this.ws.terminate());
  }

  after(ms, callback) {
    const timer = setTimeout(callback, ms);
    timer.unref();
    this.timers.push(timer);
  }

  clearTimers() {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
  }
}

export class GatewaySocketServer {
  constructor({ router, path, helloTimeoutMs, pingIntervalMs, log }) {
    this.router = router;
    this.path = path;
    this.helloTimeoutMs = helloTimeoutMs;
    this.log = log;
    this.clients = new Set();
    this.closing = null;
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: MAX_FRAME_BYTES,
      perMessageDeflate: false,
    });
    this.pinger = setInterval(() => this.pingAll(), pingIntervalMs);
    this.pinger.unref();
  }

  /** An http.Server 'upgrade' listener: the gateway path is accepted, any other is destroyed. */
  handleUpgrade(request, socket, head) {
    if (this.closing || pathOf(request.url) !== this.path) {
      socket.destroy();
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws));
  }

  accept(ws) {
    if (this.closing) {
      ws.close(1001);
      return;
    }
    const client = new SocketClient(ws, this.router);
    this.clients.add(client);
    client.after(this.helloTimeoutMs, () => {
      if (client.state === ClientState.Hello) {
        client.fatal(AlertCode.UnexpectedMessage, `No hello received within ${this.helloTimeoutMs} ms.`);
      }
    });
    ws.on("pong", () => {
      client.alive = true;
    });
    ws.on("message", (data, isBinary) => this.receive(client, data, isBinary));
    ws.on("error", (error) => this.log("debug", `websocket error: ${error.message}`));
    ws.on("close", () => {
      client.clearTimers();
      this.clients.delete(client);
      this.guard(client, () => this.router.leave(client));
    });
  }

  receive(client, data, isBinary) {
    if (client.state === ClientState.Closed) return;
    this.guard(client, () => {
      const error = checkFrame(data.length, isBinary);
      if (error) return this.router.refuse(client, error);
      this.router.receive(client, data.toString("utf8"));
    });
  }

  /** Runs router work for one client; a failure ends that client only (InternalError), never the gateway. */
  guard(client, work) {
    try {
      work();
    } catch (error) {
      this.log("error", `internal error while serving a client: ${error?.stack ?? error}`);
      try {
        if (client.state === ClientState.Closed) client.ws.terminate();
        else client.fatal(AlertCode.InternalError, "The gateway failed.");
      } catch {
        client.ws.terminate();
      }
    }
  }

  /** Drops clients that did not answer the previous ping, pings the rest, and forgets stale resume tokens. */
  pingAll() {
    for (const client of this.clients) {
      if (!client.alive) {
        this.log("debug", "dropping a client that did not answer its ping");
        client.ws.terminate();
        continue;
      }
      client.alive = false;
      try {
        client.ws.ping();
      } catch {
        client.ws.terminate();
      }
    }
    this.router.registry.sweep();
  }

  /** Tells every client the gateway is shutting down (CloseNotify, 1001) and resolves once all are closed. */
  close() {
    if (this.closing) return this.closing;
    this.router.shuttingDown = true;
    clearInterval(this.pinger);
    const clients = [...this.clients];
    for (const client of clients) {
      this.guard(client, () => {
        if (client.state === ClientState.Closed) client.after(CLOSE_GRACE_MS, () => client.ws.terminate());
        else client.fatal(AlertCode.CloseNotify, "The gateway is shutting down.");
      });
    }
    this.closing = Promise.all(clients.map((client) => client.closed)).then(() => this.wss.close());
    return this.closing;
  }
}

function pathOf(url) {
  try {
    return new URL(url, "http://gateway.invalid").pathname;
  } catch {
    return null;
  }
}
