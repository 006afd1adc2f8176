/* Media feedback: RTCP-shaped packets (RFC 3550 common header: V=2, a 5-bit count/format, packet type,
 * length in 32-bit words minus one) carried on a stream's media channel against the media's direction;
 * several may share one channel message (a compound). Client → host: generic NACKs (RFC 4585, PT 205,
 * FMT 1) and arrival reports (APP, PT 204, name "PTAR": every sequence number received or not, with its
 * arrival time); host → client: sender reports (APP "PTSR": the rate controller's figures). Each side
 * echoes the other's last clock reading with how long it held it, which gives both a round-trip time
 * over the media path itself. docs/PROTOCOL.md has the byte layouts. */
#ifndef PT_MEDIA_FEEDBACK_H
#define PT_MEDIA_FEEDBACK_H

#include <stddef.h>
#include <stdint.h>

#define PT_FEEDBACK_MAX_NACKS 256      /* sequence numbers one NACK packet may name */
#define PT_FEEDBACK_MAX_ARRIVALS 512   /* sequence numbers one arrival report may cover */
#define PT_FEEDBACK_MAX_MESSAGE 2112   /* a compound message: the largest NACK (1,036 bytes), report (1,056) and room */

/* A clock reading of the other side, echoed back with how long it was held (RTT = now − time − hold). */
typedef struct pt_feedback_echo {
  int valid;
  uint32_t time_ms; /* the other side's clock, ms mod 2^32 */
  double hold_ms;   /* 0..65535 */
} pt_feedback_echo;

/* Client → host: what arrived of sequence numbers base .. base + count − 1. */
typedef struct pt_feedback_arrivals {
  uint32_t media_ssrc;
  uint32_t sender_time_ms;   /* the client's clock when sent, for the host to echo */
  pt_feedback_echo echo;     /* the host's last sender report time */
  uint16_t base_seq;
  uint16_t count;            /* 0..PT_FEEDBACK_MAX_ARRIVALS */
  uint8_t received[PT_FEEDBACK_MAX_ARRIVALS];
  double arrival_ms[PT_FEEDBACK_MAX_ARRIVALS]; /* receiver clock (quarter-ms resolution); only differences matter */
} pt_feedback_arrivals;

/* Host → client: the sender's view, for the client's stats and RTT. */
typedef struct pt_feedback_sender_report {
  uint32_t media_ssrc;
  uint32_t sender_time_ms;   /* the host's clock when sent */
  pt_feedback_echo echo;     /* the client's last arrival report time */
  uint32_t target_bps, estimate_bps;
  uint32_t retransmitted, fec_sent, keyframes, frames_dropped; /* packets resent, FEC packets, keyframes sent, frames the pacer dropped */
  uint16_t loss_permille;    /* loss the host measured from the reports */
} pt_feedback_sender_report;

/* What one compound message held; counts of NACKed sequence numbers in nacks[]. */
typedef struct pt_feedback {
  uint32_t nack_ssrc;
  uint16_t nacks[PT_FEEDBACK_MAX_NACKS];
  size_t nack_count;
  int has_arrivals, has_sender_report;
  pt_feedback_arrivals arrivals;
  pt_feedback_sender_report sender_report;
} pt_feedback;

/* 1 if a media-channel message is feedback (an RTCP packet type 192..223 in byte 1), not RTP. */
int pt_feedback_is_feedback(const uint8_t *message, size_t length);

/* Appends a generic NACK for these sequence numbers (any order, duplicates merged; at most
 * PT_FEEDBACK_MAX_NACKS) to out at *offset. PT_ERR_BUFFER_TOO_SMALL, PT_ERR_INVALID_ARGUMENT. */
int pt_feedback_write_nack(uint32_t media_ssrc, const uint16_t *seqs, size_t count, uint8_t *out, size_t capacity,
                           size_t *offset);

/* Appends an arrival report. */
int pt_feedback_write_arrivals(const pt_feedback_arrivals *arrivals, uint8_t *out, size_t capacity, size_t *offset);

/* Appends a sender report. */
int pt_feedback_write_sender_report(const pt_feedback_sender_report *report, uint8_t *out, size_t capacity,
                                    size_t *offset);

/* Folds the round trip an echo shows (now − echoed time − hold, on this side's clock) into a smoothed
 * RTT (*rtt_ms < 0: none yet); returns the sample, or -1 when the echo is invalid or implausible (> 10 s). */
double pt_feedback_echo_rtt(const pt_feedback_echo *echo, double now_ms, double *rtt_ms);

/* Parses one compound message into *feedback (every length checked; unknown packet types and APP
 * names skipped; a second packet of a kind replaces the first). PT_ERR_MALFORMED for broken framing. */
int pt_feedback_parse(const uint8_t *message, size_t length, pt_feedback *feedback);

#endif
