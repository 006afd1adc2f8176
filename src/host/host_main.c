/* petrichor-host: the native half of `petrichor host`. It captures an X11 display, encodes it as
 * H.264 and writes the access units to stdout, with the sound of the PulseAudio (or PipeWire)
 * server's default monitor as Opus when there is one; it reads input records, keyframe and bitrate
 * commands from stdin and injects the input with XTest. Both directions speak the stdio protocol of
 * host/host_protocol.h. It exits when stdin ends, on STOP, or after an ERROR message. When the
 * screen's size changes it goes on at the new size (capture and encoder reopened, a keyframe).
 * With --follow-viewport (a virtual display of its own, `petrichor host --app`) the client's
 * ViewportResize records resize the screen with RandR, within 320×240 and the server's maximum;
 * --size sets the size at start; --resize-only sets it and exits (before the app starts).
 *
 * Usage: petrichor-host [--display NAME] [--fps N] [--bitrate BITS_PER_SECOND] [--software]
 *                       [--follow-viewport] [--size WxH] [--resize-only] */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <libavutil/log.h>

#include "core/error.h"
#include "host/audio_encoder.h"
#include "host/host_protocol.h"
#include "host/pulse_audio.h"
#include "host/video_encoder.h"
#include "host/x11_capture.h"
#include "host/x11_clipboard.h"
#include "host/x11_cursor.h"
#include "host/x11_input.h"
#include "host/x11_resize.h"
#include "input/input_record.h"

#define AUDIO_READ_FRAMES 2400 /* 50 ms of sound read at a time */

typedef struct host {
  Display *display;
  pt_x11_capture *capture;
  pt_video_encoder *encoder;
  pt_x11_input *input;
  pt_x11_cursor *cursor;       /* NULL without XFixes: the client draws no cursor */
  pt_x11_clipboard *clipboard; /* NULL without XFixes: no clipboard */
  pt_pulse_audio *audio;       /* NULL without a sound server (or its default monitor): no audio */
  pt_audio_encoder *audio_encoder;
  int16_t audio_samples[AUDIO_READ_FRAMES * PT_PULSE_AUDIO_CHANNELS]; /* one read of captured sound */
  pt_x11_resize *resize;       /* with --follow-viewport: the client's viewport sets the screen's size */
  int frame_rate;
  uint32_t bitrate;            /* the encoder's current target, for reopening it at a new size */
  int allow_hardware;
  int force_keyframe;
  int size_changed;            /* the screen's size may have changed: compared at the next frame tick */
  int viewport_width, viewport_height; /* the client's latest viewport not applied yet (0: none) */
  double viewport_applied_ms;  /* when the screen last took a viewport's size */
  double start_ms;
  uint8_t *commands; /* stdin bytes not yet parsed */
  size_t commands_used;
  unsigned long refused_inputs;
} host;

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000.0 + t.tv_nsec / 1e6;
}

/* Writes a whole message to stdout; exits when Node has gone away. */
static void send_message(pt_host_message_type type, const uint8_t *head, size_t head_length, const uint8_t *body,
                         size_t body_length) {
  uint8_t header[PT_HOST_HEADER_SIZE];
  pt_host_message_header(header, type, (uint32_t)(head_length + body_length));
  const struct {
    const uint8_t *data;
    size_t length;
  } parts[3] = {{header, sizeof header}, {head, head_length}, {body, body_length}};
  for (int i = 0; i < 3; i++) {
    for (size_t done = 0; done < parts[i].length;) {
      ssize_t n = write(STDOUT_FILENO, parts[i].data + done, parts[i].length - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) exit(0); /* the Node side closed the pipe: nobody to stream to */
      done += (size_t)n;
    }
  }
}

/* Tells the Node side why this program stops, and stops. */
static void fail(const char *what, int status) {
  char text[256];
  int length = snprintf(text, sizeof text, "%s (%s)", what, pt_error_name(status));
  send_message(PT_HOST_ERROR, (const uint8_t *)text, (size_t)length, NULL, 0);
  exit(2);
}

static int send_video(void *context, const uint8_t *access_unit, size_t length, int keyframe, int64_t timestamp_us) {
  (void)context;
  if (length > PT_HOST_MAX_EVENT - 9) return PT_ERR_TOO_LARGE;
  uint8_t head[9];
  head[0] = (uint8_t)(keyframe != 0);
  for (int i = 0; i < 8; i++) head[1 + i] = (uint8_t)((uint64_t)timestamp_us >> (8 * i));
  send_message(PT_HOST_VIDEO, head, sizeof head, access_unit, length);
  return PT_OK;
}

static void open_encoder(host *h) {
  pt_video_encoder_config config = {0};
  pt_x11_capture_size(h->capture, &config.width, &config.height);
  config.frame_rate = h->frame_rate;
  config.bitrate = h->bitrate;
  config.allow_hardware = h->allow_hardware;
  int status = pt_video_encoder_open(&h->encoder, &config);
  if (status != PT_OK) fail("no H.264 encoder could be opened", status);
}

/* Capture and encoder again at the screen's size now, the next picture a keyframe (its SPS carries the
 * new size: the client's decoder follows). */
static void reopen_video(host *h) {
  pt_x11_capture_close(h->capture);
  h->capture = NULL;
  int status = pt_x11_capture_open(&h->capture, h->display);
  if (status != PT_OK) fail("cannot capture the X display at its new size", status);
  pt_video_encoder_close(h->encoder);
  h->encoder = NULL;
  open_encoder(h);
  h->force_keyframe = 1;
  int width, height;
  pt_x11_capture_size(h->capture, &width, &height);
  fprintf(stderr, "petrichor-host: the screen is %dx%d now\n", width, height);
}

/* After the root window's ConfigureNotify (or a resize of its own): reopens when the size differs. */
static void follow_screen_size(host *h) {
  h->size_changed = 0;
  int width, height, captured_width, captured_height;
  if (pt_x11_screen_size(h->display, &width, &height) != PT_OK) return;
  pt_x11_capture_size(h->capture, &captured_width, &captured_height);
  if (width != captured_width || height != captured_height) reopen_video(h);
}

static void encode_picture(host *h) {
  const uint8_t *pixels;
  int stride;
  int status = pt_x11_capture_grab(h->capture, &pixels, &stride);
  if (status == PT_ERR_STATE) {
    /* Most likely the screen shrank before its ConfigureNotify was read: once more at its size now. */
    reopen_video(h);
    status = pt_x11_capture_grab(h->capture, &pixels, &stride);
  }
  if (status != PT_OK) fail("screen capture failed", status);
  int64_t timestamp_us = (int64_t)((now_ms() - h->start_ms) * 1000.0);
  status = pt_video_encoder_encode(h->encoder, pixels, stride, timestamp_us, h->force_keyframe, send_video, h);
  if (status != PT_OK) fail("encoding failed", status);
  h->force_keyframe = 0;
}

/* ---- Audio: the sound server's default monitor, as Opus. Having none is not an error. ---- */

#define AUDIO_BITRATE 96000
#define AUDIO_OPEN_TIMEOUT_MS 2000

static void close_audio(host *h) {
  pt_pulse_audio_close(h->audio);
  pt_audio_encoder_close(h->audio_encoder);
  h->audio = NULL;
  h->audio_encoder = NULL;
}

/* Before HELLO: starts capturing and announces the format (AUDIO_FORMAT), or logs why there is no audio. */
static void open_audio(host *h) {
  int status = pt_pulse_audio_open(&h->audio, AUDIO_OPEN_TIMEOUT_MS);
  if (status == PT_OK) status = pt_audio_encoder_open(&h->audio_encoder, AUDIO_BITRATE);
  if (status != PT_OK) {
    fprintf(stderr, "petrichor-host: no audio: %s (%s)\n",
            h->audio == NULL ? "no PulseAudio/PipeWire server with a default monitor" : "no Opus encoder",
            pt_error_name(status));
    close_audio(h);
    return;
  }
  const char *codec = pt_audio_encoder_codec(h->audio_encoder);
  uint8_t format[5];
  for (int i = 0; i < 4; i++) format[i] = (uint8_t)((uint32_t)PT_AUDIO_SAMPLE_RATE >> (8 * i));
  format[4] = PT_AUDIO_CHANNELS;
  send_message(PT_HOST_AUDIO_FORMAT, format, sizeof format, (const uint8_t *)codec, strlen(codec));
  fprintf(stderr, "petrichor-host: audio from the default monitor, %s at %d Hz\n", codec, PT_AUDIO_SAMPLE_RATE);
}

static int send_audio(void *context, const uint8_t *packet, size_t length, int64_t timestamp_us) {
  host *h = context;
  timestamp_us -= (int64_t)(h->start_ms * 1000.0); /* on the video's clock */
  if (timestamp_us < 0) return PT_OK;             /* captured before streaming started */
  uint8_t head[8];
  for (int i = 0; i < 8; i++) head[i] = (uint8_t)((uint64_t)timestamp_us >> (8 * i));
  send_message(PT_HOST_AUDIO, head, sizeof head, packet, length);
  return PT_OK;
}

/* Encodes and sends what was captured; a server that went away ends the audio, not the host. */
static void pump_audio(host *h) {
  int16_t *samples = h->audio_samples;
  size_t frames;
  int64_t timestamp_us;
  int status = pt_pulse_audio_read(h->audio, samples, AUDIO_READ_FRAMES, &frames, &timestamp_us);
  if (status == PT_OK && frames > 0) {
    status = pt_audio_encoder_encode(h->audio_encoder, samples, frames, timestamp_us, send_audio, h);
  }
  if (status != PT_OK) {
    fprintf(stderr, "petrichor-host: audio stopped (%s)\n", pt_error_name(status));
    close_audio(h);
  }
}

/* Sends one record to the client (through the Node side, whose core checks it again). */
static int send_client_record(void *context, const pt_input *record) {
  (void)context;
  uint8_t *buffer = malloc(PT_INPUT_MAX_RECORD);
  if (buffer == NULL) return PT_ERR_NO_MEMORY;
  size_t used = 0;
  int status = pt_input_encode(record, buffer, PT_INPUT_MAX_RECORD, &used);
  if (status == PT_OK) send_message(PT_HOST_CLIENT_INPUT, buffer, used, NULL, 0);
  free(buffer);
  return status;
}

/* A client's viewport can resize the screen this often at most (the SDK sends one per 100 ms at most too). */
#define VIEWPORT_INTERVAL_MS 100

/* With --follow-viewport: the screen takes the latest viewport's size (clamped) at a frame tick, at most
 * once per VIEWPORT_INTERVAL_MS however many come. */
static void apply_viewport(host *h, double now) {
  if (h->viewport_width == 0 || now - h->viewport_applied_ms < VIEWPORT_INTERVAL_MS) return;
  int width, height;
  int status = pt_x11_resize_set(h->resize, h->viewport_width, h->viewport_height, &width, &height);
  if (status != PT_OK) {
    fprintf(stderr, "petrichor-host: the screen could not be made %dx%d (%s)\n", h->viewport_width,
            h->viewport_height, pt_error_name(status));
  }
  h->viewport_width = h->viewport_height = 0;
  h->viewport_applied_ms = now;
  h->size_changed = 1;
}

/* Injects every record of an input message; records X cannot take are counted, not fatal. */
static void inject(host *h, const uint8_t *records, size_t length) {
  pt_input record;
  for (size_t offset = 0; offset < length;) {
    int status = pt_input_decode(records, length, &offset, &record);
    if (status == PT_ERR_MALFORMED) break;
    if (status == PT_OK && record.type == PT_INPUT_VIEWPORT) {
      /* The client's container (CSS pixels): the screen's next size with --follow-viewport; a display
       * that is not the host's own keeps its size. */
      if (h->resize != NULL) {
        h->viewport_width = record.u.viewport.width;
        h->viewport_height = record.u.viewport.height;
      }
    } else if (status == PT_OK && record.type == PT_INPUT_CLIPBOARD) {
      status = h->clipboard ? pt_x11_clipboard_set(h->clipboard, record.u.text.bytes, record.u.text.length) : PT_ERR_STATE;
    } else if (status == PT_OK) {
      status = pt_x11_input_inject(h->input, &record);
    }
    if (status != PT_OK && h->refused_inputs++ < 16) {
      fprintf(stderr, "petrichor-host: input of type %d not injected (%s)\n", record.type, pt_error_name(status));
    }
  }
  XFlush(h->display);
}

/* Handles one command; returns 0 when the program should stop. */
static int handle_command(host *h, uint8_t type, const uint8_t *payload, size_t length) {
  switch (type) {
    case PT_HOST_INPUT:
      inject(h, payload, length);
      return 1;
    case PT_HOST_KEYFRAME:
      /* A client starting (or restarting) its picture asks for a keyframe: it gets the cursor again too. */
      h->force_keyframe = 1;
      pt_x11_cursor_resend(h->cursor);
      return 1;
    case PT_HOST_BITRATE:
      if (length == 4) {
        uint32_t bps = (uint32_t)payload[0] | (uint32_t)payload[1] << 8 | (uint32_t)payload[2] << 16 | (uint32_t)payload[3] << 24;
        int status = pt_video_encoder_set_bitrate(h->encoder, bps);
        if (status == PT_OK) h->bitrate = bps; /* kept for an encoder reopened at a new screen size */
        if (status != PT_OK) fprintf(stderr, "petrichor-host: bitrate %u refused (%s)\n", bps, pt_error_name(status));
      }
      return 1;
    case PT_HOST_STOP:
      return 0;
    default:
      fprintf(stderr, "petrichor-host: unknown command %u ignored\n", type);
      return 1;
  }
}

/* Reads what stdin has; returns 0 at its end or on STOP. */
static int read_commands(host *h) {
  size_t room = PT_HOST_HEADER_SIZE + PT_HOST_MAX_COMMAND - h->commands_used;
  ssize_t n = read(STDIN_FILENO, h->commands + h->commands_used, room);
  if (n < 0) return errno == EINTR || errno == EAGAIN;
  if (n == 0) return 0;
  h->commands_used += (size_t)n;
  size_t at = 0;
  for (;;) {
    uint8_t type;
    const uint8_t *payload;
    size_t payload_length, message_length;
    int status = pt_host_message_parse(h->commands + at, h->commands_used - at, PT_HOST_MAX_COMMAND, &type, &payload,
                                       &payload_length, &message_length);
    if (status == PT_ERR_BUFFER_TOO_SMALL) break;
    if (status != PT_OK) fail("a command from the Node side is larger than the protocol allows", status);
    at += message_length;
    if (!handle_command(h, type, payload, payload_length)) return 0;
  }
  memmove(h->commands, h->commands + at, h->commands_used - at);
  h->commands_used -= at;
  return 1;
}

typedef struct options {
  const char *display;
  int fps;
  uint32_t bitrate;
  int hardware;
  int follow_viewport;
  int width, height; /* --size; 0: the screen's size as it is */
  int resize_only;
} options;

#define USAGE \
  "usage: petrichor-host [--display NAME] [--fps N] [--bitrate BPS] [--software] [--follow-viewport] [--size WxH] " \
  "[--resize-only]\n"

static void parse_arguments(int argc, char **argv, options *o) {
  for (int i = 1; i < argc; i++) {
    const char *value = i + 1 < argc ? argv[i + 1] : NULL;
    char rest;
    if (strcmp(argv[i], "--software") == 0) {
      o->hardware = 0;
    } else if (strcmp(argv[i], "--follow-viewport") == 0) {
      o->follow_viewport = 1;
    } else if (strcmp(argv[i], "--resize-only") == 0) {
      o->resize_only = 1;
    } else if (value != NULL && strcmp(argv[i], "--display") == 0) {
      o->display = value;
      i++;
    } else if (value != NULL && strcmp(argv[i], "--fps") == 0) {
      o->fps = atoi(value);
      i++;
    } else if (value != NULL && strcmp(argv[i], "--bitrate") == 0) {
      o->bitrate = (uint32_t)strtoul(value, NULL, 10);
      i++;
    } else if (value != NULL && strcmp(argv[i], "--size") == 0 &&
               sscanf(value, "%dx%d%c", &o->width, &o->height, &rest) == 2 && o->width > 0 && o->height > 0) {
      i++;
    } else {
      fprintf(stderr, USAGE);
      exit(64);
    }
  }
  if (o->resize_only && o->width == 0) {
    fprintf(stderr, "petrichor-host: --resize-only needs --size\n" USAGE);
    exit(64);
  }
  if (o->fps < 1 || o->fps > 240) o->fps = 30;
  if (o->bitrate < 50000 || o->bitrate > 100000000) o->bitrate = 2000000;
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN); /* a closed pipe is seen as a failed write */
  av_log_set_level(AV_LOG_ERROR); /* FFmpeg's banners and notices would flood the host's log */
  options o = {.display = getenv("DISPLAY"), .fps = 30, .bitrate = 2000000, .hardware = 1};
  parse_arguments(argc, argv, &o);
  host h = {0};
  h.frame_rate = o.fps;
  h.bitrate = o.bitrate;
  h.allow_hardware = o.hardware;
  h.commands = malloc(PT_HOST_HEADER_SIZE + PT_HOST_MAX_COMMAND);
  if (h.commands == NULL) fail("out of memory", PT_ERR_NO_MEMORY);
  h.display = XOpenDisplay(o.display);
  if (h.display == NULL) fail("cannot open the X display", PT_ERR_STATE);
  pt_x11_screen_watch(h.display); /* before the size is read: no change goes unseen */
  int status;
  if (o.follow_viewport || o.width > 0) {
    status = pt_x11_resize_open(&h.resize, h.display);
    if (status != PT_OK) fail("the X display cannot be resized (no RandR 1.2)", status);
    if (o.width > 0) {
      int width, height;
      status = pt_x11_resize_set(h.resize, o.width, o.height, &width, &height);
      if (status != PT_OK) fail("the X display refused its new size", status);
      fprintf(stderr, "petrichor-host: the screen is %dx%d\n", width, height);
    }
    if (o.resize_only) {
      pt_x11_resize_close(h.resize);
      XCloseDisplay(h.display);
      free(h.commands);
      return 0;
    }
    if (!o.follow_viewport) { /* --size alone: set once, not followed */
      pt_x11_resize_close(h.resize);
      h.resize = NULL;
    }
  }
  status = pt_x11_capture_open(&h.capture, h.display);
  if (status != PT_OK) fail("cannot capture the X display", status);
  status = pt_x11_input_open(&h.input, h.display);
  if (status != PT_OK) fail("the X display has no XTest extension for input", status);
  status = pt_x11_cursor_open(&h.cursor, h.display);
  if (status != PT_OK) fprintf(stderr, "petrichor-host: no cursor for the client (%s)\n", pt_error_name(status));
  status = pt_x11_clipboard_open(&h.clipboard, h.display);
  if (status != PT_OK) fprintf(stderr, "petrichor-host: no clipboard (%s)\n", pt_error_name(status));
  open_encoder(&h);
  int width, height;
  pt_x11_capture_size(h.capture, &width, &height);

  open_audio(&h); /* its AUDIO_FORMAT goes before HELLO */
  const char *codec = pt_video_encoder_codec(h.encoder);
  uint8_t hello[7];
  hello[0] = PT_HOST_PROTOCOL_VERSION;
  hello[1] = (uint8_t)(width & ~1);
  hello[2] = (uint8_t)((width & ~1) >> 8);
  hello[3] = (uint8_t)(height & ~1);
  hello[4] = (uint8_t)((height & ~1) >> 8);
  hello[5] = (uint8_t)h.frame_rate;
  hello[6] = (uint8_t)(h.frame_rate >> 8);
  send_message(PT_HOST_HELLO, hello, sizeof hello, (const uint8_t *)codec, strlen(codec));
  h.start_ms = now_ms();
  /* The origin of VIDEO timestamps on the system-wide clock, so that tools can time the pipeline. */
  fprintf(stderr, "petrichor-host: %dx%d at %d fps with %s (%s); video timestamps count from %.3f ms of CLOCK_MONOTONIC\n",
          width, height, h.frame_rate, pt_video_encoder_name(h.encoder), codec, h.start_ms);

  h.force_keyframe = 1;
  const double interval_ms = 1000.0 / h.frame_rate;
  double next_frame_ms = h.start_ms;
  for (;;) {
    double wait = next_frame_ms - now_ms();
    struct pollfd fds[3] = {{STDIN_FILENO, POLLIN, 0}, {ConnectionNumber(h.display), POLLIN, 0},
                            {h.audio ? pt_pulse_audio_fd(h.audio) : -1, POLLIN, 0}};
    /* X events may be queued already without the socket being readable. */
    int timeout = XPending(h.display) ? 0 : wait > 0 ? (int)(wait + 0.999) : 0;
    if (poll(fds, 3, timeout) < 0 && errno != EINTR) fail("poll failed", PT_ERR_STATE);
    if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) && !read_commands(&h)) break;
    if (fds[2].revents & POLLIN) pump_audio(&h);
    while (XPending(h.display)) {
      XEvent event;
      XNextEvent(h.display, &event);
      if (pt_x11_screen_event(h.display, &event)) {
        h.size_changed = 1;
        continue;
      }
      if (pt_x11_capture_handle_event(h.capture, &event)) continue;
      if (h.cursor && pt_x11_cursor_handle_event(h.cursor, &event)) continue;
      if (h.clipboard && pt_x11_clipboard_handle_event(h.clipboard, &event, send_client_record, &h) < 0) {
        fprintf(stderr, "petrichor-host: the clipboard text could not be sent\n");
      }
    }
    double now = now_ms();
    if (now >= next_frame_ms) {
      if (h.resize != NULL) apply_viewport(&h, now);
      if (h.size_changed) follow_screen_size(&h);
      /* An idle screen is not encoded again; a keyframe request is answered at the next tick. */
      if (pt_x11_capture_damaged(h.capture) || h.force_keyframe) encode_picture(&h);
      if (h.cursor && pt_x11_cursor_poll(h.cursor, send_client_record, &h) != PT_OK) {
        fprintf(stderr, "petrichor-host: the cursor could not be sent\n");
      }
      next_frame_ms += interval_ms;
      if (next_frame_ms < now) next_frame_ms = now + interval_ms; /* fell behind: skip, do not burst */
    }
  }
  close_audio(&h);
  pt_x11_input_close(h.input);
  pt_x11_clipboard_close(h.clipboard);
  pt_x11_cursor_close(h.cursor);
  pt_video_encoder_close(h.encoder);
  pt_x11_capture_close(h.capture);
  pt_x11_resize_close(h.resize);
  XCloseDisplay(h.display);
  free(h.commands);
  return 0;
}
