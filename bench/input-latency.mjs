// Input latency in Chromium: a DOM event on the client page → the host page's OutboundStream "input"
// event, through the whole SDK (capture, "before-input", the core's records, RW_Input, the host's
// core), against a raw RTCDataChannel between the same two pages in the same run. Both pages run in
// one headless browser on loopback and stamp times with performance.timeOrigin + performance.now().
import { startGateway } from "../js/gateway/index.js";
import { InputLevel } from "../js/sdk/enums.js";
import { launchBrowser, openPage, serveRepository } from "../tests/helpers/browser.mjs";
import { ROOT } from "../tests/helpers/paths.mjs";
import { percentile, stepTimeLimit } from "./measure.mjs";

const INPUT_TYPE = { MouseAbsolute: 1, MouseClick: 3, Keyboard: 5 };
const CLICK_ROW = 330; // the clicks' own moves are at y 340, the move samples above this

/** Rejects when a step takes longer than its limit: no step may hang the bench. */
const within = stepTimeLimit("input-latency");


function summarize(latencies) {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    samples: sorted.length,
    p50: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
    p99: percentile(sorted, 0.99),
    mean: sorted.reduce((sum, value) => sum + value, 0) / sorted.length,
  };
}

/** Input message bytes per DOM event (header and records, as counted by the core). */
const bytesPerEvent = (samples) => samples.reduce((sum, s) => sum + s.bytes, 0) / samples.length;

/** Checks that the i-th arrival is the input the i-th dispatch should have produced. */
function checkOrder(kind, arrivals, expected) {
  arrivals.forEach((input, i) => {
    const want = expected(i);
    for (const [field, value] of Object.entries(want)) {
      if (input[field] !== value) {
        throw new Error(`input-latency bench: ${kind} #${i} arrived as ${JSON.stringify(input)}, expected ${JSON.stringify(want)}`);
      }
    }
  });
}

/**
 * What input capture costs the client page's main thread while nothing happens: its task time (CDP's
 * Performance metrics, ms per second) over `seconds`, with every input granted and with none (the
 * baseline), taking turns `windows` times each. {granted: [ms/s…], none: [ms/s…], seconds}.
 */
async function measureIdleCost(host, client, { windows, seconds }) {
  const cdp = await client.context().newCDPSession(client);
  await cdp.send("Performance.enable");
  const taskSeconds = async () => (await cdp.send("Performance.getMetrics")).metrics.find((m) => m.name === "TaskDuration").value;
  const levels = { granted: InputLevel.All, none: InputLevel.None };
  const result = { granted: [], none: [], seconds };
  for (let turn = 0; turn < windows; turn++) {
    for (const [name, level] of turn % 2 ? Object.entries(levels).reverse() : Object.entries(levels)) {
      await host.evaluate((l) => window.setPermissions(l), level);
      await within(10000, "the client page's permissions", client.waitForFunction((l) => window.stream.permissions === l, level, { polling: 50 }));
      await client.waitForTimeout(500); // what the change itself set off is not counted
      const before = await taskSeconds();
      await client.waitForTimeout(seconds * 1000);
      result[name].push(((await taskSeconds()) - before) * 1000 / seconds);
    }
  }
  await cdp.detach();
  return result;
}

/**
 * Runs the bench; resolves to {key, move, buttonDown, buttonUp, raw} (each {samples, p50, p95, p99,
 * mean} in ms over every repeat, bytesPerEvent, and roundP50s: each repeat's p50), clock ({offsetMs,
 * rttMs}: the pages' clock offset, taken off every latency), idle (measureIdleCost's) and the
 * parameters used. Each of `repeats` repeats dispatches `rounds` samples of each kind (clicks: half
 * downs, half ups), after `warmup` rounds that are not counted.
 */
export async function measureInputLatency({ rounds = 300, warmup = 10, spacingMs = 20, repeats = 3, idleWindows = 3, idleSeconds = 5 } = {}) {
  const total = rounds + warmup;
  let gateway;
  let server;
  let browser;
  try {
    gateway = await startGateway({ keys: { key: "org" } });
    // Only what the bench pages load: the SDK, its wasm, and the pages themselves.
    server = await serveRepository({ mounts: { "/js/": `${ROOT}/js`, "/dist/": `${ROOT}/dist`, "/bench-pages/": `${ROOT}/bench/pages` } });
    browser = await launchBrowser();
    const query = new URLSearchParams({ key: "key", gateway: gateway.url });
    const host = await openPage(browser, `${server.url}/bench-pages/input-host.html?${query}`);
    await host.waitForSelector("body[data-ready=yes]", { state: "attached", timeout: 10000 });
    const hostId = await within(30000, "the host page's connect", host.evaluate(() => window.startPetrichor()));
    query.set("host", hostId);
    const client = await openPage(browser, `${server.url}/bench-pages/input-client.html?${query}`);
    await client.waitForSelector("body[data-ready=yes]", { state: "attached", timeout: 10000 });
    await within(30000, "the client page's stream", client.evaluate(() => window.startPetrichor()));

    // The baseline's connection: descriptions handed from page to page through Node.
    const offer = await within(10000, "the raw offer", client.evaluate(() => window.offerRaw()));
    const answer = await within(10000, "the raw answer", host.evaluate((o) => window.answerRaw(o), offer));
    await within(15000, "the raw channel", client.evaluate((a) => window.acceptRawAnswer(a), answer));
    const clock = await within(10000, "the clock probes", client.evaluate(() => window.probeClock(50)));

    // The container's size goes to the host once laid out.
    await client.waitForTimeout(300);
    const loopMs = total * 4 * (spacingMs + 50) + 10000; // four kinds a round, with room for slow timers
    const split = (arrivals) => ({
      key: arrivals.filter((a) => a.type === INPUT_TYPE.Keyboard),
      move: arrivals.filter((a) => a.type === INPUT_TYPE.MouseAbsolute && a.y < CLICK_ROW),
      click: arrivals.filter((a) => a.type === INPUT_TYPE.MouseClick),
    });
    const repeated = []; // per repeat, its samples by kind
    for (let repeat = 0; repeat < repeats; repeat++) {
      // Each repeat starts from a quiet input channel and counts its own arrivals.
      await host.evaluate(() => {
        window.arrivals.petrichor.length = 0;
        window.arrivals.raw.length = 0;
      });
      const samples = await within(loopMs, "the dispatch loop", client.evaluate((o) => window.run(o), { rounds: total, spacingMs }));
      const arrived = await host
        .waitForFunction(
          ({ n, type, row }) => {
            const count = (f) => window.arrivals.petrichor.filter(f).length;
            return (
              window.arrivals.raw.length >= n &&
              count((a) => a.type === type.Keyboard) >= n &&
              count((a) => a.type === type.MouseClick) >= n &&
              count((a) => a.type === type.MouseAbsolute && a.y < row) >= n
            );
          },
          { n: total, type: INPUT_TYPE, row: CLICK_ROW },
          { timeout: 10000, polling: 100 },
        )
        .catch(() => null);
      const { petrichor, raw } = await host.evaluate(() => window.arrivals);
      const byKind = { ...split(petrichor), raw };
      if (!arrived) {
        const counts = Object.entries(byKind).map(([kind, list]) => `${kind} ${list.length}/${total}`).join(", ");
        const errors = [...(await host.evaluate(() => window.errors)), ...host.errors, ...(await client.evaluate(() => window.errors)), ...client.errors];
        throw new Error(`input-latency bench: not every input reached the host page (${counts}); page errors: ${JSON.stringify(errors)}`);
      }
      checkOrder("key", byKind.key, (i) => ({ action: i % 2, key: 44 })); // down, up, …; VirtualKey.A
      checkOrder("move", byKind.move, (i) => ({ x: 10 + (i % 600), y: 10 + ((i * 7) % 300) }));
      checkOrder("click", byKind.click, (i) => ({ action: i % 2, button: 0 }));
      const firstRaw = byKind.raw[0].index; // the raw page's counter runs on from one repeat to the next
      checkOrder("raw", byKind.raw, (i) => ({ index: firstRaw + i }));

      // The host's clock runs offsetMs ahead of the client's: take it off every arrival time.
      const measured = (kind, keep = () => true) =>
        samples[kind]
          .map((s, i) => ({ ...s, latency: byKind[kind][i].t - clock.offsetMs - s.t0 }))
          .filter((_, i) => i >= warmup && keep(i));
      repeated.push({
        key: measured("key"),
        move: measured("move"),
        // A button down sends the pointer's position first, then the button; a button up only the button.
        buttonDown: measured("click", (i) => i % 2 === 0),
        buttonUp: measured("click", (i) => i % 2 === 1),
        raw: measured("raw").map((s) => ({ ...s, bytes: 4 })),
      });
    }
    const idle = await measureIdleCost(host, client, { windows: idleWindows, seconds: idleSeconds });
    const result = { rounds, warmup, spacingMs, repeats, clock, idle };
    const latencies = (list) => list.map((s) => s.latency);
    for (const kind of Object.keys(repeated[0])) {
      const list = repeated.flatMap((byKind) => byKind[kind]);
      const roundP50s = repeated.map((byKind) => summarize(latencies(byKind[kind])).p50);
      result[kind] = { ...summarize(latencies(list)), bytesPerEvent: bytesPerEvent(list), roundP50s };
    }
    return result;
  } finally {
    await browser?.close().catch(() => {});
    await server?.close();
    await gateway?.close();
  }
}
