/* libFuzzer target for the chunk framing of app data channels (src/channel/chunk_codec.c): the input is one
 * RTCDataChannel message given to pt_chunk_read with each of several maximum message sizes. A chunk it
 * accepts has the version, a known kind and zero reserved bits; its header written back is byte-identical;
 * its index is below the chunk count; a chunk size under PT_CHUNK_SIZE_MIN only in a message of one chunk;
 * and its payload is exactly the bytes [index × chunk size, min(total, (index + 1) × chunk size)) of the
 * message, computed here in 64 bits (the codec computes in 32). Reassembly itself: fuzz_channel.
 *
 * Build: cmake -DPT_FUZZ=ON with clang (see CMakeLists.txt). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "channel/chunk_codec.h"
#include "core/error.h"

#include "fuzz_support.h"

static const uint32_t MAX_MESSAGES[] = {0, 1, PT_CHUNK_SIZE_MIN, 65536, 64u << 20, UINT32_MAX};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t *chunk = fuzz_copy(data, size, 0);
  for (size_t m = 0; m < sizeof MAX_MESSAGES / sizeof MAX_MESSAGES[0]; m++) {
    pt_chunk_header header;
    int status = pt_chunk_read(chunk, size, MAX_MESSAGES[m], &header);
    FUZZ_CHECK(status == PT_OK || status == PT_ERR_MALFORMED || status == PT_ERR_UNSUPPORTED_VERSION ||
               status == PT_ERR_TOO_LARGE);
    if (status != PT_OK) continue;
    FUZZ_CHECK(header.version == PT_CHUNK_VERSION && header.kind <= PT_MESSAGE_RESPONSE);
    FUZZ_CHECK(header.total <= MAX_MESSAGES[m]);
    uint8_t written[PT_CHUNK_HEADER_SIZE];
    pt_chunk_header_write(&header, written);
    FUZZ_CHECK(memcmp(written, chunk, PT_CHUNK_HEADER_SIZE) == 0);
    FUZZ_CHECK(header.chunk_size >= 1 && header.chunk_size <= PT_CHUNK_SIZE_MAX);
    FUZZ_CHECK(header.total <= header.chunk_size || header.chunk_size >= PT_CHUNK_SIZE_MIN);
    const uint64_t count = header.total == 0 ? 1 : ((uint64_t)header.total + header.chunk_size - 1) / header.chunk_size;
    FUZZ_CHECK(pt_chunk_count(header.total, header.chunk_size) == count && header.index < count);
    const uint64_t offset = (uint64_t)header.index * header.chunk_size;
    const uint64_t end = offset + header.chunk_size < header.total ? offset + header.chunk_size : header.total;
    FUZZ_CHECK(offset <= header.total && pt_chunk_offset(&header) == offset);
    FUZZ_CHECK(pt_chunk_payload_length(&header) == end - offset && size - PT_CHUNK_HEADER_SIZE == end - offset);
  }
  free(chunk);
  return 0;
}
