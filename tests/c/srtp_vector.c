/* Prints, as hex lines, the SRTP protection of fixed RTP packets under a fixed key, so that the
 * node tests can check that the wasm build produces the very same bytes as the native one.
 * Usage: srtp_vector <30-byte key hex> <rtp packet hex>... */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/srtp_session.h"

static int parse_hex(const char *hex, uint8_t *out, size_t capacity) {
  size_t n = strlen(hex);
  if (n % 2 != 0 || n / 2 > capacity) return -1;
  for (size_t i = 0; i < n / 2; i++) {
    unsigned int byte;
    if (sscanf(hex + 2 * i, "%2x", &byte) != 1) return -1;
    out[i] = (uint8_t)byte;
  }
  return (int)(n / 2);
}

int main(int argc, char **argv) {
  uint8_t key[PT_SRTP_MASTER_KEY_LENGTH];
  if (argc < 3 || parse_hex(argv[1], key, sizeof key) != PT_SRTP_MASTER_KEY_LENGTH) {
    fprintf(stderr, "usage: srtp_vector <key hex (30 bytes)> <rtp hex>...\n");
    return 2;
  }
  pt_srtp_session *session;
  if (pt_srtp_session_create(&session, key, sizeof key, PT_SRTP_OUTBOUND) != 0) return 1;
  static uint8_t packet[65536];
  for (int a = 2; a < argc; a++) {
    int length = parse_hex(argv[a], packet, sizeof packet - PT_SRTP_MAX_OVERHEAD);
    int result = length < 0 ? -1 : pt_srtp_protect(session, packet, (size_t)length, sizeof packet);
    if (result < 0) {
      printf("error %d\n", result);
      continue;
    }
    for (int i = 0; i < result; i++) printf("%02x", packet[i]);
    printf("\n");
  }
  pt_srtp_session_destroy(session);
  return 0;
}
