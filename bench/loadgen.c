/*
 * loadgen: a closed-loop load generator for echo-like servers.
 *
 *	loadgen HOST PORT CONCURRENCY SECONDS [SERVER_PID]
 *
 * Keeps CONCURRENCY connections to HOST:PORT (IPv4) in flight for
 * SECONDS: each connects (non-blocking), sends one line, half-closes,
 * reads until the server closes, checks that the line came back, and is
 * replaced at once.  A connection's latency runs from connect() to the
 * server's close, so it covers the whole life of the server's child.
 * A refused or reset connection, a wrong reply, or one older than 10 s
 * counts as failed; those still in flight when the time is up are
 * dropped uncounted.  With SERVER_PID, its zombie children are sampled
 * every 10 ms.  Prints a summary for people, then one line
 *	result conns N secs S rate R failed F p50 MS p99 MS max MS zmax Z
 * for scripts (bench/compare), and exits 0 (1 on bad arguments or
 * when nothing at all succeeded).
 */
#define _GNU_SOURCE
#include <sys/resource.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"

#define LG_MAXC		4096
#define LG_TIMEOUT	10.0	/* seconds a connection may take */
#define LG_REPORTED	5	/* failures described on stderr */

static const char lg_line[] = "forkd loadgen line\n";
#define LG_LEN	(sizeof(lg_line) - 1)

enum lg_state { LG_CONNECTING, LG_READING };

/* One connection in flight. */
struct lg_conn {
	enum lg_state	state;
	int		fd;
	size_t		got;
	double		start;
	char		reply[LG_LEN];
};

static struct sockaddr_in lg_dst;
static unsigned long lg_done, lg_failed;
static uint32_t *lg_lat;		/* microseconds, one per success */
static size_t lg_nlat, lg_caplat;

/* Seconds on the monotonic clock. */
static double
lg_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Print "loadgen: WHAT: strerror(errno)" and exit 1. */
static void
lg_die(const char *what)
{
	fprintf(stderr, "loadgen: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Note one latency sample. */
static void
lg_sample(double secs)
{
	if (lg_nlat == lg_caplat) {
		lg_caplat = lg_caplat ? lg_caplat * 2 : 65536;
		if ((lg_lat = realloc(lg_lat, lg_caplat * sizeof(*lg_lat))) ==
		    NULL)
			lg_die("realloc");
	}
	lg_lat[lg_nlat++] = (uint32_t)(secs * 1e6);
}

/* Close c's connection; count it as done (why NULL) or failed. */
static void
lg_end(struct lg_conn *c, const char *why)
{
	close(c->fd);
	c->fd = -1;
	if (why == NULL) {
		lg_done++;
		lg_sample(lg_now() - c->start);
	} else if (++lg_failed <= LG_REPORTED)
		fprintf(stderr, "loadgen: a connection failed: %s\n", why);
}

/* Start a connection in slot c. */
static void
lg_start(struct lg_conn *c)
{
	c->state = LG_CONNECTING;
	c->got = 0;
	c->start = lg_now();
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd == -1)
		lg_die("socket");
	if (connect(c->fd, (struct sockaddr *)&lg_dst, sizeof(lg_dst)) == -1 &&
	    errno != EINPROGRESS)
		lg_end(c, strerror(errno));
}

/* Connected (or failed to): send the line and half-close. */
static void
lg_send(struct lg_conn *c)
{
	socklen_t len = sizeof(int);
	int err = 0;

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err != 0) {
		lg_end(c, strerror(err));
		return;
	}
	/* The line fits any socket buffer: one send does it. */
	if (send(c->fd, lg_line, LG_LEN, MSG_NOSIGNAL) != (ssize_t)LG_LEN ||
	    shutdown(c->fd, SHUT_WR) == -1) {
		lg_end(c, strerror(errno));
		return;
	}
	c->state = LG_READING;
}

/* Read what the server sends; at its close, check it and count. */
static void
lg_read(struct lg_conn *c)
{
	char buf[256];
	ssize_t n;

	n = read(c->fd, buf, sizeof(buf));
	if (n == -1) {
		if (errno != EAGAIN && errno != EINTR)
			lg_end(c, strerror(errno));
		return;
	}
	if (n > 0) {
		if (c->got + (size_t)n > LG_LEN) {
			lg_end(c, "more came back than was sent");
			return;
		}
		memcpy(c->reply + c->got, buf, (size_t)n);
		c->got += (size_t)n;
		return;
	}
	lg_end(c, c->got == LG_LEN && memcmp(c->reply, lg_line, LG_LEN) == 0 ?
	    NULL : "the reply differs from the line sent");
}

/* Compare two latency samples, for qsort. */
static int
lg_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The q-quantile of the sorted samples, in milliseconds. */
static double
lg_quantile(double q)
{
	size_t i;

	if (lg_nlat == 0)
		return 0;
	i = (size_t)(q * (double)(lg_nlat - 1) + 0.5);
	return lg_lat[i] / 1000.0;
}

/* Parse the arguments into lg_dst, *conc, *secs, *pid, or exit 64. */
static void
lg_args(int argc, char *argv[], int *conc, double *secs, long *pid)
{
	char *end;
	long port;

	if (argc < 5 || argc > 6) {
		fprintf(stderr, "usage: loadgen HOST PORT CONCURRENCY SECONDS "
		    "[SERVER_PID]\n");
		exit(64);
	}
	memset(&lg_dst, 0, sizeof(lg_dst));
	lg_dst.sin_family = AF_INET;
	port = strtol(argv[2], &end, 10);
	*conc = atoi(argv[3]);
	*secs = atof(argv[4]);
	*pid = argc > 5 ? atol(argv[5]) : 0;
	if (inet_pton(AF_INET, argv[1], &lg_dst.sin_addr) != 1 ||
	    *end != '\0' || port < 1 || port > 65535 || *conc < 1 ||
	    *conc > LG_MAXC || *secs <= 0 || *secs > 600) {
		fprintf(stderr, "loadgen: bad arguments\n");
		exit(64);
	}
	lg_dst.sin_port = htons((unsigned short)port);
}

/* Raise the soft open-files limit if conc connections would not fit. */
static void
lg_raise_nofile(int conc)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)conc +
	    16 && rl.rlim_cur != RLIM_INFINITY) {
		rl.rlim_cur = (rlim_t)conc + 16;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			lg_die("setrlimit RLIMIT_NOFILE");
	}
}

int
main(int argc, char *argv[])
{
	static struct lg_conn c[LG_MAXC];
	static struct pollfd pfd[LG_MAXC];
	double t0, end, now, next_sample, secs;
	long pid, live, z, zmax = 0, zsum = 0, zsamples = 0;
	int conc, i;

	lg_args(argc, argv, &conc, &secs, &pid);
	lg_raise_nofile(conc);
	signal(SIGPIPE, SIG_IGN);
	t0 = lg_now();
	end = t0 + secs;
	next_sample = t0;
	for (i = 0; i < conc; i++)
		lg_start(&c[i]);
	while ((now = lg_now()) < end) {
		for (i = 0; i < conc; i++) {
			if (c[i].fd == -1)
				lg_start(&c[i]);
			pfd[i].fd = c[i].fd;
			pfd[i].events = c[i].state == LG_CONNECTING ? POLLOUT :
			    POLLIN;
		}
		if (poll(pfd, (nfds_t)conc, 10) == -1 && errno != EINTR)
			lg_die("poll");
		now = lg_now();
		for (i = 0; i < conc; i++) {
			if (c[i].fd == -1)
				continue;
			if (pfd[i].revents != 0 && c[i].state == LG_CONNECTING)
				lg_send(&c[i]);
			else if (pfd[i].revents != 0)
				lg_read(&c[i]);
			if (c[i].fd != -1 && now - c[i].start > LG_TIMEOUT)
				lg_end(&c[i], "timed out");
		}
		if (pid > 0 && now >= next_sample &&
		    proc_children(pid, &live, &z) == 0) {
			zmax = z > zmax ? z : zmax;
			zsum += z;
			zsamples++;
			next_sample = now + 0.01;
		}
	}
	secs = lg_now() - t0;
	for (i = 0; i < conc; i++)
		if (c[i].fd != -1)
			close(c[i].fd);
	qsort(lg_lat, lg_nlat, sizeof(*lg_lat), lg_cmp);
	printf("connections %lu in %.2fs: %.0f/s, %d concurrent, failed %lu\n",
	    lg_done, secs, lg_done / secs, conc, lg_failed);
	printf("latency p50 %.3fms p99 %.3fms max %.3fms\n", lg_quantile(0.5),
	    lg_quantile(0.99), lg_quantile(1));
	if (pid > 0)
		printf("zombies of pid %ld: max %ld, mean %.1f over %ld "
		    "samples\n", pid, zmax,
		    zsamples ? (double)zsum / zsamples : 0.0, zsamples);
	printf("result conns %lu secs %.3f rate %.1f failed %lu p50 %.3f "
	    "p99 %.3f max %.3f zmax %ld\n", lg_done, secs, lg_done / secs,
	    lg_failed, lg_quantile(0.5), lg_quantile(0.99), lg_quantile(1),
	    pid > 0 ? zmax : -1);
	return lg_done > 0 ? 0 : 1;
}
