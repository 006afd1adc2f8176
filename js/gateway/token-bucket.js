// A token bucket: credits refill at a steady rate up to a capacity, so a client may spend a burst
// at once and then only the rate. The clock is injected so that the arithmetic stays testable.

export class TokenBucket {
  constructor({ ratePerSecond, capacity, now = () => performance.now() }) {
    this.ratePerMs = ratePerSecond / 1000;
    this.capacity = capacity;
    this.now = now;
    this.tokens = capacity;
    this.updatedAt = now();
  }

  /** Takes `cost` tokens if there are that many; false (taking none) otherwise. */
  take(cost) {
    this.refill();
    if (this.tokens < cost) return false;
    this.tokens -= cost;
    return true;
  }

  /** Gives `amount` tokens back (never above the capacity). */
  give(amount) {
    this.refill();
    this.tokens = Math.min(this.capacity, this.tokens + amount);
  }

  /** Milliseconds until `cost` tokens will be there (0 when they are now). */
  msUntil(cost) {
    this.refill();
    return this.tokens >= cost ? 0 : (cost - this.tokens) / this.ratePerMs;
  }

  refill() {
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.updatedAt) * this.ratePerMs);
    this.updatedAt = now;
  }
}
