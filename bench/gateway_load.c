/* The clients of the gateway relay bench (bench/gateway-relay.mjs), in one native thread: N WebSocket
 * clients in pairs, each relaying one ~200-byte signal a second to its partner through the server. Native
 * and single-threaded so that the load generator takes one core at most and pauses for no collector: on a
 * two-core machine the figures are then the server's, not the clients'.
 *
 * usage: gateway_load PORT PATH API_KEY KIND COUNT CLIENTS_PER_ADDRESS LATENCY_FILE
 *   KIND "gateway" pairs clients through a connection request accepted through the gateway; any other
 *   kind (a bare relay) only needs their ids. Clients connect from 127.0.0.2, .3, … (CLIENTS_PER_ADDRESS each).
 * Commands on stdin, one a line, each answered by a JSON line on stdout:
 *   connect → connects, says hello and pairs every client → {"connected":true} (or {"error":"…"})
 *   start   → each client sends a signal a second to its partner, in the millisecond its index gives it
 *   measure → from now on, arrivals are timed
 *   stop    → the latencies (ms, float64) are written to LATENCY_FILE →
 *             {"sent":…,"relayed":…,"loopDelayP99Ms":…,"cpuUs":…} (CPU since measure) */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RX_BYTES 65536     /* a server message larger than this ends the run (the hello is ~1 KB) */
#define TX_BYTES 16384     /* unsent bytes a client may hold before the run fails */
#define CONNECT_BATCH 250  /* clients setting up at once */
#define SLOTS 1000         /* send slots per second, a millisecond each */
#define ID_BYTES 64
#define POLL_US 250      /* while sending, arrivals are read this often */

enum state { CONNECTING, UPGRADING, HELLO, PAIRING, READY };

typedef struct client {
  int fd;
  int index;
  enum state state;
  char id[ID_BYTES];
  int partner;  /* index of the partner */
  int want_out; /* EPOLLOUT is asked for */
  size_t rx_length, tx_length;
  unsigned char rx[RX_BYTES];
  unsigned char tx[TX_BYTES];
} client;

static client *clients;
static int count, per_address, port, epoll_fd;
static const char *path, *api_key, *kind, *latency_file;
static int ready_count, paired_pairs;
static int measuring, sending;
static size_t sent, relayed;
static double *latencies;
static size_t latencies_capacity;
static double *loop_delays;
static size_t loop_delays_length, loop_delays_capacity;
static struct rusage usage_at_measure;

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void fail(const char *message) {
  printf("{\"error\":\"%s\"}\n", message);
  fflush(stdout);
  exit(1);
}

static void push(double **values, size_t *length, size_t *capacity, double value) {
  if (*length == *capacity) {
    *capacity = *capacity ? *capacity * 2 : 65536;
    *values = realloc(*values, *capacity * sizeof **values);
    if (*values == NULL) fail("out of memory");
  }
  (*values)[(*length)++] = value;
}

/* Queues bytes for the client's socket and writes what the socket takes. */
static void queue_bytes(client *c, const void *bytes, size_t length) {
  if (length > TX_BYTES - c->tx_length) fail("a client's send buffer is full: the server does not read");
  memcpy(c->tx + c->tx_length, bytes, length);
  c->tx_length += length;
  if (c->tx_length > 0) {
    ssize_t written = write(c->fd, c->tx, c->tx_length);
    if (written < 0 && errno != EAGAIN) fail("write failed");
    if (written > 0) {
      memmove(c->tx, c->tx + written, c->tx_length - (size_t)written);
      c->tx_length -= (size_t)written;
    }
  }
  if (c->want_out != (c->tx_length > 0)) {
    c->want_out = c->tx_length > 0;
    struct epoll_event event = {.events = EPOLLIN | (c->want_out ? EPOLLOUT : 0), .data.u32 = (uint32_t)c->index};
    epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c->fd, &event);
  }
}

/* Sends one masked client frame. */
static void send_frame(client *c, int opcode, const char *payload, size_t length) {
  unsigned char frame[8 + 512];
  if (length > 512) fail("frame too large");
  size_t at = 0;
  frame[at++] = (unsigned char)(0x80 | opcode);
  if (length < 126) {
    frame[at++] = (unsigned char)(0x80 | length);
  } else {
    frame[at++] = 0x80 | 126;
    frame[at++] = (unsigned char)(length >> 8);
    frame[at++] = (unsigned char)length;
  }
  static const unsigned char mask[4] = {0x37, 0xfa, 0x21, 0x3d};
  memcpy(frame + at, mask, 4);
  at += 4;
  for (size_t i = 0; i < length; i++) frame[at + i] = (unsigned char)payload[i] ^ mask[i & 3];
  queue_bytes(c, frame, at + length);
}

static void send_text(client *c, const char *text) { send_frame(c, 0x1, text, strlen(text)); }

static void send_signal(client *c) {
  char text[512];
  int length = snprintf(text, sizeof text,
                        "{\"type\":\"signal\",\"requestId\":\"r\",\"target\":\"%s\",\"kind\":\"candidate\",\"data\":{"
                        "\"candidate\":\"candidate:842163049 1 udp 1677729535 203.0.113.7 46154 typ srflx raddr "
                        "0.0.0.0 rport 0 t %.3f\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0}}",
                        clients[c->partner].id, now_ms());
  send_frame(c, 0x1, text, (size_t)length);
}

/* The string value of "field" in a JSON text (no escapes expected), or 0. */
static int json_string(const char *text, size_t length, const char *field, char *out, size_t out_size) {
  char key[64];
  snprintf(key, sizeof key, "\"%s\":\"", field);
  const char *at = memmem(text, length, key, strlen(key));
  if (at == NULL) return 0;
  at += strlen(key);
  const char *end = memchr(at, '"', length - (size_t)(at - text));
  if (end == NULL || (size_t)(end - at) >= out_size) return 0;
  memcpy(out, at, (size_t)(end - at));
  out[end - at] = 0;
  return 1;
}

static void became_ready(client *c) {
  c->state = READY;
  ready_count++;
}

/* A text message from the server. */
static void on_message(client *c, const char *text, size_t length) {
  if (c->state == READY) {
    if (!measuring) return;
    const char *mark = NULL;
    for (const char *at = text; (at = memmem(at, length - (size_t)(at - text), " t ", 3)) != NULL; at += 3) mark = at;
    if (mark == NULL) return;
    push(&latencies, &relayed, &latencies_capacity, now_ms() - strtod(mark + 3, NULL));
    return;
  }
  char type[32];
  if (!json_string(text, length, "type", type, sizeof type)) return;
  if (strcmp(type, "alert") == 0 && memmem(text, length, "\"fatal\"", 7)) fail("a fatal alert from the server");
  if (c->state == HELLO && strcmp(type, "hello") == 0) {
    if (!json_string(text, length, "peerId", c->id, sizeof c->id)) fail("a hello without a peer id");
    c->state = PAIRING;
    client *first = &clients[c->index & ~1];
    client *second = &clients[c->index | 1];
    if (first->state != PAIRING || second->state != PAIRING) return;
    first->partner = second->index;
    second->partner = first->index;
    if (strcmp(kind, "gateway") != 0) {
      became_ready(first);
      became_ready(second);
      return;
    }
    char text_out[256];
    snprintf(text_out, sizeof text_out, "{\"type\":\"connect\",\"requestId\":\"r\",\"target\":\"%s\"}", second->id);
    send_text(first, text_out);
  } else if (c->state == PAIRING && strcmp(type, "request") == 0) {
    char text_out[256];
    snprintf(text_out, sizeof text_out, "{\"type\":\"accept\",\"requestId\":\"r\",\"target\":\"%s\"}", clients[c->partner].id);
    send_text(c, text_out);
    became_ready(c);
  } else if (c->state == PAIRING && strcmp(type, "accept") == 0) {
    became_ready(c);
    paired_pairs++;
  }
}

/* Parses the server's frames (unmasked) in the client's receive buffer. */
static void parse_frames(client *c) {
  size_t at = 0;
  while (c->rx_length - at >= 2) {
    const unsigned char *f = c->rx + at;
    size_t header = 2, length = f[1] & 0x7f;
    if (length == 126) {
      if (c->rx_length - at < 4) break;
      length = (size_t)f[2] << 8 | f[3];
      header = 4;
    } else if (length == 127) {
      fail("a server frame over 64 KB");
    }
    if (c->rx_length - at < header + length) {
      if (header + length > RX_BYTES) fail("a server frame over the receive buffer");
      break;
    }
    int opcode = f[0] & 0x0f;
    if (opcode == 0x1) on_message(c, (const char *)f + header, length);
    else if (opcode == 0x9) send_frame(c, 0xa, (const char *)f + header, length); /* ping → pong */
    else if (opcode == 0x8) fail("the server closed a client");
    at += header + length;
  }
  memmove(c->rx, c->rx + at, c->rx_length - at);
  c->rx_length -= at;
}

static void on_readable(client *c) {
  ssize_t n = read(c->fd, c->rx + c->rx_length, RX_BYTES - c->rx_length);
  if (n == 0) fail("the server closed a connection");
  if (n < 0) {
    if (errno == EAGAIN) return;
    fail("read failed");
  }
  c->rx_length += (size_t)n;
  if (c->state == UPGRADING) {
    const char *end = memmem(c->rx, c->rx_length, "\r\n\r\n", 4);
    if (end == NULL) return;
    if (memcmp(c->rx, "HTTP/1.1 101", 12) != 0) fail("the upgrade was refused");
    size_t consumed = (size_t)(end + 4 - (const char *)c->rx);
    memmove(c->rx, c->rx + consumed, c->rx_length - consumed);
    c->rx_length -= consumed;
    c->state = HELLO;
    char hello[256];
    snprintf(hello, sizeof hello, "{\"type\":\"hello\",\"version\":2,\"minVersion\":1,\"apiKey\":\"%s\"}", api_key);
    send_text(c, hello);
  }
  parse_frames(c);
}

static void on_writable(client *c) {
  if (c->state == CONNECTING) {
    int error = 0;
    socklen_t size = sizeof error;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &error, &size);
    if (error) fail("connect failed");
    c->state = UPGRADING;
    char request[512];
    snprintf(request, sizeof request,
             "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
             path, port);
    queue_bytes(c, request, strlen(request));
    return;
  }
  queue_bytes(c, "", 0);
}

/* One epoll event of a client's socket. */
static void on_client_event(const struct epoll_event *event) {
  client *c = &clients[event->data.u32];
  if (event->events & (EPOLLERR | EPOLLHUP)) fail("a connection failed");
  if (event->events & EPOLLOUT) on_writable(c);
  if (event->events & EPOLLIN) on_readable(c);
}

static void open_client(int index) {
  client *c = &clients[index];
  c->index = index;
  c->state = CONNECTING;
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (c->fd < 0) fail("socket failed (too many open files?)");
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  /* Closed with a reset at exit: 10,000 connections in TIME_WAIT would keep the kernel busy with their
   * timers for a minute, through the next measurement. */
  struct linger reset = {.l_onoff = 1, .l_linger = 0};
  setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
  struct sockaddr_in local = {.sin_family = AF_INET};
  local.sin_addr.s_addr = htonl(0x7f000000u | (uint32_t)(2 + index / per_address));
  if (bind(c->fd, (struct sockaddr *)&local, sizeof local) != 0) fail("bind failed");
  struct sockaddr_in server = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  server.sin_addr.s_addr = htonl(0x7f000001u);
  if (connect(c->fd, (struct sockaddr *)&server, sizeof server) != 0 && errno != EINPROGRESS) fail("connect failed");
  c->want_out = 1; /* for the connect's completion */
  struct epoll_event event = {.events = EPOLLIN | EPOLLOUT, .data.u32 = (uint32_t)index};
  epoll_ctl(epoll_fd, EPOLL_CTL_ADD, c->fd, &event);
}

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* One line from stdin; returns 0 at its end. */
static int on_command(void) {
  char line[64];
  if (fgets(line, sizeof line, stdin) == NULL) return 0;
  if (strncmp(line, "connect", 7) == 0) {
    int opened = 0;
    while (ready_count < count) {
      /* Keep CONNECT_BATCH clients setting up at a time. */
      while (opened < count && opened - ready_count < CONNECT_BATCH) open_client(opened++);
      struct epoll_event events[256];
      int n = epoll_wait(epoll_fd, events, 256, 30000);
      if (n <= 0) fail("setting up timed out");
      for (int i = 0; i < n; i++) on_client_event(&events[i]);
    }
    printf("{\"connected\":true}\n");
  } else if (strncmp(line, "start", 5) == 0) {
    sending = 1;
    return 1; /* no answer: the parent goes on */
  } else if (strncmp(line, "measure", 7) == 0) {
    measuring = 1;
    sent = relayed = 0;
    loop_delays_length = 0;
    getrusage(RUSAGE_SELF, &usage_at_measure);
    return 1;
  } else if (strncmp(line, "stop", 4) == 0) {
    measuring = sending = 0;
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    double cpu_us = (double)(usage.ru_utime.tv_sec - usage_at_measure.ru_utime.tv_sec + usage.ru_stime.tv_sec - usage_at_measure.ru_stime.tv_sec) * 1e6 +
                    (double)(usage.ru_utime.tv_usec - usage_at_measure.ru_utime.tv_usec + usage.ru_stime.tv_usec - usage_at_measure.ru_stime.tv_usec);
    FILE *out = fopen(latency_file, "wb");
    if (out == NULL || fwrite(latencies, sizeof *latencies, relayed, out) != relayed || fclose(out) != 0) fail("writing the latencies failed");
    double p99 = 0;
    if (loop_delays_length) {
      qsort(loop_delays, loop_delays_length, sizeof *loop_delays, compare_doubles);
      p99 = loop_delays[(size_t)((double)(loop_delays_length - 1) * 0.99)];
    }
    printf("{\"sent\":%zu,\"relayed\":%zu,\"loopDelayP99Ms\":%.3f,\"cpuUs\":%.0f}\n", sent, relayed, p99, cpu_us);
  } else {
    return 0;
  }
  fflush(stdout);
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 8) {
    fprintf(stderr, "usage: gateway_load PORT PATH API_KEY KIND COUNT CLIENTS_PER_ADDRESS LATENCY_FILE\n");
    return 2;
  }
  port = atoi(argv[1]);
  path = argv[2];
  api_key = argv[3];
  kind = argv[4];
  count = atoi(argv[5]) & ~1;
  per_address = atoi(argv[6]);
  latency_file = argv[7];
  if (count <= 0 || per_address <= 0 || strlen(api_key) > 128 || strlen(path) > 256) fail("bad arguments");
  struct rlimit files;
  getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = files.rlim_max;
  setrlimit(RLIMIT_NOFILE, &files);
  clients = calloc((size_t)count, sizeof *clients);
  epoll_fd = epoll_create1(0);
  if (clients == NULL || epoll_fd < 0) fail("setting up failed");
  struct epoll_event stdin_event = {.events = EPOLLIN, .data.u32 = UINT32_MAX};
  epoll_ctl(epoll_fd, EPOLL_CTL_ADD, STDIN_FILENO, &stdin_event);
  setvbuf(stdin, NULL, _IONBF, 0);

  /* The send schedule: slot s (a millisecond of the second) holds the clients whose index % SLOTS is s. */
  double started = 0;
  long slot = 0;
  for (;;) {
    int timeout = -1;
    double pause_ms = 0; /* while sending: how long to sleep when no arrival is waiting */
    if (sending) {
      if (started == 0) started = now_ms();
      double due = started + (double)slot;
      double now = now_ms();
      if (due <= now) {
        if (measuring) push(&loop_delays, &loop_delays_length, &loop_delays_capacity, now - due);
        for (; started + (double)slot <= now; slot++) {
          for (int i = (int)(slot % SLOTS); i < count; i += SLOTS) {
            send_signal(&clients[i]);
            if (measuring) sent++;
          }
        }
        continue;
      }
      /* Sleep outside epoll_wait: a server write that finds this thread waiting in epoll must wake it
       * across cores, which costs the server's CPU some 12% of its time here, a cost of sharing the
       * machine that it would not pay for remote clients. Arrivals are then timed up to POLL_US late,
       * which only makes the figures worse. */
      timeout = 0;
      pause_ms = due - now < POLL_US / 1e3 ? due - now : POLL_US / 1e3;
    }
    struct epoll_event events[256];
    int n = epoll_wait(epoll_fd, events, 256, timeout);
    if (n == 0 && pause_ms > 0) {
      struct timespec pause = {.tv_sec = 0, .tv_nsec = (long)(pause_ms * 1e6)};
      nanosleep(&pause, NULL);
      continue;
    }
    for (int i = 0; i < n; i++) {
      if (events[i].data.u32 == UINT32_MAX) {
        if (!on_command()) return 0;
        continue;
      }
      on_client_event(&events[i]);
    }
  }
}
