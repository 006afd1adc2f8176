/* An app data channel: the core side of DataChannel. Splits outgoing messages into chunks that fit
 * the transport and hands them out as the glue asks (so that the RTCDataChannel buffer bounds
 * memory), reassembles incoming chunks into whole messages (an incomplete message is dropped whole
 * and counted, never delivered), correlates requests with responses and times requests out.
 * Reassembly allocates as chunks arrive, never from the size a message announces, and the bytes it
 * holds are bounded per channel (twice max_message) and per peer (PT_PEER_REASSEMBLY_MAX). */
#ifndef PT_CHANNEL_CHANNEL_H
#define PT_CHANNEL_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

#include "channel/chunk_codec.h"
#include "core/core.h"

#define PT_CHANNEL_LABEL_MAX 255
#define PT_CHANNEL_PER_PEER_MAX 256        /* app channels of one peer at once, whichever side opened them */
#define PT_CHANNEL_PARTIALS_MAX 8          /* messages being reassembled at once */
#define PT_CHANNEL_PARTIAL_TIMEOUT_MS 10000.0 /* unreliable: an incomplete message is dropped after this */
#define PT_CHANNEL_STALL_TIMEOUT_MS 60000.0 /* reliable: an incomplete message is dropped after this without a new chunk */
#define PT_CHANNEL_ABANDONED_MAX 16        /* dropped messages remembered, whose later chunks are refused */
#define PT_CHANNEL_PENDING_REQUESTS_MAX 4096

typedef enum pt_channel_mode { PT_CHANNEL_UNRELIABLE = 0, PT_CHANNEL_RELIABLE = 1 } pt_channel_mode;

typedef struct pt_channel_options {
  pt_channel_mode mode;
  uint32_t chunk_size;       /* payload bytes per chunk: the transport's message size minus the header, at least
                              * PT_CHUNK_SIZE_MIN */
  uint32_t max_message;      /* largest message sent or accepted */
  double request_timeout_ms; /* how long request() waits for its response */
  double open_timeout_ms;    /* how long the channel may take to open */
} pt_channel_options;

/* What the channel has seen; read by pt_channel_counters. */
typedef struct pt_channel_counters {
  double messages_sent, messages_received, chunks_sent, chunks_received, bytes_sent, bytes_received;
  double dropped_incomplete; /* messages of which some chunk never came */
  double rejected_chunks;    /* malformed, unknown version, oversized, inconsistent, duplicate, past a
                              * reassembly limit, of a dropped message */
  double unmatched_responses;
  double requests_timed_out;
  double undelivered;        /* whole messages the core could not hand over (memory short, output queue full);
                              * on a reliable channel the first one closes it */
} pt_channel_counters;

/* Creates a channel with that label on a peer (PT_ERR_EXISTS for a label in use, PT_ERR_BAD_VALUE for
 * an empty, overlong, control-character or reserved "RW_" label or a chunk size under PT_CHUNK_SIZE_MIN,
 * PT_ERR_FULL when the peer has PT_CHANNEL_PER_PEER_MAX channels). Returns its handle. */
pt_handle pt_channel_create(pt_core *core, pt_handle peer, const char *label, const pt_channel_options *options,
                            double now_ms);

/* The transport opened: queues PT_EVENT_CHANNEL_OPEN and ends the open deadline. */
int pt_channel_report_open(pt_core *core, pt_handle channel);

/* Queues a message: standalone, a request (returns its id, > 0) or a response to `response_to`.
 * PT_ERR_STATE before open, PT_ERR_TOO_LARGE above max_message, PT_ERR_QUEUE_FULL when the unsent
 * backlog would pass twice max_message. Nothing is sent until pt_channel_pull. */
int64_t pt_channel_send(pt_core *core, pt_handle channel, pt_message_kind kind, uint32_t response_to,
                        const uint8_t *data, size_t length, double now_ms);

/* Queues chunks (PT_OUTPUT_SEND, PT_TRANSPORT_CHANNEL) of at most about `budget` bytes in all, at
 * least one chunk if any is waiting; returns the bytes queued. */
int64_t pt_channel_pull(pt_core *core, pt_handle channel, size_t budget);

/* Bytes of messages accepted by pt_channel_send and not yet pulled. */
int64_t pt_channel_backlog(const pt_core *core, pt_handle channel);

/* Feeds one received chunk; a completed message queues PT_EVENT_CHANNEL_MESSAGE. Hostile or broken
 * chunks are counted and refused with their error; the channel stays open. A chunk that would take the
 * reassembly memory of the channel or of its peer past its limit is refused with PT_ERR_TOO_LARGE and
 * its message dropped; later chunks of a dropped message are refused (PT_ERR_UNEXPECTED_MESSAGE). */
int pt_channel_receive(pt_core *core, pt_handle channel, const uint8_t *chunk, size_t length, double now_ms);

/* Bytes the channel holds for messages being reassembled (payloads and their tables), or a handle error. */
int64_t pt_channel_reassembly_bytes(const pt_core *core, pt_handle channel);

/* Copies the counters. */
int pt_channel_counters_of(const pt_core *core, pt_handle channel, pt_channel_counters *counters);

/* Closes the channel: fails pending requests, queues PT_EVENT_CHANNEL_CLOSED, releases everything. */
int pt_channel_close(pt_core *core, pt_handle channel, int reason);

/* Closes every channel of a peer (the peer is going away). */
void pt_channel_close_all_of(pt_core *core, pt_handle peer, int reason);

/* The channel's next deadline (open, request or reassembly timeout), or -1. */
double pt_channel_deadline(const pt_core *core, pt_handle channel);

/* Fires the channel's due timers. */
int pt_channel_handle_timeout(pt_core *core, pt_handle channel, double now_ms);

/* Releases the channel without queuing anything (core shutdown). */
void pt_channel_free(pt_core *core, pt_handle channel);

#endif
