/* libFuzzer target for the wasm boundary (src/wasm/boundary.c, built natively here): every export that takes a
 * (pointer, length) pair or a capacity, called as js/core/wasm.js would but with what a hostile page, peer
 * or gateway could put there. Each byte string is copied into a block of exactly its length (a length is
 * never larger than its block: wasm.js copies every value in), so AddressSanitizer sees any read or write
 * past it; a script flag passes NULL for an empty one instead, which the C functions accept.
 *
 * Per run: the module's one core is created, the script runs, and pt_wasm_shutdown releases everything
 * (the heap is then as before). Handles come from what the exports return and from the outputs' handles
 * (the last 8 kept); the outputs are taken after every step with the capacity the script chooses (too
 * small: PT_ERR_BUFFER_TOO_SMALL and nothing taken), then checked (fuzz_support.h).
 *
 * Steps: [op u8][a u8][b u8][length u16][bytes], by op % 22; a handle is handles[a % 8], or the raw value
 * (int8) a names when a's top bit is set:
 *  0 init (max objects b, output budget (b + 1) KiB)   1 shutdown            2 connection_open (key, external id and
 *  token cut from the bytes at b and at b + a)          3 connection_receive  4 connection_request (b odd: cancel)
 *  5 connection_accept (b odd: reject, reason after byte b)                    6 peer_signal (kind b % 4)
 *  7 channel_create (label; mode b & 1; chunk size 1 KiB << (b >> 1 & 3)), reported open
 *  8 channel_send (kind b % 4) and channel_pull       9 channel_receive      10 peer_control_receive
 *  11 peer_media_receive (kind b % 3)                 12 peer_announce_stream (b odd: peer_reject_stream)
 *  13 stream_end, then by b % 4 nothing, set_permissions, request_bitrate, request_keyframe (b as the value)
 *  14 stream_send_input (field capacity b % 8)        15 input_encode (capacity 4b)
 *  16 stream_send_records (b odd: peer_input_receive) 17 input_key_code
 *  18 srtp_create (direction b & 1), or with the session created last protect (capacity length + b % 24),
 *     unprotect or destroy, by a % 4
 *  19 a session: a gateway hello and two accepted requests, ready-made (the fuzzer need not find them)
 *  20 stream_hand_off (capacity 4b; what it writes is NUL-terminated, a stream announcement that
 *     stream_open_receiver, or by a & 1 stream_open_sender, takes), b odd: stream_send_keyframe_request,
 *     b % 4 == 3: stream_keyframe_requested
 *  21 stream_open_receiver, or by a & 1 stream_open_sender (b odd: stream_receive, kind b / 2 % 3)
 * Flags in op's top bit: NULL for an empty byte string.
 *
 * Build: cmake -DPT_FUZZ=ON with clang (see CMakeLists.txt; boundary.c is compiled into this harness). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "core/error.h"
#include "wasm/boundary.h"

#define FUZZ_WARM_UP_SRTP /* streams and SRTP sessions are made in every run */
#include "fuzz_support.h"

#define HANDLES 8

static int32_t handles[HANDLES];
static size_t next_handle;
static int32_t last_srtp; /* what srtp_create returned last */
static double now_ms;

static void keep(int32_t handle) {
  if (handle <= 0) return;
  for (size_t i = 0; i < HANDLES; i++) {
    if (handles[i] == handle) return;
  }
  handles[next_handle++ % HANDLES] = handle;
}

static int32_t handle_of(uint8_t a) { return (a & 0x80) ? (int8_t)a : handles[a % HANDLES]; }

/* Takes every output through the exports, `capacity` bytes at a time when that is enough. */
static void drain(uint32_t capacity) {
  for (int guard = 0; guard < 1000000; guard++) {
    pt_output_info info;
    const int32_t kind = pt_wasm_output_next(&info);
    if (kind == PT_OUTPUT_NONE || kind == PT_ERR_STATE) return;
    FUZZ_CHECK(kind == info.kind && kind >= PT_OUTPUT_SEND && kind <= PT_OUTPUT_DEADLINE);
    const size_t length = kind == PT_OUTPUT_DEADLINE ? 0 : info.length;
    if (capacity < length) {
      uint8_t *small = fuzz_copy(NULL, capacity, 0);
      FUZZ_CHECK(pt_wasm_output_take(small, capacity) == PT_ERR_BUFFER_TOO_SMALL);
      free(small);
    }
    uint8_t *payload = fuzz_copy(NULL, length, 1);
    FUZZ_CHECK(pt_wasm_output_take(payload, (uint32_t)length) == (int32_t)length);
    fuzz_check_output(&info, payload, length);
    free(payload);
    keep(info.handle);
  }
  FUZZ_CHECK(!"the output queue runs dry");
}

/* A byte string as the exports take it: a block of its length, or NULL when empty and `null_if_empty`. */
static const uint8_t *block(const uint8_t *bytes, size_t length, int null_if_empty) {
  return length == 0 && null_if_empty ? NULL : fuzz_copy(bytes, length, 0);
}

static void ready_session(void) {
  static const char *const messages[] = {
      "{\"type\":\"hello\",\"version\":2,\"peerId\":\"1\",\"resumeToken\":\"t\"}",
      "{\"type\":\"request\",\"requestId\":\"x\",\"source\":\"8\"}",
      "{\"type\":\"request\",\"requestId\":\"y\",\"source\":\"9\"}"};
  const int32_t connection = pt_wasm_connection_open("key", 3, "", 0, "", 0, now_ms);
  if (connection <= 0) return;
  keep(connection);
  for (size_t i = 0; i < 3; i++) pt_wasm_connection_receive(connection, messages[i], (uint32_t)strlen(messages[i]), now_ms);
  keep(pt_wasm_connection_accept(connection, "x", 1, 1e9, now_ms));
  keep(pt_wasm_connection_accept(connection, "y", 1, 1e9, now_ms));
}

static void srtp(uint8_t a, uint8_t b, const uint8_t *bytes, size_t length, int null_if_empty) {
  if (a % 4 == 0) {
    const uint8_t *key = block(bytes, length, null_if_empty);
    last_srtp = pt_wasm_srtp_create(key, (uint32_t)length, b & 1);
    free((void *)key);
  } else if (a % 4 == 3) {
    pt_wasm_srtp_destroy(last_srtp);
  } else {
    const size_t capacity = length + b % 24;
    uint8_t *packet = fuzz_copy(NULL, capacity, 0);
    if (length > 0) memcpy(packet, bytes, length);
    const int32_t result = a % 4 == 1 ? pt_wasm_srtp_protect(last_srtp, packet, (uint32_t)length, (uint32_t)capacity)
                                      : pt_wasm_srtp_unprotect(last_srtp, packet, (uint32_t)length);
    FUZZ_CHECK(result < 0 || (size_t)result <= capacity);
    free(packet);
  }
}

static void step(uint8_t op, uint8_t a, uint8_t b, const uint8_t *bytes, size_t length) {
  const int null_if_empty = op >> 7;
  const uint8_t *data = block(bytes, length, null_if_empty);
  const char *text = (const char *)data;
  const uint32_t n = (uint32_t)length;
  const int32_t h = handle_of(a);
  size_t cut, second;
  switch (op % 22) {
    case 0:
      pt_wasm_init(b, (b + 1u) << 10, 0);
      break;
    case 1:
      pt_wasm_shutdown();
      memset(handles, 0, sizeof handles);
      break;
    case 2: {
      cut = b < length ? b : length;
      second = a < length - cut ? a : length - cut;
      const uint8_t *key = block(bytes, cut, null_if_empty), *external = block(bytes + cut, second, null_if_empty),
                    *token = block(bytes + cut + second, length - cut - second, null_if_empty);
      keep(pt_wasm_connection_open((const char *)key, (uint32_t)cut, (const char *)external, (uint32_t)second,
                                   (const char *)token, (uint32_t)(length - cut - second), now_ms));
      free((void *)key);
      free((void *)external);
      free((void *)token);
      break;
    }
    case 3:
      pt_wasm_connection_receive(h, text, n, now_ms);
      break;
    case 4:
      if (b & 1) pt_wasm_connection_cancel(h, text, n);
      else keep(pt_wasm_connection_request(h, text, n, 5000, now_ms));
      break;
    case 5:
      cut = b < length ? b : length;
      if (b & 1) pt_wasm_connection_reject(h, text, (uint32_t)cut, text == NULL ? NULL : text + cut, (uint32_t)(length - cut));
      else keep(pt_wasm_connection_accept(h, text, n, 5000, now_ms));
      break;
    case 6:
      pt_wasm_peer_signal(h, b % 4, text, n);
      break;
    case 7: {
      const int32_t channel = pt_wasm_channel_create(h, text, n, b & 1, 1024u << (b >> 1 & 3), 65536, 1000, 1000, now_ms);
      keep(channel);
      pt_wasm_channel_report_open(channel);
      break;
    }
    case 8:
      pt_wasm_channel_send(h, b % 4, 1, data, n, now_ms);
      pt_wasm_channel_pull(h, 1u << 20);
      break;
    case 9:
      pt_wasm_channel_receive(h, data, n, now_ms);
      break;
    case 10:
      pt_wasm_peer_control_receive(h, text, n, now_ms);
      break;
    case 11: {
      uint8_t *packet = length == 0 ? NULL : fuzz_copy(bytes, length, 0); /* decrypted in place */
      pt_wasm_peer_media_receive(h, b % 3, packet, n, now_ms);
      free(packet);
      break;
    }
    case 12:
      if (b & 1) pt_wasm_peer_reject_stream(h, b, text, n);
      else keep(pt_wasm_peer_announce_stream(h, text, n, b));
      break;
    case 13:
      if (b % 4 == 0) pt_wasm_stream_end(h, text, n);
      if (b % 4 == 1) pt_wasm_stream_set_permissions(h, b);
      if (b % 4 == 2) pt_wasm_stream_request_bitrate(h, b * 10000u);
      if (b % 4 == 3) pt_wasm_stream_request_keyframe(h, now_ms);
      break;
    case 14: {
      const uint32_t capacity = b % 8; /* where the name of a bad field goes, NUL-terminated */
      char *field = capacity == 0 ? NULL : (char *)fuzz_copy(NULL, capacity, 0);
      if (field != NULL) memset(field, 0x7f, capacity);
      pt_wasm_stream_send_input(h, text, n, now_ms, field, capacity);
      FUZZ_CHECK(field == NULL || field[0] == 0x7f || memchr(field, 0, capacity) != NULL);
      free(field);
      break;
    }
    case 15: {
      uint8_t *out = fuzz_copy(NULL, 4u * b, 0);
      const int32_t used = pt_wasm_input_encode(text, n, out, 4u * b);
      FUZZ_CHECK(used <= 4 * b);
      free(out);
      break;
    }
    case 16:
      if (b & 1) pt_wasm_peer_input_receive(h, data, n);
      else pt_wasm_stream_send_records(h, data, n, now_ms);
      break;
    case 17:
      FUZZ_CHECK(pt_wasm_input_key_code(text, n) >= 0);
      break;
    case 18:
      srtp(a, b, bytes, length, null_if_empty);
      break;
    case 19:
      ready_session();
      break;
    case 20:
      if (b % 4 == 3) {
        pt_wasm_stream_keyframe_requested(h, now_ms);
      } else if (b & 1) {
        pt_wasm_stream_send_keyframe_request(h);
      } else {
        char *out = (char *)fuzz_copy(NULL, 4u * b, 0);
        const int32_t written = pt_wasm_stream_hand_off(h, out, 4u * b);
        FUZZ_CHECK(written < 4 * b);
        if (written >= 0) {
          FUZZ_CHECK(out[written] == '\0');
          keep(a & 1 ? pt_wasm_stream_open_sender(out, (uint32_t)written) : pt_wasm_stream_open_receiver(out, (uint32_t)written, now_ms));
        }
        free(out);
      }
      break;
    default:
      if (b & 1) {
        uint8_t *message = length == 0 ? NULL : fuzz_copy(bytes, length, 0); /* decrypted in place */
        pt_wasm_stream_receive(h, b / 2 % 3, message, n, now_ms);
        free(message);
      } else {
        keep(a & 1 ? pt_wasm_stream_open_sender(text, n) : pt_wasm_stream_open_receiver(text, n, now_ms));
      }
      break;
  }
  free((void *)data);
  now_ms += 1;
  pt_wasm_handle_timeout(now_ms);
  drain(a * 16u);
}

int LLVMFuzzerTestOneInput(const uint8_t *input, size_t size) {
  const size_t heap_before = fuzz_heap_used();
  memset(handles, 0, sizeof handles);
  next_handle = 0;
  last_srtp = 0;
  now_ms = 0;
  FUZZ_CHECK(pt_wasm_init(16, 0, 0) == PT_OK);
  for (size_t at = 0; size - at >= 5;) {
    const uint8_t *f = input + at;
    at += 5;
    size_t length = (size_t)(f[3] << 8 | f[4]);
    if (length > size - at) length = size - at;
    step(f[0], f[1], f[2], input + at, length);
    at += length;
  }
  pt_wasm_shutdown();
  fuzz_check_heap_back(heap_before);
  return 0;
}
