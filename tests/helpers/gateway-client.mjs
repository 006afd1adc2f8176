// A raw WebSocket client of the gateway for tests: queues the gateway's messages (text frames only) and
// awaits them with a timeout. Subclass it to change the default wait.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import WebSocket from "ws";
import { ROOT } from "./paths.mjs";

export class GatewayClient {
  /** Opens `url` (ws options in `options`); rejects on an error, an HTTP refusal (error.status) or after waitMs. */
  static open(url, options = {}, waitMs = 2000) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, options);
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`opening ${url} timed out`));
      }, waitMs);
      ws.once("unexpected-response", (request, response) => {
        clearTimeout(timer);
        const error = new Error(`refused with HTTP ${response.statusCode}`);
        error.status = response.statusCode;
        response.resume();
        ws.terminate();
        reject(error);
      });
      ws.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
      ws.once("open", () => {
        clearTimeout(timer);
        resolve(new this(ws, waitMs));
      });
    });
  }

  constructor(ws, waitMs = 2000) {
    this.ws = ws;
    this.waitMs = waitMs;
    this.queue = [];
    this.waiters = [];
    ws.on("error", () => {}); // seen as the close that follows
    this.closed = new Promise((resolve) => ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on("message", (data, isBinary) => {
      assert.equal(isBinary, false, "the gateway sends text frames only");
      const message = JSON.parse(data.toString());
      const index = this.waiters.findIndex((waiter) => waiter.match(message));
      if (index >= 0) this.waiters.splice(index, 1)[0].resolve(message);
      else this.queue.push(message);
    });
  }

  send(message) {
    this.ws.send(typeof message === "string" || Buffer.isBuffer(message) ? message : JSON.stringify(message));
  }

  /**
   * Sends `messages` in one write, so that the gateway reads them all at once (as from a client that
   * writes faster than the gateway reads): ws's socket is corked while they are framed.
   */
  sendTogether(messages) {
    const socket = this.ws._socket;
    socket.cork();
    for (const message of messages) this.send(message);
    socket.uncork();
  }

  /** The first queued or coming message matching `filter` (a type, or a predicate). */
  next(filter = () => true, ms = this.waitMs) {
    const match = typeof filter === "string" ? (message) => message.type === filter : filter;
    const index = this.queue.findIndex(match);
    if (index >= 0) return Promise.resolve(this.queue.splice(index, 1)[0]);
    const timeout = new Error("timed out waiting for a message"); // created here: its stack shows the waiting line
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (message) => {
          clearTimeout(timer);
          resolve(message);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        timeout.message += `; queued: ${JSON.stringify(this.queue).slice(0, 2000)}`;
        reject(timeout);
      }, ms);
      this.waiters.push(waiter);
    });
  }

  alert(code) {
    return this.next((message) => message.type === "alert" && message.code === code);
  }

  /** Resolves to {code, reason} once closed; fails after `ms`. */
  closedWithin(ms = this.waitMs) {
    return Promise.race([
      this.closed,
      new Promise((_, reject) => setTimeout(() => reject(new Error("the socket did not close")), ms).unref()),
    ]);
  }

  /**
   * A round trip through the gateway: everything it sent this client before the reply has arrived
   * once this resolves (one TCP stream, in order).
   */
  async sync() {
    const probe = `sync-${randomBytes(4).toString("hex")}`;
    this.send({ type: probe });
    await this.next((message) => message.type === "alert" && message.message.includes(probe));
  }

  /** Asserts that nothing arrived besides what the test already took. */
  async assertNothingElse() {
    await this.sync();
    assert.deepEqual(this.queue, []);
  }

  close() {
    this.ws.close();
  }
}

/** Waits until the gateway has let `peerId` go: a connect to it from `observer` is answered with PeerGoneAway. */
export async function waitGone(observer, peerId) {
  const requestId = `gone-${randomBytes(4).toString("hex")}`;
  observer.send({ type: "connect", requestId, target: peerId });
  const reply = await observer.next((message) => message.requestId === requestId);
  assert.equal(reply.code, 90);
}

/**
 * Starts `petrichor gateway --port 0 …args` (killed after the test `t`); resolves once it printed its ws:// or
 * wss:// URL to {url, child, exited, stdout()}.
 */
export async function startCliGateway(t, args, { env = process.env, stderr = "inherit", waitMs = 10_000 } = {}) {
  const child = spawn(process.execPath, [`${ROOT}/js/cli.js`, "gateway", "--port", "0", ...args], { stdio: ["ignore", "pipe", stderr], env });
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  t.after(() => child.kill("SIGKILL"));
  let stdout = "";
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed; stdout: ${stdout}`)), waitMs);
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      const match = stdout.match(/wss?:\/\/127\.0\.0\.1:(\d+)\/gateway/);
      if (match && match[1] !== "0") {
        clearTimeout(timer);
        resolve(match[0]);
      }
    });
  });
  return { url, child, exited, stdout: () => stdout };
}
