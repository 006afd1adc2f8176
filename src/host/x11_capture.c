#include "host/x11_capture.h"

#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#include <X11/Xutil.h>
#include <X11/extensions/XShm.h>
#include <X11/extensions/Xdamage.h>

#include "core/error.h"
#include "host/x11_errors.h"

struct pt_x11_capture {
  Display *display;
  Window root;
  Visual *visual;
  int depth;
  int width, height;
  XImage *image;          /* the last grab (XShm: the one image, reused) */
  XShmSegmentInfo shm;
  int shm_attached;       /* the server has the segment: grabs go through XShmGetImage */
  int damage_event_base;
  Damage damage;          /* None when the server has no DAMAGE: then every grab is wanted */
  int damaged;
};

/* The pixel layout the header promises: 32-bit BGRX. 24- and 32-bit TrueColor visuals on a
 * little-endian server give it; 30-bit and 16-bit ones do not. */
static int is_bgrx(const XImage *image) {
  return image->bits_per_pixel == 32 && image->byte_order == LSBFirst && image->red_mask == 0xff0000 &&
         image->green_mask == 0x00ff00 && image->blue_mask == 0x0000ff;
}

/* Sets up XShm: one shared image the server writes each grab into. Any failure leaves nothing behind,
 * and the capture falls back to XGetImage. */
static void attach_shm(pt_x11_capture *c) {
  if (!XShmQueryExtension(c->display)) return;
  XImage *image = XShmCreateImage(c->display, c->visual, (unsigned)c->depth, ZPixmap, NULL, &c->shm,
                                  (unsigned)c->width, (unsigned)c->height);
  if (image == NULL) return;
  if (!is_bgrx(image)) { /* the fallback would fail the same way, and say so */
    XDestroyImage(image);
    return;
  }
  c->shm.shmid = shmget(IPC_PRIVATE, (size_t)image->bytes_per_line * (size_t)image->height, IPC_CREAT | 0600);
  if (c->shm.shmid < 0) {
    XDestroyImage(image);
    return;
  }
  c->shm.shmaddr = shmat(c->shm.shmid, NULL, 0);
  if (c->shm.shmaddr == (char *)-1) {
    shmctl(c->shm.shmid, IPC_RMID, NULL);
    XDestroyImage(image);
    return;
  }
  image->data = c->shm.shmaddr;
  c->shm.readOnly = False;
  pt_x11_error_handler previous = pt_x11_trap_errors();
  Status attached = XShmAttach(c->display, &c->shm);
  int error = pt_x11_untrap_errors(c->display, previous); /* the server has attached, or refused */
  /* Removed now, while both sides hold it: the kernel frees it when both detach, even if this process
   * or the server dies without cleaning up. */
  shmctl(c->shm.shmid, IPC_RMID, NULL);
  if (!attached || error != 0) {
    shmdt(c->shm.shmaddr);
    image->data = NULL; /* not malloc'd: XDestroyImage must not free it */
    XDestroyImage(image);
    return;
  }
  c->image = image;
  c->shm_attached = 1;
}

/* Asks for damage reports on the root window: one event each time its damage goes from empty to
 * non-empty, re-armed by subtracting it in pt_x11_capture_handle_event. */
static void watch_damage(pt_x11_capture *c) {
  int error_base, major, minor;
  if (!XDamageQueryExtension(c->display, &c->damage_event_base, &error_base)) return;
  if (!XDamageQueryVersion(c->display, &major, &minor)) return;
  c->damage = XDamageCreate(c->display, c->root, XDamageReportNonEmpty);
}

int pt_x11_capture_open(pt_x11_capture **capture, Display *display) {
  if (capture == NULL) return PT_ERR_INVALID_ARGUMENT;
  *capture = NULL;
  if (display == NULL) return PT_ERR_INVALID_ARGUMENT;
  pt_x11_capture *c = calloc(1, sizeof *c);
  if (c == NULL) return PT_ERR_NO_MEMORY;
  int screen = DefaultScreen(display);
  c->display = display;
  c->root = RootWindow(display, screen);
  c->visual = DefaultVisual(display, screen);
  c->depth = DefaultDepth(display, screen);
  /* The server's size, not Xlib's: that one lags behind a resize until its ConfigureNotify is read. */
  Window root;
  int x, y;
  unsigned width, height, border, depth;
  if (XGetGeometry(display, c->root, &root, &x, &y, &width, &height, &border, &depth)) {
    c->width = (int)width;
    c->height = (int)height;
  } else {
    c->width = DisplayWidth(display, screen);
    c->height = DisplayHeight(display, screen);
  }
  c->damage = None;
  c->damaged = 1;
  attach_shm(c);
  if (!c->shm_attached) {
    /* Without XShm nothing about the pixel layout is known until a first XGetImage: try one now, so
     * that an unusable visual fails the open rather than every grab. */
    const uint8_t *pixels;
    int stride;
    int status = pt_x11_capture_grab(c, &pixels, &stride);
    if (status != PT_OK) {
      pt_x11_capture_close(c);
      return status;
    }
    c->damaged = 1;
  }
  watch_damage(c);
  *capture = c;
  return PT_OK;
}

void pt_x11_capture_size(const pt_x11_capture *capture, int *width, int *height) {
  if (width != NULL) *width = capture != NULL ? capture->width : 0;
  if (height != NULL) *height = capture != NULL ? capture->height : 0;
}

int pt_x11_capture_handle_event(pt_x11_capture *capture, const XEvent *event) {
  if (capture == NULL || event == NULL || capture->damage == None ||
      event->type != capture->damage_event_base + XDamageNotify) {
    return 0;
  }
  /* Emptying the damage re-arms the next report; what was drawn is in the next grab anyway. */
  XDamageSubtract(capture->display, capture->damage, None, None);
  capture->damaged = 1;
  return 1;
}

int pt_x11_capture_damaged(const pt_x11_capture *capture) {
  if (capture == NULL) return 0;
  return capture->damage == None || capture->damaged; /* without DAMAGE every grab may have news */
}

/* XGetImage allocates a new image every time; the previous one goes once the new one has come. */
static int grab_copy(pt_x11_capture *c) {
  pt_x11_error_handler previous = pt_x11_trap_errors();
  XImage *image = XGetImage(c->display, c->root, 0, 0, (unsigned)c->width, (unsigned)c->height, AllPlanes,
                            ZPixmap);
  int error = pt_x11_untrap_errors(c->display, previous);
  if (image == NULL || error != 0) {
    if (image != NULL) XDestroyImage(image);
    return PT_ERR_STATE;
  }
  if (!is_bgrx(image)) {
    XDestroyImage(image);
    return PT_ERR_STATE; /* not 32-bit BGRX: a 16- or 30-bit screen, or a big-endian server */
  }
  if (c->image != NULL) XDestroyImage(c->image);
  c->image = image;
  return PT_OK;
}

int pt_x11_capture_grab(pt_x11_capture *capture, const uint8_t **pixels, int *stride) {
  if (capture == NULL || pixels == NULL || stride == NULL) return PT_ERR_INVALID_ARGUMENT;
  /* Cleared before the pixels are read, so that drawing during the grab is reported again. */
  capture->damaged = 0;
  int status = PT_OK;
  if (capture->shm_attached) {
    pt_x11_error_handler previous = pt_x11_trap_errors();
    Bool ok = XShmGetImage(capture->display, capture->root, capture->image, 0, 0, AllPlanes);
    /* A failure is PT_ERR_STATE: most likely the screen shrank since open and capture must reopen. */
    if (pt_x11_untrap_errors(capture->display, previous) != 0 || !ok) status = PT_ERR_STATE;
  } else {
    status = grab_copy(capture);
  }
  if (status != PT_OK) {
    capture->damaged = 1;
    return status;
  }
  *pixels = (const uint8_t *)capture->image->data;
  *stride = capture->image->bytes_per_line;
  return PT_OK;
}

void pt_x11_capture_close(pt_x11_capture *capture) {
  if (capture == NULL) return;
  if (capture->damage != None) XDamageDestroy(capture->display, capture->damage);
  if (capture->shm_attached) {
    XShmDetach(capture->display, &capture->shm);
    shmdt(capture->shm.shmaddr);
    capture->image->data = NULL; /* shared memory, not malloc'd */
  }
  if (capture->image != NULL) XDestroyImage(capture->image);
  /* Sends the detach (and damage destroy) now rather than with whatever request comes next. */
  XFlush(capture->display);
  free(capture);
}
