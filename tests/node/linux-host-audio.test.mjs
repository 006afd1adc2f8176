// The Linux host's audio, in Node: a PulseAudio server of the test's own (Debian's pulseaudio, a
// null sink, a socket in a temporary folder) plays a tone that ffmpeg sends it; `startHost` streams
// a virtual X display with that server's monitor as Opus, and a Node client receives both. Without
// a sound server the host streams video alone.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import rainway, { InputLevel } from "../../js/index.js";
import { startGateway } from "../../js/gateway/index.js";
import { startHost } from "../../js/host/linux-host.js";
import { nativeProgram } from "../../js/host/native-host.js";
import { startVirtualDisplay } from "../../js/host/virtual-display.js";
import { sleep, until } from "../helpers/events.mjs";

let gateway;
let display;
let app;
let folder;
let pulse; // the sound server
let tone; // ffmpeg playing into it
let pulseEnv; // how a client finds it: PULSE_SERVER, and a cookie file of its own (none in ~/.config)

/** Runs until the process exits or `ms` pass; resolves with what it printed, or rejects with it. */
const run = (command, args, env, ms = 5000) => promisify(execFile)(command, args, { env, timeout: ms });

before(async () => {
  gateway = await startGateway({ keys: { key: "org" } });
  display = await startVirtualDisplay({ width: 320, height: 240 });
  app = spawn(nativeProgram("petrichor-demo-app"), ["--display", display.display, "--animate"], { stdio: "inherit" });

  folder = mkdtempSync(join(tmpdir(), "petrichor-pulse-"));
  const socket = join(folder, "native");
  pulseEnv = { PULSE_SERVER: `unix:${socket}`, PULSE_COOKIE: join(folder, "cookie") };
  // A user daemon (as root too: --system=no) that never exits on its own, with no configuration but
  // its two modules: a null sink at 48 kHz (the default sink, so its monitor is the default monitor)
  // and its socket, open to anyone (no cookie to share).
  const serverEnv = { ...process.env, HOME: folder, XDG_RUNTIME_DIR: folder, PULSE_RUNTIME_PATH: folder, PULSE_STATE_PATH: folder };
  pulse = spawn(
    "pulseaudio",
    ["--daemonize=no", "--system=no", "--use-pid-file=no", "--exit-idle-time=-1", "--disallow-exit", "-n",
      "--load", "module-null-sink sink_name=petrichor_test rate=48000",
      "--load", `module-native-protocol-unix auth-anonymous=1 socket=${socket}`,
      "--log-target=stderr", "--log-level=error"],
    { env: serverEnv, stdio: ["ignore", "ignore", "inherit"] },
  );
  let failed = null; // e.g. Debian's pulseaudio is not installed (PACKAGES.test)
  pulse.on("error", (error) => (failed = error));
  const clientEnv = { ...process.env, ...pulseEnv };
  const started = Date.now();
  for (;;) {
    try {
      await run("pactl", ["info"], clientEnv);
      break;
    } catch (error) {
      if (failed || Date.now() - started > 10000) throw new Error(`pulseaudio did not start: ${(failed ?? error).message}`);
      await sleep(100);
    }
  }
  // A tone into the null sink, asking for a small latency so that the sink's clock ticks every few
  // ms (the monitor then delivers at once; at the default latency its first samples can take 2 s).
  tone = spawn(
    "ffmpeg",
    ["-hide_banner", "-loglevel", "error", "-nostdin", "-re", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
      "-t", "120", "-buffer_duration", "20", "-f", "pulse", "petrichor-test-tone"],
    { env: clientEnv, stdio: ["ignore", "ignore", "inherit"] },
  );
  tone.on("error", () => {}); // no ffmpeg: the audio test fails on its silence
});

const exited = (child) =>
  new Promise((resolve) => (child.pid === undefined || child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("exit", resolve)));

after(async () => {
  tone?.kill();
  if (tone) await exited(tone); // before its server goes, or it complains
  pulse?.kill();
  app?.kill();
  display?.stop();
  await gateway?.close();
  if (pulse) await exited(pulse);
  if (folder) rmSync(folder, { recursive: true, force: true });
});

/** A host with `env` for its native program, a Node client streaming from it, and the frames it got by kind. */
async function hostAndClient(env) {
  const logs = [];
  const host = await startHost({ gatewayUrl: gateway.url, apiKey: "key", display: display.display, acceptAll: true, env, log: (line) => logs.push(line) });
  const client = await rainway.connect({ apiKey: "key", gatewayUrl: gateway.url, externalId: "node-listener" });
  const peer = await client.connect(host.id);
  const requestedAt = performance.now(); // the native program (and its clock) starts after this
  const stream = await peer.createStream({ permissions: InputLevel.None });
  const frames = { video: [], audio: [] };
  stream.addEventListener("frame", (frame) => frames[frame.kind].push(frame));
  return {
    stream,
    frames,
    logs,
    requestedAt,
    close() {
      stream.close();
      client.close();
      host.close();
    },
  };
}

test("the sound server's monitor reaches the client as 20 ms Opus packets of the tone, beside the video", { timeout: 60000 }, async () => {
  const { stream, frames, logs, requestedAt, close } = await hostAndClient(pulseEnv);
  try {
    assert.deepEqual(stream.info.audio, { codec: "opus", sampleRate: 48000, channels: 2 });
    await until(() => frames.audio.length >= 25, 20000);
    assert.ok(frames.video.length >= 1, "video arrives too");
    const audio = frames.audio.slice(0, 25);
    for (const [i, frame] of audio.entries()) {
      assert.equal(frame.type, "key");
      // A 440 Hz tone at 96 kbit/s takes about 240 bytes a packet; digital silence takes 3.
      assert.ok(frame.data.length > 100, `packet ${i} has ${frame.data.length} bytes`);
      // On the sample count: 20 ms after the one before, unless the server stalled (a loaded machine)
      // and the count started again later; never earlier, never overlapping.
      const gap = i > 0 ? frame.timestamp - audio[i - 1].timestamp : 20000;
      assert.ok(gap >= 19999, `packet ${i} is ${gap} µs after the one before`);
    }
    const exact = audio.slice(1).filter((frame, i) => Math.abs(frame.timestamp - audio[i].timestamp - 20000) <= 1).length;
    assert.ok(exact >= 1, "consecutive packets are 20 ms apart on the sample count");
    // On the video's clock, which starts once the stream was requested: no timestamp of either kind
    // is before that start or after now.
    const bound = (performance.now() - requestedAt) * 1000;
    for (const frame of [...frames.video, ...frames.audio]) {
      assert.ok(frame.timestamp >= 0 && frame.timestamp <= bound, `a ${frame.kind} frame at ${frame.timestamp} µs, the stream is ${bound} µs old`);
    }
    assert.ok(logs.some((line) => /audio from the default monitor, opus/.test(line)), logs.join("\n"));
  } catch (error) {
    error.message += `\nhost log:\n${logs.join("\n")}`;
    throw error;
  } finally {
    close();
  }
});

test("without a sound server the host streams video and no audio, and says why once", { timeout: 60000 }, async () => {
  const nowhere = { PULSE_SERVER: `unix:${join(folder, "no-such-socket")}`, PULSE_COOKIE: join(folder, "cookie") };
  const { stream, frames, logs, close } = await hostAndClient(nowhere);
  try {
    assert.equal(stream.info.audio, undefined);
    await until(() => frames.video.length >= 10, 20000);
    assert.equal(frames.audio.length, 0);
    assert.equal(logs.join("\n").match(/petrichor-host: no audio: /g)?.length, 1, logs.join("\n"));
    assert.ok(logs.some((line) => /, no audio\) to /.test(line)), logs.join("\n"));
  } finally {
    close();
  }
});
