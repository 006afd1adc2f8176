// Browser test harness: Debian's Chromium driven by playwright-core (never a downloaded browser),
// pages served from this repository on loopback.
import { after, before } from "node:test";
import { readFileSync } from "node:fs";
import { chromium } from "playwright-core";
import { startGateway } from "../../js/gateway/index.js";
import { startStaticServer } from "../../js/server/static.js";
import { ROOT } from "./paths.mjs";

export const CHROMIUM = process.env.PETRICHOR_CHROMIUM || "/usr/bin/chromium";

// Flags for a closed machine: no sandbox as root, no GPU, no background traffic to Google.
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--autoplay-policy=no-user-gesture-required",
  // Pages of a test run side by side: none of them may be throttled as a background tab.
  "--disable-background-timer-throttling",
  "--disable-backgrounding-occluded-windows",
  "--disable-renderer-backgrounding",
  // Host candidates as plain addresses: mDNS names cannot be resolved on a closed machine.
  "--disable-features=WebRtcHideLocalIpsWithMdns",
];

/** Serves the repository's web/, js/, dist/ and tests/browser/pages/ folders on loopback. */
export function serveRepository(extra = {}) {
  return startStaticServer({
    mounts: {
      "/js/": `${ROOT}/js`,
      "/dist/": `${ROOT}/dist`,
      "/test-pages/": `${ROOT}/tests/browser/pages`,
      "/": `${ROOT}/web`,
    },
    ...extra,
  });
}

/**
 * A GPU in software (SwiftShader) instead of none. Without a GPU, Chromium reads a decoded VideoFrame's
 * pixels (drawImage, copyTo) through the page's main thread, so a media worker drawing one waits for
 * a busy main thread; with one (any real GPU, or this) it does not. Costs CPU: only where it matters.
 */
export const SOFTWARE_GPU_ARGS = ["--use-gl=angle", "--use-angle=swiftshader", "--enable-unsafe-swiftshader"];

/** A camera and microphone without a device or a prompt: Chromium's own test pattern and tone. */
export const FAKE_MEDIA_ARGS = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"];

/**
 * Launches headless Chromium; console errors and page errors are collected on each new page.
 * softwareGpu: SOFTWARE_GPU_ARGS in place of --disable-gpu; extraArgs: more flags.
 */
export async function launchBrowser({ softwareGpu = false, extraArgs = [] } = {}) {
  const base = softwareGpu ? [...CHROMIUM_ARGS.filter((arg) => arg !== "--disable-gpu"), ...SOFTWARE_GPU_ARGS] : CHROMIUM_ARGS;
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...base, ...extraArgs] });
  return browser;
}

/** tests/browser/pages/picture.js as a script that defines window.streamPicture(container). */
const PICTURE_SCRIPT = `${readFileSync(`${ROOT}/tests/browser/pages/picture.js`, "utf8").replace(/^export /gm, "")}\nwindow.streamPicture = streamPicture;`;

/**
 * Opens a page and records its console errors and uncaught exceptions in page.errors. The page has
 * window.streamPicture(container) (tests/browser/pages/picture.js) for reading a stream's pixels.
 */
export async function openPage(browser, url) {
  const page = await browser.newPage();
  await page.addInitScript(PICTURE_SCRIPT);
  page.errors = [];
  page.on("pageerror", (error) => page.errors.push(String(error)));
  page.on("console", (message) => {
    if (message.type() === "error") page.errors.push(message.text());
  });
  await page.goto(url);
  return page;
}

/**
 * For a test file: a gateway (API key "key"), the repository's static server and Chromium, started
 * before its tests and stopped after them. The returned object holds them once started.
 */
export function gatewayServerAndBrowser() {
  const fixture = { gateway: null, server: null, browser: null };
  before(async () => {
    fixture.gateway = await startGateway({ keys: { key: "org" } });
    fixture.server = await serveRepository();
    fixture.browser = await launchBrowser();
  });
  after(async () => {
    await fixture.browser?.close();
    await fixture.server?.close();
    await fixture.gateway?.close();
  });
  return fixture;
}
