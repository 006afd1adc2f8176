/* Made-up H.264 access units for tests that send video through the core. */
#ifndef PT_TESTS_H264_FRAMES_H
#define PT_TESTS_H264_FRAMES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Fills `frame` with one Annex-B access unit of `size` bytes (>= 5): an IDR slice when `key`, else a non-IDR
 * one, its bytes a pattern of `index`. Returns size. */
static inline size_t make_frame(uint8_t *frame, int index, int key, size_t size) {
  static const uint8_t start[] = {0, 0, 0, 1};
  memcpy(frame, start, 4);
  frame[4] = key ? 0x65 : 0x41;
  for (size_t i = 5; i < size; i++) frame[i] = (uint8_t)(i * 13 + (size_t)index);
  return size;
}

#endif
