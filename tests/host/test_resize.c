/* The screen sizes a client's viewport becomes with `--follow-viewport` (the RandR requests themselves
 * need an X server: tests/browser/linux-host.test.mjs resizes Xvfb end to end). */
#include "host/x11_resize.h"

#include "../c/check.h"

static int width, height;

static void clamp(int w, int h, int max_w, int max_h) { pt_x11_resize_clamp(w, h, max_w, max_h, &width, &height); }

static void test_sizes_within_the_limits_are_kept(void) {
  clamp(640, 240, 3840, 2160);
  CHECK_EQ(width, 640);
  CHECK_EQ(height, 240);
  clamp(320, 240, 3840, 2160);
  CHECK_EQ(width, 320);
  CHECK_EQ(height, 240);
  clamp(3840, 2160, 3840, 2160);
  CHECK_EQ(width, 3840);
  CHECK_EQ(height, 2160);
}

static void test_small_sizes_become_the_minimum(void) {
  clamp(1, 1, 3840, 2160);
  CHECK_EQ(width, PT_X11_MIN_WIDTH);
  CHECK_EQ(height, PT_X11_MIN_HEIGHT);
  clamp(100, 900, 3840, 2160);
  CHECK_EQ(width, 320);
  CHECK_EQ(height, 900);
  clamp(-5, 0, 3840, 2160);
  CHECK_EQ(width, 320);
  CHECK_EQ(height, 240);
}

static void test_large_sizes_become_the_maximum(void) {
  clamp(16384, 16384, 3840, 2160);
  CHECK_EQ(width, 3840);
  CHECK_EQ(height, 2160);
  clamp(5000, 600, 1920, 1080);
  CHECK_EQ(width, 1920);
  CHECK_EQ(height, 600);
}

static void test_odd_sizes_are_rounded_down_to_even(void) {
  clamp(801, 481, 3840, 2160);
  CHECK_EQ(width, 800);
  CHECK_EQ(height, 480);
  clamp(321, 241, 3840, 2160);
  CHECK_EQ(width, 320);
  CHECK_EQ(height, 240);
  /* An odd maximum: the largest even size below it. */
  clamp(4000, 4000, 1921, 1081);
  CHECK_EQ(width, 1920);
  CHECK_EQ(height, 1080);
}

static void test_a_maximum_below_the_minimum_wins(void) {
  clamp(640, 480, 200, 100);
  CHECK_EQ(width, 200);
  CHECK_EQ(height, 100);
  pt_x11_resize_clamp(640, 480, 3840, 2160, NULL, NULL); /* outputs may be left out */
}

static void test_no_display_is_refused(void) {
  pt_x11_resize *resize = (pt_x11_resize *)&width;
  CHECK_EQ(pt_x11_resize_open(&resize, NULL), PT_ERR_INVALID_ARGUMENT);
  CHECK(resize == NULL);
  CHECK_EQ(pt_x11_resize_open(NULL, NULL), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_x11_resize_set(NULL, 640, 480, NULL, NULL), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_x11_screen_size(NULL, &width, &height), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_x11_screen_event(NULL, NULL), 0);
  pt_x11_resize_close(NULL);
}

int main(void) {
  RUN(test_sizes_within_the_limits_are_kept);
  RUN(test_small_sizes_become_the_minimum);
  RUN(test_large_sizes_become_the_maximum);
  RUN(test_odd_sizes_are_rounded_down_to_even);
  RUN(test_a_maximum_below_the_minimum_wins);
  RUN(test_no_display_is_refused);
  return 0;
}
