#include "gateway/gateway_messages.h"

#include <stdio.h>
#include <string.h>

#include "check.h"

static pt_gateway_inbound in;
static char data[PT_SIGNAL_DATA_MAX + 1];

#define PARSE(text) pt_gateway_inbound_parse(text, strlen(text), &in, data, sizeof data)

static void test_parse_each_type(void) {
  CHECK_EQ(PARSE("{\"type\":\"request\",\"requestId\":\"r-1\",\"source\":\"42\",\"sourceExternalId\":\"ann\"}"), PT_OK);
  CHECK_EQ(in.type, PT_GATEWAY_REQUEST);
  CHECK(strcmp(in.request_id, "r-1") == 0 && in.source == 42 && strcmp(in.source_external_id, "ann") == 0);
  CHECK_EQ(PARSE("{\"type\":\"accept\",\"requestId\":\"1\",\"source\":\"7\"}"), PT_OK);
  CHECK_EQ(in.type, PT_GATEWAY_ACCEPT);
  CHECK_EQ(PARSE("{\"type\":\"reject\",\"requestId\":\"1\",\"source\":\"7\",\"reason\":\"busy\\nnow\"}"), PT_OK);
  CHECK(in.type == PT_GATEWAY_REJECT && strcmp(in.text, "busy\nnow") == 0);
  CHECK_EQ(PARSE("{\"type\":\"cancel\",\"requestId\":\"1\",\"source\":\"7\"}"), PT_OK);
  CHECK_EQ(in.type, PT_GATEWAY_CANCEL);
  CHECK_EQ(PARSE("{\"type\":\"alert\",\"level\":\"warning\",\"code\":90,\"requestId\":\"3\",\"target\":\"9\","
                 "\"message\":\"gone\"}"), PT_OK);
  CHECK(in.type == PT_GATEWAY_ALERT && in.alert_level == PT_ALERT_WARNING && in.alert_code == 90 && in.target == 9);
  CHECK_EQ(PARSE("{\"type\":\"alert\",\"level\":\"fatal\",\"code\":49}"), PT_OK);
  CHECK(in.alert_level == PT_ALERT_FATAL && in.alert_code == 49 && in.target == 0);
  CHECK_EQ(PARSE("{\"type\":\"pong\",\"id\":4294967295}"), PT_OK);
  CHECK(in.type == PT_GATEWAY_PONG && in.ping_id == 4294967295u && in.resume_token[0] == '\0');
  CHECK_EQ(PARSE("{\"type\":\"pong\",\"id\":0,\"resumeToken\":\"r1.7.9.abc\"}"), PT_OK);
  CHECK(in.ping_id == 0 && strcmp(in.resume_token, "r1.7.9.abc") == 0);
}

static void test_pong_is_checked(void) {
  CHECK_EQ(PARSE("{\"type\":\"ping\",\"id\":1}"), PT_ERR_UNEXPECTED_MESSAGE); /* the client's own */
  CHECK_EQ(PARSE("{\"type\":\"pong\"}"), PT_ERR_MISSING_FIELD);
  CHECK_EQ(PARSE("{\"type\":\"pong\",\"id\":\"1\"}"), PT_ERR_WRONG_TYPE);
  CHECK_EQ(PARSE("{\"type\":\"pong\",\"id\":-1}"), PT_ERR_BAD_VALUE);
  CHECK_EQ(PARSE("{\"type\":\"pong\",\"id\":4294967296}"), PT_ERR_BAD_VALUE);
  CHECK_EQ(PARSE("{\"type\":\"pong\",\"id\":1.5}"), PT_ERR_BAD_VALUE);
  CHECK_EQ(PARSE("{\"type\":\"pong\",\"id\":1,\"resumeToken\":\"\"}"), PT_ERR_BAD_VALUE);
  CHECK_EQ(PARSE("{\"type\":\"pong\",\"id\":1,\"resumeToken\":\"a/b\"}"), PT_ERR_BAD_VALUE);
  CHECK_EQ(PARSE("{\"type\":\"pong\",\"id\":1,\"resumeToken\":7}"), PT_ERR_WRONG_TYPE);
  static char token[PT_RESUME_TOKEN_MAX + 64];
  int n = snprintf(token, sizeof token, "{\"type\":\"pong\",\"id\":1,\"resumeToken\":\"");
  memset(token + n, 't', PT_RESUME_TOKEN_MAX + 1);
  strcpy(token + n + PT_RESUME_TOKEN_MAX + 1, "\"}");
  CHECK_EQ(PARSE(token), PT_ERR_BAD_VALUE);
}

static void test_pong_with_ice_servers(void) {
  /* Fresh TURN credentials come as a whole new list, checked by the hello's rules. */
  CHECK_EQ(PARSE("{\"type\":\"pong\",\"id\":3,\"iceServers\":[{\"urls\":\"stun:a\"},"
                 "{\"urls\":[\"turn:b:3478\"],\"username\":\"1700000000:7\",\"credential\":\"c2VjcmV0\"}]}"),
           PT_OK);
  CHECK(in.has_ice_servers && in.ice_server_count == 2 && in.resume_token[0] == '\0');
  CHECK(strcmp(in.ice_servers[1].urls[0], "turn:b:3478") == 0 && strcmp(in.ice_servers[1].username, "1700000000:7") == 0);
  CHECK_EQ(PARSE("{\"type\":\"pong\",\"id\":3,\"iceServers\":[]}"), PT_OK);
  CHECK(in.has_ice_servers && in.ice_server_count == 0);
  CHECK_EQ(PARSE("{\"type\":\"pong\",\"id\":3}"), PT_OK);
  CHECK(!in.has_ice_servers);
  CHECK_EQ(PARSE("{\"type\":\"pong\",\"id\":3,\"iceServers\":{}}"), PT_ERR_WRONG_TYPE);
  CHECK_EQ(PARSE("{\"type\":\"pong\",\"id\":3,\"iceServers\":[{\"urls\":\"http://a\"}]}"), PT_ERR_BAD_VALUE);
  CHECK_EQ(PARSE("{\"type\":\"pong\",\"id\":3,\"iceServers\":[{\"username\":\"u\"}]}"), PT_ERR_MISSING_FIELD);
  CHECK_EQ(PARSE("{\"type\":\"pong\",\"id\":3,\"iceServers\":[{\"urls\":[\"stun:a\",\"stun:b\",\"stun:c\",\"stun:d\",\"stun:e\"]}]}"),
           PT_ERR_BAD_VALUE);
  static char many[1024];
  int n = snprintf(many, sizeof many, "{\"type\":\"pong\",\"id\":3,\"iceServers\":[");
  for (int i = 0; i <= PT_ICE_SERVERS_MAX; i++) n += snprintf(many + n, sizeof many - n, "%s{\"urls\":\"stun:a\"}", i ? "," : "");
  snprintf(many + n, sizeof many - n, "]}");
  CHECK_EQ(PARSE(many), PT_ERR_BAD_VALUE);
  static char credential[PT_ICE_CREDENTIAL_MAX + 128];
  n = snprintf(credential, sizeof credential, "{\"type\":\"pong\",\"id\":3,\"iceServers\":[{\"urls\":\"turn:a\",\"credential\":\"");
  memset(credential + n, 'c', PT_ICE_CREDENTIAL_MAX + 1);
  strcpy(credential + n + PT_ICE_CREDENTIAL_MAX + 1, "\"}]}");
  CHECK_EQ(PARSE(credential), PT_ERR_BAD_VALUE);
}

static void test_signal_data_is_normalised(void) {
  CHECK_EQ(PARSE("{\"type\":\"signal\",\"requestId\":\"1\",\"source\":\"7\",\"kind\":\"offer\","
                 "\"data\":{\"sdp\":\"v=0\\r\\n\",\"extra\":[1,2]}}"), PT_OK);
  CHECK_EQ(in.signal_kind, PT_SIGNAL_OFFER);
  CHECK(strcmp(data, "{\"sdp\":\"v=0\\r\\n\"}") == 0);
  CHECK_EQ(in.signal_data_length, strlen(data));
  CHECK_EQ(PARSE("{\"type\":\"signal\",\"requestId\":\"1\",\"source\":\"7\",\"kind\":\"candidate\","
                 "\"data\":{\"candidate\":\"candidate:1 1 udp 1 127.0.0.1 5000 typ host\",\"sdpMid\":\"0\","
                 "\"sdpMLineIndex\":0}}"), PT_OK);
  CHECK(strstr(data, "\"sdpMid\":\"0\"") != NULL && strstr(data, "\"sdpMLineIndex\":0") != NULL);
  CHECK_EQ(PARSE("{\"type\":\"signal\",\"requestId\":\"1\",\"source\":\"7\",\"kind\":\"candidate\","
                 "\"data\":{\"candidate\":\"\"}}"), PT_OK);
  CHECK(strstr(data, "\"sdpMid\":null") != NULL);
  char out[256];
  size_t length;
  const char *candidate = "{\"candidate\":\"c\",\"sdpMLineIndex\":70000}";
  CHECK_EQ(pt_signal_data_normalise(PT_SIGNAL_CANDIDATE, candidate, strlen(candidate), out, sizeof out, &length),
           PT_ERR_BAD_VALUE);
  const char *answer = "{\"sdp\":5}";
  CHECK_EQ(pt_signal_data_normalise(PT_SIGNAL_ANSWER, answer, strlen(answer), out, sizeof out, &length),
           PT_ERR_WRONG_TYPE);
  CHECK_EQ(pt_signal_data_normalise(7, answer, strlen(answer), out, sizeof out, &length), PT_ERR_BAD_VALUE);
}

static void test_parse_rejects_bad_messages(void) {
  CHECK_EQ(PARSE("{\"type\":\"connect\",\"requestId\":\"1\",\"target\":\"7\"}"), PT_ERR_UNEXPECTED_MESSAGE);
  CHECK_EQ(PARSE("{\"type\":\"teleport\"}"), PT_ERR_UNEXPECTED_MESSAGE);
  CHECK_EQ(PARSE("{\"type\":\"request\",\"source\":\"7\"}"), PT_ERR_MISSING_FIELD);
  CHECK_EQ(PARSE("{\"type\":\"request\",\"requestId\":\"\",\"source\":\"7\"}"), PT_ERR_BAD_VALUE);
  CHECK_EQ(PARSE("{\"type\":\"request\",\"requestId\":\"a b\",\"source\":\"7\"}"), PT_ERR_BAD_VALUE);
  CHECK_EQ(PARSE("{\"type\":\"request\",\"requestId\":\"1\",\"source\":7}"), PT_ERR_WRONG_TYPE);
  CHECK_EQ(PARSE("{\"type\":\"request\",\"requestId\":\"1\",\"source\":\"0\"}"), PT_ERR_BAD_VALUE);
  /* Found by fuzz_gateway: an empty source passed as peer 0 (tests/fuzz/corpus/gateway/regression-empty-source). */
  static const char *const empty_source[] = {"request", "accept", "reject", "cancel"};
  for (size_t i = 0; i < sizeof empty_source / sizeof empty_source[0]; i++) {
    char message[128];
    snprintf(message, sizeof message, "{\"type\":\"%s\",\"requestId\":\"1\",\"source\":\"\"}", empty_source[i]);
    CHECK_EQ(PARSE(message), PT_ERR_BAD_VALUE);
  }
  CHECK_EQ(PARSE("{\"type\":\"signal\",\"requestId\":\"1\",\"source\":\"\",\"kind\":\"offer\",\"data\":{\"sdp\":\"\"}}"),
           PT_ERR_BAD_VALUE);
  /* An alert's target is optional: empty is none. */
  CHECK_EQ(PARSE("{\"type\":\"alert\",\"level\":\"warning\",\"code\":90,\"target\":\"\"}"), PT_OK);
  CHECK_EQ(in.target, 0);
  CHECK_EQ(PARSE("{\"type\":\"signal\",\"requestId\":\"1\",\"source\":\"7\",\"kind\":\"pranswer\",\"data\":{}}"),
           PT_ERR_BAD_VALUE);
  CHECK_EQ(PARSE("{\"type\":\"signal\",\"requestId\":\"1\",\"source\":\"7\",\"kind\":\"offer\"}"), PT_ERR_MISSING_FIELD);
  CHECK_EQ(PARSE("{\"type\":\"signal\",\"requestId\":\"1\",\"source\":\"7\",\"kind\":\"offer\",\"data\":\"x\"}"),
           PT_ERR_WRONG_TYPE);
  CHECK_EQ(PARSE("{\"type\":\"alert\",\"level\":\"panic\",\"code\":1}"), PT_ERR_BAD_VALUE);
  CHECK_EQ(PARSE("{\"type\":\"alert\",\"level\":\"fatal\"}"), PT_ERR_MISSING_FIELD);
  CHECK_EQ(PARSE("{\"type\":\"reject\""), PT_ERR_MALFORMED);
  /* An SDP one byte over its limit. */
  static char big[PT_SDP_MAX + 200];
  int n = snprintf(big, sizeof big, "{\"type\":\"signal\",\"requestId\":\"1\",\"source\":\"7\",\"kind\":\"offer\","
                                    "\"data\":{\"sdp\":\"");
  memset(big + n, 'a', PT_SDP_MAX + 1);
  strcpy(big + n + PT_SDP_MAX + 1, "\"}}");
  CHECK_EQ(PARSE(big), PT_ERR_BAD_VALUE);
}

static void test_builders(void) {
  char out[512];
  size_t length;
  CHECK_EQ(pt_gateway_build_simple(PT_GATEWAY_CONNECT, "5", 9223372036854775807ull, out, sizeof out, &length), PT_OK);
  CHECK(strcmp(out, "{\"type\":\"connect\",\"requestId\":\"5\",\"target\":\"9223372036854775807\"}") == 0);
  CHECK_EQ(pt_gateway_build_simple(PT_GATEWAY_REJECT, "5", 1, out, sizeof out, &length), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_gateway_build_simple(PT_GATEWAY_ACCEPT, "", 1, out, sizeof out, &length), PT_ERR_BAD_VALUE);
  CHECK_EQ(pt_gateway_build_simple(PT_GATEWAY_ACCEPT, "1", 0, out, sizeof out, &length), PT_ERR_BAD_VALUE);
  CHECK_EQ(pt_gateway_build_reject("1", 2, "no \"thanks\"", out, sizeof out, &length), PT_OK);
  CHECK(strstr(out, "\"reason\":\"no \\\"thanks\\\"\"") != NULL);
  static char long_reason[PT_REASON_MAX + 2];
  memset(long_reason, 'r', PT_REASON_MAX + 1);
  CHECK_EQ(pt_gateway_build_reject("1", 2, long_reason, out, sizeof out, &length), PT_ERR_BAD_VALUE);
  CHECK_EQ(pt_gateway_build_signal("1", 2, PT_SIGNAL_ANSWER, "{\"sdp\":\"x\"}", 11, out, sizeof out, &length), PT_OK);
  CHECK(strcmp(out, "{\"type\":\"signal\",\"requestId\":\"1\",\"target\":\"2\",\"kind\":\"answer\",\"data\":{\"sdp\":\"x\"}}") == 0);
  CHECK_EQ(pt_gateway_build_simple(PT_GATEWAY_CANCEL, "1", 2, out, 10, &length), PT_ERR_BUFFER_TOO_SMALL);
  CHECK_EQ(pt_gateway_build_ping(4294967295u, out, sizeof out, &length), PT_OK);
  CHECK(strcmp(out, "{\"type\":\"ping\",\"id\":4294967295}") == 0 && length == strlen(out));
  CHECK_EQ(pt_gateway_build_ping(1, out, 10, &length), PT_ERR_BUFFER_TOO_SMALL);
}

int main(void) {
  RUN(test_parse_each_type);
  RUN(test_signal_data_is_normalised);
  RUN(test_parse_rejects_bad_messages);
  RUN(test_pong_is_checked);
  RUN(test_pong_with_ice_servers);
  RUN(test_builders);
  return 0;
}
