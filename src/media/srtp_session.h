/* One direction of SRTP (RFC 3711) for a stream's media, over libsrtp2 with its built-in crypto:
 * AES_CM_128_HMAC_SHA1_80, any SSRC, a replay window of PT_SRTP_REPLAY_WINDOW packets. */
#ifndef PT_MEDIA_SRTP_SESSION_H
#define PT_MEDIA_SRTP_SESSION_H

#include <stddef.h>
#include <stdint.h>

#define PT_SRTP_MASTER_KEY_LENGTH 30 /* 16-byte key + 14-byte salt */
#define PT_SRTP_MAX_OVERHEAD 16      /* bytes protect adds: the 10-byte auth tag, rounded up */
#define PT_SRTP_REPLAY_WINDOW 1024

typedef enum pt_srtp_direction {
  PT_SRTP_OUTBOUND = 0, /* protect */
  PT_SRTP_INBOUND = 1   /* unprotect */
} pt_srtp_direction;

typedef struct pt_srtp_session pt_srtp_session;

/* Creates a session from a 30-byte master key; PT_ERR_INVALID_ARGUMENT, PT_ERR_NO_MEMORY, PT_ERR_SRTP. */
int pt_srtp_session_create(pt_srtp_session **session, const uint8_t *master_key, size_t key_length,
                           pt_srtp_direction direction);

/* Protects the RTP packet in place; capacity must leave PT_SRTP_MAX_OVERHEAD spare bytes. Returns the
 * protected length or PT_ERR_MALFORMED / PT_ERR_BUFFER_TOO_SMALL / PT_ERR_STATE (inbound) / PT_ERR_SRTP. */
int pt_srtp_protect(pt_srtp_session *session, uint8_t *packet, size_t length, size_t capacity);

/* Verifies and decrypts the SRTP packet in place; returns the RTP length or PT_ERR_MALFORMED /
 * PT_ERR_SRTP_AUTH (tampered) / PT_ERR_SRTP_REPLAY (seen before or too old) / PT_ERR_STATE / PT_ERR_NO_MEMORY (a
 * new SSRC's stream could not be made; the next packet of it tries again) / PT_ERR_SRTP. */
int pt_srtp_unprotect(pt_srtp_session *session, uint8_t *packet, size_t length);

/* Fills a fresh random master key from the platform's CSPRNG. */
int pt_srtp_generate_master_key(uint8_t *master_key, size_t key_length);

/* Frees the session; NULL is ignored. */
void pt_srtp_session_destroy(pt_srtp_session *session);

#endif
