/* What the libFuzzer harnesses share: an invariant check that aborts (libFuzzer reports it as a crash), and
 * a core whose gateway connection accepted two peers (requests from ids 8 and 9). */
#ifndef PT_FUZZ_SUPPORT_H
#define PT_FUZZ_SUPPORT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "core/error.h"
#include "gateway/connection.h"

#define FUZZ_CHECK(cond)                                                           \
  do {                                                                             \
    if (!(cond)) {                                                                 \
      fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      abort();                                                                     \
    }                                                                              \
  } while (0)

static inline void fuzz_feed_gateway(pt_core *core, pt_handle connection, const char *message) {
  FUZZ_CHECK(pt_connection_receive(core, connection, message, strlen(message), 0) == PT_OK);
}

/* Initialises `core` (16 objects) with a gateway connection that accepted two peers, *first and *second. */
static inline void fuzz_core_with_two_peers(pt_core *core, pt_handle *first, pt_handle *second) {
  pt_core_config config;
  pt_core_config_default(&config);
  config.max_objects = 16;
  FUZZ_CHECK(pt_core_init(core, &config) == PT_OK);
  pt_client_hello hello;
  pt_client_hello_init(&hello);
  strcpy(hello.api_key, "key");
  pt_handle connection = pt_connection_open(core, &hello, 0);
  FUZZ_CHECK(connection > 0);
  fuzz_feed_gateway(core, connection, "{\"type\":\"hello\",\"version\":1,\"peerId\":\"1\",\"resumeToken\":\"t\"}");
  fuzz_feed_gateway(core, connection, "{\"type\":\"request\",\"requestId\":\"x\",\"source\":\"8\"}");
  fuzz_feed_gateway(core, connection, "{\"type\":\"request\",\"requestId\":\"y\",\"source\":\"9\"}");
  *first = pt_connection_accept(core, connection, "x", 1e12, 0);
  *second = pt_connection_accept(core, connection, "y", 1e12, 0);
  FUZZ_CHECK(*first > 0 && *second > 0);
}

#endif
