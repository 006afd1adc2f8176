// The router of a gateway that is one of several behind Redis (docs/ARCHITECTURE.md, "Several
// gateways"). Peers of other processes are reached through the RedisCluster; the rules stay those of
// router.js, and each process keeps the attempts its own peers are part of, so that both processes of
// an attempt check every message against their own state:
//   - the requester's process checks the requestId and the requester's pending cap, the target's
//     process the target's organisation and its pending cap (it sees every request to its peers);
//   - a process delivers to its peer only what fits an attempt it knows (a request creates one), and
//     stamps the source itself: the receiving process trusts the sending process, never a client;
//   - when a peer leaves, the processes of its attempts' other sides are told; when a process dies
//     (it vanishes from the live processes) or the link to Redis is lost, every attempt with a peer
//     of that process (or of any other process) ends as if that peer had left.
import { createHash } from "node:crypto";
import { AttemptState, OpenRefusal } from "./attempts.js";
import { AlertCode, AlertLevel, MAX_MESSAGE_BYTES, alert } from "./protocol.js";
import { ClientState, NOT_CONNECTED, REPLACED, Router, TOO_MANY_PENDING } from "./router.js";

const UNREACHABLE = "The target peer cannot be reached: this gateway has lost its link to the other gateways.";
const OVERSIZE = "The message could not be delivered: it would exceed 65,536 bytes.";
/** Fresh ids tried before a hello fails (a collision of random 63-bit ids is already unheard of). */
const FRESH_ID_TRIES = 4;

export class ClusterRouter extends Router {
  /** options: those of Router, and `cluster`, a RedisCluster whose handlers call this router's. */
  constructor({ cluster, ...options }) {
    super(options);
    this.cluster = cluster;
    this.claiming = new Set(); // peer ids with a claim under way here
    this.orgDigests = new Map(); // organisation → its digest in Redis (one per keyring organisation)
  }

  /** The organisation's name as Redis sees it: a digest, so that no name needs escaping. */
  digestOf(org) {
    let digest = this.orgDigests.get(org);
    if (!digest) this.orgDigests.set(org, (digest = createHash("sha256").update(org).digest("base64url")));
    return digest;
  }

  /** The id is claimed in Redis (atomically, for the whole cluster) before the hello is answered. */
  register(client, { org, externalId, claim, takeOver }, version) {
    const orgDigest = this.digestOf(org);
    // A session of this process holding the id keeps it (unless taken over, which ended it already).
    const wanted = claim && !this.registry.get(claim) && !this.claiming.has(claim) ? claim : null;
    const claimed = this.claimPeerId(orgDigest, wanted, takeOver).then((result) => {
      this.claiming.delete(result.peerId);
      if (client.state === ClientState.Closed) this.cluster.release(result.peerId);
      return result;
    });
    client.holdUntil(claimed, ({ peerId, resumed }) => {
      const peer = { peerId, org, orgDigest, externalId, client, resumed };
      this.registry.add(peer);
      this.welcome(client, peer, version);
    });
  }

  async claimPeerId(orgDigest, wanted, takeOver) {
    if (wanted) {
      this.claiming.add(wanted);
      if (await this.cluster.claim(wanted, orgDigest, takeOver ? "takeover" : "resume")) return { peerId: wanted, resumed: true };
      this.claiming.delete(wanted);
    }
    for (let i = 0; i < FRESH_ID_TRIES; i++) {
      const peerId = this.registry.freshPeerId();
      if (this.claiming.has(peerId)) continue;
      this.claiming.add(peerId);
      if (await this.cluster.claim(peerId, orgDigest, "new")) return { peerId, resumed: false };
      this.claiming.delete(peerId);
    }
    throw new Error("no free peer id found");
  }

  leave(client) {
    const peer = client.peer;
    super.leave(client);
    if (peer) this.cluster.release(peer.peerId);
  }

  connect(client, message) {
    if (!this.cluster.attached && !this.registry.get(message.target) && !this.attempts.get(client.peer.peerId, message.requestId)) {
      return this.warn(client, AlertCode.PeerGoneAway, UNREACHABLE, message);
    }
    super.connect(client, message);
  }

  /** A peer of this process, or else one that may be on another: the process holding it checks. */
  reachable(source, target) {
    const local = this.registry.get(target);
    if (local || !this.cluster.attached || target === source.peerId) return local && local.org === source.org ? local : undefined;
    return { peerId: target, org: source.org, orgDigest: source.orgDigest, remote: true };
  }

  deliver(client, peer, about, message) {
    if (!peer.remote) return super.deliver(client, peer, about, message);
    const text = JSON.stringify(message);
    if (Buffer.byteLength(text) > MAX_MESSAGE_BYTES) return this.warn(client, AlertCode.RecordOverflow, OVERSIZE, about);
    const source = client.peer;
    this.cluster.deliver(peer.orgDigest, peer.peerId, text).then(
      (process) => {
        const attempt = this.attemptBetween(source.peerId, peer.peerId, about.requestId);
        if (process) {
          if (attempt) attempt.process = process;
        } else {
          this.undelivered(client, source, attempt, message, about, NOT_CONNECTED);
        }
      },
      (error) => {
        this.log("debug", `a message to peer ${peer.peerId} was not sent: ${error.message}`);
        this.undelivered(client, source, this.attemptBetween(source.peerId, peer.peerId, about.requestId), message, about, UNREACHABLE);
      },
    );
  }

  /** Nobody received a message of `source` (still the client's peer?): a request's attempt ends; the sender is warned. */
  undelivered(client, source, attempt, message, about, why) {
    if (client.state !== ClientState.Ready || client.peer !== source) return;
    if (message.type === "request" && attempt?.state === AttemptState.Pending) this.attempts.remove(attempt);
    this.warn(client, AlertCode.PeerGoneAway, why, about);
  }

  /** The attempt `requestId` between a peer of this process and another peer, whichever opened it. */
  attemptBetween(local, other, requestId) {
    const mine = this.attempts.get(local, requestId);
    if (mine?.target === other) return mine;
    const theirs = this.attempts.get(other, requestId);
    return theirs?.target === local ? theirs : undefined;
  }

  /** `peer` left: a peer of another process on the other side of `attempt` hears it from its own process. */
  ended(attempt, peer) {
    const other = attempt.requester === peer.peerId ? attempt.target : attempt.requester;
    if (this.registry.get(other)) return super.ended(attempt, peer);
    const { requester, requestId } = attempt;
    let notice;
    if (attempt.state !== AttemptState.Pending) notice = { type: "forget", requester, requestId };
    else if (requester === peer.peerId) notice = { type: "cancel", requestId, source: requester };
    else notice = alert(AlertLevel.Warning, AlertCode.PeerGoneAway, NOT_CONNECTED, { requestId, target: peer.peerId });
    this.cluster.deliver(peer.orgDigest, other, JSON.stringify(notice)).catch(() => {});
  }

  /**
   * An envelope from another process for peer `to`: applied to this process's attempts, and
   * delivered when it fits one. Replies go back the same way.
   */
  arrive({ from, org, to, message }) {
    const peer = this.registry.get(to);
    const here = peer && peer.orgDigest === org ? peer : undefined;
    const { requestId } = message;
    switch (message.type) {
      case "replace":
        if (here) here.client.fatal(AlertCode.SessionReplaced, REPLACED);
        return;
      case "request": {
        const { source } = message;
        if (this.attempts.get(source, requestId)) return; // a duplicate
        const about = { requestId, target: to };
        let refusal = null;
        if (!here) refusal = NOT_CONNECTED;
        else if (this.attempts.pendingTowards(to) >= this.attempts.maxPendingPerTarget) refusal = TOO_MANY_PENDING[OpenRefusal.TargetFull];
        if (refusal) return this.reply(org, source, alert(AlertLevel.Warning, AlertCode.PeerGoneAway, refusal, about));
        this.attempts.open(source, requestId, to).process = from;
        return here.client.send(message);
      }
      case "accept":
      case "reject": {
        const attempt = this.attempts.get(to, requestId);
        if (!here || attempt?.target !== message.source || attempt.state !== AttemptState.Pending) {
          // The requester cancelled, or it expired here, while the target answered: the target is told.
          if (message.type === "accept" && !attempt) this.reply(org, message.source, { type: "cancel", requestId, source: to });
          return;
        }
        if (message.type === "accept") this.attempts.accept(attempt);
        else this.attempts.remove(attempt);
        return here.client.send(message);
      }
      case "cancel": {
        const attempt = this.attempts.get(message.source, requestId);
        if (attempt?.target !== to) return;
        this.attempts.remove(attempt);
        // Accepted here only when the target answered while the requester cancelled: it is told too.
        if (here) here.client.send(message);
        return;
      }
      case "signal":
        if (here && this.attemptBetween(to, message.source, requestId)) here.client.send(message);
        return;
      case "alert": {
        // The target's process refused the request, or the target left: the attempt ends.
        const attempt = this.attempts.get(to, requestId);
        if (attempt?.target !== message.target) return;
        this.attempts.remove(attempt);
        if (here && attempt.state === AttemptState.Pending) here.client.send(message);
        return;
      }
      case "forget": {
        const attempt = this.attempts.get(message.requester, requestId);
        if (attempt && (attempt.requester === to || attempt.target === to)) this.attempts.remove(attempt);
        return;
      }
    }
  }

  reply(org, to, message) {
    this.cluster.deliver(org, to, JSON.stringify(message)).catch(() => {});
  }

  /** After a heartbeat: attempts with a peer of a process that is no longer alive end. */
  processesAlive(live) {
    this.endRemoteAttempts((attempt) => attempt.process !== undefined && !live.has(attempt.process), NOT_CONNECTED);
  }

  /** The link to Redis is lost: every attempt with a peer of another process ends. */
  detached() {
    this.endRemoteAttempts((attempt) => !this.registry.get(attempt.requester) || !this.registry.get(attempt.target), UNREACHABLE);
  }

  /** The link is back: this process's peers are claimed again (a peer whose id another process holds now ends). */
  async attached() {
    const peers = [...this.registry.connected.values()];
    await Promise.all(
      peers.map(async (peer) => {
        if (await this.cluster.claim(peer.peerId, peer.orgDigest, "resume")) return;
        if (this.registry.get(peer.peerId) === peer) peer.client.fatal(AlertCode.SessionReplaced, REPLACED);
      }),
    );
    await this.cluster.releaseAllBut((peerId) => this.registry.get(peerId) !== undefined || this.claiming.has(peerId));
  }

  /** Ends the attempts `gone(attempt)` picks, telling this process's peer as if the other had left. */
  endRemoteAttempts(gone, why) {
    const ending = [];
    for (const attempt of this.attempts) if (gone(attempt)) ending.push(attempt);
    for (const attempt of ending) {
      this.attempts.remove(attempt);
      if (attempt.state !== AttemptState.Pending) continue;
      const { requester, requestId, target } = attempt;
      const local = this.registry.get(requester);
      if (local) local.client.send(alert(AlertLevel.Warning, AlertCode.PeerGoneAway, why, { requestId, target }));
      else this.registry.get(target)?.client.send({ type: "cancel", requestId, source: requester });
    }
  }
}
