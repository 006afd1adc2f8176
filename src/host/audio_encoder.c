#include "host/audio_encoder.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavutil/channel_layout.h>
#include <libavutil/frame.h>
#include <libavutil/opt.h>

#include "core/error.h"

#define MIN_BITRATE 16000u
#define MAX_BITRATE 256000u
/* Capture times of frames handed to libavcodec whose packets have not come out yet. libopus makes
 * each frame's packet at once, so one is the most ever waiting; the bound only keeps it bounded. */
#define MAX_WAITING 8

struct pt_audio_encoder {
  AVCodecContext *context;
  AVFrame *frame;   /* reused for every frame */
  AVPacket *packet; /* reused for every packet */
  int16_t pending[PT_AUDIO_FRAME_SAMPLES * PT_AUDIO_CHANNELS]; /* the frame being filled */
  size_t pending_frames;
  int64_t pending_timestamp; /* capture time of pending's first sample */
  int64_t next_pts;          /* in samples, for libavcodec */
  int64_t waiting[MAX_WAITING];
  size_t waiting_head, waiting_count;
  unsigned long oversized;
};

/* Anything but running out of memory reads as PT_ERR_STATE (the encoder cannot do it now). */
static int from_averror(int error) {
  return error == AVERROR(ENOMEM) ? PT_ERR_NO_MEMORY : PT_ERR_STATE;
}

/* The private options of FFmpeg's libopus wrapper; any it rejects fails the open. */
static int set_opus_options(void *priv) {
  static const char *const options[][2] = {
      {"application", "lowdelay"}, /* CELT only: 2.5 ms lookahead instead of 6.5 ms */
      {"frame_duration", "20"},    /* ms; one packet per frame */
      {"vbr", "constrained"},      /* packets stay near the average size (one RTP packet each) */
  };
  for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
    int status = av_opt_set(priv, options[i][0], options[i][1], 0);
    if (status < 0) return status;
  }
  return 0;
}

static int open_opus(pt_audio_encoder *e, uint32_t bits_per_second) {
  const AVCodec *codec = avcodec_find_encoder_by_name("libopus");
  if (codec == NULL) return PT_ERR_STATE; /* libavcodec built without libopus */
  AVCodecContext *c = avcodec_alloc_context3(codec);
  if (c == NULL) return PT_ERR_NO_MEMORY;
  e->context = c;
  c->sample_rate = PT_AUDIO_SAMPLE_RATE;
  c->sample_fmt = AV_SAMPLE_FMT_S16;
  av_channel_layout_default(&c->ch_layout, PT_AUDIO_CHANNELS);
  c->bit_rate = bits_per_second;
  c->time_base = (AVRational){1, PT_AUDIO_SAMPLE_RATE};
  int status = set_opus_options(c->priv_data);
  if (status >= 0) status = avcodec_open2(c, codec, NULL);
  if (status < 0) return from_averror(status);
  return c->frame_size == PT_AUDIO_FRAME_SAMPLES ? PT_OK : PT_ERR_STATE;
}

static int open_frame(pt_audio_encoder *e) {
  e->frame = av_frame_alloc();
  e->packet = av_packet_alloc();
  if (e->frame == NULL || e->packet == NULL) return PT_ERR_NO_MEMORY;
  e->frame->format = AV_SAMPLE_FMT_S16;
  e->frame->nb_samples = PT_AUDIO_FRAME_SAMPLES;
  e->frame->sample_rate = PT_AUDIO_SAMPLE_RATE;
  int status = av_channel_layout_copy(&e->frame->ch_layout, &e->context->ch_layout);
  if (status >= 0) status = av_frame_get_buffer(e->frame, 0);
  return status < 0 ? from_averror(status) : PT_OK;
}

int pt_audio_encoder_open(pt_audio_encoder **encoder, uint32_t bits_per_second) {
  if (encoder == NULL) return PT_ERR_INVALID_ARGUMENT;
  *encoder = NULL;
  if (bits_per_second < MIN_BITRATE || bits_per_second > MAX_BITRATE) return PT_ERR_INVALID_ARGUMENT;
  pt_audio_encoder *e = calloc(1, sizeof *e);
  if (e == NULL) return PT_ERR_NO_MEMORY;
  int status = open_opus(e, bits_per_second);
  if (status == PT_OK) status = open_frame(e);
  if (status != PT_OK) {
    pt_audio_encoder_close(e);
    return status;
  }
  *encoder = e;
  return PT_OK;
}

const char *pt_audio_encoder_codec(const pt_audio_encoder *encoder) {
  return encoder != NULL ? "opus" : NULL;
}

/* Hands every packet libavcodec has to the sink, each with the capture time of its frame. */
static int drain(pt_audio_encoder *e, pt_audio_sink sink, void *context) {
  int result = PT_OK;
  for (;;) {
    int status = avcodec_receive_packet(e->context, e->packet);
    if (status == AVERROR(EAGAIN) || status == AVERROR_EOF) return result;
    if (status < 0) return from_averror(status);
    int64_t timestamp = 0;
    if (e->waiting_count > 0) {
      timestamp = e->waiting[e->waiting_head];
      e->waiting_head = (e->waiting_head + 1) % MAX_WAITING;
      e->waiting_count--;
    }
    if ((size_t)e->packet->size > PT_AUDIO_MAX_PACKET) {
      e->oversized++;
    } else if (result == PT_OK) {
      status = sink(context, e->packet->data, (size_t)e->packet->size, timestamp);
      if (status < 0) result = status;
    }
    av_packet_unref(e->packet);
  }
}

static int encode_pending(pt_audio_encoder *e, pt_audio_sink sink, void *context) {
  int status = av_frame_make_writable(e->frame); /* libavcodec may still hold the last one */
  if (status < 0) return from_averror(status);
  memcpy(e->frame->data[0], e->pending, sizeof e->pending);
  e->frame->pts = e->next_pts;
  e->next_pts += PT_AUDIO_FRAME_SAMPLES;
  if (e->waiting_count == MAX_WAITING) { /* never with libopus: forget the oldest */
    e->waiting_head = (e->waiting_head + 1) % MAX_WAITING;
    e->waiting_count--;
  }
  e->waiting[(e->waiting_head + e->waiting_count++) % MAX_WAITING] = e->pending_timestamp;
  status = avcodec_send_frame(e->context, e->frame);
  if (status < 0) return from_averror(status);
  return drain(e, sink, context);
}

int pt_audio_encoder_encode(pt_audio_encoder *encoder, const int16_t *samples, size_t frames, int64_t timestamp_us,
                            pt_audio_sink sink, void *context) {
  if (encoder == NULL || (samples == NULL && frames > 0) || sink == NULL) return PT_ERR_INVALID_ARGUMENT;
  pt_audio_encoder *e = encoder;
  int result = PT_OK;
  for (size_t done = 0; done < frames;) {
    if (e->pending_frames == 0) {
      e->pending_timestamp = timestamp_us + (int64_t)((uint64_t)done * 1000000 / PT_AUDIO_SAMPLE_RATE);
    }
    size_t room = PT_AUDIO_FRAME_SAMPLES - e->pending_frames;
    size_t n = frames - done < room ? frames - done : room;
    memcpy(e->pending + e->pending_frames * PT_AUDIO_CHANNELS, samples + done * PT_AUDIO_CHANNELS,
           n * PT_AUDIO_CHANNELS * sizeof(int16_t));
    e->pending_frames += n;
    done += n;
    if (e->pending_frames == PT_AUDIO_FRAME_SAMPLES) {
      e->pending_frames = 0;
      int status = encode_pending(e, sink, context);
      if (status < 0 && result == PT_OK) result = status;
    }
  }
  return result;
}

unsigned long pt_audio_encoder_oversized(const pt_audio_encoder *encoder) {
  return encoder != NULL ? encoder->oversized : 0;
}

void pt_audio_encoder_close(pt_audio_encoder *encoder) {
  if (encoder == NULL) return;
  /* Drained of its last packets (dropped), so that libavcodec does not warn about them. */
  if (encoder->context != NULL && encoder->packet != NULL && avcodec_is_open(encoder->context) &&
      avcodec_send_frame(encoder->context, NULL) == 0) {
    while (avcodec_receive_packet(encoder->context, encoder->packet) == 0) av_packet_unref(encoder->packet);
  }
  avcodec_free_context(&encoder->context);
  av_frame_free(&encoder->frame);
  av_packet_free(&encoder->packet);
  free(encoder);
}
