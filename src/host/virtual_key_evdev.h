/* VirtualKey → Linux evdev key code (linux/input-event-codes.h): the physical key, so that a key
 * typed on any client layout lands on the same key of the host, whatever the host's layout. An X
 * server with evdev keycodes (Xorg, Xvfb) numbers the key evdev + 8; uinput takes evdev directly. */
#ifndef PT_HOST_VIRTUAL_KEY_EVDEV_H
#define PT_HOST_VIRTUAL_KEY_EVDEV_H

/* The evdev code of a VirtualKey, or 0 when the key has none. */
int pt_virtual_key_to_evdev(int virtual_key);

#endif
