/* Gateway hello messages (docs/PROTOCOL.md, "Hello"): JSON text built and parsed with cJSON.
 * Both directions are validated by the same rules on build and on parse, so the core never emits what
 * it would reject. Structs are fixed-size and caller-provided; every string is NUL-terminated. */
#ifndef PT_GATEWAY_HELLO_CODEC_H
#define PT_GATEWAY_HELLO_CODEC_H

#include <stddef.h>
#include <stdint.h>

struct cJSON;

#define PT_PROTOCOL_VERSION 2       /* highest gateway protocol version this core speaks (2: heartbeat) */
#define PT_PROTOCOL_MIN_VERSION 1   /* lowest one it still accepts */
#define PT_GATEWAY_MAX_MESSAGE 65536 /* bytes of one gateway message, either direction */
#define PT_API_KEY_MAX 128
#define PT_EXTERNAL_ID_MAX 256
#define PT_RESUME_TOKEN_MAX 128
#define PT_ICE_SERVERS_MAX 8
#define PT_ICE_URLS_MAX 4
#define PT_ICE_URL_MAX 512
#define PT_ICE_CREDENTIAL_MAX 256
#define PT_PEER_ID_MAX INT64_MAX    /* peer ids are 63-bit: 1..2^63-1 */

typedef struct pt_client_hello {
  uint16_t version;     /* highest version the client speaks */
  uint16_t min_version; /* lowest version the client accepts */
  char api_key[PT_API_KEY_MAX + 1];
  char external_id[PT_EXTERNAL_ID_MAX + 1];
  char resume_token[PT_RESUME_TOKEN_MAX + 1]; /* empty: ask for a fresh peer id */
  uint8_t take_over; /* 1: take the token's id over even while a session holds it (sent as "takeOver") */
} pt_client_hello;

typedef struct pt_ice_server {
  uint32_t url_count;
  char urls[PT_ICE_URLS_MAX][PT_ICE_URL_MAX + 1];
  char username[PT_ICE_CREDENTIAL_MAX + 1];
  char credential[PT_ICE_CREDENTIAL_MAX + 1];
} pt_ice_server;

typedef struct pt_server_hello {
  uint16_t version; /* the version the gateway chose for this session */
  uint64_t peer_id;
  char resume_token[PT_RESUME_TOKEN_MAX + 1];
  uint32_t ice_server_count;
  pt_ice_server ice_servers[PT_ICE_SERVERS_MAX];
} pt_server_hello;

/* Fills defaults: current versions, empty strings, no ICE servers. */
void pt_client_hello_init(pt_client_hello *hello);
void pt_server_hello_init(pt_server_hello *hello);

/* Checks a hello against the protocol's rules; PT_OK or PT_ERR_BAD_VALUE / PT_ERR_UNSUPPORTED_VERSION. */
int pt_client_hello_validate(const pt_client_hello *hello);
int pt_server_hello_validate(const pt_server_hello *hello);

/* Writes the hello as JSON into out (NUL-terminated); *length gets the text length. */
int pt_client_hello_build(const pt_client_hello *hello, char *out, size_t capacity, size_t *length);
int pt_server_hello_build(const pt_server_hello *hello, char *out, size_t capacity, size_t *length);

/* Parses one JSON message of `length` bytes; PT_ERR_TOO_LARGE / _MALFORMED / _MISSING_FIELD /
 * _WRONG_TYPE / _BAD_VALUE / _UNSUPPORTED_VERSION / _UNEXPECTED_MESSAGE (type is not "hello"). */
int pt_client_hello_parse(const char *json, size_t length, pt_client_hello *hello);
int pt_server_hello_parse(const char *json, size_t length, pt_server_hello *hello);

/* The "iceServers" of a hello or a pong (an array of RTCIceServer-shaped objects): checks at most
 * PT_ICE_SERVERS_MAX servers by the hello's rules (PT_OK or PT_ERR_BAD_VALUE); reads the array `list`
 * into servers[PT_ICE_SERVERS_MAX] (*count of them; PT_ERR_WRONG_TYPE / _MISSING_FIELD / _BAD_VALUE,
 * unvalidated); adds it to `object` as "iceServers" (0 when out of memory). */
int pt_ice_servers_validate(const pt_ice_server *servers, uint32_t count);
int pt_ice_servers_parse(const struct cJSON *list, pt_ice_server *servers, uint32_t *count);
int pt_ice_servers_add(struct cJSON *object, const pt_ice_server *servers, uint32_t count);

/* Picks the highest version both sides speak; returns it or PT_ERR_UNSUPPORTED_VERSION. */
int pt_protocol_negotiate(uint16_t client_min, uint16_t client_max);

/* Formats a peer id as decimal into out (at least 21 bytes); returns the text length. */
int pt_peer_id_format(uint64_t peer_id, char *out, size_t capacity);

/* Parses a decimal peer id (1..2^63-1, no sign, no leading zero); PT_ERR_BAD_VALUE otherwise. */
int pt_peer_id_parse(const char *text, uint64_t *peer_id);

#endif
