#include <errno.h>
#include <sys/random.h>

#include "core/error.h"
#include "platform/random.h"

int pt_random_fill(uint8_t *buf, size_t length) {
  size_t filled = 0;
  while (filled < length) {
    ssize_t got = getrandom(buf + filled, length - filled, 0);
    if (got < 0) {
      if (errno == EINTR) {
        continue;
      }
      return PT_ERR_RANDOM;
    }
    filled += (size_t)got;
  }
  return PT_OK;
}
