/* A media stream: the core side of OutboundStream (host) and InboundStream (client).
 * Outbound: encoded frames → RTP packets (media/rtp_packetizer) → SRTP protect → one packet per
 * media-channel message. Inbound: media-channel message → SRTP unprotect (tampered and replayed
 * packets are dropped and counted) → reordering and frame assembly (media/frame_assembler: a frame
 * with a gap is never handed out; after loss it waits for a keyframe and asks for one) →
 * depacketize → PT_EVENT_STREAM_FRAME. Each stream has its own random SRTP master key and SSRCs. */
#ifndef PT_STREAM_STREAM_H
#define PT_STREAM_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "input/input_record.h"
#include "peer/control_messages.h"

typedef enum pt_media_kind { PT_MEDIA_VIDEO = 0, PT_MEDIA_AUDIO = 1 } pt_media_kind;

/* RTP packet size, before SRTP's tag: with it, and with a parity packet's 12 more bytes, a media-channel
 * message still fits one SCTP packet (SCTP's path MTU in WebRTC stacks is 1,200 bytes, less 28 of SCTP
 * headers): a message split in two is lost when either half is, doubling the loss the link causes. */
#define PT_STREAM_MAX_PACKET 1100
#define PT_STREAM_MAX_FRAME (4u << 20) /* largest encoded frame accepted */
/* Longest media packet a client takes (1,128 bytes): a parity packet of the longest RTP packet with its SRTP
 * tag and room, the most a host sends; a longer one is refused before it is copied or authenticated. */
#define PT_STREAM_MAX_RECEIVED_PACKET 1128
#define PT_STREAM_MIN_VIDEO_BPS 100000.0 /* the rate controller's floor, and the least ceiling a host takes */
#define PT_STREAM_DEFAULT_VIDEO_BPS 2500000.0 /* the rate controller's ceiling until the host states its encoder's */

/* What a stream has seen; read by pt_stream_counters_of. */
typedef struct pt_stream_counters {
  double video_frames, audio_frames, video_bytes, audio_bytes, video_packets, audio_packets;
  double packets_lost, frames_dropped, srtp_rejected, keyframe_requests, last_assembly_ms, max_assembly_ms;
  /* input records: sent, delivered to the app, refused by the permission filter, malformed; bytes
   * of input messages sent; cursor records sent or delivered */
  double input_sent, input_received, input_dropped, input_malformed, input_bytes_sent, cursor_events;
  /* video transport (the host's figures reach the client in its sender reports): rate controller target and
   * estimate (bits/s), loss it measured, RTT over the media path (-1 before one), NACKed packets (sent or
   * received), retransmissions (sent, or NACKed packets that then arrived), FEC packets (sent or received) and
   * packets FEC rebuilt, keyframes sent, frames the host dropped to keep its queue short */
  double target_bps, estimate_bps, loss_fraction, rtt_ms, nacks, retransmitted, fec_packets, fec_recovered, keyframes,
      frames_skipped;
  double packets_dropped; /* media packets this side could not take for want of memory (asked for again
                             like lost ones where they leave a gap) */
} pt_stream_counters;

/* Creates a host stream on a peer from a description whose stream id, SSRCs and key the core fills
 * in (fresh random key and SSRCs); PT_ERR_EXISTS if the id is in use on the peer. */
pt_handle pt_stream_create_outbound(pt_core *core, pt_handle peer, pt_stream_description *description);

/* Creates a client stream from an announcement's description; PT_ERR_EXISTS if joined already. */
pt_handle pt_stream_create_inbound(pt_core *core, pt_handle peer, const pt_stream_description *description,
                                   double now_ms);

/* For a media worker: hands the stream's media path to another core. Writes the stream-announce message
 * (key and SSRCs included; NUL-terminated) that pt_stream_open_receiver (client) or pt_stream_open_sender
 * (host) takes there. From then on a client stream takes no media or feedback (PT_ERR_STATE) and its own
 * assembler never asks for keyframes: the receiver decides, and the glue carries its requests back
 * (pt_stream_send_keyframe_request). A host stream, handed off only before its first frame, sends no
 * media (PT_ERR_STATE) and passes each keyframe request from the client on as PT_EVENT_KEYFRAME_REQUESTED
 * for the glue to carry to the sender (pt_stream_keyframe_requested there, which rate-limits them). */
int pt_stream_hand_off(pt_core *core, pt_handle stream, char *out, size_t capacity, size_t *length);

/* A sender: a host stream that belongs to no peer (a media worker's core), from a handed-off description.
 * pt_stream_send_frame packetizes, protects and paces as on the peer's core; its packets go out as
 * PT_OUTPUT_SEND on its handle; it takes the client's feedback through pt_stream_receive_message. */
pt_handle pt_stream_open_sender(pt_core *core, const pt_stream_description *description);

/* A receiver: a client stream that belongs to no peer (a media worker's core), from a handed-off
 * description. It takes messages through pt_stream_receive_message; its feedback goes out as
 * PT_OUTPUT_SEND on PT_TRANSPORT_VIDEO for its handle, and a keyframe request, within the assembler's
 * rate limit, as PT_EVENT_KEYFRAME_REQUESTED for the glue to carry to the stream's own core. */
pt_handle pt_stream_open_receiver(pt_core *core, const pt_stream_description *description, double now_ms);

/* Feeds one media-channel message (SRTP media, FEC or feedback) to a client stream, or feedback to a host
 * stream, when it names one of the stream's SSRCs for that kind; PT_ERR_UNEXPECTED_MESSAGE when it is
 * another stream's. */
int pt_stream_receive_message(pt_core *core, pt_handle stream, pt_media_kind kind, uint8_t *message, size_t length,
                              double now_ms);

/* The SSRC a media-channel message is about (an SRTP packet's own, or the media SSRC feedback names), and
 * whether it is feedback. 0 for a message shorter than an RTP header. */
uint32_t pt_stream_message_ssrc(const uint8_t *message, size_t length, int *feedback);

/* Client: sends a keyframe request for a handed-off stream now (its receiver's core rate-limits them). */
int pt_stream_send_keyframe_request(pt_core *core, pt_handle stream);

/* Host: packetizes and protects one encoded frame (H.264 access unit in Annex-B, or one Opus packet),
 * timestamp in microseconds, at now_ms with channel_buffered bytes waiting in the media channel; queues
 * the packets on PT_TRANSPORT_VIDEO / PT_TRANSPORT_AUDIO (video paced: some leave at later deadlines).
 * Returns the packets made, or 0 when a video frame was dropped whole (see stream/video_sender.h). */
int pt_stream_send_frame(pt_core *core, pt_handle stream, pt_media_kind kind, const uint8_t *frame, size_t length,
                         double timestamp_us, double now_ms, size_t channel_buffered);

/* Feeds one feedback message from the stream's video channel (media/feedback.h): NACKs and reports on a
 * host, sender reports on a client. PT_ERR_MALFORMED for a broken one. */
int pt_stream_receive_feedback(pt_core *core, pt_handle stream, pt_media_kind kind, const uint8_t *message,
                               size_t length, double now_ms);

/* Host: the client asked for a keyframe; the encoder is asked (PT_EVENT_KEYFRAME_REQUESTED) within the
 * video sender's rate limit, which its own asks share. */
int pt_stream_keyframe_requested(pt_core *core, pt_handle stream, double now_ms);

/* Host: the encoder's configured video bitrate, the rate controller's ceiling (100 kbit/s .. 1 Gbit/s). */
int pt_stream_set_video_bitrate(pt_core *core, pt_handle stream, double bits_per_second);

/* Client: the decoder needs a keyframe; asked through the same rate limit as the assembler's requests. */
int pt_stream_request_keyframe(pt_core *core, pt_handle stream, double now_ms);

/* The FEC SSRC that goes with a video SSRC. */
uint32_t pt_stream_fec_ssrc(uint32_t video_ssrc);

/* Client: feeds one packet from the peer's media channel of that kind; whole frames are queued as
 * PT_EVENT_STREAM_FRAME. Dropped packets return their error and are counted (one over
 * PT_STREAM_MAX_RECEIVED_PACKET: PT_ERR_TOO_LARGE, counted with those SRTP refuses). */
int pt_stream_receive_packet(pt_core *core, pt_handle stream, pt_media_kind kind, uint8_t *packet, size_t length,
                             double now_ms);

/* Sends one input on the stream's input channel (client: client → host records; host: host → client
 * records); returns the records sent now (0 when coalesced or unchanged) or an error. A host's
 * record the client's level does not allow (clipboard, a port's rumble) is refused: PT_ERR_STATE. */
int pt_stream_send_input(pt_core *core, pt_handle stream, const pt_input *input, double now_ms);

/* Feeds the records of one input message addressed to this stream (header already read): each is
 * decoded, checked against the stream's input level and queued as PT_EVENT_STREAM_INPUT, or counted
 * as dropped or malformed. Returns PT_ERR_MALFORMED when any record was, else PT_OK. */
int pt_stream_receive_input(pt_core *core, pt_handle stream, const uint8_t *records, size_t length);

/* Sets the stream's input level at once. On the host, whatever the old level let the client hold and
 * the new one does not is released (as PT_EVENT_STREAM_INPUT events). */
int pt_stream_set_input_level(pt_core *core, pt_handle stream, uint32_t input_level);

/* Host: releases everything the client holds (the client left, or the stream ends). */
int pt_stream_release_input(pt_core *core, pt_handle stream);

/* The stream's current input level. */
int pt_stream_input_level(const pt_core *core, pt_handle stream, uint32_t *input_level);

/* The inbound (or outbound) stream of a peer whose video, audio or FEC SSRC this is (0 when none). */
pt_handle pt_stream_find_by_ssrc(const pt_core *core, pt_handle peer, uint32_t ssrc, int inbound, pt_media_kind *kind);

/* The stream of a peer with this id and role (inbound or not), or 0. */
pt_handle pt_stream_find(const pt_core *core, pt_handle peer, uint8_t stream_id, int inbound);

/* The stream's description (as announced). */
int pt_stream_description_of(const pt_core *core, pt_handle stream, pt_stream_description *description);

/* Copies the counters. */
int pt_stream_counters_of(const pt_core *core, pt_handle stream, pt_stream_counters *counters);

/* Closes the stream: queues the release of any input the client still holds (host), then
 * PT_EVENT_STREAM_CLOSED {code, error}, and releases it. */
int pt_stream_close(pt_core *core, pt_handle stream, int reason);

/* Closes the stream like pt_stream_close, with the other side's reason in the event ({code, error, reason}). */
int pt_stream_close_with_reason(pt_core *core, pt_handle stream, int code, const char *reason);

/* Closes every stream of a peer. */
void pt_stream_close_all_of(pt_core *core, pt_handle peer, int reason);

/* The next time the stream needs pt_stream_handle_timeout (reordering gap, keyframe request), or -1. */
double pt_stream_deadline(const pt_core *core, pt_handle stream);

/* Lets time pass: declares loss, hands out frames, sends a keyframe request when one is due. */
int pt_stream_handle_timeout(pt_core *core, pt_handle stream, double now_ms);

/* Releases the stream without queuing anything (core shutdown). */
void pt_stream_free(pt_core *core, pt_handle stream);

/* The peer a stream belongs to (0 for a bad handle). */
pt_handle pt_stream_peer(const pt_core *core, pt_handle stream);

#endif
