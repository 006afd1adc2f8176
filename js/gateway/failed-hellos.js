// API-key guessing: hellos with an unknown key are remembered per address. Past a few free ones,
// key checks from that address are spaced out by a delay that doubles with each failure (up to a
// maximum); every hello from the address waits for its turn, valid or not, so that the time of the
// answer tells nothing about the key. A hello whose turn is further off than the maximum delay is
// refused at once without its key being looked at. Failures are forgotten one by one over time.
// Other addresses are not affected.

/** Addresses remembered at most; past this the one touched longest ago is forgotten. */
export const MAX_REMEMBERED_ADDRESSES = 65_536;

export class FailedHelloThrottle {
  constructor({ free, delayMs, maxDelayMs, forgetMs, now = () => performance.now(), maxAddresses = MAX_REMEMBERED_ADDRESSES }) {
    this.free = free;
    this.delayMs = delayMs;
    this.maxDelayMs = maxDelayMs;
    this.forgetMs = forgetMs;
    this.now = now;
    this.maxAddresses = maxAddresses;
    this.addresses = new Map(); // address key → {failures, updatedAt, nextCheckAt}, least recently touched first
  }

  /**
   * Books the next key check for `address`: the milliseconds to wait before checking (0: now), or
   * null when the wait would exceed the maximum delay (refuse the hello unchecked).
   */
  reserve(address) {
    const now = this.now();
    const entry = this.current(address, now);
    if (!entry) return 0;
    const slot = Math.max(now, entry.nextCheckAt);
    if (slot - now > this.maxDelayMs) return null;
    entry.nextCheckAt = slot + this.spacing(entry.failures);
    return slot - now;
  }

  /** Records a hello from `address` whose key was unknown. */
  failed(address) {
    const now = this.now();
    const entry = this.current(address, now) ?? { failures: 0, updatedAt: now, nextCheckAt: now };
    entry.failures += 1;
    this.touch(address, entry);
  }

  /** Time between two key checks of an address with this many (decaying, so fractional) failures. */
  spacing(failures) {
    const over = Math.ceil(failures) - this.free;
    return over < 0 ? 0 : Math.min(this.maxDelayMs, this.delayMs * 2 ** over);
  }

  /** The address's entry with its failures decayed to `now`; forgotten (undefined) once nothing is left of it. */
  current(address, now) {
    const entry = this.addresses.get(address);
    if (!entry) return undefined;
    entry.failures = Math.max(0, entry.failures - (now - entry.updatedAt) / this.forgetMs);
    entry.updatedAt = now;
    if (entry.failures === 0 && entry.nextCheckAt <= now) {
      this.addresses.delete(address);
      return undefined;
    }
    this.touch(address, entry);
    return entry;
  }

  touch(address, entry) {
    this.addresses.delete(address);
    this.addresses.set(address, entry);
    if (this.addresses.size > this.maxAddresses) this.addresses.delete(this.addresses.keys().next().value);
  }

  /** Forgets addresses with nothing left to remember. */
  sweep() {
    const now = this.now();
    for (const address of [...this.addresses.keys()]) this.current(address, now);
  }
}
