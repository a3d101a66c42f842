/*
 * bad-client: clients that misbehave, for the fault suite.
 *
 *	bad-client HOST PORT MODE N
 *
 * MODE is one of:
 *   reset      N connections one after the other, each closed at once
 *              with SO_LINGER 0 (a reset, not a FIN); prints "reset N".
 *   halfclose  N connections one after the other, each sends one line,
 *              half-closes (shutdown SHUT_WR) and reads until the server
 *              closes; the reply must be the line.  Prints "ok K failed M".
 *   noread     N connections that send until neither their own send
 *              buffer nor the server's receive side takes more, and never
 *              read; prints "open N" once all N are stuck so, then waits
 *              for a signal (SIGTERM ends it; the kernel resets the
 *              connections).
 * Exits 0 when every connection did what its mode says, else 1.
 */
#define _GNU_SOURCE
#include <sys/resource.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BAD_TIMEOUT_MS	10000	/* a reply takes at most this long */
#define BAD_STUCK_MS	300	/* no room for this long: the peer is stuck */
#define BAD_FILL_MS	10000	/* filling one connection takes at most this */

/* Print "bad-client: WHAT: strerror(errno)" and exit 1. */
static void
bad_die(const char *what)
{
	fprintf(stderr, "bad-client: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Open one blocking TCP connection to the first address of AI that answers. */
static int
bad_connect(const struct addrinfo *ai)
{
	int fd, saved = ECONNREFUSED;

	for (; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd == -1)
			bad_die("socket");
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			return fd;
		saved = errno;
		close(fd);
	}
	errno = saved;
	return -1;
}

/* Connect and reset at once; 0, or -1 if the connect failed. */
static int
bad_reset(const struct addrinfo *ai)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int fd;

	if ((fd = bad_connect(ai)) == -1)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == -1)
		bad_die("setsockopt SO_LINGER");
	if (close(fd) == -1)
		bad_die("close");
	return 0;
}

/* Send a line, half-close, read to EOF; 0 if the reply is the line. */
static int
bad_halfclose(const struct addrinfo *ai, long k)
{
	char line[64], reply[128];
	struct pollfd pfd;
	size_t got = 0;
	ssize_t r = -1;
	int fd, len;

	len = snprintf(line, sizeof(line), "half-close %ld\n", k);
	if ((fd = bad_connect(ai)) == -1)
		return -1;
	if (send(fd, line, (size_t)len, MSG_NOSIGNAL) != len ||
	    shutdown(fd, SHUT_WR) == -1) {
		close(fd);
		return -1;
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	for (;;) {
		if (poll(&pfd, 1, BAD_TIMEOUT_MS) != 1)
			break;
		r = read(fd, reply + got, sizeof(reply) - got);
		if (r <= 0)
			break;
		got += (size_t)r;
		if (got == sizeof(reply))
			break;
	}
	close(fd);
	return r == 0 && got == (size_t)len && memcmp(reply, line, got) == 0 ?
	    0 : -1;
}

/*
 * Connect, then send until the socket has had no room for BAD_STUCK_MS:
 * the server side has stopped taking bytes (its child blocks writing to
 * a client that never reads).  Returns the fd, or -1.
 */
static int
bad_noread(const struct addrinfo *ai)
{
	static char junk[65536];
	struct pollfd pfd;
	int fd, waited = 0;
	ssize_t w;

	if ((fd = bad_connect(ai)) == -1)
		return -1;
	if (fcntl(fd, F_SETFL, O_NONBLOCK) == -1)
		bad_die("fcntl O_NONBLOCK");
	memset(junk, 'x', sizeof(junk));
	pfd.fd = fd;
	pfd.events = POLLOUT;
	while (waited < BAD_FILL_MS) {
		w = send(fd, junk, sizeof(junk), MSG_NOSIGNAL);
		if (w > 0)
			continue;
		if (w == -1 && errno != EAGAIN && errno != EINTR)
			bad_die("send");
		if (poll(&pfd, 1, BAD_STUCK_MS) == 0)
			return fd;	/* no room for BAD_STUCK_MS: stuck */
		waited += BAD_STUCK_MS;
	}
	close(fd);
	errno = ETIMEDOUT;
	return -1;
}

/* Parse the connection count (1..10000) or exit 1. */
static long
bad_count(const char *s)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || n < 1 || n > 10000) {
		fprintf(stderr, "bad-client: bad count \"%s\"\n", s);
		exit(1);
	}
	return n;
}

/* Raise the soft open-files limit if N connections would not fit. */
static void
bad_raise_nofile(long n)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		bad_die("getrlimit");
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)n + 16) {
		rl.rlim_cur = (rlim_t)n + 16;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			bad_die("setrlimit RLIMIT_NOFILE");
	}
}

int
main(int argc, char *argv[])
{
	struct addrinfo hints, *ai;
	long i, n, good = 0;
	const char *mode;
	int rc;

	if (argc != 5) {
		fprintf(stderr, "usage: bad-client HOST PORT "
		    "reset|halfclose|noread N\n");
		return 1;
	}
	mode = argv[3];
	n = bad_count(argv[4]);
	bad_raise_nofile(n);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((rc = getaddrinfo(argv[1], argv[2], &hints, &ai)) != 0) {
		fprintf(stderr, "bad-client: %s:%s: %s\n", argv[1], argv[2],
		    gai_strerror(rc));
		return 1;
	}
	if (strcmp(mode, "reset") == 0) {
		for (i = 0; i < n; i++)
			if (bad_reset(ai) == -1)
				bad_die("connect");
		printf("reset %ld\n", n);
		freeaddrinfo(ai);
		return 0;
	}
	if (strcmp(mode, "halfclose") == 0) {
		for (i = 0; i < n; i++)
			if (bad_halfclose(ai, i) == 0)
				good++;
		printf("ok %ld failed %ld\n", good, n - good);
		freeaddrinfo(ai);	/* LeakSanitizer checks the helpers too */
		return good == n ? 0 : 1;
	}
	if (strcmp(mode, "noread") == 0) {
		for (i = 0; i < n; i++)
			if (bad_noread(ai) == -1)
				bad_die("noread connection");
		if (printf("open %ld\n", n) < 0 || fflush(stdout) == EOF)
			bad_die("stdout");
		for (;;)
			pause();	/* SIGTERM ends it */
	}
	fprintf(stderr, "bad-client: unknown mode \"%s\"\n", mode);
	freeaddrinfo(ai);
	return 1;
}
