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
    this.byKey = new Map(); // "requester/requestId" → attempt ("/" is not a requestId character)
    this.byPeer = new Map(); // peerId → Set of attempts it is part of, either side
    this.byRequester = new Map(); // peerId → Set of attempts it opened, oldest first (bounded by the caps)
    this.pendingFrom = new Map(); // requester → number of its pending attempts
    this.pendingTo = new Map(); // target → number of pending attempts towards it
    this.pending = new Set(); // pending attempts, oldest first: the order in which they expire
  }

  /** The attempt `requester` opened as `requestId`, or undefined. */
  get(requester, requestId) {
    return this.byKey.get(key(requester, requestId));
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
    this.byKey.set(key(requester, requestId), attempt);
    index(this.byRequester, requester).add(attempt);
    index(this.byPeer, requester).add(attempt);
    index(this.byPeer, target).add(attempt);
    this.countPending(attempt, 1);
    return attempt;
  }

  accept(attempt) {
    this.countPending(attempt, -1);
    attempt.state = AttemptState.Accepted;
    // Move it to the end of the requester's set so that eviction takes the oldest acceptance.
    const opened = index(this.byRequester, attempt.requester);
    opened.delete(attempt);
    opened.add(attempt);
    let accepted = 0;
    for (const other of opened) if (other.state === AttemptState.Accepted) accepted++;
    for (const other of opened) {
      if (accepted <= this.maxAccepted) break;
      if (other.state === AttemptState.Accepted) {
        this.remove(other);
        accepted--;
      }
    }
  }

  remove(attempt) {
    const k = key(attempt.requester, attempt.requestId);
    if (this.byKey.get(k) !== attempt) return; // already removed (its key may even be in use again)
    this.byKey.delete(k);
    this.countPending(attempt, -1);
    unindex(this.byRequester, attempt.requester, attempt);
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
  [Symbol.iterator]() {
    return this.byKey.values();
  }

  get size() {
    return this.byKey.size;
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

function key(requester, requestId) {
  return `${requester}/${requestId}`;
}
