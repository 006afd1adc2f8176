/* Receive side of congestion control: the arrival time of every packet of one RTP stream, turned
 * into arrival reports (media/feedback.h) that cover each sequence number once, plus late arrivals
 * again (a packet first reported missing that came later). A ring of PT_ARRIVAL_LOG_SIZE numbers. */
#ifndef PT_MEDIA_ARRIVAL_LOG_H
#define PT_MEDIA_ARRIVAL_LOG_H

#include <stdint.h>

#include "media/feedback.h"

#define PT_ARRIVAL_LOG_SIZE 1024 /* a power of two, at least twice PT_FEEDBACK_MAX_ARRIVALS */

typedef struct pt_arrival_log {
  int started;
  int64_t highest, report_from; /* extended sequence numbers: newest seen, first not yet reported */
  int64_t seqs[PT_ARRIVAL_LOG_SIZE];
  double arrival_ms[PT_ARRIVAL_LOG_SIZE];
} pt_arrival_log;

/* Empties the log. */
void pt_arrival_log_init(pt_arrival_log *log);

/* Records that seq arrived at now_ms (receiver clock). */
void pt_arrival_log_record(pt_arrival_log *log, uint16_t seq, double now_ms);

/* Fills base_seq, count, received and arrival_ms of *report with what is not reported yet (the
 * newest PT_FEEDBACK_MAX_ARRIVALS numbers at most); returns count (0: nothing new). */
uint16_t pt_arrival_log_take(pt_arrival_log *log, pt_feedback_arrivals *report);

#endif
