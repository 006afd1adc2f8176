#include "gateway/liveness.h"

#include "check.h"

static pt_liveness_config config(double interval, double timeout) {
  pt_liveness_config c;
  pt_liveness_config_default(&c);
  c.ping_interval_ms = interval;
  c.ping_timeout_ms = timeout;
  return c;
}

static void test_config_rules(void) {
  pt_liveness_config c;
  pt_liveness_config_default(&c);
  CHECK_EQ(pt_liveness_config_validate(&c), PT_OK);
  CHECK(c.ping_interval_ms == 0 && c.give_up_ms == 0); /* off until configured */
  c = config(1000, 0);
  CHECK_EQ(pt_liveness_config_validate(&c), PT_ERR_BAD_VALUE); /* a heartbeat needs a timeout */
  c = config(1000, 2000);
  c.give_up_ms = -1;
  CHECK_EQ(pt_liveness_config_validate(&c), PT_OK);
  c.retry_min_ms = 0;
  CHECK_EQ(pt_liveness_config_validate(&c), PT_ERR_BAD_VALUE);
  c.retry_min_ms = 40000; /* above retry_max_ms */
  CHECK_EQ(pt_liveness_config_validate(&c), PT_ERR_BAD_VALUE);
  c = config(-1, 1);
  CHECK_EQ(pt_liveness_config_validate(&c), PT_ERR_BAD_VALUE);
  c = config(1.0 / 0.0, 1);
  CHECK_EQ(pt_liveness_config_validate(&c), PT_ERR_BAD_VALUE);
  c = config(PT_LIVENESS_MAX_MS + 1, 1);
  CHECK_EQ(pt_liveness_config_validate(&c), PT_ERR_BAD_VALUE);
  CHECK_EQ(pt_liveness_config_validate(NULL), PT_ERR_INVALID_ARGUMENT);
}

static void test_heartbeat_pings_and_notices_silence(void) {
  pt_liveness_config c = config(100, 250);
  pt_heartbeat h;
  uint32_t id = 99;
  pt_heartbeat_start(&h, &c, 1000);
  CHECK(pt_heartbeat_deadline(&h) == 1100);
  CHECK_EQ(pt_heartbeat_poll(&h, &c, 1099, &id), PT_HEARTBEAT_IDLE);
  CHECK_EQ(pt_heartbeat_poll(&h, &c, 1100, &id), PT_HEARTBEAT_PING);
  CHECK_EQ(id, 0);
  CHECK(pt_heartbeat_deadline(&h) == 1200);
  CHECK_EQ(pt_heartbeat_pong(&h, 7), 0); /* not the outstanding one */
  CHECK_EQ(pt_heartbeat_pong(&h, 0), 1);
  CHECK_EQ(pt_heartbeat_pong(&h, 0), 0); /* already settled */
  CHECK_EQ(pt_heartbeat_poll(&h, &c, 1200, &id), PT_HEARTBEAT_PING);
  CHECK_EQ(id, 1);
  /* Unanswered: no second ping while it is outstanding, then dead at its timeout. */
  CHECK_EQ(pt_heartbeat_poll(&h, &c, 1300, &id), PT_HEARTBEAT_IDLE);
  CHECK_EQ(id, 1);
  CHECK(pt_heartbeat_deadline(&h) == 1400);
  CHECK_EQ(pt_heartbeat_poll(&h, &c, 1400, &id), PT_HEARTBEAT_IDLE);
  CHECK(pt_heartbeat_deadline(&h) == 1450);
  CHECK_EQ(pt_heartbeat_poll(&h, &c, 1450, &id), PT_HEARTBEAT_DEAD);
  pt_heartbeat_stop(&h);
  CHECK(pt_heartbeat_deadline(&h) == -1);
  CHECK_EQ(pt_heartbeat_poll(&h, &c, 99999, &id), PT_HEARTBEAT_IDLE);
}

static void test_late_timers_are_not_silence(void) {
  /* A throttled timer (a background tab) fires long after the ping was due: that sends a ping, it
   * does not judge the link, and the answer to that ping keeps it alive. */
  pt_liveness_config c = config(100, 250);
  pt_heartbeat h;
  uint32_t id;
  pt_heartbeat_start(&h, &c, 0);
  CHECK_EQ(pt_heartbeat_poll(&h, &c, 60000, &id), PT_HEARTBEAT_PING);
  CHECK_EQ(pt_heartbeat_pong(&h, id), 1);
  CHECK_EQ(pt_heartbeat_poll(&h, &c, 120000, &id), PT_HEARTBEAT_PING);
}

static void test_no_heartbeat_when_off(void) {
  pt_liveness_config c = config(0, 0);
  pt_heartbeat h;
  pt_heartbeat_start(&h, &c, 5);
  CHECK(pt_heartbeat_deadline(&h) == -1);
  CHECK_EQ(pt_heartbeat_poll(&h, &c, 1e12, NULL), PT_HEARTBEAT_IDLE);
}

static void test_backoff_doubles_with_jitter_and_is_bounded(void) {
  pt_liveness_config c = config(0, 0);
  c.retry_min_ms = 500;
  c.retry_max_ms = 30000;
  CHECK(pt_backoff_delay(&c, 1, 0xffffffffu) == 500);
  CHECK(pt_backoff_delay(&c, 1, 0) == 250);
  CHECK(pt_backoff_delay(&c, 2, 0xffffffffu) == 1000);
  CHECK(pt_backoff_delay(&c, 7, 0xffffffffu) == 30000); /* 32000 capped */
  CHECK(pt_backoff_delay(&c, 4000000000u, 0xffffffffu) == 30000);
  CHECK(pt_backoff_delay(&c, 4000000000u, 0) == 15000);
  for (uint32_t attempt = 1; attempt < 100; attempt++) {
    double delay = pt_backoff_delay(&c, attempt, attempt * 2654435761u);
    CHECK(delay >= 250 && delay <= 30000);
  }
}

int main(void) {
  RUN(test_config_rules);
  RUN(test_heartbeat_pings_and_notices_silence);
  RUN(test_late_timers_are_not_silence);
  RUN(test_no_heartbeat_when_off);
  RUN(test_backoff_doubles_with_jitter_and_is_bounded);
  return 0;
}
