/*
 * conn-hold: hold N client connections open, then close them all at once.
 *
 *	conn-hold HOST PORT N [SOURCE]
 *
 * Opens N TCP connections to HOST:PORT one after the other (from the
 * address SOURCE when given, such as 127.0.0.2, so that a test can play
 * several clients on loopback), prints
 * "open N" on stdout when all N are connected, then waits until stdin
 * reaches EOF or SIGTERM/SIGINT arrives, closes all N connections in one
 * quick loop (so that the server's children end at nearly the same
 * instant) and exits 0. Any failure prints a message and exits 1.
 */
#define _GNU_SOURCE
#include <sys/resource.h>
#include <sys/socket.h>

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stop-signals.h"

static volatile sig_atomic_t hold_stop;

/* Note that SIGTERM or SIGINT asked us to close the connections. */
static void
hold_on_signal(int signo)
{
	(void)signo;
	hold_stop = 1;
}

/* Print "conn-hold: WHAT: strerror(errno)" and exit 1. */
static void
hold_die(const char *what)
{
	fprintf(stderr, "conn-hold: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Parse the connection count (1..100000) or exit 1. */
static long
hold_count(const char *s)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || n < 1 || n > 100000) {
		fprintf(stderr, "conn-hold: bad count \"%s\"\n", s);
		exit(1);
	}
	return n;
}

/* Raise the soft open-files limit if N connections would not fit. */
static void
hold_raise_nofile(long n)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		hold_die("getrlimit");
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)n + 16) {
		rl.rlim_cur = (rlim_t)n + 16;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			hold_die("setrlimit RLIMIT_NOFILE");
	}
}

/*
 * Open one blocking TCP connection to the first address in AI that
 * answers, from the address SRC if not NULL.
 */
static int
hold_connect(const struct addrinfo *ai, const struct addrinfo *src)
{
	int fd, saved = 0;

	for (; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd == -1)
			hold_die("socket");
		if (src != NULL && bind(fd, src->ai_addr, src->ai_addrlen) == -1)
			hold_die("bind SOURCE");
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			return fd;
		saved = errno;
		if (close(fd) == -1)
			hold_die("close");
	}
	errno = saved;
	return -1;
}


/* Wait until stdin reaches EOF (input is read and ignored) or a stop signal. */
static void
hold_wait(const sigset_t *wait)
{
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	char buf[512];
	ssize_t n;

	while (!hold_stop) {
		if (ppoll(&pfd, 1, NULL, wait) == -1) {
			if (errno == EINTR)
				continue;
			hold_die("ppoll");
		}
		if ((n = read(STDIN_FILENO, buf, sizeof(buf))) == 0)
			return;
		if (n == -1 && errno != EINTR && errno != EAGAIN)
			hold_die("read stdin");
	}
}

/* Connect N times, report, wait, close everything, exit 0. */
int
main(int argc, char *argv[])
{
	struct addrinfo hints, *ai, *src = NULL;
	sigset_t wait;
	long i, n;
	int *fds, rc;

	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: conn-hold HOST PORT N [SOURCE]\n");
		return 1;
	}
	n = hold_count(argv[3]);
	hold_raise_nofile(n);
	if (stop_signals(hold_on_signal, &wait) == -1)
		hold_die("signals");
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((rc = getaddrinfo(argv[1], argv[2], &hints, &ai)) != 0) {
		fprintf(stderr, "conn-hold: %s:%s: %s\n", argv[1], argv[2],
		    gai_strerror(rc));
		return 1;
	}
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if (argc == 5 && (rc = getaddrinfo(argv[4], "0", &hints, &src)) != 0) {
		fprintf(stderr, "conn-hold: source %s: %s\n", argv[4],
		    gai_strerror(rc));
		return 1;
	}
	if ((fds = calloc((size_t)n, sizeof(*fds))) == NULL)
		hold_die("calloc");
	for (i = 0; i < n; i++) {
		if ((fds[i] = hold_connect(ai, src)) == -1) {
			fprintf(stderr, "conn-hold: connect #%ld: %s\n", i + 1,
			    strerror(errno));
			return 1;
		}
	}
	freeaddrinfo(ai);
	if (src != NULL)
		freeaddrinfo(src);
	if (printf("open %ld\n", n) < 0 || fflush(stdout) == EOF)
		hold_die("stdout");
	hold_wait(&wait);
	for (i = 0; i < n; i++)
		if (close(fds[i]) == -1)
			hold_die("close");
	free(fds);
	return 0;
}
