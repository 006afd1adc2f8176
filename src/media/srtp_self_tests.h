// The wasm build's stand-ins for libsrtp2's load-time self-tests (see srtp_self_tests.c).
#ifndef PT_MEDIA_SRTP_SELF_TESTS_H
#define PT_MEDIA_SRTP_SELF_TESTS_H

#include "cipher.h"
#include "auth.h"

/** Returns srtp_err_status_ok: the cipher's vectors are checked by the tests, not in every page load. */
srtp_err_status_t pt_srtp_cipher_self_test_at_test_time(const srtp_cipher_type_t *type);
/** Returns srtp_err_status_ok: the auth type's vectors are checked by the tests, not in every page load. */
srtp_err_status_t pt_srtp_auth_self_test_at_test_time(const srtp_auth_type_t *type);

#endif
