/* libFuzzer target for the frame assembler (src/media/frame_assembler.c), stateful: one assembler per run,
 * configured by the first 8 bytes, fed a script of packets, polls and requests with a clock, then destroyed.
 *
 * Every payload this harness builds says where it belongs: [sequence u16][timestamp u32][marker u8] and then
 * bytes of a pattern of its sequence number, cut to the length the script asks for (0 to 255), inside an RTP
 * header with CSRCs, an extension and padding as the script asks. So a frame handed out is checked whole:
 * consecutive sequence numbers from one past the previous frame's end (unless the sender restarted, or jumped so
 * far since that the 16-bit numbers cannot say which comes first), one
 * timestamp (the one the sink is given), the marker on its last packet only, the pattern intact, at most
 * max_packets packets, arrival no later than now; and a packet found by pt_frame_assembler_lookup is the one
 * of that sequence number. The counters agree with what the harness saw (packets, malformed, frames,
 * keyframe requests); the payload bytes held stay within the byte budget (the heap, under ASan); and the
 * work (slots, bitmap words, queue entries visited) stays within a constant times (bitmap words + 1) per call
 * plus a constant per packet: no arrival pattern makes it quadratic.
 *
 * Header: [max_packets u16][max_bytes / 16 u16][reorder ms u8][keyframe interval / 4 ms u8]
 *         [max_packets_behind u8][flags u8: 1 pause_when_idle, 2 no classifier (audio)]
 * Steps:  [op u8] then, by op % 8:
 *  0, 2  a packet [sequence delta i8][timestamp delta u8][form u8][length u8][ms × 4 u8]
 *  1     a packet at [sequence u16][timestamp delta u8][form u8][length u8][ms × 4 u8]
 *        form: bit 0 marker, bit 1 padding (bits 5-7 + 1 bytes), bit 2 extension, bits 3-4 CSRC count
 *  3     a packet with a raw header [length u8][bytes] (its payload, if any, is made this harness's)
 *  4     a poll after [ms u16]
 *  5     [u8]: bit 0 want_keyframe, else take_keyframe_request
 *  6     set_timing [reorder ms u8][keyframe interval / 4 ms u8]
 *  7     lookup [sequence delta i8]
 *
 * Build: cmake -DPT_FUZZ=ON with clang (see CMakeLists.txt). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "media/frame_assembler.h"
#include "media/rtp_header.h"

#include "fuzz_support.h"

#define MARK_SIZE 7 /* sequence, timestamp, marker */
#define WORK_PER_CALL 16
#define WORK_PER_PACKET 16

static pt_frame_assembler *assembler;
static pt_frame_assembler_config config;
static double now_ms;
static uint16_t last_sequence;
static uint32_t last_timestamp;
static int classified; /* a classifier: a frame is a keyframe when its first payload's length is even */

/* What the harness counted. */
static double frames, malformed, packets, keyframe_requests, calls;
static double last_restarts; /* restarts when the last frame was handed out */
static int have_end;
static uint16_t last_end;     /* sequence number of the last frame's last packet */
static int jumped;            /* a packet since then lay 16,384 or more from it: 16-bit order tells nothing */

static uint8_t pattern(uint16_t sequence, size_t i) { return (uint8_t)(sequence * 7u + i); }

static uint32_t get32(const uint8_t *in) {
  return (uint32_t)in[0] << 24 | (uint32_t)in[1] << 16 | (uint32_t)in[2] << 8 | in[3];
}

/* A payload of this harness, as far as its length shows: its sequence number (or -1), checked pattern. */
static int32_t payload_sequence(const uint8_t *payload, size_t length, uint32_t timestamp, int *marker) {
  *marker = -1;
  if (length < 2) return -1;
  const uint16_t sequence = (uint16_t)(payload[0] << 8 | payload[1]);
  if (length >= 6) FUZZ_CHECK(get32(payload + 2) == timestamp);
  if (length >= MARK_SIZE) *marker = payload[6];
  for (size_t i = MARK_SIZE; i < length; i++) FUZZ_CHECK(payload[i] == pattern(sequence, i));
  return sequence;
}

static int classify(void *context, const uint8_t *const *payloads, const size_t *lengths, size_t count) {
  (void)context;
  (void)payloads;
  FUZZ_CHECK(count >= 1);
  return lengths[0] % 2 == 0;
}

static int sink(void *context, const uint8_t *const *payloads, const size_t *lengths, size_t count, uint32_t timestamp,
                double first_arrival_ms, int keyframe) {
  (void)context;
  pt_frame_assembler_counters counters;
  pt_frame_assembler_counters_of(assembler, &counters);
  FUZZ_CHECK(count >= 1 && count <= config.max_packets && first_arrival_ms <= now_ms);
  FUZZ_CHECK(keyframe == (classified ? lengths[0] % 2 == 0 : 1));
  int32_t first = -1; /* the first packet's sequence number, once a payload shows one */
  for (size_t i = 0; i < count; i++) {
    int marker;
    const int32_t sequence = payload_sequence(payloads[i], lengths[i], timestamp, &marker);
    if (sequence >= 0) {
      const uint16_t start = (uint16_t)(sequence - i);
      FUZZ_CHECK(first < 0 || start == first);
      first = start;
    }
    FUZZ_CHECK(marker < 0 || marker == (i + 1 == count));
  }
  if (first >= 0 && have_end && !jumped && counters.restarts == last_restarts) {
    FUZZ_CHECK((uint16_t)(first - last_end) >= 1 && (uint16_t)(first - last_end) < 32768);
  }
  if (first >= 0) {
    have_end = 1;
    last_end = (uint16_t)(first + count - 1);
  } else {
    have_end = 0;
  }
  last_restarts = counters.restarts;
  jumped = 0;
  frames++;
  return PT_OK;
}

static void check_counters(size_t heap_base) {
  pt_frame_assembler_counters c;
  pt_frame_assembler_counters_of(assembler, &c);
  FUZZ_CHECK(c.frames == frames && c.malformed == malformed && c.packets == packets);
  FUZZ_CHECK(c.keyframe_requests == keyframe_requests);
  FUZZ_CHECK(c.duplicates + c.too_old <= c.packets && c.lost >= 0 && c.frames_dropped >= 0);
  const double words = (config.max_packets + 63) / 64;
  FUZZ_CHECK(c.work <= WORK_PER_CALL * calls * (words + 1) + WORK_PER_PACKET * packets);
  /* Payloads held: each in a block of its length (at least one byte), within the byte budget. */
  fuzz_check_heap_growth(heap_base, config.max_bytes + config.max_packets);
  const double deadline = pt_frame_assembler_deadline(assembler);
  FUZZ_CHECK(deadline == -1.0 || deadline >= 0);
}

static void push(const uint8_t *packet, size_t length) {
  uint8_t *copy = fuzz_copy(packet, length, 0);
  calls++;
  const int status = pt_frame_assembler_push(assembler, copy, length, now_ms, sink, NULL);
  free(copy);
  FUZZ_CHECK(status == PT_OK || status == PT_ERR_MALFORMED);
  if (status == PT_ERR_MALFORMED) malformed++;
  else packets++;
  if (status == PT_OK && have_end) { /* not malformed: the header is there */
    const int16_t distance = (int16_t)((packet[2] << 8 | packet[3]) - last_end);
    if (distance >= 16384 || distance <= -16384) jumped = 1;
  }
}

/* Writes this harness's payload for a packet's sequence number, timestamp and marker into payload[length]. */
static void write_payload(uint8_t *payload, size_t length, const uint8_t *header) {
  const uint8_t mark[MARK_SIZE] = {header[2], header[3], header[4], header[5], header[6], header[7], (uint8_t)(header[1] >> 7)};
  const uint16_t sequence = (uint16_t)(header[2] << 8 | header[3]);
  for (size_t i = 0; i < length; i++) payload[i] = i < MARK_SIZE ? mark[i] : pattern(sequence, i);
}

/* A packet with the script's own header bytes (any version, CSRC count, extension length, padding), whose
 * payload, where the header leaves one, is this harness's, so that what is handed out can still be checked. */
static void raw_packet(const uint8_t *bytes, size_t length) {
  uint8_t *packet = fuzz_copy(bytes, length, 0);
  const int header = pt_rtp_header_size(packet, length);
  const size_t padding = header >= 0 && (packet[0] & 0x20) ? packet[length - 1] : 0;
  if (header >= 0 && padding <= length - (size_t)header) write_payload(packet + header, length - header - padding, packet);
  push(packet, length);
  free(packet);
}

/* Builds the packet a script step describes: f = [timestamp delta][form][length][ms × 4]. */
static void built_packet(uint16_t sequence, const uint8_t *f) {
  uint8_t packet[12 + 60 + 8 + 255 + 8];
  const uint8_t form = f[1];
  const size_t csrcs = (form >> 3) & 3, padding = (form & 2) ? (size_t)(form >> 5) + 1 : 0, length = f[2];
  const int marker = form & 1;
  const uint32_t timestamp = last_timestamp + f[0] * 3000u;
  packet[0] = (uint8_t)(0x80 | ((form & 2) ? 0x20 : 0) | ((form & 4) ? 0x10 : 0) | csrcs);
  packet[1] = (uint8_t)((marker ? 0x80 : 0) | 96);
  packet[2] = (uint8_t)(sequence >> 8);
  packet[3] = (uint8_t)sequence;
  for (int i = 0; i < 4; i++) packet[4 + i] = (uint8_t)(timestamp >> (24 - 8 * i));
  memset(packet + 8, 0x5a, 4 + 4 * csrcs);
  size_t at = 12 + 4 * csrcs;
  if (form & 4) {
    memcpy(packet + at, "\xbe\xde\x00\x01\x10\xff\x00\x00", 8);
    at += 8;
  }
  write_payload(packet + at, length, packet);
  at += length;
  for (size_t i = 0; i < padding; i++) packet[at++] = (uint8_t)(i + 1 == padding ? padding : 0);
  now_ms += f[3] * 0.25;
  last_sequence = sequence;
  last_timestamp = timestamp;
  push(packet, at);
}

static void lookup(uint16_t sequence) {
  const uint8_t *payload;
  size_t length;
  int marker;
  uint32_t timestamp;
  const int found = pt_frame_assembler_lookup(assembler, sequence, &payload, &length, &marker, &timestamp);
  FUZZ_CHECK(found == PT_FA_GONE || found == PT_FA_HELD || found == PT_FA_WANTED);
  if (found != PT_FA_HELD) return;
  int mark;
  const int32_t shown = payload_sequence(payload, length, timestamp, &mark);
  FUZZ_CHECK(shown < 0 || shown == sequence);
  FUZZ_CHECK(mark < 0 || mark == marker);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const size_t FIELDS[8] = {5, 6, 5, 1, 2, 1, 2, 1};
  if (size < 8) return 0;
  config.max_packets = 1 + (data[0] | (uint32_t)data[1] << 8) % PT_FRAME_ASSEMBLER_MAX_PACKETS;
  config.max_bytes = 16 * (1 + (size_t)(data[2] | data[3] << 8));
  config.reorder_ms = data[4];
  config.keyframe_interval_ms = data[5] * 4.0;
  config.max_packets_behind = data[6];
  config.pause_when_idle = data[7] & 1;
  const size_t heap_before = fuzz_heap_used();
  classified = !(data[7] & 2);
  FUZZ_CHECK(pt_frame_assembler_create(&assembler, &config, classified ? classify : NULL, NULL) == PT_OK);
  const size_t heap_base = fuzz_heap_used();
  now_ms = 1000;
  last_sequence = 0;
  last_timestamp = 0;
  frames = malformed = packets = keyframe_requests = calls = last_restarts = 0;
  have_end = jumped = 0;
  for (size_t at = 8; at < size;) {
    const uint8_t op = data[at++] % 8;
    if (size - at < FIELDS[op]) break;
    const uint8_t *f = data + at;
    at += FIELDS[op];
    switch (op) {
      case 0:
      case 2:
        built_packet((uint16_t)(last_sequence + (int8_t)f[0]), f + 1);
        break;
      case 1:
        built_packet((uint16_t)(f[0] << 8 | f[1]), f + 2);
        break;
      case 3: {
        const size_t length = f[0] <= size - at ? f[0] : size - at;
        raw_packet(data + at, length);
        at += length;
        break;
      }
      case 4:
        now_ms += f[0] | f[1] << 8;
        calls++;
        FUZZ_CHECK(pt_frame_assembler_poll(assembler, now_ms, sink, NULL) == PT_OK);
        break;
      case 5:
        if (f[0] & 1) {
          pt_frame_assembler_want_keyframe(assembler, now_ms);
        } else if (pt_frame_assembler_take_keyframe_request(assembler, now_ms)) {
          keyframe_requests++;
        }
        break;
      case 6:
        pt_frame_assembler_set_timing(assembler, f[0], f[1] * 4.0);
        break;
      default:
        lookup((uint16_t)(last_sequence + (int8_t)f[0]));
        break;
    }
    check_counters(heap_base);
  }
  pt_frame_assembler_destroy(assembler);
  assembler = NULL;
  fuzz_check_heap_back(heap_before);
  return 0;
}
