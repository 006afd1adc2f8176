/* A peer: the core side of a Peer. Created when a connection attempt is accepted (either side);
 * its state follows what the JS glue reports of the RTCPeerConnection and its control channel, and
 * it has a deadline until it is first Connected. Signaling for it goes out through its gateway
 * connection; a peer outlives the loss of that connection. */
#ifndef PT_PEER_PEER_H
#define PT_PEER_PEER_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "gateway/gateway_messages.h"
#include "peer/control_messages.h"

/* PeerState of the public API. */
typedef enum pt_peer_state {
  PT_PEER_NEW = 0,
  PT_PEER_CONNECTING = 1,
  PT_PEER_CONNECTED = 2,
  PT_PEER_DISCONNECTED = 3,
  PT_PEER_FAILED = 4
} pt_peer_state;

/* RTCPeerConnection.connectionState as reported by the glue. */
typedef enum pt_rtc_state {
  PT_RTC_NEW = 0,
  PT_RTC_CONNECTING = 1,
  PT_RTC_CONNECTED = 2,
  PT_RTC_DISCONNECTED = 3,
  PT_RTC_FAILED = 4,
  PT_RTC_CLOSED = 5
} pt_rtc_state;

/* Creates a peer and queues PT_EVENT_PEER_CREATED; returns its handle or an error. */
pt_handle pt_peer_create(pt_core *core, pt_handle connection, uint64_t remote_id, const char *remote_external_id,
                         const char *request_id, int offerer, double deadline_ms);

/* The live peer of a connection with that remote id (0 when none). */
pt_handle pt_peer_find(const pt_core *core, pt_handle connection, uint64_t remote_id);

/* Queues an inbound signal for the peer with that remote id and request id; PT_ERR_UNEXPECTED_MESSAGE if none. */
int pt_peer_deliver_signal(pt_core *core, pt_handle connection, uint64_t source, const char *request_id,
                           pt_signal_kind kind, const char *data, size_t length);

/* Sends signaling (normalised first) to the remote peer through the peer's gateway connection. */
int pt_peer_send_signal(pt_core *core, pt_handle peer, pt_signal_kind kind, const char *data, size_t length);

#define PT_PEER_DISCONNECTED_TIMEOUT_MS 15000.0 /* default: how long a peer may stay Disconnected */

/* Records the RTCPeerConnection's state at now_ms; may queue PT_EVENT_PEER_STATE, and on failure closes
 * the peer. A peer that was connected and goes Disconnected gets a deadline: it is closed with
 * PT_ERR_TIMEOUT unless it is Connected again within its disconnected timeout. */
int pt_peer_report_rtc(pt_core *core, pt_handle peer, pt_rtc_state state, double now_ms);

/* Sets how long the peer may stay Disconnected (> 0 ms) before it is closed. */
int pt_peer_set_disconnected_timeout(pt_core *core, pt_handle peer, double timeout_ms);

/* Records whether the peer's control channel is open; may queue PT_EVENT_PEER_STATE. */
int pt_peer_report_control(pt_core *core, pt_handle peer, int open);

/* The peer's PeerState, or a handle error. */
int pt_peer_state_of(const pt_core *core, pt_handle peer);

/* Closes the peer: queues PT_EVENT_PEER_CLOSED with the reason and releases the handle. */
int pt_peer_close(pt_core *core, pt_handle peer, int reason);

/* The peer's deadline (until first connected, or while Disconnected), or -1. */
double pt_peer_deadline(const pt_core *core, pt_handle peer);

/* Closes the peer with PT_ERR_TIMEOUT if it has not connected, or not reconnected, by its deadline. */
int pt_peer_handle_timeout(pt_core *core, pt_handle peer, double now_ms);

/* Client: remembers what the host announced for a stream id, for a later join. */
int pt_peer_remember_announcement(pt_core *core, pt_handle peer, const pt_stream_description *description);

/* Client: the remembered announcement of a stream id; PT_ERR_STATE when there is none. */
int pt_peer_announcement(const pt_core *core, pt_handle peer, uint8_t stream_id, pt_stream_description *description);

#define PT_PEER_STREAMS_MAX 512 /* 256 stream ids, each inbound and outbound */

/* Notes a stream of the peer, so that its streams are found without walking the registry;
 * PT_ERR_FULL past PT_PEER_STREAMS_MAX, PT_ERR_NO_MEMORY. */
int pt_peer_add_stream(pt_core *core, pt_handle peer, pt_handle stream);

/* Forgets a stream of the peer (nothing if it was not noted). */
void pt_peer_remove_stream(pt_core *core, pt_handle peer, pt_handle stream);

/* The peer's streams in *streams (valid until one is added or removed); returns how many, or a handle
 * error. */
int pt_peer_streams(const pt_core *core, pt_handle peer, const pt_handle **streams);

/* A fresh id for a stream request or a ping of this peer (> 0), or a handle error. */
int pt_peer_next_id(pt_core *core, pt_handle peer);

/* Reassembly memory (message bytes and the tables that find them) all app channels of one peer may hold
 * at once: two messages of the default maximum size (64 MiB) with their tables (under 1 MiB each at the
 * smallest chunk size); about an eighth of the wasm heap's 1 GiB (docs/SECURITY.md). */
#define PT_PEER_REASSEMBLY_MAX ((size_t)130 << 20)

/* Counts `bytes` more reassembly memory held for the peer (and the core); PT_ERR_TOO_LARGE (nothing counted)
 * past PT_PEER_REASSEMBLY_MAX or the core's max_reassembly_bytes for all peers together. */
int pt_peer_reserve_reassembly(pt_core *core, pt_handle peer, size_t bytes);

/* Counts `bytes` of reassembly memory released (for the core even when the peer is already gone). */
void pt_peer_release_reassembly(pt_core *core, pt_handle peer, size_t bytes);

/* Reassembly memory held for the peer's app channels, or a handle error. */
int64_t pt_peer_reassembly_bytes(const pt_core *core, pt_handle peer);

/* Releases the peer without queuing anything (core shutdown). */
void pt_peer_free(pt_core *core, pt_handle peer);

#endif
