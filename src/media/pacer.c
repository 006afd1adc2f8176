#include "media/pacer.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"

typedef struct pt_paced_packet {
  uint8_t *data;
  size_t length;
} pt_paced_packet;

typedef struct pt_packet_fifo {
  pt_paced_packet items[PT_PACER_MAX_PACKETS];
  size_t head, count;
} pt_packet_fifo;

struct pt_pacer {
  pt_packet_fifo queues[2]; /* 0: retransmissions, 1: media */
  size_t bytes;
  uint64_t sent_bytes;      /* every byte that ever left */
  double budget_bytes;      /* may go negative: a packet larger than the budget still leaves, then the rate catches up */
  double last_ms;
  double burst_ms;
  int timed;
};

static pt_paced_packet *at(pt_packet_fifo *q, size_t i) { return &q->items[(q->head + i) % PT_PACER_MAX_PACKETS]; }

static void pop_front(pt_pacer *p, pt_packet_fifo *q) {
  pt_paced_packet *item = at(q, 0);
  p->bytes -= item->length;
  free(item->data);
  item->data = NULL;
  q->head = (q->head + 1) % PT_PACER_MAX_PACKETS;
  q->count--;
}

int pt_pacer_create(pt_pacer **out) {
  if (out == NULL) return PT_ERR_INVALID_ARGUMENT;
  *out = calloc(1, sizeof **out);
  if (*out == NULL) return PT_ERR_NO_MEMORY;
  (*out)->burst_ms = PT_PACER_BURST_MS;
  return PT_OK;
}

void pt_pacer_destroy(pt_pacer *p) {
  if (p == NULL) return;
  for (int k = 0; k < 2; k++) {
    while (p->queues[k].count > 0) pop_front(p, &p->queues[k]);
  }
  free(p);
}

int pt_pacer_push(pt_pacer *p, const uint8_t *packet, size_t length, int retransmission) {
  if (p == NULL || packet == NULL || length == 0) return PT_ERR_INVALID_ARGUMENT;
  pt_packet_fifo *q = &p->queues[retransmission ? 0 : 1];
  if (q->count == PT_PACER_MAX_PACKETS || p->bytes + length > PT_PACER_MAX_BYTES) return PT_ERR_QUEUE_FULL;
  uint8_t *copy = malloc(length);
  if (copy == NULL) return PT_ERR_NO_MEMORY;
  memcpy(copy, packet, length);
  *at(q, q->count) = (pt_paced_packet){copy, length};
  q->count++;
  p->bytes += length;
  return PT_OK;
}

/* Adds the budget earned since the last call, capped at one burst. */
static void earn(pt_pacer *p, double now_ms, double rate_bps) {
  double burst = rate_bps / 8.0 * p->burst_ms / 1000.0;
  if (!p->timed) {
    p->timed = 1;
    p->budget_bytes = burst;
  } else if (now_ms > p->last_ms) {
    p->budget_bytes += rate_bps / 8.0 * (now_ms - p->last_ms) / 1000.0;
  }
  if (p->budget_bytes > burst) p->budget_bytes = burst;
  p->last_ms = now_ms > p->last_ms ? now_ms : p->last_ms;
}

void pt_pacer_set_burst_ms(pt_pacer *p, double burst_ms) {
  if (p == NULL || !(burst_ms == burst_ms)) return;
  p->burst_ms = burst_ms < 1.0 ? 1.0 : burst_ms > 100.0 ? 100.0 : burst_ms;
}

int pt_pacer_send(pt_pacer *p, double now_ms, double rate_bps, pt_pacer_emit emit, void *context) {
  if (p == NULL || emit == NULL || !(rate_bps > 0)) return PT_ERR_INVALID_ARGUMENT;
  earn(p, now_ms, rate_bps);
  while (p->budget_bytes > 0) {
    int k = p->queues[0].count > 0 ? 0 : 1;
    pt_packet_fifo *q = &p->queues[k];
    if (q->count == 0) {
      p->budget_bytes = p->budget_bytes > 0 ? 0 : p->budget_bytes; /* an idle pacer saves nothing up */
      break;
    }
    pt_paced_packet *item = at(q, 0);
    p->budget_bytes -= (double)item->length;
    p->sent_bytes += item->length;
    int status = emit(context, item->data, item->length, k == 0);
    pop_front(p, q);
    if (status != PT_OK) return status;
  }
  return PT_OK;
}

double pt_pacer_deadline(const pt_pacer *p, double rate_bps) {
  if (p == NULL || (p->queues[0].count == 0 && p->queues[1].count == 0)) return -1.0;
  if (!p->timed || p->budget_bytes > 0 || !(rate_bps > 0)) return p->last_ms;
  return p->last_ms + (-p->budget_bytes + 1.0) * 8.0 / rate_bps * 1000.0;
}

size_t pt_pacer_queued_bytes(const pt_pacer *p) { return p == NULL ? 0 : p->bytes; }

uint64_t pt_pacer_sent_bytes(const pt_pacer *p) { return p == NULL ? 0 : p->sent_bytes; }
