// Debian's coturn (`turnserver`) on loopback for tests, authenticating with the TURN REST API scheme
// (use-auth-secret) the gateway's turn option issues credentials in. Its log (verbose: sessions,
// allocations, refusals, usage) is kept for the test to read.
import { spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { sleep } from "./events.mjs";

const STUN_MAGIC_COOKIE = 0x2112a442;
const STUN_BINDING_REQUEST = 0x0001;
const STUN_BINDING_SUCCESS = 0x0101;

/**
 * Starts turnserver on 127.0.0.1 with `secret` as its static-auth-secret; resolves once it answers a
 * STUN binding request. Returns {port, url (turn:…?transport=udp), realm, log(), waitForLog(regex), stop()}.
 */
export async function startCoturn({ secret, realm = "petrichor.test", readyMs = 30_000 } = {}) {
  const port = await freePort();
  const folder = mkdtempSync(join(tmpdir(), "petrichor-coturn-"));
  const args = [
    "-c", "/dev/null", // none of /etc/turnserver.conf
    "--listening-ip=127.0.0.1",
    "--relay-ip=127.0.0.1",
    `--listening-port=${port}`,
    "--use-auth-secret",
    `--static-auth-secret=${secret}`,
    `--realm=${realm}`,
    "--no-cli",
    "--no-tls",
    "--no-dtls",
    "--no-rfc5780",
    "--allow-loopback-peers", // both peers' relayed addresses are on 127.0.0.1
    "--log-file=stdout",
    "--simple-log",
    "--verbose", // sessions, allocations and refusals
    "--relay-threads=0", // one thread: enough here, and kind to a small machine
    `--pidfile=${join(folder, "turnserver.pid")}`,
    `--userdb=${join(folder, "turndb")}`,
  ];
  const child = spawn("turnserver", args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (text) => (output += text));
  child.stderr.setEncoding("utf8").on("data", (text) => (output += text));
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  let failed = null;
  child.once("error", (error) => (failed = error));
  exited.then(({ code, signal }) => (failed ??= new Error(`turnserver exited (${signal ?? code}):\n${output.slice(-2000)}`)));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const stopped = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
      if (!stopped) child.kill("SIGKILL");
      await exited;
    }
    rmSync(folder, { recursive: true, force: true });
  };

  const started = Date.now();
  while (!(await answersBinding(port))) {
    if (failed || Date.now() - started > readyMs) {
      await stop();
      throw failed ?? new Error(`turnserver did not answer on 127.0.0.1:${port} within ${readyMs} ms:\n${output.slice(-2000)}`);
    }
  }
  return {
    port,
    realm,
    url: `turn:127.0.0.1:${port}?transport=udp`,
    log: () => output,
    /** Resolves with the log once `pattern` matches it; rejects after ms. */
    async waitForLog(pattern, ms = 20_000) {
      const deadline = Date.now() + ms;
      while (!pattern.test(output)) {
        if (Date.now() > deadline) throw new Error(`turnserver never logged ${pattern}; its log ends:\n${output.slice(-3000)}`);
        await sleep(50);
      }
      return output;
    },
    stop,
  };
}

/** A port free for both TCP and UDP on 127.0.0.1 (turnserver listens on both). */
async function freePort() {
  for (;;) {
    const server = createServer();
    await new Promise((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", resolve));
    const { port } = server.address();
    const udp = createSocket("udp4");
    const free = await new Promise((resolve) => {
      udp.once("error", () => resolve(false));
      udp.bind(port, "127.0.0.1", () => resolve(true));
    });
    if (free) await new Promise((resolve) => udp.close(resolve));
    await new Promise((resolve) => server.close(resolve));
    if (free) return port;
  }
}

/** True when a STUN binding request to 127.0.0.1:port is answered within half a second. */
function answersBinding(port) {
  return new Promise((resolve) => {
    const socket = createSocket("udp4");
    const request = Buffer.alloc(20);
    request.writeUInt16BE(STUN_BINDING_REQUEST, 0);
    request.writeUInt32BE(STUN_MAGIC_COOKIE, 4);
    randomBytes(12).copy(request, 8);
    const done = (answered) => {
      clearTimeout(timer);
      socket.close();
      resolve(answered);
    };
    const timer = setTimeout(() => done(false), 500);
    socket.on("error", () => done(false));
    socket.on("message", (reply) => {
      if (reply.length >= 20 && reply.readUInt16BE(0) === STUN_BINDING_SUCCESS && reply.subarray(8, 20).equals(request.subarray(8, 20))) done(true);
    });
    socket.send(request, port, "127.0.0.1");
  });
}
