/*
 * link_impair: a user-space impaired link between two TUN devices, for tests (this kernel has no netem).
 *
 *   link_impair --tun-a NAME_A --tun-b NAME_B [--seed N]
 *
 * Opens two TUN devices (IFF_TUN | IFF_NO_PI), prints "ready" once both are open, then forwards IP
 * packets read from A to B ("ab") and from B to A ("ba"), impairing each direction on its own. The
 * devices may be moved into other network namespaces after "ready": the open descriptors keep working.
 * Closing the program removes the devices.
 *
 * Per packet of a direction, in this order:
 *   loss     independent random drop with that probability;
 *   rate     a serialising bottleneck: the packet occupies the link for bytes*8/rate seconds and waits
 *            FIFO behind earlier ones; if more than `queue` ms of transmission is already waiting, it is
 *            tail-dropped;
 *   delay    then a fixed one-way delay, plus a uniform random 0..jitter ms (so packets may overtake);
 *   reorder  with that probability, held back by a further delay+jitter+5 ms, so later packets overtake.
 * With udp_only=1 (the default) all of it applies to UDP only (IPv4 protocol 17, or IPv6 next header
 * 17); every other packet (TCP, ICMP) is forwarded untouched at once.
 *
 * stdin protocol, one command a line, each answered by one line on stdout:
 *   set <ab|ba|both> [loss=P] [delay=MS] [jitter=MS] [reorder=P] [rate=BPS] [queue=MS] [udp_only=0|1]
 *       -> "ok" or "error <why>"; unspecified keys keep their value (defaults: all 0, queue=200,
 *          udp_only=1; rate 0 = unlimited, P in 0..1)
 *   stats -> one line of JSON: {"ab":{"in":..,"dropped_loss":..,"dropped_queue":..,"dropped_limit":..,
 *          "write_errors":..,"forwarded":..,"bytes_forwarded":..,"max_queue_delay_ms":..},"ba":{..}}
 *          (dropped_limit: the program's own bound of 65536 scheduled packets or 64 MiB was reached)
 *   quit  -> exits; so does end of input.
 *
 * With PT_LINK_TRACE=FILE in the environment, every impaired packet's fate goes to FILE as a line:
 * "<CLOCK_MONOTONIC ms> <ab|ba> <bytes> <sent|lost|queue-full|limit>" (for looking into a run by hand).
 *
 * Single thread: poll() over both devices and stdin, timed by the earliest scheduled packet of one
 * binary heap (CLOCK_MONOTONIC). Seeded splitmix64 random numbers (--seed, default from the clock).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define MAX_PACKET 65535
#define MAX_SCHEDULED 65536
#define MAX_SCHEDULED_BYTES (64u << 20)
#define READS_PER_WAKE 64 /* packets read from one device before looking at the other again */

typedef struct {
  double loss, delay_ms, jitter_ms, reorder, rate_bps, queue_ms;
  int udp_only;
} settings;

typedef struct {
  uint64_t in, dropped_loss, dropped_queue, dropped_limit, write_errors, forwarded, bytes_forwarded;
  double max_queue_delay_ms;
} counters;

typedef struct {
  settings set;
  counters count;
  uint64_t busy_until; /* ns: when the bottleneck finishes sending what it already holds */
  int in_fd, out_fd;
} direction;

typedef struct {
  uint64_t due; /* ns, CLOCK_MONOTONIC */
  uint64_t order; /* ties leave in arrival order */
  direction *dir;
  uint32_t length;
  unsigned char *data;
} scheduled;

static direction dirs[2]; /* [0] = ab, [1] = ba */
static scheduled heap[MAX_SCHEDULED];
static size_t heap_size, heap_bytes;
static uint64_t next_order, rng_state;
static FILE *trace; /* PT_LINK_TRACE, or NULL */

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t splitmix64(void) {
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double random_unit(void) { return (double)(splitmix64() >> 11) * 0x1.0p-53; }

static uint64_t ms_to_ns(double ms) { return ms <= 0 ? 0 : (uint64_t)(ms * 1e6 + 0.5); }

/* ---- binary min-heap of scheduled packets, keyed by (due, order) ---- */

static int earlier(const scheduled *a, const scheduled *b) {
  return a->due != b->due ? a->due < b->due : a->order < b->order;
}

static void heap_swap(size_t i, size_t j) {
  scheduled t = heap[i];
  heap[i] = heap[j];
  heap[j] = t;
}

static void heap_push(scheduled item) {
  size_t i = heap_size++;
  heap[i] = item;
  heap_bytes += item.length;
  while (i > 0 && earlier(&heap[i], &heap[(i - 1) / 2])) {
    heap_swap(i, (i - 1) / 2);
    i = (i - 1) / 2;
  }
}

static scheduled heap_pop(void) {
  scheduled top = heap[0];
  heap[0] = heap[--heap_size];
  heap_bytes -= top.length;
  size_t i = 0;
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < heap_size && earlier(&heap[l], &heap[m])) m = l;
    if (r < heap_size && earlier(&heap[r], &heap[m])) m = r;
    if (m == i) break;
    heap_swap(i, m);
    i = m;
  }
  return top;
}

/* ---- forwarding ---- */

static void send_now(direction *d, const unsigned char *data, size_t length) {
  if (write(d->out_fd, data, length) == (ssize_t)length) {
    d->count.forwarded++;
    d->count.bytes_forwarded += length;
  } else {
    d->count.write_errors++; /* e.g. the other device is not up yet */
  }
}

static int is_udp(const unsigned char *p, size_t length) {
  if (length >= 20 && (p[0] >> 4) == 4) return p[9] == 17;
  if (length >= 40 && (p[0] >> 4) == 6) return p[6] == 17;
  return 0;
}

static void note(const direction *d, size_t length, uint64_t now, const char *fate) {
  if (trace) fprintf(trace, "%.3f %s %zu %s\n", (double)now / 1e6, d == &dirs[0] ? "ab" : "ba", length, fate);
}

static void on_packet(direction *d, const unsigned char *data, size_t length, uint64_t now) {
  const settings *s = &d->set;
  d->count.in++;
  if (s->udp_only && !is_udp(data, length)) {
    send_now(d, data, length);
    return;
  }
  if (s->loss > 0 && random_unit() < s->loss) {
    d->count.dropped_loss++;
    note(d, length, now, "lost");
    return;
  }
  uint64_t leaves = now; /* when the bottleneck has sent the packet's last bit */
  if (s->rate_bps > 0) {
    uint64_t start = d->busy_until > now ? d->busy_until : now;
    if (start - now > ms_to_ns(s->queue_ms)) {
      d->count.dropped_queue++;
      note(d, length, now, "queue-full");
      return;
    }
    double waited_ms = (double)(start - now) / 1e6;
    if (waited_ms > d->count.max_queue_delay_ms) d->count.max_queue_delay_ms = waited_ms;
    leaves = start + (uint64_t)((double)length * 8.0 / s->rate_bps * 1e9 + 0.5);
    d->busy_until = leaves;
  }
  double extra_ms = s->delay_ms + (s->jitter_ms > 0 ? random_unit() * s->jitter_ms : 0);
  if (s->reorder > 0 && random_unit() < s->reorder) extra_ms += s->delay_ms + s->jitter_ms + 5;
  uint64_t due = leaves + ms_to_ns(extra_ms);
  if (due <= now) {
    note(d, length, now, "sent");
    send_now(d, data, length);
    return;
  }
  if (heap_size >= MAX_SCHEDULED || heap_bytes + length > MAX_SCHEDULED_BYTES) {
    d->count.dropped_limit++;
    note(d, length, now, "limit");
    return;
  }
  unsigned char *copy = malloc(length);
  if (!copy) {
    d->count.dropped_limit++;
    note(d, length, now, "limit");
    return;
  }
  note(d, length, now, "sent");
  memcpy(copy, data, length);
  heap_push((scheduled){due, next_order++, d, (uint32_t)length, copy});
}

static void send_due(uint64_t now) {
  while (heap_size > 0 && heap[0].due <= now) {
    scheduled item = heap_pop();
    send_now(item.dir, item.data, item.length);
    free(item.data);
  }
}

/* Reads what a device has, up to READS_PER_WAKE packets. */
static void read_device(direction *d) {
  static unsigned char buffer[MAX_PACKET];
  for (int i = 0; i < READS_PER_WAKE; i++) {
    ssize_t n = read(d->in_fd, buffer, sizeof buffer);
    if (n <= 0) return; /* EAGAIN, or nothing */
    on_packet(d, buffer, (size_t)n, now_ns());
  }
}

/* ---- commands ---- */

static void reply(const char *line) {
  fputs(line, stdout);
  fputc('\n', stdout);
  fflush(stdout);
}

static int parse_number(const char *text, double min, double max, double *out) {
  char *end;
  errno = 0;
  double v = strtod(text, &end);
  if (errno || end == text || *end || !(v >= min && v <= max)) return 0; /* also refuses NaN */
  *out = v;
  return 1;
}

static const struct {
  const char *name;
  double min, max;
} KEYS[] = {
    {"loss", 0, 1},  {"delay", 0, 3.6e6}, {"jitter", 0, 3.6e6}, {"reorder", 0, 1},
    {"rate", 0, 1e12}, {"queue", 0, 3.6e6}, {"udp_only", 0, 1},
};
#define KEY_COUNT (sizeof KEYS / sizeof KEYS[0])

/* Applies one key=value to a settings copy; writes the reason to why and returns 0 when it cannot. */
static int apply_setting(settings *s, char *word, char *why, size_t why_size) {
  char *eq = strchr(word, '=');
  if (!eq) {
    snprintf(why, why_size, "expected key=value, got %.60s", word);
    return 0;
  }
  *eq = 0;
  size_t k = 0;
  while (k < KEY_COUNT && strcmp(KEYS[k].name, word)) k++;
  double v;
  if (k == KEY_COUNT) {
    snprintf(why, why_size, "unknown key %.40s", word);
    return 0;
  }
  if (!parse_number(eq + 1, KEYS[k].min, KEYS[k].max, &v) || (k == 6 && v != 0 && v != 1)) {
    snprintf(why, why_size, "bad value for %s: %.40s", KEYS[k].name, eq + 1);
    return 0;
  }
  double *fields[] = {&s->loss, &s->delay_ms, &s->jitter_ms, &s->reorder, &s->rate_bps, &s->queue_ms};
  if (k == 6) s->udp_only = (int)v;
  else *fields[k] = v;
  return 1;
}

static void command_set(char *args) {
  char *save = NULL, *word = strtok_r(args, " \t", &save);
  char why[128] = "direction must be ab, ba or both";
  int first = 0, last = 1, ok = 1;
  if (!word) ok = 0;
  else if (!strcmp(word, "ab")) last = 0;
  else if (!strcmp(word, "ba")) first = 1;
  else if (strcmp(word, "both")) ok = 0;

  settings next[2] = {dirs[0].set, dirs[1].set}; /* all keys are checked before any takes effect */
  while (ok && (word = strtok_r(NULL, " \t", &save))) {
    char copy[128];
    for (int i = first; ok && i <= last; i++) {
      snprintf(copy, sizeof copy, "%s", word);
      ok = apply_setting(&next[i], copy, why, sizeof why);
    }
  }
  if (!ok) {
    char line[160];
    snprintf(line, sizeof line, "error %s", why);
    reply(line);
    return;
  }
  for (int i = first; i <= last; i++) dirs[i].set = next[i];
  reply("ok");
}

static void command_stats(void) {
  printf("{");
  for (int i = 0; i < 2; i++) {
    const counters *c = &dirs[i].count;
    printf("%s\"%s\":{\"in\":%llu,\"dropped_loss\":%llu,\"dropped_queue\":%llu,\"dropped_limit\":%llu,"
           "\"write_errors\":%llu,\"forwarded\":%llu,\"bytes_forwarded\":%llu,\"max_queue_delay_ms\":%.3f}",
           i ? "," : "", i ? "ba" : "ab", (unsigned long long)c->in, (unsigned long long)c->dropped_loss,
           (unsigned long long)c->dropped_queue, (unsigned long long)c->dropped_limit,
           (unsigned long long)c->write_errors, (unsigned long long)c->forwarded,
           (unsigned long long)c->bytes_forwarded, c->max_queue_delay_ms);
  }
  printf("}\n");
  fflush(stdout);
}

/* Runs one command line; returns 0 when asked to quit. */
static int run_command(char *line) {
  size_t n = strlen(line);
  while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' ')) line[--n] = 0;
  char *rest = line + strspn(line, " \t");
  if (!*rest) return 1;
  if (!strncmp(rest, "set", 3) && (rest[3] == ' ' || rest[3] == '\t' || !rest[3])) command_set(rest + 3);
  else if (!strcmp(rest, "stats")) command_stats();
  else if (!strcmp(rest, "quit")) return 0;
  else reply("error unknown command");
  return 1;
}

/* Reads what stdin has; returns 0 on quit or end of input. */
static int read_commands(void) {
  static char buffer[4096];
  static size_t used;
  ssize_t n = read(STDIN_FILENO, buffer + used, sizeof buffer - 1 - used);
  if (n < 0) return errno == EINTR || errno == EAGAIN;
  if (n == 0) return 0;
  used += (size_t)n;
  buffer[used] = 0;
  char *start = buffer, *newline;
  while ((newline = strchr(start, '\n'))) {
    *newline = 0;
    if (!run_command(start)) return 0;
    start = newline + 1;
  }
  used -= (size_t)(start - buffer);
  memmove(buffer, start, used);
  if (used == sizeof buffer - 1) {
    used = 0;
    reply("error line too long");
  }
  return 1;
}

/* ---- set-up ---- */

static int open_tun(const char *name) {
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    perror("link_impair: /dev/net/tun");
    exit(1);
  }
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  if (strlen(name) >= IFNAMSIZ) {
    fprintf(stderr, "link_impair: device name too long (at most %d characters): %s\n", IFNAMSIZ - 1, name);
    exit(2);
  }
  strcpy(ifr.ifr_name, name);
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    fprintf(stderr, "link_impair: TUNSETIFF %s: %s\n", name, strerror(errno));
    exit(1);
  }
  return fd;
}

static void usage(void) {
  fprintf(stderr, "usage: link_impair --tun-a NAME_A --tun-b NAME_B [--seed N]\n");
  exit(2);
}

int main(int argc, char **argv) {
  const char *name_a = NULL, *name_b = NULL;
  rng_state = now_ns() ^ ((uint64_t)getpid() << 32);
  for (int i = 1; i < argc; i++) {
    if (i + 1 >= argc) usage();
    if (!strcmp(argv[i], "--tun-a")) name_a = argv[++i];
    else if (!strcmp(argv[i], "--tun-b")) name_b = argv[++i];
    else if (!strcmp(argv[i], "--seed")) rng_state = strtoull(argv[++i], NULL, 0);
    else usage();
  }
  if (!name_a || !name_b) usage();
  signal(SIGPIPE, SIG_IGN);
  if (getenv("PT_LINK_TRACE")) trace = fopen(getenv("PT_LINK_TRACE"), "w");

  int fd_a = open_tun(name_a), fd_b = open_tun(name_b);
  const settings defaults = {0, 0, 0, 0, 0, 200, 1};
  dirs[0] = (direction){defaults, {0}, 0, fd_a, fd_b};
  dirs[1] = (direction){defaults, {0}, 0, fd_b, fd_a};
  reply("ready");

  struct pollfd fds[3] = {{STDIN_FILENO, POLLIN, 0}, {fd_a, POLLIN, 0}, {fd_b, POLLIN, 0}};
  for (;;) {
    struct timespec wait, *timeout = NULL;
    if (heap_size > 0) {
      uint64_t now = now_ns(), left = heap[0].due > now ? heap[0].due - now : 0;
      wait.tv_sec = (time_t)(left / 1000000000u);
      wait.tv_nsec = (long)(left % 1000000000u);
      timeout = &wait;
    }
    if (ppoll(fds, 3, timeout, NULL) < 0 && errno != EINTR) {
      perror("link_impair: ppoll");
      return 1;
    }
    send_due(now_ns());
    if (fds[1].revents & POLLIN) read_device(&dirs[0]);
    if (fds[2].revents & POLLIN) read_device(&dirs[1]);
    if (fds[1].revents & (POLLERR | POLLHUP | POLLNVAL) || fds[2].revents & (POLLERR | POLLHUP | POLLNVAL)) {
      fprintf(stderr, "link_impair: a device went away\n");
      return 1;
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR) && !read_commands()) return 0;
    send_due(now_ns());
  }
}
