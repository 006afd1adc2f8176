#include "media/feedback.h"

#include <string.h>

#include "core/error.h"

#define PT_RTPFB 205
#define PT_APP 204
#define FMT_NACK 1
#define NOT_RECEIVED ((int16_t)-32768)
#define ARRIVALS_FIXED 32     /* APP header 12 + echo 8 + sender time 4 + base/count 4 + reference 4 */
#define SENDER_REPORT_SIZE 52 /* APP header 12 + sender time 4 + echo 8 + 6 × u32 + loss u16 + pad u16 */

static void put16(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}
static void put32(uint8_t *p, uint32_t v) {
  put16(p, v >> 16);
  put16(p + 2, v & 0xffffu);
}
static uint16_t get16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static uint32_t get32(const uint8_t *p) { return ((uint32_t)get16(p) << 16) | get16(p + 2); }

/* Writes the common header of a packet of `size` bytes (a multiple of 4) at out. */
static void put_header(uint8_t *out, uint8_t count_or_fmt, uint8_t type, size_t size) {
  out[0] = (uint8_t)(0x80 | (count_or_fmt & 0x1f));
  out[1] = type;
  put16(out + 2, (uint32_t)(size / 4 - 1));
}

static int room(size_t capacity, const size_t *offset, size_t size) {
  return *offset <= capacity && capacity - *offset >= size ? PT_OK : PT_ERR_BUFFER_TOO_SMALL;
}

int pt_feedback_is_feedback(const uint8_t *message, size_t length) {
  return message != NULL && length >= 8 && (message[0] >> 6) == 2 && message[1] >= 192 && message[1] <= 223;
}

int pt_feedback_write_nack(uint32_t media_ssrc, const uint16_t *seqs, size_t count, uint8_t *out, size_t capacity,
                           size_t *offset) {
  if (seqs == NULL || out == NULL || offset == NULL || count == 0 || count > PT_FEEDBACK_MAX_NACKS) {
    return PT_ERR_INVALID_ARGUMENT;
  }
  /* Each FCI entry names a packet id and a bitmask of the 16 after it (RFC 4585 §6.2.1). */
  uint16_t pid[PT_FEEDBACK_MAX_NACKS], blp[PT_FEEDBACK_MAX_NACKS];
  size_t entries = 0;
  for (size_t i = 0; i < count; i++) {
    size_t e = 0;
    for (; e < entries; e++) {
      uint16_t distance = (uint16_t)(seqs[i] - pid[e]);
      if (distance == 0) break;
      if (distance <= 16) {
        blp[e] |= (uint16_t)(1u << (distance - 1));
        break;
      }
    }
    if (e == entries) {
      pid[entries] = seqs[i];
      blp[entries++] = 0;
    }
  }
  size_t size = 12 + 4 * entries;
  int status = room(capacity, offset, size);
  if (status != PT_OK) return status;
  uint8_t *p = out + *offset;
  put_header(p, FMT_NACK, PT_RTPFB, size);
  put32(p + 4, 0);
  put32(p + 8, media_ssrc);
  for (size_t e = 0; e < entries; e++) {
    put16(p + 12 + 4 * e, pid[e]);
    put16(p + 14 + 4 * e, blp[e]);
  }
  *offset += size;
  return PT_OK;
}

static void put_app_header(uint8_t *p, const char name[4], uint32_t ssrc, size_t size) {
  put_header(p, 0, PT_APP, size);
  put32(p + 4, ssrc);
  memcpy(p + 8, name, 4);
}

static void put_echo(uint8_t *p, const pt_feedback_echo *echo) {
  double hold = echo->hold_ms < 0 ? 0 : echo->hold_ms > 65535 ? 65535 : echo->hold_ms;
  put32(p, echo->valid ? echo->time_ms : 0);
  put16(p + 4, echo->valid ? (uint32_t)(hold + 0.5) : 0);
  put16(p + 6, echo->valid ? 1 : 0);
}

static void get_echo(const uint8_t *p, pt_feedback_echo *echo) {
  echo->valid = get16(p + 6) & 1;
  echo->time_ms = get32(p);
  echo->hold_ms = get16(p + 4);
}

int pt_feedback_write_arrivals(const pt_feedback_arrivals *a, uint8_t *out, size_t capacity, size_t *offset) {
  if (a == NULL || out == NULL || offset == NULL || a->count > PT_FEEDBACK_MAX_ARRIVALS) return PT_ERR_INVALID_ARGUMENT;
  size_t size = (ARRIVALS_FIXED + 2u * a->count + 3u) & ~(size_t)3;
  int status = room(capacity, offset, size);
  if (status != PT_OK) return status;
  uint8_t *p = out + *offset;
  memset(p, 0, size);
  put_app_header(p, "PTAR", a->media_ssrc, size);
  put_echo(p + 12, &a->echo);
  put32(p + 20, a->sender_time_ms);
  put16(p + 24, a->base_seq);
  put16(p + 26, a->count);
  /* Times as quarter milliseconds: one reference, then a signed 16-bit offset per packet (±8 s). */
  double reference = -1;
  for (size_t i = 0; i < a->count; i++) {
    if (a->received[i]) {
      reference = a->arrival_ms[i];
      break;
    }
  }
  /* Offsets from the whole reference; only its low 32 bits travel (the host uses differences). */
  int64_t reference_q = reference >= 0 && reference < 1e15 ? (int64_t)(reference * 4.0) : 0;
  put32(p + 28, (uint32_t)reference_q);
  for (size_t i = 0; i < a->count; i++) {
    int16_t offset_q = NOT_RECEIVED;
    if (a->received[i]) {
      double q = a->arrival_ms[i] * 4.0 - (double)reference_q;
      offset_q = (int16_t)(q >= -32767 && q <= 32767 ? q : q > 0 ? 32767 : -32767); /* NaN too */
    }
    put16(p + ARRIVALS_FIXED + 2 * i, (uint16_t)offset_q);
  }
  *offset += size;
  return PT_OK;
}

int pt_feedback_write_sender_report(const pt_feedback_sender_report *r, uint8_t *out, size_t capacity,
                                    size_t *offset) {
  if (r == NULL || out == NULL || offset == NULL) return PT_ERR_INVALID_ARGUMENT;
  int status = room(capacity, offset, SENDER_REPORT_SIZE);
  if (status != PT_OK) return status;
  uint8_t *p = out + *offset;
  put_app_header(p, "PTSR", r->media_ssrc, SENDER_REPORT_SIZE);
  put32(p + 12, r->sender_time_ms);
  put_echo(p + 16, &r->echo);
  const uint32_t values[6] = {r->target_bps, r->estimate_bps, r->retransmitted, r->fec_sent, r->keyframes, r->frames_dropped};
  for (int i = 0; i < 6; i++) put32(p + 24 + 4 * i, values[i]);
  put16(p + 48, r->loss_permille);
  put16(p + 50, 0);
  *offset += SENDER_REPORT_SIZE;
  return PT_OK;
}

static int parse_nack(const uint8_t *p, size_t size, pt_feedback *f) {
  if (size < 12) return PT_ERR_MALFORMED;
  f->nack_ssrc = get32(p + 8);
  f->nack_count = 0;
  for (size_t at = 12; at + 4 <= size; at += 4) {
    uint16_t pid = get16(p + at), blp = get16(p + at + 2);
    for (int bit = -1; bit < 16; bit++) {
      if (bit >= 0 && !(blp & (1u << bit))) continue;
      if (f->nack_count == PT_FEEDBACK_MAX_NACKS) return PT_OK; /* the rest is ignored, never stored */
      f->nacks[f->nack_count++] = (uint16_t)(pid + bit + 1);
    }
  }
  return PT_OK;
}

static int parse_arrivals(const uint8_t *p, size_t size, pt_feedback_arrivals *a) {
  if (size < ARRIVALS_FIXED) return PT_ERR_MALFORMED;
  a->media_ssrc = get32(p + 4);
  get_echo(p + 12, &a->echo);
  a->sender_time_ms = get32(p + 20);
  a->base_seq = get16(p + 24);
  a->count = get16(p + 26);
  if (a->count > PT_FEEDBACK_MAX_ARRIVALS || ARRIVALS_FIXED + 2u * a->count > size) return PT_ERR_MALFORMED;
  double reference = (double)get32(p + 28) / 4.0;
  for (size_t i = 0; i < a->count; i++) {
    int16_t offset_q = (int16_t)get16(p + ARRIVALS_FIXED + 2 * i);
    a->received[i] = offset_q != NOT_RECEIVED;
    a->arrival_ms[i] = a->received[i] ? reference + offset_q / 4.0 : 0;
  }
  return PT_OK;
}

static int parse_sender_report(const uint8_t *p, size_t size, pt_feedback_sender_report *r) {
  if (size < SENDER_REPORT_SIZE) return PT_ERR_MALFORMED;
  r->media_ssrc = get32(p + 4);
  r->sender_time_ms = get32(p + 12);
  get_echo(p + 16, &r->echo);
  uint32_t *values[6] = {&r->target_bps, &r->estimate_bps, &r->retransmitted, &r->fec_sent, &r->keyframes, &r->frames_dropped};
  for (int i = 0; i < 6; i++) *values[i] = get32(p + 24 + 4 * i);
  r->loss_permille = get16(p + 48);
  return PT_OK;
}

double pt_feedback_echo_rtt(const pt_feedback_echo *echo, double now_ms, double *rtt_ms) {
  if (echo == NULL || rtt_ms == NULL || !echo->valid) return -1;
  double rtt = (double)(uint32_t)((uint32_t)(uint64_t)now_ms - echo->time_ms) - echo->hold_ms;
  if (!(rtt >= 0 && rtt < 10000)) return -1;
  *rtt_ms = *rtt_ms < 0 ? rtt : 0.8 * *rtt_ms + 0.2 * rtt;
  return rtt;
}

int pt_feedback_parse(const uint8_t *message, size_t length, pt_feedback *f) {
  if (message == NULL || f == NULL) return PT_ERR_INVALID_ARGUMENT;
  f->nack_count = 0;
  f->has_arrivals = f->has_sender_report = 0;
  if (length == 0) return PT_ERR_MALFORMED;
  for (size_t at = 0; at < length;) {
    if (length - at < 4 || (message[at] >> 6) != 2) return PT_ERR_MALFORMED;
    const uint8_t *p = message + at;
    size_t size = 4u * ((size_t)get16(p + 2) + 1);
    if (size > length - at) return PT_ERR_MALFORMED;
    int status = PT_OK;
    if (p[1] == PT_RTPFB && (p[0] & 0x1f) == FMT_NACK) {
      status = parse_nack(p, size, f);
    } else if (p[1] == PT_APP && size >= 12 && memcmp(p + 8, "PTAR", 4) == 0) {
      status = parse_arrivals(p, size, &f->arrivals);
      f->has_arrivals = status == PT_OK;
    } else if (p[1] == PT_APP && size >= 12 && memcmp(p + 8, "PTSR", 4) == 0) {
      status = parse_sender_report(p, size, &f->sender_report);
      f->has_sender_report = status == PT_OK;
    }
    if (status != PT_OK) return status;
    at += size;
  }
  return PT_OK;
}
