/* A gateway connection (the core side of RainwayConnection): sends the client hello once the JS
 * glue reports the WebSocket open, waits for the gateway's hello with a timeout, then is ready.
 * A connection is released when it closes; its handle then reads as stale. */
#ifndef PT_GATEWAY_CONNECTION_H
#define PT_GATEWAY_CONNECTION_H

#include <stddef.h>

#include "core/core.h"
#include "gateway/hello_codec.h"

typedef enum pt_connection_state {
  PT_CONNECTION_AWAITING_HELLO = 1,
  PT_CONNECTION_READY = 2
} pt_connection_state;

/* Creates a connection and queues its hello on PT_TRANSPORT_GATEWAY; returns the handle or an error. */
pt_handle pt_connection_open(pt_core *core, const pt_client_hello *hello, double now_ms);

/* Feeds one gateway message. A bad or missing hello closes the connection with that error code. */
int pt_connection_receive(pt_core *core, pt_handle handle, const char *message, size_t length,
                          double now_ms);

/* Closes with a reason code: queues PT_EVENT_CONNECTION_CLOSED and releases the handle. */
int pt_connection_close(pt_core *core, pt_handle handle, int reason);

/* Reports the connection's state (> 0) or a handle error. */
int pt_connection_state_of(const pt_core *core, pt_handle handle);

/* The connection's next deadline in ms, or -1 when it has none (or the handle is bad). */
double pt_connection_deadline(const pt_core *core, pt_handle handle);

/* Closes the connection with PT_ERR_TIMEOUT if its deadline has passed. */
int pt_connection_handle_timeout(pt_core *core, pt_handle handle, double now_ms);

/* Releases the connection without queuing anything (used when the core shuts down). */
void pt_connection_free(pt_core *core, pt_handle handle);

#endif
