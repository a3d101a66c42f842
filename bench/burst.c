/*
 * burst: N connections at once to an echo-like server, held until every
 * one is served, then closed at once; how long until the server has
 * reaped all its children, and what it cost the server's memory.
 *
 *	burst HOST PORT N SERVER_PID [TIMEOUT]
 *
 * Starts N non-blocking connects to HOST:PORT (IPv4) in one loop; each
 * sends a line and waits for it to come back (proof that a child serves
 * it), then stays open.  When all are served (or TIMEOUT seconds, default
 * 60, have passed: the rest count as lost), reads SERVER_PID's VmRSS with
 * the children held, closes every connection in one loop, and waits (at
 * most TIMEOUT seconds again) until SERVER_PID has no child left, live or
 * zombie.  SERVER_PID's children are sampled all along (every 10 ms or
 * as fast as /proc allows).  Prints one line:
 *	result n N served S lost L t_served SECS t_reap SECS t_total SECS
 *	zmax Z live_max L rss_idle_kb K rss_held_kb K left_live L
 *	left_zombies Z
 * t_served runs from the first connect to the last echo, t_reap from the
 * first close to the last child reaped, t_total is both.  Exits 0, or 1 on a
 * bad argument or a failure of its own.
 */
#define _GNU_SOURCE
#include <sys/resource.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"

#define BURST_MAX	50000
#define BURST_REPORTED	5	/* failures described on stderr */

static const char burst_line[] = "forkd burst line\n";
#define BURST_LEN	(sizeof(burst_line) - 1)

enum burst_state { B_CONNECTING, B_READING, B_SERVED, B_LOST };

/* One held connection. */
struct burst_conn {
	enum burst_state	state;
	int			fd;
	size_t			got;
};

/* What the samples of the server's children found. */
struct burst_watch {
	long	pid;
	long	zmax, live_max, live, zombies;
	double	next;
};

static long burst_lost;

/* Seconds on the monotonic clock. */
static double
burst_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Print "burst: WHAT: strerror(errno)" and exit 1. */
static void
burst_die(const char *what)
{
	fprintf(stderr, "burst: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Sample the server's children if 10 ms have passed; -1 if it is gone. */
static int
burst_sample(struct burst_watch *w, int force)
{
	double now = burst_now();

	if (!force && now < w->next)
		return 0;
	w->next = now + 0.01;
	if (proc_children(w->pid, &w->live, &w->zombies) == -1)
		return -1;
	if (w->zombies > w->zmax)
		w->zmax = w->zombies;
	if (w->live > w->live_max)
		w->live_max = w->live;
	return 0;
}

/* Give up on connection c. */
static void
burst_lose(struct burst_conn *c, const char *why)
{
	close(c->fd);
	c->state = B_LOST;
	if (++burst_lost <= BURST_REPORTED)
		fprintf(stderr, "burst: a connection was lost: %s\n", why);
}

/* Move connection c on after poll said it is ready. */
static void
burst_step(struct burst_conn *c)
{
	socklen_t len = sizeof(int);
	char buf[64];
	ssize_t n;
	int err = 0;

	if (c->state == B_CONNECTING) {
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
			err = errno;
		if (err != 0)
			burst_lose(c, strerror(err));
		else if (send(c->fd, burst_line, BURST_LEN, MSG_NOSIGNAL) !=
		    (ssize_t)BURST_LEN)
			burst_lose(c, strerror(errno));
		else
			c->state = B_READING;
		return;
	}
	n = read(c->fd, buf, sizeof(buf));
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0)
		burst_lose(c, n == 0 ? "closed before the echo" :
		    strerror(errno));
	else if ((c->got += (size_t)n) >= BURST_LEN)
		c->state = B_SERVED;
}

/* Open n connections at once; poll them until all are served or lost. */
static long
burst_open(struct burst_conn *c, long n, const struct sockaddr_in *dst,
    double deadline, struct burst_watch *w)
{
	struct pollfd *pfd;
	long i, k, *slot, served = 0;

	if ((pfd = calloc((size_t)n, sizeof(*pfd))) == NULL ||
	    (slot = calloc((size_t)n, sizeof(*slot))) == NULL)
		burst_die("calloc");
	for (i = 0; i < n; i++) {
		c[i].state = B_CONNECTING;
		c[i].fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
		if (c[i].fd == -1)
			burst_die("socket");
		if (connect(c[i].fd, (const struct sockaddr *)dst,
		    sizeof(*dst)) == -1 && errno != EINPROGRESS)
			burst_lose(&c[i], strerror(errno));
	}
	for (;;) {
		for (i = k = 0; i < n; i++) {
			if (c[i].state != B_CONNECTING &&
			    c[i].state != B_READING)
				continue;
			pfd[k].fd = c[i].fd;
			pfd[k].events = c[i].state == B_CONNECTING ? POLLOUT :
			    POLLIN;
			slot[k++] = i;
		}
		if (k == 0 || burst_now() > deadline)
			break;
		if (poll(pfd, (nfds_t)k, 10) == -1 && errno != EINTR)
			burst_die("poll");
		for (i = 0; i < k; i++)
			if (pfd[i].revents != 0)
				burst_step(&c[slot[i]]);
		burst_sample(w, 0);
	}
	for (i = 0; i < n; i++) {
		if (c[i].state == B_SERVED)
			served++;
		else if (c[i].state != B_LOST)
			burst_lose(&c[i], "timed out");
	}
	free(slot);
	free(pfd);
	return served;
}

/* Parse a whole number between lo and hi, or exit 64. */
static long
burst_number(const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "burst: bad number \"%s\"\n", s);
		exit(64);
	}
	return v;
}

int
main(int argc, char *argv[])
{
	struct burst_watch w = { 0 };
	struct sockaddr_in dst;
	struct burst_conn *c;
	struct rlimit rl;
	double t0, t1, t2, timeout = 60;
	long i, n, served, rss_idle, rss_held;

	if (argc != 5 && argc != 6) {
		fprintf(stderr, "usage: burst HOST PORT N SERVER_PID "
		    "[TIMEOUT]\n");
		return 64;
	}
	memset(&dst, 0, sizeof(dst));
	dst.sin_family = AF_INET;
	dst.sin_port = htons((unsigned short)burst_number(argv[2], 1, 65535));
	if (inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1) {
		fprintf(stderr, "burst: bad IPv4 address \"%s\"\n", argv[1]);
		return 64;
	}
	n = burst_number(argv[3], 1, BURST_MAX);
	w.pid = burst_number(argv[4], 1, 1L << 30);
	if (argc == 6)
		timeout = (double)burst_number(argv[5], 1, 600);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < (rlim_t)n + 16) {
		rl.rlim_cur = (rlim_t)n + 16;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			burst_die("setrlimit RLIMIT_NOFILE");
	}
	signal(SIGPIPE, SIG_IGN);
	if ((c = calloc((size_t)n, sizeof(*c))) == NULL)
		burst_die("calloc");
	if ((rss_idle = proc_rss_kb(w.pid)) == -1 || burst_sample(&w, 1) == -1) {
		fprintf(stderr, "burst: no process %ld\n", w.pid);
		return 1;
	}
	t0 = burst_now();
	served = burst_open(c, n, &dst, t0 + timeout, &w);
	burst_sample(&w, 1);
	rss_held = proc_rss_kb(w.pid);
	t1 = burst_now();
	for (i = 0; i < n; i++)
		if (c[i].state == B_SERVED)
			close(c[i].fd);
	while (burst_sample(&w, 1) == 0 && w.live + w.zombies > 0 &&
	    burst_now() < t1 + timeout)
		usleep(2000);
	t2 = burst_now();
	printf("result n %ld served %ld lost %ld t_served %.3f t_reap %.3f "
	    "t_total %.3f zmax %ld live_max %ld rss_idle_kb %ld rss_held_kb %ld "
	    "left_live %ld left_zombies %ld\n", n, served, burst_lost, t1 - t0,
	    t2 - t1, t2 - t0, w.zmax, w.live_max, rss_idle, rss_held, w.live,
	    w.zombies);
	free(c);
	return 0;
}
