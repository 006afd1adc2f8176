#include "channel/channel.h"

#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "core/error.h"
#include "core/text_format.h"
#include "gateway/json_fields.h"
#include "peer/peer.h"

/* A message waiting to be sent, with how far it got. */
typedef struct pt_outgoing {
  struct pt_outgoing *next;
  pt_chunk_header header; /* index = the next chunk to send */
  uint8_t data[];
} pt_outgoing;

/* A partial message's chunks are found through a radix tree of FANOUT-way nodes over the chunk index. */
#define FANOUT_BITS 4u
#define FANOUT (1u << FANOUT_BITS)

/* A child: a node of the next level, or at the bottom level a chunk's payload. */
typedef union pt_child {
  struct pt_node *node;
  uint8_t *payload;
} pt_child;

typedef struct pt_node {
  pt_child child[FANOUT];
} pt_node;

/* A message being reassembled. Each chunk's payload is its own allocation, found through a tree whose
 * nodes are allocated when a chunk needs them, so that what it holds grows with the chunks that
 * arrived, whatever size the message announces (a lone chunk of a 64 MiB message costs its payload and
 * four 16-way nodes). A chunk is present when its pointer is set: every chunk of a message of several
 * chunks has a payload. */
typedef struct pt_partial {
  int used;
  pt_chunk_header header;
  uint32_t count;
  uint32_t received;
  double started_ms;  /* first chunk: unreliable expiry, eviction order */
  double progress_ms; /* latest new chunk: reliable expiry */
  pt_node *root;
  uint32_t depth;     /* levels of nodes: enough to tell `count` chunks apart */
  size_t held;        /* bytes allocated for it: nodes and payloads */
  size_t payload;     /* of which payloads */
} pt_partial;

/* A dropped message, whose later chunks are refused instead of starting a message that cannot complete. */
typedef struct pt_abandoned {
  uint32_t message_id;
  uint8_t kind;
  uint8_t used;
} pt_abandoned;

typedef struct pt_request {
  uint32_t id;
  double deadline_ms;
  struct pt_output_item *failure; /* its CHANNEL_REQUEST_FAILED event, reserved: the app's promise waits on it */
} pt_request;

#define PT_REQUEST_FAILED_EVENT_MAX 96u /* {"id", "code", "error"} */

typedef struct pt_channel {
  pt_handle peer;
  char label[PT_CHANNEL_LABEL_MAX + 1];
  pt_channel_options options;
  int open;
  double open_deadline_ms;
  uint32_t next_message_id;
  pt_outgoing *queue_head, *queue_tail;
  size_t backlog; /* unsent bytes in the queue */
  pt_partial partials[PT_CHANNEL_PARTIALS_MAX];
  size_t reassembly_bytes; /* held by the partials: payloads and nodes */
  size_t payload_bytes;    /* of which payloads */
  pt_abandoned abandoned[PT_CHANNEL_ABANDONED_MAX];
  size_t abandoned_next;
  pt_request *requests;
  size_t request_count;
  pt_channel_counters counters;
} pt_channel;

static pt_channel *lookup(const pt_core *core, pt_handle handle, int *status) {
  void *object = NULL;
  *status = core == NULL ? PT_ERR_INVALID_ARGUMENT : pt_registry_get(&core->registry, handle, PT_KIND_CHANNEL, &object);
  return *status == PT_OK ? object : NULL;
}

/* What the core calls: timers and teardown. */
static const pt_kind_ops channel_kind = {pt_channel_deadline, pt_channel_handle_timeout, pt_channel_free};

/* PT_ERR_EXISTS when the peer has a channel with that label, PT_ERR_FULL when it has its maximum of channels. */
static int room_for(const pt_core *core, pt_handle peer, const char *label) {
  size_t count = 0;
  for (pt_handle h = pt_registry_next(&core->registry, PT_KIND_CHANNEL, 0); h != 0;
       h = pt_registry_next(&core->registry, PT_KIND_CHANNEL, h)) {
    int status;
    const pt_channel *channel = lookup(core, h, &status);
    if (channel == NULL || channel->peer != peer) continue;
    if (strcmp(channel->label, label) == 0) return PT_ERR_EXISTS;
    count++;
  }
  return count < PT_CHANNEL_PER_PEER_MAX ? PT_OK : PT_ERR_FULL;
}

pt_handle pt_channel_create(pt_core *core, pt_handle peer, const char *label, const pt_channel_options *options,
                            double now_ms) {
  if (core == NULL || label == NULL || options == NULL) return PT_ERR_INVALID_ARGUMENT;
  int status = pt_registry_get(&core->registry, peer, PT_KIND_PEER, NULL);
  if (status != PT_OK) return status;
  if (label[0] == '\0' || strncmp(label, "RW_", 3) == 0 ||
      pt_json_check_string(label, PT_CHANNEL_LABEL_MAX, PT_CHARSET_ANY) != PT_OK ||
      (options->mode != PT_CHANNEL_RELIABLE && options->mode != PT_CHANNEL_UNRELIABLE) ||
      options->chunk_size < PT_CHUNK_SIZE_MIN ||
      options->chunk_size > PT_CHUNK_SIZE_MAX || options->max_message == 0 || options->max_message > INT32_MAX ||
      !(options->request_timeout_ms > 0) || !(options->open_timeout_ms > 0)) {
    return PT_ERR_BAD_VALUE;
  }
  status = room_for(core, peer, label);
  if (status != PT_OK) return status;
  pt_channel *channel = calloc(1, sizeof *channel);
  if (channel == NULL) return PT_ERR_NO_MEMORY;
  channel->peer = peer;
  strcpy(channel->label, label);
  channel->options = *options;
  channel->open_deadline_ms = now_ms + options->open_timeout_ms;
  pt_core_register_kind(core, PT_KIND_CHANNEL, &channel_kind);
  pt_handle handle = pt_core_add(core, PT_KIND_CHANNEL, channel);
  if (handle < 0) {
    free(channel);
    return handle;
  }
  pt_core_reschedule(core, handle);
  return handle;
}

int pt_channel_report_open(pt_core *core, pt_handle handle) {
  int status;
  pt_channel *channel = lookup(core, handle, &status);
  if (channel == NULL) return status;
  if (channel->open) return PT_OK;
  channel->open = 1;
  channel->open_deadline_ms = -1.0;
  status = pt_core_emit_json(core, handle, PT_EVENT_CHANNEL_OPEN, "{}");
  pt_core_reschedule(core, handle);
  return status;
}

int64_t pt_channel_send(pt_core *core, pt_handle handle, pt_message_kind kind, uint32_t response_to,
                        const uint8_t *data, size_t length, double now_ms) {
  int status;
  pt_channel *channel = lookup(core, handle, &status);
  if (channel == NULL) return status;
  if (!channel->open) return PT_ERR_STATE;
  if ((data == NULL && length > 0) || kind > PT_MESSAGE_RESPONSE) return PT_ERR_INVALID_ARGUMENT;
  if (length > channel->options.max_message) return PT_ERR_TOO_LARGE;
  if (length > 2 * (size_t)channel->options.max_message - channel->backlog) return PT_ERR_QUEUE_FULL;
  if (kind == PT_MESSAGE_REQUEST && channel->request_count >= PT_CHANNEL_PENDING_REQUESTS_MAX) return PT_ERR_FULL;
  pt_outgoing *message = malloc(sizeof *message + length);
  if (message == NULL) return PT_ERR_NO_MEMORY;
  uint32_t id = response_to;
  if (kind != PT_MESSAGE_RESPONSE) {
    id = ++channel->next_message_id;
    if (id == 0) id = channel->next_message_id = 1;
  }
  if (kind == PT_MESSAGE_REQUEST) {
    pt_request *grown = realloc(channel->requests, (channel->request_count + 1) * sizeof *grown);
    if (grown != NULL) channel->requests = grown;
    struct pt_output_item *failure = grown == NULL ? NULL : pt_output_queue_reserve(PT_REQUEST_FAILED_EVENT_MAX);
    if (failure == NULL) {
      free(message);
      return PT_ERR_NO_MEMORY;
    }
    channel->requests[channel->request_count++] = (pt_request){id, now_ms + channel->options.request_timeout_ms, failure};
  }
  message->next = NULL;
  message->header = (pt_chunk_header){PT_CHUNK_VERSION, (uint8_t)kind, id, 0, channel->options.chunk_size, (uint32_t)length};
  if (length > 0) memcpy(message->data, data, length);
  if (channel->queue_tail != NULL) channel->queue_tail->next = message;
  else channel->queue_head = message;
  channel->queue_tail = message;
  channel->backlog += length;
  channel->counters.messages_sent++;
  channel->counters.bytes_sent += (double)length;
  if (kind == PT_MESSAGE_REQUEST) pt_core_reschedule(core, handle); /* its timeout */
  return id;
}

int64_t pt_channel_pull(pt_core *core, pt_handle handle, size_t budget) {
  int status;
  pt_channel *channel = lookup(core, handle, &status);
  if (channel == NULL) return status;
  uint8_t *chunk = malloc(PT_CHUNK_HEADER_SIZE + channel->options.chunk_size);
  if (chunk == NULL) return PT_ERR_NO_MEMORY;
  size_t queued = 0;
  status = PT_OK;
  while (channel->queue_head != NULL && budget > 0 && status == PT_OK) {
    pt_outgoing *message = channel->queue_head;
    uint32_t payload = pt_chunk_payload_length(&message->header);
    pt_chunk_header_write(&message->header, chunk);
    memcpy(chunk + PT_CHUNK_HEADER_SIZE, message->data + pt_chunk_offset(&message->header), payload);
    status = pt_output_queue_push(&core->outputs, PT_OUTPUT_SEND, handle, PT_TRANSPORT_CHANNEL, chunk,
                                  PT_CHUNK_HEADER_SIZE + payload);
    if (status != PT_OK) break; /* the chunk stays queued; a later pull sends it */
    channel->counters.chunks_sent++;
    channel->backlog -= payload;
    queued += PT_CHUNK_HEADER_SIZE + payload;
    budget = budget > PT_CHUNK_HEADER_SIZE + payload ? budget - PT_CHUNK_HEADER_SIZE - payload : 0;
    if (++message->header.index == pt_chunk_count(message->header.total, message->header.chunk_size)) {
      channel->queue_head = message->next;
      if (channel->queue_head == NULL) channel->queue_tail = NULL;
      free(message);
    }
  }
  free(chunk);
  return queued > 0 || status == PT_OK ? (int64_t)queued : status;
}

int64_t pt_channel_backlog(const pt_core *core, pt_handle handle) {
  int status;
  const pt_channel *channel = lookup(core, handle, &status);
  return channel == NULL ? status : (int64_t)channel->backlog;
}

/* Counts `bytes` more reassembly memory, `payload` of them message bytes, against the limits: message
 * bytes of the channel (twice max_message) and everything its peer holds; PT_ERR_TOO_LARGE (nothing
 * counted) past either. */
static int charge(pt_core *core, pt_channel *channel, size_t bytes, size_t payload) {
  if (payload > 2 * (size_t)channel->options.max_message - channel->payload_bytes) return PT_ERR_TOO_LARGE;
  int status = pt_peer_reserve_reassembly(core, channel->peer, bytes);
  if (status != PT_OK) return status;
  channel->reassembly_bytes += bytes;
  channel->payload_bytes += payload;
  return PT_OK;
}

/* Counts reassembly memory released, as charged. */
static void uncharge(pt_core *core, pt_channel *channel, size_t bytes, size_t payload) {
  channel->reassembly_bytes -= bytes;
  channel->payload_bytes -= payload;
  pt_peer_release_reassembly(core, channel->peer, bytes);
}

static void abandon(pt_channel *channel, const pt_chunk_header *header) {
  channel->abandoned[channel->abandoned_next] = (pt_abandoned){header->message_id, header->kind, 1};
  channel->abandoned_next = (channel->abandoned_next + 1) % PT_CHANNEL_ABANDONED_MAX;
}

static int was_abandoned(const pt_channel *channel, const pt_chunk_header *header) {
  for (size_t i = 0; i < PT_CHANNEL_ABANDONED_MAX; i++) {
    const pt_abandoned *entry = &channel->abandoned[i];
    if (entry->used && entry->message_id == header->message_id && entry->kind == header->kind) return 1;
  }
  return 0;
}

/* The tree digit of a chunk index at a level (1 = bottom). */
static uint32_t digit(uint32_t index, uint32_t level) {
  return (index >> ((level - 1) * FANOUT_BITS)) & (FANOUT - 1);
}

/* Where a chunk's payload pointer lives, or NULL when no chunk near it arrived yet. */
static uint8_t **chunk_slot(const pt_partial *partial, uint32_t index) {
  pt_node *node = partial->root;
  for (uint32_t level = partial->depth; level > 1 && node != NULL; level--) node = node->child[digit(index, level)].node;
  return node == NULL ? NULL : &node->child[digit(index, 1)].payload;
}

/* Frees a chunk's payload once it was copied out. */
static void free_chunk(pt_core *core, pt_channel *channel, pt_partial *partial, uint32_t index) {
  uint8_t **slot = chunk_slot(partial, index);
  if (slot == NULL || *slot == NULL) return;
  pt_chunk_header place = partial->header;
  place.index = index;
  size_t length = pt_chunk_payload_length(&place);
  free(*slot);
  *slot = NULL;
  partial->held -= length;
  partial->payload -= length;
  uncharge(core, channel, length, length);
}

/* Frees a subtree and, at the bottom level, the payloads it points to. */
static void free_tree(pt_node *node, uint32_t level) {
  if (node == NULL) return;
  for (uint32_t i = 0; i < FANOUT; i++) {
    if (level > 1) free_tree(node->child[i].node, level - 1);
    else free(node->child[i].payload);
  }
  free(node);
}

/* Releases everything the partial holds; an incomplete message is counted and its later chunks refused. */
static void drop_partial(pt_core *core, pt_channel *channel, pt_partial *partial, int incomplete) {
  if (!partial->used) return;
  if (incomplete) {
    channel->counters.dropped_incomplete++;
    abandon(channel, &partial->header);
  }
  free_tree(partial->root, partial->depth);
  uncharge(core, channel, partial->held, partial->payload);
  memset(partial, 0, sizeof *partial);
}

static pt_partial *find_partial(pt_channel *channel, const pt_chunk_header *header) {
  for (size_t i = 0; i < PT_CHANNEL_PARTIALS_MAX; i++) {
    pt_partial *partial = &channel->partials[i];
    if (partial->used && partial->header.message_id == header->message_id && partial->header.kind == header->kind) {
      return partial;
    }
  }
  return NULL;
}

/* A free partial, made by dropping the oldest when all are in use. */
static pt_partial *free_partial(pt_core *core, pt_channel *channel) {
  pt_partial *oldest = NULL;
  for (size_t i = 0; i < PT_CHANNEL_PARTIALS_MAX; i++) {
    pt_partial *partial = &channel->partials[i];
    if (!partial->used) return partial;
    if (oldest == NULL || partial->started_ms < oldest->started_ms) oldest = partial;
  }
  drop_partial(core, channel, oldest, 1);
  return oldest;
}

/* Starts reassembling the message a chunk belongs to; allocates nothing yet. */
static pt_partial *start_partial(pt_core *core, pt_channel *channel, const pt_chunk_header *header, double now_ms) {
  pt_partial *partial = free_partial(core, channel);
  uint32_t count = pt_chunk_count(header->total, header->chunk_size);
  uint32_t depth = 1;
  while (depth * FANOUT_BITS < 32 && ((count - 1) >> (depth * FANOUT_BITS)) != 0) depth++;
  *partial = (pt_partial){.used = 1, .header = *header, .count = count, .started_ms = now_ms, .progress_ms = now_ms,
                          .depth = depth};
  return partial;
}

/* A new node, counted against the limits, in *where. */
static int add_node(pt_core *core, pt_channel *channel, pt_partial *partial, pt_node **where) {
  int status = charge(core, channel, sizeof **where, 0);
  if (status != PT_OK) return status;
  *where = calloc(1, sizeof **where);
  if (*where == NULL) {
    uncharge(core, channel, sizeof **where, 0);
    return PT_ERR_NO_MEMORY;
  }
  partial->held += sizeof **where;
  return PT_OK;
}

/* Where a new chunk's payload pointer goes, allocating the nodes on its way. */
static int make_slot(pt_core *core, pt_channel *channel, pt_partial *partial, uint32_t index, uint8_t ***out) {
  pt_node **where = &partial->root;
  for (uint32_t level = partial->depth;; level--) {
    if (*where == NULL) {
      int status = add_node(core, channel, partial, where);
      if (status != PT_OK) return status;
    }
    if (level == 1) break;
    where = &(*where)->child[digit(index, level)].node;
  }
  *out = &(*where)->child[digit(index, 1)].payload;
  return PT_OK;
}

/* Copies a new chunk's payload into its own allocation, counted against the limits. */
static int store_chunk(pt_core *core, pt_channel *channel, pt_partial *partial, const pt_chunk_header *header,
                       const uint8_t *payload) {
  uint8_t **slot = NULL;
  int status = make_slot(core, channel, partial, header->index, &slot);
  size_t length = pt_chunk_payload_length(header);
  if (status == PT_OK) status = charge(core, channel, length, length);
  if (status != PT_OK) return status;
  *slot = malloc(length);
  if (*slot == NULL) {
    uncharge(core, channel, length, length);
    return PT_ERR_NO_MEMORY;
  }
  memcpy(*slot, payload, length);
  partial->held += length;
  partial->payload += length;
  return PT_OK;
}

static int remove_request(pt_channel *channel, uint32_t id) {
  for (size_t i = 0; i < channel->request_count; i++) {
    if (channel->requests[i].id == id) {
      pt_output_queue_release_reserved(channel->requests[i].failure); /* answered */
      channel->requests[i] = channel->requests[--channel->request_count];
      return 1;
    }
  }
  return 0;
}

static int request_pending(const pt_channel *channel, uint32_t id) {
  for (size_t i = 0; i < channel->request_count; i++) {
    if (channel->requests[i].id == id) return 1;
  }
  return 0;
}

static int refuse(pt_channel *channel, int status) {
  channel->counters.rejected_chunks++;
  return status;
}

static int unmatched(pt_channel *channel) {
  channel->counters.unmatched_responses++;
  return PT_ERR_UNEXPECTED_MESSAGE;
}

/* A message event, [kind u8][id u32 big-endian][data], with its data still to be written at +5. */
static uint8_t *new_event(const pt_chunk_header *header) {
  uint8_t *event = malloc(5 + (size_t)header->total);
  if (event == NULL) return NULL;
  event[0] = header->kind;
  event[1] = (uint8_t)(header->message_id >> 24);
  event[2] = (uint8_t)(header->message_id >> 16);
  event[3] = (uint8_t)(header->message_id >> 8);
  event[4] = (uint8_t)header->message_id;
  return event;
}

/* Queues a whole message event (and frees it). */
static int deliver(pt_core *core, pt_handle handle, pt_channel *channel, const pt_chunk_header *header, uint8_t *event) {
  int status = pt_output_queue_push(&core->outputs, PT_OUTPUT_EVENT, handle, PT_EVENT_CHANNEL_MESSAGE, event,
                                    5 + (size_t)header->total);
  free(event);
  if (status == PT_OK) {
    channel->counters.messages_received++;
    channel->counters.bytes_received += header->total;
  }
  return status;
}

/* A message of one chunk: delivered from the chunk itself, nothing kept. */
static int receive_whole(pt_core *core, pt_handle handle, pt_channel *channel, const pt_chunk_header *header,
                         const uint8_t *payload) {
  if (find_partial(channel, header) != NULL) return refuse(channel, PT_ERR_MALFORMED); /* described differently */
  if (header->kind == PT_MESSAGE_RESPONSE && !remove_request(channel, header->message_id)) {
    return unmatched(channel);
  }
  channel->counters.chunks_received++;
  uint8_t *event = new_event(header);
  if (event == NULL) return PT_ERR_NO_MEMORY;
  memcpy(event + 5, payload, header->total);
  return deliver(core, handle, channel, header, event);
}

/* Every chunk arrived: copies the chunks out one by one (freeing each), then delivers. */
static int complete(pt_core *core, pt_handle handle, pt_channel *channel, pt_partial *partial) {
  pt_chunk_header header = partial->header;
  if (header.kind == PT_MESSAGE_RESPONSE && !remove_request(channel, header.message_id)) {
    channel->counters.unmatched_responses++; /* timed out while its chunks were arriving */
    drop_partial(core, channel, partial, 0);
    return PT_ERR_UNEXPECTED_MESSAGE;
  }
  uint8_t *event = new_event(&header);
  if (event == NULL) {
    drop_partial(core, channel, partial, 0);
    return PT_ERR_NO_MEMORY;
  }
  for (uint32_t i = 0; i < partial->count; i++) {
    pt_chunk_header place = header;
    place.index = i;
    memcpy(event + 5 + pt_chunk_offset(&place), *chunk_slot(partial, i), pt_chunk_payload_length(&place));
    free_chunk(core, channel, partial, i);
  }
  drop_partial(core, channel, partial, 0);
  return deliver(core, handle, channel, &header, event);
}

/* The partial message a chunk of a message of several chunks belongs to, started if need be. */
static int partial_for(pt_core *core, pt_channel *channel, const pt_chunk_header *header, double now_ms,
                       pt_partial **out) {
  pt_partial *partial = find_partial(channel, header);
  if (partial != NULL) {
    /* Every chunk of a message must describe the same message. */
    int same = partial->header.total == header->total && partial->header.chunk_size == header->chunk_size;
    *out = partial;
    return same ? PT_OK : refuse(channel, PT_ERR_MALFORMED);
  }
  if (was_abandoned(channel, header)) return refuse(channel, PT_ERR_UNEXPECTED_MESSAGE);
  /* A response to no pending request is refused at whichever chunk comes first, and its later chunks too. */
  if (header->kind == PT_MESSAGE_RESPONSE && !request_pending(channel, header->message_id)) {
    abandon(channel, header);
    return unmatched(channel);
  }
  *out = start_partial(core, channel, header, now_ms);
  return PT_OK;
}

/* A chunk of a message of several chunks: kept until the message is whole. */
static int receive_part(pt_core *core, pt_handle handle, pt_channel *channel, const pt_chunk_header *header,
                        const uint8_t *payload, double now_ms) {
  pt_partial *partial = NULL;
  int status = partial_for(core, channel, header, now_ms, &partial);
  if (status != PT_OK) return status;
  uint8_t **slot = chunk_slot(partial, header->index);
  if (slot != NULL && *slot != NULL) return refuse(channel, PT_ERR_MALFORMED); /* a repeated chunk */
  status = store_chunk(core, channel, partial, header, payload);
  if (status != PT_OK) {
    drop_partial(core, channel, partial, 1);
    return refuse(channel, status);
  }
  channel->counters.chunks_received++;
  partial->progress_ms = now_ms;
  if (++partial->received < partial->count) return PT_OK;
  return complete(core, handle, channel, partial);
}

int pt_channel_receive(pt_core *core, pt_handle handle, const uint8_t *bytes, size_t length, double now_ms) {
  int status;
  pt_channel *channel = lookup(core, handle, &status);
  if (channel == NULL) return status;
  pt_chunk_header header;
  status = pt_chunk_read(bytes, length, channel->options.max_message, &header);
  if (status != PT_OK) return refuse(channel, status);
  const uint8_t *payload = bytes + PT_CHUNK_HEADER_SIZE;
  if (header.total <= header.chunk_size) status = receive_whole(core, handle, channel, &header, payload);
  else status = receive_part(core, handle, channel, &header, payload, now_ms);
  if (pt_error_is_shortage(status)) {
    /* A valid message our side could not take or hand over. A reliable channel promises every message, in
     * order: it closes, saying why, rather than go on with one missing. */
    channel->counters.undelivered++;
    if (channel->options.mode == PT_CHANNEL_RELIABLE) {
      pt_channel_close(core, handle, status);
      return status;
    }
  }
  /* A whole message that answers nothing leaves the timers as they were. */
  if (header.total > header.chunk_size || header.kind == PT_MESSAGE_RESPONSE) pt_core_reschedule(core, handle);
  return status;
}

int64_t pt_channel_reassembly_bytes(const pt_core *core, pt_handle handle) {
  int status;
  const pt_channel *channel = lookup(core, handle, &status);
  return channel == NULL ? status : (int64_t)channel->reassembly_bytes;
}

int pt_channel_counters_of(const pt_core *core, pt_handle handle, pt_channel_counters *counters) {
  int status;
  const pt_channel *channel = lookup(core, handle, &status);
  if (channel == NULL) return status;
  *counters = channel->counters;
  return PT_OK;
}

/* Queues a request's CHANNEL_REQUEST_FAILED in its reserved item (never lost). */
static int fail_request(pt_core *core, pt_handle handle, pt_request *request, int code) {
  char payload[PT_REQUEST_FAILED_EVENT_MAX + 1];
  pt_format(payload, sizeof payload, "{\"id\":%u,\"code\":%d,\"error\":\"%s\"}", request->id, code, pt_error_name(code));
  return pt_core_emit_reserved(core, &request->failure, handle, PT_EVENT_CHANNEL_REQUEST_FAILED, NULL, payload);
}

int pt_channel_close(pt_core *core, pt_handle handle, int reason) {
  int status;
  pt_channel *channel = lookup(core, handle, &status);
  if (channel == NULL) return status;
  for (size_t i = 0; i < channel->request_count; i++) fail_request(core, handle, &channel->requests[i], reason);
  channel->request_count = 0;
  status = pt_core_emit_closing(core, handle, PT_EVENT_CHANNEL_CLOSED, reason, NULL);
  pt_channel_free(core, handle);
  return status;
}

void pt_channel_close_all_of(pt_core *core, pt_handle peer, int reason) {
  pt_handle h = pt_registry_next(&core->registry, PT_KIND_CHANNEL, 0);
  while (h != 0) {
    pt_handle next = pt_registry_next(&core->registry, PT_KIND_CHANNEL, h);
    int status;
    pt_channel *channel = lookup(core, h, &status);
    if (channel != NULL && channel->peer == peer) pt_channel_close(core, h, reason);
    h = next;
  }
}

/* When an incomplete message is dropped: an unreliable channel loses chunks, so a message has a fixed
 * time from its first chunk; a reliable one may take its time over a large message as long as chunks
 * keep coming. */
static double partial_expiry(const pt_channel *channel, const pt_partial *partial) {
  if (channel->options.mode == PT_CHANNEL_UNRELIABLE) return partial->started_ms + PT_CHANNEL_PARTIAL_TIMEOUT_MS;
  return partial->progress_ms + PT_CHANNEL_STALL_TIMEOUT_MS;
}

double pt_channel_deadline(const pt_core *core, pt_handle handle) {
  int status;
  const pt_channel *channel = lookup(core, handle, &status);
  if (channel == NULL) return -1.0;
  double earliest = channel->open_deadline_ms;
  for (size_t i = 0; i < channel->request_count; i++) {
    if (earliest < 0 || channel->requests[i].deadline_ms < earliest) earliest = channel->requests[i].deadline_ms;
  }
  for (size_t i = 0; i < PT_CHANNEL_PARTIALS_MAX; i++) {
    const pt_partial *partial = &channel->partials[i];
    double expiry = partial_expiry(channel, partial);
    if (partial->used && (earliest < 0 || expiry < earliest)) earliest = expiry;
  }
  return earliest;
}

int pt_channel_handle_timeout(pt_core *core, pt_handle handle, double now_ms) {
  int status;
  pt_channel *channel = lookup(core, handle, &status);
  if (channel == NULL) return status;
  if (channel->open_deadline_ms >= 0 && now_ms >= channel->open_deadline_ms) {
    return pt_channel_close(core, handle, PT_ERR_TIMEOUT);
  }
  for (size_t i = 0; i < channel->request_count;) {
    if (now_ms >= channel->requests[i].deadline_ms) {
      pt_request request = channel->requests[i];
      channel->requests[i] = channel->requests[--channel->request_count];
      channel->counters.requests_timed_out++;
      status = fail_request(core, handle, &request, PT_ERR_TIMEOUT);
      if (status != PT_OK) return status;
    } else {
      i++;
    }
  }
  for (size_t i = 0; i < PT_CHANNEL_PARTIALS_MAX; i++) {
    pt_partial *partial = &channel->partials[i];
    if (partial->used && now_ms >= partial_expiry(channel, partial)) drop_partial(core, channel, partial, 1);
  }
  return PT_OK;
}

void pt_channel_free(pt_core *core, pt_handle handle) {
  void *object = NULL;
  if (pt_core_release(core, handle, PT_KIND_CHANNEL, &object) != PT_OK) return;
  pt_channel *channel = object;
  for (size_t i = 0; i < PT_CHANNEL_PARTIALS_MAX; i++) drop_partial(core, channel, &channel->partials[i], 0);
  while (channel->queue_head != NULL) {
    pt_outgoing *next = channel->queue_head->next;
    free(channel->queue_head);
    channel->queue_head = next;
  }
  for (size_t i = 0; i < channel->request_count; i++) pt_output_queue_release_reserved(channel->requests[i].failure);
  free(channel->requests);
  free(channel);
}
