/* The host side of one stream's video transport, after packetization: every protected packet is kept
 * for retransmission (media/send_history), announced to the rate controller (media/congestion), paced
 * (media/pacer) and, for keyframes (and every frame while loss is high), protected by XOR parity
 * (media/fec). Feedback from the client (NACKs, arrival reports) drives retransmissions and the rate
 * controller, whose target, less what resends and parity took lately, the encoder is asked for;
 * resends may take half the target, a fifth while the controller drains a queue in the network (they would
 * mostly refill it), when pacing also stops following an encoder above the target. Packets are announced
 * to the controller when they leave the pacer. When the pacer would hold more than PT_VIDEO_MAX_QUEUE_MS at
 * the usual pacing rate (the encoder is ahead of the rate controller), the pacer and the channel's buffer more than
 * PT_VIDEO_MAX_SEND_QUEUE_MS (the channel gets more slack: SCTP's stalls after a loss end by themselves,
 * and a dropped frame costs every frame until a keyframe), too much is unreported, or the path is
 * blocked (no arrival reported for a while: what the transport is handed then would arrive stale), a new
 * frame is dropped whole (never a frame already queued: no sequence number goes missing) and the encoder
 * is asked for a keyframe; until one comes, the frames that would depend on a dropped one are dropped
 * too. Sans-IO: every call takes now_ms. */
#ifndef PT_STREAM_VIDEO_SENDER_H
#define PT_STREAM_VIDEO_SENDER_H

#include <stddef.h>
#include <stdint.h>

#include "media/feedback.h"
#include "media/srtp_session.h"

#define PT_VIDEO_MAX_QUEUE_MS 100.0      /* pacer queue beyond which frames are dropped */
#define PT_VIDEO_ROOMY_BURST_MS 20.0     /* pacing burst for a delta frame where the path has room (pt_congestion_roomy) */
#define PT_VIDEO_MAX_SEND_QUEUE_MS 250.0 /* pacer and channel buffer beyond which frames are dropped */
#define PT_VIDEO_MAX_IN_FLIGHT_MS 1000.0 /* unreported bytes beyond a round trip and this long at the target: dropped too */
#define PT_VIDEO_RESEND_MAX_AGE_MS 1000.0 /* older packets are not resent: the client has given up on them */
#define PT_VIDEO_SENDER_REPORT_MS 250.0   /* how often the client hears the sender's figures */
#define PT_VIDEO_FEC_PAYLOAD_TYPE 125
#define PT_VIDEO_KEYFRAME_INTERVAL_MS 300.0

typedef struct pt_video_sender pt_video_sender; /* opaque */

/* Receives one packet for the video channel (media, FEC, retransmission or sender report). */
typedef int (*pt_video_send)(void *context, const uint8_t *packet, size_t length);

/* What the sender did; read by pt_video_sender_stats_of. */
typedef struct pt_video_sender_stats {
  double target_bps, estimate_bps, pacing_bps, loss_fraction, rtt_ms;
  double retransmitted, fec_sent, keyframes, frames_dropped, nacks_received;
} pt_video_sender_stats;

/* Creates a sender for a stream's video SSRC whose packets srtp (borrowed, outbound) protects;
 * max_bps is the encoder's configured bitrate, the controller's ceiling. */
int pt_video_sender_create(pt_video_sender **out, pt_srtp_session *srtp, uint32_t media_ssrc, uint32_t fec_ssrc,
                           double max_bps);

/* Frees it; NULL is ignored. */
void pt_video_sender_destroy(pt_video_sender *s);

/* Changes the ceiling (and the start) of the rate controller, e.g. when the encoder was configured anew. */
void pt_video_sender_set_max_bps(pt_video_sender *s, double max_bps);

/* Decides whether a frame of `length` bytes goes out, given the bytes the channel has buffered: 1 yes
 * (then pass its packets to pt_video_sender_packet and call pt_video_sender_end_frame), 0 dropped. */
int pt_video_sender_begin_frame(pt_video_sender *s, size_t length, int keyframe, size_t channel_buffered,
                                double now_ms);

/* Takes one RTP packet of the current frame: protects, stores, paces (and groups for FEC). */
int pt_video_sender_packet(pt_video_sender *s, const uint8_t *rtp, size_t length, double now_ms);

/* Ends the current frame (the last parity packet) and sends what the pacer allows now. */
int pt_video_sender_end_frame(pt_video_sender *s, double now_ms, pt_video_send send, void *context);

/* Applies feedback from the client: NACKed packets are queued again, reports go to the controller. */
int pt_video_sender_on_feedback(pt_video_sender *s, const pt_feedback *feedback, double now_ms);

/* Sends what is due: paced packets, the periodic sender report. */
int pt_video_sender_poll(pt_video_sender *s, double now_ms, pt_video_send send, void *context);

/* When poll next has something to do, or -1. */
double pt_video_sender_deadline(const pt_video_sender *s);

/* 1 with *bps when the encoder should be asked for a new bitrate: the target less what resends and parity took
 * lately (a large enough, rate-limited change). */
int pt_video_sender_take_bitrate(pt_video_sender *s, double now_ms, double *bps);

/* The client asked for a keyframe: passed on through the same rate limit as the sender's own asks. */
void pt_video_sender_want_keyframe(pt_video_sender *s);

/* 1 when the encoder should be asked for a keyframe (a frame was dropped, or the client asked), at most
 * once per PT_VIDEO_KEYFRAME_INTERVAL_MS and not while the last keyframe may still be on its way. */
int pt_video_sender_take_keyframe_ask(pt_video_sender *s, double now_ms);

/* Copies the figures. */
void pt_video_sender_stats_of(const pt_video_sender *s, pt_video_sender_stats *out);

#endif
