#include "media/rtp_header.h"

#include "core/error.h"

int pt_rtp_header_size(const uint8_t *packet, size_t length) {
  if (packet == NULL || length < PT_RTP_FIXED_HEADER || (packet[0] >> 6) != 2) {
    return PT_ERR_MALFORMED;
  }
  size_t size = PT_RTP_FIXED_HEADER + 4u * (packet[0] & 0x0fu);
  if (packet[0] & 0x10u) { /* extension: 16-bit profile, 16-bit length in 32-bit words */
    if (size + 4 > length) {
      return PT_ERR_MALFORMED;
    }
    size += 4 + 4u * (((size_t)packet[size + 2] << 8) | packet[size + 3]);
  }
  return size <= length ? (int)size : PT_ERR_MALFORMED;
}
