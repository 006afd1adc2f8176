// The DOM of an InboundStream in a browser: the container the app inserts into its page (a focusable
// div holding the picture, which keeps its aspect ratio) and the optional stats overlay. The picture
// is a muted <video> showing a generated track where the browser has one (as 0.5 showed a <video>
// where it could), else a canvas (js/platform/picture-sink.js).
import { hasTrackSink } from "./picture-sink.js";

/** True when running with a DOM. */
export function hasDom() {
  return typeof globalThis.document?.createElement === "function";
}

/** Builds the container, its picture ({video} or {canvas}) and its (hidden) stats overlay. */
export function createStreamView() {
  const container = document.createElement("div");
  container.className = "rainway-inner-container";
  container.tabIndex = 0;
  Object.assign(container.style, {
    position: "relative",
    width: "100%",
    height: "100%",
    overflow: "hidden",
    touchAction: "none",
    userSelect: "none",
    outline: "none",
    background: "#000",
  });
  const video = hasTrackSink() ? document.createElement("video") : null;
  const canvas = video ? null : document.createElement("canvas");
  const picture = video ?? canvas;
  if (video) {
    video.className = "rainway-video";
    video.muted = true; // sound plays through Web Audio
    video.autoplay = true;
    video.playsInline = true;
    video.disablePictureInPicture = true;
  } else {
    canvas.className = "rainway-canvas";
  }
  Object.assign(picture.style, { width: "100%", height: "100%", objectFit: "contain", display: "block" });
  picture.addEventListener("contextmenu", (event) => event.preventDefault());
  const overlay = document.createElement("div");
  overlay.className = "rainway-stats-overlay";
  Object.assign(overlay.style, {
    position: "absolute",
    top: "0.5em",
    left: "0.5em",
    padding: "0.4em 0.6em",
    font: "12px/1.4 monospace",
    color: "#fff",
    background: "rgba(0, 0, 0, 0.6)",
    whiteSpace: "pre",
    pointerEvents: "none",
    display: "none",
  });
  container.append(picture, overlay);
  return { container, picture, video, canvas, overlay };
}

/** Fills the picture to the container's width, or lets it keep its own aspect ratio inside it. */
export function applyStreamFit(picture, fillWidth) {
  picture.style.objectFit = fillWidth ? "cover" : "contain";
}

/** Fullscreen for the container, with keyboard and pointer lock where the browser offers them. */
export async function enterFullscreen(container, { lockKeyboard = true, lockPointer = true } = {}) {
  await container.requestFullscreen?.({ navigationUI: "hide" });
  if (lockKeyboard) await globalThis.navigator?.keyboard?.lock?.().catch(() => {});
  if (lockPointer) container.requestPointerLock?.();
}

/**
 * Where the picture of a remote frame (remoteWidth × remoteHeight) lies inside the container, in
 * the container's CSS pixels: letterboxed (contain) or cropped (cover), centred, as the canvas
 * shows it. Returns {left, top, scale} (CSS pixels per remote pixel).
 */
export function pictureRect(container, remoteWidth, remoteHeight, cover) {
  const width = container.clientWidth;
  const height = container.clientHeight;
  const fit = cover ? Math.max : Math.min;
  const scale = fit(width / remoteWidth, height / remoteHeight) || 1;
  return { left: (width - remoteWidth * scale) / 2, top: (height - remoteHeight * scale) / 2, scale };
}

/** A point in the container (CSS pixels from its top left) in remote pixels, clamped to the picture. */
export function toRemotePoint(container, x, y, remote, cover) {
  const { left, top, scale } = pictureRect(container, remote.width, remote.height, cover);
  const clamp = (value, size) => Math.min(size - 1, Math.max(0, Math.floor(value)));
  return { x: clamp((x - left) / scale, remote.width), y: clamp((y - top) / scale, remote.height) };
}
