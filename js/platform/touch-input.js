// Touch and pen pointer events of a stream's container as TouchesAbsolute and PenAbsolute inputs in
// remote coordinates, with pressure, tilt, twist and contact size; or, with gestures on, touch as a
// mouse: tap = left click, two-finger tap = right click, two-finger drag = scroll, long press = drag,
// one finger moved = pointer moved.
import { ButtonAction, InputType, MouseButton, PenFlags, PenMask, ScrollAxis, TouchMask, WindowsPointerFlags as Flags } from "../sdk/enums.js";

const MAX_TOUCHES = 10;
const SLOP_PX = 8; // movement below this is still a tap
const LONG_PRESS_MS = 500;
const TAP_CLICK_MS = 60; // how long a tap holds the button
const SCROLL_UNITS_PER_PX = 1.2; // as a wheel in pixel mode: 1/120 notch per unit
const CONTACT = Flags.InRange | Flags.InContact;

function pressure1024(event) {
  return Math.max(0, Math.min(1024, Math.round((event.pressure ?? 0) * 1024)));
}

function twist(event) {
  return Math.max(0, Math.min(359, Math.round(event.twist ?? 0)));
}

export class TouchInput {
  #container;
  #hooks;
  #enabled = false;
  #gestures = false;
  #touches = new Map(); // pointerId -> {x, y, width, height, event} of contacts in progress (CSS pixels)
  #frameId = 0;
  #gesture = null;
  #timers = new Set();

  constructor(container, hooks) {
    this.#container = container;
    this.#hooks = hooks;
  }

  setEnabled(enabled) {
    this.#enabled = enabled;
    if (!enabled) {
      this.#touches.clear();
      this.#gesture = null;
    }
  }

  setGestures(on) {
    this.#gestures = on;
    this.#touches.clear();
    this.#gesture = null;
  }

  dispose() {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  /** Takes a touch or pen pointer event of the container. */
  handle(event) {
    if (!this.#enabled || event.type === "pointerrawupdate") return;
    event.preventDefault();
    if (event.type === "pointerdown") this.#container.setPointerCapture?.(event.pointerId);
    if (event.pointerType === "pen") this.#pen(event);
    else if (this.#gestures) this.#gestureEvent(event);
    else this.#touch(event);
  }

  #local(event) {
    const rect = this.#container.getBoundingClientRect();
    return { x: event.clientX - rect.left, y: event.clientY - rect.top };
  }

  #pointerInfo(event, flags) {
    const local = this.#local(event);
    const remote = this.#hooks.toRemote(local.x, local.y);
    if (!remote) return undefined;
    return { pointerId: event.pointerId >>> 0, frameId: this.#frameId, pointerFlags: flags | (event.isPrimary ? Flags.Primary : 0), x: remote.x, y: remote.y };
  }

  #phaseFlags(event) {
    if (event.type === "pointerdown") return Flags.New | CONTACT | Flags.Down;
    if (event.type === "pointerup") return Flags.Up;
    if (event.type === "pointercancel") return Flags.Up | Flags.Canceled;
    return (event.buttons || event.pressure > 0 ? CONTACT : Flags.InRange) | Flags.Update;
  }

  // ---- touch as touches ----

  #touch(event) {
    const ending = event.type === "pointerup" || event.type === "pointercancel";
    if (!this.#touches.has(event.pointerId) && event.type !== "pointerdown") return;
    if (event.type === "pointerdown" && this.#touches.size >= MAX_TOUCHES) return;
    this.#touches.set(event.pointerId, event);
    this.#frameId = (this.#frameId + 1) >>> 0;
    const touches = [];
    for (const [id, last] of this.#touches) {
      const flags = id === event.pointerId ? this.#phaseFlags(event) : CONTACT | Flags.Update;
      const touch = this.#touchOf(last, flags);
      if (touch) touches.push(touch);
    }
    if (ending) this.#touches.delete(event.pointerId);
    if (touches.length > 0) this.#hooks.send({ type: InputType.TouchesAbsolute, touches });
  }

  #touchOf(event, flags) {
    const pointerInfo = this.#pointerInfo(event, flags);
    if (!pointerInfo) return undefined;
    const scale = this.#hooks.scale();
    const halfWidth = Math.round(((event.width || 1) / scale) / 2);
    const halfHeight = Math.round(((event.height || 1) / scale) / 2);
    return {
      pointerInfo,
      touchMask: TouchMask.ContactArea | TouchMask.Orientation | TouchMask.Pressure,
      contactLeft: pointerInfo.x - halfWidth,
      contactTop: pointerInfo.y - halfHeight,
      contactRight: pointerInfo.x + halfWidth,
      contactBottom: pointerInfo.y + halfHeight,
      orientation: twist(event),
      pressure: pressure1024(event),
    };
  }

  // ---- pen ----

  #pen(event) {
    this.#frameId = (this.#frameId + 1) >>> 0;
    let flags = this.#phaseFlags(event);
    if (event.buttons & 1) flags |= Flags.FirstButton;
    if (event.buttons & 2) flags |= Flags.SecondButton;
    const pointerInfo = this.#pointerInfo(event, flags);
    if (!pointerInfo) return;
    const eraser = (event.buttons & 32) !== 0;
    this.#hooks.send({
      type: InputType.PenAbsolute,
      pointerInfo,
      penFlags: (event.buttons & 2 ? PenFlags.Barrel : 0) | (eraser ? PenFlags.Eraser | PenFlags.Inverted : 0),
      penMask: PenMask.Pressure | PenMask.Rotation | PenMask.TiltX | PenMask.TiltY,
      pressure: pressure1024(event),
      rotation: twist(event),
      tiltX: Math.max(-90, Math.min(90, Math.round(event.tiltX ?? 0))),
      tiltY: Math.max(-90, Math.min(90, Math.round(event.tiltY ?? 0))),
    });
  }

  // ---- touch as mouse (gestures) ----

  #after(ms, fn) {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      fn();
    }, ms);
    this.#timers.add(timer);
    return timer;
  }

  #moveTo(local) {
    const remote = this.#hooks.toRemote(local.x, local.y);
    if (remote) this.#hooks.send({ type: InputType.MouseAbsolute, x: remote.x, y: remote.y });
  }

  #button(action, button = MouseButton.Left) {
    this.#hooks.send({ type: InputType.MouseClick, action, button });
  }

  #gestureEvent(event) {
    const local = this.#local(event);
    if (event.type === "pointerdown") {
      this.#touches.set(event.pointerId, local);
      if (this.#touches.size === 1) {
        const gesture = { kind: "tap", start: local, dragging: false };
        gesture.longPress = this.#after(LONG_PRESS_MS, () => {
          if (this.#gesture !== gesture || gesture.kind !== "tap") return;
          gesture.kind = "drag"; // held without moving: press and drag
          this.#moveTo(gesture.start);
          this.#button(ButtonAction.ButtonDown);
        });
        this.#gesture = gesture;
      } else if (this.#touches.size === 2 && this.#gesture) {
        clearTimeout(this.#gesture.longPress);
        if (this.#gesture.kind === "drag") this.#button(ButtonAction.ButtonUp);
        this.#gesture = { kind: "two", start: this.#centre(), last: this.#centre(), moved: false, scroll: [0, 0] };
      }
      return;
    }
    if (!this.#touches.has(event.pointerId) || !this.#gesture) return;
    if (event.type === "pointermove") {
      this.#touches.set(event.pointerId, local);
      this.#gestureMove(local);
      return;
    }
    // pointerup / pointercancel
    const gesture = this.#gesture;
    this.#touches.delete(event.pointerId);
    clearTimeout(gesture.longPress);
    if (gesture.kind === "two") {
      if (this.#touches.size > 0) return; // the gesture ends with its last finger
      if (!gesture.moved && event.type === "pointerup") this.#click(gesture.start, MouseButton.Right);
    } else if (gesture.kind === "drag") {
      this.#button(ButtonAction.ButtonUp);
    } else if (gesture.kind === "tap" && event.type === "pointerup") {
      this.#click(gesture.start, MouseButton.Left);
    }
    if (this.#touches.size === 0) this.#gesture = null;
  }

  #gestureMove(local) {
    const gesture = this.#gesture;
    if (gesture.kind === "two") {
      const centre = this.#centre();
      if (!gesture.moved && Math.hypot(centre.x - gesture.start.x, centre.y - gesture.start.y) < SLOP_PX) return;
      gesture.moved = true;
      // Fingers moving up scroll the content down, as on a touchpad.
      this.#scroll(gesture, ScrollAxis.Vertical, (gesture.last.y - centre.y) * SCROLL_UNITS_PER_PX);
      this.#scroll(gesture, ScrollAxis.Horizontal, (gesture.last.x - centre.x) * SCROLL_UNITS_PER_PX);
      gesture.last = centre;
      return;
    }
    if (gesture.kind === "tap" && Math.hypot(local.x - gesture.start.x, local.y - gesture.start.y) >= SLOP_PX) {
      clearTimeout(gesture.longPress);
      gesture.kind = "point"; // a moved finger points
    }
    if (gesture.kind !== "tap") this.#moveTo(local);
  }

  #scroll(gesture, axis, amount) {
    gesture.scroll[axis] += amount;
    const whole = Math.trunc(gesture.scroll[axis]);
    if (whole === 0) return;
    gesture.scroll[axis] -= whole;
    this.#hooks.send({ type: InputType.MouseScroll, axis, delta: whole });
  }

  #centre() {
    let x = 0;
    let y = 0;
    for (const point of this.#touches.values()) {
      x += point.x;
      y += point.y;
    }
    return { x: x / this.#touches.size, y: y / this.#touches.size };
  }

  #click(local, button) {
    this.#moveTo(local);
    this.#button(ButtonAction.ButtonDown, button);
    this.#after(TAP_CLICK_MS, () => this.#button(ButtonAction.ButtonUp, button));
  }
}
