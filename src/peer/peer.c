#include "peer/peer.h"

#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "channel/channel.h"
#include "stream/stream.h"
#include "core/error.h"
#include "gateway/connection.h"

typedef struct pt_peer {
  pt_handle connection;
  uint64_t remote_id;
  char remote_external_id[PT_EXTERNAL_ID_MAX + 1];
  char request_id[PT_REQUEST_ID_MAX + 1];
  int offerer;
  pt_peer_state state;
  pt_rtc_state rtc_state;
  int control_open;
  int ever_connected;
  double deadline_ms;
  double disconnected_timeout_ms;
  int next_id;
  size_t reassembly_bytes; /* held by its app channels' partial messages */
  pt_stream_description *announced[256]; /* client: the host's announcements, by stream id */
  pt_handle *streams;                    /* its streams, both directions, oldest first */
  uint32_t stream_count, stream_capacity;
} pt_peer;

static pt_peer *lookup(const pt_core *core, pt_handle handle, int *status) {
  void *object = NULL;
  *status = core == NULL ? PT_ERR_INVALID_ARGUMENT : pt_registry_get(&core->registry, handle, PT_KIND_PEER, &object);
  return *status == PT_OK ? object : NULL;
}

/* What the core calls: timers and teardown. */
static const pt_kind_ops peer_kind = {pt_peer_deadline, pt_peer_handle_timeout, pt_peer_free};

pt_handle pt_peer_create(pt_core *core, pt_handle connection, uint64_t remote_id, const char *remote_external_id,
                         const char *request_id, int offerer, double deadline_ms) {
  if (core == NULL || remote_id == 0 || remote_external_id == NULL || request_id == NULL ||
      strlen(remote_external_id) > PT_EXTERNAL_ID_MAX || strlen(request_id) > PT_REQUEST_ID_MAX) {
    return PT_ERR_INVALID_ARGUMENT;
  }
  pt_peer *peer = calloc(1, sizeof *peer);
  if (peer == NULL) return PT_ERR_NO_MEMORY;
  peer->connection = connection;
  peer->remote_id = remote_id;
  strcpy(peer->remote_external_id, remote_external_id);
  strcpy(peer->request_id, request_id);
  peer->offerer = offerer;
  peer->state = PT_PEER_NEW;
  peer->deadline_ms = deadline_ms;
  peer->disconnected_timeout_ms = PT_PEER_DISCONNECTED_TIMEOUT_MS;
  pt_core_register_kind(core, PT_KIND_PEER, &peer_kind);
  pt_handle handle = pt_core_add(core, PT_KIND_PEER, peer);
  if (handle < 0) {
    free(peer);
    return handle;
  }
  char remote[24];
  pt_peer_id_format(remote_id, remote, sizeof remote);
  cJSON *event = cJSON_CreateObject();
  cJSON_AddNumberToObject(event, "connection", connection);
  cJSON_AddStringToObject(event, "requestId", request_id);
  cJSON_AddStringToObject(event, "remoteId", remote);
  cJSON_AddStringToObject(event, "remoteExternalId", remote_external_id);
  cJSON_AddBoolToObject(event, "offerer", offerer);
  int status = pt_core_emit_object(core, handle, PT_EVENT_PEER_CREATED, event);
  if (status != PT_OK) {
    pt_peer_free(core, handle);
    return status;
  }
  pt_core_reschedule(core, handle);
  return handle;
}

pt_handle pt_peer_find(const pt_core *core, pt_handle connection, uint64_t remote_id) {
  for (pt_handle h = pt_registry_next(&core->registry, PT_KIND_PEER, 0); h != 0;
       h = pt_registry_next(&core->registry, PT_KIND_PEER, h)) {
    int status;
    const pt_peer *peer = lookup(core, h, &status);
    if (peer != NULL && peer->connection == connection && peer->remote_id == remote_id) return h;
  }
  return 0;
}

int pt_peer_deliver_signal(pt_core *core, pt_handle connection, uint64_t source, const char *request_id,
                           pt_signal_kind kind, const char *data, size_t length) {
  pt_handle handle = pt_peer_find(core, connection, source);
  int status;
  pt_peer *peer = lookup(core, handle, &status);
  if (peer == NULL || strcmp(peer->request_id, request_id) != 0) {
    return PT_ERR_UNEXPECTED_MESSAGE; /* signaling for an attempt this side does not know */
  }
  cJSON *event = cJSON_CreateObject();
  cJSON *parsed = cJSON_ParseWithLength(data, length);
  cJSON_AddStringToObject(event, "kind", pt_signal_kind_name(kind));
  if (parsed == NULL || !cJSON_AddItemToObject(event, "data", parsed)) {
    cJSON_Delete(parsed);
    cJSON_Delete(event);
    return PT_ERR_NO_MEMORY;
  }
  return pt_core_emit_object(core, handle, PT_EVENT_PEER_SIGNAL, event);
}

int pt_peer_send_signal(pt_core *core, pt_handle handle, pt_signal_kind kind, const char *data, size_t length) {
  int status;
  pt_peer *peer = lookup(core, handle, &status);
  if (peer == NULL) return status;
  char *normalised = malloc(PT_SIGNAL_DATA_MAX + 1);
  char *message = malloc(PT_GATEWAY_MAX_MESSAGE);
  size_t normalised_length = 0, message_length = 0;
  status = normalised == NULL || message == NULL ? PT_ERR_NO_MEMORY : PT_OK;
  if (status == PT_OK)
    status = pt_signal_data_normalise(kind, data, length, normalised, PT_SIGNAL_DATA_MAX + 1, &normalised_length);
  if (status == PT_OK)
    status = pt_gateway_build_signal(peer->request_id, peer->remote_id, kind, normalised, normalised_length, message,
                                     PT_GATEWAY_MAX_MESSAGE, &message_length);
  if (status == PT_ERR_BUFFER_TOO_SMALL) status = PT_ERR_TOO_LARGE;
  if (status == PT_OK) status = pt_connection_send(core, peer->connection, message, message_length);
  free(normalised);
  free(message);
  return status;
}

static pt_peer_state derive_state(const pt_peer *peer) {
  switch (peer->rtc_state) {
    case PT_RTC_NEW:
      return PT_PEER_NEW;
    case PT_RTC_CONNECTING:
      return PT_PEER_CONNECTING;
    case PT_RTC_CONNECTED:
      /* Connected means usable: the control channel must be open too. Once it was, losing it
       * means the remote side closed the peer. */
      if (peer->control_open) return PT_PEER_CONNECTED;
      return peer->ever_connected ? PT_PEER_FAILED : PT_PEER_CONNECTING;
    case PT_RTC_DISCONNECTED:
      return PT_PEER_DISCONNECTED;
    default:
      return PT_PEER_FAILED;
  }
}

/* Recomputes the state; reports a change, and closes the peer when it failed. */
static int update_state(pt_core *core, pt_handle handle, pt_peer *peer) {
  pt_peer_state state = derive_state(peer);
  if (state == peer->state) {
    pt_core_reschedule(core, handle);
    return PT_OK;
  }
  peer->state = state;
  if (state == PT_PEER_CONNECTED && !peer->ever_connected) {
    peer->ever_connected = 1;
    peer->deadline_ms = -1.0;
  }
  cJSON *event = cJSON_CreateObject();
  cJSON_AddNumberToObject(event, "state", state);
  int status = pt_core_emit_object(core, handle, PT_EVENT_PEER_STATE, event);
  if (state == PT_PEER_FAILED) {
    int closed = pt_peer_close(core, handle, PT_ERR_CLOSED);
    if (status == PT_OK) status = closed;
  }
  pt_core_reschedule(core, handle); /* ignored once closed */
  return status;
}

int pt_peer_report_rtc(pt_core *core, pt_handle handle, pt_rtc_state state, double now_ms) {
  int status;
  pt_peer *peer = lookup(core, handle, &status);
  if (peer == NULL) return status;
  if (state < PT_RTC_NEW || state > PT_RTC_CLOSED) return PT_ERR_INVALID_ARGUMENT;
  peer->rtc_state = state;
  /* Once connected, Disconnected may be a short outage or a dead peer: it may last only so long. */
  if (peer->ever_connected) {
    peer->deadline_ms = state == PT_RTC_DISCONNECTED ? (peer->deadline_ms >= 0 ? peer->deadline_ms : now_ms + peer->disconnected_timeout_ms) : -1.0;
  }
  return update_state(core, handle, peer);
}

int pt_peer_set_disconnected_timeout(pt_core *core, pt_handle handle, double timeout_ms) {
  int status;
  pt_peer *peer = lookup(core, handle, &status);
  if (peer == NULL) return status;
  if (!(timeout_ms > 0 && timeout_ms <= 86400000.0)) return PT_ERR_BAD_VALUE;
  peer->disconnected_timeout_ms = timeout_ms;
  return PT_OK;
}

int pt_peer_report_control(pt_core *core, pt_handle handle, int open) {
  int status;
  pt_peer *peer = lookup(core, handle, &status);
  if (peer == NULL) return status;
  peer->control_open = open != 0;
  return update_state(core, handle, peer);
}

int pt_peer_state_of(const pt_core *core, pt_handle handle) {
  int status;
  const pt_peer *peer = lookup(core, handle, &status);
  return peer == NULL ? status : (int)peer->state;
}

int pt_peer_close(pt_core *core, pt_handle handle, int reason) {
  int status;
  pt_peer *peer = lookup(core, handle, &status);
  if (peer == NULL) return status;
  pt_channel_close_all_of(core, handle, PT_ERR_CLOSED); /* channels and streams go before their peer */
  pt_stream_close_all_of(core, handle, PT_ERR_CLOSED);
  status = pt_core_emit_closing(core, handle, PT_EVENT_PEER_CLOSED, reason, NULL);
  pt_peer_free(core, handle);
  return status;
}

double pt_peer_deadline(const pt_core *core, pt_handle handle) {
  int status;
  const pt_peer *peer = lookup(core, handle, &status);
  return peer == NULL ? -1.0 : peer->deadline_ms;
}

int pt_peer_handle_timeout(pt_core *core, pt_handle handle, double now_ms) {
  int status;
  pt_peer *peer = lookup(core, handle, &status);
  if (peer == NULL) return status;
  if (peer->deadline_ms >= 0 && now_ms >= peer->deadline_ms) {
    return pt_peer_close(core, handle, PT_ERR_TIMEOUT);
  }
  return PT_OK;
}

int pt_peer_remember_announcement(pt_core *core, pt_handle handle, const pt_stream_description *description) {
  int status;
  pt_peer *peer = lookup(core, handle, &status);
  if (peer == NULL) return status;
  pt_stream_description **slot = &peer->announced[description->stream_id];
  if (*slot == NULL) *slot = malloc(sizeof **slot);
  if (*slot == NULL) return PT_ERR_NO_MEMORY;
  **slot = *description;
  return PT_OK;
}

int pt_peer_announcement(const pt_core *core, pt_handle handle, uint8_t stream_id, pt_stream_description *description) {
  int status;
  const pt_peer *peer = lookup(core, handle, &status);
  if (peer == NULL) return status;
  if (peer->announced[stream_id] == NULL) return PT_ERR_STATE;
  *description = *peer->announced[stream_id];
  return PT_OK;
}

int pt_peer_add_stream(pt_core *core, pt_handle handle, pt_handle stream) {
  int status;
  pt_peer *peer = lookup(core, handle, &status);
  if (peer == NULL) return status;
  if (peer->stream_count == peer->stream_capacity) {
    if (peer->stream_capacity == PT_PEER_STREAMS_MAX) return PT_ERR_FULL;
    uint32_t capacity = peer->stream_capacity == 0 ? 4 : 2 * peer->stream_capacity;
    if (capacity > PT_PEER_STREAMS_MAX) capacity = PT_PEER_STREAMS_MAX;
    pt_handle *grown = realloc(peer->streams, capacity * sizeof *grown);
    if (grown == NULL) return PT_ERR_NO_MEMORY;
    peer->streams = grown;
    peer->stream_capacity = capacity;
  }
  peer->streams[peer->stream_count++] = stream;
  return PT_OK;
}

void pt_peer_remove_stream(pt_core *core, pt_handle handle, pt_handle stream) {
  int status;
  pt_peer *peer = lookup(core, handle, &status);
  for (uint32_t i = 0; peer != NULL && i < peer->stream_count; i++) {
    if (peer->streams[i] == stream) { /* kept in the order they came */
      memmove(&peer->streams[i], &peer->streams[i + 1], (peer->stream_count - i - 1) * sizeof *peer->streams);
      peer->stream_count--;
      return;
    }
  }
}

int pt_peer_streams(const pt_core *core, pt_handle handle, const pt_handle **streams) {
  int status;
  const pt_peer *peer = lookup(core, handle, &status);
  if (peer == NULL) return status;
  *streams = peer->streams;
  return (int)peer->stream_count;
}

int pt_peer_next_id(pt_core *core, pt_handle handle) {
  int status;
  pt_peer *peer = lookup(core, handle, &status);
  if (peer == NULL) return status;
  if (peer->next_id == INT32_MAX) peer->next_id = 0;
  return ++peer->next_id;
}

int pt_peer_reserve_reassembly(pt_core *core, pt_handle handle, size_t bytes) {
  int status;
  pt_peer *peer = lookup(core, handle, &status);
  if (peer == NULL) return status;
  if (bytes > PT_PEER_REASSEMBLY_MAX - peer->reassembly_bytes) return PT_ERR_TOO_LARGE;
  if (bytes > core->config.max_reassembly_bytes - core->reassembly_bytes) return PT_ERR_TOO_LARGE;
  peer->reassembly_bytes += bytes;
  core->reassembly_bytes += bytes;
  return PT_OK;
}

void pt_peer_release_reassembly(pt_core *core, pt_handle handle, size_t bytes) {
  int status;
  /* The core's count goes down even when the peer is gone already: it counts every peer's bytes. */
  core->reassembly_bytes -= bytes < core->reassembly_bytes ? bytes : core->reassembly_bytes;
  pt_peer *peer = lookup(core, handle, &status);
  if (peer != NULL) peer->reassembly_bytes -= bytes < peer->reassembly_bytes ? bytes : peer->reassembly_bytes;
}

int64_t pt_peer_reassembly_bytes(const pt_core *core, pt_handle handle) {
  int status;
  const pt_peer *peer = lookup(core, handle, &status);
  return peer == NULL ? status : (int64_t)peer->reassembly_bytes;
}

void pt_peer_free(pt_core *core, pt_handle handle) {
  void *object = NULL;
  if (pt_core_release(core, handle, PT_KIND_PEER, &object) != PT_OK) return;
  pt_peer *peer = object;
  for (size_t i = 0; i < 256; i++) free(peer->announced[i]);
  free(peer->streams);
  free(peer);
}
