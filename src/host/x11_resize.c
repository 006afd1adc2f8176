#include "host/x11_resize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <X11/extensions/Xrandr.h>

#include "core/error.h"
#include "host/x11_errors.h"

struct pt_x11_resize {
  Display *display;
  Window root;
  int max_width, max_height;
};

void pt_x11_resize_clamp(int width, int height, int max_width, int max_height, int *out_width, int *out_height) {
  if (width < PT_X11_MIN_WIDTH) width = PT_X11_MIN_WIDTH;
  if (height < PT_X11_MIN_HEIGHT) height = PT_X11_MIN_HEIGHT;
  if (width > max_width) width = max_width;
  if (height > max_height) height = max_height;
  if (width < 0) width = 0;
  if (height < 0) height = 0;
  if (out_width != NULL) *out_width = width & ~1;
  if (out_height != NULL) *out_height = height & ~1;
}

int pt_x11_resize_open(pt_x11_resize **resize, Display *display) {
  if (resize == NULL) return PT_ERR_INVALID_ARGUMENT;
  *resize = NULL;
  if (display == NULL) return PT_ERR_INVALID_ARGUMENT;
  int event_base, error_base, major = 0, minor = 0;
  if (!XRRQueryExtension(display, &event_base, &error_base) || !XRRQueryVersion(display, &major, &minor) ||
      major < 1 || (major == 1 && minor < 2)) {
    return PT_ERR_STATE;
  }
  pt_x11_resize *r = calloc(1, sizeof *r);
  if (r == NULL) return PT_ERR_NO_MEMORY;
  r->display = display;
  r->root = DefaultRootWindow(display);
  int min_width, min_height;
  if (!XRRGetScreenSizeRange(display, r->root, &min_width, &min_height, &r->max_width, &r->max_height) ||
      r->max_width < 2 || r->max_height < 2) {
    free(r);
    return PT_ERR_STATE;
  }
  *resize = r;
  return PT_OK;
}

void pt_x11_resize_max(const pt_x11_resize *resize, int *width, int *height) {
  if (width != NULL) *width = resize != NULL ? resize->max_width : 0;
  if (height != NULL) *height = resize != NULL ? resize->max_height : 0;
}

/* The output to resize and its CRTC: the first connected output that has one, else the first
 * connected output and the first CRTC it can use. 0 when there is none. */
static int pick_output(Display *display, XRRScreenResources *resources, RROutput *output, RRCrtc *crtc) {
  RROutput spare_output = None;
  RRCrtc spare_crtc = None;
  for (int i = 0; i < resources->noutput; i++) {
    XRROutputInfo *info = XRRGetOutputInfo(display, resources, resources->outputs[i]);
    if (info == NULL) continue;
    int connected = info->connection == RR_Connected;
    if (connected && info->crtc != None) {
      *output = resources->outputs[i];
      *crtc = info->crtc;
      XRRFreeOutputInfo(info);
      return 1;
    }
    if (connected && spare_output == None && info->ncrtc > 0) {
      spare_output = resources->outputs[i];
      spare_crtc = info->crtcs[0];
    }
    XRRFreeOutputInfo(info);
  }
  *output = spare_output;
  *crtc = spare_crtc;
  return spare_output != None;
}

/* A mode of exactly width × height the server knows (None: none). */
static RRMode find_mode(const XRRScreenResources *resources, int width, int height) {
  for (int i = 0; i < resources->nmode; i++) {
    if ((int)resources->modes[i].width == width && (int)resources->modes[i].height == height) {
      return resources->modes[i].id;
    }
  }
  return None;
}

static int output_has_mode(Display *display, XRRScreenResources *resources, RROutput output, RRMode mode) {
  XRROutputInfo *info = XRRGetOutputInfo(display, resources, output);
  if (info == NULL) return 0;
  int found = 0;
  for (int i = 0; i < info->nmode && !found; i++) found = info->modes[i] == mode;
  XRRFreeOutputInfo(info);
  return found;
}

/* The name of the modes a petrichor-host makes, so that any of them can tell which to give back. */
#define MODE_PREFIX "petrichor-"

/* A new mode of the size, with made-up 60 Hz timings (a virtual screen has no monitor to please).
 * Errors are the caller's to trap. */
static RRMode make_mode(pt_x11_resize *r, int width, int height) {
  char name[48];
  snprintf(name, sizeof name, MODE_PREFIX "%dx%d", width, height);
  XRRModeInfo *info = XRRAllocModeInfo(name, (int)strlen(name));
  if (info == NULL) return None;
  info->width = (unsigned)width;
  info->height = (unsigned)height;
  info->hTotal = (unsigned)width;
  info->hSyncStart = info->hSyncEnd = (unsigned)width;
  info->vTotal = (unsigned)height;
  info->vSyncStart = info->vSyncEnd = (unsigned)height;
  info->dotClock = (unsigned long)width * (unsigned long)height * 60ul;
  RRMode mode = XRRCreateMode(r->display, r->root, info);
  XRRFreeModeInfo(info);
  return mode;
}

/* Gives back the modes petrichor-hosts made, but the one kept: one still in use is refused, harmlessly. */
static void forget_modes(pt_x11_resize *r, RROutput output, RRMode keep) {
  XRRScreenResources *resources = XRRGetScreenResourcesCurrent(r->display, r->root);
  if (resources == NULL) return;
  pt_x11_error_handler previous = pt_x11_trap_errors();
  for (int i = 0; i < resources->nmode; i++) {
    const XRRModeInfo *mode = &resources->modes[i];
    if (mode->id == keep || mode->nameLength <= strlen(MODE_PREFIX) ||
        strncmp(mode->name, MODE_PREFIX, strlen(MODE_PREFIX)) != 0) {
      continue;
    }
    if (output_has_mode(r->display, resources, output, mode->id)) XRRDeleteOutputMode(r->display, output, mode->id);
    XRRDestroyMode(r->display, mode->id);
  }
  pt_x11_untrap_errors(r->display, previous);
  XRRFreeScreenResources(resources);
}

/* Points the CRTC at the mode (or turns it off with mode None) with the resources as they are now. */
static int set_crtc(pt_x11_resize *r, RRCrtc crtc, RRMode mode, RROutput output) {
  XRRScreenResources *resources = XRRGetScreenResourcesCurrent(r->display, r->root);
  if (resources == NULL) return 0;
  Status status = XRRSetCrtcConfig(r->display, resources, crtc, CurrentTime, 0, 0, mode, RR_Rotate_0,
                                   mode == None ? NULL : &output, mode == None ? 0 : 1);
  XRRFreeScreenResources(resources);
  return status == RRSetConfigSuccess;
}

/* The steps of xrandr --output O --mode WxH --fb WxH, with the server grabbed by the caller: a mode of the
 * size (found or made) on the output; the CRTC off when the screen shrinks (a screen smaller than the
 * CRTC's mode is refused with BadMatch); the screen's size; the CRTC on the mode. *output and *mode
 * say what the output and its CRTC's mode are afterwards. */
static int apply(pt_x11_resize *r, int width, int height, RROutput *output, RRMode *mode) {
  *output = None;
  *mode = None;
  int current_width, current_height;
  if (pt_x11_screen_size(r->display, &current_width, &current_height) != PT_OK) return PT_ERR_STATE;
  XRRScreenResources *resources = XRRGetScreenResourcesCurrent(r->display, r->root);
  if (resources == NULL) return PT_ERR_STATE;
  RRCrtc crtc;
  if (!pick_output(r->display, resources, output, &crtc)) {
    XRRFreeScreenResources(resources);
    return PT_ERR_STATE;
  }
  XRRCrtcInfo *crtc_info = XRRGetCrtcInfo(r->display, resources, crtc);
  RRMode old_mode = crtc_info != NULL ? crtc_info->mode : None;
  int unchanged = crtc_info != NULL && current_width == width && current_height == height &&
                  (int)crtc_info->width == width && (int)crtc_info->height == height;
  if (crtc_info != NULL) XRRFreeCrtcInfo(crtc_info);
  *mode = old_mode;
  if (unchanged) {
    XRRFreeScreenResources(resources);
    return PT_OK;
  }

  pt_x11_error_handler previous = pt_x11_trap_errors();
  RRMode new_mode = find_mode(resources, width, height);
  if (new_mode == None) new_mode = make_mode(r, width, height);
  if (new_mode != None && !output_has_mode(r->display, resources, *output, new_mode)) {
    XRRAddOutputMode(r->display, *output, new_mode);
  }
  XRRFreeScreenResources(resources);
  int ok = new_mode != None;
  int off = width < current_width || height < current_height;
  if (ok && off) ok = set_crtc(r, crtc, None, *output);
  if (ok) {
    /* 96 dots per inch, whatever the size. */
    int mm_width = (int)(width * 25.4 / 96.0 + 0.5), mm_height = (int)(height * 25.4 / 96.0 + 0.5);
    XRRSetScreenSize(r->display, r->root, width, height, mm_width, mm_height);
    ok = set_crtc(r, crtc, new_mode, *output);
  }
  ok = pt_x11_untrap_errors(r->display, previous) == 0 && ok;
  if (ok) {
    *mode = new_mode;
    return PT_OK;
  }
  if (off && old_mode != None) {
    /* Refused half way: the old mode back on, if the screen still has its old size. */
    previous = pt_x11_trap_errors();
    set_crtc(r, crtc, old_mode, *output);
    pt_x11_untrap_errors(r->display, previous);
  }
  return PT_ERR_STATE;
}

int pt_x11_resize_set(pt_x11_resize *r, int width, int height, int *out_width, int *out_height) {
  if (r == NULL) return PT_ERR_INVALID_ARGUMENT;
  pt_x11_resize_clamp(width, height, r->max_width, r->max_height, &width, &height);
  if (width < 2 || height < 2) return PT_ERR_STATE;
  /* Nobody else sees, or changes, the screen between the steps (another petrichor-host included). */
  XGrabServer(r->display);
  RROutput output;
  RRMode mode;
  int status = apply(r, width, height, &output, &mode);
  if (output != None) forget_modes(r, output, mode);
  XUngrabServer(r->display);
  XFlush(r->display);
  if (status != PT_OK) return status;
  if (out_width != NULL) *out_width = width;
  if (out_height != NULL) *out_height = height;
  return PT_OK;
}

void pt_x11_resize_close(pt_x11_resize *resize) {
  free(resize); /* the mode in use stays: the screen keeps its size */
}

void pt_x11_screen_watch(Display *display) {
  XSelectInput(display, DefaultRootWindow(display), StructureNotifyMask);
}

int pt_x11_screen_event(Display *display, const XEvent *event) {
  if (display == NULL || event == NULL || event->type != ConfigureNotify) return 0;
  for (int i = 0; i < ScreenCount(display); i++) {
    if (event->xconfigure.window == RootWindow(display, i)) {
      XRRUpdateConfiguration((XEvent *)event); /* DisplayWidth and DisplayHeight follow */
      return 1;
    }
  }
  return 0;
}

int pt_x11_screen_size(Display *display, int *width, int *height) {
  if (display == NULL) return PT_ERR_INVALID_ARGUMENT;
  Window root;
  int x, y;
  unsigned w, h, border, depth;
  if (!XGetGeometry(display, DefaultRootWindow(display), &root, &x, &y, &w, &h, &border, &depth)) return PT_ERR_STATE;
  if (width != NULL) *width = (int)w;
  if (height != NULL) *height = (int)h;
  return PT_OK;
}
