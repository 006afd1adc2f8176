/* The permission filter per level and per gamepad port, releases on revoke, and the sender's
 * coalescing and gamepad diffs. */
#include "input/input_filter.h"

#include <string.h>

#include "check.h"
#include "input/input_sender.h"

static pt_input key(int action, int vk) {
  pt_input in = {.type = PT_INPUT_KEYBOARD};
  in.u.key.action = (uint8_t)action;
  in.u.key.key = (uint8_t)vk;
  return in;
}

static pt_input click(int action, int button) {
  pt_input in = {.type = PT_INPUT_MOUSE_CLICK};
  in.u.click.action = (uint8_t)action;
  in.u.click.button = (uint8_t)button;
  return in;
}

static pt_input pad(int slot, uint8_t changed, pt_gamepad_state state) {
  pt_input in = {.type = PT_INPUT_GAMEPAD};
  in.u.gamepad.slot = (uint8_t)slot;
  in.u.gamepad.changed = changed;
  in.u.gamepad.state = state;
  return in;
}

static pt_input move(pt_input_type type, int x, int y) {
  pt_input in = {.type = type};
  in.u.mouse.x = x;
  in.u.mouse.y = y;
  return in;
}

static void test_required_levels(void) {
  pt_input in = key(0, 44);
  CHECK_EQ(pt_input_required_level(&in), PT_LEVEL_KEYBOARD);
  in.type = PT_INPUT_PASTE_TEXT;
  CHECK_EQ(pt_input_required_level(&in), PT_LEVEL_KEYBOARD);
  in = click(0, 0);
  CHECK_EQ(pt_input_required_level(&in), PT_LEVEL_MOUSE);
  in.type = PT_INPUT_TOUCHES;
  CHECK_EQ(pt_input_required_level(&in), PT_LEVEL_MOUSE);
  in.type = PT_INPUT_PEN;
  CHECK_EQ(pt_input_required_level(&in), PT_LEVEL_MOUSE);
  in.type = PT_INPUT_CLIPBOARD;
  CHECK_EQ(pt_input_required_level(&in), PT_LEVEL_CLIPBOARD);
  in.type = PT_INPUT_VIEWPORT;
  CHECK_EQ(pt_input_required_level(&in), 0);
  for (int slot = 1; slot <= 4; slot++) {
    in = pad(slot, 0, (pt_gamepad_state){0});
    CHECK_EQ(pt_input_required_level(&in), 1 << (slot - 1));
  }
}

typedef struct released {
  pt_input inputs[16];
  int count;
} released;

static int collect(void *context, const pt_input *input) {
  released *r = context;
  CHECK(r->count < 16);
  r->inputs[r->count++] = *input;
  return PT_OK;
}

static void test_filter_per_level_and_port(void) {
  pt_input_receiver receiver;
  memset(&receiver, 0, sizeof receiver);
  const uint32_t level = PT_LEVEL_KEYBOARD | PT_LEVEL_GAMEPAD_PORT1 << 2; /* keyboard, port 3 */
  pt_input in = key(0, 44);
  CHECK_EQ(pt_input_receiver_accept(&receiver, &in, level), 1);
  in = click(0, 1);
  CHECK_EQ(pt_input_receiver_accept(&receiver, &in, level), 0);
  in = pad(3, PT_GAMEPAD_BUTTONS, (pt_gamepad_state){.buttons = 0x1000});
  CHECK_EQ(pt_input_receiver_accept(&receiver, &in, level), 1);
  CHECK_EQ(in.u.gamepad.state.buttons, 0x1000);
  /* Port 2 is not granted: dropped, but its state is kept in step with the diffs. */
  in = pad(2, PT_GAMEPAD_LEFT_X, (pt_gamepad_state){.left_x = 100});
  CHECK_EQ(pt_input_receiver_accept(&receiver, &in, level), 0);
  in = pad(2, PT_GAMEPAD_LEFT_Y, (pt_gamepad_state){.left_y = -7});
  CHECK_EQ(pt_input_receiver_accept(&receiver, &in, level | 2), 1);
  CHECK(in.u.gamepad.state.left_x == 100 && in.u.gamepad.state.left_y == -7); /* the full state */
  in = pad(3, PT_GAMEPAD_RIGHT_TRIGGER, (pt_gamepad_state){.right_trigger = 200});
  CHECK_EQ(pt_input_receiver_accept(&receiver, &in, level), 1);
  CHECK(in.u.gamepad.state.buttons == 0x1000 && in.u.gamepad.state.right_trigger == 200);
  in = pad(3, PT_GAMEPAD_DISCONNECTED, (pt_gamepad_state){0});
  CHECK_EQ(pt_input_receiver_accept(&receiver, &in, level), 1);
  CHECK(in.u.gamepad.state.buttons == 0 && in.u.gamepad.state.right_trigger == 0);
}

static void test_revoking_releases_what_is_held(void) {
  pt_input_receiver receiver;
  memset(&receiver, 0, sizeof receiver);
  const uint32_t all = PT_LEVEL_ALL_BITS;
  pt_input in = key(0, 44);
  pt_input_receiver_accept(&receiver, &in, all);
  in = key(0, 116);
  pt_input_receiver_accept(&receiver, &in, all);
  in = key(1, 44); /* released by the client already */
  pt_input_receiver_accept(&receiver, &in, all);
  in = click(0, 2);
  pt_input_receiver_accept(&receiver, &in, all);
  in = pad(4, PT_GAMEPAD_BUTTONS, (pt_gamepad_state){.buttons = 0x2000});
  pt_input_receiver_accept(&receiver, &in, all);
  in = pad(1, 0, (pt_gamepad_state){0}); /* connected, neutral: nothing to release */
  pt_input_receiver_accept(&receiver, &in, all);

  released r = {.count = 0};
  /* Keyboard revoked: only the held key goes up. */
  CHECK_EQ(pt_input_receiver_release(&receiver, all & ~PT_LEVEL_KEYBOARD, collect, &r), PT_OK);
  CHECK_EQ(r.count, 1);
  CHECK(r.inputs[0].type == PT_INPUT_KEYBOARD && r.inputs[0].u.key.action == 1 && r.inputs[0].u.key.key == 116);
  /* Nothing left of it: a second revoke releases nothing more. */
  r.count = 0;
  CHECK_EQ(pt_input_receiver_release(&receiver, all & ~PT_LEVEL_KEYBOARD, collect, &r), PT_OK);
  CHECK_EQ(r.count, 0);
  /* Everything revoked (the stream ends): the button and the pad on port 4. */
  CHECK_EQ(pt_input_receiver_release(&receiver, 0, collect, &r), PT_OK);
  CHECK_EQ(r.count, 2);
  CHECK(r.inputs[0].type == PT_INPUT_MOUSE_CLICK && r.inputs[0].u.click.action == 1 && r.inputs[0].u.click.button == 2);
  CHECK(r.inputs[1].type == PT_INPUT_GAMEPAD && r.inputs[1].u.gamepad.slot == 4 && r.inputs[1].u.gamepad.state.buttons == 0);
}

typedef struct sent {
  uint8_t messages[8][256];
  size_t lengths[8];
  int count;
} sent;

static int capture(void *context, const uint8_t *message, size_t length) {
  sent *s = context;
  CHECK(s->count < 8 && length <= 256);
  memcpy(s->messages[s->count], message, length);
  s->lengths[s->count++] = length;
  return PT_OK;
}

/* Decodes every record of message i into out; returns how many. */
static int records_of(const sent *s, int i, pt_input *out, int max) {
  int to_client;
  uint8_t stream_id;
  CHECK_EQ(pt_input_read_header(s->messages[i], s->lengths[i], &to_client, &stream_id), PT_OK);
  CHECK(to_client == 0 && stream_id == 9);
  int n = 0;
  for (size_t offset = PT_INPUT_HEADER_SIZE; offset < s->lengths[i];) {
    CHECK(n < max);
    CHECK_EQ(pt_input_decode(s->messages[i], s->lengths[i], &offset, &out[n++]), PT_OK);
  }
  return n;
}

static void test_relative_moves_coalesce_within_a_millisecond(void) {
  pt_input_sender sender;
  pt_input_sender_init(&sender, 0, 9);
  sent s = {.count = 0};
  pt_input m = move(PT_INPUT_MOUSE_RELATIVE, 3, -1);
  CHECK_EQ(pt_input_sender_send(&sender, &m, 100.0, capture, &s), 1); /* the first goes at once */
  CHECK_EQ(pt_input_sender_deadline(&sender), -1);
  CHECK_EQ(pt_input_sender_send(&sender, &m, 100.2, capture, &s), 0);
  m = move(PT_INPUT_MOUSE_RELATIVE, 4, 10);
  CHECK_EQ(pt_input_sender_send(&sender, &m, 100.5, capture, &s), 0);
  CHECK_EQ(s.count, 1);
  CHECK(pt_input_sender_deadline(&sender) == 101.0);
  CHECK_EQ(pt_input_sender_poll(&sender, 100.9, capture, &s), PT_OK);
  CHECK_EQ(s.count, 1);
  CHECK_EQ(pt_input_sender_poll(&sender, 101.0, capture, &s), PT_OK);
  CHECK_EQ(s.count, 2);
  pt_input out[4];
  CHECK_EQ(records_of(&s, 1, out, 4), 1);
  CHECK(out[0].type == PT_INPUT_MOUSE_RELATIVE && out[0].u.mouse.x == 7 && out[0].u.mouse.y == 9); /* summed */
  CHECK_EQ(pt_input_sender_deadline(&sender), -1);
  /* A click while a move waits takes the move with it, in order, in one message. */
  CHECK_EQ(pt_input_sender_send(&sender, &m, 101.5, capture, &s), 0);
  pt_input c = click(0, 0);
  CHECK_EQ(pt_input_sender_send(&sender, &c, 101.6, capture, &s), 2);
  CHECK_EQ(records_of(&s, 2, out, 4), 2);
  CHECK(out[0].type == PT_INPUT_MOUSE_RELATIVE && out[0].u.mouse.x == 4);
  CHECK(out[1].type == PT_INPUT_MOUSE_CLICK);
  CHECK_EQ(pt_input_sender_deadline(&sender), -1);
  /* Sums saturate instead of wrapping. */
  pt_input big = move(PT_INPUT_MOUSE_RELATIVE, PT_INPUT_MAX_COORDINATE, -PT_INPUT_MAX_COORDINATE);
  CHECK_EQ(pt_input_sender_send(&sender, &big, 101.7, capture, &s), 0);
  CHECK_EQ(pt_input_sender_send(&sender, &big, 101.8, capture, &s), 0);
  CHECK_EQ(pt_input_sender_poll(&sender, 200, capture, &s), PT_OK);
  CHECK_EQ(records_of(&s, 3, out, 4), 1);
  CHECK(out[0].u.mouse.x == PT_INPUT_MAX_COORDINATE && out[0].u.mouse.y == -PT_INPUT_MAX_COORDINATE);
  CHECK_EQ(sender.coalesced, 2); /* two moves folded into waiting ones */
}

static void test_absolute_positions_replace_and_kinds_keep_order(void) {
  pt_input_sender sender;
  pt_input_sender_init(&sender, 0, 9);
  sent s = {.count = 0};
  pt_input a = move(PT_INPUT_MOUSE_ABSOLUTE, 10, 10);
  CHECK_EQ(pt_input_sender_send(&sender, &a, 0, capture, &s), 1);
  a = move(PT_INPUT_MOUSE_ABSOLUTE, 20, 20);
  CHECK_EQ(pt_input_sender_send(&sender, &a, 0.1, capture, &s), 0);
  a = move(PT_INPUT_MOUSE_ABSOLUTE, 30, 40);
  CHECK_EQ(pt_input_sender_send(&sender, &a, 0.2, capture, &s), 0);
  /* A relative move does not fold into a waiting absolute one: both go, in order. */
  pt_input r = move(PT_INPUT_MOUSE_RELATIVE, 1, 1);
  CHECK_EQ(pt_input_sender_send(&sender, &r, 0.3, capture, &s), 2);
  pt_input out[4];
  CHECK_EQ(records_of(&s, 1, out, 4), 2);
  CHECK(out[0].type == PT_INPUT_MOUSE_ABSOLUTE && out[0].u.mouse.x == 30 && out[0].u.mouse.y == 40);
  CHECK(out[1].type == PT_INPUT_MOUSE_RELATIVE);
}

static void test_gamepads_send_only_changes(void) {
  pt_input_sender sender;
  pt_input_sender_init(&sender, 0, 9);
  sent s = {.count = 0};
  pt_input p = pad(2, 0, (pt_gamepad_state){0});
  CHECK_EQ(pt_input_sender_send(&sender, &p, 0, capture, &s), 1); /* first report: the pad is there */
  CHECK_EQ(pt_input_sender_send(&sender, &p, 1, capture, &s), 0); /* unchanged: nothing */
  p.u.gamepad.state.left_x = 1000;
  p.u.gamepad.state.buttons = 0x1000;
  CHECK_EQ(pt_input_sender_send(&sender, &p, 2, capture, &s), 1);
  pt_input out[2];
  CHECK_EQ(records_of(&s, 1, out, 2), 1);
  CHECK_EQ(out[0].u.gamepad.changed, PT_GAMEPAD_LEFT_X | PT_GAMEPAD_BUTTONS);
  CHECK_EQ(s.lengths[1], 2 + 2 + 2 + 2 + 2); /* header, type+length, port+mask, buttons, stick */
  /* Another port has its own state. */
  pt_input other = pad(3, 0, (pt_gamepad_state){.left_x = 1000});
  CHECK_EQ(pt_input_sender_send(&sender, &other, 3, capture, &s), 1);
  CHECK_EQ(records_of(&s, 2, out, 2), 1);
  CHECK_EQ(out[0].u.gamepad.changed, PT_GAMEPAD_LEFT_X);
  /* Disconnect once; a second disconnect of a gone pad sends nothing. */
  pt_input gone = pad(2, PT_GAMEPAD_DISCONNECTED, (pt_gamepad_state){0});
  CHECK_EQ(pt_input_sender_send(&sender, &gone, 4, capture, &s), 1);
  CHECK_EQ(pt_input_sender_send(&sender, &gone, 5, capture, &s), 0);
  /* A diff from the app (not a full state) is refused, as is a host-only record. */
  pt_input partial = pad(1, PT_GAMEPAD_BUTTONS, (pt_gamepad_state){0});
  CHECK_EQ(pt_input_sender_send(&sender, &partial, 6, capture, &s), PT_ERR_BAD_VALUE);
  pt_input rumble = {.type = PT_INPUT_RUMBLE};
  rumble.u.rumble.port = 1;
  CHECK_EQ(pt_input_sender_send(&sender, &rumble, 6, capture, &s), PT_ERR_STATE);
  pt_input_sender host;
  pt_input_sender_init(&host, 1, 9);
  pt_input k = key(0, 44);
  CHECK_EQ(pt_input_sender_send(&host, &k, 0, capture, &s), PT_ERR_STATE);
}

static void test_ungranted_pads_are_never_released(void) {
  pt_input_receiver receiver;
  memset(&receiver, 0, sizeof receiver);
  /* Port 3 is not granted: its diffs are followed but never delivered, so never released either. */
  pt_input in = pad(3, PT_GAMEPAD_BUTTONS, (pt_gamepad_state){.buttons = 1});
  CHECK_EQ(pt_input_receiver_accept(&receiver, &in, PT_LEVEL_KEYBOARD), 0);
  released r = {.count = 0};
  CHECK_EQ(pt_input_receiver_release(&receiver, 0, collect, &r), PT_OK);
  CHECK_EQ(r.count, 0);
  /* Granted, released on revoke, and the port's state survives for the client's next difference. */
  in = pad(3, PT_GAMEPAD_LEFT_X, (pt_gamepad_state){.left_x = 5});
  CHECK_EQ(pt_input_receiver_accept(&receiver, &in, PT_LEVEL_GAMEPAD), 1);
  CHECK(in.u.gamepad.state.buttons == 1 && in.u.gamepad.state.left_x == 5);
  CHECK_EQ(pt_input_receiver_release(&receiver, 0, collect, &r), PT_OK);
  CHECK_EQ(r.count, 1);
  CHECK(r.inputs[0].u.gamepad.slot == 3 && r.inputs[0].u.gamepad.state.buttons == 0);
  in = pad(3, PT_GAMEPAD_LEFT_Y, (pt_gamepad_state){.left_y = -5});
  CHECK_EQ(pt_input_receiver_accept(&receiver, &in, PT_LEVEL_GAMEPAD), 1);
  CHECK(in.u.gamepad.state.buttons == 1 && in.u.gamepad.state.left_x == 5 && in.u.gamepad.state.left_y == -5);
}

static int refuse(void *context, const uint8_t *message, size_t length) {
  (void)context, (void)message, (void)length;
  return PT_ERR_QUEUE_FULL;
}

static void test_a_gamepad_change_that_could_not_go_out_is_sent_again(void) {
  pt_input_sender sender;
  pt_input_sender_init(&sender, 0, 9);
  sent s = {.count = 0};
  pt_input p = pad(1, 0, (pt_gamepad_state){.buttons = 0x1000});
  CHECK_EQ(pt_input_sender_send(&sender, &p, 0, refuse, NULL), PT_ERR_QUEUE_FULL);
  CHECK_EQ(pt_input_sender_send(&sender, &p, 1, capture, &s), 1);
  pt_input out[2];
  CHECK_EQ(records_of(&s, 0, out, 2), 1);
  CHECK_EQ(out[0].u.gamepad.state.buttons, 0x1000);
}

int main(void) {
  RUN(test_required_levels);
  RUN(test_filter_per_level_and_port);
  RUN(test_revoking_releases_what_is_held);
  RUN(test_relative_moves_coalesce_within_a_millisecond);
  RUN(test_absolute_positions_replace_and_kinds_keep_order);
  RUN(test_gamepads_send_only_changes);
  RUN(test_ungranted_pads_are_never_released);
  RUN(test_a_gamepad_change_that_could_not_go_out_is_sent_again);
  return 0;
}
