#include "media/rtp_depacketizer.h"

#include <string.h>

#include "core/error.h"

#define H264_IDR 5
#define H264_STAP_A 24
#define H264_FU_A 28
#define H264_FU_A_HEADER 2
#define H264_STAP_A_SIZE 2
#define H264_START_CODE 4

static size_t add_saturating(size_t a, size_t b) { return b > SIZE_MAX - a ? SIZE_MAX : a + b; }

/* Where the frame goes. Writing never passes capacity; the length keeps counting past it, so that a
 * frame that does not fit is told apart from a malformed one (which is only known at the end). */
typedef struct output {
  uint8_t *data;
  size_t capacity;
  size_t length;
} output;

static void put(output *o, const uint8_t *bytes, size_t n) {
  if (n > 0 && o->length <= o->capacity && n <= o->capacity - o->length) memcpy(o->data + o->length, bytes, n);
  o->length = add_saturating(o->length, n);
}

/* ---- H.264 ---- */

/* NAL unit types that may appear inside a packet: 1-23 (0 and 30-31 are undefined, 24-29 are the
 * aggregation and fragmentation units of RFC 6184, of which only STAP-A and FU-A are supported). */
static int h264_plain_type(uint8_t type) { return type >= 1 && type <= 23; }

/* Starts a NAL unit in the output: start code and header byte. */
static void h264_begin_nal(output *o, uint8_t nal_header, int *keyframe) {
  static const uint8_t start_code[H264_START_CODE] = {0, 0, 0, 1};
  put(o, start_code, sizeof start_code);
  put(o, &nal_header, 1);
  if ((nal_header & 0x1f) == H264_IDR) *keyframe = 1;
}

static int h264_single(output *o, const uint8_t *payload, size_t length, int *keyframe) {
  h264_begin_nal(o, payload[0], keyframe);
  put(o, payload + 1, length - 1);
  return PT_OK;
}

/* STAP-A: one header byte, then (16-bit size, NAL unit) pairs filling the payload exactly. */
static int h264_stap_a(output *o, const uint8_t *payload, size_t length, int *keyframe) {
  size_t at = 1;
  if (at == length) return PT_ERR_MALFORMED; /* aggregates nothing */
  while (at < length) {
    if (length - at < H264_STAP_A_SIZE) return PT_ERR_MALFORMED;
    size_t size = ((size_t)payload[at] << 8) | payload[at + 1];
    at += H264_STAP_A_SIZE;
    if (size == 0 || size > length - at || !h264_plain_type(payload[at] & 0x1f)) return PT_ERR_MALFORMED;
    h264_begin_nal(o, payload[at], keyframe);
    put(o, payload + at + 1, size - 1);
    at += size;
  }
  return PT_OK;
}

/* The FU-A run in progress, if any. */
typedef struct fu_run {
  int open;
  uint8_t signature; /* NRI and NAL type: the same in every fragment of one NAL unit */
} fu_run;

/* FU-A: FU indicator (F, NRI, 28), FU header (S, E, R, type), then a fragment of the NAL unit body. */
static int h264_fu_a(output *o, fu_run *run, const uint8_t *payload, size_t length, int *keyframe) {
  if (length < H264_FU_A_HEADER) return PT_ERR_MALFORMED;
  uint8_t indicator = payload[0], header = payload[1];
  int start = (header & 0x80) != 0, end = (header & 0x40) != 0;
  uint8_t type = header & 0x1f;
  uint8_t signature = (uint8_t)((indicator & 0x60) | type);
  if (!h264_plain_type(type) || (start && end)) return PT_ERR_MALFORMED; /* one fragment is no FU */
  if (start) {
    if (run->open) return PT_ERR_MALFORMED; /* the previous run never ended */
    run->open = 1;
    run->signature = signature;
    h264_begin_nal(o, (uint8_t)((indicator & 0xe0) | type), keyframe);
  } else if (!run->open || run->signature != signature) {
    return PT_ERR_MALFORMED;
  }
  put(o, payload + H264_FU_A_HEADER, length - H264_FU_A_HEADER);
  if (end) run->open = 0;
  return PT_OK;
}

static int depacketize_h264(const uint8_t *const *payloads, const size_t *lengths, size_t count, output *o,
                            int *keyframe) {
  fu_run run = {0, 0};
  for (size_t i = 0; i < count; i++) {
    const uint8_t *payload = payloads[i];
    size_t length = lengths[i];
    if (length == 0) return PT_ERR_MALFORMED;
    uint8_t type = payload[0] & 0x1f;
    if (run.open && type != H264_FU_A) return PT_ERR_MALFORMED; /* a fragmented NAL unit cut short */
    int status;
    if (type == H264_FU_A) {
      status = h264_fu_a(o, &run, payload, length, keyframe);
    } else if (type == H264_STAP_A) {
      status = h264_stap_a(o, payload, length, keyframe);
    } else if (h264_plain_type(type)) {
      status = h264_single(o, payload, length, keyframe);
    } else {
      status = PT_ERR_MALFORMED; /* 0, STAP-B, MTAPs, FU-B, 30-31 */
    }
    if (status != PT_OK) return status;
  }
  return run.open ? PT_ERR_MALFORMED : PT_OK;
}

/* ---- VP8 ---- */

typedef struct vp8_descriptor {
  size_t size; /* bytes before the VP8 payload */
  int start;   /* S */
  uint8_t partition;
  int picture_id_bits; /* 0 (absent), 7 or 15 */
  uint16_t picture_id;
} vp8_descriptor;

/* Reads the payload descriptor (RFC 7741 section 4.2); the payload after it must not be empty. */
static int vp8_read_descriptor(const uint8_t *payload, size_t length, vp8_descriptor *d) {
  if (length == 0) return PT_ERR_MALFORMED;
  d->start = (payload[0] & 0x10) != 0;
  d->partition = payload[0] & 0x07;
  d->picture_id_bits = 0;
  d->picture_id = 0;
  size_t at = 1;
  if (payload[0] & 0x80) { /* X: the extension byte follows */
    if (at >= length) return PT_ERR_MALFORMED;
    uint8_t extension = payload[at++];
    if (extension & 0x80) { /* I: PictureID, 15 bits when M is set, else 7 */
      if (at >= length) return PT_ERR_MALFORMED;
      if (payload[at] & 0x80) {
        if (length - at < 2) return PT_ERR_MALFORMED;
        d->picture_id_bits = 15;
        d->picture_id = (uint16_t)(((payload[at] & 0x7f) << 8) | payload[at + 1]);
        at += 2;
      } else {
        d->picture_id_bits = 7;
        d->picture_id = payload[at++];
      }
    }
    if (extension & 0x40) at++; /* L: TL0PICIDX */
    if (extension & 0x30) at++; /* T or K: TID, Y, KEYIDX */
  }
  if (at >= length) return PT_ERR_MALFORMED; /* truncated, or no VP8 payload */
  d->size = at;
  return PT_OK;
}

static int depacketize_vp8(const uint8_t *const *payloads, const size_t *lengths, size_t count, output *o,
                           int *keyframe) {
  int first_bits = 0;
  uint16_t first_picture_id = 0;
  for (size_t i = 0; i < count; i++) {
    vp8_descriptor d;
    int status = vp8_read_descriptor(payloads[i], lengths[i], &d);
    if (status != PT_OK) return status;
    int starts_frame = d.start && d.partition == 0;
    if (starts_frame != (i == 0)) return PT_ERR_MALFORMED; /* exactly one frame start, at the front */
    if (i == 0) {
      first_bits = d.picture_id_bits;
      first_picture_id = d.picture_id;
      *keyframe = (payloads[0][d.size] & 0x01) == 0; /* the VP8 payload header's inverse key frame bit */
    } else if (d.picture_id_bits != 0 && d.picture_id_bits == first_bits && d.picture_id != first_picture_id) {
      return PT_ERR_MALFORMED; /* a packet of another frame */
    }
    put(o, payloads[i] + d.size, lengths[i] - d.size);
  }
  return PT_OK;
}

/* ---- Opus ---- */

static int depacketize_opus(const uint8_t *const *payloads, const size_t *lengths, size_t count, output *o,
                            int *keyframe) {
  if (count != 1 || lengths[0] == 0) return PT_ERR_MALFORMED;
  put(o, payloads[0], lengths[0]);
  *keyframe = 1; /* every Opus packet decodes on its own */
  return PT_OK;
}

static int codec_known(pt_codec codec) {
  return codec == PT_CODEC_H264 || codec == PT_CODEC_VP8 || codec == PT_CODEC_OPUS;
}

int pt_rtp_depacketize(pt_codec codec, const uint8_t *const *payloads, const size_t *lengths, size_t count,
                       uint8_t *out, size_t capacity, size_t *out_length, int *keyframe) {
  if (out_length != NULL) *out_length = 0;
  if (keyframe != NULL) *keyframe = 0;
  if (!codec_known(codec) || out_length == NULL || keyframe == NULL || (out == NULL && capacity > 0) ||
      (count > 0 && (payloads == NULL || lengths == NULL))) {
    return PT_ERR_INVALID_ARGUMENT;
  }
  for (size_t i = 0; i < count; i++) {
    if (payloads[i] == NULL && lengths[i] > 0) return PT_ERR_INVALID_ARGUMENT;
  }
  if (count == 0) return PT_ERR_MALFORMED;
  output o = {out, capacity, 0};
  int frame_keyframe = 0;
  int status;
  switch (codec) {
    case PT_CODEC_H264:
      status = depacketize_h264(payloads, lengths, count, &o, &frame_keyframe);
      break;
    case PT_CODEC_VP8:
      status = depacketize_vp8(payloads, lengths, count, &o, &frame_keyframe);
      break;
    default:
      status = depacketize_opus(payloads, lengths, count, &o, &frame_keyframe);
      break;
  }
  if (status != PT_OK) return status;
  if (o.length > capacity) return PT_ERR_BUFFER_TOO_SMALL;
  *out_length = o.length;
  *keyframe = frame_keyframe;
  return PT_OK;
}

/* H.264 output per payload is at most length + 4 + 2*length/3: a single NAL unit gains a 4-byte start
 * code, an FU-A start 3 bytes, and each NAL unit of a STAP-A (3+ input bytes) 2 bytes. */
static size_t h264_payload_bound(size_t length) {
  return add_saturating(add_saturating(length, H264_START_CODE), length / 3 * 2 + 2);
}

size_t pt_rtp_depacketized_bound(pt_codec codec, const size_t *lengths, size_t count) {
  if (!codec_known(codec) || (lengths == NULL && count > 0)) return 0;
  size_t bound = 0;
  for (size_t i = 0; i < count; i++) {
    bound = add_saturating(bound, codec == PT_CODEC_H264 ? h264_payload_bound(lengths[i]) : lengths[i]);
  }
  return bound;
}
