#include "host/video_encoder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/log.h>

#include "../c/check.h"

#define WIDTH 640
#define HEIGHT 360
#define FPS 30
#define FRAME_US 33333
#define MAX_UNITS 8

/* What the sink saw of one access unit. */
typedef struct unit {
  size_t length;
  int keyframe;
  int64_t timestamp;
  unsigned nal_types;     /* bit n: a NAL unit of type n */
  int short_start_codes;  /* 3-byte start codes */
  int leading_start_code; /* 4: starts with 00 00 00 01 */
  uint8_t sps[3];         /* profile_idc, constraint flags, level_idc of its SPS */
} unit;

typedef struct sink_log {
  unit units[MAX_UNITS];
  int count;
  int fail_with; /* returned by the sink when non-zero */
} sink_log;

static void describe(unit *u, const uint8_t *data, size_t length) {
  memset(u, 0, sizeof *u);
  u->length = length;
  u->leading_start_code = length >= 4 && memcmp(data, "\0\0\0\1", 4) == 0 ? 4 : 0;
  for (size_t i = 0; i + 3 < length; i++) {
    if (data[i] != 0 || data[i + 1] != 0 || data[i + 2] != 1) continue;
    if (i == 0 || data[i - 1] != 0) u->short_start_codes++;
    uint8_t type = data[i + 3] & 0x1f;
    u->nal_types |= 1u << type;
    if (type == 7 && i + 6 < length) memcpy(u->sps, data + i + 4, 3);
  }
}

static int record(void *context, const uint8_t *access_unit, size_t length, int keyframe, int64_t timestamp_us) {
  sink_log *log = context;
  CHECK(log->count < MAX_UNITS);
  unit *u = &log->units[log->count++];
  describe(u, access_unit, length);
  u->keyframe = keyframe;
  u->timestamp = timestamp_us;
  return log->fail_with;
}

/* A diagonal gradient moving right and down, over a texture that scrolls: enough detail that 1 Mbit/s
 * at 640x360 is spent in full, so that a lower bitrate shows in the sizes. */
static void draw(uint8_t *bgrx, int width, int height, int stride, int n) {
  for (int y = 0; y < height; y++) {
    uint8_t *row = bgrx + (size_t)y * stride;
    for (int x = 0; x < width; x++) {
      unsigned h = (unsigned)(x + 3 * n) * 2654435761u ^ (unsigned)(y + 2 * n) * 2246822519u;
      h ^= h >> 15;
      int texture = (int)(h & 63) - 32;
      int g = (x + y + 4 * n) & 255;
      row[4 * x + 0] = (uint8_t)(g / 2 + 64 + texture);
      row[4 * x + 1] = (uint8_t)(255 - g / 2 - 32 + texture / 2);
      row[4 * x + 2] = (uint8_t)((x * 255 / width + n) & 255);
      row[4 * x + 3] = 0xa5; /* X: must be ignored */
    }
  }
}

static pt_video_encoder *open_encoder(int width, int height, uint32_t bitrate) {
  pt_video_encoder_config config = {width, height, FPS, bitrate, 0};
  pt_video_encoder *encoder = NULL;
  CHECK_EQ(pt_video_encoder_open(&encoder, &config), PT_OK);
  CHECK(encoder != NULL);
  CHECK(strcmp(pt_video_encoder_name(encoder), "libx264") == 0);
  return encoder;
}

/* Encodes picture n and checks that exactly one access unit came out before the call returned. */
static unit encode_one(pt_video_encoder *encoder, uint8_t *bgrx, int width, int height, int stride, int n,
                       int force) {
  draw(bgrx, width, height, stride, n);
  sink_log log = {0};
  int64_t timestamp = 1000 + (int64_t)n * FRAME_US;
  CHECK_EQ(pt_video_encoder_encode(encoder, bgrx, stride, timestamp, force, record, &log), PT_OK);
  CHECK_EQ(log.count, 1);
  CHECK_EQ(log.units[0].timestamp, timestamp);
  CHECK_EQ(log.units[0].leading_start_code, 4);
  return log.units[0];
}

#define IDR_WITH_HEADERS ((1u << 7) | (1u << 8) | (1u << 5))

static void check_idr(const unit *u) {
  CHECK(u->keyframe);
  CHECK_EQ(u->nal_types & IDR_WITH_HEADERS, IDR_WITH_HEADERS);
}

static void check_not_key(const unit *u) {
  CHECK(!u->keyframe);
  CHECK_EQ(u->nal_types & IDR_WITH_HEADERS, 0);
  CHECK(u->nal_types & (1u << 1)); /* a non-IDR slice */
}

static void test_keyframes_timestamps_and_codec(void) {
  pt_video_encoder *encoder = open_encoder(WIDTH, HEIGHT, 1000000);
  char predicted[32];
  snprintf(predicted, sizeof predicted, "%s", pt_video_encoder_codec(encoder));
  int stride = WIDTH * 4;
  uint8_t *bgrx = malloc((size_t)stride * HEIGHT);
  CHECK(bgrx != NULL);
  int short_start_codes = 0;
  for (int n = 0; n < 60; n++) {
    int forced = n == 40;
    unit u = encode_one(encoder, bgrx, WIDTH, HEIGHT, stride, n, forced);
    short_start_codes += u.short_start_codes;
    if (n == 0 || forced) {
      check_idr(&u);
      /* The codec string announced at open is the one the SPS carries: Constrained Baseline. */
      char from_sps[32];
      snprintf(from_sps, sizeof from_sps, "avc1.%02x%02x%02x", u.sps[0], u.sps[1], u.sps[2]);
      CHECK(strcmp(from_sps, predicted) == 0);
      CHECK(strcmp(pt_video_encoder_codec(encoder), predicted) == 0);
      CHECK_EQ(u.sps[0], 66);
      CHECK(u.sps[1] & 0x40); /* constraint_set1: decodable by Main-profile decoders too */
    } else {
      check_not_key(&u);
    }
  }
  /* The header promises 4-byte start codes throughout (x264 writes them with one slice per picture). */
  CHECK_EQ(short_start_codes, 0);
  fprintf(stderr, "  codec %s\n", predicted);
  free(bgrx);
  pt_video_encoder_close(encoder);
}

static double average_size(pt_video_encoder *encoder, uint8_t *bgrx, int first, int count) {
  size_t total = 0;
  for (int n = first; n < first + count; n++) {
    unit u = encode_one(encoder, bgrx, WIDTH, HEIGHT, WIDTH * 4, n, 0);
    check_not_key(&u); /* a bitrate change neither restarts the encoder nor sends new headers */
    total += u.length;
  }
  return (double)total / count;
}

static void test_bitrate_changes_in_place(void) {
  pt_video_encoder *encoder = open_encoder(WIDTH, HEIGHT, 1000000);
  const char *codec = pt_video_encoder_codec(encoder);
  uint8_t *bgrx = malloc((size_t)WIDTH * 4 * HEIGHT);
  CHECK(bgrx != NULL);
  unit first = encode_one(encoder, bgrx, WIDTH, HEIGHT, WIDTH * 4, 0, 0);
  check_idr(&first);
  average_size(encoder, bgrx, 1, 29); /* let rate control settle */
  double high = average_size(encoder, bgrx, 30, 30);
  CHECK_EQ(pt_video_encoder_set_bitrate(encoder, 250000), PT_OK);
  double low = average_size(encoder, bgrx, 60, 30);
  CHECK_EQ(pt_video_encoder_set_bitrate(encoder, 1000000), PT_OK);
  average_size(encoder, bgrx, 90, 10);
  double again = average_size(encoder, bgrx, 100, 30);
  fprintf(stderr, "  bytes per picture: %.0f at 1 Mbit/s, %.0f at 250 kbit/s, %.0f at 1 Mbit/s again\n", high, low,
          again);
  /* The content saturates 1 Mbit/s (4167 bytes per picture at 30 fps)... */
  CHECK(high > 0.6 * 1000000 / 8 / FPS && high < 1.3 * 1000000 / 8 / FPS);
  /* ...so a quarter of that shows, and raising it again shows too. */
  CHECK(low < 0.6 * high);
  CHECK(again > 1.6 * low);
  CHECK(pt_video_encoder_codec(encoder) == codec);
  free(bgrx);
  pt_video_encoder_close(encoder);
}

static void test_odd_size_and_padded_stride(void) {
  /* 641x361 is encoded as 640x360; a padded stride is honoured. */
  pt_video_encoder *encoder = open_encoder(WIDTH + 1, HEIGHT + 1, 500000);
  int stride = (WIDTH + 1) * 4 + 64;
  uint8_t *bgrx = malloc((size_t)stride * (HEIGHT + 1));
  CHECK(bgrx != NULL);
  unit u = encode_one(encoder, bgrx, WIDTH + 1, HEIGHT + 1, stride, 0, 0);
  check_idr(&u);
  u = encode_one(encoder, bgrx, WIDTH + 1, HEIGHT + 1, stride, 1, 1);
  check_idr(&u);
  free(bgrx);
  pt_video_encoder_close(encoder);
}

static void test_rejects_bad_arguments(void) {
  pt_video_encoder *encoder = NULL;
  pt_video_encoder_config config = {WIDTH, HEIGHT, FPS, 1000000, 0};
  CHECK_EQ(pt_video_encoder_open(NULL, &config), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_video_encoder_open(&encoder, NULL), PT_ERR_INVALID_ARGUMENT);
  pt_video_encoder_config bad = config;
  bad.frame_rate = 0;
  CHECK_EQ(pt_video_encoder_open(&encoder, &bad), PT_ERR_INVALID_ARGUMENT);
  bad = config;
  bad.width = 1;
  CHECK_EQ(pt_video_encoder_open(&encoder, &bad), PT_ERR_INVALID_ARGUMENT);
  bad = config;
  bad.bitrate = 0;
  CHECK_EQ(pt_video_encoder_open(&encoder, &bad), PT_ERR_INVALID_ARGUMENT);
  bad = config;
  bad.width = 20000; /* beyond every H.264 level */
  CHECK_EQ(pt_video_encoder_open(&encoder, &bad), PT_ERR_INVALID_ARGUMENT);
  CHECK(encoder == NULL);

  encoder = open_encoder(WIDTH, HEIGHT, 1000000);
  uint8_t *bgrx = calloc((size_t)WIDTH * 4, HEIGHT);
  CHECK(bgrx != NULL);
  sink_log log = {0};
  CHECK_EQ(pt_video_encoder_encode(encoder, bgrx, WIDTH * 4 - 4, 1000, 0, record, &log), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_video_encoder_encode(encoder, NULL, WIDTH * 4, 1000, 0, record, &log), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_video_encoder_encode(encoder, bgrx, WIDTH * 4, 1000, 0, NULL, &log), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(log.count, 0);
  /* A failing sink's code comes back; the encoder goes on. */
  log.fail_with = PT_ERR_QUEUE_FULL;
  CHECK_EQ(pt_video_encoder_encode(encoder, bgrx, WIDTH * 4, 1000, 0, record, &log), PT_ERR_QUEUE_FULL);
  CHECK_EQ(log.count, 1);
  /* Timestamps must increase. */
  log = (sink_log){0};
  CHECK_EQ(pt_video_encoder_encode(encoder, bgrx, WIDTH * 4, 1000, 0, record, &log), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_video_encoder_encode(encoder, bgrx, WIDTH * 4, 2000, 0, record, &log), PT_OK);
  CHECK_EQ(log.count, 1);
  CHECK_EQ(pt_video_encoder_set_bitrate(encoder, 0), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_video_encoder_set_bitrate(NULL, 1000000), PT_ERR_INVALID_ARGUMENT);
  free(bgrx);
  pt_video_encoder_close(encoder);
  pt_video_encoder_close(NULL);
}

int main(void) {
  av_log_set_level(AV_LOG_WARNING); /* x264's banner on every open is noise here; warnings are not */
  RUN(test_keyframes_timestamps_and_codec);
  RUN(test_bitrate_changes_in_place);
  RUN(test_odd_size_and_padded_stride);
  RUN(test_rejects_bad_arguments);
  return 0;
}
