/* The standing queue on a path, from one-way delay samples (arrival time minus send time: the true delay
 * plus the two clocks' offset, which cancels): the least sample of the last PT_QUEUE_DELAY_RECENT_MS minus
 * the least of the last PT_QUEUE_DELAY_BASE_MS (the path's delay when its queue was empty). The least of
 * the recent ones, so that a frame's own burst and jitter do not count as a queue. Fixed size, sans-IO:
 * times are the sender's clock (send times), never decreasing. */
#ifndef PT_MEDIA_QUEUE_DELAY_H
#define PT_MEDIA_QUEUE_DELAY_H

#define PT_QUEUE_DELAY_RECENT_MS 250.0
#define PT_QUEUE_DELAY_BASE_MS 10000.0
#define PT_QUEUE_DELAY_BUCKETS 10 /* the base window in buckets of PT_QUEUE_DELAY_BASE_MS / PT_QUEUE_DELAY_BUCKETS */

typedef struct pt_queue_delay {
  int started;
  double recent_start_ms;          /* the current recent bucket began here */
  double recent_min[2];            /* least sample of the current and the previous recent bucket */
  int recent_valid[2];
  double base_start_ms;            /* the newest base bucket began here */
  double base_min[PT_QUEUE_DELAY_BUCKETS];
  int base_valid[PT_QUEUE_DELAY_BUCKETS];
  int newest;                      /* index of the newest base bucket */
} pt_queue_delay;

/* Forgets every sample (the receiver's clock jumped); a zeroed pt_queue_delay is as after it. */
void pt_queue_delay_reset(pt_queue_delay *q);

/* Takes one sample: arrival minus send time (ms) of a packet sent at send_ms. */
void pt_queue_delay_sample(pt_queue_delay *q, double delay_ms, double send_ms);

/* The queue now (ms, at least 0), or 0 before any sample. */
double pt_queue_delay_ms(const pt_queue_delay *q);

/* The least sample of the base window (the path's delay plus the clocks' offset) into *out: 1, or 0 (and
 * *out untouched) when there is none. */
int pt_queue_delay_base(const pt_queue_delay *q, double *out);

#endif
