/* The wasm boundary: every function the module exports to JS and every function it imports from JS.
 * js/core/wasm.js is the other half and must match this file. Pointers are offsets into the module's
 * memory; lengths are bytes; results >= 0 are values or PT_OK, results < 0 are pt_error codes.
 * There is one core per module instance (the registry behind every handle). */
#ifndef PT_WASM_BOUNDARY_H
#define PT_WASM_BOUNDARY_H

#include <stdint.h>

#define PT_EXPORT(name) __attribute__((export_name(#name), used))
#define PT_IMPORT(name) __attribute__((import_module("petrichor"), import_name(#name)))

/* ---- imports: implemented by js/core/wasm.js ---- */

/* Fills [ptr, ptr+length) with CSPRNG bytes (crypto.getRandomValues); returns 0, or -1 on failure. */
PT_IMPORT(random_fill) int32_t pt_import_random_fill(uint8_t *ptr, uint32_t length);

/* ---- exports: memory ---- */

/* Allocates length bytes (at least 1) in the module heap; 0 when out of memory. */
PT_EXPORT(alloc) uint8_t *pt_wasm_alloc(uint32_t length);
/* Frees a pointer from pt_alloc; 0 is ignored. */
PT_EXPORT(free) void pt_wasm_free(uint8_t *ptr);
/* Bytes currently allocated in the heap (for leak checks). */
PT_EXPORT(heap_used) uint32_t pt_wasm_heap_used(void);
/* NUL-terminated static name of an error code. */
PT_EXPORT(error_name) const char *pt_wasm_error_name(int32_t code);

/* ---- exports: the core ---- */

/* Creates the core (0 for any argument takes its default); PT_ERR_STATE if it already exists. */
PT_EXPORT(init) int32_t pt_wasm_init(uint32_t max_objects, uint32_t max_output_bytes, double hello_timeout_ms);
/* Releases every object and the core itself; the module can pt_init again afterwards. */
PT_EXPORT(shutdown) void pt_wasm_shutdown(void);
/* Number of live objects in the registry. */
PT_EXPORT(live_objects) uint32_t pt_wasm_live_objects(void);
/* Fires timers due at now_ms. */
PT_EXPORT(handle_timeout) int32_t pt_wasm_handle_timeout(double now_ms);
/* Describes the next output into the pt_output_info at info (24 bytes); returns its kind. */
PT_EXPORT(output_next) int32_t pt_wasm_output_next(void *info);
/* Copies the next output's payload to buf and consumes it; returns its length or an error. */
PT_EXPORT(output_take) int32_t pt_wasm_output_take(uint8_t *buf, uint32_t capacity);

/* ---- exports: gateway connections ---- */

/* Opens a connection once its WebSocket is open; queues the hello. Returns the handle or an error. */
PT_EXPORT(connection_open) int32_t pt_wasm_connection_open(const char *api_key, uint32_t api_key_length,
                                                                const char *external_id, uint32_t external_id_length,
                                                                const char *resume_token, uint32_t resume_token_length,
                                                                double now_ms);
/* Feeds one message received from the gateway. */
PT_EXPORT(connection_receive) int32_t pt_wasm_connection_receive(int32_t handle, const char *message,
                                                                      uint32_t length, double now_ms);
/* Closes the connection with a reason code (queues its close event). */
PT_EXPORT(connection_close) int32_t pt_wasm_connection_close(int32_t handle, int32_t reason);
/* The connection's state (1 awaiting hello, 2 ready, 3 waiting to reconnect, 4 opening a socket) or a handle error. */
PT_EXPORT(connection_state) int32_t pt_wasm_connection_state(int32_t handle);
/* Sets the heartbeat and reconnection policy (gateway/liveness.h: give_up_ms 0 never reconnects, < 0 never gives up). */
PT_EXPORT(connection_configure) int32_t pt_wasm_connection_configure(int32_t handle, double ping_interval_ms,
                                                                     double ping_timeout_ms, double retry_min_ms,
                                                                     double retry_max_ms, double give_up_ms, double now_ms);
/* The socket a reconnect event asked for is open (queues the hello). */
PT_EXPORT(connection_socket_open) int32_t pt_wasm_connection_socket_open(int32_t handle, double now_ms);
/* The connection's socket closed or failed to open (the core reconnects or closes). */
PT_EXPORT(connection_socket_closed) int32_t pt_wasm_connection_socket_closed(int32_t handle, double now_ms);

/* Asks to connect to a peer (decimal id); returns the attempt number (its requestId) or an error. */
PT_EXPORT(connection_request) int32_t pt_wasm_connection_request(int32_t handle, const char *target, uint32_t target_length,
                                                                 double timeout_ms, double now_ms);
/* Withdraws the pending attempt to a peer (decimal id). */
PT_EXPORT(connection_cancel) int32_t pt_wasm_connection_cancel(int32_t handle, const char *target, uint32_t target_length);
/* Accepts an incoming request; returns the new peer's handle. */
PT_EXPORT(connection_accept) int32_t pt_wasm_connection_accept(int32_t handle, const char *request_id,
                                                               uint32_t request_id_length, double timeout_ms, double now_ms);
/* Refuses an incoming request with a UTF-8 reason. */
PT_EXPORT(connection_reject) int32_t pt_wasm_connection_reject(int32_t handle, const char *request_id,
                                                               uint32_t request_id_length, const char *reason,
                                                               uint32_t reason_length);

/* ---- exports: peers ---- */

/* Sends signaling (kind 1 offer, 2 answer, 3 candidate; data is JSON) to the peer via the gateway. */
PT_EXPORT(peer_signal) int32_t pt_wasm_peer_signal(int32_t peer, int32_t kind, const char *data, uint32_t length);
/* Reports RTCPeerConnection.connectionState (0 new … 5 closed) at now_ms. */
PT_EXPORT(peer_report_rtc) int32_t pt_wasm_peer_report_rtc(int32_t peer, int32_t state, double now_ms);
/* Sets how long the peer may stay Disconnected before it is closed (ms). */
PT_EXPORT(peer_set_disconnected_timeout) int32_t pt_wasm_peer_set_disconnected_timeout(int32_t peer, double timeout_ms);
/* Reports whether the peer's control channel is open. */
PT_EXPORT(peer_report_control) int32_t pt_wasm_peer_report_control(int32_t peer, int32_t open);
/* The peer's PeerState, or a handle error. */
PT_EXPORT(peer_state) int32_t pt_wasm_peer_state(int32_t peer);
/* Closes the peer with a reason code (queues its close event). */
PT_EXPORT(peer_close) int32_t pt_wasm_peer_close(int32_t peer, int32_t reason);

/* ---- exports: app data channels ---- */

/* Creates a channel on a peer (mode 0 unreliable, 1 reliable); returns its handle. */
PT_EXPORT(channel_create) int32_t pt_wasm_channel_create(int32_t peer, const char *label, uint32_t label_length,
                                                         int32_t mode, uint32_t chunk_size, uint32_t max_message,
                                                         double request_timeout_ms, double open_timeout_ms,
                                                         double now_ms);
/* Reports the channel's RTCDataChannel open. */
PT_EXPORT(channel_report_open) int32_t pt_wasm_channel_report_open(int32_t channel);
/* Queues a message (kind 0 standalone, 1 request, 2 response to `response_to`); returns its id. */
PT_EXPORT(channel_send) double pt_wasm_channel_send(int32_t channel, int32_t kind, uint32_t response_to,
                                                    const uint8_t *data, uint32_t length, double now_ms);
/* Queues up to about `budget` bytes of chunks as outputs; returns the bytes queued. */
PT_EXPORT(channel_pull) double pt_wasm_channel_pull(int32_t channel, uint32_t budget);
/* Bytes accepted by channel_send and not yet pulled. */
PT_EXPORT(channel_backlog) double pt_wasm_channel_backlog(int32_t channel);
/* Feeds one received RTCDataChannel message. */
PT_EXPORT(channel_receive) int32_t pt_wasm_channel_receive(int32_t channel, const uint8_t *chunk, uint32_t length,
                                                           double now_ms);
/* Writes the channel's counters (struct pt_channel_counters: 11 float64) to out. */
PT_EXPORT(channel_counters) int32_t pt_wasm_channel_counters(int32_t channel, void *out);
/* Closes the channel with a reason code (queues its close event). */
PT_EXPORT(channel_close) int32_t pt_wasm_channel_close(int32_t channel, int32_t reason);

/* ---- exports: peer control and streams ---- */

/* Feeds one message from the peer's control channel. */
PT_EXPORT(peer_control_receive) int32_t pt_wasm_peer_control_receive(int32_t peer, const char *json, uint32_t length,
                                                                     double now_ms);
/* Feeds one message from the peer's media channel (kind 0 video, 1 audio); the packet is decrypted in place. */
PT_EXPORT(peer_media_receive) int32_t pt_wasm_peer_media_receive(int32_t peer, int32_t kind, uint8_t *packet,
                                                                 uint32_t length, double now_ms);
/* Client: asks for a stream with these permissions; returns the request id. */
PT_EXPORT(peer_request_stream) int32_t pt_wasm_peer_request_stream(int32_t peer, uint32_t permissions);
/* Client: asks the host to announce every active stream. */
PT_EXPORT(peer_list_streams) int32_t pt_wasm_peer_list_streams(int32_t peer);
/* Client: joins an announced stream; returns the stream's handle. */
PT_EXPORT(peer_join_stream) int32_t pt_wasm_peer_join_stream(int32_t peer, uint32_t stream_id, double now_ms);
/* Host: announces a stream; `json` is a stream-announce control message whose key and SSRCs the
 * core replaces with fresh ones. Returns the stream's handle. */
PT_EXPORT(peer_announce_stream) int32_t pt_wasm_peer_announce_stream(int32_t peer, const char *json, uint32_t length,
                                                                     uint32_t request_id);
/* Host: refuses a stream request with a UTF-8 reason. */
PT_EXPORT(peer_reject_stream) int32_t pt_wasm_peer_reject_stream(int32_t peer, uint32_t request_id, const char *reason,
                                                                 uint32_t reason_length);
/* Host: packetizes, protects and queues one encoded frame (kind 0 video, 1 audio) at now_ms, with the
 * bytes the media channel has buffered; returns the packets made, 0 when the frame was dropped whole. */
PT_EXPORT(stream_send_frame) int32_t pt_wasm_stream_send_frame(int32_t stream, int32_t kind, const uint8_t *frame,
                                                               uint32_t length, double timestamp_us, double now_ms,
                                                               double channel_buffered);
/* Host: the video encoder's configured bitrate, the rate controller's ceiling. */
PT_EXPORT(stream_set_video_bitrate) int32_t pt_wasm_stream_set_video_bitrate(int32_t stream, double bits_per_second);
/* Client: leaves the stream. Host: stops it, telling the client why (UTF-8, may be empty). Either way
 * it is closed afterwards. */
PT_EXPORT(stream_end) int32_t pt_wasm_stream_end(int32_t stream, const char *reason, uint32_t reason_length);
/* Host: changes the stream's input level on the client. */
PT_EXPORT(stream_set_permissions) int32_t pt_wasm_stream_set_permissions(int32_t stream, uint32_t input_level);
/* Client: the decoder needs a keyframe; the core asks the host, within its rate limit. */
PT_EXPORT(stream_request_keyframe) int32_t pt_wasm_stream_request_keyframe(int32_t stream, double now_ms);
/* Client: asks the host for a different video bitrate. */
PT_EXPORT(stream_request_bitrate) int32_t pt_wasm_stream_request_bitrate(int32_t stream, uint32_t bits_per_second);
/* Sends one input (an OutgoingInput, or a host → client record, as JSON) on the stream; returns the
 * records sent now (0: coalesced or unchanged) or an error, and then writes the offending field's
 * name (NUL-terminated) to field. */
PT_EXPORT(stream_send_input) int32_t pt_wasm_stream_send_input(int32_t stream, const char *json, uint32_t length,
                                                               double now_ms, char *field, uint32_t field_capacity);
/* The stream's current InputLevel, or an error. */
PT_EXPORT(stream_input_level) int32_t pt_wasm_stream_input_level(int32_t stream);
/* Feeds one message from the peer's input channel. */
PT_EXPORT(peer_input_receive) int32_t pt_wasm_peer_input_receive(int32_t peer, const uint8_t *message, uint32_t length);
/* Encodes one input (JSON, as stream_send_input takes it) as records (input/input_record.h) into out;
 * returns their length or an error. For hosts that pass input on to a native injector. */
PT_EXPORT(input_encode) int32_t pt_wasm_input_encode(const char *json, uint32_t length, uint8_t *out, uint32_t capacity);
/* Sends input records (input/input_record.h, no message header) on the stream, each checked as if
 * it had arrived from the wire; returns the records sent now, or the first error. */
PT_EXPORT(stream_send_records) int32_t pt_wasm_stream_send_records(int32_t stream, const uint8_t *records, uint32_t length,
                                                                   double now_ms);
/* The VirtualKey of a KeyboardEvent.code (UTF-8), 0 when unmapped. */
PT_EXPORT(input_key_code) int32_t pt_wasm_input_key_code(const char *code, uint32_t length);
/* Hands the stream's media path to a media worker's core (a host stream only before its first frame);
 * writes the stream-announce message for stream_open_receiver (client) or stream_open_sender (host)
 * there into out (NUL-terminated) and returns its length, or an error. */
PT_EXPORT(stream_hand_off) int32_t pt_wasm_stream_hand_off(int32_t stream, char *out, uint32_t capacity);
/* Client: sends a keyframe request a handed-off stream's receiver asked for. */
PT_EXPORT(stream_send_keyframe_request) int32_t pt_wasm_stream_send_keyframe_request(int32_t stream);
/* A media worker's core: opens a receiver from stream_hand_off's message; returns its handle or an error. */
PT_EXPORT(stream_open_receiver) int32_t pt_wasm_stream_open_receiver(const char *json, uint32_t length, double now_ms);
/* A media worker's core: opens a sender from stream_hand_off's message (stream_send_frame sends on it);
 * returns its handle or an error. */
PT_EXPORT(stream_open_sender) int32_t pt_wasm_stream_open_sender(const char *json, uint32_t length);
/* Host: the client asked for a keyframe (its stream's core passed the request on); the encoder is asked
 * within the sender's rate limit. */
PT_EXPORT(stream_keyframe_requested) int32_t pt_wasm_stream_keyframe_requested(int32_t stream, double now_ms);
/* Feeds one media-channel message (kind 0 video, 1 audio) to a receiver, or feedback to a sender;
 * PT_ERR_UNEXPECTED_MESSAGE when it is not that stream's (another stream's, or feedback for the peer's own
 * streams). */
PT_EXPORT(stream_receive) int32_t pt_wasm_stream_receive(int32_t stream, int32_t kind, uint8_t *message, uint32_t length,
                                                         double now_ms);
/* Writes the stream's counters (struct pt_stream_counters: 29 float64) to out. */
PT_EXPORT(stream_counters) int32_t pt_wasm_stream_counters(int32_t stream, void *out);

/* ---- exports: SRTP sessions ---- */

/* Creates an SRTP session from a 30-byte master key; direction 0 protects, 1 unprotects. */
PT_EXPORT(srtp_create) int32_t pt_wasm_srtp_create(const uint8_t *key, uint32_t key_length, int32_t direction);
/* Protects the packet in place (capacity >= length + 16); returns the new length. */
PT_EXPORT(srtp_protect) int32_t pt_wasm_srtp_protect(int32_t handle, uint8_t *packet,
                                                                  uint32_t length, uint32_t capacity);
/* Unprotects the packet in place; returns the RTP length. */
PT_EXPORT(srtp_unprotect) int32_t pt_wasm_srtp_unprotect(int32_t handle, uint8_t *packet,
                                                                      uint32_t length);
/* Destroys the session and releases its handle. */
PT_EXPORT(srtp_destroy) int32_t pt_wasm_srtp_destroy(int32_t handle);
/* Writes a fresh random 30-byte master key. */
PT_EXPORT(srtp_generate_key) int32_t pt_wasm_srtp_generate_key(uint8_t *key, uint32_t key_length);

#endif
