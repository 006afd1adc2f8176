#include "channel/channel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "core/error.h"
#include "gateway/json_fields.h"

/* A message waiting to be sent, with how far it got. */
typedef struct pt_outgoing {
  struct pt_outgoing *next;
  pt_chunk_header header; /* index = the next chunk to send */
  uint8_t data[];
} pt_outgoing;

/* A message being reassembled. */
typedef struct pt_partial {
  int used;
  pt_chunk_header header;
  uint32_t count;
  uint32_t received;
  double started_ms;
  uint8_t *data;
  uint8_t *seen; /* one bit per chunk */
} pt_partial;

typedef struct pt_request {
  uint32_t id;
  double deadline_ms;
} pt_request;

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
  size_t partial_bytes;
  pt_request *requests;
  size_t request_count;
  pt_channel_counters counters;
} pt_channel;

static pt_channel *lookup(const pt_core *core, pt_handle handle, int *status) {
  void *object = NULL;
  *status = core == NULL ? PT_ERR_INVALID_ARGUMENT : pt_registry_get(&core->registry, handle, PT_KIND_CHANNEL, &object);
  return *status == PT_OK ? object : NULL;
}

static int label_in_use(const pt_core *core, pt_handle peer, const char *label) {
  for (pt_handle h = pt_registry_next(&core->registry, PT_KIND_CHANNEL, 0); h != 0;
       h = pt_registry_next(&core->registry, PT_KIND_CHANNEL, h)) {
    int status;
    const pt_channel *channel = lookup(core, h, &status);
    if (channel != NULL && channel->peer == peer && strcmp(channel->label, label) == 0) return 1;
  }
  return 0;
}

pt_handle pt_channel_create(pt_core *core, pt_handle peer, const char *label, const pt_channel_options *options,
                            double now_ms) {
  if (core == NULL || label == NULL || options == NULL) return PT_ERR_INVALID_ARGUMENT;
  int status = pt_registry_get(&core->registry, peer, PT_KIND_PEER, NULL);
  if (status != PT_OK) return status;
  if (label[0] == '\0' || strncmp(label, "RW_", 3) == 0 ||
      pt_json_check_string(label, PT_CHANNEL_LABEL_MAX, PT_CHARSET_ANY) != PT_OK ||
      (options->mode != PT_CHANNEL_RELIABLE && options->mode != PT_CHANNEL_UNRELIABLE) || options->chunk_size == 0 ||
      options->chunk_size > PT_CHUNK_SIZE_MAX || options->max_message == 0 || options->max_message > INT32_MAX ||
      !(options->request_timeout_ms > 0) || !(options->open_timeout_ms > 0)) {
    return PT_ERR_BAD_VALUE;
  }
  if (label_in_use(core, peer, label)) return PT_ERR_EXISTS;
  pt_channel *channel = calloc(1, sizeof *channel);
  if (channel == NULL) return PT_ERR_NO_MEMORY;
  channel->peer = peer;
  strcpy(channel->label, label);
  channel->options = *options;
  channel->open_deadline_ms = now_ms + options->open_timeout_ms;
  pt_handle handle = pt_registry_add(&core->registry, PT_KIND_CHANNEL, channel);
  if (handle < 0) {
    free(channel);
    return handle;
  }
  pt_core_update_deadline(core);
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
  pt_core_update_deadline(core);
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
    if (grown == NULL) {
      free(message);
      return PT_ERR_NO_MEMORY;
    }
    channel->requests = grown;
    channel->requests[channel->request_count++] = (pt_request){id, now_ms + channel->options.request_timeout_ms};
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
  pt_core_update_deadline(core);
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

static void drop_partial(pt_channel *channel, pt_partial *partial, int incomplete) {
  if (!partial->used) return;
  if (incomplete) channel->counters.dropped_incomplete++;
  channel->partial_bytes -= partial->header.total;
  free(partial->data);
  free(partial->seen);
  memset(partial, 0, sizeof *partial);
}

/* Finds the partial message a chunk belongs to, or starts one (evicting the oldest when full). */
static int partial_for(pt_channel *channel, const pt_chunk_header *header, double now_ms, pt_partial **out) {
  pt_partial *free_slot = NULL, *oldest = NULL;
  for (size_t i = 0; i < PT_CHANNEL_PARTIALS_MAX; i++) {
    pt_partial *partial = &channel->partials[i];
    if (!partial->used) {
      if (free_slot == NULL) free_slot = partial;
      continue;
    }
    if (partial->header.message_id == header->message_id && partial->header.kind == header->kind) {
      /* Every chunk of a message must describe the same message. */
      if (partial->header.total != header->total || partial->header.chunk_size != header->chunk_size) {
        return PT_ERR_MALFORMED;
      }
      *out = partial;
      return PT_OK;
    }
    if (oldest == NULL || partial->started_ms < oldest->started_ms) oldest = partial;
  }
  if (free_slot == NULL) {
    drop_partial(channel, oldest, 1);
    free_slot = oldest;
  }
  /* Reassembly memory is bounded: at most twice the largest message, all partials together. */
  if (header->total > 2 * (size_t)channel->options.max_message - channel->partial_bytes) return PT_ERR_TOO_LARGE;
  uint32_t count = pt_chunk_count(header->total, header->chunk_size);
  free_slot->data = malloc(header->total > 0 ? header->total : 1);
  free_slot->seen = calloc(count / 8 + 1, 1);
  if (free_slot->data == NULL || free_slot->seen == NULL) {
    free(free_slot->data);
    free(free_slot->seen);
    free_slot->data = NULL;
    free_slot->seen = NULL;
    return PT_ERR_NO_MEMORY;
  }
  free_slot->used = 1;
  free_slot->header = *header;
  free_slot->count = count;
  free_slot->received = 0;
  free_slot->started_ms = now_ms;
  channel->partial_bytes += header->total;
  *out = free_slot;
  return PT_OK;
}

static int remove_request(pt_channel *channel, uint32_t id) {
  for (size_t i = 0; i < channel->request_count; i++) {
    if (channel->requests[i].id == id) {
      channel->requests[i] = channel->requests[--channel->request_count];
      return 1;
    }
  }
  return 0;
}

/* Queues a whole message: [kind u8][id u32 big-endian][data]. */
static int deliver(pt_core *core, pt_handle handle, pt_channel *channel, pt_partial *partial) {
  size_t length = 5 + partial->header.total;
  uint8_t *event = malloc(length);
  if (event == NULL) return PT_ERR_NO_MEMORY;
  event[0] = partial->header.kind;
  event[1] = (uint8_t)(partial->header.message_id >> 24);
  event[2] = (uint8_t)(partial->header.message_id >> 16);
  event[3] = (uint8_t)(partial->header.message_id >> 8);
  event[4] = (uint8_t)partial->header.message_id;
  memcpy(event + 5, partial->data, partial->header.total);
  int status = pt_output_queue_push(&core->outputs, PT_OUTPUT_EVENT, handle, PT_EVENT_CHANNEL_MESSAGE, event, length);
  free(event);
  if (status == PT_OK) {
    channel->counters.messages_received++;
    channel->counters.bytes_received += partial->header.total;
  }
  return status;
}

int pt_channel_receive(pt_core *core, pt_handle handle, const uint8_t *bytes, size_t length, double now_ms) {
  int status;
  pt_channel *channel = lookup(core, handle, &status);
  if (channel == NULL) return status;
  pt_chunk_header header;
  status = pt_chunk_read(bytes, length, channel->options.max_message, &header);
  pt_partial *partial = NULL;
  if (status == PT_OK && header.kind == PT_MESSAGE_RESPONSE && header.index == 0) {
    /* A response to no pending request is refused at its first chunk. */
    int pending = 0;
    for (size_t i = 0; i < channel->request_count && !pending; i++) pending = channel->requests[i].id == header.message_id;
    if (!pending) {
      channel->counters.unmatched_responses++;
      return PT_ERR_UNEXPECTED_MESSAGE;
    }
  }
  if (status == PT_OK) status = partial_for(channel, &header, now_ms, &partial);
  if (status == PT_OK && (partial->seen[header.index / 8] >> (header.index % 8)) & 1) status = PT_ERR_MALFORMED;
  if (status != PT_OK) {
    channel->counters.rejected_chunks++;
    return status;
  }
  channel->counters.chunks_received++;
  partial->seen[header.index / 8] |= (uint8_t)(1u << (header.index % 8));
  memcpy(partial->data + pt_chunk_offset(&header), bytes + PT_CHUNK_HEADER_SIZE, pt_chunk_payload_length(&header));
  if (++partial->received < partial->count) {
    pt_core_update_deadline(core);
    return PT_OK;
  }
  if (header.kind == PT_MESSAGE_RESPONSE && !remove_request(channel, header.message_id)) {
    channel->counters.unmatched_responses++; /* timed out while its chunks were arriving */
    drop_partial(channel, partial, 0);
    pt_core_update_deadline(core);
    return PT_ERR_UNEXPECTED_MESSAGE;
  }
  status = deliver(core, handle, channel, partial);
  drop_partial(channel, partial, 0);
  pt_core_update_deadline(core);
  return status;
}

int pt_channel_counters_of(const pt_core *core, pt_handle handle, pt_channel_counters *counters) {
  int status;
  const pt_channel *channel = lookup(core, handle, &status);
  if (channel == NULL) return status;
  *counters = channel->counters;
  return PT_OK;
}

static int fail_request(pt_core *core, pt_handle handle, uint32_t id, int code) {
  char payload[96];
  snprintf(payload, sizeof payload, "{\"id\":%u,\"code\":%d,\"error\":\"%s\"}", id, code, pt_error_name(code));
  return pt_core_emit_json(core, handle, PT_EVENT_CHANNEL_REQUEST_FAILED, payload);
}

int pt_channel_close(pt_core *core, pt_handle handle, int reason) {
  int status;
  pt_channel *channel = lookup(core, handle, &status);
  if (channel == NULL) return status;
  for (size_t i = 0; i < channel->request_count; i++) fail_request(core, handle, channel->requests[i].id, reason);
  channel->request_count = 0;
  status = pt_core_emit_error(core, handle, PT_EVENT_CHANNEL_CLOSED, reason);
  pt_channel_free(core, handle);
  pt_core_update_deadline(core);
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

double pt_channel_deadline(const pt_core *core, pt_handle handle) {
  int status;
  const pt_channel *channel = lookup(core, handle, &status);
  if (channel == NULL) return -1.0;
  double earliest = channel->open_deadline_ms;
  for (size_t i = 0; i < channel->request_count; i++) {
    if (earliest < 0 || channel->requests[i].deadline_ms < earliest) earliest = channel->requests[i].deadline_ms;
  }
  /* Only unreliable channels lose chunks; a reliable one may take its time over a large message. */
  for (size_t i = 0; channel->options.mode == PT_CHANNEL_UNRELIABLE && i < PT_CHANNEL_PARTIALS_MAX; i++) {
    const pt_partial *partial = &channel->partials[i];
    double expiry = partial->started_ms + PT_CHANNEL_PARTIAL_TIMEOUT_MS;
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
      uint32_t id = channel->requests[i].id;
      channel->requests[i] = channel->requests[--channel->request_count];
      channel->counters.requests_timed_out++;
      status = fail_request(core, handle, id, PT_ERR_TIMEOUT);
      if (status != PT_OK) return status;
    } else {
      i++;
    }
  }
  for (size_t i = 0; channel->options.mode == PT_CHANNEL_UNRELIABLE && i < PT_CHANNEL_PARTIALS_MAX; i++) {
    pt_partial *partial = &channel->partials[i];
    if (partial->used && now_ms >= partial->started_ms + PT_CHANNEL_PARTIAL_TIMEOUT_MS) drop_partial(channel, partial, 1);
  }
  return PT_OK;
}

void pt_channel_free(pt_core *core, pt_handle handle) {
  void *object = NULL;
  if (pt_registry_release(&core->registry, handle, PT_KIND_CHANNEL, &object) != PT_OK) return;
  pt_channel *channel = object;
  for (size_t i = 0; i < PT_CHANNEL_PARTIALS_MAX; i++) drop_partial(channel, &channel->partials[i], 0);
  while (channel->queue_head != NULL) {
    pt_outgoing *next = channel->queue_head->next;
    free(channel->queue_head);
    channel->queue_head = next;
  }
  free(channel->requests);
  free(channel);
}
