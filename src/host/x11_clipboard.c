#include "host/x11_clipboard.h"

#include <stdlib.h>
#include <string.h>

#include <X11/Xatom.h>
#include <X11/extensions/Xfixes.h>

#include "core/error.h"
#include "host/x11_errors.h"

struct pt_x11_clipboard {
  Display *display;
  Window window;    /* ours: owns the selection, receives conversions; never mapped */
  int event_base;   /* XFixes */
  Atom clipboard, utf8_string, targets, property;
  uint8_t *text;    /* the client's last text (NULL: none yet), served while owned */
  size_t length;
  int owned;        /* this program owns CLIPBOARD with text */
  /* The client's text is not sent back to it when another program takes it over unchanged (a
   * clipboard manager copies what it sees, and owns it from then on). Cleared by the first other text. */
  int guard_echo;
};

int pt_x11_clipboard_open(pt_x11_clipboard **clipboard, Display *display) {
  if (clipboard == NULL) return PT_ERR_INVALID_ARGUMENT;
  *clipboard = NULL;
  if (display == NULL) return PT_ERR_INVALID_ARGUMENT;
  int event_base, error_base, major = 0, minor = 0;
  if (!XFixesQueryExtension(display, &event_base, &error_base)) return PT_ERR_STATE;
  /* Selection owner notifications came with XFixes 1. */
  if (!XFixesQueryVersion(display, &major, &minor) || major < 1) return PT_ERR_STATE;
  pt_x11_clipboard *c = calloc(1, sizeof *c);
  if (c == NULL) return PT_ERR_NO_MEMORY;
  c->display = display;
  c->event_base = event_base;
  c->clipboard = XInternAtom(display, "CLIPBOARD", False);
  c->utf8_string = XInternAtom(display, "UTF8_STRING", False);
  c->targets = XInternAtom(display, "TARGETS", False);
  c->property = XInternAtom(display, "PETRICHOR_CLIPBOARD", False);
  /* InputOnly and unmapped: a window only for selection traffic, never seen and never given input. */
  c->window = XCreateWindow(display, DefaultRootWindow(display), -10, -10, 1, 1, 0, 0, InputOnly, CopyFromParent, 0,
                            NULL);
  XFixesSelectSelectionInput(display, c->window, c->clipboard, XFixesSetSelectionOwnerNotifyMask);
  *clipboard = c;
  return PT_OK;
}

int pt_x11_clipboard_set(pt_x11_clipboard *clipboard, const uint8_t *text, size_t length) {
  if (clipboard == NULL || (text == NULL && length > 0)) return PT_ERR_INVALID_ARGUMENT;
  pt_input record = {.type = PT_INPUT_CLIPBOARD};
  record.u.text.bytes = text;
  record.u.text.length = length;
  int status = pt_input_validate(&record); /* what is served must be what a record may carry */
  if (status != PT_OK) return status;
  uint8_t *copy = malloc(length > 0 ? length : 1);
  if (copy == NULL) return PT_ERR_NO_MEMORY;
  if (length > 0) memcpy(copy, text, length);
  free(clipboard->text);
  clipboard->text = copy;
  clipboard->length = length;
  clipboard->guard_echo = 1;
  /* CurrentTime, as no event of the client's action is at hand here; ICCCM prefers an event's time,
   * which only matters when two programs claim the selection at the same moment. */
  XSetSelectionOwner(clipboard->display, clipboard->clipboard, clipboard->window, CurrentTime);
  clipboard->owned = XGetSelectionOwner(clipboard->display, clipboard->clipboard) == clipboard->window;
  return clipboard->owned ? PT_OK : PT_ERR_STATE;
}

/* The text as ISO Latin-1 (what STRING means) into out (length bytes at least); its length, or -1 when a
 * character is beyond U+00FF. The text is valid UTF-8 (pt_x11_clipboard_set checked it). */
static long to_latin1(const uint8_t *text, size_t length, uint8_t *out) {
  size_t used = 0;
  for (size_t i = 0; i < length; i++) {
    if (text[i] < 0x80) {
      out[used++] = text[i];
    } else if ((text[i] == 0xc2 || text[i] == 0xc3) && i + 1 < length) {
      out[used++] = (uint8_t)(((text[i] & 0x1f) << 6) | (text[i + 1] & 0x3f));
      i++;
    } else {
      return -1;
    }
  }
  return (long)used;
}

/* Writes the requested form of the text on the requestor's property; returns 0 when it is refused.
 * 32 KiB of text fits in one ChangeProperty request (servers take at least 256 KiB), so no INCR. */
static int write_target(pt_x11_clipboard *c, const XSelectionRequestEvent *request, Atom property) {
  Display *d = c->display;
  if (request->target == c->targets) {
    Atom offered[] = {c->targets, c->utf8_string, XA_STRING};
    XChangeProperty(d, request->requestor, property, XA_ATOM, 32, PropModeReplace, (const unsigned char *)offered,
                    (int)(sizeof offered / sizeof offered[0]));
    return 1;
  }
  if (request->target == c->utf8_string) {
    XChangeProperty(d, request->requestor, property, c->utf8_string, 8, PropModeReplace, c->text, (int)c->length);
    return 1;
  }
  if (request->target == XA_STRING) {
    uint8_t *latin1 = malloc(c->length > 0 ? c->length : 1);
    if (latin1 == NULL) return 0;
    long used = to_latin1(c->text, c->length, latin1);
    if (used >= 0) XChangeProperty(d, request->requestor, property, XA_STRING, 8, PropModeReplace, latin1, (int)used);
    free(latin1);
    return used >= 0;
  }
  return 0; /* MULTIPLE, TIMESTAMP, images…: text is all there is */
}

/* Answers another program's request for the text with a SelectionNotify (property None: refused). */
static void answer_request(pt_x11_clipboard *c, const XSelectionRequestEvent *request) {
  /* A property of None comes from clients older than ICCCM 2: they mean the target's name. */
  Atom property = request->property != None ? request->property : request->target;
  /* A requestor window may be gone by the time its request is answered. */
  pt_x11_error_handler previous = pt_x11_trap_errors();
  int served = c->owned && c->text != NULL && request->selection == c->clipboard && write_target(c, request, property);
  XSelectionEvent notify = {.type = SelectionNotify,
                            .display = c->display,
                            .requestor = request->requestor,
                            .selection = request->selection,
                            .target = request->target,
                            .property = served ? property : None,
                            .time = request->time};
  XSendEvent(c->display, request->requestor, False, NoEventMask, (XEvent *)&notify);
  pt_x11_untrap_errors(c->display, previous); /* a requestor that went away has simply missed its answer */
}

/* Another program took the selection: ownership ends, unless this is a late report of an old loss
 * and the client's newer text made this program the owner again. */
static void lose_selection(pt_x11_clipboard *c, const XSelectionClearEvent *clear) {
  if (clear->selection != c->clipboard) return;
  c->owned = XGetSelectionOwner(c->display, c->clipboard) == c->window;
}

/* A new owner of CLIPBOARD: asks it for the text, which comes back as a SelectionNotify. */
static void owner_changed(pt_x11_clipboard *c, const XFixesSelectionNotifyEvent *change) {
  if (change->selection != c->clipboard || change->owner == None || change->owner == c->window) return;
  XConvertSelection(c->display, c->clipboard, c->utf8_string, c->property, c->window, change->timestamp);
}

/* Sends the text another program converted for us onto our property, if it makes a valid record.
 * Returns 1, or the sink's error. */
static int receive_text(pt_x11_clipboard *c, const XSelectionEvent *converted, pt_record_sink sink, void *context) {
  if (converted->selection != c->clipboard || converted->property != c->property) return 1; /* refused */
  Atom type;
  int format;
  unsigned long items, bytes_after;
  unsigned char *data = NULL;
  /* At most PT_INPUT_MAX_TEXT bytes (the length counts 32-bit units); deleted once read whole. */
  int status = XGetWindowProperty(c->display, c->window, c->property, 0, (PT_INPUT_MAX_TEXT + 3) / 4, True,
                                  AnyPropertyType, &type, &format, &items, &bytes_after, &data);
  if (status != Success) return 1;
  int result = 1;
  /* Longer text is not sent (a record holds no more); neither is an INCR transfer, which owners use
   * for data larger than a request (hundreds of KiB at least): it could not fit a record either, and
   * not reading it lets the owner give up. Only UTF-8 text in 8-bit units is taken. */
  if (bytes_after > 0) XDeleteProperty(c->display, c->window, c->property);
  if (bytes_after == 0 && type == c->utf8_string && format == 8 && data != NULL) {
    size_t length = items;
    while (length > 0 && data[length - 1] == 0) length--; /* some owners count a C string's terminator */
    pt_input record = {.type = PT_INPUT_CLIPBOARD};
    record.u.text.bytes = data;
    record.u.text.length = length;
    int echo = c->guard_echo && c->text != NULL && length == c->length && memcmp(data, c->text, length) == 0;
    if (!echo && length > 0 && pt_input_validate(&record) == PT_OK) {
      c->guard_echo = 0;
      int sent = sink(context, &record);
      if (sent != PT_OK) result = sent;
    }
  }
  if (data != NULL) XFree(data);
  return result;
}

int pt_x11_clipboard_handle_event(pt_x11_clipboard *clipboard, const XEvent *event, pt_record_sink sink,
                                  void *context) {
  if (clipboard == NULL || event == NULL) return 0;
  if (event->type == clipboard->event_base + XFixesSelectionNotify) {
    const XFixesSelectionNotifyEvent *change = (const XFixesSelectionNotifyEvent *)event;
    if (change->window != clipboard->window) return 0;
    owner_changed(clipboard, change);
    return 1;
  }
  switch (event->type) {
    case SelectionRequest:
      if (event->xselectionrequest.owner != clipboard->window) return 0;
      answer_request(clipboard, &event->xselectionrequest);
      return 1;
    case SelectionClear:
      if (event->xselectionclear.window != clipboard->window) return 0;
      lose_selection(clipboard, &event->xselectionclear);
      return 1;
    case SelectionNotify:
      if (event->xselection.requestor != clipboard->window) return 0;
      return sink != NULL ? receive_text(clipboard, &event->xselection, sink, context) : 1;
    default:
      return 0;
  }
}

void pt_x11_clipboard_close(pt_x11_clipboard *clipboard) {
  if (clipboard == NULL) return;
  /* The selection goes with the window: X keeps no copy, so what the client copied is no longer
   * on offer once the stream ends (unless a clipboard manager took it over). */
  XDestroyWindow(clipboard->display, clipboard->window);
  XFlush(clipboard->display);
  free(clipboard->text);
  free(clipboard);
}
