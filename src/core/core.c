#include "core/core.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "gateway/connection.h"
#include "media/srtp_session.h"

void pt_core_config_default(pt_core_config *config) {
  config->max_objects = PT_REGISTRY_MAX_SLOTS;
  config->max_output_bytes = 64u * 1024u * 1024u;
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
  while ((handle = pt_registry_next(&core->registry, PT_KIND_SRTP, 0)) != 0) {
    pt_srtp_session *session = NULL;
    pt_registry_release(&core->registry, handle, PT_KIND_SRTP, (void **)&session);
    pt_srtp_session_destroy(session);
  }
  pt_output_queue_clear(&core->outputs);
  free(core->slots);
  memset(core, 0, sizeof *core);
}

void pt_core_update_deadline(pt_core *core) {
  double earliest = -1.0;
  for (pt_handle h = pt_registry_next(&core->registry, PT_KIND_CONNECTION, 0); h != 0;
       h = pt_registry_next(&core->registry, PT_KIND_CONNECTION, h)) {
    double deadline = pt_connection_deadline(core, h);
    if (deadline >= 0 && (earliest < 0 || deadline < earliest)) {
      earliest = deadline;
    }
  }
  pt_output_queue_set_deadline(&core->outputs, earliest);
}

int pt_core_handle_timeout(pt_core *core, double now_ms) {
  if (core == NULL || core->slots == NULL) {
    return PT_ERR_STATE;
  }
  int status = PT_OK;
  pt_handle h = pt_registry_next(&core->registry, PT_KIND_CONNECTION, 0);
  while (h != 0) {
    /* Fetch the successor first: a timeout may release h. */
    pt_handle next = pt_registry_next(&core->registry, PT_KIND_CONNECTION, h);
    int result = pt_connection_handle_timeout(core, h, now_ms);
    if (result != PT_OK && status == PT_OK) {
      status = result;
    }
    h = next;
  }
  pt_core_update_deadline(core);
  return status;
}

int pt_core_emit_json(pt_core *core, pt_handle handle, pt_event event, const char *json) {
  return pt_output_queue_push(&core->outputs, PT_OUTPUT_EVENT, handle, (int32_t)event, json, strlen(json));
}
