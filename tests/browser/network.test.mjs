// The npm start page in Debian's Chromium: two tabs connect to the gateway on the same origin, one
// connects to the other's peer id, both show the peer Connected, and they chat over a data channel.
// A reload keeps the peer id. The page connects with an access token the demo server mints; the API
// key never reaches it.
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

  // Disconnecting shows on both sides, as a hang-up rather than a failure.
  await first.click(`#peers li[data-peer-id="${secondId}"] button.disconnect-button`);
  await second.waitForSelector(`#peers li[data-peer-id="${firstId}"]`, { state: "detached", timeout: 20000 });
  await first.waitForSelector(`#peers li[data-peer-id="${secondId}"]`, { state: "detached", timeout: 20000 });
  assert.match(await first.textContent("#messages"), new RegExp(`You disconnected from ${secondId}\\.`));
  assert.match(await second.textContent("#messages"), new RegExp(`\\(${firstId}\\) disconnected\\.`));
  for (const page of [first, second]) assert.doesNotMatch(await page.textContent("body"), /Failed|Rainway/);
  await first.close();
  await second.close();
});

test("the demo page connects with an access token: nothing it fetches or sends holds the API key", async () => {
  const page = await browser.newPage();
  const fetched = [];
  page.on("response", (response) => fetched.push(response.body().then((body) => ({ url: response.url(), body }), () => ({ url: response.url(), body: null }))));
  const sent = [];
  page.on("websocket", (socket) => socket.on("framesent", ({ payload }) => sent.push(String(payload))));
  await page.goto(`${demo.url}/`);
  await ownId(page);
  const responses = await Promise.all(fetched);
  const config = responses.find(({ url }) => new URL(url).pathname === "/demo-config.json");
  const { accessToken, externalId } = JSON.parse(config.body.toString());
  assert.match(accessToken, /^at1\./);
  assert.match(externalId, /^Chrome\/\d+ tab$/);
  for (const { url, body } of responses) {
    assert.ok(body, `the body of ${url} was read`);
    assert.equal(body.includes(demo.apiKey), false, `${url} holds the API key`);
  }
  assert.ok(responses.some(({ url }) => url.endsWith(".wasm")), "the core was among them");
  const hello = JSON.parse(sent[0]);
  assert.equal(hello.type, "hello");
  assert.equal(hello.apiKey, accessToken);
  assert.equal(hello.externalId, externalId);
  for (const frame of sent) assert.equal(frame.includes(demo.apiKey), false);
  await page.close();
});

test("a connection to an unknown peer id is said in plain words under the form", async () => {
  const page = await openPage(browser, `${demo.url}/`);
  await ownId(page);
  await page.fill("#peer-id", "123456789");
  await page.click("#connect-button");
  await page.waitForSelector("#connect-error:not([hidden])", { timeout: 10000 });
  const text = await page.textContent("#connect-error");
  assert.match(text, /^Nobody is online with that peer id\./);
  assert.doesNotMatch(text, /Rainway|PT_ERR|SDK Error/);
  // Something that is not a peer id is refused there too, before any request.
  await page.fill("#peer-id", "12ab");
  await page.click("#connect-button");
  await page.waitForFunction(() => document.getElementById("connect-error").textContent.includes("is not a peer id"));
  assert.equal(await page.getAttribute("#peer-id", "aria-invalid"), "true");
  assert.deepEqual(page.errors, []);
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
  await page.waitForSelector("#stream-view .rainway-video, #stream-view .rainway-canvas", { timeout: 20000 });
  // Pictures arrive: the picture gets the stream's size and is no longer blank. The demo app's virtual
  // display follows the page's view (ViewportResize), so that size is the view's (even numbers).
  await page.waitForFunction(
    () => {
      const view = document.querySelector("#stream-view .rainway-inner-container");
      const { context, width, height } = window.streamPicture(view);
      if (!context || width !== (Math.round(view.clientWidth) & ~1) || height !== (Math.round(view.clientHeight) & ~1)) return false;
      const data = context.getImageData(0, 0, width, height / 4).data;
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
      const { context, height } = window.streamPicture(document.querySelector("#stream-view"));
      if (!context) return false;
      const [r, g, b] = context.getImageData(10, height - 10, 1, 1).data;
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

/** Waits until the page's stream view shows the demo page's animated picture (its blue top-left corner). */
async function waitForSharedPicture(page) {
  await page.waitForFunction(
    () => {
      const { context, width, height } = window.streamPicture(document.querySelector("#stream-view"));
      if (!context || width < 16 || height < 16) return false;
      const [r, g, b] = context.getImageData(Math.floor(width / 16), Math.floor(height / 16), 1, 1).data;
      return Math.abs(r - 32) < 40 && Math.abs(g - 80) < 40 && Math.abs(b - 224) < 40;
    },
    null,
    { timeout: 30000 },
  );
}

test("two tabs of the demo page stream to each other: each answers the other's Stream with its animated picture", { timeout: 90000 }, async () => {
  const first = await openPage(browser, `${demo.url}/`);
  const second = await openPage(browser, `${demo.url}/`);
  const firstId = await ownId(first);
  const secondId = await ownId(second);
  await first.fill("#peer-id", secondId);
  await first.click("#connect-button");
  for (const [page, remoteId] of [
    [first, secondId],
    [second, firstId],
  ]) {
    await page.waitForSelector(`#peers li[data-peer-id="${remoteId}"][data-state="Connected"]`, { timeout: 20000 });
  }
  // Each presses Stream on the other; each shares the animated canvas (the default source).
  await first.click(`#peers li[data-peer-id="${secondId}"] button.stream-button`);
  await second.click(`#peers li[data-peer-id="${firstId}"] button.stream-button`);
  for (const [page, remoteId] of [
    [first, secondId],
    [second, firstId],
  ]) {
    await waitForSharedPicture(page);
    await page.waitForSelector(`#outbound li[data-peer-id="${remoteId}"]`, { timeout: 10000 });
    assert.match(await page.textContent("#stream-status"), new RegExp(`Watching .*\\(${remoteId}\\)`));
    assert.equal(await page.isHidden("#stream-error"), true);
  }
  // The picture moves: frames keep arriving.
  const before = await first.evaluate(() => window.streamPicture(document.querySelector("#stream-view")).context.canvas.toDataURL());
  await first.waitForFunction(
    (previous) => window.streamPicture(document.querySelector("#stream-view")).context?.canvas.toDataURL() !== previous,
    before,
    { timeout: 10000 },
  );

  // The sharer stops: the watcher is told the stream ended, and the sharer's list empties.
  await second.click(`#outbound li[data-peer-id="${firstId}"] button.stop-button`);
  await first.waitForFunction(() => document.getElementById("stream-status").textContent.startsWith("The stream ended"), null, { timeout: 15000 });
  await second.waitForSelector(`#outbound li[data-peer-id="${firstId}"]`, { state: "detached", timeout: 10000 });
  assert.deepEqual(first.errors, []);
  assert.deepEqual(second.errors, []);
  await first.close();
  await second.close();
});

test("the demo host announces a stream: the page offers it, and Join shows it", { timeout: 60000 }, async () => {
  const page = await openPage(browser, `${demo.url}/`);
  await ownId(page);
  await page.waitForSelector("#demo-host-line:not([hidden])");
  const hostId = await page.textContent("#demo-host-id");
  await page.fill("#peer-id", hostId);
  await page.click("#connect-button");
  await page.waitForSelector(`#peers li[data-peer-id="${hostId}"][data-state="Connected"]`, { timeout: 20000 });
  const offer = await page.waitForSelector(`#announcements li[data-offer^="${hostId}/"]`, { timeout: 20000 });
  assert.match(await offer.textContent(), /the demo host .* offers stream \d+ \(640×360\)/);
  await page.click(`#announcements li[data-offer^="${hostId}/"] button.join-button`);
  await page.waitForSelector("#stream-view .rainway-video, #stream-view .rainway-canvas", { timeout: 20000 });
  await page.waitForFunction(
    () => {
      const { context, width, height } = window.streamPicture(document.querySelector("#stream-view"));
      if (!context || width !== 640 || height !== 360) return false;
      const data = context.getImageData(0, 0, width, height).data;
      for (let i = 0; i < data.length; i += 4096) if (data[i] + data[i + 1] + data[i + 2] > 60) return true;
      return false;
    },
    null,
    { timeout: 30000 },
  );
  assert.match(await page.textContent("#stream-status"), /^Joined stream \d+ of the demo host/);
  await page.click("#stop-watching");
  assert.equal(await page.textContent("#stream-status"), "You stopped watching.");
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("the page reads well: peers and chat in view on a laptop, no sideways scrolling on a phone, a copy button for the id", async () => {
  const page = await openPage(browser, `${demo.url}/`);
  await page.setViewportSize({ width: 1280, height: 720 });
  const id = await ownId(page);
  for (const selector of ["#own-id", "#copy-id", "#connect-form", "#peers", "#chat-form", "#stream-view"]) {
    const box = await page.locator(selector).boundingBox();
    assert.ok(box && box.y >= 0 && box.y + box.height <= 720 && box.x + box.width <= 1280, `${selector} in view at 1280×720: ${JSON.stringify(box)}`);
  }
  // The copy button puts the id on the clipboard.
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: demo.url });
  await page.click("#copy-id");
  await page.waitForFunction(() => document.getElementById("copy-id").textContent === "Copied");
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), id);

  // A phone: one column, nothing wider than the screen, the id and peers still there.
  await page.setViewportSize({ width: 390, height: 844 });
  assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 390);
  for (const selector of ["#own-id", "#copy-id", "#connect-form", "#peers", "#chat-form"]) {
    const box = await page.locator(selector).boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= 390, `${selector} fits at 390 px: ${JSON.stringify(box)}`);
    assert.ok(box.y + box.height <= 844, `${selector} in view at 390×844 without scrolling: ${JSON.stringify(box)}`);
  }
  const { x: idX } = await page.locator("#own-id").boundingBox();
  const { x: streamX } = await page.locator("#stream-view").boundingBox();
  assert.ok(Math.abs(idX - streamX) < 60, "one column");
  assert.deepEqual(page.errors, []);
  await page.close();
});
