/* Cryptographically secure random bytes from the platform: getrandom(2) natively, the JS import
 * random_fill (crypto.getRandomValues) in wasm. */
#ifndef PT_PLATFORM_RANDOM_H
#define PT_PLATFORM_RANDOM_H

#include <stddef.h>
#include <stdint.h>

/* Fills buf with length random bytes; PT_OK or PT_ERR_RANDOM. */
int pt_random_fill(uint8_t *buf, size_t length);

#endif
