/* Send-side congestion control for one video stream: from the receiver's arrival reports it estimates the
 * rate the path carries and gives the encoder a target bitrate and the pacer a rate. It follows Google
 * Congestion Control (draft-ietf-rmcat-gcc-02, as refined in libwebrtc), written from the published algorithm:
 *  - Delay-based. Received media packets, in send order, are grouped into bursts (sent within 5 ms of the
 *    group's first, or arriving back to back); between consecutive groups the delay variation
 *    (arrival delta - send delta) is accumulated and smoothed, and a least-squares line through the last 20
 *    points gives the trend of the queueing delay. Only differences of one clock are used, so the offset
 *    between the sender's and the receiver's clocks cancels. The trend, scaled by the number of samples, is
 *    compared with an adaptive threshold (it follows large trends slowly and small ones fast) to signal
 *    overuse, underuse or normal. An AIMD controller turns the signal into the delay-based estimate:
 *    overuse -> decrease to 0.85 x the received rate, less the share that drains the standing queue (estimated
 *    from one-way delays) in about 500 ms, at most half (measured over the last 500 ms of arrivals, or the last
 *    150 ms when every 50 ms of them saw arrivals and carried less: after a drop in capacity the overflowing
 *    queue delivers just what the bottleneck carries now, and the longer window still remembers before), then hold
 *    until the signal is normal again; normal -> increase, 8 %/s while far from the link capacity learned at
 *    past overuses and about one packet per response time (RTT + 100 ms) near it (30 %/s while below half of it, to recover
 *    from a collapse), never above 1.5 x the
 *    received rate + 10 kbit/s (an application-limited stream does not inflate it); underuse -> hold.
 *  - Loss-based. Over the packets sent in the last 500 ms that have feedback (at least 20, looking back at
 *    most 2 s): loss > 10 % cuts the target by half the loss fraction (at most once per 300 ms + RTT), and down to the
 *    received rate when that is under half the target and half of what was sent in the last 150 ms while over
 *    30 % of those packets were lost (overload now, not a loss the window remembers, nor random loss while the
 *    encoder sends far less than the target);
 *    loss < 2 % lets this bound grow as fast as the delay-based one; in between it holds, unless the delay
 *    signal says the path is not congested (the loss is then random, not a queue overflowing).
 *  - Silence. Once reports have come, none for max(500 ms, 3 x RTT) while packets still go out means the path
 *    is blocked (nothing arrives to be reported): both estimates are halved, once per such interval. The
 *    silence counts from the first packet sent after everything sent had been reported (a pause of the
 *    sender's own is no sign). No report of an arrival for max(500 ms, the least RTT + 250 ms) marks the path
 *    blocked (pt_congestion_blocked), for the sender to stop handing the transport frames.
 *  - target = min(delay-based, loss-based) within [min, max]; pacing = 2.5 x target, at least 300 kbit/s,
 *    but 1.5 x while draining: from a cut (overuse, overload, silence) until the delay signal is normal with
 *    loss at most 10 %, so that bursts do not refill the queue being drained (a full queue's loss makes SCTP
 *    stall for seconds).
 *  - Room. Pairs of media packets sent at the same time give the bottleneck's rate (media/pair_rate.h); a path
 *    whose rate is over ROOMY_PAIR_RATE_FACTOR x the pacing rate, with the target at the ceiling, the delay
 *    signal normal, nothing draining and loss under 2 %, is roomy: the sender may let a frame go at once.
 * A packet counts once: "not received" may later become "received", never the reverse; duplicates, unknown
 * and too-old sequence numbers are ignored. Packets never reported while later ones were (their report was
 * lost) are left out of the loss and scale the received rate up by the share missing (at most 2x). Arrival times that jump by more than 5 s against the others
 * are not used for timing (eight in a row re-anchor the receiver's clock).
 * Sans-IO and deterministic: every call takes the sender's clock (now_ms; a value earlier than a previous
 * one, or not finite, counts as the latest). Memory is allocated once by create: a ring of the last
 * PT_CONGESTION_HISTORY sent packets; feedback for older packets is ignored. Needs no libm. */
#ifndef PT_MEDIA_CONGESTION_H
#define PT_MEDIA_CONGESTION_H

#include <stddef.h>
#include <stdint.h>

#define PT_CONGESTION_HISTORY 8192u /* sent packets remembered: about 4 s at 20 Mbit/s of 1200-byte packets */
#define PT_CONGESTION_PACING_FACTOR 2.5
#define PT_CONGESTION_DRAIN_PACING_FACTOR 1.5 /* while draining: bursts must not refill the queue being drained */
#define PT_CONGESTION_PACING_FLOOR_BPS 300000.0 /* a 1200-byte packet per 32 ms: a small frame at a low target
                                                   still leaves within one 30 fps frame interval */

typedef struct pt_congestion_config {
  double min_bps, start_bps, max_bps; /* finite, 0 < min <= start <= max */
} pt_congestion_config;

typedef struct pt_congestion pt_congestion; /* opaque, heap-allocated */

typedef enum pt_congestion_state {
  PT_CONGESTION_HOLD = 0,     /* the delay-based estimate stays (the queue drains, or no signal yet) */
  PT_CONGESTION_INCREASE = 1, /* the delay signal is normal: the estimate grows */
  PT_CONGESTION_DECREASE = 2  /* overuse: the estimate was cut and waits for the signal to be normal */
} pt_congestion_state;

typedef enum pt_congestion_usage {
  PT_CONGESTION_NORMAL = 0,
  PT_CONGESTION_OVERUSE = 1,  /* queueing delay growing */
  PT_CONGESTION_UNDERUSE = 2  /* queueing delay shrinking */
} pt_congestion_usage;

/* One report entry: a sequence number received (with its arrival time on the receiver's clock) or not. */
typedef struct pt_congestion_arrival {
  uint16_t seq;
  int received;      /* nonzero: received */
  double arrival_ms; /* receiver clock; read only when received */
} pt_congestion_arrival;

/* A snapshot for stats; read by pt_congestion_stats_of. */
typedef struct pt_congestion_stats {
  double target_bps;        /* what pt_congestion_target_bps returns */
  double pacing_bps;        /* what pt_congestion_pacing_bps returns */
  double delay_based_bps;   /* the AIMD estimate driven by the delay signal */
  double loss_based_bps;    /* the bound from recent loss */
  double acked_bps;         /* received rate over the last 500 ms of arrivals (scaled for lost reports); 0 until
                               measured */
  double loss_fraction;     /* lost / reported among the recent packets with feedback, 0..1 */
  int state;                /* pt_congestion_state of the delay-based controller */
  int usage;                /* pt_congestion_usage: the overuse detector's last signal */
  int draining;             /* what pt_congestion_draining returns */
  double trend;             /* last trendline slope: ms of queueing delay gained per ms */
  double modified_trend;    /* the slope as scaled for the detector */
  double threshold;         /* the detector's adaptive threshold */
  double rtt_ms;            /* smoothed RTT from pt_congestion_on_rtt; 0 until a sample (200 ms is assumed) */
  double link_capacity_bps; /* capacity learned at past overuses; 0 when unknown (far from it) */
  double reports;           /* reports applied */
  double ignored;           /* entries for unknown or too-old sequence numbers */
  double timing_rejected;   /* received entries whose arrival time was unusable (not finite, or a jump) */
  double queue_ms;          /* the standing queue estimated from one-way delays (see media/queue_delay.h) */
} pt_congestion_stats;

/* Creates a controller at start_bps (PT_ERR_INVALID_ARGUMENT for a null pointer or a bad config,
 * PT_ERR_NO_MEMORY). */
int pt_congestion_create(pt_congestion **out, const pt_congestion_config *config);

/* Frees the controller; NULL is ignored. */
void pt_congestion_destroy(pt_congestion *c);

/* Records one sent packet: RTP sequence number (16-bit, wraps), size, send time; retransmission nonzero for a
 * resend, whose feedback counts as delivered bytes but not for delay. A resend under a number still remembered
 * (no RTX stream) marks that packet: its first copy counts as lost, whichever copy is reported received. */
void pt_congestion_on_sent(pt_congestion *c, uint16_t seq, size_t bytes, double now_ms, int retransmission);

/* Applies one arrival report received at now_ms: entries in any order, possibly repeating earlier reports. */
void pt_congestion_on_report(pt_congestion *c, const pt_congestion_arrival *entries, size_t count, double now_ms);

/* Takes a round-trip time sample (ms, e.g. from pings); samples not in (0, 60000] are ignored. */
void pt_congestion_on_rtt(pt_congestion *c, double rtt_ms, double now_ms);

/* Changes the ceiling (at least min_bps); the estimates are clamped to it, nothing learned is lost. Before the
 * first packet it is the start as well. */
void pt_congestion_set_max(pt_congestion *c, double max_bps);

/* The current target for the encoder in bits per second, within [min_bps, max_bps] (0 for NULL). */
double pt_congestion_target_bps(const pt_congestion *c);

/* Bytes sent after the newest packet any report covered: in flight, or queued in a transport below us that
 * cannot be seen (SCTP keeps its own send queue); 0 for NULL. */
double pt_congestion_in_flight_bytes(const pt_congestion *c);

/* The pacing rate in bits per second: PT_CONGESTION_PACING_FACTOR x target (PT_CONGESTION_DRAIN_PACING_FACTOR
 * while draining), at least the floor (0 for NULL). */
double pt_congestion_pacing_bps(const pt_congestion *c);

/* The pacing rate when not draining: PT_CONGESTION_PACING_FACTOR x target, at least the floor (0 for NULL). */
double pt_congestion_usual_pacing_bps(const pt_congestion *c);

/* 1 while draining: the target was cut (delay overuse, overload or silence) and the path has not been seen
 * uncongested since (the delay signal normal with loss at most 10 %); 0 otherwise or for NULL. */
int pt_congestion_draining(const pt_congestion *c);

/* 1 while the path is blocked: no report of an arrival for max(500 ms, least RTT + 250 ms) while packets are out
 * (counted from the first packet sent after all were reported), at now_ms (an earlier or unusable time counts
 * as the latest); 0 otherwise or for NULL. */
int pt_congestion_blocked(const pt_congestion *c, double now_ms);

/* 1 when the path has room for a frame sent at once: its bottleneck (from packet pairs) is over 4 x the pacing
 * rate, the target is at the ceiling, the delay signal normal, nothing drains and loss is under 2 %; 0 otherwise
 * or for NULL. */
int pt_congestion_roomy(const pt_congestion *c);

/* Copies the stats (zeros for a NULL controller). */
void pt_congestion_stats_of(const pt_congestion *c, pt_congestion_stats *out);

#endif
