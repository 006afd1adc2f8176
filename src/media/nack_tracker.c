#include "media/nack_tracker.h"

#include <string.h>

void pt_nack_tracker_init(pt_nack_tracker *t) { memset(t, 0, sizeof *t); }

double pt_nack_retry_interval(double rtt_ms) {
  /* A retransmission takes a round trip; the margin absorbs jitter. */
  double interval = rtt_ms * 1.25 + 10.0;
  return interval < 20.0 ? 20.0 : interval;
}

static void remove_at(pt_nack_tracker *t, size_t i) {
  t->missing[i] = t->missing[--t->count];
}

void pt_nack_tracker_expect(pt_nack_tracker *t, uint16_t seq) {
  if (t->started) return;
  t->expected = 1;
  t->expected_seq = seq;
}

void pt_nack_tracker_on_packet(pt_nack_tracker *t, uint16_t seq, double now_ms) {
  if (!t->started) {
    t->started = 1;
    t->highest = seq;
    /* a first packet shortly after the expected start: as if the one before the start had arrived */
    uint16_t past = (uint16_t)(seq - t->expected_seq);
    if (!t->expected || past == 0 || past > PT_NACK_MAX_MISSING) return;
    t->highest = (int64_t)seq - past - 1;
  }
  int32_t delta = (uint16_t)(seq - (uint16_t)t->highest);
  if (delta >= 32768) delta -= 65536;
  if (delta <= 0) { /* a late or repeated packet: it fills its hole, if it was one */
    for (size_t i = 0; i < t->count; i++) {
      if (t->missing[i].seq == seq) {
        remove_at(t, i);
        t->recovered++;
        break;
      }
    }
    return;
  }
  if (delta > PT_NACK_MAX_MISSING) {
    t->count = 0; /* too far to repair by retransmission: a keyframe will */
  } else {
    for (int32_t k = 1; k < delta && t->count < PT_NACK_MAX_MISSING; k++) {
      t->missing[t->count++] = (pt_nack_entry){(uint16_t)(t->highest + k), 0, now_ms, 0};
    }
  }
  t->highest += delta;
}

size_t pt_nack_tracker_take_due(pt_nack_tracker *t, double now_ms, double rtt_ms, pt_nack_wanted wanted,
                                void *context, uint16_t *out, size_t max) {
  double interval = pt_nack_retry_interval(rtt_ms);
  size_t taken = 0;
  for (size_t i = 0; i < t->count;) {
    pt_nack_entry *e = &t->missing[i];
    if (e->tries >= PT_NACK_MAX_TRIES || (wanted != NULL && !wanted(context, e->seq))) {
      remove_at(t, i);
      continue;
    }
    if (taken < max && (e->tries == 0 || now_ms >= e->last_sent_ms + interval)) {
      out[taken++] = e->seq;
      e->tries++;
      e->last_sent_ms = now_ms;
      t->requested++;
    }
    i++;
  }
  return taken;
}

double pt_nack_tracker_deadline(const pt_nack_tracker *t, double rtt_ms) {
  double interval = pt_nack_retry_interval(rtt_ms), earliest = -1;
  for (size_t i = 0; i < t->count; i++) {
    const pt_nack_entry *e = &t->missing[i];
    double due = e->tries == 0 ? e->since_ms : e->last_sent_ms + interval;
    if (e->tries >= PT_NACK_MAX_TRIES) due = e->last_sent_ms + interval; /* dropped on the next take */
    if (earliest < 0 || due < earliest) earliest = due;
  }
  return earliest;
}
