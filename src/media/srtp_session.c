#include "media/srtp_session.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "media/rtp_header.h"
#include "platform/random.h"
#include "srtp.h"

struct pt_srtp_session {
  srtp_t context;
  pt_srtp_direction direction;
};

/* libsrtp2 keeps one process-wide crypto kernel; it is set up on first use and never torn down. A set-up
 * that failed half-way (memory) is undone, so that the next call starts afresh instead of failing for ever
 * on what the first one registered. */
static int ensure_srtp_initialised(void) {
  static int initialised = 0;
  if (!initialised) {
    srtp_err_status_t result = srtp_init();
    if (result != srtp_err_status_ok) {
      srtp_shutdown();
      return result == srtp_err_status_alloc_fail ? PT_ERR_NO_MEMORY : PT_ERR_SRTP;
    }
    initialised = 1;
  }
  return PT_OK;
}

int pt_srtp_session_create(pt_srtp_session **session, const uint8_t *master_key, size_t key_length,
                           pt_srtp_direction direction) {
  if (session == NULL || master_key == NULL || key_length != PT_SRTP_MASTER_KEY_LENGTH ||
      (direction != PT_SRTP_OUTBOUND && direction != PT_SRTP_INBOUND)) {
    return PT_ERR_INVALID_ARGUMENT;
  }
  *session = NULL;
  int status = ensure_srtp_initialised();
  if (status != PT_OK) {
    return status;
  }
  pt_srtp_session *created = calloc(1, sizeof *created);
  if (created == NULL) {
    return PT_ERR_NO_MEMORY;
  }
  uint8_t key[PT_SRTP_MASTER_KEY_LENGTH];
  memcpy(key, master_key, sizeof key);
  srtp_policy_t policy;
  memset(&policy, 0, sizeof policy);
  srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
  srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
  policy.ssrc.type = direction == PT_SRTP_OUTBOUND ? ssrc_any_outbound : ssrc_any_inbound;
  policy.key = key;
  policy.window_size = PT_SRTP_REPLAY_WINDOW;
  policy.allow_repeat_tx = 0;
  srtp_err_status_t result = srtp_create(&created->context, &policy);
  memset(key, 0, sizeof key);
  if (result != srtp_err_status_ok) {
    free(created);
    return result == srtp_err_status_alloc_fail ? PT_ERR_NO_MEMORY : PT_ERR_SRTP;
  }
  created->direction = direction;
  *session = created;
  return PT_OK;
}

int pt_srtp_protect(pt_srtp_session *session, uint8_t *packet, size_t length, size_t capacity) {
  if (session == NULL || packet == NULL || capacity > INT_MAX) {
    return PT_ERR_INVALID_ARGUMENT;
  }
  if (session->direction != PT_SRTP_OUTBOUND) {
    return PT_ERR_STATE;
  }
  if (pt_rtp_header_size(packet, length) < 0) {
    return PT_ERR_MALFORMED;
  }
  if (length > capacity || capacity - length < PT_SRTP_MAX_OVERHEAD) {
    return PT_ERR_BUFFER_TOO_SMALL;
  }
  int out_length = (int)length;
  srtp_err_status_t result = srtp_protect(session->context, packet, &out_length);
  return result == srtp_err_status_ok ? out_length : PT_ERR_SRTP;
}

int pt_srtp_unprotect(pt_srtp_session *session, uint8_t *packet, size_t length) {
  if (session == NULL || packet == NULL || length > INT_MAX) {
    return PT_ERR_INVALID_ARGUMENT;
  }
  if (session->direction != PT_SRTP_INBOUND) {
    return PT_ERR_STATE;
  }
  if (pt_rtp_header_size(packet, length) < 0) {
    return PT_ERR_MALFORMED;
  }
  int out_length = (int)length;
  switch (srtp_unprotect(session->context, packet, &out_length)) {
    case srtp_err_status_ok:
      return out_length;
    case srtp_err_status_auth_fail:
      return PT_ERR_SRTP_AUTH;
    case srtp_err_status_replay_fail:
    case srtp_err_status_replay_old:
      return PT_ERR_SRTP_REPLAY;
    case srtp_err_status_bad_param:
      return PT_ERR_MALFORMED;
    case srtp_err_status_alloc_fail: /* a new SSRC's stream */
      return PT_ERR_NO_MEMORY;
    default:
      return PT_ERR_SRTP;
  }
}

int pt_srtp_generate_master_key(uint8_t *master_key, size_t key_length) {
  if (master_key == NULL || key_length != PT_SRTP_MASTER_KEY_LENGTH) {
    return PT_ERR_INVALID_ARGUMENT;
  }
  return pt_random_fill(master_key, key_length);
}

void pt_srtp_session_destroy(pt_srtp_session *session) {
  if (session == NULL) {
    return;
  }
  srtp_dealloc(session->context);
  free(session);
}
