// `npm start` from a fresh clone: no node_modules, no build/ or dist/. It installs what it needs, shows
// the first build's progress, serves the demo page (fetched, and opened in Chromium), then: a second `npm start` on the
// same port says in one line that the port is taken and exits non-zero, and `npm start -- --cert --key`
// serves HTTPS. Caches are shared with this checkout's set-up, as scripts/ share them: npm's cache
// (offline first) and the Debian source packages under ~/.cache/petrichor.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, existsSync } from "node:fs";
import { get as httpsGet } from "node:https";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../helpers/paths.mjs";
import { makeCertificate } from "../helpers/certificate.mjs";
import { launchBrowser } from "../helpers/browser.mjs";
import { freePort } from "../helpers/ports.mjs";


/**
 * Runs `npm start [-- args]` in `dir` as its own process group; `output` collects stdout and stderr.
 * waitFor(regexp, ms) resolves to the match once the output has it; stop() ends the whole group.
 */
function npmStart(t, dir, env, args = []) {
  const child = spawn("npm", ["start", ...(args.length ? ["--", ...args] : [])], {
    cwd: dir,
    env: { ...process.env, ...env, npm_config_prefer_offline: "true", npm_config_update_notifier: "false" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const run = { child, output: "", timeline: [] };
  const started = Date.now();
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  run.exited = exited;
  for (const stream of [child.stdout, child.stderr]) {
    stream.on("data", (chunk) => {
      run.output += chunk;
      // When each of npm start's own lines came, for the test's diagnostics.
      for (const line of String(chunk).split("\n")) {
        if (line.startsWith("[petrichor]")) run.timeline.push(`${((Date.now() - started) / 1000).toFixed(1)} s ${line}`);
      }
    });
  }
  run.waitFor = (regexp, ms) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const match = regexp.exec(run.output);
        if (match) {
          clearInterval(timer);
          resolve(match);
        }
      };
      const timer = setInterval(check, 200);
      exited.then(() => setTimeout(() => {
        check();
        clearInterval(timer);
        reject(new Error(`npm start exited before printing ${regexp}; output:\n${run.output}`));
      }, 200));
      setTimeout(() => {
        clearInterval(timer);
        reject(new Error(`npm start printed no ${regexp} within ${ms} ms; output:\n${run.output}`));
      }, ms).unref();
    });
  run.stop = async () => {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      return; // already gone
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // gone meanwhile
      }
    }, 10_000);
    await exited;
    clearTimeout(timer);
  };
  t.after(() => run.stop());
  return run;
}

function httpsText(url, ca) {
  return new Promise((resolve, reject) => {
    httpsGet(url, { ca }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode, body }));
    }).on("error", reject);
  });
}

/** Listens on the port as soon as it is free (within 60 s). */
async function holdPort(port) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const server = createServer();
    const error = await new Promise((resolve) => {
      server.once("error", resolve);
      server.listen(port, "127.0.0.1", () => resolve(null));
    });
    if (error === null) return server;
    if (error.code !== "EADDRINUSE" || Date.now() > deadline) throw error;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

test("npm start on a fresh clone installs, builds with progress, serves the demo; a taken port is one clear line", { timeout: 15 * 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "petrichor-clone-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const clone = spawnSync("git", ["clone", "--quiet", "--no-hardlinks", ROOT, dir], { encoding: "utf8" });
  assert.equal(clone.status, 0, clone.stderr);
  for (const name of ["node_modules", "build", "dist"]) assert.equal(existsSync(join(dir, name)), false, `a fresh clone has no ${name}`);

  const port = await freePort();
  const first = npmStart(t, dir, { PORT: String(port) });
  const [, url] = await first.waitFor(/demo running at (http:\/\/127\.0\.0\.1:\d+)\//, 12 * 60_000);
  assert.equal(url, `http://127.0.0.1:${port}`);
  t.diagnostic(`first npm start:\n${first.timeline.join("\n")}`);
  // It installed the npm packages itself, and showed the build's progress as it went.
  assert.match(first.output, /\[petrichor\] npm install/);
  assert.ok(readdirSync(join(dir, "node_modules")).includes("ws"));
  assert.match(first.output, /\[petrichor\] configuring wasm: \d+ checks, \d+ s/);
  assert.match(first.output, /\[petrichor\] building wasm: \d+%/);
  assert.match(first.output, /\[petrichor\] building native: \d+%/);
  assert.doesNotMatch(first.output, /\n\s+at .*\(?(file:|node:|\/)/, "no stack trace");

  // The page, its script, the SDK and the core are served; the config names the demo host.
  const page = await fetch(`${url}/`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<title>Petrichor demo<\/title>/);
  for (const path of ["/demo.js", "/style.css", "/js/index.js", "/dist/petrichor.wasm"]) {
    const response = await fetch(`${url}${path}`);
    assert.equal(response.status, 200, path);
    await response.arrayBuffer();
  }
  // The page gets an access token minted with the development key, never the key itself.
  const config = await (await fetch(`${url}/demo-config.json`)).json();
  assert.match(config.accessToken, /^at1\./);
  assert.equal(config.apiKey, undefined);
  assert.match(config.hostId, /^\d+$/);
  // In Chromium the page loads the clone's core, connects to its gateway and shows its peer id.
  const browser = await launchBrowser();
  try {
    const tab = await browser.newPage();
    await tab.goto(`${url}/`);
    await tab.waitForFunction(() => /^\d+$/.test(document.getElementById("own-id").textContent), null, { timeout: 30_000 });
    assert.equal(await tab.textContent("#gateway-status"), "connected");
    assert.equal(await tab.textContent("#demo-host-id"), config.hostId);
  } finally {
    await browser.close();
  }

  // The port is taken (by the first npm start): one clear line, no stack trace, a non-zero exit.
  const second = npmStart(t, dir, { PORT: String(port) });
  const { code } = await second.exited;
  assert.notEqual(code, 0);
  const lines = second.output.split("\n").filter((line) => line.startsWith("[petrichor]"));
  assert.deepEqual(lines, [`[petrichor] port ${port} on 127.0.0.1 is already in use (another npm start?); stop that program or choose another port: PORT=8081 npm start`]);
  assert.doesNotMatch(second.output, /\bat .*\.m?js:\d+|EADDRINUSE/);
  await first.stop();

  // Also when something else holds the port, with the build already done (once the first demo's process has
  // let it go: on a busy machine that can come after first.stop() returns).
  const holder = await holdPort(port);
  t.after(() => holder.close());
  const third = npmStart(t, dir, { PORT: String(port) });
  assert.notEqual((await third.exited).code, 0);
  assert.match(third.output, new RegExp(`\\[petrichor\\] port ${port} on 127\\.0\\.0\\.1 is already in use`));
  holder.close();

  // --cert/--key: the same demo over HTTPS, its gateway over WSS.
  const { cert, certFile, keyFile } = makeCertificate(dir);
  const secure = npmStart(t, dir, { PORT: "0" }, ["--cert", certFile, "--key", keyFile]);
  const [, secureUrl] = await secure.waitFor(/demo running at (https:\/\/127\.0\.0\.1:\d+)\//, 120_000);
  assert.match(secure.output, /gateway at wss:\/\/127\.0\.0\.1:\d+\/gateway/);
  const securePage = await httpsText(`${secureUrl}/`, cert);
  assert.equal(securePage.status, 200);
  assert.match(securePage.body, /<title>Petrichor demo<\/title>/);
  const secureConfig = JSON.parse((await httpsText(`${secureUrl}/demo-config.json`, cert)).body);
  assert.match(secureConfig.hostId, /^\d+$/, "the demo host reached the gateway");
  await secure.stop();
});
