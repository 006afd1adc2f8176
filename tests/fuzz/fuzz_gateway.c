/* libFuzzer target for what arrives from the gateway: the hello codec (src/gateway/hello_codec.c), the other
 * gateway messages and signal data (src/gateway/gateway_messages.c), the checked JSON fields under both
 * (src/gateway/json_fields.c), peer ids, and a gateway connection fed them (src/gateway/connection.c),
 * stateful. The input is a text script, one line a step; every line is first given to each parser alone:
 *  - as a client or server hello: one that parses builds again (within PT_GATEWAY_MAX_MESSAGE) into text that
 *    parses to the same hello and builds to the same text;
 *  - as any other gateway message: a signal's data comes out normalised (normalising it again changes
 *    nothing); a message about an attempt has a request id and a peer id in range;
 *  - as signal data of each kind: normalised text normalises to itself;
 *  - as a peer id: one that parses formats back to the same text;
 *  - as JSON: what the syntax check (src/gateway/json_syntax.c) calls valid, cJSON parses.
 * Then the line is a step for one connection of a core with room for 16 objects: a line that starts with
 * '!' is an action (below), any other is a message from the gateway. The outputs are drained after every
 * step and checked (fuzz_support.h); the hellos the core sends parse as client hellos. Incoming requests
 * the events announce are remembered (the last 8) for the actions that answer them. At the end the
 * connection is closed, the core destroyed and the heap is as before.
 *
 * Actions: !a<n> accept remembered request n; !j<n> reject it (the rest of the line is the reason);
 * !r<id> ask to connect to peer <id>; !c<id> cancel that; !t<ms> time passes; !l configure liveness
 * (heartbeat and reconnection); !s the socket closed; !o the socket asked for opened; !x close the
 * connection; !n open a new connection (when the last one is gone); !p<n> peer n reports connected and
 * sends a candidate; !q<n> peer n fails.
 *
 * Build: cmake -DPT_FUZZ=ON with clang (see CMakeLists.txt). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "core/error.h"
#include "gateway/connection.h"
#include "gateway/gateway_messages.h"
#include "gateway/hello_codec.h"
#include "gateway/json_syntax.h"
#include "peer/peer.h"

#include "fuzz_support.h"

#define REMEMBERED 8
#define PEERS 8

static pt_core core;
static pt_handle connection;
static double now_ms;
static char requests[REMEMBERED][PT_REQUEST_ID_MAX + 1];
static size_t next_request;
static pt_handle peers[PEERS];
static size_t next_peer;

/* Scratch too large for the stack of a 32-bit build's fibers, kept across runs. */
static pt_client_hello client_hello, client_again;
static pt_server_hello server_hello, server_again;
static pt_gateway_inbound inbound;
static char text[PT_GATEWAY_MAX_MESSAGE + 1], text_again[PT_GATEWAY_MAX_MESSAGE + 1];
static char data[PT_SIGNAL_DATA_MAX + 1], data_again[PT_SIGNAL_DATA_MAX + 1];

/* ---- each parser alone ---- */

static void check_client_hello(const char *line, size_t length) {
  if (pt_client_hello_parse(line, length, &client_hello) != PT_OK) return;
  FUZZ_CHECK(pt_client_hello_validate(&client_hello) == PT_OK);
  size_t built, again;
  FUZZ_CHECK(pt_client_hello_build(&client_hello, text, sizeof text, &built) == PT_OK && built < sizeof text);
  FUZZ_CHECK(pt_client_hello_parse(text, built, &client_again) == PT_OK);
  FUZZ_CHECK(memcmp(&client_hello, &client_again, sizeof client_hello) == 0);
  FUZZ_CHECK(pt_client_hello_build(&client_again, text_again, sizeof text_again, &again) == PT_OK);
  FUZZ_CHECK(again == built && memcmp(text, text_again, built) == 0);
}

static void check_server_hello(const char *line, size_t length) {
  if (pt_server_hello_parse(line, length, &server_hello) != PT_OK) return;
  FUZZ_CHECK(pt_server_hello_validate(&server_hello) == PT_OK);
  FUZZ_CHECK(server_hello.peer_id >= 1 && server_hello.peer_id <= PT_PEER_ID_MAX);
  FUZZ_CHECK(server_hello.ice_server_count <= PT_ICE_SERVERS_MAX);
  size_t built, again;
  FUZZ_CHECK(pt_server_hello_build(&server_hello, text, sizeof text, &built) == PT_OK && built < sizeof text);
  FUZZ_CHECK(pt_server_hello_parse(text, built, &server_again) == PT_OK);
  FUZZ_CHECK(memcmp(&server_hello, &server_again, sizeof server_hello) == 0);
  FUZZ_CHECK(pt_server_hello_build(&server_again, text_again, sizeof text_again, &again) == PT_OK);
  FUZZ_CHECK(again == built && memcmp(text, text_again, built) == 0);
}

/* Normalised signal data normalises to itself. */
static void check_normalised(pt_signal_kind kind, const char *normalised, size_t length) {
  size_t again;
  FUZZ_CHECK(pt_signal_data_normalise(kind, normalised, length, data_again, sizeof data_again, &again) == PT_OK);
  FUZZ_CHECK(again == length && memcmp(data_again, normalised, length) == 0);
}

static void check_inbound(const char *line, size_t length) {
  const int status = pt_gateway_inbound_parse(line, length, &inbound, data, sizeof data);
  if (status != PT_OK) return;
  FUZZ_CHECK(inbound.type >= PT_GATEWAY_HELLO && inbound.type <= PT_GATEWAY_PONG);
  FUZZ_CHECK(inbound.type != PT_GATEWAY_CONNECT && inbound.type != PT_GATEWAY_PING);
  if (inbound.type >= PT_GATEWAY_REQUEST && inbound.type <= PT_GATEWAY_SIGNAL) {
    FUZZ_CHECK(inbound.request_id[0] != '\0' && inbound.source >= 1 && inbound.source <= PT_PEER_ID_MAX);
  }
  FUZZ_CHECK(inbound.target <= PT_PEER_ID_MAX && inbound.ice_server_count <= PT_ICE_SERVERS_MAX);
  if (inbound.type == PT_GATEWAY_SIGNAL) {
    FUZZ_CHECK(inbound.signal_data_length == strlen(data));
    check_normalised(inbound.signal_kind, data, inbound.signal_data_length);
  }
}

static void check_signal_data(const char *line, size_t length) {
  for (int kind = PT_SIGNAL_OFFER; kind <= PT_SIGNAL_CANDIDATE; kind++) {
    size_t normalised;
    if (pt_signal_data_normalise((pt_signal_kind)kind, line, length, data, sizeof data, &normalised) != PT_OK) continue;
    FUZZ_CHECK(normalised == strlen(data));
    check_normalised((pt_signal_kind)kind, data, normalised);
  }
}

/* The JSON syntax check and cJSON agree where it matters: what the check calls valid, cJSON parses (with
 * memory to spare), since the core reads a cJSON failure on valid JSON as memory run out. */
static void check_json_syntax(const char *line, size_t length) {
  if (!pt_json_syntax_valid(line, length)) return;
  cJSON *parsed = cJSON_ParseWithLength(line, length);
  FUZZ_CHECK(parsed != NULL);
  cJSON_Delete(parsed);
}

static void check_peer_id(const char *line) {
  uint64_t id;
  if (pt_peer_id_parse(line, &id) != PT_OK) return;
  char formatted[24];
  FUZZ_CHECK(id >= 1 && id <= PT_PEER_ID_MAX);
  FUZZ_CHECK(pt_peer_id_format(id, formatted, sizeof formatted) == (int)strlen(line) && strcmp(formatted, line) == 0);
}

/* ---- the connection ---- */

static void on_output(void *context, const pt_output_info *info, const uint8_t *payload, size_t length) {
  (void)context;
  if (info->kind == PT_OUTPUT_SEND && strstr((const char *)payload, "\"type\":\"hello\"") != NULL) {
    FUZZ_CHECK(pt_client_hello_parse((const char *)payload, length, &client_again) == PT_OK);
  }
  if (info->kind != PT_OUTPUT_EVENT) return;
  if (info->code == PT_EVENT_PEER_REQUEST) {
    cJSON *event = cJSON_Parse((const char *)payload);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(event, "requestId");
    FUZZ_CHECK(cJSON_IsString(id) && strlen(id->valuestring) <= PT_REQUEST_ID_MAX);
    strcpy(requests[next_request++ % REMEMBERED], id->valuestring);
    cJSON_Delete(event);
  } else if (info->code == PT_EVENT_PEER_CREATED) {
    peers[next_peer++ % PEERS] = info->handle;
  } else if (info->code == PT_EVENT_CONNECTION_CLOSED) {
    FUZZ_CHECK(info->handle == connection && pt_connection_state_of(&core, connection) == PT_ERR_STALE_HANDLE);
  }
}

static void open_connection(void) {
  pt_client_hello hello;
  pt_client_hello_init(&hello);
  strcpy(hello.api_key, "key");
  strcpy(hello.external_id, "fuzz");
  connection = pt_connection_open(&core, &hello, now_ms);
  FUZZ_CHECK(connection > 0);
}

static void act(const char *line, size_t length) {
  if (length == 0) return;
  const uint32_t number = fuzz_number((const uint8_t *)line + 1, length - 1);
  const pt_handle peer = peers[number % PEERS];
  char reason[PT_REASON_MAX + 1];
  pt_liveness_config liveness = {1000, 500, 100, 2000, 10000};
  int status = PT_OK;
  switch (line[0]) {
    case 'a':
      status = pt_connection_accept(&core, connection, requests[number % REMEMBERED], 5000, now_ms);
      break;
    case 'j':
      snprintf(reason, sizeof reason, "%.*s", (int)(length - 1), line + 1);
      status = pt_connection_reject(&core, connection, requests[number % REMEMBERED], reason);
      break;
    case 'r':
      status = pt_connection_request(&core, connection, number, 5000, now_ms);
      break;
    case 'c':
      status = pt_connection_cancel(&core, connection, number);
      break;
    case 't':
      now_ms += number;
      status = pt_core_handle_timeout(&core, now_ms);
      FUZZ_CHECK(status == PT_OK);
      break;
    case 'l':
      status = pt_connection_configure(&core, connection, &liveness, now_ms);
      break;
    case 's':
      status = pt_connection_socket_closed(&core, connection, now_ms);
      break;
    case 'o':
      status = pt_connection_socket_open(&core, connection, now_ms);
      break;
    case 'x':
      status = pt_connection_close(&core, connection, PT_ERR_CLOSED);
      break;
    case 'n':
      if (pt_connection_state_of(&core, connection) == PT_ERR_STALE_HANDLE) open_connection();
      break;
    case 'p':
      status = pt_peer_report_rtc(&core, peer, PT_RTC_CONNECTED, now_ms);
      if (status == PT_OK) {
        static const char candidate[] = "{\"candidate\":\"candidate:1 1 udp 1 192.0.2.1 9 typ host\",\"sdpMid\":\"0\"}";
        status = pt_peer_send_signal(&core, peer, PT_SIGNAL_CANDIDATE, candidate, strlen(candidate));
      }
      break;
    case 'q':
      status = pt_peer_report_rtc(&core, peer, PT_RTC_FAILED, now_ms);
      break;
    default:
      break;
  }
  FUZZ_CHECK(status <= 0 || line[0] == 'a' || line[0] == 'r');
}

int LLVMFuzzerTestOneInput(const uint8_t *input, size_t size) {
  const size_t heap_before = fuzz_heap_used();
  pt_core_config config;
  pt_core_config_default(&config);
  config.max_objects = 16;
  FUZZ_CHECK(pt_core_init(&core, &config) == PT_OK);
  now_ms = 0;
  memset(requests, 0, sizeof requests);
  memset(peers, 0, sizeof peers);
  next_request = next_peer = 0;
  open_connection();
  fuzz_drain(&core, on_output, NULL);
  const uint8_t *bytes;
  size_t length;
  for (size_t at = 0; fuzz_next_line(input, size, &at, &bytes, &length);) {
    char *line = (char *)fuzz_copy(bytes, length, 1);
    check_client_hello(line, length);
    check_server_hello(line, length);
    check_inbound(line, length);
    check_signal_data(line, length);
    check_peer_id(line);
    check_json_syntax(line, length);
    if (length > 0 && line[0] == '!') {
      act(line + 1, length - 1);
    } else {
      FUZZ_CHECK(pt_connection_receive(&core, connection, line, length, now_ms) <= 0);
    }
    free(line);
    fuzz_drain(&core, on_output, NULL);
  }
  pt_connection_close(&core, connection, PT_ERR_CLOSED);
  fuzz_drain(&core, on_output, NULL);
  pt_core_destroy(&core);
  fuzz_check_heap_back(heap_before);
  return 0;
}
