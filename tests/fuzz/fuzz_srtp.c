/* libFuzzer target for the SRTP receive path (src/media/srtp_session.c over libsrtp2), stateful: per run, one
 * sending and one receiving session with a real key; RTP packets the script describes are protected, kept
 * (the last 16), delivered, replayed, tampered with, and raw bytes are given to unprotect; then both are
 * destroyed and the heap is as before (libsrtp2's one-time set-up happens in LLVMFuzzerInitialize).
 *
 * What must hold: protecting adds exactly the 10-byte tag and leaves the header clear; a packet delivered
 * untampered for the first time unprotects to exactly the RTP packet that was protected (sequence numbers
 * only ever advance by 1 to 32 per SSRC and never wrap, so the receiver's index estimate and its
 * 1,024-packet replay window always take it); delivered again it is refused as a replay; any change to a
 * protected packet (a byte flipped, cut short, bytes appended) is refused, and later deliveries of the
 * untampered packet are unaffected; raw bytes never unprotect (that would forge the tag); a packet with a bad
 * header is refused before libsrtp2 sees it.
 *
 * Steps: [op u8] then, by op % 5:
 *  0  protect [SSRC u8 (of 3)][sequence step u8 (1 + % 32)][form u8: bits 0-1 CSRCs, 2 extension, 3 padding]
 *     [payload length u16 (% 1101)]
 *  1  deliver kept packet [slot u8]
 *  2  deliver it tampered [slot u8][how u8: 0 flip, 1 cut, 2 append][position u16][value u8]
 *  3  unprotect raw bytes [length u16][bytes]
 *  4  protect raw bytes with another sender (SSRC forced to one of 4 others) and deliver them
 *     [spare capacity u8][SSRC u8][length u16][bytes]
 *
 * Build: cmake -DPT_FUZZ=ON with clang (see CMakeLists.txt). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "media/srtp_session.h"

#define FUZZ_WARM_UP_SRTP /* streams and SRTP sessions are made in every run */
#include "fuzz_support.h"

#define KEPT 16
#define SSRCS 3
#define TAG 10
#define LAST_SEQUENCE 30000 /* well before the wrap: no rollover counter to estimate */

static const uint8_t KEY[PT_SRTP_MASTER_KEY_LENGTH] = {
    0x70, 0x65, 0x74, 0x72, 0x69, 0x63, 0x68, 0x6f, 0x72, 0x2d, 0x66, 0x75, 0x7a, 0x7a, 0x2d,
    0x6b, 0x65, 0x79, 0x2d, 0x73, 0x61, 0x6c, 0x74, 0x2d, 0x31, 0x34, 0x62, 0x79, 0x74, 0x65};

typedef struct kept {
  uint8_t *rtp, *srtp;
  size_t rtp_length, srtp_length;
  int delivered;
} kept;

static pt_srtp_session *sender, *raw_sender, *receiver;
static kept packets[KEPT];
static size_t next_slot;
static int have_sequence[SSRCS];
static uint16_t sequences[SSRCS];

static uint32_t ssrc_of(int index) { return 0x5eed0000u + (uint32_t)index; }

static void forget(kept *k) {
  free(k->rtp);
  free(k->srtp);
  memset(k, 0, sizeof *k);
}

/* Writes an RTP header of the form the step asks for; returns its size. */
static size_t write_header(uint8_t *packet, uint8_t form, uint16_t sequence, uint32_t ssrc) {
  const size_t csrcs = form & 3;
  packet[0] = (uint8_t)(0x80 | ((form & 8) ? 0x20 : 0) | ((form & 4) ? 0x10 : 0) | csrcs);
  packet[1] = 96;
  packet[2] = (uint8_t)(sequence >> 8);
  packet[3] = (uint8_t)sequence;
  memcpy(packet + 4, "\x00\x00\x30\x39", 4);
  for (int i = 0; i < 4; i++) packet[8 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
  size_t at = 12;
  for (size_t c = 0; c < csrcs; c++, at += 4) memcpy(packet + at, "\xc5\x4c\x00\x01", 4);
  if (form & 4) {
    memcpy(packet + at, "\xbe\xde\x00\x01\x22\x01\x02\x00", 8);
    at += 8;
  }
  return at;
}

static void protect(const uint8_t *f) {
  const int s = f[0] % SSRCS;
  const uint16_t step = (uint16_t)(1 + f[1] % 32);
  if (have_sequence[s] && sequences[s] + step > LAST_SEQUENCE) return;
  const uint16_t sequence = have_sequence[s] ? (uint16_t)(sequences[s] + step) : step;
  const uint8_t form = f[2];
  const size_t payload = (f[3] << 8 | f[4]) % 1101, padding = (form & 8) ? 4 : 0;
  uint8_t rtp[12 + 12 + 8 + 1100 + 4];
  size_t length = write_header(rtp, form, sequence, ssrc_of(s));
  for (size_t i = 0; i < payload; i++) rtp[length++] = (uint8_t)(i * 13 + sequence);
  for (size_t i = 0; i < padding; i++) rtp[length++] = (uint8_t)(i + 1 == padding ? padding : 0);
  uint8_t *srtp = fuzz_copy(NULL, length + PT_SRTP_MAX_OVERHEAD, 0);
  memcpy(srtp, rtp, length);
  const int protected_length = pt_srtp_protect(sender, srtp, length, length + PT_SRTP_MAX_OVERHEAD);
  FUZZ_CHECK(protected_length == (int)(length + TAG));
  FUZZ_CHECK(memcmp(srtp, rtp, length - payload - padding) == 0); /* the header stays clear */
  have_sequence[s] = 1;
  sequences[s] = sequence;
  kept *k = &packets[next_slot++ % KEPT];
  forget(k);
  k->rtp = fuzz_copy(rtp, length, 0);
  k->rtp_length = length;
  k->srtp = srtp;
  k->srtp_length = (size_t)protected_length;
}

static int unprotect(const uint8_t *srtp, size_t length, uint8_t **rtp) {
  *rtp = fuzz_copy(srtp, length, 0);
  const int status = pt_srtp_unprotect(receiver, *rtp, length);
  FUZZ_CHECK(status == PT_ERR_MALFORMED || status == PT_ERR_SRTP_AUTH || status == PT_ERR_SRTP_REPLAY ||
             status == PT_ERR_SRTP || (status >= 12 && (size_t)status + TAG == length));
  return status;
}

static void deliver(kept *k) {
  if (k->srtp == NULL) return;
  uint8_t *rtp;
  const int status = unprotect(k->srtp, k->srtp_length, &rtp);
  if (k->delivered) {
    FUZZ_CHECK(status == PT_ERR_SRTP_REPLAY);
  } else {
    FUZZ_CHECK(status == (int)k->rtp_length && memcmp(rtp, k->rtp, k->rtp_length) == 0);
    k->delivered = 1;
  }
  free(rtp);
}

static void deliver_tampered(const kept *k, const uint8_t *f) {
  if (k->srtp == NULL) return;
  const size_t position = (size_t)(f[1] << 8 | f[2]) % k->srtp_length;
  uint8_t *changed = malloc(k->srtp_length + 256);
  FUZZ_CHECK(changed != NULL);
  memcpy(changed, k->srtp, k->srtp_length);
  size_t length = k->srtp_length;
  switch (f[0] % 3) {
    case 0:
      changed[position] ^= (uint8_t)(f[3] | 1);
      break;
    case 1:
      length = position;
      break;
    default:
      memset(changed + length, f[3], (size_t)f[3] + 1);
      length += (size_t)f[3] + 1;
      break;
  }
  uint8_t *rtp;
  const int status = unprotect(changed, length, &rtp);
  FUZZ_CHECK(status < 0);
  free(rtp);
  free(changed);
}

static void raw_unprotect(const uint8_t *bytes, size_t length) {
  uint8_t *rtp;
  FUZZ_CHECK(unprotect(bytes, length, &rtp) < 0);
  free(rtp);
}

static void raw_protect(uint8_t spare, uint8_t ssrc, const uint8_t *bytes, size_t length) {
  uint8_t *packet = fuzz_copy(NULL, length + spare, 0);
  memcpy(packet, bytes, length);
  if (length >= 12) {
    memcpy(packet + 8, "\xfe\xed\x00", 3);
    packet[11] = ssrc & 3;
  }
  int status = pt_srtp_protect(raw_sender, packet, length, length + spare);
  FUZZ_CHECK(status == PT_ERR_MALFORMED || status == PT_ERR_BUFFER_TOO_SMALL || status == PT_ERR_SRTP ||
             status == (int)(length + TAG));
  FUZZ_CHECK(status != PT_ERR_BUFFER_TOO_SMALL || spare < PT_SRTP_MAX_OVERHEAD);
  if (status > 0) {
    uint8_t *original = fuzz_copy(bytes, length, 0);
    memcpy(original + 8, packet + 8, 4);
    uint8_t *rtp;
    status = unprotect(packet, (size_t)status, &rtp);
    FUZZ_CHECK(status < 0 || ((size_t)status == length && memcmp(rtp, original, length) == 0));
    free(rtp);
    free(original);
  }
  free(packet);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const size_t FIELDS[5] = {5, 1, 5, 2, 4};
  const size_t heap_before = fuzz_heap_used();
  FUZZ_CHECK(pt_srtp_session_create(&sender, KEY, sizeof KEY, PT_SRTP_OUTBOUND) == PT_OK);
  FUZZ_CHECK(pt_srtp_session_create(&raw_sender, KEY, sizeof KEY, PT_SRTP_OUTBOUND) == PT_OK);
  FUZZ_CHECK(pt_srtp_session_create(&receiver, KEY, sizeof KEY, PT_SRTP_INBOUND) == PT_OK);
  memset(have_sequence, 0, sizeof have_sequence);
  next_slot = 0;
  for (size_t at = 0; at < size;) {
    const uint8_t op = data[at++] % 5;
    if (size - at < FIELDS[op]) break;
    const uint8_t *f = data + at;
    at += FIELDS[op];
    size_t length;
    switch (op) {
      case 0:
        protect(f);
        break;
      case 1:
        deliver(&packets[f[0] % KEPT]);
        break;
      case 2:
        deliver_tampered(&packets[f[0] % KEPT], f + 1);
        break;
      case 3:
        length = (size_t)(f[0] << 8 | f[1]) <= size - at ? (size_t)(f[0] << 8 | f[1]) : size - at;
        raw_unprotect(data + at, length);
        at += length;
        break;
      default:
        length = (size_t)(f[2] << 8 | f[3]) <= size - at ? (size_t)(f[2] << 8 | f[3]) : size - at;
        raw_protect(f[0], f[1], data + at, length);
        at += length;
        break;
    }
  }
  for (size_t i = 0; i < KEPT; i++) forget(&packets[i]);
  pt_srtp_session_destroy(sender);
  pt_srtp_session_destroy(raw_sender);
  pt_srtp_session_destroy(receiver);
  fuzz_check_heap_back(heap_before);
  return 0;
}
