/* clipboard-probe: another X client's view of the clipboard, for the host's end-to-end tests (there is
 * no xclip on the test machines, and no X library in Node).
 *   clipboard-probe --display :N --get
 *     prints the text of CLIPBOARD (as UTF8_STRING) and exits 0; exits 1 when there is none within 2 s.
 *   clipboard-probe --display :N --set TEXT [--seconds N]
 *     owns CLIPBOARD with TEXT, prints "owned" once it does, serves requests for N seconds (5 by
 *     default) or until another client takes the selection. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <X11/Xatom.h>
#include <X11/Xlib.h>

#define MAX_TEXT 65536

static Atom clipboard, utf8_string, targets, property;

static double now_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The next event, waiting at most until the deadline; 0 when it passed. */
static int next_event(Display *display, double deadline, XEvent *event) {
  while (!XPending(display)) {
    double left = deadline - now_seconds();
    if (left <= 0) return 0;
    struct pollfd fd = {ConnectionNumber(display), POLLIN, 0};
    poll(&fd, 1, (int)(left * 1000) + 1);
  }
  XNextEvent(display, event);
  return 1;
}

static int get_text(Display *display, Window window) {
  XConvertSelection(display, clipboard, utf8_string, property, window, CurrentTime);
  double deadline = now_seconds() + 2;
  XEvent event;
  while (next_event(display, deadline, &event)) {
    if (event.type != SelectionNotify || event.xselection.selection != clipboard) continue;
    if (event.xselection.property == None) return 1; /* no owner, or it refused */
    Atom type;
    int format;
    unsigned long items, after;
    unsigned char *data = NULL;
    if (XGetWindowProperty(display, window, property, 0, MAX_TEXT / 4, True, AnyPropertyType, &type, &format, &items,
                           &after, &data) != Success) {
      return 1;
    }
    int ok = type == utf8_string && format == 8 && after == 0;
    if (ok) fwrite(data, 1, items, stdout);
    if (data != NULL) XFree(data);
    return ok ? 0 : 1;
  }
  return 1;
}

static void answer(Display *display, const XSelectionRequestEvent *request, const char *text) {
  Atom property_used = request->property != None ? request->property : request->target;
  int served = 1;
  if (request->target == targets) {
    Atom offered[] = {targets, utf8_string};
    XChangeProperty(display, request->requestor, property_used, XA_ATOM, 32, PropModeReplace,
                    (const unsigned char *)offered, 2);
  } else if (request->target == utf8_string) {
    XChangeProperty(display, request->requestor, property_used, utf8_string, 8, PropModeReplace,
                    (const unsigned char *)text, (int)strlen(text));
  } else {
    served = 0;
  }
  XSelectionEvent notify = {.type = SelectionNotify,
                            .display = display,
                            .requestor = request->requestor,
                            .selection = request->selection,
                            .target = request->target,
                            .property = served ? property_used : None,
                            .time = request->time};
  XSendEvent(display, request->requestor, False, NoEventMask, (XEvent *)&notify);
  XFlush(display);
}

static int set_text(Display *display, Window window, const char *text, double seconds) {
  XSetSelectionOwner(display, clipboard, window, CurrentTime);
  if (XGetSelectionOwner(display, clipboard) != window) return 1;
  printf("owned\n");
  fflush(stdout);
  double deadline = now_seconds() + seconds;
  XEvent event;
  while (next_event(display, deadline, &event)) {
    if (event.type == SelectionRequest) answer(display, &event.xselectionrequest, text);
    if (event.type == SelectionClear) break;
  }
  return 0;
}

int main(int argc, char **argv) {
  const char *display_name = NULL, *text = NULL;
  int get = 0;
  double seconds = 5;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--get") == 0) {
      get = 1;
    } else if (i + 1 < argc && strcmp(argv[i], "--display") == 0) {
      display_name = argv[++i];
    } else if (i + 1 < argc && strcmp(argv[i], "--set") == 0) {
      text = argv[++i];
    } else if (i + 1 < argc && strcmp(argv[i], "--seconds") == 0) {
      seconds = atof(argv[++i]);
    } else {
      fprintf(stderr, "usage: clipboard-probe [--display NAME] (--get | --set TEXT [--seconds N])\n");
      return 64;
    }
  }
  if (get == (text != NULL)) {
    fprintf(stderr, "clipboard-probe: --get or --set TEXT\n");
    return 64;
  }
  Display *display = XOpenDisplay(display_name);
  if (display == NULL) {
    fprintf(stderr, "clipboard-probe: cannot open the display\n");
    return 2;
  }
  clipboard = XInternAtom(display, "CLIPBOARD", False);
  utf8_string = XInternAtom(display, "UTF8_STRING", False);
  targets = XInternAtom(display, "TARGETS", False);
  property = XInternAtom(display, "CLIPBOARD_PROBE", False);
  Window window = XCreateSimpleWindow(display, DefaultRootWindow(display), 0, 0, 1, 1, 0, 0, 0);
  int status = get ? get_text(display, window) : set_text(display, window, text, seconds);
  XDestroyWindow(display, window);
  XCloseDisplay(display);
  return status;
}
