#include "channel/channel.h"

#include <stdlib.h>
#include <string.h>

#include "core_harness.h"
#include "peer/peer.h"

#define CHUNK 16

static pt_handle peer_a, peer_b;

/* One core holding two peers (answering requests from 8 and 9), each with a channel "chat". */
static void two_channels(pt_channel_mode mode, pt_handle *a, pt_handle *b) {
  start_core(1000);
  pt_handle connection = ready_connection("1");
  feed(connection, "{\"type\":\"request\",\"requestId\":\"x\",\"source\":\"8\"}", PT_OK);
  feed(connection, "{\"type\":\"request\",\"requestId\":\"y\",\"source\":\"9\"}", PT_OK);
  peer_a = pt_connection_accept(&core, connection, "x", 1e9, 0);
  peer_b = pt_connection_accept(&core, connection, "y", 1e9, 0);
  pt_channel_options options = {mode, CHUNK, 4096, 500, 2000};
  *a = pt_channel_create(&core, peer_a, "chat", &options, 0);
  *b = pt_channel_create(&core, peer_b, "chat", &options, 0);
  CHECK(*a > 0 && *b > 0);
  CHECK_EQ(pt_channel_report_open(&core, *a), PT_OK);
  CHECK_EQ(pt_channel_report_open(&core, *b), PT_OK);
  drain_all();
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

/* Takes the next output, which must be a message on `channel`; returns its kind and id, data in out_buf+5. */
static int expect_message(pt_handle channel, uint32_t *id, size_t expected_length) {
  int length = expect_output(PT_OUTPUT_EVENT, channel, PT_EVENT_CHANNEL_MESSAGE);
  CHECK_EQ(length, 5 + (int)expected_length);
  *id = ((uint32_t)(uint8_t)out_buf[1] << 24) | ((uint32_t)(uint8_t)out_buf[2] << 16) |
        ((uint32_t)(uint8_t)out_buf[3] << 8) | (uint8_t)out_buf[4];
  return (uint8_t)out_buf[0];
}

static void test_messages_of_every_size_arrive_whole_and_in_order(void) {
  pt_handle a, b;
  two_channels(PT_CHANNEL_RELIABLE, &a, &b);
  size_t sizes[] = {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 100 * CHUNK + 3};
  uint8_t *data = malloc(100 * CHUNK + 3);
  for (size_t i = 0; i < 100 * CHUNK + 3; i++) data[i] = (uint8_t)(i * 31 + 7);
  for (size_t i = 0; i < 6; i++) CHECK(pt_channel_send(&core, a, PT_MESSAGE_STANDALONE, 0, data, sizes[i], 0) > 0);
  CHECK_EQ(pt_channel_backlog(&core, a), 0 + 1 + 15 + 16 + 17 + 1603);
  int chunks = relay(a, b, NULL, 0);
  CHECK_EQ(chunks, 1 + 1 + 1 + 1 + 2 + 101);
  CHECK_EQ(pt_channel_backlog(&core, a), 0);
  for (size_t i = 0; i < 6; i++) {
    uint32_t id;
    CHECK_EQ(expect_message(b, &id, sizes[i]), PT_MESSAGE_STANDALONE);
    CHECK_EQ(id, i + 1);
    CHECK(memcmp(out_buf + 5, data, sizes[i]) == 0);
  }
  pt_channel_counters counters;
  pt_channel_counters_of(&core, b, &counters);
  CHECK(counters.messages_received == 6 && counters.chunks_received == chunks && counters.rejected_chunks == 0);
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
  CHECK(got == id && memcmp(out_buf + 5, "pong!", 5) == 0);
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
  pt_channel_counters counters;
  pt_channel_counters_of(&core, a, &counters);
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
  CHECK(expect_deadline() == 10000.0);
  CHECK_EQ(pt_core_handle_timeout(&core, 10000), PT_OK);
  pt_channel_counters counters;
  pt_channel_counters_of(&core, b, &counters);
  CHECK(counters.dropped_incomplete == 1 && counters.messages_received == 1);
  pt_core_destroy(&core);
}

static void test_hostile_chunks_are_counted_and_refused(void) {
  pt_handle a, b;
  two_channels(PT_CHANNEL_UNRELIABLE, &a, &b);
  uint8_t chunk[PT_CHUNK_HEADER_SIZE + CHUNK];
  pt_chunk_header header = {1, 0, 77, 0, CHUNK, 3 * CHUNK};
  pt_chunk_header_write(&header, chunk);
  memset(chunk + PT_CHUNK_HEADER_SIZE, 1, CHUNK);
  CHECK_EQ(pt_channel_receive(&core, b, chunk, sizeof chunk, 0), PT_OK);
  CHECK_EQ(pt_channel_receive(&core, b, chunk, sizeof chunk, 0), PT_ERR_MALFORMED); /* duplicate */
  header.index = 1;
  header.total = 4 * CHUNK; /* the same message, described differently */
  pt_chunk_header_write(&header, chunk);
  CHECK_EQ(pt_channel_receive(&core, b, chunk, sizeof chunk, 0), PT_ERR_MALFORMED);
  header.total = 5000; /* over the channel's maximum (4096) */
  pt_chunk_header_write(&header, chunk);
  CHECK_EQ(pt_channel_receive(&core, b, chunk, sizeof chunk, 0), PT_ERR_TOO_LARGE);
  chunk[0] = 9;
  CHECK_EQ(pt_channel_receive(&core, b, chunk, sizeof chunk, 0), PT_ERR_UNSUPPORTED_VERSION);
  CHECK_EQ(pt_channel_receive(&core, b, chunk, 3, 0), PT_ERR_MALFORMED);
  pt_channel_counters counters;
  pt_channel_counters_of(&core, b, &counters);
  CHECK(counters.rejected_chunks == 5 && counters.messages_received == 0);
  CHECK_EQ(pt_output_queue_peek(&core.outputs, NULL), PT_OUTPUT_DEADLINE); /* nothing delivered */
  pt_core_destroy(&core);
}

static void test_backpressure_and_limits(void) {
  pt_handle a, b;
  two_channels(PT_CHANNEL_RELIABLE, &a, &b);
  uint8_t data[4096] = {0};
  CHECK_EQ(pt_channel_send(&core, a, PT_MESSAGE_STANDALONE, 0, data, 4097, 0), PT_ERR_TOO_LARGE);
  CHECK(pt_channel_send(&core, a, PT_MESSAGE_STANDALONE, 0, data, 4096, 0) > 0);
  CHECK(pt_channel_send(&core, a, PT_MESSAGE_STANDALONE, 0, data, 4096, 0) > 0);
  CHECK_EQ(pt_channel_send(&core, a, PT_MESSAGE_STANDALONE, 0, data, 1, 0), PT_ERR_QUEUE_FULL); /* 2 x max */
  /* A pull hands out about its budget, never everything at once. */
  CHECK_EQ(pt_channel_pull(&core, a, 100), 3 * (PT_CHUNK_HEADER_SIZE + CHUNK));
  CHECK_EQ(pt_channel_backlog(&core, a), 8192 - 3 * CHUNK);
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
  pt_channel_options options = {PT_CHANNEL_RELIABLE, CHUNK, 4096, 500, 2000};
  CHECK_EQ(pt_channel_create(&core, peer_a, "chat", &options, 0), PT_ERR_EXISTS);
  CHECK_EQ(pt_channel_create(&core, peer_a, "RW_Video", &options, 0), PT_ERR_BAD_VALUE);
  CHECK_EQ(pt_channel_create(&core, peer_a, "", &options, 0), PT_ERR_BAD_VALUE);
  CHECK_EQ(pt_channel_create(&core, peer_a, "a\nb", &options, 0), PT_ERR_BAD_VALUE);
  CHECK_EQ(pt_channel_create(&core, a, "x", &options, 0), PT_ERR_WRONG_KIND);
  pt_handle slow = pt_channel_create(&core, peer_a, "slow", &options, 100);
  CHECK(slow > 0);
  CHECK_EQ(pt_channel_send(&core, slow, PT_MESSAGE_STANDALONE, 0, NULL, 0, 0), PT_ERR_STATE); /* not open yet */
  drain_all();
  CHECK_EQ(pt_core_handle_timeout(&core, 2100), PT_OK);
  expect_output(PT_OUTPUT_EVENT, slow, PT_EVENT_CHANNEL_CLOSED);
  CHECK(strstr(out_buf, "PT_ERR_TIMEOUT") != NULL);
  pt_core_destroy(&core);
}

int main(void) {
  RUN(test_messages_of_every_size_arrive_whole_and_in_order);
  RUN(test_request_response_and_timeout);
  RUN(test_unreliable_loss_drops_whole_messages);
  RUN(test_hostile_chunks_are_counted_and_refused);
  RUN(test_backpressure_and_limits);
  RUN(test_close_fails_requests_and_peer_close_closes_channels);
  RUN(test_labels_open_and_timeouts);
  return 0;
}
