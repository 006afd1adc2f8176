/* Gateway messages after the hello (docs/PROTOCOL.md, "Connection requests" and "Alerts"):
 * builds what the client sends (connect, accept, reject, cancel, signal, ping) and parses what the
 * gateway delivers (request, accept, reject, cancel, signal, alert, pong). Signal data is validated by the same
 * rules in both directions and always re-serialised, so only checked JSON crosses the core. */
#ifndef PT_GATEWAY_GATEWAY_MESSAGES_H
#define PT_GATEWAY_GATEWAY_MESSAGES_H

#include <stddef.h>
#include <stdint.h>

#include "gateway/hello_codec.h"

#define PT_REQUEST_ID_MAX 64
#define PT_REASON_MAX 1024
#define PT_SDP_MAX 60000
#define PT_CANDIDATE_MAX 1024
#define PT_SDP_MID_MAX 64
#define PT_SIGNAL_DATA_MAX (PT_SDP_MAX + 1024) /* room for the JSON around the SDP */

typedef enum pt_gateway_type {
  PT_GATEWAY_HELLO = 1,
  PT_GATEWAY_REQUEST,  /* inbound: someone asks to connect */
  PT_GATEWAY_CONNECT,  /* outbound: ask to connect */
  PT_GATEWAY_ACCEPT,
  PT_GATEWAY_REJECT,
  PT_GATEWAY_CANCEL,
  PT_GATEWAY_SIGNAL,
  PT_GATEWAY_ALERT,
  PT_GATEWAY_PING, /* outbound (version 2): the heartbeat */
  PT_GATEWAY_PONG  /* inbound (version 2): its answer, perhaps with a fresh resume token and ICE servers */
} pt_gateway_type;

typedef enum pt_signal_kind { PT_SIGNAL_OFFER = 1, PT_SIGNAL_ANSWER = 2, PT_SIGNAL_CANDIDATE = 3 } pt_signal_kind;

typedef enum pt_alert_level { PT_ALERT_WARNING = 1, PT_ALERT_FATAL = 2 } pt_alert_level;

/* Alert codes (the original's GatewayAlertDescription values). */
enum {
  PT_ALERT_CLOSE_NOTIFY = 0,
  PT_ALERT_UNEXPECTED_MESSAGE = 10,
  PT_ALERT_RECORD_OVERFLOW = 20,
  PT_ALERT_ACCESS_DENIED = 49,
  PT_ALERT_DECODE_ERROR = 50,
  PT_ALERT_PROTOCOL_VERSION = 70,
  PT_ALERT_INTERNAL_ERROR = 80,
  PT_ALERT_PEER_GONE_AWAY = 90,
  PT_ALERT_SESSION_REPLACED = 91 /* Petrichor's own: another connection took over the peer id with its token */
};

/* One message delivered by the gateway. Strings are NUL-terminated; signal data (normalised JSON)
 * is written to the caller's buffer given to pt_gateway_inbound_parse. */
typedef struct pt_gateway_inbound {
  pt_gateway_type type;
  char request_id[PT_REQUEST_ID_MAX + 1];
  uint64_t source;      /* request, accept, reject, cancel, signal */
  uint64_t target;      /* alert about one attempt; 0 otherwise */
  char source_external_id[PT_EXTERNAL_ID_MAX + 1];
  char text[PT_REASON_MAX + 1]; /* reject reason or alert message */
  pt_alert_level alert_level;
  int32_t alert_code;
  pt_signal_kind signal_kind;
  size_t signal_data_length;
  uint32_t ping_id;                           /* pong */
  char resume_token[PT_RESUME_TOKEN_MAX + 1]; /* pong: a fresh token, or empty */
  uint8_t has_ice_servers;                    /* pong: 1 when it brings a new ICE server list (fresh TURN credentials) */
  uint32_t ice_server_count;
  pt_ice_server ice_servers[PT_ICE_SERVERS_MAX];
} pt_gateway_inbound;

/* Parses one gateway message other than the hello; signal data goes to data[capacity] (at least
 * PT_SIGNAL_DATA_MAX + 1). PT_ERR_MALFORMED / _TOO_LARGE / _MISSING_FIELD / _WRONG_TYPE / _BAD_VALUE,
 * PT_ERR_UNEXPECTED_MESSAGE for an unknown or client-only type. */
int pt_gateway_inbound_parse(const char *json, size_t length, pt_gateway_inbound *message, char *data,
                             size_t capacity);

/* Checks signal data of a kind and writes it normalised to out; *length gets its length. */
int pt_signal_data_normalise(pt_signal_kind kind, const char *json, size_t length, char *out, size_t capacity,
                             size_t *out_length);

/* Builds {"type":"connect"|"accept"|"cancel","requestId":…,"target":…}. */
int pt_gateway_build_simple(pt_gateway_type type, const char *request_id, uint64_t target, char *out,
                            size_t capacity, size_t *length);

/* Builds a reject with a reason of at most PT_REASON_MAX bytes. */
int pt_gateway_build_reject(const char *request_id, uint64_t target, const char *reason, char *out,
                            size_t capacity, size_t *length);

/* Builds a signal; data must already be normalised by pt_signal_data_normalise. */
int pt_gateway_build_signal(const char *request_id, uint64_t target, pt_signal_kind kind, const char *data,
                            size_t data_length, char *out, size_t capacity, size_t *length);

/* Builds {"type":"ping","id":…}. */
int pt_gateway_build_ping(uint32_t id, char *out, size_t capacity, size_t *length);

/* The wire name of a signal kind ("offer"), or NULL. */
const char *pt_signal_kind_name(pt_signal_kind kind);

#endif
