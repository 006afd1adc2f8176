/* The host's Opus encoder: 20 ms packets stamped with their first sample's capture time, whatever
 * the runs the samples come in; what it makes decodes (libavcodec's own Opus decoder) to the tone
 * that went in. */
#include "host/audio_encoder.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavutil/channel_layout.h>
#include <libavutil/log.h>

#include "../c/check.h"

#define MAX_PACKETS 64
#define TONE_HZ 440.0
#define SECOND (PT_AUDIO_SAMPLE_RATE)

typedef struct packet {
  uint8_t data[PT_AUDIO_MAX_PACKET];
  size_t length;
  int64_t timestamp;
} packet;

typedef struct sink_log {
  packet packets[MAX_PACKETS];
  int count;
  int fail_with;
} sink_log;

static int record(void *context, const uint8_t *data, size_t length, int64_t timestamp_us) {
  sink_log *log = context;
  CHECK(log->count < MAX_PACKETS);
  CHECK(length > 0 && length <= PT_AUDIO_MAX_PACKET);
  packet *p = &log->packets[log->count++];
  memcpy(p->data, data, length);
  p->length = length;
  p->timestamp = timestamp_us;
  return log->fail_with;
}

/* One second of a tone, left and right alike. */
static int16_t *tone(void) {
  int16_t *samples = malloc(SECOND * PT_AUDIO_CHANNELS * sizeof(int16_t));
  CHECK(samples != NULL);
  for (int i = 0; i < SECOND; i++) {
    int16_t v = (int16_t)(10000.0 * sin(2.0 * M_PI * TONE_HZ * i / PT_AUDIO_SAMPLE_RATE));
    samples[2 * i] = samples[2 * i + 1] = v;
  }
  return samples;
}

/* Decodes the packets; returns the left channel's zero crossings and RMS over the last half second. */
static void decode(const sink_log *log, int *crossings, double *rms) {
  const AVCodec *codec = avcodec_find_decoder(AV_CODEC_ID_OPUS);
  CHECK(codec != NULL);
  AVCodecContext *c = avcodec_alloc_context3(codec);
  CHECK(c != NULL);
  c->sample_rate = PT_AUDIO_SAMPLE_RATE;
  av_channel_layout_default(&c->ch_layout, PT_AUDIO_CHANNELS);
  CHECK(avcodec_open2(c, codec, NULL) == 0);
  AVPacket *pkt = av_packet_alloc();
  AVFrame *frame = av_frame_alloc();
  CHECK(pkt != NULL && frame != NULL);
  float *left = malloc(2 * SECOND * sizeof(float));
  CHECK(left != NULL);
  int decoded = 0;
  for (int i = 0; i < log->count; i++) {
    CHECK(av_new_packet(pkt, (int)log->packets[i].length) == 0);
    memcpy(pkt->data, log->packets[i].data, log->packets[i].length);
    CHECK(avcodec_send_packet(c, pkt) == 0);
    av_packet_unref(pkt);
    while (avcodec_receive_frame(c, frame) == 0) {
      CHECK(frame->format == AV_SAMPLE_FMT_FLTP); /* FFmpeg's Opus decoder: planar float */
      CHECK(decoded + frame->nb_samples <= 2 * SECOND);
      memcpy(left + decoded, frame->data[0], (size_t)frame->nb_samples * sizeof(float));
      decoded += frame->nb_samples;
      av_frame_unref(frame);
    }
  }
  CHECK_EQ(decoded, log->count * PT_AUDIO_FRAME_SAMPLES);
  double sum = 0;
  *crossings = 0;
  for (int i = decoded - SECOND / 2; i < decoded; i++) {
    sum += (double)left[i] * left[i];
    if (i > decoded - SECOND / 2 && (left[i - 1] < 0) != (left[i] < 0)) (*crossings)++;
  }
  *rms = sqrt(sum / (SECOND / 2)) * 32768.0;
  free(left);
  av_frame_free(&frame);
  av_packet_free(&pkt);
  avcodec_free_context(&c);
}

static void test_packets_timestamps_and_tone(void) {
  pt_audio_encoder *encoder;
  CHECK_EQ(pt_audio_encoder_open(&encoder, 96000), PT_OK);
  CHECK(strcmp(pt_audio_encoder_codec(encoder), "opus") == 0);
  int16_t *samples = tone();
  static sink_log log;
  memset(&log, 0, sizeof log);
  /* Runs of 313 frames (6.5 ms) as a capture might hand them over, each stamped with its own time. */
  const int64_t start = 5000000;
  for (int done = 0; done < SECOND;) {
    int n = SECOND - done < 313 ? SECOND - done : 313;
    int64_t at = start + (int64_t)done * 1000000 / PT_AUDIO_SAMPLE_RATE;
    CHECK_EQ(pt_audio_encoder_encode(encoder, samples + 2 * done, (size_t)n, at, record, &log), PT_OK);
    done += n;
  }
  /* 50 frames of 20 ms; 960 frames of 48,000 is 20,000 µs exactly (±1 µs from the runs' rounding). */
  CHECK_EQ(log.count, SECOND / PT_AUDIO_FRAME_SAMPLES);
  size_t bytes = 0;
  for (int i = 0; i < log.count; i++) {
    CHECK(llabs(log.packets[i].timestamp - (start + 20000 * i)) <= 1);
    bytes += log.packets[i].length;
  }
  /* About 96 kbit/s: 12,000 bytes a second. */
  CHECK(bytes > 6000 && bytes < 18000);
  int crossings;
  double rms;
  decode(&log, &crossings, &rms);
  /* A 440 Hz tone crosses zero 440 times in half a second; its RMS is 10,000 / sqrt(2). */
  CHECK(abs(crossings - 440) <= 4);
  CHECK(rms > 7071 * 0.8 && rms < 7071 * 1.2);
  free(samples);
  pt_audio_encoder_close(encoder);
}

static void test_partial_frames_wait_and_keep_their_time(void) {
  pt_audio_encoder *encoder;
  CHECK_EQ(pt_audio_encoder_open(&encoder, 64000), PT_OK);
  static int16_t silence[3 * PT_AUDIO_FRAME_SAMPLES * PT_AUDIO_CHANNELS];
  static sink_log log;
  memset(&log, 0, sizeof log);
  /* 900 frames: nothing yet. Then 100 more, stamped much later (a gap in the capture): the frame
   * keeps the time of its first sample, and the next frame starts at the given time + 60 frames. */
  CHECK_EQ(pt_audio_encoder_encode(encoder, silence, 900, 1000, record, &log), PT_OK);
  CHECK_EQ(log.count, 0);
  CHECK_EQ(pt_audio_encoder_encode(encoder, silence, 100, 900000, record, &log), PT_OK);
  CHECK_EQ(log.count, 1);
  CHECK_EQ(log.packets[0].timestamp, 1000);
  CHECK_EQ(pt_audio_encoder_encode(encoder, silence, 2 * PT_AUDIO_FRAME_SAMPLES, 2000000, record, &log), PT_OK);
  CHECK_EQ(log.count, 3);
  CHECK_EQ(log.packets[1].timestamp, 900000 + 60 * 1000000 / PT_AUDIO_SAMPLE_RATE);
  CHECK_EQ(log.packets[2].timestamp, 2000000 + (PT_AUDIO_FRAME_SAMPLES - 40) * 1000000 / PT_AUDIO_SAMPLE_RATE);
  /* The sink's error comes back; the samples are consumed all the same. */
  log.fail_with = PT_ERR_QUEUE_FULL;
  CHECK_EQ(pt_audio_encoder_encode(encoder, silence, 2 * PT_AUDIO_FRAME_SAMPLES, 3000000, record, &log),
           PT_ERR_QUEUE_FULL);
  CHECK_EQ(log.count, 5);
  log.fail_with = PT_OK;
  CHECK_EQ(pt_audio_encoder_encode(encoder, silence, PT_AUDIO_FRAME_SAMPLES, 4000000, record, &log), PT_OK);
  CHECK_EQ(log.count, 6);
  CHECK_EQ(pt_audio_encoder_oversized(encoder), 0);
  pt_audio_encoder_close(encoder);
}

static void test_rejects_bad_arguments(void) {
  pt_audio_encoder *encoder = (pt_audio_encoder *)&encoder;
  CHECK_EQ(pt_audio_encoder_open(&encoder, 8000), PT_ERR_INVALID_ARGUMENT);
  CHECK(encoder == NULL);
  CHECK_EQ(pt_audio_encoder_open(&encoder, 1000000), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_audio_encoder_open(NULL, 96000), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_audio_encoder_open(&encoder, 96000), PT_OK);
  static sink_log log;
  CHECK_EQ(pt_audio_encoder_encode(encoder, NULL, 10, 0, record, &log), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_audio_encoder_encode(encoder, (const int16_t *)"", 0, 0, NULL, &log), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_audio_encoder_encode(NULL, NULL, 0, 0, record, &log), PT_ERR_INVALID_ARGUMENT);
  CHECK(pt_audio_encoder_codec(NULL) == NULL);
  pt_audio_encoder_close(encoder);
  pt_audio_encoder_close(NULL);
}

int main(void) {
  av_log_set_level(AV_LOG_WARNING);
  RUN(test_packets_timestamps_and_tone);
  RUN(test_partial_frames_wait_and_keep_their_time);
  RUN(test_rejects_bad_arguments);
  return 0;
}
