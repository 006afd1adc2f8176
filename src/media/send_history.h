/* Send side of retransmission: the last PT_SEND_HISTORY_SIZE protected packets of one RTP stream, by
 * sequence number, so that a NACKed packet can be sent again byte for byte (the receiver's SRTP replay
 * check accepts it because the original never arrived). A packet is resent only while it is younger
 * than the caller's age limit, and at most once per interval, so repeated NACKs cost little. Storage
 * is allocated once, at create. */
#ifndef PT_MEDIA_SEND_HISTORY_H
#define PT_MEDIA_SEND_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#define PT_SEND_HISTORY_SIZE 1024 /* a power of two: about 1 s of packets at 10 Mbit/s */

typedef struct pt_send_history pt_send_history; /* opaque */

/* Creates a history for packets of at most max_packet bytes; PT_ERR_INVALID_ARGUMENT, PT_ERR_NO_MEMORY. */
int pt_send_history_create(pt_send_history **out, size_t max_packet);

/* Frees it; NULL is ignored. */
void pt_send_history_destroy(pt_send_history *h);

/* Stores a protected packet sent at now_ms under its RTP sequence number (replacing the oldest);
 * PT_ERR_TOO_LARGE for a packet over max_packet. */
int pt_send_history_store(pt_send_history *h, uint16_t seq, const uint8_t *packet, size_t length, double now_ms);

/* The stored packet for seq if it may be resent now (stored, younger than max_age_ms, not resent within
 * min_interval_ms), marking it resent; NULL otherwise. *length receives its length. */
const uint8_t *pt_send_history_take(pt_send_history *h, uint16_t seq, double now_ms, double max_age_ms,
                                    double min_interval_ms, size_t *length);

#endif
