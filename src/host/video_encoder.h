/* H.264 encoding for the native host through FFmpeg's libavcodec: libx264 with low-latency settings
 * (no B-frames, zerolatency tuning, constrained baseline, Annex-B output with 4-byte start codes,
 * SPS/PPS on every IDR). Pictures are BGRX (as x11_capture grabs them), converted with libswscale.
 * A keyframe is made on request; the bitrate changes without restarting the encoder. Hardware
 * encoding (VA-API) is not there yet: allow_hardware is accepted and has no effect. */
#ifndef PT_HOST_VIDEO_ENCODER_H
#define PT_HOST_VIDEO_ENCODER_H

#include <stddef.h>
#include <stdint.h>

typedef struct pt_video_encoder pt_video_encoder;

typedef struct pt_video_encoder_config {
  int width, height;   /* of the pictures given; odd sizes are cropped by one to even */
  int frame_rate;      /* frames per second the host aims at */
  uint32_t bitrate;    /* bits per second */
  int allow_hardware;  /* reserved for VA-API; no effect yet */
} pt_video_encoder_config;

/* Receives each encoded access unit: Annex-B, 4-byte start codes; keyframe 1 for an IDR (with SPS/PPS). */
typedef int (*pt_video_sink)(void *context, const uint8_t *access_unit, size_t length, int keyframe,
                             int64_t timestamp_us);

/* Opens an encoder. PT_ERR_INVALID_ARGUMENT for a frame rate outside 1–240, a bitrate outside
 * 10 kbit/s–1 Gbit/s or a size H.264 cannot carry; PT_ERR_STATE when libx264 is missing or fails. */
int pt_video_encoder_open(pt_video_encoder **encoder, const pt_video_encoder_config *config);

/* The encoder's name ("libx264", "h264_vaapi"). */
const char *pt_video_encoder_name(const pt_video_encoder *encoder);

/* The WebCodecs codec string of what it makes ("avc1.42c01f": constrained baseline, and the level). */
const char *pt_video_encoder_codec(const pt_video_encoder *encoder);

/* Encodes one picture; force_keyframe makes it an IDR. Timestamps must increase strictly (rate
 * control paces by them; else PT_ERR_INVALID_ARGUMENT). The access unit goes to the sink before it
 * returns (no lookahead); the sink's error is returned. */
int pt_video_encoder_encode(pt_video_encoder *encoder, const uint8_t *bgrx, int stride, int64_t timestamp_us,
                            int force_keyframe, pt_video_sink sink, void *context);

/* Changes the target bitrate from the next picture on. */
int pt_video_encoder_set_bitrate(pt_video_encoder *encoder, uint32_t bits_per_second);

void pt_video_encoder_close(pt_video_encoder *encoder);

#endif
