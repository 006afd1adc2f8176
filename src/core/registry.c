#include "core/registry.h"

#include <stddef.h>

#include "core/error.h"

#define SLOT_BITS 12u
#define GENERATION_BITS 15u
#define SLOT_MASK ((1u << SLOT_BITS) - 1u)
#define GENERATION_MASK ((1u << GENERATION_BITS) - 1u)

static pt_handle make_handle(uint32_t kind, uint32_t generation, uint32_t slot) {
  return (pt_handle)((kind << (SLOT_BITS + GENERATION_BITS)) | (generation << SLOT_BITS) | slot);
}

int pt_registry_init(pt_registry *registry, pt_registry_slot *slots, uint32_t capacity) {
  if (registry == NULL || slots == NULL || capacity == 0 || capacity > PT_REGISTRY_MAX_SLOTS) {
    return PT_ERR_INVALID_ARGUMENT;
  }
  registry->slots = slots;
  registry->capacity = capacity;
  registry->live = 0;
  registry->free_head = 0;
  for (uint32_t i = 0; i < capacity; i++) {
    slots[i].object = NULL;
    slots[i].generation = 1;
    slots[i].kind = PT_KIND_NONE;
    slots[i].next_free = (uint16_t)(i + 1);
  }
  return PT_OK;
}

pt_handle pt_registry_add(pt_registry *registry, pt_kind kind, void *object) {
  if (registry == NULL || object == NULL || kind <= PT_KIND_NONE || kind >= PT_KIND_COUNT) {
    return PT_ERR_INVALID_ARGUMENT;
  }
  if (registry->free_head >= registry->capacity) {
    return PT_ERR_FULL;
  }
  uint32_t index = registry->free_head;
  pt_registry_slot *slot = &registry->slots[index];
  registry->free_head = slot->next_free;
  slot->object = object;
  slot->kind = (uint8_t)kind;
  registry->live++;
  return make_handle((uint32_t)kind, slot->generation, index);
}

/* Decodes and checks a handle; on success returns its slot index. */
static int find_slot(const pt_registry *registry, pt_handle handle, pt_kind kind) {
  if (registry == NULL || handle <= 0) {
    return PT_ERR_INVALID_HANDLE;
  }
  uint32_t bits = (uint32_t)handle;
  uint32_t index = bits & SLOT_MASK;
  uint32_t generation = (bits >> SLOT_BITS) & GENERATION_MASK;
  uint32_t handle_kind = bits >> (SLOT_BITS + GENERATION_BITS);
  if (index >= registry->capacity || generation == 0 || handle_kind == PT_KIND_NONE ||
      handle_kind >= PT_KIND_COUNT) {
    return PT_ERR_INVALID_HANDLE;
  }
  const pt_registry_slot *slot = &registry->slots[index];
  if (slot->generation != generation || slot->kind == PT_KIND_NONE) {
    return PT_ERR_STALE_HANDLE;
  }
  if (slot->kind != handle_kind) {
    return PT_ERR_INVALID_HANDLE; /* forged: a live slot never changes kind under one generation */
  }
  if (handle_kind != (uint32_t)kind) {
    return PT_ERR_WRONG_KIND;
  }
  return (int)index;
}

int pt_registry_get(const pt_registry *registry, pt_handle handle, pt_kind kind, void **object) {
  int index = find_slot(registry, handle, kind);
  if (index < 0) {
    return index;
  }
  if (object != NULL) {
    *object = registry->slots[index].object;
  }
  return PT_OK;
}

int pt_registry_release(pt_registry *registry, pt_handle handle, pt_kind kind, void **object) {
  int index = find_slot(registry, handle, kind);
  if (index < 0) {
    return index;
  }
  pt_registry_slot *slot = &registry->slots[index];
  if (object != NULL) {
    *object = slot->object;
  }
  slot->object = NULL;
  slot->kind = PT_KIND_NONE;
  slot->generation = (uint16_t)((slot->generation & GENERATION_MASK) + 1u);
  if (slot->generation > GENERATION_MASK) {
    slot->generation = 1; /* 0 never appears in a handle, so handles stay > 0 */
  }
  slot->next_free = (uint16_t)registry->free_head;
  registry->free_head = (uint32_t)index;
  registry->live--;
  return PT_OK;
}

pt_handle pt_registry_next(const pt_registry *registry, pt_kind kind, pt_handle after) {
  if (registry == NULL) {
    return 0;
  }
  uint32_t start = after > 0 ? (((uint32_t)after) & SLOT_MASK) + 1u : 0u;
  for (uint32_t i = start; i < registry->capacity; i++) {
    const pt_registry_slot *slot = &registry->slots[i];
    if (slot->kind == (uint8_t)kind && kind != PT_KIND_NONE) {
      return make_handle((uint32_t)kind, slot->generation, i);
    }
  }
  return 0;
}

pt_kind pt_registry_kind(const pt_registry *registry, pt_handle handle) {
  if (handle <= 0) return PT_KIND_NONE;
  pt_kind kind = (pt_kind)(((uint32_t)handle) >> (SLOT_BITS + GENERATION_BITS));
  return find_slot(registry, handle, kind) >= 0 ? kind : PT_KIND_NONE;
}

uint32_t pt_registry_index(pt_handle handle) {
  return ((uint32_t)handle) & SLOT_MASK;
}

uint32_t pt_registry_live(const pt_registry *registry) {
  return registry == NULL ? 0 : registry->live;
}
