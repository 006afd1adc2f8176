// A browser host's send path in its media worker: a host page (in a Chromium of its own, with the fake
// camera, whose frames need no main thread) streams the camera with sendTrack to a client page. Its
// encoders, packetizing, SRTP and pacing run in the worker, so that a blocked main thread on the host
// does not stop the stream; with sendTrack's mediaWorker: false they run on the main thread, which does.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { FAKE_MEDIA_ARGS, launchBrowser, openPage, serveRepository } from "../helpers/browser.mjs";
import { startGateway } from "../../js/gateway/index.js";

// The host page runs in a Chromium of its own: pages of one site in one browser can share a renderer
// process, and with it the main thread that the host blocks.
const fixture = { gateway: null, server: null, browser: null, hostBrowser: null };

before(async () => {
  fixture.gateway = await startGateway({ keys: { key: "org" } });
  fixture.server = await serveRepository();
  fixture.browser = await launchBrowser();
  fixture.hostBrowser = await launchBrowser({ extraArgs: FAKE_MEDIA_ARGS });
});
after(async () => {
  await fixture.hostBrowser?.close();
  await fixture.browser?.close();
  await fixture.server?.close();
  await fixture.gateway?.close();
});

/** A host page streaming its camera (query: more of host.html's), and a client page playing it. */
async function hostAndClient(hostQuery) {
  const query = new URLSearchParams({ key: "key", gateway: fixture.gateway.url, source: "camera", ...hostQuery });
  const host = await openPage(fixture.hostBrowser, `${fixture.server.url}/test-pages/host.html?${query}`);
  await host.waitForSelector("body[data-ready=yes]", { state: "attached" });
  const hostId = await host.evaluate(() => window.startHost());
  const clientQuery = new URLSearchParams({ key: "key", gateway: fixture.gateway.url, host: hostId });
  const client = await openPage(fixture.browser, `${fixture.server.url}/test-pages/client.html?${clientQuery}`);
  await client.waitForSelector("body[data-ready=yes]", { state: "attached" });
  await client.evaluate(() => window.startStream());
  await client.waitForFunction(() => window.playback().video?.framesDecoded >= 10, null, { timeout: 30000 });
  return { host, client };
}

/**
 * Blocks the host page's main thread for 3 s; returns how many frames the client decoded in its middle
 * 2 s (the client samples its count on its own clock, which the host's shares: one machine).
 */
async function framesWhileHostBlocked(host, client) {
  await client.evaluate(() => {
    window.samples = [];
    window.sampler = setInterval(() => window.samples.push([Date.now(), window.playback().video.framesDecoded]), 50);
  });
  const { start, end } = await host.evaluate(() => window.block(3000));
  await new Promise((resolve) => setTimeout(resolve, 300));
  const samples = await client.evaluate(() => {
    clearInterval(window.sampler);
    return window.samples;
  });
  const at = (time) => samples.findLast(([when]) => when <= time)?.[1];
  const from = at(start + 500);
  const to = at(end - 500);
  assert.ok(from !== undefined && to !== undefined, `the client sampled through the block (${samples.length} samples)`);
  return to - from;
}

test("a browser host sends from its media worker: with the host page's main thread blocked, the client's picture keeps moving", { timeout: 120000 }, async (t) => {
  const { host, client } = await hostAndClient({});
  try {
    const logs = await host.evaluate(() => window.logs);
    assert.ok(logs.some((line) => /: encoding a video track in the media worker/.test(line)), logs.join("\n"));
    const during = await framesWhileHostBlocked(host, client);
    t.diagnostic(`frames decoded in 2 s of the host's main thread blocked: ${during}`);
    assert.ok(during >= 15, `the client decoded ${during} frames in 2 s of the host's main thread blocked`);
    // The encoder's counters and the sender's core counters reach the page from the worker.
    await host.waitForFunction(() => window.videoCounters.framesEncoded >= 30 && window.outbound.counters().videoFrames >= 30, null, { timeout: 10000 });
    const counters = await host.evaluate(() => window.outbound.counters());
    assert.ok(counters.videoPackets >= counters.videoFrames && counters.targetBps > 0, JSON.stringify(counters));
    assert.ok((await host.evaluate(() => window.audioCounters.framesEncoded)) > 0, "the sound is encoded in the worker too");
    // Frames of the app's own cannot be mixed in: the worker numbers the packets now.
    const refused = await host.evaluate(() => {
      try {
        window.outbound.sendVideo({ type: "key", timestamp: 0, data: new Uint8Array([0, 0, 0, 1, 0x65]) });
        return null;
      } catch (error) {
        return error.message;
      }
    });
    assert.match(refused ?? "", /its media is sent from the media worker by sendTrack/);
    const second = await host.evaluate(() => {
      try {
        window.outbound.sendTrack(window.videoTrack.clone());
        return null;
      } catch (error) {
        return error.message;
      }
    });
    assert.match(second ?? "", /already sends a video track/);
    // A client's keyframe request reaches the worker's sender, which says so to the page ("keyframe-request").
    await client.evaluate(() => window.stream.requestKeyframe());
    await host.waitForFunction(() => window.keyframeRequests >= 1, null, { timeout: 10000 });
    // A client's request for a lower rate reaches the worker's encoder and rate controller.
    await client.evaluate(() => window.stream.requestBitrate(200_000));
    await host.waitForFunction(() => window.outbound.counters().targetBps <= 200_000, null, { timeout: 10000 });
    assert.deepEqual(await host.evaluate(() => window.errors), []);
    assert.deepEqual(await client.evaluate(() => window.errors), []);
    // Closing the stream ends the worker's sender: the client sees the stream close.
    await host.evaluate(() => window.outbound.close("done"));
    await client.waitForFunction(() => window.playback().readyState === "Disposed", null, { timeout: 10000 });
    assert.equal(await host.evaluate(() => window.outbound.counters()), null);
  } finally {
    await client.close();
    await host.close();
  }
});

test("sendTrack with mediaWorker: false encodes on the host page's main thread, which a blocked main thread stops", { timeout: 120000 }, async (t) => {
  const { host, client } = await hostAndClient({ mediaWorker: "0" });
  try {
    const logs = await host.evaluate(() => window.logs);
    assert.ok(logs.some((line) => /: encoding a video track on this thread/.test(line)), logs.join("\n"));
    const during = await framesWhileHostBlocked(host, client);
    t.diagnostic(`frames decoded in 2 s of the host's main thread blocked: ${during}`);
    assert.ok(during <= 5, `the client decoded ${during} frames in 2 s of the host's main thread blocked`);
    await host.waitForFunction(() => window.outbound.counters().videoFrames >= 30, null, { timeout: 10000 });
    assert.deepEqual(await host.evaluate(() => window.errors), []);
  } finally {
    await client.close();
    await host.close();
  }
});
