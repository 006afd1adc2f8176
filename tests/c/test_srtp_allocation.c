/* SRTP sessions when memory runs out: every allocation libsrtp2 makes, failed in turn, gives an error and
 * leaves nothing behind (the ASan build's leak check), and the next attempt works. libsrtp2 2.5.0 used to
 * crash in srtp_create when its stream list could not be allocated (src/media/srtp_stream_list.c), and
 * a failed srtp_init left every later session failing. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/error.h"
#include "media/srtp_session.h"

/* libsrtp2's allocator (crypto/kernel/alloc.c), defined here instead, so that its alloc.o is not linked and
 * the test decides which allocation fails: the one after `countdown` more succeed (-1: none). */
static int countdown = -1;
static int failed;

void *srtp_crypto_alloc(size_t size);
void srtp_crypto_free(void *pointer);
struct pt_srtp_debug_module {
  int on;
  const char *name;
} srtp_mod_alloc = {0, "alloc"}; /* the same layout as libsrtp2's srtp_debug_module_t */

void *srtp_crypto_alloc(size_t size) {
  if (size == 0) return NULL;
  if (countdown == 0) {
    countdown = -1;
    failed = 1;
    return NULL;
  }
  if (countdown > 0) countdown--;
  return calloc(1, size);
}

void srtp_crypto_free(void *pointer) {
  free(pointer);
}

static const uint8_t key[PT_SRTP_MASTER_KEY_LENGTH] = {7, 1, 2, 3};

static size_t make_rtp(uint8_t *packet, uint16_t sequence, uint32_t ssrc) {
  memset(packet, 0, 112);
  packet[0] = 0x80;
  packet[1] = 96;
  packet[2] = (uint8_t)(sequence >> 8);
  packet[3] = (uint8_t)sequence;
  packet[8] = (uint8_t)(ssrc >> 24), packet[9] = (uint8_t)(ssrc >> 16);
  packet[10] = (uint8_t)(ssrc >> 8), packet[11] = (uint8_t)ssrc;
  return 112;
}

/* Fails allocation n (from 0) of a create, for every n until one needs no more; then the session works. */
static void test_a_failed_allocation_in_create_is_an_error(void) {
  for (int direction = PT_SRTP_OUTBOUND; direction <= PT_SRTP_INBOUND; direction++) {
    int n = 0;
    for (;; n++) {
      pt_srtp_session *session = NULL;
      failed = 0;
      countdown = n;
      int status = pt_srtp_session_create(&session, key, sizeof key, (pt_srtp_direction)direction);
      countdown = -1;
      if (!failed) {
        CHECK_EQ(status, PT_OK);
        pt_srtp_session_destroy(session);
        break;
      }
      CHECK(status == PT_ERR_NO_MEMORY || status == PT_ERR_SRTP);
      CHECK(session == NULL);
    }
    CHECK(n > 2); /* the test reached past the first allocations */
  }
}

/* An inbound session makes a stream for each new SSRC on its first packet: that allocation failing drops
 * the packet with an error; the next packet of the SSRC goes through. */
static void test_a_failed_allocation_for_a_new_ssrc_drops_only_that_packet(void) {
  pt_srtp_session *sender = NULL, *receiver = NULL;
  CHECK_EQ(pt_srtp_session_create(&sender, key, sizeof key, PT_SRTP_OUTBOUND), PT_OK);
  uint8_t packet[128];
  uint16_t sequence = 1;
  for (int n = 0;; n++) {
    CHECK_EQ(pt_srtp_session_create(&receiver, key, sizeof key, PT_SRTP_INBOUND), PT_OK);
    size_t length = make_rtp(packet, sequence++, 0x1234);
    int protected_length = pt_srtp_protect(sender, packet, length, sizeof packet);
    CHECK(protected_length > 0);
    failed = 0;
    countdown = n;
    int status = pt_srtp_unprotect(receiver, packet, (size_t)protected_length);
    countdown = -1;
    if (!failed) {
      CHECK_EQ(status, (int)length);
      pt_srtp_session_destroy(receiver);
      break;
    }
    CHECK_EQ(status, PT_ERR_NO_MEMORY);
    length = make_rtp(packet, sequence++, 0x1234);
    protected_length = pt_srtp_protect(sender, packet, length, sizeof packet);
    CHECK_EQ(pt_srtp_unprotect(receiver, packet, (size_t)protected_length), (int)length);
    pt_srtp_session_destroy(receiver);
  }
  pt_srtp_session_destroy(sender);
}

int main(void) {
  RUN(test_a_failed_allocation_in_create_is_an_error);
  RUN(test_a_failed_allocation_for_a_new_ssrc_drops_only_that_packet);
  return 0;
}
