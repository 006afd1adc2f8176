/* RTP depacketization of one incoming frame, from payloads that a jitter buffer has already put in
 * sequence order and found complete: H.264 (RFC 6184, packetization-mode 1), VP8 (RFC 7741) and Opus
 * (RFC 7587). Every length comes from the wire and is checked before use. */
#ifndef PT_MEDIA_RTP_DEPACKETIZER_H
#define PT_MEDIA_RTP_DEPACKETIZER_H

#include <stddef.h>
#include <stdint.h>

#include "media/rtp_packetizer.h"

/* Rebuilds one frame from its RTP payloads (RTP headers and padding removed) into `out`
 * (capacity bytes; out may be NULL when capacity is 0).
 * H.264: Annex-B output with a 00 00 00 01 start code before every NAL unit; accepts single NAL unit
 * packets (types 1-23), STAP-A (24) and FU-A (28) runs that start with S=1, end with E=1 and keep one
 * NAL type and NRI. *keyframe = 1 if there is an IDR slice (NAL type 5).
 * VP8: the frame bytes without payload descriptors; the first payload must have S=1 and PID=0 and no
 * later one may; PictureIDs of one width must agree. *keyframe = 1 if the P bit of the first frame
 * byte is 0.
 * Opus: exactly one non-empty payload, copied; *keyframe = 1.
 * Returns PT_OK with *out_length set, or PT_ERR_MALFORMED (no payload, an empty, truncated,
 * inconsistent or unsupported one), PT_ERR_BUFFER_TOO_SMALL (the input is well formed but its frame
 * does not fit), PT_ERR_INVALID_ARGUMENT (null pointers, unknown codec). */
int pt_rtp_depacketize(pt_codec codec, const uint8_t *const *payloads, const size_t *lengths, size_t count,
                       uint8_t *out, size_t capacity, size_t *out_length, int *keyframe);

/* The largest output pt_rtp_depacketize can produce from payloads of these lengths (for sizing out);
 * SIZE_MAX if that does not fit a size_t, 0 for an unknown codec or null lengths. */
size_t pt_rtp_depacketized_bound(pt_codec codec, const size_t *lengths, size_t count);

#endif
