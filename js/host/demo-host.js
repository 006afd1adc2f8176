// The demo host of `npm start` (Node): a peer that accepts every connection and stream request and
// echoes data-channel messages. Where the native host is built, it streams the demo app in a virtual
// display, which answers keyboard and mouse (so a visitor can type and draw); otherwise ffmpeg's
// live test pattern with a tone. Either way it also announces, unasked, a small test-pattern stream to
// every peer (a "stream-announcement" its client may join()); ffmpeg encodes it only while joined.
import { existsSync } from "node:fs";
import rainway, { InputLevel, MessageEventType } from "../index.js";
import { startFfmpegSource } from "./ffmpeg-source.js";
import { startHost } from "./linux-host.js";
import { nativeProgram } from "./native-host.js";

/** Answers every app message on the peer's channels with the same bytes. */
function echoMessages(peer) {
  peer.addEventListener("datachannel", (channel) => {
    channel.addEventListener("message", (message) => {
      if (message.type === MessageEventType.Request) message.respond(message.data);
      else channel.send(message.data);
    });
  });
}

/** Feeds an OutboundStream from ffmpeg's test pattern and tone; returns the source. */
function feedTestPattern(stream, { width, height, frameRate, log }) {
  const source = startFfmpegSource({ width, height, frameRate, keyframeInterval: frameRate });
  source.on("video", (chunk) => !stream.ended && stream.sendVideo(chunk));
  source.on("audio", (chunk) => !stream.ended && stream.sendAudio(chunk));
  source.on("error", (error) => log(`demo host: ffmpeg: ${error.message}`));
  stream.setVideoBitrate(1_500_000); // ffmpeg-source's default
  stream.addEventListener("bitrate-request", (bitsPerSecond) => source.setBitrate(bitsPerSecond));
  return source;
}

const ANNOUNCED = { codec: "avc1.42e01f", width: 640, height: 360, frameRate: 30 };

/**
 * Announces a 640×360 test pattern to `peer` without being asked; ffmpeg runs only while the client
 * has joined. Returns stop(), for when the host closes.
 */
function announceTestPattern(peer, log) {
  let source = null;
  const stop = () => {
    source?.stop();
    source = null;
  };
  peer
    .announceStream({ video: ANNOUNCED })
    .then((stream) => {
      stream.addEventListener("join", () => {
        stop();
        source = feedTestPattern(stream, { ...ANNOUNCED, log });
        log(`demo host: ${peer.id} joined the announced test pattern`);
      });
      stream.addEventListener("leave", stop);
      stream.addEventListener("close", stop);
    })
    .catch((error) => log(`demo host: could not announce a stream to ${peer.id}: ${error.message}`));
  return stop;
}

/** Connects the demo host; resolves to {id, interactive, close()}. */
export async function startDemoHost(options) {
  const app = nativeProgram("petrichor-demo-app");
  const announced = new Set(); // stop() of each announced test pattern
  if (existsSync(nativeProgram("petrichor-host")) && existsSync(app)) {
    try {
      const host = await startHost({
        ...options,
        externalId: "demo-host",
        app,
        width: 1280,
        height: 720,
        acceptAll: true,
        permissions: InputLevel.All,
        onPeer: (peer) => {
          echoMessages(peer);
          const stop = announceTestPattern(peer, (message) => options.log?.(message));
          announced.add(stop);
          peer.addEventListener("close", () => {
            stop();
            announced.delete(stop);
          });
        },
        log: (message) => options.log?.(`demo host: ${message}`),
      });
      return {
        id: host.id,
        interactive: true,
        close: () => {
          for (const stop of announced) stop();
          return host.close();
        },
      };
    } catch (error) {
      options.log?.(`demo host: the interactive demo could not start (${error.message}); streaming a test pattern instead`);
    }
  }
  return startTestPatternHost(options);
}

/** The demo host without the native host: ffmpeg's test pattern and a tone. */
async function startTestPatternHost({ gatewayUrl, apiKey, log = () => {} }) {
  const connection = await rainway.connect({ apiKey, externalId: "demo-host", gatewayUrl, reconnect: { giveUpAfterMs: Infinity } });
  const sources = new Set();

  connection.addEventListener("peer-request", async (request) => {
    try {
      const peer = await request.accept();
      log(`demo host: connected to ${peer.id} (${peer.externalId || "no external id"})`);
      echoMessages(peer);
      const announced = { stop: announceTestPattern(peer, log) };
      sources.add(announced);
      peer.addEventListener("close", () => {
        announced.stop();
        sources.delete(announced);
      });
      peer.addEventListener("stream-request", async (streamRequest) => {
        const stream = await streamRequest.accept({
          video: { codec: "avc1.42e01f", width: 1280, height: 720, frameRate: 30 },
        });
        const source = feedTestPattern(stream, { width: 1280, height: 720, frameRate: 30, log });
        sources.add(source);
        stream.addEventListener("close", () => {
          source.stop();
          sources.delete(source);
        });
        stream.addEventListener("leave", () => stream.close());
        log(`demo host: streaming to ${peer.id}`);
      });
    } catch (error) {
      log(`demo host: ${error.message}`);
    }
  });

  return {
    id: connection.id,
    interactive: false,
    close() {
      for (const source of sources) source.stop();
      connection.close();
    },
  };
}
