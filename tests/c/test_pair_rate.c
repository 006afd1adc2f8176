/* The bottleneck rate from packet pairs: the median of the recent samples, unspread pairs, and what is
 * ignored. */
#include "media/pair_rate.h"

#include "check.h"

static void test_needs_half_the_samples(void) {
  pt_pair_rate r = {0};
  CHECK(pt_pair_rate_bps(&r) == 0);
  for (int i = 0; i < PT_PAIR_RATE_SAMPLES / 2 - 1; i++) pt_pair_rate_sample(&r, 1200, 1.92);
  CHECK(pt_pair_rate_bps(&r) == 0);
  pt_pair_rate_sample(&r, 1200, 1.92);
  CHECK(pt_pair_rate_bps(&r) > 4.99e6 && pt_pair_rate_bps(&r) < 5.01e6); /* 1200 bytes in 1.92 ms: 5 Mbit/s */
}

static void test_median_resists_outliers(void) {
  pt_pair_rate r = {0};
  for (int i = 0; i < PT_PAIR_RATE_SAMPLES; i++) {
    /* a third of the pairs squeezed together or spread apart by other traffic */
    double spacing = i % 3 == 0 ? (i % 2 ? 0.01 : 20.0) : 0.96;
    pt_pair_rate_sample(&r, 1200, spacing);
  }
  CHECK(pt_pair_rate_bps(&r) > 9.9e6 && pt_pair_rate_bps(&r) < 10.1e6);
  /* newer samples replace the oldest: a path that became slow reads slow once most pairs say so */
  for (int i = 0; i < PT_PAIR_RATE_SAMPLES / 2 + 1; i++) pt_pair_rate_sample(&r, 1200, 9.6);
  CHECK(pt_pair_rate_bps(&r) > 0.99e6 && pt_pair_rate_bps(&r) < 1.01e6);
}

static void test_unspread_pairs_and_junk(void) {
  pt_pair_rate r = {0};
  for (int i = 0; i < PT_PAIR_RATE_SAMPLES; i++) pt_pair_rate_sample(&r, 1200, i % 2 ? 0 : 0.1);
  CHECK(pt_pair_rate_bps(&r) == PT_PAIR_RATE_UNBOUNDED_BPS); /* within the reports' resolution */
  pt_pair_rate fresh = {0};
  double nan = 0.0 / 0.0, inf = 1.0 / 0.0;
  for (int i = 0; i < 100; i++) {
    pt_pair_rate_sample(&fresh, 1200, -1);
    pt_pair_rate_sample(&fresh, 1200, nan);
    pt_pair_rate_sample(&fresh, 1200, inf);
    pt_pair_rate_sample(&fresh, 0, 1);
    pt_pair_rate_sample(&fresh, nan, 1);
  }
  CHECK(pt_pair_rate_bps(&fresh) == 0);
  pt_pair_rate_sample(NULL, 1200, 1);
  CHECK(pt_pair_rate_bps(NULL) == 0);
}

int main(void) {
  RUN(test_needs_half_the_samples);
  RUN(test_median_resists_outliers);
  RUN(test_unspread_pairs_and_junk);
  return 0;
}
