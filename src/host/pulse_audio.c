#include "host/pulse_audio.h"

#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <pulse/pulseaudio.h>

#include "core/error.h"

#define FRAME_BYTES (PT_PULSE_AUDIO_CHANNELS * sizeof(int16_t))
#define FRAGMENT_US 10000 /* the server hands samples over every 10 ms */
/* Timestamps follow the sample count; an arrival time later than it by more than this (samples were
 * dropped, or the server stalled) starts the count again. Larger than the delivery jitter. Never
 * backwards: timestamps only increase, so packets never overlap. */
#define RESYNC_US 80000

struct pt_pulse_audio {
  pa_threaded_mainloop *loop;
  pa_context *context;
  pa_stream *stream;
  pa_time_event *timer; /* the open's deadline */
  int event_fd;
  /* Everything below is shared with the loop's thread: only touched with the loop's lock held. */
  int timed_out;
  int failed;
  int16_t *ring; /* PT_PULSE_AUDIO_BUFFER_FRAMES frames, the oldest at head */
  size_t head, count;
  uint64_t dropped;
  int64_t last_arrival_us; /* when the newest frame in the ring arrived */
  /* The reader's clock (reader only). */
  int have_clock;
  int64_t anchor_us;
  uint64_t anchored_frames;
};

static int64_t monotonic_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

/* Makes the descriptor readable. */
static void notify(pt_pulse_audio *a) {
  uint64_t one = 1;
  ssize_t ignored = write(a->event_fd, &one, sizeof one); /* only fails when the counter is full: still readable */
  (void)ignored;
}

/* Appends frames (NULL: a hole in the recording, appended as silence), dropping the oldest on overflow. */
static void push(pt_pulse_audio *a, const int16_t *data, size_t frames) {
  if (frames > PT_PULSE_AUDIO_BUFFER_FRAMES) {
    size_t skip = frames - PT_PULSE_AUDIO_BUFFER_FRAMES;
    a->dropped += a->count + skip;
    a->head = a->count = 0;
    if (data != NULL) data += skip * PT_PULSE_AUDIO_CHANNELS;
    frames = PT_PULSE_AUDIO_BUFFER_FRAMES;
  } else if (a->count + frames > PT_PULSE_AUDIO_BUFFER_FRAMES) {
    size_t drop = a->count + frames - PT_PULSE_AUDIO_BUFFER_FRAMES;
    a->head = (a->head + drop) % PT_PULSE_AUDIO_BUFFER_FRAMES;
    a->count -= drop;
    a->dropped += drop;
  }
  while (frames > 0) {
    size_t at = (a->head + a->count) % PT_PULSE_AUDIO_BUFFER_FRAMES;
    size_t n = PT_PULSE_AUDIO_BUFFER_FRAMES - at < frames ? PT_PULSE_AUDIO_BUFFER_FRAMES - at : frames;
    int16_t *to = a->ring + at * PT_PULSE_AUDIO_CHANNELS;
    if (data != NULL) {
      memcpy(to, data, n * FRAME_BYTES);
      data += n * PT_PULSE_AUDIO_CHANNELS;
    } else {
      memset(to, 0, n * FRAME_BYTES);
    }
    a->count += n;
    frames -= n;
  }
}

/* The loop's thread, lock held: takes every fragment the server has delivered. */
static void on_read(pa_stream *stream, size_t nbytes, void *userdata) {
  (void)nbytes;
  pt_pulse_audio *a = userdata;
  for (;;) {
    const void *data;
    size_t length;
    if (pa_stream_peek(stream, &data, &length) < 0) {
      a->failed = 1;
      break;
    }
    if (length == 0) break; /* nothing left */
    push(a, data, length / FRAME_BYTES);
    pa_stream_drop(stream);
  }
  a->last_arrival_us = monotonic_us();
  notify(a);
}

static void on_context_state(pa_context *context, void *userdata) {
  pt_pulse_audio *a = userdata;
  if (!PA_CONTEXT_IS_GOOD(pa_context_get_state(context))) {
    a->failed = 1;
    notify(a);
  }
  pa_threaded_mainloop_signal(a->loop, 0);
}

static void on_stream_state(pa_stream *stream, void *userdata) {
  pt_pulse_audio *a = userdata;
  if (!PA_STREAM_IS_GOOD(pa_stream_get_state(stream))) {
    a->failed = 1;
    notify(a);
  }
  pa_threaded_mainloop_signal(a->loop, 0);
}

static void on_deadline(pa_mainloop_api *api, pa_time_event *event, const struct timeval *tv, void *userdata) {
  (void)api, (void)event, (void)tv;
  pt_pulse_audio *a = userdata;
  a->timed_out = 1;
  pa_threaded_mainloop_signal(a->loop, 0);
}

/* Lock held: waits until the context is ready. */
static int connect_context(pt_pulse_audio *a) {
  /* No autospawn: a host without a sound server has no audio, rather than starting one. */
  if (pa_context_connect(a->context, NULL, PA_CONTEXT_NOAUTOSPAWN, NULL) < 0) return PT_ERR_UNREACHABLE;
  for (;;) {
    pa_context_state_t state = pa_context_get_state(a->context);
    if (state == PA_CONTEXT_READY) return PT_OK;
    if (!PA_CONTEXT_IS_GOOD(state)) return PT_ERR_UNREACHABLE;
    if (a->timed_out) return PT_ERR_TIMEOUT;
    pa_threaded_mainloop_wait(a->loop);
  }
}

/* Lock held: waits until the record stream on the default monitor runs. */
static int connect_stream(pt_pulse_audio *a) {
  const pa_sample_spec spec = {PA_SAMPLE_S16LE, PT_PULSE_AUDIO_RATE, PT_PULSE_AUDIO_CHANNELS};
  a->stream = pa_stream_new(a->context, "screen audio", &spec, NULL);
  if (a->stream == NULL) return PT_ERR_NO_MEMORY;
  pa_stream_set_state_callback(a->stream, on_stream_state, a);
  pa_stream_set_read_callback(a->stream, on_read, a);
  /* Small fragments, so that audio leaves the server about as soon as it was played. */
  pa_buffer_attr attr;
  memset(&attr, 0xff, sizeof attr); /* (uint32_t)-1: the server's default */
  attr.fragsize = (uint32_t)pa_usec_to_bytes(FRAGMENT_US, &spec);
  if (pa_stream_connect_record(a->stream, "@DEFAULT_MONITOR@", &attr, PA_STREAM_ADJUST_LATENCY) < 0) {
    return PT_ERR_STATE;
  }
  for (;;) {
    pa_stream_state_t state = pa_stream_get_state(a->stream);
    if (state == PA_STREAM_READY) return PT_OK;
    if (!PA_STREAM_IS_GOOD(state)) return PT_ERR_STATE; /* no default sink, or the server refused */
    if (a->timed_out) return PT_ERR_TIMEOUT;
    pa_threaded_mainloop_wait(a->loop);
  }
}

int pt_pulse_audio_open(pt_pulse_audio **audio, int timeout_ms) {
  if (audio == NULL || timeout_ms < 1) return PT_ERR_INVALID_ARGUMENT;
  *audio = NULL;
  pt_pulse_audio *a = calloc(1, sizeof *a);
  if (a == NULL) return PT_ERR_NO_MEMORY;
  a->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  a->ring = malloc(PT_PULSE_AUDIO_BUFFER_FRAMES * FRAME_BYTES);
  a->loop = pa_threaded_mainloop_new();
  int status = a->event_fd >= 0 && a->ring != NULL && a->loop != NULL ? PT_OK : PT_ERR_NO_MEMORY;
  if (status == PT_OK) {
    a->context = pa_context_new(pa_threaded_mainloop_get_api(a->loop), "petrichor-host");
    if (a->context == NULL) status = PT_ERR_NO_MEMORY;
  }
  if (status == PT_OK && pa_threaded_mainloop_start(a->loop) < 0) status = PT_ERR_STATE;
  if (status == PT_OK) {
    pa_threaded_mainloop_lock(a->loop);
    pa_context_set_state_callback(a->context, on_context_state, a);
    a->timer = pa_context_rttime_new(a->context, pa_rtclock_now() + (pa_usec_t)timeout_ms * PA_USEC_PER_MSEC,
                                     on_deadline, a);
    status = a->timer != NULL ? connect_context(a) : PT_ERR_NO_MEMORY;
    if (status == PT_OK) status = connect_stream(a);
    if (a->timer != NULL) pa_threaded_mainloop_get_api(a->loop)->time_free(a->timer);
    a->timer = NULL;
    pa_threaded_mainloop_unlock(a->loop);
  }
  if (status != PT_OK) {
    pt_pulse_audio_close(a);
    return status;
  }
  *audio = a;
  return PT_OK;
}

int pt_pulse_audio_fd(const pt_pulse_audio *audio) {
  return audio != NULL ? audio->event_fd : -1;
}

int pt_pulse_audio_read(pt_pulse_audio *audio, int16_t *samples, size_t max_frames, size_t *frames,
                        int64_t *timestamp_us) {
  if (audio == NULL || samples == NULL || frames == NULL || timestamp_us == NULL) return PT_ERR_INVALID_ARGUMENT;
  pt_pulse_audio *a = audio;
  uint64_t counter;
  ssize_t ignored = read(a->event_fd, &counter, sizeof counter); /* EAGAIN: it was not set */
  (void)ignored;

  pa_threaded_mainloop_lock(a->loop);
  size_t n = a->count < max_frames ? a->count : max_frames;
  if (n > 0) {
    /* The ring is a contiguous run of the recording whose last frame arrived at last_arrival_us. */
    int64_t arrival = a->last_arrival_us - (int64_t)((uint64_t)a->count * 1000000 / PT_PULSE_AUDIO_RATE);
    int64_t expected = a->anchor_us + (int64_t)(a->anchored_frames * 1000000 / PT_PULSE_AUDIO_RATE);
    if (!a->have_clock || arrival - expected > RESYNC_US) {
      a->have_clock = 1;
      a->anchor_us = arrival;
      a->anchored_frames = 0;
    }
    *timestamp_us = a->anchor_us + (int64_t)(a->anchored_frames * 1000000 / PT_PULSE_AUDIO_RATE);
    a->anchored_frames += n;
    for (size_t done = 0; done < n;) {
      size_t run = PT_PULSE_AUDIO_BUFFER_FRAMES - a->head < n - done ? PT_PULSE_AUDIO_BUFFER_FRAMES - a->head : n - done;
      memcpy(samples + done * PT_PULSE_AUDIO_CHANNELS, a->ring + a->head * PT_PULSE_AUDIO_CHANNELS, run * FRAME_BYTES);
      a->head = (a->head + run) % PT_PULSE_AUDIO_BUFFER_FRAMES;
      a->count -= run;
      done += run;
    }
  }
  int more = a->count > 0 || a->failed; /* stays readable until all is read, and after a failure */
  int failed = a->failed;
  pa_threaded_mainloop_unlock(a->loop);
  if (more) notify(a);
  *frames = n;
  return n == 0 && failed ? PT_ERR_CLOSED : PT_OK;
}

uint64_t pt_pulse_audio_dropped(const pt_pulse_audio *audio) {
  if (audio == NULL) return 0;
  pa_threaded_mainloop_lock(audio->loop);
  uint64_t dropped = audio->dropped;
  pa_threaded_mainloop_unlock(audio->loop);
  return dropped;
}

void pt_pulse_audio_close(pt_pulse_audio *audio) {
  if (audio == NULL) return;
  if (audio->loop != NULL) {
    pa_threaded_mainloop_lock(audio->loop);
    if (audio->stream != NULL) {
      pa_stream_set_state_callback(audio->stream, NULL, NULL);
      pa_stream_set_read_callback(audio->stream, NULL, NULL);
      pa_stream_disconnect(audio->stream);
    }
    if (audio->context != NULL) {
      pa_context_set_state_callback(audio->context, NULL, NULL);
      pa_context_disconnect(audio->context);
    }
    pa_threaded_mainloop_unlock(audio->loop);
    pa_threaded_mainloop_stop(audio->loop);
    if (audio->stream != NULL) pa_stream_unref(audio->stream);
    if (audio->context != NULL) pa_context_unref(audio->context);
    pa_threaded_mainloop_free(audio->loop);
  }
  if (audio->event_fd >= 0) close(audio->event_fd);
  free(audio->ring);
  free(audio);
}
