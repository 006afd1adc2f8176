// The gateway over TLS: startGateway({tls}) and `petrichor gateway --cert --key` serve WSS with a
// self-signed certificate made by the test; a client that trusts it gets its hello answered.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";
import { startGateway } from "../../js/gateway/index.js";
import { makeCertificate } from "../helpers/certificate.mjs";
import { ROOT } from "../helpers/paths.mjs";
import { startCliGateway } from "../helpers/gateway-client.mjs";

function certificateDir(t) {
  const dir = mkdtempSync(join(tmpdir(), "petrichor-gateway-tls-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Opens `url` trusting `ca`, sends a hello with `apiKey`, resolves to the gateway's reply. */
function hello(url, ca, apiKey) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { ca });
    socket.once("error", reject);
    socket.once("open", () => socket.send(JSON.stringify({ type: "hello", version: 1, minVersion: 1, apiKey })));
    socket.once("message", (data) => {
      socket.close();
      resolve(JSON.parse(String(data)));
    });
  });
}

test("startGateway({tls}) serves WSS and says wss:// in its url", async (t) => {
  for (const useOpenssl of [true, false]) {
    const { cert, key, made } = makeCertificate(certificateDir(t), { useOpenssl });
    if (!useOpenssl) assert.equal(made, "node");
    const gateway = await startGateway({ keys: { tls_key: "org" }, tls: { cert, key } });
    try {
      assert.match(gateway.url, /^wss:\/\/127\.0\.0\.1:\d+\/gateway$/);
      const reply = await hello(gateway.url, cert, "tls_key");
      assert.equal(reply.type, "hello", `${made}: ${JSON.stringify(reply)}`);
      assert.match(String(reply.peerId), /^\d+$/);
      // A client that does not trust the certificate is refused by TLS, not by the gateway.
      await assert.rejects(hello(gateway.url, undefined, "tls_key"), /self[- ]signed|unable to verify/i);
    } finally {
      await gateway.close();
    }
  }
});

test("petrichor gateway --cert --key serves WSS; one without the other is a usage error", async (t) => {
  const dir = certificateDir(t);
  const { cert, certFile, keyFile } = makeCertificate(dir);
  const { url, child, exited } = await startCliGateway(t, ["--cert", certFile, "--key", keyFile], {
    env: { ...process.env, PETRICHOR_API_KEYS: "cli_tls_key=org" },
  });
  assert.match(url, /^wss:/);
  assert.equal((await hello(url, cert, "cli_tls_key")).type, "hello");
  child.kill("SIGTERM");
  assert.deepEqual(await exited, { code: 0, signal: null });

  const half = spawnSync(process.execPath, [`${ROOT}/js/cli.js`, "gateway", "--port", "0", "--cert", certFile], { encoding: "utf8", timeout: 10_000 });
  assert.equal(half.status, 2);
  assert.match(half.stderr, /--cert and --key go together/);
  const missing = spawnSync(process.execPath, [`${ROOT}/js/cli.js`, "gateway", "--port", "0", "--cert", certFile, "--key", join(dir, "nope.pem")], { encoding: "utf8", timeout: 10_000 });
  assert.equal(missing.status, 1);
  assert.equal(missing.stderr, `petrichor: cannot read the private key from ${join(dir, "nope.pem")}: no such file\n`);
});
