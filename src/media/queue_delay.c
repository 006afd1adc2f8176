#include "media/queue_delay.h"

#include <string.h>

#define BUCKET_MS (PT_QUEUE_DELAY_BASE_MS / PT_QUEUE_DELAY_BUCKETS)

void pt_queue_delay_reset(pt_queue_delay *q) { memset(q, 0, sizeof *q); }

static void keep_least(double *least, int *valid, double sample) {
  if (!*valid || sample < *least) *least = sample;
  *valid = 1;
}

void pt_queue_delay_sample(pt_queue_delay *q, double delay_ms, double send_ms) {
  if (!q->started) { /* zeroed: nothing to forget */
    q->started = 1;
    q->recent_start_ms = q->base_start_ms = send_ms;
  }
  if (send_ms < q->recent_start_ms) send_ms = q->recent_start_ms; /* late packets count in the newest buckets */
  if (send_ms < q->base_start_ms) send_ms = q->base_start_ms;
  if (send_ms - q->recent_start_ms >= PT_QUEUE_DELAY_RECENT_MS) {
    int skipped = send_ms - q->recent_start_ms >= 2 * PT_QUEUE_DELAY_RECENT_MS; /* a silence: nothing recent */
    q->recent_min[1] = q->recent_min[0];
    q->recent_valid[1] = q->recent_valid[0] && !skipped;
    q->recent_valid[0] = 0;
    q->recent_start_ms = send_ms;
  }
  keep_least(&q->recent_min[0], &q->recent_valid[0], delay_ms);
  /* at most PT_QUEUE_DELAY_BUCKETS steps, whatever the gap */
  for (int steps = 0; send_ms - q->base_start_ms >= BUCKET_MS && steps < PT_QUEUE_DELAY_BUCKETS; steps++) {
    q->newest = (q->newest + 1) % PT_QUEUE_DELAY_BUCKETS;
    q->base_valid[q->newest] = 0;
    q->base_start_ms += BUCKET_MS;
  }
  if (send_ms - q->base_start_ms >= BUCKET_MS) q->base_start_ms = send_ms;
  keep_least(&q->base_min[q->newest], &q->base_valid[q->newest], delay_ms);
}

int pt_queue_delay_base(const pt_queue_delay *q, double *out) {
  if (!q->started) return 0;
  double base = 0;
  int have_base = 0;
  for (int i = 0; i < PT_QUEUE_DELAY_BUCKETS; i++)
    if (q->base_valid[i]) keep_least(&base, &have_base, q->base_min[i]);
  if (have_base) *out = base;
  return have_base;
}

double pt_queue_delay_ms(const pt_queue_delay *q) {
  double base = 0, recent = 0;
  int have_base = pt_queue_delay_base(q, &base), have_recent = 0;
  for (int i = 0; i < 2; i++)
    if (q->recent_valid[i]) keep_least(&recent, &have_recent, q->recent_min[i]);
  if (!have_base || !have_recent || recent < base) return 0;
  return recent - base;
}
