#include "media/send_history.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"

#define MASK (PT_SEND_HISTORY_SIZE - 1)

typedef struct pt_history_entry {
  int used;
  uint16_t seq;
  size_t length;
  double sent_ms, resent_ms;
} pt_history_entry;

struct pt_send_history {
  size_t max_packet;
  pt_history_entry entries[PT_SEND_HISTORY_SIZE];
  uint8_t *storage; /* PT_SEND_HISTORY_SIZE × max_packet */
};

int pt_send_history_create(pt_send_history **out, size_t max_packet) {
  if (out == NULL || max_packet == 0 || max_packet > 65536) return PT_ERR_INVALID_ARGUMENT;
  *out = NULL;
  pt_send_history *h = calloc(1, sizeof *h);
  if (h == NULL) return PT_ERR_NO_MEMORY;
  h->storage = malloc(PT_SEND_HISTORY_SIZE * max_packet);
  if (h->storage == NULL) {
    free(h);
    return PT_ERR_NO_MEMORY;
  }
  h->max_packet = max_packet;
  *out = h;
  return PT_OK;
}

void pt_send_history_destroy(pt_send_history *h) {
  if (h == NULL) return;
  free(h->storage);
  free(h);
}

int pt_send_history_store(pt_send_history *h, uint16_t seq, const uint8_t *packet, size_t length, double now_ms) {
  if (h == NULL || packet == NULL) return PT_ERR_INVALID_ARGUMENT;
  if (length > h->max_packet) return PT_ERR_TOO_LARGE;
  pt_history_entry *e = &h->entries[seq & MASK];
  *e = (pt_history_entry){1, seq, length, now_ms, -1.0};
  memcpy(h->storage + (size_t)(seq & MASK) * h->max_packet, packet, length);
  return PT_OK;
}

const uint8_t *pt_send_history_take(pt_send_history *h, uint16_t seq, double now_ms, double max_age_ms,
                                    double min_interval_ms, size_t *length) {
  if (h == NULL || length == NULL) return NULL;
  pt_history_entry *e = &h->entries[seq & MASK];
  if (!e->used || e->seq != seq || now_ms - e->sent_ms > max_age_ms) return NULL;
  if (e->resent_ms >= 0 && now_ms - e->resent_ms < min_interval_ms) return NULL;
  e->resent_ms = now_ms;
  *length = e->length;
  return h->storage + (size_t)(seq & MASK) * h->max_packet;
}
