#include "input/input_sender.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"

#define SMALL_MESSAGE 1024

void pt_input_sender_init(pt_input_sender *s, int to_client, uint8_t stream_id) {
  memset(s, 0, sizeof *s);
  s->to_client = to_client != 0;
  s->stream_id = stream_id;
  s->last_motion_ms = -1e300; /* no move sent yet */
}

static int is_motion(const pt_input *in) {
  return in->type == PT_INPUT_MOUSE_ABSOLUTE || in->type == PT_INPUT_MOUSE_RELATIVE;
}

/* Sums of coalesced moves stay within what a record can carry. */
static int32_t saturating_add(int32_t a, int32_t b) {
  int64_t sum = (int64_t)a + b;
  return sum > PT_INPUT_MAX_COORDINATE ? PT_INPUT_MAX_COORDINATE : sum < -PT_INPUT_MAX_COORDINATE ? -PT_INPUT_MAX_COORDINATE : (int32_t)sum;
}

/* Emits one message: the waiting move (if any), then `input` (if any). */
static int emit_message(pt_input_sender *s, const pt_input *input, pt_input_emit emit, void *context) {
  uint8_t small[SMALL_MESSAGE];
  uint8_t *buffer = small;
  size_t capacity = sizeof small;
  size_t used = PT_INPUT_HEADER_SIZE;
  int records = 0;
  int status = PT_OK;
  pt_input_write_header(small, s->to_client, s->stream_id);
  if (s->has_waiting) {
    status = pt_input_encode(&s->waiting, buffer, capacity, &used);
    records++;
  }
  if (status == PT_OK && input != NULL) {
    status = pt_input_encode(input, buffer, capacity, &used);
    if (status == PT_ERR_BUFFER_TOO_SMALL) { /* text or a cursor image: room for the largest message */
      buffer = malloc(PT_INPUT_MAX_MESSAGE);
      if (buffer == NULL) return PT_ERR_NO_MEMORY;
      capacity = PT_INPUT_MAX_MESSAGE;
      memcpy(buffer, small, used);
      status = pt_input_encode(input, buffer, capacity, &used);
    }
    records++;
  }
  if (status == PT_OK) status = emit(context, buffer, used);
  if (buffer != small) free(buffer);
  if (status != PT_OK) return status;
  s->has_waiting = 0;
  s->records_sent += records;
  s->bytes_sent += (double)used;
  return records;
}

/* Turns a full gamepad state into the diff against the port's last sent state; 0 if nothing changed.
 * The sender's state is not touched: it changes only once the diff went out. */
static int gamepad_diff(const pt_input_sender *s, pt_input *in) {
  const uint8_t port = in->u.gamepad.slot, bit = (uint8_t)(1u << (port - 1));
  const pt_gamepad_state *last = &s->pads[port - 1];
  if (in->u.gamepad.changed == PT_GAMEPAD_DISCONNECTED) return (s->pad_known & bit) != 0;
  const pt_gamepad_state *now = &in->u.gamepad.state;
  uint8_t changed = 0;
  if (now->buttons != last->buttons) changed |= PT_GAMEPAD_BUTTONS;
  if (now->left_trigger != last->left_trigger) changed |= PT_GAMEPAD_LEFT_TRIGGER;
  if (now->right_trigger != last->right_trigger) changed |= PT_GAMEPAD_RIGHT_TRIGGER;
  if (now->left_x != last->left_x) changed |= PT_GAMEPAD_LEFT_X;
  if (now->left_y != last->left_y) changed |= PT_GAMEPAD_LEFT_Y;
  if (now->right_x != last->right_x) changed |= PT_GAMEPAD_RIGHT_X;
  if (now->right_y != last->right_y) changed |= PT_GAMEPAD_RIGHT_Y;
  /* The first report of a pad goes out even when neutral: it says the pad is there. */
  if (changed == 0 && (s->pad_known & bit)) return 0;
  in->u.gamepad.changed = changed;
  return 1;
}

/* Records what a gamepad record that went out says of its port. */
static void gamepad_sent(pt_input_sender *s, const pt_input *in) {
  const uint8_t port = in->u.gamepad.slot, bit = (uint8_t)(1u << (port - 1));
  if (in->u.gamepad.changed == PT_GAMEPAD_DISCONNECTED) {
    s->pad_known &= (uint8_t)~bit;
    memset(&s->pads[port - 1], 0, sizeof s->pads[port - 1]);
  } else {
    s->pad_known |= bit;
    s->pads[port - 1] = in->u.gamepad.state;
  }
}

int pt_input_sender_send(pt_input_sender *s, const pt_input *input, double now_ms, pt_input_emit emit, void *context) {
  if (s == NULL || input == NULL || emit == NULL) return PT_ERR_INVALID_ARGUMENT;
  if (!pt_input_type_allowed(input->type, s->to_client)) return PT_ERR_STATE;
  int status = pt_input_validate(input);
  if (status != PT_OK) return status;
  if (input->type == PT_INPUT_GAMEPAD) {
    if (input->u.gamepad.changed != 0 && input->u.gamepad.changed != PT_GAMEPAD_DISCONNECTED) return PT_ERR_BAD_VALUE;
    pt_input diff = *input;
    if (!gamepad_diff(s, &diff)) return 0;
    int sent = emit_message(s, &diff, emit, context);
    if (sent > 0) gamepad_sent(s, &diff);
    return sent;
  }
  if (!is_motion(input)) return emit_message(s, input, emit, context);
  if (s->has_waiting && s->waiting.type == input->type) {
    /* Within the interval: fold into the waiting move. */
    if (input->type == PT_INPUT_MOUSE_RELATIVE) {
      s->waiting.u.mouse.x = saturating_add(s->waiting.u.mouse.x, input->u.mouse.x);
      s->waiting.u.mouse.y = saturating_add(s->waiting.u.mouse.y, input->u.mouse.y);
    } else {
      s->waiting.u.mouse = input->u.mouse;
    }
    s->coalesced++;
    return 0;
  }
  if (!s->has_waiting && now_ms - s->last_motion_ms < PT_INPUT_COALESCE_MS) {
    s->waiting = *input;
    s->has_waiting = 1;
    return 0;
  }
  s->last_motion_ms = now_ms;
  return emit_message(s, input, emit, context); /* takes a waiting move of the other kind first */
}

double pt_input_sender_deadline(const pt_input_sender *s) {
  return s->has_waiting ? s->last_motion_ms + PT_INPUT_COALESCE_MS : -1.0;
}

int pt_input_sender_poll(pt_input_sender *s, double now_ms, pt_input_emit emit, void *context) {
  if (!s->has_waiting || now_ms < pt_input_sender_deadline(s)) return PT_OK;
  s->last_motion_ms = now_ms;
  int status = emit_message(s, NULL, emit, context);
  return status < 0 ? status : PT_OK;
}
