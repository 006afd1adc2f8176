/* JSON number text for cJSON, with double arithmetic only (json_numbers.h says why). */
#include "core/json_numbers.h"

#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include "core/text_format.h"

enum {
  MAX_KEPT_DIGITS = 19,       /* the mantissa a uint64 holds when reading; later digits only scale it */
  MAX_DECIMAL_EXPONENT = 400, /* beyond it every double is 0 or infinite; bounds the scaling */
};

static int is_digit(char c) { return c >= '0' && c <= '9'; }

double pt_json_strtod(const char *text, char **end) {
  const char *p = text;
  int negative = 0, seen = 0, kept = 0, exponent = 0;
  uint64_t mantissa = 0;
  if (*p == '+' || *p == '-') negative = *p++ == '-';
  for (; is_digit(*p); p++, seen = 1) {
    if (kept == MAX_KEPT_DIGITS) {
      exponent++;
      continue;
    }
    mantissa = mantissa * 10 + (uint64_t)(*p - '0');
    if (mantissa != 0) kept++;
  }
  if (*p == '.') {
    const char *q = p + 1;
    for (; is_digit(*q); q++, seen = 1) {
      if (kept == MAX_KEPT_DIGITS) continue;
      mantissa = mantissa * 10 + (uint64_t)(*q - '0');
      if (mantissa != 0) kept++;
      exponent--;
    }
    if (seen) p = q; /* "1." is a number, "." is not */
  }
  if (!seen) {
    if (end) *end = (char *)text;
    return 0.0;
  }
  if (*p == 'e' || *p == 'E') {
    const char *q = p + 1;
    int exponent_negative = 0, value = 0;
    if (*q == '+' || *q == '-') exponent_negative = *q++ == '-';
    if (is_digit(*q)) { /* else the 'e' is not part of the number */
      for (; is_digit(*q); q++)
        if (value < 100000) value = value * 10 + (*q - '0');
      exponent += exponent_negative ? -value : value;
      p = q;
    }
  }
  if (end) *end = (char *)p;
  double result = (double)mantissa;
  if (mantissa != 0) {
    if (exponent > MAX_DECIMAL_EXPONENT) exponent = MAX_DECIMAL_EXPONENT;
    if (exponent < -MAX_DECIMAL_EXPONENT) exponent = -MAX_DECIMAL_EXPONENT;
    result = pt_decimal_scale(result, exponent);
  }
  return negative ? -result : result;
}

int pt_json_sprintf(char *out, const char *format, ...) {
  va_list args;
  va_start(args, format);
  int length = pt_vformat(out, SIZE_MAX, format, args); /* cJSON sized each buffer for its format */
  va_end(args);
  return length;
}

int pt_json_sscanf(const char *text, const char *format, ...) {
  if (strcmp(format, "%lg") != 0) return 0;
  while (*text == ' ' || (*text >= '\t' && *text <= '\r')) text++;
  char *end;
  double value = pt_json_strtod(text, &end);
  if (end == text) return 0;
  va_list args;
  va_start(args, format);
  *va_arg(args, double *) = value;
  va_end(args);
  return 1;
}
