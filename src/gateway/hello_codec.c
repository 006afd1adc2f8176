#include "gateway/hello_codec.h"

#include <string.h>

#include "core/error.h"
#include "gateway/json_fields.h"

void pt_client_hello_init(pt_client_hello *hello) {
  memset(hello, 0, sizeof *hello);
  hello->version = PT_PROTOCOL_VERSION;
  hello->min_version = PT_PROTOCOL_MIN_VERSION;
}

void pt_server_hello_init(pt_server_hello *hello) {
  memset(hello, 0, sizeof *hello);
  hello->version = PT_PROTOCOL_VERSION;
}

int pt_protocol_negotiate(uint16_t client_min, uint16_t client_max) {
  uint16_t high = client_max < PT_PROTOCOL_VERSION ? client_max : PT_PROTOCOL_VERSION;
  uint16_t low = client_min > PT_PROTOCOL_MIN_VERSION ? client_min : PT_PROTOCOL_MIN_VERSION;
  if (client_min == 0 || client_min > client_max || high < low) {
    return PT_ERR_UNSUPPORTED_VERSION;
  }
  return high;
}

int pt_peer_id_format(uint64_t peer_id, char *out, size_t capacity) {
  char digits[21];
  int count = 0;
  do {
    digits[count++] = (char)('0' + peer_id % 10);
    peer_id /= 10;
  } while (peer_id > 0);
  if (out == NULL || capacity < (size_t)count + 1) {
    return PT_ERR_BUFFER_TOO_SMALL;
  }
  for (int i = 0; i < count; i++) {
    out[i] = digits[count - 1 - i];
  }
  out[count] = '\0';
  return count;
}

int pt_peer_id_parse(const char *text, uint64_t *peer_id) {
  if (text == NULL || peer_id == NULL || text[0] < '1' || text[0] > '9') {
    return PT_ERR_BAD_VALUE;
  }
  uint64_t value = 0;
  for (const char *c = text; *c != '\0'; c++) {
    if (*c < '0' || *c > '9') {
      return PT_ERR_BAD_VALUE;
    }
    uint64_t digit = (uint64_t)(*c - '0');
    if (value > (PT_PEER_ID_MAX - digit) / 10) {
      return PT_ERR_BAD_VALUE;
    }
    value = value * 10 + digit;
  }
  *peer_id = value;
  return PT_OK;
}

static int is_ice_url(const char *url) {
  static const char *const schemes[] = {"stun:", "stuns:", "turn:", "turns:"};
  for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
    size_t n = strlen(schemes[i]);
    if (strncmp(url, schemes[i], n) == 0 && url[n] != '\0') {
      return 1;
    }
  }
  return 0;
}

int pt_client_hello_validate(const pt_client_hello *hello) {
  if (hello == NULL) {
    return PT_ERR_INVALID_ARGUMENT;
  }
  if (hello->min_version == 0 || hello->min_version > hello->version) {
    return PT_ERR_UNSUPPORTED_VERSION;
  }
  if (hello->api_key[0] == '\0' ||
      pt_json_check_string(hello->api_key, PT_API_KEY_MAX, PT_CHARSET_PRINTABLE) != PT_OK ||
      pt_json_check_string(hello->external_id, PT_EXTERNAL_ID_MAX, PT_CHARSET_ANY) != PT_OK ||
      pt_json_check_string(hello->resume_token, PT_RESUME_TOKEN_MAX, PT_CHARSET_TOKEN) != PT_OK) {
    return PT_ERR_BAD_VALUE;
  }
  return PT_OK;
}

int pt_server_hello_validate(const pt_server_hello *hello) {
  if (hello == NULL) {
    return PT_ERR_INVALID_ARGUMENT;
  }
  if (hello->version < PT_PROTOCOL_MIN_VERSION || hello->version > PT_PROTOCOL_VERSION) {
    return PT_ERR_UNSUPPORTED_VERSION;
  }
  if (hello->peer_id == 0 || hello->peer_id > PT_PEER_ID_MAX || hello->resume_token[0] == '\0' ||
      pt_json_check_string(hello->resume_token, PT_RESUME_TOKEN_MAX, PT_CHARSET_TOKEN) != PT_OK ||
      pt_ice_servers_validate(hello->ice_servers, hello->ice_server_count) != PT_OK) {
    return PT_ERR_BAD_VALUE;
  }
  return PT_OK;
}

int pt_ice_servers_validate(const pt_ice_server *servers, uint32_t count) {
  if (count > PT_ICE_SERVERS_MAX || (count > 0 && servers == NULL)) {
    return PT_ERR_BAD_VALUE;
  }
  for (uint32_t i = 0; i < count; i++) {
    const pt_ice_server *server = &servers[i];
    if (server->url_count == 0 || server->url_count > PT_ICE_URLS_MAX ||
        pt_json_check_string(server->username, PT_ICE_CREDENTIAL_MAX, PT_CHARSET_ANY) != PT_OK ||
        pt_json_check_string(server->credential, PT_ICE_CREDENTIAL_MAX, PT_CHARSET_ANY) != PT_OK) {
      return PT_ERR_BAD_VALUE;
    }
    for (uint32_t u = 0; u < server->url_count; u++) {
      if (pt_json_check_string(server->urls[u], PT_ICE_URL_MAX, PT_CHARSET_PRINTABLE) != PT_OK ||
          !is_ice_url(server->urls[u])) {
        return PT_ERR_BAD_VALUE;
      }
    }
  }
  return PT_OK;
}

/* Builds a cJSON object holding "type": "hello" and "version"; NULL when out of memory. */
static cJSON *new_hello_object(uint16_t version) {
  cJSON *root = cJSON_CreateObject();
  if (root == NULL || cJSON_AddStringToObject(root, "type", "hello") == NULL ||
      cJSON_AddNumberToObject(root, "version", version) == NULL) {
    cJSON_Delete(root);
    return NULL;
  }
  return root;
}

int pt_client_hello_build(const pt_client_hello *hello, char *out, size_t capacity, size_t *length) {
  int status = pt_client_hello_validate(hello);
  if (status != PT_OK) {
    return status;
  }
  cJSON *root = new_hello_object(hello->version);
  if (root == NULL) {
    return PT_ERR_NO_MEMORY;
  }
  int ok = cJSON_AddNumberToObject(root, "minVersion", hello->min_version) != NULL &&
           cJSON_AddStringToObject(root, "apiKey", hello->api_key) != NULL &&
           cJSON_AddStringToObject(root, "externalId", hello->external_id) != NULL;
  if (ok && hello->resume_token[0] != '\0') {
    ok = cJSON_AddStringToObject(root, "resumeToken", hello->resume_token) != NULL;
  }
  if (ok && hello->take_over) {
    ok = cJSON_AddTrueToObject(root, "takeOver") != NULL;
  }
  return pt_json_finish(root, ok, out, capacity, length);
}

static int add_ice_server(cJSON *list, const pt_ice_server *server) {
  cJSON *entry = cJSON_CreateObject();
  cJSON *urls = cJSON_AddArrayToObject(entry, "urls");
  int ok = entry != NULL && urls != NULL && cJSON_AddItemToArray(list, entry);
  if (!ok) {
    cJSON_Delete(entry);
    return 0;
  }
  for (uint32_t u = 0; ok && u < server->url_count; u++) {
    ok = cJSON_AddItemToArray(urls, cJSON_CreateString(server->urls[u]));
  }
  if (ok && server->username[0] != '\0') {
    ok = cJSON_AddStringToObject(entry, "username", server->username) != NULL;
  }
  if (ok && server->credential[0] != '\0') {
    ok = cJSON_AddStringToObject(entry, "credential", server->credential) != NULL;
  }
  return ok;
}

int pt_server_hello_build(const pt_server_hello *hello, char *out, size_t capacity, size_t *length) {
  int status = pt_server_hello_validate(hello);
  if (status != PT_OK) {
    return status;
  }
  cJSON *root = new_hello_object(hello->version);
  if (root == NULL) {
    return PT_ERR_NO_MEMORY;
  }
  char peer_id[24];
  pt_peer_id_format(hello->peer_id, peer_id, sizeof peer_id);
  int ok = cJSON_AddStringToObject(root, "peerId", peer_id) != NULL &&
           cJSON_AddStringToObject(root, "resumeToken", hello->resume_token) != NULL &&
           pt_ice_servers_add(root, hello->ice_servers, hello->ice_server_count);
  return pt_json_finish(root, ok, out, capacity, length);
}

int pt_ice_servers_add(cJSON *object, const pt_ice_server *servers, uint32_t count) {
  cJSON *list = cJSON_AddArrayToObject(object, "iceServers");
  int ok = list != NULL;
  for (uint32_t i = 0; ok && i < count; i++) {
    ok = add_ice_server(list, &servers[i]);
  }
  return ok;
}

/* Reads "version" (and "minVersion" for clients, defaulting to version). */
static int parse_versions(const cJSON *root, uint16_t *version, uint16_t *min_version) {
  int64_t value = 0;
  int status = pt_json_get_integer(root, "version", 1, 1, UINT16_MAX, 0, &value);
  if (status != PT_OK) {
    return status == PT_ERR_BAD_VALUE ? PT_ERR_UNSUPPORTED_VERSION : status;
  }
  *version = (uint16_t)value;
  if (min_version != NULL) {
    status = pt_json_get_integer(root, "minVersion", 0, 1, UINT16_MAX, value, &value);
    if (status != PT_OK) {
      return status == PT_ERR_BAD_VALUE ? PT_ERR_UNSUPPORTED_VERSION : status;
    }
    *min_version = (uint16_t)value;
  }
  return PT_OK;
}

/* Reads an optional boolean field: absent is 0. */
static int get_flag(const cJSON *root, const char *name, uint8_t *flag) {
  const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, name);
  *flag = item != NULL && cJSON_IsTrue(item);
  return item == NULL || cJSON_IsBool(item) ? PT_OK : PT_ERR_WRONG_TYPE;
}

int pt_client_hello_parse(const char *json, size_t length, pt_client_hello *hello) {
  if (hello == NULL) {
    return PT_ERR_INVALID_ARGUMENT;
  }
  pt_client_hello_init(hello);
  cJSON *root = NULL;
  int status = pt_json_parse_object(json, length, PT_GATEWAY_MAX_MESSAGE, &root);
  if (status == PT_OK) status = pt_json_expect_type(root, "hello");
  if (status == PT_OK) status = parse_versions(root, &hello->version, &hello->min_version);
  if (status == PT_OK)
    status = pt_json_get_string(root, "apiKey", 1, PT_CHARSET_PRINTABLE, hello->api_key,
                                sizeof hello->api_key);
  if (status == PT_OK)
    status = pt_json_get_string(root, "externalId", 0, PT_CHARSET_ANY, hello->external_id,
                                sizeof hello->external_id);
  if (status == PT_OK)
    status = pt_json_get_string(root, "resumeToken", 0, PT_CHARSET_TOKEN, hello->resume_token,
                                sizeof hello->resume_token);
  if (status == PT_OK) status = get_flag(root, "takeOver", &hello->take_over);
  if (status == PT_OK) status = pt_client_hello_validate(hello);
  cJSON_Delete(root);
  return status;
}

/* Reads one entry of "iceServers": urls is a string or an array of strings, as in RTCIceServer. */
static int parse_ice_server(const cJSON *entry, pt_ice_server *server) {
  if (!cJSON_IsObject(entry)) {
    return PT_ERR_WRONG_TYPE;
  }
  const cJSON *urls = cJSON_GetObjectItemCaseSensitive(entry, "urls");
  if (urls == NULL) {
    return PT_ERR_MISSING_FIELD;
  }
  if (cJSON_IsString(urls)) {
    if (pt_json_check_string(urls->valuestring, PT_ICE_URL_MAX, PT_CHARSET_PRINTABLE) != PT_OK) {
      return PT_ERR_BAD_VALUE;
    }
    strcpy(server->urls[0], urls->valuestring);
    server->url_count = 1;
  } else if (cJSON_IsArray(urls)) {
    const cJSON *url;
    cJSON_ArrayForEach(url, urls) {
      if (!cJSON_IsString(url)) {
        return PT_ERR_WRONG_TYPE;
      }
      if (server->url_count >= PT_ICE_URLS_MAX ||
          pt_json_check_string(url->valuestring, PT_ICE_URL_MAX, PT_CHARSET_PRINTABLE) != PT_OK) {
        return PT_ERR_BAD_VALUE;
      }
      strcpy(server->urls[server->url_count++], url->valuestring);
    }
  } else {
    return PT_ERR_WRONG_TYPE;
  }
  int status = pt_json_get_string(entry, "username", 0, PT_CHARSET_ANY, server->username,
                                  sizeof server->username);
  if (status == PT_OK) {
    status = pt_json_get_string(entry, "credential", 0, PT_CHARSET_ANY, server->credential,
                                sizeof server->credential);
  }
  return status;
}

int pt_server_hello_parse(const char *json, size_t length, pt_server_hello *hello) {
  if (hello == NULL) {
    return PT_ERR_INVALID_ARGUMENT;
  }
  pt_server_hello_init(hello);
  cJSON *root = NULL;
  char peer_id[24];
  int status = pt_json_parse_object(json, length, PT_GATEWAY_MAX_MESSAGE, &root);
  if (status == PT_OK) status = pt_json_expect_type(root, "hello");
  if (status == PT_OK) status = parse_versions(root, &hello->version, NULL);
  if (status == PT_OK)
    status = pt_json_get_string(root, "peerId", 1, PT_CHARSET_TOKEN, peer_id, sizeof peer_id);
  if (status == PT_OK) status = pt_peer_id_parse(peer_id, &hello->peer_id);
  if (status == PT_OK)
    status = pt_json_get_string(root, "resumeToken", 1, PT_CHARSET_TOKEN, hello->resume_token,
                                sizeof hello->resume_token);
  const cJSON *servers = status == PT_OK ? cJSON_GetObjectItemCaseSensitive(root, "iceServers") : NULL;
  if (servers != NULL) status = pt_ice_servers_parse(servers, hello->ice_servers, &hello->ice_server_count);
  if (status == PT_OK) status = pt_server_hello_validate(hello);
  cJSON_Delete(root);
  return status;
}

int pt_ice_servers_parse(const cJSON *list, pt_ice_server *servers, uint32_t *count) {
  if (!cJSON_IsArray(list)) {
    return PT_ERR_WRONG_TYPE;
  }
  memset(servers, 0, sizeof *servers * PT_ICE_SERVERS_MAX);
  *count = 0;
  const cJSON *entry;
  cJSON_ArrayForEach(entry, list) {
    if (*count >= PT_ICE_SERVERS_MAX) {
      return PT_ERR_BAD_VALUE;
    }
    int status = parse_ice_server(entry, &servers[(*count)++]);
    if (status != PT_OK) {
      return status;
    }
  }
  return PT_OK;
}
