#include "peer/peer.h"

#include <string.h>

#include "core_harness.h"

/* A ready connection "1" with an accepted incoming request from "9": returns the peer. */
static pt_handle connected_pair(pt_handle *connection) {
  start_core(1000);
  *connection = ready_connection("1");
  feed(*connection, "{\"type\":\"request\",\"requestId\":\"r\",\"source\":\"9\"}", PT_OK);
  pt_handle peer = pt_connection_accept(&core, *connection, "r", 3000, 0);
  CHECK(peer > 0);
  drain_all();
  return peer;
}

static void test_state_follows_rtc_and_control_channel(void) {
  pt_handle connection;
  pt_handle peer = connected_pair(&connection);
  CHECK_EQ(pt_peer_report_rtc(&core, peer, PT_RTC_NEW, 0), PT_OK);
  CHECK_EQ(pt_output_queue_peek(&core.outputs, NULL), PT_OUTPUT_NONE); /* no change, no event */
  pt_peer_report_rtc(&core, peer, PT_RTC_CONNECTING, 0);
  expect_output(PT_OUTPUT_EVENT, peer, PT_EVENT_PEER_STATE);
  CHECK(strcmp(out_buf, "{\"state\":1}") == 0);
  /* Transport up but the control channel not yet open: still connecting. */
  pt_peer_report_rtc(&core, peer, PT_RTC_CONNECTED, 0);
  CHECK_EQ(pt_output_queue_peek(&core.outputs, NULL), PT_OUTPUT_NONE);
  pt_peer_report_control(&core, peer, 1);
  expect_output(PT_OUTPUT_EVENT, peer, PT_EVENT_PEER_STATE);
  CHECK(strcmp(out_buf, "{\"state\":2}") == 0);
  CHECK(expect_deadline() == -1.0); /* connected: no more deadline */
  CHECK_EQ(pt_peer_state_of(&core, peer), PT_PEER_CONNECTED);
  pt_peer_report_rtc(&core, peer, PT_RTC_DISCONNECTED, 0);
  expect_output(PT_OUTPUT_EVENT, peer, PT_EVENT_PEER_STATE);
  CHECK(strcmp(out_buf, "{\"state\":3}") == 0);
  pt_peer_report_rtc(&core, peer, PT_RTC_FAILED, 0);
  expect_output(PT_OUTPUT_EVENT, peer, PT_EVENT_PEER_STATE);
  CHECK(strcmp(out_buf, "{\"state\":4}") == 0);
  expect_output(PT_OUTPUT_EVENT, peer, PT_EVENT_PEER_CLOSED);
  CHECK_EQ(pt_peer_state_of(&core, peer), PT_ERR_STALE_HANDLE);
  CHECK_EQ(pt_peer_report_rtc(&core, peer, PT_RTC_CLOSED, 0), PT_ERR_STALE_HANDLE);
  CHECK_EQ(pt_peer_report_rtc(&core, connection, PT_RTC_CLOSED, 0), PT_ERR_WRONG_KIND);
  pt_core_destroy(&core);
}

static void test_timeout_before_connected(void) {
  pt_handle connection;
  pt_handle peer = connected_pair(&connection);
  pt_peer_report_rtc(&core, peer, PT_RTC_CONNECTING, 0);
  drain_all();
  CHECK_EQ(pt_core_handle_timeout(&core, 2999), PT_OK);
  CHECK(expect_deadline() == 3000.0);
  CHECK_EQ(pt_core_handle_timeout(&core, 3000), PT_OK);
  expect_output(PT_OUTPUT_EVENT, peer, PT_EVENT_PEER_CLOSED);
  CHECK(strstr(out_buf, "PT_ERR_TIMEOUT") != NULL);
  pt_core_destroy(&core);
}

static void test_signaling_both_ways(void) {
  pt_handle connection;
  pt_handle peer = connected_pair(&connection);
  const char *answer = "{\"sdp\":\"v=0\\r\\n\",\"type\":\"answer\"}";
  CHECK_EQ(pt_peer_send_signal(&core, peer, PT_SIGNAL_ANSWER, answer, strlen(answer)), PT_OK);
  expect_output(PT_OUTPUT_SEND, connection, PT_TRANSPORT_GATEWAY);
  CHECK(strcmp(out_buf, "{\"type\":\"signal\",\"requestId\":\"r\",\"target\":\"9\",\"kind\":\"answer\","
                        "\"data\":{\"sdp\":\"v=0\\r\\n\"}}") == 0);
  CHECK_EQ(pt_peer_send_signal(&core, peer, PT_SIGNAL_CANDIDATE, "{}", 2), PT_ERR_MISSING_FIELD);
  CHECK_EQ(pt_peer_send_signal(&core, peer, PT_SIGNAL_OFFER, "nope", 4), PT_ERR_MALFORMED);
  feed(connection, "{\"type\":\"signal\",\"requestId\":\"r\",\"source\":\"9\",\"kind\":\"candidate\","
                   "\"data\":{\"candidate\":\"candidate:1\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0}}", PT_OK);
  expect_output(PT_OUTPUT_EVENT, peer, PT_EVENT_PEER_SIGNAL);
  CHECK(strcmp(out_buf, "{\"kind\":\"candidate\",\"data\":{\"candidate\":\"candidate:1\",\"sdpMid\":\"0\","
                        "\"sdpMLineIndex\":0}}") == 0);
  /* Signaling for another attempt, or from a stranger, reaches no peer. */
  feed(connection, "{\"type\":\"signal\",\"requestId\":\"other\",\"source\":\"9\",\"kind\":\"offer\",\"data\":{\"sdp\":\"x\"}}",
       PT_ERR_UNEXPECTED_MESSAGE);
  feed(connection, "{\"type\":\"signal\",\"requestId\":\"r\",\"source\":\"8\",\"kind\":\"offer\",\"data\":{\"sdp\":\"x\"}}",
       PT_ERR_UNEXPECTED_MESSAGE);
  CHECK_EQ(pt_output_queue_peek(&core.outputs, NULL), PT_OUTPUT_NONE);
  pt_core_destroy(&core);
}

static void test_peer_outlives_its_gateway_connection(void) {
  pt_handle connection;
  pt_handle peer = connected_pair(&connection);
  pt_peer_report_rtc(&core, peer, PT_RTC_CONNECTED, 0);
  pt_peer_report_control(&core, peer, 1);
  drain_all();
  CHECK_EQ(pt_connection_close(&core, connection, PT_ERR_CLOSED), PT_OK);
  drain_all();
  CHECK_EQ(pt_peer_state_of(&core, peer), PT_PEER_CONNECTED);
  CHECK_EQ(pt_peer_send_signal(&core, peer, PT_SIGNAL_OFFER, "{\"sdp\":\"x\"}", 11), PT_ERR_STALE_HANDLE);
  CHECK_EQ(pt_peer_close(&core, peer, PT_ERR_CLOSED), PT_OK);
  expect_output(PT_OUTPUT_EVENT, peer, PT_EVENT_PEER_CLOSED);
  CHECK_EQ(pt_registry_live(&core.registry), 0);
  pt_core_destroy(&core);
}

/* Closing events are never lost: with the output queue at its budget (an app that does not drain, or memory
 * short) the peer's and the connection's still come, in the items reserved when they were made. */
static void test_closing_events_come_with_the_queue_full(void) {
  pt_handle connection;
  pt_handle peer = connected_pair(&connection);
  int filler = 0;
  while (pt_output_queue_push(&core.outputs, PT_OUTPUT_SEND, 0, 0, "x", 1) == PT_OK) filler++;
  CHECK(filler > 0);
  CHECK_EQ(pt_peer_close(&core, peer, PT_ERR_CLOSED), PT_OK);
  CHECK_EQ(pt_connection_close(&core, connection, PT_ERR_CLOSED), PT_OK);
  for (int i = 0; i < filler; i++) expect_output(PT_OUTPUT_SEND, 0, 0);
  expect_output(PT_OUTPUT_EVENT, peer, PT_EVENT_PEER_CLOSED);
  CHECK(strcmp(out_buf, "{\"code\":-22,\"error\":\"PT_ERR_CLOSED\"}") == 0);
  expect_output(PT_OUTPUT_EVENT, connection, PT_EVENT_CONNECTION_CLOSED);
  CHECK(strcmp(out_buf, "{\"code\":-22,\"error\":\"PT_ERR_CLOSED\"}") == 0);
  CHECK_EQ(pt_registry_live(&core.registry), 0);
  pt_core_destroy(&core);
}

static void test_control_channel_lost_after_connected_is_failure(void) {
  pt_handle connection;
  pt_handle peer = connected_pair(&connection);
  pt_peer_report_rtc(&core, peer, PT_RTC_CONNECTED, 0);
  pt_peer_report_control(&core, peer, 1);
  drain_all();
  pt_peer_report_control(&core, peer, 0);
  expect_output(PT_OUTPUT_EVENT, peer, PT_EVENT_PEER_STATE);
  CHECK(strcmp(out_buf, "{\"state\":4}") == 0);
  expect_output(PT_OUTPUT_EVENT, peer, PT_EVENT_PEER_CLOSED);
  pt_core_destroy(&core);
}

static void test_disconnected_too_long_is_closed_and_a_short_outage_is_not(void) {
  pt_handle connection;
  pt_handle peer = connected_pair(&connection);
  pt_peer_report_rtc(&core, peer, PT_RTC_CONNECTED, 0);
  pt_peer_report_control(&core, peer, 1);
  CHECK_EQ(pt_peer_set_disconnected_timeout(&core, peer, 500), PT_OK);
  CHECK_EQ(pt_peer_set_disconnected_timeout(&core, peer, 0), PT_ERR_BAD_VALUE);
  drain_all();
  CHECK_EQ(pt_peer_deadline(&core, peer), -1);
  /* A short outage: back to Connected before the timeout, nothing closes. */
  pt_peer_report_rtc(&core, peer, PT_RTC_DISCONNECTED, 1000);
  CHECK_EQ(pt_peer_deadline(&core, peer), 1500);
  pt_peer_report_rtc(&core, peer, PT_RTC_CONNECTED, 1200);
  CHECK_EQ(pt_peer_deadline(&core, peer), -1);
  CHECK_EQ(pt_core_handle_timeout(&core, 2000), PT_OK);
  CHECK_EQ(pt_peer_state_of(&core, peer), PT_PEER_CONNECTED);
  drain_all();
  /* Disconnected for good: closed with PT_ERR_TIMEOUT at the deadline, not before. */
  pt_peer_report_rtc(&core, peer, PT_RTC_DISCONNECTED, 3000);
  pt_peer_report_rtc(&core, peer, PT_RTC_DISCONNECTED, 3400); /* a repeated report keeps the first deadline */
  CHECK_EQ(pt_peer_deadline(&core, peer), 3500);
  drain_all();
  CHECK_EQ(pt_core_handle_timeout(&core, 3499), PT_OK);
  CHECK_EQ(pt_peer_state_of(&core, peer), PT_PEER_DISCONNECTED);
  drain_all();
  CHECK_EQ(pt_core_handle_timeout(&core, 3500), PT_OK);
  expect_output(PT_OUTPUT_EVENT, peer, PT_EVENT_PEER_CLOSED);
  CHECK(strstr(out_buf, "PT_ERR_TIMEOUT") != NULL);
  pt_core_destroy(&core);
}

int main(void) {
  RUN(test_state_follows_rtc_and_control_channel);
  RUN(test_timeout_before_connected);
  RUN(test_signaling_both_ways);
  RUN(test_peer_outlives_its_gateway_connection);
  RUN(test_closing_events_come_with_the_queue_full);
  RUN(test_control_channel_lost_after_connected_is_failure);
  RUN(test_disconnected_too_long_is_closed_and_a_short_outage_is_not);
  return 0;
}
