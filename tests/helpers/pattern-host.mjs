// A Node host for browser tests: accepts every peer and stream request and streams ffmpeg's moving
// test pattern (H.264) with a tone (Opus) until the client leaves or closes the stream.
import rainway from "../../js/index.js";
import { startFfmpegSource } from "../../js/host/ffmpeg-source.js";
import { startGateway } from "../../js/gateway/index.js";
import { launchBrowser } from "./browser.mjs";

export async function startPatternHost({ gatewayUrl, apiKey = "key", width = 320, height = 240 }) {
  const connection = await rainway.connect({ apiKey, externalId: "pattern-host", gatewayUrl });
  const sources = new Set();
  const state = { streams: 0, errors: [] };
  connection.addEventListener("peer-request", async (request) => {
    try {
      const peer = await request.accept();
      peer.addEventListener("stream-request", async (streamRequest) => {
        try {
          const stream = await streamRequest.accept({ video: { codec: "avc1.42e01f", width, height, frameRate: 30 } });
          state.streams++;
          const source = startFfmpegSource({ width, height, frameRate: 30, keyframeInterval: 30, bitrate: 500_000 });
          sources.add(source);
          source.on("video", (chunk) => !stream.ended && stream.sendVideo(chunk));
          source.on("audio", (chunk) => !stream.ended && stream.sendAudio(chunk));
          source.on("error", (error) => state.errors.push(`ffmpeg: ${error.message}`));
          stream.addEventListener("bitrate-request", (bitsPerSecond) => source.setBitrate(bitsPerSecond));
          stream.addEventListener("leave", () => stream.close());
          stream.addEventListener("close", () => {
            source.stop();
            sources.delete(source);
          });
        } catch (error) {
          state.errors.push(`stream: ${error.message}`);
        }
      });
    } catch (error) {
      state.errors.push(`peer: ${error.message}`);
    }
  });
  return {
    id: connection.id,
    state,
    close() {
      for (const source of sources) source.stop();
      connection.close();
    },
  };
}

/** A gateway on loopback, a pattern host connected to it and a Chromium, for a file of browser tests; close() ends all three. */
export async function startPatternStage() {
  const stage = { gateway: null, host: null, browser: null };
  stage.close = async () => {
    await stage.browser?.close();
    stage.host?.close();
    await stage.gateway?.close();
  };
  try {
    stage.gateway = await startGateway({ keys: { key: "org" } });
    stage.host = await startPatternHost({ gatewayUrl: stage.gateway.url });
    stage.browser = await launchBrowser();
  } catch (error) {
    await stage.close();
    throw error;
  }
  return stage;
}
