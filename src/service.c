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

#define HELLO_HEAD_MAX	8192	/* request head we read before answering */
#define HELLO_LINGER_MS	1000	/* wait for the client's close after reply */

/* Write all of buf; 0, or -1 with errno (EPIPE when the client left). */
static int
write_all(int fd, const char *buf, size_t len)
{
	ssize_t w;

	while (len > 0) {
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

/* Read some bytes, retrying EINTR; as read(2). */
static ssize_t
read_some(int fd, char *buf, size_t len)
{
	ssize_t r;

	do
		r = read(fd, buf, len);
	while (r == -1 && errno == EINTR);
	return r;
}

/* Exit status for an I/O error: the peer leaving is not a failure. */
static int
io_status(void)
{
	return errno == EPIPE || errno == ECONNRESET ? 0 : 1;
}

/* Copy in to out until EOF, upper-casing ASCII letters if upper is set. */
static int
copy_stream(int in, int out, int upper)
{
	char buf[16384];
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
static int
service_echo(int in, int out)
{
	return copy_stream(in, out, 0);
}

/* echo, upper-cased: shows the service, not the client, answered. */
static int
service_upper(int in, int out)
{
	return copy_stream(in, out, 1);
}

/* RFC 863: read and throw away until the client closes. */
static int
service_discard(int in, int out)
{
	char buf[16384];
	ssize_t r;

	(void)out;
	while ((r = read_some(in, buf, sizeof(buf))) > 0)
		;
	return r == 0 ? 0 : io_status();
}

/* RFC 867: one line with the date and time, then close. */
static int
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
static int
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

/* Read until the end of an HTTP request head (blank line), EOF or full. */
static void
read_request_head(int in)
{
	char buf[HELLO_HEAD_MAX + 1];
	size_t len = 0;
	ssize_t r;

	while (len < HELLO_HEAD_MAX) {
		r = read_some(in, buf + len, HELLO_HEAD_MAX - len);
		if (r <= 0)
			return;
		len += (size_t)r;
		buf[len] = '\0';
		if (strstr(buf, "\r\n\r\n") != NULL ||
		    strstr(buf, "\n\n") != NULL)
			return;
	}
}

/*
 * Wait briefly for the client to close, so that unread request bytes do
 * not turn our close into a reset that could destroy the reply.
 */
static void
linger(int in)
{
	struct pollfd pfd = { .fd = in, .events = POLLIN };
	char buf[4096];

	while (poll(&pfd, 1, HELLO_LINGER_MS) > 0 &&
	    read_some(in, buf, sizeof(buf)) > 0)
		;
}

/* A minimal HTTP/1.0 answer, for ab, curl and health checks. */
static int
service_hello(int in, int out)
{
	static const char reply[] =
	    "HTTP/1.0 200 OK\r\n"
	    "Content-Type: text/plain\r\n"
	    "Content-Length: 14\r\n"
	    "Connection: close\r\n"
	    "\r\n"
	    "Hello, World!\n";

	read_request_head(in);
	if (write_all(out, reply, sizeof(reply) - 1) == -1)
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
