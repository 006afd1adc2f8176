#include "media/fec.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "media/rtp_packetizer.h"

#define MEDIA_SSRC 0x12345678u
#define FEC_SSRC 0x9abcdef0u
#define FEC_PT 110
#define MAX_PACKETS 128
#define MAX_AGE 1000.0

static uint64_t rng_state = 88172645463325252ull;
static uint64_t xorshift(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}
static double uniform(void) { return (double)(xorshift() >> 11) / 9007199254740992.0; }

/* ---- Media packets and the receiver's store ---- */

/* One group of media packets as sent, and what the receiver holds of them. */
typedef struct media {
  uint8_t data[MAX_PACKETS][PT_RTP_PACKET_MAX];
  size_t length[MAX_PACKETS];
  int state[MAX_PACKETS]; /* PT_FEC_PRESENT, PT_FEC_MISSING or PT_FEC_GONE */
  uint16_t base;
  size_t count;
  size_t lookups;
} media;

static media m;

/* Writes a plain RTP packet (12-byte header) with `length` payload bytes derived from seed. */
static size_t rtp(uint8_t *out, uint16_t seq, uint32_t timestamp, int marker, uint8_t pt, size_t length,
                  unsigned seed) {
  out[0] = 0x80;
  out[1] = (uint8_t)((marker ? 0x80 : 0) | pt);
  out[2] = (uint8_t)(seq >> 8);
  out[3] = (uint8_t)seq;
  out[4] = (uint8_t)(timestamp >> 24);
  out[5] = (uint8_t)(timestamp >> 16);
  out[6] = (uint8_t)(timestamp >> 8);
  out[7] = (uint8_t)timestamp;
  out[8] = (uint8_t)(MEDIA_SSRC >> 24);
  out[9] = (uint8_t)(MEDIA_SSRC >> 16);
  out[10] = (uint8_t)(MEDIA_SSRC >> 8);
  out[11] = (uint8_t)MEDIA_SSRC;
  for (size_t b = 0; b < length; b++) out[12 + b] = (uint8_t)(seed * 131u + b * 7u + (b >> 8));
  return 12 + length;
}

/* Fills m with `count` consecutive packets from base: lengths varied (1 and the largest included), payload types
 * 96 and 97, a timestamp change half-way, the marker on the last packet of each timestamp; all present. */
static void make_media(uint16_t base, size_t count) {
  m.base = base;
  m.count = count;
  for (size_t i = 0; i < count; i++) {
    size_t length = i == 0 ? 1 : i == 1 ? PT_FEC_MAX_PAYLOAD : 1 + (i * 379 + count * 11) % PT_FEC_MAX_PAYLOAD;
    uint32_t timestamp = i < count / 2 ? 90000u : 93000u;
    int marker = i + 1 == count / 2 || i + 1 == count;
    m.length[i] = rtp(m.data[i], (uint16_t)(base + i), timestamp, marker, (uint8_t)(96 + i % 2), length,
                      (unsigned)(i + count));
    m.state[i] = PT_FEC_PRESENT;
  }
}

static int lookup(void *context, uint16_t seq, pt_fec_source *source) {
  media *store = context;
  store->lookups++;
  size_t i = (uint16_t)(seq - store->base);
  if (i >= store->count) return PT_FEC_GONE;
  if (store->state[i] == PT_FEC_PRESENT) {
    const uint8_t *p = store->data[i];
    source->payload = p + 12;
    source->length = store->length[i] - 12;
    source->marker = p[1] >> 7;
    source->payload_type = p[1] & 0x7f;
    source->timestamp = ((uint32_t)p[4] << 24) | ((uint32_t)p[5] << 16) | ((uint32_t)p[6] << 8) | p[7];
  }
  return store->state[i];
}

/* Encodes the FEC packet protecting m.data[from .. from + count). */
static int encode(size_t from, size_t count, uint16_t fec_seq, uint8_t *out, size_t capacity) {
  const uint8_t *packets[MAX_PACKETS];
  for (size_t i = 0; i < count; i++) packets[i] = m.data[from + i];
  return pt_fec_encode(packets, m.length + from, count, FEC_PT, FEC_SSRC, fec_seq, out, capacity);
}

static pt_fec_counters counters(const pt_fec_decoder *d) {
  pt_fec_counters c;
  pt_fec_decoder_counters_of(d, &c);
  return c;
}

/* ---- Tests ---- */

static void check_round_trip(uint16_t base, size_t count) {
  static uint8_t fec[PT_FEC_PACKET_MAX], out[PT_FEC_PACKET_MAX];
  make_media(base, count);
  int fec_length = encode(0, count, 7, fec, sizeof fec);
  size_t longest = 0;
  for (size_t i = 0; i < count; i++) longest = m.length[i] - 12 > longest ? m.length[i] - 12 : longest;
  CHECK_EQ(fec_length, 24 + longest);
  CHECK_EQ(fec[0], 0x80);
  CHECK_EQ(fec[1], FEC_PT);
  CHECK_EQ((fec[2] << 8) | fec[3], 7);
  CHECK(memcmp(fec + 4, m.data[0] + 4, 4) == 0); /* the first packet's timestamp */
  CHECK_EQ(((uint32_t)fec[8] << 24 | (uint32_t)fec[9] << 16 | (uint32_t)fec[10] << 8 | fec[11]), FEC_SSRC);
  CHECK_EQ((fec[12] << 8) | fec[13], base);
  CHECK_EQ(fec[14], count);
  CHECK_EQ(fec[15], 1);
  CHECK_EQ(fec[19], 0);

  for (size_t lost = 0; lost < count; lost++) {
    pt_fec_decoder *d = NULL;
    CHECK_EQ(pt_fec_decoder_create(&d, 64 * 1024), PT_OK);
    CHECK_EQ(pt_fec_decoder_add(d, fec, (size_t)fec_length, 0), PT_OK);
    for (size_t i = 0; i < count; i++) m.state[i] = i == lost ? PT_FEC_MISSING : PT_FEC_PRESENT;
    memset(out, 0xee, sizeof out);
    int n = pt_fec_decoder_recover(d, lookup, &m, MEDIA_SSRC, 10, MAX_AGE, out, sizeof out);
    CHECK_EQ(n, m.length[lost]);
    CHECK(memcmp(out, m.data[lost], m.length[lost]) == 0);
    CHECK_EQ(pt_fec_decoder_recover(d, lookup, &m, MEDIA_SSRC, 10, MAX_AGE, out, sizeof out), 0);
    pt_fec_counters c = counters(d);
    CHECK_EQ(c.packets, 1);
    CHECK_EQ(c.recovered, 1);
    CHECK_EQ(c.held_packets, 0);
    CHECK_EQ(c.held_bytes, 0);
    pt_fec_decoder_destroy(d);
  }
}

static void test_round_trip_recovers_each_lost_packet(void) {
  check_round_trip(1000, 1);
  check_round_trip(1000, 2);
  check_round_trip(1000, 7);
  check_round_trip(1000, PT_FEC_MAX_GROUP);
}

static void test_sequence_wraparound(void) {
  check_round_trip(65530, 10);
  check_round_trip(65535, 2);
}

static void test_recovered_packet_needs_room(void) {
  static uint8_t fec[PT_FEC_PACKET_MAX], out[PT_FEC_PACKET_MAX];
  make_media(5, 3);
  int fec_length = encode(0, 3, 1, fec, sizeof fec);
  CHECK(fec_length > 0);
  pt_fec_decoder *d = NULL;
  CHECK_EQ(pt_fec_decoder_create(&d, PT_FEC_MAX_PAYLOAD), PT_OK);
  CHECK_EQ(pt_fec_decoder_add(d, fec, (size_t)fec_length, 0), PT_OK);
  m.state[1] = PT_FEC_MISSING; /* the longest */
  CHECK_EQ(pt_fec_decoder_recover(d, lookup, &m, MEDIA_SSRC, 0, MAX_AGE, out, m.length[1] - 1),
           PT_ERR_BUFFER_TOO_SMALL);
  CHECK_EQ(counters(d).held_packets, 1);
  CHECK_EQ(pt_fec_decoder_recover(d, lookup, &m, MEDIA_SSRC, 0, MAX_AGE, out, m.length[1]), m.length[1]);
  CHECK(memcmp(out, m.data[1], m.length[1]) == 0);
  CHECK_EQ(pt_fec_decoder_recover(NULL, lookup, &m, MEDIA_SSRC, 0, MAX_AGE, out, sizeof out),
           PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_fec_decoder_recover(d, NULL, &m, MEDIA_SSRC, 0, MAX_AGE, out, sizeof out), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_fec_decoder_recover(d, lookup, &m, MEDIA_SSRC, 0, MAX_AGE, NULL, sizeof out), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_fec_decoder_recover(d, lookup, &m, MEDIA_SSRC, 0, -1, out, sizeof out), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_fec_decoder_recover(d, lookup, &m, MEDIA_SSRC, 0, NAN, out, sizeof out), PT_ERR_INVALID_ARGUMENT);
  pt_fec_decoder_destroy(d);
}

static void test_two_missing_wait_gone_drops_and_age_drops(void) {
  static uint8_t fec[PT_FEC_PACKET_MAX], out[PT_FEC_PACKET_MAX];
  make_media(200, 5);
  int fec_length = encode(0, 5, 1, fec, sizeof fec);
  CHECK(fec_length > 0);
  pt_fec_decoder *d = NULL;
  CHECK_EQ(pt_fec_decoder_create(&d, 64 * 1024), PT_OK);

  /* Two missing: kept until one of them arrives, then the other is rebuilt. */
  CHECK_EQ(pt_fec_decoder_add(d, fec, (size_t)fec_length, 0), PT_OK);
  m.state[1] = m.state[3] = PT_FEC_MISSING;
  CHECK_EQ(pt_fec_decoder_recover(d, lookup, &m, MEDIA_SSRC, 10, MAX_AGE, out, sizeof out), 0);
  CHECK_EQ(pt_fec_decoder_recover(d, lookup, &m, MEDIA_SSRC, 20, MAX_AGE, out, sizeof out), 0);
  CHECK_EQ(counters(d).held_packets, 1);
  m.state[3] = PT_FEC_PRESENT;
  CHECK_EQ(pt_fec_decoder_recover(d, lookup, &m, MEDIA_SSRC, 30, MAX_AGE, out, sizeof out), m.length[1]);
  CHECK(memcmp(out, m.data[1], m.length[1]) == 0);
  CHECK_EQ(counters(d).held_packets, 0);

  /* A gone member drops the group, even with one missing. */
  make_media(200, 5);
  CHECK_EQ(pt_fec_decoder_add(d, fec, (size_t)fec_length, 100), PT_OK);
  m.state[1] = PT_FEC_MISSING;
  m.state[4] = PT_FEC_GONE;
  CHECK_EQ(pt_fec_decoder_recover(d, lookup, &m, MEDIA_SSRC, 110, MAX_AGE, out, sizeof out), 0);
  CHECK_EQ(counters(d).held_packets, 0);
  CHECK_EQ(counters(d).dropped, 1);

  /* Nothing missing: dropped. */
  make_media(200, 5);
  CHECK_EQ(pt_fec_decoder_add(d, fec, (size_t)fec_length, 200), PT_OK);
  CHECK_EQ(pt_fec_decoder_recover(d, lookup, &m, MEDIA_SSRC, 210, MAX_AGE, out, sizeof out), 0);
  CHECK_EQ(counters(d).held_packets, 0);
  CHECK_EQ(counters(d).dropped, 2);

  /* Too old: dropped without asking lookup, even if it could be recovered by then. */
  CHECK_EQ(pt_fec_decoder_add(d, fec, (size_t)fec_length, 300), PT_OK);
  m.state[0] = m.state[2] = PT_FEC_MISSING;
  CHECK_EQ(pt_fec_decoder_recover(d, lookup, &m, MEDIA_SSRC, 300 + MAX_AGE, MAX_AGE, out, sizeof out), 0);
  CHECK_EQ(counters(d).held_packets, 1);
  m.state[2] = PT_FEC_PRESENT;
  m.lookups = 0;
  CHECK_EQ(pt_fec_decoder_recover(d, lookup, &m, MEDIA_SSRC, 301 + MAX_AGE, MAX_AGE, out, sizeof out), 0);
  CHECK_EQ(m.lookups, 0);
  CHECK_EQ(counters(d).held_packets, 0);
  CHECK_EQ(counters(d).dropped, 3);

  /* Duplicates (same FEC sequence number) are ignored. */
  CHECK_EQ(pt_fec_decoder_add(d, fec, (size_t)fec_length, 400), PT_OK);
  CHECK_EQ(pt_fec_decoder_add(d, fec, (size_t)fec_length, 400), PT_OK);
  CHECK_EQ(counters(d).held_packets, 1);
  CHECK_EQ(counters(d).duplicates, 1);
  CHECK_EQ(counters(d).recovered, 1);
  pt_fec_decoder_destroy(d);
}

static void test_several_groups_recover_one_per_call(void) {
  static uint8_t fec[3][PT_FEC_PACKET_MAX], out[PT_FEC_PACKET_MAX];
  make_media(40000, 15);
  pt_fec_decoder *d = NULL;
  CHECK_EQ(pt_fec_decoder_create(&d, 64 * 1024), PT_OK);
  for (size_t g = 0; g < 3; g++) {
    int n = encode(g * 5, 5, (uint16_t)(900 + g), fec[g], sizeof fec[g]);
    CHECK(n > 0);
    CHECK_EQ(pt_fec_decoder_add(d, fec[g], (size_t)n, 0), PT_OK);
  }
  m.state[2] = m.state[13] = PT_FEC_MISSING;
  m.state[6] = m.state[8] = PT_FEC_MISSING; /* the middle group loses two */
  size_t got = 0;
  int n;
  while ((n = pt_fec_decoder_recover(d, lookup, &m, MEDIA_SSRC, 1, MAX_AGE, out, sizeof out)) > 0) {
    size_t i = (uint16_t)(((out[2] << 8) | out[3]) - m.base);
    CHECK(i == 2 || i == 13);
    CHECK_EQ(n, m.length[i]);
    CHECK(memcmp(out, m.data[i], m.length[i]) == 0);
    m.state[i] = PT_FEC_PRESENT;
    got++;
  }
  CHECK_EQ(n, 0);
  CHECK_EQ(got, 2);
  CHECK_EQ(counters(d).held_packets, 1);
  pt_fec_decoder_destroy(d);
}

static void test_full_decoder_drops_the_oldest(void) {
  static uint8_t fec[PT_FEC_PACKET_MAX], out[PT_FEC_PACKET_MAX];
  const size_t total = PT_FEC_MAX_HELD + 36;
  m.base = 65500;
  m.count = total;
  for (size_t i = 0; i < total; i++) {
    m.length[i] = rtp(m.data[i], (uint16_t)(65500 + i), 5, 0, 96, 1 + i, (unsigned)i);
    m.state[i] = PT_FEC_MISSING;
  }
  /* By count: one one-packet group per media packet, more than there are slots; the last ones again. */
  pt_fec_decoder *d = NULL;
  CHECK_EQ(pt_fec_decoder_create(&d, 1024 * 1024), PT_OK);
  for (size_t i = 0; i < total + 10; i++) {
    size_t at = i < total ? i : i - 10;
    int n = encode(at, 1, (uint16_t)at, fec, sizeof fec);
    CHECK(n > 0);
    CHECK_EQ(pt_fec_decoder_add(d, fec, (size_t)n, 0), PT_OK);
  }
  pt_fec_counters c = counters(d);
  CHECK_EQ(c.held_packets, PT_FEC_MAX_HELD);
  CHECK_EQ(c.dropped, total - PT_FEC_MAX_HELD);
  CHECK_EQ(c.duplicates, 10);
  size_t expect = total - PT_FEC_MAX_HELD; /* the oldest were dropped; the rest come back oldest first */
  int n;
  while ((n = pt_fec_decoder_recover(d, lookup, &m, MEDIA_SSRC, 0, MAX_AGE, out, sizeof out)) > 0) {
    CHECK_EQ(n, m.length[expect]);
    CHECK(memcmp(out, m.data[expect], m.length[expect]) == 0);
    expect++;
  }
  CHECK_EQ(expect, total);
  pt_fec_decoder_destroy(d);

  /* By bytes: three of the largest parities into room for two. */
  m.base = 100;
  m.count = 6;
  for (size_t i = 0; i < 6; i++) {
    m.length[i] = rtp(m.data[i], (uint16_t)(100 + i), 5, 0, 96, PT_FEC_MAX_PAYLOAD, (unsigned)i);
  }
  CHECK_EQ(pt_fec_decoder_create(&d, 2 * PT_FEC_MAX_PAYLOAD + 100), PT_OK);
  for (size_t g = 0; g < 3; g++) {
    n = encode(g * 2, 2, (uint16_t)g, fec, sizeof fec);
    CHECK_EQ(n, PT_FEC_PACKET_MAX);
    CHECK_EQ(pt_fec_decoder_add(d, fec, (size_t)n, 0), PT_OK);
  }
  c = counters(d);
  CHECK_EQ(c.held_packets, 2);
  CHECK_EQ(c.held_bytes, 2 * PT_FEC_MAX_PAYLOAD);
  CHECK_EQ(c.dropped, 1);
  pt_fec_decoder_destroy(d);
}

static void test_encoder_refuses_bad_input(void) {
  static uint8_t out[PT_FEC_PACKET_MAX];
  make_media(10, 4);
  const uint8_t *packets[4] = {m.data[0], m.data[1], m.data[2], m.data[3]};
  size_t lengths[4] = {m.length[0], m.length[1], m.length[2], m.length[3]};
  CHECK_EQ(pt_fec_encode(NULL, lengths, 4, FEC_PT, FEC_SSRC, 0, out, sizeof out), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_fec_encode(packets, NULL, 4, FEC_PT, FEC_SSRC, 0, out, sizeof out), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_fec_encode(packets, lengths, 4, FEC_PT, FEC_SSRC, 0, NULL, sizeof out), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_fec_encode(packets, lengths, 0, FEC_PT, FEC_SSRC, 0, out, sizeof out), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_fec_encode(packets, lengths, PT_FEC_MAX_GROUP + 1, FEC_PT, FEC_SSRC, 0, out, sizeof out),
           PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_fec_encode(packets, lengths, 4, 128, FEC_SSRC, 0, out, sizeof out), PT_ERR_INVALID_ARGUMENT);
  /* Not consecutive, not one SSRC. */
  packets[2] = m.data[3];
  CHECK_EQ(pt_fec_encode(packets, lengths, 4, FEC_PT, FEC_SSRC, 0, out, sizeof out), PT_ERR_INVALID_ARGUMENT);
  packets[2] = m.data[2];
  m.data[3][11] ^= 1;
  CHECK_EQ(pt_fec_encode(packets, lengths, 4, FEC_PT, FEC_SSRC, 0, out, sizeof out), PT_ERR_INVALID_ARGUMENT);
  m.data[3][11] ^= 1;
  /* Padding, extension, CSRCs, another version, shorter than a header. */
  const uint8_t bad_first[] = {0xa0, 0x90, 0x81, 0x40, 0x00};
  for (size_t i = 0; i < sizeof bad_first; i++) {
    m.data[1][0] = bad_first[i];
    CHECK_EQ(pt_fec_encode(packets, lengths, 4, FEC_PT, FEC_SSRC, 0, out, sizeof out), PT_ERR_MALFORMED);
  }
  m.data[1][0] = 0x80;
  lengths[2] = 11;
  CHECK_EQ(pt_fec_encode(packets, lengths, 4, FEC_PT, FEC_SSRC, 0, out, sizeof out), PT_ERR_MALFORMED);
  lengths[2] = 12; /* an empty payload is allowed */
  CHECK_EQ(pt_fec_encode(packets, lengths, 4, FEC_PT, FEC_SSRC, 0, out, sizeof out), 24 + PT_FEC_MAX_PAYLOAD);
  lengths[2] = m.length[2];
  /* Too large a payload; too small an output buffer (the exact size is enough). */
  static uint8_t big[PT_RTP_PACKET_MAX + 1];
  memcpy(big, m.data[2], 12);
  packets[2] = big;
  lengths[2] = sizeof big;
  CHECK_EQ(pt_fec_encode(packets, lengths, 4, FEC_PT, FEC_SSRC, 0, out, sizeof out), PT_ERR_TOO_LARGE);
  packets[2] = m.data[2];
  lengths[2] = m.length[2];
  size_t need = 24 + PT_FEC_MAX_PAYLOAD;
  CHECK_EQ(pt_fec_encode(packets, lengths, 4, FEC_PT, FEC_SSRC, 0, out, need - 1), PT_ERR_BUFFER_TOO_SMALL);
  CHECK_EQ(pt_fec_encode(packets, lengths, 4, FEC_PT, FEC_SSRC, 0, out, need), need);
}

static void test_group_size(void) {
  CHECK_EQ(pt_fec_group_size(0, 0), 0);
  CHECK_EQ(pt_fec_group_size(1, 0.5), 1);
  CHECK_EQ(pt_fec_group_size(2, 0.5), 2);
  CHECK_EQ(pt_fec_group_size(10, 0), 10);
  CHECK_EQ(pt_fec_group_size(20, 0.005), 10);
  CHECK_EQ(pt_fec_group_size(11, 0.005), 6); /* 6 + 5, not 10 + 1 */
  CHECK_EQ(pt_fec_group_size(10, 0.01), 5);
  CHECK_EQ(pt_fec_group_size(10, 0.05), 5);
  CHECK_EQ(pt_fec_group_size(4, 0.05), 4);
  CHECK_EQ(pt_fec_group_size(10, 0.2), 3);
  CHECK_EQ(pt_fec_group_size(10, NAN), 3);
  CHECK_EQ(pt_fec_group_size(1000, 0), 10);
  CHECK(pt_fec_group_size((size_t)-1, 0) <= 10);
}

/* Packetizes a VP8 frame as the sender would (leaving room for the FEC header) and protects it. */
static int collect(void *context, const uint8_t *packet, size_t length) {
  (void)context;
  CHECK(m.count < MAX_PACKETS);
  memcpy(m.data[m.count], packet, length);
  m.length[m.count] = length;
  m.state[m.count++] = PT_FEC_PRESENT;
  return PT_OK;
}

static void test_protects_what_the_packetizer_emits(void) {
  static uint8_t frame[20000], fec[PT_FEC_PACKET_MAX], out[PT_FEC_PACKET_MAX];
  for (size_t i = 0; i < sizeof frame; i++) frame[i] = (uint8_t)(i * 13 + (i >> 9));
  pt_rtp_packetizer p;
  CHECK_EQ(pt_rtp_packetizer_init(&p, PT_CODEC_VP8, 96, MEDIA_SSRC, 65500, PT_RTP_PACKET_MAX - PT_FEC_HEADER_SIZE),
           PT_OK);
  m.count = 0;
  m.base = 65500;
  int packets = pt_rtp_packetize(&p, frame, sizeof frame, 123456, collect, NULL);
  CHECK_EQ(packets, m.count);
  size_t size = pt_fec_group_size(m.count, 0.03);
  CHECK_EQ(size, 5);
  pt_fec_decoder *d = NULL;
  CHECK_EQ(pt_fec_decoder_create(&d, 16 * 1024), PT_OK);
  for (size_t from = 0; from < m.count; from += size) {
    size_t count = m.count - from < size ? m.count - from : size;
    int n = encode(from, count, (uint16_t)from, fec, sizeof fec);
    CHECK(n > 0 && n <= PT_RTP_PACKET_MAX);
    CHECK_EQ(pt_fec_decoder_add(d, fec, (size_t)n, 0), PT_OK);
    m.state[from + count - 1] = PT_FEC_MISSING; /* the marker packet in the last group */
  }
  size_t got = 0;
  int n;
  while ((n = pt_fec_decoder_recover(d, lookup, &m, MEDIA_SSRC, 0, MAX_AGE, out, sizeof out)) > 0) {
    size_t i = (uint16_t)(((out[2] << 8) | out[3]) - m.base);
    CHECK(i < m.count && m.state[i] == PT_FEC_MISSING);
    CHECK_EQ(n, m.length[i]);
    CHECK(memcmp(out, m.data[i], m.length[i]) == 0);
    m.state[i] = PT_FEC_PRESENT;
    got++;
  }
  CHECK_EQ(n, 0);
  CHECK_EQ(got, (m.count + size - 1) / size);
  for (size_t i = 0; i < m.count; i++) CHECK_EQ(m.state[i], PT_FEC_PRESENT);
  pt_fec_decoder_destroy(d);
}

static void test_malformed_fec_packets_are_refused(void) {
  static uint8_t fec[PT_FEC_PACKET_MAX + 1], bad[PT_FEC_PACKET_MAX + 1], out[PT_FEC_PACKET_MAX];
  make_media(3000, 6);
  int fec_length = encode(0, 6, 1, fec, sizeof fec);
  CHECK(fec_length > 0);
  pt_fec_decoder *d = NULL;
  CHECK_EQ(pt_fec_decoder_create(&d, 64 * 1024), PT_OK);
  CHECK_EQ(pt_fec_decoder_create(NULL, 64 * 1024), PT_ERR_INVALID_ARGUMENT);
  pt_fec_decoder *small = d;
  CHECK_EQ(pt_fec_decoder_create(&small, PT_FEC_MAX_PAYLOAD - 1), PT_ERR_INVALID_ARGUMENT);
  CHECK(small == NULL);
  CHECK_EQ(pt_fec_decoder_add(NULL, fec, (size_t)fec_length, 0), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_fec_decoder_add(d, NULL, 0, 0), PT_ERR_INVALID_ARGUMENT);
  double malformed = 0;

  /* Every truncation, each in an exact-size allocation so that ASan sees any overread. Up to both headers the
   * packet is refused; a shorter parity cannot be told from a whole one (the format has no length field) unless
   * length_xor gives it away, but it can never rebuild anything: the longest packet no longer matches. */
  m.state[1] = PT_FEC_MISSING;
  for (size_t length = 0; length < (size_t)fec_length; length++) {
    uint8_t *copy = malloc(length ? length : 1);
    CHECK(copy != NULL);
    memcpy(copy, fec, length);
    int r = pt_fec_decoder_add(d, copy, length, 0);
    free(copy);
    if (length < 24) {
      CHECK_EQ(r, PT_ERR_MALFORMED);
    } else {
      CHECK(r == PT_OK || r == PT_ERR_MALFORMED);
    }
    if (r == PT_ERR_MALFORMED) malformed++;
    CHECK_EQ(pt_fec_decoder_recover(d, lookup, &m, MEDIA_SSRC, 0, MAX_AGE, out, sizeof out), 0);
    CHECK_EQ(counters(d).held_packets, 0);
  }
  CHECK(counters(d).inconsistent > 0);
  CHECK_EQ(counters(d).malformed, malformed);
  CHECK_EQ(counters(d).recovered, 0);

  /* Bad fields in an otherwise whole packet. */
  struct {
    size_t at;
    uint8_t value;
  } fields[] = {
      {0, 0xa0}, {0, 0x90}, {0, 0x81}, {0, 0x40}, /* padding, extension, CSRC, version 1 */
      {14, 0}, {14, PT_FEC_MAX_GROUP + 1}, {14, 255}, /* count */
      {15, 0}, {15, 2},                               /* version */
      {16, 0xff}, {16, 0x08},                         /* length_xor beyond any length the parity allows */
  };
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
    memcpy(bad, fec, (size_t)fec_length);
    bad[fields[i].at] = fields[i].value;
    CHECK_EQ(pt_fec_decoder_add(d, bad, (size_t)fec_length, 0), PT_ERR_MALFORMED);
  }
  /* A tiny parity claiming a long payload; an over-long parity. */
  memcpy(bad, fec, 24);
  bad[16] = 0x00;
  bad[17] = 0x10; /* 16 > any length a 10-byte parity's XOR can reach */
  memset(bad + 24, 0, 10);
  CHECK_EQ(pt_fec_decoder_add(d, bad, 34, 0), PT_ERR_MALFORMED);
  bad[17] = 0x0f; /* possible: accepted, then found inconsistent */
  CHECK_EQ(pt_fec_decoder_add(d, bad, 34, 0), PT_OK);
  CHECK_EQ(pt_fec_decoder_recover(d, lookup, &m, MEDIA_SSRC, 0, MAX_AGE, out, sizeof out), 0);
  memset(bad + 24, 0, sizeof bad - 24);
  bad[16] = bad[17] = 0;
  CHECK_EQ(pt_fec_decoder_add(d, bad, PT_FEC_PACKET_MAX + 1, 0), PT_ERR_MALFORMED);
  /* Reserved is ignored. */
  memcpy(bad, fec, (size_t)fec_length);
  bad[19] = 0x5a;
  CHECK_EQ(pt_fec_decoder_add(d, bad, (size_t)fec_length, 0), PT_OK);
  /* A flipped parity byte past the missing packet's end is caught. */
  memcpy(bad, fec, (size_t)fec_length);
  bad[2] ^= 1; /* another FEC sequence number */
  bad[24 + 5] ^= 0x40; /* packet 0 (missing below) has a 1-byte payload */
  CHECK_EQ(pt_fec_decoder_add(d, bad, (size_t)fec_length, 0), PT_OK);
  m.state[1] = PT_FEC_PRESENT;
  m.state[0] = PT_FEC_MISSING;
  double inconsistent = counters(d).inconsistent;
  CHECK_EQ(pt_fec_decoder_recover(d, lookup, &m, MEDIA_SSRC, 0, MAX_AGE, out, sizeof out), m.length[0]);
  CHECK(memcmp(out, m.data[0], m.length[0]) == 0); /* the good one (reserved set) */
  CHECK_EQ(pt_fec_decoder_recover(d, lookup, &m, MEDIA_SSRC, 0, MAX_AGE, out, sizeof out), 0);
  CHECK_EQ(counters(d).inconsistent, inconsistent + 1);
  pt_fec_decoder_destroy(d);
}

/* Random answers: present with random lengths and bytes, missing or gone. */
static uint8_t random_payload[PT_FEC_PACKET_MAX];
static int random_lookup(void *context, uint16_t seq, pt_fec_source *source) {
  (void)context;
  (void)seq;
  uint64_t r = xorshift();
  if (r % 8 == 0) return PT_FEC_GONE;
  if (r % 8 == 1) return PT_FEC_MISSING;
  if (r % 64 == 2) return 42; /* nonsense counts as gone */
  source->payload = random_payload;
  source->length = (r >> 8) % (PT_FEC_MAX_PAYLOAD + 1);
  source->marker = (int)((r >> 20) & 1);
  source->payload_type = (uint8_t)((r >> 21) % 130);
  source->timestamp = (uint32_t)(r >> 32);
  return PT_FEC_PRESENT;
}

static void test_random_packets_stay_within_budget(void) {
  static uint8_t packet[PT_FEC_PACKET_MAX + 100], out[PT_FEC_PACKET_MAX];
  for (size_t i = 0; i < sizeof random_payload; i++) random_payload[i] = (uint8_t)xorshift();
  const size_t max_bytes = 8000;
  pt_fec_decoder *d = NULL;
  CHECK_EQ(pt_fec_decoder_create(&d, max_bytes), PT_OK);
  size_t accepted = 0, recovered = 0;
  double most_bytes = 0, most_packets = 0;
  for (int round = 0; round < 10000; round++) {
    size_t length = (size_t)(xorshift() % sizeof packet);
    if (round % 3 == 0) length %= 64;
    for (size_t i = 0; i < length; i++) packet[i] = (uint8_t)xorshift();
    if (xorshift() % 4 != 0 && length >= 24) { /* mostly plausible headers, to fill the decoder */
      packet[0] = 0x80;
      packet[14] = (uint8_t)(1 + xorshift() % (round % 2 ? PT_FEC_MAX_GROUP : 4));
      packet[15] = 1;
      size_t parity = length - 24, mask = 0;
      while (mask < parity) mask = mask * 2 + 1;
      packet[16] = (uint8_t)((xorshift() & mask) >> 8);
      packet[17] = (uint8_t)(xorshift() & mask);
    }
    uint8_t *copy = malloc(length ? length : 1);
    CHECK(copy != NULL);
    memcpy(copy, packet, length);
    int r = pt_fec_decoder_add(d, copy, length, round);
    free(copy);
    CHECK(r == PT_OK || r == PT_ERR_MALFORMED);
    if (r == PT_OK) accepted++;
    pt_fec_counters c = counters(d);
    CHECK(c.held_bytes <= (double)max_bytes);
    CHECK(c.held_packets <= PT_FEC_MAX_HELD);
    most_bytes = c.held_bytes > most_bytes ? c.held_bytes : most_bytes;
    most_packets = c.held_packets > most_packets ? c.held_packets : most_packets;
    if (round >= 5000 && round % 7 == 0) { /* the first half only fills the decoder */
      int n;
      size_t capacity = xorshift() % 2 ? sizeof out : (size_t)(xorshift() % sizeof out);
      while ((n = pt_fec_decoder_recover(d, random_lookup, NULL, MEDIA_SSRC, round, 500, out, capacity)) > 0) {
        CHECK((size_t)n <= capacity && n >= 12);
        recovered++;
      }
      CHECK(n == 0 || n == PT_ERR_BUFFER_TOO_SMALL);
    }
  }
  pt_fec_counters c = counters(d);
  fprintf(stderr, "  random: %zu accepted, %.0f malformed, %zu rebuilt from nonsense, %.0f inconsistent, "
                  "at most %.0f bytes and %.0f packets held\n", accepted, c.malformed, recovered, c.inconsistent,
          most_bytes, most_packets);
  CHECK(accepted > 1000 && c.malformed > 1000);
  CHECK(most_bytes > (double)(max_bytes - PT_FEC_MAX_PAYLOAD)); /* the budget was reached, and held */
  pt_fec_decoder_destroy(d);
}

/* 2,000 frames of 10 packets over a channel losing each packet (media or parity) with p = 0.05. */
static void test_simulated_loss(void) {
  enum { FRAMES = 2000, PER_FRAME = 10 };
  static uint8_t fec[2][PT_FEC_PACKET_MAX], out[PT_FEC_PACKET_MAX];
  const double p = 0.05;
  rng_state = 0x2545f4914f6cdd1dull;
  size_t group = pt_fec_group_size(PER_FRAME, p);
  CHECK_EQ(group, 5);
  pt_fec_decoder *d = NULL;
  CHECK_EQ(pt_fec_decoder_create(&d, 32 * 1024), PT_OK);
  uint16_t seq = 60000, fec_seq = 0;
  size_t whole_without = 0, whole_with = 0, parity_sent = 0;
  for (size_t f = 0; f < FRAMES; f++) {
    double now = (double)f * 33.3;
    m.base = seq;
    m.count = PER_FRAME;
    for (size_t i = 0; i < PER_FRAME; i++) {
      m.length[i] = rtp(m.data[i], seq++, (uint32_t)(f * 3000), i + 1 == PER_FRAME, 96,
                        100 + (size_t)(xorshift() % 1100), (unsigned)(f * 16 + i));
    }
    size_t groups = 0;
    for (size_t from = 0; from < PER_FRAME; from += group) {
      int n = encode(from, group, fec_seq++, fec[groups], sizeof fec[groups]);
      CHECK(n > 0);
      parity_sent++;
      if (uniform() >= p) CHECK_EQ(pt_fec_decoder_add(d, fec[groups], (size_t)n, now), PT_OK);
      groups++;
    }
    size_t lost = 0;
    for (size_t i = 0; i < PER_FRAME; i++) {
      m.state[i] = uniform() < p ? PT_FEC_MISSING : PT_FEC_PRESENT;
      lost += m.state[i] == PT_FEC_MISSING;
    }
    if (lost == 0) whole_without++;
    int n;
    while ((n = pt_fec_decoder_recover(d, lookup, &m, MEDIA_SSRC, now, 200, out, sizeof out)) > 0) {
      size_t i = (uint16_t)(((out[2] << 8) | out[3]) - m.base);
      CHECK(i < PER_FRAME && m.state[i] == PT_FEC_MISSING);
      CHECK_EQ(n, m.length[i]);
      CHECK(memcmp(out, m.data[i], m.length[i]) == 0);
      m.state[i] = PT_FEC_PRESENT;
      lost--;
    }
    CHECK_EQ(n, 0);
    if (lost == 0) whole_with++;
    CHECK(counters(d).held_packets <= 2); /* older frames' groups are gone once lookup says so */
  }
  double without = (double)whole_without / FRAMES, with = (double)whole_with / FRAMES;
  pt_fec_counters c = counters(d);
  fprintf(stderr, "  p=%.2f, groups of %zu (%.0f%% overhead): frames whole %.3f without FEC, %.3f with; "
                  "%.0f recovered, %.0f groups dropped unused\n",
          p, group, 100.0 / (double)group, without, with, c.recovered, c.dropped);
  CHECK_EQ(parity_sent, FRAMES * 2);
  CHECK(without < 0.65);
  CHECK(with > 0.9);
  CHECK_EQ(c.inconsistent, 0);
  pt_fec_decoder_destroy(d);
}

int main(void) {
  RUN(test_round_trip_recovers_each_lost_packet);
  RUN(test_sequence_wraparound);
  RUN(test_recovered_packet_needs_room);
  RUN(test_two_missing_wait_gone_drops_and_age_drops);
  RUN(test_several_groups_recover_one_per_call);
  RUN(test_full_decoder_drops_the_oldest);
  RUN(test_encoder_refuses_bad_input);
  RUN(test_group_size);
  RUN(test_protects_what_the_packetizer_emits);
  RUN(test_malformed_fec_packets_are_refused);
  RUN(test_random_packets_stay_within_budget);
  RUN(test_simulated_loss);
  return 0;
}
