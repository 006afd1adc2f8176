// The media worker: a browser host page (in a Chromium of its own) streams its animated canvas (a frame counter in bit blocks) to
// client pages whose streams play in the media worker (the default), on the main thread (the
// connection's mediaWorker: false), or on the main thread for one stream (createStream's
// mediaWorker: false), each showing the picture in a <video> (a generated track) or, where the browser
// has no MediaStreamTrackGenerator, a canvas. A blocked main thread stops the main thread's player, not
// the worker's.
import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser, openPage, serveRepository } from "../helpers/browser.mjs";
import { closeStream, expectPlaying, pauseAndPlay } from "../helpers/client-page.mjs";
import { startGateway } from "../../js/gateway/index.js";

// The host page runs in a Chromium of its own: pages of one site in one browser can share a renderer
// process, and with it the main thread that the client pages block.
const fixture = { gateway: null, server: null, browser: null, hostBrowser: null };
let hostPage;
let hostId;

before(async () => {
  fixture.gateway = await startGateway({ keys: { key: "org" } });
  fixture.server = await serveRepository();
  fixture.browser = await launchBrowser({ softwareGpu: true }); // see SOFTWARE_GPU_ARGS
  fixture.hostBrowser = await launchBrowser();
});
// Each test streams from a host page of its own, so that what an earlier test's streams left behind on
// a host (encoders, peers still closing) cannot slow the next test's host on a busy machine.
beforeEach(async () => {
  await hostPage?.close();
  hostPage = await openPage(fixture.hostBrowser, `${fixture.server.url}/test-pages/host.html?${new URLSearchParams({ key: "key", gateway: fixture.gateway.url })}`);
  await hostPage.waitForSelector("body[data-ready=yes]", { state: "attached" });
  hostId = await hostPage.evaluate(() => window.startHost());
});
after(async () => {
  await hostPage?.close();
  await fixture.hostBrowser?.close();
  await fixture.browser?.close();
  await fixture.server?.close();
  await fixture.gateway?.close();
});

const PATHS = {
  "the media worker": {},
  "the main thread (the connection's mediaWorker: false)": { mediaWorker: "0" },
  "the main thread (createStream's mediaWorker: false)": { streamWorker: "0" },
  // A browser without MediaStreamTrackGenerator: pictures are drawn into the canvas's OffscreenCanvas.
  "the media worker, into a canvas": { canvas: "1" },
};

async function clientPage(extra = {}) {
  const query = new URLSearchParams({ key: "key", gateway: fixture.gateway.url, host: String(hostId), ...extra });
  const page = await openPage(fixture.browser, `${fixture.server.url}/test-pages/client.html?${query}`);
  await page.waitForSelector("body[data-ready=yes]", { state: "attached" });
  await page.evaluate(() => window.startStream());
  await page.waitForFunction(() => window.playback().video?.framesDecoded >= 10, null, { timeout: 30000 });
  return page;
}

test("the media worker keeps decoding and painting while the page's main thread is blocked; the main thread's player paints nothing then", { timeout: 120000 }, async () => {
  const blocked = {};
  for (const [name, extra] of Object.entries(PATHS).slice(0, 2)) {
    const page = await clientPage(extra);
    try {
      const counterBefore = await page.evaluate(() => window.counter());
      // Five blocks of 300 ms, 100 ms apart: app work that holds the main thread.
      blocked[name] = await page.evaluate(() => window.blockMainThread(300, 5));
      // Either way the picture moves on afterwards.
      await page.waitForFunction((before) => window.counter() !== before, counterBefore, { timeout: 10000 });
      assert.equal(await page.evaluate(() => window.inWorker()), name === "the media worker", `${name}: who draws the picture`);
      assert.deepEqual(await page.evaluate(() => window.errors), []);
      assert.deepEqual(page.errors, []);
    } finally {
      await page.close();
    }
  }
  const [worker, main] = Object.values(blocked);
  assert.ok(worker.all > 0 && main.all > 0, JSON.stringify(blocked));
  assert.equal(main.during, 0, `the main thread's player drew nothing while the main thread was blocked: ${JSON.stringify(blocked)}`);
  assert.ok(worker.during > main.during, `the worker drew pictures while the main thread was blocked: ${JSON.stringify(blocked)}`);
  // And they reached the screen: the worker's track (or canvas) needs no main thread to be shown.
  assert.ok(worker.moved > main.moved, `the picture on screen moved on while the main thread was blocked: ${JSON.stringify(blocked)}`);
  // The sound too: the worker's decoded samples reach the audio thread without the page's main
  // thread, whose own decoder stops while it is blocked (longer than the 150 ms playout buffer).
  assert.ok(main.audioSilentMs > 0, `the main thread's sound ran dry while it was blocked: ${JSON.stringify(blocked)}`);
  assert.ok(worker.audioSilentMs < main.audioSilentMs, `the worker's sound kept playing while the main thread was blocked: ${JSON.stringify(blocked)}`);
});

for (const [name, extra] of Object.entries(PATHS)) {
  test(`on ${name}: ready states, "frame" events while listened, pause/play, stats and counters, close`, { timeout: 90000 }, async () => {
    const page = await clientPage(extra);
    try {
      const inWorker = name.startsWith("the media worker");
      assert.equal(await page.evaluate(() => window.inWorker()), inWorker);
      assert.equal(await page.evaluate(() => window.pictureElement()), extra.canvas ? "canvas" : "video");
      const logs = await page.evaluate(() => window.logs);
      assert.equal(logs.some((line) => /^Stream: .*: playing in the media worker$/.test(line)), inWorker);
      assert.ok(logs.some((line) => /: audio plays on the audio thread \(AudioWorklet\)$/.test(line)), "the sound plays through the playout processor");
      let playback = await expectPlaying(page);
      assert.deepEqual(playback.readyStates.slice(0, 3), ["Initializing", "WaitingForKeyframe", "Playing"]);
      // The core's counters: the receive path's (from the worker's core on that path) and the page's own.
      assert.ok(playback.counters.videoFrames >= 10 && playback.counters.videoBytes > 0, JSON.stringify(playback.counters));

      // "frame" events: the assembled frames, video and audio, while the app listens.
      const frames = await page.evaluate(async () => {
        const seen = { video: 0, audio: 0, keys: 0, empty: 0, timestamps: [], misdated: 0 };
        const listenedAt = performance.timeOrigin + performance.now();
        const listener = (frame) => {
          seen[frame.kind]++;
          // Assembled (in whichever thread) after the app listened, and before the event reached it.
          const now = performance.timeOrigin + performance.now();
          if (!(frame.assembledAt >= listenedAt - 100 && frame.assembledAt <= now + 1)) seen.misdated++; // threads' time origins are coarsened
          if (frame.type === "key") seen.keys++;
          if (!(frame.data instanceof Uint8Array) || frame.data.length === 0) seen.empty++;
          if (frame.kind === "video") seen.timestamps.push(frame.timestamp);
        };
        window.stream.addEventListener("frame", listener);
        await new Promise((resolve) => setTimeout(resolve, 1500));
        window.stream.removeEventListener("frame", listener);
        const after = seen.video;
        await new Promise((resolve) => setTimeout(resolve, 300));
        return { ...seen, afterRemoval: seen.video - after, ordered: seen.timestamps.every((t, i, all) => i === 0 || t > all[i - 1]) };
      });
      assert.ok(frames.video >= 10 && frames.audio >= 10, JSON.stringify(frames));
      assert.equal(frames.empty, 0);
      assert.equal(frames.misdated, 0, `every frame says when it was assembled: ${JSON.stringify(frames)}`);
      assert.equal(frames.afterRemoval, 0);
      assert.equal(frames.ordered, true);

      await pauseAndPlay(page);
      playback = await expectPlaying(page);
      assert.ok(playback.audio.framesDecoded > 10, JSON.stringify(playback.audio));
      assert.equal(playback.video.decoderErrors, 0);
      const size = await page.evaluate(() => window.stream.currentFrameSize);
      assert.deepEqual(size, { codecWidth: 320, codecHeight: 240 });
      // The picture on screen: the stream's size, and moving.
      assert.equal((await page.evaluate(() => window.pixel())).width, 320);
      const shown = await page.evaluate(() => window.counter());
      await page.waitForFunction((before) => window.counter() !== before, shown, { timeout: 10000 });

      await closeStream(page);
    } finally {
      await page.close();
    }
  });
}

for (const [name, extra] of Object.entries(PATHS).slice(0, 2)) {
  test(`on ${name}: smooth playout delays pictures by the jitter it sees, and instant playout again by none`, { timeout: 90000 }, async () => {
    const page = await clientPage({ ...extra, playout: "smooth" });
    try {
      assert.equal(await page.evaluate(() => window.stream.playout), "smooth");
      // The decoder's output is never perfectly even: smooth playout waits a little, within its bound.
      await page.waitForFunction(() => window.playback().video?.playoutDelayMs > 0, null, { timeout: 20000 });
      const smooth = (await page.evaluate(() => window.playback())).video;
      assert.ok(smooth.playoutDelayMs <= 150, JSON.stringify(smooth));
      let counter = await page.evaluate(() => window.counter());
      await page.waitForFunction((before) => window.counter() !== before, counter, { timeout: 10000 });
      await page.evaluate(() => (window.stream.playout = "instant"));
      await page.waitForFunction(() => window.playback().video.playoutDelayMs === 0, null, { timeout: 10000 });
      counter = await page.evaluate(() => window.counter());
      await page.waitForFunction((before) => window.counter() !== before, counter, { timeout: 10000 });
      assert.equal(await page.evaluate(() => window.stream.playout), "instant");
      assert.deepEqual(await page.evaluate(() => window.errors), []);
      assert.deepEqual(page.errors, []);
    } finally {
      await page.close();
    }
  });
}
