/* The core's timers and lookups with many objects: the deadline it reports is always the earliest of
 * all objects, moves when one object's timers change or it goes, and handle_timeout fires the objects
 * that are due and no others; a peer's streams are found among thousands of other objects. */
#include <stdio.h>
#include <string.h>

#include "channel/channel.h"
#include "core_harness.h"
#include "peer/peer.h"
#include "stream/stream.h"

#define PEERS 8
#define CHANNELS 1500

static pt_handle peers[PEERS];
static pt_handle channels[CHANNELS];
static double open_deadline[CHANNELS];    /* -1 once open or closed */
static double request_deadline[CHANNELS]; /* the one pending request's, or -1 */
static int closed[CHANNELS];
static double reported = -1;              /* the deadline the core last reported */
static int closing = -1;                  /* the channel the app is closing */

static uint64_t rng = 0x2545f4914f6cdd1dull;
static uint32_t next_random(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (uint32_t)(rng >> 32);
}

static int index_of(pt_handle channel) {
  for (int i = 0; i < CHANNELS; i++) {
    if (channels[i] == channel) return i;
  }
  return -1;
}

/* Takes every output: notes the reported deadline and which channels closed and which requests failed,
 * checking why: timeouts only when time passed, PT_ERR_CLOSED only for the channel being closed. */
static void drain(int expect_timeouts) {
  pt_output_info info;
  int type, length;
  while ((type = take_any_output(&info, &length)) != PT_OUTPUT_NONE) {
    if (type == PT_OUTPUT_DEADLINE) reported = info.deadline_ms;
    if (type == PT_OUTPUT_EVENT && info.code == PT_EVENT_CHANNEL_CLOSED) {
      int i = index_of(info.handle);
      CHECK(i >= 0 && !closed[i]);
      if (i == closing) CHECK(strstr(out_buf, "PT_ERR_CLOSED") != NULL);
      else CHECK(expect_timeouts && strstr(out_buf, "PT_ERR_TIMEOUT") != NULL);
      closed[i] = 1;
    }
    if (type == PT_OUTPUT_EVENT && info.code == PT_EVENT_CHANNEL_REQUEST_FAILED) {
      int i = index_of(info.handle);
      CHECK(i >= 0 && (expect_timeouts || i == closing) && request_deadline[i] >= 0);
      request_deadline[i] = -1;
    }
  }
}

/* The earliest deadline of the model, the peers' (far away) included. */
static double model_earliest(void) {
  double earliest = 1e12; /* the peers' connect deadline */
  for (int i = 0; i < CHANNELS; i++) {
    if (closed[i]) continue;
    if (open_deadline[i] >= 0 && open_deadline[i] < earliest) earliest = open_deadline[i];
    if (request_deadline[i] >= 0 && request_deadline[i] < earliest) earliest = request_deadline[i];
  }
  return earliest;
}

static void start(void) {
  pt_core_config config;
  pt_core_config_default(&config); /* 4,096 objects */
  CHECK_EQ(pt_core_init(&core, &config), PT_OK);
  for (int i = 0; i < CHANNELS; i++) {
    channels[i] = 0;
    open_deadline[i] = request_deadline[i] = -1;
    closed[i] = 0;
  }
  pt_handle connection = ready_connection("1");
  for (int p = 0; p < PEERS; p++) {
    char request[128], id[16];
    snprintf(id, sizeof id, "r%d", p);
    snprintf(request, sizeof request, "{\"type\":\"request\",\"requestId\":\"%s\",\"source\":\"%d\"}", id, 100 + p);
    feed(connection, request, PT_OK);
    peers[p] = pt_connection_accept(&core, connection, id, 1e12, 0);
    CHECK(peers[p] > 0);
  }
  drain(0);
  CHECK(reported == 1e12);
}

static void test_deadline_follows_many_channels(void) {
  start();
  /* Channels with open deadlines all over the place, most later than the first ones. */
  for (int i = 0; i < CHANNELS; i++) {
    char label[16];
    snprintf(label, sizeof label, "c%d", i);
    double timeout = 1000.0 + (double)(next_random() % 100000) + 0.25 * (i % 4);
    pt_channel_options options = {PT_CHANNEL_RELIABLE, 1024, 65536, 1000, timeout};
    channels[i] = pt_channel_create(&core, peers[i % PEERS], label, &options, 0);
    CHECK(channels[i] > 0);
    open_deadline[i] = timeout;
    request_deadline[i] = -1;
    drain(0);
    CHECK(reported == model_earliest());
  }
  double now = 0;
  for (int step = 0; step < 4000; step++) {
    int i = (int)(next_random() % CHANNELS);
    uint32_t op = next_random() % 8;
    if (closed[i]) continue;
    if (op < 3 && open_deadline[i] >= 0) { /* opens: its deadline goes */
      CHECK_EQ(pt_channel_report_open(&core, channels[i]), PT_OK);
      open_deadline[i] = -1;
    } else if (op < 5 && open_deadline[i] < 0 && request_deadline[i] < 0) { /* a request: a new deadline */
      CHECK(pt_channel_send(&core, channels[i], PT_MESSAGE_REQUEST, 0, (const uint8_t *)"?", 1, now) > 0);
      request_deadline[i] = now + 1000;
    } else if (op == 5) { /* closed by the app: it goes, timers and all */
      closing = i;
      CHECK_EQ(pt_channel_close(&core, channels[i], PT_ERR_CLOSED), PT_OK);
      drain(0);
      CHECK(closed[i] && request_deadline[i] < 0);
      open_deadline[i] = -1;
      closing = -1;
    } else if (op >= 6) { /* time passes: exactly the channels due time out */
      now += (double)(next_random() % 400);
      CHECK_EQ(pt_core_handle_timeout(&core, now), PT_OK);
      drain(1);
      for (int k = 0; k < CHANNELS; k++) {
        CHECK(closed[k] || open_deadline[k] < 0 || open_deadline[k] > now);
        CHECK(closed[k] || request_deadline[k] < 0 || request_deadline[k] > now);
        if (closed[k]) open_deadline[k] = request_deadline[k] = -1;
      }
    }
    drain(0);
    CHECK(reported == model_earliest());
  }
  /* Whatever is left times out at its own deadline, and the deadline then goes. */
  for (int round = 0; round < 10000 && model_earliest() < 1e12; round++) {
    now = model_earliest();
    CHECK_EQ(pt_core_handle_timeout(&core, now - 0.01), PT_OK); /* a timer that fired early fires nothing */
    drain(1);
    CHECK(reported == now);
    CHECK_EQ(pt_core_handle_timeout(&core, now), PT_OK);
    drain(1);
    for (int k = 0; k < CHANNELS; k++) if (closed[k]) open_deadline[k] = request_deadline[k] = -1;
  }
  CHECK(reported == 1e12);
  pt_core_destroy(&core);
}

static pt_handle outbound_stream(pt_handle peer, uint8_t id) {
  pt_stream_description d;
  memset(&d, 0, sizeof d);
  d.stream_id = id;
  strcpy(d.video_codec, "vp8");
  d.width = d.height = 64;
  d.frame_rate = 30;
  pt_handle stream = pt_stream_create_outbound(&core, peer, &d);
  CHECK(stream > 0);
  pt_media_kind kind;
  CHECK_EQ(pt_stream_find_by_ssrc(&core, peer, d.video_ssrc, 0, &kind), stream);
  CHECK_EQ(kind, PT_MEDIA_VIDEO);
  return stream;
}

static void test_streams_found_among_many_objects(void) {
  start();
  for (int i = 0; i < 2000; i++) { /* objects that hold timers, in the slots before the streams */
    char label[16];
    snprintf(label, sizeof label, "c%d", i);
    pt_channel_options options = {PT_CHANNEL_RELIABLE, 1024, 65536, 1000, 5000};
    CHECK(pt_channel_create(&core, peers[i % PEERS], label, &options, 0) > 0);
  }
  pt_handle a[3], b = outbound_stream(peers[1], 7);
  for (int i = 0; i < 3; i++) a[i] = outbound_stream(peers[0], (uint8_t)(7 + i));
  CHECK_EQ(pt_stream_find(&core, peers[0], 7, 0), a[0]);
  CHECK_EQ(pt_stream_find(&core, peers[1], 7, 0), b);
  CHECK_EQ(pt_stream_find(&core, peers[0], 7, 1), 0);
  CHECK_EQ(pt_stream_find(&core, peers[2], 7, 0), 0);
  /* The peer keeps its streams in the order they came, also when one in the middle goes. */
  const pt_handle *list = NULL;
  CHECK_EQ(pt_peer_streams(&core, peers[0], &list), 3);
  CHECK(list[0] == a[0] && list[1] == a[1] && list[2] == a[2]);
  CHECK_EQ(pt_stream_close(&core, a[1], PT_ERR_CLOSED), PT_OK);
  CHECK_EQ(pt_peer_streams(&core, peers[0], &list), 2);
  CHECK(list[0] == a[0] && list[1] == a[2]);
  CHECK_EQ(pt_stream_find(&core, peers[0], 8, 0), 0);
  /* A peer that closes takes its streams with it, and only its own. */
  CHECK_EQ(pt_peer_close(&core, peers[0], PT_ERR_CLOSED), PT_OK);
  CHECK_EQ(pt_stream_description_of(&core, a[0], &(pt_stream_description){0}), PT_ERR_STALE_HANDLE);
  CHECK_EQ(pt_stream_description_of(&core, a[2], &(pt_stream_description){0}), PT_ERR_STALE_HANDLE);
  CHECK_EQ(pt_stream_find(&core, peers[1], 7, 0), b);
  CHECK_EQ(pt_peer_streams(&core, peers[0], &list), PT_ERR_STALE_HANDLE);
  pt_core_destroy(&core);
}

int main(void) {
  RUN(test_deadline_follows_many_channels);
  RUN(test_streams_found_among_many_objects);
  return 0;
}
