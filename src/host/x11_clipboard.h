/* Clipboard text both ways through the X selection CLIPBOARD (UTF8_STRING): text from the client is
 * offered as the selection's owner (answering other applications' requests); text another
 * application puts on the clipboard is read (XFixes selection notify, then a conversion) and goes
 * to the client as a SetClipboardText record. Only text, at most PT_INPUT_MAX_TEXT bytes. */
#ifndef PT_HOST_X11_CLIPBOARD_H
#define PT_HOST_X11_CLIPBOARD_H

#include <stddef.h>
#include <stdint.h>
#include <X11/Xlib.h>

#include "host/x11_cursor.h"

typedef struct pt_x11_clipboard pt_x11_clipboard;

/* Starts serving and watching the clipboard (its own invisible window); PT_ERR_STATE without XFixes. */
int pt_x11_clipboard_open(pt_x11_clipboard **clipboard, Display *display);

/* Makes `text` (UTF-8) the clipboard's content, owned by this program. */
int pt_x11_clipboard_set(pt_x11_clipboard *clipboard, const uint8_t *text, size_t length);

/* Lets the clipboard look at an X event (requests for its text, owner changes, converted text); a
 * new text from another application goes to the sink as a SetClipboardText record. Returns 1 when
 * the event was its own, else 0 (or the sink's error). */
int pt_x11_clipboard_handle_event(pt_x11_clipboard *clipboard, const XEvent *event, pt_record_sink sink,
                                  void *context);

void pt_x11_clipboard_close(pt_x11_clipboard *clipboard);

#endif
