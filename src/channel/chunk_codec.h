/* App data-channel chunks (docs/PROTOCOL.md, "App data channels"): every RTCDataChannel message is
 * one chunk of one app message, with a 20-byte header that fully determines where its bytes go:
 *   version u8 | kind u8 | reserved u16 | message id u32 | index u32 | chunk size u32 | total u32
 * (big-endian). Chunk `index` carries bytes [index*chunk size, min(total, (index+1)*chunk size)). */
#ifndef PT_CHANNEL_CHUNK_CODEC_H
#define PT_CHANNEL_CHUNK_CODEC_H

#include <stddef.h>
#include <stdint.h>

#define PT_CHUNK_VERSION 1
#define PT_CHUNK_HEADER_SIZE 20
#define PT_CHUNK_SIZE_MAX (1u << 20)
/* Smallest chunk size of a message of more than one chunk: bounds the chunks of a message by its size
 * (a 64 MiB message has at most 65,536), so that what a receiver tracks per chunk stays small. */
#define PT_CHUNK_SIZE_MIN 1024u

typedef enum pt_message_kind {
  PT_MESSAGE_STANDALONE = 0,
  PT_MESSAGE_REQUEST = 1,
  PT_MESSAGE_RESPONSE = 2 /* message id = the request's id */
} pt_message_kind;

typedef struct pt_chunk_header {
  uint8_t version;
  uint8_t kind;
  uint32_t message_id;
  uint32_t index;
  uint32_t chunk_size;
  uint32_t total;
} pt_chunk_header;

/* Number of chunks of a message: 1 for an empty message. */
uint32_t pt_chunk_count(uint32_t total, uint32_t chunk_size);

/* Writes the header for chunk `index` into out (PT_CHUNK_HEADER_SIZE bytes). */
void pt_chunk_header_write(const pt_chunk_header *header, uint8_t *out);

/* Reads and checks a chunk of `length` bytes against a maximum message size: PT_ERR_MALFORMED
 * (short, bad kind, reserved bits, chunk size under PT_CHUNK_SIZE_MIN in a message of several chunks,
 * index out of range, payload not the size its place demands),
 * PT_ERR_UNSUPPORTED_VERSION, PT_ERR_TOO_LARGE (total above max_message). */
int pt_chunk_read(const uint8_t *chunk, size_t length, uint32_t max_message, pt_chunk_header *header);

/* Offset and length of a chunk's payload within its message. */
uint32_t pt_chunk_offset(const pt_chunk_header *header);
uint32_t pt_chunk_payload_length(const pt_chunk_header *header);

#endif
