// The package as users get it: `npm pack`'s tarball installed under the original's name
// (npm install @rainway/web@file:petrichor-0.1.0.tgz, as the README says). Its browser entry reaches
// no Node code; the tarball holds the built core; in Node without @roamhq/wrtc a connection fails with
// a RainwayError that names the package; the CLI tells its version.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeLzma } from "../../js/core/lzma.js";
import rainway from "../../js/index.js";
import { startGateway } from "../../js/gateway/index.js";
import { walkPackage } from "../helpers/import-graph.mjs";
import { install, pack, run } from "../helpers/packages.mjs";
import { ROOT } from "../helpers/paths.mjs";
import { mediaWorkerModule } from "../../scripts/build.mjs";

// Conditions as the bundlers set them when they build for browsers (webpack, Vite, esbuild).
const BROWSER_CONDITIONS = ["browser", "import", "module", "production", "development", "webpack"];
const NODE_CONDITIONS = ["node", "import"];

let app; // an app folder with the tarball installed as @rainway/web (and nothing else)
let installed; // node_modules/@rainway/web
before(() => {
  const tarball = pack(ROOT);
  app = install("node-app", [`@rainway/web@file:${tarball}`]);
  installed = join(app, "node_modules/@rainway/web");
});

test("the browser entries (. and ./core) import only files of the package: no node: module, no package, no import.meta", () => {
  for (const subpath of [".", "./core"]) {
    const graph = walkPackage(installed, subpath, BROWSER_CONDITIONS);
    assert.deepEqual(graph.external, [], `${subpath}: imports from outside the package`);
    assert.deepEqual(graph.missing, [], `${subpath}: imports of missing files`);
    assert.ok(graph.files.includes("dist/petrichor-wasm.js"), `${subpath}: the core's bytes are part of the graph`);
    assert.ok(graph.files.includes("dist/petrichor-media-worker.js"), `${subpath}: the media worker's code is part of the graph`);
    assert.ok(!graph.files.includes("js/platform/node.js"), `${subpath}: reaches the Node platform`);
    // import.meta.url would make webpack write the build machine's paths into the app (and warn).
    const code = (file) => readFileSync(join(installed, file), "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
    const metas = graph.files.filter((file) => code(file).includes("import.meta"));
    assert.deepEqual(metas, [], `${subpath}: modules that use import.meta`);
  }
  const full = walkPackage(installed, ".", BROWSER_CONDITIONS).files;
  assert.ok(full.includes("js/sdk/connection.js") && full.includes("js/platform/unavailable.js"), full.join(" "));
});

test("under the node condition the Node-only imports are all in js/platform/node.js", () => {
  const graph = walkPackage(installed, ".", NODE_CONDITIONS);
  assert.deepEqual(graph.missing, []);
  assert.deepEqual(
    graph.external.map(({ from, specifier }) => `${from} ${specifier}`).sort(),
    ["js/platform/node.js @roamhq/wrtc", "js/platform/node.js node:fs/promises", "js/platform/node.js ws"],
  );
});

test("the tarball holds the built core, its bundled form, the media worker as one script, the types, LICENSE and README, and no sources or tests", async () => {
  const files = run("tar", ["-tzf", pack(ROOT)]).trim().split("\n").map((name) => name.replace(/^package\//, ""));
  for (const name of ["dist/petrichor.wasm", "dist/petrichor-wasm.js", "dist/petrichor-media-worker.js", "index.d.ts", "LICENSE", "README.md", "package.json", "js/browser.js", "js/cli.js"]) {
    assert.ok(files.includes(name), `${name} missing from the tarball`);
  }
  assert.deepEqual(files.filter((name) => /^(src|tests|scripts|bench|build|web|packages)\//.test(name)), []);
  const wasm = readFileSync(join(installed, "dist/petrichor.wasm"));
  assert.ok(WebAssembly.validate(wasm), "dist/petrichor.wasm is a valid module");
  const { default: base64 } = await import(join(installed, "dist/petrichor-wasm.js"));
  assert.ok(Buffer.from(decodeLzma(Buffer.from(base64, "base64"))).equals(wasm), "the bundled core is the same module");
  // The media worker as one script: what the build makes of js/platform/media-worker.js now, and it runs
  // as a classic script (no import or export left).
  assert.equal(readFileSync(join(installed, "dist/petrichor-media-worker.js"), "utf8"), mediaWorkerModule(), "the bundled media worker is stale");
  const { default: workerCode } = await import(join(installed, "dist/petrichor-media-worker.js"));
  assert.doesNotThrow(() => new Function(workerCode), "the media worker parses as a classic script");
  const license = readFileSync(join(installed, "LICENSE"), "utf8");
  assert.match(license, /^MIT License/);
  assert.match(license, /Petrichor contributors/);
});

test("petrichor --version, rainway.version and the version export are the package's version", () => {
  const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  assert.equal(run(join(app, "node_modules/.bin/petrichor"), ["--version"]).trim(), version);
  const script = 'import("@rainway/web").then((m) => console.log(JSON.stringify([m.default.version, m.version])))';
  assert.deepEqual(JSON.parse(run(process.execPath, ["-e", script], { cwd: app })), [version, version]);
});

test("in Node without @roamhq/wrtc, connecting to a peer fails with a RainwayError that names it", { timeout: 60000 }, async (t) => {
  assert.throws(() => run(process.execPath, ["-e", 'require.resolve("@roamhq/wrtc")'], { cwd: app }), "the app has no @roamhq/wrtc");
  const gateway = await startGateway({ keys: { key: "org" } });
  // A short connect timeout only ends sooner the host's side of the connection, which never completes.
  const host = await rainway.connect({ apiKey: "key", externalId: "host", gatewayUrl: gateway.url, connectTimeoutMs: 5000 });
  host.addEventListener("peer-request", (request) => request.accept().catch(() => {}));
  t.after(async () => {
    host.close();
    await gateway.close();
  });
  // The app's own Node process, importing the installed package by the name the app uses.
  const script = `
    import rainway, { RainwayError } from "@rainway/web";
    const connection = await rainway.connect({ apiKey: "key", externalId: "app", gatewayUrl: process.env.GATEWAY });
    try {
      await connection.connect(BigInt(process.env.HOST_ID));
      console.log(JSON.stringify({ connected: true }));
    } catch (error) {
      console.log(JSON.stringify({ rainwayError: error instanceof RainwayError, message: error.message }));
    }
    connection.close();
    process.exit(0);
  `;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
    cwd: app,
    env: { ...process.env, GATEWAY: gateway.url, HOST_ID: String(host.id) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  t.after(() => child.kill());
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const code = await new Promise((resolve) => child.on("exit", resolve));
  assert.equal(code, 0, stderr);
  const result = JSON.parse(stdout.trim().split("\n").pop());
  assert.equal(result.rainwayError, true, stdout);
  assert.match(result.message, /@roamhq\/wrtc/);
  assert.match(result.message, /^Rainway SDK Error: /);
});
