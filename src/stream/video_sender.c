#include "stream/video_sender.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "media/congestion.h"
#include "media/fec.h"
#include "media/pacer.h"
#include "media/send_history.h"
#include "stream/stream.h"

#define MAX_PACKET PT_STREAM_MAX_RECEIVED_PACKET /* a parity packet, protected */
#define MIN_BPS PT_STREAM_MIN_VIDEO_BPS
#define FEC_ALL_FRAMES_LOSS 0.03
#define MIN_IN_FLIGHT_BYTES 32768.0
#define INPUT_WINDOW_MS 300.0
#define ENCODER_FOLLOW_MS 1000.0  /* time an encoder gets to follow a bitrate request */  /* above this loss every frame gets parity, not only keyframes */
#define RESEND_SHARE 0.5          /* retransmissions may add at most this share of the target rate... */
#define RESEND_SHARE_DRAINING 0.2 /* ...and this share while a queue in the network drains */
#define RESEND_BURST_MS 100.0     /* ...saved up over at most this long: on a congested link they only add load */
#define OVERHEAD_WINDOW_MS 1000.0 /* resends and parity are measured over about this long... */
#define MAX_OVERHEAD_SHARE 0.5    /* ...and leave the encoder at least this share of the target */

struct pt_video_sender {
  pt_srtp_session *srtp;
  uint32_t media_ssrc, fec_ssrc;
  uint16_t fec_sequence;
  pt_send_history *history;
  pt_pacer *pacer;
  pt_congestion *congestion;
  int skipping;                   /* a frame was dropped: drop until a keyframe */
  int keyframe_open;              /* the frame being packetised is a keyframe */
  uint64_t keyframe_end;          /* pt_pacer_sent_bytes once the last keyframe's last byte has left */
  int keyframe_wanted;
  double last_keyframe_ask_ms, last_keyframe_ms;
  double announced_bps, last_announce_ms;
  double previous_announced_bps;  /* the ask before the last */
  int started;                    /* a frame went out: reports (and pacing) begin */
  double next_report_ms;
  int have_echo;                  /* the client's last report time, to echo */
  uint32_t echo_time_ms;
  double echo_received_ms;
  double rtt_ms;
  double resend_budget_bytes, resend_budget_ms;
  double input_bps, input_bytes, input_since_ms; /* what the encoder makes */
  double sent_media, sent_overhead, sent_ms;     /* bytes sent lately (count_sent) */
  /* FEC group being built: unprotected copies of consecutive packets of the current frame */
  size_t group_size, group_count;
  uint8_t group[PT_FEC_MAX_GROUP][MAX_PACKET];
  size_t group_lengths[PT_FEC_MAX_GROUP];
  pt_video_sender_stats stats;
};

int pt_video_sender_create(pt_video_sender **out, pt_srtp_session *srtp, uint32_t media_ssrc, uint32_t fec_ssrc,
                           double max_bps) {
  if (out == NULL || srtp == NULL) return PT_ERR_INVALID_ARGUMENT;
  *out = NULL;
  pt_video_sender *s = calloc(1, sizeof *s);
  if (s == NULL) return PT_ERR_NO_MEMORY;
  s->srtp = srtp;
  s->media_ssrc = media_ssrc;
  s->fec_ssrc = fec_ssrc;
  double ceiling = max_bps > MIN_BPS ? max_bps : MIN_BPS;
  s->announced_bps = ceiling;
  s->last_keyframe_ask_ms = s->last_keyframe_ms = -1e18;
  s->rtt_ms = -1;
  pt_congestion_config config = {MIN_BPS, ceiling, ceiling};
  int status = pt_send_history_create(&s->history, MAX_PACKET);
  if (status == PT_OK) status = pt_pacer_create(&s->pacer);
  if (status == PT_OK) status = pt_congestion_create(&s->congestion, &config);
  if (status != PT_OK) {
    pt_video_sender_destroy(s);
    return status;
  }
  *out = s;
  return PT_OK;
}

void pt_video_sender_destroy(pt_video_sender *s) {
  if (s == NULL) return;
  pt_send_history_destroy(s->history);
  pt_pacer_destroy(s->pacer);
  pt_congestion_destroy(s->congestion);
  free(s);
}

void pt_video_sender_set_max_bps(pt_video_sender *s, double max_bps) {
  if (s == NULL || !(max_bps >= MIN_BPS)) return;
  pt_congestion_set_max(s->congestion, max_bps);
  s->announced_bps = max_bps; /* the encoder runs at its configured rate: a lower target is asked for */
}

static double target_bps(const pt_video_sender *s) { return pt_congestion_target_bps(s->congestion); }

/* The measured round-trip time, or a guess until the first one. */
static double rtt_or_default(const pt_video_sender *s) { return s->rtt_ms > 0 ? s->rtt_ms : 100.0; }

/* The share of what left lately that was recovery (resends and parity), at most MAX_OVERHEAD_SHARE. */
static double overhead_share(const pt_video_sender *s) {
  double total = s->sent_media + s->sent_overhead;
  double share = total > 0 ? s->sent_overhead / total : 0;
  return share < MAX_OVERHEAD_SHARE ? share : MAX_OVERHEAD_SHARE;
}

/* The controller's pacing rate, but not below 1.5 × what the encoder makes once it had a second to
 * follow the last request: an encoder that cannot go as low as the target (a floor at its picture size)
 * must not build a standing queue here, which would only turn into dropped frames and keyframes. */
static double at_least_the_input(const pt_video_sender *s, double paced) {
  double input = 1.5 * s->input_bps;
  /* Not following: making more than 1.5 × anything asked within the last ENCODER_FOLLOW_MS (a following
   * encoder still at the rate asked before that is given the time), or a second past the last ask. */
  double asked = s->announced_bps;
  if (s->input_since_ms - s->last_announce_ms <= ENCODER_FOLLOW_MS && s->previous_announced_bps > asked)
    asked = s->previous_announced_bps;
  int settled = s->input_since_ms - s->last_announce_ms > ENCODER_FOLLOW_MS || s->input_bps > 1.5 * asked;
  return settled && input > paced ? input : paced;
}
static double pacing_bps(const pt_video_sender *s) {
  double paced = pt_congestion_pacing_bps(s->congestion);
  /* while a queue in the network drains, nothing may push harder than the controller says */
  return pt_congestion_draining(s->congestion) ? paced : at_least_the_input(s, paced);
}

/* The rate queue depths are judged at: pacing's usual rate, not the slower one it keeps while a queue in
 * the network drains (frames are not dropped for that: the drain is short). */
static double judging_bps(const pt_video_sender *s) {
  return at_least_the_input(s, pt_congestion_usual_pacing_bps(s->congestion));
}

/* Measures the encoder's output rate over windows of INPUT_WINDOW_MS. */
static void note_input(pt_video_sender *s, size_t length, double now_ms) {
  if (s->input_since_ms <= 0 || now_ms < s->input_since_ms) s->input_since_ms = now_ms;
  s->input_bytes += (double)length;
  double elapsed = now_ms - s->input_since_ms;
  if (elapsed < INPUT_WINDOW_MS) return;
  s->input_bps = s->input_bytes * 8000.0 / elapsed; /* the last window only: it must follow a cut at once */
  s->input_bytes = 0;
  s->input_since_ms = now_ms;
}

int pt_video_sender_begin_frame(pt_video_sender *s, size_t length, int keyframe, size_t channel_buffered,
                                double now_ms) {
  if (s == NULL) return 0;
  note_input(s, length, now_ms);
  if (!s->started) {
    s->started = 1;
    s->next_report_ms = now_ms;
  }
  /* The queue drains at the pacing rate, as long as the link keeps up (when it does not, the controller
   * lowers both). */
  /* A keyframe may take longer than the limit to pace out at a low rate; it was let in, so the frames after
   * it are judged by the queue they and others after it build: dropping them for the keyframe's own bytes
   * would waste it and bring another, as large (keyframes only, at the lowest rates). Not while a queue in
   * the network drains: then what follows the keyframe would refill it. */
  uint64_t left = pt_pacer_sent_bytes(s->pacer);
  double queued = (double)pt_pacer_queued_bytes(s->pacer);
  if (!keyframe && s->keyframe_end > left && !pt_congestion_draining(s->congestion)) queued -= (double)(s->keyframe_end - left);
  if (queued < 0) queued = 0;
  double paced_ms = queued * 8000.0 / judging_bps(s);
  double queued_ms = paced_ms + (double)channel_buffered * 8000.0 / judging_bps(s);
  /* What left but was not reported yet may sit in the transport's own queue (SCTP keeps one that
   * bufferedAmount does not show, and stalls for seconds after heavy loss): beyond a round trip and
   * PT_VIDEO_MAX_IN_FLIGHT_MS at the target rate, adding more would only be delivered stale. */
  double in_flight_limit = target_bps(s) / 8000.0 * (rtt_or_default(s) + PT_VIDEO_MAX_IN_FLIGHT_MS);
  if (in_flight_limit < MIN_IN_FLIGHT_BYTES) in_flight_limit = MIN_IN_FLIGHT_BYTES;
  /* A keyframe gets more room: dropping it too would only bring another, as large. */
  double room = keyframe ? 2.0 : 1.0;
  /* Once no arrival has been reported for a while, the path is blocked (SCTP waiting out its retransmission
   * timer after heavy loss): a frame given to the transport now would wait in its queue and reach the client
   * stale, ahead of every fresher one, once the path moves again. */
  int blocked = pt_congestion_blocked(s->congestion, now_ms);
  int too_deep = paced_ms > PT_VIDEO_MAX_QUEUE_MS * room || queued_ms > PT_VIDEO_MAX_SEND_QUEUE_MS * room ||
                 pt_congestion_in_flight_bytes(s->congestion) > in_flight_limit * room || blocked;
  if (too_deep || (s->skipping && !keyframe)) {
    s->stats.frames_dropped++;
    s->skipping = 1;
    /* The keyframe that ends the skip is large: ask for it once the queue has drained, not into a full one
     * nor a blocked path. */
    if (queued_ms < PT_VIDEO_MAX_QUEUE_MS / 2 && !blocked) s->keyframe_wanted = 1;
    return 0;
  }
  s->skipping = 0;
  s->keyframe_open = keyframe;
  if (keyframe) {
    s->stats.keyframes++;
    s->last_keyframe_ms = now_ms;
  }
  pt_congestion_stats cc;
  pt_congestion_stats_of(s->congestion, &cc);
  size_t packets = (length + 1149) / 1150;
  /* Parity on every frame only for loss the link causes while the queue is not growing: loss from a
   * full queue would only get worse with more bytes. */
  int random_loss = cc.loss_fraction > FEC_ALL_FRAMES_LOSS && cc.state == PT_CONGESTION_INCREASE;
  s->group_size = keyframe || random_loss ? pt_fec_group_size(packets, cc.loss_fraction) : 0;
  s->group_count = 0;
  return 1;
}

/* Protects one packet and queues it; media packets are remembered for NACKs. */
static int queue_packet(pt_video_sender *s, uint8_t *packet, size_t length, double now_ms, int media) {
  int protected_length = pt_srtp_protect(s->srtp, packet, length, MAX_PACKET);
  if (protected_length < 0) return protected_length;
  if (media) {
    uint16_t seq = (uint16_t)((packet[2] << 8) | packet[3]);
    int status = pt_send_history_store(s->history, seq, packet, (size_t)protected_length, now_ms);
    if (status != PT_OK) return status;
  } else {
    s->stats.fec_sent++;
  }
  return pt_pacer_push(s->pacer, packet, (size_t)protected_length, 0);
}

/* A packet leaving the pacer: media (first sends and resends) is announced to the controller now, when
 * it really leaves; its send times are what the delay signal compares arrival times with. */
typedef struct pt_departure {
  pt_video_sender *s;
  pt_video_send send;
  void *context;
  double now_ms;
} pt_departure;

/* Counts what left, decaying over OVERHEAD_WINDOW_MS: media first sent, and the overhead of recovery
 * (resends and parity), which the encoder's share of the target leaves room for. */
static void count_sent(pt_video_sender *s, size_t length, int overhead, double now_ms) {
  if (now_ms > s->sent_ms) {
    double keep = 1.0 - (now_ms - s->sent_ms) / OVERHEAD_WINDOW_MS;
    if (keep < 0) keep = 0;
    s->sent_media *= keep;
    s->sent_overhead *= keep;
    s->sent_ms = now_ms;
  }
  if (overhead) s->sent_overhead += (double)length;
  else s->sent_media += (double)length;
}

static int depart(void *context, const uint8_t *packet, size_t length, int retransmission) {
  pt_departure *d = context;
  int parity = (packet[1] & 0x7f) == PT_VIDEO_FEC_PAYLOAD_TYPE;
  if (!parity) {
    pt_congestion_on_sent(d->s->congestion, (uint16_t)((packet[2] << 8) | packet[3]), length, d->now_ms, retransmission);
  }
  count_sent(d->s, length, parity || retransmission, d->now_ms);
  return d->send(d->context, packet, length);
}

/* Sends the parity of the packets grouped so far. */
static int flush_group(pt_video_sender *s, double now_ms) {
  if (s->group_count == 0) return PT_OK;
  const uint8_t *packets[PT_FEC_MAX_GROUP];
  for (size_t i = 0; i < s->group_count; i++) packets[i] = s->group[i];
  uint8_t parity[MAX_PACKET + PT_FEC_HEADER_SIZE + 16];
  int length = pt_fec_encode(packets, s->group_lengths, s->group_count, PT_VIDEO_FEC_PAYLOAD_TYPE, s->fec_ssrc,
                             s->fec_sequence++, parity, sizeof parity);
  s->group_count = 0;
  if (length < 0) return length;
  return queue_packet(s, parity, (size_t)length, now_ms, 0);
}

int pt_video_sender_packet(pt_video_sender *s, const uint8_t *rtp, size_t length, double now_ms) {
  if (s == NULL || rtp == NULL || length + PT_SRTP_MAX_OVERHEAD > MAX_PACKET) return PT_ERR_INVALID_ARGUMENT;
  if (s->group_size > 0) {
    memcpy(s->group[s->group_count], rtp, length);
    s->group_lengths[s->group_count++] = length;
  }
  uint8_t packet[MAX_PACKET];
  memcpy(packet, rtp, length);
  int status = queue_packet(s, packet, length, now_ms, 1);
  if (status == PT_OK && s->group_size > 0 && s->group_count == s->group_size) status = flush_group(s, now_ms);
  return status;
}

int pt_video_sender_end_frame(pt_video_sender *s, double now_ms, pt_video_send send, void *context) {
  if (s == NULL) return PT_ERR_INVALID_ARGUMENT;
  int status = flush_group(s, now_ms);
  s->group_size = 0;
  if (s->keyframe_open) s->keyframe_end = pt_pacer_sent_bytes(s->pacer) + pt_pacer_queued_bytes(s->pacer);
  s->keyframe_open = 0;
  return status != PT_OK ? status : pt_video_sender_poll(s, now_ms, send, context);
}

int pt_video_sender_on_feedback(pt_video_sender *s, const pt_feedback *f, double now_ms) {
  if (s == NULL || f == NULL) return PT_ERR_INVALID_ARGUMENT;
  double interval = s->rtt_ms > 0 ? s->rtt_ms : 20.0; /* one resend per round trip, whatever the NACKs say */
  /* while a queue in the network drains, resends would mostly refill it */
  double resend_share = pt_congestion_draining(s->congestion) ? RESEND_SHARE_DRAINING : RESEND_SHARE;
  double share = target_bps(s) * resend_share / 8000.0; /* bytes per ms */
  s->resend_budget_bytes += share * (now_ms - s->resend_budget_ms);
  if (s->resend_budget_bytes > share * RESEND_BURST_MS) s->resend_budget_bytes = share * RESEND_BURST_MS;
  s->resend_budget_ms = now_ms;
  for (size_t i = 0; i < f->nack_count && f->nack_ssrc == s->media_ssrc; i++) {
    s->stats.nacks_received++;
    if (s->resend_budget_bytes <= 0) continue;
    size_t length = 0;
    const uint8_t *packet = pt_send_history_take(s->history, f->nacks[i], now_ms, PT_VIDEO_RESEND_MAX_AGE_MS, interval, &length);
    if (packet == NULL) continue;
    if (pt_pacer_push(s->pacer, packet, length, 1) != PT_OK) break;
    s->resend_budget_bytes -= (double)length;
    s->stats.retransmitted++;
  }
  if (f->has_arrivals && f->arrivals.media_ssrc == s->media_ssrc) {
    const pt_feedback_arrivals *a = &f->arrivals;
    pt_congestion_arrival entries[PT_FEEDBACK_MAX_ARRIVALS];
    for (size_t i = 0; i < a->count; i++) {
      entries[i] = (pt_congestion_arrival){(uint16_t)(a->base_seq + i), a->received[i], a->arrival_ms[i]};
    }
    pt_congestion_on_report(s->congestion, entries, a->count, now_ms);
    double rtt = pt_feedback_echo_rtt(&a->echo, now_ms, &s->rtt_ms);
    if (rtt >= 0) pt_congestion_on_rtt(s->congestion, rtt, now_ms);
    s->have_echo = 1;
    s->echo_time_ms = a->sender_time_ms;
    s->echo_received_ms = now_ms;
  }
  return PT_OK;
}

static int send_report(pt_video_sender *s, double now_ms, pt_video_send send, void *context) {
  pt_video_sender_stats stats;
  pt_video_sender_stats_of(s, &stats);
  pt_feedback_sender_report report = {0};
  report.media_ssrc = s->media_ssrc;
  report.sender_time_ms = (uint32_t)(uint64_t)now_ms;
  report.echo = (pt_feedback_echo){s->have_echo, s->echo_time_ms, now_ms - s->echo_received_ms};
  report.target_bps = (uint32_t)stats.target_bps;
  report.estimate_bps = (uint32_t)stats.estimate_bps;
  report.retransmitted = (uint32_t)stats.retransmitted;
  report.fec_sent = (uint32_t)stats.fec_sent;
  report.keyframes = (uint32_t)stats.keyframes;
  report.frames_dropped = (uint32_t)stats.frames_dropped;
  report.loss_permille = (uint16_t)(stats.loss_fraction * 1000.0 + 0.5);
  uint8_t message[64];
  size_t length = 0;
  int status = pt_feedback_write_sender_report(&report, message, sizeof message, &length);
  return status != PT_OK ? status : send(context, message, length);
}

int pt_video_sender_poll(pt_video_sender *s, double now_ms, pt_video_send send, void *context) {
  if (s == NULL || send == NULL) return PT_ERR_INVALID_ARGUMENT;
  pt_departure departure = {s, send, context, now_ms};
  /* A path far faster than the pacing rate that carries all the application asks cleanly takes a delta frame
   * at once (libwebrtc's pacer lets 40 ms of its rate go at once everywhere); elsewhere, and for keyframes,
   * frames are spread, so as not to fill the bottleneck's queue and mislead the delay signal. */
  int keyframe_queued = s->keyframe_end > pt_pacer_sent_bytes(s->pacer);
  int roomy = !keyframe_queued && pt_congestion_roomy(s->congestion);
  pt_pacer_set_burst_ms(s->pacer, roomy ? PT_VIDEO_ROOMY_BURST_MS : PT_PACER_BURST_MS);
  int status = pt_pacer_send(s->pacer, now_ms, pacing_bps(s), depart, &departure);
  if (status == PT_OK && s->started && now_ms >= s->next_report_ms) {
    s->next_report_ms = now_ms + PT_VIDEO_SENDER_REPORT_MS;
    status = send_report(s, now_ms, send, context);
  }
  return status;
}

/* When the next keyframe may be asked for: not within PT_VIDEO_KEYFRAME_INTERVAL_MS of the last ask, and
 * not while the last keyframe may still be on its way (a round trip and 100 ms). */
static double next_keyframe_ask_ms(const pt_video_sender *s) {
  double at = s->last_keyframe_ask_ms + PT_VIDEO_KEYFRAME_INTERVAL_MS;
  double after_keyframe = s->last_keyframe_ms + rtt_or_default(s) + 100.0;
  return after_keyframe > at ? after_keyframe : at;
}

/* The encoder's share of the target: what resends and parity lately took is left for them, as libwebrtc
 * does, so that all the sender puts on the path stays within the target (after a capacity cut, recovery
 * traffic on top of an encoder at the full target kept the bottleneck's queue full). */
static double encoder_bps(const pt_video_sender *s) { return target_bps(s) * (1.0 - overhead_share(s)); }

/* When the encoder's rate may be changed (-1: no change worth one): down quickly (the link is suffering), up
 * calmly (each step up is a probe). */
static double next_announce_ms(const pt_video_sender *s) {
  double change = (encoder_bps(s) - s->announced_bps) / s->announced_bps;
  if (change < -0.1) return s->last_announce_ms + 200.0;
  if (change > 0.1) return s->last_announce_ms + 1000.0;
  return -1.0;
}

double pt_video_sender_deadline(const pt_video_sender *s) {
  if (s == NULL || !s->started) return -1.0;
  double paced = pt_pacer_deadline(s->pacer, pacing_bps(s));
  double earliest = paced >= 0 && paced < s->next_report_ms ? paced : s->next_report_ms;
  if (s->keyframe_wanted) { /* a held-back keyframe ask */
    double ask = next_keyframe_ask_ms(s);
    if (ask < earliest) earliest = ask;
  }
  double announce = next_announce_ms(s);
  return announce >= 0 && announce < earliest ? announce : earliest;
}

int pt_video_sender_take_bitrate(pt_video_sender *s, double now_ms, double *bps) {
  if (s == NULL || bps == NULL) return 0;
  double target = encoder_bps(s), due = next_announce_ms(s);
  if (due < 0 || now_ms < due) return 0;
  s->previous_announced_bps = s->announced_bps;
  s->announced_bps = target;
  s->last_announce_ms = now_ms;
  *bps = target;
  return 1;
}

void pt_video_sender_want_keyframe(pt_video_sender *s) {
  if (s != NULL) s->keyframe_wanted = 1;
}

int pt_video_sender_take_keyframe_ask(pt_video_sender *s, double now_ms) {
  if (s == NULL || !s->keyframe_wanted || now_ms < next_keyframe_ask_ms(s)) return 0;
  s->keyframe_wanted = 0;
  s->last_keyframe_ask_ms = now_ms;
  return 1;
}

void pt_video_sender_stats_of(const pt_video_sender *s, pt_video_sender_stats *out) {
  if (s == NULL || out == NULL) return;
  *out = s->stats;
  pt_congestion_stats cc;
  pt_congestion_stats_of(s->congestion, &cc);
  out->target_bps = pt_congestion_target_bps(s->congestion);
  out->pacing_bps = pacing_bps(s);
  out->estimate_bps = cc.delay_based_bps < cc.loss_based_bps ? cc.delay_based_bps : cc.loss_based_bps;
  out->loss_fraction = cc.loss_fraction;
  out->rtt_ms = s->rtt_ms;
}
