#include "media/rtp_packetizer.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "media/rtp_depacketizer.h"
#include "media/rtp_header.h"

/* ---- Collecting what a packetizer emits ---- */

/* Every packet of one frame, as emitted, each in its own exact-size allocation (ASan sees overruns). */
typedef struct packets {
  uint8_t **data;
  size_t *length;
  size_t count, capacity;
  long fail_at; /* collect() refuses the packet with this index; -1 for never */
  size_t calls;
} packets;

static int collect(void *context, const uint8_t *packet, size_t length) {
  packets *list = context;
  if (list->fail_at >= 0 && list->calls++ == (size_t)list->fail_at) return PT_ERR_QUEUE_FULL;
  if (list->count == list->capacity) {
    list->capacity = list->capacity ? list->capacity * 2 : 16;
    list->data = realloc(list->data, list->capacity * sizeof *list->data);
    list->length = realloc(list->length, list->capacity * sizeof *list->length);
    CHECK(list->data != NULL && list->length != NULL);
  }
  list->data[list->count] = malloc(length);
  CHECK(list->data[list->count] != NULL);
  memcpy(list->data[list->count], packet, length);
  list->length[list->count++] = length;
  return PT_OK;
}

static packets packets_new(void) {
  packets list = {NULL, NULL, 0, 0, -1, 0};
  return list;
}

static void packets_clear(packets *list) {
  for (size_t i = 0; i < list->count; i++) free(list->data[i]);
  list->count = 0;
  list->calls = 0;
}

static void packets_free(packets *list) {
  packets_clear(list);
  free(list->data);
  free(list->length);
}

static const uint8_t *payload_of(const packets *list, size_t i, size_t *length) {
  int header = pt_rtp_header_size(list->data[i], list->length[i]);
  CHECK_EQ(header, PT_RTP_FIXED_HEADER);
  *length = list->length[i] - (size_t)header;
  return list->data[i] + header;
}

/* Checks every header of one frame: version 2 and nothing optional, marker only on the last packet,
 * consecutive (wrapping) sequence numbers from `first_sequence`, the timestamp, SSRC and payload type. */
static void check_headers(const packets *list, const pt_rtp_packetizer *p, uint16_t first_sequence,
                          uint32_t timestamp) {
  CHECK(list->count > 0);
  for (size_t i = 0; i < list->count; i++) {
    const uint8_t *h = list->data[i];
    CHECK(list->length[i] > PT_RTP_FIXED_HEADER && list->length[i] <= p->max_packet);
    CHECK_EQ(h[0], 0x80);
    CHECK_EQ(h[1] >> 7, i + 1 == list->count);
    CHECK_EQ(h[1] & 0x7f, p->payload_type);
    CHECK_EQ((h[2] << 8) | h[3], (uint16_t)(first_sequence + i));
    CHECK_EQ(((uint32_t)h[4] << 24) | ((uint32_t)h[5] << 16) | ((uint32_t)h[6] << 8) | h[7], timestamp);
    CHECK_EQ(((uint32_t)h[8] << 24) | ((uint32_t)h[9] << 16) | ((uint32_t)h[10] << 8) | h[11], p->ssrc);
  }
  CHECK_EQ(p->sequence, (uint16_t)(first_sequence + list->count));
}

/* Depacketizes the collected packets into an exact-size buffer of the documented bound. Returns the
 * status; on success *frame is the malloc'd frame. */
static int depacketize_list(pt_codec codec, const packets *list, uint8_t **frame, size_t *length, int *keyframe) {
  const uint8_t **payloads = malloc((list->count + 1) * sizeof *payloads);
  size_t *lengths = malloc((list->count + 1) * sizeof *lengths);
  CHECK(payloads != NULL && lengths != NULL);
  for (size_t i = 0; i < list->count; i++) payloads[i] = payload_of(list, i, &lengths[i]);
  size_t bound = pt_rtp_depacketized_bound(codec, lengths, list->count);
  *frame = malloc(bound + 1);
  CHECK(*frame != NULL);
  int status = pt_rtp_depacketize(codec, payloads, lengths, list->count, *frame, bound, length, keyframe);
  if (status == PT_OK) CHECK(*length <= bound);
  free(payloads);
  free(lengths);
  return status;
}

/* Packetizes one frame, checks the headers, depacketizes and compares with `expected`. */
static void round_trip(pt_rtp_packetizer *p, const uint8_t *frame, size_t length, uint32_t timestamp,
                       packets *list, const uint8_t *expected, size_t expected_length, int expected_keyframe) {
  packets_clear(list);
  uint16_t first_sequence = p->sequence;
  int emitted = pt_rtp_packetize(p, frame, length, timestamp, collect, list);
  CHECK_EQ(emitted, (long long)list->count);
  check_headers(list, p, first_sequence, timestamp);
  uint8_t *rebuilt;
  size_t rebuilt_length;
  int keyframe;
  CHECK_EQ(depacketize_list(p->codec, list, &rebuilt, &rebuilt_length, &keyframe), PT_OK);
  CHECK_EQ(rebuilt_length, expected_length);
  CHECK(memcmp(rebuilt, expected, expected_length) == 0);
  CHECK_EQ(keyframe, expected_keyframe);
  free(rebuilt);
}

/* ---- H.264 access units ---- */

/* An access unit as sent (mixed start codes) and as it must come back (4-byte start codes). */
typedef struct access_unit {
  uint8_t *frame, *expected;
  size_t length, expected_length, capacity;
} access_unit;

static access_unit au_new(size_t capacity) {
  access_unit au = {malloc(capacity), malloc(capacity), 0, 0, capacity};
  CHECK(au.frame != NULL && au.expected != NULL);
  return au;
}

static void au_free(access_unit *au) {
  free(au->frame);
  free(au->expected);
}

/* Appends a NAL unit of `size` bytes: `header`, then bytes that never form a start code. */
static void add_nal(access_unit *au, int start_code_length, uint8_t header, size_t size) {
  static const uint8_t four[4] = {0, 0, 0, 1};
  CHECK(au->length + 4 + size <= au->capacity && au->expected_length + 4 + size <= au->capacity);
  memcpy(au->frame + au->length, four + 4 - start_code_length, (size_t)start_code_length);
  au->length += (size_t)start_code_length;
  memcpy(au->expected + au->expected_length, four, 4);
  au->expected_length += 4;
  for (size_t i = 0; i < size; i++) {
    uint8_t byte = i == 0 ? header : (uint8_t)(1 + (i * 31 + au->length) % 255);
    au->frame[au->length++] = byte;
    au->expected[au->expected_length++] = byte;
  }
}

static void test_h264_parameter_sets_and_idr(void) {
  pt_rtp_packetizer p;
  CHECK_EQ(pt_rtp_packetizer_init(&p, PT_CODEC_H264, 96, 0x11223344, 1000, 1200), PT_OK);
  access_unit au = au_new(8000);
  add_nal(&au, 4, 0x67, 12);   /* SPS */
  add_nal(&au, 3, 0x68, 4);    /* PPS */
  add_nal(&au, 3, 0x65, 5000); /* IDR slice */
  packets list = packets_new();
  round_trip(&p, au.frame, au.length, 90000, &list, au.expected, au.expected_length, 1);

  /* SPS and PPS share a STAP-A; the IDR slice goes as 5 FU-A fragments of 1186 bytes or less. */
  CHECK_EQ(list.count, 6);
  size_t length;
  const uint8_t *stap = payload_of(&list, 0, &length);
  CHECK_EQ(length, 1 + 2 + 12 + 2 + 4);
  CHECK_EQ(stap[0], 0x78); /* F=0, NRI=3, type 24 */
  CHECK(stap[1] == 0 && stap[2] == 12 && stap[3] == 0x67);
  CHECK(memcmp(stap + 3, au.frame + 4, 12) == 0);
  CHECK(stap[15] == 0 && stap[16] == 4 && stap[17] == 0x68);
  for (size_t i = 1; i < list.count; i++) {
    const uint8_t *fu = payload_of(&list, i, &length);
    CHECK_EQ(fu[0], 0x7c); /* NRI=3, type 28 */
    CHECK_EQ(fu[1], (i == 1 ? 0x80 : 0) | (i + 1 == list.count ? 0x40 : 0) | 5);
    CHECK(length >= 1000); /* fragments are even: no runt */
  }
  packets_free(&list);
  au_free(&au);
}

static void test_h264_large_access_unit_with_slices(void) {
  pt_rtp_packetizer p;
  CHECK_EQ(pt_rtp_packetizer_init(&p, PT_CODEC_H264, 102, 7, 65500, 1200), PT_OK);
  access_unit au = au_new(210000);
  add_nal(&au, 4, 0x67, 20);
  add_nal(&au, 4, 0x68, 6);
  for (int slice = 0; slice < 4; slice++) add_nal(&au, slice % 2 ? 3 : 4, 0x65, 50000);
  CHECK(au.length > 200000);
  packets list = packets_new();
  round_trip(&p, au.frame, au.length, 0xfffffff0u, &list, au.expected, au.expected_length, 1);
  CHECK(list.count > 100);
  /* The run crossed 65535 -> 0 (check_headers also verified every step). */
  size_t wrap = 65536 - 65500;
  CHECK(list.data[wrap - 1][2] == 0xff && list.data[wrap - 1][3] == 0xff);
  CHECK(list.data[wrap][2] == 0 && list.data[wrap][3] == 0);
  packets_free(&list);
  au_free(&au);
}

static uint8_t nal_type_of(const packets *list, size_t i) {
  size_t length;
  return payload_of(list, i, &length)[0] & 0x1f;
}

static void test_h264_small_slices_aggregate(void) {
  pt_rtp_packetizer p;
  CHECK_EQ(pt_rtp_packetizer_init(&p, PT_CODEC_H264, 96, 1, 0, 1200), PT_OK);
  access_unit au = au_new(10000);
  add_nal(&au, 4, 0x09, 2); /* access unit delimiter */
  for (int slice = 0; slice < 30; slice++) add_nal(&au, 3, 0x41, 100);
  add_nal(&au, 3, 0x41, 1188); /* exactly one packet's payload */
  add_nal(&au, 3, 0x41, 1189); /* one byte more */
  packets list = packets_new();
  round_trip(&p, au.frame, au.length, 1234, &list, au.expected, au.expected_length, 0);
  /* 11 NAL units of 102 bytes fit a STAP-A of 1188: AUD + 11, 11, 8; then single; then 2 FU-A. */
  uint8_t types[] = {24, 24, 24, 1, 28, 28};
  CHECK_EQ(list.count, sizeof types);
  for (size_t i = 0; i < list.count; i++) CHECK_EQ(nal_type_of(&list, i), types[i]);
  CHECK_EQ(list.length[3], 1200);
  /* A small NAL unit after a fragmented one ends the frame in its own packet, with the marker. */
  access_unit tail = au_new(4000);
  add_nal(&tail, 4, 0x65, 3000);
  add_nal(&tail, 3, 0x06, 10); /* SEI */
  round_trip(&p, tail.frame, tail.length, 1235, &list, tail.expected, tail.expected_length, 1);
  CHECK_EQ(nal_type_of(&list, list.count - 1), 6);
  packets_free(&list);
  au_free(&tail);
  au_free(&au);
}

static void test_h264_annexb_edges(void) {
  pt_rtp_packetizer p;
  CHECK_EQ(pt_rtp_packetizer_init(&p, PT_CODEC_H264, 96, 1, 0, 1200), PT_OK);
  packets list = packets_new();
  /* Leading zero bytes, an empty NAL unit and trailing zero bytes are dropped. */
  static const uint8_t frame[] = {0, 0, 0, 0, 0, 1, 0x41, 7, 0, 0, 1, 0, 0, 0, 1, 0x41, 8, 0, 0, 0};
  static const uint8_t expected[] = {0, 0, 0, 1, 0x41, 7, 0, 0, 0, 1, 0x41, 8};
  round_trip(&p, frame, sizeof frame, 1, &list, expected, sizeof expected, 0);
  CHECK_EQ(list.count, 1);
  CHECK_EQ(nal_type_of(&list, 0), 24);
  /* One-byte NAL unit alone: a single NAL unit packet. */
  static const uint8_t end_of_stream[] = {0, 0, 1, 0x0b};
  static const uint8_t end_expected[] = {0, 0, 0, 1, 0x0b};
  round_trip(&p, end_of_stream, sizeof end_of_stream, 2, &list, end_expected, sizeof end_expected, 0);
  CHECK_EQ(list.count, 1);
  CHECK_EQ(list.length[0], 13);

  /* A STAP-A header carries the highest NRI and the OR of the F bits of what it holds. */
  static const uint8_t mixed[] = {0, 0, 1, 0x06, 5, 0, 0, 1, 0x41, 6, 0, 0, 1, 0x86, 7};
  static const uint8_t mixed_expected[] = {0, 0, 0, 1, 0x06, 5, 0, 0, 0, 1, 0x41, 6, 0, 0, 0, 1, 0x86, 7};
  round_trip(&p, mixed, sizeof mixed, 3, &list, mixed_expected, sizeof mixed_expected, 0);
  CHECK_EQ(list.count, 1);
  CHECK_EQ(list.data[0][PT_RTP_FIXED_HEADER], 0x80 | 0x40 | 24);

  /* Refused before anything is emitted. */
  uint16_t sequence = p.sequence;
  static const uint8_t no_start_code[] = {0x65, 1, 2, 3};
  static const uint8_t only_start_codes[] = {0, 0, 1, 0, 0, 0, 1};
  static const uint8_t only_zeros[] = {0, 0, 0, 0};
  static const uint8_t garbage_first[] = {0x12, 0, 0, 1, 0x65, 1};
  static const uint8_t stap_inside[] = {0, 0, 1, 0x65, 1, 0, 0, 1, 0x78, 1};
  static const uint8_t fu_inside[] = {0, 0, 1, 0x7c, 1};
  static const uint8_t type_zero[] = {0, 0, 1, 0x00, 1};
  static const uint8_t type_31[] = {0, 0, 1, 0x1f, 1};
  const uint8_t *bad[] = {no_start_code, only_start_codes, only_zeros, garbage_first, stap_inside,
                          fu_inside,     type_zero,        type_31};
  size_t bad_length[] = {sizeof no_start_code, sizeof only_start_codes, sizeof only_zeros, sizeof garbage_first,
                         sizeof stap_inside,   sizeof fu_inside,        sizeof type_zero,  sizeof type_31};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    packets_clear(&list);
    CHECK_EQ(pt_rtp_packetize(&p, bad[i], bad_length[i], 3, collect, &list), PT_ERR_MALFORMED);
    CHECK_EQ(list.count, 0);
    CHECK_EQ(p.sequence, sequence);
  }
  packets_free(&list);
}

static void test_h264_keyframe_detection(void) {
  uint8_t out[64];
  size_t length;
  int keyframe;
  static const uint8_t p_slice[] = {0x41, 0x9a, 0x10};
  static const uint8_t idr_slice[] = {0x65, 0x88, 0x10};
  static const uint8_t stap_with_idr[] = {0x78, 0, 2, 0x67, 0x42, 0, 3, 0x65, 0x88, 0x10};
  static const uint8_t fu_idr_start[] = {0x7c, 0x85, 1, 2};
  static const uint8_t fu_idr_end[] = {0x7c, 0x45, 3};
  const uint8_t *payloads[2] = {p_slice, NULL};
  size_t lengths[2] = {sizeof p_slice, 0};
  CHECK_EQ(pt_rtp_depacketize(PT_CODEC_H264, payloads, lengths, 1, out, sizeof out, &length, &keyframe), PT_OK);
  CHECK_EQ(keyframe, 0);
  payloads[0] = idr_slice;
  CHECK_EQ(pt_rtp_depacketize(PT_CODEC_H264, payloads, lengths, 1, out, sizeof out, &length, &keyframe), PT_OK);
  CHECK_EQ(keyframe, 1);
  payloads[0] = stap_with_idr;
  lengths[0] = sizeof stap_with_idr;
  CHECK_EQ(pt_rtp_depacketize(PT_CODEC_H264, payloads, lengths, 1, out, sizeof out, &length, &keyframe), PT_OK);
  CHECK_EQ(keyframe, 1);
  static const uint8_t stap_expected[] = {0, 0, 0, 1, 0x67, 0x42, 0, 0, 0, 1, 0x65, 0x88, 0x10};
  CHECK_EQ(length, sizeof stap_expected);
  CHECK(memcmp(out, stap_expected, length) == 0);
  payloads[0] = fu_idr_start;
  payloads[1] = fu_idr_end;
  lengths[0] = sizeof fu_idr_start;
  lengths[1] = sizeof fu_idr_end;
  CHECK_EQ(pt_rtp_depacketize(PT_CODEC_H264, payloads, lengths, 2, out, sizeof out, &length, &keyframe), PT_OK);
  CHECK_EQ(keyframe, 1);
  static const uint8_t fu_expected[] = {0, 0, 0, 1, 0x65, 1, 2, 3};
  CHECK_EQ(length, sizeof fu_expected);
  CHECK(memcmp(out, fu_expected, length) == 0);
}

/* ---- VP8 ---- */

static uint16_t vp8_picture_id(const packets *list, size_t i) {
  size_t length;
  const uint8_t *d = payload_of(list, i, &length);
  CHECK(d[2] & 0x80); /* M: 15 bits */
  return (uint16_t)(((d[2] & 0x7f) << 8) | d[3]);
}

static void test_vp8_round_trips(void) {
  pt_rtp_packetizer p;
  CHECK_EQ(pt_rtp_packetizer_init(&p, PT_CODEC_VP8, 100, 0xcafef00d, 65530, 1200), PT_OK);
  size_t sizes[] = {1, 1, 1184, 1185, 150000};
  int keyframes[] = {1, 0, 1, 0, 1};
  size_t expected_packets[] = {1, 1, 1, 2, 127};
  uint8_t *frame = malloc(150000);
  CHECK(frame != NULL);
  packets list = packets_new();
  for (size_t f = 0; f < sizeof sizes / sizeof sizes[0]; f++) {
    for (size_t i = 0; i < sizes[f]; i++) frame[i] = (uint8_t)(i * 13 + f);
    frame[0] = (uint8_t)((frame[0] & 0xfe) | !keyframes[f]); /* P bit: 0 on key frames */
    round_trip(&p, frame, sizes[f], (uint32_t)(f * 3000), &list, frame, sizes[f], keyframes[f]);
    CHECK_EQ(list.count, expected_packets[f]);
    for (size_t i = 0; i < list.count; i++) {
      size_t length;
      const uint8_t *d = payload_of(&list, i, &length);
      CHECK_EQ(d[0], i == 0 ? 0x90 : 0x80); /* X=1, S on the first only, PID=0 */
      CHECK_EQ(d[1], 0x80);                 /* I=1 */
      CHECK_EQ(vp8_picture_id(&list, i), f);
    }
  }
  CHECK_EQ(p.picture_id, 5);
  free(frame);
  packets_free(&list);
}

static void test_vp8_picture_id_wraps(void) {
  pt_rtp_packetizer p;
  CHECK_EQ(pt_rtp_packetizer_init(&p, PT_CODEC_VP8, 100, 1, 0, 1200), PT_OK);
  packets list = packets_new();
  uint8_t frame[3] = {0x01, 2, 3};
  for (uint32_t f = 0; f < 0x8000 + 3; f++) {
    packets_clear(&list);
    CHECK_EQ(pt_rtp_packetize(&p, frame, sizeof frame, f, collect, &list), 1);
    CHECK_EQ(vp8_picture_id(&list, 0), f & 0x7fff);
  }
  p.picture_id = 0xffff; /* set from outside: only 15 bits are used */
  packets_clear(&list);
  CHECK_EQ(pt_rtp_packetize(&p, frame, sizeof frame, 0, collect, &list), 1);
  CHECK_EQ(vp8_picture_id(&list, 0), 0x7fff);
  CHECK_EQ(p.picture_id, 0);
  packets_free(&list);
}

/* ---- Opus ---- */

static void test_opus(void) {
  pt_rtp_packetizer p;
  CHECK_EQ(pt_rtp_packetizer_init(&p, PT_CODEC_OPUS, 111, 0x0badcafe, 65534, 1200), PT_OK);
  uint8_t frame[1200];
  for (size_t i = 0; i < sizeof frame; i++) frame[i] = (uint8_t)(i * 7 + 3);
  packets list = packets_new();
  size_t sizes[] = {1, 160, 1188};
  for (size_t f = 0; f < 3; f++) {
    round_trip(&p, frame, sizes[f], (uint32_t)(f * 960), &list, frame, sizes[f], 1);
    CHECK_EQ(list.count, 1);
  }
  CHECK_EQ(list.length[0], 1200);
  CHECK_EQ(p.sequence, 1); /* 65534, 65535, 0 */
  packets_clear(&list);
  CHECK_EQ(pt_rtp_packetize(&p, frame, 1189, 0, collect, &list), PT_ERR_TOO_LARGE);
  CHECK_EQ(list.count, 0);
  CHECK_EQ(p.sequence, 1);
  packets_free(&list);
}

/* ---- Packetizer arguments ---- */

static void test_packetizer_arguments(void) {
  pt_rtp_packetizer p;
  CHECK_EQ(pt_rtp_packetizer_init(NULL, PT_CODEC_H264, 96, 1, 0, 1200), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_rtp_packetizer_init(&p, (pt_codec)0, 96, 1, 0, 1200), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_rtp_packetizer_init(&p, (pt_codec)4, 96, 1, 0, 1200), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_rtp_packetizer_init(&p, PT_CODEC_H264, 128, 1, 0, 1200), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_rtp_packetizer_init(&p, PT_CODEC_H264, 96, 1, 0, PT_RTP_PACKET_MIN - 1), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_rtp_packetizer_init(&p, PT_CODEC_H264, 96, 1, 0, PT_RTP_PACKET_MAX + 1), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_rtp_packetizer_init(&p, PT_CODEC_VP8, 127, 1, 0, PT_RTP_PACKET_MIN), PT_OK);

  packets list = packets_new();
  uint8_t frame[100] = {0x10};
  CHECK_EQ(pt_rtp_packetize(NULL, frame, 1, 0, collect, &list), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_rtp_packetize(&p, NULL, 1, 0, collect, &list), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_rtp_packetize(&p, frame, 0, 0, collect, &list), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_rtp_packetize(&p, frame, 1, 0, NULL, &list), PT_ERR_INVALID_ARGUMENT);
  p.max_packet = PT_RTP_PACKET_MAX + 1; /* fields are public: re-checked on every call */
  CHECK_EQ(pt_rtp_packetize(&p, frame, 1, 0, collect, &list), PT_ERR_INVALID_ARGUMENT);
  p.max_packet = PT_RTP_PACKET_MIN;
  p.payload_type = 200;
  CHECK_EQ(pt_rtp_packetize(&p, frame, 1, 0, collect, &list), PT_ERR_INVALID_ARGUMENT);
  p.payload_type = 127;
  CHECK_EQ(list.count, 0);

  /* The smallest packets carry one VP8 byte each. */
  round_trip(&p, frame, sizeof frame, 5, &list, frame, sizeof frame, 1);
  CHECK_EQ(list.count, sizeof frame);

  /* An emit error stops the frame and is returned; the refused packet's sequence number is spent. */
  packets_clear(&list);
  list.fail_at = 2;
  uint16_t sequence = p.sequence;
  CHECK_EQ(pt_rtp_packetize(&p, frame, sizeof frame, 6, collect, &list), PT_ERR_QUEUE_FULL);
  CHECK_EQ(list.count, 2);
  CHECK_EQ(p.sequence, (uint16_t)(sequence + 3));

  /* The same for every packet of an H.264 frame: STAP-A, FU-A fragments and a final single NAL unit. */
  CHECK_EQ(pt_rtp_packetizer_init(&p, PT_CODEC_H264, 96, 1, 0, 200), PT_OK);
  access_unit au = au_new(2000);
  add_nal(&au, 4, 0x67, 10);
  add_nal(&au, 4, 0x68, 4);
  add_nal(&au, 4, 0x65, 1000);
  add_nal(&au, 4, 0x06, 10);
  list.fail_at = -1;
  packets_clear(&list);
  int total = pt_rtp_packetize(&p, au.frame, au.length, 0, collect, &list);
  CHECK(total > 4);
  for (long fail_at = 0; fail_at < total; fail_at++) {
    packets_clear(&list);
    list.fail_at = fail_at;
    sequence = p.sequence;
    CHECK_EQ(pt_rtp_packetize(&p, au.frame, au.length, 0, collect, &list), PT_ERR_QUEUE_FULL);
    CHECK_EQ(list.count, fail_at);
    CHECK_EQ(p.sequence, (uint16_t)(sequence + fail_at + 1));
  }
  au_free(&au);

  /* Frames over INT_MAX bytes are refused before a byte is read, so a short buffer is safe here. */
  CHECK_EQ(pt_rtp_packetize(&p, frame, (size_t)INT_MAX + 1, 0, collect, &list), PT_ERR_TOO_LARGE);
  packets_free(&list);
}

/* ---- Hostile payloads ---- */

/* Depacketizes payloads given as (length, bytes...) records ended by a negative length. */
static int depacketize_records(pt_codec codec, const int *records) {
  uint8_t *payloads[16] = {NULL};
  size_t lengths[16] = {0};
  size_t count = 0;
  for (const int *at = records; *at >= 0; count++) {
    CHECK(count < 16);
    lengths[count] = (size_t)*at++;
    payloads[count] = malloc(lengths[count] + 1); /* exact size, plus 1 for malloc(0) */
    CHECK(payloads[count] != NULL);
    for (size_t i = 0; i < lengths[count]; i++) {
      CHECK(*at >= 0 && *at <= 0xff); /* a record shorter than its length */
      payloads[count][i] = (uint8_t)*at++;
    }
  }
  size_t bound = pt_rtp_depacketized_bound(codec, lengths, count);
  uint8_t *out = malloc(bound + 1);
  size_t length;
  int keyframe;
  int status = pt_rtp_depacketize(codec, (const uint8_t *const *)payloads, lengths, count, out, bound, &length,
                                  &keyframe);
  for (size_t i = 0; i < count; i++) free(payloads[i]);
  free(out);
  return status;
}

#define END (-1)

static void test_depacketizer_hostile_h264(void) {
  static const int cases[][24] = {
      {0, END},                                          /* empty payload */
      {1, 0x78, END},                                    /* STAP-A of nothing */
      {2, 0x78, 0x00, END},                              /* truncated STAP-A size */
      {5, 0x78, 0x00, 0x05, 0x67, 0x01, END},            /* STAP-A size past the end */
      {6, 0x78, 0, 2, 0x67, 1, 0x00, END},               /* second size truncated */
      {5, 0x78, 0, 0, 0x67, 1, END},                     /* zero-size NAL unit */
      {5, 0x78, 0, 2, 0x7c, 0x85, END},                  /* FU-A inside a STAP-A */
      {5, 0x78, 0, 2, 0x00, 0x85, END},                  /* type 0 inside a STAP-A */
      {1, 0x7c, END},                                    /* FU-A without FU header */
      {4, 0x7c, 0x05, 1, 2, END},                        /* FU-A without start bit */
      {4, 0x7c, 0x45, 1, 2, END},                        /* FU-A end without start */
      {3, 0x7c, 0xc5, 1, END},                           /* start and end in one FU */
      {3, 0x7c, 0x85, 1, 3, 0x7c, 0x05, 2, END},         /* middle, then no end */
      {3, 0x7c, 0x85, 1, 3, 0x7c, 0x41, 2, END},         /* NAL type changes */
      {3, 0x7c, 0x85, 1, 3, 0x5c, 0x45, 2, END},         /* NRI changes */
      {3, 0x7c, 0x85, 1, 2, 0x65, 1, 3, 0x7c, 0x45, 2, END}, /* run interrupted */
      {3, 0x7c, 0x85, 1, 3, 0x7c, 0x85, 2, 3, 0x7c, 0x45, 2, END}, /* run restarted */
      {3, 0x7c, 0x98, 1, END},                           /* FU-A of a STAP-A */
      {3, 0x7c, 0x80, 1, 3, 0x7c, 0x40, 1, END},         /* FU-A of type 0 */
      {2, 0x00, 1, END},                                 /* type 0 */
      {2, 0x19, 1, END},                                 /* STAP-B */
      {2, 0x1a, 1, END},                                 /* MTAP16 */
      {2, 0x1b, 1, END},                                 /* MTAP24 */
      {3, 0x1d, 0x85, 1, END},                           /* FU-B */
      {2, 0x1e, 1, END},
      {2, 0x1f, 1, END},
      {2, 0x41, 1, 0, END},                              /* a valid slice, then an empty payload */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int status = depacketize_records(PT_CODEC_H264, cases[i]);
    if (status != PT_ERR_MALFORMED) fprintf(stderr, "H.264 case %zu\n", i);
    CHECK_EQ(status, PT_ERR_MALFORMED);
  }
  /* An FU-A fragment with no bytes is odd but not wrong; a lone FU-A start is cut short. */
  static const int empty_middle[] = {3, 0x7c, 0x85, 1, 2, 0x7c, 0x05, 3, 0x7c, 0x45, 2, END};
  CHECK_EQ(depacketize_records(PT_CODEC_H264, empty_middle), PT_OK);
  static const int no_payloads[] = {END};
  CHECK_EQ(depacketize_records(PT_CODEC_H264, no_payloads), PT_ERR_MALFORMED);
}

static void test_depacketizer_hostile_vp8(void) {
  static const int cases[][16] = {
      {0, END},                                        /* empty payload */
      {5, 0x80, 0x80, 0x80, 0x01, 0x00, END},          /* S=0 first */
      {5, 0x91, 0x80, 0x80, 0x01, 0x00, END},          /* S=1 but PID=1 first */
      {2, 0x10, 0x00, 2, 0x10, 0x01, END},             /* a second frame start */
      {1, 0x90, END},                                  /* X without extension byte */
      {2, 0x90, 0x80, END},                            /* I without PictureID */
      {3, 0x90, 0x80, 0x80, END},                      /* 15-bit PictureID cut short */
      {4, 0x90, 0x80, 0x81, 0x02, END},                /* nothing after the descriptor */
      {2, 0x90, 0x40, END},                            /* L without TL0PICIDX */
      {2, 0x90, 0x20, END},                            /* T without TID byte */
      {2, 0x90, 0x10, END},                            /* K without KEYIDX byte */
      {3, 0x90, 0xf0, 0x05, END},                      /* I, L, T, K: bytes missing */
      {1, 0x10, END},                                  /* no VP8 payload */
      {5, 0x90, 0x80, 0x80, 0x01, 0x00, 5, 0x80, 0x80, 0x80, 0x02, 0x00, END}, /* another PictureID */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int status = depacketize_records(PT_CODEC_VP8, cases[i]);
    if (status != PT_ERR_MALFORMED) fprintf(stderr, "VP8 case %zu\n", i);
    CHECK_EQ(status, PT_ERR_MALFORMED);
  }
  /* Descriptors without extension, with 7-bit PictureID, and with every optional field. */
  static const int valid[] = {2, 0x10, 0x00, 4, 0x80, 0x80, 0x11, 0xaa, 2, 0x00, 0x22,
                              7, 0x80, 0xf0, 0x80, 0x05, 0x11, 0x22, 0x33, END};
  CHECK_EQ(depacketize_records(PT_CODEC_VP8, valid), PT_OK);
  uint8_t out[16];
  size_t length;
  int keyframe;
  static const uint8_t first[] = {0x90, 0xe0, 0x7f, 0x01, 0x20, 0xab}; /* 7-bit id, L, T */
  static const uint8_t second[] = {0x00, 0xcd};
  const uint8_t *payloads[] = {first, second};
  size_t lengths[] = {sizeof first, sizeof second};
  CHECK_EQ(pt_rtp_depacketize(PT_CODEC_VP8, payloads, lengths, 2, out, sizeof out, &length, &keyframe), PT_OK);
  CHECK(length == 2 && out[0] == 0xab && out[1] == 0xcd);
  CHECK_EQ(keyframe, 0); /* P bit of 0xab is 1 */
}

static void test_depacketizer_hostile_opus_and_buffers(void) {
  static const int none[] = {END};
  static const int two[] = {1, 0xf8, 1, 0xf8, END};
  static const int empty[] = {0, END};
  CHECK_EQ(depacketize_records(PT_CODEC_OPUS, none), PT_ERR_MALFORMED);
  CHECK_EQ(depacketize_records(PT_CODEC_OPUS, two), PT_ERR_MALFORMED);
  CHECK_EQ(depacketize_records(PT_CODEC_OPUS, empty), PT_ERR_MALFORMED);

  /* Exact capacity succeeds; one byte less is too small for every codec. */
  static const uint8_t h264[] = {0x78, 0, 2, 0x67, 0x42, 0, 1, 0x68};
  static const uint8_t vp8[] = {0x90, 0x80, 0x81, 0x02, 0x00, 1, 2, 3};
  static const uint8_t opus[] = {0xf8, 0xff, 0xfe};
  const uint8_t *payloads[3][1] = {{h264}, {vp8}, {opus}};
  size_t lengths[3] = {sizeof h264, sizeof vp8, sizeof opus};
  size_t needed[3] = {4 + 2 + 4 + 1, 4, 3};
  pt_codec codecs[3] = {PT_CODEC_H264, PT_CODEC_VP8, PT_CODEC_OPUS};
  for (size_t c = 0; c < 3; c++) {
    uint8_t *out = malloc(needed[c]);
    size_t length = 99;
    int keyframe = 99;
    CHECK_EQ(pt_rtp_depacketize(codecs[c], payloads[c], &lengths[c], 1, out, needed[c], &length, &keyframe), PT_OK);
    CHECK_EQ(length, needed[c]);
    CHECK_EQ(pt_rtp_depacketize(codecs[c], payloads[c], &lengths[c], 1, out, needed[c] - 1, &length, &keyframe),
             PT_ERR_BUFFER_TOO_SMALL);
    CHECK(length == 0 && keyframe == 0);
    CHECK_EQ(pt_rtp_depacketize(codecs[c], payloads[c], &lengths[c], 1, NULL, 0, &length, &keyframe),
             PT_ERR_BUFFER_TOO_SMALL);
    free(out);
  }

  /* Bad arguments. */
  uint8_t out[16];
  size_t length;
  int keyframe;
  const uint8_t *null_payload[1] = {NULL};
  CHECK_EQ(pt_rtp_depacketize((pt_codec)0, payloads[2], &lengths[2], 1, out, 16, &length, &keyframe),
           PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_rtp_depacketize(PT_CODEC_OPUS, NULL, &lengths[2], 1, out, 16, &length, &keyframe),
           PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_rtp_depacketize(PT_CODEC_OPUS, payloads[2], NULL, 1, out, 16, &length, &keyframe),
           PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_rtp_depacketize(PT_CODEC_OPUS, null_payload, &lengths[2], 1, out, 16, &length, &keyframe),
           PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_rtp_depacketize(PT_CODEC_OPUS, payloads[2], &lengths[2], 1, NULL, 16, &length, &keyframe),
           PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_rtp_depacketize(PT_CODEC_OPUS, payloads[2], &lengths[2], 1, out, 16, NULL, &keyframe),
           PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_rtp_depacketize(PT_CODEC_OPUS, payloads[2], &lengths[2], 1, out, 16, &length, NULL),
           PT_ERR_INVALID_ARGUMENT);
}

static void test_depacketized_bound(void) {
  /* The worst case for H.264: a STAP-A of one-byte NAL units, 3 bytes in and 5 out each. */
  uint8_t stap[1 + 3 * 400];
  stap[0] = 0x78;
  for (size_t i = 0; i < 400; i++) {
    stap[1 + 3 * i] = 0;
    stap[2 + 3 * i] = 1;
    stap[3 + 3 * i] = 0x09;
  }
  size_t length = sizeof stap, produced;
  int keyframe;
  const uint8_t *payloads[1] = {stap};
  size_t bound = pt_rtp_depacketized_bound(PT_CODEC_H264, &length, 1);
  uint8_t *out = malloc(bound);
  CHECK_EQ(pt_rtp_depacketize(PT_CODEC_H264, payloads, &length, 1, out, bound, &produced, &keyframe), PT_OK);
  CHECK_EQ(produced, 400 * 5);
  CHECK(bound >= produced);
  free(out);
  size_t huge[2] = {SIZE_MAX - 1, 5};
  CHECK(pt_rtp_depacketized_bound(PT_CODEC_H264, huge, 2) == SIZE_MAX);
  CHECK(pt_rtp_depacketized_bound(PT_CODEC_VP8, huge, 2) == SIZE_MAX);
  CHECK_EQ(pt_rtp_depacketized_bound(PT_CODEC_OPUS, huge + 1, 1), 5);
  CHECK_EQ(pt_rtp_depacketized_bound((pt_codec)9, huge, 2), 0);
  CHECK_EQ(pt_rtp_depacketized_bound(PT_CODEC_VP8, NULL, 2), 0);
}

/* ---- Deterministic fuzzing ---- */

static uint32_t fuzz_state = 0x2545f491u;

static uint32_t fuzz_next(void) { /* xorshift32 */
  fuzz_state ^= fuzz_state << 13;
  fuzz_state ^= fuzz_state >> 17;
  fuzz_state ^= fuzz_state << 5;
  return fuzz_state;
}

static size_t below(size_t n) { return fuzz_next() % n; }

/* Runs the depacketizer on payloads in exact-size allocations, with an exact-size output of a random
 * capacity up to the bound; checks the result is within the bound. */
static void fuzz_depacketize(pt_codec codec, uint8_t **payloads, const size_t *lengths, size_t count) {
  size_t bound = pt_rtp_depacketized_bound(codec, lengths, count);
  size_t capacity = below(4) == 0 ? below(bound + 1) : bound;
  uint8_t *out = malloc(capacity + 1);
  size_t length = 0;
  int keyframe = 0;
  int status = pt_rtp_depacketize(codec, (const uint8_t *const *)payloads, lengths, count, out, capacity, &length,
                                  &keyframe);
  CHECK(status == PT_OK || status == PT_ERR_MALFORMED || status == PT_ERR_BUFFER_TOO_SMALL);
  if (status == PT_OK) CHECK(length <= capacity && (keyframe == 0 || keyframe == 1));
  free(out);
}

/* First bytes that reach every branch, rather than only the "unsupported type" one. */
static uint8_t interesting_first_byte(pt_codec codec) {
  static const uint8_t h264[] = {0x78, 0x7c, 0x7c, 0x65, 0x41, 0x19, 0x1a, 0x1d, 0x00, 0x5c};
  static const uint8_t vp8[] = {0x90, 0x10, 0x80, 0x00, 0x91, 0x97};
  if (codec == PT_CODEC_H264) return h264[below(sizeof h264)];
  if (codec == PT_CODEC_VP8) return vp8[below(sizeof vp8)];
  return (uint8_t)fuzz_next();
}

static void test_fuzz_random_payloads(void) {
  for (int iteration = 0; iteration < 100000; iteration++) {
    pt_codec codec = (pt_codec)(1 + iteration % 3);
    uint8_t *payloads[6];
    size_t lengths[6];
    size_t count = below(7);
    for (size_t i = 0; i < count; i++) {
      lengths[i] = below(40);
      payloads[i] = malloc(lengths[i] + 1);
      for (size_t b = 0; b < lengths[i]; b++) payloads[i][b] = (uint8_t)fuzz_next();
      if (lengths[i] > 0 && below(2)) payloads[i][0] = interesting_first_byte(codec);
      if (lengths[i] > 1 && codec == PT_CODEC_H264 && below(2)) payloads[i][1] = (uint8_t)(0x05 | (below(4) << 6));
      if (lengths[i] > 1 && codec == PT_CODEC_VP8 && below(2)) payloads[i][1] = (uint8_t)(below(16) << 4);
    }
    fuzz_depacketize(codec, payloads, lengths, count);
    for (size_t i = 0; i < count; i++) free(payloads[i]);
  }
}

/* Mutates the packets of valid frames: flipped bytes, truncation, dropped, duplicated, swapped payloads. */
static void test_fuzz_mutated_frames(void) {
  pt_rtp_packetizer p;
  access_unit au = au_new(3000);
  add_nal(&au, 4, 0x67, 10);
  add_nal(&au, 3, 0x68, 4);
  add_nal(&au, 3, 0x65, 700);
  add_nal(&au, 3, 0x06, 20);
  packets lists[3] = {packets_new(), packets_new(), packets_new()};
  const pt_codec codecs[3] = {PT_CODEC_H264, PT_CODEC_VP8, PT_CODEC_OPUS};
  for (size_t c = 0; c < 3; c++) {
    CHECK_EQ(pt_rtp_packetizer_init(&p, codecs[c], 96, 1, 0, 64), PT_OK);
    size_t length = codecs[c] == PT_CODEC_OPUS ? 52 : au.length;
    CHECK(pt_rtp_packetize(&p, au.frame, length, 0, collect, &lists[c]) > 0);
  }
  for (int iteration = 0; iteration < 100000; iteration++) {
    size_t c = (size_t)iteration % 3;
    const packets *list = &lists[c];
    uint8_t *payloads[64];
    size_t lengths[64];
    size_t count = list->count < 60 ? list->count : 60;
    for (size_t i = 0; i < count; i++) {
      size_t length;
      const uint8_t *payload = payload_of(list, i, &length);
      payloads[i] = malloc(length + 1);
      memcpy(payloads[i], payload, length);
      lengths[i] = length;
    }
    for (size_t m = 1 + below(3); m > 0 && count > 0; m--) {
      size_t i = below(count), j = below(count);
      switch (below(5)) {
        case 0: /* flip bits */
          if (lengths[i] > 0) payloads[i][below(lengths[i] < 6 ? lengths[i] : 6)] ^= (uint8_t)(1 + below(255));
          break;
        case 1: /* truncate, in place: the allocation stays larger, so shrink it to stay exact */
          lengths[i] = below(lengths[i] + 1);
          payloads[i] = realloc(payloads[i], lengths[i] + 1);
          break;
        case 2: /* drop */
          free(payloads[i]);
          memmove(payloads + i, payloads + i + 1, (count - i - 1) * sizeof *payloads);
          memmove(lengths + i, lengths + i + 1, (count - i - 1) * sizeof *lengths);
          count--;
          break;
        case 3: /* duplicate */
          if (count < 64) {
            payloads[count] = malloc(lengths[i] + 1);
            memcpy(payloads[count], payloads[i], lengths[i]);
            lengths[count++] = lengths[i];
          }
          break;
        default: { /* swap */
          uint8_t *payload = payloads[i];
          size_t length = lengths[i];
          payloads[i] = payloads[j];
          lengths[i] = lengths[j];
          payloads[j] = payload;
          lengths[j] = length;
        }
      }
    }
    fuzz_depacketize(codecs[c], payloads, lengths, count);
    for (size_t i = 0; i < count; i++) free(payloads[i]);
  }
  for (size_t c = 0; c < 3; c++) packets_free(&lists[c]);
  au_free(&au);
}

/* Reference Annex-B rewrite, written independently of the packetizer with a plain byte loop: the
 * NAL units between start codes, trailing zeros trimmed, empty ones skipped, each after 00 00 00 01.
 * Returns PT_ERR_MALFORMED where the packetizer must refuse the access unit. */
static int reference_annexb(const uint8_t *in, size_t n, uint8_t *out, size_t *out_length, int *keyframe) {
  size_t starts[4096], codes[4096], count = 0;
  for (size_t i = 0; i + 3 <= n; i++) {
    if (in[i] == 0 && in[i + 1] == 0 && in[i + 2] == 1) {
      CHECK(count < 4096);
      codes[count] = i;
      starts[count++] = i + 3;
      i += 2;
    }
  }
  if (count == 0) return PT_ERR_MALFORMED;
  for (size_t i = 0; i < codes[0]; i++) {
    if (in[i] != 0) return PT_ERR_MALFORMED;
  }
  *out_length = 0;
  *keyframe = 0;
  size_t nal_units = 0;
  for (size_t k = 0; k < count; k++) {
    size_t end = k + 1 < count ? codes[k + 1] : n;
    while (end > starts[k] && in[end - 1] == 0) end--;
    if (end == starts[k]) continue;
    uint8_t type = in[starts[k]] & 0x1f;
    if (type == 0 || type > 23) return PT_ERR_MALFORMED;
    if (type == 5) *keyframe = 1;
    memcpy(out + *out_length, "\0\0\0\1", 4);
    memcpy(out + *out_length + 4, in + starts[k], end - starts[k]);
    *out_length += 4 + end - starts[k];
    nal_units++;
  }
  return nal_units > 0 ? PT_OK : PT_ERR_MALFORMED;
}

/* A random access unit: NAL units of random sizes (some empty, some larger than any packet) with
 * 3- or 4-byte start codes, zeros inside (never a start code) and after them; now and then a random
 * header byte or a corrupted byte that the packetizer must refuse or carry faithfully. */
static size_t random_access_unit(uint8_t *frame, size_t capacity) {
  size_t length = 0;
  if (below(8) == 0) {
    for (size_t i = below(3); i > 0; i--) frame[length++] = 0;
  }
  for (size_t nal_units = 1 + below(12); nal_units > 0; nal_units--) {
    size_t size = below(4) == 0 ? below(3000) : below(200);
    if (length + 4 + size + 2 > capacity) break;
    if (below(2)) frame[length++] = 0;
    memcpy(frame + length, "\0\0\1", 3);
    length += 3;
    for (size_t i = 0; i < size; i++) {
      uint8_t byte = (uint8_t)fuzz_next();
      if (i == 0 && below(30) != 0) {
        byte = (uint8_t)((byte & 0xe0) | (1 + below(23))); /* a sendable type, any F and NRI */
      } else if (i >= 2 && frame[length - 1] == 0 && frame[length - 2] == 0) {
        byte = (uint8_t)(4 + below(252)); /* emulation prevention: no start code inside */
      } else if (below(4) == 0) {
        byte = 0;
      }
      frame[length++] = byte;
    }
    if (below(4) == 0) {
      for (size_t i = below(3); i > 0; i--) frame[length++] = 0;
    }
  }
  if (length > 0 && below(50) == 0) frame[below(length)] = (uint8_t)fuzz_next();
  return length;
}

/* Random frames through packetizer and depacketizer at random packet sizes, checked against the
 * reference rewrite for H.264 and the frame itself for VP8 and Opus. */
static void test_fuzz_round_trips(void) {
  enum { FRAME_CAPACITY = 40000 };
  uint8_t *frame = malloc(FRAME_CAPACITY), *expected = malloc(2 * FRAME_CAPACITY);
  packets list = packets_new();
  int refused = 0, accepted = 0;
  for (int iteration = 0; iteration < 3000; iteration++) {
    pt_codec codec = (pt_codec)(1 + iteration % 3);
    pt_rtp_packetizer p;
    size_t max_packet = PT_RTP_PACKET_MIN + below(PT_RTP_PACKET_MAX - PT_RTP_PACKET_MIN + 1);
    CHECK_EQ(pt_rtp_packetizer_init(&p, codec, (uint8_t)below(128), fuzz_next(), (uint16_t)fuzz_next(), max_packet),
             PT_OK);
    size_t length;
    if (codec == PT_CODEC_H264) {
      length = random_access_unit(frame, FRAME_CAPACITY);
      if (length == 0) continue;
    } else {
      length = 1 + below(codec == PT_CODEC_OPUS ? max_packet - PT_RTP_FIXED_HEADER : 4000);
      for (size_t i = 0; i < length; i++) frame[i] = (uint8_t)fuzz_next();
    }
    size_t expected_length = length;
    int expected_keyframe = 1;
    int expected_status = PT_OK;
    if (codec == PT_CODEC_H264) {
      expected_status = reference_annexb(frame, length, expected, &expected_length, &expected_keyframe);
    } else {
      memcpy(expected, frame, length);
      if (codec == PT_CODEC_VP8) expected_keyframe = (frame[0] & 1) == 0;
    }
    if (expected_status == PT_OK) {
      round_trip(&p, frame, length, fuzz_next(), &list, expected, expected_length, expected_keyframe);
      accepted += codec == PT_CODEC_H264;
    } else {
      packets_clear(&list);
      CHECK_EQ(pt_rtp_packetize(&p, frame, length, 0, collect, &list), expected_status);
      CHECK_EQ(list.count, 0);
      refused++;
    }
  }
  CHECK(accepted > 500 && refused > 20); /* both paths were exercised */
  packets_free(&list);
  free(frame);
  free(expected);
}

int main(void) {
  RUN(test_h264_parameter_sets_and_idr);
  RUN(test_h264_large_access_unit_with_slices);
  RUN(test_h264_small_slices_aggregate);
  RUN(test_h264_annexb_edges);
  RUN(test_h264_keyframe_detection);
  RUN(test_vp8_round_trips);
  RUN(test_vp8_picture_id_wraps);
  RUN(test_opus);
  RUN(test_packetizer_arguments);
  RUN(test_depacketizer_hostile_h264);
  RUN(test_depacketizer_hostile_vp8);
  RUN(test_depacketizer_hostile_opus_and_buffers);
  RUN(test_depacketized_bound);
  RUN(test_fuzz_random_payloads);
  RUN(test_fuzz_mutated_frames);
  RUN(test_fuzz_round_trips);
  return 0;
}
