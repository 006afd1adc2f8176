// Browser test harness: Debian's Chromium driven by playwright-core (never a downloaded browser),
// pages served from this repository on loopback.
import { after, before } from "node:test";
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

/** Launches headless Chromium; console errors and page errors are collected on each new page. */
export async function launchBrowser() {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  return browser;
}

/** Opens a page and records its console errors and uncaught exceptions in page.errors. */
export async function openPage(browser, url) {
  const page = await browser.newPage();
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
