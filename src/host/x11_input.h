/* Input injection into an X11 display with XTest: keys by physical key (VirtualKey → evdev → X
 * keycode, independent of the host's layout), the pointer absolute and relative, the five buttons,
 * both wheel axes (1/120-notch deltas accumulated into wheel button clicks), and the primary touch
 * or pen contact as the pointer with the left button. */
#ifndef PT_HOST_X11_INPUT_H
#define PT_HOST_X11_INPUT_H

#include <X11/Xlib.h>

#include "input/input_record.h"

typedef struct pt_x11_input pt_x11_input;

/* Prepares injection into the display; PT_ERR_STATE when the server has no XTest. */
int pt_x11_input_open(pt_x11_input **input, Display *display);

/* Injects one input (the caller flushes the display). PT_ERR_BAD_VALUE for a key with no X keycode;
 * PT_ERR_STATE for input X cannot take (gamepads, clipboard and viewport are handled elsewhere). */
int pt_x11_input_inject(pt_x11_input *input, const pt_input *record);

/* Releases every key and button this injector holds down (the stream ended), then frees it. */
void pt_x11_input_close(pt_x11_input *input);

#endif
