#include "peer/peer_control.h"

#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "core/base64.h"
#include "core/error.h"
#include "media/feedback.h"
#include "peer/peer.h"

int pt_peer_control_send(pt_core *core, pt_handle peer, const pt_control_message *message) {
  int status = pt_registry_get(&core->registry, peer, PT_KIND_PEER, NULL);
  if (status != PT_OK) return status;
  char *text = malloc(PT_CONTROL_MAX_MESSAGE + 1);
  size_t length = 0;
  status = text == NULL ? PT_ERR_NO_MEMORY : pt_control_build(message, text, PT_CONTROL_MAX_MESSAGE + 1, &length);
  if (status == PT_OK) {
    status = pt_output_queue_push(&core->outputs, PT_OUTPUT_SEND, peer, PT_TRANSPORT_CONTROL, text, length);
  }
  free(text);
  return status;
}

static int send_simple(pt_core *core, pt_handle peer, pt_control_type type, uint32_t stream_id, uint32_t value) {
  pt_control_message *message = calloc(1, sizeof *message);
  if (message == NULL) return PT_ERR_NO_MEMORY;
  message->type = type;
  message->stream_id = stream_id;
  message->value = value;
  int status = pt_peer_control_send(core, peer, message);
  free(message);
  return status;
}

/* The public parts of a description (never the key or SSRCs), as the app sees them. */
static cJSON *describe(const pt_stream_description *d) {
  cJSON *stream = cJSON_CreateObject();
  cJSON_AddNumberToObject(stream, "id", d->stream_id);
  cJSON_AddNumberToObject(stream, "type", d->stream_type);
  cJSON_AddNumberToObject(stream, "defaultInputLevel", d->default_input_level);
  if (d->video_codec[0] != '\0') {
    char config[PT_CODEC_CONFIG_MAX * 4 / 3 + 8];
    pt_base64_encode(d->video_config, d->video_config_length, config, sizeof config);
    cJSON *video = cJSON_AddObjectToObject(stream, "video");
    cJSON_AddStringToObject(video, "codec", d->video_codec);
    cJSON_AddNumberToObject(video, "width", d->width);
    cJSON_AddNumberToObject(video, "height", d->height);
    cJSON_AddNumberToObject(video, "frameRate", d->frame_rate);
    cJSON_AddStringToObject(video, "config", config);
  }
  if (d->audio_codec[0] != '\0') {
    cJSON *audio = cJSON_AddObjectToObject(stream, "audio");
    cJSON_AddStringToObject(audio, "codec", d->audio_codec);
    cJSON_AddNumberToObject(audio, "sampleRate", d->sample_rate);
    cJSON_AddNumberToObject(audio, "channels", d->channels);
  }
  return stream;
}

static int emit_with_stream_event(pt_core *core, pt_handle target, pt_event event, const char *name, double value) {
  cJSON *payload = cJSON_CreateObject();
  cJSON_AddNumberToObject(payload, name, value);
  return pt_core_emit_object(core, target, event, payload);
}

static int on_announce(pt_core *core, pt_handle peer, const pt_control_message *m) {
  int status = pt_peer_remember_announcement(core, peer, &m->stream);
  if (status != PT_OK) return status;
  cJSON *payload = cJSON_CreateObject();
  cJSON *stream = describe(&m->stream);
  /* Out of memory, the description must not leak: it is freed with the payload only once attached. */
  if (payload == NULL || stream == NULL || cJSON_AddNumberToObject(payload, "requestId", m->request_id) == NULL ||
      !cJSON_AddItemToObject(payload, "stream", stream)) {
    cJSON_Delete(stream);
    cJSON_Delete(payload);
    return PT_ERR_NO_MEMORY;
  }
  return pt_core_emit_object(core, peer, PT_EVENT_STREAM_ANNOUNCED, payload);
}

/* Host: re-announces every outbound stream of the peer. */
static int announce_all(pt_core *core, pt_handle peer) {
  const pt_handle *streams = NULL;
  int count = pt_peer_streams(core, peer, &streams);
  int status = count < 0 ? count : PT_OK;
  for (int i = 0; i < count && status == PT_OK; i++) {
    pt_handle h = streams[i]; /* sending a control message adds or removes no stream */
    pt_control_message *message = calloc(1, sizeof *message);
    if (message == NULL) return PT_ERR_NO_MEMORY;
    message->type = PT_CONTROL_STREAM_ANNOUNCE;
    /* Only this peer's outbound streams: an inbound one of the same id is found under its role. */
    if (pt_stream_peer(core, h) == peer && pt_stream_description_of(core, h, &message->stream) == PT_OK &&
        pt_stream_find(core, peer, message->stream.stream_id, 0) == h) {
      status = pt_peer_control_send(core, peer, message);
    }
    free(message);
  }
  return status;
}

int pt_peer_control_receive(pt_core *core, pt_handle peer, const char *json, size_t length, double now_ms) {
  int status = pt_registry_get(&core->registry, peer, PT_KIND_PEER, NULL);
  if (status != PT_OK) return status;
  pt_control_message *m = malloc(sizeof *m);
  status = m == NULL ? PT_ERR_NO_MEMORY : pt_control_parse(json, length, m);
  pt_handle outbound = status == PT_OK ? pt_stream_find(core, peer, (uint8_t)m->stream_id, 0) : 0;
  pt_handle inbound = status == PT_OK ? pt_stream_find(core, peer, (uint8_t)m->stream_id, 1) : 0;
  cJSON *payload;
  if (status == PT_OK) {
    switch (m->type) {
      case PT_CONTROL_STREAM_REQUEST:
        payload = cJSON_CreateObject();
        cJSON_AddNumberToObject(payload, "requestId", m->request_id);
        cJSON_AddNumberToObject(payload, "permissions", m->value);
        status = pt_core_emit_object(core, peer, PT_EVENT_STREAM_REQUESTED, payload);
        break;
      case PT_CONTROL_STREAM_REJECT:
        payload = cJSON_CreateObject();
        cJSON_AddNumberToObject(payload, "requestId", m->request_id);
        cJSON_AddStringToObject(payload, "reason", m->reason);
        status = pt_core_emit_object(core, peer, PT_EVENT_STREAM_REJECTED, payload);
        break;
      case PT_CONTROL_STREAM_ANNOUNCE:
        status = on_announce(core, peer, m);
        break;
      case PT_CONTROL_STREAM_JOIN:
        status = outbound == 0 ? PT_ERR_UNEXPECTED_MESSAGE : pt_core_emit_json(core, outbound, PT_EVENT_STREAM_JOINED, "{}");
        break;
      case PT_CONTROL_STREAM_LEAVE:
        /* Whatever the leaving client held is released before the host hears that it left. */
        status = outbound == 0 ? PT_ERR_UNEXPECTED_MESSAGE : pt_stream_release_input(core, outbound);
        if (status == PT_OK) status = pt_core_emit_json(core, outbound, PT_EVENT_STREAM_LEFT, "{}");
        break;
      case PT_CONTROL_STREAM_STOP:
        status = inbound == 0 ? PT_ERR_UNEXPECTED_MESSAGE : pt_stream_close_with_reason(core, inbound, PT_ERR_CLOSED, m->reason);
        break;
      case PT_CONTROL_KEYFRAME_REQUEST:
        status = outbound == 0 ? PT_ERR_UNEXPECTED_MESSAGE : pt_stream_keyframe_requested(core, outbound, now_ms);
        break;
      case PT_CONTROL_BITRATE_REQUEST:
        /* What the client asks for becomes the rate controller's ceiling too, so that it is not raised again;
         * the controller goes no lower than its floor. The app hears the rate as asked. */
        if (outbound != 0) pt_stream_set_video_bitrate(core, outbound, m->value < PT_STREAM_MIN_VIDEO_BPS ? PT_STREAM_MIN_VIDEO_BPS : m->value);
        status = outbound == 0 ? PT_ERR_UNEXPECTED_MESSAGE
                               : emit_with_stream_event(core, outbound, PT_EVENT_BITRATE_REQUESTED, "bitsPerSecond", m->value);
        break;
      case PT_CONTROL_PERMISSIONS:
        status = inbound == 0 ? PT_ERR_UNEXPECTED_MESSAGE : pt_stream_set_input_level(core, inbound, m->value);
        if (status == PT_OK) status = emit_with_stream_event(core, inbound, PT_EVENT_STREAM_PERMISSIONS, "inputLevel", m->value);
        break;
      case PT_CONTROL_LIST_STREAMS:
        status = announce_all(core, peer);
        break;
      case PT_CONTROL_PING:
        status = send_simple(core, peer, PT_CONTROL_PONG, 0, m->value);
        break;
      default:
        break; /* a pong needs nothing */
    }
  }
  free(m);
  if (pt_error_is_shortage(status)) {
    /* A valid message our side could not act on: the two sides' views of their streams part ways from here,
     * so the link closes, saying why, rather than go on with a step missing. */
    pt_peer_close(core, peer, status);
  }
  return status;
}

int pt_peer_request_stream(pt_core *core, pt_handle peer, uint32_t permissions) {
  int id = pt_peer_next_id(core, peer);
  if (id < 0) return id;
  pt_control_message *message = calloc(1, sizeof *message);
  if (message == NULL) return PT_ERR_NO_MEMORY;
  message->type = PT_CONTROL_STREAM_REQUEST;
  message->request_id = (uint32_t)id;
  message->value = permissions;
  int status = pt_peer_control_send(core, peer, message);
  free(message);
  return status == PT_OK ? id : status;
}

int pt_peer_list_streams(pt_core *core, pt_handle peer) { return send_simple(core, peer, PT_CONTROL_LIST_STREAMS, 0, 0); }

pt_handle pt_peer_join_stream(pt_core *core, pt_handle peer, uint8_t stream_id, double now_ms) {
  pt_stream_description *description = malloc(sizeof *description);
  if (description == NULL) return PT_ERR_NO_MEMORY;
  int status = pt_peer_announcement(core, peer, stream_id, description);
  pt_handle stream = status == PT_OK ? pt_stream_create_inbound(core, peer, description, now_ms) : status;
  free(description);
  if (stream < 0) return stream;
  status = send_simple(core, peer, PT_CONTROL_STREAM_JOIN, stream_id, 0);
  if (status != PT_OK) {
    pt_stream_free(core, stream);
    return status;
  }
  return stream;
}

/* Sends a stream-level message about a stream (with a reason, for a stop), then closes the stream. */
static int send_and_close(pt_core *core, pt_handle stream, pt_control_type type, const char *reason) {
  if (reason != NULL && strlen(reason) > PT_CONTROL_REASON_MAX) return PT_ERR_BAD_VALUE;
  pt_control_message *message = calloc(1, sizeof *message);
  if (message == NULL) return PT_ERR_NO_MEMORY;
  int status = pt_stream_description_of(core, stream, &message->stream);
  if (status == PT_OK) {
    message->type = type;
    message->stream_id = message->stream.stream_id;
    if (reason != NULL) strcpy(message->reason, reason);
    pt_peer_control_send(core, pt_stream_peer(core, stream), message); /* the peer may be gone already */
    status = pt_stream_close(core, stream, PT_ERR_CLOSED);
  }
  free(message);
  return status;
}

int pt_peer_leave_stream(pt_core *core, pt_handle stream) {
  return send_and_close(core, stream, PT_CONTROL_STREAM_LEAVE, NULL);
}

int pt_peer_stop_stream(pt_core *core, pt_handle stream, const char *reason) {
  return send_and_close(core, stream, PT_CONTROL_STREAM_STOP, reason);
}

pt_handle pt_peer_announce_stream(pt_core *core, pt_handle peer, pt_stream_description *description,
                                  uint32_t request_id) {
  pt_handle stream = pt_stream_create_outbound(core, peer, description);
  if (stream < 0) return stream;
  pt_control_message *message = calloc(1, sizeof *message);
  int status = message == NULL ? PT_ERR_NO_MEMORY : PT_OK;
  if (status == PT_OK) {
    message->type = PT_CONTROL_STREAM_ANNOUNCE;
    message->request_id = request_id;
    message->stream = *description;
    status = pt_peer_control_send(core, peer, message);
  }
  free(message);
  if (status != PT_OK) {
    pt_stream_free(core, stream);
    return status;
  }
  return stream;
}

int pt_peer_reject_stream(pt_core *core, pt_handle peer, uint32_t request_id, const char *reason) {
  pt_control_message *message = calloc(1, sizeof *message);
  if (message == NULL) return PT_ERR_NO_MEMORY;
  message->type = PT_CONTROL_STREAM_REJECT;
  message->request_id = request_id;
  /* The reason is checked before it is copied; the request id by the build, which refuses what the parser would. */
  int status = reason == NULL || strlen(reason) > PT_CONTROL_REASON_MAX ? PT_ERR_BAD_VALUE : PT_OK;
  if (status == PT_OK) {
    strcpy(message->reason, reason);
    status = pt_peer_control_send(core, peer, message);
  }
  free(message);
  return status;
}

/* Sends a message about a stream to its peer. */
static int send_about(pt_core *core, pt_handle stream, pt_control_type type, uint32_t value) {
  pt_stream_description *d = malloc(sizeof *d);
  if (d == NULL) return PT_ERR_NO_MEMORY;
  int status = pt_stream_description_of(core, stream, d);
  if (status == PT_OK) status = send_simple(core, pt_stream_peer(core, stream), type, d->stream_id, value);
  free(d);
  return status;
}

int pt_peer_set_permissions(pt_core *core, pt_handle stream, uint32_t input_level) {
  /* The host's own filter changes first: input beyond the new level stops at once. */
  int status = pt_stream_set_input_level(core, stream, input_level);
  return status != PT_OK ? status : send_about(core, stream, PT_CONTROL_PERMISSIONS, input_level);
}

int pt_peer_request_bitrate(pt_core *core, pt_handle stream, uint32_t bits_per_second) {
  if (bits_per_second == 0 || bits_per_second > 1000000000) return PT_ERR_BAD_VALUE;
  return send_about(core, stream, PT_CONTROL_BITRATE_REQUEST, bits_per_second);
}

int pt_peer_request_keyframe(pt_core *core, pt_handle stream) {
  return send_about(core, stream, PT_CONTROL_KEYFRAME_REQUEST, 0);
}

int pt_peer_media_receive(pt_core *core, pt_handle peer, pt_media_kind kind, uint8_t *packet, size_t length,
                          double now_ms) {
  if (packet == NULL || length < 12) return PT_ERR_MALFORMED;
  pt_media_kind stream_kind;
  int feedback;
  uint32_t ssrc = pt_stream_message_ssrc(packet, length, &feedback);
  if (feedback) {
    /* Feedback is about a host's outbound stream, or a client's inbound one. */
    pt_handle stream = pt_stream_find_by_ssrc(core, peer, ssrc, 0, &stream_kind);
    if (stream == 0) stream = pt_stream_find_by_ssrc(core, peer, ssrc, 1, &stream_kind);
    if (stream == 0 || stream_kind != kind) return PT_ERR_UNEXPECTED_MESSAGE;
    return pt_stream_receive_feedback(core, stream, kind, packet, length, now_ms);
  }
  pt_handle stream = pt_stream_find_by_ssrc(core, peer, ssrc, 1, &stream_kind);
  if (stream == 0 || stream_kind != kind) return PT_ERR_UNEXPECTED_MESSAGE;
  return pt_stream_receive_packet(core, stream, kind, packet, length, now_ms);
}

int pt_peer_input_receive(pt_core *core, pt_handle peer, const uint8_t *message, size_t length) {
  int status = pt_registry_get(&core->registry, peer, PT_KIND_PEER, NULL);
  if (status != PT_OK) return status;
  if (length > PT_INPUT_MAX_MESSAGE) return PT_ERR_TOO_LARGE;
  int to_client;
  uint8_t stream_id;
  status = pt_input_read_header(message, length, &to_client, &stream_id);
  if (status != PT_OK) return status;
  /* Host → client input is for this side's inbound stream of that id, client → host for its outbound one. */
  pt_handle stream = pt_stream_find(core, peer, stream_id, to_client);
  if (stream == 0) return PT_ERR_UNEXPECTED_MESSAGE;
  status = pt_stream_receive_input(core, stream, message + PT_INPUT_HEADER_SIZE, length - PT_INPUT_HEADER_SIZE);
  /* Input is reliable so that no key up is lost: one our side could not take (memory short, queue full)
   * ends the link, saying why, as for the control channel. */
  if (pt_error_is_shortage(status)) pt_peer_close(core, peer, status);
  return status;
}
