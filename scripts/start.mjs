// `npm start`: installs what is missing (Debian packages, npm packages), builds the core if stale, then
// serves the demo page and the gateway on one origin (default http://127.0.0.1:8080). PORT and HOST
// choose where; PETRICHOR_API_KEYS sets the keys (otherwise a development key is generated and printed).
// `npm start -- --cert cert.pem --key key.pem` serves HTTPS and WSS instead (browsers allow WebCodecs
// only in a secure context: https, or http on localhost).
// Nothing outside node: is imported before the installs: the demo server needs npm packages (ws).
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { build } from "./build.mjs";
import { PACKAGES, ensureNpmPackages, ensureSystemPackages, log } from "./deps.mjs";

const USAGE = "usage: npm start [-- --cert cert.pem --key key.pem]   (PORT and HOST choose where it listens)";

/** --cert FILE and --key FILE (or --cert=FILE): both or neither. */
function parseArguments(args) {
  const options = {};
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].includes("=") ? args[i].split(/=(.*)/s) : [args[i], undefined];
    if (flag === "--help" || flag === "-h") {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    if (flag !== "--cert" && flag !== "--key") throw new Error(`unknown option "${args[i]}"\n${USAGE}`);
    const value = inline ?? args[++i];
    if (!value) throw new Error(`${flag} needs a file name\n${USAGE}`);
    options[flag.slice(2)] = value;
  }
  if ((options.cert === undefined) !== (options.key === undefined)) throw new Error(`--cert and --key go together\n${USAGE}`);
  if (options.cert === undefined) return { tls: undefined };
  const read = (file, what) => {
    try {
      return readFileSync(file, "utf8");
    } catch (error) {
      throw new Error(`cannot read the ${what} ${file}: ${error.code === "ENOENT" ? "no such file" : error.message}`);
    }
  };
  return { tls: { cert: read(options.cert, "certificate"), key: read(options.key, "private key") } };
}

/** Says in one line why host:port cannot be listened on; exits 1. */
function cannotListen(error, host, port) {
  if (error.code === "EADDRINUSE") {
    log(`port ${port} on ${host} is already in use (another npm start?); stop that program or choose another port: PORT=8081 npm start`);
  } else if (error.code === "EADDRNOTAVAIL" || error.code === "ENOTFOUND") {
    log(`cannot listen on ${host}: this machine has no such address (HOST=${host})`);
  } else if (error.code === "EACCES") {
    log(`not allowed to listen on port ${port} of ${host}; choose a port above 1023: PORT=8080 npm start`);
  } else {
    return false;
  }
  process.exit(1);
}

/** Listens on host:port for a moment, so that a port in use is reported before a long first build. */
function checkPort(host, port) {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", (error) => {
      if (!cannotListen(error, host, port)) resolve(); // anything else: the real attempt will say
    });
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

const host = process.env.HOST || "127.0.0.1";
const port = Number(process.env.PORT || 8080);
let tls;
try {
  ({ tls } = parseArguments(process.argv.slice(2)));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be 0 to 65535, got "${process.env.PORT}"`);
} catch (error) {
  log(error.message);
  process.exit(1);
}
await checkPort(host, port);
try {
  // The native host and its demo app make the demo host interactive; without them it streams a test pattern.
  // Only what the demo needs: no browser, Redis or TURN server (those are the tests').
  ensureSystemPackages([...PACKAGES.demo, ...PACKAGES.host]);
  ensureNpmPackages();
  // Of the native build, only the demo host's programs (not the C tests, which npm test builds).
  build(["wasm", "native"], { only: { native: ["petrichor-host", "petrichor-demo-app"] } });
} catch (error) {
  log(error.message);
  process.exit(1);
}

// Imported only now: the demo server needs the npm packages installed above (ws).
const { startDemoServer } = await import("../js/server/demo.js");
let demo;
try {
  demo = await startDemoServer({ host, port, tls, log: (level, message) => level !== "debug" && log(message) });
} catch (error) {
  cannotListen(error, host, port);
  if (/certificate|key|PEM|asn1/i.test(error.message) && tls) {
    log(`cannot use the certificate and key given: ${error.message}`);
  } else {
    log(`the demo could not start: ${error.message}`);
  }
  process.exit(1);
}
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
