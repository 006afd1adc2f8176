#include "gateway/connection.h"

#include <string.h>

#include "check.h"

static pt_core core;
static char buf[PT_GATEWAY_MAX_MESSAGE];

static void start(void) {
  pt_core_config config;
  pt_core_config_default(&config);
  config.max_objects = 4;
  config.hello_timeout_ms = 1000;
  CHECK_EQ(pt_core_init(&core, &config), PT_OK);
}

static pt_handle open_connection(double now) {
  pt_client_hello hello;
  pt_client_hello_init(&hello);
  strcpy(hello.api_key, "key");
  strcpy(hello.external_id, "ext");
  return pt_connection_open(&core, &hello, now);
}

/* Takes the next output, checking its kind, handle and code; returns the payload length. */
static int expect_output(int kind, pt_handle handle, int code) {
  pt_output_info info;
  CHECK_EQ(pt_output_queue_peek(&core.outputs, &info), kind);
  CHECK_EQ(info.handle, handle);
  CHECK_EQ(info.code, code);
  int length = pt_output_queue_take(&core.outputs, buf, sizeof buf - 1);
  CHECK(length >= 0);
  buf[length] = '\0';
  return length;
}

static double expect_deadline(void) {
  pt_output_info info;
  CHECK_EQ(pt_output_queue_peek(&core.outputs, &info), PT_OUTPUT_DEADLINE);
  pt_output_queue_take(&core.outputs, NULL, 0);
  CHECK_EQ(pt_output_queue_peek(&core.outputs, NULL), PT_OUTPUT_NONE);
  return info.deadline_ms;
}

static void test_hello_exchange(void) {
  start();
  pt_handle h = open_connection(100);
  CHECK(h > 0);
  expect_output(PT_OUTPUT_SEND, h, PT_TRANSPORT_GATEWAY);
  pt_client_hello sent;
  CHECK_EQ(pt_client_hello_parse(buf, strlen(buf), &sent), PT_OK);
  CHECK(strcmp(sent.api_key, "key") == 0 && strcmp(sent.external_id, "ext") == 0);
  CHECK(expect_deadline() == 1100.0);
  CHECK_EQ(pt_connection_state_of(&core, h), PT_CONNECTION_AWAITING_HELLO);

  const char *reply = "{\"type\":\"hello\",\"version\":1,\"peerId\":\"42\",\"resumeToken\":\"r\"}";
  CHECK_EQ(pt_connection_receive(&core, h, reply, strlen(reply), 200), PT_OK);
  expect_output(PT_OUTPUT_EVENT, h, PT_EVENT_CONNECTION_READY);
  CHECK(strstr(buf, "\"peerId\":\"42\"") != NULL);
  CHECK(expect_deadline() == -1.0);
  CHECK_EQ(pt_connection_state_of(&core, h), PT_CONNECTION_READY);
  /* Nothing else is understood yet on a ready connection; it stays open. */
  CHECK_EQ(pt_connection_receive(&core, h, reply, strlen(reply), 300), PT_ERR_UNEXPECTED_MESSAGE);
  CHECK_EQ(pt_connection_state_of(&core, h), PT_CONNECTION_READY);

  CHECK_EQ(pt_connection_close(&core, h, PT_ERR_CLOSED), PT_OK);
  expect_output(PT_OUTPUT_EVENT, h, PT_EVENT_CONNECTION_CLOSED);
  CHECK(strcmp(buf, "{\"code\":-22,\"error\":\"PT_ERR_CLOSED\"}") == 0);
  CHECK_EQ(pt_connection_state_of(&core, h), PT_ERR_STALE_HANDLE);
  CHECK_EQ(pt_registry_live(&core.registry), 0);
  pt_core_destroy(&core);
}

static void test_bad_hello_closes_with_its_error(void) {
  const char *replies[] = {"not json", "{\"type\":\"hello\",\"version\":1,\"peerId\":7,\"resumeToken\":\"r\"}",
                           "{\"type\":\"alert\"}"};
  const char *errors[] = {"PT_ERR_MALFORMED", "PT_ERR_WRONG_TYPE", "PT_ERR_UNEXPECTED_MESSAGE"};
  for (int i = 0; i < 3; i++) {
    start();
    pt_handle h = open_connection(0);
    expect_output(PT_OUTPUT_SEND, h, PT_TRANSPORT_GATEWAY);
    CHECK(pt_connection_receive(&core, h, replies[i], strlen(replies[i]), 10) < 0);
    expect_output(PT_OUTPUT_EVENT, h, PT_EVENT_CONNECTION_CLOSED);
    CHECK(strstr(buf, errors[i]) != NULL);
    CHECK_EQ(pt_connection_state_of(&core, h), PT_ERR_STALE_HANDLE);
    pt_core_destroy(&core);
  }
}

static void test_hello_timeout(void) {
  start();
  pt_handle a = open_connection(0);
  pt_handle b = open_connection(500);
  expect_output(PT_OUTPUT_SEND, a, PT_TRANSPORT_GATEWAY);
  expect_output(PT_OUTPUT_SEND, b, PT_TRANSPORT_GATEWAY);
  CHECK(expect_deadline() == 1000.0);
  CHECK_EQ(pt_core_handle_timeout(&core, 999), PT_OK);
  CHECK_EQ(pt_connection_state_of(&core, a), PT_CONNECTION_AWAITING_HELLO);
  CHECK_EQ(pt_core_handle_timeout(&core, 1000), PT_OK);
  expect_output(PT_OUTPUT_EVENT, a, PT_EVENT_CONNECTION_CLOSED);
  CHECK(strstr(buf, "PT_ERR_TIMEOUT") != NULL);
  CHECK(expect_deadline() == 1500.0); /* b remains */
  CHECK_EQ(pt_connection_state_of(&core, b), PT_CONNECTION_AWAITING_HELLO);
  pt_core_destroy(&core); /* releases b without leaks (checked under ASan) */
}

static void test_registry_exhaustion_and_bad_handles(void) {
  start();
  for (int i = 0; i < 4; i++) CHECK(open_connection(0) > 0);
  CHECK_EQ(open_connection(0), PT_ERR_FULL);
  CHECK_EQ(pt_connection_receive(&core, 12345, "{}", 2, 0), PT_ERR_INVALID_HANDLE);
  CHECK_EQ(pt_connection_close(&core, -1, PT_OK), PT_ERR_INVALID_HANDLE);
  pt_client_hello hello;
  pt_client_hello_init(&hello); /* no api key */
  CHECK_EQ(pt_connection_open(&core, &hello, 0), PT_ERR_BAD_VALUE);
  pt_core_destroy(&core);
}

int main(void) {
  RUN(test_hello_exchange);
  RUN(test_bad_hello_closes_with_its_error);
  RUN(test_hello_timeout);
  RUN(test_registry_exhaustion_and_bad_handles);
  return 0;
}
