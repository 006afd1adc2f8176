/* Helpers for tests that drive a whole core: start it, bring a connection to ready, and check the
 * outputs it queues one by one. */
#ifndef PT_TESTS_CORE_HARNESS_H
#define PT_TESTS_CORE_HARNESS_H

#include <string.h>

#include "check.h"
#include "gateway/connection.h"

static pt_core core;
static char out_buf[PT_GATEWAY_MAX_MESSAGE];

static void start_core(double hello_timeout_ms) {
  pt_core_config config;
  pt_core_config_default(&config);
  config.max_objects = 8;
  config.hello_timeout_ms = hello_timeout_ms;
  CHECK_EQ(pt_core_init(&core, &config), PT_OK);
}

/* Takes the next output, checking its kind, handle and code; leaves its payload in out_buf. */
static int expect_output(int kind, pt_handle handle, int code) {
  pt_output_info info;
  CHECK_EQ(pt_output_queue_peek(&core.outputs, &info), kind);
  CHECK_EQ(info.handle, handle);
  CHECK_EQ(info.code, code);
  int length = pt_output_queue_take(&core.outputs, out_buf, sizeof out_buf - 1);
  CHECK(length >= 0);
  out_buf[length] = '\0';
  return length;
}

/* Takes the next output, whatever it is, into out_buf (NUL-terminated): its type (PT_OUTPUT_NONE when the
 * queue is empty), with *info and *length. */
static int take_any_output(pt_output_info *info, int *length) {
  int type = pt_output_queue_peek(&core.outputs, info);
  if (type == PT_OUTPUT_NONE) return type;
  *length = pt_output_queue_take(&core.outputs, out_buf, sizeof out_buf - 1);
  CHECK(*length >= 0);
  out_buf[*length] = '\0';
  return type;
}

/* Takes the deadline output (which must be next and last) and returns it. */
static double expect_deadline(void) {
  pt_output_info info;
  CHECK_EQ(pt_output_queue_peek(&core.outputs, &info), PT_OUTPUT_DEADLINE);
  pt_output_queue_take(&core.outputs, NULL, 0);
  CHECK_EQ(pt_output_queue_peek(&core.outputs, NULL), PT_OUTPUT_NONE);
  return info.deadline_ms;
}

/* Drops every queued output. */
static void drain_all(void) {
  while (pt_output_queue_peek(&core.outputs, NULL) != PT_OUTPUT_NONE) {
    CHECK(pt_output_queue_take(&core.outputs, out_buf, sizeof out_buf) >= 0);
  }
}

static void feed(pt_handle handle, const char *message, int expected_status) {
  CHECK_EQ(pt_connection_receive(&core, handle, message, strlen(message), 0), expected_status);
}

/* Opens a connection and completes its hello as peer `peer_id`; outputs are drained. */
static pt_handle ready_connection(const char *peer_id) {
  pt_client_hello hello;
  pt_client_hello_init(&hello);
  strcpy(hello.api_key, "key");
  pt_handle handle = pt_connection_open(&core, &hello, 0);
  CHECK(handle > 0);
  char reply[256];
  snprintf(reply, sizeof reply, "{\"type\":\"hello\",\"version\":1,\"peerId\":\"%s\",\"resumeToken\":\"t\"}", peer_id);
  feed(handle, reply, PT_OK);
  drain_all();
  return handle;
}

/* Two peers on one ready connection (requests from remote peers 8 and 9, accepted); outputs are drained.
 * Returns the connection. */
static pt_handle accept_two_peers(pt_handle *first, pt_handle *second) {
  pt_handle connection = ready_connection("1");
  feed(connection, "{\"type\":\"request\",\"requestId\":\"x\",\"source\":\"8\"}", PT_OK);
  feed(connection, "{\"type\":\"request\",\"requestId\":\"y\",\"source\":\"9\"}", PT_OK);
  *first = pt_connection_accept(&core, connection, "x", 1e9, 0);
  *second = pt_connection_accept(&core, connection, "y", 1e9, 0);
  CHECK(*first > 0 && *second > 0);
  drain_all();
  return connection;
}

#endif
