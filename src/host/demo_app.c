/* petrichor-demo-app: a small X11 application that visibly answers keyboard and mouse, for the
 * interactive demo of `npm start` and the host's end-to-end tests. One window fills the screen (and
 * follows its size when the screen is resized, as the host's virtual display is for a client); its
 * background colour says what happened last (so a test can read it back from the client's picture):
 *   key r / g / b → red / green / blue, any other key → grey; the text typed is shown on it;
 *   left button → white, right button → yellow, middle → orange; wheel up → cyan, wheel down → magenta;
 *   dragging with the left button draws in black.
 * With --animate it also redraws a moving pattern in its lower half 30 times a second (a picture
 * that always changes, for measuring bitrates).
 * Usage: petrichor-demo-app [--display NAME] [--animate] */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/keysym.h>

#define MAX_TEXT 64

static unsigned long rgb(unsigned r, unsigned g, unsigned b) { return (r << 16) | (g << 8) | b; }

static unsigned long colour_of_key(KeySym keysym) {
  switch (keysym) {
    case XK_r: return rgb(255, 0, 0);
    case XK_g: return rgb(0, 255, 0);
    case XK_b: return rgb(0, 0, 255);
    default: return rgb(128, 128, 128);
  }
}

static unsigned long colour_of_button(unsigned button) {
  switch (button) {
    case Button1: return rgb(255, 255, 255);
    case Button2: return rgb(255, 128, 0);
    case Button3: return rgb(255, 255, 0);
    case Button4: return rgb(0, 255, 255);
    case Button5: return rgb(255, 0, 255);
    default: return rgb(64, 64, 64);
  }
}

static void repaint(Display *display, Window window, GC gc, unsigned long background, const char *text, int width,
                    int height) {
  XSetForeground(display, gc, background);
  XFillRectangle(display, window, gc, 0, 0, (unsigned)width, (unsigned)height);
  XSetForeground(display, gc, rgb(0, 0, 0));
  XDrawString(display, window, gc, 20, 40, "Petrichor demo: type, click, scroll, draw", 41);
  XDrawString(display, window, gc, 20, 70, text, (int)strlen(text));
}

/* A pattern that changes every frame everywhere in the lower half: hard to compress. */
static void animate(Display *display, Window window, GC gc, int width, int height, unsigned frame) {
  const int cell = 16;
  for (int y = height / 2; y < height; y += cell) {
    for (int x = 0; x < width; x += cell) {
      unsigned v = (unsigned)(x * 7 + y * 13) ^ (frame * 2654435761u);
      XSetForeground(display, gc, rgb(v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff));
      XFillRectangle(display, window, gc, x, y, cell, cell);
    }
  }
  XFlush(display);
}

int main(int argc, char **argv) {
  const char *display_name = NULL;
  int animated = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--animate") == 0) animated = 1;
    else if (strcmp(argv[i], "--display") == 0 && i + 1 < argc) display_name = argv[++i];
  }
  Display *display = XOpenDisplay(display_name);
  if (display == NULL) {
    fprintf(stderr, "petrichor-demo-app: cannot open the X display\n");
    return 2;
  }
  int screen = DefaultScreen(display);
  int width = DisplayWidth(display, screen), height = DisplayHeight(display, screen);
  Window window = XCreateSimpleWindow(display, RootWindow(display, screen), 0, 0, (unsigned)width, (unsigned)height, 0,
                                      0, rgb(32, 32, 32));
  XSelectInput(display, window, ExposureMask | KeyPressMask | ButtonPressMask | ButtonMotionMask | StructureNotifyMask);
  XStoreName(display, window, "Petrichor demo");
  XMapRaised(display, window);
  /* Without a window manager nobody gives the window the focus: take it, so that keys reach it. */
  XSetInputFocus(display, window, RevertToParent, CurrentTime);
  /* The root window's ConfigureNotify says the screen changed size: the window follows. */
  Window root = RootWindow(display, screen);
  XSelectInput(display, root, StructureNotifyMask);
  GC gc = XCreateGC(display, window, 0, NULL);
  unsigned long background = rgb(32, 32, 32);
  char text[MAX_TEXT + 1] = "";
  unsigned frame = 0;
  for (;;) {
    if (animated && !XPending(display)) {
      struct pollfd fd = {ConnectionNumber(display), POLLIN, 0};
      if (poll(&fd, 1, 33) == 0) {
        animate(display, window, gc, width, height, frame++);
        continue;
      }
    }
    XEvent event;
    XNextEvent(display, &event);
    switch (event.type) {
      case MapNotify:
        XSetInputFocus(display, window, RevertToParent, CurrentTime);
        break;
      case ConfigureNotify:
        if (event.xconfigure.window == root) {
          XMoveResizeWindow(display, window, 0, 0, (unsigned)event.xconfigure.width, (unsigned)event.xconfigure.height);
        } else if (event.xconfigure.window == window &&
                   (event.xconfigure.width != width || event.xconfigure.height != height)) {
          width = event.xconfigure.width;
          height = event.xconfigure.height;
          repaint(display, window, gc, background, text, width, height);
        }
        break;
      case KeyPress: {
        char typed[8];
        KeySym keysym;
        int n = XLookupString(&event.xkey, typed, sizeof typed - 1, &keysym, NULL);
        background = colour_of_key(keysym);
        size_t length = strlen(text);
        if (keysym == XK_BackSpace && length > 0) {
          text[length - 1] = '\0';
        } else if (n == 1 && typed[0] >= 0x20 && typed[0] < 0x7f && length < MAX_TEXT) {
          text[length] = typed[0];
          text[length + 1] = '\0';
        }
        repaint(display, window, gc, background, text, width, height);
        break;
      }
      case ButtonPress:
        background = colour_of_button(event.xbutton.button);
        repaint(display, window, gc, background, text, width, height);
        break;
      case MotionNotify:
        if (event.xmotion.state & Button1Mask) {
          XSetForeground(display, gc, rgb(0, 0, 0));
          XFillRectangle(display, window, gc, event.xmotion.x - 2, event.xmotion.y - 2, 5, 5);
        }
        break;
      case Expose:
        if (event.xexpose.count == 0) repaint(display, window, gc, background, text, width, height);
        break;
      default:
        break;
    }
  }
}
