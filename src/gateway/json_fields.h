/* Checked access to the fields of a JSON message parsed by cJSON: every string is length-bounded
 * and character-checked, every number must be an integer in range. Shared by the gateway codecs. */
#ifndef PT_GATEWAY_JSON_FIELDS_H
#define PT_GATEWAY_JSON_FIELDS_H

#include <stddef.h>
#include <stdint.h>

#include "cJSON.h"

typedef enum pt_charset {
  PT_CHARSET_ANY = 0,      /* any bytes except control characters (C0, DEL, C1) */
  PT_CHARSET_TEXT,         /* like ANY, plus tab, CR and LF (SDP, free text) */
  PT_CHARSET_PRINTABLE,    /* ASCII 0x21..0x7e */
  PT_CHARSET_TOKEN         /* A-Z a-z 0-9 - _ . */
} pt_charset;

/* Parses exactly `length` bytes as one JSON object (PT_ERR_TOO_LARGE above max_length,
 * PT_ERR_MALFORMED for bad JSON, trailing bytes or a non-object, PT_ERR_NO_MEMORY for good JSON that
 * memory was short for); caller frees with cJSON_Delete. */
int pt_json_parse_object(const char *json, size_t length, size_t max_length, cJSON **object);

/* Requires field "type" to be the string `type`: PT_ERR_MISSING_FIELD, _WRONG_TYPE, _UNEXPECTED_MESSAGE. */
int pt_json_expect_type(const cJSON *object, const char *type);

/* Copies string field `name` into out[capacity]; absent is PT_ERR_MISSING_FIELD when required, else
 * an empty string. Longer than capacity-1 or outside the charset: PT_ERR_BAD_VALUE. */
int pt_json_get_string(const cJSON *object, const char *name, int required, pt_charset charset,
                       char *out, size_t capacity);

/* Checks a C string against a charset and a maximum length (bytes); PT_OK or PT_ERR_BAD_VALUE. */
int pt_json_check_string(const char *text, size_t max_length, pt_charset charset);

/* Reads integer field `name` in [min, max] (within +-2^53); absent is PT_ERR_MISSING_FIELD when required (else
 * *value = fallback). */
int pt_json_get_integer(const cJSON *object, const char *name, int required, int64_t min, int64_t max,
                        int64_t fallback, int64_t *value);

/* Prints a cJSON tree compactly into out (NUL-terminated); PT_ERR_BUFFER_TOO_SMALL if it does not fit. */
int pt_json_print(const cJSON *object, char *out, size_t capacity, size_t *length);

/* Prints and frees a tree being built: `ok` false means an add failed (PT_ERR_NO_MEMORY). */
int pt_json_finish(cJSON *object, int ok, char *out, size_t capacity, size_t *length);

#endif
