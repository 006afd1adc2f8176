// The peer registry: which peers are connected, by peer id. Peer ids are random 63-bit numbers, kept
// as decimal strings. Resume tokens are signed (resume-tokens.js), so nothing is kept for peers that
// left: a token names its id itself.
import { randomBytes } from "node:crypto";

const PEER_ID_MASK = 2n ** 63n - 1n;

/** A random peer id: 1 … 2^63−1 as a decimal string. */
export function randomPeerId(random = randomBytes) {
  for (;;) {
    const id = random(8).readBigUInt64BE() & PEER_ID_MASK;
    if (id !== 0n) return id.toString();
  }
}

export class PeerRegistry {
  constructor() {
    this.connected = new Map(); // peerId → {peerId, org, externalId, client, resumed}
  }

  /**
   * Registers a peer that said hello: with the id `claim` (from a valid resume token) when that id
   * is not connected, else with a fresh id. Returns the peer: {peerId, org, externalId, client, resumed}.
   */
  admit({ org, externalId, claim, client }) {
    const resumed = Boolean(claim) && !this.connected.has(claim);
    const peer = { peerId: resumed ? claim : this.freshPeerId(), org, externalId, client, resumed };
    this.connected.set(peer.peerId, peer);
    return peer;
  }

  /** Registers a peer whose id was chosen elsewhere (claimed across gateway processes). */
  add(peer) {
    this.connected.set(peer.peerId, peer);
  }

  /** The connected peer with this id, or undefined. */
  get(peerId) {
    return this.connected.get(peerId);
  }

  /** Marks a peer disconnected. */
  release(peer) {
    if (this.connected.get(peer.peerId) === peer) this.connected.delete(peer.peerId);
  }

  freshPeerId() {
    for (;;) {
      const id = randomPeerId();
      if (!this.connected.has(id)) return id;
    }
  }
}
