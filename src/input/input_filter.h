/* The permission filter and the held-input tracker of the receiving side (docs/SECURITY.md, "Input").
 * The host decides: whatever a client sends, only input within the stream's granted InputLevel
 * (per gamepad port) is delivered. What was delivered as held (keys, mouse buttons, pad state) is
 * released when the level that allowed it is revoked or the stream ends, so nothing stays stuck. */
#ifndef PT_INPUT_INPUT_FILTER_H
#define PT_INPUT_INPUT_FILTER_H

#include <stdint.h>

#include "input/input_record.h"

/* InputLevel bits of the public API. */
enum {
  PT_LEVEL_GAMEPAD_PORT1 = 1,
  PT_LEVEL_GAMEPAD = 15,
  PT_LEVEL_MOUSE = 16,
  PT_LEVEL_KEYBOARD = 32,
  PT_LEVEL_CLIPBOARD = 64,
  PT_LEVEL_ALL_BITS = 127
};

/* The InputLevel bit an input needs (0: allowed at any level, e.g. a viewport size or a cursor). */
uint32_t pt_input_required_level(const pt_input *input);

/* What the receiving side of a stream has delivered and still holds. */
typedef struct pt_input_receiver {
  pt_gamepad_state pads[4]; /* the last state of each port, as the diffs built it */
  uint8_t held_keys[(PT_VIRTUAL_KEY_LIMIT + 7) / 8];
  uint8_t held_buttons; /* bit per MouseButton */
  uint8_t held_pads;    /* bit per port: the last state delivered for it was not neutral */
} pt_input_receiver;

/* Applies a decoded input: a gamepad diff becomes the port's full state (even when the port is not
 * granted, so that the state stays in step); returns 1 when it may be delivered at `level`, else 0. */
int pt_input_receiver_accept(pt_input_receiver *receiver, pt_input *input, uint32_t level);

typedef int (*pt_input_sink)(void *context, const pt_input *input);

/* Emits a release (key up, button up, neutral pad) for everything held that `level` no longer
 * allows, and forgets it; stops at the sink's first error and returns it. */
int pt_input_receiver_release(pt_input_receiver *receiver, uint32_t level, pt_input_sink sink, void *context);

#endif
