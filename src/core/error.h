/* Error codes shared by every core module: 0 is success, failures are negative. */
#ifndef PT_CORE_ERROR_H
#define PT_CORE_ERROR_H

typedef enum pt_error {
  PT_OK = 0,
  PT_ERR_INVALID_ARGUMENT = -1,  /* a null pointer, a zero size or a value out of range */
  PT_ERR_INVALID_HANDLE = -2,    /* not a handle this registry ever issued */
  PT_ERR_STALE_HANDLE = -3,      /* the object behind the handle was released */
  PT_ERR_WRONG_KIND = -4,        /* a live handle of another kind of object */
  PT_ERR_FULL = -5,              /* the registry has no free slot */
  PT_ERR_NO_MEMORY = -6,
  PT_ERR_QUEUE_FULL = -7,        /* the output queue is at its byte or item budget */
  PT_ERR_BUFFER_TOO_SMALL = -8,  /* a caller-provided buffer cannot hold the result */
  PT_ERR_MALFORMED = -9,         /* not valid JSON or not a valid binary record */
  PT_ERR_TOO_LARGE = -10,        /* input larger than its protocol allows */
  PT_ERR_MISSING_FIELD = -11,
  PT_ERR_WRONG_TYPE = -12,       /* a field of the wrong JSON type */
  PT_ERR_BAD_VALUE = -13,        /* a field of the right type with a value out of its range */
  PT_ERR_UNSUPPORTED_VERSION = -14,
  PT_ERR_UNEXPECTED_MESSAGE = -15, /* a valid message the current state does not accept */
  PT_ERR_STATE = -16,            /* the call is not allowed in the object's current state */
  PT_ERR_TIMEOUT = -17,
  PT_ERR_SRTP_AUTH = -18,        /* SRTP authentication tag mismatch: tampered or wrong key */
  PT_ERR_SRTP_REPLAY = -19,      /* SRTP packet seen before or too old for the replay window */
  PT_ERR_SRTP = -20,             /* any other libsrtp2 failure */
  PT_ERR_RANDOM = -21,           /* the platform's random source failed */
  PT_ERR_CLOSED = -22,           /* the object was closed */
  PT_ERR_EXISTS = -23,           /* already connected to, or connecting with, that peer */
  PT_ERR_REJECTED = -24,         /* the other side refused */
  PT_ERR_UNREACHABLE = -25,      /* the target is not connected to the gateway */
  PT_ERR_CANCELLED = -26         /* the attempt was withdrawn */
} pt_error;

/* Stable identifier for an error code ("PT_ERR_STALE_HANDLE"); "PT_ERR_UNKNOWN" for others. */
const char *pt_error_name(int code);

/* 1 when the error means our side ran short (memory, room in the output queue) rather than the input was
 * bad: the callers of a reliable stream of messages then close or resume it instead of going on without one. */
int pt_error_is_shortage(int code);

#endif
