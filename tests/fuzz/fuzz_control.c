/* libFuzzer target for peer control (src/peer/control_messages.c, src/peer/peer_control.c): what a peer says
 * on its control channel RW_Control, stateful. The input is a text script, one line a step; every line is
 * first given to pt_control_parse alone: a message that parses builds again into text that parses to the
 * same message and builds to the same text. Then, in a core whose connection accepted two peers (a host
 * and a client, with room for 16 objects), the line is a step:
 *  - "{...": a control message from the host, fed to the client peer;
 *  - "h{...": a control message from the client, fed to the host peer;
 *  - "!...": an action of either side (below).
 * Control messages the core sends are delivered to the other peer at once (as the channel would), like the
 * app's; a message the core sent may be refused for the state it finds (a join of a stream stopped
 * meanwhile) but never for its form. The outputs are checked (fuzz_support.h). The announcements, requests
 * and streams the events report are remembered for the actions. The number of streams of each peer stays
 * within PT_PEER_STREAMS_MAX; at the end both peers close, the core is destroyed, and the heap is as before.
 *
 * Actions: !a<id> the host announces stream id (H.264 and Opus for even ids, VP8 for odd ones); !q<level>
 * the client asks for a stream; !r the host refuses the last request (the rest of the line is the reason);
 * !j<id> the client joins stream id; !v<id> it leaves; !s<id> the host stops stream id; !e<level> the host
 * sets the input level of its last stream; !b<bps> the client asks for a bitrate on its last stream; !k it
 * asks for a keyframe; !l it lists the streams; !t<ms> time passes; !x<0|1> the host (0) or the client (1)
 * closes.
 *
 * Build: cmake -DPT_FUZZ=ON with clang (see CMakeLists.txt). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "core/error.h"
#include "peer/control_messages.h"
#include "peer/peer.h"
#include "peer/peer_control.h"
#include "stream/stream.h"

#define FUZZ_WARM_UP_SRTP /* streams and SRTP sessions are made in every run */
#include "fuzz_support.h"

static pt_core core;
static pt_handle host, client;
static double now_ms;
static uint32_t last_request;
static pt_handle last_outbound, last_inbound;

static pt_control_message message, again;
static char text[PT_CONTROL_MAX_MESSAGE + 1], text_again[PT_CONTROL_MAX_MESSAGE + 1];

static void check_round_trip(const char *line, size_t length) {
  if (pt_control_parse(line, length, &message) != PT_OK) return;
  size_t built, built_again;
  FUZZ_CHECK(pt_control_build(&message, text, sizeof text, &built) == PT_OK);
  FUZZ_CHECK(pt_control_parse(text, built, &again) == PT_OK);
  FUZZ_CHECK(memcmp(&message, &again, sizeof message) == 0);
  FUZZ_CHECK(pt_control_build(&again, text_again, sizeof text_again, &built_again) == PT_OK);
  FUZZ_CHECK(built_again == built && memcmp(text, text_again, built) == 0);
}

static int parse_error(int status) {
  return status == PT_ERR_MALFORMED || status == PT_ERR_TOO_LARGE || status == PT_ERR_MISSING_FIELD ||
         status == PT_ERR_WRONG_TYPE || status == PT_ERR_BAD_VALUE;
}

static void on_output(void *context, const pt_output_info *info, const uint8_t *payload, size_t length) {
  (void)context;
  if (info->kind == PT_OUTPUT_SEND && info->code == PT_TRANSPORT_CONTROL) {
    FUZZ_CHECK(info->handle == host || info->handle == client);
    const pt_handle to = info->handle == host ? client : host;
    const int status = pt_peer_control_receive(&core, to, (const char *)payload, length, now_ms);
    if (parse_error(status)) fprintf(stderr, "own control message refused: %s: %s\n", pt_error_name(status), payload);
    FUZZ_CHECK(!parse_error(status));
    return;
  }
  if (info->kind != PT_OUTPUT_EVENT) return;
  cJSON *event = info->code == PT_EVENT_STREAM_REQUESTED ? cJSON_Parse((const char *)payload) : NULL;
  const cJSON *id = cJSON_GetObjectItemCaseSensitive(event, "requestId");
  if (cJSON_IsNumber(id)) last_request = (uint32_t)id->valuedouble;
  cJSON_Delete(event);
}

static void check_streams(pt_handle peer) {
  const pt_handle *streams;
  const int count = pt_peer_streams(&core, peer, &streams);
  FUZZ_CHECK(count == PT_ERR_STALE_HANDLE || (count >= 0 && count <= PT_PEER_STREAMS_MAX));
  for (int i = 0; i < count; i++) FUZZ_CHECK(pt_stream_peer(&core, streams[i]) == peer);
}

static void announce(uint8_t id) {
  pt_stream_description d;
  memset(&d, 0, sizeof d);
  d.stream_id = id;
  d.default_input_level = 127;
  if (id % 2 == 0) {
    strcpy(d.video_codec, "avc1.42e01f");
    strcpy(d.audio_codec, "opus");
    d.sample_rate = 48000;
    d.channels = 2;
    memcpy(d.video_config, "\x00\x00\x00\x01\x67\x42\xe0\x1f", 8);
    d.video_config_length = 8;
  } else {
    strcpy(d.video_codec, "vp8");
  }
  d.width = 64;
  d.height = 48;
  d.frame_rate = 30;
  const pt_handle stream = pt_peer_announce_stream(&core, host, &d, 0);
  if (stream > 0) last_outbound = stream;
}

static void act(const char *line, size_t length) {
  if (length == 0) return;
  const uint32_t number = fuzz_number((const uint8_t *)line + 1, length - 1);
  char reason[PT_CONTROL_REASON_MAX + 1];
  pt_handle stream;
  switch (line[0]) {
    case 'a':
      announce((uint8_t)number);
      break;
    case 'q':
      pt_peer_request_stream(&core, client, number);
      break;
    case 'r':
      snprintf(reason, sizeof reason, "%.*s", (int)(length - 1), line + 1);
      pt_peer_reject_stream(&core, host, last_request, reason);
      break;
    case 'j':
      stream = pt_peer_join_stream(&core, client, (uint8_t)number, now_ms);
      if (stream > 0) last_inbound = stream;
      break;
    case 'v':
      pt_peer_leave_stream(&core, pt_stream_find(&core, client, (uint8_t)number, 1));
      break;
    case 's':
      pt_peer_stop_stream(&core, pt_stream_find(&core, host, (uint8_t)number, 0), "stopped");
      break;
    case 'e':
      pt_peer_set_permissions(&core, last_outbound, number);
      break;
    case 'b':
      pt_peer_request_bitrate(&core, last_inbound, number);
      break;
    case 'k':
      pt_stream_request_keyframe(&core, last_inbound, now_ms);
      break;
    case 'l':
      pt_peer_list_streams(&core, client);
      break;
    case 't':
      now_ms += number;
      FUZZ_CHECK(pt_core_handle_timeout(&core, now_ms) == PT_OK);
      break;
    case 'x':
      pt_peer_close(&core, number % 2 ? client : host, PT_ERR_CLOSED);
      break;
    default:
      break;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *input, size_t size) {
  const size_t heap_before = fuzz_heap_used();
  fuzz_core_with_peers(&core, 16, &host, &client);
  now_ms = 0;
  last_request = 0;
  last_outbound = last_inbound = 0;
  FUZZ_CHECK(pt_peer_report_rtc(&core, host, PT_RTC_CONNECTED, now_ms) == PT_OK);
  FUZZ_CHECK(pt_peer_report_rtc(&core, client, PT_RTC_CONNECTED, now_ms) == PT_OK);
  fuzz_drain(&core, on_output, NULL);
  const uint8_t *bytes;
  size_t length;
  for (size_t at = 0; fuzz_next_line(input, size, &at, &bytes, &length);) {
    char *line = (char *)fuzz_copy(bytes, length, 1);
    const int from_client = length > 0 && line[0] == 'h';
    check_round_trip(line + from_client, length - from_client);
    if (length > 0 && line[0] == '!') {
      act(line + 1, length - 1);
    } else {
      FUZZ_CHECK(pt_peer_control_receive(&core, from_client ? host : client, line + from_client, length - from_client,
                                         now_ms) <= 0);
    }
    free(line);
    fuzz_drain(&core, on_output, NULL);
    check_streams(host);
    check_streams(client);
  }
  pt_peer_close(&core, host, PT_ERR_CLOSED);
  pt_peer_close(&core, client, PT_ERR_CLOSED);
  fuzz_drain(&core, on_output, NULL);
  pt_core_destroy(&core);
  fuzz_check_heap_back(heap_before);
  return 0;
}
