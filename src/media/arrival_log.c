#include "media/arrival_log.h"

#include <string.h>

#define MASK (PT_ARRIVAL_LOG_SIZE - 1)
#define EMPTY INT64_MIN /* no extended sequence number can be this */

void pt_arrival_log_init(pt_arrival_log *log) {
  memset(log, 0, sizeof *log);
  for (int i = 0; i < PT_ARRIVAL_LOG_SIZE; i++) log->seqs[i] = EMPTY;
}

void pt_arrival_log_record(pt_arrival_log *log, uint16_t seq, double now_ms) {
  int64_t extended = seq;
  if (!log->started) {
    log->started = 1;
    log->highest = log->report_from = extended;
  } else {
    int32_t delta = (uint16_t)(seq - (uint16_t)log->highest);
    if (delta >= 32768) delta -= 65536;
    extended = log->highest + delta;
  }
  if (extended + PT_FEEDBACK_MAX_ARRIVALS <= log->highest) return; /* too late to be reported again */
  log->seqs[extended & MASK] = extended;
  log->arrival_ms[extended & MASK] = now_ms;
  if (extended > log->highest) log->highest = extended;
  if (extended < log->report_from) log->report_from = extended; /* reported missing before: report it again */
}

uint16_t pt_arrival_log_take(pt_arrival_log *log, pt_feedback_arrivals *report) {
  report->count = 0;
  if (!log->started || log->report_from > log->highest) return 0;
  int64_t from = log->report_from;
  if (log->highest - from + 1 > PT_FEEDBACK_MAX_ARRIVALS) from = log->highest + 1 - PT_FEEDBACK_MAX_ARRIVALS;
  report->base_seq = (uint16_t)from;
  for (int64_t seq = from; seq <= log->highest; seq++) {
    size_t i = (size_t)(seq - from);
    report->received[i] = log->seqs[seq & MASK] == seq;
    report->arrival_ms[i] = report->received[i] ? log->arrival_ms[seq & MASK] : 0;
  }
  report->count = (uint16_t)(log->highest - from + 1);
  log->report_from = log->highest + 1;
  return report->count;
}
