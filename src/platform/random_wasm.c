#include "core/error.h"
#include "platform/random.h"
#include "wasm/boundary.h"

int pt_random_fill(uint8_t *buf, size_t length) {
  return pt_import_random_fill(buf, (uint32_t)length) == 0 ? PT_OK : PT_ERR_RANDOM;
}
