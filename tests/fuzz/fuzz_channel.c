/* libFuzzer target for app data channels (src/channel): chunk framing and reassembly, stateful. Every run
 * builds one core with a gateway connection, two peers and five channels (reliable and unreliable, small
 * and large maximum sizes, chunk sizes from the minimum to the maximum), runs the input as a script, then
 * destroys the core (LeakSanitizer finds what reassembly kept).
 *
 * Every payload byte any chunk carries is pattern(offset, id) = offset * 31 + id, from the offset the
 * chunk's own header gives it, so that a delivered message is checked byte by byte whatever chunks
 * it was made of: data[j] == pattern(j, its id). Script steps, [op u8] then its fields:
 *  op % 6 == 0  a described chunk: [channel u8][kind u8][id u8][index u24][chunk size u24][total u32]
 *               [tweak u8]: the payload has the length its place demands, ± tweak's low bits
 *  op % 6 == 1  a raw header: [channel u8][20 header bytes][payload length u16], payload by pattern
 *  op % 6 == 2  time passes: [ms u16] × 10, then pt_core_handle_timeout
 *  op % 6 == 3  a request from a channel: [channel u8] (so that responses to it are awaited)
 *  op % 6 == 4  a message sent by a channel (up to 256 KiB) and its chunks given to another (in order,
 *               or with one left out): [from u8][to u8][length u24][skip u8]
 *  op % 6 == 5  a channel closed and created again: [channel u8]
 * After every step the outputs are drained (messages checked) and the limits checked: what each peer
 * holds equals what its channels hold and stays within PT_PEER_REASSEMBLY_MAX; what is held never
 * passes the bytes of chunks that were taken plus the tree nodes they could need.
 *
 * Build: cmake -DPT_FUZZ=ON with clang (see CMakeLists.txt). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel/channel.h"
#include "core/core.h"
#include "core/error.h"
#include "gateway/connection.h"
#include "peer/peer.h"

#include "fuzz_support.h"


#define CHANNELS 5
#define NODE_BYTES (16 * sizeof(void *)) /* one 16-way node of a partial message's tree */
#define NODES_PER_CHUNK 6                /* the deepest tree: 2^22 chunks at most */

static const struct {
  int peer;
  pt_channel_mode mode;
  uint32_t chunk_size, max_message;
} SPEC[CHANNELS] = {
    {0, PT_CHANNEL_RELIABLE, PT_CHUNK_SIZE_MIN, 64 * 1024},
    {0, PT_CHANNEL_UNRELIABLE, 1500, 64 * 1024},
    {0, PT_CHANNEL_RELIABLE, 65516, 64u << 20},
    {0, PT_CHANNEL_UNRELIABLE, 4096, 64u << 20},
    {1, PT_CHANNEL_RELIABLE, PT_CHUNK_SIZE_MAX, 64u << 20},
};

static pt_core core;
static pt_handle peers[2], channels[CHANNELS];
static uint32_t next_id[CHANNELS]; /* the id each channel's next message or request gets */
static double now_ms;
static double taken_bytes;         /* payload bytes and possible nodes of every chunk taken into a partial */
static uint8_t *buffer;            /* outputs and chunks; grows, kept across runs */
static size_t buffer_size;

static uint8_t pattern(uint32_t offset, uint32_t id) { return (uint8_t)(offset * 31u + id); }

static uint32_t be(const uint8_t *in, size_t bytes) {
  uint32_t value = 0;
  for (size_t i = 0; i < bytes; i++) value = value << 8 | in[i];
  return value;
}

static uint8_t *room(size_t size) {
  if (size > buffer_size) {
    uint8_t *grown = realloc(buffer, size);
    FUZZ_CHECK(grown != NULL);
    buffer = grown;
    buffer_size = size;
  }
  return buffer;
}

static void check_message(const uint8_t *event, size_t length) {
  FUZZ_CHECK(length >= 5 && event[0] <= PT_MESSAGE_RESPONSE);
  uint32_t id = be(event + 1, 4);
  for (size_t j = 5; j < length; j++) FUZZ_CHECK(event[j] == pattern((uint32_t)(j - 5), id));
}

/* Feeds a chunk; a chunk of several taken into a partial counts towards what may be held. */
static int receive(int channel, uint8_t *chunk, size_t length) {
  int status = pt_channel_receive(&core, channels[channel], chunk, length, now_ms);
  FUZZ_CHECK(status <= PT_OK);
  if (status == PT_OK && length > PT_CHUNK_HEADER_SIZE && be(chunk + 16, 4) > be(chunk + 12, 4)) {
    taken_bytes += (double)(length - PT_CHUNK_HEADER_SIZE) + NODES_PER_CHUNK * NODE_BYTES;
  }
  return status;
}

/* Takes every output: messages are checked; chunks sent by channel `from` go to channel `to` (-1:
 * none), except the one numbered `skip`. */
static void drain(int from, int to, int skip) {
  pt_output_info info;
  int sent = 0;
  while (pt_output_queue_peek(&core.outputs, &info) != PT_OUTPUT_NONE) {
    uint8_t *out = room(info.length + 1);
    int length = pt_output_queue_take(&core.outputs, out, info.length + 1);
    FUZZ_CHECK(length >= 0 && (uint32_t)length == (info.kind == PT_OUTPUT_DEADLINE ? 0 : info.length));
    if (info.kind == PT_OUTPUT_EVENT && info.code == PT_EVENT_CHANNEL_MESSAGE) check_message(out, (size_t)length);
    if (info.kind == PT_OUTPUT_SEND && from >= 0 && info.handle == channels[from]) {
      FUZZ_CHECK(info.code == PT_TRANSPORT_CHANNEL && length >= PT_CHUNK_HEADER_SIZE);
      if (sent++ != skip && to >= 0) {
        uint8_t *copy = malloc((size_t)length);
        FUZZ_CHECK(copy != NULL);
        memcpy(copy, out, (size_t)length);
        receive(to, copy, (size_t)length);
        free(copy);
      }
    }
  }
}

static void check_limits(void) {
  int64_t held[2] = {0, 0};
  for (int c = 0; c < CHANNELS; c++) {
    int64_t bytes = pt_channel_reassembly_bytes(&core, channels[c]);
    FUZZ_CHECK(bytes >= 0);
    held[SPEC[c].peer] += bytes;
  }
  for (int p = 0; p < 2; p++) {
    FUZZ_CHECK(pt_peer_reassembly_bytes(&core, peers[p]) == held[p]);
    FUZZ_CHECK(held[p] <= (int64_t)PT_PEER_REASSEMBLY_MAX);
  }
  FUZZ_CHECK((double)(held[0] + held[1]) <= taken_bytes);
}

static void create_channel(int c) {
  char label[8];
  snprintf(label, sizeof label, "c%d", c);
  pt_channel_options options = {SPEC[c].mode, SPEC[c].chunk_size, SPEC[c].max_message, 1000, 1000};
  channels[c] = pt_channel_create(&core, peers[SPEC[c].peer], label, &options, now_ms);
  FUZZ_CHECK(channels[c] > 0);
  FUZZ_CHECK(pt_channel_report_open(&core, channels[c]) == PT_OK);
  next_id[c] = 1;
}

static void setup(void) {
  fuzz_core_with_two_peers(&core, &peers[0], &peers[1]);
  now_ms = 0;
  taken_bytes = 0;
  for (int c = 0; c < CHANNELS; c++) create_channel(c);
  drain(-1, -1, -1);
}

/* Writes a chunk with that header and a pattern payload of `payload` bytes; returns its length. */
static size_t make_chunk(const uint8_t header[PT_CHUNK_HEADER_SIZE], size_t payload) {
  uint8_t *chunk = room(PT_CHUNK_HEADER_SIZE + payload);
  memcpy(chunk, header, PT_CHUNK_HEADER_SIZE);
  uint32_t offset = be(header + 8, 4) * be(header + 12, 4), id = be(header + 4, 4);
  for (size_t i = 0; i < payload; i++) chunk[PT_CHUNK_HEADER_SIZE + i] = pattern(offset + (uint32_t)i, id);
  return PT_CHUNK_HEADER_SIZE + payload;
}

static void described_chunk(const uint8_t *f) {
  pt_chunk_header header = {PT_CHUNK_VERSION, (uint8_t)(f[1] % 3), f[2], be(f + 3, 3), be(f + 6, 3), be(f + 9, 4)};
  if (header.chunk_size > PT_CHUNK_SIZE_MAX + 1) header.chunk_size = PT_CHUNK_SIZE_MAX + 1;
  uint8_t bytes[PT_CHUNK_HEADER_SIZE];
  pt_chunk_header_write(&header, bytes);
  size_t payload = 0;
  if (header.chunk_size > 0 && header.index < pt_chunk_count(header.total, header.chunk_size)) {
    payload = pt_chunk_payload_length(&header);
  }
  int tweak = (f[13] & 3) == 3 ? -1 : f[13] & 1; /* mostly exact; sometimes one byte more or less */
  if (tweak < 0 && payload == 0) tweak = 0;
  payload = (size_t)((long)payload + tweak);
  if (payload > PT_CHUNK_SIZE_MAX + 1) payload = PT_CHUNK_SIZE_MAX + 1;
  size_t length = make_chunk(bytes, payload);
  receive(f[0] % CHANNELS, buffer, length);
}

static void raw_chunk(const uint8_t *f) {
  size_t length = make_chunk(f + 1, be(f + 21, 2));
  receive(f[0] % CHANNELS, buffer, length);
}

static void request(int c) {
  int64_t id = pt_channel_send(&core, channels[c], PT_MESSAGE_REQUEST, 0, (const uint8_t *)"", 0, now_ms);
  if (id > 0) {
    FUZZ_CHECK(id == next_id[c]);
    next_id[c]++;
  }
  pt_channel_pull(&core, channels[c], 1u << 30);
}

static void send_across(const uint8_t *f) {
  int from = f[0] % CHANNELS, to = f[1] % CHANNELS;
  size_t length = be(f + 2, 3) % (256 * 1024 + 1); /* large messages would make few runs; the unit tests send them */
  if (length > SPEC[from].max_message) length = SPEC[from].max_message;
  uint8_t *data = malloc(length + 1);
  FUZZ_CHECK(data != NULL);
  for (size_t j = 0; j < length; j++) data[j] = pattern((uint32_t)j, next_id[from]);
  int64_t id = pt_channel_send(&core, channels[from], PT_MESSAGE_STANDALONE, 0, data, length, now_ms);
  free(data);
  if (id > 0) {
    FUZZ_CHECK(id == next_id[from]);
    next_id[from]++;
  }
  drain(-1, -1, -1);
  pt_channel_pull(&core, channels[from], 1u << 30);
  drain(from, to == from ? -1 : to, f[5] < 0xf0 ? -1 : f[5] & 0x0f);
}

static void recreate(int c) {
  FUZZ_CHECK(pt_channel_close(&core, channels[c], PT_ERR_CLOSED) == PT_OK);
  FUZZ_CHECK(pt_channel_reassembly_bytes(&core, channels[c]) == PT_ERR_STALE_HANDLE);
  create_channel(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const size_t FIELDS[6] = {14, 23, 2, 1, 6, 1};
  setup();
  size_t at = 0;
  while (at < size) {
    uint8_t op = data[at++] % 6;
    if (size - at < FIELDS[op]) break;
    const uint8_t *f = data + at;
    at += FIELDS[op];
    if (op == 0) described_chunk(f);
    if (op == 1) raw_chunk(f);
    if (op == 2) {
      now_ms += be(f, 2) * 10.0;
      FUZZ_CHECK(pt_core_handle_timeout(&core, now_ms) == PT_OK);
    }
    if (op == 3) request(f[0] % CHANNELS);
    if (op == 4) send_across(f);
    if (op == 5) recreate(f[0] % CHANNELS);
    drain(-1, -1, -1);
    check_limits();
  }
  /* Closing a peer gives back what its channels held. */
  FUZZ_CHECK(pt_peer_close(&core, peers[0], PT_ERR_CLOSED) == PT_OK);
  drain(-1, -1, -1);
  FUZZ_CHECK(pt_peer_reassembly_bytes(&core, peers[0]) == PT_ERR_STALE_HANDLE);
  pt_core_destroy(&core);
  return 0;
}
