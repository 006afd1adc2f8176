#include "media/congestion.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "check.h"

/* ---- a deterministic PRNG (splitmix64) ---- */

static uint64_t rng_next(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static double rng_uniform(uint64_t *state) { return (double)(rng_next(state) >> 11) * (1.0 / 9007199254740992.0); }

static int finite_value(double x) { return x == x && x - x == 0; }

static pt_congestion_config config_of(double min_bps, double start_bps, double max_bps) {
  pt_congestion_config config = {min_bps, start_bps, max_bps};
  return config;
}

/* The invariants every output keeps, whatever went in. */
static void check_sane(const pt_congestion *c, const pt_congestion_config *config) {
  double target = pt_congestion_target_bps(c), pacing = pt_congestion_pacing_bps(c);
  CHECK(finite_value(target) && target >= config->min_bps && target <= config->max_bps);
  CHECK(finite_value(pacing) && pacing >= target && pacing >= PT_CONGESTION_PACING_FLOOR_BPS);
  pt_congestion_stats s;
  pt_congestion_stats_of(c, &s);
  double values[] = {s.target_bps, s.pacing_bps, s.delay_based_bps, s.loss_based_bps, s.acked_bps, s.loss_fraction,
                     s.trend, s.modified_trend, s.threshold, s.rtt_ms, s.link_capacity_bps, s.reports, s.ignored,
                     s.timing_rejected};
  for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) CHECK(finite_value(values[i]));
  CHECK(s.loss_fraction >= 0 && s.loss_fraction <= 1);
  CHECK(s.delay_based_bps >= config->min_bps && s.delay_based_bps <= config->max_bps);
  CHECK(s.loss_based_bps >= config->min_bps && s.loss_based_bps <= config->max_bps);
  CHECK(s.state == PT_CONGESTION_HOLD || s.state == PT_CONGESTION_INCREASE || s.state == PT_CONGESTION_DECREASE);
  CHECK(s.usage == PT_CONGESTION_NORMAL || s.usage == PT_CONGESTION_OVERUSE || s.usage == PT_CONGESTION_UNDERUSE);
}

/* ---- a simulated network in virtual time ----
 * sender: an encoder making 30 fps frames at min(target, encoder max), split into packets of at most 1200 bytes,
 * paced at the pacing rate; a bottleneck link: capacity, FIFO queue with tail drop beyond 300 ms, optional random
 * loss, 20 ms propagation; a receiver reporting every 50 ms (each packet in two consecutive reports), the
 * reports taking 20 ms back, optionally lost, duplicated, delayed (reordered), shuffled, on an offset clock. */

#define SIM_STEP_MS 1.0
#define SIM_PACKET 1200
#define SIM_QUEUE_LIMIT_MS 300.0
#define SIM_PROPAGATION_MS 20.0
#define SIM_REPORT_MS 50.0
#define SIM_FIRST_SEQ 65000u /* wraps early */
#define SIM_MAX_PACKETS 200000
#define SIM_RING 8192
#define SIM_MAX_ENTRIES 2048
#define SIM_REPORT_POOL 16

typedef struct sim_options {
  double min_bps, start_bps, max_bps;
  double encoder_max_bps;
  double random_loss;     /* probability a packet is lost on the link */
  double reorder;         /* probability a packet is held 10 ms more after the bottleneck (arrives out of order) */
  double report_loss;     /* probability a report is lost */
  double report_duplicate;
  double report_jitter_ms; /* extra delay of a report, uniform in [0, this): reorders them */
  int shuffle;            /* entries of a report in random order */
  int repeat;             /* each packet in two consecutive reports (else once, plus late arrivals again) */
  int junk;               /* add garbage entries to some reports */
  double clock_offset_ms; /* receiver clock minus sender clock */
  uint64_t seed;
} sim_options;

typedef struct sim_packet {
  int64_t id;
  double bytes;
  double time_ms;        /* in the pacer: when the encoder made it */
  double remaining_bits; /* in the link queue: what is left to serialize */
} sim_packet;

typedef struct sim_report {
  int used;
  double due_ms;
  size_t count;
  pt_congestion_arrival entries[SIM_MAX_ENTRIES];
} sim_report;

typedef struct sim {
  sim_options o;
  pt_congestion_config config;
  pt_congestion *cc;
  uint64_t rng;
  double now_ms;
  double capacity_bps;
  double next_frame_ms;
  int64_t next_id;
  sim_packet pacer[SIM_RING];
  size_t pacer_head, pacer_count;
  double pacer_next_ms;
  sim_packet link[SIM_RING];
  size_t link_head, link_count;
  double link_time_ms, link_bits;
  struct {
    int64_t id;
    double arrival_ms;
  } flight[SIM_RING]; /* between the bottleneck and the receiver, in no particular order */
  size_t flight_count;
  double arrived[SIM_MAX_PACKETS]; /* sender clock; < 0 not arrived */
  int64_t highest, reported_top[2], late_min;
  sim_report reports[SIM_REPORT_POOL];
  double dropped_queue; /* tail drops */
} sim;

static sim the_sim;

static sim *sim_start(const sim_options *o, double capacity_bps) {
  sim *s = &the_sim;
  memset(s, 0, sizeof *s);
  s->o = *o;
  s->config = config_of(o->min_bps, o->start_bps, o->max_bps);
  CHECK_EQ(pt_congestion_create(&s->cc, &s->config), PT_OK);
  s->rng = o->seed;
  s->capacity_bps = capacity_bps;
  for (size_t i = 0; i < SIM_MAX_PACKETS; i++) s->arrived[i] = -1;
  s->highest = s->reported_top[0] = s->reported_top[1] = -1;
  s->late_min = INT64_MAX;
  return s;
}

static void sim_stop(sim *s) {
  pt_congestion_destroy(s->cc);
  s->cc = NULL;
}

static double sim_queue_ms(const sim *s) { return s->link_bits / s->capacity_bps * 1000.0; }

static void sim_deliver(sim *s, const sim_packet *p, double done_ms) {
  CHECK(s->flight_count < SIM_RING);
  size_t i = s->flight_count++;
  s->flight[i].id = p->id;
  s->flight[i].arrival_ms = done_ms + SIM_PROPAGATION_MS;
  if (s->o.reorder > 0 && rng_uniform(&s->rng) < s->o.reorder) s->flight[i].arrival_ms += 10;
}

/* Serves the bottleneck queue up to to_ms. */
static void sim_link_advance(sim *s, double to_ms) {
  while (s->link_count > 0) {
    sim_packet *head = &s->link[s->link_head];
    double finish = s->link_time_ms + head->remaining_bits / s->capacity_bps * 1000.0;
    if (finish > to_ms) {
      double served = (to_ms - s->link_time_ms) * s->capacity_bps / 1000.0;
      head->remaining_bits -= served;
      s->link_bits -= served;
      break;
    }
    s->link_bits -= head->remaining_bits;
    s->link_time_ms = finish;
    sim_deliver(s, head, finish);
    s->link_head = (s->link_head + 1) % SIM_RING;
    s->link_count--;
  }
  if (s->link_count == 0) s->link_bits = 0;
  s->link_time_ms = to_ms;
}

static void sim_send(sim *s, const sim_packet *p, double at_ms) {
  pt_congestion_on_sent(s->cc, (uint16_t)(SIM_FIRST_SEQ + (uint64_t)p->id), (size_t)p->bytes, at_ms, 0);
  sim_link_advance(s, at_ms);
  if (s->o.random_loss > 0 && rng_uniform(&s->rng) < s->o.random_loss) return;
  if (sim_queue_ms(s) > SIM_QUEUE_LIMIT_MS) {
    s->dropped_queue++;
    return;
  }
  CHECK(s->link_count < SIM_RING);
  sim_packet *q = &s->link[(s->link_head + s->link_count++) % SIM_RING];
  *q = *p;
  q->remaining_bits = p->bytes * 8;
  s->link_bits += q->remaining_bits;
}

static void sim_encode(sim *s, double at_ms) {
  double rate = pt_congestion_target_bps(s->cc);
  if (rate > s->o.encoder_max_bps) rate = s->o.encoder_max_bps;
  double bytes = rate / 30.0 / 8.0;
  if (bytes < 1) bytes = 1;
  size_t n = (size_t)((bytes + SIM_PACKET - 1) / SIM_PACKET);
  if (n < 1) n = 1;
  for (size_t i = 0; i < n; i++) {
    CHECK(s->pacer_count < SIM_RING && s->next_id < SIM_MAX_PACKETS);
    sim_packet *p = &s->pacer[(s->pacer_head + s->pacer_count++) % SIM_RING];
    p->id = s->next_id++;
    p->bytes = (double)(size_t)(bytes / (double)n + 0.5);
    p->time_ms = at_ms;
  }
}

static void sim_report_add(sim *s, const sim_report *r, double due_ms) {
  for (size_t i = 0; i < SIM_REPORT_POOL; i++) {
    if (s->reports[i].used) continue;
    s->reports[i] = *r;
    s->reports[i].used = 1;
    s->reports[i].due_ms = due_ms;
    return;
  }
  CHECK(!"report pool full");
}

static sim_report scratch_report;

static void sim_receiver_report(sim *s, double at_ms) {
  for (size_t i = 0; i < s->flight_count;) {
    if (s->flight[i].arrival_ms > at_ms) {
      i++;
      continue;
    }
    int64_t id = s->flight[i].id;
    s->arrived[id] = s->flight[i].arrival_ms;
    if (id <= s->reported_top[0] && id < s->late_min) s->late_min = id; /* reported missing before: again */
    if (id > s->highest) s->highest = id;
    s->flight[i] = s->flight[--s->flight_count];
  }
  int64_t from = (s->o.repeat ? s->reported_top[1] : s->reported_top[0]) + 1;
  if (s->late_min < from) from = s->late_min;
  if (s->highest - from + 1 > SIM_MAX_ENTRIES) from = s->highest - SIM_MAX_ENTRIES + 1;
  s->reported_top[1] = s->reported_top[0];
  s->reported_top[0] = s->highest;
  s->late_min = INT64_MAX;
  sim_report *r = &scratch_report;
  r->count = 0;
  for (int64_t id = from; id <= s->highest; id++) {
    pt_congestion_arrival *e = &r->entries[r->count++];
    e->seq = (uint16_t)(SIM_FIRST_SEQ + (uint64_t)id);
    e->received = s->arrived[id] >= 0;
    e->arrival_ms = e->received ? s->arrived[id] + s->o.clock_offset_ms : 0;
  }
  if (s->o.junk && rng_uniform(&s->rng) < 0.2) {
    static const double junk_times[] = {NAN, INFINITY, -INFINITY, -1e300, 1e300, 1e15, -1e15, 0};
    for (int k = 0; k < 6 && r->count < SIM_MAX_ENTRIES; k++) {
      pt_congestion_arrival *e = &r->entries[r->count++];
      uint64_t x = rng_next(&s->rng);
      e->seq = (uint16_t)x;
      e->received = (int)((x >> 16) & 1);
      e->arrival_ms = junk_times[(x >> 17) % 8];
    }
  }
  if (r->count == 0) return;
  if (s->o.shuffle)
    for (size_t i = r->count - 1; i > 0; i--) {
      size_t j = (size_t)(rng_next(&s->rng) % (i + 1));
      pt_congestion_arrival t = r->entries[i];
      r->entries[i] = r->entries[j];
      r->entries[j] = t;
    }
  if (s->o.report_loss > 0 && rng_uniform(&s->rng) < s->o.report_loss) return;
  double jitter = s->o.report_jitter_ms > 0 ? rng_uniform(&s->rng) * s->o.report_jitter_ms : 0;
  sim_report_add(s, r, at_ms + SIM_PROPAGATION_MS + jitter);
  if (s->o.report_duplicate > 0 && rng_uniform(&s->rng) < s->o.report_duplicate)
    sim_report_add(s, r, at_ms + SIM_PROPAGATION_MS + jitter + rng_uniform(&s->rng) * 30.0);
}

/* Advances virtual time by one step. */
static void sim_step(sim *s) {
  double t0 = s->now_ms, t1 = s->now_ms + SIM_STEP_MS;
  /* reports due in this step, earliest first */
  for (;;) {
    sim_report *due = NULL;
    for (size_t i = 0; i < SIM_REPORT_POOL; i++)
      if (s->reports[i].used && s->reports[i].due_ms < t1 && (!due || s->reports[i].due_ms < due->due_ms))
        due = &s->reports[i];
    if (!due) break;
    pt_congestion_on_report(s->cc, due->entries, due->count, due->due_ms);
    due->used = 0;
  }
  if ((int64_t)t0 % 500 == 0) pt_congestion_on_rtt(s->cc, 2 * SIM_PROPAGATION_MS + sim_queue_ms(s), t0);
  while (s->next_frame_ms < t1) {
    sim_encode(s, s->next_frame_ms);
    s->next_frame_ms += 1000.0 / 30.0;
  }
  while (s->pacer_count > 0) {
    sim_packet *p = &s->pacer[s->pacer_head];
    double at = p->time_ms > s->pacer_next_ms ? p->time_ms : s->pacer_next_ms;
    if (at >= t1) break;
    sim_packet copy = *p;
    s->pacer_head = (s->pacer_head + 1) % SIM_RING;
    s->pacer_count--;
    sim_send(s, &copy, at);
    s->pacer_next_ms = at + copy.bytes * 8.0 / pt_congestion_pacing_bps(s->cc) * 1000.0;
  }
  sim_link_advance(s, t1);
  if ((int64_t)t0 % (int64_t)SIM_REPORT_MS == 0) sim_receiver_report(s, t0);
  s->now_ms = t1;
  check_sane(s->cc, &s->config);
}

static void sim_print(const sim *s, const char *label) {
  pt_congestion_stats st;
  pt_congestion_stats_of(s->cc, &st);
  static const char *states[] = {"hold", "increase", "decrease"};
  fprintf(stderr,
          "  %-9s t=%5.1fs capacity=%4.2f target=%5.3f delay=%5.3f loss-based=%5.3f acked=%5.3f Mbit/s "
          "loss=%4.1f%% queue=%5.1fms rtt=%5.1fms %s\n",
          label, s->now_ms / 1000.0, s->capacity_bps / 1e6, st.target_bps / 1e6, st.delay_based_bps / 1e6,
          st.loss_based_bps / 1e6, st.acked_bps / 1e6, st.loss_fraction * 100.0, sim_queue_ms(s), st.rtt_ms,
          states[st.state]);
}

static sim_options default_options(void) {
  sim_options o;
  memset(&o, 0, sizeof o);
  o.min_bps = 100e3;
  o.start_bps = 1e6;
  o.max_bps = 20e6;
  o.encoder_max_bps = 4e6;
  o.repeat = 1;
  o.seed = 1;
  return o;
}

/* 5 Mbit/s for 20 s, 1 Mbit/s for 10 s, 5 Mbit/s for 20 s. */
static void run_capacity_steps(const sim_options *o, const char *label) {
  fprintf(stderr, "%s\n", label);
  sim *s = sim_start(o, 5e6);
  double reach_ms = -1, max_queue_1 = 0, below_ms = -1, max_queue_2 = 0, drained_ms = -1, back_ms = -1,
         max_queue_3 = 0, max_target_2 = 0;
  int drain_paced = 0; /* seen pacing at the drain factor after the cut */
  while (s->now_ms < 50000) {
    double t = s->now_ms;
    if (t == 20000) {
      sim_link_advance(s, t);
      s->capacity_bps = 1e6;
    }
    if (t == 30000) {
      sim_link_advance(s, t);
      s->capacity_bps = 5e6;
    }
    sim_step(s);
    double target = pt_congestion_target_bps(s->cc), queue = sim_queue_ms(s);
    t = s->now_ms;
    if (t <= 20000) {
      if (reach_ms < 0 && target >= 3e6) reach_ms = t;
      if (queue > max_queue_1) max_queue_1 = queue;
    } else if (t <= 30000) {
      if (below_ms < 0 && target <= 1.1e6) below_ms = t - 20000;
      if (pt_congestion_draining(s->cc) && target * PT_CONGESTION_DRAIN_PACING_FACTOR > PT_CONGESTION_PACING_FLOOR_BPS &&
          pt_congestion_pacing_bps(s->cc) == target * PT_CONGESTION_DRAIN_PACING_FACTOR)
        drain_paced = 1;
      if (t >= 22000 && target > max_target_2) max_target_2 = target;
      if (queue >= 100) drained_ms = -1;
      else if (drained_ms < 0) drained_ms = t - 20000;
      if (t >= 22000 && queue > max_queue_2) max_queue_2 = queue;
    } else {
      if (back_ms < 0 && target > 2.5e6) back_ms = t - 30000;
      if (queue > max_queue_3) max_queue_3 = queue;
    }
    if ((int64_t)t % 2500 == 0 || t == 20100 || t == 20300 || t == 20500 || t == 21000 || t == 21500)
      sim_print(s, label);
  }
  fprintf(stderr,
          "  summary: >=3 Mbit/s at %.1f s, max queue %.0f ms (5 Mbit/s); cut: <=1.1 Mbit/s after %.2f s, queue "
          "<100 ms for good after %.2f s, then max queue %.0f ms, max target %.2f Mbit/s; restored: >2.5 Mbit/s "
          "after %.1f s, max queue %.0f ms; dropped %.0f at the queue\n",
          reach_ms / 1000, max_queue_1, below_ms / 1000, drained_ms / 1000, max_queue_2, max_target_2 / 1e6,
          back_ms / 1000, max_queue_3, s->dropped_queue);
  CHECK(reach_ms >= 0 && reach_ms <= 15000);
  CHECK(max_queue_1 < 100);
  CHECK(below_ms >= 0 && below_ms <= 600); /* the last 150 ms of arrivals say what the bottleneck carries now */
  CHECK(drain_paced);
  /* uncongested again long since: the usual pacing */
  CHECK(!pt_congestion_draining(s->cc));
  CHECK(pt_congestion_pacing_bps(s->cc) == pt_congestion_usual_pacing_bps(s->cc));
  CHECK(drained_ms >= 0 && drained_ms <= 2000);
  CHECK(max_queue_2 < 100);
  CHECK(back_ms >= 0 && back_ms <= 20000);
  CHECK(max_queue_3 < 100);
  sim_stop(s);
}

static void test_capacity_steps(void) {
  sim_options o = default_options();
  run_capacity_steps(&o, "clean");
}

static void test_capacity_steps_messy_feedback(void) {
  sim_options o = default_options();
  o.report_loss = 0.1;
  o.report_duplicate = 0.1;
  o.report_jitter_ms = 60; /* reports overtake one another */
  o.shuffle = 1;
  o.reorder = 0.02; /* some packets reported missing, then received */
  o.clock_offset_ms = 1e6;
  o.seed = 7;
  run_capacity_steps(&o, "messy");
}

static void test_capacity_steps_report_gaps(void) {
  sim_options o = default_options();
  o.repeat = 0; /* what a lost report carried is lost */
  o.report_loss = 0.15;
  o.report_jitter_ms = 30;
  o.clock_offset_ms = 1e6;
  o.seed = 5;
  run_capacity_steps(&o, "gaps");
}

static void test_capacity_steps_junk(void) {
  sim_options o = default_options();
  o.junk = 1;
  o.clock_offset_ms = -123456.789;
  o.seed = 11;
  run_capacity_steps(&o, "junk");
}

/* Random loss on a link with room to spare: moderate loss is not congestion; heavy loss cuts the rate. */
static double run_random_loss(double loss, double *min_after_10s) {
  sim_options o = default_options();
  o.encoder_max_bps = 2e6;
  o.random_loss = loss;
  o.seed = 3;
  char label[32];
  snprintf(label, sizeof label, "loss %.0f%%", loss * 100);
  fprintf(stderr, "%s\n", label);
  sim *s = sim_start(&o, 5e6);
  *min_after_10s = DBL_MAX;
  while (s->now_ms < 30000) {
    sim_step(s);
    double target = pt_congestion_target_bps(s->cc);
    if (s->now_ms >= 10000 && target < *min_after_10s) *min_after_10s = target;
    if ((int64_t)s->now_ms % 5000 == 0) sim_print(s, label);
  }
  double at_end = pt_congestion_target_bps(s->cc);
  sim_stop(s);
  return at_end;
}

static void test_random_loss(void) {
  double min5, min20;
  run_random_loss(0.05, &min5);
  fprintf(stderr, "  summary: 5%% random loss: min target after 10 s %.3f Mbit/s\n", min5 / 1e6);
  CHECK(min5 >= 1.5e6);
  double end20 = run_random_loss(0.20, &min20);
  fprintf(stderr, "  summary: 20%% random loss: target at 30 s %.3f Mbit/s (min after 10 s %.3f)\n", end20 / 1e6,
          min20 / 1e6);
  CHECK(min20 < 0.5e6);
  CHECK(end20 < 0.5e6);
}

/* An encoder that makes less than the target: the estimate stays near what is actually carried. */
static void test_application_limited(void) {
  sim_options o = default_options();
  o.start_bps = 300e3;
  o.encoder_max_bps = 300e3;
  fprintf(stderr, "app-limited\n");
  sim *s = sim_start(&o, 5e6);
  double max_target = 0;
  while (s->now_ms < 30000) {
    sim_step(s);
    double target = pt_congestion_target_bps(s->cc);
    if (target > max_target) max_target = target;
    if ((int64_t)s->now_ms % 5000 == 0) sim_print(s, "app-lim");
  }
  fprintf(stderr, "  summary: encoder 300 kbit/s: max target %.0f kbit/s (1.5 x 300 + 10 = 460)\n", max_target / 1e3);
  CHECK(max_target <= 1.5 * 300e3 * 1.05 + 10e3);
  CHECK(max_target >= 400e3);
  sim_stop(s);
}

/* ---- unit tests of the API ---- */

/* A path that stops carrying anything (every packet lost, so no reports) for 2 s: the estimate is halved each
 * silence interval; when the path comes back it climbs back quickly toward what the path carried before. */
static void test_silence_and_recovery(void) {
  sim_options o = default_options();
  sim *s = sim_start(&o, 5e6);
  while (s->now_ms < 20000) sim_step(s);
  double before = pt_congestion_target_bps(s->cc);
  sim_print(s, "before");
  s->o.random_loss = 1.0;
  while (s->now_ms < 22000) sim_step(s);
  double blocked = pt_congestion_target_bps(s->cc);
  sim_print(s, "blocked");
  CHECK(blocked <= before / 4);
  s->o.random_loss = 0;
  double back_ms = -1;
  while (s->now_ms < 40000) {
    sim_step(s);
    if (back_ms < 0 && pt_congestion_target_bps(s->cc) >= before / 2) back_ms = s->now_ms - 22000;
  }
  sim_print(s, "after");
  fprintf(stderr, "  summary: %.2f Mbit/s before, %.2f after 2 s blocked, back to half of it %.1f s after the path returned\n",
          before / 1e6, blocked / 1e6, back_ms / 1000);
  CHECK(back_ms >= 0 && back_ms <= 12000);
  sim_stop(s);
}

static void test_create(void) {
  pt_congestion *c = (pt_congestion *)&c;
  pt_congestion_config good = config_of(100e3, 1e6, 10e6);
  CHECK_EQ(pt_congestion_create(NULL, &good), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_congestion_create(&c, NULL), PT_ERR_INVALID_ARGUMENT);
  CHECK(c == NULL);
  pt_congestion_config bad[] = {config_of(0, 1e6, 10e6),      config_of(100e3, 50e3, 10e6),
                                config_of(100e3, 20e6, 10e6), config_of(NAN, 1e6, 10e6),
                                config_of(100e3, 1e6, INFINITY), config_of(-1, 1e6, 10e6),
                                config_of(2e6, 1e6, 1e6)};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    CHECK_EQ(pt_congestion_create(&c, &bad[i]), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_congestion_create(&c, &good), PT_OK);
  CHECK(pt_congestion_target_bps(c) == 1e6);
  CHECK(pt_congestion_pacing_bps(c) == 2.5e6);
  pt_congestion_stats s;
  pt_congestion_stats_of(c, &s);
  CHECK(s.target_bps == 1e6 && s.delay_based_bps == 1e6 && s.loss_based_bps == 1e6);
  CHECK(s.state == PT_CONGESTION_HOLD && s.usage == PT_CONGESTION_NORMAL && s.acked_bps == 0 && s.rtt_ms == 0);
  pt_congestion_destroy(c);
  /* a low target still paces at the floor; one config value */
  pt_congestion_config low = config_of(50e3, 50e3, 50e3);
  CHECK_EQ(pt_congestion_create(&c, &low), PT_OK);
  CHECK(pt_congestion_pacing_bps(c) == PT_CONGESTION_PACING_FLOOR_BPS);
  pt_congestion_on_rtt(c, 50, 0);
  pt_congestion_on_rtt(c, 90, 1);
  pt_congestion_on_rtt(c, NAN, 2);
  pt_congestion_on_rtt(c, -3, 3);
  pt_congestion_stats_of(c, &s);
  CHECK(s.rtt_ms == 55);
  pt_congestion_destroy(c);
  /* NULL is harmless everywhere */
  pt_congestion_destroy(NULL);
  pt_congestion_on_sent(NULL, 1, 100, 0, 0);
  pt_congestion_on_report(NULL, NULL, 3, 0);
  pt_congestion_on_rtt(NULL, 10, 0);
  CHECK(pt_congestion_target_bps(NULL) == 0 && pt_congestion_pacing_bps(NULL) == 0);
  pt_congestion_stats_of(NULL, &s);
  CHECK(s.target_bps == 0);
}

/* Loss counts each packet once, lets a late "received" replace "not received" (never the reverse), and ignores
 * unknown numbers and duplicate reports. */
static void test_loss_accounting(void) {
  pt_congestion_config config = config_of(100e3, 1e6, 10e6);
  pt_congestion *c;
  CHECK_EQ(pt_congestion_create(&c, &config), PT_OK);
  for (int i = 0; i < 100; i++) pt_congestion_on_sent(c, (uint16_t)(65500 + i), 1000, 10.0 * i, 0); /* wraps */
  pt_congestion_arrival e[60];
  for (int i = 0; i < 50; i++) {
    e[i].seq = (uint16_t)(65500 + i);
    e[i].received = i < 10 || i >= 20;
    e[i].arrival_ms = 5000.0 + 10.0 * i;
  }
  pt_congestion_on_report(c, e, 50, 520);
  pt_congestion_stats s;
  pt_congestion_stats_of(c, &s);
  CHECK(s.reports == 1 && s.ignored == 0);
  CHECK(s.loss_fraction > 0.199 && s.loss_fraction < 0.201);
  /* the same report again changes nothing */
  pt_congestion_on_report(c, e, 50, 530);
  pt_congestion_stats_of(c, &s);
  CHECK(s.reports == 1 && s.loss_fraction > 0.199 && s.loss_fraction < 0.201);
  /* half of the missing ones arrived late after all; a stale "not received" for the others changes nothing */
  for (int i = 0; i < 10; i++) {
    e[i].seq = (uint16_t)(65510 + i);
    e[i].received = i < 5;
    e[i].arrival_ms = 5600.0 + i;
  }
  e[10].seq = (uint16_t)(65500 + 30); /* received before: a later "not received" does not undo it */
  e[10].received = 0;
  e[11].seq = (uint16_t)(65500 + 500); /* never sent */
  e[11].received = 1;
  e[11].arrival_ms = 6000;
  e[12].seq = (uint16_t)(65500 + 100 - 30000); /* far in the past */
  e[12].received = 1;
  e[12].arrival_ms = 6000;
  pt_congestion_on_report(c, e, 13, 560);
  pt_congestion_stats_of(c, &s);
  CHECK(s.reports == 2 && s.ignored == 2);
  CHECK(s.loss_fraction > 0.099 && s.loss_fraction < 0.101);
  check_sane(c, &config);
  pt_congestion_destroy(c);
}

/* Retransmissions count as delivered bytes but say nothing about delay; media packets with a growing delay do. */
static void test_retransmission_not_delay(void) {
  pt_congestion_config config = config_of(100e3, 2e6, 10e6);
  for (int retransmission = 0; retransmission <= 1; retransmission++) {
    pt_congestion *c;
    CHECK_EQ(pt_congestion_create(&c, &config), PT_OK);
    uint16_t seq = 0;
    double now = 0;
    for (int report = 0; report < 40; report++) {
      pt_congestion_arrival e[10];
      for (int i = 0; i < 10; i++) {
        now = 50.0 * report + 5.0 * i;
        pt_congestion_on_sent(c, seq, 1000, now, retransmission);
        e[i].seq = seq++;
        e[i].received = 1;
        e[i].arrival_ms = 777 + now * 1.5; /* arrivals spread 1.5 x the sending: a queue builds */
      }
      pt_congestion_on_report(c, e, 10, now + 100);
    }
    pt_congestion_stats s;
    pt_congestion_stats_of(c, &s);
    CHECK(s.acked_bps > 1.0e6 && s.acked_bps < 1.2e6); /* 1000 bytes per 7.5 ms of arrival */
    if (retransmission) {
      CHECK(s.trend == 0 && s.usage == PT_CONGESTION_NORMAL);
    } else {
      CHECK(s.trend > 0.25 && s.usage == PT_CONGESTION_OVERUSE);
      CHECK(s.delay_based_bps < 1e6); /* 0.85 x the received rate */
    }
    check_sane(c, &config);
    pt_congestion_destroy(c);
  }
}

/* A resend under the original number (no RTX stream) is delivered bytes, but its first copy counts as lost. */
static void test_resend_same_number(void) {
  pt_congestion_config config = config_of(100e3, 1e6, 10e6);
  pt_congestion *c;
  CHECK_EQ(pt_congestion_create(&c, &config), PT_OK);
  pt_congestion_arrival e[40];
  for (int i = 0; i < 40; i++) {
    pt_congestion_on_sent(c, (uint16_t)(1000 + i), 1000, 10.0 * i, 0);
    e[i].seq = (uint16_t)(1000 + i);
    e[i].received = i < 10 || i >= 15;
    e[i].arrival_ms = 20.0 + 10.0 * i;
  }
  pt_congestion_on_report(c, e, 40, 420);
  pt_congestion_stats s;
  pt_congestion_stats_of(c, &s);
  CHECK(s.loss_fraction == 5.0 / 40);
  for (int i = 10; i < 15; i++) pt_congestion_on_sent(c, (uint16_t)(1000 + i), 1000, 430, 1);
  for (int i = 0; i < 5; i++) {
    e[i].seq = (uint16_t)(1010 + i);
    e[i].received = 1;
    e[i].arrival_ms = 455.0 + i;
  }
  pt_congestion_on_report(c, e, 5, 480);
  pt_congestion_stats_of(c, &s);
  CHECK(s.loss_fraction == 5.0 / 40); /* still lost the first time */
  CHECK(s.reports == 2 && s.acked_bps > 0 && s.timing_rejected == 0);
  check_sane(c, &config);
  pt_congestion_destroy(c);
}

/* A resend of a packet merely overtaken (NACKed before it arrived): reported received sooner after the resend
 * than anything ever crossed the path, so the first copy arrived and nothing was lost; one reported later may
 * be the resend, and counts as lost. */
static void test_needless_resend(void) {
  for (int late = 0; late <= 1; late++) {
    pt_congestion_config config = config_of(100e3, 1e6, 10e6);
    pt_congestion *c;
    CHECK_EQ(pt_congestion_create(&c, &config), PT_OK);
    pt_congestion_arrival e[40];
    size_t n = 0;
    for (int i = 0; i < 40; i++) {
      pt_congestion_on_sent(c, (uint16_t)(1000 + i), 1000, 10.0 * i, 0);
      if (i >= 10 && i < 15) continue; /* not reported yet: overtaken */
      e[n++] = (pt_congestion_arrival){(uint16_t)(1000 + i), 1, 20.0 + 10.0 * i}; /* one way: 20 ms */
    }
    pt_congestion_on_report(c, e, n, 420);
    for (int i = 10; i < 15; i++) pt_congestion_on_sent(c, (uint16_t)(1000 + i), 1000, 430, 1);
    for (int i = 0; i < 5; i++) {
      /* first copies arrived at 120..160 (before the resend left); resends arrive 20 ms after 430 at best */
      e[i] = (pt_congestion_arrival){(uint16_t)(1010 + i), 1, late ? 455.0 + i : 120.0 + 10.0 * i};
    }
    pt_congestion_on_report(c, e, 5, 480);
    pt_congestion_stats s;
    pt_congestion_stats_of(c, &s);
    CHECK(s.loss_fraction == (late ? 5.0 / 40 : 0));
    check_sane(c, &config);
    pt_congestion_destroy(c);
  }
}

/* The sender's numbering restarting far back: the controller follows it. */
static void test_sequence_restart(void) {
  pt_congestion_config config = config_of(100e3, 1e6, 10e6);
  pt_congestion *c;
  CHECK_EQ(pt_congestion_create(&c, &config), PT_OK);
  pt_congestion_arrival e[100];
  double now = 0;
  for (int round = 0; round < 2; round++) {
    uint16_t first = round == 0 ? 50000 : 30000; /* 20,000 back: far behind the history */
    for (int i = 0; i < 100; i++, now += 10) {
      pt_congestion_on_sent(c, (uint16_t)(first + i), 1000, now, 0);
      e[i].seq = (uint16_t)(first + i);
      e[i].received = i % 10 != round;
      e[i].arrival_ms = 5000 + now;
    }
    pt_congestion_on_report(c, e, 100, now + 20);
    pt_congestion_stats s;
    pt_congestion_stats_of(c, &s);
    CHECK(s.reports == round + 1 && s.ignored == 0);
    CHECK(s.loss_fraction > 0.09 && s.loss_fraction < 0.11);
  }
  check_sane(c, &config);
  pt_congestion_destroy(c);
}

/* Garbage in: huge sequence jumps, times going backwards or not finite, absurd sizes. */
static void test_garbage(void) {
  static const double times[] = {NAN, INFINITY, -INFINITY, 1e300, -1e300, 1e16, -1e16, DBL_MAX, -0.0, DBL_MIN};
  pt_congestion_config config = config_of(30e3, 500e3, 8e6);
  pt_congestion *c;
  CHECK_EQ(pt_congestion_create(&c, &config), PT_OK);
  uint64_t rng = 99;
  uint16_t seq = 0;
  double now = 0;
  static pt_congestion_arrival e[3000];
  for (int round = 0; round < 3000; round++) {
    uint64_t x = rng_next(&rng);
    now += (double)(x % 40) - 5; /* sometimes backwards */
    double at = (x >> 8) % 17 == 0 ? times[(x >> 16) % 10] : now;
    int jump = (x >> 20) % 23 == 0;
    seq = jump ? (uint16_t)(x >> 24) : (uint16_t)(seq + 1);
    size_t bytes = (x >> 40) % 31 == 0 ? SIZE_MAX : (size_t)((x >> 40) % 1500);
    pt_congestion_on_sent(c, seq, bytes, at, (int)((x >> 50) % 7 == 0));
    check_sane(c, &config);
    if (round % 10 == 9) {
      size_t n = (size_t)(rng_next(&rng) % 3000);
      for (size_t i = 0; i < n; i++) {
        uint64_t y = rng_next(&rng);
        e[i].seq = (y & 1) ? (uint16_t)(seq - (y >> 1) % 40) : (uint16_t)(y >> 1);
        e[i].received = (int)((y >> 20) % 4 != 0);
        e[i].arrival_ms = (y >> 24) % 9 == 0 ? times[(y >> 30) % 10] : 1e6 + now - (double)((y >> 32) % 400);
      }
      pt_congestion_on_report(c, e, n, (x >> 60) == 0 ? NAN : now);
      check_sane(c, &config);
    }
    if (round % 50 == 0) {
      pt_congestion_on_rtt(c, times[(x >> 4) % 10], at);
      pt_congestion_on_rtt(c, (double)(x % 500), now);
      check_sane(c, &config);
    }
  }
  /* a sudden and lasting jump of the receiver's clock: dropped at first, then re-anchored */
  for (int i = 0; i < 200; i++) {
    now += 5;
    seq++;
    pt_congestion_on_sent(c, seq, 1000, now, 0);
    e[0].seq = seq;
    e[0].received = 1;
    e[0].arrival_ms = (i < 100 ? 0 : 1e9) + now;
    pt_congestion_on_report(c, e, 1, now + 30);
    check_sane(c, &config);
  }
  pt_congestion_stats s;
  pt_congestion_stats_of(c, &s);
  CHECK(s.timing_rejected > 0 && s.ignored > 0 && s.acked_bps > 0);
  pt_congestion_on_report(c, NULL, 5, now);
  pt_congestion_on_report(c, e, 0, now);
  check_sane(c, &config);
  pt_congestion_destroy(c);
}

/* Frames of 5 packets sent back to back every 33 ms for 3 s, each packet reported 20 ms after it left plus its
 * place in the frame times `spacing_ms` (how the bottleneck spread the pair), a share `lost` of them not
 * received; returns pt_congestion_roomy at the end. */
static int roomy_after(double max_bps, double spacing_ms, double lost) {
  pt_congestion_config config = config_of(100e3, 1.5e6, max_bps);
  pt_congestion *c = NULL;
  CHECK_EQ(pt_congestion_create(&c, &config), PT_OK);
  CHECK(!pt_congestion_roomy(c)); /* nothing measured yet */
  uint64_t rng = 7;
  uint16_t seq = 0;
  for (double now = 0; now < 3000; now += 1000.0 / 30.0) {
    pt_congestion_arrival e[5];
    for (int i = 0; i < 5; i++) {
      pt_congestion_on_sent(c, seq, 1200, now, 0);
      e[i] = (pt_congestion_arrival){seq++, rng_uniform(&rng) >= lost, 1e5 + now + 20 + i * spacing_ms};
    }
    pt_congestion_on_report(c, e, 5, now + 30);
    check_sane(c, &config);
  }
  int roomy = pt_congestion_roomy(c);
  pt_congestion_destroy(c);
  return roomy;
}

/* Bursts are for a path far faster than the pacing rate that carries all the application asks, cleanly. */
static void test_roomy(void) {
  /* the stream starts at 1.5 Mbit/s: pacing at 3.75 */
  CHECK(roomy_after(1.5e6, 0, 0));     /* pairs arrive unspread: loopback or a fast LAN */
  CHECK(roomy_after(1.5e6, 0.5, 0));   /* 19 Mbit/s: over 4 x the 3.75 Mbit/s pacing rate */
  CHECK(!roomy_after(1.5e6, 1.92, 0)); /* a 5 Mbit/s bottleneck: a burst would queue there */
  CHECK(!roomy_after(1.5e6, 0, 0.05)); /* losing packets */
  CHECK(!roomy_after(20e6, 0, 0));     /* the target still below what the application allows */
  CHECK(!pt_congestion_roomy(NULL));
}

/* A packet every 10 ms for 1 s, each reported received 30 ms later (the least RTT 40 ms, from the sender's
 * reports); returns the controller and the next sequence number. */
static pt_congestion *streaming(uint16_t *seq, double *now) {
  pt_congestion_config config = config_of(100e3, 1e6, 2e6);
  pt_congestion *c = NULL;
  CHECK_EQ(pt_congestion_create(&c, &config), PT_OK);
  for (*now = 0; *now < 1000; *now += 10, (*seq)++) {
    pt_congestion_on_sent(c, *seq, 1200, *now, 0);
    pt_congestion_arrival e = {*seq, 1, 1e5 + *now + 20};
    pt_congestion_on_report(c, &e, 1, *now + 30);
    pt_congestion_on_rtt(c, *now < 500 ? 40 : 400, *now + 30); /* a queue builds: the smoothed RTT grows */
    CHECK(!pt_congestion_blocked(c, *now + 30));
  }
  return c;
}

/* The path is blocked once no report has said a packet arrived for max(500 ms, the least RTT + 250 ms) while
 * packets are out; reports of nothing but losses do not unblock it; a pause of the sender's own is no block. */
static void test_blocked(void) {
  uint16_t seq = 0;
  double now = 0;
  pt_congestion *c = streaming(&seq, &now);
  /* packets keep going out; nothing arrives (reports only say some were lost) */
  double last_arrival = now + 20;
  for (; now < 3000; now += 10, seq++) {
    pt_congestion_on_sent(c, seq, 1200, now, 0);
    if ((int)now % 100 == 0) {
      pt_congestion_arrival lost = {(uint16_t)(seq - 5), 0, 0};
      pt_congestion_on_report(c, &lost, 1, now);
    }
    /* the least RTT (40 ms), not the smoothed one (~400 ms): 500 ms (the edge within the reports' 30 ms) */
    if (now - last_arrival < 470) CHECK(!pt_congestion_blocked(c, now));
    if (now - last_arrival > 540) CHECK(pt_congestion_blocked(c, now));
  }
  CHECK(pt_congestion_blocked(c, now));
  CHECK(pt_congestion_blocked(c, -1)); /* an unusable time counts as the latest */
  /* an arrival is reported: moving again */
  pt_congestion_arrival e = {(uint16_t)(seq - 1), 1, 1e5 + now};
  pt_congestion_on_report(c, &e, 1, now + 30);
  CHECK(!pt_congestion_blocked(c, now + 30));
  pt_congestion_destroy(c);

  /* the sender pauses with everything reported: however long, no block until a packet goes out unreported */
  c = streaming(&seq, &now);
  CHECK(!pt_congestion_blocked(c, now + 5000));
  pt_congestion_on_sent(c, seq, 1200, now + 5000, 0);
  CHECK(!pt_congestion_blocked(c, now + 5400));
  CHECK(pt_congestion_blocked(c, now + 5600));
  pt_congestion_destroy(c);
  CHECK(!pt_congestion_blocked(NULL, 0));
}

int main(void) {
  RUN(test_create);
  RUN(test_loss_accounting);
  RUN(test_retransmission_not_delay);
  RUN(test_resend_same_number);
  RUN(test_needless_resend);
  RUN(test_sequence_restart);
  RUN(test_garbage);
  RUN(test_capacity_steps);
  RUN(test_capacity_steps_messy_feedback);
  RUN(test_capacity_steps_report_gaps);
  RUN(test_capacity_steps_junk);
  RUN(test_random_loss);
  RUN(test_application_limited);
  RUN(test_silence_and_recovery);
  RUN(test_roomy);
  RUN(test_blocked);
  return 0;
}
