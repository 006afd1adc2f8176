/* The core instance: the registry of every object, the timer heap of their deadlines, and the output
 * queue. Sans-IO: it owns no socket, thread or clock; every call that can change state takes `now_ms`
 * from the caller, and afterwards the caller drains the output queue until PT_OUTPUT_NONE.
 * The core reaches the modules (timers, teardown) only through the table of operations each kind
 * registers; it includes none of them. */
#ifndef PT_CORE_CORE_H
#define PT_CORE_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/output_queue.h"
#include "core/registry.h"
#include "core/timer_heap.h"

typedef struct pt_core_config {
  uint32_t max_objects;      /* registry slots, 1..PT_REGISTRY_MAX_SLOTS */
  size_t max_output_bytes;   /* output queue byte budget */
  size_t max_output_items;   /* output queue item budget */
  double hello_timeout_ms;   /* how long a gateway connection waits for the gateway's hello */
  size_t max_reassembly_bytes; /* app-channel reassembly all peers together may hold (> 0) */
} pt_core_config;

/* Event codes carried by PT_OUTPUT_EVENT items (docs/ARCHITECTURE.md lists their payloads). */
typedef enum pt_event {
  PT_EVENT_CONNECTION_READY = 1,   /* connection: the gateway's hello, normalised JSON */
  PT_EVENT_CONNECTION_CLOSED = 2,  /* connection: {code, error[, alertCode, message]} */
  PT_EVENT_PEER_REQUEST = 3,       /* connection: {requestId, source, sourceExternalId} */
  PT_EVENT_REQUEST_FAILED = 4,     /* connection: {requestId, target, code, error, message} */
  PT_EVENT_REQUEST_CANCELLED = 5,  /* connection: {requestId, source} (an incoming request was withdrawn) */
  PT_EVENT_PEER_CREATED = 6,       /* peer: {connection, requestId, remoteId, remoteExternalId, offerer} */
  PT_EVENT_PEER_SIGNAL = 7,        /* peer: {kind, data} */
  PT_EVENT_PEER_STATE = 8,         /* peer: {state} (PeerState) */
  PT_EVENT_PEER_CLOSED = 9,        /* peer: {code, error} */
  PT_EVENT_GATEWAY_ALERT = 10,     /* connection: {level, code, message} (warnings, for the log) */
  PT_EVENT_CHANNEL_OPEN = 11,      /* channel: {} */
  PT_EVENT_CHANNEL_MESSAGE = 12,   /* channel: binary [kind u8][message id u32 BE][data] */
  PT_EVENT_CHANNEL_REQUEST_FAILED = 13, /* channel: {id, code, error} */
  PT_EVENT_CHANNEL_CLOSED = 14,    /* channel: {code, error} */
  PT_EVENT_STREAM_REQUESTED = 15,  /* peer (host): {requestId, permissions} */
  PT_EVENT_STREAM_ANNOUNCED = 16,  /* peer (client): {requestId, stream: {id, type, defaultInputLevel, video?, audio?}} */
  PT_EVENT_STREAM_REJECTED = 17,   /* peer (client): {requestId, reason} */
  PT_EVENT_STREAM_JOINED = 18,     /* stream (host): {} */
  PT_EVENT_STREAM_LEFT = 19,       /* stream (host): {} */
  PT_EVENT_KEYFRAME_REQUESTED = 20, /* stream (host): {} */
  PT_EVENT_BITRATE_REQUESTED = 21, /* stream (host): {bitsPerSecond} */
  PT_EVENT_STREAM_PERMISSIONS = 22, /* stream (client): {inputLevel} */
  PT_EVENT_STREAM_FRAME = 23,      /* stream (client): binary, see pt_stream_frame_header in stream/stream.h */
  PT_EVENT_STREAM_CLOSED = 24,     /* stream: {code, error} */
  PT_EVENT_STREAM_INPUT = 25,      /* stream: one input (input/input_json.h): from the client on a host, from the host on a client */
  PT_EVENT_CONNECTION_LOST = 26,   /* connection: {code, error, attempt, delayMs[, alertCode, message]}: the gateway link is gone
                                      (or attempt - 1 failed); drop the socket, attempt `attempt` follows in delayMs */
  PT_EVENT_CONNECTION_RECONNECT = 27, /* connection: {attempt}: open a new socket, report it with socket_open / socket_closed */
  PT_EVENT_CONNECTION_TOKEN = 28,  /* connection: {resumeToken}: the gateway refreshed the resume token */
  PT_EVENT_CONNECTION_ICE_SERVERS = 29 /* connection: {iceServers}: the gateway refreshed the ICE servers (TURN credentials) */
} pt_event;

/* Transport codes carried by PT_OUTPUT_SEND items. */
typedef enum pt_transport {
  PT_TRANSPORT_GATEWAY = 1, /* the connection's WebSocket to the gateway */
  PT_TRANSPORT_CHANNEL = 2, /* the channel's RTCDataChannel */
  PT_TRANSPORT_CONTROL = 3, /* the peer's control channel RW_Control */
  PT_TRANSPORT_VIDEO = 4,   /* the stream's peer's RW_Video channel */
  PT_TRANSPORT_AUDIO = 5,   /* the stream's peer's RW_Audio channel */
  PT_TRANSPORT_INPUT = 6    /* the stream's peer's RW_Input channel */
} pt_transport;

typedef struct pt_core pt_core;

#define PT_CORE_CLOSING_MAX 96u /* payload bytes an object's reserved closing event holds */

/* What the core needs of one kind of object; each module registers its kind's before adding the first
 * object of that kind. Every member may be NULL. */
typedef struct pt_kind_ops {
  double (*deadline)(const pt_core *core, pt_handle handle);               /* next due time, -1 for none */
  int (*handle_timeout)(pt_core *core, pt_handle handle, double now_ms);   /* fires what is due at now_ms */
  void (*free)(pt_core *core, pt_handle handle);                           /* releases it silently */
} pt_kind_ops;

struct pt_core {
  pt_core_config config;
  pt_registry registry;
  pt_registry_slot *slots;
  pt_timer_heap timers;    /* each object's next deadline, by slot */
  pt_timer *timer_entries;
  uint32_t *timer_positions;
  pt_handle *due;          /* pt_core_handle_timeout: the objects it fires, max_objects of them */
  struct pt_output_item **closings; /* by slot: each live object's reserved closing event (pt_core_add) */
  const pt_kind_ops *kinds[PT_KIND_COUNT];
  pt_output_queue outputs;
  size_t reassembly_bytes; /* held by every peer's app channels (pt_peer_reserve_reassembly) */
};

/* Fills the default configuration (4096 objects, 256 MiB / 65536 outputs, 10 s hello timeout, 512 MiB of
 * reassembly: half the wasm heap's 1 GiB, so that peers at their own limits cannot fill it together). */
void pt_core_config_default(pt_core_config *config);

/* Creates an empty core; PT_ERR_INVALID_ARGUMENT for a bad config, PT_ERR_NO_MEMORY. */
int pt_core_init(pt_core *core, const pt_core_config *config);

/* Releases every object the core owns (through its kind's free, connections, channels, streams, peers,
 * then SRTP sessions) and its queue. */
void pt_core_destroy(pt_core *core);

/* Makes `ops` the operations of a kind (the same table again is a no-op). */
void pt_core_register_kind(pt_core *core, pt_kind kind, const pt_kind_ops *ops);

/* Fires the objects whose deadline is due at now_ms (each once, earliest first), reschedules them, then
 * reports the next deadline (always, even if unchanged). */
int pt_core_handle_timeout(pt_core *core, double now_ms);

/* Recomputes one object's deadline (its kind's deadline function) into the timer heap and the core's
 * next deadline into the output queue: O(log n). A module calls it whenever it changed that object's
 * timers; a stale handle is ignored. */
void pt_core_reschedule(pt_core *core, pt_handle handle);

/* Adds an object to the registry with a reserved output item for its closing event; returns its handle, or
 * PT_ERR_NO_MEMORY / the registry's errors. Every object of a kind with a closing event is added so. */
pt_handle pt_core_add(pt_core *core, pt_kind kind, void *object);

/* Releases an object's registry slot, its unused closing item and its timer; as pt_registry_release. */
int pt_core_release(pt_core *core, pt_handle handle, pt_kind kind, void **object);

/* Queues an event whose payload is a NUL-terminated JSON text (sent without the NUL). */
int pt_core_emit_json(pt_core *core, pt_handle handle, pt_event event, const char *json);

/* Queues an event whose payload is the given cJSON object (printed compactly); frees the object. */
struct cJSON;
int pt_core_emit_object(pt_core *core, pt_handle handle, pt_event event, struct cJSON *object);

/* Queues an event {"code": code, "error": "<name>"}. */
int pt_core_emit_error(pt_core *core, pt_handle handle, pt_event event, int code);

/* Queues an event that must not be lost in *reserved (pt_output_queue_reserve; the queue takes it, and
 * *reserved becomes NULL): `object` printed (freed here; NULL for short_form) if it fits, else in a new item;
 * when that fails, short_form (NUL-terminated, within the reserved capacity) in the reserved item, whatever
 * the queue's budgets. With *reserved NULL, as pt_core_emit_json. */
struct pt_output_item;
int pt_core_emit_reserved(pt_core *core, struct pt_output_item **reserved, pt_handle handle, pt_event event,
                          struct cJSON *object, const char *short_form);

/* Queues a live object's closing event in the item pt_core_add reserved (pt_core_emit_reserved): `object`
 * (freed here), or NULL for {"code", "error"}, which is also the short form. */
int pt_core_emit_closing(pt_core *core, pt_handle handle, pt_event event, int code, struct cJSON *object);

#endif
