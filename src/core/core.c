#include "core/core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "core/error.h"
#include "channel/channel.h"
#include "gateway/connection.h"
#include "peer/peer.h"
#include "stream/stream.h"
#include "media/srtp_session.h"

void pt_core_config_default(pt_core_config *config) {
  config->max_objects = PT_REGISTRY_MAX_SLOTS;
  config->max_output_bytes = 256u * 1024u * 1024u; /* room for a whole 64 MiB app message and more */
  config->max_output_items = 65536u;
  config->hello_timeout_ms = 10000.0;
}

int pt_core_init(pt_core *core, const pt_core_config *config) {
  if (core == NULL || config == NULL || !(config->hello_timeout_ms > 0)) {
    return PT_ERR_INVALID_ARGUMENT;
  }
  memset(core, 0, sizeof *core);
  core->config = *config;
  if (config->max_objects == 0 || config->max_objects > PT_REGISTRY_MAX_SLOTS) {
    return PT_ERR_INVALID_ARGUMENT;
  }
  int status = pt_output_queue_init(&core->outputs, config->max_output_bytes, config->max_output_items);
  if (status != PT_OK) {
    return status;
  }
  core->slots = calloc(config->max_objects, sizeof *core->slots);
  if (core->slots == NULL) {
    return PT_ERR_NO_MEMORY;
  }
  return pt_registry_init(&core->registry, core->slots, config->max_objects);
}

void pt_core_destroy(pt_core *core) {
  if (core == NULL || core->slots == NULL) {
    return;
  }
  pt_handle handle;
  while ((handle = pt_registry_next(&core->registry, PT_KIND_CONNECTION, 0)) != 0) {
    pt_connection_free(core, handle);
  }
  while ((handle = pt_registry_next(&core->registry, PT_KIND_CHANNEL, 0)) != 0) {
    pt_channel_free(core, handle);
  }
  while ((handle = pt_registry_next(&core->registry, PT_KIND_STREAM, 0)) != 0) {
    pt_stream_free(core, handle);
  }
  while ((handle = pt_registry_next(&core->registry, PT_KIND_PEER, 0)) != 0) {
    pt_peer_free(core, handle);
  }
  while ((handle = pt_registry_next(&core->registry, PT_KIND_SRTP, 0)) != 0) {
    pt_srtp_session *session = NULL;
    pt_registry_release(&core->registry, handle, PT_KIND_SRTP, (void **)&session);
    pt_srtp_session_destroy(session);
  }
  pt_output_queue_clear(&core->outputs);
  free(core->slots);
  memset(core, 0, sizeof *core);
}

typedef double (*deadline_of)(const pt_core *core, pt_handle handle);
typedef int (*timeout_of)(pt_core *core, pt_handle handle, double now_ms);

/* Objects with timers, by kind. */
static const struct {
  pt_kind kind;
  deadline_of deadline;
  timeout_of timeout;
} timed_kinds[] = {
    {PT_KIND_CONNECTION, pt_connection_deadline, pt_connection_handle_timeout},
    {PT_KIND_PEER, pt_peer_deadline, pt_peer_handle_timeout},
    {PT_KIND_CHANNEL, pt_channel_deadline, pt_channel_handle_timeout},
    {PT_KIND_STREAM, pt_stream_deadline, pt_stream_handle_timeout},
};
#define TIMED_KIND_COUNT (sizeof timed_kinds / sizeof timed_kinds[0])

void pt_core_update_deadline(pt_core *core) {
  double earliest = -1.0;
  for (size_t k = 0; k < TIMED_KIND_COUNT; k++) {
    for (pt_handle h = pt_registry_next(&core->registry, timed_kinds[k].kind, 0); h != 0;
         h = pt_registry_next(&core->registry, timed_kinds[k].kind, h)) {
      double deadline = timed_kinds[k].deadline(core, h);
      if (deadline >= 0 && (earliest < 0 || deadline < earliest)) {
        earliest = deadline;
      }
    }
  }
  pt_output_queue_set_deadline(&core->outputs, earliest);
}

int pt_core_handle_timeout(pt_core *core, double now_ms) {
  if (core == NULL || core->slots == NULL) {
    return PT_ERR_STATE;
  }
  int status = PT_OK;
  for (size_t k = 0; k < TIMED_KIND_COUNT; k++) {
    pt_handle h = pt_registry_next(&core->registry, timed_kinds[k].kind, 0);
    while (h != 0) {
      /* Fetch the successor first: a timeout may release h. */
      pt_handle next = pt_registry_next(&core->registry, timed_kinds[k].kind, h);
      int result = timed_kinds[k].timeout(core, h, now_ms);
      if (result != PT_OK && status == PT_OK) {
        status = result;
      }
      h = next;
    }
  }
  pt_core_update_deadline(core);
  /* The caller's timer has fired: it needs the deadline again even when nothing was due yet. */
  pt_output_queue_repeat_deadline(&core->outputs);
  return status;
}

int pt_core_emit_json(pt_core *core, pt_handle handle, pt_event event, const char *json) {
  return pt_output_queue_push(&core->outputs, PT_OUTPUT_EVENT, handle, (int32_t)event, json, strlen(json));
}

int pt_core_emit_object(pt_core *core, pt_handle handle, pt_event event, struct cJSON *object) {
  char *text = object == NULL ? NULL : cJSON_PrintUnformatted(object);
  cJSON_Delete(object);
  if (text == NULL) {
    return PT_ERR_NO_MEMORY;
  }
  int status = pt_core_emit_json(core, handle, event, text);
  cJSON_free(text);
  return status;
}

int pt_core_emit_error(pt_core *core, pt_handle handle, pt_event event, int code) {
  char payload[96];
  snprintf(payload, sizeof payload, "{\"code\":%d,\"error\":\"%s\"}", code, pt_error_name(code));
  return pt_core_emit_json(core, handle, event, payload);
}
