#include "input/input_filter.h"

#include <string.h>

#include "core/error.h"

static uint32_t port_bit(uint8_t port) { return port >= 1 && port <= 4 ? PT_LEVEL_GAMEPAD_PORT1 << (port - 1) : 0; }

uint32_t pt_input_required_level(const pt_input *in) {
  switch (in->type) {
    case PT_INPUT_GAMEPAD: return port_bit(in->u.gamepad.slot);
    case PT_INPUT_RUMBLE: return port_bit(in->u.rumble.port);
    case PT_INPUT_MOUSE_ABSOLUTE:
    case PT_INPUT_MOUSE_RELATIVE:
    case PT_INPUT_MOUSE_CLICK:
    case PT_INPUT_MOUSE_SCROLL:
    case PT_INPUT_TOUCHES:
    case PT_INPUT_PEN: return PT_LEVEL_MOUSE;
    case PT_INPUT_KEYBOARD:
    case PT_INPUT_PASTE_TEXT: return PT_LEVEL_KEYBOARD;
    case PT_INPUT_CLIPBOARD: return PT_LEVEL_CLIPBOARD;
    case PT_INPUT_VIEWPORT:
    case PT_INPUT_CURSOR_IMAGE:
    case PT_INPUT_CURSOR_POSITION: return 0;
  }
  return PT_LEVEL_ALL_BITS + 1; /* an unknown type needs a bit no level has */
}

static void apply_gamepad(pt_gamepad_state *pad, pt_input *in) {
  const uint8_t changed = in->u.gamepad.changed;
  const pt_gamepad_state *diff = &in->u.gamepad.state;
  if (changed & PT_GAMEPAD_DISCONNECTED) {
    memset(pad, 0, sizeof *pad);
  } else {
    if (changed & PT_GAMEPAD_BUTTONS) pad->buttons = diff->buttons;
    if (changed & PT_GAMEPAD_LEFT_TRIGGER) pad->left_trigger = diff->left_trigger;
    if (changed & PT_GAMEPAD_RIGHT_TRIGGER) pad->right_trigger = diff->right_trigger;
    if (changed & PT_GAMEPAD_LEFT_X) pad->left_x = diff->left_x;
    if (changed & PT_GAMEPAD_LEFT_Y) pad->left_y = diff->left_y;
    if (changed & PT_GAMEPAD_RIGHT_X) pad->right_x = diff->right_x;
    if (changed & PT_GAMEPAD_RIGHT_Y) pad->right_y = diff->right_y;
  }
  in->u.gamepad.state = *pad;
}

static void set_bit(uint8_t *bits, unsigned index, int on) {
  if (on) bits[index / 8] |= (uint8_t)(1u << (index % 8));
  else bits[index / 8] &= (uint8_t)~(1u << (index % 8));
}

static const pt_gamepad_state neutral;

int pt_input_receiver_accept(pt_input_receiver *r, pt_input *in, uint32_t level) {
  if (in->type == PT_INPUT_GAMEPAD) apply_gamepad(&r->pads[in->u.gamepad.slot - 1], in);
  uint32_t required = pt_input_required_level(in);
  if ((required & level) != required) return 0;
  if (in->type == PT_INPUT_KEYBOARD) set_bit(r->held_keys, in->u.key.key, in->u.key.action == 0);
  if (in->type == PT_INPUT_MOUSE_CLICK) set_bit(&r->held_buttons, in->u.click.button, in->u.click.action == 0);
  if (in->type == PT_INPUT_GAMEPAD) {
    set_bit(&r->held_pads, in->u.gamepad.slot - 1u, memcmp(&in->u.gamepad.state, &neutral, sizeof neutral) != 0);
  }
  return 1;
}

int pt_input_receiver_release(pt_input_receiver *r, uint32_t level, pt_input_sink sink, void *context) {
  pt_input release;
  int status = PT_OK;
  if (!(level & PT_LEVEL_KEYBOARD)) {
    for (unsigned key = 0; key < PT_VIRTUAL_KEY_LIMIT && status == PT_OK; key++) {
      if (!(r->held_keys[key / 8] & (1u << (key % 8)))) continue;
      set_bit(r->held_keys, key, 0);
      memset(&release, 0, sizeof release);
      release.type = PT_INPUT_KEYBOARD;
      release.u.key.action = 1;
      release.u.key.key = (uint8_t)key;
      status = sink(context, &release);
    }
  }
  if (!(level & PT_LEVEL_MOUSE)) {
    for (unsigned button = 0; button < 8 && status == PT_OK; button++) {
      if (!(r->held_buttons & (1u << button))) continue;
      set_bit(&r->held_buttons, button, 0);
      memset(&release, 0, sizeof release);
      release.type = PT_INPUT_MOUSE_CLICK;
      release.u.click.action = 1;
      release.u.click.button = (uint8_t)button;
      status = sink(context, &release);
    }
  }
  /* Only a pad whose delivered state is not neutral: the state of a port that was not granted is
   * kept in step with the diffs but was never delivered, so there is nothing to release. The port's
   * state itself stays: the client's next difference builds on it. */
  for (uint8_t port = 1; port <= 4 && status == PT_OK; port++) {
    if ((level & port_bit(port)) || !(r->held_pads & (1u << (port - 1)))) continue;
    set_bit(&r->held_pads, port - 1u, 0);
    memset(&release, 0, sizeof release);
    release.type = PT_INPUT_GAMEPAD;
    release.u.gamepad.slot = port;
    release.u.gamepad.changed = PT_GAMEPAD_ALL_FIELDS;
    status = sink(context, &release);
  }
  return status;
}
