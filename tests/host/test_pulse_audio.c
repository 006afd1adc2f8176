/* The host's audio capture without a sound server: it says so at once, starts none (no autospawn)
 * and leaves nothing behind (the ASan build checks for leaks). With a server it is tested end to
 * end by tests/node/linux-host-audio.test.mjs. */
#include "host/pulse_audio.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../c/check.h"

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static void test_a_missing_server_is_unreachable_at_once(void) {
  CHECK(setenv("PULSE_SERVER", "unix:/nonexistent/petrichor/native", 1) == 0);
  pt_pulse_audio *audio = (pt_pulse_audio *)&audio;
  double started = now_s();
  CHECK_EQ(pt_pulse_audio_open(&audio, 2000), PT_ERR_UNREACHABLE);
  CHECK(audio == NULL);
  CHECK(now_s() - started < 1.0);
}

static void test_no_server_is_started_when_none_runs(void) {
  /* No server named, and an empty runtime folder: libpulse would autospawn one if let. */
  char folder[] = "/tmp/petrichor-pulse-XXXXXX";
  CHECK(mkdtemp(folder) != NULL);
  CHECK(unsetenv("PULSE_SERVER") == 0);
  CHECK(unsetenv("DISPLAY") == 0); /* no server named on an X display's root window either */
  CHECK(setenv("PULSE_RUNTIME_PATH", folder, 1) == 0);
  CHECK(setenv("XDG_RUNTIME_DIR", folder, 1) == 0);
  pt_pulse_audio *audio;
  CHECK_EQ(pt_pulse_audio_open(&audio, 2000), PT_ERR_UNREACHABLE);
  CHECK(audio == NULL);
  /* Nothing appeared where a spawned server would put its socket. */
  char socket_path[sizeof folder + 16];
  strcpy(socket_path, folder);
  strcat(socket_path, "/native");
  struct stat st;
  CHECK(stat(socket_path, &st) != 0);
  CHECK(rmdir(folder) == 0);
}

static void test_a_server_that_never_answers_times_out(void) {
  /* A socket that is listened on and never served: the connection hangs until the deadline. */
  char folder[] = "/tmp/petrichor-pulse-XXXXXX";
  CHECK(mkdtemp(folder) != NULL);
  struct sockaddr_un address = {.sun_family = AF_UNIX};
  CHECK(strlen(folder) + 8 < sizeof address.sun_path);
  strcpy(address.sun_path, folder);
  strcat(address.sun_path, "/native");
  int listener = socket(AF_UNIX, SOCK_STREAM, 0);
  CHECK(listener >= 0);
  CHECK(bind(listener, (struct sockaddr *)&address, sizeof address) == 0);
  CHECK(listen(listener, 4) == 0);
  char server[sizeof address.sun_path + 8] = "unix:";
  strcat(server, address.sun_path);
  CHECK(setenv("PULSE_SERVER", server, 1) == 0);
  pt_pulse_audio *audio;
  double started = now_s();
  CHECK_EQ(pt_pulse_audio_open(&audio, 300), PT_ERR_TIMEOUT);
  double took = now_s() - started;
  CHECK(took >= 0.25 && took < 2.0);
  CHECK(audio == NULL);
  close(listener);
  CHECK(unlink(address.sun_path) == 0);
  CHECK(rmdir(folder) == 0);
}

static void test_rejects_bad_arguments(void) {
  pt_pulse_audio *audio;
  CHECK_EQ(pt_pulse_audio_open(NULL, 1000), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_pulse_audio_open(&audio, 0), PT_ERR_INVALID_ARGUMENT);
  int16_t samples[4];
  size_t frames;
  int64_t timestamp;
  CHECK_EQ(pt_pulse_audio_read(NULL, samples, 2, &frames, &timestamp), PT_ERR_INVALID_ARGUMENT);
  CHECK_EQ(pt_pulse_audio_fd(NULL), -1);
  CHECK_EQ(pt_pulse_audio_dropped(NULL), 0);
  pt_pulse_audio_close(NULL);
}

int main(void) {
  /* libpulse makes a cookie file when there is none: this one, not the user's. */
  char home[] = "/tmp/petrichor-pulse-home-XXXXXX";
  CHECK(mkdtemp(home) != NULL);
  char cookie[sizeof home + 8];
  strcpy(cookie, home);
  strcat(cookie, "/cookie");
  CHECK(setenv("HOME", home, 1) == 0);
  CHECK(setenv("PULSE_COOKIE", cookie, 1) == 0);
  RUN(test_a_missing_server_is_unreachable_at_once);
  RUN(test_no_server_is_started_when_none_runs);
  RUN(test_a_server_that_never_answers_times_out);
  RUN(test_rejects_bad_arguments);
  unlink(cookie);
  CHECK(rmdir(home) == 0);
  return 0;
}
