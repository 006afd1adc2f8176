/* The X display's cursor for the client, which draws it over the picture (the capture leaves it
 * out): its image (XFixes, ARGB → PNG through libavcodec's PNG encoder) when the shape changes, and
 * its position and visibility when they change. Both leave as host → client input records
 * (CursorImage, CursorPosition; input/input_record.h). */
#ifndef PT_HOST_X11_CURSOR_H
#define PT_HOST_X11_CURSOR_H

#include <X11/Xlib.h>

#include "input/input_record.h"

typedef struct pt_x11_cursor pt_x11_cursor;

/* Receives each record to send to the client; its error stops the caller. */
typedef int (*pt_record_sink)(void *context, const pt_input *record);

/* Starts following the cursor; PT_ERR_STATE without the XFixes extension. */
int pt_x11_cursor_open(pt_x11_cursor **cursor, Display *display);

/* Lets the cursor look at an X event (shape changes); returns 1 when it was its own, else 0. */
int pt_x11_cursor_handle_event(pt_x11_cursor *cursor, const XEvent *event);

/* Sends what changed since the last call (a new shape, then the position), each as a record;
 * called at the frame rate. The first call sends both. */
int pt_x11_cursor_poll(pt_x11_cursor *cursor, pt_record_sink sink, void *context);

/* Makes the next poll send the shape and the position again (a client that joined, or asked for a
 * keyframe, may have missed them). */
void pt_x11_cursor_resend(pt_x11_cursor *cursor);

void pt_x11_cursor_close(pt_x11_cursor *cursor);

#endif
