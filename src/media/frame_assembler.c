#include "media/frame_assembler.h"

/* Bounded work whatever arrives: finding the next held packet reads a bitmap a word at a time, the
 * earliest arrival beyond a gap comes from a queue in arrival order (amortized O(1)), and a run of
 * missing packets is given up in one step. A packet or a poll costs at most O(max_packets / 64) beyond
 * the packets it hands out or frees, each of which is touched a bounded number of times. */

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "media/rtp_header.h"

enum { SLOT_EMPTY = 0, SLOT_HELD = 1, SLOT_DONE = 2 /* received, since handed out or discarded */ };

typedef struct pt_fa_slot {
  int64_t seq; /* extended sequence number of the packet held in, or last through, this slot */
  uint32_t epoch; /* the sequence (see restart) seq belongs to */
  uint8_t state;
  uint8_t marker;
  uint32_t timestamp;
  double arrival_ms;
  uint8_t *payload;
  size_t length;
} pt_fa_slot;

struct pt_frame_assembler {
  pt_frame_assembler_config config;
  pt_keyframe_classifier classify;
  void *classify_context;
  pt_fa_slot *slots;        /* a ring of max_packets slots indexed by extended sequence number */
  uint64_t *held_bits;      /* one bit per slot: set while the slot holds a packet */
  int64_t *arrivals;        /* sequence numbers in arrival order, a ring of 2 × max_packets (see earliest_beyond) */
  uint32_t arrivals_head, arrivals_count;
  uint32_t epoch;           /* advanced at each restart */
  const uint8_t **payloads; /* scratch for handing out one frame */
  size_t *lengths;
  int started;              /* a packet arrived: base, scan and highest mean something */
  int expected;             /* the sender said the stream starts at expected_seq (pt_frame_assembler_expect) */
  uint16_t expected_seq;
  int synced;               /* base is known to start a frame: the packet before it was a marker */
  int64_t base;             /* oldest sequence number still wanted; the window is [base, base + max_packets) */
  int64_t scan;             /* [base, scan) is held, without a marker and, when synced, of base's timestamp */
  int64_t highest;          /* newest sequence number stored */
  size_t held_bytes;
  uint32_t held_packets;
  int gap_open;             /* scan is missing while newer packets are held */
  int64_t gap_seq;
  double gap_since_ms;      /* earliest arrival of a packet beyond the gap: when it became visible */
  double gap_paused_ms;     /* time the gap waited while nothing arrived at all (see gap_pause) */
  int arrived;              /* a packet arrived, at last_arrival_ms */
  double last_arrival_ms;
  int waiting;              /* for a keyframe */
  double waiting_since_ms;
  int requested;
  double last_request_ms;
  int asked;                /* the caller asked for a keyframe (pt_frame_assembler_want_keyframe) */
  int dropped_valid;        /* timestamp of the last discarded packet, so that a frame counts once */
  uint32_t dropped_timestamp;
  int restart_valid;        /* a packet far behind the window arrived; restart_seq right after it means a restart */
  uint16_t restart_seq;
  pt_frame_assembler_counters counters;
};

static size_t index_of(const pt_frame_assembler *a, int64_t seq) {
  int64_t n = (int64_t)a->config.max_packets;
  return (size_t)(((seq % n) + n) % n); /* sequence numbers go negative after a backward restart */
}

static pt_fa_slot *slot_of(const pt_frame_assembler *a, int64_t seq) {
  return &a->slots[index_of(a, seq)];
}

static void set_held_bit(pt_frame_assembler *a, size_t index, int held) {
  uint64_t bit = (uint64_t)1 << (index % 64);
  if (held) a->held_bits[index / 64] |= bit;
  else a->held_bits[index / 64] &= ~bit;
}

static pt_fa_slot *held(const pt_frame_assembler *a, int64_t seq) {
  pt_fa_slot *slot = slot_of(a, seq);
  return slot->state == SLOT_HELD && slot->seq == seq ? slot : NULL;
}

/* The first held sequence number in [from, to), or `to`; [from, to) lies within the window. Reads the
 * bitmap a word at a time. */
static int64_t next_held(pt_frame_assembler *a, int64_t from, int64_t to) {
  size_t n = a->config.max_packets;
  int64_t seq = from;
  while (seq < to) {
    size_t index = index_of(a, seq);
    size_t span = 64 - index % 64; /* slots from here to the end of this word, or of the ring */
    if (index + span > n) span = n - index;
    uint64_t bits = a->held_bits[index / 64] >> (index % 64);
    if (span < 64) bits &= ((uint64_t)1 << span) - 1;
    a->counters.work++;
    if (bits != 0) {
      int64_t found = seq + __builtin_ctzll(bits);
      if (found >= to) return to;
      if (held(a, found) != NULL) return found;
      seq = found + 1; /* a slot of another sequence number: cannot happen within the window */
      continue;
    }
    seq += (int64_t)span;
  }
  return to;
}

/* Removes from the front of the arrival queue what can no longer lie beyond a gap: packets released, or at or
 * before scan (which only moves forward until a restart, which empties the queue). */
static void drop_stale_arrivals(pt_frame_assembler *a) {
  uint32_t capacity = 2 * a->config.max_packets;
  while (a->arrivals_count > 0) {
    int64_t seq = a->arrivals[a->arrivals_head];
    if (seq > a->scan && held(a, seq) != NULL) return;
    a->arrivals_head = (a->arrivals_head + 1) % capacity;
    a->arrivals_count--;
    a->counters.work++;
  }
}

/* Queues a stored packet in arrival order. A full queue is compacted first: at most max_packets of its
 * entries are held, so compaction is rare and amortized O(1). */
static void note_arrival(pt_frame_assembler *a, int64_t seq) {
  uint32_t capacity = 2 * a->config.max_packets;
  drop_stale_arrivals(a);
  if (a->arrivals_count == capacity) {
    uint32_t kept = 0;
    for (uint32_t i = 0; i < a->arrivals_count; i++) {
      int64_t queued = a->arrivals[(a->arrivals_head + i) % capacity];
      if (queued > a->scan && held(a, queued) != NULL) a->arrivals[(a->arrivals_head + kept++) % capacity] = queued;
    }
    a->counters.work += a->arrivals_count;
    a->arrivals_count = kept;
  }
  a->arrivals[(a->arrivals_head + a->arrivals_count++) % capacity] = seq;
}

/* The earliest-arrived packet held beyond scan (the head of the arrival queue, since time only moves
 * forward), or NULL. */
static const pt_fa_slot *earliest_beyond(pt_frame_assembler *a) {
  drop_stale_arrivals(a);
  return a->arrivals_count > 0 ? held(a, a->arrivals[a->arrivals_head]) : NULL;
}

/* The extended sequence number closest to the newest one (RFC 3550 A.1). */
static int64_t extend(const pt_frame_assembler *a, uint16_t seq) {
  uint16_t newest = (uint16_t)((uint64_t)a->highest & 0xffffu);
  int32_t delta = (uint16_t)(seq - newest);
  if (delta >= 32768) delta -= 65536;
  return a->highest + delta;
}

static void enter_waiting(pt_frame_assembler *a, double now_ms) {
  if (a->waiting) return;
  a->waiting = 1;
  a->waiting_since_ms = now_ms;
}

/* The frame boundary at base is no longer known: drop what follows until a marker, then a keyframe. */
static void lose_sync(pt_frame_assembler *a, double now_ms) {
  a->synced = 0;
  enter_waiting(a, now_ms);
}

/* Frees a held packet; one not handed out counts toward frames_dropped, once per timestamp in a row. */
static void release(pt_frame_assembler *a, pt_fa_slot *slot, int discarded) {
  if (discarded && (!a->dropped_valid || a->dropped_timestamp != slot->timestamp)) {
    a->counters.frames_dropped++;
    a->dropped_valid = 1;
    a->dropped_timestamp = slot->timestamp;
  }
  free(slot->payload);
  slot->payload = NULL;
  slot->state = SLOT_DONE;
  set_held_bit(a, (size_t)(slot - a->slots), 0);
  a->held_bytes -= slot->length;
  a->held_packets--;
  a->counters.work++;
}

static void release_range(pt_frame_assembler *a, int64_t from, int64_t to, int discarded) {
  for (int64_t seq = from; seq < to; seq++) {
    pt_fa_slot *slot = held(a, seq);
    if (slot != NULL) release(a, slot, discarded);
  }
}

/* [base, end] is a whole frame: hands it to the sink, or drops it while waiting for a keyframe. */
static int hand_out(pt_frame_assembler *a, int64_t end, double now_ms, pt_frame_sink sink, void *sink_context) {
  size_t count = 0;
  double first_arrival_ms = 0;
  for (int64_t seq = a->base; seq <= end; seq++, count++) {
    const pt_fa_slot *slot = held(a, seq);
    a->payloads[count] = slot->payload;
    a->lengths[count] = slot->length;
    if (count == 0 || slot->arrival_ms < first_arrival_ms) first_arrival_ms = slot->arrival_ms;
  }
  uint32_t timestamp = held(a, a->base)->timestamp;
  int keyframe = a->classify == NULL || a->classify(a->classify_context, a->payloads, a->lengths, count) != 0;
  int status = PT_OK;
  int deliver = keyframe || !a->waiting;
  if (deliver) {
    a->waiting = 0;
    a->dropped_valid = 0;
    a->counters.last_assembly_ms = now_ms - first_arrival_ms;
    if (a->counters.last_assembly_ms > a->counters.max_assembly_ms) {
      a->counters.max_assembly_ms = a->counters.last_assembly_ms;
    }
    status = sink(sink_context, a->payloads, a->lengths, count, timestamp, first_arrival_ms, keyframe);
    if (status == PT_OK) {
      a->counters.frames++;
    } else {
      /* The sink could not take it (undecodable, or memory short): dropped, and what depends on it must not
       * be decoded either, so a keyframe is waited for (and asked for). */
      deliver = 0;
      enter_waiting(a, now_ms);
    }
  }
  release_range(a, a->base, end + 1, !deliver);
  return status;
}

/* Moves the head as far as the held packets allow: hands out (or drops) complete frames and, without
 * sync, drops packets through the first marker. Stops at the first missing packet. */
static int advance_head(pt_frame_assembler *a, double now_ms, pt_frame_sink sink, void *sink_context) {
  while (a->started) {
    const pt_fa_slot *slot = held(a, a->scan);
    a->counters.work++;
    if (slot == NULL) return PT_OK;
    if (a->synced && slot->timestamp != held(a, a->base)->timestamp) {
      /* A new timestamp without a marker before it: where the frame ends cannot be known. */
      release_range(a, a->base, a->scan, 1);
      a->base = a->scan;
      lose_sync(a, now_ms);
      continue;
    }
    if (!slot->marker) {
      a->scan++;
      continue;
    }
    int64_t end = a->scan;
    int status = PT_OK;
    if (a->synced) {
      status = hand_out(a, end, now_ms, sink, sink_context);
    } else {
      release_range(a, a->base, end + 1, 1); /* the frame's start is unknown */
      a->synced = 1;
    }
    a->base = a->scan = end + 1;
    if (status != PT_OK) return status;
  }
  return PT_OK;
}

/* Notes whether the head waits on a missing packet that newer packets have already passed. */
static void update_gap(pt_frame_assembler *a) {
  if (!a->started || a->scan > a->highest) {
    a->gap_open = 0;
    return;
  }
  if (a->gap_open && a->gap_seq == a->scan) return;
  a->gap_open = 1;
  a->gap_paused_ms = 0;
  a->gap_seq = a->scan;
  const pt_fa_slot *earliest = earliest_beyond(a); /* the gap is open: highest is held, beyond it */
  a->gap_since_ms = earliest != NULL ? earliest->arrival_ms : a->last_arrival_ms;
}

/* Packets held beyond the gap: everything held but [base, scan), which is held whole. */
static uint32_t packets_behind_gap(const pt_frame_assembler *a) {
  return a->held_packets - (uint32_t)(a->scan - a->base);
}

/* With pause_when_idle, a gap's wait does not count time in which nothing arrived at all for longer than
 * PT_FA_IDLE_MS: then the sender's transport stalls (SCTP after a loss) and the retransmission is queued
 * behind what it holds, and giving up meanwhile would only cost every frame until a keyframe. At most
 * PT_FA_MAX_PAUSE_MS in all. */
static double gap_pause(const pt_frame_assembler *a, double now_ms) {
  if (!a->config.pause_when_idle) return 0;
  double idle = a->arrived ? now_ms - a->last_arrival_ms : 0;
  double pause = a->gap_paused_ms + (idle > PT_FA_IDLE_MS ? idle : 0);
  return pause < PT_FA_MAX_PAUSE_MS ? pause : PT_FA_MAX_PAUSE_MS;
}

static int gap_expired(const pt_frame_assembler *a, double now_ms) {
  if (now_ms >= a->gap_since_ms + a->config.reorder_ms + gap_pause(a, now_ms)) return 1;
  return a->config.max_packets_behind > 0 && packets_behind_gap(a) >= a->config.max_packets_behind;
}

/* Declares the missing packets from scan to the next held one lost, with what was held of their frame before
 * them. (One at a time would come to the same: the packets beyond, so the gap's age, stay the same.) */
static void give_up_gap(pt_frame_assembler *a, double now_ms) {
  release_range(a, a->base, a->scan, 1);
  int64_t next = next_held(a, a->scan + 1, a->highest + 1);
  a->counters.lost += (double)(next - a->scan);
  a->base = a->scan = next;
  lose_sync(a, now_ms);
}

/* Advances the head, giving up gaps that stayed open too long, until it waits on something. */
static int settle(pt_frame_assembler *a, double now_ms, pt_frame_sink sink, void *sink_context) {
  int status;
  while ((status = advance_head(a, now_ms, sink, sink_context)) == PT_OK) {
    update_gap(a);
    if (!a->gap_open || !gap_expired(a, now_ms)) break;
    give_up_gap(a, now_ms);
  }
  update_gap(a);
  return status;
}

/* Drops the head packet (or counts it lost) to make room: window overflow or byte budget. */
static void evict_head(pt_frame_assembler *a, double now_ms) {
  pt_fa_slot *slot = held(a, a->base);
  if (slot != NULL) release(a, slot, 1);
  else a->counters.lost++;
  a->base++;
  if (a->scan < a->base) a->scan = a->base;
  lose_sync(a, now_ms);
}

/* Slides the window until `seq` fits and its payload fits the byte budget (or it fell behind). */
static int make_room(pt_frame_assembler *a, int64_t seq, size_t length, double now_ms, pt_frame_sink sink,
                     void *sink_context) {
  int64_t window = (int64_t)a->config.max_packets;
  while (seq >= a->base && (seq - a->base >= window || a->held_bytes + length > a->config.max_bytes)) {
    if (held(a, a->base) == NULL) { /* skip the missing run at the head in one step */
      int64_t limit = seq - a->base >= window ? seq - window + 1 : seq + 1; /* how far the head may have to go */
      int64_t end = limit < a->base + window ? limit : a->base + window;
      int64_t to = next_held(a, a->base, end);
      if (to == end) to = limit; /* nothing held before the limit */
      a->counters.lost += (double)(to - a->base);
      a->base = to;
      if (a->scan < a->base) a->scan = a->base;
      lose_sync(a, now_ms);
    } else {
      evict_head(a, now_ms);
    }
    int status = advance_head(a, now_ms, sink, sink_context);
    if (status != PT_OK) return status;
  }
  return PT_OK;
}

/* The sender started a new sequence: forget the old one (what is held, found through the bitmap; slots of the old
 * sequence keep their epoch, so none reads as a duplicate of the new one). */
static void restart(pt_frame_assembler *a, int64_t seq, double now_ms) {
  size_t words = (a->config.max_packets + 63) / 64;
  for (size_t w = 0; w < words; w++) {
    a->counters.work++;
    while (a->held_bits[w] != 0) release(a, &a->slots[w * 64 + (size_t)__builtin_ctzll(a->held_bits[w])], 1);
  }
  a->epoch++;
  a->arrivals_count = 0;
  a->base = a->scan = a->highest = seq;
  a->gap_open = 0;
  a->restart_valid = 0;
  a->counters.restarts++;
  lose_sync(a, now_ms);
}

/* Handles a packet before the window: a duplicate, a late one, or the start of a restart. Returns 1
 * if the packet is to be stored (after a restart). */
static int behind_window(pt_frame_assembler *a, int64_t seq, uint16_t wire_seq, double now_ms) {
  if (seq >= a->base - (int64_t)a->config.max_packets) {
    const pt_fa_slot *slot = slot_of(a, seq);
    if (slot->state == SLOT_DONE && slot->seq == seq && slot->epoch == a->epoch) a->counters.duplicates++;
    else a->counters.too_old++;
    return 0;
  }
  /* Far behind even the history: stale, unless the next one follows it (RFC 3550 A.1 "bad_seq"). */
  if (a->restart_valid && a->restart_seq == wire_seq) {
    restart(a, seq, now_ms);
    return 1;
  }
  a->restart_valid = 1;
  a->restart_seq = (uint16_t)(wire_seq + 1);
  a->counters.too_old++;
  return 0;
}

/* The payload length after the header and any padding, or PT_ERR_MALFORMED. */
static int64_t payload_length_of(const uint8_t *packet, size_t length, int *header) {
  *header = pt_rtp_header_size(packet, length);
  if (*header < 0) return PT_ERR_MALFORMED;
  size_t payload = length - (size_t)*header;
  if (packet[0] & 0x20u) { /* padding: the last byte counts the padding bytes, itself included */
    uint8_t padding = packet[length - 1];
    if (padding == 0 || padding > payload) return PT_ERR_MALFORMED;
    payload -= padding;
  }
  return (int64_t)payload;
}

int pt_frame_assembler_create(pt_frame_assembler **out, const pt_frame_assembler_config *config,
                              pt_keyframe_classifier classify, void *classify_context) {
  if (out == NULL || config == NULL) return PT_ERR_INVALID_ARGUMENT;
  *out = NULL;
  if (config->max_packets == 0 || config->max_packets > PT_FRAME_ASSEMBLER_MAX_PACKETS || config->max_bytes == 0 ||
      !(config->reorder_ms >= 0) || !(config->keyframe_interval_ms >= 0)) {
    return PT_ERR_INVALID_ARGUMENT;
  }
  pt_frame_assembler *a = calloc(1, sizeof *a);
  if (a == NULL) return PT_ERR_NO_MEMORY;
  a->slots = calloc(config->max_packets, sizeof *a->slots);
  a->held_bits = calloc((config->max_packets + 63) / 64, sizeof *a->held_bits);
  a->arrivals = calloc(2 * (size_t)config->max_packets, sizeof *a->arrivals);
  a->payloads = calloc(config->max_packets, sizeof *a->payloads);
  a->lengths = calloc(config->max_packets, sizeof *a->lengths);
  if (a->slots == NULL || a->held_bits == NULL || a->arrivals == NULL || a->payloads == NULL || a->lengths == NULL) {
    pt_frame_assembler_destroy(a);
    return PT_ERR_NO_MEMORY;
  }
  a->config = *config;
  a->classify = classify;
  a->classify_context = classify_context;
  a->waiting = 1; /* a stream is joined mid-way: nothing is decodable before a keyframe */
  *out = a;
  return PT_OK;
}

void pt_frame_assembler_destroy(pt_frame_assembler *a) {
  if (a == NULL) return;
  for (uint32_t i = 0; a->slots != NULL && i < a->config.max_packets; i++) free(a->slots[i].payload);
  free(a->slots);
  free(a->held_bits);
  free(a->arrivals);
  free(a->payloads);
  free(a->lengths);
  free(a);
}

int pt_frame_assembler_push(pt_frame_assembler *a, const uint8_t *packet, size_t length, double now_ms,
                            pt_frame_sink sink, void *sink_context) {
  if (a == NULL || sink == NULL) return PT_ERR_INVALID_ARGUMENT;
  /* Before anything changes: a packet there is no memory for is as one lost on the way. */
  uint8_t *copy = malloc(length > 0 ? length : 1);
  if (copy == NULL) return PT_ERR_NO_MEMORY;
  return pt_frame_assembler_push_into(a, packet, length, copy, now_ms, sink, sink_context);
}

int pt_frame_assembler_push_into(pt_frame_assembler *a, const uint8_t *packet, size_t length, uint8_t *copy,
                                 double now_ms, pt_frame_sink sink, void *sink_context) {
  if (a == NULL || sink == NULL || copy == NULL) {
    free(copy);
    return PT_ERR_INVALID_ARGUMENT;
  }
  int header;
  int64_t payload_length = payload_length_of(packet, length, &header);
  if (payload_length < 0) {
    free(copy);
    a->counters.malformed++;
    return PT_ERR_MALFORMED;
  }
  a->counters.packets++;
  a->counters.bytes += (double)length;
  if (a->gap_open) a->gap_paused_ms = gap_pause(a, now_ms); /* the stall, if any, ends here */
  a->arrived = 1;
  a->last_arrival_ms = now_ms;
  uint16_t wire_seq = (uint16_t)((packet[2] << 8) | packet[3]);
  if (!a->started) {
    a->started = 1;
    a->base = a->scan = a->highest = wire_seq;
    a->waiting_since_ms = now_ms;
    if (a->expected && (uint16_t)(wire_seq - a->expected_seq) <= PT_FA_EXPECT_SPAN) {
      /* the stream's first frame starts at expected_seq: wait for what is missing before this packet */
      a->base = a->scan = wire_seq - (int64_t)(uint16_t)(wire_seq - a->expected_seq);
      a->synced = 1;
      /* the first frame is the encoder's first, a keyframe: ask for one only if it has not come whole
         within the request interval, as if it had just been asked for */
      a->requested = 1;
      a->last_request_ms = now_ms;
    }
  }
  int64_t seq = extend(a, wire_seq);
  if (seq < a->base && !behind_window(a, seq, wire_seq, now_ms)) {
    free(copy);
    return PT_OK;
  }
  if (seq >= a->base) a->restart_valid = 0;
  if (held(a, seq) != NULL) {
    free(copy);
    a->counters.duplicates++;
    return PT_OK;
  }
  int status = make_room(a, seq, (size_t)payload_length, now_ms, sink, sink_context);
  if (status != PT_OK || seq < a->base) { /* a sink error, or the packet alone is over the byte budget */
    free(copy);
    update_gap(a);
    return status;
  }
  if (payload_length > 0) memcpy(copy, packet + header, (size_t)payload_length);
  if ((size_t)payload_length < length) { /* only the payload is counted against the budget: only it is held */
    uint8_t *smaller = realloc(copy, payload_length > 0 ? (size_t)payload_length : 1);
    if (smaller != NULL) copy = smaller;
  }
  uint32_t timestamp = ((uint32_t)packet[4] << 24) | ((uint32_t)packet[5] << 16) | ((uint32_t)packet[6] << 8);
  *slot_of(a, seq) = (pt_fa_slot){seq, a->epoch, SLOT_HELD, (uint8_t)(packet[1] >> 7), timestamp | packet[7],
                                  now_ms, copy, (size_t)payload_length};
  set_held_bit(a, index_of(a, seq), 1);
  note_arrival(a, seq);
  a->held_packets++;
  a->held_bytes += (size_t)payload_length;
  if (seq > a->highest) a->highest = seq;
  return settle(a, now_ms, sink, sink_context);
}

int pt_frame_assembler_poll(pt_frame_assembler *a, double now_ms, pt_frame_sink sink, void *sink_context) {
  if (a == NULL || sink == NULL) return PT_ERR_INVALID_ARGUMENT;
  return settle(a, now_ms, sink, sink_context);
}

int pt_frame_assembler_take_keyframe_request(pt_frame_assembler *a, double now_ms) {
  if (a == NULL || (!a->started && !a->asked) || !a->waiting) return 0;
  if (a->requested && now_ms < a->last_request_ms + a->config.keyframe_interval_ms) return 0;
  a->requested = 1;
  a->asked = 0;
  a->last_request_ms = now_ms;
  a->counters.keyframe_requests++;
  return 1;
}

double pt_frame_assembler_deadline(const pt_frame_assembler *a) {
  if (a == NULL) return -1.0;
  int any = a->gap_open;
  double earliest = -1.0;
  if (a->gap_open) {
    /* Due at the end of its wait; if by then nothing will have arrived for PT_FA_IDLE_MS, only once the longest
     * pause is used up (an arrival comes first: push settles the gap). */
    earliest = a->gap_since_ms + a->config.reorder_ms + a->gap_paused_ms;
    if (a->config.pause_when_idle && a->arrived && earliest > a->last_arrival_ms + PT_FA_IDLE_MS) {
      earliest = a->gap_since_ms + a->config.reorder_ms + PT_FA_MAX_PAUSE_MS;
    }
  }
  if ((a->started || a->asked) && a->waiting) { /* the next keyframe request: already due until one is taken */
    double due = a->waiting_since_ms;
    if (a->requested && a->last_request_ms + a->config.keyframe_interval_ms > due) {
      due = a->last_request_ms + a->config.keyframe_interval_ms;
    }
    if (!any || due < earliest) earliest = due;
  }
  return earliest;
}

void pt_frame_assembler_counters_of(const pt_frame_assembler *a, pt_frame_assembler_counters *out) {
  if (a == NULL || out == NULL) return;
  *out = a->counters;
}

void pt_frame_assembler_set_timing(pt_frame_assembler *a, double reorder_ms, double keyframe_interval_ms) {
  if (a == NULL) return;
  if (reorder_ms >= 0) a->config.reorder_ms = reorder_ms;
  if (keyframe_interval_ms >= 0) a->config.keyframe_interval_ms = keyframe_interval_ms;
}

int pt_frame_assembler_lookup(const pt_frame_assembler *a, uint16_t seq, const uint8_t **payload, size_t *length,
                              int *marker, uint32_t *timestamp) {
  if (a == NULL || !a->started) return PT_FA_GONE;
  int64_t extended = extend(a, seq);
  if (extended < a->base || extended >= a->base + (int64_t)a->config.max_packets) return PT_FA_GONE;
  const pt_fa_slot *slot = held(a, extended);
  if (slot == NULL) return PT_FA_WANTED;
  if (payload != NULL) *payload = slot->payload;
  if (length != NULL) *length = slot->length;
  if (marker != NULL) *marker = slot->marker;
  if (timestamp != NULL) *timestamp = slot->timestamp;
  return PT_FA_HELD;
}

void pt_frame_assembler_want_keyframe(pt_frame_assembler *a, double now_ms) {
  if (a == NULL) return;
  a->asked = 1;
  if (!a->started) a->waiting_since_ms = now_ms;
  enter_waiting(a, now_ms);
}

void pt_frame_assembler_expect(pt_frame_assembler *a, uint16_t seq) {
  if (a == NULL || a->started) return;
  a->expected = 1;
  a->expected_seq = seq;
}

int pt_frame_assembler_waiting_for_keyframe(const pt_frame_assembler *a) {
  return a != NULL && a->waiting;
}
