/* The native host's stdio framing and its keyboard map (no X server needed). */
#include "host/host_protocol.h"

#include <linux/input-event-codes.h>
#include <string.h>

#include "../c/check.h"
#include "host/virtual_key_evdev.h"
#include "input/virtual_key.h"

static void test_messages_are_found_whole_or_not_at_all(void) {
  uint8_t stream[64];
  pt_host_message_header(stream, PT_HOST_BITRATE, 4);
  memcpy(stream + 5, "\x40\x42\x0f\x00", 4);
  pt_host_message_header(stream + 9, PT_HOST_KEYFRAME, 0);
  uint8_t type;
  const uint8_t *payload;
  size_t payload_length, message_length;
  /* Every cut before the end of the first message: not there yet. */
  for (size_t cut = 0; cut < 9; cut++) {
    CHECK_EQ(pt_host_message_parse(stream, cut, PT_HOST_MAX_COMMAND, &type, &payload, &payload_length, &message_length),
             PT_ERR_BUFFER_TOO_SMALL);
  }
  CHECK_EQ(pt_host_message_parse(stream, 14, PT_HOST_MAX_COMMAND, &type, &payload, &payload_length, &message_length), PT_OK);
  CHECK(type == PT_HOST_BITRATE && payload_length == 4 && message_length == 9 && payload == stream + 5);
  CHECK_EQ(pt_host_message_parse(stream + 9, 5, PT_HOST_MAX_COMMAND, &type, &payload, &payload_length, &message_length), PT_OK);
  CHECK(type == PT_HOST_KEYFRAME && payload_length == 0 && message_length == 5);
}

static void test_oversized_lengths_are_refused_before_waiting_for_them(void) {
  uint8_t header[PT_HOST_HEADER_SIZE];
  uint8_t type;
  const uint8_t *payload;
  size_t payload_length, message_length;
  pt_host_message_header(header, PT_HOST_INPUT, PT_HOST_MAX_COMMAND + 1);
  CHECK_EQ(pt_host_message_parse(header, sizeof header, PT_HOST_MAX_COMMAND, &type, &payload, &payload_length, &message_length),
           PT_ERR_TOO_LARGE);
  pt_host_message_header(header, PT_HOST_INPUT, 0xFFFFFFFFu);
  CHECK_EQ(pt_host_message_parse(header, sizeof header, PT_HOST_MAX_COMMAND, &type, &payload, &payload_length, &message_length),
           PT_ERR_TOO_LARGE);
  pt_host_message_header(header, PT_HOST_INPUT, PT_HOST_MAX_COMMAND);
  CHECK_EQ(header[1] | header[2] << 8 | header[3] << 16 | header[4] << 24, PT_HOST_MAX_COMMAND);
}

static void test_virtual_keys_land_on_physical_keys(void) {
  CHECK_EQ(pt_virtual_key_to_evdev(44), KEY_A);
  CHECK_EQ(pt_virtual_key_to_evdev(60), KEY_Q); /* the key a French layout calls A */
  CHECK_EQ(pt_virtual_key_to_evdev(34), KEY_0);
  CHECK_EQ(pt_virtual_key_to_evdev(43), KEY_9);
  CHECK_EQ(pt_virtual_key_to_evdev(113), KEY_F24);
  CHECK_EQ(pt_virtual_key_to_evdev(116), KEY_LEFTSHIFT);
  CHECK_EQ(pt_virtual_key_to_evdev(154), KEY_102ND);
  CHECK_EQ(pt_virtual_key_to_evdev(0), 0);
  CHECK_EQ(pt_virtual_key_to_evdev(PT_VIRTUAL_KEY_MAX + 1), 0);
  CHECK_EQ(pt_virtual_key_to_evdev(-1), 0);
  /* Every key the browser map produces has a physical key on Linux, within X's keycode range. */
  const char *codes[] = {"KeyA", "KeyZ", "Digit5", "Numpad7", "NumpadEnter", "F12", "ArrowUp", "Backspace", "Tab",
                         "Escape", "Space", "ShiftRight", "ControlLeft", "AltRight", "MetaLeft", "ContextMenu",
                         "Semicolon", "Equal", "Comma", "Minus", "Period", "Slash", "Backquote", "BracketLeft",
                         "Backslash", "BracketRight", "Quote", "IntlBackslash", "IntlRo", "Insert", "Delete",
                         "Home", "End", "PageUp", "PageDown", "CapsLock", "NumLock", "ScrollLock", "PrintScreen",
                         "Pause", "NumpadAdd", "NumpadDecimal", "AudioVolumeUp", "MediaPlayPause"};
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
    int evdev = pt_virtual_key_to_evdev(pt_virtual_key_of_code(codes[i], strlen(codes[i])));
    if (evdev <= 0 || evdev + 8 > 255) {
      fprintf(stderr, "%s has no X keycode\n", codes[i]);
      CHECK(0);
    }
  }
}

int main(void) {
  RUN(test_messages_are_found_whole_or_not_at_all);
  RUN(test_oversized_lengths_are_refused_before_waiting_for_them);
  RUN(test_virtual_keys_land_on_physical_keys);
  return 0;
}
