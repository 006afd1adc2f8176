/* Implements the exports of boundary.h over the module's one core. */
#include "wasm/boundary.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "channel/channel.h"
#include "core/core.h"
#include "core/error.h"
#include "gateway/connection.h"
#include "gateway/json_fields.h"
#include "input/input_json.h"
#include "input/virtual_key.h"
#include "media/srtp_session.h"
#include "peer/peer.h"
#include "peer/peer_control.h"
#include "stream/stream.h"

static pt_core the_core;
static int core_ready = 0;

uint8_t *pt_wasm_alloc(uint32_t length) { return malloc(length > 0 ? length : 1); }

void pt_wasm_free(uint8_t *ptr) { free(ptr); }

uint32_t pt_wasm_heap_used(void) { return (uint32_t)mallinfo().uordblks; }

const char *pt_wasm_error_name(int32_t code) { return pt_error_name(code); }

int32_t pt_wasm_init(uint32_t max_objects, uint32_t max_output_bytes, double hello_timeout_ms) {
  if (core_ready) {
    return PT_ERR_STATE;
  }
  pt_core_config config;
  pt_core_config_default(&config);
  if (max_objects > 0) config.max_objects = max_objects;
  if (max_output_bytes > 0) config.max_output_bytes = max_output_bytes;
  if (hello_timeout_ms > 0) config.hello_timeout_ms = hello_timeout_ms;
  int status = pt_core_init(&the_core, &config);
  if (status != PT_OK) {
    pt_core_destroy(&the_core);
    return status;
  }
  core_ready = 1;
  return PT_OK;
}

void pt_wasm_shutdown(void) {
  if (core_ready) {
    pt_core_destroy(&the_core);
    core_ready = 0;
  }
}

uint32_t pt_wasm_live_objects(void) { return core_ready ? pt_registry_live(&the_core.registry) : 0; }

int32_t pt_wasm_handle_timeout(double now_ms) {
  return core_ready ? pt_core_handle_timeout(&the_core, now_ms) : PT_ERR_STATE;
}

int32_t pt_wasm_output_next(void *info) {
  if (info == NULL) {
    return PT_ERR_INVALID_ARGUMENT;
  }
  return pt_output_queue_peek(core_ready ? &the_core.outputs : NULL, info);
}

int32_t pt_wasm_output_take(uint8_t *buf, uint32_t capacity) {
  return core_ready ? pt_output_queue_take(&the_core.outputs, buf, capacity) : PT_ERR_STATE;
}

/* Copies a (pointer, length) string from JS into a NUL-terminated field of `capacity` bytes (NULL is the empty
 * string). */
static int copy_text(char *field, size_t capacity, const char *text, uint32_t length) {
  if ((text == NULL && length > 0) || length >= capacity || (length > 0 && memchr(text, 0, length) != NULL)) {
    return PT_ERR_BAD_VALUE;
  }
  if (length > 0) {
    memcpy(field, text, length);
  }
  field[length] = '\0';
  return PT_OK;
}

int32_t pt_wasm_connection_open(const char *api_key, uint32_t api_key_length, const char *external_id,
                                uint32_t external_id_length, const char *resume_token,
                                uint32_t resume_token_length, double now_ms) {
  if (!core_ready) {
    return PT_ERR_STATE;
  }
  pt_client_hello *hello = malloc(sizeof *hello);
  if (hello == NULL) {
    return PT_ERR_NO_MEMORY;
  }
  pt_client_hello_init(hello);
  int status = copy_text(hello->api_key, sizeof hello->api_key, api_key, api_key_length);
  if (status == PT_OK)
    status = copy_text(hello->external_id, sizeof hello->external_id, external_id, external_id_length);
  if (status == PT_OK)
    status = copy_text(hello->resume_token, sizeof hello->resume_token, resume_token, resume_token_length);
  if (status == PT_OK) {
    status = pt_connection_open(&the_core, hello, now_ms);
  }
  free(hello);
  return status;
}

int32_t pt_wasm_connection_receive(int32_t handle, const char *message, uint32_t length, double now_ms) {
  return core_ready ? pt_connection_receive(&the_core, handle, message, length, now_ms) : PT_ERR_STATE;
}

int32_t pt_wasm_connection_close(int32_t handle, int32_t reason) {
  return core_ready ? pt_connection_close(&the_core, handle, reason) : PT_ERR_STATE;
}

int32_t pt_wasm_connection_state(int32_t handle) {
  return core_ready ? pt_connection_state_of(&the_core, handle) : PT_ERR_STATE;
}

int32_t pt_wasm_connection_configure(int32_t handle, double ping_interval_ms, double ping_timeout_ms,
                                     double retry_min_ms, double retry_max_ms, double give_up_ms, double now_ms) {
  pt_liveness_config config = {ping_interval_ms, ping_timeout_ms, retry_min_ms, retry_max_ms, give_up_ms};
  return core_ready ? pt_connection_configure(&the_core, handle, &config, now_ms) : PT_ERR_STATE;
}

int32_t pt_wasm_connection_socket_open(int32_t handle, double now_ms) {
  return core_ready ? pt_connection_socket_open(&the_core, handle, now_ms) : PT_ERR_STATE;
}

int32_t pt_wasm_connection_socket_closed(int32_t handle, double now_ms) {
  return core_ready ? pt_connection_socket_closed(&the_core, handle, now_ms) : PT_ERR_STATE;
}

/* Parses a (pointer, length) decimal peer id from JS. */
static int parse_peer_id(const char *text, uint32_t length, uint64_t *peer_id) {
  char buffer[24];
  int status = copy_text(buffer, sizeof buffer, text, length);
  return status == PT_OK ? pt_peer_id_parse(buffer, peer_id) : status;
}

int32_t pt_wasm_connection_request(int32_t handle, const char *target, uint32_t target_length, double timeout_ms,
                                   double now_ms) {
  uint64_t peer_id = 0;
  int status = core_ready ? parse_peer_id(target, target_length, &peer_id) : PT_ERR_STATE;
  return status == PT_OK ? pt_connection_request(&the_core, handle, peer_id, timeout_ms, now_ms) : status;
}

int32_t pt_wasm_connection_cancel(int32_t handle, const char *target, uint32_t target_length) {
  uint64_t peer_id = 0;
  int status = core_ready ? parse_peer_id(target, target_length, &peer_id) : PT_ERR_STATE;
  return status == PT_OK ? pt_connection_cancel(&the_core, handle, peer_id) : status;
}

int32_t pt_wasm_connection_accept(int32_t handle, const char *request_id, uint32_t request_id_length,
                                  double timeout_ms, double now_ms) {
  char id[PT_REQUEST_ID_MAX + 1];
  int status = core_ready ? copy_text(id, sizeof id, request_id, request_id_length) : PT_ERR_STATE;
  return status == PT_OK ? pt_connection_accept(&the_core, handle, id, timeout_ms, now_ms) : status;
}

int32_t pt_wasm_connection_reject(int32_t handle, const char *request_id, uint32_t request_id_length,
                                  const char *reason, uint32_t reason_length) {
  char id[PT_REQUEST_ID_MAX + 1];
  char text[PT_REASON_MAX + 1];
  int status = core_ready ? copy_text(id, sizeof id, request_id, request_id_length) : PT_ERR_STATE;
  if (status == PT_OK) status = copy_text(text, sizeof text, reason, reason_length);
  return status == PT_OK ? pt_connection_reject(&the_core, handle, id, text) : status;
}

int32_t pt_wasm_peer_signal(int32_t peer, int32_t kind, const char *data, uint32_t length) {
  return core_ready ? pt_peer_send_signal(&the_core, peer, (pt_signal_kind)kind, data, length) : PT_ERR_STATE;
}

int32_t pt_wasm_peer_report_rtc(int32_t peer, int32_t state, double now_ms) {
  return core_ready ? pt_peer_report_rtc(&the_core, peer, (pt_rtc_state)state, now_ms) : PT_ERR_STATE;
}

int32_t pt_wasm_peer_set_disconnected_timeout(int32_t peer, double timeout_ms) {
  return core_ready ? pt_peer_set_disconnected_timeout(&the_core, peer, timeout_ms) : PT_ERR_STATE;
}

int32_t pt_wasm_peer_report_control(int32_t peer, int32_t open) {
  return core_ready ? pt_peer_report_control(&the_core, peer, open) : PT_ERR_STATE;
}

int32_t pt_wasm_peer_state(int32_t peer) { return core_ready ? pt_peer_state_of(&the_core, peer) : PT_ERR_STATE; }

int32_t pt_wasm_peer_close(int32_t peer, int32_t reason) {
  return core_ready ? pt_peer_close(&the_core, peer, reason) : PT_ERR_STATE;
}

int32_t pt_wasm_channel_create(int32_t peer, const char *label, uint32_t label_length, int32_t mode,
                               uint32_t chunk_size, uint32_t max_message, double request_timeout_ms,
                               double open_timeout_ms, double now_ms) {
  char text[PT_CHANNEL_LABEL_MAX + 1];
  int status = core_ready ? copy_text(text, sizeof text, label, label_length) : PT_ERR_STATE;
  if (status != PT_OK) return status;
  pt_channel_options options = {(pt_channel_mode)mode, chunk_size, max_message, request_timeout_ms, open_timeout_ms};
  return pt_channel_create(&the_core, peer, text, &options, now_ms);
}

int32_t pt_wasm_channel_report_open(int32_t channel) {
  return core_ready ? pt_channel_report_open(&the_core, channel) : PT_ERR_STATE;
}

double pt_wasm_channel_send(int32_t channel, int32_t kind, uint32_t response_to, const uint8_t *data,
                            uint32_t length, double now_ms) {
  if (!core_ready) return PT_ERR_STATE;
  if (kind < PT_MESSAGE_STANDALONE || kind > PT_MESSAGE_RESPONSE) return PT_ERR_INVALID_ARGUMENT;
  return (double)pt_channel_send(&the_core, channel, (pt_message_kind)kind, response_to, data, length, now_ms);
}

double pt_wasm_channel_pull(int32_t channel, uint32_t budget) {
  return core_ready ? (double)pt_channel_pull(&the_core, channel, budget) : PT_ERR_STATE;
}

double pt_wasm_channel_backlog(int32_t channel) {
  return core_ready ? (double)pt_channel_backlog(&the_core, channel) : PT_ERR_STATE;
}

int32_t pt_wasm_channel_receive(int32_t channel, const uint8_t *chunk, uint32_t length, double now_ms) {
  return core_ready ? pt_channel_receive(&the_core, channel, chunk, length, now_ms) : PT_ERR_STATE;
}

int32_t pt_wasm_channel_counters(int32_t channel, void *out) {
  if (!core_ready) return PT_ERR_STATE;
  if (out == NULL) return PT_ERR_INVALID_ARGUMENT;
  return pt_channel_counters_of(&the_core, channel, out);
}

int32_t pt_wasm_channel_close(int32_t channel, int32_t reason) {
  return core_ready ? pt_channel_close(&the_core, channel, reason) : PT_ERR_STATE;
}

int32_t pt_wasm_peer_control_receive(int32_t peer, const char *json, uint32_t length, double now_ms) {
  return core_ready ? pt_peer_control_receive(&the_core, peer, json, length, now_ms) : PT_ERR_STATE;
}

int32_t pt_wasm_peer_media_receive(int32_t peer, int32_t kind, uint8_t *packet, uint32_t length, double now_ms) {
  if (kind != PT_MEDIA_VIDEO && kind != PT_MEDIA_AUDIO) return PT_ERR_INVALID_ARGUMENT;
  return core_ready ? pt_peer_media_receive(&the_core, peer, (pt_media_kind)kind, packet, length, now_ms) : PT_ERR_STATE;
}

int32_t pt_wasm_peer_request_stream(int32_t peer, uint32_t permissions) {
  return core_ready ? pt_peer_request_stream(&the_core, peer, permissions) : PT_ERR_STATE;
}

int32_t pt_wasm_peer_list_streams(int32_t peer) {
  return core_ready ? pt_peer_list_streams(&the_core, peer) : PT_ERR_STATE;
}

int32_t pt_wasm_peer_join_stream(int32_t peer, uint32_t stream_id, double now_ms) {
  if (stream_id > 255) return PT_ERR_BAD_VALUE;
  return core_ready ? pt_peer_join_stream(&the_core, peer, (uint8_t)stream_id, now_ms) : PT_ERR_STATE;
}

int32_t pt_wasm_peer_announce_stream(int32_t peer, const char *json, uint32_t length, uint32_t request_id) {
  if (!core_ready) return PT_ERR_STATE;
  pt_control_message *message = malloc(sizeof *message);
  if (message == NULL) return PT_ERR_NO_MEMORY;
  int status = pt_control_parse(json, length, message);
  if (status == PT_OK && message->type != PT_CONTROL_STREAM_ANNOUNCE) status = PT_ERR_BAD_VALUE;
  if (status == PT_OK) status = pt_peer_announce_stream(&the_core, peer, &message->stream, request_id);
  free(message);
  return status;
}

int32_t pt_wasm_peer_reject_stream(int32_t peer, uint32_t request_id, const char *reason, uint32_t reason_length) {
  char text[PT_CONTROL_REASON_MAX + 1];
  int status = core_ready ? copy_text(text, sizeof text, reason, reason_length) : PT_ERR_STATE;
  return status == PT_OK ? pt_peer_reject_stream(&the_core, peer, request_id, text) : status;
}

int32_t pt_wasm_stream_send_frame(int32_t stream, int32_t kind, const uint8_t *frame, uint32_t length, double timestamp_us,
                                  double now_ms, double channel_buffered) {
  if (kind != PT_MEDIA_VIDEO && kind != PT_MEDIA_AUDIO) return PT_ERR_INVALID_ARGUMENT;
  size_t buffered = channel_buffered > 0 && channel_buffered < 1e12 ? (size_t)channel_buffered : 0;
  return core_ready ? pt_stream_send_frame(&the_core, stream, (pt_media_kind)kind, frame, length, timestamp_us, now_ms, buffered)
                    : PT_ERR_STATE;
}

int32_t pt_wasm_stream_set_video_bitrate(int32_t stream, double bits_per_second) {
  return core_ready ? pt_stream_set_video_bitrate(&the_core, stream, bits_per_second) : PT_ERR_STATE;
}

int32_t pt_wasm_stream_end(int32_t stream, const char *reason, uint32_t reason_length) {
  if (!core_ready) return PT_ERR_STATE;
  char text[PT_CONTROL_REASON_MAX + 1];
  int status = copy_text(text, sizeof text, reason, reason_length);
  if (status != PT_OK) return status;
  pt_handle peer = pt_stream_peer(&the_core, stream);
  if (peer == 0) { /* a media worker's receiver or sender (or a bad handle): it just closes */
    status = pt_registry_get(&the_core.registry, stream, PT_KIND_STREAM, NULL);
    return status == PT_OK ? pt_stream_close(&the_core, stream, PT_ERR_CLOSED) : status;
  }
  pt_stream_description description;
  pt_stream_description_of(&the_core, stream, &description);
  int inbound = pt_stream_find(&the_core, peer, description.stream_id, 1) == stream;
  return inbound ? pt_peer_leave_stream(&the_core, stream) : pt_peer_stop_stream(&the_core, stream, text);
}

int32_t pt_wasm_stream_set_permissions(int32_t stream, uint32_t input_level) {
  return core_ready ? pt_peer_set_permissions(&the_core, stream, input_level) : PT_ERR_STATE;
}

int32_t pt_wasm_stream_request_keyframe(int32_t stream, double now_ms) {
  return core_ready ? pt_stream_request_keyframe(&the_core, stream, now_ms) : PT_ERR_STATE;
}

int32_t pt_wasm_stream_request_bitrate(int32_t stream, uint32_t bits_per_second) {
  return core_ready ? pt_peer_request_bitrate(&the_core, stream, bits_per_second) : PT_ERR_STATE;
}

/* Input JSON: text may be escaped (up to 6 characters a byte), a cursor image is base64. */
#define INPUT_JSON_MAX (PT_INPUT_MAX_TEXT * 6 + 1024)

/* An input parsed from JSON, and what it points into. */
typedef struct parsed_input {
  pt_input input;
  cJSON *object;    /* text points into it */
  uint8_t *scratch; /* a cursor image's bytes */
  const char *bad_field;
} parsed_input;

static int parse_input(const char *json, uint32_t length, parsed_input *parsed) {
  memset(parsed, 0, sizeof *parsed);
  int status = pt_json_parse_object(json, length, INPUT_JSON_MAX, &parsed->object);
  if (status != PT_OK) return status;
  const cJSON *type = cJSON_GetObjectItemCaseSensitive(parsed->object, "type");
  if (cJSON_IsNumber(type) && type->valuedouble == PT_INPUT_CURSOR_IMAGE) {
    parsed->scratch = malloc(PT_INPUT_MAX_CURSOR_IMAGE);
    if (parsed->scratch == NULL) return PT_ERR_NO_MEMORY;
  }
  return pt_input_from_json(parsed->object, &parsed->input, parsed->scratch, PT_INPUT_MAX_CURSOR_IMAGE, &parsed->bad_field);
}

static void free_parsed_input(parsed_input *parsed) {
  if (parsed == NULL) return;
  cJSON_Delete(parsed->object);
  free(parsed->scratch);
  free(parsed);
}

int32_t pt_wasm_stream_send_input(int32_t stream, const char *json, uint32_t length, double now_ms, char *field,
                                  uint32_t field_capacity) {
  if (!core_ready) return PT_ERR_STATE;
  parsed_input *parsed = malloc(sizeof *parsed);
  int status = parsed == NULL ? PT_ERR_NO_MEMORY : parse_input(json, length, parsed);
  if (status == PT_OK) status = pt_stream_send_input(&the_core, stream, &parsed->input, now_ms);
  if (status < 0 && parsed != NULL && parsed->bad_field != NULL && field != NULL && field_capacity > 0) {
    copy_text(field, field_capacity, parsed->bad_field, (uint32_t)strnlen(parsed->bad_field, field_capacity - 1));
  }
  free_parsed_input(parsed);
  return status;
}

int32_t pt_wasm_input_encode(const char *json, uint32_t length, uint8_t *out, uint32_t capacity) {
  parsed_input *parsed = malloc(sizeof *parsed);
  int status = parsed == NULL ? PT_ERR_NO_MEMORY : parse_input(json, length, parsed);
  size_t used = 0;
  /* A gamepad report from the app is a full state: all of it goes (a record is a difference). */
  if (status == PT_OK && parsed->input.type == PT_INPUT_GAMEPAD && parsed->input.u.gamepad.changed == 0) {
    parsed->input.u.gamepad.changed = PT_GAMEPAD_ALL_FIELDS;
  }
  if (status == PT_OK) status = out == NULL ? PT_ERR_INVALID_ARGUMENT : pt_input_encode(&parsed->input, out, capacity, &used);
  free_parsed_input(parsed);
  return status == PT_OK ? (int32_t)used : status;
}

int32_t pt_wasm_stream_send_records(int32_t stream, const uint8_t *records, uint32_t length, double now_ms) {
  if (!core_ready) return PT_ERR_STATE;
  if (records == NULL && length > 0) return PT_ERR_INVALID_ARGUMENT;
  pt_input *input = malloc(sizeof *input);
  if (input == NULL) return PT_ERR_NO_MEMORY;
  int sent = 0;
  for (size_t offset = 0; offset < length && sent >= 0;) {
    int status = pt_input_decode(records, length, &offset, input);
    status = status == PT_OK ? pt_stream_send_input(&the_core, stream, input, now_ms) : status;
    sent = status < 0 ? status : sent + status;
  }
  free(input);
  return sent;
}

int32_t pt_wasm_stream_input_level(int32_t stream) {
  uint32_t level = 0;
  int status = core_ready ? pt_stream_input_level(&the_core, stream, &level) : PT_ERR_STATE;
  return status == PT_OK ? (int32_t)level : status;
}

int32_t pt_wasm_peer_input_receive(int32_t peer, const uint8_t *message, uint32_t length) {
  return core_ready ? pt_peer_input_receive(&the_core, peer, message, length) : PT_ERR_STATE;
}

int32_t pt_wasm_input_key_code(const char *code, uint32_t length) { return pt_virtual_key_of_code(code, length); }

int32_t pt_wasm_stream_hand_off(int32_t stream, char *out, uint32_t capacity) {
  if (!core_ready) return PT_ERR_STATE;
  size_t length = 0;
  int status = pt_stream_hand_off(&the_core, stream, out, capacity, &length);
  return status != PT_OK ? status : (int32_t)length;
}

int32_t pt_wasm_stream_send_keyframe_request(int32_t stream) {
  return core_ready ? pt_stream_send_keyframe_request(&the_core, stream) : PT_ERR_STATE;
}

/* Opens a receiver (inbound) or a sender from a handed-off stream's announcement. */
static int32_t open_handed_off(const char *json, uint32_t length, int inbound, double now_ms) {
  if (!core_ready) return PT_ERR_STATE;
  pt_control_message *message = malloc(sizeof *message);
  if (message == NULL) return PT_ERR_NO_MEMORY;
  int status = pt_control_parse(json, length, message);
  if (status == PT_OK && message->type != PT_CONTROL_STREAM_ANNOUNCE) status = PT_ERR_BAD_VALUE;
  if (status == PT_OK) {
    status = inbound ? pt_stream_open_receiver(&the_core, &message->stream, now_ms)
                     : pt_stream_open_sender(&the_core, &message->stream);
  }
  free(message);
  return status;
}

int32_t pt_wasm_stream_open_receiver(const char *json, uint32_t length, double now_ms) {
  return open_handed_off(json, length, 1, now_ms);
}

int32_t pt_wasm_stream_open_sender(const char *json, uint32_t length) { return open_handed_off(json, length, 0, 0); }

int32_t pt_wasm_stream_keyframe_requested(int32_t stream, double now_ms) {
  return core_ready ? pt_stream_keyframe_requested(&the_core, stream, now_ms) : PT_ERR_STATE;
}

int32_t pt_wasm_stream_receive(int32_t stream, int32_t kind, uint8_t *message, uint32_t length, double now_ms) {
  if (kind != PT_MEDIA_VIDEO && kind != PT_MEDIA_AUDIO) return PT_ERR_INVALID_ARGUMENT;
  return core_ready ? pt_stream_receive_message(&the_core, stream, (pt_media_kind)kind, message, length, now_ms) : PT_ERR_STATE;
}

int32_t pt_wasm_stream_counters(int32_t stream, void *out) {
  if (!core_ready) return PT_ERR_STATE;
  if (out == NULL) return PT_ERR_INVALID_ARGUMENT;
  return pt_stream_counters_of(&the_core, stream, out);
}

/* Standalone SRTP sessions (the srtp_* exports) have no timers; the core frees those left at shutdown. */
static void srtp_free(pt_core *core, pt_handle handle) {
  void *session = NULL;
  if (pt_core_release(core, handle, PT_KIND_SRTP, &session) == PT_OK) pt_srtp_session_destroy(session);
}

static const pt_kind_ops srtp_kind = {NULL, NULL, srtp_free};

int32_t pt_wasm_srtp_create(const uint8_t *key, uint32_t key_length, int32_t direction) {
  if (!core_ready) {
    return PT_ERR_STATE;
  }
  pt_srtp_session *session = NULL;
  int status = pt_srtp_session_create(&session, key, key_length, (pt_srtp_direction)direction);
  if (status != PT_OK) {
    return status;
  }
  pt_core_register_kind(&the_core, PT_KIND_SRTP, &srtp_kind);
  pt_handle handle = pt_registry_add(&the_core.registry, PT_KIND_SRTP, session);
  if (handle < 0) {
    pt_srtp_session_destroy(session);
  }
  return handle;
}

/* Looks up an SRTP session handle; NULL with *status set when it is not a live session. */
static pt_srtp_session *srtp_lookup(int32_t handle, int *status) {
  void *session = NULL;
  *status = core_ready ? pt_registry_get(&the_core.registry, handle, PT_KIND_SRTP, &session) : PT_ERR_STATE;
  return session;
}

int32_t pt_wasm_srtp_protect(int32_t handle, uint8_t *packet, uint32_t length, uint32_t capacity) {
  int status;
  pt_srtp_session *session = srtp_lookup(handle, &status);
  return session == NULL ? status : pt_srtp_protect(session, packet, length, capacity);
}

int32_t pt_wasm_srtp_unprotect(int32_t handle, uint8_t *packet, uint32_t length) {
  int status;
  pt_srtp_session *session = srtp_lookup(handle, &status);
  return session == NULL ? status : pt_srtp_unprotect(session, packet, length);
}

int32_t pt_wasm_srtp_destroy(int32_t handle) {
  if (!core_ready) {
    return PT_ERR_STATE;
  }
  int status = pt_registry_get(&the_core.registry, handle, PT_KIND_SRTP, NULL);
  if (status == PT_OK) srtp_free(&the_core, handle);
  return status;
}

int32_t pt_wasm_srtp_generate_key(uint8_t *key, uint32_t key_length) {
  return pt_srtp_generate_master_key(key, key_length);
}
