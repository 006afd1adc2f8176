// One side of the impaired-stream bench (bench/impaired-stream.mjs), run inside a network namespace
// of an impaired link (tests/helpers/impaired-link.mjs):
//   node bench/impaired-peer.mjs host <own address> <bitrate> [<width>x<height> <fps>]
//     serves the SDK and the bench pages and runs a gateway, both on every address of the namespace,
//     and opens the host page in headless Chromium (which connects to the gateway as a host peer);
//   node bench/impaired-peer.mjs client <origin> [software-gpu]
//     opens the client page from the host's origin in headless Chromium (with a GPU in software, so that
//     a media worker draws without the main thread: tests/helpers/browser.mjs SOFTWARE_GPU_ARGS).
// It reports on stdout, one JSON object per line: {ready, ...} once up (or {fatal} and exits), then
// {reply, result} or {reply, error} for each command read from stdin, one JSON object per line:
// {id, fn, args} calls window[fn](...args) in the page; {id, fn: "errors"} returns the page's errors;
// {id, fn: "cpuMs"} the CPU time so far of this side's browser (every process under this one);
// {id, fn: "mainThreadMs"} the time the page's main thread has spent in tasks so far (DevTools' TaskDuration);
// {id, fn: "pss"} its memory now (PSS in all and by process kind, bench/measure.mjs descendantsPss);
// {fn: "quit"}, or the end of stdin, closes everything and exits.
import { createInterface } from "node:readline";
import { chromium } from "playwright-core";
import { startGateway } from "../js/gateway/index.js";
import { startStaticServer } from "../js/server/static.js";
import { CHROMIUM, CHROMIUM_ARGS, SOFTWARE_GPU_ARGS } from "../tests/helpers/browser.mjs";
import { ROOT } from "../tests/helpers/paths.mjs";
import { descendantsCpuSeconds, descendantsPss } from "./measure.mjs";

const print = (object) => process.stdout.write(`${JSON.stringify(object)}\n`);

let browser = null;
let gateway = null;
let server = null;
let page = null;
let devtools = null; // the page's DevTools session, for its main thread's task time
let closing = null;

function shutdown(code = 0) {
  closing ??= (async () => {
    const bounded = (promise) => Promise.race([promise?.catch(() => {}), new Promise((resolve) => setTimeout(resolve, 5000))]);
    await bounded(browser?.close());
    await bounded(gateway?.close());
    server?.server.closeAllConnections?.();
    await bounded(server?.close());
    process.exit(code);
  })();
  return closing;
}
process.once("SIGTERM", () => shutdown(1));
process.once("SIGINT", () => shutdown(1));

async function openPage(origin, role, query, softwareGpu = false) {
  const args = softwareGpu ? [...CHROMIUM_ARGS.filter((arg) => arg !== "--disable-gpu"), ...SOFTWARE_GPU_ARGS] : CHROMIUM_ARGS;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30000,
    // WebCodecs and MediaStreamTrackProcessor need a secure context: the bench's plain http origin is one.
    args: [...args, `--unsafely-treat-insecure-origin-as-secure=${origin}`],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  page.errors = [];
  page.on("pageerror", (error) => page.errors.push(String(error)));
  page.on("console", (message) => message.type() === "error" && page.errors.push(message.text()));
  await page.goto(`${origin}/bench-pages/impaired-${role}.html?${new URLSearchParams(query)}`, { timeout: 15000 });
  await page.waitForSelector("body[data-ready=yes]", { state: "attached", timeout: 15000 });
  const missing = await page.evaluate(() =>
    !isSecureContext ? "a secure context" : typeof VideoEncoder !== "function" || typeof VideoDecoder !== "function" ? "WebCodecs" : null,
  );
  if (missing) throw new Error(`Chromium's ${role} page at ${origin} has no ${missing}`);
}

/** The page's main thread's task time so far, in ms (DevTools' Performance domain, enabled at the first call). */
async function mainThreadMs() {
  if (!devtools) {
    devtools = await page.context().newCDPSession(page);
    await devtools.send("Performance.enable");
  }
  const { metrics } = await devtools.send("Performance.getMetrics");
  return metrics.find(({ name }) => name === "TaskDuration").value * 1000;
}

async function main() {
  const [role, ...args] = process.argv.slice(2);
  if (role === "host") {
    const [address, bitrate, size, fps] = args; // size "WxH" and fps: the picture's, when not 1280x720 at 30
    server = await startStaticServer({
      host: "0.0.0.0",
      mounts: { "/js/": `${ROOT}/js`, "/dist/": `${ROOT}/dist`, "/bench-pages/": `${ROOT}/bench/pages` },
    });
    gateway = await startGateway({ keys: { key: "org" }, host: "0.0.0.0" });
    const origin = `http://${address}:${server.server.address().port}`;
    const gatewayUrl = `ws://${address}:${gateway.port}/gateway`;
    await openPage(origin, "host", { key: "key", bitrate, ...(size && { size }), ...(fps && { fps }) });
    const id = await page.evaluate((url) => window.startPetrichor(url), gatewayUrl);
    print({ ready: true, origin, gatewayUrl, id });
  } else if (role === "client") {
    const [origin, gpu] = args;
    await openPage(origin, "client", { key: "key" }, gpu === "software-gpu");
    print({ ready: true });
  } else {
    throw new Error(`unknown role ${role}`);
  }

  const lines = createInterface({ input: process.stdin });
  lines.on("close", () => shutdown(0));
  lines.on("line", async (line) => {
    let command;
    try {
      command = JSON.parse(line);
    } catch {
      return;
    }
    if (command.fn === "quit") return shutdown(0);
    try {
      const result =
        command.fn === "errors"
          ? [...page.errors, ...(await page.evaluate(() => window.errors))]
          : command.fn === "cpuMs"
            ? descendantsCpuSeconds(process.pid) * 1000
            : command.fn === "mainThreadMs"
              ? await mainThreadMs()
            : command.fn === "pss"
              ? descendantsPss(process.pid)
              : await page.evaluate(([fn, fnArgs]) => window[fn](...fnArgs), [command.fn, command.args ?? []]);
      print({ reply: command.id, result: result ?? null });
    } catch (error) {
      print({ reply: command.id, error: error.message.split("\n")[0] });
    }
  });
}

main().catch((error) => {
  print({ fatal: error.message.split("\n")[0] });
  shutdown(1);
});
