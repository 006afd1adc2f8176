/* A gateway connection (the core side of RainwayConnection): sends the client hello once the JS
 * glue reports the WebSocket open, waits for the gateway's hello with a timeout, then handles
 * connection attempts in both directions and relays signaling for its peers. Once configured
 * (pt_connection_configure) it pings the gateway and, when the link is lost, asks the glue for new
 * sockets with backoff and resumes its peer id, until it gives up. A connection is released when it
 * closes; its handle then reads as stale. Peers it created live on, through losses and closing. */
#ifndef PT_GATEWAY_CONNECTION_H
#define PT_GATEWAY_CONNECTION_H

#include <stddef.h>

#include "core/core.h"
#include "gateway/hello_codec.h"
#include "gateway/liveness.h"

#define PT_PENDING_ATTEMPTS_MAX 64 /* per direction, per connection */
#define PT_PENDING_PER_REQUESTER_MAX 4     /* incoming requests one peer may have pending at once */
#define PT_INCOMING_REQUEST_TIMEOUT_MS 60000.0 /* an incoming request unanswered this long is refused */

typedef enum pt_connection_state {
  PT_CONNECTION_AWAITING_HELLO = 1, /* a socket is open and the hello sent */
  PT_CONNECTION_READY = 2,
  PT_CONNECTION_WAITING = 3,        /* the link was lost: no socket until the next attempt */
  PT_CONNECTION_OPENING = 4         /* the glue was asked for a new socket (PT_EVENT_CONNECTION_RECONNECT) */
} pt_connection_state;

/* Creates a connection and queues its hello on PT_TRANSPORT_GATEWAY; returns the handle or an error. */
pt_handle pt_connection_open(pt_core *core, const pt_client_hello *hello, double now_ms);

/* Feeds one gateway message. A bad or missing hello, or a fatal alert, closes the connection. */
int pt_connection_receive(pt_core *core, pt_handle handle, const char *message, size_t length,
                          double now_ms);

/* Asks the gateway to connect to `target`; returns the attempt's number (its requestId in decimal)
 * or PT_ERR_STATE (not ready) / PT_ERR_EXISTS (attempt or peer with target) / PT_ERR_BAD_VALUE / PT_ERR_FULL. */
int pt_connection_request(pt_core *core, pt_handle handle, uint64_t target, double timeout_ms, double now_ms);

/* Withdraws the pending attempt to `target`: sends a cancel and queues PT_EVENT_REQUEST_FAILED
 * (PT_ERR_CANCELLED). PT_ERR_STATE when there is none. */
int pt_connection_cancel(pt_core *core, pt_handle handle, uint64_t target);

/* Accepts an incoming request: sends the accept and creates the (answering) peer, returned. */
pt_handle pt_connection_accept(pt_core *core, pt_handle handle, const char *request_id, double timeout_ms,
                               double now_ms);

/* Refuses an incoming request with a reason (at most 1024 bytes). */
int pt_connection_reject(pt_core *core, pt_handle handle, const char *request_id, const char *reason);

/* Queues bytes on the connection's gateway transport; PT_ERR_STATE before the hello. */
int pt_connection_send(pt_core *core, pt_handle handle, const char *message, size_t length);

/* Closes with a reason code: fails pending attempts, queues PT_EVENT_CONNECTION_CLOSED, releases. */
int pt_connection_close(pt_core *core, pt_handle handle, int reason);

/* Reports the connection's state (> 0) or a handle error. */
int pt_connection_state_of(const pt_core *core, pt_handle handle);

/* The connection's next deadline in ms, or -1 when it has none (or the handle is bad). */
double pt_connection_deadline(const pt_core *core, pt_handle handle);

/* Fires the connection's due timers: the hello timeout, the heartbeat, the reconnection delay,
 * attempt timeouts. */
int pt_connection_handle_timeout(pt_core *core, pt_handle handle, double now_ms);

/* Sets the heartbeat and reconnection policy (PT_ERR_BAD_VALUE for a bad one). Until then a
 * connection neither pings nor reconnects: a lost link closes it. */
int pt_connection_configure(pt_core *core, pt_handle handle, const pt_liveness_config *config, double now_ms);

/* The socket asked for by PT_EVENT_CONNECTION_RECONNECT is open: queues the hello (the latest resume
 * token, takeOver). PT_ERR_STATE when no socket was asked for. */
int pt_connection_socket_open(pt_core *core, pt_handle handle, double now_ms);

/* The connection's socket closed, or a socket asked for failed to open: the link is lost. Before the
 * first hello, or without reconnection, that closes the connection (PT_ERR_CLOSED); otherwise the
 * next attempt is scheduled (PT_EVENT_CONNECTION_LOST), until the policy gives up. */
int pt_connection_socket_closed(pt_core *core, pt_handle handle, double now_ms);

/* Releases the connection without queuing anything (used when the core shuts down). */
void pt_connection_free(pt_core *core, pt_handle handle);

#endif
