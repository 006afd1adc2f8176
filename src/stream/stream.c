#include "stream/stream.h"

#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "core/error.h"
#include "input/input_filter.h"
#include "input/input_json.h"
#include "input/input_sender.h"
#include "media/frame_assembler.h"
#include "media/rtp_depacketizer.h"
#include "media/rtp_packetizer.h"
#include "media/srtp_session.h"
#include "media/fec.h"
#include "media/feedback.h"
#include "peer/peer.h"
#include "peer/peer_control.h"
#include "platform/random.h"
#include "stream/video_receiver.h"
#include "stream/video_sender.h"

_Static_assert(PT_STREAM_MAX_RECEIVED_PACKET == PT_STREAM_MAX_PACKET + PT_FEC_HEADER_SIZE + PT_SRTP_MAX_OVERHEAD,
               "the longest packet a host sends");

#define FRAME_EVENT_HEADER 20 /* kind u8, keyframe u8, reserved u16, timestamp µs f64 LE, assembly ms f64 LE */
#define VIDEO_PAYLOAD_TYPE 96
#define AUDIO_PAYLOAD_TYPE 111

typedef struct pt_stream {
  pt_handle peer;
  int inbound;
  pt_stream_description description;
  pt_codec codec[2];
  pt_srtp_session *srtp;
  pt_rtp_packetizer packetizer[2];    /* outbound */
  pt_frame_assembler *assembler[2];   /* inbound */
  int have_timestamp[2];              /* inbound: timestamp extension across RTP wraparound */
  int have_first[2];                  /* outbound: the first frame's timestamp, that the others are counted from */
  double first_us[2];
  uint32_t last_rtp[2];
  int64_t extended_rtp[2];
  uint32_t input_level;               /* InputLevel granted to the client */
  pt_input_sender input_sender;       /* client: client → host; host: host → client */
  pt_input_receiver input_receiver;
  pt_video_sender *video_sender;      /* outbound: pacing, retransmission, FEC, rate control */
  pt_video_receiver *video_receiver;  /* inbound: NACKs, FEC recovery, reports */
  int handed_off;                     /* another core receives (inbound) or sends (outbound) its media */
  pt_stream_counters counters;
} pt_stream;

/* Per-call context for the packetizer's and the assembler's callbacks. */
typedef struct pt_stream_call {
  pt_core *core;
  pt_handle handle;
  pt_stream *stream;
  pt_media_kind kind;
  uint8_t *buffer;   /* outbound: room for one protected packet */
  size_t capacity;
  double now_ms;     /* inbound: when the packet arrived */
} pt_stream_call;

static const double clock_rate[2] = {90000.0, 48000.0}; /* RTP clocks: video, Opus */

static pt_stream *lookup(const pt_core *core, pt_handle handle, int *status) {
  void *object = NULL;
  *status = core == NULL ? PT_ERR_INVALID_ARGUMENT : pt_registry_get(&core->registry, handle, PT_KIND_STREAM, &object);
  return *status == PT_OK ? object : NULL;
}

/* Which codec a WebCodecs codec string names; 0 when none is supported. */
static pt_codec codec_of(const char *codec) {
  if (strncmp(codec, "avc1", 4) == 0 || strncmp(codec, "avc3", 4) == 0) return PT_CODEC_H264;
  if (strcmp(codec, "vp8") == 0) return PT_CODEC_VP8;
  if (strcmp(codec, "opus") == 0) return PT_CODEC_OPUS;
  return 0;
}

/* H.264: an access unit that holds an IDR slice or an SPS starts a decodable sequence. */
static int h264_keyframe(const uint8_t *const *payloads, const size_t *lengths, size_t count) {
  for (size_t i = 0; i < count; i++) {
    if (lengths[i] == 0) continue;
    uint8_t type = payloads[i][0] & 0x1f;
    if (type == 5 || type == 7) return 1;
    if (type == 28 && lengths[i] > 1 && ((payloads[i][1] & 0x1f) == 5 || (payloads[i][1] & 0x1f) == 7)) return 1;
    if (type == 24) { /* STAP-A: 16-bit size, then a NAL unit, repeated */
      for (size_t offset = 1; offset + 2 < lengths[i];) {
        size_t size = ((size_t)payloads[i][offset] << 8) | payloads[i][offset + 1];
        uint8_t inner = payloads[i][offset + 2] & 0x1f;
        if (inner == 5 || inner == 7) return 1;
        offset += 2 + size;
      }
    }
  }
  return 0;
}

static int classify(void *context, const uint8_t *const *payloads, const size_t *lengths, size_t count) {
  pt_codec codec = *(const pt_codec *)context;
  if (codec == PT_CODEC_OPUS) return 1;
  if (codec == PT_CODEC_H264) return h264_keyframe(payloads, lengths, count);
  /* VP8: skip the payload descriptor (and its extensions); the P bit of the frame header is 0 on a keyframe. */
  if (count == 0 || lengths[0] < 1) return 0;
  size_t at = 1;
  if (payloads[0][0] & 0x80) {
    if (lengths[0] < 2) return 0;
    uint8_t x = payloads[0][1];
    at = 2 + ((x & 0x80) ? ((lengths[0] > 2 && (payloads[0][2] & 0x80)) ? 2 : 1) : 0) + ((x & 0x40) ? 1 : 0) +
         ((x & 0x30) ? 1 : 0);
  }
  return at < lengths[0] && (payloads[0][at] & 1) == 0;
}

/* Frees a stream and everything it owns (not its registry slot). */
static void destroy_stream(pt_stream *stream) {
  for (int k = 0; k < 2; k++) {
    if (stream->assembler[k] != NULL) pt_frame_assembler_destroy(stream->assembler[k]);
  }
  pt_video_sender_destroy(stream->video_sender);
  pt_video_receiver_destroy(stream->video_receiver);
  pt_srtp_session_destroy(stream->srtp);
  free(stream);
}

uint32_t pt_stream_fec_ssrc(uint32_t video_ssrc) { return video_ssrc ^ 0x80000000u; }

/* H.264 (Annex-B) or VP8: whether an encoded frame starts a decodable sequence. */
static int frame_is_keyframe(pt_codec codec, const uint8_t *frame, size_t length) {
  if (codec == PT_CODEC_VP8) return length > 0 && (frame[0] & 1) == 0;
  for (size_t i = 0; i + 3 < length; i++) {
    if (frame[i] == 0 && frame[i + 1] == 0 && frame[i + 2] == 1) {
      uint8_t type = frame[i + 3] & 0x1f;
      if (type == 5 || type == 7) return 1;
      i += 2;
    }
  }
  return 0;
}

static int ids_in_use(const pt_core *core, pt_handle peer, uint8_t id, int inbound) {
  return pt_stream_find(core, peer, id, inbound) != 0;
}

/* What the core calls: timers and teardown. */
static const pt_kind_ops stream_kind = {pt_stream_deadline, pt_stream_handle_timeout, pt_stream_free};

static pt_handle register_stream(pt_core *core, pt_stream *stream) {
  stream->input_level = stream->description.default_input_level;
  pt_input_sender_init(&stream->input_sender, !stream->inbound, stream->description.stream_id);
  pt_core_register_kind(core, PT_KIND_STREAM, &stream_kind);
  pt_handle handle = pt_core_add(core, PT_KIND_STREAM, stream);
  /* A receiver (pt_stream_open_receiver) belongs to no peer. */
  int status = handle < 0 ? handle : stream->peer == 0 ? PT_OK : pt_peer_add_stream(core, stream->peer, handle);
  if (status != PT_OK) {
    if (handle > 0) pt_core_release(core, handle, PT_KIND_STREAM, NULL);
    destroy_stream(stream);
    return status;
  }
  pt_core_reschedule(core, handle);
  return handle;
}

/* A host stream's codecs, by kind (0: none); PT_ERR_BAD_VALUE when one is named that it cannot send. */
static int outbound_codecs(const pt_stream_description *d, pt_codec codecs[2]) {
  codecs[PT_MEDIA_VIDEO] = d->video_codec[0] ? codec_of(d->video_codec) : 0;
  codecs[PT_MEDIA_AUDIO] = d->audio_codec[0] ? codec_of(d->audio_codec) : 0;
  if (d->video_codec[0] && (codecs[PT_MEDIA_VIDEO] == 0 || codecs[PT_MEDIA_VIDEO] == PT_CODEC_OPUS)) return PT_ERR_BAD_VALUE;
  return d->audio_codec[0] && codecs[PT_MEDIA_AUDIO] != PT_CODEC_OPUS ? PT_ERR_BAD_VALUE : PT_OK;
}

/* A host stream of a peer, or of none (peer 0: a sender in another core than the peer's), from a complete
 * description (key and SSRCs); its RTP sequence numbers start where the description says, or at random. */
static pt_handle create_outbound(pt_core *core, pt_handle peer, const pt_stream_description *d) {
  pt_codec codecs[2];
  if (outbound_codecs(d, codecs) != PT_OK) return PT_ERR_BAD_VALUE;
  const pt_codec video = codecs[PT_MEDIA_VIDEO], audio = codecs[PT_MEDIA_AUDIO];
  uint16_t sequences[2] = {d->video_first_seq, d->audio_first_seq};
  if (!d->has_first_seq && pt_random_fill((uint8_t *)sequences, sizeof sequences) != PT_OK) return PT_ERR_RANDOM;
  pt_stream *stream = calloc(1, sizeof *stream);
  if (stream == NULL) return PT_ERR_NO_MEMORY;
  stream->peer = peer;
  stream->description = *d;
  stream->codec[PT_MEDIA_VIDEO] = video;
  stream->codec[PT_MEDIA_AUDIO] = audio;
  int status = pt_srtp_session_create(&stream->srtp, d->srtp_key, sizeof d->srtp_key, PT_SRTP_OUTBOUND);
  if (status == PT_OK && video)
    status = pt_rtp_packetizer_init(&stream->packetizer[0], video, VIDEO_PAYLOAD_TYPE, d->video_ssrc, sequences[0], PT_STREAM_MAX_PACKET);
  if (status == PT_OK && audio)
    status = pt_rtp_packetizer_init(&stream->packetizer[1], audio, AUDIO_PAYLOAD_TYPE, d->audio_ssrc, sequences[1], PT_STREAM_MAX_PACKET);
  if (status == PT_OK && video) {
    status = pt_video_sender_create(&stream->video_sender, stream->srtp, d->video_ssrc, pt_stream_fec_ssrc(d->video_ssrc),
                                    PT_STREAM_DEFAULT_VIDEO_BPS);
  }
  if (status != PT_OK) {
    destroy_stream(stream);
    return status;
  }
  return register_stream(core, stream);
}

pt_handle pt_stream_create_outbound(pt_core *core, pt_handle peer, pt_stream_description *d) {
  if (core == NULL || d == NULL) return PT_ERR_INVALID_ARGUMENT;
  int status = pt_registry_get(&core->registry, peer, PT_KIND_PEER, NULL);
  if (status != PT_OK) return status;
  pt_codec codecs[2];
  if (outbound_codecs(d, codecs) != PT_OK) return PT_ERR_BAD_VALUE;
  if (ids_in_use(core, peer, d->stream_id, 0)) return PT_ERR_EXISTS;
  uint32_t ssrcs[2];
  uint16_t sequences[2];
  if (pt_srtp_generate_master_key(d->srtp_key, sizeof d->srtp_key) != PT_OK || pt_random_fill((uint8_t *)ssrcs, sizeof ssrcs) != PT_OK ||
      pt_random_fill((uint8_t *)sequences, sizeof sequences) != PT_OK) {
    return PT_ERR_RANDOM;
  }
  d->video_ssrc = ssrcs[0];
  d->audio_ssrc = ssrcs[1];
  /* told to the client, whose first frame is then the host's first (joined late, it is only a hint) */
  d->has_first_seq = 1;
  d->video_first_seq = sequences[0];
  d->audio_first_seq = sequences[1];
  while (d->audio_ssrc == d->video_ssrc || d->audio_ssrc == pt_stream_fec_ssrc(d->video_ssrc)) d->audio_ssrc++;
  return create_outbound(core, peer, d);
}

/* A client stream of a peer, or of none (peer 0: a receiver in another core than the peer's). */
static pt_handle create_inbound(pt_core *core, pt_handle peer, const pt_stream_description *d, double now_ms) {
  pt_stream *stream = calloc(1, sizeof *stream);
  int status;
  if (stream == NULL) return PT_ERR_NO_MEMORY;
  stream->peer = peer;
  stream->inbound = 1;
  stream->description = *d;
  stream->codec[PT_MEDIA_VIDEO] = d->video_codec[0] ? codec_of(d->video_codec) : 0;
  stream->codec[PT_MEDIA_AUDIO] = d->audio_codec[0] ? codec_of(d->audio_codec) : 0;
  status = pt_srtp_session_create(&stream->srtp, d->srtp_key, sizeof d->srtp_key, PT_SRTP_INBOUND);
  /* Video waits for retransmissions as long as the round-trip time allows (set by the video receiver);
   * audio is not retransmitted and waits only for reordering. */
  pt_frame_assembler_config config[2] = {{1024, 8u << 20, 40.0, 250.0, 0, 1}, {1024, 8u << 20, 40.0, 250.0, 8, 0}};
  for (int k = 0; k < 2 && status == PT_OK; k++) {
    if (stream->codec[k] != 0) {
      status = pt_frame_assembler_create(&stream->assembler[k], &config[k], classify, &stream->codec[k]);
    }
  }
  if (status == PT_OK && stream->codec[PT_MEDIA_VIDEO] != 0) {
    status = pt_video_receiver_create(&stream->video_receiver, stream->assembler[PT_MEDIA_VIDEO], d->video_ssrc,
                                      VIDEO_PAYLOAD_TYPE, pt_stream_fec_ssrc(d->video_ssrc), now_ms);
  }
  if (status == PT_OK && d->has_first_seq) {
    pt_frame_assembler_expect(stream->assembler[PT_MEDIA_VIDEO], d->video_first_seq);
    pt_frame_assembler_expect(stream->assembler[PT_MEDIA_AUDIO], d->audio_first_seq);
    pt_video_receiver_expect(stream->video_receiver, d->video_first_seq);
  }
  if (status != PT_OK) {
    destroy_stream(stream);
    return status;
  }
  return register_stream(core, stream);
}

pt_handle pt_stream_create_inbound(pt_core *core, pt_handle peer, const pt_stream_description *d, double now_ms) {
  if (core == NULL || d == NULL) return PT_ERR_INVALID_ARGUMENT;
  int status = pt_registry_get(&core->registry, peer, PT_KIND_PEER, NULL);
  if (status != PT_OK) return status;
  if (ids_in_use(core, peer, d->stream_id, 1)) return PT_ERR_EXISTS;
  return create_inbound(core, peer, d, now_ms);
}

pt_handle pt_stream_open_receiver(pt_core *core, const pt_stream_description *d, double now_ms) {
  if (core == NULL || d == NULL) return PT_ERR_INVALID_ARGUMENT;
  if (!d->video_codec[0] && !d->audio_codec[0]) return PT_ERR_BAD_VALUE;
  return create_inbound(core, 0, d, now_ms);
}

int pt_stream_hand_off(pt_core *core, pt_handle handle, char *out, size_t capacity, size_t *length) {
  int status;
  pt_stream *stream = lookup(core, handle, &status);
  if (stream == NULL) return status;
  /* A host stream only before its first frame: the other core's packets start a fresh sequence. */
  if (stream->peer == 0 || stream->handed_off || out == NULL || length == NULL ||
      (!stream->inbound && (stream->have_first[PT_MEDIA_VIDEO] || stream->have_first[PT_MEDIA_AUDIO]))) {
    return PT_ERR_STATE;
  }
  pt_control_message *message = calloc(1, sizeof *message);
  if (message == NULL) return PT_ERR_NO_MEMORY;
  message->type = PT_CONTROL_STREAM_ANNOUNCE;
  message->stream = stream->description;
  status = pt_control_build(message, out, capacity, length);
  free(message);
  if (status != PT_OK) return status;
  stream->handed_off = 1;
  /* Nothing of the send path stays here (no sender reports of its own, no pacing): keyframe requests from
   * the client now go straight out as events, for the glue to carry to the sender. */
  pt_video_sender_destroy(stream->video_sender);
  stream->video_sender = NULL;
  pt_core_reschedule(core, handle);
  return PT_OK;
}

pt_handle pt_stream_open_sender(pt_core *core, const pt_stream_description *d) {
  if (core == NULL || d == NULL) return PT_ERR_INVALID_ARGUMENT;
  if (!d->video_codec[0] && !d->audio_codec[0]) return PT_ERR_BAD_VALUE;
  return create_outbound(core, 0, d);
}

/* Queues one packet (or feedback message) on the stream's media channel of the call's kind. */
static int send_on_channel(void *context, const uint8_t *packet, size_t length) {
  pt_stream_call *call = context;
  return pt_output_queue_push(&call->core->outputs, PT_OUTPUT_SEND, call->handle,
                              call->kind == PT_MEDIA_VIDEO ? PT_TRANSPORT_VIDEO : PT_TRANSPORT_AUDIO, packet, length);
}

static int emit_packet(void *context, const uint8_t *packet, size_t length) {
  pt_stream_call *call = context;
  if (call->kind == PT_MEDIA_VIDEO) return pt_video_sender_packet(call->stream->video_sender, packet, length, call->now_ms);
  if (length + PT_SRTP_MAX_OVERHEAD > call->capacity) return PT_ERR_TOO_LARGE;
  memcpy(call->buffer, packet, length);
  int protected_length = pt_srtp_protect(call->stream->srtp, call->buffer, length, call->capacity);
  if (protected_length < 0) return protected_length;
  return send_on_channel(call, call->buffer, (size_t)protected_length);
}

/* Host: passes on what the video sender wants of the encoder (a new bitrate, a keyframe). */
static int ask_encoder(pt_core *core, pt_handle handle, pt_stream *stream, double now_ms) {
  if (stream->video_sender == NULL) return PT_OK;
  double bps = 0;
  int status = PT_OK;
  if (pt_video_sender_take_bitrate(stream->video_sender, now_ms, &bps)) {
    cJSON *payload = cJSON_CreateObject();
    cJSON_AddNumberToObject(payload, "bitsPerSecond", (double)(uint32_t)bps);
    status = pt_core_emit_object(core, handle, PT_EVENT_BITRATE_REQUESTED, payload);
  }
  if (status == PT_OK && pt_video_sender_take_keyframe_ask(stream->video_sender, now_ms)) {
    status = pt_core_emit_json(core, handle, PT_EVENT_KEYFRAME_REQUESTED, "{}");
  }
  return status;
}

/* The nearest whole number (halves away from zero), for values well within int64. */
static int64_t nearest(double x) {
  return x >= 0 ? (int64_t)(x + 0.5) : -(int64_t)(-x + 0.5);
}

int pt_stream_send_frame(pt_core *core, pt_handle handle, pt_media_kind kind, const uint8_t *frame, size_t length,
                         double timestamp_us, double now_ms, size_t channel_buffered) {
  int status;
  pt_stream *stream = lookup(core, handle, &status);
  if (stream == NULL) return status;
  if (stream->inbound || stream->handed_off || (kind != PT_MEDIA_VIDEO && kind != PT_MEDIA_AUDIO) || stream->codec[kind] == 0) {
    return PT_ERR_STATE;
  }
  if (frame == NULL || length == 0 || !(timestamp_us >= 0 && timestamp_us < 9e15)) return PT_ERR_INVALID_ARGUMENT;
  if (length > PT_STREAM_MAX_FRAME) return PT_ERR_TOO_LARGE;
  uint8_t buffer[PT_STREAM_MAX_PACKET + PT_SRTP_MAX_OVERHEAD];
  pt_stream_call call = {core, handle, stream, kind, buffer, sizeof buffer, now_ms};
  /* Rounded from the first frame's time, not from zero: the app's timestamps are whole microseconds, a
   * tick is not (1/48,000 s), and a 20 ms step rounded on its own at both ends could come out a tick short. */
  if (!stream->have_first[kind]) {
    stream->have_first[kind] = 1;
    stream->first_us[kind] = timestamp_us;
  }
  const int64_t ticks = nearest(stream->first_us[kind] * clock_rate[kind] / 1e6) +
                        nearest((timestamp_us - stream->first_us[kind]) * clock_rate[kind] / 1e6);
  uint32_t rtp_timestamp = (uint32_t)(uint64_t)ticks; /* RTP wraps at 2^32 */
  if (kind == PT_MEDIA_VIDEO &&
      !pt_video_sender_begin_frame(stream->video_sender, length, frame_is_keyframe(stream->codec[kind], frame, length),
                                   channel_buffered, now_ms)) {
    status = ask_encoder(core, handle, stream, now_ms);
    pt_core_reschedule(core, handle);
    return status != PT_OK ? status : 0; /* dropped whole: the send queue is too deep, or it depends on a dropped frame */
  }
  int packets = pt_rtp_packetize(&stream->packetizer[kind], frame, length, rtp_timestamp, emit_packet, &call);
  if (kind == PT_MEDIA_VIDEO) {
    status = pt_video_sender_end_frame(stream->video_sender, now_ms, send_on_channel, &call);
    if (status == PT_OK) status = ask_encoder(core, handle, stream, now_ms);
    pt_core_reschedule(core, handle);
    if (packets >= 0 && status != PT_OK) return status;
  }
  if (packets < 0) return packets;
  if (kind == PT_MEDIA_VIDEO) {
    stream->counters.video_frames++;
    stream->counters.video_bytes += (double)length;
    stream->counters.video_packets += packets;
  } else {
    stream->counters.audio_frames++;
    stream->counters.audio_bytes += (double)length;
    stream->counters.audio_packets += packets;
  }
  return packets;
}

static void put_f64_le(uint8_t *out, double value) {
  uint64_t bits;
  memcpy(&bits, &value, sizeof bits);
  for (int i = 0; i < 8; i++) out[i] = (uint8_t)(bits >> (8 * i));
}

/* The assembler hands over a whole frame: depacketize it and queue PT_EVENT_STREAM_FRAME. */
static int deliver_frame(void *context, const uint8_t *const *payloads, const size_t *lengths, size_t count,
                         uint32_t rtp_timestamp, double first_arrival_ms, int keyframe) {
  pt_stream_call *call = context;
  pt_stream *stream = call->stream;
  pt_media_kind kind = call->kind;
  size_t bound = pt_rtp_depacketized_bound(stream->codec[kind], lengths, count);
  uint8_t *event = malloc(FRAME_EVENT_HEADER + bound + 1);
  if (event == NULL) return PT_ERR_NO_MEMORY; /* the assembler counts the frame dropped */
  size_t length = 0;
  int depacketized_keyframe = 0;
  int status = pt_rtp_depacketize(stream->codec[kind], payloads, lengths, count, event + FRAME_EVENT_HEADER, bound + 1,
                                  &length, &depacketized_keyframe);
  if (status == PT_OK) {
    if (!stream->have_timestamp[kind]) {
      stream->extended_rtp[kind] = rtp_timestamp;
      stream->have_timestamp[kind] = 1;
    } else {
      stream->extended_rtp[kind] += (int32_t)(rtp_timestamp - stream->last_rtp[kind]);
    }
    stream->last_rtp[kind] = rtp_timestamp;
    double assembly_ms = call->now_ms - first_arrival_ms;
    event[0] = (uint8_t)kind;
    event[1] = (uint8_t)(keyframe || depacketized_keyframe);
    event[2] = event[3] = 0;
    put_f64_le(event + 4, (double)stream->extended_rtp[kind] * 1e6 / clock_rate[kind]);
    put_f64_le(event + 12, assembly_ms < 0 ? 0 : assembly_ms);
    status = pt_output_queue_push(&call->core->outputs, PT_OUTPUT_EVENT, call->handle, PT_EVENT_STREAM_FRAME, event,
                                  FRAME_EVENT_HEADER + length);
  }
  if (status == PT_OK) {
    double *frames = kind == PT_MEDIA_VIDEO ? &stream->counters.video_frames : &stream->counters.audio_frames;
    double *bytes = kind == PT_MEDIA_VIDEO ? &stream->counters.video_bytes : &stream->counters.audio_bytes;
    (*frames)++;
    *bytes += (double)length;
  }
  free(event);
  return status; /* an error: the assembler drops the frame (counted) and waits for a keyframe */
}

/* Sends the keyframe requests the assemblers call for. */
static int request_keyframes(pt_core *core, pt_handle handle, pt_stream *stream, double now_ms) {
  for (int k = 0; k < 2; k++) {
    if (stream->assembler[k] != NULL && pt_frame_assembler_take_keyframe_request(stream->assembler[k], now_ms)) {
      stream->counters.keyframe_requests++;
      /* A receiver has no control channel: the glue carries the request to the stream's own core. */
      int status = stream->peer != 0 ? pt_peer_request_keyframe(core, handle)
                                     : pt_core_emit_json(core, handle, PT_EVENT_KEYFRAME_REQUESTED, "{}");
      if (status != PT_OK) return status;
    }
  }
  return PT_OK;
}

/* Feeds one RTP packet (after SRTP) to the assembler; whole frames go out as events. */
static int assemble(void *context, uint8_t *packet, size_t length) {
  pt_stream_call *call = context;
  return pt_frame_assembler_push(call->stream->assembler[call->kind], packet, length, call->now_ms, deliver_frame, call);
}

int pt_stream_receive_packet(pt_core *core, pt_handle handle, pt_media_kind kind, uint8_t *packet, size_t length,
                             double now_ms) {
  int status;
  pt_stream *stream = lookup(core, handle, &status);
  if (stream == NULL) return status;
  if (!stream->inbound || stream->handed_off || (kind != PT_MEDIA_VIDEO && kind != PT_MEDIA_AUDIO) ||
      stream->assembler[kind] == NULL) {
    return PT_ERR_STATE;
  }
  if (length > PT_STREAM_MAX_RECEIVED_PACKET) { /* no copy sized by the peer */
    stream->counters.srtp_rejected++;
    return PT_ERR_TOO_LARGE;
  }
  pt_video_receiver *video = kind == PT_MEDIA_VIDEO ? stream->video_receiver : NULL;
  /* The SSRC is in the clear: a parity packet goes to the receiver; a media packet's memory in the assembler
   * is taken before SRTP marks its sequence number seen, so that one there is no memory for is as lost on
   * the way and its retransmission is not refused as a replay. */
  uint32_t ssrc = length < 12 ? 0
                              : ((uint32_t)packet[8] << 24) | ((uint32_t)packet[9] << 16) | ((uint32_t)packet[10] << 8) | packet[11];
  int parity = video != NULL && ssrc == pt_stream_fec_ssrc(stream->description.video_ssrc);
  uint8_t *copy = parity ? NULL : malloc(length > 0 ? length : 1);
  int rtp_length = !parity && copy == NULL ? PT_ERR_NO_MEMORY : pt_srtp_unprotect(stream->srtp, packet, length);
  if (rtp_length < 0) {
    free(copy);
    if (rtp_length == PT_ERR_NO_MEMORY) stream->counters.packets_dropped++; /* (or a new SSRC's SRTP stream) */
    else stream->counters.srtp_rejected++;
    return rtp_length;
  }
  pt_stream_call call = {core, handle, stream, kind, NULL, 0, now_ms};
  if (parity) {
    status = pt_video_receiver_on_fec(video, packet, (size_t)rtp_length, now_ms);
  } else {
    if (kind == PT_MEDIA_VIDEO) stream->counters.video_packets++;
    else stream->counters.audio_packets++;
    if (video != NULL) pt_video_receiver_on_media(video, packet, (size_t)rtp_length, now_ms);
    status = pt_frame_assembler_push_into(stream->assembler[kind], packet, (size_t)rtp_length, copy, now_ms,
                                          deliver_frame, &call);
  }
  if (video != NULL) {
    int recovered = pt_video_receiver_recover(video, now_ms, assemble, &call);
    int polled = pt_video_receiver_poll(video, now_ms, send_on_channel, &call); /* NACK a new gap at once */
    if (status == PT_OK) status = recovered != PT_OK ? recovered : polled;
  }
  int requested = request_keyframes(core, handle, stream, now_ms);
  pt_core_reschedule(core, handle);
  return status != PT_OK ? status : requested;
}

int pt_stream_receive_feedback(pt_core *core, pt_handle handle, pt_media_kind kind, const uint8_t *message,
                               size_t length, double now_ms) {
  int status;
  pt_stream *stream = lookup(core, handle, &status);
  if (stream == NULL) return status;
  if (kind != PT_MEDIA_VIDEO || stream->handed_off || (stream->video_sender == NULL && stream->video_receiver == NULL)) {
    return PT_ERR_STATE;
  }
  pt_feedback *feedback = malloc(sizeof *feedback);
  if (feedback == NULL) return PT_ERR_NO_MEMORY;
  status = pt_feedback_parse(message, length, feedback);
  if (status == PT_OK && stream->video_sender != NULL) {
    pt_stream_call call = {core, handle, stream, kind, NULL, 0, now_ms};
    status = pt_video_sender_on_feedback(stream->video_sender, feedback, now_ms);
    if (status == PT_OK) status = pt_video_sender_poll(stream->video_sender, now_ms, send_on_channel, &call);
    if (status == PT_OK) status = ask_encoder(core, handle, stream, now_ms);
  } else if (status == PT_OK) {
    pt_video_receiver_on_feedback(stream->video_receiver, feedback, now_ms);
  }
  free(feedback);
  pt_core_reschedule(core, handle);
  return status;
}

int pt_stream_keyframe_requested(pt_core *core, pt_handle handle, double now_ms) {
  int status;
  pt_stream *stream = lookup(core, handle, &status);
  if (stream == NULL) return status;
  if (stream->inbound) return PT_ERR_STATE;
  if (stream->video_sender == NULL) return pt_core_emit_json(core, handle, PT_EVENT_KEYFRAME_REQUESTED, "{}");
  pt_video_sender_want_keyframe(stream->video_sender);
  status = ask_encoder(core, handle, stream, now_ms);
  pt_core_reschedule(core, handle);
  return status;
}

int pt_stream_set_video_bitrate(pt_core *core, pt_handle handle, double bits_per_second) {
  int status;
  pt_stream *stream = lookup(core, handle, &status);
  if (stream == NULL) return status;
  if (stream->video_sender == NULL) return PT_ERR_STATE;
  if (!(bits_per_second >= PT_STREAM_MIN_VIDEO_BPS && bits_per_second <= 1e9)) return PT_ERR_BAD_VALUE;
  pt_video_sender_set_max_bps(stream->video_sender, bits_per_second);
  pt_core_reschedule(core, handle); /* the pacing rate may follow */
  return PT_OK;
}

int pt_stream_request_keyframe(pt_core *core, pt_handle handle, double now_ms) {
  int status;
  pt_stream *stream = lookup(core, handle, &status);
  if (stream == NULL) return status;
  if (!stream->inbound || stream->assembler[PT_MEDIA_VIDEO] == NULL) return PT_ERR_STATE;
  pt_frame_assembler_want_keyframe(stream->assembler[PT_MEDIA_VIDEO], now_ms);
  status = request_keyframes(core, handle, stream, now_ms);
  pt_core_reschedule(core, handle);
  return status;
}

int pt_stream_send_keyframe_request(pt_core *core, pt_handle handle) {
  int status;
  pt_stream *stream = lookup(core, handle, &status);
  if (stream == NULL) return status;
  if (!stream->inbound || stream->peer == 0) return PT_ERR_STATE;
  stream->counters.keyframe_requests++;
  return pt_peer_request_keyframe(core, handle);
}

static int emit_input(void *context, const uint8_t *message, size_t length) {
  pt_stream_call *call = context;
  return pt_output_queue_push(&call->core->outputs, PT_OUTPUT_SEND, call->handle, PT_TRANSPORT_INPUT, message, length);
}

int pt_stream_send_input(pt_core *core, pt_handle handle, const pt_input *input, double now_ms) {
  int status;
  pt_stream *stream = lookup(core, handle, &status);
  if (stream == NULL) return status;
  /* A host sends the client only what the client's level allows (its clipboard stays its own). */
  uint32_t required = stream->inbound ? 0 : pt_input_required_level(input);
  if ((required & stream->input_level) != required) {
    stream->counters.input_dropped++;
    return PT_ERR_STATE;
  }
  pt_stream_call call = {core, handle, stream, PT_MEDIA_VIDEO, NULL, 0, now_ms};
  int sent = pt_input_sender_send(&stream->input_sender, input, now_ms, emit_input, &call);
  if (sent >= 0 && (input->type == PT_INPUT_CURSOR_IMAGE || input->type == PT_INPUT_CURSOR_POSITION)) {
    stream->counters.cursor_events++;
  }
  pt_core_reschedule(core, handle);
  return sent;
}

/* Queues one input for the app. */
static int deliver_input(void *context, const pt_input *input) {
  pt_stream_call *call = context;
  call->stream->counters.input_received++;
  if (input->type == PT_INPUT_CURSOR_IMAGE || input->type == PT_INPUT_CURSOR_POSITION) call->stream->counters.cursor_events++;
  cJSON *object = pt_input_to_json(input);
  return object == NULL ? PT_ERR_NO_MEMORY : pt_core_emit_object(call->core, call->handle, PT_EVENT_STREAM_INPUT, object);
}

int pt_stream_receive_input(pt_core *core, pt_handle handle, const uint8_t *records, size_t length) {
  int status;
  pt_stream *stream = lookup(core, handle, &status);
  if (stream == NULL) return status;
  pt_stream_call call = {core, handle, stream, PT_MEDIA_VIDEO, NULL, 0, 0};
  pt_input *input = malloc(sizeof *input);
  if (input == NULL) return PT_ERR_NO_MEMORY;
  int malformed = 0;
  for (size_t offset = 0; offset < length && status == PT_OK;) {
    int decoded = pt_input_decode(records, length, &offset, input);
    /* A client stream receives host → client records, a host stream client → host ones. */
    if (decoded == PT_OK && !pt_input_type_allowed(input->type, stream->inbound)) decoded = PT_ERR_UNEXPECTED_MESSAGE;
    if (decoded != PT_OK) {
      stream->counters.input_malformed++;
      malformed = 1;
      if (decoded == PT_ERR_MALFORMED) break; /* the framing is lost: nothing after it can be trusted */
      continue;
    }
    if (pt_input_receiver_accept(&stream->input_receiver, input, stream->input_level)) {
      status = deliver_input(&call, input);
    } else {
      stream->counters.input_dropped++;
    }
  }
  free(input);
  return status != PT_OK ? status : malformed ? PT_ERR_MALFORMED : PT_OK;
}

int pt_stream_set_input_level(pt_core *core, pt_handle handle, uint32_t input_level) {
  int status;
  pt_stream *stream = lookup(core, handle, &status);
  if (stream == NULL) return status;
  if (input_level > PT_LEVEL_ALL_BITS) return PT_ERR_BAD_VALUE;
  stream->input_level = input_level;
  if (stream->inbound) return PT_OK;
  pt_stream_call call = {core, handle, stream, PT_MEDIA_VIDEO, NULL, 0, 0};
  return pt_input_receiver_release(&stream->input_receiver, input_level, deliver_input, &call);
}

int pt_stream_release_input(pt_core *core, pt_handle handle) {
  int status;
  pt_stream *stream = lookup(core, handle, &status);
  if (stream == NULL) return status;
  pt_stream_call call = {core, handle, stream, PT_MEDIA_VIDEO, NULL, 0, 0};
  return pt_input_receiver_release(&stream->input_receiver, 0, deliver_input, &call);
}

int pt_stream_input_level(const pt_core *core, pt_handle handle, uint32_t *input_level) {
  int status;
  const pt_stream *stream = lookup(core, handle, &status);
  if (stream == NULL) return status;
  *input_level = stream->input_level;
  return PT_OK;
}

/* Whether an SSRC is one of the stream's (video, audio, or the video's FEC), and of which kind. */
static int owns_ssrc(const pt_stream *stream, uint32_t ssrc, pt_media_kind *kind) {
  if (stream->codec[PT_MEDIA_VIDEO] && (stream->description.video_ssrc == ssrc || pt_stream_fec_ssrc(stream->description.video_ssrc) == ssrc)) {
    *kind = PT_MEDIA_VIDEO;
    return 1;
  }
  if (stream->codec[PT_MEDIA_AUDIO] && stream->description.audio_ssrc == ssrc) {
    *kind = PT_MEDIA_AUDIO;
    return 1;
  }
  return 0;
}

pt_handle pt_stream_find_by_ssrc(const pt_core *core, pt_handle peer, uint32_t ssrc, int inbound, pt_media_kind *kind) {
  const pt_handle *streams = NULL;
  int count = pt_peer_streams(core, peer, &streams);
  for (int i = 0; i < count; i++) { /* the peer's streams only: one or two, whatever else the core holds */
    int status;
    const pt_stream *stream = lookup(core, streams[i], &status);
    if (stream != NULL && stream->inbound == (inbound != 0) && owns_ssrc(stream, ssrc, kind)) return streams[i];
  }
  return 0;
}

uint32_t pt_stream_message_ssrc(const uint8_t *message, size_t length, int *feedback) {
  *feedback = pt_feedback_is_feedback(message, length);
  if (length < 12) return 0;
  /* Feedback names the media SSRC it is about (a sender report at bytes 4-7); SRTP has its SSRC in the clear. */
  size_t at = *feedback && message[1] == 204 ? 4 : 8;
  return ((uint32_t)message[at] << 24) | ((uint32_t)message[at + 1] << 16) | ((uint32_t)message[at + 2] << 8) | message[at + 3];
}

int pt_stream_receive_message(pt_core *core, pt_handle handle, pt_media_kind kind, uint8_t *message, size_t length,
                              double now_ms) {
  int status;
  pt_stream *stream = lookup(core, handle, &status);
  if (stream == NULL) return status;
  if (message == NULL || length < 12) return PT_ERR_MALFORMED;
  int feedback;
  pt_media_kind owned;
  /* A host stream takes only feedback (NACKs and reports) about its video. */
  if (!owns_ssrc(stream, pt_stream_message_ssrc(message, length, &feedback), &owned) || owned != kind ||
      (!stream->inbound && !feedback)) {
    return PT_ERR_UNEXPECTED_MESSAGE;
  }
  return feedback ? pt_stream_receive_feedback(core, handle, kind, message, length, now_ms)
                  : pt_stream_receive_packet(core, handle, kind, message, length, now_ms);
}

pt_handle pt_stream_find(const pt_core *core, pt_handle peer, uint8_t stream_id, int inbound) {
  const pt_handle *streams = NULL;
  int count = pt_peer_streams(core, peer, &streams);
  for (int i = 0; i < count; i++) {
    int status;
    const pt_stream *stream = lookup(core, streams[i], &status);
    if (stream != NULL && stream->inbound == (inbound != 0) && stream->description.stream_id == stream_id) {
      return streams[i];
    }
  }
  return 0;
}

int pt_stream_description_of(const pt_core *core, pt_handle handle, pt_stream_description *description) {
  int status;
  const pt_stream *stream = lookup(core, handle, &status);
  if (stream == NULL) return status;
  *description = stream->description;
  return PT_OK;
}

int pt_stream_counters_of(const pt_core *core, pt_handle handle, pt_stream_counters *counters) {
  int status;
  const pt_stream *stream = lookup(core, handle, &status);
  if (stream == NULL) return status;
  *counters = stream->counters;
  counters->input_sent = stream->input_sender.records_sent;
  counters->input_bytes_sent = stream->input_sender.bytes_sent;
  for (int k = 0; k < 2; k++) {
    if (stream->assembler[k] == NULL) continue;
    pt_frame_assembler_counters c;
    pt_frame_assembler_counters_of(stream->assembler[k], &c);
    counters->packets_lost += c.lost;
    counters->frames_dropped += c.frames_dropped;
    if (k == PT_MEDIA_VIDEO) {
      counters->last_assembly_ms = c.last_assembly_ms;
      counters->max_assembly_ms = c.max_assembly_ms;
    }
  }
  counters->rtt_ms = -1;
  if (stream->video_sender != NULL) {
    pt_video_sender_stats v;
    pt_video_sender_stats_of(stream->video_sender, &v);
    counters->target_bps = v.target_bps;
    counters->estimate_bps = v.estimate_bps;
    counters->loss_fraction = v.loss_fraction;
    counters->rtt_ms = v.rtt_ms;
    counters->retransmitted = v.retransmitted;
    counters->fec_packets = v.fec_sent;
    counters->keyframes = v.keyframes;
    counters->frames_skipped = v.frames_dropped;
    counters->nacks = v.nacks_received;
  }
  if (stream->video_receiver != NULL) {
    pt_video_receiver_stats v;
    pt_video_receiver_stats_of(stream->video_receiver, &v);
    counters->rtt_ms = v.rtt_ms;
    counters->nacks = v.nacks_sent;
    counters->retransmitted = v.recovered_by_nack;
    counters->fec_packets = v.fec_received;
    counters->fec_recovered = v.fec_recovered;
    if (v.have_sender_report) {
      counters->target_bps = v.sender.target_bps;
      counters->estimate_bps = v.sender.estimate_bps;
      counters->loss_fraction = v.sender.loss_permille / 1000.0;
      counters->keyframes = v.sender.keyframes;
      counters->frames_skipped = v.sender.frames_dropped;
    }
  }
  return PT_OK;
}

pt_handle pt_stream_peer(const pt_core *core, pt_handle handle) {
  int status;
  const pt_stream *stream = lookup(core, handle, &status);
  return stream == NULL ? 0 : stream->peer;
}

int pt_stream_close(pt_core *core, pt_handle handle, int reason) {
  return pt_stream_close_with_reason(core, handle, reason, NULL);
}

int pt_stream_close_with_reason(pt_core *core, pt_handle handle, int code, const char *reason) {
  int status;
  pt_stream *stream = lookup(core, handle, &status);
  if (stream == NULL) return status;
  if (!stream->inbound) pt_stream_release_input(core, handle); /* nothing the client held stays held */
  cJSON *payload = NULL; /* NULL: just the code and its name */
  if (reason != NULL && reason[0] != '\0') {
    payload = cJSON_CreateObject();
    cJSON_AddNumberToObject(payload, "code", code);
    cJSON_AddStringToObject(payload, "error", pt_error_name(code));
    cJSON_AddStringToObject(payload, "reason", reason);
  }
  status = pt_core_emit_closing(core, handle, PT_EVENT_STREAM_CLOSED, code, payload);
  pt_stream_free(core, handle);
  return status;
}

void pt_stream_close_all_of(pt_core *core, pt_handle peer, int reason) {
  const pt_handle *streams = NULL;
  int count;
  while ((count = pt_peer_streams(core, peer, &streams)) > 0) {
    pt_handle last = streams[count - 1];
    pt_stream_close(core, last, reason); /* frees it, which takes it off the peer's list */
    pt_peer_remove_stream(core, peer, last); /* in case it was stale */
  }
}

double pt_stream_deadline(const pt_core *core, pt_handle handle) {
  int status;
  const pt_stream *stream = lookup(core, handle, &status);
  if (stream == NULL) return -1.0;
  double earliest = -1.0;
  for (int k = 0; k < 2; k++) {
    double deadline = stream->assembler[k] != NULL ? pt_frame_assembler_deadline(stream->assembler[k]) : -1.0;
    if (deadline >= 0 && (earliest < 0 || deadline < earliest)) earliest = deadline;
  }
  double others[3] = {pt_input_sender_deadline(&stream->input_sender), pt_video_sender_deadline(stream->video_sender),
                      pt_video_receiver_deadline(stream->video_receiver)};
  for (int i = 0; i < 3; i++) {
    if (others[i] >= 0 && (earliest < 0 || others[i] < earliest)) earliest = others[i];
  }
  return earliest;
}

int pt_stream_handle_timeout(pt_core *core, pt_handle handle, double now_ms) {
  int status;
  pt_stream *stream = lookup(core, handle, &status);
  if (stream == NULL) return status;
  for (int k = 0; k < 2 && status == PT_OK; k++) {
    if (stream->assembler[k] == NULL) continue;
    pt_stream_call call = {core, handle, stream, (pt_media_kind)k, NULL, 0, now_ms};
    status = pt_frame_assembler_poll(stream->assembler[k], now_ms, deliver_frame, &call);
  }
  pt_stream_call call = {core, handle, stream, PT_MEDIA_VIDEO, NULL, 0, now_ms};
  if (status == PT_OK) status = pt_input_sender_poll(&stream->input_sender, now_ms, emit_input, &call);
  if (status == PT_OK && stream->video_sender != NULL) {
    status = pt_video_sender_poll(stream->video_sender, now_ms, send_on_channel, &call);
    if (status == PT_OK) status = ask_encoder(core, handle, stream, now_ms);
  }
  if (status == PT_OK && stream->video_receiver != NULL) {
    status = pt_video_receiver_recover(stream->video_receiver, now_ms, assemble, &call);
    if (status == PT_OK) status = pt_video_receiver_poll(stream->video_receiver, now_ms, send_on_channel, &call);
  }
  return status != PT_OK ? status : request_keyframes(core, handle, stream, now_ms);
}

void pt_stream_free(pt_core *core, pt_handle handle) {
  void *object = NULL;
  if (pt_core_release(core, handle, PT_KIND_STREAM, &object) != PT_OK) return;
  pt_peer_remove_stream(core, ((pt_stream *)object)->peer, handle);
  destroy_stream(object);
}
