// DOM input capture for a stream's container: keyboard (by physical key, KeyboardEvent.code), IME
// text, mouse (absolute without pointer lock, relative under it), wheel on both axes, paste and
// clipboard, the container's size, focus and page visibility. Touch and pen go to TouchInput,
// gamepads to GamepadInput. Every captured input is an OutgoingInput object handed to
// hooks.send(input), which returns true when it went out; this module decides nothing else.
import { ButtonAction, InputLevel, InputType, KeyboardAction, LogLevel, MouseButton, ScrollAxis } from "../sdk/enums.js";
import { GamepadInput } from "./gamepad-input.js";
import { TouchInput } from "./touch-input.js";

/** MouseEvent.buttons bits, in MouseButton order: left, right, middle, back (X1), forward (X2). */
const BUTTON_BITS = [
  [1, MouseButton.Left],
  [2, MouseButton.Right],
  [4, MouseButton.Middle],
  [8, MouseButton.X1],
  [16, MouseButton.X2],
];
/** Wheel deltas in 1/120 of a notch (the Windows WHEEL_DELTA unit) per DOM delta unit: pixel, line, page. */
const WHEEL_UNITS = [1.2, 40, 120];
const VIEWPORT_DEBOUNCE_MS = 100;

export class InputCapture {
  #container;
  #hooks;
  #level;
  #buttons = 0;
  #wheel = [0, 0]; // fractional remainder per ScrollAxis
  #pendingPasteKey = null;
  #lastClipboard = null;
  #viewport = { width: 0, height: 0, timer: null };
  #pausedByVisibility = false;
  #listeners = [];
  #textSink;
  #touch;
  #gamepads;
  #resizeObserver = null;

  /**
   * hooks: send(input) → boolean; mapKey(code) → VirtualKey (0: unmapped); toRemote(x, y) → {x, y} |
   * undefined; scale() → CSS pixels per remote pixel; releaseKeys(); pause(); play(); isPaused();
   * log: a log of js/sdk/log.js (level, message or a function building it).
   */
  constructor(container, hooks, level) {
    this.#container = container;
    this.#hooks = hooks;
    this.#level = level;
    this.#textSink = this.#createTextSink();
    this.#touch = new TouchInput(container, hooks);
    this.#gamepads = new GamepadInput(hooks);
    const on = (target, type, handler, options) => {
      target.addEventListener(type, handler, options);
      this.#listeners.push(() => target.removeEventListener(type, handler, options));
    };
    on(container, "keydown", (event) => this.#onKey(event, KeyboardAction.KeyDown));
    on(container, "keyup", (event) => this.#onKey(event, KeyboardAction.KeyUp));
    on(container, "compositionend", (event) => this.#onComposition(event));
    // Keys the browser kept (not sent, or unmapped) type into the hidden text field: keep it empty.
    on(this.#textSink, "input", (event) => !event.isComposing && (this.#textSink.value = ""));
    on(container, "paste", (event) => this.#onPaste(event));
    on(container, "focus", () => this.#onFocus());
    on(container, "focusout", (event) => {
      if (container.contains(event.relatedTarget)) return;
      hooks.log(LogLevel.Debug, "focus lost: keys released, capture stops");
      hooks.releaseKeys();
    });
    on(document, "pointerlockchange", () =>
      hooks.log(LogLevel.Debug, () => (document.pointerLockElement === container ? "pointer locked: the mouse moves relatively" : "pointer lock released")),
    );
    for (const type of ["pointerdown", "pointermove", "pointerup", "pointercancel", "pointerrawupdate"]) {
      on(container, type, (event) => this.#onPointer(event));
    }
    // Back/forward buttons navigate and the middle button autoscrolls unless their mouse events are held back.
    for (const type of ["mousedown", "mouseup", "auxclick"]) {
      on(container, type, (event) => event.button !== 0 && this.#allows(InputLevel.Mouse) && event.preventDefault());
    }
    on(container, "wheel", (event) => this.#onWheel(event), { passive: false });
    on(container, "contextmenu", (event) => event.preventDefault());
    on(globalThis, "blur", () => hooks.releaseKeys());
    on(document, "visibilitychange", () => this.#onVisibility());
    if (typeof ResizeObserver === "function") {
      this.#resizeObserver = new ResizeObserver(() => this.#onResize());
      this.#resizeObserver.observe(container);
    }
    this.setLevel(level);
  }

  /** Applies a new InputLevel: listeners stay, but only what it allows is captured. */
  setLevel(level) {
    this.#hooks.log(LogLevel.Debug, () => `capturing ${["Keyboard", "Mouse", "Gamepad", "Clipboard"].filter((name) => level & InputLevel[name]).join(", ") || "nothing"} (InputLevel ${level})`);
    this.#level = level;
    this.#touch.setEnabled((level & InputLevel.Mouse) !== 0);
    this.#gamepads.setLevel(level & InputLevel.Gamepad);
    if (!(level & InputLevel.Mouse)) this.#buttons = 0;
  }

  enableGestures() {
    this.#touch.setGestures(true);
  }

  disableGestures() {
    this.#touch.setGestures(false);
  }

  /** Plays a host's rumble on the pad of that port, where the browser can. */
  rumble(rumble) {
    this.#gamepads.rumble(rumble);
  }

  dispose() {
    for (const remove of this.#listeners.splice(0)) remove();
    this.#resizeObserver?.disconnect();
    clearTimeout(this.#viewport.timer);
    this.#touch.dispose();
    this.#gamepads.dispose();
    this.#textSink.remove();
  }

  #allows(bit) {
    return (this.#level & bit) !== 0;
  }

  // ---- keyboard and text ----

  /**
   * A hidden text field that holds the focus while the container has it on desktops, so that an IME
   * can compose text (a plain div receives keys but no composition). Touch devices keep the focus
   * on the container: focusing a text field there would raise the on-screen keyboard.
   */
  #createTextSink() {
    const sink = document.createElement("textarea");
    sink.className = "rainway-text-input";
    sink.setAttribute("aria-hidden", "true");
    sink.tabIndex = -1;
    sink.autocomplete = "off";
    Object.assign(sink.style, { position: "absolute", left: "0", top: "0", width: "1px", height: "1px", opacity: "0", pointerEvents: "none", resize: "none", border: "0", padding: "0" });
    this.#container.append(sink);
    return sink;
  }

  #onFocus() {
    this.#hooks.log(LogLevel.Debug, "focused: capturing input");
    if (globalThis.matchMedia?.("(pointer: fine)").matches) this.#textSink.focus({ preventScroll: true });
    // The host's paste should paste what this machine copied: offer the local clipboard on focus.
    if (this.#allows(InputLevel.Clipboard) && navigator.clipboard?.readText) {
      navigator.clipboard.readText().then(
        (text) => this.#sendClipboard(text),
        () => {}, // no permission to read: a paste (Ctrl+V) still carries the text
      );
    }
  }

  #onKey(event, action) {
    if (!this.#allows(InputLevel.Keyboard) || event.isComposing || event.keyCode === 229) return; // the IME has it
    const key = this.#hooks.mapKey(event.code);
    if (!key) return; // a key with no VirtualKey stays with the browser
    const input = { type: InputType.Keyboard, action, key };
    // Ctrl/Cmd+V with clipboard access: let the browser paste first, so that the clipboard text
    // reaches the host before the key that pastes it.
    if (action === KeyboardAction.KeyDown && event.code === "KeyV" && (event.ctrlKey || event.metaKey) && this.#allows(InputLevel.Clipboard)) {
      this.#pendingPasteKey = input;
      setTimeout(() => this.#flushPasteKey(), 0);
      return;
    }
    if (this.#hooks.send(input)) event.preventDefault();
  }

  #onComposition(event) {
    this.#textSink.value = "";
    if (event.data && this.#allows(InputLevel.Keyboard)) this.#hooks.send({ type: InputType.PasteText, inputString: event.data });
  }

  #onPaste(event) {
    const text = event.clipboardData?.getData("text/plain");
    if (text && this.#allows(InputLevel.Clipboard)) {
      event.preventDefault();
      this.#sendClipboard(text);
    }
    this.#flushPasteKey();
  }

  #flushPasteKey() {
    const input = this.#pendingPasteKey;
    this.#pendingPasteKey = null;
    if (input) this.#hooks.send(input);
  }

  #sendClipboard(text) {
    if (!text || text === this.#lastClipboard || !this.#allows(InputLevel.Clipboard)) return;
    if (this.#hooks.send({ type: InputType.SetClipboardText, text })) this.#lastClipboard = text;
  }

  // ---- mouse ----

  #onPointer(event) {
    if (event.pointerType !== "mouse") {
      this.#touch.handle(event);
      return;
    }
    if (!this.#allows(InputLevel.Mouse)) return;
    const locked = document.pointerLockElement === this.#container;
    // Under pointer lock, movement comes from pointerrawupdate where the browser has it (less delay).
    const motionEvent = locked && "onpointerrawupdate" in globalThis ? "pointerrawupdate" : "pointermove";
    if (event.type === motionEvent || (event.type === "pointerdown" && !locked)) {
      if (locked) {
        if (event.movementX || event.movementY) this.#hooks.send({ type: InputType.MouseRelative, dx: event.movementX, dy: event.movementY });
      } else {
        const point = this.#pointOf(event);
        if (point) this.#hooks.send({ type: InputType.MouseAbsolute, x: point.x, y: point.y });
      }
    }
    if (event.type !== "pointerrawupdate") this.#setButtons(event.type === "pointercancel" ? 0 : event.buttons);
    if (event.type === "pointerdown") {
      // After the click went out: moving the focus costs time the click should not wait for.
      if (!this.#container.contains(document.activeElement)) this.#container.focus({ preventScroll: true });
      this.#container.setPointerCapture?.(event.pointerId); // a drag that leaves the container goes on
    }
  }

  #pointOf(event) {
    const rect = this.#container.getBoundingClientRect();
    return this.#hooks.toRemote(event.clientX - rect.left, event.clientY - rect.top);
  }

  /** Sends a click for every button whose state changed (chorded buttons come without pointerdown). */
  #setButtons(buttons) {
    const changed = buttons ^ this.#buttons;
    this.#buttons = buttons;
    for (const [bit, button] of BUTTON_BITS) {
      if (changed & bit) {
        const action = buttons & bit ? ButtonAction.ButtonDown : ButtonAction.ButtonUp;
        this.#hooks.send({ type: InputType.MouseClick, action, button });
      }
    }
  }

  #onWheel(event) {
    if (!this.#allows(InputLevel.Mouse)) return;
    event.preventDefault();
    const unit = WHEEL_UNITS[event.deltaMode] ?? 1.2;
    this.#scroll(ScrollAxis.Vertical, event.deltaY * unit);
    this.#scroll(ScrollAxis.Horizontal, event.deltaX * unit);
  }

  /** Accumulates fractions of a wheel unit; whole units go out (positive: down or right, as in the DOM). */
  #scroll(axis, amount) {
    if (!amount) return;
    this.#wheel[axis] += amount;
    const whole = Math.trunc(this.#wheel[axis]);
    if (whole === 0) return;
    this.#wheel[axis] -= whole;
    this.#hooks.send({ type: InputType.MouseScroll, axis, delta: whole });
  }

  // ---- container size and page visibility ----

  #onResize() {
    clearTimeout(this.#viewport.timer);
    this.#viewport.timer = setTimeout(() => {
      const width = Math.round(this.#container.clientWidth);
      const height = Math.round(this.#container.clientHeight);
      if (width < 1 || height < 1 || (width === this.#viewport.width && height === this.#viewport.height)) return;
      if (this.#hooks.send({ type: InputType.ViewportResize, width: Math.min(width, 16384), height: Math.min(height, 16384) })) {
        this.#viewport.width = width;
        this.#viewport.height = height;
      }
    }, VIEWPORT_DEBOUNCE_MS);
  }

  #onVisibility() {
    if (document.visibilityState === "hidden") {
      this.#hooks.log(LogLevel.Debug, "page hidden: keys released, stream paused");
      this.#hooks.releaseKeys();
      if (!this.#hooks.isPaused()) {
        this.#pausedByVisibility = true;
        this.#hooks.pause();
      }
    } else if (this.#pausedByVisibility) {
      this.#pausedByVisibility = false; // only a pause of our own is undone
      this.#hooks.play();
    }
  }
}
