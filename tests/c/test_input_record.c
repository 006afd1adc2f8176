/* Input records: every type encodes and decodes back exactly; malformed, truncated and oversized
 * records are refused; the keyboard map and the JSON shapes of the SDK. */
#include "input/input_record.h"

#include <string.h>

#include "check.h"
#include "input/input_json.h"
#include "input/virtual_key.h"

static const char text_sample[] = "h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80";
static const uint8_t png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'};

/* One input of every type, with values at the edges of their ranges. */
static int sample_inputs(pt_input *out) {
  int n = 0;
  memset(out, 0, 16 * sizeof *out);
  out[n].type = PT_INPUT_GAMEPAD;
  out[n].u.gamepad.slot = 4;
  out[n].u.gamepad.changed = PT_GAMEPAD_ALL_FIELDS;
  out[n++].u.gamepad.state = (pt_gamepad_state){0xF7FF, 255, 1, -32768, 32767, -1, 1};
  out[n].type = PT_INPUT_GAMEPAD;
  out[n].u.gamepad.slot = 1;
  out[n].u.gamepad.changed = PT_GAMEPAD_LEFT_Y | PT_GAMEPAD_RIGHT_TRIGGER;
  out[n++].u.gamepad.state = (pt_gamepad_state){0, 0, 77, 0, -5, 0, 0};
  out[n].type = PT_INPUT_GAMEPAD;
  out[n].u.gamepad.slot = 2;
  out[n++].u.gamepad.changed = PT_GAMEPAD_DISCONNECTED;
  out[n].type = PT_INPUT_MOUSE_ABSOLUTE;
  out[n].u.mouse.x = -PT_INPUT_MAX_COORDINATE;
  out[n++].u.mouse.y = PT_INPUT_MAX_COORDINATE;
  out[n].type = PT_INPUT_MOUSE_RELATIVE;
  out[n].u.mouse.x = -3;
  out[n++].u.mouse.y = 70000;
  out[n].type = PT_INPUT_MOUSE_CLICK;
  out[n].u.click.action = 1;
  out[n++].u.click.button = 4;
  out[n].type = PT_INPUT_MOUSE_SCROLL;
  out[n].u.scroll.axis = 0;
  out[n++].u.scroll.delta = -120;
  out[n].type = PT_INPUT_KEYBOARD;
  out[n].u.key.action = 0;
  out[n++].u.key.key = PT_VIRTUAL_KEY_MAX;
  out[n].type = PT_INPUT_PASTE_TEXT;
  out[n].u.text.bytes = (const uint8_t *)text_sample;
  out[n++].u.text.length = sizeof text_sample - 1;
  out[n].type = PT_INPUT_TOUCHES;
  out[n].u.touches.count = 2;
  out[n].u.touches.touches[0] = (pt_touch){{7, 1, 0x10006, -5, 1080}, 7, 1, 2, 3, 4, 359, 1024};
  out[n++].u.touches.touches[1] = (pt_touch){{UINT32_MAX, 2, 0x40000, 100, 200}, 0, 0, 0, 0, 0, 0, 0};
  out[n].type = PT_INPUT_PEN;
  out[n].u.pen.pointer = (pt_pointer_info){3, 9, 4, 640, 360};
  out[n].u.pen.pen_flags = 7;
  out[n].u.pen.pen_mask = 15;
  out[n].u.pen.pressure = 512;
  out[n].u.pen.rotation = 90;
  out[n].u.pen.tilt_x = -90;
  out[n++].u.pen.tilt_y = 45;
  out[n].type = PT_INPUT_VIEWPORT;
  out[n].u.viewport.width = 1920;
  out[n++].u.viewport.height = PT_INPUT_MAX_VIEWPORT;
  out[n].type = PT_INPUT_CLIPBOARD;
  out[n].u.text.bytes = (const uint8_t *)"";
  out[n++].u.text.length = 0;
  out[n].type = PT_INPUT_RUMBLE;
  out[n].u.rumble.port = 3;
  out[n].u.rumble.left_motor = 65535;
  out[n++].u.rumble.right_motor = 1;
  out[n].type = PT_INPUT_CURSOR_IMAGE;
  out[n].u.cursor_image.hotspot_x = 3;
  out[n].u.cursor_image.hotspot_y = 0;
  out[n].u.cursor_image.width = 32;
  out[n].u.cursor_image.height = 256;
  out[n].u.cursor_image.png = png;
  out[n++].u.cursor_image.length = sizeof png;
  out[n].type = PT_INPUT_CURSOR_POSITION;
  out[n].u.cursor_position.x = -10;
  out[n].u.cursor_position.y = 20;
  out[n++].u.cursor_position.visible = 1;
  return n;
}

static int same_input(const pt_input *a, const pt_input *b) {
  if (a->type != b->type) return 0;
  switch (a->type) {
    case PT_INPUT_PASTE_TEXT:
    case PT_INPUT_CLIPBOARD:
      return a->u.text.length == b->u.text.length && memcmp(a->u.text.bytes, b->u.text.bytes, a->u.text.length) == 0;
    case PT_INPUT_CURSOR_IMAGE:
      return a->u.cursor_image.length == b->u.cursor_image.length &&
             memcmp(a->u.cursor_image.png, b->u.cursor_image.png, a->u.cursor_image.length) == 0 &&
             a->u.cursor_image.hotspot_x == b->u.cursor_image.hotspot_x &&
             a->u.cursor_image.hotspot_y == b->u.cursor_image.hotspot_y && a->u.cursor_image.width == b->u.cursor_image.width &&
             a->u.cursor_image.height == b->u.cursor_image.height;
    case PT_INPUT_GAMEPAD: {
      if (a->u.gamepad.slot != b->u.gamepad.slot || a->u.gamepad.changed != b->u.gamepad.changed) return 0;
      /* Only the fields on the wire survive; compare those. */
      pt_input masked = *a;
      uint8_t c = a->u.gamepad.changed;
      pt_gamepad_state *s = &masked.u.gamepad.state;
      if (!(c & PT_GAMEPAD_BUTTONS) || (c & PT_GAMEPAD_DISCONNECTED)) s->buttons = 0;
      if (!(c & PT_GAMEPAD_LEFT_TRIGGER) || (c & PT_GAMEPAD_DISCONNECTED)) s->left_trigger = 0;
      if (!(c & PT_GAMEPAD_RIGHT_TRIGGER) || (c & PT_GAMEPAD_DISCONNECTED)) s->right_trigger = 0;
      if (!(c & PT_GAMEPAD_LEFT_X) || (c & PT_GAMEPAD_DISCONNECTED)) s->left_x = 0;
      if (!(c & PT_GAMEPAD_LEFT_Y) || (c & PT_GAMEPAD_DISCONNECTED)) s->left_y = 0;
      if (!(c & PT_GAMEPAD_RIGHT_X) || (c & PT_GAMEPAD_DISCONNECTED)) s->right_x = 0;
      if (!(c & PT_GAMEPAD_RIGHT_Y) || (c & PT_GAMEPAD_DISCONNECTED)) s->right_y = 0;
      return memcmp(s, &b->u.gamepad.state, sizeof *s) == 0;
    }
    default:
      return memcmp(&a->u, &b->u, sizeof a->u) == 0;
  }
}

static void test_every_type_round_trips_in_one_message(void) {
  pt_input inputs[16], decoded;
  int n = sample_inputs(inputs);
  static uint8_t message[4096];
  size_t used = 0;
  for (int i = 0; i < n; i++) CHECK_EQ(pt_input_encode(&inputs[i], message, sizeof message, &used), PT_OK);
  size_t offset = 0;
  for (int i = 0; i < n; i++) {
    CHECK_EQ(pt_input_decode(message, used, &offset, &decoded), PT_OK);
    CHECK(same_input(&inputs[i], &decoded));
  }
  CHECK_EQ(offset, used);
}

static void test_small_records_stay_small(void) {
  pt_input inputs[16];
  sample_inputs(inputs);
  const int small[] = {3, 4, 5, 6, 7}; /* absolute, relative, click, scroll, key */
  for (size_t i = 0; i < sizeof small / sizeof small[0]; i++) {
    uint8_t out[32];
    size_t used = 0;
    CHECK_EQ(pt_input_encode(&inputs[small[i]], out, sizeof out, &used), PT_OK);
    CHECK(used - 2 <= 8); /* payload, after type and length */
  }
  uint8_t out[32];
  size_t used = 0;
  CHECK_EQ(pt_input_encode(&inputs[7], out, sizeof out, &used), PT_OK);
  CHECK_EQ(used, 4); /* a key: type, length, action, key */
  used = 0;
  CHECK_EQ(pt_input_encode(&inputs[1], out, sizeof out, &used), PT_OK);
  CHECK_EQ(used, 2 + 2 + 1 + 2); /* a gamepad diff carries only what changed */
  /* Moves: a small move takes one byte per axis, a position on a 4K screen two. */
  pt_input move = {.type = PT_INPUT_MOUSE_RELATIVE};
  move.u.mouse.x = -3;
  move.u.mouse.y = 63;
  used = 0;
  CHECK_EQ(pt_input_encode(&move, out, sizeof out, &used), PT_OK);
  CHECK_EQ(used, 2 + 2);
  move.type = PT_INPUT_MOUSE_ABSOLUTE;
  move.u.mouse.x = 3839;
  move.u.mouse.y = 2159;
  used = 0;
  CHECK_EQ(pt_input_encode(&move, out, sizeof out, &used), PT_OK);
  CHECK_EQ(used, 2 + 4);
  /* The largest coordinates still fit in 8 bytes; beyond them is refused. */
  move.u.mouse.x = -PT_INPUT_MAX_COORDINATE;
  move.u.mouse.y = PT_INPUT_MAX_COORDINATE;
  used = 0;
  CHECK_EQ(pt_input_encode(&move, out, sizeof out, &used), PT_OK);
  CHECK_EQ(used, 2 + 6);
  pt_input decoded;
  size_t offset = 0;
  CHECK_EQ(pt_input_decode(out, used, &offset, &decoded), PT_OK);
  CHECK(decoded.u.mouse.x == -PT_INPUT_MAX_COORDINATE && decoded.u.mouse.y == PT_INPUT_MAX_COORDINATE);
  move.u.mouse.x = PT_INPUT_MAX_COORDINATE + 1;
  used = 0;
  CHECK_EQ(pt_input_encode(&move, out, sizeof out, &used), PT_ERR_BAD_VALUE);
}

static void expect_refused(const uint8_t *record, size_t length, int expected) {
  pt_input input;
  size_t offset = 0;
  CHECK_EQ(pt_input_decode(record, length, &offset, &input), expected);
  if (expected != PT_ERR_MALFORMED) CHECK_EQ(offset, length); /* skipped whole */
}

static void test_malformed_truncated_and_oversized_records_are_refused(void) {
  /* Framing: no length, a length past the end, a length of four LEB128 bytes. */
  expect_refused((const uint8_t[]){5}, 1, PT_ERR_MALFORMED);
  expect_refused((const uint8_t[]){5, 2, 0}, 3, PT_ERR_MALFORMED);
  expect_refused((const uint8_t[]){5, 0x80, 0x80, 0x80, 0x01}, 5, PT_ERR_MALFORMED);
  /* Payload sizes: too short, too long. */
  expect_refused((const uint8_t[]){5, 1, 0}, 3, PT_ERR_BAD_VALUE);
  expect_refused((const uint8_t[]){5, 3, 0, 44, 0}, 5, PT_ERR_BAD_VALUE);
  expect_refused((const uint8_t[]){1, 7, 0, 0, 0, 0, 0, 0, 0}, 9, PT_ERR_BAD_VALUE);       /* bytes left over */
  expect_refused((const uint8_t[]){2, 2, 0x80, 0x80}, 4, PT_ERR_BAD_VALUE);                /* a cut coordinate */
  expect_refused((const uint8_t[]){2, 4, 0x80, 0x80, 0x80, 0x01}, 6, PT_ERR_BAD_VALUE);    /* four bytes */
  expect_refused((const uint8_t[]){1, 4, 0xFF, 0xFF, 0x7F, 0}, 6, PT_ERR_BAD_VALUE);       /* x = -2^20 */
  expect_refused((const uint8_t[]){0, 3, 1, PT_GAMEPAD_BUTTONS, 0}, 5, PT_ERR_BAD_VALUE);
  expect_refused((const uint8_t[]){7, 1, 0}, 3, PT_ERR_BAD_VALUE);                  /* no touches */
  expect_refused((const uint8_t[]){7, 2, 11, 0}, 4, PT_ERR_TOO_LARGE);              /* 11 touches */
  /* Values out of range. */
  expect_refused((const uint8_t[]){5, 2, 0, 0}, 4, PT_ERR_BAD_VALUE);     /* VirtualKey.None */
  expect_refused((const uint8_t[]){5, 2, 0, 173}, 4, PT_ERR_BAD_VALUE);   /* past the last key */
  expect_refused((const uint8_t[]){5, 2, 2, 44}, 4, PT_ERR_BAD_VALUE);    /* action 2 */
  expect_refused((const uint8_t[]){3, 2, 0, 5}, 4, PT_ERR_BAD_VALUE);     /* button 5 */
  expect_refused((const uint8_t[]){4, 5, 2, 0, 0, 0, 0}, 7, PT_ERR_BAD_VALUE); /* axis 2 */
  expect_refused((const uint8_t[]){0, 2, 0, 0}, 4, PT_ERR_BAD_VALUE);     /* port 0 */
  expect_refused((const uint8_t[]){0, 2, 5, 0}, 4, PT_ERR_BAD_VALUE);     /* port 5 */
  expect_refused((const uint8_t[]){0, 4, 1, PT_GAMEPAD_BUTTONS, 0x00, 0x08}, 6, PT_ERR_BAD_VALUE); /* unassigned bit */
  expect_refused((const uint8_t[]){0, 4, 1, PT_GAMEPAD_DISCONNECTED | 1, 0, 0}, 6, PT_ERR_BAD_VALUE);
  expect_refused((const uint8_t[]){9, 4, 0, 0, 1, 0}, 6, PT_ERR_BAD_VALUE);          /* width 0 */
  expect_refused((const uint8_t[]){9, 4, 1, 0x40, 1, 0}, 6, PT_ERR_BAD_VALUE);       /* width 16385 */
  expect_refused((const uint8_t[]){34, 9, 0, 0, 0, 0, 0, 0, 0, 0, 2}, 11, PT_ERR_BAD_VALUE); /* visible 2 */
  /* Text that is not UTF-8: a stray continuation byte, an overlong form, a surrogate, a cut sequence. */
  expect_refused((const uint8_t[]){6, 1, 0x80}, 3, PT_ERR_BAD_VALUE);
  expect_refused((const uint8_t[]){6, 2, 0xC0, 0xAF}, 4, PT_ERR_BAD_VALUE);
  expect_refused((const uint8_t[]){6, 3, 0xED, 0xA0, 0x80}, 5, PT_ERR_BAD_VALUE);
  expect_refused((const uint8_t[]){10, 2, 0xE2, 0x82}, 4, PT_ERR_BAD_VALUE);
  expect_refused((const uint8_t[]){6, 4, 0xF4, 0x90, 0x80, 0x80}, 6, PT_ERR_BAD_VALUE); /* past U+10FFFF */
  expect_refused((const uint8_t[]){6, 3, 'a', 0, 'b'}, 5, PT_ERR_BAD_VALUE);              /* U+0000 */
  /* A cursor image that is not a PNG, or whose hotspot is outside it. */
  expect_refused((const uint8_t[]){33, 12, 0, 0, 0, 0, 4, 0, 4, 0, 'G', 'I', 'F', '8'}, 14, PT_ERR_BAD_VALUE);
  uint8_t cursor[8 + 2 + sizeof png] = {33, 8 + sizeof png, 4, 0, 0, 0, 4, 0, 4, 0};
  memcpy(cursor + 10, png, sizeof png);
  expect_refused(cursor, sizeof cursor, PT_ERR_BAD_VALUE);
  cursor[2] = 3;
  pt_input input;
  size_t offset = 0;
  CHECK_EQ(pt_input_decode(cursor, sizeof cursor, &offset, &input), PT_OK);
  /* A type this version does not know is skipped whole; the next record still decodes. */
  const uint8_t mixed[] = {99, 3, 1, 2, 3, 5, 2, 1, 44};
  offset = 0;
  CHECK_EQ(pt_input_decode(mixed, sizeof mixed, &offset, &input), PT_ERR_UNEXPECTED_MESSAGE);
  CHECK_EQ(pt_input_decode(mixed, sizeof mixed, &offset, &input), PT_OK);
  CHECK(input.type == PT_INPUT_KEYBOARD && input.u.key.key == 44 && input.u.key.action == 1);
}

static void test_oversized_text_and_images_are_refused_by_both_sides(void) {
  static uint8_t text[PT_INPUT_MAX_TEXT + 1];
  memset(text, 'a', sizeof text);
  pt_input input = {.type = PT_INPUT_CLIPBOARD};
  input.u.text.bytes = text;
  input.u.text.length = sizeof text;
  static uint8_t message[PT_INPUT_MAX_MESSAGE * 2];
  size_t used = 0;
  CHECK_EQ(pt_input_encode(&input, message, sizeof message, &used), PT_ERR_TOO_LARGE);
  input.u.text.length = PT_INPUT_MAX_TEXT;
  CHECK_EQ(pt_input_encode(&input, message, sizeof message, &used), PT_OK);
  CHECK(used <= PT_INPUT_MAX_MESSAGE);
  /* The same record one byte longer, forged on the wire. */
  message[1] = (uint8_t)(((PT_INPUT_MAX_TEXT + 1) & 0x7F) | 0x80);
  message[2] = (uint8_t)((((PT_INPUT_MAX_TEXT + 1) >> 7) & 0x7F) | 0x80);
  message[3] = (uint8_t)((PT_INPUT_MAX_TEXT + 1) >> 14);
  size_t offset = 0;
  CHECK_EQ(pt_input_decode(message, used + 1, &offset, &input), PT_ERR_TOO_LARGE);
  /* A buffer too small is reported, not overrun. */
  pt_input key = {.type = PT_INPUT_KEYBOARD};
  key.u.key.key = 44;
  used = 0;
  CHECK_EQ(pt_input_encode(&key, message, 3, &used), PT_ERR_BUFFER_TOO_SMALL);
  CHECK_EQ(used, 0);
}

static void test_headers(void) {
  uint8_t header[2];
  int to_client;
  uint8_t stream_id;
  pt_input_write_header(header, 1, 200);
  CHECK_EQ(pt_input_read_header(header, 2, &to_client, &stream_id), PT_OK);
  CHECK(to_client == 1 && stream_id == 200);
  pt_input_write_header(header, 0, 7);
  CHECK_EQ(pt_input_read_header(header, 2, &to_client, &stream_id), PT_OK);
  CHECK(to_client == 0 && stream_id == 7);
  CHECK_EQ(pt_input_read_header(header, 1, &to_client, &stream_id), PT_ERR_MALFORMED);
  header[0] = 2;
  CHECK_EQ(pt_input_read_header(header, 2, &to_client, &stream_id), PT_ERR_UNSUPPORTED_VERSION);
}

static void test_keyboard_codes_map_to_virtual_keys(void) {
#define KEY(code, vk) CHECK_EQ(pt_virtual_key_of_code(code, strlen(code)), vk)
  char code[16];
  for (int i = 0; i < 26; i++) {
    snprintf(code, sizeof code, "Key%c", 'A' + i);
    KEY(code, 44 + i);
  }
  for (int i = 0; i < 10; i++) {
    snprintf(code, sizeof code, "Digit%d", i);
    KEY(code, 34 + i);
    snprintf(code, sizeof code, "Numpad%d", i);
    KEY(code, 74 + i);
  }
  for (int i = 1; i <= 24; i++) {
    snprintf(code, sizeof code, "F%d", i);
    KEY(code, 89 + i);
  }
  KEY("AltLeft", 120);            /* first in the table */
  KEY("VolumeUp", 131);           /* last in the table */
  KEY("Backspace", 2);
  KEY("Enter", 6);
  KEY("NumpadEnter", 6);
  KEY("Space", 18);
  KEY("ArrowLeft", 23);
  KEY("ShiftLeft", 116);
  KEY("ShiftRight", 117);
  KEY("ControlLeft", 118);
  KEY("MetaLeft", 70);
  KEY("OSRight", 71);
  KEY("ContextMenu", 72);
  KEY("NumpadComma", 86);
  KEY("ScrollLock", 115);
  KEY("Semicolon", 140);
  KEY("Quote", 152);
  KEY("IntlBackslash", 154);
  KEY("Lang1", 9);
  KEY("Lang2", 12);
  KEY("MediaSelect", 137);
  KEY("Unidentified", 0);
  KEY("Key", 0);
  KEY("KeyAA", 0);
  KEY("keya", 0);
  KEY("", 0);
  CHECK_EQ(pt_virtual_key_of_code("KeyQ-and-more", 4), 60); /* only `length` bytes count */
#undef KEY
}

static cJSON *parse(const char *json) {
  cJSON *object = cJSON_Parse(json);
  CHECK(object != NULL);
  return object;
}

static void expect_json_error(const char *json, int expected, const char *expected_field) {
  cJSON *object = parse(json);
  pt_input input;
  static uint8_t scratch[PT_INPUT_MAX_CURSOR_IMAGE];
  const char *field = NULL;
  CHECK_EQ(pt_input_from_json(object, &input, scratch, sizeof scratch, &field), expected);
  CHECK(field != NULL && strcmp(field, expected_field) == 0);
  cJSON_Delete(object);
}

static void test_json_shapes_of_the_sdk(void) {
  pt_input inputs[16];
  int n = sample_inputs(inputs);
  static uint8_t scratch[PT_INPUT_MAX_CURSOR_IMAGE];
  for (int i = 0; i < n; i++) {
    if (inputs[i].type == PT_INPUT_GAMEPAD && inputs[i].u.gamepad.changed != PT_GAMEPAD_DISCONNECTED) {
      inputs[i].u.gamepad.changed = 0; /* from the app: a full state */
    }
    cJSON *object = pt_input_to_json(&inputs[i]);
    CHECK(object != NULL);
    pt_input back;
    const char *field = NULL;
    CHECK_EQ(pt_input_from_json(object, &back, scratch, sizeof scratch, &field), PT_OK);
    if (back.type == PT_INPUT_GAMEPAD) {
      CHECK_EQ(back.u.gamepad.changed, inputs[i].u.gamepad.changed);
      if (back.u.gamepad.changed == 0) CHECK(memcmp(&back.u.gamepad.state, &inputs[i].u.gamepad.state, sizeof back.u.gamepad.state) == 0);
    } else {
      CHECK(same_input(&inputs[i], &back));
    }
    cJSON_Delete(object);
  }
  cJSON *key = parse("{\"type\":5,\"action\":0,\"key\":44}");
  pt_input input;
  CHECK_EQ(pt_input_from_json(key, &input, NULL, 0, NULL), PT_OK);
  CHECK(input.type == PT_INPUT_KEYBOARD && input.u.key.key == 44);
  cJSON_Delete(key);
  key = parse("{\"type\":5,\"action\":1,\"keycode\":45}"); /* the docs' name for the field */
  CHECK_EQ(pt_input_from_json(key, &input, NULL, 0, NULL), PT_OK);
  CHECK(input.u.key.key == 45 && input.u.key.action == 1);
  cJSON_Delete(key);
  expect_json_error("{}", PT_ERR_MISSING_FIELD, "type");
  expect_json_error("{\"type\":11}", PT_ERR_BAD_VALUE, "type");
  expect_json_error("{\"type\":\"keyboard\"}", PT_ERR_WRONG_TYPE, "type");
  expect_json_error("{\"type\":5,\"action\":0,\"key\":1.5}", PT_ERR_BAD_VALUE, "key");
  expect_json_error("{\"type\":5,\"action\":0}", PT_ERR_MISSING_FIELD, "key");
  expect_json_error("{\"type\":3,\"action\":0,\"button\":5}", PT_ERR_BAD_VALUE, "button");
  expect_json_error("{\"type\":0,\"slot\":5}", PT_ERR_BAD_VALUE, "slot");
  expect_json_error("{\"type\":0,\"slot\":1,\"buttons\":2048}", PT_ERR_BAD_VALUE, "buttons");
  expect_json_error("{\"type\":0,\"slot\":1,\"leftThumbX\":32768}", PT_ERR_BAD_VALUE, "leftThumbX");
  expect_json_error("{\"type\":0,\"slot\":1,\"connected\":1}", PT_ERR_WRONG_TYPE, "connected");
  expect_json_error("{\"type\":6,\"inputString\":7}", PT_ERR_WRONG_TYPE, "inputString");
  expect_json_error("{\"type\":7,\"touches\":[]}", PT_ERR_BAD_VALUE, "touches");
  expect_json_error("{\"type\":7,\"touches\":[{\"pointerInfo\":{\"pointerId\":1,\"x\":0}}]}", PT_ERR_MISSING_FIELD, "y");
  expect_json_error("{\"type\":8,\"pointerInfo\":{\"pointerId\":1,\"x\":0,\"y\":0},\"tiltX\":91}", PT_ERR_BAD_VALUE, "tiltX");
  expect_json_error("{\"type\":8,\"pointerInfo\":{\"pointerId\":1,\"x\":0,\"y\":0,\"pointerFlags\":8}}", PT_ERR_BAD_VALUE, "pointerInfo");
  expect_json_error("{\"type\":9,\"width\":0,\"height\":10}", PT_ERR_BAD_VALUE, "width");
  expect_json_error("{\"type\":33,\"spotX\":0,\"spotY\":0,\"shapeWidth\":4,\"shapeHeight\":4,\"image\":\"R0lGODlh\"}", PT_ERR_BAD_VALUE, "image");
  expect_json_error("{\"type\":33,\"spotX\":0,\"spotY\":0,\"shapeWidth\":4,\"shapeHeight\":4,\"image\":\"%%\"}", PT_ERR_BAD_VALUE, "image");
}

int main(void) {
  RUN(test_every_type_round_trips_in_one_message);
  RUN(test_small_records_stay_small);
  RUN(test_malformed_truncated_and_oversized_records_are_refused);
  RUN(test_oversized_text_and_images_are_refused_by_both_sides);
  RUN(test_headers);
  RUN(test_keyboard_codes_map_to_virtual_keys);
  RUN(test_json_shapes_of_the_sdk);
  return 0;
}
