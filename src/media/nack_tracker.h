/* Receive side of retransmission: which sequence numbers of one RTP stream are missing, and when to
 * ask for them (again). A gap after the newest packet marks every number in it missing; a missing
 * number is NACKed at once, then again every retry interval (derived from the round-trip time) while
 * the frame assembler still wants it, at most PT_NACK_MAX_TRIES times. Bounded: at most
 * PT_NACK_MAX_MISSING numbers are tracked; a larger jump is left to the keyframe path. Sans-IO. */
#ifndef PT_MEDIA_NACK_TRACKER_H
#define PT_MEDIA_NACK_TRACKER_H

#include <stddef.h>
#include <stdint.h>

#define PT_NACK_MAX_MISSING 512
#define PT_NACK_MAX_TRIES 8

typedef struct pt_nack_entry {
  uint16_t seq;
  uint8_t tries;
  double since_ms, last_sent_ms;
} pt_nack_entry;

typedef struct pt_nack_tracker {
  int started;
  int expected;                     /* pt_nack_tracker_expect said where the stream starts */
  uint16_t expected_seq;
  int64_t highest;                  /* extended sequence number of the newest packet */
  pt_nack_entry missing[PT_NACK_MAX_MISSING];
  size_t count;
  double requested, recovered;      /* numbers NACKed (each try counts), missing numbers that arrived later */
} pt_nack_tracker;

/* Whether the receiver still wants a sequence number (the assembler has not handed out or given up its frame). */
typedef int (*pt_nack_wanted)(void *context, uint16_t seq);

/* Empties the tracker. */
void pt_nack_tracker_init(pt_nack_tracker *t);

/* Says, before the first packet, that the stream starts at seq: when the first packet comes at most
 * PT_NACK_MAX_MISSING after it, the numbers before it are missing too (the wanted callback drops what the
 * receiver does not want); otherwise the hint is ignored, as it is once a packet arrived. */
void pt_nack_tracker_expect(pt_nack_tracker *t, uint16_t seq);

/* Notes a packet's arrival at now_ms: fills its hole, or opens a gap before it. */
void pt_nack_tracker_on_packet(pt_nack_tracker *t, uint16_t seq, double now_ms);

/* Writes to out (room for max) the numbers to NACK now, dropping those no longer wanted or tried
 * enough, and marks them sent; returns how many. */
size_t pt_nack_tracker_take_due(pt_nack_tracker *t, double now_ms, double rtt_ms, pt_nack_wanted wanted,
                                void *context, uint16_t *out, size_t max);

/* When take_due next has something to send, or -1. */
double pt_nack_tracker_deadline(const pt_nack_tracker *t, double rtt_ms);

/* The interval between two NACKs of one number for this round-trip time. */
double pt_nack_retry_interval(double rtt_ms);

#endif
