#include "core/core.h"

#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "core/error.h"
#include "core/text_format.h"

void pt_core_config_default(pt_core_config *config) {
  config->max_objects = PT_REGISTRY_MAX_SLOTS;
  config->max_output_bytes = 256u * 1024u * 1024u; /* room for a whole 64 MiB app message and more */
  config->max_output_items = 65536u;
  config->hello_timeout_ms = 10000.0;
  config->max_reassembly_bytes = (size_t)512 << 20;
}

int pt_core_init(pt_core *core, const pt_core_config *config) {
  if (core == NULL || config == NULL || !(config->hello_timeout_ms > 0) || config->max_reassembly_bytes == 0) {
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
  /* Everything per object is allocated here, once, for max_objects. */
  core->slots = calloc(config->max_objects, sizeof *core->slots);
  core->timer_entries = calloc(config->max_objects, sizeof *core->timer_entries);
  core->timer_positions = calloc(config->max_objects, sizeof *core->timer_positions);
  core->due = calloc(config->max_objects, sizeof *core->due);
  core->closings = calloc(config->max_objects, sizeof *core->closings);
  if (core->slots == NULL || core->timer_entries == NULL || core->timer_positions == NULL || core->due == NULL ||
      core->closings == NULL) {
    free(core->slots);
    free(core->timer_entries);
    free(core->timer_positions);
    free(core->due);
    free(core->closings);
    core->slots = NULL;
    return PT_ERR_NO_MEMORY;
  }
  status = pt_timer_heap_init(&core->timers, core->timer_entries, core->timer_positions, config->max_objects);
  return status != PT_OK ? status : pt_registry_init(&core->registry, core->slots, config->max_objects);
}

void pt_core_destroy(pt_core *core) {
  if (core == NULL || core->slots == NULL) {
    return;
  }
  /* Children before what they refer to: a channel or stream reports to its peer as it goes. */
  static const pt_kind order[] = {PT_KIND_CONNECTION, PT_KIND_CHANNEL, PT_KIND_STREAM, PT_KIND_PEER, PT_KIND_SRTP};
  for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
    const pt_kind_ops *ops = core->kinds[order[k]];
    if (ops == NULL || ops->free == NULL) continue;
    /* The walk goes by slot, so it carries on past the slot just freed. */
    for (pt_handle h = pt_registry_next(&core->registry, order[k], 0); h != 0; h = pt_registry_next(&core->registry, order[k], h)) {
      ops->free(core, h);
    }
  }
  for (uint32_t i = 0; i < core->config.max_objects; i++) pt_output_queue_release_reserved(core->closings[i]);
  pt_output_queue_clear(&core->outputs);
  free(core->closings);
  free(core->slots);
  free(core->timer_entries);
  free(core->timer_positions);
  free(core->due);
  memset(core, 0, sizeof *core);
}

void pt_core_register_kind(pt_core *core, pt_kind kind, const pt_kind_ops *ops) {
  if (core != NULL && kind > PT_KIND_NONE && kind < PT_KIND_COUNT) core->kinds[kind] = ops;
}

/* Tells the caller the earliest deadline of all (reported once, after the other outputs, if it changed). */
static void publish_deadline(pt_core *core) {
  pt_output_queue_set_deadline(&core->outputs, pt_timer_heap_earliest(&core->timers, NULL));
}

void pt_core_reschedule(pt_core *core, pt_handle handle) {
  if (core == NULL || core->slots == NULL) return;
  pt_kind kind = pt_registry_kind(&core->registry, handle);
  if (kind == PT_KIND_NONE) return; /* gone: its slot's timer went with it, or is another object's now */
  const pt_kind_ops *ops = core->kinds[kind];
  double deadline = ops != NULL && ops->deadline != NULL ? ops->deadline(core, handle) : -1.0;
  if (deadline != deadline) deadline = -1.0;
  pt_timer_heap_set(&core->timers, pt_registry_index(handle), handle, deadline);
  publish_deadline(core);
}

pt_handle pt_core_add(pt_core *core, pt_kind kind, void *object) {
  if (core == NULL || core->slots == NULL) return PT_ERR_INVALID_ARGUMENT;
  pt_output_item *closing = pt_output_queue_reserve(PT_CORE_CLOSING_MAX);
  if (closing == NULL) return PT_ERR_NO_MEMORY;
  pt_handle handle = pt_registry_add(&core->registry, kind, object);
  if (handle <= 0) {
    pt_output_queue_release_reserved(closing);
    return handle;
  }
  core->closings[pt_registry_index(handle)] = closing;
  return handle;
}

int pt_core_release(pt_core *core, pt_handle handle, pt_kind kind, void **object) {
  if (core == NULL || core->slots == NULL) return PT_ERR_INVALID_ARGUMENT;
  int status = pt_registry_release(&core->registry, handle, kind, object);
  if (status == PT_OK) {
    const uint32_t index = pt_registry_index(handle);
    pt_output_queue_release_reserved(core->closings[index]); /* released silently: its closing event unused */
    core->closings[index] = NULL;
    pt_timer_heap_remove(&core->timers, index);
    publish_deadline(core);
  }
  return status;
}

int pt_core_handle_timeout(pt_core *core, double now_ms) {
  if (core == NULL || core->slots == NULL) {
    return PT_ERR_STATE;
  }
  /* First take every due timer out, so that each object fires once however its deadline moves meanwhile. */
  uint32_t count = 0;
  pt_handle handle;
  while (count < core->config.max_objects && (handle = pt_timer_heap_pop_due(&core->timers, now_ms)) != 0) {
    core->due[count++] = handle;
  }
  int status = PT_OK;
  for (uint32_t i = 0; i < count; i++) {
    pt_kind kind = pt_registry_kind(&core->registry, core->due[i]);
    if (kind == PT_KIND_NONE) continue; /* closed by an earlier timeout (a peer takes its channels and streams) */
    const pt_kind_ops *ops = core->kinds[kind];
    int result = ops != NULL && ops->handle_timeout != NULL ? ops->handle_timeout(core, core->due[i], now_ms) : PT_OK;
    if (result != PT_OK && status == PT_OK) {
      status = result;
    }
  }
  for (uint32_t i = 0; i < count; i++) {
    pt_core_reschedule(core, core->due[i]);
  }
  publish_deadline(core);
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

/* {"code": code, "error": "<name>"}: fits a closing item (error names are short). */
static void format_error(char *payload, size_t capacity, int code) {
  pt_format(payload, capacity, "{\"code\":%d,\"error\":\"%s\"}", code, pt_error_name(code));
}

int pt_core_emit_error(pt_core *core, pt_handle handle, pt_event event, int code) {
  char payload[PT_CORE_CLOSING_MAX + 1];
  format_error(payload, sizeof payload, code);
  return pt_core_emit_json(core, handle, event, payload);
}

int pt_core_emit_reserved(pt_core *core, struct pt_output_item **reserved, pt_handle handle, pt_event event,
                          struct cJSON *object, const char *short_form) {
  char *text = object == NULL ? NULL : cJSON_PrintUnformatted(object);
  cJSON_Delete(object);
  if (*reserved == NULL) { /* nothing was reserved: as any event */
    int status = pt_core_emit_json(core, handle, event, text != NULL ? text : short_form);
    cJSON_free(text);
    return status;
  }
  const char *payload = short_form; /* memory short: details dropped */
  if (text != NULL && strlen(text) <= pt_output_queue_reserved_capacity(*reserved)) {
    payload = text;
  } else if (text != NULL && pt_output_queue_push(&core->outputs, PT_OUTPUT_EVENT, handle, (int32_t)event, text,
                                                  strlen(text)) == PT_OK) {
    payload = NULL; /* the long form went in a new item */
  }
  if (payload != NULL) pt_output_queue_push_reserved(&core->outputs, *reserved, handle, (int32_t)event, payload);
  else pt_output_queue_release_reserved(*reserved);
  *reserved = NULL;
  cJSON_free(text);
  return PT_OK;
}

int pt_core_emit_closing(pt_core *core, pt_handle handle, pt_event event, int code, struct cJSON *object) {
  char short_form[PT_CORE_CLOSING_MAX + 1];
  format_error(short_form, sizeof short_form, code);
  if (core == NULL || core->slots == NULL || pt_registry_kind(&core->registry, handle) == PT_KIND_NONE) {
    cJSON_Delete(object);
    return core == NULL || core->slots == NULL ? PT_ERR_INVALID_ARGUMENT : pt_core_emit_json(core, handle, event, short_form);
  }
  return pt_core_emit_reserved(core, &core->closings[pt_registry_index(handle)], handle, event, object, short_form);
}
