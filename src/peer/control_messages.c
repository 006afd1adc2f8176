#include "peer/control_messages.h"

#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "core/base64.h"
#include "core/error.h"
#include "gateway/json_fields.h"

static const char *const type_names[PT_CONTROL_TYPE_COUNT] = {
    [PT_CONTROL_STREAM_REQUEST] = "stream-request", [PT_CONTROL_STREAM_REJECT] = "stream-reject",
    [PT_CONTROL_STREAM_ANNOUNCE] = "stream-announce", [PT_CONTROL_STREAM_JOIN] = "stream-join",
    [PT_CONTROL_STREAM_LEAVE] = "stream-leave", [PT_CONTROL_STREAM_STOP] = "stream-stop",
    [PT_CONTROL_KEYFRAME_REQUEST] = "keyframe-request", [PT_CONTROL_BITRATE_REQUEST] = "bitrate-request",
    [PT_CONTROL_PERMISSIONS] = "permissions", [PT_CONTROL_LIST_STREAMS] = "list-streams",
    [PT_CONTROL_PING] = "ping", [PT_CONTROL_PONG] = "pong"};

/* The one numeric field each type carries besides streamId, and its range. */
static const struct {
  const char *name;
  int64_t min, max;
} value_fields[PT_CONTROL_TYPE_COUNT] = {
    [PT_CONTROL_STREAM_REQUEST] = {"permissions", 0, 127},
    [PT_CONTROL_BITRATE_REQUEST] = {"bitsPerSecond", 1, 1000000000},
    [PT_CONTROL_PERMISSIONS] = {"inputLevel", 0, 127},
    [PT_CONTROL_PING] = {"id", 0, INT32_MAX},
    [PT_CONTROL_PONG] = {"id", 0, INT32_MAX},
};

const char *pt_control_type_name(pt_control_type type) {
  return type > 0 && type < PT_CONTROL_TYPE_COUNT ? type_names[type] : NULL;
}

static int has_stream_id(pt_control_type type) {
  return type == PT_CONTROL_STREAM_JOIN || type == PT_CONTROL_STREAM_LEAVE || type == PT_CONTROL_STREAM_STOP ||
         type == PT_CONTROL_KEYFRAME_REQUEST || type == PT_CONTROL_BITRATE_REQUEST || type == PT_CONTROL_PERMISSIONS;
}

static int has_request_id(pt_control_type type) {
  return type == PT_CONTROL_STREAM_REQUEST || type == PT_CONTROL_STREAM_REJECT || type == PT_CONTROL_STREAM_ANNOUNCE;
}

static int get_u32(const cJSON *object, const char *name, int required, int64_t min, int64_t max, uint32_t *out) {
  int64_t value = 0;
  int status = pt_json_get_integer(object, name, required, min, max, 0, &value);
  if (status == PT_OK) *out = (uint32_t)value;
  return status;
}

/* Reads {"codec", …} of "video" or "audio"; absent means the stream has no such media. */
static int parse_media(const cJSON *stream, pt_stream_description *d, int video) {
  const cJSON *media = cJSON_GetObjectItemCaseSensitive(stream, video ? "video" : "audio");
  if (media == NULL) return PT_OK;
  if (!cJSON_IsObject(media)) return PT_ERR_WRONG_TYPE;
  char *codec = video ? d->video_codec : d->audio_codec;
  int status = pt_json_get_string(media, "codec", 1, PT_CHARSET_TOKEN, codec, PT_CODEC_STRING_MAX + 1);
  if (status == PT_OK && codec[0] == '\0') status = PT_ERR_BAD_VALUE;
  if (video) {
    if (status == PT_OK) status = get_u32(media, "width", 1, 1, 16384, &d->width);
    if (status == PT_OK) status = get_u32(media, "height", 1, 1, 16384, &d->height);
    if (status == PT_OK) status = get_u32(media, "frameRate", 1, 1, 1000, &d->frame_rate);
    char config[PT_CODEC_CONFIG_MAX * 4 / 3 + 8];
    if (status == PT_OK) status = pt_json_get_string(media, "config", 0, PT_CHARSET_PRINTABLE, config, sizeof config);
    if (status == PT_OK) {
      int decoded = pt_base64_decode(config, d->video_config, sizeof d->video_config);
      status = decoded < 0 ? PT_ERR_BAD_VALUE : PT_OK;
      d->video_config_length = decoded < 0 ? 0 : (size_t)decoded;
    }
  } else {
    if (status == PT_OK) status = get_u32(media, "sampleRate", 1, 8000, 192000, &d->sample_rate);
    if (status == PT_OK) status = get_u32(media, "channels", 1, 1, 8, &d->channels);
  }
  return status;
}

/* "videoSeq" and "audioSeq": both or neither. */
static int parse_first_sequences(const cJSON *stream, pt_stream_description *d) {
  int64_t video = -1, audio = -1;
  int status = pt_json_get_integer(stream, "videoSeq", 0, 0, UINT16_MAX, -1, &video);
  if (status == PT_OK) status = pt_json_get_integer(stream, "audioSeq", 0, 0, UINT16_MAX, -1, &audio);
  if (status == PT_OK && (video < 0) != (audio < 0)) status = PT_ERR_MISSING_FIELD;
  d->has_first_seq = status == PT_OK && video >= 0;
  d->video_first_seq = d->has_first_seq ? (uint16_t)video : 0;
  d->audio_first_seq = d->has_first_seq ? (uint16_t)audio : 0;
  return status;
}

static int parse_stream(const cJSON *root, pt_stream_description *d) {
  const cJSON *stream = cJSON_GetObjectItemCaseSensitive(root, "stream");
  if (stream == NULL) return PT_ERR_MISSING_FIELD;
  if (!cJSON_IsObject(stream)) return PT_ERR_WRONG_TYPE;
  uint32_t id = 0;
  int status = get_u32(stream, "id", 1, 0, 255, &id);
  d->stream_id = (uint8_t)id;
  if (status == PT_OK) status = get_u32(stream, "type", 1, 0, 3, &d->stream_type);
  if (status == PT_OK) status = get_u32(stream, "defaultInputLevel", 1, 0, 127, &d->default_input_level);
  if (status == PT_OK) status = get_u32(stream, "videoSsrc", 1, 0, UINT32_MAX, &d->video_ssrc);
  if (status == PT_OK) status = get_u32(stream, "audioSsrc", 1, 0, UINT32_MAX, &d->audio_ssrc);
  if (status == PT_OK) status = parse_first_sequences(stream, d);
  char key[64];
  if (status == PT_OK) status = pt_json_get_string(stream, "srtpKey", 1, PT_CHARSET_PRINTABLE, key, sizeof key);
  if (status == PT_OK && pt_base64_decode(key, d->srtp_key, sizeof d->srtp_key) != PT_STREAM_KEY_LENGTH) {
    status = PT_ERR_BAD_VALUE;
  }
  if (status == PT_OK) status = parse_media(stream, d, 1);
  if (status == PT_OK) status = parse_media(stream, d, 0);
  return status;
}

int pt_control_parse(const char *json, size_t length, pt_control_message *message) {
  if (message == NULL) return PT_ERR_INVALID_ARGUMENT;
  memset(message, 0, sizeof *message);
  cJSON *root = NULL;
  int status = pt_json_parse_object(json, length, PT_CONTROL_MAX_MESSAGE, &root);
  char type[32];
  if (status == PT_OK) status = pt_json_get_string(root, "type", 1, PT_CHARSET_TOKEN, type, sizeof type);
  if (status == PT_ERR_BAD_VALUE) status = PT_ERR_UNEXPECTED_MESSAGE;
  for (int t = 1; status == PT_OK && t < PT_CONTROL_TYPE_COUNT && message->type == 0; t++) {
    if (strcmp(type, type_names[t]) == 0) message->type = (pt_control_type)t;
  }
  if (status == PT_OK && message->type == 0) status = PT_ERR_UNEXPECTED_MESSAGE;
  pt_control_type t = message->type;
  if (status == PT_OK && has_request_id(t))
    /* Request ids start at 1; an announcement's 0 (or none) says it answers no request. */
    status = get_u32(root, "requestId", t != PT_CONTROL_STREAM_ANNOUNCE, t != PT_CONTROL_STREAM_ANNOUNCE, INT32_MAX,
                     &message->request_id);
  if (status == PT_OK && has_stream_id(t)) status = get_u32(root, "streamId", 1, 0, 255, &message->stream_id);
  if (status == PT_OK && value_fields[t].name != NULL)
    status = get_u32(root, value_fields[t].name, 1, value_fields[t].min, value_fields[t].max, &message->value);
  if (status == PT_OK && (t == PT_CONTROL_STREAM_REJECT || t == PT_CONTROL_STREAM_STOP))
    status = pt_json_get_string(root, "reason", 0, PT_CHARSET_TEXT, message->reason, sizeof message->reason);
  if (status == PT_OK && t == PT_CONTROL_STREAM_ANNOUNCE) status = parse_stream(root, &message->stream);
  cJSON_Delete(root);
  return status;
}

static int add_media(cJSON *stream, const pt_stream_description *d, int video) {
  const char *codec = video ? d->video_codec : d->audio_codec;
  if (codec[0] == '\0') return 1;
  cJSON *media = cJSON_AddObjectToObject(stream, video ? "video" : "audio");
  int ok = media != NULL && cJSON_AddStringToObject(media, "codec", codec) != NULL;
  if (ok && video) {
    char config[PT_CODEC_CONFIG_MAX * 4 / 3 + 8];
    ok = cJSON_AddNumberToObject(media, "width", d->width) != NULL &&
         cJSON_AddNumberToObject(media, "height", d->height) != NULL &&
         cJSON_AddNumberToObject(media, "frameRate", d->frame_rate) != NULL &&
         pt_base64_encode(d->video_config, d->video_config_length, config, sizeof config) == PT_OK &&
         cJSON_AddStringToObject(media, "config", config) != NULL;
  } else if (ok) {
    ok = cJSON_AddNumberToObject(media, "sampleRate", d->sample_rate) != NULL &&
         cJSON_AddNumberToObject(media, "channels", d->channels) != NULL;
  }
  return ok;
}

static int add_stream(cJSON *root, const pt_stream_description *d) {
  char key[64];
  cJSON *stream = cJSON_AddObjectToObject(root, "stream");
  return stream != NULL && cJSON_AddNumberToObject(stream, "id", d->stream_id) != NULL &&
         cJSON_AddNumberToObject(stream, "type", d->stream_type) != NULL &&
         cJSON_AddNumberToObject(stream, "defaultInputLevel", d->default_input_level) != NULL &&
         cJSON_AddNumberToObject(stream, "videoSsrc", d->video_ssrc) != NULL &&
         cJSON_AddNumberToObject(stream, "audioSsrc", d->audio_ssrc) != NULL &&
         (!d->has_first_seq || (cJSON_AddNumberToObject(stream, "videoSeq", d->video_first_seq) != NULL &&
                                cJSON_AddNumberToObject(stream, "audioSeq", d->audio_first_seq) != NULL)) &&
         pt_base64_encode(d->srtp_key, sizeof d->srtp_key, key, sizeof key) == PT_OK &&
         cJSON_AddStringToObject(stream, "srtpKey", key) != NULL && add_media(stream, d, 1) && add_media(stream, d, 0);
}

int pt_control_build(const pt_control_message *message, char *out, size_t capacity, size_t *length) {
  if (message == NULL || pt_control_type_name(message->type) == NULL) return PT_ERR_BAD_VALUE;
  pt_control_type t = message->type;
  cJSON *root = cJSON_CreateObject();
  int ok = root != NULL && cJSON_AddStringToObject(root, "type", type_names[t]) != NULL;
  if (ok && has_request_id(t)) ok = cJSON_AddNumberToObject(root, "requestId", message->request_id) != NULL;
  if (ok && has_stream_id(t)) ok = cJSON_AddNumberToObject(root, "streamId", message->stream_id) != NULL;
  if (ok && value_fields[t].name != NULL) ok = cJSON_AddNumberToObject(root, value_fields[t].name, message->value) != NULL;
  if (ok && (t == PT_CONTROL_STREAM_REJECT || (t == PT_CONTROL_STREAM_STOP && message->reason[0] != '\0')))
    ok = cJSON_AddStringToObject(root, "reason", message->reason) != NULL;
  if (ok && t == PT_CONTROL_STREAM_ANNOUNCE) ok = add_stream(root, &message->stream);
  char *text = malloc(PT_CONTROL_MAX_MESSAGE + 1);
  int status = ok && text != NULL ? pt_json_print(root, text, PT_CONTROL_MAX_MESSAGE + 1, NULL) : PT_ERR_NO_MEMORY;
  cJSON_Delete(root);
  /* Whatever is built must parse back: the same rules hold in both directions. */
  pt_control_message *check = status == PT_OK ? malloc(sizeof *check) : NULL;
  if (status == PT_OK) status = check == NULL ? PT_ERR_NO_MEMORY : pt_control_parse(text, strlen(text), check);
  if (status == PT_ERR_MISSING_FIELD || status == PT_ERR_WRONG_TYPE || status == PT_ERR_MALFORMED) status = PT_ERR_BAD_VALUE;
  if (status == PT_OK) {
    size_t n = strlen(text);
    if (n + 1 > capacity) {
      status = PT_ERR_BUFFER_TOO_SMALL;
    } else {
      memcpy(out, text, n + 1);
      if (length != NULL) *length = n;
    }
  }
  free(check);
  free(text);
  return status;
}
