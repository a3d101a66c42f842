/*
 * log.c against real kernel objects: a receiver that never reads (lines
 * return at once; what the kernel cannot take waits in log.c's queue, the
 * rest is counted; once the receiver reads and log_flush() runs whenever
 * poll() says so, every queued line arrives in order, then one "log: N
 * lines dropped"), a burst that fits the queue (nothing lost), the
 * marker's place among queued lines, a receiver gone while lines wait,
 * log_drain(), the exact syslog header and priorities, a receiver that
 * restarts or goes away (reconnect, at most one connect() a second),
 * stderr into a pipe or socket that stops being read (never blocks, the
 * children's fd 2 stays blocking), JOURNAL_STREAM "<N>" prefixes,
 * log_limited() windows, log_close(), long lines, and errno kept by every
 * function.  connect() is wrapped to count the sender's attempts.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "forkd.h"
#include "check.h"

int	__wrap_connect(int, const struct sockaddr *, socklen_t);
int	__real_connect(int, const struct sockaddr *, socklen_t);

static int nconnect;	/* connect() calls, all of them log.c's */

/* Count the call, then connect for real. */
int
__wrap_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	nconnect++;
	return __real_connect(fd, sa, len);
}

/* What one test set up, so that teardown undoes it even after a failure. */
static struct {
	char	dir[64];
	char	path[128];	/* the syslog socket's path, in dir */
	int	sink;		/* the receiver, or -1 */
	int	p[2];		/* a pipe or socketpair standing in for stderr */
	int	saved2;		/* the real fd 2, while it is replaced */
} fx;

/* A fresh directory for the socket; log.c is pointed at it. */
static int
setup(void **state)
{
	(void)state;
	memset(&fx, 0, sizeof(fx));
	fx.sink = fx.p[0] = fx.p[1] = fx.saved2 = -1;
	strcpy(fx.dir, "/tmp/forkd-log-XXXXXX");
	if (mkdtemp(fx.dir) == NULL)
		return -1;
	snprintf(fx.path, sizeof(fx.path), "%s/log", fx.dir);
	if (log_set_syslog_path(fx.path) == -1)
		return -1;
	unsetenv("JOURNAL_STREAM");
	nconnect = 0;
	alarm(30);	/* a send that blocks fails the test, not make check */
	return 0;
}

/* Put fd 2 back, close everything, remove the directory. */
static int
teardown(void **state)
{
	(void)state;
	alarm(0);
	log_close();
	if (fx.saved2 != -1) {
		dup2(fx.saved2, 2);
		close(fx.saved2);
	}
	if (fx.sink != -1)
		close(fx.sink);
	if (fx.p[0] != -1)
		close(fx.p[0]);
	if (fx.p[1] != -1)
		close(fx.p[1]);
	unlink(fx.path);
	rmdir(fx.dir);
	unsetenv("JOURNAL_STREAM");
	log_set_syslog_path(NULL);
	return 0;
}

/* Bind a datagram receiver at fx.path (a new one: the old file goes). */
static int
sink_bind(void)
{
	return dgram_receiver(fx.path);
}

/* The receiver goes away: closed and its file removed. */
static void
sink_remove(void)
{
	close(fx.sink);
	fx.sink = -1;
	assert_int_equal(unlink(fx.path), 0);
}

/* The syslog header glibc writes for pri at time t, pid forkd's. */
static void
header_at(char *buf, size_t len, int pri, time_t t)
{
	struct tm tm;
	char stamp[32];

	assert_non_null(localtime_r(&t, &tm));
	assert_true(strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm) > 0);
	snprintf(buf, len, "<%d>%s forkd[%ld]: ", pri, stamp, (long)getpid());
}

/*
 * Fail unless got is header + msg exactly (no newline), the header's
 * time between t0 and t1.
 */
static void
check_datagram(const char *name, const char *got, int pri, const char *msg,
    time_t t0, time_t t1)
{
	char want[2048], hdr[128];
	time_t t;

	for (t = t0; t <= t1; t++) {
		header_at(hdr, sizeof(hdr), pri, t);
		snprintf(want, sizeof(want), "%s%s", hdr, msg);
		if (strcmp(got, want) == 0)
			return;
	}
	fail_msg("%s: got \"%s\", want \"%s\"", name, got, want);
}

/* The next datagram must be exactly pri + msg, sent about now. */
static void
expect_datagram(const char *name, int pri, const char *msg, time_t t0)
{
	char buf[4096];

	if (dgram_recv(fx.sink, buf, sizeof(buf), 5) < 0)
		fail_msg("%s: no datagram", name);
	check_datagram(name, buf, pri, msg, t0, time(NULL));
}

/* Put fd at the front of fd 2, keeping the real one in fx.saved2. */
static void
stderr_to(int fd)
{
	fflush(stderr);
	if (fx.saved2 == -1)
		fx.saved2 = dup(2);
	assert_true(fx.saved2 != -1);
	assert_int_equal(dup2(fd, 2), 2);
}

/* The real fd 2 back (cmocka writes there when a check fails). */
static void
stderr_back(void)
{
	assert_int_equal(dup2(fx.saved2, 2), 2);
	close(fx.saved2);
	fx.saved2 = -1;
}

/*
 * Fill a pipe or stream socket until a write would block.  fd's own
 * description stays blocking, as an inherited stderr would be: the
 * filling uses a description opened for it, or MSG_DONTWAIT.
 */
static void
fill(int fd, int is_socket)
{
	static const char junk[4096];
	char path[64];
	int w;

	if (is_socket) {
		while (send(fd, junk, sizeof(junk), MSG_DONTWAIT) > 0)
			;
		while (send(fd, junk, 1, MSG_DONTWAIT) > 0)
			;
	} else {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		w = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		assert_true(w != -1);
		while (write(w, junk, sizeof(junk)) > 0)
			;
		while (write(w, junk, 1) > 0)
			;
		close(w);
	}
	assert_int_equal(errno, EAGAIN);
}

/* Everything readable on the non-blocking fd now, NUL-terminated. */
static size_t
read_now(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	ssize_t n;

	while (len < cap - 1 && (n = read(fd, buf + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	return len;
}

/* Whether fd's file description is in blocking mode. */
static int
is_blocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	assert_true(fl != -1);
	return (fl & O_NONBLOCK) == 0;
}

/*
 * Records of this size fill LOG_QUEUE_SIZE (64 KiB) exactly: the stall
 * tests do not depend on what the queue does with a leftover smaller than
 * a line (test_syslog_stall_sizes is about that).
 */
#define STALL_REC	126	/* + log.c's 2-byte record length = 128 */

/*
 * What the receiver of a test read, as text, a line a record: from the
 * syslog sink each datagram becomes "PRI message\n"; stderr's bytes are
 * kept as they came.
 */
static struct {
	char	buf[1 << 20];
	size_t	len;
	int	fd;		/* fx.sink, or the reading end of fx.p */
	int	is_sink;
	size_t	hdr;		/* the length of forkd's header, or 0 */
} rx;

/* Read from fd (the syslog sink if is_sink) from now on; nothing read. */
static void
rx_start(int fd, int is_sink)
{
	char hdr[128];

	rx.len = 0;
	rx.buf[0] = '\0';
	rx.fd = fd;
	rx.is_sink = is_sink;
	header_at(hdr, sizeof(hdr), LOG_DAEMON | LOG_INFO, time(NULL));
	rx.hdr = is_sink ? strlen(hdr) : 0;
}

/* Append n bytes to what was read. */
static void
rx_add(const char *s, size_t n)
{
	if (rx.len + n >= sizeof(rx.buf))
		fail_msg("the receiver read over %zu bytes", sizeof(rx.buf));
	memcpy(rx.buf + rx.len, s, n);
	rx.len += n;
	rx.buf[rx.len] = '\0';
}

/* Append datagram d as "PRI message\n"; fail unless it is forkd's. */
static void
rx_add_datagram(const char *d)
{
	char tag[64], pri[16];
	const char *msg;

	snprintf(tag, sizeof(tag), " forkd[%ld]: ", (long)getpid());
	msg = strstr(d, tag);
	if (d[0] != '<' || msg == NULL)
		fail_msg("not a forkd datagram: \"%s\"", d);
	msg += strlen(tag);
	snprintf(pri, sizeof(pri), "%d ", atoi(d + 1));
	rx_add(pri, strlen(pri));
	rx_add(msg, strlen(msg));
	rx_add("\n", 1);
}

/* Read everything the receiver holds now; how many records (lines). */
static int
rx_read(void)
{
	char buf[65536];
	ssize_t n;
	size_t i;
	int k = 0;

	if (rx.is_sink)
		while ((n = recv(rx.fd, buf, sizeof(buf) - 1,
		    MSG_DONTWAIT)) >= 0) {
			buf[n] = '\0';
			rx_add_datagram(buf);
			k++;
		}
	else
		while ((n = read(rx.fd, buf, sizeof(buf))) > 0) {
			rx_add(buf, (size_t)n);
			for (i = 0; i < (size_t)n; i++)
				k += buf[i] == '\n';
		}
	if (n == -1 && errno != EAGAIN)
		fail_msg("receiver: %s", strerror(errno));
	return k;
}

/*
 * The receiver reads again: read what arrives, and call log_flush()
 * whenever poll() says log_pollfd() takes more (as server_loop does),
 * until nothing waits, at most secs.  0, or -1 if something still waits.
 */
static int
rx_flush_all(double secs)
{
	struct pollfd pfd;
	double end = mono_now() + secs;
	int r;

	while (log_queued() && mono_now() < end) {
		rx_read();
		pfd.fd = log_pollfd();
		pfd.events = POLLOUT;
		if (pfd.fd == -1)
			break;
		r = poll(&pfd, 1, 100);
		if (r == -1 && errno != EINTR)
			break;
		if (r == 1)
			log_flush();
	}
	rx_read();
	return log_queued() ? -1 : 0;
}

/* Append to buf line msg at priority pri as the receiver reads it. */
static void
want_line(char *buf, size_t cap, int pri, const char *msg)
{
	size_t n = strlen(buf);

	if (rx.is_sink)
		snprintf(buf + n, cap - n, "%d %s\n", LOG_DAEMON | pri, msg);
	else
		snprintf(buf + n, cap - n, "%s\n", msg);
}

/* Append to buf the line "log: n lines dropped" as the receiver reads it. */
static void
want_dropped(char *buf, size_t cap, unsigned long n)
{
	char msg[64];

	snprintf(msg, sizeof(msg), "log: %lu lines dropped", n);
	want_line(buf, cap, LOG_WARNING, msg);
}

/*
 * Line i of a burst, padded so that its record is reclen bytes: the
 * datagram with its header, or the stderr line with its newline.
 */
static void
burst_msg(char *buf, size_t cap, int i, size_t reclen)
{
	size_t len = reclen - (rx.is_sink ? rx.hdr : 1), n;

	assert_true(len > 16 && len < cap);
	n = (size_t)snprintf(buf, cap, "line %04d ", i);
	memset(buf + n, '.', len - n);
	buf[len] = '\0';
}

static double burst_secs, burst_slowest;	/* the last burst's times */

/* Log lines first .. first + n - 1 of a burst of reclen-byte records. */
static void
burst(int first, int n, size_t reclen)
{
	char msg[512];
	double t, start = mono_now();
	int i;

	burst_slowest = 0;
	for (i = first; i < first + n; i++) {
		burst_msg(msg, sizeof(msg), i, reclen);
		t = mono_now();
		log_info("%s", msg);
		t = mono_now() - t;
		if (t > burst_slowest)
			burst_slowest = t;
	}
	burst_secs = mono_now() - start;
}

/* Fail unless the last burst returned promptly: 2 s in all, 0.5 s a line. */
static void
check_prompt(const char *name, int n)
{
	if (burst_secs > 2 || burst_slowest > 0.5)
		fail_msg("%s: %d lines took %.3fs, the slowest %.3fs", name, n,
		    burst_secs, burst_slowest);
}

/*
 * Fail unless what was read is lines first, first + 1, ... of a burst of
 * reclen-byte records, then exactly tail.  Returns how many burst lines.
 */
static int
rx_check(const char *name, int first, size_t reclen, const char *tail)
{
	char msg[512], want[600];
	const char *p = rx.buf;
	size_t len;
	int m = 0;

	for (;;) {
		burst_msg(msg, sizeof(msg), first + m, reclen);
		want[0] = '\0';
		want_line(want, sizeof(want), LOG_INFO, msg);
		len = strlen(want);
		if (strncmp(p, want, len) != 0)
			break;
		p += len;
		m++;
	}
	if (strcmp(p, tail) != 0)
		fail_msg("%s: after %d lines in order, got \"%.300s\", want "
		    "\"%s\"", name, first + m, p, tail);
	return m;
}

/* What a stall did, as the test saw it. */
struct stall {
	int		queued;		/* log_queued() after the burst */
	int		pollfd;		/* log_pollfd() after it */
	unsigned long	dropped;	/* log_dropped() after it */
	int		kernel;		/* lines the receiver held then */
	int		flushed;	/* rx_flush_all(): 0 if all went */
	int		queued_end;	/* log_queued() at the end */
	unsigned long	dropped_end;	/* log_dropped() at the end */
};

/*
 * A receiver that does not read gets n lines of reclen-byte records;
 * then it reads what the kernel held, reads on while log_flush() runs as
 * poll() says, and gets one line more, "after".  No checks: fd 2 may be
 * the receiver.
 */
static void
stall_run(struct stall *st, int n, size_t reclen)
{
	burst(0, n, reclen);
	st->queued = log_queued();
	st->pollfd = log_pollfd();
	st->dropped = log_dropped();
	st->kernel = rx_read();
	st->flushed = rx_flush_all(10);
	log_info("after");
	rx_read();
	st->queued_end = log_queued();
	st->dropped_end = log_dropped();
}

/*
 * Fail unless the stall went as it should: the burst was prompt; lines
 * waited and lines were dropped; the receiver read, in order, every line
 * not counted (what the kernel held, then what the queue held), then
 * exactly one "log: D lines dropped" with D the count, then "after";
 * nothing waits at the end.
 */
static void
stall_check(const char *name, const struct stall *st, int n, size_t reclen)
{
	char tail[256] = "";
	int m;

	check_prompt(name, n);
	if (!st->queued)
		fail_msg("%s: log_queued() false after %d lines", name, n);
	if (st->dropped == 0)
		fail_msg("%s: %d lines did not overflow the queue", name, n);
	if (st->kernel < 1)
		fail_msg("%s: the kernel held no line", name);
	want_dropped(tail, sizeof(tail), st->dropped);
	want_line(tail, sizeof(tail), LOG_INFO, "after");
	m = rx_check(name, 0, reclen, tail);
	CHECK_INT(name, m + (long)st->dropped, n);
	if (m <= st->kernel)
		fail_msg("%s: the queue held no line (%d read, %d of them "
		    "from the kernel)", name, m, st->kernel);
	CHECK_INT(name, st->flushed, 0);
	CHECK_INT(name, st->queued_end, 0);
	CHECK_INT(name, st->dropped_end, st->dropped);
}

/* Proves the header glibc's syslog() writes, priority by priority. */
static void
test_syslog_format(void **state)
{
	time_t t0;

	(void)state;
	fx.sink = sink_bind();
	log_init(LOG_TO_SYSLOG, 0);
	log_startup_done();
	t0 = time(NULL);
	log_info("hello %d", 42);
	expect_datagram("info", LOG_DAEMON | LOG_INFO, "hello 42", t0);
	log_notice("a %s", "notice");
	expect_datagram("notice", LOG_DAEMON | LOG_NOTICE, "a notice", t0);
	log_warnx("warned");
	expect_datagram("warnx", LOG_DAEMON | LOG_WARNING, "warned", t0);
	errno = ENOENT;
	log_warn("open %s", "x");
	expect_datagram("warn", LOG_DAEMON | LOG_WARNING,
	    "open x: No such file or directory", t0);
	assert_int_equal(errno, ENOENT);
	log_msg(LOG_EMERG, "emerg");
	expect_datagram("emerg", LOG_DAEMON | LOG_EMERG, "emerg", t0);
	log_msg(LOG_ERR, "err %u", 3u);
	expect_datagram("err", LOG_DAEMON | LOG_ERR, "err 3", t0);
	log_msg(LOG_DEBUG, "debug");
	expect_datagram("debug", LOG_DAEMON | LOG_DEBUG, "debug", t0);
	/* a facility given by mistake: still daemon */
	log_msg(LOG_LOCAL0 | LOG_CRIT, "crit");
	expect_datagram("crit", LOG_DAEMON | LOG_CRIT, "crit", t0);
	log_msg(LOG_INFO, "%s", "");
	expect_datagram("empty", LOG_DAEMON | LOG_INFO, "", t0);
	assert_int_equal(log_dropped(), 0);
}

/*
 * Proves a receiver that never reads costs lines, not time: 3,000 lines
 * return at once (a blocking send would stop at the 11th); the kernel
 * takes a few, the queue the next ones, the rest are counted; the fd to
 * poll is log.c's socket, connected to the receiver.  Once the receiver
 * reads and log_flush() runs as poll() says, every line not counted
 * arrives in order, then "log: N lines dropped" (N the count), then the
 * next line, and only that once.
 */
static void
test_syslog_stall(void **state)
{
	struct sockaddr_un peer;
	socklen_t len = sizeof(peer);
	struct stall st;
	time_t t0;

	(void)state;
	fx.sink = sink_bind();
	log_init(LOG_TO_SYSLOG, 0);
	log_startup_done();
	rx_start(fx.sink, 1);
	stall_run(&st, 3000, STALL_REC);
	stall_check("syslog", &st, 3000, STALL_REC);
	assert_true(st.pollfd != -1 && st.pollfd != fx.sink);
	assert_int_equal(getpeername(st.pollfd, (struct sockaddr *)&peer,
	    &len), 0);
	CHECK_STR("log_pollfd()'s peer", peer.sun_path, fx.path);
	CHECK_INT("the same socket", log_pollfd(), st.pollfd);
	t0 = time(NULL);
	log_info("again");
	expect_datagram("no second notice", LOG_DAEMON | LOG_INFO, "again", t0);
	assert_int_equal(log_dropped(), st.dropped);
}

/*
 * Proves a burst the queue holds loses nothing: 500 lines to a receiver
 * that does not read (the kernel takes about 10), none dropped; once it
 * reads and log_flush() runs as poll() says, all 500 arrive in order.
 */
static void
test_syslog_burst_fits(void **state)
{
	char tail[64] = "";

	(void)state;
	fx.sink = sink_bind();
	log_init(LOG_TO_SYSLOG, 0);
	log_startup_done();
	rx_start(fx.sink, 1);
	burst(0, 500, 100);
	check_prompt("500 lines", 500);
	CHECK_INT("after the burst", log_dropped(), 0);
	assert_true(log_queued());
	assert_int_equal(rx_flush_all(10), 0);
	log_info("after");
	rx_read();
	want_line(tail, sizeof(tail), LOG_INFO, "after");
	CHECK_INT("lines in order", rx_check("burst", 0, 100, tail), 500);
	CHECK_INT("at the end", log_dropped(), 0);
	assert_false(log_queued());
}

/*
 * Proves the count keeps its place among queued lines, and that a stall
 * gives one count: with the queue overflowed, the receiver reads only
 * what the kernel held and a new line comes; the queue is still more
 * than half full, so it is lost too (not queued after a count of its
 * own).  Then the receiver reads the queued lines, one "log: N lines
 * dropped" counting the new line too, and the next line, in that order.
 */
static void
test_syslog_marker_order(void **state)
{
	char tail[256] = "";
	unsigned long dropped;
	int kernel, m;

	(void)state;
	fx.sink = sink_bind();
	log_init(LOG_TO_SYSLOG, 0);
	log_startup_done();
	rx_start(fx.sink, 1);
	burst(0, 1000, STALL_REC);
	dropped = log_dropped();
	assert_true(dropped > 0);
	kernel = rx_read();	/* the receiver reads a little */
	assert_true(kernel > 0);
	log_info("new");
	CHECK_INT("the new line is lost with the others", log_dropped(),
	    dropped + 1);
	assert_true(log_queued());
	assert_int_equal(rx_flush_all(10), 0);
	log_info("after");
	rx_read();
	want_dropped(tail, sizeof(tail), dropped + 1);
	want_line(tail, sizeof(tail), LOG_INFO, "after");
	m = rx_check("marker order", 0, STALL_REC, tail);
	CHECK_INT("lines read + dropped", m + (long)dropped, 1000);
	assert_true(m > kernel);
	assert_false(log_queued());
}

/*
 * Proves the count is one line whatever the lines' length: with records
 * of 100 to 111 bytes, the queue's last bytes hold no whole line but may
 * hold a count; still the receiver reads the queued lines, then one
 * "log: N lines dropped" with N the count, then the next line.
 */
static void
test_syslog_stall_sizes(void **state)
{
	struct stall st;
	char name[32];
	size_t rec;

	(void)state;
	fx.sink = sink_bind();
	for (rec = 100; rec < 112; rec++) {
		log_init(LOG_TO_SYSLOG, 0);
		log_startup_done();
		rx_start(fx.sink, 1);
		stall_run(&st, 1500, rec);
		snprintf(name, sizeof(name), "%zu-byte lines", rec);
		stall_check(name, &st, 1500, rec);
	}
}

/*
 * Proves a receiver gone while lines wait (send: ECONNREFUSED, and no
 * socket to reconnect to) costs exactly the queued lines, counted; that
 * nothing is left to poll then; and that once a receiver is back, the
 * first line through is "log: N lines dropped" for them and for the lines
 * logged meanwhile, then that line.
 */
static void
test_syslog_gone_queued(void **state)
{
	char buf[4096], msg[64];
	ssize_t n = -1;
	double end;
	time_t t0;
	int kernel, i;

	(void)state;
	fx.sink = sink_bind();
	log_init(LOG_TO_SYSLOG, 0);
	log_startup_done();
	rx_start(fx.sink, 1);
	burst(0, 100, 100);
	CHECK_INT("after the burst", log_dropped(), 0);
	kernel = rx_read();
	assert_true(kernel > 0 && kernel < 100);
	CHECK_INT("the kernel's lines", rx_check("kernel", 0, 100, ""), kernel);
	sink_remove();
	log_flush();
	CHECK_INT("the queued lines lost", log_dropped(), 100 - kernel);
	/* The loop has nothing to poll; the count goes out with a next line. */
	if (log_queued() && log_pollfd() != -1)
		fail_msg("receiver gone: log_queued() and log_pollfd() %d",
		    log_pollfd());

	fx.sink = sink_bind();
	t0 = time(NULL);
	for (i = 0, end = mono_now() + 5; n < 0 && mono_now() < end; i++) {
		log_info("probe %d", i);
		n = dgram_recv(fx.sink, buf, sizeof(buf), 0.02);
	}
	if (n < 0)
		fail_msg("no line within 5s of the receiver's return");
	CHECK_INT("the queue and the probes before", log_dropped(),
	    100 - kernel + i - 1);
	snprintf(msg, sizeof(msg), "log: %d lines dropped", 100 - kernel + i - 1);
	check_datagram("dropped", buf, LOG_DAEMON | LOG_WARNING, msg, t0,
	    time(NULL));
	snprintf(msg, sizeof(msg), "probe %d", i - 1);
	expect_datagram("probe", LOG_DAEMON | LOG_INFO, msg, t0);
	assert_false(log_queued());
}

/*
 * In a child: read datagrams from the sink until one contains last (or
 * none comes for 5 s), writing each to fd as a line; then exit.
 */
static void __attribute__((__noreturn__))
reader_child(int fd, const char *last)
{
	struct pollfd pfd = { .fd = fx.sink, .events = POLLIN };
	char buf[4096];
	ssize_t n;

	alarm(10);
	while (poll(&pfd, 1, 5000) == 1 &&
	    (n = recv(fx.sink, buf, sizeof(buf) - 1, 0)) > 0) {
		buf[n] = '\n';
		if (write(fd, buf, (size_t)n + 1) != n + 1)
			_exit(1);
		buf[n] = '\0';
		if (strstr(buf, last) != NULL)
			_exit(0);
	}
	_exit(2);
}

/*
 * Proves log_drain(): with a receiver that never reads it gives up after
 * the time asked (200 ms: back within 0.2 to 1 s, the lines still
 * waiting); with one that reads (a child) it returns once the queue is
 * empty, and every line arrives in order.
 */
static void
test_drain(void **state)
{
	char path[] = "/tmp/forkd-unit-XXXXXX", last[32], *buf, *p, *nl;
	double t;
	pid_t pid;
	int fd, status, queued;
	off_t len;

	(void)state;
	fx.sink = sink_bind();
	log_init(LOG_TO_SYSLOG, 0);
	log_startup_done();
	rx_start(fx.sink, 1);
	burst(0, 500, 100);
	CHECK_INT("after the burst", log_dropped(), 0);
	t = mono_now();
	log_drain(200);
	t = mono_now() - t;
	if (t < 0.19 || t > 1)
		fail_msg("log_drain(200), nobody reading: back after %.3fs", t);
	assert_true(log_queued());

	fd = mkstemp(path);
	assert_true(fd != -1);
	unlink(path);
	snprintf(last, sizeof(last), "]: line %04d ", 499);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0)
		reader_child(fd, last);
	t = mono_now();
	log_drain(5000);
	t = mono_now() - t;
	queued = log_queued();
	assert_int_equal(waitpid(pid, &status, 0), pid);
	CHECK_INT("the reader's exit", status, 0);
	if (queued || t > 4)
		fail_msg("log_drain(5000), a reader: back after %.3fs, "
		    "log_queued() %d", t, queued);
	len = lseek(fd, 0, SEEK_END);
	buf = malloc((size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(pread(fd, buf, (size_t)len, 0), len);
	buf[len] = '\0';
	close(fd);
	for (p = buf; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		*nl = '\0';
		rx_add_datagram(p);
	}
	free(buf);
	CHECK_INT("lines in order", rx_check("drained", 0, 100, ""), 500);
	CHECK_INT("at the end", log_dropped(), 0);
}

/*
 * Proves a receiver that restarts (closed, its path bound anew) gets the
 * very next line: one reconnect, the line retried, nothing dropped.
 */
static void
test_syslog_restart(void **state)
{
	time_t t0;

	(void)state;
	fx.sink = sink_bind();
	log_init(LOG_TO_SYSLOG, 0);
	log_startup_done();
	t0 = time(NULL);
	log_info("before");
	expect_datagram("before", LOG_DAEMON | LOG_INFO, "before", t0);
	sink_remove();
	fx.sink = sink_bind();
	nconnect = 0;
	log_info("after restart");
	expect_datagram("after", LOG_DAEMON | LOG_INFO, "after restart", t0);
	assert_int_equal(nconnect, 1);
	assert_int_equal(log_dropped(), 0);
	/* and again, on the new socket, without connecting */
	log_info("next");
	expect_datagram("next", LOG_DAEMON | LOG_INFO, "next", t0);
	assert_int_equal(nconnect, 1);
}

/*
 * Proves a receiver that is gone costs dropped lines and at most one
 * connect() a second, and that lines arrive again (after the count of
 * those lost) within about a second of it coming back.
 */
static void
test_syslog_absent(void **state)
{
	char buf[4096], msg[64];
	double start, end;
	ssize_t n = -1;
	time_t t0;
	int i;

	(void)state;
	fx.sink = sink_bind();
	log_init(LOG_TO_SYSLOG, 0);
	log_startup_done();
	sink_remove();
	nconnect = 0;
	for (i = 0; i < 50; i++)
		log_info("lost %d", i);
	assert_int_equal(log_dropped(), 50);
	if (nconnect < 1 || nconnect > 2)
		fail_msg("%d connect() calls for 50 lines", nconnect);

	fx.sink = sink_bind();
	t0 = time(NULL);
	start = mono_now();
	end = start + 5;
	for (i = 0; n < 0 && mono_now() < end; i++) {
		log_info("probe %d", i);
		n = dgram_recv(fx.sink, buf, sizeof(buf), 0.02);
	}
	if (n < 0)
		fail_msg("no line within 5s of the receiver's return");
	if (nconnect > 2 + (int)(mono_now() - start) + 1)
		fail_msg("%d connect() calls in %.1fs", nconnect,
		    mono_now() - start);
	snprintf(msg, sizeof(msg), "log: %lu lines dropped", log_dropped());
	check_datagram("dropped", buf, LOG_DAEMON | LOG_WARNING, msg, t0,
	    time(NULL));
	CHECK_INT("dropped", log_dropped(), 50 + i - 1);
	snprintf(msg, sizeof(msg), "probe %d", i - 1);
	expect_datagram("probe", LOG_DAEMON | LOG_INFO, msg, t0);
}

/*
 * Proves that with no receiver at start, stderr says lines will be lost
 * (today's words), that warnings are echoed on stderr until start-up is
 * over and info lines never are, and that a receiver appearing later gets
 * the lines.
 */
static void
test_syslog_none_at_start(void **state)
{
	struct capture cap;
	char want[512], buf[4096];
	double end;
	ssize_t n = -1;
	char *err;

	(void)state;
	capture_begin(&cap);
	log_init(LOG_TO_SYSLOG, 0);
	log_warnx("early %d", 1);
	log_info("early info");
	log_startup_done();
	log_warnx("late");
	err = capture_end(&cap);
	snprintf(want, sizeof(want), "forkd: warning: %s: No such file or "
	    "directory: log lines will be lost (run a syslog daemon, or use "
	    "-L stderr)\nforkd: early 1\n", fx.path);
	CHECK_STR("stderr", err, want);
	free(err);
	assert_int_equal(log_dropped(), 3);

	fx.sink = sink_bind();
	for (end = mono_now() + 5; n < 0 && mono_now() < end;) {
		log_info("probe");
		n = dgram_recv(fx.sink, buf, sizeof(buf), 0.02);
	}
	if (n < 0)
		fail_msg("no line within 5s of the receiver's appearance");
	CHECK_SUBSTR("first line", buf, "]: log: ");
}

/* Proves log_startup_done() picks up the new pid (daemon() forks). */
static void
test_startup_pid(void **state)
{
	char buf[4096], want[64];
	pid_t pid;
	int status;

	(void)state;
	fx.sink = sink_bind();
	log_init(LOG_TO_SYSLOG, 0);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		log_startup_done();
		log_info("from the child");
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(dgram_recv(fx.sink, buf, sizeof(buf), 5) > 0);
	snprintf(want, sizeof(want), " forkd[%ld]: from the child", (long)pid);
	CHECK_SUBSTR("child's pid", buf, want);
}

/*
 * Proves -L stderr into a pipe that is not read never blocks: 3,000
 * lines return at once, the pipe takes what it holds, the queue the next
 * ones, the rest are counted; the fd to poll is log.c's own non-blocking
 * description of the pipe, and the pipe's own (the children's fd 2)
 * stays blocking.  Once the reader reads and log_flush() runs as poll()
 * says, every line not counted arrives whole and in order, then "log: N
 * lines dropped", then the next line.
 */
static void
test_stderr_pipe_full(void **state)
{
	struct stat a, b;
	struct stall st;

	(void)state;
	assert_int_equal(pipe2(fx.p, O_CLOEXEC), 0);
	assert_int_equal(fcntl(fx.p[0], F_SETFL, O_NONBLOCK), 0);
	stderr_to(fx.p[1]);
	log_init(LOG_TO_STDERR, 0);
	stderr_back();	/* log.c keeps a description of the pipe */
	assert_true(is_blocking(fx.p[1]));
	rx_start(fx.p[0], 0);
	stall_run(&st, 3000, STALL_REC);
	stall_check("pipe", &st, 3000, STALL_REC);
	assert_true(is_blocking(fx.p[1]));
	assert_true(st.pollfd > 2);
	assert_int_equal(fstat(st.pollfd, &a), 0);
	assert_int_equal(fstat(fx.p[1], &b), 0);
	assert_true(a.st_dev == b.st_dev && a.st_ino == b.st_ino);
	assert_false(is_blocking(st.pollfd));
}

/*
 * Proves -L stderr on a stream socket (journald's) that is not read never
 * blocks either (send with MSG_DONTWAIT, the socket left blocking; fd 2
 * is the fd to poll), and delivers as the pipe does once it is read.
 */
static void
test_stderr_socket_full(void **state)
{
	struct stall st;
	int blocking;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    fx.p), 0);
	assert_int_equal(fcntl(fx.p[1], F_SETFL, O_NONBLOCK), 0);
	stderr_to(fx.p[0]);
	log_init(LOG_TO_STDERR, 0);
	rx_start(fx.p[1], 0);
	stall_run(&st, 3000, STALL_REC);	/* fd 2 is the socket: no checks */
	blocking = is_blocking(2);
	stderr_back();
	stall_check("socket", &st, 3000, STALL_REC);
	assert_true(blocking);
	CHECK_INT("log_pollfd()", st.pollfd, 2);
}

/*
 * Proves a stderr that can never be written again (a pipe whose reader
 * is gone: EPIPE; /dev/full: ENOSPC; a socket whose peer closed: EPIPE)
 * does not keep the loop busy.  server_loop polls log_pollfd() for
 * POLLOUT while log_queued() and calls log_flush() whenever poll()
 * returns it: after a lost line and a few such rounds, poll() must be
 * left to wait.
 */
static void
test_stderr_gone(void **state)
{
	static const char *const name[] = { "pipe, reader gone", "/dev/full",
	    "socket, peer closed" };
	struct pollfd pfd = { .fd = -1, .events = POLLOUT };
	unsigned long dropped;
	char spins[512] = "";
	size_t len;
	int i, round, busy, fd = -1;

	(void)state;
	for (i = 0; i < 3; i++) {
		if (i == 0) {
			assert_int_equal(pipe2(fx.p, O_CLOEXEC), 0);
			fd = fx.p[1];
		} else if (i == 1) {
			fd = fx.p[1] = open("/dev/full", O_WRONLY | O_CLOEXEC);
			assert_true(fd != -1);
		} else {
			assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM |
			    SOCK_CLOEXEC, 0, fx.p), 0);
			fd = fx.p[0];
		}
		if (fx.p[0] != -1 && fx.p[0] != fd) {
			close(fx.p[0]);
			fx.p[0] = -1;
		}
		if (fx.p[1] != -1 && fx.p[1] != fd) {
			close(fx.p[1]);
			fx.p[1] = -1;
		}
		stderr_to(fd);
		log_init(LOG_TO_STDERR, 0);
		log_info("lost");
		for (busy = 1, round = 0; busy && round < 3; round++) {
			pfd.fd = log_pollfd();
			pfd.revents = 0;
			busy = log_queued() && pfd.fd != -1 &&
			    poll(&pfd, 1, 0) == 1;
			if (busy)
				log_flush();
		}
		dropped = log_dropped();
		stderr_back();
		log_close();
		close(fd);
		fx.p[0] = fx.p[1] = -1;
		CHECK_INT(name[i], dropped, 1);
		len = strlen(spins);
		if (busy)
			snprintf(spins + len, sizeof(spins) - len, "; %s "
			    "(revents %#x)", name[i], (unsigned)pfd.revents);
	}
	if (spins[0] != '\0')
		fail_msg("after 3 log_flush() calls, log_queued() and "
		    "poll(log_pollfd(), POLLOUT) returns at once: the loop "
		    "would spin%s", spins);
}

/* A JOURNAL_STREAM value, and whether lines then carry "<N>". */
struct journal_case {
	const char	*name;
	int		 dev_delta, ino_delta;	/* off the pipe's own */
	const char	*literal;		/* instead, if not NULL */
	int		 prefixed;
};

/*
 * Proves the sd-daemon(3) prefixes when JOURNAL_STREAM names fd 2, and
 * bare lines when it names another file, is garbage, or is unset.
 */
static void
test_journal_stream(void **state)
{
	static const struct journal_case t[] = {
		{ "matching", 0, 0, NULL, 1 },
		{ "other inode", 0, 1, NULL, 0 },
		{ "other device", 1, 0, NULL, 0 },
		{ "unset", 0, 0, "", 0 },
		{ "no colon", 0, 0, "12345", 0 },
		{ "not numbers", 0, 0, "a:b", 0 },
	};
	static const char prefixed[] = "<6>i\n<5>n\n<4>w\n<3>e 1\n"
	    "<4>x: Permission denied\n<7>d\n";
	static const char bare[] = "i\nn\nw\ne 1\nx: Permission denied\nd\n";
	char val[64], buf[4096];
	struct stat st;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(pipe2(fx.p, O_CLOEXEC), 0);
		assert_int_equal(fcntl(fx.p[0], F_SETFL, O_NONBLOCK), 0);
		assert_int_equal(fstat(fx.p[1], &st), 0);
		snprintf(val, sizeof(val), "%llu:%llu",
		    (unsigned long long)st.st_dev + (unsigned)t[i].dev_delta,
		    (unsigned long long)st.st_ino + (unsigned)t[i].ino_delta);
		if (t[i].literal == NULL)
			setenv("JOURNAL_STREAM", val, 1);
		else if (t[i].literal[0] != '\0')
			setenv("JOURNAL_STREAM", t[i].literal, 1);
		else
			unsetenv("JOURNAL_STREAM");
		stderr_to(fx.p[1]);
		log_init(LOG_TO_STDERR, 0);
		stderr_back();
		log_info("i");
		log_notice("n");
		log_warnx("w");
		log_msg(LOG_ERR, "e %d", 1);
		errno = EACCES;
		log_warn("x");
		log_msg(LOG_DEBUG, "d");
		read_now(fx.p[0], buf, sizeof(buf));
		CHECK_STR(t[i].name, buf, t[i].prefixed ? prefixed : bare);
		log_close();
		close(fx.p[0]);
		close(fx.p[1]);
		fx.p[0] = fx.p[1] = -1;
	}
}

/*
 * Proves log_limited(): max(burst, 1) lines a window, the window starting
 * at the first line logged; the lines beyond are counted, not written and
 * not "dropped"; the first line of a later window ends with the count;
 * the priority given is the line's.  Windows are ended by moving start
 * back, as RATELIMIT_WINDOW seconds of real time would.
 */
static void
test_limited(void **state)
{
	struct ratelimit one = { 0, 0, 0, 0 }, three = { 0, 3, 0, 0 };
	struct capture cap;
	struct timespec now;
	char val[64], *out;
	struct stat st;
	int i, got[16], n = 0;

	(void)state;
	capture_begin(&cap);
	assert_int_equal(fstat(2, &st), 0);
	snprintf(val, sizeof(val), "%llu:%llu", (unsigned long long)st.st_dev,
	    (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", val, 1);	/* to see the priorities */
	log_init(LOG_TO_STDERR, 0);

	got[n++] = log_limited(&one, LOG_ERR, "one %d", 1);
	clock_gettime(CLOCK_MONOTONIC, &now);
	for (i = 2; i <= 4; i++)
		got[n++] = log_limited(&one, LOG_ERR, "one %d", i);
	if (one.start < now.tv_sec - 1 || one.start > now.tv_sec)
		fail_msg("window start %ld, now %ld", (long)one.start,
		    (long)now.tv_sec);
	CHECK_INT("held", one.suppressed, 3);
	one.start -= RATELIMIT_WINDOW;
	got[n++] = log_limited(&one, LOG_ERR, "one %d", 5);
	CHECK_INT("reset", one.suppressed, 0);
	got[n++] = log_limited(&one, LOG_ERR, "one %d", 6);

	for (i = 1; i <= 5; i++)
		got[n++] = log_limited(&three, LOG_NOTICE, "three %d", i);
	three.start -= RATELIMIT_WINDOW;
	for (i = 6; i <= 9; i++)
		got[n++] = log_limited(&three, LOG_WARNING, "three %d", i);
	out = capture_end(&cap);

	CHECK_STR("lines", out, "<3>one 1\n"
	    "<3>one 5 (3 similar messages suppressed)\n"
	    "<5>three 1\n<5>three 2\n<5>three 3\n"
	    "<4>three 6 (2 similar messages suppressed)\n"
	    "<4>three 7\n<4>three 8\n");
	free(out);
	{
		static const int want[] = { 1, 0, 0, 0, 1, 0,
		    1, 1, 1, 0, 0, 1, 1, 1, 0 };

		assert_int_equal(n, sizeof(want) / sizeof(want[0]));
		for (i = 0; i < n; i++)
			if (got[i] != want[i])
				fail_msg("call %d returned %d", i, got[i]);
	}
	CHECK_INT("held in the last window", three.suppressed, 1);
	assert_int_equal(log_dropped(), 0);
}

/*
 * Proves a line longer than the buffer is cut, not split: one line,
 * newline-terminated, no longer than PIPE_BUF (so a pipe write is
 * atomic); a datagram is cut the same way.
 */
static void
test_long_line(void **state)
{
	static char big[8000];
	char buf[16384];
	size_t len;

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	assert_int_equal(pipe2(fx.p, O_CLOEXEC), 0);
	assert_int_equal(fcntl(fx.p[0], F_SETFL, O_NONBLOCK), 0);
	stderr_to(fx.p[1]);
	log_init(LOG_TO_STDERR, 0);
	stderr_back();
	log_info("%s", big);
	log_info("next");
	len = read_now(fx.p[0], buf, sizeof(buf));
	assert_true(len > 1000 && len <= PIPE_BUF + 5);
	assert_int_equal(count_substr(buf, "\n"), 2);
	assert_true(strncmp(buf, "xxxx", 4) == 0);
	assert_string_equal(buf + len - 7, "x\nnext\n");
	assert_true(strchr(buf, '\n') - buf + 1 <= PIPE_BUF);

	fx.sink = sink_bind();
	log_init(LOG_TO_SYSLOG, 0);
	log_info("%s", big);
	len = (size_t)dgram_recv(fx.sink, buf, sizeof(buf), 5);
	assert_true(len > 1000 && len < PIPE_BUF);
	assert_null(strchr(buf, '\n'));
	assert_int_equal(buf[len - 1], 'x');
}

/*
 * Proves log_close() closes what log.c opened (the syslog socket, its own
 * stderr description), leaves fd 2 alone, and that nothing is written or
 * counted afterwards; log_init() opens again.
 */
static void
test_close(void **state)
{
	char buf[4096];
	int before;

	(void)state;
	fx.sink = sink_bind();
	before = count_open_fds();
	log_init(LOG_TO_SYSLOG, 0);
	assert_int_equal(count_open_fds(), before + 1);
	log_close();
	assert_int_equal(count_open_fds(), before);
	log_info("after close");
	log_limited(&(struct ratelimit){ 0, 0, 0, 0 }, LOG_ERR, "limited");
	assert_int_equal(dgram_recv(fx.sink, buf, sizeof(buf), 0.1), -1);
	assert_int_equal(log_dropped(), 0);

	assert_int_equal(pipe2(fx.p, O_CLOEXEC), 0);
	assert_int_equal(fcntl(fx.p[0], F_SETFL, O_NONBLOCK), 0);
	stderr_to(fx.p[1]);
	before = count_open_fds();
	log_init(LOG_TO_STDERR, 0);
	assert_int_equal(count_open_fds(), before + 1);	/* its own */
	log_close();
	assert_int_equal(count_open_fds(), before);
	assert_true(fd_is_open(2));
	log_info("after close");
	stderr_back();
	assert_int_equal(read_now(fx.p[0], buf, sizeof(buf)), 0);
}

/*
 * Proves log_close() ends all writing, queued lines too (a child must
 * not write its parent's lines): log_flush() and log_drain() after it
 * neither connect again nor write, even to a receiver with room.
 */
static void
test_close_queued(void **state)
{
	int before, after, n;

	(void)state;
	fx.sink = sink_bind();
	log_init(LOG_TO_SYSLOG, 0);
	log_startup_done();
	rx_start(fx.sink, 1);
	burst(0, 100, 100);
	assert_true(log_queued());
	assert_true(rx_read() > 0);	/* the receiver has room again */
	before = count_open_fds();
	nconnect = 0;
	log_close();
	log_flush();
	log_drain(100);
	after = count_open_fds();
	n = rx_read();
	CHECK_INT("lines written after log_close()", n, 0);
	CHECK_INT("connect() calls after log_close()", nconnect, 0);
	CHECK_INT("fds open after log_close()", after, before - 1);
}

/* Call every log function with errno set to EXDEV; fail if one changed it. */
static void
all_keep_errno(const char *name)
{
	struct ratelimit rl = { 0, 0, 0, 0 };
	int i;

	for (i = 0; i < 12; i++) {
		errno = EXDEV;
		switch (i) {
		case 0: log_info("i"); break;
		case 1: log_notice("n"); break;
		case 2: log_warn("w"); break;
		case 3: log_warnx("x"); break;
		case 4: log_msg(LOG_ERR, "m"); break;
		case 5: log_limited(&rl, LOG_ERR, "l"); break;
		case 6: log_limited(&rl, LOG_ERR, "held"); break;
		case 7: (void)log_dropped(); (void)log_verbose(); break;
		case 8: log_startup_done(); break;
		case 9: log_flush(); break;
		case 10: log_drain(20); break;
		case 11: (void)log_pollfd(); (void)log_queued(); break;
		}
		if (errno != EXDEV)
			fail_msg("%s: call %d changed errno to %d", name, i,
			    errno);
	}
}

/* log_flush() with errno EXDEV: fail if it changed errno. */
static void
flush_keeps_errno(const char *name)
{
	errno = EXDEV;
	log_flush();
	if (errno != EXDEV)
		fail_msg("%s: log_flush() changed errno to %d", name, errno);
}

/*
 * Proves errno survives every log function on every path: a line sent,
 * lines queued and dropped (receiver behind, queue full), a flush that
 * writes, a flush that finds the receiver gone (the queue lost), a
 * reconnect that fails, stderr into a full pipe and into one whose
 * reader is gone, after log_close(); and log_init() and log_close() too.
 */
static void
test_errno_kept(void **state)
{
	struct capture cap;
	unsigned long dropped;
	int i;

	(void)state;
	fx.sink = sink_bind();
	errno = EXDEV;
	log_init(LOG_TO_SYSLOG, 0);
	assert_int_equal(errno, EXDEV);
	log_startup_done();	/* no echo of the warnings on stderr */
	all_keep_errno("sent");
	rx_start(fx.sink, 1);
	burst(0, 1000, 100);
	assert_true(log_queued() && log_dropped() > 0);
	all_keep_errno("queue full");
	rx_read();
	flush_keeps_errno("a flush that writes");
	assert_true(log_queued());
	dropped = log_dropped();
	sink_remove();
	flush_keeps_errno("receiver gone, lines queued");
	assert_true(log_dropped() > dropped);	/* the queue was lost */
	all_keep_errno("receiver gone");
	errno = EXDEV;
	log_close();
	assert_int_equal(errno, EXDEV);
	all_keep_errno("closed");

	capture_begin(&cap);
	errno = EXDEV;
	log_init(LOG_TO_SYSLOG, 0);	/* no receiver: the warning path */
	i = errno;
	free(capture_end(&cap));
	assert_int_equal(i, EXDEV);

	assert_int_equal(pipe2(fx.p, O_CLOEXEC), 0);
	fill(fx.p[1], 0);
	stderr_to(fx.p[1]);
	log_init(LOG_TO_STDERR, 0);
	stderr_back();
	rx_start(fx.p[0], 0);
	burst(0, 1000, 100);
	assert_true(log_queued() && log_dropped() > 0);
	all_keep_errno("full pipe");
	close(fx.p[0]);
	fx.p[0] = -1;
	flush_keeps_errno("pipe reader gone, lines queued");
	all_keep_errno("pipe reader gone");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_syslog_format, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_syslog_stall, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_syslog_burst_fits, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_syslog_marker_order,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_syslog_stall_sizes,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_syslog_gone_queued,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_drain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syslog_restart, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_syslog_absent, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_syslog_none_at_start,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_startup_pid, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stderr_pipe_full, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stderr_socket_full, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stderr_gone, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_journal_stream, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_limited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_line, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_queued, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_errno_kept, setup,
		    teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
