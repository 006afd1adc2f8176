#include "core/output_queue.h"

#include <string.h>

#include "check.h"

static void test_fifo_order_and_payloads(void) {
  pt_output_queue queue;
  CHECK_EQ(pt_output_queue_init(&queue, 1024, 16), PT_OK);
  CHECK_EQ(pt_output_queue_push(&queue, PT_OUTPUT_SEND, 7, 1, "hello", 5), PT_OK);
  CHECK_EQ(pt_output_queue_push(&queue, PT_OUTPUT_EVENT, 9, 2, "{}", 2), PT_OK);
  CHECK_EQ(pt_output_queue_push(&queue, PT_OUTPUT_EVENT, 9, 3, NULL, 0), PT_OK);

  pt_output_info info;
  char buf[16];
  CHECK_EQ(pt_output_queue_peek(&queue, &info), PT_OUTPUT_SEND);
  CHECK_EQ(info.handle, 7);
  CHECK_EQ(info.code, 1);
  CHECK_EQ(info.length, 5);
  CHECK_EQ(pt_output_queue_take(&queue, buf, sizeof buf), 5);
  CHECK(memcmp(buf, "hello", 5) == 0);

  CHECK_EQ(pt_output_queue_peek(&queue, &info), PT_OUTPUT_EVENT);
  CHECK_EQ(info.code, 2);
  CHECK_EQ(pt_output_queue_take(&queue, buf, sizeof buf), 2);
  CHECK(memcmp(buf, "{}", 2) == 0);

  /* An empty payload is an output too, not a drop. */
  CHECK_EQ(pt_output_queue_peek(&queue, &info), PT_OUTPUT_EVENT);
  CHECK_EQ(info.length, 0);
  CHECK_EQ(pt_output_queue_take(&queue, NULL, 0), 0);
  CHECK_EQ(pt_output_queue_peek(&queue, &info), PT_OUTPUT_NONE);
  pt_output_queue_clear(&queue);
}

static void test_small_buffer_keeps_item(void) {
  pt_output_queue queue;
  pt_output_queue_init(&queue, 1024, 16);
  CHECK_EQ(pt_output_queue_push(&queue, PT_OUTPUT_SEND, 1, 1, "0123456789", 10), PT_OK);
  char buf[10];
  CHECK_EQ(pt_output_queue_take(&queue, buf, 9), PT_ERR_BUFFER_TOO_SMALL);
  pt_output_info info;
  CHECK_EQ(pt_output_queue_peek(&queue, &info), PT_OUTPUT_SEND);
  CHECK_EQ(pt_output_queue_take(&queue, buf, 10), 10);
  CHECK(memcmp(buf, "0123456789", 10) == 0);
  pt_output_queue_clear(&queue);
}

static void test_budgets_refuse_instead_of_dropping(void) {
  pt_output_queue queue;
  pt_output_queue_init(&queue, 10, 3);
  CHECK_EQ(pt_output_queue_push(&queue, PT_OUTPUT_SEND, 1, 1, "123456", 6), PT_OK);
  CHECK_EQ(pt_output_queue_push(&queue, PT_OUTPUT_SEND, 1, 1, "12345", 5), PT_ERR_QUEUE_FULL);
  CHECK_EQ(pt_output_queue_push(&queue, PT_OUTPUT_SEND, 1, 1, "1234", 4), PT_OK);
  CHECK_EQ(pt_output_queue_push(&queue, PT_OUTPUT_SEND, 1, 1, "", 0), PT_OK);
  CHECK_EQ(pt_output_queue_push(&queue, PT_OUTPUT_SEND, 1, 1, "", 0), PT_ERR_QUEUE_FULL); /* items */
  char buf[8];
  CHECK_EQ(pt_output_queue_take(&queue, buf, sizeof buf), 6);
  CHECK_EQ(pt_output_queue_push(&queue, PT_OUTPUT_SEND, 1, 1, "12345", 5), PT_OK);
  CHECK_EQ(queue.bytes, 9);
  pt_output_queue_clear(&queue);
  CHECK_EQ(queue.bytes, 0);
  CHECK_EQ(queue.items, 0);
}

static void test_deadline_reported_once_after_items(void) {
  pt_output_queue queue;
  pt_output_queue_init(&queue, 64, 4);
  pt_output_info info;
  CHECK_EQ(pt_output_queue_peek(&queue, &info), PT_OUTPUT_NONE);
  pt_output_queue_set_deadline(&queue, 1500.0);
  pt_output_queue_push(&queue, PT_OUTPUT_EVENT, 3, 1, "x", 1);
  CHECK_EQ(pt_output_queue_peek(&queue, &info), PT_OUTPUT_EVENT);
  char buf[4];
  pt_output_queue_take(&queue, buf, sizeof buf);
  CHECK_EQ(pt_output_queue_peek(&queue, &info), PT_OUTPUT_DEADLINE);
  CHECK(info.deadline_ms == 1500.0);
  CHECK_EQ(pt_output_queue_take(&queue, buf, sizeof buf), 0);
  CHECK_EQ(pt_output_queue_peek(&queue, &info), PT_OUTPUT_NONE);
  /* The same deadline again is not news; a change or a cancellation is. */
  pt_output_queue_set_deadline(&queue, 1500.0);
  CHECK_EQ(pt_output_queue_peek(&queue, &info), PT_OUTPUT_NONE);
  pt_output_queue_set_deadline(&queue, -3.0);
  CHECK_EQ(pt_output_queue_peek(&queue, &info), PT_OUTPUT_DEADLINE);
  CHECK(info.deadline_ms == -1.0);
  pt_output_queue_clear(&queue);
}

static void test_invalid_arguments(void) {
  pt_output_queue queue;
  CHECK_EQ(pt_output_queue_init(&queue, 0, 1), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_output_queue_init(&queue, 1, 0), PT_ERR_INVALID_ARGUMENT);
  pt_output_queue_init(&queue, 64, 4);
  CHECK_EQ(pt_output_queue_push(&queue, PT_OUTPUT_DEADLINE, 1, 1, "x", 1), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_output_queue_push(&queue, PT_OUTPUT_SEND, 1, 1, NULL, 3), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(queue.items, 0);
}

int main(void) {
  RUN(test_fifo_order_and_payloads);
  RUN(test_small_buffer_keeps_item);
  RUN(test_budgets_refuse_instead_of_dropping);
  RUN(test_deadline_reported_once_after_items);
  RUN(test_invalid_arguments);
  return 0;
}
