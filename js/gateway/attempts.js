// Connection attempts between two connected peers, keyed by (requester, requestId). An attempt is
// "pending" until the target accepts it, then "accepted" (kept so that signaling can still be
// relayed) until either peer disconnects. Rejected and cancelled attempts are removed.

/** Pending attempts one requester may have open at a time. */
export const MAX_PENDING_PER_REQUESTER = 64;
/** Accepted attempts kept per requester; past this the oldest is forgotten (its peers talk directly by then). */
export const MAX_ACCEPTED_PER_REQUESTER = 256;

export const AttemptState = Object.freeze({ Pending: "pending", Accepted: "accepted" });

export class AttemptTable {
  constructor({ maxPending = MAX_PENDING_PER_REQUESTER, maxAccepted = MAX_ACCEPTED_PER_REQUESTER } = {}) {
    this.maxPending = maxPending;
    this.maxAccepted = maxAccepted;
    this.byKey = new Map(); // "requester/requestId" → attempt ("/" is not a requestId character)
    this.byPeer = new Map(); // peerId → Set of attempts it is part of, either side
    this.byRequester = new Map(); // peerId → Set of attempts it opened, oldest first (bounded by the caps)
  }

  /** The attempt `requester` opened as `requestId`, or undefined. */
  get(requester, requestId) {
    return this.byKey.get(key(requester, requestId));
  }

  /** True when `requester` may open one more pending attempt. */
  canOpen(requester) {
    let pending = 0;
    for (const attempt of this.byRequester.get(requester) ?? []) {
      if (attempt.state === AttemptState.Pending) pending++;
    }
    return pending < this.maxPending;
  }

  /** Records a new pending attempt; the caller checked that the key is free. */
  open(requester, requestId, target) {
    const attempt = { requester, requestId, target, state: AttemptState.Pending };
    this.byKey.set(key(requester, requestId), attempt);
    index(this.byRequester, requester).add(attempt);
    index(this.byPeer, requester).add(attempt);
    index(this.byPeer, target).add(attempt);
    return attempt;
  }

  accept(attempt) {
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
    this.byKey.delete(key(attempt.requester, attempt.requestId));
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

function key(requester, requestId) {
  return `${requester}/${requestId}`;
}
