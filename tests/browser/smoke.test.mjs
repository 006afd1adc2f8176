// Debian's Chromium loads a page served on loopback that instantiates the same petrichor.wasm
// through the same loader as Node, and runs the SRTP round trip; its bytes match the native build.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { launchBrowser, openPage, serveRepository } from "../helpers/browser.mjs";
import { NATIVE_BUILD } from "../helpers/paths.mjs";

const KEY = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d";
const PACKETS = [
  "80600001" + "0001e240" + "deadbeef" + "00112233445566778899",
  "80e0ffff" + "00000000" + "01020304" + "ab".repeat(1200),
];

let server;
let browser;

before(async () => {
  server = await serveRepository();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test("Chromium runs the core: SRTP round trip byte-identical to the native build", async () => {
  const page = await openPage(browser, `${server.url}/test-pages/srtp.html`);
  await page.waitForSelector("body[data-ready=yes]", { state: "attached", timeout: 15000 });
  const { results, randomKey } = await page.evaluate(([key, packets]) => window.srtpRoundTrip(key, packets), [KEY, PACKETS]);
  const native = execFileSync(`${NATIVE_BUILD}/srtp_vector`, [KEY, ...PACKETS], { encoding: "utf8" }).trim().split("\n");
  assert.deepEqual(
    results.map((r) => r.protected),
    native,
  );
  for (const [i, result] of results.entries()) {
    assert.equal(result.restored, PACKETS[i]);
    assert.equal(result.replay, "PT_ERR_SRTP_REPLAY");
    assert.equal(result.auth, "PT_ERR_SRTP_AUTH");
  }
  assert.match(randomKey, /^[0-9a-f]{60}$/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("the static server refuses paths outside its mounts", async () => {
  for (const path of ["/../package.json", "/js/../package.json", "/%2e%2e/package.json", "/dist/../CMakeLists.txt"]) {
    const response = await fetch(`${server.url}${path}`);
    assert.equal(response.status, 404, path);
  }
  const wasm = await fetch(`${server.url}/dist/petrichor.wasm`);
  assert.equal(wasm.headers.get("content-type"), "application/wasm");
});

