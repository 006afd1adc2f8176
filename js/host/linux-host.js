// `petrichor host` / startHost(): a Linux machine as a Petrichor host. The SDK's host role (Node)
// connects to the gateway, accepts peers by a stated policy and answers stream requests; for each
// stream it runs the native host program (capture, H.264 encoding, XTest injection; the sound
// server's monitor as Opus when there is one) on an X display (an existing one, or a virtual one
// running one application), sends its access units and audio packets, and passes the input the
// host's core let through (filtered by the granted InputLevel) on to it.
import { spawn } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import rainway, { InputLevel, StreamType } from "../index.js";
import { createCore } from "../core/core.js";
import { NativeHost } from "./native-host.js";
import { startVirtualDisplay } from "./virtual-display.js";

// The virtual display's framebuffer: the largest a client's viewport can make it (RandR, within it).
const MAX_WIDTH = 3840;
const MAX_HEIGHT = 2160;

/** Answers a stream request with a refusal; a peer that is gone already needs no answer. */
function rejectQuietly(request, reason) {
  try {
    request.reject(reason);
  } catch {
    // the peer is gone
  }
}

async function readToken(file) {
  try {
    return (await readFile(file, "utf8")).trim() || undefined;
  } catch {
    return undefined; // the first run
  }
}

/**
 * Starts a host. Options: gatewayUrl, apiKey, externalId ("petrichor-host"); display (":0"), or app
 * (a command to run in a virtual display of width × height at first, then of each client's viewport
 * size, within 320 × 240 … 3840 × 2160); allow (external ids to accept) or
 * acceptAll; permissions (InputLevel granted, default All); fps, bitrate, software; resumeTokenFile
 * (keeps the peer id across restarts); env (environment variables for the native program and the
 * app, over process.env: e.g. PULSE_SERVER, the sound server whose default monitor is the stream's
 * audio); maxStreams (4 at once, in total) and maxStreamsPerPeer (1), beyond which stream requests
 * are rejected; onPeer(peer) for each accepted peer; log(message).
 * Resolves to {id, connection, streams, close()}.
 */
export async function startHost(options) {
  const {
    gatewayUrl,
    apiKey,
    externalId = "petrichor-host",
    app,
    width = 1280,
    height = 720,
    allow = [],
    acceptAll = false,
    permissions = InputLevel.All,
    fps = 30,
    bitrate = 2_000_000,
    software = false,
    resumeTokenFile,
    env: extraEnv = {},
    maxStreams = 4,
    maxStreamsPerPeer = 1,
    onPeer = () => {},
    log = () => {},
  } = options;
  if (!app && !options.display) throw new Error("startHost needs a display (e.g. \":0\") or an app to run in a virtual one.");
  if (!acceptAll && allow.length === 0) throw new Error("startHost needs a policy: allow (external ids) or acceptAll.");

  const env = { ...process.env, ...extraEnv };
  const encoder = await createCore(); // encodes the input that passed the filter as records for the native side
  let virtual = null;
  let appProcess = null;
  let display = options.display;
  if (app) {
    // Xvfb's framebuffer at the largest size; its screen starts at width × height.
    virtual = await startVirtualDisplay({ width, height, maxWidth: Math.max(width, MAX_WIDTH), maxHeight: Math.max(height, MAX_HEIGHT) });
    display = virtual.display;
    appProcess = spawn("sh", ["-c", app], { env: { ...env, DISPLAY: display }, stdio: ["ignore", "ignore", "inherit"] });
    appProcess.on("exit", (code) => log(`app exited with status ${code}`));
  }

  const resumeToken = resumeTokenFile ? await readToken(resumeTokenFile) : undefined;
  // A host is there to be reached: it reconnects to the gateway for as long as it runs.
  const connection = await rainway.connect({ apiKey, gatewayUrl, externalId, resumeToken, reconnect: { giveUpAfterMs: Infinity } });
  const saveToken = async (token) => {
    if (!resumeTokenFile || !token) return;
    await mkdir(dirname(resumeTokenFile), { recursive: true });
    await writeFile(resumeTokenFile, `${token}\n`, { mode: 0o600 });
  };
  await saveToken(connection.resumeToken);
  // The gateway issues new tokens (each reconnection, and refreshes): the file keeps the newest.
  connection.addEventListener("resume-token", (token) => saveToken(token).catch((error) => log(`the resume token could not be saved: ${error.message}`)));
  connection.addEventListener("reconnecting", (error, attempt) => attempt === 1 && log(`gateway connection lost (${error.message}); reconnecting`));
  connection.addEventListener("reconnected", (id) => log(`reconnected to the gateway as ${id}`));
  const streams = new Set();

  /** Each stream runs an encoder: how many may run is a limit of ours, never the peers' to choose. */
  const starting = new Map(); // peer -> streams being started
  const refuseOverLimit = (peer, request) => {
    const ofPeer = [...streams].filter((stream) => stream.peer === peer).length + (starting.get(peer) ?? 0);
    const total = streams.size + [...starting.values()].reduce((sum, n) => sum + n, 0);
    const reason = ofPeer >= maxStreamsPerPeer ? `at most ${maxStreamsPerPeer} stream(s) per peer` : total >= maxStreams ? `at most ${maxStreams} streams at once` : null;
    if (reason) {
      log(`stream request from ${peer.id} refused: ${reason}`);
      rejectQuietly(request, `This host is busy: ${reason}.`);
    }
    return reason !== null;
  };

  const serve = async (peer, request) => {
    if (refuseOverLimit(peer, request)) return;
    starting.set(peer, (starting.get(peer) ?? 0) + 1);
    let native;
    try {
      // In a virtual display of its own the screen follows the client's viewport, from width × height.
      const follow = app ? { followViewport: true, size: { width, height } } : {};
      native = new NativeHost({ display, fps, bitrate, software, env, ...follow });
      native.on("log", (line) => log(`native: ${line}`));
      const info = await native.hello();
      const stream = await request.accept({
        permissions,
        type: app ? StreamType.AppIsolation : StreamType.FullDesktop,
        video: { codec: info.codec, width: info.width, height: info.height, frameRate: info.frameRate },
        audio: info.audio ?? null, // none without a sound server: not an error
      });
      streams.add(stream);
      log(`streaming ${display} (${info.width}×${info.height}, ${info.codec}${info.audio ? `, ${info.audio.codec}` : ", no audio"}) to ${peer.id}`);
      native.on("video", (chunk) => !stream.ended && stream.sendVideo(chunk));
      native.on("audio", (chunk) => !stream.ended && stream.sendAudio(chunk));
      native.on("client-input", (records) => stream._sendRecords(records)); // cursor, clipboard
      native.on("exit", (error) => {
        if (error && !stream.ended) {
          log(error.message);
          stream.close(error.message); // the client's stream ends, saying why; this host serves the next request
        }
      });
      stream.addEventListener("input", (input) => {
        const records = encoder.inputEncode(input);
        if (typeof records === "number") log(`input not passed on: ${encoder.errorName(records)}`);
        else native.sendInput(records);
      });
      stream.addEventListener("keyframe-request", () => native.requestKeyframe());
      stream.addEventListener("bitrate-request", (bitsPerSecond) => native.setBitrate(bitsPerSecond));
      stream.setVideoBitrate(bitrate);
      stream.addEventListener("leave", () => stream.close());
      stream.addEventListener("close", () => {
        streams.delete(stream);
        native.stop();
      });
    } catch (error) {
      native?.stop();
      log(`stream request from ${peer.id} refused: ${error.message}`);
      rejectQuietly(request, error.message);
    } finally {
      const left = starting.get(peer) - 1;
      if (left > 0) starting.set(peer, left);
      else starting.delete(peer);
    }
  };

  connection.addEventListener("peer-request", async (request) => {
    if (!acceptAll && !allow.includes(request.externalId)) {
      log(`refused ${request.id} ("${request.externalId}"): not in the allow list`);
      request.reject("This host does not accept you.");
      return;
    }
    try {
      const peer = await request.accept();
      log(`connected to ${peer.id} ("${peer.externalId}")`);
      peer.addEventListener("stream-request", (streamRequest) => serve(peer, streamRequest));
      onPeer(peer);
    } catch (error) {
      log(`connection from ${request.id} failed: ${error.message}`);
    }
  });

  return {
    id: connection.id,
    display,
    connection,
    streams,
    close() {
      for (const stream of streams) stream.close();
      connection.close();
      appProcess?.kill();
      virtual?.stop();
      encoder.shutdown();
    },
  };
}
