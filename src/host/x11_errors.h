/* Trapping X errors around a few requests. Xlib reports a failed request to a process-wide handler
 * whose default exits the process, and the handler gets no context: a remote display refusing
 * XShmAttach, a screen that shrank under a grab, or a clipboard requestor that went away must not
 * end the host. The one piece of shared state is the trapped error code, set only between trap and
 * untrap, on the host's one X thread. */
#ifndef PT_HOST_X11_ERRORS_H
#define PT_HOST_X11_ERRORS_H

#include <X11/Xlib.h>

typedef int (*pt_x11_error_handler)(Display *, XErrorEvent *);

/* Starts trapping; returns the handler to give back to pt_x11_untrap_errors. */
pt_x11_error_handler pt_x11_trap_errors(void);

/* Waits for the server to have run the trapped requests (XSync), restores the previous handler and
 * returns the error they caused (0: none). */
int pt_x11_untrap_errors(Display *display, pt_x11_error_handler previous);

#endif
