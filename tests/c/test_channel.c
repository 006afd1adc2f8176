#include "channel/channel.h"

#include <stdlib.h>
#include <string.h>

#include "core_harness.h"
#include "peer/peer.h"

/* Bytes the process's allocator has handed out and not taken back: ASan's count under ASan, glibc's
 * otherwise (mmapped blocks included), so that tests can check what the core really holds. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PT_TEST_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define PT_TEST_ASAN 1
#endif
#if defined(PT_TEST_ASAN)
size_t __sanitizer_get_current_allocated_bytes(void); /* sanitizer/allocator_interface.h, not always installed */
static long long heap_in_use(void) { return (long long)__sanitizer_get_current_allocated_bytes(); }
#elif defined(__GLIBC__)
#include <malloc.h>
static long long heap_in_use(void) {
  struct mallinfo2 info = mallinfo2();
  return (long long)(info.uordblks + info.hblkhd);
}
#else
static long long heap_in_use(void) { return 0; }
#endif

#define CHUNK PT_CHUNK_SIZE_MIN
#define MAX (128 * CHUNK)
#define MIB (1024u * 1024u)

static pt_handle peer_a, peer_b;
static uint8_t message_buf[5 + MAX];

/* One core holding two peers (answering requests from 8 and 9); room for `objects` objects. */
static pt_handle two_peers(uint32_t objects) {
  pt_core_config config;
  pt_core_config_default(&config);
  config.max_objects = objects;
  CHECK_EQ(pt_core_init(&core, &config), PT_OK);
  return accept_two_peers(&peer_a, &peer_b);
}

/* A channel on a peer, open, with chunks of `chunk` bytes and messages of at most `max`. */
static pt_handle open_channel(pt_handle peer, const char *label, pt_channel_mode mode, uint32_t chunk, uint32_t max) {
  pt_channel_options options = {mode, chunk, max, 500, 2000};
  pt_handle channel = pt_channel_create(&core, peer, label, &options, 0);
  CHECK(channel > 0);
  CHECK_EQ(pt_channel_report_open(&core, channel), PT_OK);
  drain_all();
  return channel;
}

/* Each of the two peers with a channel "chat" (chunks of CHUNK bytes, messages of at most MAX). */
static void two_channels(pt_channel_mode mode, pt_handle *a, pt_handle *b) {
  two_peers(8);
  *a = open_channel(peer_a, "chat", mode, CHUNK, MAX);
  *b = open_channel(peer_b, "chat", mode, CHUNK, MAX);
}

/* Moves every chunk queued by `from` into `to`, except the chunk numbers listed in `skip`. */
static int relay(pt_handle from, pt_handle to, const int *skip, size_t skips) {
  static uint8_t chunk[PT_CHUNK_HEADER_SIZE + CHUNK];
  pt_channel_pull(&core, from, 1u << 30);
  int n = 0;
  pt_output_info info;
  while (pt_output_queue_peek(&core.outputs, &info) == PT_OUTPUT_SEND && info.handle == from) {
    int length = pt_output_queue_take(&core.outputs, chunk, sizeof chunk);
    CHECK(length >= PT_CHUNK_HEADER_SIZE);
    int skipped = 0;
    for (size_t i = 0; i < skips; i++) skipped |= skip[i] == n;
    if (!skipped) CHECK_EQ(pt_channel_receive(&core, to, chunk, (size_t)length, 0), PT_OK);
    n++;
  }
  return n;
}

/* Takes the next output, which must be a message on `channel`, into buf (capacity bytes); returns its
 * kind and id; its data is at buf + 5. */
static int take_message(pt_handle channel, uint32_t *id, size_t expected_length, uint8_t *buf, size_t capacity) {
  pt_output_info info;
  CHECK_EQ(pt_output_queue_peek(&core.outputs, &info), PT_OUTPUT_EVENT);
  CHECK(info.handle == channel && info.code == PT_EVENT_CHANNEL_MESSAGE);
  CHECK_EQ(pt_output_queue_take(&core.outputs, buf, capacity), 5 + (long long)expected_length);
  *id = ((uint32_t)buf[1] << 24) | ((uint32_t)buf[2] << 16) | ((uint32_t)buf[3] << 8) | buf[4];
  return buf[0];
}

static int expect_message(pt_handle channel, uint32_t *id, size_t expected_length) {
  return take_message(channel, id, expected_length, message_buf, sizeof message_buf);
}

/* Writes chunk `index` of a message (payload bytes = (offset + i) * 31 + id) into out; returns its length. */
static size_t make_chunk(uint8_t kind, uint32_t id, uint32_t index, uint32_t chunk_size, uint32_t total, uint8_t *out) {
  pt_chunk_header header = {PT_CHUNK_VERSION, kind, id, index, chunk_size, total};
  pt_chunk_header_write(&header, out);
  uint32_t offset = pt_chunk_offset(&header), length = pt_chunk_payload_length(&header);
  for (uint32_t i = 0; i < length; i++) out[PT_CHUNK_HEADER_SIZE + i] = (uint8_t)((offset + i) * 31u + id);
  return PT_CHUNK_HEADER_SIZE + length;
}

static pt_channel_counters counters_of(pt_handle channel) {
  pt_channel_counters counters;
  CHECK_EQ(pt_channel_counters_of(&core, channel, &counters), PT_OK);
  return counters;
}

static void test_messages_of_every_size_arrive_whole_and_in_order(void) {
  pt_handle a, b;
  two_channels(PT_CHANNEL_RELIABLE, &a, &b);
  size_t sizes[] = {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 100 * CHUNK + 3};
  uint8_t *data = malloc(100 * CHUNK + 3);
  for (size_t i = 0; i < 100 * CHUNK + 3; i++) data[i] = (uint8_t)(i * 31 + 7);
  for (size_t i = 0; i < 6; i++) CHECK(pt_channel_send(&core, a, PT_MESSAGE_STANDALONE, 0, data, sizes[i], 0) > 0);
  CHECK_EQ(pt_channel_backlog(&core, a), 0 + 1 + (CHUNK - 1) + CHUNK + (CHUNK + 1) + (100 * CHUNK + 3));
  int chunks = relay(a, b, NULL, 0);
  CHECK_EQ(chunks, 1 + 1 + 1 + 1 + 2 + 101);
  CHECK_EQ(pt_channel_backlog(&core, a), 0);
  for (size_t i = 0; i < 6; i++) {
    uint32_t id;
    CHECK_EQ(expect_message(b, &id, sizes[i]), PT_MESSAGE_STANDALONE);
    CHECK_EQ(id, i + 1);
    CHECK(memcmp(message_buf + 5, data, sizes[i]) == 0);
  }
  pt_channel_counters counters = counters_of(b);
  CHECK(counters.messages_received == 6 && counters.chunks_received == chunks && counters.rejected_chunks == 0);
  CHECK_EQ(pt_channel_reassembly_bytes(&core, b), 0);
  CHECK_EQ(pt_peer_reassembly_bytes(&core, peer_b), 0);
  free(data);
  pt_core_destroy(&core);
}

static void test_request_response_and_timeout(void) {
  pt_handle a, b;
  two_channels(PT_CHANNEL_RELIABLE, &a, &b);
  int64_t id = pt_channel_send(&core, a, PT_MESSAGE_REQUEST, 0, (const uint8_t *)"ping", 4, 0);
  CHECK(id > 0);
  relay(a, b, NULL, 0);
  uint32_t got;
  CHECK_EQ(expect_message(b, &got, 4), PT_MESSAGE_REQUEST);
  CHECK_EQ(got, id);
  CHECK(pt_channel_send(&core, b, PT_MESSAGE_RESPONSE, got, (const uint8_t *)"pong!", 5, 0) == id);
  relay(b, a, NULL, 0);
  CHECK_EQ(expect_message(a, &got, 5), PT_MESSAGE_RESPONSE);
  CHECK(got == id && memcmp(message_buf + 5, "pong!", 5) == 0);
  /* The same response again answers nothing. */
  pt_channel_send(&core, b, PT_MESSAGE_RESPONSE, got, (const uint8_t *)"pong!", 5, 0);
  pt_channel_pull(&core, b, 1000);
  static uint8_t chunk[64];
  int length = pt_output_queue_take(&core.outputs, chunk, sizeof chunk);
  CHECK_EQ(pt_channel_receive(&core, a, chunk, (size_t)length, 0), PT_ERR_UNEXPECTED_MESSAGE);
  drain_all();
  /* A request nobody answers times out. */
  id = pt_channel_send(&core, a, PT_MESSAGE_REQUEST, 0, (const uint8_t *)"?", 1, 100);
  drain_all();
  CHECK_EQ(pt_core_handle_timeout(&core, 599), PT_OK);
  CHECK(expect_deadline() == 600.0);
  CHECK_EQ(pt_core_handle_timeout(&core, 600), PT_OK);
  expect_output(PT_OUTPUT_EVENT, a, PT_EVENT_CHANNEL_REQUEST_FAILED);
  CHECK(strstr(out_buf, "PT_ERR_TIMEOUT") != NULL);
  pt_channel_counters counters = counters_of(a);
  CHECK(counters.unmatched_responses == 1 && counters.requests_timed_out == 1);
  pt_core_destroy(&core);
}

static void test_unreliable_loss_drops_whole_messages(void) {
  pt_handle a, b;
  two_channels(PT_CHANNEL_UNRELIABLE, &a, &b);
  uint8_t data[5 * CHUNK];
  memset(data, 7, sizeof data);
  pt_channel_send(&core, a, PT_MESSAGE_STANDALONE, 0, data, sizeof data, 0); /* chunks 0..4 */
  pt_channel_send(&core, a, PT_MESSAGE_STANDALONE, 0, data, 2 * CHUNK, 0);   /* chunks 5..6 */
  int skip[] = {2};
  relay(a, b, skip, 1);
  uint32_t id;
  expect_message(b, &id, 2 * CHUNK); /* the second arrives; the first, missing a chunk, does not */
  CHECK_EQ(id, 2);
  CHECK(expect_deadline() == 10000.0); /* unreliable: 10 s from the first chunk, progress or not */
  CHECK_EQ(pt_core_handle_timeout(&core, 10000), PT_OK);
  pt_channel_counters counters = counters_of(b);
  CHECK(counters.dropped_incomplete == 1 && counters.messages_received == 1);
  CHECK_EQ(pt_channel_reassembly_bytes(&core, b), 0);
  pt_core_destroy(&core);
}

static void test_reliable_partial_expires_without_progress(void) {
  pt_handle a, b;
  two_channels(PT_CHANNEL_RELIABLE, &a, &b);
  static uint8_t chunk[PT_CHUNK_HEADER_SIZE + CHUNK];
  CHECK_EQ(pt_channel_receive(&core, b, chunk, make_chunk(0, 5, 0, CHUNK, 4 * CHUNK, chunk), 0), PT_OK);
  drain_all();
  CHECK_EQ(pt_core_handle_timeout(&core, 59999), PT_OK);
  CHECK(expect_deadline() == 60000.0);
  /* A chunk 50 s later is progress: the message gets another 60 s from then. */
  CHECK_EQ(pt_channel_receive(&core, b, chunk, make_chunk(0, 5, 1, CHUNK, 4 * CHUNK, chunk), 50000), PT_OK);
  CHECK(expect_deadline() == 110000.0);
  CHECK_EQ(pt_core_handle_timeout(&core, 109999), PT_OK);
  CHECK(pt_channel_reassembly_bytes(&core, b) >= 2 * CHUNK);
  CHECK(expect_deadline() == 110000.0);
  CHECK_EQ(pt_core_handle_timeout(&core, 110000), PT_OK);
  CHECK(expect_deadline() > 110000.0); /* the peers' only */
  pt_channel_counters counters = counters_of(b);
  CHECK(counters.dropped_incomplete == 1 && counters.messages_received == 0);
  CHECK_EQ(pt_channel_reassembly_bytes(&core, b), 0);
  CHECK_EQ(pt_peer_reassembly_bytes(&core, peer_b), 0);
  /* The rest of it, should it come after all, is refused rather than starting a message that cannot end. */
  CHECK_EQ(pt_channel_receive(&core, b, chunk, make_chunk(0, 5, 2, CHUNK, 4 * CHUNK, chunk), 120000),
           PT_ERR_UNEXPECTED_MESSAGE);
  CHECK_EQ(pt_channel_reassembly_bytes(&core, b), 0);
  CHECK_EQ(counters_of(b).rejected_chunks, 1);
  pt_core_destroy(&core);
}

static void test_hostile_chunks_are_counted_and_refused(void) {
  pt_handle a, b;
  two_channels(PT_CHANNEL_UNRELIABLE, &a, &b);
  static uint8_t chunk[PT_CHUNK_HEADER_SIZE + CHUNK];
  pt_chunk_header header = {1, 0, 77, 0, CHUNK, 3 * CHUNK};
  pt_chunk_header_write(&header, chunk);
  memset(chunk + PT_CHUNK_HEADER_SIZE, 1, CHUNK);
  CHECK_EQ(pt_channel_receive(&core, b, chunk, sizeof chunk, 0), PT_OK);
  CHECK_EQ(pt_channel_receive(&core, b, chunk, sizeof chunk, 0), PT_ERR_MALFORMED); /* duplicate */
  header.index = 1;
  header.total = 4 * CHUNK; /* the same message, described differently */
  pt_chunk_header_write(&header, chunk);
  CHECK_EQ(pt_channel_receive(&core, b, chunk, sizeof chunk, 0), PT_ERR_MALFORMED);
  header.total = MAX + 1; /* over the channel's maximum */
  pt_chunk_header_write(&header, chunk);
  CHECK_EQ(pt_channel_receive(&core, b, chunk, sizeof chunk, 0), PT_ERR_TOO_LARGE);
  header = (pt_chunk_header){1, 0, 78, 0, CHUNK - 1, 3 * CHUNK}; /* chunks under the minimum size */
  pt_chunk_header_write(&header, chunk);
  CHECK_EQ(pt_channel_receive(&core, b, chunk, PT_CHUNK_HEADER_SIZE + CHUNK - 1, 0), PT_ERR_MALFORMED);
  chunk[0] = 9;
  CHECK_EQ(pt_channel_receive(&core, b, chunk, sizeof chunk, 0), PT_ERR_UNSUPPORTED_VERSION);
  CHECK_EQ(pt_channel_receive(&core, b, chunk, 3, 0), PT_ERR_MALFORMED);
  pt_channel_counters counters = counters_of(b);
  CHECK(counters.rejected_chunks == 6 && counters.messages_received == 0);
  /* A response chunk to no pending request is refused whichever chunk comes first, and so are the
   * message's later chunks: none of them starts a message that could never complete. */
  CHECK_EQ(pt_channel_receive(&core, b, chunk, make_chunk(PT_MESSAGE_RESPONSE, 3, 2, CHUNK, 3 * CHUNK, chunk), 0),
           PT_ERR_UNEXPECTED_MESSAGE);
  CHECK_EQ(pt_channel_receive(&core, b, chunk, make_chunk(PT_MESSAGE_RESPONSE, 3, 0, CHUNK, 3 * CHUNK, chunk), 0),
           PT_ERR_UNEXPECTED_MESSAGE);
  counters = counters_of(b);
  CHECK(counters.unmatched_responses == 1 && counters.rejected_chunks == 7);
  CHECK_EQ(pt_channel_reassembly_bytes(&core, b), CHUNK + 16 * sizeof(void *)); /* message 77's first chunk */
  CHECK_EQ(pt_output_queue_peek(&core.outputs, NULL), PT_OUTPUT_DEADLINE);     /* nothing delivered */
  pt_core_destroy(&core);
}

/* A channel remembers its last PT_CHANNEL_ABANDONED_MAX dropped messages: their later chunks are refused
 * as such; an older one's are judged afresh (here: a response to no request, refused and counted again). */
static void test_dropped_messages_remembered_are_the_last_16(void) {
  pt_handle a, b;
  two_channels(PT_CHANNEL_RELIABLE, &a, &b);
  static uint8_t chunk[PT_CHUNK_HEADER_SIZE + CHUNK];
  for (uint32_t id = 100; id < 100 + PT_CHANNEL_ABANDONED_MAX + 1; id++) {
    CHECK_EQ(pt_channel_receive(&core, b, chunk, make_chunk(PT_MESSAGE_RESPONSE, id, 0, CHUNK, 3 * CHUNK, chunk), 0),
             PT_ERR_UNEXPECTED_MESSAGE);
  }
  pt_channel_counters counters = counters_of(b);
  CHECK(counters.unmatched_responses == PT_CHANNEL_ABANDONED_MAX + 1 && counters.rejected_chunks == 0);
  CHECK_EQ(pt_channel_receive(&core, b, chunk, make_chunk(PT_MESSAGE_RESPONSE, 101, 1, CHUNK, 3 * CHUNK, chunk), 0),
           PT_ERR_UNEXPECTED_MESSAGE); /* remembered: refused as a dropped message's chunk */
  counters = counters_of(b);
  CHECK(counters.unmatched_responses == PT_CHANNEL_ABANDONED_MAX + 1 && counters.rejected_chunks == 1);
  CHECK_EQ(pt_channel_receive(&core, b, chunk, make_chunk(PT_MESSAGE_RESPONSE, 100, 1, CHUNK, 3 * CHUNK, chunk), 0),
           PT_ERR_UNEXPECTED_MESSAGE); /* forgotten: judged afresh */
  counters = counters_of(b);
  CHECK(counters.unmatched_responses == PT_CHANNEL_ABANDONED_MAX + 2 && counters.rejected_chunks == 1);
  CHECK_EQ(pt_channel_reassembly_bytes(&core, b), 0);
  pt_core_destroy(&core);
}

static void test_backpressure_and_limits(void) {
  pt_handle a, b;
  two_channels(PT_CHANNEL_RELIABLE, &a, &b);
  static uint8_t data[MAX];
  CHECK_EQ(pt_channel_send(&core, a, PT_MESSAGE_STANDALONE, 0, data, MAX + 1, 0), PT_ERR_TOO_LARGE);
  CHECK(pt_channel_send(&core, a, PT_MESSAGE_STANDALONE, 0, data, MAX, 0) > 0);
  CHECK(pt_channel_send(&core, a, PT_MESSAGE_STANDALONE, 0, data, MAX, 0) > 0);
  CHECK_EQ(pt_channel_send(&core, a, PT_MESSAGE_STANDALONE, 0, data, 1, 0), PT_ERR_QUEUE_FULL); /* 2 x max */
  /* A pull hands out about its budget, never everything at once. */
  CHECK_EQ(pt_channel_pull(&core, a, 2 * (PT_CHUNK_HEADER_SIZE + CHUNK) + 1), 3 * (PT_CHUNK_HEADER_SIZE + CHUNK));
  CHECK_EQ(pt_channel_backlog(&core, a), 2 * MAX - 3 * CHUNK);
  CHECK(pt_channel_send(&core, a, PT_MESSAGE_STANDALONE, 0, data, 3 * CHUNK, 0) > 0); /* room again */
  CHECK_EQ(pt_channel_send(&core, b, PT_MESSAGE_STANDALONE, 0, data, 1, 0) > 0, 1);
  pt_core_destroy(&core);
}

static void test_close_fails_requests_and_peer_close_closes_channels(void) {
  pt_handle a, b;
  two_channels(PT_CHANNEL_RELIABLE, &a, &b);
  int64_t id = pt_channel_send(&core, a, PT_MESSAGE_REQUEST, 0, (const uint8_t *)"?", 1, 0);
  drain_all();
  CHECK_EQ(pt_channel_close(&core, a, PT_ERR_CLOSED), PT_OK);
  expect_output(PT_OUTPUT_EVENT, a, PT_EVENT_CHANNEL_REQUEST_FAILED);
  char expected[64];
  snprintf(expected, sizeof expected, "{\"id\":%d,", (int)id);
  CHECK(strncmp(out_buf, expected, strlen(expected)) == 0 && strstr(out_buf, "PT_ERR_CLOSED"));
  expect_output(PT_OUTPUT_EVENT, a, PT_EVENT_CHANNEL_CLOSED);
  CHECK_EQ(pt_channel_send(&core, a, PT_MESSAGE_STANDALONE, 0, NULL, 0, 0), PT_ERR_STALE_HANDLE);
  CHECK_EQ(pt_peer_close(&core, peer_b, PT_ERR_CLOSED), PT_OK);
  expect_output(PT_OUTPUT_EVENT, b, PT_EVENT_CHANNEL_CLOSED); /* the channel goes first */
  expect_output(PT_OUTPUT_EVENT, peer_b, PT_EVENT_PEER_CLOSED);
  CHECK_EQ(pt_channel_backlog(&core, b), PT_ERR_STALE_HANDLE);
  pt_core_destroy(&core);
}

static void test_labels_open_and_timeouts(void) {
  pt_handle a, b;
  two_channels(PT_CHANNEL_RELIABLE, &a, &b);
  pt_channel_options options = {PT_CHANNEL_RELIABLE, CHUNK, MAX, 500, 2000};
  CHECK_EQ(pt_channel_create(&core, peer_a, "chat", &options, 0), PT_ERR_EXISTS);
  CHECK_EQ(pt_channel_create(&core, peer_a, "RW_Video", &options, 0), PT_ERR_BAD_VALUE);
  CHECK_EQ(pt_channel_create(&core, peer_a, "", &options, 0), PT_ERR_BAD_VALUE);
  CHECK_EQ(pt_channel_create(&core, peer_a, "a\nb", &options, 0), PT_ERR_BAD_VALUE);
  CHECK_EQ(pt_channel_create(&core, a, "x", &options, 0), PT_ERR_WRONG_KIND);
  options.chunk_size = PT_CHUNK_SIZE_MIN - 1; /* the other side would refuse every chunk of several */
  CHECK_EQ(pt_channel_create(&core, peer_a, "small", &options, 0), PT_ERR_BAD_VALUE);
  options.chunk_size = CHUNK;
  pt_handle slow = pt_channel_create(&core, peer_a, "slow", &options, 100);
  CHECK(slow > 0);
  CHECK_EQ(pt_channel_send(&core, slow, PT_MESSAGE_STANDALONE, 0, NULL, 0, 0), PT_ERR_STATE); /* not open yet */
  drain_all();
  CHECK_EQ(pt_core_handle_timeout(&core, 2100), PT_OK);
  expect_output(PT_OUTPUT_EVENT, slow, PT_EVENT_CHANNEL_CLOSED);
  CHECK(strstr(out_buf, "PT_ERR_TIMEOUT") != NULL);
  pt_core_destroy(&core);
}

static void test_channels_per_peer_are_limited(void) {
  two_peers(PT_CHANNEL_PER_PEER_MAX + 16);
  pt_channel_options options = {PT_CHANNEL_RELIABLE, CHUNK, MAX, 500, 2000};
  pt_handle first = 0;
  for (int i = 0; i < PT_CHANNEL_PER_PEER_MAX; i++) {
    char label[16];
    snprintf(label, sizeof label, "c%d", i);
    pt_handle channel = pt_channel_create(&core, peer_a, label, &options, 0);
    CHECK(channel > 0);
    if (first == 0) first = channel;
  }
  CHECK_EQ(pt_channel_create(&core, peer_a, "one more", &options, 0), PT_ERR_FULL);
  CHECK_EQ(pt_channel_create(&core, peer_a, "c3", &options, 0), PT_ERR_EXISTS);
  CHECK(pt_channel_create(&core, peer_b, "one more", &options, 0) > 0); /* another peer has its own */
  CHECK_EQ(pt_channel_close(&core, first, PT_ERR_CLOSED), PT_OK);
  CHECK(pt_channel_create(&core, peer_a, "one more", &options, 0) > 0); /* a closed one frees its place */
  pt_core_destroy(&core);
}

/* Feeds a chunk that must be accepted. */
static void accept_chunk(pt_handle channel, uint8_t *buf, size_t length) {
  CHECK_EQ(pt_channel_receive(&core, channel, buf, length, 0), PT_OK);
}

static void test_reassembly_is_bounded_per_channel(void) {
  pt_handle a, b;
  two_channels(PT_CHANNEL_RELIABLE, &a, &b);
  static uint8_t chunk[PT_CHUNK_HEADER_SIZE + CHUNK];
  /* Two messages of the maximum size, all but their last chunk: nearly twice max_message held. */
  for (uint32_t id = 1; id <= 2; id++) {
    for (uint32_t i = 0; i < MAX / CHUNK - 1; i++) accept_chunk(b, chunk, make_chunk(0, id, i, CHUNK, MAX, chunk));
  }
  int64_t held = pt_channel_reassembly_bytes(&core, b);
  CHECK(held >= 2 * (MAX - CHUNK) && held <= 2 * (MAX - CHUNK) + 32 * 16 * (int64_t)sizeof(void *));
  CHECK_EQ(pt_peer_reassembly_bytes(&core, peer_b), held);
  /* A third message has room for two chunks of message bytes: its third is refused, the message
   * dropped and counted. */
  int status = PT_OK;
  uint32_t index = 0;
  while (status == PT_OK && index < 8) {
    status = pt_channel_receive(&core, b, chunk, make_chunk(0, 3, index++, CHUNK, MAX, chunk), 0);
  }
  CHECK_EQ(status, PT_ERR_TOO_LARGE);
  CHECK_EQ(index, 3);
  CHECK_EQ(pt_channel_reassembly_bytes(&core, b), held); /* what it held is released */
  CHECK_EQ(pt_channel_receive(&core, b, chunk, make_chunk(0, 3, index, CHUNK, MAX, chunk), 0),
           PT_ERR_UNEXPECTED_MESSAGE); /* the rest of it is refused */
  pt_channel_counters counters = counters_of(b);
  CHECK(counters.rejected_chunks == 2 && counters.dropped_incomplete == 1);
  /* The two others complete, intact; nothing is held afterwards. */
  for (uint32_t id = 1; id <= 2; id++) {
    accept_chunk(b, chunk, make_chunk(0, id, MAX / CHUNK - 1, CHUNK, MAX, chunk));
    uint32_t got;
    expect_message(b, &got, MAX);
    CHECK_EQ(got, id);
    for (uint32_t i = 0; i < MAX; i++) CHECK(message_buf[5 + i] == (uint8_t)(i * 31u + id));
  }
  CHECK_EQ(pt_channel_reassembly_bytes(&core, b), 0);
  CHECK_EQ(pt_peer_reassembly_bytes(&core, peer_b), 0);
  pt_core_destroy(&core);
}

static void test_reassembly_is_bounded_per_peer(void) {
  two_peers(16);
  const uint32_t big = PT_CHUNK_SIZE_MAX, total = 64 * MIB;
  uint8_t *chunk = malloc(PT_CHUNK_HEADER_SIZE + big);
  pt_handle channels[3];
  for (int c = 0; c < 3; c++) {
    char label[8];
    snprintf(label, sizeof label, "c%d", c);
    channels[c] = open_channel(peer_a, label, PT_CHANNEL_RELIABLE, big, total);
  }
  /* Two channels each hold 63 MiB of a 64 MiB message: within each channel's limit (128 MiB of
   * message bytes) and the peer's (130 MiB in all). */
  for (int c = 0; c < 2; c++) {
    for (uint32_t i = 0; i < 63; i++) accept_chunk(channels[c], chunk, make_chunk(0, 1, i, big, total, chunk));
  }
  int64_t held = pt_peer_reassembly_bytes(&core, peer_a);
  CHECK(held > 126 * (int64_t)MIB && held < 127 * (int64_t)MIB);
  CHECK_EQ(held, pt_channel_reassembly_bytes(&core, channels[0]) + pt_channel_reassembly_bytes(&core, channels[1]));
  /* The third channel, within its own limit, takes 3 MiB more; its fourth chunk passes the peer's. */
  int status = PT_OK;
  uint32_t index = 0;
  while (status == PT_OK && index < 8) {
    status = pt_channel_receive(&core, channels[2], chunk, make_chunk(0, 1, index++, big, total, chunk), 0);
    CHECK(pt_peer_reassembly_bytes(&core, peer_a) <= (int64_t)PT_PEER_REASSEMBLY_MAX);
  }
  CHECK_EQ(status, PT_ERR_TOO_LARGE);
  CHECK_EQ(index, 4);
  pt_channel_counters counters = counters_of(channels[2]);
  CHECK(counters.rejected_chunks == 1 && counters.dropped_incomplete == 1);
  CHECK_EQ(pt_channel_reassembly_bytes(&core, channels[2]), 0);
  CHECK_EQ(pt_peer_reassembly_bytes(&core, peer_a), held);
  /* Another peer has a budget of its own. */
  pt_handle other = open_channel(peer_b, "c", PT_CHANNEL_RELIABLE, CHUNK, MAX);
  for (uint32_t i = 0; i < 3; i++) accept_chunk(other, chunk, make_chunk(0, 1, i, CHUNK, 3 * CHUNK, chunk));
  uint32_t id;
  expect_message(other, &id, 3 * CHUNK);
  /* Closing a channel gives its bytes back to its peer. */
  CHECK_EQ(pt_channel_close(&core, channels[0], PT_ERR_CLOSED), PT_OK);
  CHECK_EQ(pt_peer_reassembly_bytes(&core, peer_a), pt_channel_reassembly_bytes(&core, channels[1]));
  drain_all();
  free(chunk);
  pt_core_destroy(&core);
}

static void test_reassembly_is_bounded_per_core(void) {
  pt_core_config config;
  pt_core_config_default(&config);
  config.max_objects = 16;
  config.max_reassembly_bytes = 200 * CHUNK; /* small, so that two peers far below their own limits fill it */
  CHECK_EQ(pt_core_init(&core, &config), PT_OK);
  accept_two_peers(&peer_a, &peer_b);
  static uint8_t chunk[PT_CHUNK_HEADER_SIZE + CHUNK];
  pt_handle a = open_channel(peer_a, "a", PT_CHANNEL_RELIABLE, CHUNK, MAX);
  pt_handle b = open_channel(peer_b, "b", PT_CHANNEL_RELIABLE, CHUNK, MAX);
  /* Peer A holds 150 chunks of two unfinished messages. */
  for (uint32_t i = 0; i < 100; i++) accept_chunk(a, chunk, make_chunk(0, 1, i, CHUNK, MAX, chunk));
  for (uint32_t i = 0; i < 50; i++) accept_chunk(a, chunk, make_chunk(0, 2, i, CHUNK, MAX, chunk));
  /* Peer B, nowhere near its own limit, gets only what the core has left. */
  int status = PT_OK;
  uint32_t index = 0;
  while (status == PT_OK && index < 100) status = pt_channel_receive(&core, b, chunk, make_chunk(0, 1, index++, CHUNK, MAX, chunk), 0);
  CHECK_EQ(status, PT_ERR_TOO_LARGE);
  CHECK(index > 10 && index < 50);
  CHECK(pt_peer_reassembly_bytes(&core, peer_a) + pt_peer_reassembly_bytes(&core, peer_b) <= (int64_t)(200 * CHUNK));
  /* Once A's channel closes, its share is the core's again: B takes a whole message. */
  CHECK_EQ(pt_channel_close(&core, a, PT_ERR_CLOSED), PT_OK);
  drain_all();
  for (uint32_t i = 0; i < 100; i++) accept_chunk(b, chunk, make_chunk(0, 3, i, CHUNK, 100 * CHUNK, chunk));
  uint32_t id;
  expect_message(b, &id, 100 * CHUNK);
  CHECK_EQ(id, 3);
  pt_core_destroy(&core);
}

static void test_a_16_mib_message_in_64_kib_chunks_out_of_order(void) {
  two_peers(8);
  const uint32_t size = 64 * 1024, total = 16 * MIB, count = total / size;
  pt_handle channel = open_channel(peer_a, "big", PT_CHANNEL_UNRELIABLE, size, 64 * MIB);
  uint8_t *chunk = malloc(PT_CHUNK_HEADER_SIZE + size);
  long long heap_before = heap_in_use();
  for (uint32_t n = 0; n < count; n++) {
    uint32_t index = (n * 167u + 89u) % count; /* every index once, scattered */
    accept_chunk(channel, chunk, make_chunk(0, 42, index, size, total, chunk));
    if (n + 1 < count) {
      /* What it holds is what arrived, plus a little for finding it. */
      int64_t held = pt_channel_reassembly_bytes(&core, channel);
      CHECK(held >= (int64_t)(n + 1) * size && held <= (int64_t)(n + 1) * size + 64 * 1024);
    }
  }
  CHECK_EQ(pt_channel_reassembly_bytes(&core, channel), 0);
  uint8_t *message = malloc(5 + total);
  uint32_t id;
  CHECK_EQ(take_message(channel, &id, total, message, 5 + total), PT_MESSAGE_STANDALONE);
  CHECK_EQ(id, 42);
  for (uint32_t i = 0; i < total; i++) {
    if (message[5 + i] != (uint8_t)(i * 31u + 42)) CHECK(!"the message differs from what was sent");
  }
  free(message);
  drain_all();
  CHECK(heap_in_use() - heap_before < 4096); /* nothing left behind */
  pt_channel_counters counters = counters_of(channel);
  CHECK(counters.messages_received == 1 && counters.chunks_received == count && counters.rejected_chunks == 0);
  free(chunk);
  pt_core_destroy(&core);
}

/* Issue 14: a peer sent 714 bytes of chunks, each announcing a 64 MiB message, on many channels, and the
 * victim's heap filled to 1 GiB. Now the same chunks are refused (chunk size under the minimum), and
 * the strongest valid form of the attack, on every channel a peer may open, holds memory in proportion
 * to the bytes sent, far under the peer's limit. */
static void test_the_714_byte_attack_holds_almost_nothing(void) {
  two_peers(PT_CHANNEL_PER_PEER_MAX + 16);
  static pt_handle channels[PT_CHANNEL_PER_PEER_MAX];
  for (int c = 0; c < PT_CHANNEL_PER_PEER_MAX; c++) {
    char label[16];
    snprintf(label, sizeof label, "c%d", c);
    channels[c] = open_channel(peer_a, label, PT_CHANNEL_RELIABLE, 65516, 64 * MIB);
  }
  long long baseline = heap_in_use();
  static uint8_t chunk[PT_CHUNK_HEADER_SIZE + 2 * CHUNK];
  /* The original: 34 chunks of 21 bytes, each the first 1-byte chunk of a 64 MiB message. */
  size_t sent = 0;
  for (int n = 0; n < 34; n++) {
    size_t length = make_chunk(0, 1 + (uint32_t)n % 2, 0, 1, 64 * MIB, chunk);
    CHECK_EQ(pt_channel_receive(&core, channels[n / 2], chunk, length, 0), PT_ERR_MALFORMED);
    sent += length;
  }
  CHECK_EQ(sent, 714);
  CHECK_EQ(pt_peer_reassembly_bytes(&core, peer_a), 0);
  drain_all();
  long long original = heap_in_use() - baseline;
  CHECK(original < 4096);
  /* The valid form: on each of 256 channels, 8 messages of 64 MiB (the most a channel reassembles at
   * once), each started by its tiny last chunk (64 bytes with chunks of 1,025) and by a first chunk. */
  sent = 0;
  size_t payload = 0, chunks = 0;
  for (int c = 0; c < PT_CHANNEL_PER_PEER_MAX; c++) {
    for (uint32_t id = 1; id <= PT_CHANNEL_PARTIALS_MAX; id++) {
      uint32_t count = pt_chunk_count(64 * MIB, CHUNK + 1);
      uint32_t indexes[2] = {count - 1, 0};
      for (int k = 0; k < 2; k++) {
        size_t length = make_chunk(0, id, indexes[k], CHUNK + 1, 64 * MIB, chunk);
        accept_chunk(channels[c], chunk, length);
        sent += length;
        payload += length - PT_CHUNK_HEADER_SIZE;
        chunks++;
      }
    }
  }
  drain_all();
  int64_t held = pt_peer_reassembly_bytes(&core, peer_a);
  long long heap = heap_in_use() - baseline;
  fprintf(stderr, "  the attack: %zu bytes sent in %zu chunks; %lld bytes counted, heap +%lld bytes\n", sent, chunks,
          (long long)held, heap);
  /* Each chunk costs its payload and at most the four 16-way nodes on its way (a message of 65,473
   * chunks), and the allocator adds a little per block. */
  CHECK(held <= (int64_t)(payload + chunks * 4 * 16 * sizeof(void *)));
  CHECK(heap <= held + (long long)chunks * 5 * 32);
  CHECK(heap < 4 * (long long)sent);
  CHECK(held < (int64_t)PT_PEER_REASSEMBLY_MAX / 32);
  /* The victim still works: another peer's channel delivers. */
  pt_handle other = open_channel(peer_b, "chat", PT_CHANNEL_RELIABLE, CHUNK, MAX);
  for (uint32_t i = 0; i < 3; i++) accept_chunk(other, chunk, make_chunk(0, 9, i, CHUNK, 3 * CHUNK, chunk));
  uint32_t id;
  expect_message(other, &id, 3 * CHUNK);
  CHECK_EQ(id, 9);
  /* Closing the hostile peer gives everything back. */
  CHECK_EQ(pt_peer_close(&core, peer_a, PT_ERR_CLOSED), PT_OK);
  drain_all();
  CHECK(heap_in_use() - baseline <= 0);
  pt_core_destroy(&core);
}

/* A whole message the core cannot hand over (here: the output queue at its budget, an app that stopped draining;
 * memory short is the same, tests/c/test_allocation_failures.c): a reliable channel closes, saying why, rather
 * than go on with a message missing; an unreliable one drops it, counts it, and goes on. */
static void test_a_message_that_cannot_be_handed_over(void) {
  for (int mode = PT_CHANNEL_UNRELIABLE; mode <= PT_CHANNEL_RELIABLE; mode++) {
    pt_handle a, b;
    two_channels((pt_channel_mode)mode, &a, &b);
    for (int i = 0; i < 2; i++) {
      CHECK(pt_channel_send(&core, a, PT_MESSAGE_STANDALONE, 0, (const uint8_t *)"hi", 2, 0) > 0);
    }
    CHECK(pt_channel_pull(&core, a, 1u << 20) > 0);
    static uint8_t chunks[2][PT_CHUNK_HEADER_SIZE + CHUNK];
    int lengths[2];
    for (int i = 0; i < 2; i++) {
      lengths[i] = expect_output(PT_OUTPUT_SEND, a, PT_TRANSPORT_CHANNEL);
      memcpy(chunks[i], out_buf, (size_t)lengths[i]);
    }
    int filler = 0;
    while (pt_output_queue_push(&core.outputs, PT_OUTPUT_SEND, 0, 0, "x", 1) == PT_OK) filler++;
    CHECK_EQ(pt_channel_receive(&core, b, chunks[0], (size_t)lengths[0], 0), PT_ERR_QUEUE_FULL);
    for (int i = 0; i < filler; i++) expect_output(PT_OUTPUT_SEND, 0, 0);
    if (mode == PT_CHANNEL_RELIABLE) {
      expect_output(PT_OUTPUT_EVENT, b, PT_EVENT_CHANNEL_CLOSED);
      CHECK(strstr(out_buf, "\"code\":-7") != NULL);
      CHECK_EQ(pt_channel_receive(&core, b, chunks[1], (size_t)lengths[1], 0), PT_ERR_STALE_HANDLE);
    } else {
      pt_channel_counters counters;
      CHECK_EQ(pt_channel_counters_of(&core, b, &counters), PT_OK);
      CHECK(counters.undelivered == 1 && counters.messages_received == 0);
      CHECK_EQ(pt_channel_receive(&core, b, chunks[1], (size_t)lengths[1], 0), PT_OK);
      expect_output(PT_OUTPUT_EVENT, b, PT_EVENT_CHANNEL_MESSAGE);
    }
    pt_core_destroy(&core);
  }
}

int main(void) {
  RUN(test_messages_of_every_size_arrive_whole_and_in_order);
  RUN(test_request_response_and_timeout);
  RUN(test_unreliable_loss_drops_whole_messages);
  RUN(test_reliable_partial_expires_without_progress);
  RUN(test_hostile_chunks_are_counted_and_refused);
  RUN(test_dropped_messages_remembered_are_the_last_16);
  RUN(test_backpressure_and_limits);
  RUN(test_close_fails_requests_and_peer_close_closes_channels);
  RUN(test_labels_open_and_timeouts);
  RUN(test_channels_per_peer_are_limited);
  RUN(test_reassembly_is_bounded_per_channel);
  RUN(test_reassembly_is_bounded_per_peer);
  RUN(test_reassembly_is_bounded_per_core);
  RUN(test_a_16_mib_message_in_64_kib_chunks_out_of_order);
  RUN(test_the_714_byte_attack_holds_almost_nothing);
  RUN(test_a_message_that_cannot_be_handed_over);
  return 0;
}
