// petrichor-react installed as @rainway/react, with React 17, 18 and 19 from the registry: the app of
// tests/browser/apps/rainway-react (built with esbuild, React's development build, so that React's
// warnings show as console errors) renders <Rainway> in Chromium around real streams from a Node
// host: the fallback without a stream, the stream's container with one, the container swapped when
// the stream changes and taken out on clearing and unmounting. Also: server rendering in Node, and
// the types with tsc --strict.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { openPage } from "../helpers/browser.mjs";
import { startPatternStage } from "../helpers/pattern-host.mjs";
import { install, pack, run } from "../helpers/packages.mjs";
import { ROOT } from "../helpers/paths.mjs";
import { buildApp, installReactApp, serveApp } from "../helpers/react-app.mjs";

const REACT_VERSIONS = [17, 18, 19];

let stage;
let gateway;
let host;
let browser;
before(async () => {
  stage = await startPatternStage();
  ({ gateway, host, browser } = stage);
});
after(() => stage?.close());

/** The <Rainway> div as the page shows it. */
function rainwayView() {
  const div = document.querySelector("#player > div");
  if (!div) return { mounted: false, root: document.querySelector("#root").innerHTML };
  const style = getComputedStyle(div);
  return {
    mounted: true,
    style: [style.display, style.alignItems, style.justifyContent, style.height, style.backgroundColor],
    children: [...div.children].map((child) => (child.id ? `#${child.id}` : child.tagName.toLowerCase())),
    streamShown: window.streams.map((stream) => stream.container.parentElement === div),
    streamAttached: window.streams.map((stream) => stream.container.isConnected),
  };
}

for (const major of REACT_VERSIONS) {
  test(`React ${major}: <Rainway> shows the fallback, then each stream's container, and takes it out again`, { timeout: 600_000 }, async (t) => {
    const app = installReactApp(major);
    const site = buildApp("esbuild", app, { entry: major >= 18 ? "./src/index.js" : "./src/index-react17.js" });
    const server = await serveApp(site.dir);
    const query = new URLSearchParams({ gateway: gateway.url, key: "key", host: String(host.id), manual: "" });
    const page = await openPage(browser, `${server.url}/?${query}`);
    t.after(async () => {
      await page.close();
      await server.close();
    });
    const view = () => page.evaluate(rainwayView);
    const framesOfLastStream = (frames) =>
      page.waitForFunction((n) => (window.stream?.playbackCounters().video?.framesDecoded ?? 0) >= n, frames, { timeout: 60_000 });

    await page.waitForFunction(() => window.app !== undefined, null, { timeout: 30_000 });
    assert.equal(await page.evaluate(() => window.React?.version ?? null), null, "React is bundled, not global");
    const style = ["flex", "center", "center", "240px", "rgb(17, 17, 17)"]; // height 100% of the 240px player
    assert.deepEqual(await view(), { mounted: true, style, children: ["#fallback"], streamShown: [], streamAttached: [] });

    await page.evaluate(() => window.app.connect());
    await framesOfLastStream(5);
    assert.deepEqual(await view(), { mounted: true, style, children: ["div"], streamShown: [true], streamAttached: [true] });

    // Another stream: its container replaces the first one's.
    await page.evaluate(() => window.app.show());
    await framesOfLastStream(5);
    assert.deepEqual(await view(), { mounted: true, style, children: ["div"], streamShown: [false, true], streamAttached: [false, true] });

    // No stream: the fallback again.
    await page.evaluate(() => window.app.clear());
    await page.waitForFunction(() => document.querySelector("#fallback") !== null, null, { timeout: 10_000 });
    assert.deepEqual(await view(), { mounted: true, style, children: ["#fallback"], streamShown: [false, false], streamAttached: [false, false] });

    // Unmounting takes the container out.
    await page.evaluate(() => window.app.show());
    await framesOfLastStream(1);
    assert.deepEqual((await view()).streamShown, [false, false, true]);
    await page.evaluate(() => window.unmountApp());
    assert.deepEqual(await view(), { mounted: false, root: "" });
    assert.deepEqual(await page.evaluate(() => window.streams.map((stream) => stream.container.isConnected)), [false, false, false]);

    assert.deepEqual(await page.evaluate(() => window.appErrors), []);
    assert.deepEqual(page.errors, [], "no console errors (React's warnings included) or uncaught exceptions");
    await page.evaluate(() => window.streams.forEach((stream) => stream.close()));
  });
}

test("server rendering: <Rainway> renders its div and fallback with React 17, 18 and 19", { timeout: 600_000 }, () => {
  for (const major of REACT_VERSIONS) {
    const app = installReactApp(major);
    // CommonJS for React (17 has no "exports" map for ESM's resolution), the ES module for petrichor-react.
    const script = `
      const { createElement } = require("react");
      const { renderToString } = require("react-dom/server");
      import("@rainway/react").then(({ Rainway }) =>
        console.log(renderToString(createElement(Rainway, { style: { background: "black" } }, "No stream"))));
    `;
    const html = run(process.execPath, ["-e", script], { cwd: app }).trim().replace(' data-reactroot=""', ""); // React 17 marks its root
    assert.equal(html, '<div style="display:flex;align-items:center;justify-content:center;height:100%;background:black">No stream</div>', `React ${major}`);
  }
});

test("petrichor-react's types, with @rainway/web's, pass tsc --strict; wrong props do not compile", { timeout: 600_000 }, () => {
  const web = pack(ROOT);
  const react = pack(join(ROOT, "packages/react"));
  const dir = install("types-react", [`@rainway/web@file:${web}`, `@rainway/react@file:${react}`, "react@19", "@types/react@19"]);
  writeFileSync(
    join(dir, "usage.ts"),
    `import { createElement, type ReactElement } from "react";
import rainway, { type InboundStream } from "@rainway/web";
import { Rainway, type RainwayProps } from "@rainway/react";

declare const stream: InboundStream;
const shown: ReactElement = createElement(Rainway, { stream, style: { background: "black" } });
const fallback = createElement(Rainway, null, "Connecting…");
const props: RainwayProps = { stream: null, children: createElement("p", null, "No stream") };
Rainway(props);
// @ts-expect-error a stream is an InboundStream
createElement(Rainway, { stream: 5 });
// @ts-expect-error style is CSS properties
createElement(Rainway, { style: "width: 100%" });
// @ts-expect-error no such prop
createElement(Rainway, { streem: stream });
export { shown, fallback, rainway };
`,
  );
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({ compilerOptions: { strict: true, noEmit: true, module: "NodeNext", moduleResolution: "NodeNext", target: "ES2022", lib: ["ES2022", "DOM"], skipLibCheck: false }, files: ["usage.ts"] }),
  );
  run(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", dir]);
});
