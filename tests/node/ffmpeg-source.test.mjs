// The ffmpeg source of Node hosts (js/host/ffmpeg-source.js): once stopped it emits nothing, not even
// what ffmpeg had already written, so that nothing reaches a stream that has gone.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startFfmpegSource } from "../../js/host/ffmpeg-source.js";
import { sleep } from "../helpers/events.mjs";

test("after stop(), the ffmpeg source emits nothing: no chunk it had not handed out yet, no end", { timeout: 30000 }, async () => {
  // Not realtime: ffmpeg encodes as fast as it can, so its pipes hold more than the first chunk when stop() comes.
  const source = startFfmpegSource({ width: 320, height: 180, realtime: false, durationSeconds: 20 });
  const after = [];
  let stopped = false;
  for (const name of ["video", "audio", "error", "end"]) {
    source.on(name, () => {
      if (stopped) after.push(name);
    });
  }
  await new Promise((resolve) => source.once("video", resolve));
  source.stop();
  stopped = true;
  await sleep(1500); // ffmpeg exits within this on SIGTERM; what it wrote before that has been read by then
  assert.deepEqual(after, []);
});
