// Zero-configuration bundling: a @rainway/web 0.5 React app (tests/browser/apps/rainway-react) with
// Petrichor's `npm pack` tarball installed as @rainway/web and petrichor-react's as @rainway/react,
// built by webpack 5.38, current webpack 5, Vite and esbuild with no configuration file or plugin,
// served on loopback and loaded in Chromium: it connects through a gateway to a Node host and shows
// its moving stream. Installs and builds are cached by content hash outside the repository.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { openPage } from "../helpers/browser.mjs";
import { startPatternStage } from "../helpers/pattern-host.mjs";
import { BUILD_LOG, BUNDLERS, buildApp, installReactApp, serveApp, warningsAboutPackages } from "../helpers/react-app.mjs";

let app;
let stage;
let gateway;
let host;
let browser;
before(async () => {
  app = installReactApp(19);
  stage = await startPatternStage();
  ({ gateway, host, browser } = stage);
});
after(() => stage?.close());

/** What the page shows: the picture inside <Rainway>, a digest of its pixels, decoded frames. */
function picture() {
  const rainwayDiv = document.querySelector("#player > div");
  const { context, width, height } = window.streamPicture(rainwayDiv);
  if (!context || !window.stream) return null;
  const pixels = context.getImageData(0, 0, width, height).data;
  let digest = 0;
  for (let i = 0; i < pixels.length; i += 4) digest = (Math.imul(digest, 31) + pixels[i] + pixels[i + 1] * 7 + pixels[i + 2] * 13) | 0;
  return {
    digest,
    width,
    height,
    framesDecoded: window.stream.playbackCounters().video?.framesDecoded ?? 0,
    inRainway: window.stream.container.parentElement === rainwayDiv,
    inWorker: window.stream._playsInMediaWorker,
    rainwayStyle: [rainwayDiv.style.display, rainwayDiv.style.height, rainwayDiv.style.background],
    fallback: Boolean(document.querySelector("#fallback")),
    status: document.querySelector("#status").textContent,
  };
}

for (const bundler of Object.keys(BUNDLERS)) {
  test(`${bundler}: the app builds with no configuration, connects and shows a moving stream`, { timeout: 600_000 }, async (t) => {
    const site = buildApp(bundler, app);
    t.diagnostic(`${bundler}: ${site.cached ? "cached build" : "built"} in ${site.dir}`);
    assert.deepEqual(warningsAboutPackages(readFileSync(join(site.dir, BUILD_LOG), "utf8")), [], "the bundler warns about Petrichor's packages");
    const server = await serveApp(site.dir);
    const query = new URLSearchParams({ gateway: gateway.url, key: "key", host: String(host.id) });
    const page = await openPage(browser, `${server.url}/?${query}`);
    try {
      await page.waitForFunction(() => document.querySelector("#status")?.textContent === "Streaming" || window.appErrors?.length > 0, null, { timeout: 60_000 });
      assert.deepEqual(await page.evaluate(() => window.appErrors), []);
      await page.waitForFunction((frames) => (window.stream?.playbackCounters().video?.framesDecoded ?? 0) >= frames, 15, { timeout: 60_000 });
      const first = await page.evaluate(picture);
      assert.equal(first.inRainway, true, "the stream's container is inside <Rainway>");
      assert.equal(first.inWorker, true, "the media worker (from the bundled one-file copy) draws the picture");
      assert.deepEqual(first.rainwayStyle, ["flex", "100%", "rgb(17, 17, 17)"]);
      assert.equal(first.fallback, false, "no fallback while there is a stream");
      assert.deepEqual([first.width, first.height], [320, 240]);
      // The picture moves: later frames differ from the first one sampled.
      await page.waitForFunction((frames) => window.stream.playbackCounters().video.framesDecoded >= frames, first.framesDecoded + 15, { timeout: 60_000 });
      const later = await page.evaluate(picture);
      assert.notEqual(later.digest, first.digest, "the picture changed between two samples");
      assert.deepEqual(page.errors, [], "no console errors or uncaught exceptions");
      await page.evaluate(() => window.stream.close());
    } finally {
      await page.close();
      await server.close();
    }
  });
}
