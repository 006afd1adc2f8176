// HeldKeys: the keys a stream has sent down and not yet up, as the original's before-input events
// report them (left or right variant for the modifier flags).
import { VirtualKey } from "./enums.js";

export class HeldKeys {
  /** @type {Set<number>} */
  keys = new Set();

  has(key) {
    return this.keys.has(key);
  }

  get ctrl() {
    return this.keys.has(VirtualKey.LeftCtrl) || this.keys.has(VirtualKey.RightCtrl);
  }

  get alt() {
    return this.keys.has(VirtualKey.LeftAlt) || this.keys.has(VirtualKey.RightAlt);
  }

  get shift() {
    return this.keys.has(VirtualKey.LeftShift) || this.keys.has(VirtualKey.RightShift);
  }

  get win() {
    return this.keys.has(VirtualKey.LWin) || this.keys.has(VirtualKey.RWin);
  }
}
