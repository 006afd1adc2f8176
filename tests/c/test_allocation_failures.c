/* Fault injection across the whole core. One session through the wasm exports (src/wasm/boundary.c, called
 * as js/core/wasm.js calls them): a gateway hello, two peers, app channels with a small message, a chunked
 * one and a request answered, a stream requested, announced and joined, video with a lost packet (NACK,
 * retransmission) and keyframe requests answered, audio, input, then everything closed. It runs once for
 * every allocation it makes, with that allocation failing, and again with it and the next 40 failing
 * (memory that stays short). Each run must:
 *  - not crash (and, in the ASan build, touch nothing it should not);
 *  - either still deliver everything or show the failure (an export's error, an error event, a close);
 *  - leave the core usable: the same session, nothing failing, then completes in the same core;
 *  - give back every allocation when the core is shut down (counted here, in both builds).
 * malloc, calloc, realloc and free of every object linked in (the core, cJSON, libsrtp2) are wrapped with
 * the linker's --wrap (see CMakeLists.txt), so the test decides which allocation fails. */
#include <execinfo.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel/channel.h"
#include "check.h"
#include "core/core.h"
#include "stream/stream.h"
#include "wasm/boundary.h"

void *__real_malloc(size_t size);
void *__real_calloc(size_t count, size_t size);
void *__real_realloc(void *pointer, size_t size);
void __real_free(void *pointer);

static long long live_blocks;   /* blocks handed out and not yet freed */
static long long allocations;   /* allocation calls so far (failed ones included) */
static long long fail_from = -1; /* the first allocation to fail (-1: none) */
static long long fail_count;    /* how many in a row from there */
static long long failures;      /* allocations failed so far */

static int trace_failures; /* PT_TRACE_FAILURES set: each failed allocation's call stack to stderr */

static int should_fail(void) {
  const long long n = allocations++;
  if (fail_from >= 0 && n >= fail_from && n < fail_from + fail_count) {
    failures++;
    if (trace_failures) {
      void *frames[8];
      fprintf(stderr, "allocation %lld fails:\n", n);
      backtrace_symbols_fd(frames, backtrace(frames, 8), 2);
    }
    return 1;
  }
  return 0;
}

void *__wrap_malloc(size_t size) {
  if (should_fail()) return NULL;
  void *block = __real_malloc(size);
  if (block != NULL) live_blocks++;
  return block;
}

void *__wrap_calloc(size_t count, size_t size) {
  if (should_fail()) return NULL;
  void *block = __real_calloc(count, size);
  if (block != NULL) live_blocks++;
  return block;
}

void *__wrap_realloc(void *pointer, size_t size) {
  if (pointer == NULL) return __wrap_malloc(size);
  if (size == 0) { /* glibc frees the block */
    live_blocks--;
    return __real_realloc(pointer, size);
  }
  if (should_fail()) return NULL; /* the old block stays as it was */
  return __real_realloc(pointer, size);
}

void __wrap_free(void *pointer) {
  if (pointer != NULL) live_blocks--;
  __real_free(pointer);
}

/* ---- the session ---- */

#define CHAT_SMALL "hello over the chat channel"
#define CHAT_LARGE 20000 /* 20 chunks of 1 KiB */
#define VIDEO_FRAMES 8
#define AUDIO_FRAMES 4

typedef struct outcome {
  int errors;             /* exports that failed, error events, closes nobody asked for */
  int first_error_line;   /* where in this file the first was seen */
  int ready;              /* the gateway's hello arrived */
  int small_delivered, large_delivered, answered; /* answered: the client's request got the host's response */
  int stream_requested, stream_announced, stream_joined;
  int video_frames, audio_frames, inputs, keyframe_requests; /* as many as when nothing fails */
  int stream_closed;      /* the client saw the host stop the stream */
} outcome;

typedef struct session {
  double now;
  int32_t connection, host, client;     /* the two peers: requests from remote 8 and 9 */
  int32_t host_chat, client_chat;
  int32_t outbound, inbound;            /* the host's stream and the client's */
  int worker;                           /* the client's stream handed off to a receiver, as to a media worker */
  int32_t receiver;                     /* ...which takes the client's media from then on */
  uint32_t request_id;                  /* the client's stream request, as the host saw it */
  int stream_id;                        /* as announced to the client */
  int video_packets;                    /* host → client, counted to lose one */
  int closing;                          /* from here on, closes are expected */
  int keyframe_wanted;
  pt_stream_counters client_counters;   /* the inbound stream's, before it closes */
  outcome result;
} session;

static uint8_t payload[1 << 17];
static uint8_t large[CHAT_LARGE];

static void note_error(session *s, int line) {
  if (s->result.errors++ == 0) s->result.first_error_line = line;
}
#define failed_if(s, condition) \
  do {                          \
    if (condition) note_error(s, __LINE__); \
  } while (0)

/* A number field of an event's JSON payload (0 when it is not there). */
static long long json_number(const char *json, const char *field) {
  char key[64];
  snprintf(key, sizeof key, "\"%s\":", field);
  const char *at = strstr(json, key);
  return at == NULL ? 0 : strtoll(at + strlen(key), NULL, 10);
}

static void on_event(session *s, const pt_output_info *info, size_t length) {
  const char *json = (const char *)payload;
  switch (info->code) {
    case PT_EVENT_CONNECTION_READY: s->result.ready = 1; break;
    case PT_EVENT_CHANNEL_MESSAGE: {
      /* [kind u8][message id u32][data] */
      const uint8_t *data = payload + 5;
      const size_t size = length - 5;
      if (info->handle == s->client_chat && size == strlen(CHAT_SMALL) && memcmp(data, CHAT_SMALL, size) == 0) {
        s->result.small_delivered = 1;
      } else if (info->handle == s->host_chat && payload[0] == PT_MESSAGE_REQUEST && size == 5 && memcmp(data, "ping?", 5) == 0) {
        const uint32_t id = (uint32_t)payload[1] << 24 | (uint32_t)payload[2] << 16 | (uint32_t)payload[3] << 8 | payload[4];
        failed_if(s, pt_wasm_channel_send(s->host_chat, PT_MESSAGE_RESPONSE, id, (const uint8_t *)"pong", 4, s->now) < 0);
      } else if (info->handle == s->client_chat && payload[0] == PT_MESSAGE_RESPONSE && size == 4 && memcmp(data, "pong", 4) == 0) {
        s->result.answered = 1;
      } else if (info->handle == s->host_chat && size == CHAT_LARGE && memcmp(data, large, size) == 0) {
        s->result.large_delivered = 1;
      } else {
        note_error(s, __LINE__); /* anything else would be a corrupt message */
        CHECK(!"a message arrived that was never sent");
      }
      break;
    }
    case PT_EVENT_STREAM_REQUESTED:
      s->result.stream_requested = 1;
      s->request_id = (uint32_t)json_number(json, "requestId");
      break;
    case PT_EVENT_STREAM_ANNOUNCED:
      s->result.stream_announced = 1;
      s->stream_id = (int)json_number(json, "id");
      break;
    case PT_EVENT_STREAM_JOINED: s->result.stream_joined = 1; break;
    case PT_EVENT_STREAM_FRAME:
      if (info->handle != (s->worker ? s->receiver : s->inbound)) break;
      if (payload[0] == PT_MEDIA_VIDEO) s->result.video_frames++;
      else s->result.audio_frames++;
      break;
    case PT_EVENT_STREAM_INPUT:
      if (info->handle == s->outbound) s->result.inputs++;
      break;
    case PT_EVENT_KEYFRAME_REQUESTED:
      if (info->handle == s->receiver) { /* a receiver's request goes out through its stream's core */
        failed_if(s, pt_wasm_stream_send_keyframe_request(s->inbound) < 0);
        break;
      }
      if (info->handle != s->outbound) break;
      s->result.keyframe_requests++;
      s->keyframe_wanted = 1; /* the next frame is one, as an encoder would answer */
      break;
    case PT_EVENT_STREAM_CLOSED:
      /* The worker's glue ends the receiver with its stream, however that ends. */
      if (info->handle == s->inbound && s->receiver > 0) failed_if(s, pt_wasm_stream_end(s->receiver, NULL, 0) < 0);
      if (info->handle == s->inbound && s->closing) s->result.stream_closed = 1;
      else failed_if(s, !s->closing);
      break;
    case PT_EVENT_CONNECTION_CLOSED:
    case PT_EVENT_CONNECTION_LOST:
    case PT_EVENT_PEER_CLOSED:
    case PT_EVENT_CHANNEL_CLOSED: failed_if(s, !s->closing); break;
    case PT_EVENT_REQUEST_FAILED:
    case PT_EVENT_CHANNEL_REQUEST_FAILED:
    case PT_EVENT_STREAM_REJECTED: note_error(s, __LINE__); break;
    case PT_EVENT_GATEWAY_ALERT: failed_if(s, strstr(json, "\"level\":\"error\"") != NULL); break;
    default: break;
  }
}

/* Hands a send to the other side, as the two platforms' channels would; the host's 17th video media packet
 * is lost, so that the client asks for it again. */
static void on_send(session *s, const pt_output_info *info, size_t length) {
  int32_t status = PT_OK;
  switch (info->code) {
    case PT_TRANSPORT_GATEWAY: return; /* signaling: no gateway here */
    case PT_TRANSPORT_CHANNEL:
      status = pt_wasm_channel_receive(info->handle == s->host_chat ? s->client_chat : s->host_chat, payload,
                                       (uint32_t)length, s->now);
      break;
    case PT_TRANSPORT_CONTROL:
      status = pt_wasm_peer_control_receive(info->handle == s->host ? s->client : s->host, (const char *)payload,
                                            (uint32_t)length, s->now);
      break;
    case PT_TRANSPORT_VIDEO:
    case PT_TRANSPORT_AUDIO: {
      const int32_t to = info->handle == s->outbound ? s->client : s->host;
      const int media = to == s->client && info->code == PT_TRANSPORT_VIDEO && (payload[1] & 0x7f) == 96;
      if (media && ++s->video_packets == 17) return; /* the first packet of the frame after the second keyframe */
      const int32_t kind = info->code == PT_TRANSPORT_VIDEO ? PT_MEDIA_VIDEO : PT_MEDIA_AUDIO;
      if (to == s->client && s->worker) status = pt_wasm_stream_receive(s->receiver, kind, payload, (uint32_t)length, s->now);
      else status = pt_wasm_peer_media_receive(to, kind, payload, (uint32_t)length, s->now);
      break;
    }
    case PT_TRANSPORT_INPUT:
      status = pt_wasm_peer_input_receive(info->handle == s->inbound ? s->host : s->client, payload, (uint32_t)length);
      break;
    default: CHECK(!"an unknown transport");
  }
  /* A receiver may refuse what it cannot take (an allocation it needed failed): that is its error. */
  failed_if(s, status < 0);
}

/* Takes and dispatches every output, including what dispatching queues. */
static void pump(session *s) {
  for (;;) {
    pt_output_info info;
    const int32_t kind = pt_wasm_output_next(&info);
    if (kind == PT_OUTPUT_NONE || kind == PT_ERR_STATE) return;
    const int32_t length = pt_wasm_output_take(payload, sizeof payload - 1);
    CHECK(length >= 0);
    payload[length] = 0;
    if (kind == PT_OUTPUT_EVENT) on_event(s, &info, (size_t)length);
    if (kind == PT_OUTPUT_SEND) on_send(s, &info, (size_t)length);
  }
}

/* Lets time pass in steps of 10 ms (pacing, NACK and retransmission timers), pumping at each. */
static void advance(session *s, double ms) {
  for (double end = s->now + ms; s->now < end;) {
    s->now += 10;
    failed_if(s, pt_wasm_handle_timeout(s->now) < 0);
    pump(s);
  }
}

static int32_t expect_handle(session *s, int32_t handle) {
  failed_if(s, handle <= 0);
  return handle;
}

static const char *const gateway_messages[] = {
    "{\"type\":\"hello\",\"version\":2,\"peerId\":\"1\",\"resumeToken\":\"t\"}",
    "{\"type\":\"request\",\"requestId\":\"x\",\"source\":\"8\"}",
    "{\"type\":\"request\",\"requestId\":\"y\",\"source\":\"9\"}"};

static const char announcement[] =
    "{\"type\":\"stream-announce\",\"requestId\":0,\"stream\":{\"id\":3,\"type\":0,\"defaultInputLevel\":32,"
    "\"videoSsrc\":0,\"audioSsrc\":0,\"srtpKey\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\","
    "\"video\":{\"codec\":\"avc1.42e01f\",\"width\":64,\"height\":64,\"frameRate\":30},"
    "\"audio\":{\"codec\":\"opus\",\"sampleRate\":48000,\"channels\":2}}}";

static size_t make_frame(uint8_t *frame, int index, int key, size_t size) {
  static const uint8_t start[] = {0, 0, 0, 1};
  memcpy(frame, start, 4);
  frame[4] = key ? 0x65 : 0x41;
  for (size_t i = 5; i < size; i++) frame[i] = (uint8_t)(i * 13 + (size_t)index);
  return size;
}

/* The whole session on a new connection of the (initialised) core; the outcome is in s->result. */
static void run_session(session *s) {
  memset(&s->result, 0, sizeof s->result);
  s->connection = expect_handle(s, pt_wasm_connection_open("key", 3, "", 0, "", 0, s->now));
  for (size_t i = 0; i < 3; i++) {
    const char *message = gateway_messages[i];
    failed_if(s, pt_wasm_connection_receive(s->connection, message, (uint32_t)strlen(message), s->now) < 0);
  }
  pump(s);
  s->host = expect_handle(s, pt_wasm_connection_accept(s->connection, "x", 1, 1e9, s->now));
  s->client = expect_handle(s, pt_wasm_connection_accept(s->connection, "y", 1, 1e9, s->now));
  for (int i = 0; i < 2; i++) {
    const int32_t peer = i == 0 ? s->host : s->client;
    failed_if(s, pt_wasm_peer_report_rtc(peer, 2, s->now) < 0);
    failed_if(s, pt_wasm_peer_report_control(peer, 1) < 0);
  }
  pump(s);

  /* App channels: a small message one way, a chunked one the other. */
  s->host_chat = expect_handle(s, pt_wasm_channel_create(s->host, "chat", 4, PT_CHANNEL_RELIABLE, 1024, 65536, 5000, 5000, s->now));
  s->client_chat = expect_handle(s, pt_wasm_channel_create(s->client, "chat", 4, PT_CHANNEL_RELIABLE, 1024, 65536, 5000, 5000, s->now));
  failed_if(s, pt_wasm_channel_report_open(s->host_chat) < 0);
  failed_if(s, pt_wasm_channel_report_open(s->client_chat) < 0);
  pump(s);
  failed_if(s, pt_wasm_channel_send(s->host_chat, 0, 0, (const uint8_t *)CHAT_SMALL, strlen(CHAT_SMALL), s->now) < 0);
  failed_if(s, pt_wasm_channel_send(s->client_chat, 0, 0, large, sizeof large, s->now) < 0);
  failed_if(s, pt_wasm_channel_send(s->client_chat, PT_MESSAGE_REQUEST, 0, (const uint8_t *)"ping?", 5, s->now) <= 0);
  /* Pulled as data-channel.js does: again while a backlog is left (a failed pull keeps what it had). */
  for (int i = 0; i < 40; i++) {
    pt_wasm_channel_pull(s->host_chat, 1u << 20);
    pt_wasm_channel_pull(s->client_chat, 2048);
    pump(s);
    if (pt_wasm_channel_backlog(s->host_chat) <= 0 && pt_wasm_channel_backlog(s->client_chat) <= 0) break;
  }

  /* A stream: requested by the client, announced by the host, joined. */
  failed_if(s, pt_wasm_peer_request_stream(s->client, 32) <= 0);
  pump(s);
  if (s->result.stream_requested) {
    s->outbound = expect_handle(s, pt_wasm_peer_announce_stream(s->host, announcement, sizeof announcement - 1, s->request_id));
    pump(s);
  }
  if (s->result.stream_announced) {
    s->inbound = expect_handle(s, pt_wasm_peer_join_stream(s->client, (uint32_t)s->stream_id, s->now));
    pump(s);
  }
  if (s->worker && s->inbound > 0) {
    static char handed_off[4096];
    const int32_t length = pt_wasm_stream_hand_off(s->inbound, handed_off, sizeof handed_off);
    failed_if(s, length < 0);
    if (length > 0) s->receiver = expect_handle(s, pt_wasm_stream_open_receiver(handed_off, (uint32_t)length, s->now));
    pump(s);
  }
  static uint8_t frame[4000];
  for (int i = 0; i < VIDEO_FRAMES; i++) {
    const int key = i == 0 || s->keyframe_wanted;
    s->keyframe_wanted = 0;
    const size_t size = make_frame(frame, i, key, key ? 3500 : 1300);
    failed_if(s, pt_wasm_stream_send_frame(s->outbound, PT_MEDIA_VIDEO, frame, (uint32_t)size, i * 33333.0, s->now, 0) < 0);
    if (i < AUDIO_FRAMES) {
      failed_if(s, pt_wasm_stream_send_frame(s->outbound, PT_MEDIA_AUDIO, frame, 120, i * 20000.0, s->now, 0) < 0);
    }
    advance(s, 40);
  }
  advance(s, 500); /* the lost packet asked for and sent again */
  pt_wasm_stream_counters(s->worker ? s->receiver : s->inbound, &s->client_counters);

  /* Input from the client, a keyframe request, then the host stops the stream. */
  static const char key_down[] = "{\"type\":5,\"action\":1,\"key\":65}";
  char field[32];
  failed_if(s, pt_wasm_stream_send_input(s->inbound, key_down, sizeof key_down - 1, s->now, field, sizeof field) < 0);
  failed_if(s, pt_wasm_stream_request_keyframe(s->inbound, s->now) < 0);
  advance(s, 50);
  s->closing = 1;
  failed_if(s, pt_wasm_stream_end(s->outbound, "done", 4) < 0);
  pump(s);
  failed_if(s, pt_wasm_channel_close(s->host_chat, PT_ERR_CLOSED) < 0);
  failed_if(s, pt_wasm_peer_close(s->host, PT_ERR_CLOSED) < 0); /* the client's channel stays open */
  failed_if(s, pt_wasm_peer_close(s->client, PT_ERR_CLOSED) < 0); /* peers outlive their gateway connection */
  failed_if(s, pt_wasm_connection_close(s->connection, PT_ERR_CLOSED) < 0);
  pump(s);
  s->closing = 0;
}

static outcome baseline[2]; /* the session with nothing failing, without and with a receiver */

/* Everything the session does arrived, as when nothing fails. */
static int complete(const outcome *o, int worker) {
  const outcome *b = &baseline[worker];
  return o->ready && o->small_delivered && o->large_delivered && o->answered && o->stream_requested && o->stream_announced &&
         o->stream_joined && o->video_frames == b->video_frames && o->audio_frames == b->audio_frames &&
         o->inputs == 1 && o->keyframe_requests == b->keyframe_requests && o->stream_closed;
}

static void print_outcome(const char *what, long long n, const outcome *o) {
  fprintf(stderr,
          "%s %lld: errors %d (first at line %d) ready %d small %d large %d answered %d requested %d announced %d joined %d video %d audio %d "
          "inputs %d keyframes %d closed %d\n",
          what, n, o->errors, o->first_error_line, o->ready, o->small_delivered, o->large_delivered, o->answered, o->stream_requested,
          o->stream_announced, o->stream_joined, o->video_frames, o->audio_frames, o->inputs, o->keyframe_requests,
          o->stream_closed);
}

/* One run: allocations [from, from + count) of the first session fail; then a second session in the same
 * core, nothing failing, must complete; then shutdown gives everything back. Returns how many failed. */
static long long run_once(int worker, long long from, long long count) {
  const long long blocks_before = live_blocks;
  allocations = 0;
  failures = 0;
  fail_from = from;
  fail_count = count;
  session s;
  memset(&s, 0, sizeof s);
  s.worker = worker;
  const int32_t init = pt_wasm_init(64, 0, 0);
  if (init == PT_OK) {
    run_session(&s);
  } else {
    CHECK_EQ(init, PT_ERR_NO_MEMORY);
    s.result.errors++;
  }
  const long long failed = failures;
  fail_from = -1;
  if (failed > 0 && !complete(&s.result, worker) && s.result.errors == 0) {
    print_outcome("a failure nobody was told of, allocation", from, &s.result);
    CHECK(!"an allocation failed, something was not delivered, and no error said so");
  }
  if (init != PT_OK) CHECK_EQ(pt_wasm_init(64, 0, 0), PT_OK);
  session again;
  memset(&again, 0, sizeof again);
  again.worker = worker;
  again.now = s.now + 60000; /* past every timer the first session left */
  run_session(&again);
  if (!complete(&again.result, worker) || again.result.errors != 0) {
    print_outcome("the session after failing allocation", from, &again.result);
    CHECK(!"the core did not recover");
  }
  pt_wasm_shutdown();
  if (live_blocks != blocks_before) {
    fprintf(stderr, "allocation %lld (+%lld) failing: %lld blocks never freed\n", from, count, live_blocks - blocks_before);
    CHECK(!"a leak");
  }
  return failed;
}

static void test_the_session_completes_when_nothing_fails(void) {
  for (size_t i = 0; i < sizeof large; i++) large[i] = (uint8_t)(i * 7 + 1);
  for (int worker = 0; worker <= 1; worker++) {
    session s;
    memset(&s, 0, sizeof s);
    s.worker = worker;
    CHECK_EQ(pt_wasm_init(64, 0, 0), PT_OK);
    const long long blocks_before = live_blocks;
    allocations = 0;
    run_session(&s);
    baseline[worker] = s.result;
    print_outcome(worker ? "nothing failing, a receiver" : "nothing failing", 0, &s.result);
    CHECK(s.result.errors == 0 && complete(&s.result, worker));
    /* The first video frame is dropped (a stream's start is unknown to the client); a keyframe is asked for
     * and comes; the lost packet is asked for and comes again. */
    CHECK(s.result.video_frames >= VIDEO_FRAMES - 3 && s.result.audio_frames >= AUDIO_FRAMES - 1);
    CHECK(s.client_counters.nacks >= 1 && s.client_counters.retransmitted >= 1);
    CHECK(allocations > 100); /* the scenario reaches the allocating paths */
    CHECK_EQ(pt_wasm_live_objects(), 0); /* closing the peers closed their channels and streams */
    CHECK(live_blocks >= blocks_before);
    pt_wasm_shutdown();
  }
}

/* Every allocation of the session failing once, without and with a receiver; then runs of 41 failing from
 * each (without: the receiver's paths are the same code). */
static void test_every_allocation_failing(void) {
  for (int worker = 0; worker <= 1; worker++) {
    for (long long count = 1; count <= (worker ? 1 : 41); count += 40) {
      long long n = 0;
      while (run_once(worker, n, count) > 0) n++;
      fprintf(stderr, "  %lld runs with %lld allocation%s failing%s\n", n, count, count == 1 ? "" : "s",
              worker ? ", a receiver" : "");
      CHECK(n > 100);
    }
  }
}

int main(void) {
  trace_failures = getenv("PT_TRACE_FAILURES") != NULL;
  RUN(test_the_session_completes_when_nothing_fails);
  RUN(test_every_allocation_failing);
  return 0;
}
