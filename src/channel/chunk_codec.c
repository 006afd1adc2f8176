#include "channel/chunk_codec.h"

#include "core/error.h"

static void put32(uint8_t *out, uint32_t value) {
  out[0] = (uint8_t)(value >> 24);
  out[1] = (uint8_t)(value >> 16);
  out[2] = (uint8_t)(value >> 8);
  out[3] = (uint8_t)value;
}

static uint32_t get32(const uint8_t *in) {
  return ((uint32_t)in[0] << 24) | ((uint32_t)in[1] << 16) | ((uint32_t)in[2] << 8) | in[3];
}

uint32_t pt_chunk_count(uint32_t total, uint32_t chunk_size) {
  if (total == 0) return 1;
  return total / chunk_size + (total % chunk_size != 0);
}

void pt_chunk_header_write(const pt_chunk_header *header, uint8_t *out) {
  out[0] = header->version;
  out[1] = header->kind;
  out[2] = 0;
  out[3] = 0;
  put32(out + 4, header->message_id);
  put32(out + 8, header->index);
  put32(out + 12, header->chunk_size);
  put32(out + 16, header->total);
}

uint32_t pt_chunk_offset(const pt_chunk_header *header) { return header->index * header->chunk_size; }

uint32_t pt_chunk_payload_length(const pt_chunk_header *header) {
  uint32_t offset = pt_chunk_offset(header);
  uint32_t rest = header->total - offset;
  return rest < header->chunk_size ? rest : header->chunk_size;
}

int pt_chunk_read(const uint8_t *chunk, size_t length, uint32_t max_message, pt_chunk_header *header) {
  if (chunk == NULL || header == NULL || length < PT_CHUNK_HEADER_SIZE) return PT_ERR_MALFORMED;
  header->version = chunk[0];
  header->kind = chunk[1];
  header->message_id = get32(chunk + 4);
  header->index = get32(chunk + 8);
  header->chunk_size = get32(chunk + 12);
  header->total = get32(chunk + 16);
  if (header->version != PT_CHUNK_VERSION) return PT_ERR_UNSUPPORTED_VERSION;
  if (header->kind > PT_MESSAGE_RESPONSE || chunk[2] != 0 || chunk[3] != 0) return PT_ERR_MALFORMED;
  if (header->chunk_size == 0 || header->chunk_size > PT_CHUNK_SIZE_MAX) return PT_ERR_MALFORMED;
  if (header->total > max_message) return PT_ERR_TOO_LARGE;
  if (header->total > header->chunk_size && header->chunk_size < PT_CHUNK_SIZE_MIN) return PT_ERR_MALFORMED;
  if (header->index >= pt_chunk_count(header->total, header->chunk_size)) return PT_ERR_MALFORMED;
  /* The payload must be exactly what this chunk's place in the message holds. */
  if (length - PT_CHUNK_HEADER_SIZE != pt_chunk_payload_length(header)) return PT_ERR_MALFORMED;
  return PT_OK;
}
