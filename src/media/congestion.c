#include "media/congestion.h"

#include <math.h> /* isfinite only: the module calls no libm function */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "media/pair_rate.h"
#include "media/queue_delay.h"

/* Inter-arrival grouping (libwebrtc InterArrival). */
#define GROUP_SEND_MS 5.0         /* packets sent within this of a group's first belong to it */
#define BURST_ARRIVAL_MS 5.0      /* ... and so do packets arriving this close, earlier than sent spacing */
#define BURST_MAX_MS 100.0        /* a burst group spans at most this much arrival time */
#define ARRIVAL_JUMP_MS 3000.0    /* a group delay variation this large is a clock jump: start over */
#define REORDERED_RESET 3         /* this many groups in a row arriving before their predecessor: start over */
#define STREAM_GAP_MS 2000.0      /* no media sent for this long: start over */
/* Trendline and overuse detector (draft-ietf-rmcat-gcc-02 section 5.4, libwebrtc TrendlineEstimator). */
#define TREND_WINDOW 20
#define TREND_SMOOTHING 0.9
#define TREND_GAIN 4.0
#define TREND_MIN_DELTAS 60
#define TREND_MAX_DELTAS 1000
#define THRESHOLD_START 12.5
#define THRESHOLD_MIN 6.0
#define THRESHOLD_MAX 600.0
#define THRESHOLD_K_UP 0.0087
#define THRESHOLD_K_DOWN 0.039
#define THRESHOLD_MAX_OFFSET 15.0 /* trends further above the threshold (spikes) do not move it */
#define THRESHOLD_MAX_STEP_MS 100.0
#define OVERUSE_TIME_MS 10.0
/* AIMD rate control (section 6, libwebrtc AimdRateControl and LinkCapacityEstimator). */
#define BETA 0.85
#define QUEUE_DRAIN_MS 500.0      /* a decrease leaves room to drain the standing queue in about this long... */
#define MIN_DRAIN_SHARE 0.5       /* ...cutting at most to this share of 0.85 x the received rate */
#define INCREASE_LN 0.0769610411361284 /* ln(1.08): 8 % per second */
#define RECOVERY_LN 0.262364264467491  /* ln(1.3): 30 % per second, far below the capacity learned (after a collapse) */
#define MIN_INCREASE_BPS_PER_S 4000.0
#define THROUGHPUT_GAIN 1.5
#define THROUGHPUT_MARGIN_BPS 10000.0
#define RESPONSE_EXTRA_MS 100.0   /* the detector's own reaction time added to the RTT */
#define FRAME_RATE 30.0
#define PACKET_BITS (1200.0 * 8.0)
#define REDUCE_MIN_MS 10.0        /* a further decrease waits min(max(RTT, 10), 200) ms */
#define REDUCE_MAX_MS 200.0
#define INITIAL_REDUCE_MS 200.0   /* overuse before any received rate: halve at most this often */
#define CAPACITY_ALPHA 0.05
#define CAPACITY_DEV_MIN 0.4
#define CAPACITY_DEV_MAX 2.5
#define CAPACITY_DEV_START 0.4
/* Received rate. */
#define RATE_BIN_MS 50.0
#define RATE_WINDOW_BINS 10       /* 500 ms of complete bins */
#define RATE_BINS 16              /* ring: the window plus late reports */
#define RATE_MIN_SPAN_MS 250.0    /* the first measurement waits for this much arrival time */
#define RECENT_RATE_BINS 3        /* 150 ms: what a full bottleneck delivers now, for a decrease */
#define STALL_BINS 3              /* this many empty bins in a row (150 ms without an arrival): a stall, whose
                                     time a decrease leaves out of the received rate */
/* Loss-based bound (section 6 of the draft, libwebrtc SendSideBandwidthEstimation). */
#define LOSS_WINDOW_MS 500.0
#define LOSS_MAX_WINDOW_MS 2000.0
#define LOSS_MIN_PACKETS 20       /* look back past the window until this many have feedback */
#define LOSS_VALID_PACKETS 10     /* fewer than this: no loss information */
#define LOSS_HIGH 0.10
#define LOSS_LOW 0.02
#define RECOVERY_BELOW 0.5        /* "far below" the capacity learned */
#define PEAK_HALF_LIFE_MS 30000.0
#define SILENCE_MIN_MS 500.0      /* no report for this long (or 3 RTTs) while sending: halve the estimate */
#define BLOCKED_SLACK_MS 250.0    /* no arrival reported for this long beyond an RTT (at least SILENCE_MIN_MS): blocked */
#define LOSS_FLOOR_OF_ACKED 0.5   /* a loss-based decrease keeps at least this share of the received rate */
#define LOSS_OVERLOAD_SHARE 0.5   /* received below this share of what was sent and the target, with... */
#define LOSS_OVERLOAD 0.3         /* ...this much loss lately: the path is overloaded now */
#define RECENT_LOSS_MS 150.0     /* "lately": packets sent this long before the newest reported one... */
#define RECENT_LOSS_PACKETS 5     /* ...at least this many of them */
#define LOSS_DECREASE_MS 300.0    /* plus the RTT between two loss-based decreases */
#define MIN_COVERAGE 0.5          /* the received rate is scaled up for missing feedback by at most 2x */
/* Clocks. */
#define DEFAULT_RTT_MS 200.0
#define ROOMY_PAIR_RATE_FACTOR 4.0 /* a bottleneck this many times the pacing rate: a burst queues a quarter of its time */
#define MAX_RTT_MS 60000.0
#define MAX_TIME_MS 1e15          /* larger magnitudes are garbage (and would not fit the rate bins' int64) */
#define TIMING_JUMP_MS 5000.0
#define TIMING_REANCHOR 8
#define MAX_STEP_S 1.0            /* an increase step covers at most one second (gaps in the reports) */

enum { PKT_UNREPORTED = 0, PKT_LOST = 1, PKT_RECEIVED = 2 };

typedef struct pt_cc_packet {
  int64_t seq; /* extended sequence number; the slot is stale when it is not the one asked for */
  double send_ms;
  double bytes;
  double arrival_ms; /* receiver clock, when received with a usable time */
  double resent_ms;  /* when it was first sent again (resent) */
  uint8_t state;
  uint8_t retransmission; /* sent as a retransmission under its own number */
  uint8_t resent;         /* sent again under the same number: which copy arrived is unknown */
  uint8_t used;           /* the slot was ever written */
} pt_cc_packet;

typedef struct pt_cc_group {
  int valid;
  double first_send_ms, last_send_ms;
  double first_arrival_ms, last_arrival_ms;
} pt_cc_group;

struct pt_congestion {
  pt_congestion_config config;
  pt_cc_packet *packets; /* ring of PT_CONGESTION_HISTORY, indexed by extended sequence number */
  int64_t *fresh;        /* scratch: the media packets one report newly shows received */
  double now_ms;
  int have_now;
  int any_sent;
  int64_t highest_sent;
  int any_reported;
  int64_t highest_reported;
  double highest_reported_send_ms;

  /* the receiver's clock: arrival minus send time of the last usable arrival */
  int offset_valid;
  double offset_ms;
  int rejected_in_row;

  /* inter-arrival groups */
  pt_cc_group current, previous;
  int reordered_in_row;

  /* trendline */
  double trend_x[TREND_WINDOW], trend_y[TREND_WINDOW];
  int trend_count, trend_next;
  int first_arrival_valid;
  double first_arrival_ms;
  double accumulated_ms, smoothed_ms;
  int num_deltas;
  double trend, prev_trend, modified_trend;

  /* overuse detector */
  double threshold;
  int threshold_time_valid;
  double threshold_time_ms;
  double time_over_using; /* -1: not over */
  int overuse_count;
  int usage;

  /* received rate: bytes per 50 ms bin of arrival time */
  int rate_started;
  int64_t newest_bin;
  int64_t bin_id[RATE_BINS];
  double bin_bytes[RATE_BINS];
  double rate_first_arrival_ms;
  int acked_valid;
  double arrived_bps;  /* bytes reported received over the rate window */
  double arrived_unstalled_bps; /* the same over the window less its stalls (STALL_BINS empty bins or more) */
  double coverage;     /* share of recent packets whose fate is known: lost reports leave the rest unknown */
  double acked_bps;    /* arrived_bps corrected for coverage */
  int recent_valid;
  double recent_bps;   /* arrived over the last RECENT_RATE_BINS bins, each of them busy; corrected likewise */

  int loss_valid;
  double loss;
  double peak_bps, peak_ms; /* the highest received rate lately (halving every PEAK_HALF_LIFE_MS) */
  int report_seen;       /* a report arrived: silence after it means a blocked path */
  double last_report_ms, silence_cut_ms;
  double last_arrival_report_ms; /* the last report that said a packet arrived */
  double in_flight_since_ms; /* send time of the oldest packet no report has covered yet */
  int fresh_loss_valid;  /* loss among the packets sent since the last loss-based decrease */
  double fresh_loss;
  int recent_loss_valid; /* loss among the packets sent in the last RECENT_LOSS_MS before the newest reported */
  double recent_loss;
  double sent_bps;       /* what was sent over RECENT_LOSS_MS before the newest reported packet */

  int rtt_valid;
  double rtt_ms;
  double rtt_min_ms; /* the least sample: the path's own round trip, without the queues */

  /* AIMD */
  double delay_bps;
  int state;
  int last_change_valid, last_decrease_valid;
  double last_change_ms, last_decrease_ms;
  int capacity_valid;
  double capacity_kbps, capacity_dev;
  int draining; /* cut since the path was last seen uncongested: pacing at PT_CONGESTION_DRAIN_PACING_FACTOR */
  pt_queue_delay queue; /* the standing queue, from one-way delays */
  pt_pair_rate pairs;   /* the bottleneck's rate, from packets sent back to back */

  /* loss-based */
  double loss_bps;
  int loss_update_valid, loss_decrease_valid;
  double loss_update_ms, loss_decrease_ms;

  double target_bps;
  double reports, ignored, timing_rejected;
};

static double absolute(double x) { return x < 0 ? -x : x; }
static double minimum(double a, double b) { return a < b ? a : b; }
static double maximum(double a, double b) { return a > b ? a : b; }
static double clamp(double x, double lo, double hi) { return x < lo ? lo : (x > hi ? hi : x); }

/* e^x for |x| <= 1 by its series (no libm: the wasm build links none). */
static double exp_small(double x) {
  double sum = 1.0, term = 1.0;
  for (int n = 1; n < 20; n++) {
    term *= x / n;
    sum += term;
  }
  return sum;
}

/* sqrt(v) for finite v >= 0 by Newton's method after scaling into [0.25, 4]. */
static double square_root(double v) {
  if (!(v > 0) || !isfinite(v)) return v > 0 ? v : 0;
  double scale = 1.0;
  while (v > 4.0) {
    v /= 4.0;
    scale *= 2.0;
  }
  while (v < 0.25) {
    v *= 4.0;
    scale /= 2.0;
  }
  double r = 1.0;
  for (int i = 0; i < 8; i++) r = 0.5 * (r + v / r);
  return r * scale;
}

static int usable_time(double t) { return isfinite(t) && absolute(t) <= MAX_TIME_MS; }

/* The sender's clock at now_ms without moving it: never backwards; a bad value reads as the latest good one. */
static double clock_peek(const pt_congestion *c, double now_ms) {
  return usable_time(now_ms) && (!c->have_now || now_ms > c->now_ms) ? now_ms : c->now_ms;
}

/* The sender's clock, moved to now_ms (clock_peek's reading). */
static double clock_at(pt_congestion *c, double now_ms) {
  c->now_ms = clock_peek(c, now_ms);
  if (usable_time(now_ms)) c->have_now = 1;
  return c->now_ms;
}

static double rtt_of(const pt_congestion *c) { return c->rtt_valid ? c->rtt_ms : DEFAULT_RTT_MS; }

/* How long without any report halves the estimates (the path is blocked). */
static double silence_ms(const pt_congestion *c) { return maximum(SILENCE_MIN_MS, 3.0 * rtt_of(c)); }

/* Every packet sent has been covered by a report (or none was sent). */
static int all_reported(const pt_congestion *c) {
  return !c->any_sent || (c->any_reported && c->highest_reported >= c->highest_sent);
}

/* How long since `last` (a report, or one that said a packet arrived) while packets were out, at `now`: 0
 * before the first report and while everything sent is reported. Silence after the sender itself paused is
 * no sign: it counts from the first packet sent after the pause. */
static double quiet_ms(const pt_congestion *c, double last, double now) {
  if (!c->report_seen || all_reported(c)) return 0;
  double quiet = now - maximum(last, c->in_flight_since_ms);
  return quiet > 0 ? quiet : 0;
}

static pt_cc_packet *slot_of(const pt_congestion *c, int64_t seq) {
  int64_t n = (int64_t)PT_CONGESTION_HISTORY;
  return &c->packets[((seq % n) + n) % n];
}

/* The extended sequence number of seq closest to the newest sent one (RFC 3550 A.1). */
static int64_t extend(const pt_congestion *c, uint16_t seq) {
  uint16_t newest = (uint16_t)((uint64_t)c->highest_sent & 0xffffu);
  int32_t delta = (uint16_t)(seq - newest);
  if (delta >= 32768) delta -= 65536;
  return c->highest_sent + delta;
}

/* The packet sent with this sequence number, if still remembered. */
static pt_cc_packet *known(const pt_congestion *c, int64_t seq) {
  if (!c->any_sent || seq > c->highest_sent || seq <= c->highest_sent - (int64_t)PT_CONGESTION_HISTORY) return NULL;
  pt_cc_packet *p = slot_of(c, seq);
  return p->used && p->seq == seq ? p : NULL;
}

/* ---- delay-based: trendline and overuse detector ---- */

static void reset_delay(pt_congestion *c) {
  c->current.valid = 0;
  c->previous.valid = 0;
  c->reordered_in_row = 0;
  c->trend_count = 0;
  c->trend_next = 0;
  c->first_arrival_valid = 0;
  c->accumulated_ms = 0;
  c->smoothed_ms = 0;
  c->num_deltas = 0;
  c->trend = 0;
  c->prev_trend = 0;
  c->modified_trend = 0;
  c->threshold = THRESHOLD_START;
  c->threshold_time_valid = 0;
  c->time_over_using = -1;
  c->overuse_count = 0;
  c->usage = PT_CONGESTION_NORMAL;
}

/* Least-squares slope of the window; 0 when undefined. */
static int fit_slope(const pt_congestion *c, double *slope) {
  double xm = 0, ym = 0;
  for (int i = 0; i < TREND_WINDOW; i++) {
    xm += c->trend_x[i];
    ym += c->trend_y[i];
  }
  xm /= TREND_WINDOW;
  ym /= TREND_WINDOW;
  double num = 0, den = 0;
  for (int i = 0; i < TREND_WINDOW; i++) {
    num += (c->trend_x[i] - xm) * (c->trend_y[i] - ym);
    den += (c->trend_x[i] - xm) * (c->trend_x[i] - xm);
  }
  if (!(den > 1e-9)) return 0;
  double s = num / den;
  if (!isfinite(s)) return 0;
  *slope = s;
  return 1;
}

static void update_threshold(pt_congestion *c, double modified, double arrival_ms) {
  if (!c->threshold_time_valid) {
    c->threshold_time_valid = 1;
    c->threshold_time_ms = arrival_ms;
  }
  double m = absolute(modified);
  if (m > c->threshold + THRESHOLD_MAX_OFFSET) { /* a spike, e.g. a sudden capacity drop: do not adapt to it */
    c->threshold_time_ms = arrival_ms;
    return;
  }
  double k = m < c->threshold ? THRESHOLD_K_DOWN : THRESHOLD_K_UP;
  double dt = clamp(arrival_ms - c->threshold_time_ms, 0, THRESHOLD_MAX_STEP_MS);
  c->threshold = clamp(c->threshold + k * (m - c->threshold) * dt, THRESHOLD_MIN, THRESHOLD_MAX);
  c->threshold_time_ms = arrival_ms;
}

static void detect(pt_congestion *c, double send_delta, double arrival_ms) {
  if (c->num_deltas < 2) {
    c->usage = PT_CONGESTION_NORMAL;
    return;
  }
  double n = c->num_deltas < TREND_MIN_DELTAS ? c->num_deltas : TREND_MIN_DELTAS;
  double modified = n * c->trend * TREND_GAIN;
  c->modified_trend = modified;
  if (modified > c->threshold) {
    c->time_over_using = c->time_over_using < 0 ? send_delta / 2 : c->time_over_using + send_delta;
    c->overuse_count++;
    if (c->time_over_using > OVERUSE_TIME_MS && c->overuse_count > 1 && c->trend >= c->prev_trend) {
      c->time_over_using = 0;
      c->overuse_count = 0;
      c->usage = PT_CONGESTION_OVERUSE;
    }
  } else {
    c->time_over_using = -1;
    c->overuse_count = 0;
    c->usage = modified < -c->threshold ? PT_CONGESTION_UNDERUSE : PT_CONGESTION_NORMAL;
  }
  c->prev_trend = c->trend;
  update_threshold(c, modified, arrival_ms);
}

/* One complete group after another: their delay variation goes into the trendline. */
static void on_group_delta(pt_congestion *c, double send_delta, double arrival_delta, double arrival_ms) {
  if (c->num_deltas < TREND_MAX_DELTAS) c->num_deltas++;
  if (!c->first_arrival_valid) {
    c->first_arrival_valid = 1;
    c->first_arrival_ms = arrival_ms;
  }
  c->accumulated_ms += arrival_delta - send_delta;
  c->smoothed_ms = TREND_SMOOTHING * c->smoothed_ms + (1 - TREND_SMOOTHING) * c->accumulated_ms;
  c->trend_x[c->trend_next] = arrival_ms - c->first_arrival_ms;
  c->trend_y[c->trend_next] = c->smoothed_ms;
  c->trend_next = (c->trend_next + 1) % TREND_WINDOW;
  if (c->trend_count < TREND_WINDOW) c->trend_count++;
  double slope;
  if (c->trend_count == TREND_WINDOW && fit_slope(c, &slope)) c->trend = slope;
  detect(c, send_delta, arrival_ms);
}

static void start_group(pt_cc_group *g, double send_ms, double arrival_ms) {
  g->valid = 1;
  g->first_send_ms = g->last_send_ms = send_ms;
  g->first_arrival_ms = g->last_arrival_ms = arrival_ms;
}

/* Arrived back to back although sent apart: the network released a burst; keep it in one group. */
static int in_burst(const pt_cc_group *g, double send_ms, double arrival_ms) {
  double arrival_delta = arrival_ms - g->last_arrival_ms;
  double send_delta = send_ms - g->last_send_ms;
  if (send_delta == 0) return 1;
  return arrival_delta - send_delta < 0 && arrival_delta <= BURST_ARRIVAL_MS &&
         arrival_ms - g->first_arrival_ms < BURST_MAX_MS;
}

/* Feeds one received media packet, in send order. */
static void on_arrival(pt_congestion *c, double send_ms, double arrival_ms) {
  pt_cc_group *g = &c->current;
  if (!g->valid) {
    start_group(g, send_ms, arrival_ms);
    return;
  }
  if (send_ms < g->first_send_ms) return; /* older than the current group: late, not usable for delay */
  if (send_ms - g->last_send_ms > STREAM_GAP_MS) {
    reset_delay(c);
    start_group(&c->current, send_ms, arrival_ms);
    return;
  }
  if (send_ms - g->first_send_ms <= GROUP_SEND_MS || in_burst(g, send_ms, arrival_ms)) {
    g->last_send_ms = maximum(g->last_send_ms, send_ms);
    g->last_arrival_ms = maximum(g->last_arrival_ms, arrival_ms);
    return;
  }
  if (c->previous.valid) {
    double send_delta = g->last_send_ms - c->previous.last_send_ms;
    double arrival_delta = g->last_arrival_ms - c->previous.last_arrival_ms;
    if (absolute(arrival_delta - send_delta) >= ARRIVAL_JUMP_MS) {
      reset_delay(c);
      start_group(&c->current, send_ms, arrival_ms);
      return;
    }
    if (arrival_delta < 0) { /* the group arrived before its predecessor: drop this packet, retry later */
      if (++c->reordered_in_row >= REORDERED_RESET) reset_delay(c);
      return;
    }
    c->reordered_in_row = 0;
    on_group_delta(c, send_delta, arrival_delta, g->last_arrival_ms);
  }
  c->previous = *g;
  start_group(g, send_ms, arrival_ms);
}

/* ---- received rate ---- */

static void reset_rate(pt_congestion *c) {
  c->rate_started = 0;
  c->acked_valid = c->recent_valid = 0;
  c->arrived_bps = c->arrived_unstalled_bps = c->acked_bps = 0;
}

static int64_t bin_of(double arrival_ms) {
  double q = arrival_ms / RATE_BIN_MS;
  int64_t b = (int64_t)q;
  if ((double)b > q) b--; /* floor for negative times */
  return b;
}

/* The ring slot of a bin (bins may be negative). */
static int slot_of_bin(int64_t b) { return (int)(((b % RATE_BINS) + RATE_BINS) % RATE_BINS); }

static void rate_add(pt_congestion *c, double arrival_ms, double bytes) {
  int64_t b = bin_of(arrival_ms);
  if (!c->rate_started) {
    c->rate_started = 1;
    c->newest_bin = b;
    c->rate_first_arrival_ms = arrival_ms;
    for (int i = 0; i < RATE_BINS; i++) {
      c->bin_id[i] = b - RATE_BINS; /* matches no bin in the ring's range */
      c->bin_bytes[i] = 0;
    }
  }
  if (b > c->newest_bin) c->newest_bin = b;
  if (arrival_ms < c->rate_first_arrival_ms) c->rate_first_arrival_ms = arrival_ms;
  if (b <= c->newest_bin - RATE_BINS) return; /* reported too late to matter */
  int i = slot_of_bin(b);
  if (c->bin_id[i] != b) {
    c->bin_id[i] = b;
    c->bin_bytes[i] = 0;
  }
  c->bin_bytes[i] += bytes;
}

/* The rate over the last RATE_WINDOW_BINS complete bins: the newest bin is still filling, and ending the
 * window at the newest arrival (the end of a frame's burst) would overstate the rate. */
static void rate_compute(pt_congestion *c) {
  if (!c->rate_started) return;
  int64_t oldest = c->newest_bin - RATE_WINDOW_BINS;
  double start = maximum((double)oldest * RATE_BIN_MS, c->rate_first_arrival_ms);
  double span = (double)c->newest_bin * RATE_BIN_MS - start;
  if (span < RATE_MIN_SPAN_MS) return;
  /* One pass over the window's bins for its bytes and its stalls. A transport that stalled (SCTP after a
   * loss) delivers nothing for a while, then what it held: its stall is no measure of what the path
   * carries. */
  double bytes = 0, stalled_ms = 0;
  int empty_run = 0;
  for (int64_t b = oldest; b < c->newest_bin; b++) {
    int i = slot_of_bin(b);
    int held = c->bin_id[i] == b;
    if (held) bytes += c->bin_bytes[i];
    int empty = !held || c->bin_bytes[i] <= 0;
    if ((double)b * RATE_BIN_MS < start) empty = 0; /* before the first arrival: not part of the span */
    empty_run = empty ? empty_run + 1 : 0;
    if (empty_run == STALL_BINS) stalled_ms += STALL_BINS * RATE_BIN_MS;
    else if (empty_run > STALL_BINS) stalled_ms += RATE_BIN_MS;
  }
  c->arrived_bps = bytes * 8.0 * 1000.0 / span;
  c->acked_valid = 1;
  c->arrived_unstalled_bps = span - stalled_ms >= RATE_MIN_SPAN_MS / 2 ? bytes * 8.0 * 1000.0 / (span - stalled_ms)
                                                                       : c->arrived_bps;
  /* The last few bins alone, when every one of them saw arrivals: then the path was busy throughout, and
   * a queue that overflows delivers just what the bottleneck carries now (after a drop in capacity the
   * 500 ms window would still say what it carried before). */
  double recent = 0;
  int busy = 0;
  for (int i = 0; i < RATE_BINS; i++)
    if (c->bin_id[i] >= c->newest_bin - RECENT_RATE_BINS && c->bin_id[i] < c->newest_bin && c->bin_bytes[i] > 0) {
      recent += c->bin_bytes[i];
      busy++;
    }
  c->recent_valid = busy == RECENT_RATE_BINS;
  c->recent_bps = recent * 8.0 * 1000.0 / (RECENT_RATE_BINS * RATE_BIN_MS);
}

/* An arrival time is usable if it agrees within 5 s with the last usable one of a media packet (both minus
 * their send times); a run of disagreeing ones means the receiver's clock jumped: start over from it. */
static int timing_usable(pt_congestion *c, double offset_ms, int anchor) {
  if (!c->offset_valid || absolute(offset_ms - c->offset_ms) <= TIMING_JUMP_MS) {
    if (anchor || !c->offset_valid) {
      c->offset_valid = 1;
      c->offset_ms = offset_ms;
    }
    c->rejected_in_row = 0;
    return 1;
  }
  if (++c->rejected_in_row < TIMING_REANCHOR) return 0;
  reset_delay(c);
  reset_rate(c);
  c->offset_ms = offset_ms;
  c->rejected_in_row = 0;
  return 2; /* usable, and what came before it in this report is not */
}

/* ---- loss, and how much feedback is missing ---- */

/* Scans the packets sent in the last 500 ms before the newest one with feedback (further back until 20 have
 * feedback, at most 2 s): loss = lost / reported; a packet resent under its own number counts as lost (its
 * first copy was missed, whichever copy arrived). Packets below the newest reported one without any feedback
 * were in reports that got lost: the received rate is scaled up by the share that has feedback. */
static void feedback_scan(pt_congestion *c) {
  c->loss_valid = c->fresh_loss_valid = c->recent_loss_valid = 0;
  c->loss = c->fresh_loss = c->recent_loss = c->sent_bps = 0;
  c->coverage = 1;
  if (!c->any_reported) return;
  double count = 0, lost = 0, known_bytes = 0, unknown_bytes = 0, fresh_count = 0, fresh_lost = 0;
  double recent_count = 0, recent_lost = 0, recent_bytes = 0;
  int64_t seq = c->highest_reported;
  for (uint32_t i = 0; i < PT_CONGESTION_HISTORY; i++, seq--) {
    if (seq <= c->highest_sent - (int64_t)PT_CONGESTION_HISTORY) break;
    const pt_cc_packet *p = known(c, seq);
    if (!p) continue;
    double age = c->highest_reported_send_ms - p->send_ms;
    if (age > LOSS_MAX_WINDOW_MS || (age > LOSS_WINDOW_MS && count >= LOSS_MIN_PACKETS)) break;
    if (age <= RECENT_LOSS_MS) recent_bytes += p->bytes;
    if (p->state == PKT_UNREPORTED) {
      unknown_bytes += p->bytes;
      continue;
    }
    known_bytes += p->bytes;
    count++;
    int was_lost = p->state == PKT_LOST || p->resent;
    if (was_lost) lost++;
    if (age <= RECENT_LOSS_MS) {
      recent_count++;
      recent_lost += was_lost;
    }
    if (c->loss_decrease_valid && p->send_ms >= c->loss_decrease_ms) {
      fresh_count++;
      fresh_lost += was_lost;
    }
  }
  if (count >= LOSS_VALID_PACKETS) {
    c->loss_valid = 1;
    c->loss = lost / count;
  }
  if (recent_count >= RECENT_LOSS_PACKETS) {
    c->recent_loss_valid = 1;
    c->recent_loss = recent_lost / recent_count;
  }
  if (fresh_count >= LOSS_VALID_PACKETS) {
    c->fresh_loss_valid = 1;
    c->fresh_loss = fresh_lost / fresh_count;
  }
  if (known_bytes + unknown_bytes > 0) c->coverage = maximum(known_bytes / (known_bytes + unknown_bytes), MIN_COVERAGE);
  c->sent_bps = recent_bytes * 8000.0 / RECENT_LOSS_MS;
}

/* ---- AIMD on the delay signal ---- */

static void capacity_overuse(pt_congestion *c, double acked_bps) {
  double sample = acked_bps / 1000.0;
  if (!c->capacity_valid) {
    c->capacity_valid = 1;
    c->capacity_kbps = sample;
  } else {
    c->capacity_kbps = (1 - CAPACITY_ALPHA) * c->capacity_kbps + CAPACITY_ALPHA * sample;
  }
  double norm = maximum(c->capacity_kbps, 1.0);
  double error = c->capacity_kbps - sample;
  c->capacity_dev = (1 - CAPACITY_ALPHA) * c->capacity_dev + CAPACITY_ALPHA * error * error / norm;
  c->capacity_dev = clamp(c->capacity_dev, CAPACITY_DEV_MIN, CAPACITY_DEV_MAX);
}

static double capacity_spread_bps(const pt_congestion *c) {
  return 3.0 * square_root(c->capacity_dev * c->capacity_kbps) * 1000.0;
}

/* Near the known capacity: about one packet per response time. */
static double additive_rate(const pt_congestion *c) {
  double frame_bits = c->delay_bps / FRAME_RATE;
  double packets = (double)(int64_t)(frame_bits / PACKET_BITS);
  if (packets * PACKET_BITS < frame_bits) packets++;
  if (packets < 1) packets = 1;
  double rate = (frame_bits / packets) * 1000.0 / (rtt_of(c) + RESPONSE_EXTRA_MS);
  return maximum(rate, MIN_INCREASE_BPS_PER_S);
}

/* What the path delivers now: the received rate, or over the last bins alone when that is lower (a queue
 * overflowing after a drop in capacity delivers just what the bottleneck carries). */
static double received_now(const pt_congestion *c) {
  double received = c->acked_bps;
  if (c->recent_valid && c->recent_bps / c->coverage < received) received = c->recent_bps / c->coverage;
  return received;
}

/* The share of the received rate a decrease keeps so that the standing queue drains in about QUEUE_DRAIN_MS:
 * at the received rate alone it would stay (0.85 x leaves too little room once resends and keyframes ride on
 * top, and a full router buffer then drops packets for seconds). */
static double drain_share(const pt_congestion *c) {
  return maximum(MIN_DRAIN_SHARE, 1.0 - pt_queue_delay_ms(&c->queue) / QUEUE_DRAIN_MS);
}

static void delay_decrease(pt_congestion *c, double now) {
  /* at least acked_bps: the same bytes over no more time */
  double unstalled = c->arrived_unstalled_bps / c->coverage;
  double received = c->recent_valid && c->recent_bps / c->coverage < unstalled ? received_now(c) : unstalled;
  double decreased = BETA * received * drain_share(c);
  if (decreased > c->delay_bps && c->capacity_valid) decreased = BETA * c->capacity_kbps * 1000.0;
  if (c->capacity_valid && unstalled < c->capacity_kbps * 1000.0 - capacity_spread_bps(c))
    c->capacity_valid = 0; /* far below what was learned: the path changed */
  capacity_overuse(c, unstalled);
  if (decreased < c->delay_bps) c->delay_bps = decreased;
  c->draining = 1;
  c->last_change_valid = c->last_decrease_valid = 1;
  c->last_change_ms = c->last_decrease_ms = now;
}

/* Remembers the highest received rate of the last few seconds (what the path carried before a collapse). */
static void note_peak(pt_congestion *c, double now) {
  if (!c->acked_valid) return;
  if (c->peak_bps > 0 && now > c->peak_ms) c->peak_bps *= exp_small(-0.6931471805599453 * (now - c->peak_ms) / PEAK_HALF_LIFE_MS);
  c->peak_ms = now;
  if (c->acked_bps > c->peak_bps) c->peak_bps = c->acked_bps;
}

/* Far below the capacity learned at the last overuse, or below what the path carried moments ago (a stall or
 * heavy loss cut the estimate deeper than the path is): climb back quickly, multiplicatively. If the path is
 * now slower, the delay signal stops the climb at its new capacity. */
static int recovering(const pt_congestion *c, double estimate_bps) {
  double reference = c->capacity_valid ? c->capacity_kbps * 1000.0 : c->peak_bps;
  return estimate_bps < RECOVERY_BELOW * reference;
}

static void delay_increase(pt_congestion *c, double now) {
  double dt = c->last_change_valid ? clamp((now - c->last_change_ms) / 1000.0, 0, MAX_STEP_S) : 0;
  if (c->acked_valid && c->capacity_valid && c->acked_bps > c->capacity_kbps * 1000.0 + capacity_spread_bps(c))
    c->capacity_valid = 0; /* well above what was learned: the path got faster */
  double limit = c->acked_valid ? THROUGHPUT_GAIN * c->acked_bps + THROUGHPUT_MARGIN_BPS : c->config.max_bps;
  if (c->delay_bps < limit) {
    double step = recovering(c, c->delay_bps) ? c->delay_bps * (exp_small(RECOVERY_LN * dt) - 1)
                  : c->capacity_valid ? additive_rate(c) * dt
                                      : c->delay_bps * (exp_small(INCREASE_LN * dt) - 1);
    step = maximum(step, MIN_INCREASE_BPS_PER_S * dt);
    c->delay_bps = minimum(c->delay_bps + step, limit);
  }
  c->last_change_valid = 1;
  c->last_change_ms = now;
}

static void delay_update(pt_congestion *c, double now) {
  if (c->usage == PT_CONGESTION_OVERUSE) {
    c->state = PT_CONGESTION_DECREASE;
    if (!c->acked_valid) {
      if (!c->last_decrease_valid || now - c->last_decrease_ms >= INITIAL_REDUCE_MS) {
        c->delay_bps /= 2;
        c->last_change_valid = c->last_decrease_valid = 1;
        c->last_change_ms = c->last_decrease_ms = now;
      }
    } else {
      double interval = clamp(rtt_of(c), REDUCE_MIN_MS, REDUCE_MAX_MS);
      if (!c->last_decrease_valid || now - c->last_decrease_ms >= interval || c->acked_bps < 0.5 * c->delay_bps)
        delay_decrease(c, now);
    }
  } else if (c->usage == PT_CONGESTION_UNDERUSE) {
    c->state = PT_CONGESTION_HOLD; /* the queue drains: wait for it */
  } else if (c->state != PT_CONGESTION_INCREASE) {
    c->state = PT_CONGESTION_INCREASE;
    if (!c->loss_valid || c->loss <= LOSS_HIGH) c->draining = 0;
    c->last_change_valid = 1;
    c->last_change_ms = now;
  } else {
    delay_increase(c, now);
  }
  c->delay_bps = clamp(c->delay_bps, c->config.min_bps, c->config.max_bps);
}

/* ---- loss-based bound and the target ---- */

static void loss_update(pt_congestion *c, double now) {
  double dt = c->loss_update_valid ? clamp((now - c->loss_update_ms) / 1000.0, 0, MAX_STEP_S) : 0;
  c->loss_update_valid = 1;
  c->loss_update_ms = now;
  if (c->loss_valid && c->loss > LOSS_HIGH) {
    /* A second decrease only for loss among packets sent at the decreased rate (the window still holds the
     * loss that caused the first), and never below half of what the path is delivering. */
    int again = c->loss_decrease_valid && now - c->loss_decrease_ms >= LOSS_DECREASE_MS + rtt_of(c) &&
                c->fresh_loss_valid && c->fresh_loss > LOSS_HIGH;
    if (!c->loss_decrease_valid || again) {
      double loss = c->loss_decrease_valid ? c->fresh_loss : c->loss;
      double decreased = c->target_bps * (1 - 0.5 * loss);
      if (c->acked_valid) {
        /* Never below half of what gets through; and when that is less than half of what was sent (and of
         * the target) over bins that were all busy, with much of what was sent lately lost (a queue
         * overflowing after a drop in capacity, not a loss the window still remembers, nor a burst of
         * random loss while the encoder sends less than the target), no more than it, paced no faster until
         * it drains. */
        double received = received_now(c);
        int overloaded = c->recent_valid && c->recent_loss_valid && c->recent_loss > LOSS_OVERLOAD &&
                         received < LOSS_OVERLOAD_SHARE * minimum(c->target_bps, c->sent_bps);
        if (overloaded && decreased > received) {
          decreased = received;
          c->draining = 1;
        }
        if (decreased < LOSS_FLOOR_OF_ACKED * received) decreased = LOSS_FLOOR_OF_ACKED * received;
      }
      if (decreased < c->loss_bps) c->loss_bps = decreased;
      c->loss_decrease_valid = 1;
      c->loss_decrease_ms = now;
    }
  } else if (!c->loss_valid || c->loss < LOSS_LOW || c->state == PT_CONGESTION_INCREASE) {
    /* as fast as the delay-based estimate can grow, so that it is the one that limits */
    c->loss_bps = c->loss_bps * exp_small((recovering(c, c->loss_bps) ? RECOVERY_LN : INCREASE_LN) * dt) + MIN_INCREASE_BPS_PER_S * dt;
  } /* else hold: moderate loss while the delay signal says congested */
  c->loss_bps = clamp(minimum(c->loss_bps, c->delay_bps), c->config.min_bps, c->config.max_bps);
}

static void update_target(pt_congestion *c) {
  c->target_bps = clamp(minimum(c->delay_bps, c->loss_bps), c->config.min_bps, c->config.max_bps);
}

/* ---- API ---- */

static int valid_rate(double bps) { return isfinite(bps) && bps > 0; }

int pt_congestion_create(pt_congestion **out, const pt_congestion_config *config) {
  if (!out) return PT_ERR_INVALID_ARGUMENT;
  *out = NULL;
  if (!config || !valid_rate(config->min_bps) || !valid_rate(config->start_bps) || !valid_rate(config->max_bps) ||
      config->min_bps > config->start_bps || config->start_bps > config->max_bps)
    return PT_ERR_INVALID_ARGUMENT;
  pt_congestion *c = calloc(1, sizeof *c);
  if (!c) return PT_ERR_NO_MEMORY;
  c->packets = calloc(PT_CONGESTION_HISTORY, sizeof *c->packets);
  c->fresh = calloc(PT_CONGESTION_HISTORY, sizeof *c->fresh);
  if (!c->packets || !c->fresh) {
    pt_congestion_destroy(c);
    return PT_ERR_NO_MEMORY;
  }
  c->config = *config;
  reset_delay(c);
  c->state = PT_CONGESTION_HOLD;
  c->capacity_dev = CAPACITY_DEV_START;
  c->coverage = 1;
  c->delay_bps = c->loss_bps = c->target_bps = config->start_bps;
  *out = c;
  return PT_OK;
}

void pt_congestion_destroy(pt_congestion *c) {
  if (!c) return;
  free(c->packets);
  free(c->fresh);
  free(c);
}

void pt_congestion_on_sent(pt_congestion *c, uint16_t seq, size_t bytes, double now_ms, int retransmission) {
  if (!c) return;
  double now = clock_at(c, now_ms);
  int64_t ext = c->any_sent ? extend(c, seq) : (int64_t)seq;
  if (c->any_sent && ext <= c->highest_sent - (int64_t)PT_CONGESTION_HISTORY) {
    c->highest_sent = ext; /* the sender's numbering restarted far back: follow it, forget what was reported */
    c->any_reported = 0;
  }
  pt_cc_packet *p = slot_of(c, ext);
  if (retransmission && p->used && p->seq == ext) {
    /* a resend under the same number (no RTX stream): whichever copy is reported, its time is no clean delay
       sample, and the first copy was missed; the packet keeps its place (first send time) and counts once */
    if (!p->resent) p->resent_ms = now;
    p->resent = 1;
    return;
  }
  /* Reports stopped while packets still go out: the path is blocked (a capacity cut can stall it for seconds,
   * with nothing arriving to report on). Halve, once per silence interval, until reports come back. */
  if (all_reported(c)) c->in_flight_since_ms = now;
  double silence = silence_ms(c);
  if (quiet_ms(c, c->last_report_ms, now) > silence && now - c->silence_cut_ms > silence) {
    c->silence_cut_ms = now;
    c->delay_bps = clamp(c->delay_bps / 2, c->config.min_bps, c->config.max_bps);
    c->loss_bps = clamp(minimum(c->loss_bps, c->delay_bps), c->config.min_bps, c->config.max_bps);
    c->state = PT_CONGESTION_DECREASE;
    c->draining = 1;
    update_target(c);
  }
  p->seq = ext;
  p->send_ms = now;
  p->bytes = (double)bytes;
  p->state = PKT_UNREPORTED;
  p->retransmission = retransmission ? 1 : 0;
  p->resent = 0;
  p->used = 1;
  if (!c->any_sent || ext > c->highest_sent) c->highest_sent = ext;
  c->any_sent = 1;
}

static int compare_seq(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* A resent packet reported received sooner after its resend than any packet has ever crossed the path (the
 * least one-way delay seen, clocks' offset included): the copy that arrived is the first, so it was not lost
 * (a NACK for a packet merely overtaken by a later one). */
static int first_copy_arrived(const pt_congestion *c, const pt_cc_packet *p, double arrival_ms) {
  double base = 0;
  return usable_time(arrival_ms) && pt_queue_delay_base(&c->queue, &base) && arrival_ms - p->resent_ms < base;
}

void pt_congestion_on_report(pt_congestion *c, const pt_congestion_arrival *entries, size_t count, double now_ms) {
  if (!c) return;
  double now = clock_at(c, now_ms);
  c->report_seen = 1;
  c->last_report_ms = now;
  if (!entries) count = 0;
  size_t fresh = 0;
  int changed = 0;
  for (size_t i = 0; i < count; i++) {
    const pt_congestion_arrival *e = &entries[i];
    int64_t seq = c->any_sent ? extend(c, e->seq) : 0;
    pt_cc_packet *p = known(c, seq);
    if (!p) {
      c->ignored++;
      continue;
    }
    if (!c->any_reported || seq > c->highest_reported) {
      c->any_reported = 1;
      c->highest_reported = seq;
      c->highest_reported_send_ms = p->send_ms;
    }
    if (!e->received) {
      if (p->state == PKT_UNREPORTED) {
        p->state = PKT_LOST;
        changed = 1;
      }
      continue;
    }
    if (p->state == PKT_RECEIVED) continue; /* counted once */
    p->state = PKT_RECEIVED;
    changed = 1;
    c->last_arrival_report_ms = now;
    if (p->resent && first_copy_arrived(c, p, e->arrival_ms)) p->resent = 0; /* a needless resend: no loss */
    int media = !p->retransmission && !p->resent;
    int usable = usable_time(e->arrival_ms) ? timing_usable(c, e->arrival_ms - p->send_ms, media) : 0;
    if (!usable) {
      c->timing_rejected++;
      continue;
    }
    if (usable == 2) { /* re-anchored: earlier samples belong to the old clock */
      fresh = 0;
      pt_queue_delay_reset(&c->queue);
    }
    if (media) pt_queue_delay_sample(&c->queue, e->arrival_ms - p->send_ms, p->send_ms);
    p->arrival_ms = e->arrival_ms;
    rate_add(c, e->arrival_ms, p->bytes);
    if (media) c->fresh[fresh++] = seq;
  }
  if (!changed) return; /* nothing new (a duplicate report, or only unknown entries): nothing to decide */
  c->reports++;
  /* delay: the newly received media packets in send order (each slot is received at most once, so fresh
     holds at most PT_CONGESTION_HISTORY distinct numbers and the order is total) */
  qsort(c->fresh, fresh, sizeof *c->fresh, compare_seq);
  for (size_t i = 0; i < fresh; i++) {
    const pt_cc_packet *p = slot_of(c, c->fresh[i]);
    on_arrival(c, p->send_ms, p->arrival_ms);
    const pt_cc_packet *before = i > 0 && c->fresh[i - 1] == c->fresh[i] - 1 ? slot_of(c, c->fresh[i - 1]) : NULL;
    if (before && before->send_ms == p->send_ms) pt_pair_rate_sample(&c->pairs, p->bytes, p->arrival_ms - before->arrival_ms);
  }
  rate_compute(c);
  feedback_scan(c);
  c->acked_bps = c->arrived_bps / c->coverage;
  note_peak(c, now);
  delay_update(c, now);
  loss_update(c, now);
  update_target(c);
}

void pt_congestion_set_max(pt_congestion *c, double max_bps) {
  if (!c || !valid_rate(max_bps)) return;
  c->config.max_bps = maximum(max_bps, c->config.min_bps);
  if (c->config.start_bps > c->config.max_bps || !c->any_sent) c->config.start_bps = c->config.max_bps;
  if (!c->any_sent) c->delay_bps = c->loss_bps = c->config.start_bps; /* before the first packet: start there */
  c->delay_bps = clamp(c->delay_bps, c->config.min_bps, c->config.max_bps);
  c->loss_bps = clamp(c->loss_bps, c->config.min_bps, c->config.max_bps);
  update_target(c);
}

double pt_congestion_target_bps(const pt_congestion *c) { return c ? c->target_bps : 0; }

double pt_congestion_in_flight_bytes(const pt_congestion *c) {
  if (!c || !c->any_sent) return 0;
  int64_t oldest = c->highest_sent - (int64_t)PT_CONGESTION_HISTORY + 1;
  int64_t from = c->any_reported && c->highest_reported + 1 > oldest ? c->highest_reported + 1 : oldest;
  double bytes = 0;
  for (int64_t seq = c->highest_sent; seq >= from; seq--) {
    const pt_cc_packet *p = known(c, seq);
    if (p && p->state == PKT_UNREPORTED) bytes += p->bytes;
  }
  return bytes;
}

double pt_congestion_pacing_bps(const pt_congestion *c) {
  if (!c) return 0;
  double factor = c->draining ? PT_CONGESTION_DRAIN_PACING_FACTOR : PT_CONGESTION_PACING_FACTOR;
  return maximum(factor * c->target_bps, PT_CONGESTION_PACING_FLOOR_BPS);
}

double pt_congestion_usual_pacing_bps(const pt_congestion *c) {
  return c ? maximum(PT_CONGESTION_PACING_FACTOR * c->target_bps, PT_CONGESTION_PACING_FLOOR_BPS) : 0;
}

int pt_congestion_draining(const pt_congestion *c) { return c ? c->draining : 0; }

int pt_congestion_blocked(const pt_congestion *c, double now_ms) {
  if (!c) return 0;
  double now = clock_peek(c, now_ms);
  /* Arrivals are reported every few tens of ms while the path moves, a round trip after they were sent: the
   * path's least round trip, not the smoothed one, which a full queue inflates just when the path stalls. */
  double rtt = c->rtt_valid ? c->rtt_min_ms : DEFAULT_RTT_MS;
  return quiet_ms(c, c->last_arrival_report_ms, now) > maximum(SILENCE_MIN_MS, rtt + BLOCKED_SLACK_MS);
}

int pt_congestion_roomy(const pt_congestion *c) {
  return c && !c->draining && c->usage == PT_CONGESTION_NORMAL && c->target_bps >= c->config.max_bps &&
         (!c->loss_valid || c->loss < LOSS_LOW) &&
         pt_pair_rate_bps(&c->pairs) >= ROOMY_PAIR_RATE_FACTOR * pt_congestion_usual_pacing_bps(c);
}

void pt_congestion_on_rtt(pt_congestion *c, double rtt_ms, double now_ms) {
  if (!c) return;
  clock_at(c, now_ms);
  if (!isfinite(rtt_ms) || !(rtt_ms > 0) || rtt_ms > MAX_RTT_MS) return;
  c->rtt_ms = c->rtt_valid ? 0.875 * c->rtt_ms + 0.125 * rtt_ms : rtt_ms;
  c->rtt_min_ms = c->rtt_valid ? minimum(c->rtt_min_ms, rtt_ms) : rtt_ms;
  c->rtt_valid = 1;
}

void pt_congestion_stats_of(const pt_congestion *c, pt_congestion_stats *out) {
  if (!out) return;
  memset(out, 0, sizeof *out);
  if (!c) return;
  out->target_bps = c->target_bps;
  out->pacing_bps = pt_congestion_pacing_bps(c);
  out->delay_based_bps = c->delay_bps;
  out->loss_based_bps = c->loss_bps;
  out->acked_bps = c->acked_valid ? c->acked_bps : 0;
  out->loss_fraction = c->loss_valid ? c->loss : 0;
  out->state = c->state;
  out->draining = c->draining;
  out->usage = c->usage;
  out->trend = c->trend;
  out->modified_trend = c->modified_trend;
  out->threshold = c->threshold;
  out->rtt_ms = c->rtt_valid ? c->rtt_ms : 0;
  out->link_capacity_bps = c->capacity_valid ? c->capacity_kbps * 1000.0 : 0;
  out->reports = c->reports;
  out->ignored = c->ignored;
  out->timing_rejected = c->timing_rejected;
  out->queue_ms = pt_queue_delay_ms(&c->queue);
}
