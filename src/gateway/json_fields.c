#include "gateway/json_fields.h"

#include <string.h>

#include "core/error.h"
#include "gateway/json_syntax.h"

int pt_json_parse_object(const char *json, size_t length, size_t max_length, cJSON **object) {
  if (json == NULL || object == NULL) {
    return PT_ERR_INVALID_ARGUMENT;
  }
  *object = NULL;
  if (length > max_length) {
    return PT_ERR_TOO_LARGE;
  }
  if (length == 0) {
    return PT_ERR_MALFORMED;
  }
  const char *end = NULL;
  cJSON *root = cJSON_ParseWithLengthOpts(json, length, &end, 0);
  if (root == NULL) {
    /* cJSON says the same for bad JSON and for memory it could not get: good JSON means the latter. */
    return pt_json_syntax_valid(json, length) ? PT_ERR_NO_MEMORY : PT_ERR_MALFORMED;
  }
  /* cJSON stops after the first value; anything but whitespace after it makes the message invalid. */
  while (end < json + length && (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')) {
    end++;
  }
  if (end != json + length || !cJSON_IsObject(root)) {
    cJSON_Delete(root);
    return PT_ERR_MALFORMED;
  }
  *object = root;
  return PT_OK;
}

int pt_json_expect_type(const cJSON *object, const char *type) {
  const cJSON *field = cJSON_GetObjectItemCaseSensitive(object, "type");
  if (field == NULL) {
    return PT_ERR_MISSING_FIELD;
  }
  if (!cJSON_IsString(field)) {
    return PT_ERR_WRONG_TYPE;
  }
  return strcmp(field->valuestring, type) == 0 ? PT_OK : PT_ERR_UNEXPECTED_MESSAGE;
}

int pt_json_check_string(const char *text, size_t max_length, pt_charset charset) {
  size_t length = 0;
  for (const unsigned char *c = (const unsigned char *)text; *c != 0; c++, length++) {
    if (length >= max_length) {
      return PT_ERR_BAD_VALUE;
    }
    int ok;
    switch (charset) {
      case PT_CHARSET_PRINTABLE:
        ok = *c >= 0x21 && *c <= 0x7e;
        break;
      case PT_CHARSET_TOKEN:
        ok = (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
             *c == '-' || *c == '_' || *c == '.';
        break;
      case PT_CHARSET_TEXT:
        ok = (*c >= 0x20 && *c != 0x7f) || *c == '\t' || *c == '\r' || *c == '\n';
        break;
      default:
        ok = *c >= 0x20 && *c != 0x7f;
        break;
    }
    /* C1 controls (U+0080..U+009F, UTF-8 C2 80..C2 9F) are control characters too. */
    if (ok && (charset == PT_CHARSET_ANY || charset == PT_CHARSET_TEXT) && c[0] == 0xc2 && c[1] >= 0x80 &&
        c[1] <= 0x9f) {
      ok = 0;
    }
    if (!ok) {
      return PT_ERR_BAD_VALUE;
    }
  }
  return PT_OK;
}

int pt_json_get_string(const cJSON *object, const char *name, int required, pt_charset charset,
                       char *out, size_t capacity) {
  if (out == NULL || capacity == 0) {
    return PT_ERR_INVALID_ARGUMENT;
  }
  out[0] = '\0';
  const cJSON *field = cJSON_GetObjectItemCaseSensitive(object, name);
  if (field == NULL) {
    return required ? PT_ERR_MISSING_FIELD : PT_OK;
  }
  if (!cJSON_IsString(field) || field->valuestring == NULL) {
    return PT_ERR_WRONG_TYPE;
  }
  int status = pt_json_check_string(field->valuestring, capacity - 1, charset);
  if (status != PT_OK) {
    return status;
  }
  strcpy(out, field->valuestring);
  return PT_OK;
}

int pt_json_get_integer(const cJSON *object, const char *name, int required, int64_t min, int64_t max,
                        int64_t fallback, int64_t *value) {
  const int64_t exact_limit = (int64_t)1 << 53; /* doubles hold every integer up to here */
  if (value == NULL || min > max || min < -exact_limit || max > exact_limit) {
    return PT_ERR_INVALID_ARGUMENT;
  }
  const cJSON *field = cJSON_GetObjectItemCaseSensitive(object, name);
  if (field == NULL) {
    if (required) {
      return PT_ERR_MISSING_FIELD;
    }
    *value = fallback;
    return PT_OK;
  }
  if (!cJSON_IsNumber(field)) {
    return PT_ERR_WRONG_TYPE;
  }
  double number = field->valuedouble;
  /* Range first: converting an out-of-range double to int64 is undefined behaviour. */
  if (!(number >= (double)min && number <= (double)max) || (double)(int64_t)number != number) {
    return PT_ERR_BAD_VALUE;
  }
  *value = (int64_t)number;
  return PT_OK;
}

int pt_json_print(const cJSON *object, char *out, size_t capacity, size_t *length) {
  if (object == NULL || out == NULL || capacity == 0 || capacity > INT32_MAX) {
    return PT_ERR_INVALID_ARGUMENT;
  }
  if (!cJSON_PrintPreallocated((cJSON *)object, out, (int)capacity, 0)) {
    return PT_ERR_BUFFER_TOO_SMALL;
  }
  if (length != NULL) {
    *length = strlen(out);
  }
  return PT_OK;
}

int pt_json_finish(cJSON *object, int ok, char *out, size_t capacity, size_t *length) {
  int status = ok && object != NULL ? pt_json_print(object, out, capacity, length) : PT_ERR_NO_MEMORY;
  cJSON_Delete(object);
  return status;
}
