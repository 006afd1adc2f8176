/* What the host's computer plays, captured from the PulseAudio server (or PipeWire's PulseAudio
 * service): a record stream on the default sink's monitor source ("@DEFAULT_MONITOR@") as 48 kHz
 * stereo S16LE in fragments of about 10 ms. libpulse's threaded main loop runs in a thread of its
 * own and fills a bounded buffer (PT_PULSE_AUDIO_BUFFER_FRAMES; when full, the oldest samples go);
 * the caller's poll loop watches a descriptor that becomes readable while samples wait, then reads
 * them without blocking. No server is ever started (autospawn off): without one there is no audio. */
#ifndef PT_HOST_PULSE_AUDIO_H
#define PT_HOST_PULSE_AUDIO_H

#include <stddef.h>
#include <stdint.h>

#define PT_PULSE_AUDIO_RATE 48000
#define PT_PULSE_AUDIO_CHANNELS 2
#define PT_PULSE_AUDIO_BUFFER_FRAMES 12000 /* 250 ms waiting for the reader at most */

typedef struct pt_pulse_audio pt_pulse_audio;

/* Connects to the server that PULSE_SERVER or client.conf names (or the user's default) and starts
 * recording the default monitor, waiting at most timeout_ms. PT_ERR_UNREACHABLE: no server answers;
 * PT_ERR_STATE: the server has no default monitor or refused the stream; PT_ERR_TIMEOUT: too slow. */
int pt_pulse_audio_open(pt_pulse_audio **audio, int timeout_ms);

/* A descriptor that is readable while captured samples (or a failure) wait; for poll, never read it. */
int pt_pulse_audio_fd(const pt_pulse_audio *audio);

/* Moves up to max_frames waiting frames (interleaved S16 stereo) into samples, without blocking;
 * *frames is how many (0: none waiting). *timestamp_us is when the first of them was captured, on
 * CLOCK_MONOTONIC in µs: it advances by the sample count, and starts again from the arrival time
 * after a gap (dropped samples, a stalled server). PT_ERR_CLOSED once the server or stream failed. */
int pt_pulse_audio_read(pt_pulse_audio *audio, int16_t *samples, size_t max_frames, size_t *frames,
                        int64_t *timestamp_us);

/* Frames lost so far because the reader did not keep up with the buffer. */
uint64_t pt_pulse_audio_dropped(const pt_pulse_audio *audio);

/* Stops recording, disconnects and frees everything; NULL is ignored. */
void pt_pulse_audio_close(pt_pulse_audio *audio);

#endif
