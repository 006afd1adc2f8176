/* The wasm exports (src/wasm/boundary.c), built natively: the (pointer, length) strings they copy in. */
#include "wasm/boundary.h"

#include <string.h>

#include "check.h"
#include "gateway/hello_codec.h"

/* Found by fuzz_boundary: an empty string passed as NULL went to memchr (undefined behaviour; UBSan stops here
 * if it comes back). tests/fuzz/corpus/boundary/regression-null-text replays it. */
static void test_empty_strings_may_be_null(void) {
  CHECK_EQ(pt_wasm_init(8, 0, 0), PT_OK);
  int32_t connection = pt_wasm_connection_open("key", 3, NULL, 0, NULL, 0, 0);
  CHECK(connection > 0);
  CHECK_EQ(pt_wasm_connection_open(NULL, 0, NULL, 0, NULL, 0, 0), PT_ERR_BAD_VALUE); /* an API key is required */
  CHECK_EQ(pt_wasm_connection_accept(connection, NULL, 0, 1000, 0), PT_ERR_STATE); /* no such request */
  CHECK_EQ(pt_wasm_connection_request(connection, NULL, 0, 1000, 0), PT_ERR_BAD_VALUE);
  CHECK_EQ(pt_wasm_connection_reject(connection, NULL, 0, NULL, 0), PT_ERR_STATE);
  CHECK_EQ(pt_wasm_stream_end(connection, NULL, 0), PT_ERR_WRONG_KIND);
  pt_wasm_shutdown();
}

static void test_lengths_are_checked(void) {
  CHECK_EQ(pt_wasm_init(8, 0, 0), PT_OK);
  static char key[PT_API_KEY_MAX + 1];
  memset(key, 'k', sizeof key);
  CHECK_EQ(pt_wasm_connection_open(key, sizeof key, "", 0, "", 0, 0), PT_ERR_BAD_VALUE); /* one byte too long */
  CHECK(pt_wasm_connection_open(key, sizeof key - 1, "", 0, "", 0, 0) > 0);
  CHECK_EQ(pt_wasm_connection_open("k\0y", 3, "", 0, "", 0, 0), PT_ERR_BAD_VALUE); /* a NUL inside */
  CHECK_EQ(pt_wasm_connection_open(NULL, 3, "", 0, "", 0, 0), PT_ERR_BAD_VALUE);   /* NULL with a length */
  pt_wasm_shutdown();
}

int main(void) {
  RUN(test_empty_strings_may_be_null);
  RUN(test_lengths_are_checked);
  return 0;
}
