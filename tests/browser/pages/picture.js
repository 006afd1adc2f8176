// The picture of a stream's canvas, for reading pixels in tests: a 2D context over a copy of it. A
// canvas a media worker draws into (through its OffscreenCanvas) has no context on the page, but it
// can be drawn from. Imported by the test pages; tests/helpers/browser.mjs puts the same function on
// every page it opens as window.pictureContext.
export function pictureContext(canvas) {
  const copy = document.createElement("canvas");
  copy.width = canvas.width;
  copy.height = canvas.height;
  const context = copy.getContext("2d", { willReadFrequently: true });
  context.drawImage(canvas, 0, 0);
  return context;
}
