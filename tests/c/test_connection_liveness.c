/* A gateway connection's liveness: the heartbeat on protocol version 2, the loss of the link,
 * reconnection attempts with backoff, the resumed hello (token, takeOver), giving up, and what a
 * loss does to pending attempts. */
#include "gateway/connection.h"

#include <math.h>
#include <string.h>

#include "core_harness.h"

#define buf out_buf

/* Takes the next output that is not a deadline and checks it (payload left in buf). */
static void expect(int kind, pt_handle handle, int code) {
  pt_output_info info;
  while (pt_output_queue_peek(&core.outputs, &info) == PT_OUTPUT_DEADLINE) pt_output_queue_take(&core.outputs, NULL, 0);
  expect_output(kind, handle, code);
}

/* Nothing but deadlines is queued. */
static void expect_nothing(void) {
  pt_output_info info;
  while (pt_output_queue_peek(&core.outputs, &info) == PT_OUTPUT_DEADLINE) pt_output_queue_take(&core.outputs, NULL, 0);
  CHECK_EQ(pt_output_queue_peek(&core.outputs, NULL), PT_OUTPUT_NONE);
}

static void receive(pt_handle handle, const char *message, double now, int expected) {
  CHECK_EQ(pt_connection_receive(&core, handle, message, strlen(message), now), expected);
}

/* A number field of the JSON in buf. */
static double field(const char *name) {
  char key[64];
  snprintf(key, sizeof key, "\"%s\":", name);
  const char *at = strstr(buf, key);
  CHECK(at != NULL);
  return strtod(at + strlen(key), NULL);
}

static pt_liveness_config policy(double give_up_ms) {
  pt_liveness_config config = {.ping_interval_ms = 100, .ping_timeout_ms = 300, .retry_min_ms = 50,
                               .retry_max_ms = 400, .give_up_ms = give_up_ms};
  return config;
}

/* A connection configured with `config` and ready (gateway version `version`, token "t1") at time 0. */
static pt_handle ready(const pt_liveness_config *config, int version) {
  pt_client_hello hello;
  pt_client_hello_init(&hello);
  strcpy(hello.api_key, "key");
  pt_handle handle = pt_connection_open(&core, &hello, 0);
  CHECK(handle > 0);
  expect(PT_OUTPUT_SEND, handle, PT_TRANSPORT_GATEWAY);
  CHECK(strstr(buf, "\"version\":2") && strstr(buf, "\"minVersion\":1") && strstr(buf, "takeOver") == NULL);
  CHECK_EQ(pt_connection_configure(&core, handle, config, 0), PT_OK);
  char reply[128];
  snprintf(reply, sizeof reply, "{\"type\":\"hello\",\"version\":%d,\"peerId\":\"42\",\"resumeToken\":\"t1\"}", version);
  receive(handle, reply, 0, PT_OK);
  expect(PT_OUTPUT_EVENT, handle, PT_EVENT_CONNECTION_READY);
  expect_nothing();
  return handle;
}

/* From WAITING: fires the retry deadline (PT_EVENT_CONNECTION_RECONNECT) and returns its time. */
static double reconnect_due(pt_handle handle, uint32_t attempt) {
  CHECK_EQ(pt_connection_state_of(&core, handle), PT_CONNECTION_WAITING);
  double due = pt_connection_deadline(&core, handle);
  CHECK_EQ(pt_core_handle_timeout(&core, due), PT_OK);
  expect(PT_OUTPUT_EVENT, handle, PT_EVENT_CONNECTION_RECONNECT);
  CHECK_EQ(field("attempt"), attempt);
  CHECK_EQ(pt_connection_state_of(&core, handle), PT_CONNECTION_OPENING);
  return due;
}

static void test_heartbeat_loss_and_resume(void) {
  start_core(1000);
  pt_liveness_config config = policy(-1);
  pt_handle h = ready(&config, 2);
  CHECK(pt_connection_deadline(&core, h) == 100);
  CHECK_EQ(pt_core_handle_timeout(&core, 100), PT_OK);
  expect(PT_OUTPUT_SEND, h, PT_TRANSPORT_GATEWAY);
  CHECK(strcmp(buf, "{\"type\":\"ping\",\"id\":0}") == 0);
  receive(h, "{\"type\":\"pong\",\"id\":0}", 150, PT_OK);
  expect_nothing();
  CHECK_EQ(pt_core_handle_timeout(&core, 200), PT_OK);
  expect(PT_OUTPUT_SEND, h, PT_TRANSPORT_GATEWAY);
  CHECK(strcmp(buf, "{\"type\":\"ping\",\"id\":1}") == 0);
  /* Unanswered: no second ping, then the link is declared lost when its timeout passes. */
  CHECK_EQ(pt_core_handle_timeout(&core, 300), PT_OK);
  expect_nothing();
  CHECK_EQ(pt_core_handle_timeout(&core, 500), PT_OK);
  expect(PT_OUTPUT_EVENT, h, PT_EVENT_CONNECTION_LOST);
  CHECK(strstr(buf, "\"error\":\"PT_ERR_TIMEOUT\"") && field("attempt") == 1);
  double delay = field("delayMs");
  CHECK(delay >= 25 && delay <= 50);
  /* The event prints delayMs to JSON's precision (15 digits), so compare within that. */
  CHECK(fabs(pt_connection_deadline(&core, h) - (500 + delay)) < 1e-9);
  /* No socket while waiting: nothing is received or sent. */
  receive(h, "{\"type\":\"pong\",\"id\":1}", 510, PT_ERR_STATE);
  CHECK_EQ(pt_connection_send(&core, h, "{}", 2), PT_ERR_STATE);
  CHECK_EQ(pt_connection_socket_open(&core, h, 510), PT_ERR_STATE);
  CHECK_EQ(pt_connection_request(&core, h, 7, 1000, 510), PT_ERR_STATE);
  CHECK_EQ(pt_connection_socket_closed(&core, h, 510), PT_OK); /* the dropped socket's late close */
  expect_nothing();

  /* Attempt 1's socket fails; attempt 2 waits twice as long. */
  double now = reconnect_due(h, 1);
  CHECK_EQ(pt_connection_socket_closed(&core, h, now), PT_OK);
  expect(PT_OUTPUT_EVENT, h, PT_EVENT_CONNECTION_LOST);
  CHECK(strstr(buf, "PT_ERR_CLOSED") && field("attempt") == 2 && field("delayMs") >= 50 && field("delayMs") <= 100);
  now = reconnect_due(h, 2);
  CHECK_EQ(pt_connection_socket_open(&core, h, now), PT_OK);
  expect(PT_OUTPUT_SEND, h, PT_TRANSPORT_GATEWAY);
  pt_client_hello sent;
  CHECK_EQ(pt_client_hello_parse(buf, strlen(buf), &sent), PT_OK);
  CHECK(strcmp(sent.resume_token, "t1") == 0 && sent.take_over == 1 && strcmp(sent.api_key, "key") == 0);
  CHECK_EQ(pt_connection_state_of(&core, h), PT_CONNECTION_AWAITING_HELLO);
  CHECK(pt_connection_deadline(&core, h) == now + 1000); /* the hello timeout */
  receive(h, "{\"type\":\"hello\",\"version\":2,\"peerId\":\"42\",\"resumeToken\":\"t2\"}", now + 10, PT_OK);
  expect(PT_OUTPUT_EVENT, h, PT_EVENT_CONNECTION_READY);
  CHECK(strstr(buf, "\"peerId\":\"42\"") && strstr(buf, "\"resumeToken\":\"t2\""));
  CHECK_EQ(pt_connection_state_of(&core, h), PT_CONNECTION_READY);
  CHECK(pt_connection_deadline(&core, h) == now + 110); /* pinging again */
  /* A later loss counts its attempts from 1 again and resumes with the newest token. */
  CHECK_EQ(pt_connection_socket_closed(&core, h, now + 20), PT_OK);
  expect(PT_OUTPUT_EVENT, h, PT_EVENT_CONNECTION_LOST);
  CHECK_EQ(field("attempt"), 1);
  now = reconnect_due(h, 1);
  CHECK_EQ(pt_connection_socket_open(&core, h, now), PT_OK);
  expect(PT_OUTPUT_SEND, h, PT_TRANSPORT_GATEWAY);
  CHECK(strstr(buf, "\"resumeToken\":\"t2\"") && strstr(buf, "\"takeOver\":true"));
  pt_core_destroy(&core);
}

static void test_without_reconnection_a_loss_closes(void) {
  for (int by_heartbeat = 0; by_heartbeat < 2; by_heartbeat++) {
    start_core(1000);
    pt_liveness_config config = policy(0);
    pt_handle h = ready(&config, 2);
    if (by_heartbeat) {
      CHECK_EQ(pt_core_handle_timeout(&core, 100), PT_OK);
      expect(PT_OUTPUT_SEND, h, PT_TRANSPORT_GATEWAY);
      CHECK_EQ(pt_core_handle_timeout(&core, 400), PT_OK);
    } else {
      CHECK_EQ(pt_connection_socket_closed(&core, h, 10), PT_OK);
    }
    expect(PT_OUTPUT_EVENT, h, PT_EVENT_CONNECTION_CLOSED);
    CHECK(strstr(buf, by_heartbeat ? "PT_ERR_TIMEOUT" : "PT_ERR_CLOSED") != NULL);
    CHECK_EQ(pt_connection_state_of(&core, h), PT_ERR_STALE_HANDLE);
    pt_core_destroy(&core);
  }
  /* Nor before the first hello, whatever the policy: connect() fails instead. */
  start_core(1000);
  pt_client_hello hello;
  pt_client_hello_init(&hello);
  strcpy(hello.api_key, "key");
  pt_handle h = pt_connection_open(&core, &hello, 0);
  pt_liveness_config config = policy(-1);
  CHECK_EQ(pt_connection_configure(&core, h, &config, 0), PT_OK);
  CHECK_EQ(pt_connection_socket_closed(&core, h, 5), PT_OK);
  expect(PT_OUTPUT_SEND, h, PT_TRANSPORT_GATEWAY);
  expect(PT_OUTPUT_EVENT, h, PT_EVENT_CONNECTION_CLOSED);
  pt_core_destroy(&core);
}

static void test_gives_up_after_its_time_with_bounded_delays(void) {
  start_core(1000);
  pt_liveness_config config = policy(1000);
  pt_handle h = ready(&config, 2);
  CHECK_EQ(pt_connection_socket_closed(&core, h, 0), PT_OK);
  double now = 0;
  uint32_t attempts = 0;
  for (;;) {
    pt_output_info info;
    while (pt_output_queue_peek(&core.outputs, &info) == PT_OUTPUT_DEADLINE) pt_output_queue_take(&core.outputs, NULL, 0);
    if (info.code == PT_EVENT_CONNECTION_CLOSED) break;
    expect(PT_OUTPUT_EVENT, h, PT_EVENT_CONNECTION_LOST);
    CHECK_EQ(field("attempt"), ++attempts);
    double delay = field("delayMs");
    CHECK(delay >= 0 && delay <= 400 && now + delay <= 1000); /* the last attempt comes as time runs out */
    now = reconnect_due(h, attempts);
    CHECK_EQ(pt_connection_socket_closed(&core, h, now), PT_OK);
  }
  expect(PT_OUTPUT_EVENT, h, PT_EVENT_CONNECTION_CLOSED);
  CHECK(now >= 1000 && attempts >= 4);
  CHECK_EQ(pt_connection_state_of(&core, h), PT_ERR_STALE_HANDLE);
  pt_core_destroy(&core);
}

static void test_a_loss_withdraws_pending_attempts(void) {
  start_core(1000);
  pt_liveness_config config = policy(-1);
  pt_handle h = ready(&config, 2);
  CHECK(pt_connection_request(&core, h, 7, 5000, 0) > 0);
  receive(h, "{\"type\":\"request\",\"requestId\":\"in\",\"source\":\"8\"}", 0, PT_OK);
  drain_all();
  CHECK_EQ(pt_connection_socket_closed(&core, h, 10), PT_OK);
  expect(PT_OUTPUT_EVENT, h, PT_EVENT_REQUEST_FAILED);
  CHECK(strstr(buf, "PT_ERR_CLOSED") && strstr(buf, "\"target\":\"7\""));
  expect(PT_OUTPUT_EVENT, h, PT_EVENT_REQUEST_CANCELLED);
  CHECK(strstr(buf, "\"requestId\":\"in\"") && strstr(buf, "\"source\":\"8\""));
  expect(PT_OUTPUT_EVENT, h, PT_EVENT_CONNECTION_LOST);
  expect_nothing();
  CHECK_EQ(pt_connection_accept(&core, h, "in", 1000, 20), PT_ERR_STATE);
  pt_core_destroy(&core);
}

static void test_fatal_alerts(void) {
  /* The gateway shutting down (or failing) may come back: reconnect. */
  start_core(1000);
  pt_liveness_config config = policy(-1);
  pt_handle h = ready(&config, 2);
  receive(h, "{\"type\":\"alert\",\"level\":\"fatal\",\"code\":0,\"message\":\"shutting down\"}", 10, PT_OK);
  expect(PT_OUTPUT_EVENT, h, PT_EVENT_CONNECTION_LOST);
  CHECK(strstr(buf, "\"alertCode\":0") && strstr(buf, "shutting down") && field("attempt") == 1);
  /* A refused key on the way back is final. */
  double now = reconnect_due(h, 1);
  CHECK_EQ(pt_connection_socket_open(&core, h, now), PT_OK);
  expect(PT_OUTPUT_SEND, h, PT_TRANSPORT_GATEWAY);
  receive(h, "{\"type\":\"alert\",\"level\":\"fatal\",\"code\":49,\"message\":\"bad key\"}", now, PT_OK);
  expect(PT_OUTPUT_EVENT, h, PT_EVENT_CONNECTION_CLOSED);
  CHECK(strstr(buf, "\"alertCode\":49") != NULL);
  pt_core_destroy(&core);
  /* Taken over by another connection with the token: final too (reconnecting would take it back). */
  start_core(1000);
  h = ready(&config, 2);
  receive(h, "{\"type\":\"alert\",\"level\":\"fatal\",\"code\":91,\"message\":\"taken over\"}", 10, PT_OK);
  expect(PT_OUTPUT_EVENT, h, PT_EVENT_CONNECTION_CLOSED);
  CHECK(strstr(buf, "\"alertCode\":91") != NULL);
  pt_core_destroy(&core);
  /* An internal error reconnects; a reattempt's hello timeout is one more failed attempt. */
  start_core(1000);
  h = ready(&config, 2);
  receive(h, "{\"type\":\"alert\",\"level\":\"fatal\",\"code\":80,\"message\":\"oops\"}", 10, PT_OK);
  expect(PT_OUTPUT_EVENT, h, PT_EVENT_CONNECTION_LOST);
  now = reconnect_due(h, 1);
  CHECK_EQ(pt_connection_socket_open(&core, h, now), PT_OK);
  expect(PT_OUTPUT_SEND, h, PT_TRANSPORT_GATEWAY);
  CHECK_EQ(pt_core_handle_timeout(&core, now + 1000), PT_OK);
  expect(PT_OUTPUT_EVENT, h, PT_EVENT_CONNECTION_LOST);
  CHECK(strstr(buf, "PT_ERR_TIMEOUT") && field("attempt") == 2);
  /* So is a socket that never opens (the glue is asked again after the delay). */
  now = reconnect_due(h, 2);
  CHECK_EQ(pt_core_handle_timeout(&core, now + 1000), PT_OK);
  expect(PT_OUTPUT_EVENT, h, PT_EVENT_CONNECTION_LOST);
  CHECK_EQ(field("attempt"), 3);
  pt_core_destroy(&core);
}

static void test_token_refresh_and_stale_pongs(void) {
  start_core(1000);
  pt_liveness_config config = policy(-1);
  pt_handle h = ready(&config, 2);
  receive(h, "{\"type\":\"pong\",\"id\":5}", 10, PT_OK); /* answers no ping: ignored */
  expect_nothing();
  receive(h, "{\"type\":\"pong\",\"id\":5,\"resumeToken\":\"t9\"}", 20, PT_OK);
  expect(PT_OUTPUT_EVENT, h, PT_EVENT_CONNECTION_TOKEN);
  CHECK(strcmp(buf, "{\"resumeToken\":\"t9\"}") == 0);
  /* Fresh ICE servers (TURN credentials) replace the hello's, token or not. */
  receive(h, "{\"type\":\"pong\",\"id\":5,\"iceServers\":[{\"urls\":\"turn:t\",\"username\":\"9:1\",\"credential\":\"k\"}]}", 25, PT_OK);
  expect(PT_OUTPUT_EVENT, h, PT_EVENT_CONNECTION_ICE_SERVERS);
  CHECK(strcmp(buf, "{\"iceServers\":[{\"urls\":[\"turn:t\"],\"username\":\"9:1\",\"credential\":\"k\"}]}") == 0);
  expect_nothing();
  receive(h, "{\"type\":\"pong\",\"id\":5,\"iceServers\":[{\"urls\":\"ftp:t\"}]}", 26, PT_ERR_BAD_VALUE);
  expect_nothing();
  receive(h, "{\"type\":\"pong\",\"id\":\"5\"}", 30, PT_ERR_WRONG_TYPE); /* refused, the session goes on */
  CHECK_EQ(pt_connection_socket_closed(&core, h, 40), PT_OK);
  expect(PT_OUTPUT_EVENT, h, PT_EVENT_CONNECTION_LOST);
  double now = reconnect_due(h, 1);
  CHECK_EQ(pt_connection_socket_open(&core, h, now), PT_OK);
  expect(PT_OUTPUT_SEND, h, PT_TRANSPORT_GATEWAY);
  CHECK(strstr(buf, "\"resumeToken\":\"t9\"") != NULL);
  pt_core_destroy(&core);
}

static void test_version_1_gateway_has_no_heartbeat_but_reconnects(void) {
  start_core(1000);
  pt_liveness_config config = policy(-1);
  pt_handle h = ready(&config, 1);
  CHECK(pt_connection_deadline(&core, h) == -1);
  CHECK_EQ(pt_core_handle_timeout(&core, 100000), PT_OK);
  expect_nothing();
  CHECK_EQ(pt_connection_socket_closed(&core, h, 100000), PT_OK);
  expect(PT_OUTPUT_EVENT, h, PT_EVENT_CONNECTION_LOST);
  pt_core_destroy(&core);
}

static void test_configuration_is_checked(void) {
  start_core(1000);
  pt_liveness_config config = policy(-1);
  pt_handle h = ready(&config, 2);
  config.ping_timeout_ms = 0;
  CHECK_EQ(pt_connection_configure(&core, h, &config, 0), PT_ERR_BAD_VALUE);
  CHECK_EQ(pt_connection_configure(&core, h, NULL, 0), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_connection_configure(&core, 999, &config, 0), PT_ERR_INVALID_HANDLE);
  /* Turning the heartbeat off while ready stops it. */
  config = policy(-1);
  config.ping_interval_ms = 0;
  CHECK_EQ(pt_connection_configure(&core, h, &config, 0), PT_OK);
  CHECK(pt_connection_deadline(&core, h) == -1);
  CHECK_EQ(pt_connection_close(&core, h, PT_ERR_CLOSED), PT_OK);
  CHECK_EQ(pt_connection_socket_open(&core, h, 0), PT_ERR_STALE_HANDLE);
  CHECK_EQ(pt_connection_socket_closed(&core, h, 0), PT_ERR_STALE_HANDLE);
  pt_core_destroy(&core);
}

int main(void) {
  RUN(test_heartbeat_loss_and_resume);
  RUN(test_without_reconnection_a_loss_closes);
  RUN(test_gives_up_after_its_time_with_bounded_delays);
  RUN(test_a_loss_withdraws_pending_attempts);
  RUN(test_fatal_alerts);
  RUN(test_token_refresh_and_stale_pongs);
  RUN(test_version_1_gateway_has_no_heartbeat_but_reconnects);
  RUN(test_configuration_is_checked);
  return 0;
}
