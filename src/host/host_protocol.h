/* The stdio protocol between the Node side of `petrichor host` and the native host program
 * (docs/PROTOCOL.md, "Host stdio protocol"): both directions carry messages
 * [type u8][payload length u32 LE][payload]. The native program speaks first (HELLO, with the
 * protocol version, preceded by AUDIO_FORMAT when it has audio); Node never sends before it has read
 * a HELLO of a version it knows. */
#ifndef PT_HOST_HOST_PROTOCOL_H
#define PT_HOST_HOST_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#define PT_HOST_PROTOCOL_VERSION 1
#define PT_HOST_HEADER_SIZE 5
#define PT_HOST_MAX_COMMAND 70000u     /* Node → native payload (an input message fits) */
#define PT_HOST_MAX_EVENT (8u << 20)   /* native → Node payload (an encoded picture) */

typedef enum pt_host_message_type {
  /* native → Node */
  PT_HOST_HELLO = 1,     /* version u8, width u16, height u16, frame rate u16, then the codec string (UTF-8) */
  PT_HOST_VIDEO = 2,     /* keyframe u8, timestamp µs u64, then one H.264 access unit (Annex-B) */
  PT_HOST_ERROR = 3,     /* UTF-8: why the program stops (it exits after sending it) */
  PT_HOST_CLIENT_INPUT = 4, /* input records for the client (cursor, clipboard, rumble) */
  PT_HOST_AUDIO_FORMAT = 5, /* sample rate u32, channels u8, then the codec string ("opus"); only when there
                             * is audio, and then before HELLO */
  PT_HOST_AUDIO = 6,     /* timestamp µs u64, then one Opus packet */
  /* Node → native */
  PT_HOST_INPUT = 16,    /* input records (input/input_record.h) the host's core let through */
  PT_HOST_KEYFRAME = 17, /* (empty) the next picture is an IDR, and it comes now; so do the cursor shape and position */
  PT_HOST_BITRATE = 18,  /* bits per second u32 */
  PT_HOST_STOP = 19      /* (empty) stop and exit */
} pt_host_message_type;

/* Finds the message at the start of data. PT_OK: *type, *payload, *payload_length and *message_length
 * (header included) are set. PT_ERR_BUFFER_TOO_SMALL: not all of it is there yet. PT_ERR_TOO_LARGE:
 * its length exceeds max_payload (the stream cannot be trusted after it). */
int pt_host_message_parse(const uint8_t *data, size_t length, size_t max_payload, uint8_t *type,
                          const uint8_t **payload, size_t *payload_length, size_t *message_length);

/* Writes a message header for a payload of `length` bytes. */
void pt_host_message_header(uint8_t out[PT_HOST_HEADER_SIZE], pt_host_message_type type, uint32_t length);

#endif
