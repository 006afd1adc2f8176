#include "gateway/connection.h"

#include <string.h>

#include "core_harness.h"
#include "peer/peer.h"

#define buf out_buf

static void start(void) { start_core(1000); }

static pt_handle open_connection(double now) {
  pt_client_hello hello;
  pt_client_hello_init(&hello);
  strcpy(hello.api_key, "key");
  strcpy(hello.external_id, "ext");
  return pt_connection_open(&core, &hello, now);
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
  CHECK(expect_deadline() == 1000.0); /* a timer that fired early hears the deadline again */
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
  for (int i = 0; i < 8; i++) CHECK(open_connection(0) > 0);
  CHECK_EQ(open_connection(0), PT_ERR_FULL);
  CHECK_EQ(pt_connection_receive(&core, 12345, "{}", 2, 0), PT_ERR_INVALID_HANDLE);
  CHECK_EQ(pt_connection_close(&core, -1, PT_OK), PT_ERR_INVALID_HANDLE);
  pt_client_hello hello;
  pt_client_hello_init(&hello); /* no api key */
  CHECK_EQ(pt_connection_open(&core, &hello, 0), PT_ERR_BAD_VALUE);
  pt_core_destroy(&core);
}

static void test_outgoing_request_accepted(void) {
  start_core(1000);
  pt_handle h = ready_connection("1");
  CHECK_EQ(pt_connection_request(&core, h, 1, 5000, 100), PT_ERR_BAD_VALUE); /* ourselves */
  int number = pt_connection_request(&core, h, 2, 5000, 100);
  CHECK_EQ(number, 1);
  expect_output(PT_OUTPUT_SEND, h, PT_TRANSPORT_GATEWAY);
  CHECK(strcmp(buf, "{\"type\":\"connect\",\"requestId\":\"1\",\"target\":\"2\"}") == 0);
  CHECK(expect_deadline() == 5100.0);
  CHECK_EQ(pt_connection_request(&core, h, 2, 5000, 100), PT_ERR_EXISTS);
  /* An accept from someone else for the same request id is not ours. */
  feed(h, "{\"type\":\"accept\",\"requestId\":\"1\",\"source\":\"3\"}", PT_ERR_UNEXPECTED_MESSAGE);
  feed(h, "{\"type\":\"accept\",\"requestId\":\"1\",\"source\":\"2\",\"sourceExternalId\":\"bob\"}", PT_OK);
  pt_output_info info;
  CHECK_EQ(pt_output_queue_peek(&core.outputs, &info), PT_OUTPUT_EVENT);
  pt_handle peer = info.handle;
  expect_output(PT_OUTPUT_EVENT, peer, PT_EVENT_PEER_CREATED);
  CHECK(strstr(buf, "\"remoteId\":\"2\"") && strstr(buf, "\"offerer\":true") && strstr(buf, "\"remoteExternalId\":\"bob\""));
  /* The peer inherits what is left of the attempt's time: the earliest deadline does not change. */
  CHECK(pt_peer_deadline(&core, peer) == 5100.0);
  CHECK_EQ(pt_output_queue_peek(&core.outputs, NULL), PT_OUTPUT_NONE);
  CHECK_EQ(pt_peer_state_of(&core, peer), PT_PEER_NEW);
  CHECK_EQ(pt_connection_request(&core, h, 2, 5000, 200), PT_ERR_EXISTS); /* already a peer */
  pt_core_destroy(&core);
}

static void test_outgoing_request_failures(void) {
  start_core(1000);
  pt_handle h = ready_connection("1");
  pt_connection_request(&core, h, 2, 5000, 0);
  pt_connection_request(&core, h, 3, 5000, 0);
  pt_connection_request(&core, h, 4, 5000, 0);
  pt_connection_request(&core, h, 5, 1000, 0);
  drain_all();
  feed(h, "{\"type\":\"reject\",\"requestId\":\"1\",\"source\":\"2\",\"reason\":\"not now\"}", PT_OK);
  expect_output(PT_OUTPUT_EVENT, h, PT_EVENT_REQUEST_FAILED);
  CHECK(strstr(buf, "\"error\":\"PT_ERR_REJECTED\"") && strstr(buf, "\"message\":\"not now\"") && strstr(buf, "\"target\":\"2\""));
  feed(h, "{\"type\":\"alert\",\"level\":\"warning\",\"code\":90,\"requestId\":\"2\",\"target\":\"3\",\"message\":\"gone\"}", PT_OK);
  expect_output(PT_OUTPUT_EVENT, h, PT_EVENT_REQUEST_FAILED);
  CHECK(strstr(buf, "PT_ERR_UNREACHABLE") != NULL);
  CHECK_EQ(pt_connection_cancel(&core, h, 4), PT_OK);
  expect_output(PT_OUTPUT_SEND, h, PT_TRANSPORT_GATEWAY);
  CHECK(strstr(buf, "\"type\":\"cancel\"") && strstr(buf, "\"requestId\":\"3\""));
  expect_output(PT_OUTPUT_EVENT, h, PT_EVENT_REQUEST_FAILED);
  CHECK(strstr(buf, "PT_ERR_CANCELLED") != NULL);
  CHECK_EQ(pt_connection_cancel(&core, h, 4), PT_ERR_STATE);
  drain_all();
  CHECK_EQ(pt_core_handle_timeout(&core, 1000), PT_OK);
  expect_output(PT_OUTPUT_SEND, h, PT_TRANSPORT_GATEWAY); /* the gateway is told too */
  CHECK(strstr(buf, "\"type\":\"cancel\"") != NULL);
  expect_output(PT_OUTPUT_EVENT, h, PT_EVENT_REQUEST_FAILED);
  CHECK(strstr(buf, "PT_ERR_TIMEOUT") && strstr(buf, "\"target\":\"5\""));
  CHECK(expect_deadline() == -1.0);
  /* A warning about nothing pending is passed on for the log. */
  feed(h, "{\"type\":\"alert\",\"level\":\"warning\",\"code\":50,\"message\":\"bad\"}", PT_OK);
  expect_output(PT_OUTPUT_EVENT, h, PT_EVENT_GATEWAY_ALERT);
  pt_core_destroy(&core);
}

static void test_incoming_requests(void) {
  start_core(1000);
  pt_handle h = ready_connection("1");
  feed(h, "{\"type\":\"request\",\"requestId\":\"a\",\"source\":\"9\",\"sourceExternalId\":\"eve\"}", PT_OK);
  expect_output(PT_OUTPUT_EVENT, h, PT_EVENT_PEER_REQUEST);
  CHECK(strcmp(buf, "{\"requestId\":\"a\",\"source\":\"9\",\"sourceExternalId\":\"eve\"}") == 0);
  feed(h, "{\"type\":\"request\",\"requestId\":\"a\",\"source\":\"9\"}", PT_ERR_UNEXPECTED_MESSAGE);
  feed(h, "{\"type\":\"request\",\"requestId\":\"b\",\"source\":\"8\"}", PT_OK);
  feed(h, "{\"type\":\"request\",\"requestId\":\"c\",\"source\":\"7\"}", PT_OK);
  drain_all();
  pt_handle peer = pt_connection_accept(&core, h, "a", 2000, 10);
  CHECK(peer > 0);
  expect_output(PT_OUTPUT_SEND, h, PT_TRANSPORT_GATEWAY);
  CHECK(strcmp(buf, "{\"type\":\"accept\",\"requestId\":\"a\",\"target\":\"9\"}") == 0);
  expect_output(PT_OUTPUT_EVENT, peer, PT_EVENT_PEER_CREATED);
  CHECK(strstr(buf, "\"offerer\":false") && strstr(buf, "\"remoteExternalId\":\"eve\""));
  CHECK(expect_deadline() == 2010.0);
  CHECK_EQ(pt_connection_accept(&core, h, "a", 2000, 10), PT_ERR_STATE); /* answered already */
  CHECK_EQ(pt_connection_reject(&core, h, "b", "busy"), PT_OK);
  expect_output(PT_OUTPUT_SEND, h, PT_TRANSPORT_GATEWAY);
  CHECK(strstr(buf, "\"reason\":\"busy\"") && strstr(buf, "\"target\":\"8\""));
  feed(h, "{\"type\":\"cancel\",\"requestId\":\"c\",\"source\":\"7\"}", PT_OK);
  expect_output(PT_OUTPUT_EVENT, h, PT_EVENT_REQUEST_CANCELLED);
  CHECK_EQ(pt_connection_accept(&core, h, "c", 2000, 10), PT_ERR_STATE);
  feed(h, "{\"type\":\"cancel\",\"requestId\":\"c\",\"source\":\"7\"}", PT_ERR_UNEXPECTED_MESSAGE);
  pt_core_destroy(&core);
}

static void test_incoming_requests_are_bounded_per_requester_and_expire(void) {
  start_core(1000);
  pt_handle h = ready_connection("1");
  char request[128];
  for (int i = 0; i < PT_PENDING_PER_REQUESTER_MAX; i++) {
    snprintf(request, sizeof request, "{\"type\":\"request\",\"requestId\":\"r%d\",\"source\":\"9\"}", i);
    feed(h, request, PT_OK);
    expect_output(PT_OUTPUT_EVENT, h, PT_EVENT_PEER_REQUEST);
  }
  /* One more from the same requester is refused at once; another requester still gets through. */
  feed(h, "{\"type\":\"request\",\"requestId\":\"x\",\"source\":\"9\"}", PT_OK);
  expect_output(PT_OUTPUT_SEND, h, PT_TRANSPORT_GATEWAY);
  CHECK(strstr(buf, "\"type\":\"reject\"") && strstr(buf, "\"requestId\":\"x\"") && strstr(buf, "from you"));
  feed(h, "{\"type\":\"request\",\"requestId\":\"y\",\"source\":\"8\"}", PT_OK);
  expect_output(PT_OUTPUT_EVENT, h, PT_EVENT_PEER_REQUEST);
  drain_all();
  /* Unanswered for PT_INCOMING_REQUEST_TIMEOUT_MS: refused to the requester, withdrawn from the app, slots free. */
  CHECK_EQ(pt_connection_deadline(&core, h), PT_INCOMING_REQUEST_TIMEOUT_MS);
  CHECK_EQ(pt_core_handle_timeout(&core, PT_INCOMING_REQUEST_TIMEOUT_MS - 1), PT_OK);
  CHECK_EQ(pt_output_queue_peek(&core.outputs, NULL), PT_OUTPUT_DEADLINE);
  drain_all();
  CHECK_EQ(pt_core_handle_timeout(&core, PT_INCOMING_REQUEST_TIMEOUT_MS), PT_OK);
  for (int i = 0; i < PT_PENDING_PER_REQUESTER_MAX + 1; i++) {
    expect_output(PT_OUTPUT_SEND, h, PT_TRANSPORT_GATEWAY);
    CHECK(strstr(buf, "expired unanswered"));
    expect_output(PT_OUTPUT_EVENT, h, PT_EVENT_REQUEST_CANCELLED);
  }
  drain_all();
  CHECK_EQ(pt_connection_accept(&core, h, "r0", 2000, 0), PT_ERR_STATE);
  feed(h, "{\"type\":\"request\",\"requestId\":\"z\",\"source\":\"9\"}", PT_OK);
  expect_output(PT_OUTPUT_EVENT, h, PT_EVENT_PEER_REQUEST);
  pt_core_destroy(&core);
}

static void test_fatal_alert_fails_pending_then_closes(void) {
  start_core(1000);
  pt_handle h = ready_connection("1");
  pt_connection_request(&core, h, 2, 5000, 0);
  drain_all();
  feed(h, "{\"type\":\"alert\",\"level\":\"fatal\",\"code\":0,\"message\":\"shutting down\"}", PT_OK);
  expect_output(PT_OUTPUT_EVENT, h, PT_EVENT_REQUEST_FAILED);
  CHECK(strstr(buf, "PT_ERR_CLOSED") != NULL);
  expect_output(PT_OUTPUT_EVENT, h, PT_EVENT_CONNECTION_CLOSED);
  CHECK(strstr(buf, "\"alertCode\":0") && strstr(buf, "shutting down"));
  CHECK_EQ(pt_connection_state_of(&core, h), PT_ERR_STALE_HANDLE);
  pt_core_destroy(&core);
}

static void test_alert_instead_of_hello(void) {
  start();
  pt_handle h = open_connection(0);
  drain_all();
  feed(h, "{\"type\":\"alert\",\"level\":\"fatal\",\"code\":49,\"message\":\"bad key\"}", PT_OK);
  expect_output(PT_OUTPUT_EVENT, h, PT_EVENT_CONNECTION_CLOSED);
  CHECK(strstr(buf, "\"alertCode\":49") && strstr(buf, "bad key"));
  CHECK_EQ(pt_connection_state_of(&core, h), PT_ERR_STALE_HANDLE);
  pt_core_destroy(&core);
}

int main(void) {
  RUN(test_hello_exchange);
  RUN(test_bad_hello_closes_with_its_error);
  RUN(test_hello_timeout);
  RUN(test_registry_exhaustion_and_bad_handles);
  RUN(test_outgoing_request_accepted);
  RUN(test_outgoing_request_failures);
  RUN(test_incoming_requests);
  RUN(test_incoming_requests_are_bounded_per_requester_and_expire);
  RUN(test_fatal_alert_fails_pending_then_closes);
  RUN(test_alert_instead_of_hello);
  return 0;
}
