#include "core/timer_heap.h"

#include <math.h>
#include <stdint.h>

#include "check.h"

#define KEYS PT_REGISTRY_MAX_SLOTS

static pt_timer entries[KEYS];
static uint32_t positions[KEYS];

/* Every parent is no later than its children, and every key's position points at its own entry. */
static void check_invariants(const pt_timer_heap *heap) {
  for (uint32_t i = 0; i < heap->count; i++) {
    const pt_timer *t = &heap->entries[i];
    CHECK_EQ(heap->position[t->key], i + 1);
    if (i > 0) {
      const pt_timer *parent = &heap->entries[(i - 1) / 2];
      CHECK(parent->deadline_ms < t->deadline_ms || (parent->deadline_ms == t->deadline_ms && parent->key < t->key));
    }
  }
  uint32_t with_timer = 0;
  for (uint32_t k = 0; k < heap->capacity; k++) with_timer += heap->position[k] != 0;
  CHECK_EQ(with_timer, heap->count);
}

static void test_empty_and_arguments(void) {
  pt_timer_heap heap;
  CHECK_EQ(pt_timer_heap_init(&heap, entries, positions, 0), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_timer_heap_init(&heap, entries, positions, KEYS + 1), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_timer_heap_init(&heap, NULL, positions, 4), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_timer_heap_init(&heap, entries, positions, 4), PT_OK);
  pt_handle handle = 7;
  CHECK(pt_timer_heap_earliest(&heap, &handle) == -1.0);
  CHECK_EQ(handle, 0);
  CHECK_EQ(pt_timer_heap_pop_due(&heap, 1e300), 0);
  CHECK_EQ(pt_timer_heap_set(&heap, 4, 1, 10.0), PT_ERR_INVALID_ARGUMENT); /* key out of range */
  CHECK_EQ(pt_timer_heap_set(&heap, 0, 1, NAN), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_timer_heap_set(&heap, 0, 1, -1.0), PT_OK); /* removing what is not there */
  pt_timer_heap_remove(&heap, 3);
  pt_timer_heap_remove(&heap, 99);
  CHECK_EQ(pt_timer_heap_count(&heap), 0);
}

static void test_order_move_and_remove(void) {
  pt_timer_heap heap;
  pt_timer_heap_init(&heap, entries, positions, 8);
  CHECK_EQ(pt_timer_heap_set(&heap, 0, 100, 50.0), PT_OK);
  CHECK_EQ(pt_timer_heap_set(&heap, 1, 101, 20.0), PT_OK);
  CHECK_EQ(pt_timer_heap_set(&heap, 2, 102, 30.0), PT_OK);
  pt_handle handle = 0;
  CHECK(pt_timer_heap_earliest(&heap, &handle) == 20.0);
  CHECK_EQ(handle, 101);
  /* Moving a timer later and earlier. */
  pt_timer_heap_set(&heap, 1, 101, 60.0);
  CHECK(pt_timer_heap_earliest(&heap, &handle) == 30.0);
  CHECK_EQ(handle, 102);
  pt_timer_heap_set(&heap, 0, 100, 5.0);
  CHECK(pt_timer_heap_earliest(&heap, &handle) == 5.0);
  CHECK_EQ(handle, 100);
  CHECK(pt_timer_heap_deadline_of(&heap, 1) == 60.0);
  CHECK(pt_timer_heap_deadline_of(&heap, 3) == -1.0);
  /* A key's new handle replaces the old (the slot was reused). */
  pt_timer_heap_set(&heap, 2, 202, 30.0);
  CHECK_EQ(pt_timer_heap_count(&heap), 3);
  pt_timer_heap_remove(&heap, 0);
  CHECK(pt_timer_heap_earliest(&heap, &handle) == 30.0);
  CHECK_EQ(handle, 202);
  /* Only what is due pops, earliest first; a deadline equal to now is due. */
  CHECK_EQ(pt_timer_heap_pop_due(&heap, 29.9), 0);
  CHECK_EQ(pt_timer_heap_pop_due(&heap, 30.0), 202);
  CHECK_EQ(pt_timer_heap_pop_due(&heap, 30.0), 0);
  CHECK_EQ(pt_timer_heap_pop_due(&heap, 1000.0), 101);
  CHECK_EQ(pt_timer_heap_count(&heap), 0);
  check_invariants(&heap);
}

static void test_equal_deadlines_pop_by_key(void) {
  pt_timer_heap heap;
  pt_timer_heap_init(&heap, entries, positions, 16);
  for (uint32_t k = 16; k-- > 0;) pt_timer_heap_set(&heap, k, (pt_handle)(1000 + k), 7.0);
  for (uint32_t k = 0; k < 16; k++) CHECK_EQ(pt_timer_heap_pop_due(&heap, 7.0), 1000 + k);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t next_random(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (uint32_t)(rng >> 32);
}

/* Thousands of objects whose deadlines keep changing, appearing and going, against a plain array. */
static void test_many_objects_against_a_model(void) {
  static double model[KEYS];
  static pt_handle model_handle[KEYS];
  pt_timer_heap heap;
  CHECK_EQ(pt_timer_heap_init(&heap, entries, positions, KEYS), PT_OK);
  for (uint32_t k = 0; k < KEYS; k++) model[k] = -1.0;
  double now = 0;
  for (int step = 0; step < 200000; step++) {
    uint32_t key = next_random() % KEYS;
    uint32_t op = next_random() % 10;
    if (op < 6) { /* set or move: later, earlier, or the same deadline again */
      double deadline = now + (double)(next_random() % 5000) / 4.0;
      model[key] = deadline;
      model_handle[key] = (pt_handle)(key + 1 + (next_random() % 64) * KEYS);
      CHECK_EQ(pt_timer_heap_set(&heap, key, model_handle[key], deadline), PT_OK);
    } else if (op < 8) { /* removal, both ways */
      model[key] = -1.0;
      if (op == 6) pt_timer_heap_remove(&heap, key);
      else CHECK_EQ(pt_timer_heap_set(&heap, key, model_handle[key], -1.0), PT_OK);
    } else { /* time passes: everything due pops, in order */
      now += (double)(next_random() % 200);
      double last = -1.0;
      pt_handle handle;
      while ((handle = pt_timer_heap_pop_due(&heap, now)) != 0) {
        uint32_t k = (uint32_t)(handle - 1) % KEYS;
        CHECK_EQ(model_handle[k], handle);
        CHECK(model[k] >= 0 && model[k] <= now && model[k] >= last);
        last = model[k];
        model[k] = -1.0;
      }
    }
    double earliest = -1.0;
    uint32_t count = 0;
    for (uint32_t k = 0; k < KEYS && step % 1000 == 0; k++) {
      if (model[k] < 0) continue;
      count++;
      if (earliest < 0 || model[k] < earliest) earliest = model[k];
    }
    if (step % 1000 == 0) {
      CHECK(pt_timer_heap_earliest(&heap, NULL) == earliest);
      CHECK_EQ(pt_timer_heap_count(&heap), count);
      for (uint32_t k = 0; k < KEYS; k++) CHECK(pt_timer_heap_deadline_of(&heap, k) == model[k]);
      check_invariants(&heap);
    }
  }
  /* Full: every key has a timer, then all are removed one by one from the middle. */
  for (uint32_t k = 0; k < KEYS; k++) pt_timer_heap_set(&heap, k, (pt_handle)(k + 1), (double)(next_random() % 1000));
  CHECK_EQ(pt_timer_heap_count(&heap), KEYS);
  check_invariants(&heap);
  for (uint32_t k = 0; k < KEYS; k++) {
    pt_timer_heap_remove(&heap, (k * 7919u) % KEYS);
    if (k % 512 == 0) check_invariants(&heap);
  }
  CHECK_EQ(pt_timer_heap_count(&heap), 0);
  check_invariants(&heap);
}

int main(void) {
  RUN(test_empty_and_arguments);
  RUN(test_order_move_and_remove);
  RUN(test_equal_deadlines_pop_by_key);
  RUN(test_many_objects_against_a_model);
  return 0;
}
