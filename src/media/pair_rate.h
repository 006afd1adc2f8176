/* The path's bottleneck rate from packet pairs: two packets sent back to back leave the narrowest link
 * spaced by the time it takes to carry the second (its size over the link's rate), and keep that spacing
 * when nothing else queues. Each pair gives a sample; the median of the last PT_PAIR_RATE_SAMPLES resists
 * the pairs that cross traffic spreads or squeezes. A pair whose arrivals are not spread at all (within
 * the report's resolution) counts as PT_PAIR_RATE_UNBOUNDED_BPS. Fixed size, sans-IO. */
#ifndef PT_MEDIA_PAIR_RATE_H
#define PT_MEDIA_PAIR_RATE_H

#define PT_PAIR_RATE_SAMPLES 16
#define PT_PAIR_RATE_UNBOUNDED_BPS 1e10

typedef struct pt_pair_rate {
  double samples[PT_PAIR_RATE_SAMPLES];
  int count, next;
  double median_bps;
} pt_pair_rate;

/* Takes one pair: the second packet's size (bytes) and the time between the two arrivals (ms; not finite
 * or negative: ignored). */
void pt_pair_rate_sample(pt_pair_rate *r, double second_bytes, double spacing_ms);

/* The median of the recent samples (bits per second), or 0 until PT_PAIR_RATE_SAMPLES / 2 of them. */
double pt_pair_rate_bps(const pt_pair_rate *r);

#endif
