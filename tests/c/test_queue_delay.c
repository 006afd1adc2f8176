/* The standing-queue estimate from one-way delays: what it says of a steady path, a queue that stays, a
 * burst that does not, a path whose delay changed, and gaps of any length. */
#include "media/queue_delay.h"

#include "check.h"

/* One sample every 5 ms from `from` for `ms`, with one-way delay `delay` (plus a clock offset of 1e6 ms). */
static double feed(pt_queue_delay *q, double from, double ms, double delay) {
  for (double t = from; t < from + ms; t += 5) pt_queue_delay_sample(q, 1e6 + delay, t);
  return from + ms;
}

static int near(double a, double b) { return a - b < 0.001 && b - a < 0.001; }

static void test_steady_path_has_no_queue(void) {
  pt_queue_delay q;
  pt_queue_delay_reset(&q);
  double base = -1;
  CHECK(near(pt_queue_delay_ms(&q), 0));
  CHECK(!pt_queue_delay_base(&q, &base) && base == -1); /* no sample: no base, *out untouched */
  feed(&q, 0, 3000, 20);
  CHECK(near(pt_queue_delay_ms(&q), 0));
  CHECK(pt_queue_delay_base(&q, &base) && near(base, 1e6 + 20)); /* the path's delay with the clocks' offset */
}

static void test_a_queue_that_stays_is_measured(void) {
  pt_queue_delay q;
  pt_queue_delay_reset(&q);
  double t = feed(&q, 0, 2000, 20);
  t = feed(&q, t, 100, 220); /* a fresh queue: not yet the least of the recent window */
  CHECK(near(pt_queue_delay_ms(&q), 0));
  t = feed(&q, t, 2 * PT_QUEUE_DELAY_RECENT_MS, 220);
  CHECK(near(pt_queue_delay_ms(&q), 200));
  t = feed(&q, t, 2 * PT_QUEUE_DELAY_RECENT_MS, 120); /* draining */
  CHECK(near(pt_queue_delay_ms(&q), 100));
}

static void test_a_short_burst_is_no_queue(void) {
  pt_queue_delay q;
  pt_queue_delay_reset(&q);
  double t = feed(&q, 0, 2000, 20);
  for (int i = 0; i < 20; i++) {
    t = feed(&q, t, 40, 20 + 10 * (i % 5)); /* each frame's packets queue behind each other */
    CHECK(near(pt_queue_delay_ms(&q), 0));
  }
}

static void test_a_longer_path_becomes_the_base(void) {
  pt_queue_delay q;
  pt_queue_delay_reset(&q);
  double t = feed(&q, 0, 1000, 20);
  t = feed(&q, t, 1000, 70); /* a route change: 50 ms more, for good */
  CHECK(near(pt_queue_delay_ms(&q), 50));
  t = feed(&q, t, PT_QUEUE_DELAY_BASE_MS, 70);
  CHECK(near(pt_queue_delay_ms(&q), 0));
}

static void test_gaps_late_samples_and_reset(void) {
  pt_queue_delay q;
  pt_queue_delay_reset(&q);
  double t = feed(&q, 0, 1000, 20);
  pt_queue_delay_sample(&q, 1e6 + 25, 1e15); /* a gap of ages: bounded work, nothing old left recent */
  CHECK(near(pt_queue_delay_ms(&q), 0));
  pt_queue_delay_sample(&q, 1e6 + 30, 1e15 + 1);
  CHECK(near(pt_queue_delay_ms(&q), 0)); /* the only base now is 25: 25 is the least recent too */
  pt_queue_delay_sample(&q, 1e6 + 10, t); /* sent long before: counted in the newest buckets */
  CHECK(near(pt_queue_delay_ms(&q), 0));
  pt_queue_delay_reset(&q);
  CHECK(near(pt_queue_delay_ms(&q), 0));
  pt_queue_delay_sample(&q, -5, 0);
  CHECK(near(pt_queue_delay_ms(&q), 0));
}

int main(void) {
  RUN(test_steady_path_has_no_queue);
  RUN(test_a_queue_that_stays_is_measured);
  RUN(test_a_short_burst_is_no_queue);
  RUN(test_a_longer_path_becomes_the_base);
  RUN(test_gaps_late_samples_and_reset);
  return 0;
}
