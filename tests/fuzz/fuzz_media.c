/* libFuzzer target for the media receive path through a core (src/stream/stream.c, src/peer/peer_control.c):
 * SRTP unprotect, frame assembly, depacketization, the video receiver's FEC recovery, NACKs and reports, and
 * on the host the feedback it takes (src/stream/video_sender.c), stateful. Each run builds one core whose
 * connection accepted two peers, a host and a client, with two streams:
 *  - stream 1: the host's outbound stream (H.264 and Opus) and the client's inbound one; frames the script
 *    gives the host are packetized, protected, paced and sent; the harness delivers the host's media packets
 *    to the client (dropping and reordering as the script says), the client's feedback and control messages
 *    to the host, and the host's control messages to the client;
 *  - stream 2: a client-only inbound stream (H.264 or VP8 by the first byte, and Opus) whose key the harness
 *    knows: RTP packets the script describes, with payloads it writes (H.264 or VP8 payloads, Opus packets,
 *    FEC headers and parity) are protected with that key, optionally tampered with, and delivered.
 * Raw bytes also go to either peer's media channels (feedback on the host, anything on the client).
 *
 * What must hold: the outputs are well formed (fuzz_support.h), the feedback the client sends parses, and
 * every frame the client hands out on stream 1 is, byte for byte, a frame the host sent (normalised by
 * depacketizing what the packetizer makes of it): loss, reordering, retransmission and FEC never make up a
 * frame. The heap stays within 64 MiB of the start (the assemblers hold 8 MiB at most each), and after both
 * peers close and the core is destroyed it is as before.
 *
 * Script: [video codec of stream 2 u8: bit 0 VP8] then steps [op u8], by op % 5:
 *  0  the host sends a frame [kind u8: bit 0 audio][drop mask u8][reverse u8][length u16][bytes]; the host's
 *     media packets are delivered from then on under the mask (packet i dropped when bit i % 8 is set) and
 *     in reverse order of each batch when reverse is odd
 *  1  an RTP packet on stream 2 [what u8: bits 0-1 video, audio, FEC or stream 1's video SSRC; bit 2 marker;
 *     bit 3 tamper][sequence delta i8][timestamp delta u8][length u16][payload]
 *  2  raw bytes [to u8: bit 0 host, bit 1 audio][length u16][bytes]
 *  3  time passes [ms u16]
 *  4  an action [u8 % 4]: the client asks for a keyframe on stream 1 or 2; the host's encoder bitrate; the
 *     client asks for a bitrate
 *
 * Build: cmake -DPT_FUZZ=ON with clang (see CMakeLists.txt). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "core/error.h"
#include "media/feedback.h"
#include "media/rtp_depacketizer.h"
#include "media/rtp_packetizer.h"
#include "media/srtp_session.h"
#include "peer/peer.h"
#include "peer/peer_control.h"
#include "stream/stream.h"

#define FUZZ_WARM_UP_SRTP /* streams and SRTP sessions are made in every run */
#include "fuzz_support.h"

#define SENT_KEPT 32  /* frames of stream 1 a delivered frame may be */
#define QUEUE_MAX 4096
#define HEAP_GROWTH_MAX ((size_t)64 << 20)

static const uint8_t KEY[PT_SRTP_MASTER_KEY_LENGTH] = {
    0x6d, 0x65, 0x64, 0x69, 0x61, 0x2d, 0x66, 0x75, 0x7a, 0x7a, 0x2d, 0x6b, 0x65, 0x79, 0x21,
    0x73, 0x61, 0x6c, 0x74, 0x2d, 0x31, 0x34, 0x2d, 0x62, 0x79, 0x74, 0x65, 0x73, 0x2e, 0x2e};

enum { VIDEO_SSRC = 0x0b0b0001, AUDIO_SSRC = 0x0b0b0002 };

typedef struct sent_frame {
  uint8_t *bytes; /* as the client's depacketizer gives it */
  size_t length;
} sent_frame;

typedef struct queued {
  uint8_t *packet;
  size_t length;
  pt_media_kind kind;
} queued;

static pt_core core;
static pt_handle host, client, host_out, client_in, client_b;
static pt_srtp_session *sender; /* stream 2's key */
static double now_ms;
static sent_frame sent[SENT_KEPT];
static size_t next_sent;
static queued queue[QUEUE_MAX];
static size_t queue_count;
static uint8_t drop_mask;
static int reverse;
static uint16_t sequences[4];
static uint32_t timestamps[4];
static uint32_t stream1_video_ssrc;

/* ---- what the host sent on stream 1 ---- */

/* The payloads of one frame's packets. */
typedef struct payloads {
  const uint8_t *data[8192];
  size_t lengths[8192], count;
} payloads;

static payloads made;

static int collect_payload(void *context, const uint8_t *packet, size_t length) {
  payloads *p = context;
  if (p->count < sizeof p->data / sizeof p->data[0]) {
    p->lengths[p->count] = length - 12;
    p->data[p->count++] = fuzz_copy(packet + 12, length - 12, 0);
  }
  return PT_OK;
}

/* Remembers a frame the host sent, as the client will hand it out. */
static void remember_sent(pt_codec codec, const uint8_t *frame, size_t length) {
  sent_frame *s = &sent[next_sent++ % SENT_KEPT];
  free(s->bytes);
  s->bytes = NULL;
  s->length = 0;
  pt_rtp_packetizer packetizer;
  FUZZ_CHECK(pt_rtp_packetizer_init(&packetizer, codec, 96, 1, 0, PT_RTP_PACKET_MAX) == PT_OK);
  made.count = 0;
  const int packets = pt_rtp_packetize(&packetizer, frame, length, 0, collect_payload, &made);
  if (packets > 0 && made.count == (size_t)packets) {
    const size_t bound = pt_rtp_depacketized_bound(codec, made.lengths, made.count);
    s->bytes = fuzz_copy(NULL, bound, 0);
    int keyframe;
    FUZZ_CHECK(pt_rtp_depacketize(codec, made.data, made.lengths, made.count, s->bytes, bound, &s->length, &keyframe) ==
               PT_OK);
  }
  for (size_t i = 0; i < made.count; i++) free((void *)made.data[i]);
  made.count = 0;
}

static void check_frame_of_stream1(const uint8_t *event, size_t length) {
  const uint8_t *frame = event + 20;
  const size_t frame_length = length - 20;
  for (size_t i = 0; i < SENT_KEPT; i++) {
    if (sent[i].bytes != NULL && sent[i].length == frame_length && memcmp(sent[i].bytes, frame, frame_length) == 0) {
      return;
    }
  }
  fprintf(stderr, "stream 1 handed out a %zu-byte %s frame the host never sent\n", frame_length,
          event[0] == PT_MEDIA_VIDEO ? "video" : "audio");
  FUZZ_CHECK(!"every frame of stream 1 was sent");
}

/* ---- routing ---- */

static void on_output(void *context, const pt_output_info *info, const uint8_t *payload, size_t length) {
  (void)context;
  if (info->kind == PT_OUTPUT_EVENT && info->code == PT_EVENT_STREAM_FRAME && info->handle == client_in) {
    check_frame_of_stream1(payload, length);
  }
  if (info->kind != PT_OUTPUT_SEND) return;
  if (info->code == PT_TRANSPORT_CONTROL) {
    const pt_handle to = info->handle == host ? client : host;
    pt_peer_control_receive(&core, to, (const char *)payload, length, now_ms);
  } else if ((info->code == PT_TRANSPORT_VIDEO || info->code == PT_TRANSPORT_AUDIO) && info->handle == host_out) {
    if (queue_count < QUEUE_MAX) {
      queue[queue_count++] = (queued){fuzz_copy(payload, length, 0), length,
                                      info->code == PT_TRANSPORT_VIDEO ? PT_MEDIA_VIDEO : PT_MEDIA_AUDIO};
    }
  } else if (info->code == PT_TRANSPORT_VIDEO && (info->handle == client_in || info->handle == client_b)) {
    static pt_feedback feedback;
    FUZZ_CHECK(pt_feedback_is_feedback(payload, length) && pt_feedback_parse(payload, length, &feedback) == PT_OK);
    if (info->handle == client_in) {
      uint8_t *copy = fuzz_copy(payload, length, 0);
      pt_peer_media_receive(&core, host, PT_MEDIA_VIDEO, copy, length, now_ms);
      free(copy);
    }
  }
}

/* Drains, then delivers the host's media packets under the current mask and order, until nothing moves. */
static void settle(void) {
  for (int round = 0; round < 64; round++) {
    fuzz_drain(&core, on_output, NULL);
    if (queue_count == 0) return;
    queued batch[QUEUE_MAX];
    const size_t count = queue_count;
    memcpy(batch, queue, count * sizeof *batch);
    queue_count = 0;
    for (size_t n = 0; n < count; n++) {
      queued *q = &batch[reverse ? count - 1 - n : n];
      if (!((drop_mask >> (n % 8)) & 1)) {
        const int status = pt_peer_media_receive(&core, client, q->kind, q->packet, q->length, now_ms);
        FUZZ_CHECK(status <= 0);
      }
      free(q->packet);
    }
  }
  fuzz_drain(&core, on_output, NULL);
  for (size_t n = 0; n < queue_count; n++) free(queue[n].packet);
  queue_count = 0;
}

/* ---- script steps ---- */

static void host_sends(const uint8_t *f, const uint8_t *frame, size_t length) {
  const pt_media_kind kind = (f[0] & 1) ? PT_MEDIA_AUDIO : PT_MEDIA_VIDEO;
  drop_mask = f[1];
  reverse = f[2] & 1;
  const int packets = pt_stream_send_frame(&core, host_out, kind, frame, length, now_ms * 1000.0, now_ms, 0);
  if (packets > 0) remember_sent(kind == PT_MEDIA_AUDIO ? PT_CODEC_OPUS : PT_CODEC_H264, frame, length);
}

static void stream2_packet(const uint8_t *f, const uint8_t *payload, size_t length) {
  const int which = f[0] & 3;
  const uint32_t ssrcs[4] = {VIDEO_SSRC, AUDIO_SSRC, pt_stream_fec_ssrc(VIDEO_SSRC), stream1_video_ssrc};
  sequences[which] = (uint16_t)(sequences[which] + (int8_t)f[1]);
  timestamps[which] += f[2] * 1500u;
  uint8_t *packet = fuzz_copy(NULL, 12 + length + PT_SRTP_MAX_OVERHEAD, 0);
  packet[0] = 0x80;
  packet[1] = (uint8_t)(((f[0] & 4) ? 0x80 : 0) | (which == 2 ? 125 : which == 1 ? 111 : 96));
  packet[2] = (uint8_t)(sequences[which] >> 8);
  packet[3] = (uint8_t)sequences[which];
  for (int i = 0; i < 4; i++) {
    packet[4 + i] = (uint8_t)(timestamps[which] >> (24 - 8 * i));
    packet[8 + i] = (uint8_t)(ssrcs[which] >> (24 - 8 * i));
  }
  if (length > 0) memcpy(packet + 12, payload, length);
  const int protected_length = pt_srtp_protect(sender, packet, 12 + length, 12 + length + PT_SRTP_MAX_OVERHEAD);
  if (protected_length > 0) { /* refused: a sequence number protected before */
    if (f[0] & 8) packet[(f[1] + f[2]) % protected_length] ^= 0x20;
    FUZZ_CHECK(pt_peer_media_receive(&core, client, which == 1 ? PT_MEDIA_AUDIO : PT_MEDIA_VIDEO, packet,
                                     (size_t)protected_length, now_ms) <= 0);
  }
  free(packet);
}

static void raw_bytes(uint8_t to, const uint8_t *bytes, size_t length) {
  uint8_t *copy = fuzz_copy(bytes, length, 0);
  FUZZ_CHECK(pt_peer_media_receive(&core, (to & 1) ? host : client, (to & 2) ? PT_MEDIA_AUDIO : PT_MEDIA_VIDEO, copy,
                                   length, now_ms) <= 0);
  free(copy);
}

static void act(uint8_t what) {
  switch (what % 4) {
    case 0:
      pt_stream_request_keyframe(&core, client_in, now_ms);
      break;
    case 1:
      pt_stream_request_keyframe(&core, client_b, now_ms);
      break;
    case 2:
      pt_stream_set_video_bitrate(&core, host_out, 100000.0 * (1 + what));
      break;
    default:
      pt_peer_request_bitrate(&core, client_in, 50000u * (1 + what));
      break;
  }
}

/* ---- a run ---- */

static pt_stream_description description(uint8_t id, const char *video) {
  pt_stream_description d;
  memset(&d, 0, sizeof d);
  d.stream_id = id;
  strcpy(d.video_codec, video);
  d.width = 64;
  d.height = 48;
  d.frame_rate = 30;
  strcpy(d.audio_codec, "opus");
  d.sample_rate = 48000;
  d.channels = 2;
  return d;
}

static void setup(int vp8) {
  fuzz_core_with_peers(&core, 16, &host, &client);
  now_ms = 1000;
  pt_stream_description one = description(1, "avc1.42e01f");
  host_out = pt_stream_create_outbound(&core, host, &one);
  FUZZ_CHECK(host_out > 0);
  stream1_video_ssrc = one.video_ssrc;
  client_in = pt_stream_create_inbound(&core, client, &one, now_ms);
  FUZZ_CHECK(client_in > 0);
  pt_stream_description two = description(2, vp8 ? "vp8" : "avc1.42e01f");
  two.video_ssrc = VIDEO_SSRC;
  two.audio_ssrc = AUDIO_SSRC;
  memcpy(two.srtp_key, KEY, sizeof KEY);
  client_b = pt_stream_create_inbound(&core, client, &two, now_ms);
  FUZZ_CHECK(client_b > 0);
  FUZZ_CHECK(pt_srtp_session_create(&sender, KEY, sizeof KEY, PT_SRTP_OUTBOUND) == PT_OK);
  memset(sequences, 0, sizeof sequences);
  memset(timestamps, 0, sizeof timestamps);
  drop_mask = 0;
  reverse = 0;
  next_sent = 0;
  settle();
}

static void teardown(void) {
  pt_peer_close(&core, host, PT_ERR_CLOSED);
  pt_peer_close(&core, client, PT_ERR_CLOSED);
  settle();
  pt_core_destroy(&core);
  pt_srtp_session_destroy(sender);
  for (size_t i = 0; i < SENT_KEPT; i++) {
    free(sent[i].bytes);
    sent[i].bytes = NULL;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const size_t FIELDS[5] = {5, 5, 3, 2, 1};
  if (size < 1) return 0;
  const size_t heap_before = fuzz_heap_used();
  setup(data[0] & 1);
  const size_t heap_base = fuzz_heap_used();
  for (size_t at = 1; at < size;) {
    const uint8_t op = data[at++] % 5;
    if (size - at < FIELDS[op]) break;
    const uint8_t *f = data + at;
    at += FIELDS[op];
    size_t length = 0;
    if (op <= 2) {
      length = (size_t)(f[FIELDS[op] - 2] << 8 | f[FIELDS[op] - 1]);
      if (length > size - at) length = size - at;
    }
    switch (op) {
      case 0:
        host_sends(f, data + at, length);
        break;
      case 1:
        stream2_packet(f, data + at, length);
        break;
      case 2:
        raw_bytes(f[0], data + at, length);
        break;
      case 3:
        now_ms += f[0] << 8 | f[1];
        FUZZ_CHECK(pt_core_handle_timeout(&core, now_ms) == PT_OK);
        break;
      default:
        act(f[0]);
        break;
    }
    at += length;
    settle();
    fuzz_check_heap_growth(heap_base, HEAP_GROWTH_MAX);
  }
  teardown();
  fuzz_check_heap_back(heap_before);
  return 0;
}
