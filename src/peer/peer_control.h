/* The peer control protocol in action: what a peer says and does on its control channel about
 * streams (request, announce, join, leave, stop, keyframes, bitrate, permissions, list) and pings.
 * Messages go out as PT_OUTPUT_SEND on PT_TRANSPORT_CONTROL of the peer. */
#ifndef PT_PEER_PEER_CONTROL_H
#define PT_PEER_PEER_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "peer/control_messages.h"
#include "stream/stream.h"

/* Builds and queues a control message to the peer. */
int pt_peer_control_send(pt_core *core, pt_handle peer, const pt_control_message *message);

/* Feeds one message from the peer's control channel; refused messages return their error (the link stays);
 * one our side cannot act on for want of memory or queue room closes the peer with that error. */
int pt_peer_control_receive(pt_core *core, pt_handle peer, const char *json, size_t length, double now_ms);

/* Client: asks the host for a stream; returns the request id (> 0). */
int pt_peer_request_stream(pt_core *core, pt_handle peer, uint32_t permissions);

/* Client: asks the host to announce every active stream again. */
int pt_peer_list_streams(pt_core *core, pt_handle peer);

/* Client: joins an announced stream (creates the inbound stream, sends the join); returns the stream. */
pt_handle pt_peer_join_stream(pt_core *core, pt_handle peer, uint8_t stream_id, double now_ms);

/* Client: leaves a joined stream (sends the leave, closes the stream). */
int pt_peer_leave_stream(pt_core *core, pt_handle stream);

/* Host: creates an outbound stream and announces it, answering request_id (0: unasked); returns it. */
pt_handle pt_peer_announce_stream(pt_core *core, pt_handle peer, pt_stream_description *description,
                                  uint32_t request_id);

/* Host: refuses a stream request (its id, 1 .. 2^31-1) with a reason (at most PT_CONTROL_REASON_MAX bytes);
 * PT_ERR_BAD_VALUE otherwise. */
int pt_peer_reject_stream(pt_core *core, pt_handle peer, uint32_t request_id, const char *reason);

/* Host: stops a stream (sends the stop with the reason, if any, at most 1,024 bytes; closes it). */
int pt_peer_stop_stream(pt_core *core, pt_handle stream, const char *reason);

/* Host: changes a stream's input level: the filter at once (releasing what is no longer allowed), then
 * the client (sends the update). */
int pt_peer_set_permissions(pt_core *core, pt_handle stream, uint32_t input_level);

/* Client: asks the host of a stream for a different video bitrate. */
int pt_peer_request_bitrate(pt_core *core, pt_handle stream, uint32_t bits_per_second);

/* Client: asks the host of a stream for a keyframe. */
int pt_peer_request_keyframe(pt_core *core, pt_handle stream);

/* Client: feeds one message from a media channel; it goes to the stream whose SSRC it carries. */
int pt_peer_media_receive(pt_core *core, pt_handle peer, pt_media_kind kind, uint8_t *packet, size_t length,
                          double now_ms);

/* Feeds one message from the peer's input channel to the stream its header names; one our side cannot take
 * for want of memory or queue room closes the peer with that error (input is reliable). */
int pt_peer_input_receive(pt_core *core, pt_handle peer, const uint8_t *message, size_t length);

#endif
