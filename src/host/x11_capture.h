/* Screen capture of an X11 display's root window for the native host: XShm when the server offers
 * it (else XGetImage), and XDamage so that an idle screen is not grabbed again (an idle desktop
 * costs almost nothing). Pixels are 32-bit BGRX, top row first. The cursor is not in the picture. */
#ifndef PT_HOST_X11_CAPTURE_H
#define PT_HOST_X11_CAPTURE_H

#include <stdint.h>
#include <X11/Xlib.h>

typedef struct pt_x11_capture pt_x11_capture;

/* Opens capture of the display's root window (its size at open time); PT_ERR_* on failure. */
int pt_x11_capture_open(pt_x11_capture **capture, Display *display);

/* The captured size in pixels. */
void pt_x11_capture_size(const pt_x11_capture *capture, int *width, int *height);

/* Lets the capture look at an X event; returns 1 when it was one of its own (damage), else 0. */
int pt_x11_capture_handle_event(pt_x11_capture *capture, const XEvent *event);

/* Whether anything was drawn since the last grab (always 1 before the first grab). */
int pt_x11_capture_damaged(const pt_x11_capture *capture);

/* Grabs the whole screen; *pixels stays valid until the next grab or close. Clears the damage.
 * PT_ERR_STATE when the screen has shrunk since open (reopen capture and encoder then). */
int pt_x11_capture_grab(pt_x11_capture *capture, const uint8_t **pixels, int *stride);

/* Releases the capture (not the display). */
void pt_x11_capture_close(pt_x11_capture *capture);

#endif
