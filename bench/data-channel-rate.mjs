// Small app messages per second: Petrichor's DataChannel (two SDK instances, a gateway on loopback, the
// core's framing and flow control) against a raw RTCDataChannel between two RTCPeerConnections of the
// same process, in alternating batches of the same run (bench/data-channel-rounds.mjs), in Node over
// @roamhq/wrtc and in a headless Chromium page (bench/pages/data-channel-rate.html).
import rainway, { DataChannelMode } from "../js/index.js";
import { startGateway } from "../js/gateway/index.js";
import { launchBrowser, openPage, serveRepository } from "../tests/helpers/browser.mjs";
import { ROOT } from "../tests/helpers/paths.mjs";
import { dataChannelRounds } from "./data-channel-rounds.mjs";

/** The rounds in Node, over @roamhq/wrtc; options as dataChannelRounds takes them. */
export async function measureDataChannelRate(options = {}) {
  const { default: wrtc } = await import("@roamhq/wrtc");
  const gateway = await startGateway({ keys: { key: "org" } });
  try {
    return await dataChannelRounds({ ...options, RTCPeerConnection: wrtc.RTCPeerConnection, sdk: { rainway, DataChannelMode }, gatewayUrl: gateway.url });
  } finally {
    await gateway.close();
  }
}

/** The same rounds in one headless Chromium page (the SDK as js/ served to a browser); options likewise. */
export async function measureBrowserDataChannelRate(options = {}) {
  const gateway = await startGateway({ keys: { key: "org" } });
  const server = await serveRepository({ mounts: { "/js/": `${ROOT}/js`, "/dist/": `${ROOT}/dist`, "/bench/": `${ROOT}/bench`, "/tests/helpers/": `${ROOT}/tests/helpers` } });
  const browser = await launchBrowser();
  try {
    const page = await openPage(browser, `${server.url}/bench/pages/data-channel-rate.html`);
    await page.waitForFunction(() => typeof window.measure === "function", null, { timeout: 30000 });
    const result = await page.evaluate((options) => window.measure(options), { ...options, gatewayUrl: gateway.url });
    if (page.errors.length > 0) throw new Error(`data-channel rate bench: the page reported ${page.errors.join("; ")}`);
    return result;
  } finally {
    await browser.close();
    await server.close();
    await gateway.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify({ node: await measureDataChannelRate(), chromium: await measureBrowserDataChannelRate() }, null, 2));
  process.exit(0);
}
