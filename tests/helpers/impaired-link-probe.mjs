// Traffic probes for impaired-link tests, run inside a namespace: `node impaired-link-probe.mjs <mode> ...`.
// Each prints "ready" when listening (servers) and one line of JSON with its findings. Times are
// process.hrtime (CLOCK_MONOTONIC, shared by all processes), in ns as strings or in ms as numbers.
//   udp-echo HOST PORT                          echoes datagrams
//   udp-ping HOST PORT COUNT INTERVAL_MS        sends COUNT numbered pings, reports {sent, received, rtts}
//   udp-sink HOST PORT                          counts numbered datagrams; on the stdin line "report", waits
//                                               for 300 ms of silence and reports {received, bytes,
//                                               outOfOrder, firstNs, lastNs}
//   udp-send HOST PORT COUNT SIZE BITS_PER_S    sends COUNT numbered datagrams of SIZE bytes, paced (0 = at
//                                               once), reports {sent, errors, startNs, endNs}
//   tcp-sink HOST PORT                          accepts one connection, reports {bytes} at its end
//   tcp-send HOST PORT BYTES                    connects and sends BYTES bytes
import dgram from "node:dgram";
import net from "node:net";
import { createInterface } from "node:readline";

const [mode, host, portText, ...rest] = process.argv.slice(2);
const port = Number(portText);
const now = () => process.hrtime.bigint();
const report = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// A probe never outlives its test by long.
setTimeout(() => {
  console.error(`probe ${mode}: gave up after 60 s`);
  process.exit(3);
}, 60000).unref();

if (mode === "udp-echo") {
  const socket = dgram.createSocket("udp4");
  socket.on("message", (message, from) => socket.send(message, from.port, from.address));
  socket.bind(port, host, () => console.log("ready"));
} else if (mode === "udp-ping") {
  const [count, interval] = rest.map(Number);
  const socket = dgram.createSocket("udp4");
  const sentAt = new Map();
  const rtts = [];
  socket.on("message", (message) => {
    const seq = message.readUInt32BE(0);
    const at = sentAt.get(seq);
    if (at === undefined) return;
    sentAt.delete(seq);
    rtts.push(Number(now() - at) / 1e6);
  });
  socket.connect(port, host, async () => {
    for (let seq = 0; seq < count; seq++) {
      const message = Buffer.alloc(64);
      message.writeUInt32BE(seq, 0);
      sentAt.set(seq, now());
      socket.send(message);
      await sleep(interval);
    }
    const deadline = Date.now() + 5000;
    while (rtts.length < count && Date.now() < deadline) await sleep(10);
    report({ sent: count, received: rtts.length, rtts });
    process.exit(0);
  });
} else if (mode === "udp-sink") {
  const socket = dgram.createSocket("udp4");
  const found = { received: 0, bytes: 0, outOfOrder: 0, firstNs: null, lastNs: null };
  let highest = -1;
  let last = now();
  socket.on("message", (message) => {
    last = now();
    found.received++;
    found.bytes += message.length;
    found.firstNs ??= String(last);
    found.lastNs = String(last);
    const seq = message.readUInt32BE(0);
    if (seq < highest) found.outOfOrder++;
    else highest = seq;
  });
  socket.bind(port, host, () => console.log("ready"));
  createInterface({ input: process.stdin }).on("line", async (line) => {
    if (line.trim() !== "report") return;
    // Silence must hold across two checks, with event loop turns between them: after a stall, a timer
    // can fire before the datagrams waiting in the socket are read.
    for (let quiet = 0; quiet < 2; ) {
      await sleep(50);
      quiet = Number(now() - last) / 1e6 >= 300 ? quiet + 1 : 0;
    }
    report(found);
    process.exit(0);
  });
} else if (mode === "udp-send") {
  const [count, size, rate] = rest.map(Number);
  const socket = dgram.createSocket("udp4");
  socket.connect(port, host, async () => {
    const start = now();
    let sent = 0;
    let errors = 0;
    let unanswered = 0;
    const sendOne = () => {
      const message = Buffer.alloc(size);
      message.writeUInt32BE(sent++, 0);
      unanswered++;
      socket.send(message, (error) => {
        if (error) errors++;
        unanswered--;
      });
    };
    while (sent < count) {
      // Catch up with the schedule: a late timer sends what is owed.
      const owed = rate > 0 ? Math.floor((Number(now() - start) / 1e9) * rate / (size * 8)) + 1 : sent + 4;
      while (sent < count && sent < owed) sendOne();
      await sleep(rate > 0 ? 5 : 1);
    }
    while (unanswered > 0) await sleep(5);
    report({ sent, errors, startNs: String(start), endNs: String(now()) });
    process.exit(0);
  });
} else if (mode === "tcp-sink") {
  const server = net.createServer((socket) => {
    let bytes = 0;
    socket.on("data", (chunk) => (bytes += chunk.length));
    socket.on("end", () => {
      report({ bytes });
      process.exit(0);
    });
  });
  server.listen(port, host, () => console.log("ready"));
} else if (mode === "tcp-send") {
  const socket = net.connect(port, host, () => socket.end(Buffer.alloc(Number(rest[0]), 7)));
  socket.on("close", (hadError) => process.exit(hadError ? 1 : 0));
  socket.on("error", (error) => console.error(error.message));
} else {
  console.error(`unknown probe mode ${mode}`);
  process.exit(2);
}
