/* The X screen's size for the native host: setting it with RandR (the virtual display of `--app`
 * follows the client's viewport) and noticing when it changed, whoever changed it (the capture and
 * the encoder are reopened at the new size then). Setting a size does what xrandr does, since Xvfb
 * refuses a screen smaller than its CRTC's mode: a mode of that size (made once, reused), added to
 * the output, then the CRTC (disabled first when the screen shrinks) and the screen size. */
#ifndef PT_HOST_X11_RESIZE_H
#define PT_HOST_X11_RESIZE_H

#include <X11/Xlib.h>

/* The smallest screen a client can ask for. */
#define PT_X11_MIN_WIDTH 320
#define PT_X11_MIN_HEIGHT 240

typedef struct pt_x11_resize pt_x11_resize;

/* The size a wanted size becomes: at least PT_X11_MIN_WIDTH × PT_X11_MIN_HEIGHT, at most the maximum,
 * rounded down to even numbers (a maximum below the minimum wins). Pure; no X involved. */
void pt_x11_resize_clamp(int width, int height, int max_width, int max_height, int *out_width, int *out_height);

/* Prepares resizing the default screen; PT_ERR_STATE without RandR 1.2 or with no output to resize. */
int pt_x11_resize_open(pt_x11_resize **resize, Display *display);

/* The largest screen the server can have (its framebuffer; Xvfb's -screen size). */
void pt_x11_resize_max(const pt_x11_resize *resize, int *width, int *height);

/* Makes the screen the clamped size (a no-op when it is that size already) and stores that size in
 * *out_width × *out_height (either may be NULL). Modes it makes are named "petrichor-WxH"; those no
 * CRTC uses any more are given back each time, so they do not pile up. PT_ERR_STATE when the server
 * refuses. */
int pt_x11_resize_set(pt_x11_resize *resize, int width, int height, int *out_width, int *out_height);

/* Frees it (not the display); the screen keeps its size. */
void pt_x11_resize_close(pt_x11_resize *resize);

/* Asks for the root window's ConfigureNotify (the screen's size changing), whoever changes it. */
void pt_x11_screen_watch(Display *display);

/* Returns 1 when the event is the root window's ConfigureNotify (Xlib's idea of the screen's size is
 * brought up to date then), else 0. */
int pt_x11_screen_event(Display *display, const XEvent *event);

/* The root window's size as the server has it now (a round trip); PT_ERR_STATE when it cannot say. */
int pt_x11_screen_size(Display *display, int *width, int *height);

#endif
