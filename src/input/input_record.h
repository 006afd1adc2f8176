/* Input records (docs/PROTOCOL.md, "Input"): the binary form of every input that crosses the input
 * channel RW_Input, in both directions. A message is a header [version | direction][stream id]
 * followed by records [type u8][payload length, LEB128][payload]; integers are little-endian.
 * Decoding checks every length and every value; a record that fails is reported, never guessed at. */
#ifndef PT_INPUT_INPUT_RECORD_H
#define PT_INPUT_INPUT_RECORD_H

#include <stddef.h>
#include <stdint.h>

#define PT_INPUT_VERSION 1
#define PT_INPUT_TO_CLIENT 0x80     /* header bit: host → client (else client → host) */
#define PT_INPUT_HEADER_SIZE 2
#define PT_INPUT_MAX_TEXT 32768     /* bytes of UTF-8 in one text or clipboard record */
#define PT_INPUT_MAX_TOUCHES 10     /* contacts in one touch record */
#define PT_INPUT_MAX_CURSOR_IMAGE 65536 /* bytes of PNG in one cursor image record */
#define PT_INPUT_MAX_CURSOR_SIDE 256    /* cursor image width and height, pixels */
#define PT_INPUT_MAX_VIEWPORT 16384     /* viewport width and height, CSS pixels */
#define PT_INPUT_MAX_COORDINATE 1048575 /* |x|, |y|, |dx|, |dy| of mouse records: 2^20 - 1 pixels */
#define PT_VIRTUAL_KEY_LIMIT 256        /* VirtualKey values fit in one byte */
#define PT_INPUT_MAX_PAYLOAD (PT_INPUT_MAX_CURSOR_IMAGE + 8)
#define PT_INPUT_MAX_RECORD (1 + 3 + PT_INPUT_MAX_PAYLOAD)
/* The largest message: one big record plus a coalesced motion record before it. */
#define PT_INPUT_MAX_MESSAGE (PT_INPUT_HEADER_SIZE + PT_INPUT_MAX_RECORD + 16)

/* Record types: 0–10 are the SDK's InputType values (client → host; 10 also host → client);
 * 32 and up are host → client only. */
typedef enum pt_input_type {
  PT_INPUT_GAMEPAD = 0,
  PT_INPUT_MOUSE_ABSOLUTE = 1,
  PT_INPUT_MOUSE_RELATIVE = 2,
  PT_INPUT_MOUSE_CLICK = 3,
  PT_INPUT_MOUSE_SCROLL = 4,
  PT_INPUT_KEYBOARD = 5,
  PT_INPUT_PASTE_TEXT = 6,
  PT_INPUT_TOUCHES = 7,
  PT_INPUT_PEN = 8,
  PT_INPUT_VIEWPORT = 9,
  PT_INPUT_CLIPBOARD = 10,
  PT_INPUT_RUMBLE = 32,
  PT_INPUT_CURSOR_IMAGE = 33,
  PT_INPUT_CURSOR_POSITION = 34
} pt_input_type;

/* Gamepad fields a record carries (a gamepad record is a diff against the port's last state). */
enum {
  PT_GAMEPAD_BUTTONS = 1,
  PT_GAMEPAD_LEFT_TRIGGER = 2,
  PT_GAMEPAD_RIGHT_TRIGGER = 4,
  PT_GAMEPAD_LEFT_X = 8,
  PT_GAMEPAD_LEFT_Y = 16,
  PT_GAMEPAD_RIGHT_X = 32,
  PT_GAMEPAD_RIGHT_Y = 64,
  PT_GAMEPAD_DISCONNECTED = 128, /* the pad is gone: no fields follow, its state is zero again */
  PT_GAMEPAD_ALL_FIELDS = 127
};

typedef struct pt_gamepad_state {
  uint16_t buttons; /* XInputButtons */
  uint8_t left_trigger, right_trigger;
  int16_t left_x, left_y, right_x, right_y;
} pt_gamepad_state;

typedef struct pt_pointer_info {
  uint32_t pointer_id, frame_id, pointer_flags; /* WindowsPointerFlags */
  int32_t x, y;
} pt_pointer_info;

typedef struct pt_touch {
  pt_pointer_info pointer;
  uint8_t touch_mask; /* TouchMask */
  int32_t contact_left, contact_top, contact_right, contact_bottom;
  uint16_t orientation; /* degrees, 0–359 */
  uint16_t pressure;    /* 0–1024 */
} pt_touch;

/* One decoded input. Text and image bytes point into a buffer the caller keeps alive. */
typedef struct pt_input {
  pt_input_type type;
  union {
    struct {
      uint8_t slot;    /* port 1–4 */
      uint8_t changed; /* PT_GAMEPAD_* fields present on the wire */
      pt_gamepad_state state;
    } gamepad;
    struct {
      int32_t x, y; /* absolute: remote pixels; relative: dx, dy; at most PT_INPUT_MAX_COORDINATE either way */
    } mouse;
    struct {
      uint8_t action; /* ButtonAction */
      uint8_t button; /* MouseButton */
    } click;
    struct {
      uint8_t axis; /* ScrollAxis */
      int32_t delta;
    } scroll;
    struct {
      uint8_t action; /* KeyboardAction: 0 down, 1 up */
      uint8_t key;    /* VirtualKey */
    } key;
    struct {
      const uint8_t *bytes; /* UTF-8 */
      size_t length;
    } text;
    struct {
      uint8_t count;
      pt_touch touches[PT_INPUT_MAX_TOUCHES];
    } touches;
    struct {
      pt_pointer_info pointer;
      uint8_t pen_flags, pen_mask; /* PenFlags, PenMask */
      uint16_t pressure;           /* 0–1024 */
      uint16_t rotation;           /* degrees, 0–359 */
      int8_t tilt_x, tilt_y;       /* degrees, -90–90 */
    } pen;
    struct {
      uint16_t width, height;
    } viewport;
    struct {
      uint8_t port; /* 1–4 */
      uint16_t left_motor, right_motor;
    } rumble;
    struct {
      uint16_t hotspot_x, hotspot_y, width, height;
      const uint8_t *png;
      size_t length;
    } cursor_image;
    struct {
      int32_t x, y;
      uint8_t visible;
    } cursor_position;
  } u;
} pt_input;

/* Whether a record type may travel in a direction (to_client 0: client → host). */
int pt_input_type_allowed(pt_input_type type, int to_client);

/* Checks every value of an input (ranges, masks, lengths, UTF-8); PT_OK or PT_ERR_BAD_VALUE / _TOO_LARGE. */
int pt_input_validate(const pt_input *input);

/* Appends one record (validated first) to out at *used; PT_ERR_BUFFER_TOO_SMALL when it does not fit. */
int pt_input_encode(const pt_input *input, uint8_t *out, size_t capacity, size_t *used);

/* Decodes the record at data[*offset], advancing *offset past it even when its payload is refused.
 * PT_ERR_MALFORMED when the framing itself is broken (nothing after it can be read);
 * PT_ERR_UNEXPECTED_MESSAGE for a type this version does not know (skipped); PT_ERR_BAD_VALUE /
 * PT_ERR_TOO_LARGE for a payload of the wrong size or with a value out of range. */
int pt_input_decode(const uint8_t *data, size_t length, size_t *offset, pt_input *input);

/* Writes a message header; reads one back (PT_ERR_UNSUPPORTED_VERSION for another version). */
void pt_input_write_header(uint8_t *out, int to_client, uint8_t stream_id);
int pt_input_read_header(const uint8_t *data, size_t length, int *to_client, uint8_t *stream_id);

#endif
