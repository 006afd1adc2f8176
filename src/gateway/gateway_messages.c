#include "gateway/gateway_messages.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "gateway/json_fields.h"

static const char *const type_names[] = {
    [PT_GATEWAY_HELLO] = "hello",   [PT_GATEWAY_REQUEST] = "request", [PT_GATEWAY_CONNECT] = "connect",
    [PT_GATEWAY_ACCEPT] = "accept", [PT_GATEWAY_REJECT] = "reject",   [PT_GATEWAY_CANCEL] = "cancel",
    [PT_GATEWAY_SIGNAL] = "signal", [PT_GATEWAY_ALERT] = "alert",     [PT_GATEWAY_PING] = "ping",
    [PT_GATEWAY_PONG] = "pong"};

const char *pt_signal_kind_name(pt_signal_kind kind) {
  switch (kind) {
    case PT_SIGNAL_OFFER:
      return "offer";
    case PT_SIGNAL_ANSWER:
      return "answer";
    case PT_SIGNAL_CANDIDATE:
      return "candidate";
    default:
      return NULL;
  }
}

static int signal_kind_from_name(const char *name) {
  for (int kind = PT_SIGNAL_OFFER; kind <= PT_SIGNAL_CANDIDATE; kind++) {
    if (strcmp(name, pt_signal_kind_name((pt_signal_kind)kind)) == 0) return kind;
  }
  return PT_ERR_BAD_VALUE;
}

/* A peer id field: an optional one may be absent or empty (0); a required one holds an id (a request "from"
 * peer 0 could only ever be answered with an error). */
static int get_peer_id(const cJSON *root, const char *name, int required, uint64_t *peer_id) {
  char text[24];
  *peer_id = 0;
  int status = pt_json_get_string(root, name, required, PT_CHARSET_TOKEN, text, sizeof text);
  if (status != PT_OK || (text[0] == '\0' && !required)) {
    return status;
  }
  return pt_peer_id_parse(text, peer_id);
}

/* Checks signal data (a cJSON object) and builds its normalised copy. */
static int normalise_signal_data(pt_signal_kind kind, const cJSON *data, cJSON **normalised) {
  *normalised = NULL;
  if (!cJSON_IsObject(data)) {
    return data == NULL ? PT_ERR_MISSING_FIELD : PT_ERR_WRONG_TYPE;
  }
  char *text = malloc(PT_SDP_MAX + 1); /* too large for the wasm stack */
  cJSON *out = cJSON_CreateObject();
  if (out == NULL || text == NULL) {
    free(text);
    cJSON_Delete(out);
    return PT_ERR_NO_MEMORY;
  }
  int status;
  if (kind == PT_SIGNAL_OFFER || kind == PT_SIGNAL_ANSWER) {
    status = pt_json_get_string(data, "sdp", 1, PT_CHARSET_TEXT, text, PT_SDP_MAX + 1);
    if (status == PT_OK && cJSON_AddStringToObject(out, "sdp", text) == NULL) status = PT_ERR_NO_MEMORY;
  } else {
    status = pt_json_get_string(data, "candidate", 1, PT_CHARSET_ANY, text, PT_CANDIDATE_MAX + 1);
    if (status == PT_OK && cJSON_AddStringToObject(out, "candidate", text) == NULL) status = PT_ERR_NO_MEMORY;
    const cJSON *mid = cJSON_GetObjectItemCaseSensitive(data, "sdpMid");
    if (status == PT_OK && (mid == NULL || cJSON_IsNull(mid))) {
      if (cJSON_AddNullToObject(out, "sdpMid") == NULL) status = PT_ERR_NO_MEMORY;
    } else if (status == PT_OK) {
      status = pt_json_get_string(data, "sdpMid", 1, PT_CHARSET_PRINTABLE, text, PT_SDP_MID_MAX + 1);
      if (status == PT_OK && cJSON_AddStringToObject(out, "sdpMid", text) == NULL) status = PT_ERR_NO_MEMORY;
    }
    const cJSON *index = cJSON_GetObjectItemCaseSensitive(data, "sdpMLineIndex");
    if (status == PT_OK && (index == NULL || cJSON_IsNull(index))) {
      if (cJSON_AddNullToObject(out, "sdpMLineIndex") == NULL) status = PT_ERR_NO_MEMORY;
    } else if (status == PT_OK) {
      int64_t value = 0;
      status = pt_json_get_integer(data, "sdpMLineIndex", 1, 0, 65535, 0, &value);
      if (status == PT_OK && cJSON_AddNumberToObject(out, "sdpMLineIndex", (double)value) == NULL)
        status = PT_ERR_NO_MEMORY;
    }
  }
  free(text);
  if (status != PT_OK) {
    cJSON_Delete(out);
    return status;
  }
  *normalised = out;
  return PT_OK;
}

int pt_signal_data_normalise(pt_signal_kind kind, const char *json, size_t length, char *out, size_t capacity,
                             size_t *out_length) {
  if (pt_signal_kind_name(kind) == NULL) return PT_ERR_BAD_VALUE;
  cJSON *data = NULL;
  int status = pt_json_parse_object(json, length, PT_SIGNAL_DATA_MAX, &data);
  cJSON *normalised = NULL;
  if (status == PT_OK) status = normalise_signal_data(kind, data, &normalised);
  if (status == PT_OK) status = pt_json_print(normalised, out, capacity, out_length);
  cJSON_Delete(normalised);
  cJSON_Delete(data);
  return status;
}

static int parse_alert(const cJSON *root, pt_gateway_inbound *message) {
  char level[16];
  int64_t code = 0;
  int status = pt_json_get_string(root, "level", 1, PT_CHARSET_TOKEN, level, sizeof level);
  if (status == PT_OK) {
    if (strcmp(level, "warning") == 0) {
      message->alert_level = PT_ALERT_WARNING;
    } else if (strcmp(level, "fatal") == 0) {
      message->alert_level = PT_ALERT_FATAL;
    } else {
      status = PT_ERR_BAD_VALUE;
    }
  }
  if (status == PT_OK) status = pt_json_get_integer(root, "code", 1, 0, 65535, 0, &code);
  message->alert_code = (int32_t)code;
  if (status == PT_OK)
    status = pt_json_get_string(root, "message", 0, PT_CHARSET_TEXT, message->text, sizeof message->text);
  if (status == PT_OK)
    status = pt_json_get_string(root, "requestId", 0, PT_CHARSET_TOKEN, message->request_id,
                                sizeof message->request_id);
  if (status == PT_OK) status = get_peer_id(root, "target", 0, &message->target);
  return status;
}

static int parse_pong(const cJSON *root, pt_gateway_inbound *message) {
  int64_t id = 0;
  int status = pt_json_get_integer(root, "id", 1, 0, UINT32_MAX, 0, &id);
  message->ping_id = (uint32_t)id;
  if (status == PT_OK)
    status = pt_json_get_string(root, "resumeToken", 0, PT_CHARSET_TOKEN, message->resume_token,
                                sizeof message->resume_token);
  if (status == PT_OK && cJSON_GetObjectItemCaseSensitive(root, "resumeToken") != NULL &&
      message->resume_token[0] == '\0')
    status = PT_ERR_BAD_VALUE; /* present means a token: 1 … 128 characters */
  const cJSON *servers = status == PT_OK ? cJSON_GetObjectItemCaseSensitive(root, "iceServers") : NULL;
  if (servers != NULL) {
    message->has_ice_servers = 1;
    status = pt_ice_servers_parse(servers, message->ice_servers, &message->ice_server_count);
    if (status == PT_OK) status = pt_ice_servers_validate(message->ice_servers, message->ice_server_count);
  }
  return status;
}

static int parse_signal(const cJSON *root, pt_gateway_inbound *message, char *data, size_t capacity) {
  char kind[16];
  int status = pt_json_get_string(root, "kind", 1, PT_CHARSET_TOKEN, kind, sizeof kind);
  int value = status == PT_OK ? signal_kind_from_name(kind) : status;
  if (value < 0) return value;
  message->signal_kind = (pt_signal_kind)value;
  cJSON *normalised = NULL;
  status = normalise_signal_data(message->signal_kind, cJSON_GetObjectItemCaseSensitive(root, "data"), &normalised);
  if (status == PT_OK) status = pt_json_print(normalised, data, capacity, &message->signal_data_length);
  cJSON_Delete(normalised);
  return status;
}

int pt_gateway_inbound_parse(const char *json, size_t length, pt_gateway_inbound *message, char *data,
                             size_t capacity) {
  if (message == NULL || data == NULL || capacity == 0) return PT_ERR_INVALID_ARGUMENT;
  memset(message, 0, sizeof *message);
  data[0] = '\0';
  cJSON *root = NULL;
  int status = pt_json_parse_object(json, length, PT_GATEWAY_MAX_MESSAGE, &root);
  if (status != PT_OK) return status;
  char type[16];
  status = pt_json_get_string(root, "type", 1, PT_CHARSET_TOKEN, type, sizeof type);
  if (status == PT_ERR_BAD_VALUE) status = PT_ERR_UNEXPECTED_MESSAGE;
  message->type = 0;
  for (int t = PT_GATEWAY_HELLO; status == PT_OK && t <= PT_GATEWAY_PONG; t++) {
    if (strcmp(type, type_names[t]) == 0) message->type = (pt_gateway_type)t;
  }
  if (status == PT_OK &&
      (message->type == 0 || message->type == PT_GATEWAY_CONNECT || message->type == PT_GATEWAY_PING)) {
    status = PT_ERR_UNEXPECTED_MESSAGE;
  }
  if (status == PT_OK && message->type == PT_GATEWAY_ALERT) {
    status = parse_alert(root, message);
  } else if (status == PT_OK && message->type == PT_GATEWAY_PONG) {
    status = parse_pong(root, message);
  } else if (status == PT_OK && message->type != PT_GATEWAY_HELLO) {
    status = pt_json_get_string(root, "requestId", 1, PT_CHARSET_TOKEN, message->request_id,
                                sizeof message->request_id);
    if (status == PT_OK && message->request_id[0] == '\0') status = PT_ERR_BAD_VALUE;
    if (status == PT_OK) status = get_peer_id(root, "source", 1, &message->source);
    if (status == PT_OK && message->type != PT_GATEWAY_CANCEL && message->type != PT_GATEWAY_SIGNAL)
      status = pt_json_get_string(root, "sourceExternalId", 0, PT_CHARSET_ANY, message->source_external_id,
                                  sizeof message->source_external_id);
    if (status == PT_OK && message->type == PT_GATEWAY_REJECT)
      status = pt_json_get_string(root, "reason", 0, PT_CHARSET_TEXT, message->text, sizeof message->text);
    if (status == PT_OK && message->type == PT_GATEWAY_SIGNAL) status = parse_signal(root, message, data, capacity);
  }
  cJSON_Delete(root);
  return status;
}

/* Starts {"type":…,"requestId":…,"target":…}; NULL when out of memory or the id is invalid. */
static cJSON *new_addressed(pt_gateway_type type, const char *request_id, uint64_t target) {
  char peer_id[24];
  if (request_id == NULL || request_id[0] == '\0' ||
      pt_json_check_string(request_id, PT_REQUEST_ID_MAX, PT_CHARSET_TOKEN) != PT_OK || target == 0 ||
      target > PT_PEER_ID_MAX) {
    return NULL;
  }
  pt_peer_id_format(target, peer_id, sizeof peer_id);
  cJSON *root = cJSON_CreateObject();
  if (root == NULL || cJSON_AddStringToObject(root, "type", type_names[type]) == NULL ||
      cJSON_AddStringToObject(root, "requestId", request_id) == NULL ||
      cJSON_AddStringToObject(root, "target", peer_id) == NULL) {
    cJSON_Delete(root);
    return NULL;
  }
  return root;
}

int pt_gateway_build_simple(pt_gateway_type type, const char *request_id, uint64_t target, char *out,
                            size_t capacity, size_t *length) {
  if (type != PT_GATEWAY_CONNECT && type != PT_GATEWAY_ACCEPT && type != PT_GATEWAY_CANCEL) {
    return PT_ERR_INVALID_ARGUMENT;
  }
  cJSON *root = new_addressed(type, request_id, target);
  return root == NULL ? PT_ERR_BAD_VALUE : pt_json_finish(root, 1, out, capacity, length);
}

int pt_gateway_build_reject(const char *request_id, uint64_t target, const char *reason, char *out,
                            size_t capacity, size_t *length) {
  if (reason == NULL || pt_json_check_string(reason, PT_REASON_MAX, PT_CHARSET_TEXT) != PT_OK) {
    return PT_ERR_BAD_VALUE;
  }
  cJSON *root = new_addressed(PT_GATEWAY_REJECT, request_id, target);
  if (root == NULL) return PT_ERR_BAD_VALUE;
  return pt_json_finish(root, cJSON_AddStringToObject(root, "reason", reason) != NULL, out, capacity, length);
}

int pt_gateway_build_signal(const char *request_id, uint64_t target, pt_signal_kind kind, const char *data,
                            size_t data_length, char *out, size_t capacity, size_t *length) {
  const char *kind_name = pt_signal_kind_name(kind);
  if (kind_name == NULL || data == NULL) return PT_ERR_BAD_VALUE;
  cJSON *parsed = cJSON_ParseWithLength(data, data_length);
  if (parsed == NULL) return PT_ERR_MALFORMED;
  cJSON *root = new_addressed(PT_GATEWAY_SIGNAL, request_id, target);
  if (root == NULL) {
    cJSON_Delete(parsed);
    return PT_ERR_BAD_VALUE;
  }
  int ok = cJSON_AddStringToObject(root, "kind", kind_name) != NULL && cJSON_AddItemToObject(root, "data", parsed);
  if (!ok) cJSON_Delete(parsed);
  return pt_json_finish(root, ok, out, capacity, length);
}

int pt_gateway_build_ping(uint32_t id, char *out, size_t capacity, size_t *length) {
  cJSON *root = cJSON_CreateObject();
  int ok = root != NULL && cJSON_AddStringToObject(root, "type", type_names[PT_GATEWAY_PING]) != NULL &&
           cJSON_AddNumberToObject(root, "id", (double)id) != NULL;
  return pt_json_finish(root, ok, out, capacity, length);
}
