// The DOM of an InboundStream in a browser: the container the app inserts into its page (a focusable
// div holding a canvas that keeps the picture's aspect ratio) and the optional stats overlay.

/** True when running with a DOM. */
export function hasDom() {
  return typeof globalThis.document?.createElement === "function";
}

/** Builds the container, its canvas and its (hidden) stats overlay. */
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
  const canvas = document.createElement("canvas");
  canvas.className = "rainway-canvas";
  Object.assign(canvas.style, { width: "100%", height: "100%", objectFit: "contain", display: "block" });
  canvas.addEventListener("contextmenu", (event) => event.preventDefault());
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
  container.append(canvas, overlay);
  return { container, canvas, overlay };
}

/** Fills the canvas to the container's width, or lets it keep its own aspect ratio inside it. */
export function applyStreamFit(canvas, fillWidth) {
  canvas.style.objectFit = fillWidth ? "cover" : "contain";
}

/** Fullscreen for the container, with keyboard and pointer lock where the browser offers them. */
export async function enterFullscreen(container, { lockKeyboard = true, lockPointer = true } = {}) {
  await container.requestFullscreen?.({ navigationUI: "hide" });
  if (lockKeyboard) await globalThis.navigator?.keyboard?.lock?.().catch(() => {});
  if (lockPointer) container.requestPointerLock?.();
}
