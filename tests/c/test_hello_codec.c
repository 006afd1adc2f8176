#include "gateway/hello_codec.h"

#include <string.h>

#include "check.h"

#define PARSE_CLIENT(text, out) pt_client_hello_parse(text, strlen(text), out)
#define PARSE_SERVER(text, out) pt_server_hello_parse(text, strlen(text), out)

static pt_client_hello client;
static pt_server_hello server;

static void test_client_round_trip(void) {
  pt_client_hello_init(&client);
  strcpy(client.api_key, "pk_live_123");
  strcpy(client.external_id, "Ann \xc3\xa9 \"quoted\"");
  strcpy(client.resume_token, "tok-1_2.3");
  client.take_over = 1;
  char text[1024];
  size_t length = 0;
  CHECK_EQ(pt_client_hello_build(&client, text, sizeof text, &length), PT_OK);
  CHECK_EQ(length, strlen(text));
  CHECK(strstr(text, "\"type\":\"hello\"") != NULL);
  CHECK(strstr(text, "\"takeOver\":true") != NULL);
  pt_client_hello parsed;
  CHECK_EQ(pt_client_hello_parse(text, length, &parsed), PT_OK);
  CHECK(memcmp(&parsed, &client, sizeof client) == 0);
}

static void test_client_defaults_and_versions(void) {
  CHECK_EQ(PARSE_CLIENT("{\"type\":\"hello\",\"version\":3,\"apiKey\":\"k\"}", &client), PT_OK);
  CHECK_EQ(client.take_over, 0); /* absent is false, and a hello without it says nothing of it */
  char text[256];
  CHECK_EQ(pt_client_hello_build(&client, text, sizeof text, NULL), PT_OK);
  CHECK(strstr(text, "takeOver") == NULL);
  CHECK_EQ(PARSE_CLIENT("{\"type\":\"hello\",\"version\":2,\"apiKey\":\"k\",\"takeOver\":false}", &client), PT_OK);
  CHECK_EQ(client.take_over, 0);
  CHECK_EQ(PARSE_CLIENT("{\"type\":\"hello\",\"version\":2,\"apiKey\":\"k\",\"takeOver\":1}", &client),
           PT_ERR_WRONG_TYPE);
  CHECK_EQ(PARSE_CLIENT("{\"type\":\"hello\",\"version\":3,\"apiKey\":\"k\"}", &client), PT_OK);
  CHECK_EQ(client.version, 3);
  CHECK_EQ(client.min_version, 3); /* defaults to version */
  CHECK_EQ(client.external_id[0], '\0');
  CHECK_EQ(pt_protocol_negotiate(client.min_version, client.version), PT_ERR_UNSUPPORTED_VERSION);
  CHECK_EQ(pt_protocol_negotiate(1, 3), PT_PROTOCOL_VERSION);
  CHECK_EQ(PARSE_CLIENT("{\"type\":\"hello\",\"version\":2,\"minVersion\":3,\"apiKey\":\"k\"}", &client),
           PT_ERR_UNSUPPORTED_VERSION);
  CHECK_EQ(PARSE_CLIENT("{\"type\":\"hello\",\"version\":0,\"apiKey\":\"k\"}", &client),
           PT_ERR_UNSUPPORTED_VERSION);
  CHECK_EQ(PARSE_CLIENT("{\"type\":\"hello\",\"version\":1.5,\"apiKey\":\"k\"}", &client),
           PT_ERR_UNSUPPORTED_VERSION);
}

static void test_client_rejects_bad_input(void) {
  CHECK_EQ(PARSE_CLIENT("", &client), PT_ERR_MALFORMED);
  CHECK_EQ(PARSE_CLIENT("{\"type\":\"hello\",\"version\":1,\"apiKey\":\"k\"", &client), PT_ERR_MALFORMED);
  CHECK_EQ(PARSE_CLIENT("{\"type\":\"hello\",\"version\":1,\"apiKey\":\"k\"} x", &client), PT_ERR_MALFORMED);
  CHECK_EQ(PARSE_CLIENT("[1,2]", &client), PT_ERR_MALFORMED);
  CHECK_EQ(PARSE_CLIENT("{\"version\":1,\"apiKey\":\"k\"}", &client), PT_ERR_MISSING_FIELD);
  CHECK_EQ(PARSE_CLIENT("{\"type\":7,\"version\":1,\"apiKey\":\"k\"}", &client), PT_ERR_WRONG_TYPE);
  CHECK_EQ(PARSE_CLIENT("{\"type\":\"offer\",\"version\":1,\"apiKey\":\"k\"}", &client),
           PT_ERR_UNEXPECTED_MESSAGE);
  CHECK_EQ(PARSE_CLIENT("{\"type\":\"hello\",\"apiKey\":\"k\"}", &client), PT_ERR_MISSING_FIELD);
  CHECK_EQ(PARSE_CLIENT("{\"type\":\"hello\",\"version\":\"1\",\"apiKey\":\"k\"}", &client), PT_ERR_WRONG_TYPE);
  CHECK_EQ(PARSE_CLIENT("{\"type\":\"hello\",\"version\":1}", &client), PT_ERR_MISSING_FIELD);
  CHECK_EQ(PARSE_CLIENT("{\"type\":\"hello\",\"version\":1,\"apiKey\":42}", &client), PT_ERR_WRONG_TYPE);
  CHECK_EQ(PARSE_CLIENT("{\"type\":\"hello\",\"version\":1,\"apiKey\":\"\"}", &client), PT_ERR_BAD_VALUE);
  CHECK_EQ(PARSE_CLIENT("{\"type\":\"hello\",\"version\":1,\"apiKey\":\"a b\"}", &client), PT_ERR_BAD_VALUE);
  CHECK_EQ(PARSE_CLIENT("{\"type\":\"hello\",\"version\":1,\"apiKey\":\"k\",\"externalId\":[]}", &client),
           PT_ERR_WRONG_TYPE);
  CHECK_EQ(PARSE_CLIENT("{\"type\":\"hello\",\"version\":1,\"apiKey\":\"k\",\"resumeToken\":\"a/b\"}", &client),
           PT_ERR_BAD_VALUE);
  CHECK_EQ(PARSE_CLIENT("{\"type\":\"hello\",\"version\":1,\"apiKey\":\"k\",\"externalId\":\"a\\nb\"}", &client),
           PT_ERR_BAD_VALUE);
  CHECK_EQ(PARSE_CLIENT("{\"type\":\"hello\",\"version\":1,\"apiKey\":\"k\",\"externalId\":\"a\\u0085b\"}", &client),
           PT_ERR_BAD_VALUE); /* C1 control */
  CHECK_EQ(PARSE_CLIENT("{\"type\":\"hello\",\"version\":1,\"apiKey\":\"k\",\"externalId\":\"\\u00e9\\u00a0\"}", &client),
           PT_OK); /* é and no-break space are text */
}

static void test_limits(void) {
  static char text[PT_GATEWAY_MAX_MESSAGE + 64];
  /* An external id one byte over its limit, then exactly at it. */
  char id[PT_EXTERNAL_ID_MAX + 2];
  memset(id, 'x', sizeof id - 1);
  id[sizeof id - 1] = '\0';
  snprintf(text, sizeof text, "{\"type\":\"hello\",\"version\":1,\"apiKey\":\"k\",\"externalId\":\"%s\"}", id);
  CHECK_EQ(PARSE_CLIENT(text, &client), PT_ERR_BAD_VALUE);
  id[PT_EXTERNAL_ID_MAX] = '\0';
  snprintf(text, sizeof text, "{\"type\":\"hello\",\"version\":1,\"apiKey\":\"k\",\"externalId\":\"%s\"}", id);
  CHECK_EQ(PARSE_CLIENT(text, &client), PT_OK);
  /* A message over the size limit is refused before parsing, even if it is valid JSON. */
  memset(text, ' ', sizeof text);
  memcpy(text, "{}", 2);
  CHECK_EQ(pt_client_hello_parse(text, PT_GATEWAY_MAX_MESSAGE + 1, &client), PT_ERR_TOO_LARGE);
  /* Nesting deeper than cJSON's limit is malformed, not a stack overflow. */
  size_t n = 0;
  for (int i = 0; i < 5000; i++) text[n++] = '[';
  CHECK_EQ(pt_client_hello_parse(text, n, &client), PT_ERR_MALFORMED);
  /* An output buffer that is too small. */
  pt_client_hello_init(&client);
  strcpy(client.api_key, "k");
  char small[16];
  CHECK_EQ(pt_client_hello_build(&client, small, sizeof small, NULL), PT_ERR_BUFFER_TOO_SMALL);
  /* Build refuses what parse would refuse. */
  client.api_key[0] = '\0';
  CHECK_EQ(pt_client_hello_build(&client, text, sizeof text, NULL), PT_ERR_BAD_VALUE);
}

static void test_server_round_trip(void) {
  pt_server_hello_init(&server);
  server.peer_id = 9223372036854775807ull;
  strcpy(server.resume_token, "abc");
  server.ice_server_count = 2;
  server.ice_servers[0].url_count = 1;
  strcpy(server.ice_servers[0].urls[0], "stun:127.0.0.1:3478");
  server.ice_servers[1].url_count = 2;
  strcpy(server.ice_servers[1].urls[0], "turn:127.0.0.1:3478?transport=udp");
  strcpy(server.ice_servers[1].urls[1], "turns:example.test:5349");
  strcpy(server.ice_servers[1].username, "user");
  strcpy(server.ice_servers[1].credential, "secret");
  char text[4096];
  size_t length;
  CHECK_EQ(pt_server_hello_build(&server, text, sizeof text, &length), PT_OK);
  CHECK(strstr(text, "\"peerId\":\"9223372036854775807\"") != NULL);
  pt_server_hello parsed;
  CHECK_EQ(pt_server_hello_parse(text, length, &parsed), PT_OK);
  CHECK(memcmp(&parsed, &server, sizeof server) == 0);
  /* urls as a single string, as RTCIceServer allows. */
  CHECK_EQ(PARSE_SERVER("{\"type\":\"hello\",\"version\":1,\"peerId\":\"5\",\"resumeToken\":\"t\","
                        "\"iceServers\":[{\"urls\":\"stun:a\"}]}", &parsed), PT_OK);
  CHECK_EQ(parsed.ice_server_count, 1);
  CHECK(strcmp(parsed.ice_servers[0].urls[0], "stun:a") == 0);
}

static void test_server_rejects_bad_input(void) {
#define HELLO(rest) "{\"type\":\"hello\",\"version\":1," rest "}"
  CHECK_EQ(PARSE_SERVER(HELLO("\"peerId\":\"0\",\"resumeToken\":\"t\""), &server), PT_ERR_BAD_VALUE);
  CHECK_EQ(PARSE_SERVER(HELLO("\"peerId\":\"9223372036854775808\",\"resumeToken\":\"t\""), &server),
           PT_ERR_BAD_VALUE);
  CHECK_EQ(PARSE_SERVER(HELLO("\"peerId\":\"012\",\"resumeToken\":\"t\""), &server), PT_ERR_BAD_VALUE);
  CHECK_EQ(PARSE_SERVER(HELLO("\"peerId\":\"-1\",\"resumeToken\":\"t\""), &server), PT_ERR_BAD_VALUE);
  CHECK_EQ(PARSE_SERVER(HELLO("\"peerId\":12,\"resumeToken\":\"t\""), &server), PT_ERR_WRONG_TYPE);
  CHECK_EQ(PARSE_SERVER(HELLO("\"resumeToken\":\"t\""), &server), PT_ERR_MISSING_FIELD);
  CHECK_EQ(PARSE_SERVER(HELLO("\"peerId\":\"1\""), &server), PT_ERR_MISSING_FIELD);
  CHECK_EQ(PARSE_SERVER(HELLO("\"peerId\":\"1\",\"resumeToken\":\"t\",\"iceServers\":{}"), &server),
           PT_ERR_WRONG_TYPE);
  CHECK_EQ(PARSE_SERVER(HELLO("\"peerId\":\"1\",\"resumeToken\":\"t\",\"iceServers\":[{}]"), &server),
           PT_ERR_MISSING_FIELD);
  CHECK_EQ(PARSE_SERVER(HELLO("\"peerId\":\"1\",\"resumeToken\":\"t\",\"iceServers\":[{\"urls\":[1]}]"), &server),
           PT_ERR_WRONG_TYPE);
  CHECK_EQ(PARSE_SERVER(HELLO("\"peerId\":\"1\",\"resumeToken\":\"t\",\"iceServers\":[{\"urls\":\"http://x\"}]"),
                        &server), PT_ERR_BAD_VALUE);
  CHECK_EQ(PARSE_SERVER(HELLO("\"peerId\":\"1\",\"resumeToken\":\"t\",\"iceServers\":[{\"urls\":[]}]"), &server),
           PT_ERR_BAD_VALUE);
  CHECK_EQ(PARSE_SERVER(HELLO("\"peerId\":\"1\",\"resumeToken\":\"t\",\"iceServers\":[1,2,3,4,5,6,7,8,9]"),
                        &server), PT_ERR_WRONG_TYPE);
  CHECK_EQ(PARSE_SERVER(HELLO("\"peerId\":\"1\",\"resumeToken\":\"t\",\"iceServers\":["
                              "{\"urls\":\"stun:a\"},{\"urls\":\"stun:a\"},{\"urls\":\"stun:a\"},"
                              "{\"urls\":\"stun:a\"},{\"urls\":\"stun:a\"},{\"urls\":\"stun:a\"},"
                              "{\"urls\":\"stun:a\"},{\"urls\":\"stun:a\"},{\"urls\":\"stun:a\"}]"),
                        &server), PT_ERR_BAD_VALUE);
  CHECK_EQ(PARSE_SERVER("{\"type\":\"hello\",\"version\":2,\"peerId\":\"1\",\"resumeToken\":\"t\"}", &server),
           PT_OK);
  CHECK_EQ(PARSE_SERVER("{\"type\":\"hello\",\"version\":3,\"peerId\":\"1\",\"resumeToken\":\"t\"}", &server),
           PT_ERR_UNSUPPORTED_VERSION);
#undef HELLO
}

static void test_peer_id_text(void) {
  char text[24];
  CHECK_EQ(pt_peer_id_format(1, text, sizeof text), 1);
  CHECK(strcmp(text, "1") == 0);
  CHECK_EQ(pt_peer_id_format(18446744073709551615ull, text, sizeof text), 20);
  CHECK_EQ(pt_peer_id_format(123, text, 3), PT_ERR_BUFFER_TOO_SMALL);
  uint64_t id;
  CHECK_EQ(pt_peer_id_parse("4611686018427387904", &id), PT_OK);
  CHECK(id == 4611686018427387904ull);
  CHECK_EQ(pt_peer_id_parse("", &id), PT_ERR_BAD_VALUE);
  CHECK_EQ(pt_peer_id_parse("12a", &id), PT_ERR_BAD_VALUE);
  CHECK_EQ(pt_peer_id_parse("99999999999999999999999", &id), PT_ERR_BAD_VALUE);
}

int main(void) {
  RUN(test_client_round_trip);
  RUN(test_client_defaults_and_versions);
  RUN(test_client_rejects_bad_input);
  RUN(test_limits);
  RUN(test_server_round_trip);
  RUN(test_server_rejects_bad_input);
  RUN(test_peer_id_text);
  return 0;
}
