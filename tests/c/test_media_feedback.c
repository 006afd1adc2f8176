/* Media feedback and the retransmission / pacing helpers around it: media/feedback (NACK, arrival
 * report and sender report codec), media/nack_tracker, media/arrival_log, media/pacer and
 * media/send_history. All sans-IO: every test drives the clock by hand. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "media/arrival_log.h"
#include "media/feedback.h"
#include "media/nack_tracker.h"
#include "media/pacer.h"
#include "media/send_history.h"

/* Define to run the checks that document bugs found in the modules (they fail today). */

static pt_feedback parsed; /* large (arrival report arrays): not on the stack */
static pt_feedback_arrivals arrivals_in;
static pt_arrival_log arrival_log;
static pt_nack_tracker tracker;

static uint32_t rng_state = 0x9e3779b9u;
static uint32_t rng(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 17;
  rng_state ^= rng_state << 5;
  return rng_state;
}

static int compare_u16(const void *a, const void *b) {
  uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
  return (x > y) - (x < y);
}

/* Sorts and removes duplicates in place; returns the new count. */
static size_t unique_sorted(uint16_t *v, size_t n) {
  qsort(v, n, sizeof *v, compare_u16);
  size_t out = 0;
  for (size_t i = 0; i < n; i++) {
    if (out == 0 || v[out - 1] != v[i]) v[out++] = v[i];
  }
  return out;
}

/* The parsed NACK names exactly the set `expected` (any order, no duplicates). */
static void check_nack_set(const pt_feedback *f, const uint16_t *expected, size_t count) {
  uint16_t want[PT_FEEDBACK_MAX_NACKS * 2], got[PT_FEEDBACK_MAX_NACKS];
  CHECK(count <= PT_FEEDBACK_MAX_NACKS * 2);
  memcpy(want, expected, count * sizeof *want);
  size_t want_count = unique_sorted(want, count);
  CHECK_EQ(f->nack_count, want_count);
  memcpy(got, f->nacks, f->nack_count * sizeof *got);
  qsort(got, f->nack_count, sizeof *got, compare_u16);
  for (size_t i = 0; i < want_count; i++) CHECK_EQ(got[i], want[i]);
}

/* Parses from an exact-size heap copy, so that ASan sees any read past the message. */
static int parse_copy(const uint8_t *message, size_t length, pt_feedback *f) {
  uint8_t *copy = malloc(length ? length : 1);
  CHECK(copy != NULL);
  if (length) memcpy(copy, message, length);
  int status = pt_feedback_parse(copy, length, f);
  free(copy);
  return status;
}

static void put16(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

/* ================================ feedback ================================ */

static void test_nack_exact_bytes_rfc4585(void) {
  /* RFC 4585 §6.2.1: PID is the first lost packet, bit i of BLP the loss of PID + i + 1. 100 lost,
   * and 101, 103 and 116 (bits 0, 2, 15): BLP 0x8005; 117 is 17 past 100, so a second entry. */
  const uint16_t seqs[] = {100, 101, 103, 116, 117};
  uint8_t out[64];
  memset(out, 0xee, sizeof out);
  size_t offset = 0;
  CHECK_EQ(pt_feedback_write_nack(0x11223344u, seqs, 5, out, sizeof out, &offset), PT_OK);
  const uint8_t expected[] = {
      0x81, 205, 0x00, 0x04,   /* V=2, FMT=1, PT=RTPFB (205), length 4: 5 words, 20 bytes */
      0x00, 0x00, 0x00, 0x00,  /* sender SSRC */
      0x11, 0x22, 0x33, 0x44,  /* media SSRC */
      0x00, 0x64, 0x80, 0x05,  /* PID 100, BLP 0x8005 */
      0x00, 0x75, 0x00, 0x00,  /* PID 117, BLP 0 */
  };
  CHECK_EQ(offset, sizeof expected);
  CHECK(memcmp(out, expected, sizeof expected) == 0);
  CHECK_EQ(out[sizeof expected], 0xee); /* nothing written past the packet */
  CHECK_EQ(parse_copy(out, offset, &parsed), PT_OK);
  CHECK_EQ(parsed.nack_ssrc, 0x11223344u);
  check_nack_set(&parsed, seqs, 5);
  CHECK(!parsed.has_arrivals && !parsed.has_sender_report);

  /* One number: PID alone, BLP 0, 16 bytes; appended after what is there. */
  const uint16_t one = 0xbeef;
  CHECK_EQ(pt_feedback_write_nack(7, &one, 1, out, sizeof out, &offset), PT_OK);
  const uint8_t single[] = {0x81, 205, 0, 3, 0, 0, 0, 0, 0, 0, 0, 7, 0xbe, 0xef, 0, 0};
  CHECK_EQ(offset, sizeof expected + sizeof single);
  CHECK(memcmp(out + sizeof expected, single, sizeof single) == 0);
}

static void test_nack_round_trips(void) {
  uint8_t out[PT_FEEDBACK_MAX_MESSAGE];
  size_t offset;

  /* Wraparound: 65530 .. 5 (12 numbers), in scrambled order with duplicates. */
  uint16_t wrap[24];
  size_t n = 0;
  for (int i = 0; i < 12; i++) wrap[n++] = (uint16_t)(65530 + (i * 5) % 12);
  for (int i = 0; i < 12; i += 2) wrap[n++] = (uint16_t)(65530 + i);
  offset = 0;
  CHECK_EQ(pt_feedback_write_nack(1, wrap, n, out, sizeof out, &offset), PT_OK);
  CHECK_EQ(parse_copy(out, offset, &parsed), PT_OK);
  check_nack_set(&parsed, wrap, n);
  CHECK_EQ(parsed.nack_count, 12);

  /* In order, 65530 .. 5 packs into one entry (PID 65530, 11 bits): 16 bytes. */
  uint16_t ordered[12];
  for (int i = 0; i < 12; i++) ordered[i] = (uint16_t)(65530 + i);
  offset = 0;
  CHECK_EQ(pt_feedback_write_nack(1, ordered, 12, out, sizeof out, &offset), PT_OK);
  CHECK_EQ(offset, 16);
  CHECK(out[12] == 0xff && out[13] == 0xfa && out[14] == 0x07 && out[15] == 0xff);
  CHECK_EQ(parse_copy(out, offset, &parsed), PT_OK);
  check_nack_set(&parsed, ordered, 12);

  /* Duplicates merged: the same number 200 times is one number. */
  uint16_t same[200];
  for (int i = 0; i < 200; i++) same[i] = 4242;
  offset = 0;
  CHECK_EQ(pt_feedback_write_nack(1, same, 200, out, sizeof out, &offset), PT_OK);
  CHECK_EQ(offset, 16);
  CHECK_EQ(parse_copy(out, offset, &parsed), PT_OK);
  CHECK_EQ(parsed.nack_count, 1);
  CHECK_EQ(parsed.nacks[0], 4242);

  /* 256 numbers max: the worst case (every number 17 apart, one entry each) is 1,036 bytes. */
  uint16_t spread[PT_FEEDBACK_MAX_NACKS + 1];
  for (int i = 0; i <= PT_FEEDBACK_MAX_NACKS; i++) spread[i] = (uint16_t)(62000 + 17 * i); /* wraps too */
  offset = 0;
  CHECK_EQ(pt_feedback_write_nack(9, spread, PT_FEEDBACK_MAX_NACKS, out, sizeof out, &offset), PT_OK);
  CHECK_EQ(offset, 12 + 4 * PT_FEEDBACK_MAX_NACKS);
  CHECK_EQ(parse_copy(out, offset, &parsed), PT_OK);
  check_nack_set(&parsed, spread, PT_FEEDBACK_MAX_NACKS);
  offset = 0;
  CHECK_EQ(pt_feedback_write_nack(9, spread, PT_FEEDBACK_MAX_NACKS + 1, out, sizeof out, &offset),
           PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(offset, 0);

  /* 256 random numbers in a window of 1000, round trip as a set. */
  for (int round = 0; round < 200; round++) {
    uint16_t seqs[PT_FEEDBACK_MAX_NACKS];
    size_t count = 1 + rng() % PT_FEEDBACK_MAX_NACKS;
    uint16_t base = (uint16_t)rng();
    for (size_t i = 0; i < count; i++) seqs[i] = (uint16_t)(base + rng() % 1000);
    offset = 0;
    CHECK_EQ(pt_feedback_write_nack(rng(), seqs, count, out, sizeof out, &offset), PT_OK);
    CHECK(offset <= 12 + 4 * PT_FEEDBACK_MAX_NACKS);
    CHECK_EQ(parse_copy(out, offset, &parsed), PT_OK);
    check_nack_set(&parsed, seqs, count);
  }

  /* Refused arguments. */
  offset = 0;
  CHECK_EQ(pt_feedback_write_nack(1, wrap, 0, out, sizeof out, &offset), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_feedback_write_nack(1, NULL, 1, out, sizeof out, &offset), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_feedback_write_nack(1, wrap, 1, NULL, sizeof out, &offset), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_feedback_write_nack(1, wrap, 1, out, sizeof out, NULL), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(offset, 0);
}

static void fill_arrivals(pt_feedback_arrivals *a, uint16_t base, uint16_t count, double start_ms) {
  memset(a, 0, sizeof *a);
  a->media_ssrc = 0xcafef00du;
  a->sender_time_ms = 0xfffffff0u;
  a->echo = (pt_feedback_echo){1, 0x01020304u, 12.4};
  a->base_seq = base;
  a->count = count;
  double t = start_ms;
  for (uint16_t i = 0; i < count; i++) {
    a->received[i] = (i % 7) != 3;
    t += (double)(rng() % 4000) / 997.0; /* 0 .. 4 ms apart, not on quarter milliseconds */
    if (i % 50 == 49) t -= 3.3;          /* reordered arrivals: negative steps */
    a->arrival_ms[i] = a->received[i] ? t : 12345.0;
  }
}

static void check_arrivals_equal(const pt_feedback_arrivals *in, const pt_feedback_arrivals *out) {
  CHECK_EQ(out->media_ssrc, in->media_ssrc);
  CHECK_EQ(out->sender_time_ms, in->sender_time_ms);
  CHECK_EQ(out->base_seq, in->base_seq);
  CHECK_EQ(out->count, in->count);
  CHECK_EQ(out->echo.valid, in->echo.valid);
  for (size_t i = 0; i < in->count; i++) {
    CHECK_EQ(!!out->received[i], !!in->received[i]);
    if (in->received[i]) CHECK(fabs(out->arrival_ms[i] - in->arrival_ms[i]) < 0.25);
  }
}

static void test_arrival_report_round_trip(void) {
  uint8_t out[PT_FEEDBACK_MAX_MESSAGE];
  size_t offset = 0;
  fill_arrivals(&arrivals_in, 65500, 100, 5000.0);
  CHECK_EQ(pt_feedback_write_arrivals(&arrivals_in, out, sizeof out, &offset), PT_OK);
  CHECK_EQ(offset, 32 + 200);
  CHECK(out[0] == 0x80 && out[1] == 204 && memcmp(out + 8, "PTAR", 4) == 0);
  CHECK_EQ((out[2] << 8 | out[3]), offset / 4 - 1);
  CHECK(pt_feedback_is_feedback(out, offset));
  CHECK_EQ(parse_copy(out, offset, &parsed), PT_OK);
  CHECK(parsed.has_arrivals && !parsed.has_sender_report && parsed.nack_count == 0);
  check_arrivals_equal(&arrivals_in, &parsed.arrivals);
  CHECK_EQ(parsed.arrivals.echo.time_ms, 0x01020304u);
  CHECK(parsed.arrivals.echo.hold_ms == 12.0); /* whole milliseconds, rounded */

  /* Every count 0..512 (odd counts pad to a word); the first entries not received. */
  for (int count = 0; count <= PT_FEEDBACK_MAX_ARRIVALS; count += (count < 8 ? 1 : 37)) {
    fill_arrivals(&arrivals_in, (uint16_t)rng(), (uint16_t)count, 1e6 + rng() % 100000);
    if (count > 2) arrivals_in.received[0] = arrivals_in.received[1] = 0;
    arrivals_in.echo = (pt_feedback_echo){0, 0, 0};
    offset = 0;
    CHECK_EQ(pt_feedback_write_arrivals(&arrivals_in, out, sizeof out, &offset), PT_OK);
    CHECK_EQ(offset, (32 + 2 * (size_t)count + 3) / 4 * 4);
    CHECK_EQ(parse_copy(out, offset, &parsed), PT_OK);
    CHECK(parsed.has_arrivals);
    check_arrivals_equal(&arrivals_in, &parsed.arrivals);
    CHECK_EQ(parsed.arrivals.echo.valid, 0);
  }
  /* Exactly 512, all received: 1,056 bytes. */
  fill_arrivals(&arrivals_in, 1, PT_FEEDBACK_MAX_ARRIVALS, 777.7);
  memset(arrivals_in.received, 1, sizeof arrivals_in.received);
  for (int i = 0; i < PT_FEEDBACK_MAX_ARRIVALS; i++) arrivals_in.arrival_ms[i] = 777.7 + i * 1.01;
  offset = 0;
  CHECK_EQ(pt_feedback_write_arrivals(&arrivals_in, out, sizeof out, &offset), PT_OK);
  CHECK_EQ(offset, 1056);
  CHECK_EQ(parse_copy(out, offset, &parsed), PT_OK);
  check_arrivals_equal(&arrivals_in, &parsed.arrivals);

  /* Echo hold clamped to 0..65535. */
  arrivals_in.count = 1;
  arrivals_in.echo = (pt_feedback_echo){1, 99, 1e9};
  offset = 0;
  CHECK_EQ(pt_feedback_write_arrivals(&arrivals_in, out, sizeof out, &offset), PT_OK);
  CHECK_EQ(parse_copy(out, offset, &parsed), PT_OK);
  CHECK(parsed.arrivals.echo.valid && parsed.arrivals.echo.time_ms == 99 && parsed.arrivals.echo.hold_ms == 65535.0);
  arrivals_in.echo = (pt_feedback_echo){1, 99, -5};
  offset = 0;
  CHECK_EQ(pt_feedback_write_arrivals(&arrivals_in, out, sizeof out, &offset), PT_OK);
  CHECK_EQ(parse_copy(out, offset, &parsed), PT_OK);
  CHECK(parsed.arrivals.echo.valid && parsed.arrivals.echo.hold_ms == 0.0);

  /* count > 512 refused. */
  arrivals_in.count = PT_FEEDBACK_MAX_ARRIVALS + 1;
  offset = 0;
  CHECK_EQ(pt_feedback_write_arrivals(&arrivals_in, out, sizeof out, &offset), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_feedback_write_arrivals(NULL, out, sizeof out, &offset), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(offset, 0);
}

static void test_arrival_offsets_beyond_8_s_are_clamped(void) {
  uint8_t out[256];
  size_t offset = 0;
  memset(&arrivals_in, 0, sizeof arrivals_in);
  arrivals_in.base_seq = 10;
  arrivals_in.count = 6;
  const double times[6] = {0, 1000.0, 1000.0 + 10000.0, 1000.0 - 10000.0, 1000.0 + 8191.5, 1000.0 - 8191.5};
  for (int i = 1; i < 6; i++) {
    arrivals_in.received[i] = 1; /* the first is missing: the reference is the first received */
    arrivals_in.arrival_ms[i] = times[i];
  }
  CHECK_EQ(pt_feedback_write_arrivals(&arrivals_in, out, sizeof out, &offset), PT_OK);
  CHECK_EQ(parse_copy(out, offset, &parsed), PT_OK);
  const pt_feedback_arrivals *a = &parsed.arrivals;
  CHECK_EQ(a->count, 6);
  CHECK(!a->received[0]);
  for (int i = 1; i < 6; i++) CHECK(a->received[i]);
  CHECK(fabs(a->arrival_ms[1] - 1000.0) < 0.25);
  CHECK(fabs(a->arrival_ms[2] - (1000.0 + 8191.75)) < 1e-9); /* +32767 quarter ms */
  CHECK(fabs(a->arrival_ms[3] - (1000.0 - 8191.75)) < 1e-9); /* −32767, never the "not received" −32768 */
  CHECK(fabs(a->arrival_ms[4] - times[4]) < 0.25);
  CHECK(fabs(a->arrival_ms[5] - times[5]) < 0.25);
}

/* The receiver's clock is only required to be consistent ("only differences matter"); a clock past
 * 2^30 ms (12.4 days: performance.now() of a long-open tab, or CLOCK_MONOTONIC of a long-running
 * machine) overflows the 32-bit quarter-ms reference. */
static void test_arrival_times_on_a_large_clock(void) {
  uint8_t out[256];
  size_t offset = 0;
  memset(&arrivals_in, 0, sizeof arrivals_in);
  arrivals_in.count = 3;
  const double base = 1.2e9; /* ms, ~13.9 days */
  for (int i = 0; i < 3; i++) {
    arrivals_in.received[i] = 1;
    arrivals_in.arrival_ms[i] = base + 10.0 * i;
  }
  CHECK_EQ(pt_feedback_write_arrivals(&arrivals_in, out, sizeof out, &offset), PT_OK);
  CHECK_EQ(parse_copy(out, offset, &parsed), PT_OK);
  const double d1 = parsed.arrivals.arrival_ms[1] - parsed.arrivals.arrival_ms[0];
  const double d2 = parsed.arrivals.arrival_ms[2] - parsed.arrivals.arrival_ms[0];
  CHECK(fabs(d1 - 10.0) < 0.5 && fabs(d2 - 20.0) < 0.5);

}

static void test_sender_report_round_trip(void) {
  uint8_t out[128];
  size_t offset = 0;
  pt_feedback_sender_report r = {
      .media_ssrc = 0xdeadbeefu,
      .sender_time_ms = 0x89abcdefu,
      .echo = {1, 0xfedcba98u, 65535.0},
      .target_bps = 12000000u,
      .estimate_bps = 0xffffffffu,
      .retransmitted = 1,
      .fec_sent = 2,
      .keyframes = 3,
      .frames_dropped = 4000000000u,
      .loss_permille = 1000,
  };
  CHECK_EQ(pt_feedback_write_sender_report(&r, out, sizeof out, &offset), PT_OK);
  CHECK_EQ(offset, 52);
  CHECK(out[0] == 0x80 && out[1] == 204 && out[2] == 0 && out[3] == 12 && memcmp(out + 8, "PTSR", 4) == 0);
  CHECK_EQ(parse_copy(out, offset, &parsed), PT_OK);
  CHECK(parsed.has_sender_report && !parsed.has_arrivals && parsed.nack_count == 0);
  const pt_feedback_sender_report *p = &parsed.sender_report;
  CHECK_EQ(p->media_ssrc, r.media_ssrc);
  CHECK_EQ(p->sender_time_ms, r.sender_time_ms);
  CHECK(p->echo.valid && p->echo.time_ms == r.echo.time_ms && p->echo.hold_ms == 65535.0);
  CHECK_EQ(p->target_bps, r.target_bps);
  CHECK_EQ(p->estimate_bps, r.estimate_bps);
  CHECK_EQ(p->retransmitted, r.retransmitted);
  CHECK_EQ(p->fec_sent, r.fec_sent);
  CHECK_EQ(p->keyframes, r.keyframes);
  CHECK_EQ(p->frames_dropped, r.frames_dropped);
  CHECK_EQ(p->loss_permille, r.loss_permille);

  r.echo.valid = 0;
  offset = 0;
  CHECK_EQ(pt_feedback_write_sender_report(&r, out, sizeof out, &offset), PT_OK);
  CHECK_EQ(parse_copy(out, offset, &parsed), PT_OK);
  CHECK_EQ(parsed.sender_report.echo.valid, 0);
  CHECK_EQ(pt_feedback_write_sender_report(NULL, out, sizeof out, &offset), PT_ERR_INVALID_ARGUMENT);
}

/* Where each packet of write_compound's message starts (and, last, its length). */
static size_t compound_at[4];

/* NACK + arrivals + sender report in one message; returns its length. The NACK packs into 3 entries
 * (7 with 9; 30; 65535 with 0): 24 bytes; the report of 40: 112 bytes; the sender report: 52. */
static size_t write_compound(uint8_t *out, size_t capacity, pt_feedback_sender_report *sr) {
  static const uint16_t seqs[] = {7, 9, 30, 65535, 0};
  size_t offset = 0;
  compound_at[0] = offset;
  CHECK_EQ(pt_feedback_write_nack(0x5555u, seqs, 5, out, capacity, &offset), PT_OK);
  compound_at[1] = offset;
  fill_arrivals(&arrivals_in, 65535, 40, 100.0);
  CHECK_EQ(pt_feedback_write_arrivals(&arrivals_in, out, capacity, &offset), PT_OK);
  compound_at[2] = offset;
  memset(sr, 0, sizeof *sr);
  sr->media_ssrc = 0x5555u;
  sr->target_bps = 5000000;
  sr->loss_permille = 17;
  CHECK_EQ(pt_feedback_write_sender_report(sr, out, capacity, &offset), PT_OK);
  compound_at[3] = offset;
  return offset;
}

static void test_compound_parses_all_three(void) {
  static const uint16_t seqs[] = {7, 9, 30, 65535, 0};
  uint8_t out[PT_FEEDBACK_MAX_MESSAGE];
  pt_feedback_sender_report sr;
  size_t length = write_compound(out, sizeof out, &sr);
  CHECK_EQ(length, 24 + 112 + 52);
  CHECK(compound_at[1] == 24 && compound_at[2] == 24 + 112);
  CHECK_EQ(parse_copy(out, length, &parsed), PT_OK);
  CHECK_EQ(parsed.nack_ssrc, 0x5555u);
  check_nack_set(&parsed, seqs, 5);
  CHECK(parsed.has_arrivals && parsed.has_sender_report);
  check_arrivals_equal(&arrivals_in, &parsed.arrivals);
  CHECK(parsed.sender_report.target_bps == 5000000 && parsed.sender_report.loss_permille == 17);

  /* The largest NACK and the largest report together fit PT_FEEDBACK_MAX_MESSAGE. */
  uint16_t spread[PT_FEEDBACK_MAX_NACKS];
  for (int i = 0; i < PT_FEEDBACK_MAX_NACKS; i++) spread[i] = (uint16_t)(17 * i);
  size_t offset = 0;
  CHECK_EQ(pt_feedback_write_nack(1, spread, PT_FEEDBACK_MAX_NACKS, out, sizeof out, &offset), PT_OK);
  fill_arrivals(&arrivals_in, 0, PT_FEEDBACK_MAX_ARRIVALS, 0);
  CHECK_EQ(pt_feedback_write_arrivals(&arrivals_in, out, sizeof out, &offset), PT_OK);
  CHECK(offset <= PT_FEEDBACK_MAX_MESSAGE);
  CHECK_EQ(parse_copy(out, offset, &parsed), PT_OK);
  CHECK_EQ(parsed.nack_count, PT_FEEDBACK_MAX_NACKS);
  CHECK(parsed.has_arrivals && parsed.arrivals.count == PT_FEEDBACK_MAX_ARRIVALS);

  /* A second packet of a kind replaces the first; the parse resets what a previous call left. */
  uint16_t a = 1, b = 2;
  offset = 0;
  CHECK_EQ(pt_feedback_write_nack(1, &a, 1, out, sizeof out, &offset), PT_OK);
  CHECK_EQ(pt_feedback_write_nack(2, &b, 1, out, sizeof out, &offset), PT_OK);
  CHECK_EQ(parse_copy(out, offset, &parsed), PT_OK);
  CHECK(parsed.nack_ssrc == 2 && parsed.nack_count == 1 && parsed.nacks[0] == 2);
  CHECK(!parsed.has_arrivals && !parsed.has_sender_report);
}

static void test_is_feedback(void) {
  uint8_t m[12] = {0x80, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0};
  CHECK(!pt_feedback_is_feedback(m, sizeof m)); /* RTP, PT 96 */
  m[1] = 0x80 | 96;
  CHECK(!pt_feedback_is_feedback(m, sizeof m)); /* RTP, marker set: byte 224 */
  m[1] = 0x80 | 127;
  CHECK(!pt_feedback_is_feedback(m, sizeof m));
  m[1] = 191;
  CHECK(!pt_feedback_is_feedback(m, sizeof m));
  static const uint8_t types[] = {192, 200, 201, 204, 205, 206, 223};
  for (size_t i = 0; i < sizeof types; i++) {
    m[1] = types[i];
    CHECK(pt_feedback_is_feedback(m, sizeof m));
  }
  m[1] = 205;
  CHECK(!pt_feedback_is_feedback(m, 7)); /* shorter than any RTCP packet */
  CHECK(pt_feedback_is_feedback(m, 8));
  CHECK(!pt_feedback_is_feedback(NULL, 8));
  m[0] = 0x40; /* version 1 */
  CHECK(!pt_feedback_is_feedback(m, sizeof m));
  m[0] = 0xc0; /* version 3 */
  CHECK(!pt_feedback_is_feedback(m, sizeof m));
}

static void test_buffer_too_small(void) {
  uint8_t out[PT_FEEDBACK_MAX_MESSAGE];
  const uint16_t seqs[] = {1, 100, 200};
  size_t offset = 0;
  /* NACK: 3 entries, 24 bytes. */
  CHECK_EQ(pt_feedback_write_nack(1, seqs, 3, out, 23, &offset), PT_ERR_BUFFER_TOO_SMALL);
  CHECK_EQ(offset, 0);
  CHECK_EQ(pt_feedback_write_nack(1, seqs, 3, out, 24, &offset), PT_OK);
  CHECK_EQ(offset, 24);
  CHECK_EQ(pt_feedback_write_nack(1, seqs, 3, out, 47, &offset), PT_ERR_BUFFER_TOO_SMALL);
  CHECK_EQ(offset, 24);
  /* An offset already past the capacity. */
  size_t past = 100;
  CHECK_EQ(pt_feedback_write_nack(1, seqs, 3, out, 50, &past), PT_ERR_BUFFER_TOO_SMALL);
  CHECK_EQ(past, 100);

  fill_arrivals(&arrivals_in, 0, 11, 0); /* 32 + 22 → 56 bytes */
  offset = 0;
  CHECK_EQ(pt_feedback_write_arrivals(&arrivals_in, out, 55, &offset), PT_ERR_BUFFER_TOO_SMALL);
  CHECK_EQ(offset, 0);
  CHECK_EQ(pt_feedback_write_arrivals(&arrivals_in, out, 56, &offset), PT_OK);
  CHECK_EQ(offset, 56);
  past = 57;
  CHECK_EQ(pt_feedback_write_arrivals(&arrivals_in, out, 56, &past), PT_ERR_BUFFER_TOO_SMALL);

  pt_feedback_sender_report r;
  memset(&r, 0, sizeof r);
  offset = 0;
  CHECK_EQ(pt_feedback_write_sender_report(&r, out, 51, &offset), PT_ERR_BUFFER_TOO_SMALL);
  CHECK_EQ(offset, 0);
  CHECK_EQ(pt_feedback_write_sender_report(&r, out, 52, &offset), PT_OK);
  offset = 10;
  CHECK_EQ(pt_feedback_write_sender_report(&r, out, 61, &offset), PT_ERR_BUFFER_TOO_SMALL);
  CHECK_EQ(offset, 10);
}

static void test_every_truncation_of_a_compound(void) {
  uint8_t out[PT_FEEDBACK_MAX_MESSAGE];
  pt_feedback_sender_report sr;
  size_t length = write_compound(out, sizeof out, &sr);
  const size_t boundaries[] = {compound_at[1], compound_at[2]};
  for (size_t cut = 0; cut < length; cut++) {
    int status = parse_copy(out, cut, &parsed);
    int boundary = cut == boundaries[0] || cut == boundaries[1];
    if (boundary) {
      CHECK_EQ(status, PT_OK);
      CHECK(parsed.nack_count == 5 && parsed.has_arrivals == (cut == boundaries[1]) && !parsed.has_sender_report);
    } else {
      CHECK_EQ(status, PT_ERR_MALFORMED);
    }
  }
  /* Every suffix too: from a boundary it parses, from anywhere else it may or may not, never crashes. */
  for (size_t from = 1; from < length; from++) {
    int status = parse_copy(out + from, length - from, &parsed);
    CHECK(status == PT_OK || status == PT_ERR_MALFORMED);
    if (from == boundaries[0] || from == boundaries[1]) CHECK_EQ(status, PT_OK);
  }
  CHECK_EQ(pt_feedback_parse(NULL, 4, &parsed), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_feedback_parse(out, length, NULL), PT_ERR_INVALID_ARGUMENT);
}

static void test_hostile_headers(void) {
  uint8_t out[PT_FEEDBACK_MAX_MESSAGE + 64];
  pt_feedback_sender_report sr;
  size_t length = write_compound(out, sizeof out, &sr);
  uint8_t m[sizeof out];

  /* A length field one word beyond the message, in each packet. */
  const size_t *starts = compound_at;
  for (int k = 0; k < 3; k++) {
    memcpy(m, out, length);
    put16(m + starts[k] + 2, (uint32_t)(((m[starts[k] + 2] << 8) | m[starts[k] + 3]) + (k == 2 ? 1 : 200)));
    CHECK_EQ(parse_copy(m, length, &parsed), PT_ERR_MALFORMED);
    put16(m + starts[k] + 2, 0xffff);
    CHECK_EQ(parse_copy(m, length, &parsed), PT_ERR_MALFORMED);
  }
  /* Version 0, 1, 3 in each packet. */
  for (int k = 0; k < 3; k++) {
    for (int v = 0; v < 4; v++) {
      if (v == 2) continue;
      memcpy(m, out, length);
      m[starts[k]] = (uint8_t)((m[starts[k]] & 0x3f) | (v << 6));
      CHECK_EQ(parse_copy(m, length, &parsed), PT_ERR_MALFORMED);
    }
  }
  /* Trailing bytes that are not a whole header. */
  memcpy(m, out, length);
  m[length] = 0x80;
  m[length + 1] = 205;
  CHECK_EQ(parse_copy(m, length + 1, &parsed), PT_ERR_MALFORMED);
  CHECK_EQ(parse_copy(m, length + 3, &parsed), PT_ERR_MALFORMED);
  CHECK_EQ(parse_copy(m, 0, &parsed), PT_ERR_MALFORMED);

  /* Arrival count > 512, in a packet long enough for it. */
  memset(&arrivals_in, 0, sizeof arrivals_in);
  arrivals_in.count = PT_FEEDBACK_MAX_ARRIVALS;
  size_t offset = 0;
  CHECK_EQ(pt_feedback_write_arrivals(&arrivals_in, m, sizeof m, &offset), PT_OK);
  CHECK_EQ(offset, 1056);
  memset(m + offset, 0x80, 4);
  put16(m + 2, (1056 + 4) / 4 - 1);
  put16(m + 26, PT_FEEDBACK_MAX_ARRIVALS + 1);
  CHECK_EQ(parse_copy(m, 1060, &parsed), PT_ERR_MALFORMED);
  put16(m + 26, 0xffff);
  CHECK_EQ(parse_copy(m, 1060, &parsed), PT_ERR_MALFORMED);
  /* A count larger than the packet holds (but ≤ 512), and a packet shorter than its fixed part. */
  arrivals_in.count = 10; /* 52 bytes */
  offset = 0;
  CHECK_EQ(pt_feedback_write_arrivals(&arrivals_in, m, sizeof m, &offset), PT_OK);
  put16(m + 26, 11); /* 54 > 52 */
  CHECK_EQ(parse_copy(m, offset, &parsed), PT_ERR_MALFORMED);
  put16(m + 26, 10);
  CHECK_EQ(parse_copy(m, offset, &parsed), PT_OK);
  put16(m + 2, 28 / 4 - 1); /* PTAR of 28 bytes: shorter than its 32 fixed bytes */
  CHECK_EQ(parse_copy(m, 28, &parsed), PT_ERR_MALFORMED);
  /* A PTSR shorter than 52 bytes, a NACK shorter than 12. */
  memset(&sr, 0, sizeof sr);
  offset = 0;
  CHECK_EQ(pt_feedback_write_sender_report(&sr, m, sizeof m, &offset), PT_OK);
  put16(m + 2, 48 / 4 - 1);
  CHECK_EQ(parse_copy(m, 48, &parsed), PT_ERR_MALFORMED);
  const uint8_t short_nack[8] = {0x81, 205, 0, 1, 0, 0, 0, 0};
  CHECK_EQ(parse_copy(short_nack, 8, &parsed), PT_ERR_MALFORMED);
  /* A NACK of 12 bytes (no entries) is valid and names nothing. */
  const uint8_t empty_nack[12] = {0x81, 205, 0, 2, 0, 0, 0, 0, 0, 0, 0, 9};
  CHECK_EQ(parse_copy(empty_nack, 12, &parsed), PT_OK);
  CHECK(parsed.nack_count == 0 && parsed.nack_ssrc == 9);

  /* A hostile NACK naming more than 256 numbers: only 256 are stored. */
  memset(m, 0, sizeof m);
  m[0] = 0x81;
  m[1] = 205;
  put16(m + 2, (12 + 4 * 40) / 4 - 1);
  for (int e = 0; e < 40; e++) {
    put16(m + 12 + 4 * e, (uint32_t)(e * 17));
    put16(m + 14 + 4 * e, 0xffff);
  }
  CHECK_EQ(parse_copy(m, 12 + 4 * 40, &parsed), PT_OK);
  CHECK_EQ(parsed.nack_count, PT_FEEDBACK_MAX_NACKS);
}

static void test_unknown_packets_are_skipped(void) {
  uint8_t m[512];
  size_t length = 0;
  /* An RTCP SR (PT 200) of 28 bytes. */
  memset(m, 0, sizeof m);
  m[0] = 0x80;
  m[1] = 200;
  put16(m + 2, 6);
  length = 28;
  /* A PLI (PSFB, PT 206, FMT 1), 12 bytes. */
  m[length] = 0x81;
  m[length + 1] = 206;
  put16(m + length + 2, 2);
  length += 12;
  /* An RTPFB of another FMT (15: transport-wide CC), 16 bytes of junk. */
  m[length] = 0x8f;
  m[length + 1] = 205;
  put16(m + length + 2, 3);
  memset(m + length + 4, 0xab, 12);
  length += 16;
  /* An APP with another name, and a PTAR-sized body. */
  m[length] = 0x80;
  m[length + 1] = 204;
  put16(m + length + 2, 9);
  memcpy(m + length + 8, "XXXX", 4);
  memset(m + length + 12, 0xff, 28);
  length += 40;
  /* An APP too short to have a name at all (8 bytes), and one of 4 bytes. */
  m[length] = 0x80;
  m[length + 1] = 204;
  put16(m + length + 2, 1);
  length += 8;
  m[length] = 0x80;
  m[length + 1] = 204;
  put16(m + length + 2, 0);
  length += 4;
  /* An unknown type that is not even RTCP (PT 100). */
  m[length] = 0x80;
  m[length + 1] = 100;
  put16(m + length + 2, 0);
  length += 4;
  CHECK_EQ(parse_copy(m, length, &parsed), PT_OK);
  CHECK(parsed.nack_count == 0 && !parsed.has_arrivals && !parsed.has_sender_report);
  /* Then a real NACK and sender report after them still count. */
  const uint16_t seq = 321;
  CHECK_EQ(pt_feedback_write_nack(3, &seq, 1, m, sizeof m, &length), PT_OK);
  pt_feedback_sender_report r;
  memset(&r, 0, sizeof r);
  r.keyframes = 5;
  CHECK_EQ(pt_feedback_write_sender_report(&r, m, sizeof m, &length), PT_OK);
  CHECK_EQ(parse_copy(m, length, &parsed), PT_OK);
  CHECK(parsed.nack_count == 1 && parsed.nacks[0] == 321 && parsed.has_sender_report && !parsed.has_arrivals);
  CHECK_EQ(parsed.sender_report.keyframes, 5);
}

static void test_random_mutations_never_crash(void) {
  uint8_t out[PT_FEEDBACK_MAX_MESSAGE];
  pt_feedback_sender_report sr;
  size_t length = write_compound(out, sizeof out, &sr);
  uint8_t m[PT_FEEDBACK_MAX_MESSAGE];
  int ok = 0, malformed = 0;
  for (int round = 0; round < 20000; round++) {
    size_t n;
    if (round % 4 == 0) { /* random bytes with a plausible first header */
      n = rng() % 300;
      for (size_t i = 0; i < n; i++) m[i] = (uint8_t)rng();
      if (n > 0) m[0] = (uint8_t)(0x80 | (m[0] & 0x3f));
      if (n > 1) m[1] = (uint8_t)(200 + rng() % 8);
      if (n > 3) put16(m + 2, rng() % 80);
    } else { /* a few byte flips of the valid compound, maybe cut */
      memcpy(m, out, length);
      n = length;
      for (int k = 1 + (int)(rng() % 4); k > 0; k--) m[rng() % n] ^= (uint8_t)(1u << (rng() % 8));
      if (rng() % 3 == 0) n = rng() % (n + 1);
    }
    int status = parse_copy(m, n, &parsed);
    CHECK(status == PT_OK || status == PT_ERR_MALFORMED);
    if (status == PT_OK) {
      ok++;
      CHECK(parsed.nack_count <= PT_FEEDBACK_MAX_NACKS);
      if (parsed.has_arrivals) CHECK(parsed.arrivals.count <= PT_FEEDBACK_MAX_ARRIVALS);
    } else {
      malformed++;
    }
  }
  CHECK(ok > 1000 && malformed > 1000);
}

/* ============================== nack_tracker ============================== */

typedef struct unwanted_set {
  uint16_t seqs[16];
  size_t count;
  int calls;
} unwanted_set;

static int wanted_unless_listed(void *context, uint16_t seq) {
  unwanted_set *u = context;
  u->calls++;
  for (size_t i = 0; i < u->count; i++) {
    if (u->seqs[i] == seq) return 0;
  }
  return 1;
}

static int contains(const uint16_t *v, size_t n, uint16_t seq) {
  for (size_t i = 0; i < n; i++) {
    if (v[i] == seq) return 1;
  }
  return 0;
}

static void test_nack_gap_retry_and_recovery(void) {
  CHECK(pt_nack_retry_interval(0) == 20.0);
  CHECK(pt_nack_retry_interval(5) == 20.0);
  CHECK(pt_nack_retry_interval(100) == 135.0);
  const double rtt = 50, interval = pt_nack_retry_interval(rtt); /* 72.5 */
  CHECK(interval == 72.5);

  pt_nack_tracker *t = &tracker;
  pt_nack_tracker_init(t);
  CHECK(pt_nack_tracker_deadline(t, rtt) == -1);
  uint16_t out[PT_NACK_MAX_MISSING];
  CHECK_EQ(pt_nack_tracker_take_due(t, 0, rtt, NULL, NULL, out, 16), 0);
  pt_nack_tracker_on_packet(t, 100, 0);
  pt_nack_tracker_on_packet(t, 101, 1);
  CHECK_EQ(t->count, 0);
  CHECK(pt_nack_tracker_deadline(t, rtt) == -1);

  /* 102..104 lost: NACKed at once. */
  pt_nack_tracker_on_packet(t, 105, 10);
  CHECK_EQ(t->count, 3);
  CHECK(pt_nack_tracker_deadline(t, rtt) == 10);
  size_t n = pt_nack_tracker_take_due(t, 10, rtt, NULL, NULL, out, 16);
  CHECK_EQ(n, 3);
  CHECK(contains(out, n, 102) && contains(out, n, 103) && contains(out, n, 104));
  CHECK(t->requested == 3);
  /* Not again before the retry interval. */
  CHECK(pt_nack_tracker_deadline(t, rtt) == 10 + interval);
  CHECK_EQ(pt_nack_tracker_take_due(t, 10, rtt, NULL, NULL, out, 16), 0);
  CHECK_EQ(pt_nack_tracker_take_due(t, 10 + interval - 0.01, rtt, NULL, NULL, out, 16), 0);

  /* 103 arrives: its hole is filled and counted recovered. Late duplicates of others do nothing. */
  pt_nack_tracker_on_packet(t, 103, 30);
  CHECK(t->recovered == 1);
  CHECK_EQ(t->count, 2);
  pt_nack_tracker_on_packet(t, 103, 31);
  pt_nack_tracker_on_packet(t, 100, 31);
  CHECK(t->recovered == 1);
  CHECK_EQ(t->count, 2);

  n = pt_nack_tracker_take_due(t, 10 + interval, rtt, NULL, NULL, out, 16);
  CHECK_EQ(n, 2);
  CHECK(contains(out, n, 102) && contains(out, n, 104) && !contains(out, n, 103));
  CHECK(t->requested == 5);
  /* A longer RTT stretches the interval. */
  CHECK(pt_nack_tracker_deadline(t, 200) == 10 + interval + pt_nack_retry_interval(200));

  /* A new gap while others wait: the new one is due at once, the deadline is the earliest. */
  pt_nack_tracker_on_packet(t, 107, 90);
  CHECK(pt_nack_tracker_deadline(t, rtt) == 90);
  /* Room for one number only: the rest stays due. */
  n = pt_nack_tracker_take_due(t, 95, rtt, NULL, NULL, out, 1);
  CHECK_EQ(n, 1);
  CHECK_EQ(out[0], 106);
  CHECK(pt_nack_tracker_deadline(t, rtt) == 10 + 2 * interval);
}

/* Told where the stream starts, the tracker NACKs what the first packet overtook; a hint the first packet
 * does not follow closely is ignored. */
static void test_nack_expected_start(void) {
  pt_nack_tracker *t = &tracker;
  uint16_t out[PT_NACK_MAX_MISSING];
  pt_nack_tracker_init(t);
  pt_nack_tracker_expect(t, 65534);
  pt_nack_tracker_on_packet(t, 1, 0); /* 65534, 65535 and 0 overtaken, across the wrap */
  size_t n = pt_nack_tracker_take_due(t, 0, 50, NULL, NULL, out, 16);
  CHECK_EQ(n, 3);
  CHECK(contains(out, n, 65534) && contains(out, n, 65535) && contains(out, n, 0));
  pt_nack_tracker_on_packet(t, 65534, 5);
  CHECK(t->recovered == 1);

  pt_nack_tracker_init(t);
  pt_nack_tracker_expect(t, 100);
  pt_nack_tracker_on_packet(t, 100, 0); /* the start itself: nothing missing */
  CHECK_EQ(t->count, 0);

  const uint16_t far[] = {(uint16_t)(100 + PT_NACK_MAX_MISSING + 1), 99, 60000};
  for (size_t i = 0; i < sizeof far / sizeof far[0]; i++) {
    pt_nack_tracker_init(t);
    pt_nack_tracker_expect(t, 100);
    pt_nack_tracker_on_packet(t, far[i], 0);
    CHECK_EQ(t->count, 0);
    pt_nack_tracker_on_packet(t, (uint16_t)(far[i] + 2), 1); /* and it goes on from the first packet */
    CHECK_EQ(t->count, 1);
  }

  pt_nack_tracker_init(t);
  pt_nack_tracker_on_packet(t, 5, 0);
  pt_nack_tracker_expect(t, 1); /* too late */
  CHECK_EQ(t->count, 0);
  CHECK_EQ(t->expected, 0);
}

static void test_nack_wanted_and_max_tries(void) {
  const double rtt = 0, interval = pt_nack_retry_interval(rtt);
  pt_nack_tracker *t = &tracker;
  pt_nack_tracker_init(t);
  pt_nack_tracker_on_packet(t, 1000, 0);
  pt_nack_tracker_on_packet(t, 1004, 0); /* 1001, 1002, 1003 */
  uint16_t out[16];
  unwanted_set u = {{1002}, 1, 0};
  size_t n = pt_nack_tracker_take_due(t, 0, rtt, wanted_unless_listed, &u, out, 16);
  CHECK(u.calls >= 3);
  CHECK_EQ(n, 2);
  CHECK(contains(out, n, 1001) && contains(out, n, 1003));
  CHECK_EQ(t->count, 2); /* 1002 removed for good */
  u.count = 0;
  n = pt_nack_tracker_take_due(t, interval, rtt, wanted_unless_listed, &u, out, 16);
  CHECK_EQ(n, 2);
  CHECK(!contains(out, n, 1002));

  /* Max tries: each number is NACKed PT_NACK_MAX_TRIES times in all, then dropped. */
  size_t tries = 2;
  double now = interval;
  for (int step = 0; step < 20; step++) {
    now += interval;
    n = pt_nack_tracker_take_due(t, now, rtt, NULL, NULL, out, 16);
    if (n == 0) break;
    CHECK_EQ(n, 2);
    tries++;
    if (tries == PT_NACK_MAX_TRIES) {
      /* Tried enough: the deadline is the next take, which drops them. */
      CHECK(pt_nack_tracker_deadline(t, rtt) == now + interval);
    }
  }
  CHECK_EQ(tries, PT_NACK_MAX_TRIES);
  CHECK_EQ(t->count, 0);
  CHECK(pt_nack_tracker_deadline(t, rtt) == -1);
  CHECK(t->requested == 2 * PT_NACK_MAX_TRIES);
}

static void test_nack_large_jump_and_wraparound(void) {
  pt_nack_tracker *t = &tracker;
  uint16_t out[PT_NACK_MAX_MISSING];

  /* A jump of exactly PT_NACK_MAX_MISSING: 511 missing, all tracked. */
  pt_nack_tracker_init(t);
  pt_nack_tracker_on_packet(t, 5000, 0);
  pt_nack_tracker_on_packet(t, 5000 + PT_NACK_MAX_MISSING, 1);
  CHECK_EQ(t->count, PT_NACK_MAX_MISSING - 1);
  CHECK_EQ(pt_nack_tracker_take_due(t, 1, 0, NULL, NULL, out, PT_NACK_MAX_MISSING), PT_NACK_MAX_MISSING - 1);
  /* One more beyond it: too far, everything is cleared (a keyframe will repair it). */
  pt_nack_tracker_on_packet(t, 5000 + 2 * PT_NACK_MAX_MISSING + 1, 2);
  CHECK_EQ(t->count, 0);
  CHECK(pt_nack_tracker_deadline(t, 0) == -1);
  /* The numbers before the jump arriving late are no longer tracked, and open nothing. */
  pt_nack_tracker_on_packet(t, 5100, 3);
  CHECK(t->count == 0 && t->recovered == 0);
  /* After the jump, small gaps are tracked again from the new highest. */
  pt_nack_tracker_on_packet(t, 5000 + 2 * PT_NACK_MAX_MISSING + 3, 4);
  CHECK_EQ(t->count, 1);
  CHECK_EQ(t->missing[0].seq, 5000 + 2 * PT_NACK_MAX_MISSING + 2);

  /* Wraparound: 65533 → 2 loses 65534, 65535, 0, 1. */
  pt_nack_tracker_init(t);
  pt_nack_tracker_on_packet(t, 65533, 0);
  pt_nack_tracker_on_packet(t, 2, 5);
  CHECK_EQ(t->count, 4);
  size_t n = pt_nack_tracker_take_due(t, 5, 0, NULL, NULL, out, 16);
  CHECK_EQ(n, 4);
  CHECK(contains(out, n, 65534) && contains(out, n, 65535) && contains(out, n, 0) && contains(out, n, 1));
  pt_nack_tracker_on_packet(t, 0, 6);
  pt_nack_tracker_on_packet(t, 65535, 6);
  CHECK(t->recovered == 2 && t->count == 2);
  pt_nack_tracker_on_packet(t, 3, 7); /* in order after the wrap: no new gap */
  CHECK_EQ(t->count, 2);
  /* A long run through the wrap keeps the extended highest increasing. */
  pt_nack_tracker_init(t);
  for (uint32_t s = 60000; s < 60000 + 70000; s += 2) pt_nack_tracker_on_packet(t, (uint16_t)s, s);
  CHECK_EQ(t->highest, 60000 + 70000 - 2);
  CHECK(t->count > 0 && t->count <= PT_NACK_MAX_MISSING);
}

/* ============================== arrival_log ============================== */

static void test_arrival_log_consecutive_reports(void) {
  pt_arrival_log *log = &arrival_log;
  pt_feedback_arrivals *r = &arrivals_in;
  pt_arrival_log_init(log);
  CHECK_EQ(pt_arrival_log_take(log, r), 0);
  CHECK_EQ(r->count, 0);
  for (uint16_t s = 10; s < 20; s++) {
    if (s != 13 && s != 15) pt_arrival_log_record(log, s, 100.0 + s);
  }
  CHECK_EQ(pt_arrival_log_take(log, r), 10);
  CHECK(r->base_seq == 10 && r->count == 10);
  for (int i = 0; i < 10; i++) {
    CHECK_EQ(r->received[i], i != 3 && i != 5);
    if (r->received[i]) CHECK(r->arrival_ms[i] == 110.0 + i);
  }
  CHECK_EQ(pt_arrival_log_take(log, r), 0); /* nothing new */
  for (uint16_t s = 20; s < 25; s++) pt_arrival_log_record(log, s, 200.0 + s);
  CHECK_EQ(pt_arrival_log_take(log, r), 5);
  CHECK(r->base_seq == 20 && r->count == 5);
  for (int i = 0; i < 5; i++) CHECK(r->received[i] && r->arrival_ms[i] == 220.0 + i);

  /* 13, reported missing, arrives: reported again as received (from it to the newest). */
  pt_arrival_log_record(log, 13, 300.0);
  uint16_t count = pt_arrival_log_take(log, r);
  CHECK(count >= 1 && r->base_seq == 13);
  CHECK(r->received[0] && r->arrival_ms[0] == 300.0);
  CHECK_EQ(r->base_seq + count - 1, 24);
  CHECK_EQ(pt_arrival_log_take(log, r), 0);

  /* A gap then later numbers; each number exactly once across reports in order. */
  int covered[200] = {0};
  pt_arrival_log_init(log);
  for (int s = 0; s < 200; s++) {
    if (s % 11 != 5) pt_arrival_log_record(log, (uint16_t)(1000 + s), s);
    if (s % 17 == 16) {
      uint16_t c = pt_arrival_log_take(log, r);
      for (uint16_t i = 0; i < c; i++) covered[(uint16_t)(r->base_seq + i) - 1000]++;
    }
  }
  uint16_t c = pt_arrival_log_take(log, r);
  for (uint16_t i = 0; i < c; i++) covered[(uint16_t)(r->base_seq + i) - 1000]++;
  for (int s = 0; s < 200; s++) CHECK_EQ(covered[s], 1);
}

static void test_arrival_log_limits_and_wraparound(void) {
  pt_arrival_log *log = &arrival_log;
  pt_feedback_arrivals *r = &arrivals_in;

  /* More than 512 pending: only the newest 512. */
  pt_arrival_log_init(log);
  for (int s = 0; s < 1000; s++) pt_arrival_log_record(log, (uint16_t)s, s * 0.5);
  CHECK_EQ(pt_arrival_log_take(log, r), PT_FEEDBACK_MAX_ARRIVALS);
  CHECK_EQ(r->base_seq, 1000 - PT_FEEDBACK_MAX_ARRIVALS);
  for (int i = 0; i < PT_FEEDBACK_MAX_ARRIVALS; i++) {
    CHECK(r->received[i] && r->arrival_ms[i] == (1000 - PT_FEEDBACK_MAX_ARRIVALS + i) * 0.5);
  }
  /* A jump far ahead: stale ring slots are not reported as received. */
  pt_arrival_log_record(log, 1000 + 700, 1);
  CHECK_EQ(pt_arrival_log_take(log, r), PT_FEEDBACK_MAX_ARRIVALS);
  CHECK_EQ(r->base_seq, 1700 + 1 - PT_FEEDBACK_MAX_ARRIVALS);
  for (int i = 0; i < PT_FEEDBACK_MAX_ARRIVALS - 1; i++) CHECK(!r->received[i]);
  CHECK(r->received[PT_FEEDBACK_MAX_ARRIVALS - 1]);
  /* Too late to report again (512 or more behind): ignored. */
  pt_arrival_log_record(log, 1700 - PT_FEEDBACK_MAX_ARRIVALS, 2);
  CHECK_EQ(pt_arrival_log_take(log, r), 0);

  /* Wraparound: 65530 .. 5 in one report, then more after. */
  pt_arrival_log_init(log);
  for (uint32_t s = 65530; s < 65536 + 6; s++) pt_arrival_log_record(log, (uint16_t)s, (double)s);
  CHECK_EQ(pt_arrival_log_take(log, r), 12);
  CHECK_EQ(r->base_seq, 65530);
  for (int i = 0; i < 12; i++) CHECK(r->received[i] && r->arrival_ms[i] == 65530.0 + i);
  pt_arrival_log_record(log, 8, 1.0);
  CHECK_EQ(pt_arrival_log_take(log, r), 3);
  CHECK(r->base_seq == 6 && !r->received[0] && !r->received[1] && r->received[2]);

  /* Reordered packets just behind the first one recorded (extended numbers below zero). */
  pt_arrival_log_init(log);
  pt_arrival_log_record(log, 0, 10.0);
  pt_arrival_log_record(log, 65534, 11.0); /* 65535 lost */
  CHECK_EQ(pt_arrival_log_take(log, r), 3);
  CHECK_EQ(r->base_seq, 65534);
  CHECK(r->received[0] && r->arrival_ms[0] == 11.0);
  CHECK(r->received[2] && r->arrival_ms[2] == 10.0);
  CHECK(!r->received[1]);

}

/* ================================= pacer ================================= */

typedef struct emitted {
  uint8_t first[8192];
  size_t lengths[8192];
  size_t count, bytes;
  int fail_at; /* the emit call (1-based) that fails, 0 for none */
  size_t retransmissions; /* packets emitted as retransmissions */
} emitted;

static emitted sink;

static int emit(void *context, const uint8_t *packet, size_t length, int retransmission) {
  emitted *e = context;
  e->retransmissions += retransmission != 0;
  CHECK(e->count < 8192);
  e->first[e->count] = packet[0];
  e->lengths[e->count] = length;
  e->count++;
  e->bytes += length;
  if (e->fail_at != 0 && (int)e->count == e->fail_at) return PT_ERR_QUEUE_FULL;
  return PT_OK;
}

static void push_frame(pt_pacer *p, uint32_t frame, int packets, size_t size, int retransmission) {
  uint8_t data[2000];
  CHECK(size <= sizeof data);
  memset(data, (int)(frame & 0xff), size);
  for (int i = 0; i < packets; i++) CHECK_EQ(pt_pacer_push(p, data, size, retransmission), PT_OK);
}

static void test_pacer_rate(void) {
  pt_pacer *p = NULL;
  CHECK_EQ(pt_pacer_create(&p), PT_OK);
  CHECK(pt_pacer_deadline(p, 8e6) == -1);
  const double rate = 8e6; /* 1,000 bytes per ms; burst 5,000 bytes */
  const size_t packet = 1200;
  push_frame(p, 1, 500, packet, 0); /* 600,000 bytes: far more than 100 ms */
  CHECK_EQ(pt_pacer_queued_bytes(p), 500 * packet);
  CHECK_EQ(pt_pacer_sent_bytes(p), 0);
  memset(&sink, 0, sizeof sink);
  for (int ms = 0; ms <= 100; ms++) CHECK_EQ(pt_pacer_send(p, 1000.0 + ms, rate, emit, &sink), PT_OK);
  const double expected = rate / 8.0 * 0.1 + rate / 8.0 * PT_PACER_BURST_MS / 1000.0; /* 105,000 */
  CHECK(fabs((double)sink.bytes - expected) <= (double)packet);
  CHECK_EQ(pt_pacer_queued_bytes(p), 500 * packet - sink.bytes);
  CHECK_EQ(pt_pacer_sent_bytes(p), sink.bytes);

  /* Driven by the deadline alone, over 100 ms more: the same rate, no burst on top. */
  size_t before = sink.bytes;
  double now = 1100.0;
  int calls = 0;
  for (;;) {
    double deadline = pt_pacer_deadline(p, rate);
    CHECK(deadline >= now); /* the budget is spent: in the future */
    if (deadline > 1200.0) break;
    now = deadline;
    size_t n = sink.count;
    CHECK_EQ(pt_pacer_send(p, now, rate, emit, &sink), PT_OK);
    CHECK(sink.count > n); /* the deadline was right: something left */
    calls++;
  }
  CHECK(calls > 50);
  /* (within a packet at each end: the budget is between −1 packet and 0 before and after) */
  CHECK(fabs((double)(sink.bytes - before) - rate / 8.0 * 0.1) <= 2.0 * (double)packet);

  /* A slow rate: one packet at a time, deadlines spaced by its length at the rate. */
  pt_pacer_destroy(p);
  CHECK_EQ(pt_pacer_create(&p), PT_OK);
  push_frame(p, 1, 3, 1000, 0);
  memset(&sink, 0, sizeof sink);
  CHECK_EQ(pt_pacer_send(p, 0, 1e6, emit, &sink), PT_OK); /* burst 625 bytes: one packet, budget −375 */
  CHECK_EQ(sink.count, 1);
  double deadline = pt_pacer_deadline(p, 1e6);
  CHECK(deadline > 0 && deadline < 4.0); /* 376 bytes at 125 bytes/ms: ~3 ms */
  CHECK_EQ(pt_pacer_send(p, deadline - 0.1, 1e6, emit, &sink), PT_OK);
  CHECK_EQ(sink.count, 1);
  CHECK_EQ(pt_pacer_send(p, deadline, 1e6, emit, &sink), PT_OK);
  CHECK_EQ(sink.count, 2);
  CHECK_EQ(pt_pacer_send(p, 1000, 1e6, emit, &sink), PT_OK);
  CHECK_EQ(sink.count, 3);
  CHECK(pt_pacer_deadline(p, 1e6) == -1);
  CHECK_EQ(pt_pacer_queued_bytes(p), 0);
  /* Idle time saves up no more than a burst. */
  push_frame(p, 2, 10, 100, 0);
  CHECK_EQ(pt_pacer_send(p, 1e6, 1e6, emit, &sink), PT_OK);
  CHECK_EQ(sink.count, 3 + 7); /* 625 bytes of budget: 7 packets of 100 */

  CHECK_EQ(pt_pacer_send(p, 1e6, 0, emit, &sink), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_pacer_send(p, 1e6, 1e6, NULL, &sink), PT_ERR_INVALID_ARGUMENT);
  pt_pacer_destroy(p);
}

static void test_pacer_retransmissions_first_and_emit_errors(void) {
  pt_pacer *p = NULL;
  CHECK_EQ(pt_pacer_create(&p), PT_OK);
  push_frame(p, 'A', 3, 100, 0);
  push_frame(p, 'R', 2, 100, 1);
  push_frame(p, 'B', 1, 100, 0);
  memset(&sink, 0, sizeof sink);
  CHECK_EQ(pt_pacer_send(p, 0, 1e9, emit, &sink), PT_OK);
  CHECK_EQ(sink.count, 6);
  const char order[] = "RRAAAB";
  for (int i = 0; i < 6; i++) CHECK_EQ(sink.first[i], order[i]);
  CHECK_EQ(sink.retransmissions, 2); /* emit is told which were queued as retransmissions */

  /* A retransmission pushed while media waits jumps the queue at the next send. */
  push_frame(p, 'C', 20, 1000, 0);
  memset(&sink, 0, sizeof sink);
  CHECK_EQ(pt_pacer_send(p, 100, 8e6, emit, &sink), PT_OK); /* 5,000 bytes of burst */
  size_t first = sink.count;
  CHECK(first > 0 && first < 20);
  push_frame(p, 'S', 1, 1000, 1);
  CHECK_EQ(pt_pacer_send(p, 110, 8e6, emit, &sink), PT_OK);
  CHECK(sink.count > first);
  CHECK_EQ(sink.first[first], 'S');

  /* An emit error is returned; the packet that failed is dropped, the rest stays. */
  size_t queued = pt_pacer_queued_bytes(p);
  memset(&sink, 0, sizeof sink);
  sink.fail_at = 2;
  CHECK_EQ(pt_pacer_send(p, 1000, 8e6, emit, &sink), PT_ERR_QUEUE_FULL);
  CHECK_EQ(sink.count, 2);
  CHECK_EQ(pt_pacer_queued_bytes(p), queued - 2000);
  pt_pacer_destroy(p);
}

/* A longer burst lets a whole frame leave at once; the setting is clamped, and the rate still holds after. */
static void test_pacer_burst_setting(void) {
  pt_pacer *p = NULL;
  CHECK_EQ(pt_pacer_create(&p), PT_OK);
  const double rate = 8e6; /* 1,000 bytes per ms */
  push_frame(p, 'A', 15, 1000, 0);
  memset(&sink, 0, sizeof sink);
  CHECK_EQ(pt_pacer_send(p, 0, rate, emit, &sink), PT_OK);
  CHECK_EQ(sink.count, 5); /* the default 5 ms: 5,000 bytes */
  pt_pacer_set_burst_ms(p, 20);
  CHECK_EQ(pt_pacer_send(p, 1000, rate, emit, &sink), PT_OK); /* idle long enough to earn a whole burst */
  CHECK_EQ(sink.count, 15);
  push_frame(p, 'B', 30, 1000, 0);
  CHECK_EQ(pt_pacer_send(p, 2000, rate, emit, &sink), PT_OK);
  CHECK_EQ(sink.count, 35); /* 20,000 bytes at once, the rest at the rate */
  CHECK_EQ(pt_pacer_send(p, 2005, rate, emit, &sink), PT_OK);
  CHECK_EQ(sink.count, 40);
  pt_pacer_set_burst_ms(p, 1e9); /* clamped to 100 ms */
  pt_pacer_set_burst_ms(p, 0.0 / 0.0); /* ignored */
  push_frame(p, 'C', 200, 1000, 0);
  CHECK_EQ(pt_pacer_send(p, 10000, rate, emit, &sink), PT_OK);
  CHECK_EQ(sink.count, 40 + 100); /* the 5 left of B and 95 of C */
  pt_pacer_set_burst_ms(NULL, 20);
  pt_pacer_destroy(p);
}

static void test_pacer_limits(void) {
  pt_pacer *p = NULL;
  CHECK_EQ(pt_pacer_create(NULL), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_pacer_create(&p), PT_OK);
  uint8_t byte = 1;
  CHECK_EQ(pt_pacer_push(p, &byte, 0, 0), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_pacer_push(p, NULL, 1, 0), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_pacer_push(NULL, &byte, 1, 0), PT_ERR_INVALID_ARGUMENT);
  /* Packets: PT_PACER_MAX_PACKETS per queue. */
  for (int i = 0; i < PT_PACER_MAX_PACKETS; i++) CHECK_EQ(pt_pacer_push(p, &byte, 1, 0), PT_OK);
  CHECK_EQ(pt_pacer_push(p, &byte, 1, 0), PT_ERR_QUEUE_FULL);
  CHECK_EQ(pt_pacer_push(p, &byte, 1, 1), PT_OK); /* the retransmission queue is separate */
  CHECK_EQ(pt_pacer_queued_bytes(p), PT_PACER_MAX_PACKETS + 1);
  memset(&sink, 0, sizeof sink);
  CHECK_EQ(pt_pacer_send(p, 0, 1e12, emit, &sink), PT_OK); /* everything leaves */
  CHECK_EQ(sink.count, PT_PACER_MAX_PACKETS + 1);
  CHECK_EQ(pt_pacer_queued_bytes(p), 0);
  CHECK_EQ(pt_pacer_push(p, &byte, 1, 1), PT_OK);
  /* Bytes: PT_PACER_MAX_BYTES over both queues. */
  size_t big = PT_PACER_MAX_BYTES / 4;
  uint8_t *data = calloc(1, big);
  CHECK(data != NULL);
  for (int i = 0; i < 3; i++) CHECK_EQ(pt_pacer_push(p, data, big, 0), PT_OK);
  CHECK_EQ(pt_pacer_push(p, data, big, 0), PT_ERR_QUEUE_FULL); /* one byte over */
  CHECK_EQ(pt_pacer_push(p, data, big - 1, 1), PT_OK);         /* exactly full */
  CHECK_EQ(pt_pacer_queued_bytes(p), PT_PACER_MAX_BYTES);
  CHECK_EQ(pt_pacer_push(p, &byte, 1, 1), PT_ERR_QUEUE_FULL);
  free(data);
  /* Sending makes room again. */
  memset(&sink, 0, sizeof sink);
  CHECK_EQ(pt_pacer_send(p, 1000, 1e12, emit, &sink), PT_OK);
  CHECK_EQ(pt_pacer_queued_bytes(p), 0);
  CHECK_EQ(pt_pacer_push(p, &byte, 1, 1), PT_OK);
  pt_pacer_destroy(p); /* frees what is still queued (LeakSanitizer) */
  pt_pacer_destroy(NULL);
}

/* ============================== send_history ============================== */

static void test_send_history(void) {
  pt_send_history *h = NULL;
  CHECK_EQ(pt_send_history_create(&h, 0), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_send_history_create(NULL, 100), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_send_history_create(&h, 1200), PT_OK);
  uint8_t packet[1201];
  size_t length = 0;
  for (uint32_t s = 65000; s < 65000 + 1500; s++) { /* through the wrap, over the ring size */
    size_t n = 20 + s % 1000;
    for (size_t i = 0; i < n; i++) packet[i] = (uint8_t)(s * 7 + i);
    CHECK_EQ(pt_send_history_store(h, (uint16_t)s, packet, n, 1000.0 + (s - 65000) * 0.1), PT_OK);
  }
  const double now = 1000.0 + 1500 * 0.1;
  /* The newest PT_SEND_HISTORY_SIZE are there, byte for byte. */
  for (uint32_t s = 65000 + 1500 - PT_SEND_HISTORY_SIZE; s < 65000 + 1500; s++) {
    const uint8_t *p = pt_send_history_take(h, (uint16_t)s, now, 1000, 0, &length);
    CHECK(p != NULL);
    CHECK_EQ(length, 20 + s % 1000);
    for (size_t i = 0; i < length; i++) CHECK_EQ(p[i], (uint8_t)(s * 7 + i));
  }
  /* Overwritten ones and numbers never stored are not. */
  CHECK(pt_send_history_take(h, 65000, now, 1000, 0, &length) == NULL);
  CHECK(pt_send_history_take(h, (uint16_t)(65000 + 1500 - PT_SEND_HISTORY_SIZE - 1), now, 1000, 0, &length) == NULL);
  CHECK(pt_send_history_take(h, (uint16_t)(65000 + 1500), now, 1000, 0, &length) == NULL);
  CHECK(pt_send_history_take(h, 30000, now, 1000, 0, &length) == NULL);
  CHECK(pt_send_history_take(NULL, 1, now, 1000, 0, &length) == NULL);
  CHECK(pt_send_history_take(h, 1, now, 1000, 0, NULL) == NULL);
  pt_send_history_destroy(h);

  /* Age and interval. */
  CHECK_EQ(pt_send_history_create(&h, 100), PT_OK);
  uint8_t big[101] = {0};
  CHECK_EQ(pt_send_history_store(h, 1, big, 101, 0), PT_ERR_TOO_LARGE);
  CHECK_EQ(pt_send_history_store(NULL, 1, big, 10, 0), PT_ERR_INVALID_ARGUMENT);
  CHECK(pt_send_history_take(h, 1, 0, 1000, 0, &length) == NULL); /* refused store stored nothing */
  const uint8_t a[] = {1, 2, 3, 4, 5};
  CHECK_EQ(pt_send_history_store(h, 7, a, sizeof a, 100.0), PT_OK);
  CHECK(pt_send_history_take(h, 7, 100.0 + 500.1, 500, 30, &length) == NULL); /* older than max age */
  const uint8_t *p = pt_send_history_take(h, 7, 100.0 + 500.0, 500, 30, &length); /* exactly max age: still fine */
  CHECK(p != NULL && length == sizeof a && memcmp(p, a, sizeof a) == 0);
  CHECK_EQ(pt_send_history_store(h, 8, a, 3, 200.0), PT_OK);
  p = pt_send_history_take(h, 8, 210.0, 500, 30, &length);
  CHECK(p != NULL && length == 3 && memcmp(p, a, 3) == 0);
  CHECK(pt_send_history_take(h, 8, 220.0, 500, 30, &length) == NULL);  /* within the interval */
  CHECK(pt_send_history_take(h, 8, 239.9, 500, 30, &length) == NULL);
  p = pt_send_history_take(h, 8, 240.0, 500, 30, &length);                 /* after it */
  CHECK(p != NULL && length == 3 && memcmp(p, a, 3) == 0);
  CHECK(pt_send_history_take(h, 8, 250.0, 500, 30, &length) == NULL);
  /* Storing the number again resets it (a new packet): resendable at once. */
  const uint8_t b[] = {9, 9};
  CHECK_EQ(pt_send_history_store(h, 8, b, 2, 251.0), PT_OK);
  p = pt_send_history_take(h, 8, 252.0, 500, 30, &length);
  CHECK(p != NULL && length == 2 && p[0] == 9);
  /* 8 + PT_SEND_HISTORY_SIZE overwrites 8's slot. */
  CHECK_EQ(pt_send_history_store(h, 8 + PT_SEND_HISTORY_SIZE, a, 1, 260.0), PT_OK);
  CHECK(pt_send_history_take(h, 8, 300.0, 500, 0, &length) == NULL);
  p = pt_send_history_take(h, 8 + PT_SEND_HISTORY_SIZE, 300.0, 500, 0, &length);
  CHECK(p != NULL && length == 1 && p[0] == 1);
  pt_send_history_destroy(h);
  pt_send_history_destroy(NULL);
}

int main(void) {
  RUN(test_nack_exact_bytes_rfc4585);
  RUN(test_nack_round_trips);
  RUN(test_arrival_report_round_trip);
  RUN(test_arrival_offsets_beyond_8_s_are_clamped);
  RUN(test_arrival_times_on_a_large_clock);
  RUN(test_sender_report_round_trip);
  RUN(test_compound_parses_all_three);
  RUN(test_is_feedback);
  RUN(test_buffer_too_small);
  RUN(test_every_truncation_of_a_compound);
  RUN(test_hostile_headers);
  RUN(test_unknown_packets_are_skipped);
  RUN(test_random_mutations_never_crash);
  RUN(test_nack_gap_retry_and_recovery);
  RUN(test_nack_expected_start);
  RUN(test_nack_wanted_and_max_tries);
  RUN(test_nack_large_jump_and_wraparound);
  RUN(test_arrival_log_consecutive_reports);
  RUN(test_arrival_log_limits_and_wraparound);
  RUN(test_pacer_rate);
  RUN(test_pacer_retransmissions_first_and_emit_errors);
  RUN(test_pacer_burst_setting);
  RUN(test_pacer_limits);
  RUN(test_send_history);
  return 0;
}
