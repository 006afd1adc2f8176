/* The sending side of a stream's input: builds messages of records (input/input_record.h), keeps
 * them small and few. Mouse motion is coalesced: a move within PT_INPUT_COALESCE_MS of the last one
 * sent waits (relative moves are summed, absolute positions replaced) until that interval has passed
 * or another record goes out, which takes the waiting move with it, in order. A gamepad report is
 * sent as a diff against the port's last sent state, and not at all when nothing changed. */
#ifndef PT_INPUT_INPUT_SENDER_H
#define PT_INPUT_INPUT_SENDER_H

#include <stddef.h>
#include <stdint.h>

#include "input/input_record.h"

#define PT_INPUT_COALESCE_MS 1.0

typedef int (*pt_input_emit)(void *context, const uint8_t *message, size_t length);

typedef struct pt_input_sender {
  int to_client;
  uint8_t stream_id;
  pt_gamepad_state pads[4]; /* last sent state per port */
  uint8_t pad_known;        /* bit per port: the host has a state for it */
  pt_input waiting;         /* a coalesced mouse move (type MOUSE_ABSOLUTE or _RELATIVE) */
  int has_waiting;
  double last_motion_ms;
  double records_sent, bytes_sent, coalesced;
} pt_input_sender;

/* Prepares a sender for one direction of a stream. */
void pt_input_sender_init(pt_input_sender *sender, int to_client, uint8_t stream_id);

/* Sends an input (validated; gamepad reports carry the full state, with changed == 0 or
 * PT_GAMEPAD_DISCONNECTED). Returns the records emitted now (0: coalesced or unchanged) or an error;
 * PT_ERR_STATE for a type that does not travel in this direction. */
int pt_input_sender_send(pt_input_sender *sender, const pt_input *input, double now_ms, pt_input_emit emit,
                         void *context);

/* When a coalesced move is due, or -1. */
double pt_input_sender_deadline(const pt_input_sender *sender);

/* Sends a coalesced move that is due at now_ms. */
int pt_input_sender_poll(pt_input_sender *sender, double now_ms, pt_input_emit emit, void *context);

#endif
