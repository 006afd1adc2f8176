/* Base64 (RFC 4648, standard alphabet, padded), for binary fields inside JSON messages. */
#ifndef PT_CORE_BASE64_H
#define PT_CORE_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Characters needed to encode `length` bytes, without the terminating NUL. */
size_t pt_base64_encoded_length(size_t length);

/* Encodes into out (NUL-terminated); PT_ERR_BUFFER_TOO_SMALL if capacity < encoded length + 1. */
int pt_base64_encode(const uint8_t *data, size_t length, char *out, size_t capacity);

/* Decodes a padded base64 text; returns the byte count, or PT_ERR_MALFORMED / PT_ERR_BUFFER_TOO_SMALL. */
int pt_base64_decode(const char *text, uint8_t *out, size_t capacity);

#endif
