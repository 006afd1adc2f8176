/* Liveness of a gateway connection (docs/PROTOCOL.md, "Liveness"): the heartbeat that notices a dead
 * or half-open WebSocket, and the delays between reconnection attempts. Arithmetic on times the caller
 * passes in: no I/O, no clock, no core. */
#ifndef PT_GATEWAY_LIVENESS_H
#define PT_GATEWAY_LIVENESS_H

#include <stdint.h>

#define PT_HEARTBEAT_VERSION 2     /* the first gateway protocol version with ping/pong */
#define PT_LIVENESS_MAX_MS 86400000.0 /* no interval, timeout or delay above a day */

typedef struct pt_liveness_config {
  double ping_interval_ms; /* a ping this often once ready (protocol version 2); 0: no heartbeat */
  double ping_timeout_ms;  /* a ping unanswered this long means the link is dead */
  double retry_min_ms;     /* delay before the first reconnection attempt */
  double retry_max_ms;     /* the longest delay between attempts */
  double give_up_ms;       /* 0: a lost link closes the connection; > 0: attempts stop failing into
                              new ones this long after the loss; < 0: never give up */
} pt_liveness_config;

/* No heartbeat, no reconnection (a lost link closes): what a connection does until configured. */
void pt_liveness_config_default(pt_liveness_config *config);

/* PT_OK, or PT_ERR_BAD_VALUE: every time finite and within 0 … a day (give_up_ms may be negative),
 * a timeout > 0 with an interval > 0, and 0 < retry_min_ms <= retry_max_ms when reconnecting. */
int pt_liveness_config_validate(const pt_liveness_config *config);

typedef struct pt_heartbeat {
  double next_ping_ms;  /* when the next ping is due; < 0 when stopped */
  double answer_due_ms; /* when the outstanding ping counts as lost; < 0 when none is outstanding */
  uint32_t outstanding; /* the outstanding ping's id */
  uint32_t next_id;
} pt_heartbeat;

typedef enum pt_heartbeat_action {
  PT_HEARTBEAT_IDLE = 0, /* nothing to do now */
  PT_HEARTBEAT_PING = 1, /* send a ping with the id given */
  PT_HEARTBEAT_DEAD = 2  /* a ping went unanswered: the link is dead */
} pt_heartbeat_action;

/* Starts pinging one interval from now, ids from 0 (no pings when the config has no heartbeat). */
void pt_heartbeat_start(pt_heartbeat *heartbeat, const pt_liveness_config *config, double now_ms);
void pt_heartbeat_stop(pt_heartbeat *heartbeat);

/* A pong arrived: returns 1 when it answers the outstanding ping (which is then settled), else 0. */
int pt_heartbeat_pong(pt_heartbeat *heartbeat, uint32_t id);

/* The earliest time the heartbeat needs pt_heartbeat_poll, or -1. */
double pt_heartbeat_deadline(const pt_heartbeat *heartbeat);

/* What is due at now_ms. A ping is only sent when none is outstanding, so the link is judged by the
 * round trip of each ping, never by how late a timer fired. */
pt_heartbeat_action pt_heartbeat_poll(pt_heartbeat *heartbeat, const pt_liveness_config *config, double now_ms,
                                      uint32_t *ping_id);

/* Delay before reconnection attempt `attempt` (1, 2, …): retry_min_ms doubled per earlier attempt, at
 * most retry_max_ms, then scaled by a jitter factor in [0.5, 1] drawn from `random` (any 32 bits). */
double pt_backoff_delay(const pt_liveness_config *config, uint32_t attempt, uint32_t random);

#endif
