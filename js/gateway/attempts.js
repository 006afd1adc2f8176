// Connection attempts between two connected peers, keyed by (requester, requestId). An attempt is
// "pending" until the target accepts it, then "accepted" (kept so that signaling can still be
// relayed) until either peer disconnects. Rejected, cancelled and expired attempts are removed.
//
// Pending attempts are bounded per requester and per target, and expire: a peer that never
// answers cannot hold its own slots, or anybody's, for longer than the timeout.

/** Pending attempts one requester may have open at a time. */
export const MAX_PENDING_PER_REQUESTER = 64;
/** Pending attempts towards one target at a time, from all requesters together. */
export const MAX_PENDING_PER_TARGET = 256;
/** A pending attempt neither accepted, rejected nor cancelled within this time expires. */
export const PENDING_TIMEOUT_MS = 90_000;
/** Accepted attempts kept per requester; past this the oldest is forgotten (its peers talk directly by then). */
export const MAX_ACCEPTED_PER_REQUESTER = 256;

export const AttemptState = Object.freeze({ Pending: "pending", Accepted: "accepted" });

/** Why canOpen() refused. */
export const OpenRefusal = Object.freeze({ RequesterFull: "requester", TargetFull: "target" });

export class AttemptTable {
  constructor({
    maxPending = MAX_PENDING_PER_REQUESTER,
    maxPendingPerTarget = MAX_PENDING_PER_TARGET,
    pendingTimeoutMs = PENDING_TIMEOUT_MS,
    maxAccepted = MAX_ACCEPTED_PER_REQUESTER,
    now = () => performance.now(),
  } = {}) {
    this.maxPending = maxPending;
    this.maxPendingPerTarget = maxPendingPerTarget;
    this.pendingTimeoutMs = pendingTimeoutMs;
    this.maxAccepted = maxAccepted;
    this.now = now;
    // requester → Map of requestId → attempt, oldest first (bounded by the caps). Two lookups by the
    // strings as they arrived: a joined key would be a new string to hash for every relayed signal.
    this.byRequester = new Map();
    this.byPeer = new Map(); // peerId → Set of attempts it is part of, either side
    this.count = 0;
    this.pendingFrom = new Map(); // requester → number of its pending attempts
    this.pendingTo = new Map(); // target → number of pending attempts towards it
    this.pending = new Set(); // pending attempts, oldest first: the order in which they expire
  }

  /** The attempt `requester` opened as `requestId`, or undefined. */
  get(requester, requestId) {
    return this.byRequester.get(requester)?.get(requestId);
  }

  /** Null when `requester` may open one more pending attempt towards `target`, else an OpenRefusal. */
  canOpen(requester, target) {
    if ((this.pendingFrom.get(requester) ?? 0) >= this.maxPending) return OpenRefusal.RequesterFull;
    if (this.pendingTowards(target) >= this.maxPendingPerTarget) return OpenRefusal.TargetFull;
    return null;
  }

  /** Records a new pending attempt; the caller checked that the key is free and canOpen(). */
  open(requester, requestId, target) {
    const attempt = { requester, requestId, target, state: AttemptState.Pending, openedAt: this.now() };
    let opened = this.byRequester.get(requester);
    if (!opened) this.byRequester.set(requester, (opened = new Map()));
    opened.set(requestId, attempt);
    this.count++;
    index(this.byPeer, requester).add(attempt);
    index(this.byPeer, target).add(attempt);
    this.countPending(attempt, 1);
    return attempt;
  }

  accept(attempt) {
    this.countPending(attempt, -1);
    attempt.state = AttemptState.Accepted;
    // Move it to the end of the requester's map so that eviction takes the oldest acceptance.
    const opened = this.byRequester.get(attempt.requester);
    opened.delete(attempt.requestId);
    opened.set(attempt.requestId, attempt);
    let accepted = 0;
    for (const other of opened.values()) if (other.state === AttemptState.Accepted) accepted++;
    for (const other of opened.values()) {
      if (accepted <= this.maxAccepted) break;
      if (other.state === AttemptState.Accepted) {
        this.remove(other);
        accepted--;
      }
    }
  }

  remove(attempt) {
    const opened = this.byRequester.get(attempt.requester);
    if (opened?.get(attempt.requestId) !== attempt) return; // already removed (its key may even be in use again)
    opened.delete(attempt.requestId);
    if (opened.size === 0) this.byRequester.delete(attempt.requester);
    this.count--;
    this.countPending(attempt, -1);
    unindex(this.byPeer, attempt.requester, attempt);
    unindex(this.byPeer, attempt.target, attempt);
  }

  /** Removes every attempt `peerId` is part of and returns them. */
  removePeer(peerId) {
    const attempts = [...(this.byPeer.get(peerId) ?? [])];
    for (const attempt of attempts) this.remove(attempt);
    return attempts;
  }

  /** Removes the pending attempts older than the timeout and returns them. */
  expire() {
    const oldest = this.now() - this.pendingTimeoutMs;
    const expired = [];
    for (const attempt of this.pending) {
      if (attempt.openedAt > oldest) break; // opened in order, all with the same timeout
      expired.push(attempt);
    }
    for (const attempt of expired) this.remove(attempt);
    return expired;
  }

  /** Keeps the pending counts and the expiry order; `delta` is +1 when it opens, −1 when it stops being pending. */
  countPending(attempt, delta) {
    if (attempt.state !== AttemptState.Pending) return;
    if (delta > 0) this.pending.add(attempt);
    else if (!this.pending.delete(attempt)) return;
    adjust(this.pendingFrom, attempt.requester, delta);
    adjust(this.pendingTo, attempt.target, delta);
  }

  /** Pending attempts towards `target`. */
  pendingTowards(target) {
    return this.pendingTo.get(target) ?? 0;
  }

  /** Every attempt. */
  *[Symbol.iterator]() {
    for (const opened of this.byRequester.values()) yield* opened.values();
  }

  get size() {
    return this.count;
  }
}

function index(map, peerId) {
  let set = map.get(peerId);
  if (!set) map.set(peerId, (set = new Set()));
  return set;
}

function unindex(map, peerId, attempt) {
  const set = map.get(peerId);
  if (!set) return;
  set.delete(attempt);
  if (set.size === 0) map.delete(peerId);
}

function adjust(counts, peerId, delta) {
  const count = (counts.get(peerId) ?? 0) + delta;
  if (count > 0) counts.set(peerId, count);
  else counts.delete(peerId);
}
