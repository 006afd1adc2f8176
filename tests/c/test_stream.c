#include "stream/stream.h"

#include <stdlib.h>
#include <string.h>

#include "core_harness.h"
#include "h264_frames.h"
#include "media/feedback.h"
#include "stream/video_sender.h"
#include "peer/peer.h"
#include "peer/peer_control.h"

static pt_handle host_peer, client_peer;
static uint8_t packets[64][PT_STREAM_MAX_PACKET + 16];
static size_t packet_lengths[64];
static double clock_ms; /* the host's clock: advanced to let the pacer release what it holds */

/* One core with two peers; an outbound stream on one and the matching inbound stream on the other. */
static int without_first_seq; /* the client is not told where the host's sequence numbers start */

static void streams(pt_handle *outbound, pt_handle *inbound) {
  start_core(1000);
  accept_two_peers(&host_peer, &client_peer);
  pt_stream_description description;
  memset(&description, 0, sizeof description);
  description.stream_id = 4;
  strcpy(description.video_codec, "avc1.42e01f");
  description.width = 64;
  description.height = 64;
  description.frame_rate = 30;
  strcpy(description.audio_codec, "opus");
  description.sample_rate = 48000;
  description.channels = 2;
  *outbound = pt_stream_create_outbound(&core, host_peer, &description);
  CHECK(*outbound > 0);
  CHECK(description.video_ssrc != description.audio_ssrc); /* filled in by the core, with the key */
  CHECK_EQ(description.has_first_seq, 1); /* and the sequence numbers' start */
  description.has_first_seq = !without_first_seq;
  *inbound = pt_stream_create_inbound(&core, client_peer, &description, 0);
  CHECK(*inbound > 0);
  CHECK_EQ(pt_stream_create_inbound(&core, client_peer, &description, 0), PT_ERR_EXISTS);
  drain_all();
}

/* Lets the pacer release what it holds, then takes every queued video media packet of the outbound
 * stream (not parity packets or sender reports); returns how many. */
static int take_packets(pt_handle outbound) {
  clock_ms += 100;
  pt_core_handle_timeout(&core, clock_ms);
  int n = 0;
  pt_output_info info;
  int type;
  while ((type = pt_output_queue_peek(&core.outputs, &info)) != PT_OUTPUT_NONE) {
    if (type != PT_OUTPUT_SEND || info.handle != outbound) { /* deadlines, the client's feedback */
      pt_output_queue_take(&core.outputs, packets[n], sizeof packets[n]);
      continue;
    }
    CHECK_EQ(info.code, PT_TRANSPORT_VIDEO);
    int length = pt_output_queue_take(&core.outputs, packets[n], sizeof packets[n]);
    CHECK(length > 12);
    if (pt_feedback_is_feedback(packets[n], (size_t)length) || (packets[n][1] & 0x7f) == PT_VIDEO_FEC_PAYLOAD_TYPE) continue;
    packet_lengths[n++] = (size_t)length;
  }
  return n;
}

/* Takes the client's feedback messages (video channel sends of the inbound stream) queued next. */
static void skip_feedback(pt_handle inbound) {
  pt_output_info info;
  while (pt_output_queue_peek(&core.outputs, &info) == PT_OUTPUT_SEND && info.handle == inbound &&
         info.code == PT_TRANSPORT_VIDEO) {
    CHECK(pt_output_queue_take(&core.outputs, out_buf, sizeof out_buf) > 0);
  }
}

static int expect_frame(pt_handle inbound, const uint8_t *frame, size_t length, int key) {
  skip_feedback(inbound);
  int got = expect_output(PT_OUTPUT_EVENT, inbound, PT_EVENT_STREAM_FRAME);
  CHECK_EQ(got, 20 + (int)length);
  CHECK_EQ((uint8_t)out_buf[0], PT_MEDIA_VIDEO);
  CHECK_EQ((uint8_t)out_buf[1], key);
  CHECK(memcmp(out_buf + 20, frame, length) == 0);
  return got;
}

/* Told where the host's sequence numbers start, the client shows the first frame; not told (joined late),
 * it cannot verify the first frame's start, drops it and asks for a keyframe. */
static void frames_cross_srtp_and_assembly(int told) {
  pt_handle outbound, inbound;
  without_first_seq = !told;
  streams(&outbound, &inbound);
  without_first_seq = 0;
  static uint8_t frame[6000];
  for (int i = 0; i < 4; i++) {
    size_t length = make_frame(frame, i, i < 2, 3000 + (size_t)i * 500);
    CHECK(pt_stream_send_frame(&core, outbound, PT_MEDIA_VIDEO, frame, length, i * 33333.0, clock_ms, 0) > 1);
    int n = take_packets(outbound);
    /* Delivered in reverse order: the assembler puts them back. */
    for (int p = n - 1; p >= 0; p--) {
      int status = pt_peer_media_receive(&core, client_peer, PT_MEDIA_VIDEO, packets[p], packet_lengths[p], 10.0 * i);
      CHECK_EQ(status, PT_OK);
    }
    if (i == 0 && !told) {
      drain_all();
      continue;
    }
    expect_frame(inbound, frame, length, i < 2);
    drain_all();
  }
  pt_stream_counters counters;
  CHECK_EQ(pt_stream_counters_of(&core, inbound, &counters), PT_OK);
  CHECK(counters.srtp_rejected == 0);
  if (told) CHECK(counters.video_frames == 4 && counters.frames_dropped == 0 && counters.keyframe_requests == 0);
  else CHECK(counters.video_frames == 3 && counters.frames_dropped == 1 && counters.keyframe_requests >= 1);
  pt_core_destroy(&core);
}

static void test_frames_cross_srtp_and_assembly_byte_identical(void) {
  frames_cross_srtp_and_assembly(1);
  frames_cross_srtp_and_assembly(0);
}

static void test_tampered_and_replayed_packets_are_dropped_and_counted(void) {
  pt_handle outbound, inbound;
  streams(&outbound, &inbound);
  static uint8_t frame[200];
  size_t length = make_frame(frame, 0, 1, sizeof frame);
  pt_stream_send_frame(&core, outbound, PT_MEDIA_VIDEO, frame, length, 0, clock_ms, 0);
  CHECK_EQ(take_packets(outbound), 1);
  uint8_t copy[sizeof packets[0]];
  memcpy(copy, packets[0], packet_lengths[0]);
  copy[30] ^= 1;
  CHECK_EQ(pt_peer_media_receive(&core, client_peer, PT_MEDIA_VIDEO, copy, packet_lengths[0], 0), PT_ERR_SRTP_AUTH);
  memcpy(copy, packets[0], packet_lengths[0]);
  CHECK_EQ(pt_peer_media_receive(&core, client_peer, PT_MEDIA_VIDEO, packets[0], packet_lengths[0], 0), PT_OK);
  CHECK_EQ(pt_peer_media_receive(&core, client_peer, PT_MEDIA_VIDEO, copy, packet_lengths[0], 0), PT_ERR_SRTP_REPLAY);
  /* A packet on the wrong media channel, or of no known stream, is refused. */
  CHECK_EQ(pt_peer_media_receive(&core, client_peer, PT_MEDIA_AUDIO, copy, packet_lengths[0], 0), PT_ERR_UNEXPECTED_MESSAGE);
  CHECK_EQ(pt_peer_media_receive(&core, host_peer, PT_MEDIA_VIDEO, copy, packet_lengths[0], 0), PT_ERR_UNEXPECTED_MESSAGE);
  CHECK_EQ(pt_peer_media_receive(&core, client_peer, PT_MEDIA_VIDEO, copy, 5, 0), PT_ERR_MALFORMED);
  /* A packet longer than any host sends is refused before it is copied or authenticated. */
  static uint8_t oversize[PT_STREAM_MAX_RECEIVED_PACKET + 1];
  memcpy(oversize, packets[0], 12); /* the stream's SSRC */
  CHECK_EQ(pt_peer_media_receive(&core, client_peer, PT_MEDIA_VIDEO, oversize, sizeof oversize, 0), PT_ERR_TOO_LARGE);
  pt_stream_counters counters;
  pt_stream_counters_of(&core, inbound, &counters);
  CHECK_EQ(counters.srtp_rejected, 3);
  pt_core_destroy(&core);
}

static void test_bad_frames_and_roles(void) {
  pt_handle outbound, inbound;
  streams(&outbound, &inbound);
  uint8_t frame[8] = {0, 0, 0, 1, 0x65, 1, 2, 3};
  CHECK_EQ(pt_stream_send_frame(&core, inbound, PT_MEDIA_VIDEO, frame, sizeof frame, 0, clock_ms, 0), PT_ERR_STATE);
  CHECK_EQ(pt_stream_send_frame(&core, outbound, PT_MEDIA_VIDEO, frame, 0, 0, clock_ms, 0), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_stream_send_frame(&core, outbound, PT_MEDIA_VIDEO, frame, sizeof frame, -1, clock_ms, 0), PT_ERR_INVALID_ARGUMENT);
  uint8_t junk[4] = {9, 9, 9, 9}; /* no start code */
  CHECK_EQ(pt_stream_send_frame(&core, outbound, PT_MEDIA_VIDEO, junk, sizeof junk, 0, clock_ms, 0), PT_ERR_MALFORMED);
  CHECK(pt_stream_send_frame(&core, outbound, PT_MEDIA_AUDIO, junk, sizeof junk, 0, clock_ms, 0) == 1); /* Opus: one packet */
  /* A host rejects only a request id a client can send (1 .. 2^31-1). */
  CHECK_EQ(pt_peer_reject_stream(&core, host_peer, 0, "no"), PT_ERR_BAD_VALUE);
  CHECK_EQ(pt_peer_reject_stream(&core, host_peer, 0x80000000u, "no"), PT_ERR_BAD_VALUE);
  /* Closing the peer closes its streams first. */
  drain_all();
  CHECK_EQ(pt_peer_close(&core, client_peer, PT_ERR_CLOSED), PT_OK);
  expect_output(PT_OUTPUT_EVENT, inbound, PT_EVENT_STREAM_CLOSED);
  expect_output(PT_OUTPUT_EVENT, client_peer, PT_EVENT_PEER_CLOSED);
  pt_core_destroy(&core);
}

/* Takes the input message the stream queued and feeds it to the other side's peer. */
static int pass_input(pt_handle from, pt_handle to_peer) {
  int length = expect_output(PT_OUTPUT_SEND, from, PT_TRANSPORT_INPUT);
  return pt_peer_input_receive(&core, to_peer, (const uint8_t *)out_buf, (size_t)length);
}

static pt_input key_input(int action, int key) {
  pt_input in = {.type = PT_INPUT_KEYBOARD};
  in.u.key.action = (uint8_t)action;
  in.u.key.key = (uint8_t)key;
  return in;
}

static void test_input_reaches_the_host_within_its_level_only(void) {
  pt_handle outbound, inbound;
  streams(&outbound, &inbound);
  CHECK_EQ(pt_peer_set_permissions(&core, outbound, 32 /* Keyboard */), PT_OK);
  drain_all();
  pt_input in = key_input(0, 44);
  CHECK_EQ(pt_stream_send_input(&core, inbound, &in, 0), 1);
  CHECK_EQ(pass_input(inbound, host_peer), PT_OK);
  expect_output(PT_OUTPUT_EVENT, outbound, PT_EVENT_STREAM_INPUT);
  CHECK(strcmp(out_buf, "{\"type\":5,\"action\":0,\"key\":44}") == 0);
  /* A click is beyond the level: it crosses the wire, the host drops and counts it. */
  pt_input click = {.type = PT_INPUT_MOUSE_CLICK};
  CHECK_EQ(pt_stream_send_input(&core, inbound, &click, 5), 1);
  CHECK_EQ(pass_input(inbound, host_peer), PT_OK);
  /* Host → client records reach the client; the client's own kinds are refused by the host's stream. */
  pt_input cursor = {.type = PT_INPUT_CURSOR_POSITION};
  cursor.u.cursor_position.x = 5;
  CHECK_EQ(pt_stream_send_input(&core, outbound, &cursor, 5), 1);
  CHECK_EQ(pass_input(outbound, client_peer), PT_OK);
  expect_output(PT_OUTPUT_EVENT, inbound, PT_EVENT_STREAM_INPUT);
  CHECK(strstr(out_buf, "\"type\":34") != NULL);
  CHECK_EQ(pt_stream_send_input(&core, outbound, &in, 5), PT_ERR_STATE);
  /* The host's clipboard does not go to a client without the Clipboard level. */
  pt_input clipboard = {.type = PT_INPUT_CLIPBOARD};
  clipboard.u.text.bytes = (const uint8_t *)"secret";
  clipboard.u.text.length = 6;
  CHECK_EQ(pt_stream_send_input(&core, outbound, &clipboard, 5), PT_ERR_STATE);
  /* Revoking the keyboard releases the key the client still holds, at once, on the host. */
  CHECK_EQ(pt_peer_set_permissions(&core, outbound, 16 /* Mouse */), PT_OK);
  expect_output(PT_OUTPUT_EVENT, outbound, PT_EVENT_STREAM_INPUT);
  CHECK(strcmp(out_buf, "{\"type\":5,\"action\":1,\"key\":44}") == 0);
  expect_output(PT_OUTPUT_SEND, host_peer, PT_TRANSPORT_CONTROL);
  CHECK_EQ(pt_peer_control_receive(&core, client_peer, out_buf, strlen(out_buf), 0), PT_OK);
  expect_output(PT_OUTPUT_EVENT, inbound, PT_EVENT_STREAM_PERMISSIONS);
  uint32_t level = 0;
  CHECK_EQ(pt_stream_input_level(&core, inbound, &level), PT_OK);
  CHECK_EQ(level, 16);
  CHECK_EQ(pt_stream_send_input(&core, inbound, &in, 10), 1);
  CHECK_EQ(pass_input(inbound, host_peer), PT_OK); /* dropped: keyboard no longer granted */
  CHECK_EQ(pt_peer_input_receive(&core, host_peer, (const uint8_t[]){1, 4, 5, 2, 0, 0}, 6), PT_ERR_MALFORMED);
  CHECK_EQ(pt_peer_input_receive(&core, host_peer, (const uint8_t[]){1, 99, 5, 2, 0, 44}, 6), PT_ERR_UNEXPECTED_MESSAGE);
  CHECK_EQ(pt_peer_input_receive(&core, host_peer, (const uint8_t[]){2, 4}, 2), PT_ERR_UNSUPPORTED_VERSION);
  pt_stream_counters host, client;
  CHECK_EQ(pt_stream_counters_of(&core, outbound, &host), PT_OK);
  CHECK_EQ(pt_stream_counters_of(&core, inbound, &client), PT_OK);
  CHECK_EQ(client.input_sent, 3);
  CHECK_EQ(host.input_received, 2); /* the key down and its release */
  CHECK_EQ(host.input_dropped, 3); /* two from the client, the clipboard the host could not send */
  CHECK_EQ(host.input_malformed, 1);
  CHECK_EQ(host.cursor_events, 1);
  CHECK_EQ(client.cursor_events, 1);
  CHECK(client.input_bytes_sent == 3 * 6);
  /* A key held when the client leaves is released before the host hears it left. */
  pt_input held = key_input(0, 50);
  CHECK_EQ(pt_peer_set_permissions(&core, outbound, 48), PT_OK);
  drain_all();
  CHECK_EQ(pt_stream_send_input(&core, inbound, &held, 15), 1);
  CHECK_EQ(pass_input(inbound, host_peer), PT_OK);
  expect_output(PT_OUTPUT_EVENT, outbound, PT_EVENT_STREAM_INPUT);
  const char *leave = "{\"type\":\"stream-leave\",\"streamId\":4}";
  CHECK_EQ(pt_peer_control_receive(&core, host_peer, leave, strlen(leave), 15), PT_OK);
  expect_output(PT_OUTPUT_EVENT, outbound, PT_EVENT_STREAM_INPUT);
  CHECK(strcmp(out_buf, "{\"type\":5,\"action\":1,\"key\":50}") == 0);
  expect_output(PT_OUTPUT_EVENT, outbound, PT_EVENT_STREAM_LEFT);
  /* A click held when the stream ends is released before it closes. */
  pt_input down = {.type = PT_INPUT_MOUSE_CLICK};
  down.u.click.button = 1;
  CHECK_EQ(pt_stream_send_input(&core, inbound, &down, 20), 1);
  CHECK_EQ(pass_input(inbound, host_peer), PT_OK);
  expect_output(PT_OUTPUT_EVENT, outbound, PT_EVENT_STREAM_INPUT);
  CHECK_EQ(pt_stream_close(&core, outbound, PT_ERR_CLOSED), PT_OK);
  expect_output(PT_OUTPUT_EVENT, outbound, PT_EVENT_STREAM_INPUT);
  CHECK(strcmp(out_buf, "{\"type\":3,\"action\":1,\"button\":1}") == 0);
  expect_output(PT_OUTPUT_EVENT, outbound, PT_EVENT_STREAM_CLOSED);
  pt_core_destroy(&core);
}

static void test_coalesced_moves_leave_on_the_core_deadline(void) {
  pt_handle outbound, inbound;
  streams(&outbound, &inbound);
  pt_input move = {.type = PT_INPUT_MOUSE_RELATIVE};
  move.u.mouse.x = 2;
  CHECK_EQ(pt_stream_send_input(&core, inbound, &move, 50), 1);
  drain_all();
  CHECK_EQ(pt_stream_send_input(&core, inbound, &move, 50.5), 0);
  CHECK(expect_deadline() == 51.0);
  CHECK_EQ(pt_core_handle_timeout(&core, 51.0), PT_OK);
  expect_output(PT_OUTPUT_SEND, inbound, PT_TRANSPORT_INPUT);
  pt_core_destroy(&core);
}

/* A media worker's path: the client's stream hands its receive path to a receiver (here in the same core)
 * that belongs to no peer; the receiver assembles frames, sends its feedback itself and asks for keyframes
 * through an event, which the stream's own core then sends. */
static void test_a_handed_off_stream_is_received_by_a_receiver(void) {
  pt_handle outbound, inbound;
  streams(&outbound, &inbound);
  static char announce[PT_CONTROL_MAX_MESSAGE + 1];
  size_t length = 0;
  CHECK_EQ(pt_stream_hand_off(&core, inbound, announce, 8, &length) < 0, 1);
  CHECK_EQ(pt_stream_hand_off(&core, inbound, announce, sizeof announce, &length), PT_OK);
  CHECK_EQ(strlen(announce), length);
  static pt_control_message message;
  CHECK_EQ(pt_control_parse(announce, length, &message), PT_OK);
  CHECK_EQ(message.type, PT_CONTROL_STREAM_ANNOUNCE);
  pt_stream_description original;
  CHECK_EQ(pt_stream_description_of(&core, inbound, &original), PT_OK);
  CHECK(memcmp(message.stream.srtp_key, original.srtp_key, sizeof original.srtp_key) == 0);
  CHECK_EQ(message.stream.video_ssrc, original.video_ssrc);
  CHECK(message.stream.has_first_seq == 1 && message.stream.video_first_seq == original.video_first_seq);
  message.stream.has_first_seq = 0; /* as for a client that joins late: its first frame cannot be verified */
  pt_handle receiver = pt_stream_open_receiver(&core, &message.stream, 0);
  CHECK(receiver > 0);
  CHECK_EQ(pt_stream_hand_off(&core, receiver, announce, sizeof announce, &length), PT_ERR_STATE);
  drain_all();
  static uint8_t frame[3000];
  for (int i = 0; i < 3; i++) {
    size_t size = make_frame(frame, i, 1, sizeof frame);
    CHECK(pt_stream_send_frame(&core, outbound, PT_MEDIA_VIDEO, frame, size, i * 33333.0, clock_ms, 0) > 1);
    int n = take_packets(outbound);
    /* The handed-off stream takes no media; the receiver takes its own, not another kind's. */
    CHECK_EQ(pt_peer_media_receive(&core, client_peer, PT_MEDIA_VIDEO, packets[0], packet_lengths[0], 10.0 * i), PT_ERR_STATE);
    CHECK_EQ(pt_stream_receive_message(&core, receiver, PT_MEDIA_AUDIO, packets[0], packet_lengths[0], 10.0 * i),
             PT_ERR_UNEXPECTED_MESSAGE);
    for (int p = 0; p < n; p++) {
      CHECK_EQ(pt_stream_receive_message(&core, receiver, PT_MEDIA_VIDEO, packets[p], packet_lengths[p], 10.0 * i), PT_OK);
    }
    if (i == 0) {
      /* The first frame's start cannot be verified: a keyframe is asked for, as an event of the receiver. */
      int asked = 0;
      pt_output_info info;
      int type;
      while ((type = pt_output_queue_peek(&core.outputs, &info)) != PT_OUTPUT_NONE) {
        if (type == PT_OUTPUT_EVENT && info.handle == receiver && info.code == PT_EVENT_KEYFRAME_REQUESTED) asked++;
        CHECK(!(type == PT_OUTPUT_SEND && info.code == PT_TRANSPORT_CONTROL)); /* nothing on the control channel */
        pt_output_queue_take(&core.outputs, out_buf, sizeof out_buf);
      }
      CHECK_EQ(asked, 1);
      continue;
    }
    expect_frame(receiver, frame, size, 1);
    drain_all();
  }
  /* Another stream's packet (a stale SSRC) is not the receiver's. */
  packets[0][11] ^= 1;
  CHECK_EQ(pt_stream_receive_message(&core, receiver, PT_MEDIA_VIDEO, packets[0], packet_lengths[0], 100), PT_ERR_UNEXPECTED_MESSAGE);
  CHECK_EQ(pt_stream_receive_message(&core, receiver, PT_MEDIA_VIDEO, packets[0], 5, 100), PT_ERR_MALFORMED);
  pt_stream_counters counters;
  CHECK_EQ(pt_stream_counters_of(&core, receiver, &counters), PT_OK);
  CHECK(counters.video_frames == 2 && counters.keyframe_requests >= 1);
  /* The stream's own core sends what the receiver asked for; a receiver has no peer to send it to. */
  CHECK_EQ(pt_stream_send_keyframe_request(&core, inbound), PT_OK);
  expect_output(PT_OUTPUT_SEND, client_peer, PT_TRANSPORT_CONTROL);
  CHECK(strstr(out_buf, "keyframe-request") != NULL);
  CHECK_EQ(pt_stream_send_keyframe_request(&core, receiver), PT_ERR_STATE);
  CHECK_EQ(pt_stream_close(&core, receiver, PT_ERR_CLOSED), PT_OK);
  expect_output(PT_OUTPUT_EVENT, receiver, PT_EVENT_STREAM_CLOSED);
  pt_core_destroy(&core);
}

/* Takes the queued outputs up to the next of this type, handle and code (the others are dropped); its length
 * (its payload NUL-terminated in out_buf), or -1 when there is none. */
static int find_output(int wanted, pt_handle handle, int code) {
  pt_output_info info;
  int type, length;
  while ((type = take_any_output(&info, &length)) != PT_OUTPUT_NONE) {
    if (type == wanted && info.handle == handle && info.code == code) return length;
  }
  return -1;
}

/* A browser host's media worker: the host stream hands its send path to a sender (here in the same core) that
 * belongs to no peer. The sender's packets reach the client's own stream as the stream's would; the client's
 * feedback is the sender's; a keyframe request from the client passes through the stream's core as an event
 * for the glue to carry to the sender, which asks its encoder within its rate limit. */
static void test_a_handed_off_host_stream_is_sent_by_a_sender(void) {
  pt_handle outbound, inbound;
  static uint8_t frame[3000];
  static char announce[PT_CONTROL_MAX_MESSAGE + 1];
  size_t length = 0;
  /* Only before the first frame: the sender starts a fresh sequence. */
  streams(&outbound, &inbound);
  size_t size = make_frame(frame, 0, 1, sizeof frame);
  CHECK(pt_stream_send_frame(&core, outbound, PT_MEDIA_AUDIO, frame, 100, 0, clock_ms, 0) == 1);
  CHECK_EQ(pt_stream_hand_off(&core, outbound, announce, sizeof announce, &length), PT_ERR_STATE);
  pt_core_destroy(&core);

  streams(&outbound, &inbound);
  CHECK_EQ(pt_stream_hand_off(&core, outbound, announce, sizeof announce, &length), PT_OK);
  CHECK_EQ(pt_stream_hand_off(&core, outbound, announce, sizeof announce, &length), PT_ERR_STATE); /* once */
  static pt_control_message message;
  CHECK_EQ(pt_control_parse(announce, length, &message), PT_OK);
  pt_handle sender = pt_stream_open_sender(&core, &message.stream);
  CHECK(sender > 0);
  CHECK_EQ(pt_stream_hand_off(&core, sender, announce, sizeof announce, &length), PT_ERR_STATE); /* no peer */
  CHECK_EQ(pt_stream_send_frame(&core, outbound, PT_MEDIA_VIDEO, frame, size, 0, clock_ms, 0), PT_ERR_STATE);
  CHECK_EQ(pt_stream_set_video_bitrate(&core, outbound, 1e6), PT_ERR_STATE); /* the sender's rate controller now */
  CHECK_EQ(pt_stream_set_video_bitrate(&core, sender, PT_STREAM_DEFAULT_VIDEO_BPS), PT_OK);
  drain_all();
  for (int i = 0; i < 3; i++) {
    size = make_frame(frame, i, 1, sizeof frame);
    CHECK(pt_stream_send_frame(&core, sender, PT_MEDIA_VIDEO, frame, size, i * 33333.0, clock_ms, 0) > 1);
    int n = take_packets(sender);
    CHECK(n > 1);
    /* A media packet is no sender's to take. */
    CHECK_EQ(pt_stream_receive_message(&core, sender, PT_MEDIA_VIDEO, packets[0], packet_lengths[0], clock_ms),
             PT_ERR_UNEXPECTED_MESSAGE);
    for (int p = 0; p < n; p++) {
      CHECK_EQ(pt_peer_media_receive(&core, client_peer, PT_MEDIA_VIDEO, packets[p], packet_lengths[p], clock_ms), PT_OK);
    }
    if (i == 0) {
      drain_all(); /* the first frame's start cannot be verified: a keyframe is asked for */
      continue;
    }
    expect_frame(inbound, frame, size, 1);
  }
  /* The client's feedback (its NACKs and arrival reports) is the sender's, and not the handed-off stream's. */
  clock_ms += 200;
  CHECK_EQ(pt_core_handle_timeout(&core, clock_ms), PT_OK);
  pt_output_info info;
  int feedback = 0;
  while (pt_output_queue_peek(&core.outputs, &info) != PT_OUTPUT_NONE) {
    int got = pt_output_queue_take(&core.outputs, out_buf, sizeof out_buf);
    if (info.handle != inbound || info.code != PT_TRANSPORT_VIDEO || got <= 0) continue;
    feedback++;
    CHECK_EQ(pt_peer_media_receive(&core, host_peer, PT_MEDIA_VIDEO, (uint8_t *)out_buf, (size_t)got, clock_ms), PT_ERR_STATE);
    CHECK_EQ(pt_stream_receive_message(&core, sender, PT_MEDIA_VIDEO, (uint8_t *)out_buf, (size_t)got, clock_ms), PT_OK);
  }
  CHECK(feedback > 0);
  pt_stream_counters counters;
  CHECK_EQ(pt_stream_counters_of(&core, sender, &counters), PT_OK);
  CHECK_EQ(counters.video_frames, 3);
  /* A keyframe request from the client: an event on the stream, then the sender's to ask its encoder. */
  drain_all();
  clock_ms += 5000; /* past the client's rate limit on requests */
  CHECK_EQ(pt_stream_request_keyframe(&core, inbound, clock_ms), PT_OK);
  const int request = find_output(PT_OUTPUT_SEND, client_peer, PT_TRANSPORT_CONTROL);
  CHECK(request > 0);
  CHECK_EQ(pt_peer_control_receive(&core, host_peer, out_buf, (size_t)request, clock_ms), PT_OK);
  CHECK(find_output(PT_OUTPUT_EVENT, outbound, PT_EVENT_KEYFRAME_REQUESTED) >= 0);
  CHECK_EQ(pt_stream_keyframe_requested(&core, sender, clock_ms), PT_OK);
  CHECK(find_output(PT_OUTPUT_EVENT, sender, PT_EVENT_KEYFRAME_REQUESTED) >= 0);
  CHECK_EQ(pt_stream_close(&core, sender, PT_ERR_CLOSED), PT_OK);
  pt_core_destroy(&core);
}

/* The host's encoder is asked for a keyframe at most every PT_VIDEO_KEYFRAME_INTERVAL_MS however often the
 * client asks: the first ask at once, those within the interval make one more when it is over, then none. */
static void test_keyframe_asks_to_the_encoder_are_rate_limited(void) {
  pt_handle outbound, inbound;
  streams(&outbound, &inbound);
  drain_all();
  clock_ms += 5000;
  const double start = clock_ms;
  CHECK_EQ(pt_stream_keyframe_requested(&core, outbound, start), PT_OK);
  CHECK(find_output(PT_OUTPUT_EVENT, outbound, PT_EVENT_KEYFRAME_REQUESTED) >= 0);
  for (int i = 1; i <= 10; i++) {
    CHECK_EQ(pt_stream_keyframe_requested(&core, outbound, start + 20 * i), PT_OK);
    CHECK(find_output(PT_OUTPUT_EVENT, outbound, PT_EVENT_KEYFRAME_REQUESTED) < 0);
  }
  CHECK_EQ(pt_stream_handle_timeout(&core, outbound, start + PT_VIDEO_KEYFRAME_INTERVAL_MS - 1), PT_OK);
  CHECK(find_output(PT_OUTPUT_EVENT, outbound, PT_EVENT_KEYFRAME_REQUESTED) < 0);
  CHECK_EQ(pt_stream_handle_timeout(&core, outbound, start + PT_VIDEO_KEYFRAME_INTERVAL_MS), PT_OK);
  CHECK(find_output(PT_OUTPUT_EVENT, outbound, PT_EVENT_KEYFRAME_REQUESTED) >= 0);
  CHECK_EQ(pt_stream_handle_timeout(&core, outbound, start + 3 * PT_VIDEO_KEYFRAME_INTERVAL_MS), PT_OK);
  CHECK(find_output(PT_OUTPUT_EVENT, outbound, PT_EVENT_KEYFRAME_REQUESTED) < 0);
  pt_core_destroy(&core);
}

/* RTP timestamps step by exactly a frame's ticks although the app's timestamps are whole microseconds: 20 ms
 * of Opus is 960 ticks of 48 kHz whether the microseconds between two frames come out 20000 or 19999
 * (truncated on the host), whatever the first frame's time (here 11 µs: 0.528 of a tick, where rounding
 * each timestamp on its own gave 959). */
static void test_rtp_timestamps_step_by_whole_frames(void) {
  pt_handle outbound, inbound;
  streams(&outbound, &inbound);
  static const double sent_us[] = {11, 11 + 19999, 11 + 39999, 11 + 60000};
  uint32_t rtp[4];
  for (int i = 0; i < 4; i++) {
    static const uint8_t opus[40] = {0x78};
    CHECK(pt_stream_send_frame(&core, outbound, PT_MEDIA_AUDIO, opus, sizeof opus, sent_us[i], clock_ms, 0) >= 1);
    int found = 0;
    pt_output_info info;
    while (pt_output_queue_peek(&core.outputs, &info) != PT_OUTPUT_NONE) {
      int length = pt_output_queue_take(&core.outputs, out_buf, sizeof out_buf);
      if (info.kind != PT_OUTPUT_SEND || info.handle != outbound || info.code != PT_TRANSPORT_AUDIO || length < 12) continue;
      const uint8_t *p = (const uint8_t *)out_buf;
      rtp[i] = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
      found = 1;
    }
    CHECK(found);
  }
  for (int i = 1; i < 4; i++) CHECK_EQ(rtp[i] - rtp[i - 1], 960);
  CHECK_EQ(rtp[0], 1); /* 11 µs: the nearest tick */
  pt_core_destroy(&core);
}

int main(void) {
  RUN(test_frames_cross_srtp_and_assembly_byte_identical);
  RUN(test_tampered_and_replayed_packets_are_dropped_and_counted);
  RUN(test_bad_frames_and_roles);
  RUN(test_input_reaches_the_host_within_its_level_only);
  RUN(test_coalesced_moves_leave_on_the_core_deadline);
  RUN(test_a_handed_off_stream_is_received_by_a_receiver);
  RUN(test_a_handed_off_host_stream_is_sent_by_a_sender);
  RUN(test_keyframe_asks_to_the_encoder_are_rate_limited);
  RUN(test_rtp_timestamps_step_by_whole_frames);
  return 0;
}
