/* Handle registry: every object the core owns is reached through an integer handle.
 * A handle is a positive int32: kind (4 bits) | generation (15 bits) | slot (12 bits). Releasing an
 * object bumps its slot's generation, so an old handle is recognised as stale instead of reaching
 * whatever object reuses the slot. Slot storage is provided by the caller. */
#ifndef PT_CORE_REGISTRY_H
#define PT_CORE_REGISTRY_H

#include <stdint.h>

typedef int32_t pt_handle;

typedef enum pt_kind {
  PT_KIND_NONE = 0,
  PT_KIND_CONNECTION = 1, /* a gateway session */
  PT_KIND_PEER = 2,
  PT_KIND_CHANNEL = 3,
  PT_KIND_STREAM = 4,
  PT_KIND_SRTP = 5,       /* an SRTP session (one direction of a stream's media) */
  PT_KIND_COUNT
} pt_kind;

#define PT_REGISTRY_MAX_SLOTS 4096u

typedef struct pt_registry_slot {
  void *object;
  uint16_t generation; /* 1..0x7fff; advanced on release */
  uint8_t kind;        /* PT_KIND_NONE while free */
  uint16_t next_free;  /* free-list link, valid while free */
} pt_registry_slot;

typedef struct pt_registry {
  pt_registry_slot *slots;
  uint32_t capacity;
  uint32_t live;
  uint32_t free_head; /* == capacity when no slot is free */
} pt_registry;

/* Prepares an empty registry over caller-provided slots; capacity 1..PT_REGISTRY_MAX_SLOTS. */
int pt_registry_init(pt_registry *registry, pt_registry_slot *slots, uint32_t capacity);

/* Stores a non-null object of a kind; returns its handle (> 0) or PT_ERR_FULL / PT_ERR_INVALID_ARGUMENT. */
pt_handle pt_registry_add(pt_registry *registry, pt_kind kind, void *object);

/* Finds the object behind a handle of the expected kind; PT_ERR_INVALID_HANDLE / _STALE_HANDLE / _WRONG_KIND. */
int pt_registry_get(const pt_registry *registry, pt_handle handle, pt_kind kind, void **object);

/* Removes the handle's object (returned through *object if non-null); same errors as pt_registry_get. */
int pt_registry_release(pt_registry *registry, pt_handle handle, pt_kind kind, void **object);

/* Walks live objects of one kind: pass 0 to start; returns the next handle, or 0 at the end. */
pt_handle pt_registry_next(const pt_registry *registry, pt_kind kind, pt_handle after);

/* The kind of a live handle's object; PT_KIND_NONE for a stale, forged or invalid handle. */
pt_kind pt_registry_kind(const pt_registry *registry, pt_handle handle);

/* The slot a handle names (0..PT_REGISTRY_MAX_SLOTS-1), whether or not it is live. */
uint32_t pt_registry_index(pt_handle handle);

/* Number of live objects. */
uint32_t pt_registry_live(const pt_registry *registry);

#endif
