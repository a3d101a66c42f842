/*
 * conn-many: many short connections to an echo server, a few at a time.
 *
 *	conn-many HOST PORT N CONCURRENCY [TIMEOUT]
 *
 * Makes N TCP connections to HOST:PORT, at most CONCURRENCY open at once.
 * Each sends one line, reads it back, checks it and closes.  A connection
 * that takes longer than TIMEOUT seconds (default 10) from its connect()
 * to its last byte fails, as does a refused connection or a wrong reply.
 * SIGTERM or SIGINT ends the run early: what has not succeeded by then
 * counts as failed.  Prints "ok K failed M" on stdout and the first
 * failures on stderr; exits 0 if all N succeeded, 1 otherwise.
 */
#define _GNU_SOURCE
#include <sys/resource.h>
#include <sys/socket.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MANY_MAX_CONC	1024
#define MANY_LINE	64
#define MANY_REPORTED	10	/* failures described on stderr */

enum many_state { MANY_FREE, MANY_CONNECTING, MANY_SENDING, MANY_READING };

/* One connection in flight. */
struct many_conn {
	enum many_state	state;
	int		fd;
	long		id;
	double		deadline;
	char		line[MANY_LINE];	/* what was sent */
	size_t		len, sent, got;
	char		reply[MANY_LINE];
};

static long many_ok, many_failed;
static volatile sig_atomic_t many_stop;

/* Print "conn-many: WHAT: strerror(errno)" and exit 1. */
static void
many_die(const char *what)
{
	fprintf(stderr, "conn-many: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Note that SIGTERM or SIGINT asked to end the run. */
static void
many_on_signal(int signo)
{
	(void)signo;
	many_stop = 1;
}

/* Catch SIGTERM and SIGINT; poll's 100 ms timeout bounds the delay. */
static void
many_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = many_on_signal;
	sigfillset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1)
		many_die("sigaction");
}

/* Parse a count between 1 and max, or exit 1. */
static long
many_number(const char *s, long max)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || n < 1 || n > max) {
		fprintf(stderr, "conn-many: bad number \"%s\"\n", s);
		exit(1);
	}
	return n;
}

/* Seconds on the monotonic clock. */
static double
many_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Raise the soft open-files limit if conc connections would not fit. */
static void
many_raise_nofile(long conc)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		many_die("getrlimit");
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)conc + 16) {
		rl.rlim_cur = (rlim_t)conc + 16;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			many_die("setrlimit RLIMIT_NOFILE");
	}
}

/* Count a connection that ended, and close it. */
static void
many_end(struct many_conn *c, const char *why)
{
	if (why == NULL)
		many_ok++;
	else if (++many_failed <= MANY_REPORTED)
		fprintf(stderr, "conn-many: connection #%ld: %s\n", c->id, why);
	if (close(c->fd) == -1)
		many_die("close");
	c->state = MANY_FREE;
}

/* Start connection number id in slot c (a non-blocking connect). */
static void
many_start(struct many_conn *c, const struct addrinfo *ai, long id,
    double timeout)
{
	memset(c, 0, sizeof(*c));
	c->id = id;
	c->deadline = many_now() + timeout;
	c->len = (size_t)snprintf(c->line, sizeof(c->line),
	    "conn-many line %ld\n", id);
	c->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, ai->ai_protocol);
	if (c->fd == -1)
		many_die("socket");
	c->state = MANY_SENDING;
	if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) == -1) {
		if (errno != EINPROGRESS) {
			many_end(c, strerror(errno));
			return;
		}
		c->state = MANY_CONNECTING;
	}
}

/* The events slot c waits for. */
static short
many_events(const struct many_conn *c)
{
	return c->state == MANY_READING ? POLLIN : POLLOUT;
}

/* Move connection c on after poll said revents. */
static void
many_step(struct many_conn *c, short revents)
{
	socklen_t len = sizeof(int);
	ssize_t n;
	int err = 0;

	if (c->state == MANY_CONNECTING) {
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
			many_die("getsockopt");
		if (err != 0) {
			many_end(c, strerror(err));
			return;
		}
		c->state = MANY_SENDING;
	}
	if (c->state == MANY_SENDING) {
		n = send(c->fd, c->line + c->sent, c->len - c->sent,
		    MSG_NOSIGNAL);
		if (n == -1) {
			if (errno != EAGAIN && errno != EINTR)
				many_end(c, strerror(errno));
			return;
		}
		if ((c->sent += (size_t)n) == c->len)
			c->state = MANY_READING;
		return;
	}
	if (!(revents & (POLLIN | POLLHUP | POLLERR)))
		return;
	n = read(c->fd, c->reply + c->got, c->len - c->got);
	if (n == -1) {
		if (errno != EAGAIN && errno != EINTR)
			many_end(c, strerror(errno));
		return;
	}
	if (n == 0) {
		many_end(c, "closed before the whole echo");
		return;
	}
	if ((c->got += (size_t)n) < c->len)
		return;
	many_end(c, memcmp(c->reply, c->line, c->len) == 0 ? NULL :
	    "the echo differs from the line sent");
}

/* One round: poll the open slots, step them, fail the late ones. */
static void
many_round(struct many_conn *c, struct pollfd *pfd, long conc)
{
	double now;
	long i;

	for (i = 0; i < conc; i++) {
		pfd[i].fd = c[i].state == MANY_FREE ? -1 : c[i].fd;
		pfd[i].events = many_events(&c[i]);
		pfd[i].revents = 0;
	}
	if (poll(pfd, (nfds_t)conc, 100) == -1 && errno != EINTR)
		many_die("poll");
	now = many_now();
	for (i = 0; i < conc; i++) {
		if (c[i].state == MANY_FREE)
			continue;
		if (pfd[i].revents != 0)
			many_step(&c[i], pfd[i].revents);
		if (c[i].state != MANY_FREE && now > c[i].deadline)
			many_end(&c[i], "timed out");
	}
}

/* Keep conc connections going until n have ended; print the counts. */
int
main(int argc, char *argv[])
{
	struct addrinfo hints, *ai;
	struct many_conn *c;
	struct pollfd *pfd;
	long n, conc, next = 0, i;
	double timeout = 10;
	int rc;

	if (argc != 5 && argc != 6) {
		fprintf(stderr, "usage: conn-many HOST PORT N CONCURRENCY "
		    "[TIMEOUT]\n");
		return 1;
	}
	n = many_number(argv[3], 10000000);
	conc = many_number(argv[4], MANY_MAX_CONC);
	if (argc == 6)
		timeout = (double)many_number(argv[5], 3600);
	many_raise_nofile(conc);
	many_signals();
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if ((rc = getaddrinfo(argv[1], argv[2], &hints, &ai)) != 0) {
		fprintf(stderr, "conn-many: %s:%s: %s\n", argv[1], argv[2],
		    gai_strerror(rc));
		return 1;
	}
	if ((c = calloc((size_t)conc, sizeof(*c))) == NULL ||
	    (pfd = calloc((size_t)conc, sizeof(*pfd))) == NULL)
		many_die("calloc");
	while (many_ok + many_failed < n && !many_stop) {
		for (i = 0; i < conc && next < n; i++)
			if (c[i].state == MANY_FREE)
				many_start(&c[i], ai, ++next, timeout);
		many_round(c, pfd, conc);
	}
	if (many_stop) {
		fprintf(stderr, "conn-many: stopped with %ld of %ld done\n",
		    many_ok + many_failed, n);
		many_failed = n - many_ok;
	}
	freeaddrinfo(ai);
	free(c);
	free(pfd);
	if (printf("ok %ld failed %ld\n", many_ok, many_failed) < 0 ||
	    fflush(stdout) == EOF)
		many_die("stdout");
	return many_failed == 0 ? 0 : 1;
}
