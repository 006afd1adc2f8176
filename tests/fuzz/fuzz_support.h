/* What the libFuzzer harnesses share: an invariant check that aborts (libFuzzer reports it as a crash), a
 * core whose gateway connection accepted two peers (requests from ids 8 and 9), exact-size copies (so that
 * AddressSanitizer sees a read one byte past a length), text scripts read line by line, the heap in use
 * (leaks and growth, also where LeakSanitizer cannot run: the 32-bit build under qemu), and a drain of the
 * output queue that checks every output is well formed before a harness routes it. */
#ifndef PT_FUZZ_SUPPORT_H
#define PT_FUZZ_SUPPORT_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "cJSON.h"
#include "core/core.h"
#include "core/error.h"
#include "gateway/connection.h"
#include "input/input_record.h"
#include "media/srtp_session.h"
#include "peer/control_messages.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FUZZ_HAVE_ASAN 1
#endif
#endif
#ifdef FUZZ_HAVE_ASAN
#include <sanitizer/allocator_interface.h>
#endif

#define FUZZ_CHECK(cond)                                                           \
  do {                                                                             \
    if (!(cond)) {                                                                 \
      fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      abort();                                                                     \
    }                                                                              \
  } while (0)

#ifdef FUZZ_HAVE_ASAN
/* Bytes this thread has allocated less what it has freed. Counted per thread through the sanitizer's hooks,
 * because the process-wide count also moves with libFuzzer's other threads: its RSS thread, starting late on
 * a busy machine, frees its start-up block while the first input runs. */
static __thread ptrdiff_t fuzz_thread_heap;
static void fuzz_count_malloc(const volatile void *block, size_t size) {
  (void)block;
  fuzz_thread_heap += (ptrdiff_t)size;
}
static void fuzz_count_free(const volatile void *block) {
  if (block != NULL) fuzz_thread_heap -= (ptrdiff_t)__sanitizer_get_allocated_size((const void *)block);
}
__attribute__((constructor)) static void fuzz_install_heap_count(void) {
  __sanitizer_install_malloc_and_free_hooks(fuzz_count_malloc, fuzz_count_free);
}
#endif

/* Bytes this thread has allocated and not freed (offset so that it is never 0), or 0 when that is not known:
 * without AddressSanitizer. */
static inline size_t fuzz_heap_used(void) {
#ifdef FUZZ_HAVE_ASAN
  return (size_t)fuzz_thread_heap + ((size_t)1 << (sizeof(size_t) * 8 - 1));
#else
  return 0;
#endif
}

/* The heap is where it was at `before` (a leak check that works where LeakSanitizer cannot: under qemu). */
static inline void fuzz_check_heap_back(size_t before) {
  const size_t now = fuzz_heap_used();
  if (before != 0 && now != 0 && now != before) {
    fprintf(stderr, "the heap holds %zd bytes more than before the run\n", (ssize_t)(now - before));
    FUZZ_CHECK(now == before);
  }
}

/* The heap holds at most `most` bytes more than at `base`. */
static inline void fuzz_check_heap_growth(size_t base, size_t most) {
  const size_t now = fuzz_heap_used();
  FUZZ_CHECK(base == 0 || now == 0 || now <= base || now - base <= most);
}

/* Sets up libsrtp2's process-wide crypto kernel (kept until exit), so that the heap a run leaves is the heap it
 * found; call from LLVMFuzzerInitialize in harnesses whose runs create streams or SRTP sessions. */
static inline void fuzz_warm_up_srtp(void) {
  static const uint8_t key[PT_SRTP_MASTER_KEY_LENGTH] = {1};
  pt_srtp_session *session;
  FUZZ_CHECK(pt_srtp_session_create(&session, key, sizeof key, PT_SRTP_INBOUND) == PT_OK);
  pt_srtp_session_destroy(session);
}

/* A harness that defines FUZZ_WARM_UP_SRTP before including this header gets an LLVMFuzzerInitialize that calls
 * fuzz_warm_up_srtp. */
#ifdef FUZZ_WARM_UP_SRTP
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  fuzz_warm_up_srtp();
  return 0;
}
#endif

/* A copy of `length` bytes (zeros for NULL data) in a block of exactly that size (one byte for an empty one),
 * plus a NUL after it when `terminate` (then the block is one byte longer). */
static inline uint8_t *fuzz_copy(const uint8_t *data, size_t length, int terminate) {
  uint8_t *copy = malloc(length + (terminate ? 1 : 0) + (length == 0 && !terminate));
  FUZZ_CHECK(copy != NULL);
  if (length > 0 && data != NULL) memcpy(copy, data, length);
  if (length > 0 && data == NULL) memset(copy, 0, length);
  if (terminate) copy[length] = 0;
  return copy;
}

/* The next line of a text script from *at (without its '\n'); 0 once the script is read. */
static inline int fuzz_next_line(const uint8_t *data, size_t size, size_t *at, const uint8_t **line, size_t *length) {
  if (*at >= size) return 0;
  const uint8_t *start = data + *at;
  const uint8_t *end = memchr(start, '\n', size - *at);
  *line = start;
  *length = end != NULL ? (size_t)(end - start) : size - *at;
  *at += *length + (end != NULL);
  return 1;
}

/* A decimal number at the start of text (at most 9 digits; 0 without any). */
static inline uint32_t fuzz_number(const uint8_t *text, size_t length) {
  uint32_t value = 0;
  for (size_t i = 0; i < length && i < 9 && text[i] >= '0' && text[i] <= '9'; i++) value = value * 10 + (text[i] - '0');
  return value;
}

static inline void fuzz_feed_gateway(pt_core *core, pt_handle connection, const char *message) {
  FUZZ_CHECK(pt_connection_receive(core, connection, message, strlen(message), 0) == PT_OK);
}

/* Initialises `core` (`max_objects` objects) with a gateway connection that accepted two peers, *first and
 * *second; returns the connection. */
static inline pt_handle fuzz_core_with_peers(pt_core *core, uint32_t max_objects, pt_handle *first, pt_handle *second) {
  pt_core_config config;
  pt_core_config_default(&config);
  config.max_objects = max_objects;
  FUZZ_CHECK(pt_core_init(core, &config) == PT_OK);
  pt_client_hello hello;
  pt_client_hello_init(&hello);
  strcpy(hello.api_key, "key");
  pt_handle connection = pt_connection_open(core, &hello, 0);
  FUZZ_CHECK(connection > 0);
  fuzz_feed_gateway(core, connection, "{\"type\":\"hello\",\"version\":1,\"peerId\":\"1\",\"resumeToken\":\"t\"}");
  fuzz_feed_gateway(core, connection, "{\"type\":\"request\",\"requestId\":\"x\",\"source\":\"8\"}");
  fuzz_feed_gateway(core, connection, "{\"type\":\"request\",\"requestId\":\"y\",\"source\":\"9\"}");
  *first = pt_connection_accept(core, connection, "x", 1e12, 0);
  *second = pt_connection_accept(core, connection, "y", 1e12, 0);
  FUZZ_CHECK(*first > 0 && *second > 0);
  return connection;
}

/* Initialises `core` (16 objects) with a gateway connection that accepted two peers, *first and *second. */
static inline void fuzz_core_with_two_peers(pt_core *core, pt_handle *first, pt_handle *second) {
  fuzz_core_with_peers(core, 16, first, second);
}

/* Whether `length` bytes are one JSON object (what every JSON event and gateway message is). */
static inline int fuzz_is_json_object(const uint8_t *text, size_t length) {
  cJSON *tree = cJSON_ParseWithLength((const char *)text, length);
  int object = cJSON_IsObject(tree);
  cJSON_Delete(tree);
  return object;
}

/* Checks one output the way its receiver will read it: JSON events and gateway messages are JSON objects,
 * a frame event has its header, control messages parse (the core never sends what it would refuse), input
 * messages have their header and size, media packets an RTP header's size. */
static inline void fuzz_check_output(const pt_output_info *info, const uint8_t *payload, size_t length) {
  static pt_control_message control;
  int to_client;
  uint8_t stream_id;
  switch (info->kind) {
    case PT_OUTPUT_DEADLINE:
      FUZZ_CHECK(length == 0 && !isnan(info->deadline_ms));
      break;
    case PT_OUTPUT_EVENT:
      FUZZ_CHECK(info->code >= PT_EVENT_CONNECTION_READY && info->code <= PT_EVENT_CONNECTION_ICE_SERVERS);
      if (info->code == PT_EVENT_STREAM_FRAME) {
        FUZZ_CHECK(length >= 20 && payload[0] <= 1 && payload[1] <= 1);
      } else if (info->code != PT_EVENT_CHANNEL_MESSAGE) {
        FUZZ_CHECK(fuzz_is_json_object(payload, length));
      }
      break;
    case PT_OUTPUT_SEND:
      switch (info->code) {
        case PT_TRANSPORT_GATEWAY:
          FUZZ_CHECK(length <= PT_GATEWAY_MAX_MESSAGE && fuzz_is_json_object(payload, length));
          break;
        case PT_TRANSPORT_CONTROL:
          if (pt_control_parse((const char *)payload, length, &control) != PT_OK) {
            fprintf(stderr, "a control message the core would refuse: %.*s\n", (int)length, (const char *)payload);
            FUZZ_CHECK(!"own control message parses");
          }
          break;
        case PT_TRANSPORT_INPUT:
          FUZZ_CHECK(length <= PT_INPUT_MAX_MESSAGE &&
                     pt_input_read_header(payload, length, &to_client, &stream_id) == PT_OK);
          break;
        case PT_TRANSPORT_VIDEO:
        case PT_TRANSPORT_AUDIO:
          FUZZ_CHECK(length >= 12 && length <= 1500);
          break;
        default:
          FUZZ_CHECK(info->code == PT_TRANSPORT_CHANNEL && length >= 20);
          break;
      }
      break;
    default:
      FUZZ_CHECK(!"a known output kind");
  }
}

/* Receives one checked output (its payload, NUL-terminated, valid during the call); may call into the core,
 * whose new outputs the same drain then takes. */
typedef void (*fuzz_output_handler)(void *context, const pt_output_info *info, const uint8_t *payload, size_t length);

/* Takes every output (the queue must run dry) into a block of its size, checks it, and hands it to `handler`
 * (may be NULL). */
static inline void fuzz_drain(pt_core *core, fuzz_output_handler handler, void *context) {
  for (int guard = 0; guard < 1000000; guard++) {
    pt_output_info info;
    if (pt_output_queue_peek(&core->outputs, &info) == PT_OUTPUT_NONE) return;
    uint8_t *payload = malloc((size_t)info.length + 1);
    FUZZ_CHECK(payload != NULL);
    int length = pt_output_queue_take(&core->outputs, payload, (size_t)info.length + 1);
    FUZZ_CHECK(length >= 0 && (uint32_t)length == (info.kind == PT_OUTPUT_DEADLINE ? 0 : info.length));
    payload[length] = 0;
    fuzz_check_output(&info, payload, (size_t)length);
    if (handler != NULL) handler(context, &info, payload, (size_t)length);
    free(payload);
  }
  FUZZ_CHECK(!"the output queue runs dry");
}

#endif
