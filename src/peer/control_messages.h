/* Peer control messages (docs/PROTOCOL.md, "Peer control"): JSON on the reliable control channel
 * RW_Control, built and parsed with cJSON, validated the same way in both directions. */
#ifndef PT_PEER_CONTROL_MESSAGES_H
#define PT_PEER_CONTROL_MESSAGES_H

#include <stddef.h>
#include <stdint.h>

#define PT_CONTROL_MAX_MESSAGE 16384
#define PT_CONTROL_REASON_MAX 1024
#define PT_CODEC_STRING_MAX 64
#define PT_CODEC_CONFIG_MAX 1024 /* codec configuration bytes (e.g. H.264 SPS and PPS) */
#define PT_STREAM_KEY_LENGTH 30

typedef enum pt_control_type {
  PT_CONTROL_STREAM_REQUEST = 1, /* client → host: {requestId, permissions} */
  PT_CONTROL_STREAM_REJECT,      /* host → client: {requestId, reason} */
  PT_CONTROL_STREAM_ANNOUNCE,    /* host → client: {requestId (0: not an answer), stream} */
  PT_CONTROL_STREAM_JOIN,        /* client → host: {streamId} */
  PT_CONTROL_STREAM_LEAVE,       /* client → host: {streamId} */
  PT_CONTROL_STREAM_STOP,        /* host → client: {streamId, reason (optional): why the host ended it} */
  PT_CONTROL_KEYFRAME_REQUEST,   /* client → host: {streamId} */
  PT_CONTROL_BITRATE_REQUEST,    /* client → host: {streamId, value = bits per second} */
  PT_CONTROL_PERMISSIONS,        /* host → client: {streamId, value = InputLevel} */
  PT_CONTROL_LIST_STREAMS,       /* client → host: {} (re-announce every active stream) */
  PT_CONTROL_PING,               /* either: {value = id} */
  PT_CONTROL_PONG,               /* either: {value = the ping's id} */
  PT_CONTROL_TYPE_COUNT
} pt_control_type;

/* What a stream announcement says about a stream. */
typedef struct pt_stream_description {
  uint8_t stream_id;
  uint32_t stream_type;         /* StreamType */
  uint32_t default_input_level; /* InputLevel */
  char video_codec[PT_CODEC_STRING_MAX + 1]; /* WebCodecs codec string, e.g. "avc1.42e01f"; empty: no video */
  uint32_t width, height, frame_rate;
  uint8_t video_config[PT_CODEC_CONFIG_MAX];
  size_t video_config_length;
  char audio_codec[PT_CODEC_STRING_MAX + 1]; /* "opus"; empty: no audio */
  uint32_t sample_rate, channels;
  uint32_t video_ssrc, audio_ssrc;
  int has_first_seq;                      /* the RTP sequence numbers the host's media start at are known: */
  uint16_t video_first_seq, audio_first_seq; /* the client hands out the first frame (see frame_assembler.h) */
  uint8_t srtp_key[PT_STREAM_KEY_LENGTH]; /* this stream's SRTP master key (the channel is DTLS-protected) */
} pt_stream_description;

typedef struct pt_control_message {
  pt_control_type type;
  uint32_t request_id;
  uint32_t stream_id;
  uint32_t value; /* permissions, InputLevel, bits per second or ping id, by type */
  char reason[PT_CONTROL_REASON_MAX + 1];
  pt_stream_description stream;
} pt_control_message;

/* Parses one control message; PT_ERR_MALFORMED / _TOO_LARGE / _MISSING_FIELD / _WRONG_TYPE / _BAD_VALUE,
 * PT_ERR_UNEXPECTED_MESSAGE for an unknown type. */
int pt_control_parse(const char *json, size_t length, pt_control_message *message);

/* Builds a control message as JSON into out (NUL-terminated); PT_ERR_BAD_VALUE for what parse would refuse. */
int pt_control_build(const pt_control_message *message, char *out, size_t capacity, size_t *length);

/* The wire name of a type ("stream-request"), or NULL. */
const char *pt_control_type_name(pt_control_type type);

#endif
