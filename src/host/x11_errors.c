#include "host/x11_errors.h"

static int trapped_error;

static int note_error(Display *display, XErrorEvent *event) {
  (void)display;
  trapped_error = event->error_code;
  return 0;
}

pt_x11_error_handler pt_x11_trap_errors(void) {
  trapped_error = 0;
  return XSetErrorHandler(note_error);
}

int pt_x11_untrap_errors(Display *display, pt_x11_error_handler previous) {
  XSync(display, False);
  XSetErrorHandler(previous);
  return trapped_error;
}
