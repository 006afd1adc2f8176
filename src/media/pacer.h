/* Send side pacing of one stream's media packets: packets wait in a FIFO (retransmissions in their own
 * FIFO, sent first) and leave at the pacing rate, a few milliseconds' worth at a time, so that a large
 * frame does not hit the bottleneck as one burst. Nothing queued is ever dropped (the caller admits
 * whole frames or none, so that no sequence number goes missing). Bounded by PT_PACER_MAX_PACKETS and
 * PT_PACER_MAX_BYTES; sans-IO: each call takes now_ms. */
#ifndef PT_MEDIA_PACER_H
#define PT_MEDIA_PACER_H

#include <stddef.h>
#include <stdint.h>

#define PT_PACER_MAX_PACKETS 4096
#define PT_PACER_MAX_BYTES (4u << 20)
#define PT_PACER_BURST_MS 5.0 /* how far ahead of the rate a burst may run, unless set otherwise */

typedef struct pt_pacer pt_pacer; /* opaque */

/* Receives one packet leaving the pacer (valid during the call), and whether it was queued as a
 * retransmission; return PT_OK to go on. */
typedef int (*pt_pacer_emit)(void *context, const uint8_t *packet, size_t length, int retransmission);

int pt_pacer_create(pt_pacer **out);
void pt_pacer_destroy(pt_pacer *p);

/* Queues a copy of a packet (retransmission: ahead of media). PT_ERR_QUEUE_FULL when full. */
int pt_pacer_push(pt_pacer *p, const uint8_t *packet, size_t length, int retransmission);

/* How far ahead of the rate a burst may run from now on (ms, clamped to [1, 100]). */
void pt_pacer_set_burst_ms(pt_pacer *p, double burst_ms);

/* Sends what the rate allows at now_ms through emit; returns PT_OK or emit's error (the packet that
 * failed is dropped). */
int pt_pacer_send(pt_pacer *p, double now_ms, double rate_bps, pt_pacer_emit emit, void *context);

/* When the next queued packet may leave at this rate, or -1 when nothing is queued. */
double pt_pacer_deadline(const pt_pacer *p, double rate_bps);

/* Bytes waiting. */
size_t pt_pacer_queued_bytes(const pt_pacer *p);

/* Bytes that have left since the pacer was created (plus the queued bytes: the count once the newest queued
 * byte has left). */
uint64_t pt_pacer_sent_bytes(const pt_pacer *p);

#endif
