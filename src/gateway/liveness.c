#include "gateway/liveness.h"

#include <math.h>
#include <stddef.h>

#include "core/error.h"

void pt_liveness_config_default(pt_liveness_config *config) {
  config->ping_interval_ms = 0;
  config->ping_timeout_ms = 0;
  config->retry_min_ms = 500;
  config->retry_max_ms = 30000;
  config->give_up_ms = 0;
}

static int within(double value, double min) { return isfinite(value) && value >= min && value <= PT_LIVENESS_MAX_MS; }

int pt_liveness_config_validate(const pt_liveness_config *config) {
  if (config == NULL) return PT_ERR_INVALID_ARGUMENT;
  int ok = within(config->ping_interval_ms, 0) && within(config->ping_timeout_ms, 0) &&
           within(config->retry_min_ms, 0) && within(config->retry_max_ms, 0) &&
           isfinite(config->give_up_ms) && config->give_up_ms <= PT_LIVENESS_MAX_MS;
  if (ok && config->ping_interval_ms > 0) ok = config->ping_timeout_ms > 0;
  if (ok && config->give_up_ms != 0) ok = config->retry_min_ms > 0 && config->retry_min_ms <= config->retry_max_ms;
  return ok ? PT_OK : PT_ERR_BAD_VALUE;
}

void pt_heartbeat_start(pt_heartbeat *heartbeat, const pt_liveness_config *config, double now_ms) {
  pt_heartbeat_stop(heartbeat);
  heartbeat->outstanding = 0;
  heartbeat->next_id = 0; /* ids count per session: a pong of another socket cannot arrive */
  if (config->ping_interval_ms > 0) heartbeat->next_ping_ms = now_ms + config->ping_interval_ms;
}

void pt_heartbeat_stop(pt_heartbeat *heartbeat) {
  heartbeat->next_ping_ms = -1.0;
  heartbeat->answer_due_ms = -1.0;
}

int pt_heartbeat_pong(pt_heartbeat *heartbeat, uint32_t id) {
  if (heartbeat->answer_due_ms < 0 || id != heartbeat->outstanding) return 0;
  heartbeat->answer_due_ms = -1.0;
  return 1;
}

double pt_heartbeat_deadline(const pt_heartbeat *heartbeat) {
  double next = heartbeat->next_ping_ms;
  if (heartbeat->answer_due_ms >= 0 && (next < 0 || heartbeat->answer_due_ms < next)) next = heartbeat->answer_due_ms;
  return next;
}

pt_heartbeat_action pt_heartbeat_poll(pt_heartbeat *heartbeat, const pt_liveness_config *config, double now_ms,
                                      uint32_t *ping_id) {
  if (heartbeat->answer_due_ms >= 0 && now_ms >= heartbeat->answer_due_ms) return PT_HEARTBEAT_DEAD;
  if (heartbeat->next_ping_ms < 0 || now_ms < heartbeat->next_ping_ms) return PT_HEARTBEAT_IDLE;
  heartbeat->next_ping_ms = now_ms + config->ping_interval_ms;
  if (heartbeat->answer_due_ms >= 0) return PT_HEARTBEAT_IDLE; /* still waiting for the last one */
  heartbeat->outstanding = heartbeat->next_id++;
  heartbeat->answer_due_ms = now_ms + config->ping_timeout_ms;
  if (ping_id != NULL) *ping_id = heartbeat->outstanding;
  return PT_HEARTBEAT_PING;
}

double pt_backoff_delay(const pt_liveness_config *config, uint32_t attempt, uint32_t random) {
  double delay = config->retry_min_ms;
  for (uint32_t i = 1; i < attempt && delay < config->retry_max_ms; i++) delay *= 2;
  if (delay > config->retry_max_ms) delay = config->retry_max_ms;
  return delay * (0.5 + 0.5 * ((double)random / 4294967295.0));
}
