// The demo server of `npm start` (Node only): on one origin,
//   /          the demo page (web/), with the SDK (js/) and the core (dist/)
//   /gateway   the gateway (WebSocket)
//   /demo-config.json   what the demo page connects with: a fresh access token (never the API key,
//                       which stays on this server, as an app's backend keeps its own) and the
//                       externalId it is for, and the demo host's peer id
// With tls ({cert, key}, PEM) the site is HTTPS and the gateway WSS; the demo host then reaches the
// gateway through a plain WebSocket listener on loopback (it need not trust the certificate).
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import { startStaticServer } from "./static.js";
import { mintAccessToken, startGateway } from "../gateway/index.js";
import { parseKeysText } from "../gateway/config.js";
import { startDemoHost } from "../host/demo-host.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");

/**
 * Starts the demo site, its gateway and (unless demoHost is false) the demo host; resolves to
 * {url, gatewayUrl, apiKey, devKey, hostId, close()}. A port in use rejects with an error whose code is
 * "EADDRINUSE".
 */
export async function startDemoServer({ host = "127.0.0.1", port = 0, keys, log, demoHost = true, tls } = {}) {
  let apiKey;
  let hostId;
  const site = await startStaticServer({
    mounts: { "/js/": `${ROOT}/js`, "/dist/": `${ROOT}/dist`, "/": `${ROOT}/web` },
    host,
    port,
    tls,
    handlers: {
      "/demo-config.json": (req, res) => {
        if (apiKey === undefined) return res.writeHead(503, { "Retry-After": "1" }).end(); // the gateway is still starting
        // The demo has no accounts: a page is named after its browser, as an app would name it after its user.
        const externalId = `${(req.headers["user-agent"] ?? "").match(/(Firefox|Edg|Chrome|Chromium|Safari)\/\d+/)?.[0] ?? "browser"} tab`;
        const accessToken = mintAccessToken({ apiKey, externalId });
        res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-store" });
        res.end(JSON.stringify({ accessToken, externalId, hostId: hostId === undefined ? null : String(hostId) }));
      },
    },
  });
  const gateway = await startGateway({ server: site.server, keys, log });
  apiKey = gateway.devKey ?? Object.keys(keys ?? {})[0] ?? parseKeysText(process.env.PETRICHOR_API_KEYS ?? "")[0]?.[0];
  const gatewayUrl = `${site.url.replace(/^http/, "ws")}/gateway`;
  let internal = null;
  let hostGatewayUrl = gatewayUrl;
  if (tls && demoHost) {
    internal = createServer((req, res) => res.writeHead(404).end());
    internal.on("upgrade", (req, socket, head) => site.server.emit("upgrade", req, socket, head));
    await new Promise((resolve, reject) => {
      internal.once("error", reject);
      internal.listen(0, "127.0.0.1", resolve);
    });
    hostGatewayUrl = `ws://127.0.0.1:${internal.address().port}/gateway`;
  }
  const demo = demoHost ? await startDemoHost({ gatewayUrl: hostGatewayUrl, apiKey, log: (message) => log?.("info", message) }) : null;
  hostId = demo?.id;
  return {
    url: site.url,
    gatewayUrl,
    apiKey,
    devKey: gateway.devKey,
    hostId: demo?.id,
    interactive: demo?.interactive ?? false,
    async close() {
      demo?.close();
      await gateway.close();
      if (internal) await new Promise((resolve) => internal.close(() => resolve()));
      await site.close();
    },
  };
}
