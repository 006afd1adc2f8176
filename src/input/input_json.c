#include "input/input_json.h"

#include <stdlib.h>
#include <string.h>

#include "core/base64.h"
#include "core/error.h"
#include "gateway/json_fields.h"
#include "input/virtual_key.h"

/* Reads one integer field into a struct member of any integer type. */
#define READ(object, name, required, min, max, target)                                      \
  do {                                                                                      \
    int64_t read_value;                                                                     \
    int read_status = pt_json_get_integer(object, name, required, min, max, 0, &read_value); \
    if (read_status != PT_OK) {                                                             \
      *field = name;                                                                        \
      return read_status;                                                                   \
    }                                                                                       \
    (target) = read_value;                                                                  \
  } while (0)

static int read_bool(const cJSON *object, const char *name, int fallback, uint8_t *out, const char **field) {
  const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, name);
  if (item == NULL) {
    *out = (uint8_t)fallback;
    return PT_OK;
  }
  if (!cJSON_IsBool(item)) {
    *field = name;
    return PT_ERR_WRONG_TYPE;
  }
  *out = cJSON_IsTrue(item) ? 1 : 0;
  return PT_OK;
}

static int read_text(const cJSON *object, const char *name, pt_input *in, const char **field) {
  const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, name);
  *field = name;
  if (item == NULL) return PT_ERR_MISSING_FIELD;
  if (!cJSON_IsString(item)) return PT_ERR_WRONG_TYPE;
  in->u.text.bytes = (const uint8_t *)item->valuestring;
  in->u.text.length = strlen(item->valuestring);
  if (in->u.text.length > PT_INPUT_MAX_TEXT) return PT_ERR_TOO_LARGE;
  *field = NULL;
  return PT_OK;
}

static int read_pointer(const cJSON *object, pt_pointer_info *p, const char **field) {
  const cJSON *info = cJSON_GetObjectItemCaseSensitive(object, "pointerInfo");
  *field = "pointerInfo";
  if (info == NULL) return PT_ERR_MISSING_FIELD;
  if (!cJSON_IsObject(info)) return PT_ERR_WRONG_TYPE;
  READ(info, "pointerId", 1, 0, UINT32_MAX, p->pointer_id);
  READ(info, "frameId", 0, 0, UINT32_MAX, p->frame_id);
  READ(info, "pointerFlags", 0, 0, UINT32_MAX, p->pointer_flags);
  READ(info, "x", 1, INT32_MIN, INT32_MAX, p->x);
  READ(info, "y", 1, INT32_MIN, INT32_MAX, p->y);
  *field = NULL;
  return PT_OK;
}

static int read_touches(const cJSON *object, pt_input *in, const char **field) {
  const cJSON *list = cJSON_GetObjectItemCaseSensitive(object, "touches");
  *field = "touches";
  if (list == NULL) return PT_ERR_MISSING_FIELD;
  if (!cJSON_IsArray(list)) return PT_ERR_WRONG_TYPE;
  int count = cJSON_GetArraySize(list);
  if (count < 1) return PT_ERR_BAD_VALUE;
  if (count > PT_INPUT_MAX_TOUCHES) return PT_ERR_TOO_LARGE;
  in->u.touches.count = (uint8_t)count;
  int i = 0;
  const cJSON *touch;
  cJSON_ArrayForEach(touch, list) {
    pt_touch *t = &in->u.touches.touches[i++];
    if (!cJSON_IsObject(touch)) return PT_ERR_WRONG_TYPE;
    int status = read_pointer(touch, &t->pointer, field);
    if (status != PT_OK) return status;
    READ(touch, "touchMask", 0, 0, 7, t->touch_mask);
    READ(touch, "contactLeft", 0, INT32_MIN, INT32_MAX, t->contact_left);
    READ(touch, "contactTop", 0, INT32_MIN, INT32_MAX, t->contact_top);
    READ(touch, "contactRight", 0, INT32_MIN, INT32_MAX, t->contact_right);
    READ(touch, "contactBottom", 0, INT32_MIN, INT32_MAX, t->contact_bottom);
    READ(touch, "orientation", 0, 0, 359, t->orientation);
    READ(touch, "pressure", 0, 0, 1024, t->pressure);
  }
  *field = NULL;
  return PT_OK;
}

static int read_cursor_image(const cJSON *object, pt_input *in, uint8_t *scratch, size_t capacity, const char **field) {
  if (scratch == NULL) return PT_ERR_INVALID_ARGUMENT;
  READ(object, "spotX", 1, 0, PT_INPUT_MAX_CURSOR_SIDE - 1, in->u.cursor_image.hotspot_x);
  READ(object, "spotY", 1, 0, PT_INPUT_MAX_CURSOR_SIDE - 1, in->u.cursor_image.hotspot_y);
  READ(object, "shapeWidth", 1, 1, PT_INPUT_MAX_CURSOR_SIDE, in->u.cursor_image.width);
  READ(object, "shapeHeight", 1, 1, PT_INPUT_MAX_CURSOR_SIDE, in->u.cursor_image.height);
  const cJSON *image = cJSON_GetObjectItemCaseSensitive(object, "image");
  *field = "image";
  if (image == NULL) return PT_ERR_MISSING_FIELD;
  if (!cJSON_IsString(image)) return PT_ERR_WRONG_TYPE;
  if (strlen(image->valuestring) > pt_base64_encoded_length(PT_INPUT_MAX_CURSOR_IMAGE)) return PT_ERR_TOO_LARGE;
  int length = pt_base64_decode(image->valuestring, scratch, capacity);
  if (length < 0) return length == PT_ERR_BUFFER_TOO_SMALL ? PT_ERR_TOO_LARGE : PT_ERR_BAD_VALUE;
  in->u.cursor_image.png = scratch;
  in->u.cursor_image.length = (size_t)length;
  *field = NULL;
  return PT_OK;
}

/* Which field a value check of pt_input_validate refers to, for the error message. */
static const char *validated_field(pt_input_type type) {
  switch (type) {
    case PT_INPUT_GAMEPAD: return "buttons";
    case PT_INPUT_MOUSE_CLICK: return "button";
    case PT_INPUT_PASTE_TEXT: return "inputString";
    case PT_INPUT_CLIPBOARD: return "text";
    case PT_INPUT_TOUCHES: return "touches";
    case PT_INPUT_PEN: return "pointerInfo";
    case PT_INPUT_CURSOR_IMAGE: return "image";
    default: return "type";
  }
}

static int read_fields(const cJSON *o, pt_input *in, uint8_t *scratch, size_t capacity, const char **field) {
  switch (in->type) {
    case PT_INPUT_GAMEPAD: {
      uint8_t connected;
      READ(o, "slot", 1, 1, 4, in->u.gamepad.slot);
      if (read_bool(o, "connected", 1, &connected, field) != PT_OK) return PT_ERR_WRONG_TYPE;
      if (!connected) {
        in->u.gamepad.changed = PT_GAMEPAD_DISCONNECTED;
        return PT_OK;
      }
      READ(o, "buttons", 0, 0, UINT16_MAX, in->u.gamepad.state.buttons);
      READ(o, "leftTrigger", 0, 0, 255, in->u.gamepad.state.left_trigger);
      READ(o, "rightTrigger", 0, 0, 255, in->u.gamepad.state.right_trigger);
      READ(o, "leftThumbX", 0, INT16_MIN, INT16_MAX, in->u.gamepad.state.left_x);
      READ(o, "leftThumbY", 0, INT16_MIN, INT16_MAX, in->u.gamepad.state.left_y);
      READ(o, "rightThumbX", 0, INT16_MIN, INT16_MAX, in->u.gamepad.state.right_x);
      READ(o, "rightThumbY", 0, INT16_MIN, INT16_MAX, in->u.gamepad.state.right_y);
      return PT_OK;
    }
    case PT_INPUT_MOUSE_ABSOLUTE:
      READ(o, "x", 1, -PT_INPUT_MAX_COORDINATE, PT_INPUT_MAX_COORDINATE, in->u.mouse.x);
      READ(o, "y", 1, -PT_INPUT_MAX_COORDINATE, PT_INPUT_MAX_COORDINATE, in->u.mouse.y);
      return PT_OK;
    case PT_INPUT_MOUSE_RELATIVE:
      READ(o, "dx", 1, -PT_INPUT_MAX_COORDINATE, PT_INPUT_MAX_COORDINATE, in->u.mouse.x);
      READ(o, "dy", 1, -PT_INPUT_MAX_COORDINATE, PT_INPUT_MAX_COORDINATE, in->u.mouse.y);
      return PT_OK;
    case PT_INPUT_MOUSE_CLICK:
      READ(o, "action", 1, 0, 1, in->u.click.action);
      READ(o, "button", 1, 0, 4, in->u.click.button);
      return PT_OK;
    case PT_INPUT_MOUSE_SCROLL:
      READ(o, "axis", 1, 0, 1, in->u.scroll.axis);
      READ(o, "delta", 1, INT32_MIN, INT32_MAX, in->u.scroll.delta);
      return PT_OK;
    case PT_INPUT_KEYBOARD:
      READ(o, "action", 1, 0, 1, in->u.key.action);
      /* The docs' IKeyboardInput names the key "keycode"; OutgoingInput names it "key". */
      READ(o, cJSON_HasObjectItem(o, "keycode") && !cJSON_HasObjectItem(o, "key") ? "keycode" : "key", 1, 1,
           PT_VIRTUAL_KEY_MAX, in->u.key.key);
      return PT_OK;
    case PT_INPUT_PASTE_TEXT: return read_text(o, "inputString", in, field);
    case PT_INPUT_CLIPBOARD: return read_text(o, "text", in, field);
    case PT_INPUT_TOUCHES: return read_touches(o, in, field);
    case PT_INPUT_PEN: {
      int status = read_pointer(o, &in->u.pen.pointer, field);
      if (status != PT_OK) return status;
      READ(o, "penFlags", 0, 0, 7, in->u.pen.pen_flags);
      READ(o, "penMask", 0, 0, 15, in->u.pen.pen_mask);
      READ(o, "pressure", 0, 0, 1024, in->u.pen.pressure);
      READ(o, "rotation", 0, 0, 359, in->u.pen.rotation);
      READ(o, "tiltX", 0, -90, 90, in->u.pen.tilt_x);
      READ(o, "tiltY", 0, -90, 90, in->u.pen.tilt_y);
      return PT_OK;
    }
    case PT_INPUT_VIEWPORT:
      READ(o, "width", 1, 1, PT_INPUT_MAX_VIEWPORT, in->u.viewport.width);
      READ(o, "height", 1, 1, PT_INPUT_MAX_VIEWPORT, in->u.viewport.height);
      return PT_OK;
    case PT_INPUT_RUMBLE:
      READ(o, "port", 1, 1, 4, in->u.rumble.port);
      READ(o, "leftMotorSpeed", 1, 0, UINT16_MAX, in->u.rumble.left_motor);
      READ(o, "rightMotorSpeed", 1, 0, UINT16_MAX, in->u.rumble.right_motor);
      return PT_OK;
    case PT_INPUT_CURSOR_IMAGE: return read_cursor_image(o, in, scratch, capacity, field);
    case PT_INPUT_CURSOR_POSITION:
      READ(o, "x", 1, INT32_MIN, INT32_MAX, in->u.cursor_position.x);
      READ(o, "y", 1, INT32_MIN, INT32_MAX, in->u.cursor_position.y);
      return read_bool(o, "visible", 1, &in->u.cursor_position.visible, field);
  }
  *field = "type";
  return PT_ERR_BAD_VALUE;
}

int pt_input_from_json(const cJSON *object, pt_input *in, uint8_t *scratch, size_t capacity, const char **field) {
  const char *ignored;
  if (field == NULL) field = &ignored;
  *field = NULL;
  if (object == NULL || in == NULL) return PT_ERR_INVALID_ARGUMENT;
  memset(in, 0, sizeof *in);
  int64_t type;
  int status = pt_json_get_integer(object, "type", 1, 0, PT_INPUT_CURSOR_POSITION, 0, &type);
  if (status == PT_OK && type > PT_INPUT_CLIPBOARD && type < PT_INPUT_RUMBLE) status = PT_ERR_BAD_VALUE;
  if (status != PT_OK) {
    *field = "type";
    return status;
  }
  in->type = (pt_input_type)type;
  status = read_fields(object, in, scratch, capacity, field);
  if (status == PT_OK) {
    status = pt_input_validate(in);
    if (status != PT_OK) *field = validated_field(in->type);
  }
  return status;
}

static void add_pointer(cJSON *object, const pt_pointer_info *p) {
  cJSON *info = cJSON_AddObjectToObject(object, "pointerInfo");
  cJSON_AddNumberToObject(info, "pointerId", p->pointer_id);
  cJSON_AddNumberToObject(info, "frameId", p->frame_id);
  cJSON_AddNumberToObject(info, "pointerFlags", p->pointer_flags);
  cJSON_AddNumberToObject(info, "x", p->x);
  cJSON_AddNumberToObject(info, "y", p->y);
}

/* Adds a string field from bytes that are not NUL-terminated; 0 when out of memory. */
static int add_bytes_as_string(cJSON *object, const char *name, const uint8_t *bytes, size_t length) {
  char *text = malloc(length + 1);
  if (text == NULL) return 0;
  if (length > 0) memcpy(text, bytes, length);
  text[length] = '\0';
  int ok = cJSON_AddStringToObject(object, name, text) != NULL;
  free(text);
  return ok;
}

/* Adds the fields of an input; 0 when a large field (text, image) could not be allocated. */
static int add_fields(cJSON *o, const pt_input *in) {
  switch (in->type) {
    case PT_INPUT_GAMEPAD: {
      const pt_gamepad_state *s = &in->u.gamepad.state;
      cJSON_AddNumberToObject(o, "buttons", s->buttons);
      cJSON_AddNumberToObject(o, "leftTrigger", s->left_trigger);
      cJSON_AddNumberToObject(o, "rightTrigger", s->right_trigger);
      cJSON_AddNumberToObject(o, "leftThumbX", s->left_x);
      cJSON_AddNumberToObject(o, "leftThumbY", s->left_y);
      cJSON_AddNumberToObject(o, "rightThumbX", s->right_x);
      cJSON_AddNumberToObject(o, "rightThumbY", s->right_y);
      cJSON_AddNumberToObject(o, "slot", in->u.gamepad.slot);
      cJSON_AddBoolToObject(o, "connected", in->u.gamepad.changed != PT_GAMEPAD_DISCONNECTED);
      break;
    }
    case PT_INPUT_MOUSE_ABSOLUTE:
      cJSON_AddNumberToObject(o, "x", in->u.mouse.x);
      cJSON_AddNumberToObject(o, "y", in->u.mouse.y);
      break;
    case PT_INPUT_MOUSE_RELATIVE:
      cJSON_AddNumberToObject(o, "dx", in->u.mouse.x);
      cJSON_AddNumberToObject(o, "dy", in->u.mouse.y);
      break;
    case PT_INPUT_MOUSE_CLICK:
      cJSON_AddNumberToObject(o, "action", in->u.click.action);
      cJSON_AddNumberToObject(o, "button", in->u.click.button);
      break;
    case PT_INPUT_MOUSE_SCROLL:
      cJSON_AddNumberToObject(o, "axis", in->u.scroll.axis);
      cJSON_AddNumberToObject(o, "delta", in->u.scroll.delta);
      break;
    case PT_INPUT_KEYBOARD:
      cJSON_AddNumberToObject(o, "action", in->u.key.action);
      cJSON_AddNumberToObject(o, "key", in->u.key.key);
      break;
    case PT_INPUT_PASTE_TEXT: return add_bytes_as_string(o, "inputString", in->u.text.bytes, in->u.text.length);
    case PT_INPUT_CLIPBOARD: return add_bytes_as_string(o, "text", in->u.text.bytes, in->u.text.length);
    case PT_INPUT_TOUCHES: {
      cJSON *list = cJSON_AddArrayToObject(o, "touches");
      for (int i = 0; i < in->u.touches.count && list != NULL; i++) {
        const pt_touch *t = &in->u.touches.touches[i];
        cJSON *touch = cJSON_CreateObject();
        add_pointer(touch, &t->pointer);
        cJSON_AddNumberToObject(touch, "touchMask", t->touch_mask);
        cJSON_AddNumberToObject(touch, "contactLeft", t->contact_left);
        cJSON_AddNumberToObject(touch, "contactTop", t->contact_top);
        cJSON_AddNumberToObject(touch, "contactRight", t->contact_right);
        cJSON_AddNumberToObject(touch, "contactBottom", t->contact_bottom);
        cJSON_AddNumberToObject(touch, "orientation", t->orientation);
        cJSON_AddNumberToObject(touch, "pressure", t->pressure);
        cJSON_AddItemToArray(list, touch);
      }
      break;
    }
    case PT_INPUT_PEN:
      add_pointer(o, &in->u.pen.pointer);
      cJSON_AddNumberToObject(o, "penFlags", in->u.pen.pen_flags);
      cJSON_AddNumberToObject(o, "penMask", in->u.pen.pen_mask);
      cJSON_AddNumberToObject(o, "pressure", in->u.pen.pressure);
      cJSON_AddNumberToObject(o, "rotation", in->u.pen.rotation);
      cJSON_AddNumberToObject(o, "tiltX", in->u.pen.tilt_x);
      cJSON_AddNumberToObject(o, "tiltY", in->u.pen.tilt_y);
      break;
    case PT_INPUT_VIEWPORT:
      cJSON_AddNumberToObject(o, "width", in->u.viewport.width);
      cJSON_AddNumberToObject(o, "height", in->u.viewport.height);
      break;
    case PT_INPUT_RUMBLE:
      cJSON_AddNumberToObject(o, "port", in->u.rumble.port);
      cJSON_AddNumberToObject(o, "leftMotorSpeed", in->u.rumble.left_motor);
      cJSON_AddNumberToObject(o, "rightMotorSpeed", in->u.rumble.right_motor);
      break;
    case PT_INPUT_CURSOR_IMAGE: {
      cJSON_AddNumberToObject(o, "spotX", in->u.cursor_image.hotspot_x);
      cJSON_AddNumberToObject(o, "spotY", in->u.cursor_image.hotspot_y);
      cJSON_AddNumberToObject(o, "shapeWidth", in->u.cursor_image.width);
      cJSON_AddNumberToObject(o, "shapeHeight", in->u.cursor_image.height);
      size_t size = pt_base64_encoded_length(in->u.cursor_image.length) + 1;
      char *image = malloc(size);
      int ok = image != NULL && pt_base64_encode(in->u.cursor_image.png, in->u.cursor_image.length, image, size) == PT_OK &&
               cJSON_AddStringToObject(o, "image", image) != NULL;
      free(image);
      return ok;
    }
    case PT_INPUT_CURSOR_POSITION:
      cJSON_AddNumberToObject(o, "x", in->u.cursor_position.x);
      cJSON_AddNumberToObject(o, "y", in->u.cursor_position.y);
      cJSON_AddBoolToObject(o, "visible", in->u.cursor_position.visible);
      break;
  }
  return 1;
}

cJSON *pt_input_to_json(const pt_input *in) {
  cJSON *object = cJSON_CreateObject();
  if (object == NULL) return NULL;
  cJSON_AddNumberToObject(object, "type", in->type);
  if (!add_fields(object, in)) {
    cJSON_Delete(object);
    return NULL;
  }
  return object;
}
