/* Output queue: what the sans-IO core wants done, drained by the JS glue after every call.
 * Items come out in the order they were pushed: bytes to send on a transport, events for the app.
 * After the last item, one PT_OUTPUT_DEADLINE item reports the next wake-up time if it changed.
 * The queue has a byte and an item budget; a push beyond them fails, it never drops silently. */
#ifndef PT_CORE_OUTPUT_QUEUE_H
#define PT_CORE_OUTPUT_QUEUE_H

#include <stddef.h>
#include <stdint.h>

typedef enum pt_output_kind {
  PT_OUTPUT_NONE = 0,     /* queue drained */
  PT_OUTPUT_SEND = 1,     /* bytes for transport `code` of object `handle` */
  PT_OUTPUT_EVENT = 2,    /* event `code` of object `handle`, payload is its JSON or binary body */
  PT_OUTPUT_DEADLINE = 3  /* call pt_core_handle_timeout at `deadline_ms` (negative: no deadline) */
} pt_output_kind;

/* Fixed layout read by the JS glue (js/core/wasm.js): 4 x int32 then one float64. */
typedef struct pt_output_info {
  int32_t kind;
  int32_t handle;
  int32_t code;
  uint32_t length;
  double deadline_ms;
} pt_output_info;

typedef struct pt_output_item pt_output_item;

typedef struct pt_output_queue {
  pt_output_item *head;
  pt_output_item *tail;
  size_t bytes;      /* payload bytes held */
  size_t items;
  size_t max_bytes;
  size_t max_items;
  double deadline_ms;       /* last deadline set */
  int deadline_pending;     /* set when deadline_ms changed and was not yet reported */
} pt_output_queue;

/* Prepares an empty queue with budgets (> 0; bytes at most INT32_MAX). */
int pt_output_queue_init(pt_output_queue *queue, size_t max_bytes, size_t max_items);

/* Frees every queued item. */
void pt_output_queue_clear(pt_output_queue *queue);

/* Appends a copy of payload; PT_ERR_QUEUE_FULL past the budgets, PT_ERR_NO_MEMORY if allocation fails. */
int pt_output_queue_push(pt_output_queue *queue, pt_output_kind kind, int32_t handle, int32_t code,
                         const void *payload, size_t length);

/* Reserved items: allocated ahead (when an object, a connection attempt or a channel request is made) for
 * the event that ends it, which must not be lost to a failed allocation or a full queue. */

/* Allocates a reserved item for a payload of up to `capacity` bytes; NULL when memory is short. */
pt_output_item *pt_output_queue_reserve(size_t capacity);

/* The payload bytes a reserved item (not yet pushed) holds; 0 for NULL. */
size_t pt_output_queue_reserved_capacity(const pt_output_item *item);

/* Appends an event in a reserved item, whatever the budgets (never fails); payload is NUL-terminated text
 * within the item's capacity. The queue owns the item from then on. */
void pt_output_queue_push_reserved(pt_output_queue *queue, pt_output_item *item, int32_t handle, int32_t code,
                                   const char *payload);

/* Frees a reserved item that was never pushed. */
void pt_output_queue_release_reserved(pt_output_item *item);

/* Records the next deadline (negative: none); it is reported once after the queued items. */
void pt_output_queue_set_deadline(pt_output_queue *queue, double deadline_ms);

/* Reports the current deadline again even if it did not change (after a timer fired). */
void pt_output_queue_repeat_deadline(pt_output_queue *queue);

/* Describes the next output without consuming it; returns its kind (PT_OUTPUT_NONE when drained). */
int pt_output_queue_peek(const pt_output_queue *queue, pt_output_info *info);

/* Copies the next output's payload into buf and consumes it; returns its length, or
 * PT_ERR_BUFFER_TOO_SMALL (nothing consumed). A deadline or an empty queue returns 0. */
int pt_output_queue_take(pt_output_queue *queue, void *buf, size_t capacity);

#endif
