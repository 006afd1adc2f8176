/* Receive-side RTP frame assembly for one media stream (one SSRC), after SRTP. Packets arrive
 * reordered, duplicated or not at all; they are held in a reordering window ordered by extended
 * sequence number (RFC 3550 A.1) and grouped into frames: the packets of one RTP timestamp, the last
 * one with the marker bit. A frame is handed out only whole, in order, and only if it starts right
 * after the previous frame's marker packet: the stream's first frame (joined mid-way, its start
 * unknown, unless the sender said where the stream starts) and any frame touched by loss are
 * dropped, never handed out with a hole. After loss the
 * assembler waits for a keyframe (as judged by the caller's classifier) and asks for one,
 * rate-limited. Sans-IO: every call takes the caller's clock (now_ms, never decreasing). */
#ifndef PT_MEDIA_FRAME_ASSEMBLER_H
#define PT_MEDIA_FRAME_ASSEMBLER_H

#include <stddef.h>
#include <stdint.h>

#define PT_FRAME_ASSEMBLER_MAX_PACKETS 8192u /* largest window: far below half the 16-bit sequence space */
#define PT_FA_IDLE_MS 30.0        /* nothing arriving for longer: the sender's transport stalls... */
#define PT_FA_MAX_PAUSE_MS 1000.0 /* ...and (pause_when_idle) a gap's wait pauses, by at most this much in all */
#define PT_FA_EXPECT_SPAN 64u     /* a first packet this far past the expected start still starts there */

typedef struct pt_frame_assembler_config {
  uint32_t max_packets;         /* reordering window in sequence numbers, 1..PT_FRAME_ASSEMBLER_MAX_PACKETS
                                   (e.g. 512); a frame of more packets can never complete */
  size_t max_bytes;             /* budget of buffered payload bytes (> 0) */
  double reorder_ms;            /* how long a gap may stay open before it counts as loss (e.g. 50) */
  double keyframe_interval_ms;  /* minimum time between keyframe requests (e.g. 500) */
  uint32_t max_packets_behind;  /* loss without waiting once this many packets are held beyond a gap (audio: one
                                   packet a frame); 0 off */
  int pause_when_idle;          /* a gap's wait does not count time in which nothing arrived (see PT_FA_IDLE_MS) */
} pt_frame_assembler_config;

/* Decides whether a complete frame (its RTP payloads in order) starts a decodable sequence (keyframe); the
 * caller supplies it (the codec layer knows how). Nonzero: keyframe. */
typedef int (*pt_keyframe_classifier)(void *context, const uint8_t *const *payloads, const size_t *lengths,
                                      size_t count);

/* Receives a complete frame: RTP payloads (headers and padding stripped, valid only during the call) in order,
 * its RTP timestamp, and its first packet's arrival time (the earliest of its packets). Return PT_OK to continue. */
typedef int (*pt_frame_sink)(void *context, const uint8_t *const *payloads, const size_t *lengths, size_t count,
                             uint32_t rtp_timestamp, double first_arrival_ms, int keyframe);

typedef struct pt_frame_assembler pt_frame_assembler; /* opaque, heap-allocated */

/* What the assembler has seen; read by pt_frame_assembler_counters_of. */
typedef struct pt_frame_assembler_counters {
  double packets, bytes;       /* well-formed packets received and their whole lengths, duplicates included */
  double duplicates;           /* a packet held or recently handed out, again */
  double too_old;              /* before the window: late after its frame was handed out or given up */
  double lost;                 /* sequence numbers given up on (never received in time) */
  double malformed;            /* refused with PT_ERR_MALFORMED */
  double frames;               /* frames handed out */
  double frames_dropped;       /* frames (what arrived of them) discarded: incomplete, unverifiable, or while waiting */
  double keyframe_requests;    /* requests taken by pt_frame_assembler_take_keyframe_request */
  double restarts;             /* sequence restarts: two consecutive packets far behind the window */
  double last_assembly_ms, max_assembly_ms; /* earliest arrival of a handed-out frame's packets to its hand-out */
  double work;                 /* slots, bitmap words and queue entries visited: what bounds the cost (tests) */
} pt_frame_assembler_counters;

/* Creates an assembler (PT_ERR_INVALID_ARGUMENT for a bad config, PT_ERR_NO_MEMORY). A NULL classifier calls
 * every frame a keyframe (audio). */
int pt_frame_assembler_create(pt_frame_assembler **out, const pt_frame_assembler_config *config,
                              pt_keyframe_classifier classify, void *classify_context);

/* Frees the assembler and every buffered packet; NULL is ignored. */
void pt_frame_assembler_destroy(pt_frame_assembler *a);

/* Feeds one RTP packet received at now_ms; complete frames go to sink in order. Returns PT_OK, or PT_ERR_MALFORMED
 * (bad RTP header: not version 2, header longer than the packet, padding inconsistent): the packet is dropped and
 * counted. Duplicates and too-old packets are counted and ignored (PT_OK). PT_ERR_NO_MEMORY drops the packet. A
 * sink error stops the hand-out and is returned; frames not yet handed out wait for the next call (the packet
 * itself is dropped if the error came while making room for it). The sink must not call back into the assembler. */
int pt_frame_assembler_push(pt_frame_assembler *a, const uint8_t *packet, size_t length, double now_ms,
                            pt_frame_sink sink, void *sink_context);

/* As pt_frame_assembler_push, with the memory for the packet's payload allocated by the caller (malloc, at least
 * `length` bytes; never NULL), before anything it cannot undo (SRTP's replay window): the assembler owns and
 * frees it whatever the outcome. */
int pt_frame_assembler_push_into(pt_frame_assembler *a, const uint8_t *packet, size_t length, uint8_t *copy,
                                 double now_ms, pt_frame_sink sink, void *sink_context);

/* Lets time pass: declares loss for gaps older than reorder_ms and hands out frames that became deliverable;
 * pt_frame_assembler_take_keyframe_request then says whether to ask for a keyframe. */
int pt_frame_assembler_poll(pt_frame_assembler *a, double now_ms, pt_frame_sink sink, void *sink_context);

/* 1 if a keyframe request should be sent now (the caller sends it); calling it marks the request as sent at
 * now_ms (rate limit). Never before the first packet, unless the caller asked (want_keyframe). */
int pt_frame_assembler_take_keyframe_request(pt_frame_assembler *a, double now_ms);

/* The next time poll should be called (an open gap's expiry or the next allowed keyframe request, which may be
 * past while a due request is not taken), or -1. */
double pt_frame_assembler_deadline(const pt_frame_assembler *a);

/* Copies the counters. */
void pt_frame_assembler_counters_of(const pt_frame_assembler *a, pt_frame_assembler_counters *out);

/* Changes how long a gap may stay open (e.g. to cover retransmissions at the measured round-trip time)
 * and the least time between keyframe requests (a keyframe needs a round trip and more to arrive). */
void pt_frame_assembler_set_timing(pt_frame_assembler *a, double reorder_ms, double keyframe_interval_ms);

/* What the assembler knows of a 16-bit sequence number: PT_FA_HELD (received, its frame not handed out
 * yet: *payload, *length, *marker and *timestamp describe it), PT_FA_WANTED (not received, still
 * awaited) or PT_FA_GONE (its frame was handed out or given up, or it lies outside the window). */
enum { PT_FA_GONE = 0, PT_FA_HELD = 1, PT_FA_WANTED = 2 };
int pt_frame_assembler_lookup(const pt_frame_assembler *a, uint16_t seq, const uint8_t **payload, size_t *length,
                              int *marker, uint32_t *timestamp);

/* Asks for a keyframe from outside (the decoder lost its way): the next take_keyframe_request says so,
 * within the same rate limit, and frames are dropped until a keyframe. */
void pt_frame_assembler_want_keyframe(pt_frame_assembler *a, double now_ms);

/* Says, before the first packet, that `seq` is the stream's first sequence number (the sender told the
 * receiver): a first packet at most PT_FA_EXPECT_SPAN after it starts the window at `seq`, synced, so the
 * stream's first frame is handed out (if a keyframe) and packets missing before it are waited for; a
 * keyframe is asked for only if none came whole within keyframe_interval_ms. A first packet anywhere else
 * (a stale or wrong hint) starts as without it. Ignored once a packet arrived. */
void pt_frame_assembler_expect(pt_frame_assembler *a, uint16_t seq);

/* 1 while waiting for a keyframe (at the start, and after loss). */
int pt_frame_assembler_waiting_for_keyframe(const pt_frame_assembler *a);

#endif
