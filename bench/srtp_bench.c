/* Native baseline for `npm run bench`: protects and unprotects `count` RTP packets of `size` bytes
 * and prints the elapsed wall time in milliseconds. Usage: srtp_bench <count> <size> */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "media/srtp_session.h"

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: srtp_bench <count> <size>\n");
    return 2;
  }
  long count = atol(argv[1]);
  size_t size = (size_t)atol(argv[2]);
  if (count <= 0 || size < 12 || size > 60000) return 2;
  uint8_t key[PT_SRTP_MASTER_KEY_LENGTH];
  for (size_t i = 0; i < sizeof key; i++) key[i] = (uint8_t)(i * 37 + 11);
  pt_srtp_session *sender, *receiver;
  if (pt_srtp_session_create(&sender, key, sizeof key, PT_SRTP_OUTBOUND) != 0 ||
      pt_srtp_session_create(&receiver, key, sizeof key, PT_SRTP_INBOUND) != 0) {
    return 1;
  }
  uint8_t *packet = malloc(size + PT_SRTP_MAX_OVERHEAD);
  memset(packet, 0x5a, size);
  struct timespec start, end;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (long i = 0; i < count; i++) {
    packet[0] = 0x80;
    packet[1] = 96;
    packet[2] = (uint8_t)(i >> 8);
    packet[3] = (uint8_t)i;
    packet[8] = (uint8_t)(i >> 16); /* SSRC changes every 65536 packets, so sequence numbers never repeat */
    int protected_length = pt_srtp_protect(sender, packet, size, size + PT_SRTP_MAX_OVERHEAD);
    if (protected_length < 0 || pt_srtp_unprotect(receiver, packet, (size_t)protected_length) != (int)size) {
      fprintf(stderr, "packet %ld failed\n", i);
      return 1;
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &end);
  printf("%.3f\n", (double)(end.tv_sec - start.tv_sec) * 1e3 + (double)(end.tv_nsec - start.tv_nsec) / 1e6);
  pt_srtp_session_destroy(sender);
  pt_srtp_session_destroy(receiver);
  free(packet);
  return 0;
}
