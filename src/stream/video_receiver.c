#include "stream/video_receiver.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "media/arrival_log.h"
#include "media/fec.h"
#include "media/nack_tracker.h"

#define FEC_MAX_BYTES (256u << 10)
#define FEC_MAX_AGE_MS 1000.0

struct pt_video_receiver {
  pt_frame_assembler *assembler;
  uint32_t media_ssrc, fec_ssrc;
  uint8_t payload_type;
  pt_nack_tracker nacks;
  pt_arrival_log arrivals;
  pt_fec_decoder *fec;
  double next_report_ms;
  int have_echo;            /* the host's last sender report time, to echo */
  uint32_t echo_time_ms;
  double echo_received_ms;
  pt_video_receiver_stats stats;
  pt_feedback_arrivals report; /* scratch */
};

double pt_video_recovery_wait_ms(double rtt_ms) {
  /* Three NACK rounds and the trip of the last retransmission. */
  double wait = 3.0 * pt_nack_retry_interval(rtt_ms) + rtt_ms;
  return wait < 80.0 ? 80.0 : wait > 600.0 ? 600.0 : wait;
}

/* The assembler waits for retransmissions and asks for keyframes at a pace the round trip allows. */
static void set_timing(pt_video_receiver *r, double rtt_ms) {
  double keyframe_interval = 2.0 * rtt_ms + 200.0;
  pt_frame_assembler_set_timing(r->assembler, pt_video_recovery_wait_ms(rtt_ms), keyframe_interval < 500.0 ? 500.0 : keyframe_interval);
}

int pt_video_receiver_create(pt_video_receiver **out, pt_frame_assembler *assembler, uint32_t media_ssrc,
                             uint8_t payload_type, uint32_t fec_ssrc, double now_ms) {
  if (out == NULL || assembler == NULL) return PT_ERR_INVALID_ARGUMENT;
  *out = NULL;
  pt_video_receiver *r = calloc(1, sizeof *r);
  if (r == NULL) return PT_ERR_NO_MEMORY;
  int status = pt_fec_decoder_create(&r->fec, FEC_MAX_BYTES);
  if (status != PT_OK) {
    free(r);
    return status;
  }
  r->assembler = assembler;
  r->media_ssrc = media_ssrc;
  r->fec_ssrc = fec_ssrc;
  r->payload_type = payload_type;
  r->stats.rtt_ms = -1;
  r->next_report_ms = now_ms; /* the report clock's origin */
  pt_nack_tracker_init(&r->nacks);
  pt_arrival_log_init(&r->arrivals);
  set_timing(r, PT_VIDEO_DEFAULT_RTT_MS);
  *out = r;
  return PT_OK;
}

void pt_video_receiver_expect(pt_video_receiver *r, uint16_t first_seq) {
  if (r != NULL) pt_nack_tracker_expect(&r->nacks, first_seq);
}

void pt_video_receiver_destroy(pt_video_receiver *r) {
  if (r == NULL) return;
  pt_fec_decoder_destroy(r->fec);
  free(r);
}

static double rtt_or_default(const pt_video_receiver *r) {
  return r->stats.rtt_ms > 0 ? r->stats.rtt_ms : PT_VIDEO_DEFAULT_RTT_MS;
}

/* Arrival reports go out on a PT_VIDEO_REPORT_MS clock that starts when the receiver is created: the
 * first report is due at its first tick at or after the first arrival, however often (or seldom) the
 * receiver was polled before. */
static double first_tick(double origin_ms, double now_ms) {
  if (!(now_ms > origin_ms) || now_ms - origin_ms > 1e12) return now_ms > origin_ms ? now_ms : origin_ms;
  double ticks = (now_ms - origin_ms) / PT_VIDEO_REPORT_MS, whole = (double)(int64_t)ticks;
  return origin_ms + (whole < ticks ? whole + 1 : whole) * PT_VIDEO_REPORT_MS;
}

void pt_video_receiver_on_media(pt_video_receiver *r, const uint8_t *rtp, size_t length, double now_ms) {
  if (r == NULL || rtp == NULL || length < 12) return;
  if (!r->arrivals.started) r->next_report_ms = first_tick(r->next_report_ms, now_ms);
  uint16_t seq = (uint16_t)((rtp[2] << 8) | rtp[3]);
  double recovered_before = r->nacks.recovered;
  pt_nack_tracker_on_packet(&r->nacks, seq, now_ms);
  r->stats.recovered_by_nack += r->nacks.recovered - recovered_before;
  pt_arrival_log_record(&r->arrivals, seq, now_ms);
}

int pt_video_receiver_on_fec(pt_video_receiver *r, const uint8_t *rtp, size_t length, double now_ms) {
  if (r == NULL) return PT_ERR_INVALID_ARGUMENT;
  r->stats.fec_received++;
  return pt_fec_decoder_add(r->fec, rtp, length, now_ms);
}

static int lookup(void *context, uint16_t seq, pt_fec_source *source) {
  const pt_video_receiver *r = context;
  const uint8_t *payload = NULL;
  size_t length = 0;
  int marker = 0;
  uint32_t timestamp = 0;
  switch (pt_frame_assembler_lookup(r->assembler, seq, &payload, &length, &marker, &timestamp)) {
    case PT_FA_HELD:
      *source = (pt_fec_source){payload, length, marker, r->payload_type, timestamp};
      return PT_FEC_PRESENT;
    case PT_FA_WANTED:
      return PT_FEC_MISSING;
    default:
      return PT_FEC_GONE;
  }
}

int pt_video_receiver_recover(pt_video_receiver *r, double now_ms, pt_video_recovered recovered, void *context) {
  if (r == NULL || recovered == NULL) return PT_ERR_INVALID_ARGUMENT;
  uint8_t packet[PT_FEC_MAX_PAYLOAD + 12];
  for (;;) {
    int length = pt_fec_decoder_recover(r->fec, lookup, r, r->media_ssrc, now_ms, FEC_MAX_AGE_MS, packet, sizeof packet);
    if (length <= 0) return length;
    r->stats.fec_recovered++;
    /* The tracker must not NACK what parity rebuilt. */
    uint16_t seq = (uint16_t)((packet[2] << 8) | packet[3]);
    double recovered_before = r->nacks.recovered;
    pt_nack_tracker_on_packet(&r->nacks, seq, now_ms);
    r->nacks.recovered = recovered_before;
    int status = recovered(context, packet, (size_t)length);
    if (status != PT_OK) return status;
  }
}

void pt_video_receiver_on_feedback(pt_video_receiver *r, const pt_feedback *f, double now_ms) {
  if (r == NULL || f == NULL || !f->has_sender_report || f->sender_report.media_ssrc != r->media_ssrc) return;
  const pt_feedback_sender_report *report = &f->sender_report;
  r->stats.sender = *report;
  r->stats.have_sender_report = 1;
  if (pt_feedback_echo_rtt(&report->echo, now_ms, &r->stats.rtt_ms) >= 0) set_timing(r, r->stats.rtt_ms);
  r->have_echo = 1;
  r->echo_time_ms = report->sender_time_ms;
  r->echo_received_ms = now_ms;
}

static int wanted(void *context, uint16_t seq) {
  return pt_frame_assembler_lookup(((const pt_video_receiver *)context)->assembler, seq, NULL, NULL, NULL, NULL) ==
         PT_FA_WANTED;
}

int pt_video_receiver_poll(pt_video_receiver *r, double now_ms, pt_video_feedback_send send, void *context) {
  if (r == NULL || send == NULL) return PT_ERR_INVALID_ARGUMENT;
  uint16_t seqs[PT_FEEDBACK_MAX_NACKS];
  size_t nacks = pt_nack_tracker_take_due(&r->nacks, now_ms, rtt_or_default(r), wanted, r, seqs, PT_FEEDBACK_MAX_NACKS);
  int report_due = r->arrivals.started && now_ms >= r->next_report_ms;
  if (nacks == 0 && !report_due) return PT_OK;
  uint8_t message[PT_FEEDBACK_MAX_MESSAGE];
  size_t length = 0;
  int status = nacks > 0 ? pt_feedback_write_nack(r->media_ssrc, seqs, nacks, message, sizeof message, &length) : PT_OK;
  r->stats.nacks_sent += (double)nacks;
  if (status == PT_OK && report_due && pt_arrival_log_take(&r->arrivals, &r->report) > 0) {
    r->report.media_ssrc = r->media_ssrc;
    r->report.sender_time_ms = (uint32_t)(uint64_t)now_ms;
    r->report.echo = (pt_feedback_echo){r->have_echo, r->echo_time_ms, now_ms - r->echo_received_ms};
    status = pt_feedback_write_arrivals(&r->report, message, sizeof message, &length);
  }
  if (report_due) r->next_report_ms = now_ms + PT_VIDEO_REPORT_MS;
  if (status != PT_OK || length == 0) return status;
  r->stats.feedback_messages++;
  return send(context, message, length);
}

double pt_video_receiver_deadline(const pt_video_receiver *r) {
  if (r == NULL || !r->arrivals.started) return -1.0;
  double nack = pt_nack_tracker_deadline(&r->nacks, rtt_or_default(r));
  return nack >= 0 && nack < r->next_report_ms ? nack : r->next_report_ms;
}

void pt_video_receiver_stats_of(const pt_video_receiver *r, pt_video_receiver_stats *out) {
  if (r != NULL && out != NULL) *out = r->stats;
}
