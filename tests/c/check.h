/* Minimal assertion helpers for the native unit tests: a failed check prints where and exits 1. */
#ifndef PT_TESTS_CHECK_H
#define PT_TESTS_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#include "core/error.h"

#define CHECK(cond)                                                        \
  do {                                                                     \
    if (!(cond)) {                                                         \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      exit(1);                                                             \
    }                                                                      \
  } while (0)

#define CHECK_EQ(actual, expected)                                                         \
  do {                                                                                     \
    long long check_a = (long long)(actual), check_e = (long long)(expected);              \
    if (check_a != check_e) {                                                              \
      fprintf(stderr, "%s:%d: %s == %lld (%s), expected %lld (%s)\n", __FILE__, __LINE__,  \
              #actual, check_a, pt_error_name((int)check_a), check_e, pt_error_name((int)check_e)); \
      exit(1);                                                                             \
    }                                                                                      \
  } while (0)

#define RUN(test)                      \
  do {                                 \
    test();                            \
    fprintf(stderr, "ok %s\n", #test); \
  } while (0)

#endif
