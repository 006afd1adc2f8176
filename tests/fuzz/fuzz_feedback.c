/* libFuzzer target for media feedback (src/media/feedback.c): the input is one media-channel message
 * given to pt_feedback_parse, which must return PT_OK or PT_ERR_MALFORMED and never read outside it.
 * When it parses, every part it found is written back with the writers (each alone, then all three as
 * one compound) and parsed again:
 *  - NACK: the same set of sequence numbers (the writer merges duplicates a hostile NACK may name);
 *  - arrival report: same SSRC, sender time, base, count, received flags and echo; the arrival times
 *    too when they are representable (the writer re-anchors them on the first received one: its
 *    quarter-ms value must fit 32 bits and every offset from it ±32767 quarter ms), else only counts;
 *    a second write of the re-parsed report is then byte-identical to the first;
 *  - sender report: every field, and a second write byte-identical to the first;
 *  - the compound: the same counts and kinds.
 * Each writer is also given one byte too few (PT_ERR_BUFFER_TOO_SMALL, nothing written past it).
 *
 * Build: cmake -DPT_FUZZ=ON with clang (see CMakeLists.txt), or by hand:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc tests/fuzz/fuzz_feedback.c \
 *     src/media/feedback.c src/core/error.c -o fuzz_feedback */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "media/feedback.h"

#include "fuzz_support.h"


#define OUT_SIZE 4096 /* more than the three largest parts together (1,036 + 1,056 + 52) */
#define GUARD 0xa5

static pt_feedback first, second, third;
static uint8_t out[OUT_SIZE + 1], again[OUT_SIZE + 1];

static int compare_u16(const void *a, const void *b) {
  uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
  return (x > y) - (x < y);
}

/* Sorted, duplicates removed, into set; returns its size. */
static size_t nack_set(const pt_feedback *f, uint16_t *set) {
  memcpy(set, f->nacks, f->nack_count * sizeof *set);
  qsort(set, f->nack_count, sizeof *set, compare_u16);
  size_t n = 0;
  for (size_t i = 0; i < f->nack_count; i++) {
    if (n == 0 || set[n - 1] != set[i]) set[n++] = set[i];
  }
  return n;
}

static int parse(const uint8_t *message, size_t length, pt_feedback *f) {
  int status = pt_feedback_parse(message, length, f);
  FUZZ_CHECK(status == PT_OK || status == PT_ERR_MALFORMED);
  if (status == PT_OK) {
    FUZZ_CHECK(f->nack_count <= PT_FEEDBACK_MAX_NACKS);
    if (f->has_arrivals) FUZZ_CHECK(f->arrivals.count <= PT_FEEDBACK_MAX_ARRIVALS);
  }
  return status;
}

static int same_echo(const pt_feedback_echo *a, const pt_feedback_echo *b) {
  if (a->valid != b->valid) return 0;
  return !a->valid || (a->time_ms == b->time_ms && a->hold_ms == b->hold_ms);
}

/* The writer refuses a buffer one byte short and leaves it alone; returns the size written. */
typedef int (*writer)(const void *part, uint8_t *o, size_t capacity, size_t *offset);

static size_t write_checked(writer w, const void *part, uint8_t *o) {
  size_t offset = 0;
  FUZZ_CHECK(w(part, o, OUT_SIZE, &offset) == PT_OK);
  FUZZ_CHECK(offset > 0 && offset % 4 == 0 && offset <= OUT_SIZE);
  const size_t size = offset;
  memset(o, GUARD, size + 1);
  offset = 0;
  FUZZ_CHECK(w(part, o, size - 1, &offset) == PT_ERR_BUFFER_TOO_SMALL);
  FUZZ_CHECK(offset == 0);
  offset = 0;
  FUZZ_CHECK(w(part, o, size, &offset) == PT_OK);
  FUZZ_CHECK(offset == size && o[size] == GUARD);
  FUZZ_CHECK(pt_feedback_is_feedback(o, size));
  return size;
}

static int write_nack(const void *part, uint8_t *o, size_t capacity, size_t *offset) {
  const pt_feedback *f = part;
  return pt_feedback_write_nack(f->nack_ssrc, f->nacks, f->nack_count, o, capacity, offset);
}
static int write_arrivals(const void *part, uint8_t *o, size_t capacity, size_t *offset) {
  return pt_feedback_write_arrivals(part, o, capacity, offset);
}
static int write_sender_report(const void *part, uint8_t *o, size_t capacity, size_t *offset) {
  return pt_feedback_write_sender_report(part, o, capacity, offset);
}

static void check_nack(const pt_feedback *f) {
  static uint16_t want[PT_FEEDBACK_MAX_NACKS], got[PT_FEEDBACK_MAX_NACKS];
  size_t size = write_checked(write_nack, f, out);
  FUZZ_CHECK(size <= 12 + 4 * PT_FEEDBACK_MAX_NACKS);
  FUZZ_CHECK(parse(out, size, &second) == PT_OK);
  FUZZ_CHECK(second.nack_ssrc == f->nack_ssrc && !second.has_arrivals && !second.has_sender_report);
  size_t n = nack_set(f, want);
  FUZZ_CHECK(second.nack_count == n); /* the writer merged duplicates, the parse names each once */
  FUZZ_CHECK(nack_set(&second, got) == n && memcmp(want, got, n * sizeof *want) == 0);
}

/* Whether the writer can carry a report's times exactly (see the top of the file). */
static int times_representable(const pt_feedback_arrivals *a) {
  size_t f = 0;
  while (f < a->count && !a->received[f]) f++;
  if (f == a->count) return 1;
  const double reference = a->arrival_ms[f];
  if (!(reference >= 0 && reference * 4.0 < 4294967296.0)) return 0;
  for (size_t i = f; i < a->count; i++) {
    if (!a->received[i]) continue;
    double q = (a->arrival_ms[i] - reference) * 4.0;
    if (q < -32767 || q > 32767) return 0;
  }
  return 1;
}

static void check_arrivals(const pt_feedback_arrivals *a) {
  size_t size = write_checked(write_arrivals, a, out);
  FUZZ_CHECK(size == ((32 + 2 * (size_t)a->count + 3) & ~(size_t)3));
  FUZZ_CHECK(parse(out, size, &second) == PT_OK);
  FUZZ_CHECK(second.has_arrivals && !second.has_sender_report && second.nack_count == 0);
  const pt_feedback_arrivals *b = &second.arrivals;
  FUZZ_CHECK(b->media_ssrc == a->media_ssrc && b->sender_time_ms == a->sender_time_ms);
  FUZZ_CHECK(b->base_seq == a->base_seq && b->count == a->count);
  FUZZ_CHECK(same_echo(&a->echo, &b->echo));
  const int exact = times_representable(a);
  for (size_t i = 0; i < a->count; i++) {
    FUZZ_CHECK(!!b->received[i] == !!a->received[i]);
    if (exact && a->received[i]) FUZZ_CHECK(b->arrival_ms[i] == a->arrival_ms[i]);
  }
  if (exact) {
    size_t size2 = write_checked(write_arrivals, b, again);
    FUZZ_CHECK(size2 == size && memcmp(out, again, size) == 0);
  }
}

static void check_sender_report(const pt_feedback_sender_report *r) {
  size_t size = write_checked(write_sender_report, r, out);
  FUZZ_CHECK(size == 52);
  FUZZ_CHECK(parse(out, size, &second) == PT_OK);
  FUZZ_CHECK(second.has_sender_report && !second.has_arrivals && second.nack_count == 0);
  const pt_feedback_sender_report *s = &second.sender_report;
  FUZZ_CHECK(s->media_ssrc == r->media_ssrc && s->sender_time_ms == r->sender_time_ms);
  FUZZ_CHECK(same_echo(&r->echo, &s->echo));
  FUZZ_CHECK(s->target_bps == r->target_bps && s->estimate_bps == r->estimate_bps);
  FUZZ_CHECK(s->retransmitted == r->retransmitted && s->fec_sent == r->fec_sent);
  FUZZ_CHECK(s->keyframes == r->keyframes && s->frames_dropped == r->frames_dropped);
  FUZZ_CHECK(s->loss_permille == r->loss_permille);
  size_t size2 = write_checked(write_sender_report, s, again);
  FUZZ_CHECK(size2 == size && memcmp(out, again, size) == 0);
}

/* All parts in one message, parsed at once. */
static void check_compound(const pt_feedback *f) {
  size_t offset = 0;
  if (f->nack_count > 0) {
    FUZZ_CHECK(pt_feedback_write_nack(f->nack_ssrc, f->nacks, f->nack_count, out, OUT_SIZE, &offset) == PT_OK);
  }
  if (f->has_arrivals) FUZZ_CHECK(pt_feedback_write_arrivals(&f->arrivals, out, OUT_SIZE, &offset) == PT_OK);
  if (f->has_sender_report) {
    FUZZ_CHECK(pt_feedback_write_sender_report(&f->sender_report, out, OUT_SIZE, &offset) == PT_OK);
  }
  if (offset == 0) return;
  FUZZ_CHECK(parse(out, offset, &third) == PT_OK);
  static uint16_t set[PT_FEEDBACK_MAX_NACKS];
  FUZZ_CHECK(third.nack_count == nack_set(f, set));
  FUZZ_CHECK(third.has_arrivals == f->has_arrivals && third.has_sender_report == f->has_sender_report);
  if (f->has_arrivals) FUZZ_CHECK(third.arrivals.count == f->arrivals.count);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  (void)pt_feedback_is_feedback(data, size);
  if (parse(data, size, &first) != PT_OK) return 0;
  if (first.nack_count > 0) check_nack(&first);
  if (first.has_arrivals) check_arrivals(&first.arrivals);
  if (first.has_sender_report) check_sender_report(&first.sender_report);
  check_compound(&first);
  return 0;
}
