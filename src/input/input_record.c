#include "input/input_record.h"

#include <string.h>

#include "core/error.h"
#include "input/virtual_key.h"

#define POINTER_SIZE 20
#define TOUCH_SIZE (POINTER_SIZE + 1 + 16 + 4)
#define PEN_SIZE (POINTER_SIZE + 8)
#define POINTER_FLAGS_DEFINED 0x7FE1F7u /* every WindowsPointerFlags bit */
#define XINPUT_BUTTONS_DEFINED 0xF7FFu  /* every XInputButtons bit (0x800 is unassigned) */
static const uint8_t png_signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

int pt_input_type_allowed(pt_input_type type, int to_client) {
  if (type == PT_INPUT_CLIPBOARD) return 1;
  if (to_client) return type == PT_INPUT_RUMBLE || type == PT_INPUT_CURSOR_IMAGE || type == PT_INPUT_CURSOR_POSITION;
  return type >= PT_INPUT_GAMEPAD && type <= PT_INPUT_VIEWPORT;
}

/* ---- little-endian writer and reader ---- */

typedef struct writer {
  uint8_t *at;
} writer;

static void put8(writer *w, uint32_t v) { *w->at++ = (uint8_t)v; }
static void put16(writer *w, uint32_t v) {
  put8(w, v);
  put8(w, v >> 8);
}
static void put32(writer *w, uint32_t v) {
  put16(w, v);
  put16(w, v >> 16);
}
static void put_varint(writer *w, uint32_t v) {
  for (; v >= 0x80; v >>= 7) put8(w, (v & 0x7F) | 0x80);
  put8(w, v);
}
static void put_bytes(writer *w, const uint8_t *bytes, size_t length) {
  if (length > 0) memcpy(w->at, bytes, length);
  w->at += length;
}

typedef struct reader {
  const uint8_t *at;
} reader;

static uint8_t get8(reader *r) { return *r->at++; }
static uint16_t get16(reader *r) {
  uint16_t low = get8(r);
  return (uint16_t)(low | (uint16_t)(get8(r) << 8));
}
static uint32_t get32(reader *r) {
  uint32_t low = get16(r);
  return low | ((uint32_t)get16(r) << 16);
}

/* ---- validation ---- */

/* Valid UTF-8 without U+0000. */
static int valid_utf8(const uint8_t *s, size_t length) {
  for (size_t i = 0; i < length;) {
    uint8_t c = s[i];
    size_t extra;
    uint32_t code;
    if (c == 0) return 0; /* NUL cannot travel in the SDK's strings: refused rather than cut short */
    if (c < 0x80) {
      i++;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1;
      code = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      code = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      code = c & 0x07;
    } else {
      return 0;
    }
    if (length - i <= extra) return 0;
    for (size_t k = 1; k <= extra; k++) {
      if ((s[i + k] & 0xC0) != 0x80) return 0;
      code = (code << 6) | (s[i + k] & 0x3F);
    }
    static const uint32_t smallest[4] = {0, 0x80, 0x800, 0x10000};
    if (code < smallest[extra] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
    i += extra + 1;
  }
  return 1;
}

static int valid_pointer(const pt_pointer_info *p) { return (p->pointer_flags & ~POINTER_FLAGS_DEFINED) == 0; }

int pt_input_validate(const pt_input *in) {
  if (in == NULL) return PT_ERR_INVALID_ARGUMENT;
  switch (in->type) {
    case PT_INPUT_GAMEPAD: {
      const uint8_t changed = in->u.gamepad.changed;
      if (in->u.gamepad.slot < 1 || in->u.gamepad.slot > 4) return PT_ERR_BAD_VALUE;
      if ((changed & PT_GAMEPAD_DISCONNECTED) && changed != PT_GAMEPAD_DISCONNECTED) return PT_ERR_BAD_VALUE;
      if (in->u.gamepad.state.buttons & ~XINPUT_BUTTONS_DEFINED) return PT_ERR_BAD_VALUE;
      return PT_OK;
    }
    case PT_INPUT_MOUSE_ABSOLUTE:
    case PT_INPUT_MOUSE_RELATIVE:
      return in->u.mouse.x >= -PT_INPUT_MAX_COORDINATE && in->u.mouse.x <= PT_INPUT_MAX_COORDINATE &&
                     in->u.mouse.y >= -PT_INPUT_MAX_COORDINATE && in->u.mouse.y <= PT_INPUT_MAX_COORDINATE
                 ? PT_OK
                 : PT_ERR_BAD_VALUE;
    case PT_INPUT_MOUSE_CLICK:
      return in->u.click.action <= 1 && in->u.click.button <= 4 ? PT_OK : PT_ERR_BAD_VALUE;
    case PT_INPUT_MOUSE_SCROLL:
      return in->u.scroll.axis <= 1 ? PT_OK : PT_ERR_BAD_VALUE;
    case PT_INPUT_KEYBOARD:
      return in->u.key.action <= 1 && in->u.key.key >= 1 && in->u.key.key <= PT_VIRTUAL_KEY_MAX ? PT_OK : PT_ERR_BAD_VALUE;
    case PT_INPUT_PASTE_TEXT:
    case PT_INPUT_CLIPBOARD:
      if (in->u.text.length > PT_INPUT_MAX_TEXT) return PT_ERR_TOO_LARGE;
      if (in->u.text.length > 0 && in->u.text.bytes == NULL) return PT_ERR_INVALID_ARGUMENT;
      return valid_utf8(in->u.text.bytes, in->u.text.length) ? PT_OK : PT_ERR_BAD_VALUE;
    case PT_INPUT_TOUCHES:
      if (in->u.touches.count < 1) return PT_ERR_BAD_VALUE;
      if (in->u.touches.count > PT_INPUT_MAX_TOUCHES) return PT_ERR_TOO_LARGE;
      for (int i = 0; i < in->u.touches.count; i++) {
        const pt_touch *t = &in->u.touches.touches[i];
        if (!valid_pointer(&t->pointer) || t->touch_mask > 7 || t->orientation > 359 || t->pressure > 1024) {
          return PT_ERR_BAD_VALUE;
        }
      }
      return PT_OK;
    case PT_INPUT_PEN:
      if (!valid_pointer(&in->u.pen.pointer) || in->u.pen.pen_flags > 7 || in->u.pen.pen_mask > 15 ||
          in->u.pen.pressure > 1024 || in->u.pen.rotation > 359 || in->u.pen.tilt_x < -90 || in->u.pen.tilt_x > 90 ||
          in->u.pen.tilt_y < -90 || in->u.pen.tilt_y > 90) {
        return PT_ERR_BAD_VALUE;
      }
      return PT_OK;
    case PT_INPUT_VIEWPORT:
      return in->u.viewport.width >= 1 && in->u.viewport.width <= PT_INPUT_MAX_VIEWPORT && in->u.viewport.height >= 1 &&
                     in->u.viewport.height <= PT_INPUT_MAX_VIEWPORT
                 ? PT_OK
                 : PT_ERR_BAD_VALUE;
    case PT_INPUT_RUMBLE:
      return in->u.rumble.port >= 1 && in->u.rumble.port <= 4 ? PT_OK : PT_ERR_BAD_VALUE;
    case PT_INPUT_CURSOR_IMAGE: {
      const uint16_t w = in->u.cursor_image.width, h = in->u.cursor_image.height;
      if (in->u.cursor_image.length > PT_INPUT_MAX_CURSOR_IMAGE) return PT_ERR_TOO_LARGE;
      if (w < 1 || h < 1 || w > PT_INPUT_MAX_CURSOR_SIDE || h > PT_INPUT_MAX_CURSOR_SIDE ||
          in->u.cursor_image.hotspot_x >= w || in->u.cursor_image.hotspot_y >= h) {
        return PT_ERR_BAD_VALUE;
      }
      /* Only PNG: the client shows it as an image, so nothing else may pass for one. */
      if (in->u.cursor_image.length < sizeof png_signature || in->u.cursor_image.png == NULL ||
          memcmp(in->u.cursor_image.png, png_signature, sizeof png_signature) != 0) {
        return PT_ERR_BAD_VALUE;
      }
      return PT_OK;
    }
    case PT_INPUT_CURSOR_POSITION:
      return in->u.cursor_position.visible <= 1 ? PT_OK : PT_ERR_BAD_VALUE;
  }
  return PT_ERR_BAD_VALUE;
}

/* ---- payload sizes ---- */

/* Mouse coordinates travel as zigzag LEB128: small values (and small moves) take one or two bytes. */
static uint32_t zigzag(int32_t v) { return v < 0 ? ((uint32_t)(-(int64_t)v) << 1) - 1 : (uint32_t)v << 1; }
static int32_t unzigzag(uint32_t z) { return (z & 1) ? -(int32_t)(z >> 1) - 1 : (int32_t)(z >> 1); }
static size_t varint_size(uint32_t v) { return v < 0x80 ? 1 : v < 0x4000 ? 2 : 3; }

static size_t gamepad_size(uint8_t changed) {
  if (changed & PT_GAMEPAD_DISCONNECTED) return 2;
  size_t size = 2;
  if (changed & PT_GAMEPAD_BUTTONS) size += 2;
  if (changed & PT_GAMEPAD_LEFT_TRIGGER) size += 1;
  if (changed & PT_GAMEPAD_RIGHT_TRIGGER) size += 1;
  for (int bit = PT_GAMEPAD_LEFT_X; bit <= PT_GAMEPAD_RIGHT_Y; bit <<= 1) {
    if (changed & bit) size += 2;
  }
  return size;
}

static size_t payload_size(const pt_input *in) {
  switch (in->type) {
    case PT_INPUT_GAMEPAD: return gamepad_size(in->u.gamepad.changed);
    case PT_INPUT_MOUSE_ABSOLUTE:
    case PT_INPUT_MOUSE_RELATIVE: return varint_size(zigzag(in->u.mouse.x)) + varint_size(zigzag(in->u.mouse.y));
    case PT_INPUT_MOUSE_CLICK:
    case PT_INPUT_KEYBOARD: return 2;
    case PT_INPUT_MOUSE_SCROLL: return 5;
    case PT_INPUT_PASTE_TEXT:
    case PT_INPUT_CLIPBOARD: return in->u.text.length;
    case PT_INPUT_TOUCHES: return 1 + (size_t)in->u.touches.count * TOUCH_SIZE;
    case PT_INPUT_PEN: return PEN_SIZE;
    case PT_INPUT_VIEWPORT: return 4;
    case PT_INPUT_RUMBLE: return 5;
    case PT_INPUT_CURSOR_IMAGE: return 8 + in->u.cursor_image.length;
    case PT_INPUT_CURSOR_POSITION: return 9;
  }
  return 0;
}

/* ---- encoding ---- */

static void put_pointer(writer *w, const pt_pointer_info *p) {
  put32(w, p->pointer_id);
  put32(w, p->frame_id);
  put32(w, p->pointer_flags);
  put32(w, (uint32_t)p->x);
  put32(w, (uint32_t)p->y);
}

static void put_gamepad(writer *w, const pt_input *in) {
  const uint8_t changed = in->u.gamepad.changed;
  const pt_gamepad_state *s = &in->u.gamepad.state;
  put8(w, in->u.gamepad.slot);
  put8(w, changed);
  if (changed & PT_GAMEPAD_DISCONNECTED) return;
  if (changed & PT_GAMEPAD_BUTTONS) put16(w, s->buttons);
  if (changed & PT_GAMEPAD_LEFT_TRIGGER) put8(w, s->left_trigger);
  if (changed & PT_GAMEPAD_RIGHT_TRIGGER) put8(w, s->right_trigger);
  if (changed & PT_GAMEPAD_LEFT_X) put16(w, (uint16_t)s->left_x);
  if (changed & PT_GAMEPAD_LEFT_Y) put16(w, (uint16_t)s->left_y);
  if (changed & PT_GAMEPAD_RIGHT_X) put16(w, (uint16_t)s->right_x);
  if (changed & PT_GAMEPAD_RIGHT_Y) put16(w, (uint16_t)s->right_y);
}

static void put_payload(writer *w, const pt_input *in) {
  switch (in->type) {
    case PT_INPUT_GAMEPAD: put_gamepad(w, in); break;
    case PT_INPUT_MOUSE_ABSOLUTE:
    case PT_INPUT_MOUSE_RELATIVE:
      put_varint(w, zigzag(in->u.mouse.x));
      put_varint(w, zigzag(in->u.mouse.y));
      break;
    case PT_INPUT_MOUSE_CLICK:
      put8(w, in->u.click.action);
      put8(w, in->u.click.button);
      break;
    case PT_INPUT_MOUSE_SCROLL:
      put8(w, in->u.scroll.axis);
      put32(w, (uint32_t)in->u.scroll.delta);
      break;
    case PT_INPUT_KEYBOARD:
      put8(w, in->u.key.action);
      put8(w, in->u.key.key);
      break;
    case PT_INPUT_PASTE_TEXT:
    case PT_INPUT_CLIPBOARD: put_bytes(w, in->u.text.bytes, in->u.text.length); break;
    case PT_INPUT_TOUCHES:
      put8(w, in->u.touches.count);
      for (int i = 0; i < in->u.touches.count; i++) {
        const pt_touch *t = &in->u.touches.touches[i];
        put_pointer(w, &t->pointer);
        put8(w, t->touch_mask);
        put32(w, (uint32_t)t->contact_left);
        put32(w, (uint32_t)t->contact_top);
        put32(w, (uint32_t)t->contact_right);
        put32(w, (uint32_t)t->contact_bottom);
        put16(w, t->orientation);
        put16(w, t->pressure);
      }
      break;
    case PT_INPUT_PEN:
      put_pointer(w, &in->u.pen.pointer);
      put8(w, in->u.pen.pen_flags);
      put8(w, in->u.pen.pen_mask);
      put16(w, in->u.pen.pressure);
      put16(w, in->u.pen.rotation);
      put8(w, (uint8_t)in->u.pen.tilt_x);
      put8(w, (uint8_t)in->u.pen.tilt_y);
      break;
    case PT_INPUT_VIEWPORT:
      put16(w, in->u.viewport.width);
      put16(w, in->u.viewport.height);
      break;
    case PT_INPUT_RUMBLE:
      put8(w, in->u.rumble.port);
      put16(w, in->u.rumble.left_motor);
      put16(w, in->u.rumble.right_motor);
      break;
    case PT_INPUT_CURSOR_IMAGE:
      put16(w, in->u.cursor_image.hotspot_x);
      put16(w, in->u.cursor_image.hotspot_y);
      put16(w, in->u.cursor_image.width);
      put16(w, in->u.cursor_image.height);
      put_bytes(w, in->u.cursor_image.png, in->u.cursor_image.length);
      break;
    case PT_INPUT_CURSOR_POSITION:
      put32(w, (uint32_t)in->u.cursor_position.x);
      put32(w, (uint32_t)in->u.cursor_position.y);
      put8(w, in->u.cursor_position.visible);
      break;
  }
}

int pt_input_encode(const pt_input *in, uint8_t *out, size_t capacity, size_t *used) {
  if (out == NULL || used == NULL || *used > capacity) return PT_ERR_INVALID_ARGUMENT;
  int status = pt_input_validate(in);
  if (status != PT_OK) return status;
  size_t payload = payload_size(in);
  size_t length_bytes = varint_size((uint32_t)payload);
  if (capacity - *used < 1 + length_bytes + payload) return PT_ERR_BUFFER_TOO_SMALL;
  writer w = {out + *used};
  put8(&w, (uint32_t)in->type);
  put_varint(&w, (uint32_t)payload);
  put_payload(&w, in);
  *used = (size_t)(w.at - out);
  return PT_OK;
}

/* ---- decoding ---- */

static void get_pointer(reader *r, pt_pointer_info *p) {
  p->pointer_id = get32(r);
  p->frame_id = get32(r);
  p->pointer_flags = get32(r);
  p->x = (int32_t)get32(r);
  p->y = (int32_t)get32(r);
}

/* Reads an unsigned LEB128 of at most 3 bytes within `*left` bytes; 0 when it does not fit. */
static int get_varint(reader *r, size_t *left, uint32_t *value) {
  *value = 0;
  for (int shift = 0; shift <= 14; shift += 7) {
    if (*left == 0) return 0;
    uint8_t byte = get8(r);
    (*left)--;
    *value |= (uint32_t)(byte & 0x7F) << shift;
    if (!(byte & 0x80)) return 1;
  }
  return 0;
}

/* Two zigzag coordinates filling exactly `length` bytes. */
static int get_point(reader *r, size_t length, pt_input *in) {
  uint32_t x, y;
  if (!get_varint(r, &length, &x) || !get_varint(r, &length, &y) || length != 0) return PT_ERR_BAD_VALUE;
  in->u.mouse.x = unzigzag(x);
  in->u.mouse.y = unzigzag(y);
  return PT_OK;
}

static int get_gamepad(reader *r, size_t length, pt_input *in) {
  if (length < 2) return PT_ERR_BAD_VALUE;
  in->u.gamepad.slot = get8(r);
  const uint8_t changed = in->u.gamepad.changed = get8(r);
  if (length != gamepad_size(changed)) return PT_ERR_BAD_VALUE;
  pt_gamepad_state *s = &in->u.gamepad.state;
  memset(s, 0, sizeof *s);
  if (changed & PT_GAMEPAD_DISCONNECTED) return PT_OK;
  if (changed & PT_GAMEPAD_BUTTONS) s->buttons = get16(r);
  if (changed & PT_GAMEPAD_LEFT_TRIGGER) s->left_trigger = get8(r);
  if (changed & PT_GAMEPAD_RIGHT_TRIGGER) s->right_trigger = get8(r);
  if (changed & PT_GAMEPAD_LEFT_X) s->left_x = (int16_t)get16(r);
  if (changed & PT_GAMEPAD_LEFT_Y) s->left_y = (int16_t)get16(r);
  if (changed & PT_GAMEPAD_RIGHT_X) s->right_x = (int16_t)get16(r);
  if (changed & PT_GAMEPAD_RIGHT_Y) s->right_y = (int16_t)get16(r);
  return PT_OK;
}

/* Reads a payload of `length` bytes whose type is known; the size is checked before any read. */
static int get_payload(reader *r, size_t length, pt_input *in) {
  switch (in->type) {
    case PT_INPUT_GAMEPAD: return get_gamepad(r, length, in);
    case PT_INPUT_MOUSE_ABSOLUTE:
    case PT_INPUT_MOUSE_RELATIVE:
      return get_point(r, length, in);
    case PT_INPUT_MOUSE_CLICK:
      if (length != 2) return PT_ERR_BAD_VALUE;
      in->u.click.action = get8(r);
      in->u.click.button = get8(r);
      return PT_OK;
    case PT_INPUT_MOUSE_SCROLL:
      if (length != 5) return PT_ERR_BAD_VALUE;
      in->u.scroll.axis = get8(r);
      in->u.scroll.delta = (int32_t)get32(r);
      return PT_OK;
    case PT_INPUT_KEYBOARD:
      if (length != 2) return PT_ERR_BAD_VALUE;
      in->u.key.action = get8(r);
      in->u.key.key = get8(r);
      return PT_OK;
    case PT_INPUT_PASTE_TEXT:
    case PT_INPUT_CLIPBOARD:
      if (length > PT_INPUT_MAX_TEXT) return PT_ERR_TOO_LARGE;
      in->u.text.bytes = r->at;
      in->u.text.length = length;
      return PT_OK;
    case PT_INPUT_TOUCHES: {
      if (length < 1) return PT_ERR_BAD_VALUE;
      uint8_t count = get8(r);
      if (count > PT_INPUT_MAX_TOUCHES) return PT_ERR_TOO_LARGE;
      if (length != 1 + (size_t)count * TOUCH_SIZE) return PT_ERR_BAD_VALUE;
      in->u.touches.count = count;
      for (int i = 0; i < count; i++) {
        pt_touch *t = &in->u.touches.touches[i];
        get_pointer(r, &t->pointer);
        t->touch_mask = get8(r);
        t->contact_left = (int32_t)get32(r);
        t->contact_top = (int32_t)get32(r);
        t->contact_right = (int32_t)get32(r);
        t->contact_bottom = (int32_t)get32(r);
        t->orientation = get16(r);
        t->pressure = get16(r);
      }
      return PT_OK;
    }
    case PT_INPUT_PEN:
      if (length != PEN_SIZE) return PT_ERR_BAD_VALUE;
      get_pointer(r, &in->u.pen.pointer);
      in->u.pen.pen_flags = get8(r);
      in->u.pen.pen_mask = get8(r);
      in->u.pen.pressure = get16(r);
      in->u.pen.rotation = get16(r);
      in->u.pen.tilt_x = (int8_t)get8(r);
      in->u.pen.tilt_y = (int8_t)get8(r);
      return PT_OK;
    case PT_INPUT_VIEWPORT:
      if (length != 4) return PT_ERR_BAD_VALUE;
      in->u.viewport.width = get16(r);
      in->u.viewport.height = get16(r);
      return PT_OK;
    case PT_INPUT_RUMBLE:
      if (length != 5) return PT_ERR_BAD_VALUE;
      in->u.rumble.port = get8(r);
      in->u.rumble.left_motor = get16(r);
      in->u.rumble.right_motor = get16(r);
      return PT_OK;
    case PT_INPUT_CURSOR_IMAGE:
      if (length < 8) return PT_ERR_BAD_VALUE;
      if (length - 8 > PT_INPUT_MAX_CURSOR_IMAGE) return PT_ERR_TOO_LARGE;
      in->u.cursor_image.hotspot_x = get16(r);
      in->u.cursor_image.hotspot_y = get16(r);
      in->u.cursor_image.width = get16(r);
      in->u.cursor_image.height = get16(r);
      in->u.cursor_image.png = r->at;
      in->u.cursor_image.length = length - 8;
      return PT_OK;
    case PT_INPUT_CURSOR_POSITION:
      if (length != 9) return PT_ERR_BAD_VALUE;
      in->u.cursor_position.x = (int32_t)get32(r);
      in->u.cursor_position.y = (int32_t)get32(r);
      in->u.cursor_position.visible = get8(r);
      return PT_OK;
  }
  return PT_ERR_UNEXPECTED_MESSAGE;
}

static int known_type(uint8_t type) {
  return type <= PT_INPUT_CLIPBOARD || (type >= PT_INPUT_RUMBLE && type <= PT_INPUT_CURSOR_POSITION);
}

int pt_input_decode(const uint8_t *data, size_t length, size_t *offset, pt_input *in) {
  if (data == NULL || offset == NULL || in == NULL || *offset >= length) return PT_ERR_INVALID_ARGUMENT;
  size_t at = *offset;
  uint8_t type = data[at++];
  size_t payload = 0;
  for (int shift = 0;; shift += 7) {
    if (at >= length || shift > 14) return PT_ERR_MALFORMED; /* truncated, or longer than 3 bytes */
    uint8_t byte = data[at++];
    payload |= (size_t)(byte & 0x7F) << shift;
    if (!(byte & 0x80)) break;
  }
  if (payload > length - at) return PT_ERR_MALFORMED; /* the record runs past the message */
  *offset = at + payload;
  if (!known_type(type)) return PT_ERR_UNEXPECTED_MESSAGE;
  if (payload > PT_INPUT_MAX_PAYLOAD) return PT_ERR_TOO_LARGE;
  memset(in, 0, sizeof *in);
  in->type = (pt_input_type)type;
  reader r = {data + at};
  int status = get_payload(&r, payload, in);
  return status != PT_OK ? status : pt_input_validate(in);
}

void pt_input_write_header(uint8_t *out, int to_client, uint8_t stream_id) {
  out[0] = (uint8_t)(PT_INPUT_VERSION | (to_client ? PT_INPUT_TO_CLIENT : 0));
  out[1] = stream_id;
}

int pt_input_read_header(const uint8_t *data, size_t length, int *to_client, uint8_t *stream_id) {
  if (data == NULL || length < PT_INPUT_HEADER_SIZE) return PT_ERR_MALFORMED;
  if ((data[0] & 0x7F) != PT_INPUT_VERSION) return PT_ERR_UNSUPPORTED_VERSION;
  *to_client = (data[0] & PT_INPUT_TO_CLIENT) != 0;
  *stream_id = data[1];
  return PT_OK;
}
