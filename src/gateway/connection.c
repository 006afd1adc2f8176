#include "gateway/connection.h"

#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "core/error.h"
#include "core/text_format.h"
#include "gateway/gateway_messages.h"
#include "gateway/liveness.h"
#include "peer/peer.h"
#include "platform/random.h"

/* One pending connection attempt: ours to `peer` (outgoing) or `peer`'s to us (incoming). */
typedef struct pt_attempt {
  int used;
  char request_id[PT_REQUEST_ID_MAX + 1];
  uint64_t peer;
  char external_id[PT_EXTERNAL_ID_MAX + 1]; /* incoming: the requester's */
  double deadline_ms; /* outgoing: when it times out (what is left then is the new peer's time to connect);
                         incoming: when it is refused unanswered */
  struct pt_output_item *failure; /* outgoing: its REQUEST_FAILED event, reserved (see fail_attempt) */
} pt_attempt;

#define PT_REQUEST_FAILED_MAX 192u /* the reserved event's payload: ids, code and error; not the message */

#define PT_RECONNECT_RETRY_MS 100.0 /* a reconnection that could not be announced is tried again after this */

typedef struct pt_connection {
  pt_connection_state state;
  double hello_deadline_ms;
  pt_server_hello server_hello;
  uint32_t next_request;
  pt_attempt outgoing[PT_PENDING_ATTEMPTS_MAX];
  pt_attempt incoming[PT_PENDING_ATTEMPTS_MAX];
  /* Liveness (docs/PROTOCOL.md, "Liveness"): the heartbeat once ready, and reconnection after a loss. */
  pt_client_hello hello; /* sent again on reconnecting, with the latest resume token and takeOver */
  pt_liveness_config liveness;
  pt_heartbeat heartbeat;
  int established;    /* had the gateway's hello once: a lost link may be re-established */
  uint32_t attempt;   /* reconnection attempts since the loss */
  double lost_at_ms;
  double retry_at_ms; /* WAITING: when to ask the glue for a new socket */
} pt_connection;

static pt_connection *lookup(const pt_core *core, pt_handle handle, int *status) {
  void *object = NULL;
  *status = core == NULL ? PT_ERR_INVALID_ARGUMENT
                         : pt_registry_get(&core->registry, handle, PT_KIND_CONNECTION, &object);
  return *status == PT_OK ? object : NULL;
}

/* What the core calls: timers and teardown. */
static const pt_kind_ops connection_kind = {pt_connection_deadline, pt_connection_handle_timeout, pt_connection_free};

static pt_attempt *find_attempt(pt_attempt *list, const char *request_id, uint64_t peer) {
  for (size_t i = 0; i < PT_PENDING_ATTEMPTS_MAX; i++) {
    if (list[i].used && list[i].peer == peer && (request_id == NULL || strcmp(list[i].request_id, request_id) == 0)) {
      return &list[i];
    }
  }
  return NULL;
}

static pt_attempt *free_attempt(pt_attempt *list) {
  for (size_t i = 0; i < PT_PENDING_ATTEMPTS_MAX; i++) {
    if (!list[i].used) return &list[i];
  }
  return NULL;
}

pt_handle pt_connection_open(pt_core *core, const pt_client_hello *hello, double now_ms) {
  if (core == NULL || hello == NULL) {
    return PT_ERR_INVALID_ARGUMENT;
  }
  char *text = malloc(PT_GATEWAY_MAX_MESSAGE);
  pt_connection *connection = calloc(1, sizeof *connection);
  size_t length = 0;
  int status = text == NULL || connection == NULL ? PT_ERR_NO_MEMORY : PT_OK;
  if (status == PT_OK) status = pt_client_hello_build(hello, text, PT_GATEWAY_MAX_MESSAGE, &length);
  pt_handle handle = status;
  if (status == PT_OK) {
    connection->state = PT_CONNECTION_AWAITING_HELLO;
    connection->hello_deadline_ms = now_ms + core->config.hello_timeout_ms;
    connection->hello = *hello;
    pt_liveness_config_default(&connection->liveness);
    pt_heartbeat_stop(&connection->heartbeat);
    connection->retry_at_ms = -1.0;
    pt_core_register_kind(core, PT_KIND_CONNECTION, &connection_kind);
    handle = pt_core_add(core, PT_KIND_CONNECTION, connection);
  }
  if (handle > 0) {
    status = pt_output_queue_push(&core->outputs, PT_OUTPUT_SEND, handle, PT_TRANSPORT_GATEWAY, text, length);
    if (status != PT_OK) {
      pt_core_release(core, handle, PT_KIND_CONNECTION, NULL);
      handle = status;
    }
  }
  free(text);
  if (handle < 0) {
    free(connection);
    return handle;
  }
  pt_core_reschedule(core, handle);
  return handle;
}

int pt_connection_send(pt_core *core, pt_handle handle, const char *message, size_t length) {
  int status;
  pt_connection *connection = lookup(core, handle, &status);
  if (connection == NULL) return status;
  if (connection->state != PT_CONNECTION_READY) return PT_ERR_STATE;
  return pt_output_queue_push(&core->outputs, PT_OUTPUT_SEND, handle, PT_TRANSPORT_GATEWAY, message, length);
}

/* Forgets an outgoing attempt that succeeded or was never made. */
static void forget_attempt(pt_attempt *attempt) {
  attempt->used = 0;
  pt_output_queue_release_reserved(attempt->failure);
  attempt->failure = NULL;
}

/* Queues PT_EVENT_REQUEST_FAILED for an outgoing attempt and forgets it. The event is never lost (the app's
 * connect() waits for it): it goes in the item reserved with the attempt, without the message when memory
 * is short. */
static int fail_attempt(pt_core *core, pt_handle handle, pt_attempt *attempt, int code, const char *message) {
  char target[24], short_form[PT_REQUEST_FAILED_MAX + 1];
  pt_peer_id_format(attempt->peer, target, sizeof target);
  pt_format(short_form, sizeof short_form, "{\"requestId\":\"%s\",\"target\":\"%s\",\"code\":%d,\"error\":\"%s\"}",
            attempt->request_id, target, code, pt_error_name(code)); /* ids are digits, no escaping */
  cJSON *event = cJSON_CreateObject();
  cJSON_AddStringToObject(event, "requestId", attempt->request_id);
  cJSON_AddStringToObject(event, "target", target);
  cJSON_AddNumberToObject(event, "code", code);
  cJSON_AddStringToObject(event, "error", pt_error_name(code));
  if (cJSON_AddStringToObject(event, "message", message != NULL ? message : "") == NULL) {
    cJSON_Delete(event); /* incomplete: the short form instead */
    event = NULL;
  }
  attempt->used = 0;
  return pt_core_emit_reserved(core, &attempt->failure, handle, PT_EVENT_REQUEST_FAILED, event, short_form);
}

/* Builds and queues {"type":…,"requestId":…,"target":…} for an attempt. */
static int send_simple(pt_core *core, pt_handle handle, pt_gateway_type type, const char *request_id, uint64_t peer) {
  char message[256];
  size_t length = 0;
  int status = pt_gateway_build_simple(type, request_id, peer, message, sizeof message, &length);
  return status == PT_OK ? pt_connection_send(core, handle, message, length) : status;
}

static int close_with(pt_core *core, pt_handle handle, pt_connection *connection, int reason, int alert_code,
                      const char *alert_message) {
  for (size_t i = 0; i < PT_PENDING_ATTEMPTS_MAX; i++) {
    if (connection->outgoing[i].used) fail_attempt(core, handle, &connection->outgoing[i], reason, alert_message);
  }
  cJSON *event = cJSON_CreateObject();
  cJSON_AddNumberToObject(event, "code", reason);
  cJSON_AddStringToObject(event, "error", pt_error_name(reason));
  if (alert_code >= 0) {
    cJSON_AddNumberToObject(event, "alertCode", alert_code);
    cJSON_AddStringToObject(event, "message", alert_message != NULL ? alert_message : "");
  }
  int status = pt_core_emit_closing(core, handle, PT_EVENT_CONNECTION_CLOSED, reason, event);
  pt_connection_free(core, handle);
  return status;
}

int pt_connection_close(pt_core *core, pt_handle handle, int reason) {
  int status;
  pt_connection *connection = lookup(core, handle, &status);
  return connection == NULL ? status : close_with(core, handle, connection, reason, -1, NULL);
}

/* Withdraws every pending attempt: the gateway forgets them when the link goes. */
static void withdraw_attempts(pt_core *core, pt_handle handle, pt_connection *connection) {
  for (size_t i = 0; i < PT_PENDING_ATTEMPTS_MAX; i++) {
    if (connection->outgoing[i].used) {
      fail_attempt(core, handle, &connection->outgoing[i], PT_ERR_CLOSED, "The connection to the gateway was lost.");
    }
    pt_attempt *attempt = &connection->incoming[i];
    if (!attempt->used) continue;
    attempt->used = 0;
    char source[24];
    pt_peer_id_format(attempt->peer, source, sizeof source);
    cJSON *event = cJSON_CreateObject();
    cJSON_AddStringToObject(event, "requestId", attempt->request_id);
    cJSON_AddStringToObject(event, "source", source);
    pt_core_emit_object(core, handle, PT_EVENT_REQUEST_CANCELLED, event);
  }
}

/* The link to the gateway is gone (its socket closed, a ping went unanswered, a fatal alert that a
 * new session may cure) or a reconnection attempt failed: waits a backoff delay before the next
 * attempt (PT_EVENT_CONNECTION_LOST), or closes when the policy says no or gives up. */
static int lose(pt_core *core, pt_handle handle, pt_connection *connection, int reason, int alert_code,
                const char *alert_message, double now_ms) {
  const pt_liveness_config *policy = &connection->liveness;
  if (!connection->established || policy->give_up_ms == 0) {
    return close_with(core, handle, connection, reason, alert_code, alert_message);
  }
  if (connection->state == PT_CONNECTION_READY) {
    connection->lost_at_ms = now_ms;
    connection->attempt = 0;
    withdraw_attempts(core, handle, connection);
  }
  pt_heartbeat_stop(&connection->heartbeat);
  double left = connection->lost_at_ms + policy->give_up_ms - now_ms;
  if (policy->give_up_ms > 0 && left <= 0) return close_with(core, handle, connection, reason, alert_code, alert_message);
  if (connection->attempt < UINT32_MAX) connection->attempt++;
  uint32_t random = 0;
  if (pt_random_fill((uint8_t *)&random, sizeof random) != PT_OK) random = 0; /* the shortest jitter */
  double delay = pt_backoff_delay(policy, connection->attempt, random);
  if (policy->give_up_ms > 0 && delay > left) delay = left; /* the last attempt comes as the time runs out */
  connection->state = PT_CONNECTION_WAITING;
  connection->hello_deadline_ms = -1.0;
  connection->retry_at_ms = now_ms + delay;
  cJSON *event = cJSON_CreateObject();
  cJSON_AddNumberToObject(event, "code", reason);
  cJSON_AddStringToObject(event, "error", pt_error_name(reason));
  cJSON_AddNumberToObject(event, "attempt", connection->attempt);
  cJSON_AddNumberToObject(event, "delayMs", delay);
  if (alert_code >= 0) {
    cJSON_AddNumberToObject(event, "alertCode", alert_code);
    cJSON_AddStringToObject(event, "message", alert_message != NULL ? alert_message : "");
  }
  return pt_core_emit_object(core, handle, PT_EVENT_CONNECTION_LOST, event);
}

static int accept_server_hello(pt_core *core, pt_handle handle, pt_connection *connection,
                               const char *message, size_t length, double now_ms) {
  int status = pt_server_hello_parse(message, length, &connection->server_hello);
  char *normalised = status == PT_OK ? malloc(PT_GATEWAY_MAX_MESSAGE) : NULL;
  if (status == PT_OK && normalised == NULL) status = PT_ERR_NO_MEMORY;
  if (status == PT_OK)
    status = pt_server_hello_build(&connection->server_hello, normalised, PT_GATEWAY_MAX_MESSAGE, NULL);
  if (status == PT_OK) status = pt_core_emit_json(core, handle, PT_EVENT_CONNECTION_READY, normalised);
  free(normalised);
  if (status != PT_OK) {
    close_with(core, handle, connection, status, -1, NULL);
    return status;
  }
  connection->state = PT_CONNECTION_READY;
  connection->hello_deadline_ms = -1.0;
  connection->established = 1;
  connection->attempt = 0;
  /* A later hello resumes this session's id, taking it over from a session the gateway still holds. */
  strcpy(connection->hello.resume_token, connection->server_hello.resume_token);
  connection->hello.take_over = 1;
  if (connection->server_hello.version >= PT_HEARTBEAT_VERSION) {
    pt_heartbeat_start(&connection->heartbeat, &connection->liveness, now_ms);
  }
  return PT_OK;
}

/* A pong settles the outstanding ping; a fresh resume token or ICE server list in it replaces the old. */
static int on_pong(pt_core *core, pt_handle handle, pt_connection *connection, const pt_gateway_inbound *in) {
  pt_heartbeat_pong(&connection->heartbeat, in->ping_id);
  int status = PT_OK;
  if (in->resume_token[0] != '\0') {
    strcpy(connection->server_hello.resume_token, in->resume_token);
    strcpy(connection->hello.resume_token, in->resume_token);
    cJSON *event = cJSON_CreateObject();
    cJSON_AddStringToObject(event, "resumeToken", in->resume_token);
    status = pt_core_emit_object(core, handle, PT_EVENT_CONNECTION_TOKEN, event);
  }
  if (status == PT_OK && in->has_ice_servers) {
    pt_server_hello *hello = &connection->server_hello;
    memcpy(hello->ice_servers, in->ice_servers, sizeof hello->ice_servers);
    hello->ice_server_count = in->ice_server_count;
    cJSON *event = cJSON_CreateObject();
    if (event != NULL && !pt_ice_servers_add(event, hello->ice_servers, hello->ice_server_count)) {
      cJSON_Delete(event);
      event = NULL;
    }
    status = pt_core_emit_object(core, handle, PT_EVENT_CONNECTION_ICE_SERVERS, event); /* NULL: PT_ERR_NO_MEMORY */
  }
  return status;
}

static int send_reject(pt_core *core, pt_handle handle, const char *request_id, uint64_t peer, const char *reason) {
  char reply[PT_REASON_MAX + 256];
  size_t length = 0;
  int status = pt_gateway_build_reject(request_id, peer, reason, reply, sizeof reply, &length);
  return status == PT_OK ? pt_connection_send(core, handle, reply, length) : status;
}

static size_t pending_from(const pt_attempt *list, uint64_t peer) {
  size_t count = 0;
  for (size_t i = 0; i < PT_PENDING_ATTEMPTS_MAX; i++) count += list[i].used && list[i].peer == peer;
  return count;
}

static int on_request(pt_core *core, pt_handle handle, pt_connection *connection, const pt_gateway_inbound *in,
                      double now_ms) {
  if (find_attempt(connection->incoming, in->request_id, in->source) != NULL) {
    return PT_ERR_UNEXPECTED_MESSAGE; /* the same request twice */
  }
  /* One requester cannot fill the table for everyone else; nor can requests nobody answers. */
  if (pending_from(connection->incoming, in->source) >= PT_PENDING_PER_REQUESTER_MAX) {
    return send_reject(core, handle, in->request_id, in->source, "Too many pending connection requests from you.");
  }
  pt_attempt *attempt = free_attempt(connection->incoming);
  if (attempt == NULL) return send_reject(core, handle, in->request_id, in->source, "Too many pending connection requests.");
  memset(attempt, 0, sizeof *attempt);
  attempt->used = 1;
  attempt->deadline_ms = now_ms + PT_INCOMING_REQUEST_TIMEOUT_MS;
  strcpy(attempt->request_id, in->request_id);
  attempt->peer = in->source;
  strcpy(attempt->external_id, in->source_external_id);
  char source[24];
  pt_peer_id_format(in->source, source, sizeof source);
  cJSON *event = cJSON_CreateObject();
  cJSON_AddStringToObject(event, "requestId", in->request_id);
  cJSON_AddStringToObject(event, "source", source);
  cJSON_AddStringToObject(event, "sourceExternalId", in->source_external_id);
  return pt_core_emit_object(core, handle, PT_EVENT_PEER_REQUEST, event);
}

static int on_accept(pt_core *core, pt_handle handle, pt_connection *connection, const pt_gateway_inbound *in,
                     double now_ms) {
  pt_attempt *attempt = find_attempt(connection->outgoing, in->request_id, in->source);
  if (attempt == NULL) return PT_ERR_UNEXPECTED_MESSAGE;
  /* The attempt's remaining time is the peer's time to connect. */
  double deadline = attempt->deadline_ms > now_ms ? attempt->deadline_ms : now_ms;
  pt_handle peer = pt_peer_create(core, handle, in->source, in->source_external_id, in->request_id, 1, deadline);
  if (peer < 0) { /* (memory short) the app's connect() fails, saying why */
    send_simple(core, handle, PT_GATEWAY_CANCEL, attempt->request_id, attempt->peer);
    fail_attempt(core, handle, attempt, peer, NULL);
    return peer;
  }
  forget_attempt(attempt);
  return PT_OK;
}

static int on_alert(pt_core *core, pt_handle handle, pt_connection *connection, const pt_gateway_inbound *in,
                    double now_ms) {
  if (in->alert_level == PT_ALERT_FATAL) {
    int reason = in->alert_code == PT_ALERT_CLOSE_NOTIFY ? PT_ERR_CLOSED : PT_ERR_UNEXPECTED_MESSAGE;
    if (in->alert_code == PT_ALERT_ACCESS_DENIED) reason = PT_ERR_REJECTED;
    if (in->alert_code == PT_ALERT_PROTOCOL_VERSION) reason = PT_ERR_UNSUPPORTED_VERSION;
    /* A gateway going down or failing may be back, or replaced, soon; anything else would fail again. */
    if (in->alert_code == PT_ALERT_CLOSE_NOTIFY || in->alert_code == PT_ALERT_INTERNAL_ERROR) {
      lose(core, handle, connection, reason, in->alert_code, in->text, now_ms);
    } else {
      close_with(core, handle, connection, reason, in->alert_code, in->text);
    }
    return PT_OK;
  }
  pt_attempt *attempt = in->request_id[0] != '\0' && in->target != 0
                            ? find_attempt(connection->outgoing, in->request_id, in->target)
                            : NULL;
  if (attempt != NULL && in->alert_code == PT_ALERT_PEER_GONE_AWAY) {
    return fail_attempt(core, handle, attempt, PT_ERR_UNREACHABLE, in->text);
  }
  cJSON *event = cJSON_CreateObject();
  cJSON_AddStringToObject(event, "level", "warning");
  cJSON_AddNumberToObject(event, "code", in->alert_code);
  cJSON_AddStringToObject(event, "message", in->text);
  return pt_core_emit_object(core, handle, PT_EVENT_GATEWAY_ALERT, event);
}

static int dispatch(pt_core *core, pt_handle handle, pt_connection *connection, const pt_gateway_inbound *in,
                    const char *data, double now_ms) {
  pt_attempt *attempt;
  char source[24];
  cJSON *event;
  switch (in->type) {
    case PT_GATEWAY_REQUEST:
      return on_request(core, handle, connection, in, now_ms);
    case PT_GATEWAY_ACCEPT:
      return on_accept(core, handle, connection, in, now_ms);
    case PT_GATEWAY_REJECT:
      attempt = find_attempt(connection->outgoing, in->request_id, in->source);
      return attempt == NULL ? PT_ERR_UNEXPECTED_MESSAGE
                             : fail_attempt(core, handle, attempt, PT_ERR_REJECTED, in->text);
    case PT_GATEWAY_CANCEL:
      attempt = find_attempt(connection->incoming, in->request_id, in->source);
      if (attempt == NULL) return PT_ERR_UNEXPECTED_MESSAGE;
      attempt->used = 0;
      pt_peer_id_format(in->source, source, sizeof source);
      event = cJSON_CreateObject();
      cJSON_AddStringToObject(event, "requestId", in->request_id);
      cJSON_AddStringToObject(event, "source", source);
      return pt_core_emit_object(core, handle, PT_EVENT_REQUEST_CANCELLED, event);
    case PT_GATEWAY_SIGNAL:
      return pt_peer_deliver_signal(core, handle, in->source, in->request_id, in->signal_kind, data,
                                    in->signal_data_length);
    case PT_GATEWAY_ALERT:
      return on_alert(core, handle, connection, in, now_ms);
    case PT_GATEWAY_PONG:
      return on_pong(core, handle, connection, in);
    default:
      return PT_ERR_UNEXPECTED_MESSAGE; /* a second hello */
  }
}

int pt_connection_receive(pt_core *core, pt_handle handle, const char *message, size_t length,
                          double now_ms) {
  int status;
  pt_connection *connection = lookup(core, handle, &status);
  if (connection == NULL) {
    return status;
  }
  if (message == NULL && length > 0) {
    return PT_ERR_INVALID_ARGUMENT;
  }
  pt_gateway_inbound *in = malloc(sizeof *in);
  char *data = malloc(PT_SIGNAL_DATA_MAX + 1);
  int parsed = in == NULL || data == NULL ? PT_ERR_NO_MEMORY
                                          : pt_gateway_inbound_parse(message, length, in, data, PT_SIGNAL_DATA_MAX + 1);
  if (connection->state == PT_CONNECTION_AWAITING_HELLO) {
    /* Before the hello only an alert (say, an unknown key) may come instead of it. */
    status = parsed == PT_OK && in->type == PT_GATEWAY_ALERT
                 ? on_alert(core, handle, connection, in, now_ms)
                 : accept_server_hello(core, handle, connection, message, length, now_ms);
  } else if (connection->state == PT_CONNECTION_READY) {
    /* A bad message after the hello is reported to the caller; the session goes on. */
    status = parsed == PT_OK ? dispatch(core, handle, connection, in, data, now_ms) : parsed;
    if (pt_error_is_shortage(status)) {
      /* A message our side could not take: the gateway's stream of messages is reliable, and this one is
       * missing. A peer's signaling cannot go on without it: that peer closes; anything else, the link is
       * taken as lost (the session resumes on a new socket, pending attempts are told). */
      pt_handle peer = parsed == PT_OK && in->type == PT_GATEWAY_SIGNAL ? pt_peer_find(core, handle, in->source) : 0;
      if (peer > 0) pt_peer_close(core, peer, status);
      else lose(core, handle, connection, status, -1, NULL, now_ms);
    }
  } else {
    status = PT_ERR_STATE; /* no socket while waiting to reconnect */
  }
  free(in);
  free(data);
  pt_core_reschedule(core, handle); /* attempts came or went (ignored if the connection closed) */
  return status;
}

int pt_connection_request(pt_core *core, pt_handle handle, uint64_t target, double timeout_ms, double now_ms) {
  int status;
  pt_connection *connection = lookup(core, handle, &status);
  if (connection == NULL) return status;
  if (connection->state != PT_CONNECTION_READY) return PT_ERR_STATE;
  if (target == 0 || target > PT_PEER_ID_MAX || target == connection->server_hello.peer_id || !(timeout_ms > 0)) {
    return PT_ERR_BAD_VALUE;
  }
  if (find_attempt(connection->outgoing, NULL, target) != NULL || pt_peer_find(core, handle, target) != 0) {
    return PT_ERR_EXISTS;
  }
  pt_attempt *attempt = free_attempt(connection->outgoing);
  if (attempt == NULL) return PT_ERR_FULL;
  uint32_t number = ++connection->next_request;
  if (number > INT32_MAX) number = connection->next_request = 1;
  memset(attempt, 0, sizeof *attempt);
  pt_format(attempt->request_id, sizeof attempt->request_id, "%u", number);
  attempt->peer = target;
  attempt->deadline_ms = now_ms + timeout_ms;
  attempt->failure = pt_output_queue_reserve(PT_REQUEST_FAILED_MAX);
  status = attempt->failure == NULL ? PT_ERR_NO_MEMORY
                                    : send_simple(core, handle, PT_GATEWAY_CONNECT, attempt->request_id, target);
  if (status != PT_OK) {
    forget_attempt(attempt);
    return status;
  }
  attempt->used = 1;
  pt_core_reschedule(core, handle);
  return (int)number;
}

int pt_connection_cancel(pt_core *core, pt_handle handle, uint64_t target) {
  int status;
  pt_connection *connection = lookup(core, handle, &status);
  if (connection == NULL) return status;
  pt_attempt *attempt = find_attempt(connection->outgoing, NULL, target);
  if (attempt == NULL) return PT_ERR_STATE;
  status = send_simple(core, handle, PT_GATEWAY_CANCEL, attempt->request_id, target);
  int failed = fail_attempt(core, handle, attempt, PT_ERR_CANCELLED, NULL);
  pt_core_reschedule(core, handle);
  return status != PT_OK ? status : failed;
}

pt_handle pt_connection_accept(pt_core *core, pt_handle handle, const char *request_id, double timeout_ms,
                               double now_ms) {
  int status;
  pt_connection *connection = lookup(core, handle, &status);
  if (connection == NULL) return status;
  if (request_id == NULL || !(timeout_ms > 0)) return PT_ERR_BAD_VALUE;
  pt_attempt *attempt = NULL;
  for (size_t i = 0; i < PT_PENDING_ATTEMPTS_MAX && attempt == NULL; i++) {
    pt_attempt *candidate = &connection->incoming[i];
    if (candidate->used && strcmp(candidate->request_id, request_id) == 0) attempt = candidate;
  }
  if (attempt == NULL) return PT_ERR_STATE;
  if (pt_peer_find(core, handle, attempt->peer) != 0) return PT_ERR_EXISTS;
  status = send_simple(core, handle, PT_GATEWAY_ACCEPT, attempt->request_id, attempt->peer);
  if (status != PT_OK) return status;
  attempt->used = 0;
  pt_core_reschedule(core, handle);
  return pt_peer_create(core, handle, attempt->peer, attempt->external_id, attempt->request_id, 0,
                        now_ms + timeout_ms);
}

int pt_connection_reject(pt_core *core, pt_handle handle, const char *request_id, const char *reason) {
  int status;
  pt_connection *connection = lookup(core, handle, &status);
  if (connection == NULL) return status;
  for (size_t i = 0; request_id != NULL && i < PT_PENDING_ATTEMPTS_MAX; i++) {
    pt_attempt *attempt = &connection->incoming[i];
    if (attempt->used && strcmp(attempt->request_id, request_id) == 0) {
      status = send_reject(core, handle, request_id, attempt->peer, reason);
      if (status == PT_OK) attempt->used = 0;
      pt_core_reschedule(core, handle);
      return status;
    }
  }
  return PT_ERR_STATE;
}

int pt_connection_state_of(const pt_core *core, pt_handle handle) {
  int status;
  const pt_connection *connection = lookup(core, handle, &status);
  return connection == NULL ? status : (int)connection->state;
}

double pt_connection_deadline(const pt_core *core, pt_handle handle) {
  int status;
  const pt_connection *connection = lookup(core, handle, &status);
  if (connection == NULL) return -1.0;
  if (connection->state == PT_CONNECTION_WAITING) return connection->retry_at_ms;
  double earliest = connection->hello_deadline_ms;
  double heartbeat = pt_heartbeat_deadline(&connection->heartbeat);
  if (heartbeat >= 0 && (earliest < 0 || heartbeat < earliest)) earliest = heartbeat;
  for (size_t i = 0; i < 2 * PT_PENDING_ATTEMPTS_MAX; i++) {
    const pt_attempt *attempt = i < PT_PENDING_ATTEMPTS_MAX ? &connection->outgoing[i] : &connection->incoming[i - PT_PENDING_ATTEMPTS_MAX];
    if (attempt->used && (earliest < 0 || attempt->deadline_ms < earliest)) earliest = attempt->deadline_ms;
  }
  return earliest;
}

int pt_connection_handle_timeout(pt_core *core, pt_handle handle, double now_ms) {
  int status;
  pt_connection *connection = lookup(core, handle, &status);
  if (connection == NULL) {
    return status;
  }
  if (connection->state == PT_CONNECTION_WAITING) {
    if (now_ms < connection->retry_at_ms) return PT_OK;
    /* Time for the next attempt: the glue opens a socket and reports it (socket_open / socket_closed). */
    char event[64];
    pt_format(event, sizeof event, "{\"attempt\":%u}", connection->attempt);
    status = pt_core_emit_json(core, handle, PT_EVENT_CONNECTION_RECONNECT, event);
    if (status != PT_OK) { /* (memory short) the glue was not told: the attempt waits a little */
      connection->retry_at_ms = now_ms + PT_RECONNECT_RETRY_MS;
      return status;
    }
    connection->state = PT_CONNECTION_OPENING;
    connection->retry_at_ms = -1.0;
    connection->hello_deadline_ms = now_ms + core->config.hello_timeout_ms;
    return PT_OK;
  }
  if (connection->hello_deadline_ms >= 0 && now_ms >= connection->hello_deadline_ms) {
    return lose(core, handle, connection, PT_ERR_TIMEOUT, -1, NULL, now_ms);
  }
  uint32_t ping_id = 0;
  switch (pt_heartbeat_poll(&connection->heartbeat, &connection->liveness, now_ms, &ping_id)) {
    case PT_HEARTBEAT_DEAD:
      return lose(core, handle, connection, PT_ERR_TIMEOUT, -1, NULL, now_ms);
    case PT_HEARTBEAT_PING: {
      char ping[64];
      size_t length = 0;
      status = pt_gateway_build_ping(ping_id, ping, sizeof ping, &length);
      if (status == PT_OK) status = pt_connection_send(core, handle, ping, length);
      if (status != PT_OK) return status;
      break;
    }
    default:
      break;
  }
  for (size_t i = 0; i < PT_PENDING_ATTEMPTS_MAX; i++) {
    pt_attempt *attempt = &connection->outgoing[i];
    if (attempt->used && now_ms >= attempt->deadline_ms) {
      send_simple(core, handle, PT_GATEWAY_CANCEL, attempt->request_id, attempt->peer);
      status = fail_attempt(core, handle, attempt, PT_ERR_TIMEOUT, NULL);
      if (status != PT_OK) return status;
    }
  }
  for (size_t i = 0; i < PT_PENDING_ATTEMPTS_MAX; i++) {
    pt_attempt *attempt = &connection->incoming[i];
    if (!attempt->used || now_ms < attempt->deadline_ms) continue;
    /* Unanswered too long: the requester is told, the app's request is withdrawn, the slot is free. */
    attempt->used = 0;
    status = send_reject(core, handle, attempt->request_id, attempt->peer, "The request expired unanswered.");
    char source[24];
    pt_peer_id_format(attempt->peer, source, sizeof source);
    cJSON *event = cJSON_CreateObject();
    cJSON_AddStringToObject(event, "requestId", attempt->request_id);
    cJSON_AddStringToObject(event, "source", source);
    int emitted = pt_core_emit_object(core, handle, PT_EVENT_REQUEST_CANCELLED, event);
    if (status == PT_OK) status = emitted;
    if (status != PT_OK) return status;
  }
  return PT_OK;
}

int pt_connection_configure(pt_core *core, pt_handle handle, const pt_liveness_config *config, double now_ms) {
  int status;
  pt_connection *connection = lookup(core, handle, &status);
  if (connection == NULL) return status;
  status = pt_liveness_config_validate(config);
  if (status != PT_OK) return status;
  connection->liveness = *config;
  if (connection->state == PT_CONNECTION_READY && connection->server_hello.version >= PT_HEARTBEAT_VERSION) {
    pt_heartbeat_start(&connection->heartbeat, &connection->liveness, now_ms);
  }
  pt_core_reschedule(core, handle);
  return PT_OK;
}

int pt_connection_socket_open(pt_core *core, pt_handle handle, double now_ms) {
  int status;
  pt_connection *connection = lookup(core, handle, &status);
  if (connection == NULL) return status;
  if (connection->state != PT_CONNECTION_OPENING) return PT_ERR_STATE;
  char *text = malloc(PT_GATEWAY_MAX_MESSAGE);
  size_t length = 0;
  status = text == NULL ? PT_ERR_NO_MEMORY : pt_client_hello_build(&connection->hello, text, PT_GATEWAY_MAX_MESSAGE, &length);
  if (status == PT_OK) {
    status = pt_output_queue_push(&core->outputs, PT_OUTPUT_SEND, handle, PT_TRANSPORT_GATEWAY, text, length);
  }
  free(text);
  if (status == PT_OK) {
    connection->state = PT_CONNECTION_AWAITING_HELLO;
    connection->hello_deadline_ms = now_ms + core->config.hello_timeout_ms;
  } else {
    lose(core, handle, connection, status, -1, NULL, now_ms);
  }
  pt_core_reschedule(core, handle);
  return status;
}

int pt_connection_socket_closed(pt_core *core, pt_handle handle, double now_ms) {
  int status;
  pt_connection *connection = lookup(core, handle, &status);
  if (connection == NULL) return status;
  if (connection->state == PT_CONNECTION_WAITING) return PT_OK; /* that socket was already given up */
  status = lose(core, handle, connection, PT_ERR_CLOSED, -1, NULL, now_ms);
  pt_core_reschedule(core, handle);
  return status;
}

void pt_connection_free(pt_core *core, pt_handle handle) {
  void *object = NULL;
  if (pt_core_release(core, handle, PT_KIND_CONNECTION, &object) == PT_OK) {
    pt_connection *connection = object;
    for (size_t i = 0; i < PT_PENDING_ATTEMPTS_MAX; i++) forget_attempt(&connection->outgoing[i]);
    free(object);
  }
}
