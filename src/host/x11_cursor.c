#include "host/x11_cursor.h"

#include <errno.h>
#include <stdlib.h>

#include <X11/extensions/Xfixes.h>
#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
#include <libavutil/opt.h>

#include "core/error.h"

struct pt_x11_cursor {
  Display *display;
  Window root;
  int event_base;
  int shape_changed;           /* a new shape to send at the next poll (set at open: the first poll sends one) */
  unsigned long shape_serial;  /* the server's serial of the shape last sent, to skip an unchanged one */
  int has_shape_serial;
  int shape_visible;           /* 0 while the shape is fully transparent or could not be sent */
  int has_position;            /* a position was sent: later ones only when something changed */
  int32_t x, y;
  uint8_t visible;
};

int pt_x11_cursor_open(pt_x11_cursor **cursor, Display *display) {
  if (cursor == NULL) return PT_ERR_INVALID_ARGUMENT;
  *cursor = NULL;
  if (display == NULL) return PT_ERR_INVALID_ARGUMENT;
  int event_base, error_base, major = 0, minor = 0;
  if (!XFixesQueryExtension(display, &event_base, &error_base)) return PT_ERR_STATE;
  /* Cursor images and cursor notify events came with XFixes 1 (what the server says it speaks). */
  if (!XFixesQueryVersion(display, &major, &minor) || major < 1) return PT_ERR_STATE;
  pt_x11_cursor *c = calloc(1, sizeof *c);
  if (c == NULL) return PT_ERR_NO_MEMORY;
  c->display = display;
  c->root = DefaultRootWindow(display);
  c->event_base = event_base;
  c->shape_changed = 1;
  c->shape_visible = 1;
  /* The root window hears of every change of the displayed cursor, whichever window defines it. */
  XFixesSelectCursorInput(display, c->root, XFixesDisplayCursorNotifyMask);
  *cursor = c;
  return PT_OK;
}

int pt_x11_cursor_handle_event(pt_x11_cursor *cursor, const XEvent *event) {
  if (cursor == NULL || event == NULL || event->type != cursor->event_base + XFixesCursorNotify) return 0;
  cursor->shape_changed = 1; /* fetched at the next poll: several changes within a frame cost one image */
  return 1;
}

/* One premultiplied ARGB pixel (the low 32 bits of an unsigned long) as straight RGBA, which is what
 * a PNG holds. */
static void to_rgba(unsigned long argb, uint8_t *out) {
  unsigned a = (argb >> 24) & 0xff;
  unsigned rgb[3] = {(argb >> 16) & 0xff, (argb >> 8) & 0xff, argb & 0xff};
  for (int i = 0; i < 3; i++) {
    unsigned v = a == 0 ? 0 : (rgb[i] * 255 + a / 2) / a;
    out[i] = (uint8_t)(v > 255 ? 255 : v);
  }
  out[3] = (uint8_t)a;
}

/* A frame of the cursor's top left width × height pixels (at most the record's side limit). */
static AVFrame *rgba_frame(const XFixesCursorImage *image, int width, int height) {
  AVFrame *frame = av_frame_alloc();
  if (frame == NULL) return NULL;
  frame->format = AV_PIX_FMT_RGBA;
  frame->width = width;
  frame->height = height;
  if (av_frame_get_buffer(frame, 0) < 0) {
    av_frame_free(&frame);
    return NULL;
  }
  for (int y = 0; y < height; y++) {
    uint8_t *row = frame->data[0] + (size_t)y * (size_t)frame->linesize[0];
    for (int x = 0; x < width; x++) to_rgba(image->pixels[(size_t)y * image->width + (size_t)x], row + 4 * x);
  }
  return frame;
}

/* Encodes a frame as one PNG into *packet (the caller frees it). A context per image: shapes change
 * seldom, and a PNG encoder costs nothing to open. */
static int encode_png(AVFrame *frame, AVPacket **packet) {
  const AVCodec *codec = avcodec_find_encoder(AV_CODEC_ID_PNG);
  if (codec == NULL) return PT_ERR_STATE; /* libavcodec built without its PNG encoder */
  AVCodecContext *context = avcodec_alloc_context3(codec);
  *packet = av_packet_alloc();
  if (context == NULL || *packet == NULL) {
    avcodec_free_context(&context);
    av_packet_free(packet);
    return PT_ERR_NO_MEMORY;
  }
  context->width = frame->width;
  context->height = frame->height;
  context->pix_fmt = AV_PIX_FMT_RGBA;
  context->time_base = (AVRational){1, 1}; /* required of every video encoder; a PNG has no time */
  /* The smallest file of the filters (worth it for an image of at most 256 × 256 made rarely): the
   * larger cursors then still fit in one record. The default is kept if this FFmpeg lacks the option. */
  av_opt_set(context->priv_data, "pred", "mixed", 0);
  int status = avcodec_open2(context, codec, NULL);
  if (status >= 0) status = avcodec_send_frame(context, frame);
  if (status >= 0) status = avcodec_receive_packet(context, *packet);
  avcodec_free_context(&context);
  if (status < 0) {
    av_packet_free(packet);
    return status == AVERROR(ENOMEM) ? PT_ERR_NO_MEMORY : PT_ERR_STATE;
  }
  return PT_OK;
}

/* Whether any pixel shows: applications hide the pointer with a fully transparent cursor. */
static int shows_anything(const XFixesCursorImage *image) {
  size_t count = (size_t)image->width * image->height;
  for (size_t i = 0; i < count; i++) {
    if ((image->pixels[i] >> 24) & 0xff) return 1;
  }
  return 0;
}

/* Sends the shape as a CursorImage record, cut to the record's side limit with the hotspot kept
 * inside. A shape that cannot be sent (an empty one, a PNG over the record's limit) leaves
 * shape_visible 0, so that the client hides the cursor rather than draw the previous shape. */
static int send_shape(pt_x11_cursor *c, const XFixesCursorImage *image, pt_record_sink sink, void *context) {
  c->shape_visible = 0;
  if (image->width == 0 || image->height == 0 || image->pixels == NULL || !shows_anything(image)) return PT_OK;
  int width = image->width < PT_INPUT_MAX_CURSOR_SIDE ? image->width : PT_INPUT_MAX_CURSOR_SIDE;
  int height = image->height < PT_INPUT_MAX_CURSOR_SIDE ? image->height : PT_INPUT_MAX_CURSOR_SIDE;
  AVFrame *frame = rgba_frame(image, width, height);
  if (frame == NULL) return PT_ERR_NO_MEMORY;
  AVPacket *packet = NULL;
  int status = encode_png(frame, &packet);
  av_frame_free(&frame);
  if (status != PT_OK) return status;
  if ((size_t)packet->size <= PT_INPUT_MAX_CURSOR_IMAGE) {
    pt_input record = {.type = PT_INPUT_CURSOR_IMAGE};
    record.u.cursor_image.width = (uint16_t)width;
    record.u.cursor_image.height = (uint16_t)height;
    record.u.cursor_image.hotspot_x = (uint16_t)(image->xhot < width ? image->xhot : width - 1);
    record.u.cursor_image.hotspot_y = (uint16_t)(image->yhot < height ? image->yhot : height - 1);
    record.u.cursor_image.png = packet->data;
    record.u.cursor_image.length = (size_t)packet->size;
    status = sink(context, &record);
    c->shape_visible = status == PT_OK;
  }
  av_packet_free(&packet);
  return status;
}

/* Fetches the displayed shape and sends it when it is not the one sent last. */
static int poll_shape(pt_x11_cursor *c, pt_record_sink sink, void *context) {
  c->shape_changed = 0; /* a failure is not retried every frame: the next change tries again */
  XFixesCursorImage *image = XFixesGetCursorImage(c->display);
  if (image == NULL) return PT_ERR_STATE;
  int status = PT_OK;
  if (!c->has_shape_serial || image->cursor_serial != c->shape_serial) {
    status = send_shape(c, image, sink, context);
    c->shape_serial = image->cursor_serial;
    c->has_shape_serial = status == PT_OK;
  }
  XFree(image);
  return status;
}

/* Sends the pointer's position and visibility when either changed. XQueryPointer costs a round trip
 * per frame; pointer motion events on the root would only come for the root itself, not its children. */
static int poll_position(pt_x11_cursor *c, pt_record_sink sink, void *context) {
  Window root, child;
  int x, y, window_x, window_y;
  unsigned mask;
  /* False: the pointer is on another screen of this display, so not in the picture. */
  int on_screen = XQueryPointer(c->display, c->root, &root, &child, &x, &y, &window_x, &window_y, &mask);
  uint8_t visible = (uint8_t)(on_screen && c->shape_visible);
  if (c->has_position && x == c->x && y == c->y && visible == c->visible) return PT_OK;
  pt_input record = {.type = PT_INPUT_CURSOR_POSITION};
  record.u.cursor_position.x = x;
  record.u.cursor_position.y = y;
  record.u.cursor_position.visible = visible;
  int status = sink(context, &record);
  if (status != PT_OK) return status;
  c->has_position = 1;
  c->x = x;
  c->y = y;
  c->visible = visible;
  return PT_OK;
}

int pt_x11_cursor_poll(pt_x11_cursor *cursor, pt_record_sink sink, void *context) {
  if (cursor == NULL || sink == NULL) return PT_ERR_INVALID_ARGUMENT;
  int shape_status = cursor->shape_changed ? poll_shape(cursor, sink, context) : PT_OK;
  /* The position goes even when the shape failed: visible 0 then hides the stale shape. */
  int status = poll_position(cursor, sink, context);
  return shape_status != PT_OK ? shape_status : status;
}

void pt_x11_cursor_resend(pt_x11_cursor *cursor) {
  if (cursor == NULL) return;
  cursor->shape_changed = 1;
  cursor->has_shape_serial = 0;
  cursor->has_position = 0;
}

void pt_x11_cursor_close(pt_x11_cursor *cursor) {
  if (cursor == NULL) return;
  XFixesSelectCursorInput(cursor->display, cursor->root, 0);
  XFlush(cursor->display);
  free(cursor);
}
