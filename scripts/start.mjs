// `npm start`: builds the core if stale and serves the demo page (web/) with the SDK (js/) and the
// core (dist/) on one origin. PORT and HOST choose where (default 127.0.0.1:8080).
import { build } from "./build.mjs";
import { ROOT, log } from "./deps.mjs";
import { startStaticServer } from "../js/server/static.js";

try {
  build(["wasm"]);
} catch (error) {
  log(error.message);
  process.exit(1);
}

const site = await startStaticServer({
  mounts: { "/js/": `${ROOT}/js`, "/dist/": `${ROOT}/dist`, "/": `${ROOT}/web` },
  host: process.env.HOST || "127.0.0.1",
  port: Number(process.env.PORT || 8080),
});
log(`demo running at ${site.url}/  (Ctrl+C stops it)`);

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, async () => {
    await site.close();
    process.exit(0);
  });
}
