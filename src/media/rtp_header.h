/* RTP fixed-header checks (RFC 3550 section 5.1), applied before any packet reaches libsrtp2. */
#ifndef PT_MEDIA_RTP_HEADER_H
#define PT_MEDIA_RTP_HEADER_H

#include <stddef.h>
#include <stdint.h>

#define PT_RTP_FIXED_HEADER 12

/* Returns the header size (fixed part, CSRCs and extension) of an RTP packet of `length` bytes,
 * or PT_ERR_MALFORMED if it is not version 2 or the header does not fit in the packet. */
int pt_rtp_header_size(const uint8_t *packet, size_t length);

#endif
