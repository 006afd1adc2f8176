#include "core/base64.h"

#include <string.h>

#include "core/error.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t pt_base64_encoded_length(size_t length) { return (length + 2) / 3 * 4; }

int pt_base64_encode(const uint8_t *data, size_t length, char *out, size_t capacity) {
  if ((data == NULL && length > 0) || out == NULL) return PT_ERR_INVALID_ARGUMENT;
  if (capacity < pt_base64_encoded_length(length) + 1) return PT_ERR_BUFFER_TOO_SMALL;
  size_t o = 0;
  for (size_t i = 0; i < length; i += 3) {
    uint32_t chunk = (uint32_t)data[i] << 16;
    if (i + 1 < length) chunk |= (uint32_t)data[i + 1] << 8;
    if (i + 2 < length) chunk |= data[i + 2];
    out[o++] = alphabet[(chunk >> 18) & 63];
    out[o++] = alphabet[(chunk >> 12) & 63];
    out[o++] = i + 1 < length ? alphabet[(chunk >> 6) & 63] : '=';
    out[o++] = i + 2 < length ? alphabet[chunk & 63] : '=';
  }
  out[o] = '\0';
  return PT_OK;
}

static int value_of(char c) {
  const char *p = c != '\0' ? strchr(alphabet, c) : NULL;
  return p == NULL ? -1 : (int)(p - alphabet);
}

int pt_base64_decode(const char *text, uint8_t *out, size_t capacity) {
  if (text == NULL || (out == NULL && capacity > 0)) return PT_ERR_INVALID_ARGUMENT;
  size_t length = strlen(text);
  if (length % 4 != 0) return PT_ERR_MALFORMED;
  size_t o = 0;
  for (size_t i = 0; i < length; i += 4) {
    int v[4];
    int padding = 0;
    for (int k = 0; k < 4; k++) {
      char c = text[i + k];
      /* Padding only at the very end, and at most two characters of it. */
      if (c == '=' && i + 4 == length && k >= 2 && (k == 3 || text[i + 3] == '=')) {
        v[k] = 0;
        padding++;
      } else {
        v[k] = value_of(c);
        if (v[k] < 0) return PT_ERR_MALFORMED;
      }
    }
    uint32_t chunk = ((uint32_t)v[0] << 18) | ((uint32_t)v[1] << 12) | ((uint32_t)v[2] << 6) | (uint32_t)v[3];
    size_t bytes = 3 - (size_t)padding;
    if (o + bytes > capacity) return PT_ERR_BUFFER_TOO_SMALL;
    out[o++] = (uint8_t)(chunk >> 16);
    if (bytes > 1) out[o++] = (uint8_t)(chunk >> 8);
    if (bytes > 2) out[o++] = (uint8_t)chunk;
  }
  return (int)o;
}
