// README.md's JavaScript examples stay true: each ```js block is type-checked with tsc --strict
// against the package's own types, and the runnable ones run, against a gateway on loopback and a
// real Node peer.
//
// The convention, in the info string of each ```js block (words after "js"):
//   (none)     a complete Node program: run until it exits, which must be with status 0.
//   host       a complete Node host that keeps running: run, then visited twice by a viewer that
//              streams from it and leaves; the host must still be running, silent on stderr. It
//              prints its peer id ("peer id: <digits>" and a line end: a partly written line is not read)
//              so that the viewer can find it.
//   browser    needs a browser (DOM, WebCodecs): type-checked only.
//   fragment   a part of an app, using objects the app has by then (GIVENS below): type-checked only.
//   no-run     complete, but needs what the test cannot give it (said next to it): type-checked only.
// Every example may use GIVENS: names a reader's app has from elsewhere, such as another peer's id.
// They are declared for the type check, and the runnable examples get those marked `run` as globals.
// Examples import from "petrichor" (the package's own name) and use the API key "YOUR_API_KEY"; the
// gateway is found through PETRICHOR_GATEWAY_URL, as the README says.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import rainway, { InputLevel, MessageEventType } from "../../js/index.js";
import { startGateway } from "../../js/gateway/index.js";
import { nextEvent, until } from "../helpers/events.mjs";
import { ROOT } from "../helpers/paths.mjs";

const API_KEY = "YOUR_API_KEY";
const MODES = new Set(["", "host", "browser", "fragment", "no-run"]);

/** Names the examples may take as given: their type, and for `run` ones the value runnable examples get. */
const GIVENS = {
  otherPeerId: { type: "bigint", run: true }, // the peer id of "bob", a Node peer of this test (see bob())
  peer: { type: "Peer" },
  stream: { type: "InboundStream" },
  outbound: { type: "OutboundStream" },
  canvas: { type: "HTMLCanvasElement" },
  pngBytes: { type: "Uint8Array" },
  inject: { type: "(input: OutgoingInput) => void" },
};

/** The ```js blocks of README.md: {mode, code, line}. */
function examples() {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  return [...readme.matchAll(/^```js(.*)\n([\s\S]*?)^```/gm)].map((match) => ({
    mode: match[1].trim(),
    code: match[2],
    line: readme.slice(0, match.index).split("\n").length,
  }));
}

const blocks = examples();
// Inside the package, so that "petrichor" resolves to it (a package's self-reference), for tsc and Node alike.
mkdirSync(join(ROOT, "build"), { recursive: true });
const dir = mkdtempSync(join(ROOT, "build", "readme-examples-"));
const file = (i, extension) => join(dir, `example-${blocks[i].line}.${extension}`);
blocks.forEach((block, i) => writeFileSync(file(i, "mjs"), block.code));

let gateway;
let bob;
before(async () => {
  gateway = await startGateway({ keys: { [API_KEY]: "org" } });
  bob = await startBob();
});
after(async () => {
  bob?.close();
  await gateway?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** "bob": accepts every peer and answers requests on its data channels with "pong". */
async function startBob() {
  const connection = await rainway.connect({ apiKey: API_KEY, externalId: "bob", gatewayUrl: gateway.url });
  connection.addEventListener("peer-request", async (request) => {
    const peer = await request.accept();
    peer.addEventListener("datachannel", (channel) => {
      channel.addEventListener("message", (message) => {
        if (message.type === MessageEventType.Request) message.respond("pong");
      });
    });
  });
  return connection;
}

test("README.md's examples follow the convention", () => {
  assert.ok(blocks.length >= 6, `found ${blocks.length} examples`);
  for (const { mode, line } of blocks) assert.ok(MODES.has(mode), `README.md:${line}: unknown mode "${mode}" (see tests/node/readme.test.mjs)`);
  assert.ok(blocks.some((block) => block.mode === ""), "a runnable example");
  assert.ok(blocks.some((block) => block.mode === "host"), "a host example");
});

test("every example in README.md type-checks with tsc --strict", () => {
  const declarations = Object.entries(GIVENS).map(([name, { type }]) => `  const ${name}: ${type};`).join("\n");
  writeFileSync(
    join(dir, "givens.d.ts"),
    `import type { Peer, InboundStream, OutboundStream, OutgoingInput } from "petrichor";\ndeclare global {\n${declarations}\n}\nexport {};\n`,
  );
  blocks.forEach((block, i) => writeFileSync(file(i, "ts"), block.code));
  const config = {
    compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, lib: ["ES2022", "DOM"], types: [] },
    files: ["givens.d.ts", ...blocks.map((_, i) => file(i, "ts"))],
  };
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(config));
  const result = spawnSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", dir], { encoding: "utf8" });
  // tsc names the file by the README line its block starts at: example-<line>.ts.
  assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
});

/** Runs example i in Node with the givens as globals; resolves with {code, stdout, stderr, child} once it exits, or returns the child. */
function runExample(i) {
  const preload = join(dir, "givens.mjs");
  writeFileSync(preload, `globalThis.otherPeerId = BigInt(process.env.README_OTHER_PEER_ID);\n`);
  const child = spawn(process.execPath, ["--import", preload, file(i, "mjs")], {
    env: { ...process.env, PETRICHOR_GATEWAY_URL: gateway.url, README_OTHER_PEER_ID: String(bob.id) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = { stdout: "", stderr: "" };
  child.stdout.on("data", (chunk) => (output.stdout += chunk));
  child.stderr.on("data", (chunk) => (output.stderr += chunk));
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal, ...output })));
  return { child, output, exited };
}

test("the runnable examples run to completion", { timeout: 120000 }, async () => {
  const runnable = blocks.map((block, i) => ({ ...block, i })).filter((block) => block.mode === "");
  for (const { i, line } of runnable) {
    const { exited, child } = runExample(i);
    const timer = setTimeout(() => child.kill(), 60000);
    const { code, signal, stdout, stderr } = await exited;
    clearTimeout(timer);
    assert.equal(code, 0, `README.md:${line} exited with ${code ?? signal}\n${stdout}${stderr}`);
  }
});

test("the host example streams to a viewer, survives the viewer leaving, and serves the next one", { timeout: 120000 }, async () => {
  const hosts = blocks.map((block, i) => ({ ...block, i })).filter((block) => block.mode === "host");
  for (const { i, line } of hosts) {
    const { child, output, exited } = runExample(i);
    try {
      await until(() => /peer id:? (\d+)\n/.test(output.stdout) || child.exitCode !== null, 30000);
      assert.equal(child.exitCode, null, `README.md:${line} exited early\n${output.stdout}${output.stderr}`);
      const hostId = BigInt(/peer id:? (\d+)\n/.exec(output.stdout)[1]);
      for (const viewer of ["first viewer", "second viewer"]) {
        const connection = await rainway.connect({ apiKey: API_KEY, externalId: viewer, gatewayUrl: gateway.url });
        try {
          const peer = await connection.connect(hostId);
          const stream = await peer.createStream({ permissions: InputLevel.All });
          const frames = { video: 0, audio: 0 };
          stream.addEventListener("frame", (frame) => frames[frame.kind]++);
          await until(() => frames.video >= 30 && frames.audio >= 10, 30000);
          // Leaving while ffmpeg is mid-stream: frames it hands out from now on find the stream closed.
          stream.close();
          // The host is still there and answers: a fresh request gets a fresh stream, which it stops when asked.
          const again = await peer.createStream({ permissions: InputLevel.None });
          await nextEvent(again, "frame", 30000);
          again.close();
          peer.close();
        } finally {
          connection.close();
        }
      }
      assert.equal(child.exitCode, null, `README.md:${line} is still running`);
      assert.equal(output.stderr, "", `README.md:${line} wrote to stderr`);
    } catch (error) {
      error.message += `\nREADME.md:${line} (exit ${child.exitCode}) wrote:\n${output.stdout}${output.stderr}`;
      throw error;
    } finally {
      child.kill();
      await exited;
    }
  }
});
