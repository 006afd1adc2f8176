#include "media/pair_rate.h"

#include <stddef.h>

/* Arrivals closer than this are not spread at all: the reports carry quarter milliseconds. */
#define UNSPREAD_MS 0.125

void pt_pair_rate_sample(pt_pair_rate *r, double second_bytes, double spacing_ms) {
  if (r == NULL || !(spacing_ms >= 0) || !(spacing_ms < 1e9) || !(second_bytes > 0)) return;
  double bps = spacing_ms < UNSPREAD_MS ? PT_PAIR_RATE_UNBOUNDED_BPS : second_bytes * 8000.0 / spacing_ms;
  if (bps > PT_PAIR_RATE_UNBOUNDED_BPS) bps = PT_PAIR_RATE_UNBOUNDED_BPS;
  r->samples[r->next] = bps;
  r->next = (r->next + 1) % PT_PAIR_RATE_SAMPLES;
  if (r->count < PT_PAIR_RATE_SAMPLES) r->count++;
  /* the median by insertion sort of a copy: 16 numbers */
  double sorted[PT_PAIR_RATE_SAMPLES];
  for (int i = 0; i < r->count; i++) {
    int j = i;
    for (; j > 0 && sorted[j - 1] > r->samples[i]; j--) sorted[j] = sorted[j - 1];
    sorted[j] = r->samples[i];
  }
  r->median_bps = sorted[r->count / 2];
}

double pt_pair_rate_bps(const pt_pair_rate *r) {
  return r != NULL && r->count >= PT_PAIR_RATE_SAMPLES / 2 ? r->median_bps : 0;
}
