#include "core/output_queue.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"

struct pt_output_item {
  pt_output_item *next;
  int32_t kind;
  int32_t handle;
  int32_t code;
  uint32_t length;
  uint8_t payload[];
};

int pt_output_queue_init(pt_output_queue *queue, size_t max_bytes, size_t max_items) {
  if (queue == NULL || max_bytes == 0 || max_bytes > INT32_MAX || max_items == 0) {
    return PT_ERR_INVALID_ARGUMENT;
  }
  memset(queue, 0, sizeof *queue);
  queue->max_bytes = max_bytes;
  queue->max_items = max_items;
  queue->deadline_ms = -1.0;
  return PT_OK;
}

void pt_output_queue_clear(pt_output_queue *queue) {
  if (queue == NULL) {
    return;
  }
  pt_output_item *item = queue->head;
  while (item != NULL) {
    pt_output_item *next = item->next;
    free(item);
    item = next;
  }
  queue->head = queue->tail = NULL;
  queue->bytes = 0;
  queue->items = 0;
}

/* Fills an item and appends it to the queue, counting it. */
static void link_item(pt_output_queue *queue, pt_output_item *item, pt_output_kind kind, int32_t handle, int32_t code,
                      const void *payload, size_t length) {
  item->next = NULL;
  item->kind = (int32_t)kind;
  item->handle = handle;
  item->code = code;
  item->length = (uint32_t)length;
  if (length > 0) {
    memcpy(item->payload, payload, length);
  }
  if (queue->tail != NULL) {
    queue->tail->next = item;
  } else {
    queue->head = item;
  }
  queue->tail = item;
  queue->bytes += length;
  queue->items++;
}

int pt_output_queue_push(pt_output_queue *queue, pt_output_kind kind, int32_t handle, int32_t code,
                         const void *payload, size_t length) {
  if (queue == NULL || (kind != PT_OUTPUT_SEND && kind != PT_OUTPUT_EVENT) ||
      (payload == NULL && length > 0) || length > UINT32_MAX) {
    return PT_ERR_INVALID_ARGUMENT;
  }
  if (queue->items >= queue->max_items || length > queue->max_bytes - queue->bytes) {
    return PT_ERR_QUEUE_FULL;
  }
  pt_output_item *item = malloc(sizeof *item + length);
  if (item == NULL) {
    return PT_ERR_NO_MEMORY;
  }
  link_item(queue, item, kind, handle, code, payload, length);
  return PT_OK;
}

pt_output_item *pt_output_queue_reserve(size_t capacity) {
  pt_output_item *item = capacity <= UINT32_MAX ? malloc(sizeof *item + capacity) : NULL;
  if (item != NULL) item->length = (uint32_t)capacity; /* until pushed: what it holds */
  return item;
}

size_t pt_output_queue_reserved_capacity(const pt_output_item *item) {
  return item == NULL ? 0 : item->length;
}

void pt_output_queue_push_reserved(pt_output_queue *queue, pt_output_item *item, int32_t handle, int32_t code,
                                   const char *payload) {
  size_t length = strlen(payload);
  if (length > item->length) length = item->length; /* callers keep within it */
  link_item(queue, item, PT_OUTPUT_EVENT, handle, code, payload, length);
}

void pt_output_queue_release_reserved(pt_output_item *item) {
  free(item);
}

void pt_output_queue_set_deadline(pt_output_queue *queue, double deadline_ms) {
  if (queue == NULL) {
    return;
  }
  if (deadline_ms < 0) {
    deadline_ms = -1.0;
  }
  if (deadline_ms != queue->deadline_ms) {
    queue->deadline_ms = deadline_ms;
    queue->deadline_pending = 1;
  }
}

void pt_output_queue_repeat_deadline(pt_output_queue *queue) {
  if (queue != NULL) {
    queue->deadline_pending = 1;
  }
}

int pt_output_queue_peek(const pt_output_queue *queue, pt_output_info *info) {
  pt_output_info none = {PT_OUTPUT_NONE, 0, 0, 0, -1.0};
  if (queue == NULL) {
    if (info != NULL) {
      *info = none;
    }
    return PT_OUTPUT_NONE;
  }
  pt_output_info next = none;
  if (queue->head != NULL) {
    const pt_output_item *item = queue->head;
    next.kind = item->kind;
    next.handle = item->handle;
    next.code = item->code;
    next.length = item->length;
    next.deadline_ms = queue->deadline_ms;
  } else if (queue->deadline_pending) {
    next.kind = PT_OUTPUT_DEADLINE;
    next.deadline_ms = queue->deadline_ms;
  }
  if (info != NULL) {
    *info = next;
  }
  return next.kind;
}

int pt_output_queue_take(pt_output_queue *queue, void *buf, size_t capacity) {
  if (queue == NULL) {
    return PT_ERR_INVALID_ARGUMENT;
  }
  pt_output_item *item = queue->head;
  if (item == NULL) {
    queue->deadline_pending = 0;
    return 0;
  }
  if (item->length > capacity || (buf == NULL && item->length > 0)) {
    return PT_ERR_BUFFER_TOO_SMALL;
  }
  if (item->length > 0) {
    memcpy(buf, item->payload, item->length);
  }
  int length = (int)item->length;
  queue->head = item->next;
  if (queue->head == NULL) {
    queue->tail = NULL;
  }
  queue->bytes -= item->length;
  queue->items--;
  free(item);
  return length;
}
