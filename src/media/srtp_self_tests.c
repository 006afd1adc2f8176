// What libsrtp2's crypto kernel calls in place of its self-tests in the wasm build
// (cmake/dependencies.cmake renames the calls in crypto_kernel.c): each cipher and auth type would
// be run against its test vectors whenever srtp_init loads it. The vectors still run, at test time:
// tests/node/wasm-core.test.mjs checks the wasm module's SRTP output byte for byte against the
// native build's, and ctest runs libsrtp2's self-tests natively (test_srtp_session).
#include "media/srtp_self_tests.h"

srtp_err_status_t pt_srtp_cipher_self_test_at_test_time(const srtp_cipher_type_t *type) {
  (void)type;
  return srtp_err_status_ok;
}

srtp_err_status_t pt_srtp_auth_self_test_at_test_time(const srtp_auth_type_t *type) {
  (void)type;
  return srtp_err_status_ok;
}
