// Checks run on a client page (tests/browser/pages/client.html) that plays a stream.
import assert from "node:assert/strict";

/**
 * The video plays: its ready state is Playing, waited for with a generous deadline, because a player
 * on a busy machine may fall behind, skip to the next keyframe (WaitingForKeyframe) and play again.
 * Since it first played, it went only between those two states (and Paused, when paused).
 */
export async function expectPlaying(page) {
  await page.waitForFunction(() => window.playback().readyState === "Playing", null, { timeout: 20000 });
  const playback = await page.evaluate(() => window.playback());
  const since = playback.readyStates.slice(playback.readyStates.indexOf("Playing"));
  assert.deepEqual(since.filter((state) => !["Playing", "WaitingForKeyframe", "Paused"].includes(state)), [], playback.readyStates.join(" → "));
  return playback;
}

/** pause() stops the pictures (ready state Paused); play() brings them back, from a keyframe. */
export async function pauseAndPlay(page) {
  await page.evaluate(() => window.stream.pause());
  assert.equal((await page.evaluate(() => window.playback())).readyState, "Paused");
  await page.waitForTimeout(300); // what was decoding when it paused
  const paused = await page.evaluate(() => window.playback().video.framesDecoded);
  await page.waitForTimeout(700);
  assert.equal(await page.evaluate(() => window.playback().video.framesDecoded), paused);
  await page.evaluate(() => window.stream.play());
  await page.waitForFunction((n) => window.playback().video.framesDecoded > n + 5, paused, { timeout: 10000 });
}

/**
 * close() releases the players and the picture's track and takes the container out of the page;
 * nothing went wrong on the page.
 */
export async function closeStream(page) {
  const playing = await page.evaluate(() => window.playback());
  if (await page.evaluate(() => window.pictureElement?.() === "video")) assert.equal(playing.pictureTrack, "live");
  await page.evaluate(() => window.stream.close());
  const closed = await page.evaluate(() => window.playback());
  assert.equal(closed.readyState, "Disposed");
  assert.equal(closed.attached, false);
  assert.equal(closed.pictureTrack, null, "the picture's track is released");
  assert.deepEqual(await page.evaluate(() => window.errors), []);
  assert.deepEqual(page.errors, []);
}
