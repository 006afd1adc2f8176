/* Opus encoding for the native host through FFmpeg's libavcodec (its libopus encoder): 48 kHz
 * stereo S16 in, one Opus packet per 20 ms frame out, application "lowdelay" (CELT only, the
 * smallest algorithmic delay), constrained VBR. Samples come in runs of any length; whole frames are
 * encoded as soon as they are complete, and the rest waits for the next run. */
#ifndef PT_HOST_AUDIO_ENCODER_H
#define PT_HOST_AUDIO_ENCODER_H

#include <stddef.h>
#include <stdint.h>

#define PT_AUDIO_SAMPLE_RATE 48000
#define PT_AUDIO_CHANNELS 2
#define PT_AUDIO_FRAME_SAMPLES 960 /* 20 ms */
/* A larger packet would not fit one RTP packet (PT_STREAM_MAX_PACKET less the RTP header); it is
 * dropped and counted instead. At the bitrates allowed it does not happen. */
#define PT_AUDIO_MAX_PACKET 1188

typedef struct pt_audio_encoder pt_audio_encoder;

/* Receives each Opus packet, with the capture time of its frame's first sample. */
typedef int (*pt_audio_sink)(void *context, const uint8_t *packet, size_t length, int64_t timestamp_us);

/* Opens an encoder at bits_per_second (16 kbit/s–256 kbit/s, else PT_ERR_INVALID_ARGUMENT);
 * PT_ERR_STATE when libavcodec has no libopus encoder or it fails. */
int pt_audio_encoder_open(pt_audio_encoder **encoder, uint32_t bits_per_second);

/* The codec name as the stream announces it: "opus". */
const char *pt_audio_encoder_codec(const pt_audio_encoder *encoder);

/* Takes `frames` frames of interleaved S16 stereo, the first captured at timestamp_us (the others
 * follow at 48 kHz); every frame of PT_AUDIO_FRAME_SAMPLES completed goes to the sink before it
 * returns. The sink's first error is returned (the samples are consumed, and the frames after it
 * go to the sink, all the same). */
int pt_audio_encoder_encode(pt_audio_encoder *encoder, const int16_t *samples, size_t frames, int64_t timestamp_us,
                            pt_audio_sink sink, void *context);

/* Packets dropped for being larger than PT_AUDIO_MAX_PACKET. */
unsigned long pt_audio_encoder_oversized(const pt_audio_encoder *encoder);

void pt_audio_encoder_close(pt_audio_encoder *encoder);

#endif
