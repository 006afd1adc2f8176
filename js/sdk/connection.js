// RainwayConnection: a facade over a core gateway-connection handle and its WebSocket. The core
// decides when the gateway link is dead (heartbeat), when to reconnect and when to give up; this
// facade opens and drops WebSockets when it says so and reports it to the app.
import { EventEmitter } from "./events.js";
import { Messages, RainwayError } from "./errors.js";
import { Peer } from "./peer.js";
import { CoreEvents } from "./runtime.js";
import { PeerLink, loadRTCPeerConnection } from "../platform/rtc.js";
import { mediaWorkerFor } from "../platform/media-worker-client.js";
import { rtcConfiguration } from "./ice-servers.js";
import { openGatewaySocket } from "../platform/websocket.js";
import { CoreError } from "../core/core.js";
import { LogLevel } from "./enums.js";
import { messageType, redact } from "./log.js";
import { isAccessToken } from "./access-token.js";

/** Alert codes the core reports in its events (docs/PROTOCOL.md, "Alerts"). */
const ALERT_CLOSE_NOTIFY = 0;
const ALERT_ACCESS_DENIED = 49;
const ALERT_SESSION_REPLACED = 91;

const text = new TextDecoder();
const PEER_ID_LIMIT = 2n ** 63n;
/** Gateway messages logged only at Trace: the heartbeat's, every few seconds. */
const HEARTBEAT_MESSAGES = new Set(["ping", "pong"]);

/** Normalises a peer id argument (bigint, or a number/string holding one) or throws a RainwayError. */
export function toPeerId(value) {
  try {
    const id = typeof value === "bigint" ? value : BigInt(value);
    if (id > 0n && id < PEER_ID_LIMIT) return id;
  } catch {
    // falls through to the error below
  }
  throw new RainwayError(`Invalid peer id ${String(value)}: expected a positive 63-bit integer (bigint).`);
}

export class RainwayConnection extends EventEmitter {
  #runtime;
  #handle;
  #socket;
  #options;
  #peers = new Map(); // id (bigint) -> Peer, once connected
  #attempts = new Map(); // requestId -> {target, resolve, reject}
  #requests = new Map(); // requestId -> PeerConnectionRequest state
  #readyResolvers = null;
  #closed = false;
  #closeReason = null;
  #store;
  #reconnecting = false; // the gateway link was lost and is not back yet
  #lossReason = null; // why the link was lost last (a message of Messages)
  #keepAlive = null; // holds a Node process open while no socket does

  /** @internal Created by rainway.connect. */
  constructor({ runtime, handle, socket, options, log, store }) {
    super();
    this.#runtime = runtime;
    this.#handle = handle;
    this.#socket = socket;
    this.#options = options;
    this.#store = store;
    this.log = log;
    this.id = 0n;
    this.externalId = options.externalId;
    this.resumeToken = undefined;
    this.iceServers = [];
    runtime.register(handle, this);
  }

  /** Petrichor: true between a loss of the gateway link and its return (see the "reconnecting" event). */
  get reconnecting() {
    return this.#reconnecting;
  }

  /** @internal Resolves once the gateway's hello arrived; rejects if the session ends first. */
  whenReady() {
    return new Promise((resolve, reject) => {
      this.#readyResolvers = { resolve, reject };
    });
  }

  /** The peers this connection is connected to (a fresh array each time). */
  get peers() {
    return [...this.#peers.values()];
  }

  /** Asks peer `peerId` to connect; resolves with the Peer once its link is up. */
  connect(peerId) {
    let id;
    try {
      id = toPeerId(peerId);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#closed) return Promise.reject(this.#closedError());
    if (this.#reconnecting) return Promise.reject(new RainwayError(Messages.gatewayReconnecting));
    if (this.#peers.has(id)) return Promise.reject(new RainwayError(Messages.alreadyConnected(id)));
    const timeoutMs = this.#options.connectTimeoutMs;
    const number = this.#runtime.call((core, now) => core.connectionRequest(this.#handle, id, timeoutMs, now));
    if (number < 0) {
      const message =
        number === CoreError.Exists
          ? Messages.alreadyConnected(id)
          : number === CoreError.State
            ? Messages.gatewayClosed
            : `Couldn't request a connection to ${id}: ${this.#runtime.core.errorName(number)}`;
      return Promise.reject(new RainwayError(message));
    }
    this.log(LogLevel.Debug, () => `asking peer ${id} to connect (request ${number})`);
    return new Promise((resolve, reject) => {
      const attempt = { target: id, resolve, reject, timeoutMs, spare: null };
      this.#attempts.set(String(number), attempt);
      this.#prepareConnection(String(number), attempt);
    });
  }

  /**
   * Makes the attempt's RTCPeerConnection while the request travels (creating one is the slowest
   * step of setting up, some 5 ms in @roamhq/wrtc), so that it is ready when the peer accepts. It is
   * closed if the attempt fails.
   */
  async #prepareConnection(requestId, attempt) {
    try {
      const RTCPeerConnectionImpl = await loadRTCPeerConnection();
      if (this.#attempts.get(requestId) !== attempt) return; // answered, failed or closed meanwhile
      attempt.spare = new RTCPeerConnectionImpl(rtcConfiguration(this.#options.ice, this.iceServers));
    } catch {
      // No WebRTC, or no TURN server for a relay-only policy: the peer's start says so when it comes.
    }
  }

  /** Closes an attempt's prepared RTCPeerConnection, if it has one. */
  #dropSpare(attempt) {
    attempt.spare?.close();
    attempt.spare = null;
  }

  /** Withdraws a pending connect(peerId); its promise rejects with "The connection attempt was canceled." */
  cancelConnectionAttempt(peerId) {
    const id = toPeerId(peerId);
    if (this.#closed) return;
    this.log(LogLevel.Debug, () => `withdrawing the request to peer ${id}`);
    this.#runtime.call((core) => core.connectionCancel(this.#handle, id));
  }

  /** Closes every peer and the gateway connection. */
  close() {
    for (const peer of this.peers) peer.close();
    if (this.#closed) return;
    this.#closeReason = Messages.gatewayClosed;
    const socket = this.#socket;
    this.#socket = null; // its close event is ours, not a loss
    socket?.close(3000, "closed by the app");
    this.#runtime.call((core) => core.connectionClose(this.#handle, CoreError.Closed));
  }

  /** @internal Sets the heartbeat and reconnection policy (before the gateway's hello). */
  configure(liveness) {
    const status = this.#runtime.call((core, now) => core.connectionConfigure(this.#handle, liveness, now));
    if (status < 0) throw new RainwayError(`Couldn't configure the gateway connection: ${this.#runtime.core.errorName(status)}`);
  }

  /** @internal `socket` closed under us (gateway gone, network lost, or it never opened). */
  socketClosed({ code }, socket = this.#socket) {
    if (this.#closed || socket !== this.#socket) return; // a socket this connection already dropped
    this.log(LogLevel.Debug, () => `the WebSocket closed (code ${code})`);
    this.#socket = null;
    if (!this.#reconnecting) this.#lossReason = code === 1001 || code === 1000 ? Messages.gatewayClosed : Messages.gatewayLost;
    this.#runtime.call((core, now) => core.connectionSocketClosed(this.#handle, now));
  }

  /** @internal A message from the gateway on `socket`. */
  socketMessage(message, socket = this.#socket) {
    if (this.#closed || socket !== this.#socket) return; // in flight when we closed or dropped that socket
    if (message === null) {
      this.log(2, "the gateway sent a binary frame; ignored");
      return;
    }
    this.#logMessage("received", message);
    const status = this.#runtime.call((core, now) => core.connectionReceive(this.#handle, message, now));
    if (status < 0) this.log(2, () => `gateway message "${messageType(message)}" refused (${this.#runtime.core.errorName(status)}): ${redact(message).slice(0, 200)}`);
  }

  /** @internal Core → socket. */
  onSend(transport, bytes) {
    const message = text.decode(bytes);
    this.#logMessage("sent", message);
    this.#socket.send(message);
  }

  /** A gateway message for the log: its type at Debug, the whole of it less its secrets at Trace. */
  #logMessage(direction, message) {
    if (!this.log.enabled(LogLevel.Debug)) return;
    if (this.log.enabled(LogLevel.Trace)) this.log(LogLevel.Trace, `${direction} ${redact(message)}`);
    else if (!HEARTBEAT_MESSAGES.has(messageType(message))) this.log(LogLevel.Debug, `${direction} "${messageType(message)}"`);
  }

  /** @internal Core → facade. */
  onEvent(code, payload, handle) {
    switch (code) {
      case CoreEvents.ConnectionReady:
        this.#onReady(payload);
        break;
      case CoreEvents.ConnectionClosed:
        this.#onClosed(payload);
        break;
      case CoreEvents.ConnectionLost:
        this.#onLost(payload);
        break;
      case CoreEvents.ConnectionReconnect:
        this.#reopen(payload.attempt);
        break;
      case CoreEvents.ConnectionToken:
        this.#newToken(payload.resumeToken);
        break;
      case CoreEvents.ConnectionIceServers:
        this.iceServers = payload.iceServers; // fresh TURN credentials, for the peers created from now on
        break;
      case CoreEvents.PeerRequest:
        this.#onPeerRequest(payload);
        break;
      case CoreEvents.RequestFailed:
        this.#onRequestFailed(payload);
        break;
      case CoreEvents.RequestCancelled:
        this.log(LogLevel.Debug, () => `request ${payload.requestId} was withdrawn or ran out of time`);
        this.#requests.get(payload.requestId)?.cancel();
        break;
      case CoreEvents.PeerCreated:
        this.#onPeerCreated(handle, payload);
        break;
      case CoreEvents.GatewayAlert:
        this.log(2, `gateway alert ${payload.code}: ${payload.message}`);
        break;
      default:
        this.log(4, `unhandled core event ${code}`);
    }
  }

  #closedError() {
    return new RainwayError(this.#closeReason ?? Messages.gatewayClosed);
  }

  #onReady({ peerId, resumeToken, iceServers }) {
    const previousId = this.id;
    this.id = BigInt(peerId);
    this.iceServers = iceServers ?? [];
    this.log(LogLevel.Debug, () => `hello: peer id ${this.id}, ${this.iceServers.length} ICE server(s)${resumeToken ? ", a resume token" : ""}`);
    if (this.#readyResolvers) {
      this.resumeToken = resumeToken;
      this.#readyResolvers.resolve(this);
      this.#readyResolvers = null;
      return;
    }
    // Back after a loss: the same id when the gateway honoured the resume token.
    this.#reconnecting = false;
    this.#lossReason = null;
    this.#holdProcess(false);
    if (this.id === previousId) this.log(3, `reconnected to the gateway as peer ${this.id}`);
    else this.log(2, `reconnected to the gateway as peer ${this.id} (was ${previousId}: the gateway did not honour the resume token)`);
    this.#newToken(resumeToken);
    this.emit("reconnected", this.id, previousId);
  }

  #newToken(resumeToken) {
    if (!resumeToken || resumeToken === this.resumeToken) return;
    this.resumeToken = resumeToken;
    try {
      this.#store?.save(resumeToken);
    } catch (error) {
      this.log(2, `the resume token could not be stored: ${error?.message ?? error}`);
    }
    this.emit("resume-token", resumeToken);
  }

  /** The core declared the gateway link lost (or a reconnection attempt failed); it retries after delayMs. */
  #onLost({ code, alertCode, attempt, delayMs }) {
    const socket = this.#socket;
    this.#socket = null;
    socket?.close(4000, "link lost"); // a half-open socket would never report its end
    if (!this.#reconnecting) {
      // Why the link went (the socket's close code was noted by socketClosed); attempts that fail keep it.
      if (alertCode === ALERT_CLOSE_NOTIFY) this.#lossReason = Messages.gatewayClosed;
      else if (alertCode !== undefined) this.#lossReason = Messages.gatewayFatal;
      else if (code === CoreError.Timeout) this.#lossReason = Messages.gatewayLost; // the heartbeat
    }
    this.#reconnecting = true;
    this.#holdProcess(true);
    const reason = this.#lossReason ?? Messages.gatewayLost;
    this.log(attempt === 1 ? 2 : 3, `${reason} Reconnection attempt ${attempt} in ${Math.round(delayMs)} ms.`);
    this.emit("reconnecting", new RainwayError(reason), attempt, delayMs);
  }

  /** Opens a new WebSocket for reconnection attempt `attempt` and reports how it went to the core. */
  async #reopen(attempt) {
    let socket = null;
    const slot = { close() {} };
    this.log(LogLevel.Debug, () => `reconnection attempt ${attempt}: opening a WebSocket`);
    this.#socket = slot; // stands for the socket until it exists, so that a loss meanwhile drops it
    const handlers = {
      onOpen: () => {
        if (this.#socket !== socket) return;
        this.#runtime.call((core, now) => core.connectionSocketOpen(this.#handle, now));
      },
      onMessage: (message) => this.socketMessage(message, socket),
      onClose: (event) => this.socketClosed(event, socket ?? slot),
    };
    try {
      socket = await openGatewaySocket(this.#options.gatewayUrl, handlers);
    } catch (error) {
      this.log(2, `reconnection attempt ${attempt}: the WebSocket could not be created: ${error?.message ?? error}`);
      this.socketClosed({ code: 1006 }, slot);
      return;
    }
    if (this.#socket === slot) this.#socket = socket;
    else socket.close(4000, "no longer wanted"); // lost, closed or given up meanwhile
  }

  /** Keeps a Node process alive while the connection waits to reconnect with no socket open. */
  #holdProcess(hold) {
    if (!hold) {
      clearInterval(this.#keepAlive);
      this.#keepAlive = null;
    } else {
      this.#keepAlive ??= setInterval(() => {}, 60_000);
    }
  }

  #onClosed(payload) {
    this.#closed = true;
    for (const attempt of this.#attempts.values()) this.#dropSpare(attempt);
    this.#holdProcess(false);
    this.#runtime.unregister(this.#handle);
    this.#socket?.close(3000, "closed");
    this.#socket = null;
    if (payload.alertCode === ALERT_ACCESS_DENIED) {
      // A key's refusal keeps 0.5's words; a token's says which rule it broke (expired, another externalId…).
      this.#closeReason = isAccessToken(this.#options.apiKey) && payload.message ? payload.message : Messages.invalidKey;
    } else if (payload.alertCode === ALERT_SESSION_REPLACED) this.#closeReason = Messages.sessionReplaced;
    else if (payload.alertCode === ALERT_CLOSE_NOTIFY) this.#closeReason ??= Messages.gatewayClosed;
    else if (payload.alertCode !== undefined) this.#closeReason = Messages.gatewayFatal;
    else if (payload.code === CoreError.Timeout && this.#readyResolvers) this.#closeReason = "The Rainway gateway did not answer in time.";
    else this.#closeReason ??= this.#lossReason ?? Messages.gatewayLost;
    const error = this.#closedError();
    this.log(LogLevel.Info, () => `the gateway connection is closed: ${error.message.replace(/^Rainway SDK Error: /, "")}`);
    for (const request of this.#requests.values()) request.cancel();
    if (this.#readyResolvers) {
      this.#readyResolvers.reject(error);
      this.#readyResolvers = null;
      return; // never announced to the app, so no "close" event
    }
    this.emit("close", error);
  }

  #onRequestFailed({ requestId, code, message }) {
    const attempt = this.#attempts.get(requestId);
    if (!attempt) return;
    this.#attempts.delete(requestId);
    this.#dropSpare(attempt);
    this.log(LogLevel.Debug, () => `the request to peer ${attempt.target} failed (${this.#runtime.core.errorName(code)})`);
    const reasons = {
      [CoreError.Rejected]: () => Messages.rejected(attempt.target, message),
      [CoreError.Unreachable]: () => Messages.targetOffline,
      [CoreError.Cancelled]: () => Messages.canceled,
      [CoreError.Timeout]: () => Messages.timedOut(`The connection attempt to ${attempt.target}`, attempt.timeoutMs),
    };
    attempt.reject(new RainwayError(reasons[code]?.() ?? this.#closeReason ?? Messages.gatewayLost));
  }

  #onPeerRequest({ requestId, source, sourceExternalId }) {
    this.log(LogLevel.Debug, () => `peer ${source} (external id "${sourceExternalId}") asks to connect (request ${requestId})`);
    const connection = this;
    let settled = false;
    let cancelled = false;
    const state = {
      cancel: () => {
        cancelled = true;
        this.#requests.delete(requestId);
      },
    };
    this.#requests.set(requestId, state);
    const request = {
      id: BigInt(source),
      externalId: sourceExternalId,
      accept() {
        return connection.#acceptRequest(requestId, request.id, () => {
          if (cancelled) throw new RainwayError(Messages.canceled);
          if (settled) throw new RainwayError(`The request from ${request.id} was already answered.`);
          settled = true;
        });
      },
      reject(reason = "") {
        if (typeof reason !== "string") throw new RainwayError("reject(reason) takes a string reason.");
        if (connection.#closed) throw connection.#closedError();
        if (cancelled) throw new RainwayError(Messages.canceled);
        if (settled) throw new RainwayError(`The request from ${request.id} was already answered.`);
        settled = true;
        connection.#requests.delete(requestId);
        connection.log(LogLevel.Debug, () => `rejecting the request of peer ${request.id}`);
        const status = connection.#runtime.call((core) => core.connectionReject(connection.#handle, requestId, reason));
        if (status < 0) throw new RainwayError(`Couldn't reject the request: ${connection.#runtime.core.errorName(status)}`);
      },
    };
    this.emit("peer-request", request);
  }

  #acceptRequest(requestId, id, markSettled) {
    if (this.#closed) return Promise.reject(this.#closedError());
    try {
      markSettled();
    } catch (error) {
      return Promise.reject(error);
    }
    this.#requests.delete(requestId);
    this.log(LogLevel.Debug, () => `accepting the request of peer ${id}`);
    const timeoutMs = this.#options.connectTimeoutMs;
    return new Promise((resolve, reject) => {
      // The core reports the new peer (PeerCreated) during this call; it picks up the resolvers here.
      this.#attempts.set(requestId, { target: id, resolve, reject, timeoutMs, incoming: true });
      const handle = this.#runtime.call((core, now) => core.connectionAccept(this.#handle, requestId, timeoutMs, now));
      if (handle < 0) {
        this.#attempts.delete(requestId);
        reject(new RainwayError(handle === CoreError.Exists ? Messages.alreadyConnected(id) : `Couldn't accept the request from ${id}: ${this.#runtime.core.errorName(handle)}`));
      }
    });
  }

  async #onPeerCreated(handle, { requestId, remoteId, remoteExternalId, offerer }) {
    const attempt = this.#attempts.get(requestId);
    this.#attempts.delete(requestId);
    const spare = attempt?.spare ?? null;
    if (attempt) attempt.spare = null;
    const peer = new Peer({
      runtime: this.#runtime,
      handle,
      connection: this,
      id: BigInt(remoteId),
      externalId: remoteExternalId,
      ready: attempt ?? { resolve() {}, reject() {}, timeoutMs: this.#options.connectTimeoutMs },
      log: this.log,
    });
    this.#runtime.call((core) => core.peerSetDisconnectedTimeout(handle, this.#options.disconnectedTimeoutMs));
    try {
      const RTCPeerConnectionImpl = await loadRTCPeerConnection();
      const mediaWorker = this.#options.mediaWorker === false ? null : await mediaWorkerFor(this.#runtime, this.log);
      if (peer.disconnected) {
        spare?.close();
        return;
      }
      const link = new PeerLink(RTCPeerConnectionImpl, {
        ...rtcConfiguration(this.#options.ice, this.iceServers),
        peerConnection: spare,
        offerer,
        mediaWorker,
        onSignal: (kind, data) => peer.reportSignal(kind, data),
        onRtcState: (state) => peer.reportRtcState(state),
        onControlOpen: (open) => peer.reportControlOpen(open),
        onError: (error) => peer.reportError(error),
        onRemoteChannel: (channelLink) => peer.acceptRemoteChannel(channelLink),
        onControlMessage: (text) => peer.reportControlMessage(text),
        onMedia: (kind, packet) => peer.reportMedia(kind, packet),
        onInput: (message) => peer.reportInput(message),
      });
      peer.attachLink(link);
    } catch (error) {
      spare?.close();
      attempt?.reject(error); // connect()/accept() fail with the reason (in Node without @roamhq/wrtc: a RainwayError naming it)
      peer.reportError(error);
    }
  }

  /** @internal */
  _addPeer(peer) {
    this.#peers.set(peer.id, peer);
  }

  /** @internal */
  _removePeer(peer) {
    if (this.#peers.get(peer.id) === peer) this.#peers.delete(peer.id);
  }
}
