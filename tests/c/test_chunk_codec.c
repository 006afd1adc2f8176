#include "channel/chunk_codec.h"

#include <string.h>

#include "check.h"

static uint8_t chunk[PT_CHUNK_HEADER_SIZE + 2048];

static size_t make(uint8_t version, uint8_t kind, uint32_t id, uint32_t index, uint32_t size, uint32_t total,
                   size_t payload) {
  pt_chunk_header header = {version, kind, id, index, size, total};
  pt_chunk_header_write(&header, chunk);
  memset(chunk + PT_CHUNK_HEADER_SIZE, 0xab, payload);
  return PT_CHUNK_HEADER_SIZE + payload;
}

static void test_round_trip_and_layout(void) {
  size_t length = make(1, PT_MESSAGE_REQUEST, 0x01020304, 2, 1024, 2053, 5);
  CHECK(chunk[0] == 1 && chunk[1] == 1 && chunk[4] == 1 && chunk[7] == 4); /* big-endian id */
  pt_chunk_header header;
  CHECK_EQ(pt_chunk_read(chunk, length, 4096, &header), PT_OK);
  CHECK(header.message_id == 0x01020304 && header.index == 2 && header.chunk_size == 1024 && header.total == 2053);
  CHECK_EQ(pt_chunk_offset(&header), 2048);
  CHECK_EQ(pt_chunk_payload_length(&header), 5); /* the last chunk holds the rest */
  CHECK_EQ(pt_chunk_count(25, 10), 3);
  CHECK_EQ(pt_chunk_count(30, 10), 3);
  CHECK_EQ(pt_chunk_count(0, 10), 1);
  length = make(1, PT_MESSAGE_STANDALONE, 1, 0, 10, 0, 0); /* an empty message is one empty chunk */
  CHECK_EQ(pt_chunk_read(chunk, length, 1000, &header), PT_OK);
  length = make(1, PT_MESSAGE_STANDALONE, 1, 0, 10, 10, 10); /* one chunk may be of any size */
  CHECK_EQ(pt_chunk_read(chunk, length, 1000, &header), PT_OK);
}

static void test_chunks_of_a_message_of_several_are_at_least_the_minimum(void) {
  pt_chunk_header header;
  CHECK_EQ(pt_chunk_read(chunk, make(1, 0, 1, 0, 1024, 1025, 1024), 4096, &header), PT_OK);
  CHECK_EQ(pt_chunk_read(chunk, make(1, 0, 1, 1, 1024, 1025, 1), 4096, &header), PT_OK);
  CHECK_EQ(pt_chunk_read(chunk, make(1, 0, 1, 0, 1023, 1024, 1023), 4096, &header), PT_ERR_MALFORMED);
  CHECK_EQ(pt_chunk_read(chunk, make(1, 0, 1, 1, 1023, 1024, 1), 4096, &header), PT_ERR_MALFORMED);
  /* Issue 14's chunks: the first byte of a 64 MiB message. */
  CHECK_EQ(pt_chunk_read(chunk, make(1, 0, 1, 0, 1, 64u << 20, 1), 64u << 20, &header), PT_ERR_MALFORMED);
}

static void test_hostile_chunks(void) {
  pt_chunk_header header;
  CHECK_EQ(pt_chunk_read(chunk, 19, 1000, &header), PT_ERR_MALFORMED);
  CHECK_EQ(pt_chunk_read(chunk, make(2, 0, 1, 0, 10, 5, 5), 1000, &header), PT_ERR_UNSUPPORTED_VERSION);
  CHECK_EQ(pt_chunk_read(chunk, make(1, 3, 1, 0, 10, 5, 5), 1000, &header), PT_ERR_MALFORMED);
  CHECK_EQ(pt_chunk_read(chunk, make(1, 0, 1, 0, 0, 5, 5), 1000, &header), PT_ERR_MALFORMED);      /* chunk size 0 */
  CHECK_EQ(pt_chunk_read(chunk, make(1, 0, 1, 3, 1024, 2053, 5), 4096, &header), PT_ERR_MALFORMED);    /* index past the end */
  CHECK_EQ(pt_chunk_read(chunk, make(1, 0, 1, 0, 1024, 2053, 1023), 4096, &header), PT_ERR_MALFORMED); /* short payload */
  CHECK_EQ(pt_chunk_read(chunk, make(1, 0, 1, 2, 1024, 2053, 6), 4096, &header), PT_ERR_MALFORMED);    /* long last chunk */
  CHECK_EQ(pt_chunk_read(chunk, make(1, 0, 1, 0, 10, 1001, 10), 1000, &header), PT_ERR_TOO_LARGE); /* over the maximum */
  CHECK_EQ(pt_chunk_read(chunk, make(1, 0, 1, 0xffffffff, 1, 0xffffffff, 0), 1000, &header), PT_ERR_TOO_LARGE);
  size_t length = make(1, 0, 1, 0, 10, 5, 5);
  chunk[2] = 1; /* reserved bits */
  CHECK_EQ(pt_chunk_read(chunk, length, 1000, &header), PT_ERR_MALFORMED);
}

int main(void) {
  RUN(test_round_trip_and_layout);
  RUN(test_hostile_chunks);
  RUN(test_chunks_of_a_message_of_several_are_at_least_the_minimum);
  return 0;
}
