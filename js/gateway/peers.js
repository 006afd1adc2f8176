// The peer registry: which peers are connected (by peer id), and the resume tokens that let a peer
// come back with the id it had. Peer ids are random 63-bit numbers, kept as decimal strings.
import { randomBytes } from "node:crypto";

const PEER_ID_MASK = 2n ** 63n - 1n;
/** How long a disconnected peer's id stays resumable. */
export const RESUME_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;
/**
 * Most resumable (disconnected) tokens kept per organisation; the organisation's oldest are
 * forgotten first. Counted per organisation so that one organisation's churn never costs another's
 * peers their ids.
 */
export const MAX_RESUMABLE_TOKENS = 100_000;

/** A random peer id: 1 … 2^63−1 as a decimal string. */
export function randomPeerId(random = randomBytes) {
  for (;;) {
    const id = random(8).readBigUInt64BE() & PEER_ID_MASK;
    if (id !== 0n) return id.toString();
  }
}

/** 32 random base64url characters. */
export function randomResumeToken(random = randomBytes) {
  return random(24).toString("base64url");
}

export class PeerRegistry {
  constructor({ now = Date.now, tokenTtlMs = RESUME_TOKEN_TTL_MS, maxResumable = MAX_RESUMABLE_TOKENS } = {}) {
    this.now = now;
    this.tokenTtlMs = tokenTtlMs;
    this.maxResumable = maxResumable;
    this.connected = new Map(); // peerId → {peerId, org, externalId, client}
    this.tokens = new Map(); // resumeToken → {org, peerId}
    this.tokenOf = new Map(); // peerId → resumeToken, for every id a token holds (connected or resumable)
    this.resumable = new Map(); // org → Map resumeToken → time its peer disconnected, oldest first
  }

  /**
   * Registers a peer that said hello. A token of the same organisation whose id is not connected
   * gives that id back; anything else gets a fresh id and a fresh token.
   * Returns the peer: {peerId, resumeToken, org, externalId, client, resumed}.
   */
  admit({ org, externalId, resumeToken, client }) {
    const held = resumeToken ? this.tokens.get(resumeToken) : undefined;
    let peerId;
    let token;
    if (held && held.org === org && !this.connected.has(held.peerId)) {
      peerId = held.peerId;
      token = resumeToken;
      this.unlist(org, token);
    } else {
      peerId = this.freshPeerId();
      token = this.freshToken();
      this.tokens.set(token, { org, peerId });
      this.tokenOf.set(peerId, token);
    }
    const peer = { peerId, resumeToken: token, org, externalId, client, resumed: token === resumeToken };
    this.connected.set(peerId, peer);
    return peer;
  }

  /** The connected peer with this id, or undefined. */
  get(peerId) {
    return this.connected.get(peerId);
  }

  /** Marks a peer disconnected; its token stays resumable for a while. */
  release(peer) {
    if (this.connected.get(peer.peerId) !== peer) return;
    this.connected.delete(peer.peerId);
    let listed = this.resumable.get(peer.org);
    if (!listed) this.resumable.set(peer.org, (listed = new Map()));
    listed.set(peer.resumeToken, this.now());
    while (listed.size > this.maxResumable) this.forget(listed.keys().next().value);
  }

  /** Forgets tokens whose peers have been gone longer than the TTL. */
  sweep() {
    const oldest = this.now() - this.tokenTtlMs;
    for (const listed of [...this.resumable.values()]) {
      for (const [token, releasedAt] of listed) {
        if (releasedAt > oldest) break;
        this.forget(token);
      }
    }
  }

  forget(token) {
    const held = this.tokens.get(token);
    if (!held) return;
    this.unlist(held.org, token);
    this.tokens.delete(token);
    this.tokenOf.delete(held.peerId);
  }

  /** Takes a token off its organisation's resumable list. */
  unlist(org, token) {
    const listed = this.resumable.get(org);
    if (!listed) return;
    listed.delete(token);
    if (listed.size === 0) this.resumable.delete(org);
  }

  freshPeerId() {
    for (;;) {
      const id = randomPeerId();
      if (!this.connected.has(id) && !this.tokenOf.has(id)) return id;
    }
  }

  freshToken() {
    for (;;) {
      const token = randomResumeToken();
      if (!this.tokens.has(token)) return token;
    }
  }
}
