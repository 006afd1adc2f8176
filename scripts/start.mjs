// `npm start`: builds the core if stale, then serves the demo page and the gateway on one origin
// (default http://127.0.0.1:8080). PORT and HOST choose where; PETRICHOR_API_KEYS sets the keys
// (otherwise a development key is generated and printed).
import { build } from "./build.mjs";
import { PACKAGES, ensureNpmPackages, ensureSystemPackages, log } from "./deps.mjs";

try {
  // The native host and its demo app make the demo host interactive; without them it streams a test pattern.
  ensureSystemPackages([...PACKAGES.test, ...PACKAGES.host]);
  ensureNpmPackages();
  build(["wasm", "native"]);
} catch (error) {
  log(error.message);
  process.exit(1);
}

// Imported only now: the demo server needs the npm packages installed above (ws).
const { startDemoServer } = await import("../js/server/demo.js");
const demo = await startDemoServer({
  host: process.env.HOST || "127.0.0.1",
  port: Number(process.env.PORT || 8080),
  log: (level, message) => level !== "debug" && log(message),
});
log(`demo running at ${demo.url}/  (gateway at ${demo.gatewayUrl})`);
log(`API key: ${demo.apiKey}${demo.devKey ? " (development key, generated for this run)" : ""}`);
log(`demo host peer id: ${demo.hostId} (${demo.interactive ? "streams an app you can type and draw in" : "streams a live test pattern with a tone"}; echoes chat messages)`);
log("open the page in two tabs and connect one to the other's peer id; Ctrl+C stops it");

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, async () => {
    await demo.close();
    process.exit(0);
  });
}
