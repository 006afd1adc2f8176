/* The client side of one stream's video transport, around the frame assembler: notes every arrival
 * (media/arrival_log) and every gap (media/nack_tracker), rebuilds lost packets from parity
 * (media/fec), and sends feedback on the video channel: NACKs as soon as a gap shows (and again each
 * retry interval), arrival reports every PT_VIDEO_REPORT_MS. The host's sender reports give the
 * round-trip time, from which the assembler's wait for a retransmission is set, and the host's figures
 * for the stats. Sans-IO: every call takes now_ms. */
#ifndef PT_STREAM_VIDEO_RECEIVER_H
#define PT_STREAM_VIDEO_RECEIVER_H

#include <stddef.h>
#include <stdint.h>

#include "media/feedback.h"
#include "media/frame_assembler.h"

#define PT_VIDEO_REPORT_MS 50.0
#define PT_VIDEO_DEFAULT_RTT_MS 100.0 /* until the first measurement */

typedef struct pt_video_receiver pt_video_receiver; /* opaque */

/* Receives one feedback message for the video channel. */
typedef int (*pt_video_feedback_send)(void *context, const uint8_t *message, size_t length);

/* Receives one RTP packet rebuilt from parity, to be fed to the assembler like any other. */
typedef int (*pt_video_recovered)(void *context, uint8_t *packet, size_t length);

/* What the receiver saw; read by pt_video_receiver_stats_of. */
typedef struct pt_video_receiver_stats {
  double rtt_ms;                    /* smoothed, over the media path; -1 before the first */
  double nacks_sent, recovered_by_nack, fec_received, fec_recovered, feedback_messages;
  int have_sender_report;
  pt_feedback_sender_report sender; /* the host's last figures */
} pt_video_receiver_stats;

/* Creates a receiver for the stream's video SSRC (of that RTP payload type) and its FEC SSRC, around
 * its assembler (borrowed), at now_ms: the origin of its report clock. */
int pt_video_receiver_create(pt_video_receiver **out, pt_frame_assembler *assembler, uint32_t media_ssrc,
                             uint8_t payload_type, uint32_t fec_ssrc, double now_ms);

/* Says, before the first packet, where the stream's sequence numbers start: what is missing before the first
 * packet is NACKed too (see pt_frame_assembler_expect, which the caller tells as well). */
void pt_video_receiver_expect(pt_video_receiver *r, uint16_t first_seq);

/* Frees it; NULL is ignored. */
void pt_video_receiver_destroy(pt_video_receiver *r);

/* Notes a media packet (after SRTP, before the assembler) that arrived at now_ms. */
void pt_video_receiver_on_media(pt_video_receiver *r, const uint8_t *rtp, size_t length, double now_ms);

/* Stores a parity packet (after SRTP). */
int pt_video_receiver_on_fec(pt_video_receiver *r, const uint8_t *rtp, size_t length, double now_ms);

/* Rebuilds what parity can and hands each packet to recovered (which feeds the assembler). */
int pt_video_receiver_recover(pt_video_receiver *r, double now_ms, pt_video_recovered recovered, void *context);

/* Takes the host's feedback (sender reports): RTT and figures. */
void pt_video_receiver_on_feedback(pt_video_receiver *r, const pt_feedback *feedback, double now_ms);

/* Sends the feedback that is due (NACKs now due; the arrival report every PT_VIDEO_REPORT_MS). */
int pt_video_receiver_poll(pt_video_receiver *r, double now_ms, pt_video_feedback_send send, void *context);

/* When poll next has something to send, or -1. */
double pt_video_receiver_deadline(const pt_video_receiver *r);

/* Copies the figures. */
void pt_video_receiver_stats_of(const pt_video_receiver *r, pt_video_receiver_stats *out);

/* How long the assembler waits for a missing packet at this round-trip time: long enough for a few
 * NACK rounds, bounded. */
double pt_video_recovery_wait_ms(double rtt_ms);

#endif
