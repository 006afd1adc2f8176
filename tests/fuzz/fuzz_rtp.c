/* libFuzzer target for RTP: the fixed header's size (src/media/rtp_header.c) and the depacketizers of each
 * codec (src/media/rtp_depacketizer.c: H.264, VP8, Opus), with the packetizer as their oracle. The input is
 * used three ways:
 *  (a) as an RTP packet: pt_rtp_header_size is refused or is 12 + 4 × CSRC count (+ 4 + 4 × the extension's
 *      length), within the packet; recomputed here;
 *  (b) as a frame's payloads, [length u8 (255: the rest)][payload] until the end, each in a block of its size,
 *      given to every codec's depacketizer: PT_OK or PT_ERR_MALFORMED whatever the output buffer; an output
 *      within pt_rtp_depacketized_bound that a buffer of exactly its size takes again, byte-identical, and one
 *      byte less refuses (PT_ERR_BUFFER_TOO_SMALL);
 *  (c) as a frame for every codec's packetizer (packet size, sequence and timestamp from the first bytes):
 *      each packet has a plain 12-byte header, consecutive sequence numbers, one timestamp and the marker on
 *      the last only, and fits the packet size; the depacketizer takes back what the packetizer made and
 *      gives the frame again (VP8 and Opus: the same bytes; H.264: an access unit that packetizes to the
 *      same packets: start codes and trailing zeros are normalised).
 *
 * Build: cmake -DPT_FUZZ=ON with clang (see CMakeLists.txt). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "media/rtp_depacketizer.h"
#include "media/rtp_header.h"
#include "media/rtp_packetizer.h"

#include "fuzz_support.h"

#define MAX_PAYLOADS 4096
#define PAYLOAD_TYPE 96
#define SSRC 0x11223344u

static const pt_codec CODECS[] = {PT_CODEC_H264, PT_CODEC_VP8, PT_CODEC_OPUS};

/* ---- (a) ---- */

static void check_header(const uint8_t *data, size_t size) {
  uint8_t *packet = fuzz_copy(data, size, 0);
  const int header = pt_rtp_header_size(packet, size);
  if (size < 12 || (data[0] >> 6) != 2) {
    FUZZ_CHECK(header == PT_ERR_MALFORMED);
  } else {
    size_t expected = 12 + 4u * (data[0] & 0x0f);
    int fits = expected <= size;
    if (fits && (data[0] & 0x10)) {
      fits = expected + 4 <= size;
      if (fits) expected += 4 + 4u * ((size_t)data[expected + 2] << 8 | data[expected + 3]);
      fits = fits && expected <= size;
    }
    FUZZ_CHECK(fits ? header == (int)expected : header == PT_ERR_MALFORMED);
  }
  free(packet);
}

/* ---- (b) ---- */

typedef struct payload_list {
  const uint8_t *payloads[MAX_PAYLOADS];
  size_t lengths[MAX_PAYLOADS];
  size_t count;
} payload_list;

static payload_list list;

static void free_list(payload_list *l) {
  for (size_t i = 0; i < l->count; i++) free((void *)l->payloads[i]);
  l->count = 0;
}

/* Depacketizes a list with every size of output buffer that tells something; returns the status and leaves
 * the frame in a block of its size at *frame (NULL when refused). */
static int depacketize(pt_codec codec, const payload_list *l, uint8_t **frame, size_t *length, int *keyframe) {
  *frame = NULL;
  const size_t bound = pt_rtp_depacketized_bound(codec, l->lengths, l->count);
  uint8_t *out = fuzz_copy(NULL, bound, 0);
  int status = pt_rtp_depacketize(codec, l->payloads, l->lengths, l->count, out, bound, length, keyframe);
  FUZZ_CHECK(status == PT_OK || status == PT_ERR_MALFORMED);
  size_t none_length;
  int none_keyframe;
  const int without_room = pt_rtp_depacketize(codec, l->payloads, l->lengths, l->count, NULL, 0, &none_length, &none_keyframe);
  if (status != PT_OK) {
    FUZZ_CHECK(without_room == status && *length == 0 && *keyframe == 0);
    free(out);
    return status;
  }
  FUZZ_CHECK(*length <= bound && (*keyframe == 0 || *keyframe == 1));
  FUZZ_CHECK(without_room == (*length == 0 ? PT_OK : PT_ERR_BUFFER_TOO_SMALL));
  uint8_t *exact = fuzz_copy(NULL, *length, 0);
  size_t again;
  int again_keyframe;
  FUZZ_CHECK(pt_rtp_depacketize(codec, l->payloads, l->lengths, l->count, exact, *length, &again, &again_keyframe) == PT_OK);
  FUZZ_CHECK(again == *length && again_keyframe == *keyframe && (*length == 0 || memcmp(exact, out, *length) == 0));
  if (*length > 0) {
    FUZZ_CHECK(pt_rtp_depacketize(codec, l->payloads, l->lengths, l->count, exact, *length - 1, &again,
                                  &again_keyframe) == PT_ERR_BUFFER_TOO_SMALL);
  }
  free(out);
  *frame = exact;
  return PT_OK;
}

static void check_payloads(const uint8_t *data, size_t size) {
  for (size_t at = 0; at < size && list.count < MAX_PAYLOADS;) {
    size_t length = data[at++];
    if (length == 255 || length > size - at) length = size - at;
    list.lengths[list.count] = length;
    list.payloads[list.count++] = fuzz_copy(data + at, length, 0);
    at += length;
  }
  for (size_t c = 0; c < sizeof CODECS / sizeof CODECS[0]; c++) {
    uint8_t *frame;
    size_t length;
    int keyframe;
    if (depacketize(CODECS[c], &list, &frame, &length, &keyframe) != PT_OK) continue;
    if (CODECS[c] == PT_CODEC_OPUS) {
      FUZZ_CHECK(list.count == 1 && length == list.lengths[0] && memcmp(frame, list.payloads[0], length) == 0);
    }
    free(frame);
  }
  free_list(&list);
}

/* ---- (c) ---- */

typedef struct packets {
  uint8_t **data;
  size_t *lengths;
  size_t count, capacity;
} packets;

static int collect(void *context, const uint8_t *packet, size_t length) {
  packets *p = context;
  if (p->count == p->capacity) {
    p->capacity = p->capacity ? 2 * p->capacity : 64;
    p->data = realloc(p->data, p->capacity * sizeof *p->data);
    p->lengths = realloc(p->lengths, p->capacity * sizeof *p->lengths);
    FUZZ_CHECK(p->data != NULL && p->lengths != NULL);
  }
  p->data[p->count] = fuzz_copy(packet, length, 0);
  p->lengths[p->count++] = length;
  return PT_OK;
}

static void free_packets(packets *p) {
  for (size_t i = 0; i < p->count; i++) free(p->data[i]);
  free(p->data);
  free(p->lengths);
  memset(p, 0, sizeof *p);
}

static int packetize(pt_codec codec, size_t max_packet, uint16_t sequence, uint32_t timestamp, const uint8_t *frame,
                     size_t length, packets *out) {
  pt_rtp_packetizer packetizer;
  FUZZ_CHECK(pt_rtp_packetizer_init(&packetizer, codec, PAYLOAD_TYPE, SSRC, sequence, max_packet) == PT_OK);
  const int count = pt_rtp_packetize(&packetizer, frame, length, timestamp, collect, out);
  if (count < 0) {
    FUZZ_CHECK(out->count == 0);
    return count;
  }
  FUZZ_CHECK((size_t)count == out->count && count > 0 && packetizer.sequence == (uint16_t)(sequence + count));
  for (size_t i = 0; i < out->count; i++) {
    const uint8_t *packet = out->data[i];
    FUZZ_CHECK(out->lengths[i] <= max_packet && pt_rtp_header_size(packet, out->lengths[i]) == 12);
    FUZZ_CHECK(packet[0] == 0x80 && (packet[1] & 0x7f) == PAYLOAD_TYPE && (packet[1] >> 7) == (i + 1 == out->count));
    FUZZ_CHECK(((packet[2] << 8) | packet[3]) == (uint16_t)(sequence + i));
    const uint32_t ts = (uint32_t)packet[4] << 24 | (uint32_t)packet[5] << 16 | (uint32_t)packet[6] << 8 | packet[7];
    const uint32_t ssrc = (uint32_t)packet[8] << 24 | (uint32_t)packet[9] << 16 | (uint32_t)packet[10] << 8 | packet[11];
    FUZZ_CHECK(ts == timestamp && ssrc == SSRC);
    if (list.count < MAX_PAYLOADS) {
      list.lengths[list.count] = out->lengths[i] - 12;
      list.payloads[list.count++] = fuzz_copy(packet + 12, out->lengths[i] - 12, 0);
    }
  }
  return count;
}

static void check_round_trip(const uint8_t *data, size_t size) {
  if (size < 6) return;
  const size_t max_packet = PT_RTP_PACKET_MIN + (data[0] | (size_t)data[1] << 8) % (PT_RTP_PACKET_MAX - PT_RTP_PACKET_MIN + 1);
  const uint16_t sequence = (uint16_t)(data[2] << 8 | data[3]);
  const uint32_t timestamp = (uint32_t)data[4] << 24 | data[5];
  for (size_t c = 0; c < sizeof CODECS / sizeof CODECS[0]; c++) {
    const pt_codec codec = CODECS[c];
    packets made = {0};
    const int count = packetize(codec, max_packet, sequence, timestamp, data, size, &made);
    if (count < 0) {
      FUZZ_CHECK(count == (codec == PT_CODEC_H264 ? PT_ERR_MALFORMED : PT_ERR_TOO_LARGE) && codec != PT_CODEC_VP8);
      free_list(&list);
      continue;
    }
    if (list.count < (size_t)count) { /* more packets than this harness keeps */
      free_list(&list);
      free_packets(&made);
      continue;
    }
    uint8_t *frame;
    size_t length;
    int keyframe;
    FUZZ_CHECK(depacketize(codec, &list, &frame, &length, &keyframe) == PT_OK);
    free_list(&list);
    if (codec == PT_CODEC_H264) {
      packets again = {0};
      FUZZ_CHECK(packetize(codec, max_packet, sequence, timestamp, frame, length, &again) == count);
      free_list(&list);
      for (int i = 0; i < count; i++) {
        FUZZ_CHECK(again.lengths[i] == made.lengths[i] && memcmp(again.data[i], made.data[i], made.lengths[i]) == 0);
      }
      free_packets(&again);
    } else {
      FUZZ_CHECK(length == size && memcmp(frame, data, size) == 0);
      FUZZ_CHECK(keyframe == (codec == PT_CODEC_OPUS ? 1 : (data[0] & 1) == 0));
    }
    free(frame);
    free_packets(&made);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  check_header(data, size);
  check_payloads(data, size);
  check_round_trip(data, size);
  return 0;
}
