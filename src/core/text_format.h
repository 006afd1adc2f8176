/* snprintf for the few conversions the core and cJSON use, in a few hundred bytes of wasm: the C
 * library's formatter brings its floating-point printing (128-bit soft-float in wasm) with it. */
#ifndef PT_CORE_TEXT_FORMAT_H
#define PT_CORE_TEXT_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

/* As snprintf, for literal text, %%, %d, %i, %u, %s, %0<width>x and %<width>.<precision>g (precision
 * 1–17); returns the length the whole text needs, or -1 (out empty) for any other conversion. */
int pt_format(char *out, size_t capacity, const char *format, ...) __attribute__((format(printf, 3, 4)));

/* pt_format with a va_list. */
int pt_vformat(char *out, size_t capacity, const char *format, va_list args);

/* value × 10^n (n within ±700), exact while value and 10^|n| are integers below 2^53 and 10^22. */
double pt_decimal_scale(double value, int n);

#endif
