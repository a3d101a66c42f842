/*
 * Helpers shared by the cmocka unit tests of forkd: failure messages that
 * name the table case, stderr capture (log.c writes there in
 * LOG_TO_STDERR mode), bounded waits, and small socket/fd utilities.
 * Include after <cmocka.h>.  Everything is static inline, so a test that
 * uses only part of it stays free of -Wunused-function warnings.
 */
#ifndef FORKD_TEST_CHECK_H
#define FORKD_TEST_CHECK_H

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Fail naming the case when got != want (integers). */
#define CHECK_INT(name, got, want) do {					\
	long long got_ = (long long)(got), want_ = (long long)(want);	\
	if (got_ != want_)						\
		fail_msg("%s: %s is %lld, want %lld", (name), #got,	\
		    got_, want_);					\
} while (0)

/* Fail naming the case when got and want differ (strings, NULL allowed). */
#define CHECK_STR(name, got, want) do {					\
	const char *got_ = (got), *want_ = (want);			\
	if ((got_ == NULL) != (want_ == NULL) ||			\
	    (got_ != NULL && strcmp(got_, want_) != 0))			\
		fail_msg("%s: %s is \"%s\", want \"%s\"", (name), #got,	\
		    got_ ? got_ : "(null)", want_ ? want_ : "(null)");	\
} while (0)

/* Fail naming the case when hay does not contain needle. */
#define CHECK_SUBSTR(name, hay, needle) do {				\
	const char *hay_ = (hay), *needle_ = (needle);			\
	if (hay_ == NULL || strstr(hay_, needle_) == NULL)		\
		fail_msg("%s: %s is \"%s\", want it to contain \"%s\"",	\
		    (name), #hay, hay_ ? hay_ : "(null)", needle_);	\
} while (0)

/* Seconds on the monotonic clock. */
static inline double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * stderr capture: point fd 2 at an unlinked temporary file, then read
 * back what was written.  capture_end() restores the real stderr and
 * returns a malloc'ed NUL-terminated string (the caller frees it).
 */
struct capture {
	int	saved;
	int	fd;
};

static inline void
capture_begin(struct capture *c)
{
	char path[] = "/tmp/forkd-unit-XXXXXX";

	fflush(stderr);
	c->fd = mkstemp(path);
	assert_true(c->fd != -1);
	unlink(path);
	c->saved = dup(2);
	assert_true(c->saved != -1);
	assert_int_equal(dup2(c->fd, 2), 2);
}

static inline char *
capture_end(struct capture *c)
{
	char *buf;
	off_t len;

	fflush(stderr);
	assert_int_equal(dup2(c->saved, 2), 2);
	close(c->saved);
	len = lseek(c->fd, 0, SEEK_END);
	assert_true(len >= 0);
	buf = malloc((size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(pread(c->fd, buf, (size_t)len, 0), len);
	buf[len] = '\0';
	close(c->fd);
	return buf;
}

/* How many times needle occurs in hay. */
static inline int
count_substr(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/* How many fds this process has open (entries of /proc/self/fd). */
static inline int
count_open_fds(void)
{
	DIR *d;
	struct dirent *e;
	int n = 0;

	d = opendir("/proc/self/fd");
	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the directory's own fd */
}

/* Whether fd is open. */
static inline int
fd_is_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1 || errno != EBADF;
}

/* The local port of a socket, in host order. */
static inline int
sock_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* A blocking TCP client connected to ip:port (IPv4 or IPv6 literal). */
static inline int
tcp_connect(const char *ip, int port)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	int fd;

	memset(&sin, 0, sizeof(sin));
	memset(&sin6, 0, sizeof(sin6));
	if (inet_pton(AF_INET, ip, &sin.sin_addr) == 1) {
		sin.sin_family = AF_INET;
		sin.sin_port = htons((uint16_t)port);
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		assert_true(fd != -1);
		assert_int_equal(connect(fd, (struct sockaddr *)&sin,
		    sizeof(sin)), 0);
		return fd;
	}
	assert_int_equal(inet_pton(AF_INET6, ip, &sin6.sin6_addr), 1);
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons((uint16_t)port);
	fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd != -1);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin6, sizeof(sin6)),
	    0);
	return fd;
}

/*
 * Read from fd until EOF, at most cap bytes, waiting at most secs in all.
 * Returns the byte count; fails the test on timeout or a read error.
 */
static inline size_t
read_to_eof(int fd, char *buf, size_t cap, double secs)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	double end = mono_now() + secs;
	size_t len = 0;
	ssize_t r;

	for (;;) {
		int left = (int)((end - mono_now()) * 1000);

		if (left <= 0)
			fail_msg("no EOF on fd %d within %.1fs (%zu bytes)",
			    fd, secs, len);
		if (poll(&pfd, 1, left) == -1) {
			if (errno == EINTR)
				continue;
			fail_msg("poll: %s", strerror(errno));
		}
		if (pfd.revents == 0)
			continue;
		r = read(fd, buf + len, cap - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			fail_msg("read: %s", strerror(errno));
		if (r == 0)
			return len;
		len += (size_t)r;
		if (len == cap)
			return len;
	}
}

/* Wait (blocking, without reaping) until child pid has terminated. */
static inline void
wait_exited_nowait(pid_t pid)
{
	siginfo_t si;

	while (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) == -1)
		assert_int_equal(errno, EINTR);
}

/* Whether this process has no child left at all (waitpid says ECHILD). */
static inline int
no_children_left(void)
{
	int status;

	errno = 0;
	return waitpid(-1, &status, WNOHANG) == -1 && errno == ECHILD;
}

/*
 * Before main(): fds 0, 1 and 2 open, as forkd's own main() makes sure.
 * Run with stdin closed (CI may), the first socket a test opens would
 * otherwise become fd 0 and be taken for stdio.
 */
__attribute__((constructor)) static void
check_stdio_open(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR)) != -1 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
}

/* A datagram receiver bound at path (an old file there is removed first). */
static inline int
dgram_receiver(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	assert_true(strlen(path) < sizeof(sun.sun_path));
	strcpy(sun.sun_path, path);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd != -1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

/*
 * One datagram from fd into buf (NUL-terminated), waiting at most secs;
 * its length, or -1 if none came.
 */
static inline ssize_t
dgram_recv(int fd, char *buf, size_t cap, double secs)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;

	if (poll(&pfd, 1, (int)(secs * 1000)) != 1)
		return -1;
	n = recv(fd, buf, cap - 1, MSG_DONTWAIT);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

#ifdef FORKD_H
/*
 * The client "ip:port" or "[ip]:port" (ip numeric) as a sockaddr in ss;
 * -1 if it is neither.
 */
static inline int
peer_addr(const char *peer, struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	char ip[INET6_ADDRSTRLEN], port[8];
	const char *errstr;

	memset(ss, 0, sizeof(*ss));
	if (listener_split(peer, ip, sizeof(ip), port, sizeof(port),
	    &errstr) == -1)
		return -1;
	if (peer[0] == '[') {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)atoi(port));
		return inet_pton(AF_INET6, ip, &sin6->sin6_addr) == 1 ? 0 : -1;
	}
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)atoi(port));
	return inet_pton(AF_INET, ip, &sin->sin_addr) == 1 ? 0 : -1;
}

/* children_add() for a child with no deadline, from "ip:port". */
static inline int
add_child(struct children *t, pid_t pid, const char *peer,
    const struct timespec *start)
{
	struct child c;

	memset(&c, 0, sizeof(c));
	c.pid = pid;
	c.start = *start;
	if (peer_addr(peer, &c.peer) == -1)
		return -2;	/* the test's own mistake */
	return children_add(t, &c);
}

/* The client's "ip:port" of c, in a static buffer. */
static inline const char *
peer_of(const struct child *c)
{
	static char buf[FORKD_ADDRSTRLEN];

	children_peer_name(c, buf, sizeof(buf));
	return buf;
}
#endif

#endif /* FORKD_TEST_CHECK_H */
