/* RTP packetization of one outgoing stream's encoded frames: H.264 (RFC 6184, packetization-mode 1:
 * single NAL unit packets, STAP-A, FU-A), VP8 (RFC 7741) and Opus (RFC 7587). Headers are RTP version
 * 2 without padding, extension or CSRCs; the marker bit is set on the last packet of each frame. */
#ifndef PT_MEDIA_RTP_PACKETIZER_H
#define PT_MEDIA_RTP_PACKETIZER_H

#include <stddef.h>
#include <stdint.h>

#define PT_RTP_PACKET_MIN 17   /* 12-byte header, 4-byte VP8 descriptor and one payload byte */
#define PT_RTP_PACKET_MAX 1500 /* an Ethernet MTU: larger packets would be fragmented anyway */
#define PT_VP8_PICTURE_ID_MASK 0x7fff

typedef enum pt_codec { PT_CODEC_H264 = 1, PT_CODEC_VP8 = 2, PT_CODEC_OPUS = 3 } pt_codec;

/* One stream's packetizer state; the fields may be read, and sequence and picture_id set, between frames. */
typedef struct pt_rtp_packetizer {
  pt_codec codec;
  uint8_t payload_type; /* 0-127 */
  uint32_t ssrc;
  uint16_t sequence;    /* sequence number of the next packet */
  uint16_t picture_id;  /* VP8: PictureID of the next frame (15 bits), 0 after init */
  size_t max_packet;    /* largest packet produced, header included */
} pt_rtp_packetizer;

/* Called once per produced RTP packet (12-byte header + payload), valid only during the call;
 * return PT_OK to continue or a negative error code to stop packetizing. */
typedef int (*pt_rtp_emit)(void *context, const uint8_t *packet, size_t length);

/* Prepares a packetizer; max_packet is the largest RTP packet to produce (header included), from
 * PT_RTP_PACKET_MIN to PT_RTP_PACKET_MAX. PT_ERR_INVALID_ARGUMENT for an unknown codec, a payload
 * type above 127 or max_packet out of range. */
int pt_rtp_packetizer_init(pt_rtp_packetizer *p, pt_codec codec, uint8_t payload_type, uint32_t ssrc,
                           uint16_t first_sequence, size_t max_packet);

/* Splits one frame into RTP packets with this RTP timestamp; the last packet has the marker bit.
 * H.264: one access unit in Annex-B format (start codes 00 00 01 or 00 00 00 01; only zero bytes may
 * precede the first, trailing zero bytes of a NAL unit are dropped); small NAL units are aggregated
 * into STAP-A packets, NAL units larger than a packet are fragmented into FU-A packets.
 * VP8: one frame; 4-byte payload descriptor with X=1, I=1 and a 15-bit PictureID that increments per
 * frame; S=1 and PID=0 on the first packet of the frame.
 * Opus: one Opus packet in exactly one RTP packet; PT_ERR_TOO_LARGE if it does not fit.
 * The frame is checked before anything is emitted. Returns the number of packets emitted, or
 * PT_ERR_INVALID_ARGUMENT (null or empty frame, bad packetizer), PT_ERR_TOO_LARGE (a frame over
 * INT_MAX bytes or an Opus packet that does not fit), PT_ERR_MALFORMED (H.264: no NAL unit, bytes
 * before the first start code, NAL type 0 or 24-31), or the emit callback's error, after which the
 * packets already emitted keep their sequence numbers (the failed one's number is not reused). */
int pt_rtp_packetize(pt_rtp_packetizer *p, const uint8_t *frame, size_t length, uint32_t rtp_timestamp,
                     pt_rtp_emit emit, void *context);

#endif
