/*
 * Logging: to syslog or to stderr, one event a line, never blocking the
 * loop.  glibc's syslog(3) blocks in sendto() as soon as the receiver
 * falls 10 datagrams behind (net.unix.max_dgram_qlen), so forkd has an
 * RFC 3164 sender of its own for the local socket: one send(MSG_DONTWAIT)
 * a line, the same header glibc writes.  stderr goes out the same way:
 * send(MSG_DONTWAIT) on a socket, and on a pipe or a tty a non-blocking
 * description of forkd's own, so that the children's fd 2 stays as it was.
 * A line that cannot go out at once waits in a bounded queue, which the
 * loop flushes when poll() says the receiver takes more (log_pollfd(),
 * log_flush()): a burst of reaped children loses nothing to a receiver
 * that is merely slow.  When the queue is full too, lines are dropped and
 * counted, and "log: N lines dropped" follows the queue once it drains.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <paths.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "forkd.h"

/*
 * A whole line, header and newline included: RFC 3164's 1024 bytes, which
 * is also under PIPE_BUF (atomic on a pipe).  No larger: the line is built
 * on the stack, and the loop's stack is kept to one page (forkd.c).
 */
#define LOG_LINE_MAX	1024
#define LOG_RETRY_SECS	1	/* connect() to an absent receiver this often */
#define LOG_QUEUE_SIZE	65536	/* lines waiting for a slow receiver */

/* How a line reaches stderr. */
enum err_mode {
	ERR_WRITE,	/* write() on fd 2: a regular file, or nothing better */
	ERR_SEND,	/* send(MSG_DONTWAIT) on fd 2: a socket (journald) */
	ERR_OWN		/* write() on log_fd, fd 2 reopened non-blocking */
};

/* A line being built in one buffer: header, message, newline. */
struct line {
	size_t	len;
	size_t	msg;		/* where the message starts, after the header */
	char	buf[LOG_LINE_MAX];
};

static enum log_target target = LOG_TO_STDERR;
static int verbose;
static int echo_errors;		/* syslog, starting: warnings on stderr too */
static int closed;		/* log_close() ran: this process logs nothing */
static int log_fd = -1;		/* syslog socket, or our own stderr */
static enum err_mode err_mode = ERR_WRITE;
static int err_levels;		/* stderr is the journal: "<N>" prefixes */
static int err_torn;		/* a short write left half a line on stderr */
static struct sockaddr_un log_addr;	/* the syslog receiver */
static struct timespec next_connect;	/* after a failed connect: not before */
static long log_pid;
static unsigned long dropped_total;
static unsigned long dropped_pending;	/* not yet reported in the log */
static int count_waits;		/* the count's own write met a full receiver */

/*
 * The queue: records of a 2-byte length and the line's bytes (with its
 * newline on stderr), oldest at q_head.  Static, so that queueing
 * allocates nothing; only the pages a burst uses are ever touched.
 */
static unsigned char queue[LOG_QUEUE_SIZE];
static size_t q_head, q_tail;

static const char months[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

/* Point the syslog sender at path (NULL: _PATH_LOG); -1 if too long. */
int
log_set_syslog_path(const char *path)
{
	if (path == NULL)
		path = _PATH_LOG;
	if (strlen(path) >= sizeof(log_addr.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memset(&log_addr, 0, sizeof(log_addr));
	log_addr.sun_family = AF_UNIX;
	memcpy(log_addr.sun_path, path, strlen(path) + 1);
	return 0;
}

/* Close what an earlier log_init() opened and forget its counts. */
static void
log_reset(void)
{
	if (log_fd != -1)
		close(log_fd);
	log_fd = -1;
	closed = err_torn = err_levels = 0;
	err_mode = ERR_WRITE;
	dropped_total = dropped_pending = 0;
	q_head = q_tail = 0;
	memset(&next_connect, 0, sizeof(next_connect));
}

/*
 * A fresh non-blocking socket connected to the receiver: 0, or -1 with
 * errno, and then no new attempt for LOG_RETRY_SECS.
 */
static int
syslog_connect(void)
{
	int saved;

	if (log_fd != -1)
		close(log_fd);
	log_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (log_fd != -1 && connect(log_fd, (struct sockaddr *)&log_addr,
	    sizeof(log_addr)) == 0)
		return 0;
	saved = errno;
	if (log_fd != -1)
		close(log_fd);
	log_fd = -1;
	clock_gettime(CLOCK_MONOTONIC, &next_connect);
	next_connect.tv_sec += LOG_RETRY_SECS;
	errno = saved;
	return -1;
}

/* Whether send() failed because the receiver went away or restarted. */
static int
syslog_gone(int error)
{
	return error == ECONNREFUSED || error == ENOTCONN || error == ENOENT ||
	    error == ECONNRESET || error == EPIPE;
}

/*
 * One datagram.  A receiver that restarted gets one reconnect and one
 * retry.  0, or -1 with errno: EAGAIN or ENOBUFS when the receiver is
 * behind (the line may wait for it), anything else when it is gone.
 */
static int
syslog_send(const char *buf, size_t len)
{
	struct timespec now;

	if (log_fd != -1 &&
	    send(log_fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) != -1)
		return 0;
	if (log_fd != -1 && !syslog_gone(errno))
		return -1;
	/* A dead peer's socket would poll as ready forever: drop it now. */
	if (log_fd != -1) {
		close(log_fd);
		log_fd = -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec < next_connect.tv_sec ||
	    (now.tv_sec == next_connect.tv_sec &&
	    now.tv_nsec < next_connect.tv_nsec)) {
		errno = ENOTCONN;
		return -1;
	}
	if (syslog_connect() == -1)
		return -1;
	return send(log_fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) == -1 ?
	    -1 : 0;
}

/* Whether $JOURNAL_STREAM ("dev:ino") names the file st of fd 2. */
static int
journal_stream(const struct stat *st)
{
	const char *v = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	char *end;

	if (v == NULL || *v < '0' || *v > '9')
		return 0;
	errno = 0;
	dev = strtoull(v, &end, 10);
	if (errno != 0 || *end != ':' || end[1] < '0' || end[1] > '9')
		return 0;
	ino = strtoull(end + 1, &end, 10);
	if (errno != 0 || *end != '\0')
		return 0;
	return dev == (unsigned long long)st->st_dev &&
	    ino == (unsigned long long)st->st_ino;
}

/*
 * Choose how to write stderr so that a full pipe, tty or socket never
 * blocks forkd.  O_NONBLOCK on fd 2 itself would reach the children, who
 * share its description: reopening it gives forkd a description of its own.
 */
static void
stderr_open(void)
{
	struct stat st;

	if (fstat(STDERR_FILENO, &st) == -1)
		return;
	err_levels = journal_stream(&st);
	if (S_ISSOCK(st.st_mode))
		err_mode = ERR_SEND;
	else if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)) {
		log_fd = open("/proc/self/fd/2",
		    O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
		if (log_fd != -1)
			err_mode = ERR_OWN;
	}
}

/*
 * Start logging.  The ident is a literal: setproctitle() overwrites
 * argv[0].  In syslog mode, say on stderr if no receiver listens (the
 * sender keeps trying, but until then lines are lost).
 */
void
log_init(enum log_target to, int verb)
{
	struct tm tm;
	time_t t;
	int saved = errno;

	log_reset();
	target = to;
	verbose = verb;
	log_pid = (long)getpid();
	echo_errors = to == LOG_TO_SYSLOG;
	/* Read the time zone now, not on the first line. */
	t = time(NULL);
	localtime_r(&t, &tm);
	if (log_addr.sun_family != AF_UNIX)
		log_set_syslog_path(NULL);
	if (to == LOG_TO_STDERR)
		stderr_open();
	else if (syslog_connect() == -1)
		dprintf(STDERR_FILENO, "forkd: warning: %s: %s: log lines will "
		    "be lost (run a syslog daemon, or use -L stderr)\n",
		    log_addr.sun_path, strerror(errno));
	errno = saved;
}

/* Start-up is over: warnings to the log only; daemon() changed the pid. */
void
log_startup_done(void)
{
	echo_errors = 0;
	log_pid = (long)getpid();
}

/* In a child, before it serves: it never writes forkd's log. */
void
log_close(void)
{
	int saved = errno;

	if (log_fd != -1)
		close(log_fd);
	log_fd = -1;
	closed = 1;
	q_head = q_tail = 0;	/* the parent's lines: never this process's */
	errno = saved;
}

/* Whether -v asked for a line per connection. */
int
log_verbose(void)
{
	return verbose;
}

/* Lines lost since log_init(): the receiver or the reader was behind. */
unsigned long
log_dropped(void)
{
	return dropped_total;
}

/* Start a line at priority pri: the syslog header, or "<N>" for journald. */
static void
line_start(struct line *l, int pri)
{
	struct tm tm;
	time_t t;
	int n = 0;

	if (target == LOG_TO_SYSLOG) {
		/* glibc's header: "<PRI>Mmm dd hh:mm:ss ident[pid]: ". */
		t = time(NULL);
		if (localtime_r(&t, &tm) == NULL)
			memset(&tm, 0, sizeof(tm));
		n = snprintf(l->buf, sizeof(l->buf),
		    "<%d>%s %2d %02d:%02d:%02d forkd[%ld]: ",
		    LOG_DAEMON | LOG_PRI(pri), months[tm.tm_mon % 12],
		    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, log_pid);
	} else if (err_levels)
		n = snprintf(l->buf, sizeof(l->buf), "<%d>", LOG_PRI(pri));
	l->len = l->msg = n > 0 ? (size_t)n : 0;
}

/* Append to the line; cut at the end, keeping a byte for the newline. */
static void
line_vadd(struct line *l, const char *fmt, va_list ap)
{
	size_t room = sizeof(l->buf) - 1 - l->len;
	int n;

	n = vsnprintf(l->buf + l->len, room, fmt, ap);
	if (n > 0)
		l->len += (size_t)n < room ? (size_t)n : room - 1;
}

/* Append to the line, printf-style. */
static void __attribute__((__format__(printf, 2, 3)))
line_add(struct line *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	line_vadd(l, fmt, ap);
	va_end(ap);
}

/* One write of len bytes on stderr, as err_mode says. */
static ssize_t
stderr_raw(const char *buf, size_t len)
{
	if (err_mode == ERR_SEND)
		return send(STDERR_FILENO, buf, len,
		    MSG_DONTWAIT | MSG_NOSIGNAL);
	return write(err_mode == ERR_OWN ? log_fd : STDERR_FILENO, buf, len);
}

/*
 * The record buf (len bytes: a syslog datagram, or a stderr line with its
 * newline), in one system call: 0, or -1 with errno.
 */
static int
raw_write(const char *buf, size_t len)
{
	ssize_t n;

	if (target == LOG_TO_SYSLOG)
		return syslog_send(buf, len);
	if (err_torn) {
		if (stderr_raw("\n", 1) != 1)
			return -1;
		err_torn = 0;
	}
	n = stderr_raw(buf, len);
	if (n == (ssize_t)len)
		return 0;
	if (n > 0) {	/* a tty or stream socket took part: the rest is lost */
		err_torn = 1;
		return 0;
	}
	return -1;
}

/* Whether a failed raw_write() may be tried again when poll() says so. */
static int
write_later(int error)
{
	return (error == EAGAIN || error == EWOULDBLOCK || error == ENOBUFS) &&
	    log_pollfd() != -1;
}

/* The bytes of a finished line as written: a newline added on stderr. */
static size_t
line_record(struct line *l)
{
	if (target == LOG_TO_SYSLOG)
		return l->len;
	l->buf[l->len] = '\n';
	return l->len + 1;
}

/* Make room for need more bytes at the tail: 0, or -1 if they do not fit. */
static int
queue_room(size_t need)
{
	if (q_tail + need > sizeof(queue) && q_head > 0) {
		memmove(queue, queue + q_head, q_tail - q_head);
		q_tail -= q_head;
		q_head = 0;
	}
	return q_tail + need > sizeof(queue) ? -1 : 0;
}

/*
 * Queue one record: len bytes of buf, or (buf NULL) a marker standing for
 * the count of lines dropped before the records behind it.  0, or -1 if
 * the queue is full.
 */
static int
queue_put(const char *buf, size_t len, unsigned long count)
{
	size_t body = buf != NULL ? len : sizeof(count);

	if (queue_room(2 + body) == -1)
		return -1;
	queue[q_tail] = (unsigned char)(len >> 8);
	queue[q_tail + 1] = (unsigned char)len;
	if (buf != NULL)
		memcpy(queue + q_tail + 2, buf, len);
	else
		memcpy(queue + q_tail + 2, &count, sizeof(count));
	q_tail += 2 + body;
	return 0;
}

/* A line lost: counted in the total, and reported when writing works. */
static void
drop(void)
{
	dropped_total++;
	dropped_pending++;
}

/* "log: N lines dropped", written now: 0, or -1 with errno. */
static int
write_dropped(unsigned long n)
{
	struct line l;

	line_start(&l, LOG_WARNING);
	line_add(&l, "log: %lu lines dropped", n);
	return raw_write(l.buf, line_record(&l));
}

/* The fd to poll for POLLOUT while lines wait to be written, else -1. */
int
log_pollfd(void)
{
	if (closed)
		return -1;
	if (target == LOG_TO_SYSLOG || err_mode == ERR_OWN)
		return log_fd;
	return err_mode == ERR_SEND ? STDERR_FILENO : -1;
}

/*
 * Whether lines wait in the queue, or the count of lost lines waits for a
 * receiver that is merely behind (EAGAIN): then the loop polls
 * log_pollfd(), so the count goes out as soon as the receiver takes it,
 * even if nothing else is ever logged.  A count whose write failed
 * otherwise is not polled for (a reader gone for good could poll as ready
 * for ever): it goes out before the next line.
 */
int
log_queued(void)
{
	return q_head < q_tail || count_waits;
}

/*
 * A receiver gone for good while lines waited: every queued line is lost,
 * and the counts its markers held are owed again.
 */
static void
queue_lost(void)
{
	unsigned long count;
	size_t len;

	while (q_head < q_tail) {
		len = (size_t)queue[q_head] << 8 | queue[q_head + 1];
		if (len == 0) {
			memcpy(&count, queue + q_head + 2, sizeof(count));
			dropped_pending += count;
			q_head += 2 + sizeof(count);
		} else {
			drop();
			q_head += 2 + len;
		}
	}
	q_head = q_tail = 0;
}

/*
 * At exit: give a slow receiver up to ms milliseconds to take what waits,
 * so that the last lines (the summary) are not lost to a burst.
 */
void
log_drain(int ms)
{
	struct pollfd pfd;
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (log_queued() && (pfd.fd = log_pollfd()) != -1) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000 +
		    (t.tv_nsec - t0.tv_nsec) / 1000000 >= ms)
			return;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, 50) > 0)
			log_flush();
	}
}

/*
 * Write what waits, oldest first, until the receiver is behind again;
 * then the count of lines lost since the last record, if any.
 */
void
log_flush(void)
{
	unsigned long count;
	size_t len, body;
	int saved = errno, rc;

	if (closed)
		return;
	while (q_head < q_tail) {
		len = (size_t)queue[q_head] << 8 | queue[q_head + 1];
		body = len != 0 ? len : sizeof(count);
		if (len == 0) {
			memcpy(&count, queue + q_head + 2, sizeof(count));
			rc = write_dropped(count);
		} else
			rc = raw_write((char *)queue + q_head + 2, len);
		if (rc == -1) {
			if (!write_later(errno))
				queue_lost();
			errno = saved;
			return;
		}
		q_head += 2 + body;
	}
	q_head = q_tail = 0;
	count_waits = 0;
	if (dropped_pending > 0) {
		if (write_dropped(dropped_pending) == 0)
			dropped_pending = 0;
		else
			count_waits = write_later(errno);
	}
	errno = saved;
}

/* During start-up in syslog mode, a warning shows on stderr as well. */
static void
echo_stderr(struct line *l)
{
	struct iovec iov[3];
	ssize_t r;

	iov[0].iov_base = "forkd: ";
	iov[0].iov_len = 7;
	iov[1].iov_base = l->buf + l->msg;
	iov[1].iov_len = l->len - l->msg;
	iov[2].iov_base = "\n";
	iov[2].iov_len = 1;
	r = writev(STDERR_FILENO, iov, 3);
	(void)r;
}

/*
 * Send a finished line.  Order is kept: while older lines wait, it waits
 * behind them, after a marker for any lost before it.  A line the
 * receiver cannot take now is queued; with the queue full it is lost.
 */
static void
line_emit(struct line *l, int pri)
{
	size_t len;

	if (target == LOG_TO_SYSLOG && echo_errors &&
	    LOG_PRI(pri) <= LOG_WARNING)
		echo_stderr(l);
	if (log_queued() || dropped_pending > 0)
		log_flush();
	len = line_record(l);
	if (q_head == q_tail) {
		if (dropped_pending == 0 && raw_write(l->buf, len) == 0)
			return;
		if (dropped_pending == 0 && !write_later(errno)) {
			drop();
			return;
		}
		if (dropped_pending > 0 && log_pollfd() == -1) {
			drop();	/* no receiver to wait for: report later */
			return;
		}
	}
	/*
	 * The marker only with the line behind it: no count of its own.  And
	 * once lines are being lost, only when the queue has drained to half:
	 * a stall then gives one count, not one for each short line that
	 * happens to fit between long ones.
	 */
	if (dropped_pending > 0) {
		if (q_tail - q_head > sizeof(queue) / 2 ||
		    queue_room(2 + sizeof(dropped_pending) + 2 + len) == -1) {
			drop();
			return;
		}
		queue_put(NULL, 0, dropped_pending);
		dropped_pending = 0;
	}
	if (queue_put(l->buf, len, 0) == -1)
		drop();
}

/* Build and send one line at priority pri. */
static void
log_vmsg(int pri, const char *fmt, va_list ap)
{
	struct line l;

	if (closed)
		return;
	line_start(&l, pri);
	line_vadd(&l, fmt, ap);
	line_emit(&l, pri);
}

/* A line at priority pri (LOG_ERR ... LOG_DEBUG). */
void
log_msg(int pri, const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	log_vmsg(pri, fmt, ap);
	va_end(ap);
	errno = saved;
}

/* A problem, with ": strerror(errno)" appended. */
void
log_warn(const char *fmt, ...)
{
	struct line l;
	va_list ap;
	int saved = errno;

	if (closed)
		return;
	line_start(&l, LOG_WARNING);
	va_start(ap, fmt);
	line_vadd(&l, fmt, ap);
	va_end(ap);
	line_add(&l, ": %s", strerror(saved));
	line_emit(&l, LOG_WARNING);
	errno = saved;
}

/*
 * A line that may repeat fast (accept or fork failing under load): at
 * most max(burst, 1) a RATELIMIT_WINDOW, the window starting at its first
 * line; the first line of a later window says how many were held back.
 * Returns 1 if it was logged, 0 if held back.
 */
int
log_limited(struct ratelimit *rl, int pri, const char *fmt, ...)
{
	struct timespec now;
	struct line l;
	va_list ap;
	int saved = errno;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (rl->start == 0 || now.tv_sec - rl->start >= RATELIMIT_WINDOW) {
		rl->start = now.tv_sec > 0 ? now.tv_sec : 1;
		rl->used = 0;
	}
	if (rl->used >= (rl->burst > 0 ? rl->burst : 1)) {
		rl->suppressed++;
		errno = saved;
		return 0;
	}
	rl->used++;
	if (!closed) {
		line_start(&l, pri);
		va_start(ap, fmt);
		line_vadd(&l, fmt, ap);
		va_end(ap);
		if (rl->suppressed > 0)
			line_add(&l, " (%lu similar messages suppressed)",
			    rl->suppressed);
		line_emit(&l, pri);
	}
	rl->suppressed = 0;
	errno = saved;
	return 1;
}
