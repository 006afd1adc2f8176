// Spreads the WebSocket pings over the ping interval. Pinging every client in one loop costs a
// socket write each: at 10,000 clients that loop held the event loop for hundreds of milliseconds
// every interval (every relayed message behind it waited) and brought 10,000 pongs back at once.
// Here clients sit in SLICES groups, one group is visited per tick, so each client is still visited
// once per interval.

/** Groups per interval; a tick is never shorter than MIN_TICK_MS (short intervals get fewer groups). */
const SLICES = 50;
const MIN_TICK_MS = 10;

export class PingWheel {
  /** visit(client) runs once per intervalMs for each client in the wheel. */
  constructor({ intervalMs, visit }) {
    const slices = Math.max(1, Math.min(SLICES, Math.floor(intervalMs / MIN_TICK_MS)));
    this.groups = Array.from({ length: slices }, () => new Set());
    this.visit = visit;
    this.next = 0; // the group the next client joins: round robin keeps them even
    this.current = 0;
    this.timer = setInterval(() => this.tick(), intervalMs / slices);
    this.timer.unref();
  }

  add(client) {
    const group = this.groups[this.next];
    this.next = (this.next + 1) % this.groups.length;
    group.add(client);
    client.pingGroup = group;
  }

  remove(client) {
    client.pingGroup?.delete(client);
    client.pingGroup = null;
  }

  tick() {
    const group = this.groups[this.current];
    this.current = (this.current + 1) % this.groups.length;
    for (const client of [...group]) this.visit(client);
  }

  stop() {
    clearInterval(this.timer);
  }
}
