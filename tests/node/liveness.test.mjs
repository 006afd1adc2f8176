// A peer whose other side dies without a word (its process killed) does not stay Disconnected for
// ever: after `disconnectedTimeoutMs` the survivor closes it, with its streams.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import rainway, { InputLevel, PeerState } from "../../js/index.js";
import { startGateway } from "../../js/gateway/index.js";
import { nextEvent } from "../helpers/events.mjs";

let gateway;
before(async () => {
  gateway = await startGateway({ keys: { key: "org" } });
});
after(async () => {
  await gateway?.close();
});

/** A host in a child process that accepts everything and streams nothing; resolves to {id, child}. */
function childHost() {
  const script = `
    import rainway from ${JSON.stringify(new URL("../../js/index.js", import.meta.url).href)};
    const connection = await rainway.connect({ apiKey: "key", gatewayUrl: ${JSON.stringify(gateway.url)}, externalId: "doomed" });
    connection.addEventListener("peer-request", async (request) => {
      const peer = await request.accept();
      peer.addEventListener("stream-request", (streamRequest) => streamRequest.accept({ audio: null }));
    });
    console.log(String(connection.id));
  `;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    child.stdout.once("data", (line) => resolve({ id: BigInt(String(line).trim()), child }));
    child.once("exit", (code) => reject(new Error(`the child host exited with ${code}`)));
  });
}

test("a peer whose process is killed is closed after disconnectedTimeoutMs, with its streams", { timeout: 90000 }, async () => {
  const { id, child } = await childHost();
  const client = await rainway.connect({ apiKey: "key", gatewayUrl: gateway.url, disconnectedTimeoutMs: 2000 });
  try {
    const peer = await client.connect(id);
    const stream = await peer.createStream({ permissions: InputLevel.None });
    const states = [];
    peer.addEventListener("connection-state-change", (state) => states.push(state));
    const peerClosed = nextEvent(peer, "close", 80000);
    const streamClosed = nextEvent(stream, "close", 80000);
    child.kill("SIGKILL");
    await Promise.all([peerClosed, streamClosed]);
    assert.equal(peer.state, PeerState.Failed);
    assert.ok(states.includes(PeerState.Failed), JSON.stringify(states));
    assert.equal(stream.ended, true);
    assert.equal(client.peers.includes(peer), false);
  } finally {
    child.kill("SIGKILL");
    client.close();
  }
});

test("disconnectedTimeoutMs must be a positive number of milliseconds", async () => {
  await assert.rejects(rainway.connect({ apiKey: "key", gatewayUrl: gateway.url, disconnectedTimeoutMs: 0 }), /disconnectedTimeoutMs must be a positive number/);
});
