// The demo host of `npm start` (Node): a peer that accepts every connection and stream request,
// streams ffmpeg's live test pattern with a tone to each stream, and echoes data-channel messages.
import rainway, { MessageEventType } from "../index.js";
import { startFfmpegSource } from "./ffmpeg-source.js";

/** Connects the demo host; resolves to {id, close()}. */
export async function startDemoHost({ gatewayUrl, apiKey, log = () => {} }) {
  const connection = await rainway.connect({ apiKey, externalId: "demo-host", gatewayUrl });
  const sources = new Set();

  connection.addEventListener("peer-request", async (request) => {
    try {
      const peer = await request.accept();
      log(`demo host: connected to ${peer.id} (${peer.externalId || "no external id"})`);
      peer.addEventListener("datachannel", (channel) => {
        channel.addEventListener("message", (message) => {
          if (message.type === MessageEventType.Request) message.respond(message.data);
          else channel.send(message.data);
        });
      });
      peer.addEventListener("stream-request", async (streamRequest) => {
        const stream = await streamRequest.accept({
          video: { codec: "avc1.42e01f", width: 1280, height: 720, frameRate: 30 },
        });
        const source = startFfmpegSource({ width: 1280, height: 720, frameRate: 30, keyframeInterval: 30 });
        sources.add(source);
        source.on("video", (chunk) => !stream.ended && stream.sendVideo(chunk));
        source.on("audio", (chunk) => !stream.ended && stream.sendAudio(chunk));
        source.on("error", (error) => log(`demo host: ffmpeg: ${error.message}`));
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
    close() {
      for (const source of sources) source.stop();
      connection.close();
    },
  };
}
