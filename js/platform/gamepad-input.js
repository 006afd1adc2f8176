// Gamepads: every standard-mapping pad polled each animation frame while the page is visible
// (focused or not), pad i on port i + 1, only ports the stream's InputLevel grants; a report goes
// out only when the pad's state changed, and a pad that goes away is reported gone. The polling runs
// only while a granted port has a pad (or one still to report gone): it starts when the ports are
// granted and at each "gamepadconnected", so that a page without a pad runs no loop on every display
// frame. Rumble from the host plays on the pad's vibrationActuator where the browser has one.
import { InputType, XInputButtons as B } from "../sdk/enums.js";

/** Standard-mapping button index → XInputButtons bit (6 and 7 are the analog triggers). */
const BUTTONS = [B.A, B.B, B.X, B.Y, B.LeftBumper, B.RightBumper, 0, 0, B.Back, B.Start, B.LeftStick, B.RightStick, B.DpadUp, B.DpadDown, B.DpadLeft, B.DpadRight, B.Guide];
const PORTS = 4;
const RUMBLE_MS = 250; // a rumble lasts until the host changes it; re-sent reports extend it

function isStandard(pad) {
  return pad && pad.connected !== false && (pad.mapping === "standard" || (pad.buttons.length >= 16 && pad.axes.length >= 4));
}

function stick(value) {
  return Math.max(-32768, Math.min(32767, Math.round((value ?? 0) * 32767)));
}

/** The IGamepadReport of a standard pad on a port. */
export function gamepadReport(pad, slot) {
  let buttons = 0;
  BUTTONS.forEach((bit, index) => {
    if (bit && pad.buttons[index]?.pressed) buttons |= bit;
  });
  const trigger = (index) => Math.max(0, Math.min(255, Math.round((pad.buttons[index]?.value ?? 0) * 255)));
  return {
    type: InputType.Gamepad,
    buttons,
    leftTrigger: trigger(6),
    rightTrigger: trigger(7),
    leftThumbX: stick(pad.axes[0]),
    leftThumbY: stick(-(pad.axes[1] ?? 0)), // DOM axes point down, XInput's up
    rightThumbX: stick(pad.axes[2]),
    rightThumbY: stick(-(pad.axes[3] ?? 0)),
    slot,
  };
}

export class GamepadInput {
  #hooks;
  #ports = 0; // InputLevel gamepad bits
  #last = new Array(PORTS).fill(null); // the JSON of the last report sent per port, null when none
  #frame = null;
  #onConnected = () => this.#poll();
  #listening = false;

  constructor(hooks) {
    this.#hooks = hooks;
  }

  setLevel(ports) {
    this.#ports = ports;
    if (!ports || typeof navigator.getGamepads !== "function") return;
    if (!this.#listening) globalThis.addEventListener?.("gamepadconnected", this.#onConnected);
    this.#listening = true;
    this.#poll();
  }

  dispose() {
    this.#ports = 0;
    if (this.#listening) globalThis.removeEventListener?.("gamepadconnected", this.#onConnected);
    this.#listening = false;
    if (this.#frame !== null) cancelAnimationFrame(this.#frame);
    this.#frame = null;
  }

  /** Samples at the next animation frame, and at each one after while #sample finds a pad to follow. */
  #poll() {
    if (!this.#ports || this.#frame !== null) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = null;
      if (this.#sample()) this.#poll();
    });
  }

  /** Reports what changed on the granted ports; true while any of them has a standard pad. */
  #sample() {
    let pads;
    try {
      pads = navigator.getGamepads();
    } catch {
      return false; // not allowed in this document
    }
    let following = false;
    for (let index = 0; index < PORTS; index++) {
      const slot = index + 1;
      if (!(this.#ports & (1 << index))) continue;
      const pad = pads[index];
      if (!isStandard(pad)) {
        if (this.#last[index] !== null) this.#hooks.send({ type: InputType.Gamepad, slot, connected: false });
        this.#last[index] = null;
        continue;
      }
      following = true;
      const report = gamepadReport(pad, slot);
      const key = JSON.stringify(report);
      // Offered once per change: an input the app blocks (before-input) is not offered again every frame.
      if (key !== this.#last[index]) this.#hooks.send(report);
      this.#last[index] = key;
    }
    return following;
  }

  rumble({ port, leftMotorSpeed, rightMotorSpeed }) {
    let pad;
    try {
      pad = navigator.getGamepads?.()[port - 1];
    } catch {
      return;
    }
    const strong = leftMotorSpeed / 65535;
    const weak = rightMotorSpeed / 65535;
    const actuator = pad?.vibrationActuator;
    if (actuator?.playEffect) {
      const effect = strong === 0 && weak === 0 && actuator.reset ? actuator.reset() : actuator.playEffect("dual-rumble", { duration: RUMBLE_MS, strongMagnitude: strong, weakMagnitude: weak });
      Promise.resolve(effect).catch((error) => this.#hooks.log(3, `rumble on port ${port}: ${error?.message ?? error}`));
    } else if (pad?.hapticActuators?.[0]?.pulse) {
      pad.hapticActuators[0].pulse(Math.max(strong, weak), RUMBLE_MS);
    }
  }
}
