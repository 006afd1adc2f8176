/* A small snprintf (text_format.h says why). %g is printf's: the shorter of fixed and scientific
 * notation at the precision, trailing zeros dropped; integers below 2^64 print exactly, other values
 * are scaled by a power of ten in double arithmetic first (right to about 15 significant digits). */
#include "core/text_format.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

enum { MAX_PRECISION = 17 };

/* Where the text goes: bytes past capacity - 1 are counted, not written. */
typedef struct {
  char *out;
  size_t capacity;
  size_t length;
} text_sink;

static void put(text_sink *sink, const char *bytes, size_t count) {
  for (size_t i = 0; i < count; i++, sink->length++)
    if (sink->length + 1 < sink->capacity) sink->out[sink->length] = bytes[i];
}

static void put_char(text_sink *sink, char c) { put(sink, &c, 1); }

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* 10^n for 0 <= n < 512: exact up to 10^22 (Clinger's fast path), and above it a product of at most
 * nine correctly rounded constants (squaring would double the error at each step). */
static double power_of_ten(int n) {
  static const double powers[] = {1e1, 1e2, 1e4, 1e8, 1e16, 1e32, 1e64, 1e128, 1e256};
  double result = 1.0;
  for (int bit = 0; n > 0; n >>= 1, bit++)
    if (n & 1) result *= powers[bit];
  return result;
}

double pt_decimal_scale(double value, int n) {
  for (; n > 300; n -= 300) value *= 1e300; /* the power itself stays within double's range */
  for (; n < -300; n += 300) value /= 1e300;
  return n >= 0 ? value * power_of_ten(n) : value / power_of_ten(-n);
}

/* The decimal digits of value into digits (up to 20, no NUL); returns their count. */
static int integer_digits(uint64_t value, char *digits) {
  char reversed[20];
  int count = 0;
  do {
    reversed[count++] = (char)('0' + value % 10);
    value /= 10;
  } while (value != 0);
  for (int i = 0; i < count; i++) digits[i] = reversed[count - 1 - i];
  return count;
}

/* Keeps the first `precision` of count exact digits (padding with zeros), rounded to nearest, ties to
 * even; returns 1 when rounding carried into a new first digit (digits then read 100…). */
static int round_digits(const char *all, int count, int precision, char *digits) {
  if (count <= precision) {
    memcpy(digits, all, (size_t)count);
    memset(digits + count, '0', (size_t)(precision - count));
    return 0;
  }
  memcpy(digits, all, (size_t)precision);
  int rest_nonzero = 0;
  for (int i = precision + 1; i < count; i++) rest_nonzero |= all[i] != '0';
  char next = all[precision];
  int up = next > '5' || (next == '5' && (rest_nonzero || (digits[precision - 1] - '0') % 2 == 1));
  if (!up) return 0;
  int i = precision - 1;
  for (; i >= 0 && digits[i] == '9'; i--) digits[i] = '0';
  if (i >= 0) {
    digits[i]++;
    return 0;
  }
  digits[0] = '1';
  return 1;
}

/* The first `precision` significant digits of magnitude (finite, > 0); returns the decimal exponent of
 * the first. */
static int significant_digits(double magnitude, int precision, char *digits) {
  char all[24];
  int count, shift = 0;
  if (magnitude < 18446744073709551616.0 && magnitude == floor(magnitude)) {
    count = integer_digits((uint64_t)magnitude, all);
  } else {
    int binary;
    frexp(magnitude, &binary); /* magnitude in [2^(binary-1), 2^binary) */
    /* floor(log10(magnitude)), or one less (then 18 digits). All 17 digits are taken and rounded to the
     * precision below: rounding the scaled value itself at fewer digits would round twice. */
    int estimate = (int)floor((binary - 1) * 0.30102999566398120);
    shift = MAX_PRECISION - 1 - estimate;
    count = integer_digits((uint64_t)rint(pt_decimal_scale(magnitude, shift)), all);
  }
  return count - 1 - shift + round_digits(all, count, precision, digits);
}

/* printf's %.<precision>g of value. */
static void put_general(text_sink *sink, double value, int precision) {
  if (isnan(value)) {
    put(sink, "nan", 3);
    return;
  }
  if (signbit(value)) put_char(sink, '-');
  double magnitude = fabs(value);
  if (isinf(magnitude)) {
    put(sink, "inf", 3);
    return;
  }
  char digits[MAX_PRECISION], exponent_digits[20];
  int exponent = 0;
  if (magnitude == 0)
    memset(digits, '0', (size_t)precision);
  else
    exponent = significant_digits(magnitude, precision, digits);
  int length = precision; /* %g drops the fraction's trailing zeros */
  while (length > 1 && digits[length - 1] == '0') length--;
  if (exponent < -4 || exponent >= precision) {
    put_char(sink, digits[0]);
    if (length > 1) {
      put_char(sink, '.');
      put(sink, digits + 1, (size_t)(length - 1));
    }
    put(sink, exponent < 0 ? "e-" : "e+", 2);
    if (exponent > -10 && exponent < 10) put_char(sink, '0');
    put(sink, exponent_digits, (size_t)integer_digits((uint64_t)(exponent < 0 ? -exponent : exponent), exponent_digits));
  } else if (exponent >= 0) {
    put(sink, digits, (size_t)exponent + 1);
    if (length > exponent + 1) {
      put_char(sink, '.');
      put(sink, digits + exponent + 1, (size_t)(length - exponent - 1));
    }
  } else {
    put(sink, "0.", 2);
    for (int i = -1; i > exponent; i--) put_char(sink, '0');
    put(sink, digits, (size_t)length);
  }
}

static void put_unsigned(text_sink *sink, uint64_t value) {
  char digits[20];
  put(sink, digits, (size_t)integer_digits(value, digits));
}

/* value in hexadecimal, zero-padded to width digits. */
static void put_hex(text_sink *sink, unsigned value, int width) {
  int count = 1;
  while (count < 8 && (value >> (4 * count)) != 0) count++;
  for (; width > count; width--) put_char(sink, '0');
  for (int i = count - 1; i >= 0; i--) put_char(sink, "0123456789abcdef"[(value >> (4 * i)) & 15]);
}

int pt_vformat(char *out, size_t capacity, const char *format, va_list args) {
  text_sink sink = {out, capacity, 0};
  for (const char *f = format; *f != '\0'; f++) {
    if (*f != '%') {
      put_char(&sink, *f);
      continue;
    }
    f++;
    int zero_pad = *f == '0', width = 0, precision = -1;
    for (; is_digit(*f); f++) width = width * 10 + (*f - '0');
    if (*f == '.') {
      for (precision = 0, f++; is_digit(*f); f++) precision = precision * 10 + (*f - '0');
    }
    if (*f == 'l' && f[1] == 'g') f++; /* %lg is %g */
    const int plain = width == 0 && precision < 0; /* what %%, %d, %i, %u and %s allow */
    if (*f == '%' && plain) {
      put_char(&sink, '%');
    } else if ((*f == 'd' || *f == 'i') && plain) {
      int value = va_arg(args, int);
      if (value < 0) put_char(&sink, '-');
      put_unsigned(&sink, value < 0 ? (uint64_t)(-(int64_t)value) : (uint64_t)value);
    } else if (*f == 'u' && plain) {
      put_unsigned(&sink, va_arg(args, unsigned));
    } else if (*f == 's' && plain) {
      const char *text = va_arg(args, const char *);
      if (text == NULL) text = "(null)"; /* as the C library prints it */
      put(&sink, text, strlen(text));
    } else if (*f == 'x' && zero_pad && width <= 8 && precision < 0) {
      put_hex(&sink, va_arg(args, unsigned), width);
    } else if (*f == 'g' && width <= 1 && precision <= MAX_PRECISION) {
      /* (a width of 1 is what cJSON asks for, and changes nothing) */
      put_general(&sink, va_arg(args, double), precision < 0 ? 6 : precision == 0 ? 1 : precision);
    } else {
      if (capacity > 0) out[0] = '\0';
      return -1;
    }
  }
  if (capacity > 0) out[sink.length < capacity ? sink.length : capacity - 1] = '\0';
  return sink.length > INT32_MAX ? -1 : (int)sink.length;
}

int pt_format(char *out, size_t capacity, const char *format, ...) {
  va_list args;
  va_start(args, format);
  int length = pt_vformat(out, capacity, format, args);
  va_end(args);
  return length;
}
