/*
 * notify.c against real receivers: a datagram socket at a path in a fresh
 * directory and one with an abstract name (which only the exact address
 * length reaches).  The messages arrive whole and in order, RELOADING=1
 * carries the monotonic time, NOTIFY_SOCKET is gone from the environment
 * after notify_init(), bad values are refused with a message, nothing is
 * sent without NOTIFY_SOCKET, a receiver that never reads makes sends
 * fail at once with EAGAIN (never block), the socket is close-on-exec and
 * non-blocking, and a receiver that goes away and comes back is found
 * again.  SIGPIPE keeps its default action: a send that raised it would
 * kill the test.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "forkd.h"
#include "notify.h"
#include "check.h"

#define MAX_FDS	1024	/* fds looked at for the one notify.c opens */

/* What one test set up, so that teardown undoes it even after a failure. */
static struct {
	char	dir[64];
	char	path[128];	/* the receiver's path, in dir */
	char	name[64];	/* an abstract name, without the '@' */
	int	rx;		/* the receiver, or -1 */
} fx;

/* A fresh directory and abstract name; no NOTIFY_SOCKET; a hang fails. */
static int
setup(void **state)
{
	struct timespec ts;

	(void)state;
	memset(&fx, 0, sizeof(fx));
	fx.rx = -1;
	strcpy(fx.dir, "/tmp/forkd-notify-XXXXXX");
	if (mkdtemp(fx.dir) == NULL)
		return -1;
	snprintf(fx.path, sizeof(fx.path), "%s/notify", fx.dir);
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(fx.name, sizeof(fx.name), "forkd-test-%ld-%ld",
	    (long)getpid(), (long)ts.tv_nsec);
	unsetenv("NOTIFY_SOCKET");
	alarm(30);
	return 0;
}

/* Close everything, remove the directory. */
static int
teardown(void **state)
{
	(void)state;
	alarm(0);
	notify_close();
	if (fx.rx != -1)
		close(fx.rx);
	unlink(fx.path);
	rmdir(fx.dir);
	unsetenv("NOTIFY_SOCKET");
	return 0;
}

/* A datagram receiver at fx.path (a new one: the old file goes). */
static int
rx_path(void)
{
	return dgram_receiver(fx.path);
}

/* A datagram receiver at the abstract name fx.name, its exact length. */
static int
rx_abstract(void)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path + 1, fx.name, strlen(fx.name));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd != -1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	    strlen(fx.name))), 0);
	return fd;
}

/* The next datagram must be exactly want. */
static void
expect(const char *name, const char *want)
{
	char buf[512];

	if (dgram_recv(fx.rx, buf, sizeof(buf), 5) < 0)
		fail_msg("%s: no datagram, want \"%s\"", name, want);
	CHECK_STR(name, buf, want);
}

/* Set NOTIFY_SOCKET to v and call notify_init(): it must succeed. */
static void
init_with(const char *v)
{
	char err[256] = "";

	assert_int_equal(setenv("NOTIFY_SOCKET", v, 1), 0);
	if (notify_init(err, sizeof(err)) != 0)
		fail_msg("notify_init(\"%s\"): %s", v, err);
	assert_null(getenv("NOTIFY_SOCKET"));
	assert_true(notify_enabled());
}

/* Microseconds on the monotonic clock. */
static unsigned long long
mono_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000ULL;
}

/* The next datagram: RELOADING=1, MONOTONIC_USEC within a second of now. */
static void
expect_reloading(const char *name)
{
	unsigned long long usec, now;
	char buf[512], *end;

	if (dgram_recv(fx.rx, buf, sizeof(buf), 5) < 0)
		fail_msg("%s: no RELOADING datagram", name);
	now = mono_usec();
	if (strncmp(buf, "RELOADING=1\nMONOTONIC_USEC=", 27) != 0 ||
	    buf[27] < '0' || buf[27] > '9')
		fail_msg("%s: got \"%s\"", name, buf);
	usec = strtoull(buf + 27, &end, 10);
	if (*end != '\0')
		fail_msg("%s: bytes after the time: \"%s\"", name, buf);
	if (usec > now || now - usec > 1000000ULL)
		fail_msg("%s: MONOTONIC_USEC %llu, now %llu", name, usec, now);
}

/* Send the four kinds of message; they must arrive whole, in order. */
static void
send_all(const char *name)
{
	assert_int_equal(notify_send("READY=1"), 0);
	assert_int_equal(notify_send("STATUS=3 children, 12 served"), 0);
	assert_int_equal(notify_reloading(), 0);
	assert_int_equal(notify_send("READY=1"), 0);
	assert_int_equal(notify_send("STOPPING=1"), 0);
	expect(name, "READY=1");
	expect(name, "STATUS=3 children, 12 served");
	expect_reloading(name);
	expect(name, "READY=1");
	expect(name, "STOPPING=1");
}

/* Proves a path receiver gets every message, and NOTIFY_SOCKET is unset. */
static void
test_path(void **state)
{
	(void)state;
	fx.rx = rx_path();
	init_with(fx.path);
	send_all("path");
}

/*
 * Proves an abstract "@name" receiver gets every message: bound with the
 * exact length, it is reached only by an address of that length.
 */
static void
test_abstract(void **state)
{
	char v[80];

	(void)state;
	fx.rx = rx_abstract();
	snprintf(v, sizeof(v), "@%s", fx.name);
	init_with(v);
	send_all("abstract");
}

/* Proves that without NOTIFY_SOCKET nothing is opened and nothing sent. */
static void
test_none(void **state)
{
	char err[256] = "", buf[64];
	int before;

	(void)state;
	fx.rx = rx_path();
	before = count_open_fds();
	assert_int_equal(notify_init(err, sizeof(err)), 0);
	assert_false(notify_enabled());
	assert_int_equal(count_open_fds(), before);
	assert_int_equal(notify_send("READY=1"), 0);
	assert_int_equal(notify_reloading(), 0);
	assert_int_equal(dgram_recv(fx.rx, buf, sizeof(buf), 0.2), -1);
	CHECK_STR("err", err, "");
}

/* A string of n copies of c after prefix, in buf. */
static const char *
long_value(char *buf, size_t cap, const char *prefix, size_t n)
{
	size_t p = strlen(prefix);

	assert_true(p + n < cap);
	memcpy(buf, prefix, p);
	memset(buf + p, 'a', n);
	buf[p + n] = '\0';
	return buf;
}

/*
 * Proves bad values are refused with a message naming the reason, leave
 * nothing open and are unset too; the longest good ones (a 107-byte path,
 * a 107-byte abstract name) are taken.
 */
static void
test_bad_values(void **state)
{
	char err[256], b1[256], b2[256], b3[256], b4[256];
	const struct {
		const char	*v;
		const char	*want;	/* in the message; NULL: good */
	} cases[] = {
		{ "run/notify", "not an absolute path or @name" },
		{ "", "not an absolute path or @name" },
		{ "@", "not an absolute path or @name" },
		{ "notify@", "not an absolute path or @name" },
		{ long_value(b1, sizeof(b1), "/", 107), "too long" },
		{ long_value(b2, sizeof(b2), "@", 108), "too long" },
		{ long_value(b3, sizeof(b3), "/", 106), NULL },
		{ long_value(b4, sizeof(b4), "@", 107), NULL },
	};
	size_t i;
	int before, r;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		before = count_open_fds();
		assert_int_equal(setenv("NOTIFY_SOCKET", cases[i].v, 1), 0);
		err[0] = '\0';
		r = notify_init(err, sizeof(err));
		assert_null(getenv("NOTIFY_SOCKET"));
		if (cases[i].want == NULL) {
			if (r != 0)
				fail_msg("\"%s\": %s", cases[i].v, err);
			assert_true(notify_enabled());
			notify_close();
			continue;
		}
		CHECK_INT(cases[i].v, r, -1);
		CHECK_SUBSTR(cases[i].v, err, cases[i].want);
		CHECK_SUBSTR(cases[i].v, err, "NOTIFY_SOCKET");
		assert_false(notify_enabled());
		CHECK_INT(cases[i].v, count_open_fds(), before);
	}
}

/* The open fds among the first MAX_FDS. */
static void
open_fds(unsigned char *set)
{
	int fd;

	for (fd = 0; fd < MAX_FDS; fd++)
		set[fd] = fcntl(fd, F_GETFD) != -1;
}

/* notify_init() with v; the one fd it opened. */
static int
init_fd(const char *v)
{
	unsigned char before[MAX_FDS], after[MAX_FDS];
	int fd, found = -1;

	open_fds(before);
	init_with(v);
	open_fds(after);
	for (fd = 0; fd < MAX_FDS; fd++)
		if (after[fd] && !before[fd]) {
			assert_int_equal(found, -1);
			found = fd;
		}
	assert_true(found != -1);
	return found;
}

/*
 * Proves a receiver that never reads costs nothing: once its queue is
 * full every send fails at once with EAGAIN (1,000 of them, under the
 * alarm: a blocking send would hang); the socket is a close-on-exec,
 * non-blocking datagram socket; once the receiver reads, sends go again.
 */
static void
test_full(void **state)
{
	char buf[512];
	int fd, i, sent = 0, failed = 0, type;
	socklen_t len = sizeof(type);

	(void)state;
	fx.rx = rx_path();
	fd = init_fd(fx.path);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
	assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len), 0);
	assert_int_equal(type, SOCK_DGRAM);
	alarm(10);
	for (i = 0; i < 1000; i++) {
		errno = 0;
		if (notify_send("STATUS=the manager is not reading") == 0) {
			if (failed)
				fail_msg("send %d went after a failure", i);
			sent++;
			continue;
		}
		if (errno != EAGAIN)
			fail_msg("send %d: %s, want EAGAIN", i,
			    strerror(errno));
		failed++;
	}
	alarm(30);
	assert_true(sent > 0 && failed > 0);
	assert_true(dgram_recv(fx.rx, buf, sizeof(buf), 1) > 0);
	assert_int_equal(notify_send("READY=1"), 0);
}

/*
 * Proves a receiver that goes away makes sends fail (ECONNREFUSED while
 * its file is there, ENOENT once unlinked), nothing more, and that a new
 * receiver at the same path or name is found with no new notify_init().
 */
static void
test_gone(void **state)
{
	char v[80];

	(void)state;
	fx.rx = rx_path();
	init_with(fx.path);
	assert_int_equal(notify_send("READY=1"), 0);
	expect("path", "READY=1");
	close(fx.rx);
	fx.rx = -1;
	assert_int_equal(notify_send("STATUS=closed"), -1);
	assert_int_equal(errno, ECONNREFUSED);
	assert_int_equal(unlink(fx.path), 0);
	assert_int_equal(notify_send("STATUS=unlinked"), -1);
	assert_int_equal(errno, ENOENT);
	fx.rx = rx_path();
	assert_int_equal(notify_send("STATUS=back"), 0);
	expect("path, back", "STATUS=back");

	close(fx.rx);
	fx.rx = rx_abstract();
	snprintf(v, sizeof(v), "@%s", fx.name);
	init_with(v);
	close(fx.rx);
	fx.rx = -1;
	assert_int_equal(notify_send("STATUS=gone"), -1);
	assert_int_equal(errno, ECONNREFUSED);
	fx.rx = rx_abstract();
	assert_int_equal(notify_send("STATUS=back"), 0);
	expect("abstract, back", "STATUS=back");
}

/*
 * Proves notify_close() closes the socket and stops sending, and that a
 * second notify_init() replaces the first socket instead of leaking it.
 */
static void
test_close(void **state)
{
	char buf[64];
	int before;

	(void)state;
	fx.rx = rx_path();
	before = count_open_fds();
	init_with(fx.path);
	init_with(fx.path);
	assert_int_equal(count_open_fds(), before + 1);
	notify_close();
	assert_false(notify_enabled());
	assert_int_equal(count_open_fds(), before);
	assert_int_equal(notify_send("READY=1"), 0);
	assert_int_equal(dgram_recv(fx.rx, buf, sizeof(buf), 0.2), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abstract, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_none, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_values, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close, setup, teardown),
	};

	signal(SIGPIPE, SIG_DFL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
