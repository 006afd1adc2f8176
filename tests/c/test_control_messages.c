#include "peer/control_messages.h"

#include <string.h>

#include "check.h"
#include "core/base64.h"

static pt_control_message message, parsed;
static char text[PT_CONTROL_MAX_MESSAGE + 1];

#define PARSE(json) pt_control_parse(json, strlen(json), &parsed)

static void round_trip(void) {
  size_t length = 0;
  CHECK_EQ(pt_control_build(&message, text, sizeof text, &length), PT_OK);
  CHECK_EQ(length, strlen(text));
  CHECK_EQ(pt_control_parse(text, length, &parsed), PT_OK);
  CHECK(memcmp(&parsed, &message, sizeof message) == 0);
}

static void test_every_type_round_trips(void) {
  for (int type = 1; type < PT_CONTROL_TYPE_COUNT; type++) {
    memset(&message, 0, sizeof message);
    message.type = (pt_control_type)type;
    message.request_id = type == PT_CONTROL_STREAM_REQUEST || type == PT_CONTROL_STREAM_REJECT ? 7 : 0;
    message.stream_id = type == PT_CONTROL_STREAM_JOIN || type == PT_CONTROL_BITRATE_REQUEST ? 3 : 0;
    if (type == PT_CONTROL_BITRATE_REQUEST) message.value = 5000000;
    if (type == PT_CONTROL_STREAM_REQUEST) message.value = 63;
    if (type == PT_CONTROL_STREAM_REJECT) strcpy(message.reason, "no \"displays\"\nhere");
    if (type == PT_CONTROL_STREAM_STOP) strcpy(message.reason, "the native host program stopped");
    if (type == PT_CONTROL_STREAM_ANNOUNCE) {
      pt_stream_description *d = &message.stream;
      d->stream_id = 255;
      d->stream_type = 1;
      d->default_input_level = 63;
      strcpy(d->video_codec, "avc1.42e01f");
      d->width = 1280;
      d->height = 720;
      d->frame_rate = 60;
      d->video_config_length = 5;
      memcpy(d->video_config, "\x67\x42\x00\x1f\xff", 5);
      strcpy(d->audio_codec, "opus");
      d->sample_rate = 48000;
      d->channels = 2;
      d->video_ssrc = 4294967295u;
      d->audio_ssrc = 1;
      for (int i = 0; i < PT_STREAM_KEY_LENGTH; i++) d->srtp_key[i] = (uint8_t)(i * 9);
      round_trip();
      CHECK(strstr(text, "Seq") == NULL); /* where the sequence numbers start: said only when known */
      d->has_first_seq = 1;
      d->video_first_seq = 65535;
      d->audio_first_seq = 0;
    }
    round_trip();
  }
  CHECK(strcmp(pt_control_type_name(PT_CONTROL_LIST_STREAMS), "list-streams") == 0);
  /* A stop without a reason says nothing of one. */
  memset(&message, 0, sizeof message);
  message.type = PT_CONTROL_STREAM_STOP;
  message.stream_id = 9;
  round_trip();
  CHECK(strstr(text, "reason") == NULL);
}

static void test_bad_messages(void) {
  CHECK_EQ(PARSE("{\"type\":\"teleport\"}"), PT_ERR_UNEXPECTED_MESSAGE);
  CHECK_EQ(PARSE("{\"type\":\"stream-join\"}"), PT_ERR_MISSING_FIELD);
  CHECK_EQ(PARSE("{\"type\":\"stream-join\",\"streamId\":256}"), PT_ERR_BAD_VALUE);
  CHECK_EQ(PARSE("{\"type\":\"stream-join\",\"streamId\":\"1\"}"), PT_ERR_WRONG_TYPE);
  CHECK_EQ(PARSE("{\"type\":\"stream-request\",\"requestId\":1,\"permissions\":128}"), PT_ERR_BAD_VALUE);
  CHECK_EQ(PARSE("{\"type\":\"bitrate-request\",\"streamId\":1,\"bitsPerSecond\":0}"), PT_ERR_BAD_VALUE);
  CHECK_EQ(PARSE("{\"type\":\"stream-request\",\"requestId\":0,\"permissions\":1}"), PT_ERR_BAD_VALUE);
  CHECK_EQ(PARSE("{\"type\":\"stream-reject\",\"requestId\":0}"), PT_ERR_BAD_VALUE);
  CHECK_EQ(PARSE("{\"type\":\"stream-reject\",\"requestId\":1}"), PT_OK); /* the reason is optional */
  CHECK_EQ(PARSE("{\"type\":\"stream-announce\"}"), PT_ERR_MISSING_FIELD);
  const char *announce = "{\"type\":\"stream-announce\",\"stream\":{\"id\":1,\"type\":1,\"defaultInputLevel\":63,"
                         "\"videoSsrc\":1,\"audioSsrc\":2,\"srtpKey\":\"%s\"%s}}";
  char json[1024];
  snprintf(json, sizeof json, announce, "AAAA", "");
  CHECK_EQ(PARSE(json), PT_ERR_BAD_VALUE); /* a 3-byte key */
  char key[64];
  uint8_t raw[PT_STREAM_KEY_LENGTH] = {0};
  pt_base64_encode(raw, sizeof raw, key, sizeof key);
  snprintf(json, sizeof json, announce, key, "");
  CHECK_EQ(PARSE(json), PT_OK); /* neither video nor audio is required */
  CHECK_EQ(parsed.stream.video_codec[0], '\0');
  snprintf(json, sizeof json, announce, key, ",\"video\":{\"codec\":\"avc1\",\"width\":0,\"height\":1,\"frameRate\":1}");
  CHECK_EQ(PARSE(json), PT_ERR_BAD_VALUE);
  snprintf(json, sizeof json, announce, key, ",\"audio\":{\"codec\":\"opus\",\"sampleRate\":48000}");
  CHECK_EQ(PARSE(json), PT_ERR_MISSING_FIELD);
  snprintf(json, sizeof json, announce, key, ",\"video\":{\"codec\":\"avc1\",\"width\":1,\"height\":1,\"frameRate\":1,\"config\":\"@@@@\"}");
  CHECK_EQ(PARSE(json), PT_ERR_BAD_VALUE);
  snprintf(json, sizeof json, announce, key, ",\"videoSeq\":1");
  CHECK_EQ(PARSE(json), PT_ERR_MISSING_FIELD); /* both or neither */
  snprintf(json, sizeof json, announce, key, ",\"videoSeq\":1,\"audioSeq\":65536");
  CHECK_EQ(PARSE(json), PT_ERR_BAD_VALUE);
  snprintf(json, sizeof json, announce, key, ",\"videoSeq\":-1,\"audioSeq\":2");
  CHECK_EQ(PARSE(json), PT_ERR_BAD_VALUE);
  snprintf(json, sizeof json, announce, key, ",\"videoSeq\":1.5,\"audioSeq\":2");
  CHECK(PARSE(json) != PT_OK);
  snprintf(json, sizeof json, announce, key, ",\"videoSeq\":7,\"audioSeq\":9");
  CHECK_EQ(PARSE(json), PT_OK);
  CHECK(parsed.stream.has_first_seq == 1 && parsed.stream.video_first_seq == 7 && parsed.stream.audio_first_seq == 9);
  /* Build refuses what parse refuses. */
  memset(&message, 0, sizeof message);
  message.type = PT_CONTROL_STREAM_JOIN;
  message.stream_id = 300;
  CHECK_EQ(pt_control_build(&message, text, sizeof text, NULL), PT_ERR_BAD_VALUE);
  message.type = 0;
  CHECK_EQ(pt_control_build(&message, text, sizeof text, NULL), PT_ERR_BAD_VALUE);
}

static void test_base64(void) {
  char out[16];
  uint8_t bytes[16];
  const char *cases[][2] = {{"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foobar", "Zm9vYmFy"}};
  for (size_t i = 0; i < 5; i++) {
    CHECK_EQ(pt_base64_encode((const uint8_t *)cases[i][0], strlen(cases[i][0]), out, sizeof out), PT_OK);
    CHECK(strcmp(out, cases[i][1]) == 0);
    CHECK_EQ(pt_base64_decode(cases[i][1], bytes, sizeof bytes), (int)strlen(cases[i][0]));
    CHECK(memcmp(bytes, cases[i][0], strlen(cases[i][0])) == 0);
  }
  CHECK_EQ(pt_base64_decode("Zm9", bytes, sizeof bytes), PT_ERR_MALFORMED);
  CHECK_EQ(pt_base64_decode("Z=9v", bytes, sizeof bytes), PT_ERR_MALFORMED);
  CHECK_EQ(pt_base64_decode("Zg==Zg==", bytes, sizeof bytes), PT_ERR_MALFORMED);
  CHECK_EQ(pt_base64_decode("Zm9vYmFy", bytes, 5), PT_ERR_BUFFER_TOO_SMALL);
  CHECK_EQ(pt_base64_encode((const uint8_t *)"foo", 3, out, 4), PT_ERR_BUFFER_TOO_SMALL);
}

int main(void) {
  RUN(test_every_type_round_trips);
  RUN(test_bad_messages);
  RUN(test_base64);
  return 0;
}
