// The gateway's WebSocket side: accepts upgrades on one path, turns frames into router calls,
// enforces sizes, rates, per-address and send-buffer limits, the hello deadline and liveness, and
// shuts every client down on close().
import { AddressCounter, addressKey } from "./address-limits.js";
import { InboundThrottle } from "./inbound-throttle.js";
import { PingWheel } from "./ping-wheel.js";
import { TokenBucket } from "./token-bucket.js";
import { AlertCode, AlertLevel, MAX_MESSAGE_BYTES, alert, checkFrame } from "./protocol.js";
import { ClientState } from "./router.js";
import { ReadyState, acceptWebSocket, refuseUpgrade } from "./websocket.js";

/** Messages above this close the socket (1009) as their header is read; up to it, oversize messages are only refused. */
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
  [AlertCode.SessionReplaced]: "SessionReplaced",
};

/** One WebSocket, seen by the router as a client (see router.js). */
class SocketClient {
  constructor(ws, server, address) {
    this.ws = ws;
    this.server = server;
    this.router = server.router;
    this.address = address;
    this.state = ClientState.Hello;
    this.peer = null;
    this.alive = true; // answered the last ping
    this.deferred = false; // a hello waits for its turn to have its key checked
    this.timers = [];
    this.closed = new Promise((resolve) => ws.once("close", resolve));
    const { limits } = server;
    this.throttle = new InboundThrottle({
      ratePerSecond: limits.messagesPerSecond,
      burst: limits.messageBurst,
      maxDelayed: limits.maxDelayedMessages,
      deliver: (data, isBinary) => server.receive(this, data, isBinary),
      overflow: () =>
        server.flooded(this, `Too many messages: more than ${limits.maxDelayedMessages} waiting beyond ${limits.messagesPerSecond} per second.`),
      pause: () => ws.pause(),
      resume: () => ws.resume(),
    });
    this.refusals = new TokenBucket({ ratePerSecond: limits.refusedPerSecond, capacity: limits.refusedBurst });
  }

  send(message) {
    const text = JSON.stringify(message);
    const length = Buffer.byteLength(text); // counted once: checked here, framed by sendText
    if (length > MAX_MESSAGE_BYTES) return false;
    if (this.ws.readyState !== ReadyState.Open) return true;
    this.ws.sendText(text, length);
    // A client that does not read its socket makes the gateway hold everything sent to it.
    if (this.ws.bufferedAmount > this.server.limits.maxSendBufferBytes) this.server.overfed(this);
    return true;
  }

  /** One of this client's messages was refused: a client that keeps sending unusable ones is cut off. */
  refused() {
    const { refusedBurst, refusedPerSecond } = this.server.limits;
    if (!this.refusals.take(1)) {
      this.server.flooded(this, `Too many refused messages: more than ${refusedBurst} at once or ${refusedPerSecond} per second.`);
    }
  }

  /** Sends a fatal alert and closes with 4000 + code (1001 for CloseNotify); cut off if the peer stalls. */
  fatal(code, message) {
    if (this.state === ClientState.Closed) return;
    this.router.leave(this);
    this.throttle.stop();
    this.send(alert(AlertLevel.Fatal, code, message));
    this.ws.close(code === AlertCode.CloseNotify ? 1001 : 4000 + code, ALERT_NAMES[code]);
    this.after(CLOSE_GRACE_MS, () => this.ws.terminate());
  }

  /** Runs `work` after `ms` unless the client closed meanwhile; its messages wait until then. */
  defer(ms, work) {
    this.holdUntil(new Promise((resolve) => this.after(ms, resolve)), work);
  }

  /** Runs `work(value)` once `promise` resolves unless the client closed meanwhile (a rejection ends it); its messages wait until then. */
  holdUntil(promise, work) {
    this.deferred = true;
    this.throttle.hold();
    const settle = (run) => {
      this.deferred = false;
      if (this.state === ClientState.Closed) return;
      this.server.guard(this, run);
      this.throttle.release();
    };
    promise.then(
      (value) => settle(() => work(value)),
      (error) => settle(() => {
        throw error;
      }),
    );
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
  /**
   * limits: resolved gateway limits (limits.js); origins: an OriginPolicy; failedHellos: the
   * router's FailedHelloThrottle (swept here with the other periodic work).
   */
  constructor({ router, path, helloTimeoutMs, pingIntervalMs, log, limits, origins, failedHellos }) {
    this.router = router;
    this.path = path;
    this.helloTimeoutMs = helloTimeoutMs;
    this.log = log;
    this.limits = limits;
    this.origins = origins;
    this.failedHellos = failedHellos;
    this.connections = new AddressCounter(limits.maxConnectionsPerAddress);
    this.handshakes = new AddressCounter(limits.maxHandshakesPerAddress); // sockets not yet past their hello
    this.clients = new Set();
    this.closing = null;
    this.pings = new PingWheel({ intervalMs: pingIntervalMs, visit: (client) => this.ping(client) });
    this.sweeper = setInterval(() => this.failedHellos?.sweep(), pingIntervalMs);
    this.sweeper.unref();
    // Often enough that an attempt expires within a quarter of its timeout (at most a second) late.
    const expiryMs = Math.min(1000, Math.max(10, limits.pendingAttemptTimeoutMs / 4));
    this.expirer = setInterval(() => this.expireAttempts(), expiryMs);
    this.expirer.unref();
  }

  /**
   * An http.Server 'upgrade' listener: the gateway path is accepted within the Origin allow-list
   * and the per-address limits (refused with 403 or 429 before any WebSocket exists); any other
   * path is destroyed.
   */
  handleUpgrade(request, socket, head) {
    if (this.closing || pathOf(request.url) !== this.path || socket.destroyed) {
      socket.destroy();
      return;
    }
    if (!this.origins.allows(request.headers.origin)) {
      return refuseUpgrade(socket, 403, "This origin may not use the gateway.");
    }
    const address = addressKey(socket.remoteAddress);
    if (address === null) {
      socket.destroy();
      return;
    }
    if (!this.connections.tryAdd(address)) {
      this.log("debug", `refused a connection from ${address}: ${this.limits.maxConnectionsPerAddress} already open`);
      return refuseUpgrade(socket, 429, "Too many connections from this address.");
    }
    if (!this.handshakes.tryAdd(address)) {
      this.connections.remove(address);
      this.log("debug", `refused a connection from ${address}: ${this.limits.maxHandshakesPerAddress} handshakes under way`);
      return refuseUpgrade(socket, 429, "Too many connections from this address are still saying hello.");
    }
    // Counted from here until the TCP connection is gone, whatever happens to the upgrade.
    const slot = { address, handshaking: true };
    socket.once("close", () => {
      this.connections.remove(address);
      this.endHandshake(slot);
    });
    // At most 16 messages per socket per turn of the event loop (see websocket.js): a socket whose read holds
    // thousands of tiny frames cannot keep every other socket waiting while they are parsed.
    const ws = acceptWebSocket(request, socket, head, { maxPayload: MAX_FRAME_BYTES });
    if (ws) this.accept(ws, slot);
  }

  accept(ws, slot) {
    if (this.closing) {
      ws.close(1001);
      return;
    }
    const client = new SocketClient(ws, this, slot.address);
    client.slot = slot;
    this.clients.add(client);
    this.pings.add(client);
    client.after(this.helloTimeoutMs, () => {
      if (client.state === ClientState.Hello && !client.deferred) {
        client.fatal(AlertCode.UnexpectedMessage, `No hello received within ${this.helloTimeoutMs} ms.`);
      }
    });
    ws.on("pong", () => {
      client.alive = true;
    });
    ws.on("message", (data, isBinary) => client.throttle.push(data, isBinary));
    ws.on("error", (error) => this.log("debug", `websocket error: ${error.message}`));
    ws.on("close", () => {
      client.clearTimers();
      client.throttle.stop();
      this.clients.delete(client);
      this.pings.remove(client);
      this.guard(client, () => this.router.leave(client));
    });
  }

  /** One message the client's throttle let through; true when it is free (see Router.receive). */
  receive(client, data, isBinary) {
    if (client.state === ClientState.Closed) return false;
    let free = false;
    this.guard(client, () => {
      const error = checkFrame(data.length, isBinary);
      if (error) return this.router.refuse(client, error);
      free = this.router.receive(client, data.toString("utf8")) === true;
    });
    return free;
  }

  /** A client sent too many messages (or too many unusable ones): it is flooding, and is cut off. */
  flooded(client, message) {
    if (client.state === ClientState.Closed) return;
    this.log("warn", `cutting off a client from ${client.address}: ${message}`);
    this.guard(client, () => client.fatal(AlertCode.RecordOverflow, message));
  }

  /** A client's unsent data passed the send buffer cap: it is dropped (it reads nothing, so no alert). */
  overfed(client) {
    this.log("warn", `dropping a client from ${client.address} that does not read: over ${this.limits.maxSendBufferBytes} bytes unsent`);
    client.throttle.stop();
    client.ws.terminate(); // frees what it holds; the 'close' event makes the router forget it
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
    if (client.state !== ClientState.Hello) this.endHandshake(client.slot);
  }

  /** Frees the handshake slot of a socket that got past its hello (or is gone); once. */
  endHandshake(slot) {
    if (!slot?.handshaking) return;
    slot.handshaking = false;
    this.handshakes.remove(slot.address);
  }

  expireAttempts() {
    try {
      this.router.expireAttempts();
    } catch (error) {
      this.log("error", `internal error while expiring connection attempts: ${error?.stack ?? error}`);
    }
  }

  /** Drops a client that did not answer its previous ping, else pings it (once per ping interval, see PingWheel). */
  ping(client) {
    if (!client.alive) {
      this.log("debug", "dropping a client that did not answer its ping");
      client.ws.terminate();
      return;
    }
    client.alive = false;
    try {
      client.ws.ping();
    } catch {
      client.ws.terminate();
    }
  }

  /** Tells every client the gateway is shutting down (CloseNotify, 1001) and resolves once all are closed. */
  close() {
    if (this.closing) return this.closing;
    this.router.shuttingDown = true;
    this.pings.stop();
    clearInterval(this.sweeper);
    clearInterval(this.expirer);
    const clients = [...this.clients];
    for (const client of clients) {
      this.guard(client, () => {
        if (client.state === ClientState.Closed) client.after(CLOSE_GRACE_MS, () => client.ws.terminate());
        else client.fatal(AlertCode.CloseNotify, "The gateway is shutting down.");
      });
    }
    this.closing = Promise.all(clients.map((client) => client.closed)).then(() => {});
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
