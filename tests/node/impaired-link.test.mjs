// The impaired-link test tool (tests/tools/link_impair.c, tests/helpers/impaired-link.mjs): two network
// namespaces joined by our user-space forwarder lose, delay, reorder and rate-limit UDP as told, and leave
// TCP alone. Bounds are one-sided or wide, so that a loaded machine cannot break them.
import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createInterface } from "node:readline";
import { createImpairedLink } from "../helpers/impaired-link.mjs";
import { ROOT } from "../helpers/paths.mjs";

const PROBE = `${ROOT}/tests/helpers/impaired-link-probe.mjs`;
const CLEAR = { loss: 0, delay: 0, jitter: 0, reorder: 0, rate: 0, queue: 200, udp_only: 1 };
let link;
let nextPort = 40000;

before(async () => {
  link = await createImpairedLink({ name: "ptest", seed: 7 });
});

after(async () => {
  await link?.close();
});

beforeEach(async () => {
  await link.set("both", CLEAR);
});

/** Starts a probe in a namespace; `lines` yields its stdout lines, `done` its exit code. */
function probe(ns, ...args) {
  const child = link.spawnIn(ns, process.execPath, [PROBE, ...args.map(String)]);
  let errors = "";
  child.stderr.on("data", (data) => (errors += data));
  const queue = [];
  const waiting = [];
  createInterface({ input: child.stdout }).on("line", (line) => (waiting.length ? waiting.shift()(line) : queue.push(line)));
  const done = new Promise((resolve) => child.once("exit", resolve));
  /** The next stdout line, or an error if the probe ends or stays silent for ms. */
  const line = (ms = 15000) =>
    queue.length
      ? Promise.resolve(queue.shift())
      : new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`probe ${args[0]}: no output within ${ms} ms ${errors}`)), ms);
          waiting.push((text) => {
            clearTimeout(timer);
            resolve(text);
          });
          done.then((code) => reject(new Error(`probe ${args[0]} exited (${code}) ${errors}`)));
        });
  return { child, line, json: async (ms) => JSON.parse(await line(ms)), done };
}

async function listen(ns, ...args) {
  const server = probe(ns, ...args);
  assert.equal(await server.line(), "ready");
  return server;
}

/** Sends numbered datagrams from A to a sink in B; resolves with what the sink and sender saw. */
async function sendToSink(count, size, rate) {
  const port = nextPort++;
  const sink = await listen(link.nsB, "udp-sink", link.addressB, port);
  const sender = await probe(link.nsA, "udp-send", link.addressB, port, count, size, rate).json(30000);
  sink.child.stdin.write("report\n");
  return { sender, sink: await sink.json() };
}

test("delay: every round trip takes at least both delays, and nothing is lost", async () => {
  await link.set("both", { delay: 40 });
  const port = nextPort++;
  await listen(link.nsB, "udp-echo", link.addressB, port);
  const result = await probe(link.nsA, "udp-ping", link.addressB, port, 200, 5).json(30000);
  assert.equal(result.received, 200);
  assert.ok(Math.min(...result.rtts) >= 80, `shortest round trip ${Math.min(...result.rtts)} ms`);
});

test("loss: about the set share of datagrams is dropped", async () => {
  await link.set("ab", { loss: 0.2 });
  const before = await link.stats();
  const { sender, sink } = await sendToSink(2000, 100, 1.6e6); // 2000 packets in 1 s
  const after = await link.stats();
  assert.equal(sender.sent, 2000);
  const share = sink.received / 2000;
  assert.ok(share >= 0.7 && share <= 0.9, `received ${sink.received} of 2000`);
  const lost = after.ab.dropped_loss - before.ab.dropped_loss;
  assert.ok(lost >= 300 && lost <= 500, `forwarder dropped ${lost}`);
});

test("rate: throughput stays under the bottleneck, and the queue overflows", async () => {
  await link.set("ab", { rate: 1e6, queue: 200 });
  const before = await link.stats();
  const { sender, sink } = await sendToSink(500, 1000, 2e6); // 2 Mbit/s for 2 s
  const after = await link.stats();
  assert.ok(sink.received > 0);
  // Bits received over the time since the first was sent: the bottleneck cannot let more through.
  const seconds = Number(BigInt(sink.lastNs) - BigInt(sender.startNs)) / 1e9;
  const throughput = (sink.bytes * 8) / seconds;
  assert.ok(throughput <= 1.1e6, `throughput ${Math.round(throughput)} bit/s`);
  assert.ok(after.ab.dropped_queue > before.ab.dropped_queue, "no tail drops");
  assert.ok(after.ab.max_queue_delay_ms > 0);
});

test("reorder: held-back datagrams arrive after later ones", async () => {
  await link.set("ab", { delay: 10, reorder: 0.3 });
  const { sink } = await sendToSink(300, 100, 400e3); // one every 2 ms
  assert.equal(sink.received, 300);
  assert.ok(sink.outOfOrder > 0, "nothing out of order");
});

test("TCP is not impaired when udp_only=1, even with loss=0.5", async () => {
  await link.set("both", { loss: 0.5, udp_only: 1 });
  const before = await link.stats();
  const port = nextPort++;
  const sink = await listen(link.nsB, "tcp-sink", link.addressB, port);
  const sender = probe(link.nsA, "tcp-send", link.addressB, port, 100 * 1024);
  assert.deepEqual(await sink.json(10000), { bytes: 100 * 1024 });
  assert.equal(await sender.done, 0);
  const after = await link.stats();
  assert.ok(after.ab.in > before.ab.in, "the connection did not cross the forwarder");
  assert.equal(after.ab.dropped_loss + after.ba.dropped_loss, before.ab.dropped_loss + before.ba.dropped_loss);
});

test("set rejects bad settings with the forwarder's reason", async () => {
  await assert.rejects(link.set("ab", { loss: 2 }), /bad value for loss/);
  await assert.rejects(link.set("sideways", {}), /direction/);
});

test("close removes the namespaces", async () => {
  await link.close();
  await link.close(); // idempotent
  const list = execFileSync("ip", ["netns", "list"], { encoding: "utf8" });
  assert.ok(!list.includes(link.nsA) && !list.includes(link.nsB), list);
});
