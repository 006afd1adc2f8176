// The npm start page in Debian's Chromium: two tabs connect to the gateway on the same origin, one
// connects to the other's peer id, both show the peer Connected, and they chat over a data channel.
// A reload keeps the peer id.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startDemoServer } from "../../js/server/demo.js";
import { launchBrowser, openPage } from "../helpers/browser.mjs";

let demo;
let browser;

before(async () => {
  demo = await startDemoServer({ keys: { browser_key: "browser-org" } });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await demo?.close();
});

async function ownId(page) {
  await page.waitForFunction(() => /^\d+$/.test(document.getElementById("own-id").textContent), null, { timeout: 15000 });
  return page.textContent("#own-id");
}

test("two tabs of the demo page connect to each other", async () => {
  const first = await openPage(browser, `${demo.url}/`);
  const second = await openPage(browser, `${demo.url}/`);
  const firstId = await ownId(first);
  const secondId = await ownId(second);
  // Both tabs share localStorage, hence a resume token; the gateway still gives each its own id.
  assert.notEqual(firstId, secondId);

  await first.fill("#peer-id", secondId);
  await first.click("#connect-button");
  for (const [page, remoteId] of [
    [first, secondId],
    [second, firstId],
  ]) {
    await page.waitForSelector(`#peers li[data-peer-id="${remoteId}"][data-state="Connected"]`, { timeout: 20000 });
  }
  assert.equal(await first.textContent("#gateway-status"), "connected");

  // The chat box works both ways over a reliable data channel.
  await first.waitForSelector("#chat-input:not([disabled])", { timeout: 10000 });
  await second.waitForSelector("#chat-input:not([disabled])", { timeout: 10000 });
  await first.fill("#chat-input", "hello from the first tab");
  await first.click("#chat-send");
  await second.waitForFunction(
    (id) => [...document.querySelectorAll("#chat-log li")].some((li) => li.textContent === `${id}: hello from the first tab`),
    firstId,
    { timeout: 10000 },
  );
  await second.fill("#chat-input", "and back ✓");
  await second.click("#chat-send");
  await first.waitForFunction(
    (id) => [...document.querySelectorAll("#chat-log li")].some((li) => li.textContent === `${id}: and back ✓`),
    secondId,
    { timeout: 10000 },
  );
  assert.deepEqual(first.errors, []);
  assert.deepEqual(second.errors, []);

  // Disconnecting shows on both sides.
  await first.click(`#peers li[data-peer-id="${secondId}"] button.disconnect-button`);
  await second.waitForSelector(`#peers li[data-peer-id="${firstId}"]`, { state: "detached", timeout: 20000 });
  await first.close();
  await second.close();
});

test("a connection to an unknown peer id shows the SDK's error", async () => {
  const page = await openPage(browser, `${demo.url}/`);
  await ownId(page);
  await page.fill("#peer-id", "123456789");
  await page.click("#connect-button");
  await page.waitForFunction(
    () => [...document.querySelectorAll("#messages li.error")].some((li) => li.textContent.includes("The target peer is not connected to Rainway.")),
    null,
    { timeout: 10000 },
  );
  await page.close();
});

test("a reloaded page keeps its peer id", async () => {
  const page = await openPage(browser, `${demo.url}/`);
  const before = await ownId(page);
  await page.reload();
  const afterReload = await ownId(page);
  assert.equal(afterReload, before);
  await page.close();
});

test("the demo page watches the demo host's live stream, and typing in it changes the demo app", { timeout: 60000 }, async () => {
  const page = await openPage(browser, `${demo.url}/`);
  await ownId(page);
  await page.waitForSelector("#demo-host-line:not([hidden])");
  await page.click("#watch-demo");
  await page.waitForSelector("#stream-view canvas.rainway-canvas", { timeout: 20000 });
  // Pictures arrive: the canvas gets the stream's size and is no longer blank. The demo app's virtual
  // display follows the page's view (ViewportResize), so that size is the view's (even numbers).
  await page.waitForFunction(
    () => {
      const canvas = document.querySelector("#stream-view canvas");
      const view = document.querySelector("#stream-view .rainway-inner-container");
      if (!canvas || canvas.width !== (Math.round(view.clientWidth) & ~1) || canvas.height !== (Math.round(view.clientHeight) & ~1)) return false;
      const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height / 4).data;
      for (let i = 0; i < data.length; i += 4096) if (data[i] + data[i + 1] + data[i + 2] > 60) return true;
      return false;
    },
    null,
    { timeout: 30000 },
  );
  // The demo host is interactive: a key typed in the stream repaints the demo app (r → red).
  await page.focus("#stream-view .rainway-inner-container");
  await page.keyboard.press("KeyR");
  await page.waitForFunction(
    () => {
      const canvas = document.querySelector("#stream-view canvas");
      const [r, g, b] = canvas.getContext("2d").getImageData(10, canvas.height - 10, 1, 1).data;
      return r > 200 && g < 60 && b < 60;
    },
    null,
    { timeout: 20000 },
  );
  await page.check("#stats-overlay");
  await page.waitForFunction(() => /fps\s+\d/.test(document.querySelector(".rainway-stats-overlay")?.textContent ?? ""), null, { timeout: 5000 });
  assert.deepEqual(page.errors, []);
  await page.close();
});
