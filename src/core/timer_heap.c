#include "core/timer_heap.h"

#include <stddef.h>

#include "core/error.h"

/* Heap order: earlier deadline first; equal deadlines by key, so that the order never depends on history. */
static int before(const pt_timer *a, const pt_timer *b) {
  return a->deadline_ms < b->deadline_ms || (a->deadline_ms == b->deadline_ms && a->key < b->key);
}

static void place(pt_timer_heap *heap, uint32_t index, pt_timer timer) {
  heap->entries[index] = timer;
  heap->position[timer.key] = index + 1;
}

/* Moves the timer at index up towards the root until its parent is earlier. */
static void sift_up(pt_timer_heap *heap, uint32_t index) {
  pt_timer timer = heap->entries[index];
  while (index > 0) {
    uint32_t parent = (index - 1) / 2;
    if (!before(&timer, &heap->entries[parent])) break;
    place(heap, index, heap->entries[parent]);
    index = parent;
  }
  place(heap, index, timer);
}

/* Moves the timer at index down until both children are later. */
static void sift_down(pt_timer_heap *heap, uint32_t index) {
  pt_timer timer = heap->entries[index];
  for (;;) {
    uint32_t child = 2 * index + 1;
    if (child >= heap->count) break;
    if (child + 1 < heap->count && before(&heap->entries[child + 1], &heap->entries[child])) child++;
    if (!before(&heap->entries[child], &timer)) break;
    place(heap, index, heap->entries[child]);
    index = child;
  }
  place(heap, index, timer);
}

/* Takes the timer at index out and fills its place with the last one, restoring heap order. */
static void remove_at(pt_timer_heap *heap, uint32_t index) {
  heap->position[heap->entries[index].key] = 0;
  uint32_t last = --heap->count;
  if (index == last) return;
  heap->entries[index] = heap->entries[last];
  heap->position[heap->entries[index].key] = index + 1;
  if (index > 0 && before(&heap->entries[index], &heap->entries[(index - 1) / 2])) sift_up(heap, index);
  else sift_down(heap, index);
}

int pt_timer_heap_init(pt_timer_heap *heap, pt_timer *entries, uint32_t *position, uint32_t capacity) {
  if (heap == NULL || entries == NULL || position == NULL || capacity == 0 || capacity > PT_REGISTRY_MAX_SLOTS) {
    return PT_ERR_INVALID_ARGUMENT;
  }
  heap->entries = entries;
  heap->position = position;
  heap->capacity = capacity;
  heap->count = 0;
  for (uint32_t i = 0; i < capacity; i++) position[i] = 0;
  return PT_OK;
}

int pt_timer_heap_set(pt_timer_heap *heap, uint32_t key, pt_handle handle, double deadline_ms) {
  if (heap == NULL || key >= heap->capacity || deadline_ms != deadline_ms) return PT_ERR_INVALID_ARGUMENT;
  uint32_t at = heap->position[key];
  if (deadline_ms < 0) {
    if (at != 0) remove_at(heap, at - 1);
    return PT_OK;
  }
  pt_timer timer = {deadline_ms, handle, key};
  if (at == 0) {
    place(heap, heap->count++, timer);
    sift_up(heap, heap->count - 1);
    return PT_OK;
  }
  int earlier = before(&timer, &heap->entries[at - 1]);
  heap->entries[at - 1] = timer;
  if (earlier) sift_up(heap, at - 1);
  else sift_down(heap, at - 1);
  return PT_OK;
}

void pt_timer_heap_remove(pt_timer_heap *heap, uint32_t key) {
  if (heap != NULL && key < heap->capacity && heap->position[key] != 0) remove_at(heap, heap->position[key] - 1);
}

double pt_timer_heap_earliest(const pt_timer_heap *heap, pt_handle *handle) {
  if (heap == NULL || heap->count == 0) {
    if (handle != NULL) *handle = 0;
    return -1.0;
  }
  if (handle != NULL) *handle = heap->entries[0].handle;
  return heap->entries[0].deadline_ms;
}

pt_handle pt_timer_heap_pop_due(pt_timer_heap *heap, double now_ms) {
  if (heap == NULL || heap->count == 0 || !(heap->entries[0].deadline_ms <= now_ms)) return 0;
  pt_handle handle = heap->entries[0].handle;
  remove_at(heap, 0);
  return handle;
}

double pt_timer_heap_deadline_of(const pt_timer_heap *heap, uint32_t key) {
  if (heap == NULL || key >= heap->capacity || heap->position[key] == 0) return -1.0;
  return heap->entries[heap->position[key] - 1].deadline_ms;
}

uint32_t pt_timer_heap_count(const pt_timer_heap *heap) {
  return heap == NULL ? 0 : heap->count;
}
