// The demo host of `npm start` (Node): a peer that accepts every connection and stream request and
// echoes data-channel messages. Where the native host is built, it streams the demo app in a virtual
// display, which answers keyboard and mouse (so a visitor can type and draw); otherwise ffmpeg's
// live test pattern with a tone.
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

/** Connects the demo host; resolves to {id, interactive, close()}. */
export async function startDemoHost(options) {
  const app = nativeProgram("petrichor-demo-app");
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
        onPeer: echoMessages,
        log: (message) => options.log?.(`demo host: ${message}`),
      });
      return { id: host.id, interactive: true, close: () => host.close() };
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
      peer.addEventListener("stream-request", async (streamRequest) => {
        const stream = await streamRequest.accept({
          video: { codec: "avc1.42e01f", width: 1280, height: 720, frameRate: 30 },
        });
        const source = startFfmpegSource({ width: 1280, height: 720, frameRate: 30, keyframeInterval: 30 });
        sources.add(source);
        source.on("video", (chunk) => !stream.ended && stream.sendVideo(chunk));
        source.on("audio", (chunk) => !stream.ended && stream.sendAudio(chunk));
        source.on("error", (error) => log(`demo host: ffmpeg: ${error.message}`));
        stream.setVideoBitrate(1_500_000); // ffmpeg-source's default
        stream.addEventListener("bitrate-request", (bitsPerSecond) => source.setBitrate(bitsPerSecond));
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
