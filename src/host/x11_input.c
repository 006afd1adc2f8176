#include "host/x11_input.h"

#include <stdlib.h>
#include <string.h>
#include <X11/extensions/XTest.h>

#include "core/error.h"
#include "host/virtual_key_evdev.h"

#define EVDEV_TO_X_KEYCODE 8
#define WHEEL_NOTCH 120

/* MouseButton (Left, Right, Middle, X1, X2) → X button number. */
static const unsigned int x_button_of[5] = {1, 3, 2, 8, 9};

struct pt_x11_input {
  Display *display;
  int screen;
  int wheel[2];          /* per ScrollAxis: the part of a notch not yet clicked */
  uint8_t held_keys[32]; /* X keycodes held down by us */
  uint8_t held_buttons;  /* bit per MouseButton */
  int touch_down;        /* the primary contact holds the left button */
};

int pt_x11_input_open(pt_x11_input **out, Display *display) {
  int event_base, error_base, major, minor;
  if (out == NULL || display == NULL) return PT_ERR_INVALID_ARGUMENT;
  if (!XTestQueryExtension(display, &event_base, &error_base, &major, &minor)) return PT_ERR_STATE;
  pt_x11_input *input = calloc(1, sizeof *input);
  if (input == NULL) return PT_ERR_NO_MEMORY;
  input->display = display;
  input->screen = DefaultScreen(display);
  *out = input;
  return PT_OK;
}

static void key(pt_x11_input *in, unsigned int keycode, int down) {
  XTestFakeKeyEvent(in->display, keycode, down ? True : False, CurrentTime);
  if (down) in->held_keys[keycode / 8] |= (uint8_t)(1u << (keycode % 8));
  else in->held_keys[keycode / 8] &= (uint8_t)~(1u << (keycode % 8));
}

static void button(pt_x11_input *in, int mouse_button, int down) {
  XTestFakeButtonEvent(in->display, x_button_of[mouse_button], down ? True : False, CurrentTime);
  if (down) in->held_buttons |= (uint8_t)(1u << mouse_button);
  else in->held_buttons &= (uint8_t)~(1u << mouse_button);
}

/* Whole notches become clicks of the wheel buttons: 4 up, 5 down, 6 left, 7 right. */
static void scroll(pt_x11_input *in, int axis, int32_t delta) {
  int *rest = &in->wheel[axis];
  int64_t total = (int64_t)*rest + delta;
  int forward = axis == 1 ? 5 : 7, backward = axis == 1 ? 4 : 6;
  /* A burst of huge deltas would be thousands of clicks: 100 notches at a time is plenty. */
  if (total > 100 * WHEEL_NOTCH) total = 100 * WHEEL_NOTCH;
  if (total < -100 * WHEEL_NOTCH) total = -100 * WHEEL_NOTCH;
  for (; total >= WHEEL_NOTCH; total -= WHEEL_NOTCH) {
    XTestFakeButtonEvent(in->display, (unsigned)forward, True, CurrentTime);
    XTestFakeButtonEvent(in->display, (unsigned)forward, False, CurrentTime);
  }
  for (; total <= -WHEEL_NOTCH; total += WHEEL_NOTCH) {
    XTestFakeButtonEvent(in->display, (unsigned)backward, True, CurrentTime);
    XTestFakeButtonEvent(in->display, (unsigned)backward, False, CurrentTime);
  }
  *rest = (int)total;
}

/* A touch or pen contact as the pointer: it moves the pointer, and contact holds the left button. */
static void contact(pt_x11_input *in, const pt_pointer_info *pointer, int in_contact) {
  XTestFakeMotionEvent(in->display, in->screen, pointer->x, pointer->y, CurrentTime);
  if (in_contact != in->touch_down) {
    button(in, 0, in_contact);
    in->touch_down = in_contact;
  }
}

#define POINTER_IN_CONTACT 4u /* WindowsPointerFlags.InContact */
#define POINTER_PRIMARY 8192u /* WindowsPointerFlags.Primary */

int pt_x11_input_inject(pt_x11_input *in, const pt_input *r) {
  if (in == NULL || r == NULL) return PT_ERR_INVALID_ARGUMENT;
  switch (r->type) {
    case PT_INPUT_KEYBOARD: {
      int evdev = pt_virtual_key_to_evdev(r->u.key.key);
      if (evdev == 0 || evdev + EVDEV_TO_X_KEYCODE > 255) return PT_ERR_BAD_VALUE;
      key(in, (unsigned)(evdev + EVDEV_TO_X_KEYCODE), r->u.key.action == 0);
      return PT_OK;
    }
    case PT_INPUT_MOUSE_ABSOLUTE:
      XTestFakeMotionEvent(in->display, in->screen, r->u.mouse.x, r->u.mouse.y, CurrentTime);
      return PT_OK;
    case PT_INPUT_MOUSE_RELATIVE:
      XTestFakeRelativeMotionEvent(in->display, r->u.mouse.x, r->u.mouse.y, CurrentTime);
      return PT_OK;
    case PT_INPUT_MOUSE_CLICK:
      button(in, r->u.click.button, r->u.click.action == 0);
      return PT_OK;
    case PT_INPUT_MOUSE_SCROLL:
      scroll(in, r->u.scroll.axis, r->u.scroll.delta);
      return PT_OK;
    case PT_INPUT_TOUCHES:
      for (int i = 0; i < r->u.touches.count; i++) {
        const pt_pointer_info *p = &r->u.touches.touches[i].pointer;
        if (p->pointer_flags & POINTER_PRIMARY) contact(in, p, (p->pointer_flags & POINTER_IN_CONTACT) != 0);
      }
      return PT_OK;
    case PT_INPUT_PEN:
      contact(in, &r->u.pen.pointer, (r->u.pen.pointer.pointer_flags & POINTER_IN_CONTACT) != 0);
      return PT_OK;
    default:
      return PT_ERR_STATE;
  }
}

void pt_x11_input_close(pt_x11_input *in) {
  if (in == NULL) return;
  for (unsigned keycode = 0; keycode < 256; keycode++) {
    if (in->held_keys[keycode / 8] & (1u << (keycode % 8))) key(in, keycode, 0);
  }
  for (int b = 0; b < 5; b++) {
    if (in->held_buttons & (1u << b)) button(in, b, 0);
  }
  XFlush(in->display);
  free(in);
}
