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
#include "h264_frames.h"
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
  /* the gateway's session */
  int peers_created, signals, timed_out, channel_timed_out, cancelled, tokens, ice_servers, warnings, lost,
      reconnects;
} outcome;

#define WORKER_RECEIVER 1 /* the client's stream handed off to a receiver (a client's media worker) */
#define WORKER_SENDER 2   /* the host's stream handed off to a sender (a browser host's media worker) */

typedef struct session {
  double now;
  int32_t connection, host, client;     /* the two peers: requests from remote 8 and 9 */
  int32_t host_chat, client_chat;
  int32_t outbound, inbound;            /* the host's stream and the client's */
  int worker;                           /* WORKER_RECEIVER, WORKER_SENDER: streams handed off as to media workers */
  int32_t receiver;                     /* the client's stream's receiver, which takes its media from then on */
  int32_t sender;                       /* the host's stream's sender, which sends its media from then on */
  uint32_t request_id;                  /* the client's stream request, as the host saw it */
  int stream_id;                        /* as announced to the client */
  int video_packets;                    /* host → client, counted to lose one */
  int closing;                          /* from here on, closes are expected */
  int keyframe_wanted;
  pt_stream_counters client_counters;   /* the inbound stream's, before it closes */
  int expect_lost;                      /* the gateway's socket is about to close */
  int glue_errors;                      /* errors of calls the glue makes on its own (receive, timers): logged, the app never sees them */
  char gateway_sent[512];               /* the last message for the gateway */
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
    case PT_EVENT_CONNECTION_READY: s->result.ready++; break;
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
      if (info->handle != (s->worker & WORKER_RECEIVER ? s->receiver : s->inbound)) break;
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
      if (info->handle == s->outbound && s->sender > 0) { /* the client's request, for the sender to ask its encoder */
        failed_if(s, pt_wasm_stream_keyframe_requested(s->sender, s->now) < 0);
        break;
      }
      if (info->handle != (s->sender > 0 ? s->sender : s->outbound)) break;
      s->result.keyframe_requests++;
      s->keyframe_wanted = 1; /* the next frame is one, as an encoder would answer */
      break;
    case PT_EVENT_STREAM_CLOSED:
      /* The worker's glue ends the receiver with its stream, however that ends. */
      if (info->handle == s->inbound && s->receiver > 0) failed_if(s, pt_wasm_stream_end(s->receiver, NULL, 0) < 0);
      if (info->handle == s->outbound && s->sender > 0) failed_if(s, pt_wasm_stream_end(s->sender, NULL, 0) < 0);
      if (info->handle == s->inbound && s->closing) s->result.stream_closed = 1;
      else failed_if(s, !s->closing);
      break;
    case PT_EVENT_CONNECTION_CLOSED:
    case PT_EVENT_PEER_CLOSED:
    case PT_EVENT_CHANNEL_CLOSED: failed_if(s, !s->closing); break;
    case PT_EVENT_CONNECTION_LOST:
      if (s->expect_lost) s->result.lost++;
      else note_error(s, __LINE__);
      break;
    case PT_EVENT_CONNECTION_RECONNECT: /* the glue opens a new socket; here it opens at once */
      s->result.reconnects++;
      failed_if(s, pt_wasm_connection_socket_open(info->handle, s->now) < 0);
      break;
    case PT_EVENT_REQUEST_FAILED:
      if (json_number(json, "code") == PT_ERR_TIMEOUT) s->result.timed_out++;
      else note_error(s, __LINE__);
      break;
    case PT_EVENT_CHANNEL_REQUEST_FAILED:
      if (json_number(json, "code") == PT_ERR_TIMEOUT) s->result.channel_timed_out++;
      else note_error(s, __LINE__);
      break;
    case PT_EVENT_STREAM_REJECTED: note_error(s, __LINE__); break;
    case PT_EVENT_PEER_CREATED:
      s->result.peers_created++;
      if (s->host == 0) s->host = info->handle; /* the gateway session's outgoing attempt, accepted */
      break;
    case PT_EVENT_PEER_SIGNAL: s->result.signals++; break;
    case PT_EVENT_REQUEST_CANCELLED: s->result.cancelled++; break;
    case PT_EVENT_CONNECTION_TOKEN: s->result.tokens++; break;
    case PT_EVENT_CONNECTION_ICE_SERVERS: s->result.ice_servers++; break;
    case PT_EVENT_GATEWAY_ALERT: s->result.warnings++; break;
    default: break;
  }
}

/* Hands a send to the other side, as the two platforms' channels would; the host's 17th video media packet
 * is lost, so that the client asks for it again. */
static void on_send(session *s, const pt_output_info *info, size_t length) {
  int32_t status = PT_OK;
  switch (info->code) {
    case PT_TRANSPORT_GATEWAY: /* kept for the gateway session, which answers it */
      snprintf(s->gateway_sent, sizeof s->gateway_sent, "%s", (const char *)payload);
      return;
    case PT_TRANSPORT_CHANNEL: {
      const int32_t to = info->handle == s->host_chat ? s->client_chat : s->host_chat;
      if (to == 0) return; /* the gateway session's peer is not here */
      status = pt_wasm_channel_receive(to, payload, (uint32_t)length, s->now);
      break;
    }
    case PT_TRANSPORT_CONTROL: {
      const int32_t to = info->handle == s->host ? s->client : s->host;
      if (to == 0) return;
      status = pt_wasm_peer_control_receive(to, (const char *)payload, (uint32_t)length, s->now);
      break;
    }
    case PT_TRANSPORT_VIDEO:
    case PT_TRANSPORT_AUDIO: {
      const int32_t to = info->handle == s->outbound || (s->sender > 0 && info->handle == s->sender) ? s->client : s->host;
      const int media = to == s->client && info->code == PT_TRANSPORT_VIDEO && (payload[1] & 0x7f) == 96;
      if (media && ++s->video_packets == 17) return; /* the first packet of the frame after the second keyframe */
      const int32_t kind = info->code == PT_TRANSPORT_VIDEO ? PT_MEDIA_VIDEO : PT_MEDIA_AUDIO;
      if (to == s->client && s->worker & WORKER_RECEIVER) status = pt_wasm_stream_receive(s->receiver, kind, payload, (uint32_t)length, s->now);
      else if (to == s->host && s->worker & WORKER_SENDER) status = pt_wasm_stream_receive(s->sender, kind, payload, (uint32_t)length, s->now);
      else status = pt_wasm_peer_media_receive(to, kind, payload, (uint32_t)length, s->now);
      break;
    }
    case PT_TRANSPORT_INPUT:
      status = pt_wasm_peer_input_receive(info->handle == s->inbound ? s->host : s->client, payload, (uint32_t)length);
      break;
    default: CHECK(!"an unknown transport");
  }
  /* A receiver may refuse what it cannot take (an allocation it needed failed); the glue only logs that. */
  if (status < 0) s->glue_errors++;
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
    if (pt_wasm_handle_timeout(s->now) < 0) s->glue_errors++;
    pump(s);
  }
}

/* A string field of the last message for the gateway ("" when it is not there). */
static const char *sent_string(session *s, const char *field, char *out, size_t capacity) {
  char key[64];
  snprintf(key, sizeof key, "\"%s\":\"", field);
  const char *at = strstr(s->gateway_sent, key);
  out[0] = 0;
  if (at != NULL) {
    at += strlen(key);
    size_t n = strcspn(at, "\"");
    if (n < capacity) memcpy(out, at, n), out[n] = 0;
  }
  return out;
}

static void gateway_says(session *s, const char *message) {
  if (pt_wasm_connection_receive(s->connection, message, (uint32_t)strlen(message), s->now) < 0) s->glue_errors++;
  pump(s);
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

/* The whole session on a new connection of the (initialised) core; the outcome is in s->result. */
static void run_session(session *s) {
  memset(&s->result, 0, sizeof s->result);
  s->connection = expect_handle(s, pt_wasm_connection_open("key", 3, "", 0, "", 0, s->now));
  for (size_t i = 0; i < 3; i++) {
    const char *message = gateway_messages[i];
    if (pt_wasm_connection_receive(s->connection, message, (uint32_t)strlen(message), s->now) < 0) s->glue_errors++;
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
  static char handed_off[4096];
  if (s->worker & WORKER_RECEIVER && s->inbound > 0) {
    const int32_t length = pt_wasm_stream_hand_off(s->inbound, handed_off, sizeof handed_off);
    failed_if(s, length < 0);
    if (length > 0) s->receiver = expect_handle(s, pt_wasm_stream_open_receiver(handed_off, (uint32_t)length, s->now));
    pump(s);
  }
  if (s->worker & WORKER_SENDER && s->outbound > 0) {
    const int32_t length = pt_wasm_stream_hand_off(s->outbound, handed_off, sizeof handed_off);
    failed_if(s, length < 0);
    if (length > 0) s->sender = expect_handle(s, pt_wasm_stream_open_sender(handed_off, (uint32_t)length));
    pump(s);
  }
  const int32_t source = s->worker & WORKER_SENDER ? s->sender : s->outbound;
  static uint8_t frame[4000];
  for (int i = 0; i < VIDEO_FRAMES; i++) {
    const int key = i == 0 || s->keyframe_wanted;
    s->keyframe_wanted = 0;
    const size_t size = make_frame(frame, i, key, key ? 3500 : 1300);
    failed_if(s, pt_wasm_stream_send_frame(source, PT_MEDIA_VIDEO, frame, (uint32_t)size, i * 33333.0, s->now, 0) < 0);
    if (i < AUDIO_FRAMES) {
      failed_if(s, pt_wasm_stream_send_frame(source, PT_MEDIA_AUDIO, frame, 120, i * 20000.0, s->now, 0) < 0);
    }
    advance(s, 40);
  }
  advance(s, 500); /* the lost packet asked for and sent again */
  pt_wasm_stream_counters(s->worker & WORKER_RECEIVER ? s->receiver : s->inbound, &s->client_counters);

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

/* The gateway's side of things on one connection: an outgoing attempt accepted with signals both ways, one
 * that times out, incoming requests rejected and withdrawn, a warning, the heartbeat renewing the resume
 * token and the ICE servers, the socket lost and the session resumed on a new one, a channel request that
 * times out; then all closed. */
static void run_gateway_session(session *s) {
  memset(&s->result, 0, sizeof s->result);
  char text[600], request_id[80];
  s->connection = expect_handle(s, pt_wasm_connection_open("key", 3, "", 0, "", 0, s->now));
  failed_if(s, pt_wasm_connection_configure(s->connection, 1000, 3000, 100, 400, -1, s->now) < 0);
  gateway_says(s, gateway_messages[0]);

  failed_if(s, pt_wasm_connection_request(s->connection, "5", 1, 20000, s->now) <= 0);
  pump(s);
  sent_string(s, "requestId", request_id, sizeof request_id);
  snprintf(text, sizeof text, "{\"type\":\"accept\",\"requestId\":\"%s\",\"source\":\"5\",\"sourceExternalId\":\"e\"}", request_id);
  gateway_says(s, text);
  static const char offer[] = "{\"sdp\":\"v=0 offer\"}";
  failed_if(s, s->host <= 0 || pt_wasm_peer_signal(s->host, 1, offer, sizeof offer - 1) < 0);
  pump(s);
  snprintf(text, sizeof text, "{\"type\":\"signal\",\"requestId\":\"%s\",\"source\":\"5\",\"kind\":\"answer\",\"data\":{\"sdp\":\"v=0 answer\"}}", request_id);
  gateway_says(s, text);
  snprintf(text, sizeof text, "{\"type\":\"signal\",\"requestId\":\"%s\",\"source\":\"5\",\"kind\":\"candidate\",\"data\":{\"candidate\":\"candidate:1 1 udp 1 127.0.0.1 9 typ host\",\"sdpMid\":\"0\"}}", request_id);
  gateway_says(s, text);

  failed_if(s, pt_wasm_connection_request(s->connection, "6", 1, 500, s->now) <= 0);
  gateway_says(s, "{\"type\":\"request\",\"requestId\":\"z\",\"source\":\"7\"}");
  failed_if(s, pt_wasm_connection_reject(s->connection, "z", 1, "busy", 4) < 0);
  gateway_says(s, "{\"type\":\"request\",\"requestId\":\"w\",\"source\":\"8\"}");
  gateway_says(s, "{\"type\":\"cancel\",\"requestId\":\"w\",\"source\":\"8\"}");
  gateway_says(s, "{\"type\":\"alert\",\"level\":\"warning\",\"code\":10,\"message\":\"out of order\"}");
  advance(s, 1100); /* the attempt to 6 times out; a ping goes */
  snprintf(text, sizeof text,
           "{\"type\":\"pong\",\"id\":%lld,\"resumeToken\":\"t2\",\"iceServers\":[{\"urls\":[\"turn:127.0.0.1:3478\"],"
           "\"username\":\"u\",\"credential\":\"c\"}]}",
           json_number(s->gateway_sent, "id"));
  gateway_says(s, text);

  s->expect_lost = 1;
  failed_if(s, pt_wasm_connection_socket_closed(s->connection, s->now) < 0);
  pump(s);
  advance(s, 500); /* the reconnect: a new socket, the hello again */
  s->expect_lost = 0;
  gateway_says(s, "{\"type\":\"hello\",\"version\":2,\"peerId\":\"1\",\"resumeToken\":\"t3\"}");

  if (s->host > 0) {
    failed_if(s, pt_wasm_peer_report_rtc(s->host, 2, s->now) < 0);
    failed_if(s, pt_wasm_peer_report_control(s->host, 1) < 0);
    s->host_chat = expect_handle(s, pt_wasm_channel_create(s->host, "chat", 4, PT_CHANNEL_RELIABLE, 1024, 65536, 300, 5000, s->now));
    failed_if(s, pt_wasm_channel_report_open(s->host_chat) < 0);
    failed_if(s, pt_wasm_channel_send(s->host_chat, PT_MESSAGE_REQUEST, 0, (const uint8_t *)"ping?", 5, s->now) <= 0);
    pt_wasm_channel_pull(s->host_chat, 1u << 20); /* nobody answers */
    pump(s);
    advance(s, 400);
  }
  s->closing = 1;
  failed_if(s, pt_wasm_peer_close(s->host, PT_ERR_CLOSED) < 0);
  failed_if(s, pt_wasm_connection_close(s->connection, PT_ERR_CLOSED) < 0);
  pump(s);
  s->closing = 0;
}

/* The scenarios: each session's function, where its streams go (WORKER_*), and the longest run of failing
 * allocations tried (not with a receiver or sender: their paths are the same code as without). */
typedef struct scenario {
  const char *name;
  void (*run)(session *s);
  int worker;
  long long longest_run;
} scenario;

static const scenario scenarios[] = {
    {"channels and a stream", run_session, 0, 41},
    {"channels and a stream to a receiver", run_session, WORKER_RECEIVER, 1},
    {"channels and a stream from a sender", run_session, WORKER_SENDER, 1},
    {"the gateway's session", run_gateway_session, 0, 41},
};
#define SCENARIOS (sizeof scenarios / sizeof scenarios[0])

static outcome baseline[SCENARIOS]; /* each scenario's session with nothing failing */
static pt_stream_counters baseline_counters[SCENARIOS]; /* and its client stream's counters */

/* Media is lossy by nature: frames missing are shown when the client's counters have more loss (frames
 * dropped, packets lost, packets dropped for want of memory: the app's stats), as for loss on the network.
 * Everything else is as when nothing fails. */
static double loss(const pt_stream_counters *c) { return c->frames_dropped + c->packets_lost + c->packets_dropped; }

static int media_loss_counted(const session *s, size_t which) {
  outcome a = s->result, b = baseline[which];
  a.errors = b.errors = a.first_error_line = b.first_error_line = 0;
  a.video_frames = b.video_frames = a.audio_frames = b.audio_frames = 0;
  a.keyframe_requests = b.keyframe_requests = 0;
  return memcmp(&a, &b, sizeof a) == 0 && loss(&s->client_counters) > loss(&baseline_counters[which]);
}

/* Everything the session does arrived, as when nothing fails. */
static int complete(const outcome *o, size_t which) {
  outcome a = *o, b = baseline[which];
  a.errors = b.errors = 0;
  a.first_error_line = b.first_error_line = 0;
  return memcmp(&a, &b, sizeof a) == 0;
}

static void print_outcome(const char *what, long long n, const outcome *o) {
  fprintf(stderr,
          "%s %lld: errors %d (first at line %d) ready %d small %d large %d answered %d requested %d announced %d "
          "joined %d video %d audio %d inputs %d keyframes %d closed %d; peers %d signals %d timed out %d/%d "
          "cancelled %d tokens %d ice %d warnings %d lost %d reconnects %d\n",
          what, n, o->errors, o->first_error_line, o->ready, o->small_delivered, o->large_delivered, o->answered,
          o->stream_requested, o->stream_announced, o->stream_joined, o->video_frames, o->audio_frames, o->inputs,
          o->keyframe_requests, o->stream_closed, o->peers_created, o->signals, o->timed_out, o->channel_timed_out,
          o->cancelled, o->tokens, o->ice_servers, o->warnings, o->lost, o->reconnects);
}

/* One run: allocations [from, from + count) of the first session fail; then a second session in the same
 * core, nothing failing, must complete; then shutdown gives everything back. Returns how many failed. */
static long long run_once(size_t which, long long from, long long count) {
  const scenario *sc = &scenarios[which];
  const long long blocks_before = live_blocks;
  allocations = 0;
  failures = 0;
  fail_from = from;
  fail_count = count;
  session s;
  memset(&s, 0, sizeof s);
  s.worker = sc->worker;
  const int32_t init = pt_wasm_init(64, 0, 0);
  if (init == PT_OK) {
    sc->run(&s);
  } else {
    CHECK_EQ(init, PT_ERR_NO_MEMORY);
    note_error(&s, __LINE__);
  }
  const long long failed = failures;
  fail_from = -1;
  if (failed > 0 && !complete(&s.result, which) && s.result.errors == 0 && !media_loss_counted(&s, which)) {
    fprintf(stderr, "%s:\n", sc->name);
    print_outcome("a failure nobody was told of, allocation", from, &s.result);
    const pt_stream_counters *c = &s.client_counters;
    fprintf(stderr, "client stream: frames %g dropped %g packets %g lost %g srtp refused %g nacks %g retransmitted %g keyframe requests %g\n",
            c->video_frames, c->frames_dropped, c->video_packets, c->packets_lost, c->srtp_rejected, c->nacks,
            c->retransmitted, c->keyframe_requests);
    c = &baseline_counters[which];
    fprintf(stderr, "when nothing fails: frames %g dropped %g packets %g lost %g srtp refused %g nacks %g retransmitted %g keyframe requests %g\n",
            c->video_frames, c->frames_dropped, c->video_packets, c->packets_lost, c->srtp_rejected, c->nacks,
            c->retransmitted, c->keyframe_requests);
    CHECK(!"an allocation failed, something was not delivered, and no error said so");
  }
  if (init != PT_OK) CHECK_EQ(pt_wasm_init(64, 0, 0), PT_OK);
  session again;
  memset(&again, 0, sizeof again);
  again.worker = sc->worker;
  again.now = s.now + 60000; /* past every timer the first session left */
  sc->run(&again);
  if (!complete(&again.result, which) || again.result.errors != 0) {
    fprintf(stderr, "%s:\n", sc->name);
    print_outcome("the session after failing allocation", from, &again.result);
    CHECK(!"the core did not recover");
  }
  pt_wasm_shutdown();
  if (live_blocks != blocks_before) {
    fprintf(stderr, "%s: allocation %lld (+%lld) failing: %lld blocks never freed\n", sc->name, from, count,
            live_blocks - blocks_before);
    CHECK(!"a leak");
  }
  return failed;
}

static void test_the_sessions_complete_when_nothing_fails(void) {
  for (size_t i = 0; i < sizeof large; i++) large[i] = (uint8_t)(i * 7 + 1);
  for (size_t which = 0; which < SCENARIOS; which++) {
    session s;
    memset(&s, 0, sizeof s);
    s.worker = scenarios[which].worker;
    CHECK_EQ(pt_wasm_init(64, 0, 0), PT_OK);
    const long long blocks_before = live_blocks;
    allocations = 0;
    scenarios[which].run(&s);
    baseline[which] = s.result;
    baseline_counters[which] = s.client_counters;
    print_outcome(scenarios[which].name, 0, &s.result);
    CHECK(s.result.errors == 0);
    CHECK(allocations > 100); /* the scenario reaches the allocating paths */
    CHECK_EQ(pt_wasm_live_objects(), 0); /* closing the peers closed their channels and streams */
    CHECK(live_blocks >= blocks_before);
    pt_wasm_shutdown();
    if (scenarios[which].run == run_session) {
      /* The first video frame is dropped (a stream's start is unknown to the client); a keyframe is asked
       * for and comes; the lost packet is asked for and comes again. */
      const outcome *o = &s.result;
      CHECK(o->ready == 1 && o->small_delivered && o->large_delivered && o->answered && o->stream_joined &&
            o->inputs == 1 && o->stream_closed);
      CHECK(o->video_frames >= VIDEO_FRAMES - 3 && o->audio_frames >= AUDIO_FRAMES - 1);
      CHECK(s.client_counters.nacks >= 1 && s.client_counters.retransmitted >= 1);
    } else {
      const outcome *o = &s.result;
      CHECK(o->ready == 2 && o->peers_created == 1 && o->signals == 2 && o->timed_out == 1 &&
            o->channel_timed_out == 1 && o->cancelled == 1 && o->tokens == 1 && o->ice_servers == 1 &&
            o->warnings == 1 && o->lost == 1 && o->reconnects == 1);
    }
  }
}

/* Every allocation of each session failing once; runs of failures where the scenario says. */
static void test_every_allocation_failing(void) {
  for (size_t which = 0; which < SCENARIOS; which++) {
    for (long long count = 1; count <= scenarios[which].longest_run; count += 40) {
      long long n = 0;
      while (run_once(which, n, count) > 0) n++;
      fprintf(stderr, "  %s: %lld runs with %lld allocation%s failing\n", scenarios[which].name, n, count,
              count == 1 ? "" : "s");
      CHECK(n > 100);
    }
  }
}

int main(void) {
  trace_failures = getenv("PT_TRACE_FAILURES") != NULL;
  RUN(test_the_sessions_complete_when_nothing_fails);
  RUN(test_every_allocation_failing);
  return 0;
}
