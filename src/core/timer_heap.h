/* Timer heap: the next deadline of each object, earliest first. A binary min-heap of (deadline, handle)
 * entries, one per key at most, with each key's place in the heap kept, so that setting, moving or
 * removing one object's deadline costs O(log n) and reading the earliest O(1), however many objects
 * there are. Keys are registry slot indexes (0..capacity-1); storage is the caller's, allocated once. */
#ifndef PT_CORE_TIMER_HEAP_H
#define PT_CORE_TIMER_HEAP_H

#include <stdint.h>

#include "core/registry.h"

typedef struct pt_timer {
  double deadline_ms;
  pt_handle handle;
  uint32_t key;
} pt_timer;

typedef struct pt_timer_heap {
  pt_timer *entries;   /* `count` timers in heap order: entries[0] is the earliest */
  uint32_t *position;  /* per key: its index in entries + 1, or 0 when the key has no timer */
  uint32_t capacity;
  uint32_t count;
} pt_timer_heap;

/* Prepares an empty heap for keys below capacity (1..PT_REGISTRY_MAX_SLOTS), over caller storage of
 * `capacity` entries and `capacity` positions. PT_ERR_INVALID_ARGUMENT otherwise. */
int pt_timer_heap_init(pt_timer_heap *heap, pt_timer *entries, uint32_t *position, uint32_t capacity);

/* Gives key the timer (deadline_ms, handle), replacing the one it had; a negative deadline removes it.
 * PT_ERR_INVALID_ARGUMENT for a key out of range or a deadline that is not a number. */
int pt_timer_heap_set(pt_timer_heap *heap, uint32_t key, pt_handle handle, double deadline_ms);

/* Removes key's timer, if it has one. */
void pt_timer_heap_remove(pt_timer_heap *heap, uint32_t key);

/* The earliest deadline, or -1 when no key has a timer; its handle through *handle when non-null. */
double pt_timer_heap_earliest(const pt_timer_heap *heap, pt_handle *handle);

/* Removes the earliest timer when it is due (deadline <= now_ms) and returns its handle; 0 otherwise. */
pt_handle pt_timer_heap_pop_due(pt_timer_heap *heap, double now_ms);

/* The deadline of key's timer, or -1 when it has none. */
double pt_timer_heap_deadline_of(const pt_timer_heap *heap, uint32_t key);

/* How many keys have a timer. */
uint32_t pt_timer_heap_count(const pt_timer_heap *heap);

#endif
