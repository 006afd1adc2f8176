// Spreads the WebSocket pings over the ping interval. Pinging every client in one loop costs a
// socket write each: at 10,000 clients that loop held the event loop for hundreds of milliseconds
// every interval (every relayed message behind it waited) and brought 10,000 pongs back at once.
// Here clients sit in groups, one group is visited per tick (every TICK_MS), so each client is still
// visited once per interval: 10,000 clients pinged every 15 s are 13 pings every 20 ms.

/** How often a group is visited; short intervals get fewer groups, long ones at most MAX_GROUPS. */
const TICK_MS = 20;
const MAX_GROUPS = 1000;

export class PingWheel {
  /** visit(client) runs once per intervalMs for each client in the wheel. */
  constructor({ intervalMs, visit }) {
    const slices = Math.max(1, Math.min(MAX_GROUPS, Math.floor(intervalMs / TICK_MS)));
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
