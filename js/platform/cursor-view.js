// The remote cursor drawn in the stream's container: the image the host sent (PNG), at the
// position it reports, scaled and offset like the picture; hidden while it is invisible, while
// there is no image, or under pointer lock (then the host's own cursor is in the picture, if any).
import { pictureRect } from "./stream-view.js";

export class CursorView {
  #container;
  #element;
  #image;
  #last = null; // the arguments of the last update, to redraw when pointer lock changes
  #onLockChange = () => this.#last && this.update(...this.#last);

  constructor(container) {
    this.#container = container;
    document.addEventListener("pointerlockchange", this.#onLockChange);
    this.#element = document.createElement("div");
    this.#element.className = "rainway-cursor";
    Object.assign(this.#element.style, { position: "absolute", left: "0", top: "0", pointerEvents: "none", display: "none" });
    this.#image = document.createElement("img");
    this.#image.alt = "";
    Object.assign(this.#image.style, { display: "block", imageRendering: "pixelated" });
    this.#element.append(this.#image);
    container.append(this.#element);
  }

  /** Draws the cursor (a Cursor of the public API) over a picture of remote size {width, height}. */
  update(cursor, remote, cover) {
    this.#last = [cursor, remote, cover];
    const locked = globalThis.document?.pointerLockElement === this.#container;
    const shown = cursor.visible && cursor.hasPointerImage && remote && !locked;
    this.#element.style.display = shown ? "block" : "none";
    // The local pointer would sit beside the remote one: hide it while the remote one is drawn.
    this.#container.style.cursor = shown ? "none" : "";
    if (!shown) return;
    if (this.#image.src !== cursor.pointerImage) this.#image.src = cursor.pointerImage;
    const { left, top, scale } = pictureRect(this.#container, remote.width, remote.height, cover);
    this.#image.style.width = `${cursor.shapeWidth * scale}px`;
    this.#image.style.height = `${cursor.shapeHeight * scale}px`;
    const x = left + (cursor.x - cursor.spotX) * scale;
    const y = top + (cursor.y - cursor.spotY) * scale;
    this.#element.style.transform = `translate(${x}px, ${y}px)`;
  }

  remove() {
    document.removeEventListener("pointerlockchange", this.#onLockChange);
    this.#element.remove();
    this.#container.style.cursor = "";
  }
}
