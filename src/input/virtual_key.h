/* Keyboard mapping: the physical key a browser reports (KeyboardEvent.code, independent of the
 * keyboard layout) to the SDK's VirtualKey numbering (docs/PROTOCOL.md, "Input"). */
#ifndef PT_INPUT_VIRTUAL_KEY_H
#define PT_INPUT_VIRTUAL_KEY_H

#include <stddef.h>
#include <stdint.h>

#define PT_VIRTUAL_KEY_MAX 172 /* VirtualKey.DeadCharProcessed, the highest value */

/* The VirtualKey of a KeyboardEvent.code (length bytes, not NUL-terminated); 0 (None) when unmapped. */
int pt_virtual_key_of_code(const char *code, size_t length);

#endif
