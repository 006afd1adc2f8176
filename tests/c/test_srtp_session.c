#include "media/srtp_session.h"

#include <stdlib.h>
#include <string.h>

#include "check.h"

static const uint8_t key[PT_SRTP_MASTER_KEY_LENGTH] = {
    0xe1, 0xf9, 0x7a, 0x0d, 0x3e, 0x01, 0x8b, 0xe0, 0xd6, 0x4f, 0xa3, 0x2c, 0x06, 0xde, 0x41,
    0x39, 0x0e, 0xc6, 0x75, 0xad, 0x49, 0x8a, 0xfe, 0xeb, 0xb6, 0x96, 0x0b, 0x3a, 0xab, 0xe6};

/* Writes an RTP packet (version 2, PT 96) with `payload_length` payload bytes; returns its length. */
static size_t make_rtp(uint8_t *packet, uint16_t sequence, size_t payload_length) {
  packet[0] = 0x80;
  packet[1] = 96;
  packet[2] = (uint8_t)(sequence >> 8);
  packet[3] = (uint8_t)sequence;
  memcpy(packet + 4, "\x00\x01\xe2\x40\xde\xad\xbe\xef", 8); /* timestamp 123456, SSRC */
  for (size_t i = 0; i < payload_length; i++) packet[12 + i] = (uint8_t)(i * 7 + sequence);
  return 12 + payload_length;
}

static pt_srtp_session *sender, *receiver;

static void open_pair(void) {
  CHECK_EQ(pt_srtp_session_create(&sender, key, sizeof key, PT_SRTP_OUTBOUND), PT_OK);
  CHECK_EQ(pt_srtp_session_create(&receiver, key, sizeof key, PT_SRTP_INBOUND), PT_OK);
}

static void close_pair(void) {
  pt_srtp_session_destroy(sender);
  pt_srtp_session_destroy(receiver);
}

static void test_round_trip(void) {
  open_pair();
  for (uint16_t seq = 1; seq <= 50; seq++) {
    size_t payload = 1 + (seq * 37u) % 1200;
    uint8_t *original = malloc(12 + payload);
    uint8_t *packet = malloc(12 + payload + PT_SRTP_MAX_OVERHEAD); /* exact: ASan sees overruns */
    size_t length = make_rtp(original, seq, payload);
    memcpy(packet, original, length);
    int protected_length = pt_srtp_protect(sender, packet, length, length + PT_SRTP_MAX_OVERHEAD);
    CHECK_EQ(protected_length, (int)length + 10); /* HMAC-SHA1-80 tag */
    CHECK(memcmp(packet, original, 12) == 0);      /* header stays clear */
    CHECK(memcmp(packet + 12, original + 12, payload) != 0 || payload < 4);
    CHECK_EQ(pt_srtp_unprotect(receiver, packet, (size_t)protected_length), (int)length);
    CHECK(memcmp(packet, original, length) == 0);
    free(original);
    free(packet);
  }
  close_pair();
}

static void test_tampered_packet_fails_auth(void) {
  open_pair();
  uint8_t packet[200];
  size_t length = make_rtp(packet, 7, 100);
  int protected_length = pt_srtp_protect(sender, packet, length, sizeof packet);
  uint8_t copy[200];
  /* Flip one bit in the payload, the header and the tag in turn. */
  size_t positions[] = {50, 3, (size_t)protected_length - 1};
  for (size_t i = 0; i < 3; i++) {
    memcpy(copy, packet, (size_t)protected_length);
    copy[positions[i]] ^= 0x01;
    CHECK_EQ(pt_srtp_unprotect(receiver, copy, (size_t)protected_length), PT_ERR_SRTP_AUTH);
  }
  /* The untouched packet still passes afterwards. */
  CHECK_EQ(pt_srtp_unprotect(receiver, packet, (size_t)protected_length), (int)length);
  close_pair();
}

static void test_replayed_packet_rejected(void) {
  open_pair();
  uint8_t packet[200], copy[200];
  size_t length = make_rtp(packet, 1000, 64);
  int protected_length = pt_srtp_protect(sender, packet, length, sizeof packet);
  memcpy(copy, packet, sizeof copy);
  CHECK_EQ(pt_srtp_unprotect(receiver, packet, (size_t)protected_length), (int)length);
  CHECK_EQ(pt_srtp_unprotect(receiver, copy, (size_t)protected_length), PT_ERR_SRTP_REPLAY);
  /* A packet older than the replay window is rejected too. */
  uint8_t old[200];
  size_t old_length = make_rtp(old, 1, 64);
  int old_protected = pt_srtp_protect(sender, old, old_length, sizeof old);
  for (uint16_t seq = 1001; seq < 1001 + PT_SRTP_REPLAY_WINDOW + 10; seq++) {
    size_t n = make_rtp(packet, seq, 16);
    int p = pt_srtp_protect(sender, packet, n, sizeof packet);
    CHECK_EQ(pt_srtp_unprotect(receiver, packet, (size_t)p), (int)n);
  }
  CHECK_EQ(pt_srtp_unprotect(receiver, old, (size_t)old_protected), PT_ERR_SRTP_REPLAY);
  close_pair();
}

static void test_wrong_key_and_bad_input(void) {
  open_pair();
  uint8_t other_key[PT_SRTP_MASTER_KEY_LENGTH];
  memcpy(other_key, key, sizeof other_key);
  other_key[0] ^= 0xff;
  pt_srtp_session *stranger;
  CHECK_EQ(pt_srtp_session_create(&stranger, other_key, sizeof other_key, PT_SRTP_INBOUND), PT_OK);
  uint8_t packet[200];
  size_t length = make_rtp(packet, 5, 40);
  int protected_length = pt_srtp_protect(sender, packet, length, sizeof packet);
  CHECK_EQ(pt_srtp_unprotect(stranger, packet, (size_t)protected_length), PT_ERR_SRTP_AUTH);
  pt_srtp_session_destroy(stranger);

  CHECK_EQ(pt_srtp_protect(sender, packet, 11, sizeof packet), PT_ERR_MALFORMED);
  packet[0] = 0x40; /* version 1 */
  CHECK_EQ(pt_srtp_protect(sender, packet, length, sizeof packet), PT_ERR_MALFORMED);
  length = make_rtp(packet, 6, 40);
  packet[0] = 0x8f; /* 15 CSRCs claimed, 40 payload bytes do not hold them */
  CHECK_EQ(pt_srtp_protect(sender, packet, length, sizeof packet), PT_ERR_MALFORMED);
  length = make_rtp(packet, 6, 40);
  CHECK_EQ(pt_srtp_protect(sender, packet, length, length + 5), PT_ERR_BUFFER_TOO_SMALL);
  CHECK_EQ(pt_srtp_protect(receiver, packet, length, sizeof packet), PT_ERR_STATE);
  CHECK_EQ(pt_srtp_unprotect(sender, packet, length), PT_ERR_STATE);
  CHECK_EQ(pt_srtp_unprotect(receiver, packet, 5), PT_ERR_MALFORMED);
  pt_srtp_session *none;
  CHECK_EQ(pt_srtp_session_create(&none, key, 16, PT_SRTP_OUTBOUND), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_srtp_session_create(&none, key, sizeof key, 7), PT_ERR_INVALID_ARGUMENT);
  close_pair();
}

static void test_generated_keys_differ(void) {
  uint8_t a[PT_SRTP_MASTER_KEY_LENGTH], b[PT_SRTP_MASTER_KEY_LENGTH];
  CHECK_EQ(pt_srtp_generate_master_key(a, sizeof a), PT_OK);
  CHECK_EQ(pt_srtp_generate_master_key(b, sizeof b), PT_OK);
  CHECK(memcmp(a, b, sizeof a) != 0);
  CHECK_EQ(pt_srtp_generate_master_key(a, 16), PT_ERR_INVALID_ARGUMENT);
}

int main(void) {
  RUN(test_round_trip);
  RUN(test_tampered_packet_fails_auth);
  RUN(test_replayed_packet_rejected);
  RUN(test_wrong_key_and_bad_input);
  RUN(test_generated_keys_differ);
  return 0;
}
