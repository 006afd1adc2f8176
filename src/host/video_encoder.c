#include "host/video_encoder.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>

#include "core/error.h"

/* Picture sizes are bounded by the H.264 levels (level_for); rates and bitrates by these. */
#define MAX_FRAME_RATE 240
#define MIN_BITRATE 10000u       /* x264 counts in kbit/s: below this its rate control rounds to nothing */
#define MAX_BITRATE 1000000000u  /* keeps the VBV size in an int */
/* Keyframes come on request (a new viewer, a lost picture); the periodic one only bounds how long a
 * missed request can leave a viewer broken. */
#define KEYFRAME_INTERVAL_SECONDS 10
/* VBV size in pictures at the target rate: small, so that no picture (not even an IDR) bursts far
 * beyond the link's per-picture share and queues behind itself. */
#define VBV_PICTURES 2
/* x264 turns VBV off when its size rounds to 0 kbit, and without VBV it cannot change the bitrate
 * while running; this floor matters only for very low rates at high frame rates. */
#define MIN_VBV_BITS 8000

struct pt_video_encoder {
  AVCodecContext *context;
  struct SwsContext *scaler;
  AVFrame *frame;   /* the YUV 4:2:0 picture handed to the encoder, reused */
  AVPacket *packet; /* reused for every access unit */
  uint8_t *unit;    /* the access unit as the sink gets it (see canonicalize) */
  size_t unit_capacity;
  int frame_rate;
  int has_timestamp;
  int64_t last_timestamp;
  char codec[16];
};

/* libavcodec and libswscale fail with AVERROR codes; the core has no "codec failed" code, so anything
 * but running out of memory reads as PT_ERR_STATE (the encoder cannot do it now). */
static int from_averror(int error) {
  return error == AVERROR(ENOMEM) ? PT_ERR_NO_MEMORY : PT_ERR_STATE;
}

/* H.264 levels (Table A-1): level_idc, max macroblocks per second, max frame size in macroblocks, max
 * video bitrate in kbit/s (Baseline). */
static const struct {
  int idc;
  long mbps, frame_mbs, kbps;
} levels[] = {
    {10, 1485, 99, 64},          {11, 3000, 396, 192},        {12, 6000, 396, 384},
    {13, 11880, 396, 768},       {20, 11880, 396, 2000},      {21, 19800, 792, 4000},
    {22, 20250, 1620, 4000},     {30, 40500, 1620, 10000},    {31, 108000, 3600, 14000},
    {32, 216000, 5120, 20000},   {40, 245760, 8192, 20000},   {41, 245760, 8192, 50000},
    {42, 522240, 8704, 50000},   {50, 589824, 22080, 135000}, {51, 983040, 36864, 240000},
    {52, 2073600, 36864, 240000}, {60, 4177920, 139264, 240000}, {61, 8355840, 139264, 480000},
    {62, 16711680, 139264, 800000},
};

/* The lowest level that holds the picture size, rate and starting bitrate (0: none). The encoder is told
 * this level rather than left to pick one, so that the codec string is known before the first picture. */
static int level_for(int width, int height, int frame_rate, uint32_t bitrate) {
  long mb_width = (width + 15) / 16, mb_height = (height + 15) / 16;
  long frame_mbs = mb_width * mb_height;
  for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
    /* A.3.1: neither side may exceed sqrt(8 * MaxFS) macroblocks. */
    long side_limit = 8 * levels[i].frame_mbs;
    if (frame_mbs <= levels[i].frame_mbs && mb_width * mb_width <= side_limit &&
        mb_height * mb_height <= side_limit && frame_mbs * frame_rate <= levels[i].mbps &&
        bitrate / 1000 <= (uint32_t)levels[i].kbps) {
      return levels[i].idc;
    }
  }
  return 0;
}

/* Rate control fields for a target: an average of bits_per_second, never above it over the VBV window. */
static void set_rate(AVCodecContext *context, int frame_rate, uint32_t bits_per_second) {
  context->bit_rate = bits_per_second;
  context->rc_max_rate = bits_per_second;
  int64_t vbv = (int64_t)bits_per_second * VBV_PICTURES / frame_rate;
  context->rc_buffer_size = (int)(vbv > MIN_VBV_BITS ? vbv : MIN_VBV_BITS);
}

/* The private options of FFmpeg's libx264 wrapper; any it rejects fails the open. */
static int set_x264_options(void *priv) {
  static const char *const options[][2] = {
      {"preset", "veryfast"},
      {"tune", "zerolatency"}, /* no lookahead and no frame threads: each picture comes out at once */
      {"profile", "baseline"}, /* what every WebCodecs/MSE H.264 decoder takes */
      {"forced-idr", "1"},     /* a requested keyframe is an IDR, not just an I picture */
      /* SPS/PPS before every IDR (any IDR lets a new viewer start); no scene-cut I pictures, so that
       * keyframes only come when asked for or at the long interval. */
      {"x264-params", "repeat-headers=1:annexb=1:scenecut=0"},
  };
  for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
    int status = av_opt_set(priv, options[i][0], options[i][1], 0);
    if (status < 0) return status;
  }
  return 0;
}

static int open_x264(pt_video_encoder *e, const pt_video_encoder_config *config, int width, int height,
                     int level) {
  const AVCodec *codec = avcodec_find_encoder_by_name("libx264");
  if (codec == NULL) return PT_ERR_STATE; /* libavcodec built without libx264 */
  AVCodecContext *c = avcodec_alloc_context3(codec);
  if (c == NULL) return PT_ERR_NO_MEMORY;
  e->context = c;
  c->width = width;
  c->height = height;
  c->pix_fmt = AV_PIX_FMT_YUV420P;
  /* Timestamps are the caller's microseconds; x264 paces its rate control by them, so a screen that
   * updates less often than frame_rate gets more bits per picture, not less bandwidth used. */
  c->time_base = (AVRational){1, 1000000};
  c->framerate = (AVRational){config->frame_rate, 1};
  c->gop_size = config->frame_rate * KEYFRAME_INTERVAL_SECONDS;
  c->max_b_frames = 0;
  c->level = level;
  /* One thread: a second slice thread saved no time at 720p on a 2-core machine that also runs the X
   * server and Node, and it would split every picture into two slices. */
  c->thread_count = 1;
  c->thread_type = FF_THREAD_SLICE;
  /* sRGB screen pixels, converted with the BT.709 matrix into limited range (see open_scaler). */
  c->color_range = AVCOL_RANGE_MPEG;
  c->colorspace = AVCOL_SPC_BT709;
  c->color_primaries = AVCOL_PRI_BT709;
  c->color_trc = AVCOL_TRC_IEC61966_2_1;
  set_rate(c, config->frame_rate, config->bitrate);
  int status = set_x264_options(c->priv_data);
  if (status >= 0) status = avcodec_open2(c, codec, NULL);
  return status < 0 ? from_averror(status) : PT_OK;
}

/* BGRX to 4:2:0 at the same size: only the chroma is subsampled, so the cheapest filter does. */
static int open_scaler(pt_video_encoder *e, int width, int height) {
  e->scaler = sws_getContext(width, height, AV_PIX_FMT_BGR0, width, height, AV_PIX_FMT_YUV420P,
                             SWS_FAST_BILINEAR, NULL, NULL, NULL);
  if (e->scaler == NULL) return PT_ERR_NO_MEMORY;
  /* Full-range RGB in, limited-range BT.709 out, matching the VUI that open_x264 writes. */
  const int *bt709 = sws_getCoefficients(SWS_CS_ITU709);
  if (sws_setColorspaceDetails(e->scaler, bt709, 1, bt709, 0, 0, 1 << 16, 1 << 16) < 0) return PT_ERR_STATE;
  return PT_OK;
}

static int open_frame(pt_video_encoder *e, int width, int height) {
  e->frame = av_frame_alloc();
  e->packet = av_packet_alloc();
  if (e->frame == NULL || e->packet == NULL) return PT_ERR_NO_MEMORY;
  e->frame->format = AV_PIX_FMT_YUV420P;
  e->frame->width = width;
  e->frame->height = height;
  int status = av_frame_get_buffer(e->frame, 0);
  return status < 0 ? from_averror(status) : PT_OK;
}

int pt_video_encoder_open(pt_video_encoder **encoder, const pt_video_encoder_config *config) {
  if (encoder == NULL) return PT_ERR_INVALID_ARGUMENT;
  *encoder = NULL;
  if (config == NULL || config->frame_rate < 1 || config->frame_rate > MAX_FRAME_RATE ||
      config->bitrate < MIN_BITRATE || config->bitrate > MAX_BITRATE || config->width < 2 || config->height < 2) {
    return PT_ERR_INVALID_ARGUMENT;
  }
  int width = config->width & ~1, height = config->height & ~1;
  int level = level_for(width, height, config->frame_rate, config->bitrate);
  if (level == 0) return PT_ERR_INVALID_ARGUMENT;

  pt_video_encoder *e = calloc(1, sizeof *e);
  if (e == NULL) return PT_ERR_NO_MEMORY;
  e->frame_rate = config->frame_rate;
  /* No VA-API path yet: allow_hardware is accepted, and libx264 is used either way. */
  int status = open_x264(e, config, width, height, level);
  if (status == PT_OK) status = open_scaler(e, width, height);
  if (status == PT_OK) status = open_frame(e, width, height);
  if (status != PT_OK) {
    pt_video_encoder_close(e);
    return status;
  }
  /* x264's Constrained Baseline SPS: profile_idc 66 with constraint_set0 and constraint_set1 (0xc0).
   * pt_video_encoder_encode replaces this with what each SPS actually says. */
  snprintf(e->codec, sizeof e->codec, "avc1.42c0%02x", (unsigned)(uint8_t)level);
  *encoder = e;
  return PT_OK;
}

const char *pt_video_encoder_name(const pt_video_encoder *encoder) {
  return encoder != NULL ? encoder->context->codec->name : NULL;
}

const char *pt_video_encoder_codec(const pt_video_encoder *encoder) {
  return encoder != NULL ? encoder->codec : NULL;
}

/* The offset just past the next Annex-B start code at or after from, or 0 when there is none. */
static size_t next_nal(const uint8_t *data, size_t length, size_t from) {
  for (size_t i = from; i + 3 <= length; i++) {
    if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1) return i + 3;
  }
  return 0;
}

/* Copies an access unit into e->unit with a 4-byte start code before every NAL unit, as the header
 * promises (x264 writes 3-byte ones before SEI and slices), and without trailing zero bytes. Notes
 * whether it holds an IDR slice; an SPS in it rewrites the codec string from its profile_idc,
 * constraint flags and level_idc, the three bytes after the NAL header. */
static int canonicalize(pt_video_encoder *e, const uint8_t *data, size_t length, size_t *out_length, int *idr) {
  /* Every NAL unit takes at least 4 bytes (3-byte start code and header), so at most length / 4 grow. */
  size_t needed = length + length / 4 + 4;
  if (needed > e->unit_capacity) {
    uint8_t *grown = realloc(e->unit, needed);
    if (grown == NULL) return PT_ERR_NO_MEMORY;
    e->unit = grown;
    e->unit_capacity = needed;
  }
  size_t out = 0;
  *idr = 0;
  for (size_t start = next_nal(data, length, 0); start != 0 && start < length;) {
    size_t next = next_nal(data, length, start);
    size_t end = next != 0 ? next - 3 : length;
    while (end > start && data[end - 1] == 0) end--; /* the next start code's zero_byte */
    if (end > start) {
      uint8_t type = data[start] & 0x1f;
      if (type == 5) *idr = 1;
      if (type == 7 && end - start >= 4) {
        snprintf(e->codec, sizeof e->codec, "avc1.%02x%02x%02x", data[start + 1], data[start + 2],
                 data[start + 3]);
      }
      memcpy(e->unit + out, "\0\0\0\1", 4);
      memcpy(e->unit + out + 4, data + start, end - start);
      out += 4 + end - start;
    }
    start = next;
  }
  *out_length = out;
  return out > 0 ? PT_OK : PT_ERR_STATE; /* x264 never makes an empty access unit */
}

/* Hands every access unit the encoder has to the sink; the first failure is returned, but the encoder
 * is still drained so that the next picture starts clean. */
static int drain(pt_video_encoder *e, pt_video_sink sink, void *context) {
  int result = PT_OK;
  for (;;) {
    int status = avcodec_receive_packet(e->context, e->packet);
    if (status == AVERROR(EAGAIN) || status == AVERROR_EOF) return result;
    if (status < 0) return from_averror(status);
    size_t length;
    int keyframe;
    status = canonicalize(e, e->packet->data, (size_t)e->packet->size, &length, &keyframe);
    if (status == PT_OK && result == PT_OK) status = sink(context, e->unit, length, keyframe, e->packet->pts);
    if (status < 0 && result == PT_OK) result = status;
    av_packet_unref(e->packet);
  }
}

int pt_video_encoder_encode(pt_video_encoder *encoder, const uint8_t *bgrx, int stride, int64_t timestamp_us,
                            int force_keyframe, pt_video_sink sink, void *context) {
  if (encoder == NULL || bgrx == NULL || sink == NULL) return PT_ERR_INVALID_ARGUMENT;
  AVFrame *frame = encoder->frame;
  if (stride / 4 < frame->width) return PT_ERR_INVALID_ARGUMENT;
  /* Rate control paces itself by the timestamps, so they must increase. */
  if (encoder->has_timestamp && timestamp_us <= encoder->last_timestamp) return PT_ERR_INVALID_ARGUMENT;

  /* The encoder may still hold a reference to the last picture's buffers. */
  int status = av_frame_make_writable(frame);
  if (status < 0) return from_averror(status);
  const uint8_t *const planes[4] = {bgrx, NULL, NULL, NULL};
  const int strides[4] = {stride, 0, 0, 0};
  if (sws_scale(encoder->scaler, planes, strides, 0, frame->height, frame->data, frame->linesize) < 0) {
    return PT_ERR_STATE;
  }
  frame->pts = timestamp_us;
  frame->pict_type = force_keyframe ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;

  status = avcodec_send_frame(encoder->context, frame);
  if (status < 0) return from_averror(status);
  encoder->has_timestamp = 1;
  encoder->last_timestamp = timestamp_us;
  return drain(encoder, sink, context);
}

/* FFmpeg's libx264 wrapper compares these fields with its own before every picture and, when they
 * changed, reconfigures x264 in place (x264_encoder_reconfig): no new SPS, no keyframe. */
int pt_video_encoder_set_bitrate(pt_video_encoder *encoder, uint32_t bits_per_second) {
  if (encoder == NULL || bits_per_second < MIN_BITRATE || bits_per_second > MAX_BITRATE) {
    return PT_ERR_INVALID_ARGUMENT;
  }
  set_rate(encoder->context, encoder->frame_rate, bits_per_second);
  return PT_OK;
}

void pt_video_encoder_close(pt_video_encoder *encoder) {
  if (encoder == NULL) return;
  avcodec_free_context(&encoder->context);
  sws_freeContext(encoder->scaler);
  av_frame_free(&encoder->frame);
  av_packet_free(&encoder->packet);
  free(encoder->unit);
  free(encoder);
}
