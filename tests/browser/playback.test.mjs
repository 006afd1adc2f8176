// Browser playback: a Node host streams ffmpeg's live output; Debian's Chromium decodes it with
// WebCodecs into the stream's container and plays its sound.
import { test } from "node:test";
import assert from "node:assert/strict";
import rainway from "../../js/index.js";
import { startFfmpegSource } from "../../js/host/ffmpeg-source.js";
import { gatewayServerAndBrowser, openPage } from "../helpers/browser.mjs";
import { closeStream, expectPlaying, pauseAndPlay } from "../helpers/client-page.mjs";
import { until } from "../helpers/events.mjs";

const fixture = gatewayServerAndBrowser();

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A Node host that answers stream requests with ffmpeg's output; returns its id and a stop. */
async function nodeHost(sourceOptions, { lossRate = 0, oversize = 0 } = {}) {
  const host = await rainway.connect({ apiKey: "key", externalId: "node-host", gatewayUrl: fixture.gateway.url });
  const state = { sources: [], streams: [], keyframeRequests: 0, dropped: 0, sent: 0, oversizeSent: 0 };
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  host.addEventListener("peer-request", async (request) => {
    const peer = await request.accept();
    if (lossRate > 0) {
      const sendMedia = peer._sendMedia.bind(peer);
      peer._sendMedia = (kind, bytes) => {
        // A hostile host's messages longer than any media message, `oversize` of them once the test arms it
        // (when the client plays: the stream's receiver is in the media worker by then).
        if (state.oversizeArmed && state.oversizeSent < oversize && random() < 0.1) {
          sendMedia(0, new Uint8Array(16384).fill(0x80));
          state.oversizeSent++;
        }
        return kind === 0 && random() < lossRate ? state.dropped++ : sendMedia(kind, bytes);
      };
    }
    peer.addEventListener("stream-request", async (streamRequest) => {
      const stream = await streamRequest.accept({ video: { codec: "avc1.42e01e", width: 320, height: 240, frameRate: 30 } });
      stream.addEventListener("keyframe-request", () => state.keyframeRequests++);
      state.streams.push(stream);
      const source = startFfmpegSource(sourceOptions);
      state.sources.push(source);
      source.on("video", (chunk) => {
        if (stream.ended) return;
        state.sent++;
        stream.sendVideo(chunk);
      });
      source.on("audio", (chunk) => !stream.ended && stream.sendAudio(chunk));
    });
  });
  return {
    id: host.id,
    state,
    stop() {
      for (const source of state.sources) source.stop();
      host.close();
    },
  };
}

/** A client page playing the host's stream; extra: more of client.html's query (mediaWorker: "0": on the main thread). */
async function clientPage(hostId, extra = {}) {
  const query = new URLSearchParams({ key: "key", gateway: fixture.gateway.url, host: String(hostId), ...extra });
  const page = await openPage(fixture.browser, `${fixture.server.url}/test-pages/client.html?${query}`);
  await page.waitForSelector("body[data-ready=yes]", { state: "attached" });
  await page.evaluate(() => window.startStream());
  return page;
}

test("a Node host's live H.264 + Opus plays in Chromium: decoded pictures of the right colour, decoded sound", { timeout: 60000 }, async () => {
  const host = await nodeHost({
    videoInput: ["-f", "lavfi", "-i", "color=c=0x2050e0:s=320x240:r=30"],
    keyframeInterval: 15,
    bitrate: 400_000,
    durationSeconds: 8,
  });
  const page = await clientPage(host.id);
  try {
    await page.waitForFunction(() => window.playback().video?.framesDecoded >= 60, null, { timeout: 20000 });
    const playback = await expectPlaying(page);
    assert.equal(playback.video.decoderErrors, 0);
    assert.ok(playback.audio.framesDecoded > 50, `audio frames decoded: ${playback.audio.framesDecoded}`);
    const { r, g, b, width, height } = await page.evaluate(() => window.pixel());
    assert.deepEqual([width, height], [320, 240]);
    // ffmpeg's 0x2050e0 through 4:2:0 H.264 and back: within a small tolerance.
    assert.ok(Math.abs(r - 0x20) < 24 && Math.abs(g - 0x50) < 24 && Math.abs(b - 0xe0) < 24, `pixel ${r},${g},${b}`);
    // After the first keyframe, the decoder keeps up: almost every frame that reaches it is shown.
    const { framesReceived, framesDecoded, framesDropped } = playback.video;
    assert.ok(framesDecoded >= 0.95 * (framesReceived - framesDropped), JSON.stringify(playback.video));
    assert.deepEqual(playback.readyStates.slice(0, 3), ["Initializing", "WaitingForKeyframe", "Playing"]);
    // The page logs at Debug: the decoders say how they were set up. (Whether the first keyframe is asked for
    // depends on whether the stream's first packets beat the client's set-up: tests/node/logging.test.mjs.)
    const logs = await page.evaluate(() => window.logs);
    for (const pattern of [
      /^Decoder: peer \d+, stream \d+: video decoder configured: avc1\.42e01e, (prefer-hardware|no-preference), optimised for latency$/,
      /^Decoder: .*: audio decoder configured: opus, 48000 Hz, 2 channel\(s\)/,
      /^Decoder: .*: picture size 320x240$/,
      /^Decoder: .*: decoding from a keyframe/,
      /^Stream: .*: playing in the media worker$/,
    ]) {
      assert.ok(logs.some((line) => pattern.test(line)), `a log line matching ${pattern}`);
    }

    await pauseAndPlay(page);
    await closeStream(page);
  } finally {
    await page.close();
    host.stop();
  }
});

test("a browser without WebCodecs gets a clear RainwayError instead of a blank element", { timeout: 30000 }, async () => {
  const host = await nodeHost({ durationSeconds: 1 });
  const query = new URLSearchParams({ key: "key", gateway: fixture.gateway.url, host: String(host.id), nowebcodecs: "1" });
  const page = await openPage(fixture.browser, `${fixture.server.url}/test-pages/client.html?${query}`);
  try {
    await page.waitForSelector("body[data-ready=yes]", { state: "attached" });
    const message = await page.evaluate(() => window.startStream().then(() => "resolved", (error) => `${error.name}: ${error.message}`));
    assert.equal(message, "RainwayError: Rainway SDK Error: This browser has no WebCodecs (VideoDecoder); Petrichor needs it to show streams.");
  } finally {
    await page.close();
    host.stop();
  }
});

for (const [path, extra] of [["in the media worker", {}], ["on the main thread", { mediaWorker: "0" }]]) {
  test(`a decoder error recovers at the next keyframe instead of leaving a black picture (${path})`, { timeout: 60000 }, async () => {
    const host = await nodeHost({ videoInput: ["-f", "lavfi", "-i", "testsrc=size=320x240:rate=30"], keyframeInterval: 15, durationSeconds: 8 });
    const page = await clientPage(host.id, extra);
    try {
      await page.waitForFunction(() => window.playback().video?.framesDecoded >= 20, null, { timeout: 20000 });
      // The host sends undecodable "keyframes": an IDR NAL header followed by noise.
      const garbage = new Uint8Array(3000).map((_, i) => (i * 7919) & 255);
      garbage.set([0, 0, 0, 1, 0x65]);
      for (let k = 0; k < 3; k++) {
        host.state.streams[0].sendVideo({ type: "key", timestamp: 99e6 + k, data: garbage });
        await sleep(50);
      }
      await page.waitForFunction(() => window.playback().video.decoderErrors >= 1, null, { timeout: 5000 });
      const afterError = await page.evaluate(() => window.playback().video.framesDecoded);
      // A fresh decoder, a keyframe, and pictures again (a deadline a busy machine cannot miss).
      await page.waitForFunction((n) => window.playback().video.framesDecoded > n + 5, afterError, { timeout: 15000 });
      await expectPlaying(page);
      const logs = await page.evaluate(() => window.logs);
      assert.ok(logs.some((line) => /^Stream: .*: requesting a keyframe: the decoder needs one: a fresh decoder after an error$/.test(line)), logs.join("\n"));
    } finally {
      await page.close();
      host.stop();
    }
  });
}

test("loss on the media channel is repaired (retransmission, FEC): the picture never stalls for 1 s, no decoder errors; messages too long for media are refused and logged once", { timeout: 60000 }, async () => {
  const host = await nodeHost(
    { videoInput: ["-f", "lavfi", "-i", "testsrc=size=320x240:rate=30"], keyframeInterval: 10, bitrate: 300_000, durationSeconds: 10 },
    { lossRate: 0.03, oversize: 5 },
  );
  const page = await clientPage(host.id);
  try {
    await page.waitForFunction(() => window.playback().video?.framesDecoded >= 10, null, { timeout: 20000 });
    host.state.oversizeArmed = true;
    // Sample how long the picture stalls: the longest time without a newly decoded frame.
    const longestStallMs = await page.evaluate(async () => {
      let last = window.playback().video.framesDecoded;
      let lastChange = performance.now();
      let longest = 0;
      const until = performance.now() + 5000;
      while (performance.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        const decoded = window.playback().video.framesDecoded;
        if (decoded !== last) {
          longest = Math.max(longest, performance.now() - lastChange);
          last = decoded;
          lastChange = performance.now();
        }
      }
      return longest;
    });
    const playback = await page.evaluate(() => window.playback());
    assert.ok(host.state.dropped > 0, "loss was injected");
    assert.ok(playback.counters.retransmitted + playback.counters.fecRecovered > 0, "the client repaired it");
    assert.equal(playback.video.decoderErrors, 0);
    assert.ok(longestStallMs < 1000, `the picture stalled at most ${Math.round(longestStallMs)} ms`);
    await until(() => host.state.oversizeSent === 5, 20000);
    const refused = () => page.evaluate(() => window.logs.filter((line) => line.includes("media message of 16384 bytes refused")).length);
    await page.waitForFunction(() => window.logs.some((line) => line.includes("media message of 16384 bytes refused")), null, { timeout: 20000 });
    assert.equal(await refused(), 1, "logged once, by the media worker");
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
    host.stop();
  }
});

test("a browser host streams an animated canvas and a tone; a browser client shows ≥95% of the frames", { timeout: 60000 }, async () => {
  const hostPage = await openPage(fixture.browser, `${fixture.server.url}/test-pages/host.html?${new URLSearchParams({ key: "key", gateway: fixture.gateway.url })}`);
  await hostPage.waitForSelector("body[data-ready=yes]", { state: "attached" });
  const hostId = await hostPage.evaluate(() => window.startHost());
  const client = await clientPage(hostId);
  try {
    await client.waitForFunction(() => window.playback().video?.framesDecoded >= 5, null, { timeout: 20000 });
    const start = {
      host: await hostPage.evaluate(() => window.videoCounters.framesEncoded),
      client: await client.evaluate(() => window.playback().video.framesDecoded),
      counter: await client.evaluate(() => window.counter()),
    };
    await sleep(10000);
    const end = {
      host: await hostPage.evaluate(() => window.videoCounters.framesEncoded),
      client: await client.evaluate(() => window.playback().video.framesDecoded),
      counter: await client.evaluate(() => window.counter()),
    };
    const sent = end.host - start.host;
    const shown = end.client - start.client;
    assert.ok(sent > 200, `the host encoded ${sent} frames in 10 s`);
    assert.ok(shown >= 0.95 * sent, `decoded ${shown} of ${sent} frames`);
    // The host watches how busy its encoder is (to shrink the picture when the machine cannot keep up).
    const encoder = await hostPage.evaluate(() => ({ ...window.videoCounters }));
    assert.ok(encoder.encoderBusyPercent > 0 && encoder.encoderBusyPercent <= 100, JSON.stringify(encoder));
    assert.ok(end.counter > start.counter, `the counter read back from the client canvas went ${start.counter} → ${end.counter}`);
    const { r, g, b } = await client.evaluate(() => window.pixel(0.5, 0.3));
    assert.ok(Math.abs(r - 32) < 24 && Math.abs(g - 80) < 24 && Math.abs(b - 224) < 24, `background pixel ${r},${g},${b}`);
    const playback = await client.evaluate(() => window.playback());
    assert.ok(playback.audio.framesDecoded > 100, `audio frames decoded: ${playback.audio.framesDecoded}`);
    // In step: pictures are shown as soon as decoded, and sound is never scheduled more than 150 ms
    // ahead (a bounded playout buffer), so the two stay within the decode time plus that bound.
    assert.ok(playback.audio.maxAheadMs <= 150 + 1, `audio playout delay up to ${playback.audio.maxAheadMs} ms`);
    assert.ok(playback.video.lastDecodeMs < 100, `video decode time ${playback.video.lastDecodeMs} ms`);
    assert.equal(playback.video.decoderErrors, 0);
    assert.deepEqual(await hostPage.evaluate(() => window.errors), []);
    assert.deepEqual(await client.evaluate(() => window.errors), []);
  } finally {
    await client.close();
    await hostPage.close();
  }
});

test("a browser host scales its picture down when the bitrate asked for is too low for its size", { timeout: 120000 }, async () => {
  const query = new URLSearchParams({ key: "key", gateway: fixture.gateway.url, scale: "3", bitrate: "2000000" });
  const hostPage = await openPage(fixture.browser, `${fixture.server.url}/test-pages/host.html?${query}`);
  await hostPage.waitForSelector("body[data-ready=yes]", { state: "attached" });
  const hostId = await hostPage.evaluate(() => window.startHost());
  const client = await clientPage(hostId);
  const size = () => client.evaluate(() => window.pixel()).then(({ width, height }) => `${width}x${height}`);
  const counter = () => client.evaluate(() => window.counter());
  try {
    await client.waitForFunction(() => window.playback().video?.framesDecoded >= 10, null, { timeout: 20000 });
    // It may start smaller (the rate controller's first targets, or a busy machine's delays, can be below what
    // 960 x 720 needs); at 2 Mbit/s it gets to 720 x 540 at least.
    await client
      .waitForFunction(() => window.pixel().width > 480, null, { timeout: 45000 })
      .catch(async () => assert.fail(`never larger than 480 wide: ${await size()}`));
    // 300 kbit/s is too little for 960 x 720 at 30 fps: the host encodes at most half the width and height
    // (less when resends and parity take a share of the rate).
    await client.evaluate(() => window.stream.requestBitrate(300_000));
    await client.waitForFunction(() => window.pixel().width <= 480, null, { timeout: 20000 });
    const { width, height } = await client.evaluate(() => window.pixel());
    assert.equal(width * 3, height * 4, `the picture keeps its shape: ${width}x${height}`);
    // The page's copy of a media worker's counters is up to 250 ms old, so the client can see the smaller picture first.
    await hostPage
      .waitForFunction(() => window.videoCounters.width <= 480, null, { timeout: 10000 })
      .catch(async () => assert.fail(`the host's encoder was not scaled down: ${await hostPage.evaluate(() => window.videoCounters.width)} wide`));
    const before = await counter();
    await sleep(1000);
    assert.ok((await counter()) !== before, "the picture keeps moving at the smaller size");
    assert.equal((await client.evaluate(() => window.playback())).video.decoderErrors, 0);
    assert.deepEqual(await hostPage.evaluate(() => window.errors), []);
    assert.deepEqual(await client.evaluate(() => window.errors), []);
  } finally {
    await client.close();
    await hostPage.close();
  }
});
