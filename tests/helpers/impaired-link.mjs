// Impaired links for tests: two network namespaces joined by TUN devices and our user-space forwarder
// (tests/tools/link_impair.c; this kernel has no netem), which drops, delays, jitters, reorders and
// rate-limits packets on command. Needs root, `ip netns` and build/native/link_impair.
import { execFile, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { NATIVE_BUILD } from "./paths.mjs";

export const LINK_IMPAIR = `${NATIVE_BUILD}/link_impair`;

const run = promisify(execFile);
const live = new Set(); // links not closed yet, for the exit hooks
let counter = 0;

/** Runs `ip ...args`; rejects with ip's own complaint. */
async function ip(...args) {
  try {
    await run("ip", args, { timeout: 10000 });
  } catch (error) {
    throw new Error(`ip ${args.join(" ")} failed: ${(error.stderr || error.message).trim()}`);
  }
}

/** Deletes namespaces left by crashed test processes of this naming (`<name>[ab]<pid>_<n>`, pid gone). */
function removeStale(name) {
  let list = "";
  try {
    list = execFileSync("ip", ["netns", "list"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  } catch {
    return;
  }
  for (const ns of list.split("\n").map((line) => line.split(" ")[0])) {
    const match = ns.startsWith(name) && /^[ab](\d+)_\d+$/.exec(ns.slice(name.length));
    if (!match || Number(match[1]) === process.pid) continue;
    try {
      process.kill(Number(match[1]), 0);
    } catch (error) {
      if (error.code === "ESRCH") deleteNamespaceSync(ns);
    }
  }
}

function deleteNamespaceSync(ns) {
  try {
    execFileSync("ip", ["netns", "del", ns], { stdio: "ignore" });
  } catch {
    // already gone
  }
}

/** Synchronous last-resort clean-up, for a process that exits without closing its links. */
function cleanUpSync() {
  for (const link of live) link._killSync();
}

function onSignal(signal) {
  cleanUpSync();
  // Keep the signal's usual effect unless someone else also handles it.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function watchProcess(add) {
  if (add && live.size === 1) {
    process.on("exit", cleanUpSync);
    for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, onSignal);
  } else if (!add && live.size === 0) {
    process.off("exit", cleanUpSync);
    for (const signal of ["SIGINT", "SIGTERM"]) process.off(signal, onSignal);
  }
}

/** Formats settings ({loss: 0.02, delay: 20, rate: 5e6, udp_only: 1, ...}) as `key=value` words. */
function settingWords(settings) {
  return Object.entries(settings).map(([key, value]) => `${key}=${typeof value === "boolean" ? Number(value) : value}`);
}

/**
 * Creates two network namespaces, nsA (address addressA) and nsB (addressB), joined by an impaired link
 * (both directions start unimpaired; see set()). Each namespace has `lo` and a default route over the link.
 * @param {{name?: string, seed?: number}} [options] name: prefix of the namespace names; seed: the
 *   forwarder's random seed, for repeatable loss and jitter.
 */
export async function createImpairedLink({ name = "pt", seed } = {}) {
  if (process.getuid?.() !== 0) throw new Error("impaired links need root (ip netns, TUN devices)");
  if (!existsSync("/dev/net/tun")) throw new Error("impaired links need /dev/net/tun");
  if (!existsSync(LINK_IMPAIR)) {
    throw new Error(`${LINK_IMPAIR} is missing: build it (cmake --build build/native --target link_impair)`);
  }
  try {
    execFileSync("ip", ["netns", "list"], { stdio: "ignore" });
  } catch (error) {
    throw new Error(`impaired links need a working \`ip netns\` (iproute2): ${error.message}`);
  }
  if (counter === 0) removeStale(name);

  const n = counter++;
  const nsA = `${name}a${process.pid}_${n}`;
  const nsB = `${name}b${process.pid}_${n}`;
  const tunStem = `${name.slice(0, 4)}${process.pid.toString(36)}_${n.toString(36)}`.slice(0, 14);
  const tunA = `${tunStem}a`;
  const tunB = `${tunStem}b`;
  const subnet = `10.201.${n % 256}`;
  const addressA = `${subnet}.1`;
  const addressB = `${subnet}.2`;

  const children = new Set();
  const pending = []; // resolvers of commands sent to the forwarder, answered in order
  let closing = null;
  let forwarderExit = null;

  const forwarder = spawn(LINK_IMPAIR, ["--tun-a", tunA, "--tun-b", tunB, ...(seed === undefined ? [] : ["--seed", String(seed)])], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  let forwarderErrors = "";
  forwarder.stderr.on("data", (data) => (forwarderErrors += data));
  forwarder.stdin.on("error", () => {}); // a dead forwarder is reported through "exit"
  const exited = new Promise((resolve) => forwarder.once("exit", resolve));
  exited.then((code) => {
    forwarderExit = new Error(`link_impair exited (${code}): ${forwarderErrors.trim()}`);
    for (const { reject } of pending.splice(0)) reject(forwarderExit);
  });
  forwarder.on("error", (error) => {
    forwarderExit = error;
    for (const { reject } of pending.splice(0)) reject(error);
  });
  const lines = createInterface({ input: forwarder.stdout });
  lines.on("line", (line) => pending.shift()?.resolve(line));

  /** Sends a command line, resolves with the forwarder's answer line. */
  function command(line) {
    if (forwarderExit) return Promise.reject(forwarderExit);
    return new Promise((resolve, reject) => {
      pending.push({ resolve, reject });
      forwarder.stdin.write(`${line}\n`);
    });
  }

  const link = {
    nsA,
    nsB,
    addressA,
    addressB,
    tunA,
    tunB,

    /**
     * Changes the impairment of a direction: "ab" (A to B), "ba" or "both". Keys left out keep their value.
     * @param {"ab"|"ba"|"both"} dir
     * @param {{loss?: number, delay?: number, jitter?: number, reorder?: number, rate?: number,
     *   queue?: number, udp_only?: number|boolean}} settings delay, jitter, queue in ms; rate in bit/s (0 = unlimited)
     */
    async set(dir, settings = {}) {
      const answer = await command(["set", dir, ...settingWords(settings)].join(" "));
      if (answer !== "ok") throw new Error(`link_impair: ${answer}`);
    },

    /** Per-direction counters: {ab: {in, dropped_loss, dropped_queue, dropped_limit, write_errors,
     * forwarded, bytes_forwarded, max_queue_delay_ms}, ba: {...}}. */
    async stats() {
      const answer = await command("stats");
      if (!answer.startsWith("{")) throw new Error(`link_impair: ${answer}`);
      return JSON.parse(answer);
    },

    /** Starts `command ...args` inside a namespace (stdio piped unless options say otherwise); close() kills it. */
    spawnIn(ns, command, args = [], options = {}) {
      const child = spawn("ip", ["netns", "exec", ns, command, ...args], { stdio: "pipe", ...options });
      children.add(child);
      child.once("exit", () => children.delete(child));
      child.once("error", () => children.delete(child));
      return child;
    },

    /** Kills what spawnIn started and the forwarder, and deletes both namespaces. Safe to call again. */
    close() {
      closing ??= (async () => {
        const gone = [...children].map((child) => new Promise((resolve) => {
          child.once("exit", resolve);
          child.kill("SIGKILL");
        }));
        if (!forwarderExit) {
          forwarder.stdin.end("quit\n");
          const timer = setTimeout(() => forwarder.kill("SIGKILL"), 2000);
          gone.push(exited.finally(() => clearTimeout(timer)));
        }
        await Promise.all(gone);
        for (const ns of [nsA, nsB]) await ip("netns", "del", ns).catch(() => {});
        live.delete(link);
        watchProcess(false);
      })();
      return closing;
    },

    _killSync() {
      for (const child of children) child.kill("SIGKILL");
      forwarder.kill("SIGKILL");
      deleteNamespaceSync(nsA);
      deleteNamespaceSync(nsB);
    },
  };
  live.add(link);
  watchProcess(true);

  try {
    const ready = await Promise.race([
      new Promise((resolve, reject) => pending.push({ resolve, reject })),
      new Promise((_, reject) => setTimeout(() => reject(new Error("link_impair did not say ready within 5 s")), 5000).unref()),
    ]);
    if (ready !== "ready") throw new Error(`link_impair: ${ready}`);
    await ip("netns", "add", nsA);
    await ip("netns", "add", nsB);
    for (const [ns, tun, local, peer] of [[nsA, tunA, addressA, addressB], [nsB, tunB, addressB, addressA]]) {
      await ip("-n", ns, "link", "set", "lo", "up");
      await ip("link", "set", tun, "netns", ns);
      await ip("-n", ns, "addr", "add", local, "peer", peer, "dev", tun);
      await ip("-n", ns, "link", "set", tun, "mtu", "1500", "up");
      await ip("-n", ns, "route", "add", "default", "via", peer, "dev", tun);
    }
    await checkConnectivity(link);
  } catch (error) {
    await link.close();
    throw error;
  }
  return link;
}

// Proves the link carries packets: a TCP connection from A to B (TCP is not impaired by default).
const CHECK_SERVER = `
import net from "node:net";
const server = net.createServer((socket) => { socket.end("ok"); server.close(); });
server.listen(9, process.argv[1], () => console.log("listening"));
setTimeout(() => process.exit(1), 10000).unref();`;
const CHECK_CLIENT = `
import net from "node:net";
const socket = net.connect(9, process.argv[1]);
let data = "";
socket.on("data", (chunk) => (data += chunk));
socket.on("end", () => process.exit(data === "ok" ? 0 : 1));
socket.on("error", (error) => { console.error(error.message); process.exit(1); });
setTimeout(() => { console.error("timed out"); process.exit(1); }, 5000);`;

async function checkConnectivity(link) {
  const server = link.spawnIn(link.nsB, process.execPath, ["--input-type=module", "-e", CHECK_SERVER, link.addressB]);
  await new Promise((resolve, reject) => {
    server.stdout.once("data", resolve);
    server.once("exit", (code) => reject(new Error(`connectivity check: the server in ${link.nsB} exited (${code})`)));
  });
  const client = link.spawnIn(link.nsA, process.execPath, ["--input-type=module", "-e", CHECK_CLIENT, link.addressB]);
  let errors = "";
  client.stderr.on("data", (data) => (errors += data));
  const code = await new Promise((resolve) => client.once("exit", resolve));
  if (code !== 0) throw new Error(`no connectivity from ${link.addressA} to ${link.addressB}: ${errors.trim()}`);
}
