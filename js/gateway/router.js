// The gateway's routing rules, independent of sockets: the hello, then connect / accept / reject /
// cancel / signal between peers of one organisation, and the clean-up when a peer leaves.
//
// A client is any object with:
//   state   "hello" (waiting for its hello), "ready" or "closed"
//   peer    its registry entry once ready
//   version the protocol version negotiated in its hello (set here)
//   send(message) → boolean   false when the message is too large to send (a closing socket just drops it)
//   fatal(code, message)      sends a fatal alert and closes; must call router.leave(client)
//   address                   the key its remote address is counted under (see address-limits.js)
//   defer(ms, work)           runs work after ms unless the client closed, handling none of its
//                             messages meanwhile
//   holdUntil(promise, work)  the same, once promise settles: work(value), or the failure ends the client
//   refused()                 one of its messages was refused (a warning was sent); it may end
//                             the client (too many)
import { randomBytes } from "node:crypto";
import {
  AlertCode,
  AlertLevel,
  HEARTBEAT_VERSION,
  MAX_VERSION,
  MIN_VERSION,
  PEER_MESSAGE_TYPES,
  alert,
  decodeMessage,
  negotiateVersion,
  validateHello,
  validatePeerMessage,
  validatePing,
} from "./protocol.js";
import { AccessTokenRefusal, checkAccessToken, isAccessToken } from "./access-tokens.js";
import { AttemptState, AttemptTable, OpenRefusal } from "./attempts.js";
import { PeerRegistry } from "./peers.js";
import { ResumeTokens } from "./resume-tokens.js";

export const ClientState = Object.freeze({ Hello: "hello", Ready: "ready", Closed: "closed" });

export const NOT_CONNECTED = "The target peer is not connected.";
const INVALID_KEY = "The Rainway API key is invalid.";
const TOO_MANY_FAILED_HELLOS = "Too many hellos with an invalid API key or access token from this address; try again later.";
const EXPIRED = "The connection request expired unanswered.";
export const REPLACED = "Another connection took over this peer id with its resume token.";
export const TOO_MANY_PENDING = {
  [OpenRefusal.RequesterFull]: "Too many pending connection attempts.",
  [OpenRefusal.TargetFull]: "Too many pending connection attempts to this peer.",
};

export class Router {
  constructor({
    keyring,
    iceServers = [],
    registry = new PeerRegistry(),
    tokens = new ResumeTokens({ secret: randomBytes(32) }),
    attempts = new AttemptTable(),
    failedHellos = null,
    turn = null,
    log = () => {},
  }) {
    this.keyring = keyring;
    this.iceServers = iceServers;
    this.registry = registry;
    this.tokens = tokens;
    this.attempts = attempts;
    this.failedHellos = failedHellos; // a FailedHelloThrottle, or null for none
    this.turn = turn; // TurnCredentials (turn.js), or null when no TURN server is configured
    this.log = log;
    // While the gateway shuts down every client is told so; nobody is told about the others leaving.
    this.shuttingDown = false;
  }

  /**
   * Handles one text message from `client` (already within the size limit). Returns true when it
   * answered (accepted or rejected) a connection request made to the client: others' requests
   * cause those, so the client is not charged for them.
   */
  receive(client, text) {
    if (client.state === ClientState.Closed) return;
    const decoded = decodeMessage(text);
    if (decoded.error) return this.refuse(client, decoded.error);
    const message = decoded.message;
    if (client.state === ClientState.Hello) {
      if (message.type !== "hello") {
        return client.fatal(AlertCode.UnexpectedMessage, `Expected a hello, got "${clip(message.type)}".`);
      }
      return this.hello(client, message);
    }
    if (message.type === "hello") {
      return this.warn(client, AlertCode.UnexpectedMessage, "The hello was already exchanged.");
    }
    if (message.type === "ping" && client.version >= HEARTBEAT_VERSION) return this.ping(client, message);
    if (!PEER_MESSAGE_TYPES.includes(message.type)) {
      return this.warn(client, AlertCode.UnexpectedMessage, `Unknown message type "${clip(message.type)}".`);
    }
    const validated = validatePeerMessage(message);
    if (validated.error) return this.refuse(client, validated.error);
    const valid = validated.message;
    switch (valid.type) {
      case "connect":
        return this.connect(client, valid);
      case "accept":
        return this.accept(client, valid) === true;
      case "reject":
        return this.reject(client, valid) === true;
      case "cancel":
        return this.cancel(client, valid);
      case "signal":
        return this.signal(client, valid);
    }
  }

  /** A message that cannot be used: a warning once the hello is done, fatal before it. */
  refuse(client, error) {
    if (client.state === ClientState.Closed) return;
    if (client.state === ClientState.Hello) return client.fatal(error.code, error.message);
    this.warn(client, error.code, error.message, error);
  }

  /** Refuses one of the client's own messages with a warning. */
  warn(client, code, message, about) {
    client.send(alert(AlertLevel.Warning, code, message, about));
    client.refused();
  }

  hello(client, message) {
    const validated = validateHello(message);
    if (validated.error) return client.fatal(validated.error.code, validated.error.message);
    const hello = validated.message;
    const version = negotiateVersion(hello.minVersion, hello.version);
    if (version === null) {
      return client.fatal(
        AlertCode.ProtocolVersion,
        `No protocol version in common: the gateway speaks ${MIN_VERSION} to ${MAX_VERSION}, the client ${hello.minVersion} to ${hello.version}.`,
      );
    }
    const wait = this.failedHellos ? this.failedHellos.reserve(client.address) : 0;
    if (wait === null) return client.fatal(AlertCode.AccessDenied, TOO_MANY_FAILED_HELLOS);
    if (wait > 0) return client.defer(wait, () => this.admit(client, hello, version));
    this.admit(client, hello, version);
  }

  /** The key check, once the client's address may have one, and the answering hello. */
  admit(client, hello, version) {
    const { org, refusal } = this.authenticate(hello);
    if (refusal) {
      this.failedHellos?.failed(client.address);
      return client.fatal(AlertCode.AccessDenied, refusal);
    }
    const claim = this.tokens.verify(org, hello.resumeToken);
    const holder = claim ? this.registry.get(claim) : undefined;
    if (holder && hello.takeOver && holder.org === org) {
      // The token's owner is back on a new socket while its old session looks alive (half-open, or
      // not yet noticed gone): the old session ends and the id moves to the new one.
      this.log("debug", `peer ${claim} taken over by a new connection`);
      holder.client.fatal(AlertCode.SessionReplaced, REPLACED);
    }
    this.register(client, { org, externalId: hello.externalId, claim, takeOver: hello.takeOver }, version);
  }

  /** The organisation the hello's API key or access token admits it to: {org}, or {refusal} (the alert's message). */
  authenticate({ apiKey, externalId, resumeToken }) {
    const org = this.keyring.organisationOf(apiKey);
    if (org !== null) return { org };
    if (!isAccessToken(apiKey)) return { refusal: INVALID_KEY };
    const checked = checkAccessToken(apiKey, externalId, (keyId) => this.keyring.accessTokenKey(keyId), Date.now());
    if (checked.refusal || !checked.expired) return checked;
    // The expiry bounds when a token may start a session, not how long the session lasts: the SDK
    // reconnects with the token it was given, so a hello that resumes a session of the token's
    // organisation (its resume token is the session's credential) is let in after the expiry too.
    if (this.tokens.verify(checked.org, resumeToken)) return { org: checked.org };
    return { refusal: AccessTokenRefusal.Expired };
  }

  /** Gives the client its peer id (the claimed one when it is free, else a fresh one), then welcome(). */
  register(client, { org, externalId, claim }, version) {
    this.welcome(client, this.registry.admit({ org, externalId, claim, client }), version);
  }

  /** The client is `peer` from now on: the answering hello. */
  welcome(client, peer, version) {
    Object.assign(peer, this.issueToken(peer));
    client.peer = peer;
    client.version = version;
    client.state = ClientState.Ready;
    this.log("debug", `peer ${peer.peerId} joined (${peer.resumed ? "resumed" : "new id"})`);
    client.send({
      type: "hello",
      version,
      peerId: peer.peerId,
      resumeToken: peer.resumeToken,
      iceServers: this.iceServersFor(client),
    });
  }

  issueToken(peer) {
    const { token, expiresAt } = this.tokens.issue(peer.org, peer.peerId);
    return { resumeToken: token, tokenExpiresAt: expiresAt };
  }

  /** The configured ICE servers, then the TURN server with fresh credentials for this client (expiry kept on the client). */
  iceServersFor(client) {
    if (!this.turn) return this.iceServers;
    const { iceServer, expiresAt } = this.turn.issue(client.peer.peerId);
    client.turnExpiresAt = expiresAt;
    return [...this.iceServers, iceServer];
  }

  /**
   * The heartbeat (version 2): a pong with the ping's id, and a fresh resume token and fresh TURN
   * credentials (the whole ICE server list) when each is due.
   */
  ping(client, message) {
    const validated = validatePing(message);
    if (validated.error) return this.refuse(client, validated.error);
    const pong = { type: "pong", id: validated.message.id };
    const peer = client.peer;
    if (this.tokens.due(peer.tokenExpiresAt)) {
      Object.assign(peer, this.issueToken(peer));
      pong.resumeToken = peer.resumeToken;
    }
    if (this.turn?.due(client.turnExpiresAt)) pong.iceServers = this.iceServersFor(client);
    client.send(pong);
  }

  connect(client, { requestId, target }) {
    const about = { requestId, target };
    const source = client.peer;
    if (this.attempts.get(source.peerId, requestId)) {
      return this.warn(client, AlertCode.UnexpectedMessage, `requestId "${requestId}" is already in use.`, about);
    }
    const peer = this.reachable(source, target);
    if (!peer || peer === source) return this.warn(client, AlertCode.PeerGoneAway, NOT_CONNECTED, about);
    const refusal = this.attempts.canOpen(source.peerId, target);
    if (refusal) return this.warn(client, AlertCode.PeerGoneAway, TOO_MANY_PENDING[refusal], about);
    this.attempts.open(source.peerId, requestId, target);
    this.deliver(client, peer, about, {
      type: "request",
      requestId,
      source: source.peerId,
      sourceExternalId: source.externalId,
    });
  }

  accept(client, message) {
    const attempt = this.pendingFrom(client, message);
    if (!attempt) return;
    this.attempts.accept(attempt);
    this.deliverToOther(client, message, {
      type: "accept",
      requestId: message.requestId,
      source: client.peer.peerId,
      sourceExternalId: client.peer.externalId,
    });
    return true;
  }

  reject(client, message) {
    const attempt = this.pendingFrom(client, message);
    if (!attempt) return;
    this.attempts.remove(attempt);
    this.deliverToOther(client, message, {
      type: "reject",
      requestId: message.requestId,
      source: client.peer.peerId,
      sourceExternalId: client.peer.externalId,
      reason: message.reason,
    });
    return true;
  }

  cancel(client, message) {
    const { requestId, target } = message;
    const attempt = this.attempts.get(client.peer.peerId, requestId);
    if (!attempt || attempt.target !== target || attempt.state !== AttemptState.Pending) {
      return this.warn(client, AlertCode.UnexpectedMessage, `No pending connection attempt "${requestId}" to ${target}.`, message);
    }
    this.attempts.remove(attempt);
    this.deliverToOther(client, message, { type: "cancel", requestId, source: client.peer.peerId });
  }

  signal(client, message) {
    const { requestId, target, kind, data } = message;
    const self = client.peer.peerId;
    const mine = this.attempts.get(self, requestId);
    const theirs = this.attempts.get(target, requestId);
    const linked = (mine && mine.target === target) || (theirs && theirs.target === self);
    if (!linked) {
      return this.warn(client, AlertCode.UnexpectedMessage, `No connection attempt "${requestId}" with ${target}.`, message);
    }
    this.deliverToOther(client, message, { type: "signal", requestId, source: self, kind, data });
  }

  /** The attempt `message.target` opened as `message.requestId` towards this client, if still pending. */
  pendingFrom(client, { type, requestId, target }) {
    const attempt = this.attempts.get(target, requestId);
    if (attempt && attempt.target === client.peer.peerId && attempt.state === AttemptState.Pending) return attempt;
    this.warn(client, AlertCode.UnexpectedMessage, `No pending connection request "${requestId}" from ${target} to ${type}.`, {
      requestId,
      target,
    });
    return undefined;
  }

  /** The connected peer `target` when `source` may reach it (same organisation), else undefined. */
  reachable(source, target) {
    const peer = this.registry.get(target);
    return peer && peer.org === source.org ? peer : undefined;
  }

  /** Delivers to the other peer of an existing attempt; it is connected unless something raced. */
  deliverToOther(client, { requestId, target }, message) {
    const peer = this.reachable(client.peer, target);
    if (!peer) return this.warn(client, AlertCode.PeerGoneAway, NOT_CONNECTED, { requestId, target });
    this.deliver(client, peer, { requestId, target }, message);
  }

  deliver(client, peer, about, message) {
    if (!peer.client.send(message)) {
      this.warn(client, AlertCode.RecordOverflow, "The message could not be delivered: it would exceed 65,536 bytes.", about);
    }
  }

  /** Ends pending attempts past their timeout: the requester gets PeerGoneAway, the target a cancel. */
  expireAttempts() {
    for (const attempt of this.attempts.expire()) {
      const { requester, requestId, target } = attempt;
      this.registry.get(target)?.client.send({ type: "cancel", requestId, source: requester });
      this.registry.get(requester)?.client.send(alert(AlertLevel.Warning, AlertCode.PeerGoneAway, EXPIRED, { requestId, target }));
    }
  }

  /** The client's session ended (closed, dropped or refused). Tells the other side of its pending attempts. */
  leave(client) {
    const peer = client.peer;
    client.state = ClientState.Closed;
    if (!peer) return;
    client.peer = null;
    this.registry.release(peer);
    for (const attempt of this.attempts.removePeer(peer.peerId)) this.ended(attempt, peer);
    this.log("debug", `peer ${peer.peerId} left`);
  }

  /** `peer` left: the other side of its pending `attempt` is told (unless every client is being closed anyway). */
  ended(attempt, peer) {
    if (this.shuttingDown || attempt.state !== AttemptState.Pending) return;
    const requestId = attempt.requestId;
    if (attempt.requester === peer.peerId) {
      this.registry.get(attempt.target)?.client.send({ type: "cancel", requestId, source: peer.peerId });
    } else {
      this.registry
        .get(attempt.requester)
        ?.client.send(alert(AlertLevel.Warning, AlertCode.PeerGoneAway, NOT_CONNECTED, { requestId, target: peer.peerId }));
    }
  }
}

/** Echoes a client-chosen string into an alert message without letting it grow the alert. */
function clip(text) {
  return JSON.stringify(text.length > 64 ? text.slice(0, 64) + "…" : text).slice(1, -1);
}
