#include "host/host_protocol.h"

#include "core/error.h"

int pt_host_message_parse(const uint8_t *data, size_t length, size_t max_payload, uint8_t *type,
                          const uint8_t **payload, size_t *payload_length, size_t *message_length) {
  if (data == NULL && length > 0) return PT_ERR_INVALID_ARGUMENT;
  if (length < PT_HOST_HEADER_SIZE) return PT_ERR_BUFFER_TOO_SMALL;
  uint32_t size = (uint32_t)data[1] | ((uint32_t)data[2] << 8) | ((uint32_t)data[3] << 16) | ((uint32_t)data[4] << 24);
  if (size > max_payload) return PT_ERR_TOO_LARGE;
  if (length - PT_HOST_HEADER_SIZE < size) return PT_ERR_BUFFER_TOO_SMALL;
  *type = data[0];
  *payload = data + PT_HOST_HEADER_SIZE;
  *payload_length = size;
  *message_length = PT_HOST_HEADER_SIZE + (size_t)size;
  return PT_OK;
}

void pt_host_message_header(uint8_t out[PT_HOST_HEADER_SIZE], pt_host_message_type type, uint32_t length) {
  out[0] = (uint8_t)type;
  for (int i = 0; i < 4; i++) out[1 + i] = (uint8_t)(length >> (8 * i));
}
