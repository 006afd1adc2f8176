/* Forward error correction for RTP media by XOR parity (in the spirit of RFC 5109, simplified). The sender
 * protects each group of 1..PT_FEC_MAX_GROUP consecutive media packets of one stream with one parity packet,
 * sent as its own RTP stream (its own SSRC, payload type and sequence numbers); a receiver holding all but one
 * packet of a group rebuilds the missing one. Two losses in one group recover nothing.
 *
 * Wire format: one FEC packet is one RTP packet (version 2, no padding, extension or CSRC; marker 0; timestamp
 * that of the first protected packet), whose payload is a 12-byte FEC header, big-endian:
 *   base_seq u16       media sequence number of the first protected packet
 *   count u8           1..PT_FEC_MAX_GROUP: protects base_seq .. base_seq + count - 1 (mod 2^16)
 *   version u8         1
 *   length_xor u16     XOR of the protected RTP payload lengths
 *   header_xor u8      XOR of byte 1 of their RTP headers (marker bit and payload type)
 *   reserved u8        0 when sent, ignored when received
 *   timestamp_xor u32  XOR of their RTP timestamps
 * followed by the XOR of their RTP payloads, each zero-padded to the longest one: the FEC payload is
 * 12 + the longest payload long. Protected packets are what our packetizer emits: a 12-byte header and
 * no padding, extension or CSRCs. Keep media packets PT_FEC_HEADER_SIZE under the MTU so their parity fits.
 *
 * The receive side is sans-IO: the caller's clock comes in as now_ms, its packet store is consulted through a
 * lookup callback, and the decoder's memory is bounded by limits chosen here and by the caller, never by a
 * number read from the wire. */
#ifndef PT_MEDIA_FEC_H
#define PT_MEDIA_FEC_H

#include <stddef.h>
#include <stdint.h>

#define PT_FEC_HEADER_SIZE 12    /* FEC header after the RTP header */
#define PT_FEC_MAX_GROUP 48      /* most media packets one parity packet protects */
#define PT_FEC_MAX_PAYLOAD 1488  /* longest protected RTP payload: PT_RTP_PACKET_MAX minus the RTP header */
#define PT_FEC_PACKET_MAX (12 + PT_FEC_HEADER_SIZE + PT_FEC_MAX_PAYLOAD) /* longest FEC RTP packet: 1512 */
#define PT_FEC_MAX_HELD 64       /* most FEC packets a decoder holds */

/* Media packets per parity packet for a frame of frame_packets packets at the measured loss fraction (0..1):
 * up to 10 below 1 % loss, 5 up to 5 %, 3 above (or unknown), evened out so that the frame splits into the
 * fewest groups with no group spanning beyond the frame; 0 for an empty frame. */
size_t pt_fec_group_size(size_t frame_packets, double loss_fraction);

/* Builds into out the FEC RTP packet protecting `count` (1..PT_FEC_MAX_GROUP) consecutive media RTP packets of
 * one SSRC, given in sequence order. Returns its length, or PT_ERR_INVALID_ARGUMENT (null pointer, count out of
 * range, payload type over 127, packets not consecutive or of different SSRCs), PT_ERR_MALFORMED (a packet that
 * is not a 12-byte-header RTP version 2 packet without padding, extension or CSRCs), PT_ERR_TOO_LARGE (a payload
 * over PT_FEC_MAX_PAYLOAD), PT_ERR_BUFFER_TOO_SMALL (capacity under 24 + the longest payload). */
int pt_fec_encode(const uint8_t *const *packets, const size_t *lengths, size_t count, uint8_t fec_payload_type,
                  uint32_t fec_ssrc, uint16_t fec_sequence, uint8_t *out, size_t capacity);

/* What the receiver says about one protected media sequence number. */
enum {
  PT_FEC_GONE = 0,    /* delivered already or given up on: nothing to recover (also any unknown answer) */
  PT_FEC_PRESENT = 1, /* held: *source is filled in */
  PT_FEC_MISSING = 2  /* still wanted and not received */
};

/* How the receiver describes one protected packet it holds; payload need stay valid only until the next
 * lookup call or the end of pt_fec_decoder_recover. */
typedef struct pt_fec_source {
  const uint8_t *payload; /* RTP payload, after the 12-byte header */
  size_t length;
  int marker;             /* nonzero: marker bit set */
  uint8_t payload_type;   /* 0-127 */
  uint32_t timestamp;
} pt_fec_source;

/* The receiver's view of media sequence number seq: PT_FEC_PRESENT (filling *source), PT_FEC_MISSING or
 * PT_FEC_GONE. Must answer the same within one pt_fec_decoder_recover call and must not call the decoder. */
typedef int (*pt_fec_lookup)(void *context, uint16_t seq, pt_fec_source *source);

typedef struct pt_fec_decoder pt_fec_decoder; /* opaque, heap-allocated */

/* What the decoder has seen; read by pt_fec_decoder_counters_of. */
typedef struct pt_fec_counters {
  double packets;      /* FEC packets received well-formed, duplicates included */
  double duplicates;   /* an FEC sequence number already held, again: ignored */
  double malformed;    /* refused with PT_ERR_MALFORMED */
  double recovered;    /* media packets rebuilt */
  double dropped;      /* groups dropped unused: nothing missing, a member gone, too old, or evicted when full */
  double inconsistent; /* groups dropped because the parity does not match the packets held */
  double held_packets, held_bytes; /* now held: FEC packets and their parity bytes (never over max_bytes) */
} pt_fec_counters;

/* Creates a decoder holding at most PT_FEC_MAX_HELD FEC packets and max_bytes parity bytes (at least
 * PT_FEC_MAX_PAYLOAD, else PT_ERR_INVALID_ARGUMENT); PT_ERR_NO_MEMORY. */
int pt_fec_decoder_create(pt_fec_decoder **out, size_t max_bytes);

/* Frees the decoder and everything it holds; NULL is ignored. */
void pt_fec_decoder_destroy(pt_fec_decoder *d);

/* Stores one received FEC RTP packet (after SRTP) at now_ms, dropping the oldest held ones if full. Returns PT_OK
 * (also for a duplicate FEC sequence number, ignored), PT_ERR_INVALID_ARGUMENT (null pointer), PT_ERR_MALFORMED
 * (bad RTP header, shorter than both headers, count 0 or over PT_FEC_MAX_GROUP, version not 1, parity longer than
 * PT_FEC_MAX_PAYLOAD, or length_xor impossible for the parity's length) or PT_ERR_NO_MEMORY. */
int pt_fec_decoder_add(pt_fec_decoder *d, const uint8_t *packet, size_t length, double now_ms);

/* Tries the held groups, oldest first, against lookup. Groups older than max_age_ms (>= 0), with nothing missing,
 * with a gone member, or inconsistent with the packets held are dropped; groups with two or more missing are
 * kept. The first group with exactly one missing and every other present is recovered: the media RTP packet
 * (V=2, marker and payload type, sequence number, timestamp, media_ssrc, payload) is written to out, the group
 * dropped and the packet's length returned. Returns 0 when nothing was recovered (call until 0, storing each
 * recovered packet so that lookup sees it), PT_ERR_INVALID_ARGUMENT, or PT_ERR_BUFFER_TOO_SMALL (the group is
 * kept; PT_FEC_MAX_PAYLOAD + 12 always suffices). */
int pt_fec_decoder_recover(pt_fec_decoder *d, pt_fec_lookup lookup, void *context, uint32_t media_ssrc,
                           double now_ms, double max_age_ms, uint8_t *out, size_t capacity);

/* Copies the counters. */
void pt_fec_decoder_counters_of(const pt_fec_decoder *d, pt_fec_counters *out);

#endif
