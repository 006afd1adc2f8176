// The picture of a stream, for reading pixels in tests: a 2D context over a copy of what the
// stream's container shows (its <video>, or the canvas where there is no generated video track; a
// canvas a media worker draws into has no context on the page, but it can be drawn from). Imported by
// the test pages; tests/helpers/browser.mjs puts the same functions on every page it opens
// (window.streamPicture).

/** {context, width, height} of the picture in `container` (width and height 0, no context, before the first). */
export function streamPicture(container) {
  const source = container?.querySelector("video.rainway-video, canvas.rainway-canvas");
  const width = source?.videoWidth ?? source?.width ?? 0;
  const height = source?.videoHeight ?? source?.height ?? 0;
  if (!width || !height) return { context: null, width: 0, height: 0 };
  const copy = document.createElement("canvas");
  copy.width = width;
  copy.height = height;
  const context = copy.getContext("2d", { willReadFrequently: true });
  context.drawImage(source, 0, 0);
  return { context, width, height };
}

/** The colour at a point of the picture in `container` (fractions of its size): {r, g, b, width, height} (black and 0 × 0 before the first). */
export function streamPixel(container, fx = 0.5, fy = 0.5) {
  const { context, width, height } = streamPicture(container);
  if (!context) return { r: 0, g: 0, b: 0, width, height };
  const [r, g, b] = context.getImageData(Math.floor(width * fx), Math.floor(height * fy), 1, 1).data;
  return { r, g, b, width, height };
}
