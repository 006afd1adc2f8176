#include "media/rtp_packetizer.h"

#include <limits.h>
#include <string.h>

#include "core/error.h"
#include "media/rtp_header.h"

#define H264_STAP_A 24
#define H264_FU_A 28
#define H264_FU_A_HEADER 2  /* FU indicator + FU header */
#define H264_STAP_A_SIZE 2  /* 16-bit size before each aggregated NAL unit */
#define VP8_DESCRIPTOR 4    /* X=1 byte, I=1 byte, 16-bit M=1 PictureID */

/* One frame being sent: the packet is assembled here, on the stack, so packetizers hold no buffer. */
typedef struct frame_sender {
  pt_rtp_packetizer *p;
  uint32_t timestamp;
  pt_rtp_emit emit;
  void *context;
  int emitted;
  size_t room; /* payload bytes per packet */
  uint8_t packet[PT_RTP_PACKET_MAX];
} frame_sender;

static int codec_known(pt_codec codec) {
  return codec == PT_CODEC_H264 || codec == PT_CODEC_VP8 || codec == PT_CODEC_OPUS;
}

/* The fields are public, so every call re-checks the ones that guard the packet buffer and header. */
static int packetizer_valid(const pt_rtp_packetizer *p) {
  return p != NULL && codec_known(p->codec) && p->payload_type <= 127 && p->max_packet >= PT_RTP_PACKET_MIN &&
         p->max_packet <= PT_RTP_PACKET_MAX;
}

int pt_rtp_packetizer_init(pt_rtp_packetizer *p, pt_codec codec, uint8_t payload_type, uint32_t ssrc,
                           uint16_t first_sequence, size_t max_packet) {
  if (p == NULL) return PT_ERR_INVALID_ARGUMENT;
  pt_rtp_packetizer candidate = {codec, payload_type, ssrc, first_sequence, 0, max_packet};
  if (!packetizer_valid(&candidate)) return PT_ERR_INVALID_ARGUMENT;
  *p = candidate;
  return PT_OK;
}

static void put32(uint8_t *out, uint32_t value) {
  out[0] = (uint8_t)(value >> 24);
  out[1] = (uint8_t)(value >> 16);
  out[2] = (uint8_t)(value >> 8);
  out[3] = (uint8_t)value;
}

static uint8_t *payload_of(frame_sender *s) { return s->packet + PT_RTP_FIXED_HEADER; }

/* Writes the header in front of the payload already in s->packet and hands the packet out. The
 * sequence number is spent even if emit fails: the packet may have left, and SRTP refuses reuse. */
static int send_packet(frame_sender *s, size_t payload_length, int marker) {
  pt_rtp_packetizer *p = s->p;
  s->packet[0] = 0x80; /* version 2, no padding, no extension, no CSRC */
  s->packet[1] = (uint8_t)((marker ? 0x80 : 0) | p->payload_type);
  s->packet[2] = (uint8_t)(p->sequence >> 8);
  s->packet[3] = (uint8_t)p->sequence;
  put32(s->packet + 4, s->timestamp);
  put32(s->packet + 8, p->ssrc);
  p->sequence = (uint16_t)(p->sequence + 1);
  s->emitted++;
  int status = s->emit(s->context, s->packet, PT_RTP_FIXED_HEADER + payload_length);
  return status < 0 ? status : PT_OK;
}

/* Splits `total` bytes into the fewest pieces of at most `room` bytes, all within one byte of each
 * other in size (no runt last packet). Piece i of `count` is `base + (i < extra)` bytes. */
typedef struct even_split {
  size_t count, base, extra;
} even_split;

static even_split split_evenly(size_t total, size_t room) {
  even_split split;
  split.count = total / room + (total % room != 0);
  split.base = total / split.count;
  split.extra = total % split.count;
  return split;
}

/* ---- H.264 ---- */

/* Index just past the first 00 00 01 that starts at or after `from`, or 0 if there is none. */
static size_t after_start_code(const uint8_t *data, size_t length, size_t from) {
  size_t i = from + 2; /* the position of the 01 */
  while (i < length) {
    const uint8_t *one = memchr(data + i, 1, length - i);
    if (one == NULL) return 0;
    i = (size_t)(one - data);
    if (data[i - 1] == 0 && data[i - 2] == 0) return i + 1;
    i++;
  }
  return 0;
}

/* Walks the NAL units of an Annex-B access unit. */
typedef struct nal_walker {
  const uint8_t *data;
  size_t length;
  size_t next; /* start of the next NAL unit, 0 when done */
} nal_walker;

/* Starts a walk; PT_ERR_MALFORMED if anything but zero bytes comes before the first start code. */
static int nal_walk_start(nal_walker *w, const uint8_t *data, size_t length) {
  w->data = data;
  w->length = length;
  w->next = after_start_code(data, length, 0);
  if (w->next == 0) return PT_ERR_MALFORMED;
  for (size_t i = 0; i + 3 < w->next; i++) {
    if (data[i] != 0) return PT_ERR_MALFORMED;
  }
  return PT_OK;
}

/* Yields the next non-empty NAL unit without its trailing zero bytes (a NAL unit never ends in 0x00:
 * they are the zero_byte of a 4-byte start code or trailing_zero_8bits). Returns 0 when done. */
static int nal_walk_next(nal_walker *w, const uint8_t **nal, size_t *nal_length) {
  while (w->next != 0) {
    size_t start = w->next;
    w->next = start < w->length ? after_start_code(w->data, w->length, start) : 0;
    size_t end = w->next != 0 ? w->next - 3 : w->length;
    while (end > start && w->data[end - 1] == 0) end--;
    if (end > start) {
      *nal = w->data + start;
      *nal_length = end - start;
      return 1;
    }
  }
  return 0;
}

/* Types 24-31 would read as aggregation or fragmentation units on the wire; 0 is unspecified. */
static int h264_type_sendable(uint8_t nal_header) {
  uint8_t type = nal_header & 0x1f;
  return type >= 1 && type <= 23;
}

/* Counts the NAL units and checks their types, so that a bad access unit emits nothing. */
static int h264_count_nal_units(const uint8_t *frame, size_t length, size_t *count) {
  nal_walker w;
  int status = nal_walk_start(&w, frame, length);
  if (status != PT_OK) return status;
  const uint8_t *nal;
  size_t nal_length;
  *count = 0;
  while (nal_walk_next(&w, &nal, &nal_length)) {
    if (!h264_type_sendable(nal[0])) return PT_ERR_MALFORMED;
    (*count)++;
  }
  return *count > 0 ? PT_OK : PT_ERR_MALFORMED;
}

/* NAL units waiting to go out together: one is sent as a single NAL unit packet; from two on they
 * are a STAP-A, built in the packet buffer as they come. */
typedef struct h264_pending {
  const uint8_t *first;
  size_t first_length;
  size_t count;
  size_t stap_length; /* STAP-A payload bytes so far (count >= 2) */
  uint8_t stap_header; /* F: OR of all, NRI: highest of all */
} h264_pending;

static void stap_append(frame_sender *s, h264_pending *pending, const uint8_t *nal, size_t nal_length) {
  uint8_t *at = payload_of(s) + pending->stap_length;
  at[0] = (uint8_t)(nal_length >> 8);
  at[1] = (uint8_t)nal_length;
  memcpy(at + H264_STAP_A_SIZE, nal, nal_length);
  pending->stap_length += H264_STAP_A_SIZE + nal_length;
  uint8_t nri = (uint8_t)(nal[0] & 0x60);
  if (nri > (pending->stap_header & 0x60)) pending->stap_header = (uint8_t)((pending->stap_header & 0x9f) | nri);
  pending->stap_header |= (uint8_t)(nal[0] & 0x80);
}

/* Adds the NAL unit to the pending ones if a STAP-A of them all still fits; returns 0 if not. */
static int h264_try_pend(frame_sender *s, h264_pending *pending, const uint8_t *nal, size_t nal_length) {
  if (pending->count == 0) {
    pending->first = nal;
    pending->first_length = nal_length;
    pending->count = 1;
    return 1;
  }
  size_t stap_length = pending->count == 1 ? 1 + H264_STAP_A_SIZE + pending->first_length : pending->stap_length;
  if (stap_length + H264_STAP_A_SIZE + nal_length > s->room) return 0;
  if (pending->count == 1) {
    pending->stap_length = 1;
    pending->stap_header = H264_STAP_A;
    stap_append(s, pending, pending->first, pending->first_length);
  }
  stap_append(s, pending, nal, nal_length);
  pending->count++;
  return 1;
}

static int h264_flush(frame_sender *s, h264_pending *pending, int marker) {
  size_t count = pending->count;
  pending->count = 0;
  if (count == 0) return PT_OK;
  if (count == 1) {
    memcpy(payload_of(s), pending->first, pending->first_length);
    return send_packet(s, pending->first_length, marker);
  }
  payload_of(s)[0] = pending->stap_header;
  return send_packet(s, pending->stap_length, marker);
}

/* Sends a NAL unit too large for one packet as FU-A fragments; its header byte travels split between
 * the FU indicator (F, NRI) and the FU header (type). Always two or more fragments, as RFC 6184 asks. */
static int h264_send_fu_a(frame_sender *s, const uint8_t *nal, size_t nal_length, int last_nal) {
  even_split split = split_evenly(nal_length - 1, s->room - H264_FU_A_HEADER);
  const uint8_t *at = nal + 1;
  for (size_t i = 0; i < split.count; i++) {
    size_t size = split.base + (i < split.extra);
    int first = i == 0, last = i + 1 == split.count;
    uint8_t *payload = payload_of(s);
    payload[0] = (uint8_t)((nal[0] & 0xe0) | H264_FU_A);
    payload[1] = (uint8_t)((first ? 0x80 : 0) | (last ? 0x40 : 0) | (nal[0] & 0x1f));
    memcpy(payload + H264_FU_A_HEADER, at, size);
    at += size;
    int status = send_packet(s, H264_FU_A_HEADER + size, last_nal && last);
    if (status != PT_OK) return status;
  }
  return PT_OK;
}

static int packetize_h264(frame_sender *s, const uint8_t *frame, size_t length) {
  size_t nal_count;
  int status = h264_count_nal_units(frame, length, &nal_count);
  if (status != PT_OK) return status;
  nal_walker w;
  nal_walk_start(&w, frame, length); /* cannot fail: h264_count_nal_units walked it already */
  h264_pending pending = {0};
  const uint8_t *nal;
  size_t nal_length;
  for (size_t index = 0; nal_walk_next(&w, &nal, &nal_length); index++) {
    if (nal_length <= s->room && h264_try_pend(s, &pending, nal, nal_length)) continue;
    status = h264_flush(s, &pending, 0);
    if (status != PT_OK) return status;
    if (nal_length > s->room) {
      status = h264_send_fu_a(s, nal, nal_length, index + 1 == nal_count);
      if (status != PT_OK) return status;
    } else {
      h264_try_pend(s, &pending, nal, nal_length); /* always succeeds: nothing is pending */
    }
  }
  return h264_flush(s, &pending, 1);
}

/* ---- VP8 ---- */

static int packetize_vp8(frame_sender *s, const uint8_t *frame, size_t length) {
  uint16_t picture_id = (uint16_t)(s->p->picture_id & PT_VP8_PICTURE_ID_MASK);
  /* Spent even if emit fails, like sequence numbers: a receiver must not merge two frames. */
  s->p->picture_id = (uint16_t)((picture_id + 1) & PT_VP8_PICTURE_ID_MASK);
  even_split split = split_evenly(length, s->room - VP8_DESCRIPTOR);
  for (size_t i = 0; i < split.count; i++) {
    size_t size = split.base + (i < split.extra);
    uint8_t *payload = payload_of(s);
    payload[0] = (uint8_t)(0x80 | (i == 0 ? 0x10 : 0)); /* X=1, S on the first packet, PID=0 */
    payload[1] = 0x80;                                  /* I=1: a PictureID follows */
    payload[2] = (uint8_t)(0x80 | (picture_id >> 8));   /* M=1: 15-bit PictureID */
    payload[3] = (uint8_t)picture_id;
    memcpy(payload + VP8_DESCRIPTOR, frame, size);
    frame += size;
    int status = send_packet(s, VP8_DESCRIPTOR + size, i + 1 == split.count);
    if (status != PT_OK) return status;
  }
  return PT_OK;
}

/* ---- Opus ---- */

static int packetize_opus(frame_sender *s, const uint8_t *frame, size_t length) {
  if (length > s->room) return PT_ERR_TOO_LARGE;
  memcpy(payload_of(s), frame, length);
  return send_packet(s, length, 1);
}

int pt_rtp_packetize(pt_rtp_packetizer *p, const uint8_t *frame, size_t length, uint32_t rtp_timestamp,
                     pt_rtp_emit emit, void *context) {
  if (!packetizer_valid(p) || frame == NULL || length == 0 || emit == NULL) return PT_ERR_INVALID_ARGUMENT;
  /* Every packet carries at least one frame byte, so the packet count fits the int result. */
  if (length > INT_MAX) return PT_ERR_TOO_LARGE;
  frame_sender s;
  s.p = p;
  s.timestamp = rtp_timestamp;
  s.emit = emit;
  s.context = context;
  s.emitted = 0;
  s.room = p->max_packet - PT_RTP_FIXED_HEADER;
  int status;
  switch (p->codec) {
    case PT_CODEC_H264:
      status = packetize_h264(&s, frame, length);
      break;
    case PT_CODEC_VP8:
      status = packetize_vp8(&s, frame, length);
      break;
    default:
      status = packetize_opus(&s, frame, length);
      break;
  }
  return status != PT_OK ? status : s.emitted;
}
