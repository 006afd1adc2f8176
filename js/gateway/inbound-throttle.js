// Per-connection message rate: each message a client sends is paid for from its token bucket
// before the gateway so much as decodes it. Messages beyond the rate wait, undecoded, in a queue
// while the socket is paused (TCP then pushes back on the client), so the queue holds at most what
// the socket's last read held; a client that still fills it is sending thousands of tiny frames
// and is cut off. So a flooder costs the gateway a bounded amount of parsing and every other
// client keeps its share of the event loop.
import { messageCost } from "./limits.js";
import { TokenBucket } from "./token-bucket.js";

export class InboundThrottle {
  /**
   * deliver(data, isBinary) handles one message and returns true when it is not to be charged (the
   * tokens are given back); overflow() is called once when the queue is full; pause() and resume()
   * stop and restart reading from the socket.
   */
  constructor({ ratePerSecond, burst, maxDelayed, deliver, overflow, pause, resume, now }) {
    this.bucket = new TokenBucket({ ratePerSecond, capacity: burst, now });
    this.maxDelayed = maxDelayed;
    this.deliver = deliver;
    this.overflow = overflow;
    this.pause = pause;
    this.resume = resume;
    this.queue = []; // {data, isBinary, cost}, oldest first from `head` on
    this.head = 0;
    this.held = false; // set while the client waits for something else (its key check)
    this.stopped = false;
    this.timer = null;
  }

  /** One message from the socket: delivered now if the client is within its rate, else queued. */
  push(data, isBinary) {
    if (this.stopped) return;
    const cost = messageCost(data.length);
    if (this.waiting === 0 && !this.held && this.bucket.take(cost)) {
      this.handle(data, isBinary, cost);
      return;
    }
    if (this.waiting >= this.maxDelayed) {
      this.stop();
      this.overflow();
      return;
    }
    this.queue.push({ data, isBinary, cost });
    this.pause();
    this.schedule();
  }

  /** Delivers nothing until release(); what arrives meanwhile queues (within the same bound). */
  hold() {
    this.held = true;
    this.clearTimer();
  }

  release() {
    if (!this.held) return;
    this.held = false;
    this.drain();
  }

  /** Forgets the queue and delivers nothing more (the client is closing). */
  stop() {
    this.stopped = true;
    this.queue = [];
    this.head = 0;
    this.clearTimer();
  }

  drain() {
    this.timer = null;
    // deliver() may hold or stop the throttle (a hello, a fatal alert): checked before each message.
    while (this.waiting > 0 && !this.held && !this.stopped) {
      const next = this.queue[this.head];
      if (!this.bucket.take(next.cost)) break;
      this.queue[this.head++] = undefined;
      this.handle(next.data, next.isBinary, next.cost);
    }
    if (this.stopped || this.held) return;
    if (this.waiting === 0) {
      this.queue = [];
      this.head = 0;
      this.resume();
    } else {
      this.schedule();
    }
  }

  /** Messages queued and not yet delivered. */
  get waiting() {
    return this.queue.length - this.head;
  }

  /** Delivers one paid-for message, refunding it when the handler says it is free. */
  handle(data, isBinary, cost) {
    if (this.deliver(data, isBinary) === true) this.bucket.give(cost);
  }

  schedule() {
    if (this.timer || this.held || this.stopped) return;
    const wait = Math.ceil(this.bucket.msUntil(this.queue[this.head].cost));
    this.timer = setTimeout(() => this.drain(), wait);
    this.timer.unref();
  }

  clearTimer() {
    clearTimeout(this.timer);
    this.timer = null;
  }
}
