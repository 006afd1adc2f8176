// The demo page on other origins than http://127.0.0.1: over HTTPS/WSS (npm start --cert/--key, with a
// self-signed certificate made by the test), and on a plain-http origin that is not localhost, where
// browsers withhold WebCodecs: watching then says that a secure context is needed. Also a tab sharing
// its camera or its screen (Chromium's fake devices) with another.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { startDemoServer } from "../../js/server/demo.js";
import { chromium } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS, launchBrowser, openPage } from "../helpers/browser.mjs";
import { makeCertificate } from "../helpers/certificate.mjs";

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

async function ownId(page) {
  await page.waitForFunction(() => /^\d+$/.test(document.getElementById("own-id").textContent), null, { timeout: 15000 });
  return page.textContent("#own-id");
}

test("over HTTPS the demo page reaches its gateway over WSS, and the demo host is there", { timeout: 60000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "petrichor-tls-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { cert, key } = makeCertificate(dir);
  const demo = await startDemoServer({ keys: { tls_key: "tls-org" }, tls: { cert, key } });
  t.after(() => demo.close());
  assert.match(demo.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  assert.match(demo.gatewayUrl, /^wss:\/\/127\.0\.0\.1:\d+\/gateway$/);
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  t.after(() => context.close());
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  await page.goto(`${demo.url}/`);
  await ownId(page);
  assert.equal(await page.evaluate(() => window.isSecureContext), true);
  assert.equal(await page.textContent("#gateway-status"), "connected");
  // The demo host connected through its loopback listener: the page can reach it.
  const hostId = await page.textContent("#demo-host-id");
  assert.equal(hostId, String(demo.hostId));
  await page.fill("#peer-id", hostId);
  await page.click("#connect-button");
  await page.waitForSelector(`#peers li[data-peer-id="${hostId}"][data-state="Connected"]`, { timeout: 20000 });
  assert.deepEqual(errors, []);
});

/** An IPv4 address of this machine other than loopback, or null. */
function otherAddress() {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const { family, internal, address } of addresses ?? []) if (!internal && (family === "IPv4" || family === 4)) return address;
  }
  return null;
}

test("on a plain-http origin that is not localhost, Stream says WebCodecs needs a secure context", { timeout: 60000 }, async (t) => {
  const address = otherAddress();
  if (!address) return t.skip("this machine has no address but loopback");
  const demo = await startDemoServer({ host: address, keys: { lan_key: "lan-org" }, demoHost: false });
  t.after(() => demo.close());
  const first = await openPage(browser, `${demo.url}/`);
  const second = await openPage(browser, `${demo.url}/`);
  t.after(() => first.close());
  t.after(() => second.close());
  assert.equal(await first.evaluate(() => window.isSecureContext), false);
  const secondId = await ownId(second);
  await ownId(first);
  await first.fill("#peer-id", secondId);
  await first.click("#connect-button");
  await first.waitForSelector(`#peers li[data-peer-id="${secondId}"][data-state="Connected"]`, { timeout: 20000 });
  await first.click(`#peers li[data-peer-id="${secondId}"] button.stream-button`);
  await first.waitForSelector("#stream-error:not([hidden])", { timeout: 10000 });
  const expected = `Petrichor needs WebCodecs to show streams, and browsers offer it only in a secure context: open this page over https, or on localhost (it is ${demo.url}).`;
  assert.equal(await first.textContent("#stream-error"), `Could not watch: ${expected}`);
  // Next to the button that caused it, too.
  assert.equal(await first.textContent(`#peers li[data-peer-id="${secondId}"] .peer-error`), `Could not watch: ${expected}`);
  assert.deepEqual(first.errors, []);
});

// Chromium's fake devices: a generated camera picture, and a generated "screen" for getDisplayMedia.
for (const source of ["camera", "screen"]) {
  test(`a tab that chose its ${source} answers Stream with its picture (Chromium's fake ${source})`, { timeout: 90000 }, async (t) => {
    const demo = await startDemoServer({ keys: { cam_key: "cam-org" }, demoHost: false });
    t.after(() => demo.close());
    const cameraBrowser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [...CHROMIUM_ARGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"],
    });
    t.after(() => cameraBrowser.close());
    const viewer = await openPage(cameraBrowser, `${demo.url}/`);
    const sharer = await openPage(cameraBrowser, `${demo.url}/`);
    const sharerId = await ownId(sharer);
    await ownId(viewer);
    await sharer.click(`#share-${source}`);
    await sharer.waitForSelector("#share-video:not([hidden])", { timeout: 10000 });
    assert.equal(await sharer.isHidden("#share-error"), true);
    assert.equal(await sharer.isChecked(`#share-${source}`), true);

    await viewer.fill("#peer-id", sharerId);
    await viewer.click("#connect-button");
    await viewer.waitForSelector(`#peers li[data-peer-id="${sharerId}"][data-state="Connected"]`, { timeout: 20000 });
    await viewer.click(`#peers li[data-peer-id="${sharerId}"] button.stream-button`);
    await sharer.waitForSelector("#outbound li[data-peer-id]", { timeout: 20000 });
    // The camera's or screen's picture, not the animated canvas (no blue corner).
    await viewer.waitForFunction(
      () => {
        const { context, width, height } = window.streamPicture(document.querySelector("#stream-view"));
        if (!context || width < 16) return false;
        const data = context.getImageData(0, 0, width, height).data;
        let lit = false;
        for (let i = 0; i < data.length; i += 4096) if (data[i] + data[i + 1] + data[i + 2] > 60) lit = true;
        const [r, g, b] = context.getImageData(Math.floor(width / 16), Math.floor(height / 16), 1, 1).data;
        const blueCorner = Math.abs(r - 32) < 40 && Math.abs(g - 80) < 40 && Math.abs(b - 224) < 40;
        return lit && !blueCorner;
      },
      null,
      { timeout: 30000 },
    );
    assert.deepEqual(viewer.errors, []);
    assert.deepEqual(sharer.errors, []);
  });
}
