#include "core/registry.h"

#include "check.h"

static int objects[8];

static void test_add_get_release(void) {
  pt_registry_slot slots[4];
  pt_registry registry;
  CHECK_EQ(pt_registry_init(&registry, slots, 4), PT_OK);
  pt_handle a = pt_registry_add(&registry, PT_KIND_PEER, &objects[0]);
  pt_handle b = pt_registry_add(&registry, PT_KIND_CHANNEL, &objects[1]);
  CHECK(a > 0 && b > 0 && a != b);
  void *found = NULL;
  CHECK_EQ(pt_registry_get(&registry, a, PT_KIND_PEER, &found), PT_OK);
  CHECK(found == &objects[0]);
  CHECK_EQ(pt_registry_get(&registry, b, PT_KIND_CHANNEL, &found), PT_OK);
  CHECK(found == &objects[1]);
  CHECK_EQ(pt_registry_live(&registry), 2);
  CHECK_EQ(pt_registry_release(&registry, a, PT_KIND_PEER, &found), PT_OK);
  CHECK(found == &objects[0]);
  CHECK_EQ(pt_registry_live(&registry), 1);
}

static void test_stale_handle_never_reaches_new_object(void) {
  pt_registry_slot slots[1];
  pt_registry registry;
  pt_registry_init(&registry, slots, 1);
  pt_handle old = pt_registry_add(&registry, PT_KIND_STREAM, &objects[0]);
  CHECK_EQ(pt_registry_release(&registry, old, PT_KIND_STREAM, NULL), PT_OK);
  CHECK_EQ(pt_registry_get(&registry, old, PT_KIND_STREAM, NULL), PT_ERR_STALE_HANDLE);
  CHECK_EQ(pt_registry_release(&registry, old, PT_KIND_STREAM, NULL), PT_ERR_STALE_HANDLE);
  /* The same slot is reused for a new object: the old handle must still be stale. */
  pt_handle fresh = pt_registry_add(&registry, PT_KIND_STREAM, &objects[1]);
  CHECK(fresh > 0 && fresh != old);
  CHECK_EQ(pt_registry_get(&registry, old, PT_KIND_STREAM, NULL), PT_ERR_STALE_HANDLE);
  void *found = NULL;
  CHECK_EQ(pt_registry_get(&registry, fresh, PT_KIND_STREAM, &found), PT_OK);
  CHECK(found == &objects[1]);
}

static void test_generation_wraps_without_reaching_zero(void) {
  pt_registry_slot slots[1];
  pt_registry registry;
  pt_registry_init(&registry, slots, 1);
  pt_handle first = pt_registry_add(&registry, PT_KIND_PEER, &objects[0]);
  pt_registry_release(&registry, first, PT_KIND_PEER, NULL);
  for (int i = 0; i < 40000; i++) { /* more than the 15-bit generation space */
    pt_handle h = pt_registry_add(&registry, PT_KIND_PEER, &objects[0]);
    CHECK(h > 0);
    CHECK_EQ(pt_registry_get(&registry, h, PT_KIND_PEER, NULL), PT_OK);
    CHECK_EQ(pt_registry_release(&registry, h, PT_KIND_PEER, NULL), PT_OK);
  }
}

static void test_wrong_kind_and_forged_handles(void) {
  pt_registry_slot slots[4];
  pt_registry registry;
  pt_registry_init(&registry, slots, 4);
  pt_handle peer = pt_registry_add(&registry, PT_KIND_PEER, &objects[0]);
  CHECK_EQ(pt_registry_get(&registry, peer, PT_KIND_STREAM, NULL), PT_ERR_WRONG_KIND);
  CHECK_EQ(pt_registry_release(&registry, peer, PT_KIND_CHANNEL, NULL), PT_ERR_WRONG_KIND);
  CHECK_EQ(pt_registry_get(&registry, peer, PT_KIND_PEER, NULL), PT_OK); /* still there */
  CHECK_EQ(pt_registry_get(&registry, 0, PT_KIND_PEER, NULL), PT_ERR_INVALID_HANDLE);
  CHECK_EQ(pt_registry_get(&registry, -5, PT_KIND_PEER, NULL), PT_ERR_INVALID_HANDLE);
  CHECK_EQ(pt_registry_get(&registry, 0x7fffffff, PT_KIND_PEER, NULL), PT_ERR_INVALID_HANDLE);
  /* Slot index beyond capacity. */
  CHECK_EQ(pt_registry_get(&registry, peer + 100, PT_KIND_PEER, NULL), PT_ERR_INVALID_HANDLE);
  /* The live slot's generation with another kind's bits: forged, not just the wrong kind. */
  pt_handle forged = (pt_handle)(((uint32_t)peer & 0x07ffffffu) | ((uint32_t)PT_KIND_STREAM << 27));
  CHECK_EQ(pt_registry_get(&registry, forged, PT_KIND_STREAM, NULL), PT_ERR_INVALID_HANDLE);
  CHECK_EQ(pt_registry_add(&registry, PT_KIND_NONE, &objects[1]), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_registry_add(&registry, PT_KIND_COUNT, &objects[1]), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_registry_add(&registry, PT_KIND_PEER, NULL), PT_ERR_INVALID_ARGUMENT);
}

static void test_exhaustion_and_recovery(void) {
  pt_registry_slot slots[3];
  pt_registry registry;
  pt_registry_init(&registry, slots, 3);
  pt_handle handles[3];
  for (int i = 0; i < 3; i++) {
    handles[i] = pt_registry_add(&registry, PT_KIND_CHANNEL, &objects[i]);
    CHECK(handles[i] > 0);
  }
  CHECK_EQ(pt_registry_add(&registry, PT_KIND_CHANNEL, &objects[3]), PT_ERR_FULL);
  CHECK_EQ(pt_registry_live(&registry), 3);
  CHECK_EQ(pt_registry_release(&registry, handles[1], PT_KIND_CHANNEL, NULL), PT_OK);
  pt_handle again = pt_registry_add(&registry, PT_KIND_CHANNEL, &objects[3]);
  CHECK(again > 0);
  CHECK_EQ(pt_registry_add(&registry, PT_KIND_CHANNEL, &objects[4]), PT_ERR_FULL);
  /* The others are untouched. */
  void *found;
  CHECK_EQ(pt_registry_get(&registry, handles[0], PT_KIND_CHANNEL, &found), PT_OK);
  CHECK(found == &objects[0]);
  CHECK_EQ(pt_registry_get(&registry, handles[2], PT_KIND_CHANNEL, &found), PT_OK);
  CHECK(found == &objects[2]);
}

static void test_iteration_by_kind(void) {
  pt_registry_slot slots[6];
  pt_registry registry;
  pt_registry_init(&registry, slots, 6);
  pt_registry_add(&registry, PT_KIND_PEER, &objects[0]);
  pt_handle c1 = pt_registry_add(&registry, PT_KIND_CONNECTION, &objects[1]);
  pt_registry_add(&registry, PT_KIND_PEER, &objects[2]);
  pt_handle c2 = pt_registry_add(&registry, PT_KIND_CONNECTION, &objects[3]);
  CHECK_EQ(pt_registry_next(&registry, PT_KIND_CONNECTION, 0), c1);
  CHECK_EQ(pt_registry_next(&registry, PT_KIND_CONNECTION, c1), c2);
  CHECK_EQ(pt_registry_next(&registry, PT_KIND_CONNECTION, c2), 0);
  CHECK_EQ(pt_registry_next(&registry, PT_KIND_STREAM, 0), 0);
}

static void test_kind_and_index_of_a_handle(void) {
  pt_registry_slot slots[4];
  pt_registry registry;
  pt_registry_init(&registry, slots, 4);
  pt_handle peer = pt_registry_add(&registry, PT_KIND_PEER, &objects[0]);
  pt_handle stream = pt_registry_add(&registry, PT_KIND_STREAM, &objects[1]);
  CHECK_EQ(pt_registry_kind(&registry, peer), PT_KIND_PEER);
  CHECK_EQ(pt_registry_kind(&registry, stream), PT_KIND_STREAM);
  CHECK_EQ(pt_registry_index(peer), 0);
  CHECK_EQ(pt_registry_index(stream), 1);
  CHECK_EQ(pt_registry_kind(&registry, 0), PT_KIND_NONE);
  CHECK_EQ(pt_registry_kind(&registry, -5), PT_KIND_NONE);
  CHECK_EQ(pt_registry_kind(&registry, stream ^ (1 << 28)), PT_KIND_NONE); /* forged kind bits */
  pt_registry_release(&registry, peer, PT_KIND_PEER, NULL);
  CHECK_EQ(pt_registry_kind(&registry, peer), PT_KIND_NONE); /* stale */
  pt_handle reused = pt_registry_add(&registry, PT_KIND_CHANNEL, &objects[2]);
  CHECK_EQ(pt_registry_index(reused), pt_registry_index(peer));
  CHECK_EQ(pt_registry_kind(&registry, reused), PT_KIND_CHANNEL);
  CHECK_EQ(pt_registry_kind(&registry, peer), PT_KIND_NONE);
}

static void test_bad_init(void) {
  pt_registry_slot slots[1];
  pt_registry registry;
  CHECK_EQ(pt_registry_init(&registry, slots, 0), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_registry_init(&registry, NULL, 1), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_registry_init(&registry, slots, PT_REGISTRY_MAX_SLOTS + 1), PT_ERR_INVALID_ARGUMENT);
}

int main(void) {
  RUN(test_add_get_release);
  RUN(test_kind_and_index_of_a_handle);
  RUN(test_stale_handle_never_reaches_new_object);
  RUN(test_generation_wraps_without_reaching_zero);
  RUN(test_wrong_kind_and_forged_handles);
  RUN(test_exhaustion_and_recovery);
  RUN(test_iteration_by_kind);
  RUN(test_bad_init);
  return 0;
}
