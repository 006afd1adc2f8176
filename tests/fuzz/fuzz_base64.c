/* libFuzzer target for base64 (src/core/base64.c), which carries binary fields inside JSON messages (codec
 * configuration in stream announcements, cursor images in input JSON). The input is used twice:
 *  - as text (up to its first NUL) to decode: refused with PT_ERR_MALFORMED, or n bytes where n is three
 *    quarters of its length less its padding; a buffer of exactly n bytes takes them (ASan guards its end),
 *    one byte less gets PT_ERR_BUFFER_TOO_SMALL; the bytes encode back to the same text except in the bits
 *    the last character before the padding carries beyond the data (which the decoder ignores);
 *  - as bytes to encode: exactly pt_base64_encoded_length characters and a NUL (one byte less is
 *    PT_ERR_BUFFER_TOO_SMALL), which decode back to the bytes.
 *
 * Build: cmake -DPT_FUZZ=ON with clang (see CMakeLists.txt). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/base64.h"
#include "core/error.h"

#include "fuzz_support.h"

static void check_decode(const uint8_t *data, size_t size) {
  const char *text = (const char *)fuzz_copy(data, size, 1);
  const size_t length = strlen(text);
  uint8_t *room = fuzz_copy(NULL, length, 0); /* more than three quarters of the text */
  const int n = pt_base64_decode(text, room, length);
  free(room);
  if (n == PT_ERR_MALFORMED) {
    free((void *)text);
    return;
  }
  FUZZ_CHECK(n >= 0 && length % 4 == 0);
  const size_t padding = length == 0 ? 0 : (text[length - 1] == '=') + (text[length - 2] == '=');
  FUZZ_CHECK((size_t)n == length / 4 * 3 - padding);

  uint8_t *exact = fuzz_copy(NULL, (size_t)n, 0);
  FUZZ_CHECK(pt_base64_decode(text, exact, (size_t)n) == n);
  if (n > 0) FUZZ_CHECK(pt_base64_decode(text, exact, (size_t)n - 1) == PT_ERR_BUFFER_TOO_SMALL);
  FUZZ_CHECK(pt_base64_decode(text, exact, (size_t)n) == n); /* again: the short attempt may have written part */

  char *again = malloc(length + 1);
  FUZZ_CHECK(again != NULL);
  FUZZ_CHECK(pt_base64_encode(exact, (size_t)n, again, length + 1) == PT_OK);
  FUZZ_CHECK(strlen(again) == length);
  if (length > 0) {
    const size_t last = length - 1 - padding; /* the character whose low bits may be ignored */
    FUZZ_CHECK(memcmp(again, text, last) == 0 && strcmp(again + last + 1, text + last + 1) == 0);
    FUZZ_CHECK(again[last] == text[last] || padding > 0);
  }
  free(again);
  free(exact);
  free((void *)text);
}

static void check_encode(const uint8_t *data, size_t size) {
  const size_t length = pt_base64_encoded_length(size);
  FUZZ_CHECK(length == (size + 2) / 3 * 4);
  char *text = (char *)fuzz_copy(NULL, length + 1, 0);
  FUZZ_CHECK(pt_base64_encode(data, size, text, length) == PT_ERR_BUFFER_TOO_SMALL);
  FUZZ_CHECK(pt_base64_encode(data, size, text, length + 1) == PT_OK);
  FUZZ_CHECK(strlen(text) == length);
  uint8_t *back = fuzz_copy(NULL, size, 0);
  FUZZ_CHECK(pt_base64_decode(text, back, size) == (int)size);
  FUZZ_CHECK(size == 0 || memcmp(back, data, size) == 0);
  free(back);
  free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  check_decode(data, size);
  check_encode(data, size);
  return 0;
}
