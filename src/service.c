/*
 * The built-in services, as a table of {name, function}.  Each serves one
 * connection: it reads fd `in`, writes fd `out`, and returns the child's
 * exit status.  A client that goes away is a normal end (status 0).
 */
#include "config.h"

#include <sys/socket.h>

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "forkd.h"

/*
 * The copy buffer of echo, upper and discard: one page.  It is on the
 * stack, and every stack page a child writes costs it a page fault.
 */
#define SERVICE_BUFSIZE	4096
#define HELLO_HEAD_MAX	8192	/* request head we read before answering */
#define HELLO_LINGER_MS	1000	/* wait for the client's close after reply */

/*
 * --idle-timeout in milliseconds, or -1: set in the parent before any
 * fork, so every child has it.  Without it, no poll() is added to the
 * copy loops.
 */
static int idle_ms = -1;

/* A built-in ends when no byte has moved for secs seconds (0: never). */
void
service_set_idle_timeout(int secs)
{
	idle_ms = secs > 0 ? secs * 1000 : -1;
}

/*
 * With --idle-timeout, wait until fd is ready for events; -1 with errno
 * ETIMEDOUT when nothing happened for that long.
 */
FORKD_CHILD_PATH static int
wait_ready(int fd, short events)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int n;

	if (idle_ms < 0)
		return 0;
	do
		n = poll(&pfd, 1, idle_ms);
	while (n == -1 && errno == EINTR);
	if (n == 0)
		errno = ETIMEDOUT;
	return n > 0 ? 0 : -1;
}

/* Write all of buf; 0, or -1 with errno (EPIPE when the client left). */
FORKD_CHILD_PATH static int
write_all(int fd, const char *buf, size_t len)
{
	ssize_t w;

	while (len > 0) {
		if (wait_ready(fd, POLLOUT) == -1)
			return -1;
		w = write(fd, buf, len);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1)
			return -1;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Read some bytes, retrying EINTR; as read(2), or -1/ETIMEDOUT when idle. */
FORKD_CHILD_PATH static ssize_t
read_some(int fd, char *buf, size_t len)
{
	ssize_t r;

	if (wait_ready(fd, POLLIN) == -1)
		return -1;
	do
		r = read(fd, buf, len);
	while (r == -1 && errno == EINTR);
	return r;
}

/*
 * The exit status of a built-in --idle-timeout ended: 124, as timeout(1)
 * uses, so the reaped line tells it from a client that closed (0).
 */
#define SERVICE_IDLE_STATUS	124

/* Exit status for an I/O error: the peer leaving is not a failure. */
FORKD_CHILD_PATH static int
io_status(void)
{
	if (errno == ETIMEDOUT)
		return SERVICE_IDLE_STATUS;
	return errno == EPIPE || errno == ECONNRESET ? 0 : 1;
}

/* Copy in to out until EOF, upper-casing ASCII letters if upper is set. */
FORKD_CHILD_PATH static int
copy_stream(int in, int out, int upper)
{
	char buf[SERVICE_BUFSIZE];
	ssize_t r, i;

	while ((r = read_some(in, buf, sizeof(buf))) > 0) {
		if (upper)
			for (i = 0; i < r; i++)
				buf[i] = (char)toupper((unsigned char)buf[i]);
		if (write_all(out, buf, (size_t)r) == -1)
			return io_status();
	}
	return r == 0 ? 0 : io_status();
}

/* RFC 862: send back what comes in. */
FORKD_CHILD_PATH static int
service_echo(int in, int out)
{
	return copy_stream(in, out, 0);
}

/* echo, upper-cased: shows the service, not the client, answered. */
FORKD_CHILD_PATH static int
service_upper(int in, int out)
{
	return copy_stream(in, out, 1);
}

/* RFC 863: read and throw away until the client closes. */
FORKD_CHILD_PATH static int
service_discard(int in, int out)
{
	char buf[SERVICE_BUFSIZE];
	ssize_t r;

	(void)out;
	while ((r = read_some(in, buf, sizeof(buf))) > 0)
		;
	return r == 0 ? 0 : io_status();
}

/* RFC 867: one line with the date and time, then close. */
FORKD_CHILD_PATH static int
service_daytime(int in, int out)
{
	char line[128];
	time_t now = time(NULL);
	struct tm tm;

	(void)in;
	if (localtime_r(&now, &tm) == NULL ||
	    strftime(line, sizeof(line), "%A, %B %d, %Y %H:%M:%S-%Z\r\n",
	    &tm) == 0)
		return 1;
	return write_all(out, line, strlen(line)) == -1 ? io_status() : 0;
}

/* RFC 864: 72-character lines of rotating printable ASCII, until closed. */
FORKD_CHILD_PATH static int
service_chargen(int in, int out)
{
	char line[74];
	int first = 0, i;

	(void)in;
	for (;;) {
		for (i = 0; i < 72; i++)
			line[i] = (char)(' ' + (first + i) % 95);
		line[72] = '\r';
		line[73] = '\n';
		if (write_all(out, line, sizeof(line)) == -1)
			return io_status();
		first = (first + 1) % 95;
	}
}

/* Whether c may appear in an HTTP token (a method, a header name). */
FORKD_CHILD_PATH static int
is_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || (c != '\0' &&
	    strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* How many bytes of s[0..len) are token characters. */
FORKD_CHILD_PATH static size_t
token_len(const char *s, size_t len)
{
	size_t n = 0;

	while (n < len && is_tchar((unsigned char)s[n]))
		n++;
	return n;
}

/*
 * Whether s[0..len) is a request line: METHOD SP TARGET SP HTTP/d.d,
 * one space each, a target of visible characters.  *head says if the
 * method is HEAD.
 */
FORKD_CHILD_PATH static int
request_line_ok(const char *s, size_t len, int *head)
{
	size_t m, t;

	if ((m = token_len(s, len)) == 0 || m == len || s[m] != ' ')
		return 0;
	*head = m == 4 && memcmp(s, "HEAD", 4) == 0;
	for (t = m + 1; t < len && (unsigned char)s[t] > ' ' &&
	    s[t] != 0x7f; t++)
		;
	if (t == m + 1 || len - t != 9 || s[t] != ' ')
		return 0;
	s += t + 1;
	return memcmp(s, "HTTP/", 5) == 0 && s[5] >= '0' && s[5] <= '9' &&
	    s[6] == '.' && s[7] >= '0' && s[7] <= '9';
}

/*
 * Whether s[0..len) is a header line: NAME ":" VALUE, the value of
 * visible characters, spaces, tabs and bytes over 127.  A line that
 * starts with a space or tab (obs-fold) has an empty name: malformed.
 */
FORKD_CHILD_PATH static int
header_line_ok(const char *s, size_t len)
{
	size_t i, n;

	if ((n = token_len(s, len)) == 0 || n == len || s[n] != ':')
		return 0;
	for (i = n + 1; i < len; i++)
		if (((unsigned char)s[i] < ' ' && s[i] != '\t') ||
		    s[i] == 0x7f)
			return 0;
	return 1;
}

/*
 * What the hello built-in makes of the request head in buf[0..len) (pure;
 * any bytes, no NUL terminator needed): HELLO_BAD as soon as a NUL byte
 * or a malformed complete line shows, HELLO_INCOMPLETE until a blank line
 * ends the head, then HELLO_HEAD for a HEAD request, else HELLO_GET.
 * Lines end in CRLF or LF; blank lines before the request line are
 * skipped, as RFC 9112 asks.
 */
FORKD_CHILD_PATH enum hello_head
service_hello_parse(const char *buf, size_t len)
{
	const char *line = buf, *end = buf + len, *nl;
	size_t n, lines = 0;
	int head = 0;

	for (;; line = nl + 1) {
		/* Bytes after the head (a body) may hold NULs, not the head. */
		nl = memchr(line, '\n', (size_t)(end - line));
		n = (size_t)((nl != NULL ? nl : end) - line);
		if (memchr(line, '\0', n) != NULL)
			return HELLO_BAD;
		if (nl == NULL)
			return HELLO_INCOMPLETE;
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (n == 0 && lines > 0)
			return head ? HELLO_HEAD : HELLO_GET;
		if (n > 0 && (lines == 0 ? !request_line_ok(line, n, &head) :
		    !header_line_ok(line, n)))
			return HELLO_BAD;
		if (n > 0)
			lines++;
	}
}

/*
 * Read the HTTP request head; what service_hello_parse() makes of it.  A
 * head longer than HELLO_HEAD_MAX is HELLO_BAD.  EOF (or an error) before
 * the blank line gets the body, as long as nothing malformed came first:
 * "GET /" and a close is still a health check.
 */
FORKD_CHILD_PATH static enum hello_head
read_request_head(int in)
{
	char buf[HELLO_HEAD_MAX];
	enum hello_head h;
	size_t len = 0;
	ssize_t r;

	while (len < sizeof(buf)) {
		r = read_some(in, buf + len, sizeof(buf) - len);
		if (r == -1 && errno == ETIMEDOUT)
			return HELLO_IDLE;
		if (r <= 0)
			return HELLO_GET;
		len += (size_t)r;
		if ((h = service_hello_parse(buf, len)) != HELLO_INCOMPLETE)
			return h;
	}
	return HELLO_BAD;
}

/*
 * Wait briefly for the client to close, so that unread request bytes do
 * not turn our close into a reset that could destroy the reply.
 */
FORKD_CHILD_PATH static void
linger(int in)
{
	struct pollfd pfd = { .fd = in, .events = POLLIN };
	char buf[4096];

	while (poll(&pfd, 1, HELLO_LINGER_MS) > 0 &&
	    read_some(in, buf, sizeof(buf)) > 0)
		;
}

#define HELLO_BODY	"Hello, World!\n"
#define BAD_BODY	"Bad Request\n"

/*
 * A minimal HTTP/1.0 answer, for ab, curl and health checks: the body to
 * GET and the rest, headers only to HEAD, 400 to a malformed head.
 */
FORKD_CHILD_PATH static int
service_hello(int in, int out)
{
	static const char ok[] =
	    "HTTP/1.0 200 OK\r\n"
	    "Content-Type: text/plain\r\n"
	    "Content-Length: 14\r\n"
	    "Connection: close\r\n"
	    "\r\n"
	    HELLO_BODY;
	static const char bad[] =
	    "HTTP/1.0 400 Bad Request\r\n"
	    "Content-Type: text/plain\r\n"
	    "Content-Length: 12\r\n"
	    "Connection: close\r\n"
	    "\r\n"
	    BAD_BODY;
	const char *reply = ok;
	size_t len = sizeof(ok) - 1;

	_Static_assert(sizeof(HELLO_BODY) - 1 == 14, "Content-Length");
	_Static_assert(sizeof(BAD_BODY) - 1 == 12, "Content-Length");
	switch (read_request_head(in)) {
	case HELLO_IDLE:
		return SERVICE_IDLE_STATUS;
	case HELLO_HEAD:
		len -= sizeof(HELLO_BODY) - 1;
		break;
	case HELLO_BAD:
		reply = bad;
		len = sizeof(bad) - 1;
		break;
	default:
		break;
	}
	if (write_all(out, reply, len) == -1)
		return io_status();
	shutdown(out, SHUT_WR);
	linger(in);
	return 0;
}

static const struct service services[] = {
	{ "echo",	service_echo },
	{ "upper",	service_upper },
	{ "discard",	service_discard },
	{ "daytime",	service_daytime },
	{ "chargen",	service_chargen },
	{ "hello",	service_hello },
};

/* The built-in called name, or NULL. */
const struct service *
service_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(services) / sizeof(services[0]); i++)
		if (strcmp(services[i].name, name) == 0)
			return &services[i];
	return NULL;
}

/* The names, for --help and error messages. */
const char *
service_names(void)
{
	return "echo, upper, discard, daytime, chargen, hello";
}
