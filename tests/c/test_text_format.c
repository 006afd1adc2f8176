/* The core's small snprintf and cJSON's number text (src/core/text_format.c, src/core/json_numbers.c),
 * against the C library's own snprintf and strtod on the native build. */
#include "core/text_format.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "cJSON.h"
#include "check.h"
#include "core/json_numbers.h"

#define CHECK_STR(actual, expected)                                                              \
  do {                                                                                           \
    if (strcmp((actual), (expected)) != 0) {                                                     \
      fprintf(stderr, "%s:%d: \"%s\", expected \"%s\"\n", __FILE__, __LINE__, (actual), (expected)); \
      exit(1);                                                                                   \
    }                                                                                            \
  } while (0)

static uint64_t state = 0x9E3779B97F4A7C15u;
static uint64_t next_random(void) { /* xorshift64* */
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return state * 0x2545F4914F6CDD1Du;
}

/* Units in the last place between two finite doubles of one sign. */
static uint64_t ulps_apart(double a, double b) {
  int64_t x, y;
  memcpy(&x, &a, sizeof x);
  memcpy(&y, &b, sizeof y);
  return x > y ? (uint64_t)(x - y) : (uint64_t)(y - x);
}

static void test_the_core_formats(void) {
  char out[128];
  CHECK_EQ(pt_format(out, sizeof out, "{\"id\":%u,\"code\":%d,\"error\":\"%s\"}", 4294967295u, -12, "PT_ERR_FULL"), 50);
  CHECK_STR(out, "{\"id\":4294967295,\"code\":-12,\"error\":\"PT_ERR_FULL\"}");
  CHECK_EQ(pt_format(out, sizeof out, "%d %i %d 100%%", INT32_MIN, INT32_MAX, 0), 29);
  CHECK_STR(out, "-2147483648 2147483647 0 100%");
  CHECK_EQ(pt_format(out, sizeof out, "u%04x u%04x %08x", 0x1fu, 0xabcdeu, 7u), 21);
  CHECK_STR(out, "u001f uabcde 00000007");
  const char *volatile nothing = NULL;
  CHECK_EQ(pt_format(out, sizeof out, "%s %1.15g %1.15g %1.15g", nothing, NAN, INFINITY, -INFINITY), 19);
  CHECK_STR(out, "(null) nan inf -inf");
}

static void test_truncation_as_snprintf(void) {
  char out[8], reference[8];
  for (size_t capacity = 0; capacity <= sizeof out; capacity++) {
    memset(out, 'x', sizeof out);
    memset(reference, 'x', sizeof reference);
    int length = pt_format(out, capacity, "{\"attempt\":%u}", 123u);
    CHECK_EQ(length, snprintf(reference, capacity, "{\"attempt\":%u}", 123u));
    CHECK(memcmp(out, reference, sizeof out) == 0);
  }
}

static void test_unsupported_conversions_fail(void) {
  char out[16] = "untouched";
  CHECK_EQ(pt_format(out, sizeof out, "a%fb", 1.0), -1);
  CHECK_STR(out, "");
  CHECK_EQ(pt_format(out, sizeof out, "%5d", 1), -1);
  CHECK_EQ(pt_format(out, sizeof out, "%p", (void *)out), -1);
  CHECK_EQ(pt_format(out, sizeof out, "%1.18g", 1.0), -1);
  CHECK_EQ(pt_json_sprintf(out, "%x", 1u), -1);
}

/* Our %1.<precision>g of value against the C library's. */
static void check_general_as_libc(double value, int precision) {
  char format[8], ours[40], libc[40];
  snprintf(format, sizeof format, "%%1.%dg", precision);
  int length = pt_json_sprintf(ours, format, value);
  snprintf(libc, sizeof libc, format, value);
  if (strcmp(ours, libc) != 0) fprintf(stderr, "%s of %.17g: ours %s, libc %s\n", format, value, ours, libc);
  CHECK_STR(ours, libc);
  CHECK_EQ(length, (long long)strlen(libc));
}

static void test_general_matches_libc_where_exact(void) {
  static const double values[] = {0.0, -0.0, 1, -1, 7, 10, 100, 999999999999999, 1e15, 123456789012345678.0,
                                  9007199254740993.0, 18446744073709551615.0, 1e21, 1e22, 1e100, 0.5, 0.25,
                                  0.1, 0.001, 0.0001, 0.00001, 1.5e-7, 123.456, -98.76e-3, 2.5, 3.5, 9.5,
                                  99.5, 999999999999999.5, 0.125, 1e-5, 0.000123};
  for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
    for (int precision = 1; precision <= 17; precision++) {
      /* beyond 15 digits, scaled values may differ from the C library's exact ones in the last digit */
      int exact = fabs(values[i]) < 18446744073709551616.0 && values[i] == floor(values[i]);
      if (precision <= 15 || exact) check_general_as_libc(values[i], precision);
    }
  }
  for (int i = 0; i < 20000; i++) {
    uint64_t r = next_random();
    double integer = (double)(int64_t)(r >> 11) * ((r & 1) ? -1 : 1); /* |n| < 2^53: exact */
    check_general_as_libc(integer, 15);
    check_general_as_libc(integer, 17);
    double decimal = (double)(r % 1000000) * pow(10.0, (double)((int)(r >> 40) % 40 - 20));
    check_general_as_libc(decimal, 15);
  }
}

/* Other values (many digits, far exponents) are scaled in double arithmetic: within a few units in the
 * last place, so that the last of 17 digits, and rarely of 15, may differ from the C library's. */
static void test_general_round_trips_any_double(void) {
  static const double extremes[] = {DBL_MAX, -DBL_MAX, DBL_MIN, 5e-324, 1e308, 1e-300, 0.30000000000000004, M_PI};
  for (size_t i = 0; i < sizeof extremes / sizeof extremes[0]; i++) {
    char text[40];
    pt_json_sprintf(text, "%1.17g", extremes[i]);
    CHECK(ulps_apart(strtod(text, NULL), extremes[i]) <= 4);
  }
  for (int i = 0; i < 100000; i++) {
    uint64_t bits = next_random();
    double value;
    memcpy(&value, &bits, sizeof value);
    if (!isfinite(value)) continue;
    char text[40];
    pt_json_sprintf(text, "%1.17g", value);
    CHECK(ulps_apart(strtod(text, NULL), value) <= 4);
    pt_json_sprintf(text, "%1.15g", value);
    CHECK(value == 0 || fabs(strtod(text, NULL) - value) <= 1e-14 * fabs(value));
  }
}

static void check_strtod_as_libc(const char *text, uint64_t max_ulps) {
  char *ours_end, *libc_end;
  double ours = pt_json_strtod(text, &ours_end), libc = strtod(text, &libc_end);
  if (ours_end != libc_end || ulps_apart(ours, libc) > max_ulps)
    fprintf(stderr, "strtod(\"%s\"): ours %.17g (+%td), libc %.17g (+%td)\n", text, ours, ours_end - text, libc,
            libc_end - text);
  CHECK(ours_end == libc_end);
  CHECK(ulps_apart(ours, libc) <= max_ulps);
}

static void test_strtod(void) {
  static const char *const exact[] = {"0", "-0", "1", "-17", "9007199254740992", "123456789012345", "0.5", "-0.125",
                                      "1e22", "1E-22", "3.14159", "1.", "12e", "12e+", "7e-", "-1.5e+3x", "+5",
                                      "00012", "0.000001", "1e0", "17,", "4.2abc"};
  for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++) check_strtod_as_libc(exact[i], 0);
  static const char *const close[] = {"1e308", "1.7976931348623157e308", "2.2250738585072014e-308", "1e-320",
                                      "123456789012345678901234567890", "0.1234567890123456789012345", "1e-400",
                                      "1e400", "-1e99999999999", "18446744073709551616"};
  for (size_t i = 0; i < sizeof close / sizeof close[0]; i++) check_strtod_as_libc(close[i], 4);
  static const char *const none[] = {"", "-", "+", ".", "-.", "e5", "x1", ".e1"};
  for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
    char *end = NULL;
    CHECK(pt_json_strtod(none[i], &end) == 0.0);
    CHECK(end == none[i]);
  }
  for (int i = 0; i < 20000; i++) { /* up to 15 digits, exponents within ±22: correctly rounded */
    uint64_t r = next_random();
    char text[48];
    snprintf(text, sizeof text, "%s%llu.%03llue%d", (r & 1) ? "-" : "", (unsigned long long)(r >> 20) % 1000000000000ull,
             (unsigned long long)(r >> 8) % 1000, (int)(r % 23) - 11);
    check_strtod_as_libc(text, 0);
  }
  double value = 0;
  CHECK_EQ(pt_json_sscanf("  2.5e1", "%lg", &value), 1);
  CHECK(value == 25);
  CHECK_EQ(pt_json_sscanf("x", "%lg", &value), 0);
  CHECK_EQ(pt_json_sscanf("1", "%d", &value), 0);
}

/* cJSON prints and reads numbers through these (cjson_numbers.h is forced into cJSON.c). */
static void test_cjson_numbers(void) {
  static const struct {
    const char *in, *out;
  } cases[] = {
      {"[0,-0,1,-2,2147483647,-2147483648,4294967296]", "[0,-0,1,-2,2147483647,-2147483648,4294967296]"},
      /* cJSON prints 15 digits when they read back within DBL_EPSILON, as it does with the C library */
      {"[9007199254740993,123456789012345678]", "[9.00719925474099e+15,1.2345678901234568e+17]"},
      {"[1.5,0.1,1e3,2E-2,1e21,1e400,-1e400]", "[1.5,0.1,1000,0.02,1e+21,null,null]"},
      {"[0.30000000000000004,1.7976931348623157e308]", "[0.3,1.79769313486232e+308]"}, /* likewise */
      {"{\"code\":-5,\"x\":0.000001}", "{\"code\":-5,\"x\":1e-06}"},
      {"[\"\\u0001\\u001f\"]", "[\"\\u0001\\u001f\"]"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    cJSON *parsed = cJSON_Parse(cases[i].in);
    CHECK(parsed != NULL);
    char *printed = cJSON_PrintUnformatted(parsed);
    CHECK_STR(printed, cases[i].out);
    cJSON_free(printed);
    cJSON_Delete(parsed);
  }
  for (int i = 0; i < 20000; i++) { /* integers and short decimals print as cJSON prints them with the C library */
    uint64_t r = next_random();
    double value = (r & 1) ? (double)(int64_t)(r >> 11) : (double)(r % 10000000) * pow(10.0, (double)((int)(r >> 40) % 30 - 15));
    char libc[32], ours[32];
    double back = 0;
    snprintf(libc, sizeof libc, "%1.15g", value);
    if (sscanf(libc, "%lg", &back) != 1 || fabs(back - value) > fmax(fabs(back), fabs(value)) * DBL_EPSILON)
      snprintf(libc, sizeof libc, "%1.17g", value);
    cJSON *number = cJSON_CreateNumber(value);
    CHECK(cJSON_PrintPreallocated(number, ours, sizeof ours, 0));
    CHECK_STR(ours, libc);
    cJSON_Delete(number);
  }
  cJSON *item = cJSON_Parse("2147483647.5");
  CHECK(item != NULL && item->valuedouble == 2147483647.5 && item->valueint == INT32_MAX);
  cJSON_Delete(item);
  char version[16];
  snprintf(version, sizeof version, "%d.%d.%d", CJSON_VERSION_MAJOR, CJSON_VERSION_MINOR, CJSON_VERSION_PATCH);
  CHECK_STR(cJSON_Version(), version);
}

int main(void) {
  RUN(test_the_core_formats);
  RUN(test_truncation_as_snprintf);
  RUN(test_unsupported_conversions_fail);
  RUN(test_general_matches_libc_where_exact);
  RUN(test_general_round_trips_any_double);
  RUN(test_strtod);
  RUN(test_cjson_numbers);
  return 0;
}
