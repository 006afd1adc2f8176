/* libFuzzer target for the input path (docs/ARCHITECTURE.md "Tests"; design §6 "fuzz"): input records,
 * the permission filter and held-input release, the sender (coalescing, gamepad diffs) and JSON ↔ input,
 * all through the real core. Every run builds one core with a gateway connection, two peers and two
 * stream pairs (stream 4: host_peer hosts, client_peer watches; stream 7: the other way round), so
 * that both peers have a stream of each role; pt_core_destroy frees it all at the end (LeakSanitizer).
 *
 * The same bytes are used three ways:
 *  (c) as a JSON object: pt_input_from_json, then pt_stream_send_input on the stream whose direction
 *      the type travels in; what the core sends is fed to the other peer (it must be accepted) and the
 *      input event that comes out there must equal the input sent. Runs first, on the fresh core.
 *  (a) as records (pt_input_decode in a loop, from offset 0): the offset always advances and stays in
 *      bounds; a record that decodes re-encodes (canonically: never longer, byte-identical when as
 *      long), decodes again to the same value, and survives pt_input_to_json → text → pt_input_from_json.
 *  (b) as a script: data[0] and data[1] are the initial input levels of streams 4 and 7, then frames
 *      [op u8][level u8, for ops that take one][length LEB128, ≤ 3 bytes][message] until the end.
 *      op bits 0-1: whom the message goes to through pt_peer_input_receive (0 host_peer, 1 client_peer,
 *      2 both, 3 both the other way round); bits 2-4: what happens first (see run_action). Each message
 *      body (after its 2-byte header) also goes through (a). The output queue is drained after every
 *      step; what the core sends (input, control) is delivered to the other peer and must be accepted,
 *      every input event must parse back with pt_input_from_json, and no input event (a release
 *      included) may need an InputLevel bit its stream never had.
 *  Then (c)'s input, if any, is sent again on both pairs with an advancing clock (coalescing; a pad is
 *  reported connected before and disconnected after) and pt_core_handle_timeout runs after it.
 *
 * Build: cmake -DPT_FUZZ=ON with clang (see CMakeLists.txt). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "core/core.h"
#include "core/error.h"
#include "gateway/connection.h"
#include "input/input_filter.h"
#include "input/input_json.h"
#include "input/input_record.h"
#include "peer/peer.h"
#include "peer/peer_control.h"
#include "stream/stream.h"

#include "fuzz_support.h"


/* Text with U+0000 cannot cross pt_input_to_json (cJSON strings end at NUL); define this to compare
 * text exactly in the JSON round trip anyway. */
#ifndef FUZZ_STRICT_TEXT
#define FUZZ_STRICT_TEXT 0
#endif

static pt_core core;
static pt_handle host_peer, client_peer;
static pt_handle host_out, client_in;  /* stream 4 */
static pt_handle client_out, host_in;  /* stream 7 */
static double now_ms;
/* Per stream: every InputLevel bit it has had since it was created. An input event (a release
 * included: it undoes something that was delivered) may only need bits from here. */
static uint32_t ever_granted[4];

static uint8_t json_scratch[PT_INPUT_MAX_CURSOR_IMAGE];   /* (c)'s input's image lives here */
static uint8_t check_scratch[PT_INPUT_MAX_CURSOR_IMAGE];  /* round trips in (a) and event checks */
static uint8_t record_buffer[PT_INPUT_MAX_RECORD];
static uint8_t *take_buffer;
static size_t take_capacity;

/* (c)'s oracle: the input events of one stream, captured while draining. */
static pt_handle capture_handle;
static char *captured;
static size_t captured_length;
static int captured_count;

/* ---- comparing inputs ---- */

static int same_text(const uint8_t *a, size_t a_length, const uint8_t *b, size_t b_length, int exact) {
  if (!exact) { /* up to the first NUL, as a C string would carry it */
    const uint8_t *nul = a_length ? memchr(a, 0, a_length) : NULL;
    if (nul != NULL) a_length = (size_t)(nul - a);
    nul = b_length ? memchr(b, 0, b_length) : NULL;
    if (nul != NULL) b_length = (size_t)(nul - b);
  }
  return a_length == b_length && (a_length == 0 || memcmp(a, b, a_length) == 0);
}

static int same_pointer(const pt_pointer_info *a, const pt_pointer_info *b) {
  return a->pointer_id == b->pointer_id && a->frame_id == b->frame_id && a->pointer_flags == b->pointer_flags &&
         a->x == b->x && a->y == b->y;
}

static int same_pad(const pt_gamepad_state *a, const pt_gamepad_state *b) {
  return a->buttons == b->buttons && a->left_trigger == b->left_trigger && a->right_trigger == b->right_trigger &&
         a->left_x == b->left_x && a->left_y == b->left_y && a->right_x == b->right_x && a->right_y == b->right_y;
}

/* Field by field. exact_gamepad: compare the changed mask too (binary round trips); otherwise only
 * whether the pad is connected (JSON carries the full state, not the diff). */
static int same_input(const pt_input *a, const pt_input *b, int exact_gamepad, int exact_text) {
  if (a->type != b->type) return 0;
  switch (a->type) {
    case PT_INPUT_GAMEPAD:
      if (a->u.gamepad.slot != b->u.gamepad.slot) return 0;
      if (exact_gamepad) {
        if (a->u.gamepad.changed != b->u.gamepad.changed) return 0;
      } else if ((a->u.gamepad.changed == PT_GAMEPAD_DISCONNECTED) != (b->u.gamepad.changed == PT_GAMEPAD_DISCONNECTED)) {
        return 0;
      }
      return same_pad(&a->u.gamepad.state, &b->u.gamepad.state);
    case PT_INPUT_MOUSE_ABSOLUTE:
    case PT_INPUT_MOUSE_RELATIVE: return a->u.mouse.x == b->u.mouse.x && a->u.mouse.y == b->u.mouse.y;
    case PT_INPUT_MOUSE_CLICK: return a->u.click.action == b->u.click.action && a->u.click.button == b->u.click.button;
    case PT_INPUT_MOUSE_SCROLL: return a->u.scroll.axis == b->u.scroll.axis && a->u.scroll.delta == b->u.scroll.delta;
    case PT_INPUT_KEYBOARD: return a->u.key.action == b->u.key.action && a->u.key.key == b->u.key.key;
    case PT_INPUT_PASTE_TEXT:
    case PT_INPUT_CLIPBOARD:
      return same_text(a->u.text.bytes, a->u.text.length, b->u.text.bytes, b->u.text.length, exact_text);
    case PT_INPUT_TOUCHES:
      if (a->u.touches.count != b->u.touches.count) return 0;
      for (int i = 0; i < a->u.touches.count; i++) {
        const pt_touch *s = &a->u.touches.touches[i], *t = &b->u.touches.touches[i];
        if (!same_pointer(&s->pointer, &t->pointer) || s->touch_mask != t->touch_mask ||
            s->contact_left != t->contact_left || s->contact_top != t->contact_top ||
            s->contact_right != t->contact_right || s->contact_bottom != t->contact_bottom ||
            s->orientation != t->orientation || s->pressure != t->pressure) {
          return 0;
        }
      }
      return 1;
    case PT_INPUT_PEN:
      return same_pointer(&a->u.pen.pointer, &b->u.pen.pointer) && a->u.pen.pen_flags == b->u.pen.pen_flags &&
             a->u.pen.pen_mask == b->u.pen.pen_mask && a->u.pen.pressure == b->u.pen.pressure &&
             a->u.pen.rotation == b->u.pen.rotation && a->u.pen.tilt_x == b->u.pen.tilt_x &&
             a->u.pen.tilt_y == b->u.pen.tilt_y;
    case PT_INPUT_VIEWPORT:
      return a->u.viewport.width == b->u.viewport.width && a->u.viewport.height == b->u.viewport.height;
    case PT_INPUT_RUMBLE:
      return a->u.rumble.port == b->u.rumble.port && a->u.rumble.left_motor == b->u.rumble.left_motor &&
             a->u.rumble.right_motor == b->u.rumble.right_motor;
    case PT_INPUT_CURSOR_IMAGE:
      return a->u.cursor_image.hotspot_x == b->u.cursor_image.hotspot_x &&
             a->u.cursor_image.hotspot_y == b->u.cursor_image.hotspot_y &&
             a->u.cursor_image.width == b->u.cursor_image.width && a->u.cursor_image.height == b->u.cursor_image.height &&
             same_text(a->u.cursor_image.png, a->u.cursor_image.length, b->u.cursor_image.png, b->u.cursor_image.length, 1);
    case PT_INPUT_CURSOR_POSITION:
      return a->u.cursor_position.x == b->u.cursor_position.x && a->u.cursor_position.y == b->u.cursor_position.y &&
             a->u.cursor_position.visible == b->u.cursor_position.visible;
  }
  return 0;
}

/* Parses an event or printed JSON text and reads it as an input; the tree is returned for the caller
 * to delete after using `in` (text points into it). */
static cJSON *parse_input(const char *text, size_t length, pt_input *in) {
  cJSON *object = cJSON_ParseWithLength(text, length);
  FUZZ_CHECK(object != NULL && cJSON_IsObject(object));
  const char *field = NULL;
  int status = pt_input_from_json(object, in, check_scratch, sizeof check_scratch, &field);
  if (status != PT_OK) {
    fprintf(stderr, "pt_input_from_json refused the core's own JSON (%s, field %s): %.*s\n", pt_error_name(status),
            field ? field : "-", (int)(length > 300 ? 300 : length), text);
  }
  FUZZ_CHECK(status == PT_OK);
  return object;
}

static uint32_t *granted_of(pt_handle stream) {
  if (stream == host_out) return &ever_granted[0];
  if (stream == client_in) return &ever_granted[1];
  if (stream == client_out) return &ever_granted[2];
  if (stream == host_in) return &ever_granted[3];
  return NULL;
}

/* Reads a stream's level after anything that may have changed it. */
static void note_level(pt_handle stream) {
  uint32_t level = 0;
  FUZZ_CHECK(pt_stream_input_level(&core, stream, &level) == PT_OK);
  *granted_of(stream) |= level;
}

/* ---- (a) records ---- */

static void check_round_trip(const pt_input *in, const uint8_t *record, size_t record_length) {
  FUZZ_CHECK(pt_input_validate(in) == PT_OK);
  /* Binary: canonical re-encoding, same value. */
  size_t used = 0;
  FUZZ_CHECK(pt_input_encode(in, record_buffer, sizeof record_buffer, &used) == PT_OK);
  FUZZ_CHECK(used <= record_length);
  if (used == record_length) FUZZ_CHECK(memcmp(record_buffer, record, used) == 0);
  size_t offset = 0;
  pt_input again;
  FUZZ_CHECK(pt_input_decode(record_buffer, used, &offset, &again) == PT_OK);
  FUZZ_CHECK(offset == used);
  FUZZ_CHECK(same_input(in, &again, 1, 1));
  /* A buffer one byte short is refused without writing past it. */
  size_t short_used = 0;
  FUZZ_CHECK(pt_input_encode(in, record_buffer, used - 1, &short_used) == PT_ERR_BUFFER_TOO_SMALL && short_used == 0);
  /* JSON: what the app would see reads back as the same input. */
  cJSON *object = pt_input_to_json(in);
  FUZZ_CHECK(object != NULL);
  char *text = cJSON_PrintUnformatted(object);
  cJSON_Delete(object);
  FUZZ_CHECK(text != NULL);
  pt_input back;
  cJSON *tree = parse_input(text, strlen(text), &back);
  FUZZ_CHECK(same_input(in, &back, 0, FUZZ_STRICT_TEXT));
  cJSON_Delete(tree);
  cJSON_free(text);
}

static void check_records(const uint8_t *data, size_t size) {
  size_t offset = 0;
  pt_input *in = malloc(sizeof *in);
  FUZZ_CHECK(in != NULL);
  while (offset < size) {
    const size_t before = offset;
    int status = pt_input_decode(data, size, &offset, in);
    if (status == PT_ERR_MALFORMED) { /* the framing is lost: nothing consumed, the caller stops */
      FUZZ_CHECK(offset == before);
      break;
    }
    FUZZ_CHECK(offset > before && offset <= size);
    FUZZ_CHECK(status == PT_OK || status == PT_ERR_UNEXPECTED_MESSAGE || status == PT_ERR_BAD_VALUE ||
               status == PT_ERR_TOO_LARGE);
    if (status == PT_OK) check_round_trip(in, data + before, offset - before);
  }
  free(in);
}

/* ---- the core ---- */

static pt_handle other_peer(pt_handle peer) {
  FUZZ_CHECK(peer == host_peer || peer == client_peer);
  return peer == host_peer ? client_peer : host_peer;
}

static void check_event(const pt_output_info *info, const char *payload, size_t length) {
  /* No stream or peer ever closes here: timeouts are far away and nothing stops a stream. */
  FUZZ_CHECK(info->code != PT_EVENT_STREAM_CLOSED && info->code != PT_EVENT_PEER_CLOSED);
  if (info->code == PT_EVENT_STREAM_PERMISSIONS) note_level(info->handle);
  if (info->code != PT_EVENT_STREAM_INPUT) return;
  pt_input in;
  cJSON *tree = parse_input(payload, length, &in);
  cJSON_Delete(tree);
  const uint32_t *granted = granted_of(info->handle);
  FUZZ_CHECK(granted != NULL);
  const uint32_t required = pt_input_required_level(&in);
  if ((required & *granted) != required) {
    fprintf(stderr, "input event beyond every level the stream ever had (0x%x): %.*s\n", (unsigned)*granted,
            (int)length, payload);
  }
  FUZZ_CHECK((required & *granted) == required);
  if (info->handle == capture_handle) {
    captured_count++;
    if (captured == NULL) {
      captured = malloc(length + 1);
      FUZZ_CHECK(captured != NULL);
      memcpy(captured, payload, length);
      captured[length] = '\0';
      captured_length = length;
    }
  }
}

/* Whatever the core sends on a peer's link arrives at the other peer, and is accepted there. */
static void route(const pt_output_info *info, const uint8_t *payload, size_t length) {
  int status;
  switch (info->code) {
    case PT_TRANSPORT_INPUT: {
      pt_handle from = pt_stream_peer(&core, info->handle);
      FUZZ_CHECK(from != 0);
      /* The direction bit says which role sent it: an outbound (host) stream sends to the client. */
      FUZZ_CHECK(length >= PT_INPUT_HEADER_SIZE);
      const int to_client = (payload[0] & PT_INPUT_TO_CLIENT) != 0;
      FUZZ_CHECK(to_client == (info->handle == host_out || info->handle == client_out));
      FUZZ_CHECK(length <= PT_INPUT_MAX_MESSAGE);
      check_records(payload + PT_INPUT_HEADER_SIZE, length - PT_INPUT_HEADER_SIZE);
      status = pt_peer_input_receive(&core, other_peer(from), payload, length);
      if (status != PT_OK) fprintf(stderr, "own input message refused: %s\n", pt_error_name(status));
      FUZZ_CHECK(status == PT_OK);
      break;
    }
    case PT_TRANSPORT_CONTROL:
      status = pt_peer_control_receive(&core, other_peer(info->handle), (const char *)payload, length, now_ms);
      if (status != PT_OK) fprintf(stderr, "own control message refused: %s: %.*s\n", pt_error_name(status), (int)length, payload);
      FUZZ_CHECK(status == PT_OK);
      break;
    default:
      break; /* the gateway */
  }
}

/* Drains the output queue; with `loopback`, sends are delivered to the other side (their outputs too). */
static void drain(int loopback) {
  for (int guard = 0; guard < 1000000; guard++) {
    pt_output_info info;
    int kind = pt_output_queue_peek(&core.outputs, &info);
    if (kind == PT_OUTPUT_NONE) return;
    if (info.length + 1 > take_capacity) {
      free(take_buffer);
      take_capacity = info.length + 1;
      take_buffer = malloc(take_capacity);
      FUZZ_CHECK(take_buffer != NULL);
    }
    int length = pt_output_queue_take(&core.outputs, take_buffer, take_capacity);
    FUZZ_CHECK(length >= 0);
    if (kind == PT_OUTPUT_DEADLINE) continue;
    FUZZ_CHECK((uint32_t)length == info.length);
    /* Copy out: routing pushes more outputs, and may need take_buffer for them later. */
    uint8_t *copy = malloc((size_t)length + 1);
    FUZZ_CHECK(copy != NULL);
    memcpy(copy, take_buffer, (size_t)length);
    copy[length] = 0;
    if (kind == PT_OUTPUT_EVENT) check_event(&info, (const char *)copy, (size_t)length);
    else if (kind == PT_OUTPUT_SEND && loopback) route(&info, copy, (size_t)length);
    free(copy);
  }
  FUZZ_CHECK(!"the output queue never drains");
}

static void make_pair(pt_handle host, pt_handle client, uint8_t id, uint32_t level, pt_handle *outbound,
                      pt_handle *inbound) {
  pt_stream_description description;
  memset(&description, 0, sizeof description);
  description.stream_id = id;
  description.default_input_level = level; /* no media: input only, and no frame assemblers to build */
  *outbound = pt_stream_create_outbound(&core, host, &description);
  FUZZ_CHECK(*outbound > 0);
  *inbound = pt_stream_create_inbound(&core, client, &description, 0);
  FUZZ_CHECK(*inbound > 0);
}

static void setup(uint32_t level4, uint32_t level7) {
  fuzz_core_with_two_peers(&core, &host_peer, &client_peer);
  now_ms = 0;
  make_pair(host_peer, client_peer, 4, level4, &host_out, &client_in);
  make_pair(client_peer, host_peer, 7, level7, &client_out, &host_in);
  memset(ever_granted, 0, sizeof ever_granted);
  note_level(host_out);
  note_level(client_in);
  note_level(client_out);
  note_level(host_in);
  drain(0);
}

static void check_level_status(int status, unsigned level) {
  FUZZ_CHECK(level <= PT_LEVEL_ALL_BITS ? status == PT_OK : status == PT_ERR_BAD_VALUE);
}

/* Sets a level the way `action` says; the stream's new level counts as granted before the releases
 * it causes are checked, so the level is noted by hand first (a release never needs the new bits). */
static int set_level(pt_handle stream, unsigned level, int with_permissions) {
  if (level <= PT_LEVEL_ALL_BITS) *granted_of(stream) |= level;
  return with_permissions ? pt_peer_set_permissions(&core, stream, level) : pt_stream_set_input_level(&core, stream, level);
}

/* op bits 2-4. */
static void run_action(int action, unsigned level, double advance_ms) {
  static const char leave[] = "{\"type\":\"stream-leave\",\"streamId\":4}";
  switch (action) {
    case 1: check_level_status(set_level(host_out, level, 1), level); break;
    case 2: check_level_status(set_level(client_in, level, 0), level); break;
    case 3: check_level_status(set_level(host_out, level, 0), level); break;
    case 4: FUZZ_CHECK(pt_peer_control_receive(&core, host_peer, leave, strlen(leave), now_ms) == PT_OK); break;
    case 5:
      now_ms += advance_ms;
      FUZZ_CHECK(pt_core_handle_timeout(&core, now_ms) == PT_OK);
      break;
    case 6: check_level_status(set_level(client_out, level, 1), level); break;
    case 7: FUZZ_CHECK(pt_stream_release_input(&core, client_out) == PT_OK); break;
    default: break;
  }
  drain(1);
}

static void receive(pt_handle peer, const uint8_t *message, size_t length) {
  int status = pt_peer_input_receive(&core, peer, message, length);
  FUZZ_CHECK(status == PT_OK || status == PT_ERR_MALFORMED || status == PT_ERR_TOO_LARGE ||
             status == PT_ERR_UNSUPPORTED_VERSION || status == PT_ERR_UNEXPECTED_MESSAGE);
  drain(1);
}

static void run_script(const uint8_t *data, size_t size) {
  size_t at = 2;
  while (at < size) {
    const uint8_t op = data[at++];
    const int action = (op >> 2) & 7;
    unsigned level = 0;
    if (action == 1 || action == 2 || action == 3 || action == 6) {
      if (at >= size) break;
      level = data[at++];
    }
    size_t length = 0;
    for (int shift = 0; shift <= 14 && at < size; shift += 7) {
      const uint8_t byte = data[at++];
      length |= (size_t)(byte & 0x7f) << shift;
      if (!(byte & 0x80)) break;
    }
    if (length > size - at) length = size - at;
    /* An exact-size copy, so that ASan sees any read past the message. */
    uint8_t *message = malloc(length ? length : 1);
    FUZZ_CHECK(message != NULL);
    if (length) memcpy(message, data + at, length);
    at += length;
    run_action(action, level, 0.25 + (op >> 5));
    if (length > PT_INPUT_HEADER_SIZE) check_records(message + PT_INPUT_HEADER_SIZE, length - PT_INPUT_HEADER_SIZE);
    switch (op & 3) {
      case 0: receive(host_peer, message, length); break;
      case 1: receive(client_peer, message, length); break;
      case 2:
        receive(host_peer, message, length);
        receive(client_peer, message, length);
        break;
      default:
        receive(client_peer, message, length);
        receive(host_peer, message, length);
        break;
    }
    free(message);
  }
}

/* ---- (c) JSON ---- */

/* The stream that sends a type (client → host types go out on the client's inbound stream). */
static pt_handle sender_for(int pair7, int to_client) {
  if (to_client) return pair7 ? client_out : host_out;
  return pair7 ? host_in : client_in;
}

static pt_handle receiver_of(pt_handle sender) {
  return sender == host_out ? client_in : sender == client_in ? host_out : sender == client_out ? host_in : client_out;
}

/* On the fresh core with every level granted: the input arrives as itself. */
static void send_and_compare(const pt_input *in) {
  for (int to_client = 0; to_client <= 1; to_client++) {
    pt_handle sender = sender_for(0, to_client);
    if (!pt_input_type_allowed(in->type, to_client)) {
      FUZZ_CHECK(pt_stream_send_input(&core, sender, in, now_ms) == PT_ERR_STATE);
      continue;
    }
    capture_handle = receiver_of(sender);
    captured_count = 0;
    int sent = pt_stream_send_input(&core, sender, in, now_ms);
    FUZZ_CHECK(sent == 0 || sent == 1);
    drain(1);
    /* Nothing is held back on a fresh stream except a disconnect of a pad never reported. */
    if (sent == 0) {
      FUZZ_CHECK(in->type == PT_INPUT_GAMEPAD && in->u.gamepad.changed == PT_GAMEPAD_DISCONNECTED);
      FUZZ_CHECK(captured_count == 0);
    } else {
      FUZZ_CHECK(captured_count == 1);
      pt_input arrived;
      cJSON *tree = parse_input(captured, captured_length, &arrived);
      if (!same_input(in, &arrived, 0, 1)) fprintf(stderr, "sent input arrived as %s\n", captured);
      FUZZ_CHECK(same_input(in, &arrived, 0, 1));
      cJSON_Delete(tree);
    }
    free(captured);
    captured = NULL;
    capture_handle = 0;
    now_ms += 5;
  }
}

/* After the script: the same input again on both pairs, coalescing in between, then the timers. */
static void send_repeatedly(const pt_input *in) {
  static const double steps[] = {0, 0.25, 0.5, 1.75, 1.8};
  for (int pair7 = 0; pair7 <= 1; pair7++) {
    for (int to_client = 0; to_client <= 1; to_client++) {
      if (!pt_input_type_allowed(in->type, to_client)) continue;
      pt_handle sender = sender_for(pair7, to_client);
      /* A pad: reported connected first (so that the input is a diff, or a disconnect of a known
       * pad), and disconnected after. */
      pt_input pad = {.type = PT_INPUT_GAMEPAD};
      pad.u.gamepad.slot = in->u.gamepad.slot;
      if (in->type == PT_INPUT_GAMEPAD) {
        FUZZ_CHECK(pt_stream_send_input(&core, sender, &pad, now_ms) >= 0);
        drain(1);
      }
      for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        int sent = pt_stream_send_input(&core, sender, in, now_ms + steps[i]);
        FUZZ_CHECK(sent == 0 || sent == 1);
        drain(1);
      }
      if (in->type == PT_INPUT_GAMEPAD) {
        pad.u.gamepad.changed = PT_GAMEPAD_DISCONNECTED;
        FUZZ_CHECK(pt_stream_send_input(&core, sender, &pad, now_ms + 2) >= 0);
        drain(1);
      }
    }
  }
  now_ms += 5; /* past every coalesced move's deadline */
  FUZZ_CHECK(pt_core_handle_timeout(&core, now_ms) == PT_OK);
  drain(1);
  /* Nothing is left waiting. */
  FUZZ_CHECK(pt_stream_deadline(&core, host_out) < 0 && pt_stream_deadline(&core, client_in) < 0 &&
             pt_stream_deadline(&core, client_out) < 0 && pt_stream_deadline(&core, host_in) < 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  setup(size > 0 ? data[0] & PT_LEVEL_ALL_BITS : PT_LEVEL_ALL_BITS, size > 1 ? data[1] & PT_LEVEL_ALL_BITS : 0);

  /* (c) first, on the fresh core. */
  pt_input *json_input = NULL;
  cJSON *object = size > 0 ? cJSON_ParseWithLength((const char *)data, size) : NULL;
  if (object != NULL && cJSON_IsObject(object)) {
    json_input = malloc(sizeof *json_input);
    FUZZ_CHECK(json_input != NULL);
    const char *field = NULL;
    int status = pt_input_from_json(object, json_input, json_scratch, sizeof json_scratch, &field);
    if (status == PT_OK) {
      FUZZ_CHECK(pt_input_validate(json_input) == PT_OK);
      FUZZ_CHECK(set_level(host_out, PT_LEVEL_ALL_BITS, 1) == PT_OK);
      drain(1);
      send_and_compare(json_input);
    } else {
      FUZZ_CHECK(field != NULL);
      free(json_input);
      json_input = NULL;
    }
  }

  /* (a) the whole input as records. */
  check_records(data, size);

  /* (b) the script. */
  run_script(data, size);

  if (json_input != NULL) send_repeatedly(json_input);
  free(json_input);
  cJSON_Delete(object);

  pt_core_destroy(&core);
  return 0;
}
