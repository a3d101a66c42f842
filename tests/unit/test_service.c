/*
 * service.c: each built-in over a real socketpair, served in a forked
 * child (as forkd's children do, with SIGPIPE ignored), the test playing
 * the client: write, half-close, read to EOF, check the exit status.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <regex.h>
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
#include "check.h"

static pid_t child = -1;

static int
setup(void **state)
{
	(void)state;
	alarm(30);	/* a hang becomes a failure, not a stuck make check */
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	alarm(0);
	if (child > 0) {	/* a failed test may leave it running */
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		child = -1;
	}
	return 0;
}

/* Serve one built-in in a child on one end of a socketpair; the other. */
static int
start(const char *name)
{
	const struct service *svc;
	int sv[2];

	svc = service_find(name);
	assert_non_null(svc);
	assert_string_equal(svc->name, name);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    sv), 0);
	child = fork();
	assert_true(child != -1);
	if (child == 0) {
		close(sv[0]);
		signal(SIGPIPE, SIG_IGN);	/* as spawn.c does */
		_exit(svc->serve(sv[1], sv[1]));
	}
	close(sv[1]);
	return sv[0];
}

/* Wait for the child; its exit status (fails if it was killed). */
static int
finish(void)
{
	int status;

	assert_int_equal(waitpid(child, &status, 0), child);
	child = -1;
	if (!WIFEXITED(status))
		fail_msg("service child died: status 0x%x", (unsigned)status);
	return WEXITSTATUS(status);
}

/*
 * Write all of in (len bytes) while reading the answer, so that a service
 * that answers as it reads never deadlocks us; half-close after the last
 * byte, read to EOF.  Returns the answer's length.
 */
static size_t
converse(int fd, const char *in, size_t len, char *out, size_t cap)
{
	struct pollfd pfd = { .fd = fd };
	size_t off = 0, got = 0;
	double end = mono_now() + 10;
	ssize_t r;

	assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	if (len == 0)
		assert_int_equal(shutdown(fd, SHUT_WR), 0);
	for (;;) {
		pfd.events = POLLIN | (off < len ? POLLOUT : 0);
		if (mono_now() > end)
			fail_msg("service does not finish (%zu/%zu written, "
			    "%zu read)", off, len, got);
		if (poll(&pfd, 1, 1000) == -1) {
			assert_int_equal(errno, EINTR);
			continue;
		}
		if ((pfd.revents & POLLOUT) && off < len) {
			r = write(fd, in + off, len - off);
			if (r == -1)
				assert_int_equal(errno, EAGAIN);
			else
				off += (size_t)r;
			if (off == len)
				assert_int_equal(shutdown(fd, SHUT_WR), 0);
		}
		if (pfd.revents & (POLLIN | POLLHUP)) {
			assert_true(got < cap);
			r = read(fd, out + got, cap - got);
			if (r == -1) {
				assert_int_equal(errno, EAGAIN);
				continue;
			}
			if (r == 0)
				return got;
			got += (size_t)r;
		}
	}
}

/* Proves echo returns the very bytes, 1 MiB of them, and exits 0 at EOF. */
static void
test_echo(void **state)
{
	size_t n = 1 << 20, i;
	char *in, *out;
	int fd;

	(void)state;
	in = malloc(n);
	out = malloc(n + 1);
	assert_non_null(in);
	assert_non_null(out);
	for (i = 0; i < n; i++)
		in[i] = (char)(i * 7 + i / 256);	/* every byte value */
	fd = start("echo");
	assert_int_equal(converse(fd, in, n, out, n + 1), n);
	assert_memory_equal(out, in, n);
	assert_int_equal(finish(), 0);
	close(fd);
	free(in);
	free(out);
}

/* Proves echo with no input answers nothing and exits 0. */
static void
test_echo_empty(void **state)
{
	char out[16];
	int fd;

	(void)state;
	fd = start("echo");
	assert_int_equal(converse(fd, "", 0, out, sizeof(out)), 0);
	assert_int_equal(finish(), 0);
	close(fd);
}

/* Proves upper upper-cases ASCII letters only, other bytes unchanged. */
static void
test_upper(void **state)
{
	static const char in[] = "Hello, forkd! 123 z{\xe4\xc3\xa9\n\r\0x";
	static const char want[] = "HELLO, FORKD! 123 Z{\xe4\xc3\xa9\n\r\0X";
	char out[64];
	int fd;

	(void)state;
	fd = start("upper");
	assert_int_equal(converse(fd, in, sizeof(in) - 1, out, sizeof(out)),
	    sizeof(want) - 1);
	assert_memory_equal(out, want, sizeof(want) - 1);
	assert_int_equal(finish(), 0);
	close(fd);
}

/* Proves discard reads everything, answers nothing, exits 0 at EOF. */
static void
test_discard(void **state)
{
	size_t n = 300000;
	char *in, out[16];
	int fd;

	(void)state;
	in = malloc(n);
	assert_non_null(in);
	memset(in, 'd', n);
	fd = start("discard");
	assert_int_equal(converse(fd, in, n, out, sizeof(out)), 0);
	assert_int_equal(finish(), 0);
	close(fd);
	free(in);
}

/*
 * Proves daytime writes exactly one line, "Weekday, Month DD, YYYY
 * HH:MM:SS-ZONE\r\n", for the current time (TZ=UTC here), then closes.
 */
static void
test_daytime(void **state)
{
	char out[256], *p;
	struct tm tm;
	regex_t re;
	time_t t, now;
	int fd;
	size_t n;

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	fd = start("daytime");
	n = converse(fd, "", 0, out, sizeof(out) - 1);
	out[n] = '\0';
	assert_int_equal(finish(), 0);
	close(fd);
	now = time(NULL);

	assert_int_equal(regcomp(&re, "^(Sun|Mon|Tues|Wednes|Thurs|Fri|Satur)"
	    "day, [A-Z][a-z]+ [0-3][0-9], [0-9]{4} [0-2][0-9]:[0-5][0-9]:"
	    "[0-6][0-9]-UTC\r\n$", REG_EXTENDED | REG_NOSUB), 0);
	if (regexec(&re, out, 0, NULL, 0) != 0)
		fail_msg("daytime line \"%s\"", out);
	regfree(&re);
	assert_int_equal(count_substr(out, "\n"), 1);

	memset(&tm, 0, sizeof(tm));
	p = strptime(out, "%A, %B %d, %Y %H:%M:%S", &tm);
	assert_non_null(p);
	assert_string_equal(p, "-UTC\r\n");
	t = timegm(&tm);
	if (t > now || now - t > 5)
		fail_msg("daytime says %ld, now is %ld", (long)t, (long)now);
}

/* The chargen line that starts with character ' ' + k. */
static void
chargen_line(int k, char line[74])
{
	int i;

	for (i = 0; i < 72; i++)
		line[i] = (char)(' ' + (k + i) % 95);
	line[72] = '\r';
	line[73] = '\n';
}

/*
 * Proves chargen: lines of 72 printable characters + CRLF, each shifted by
 * one ("!\"#..." after " !\"..."), wrapping after 95 lines; and that the
 * client closing ends it with status 0 (EPIPE is a normal end).
 */
static void
test_chargen(void **state)
{
	char buf[97 * 74], want[74];
	size_t got = 0;
	ssize_t r;
	int fd, k;

	(void)state;
	fd = start("chargen");
	while (got < sizeof(buf)) {
		r = read(fd, buf + got, sizeof(buf) - got);
		assert_true(r > 0);
		got += (size_t)r;
	}
	assert_memory_equal(buf, " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFG"
	    "HIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefg\r\n", 74);
	assert_memory_equal(buf + 74, "!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFG"
	    "HIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefgh\r\n", 74);
	for (k = 0; k < 97; k++) {
		chargen_line(k, want);
		if (memcmp(buf + k * 74, want, 74) != 0)
			fail_msg("chargen line %d differs", k);
	}
	assert_memory_equal(buf + 95 * 74, buf, 74);	/* wrapped */
	close(fd);
	assert_int_equal(finish(), 0);
}

static const char hello_reply[] =
    "HTTP/1.0 200 OK\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Length: 14\r\n"
    "Connection: close\r\n"
    "\r\n"
    "Hello, World!\n";

/*
 * Proves hello answers a request with "HTTP/1.0 200 OK", the headers, and
 * the body "Hello, World!\n" whose length matches Content-Length; and
 * exits 0 once the client has closed.
 */
static void
test_hello(void **state)
{
	static const char req[] = "GET / HTTP/1.0\r\nHost: x\r\n\r\n";
	char out[512];
	size_t n;
	int fd;

	(void)state;
	fd = start("hello");
	n = converse(fd, req, sizeof(req) - 1, out, sizeof(out) - 1);
	out[n] = '\0';
	assert_string_equal(out, hello_reply);
	assert_true(strncmp(out, "HTTP/1.0 200 OK\r\n", 17) == 0);
	assert_string_equal(strstr(out, "\r\n\r\n") + 4, "Hello, World!\n");
	close(fd);
	assert_int_equal(finish(), 0);
}

/*
 * Proves hello answers without waiting for more once the head is
 * complete: the client keeps its write side open, yet gets the whole
 * reply and EOF (the service shuts down its side).
 */
static void
test_hello_head_only(void **state)
{
	static const char req[] = "GET /x HTTP/1.1\nHost: y\n\n";
	char out[512];
	size_t n;
	int fd;

	(void)state;
	fd = start("hello");
	assert_int_equal(write(fd, req, sizeof(req) - 1), sizeof(req) - 1);
	n = read_to_eof(fd, out, sizeof(out) - 1, 5);
	out[n] = '\0';
	assert_string_equal(out, hello_reply);
	close(fd);
	assert_int_equal(finish(), 0);
}

static const char hello_head_reply[] =
    "HTTP/1.0 200 OK\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Length: 14\r\n"
    "Connection: close\r\n"
    "\r\n";

static const char hello_400[] =
    "HTTP/1.0 400 Bad Request\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Length: 12\r\n"
    "Connection: close\r\n"
    "\r\n"
    "Bad Request\n";

/* A request head (len bytes, NULs allowed) and what hello makes of it. */
struct head_case {
	const char	*name;
	const char	*buf;
	size_t		 len;	/* 0: strlen(buf) */
	enum hello_head	 want;
};

#define BIN(s)	s, sizeof(s) - 1

static const struct head_case heads[] = {
	{ "GET", "GET / HTTP/1.0\r\nHost: x\r\n\r\n", 0, HELLO_GET },
	{ "GET, no headers", "GET / HTTP/1.0\r\n\r\n", 0, HELLO_GET },
	{ "HEAD", "HEAD / HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n", 0,
	    HELLO_HEAD },
	{ "curl -I", "HEAD / HTTP/1.1\r\nHost: 127.0.0.1:7000\r\n"
	    "User-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n", 0,
	    HELLO_HEAD },
	{ "head is not HEAD", "head / HTTP/1.0\r\n\r\n", 0, HELLO_GET },
	{ "HEADX", "HEADX / HTTP/1.0\r\n\r\n", 0, HELLO_GET },
	{ "POST gets the body", "POST /form HTTP/1.1\r\nContent-Length: 3"
	    "\r\n\r\nabc", 0, HELLO_GET },
	{ "LF only", "GET /x HTTP/1.1\nHost: y\n\n", 0, HELLO_GET },
	{ "LF only, HEAD", "HEAD /x HTTP/1.1\nHost: y\n\n", 0, HELLO_HEAD },
	{ "CRLF and LF mixed", "GET / HTTP/1.0\nA: 1\r\n\n", 0, HELLO_GET },
	{ "blank lines before the request line",
	    "\r\n\nGET / HTTP/1.0\r\n\r\n", 0, HELLO_GET },
	{ "a target of visible characters; tabs, bytes over 127 in a value",
	    "GET /a?b=c&d=%20#x HTTP/1.1\r\nX-Y_z: \tv\xe4lue\t x \r\n\r\n",
	    0, HELLO_GET },
	{ "a byte 0x01 in a value",
	    "GET / HTTP/1.1\r\nX-Y_z: v\x01x\r\n\r\n", 0, HELLO_BAD },
	{ "empty value", "GET / HTTP/1.0\r\nX:\r\n\r\n", 0, HELLO_GET },
	{ "a body with a NUL after the head",
	    BIN("GET / HTTP/1.0\r\n\r\nbo\0dy"), HELLO_GET },
	{ "NUL in a header", BIN("GET / HTTP/1.0\r\nHost: a\0b\r\n\r\n"),
	    HELLO_BAD },
	{ "NUL in the request line", BIN("GET /\0 HTTP/1.0\r\n\r\n"),
	    HELLO_BAD },
	{ "NUL in an unfinished line", BIN("GET / HTTP/1.0\r\nHo\0"),
	    HELLO_BAD },
	{ "NUL first", BIN("\0"), HELLO_BAD },
	{ "no version", "GET /\r\n\r\n", 0, HELLO_BAD },
	{ "two spaces", "GET  / HTTP/1.0\r\n\r\n", 0, HELLO_BAD },
	{ "trailing space", "GET / HTTP/1.0 \r\n\r\n", 0, HELLO_BAD },
	{ "tab for space", "GET\t/ HTTP/1.0\r\n\r\n", 0, HELLO_BAD },
	{ "no method", " / HTTP/1.0\r\n\r\n", 0, HELLO_BAD },
	{ "method with a slash", "GE/T / HTTP/1.0\r\n\r\n", 0, HELLO_BAD },
	{ "HTTP/1", "GET / HTTP/1\r\n\r\n", 0, HELLO_BAD },
	{ "HTTP/1.10", "GET / HTTP/1.10\r\n\r\n", 0, HELLO_BAD },
	{ "http/1.0", "GET / http/1.0\r\n\r\n", 0, HELLO_BAD },
	{ "HTTP/a.b", "GET / HTTP/a.b\r\n\r\n", 0, HELLO_BAD },
	{ "CR inside the request line", "GET /\r HTTP/1.0\r\n\r\n", 0,
	    HELLO_BAD },
	{ "garbage", "hello there\r\n\r\n", 0, HELLO_BAD },
	{ "garbage, then incomplete", "x\n", 0, HELLO_BAD },
	{ "header without a colon", "GET / HTTP/1.0\r\nHost x\r\n\r\n", 0,
	    HELLO_BAD },
	{ "space before the colon", "GET / HTTP/1.0\r\nHost : x\r\n\r\n",
	    0, HELLO_BAD },
	{ "empty header name", "GET / HTTP/1.0\r\n: x\r\n\r\n", 0,
	    HELLO_BAD },
	{ "obs-fold, space", "GET / HTTP/1.0\r\nA: b\r\n c\r\n\r\n", 0,
	    HELLO_BAD },
	{ "obs-fold, tab", "GET / HTTP/1.0\r\nA: b\r\n\tc\r\n\r\n", 0,
	    HELLO_BAD },
	{ "control character in a value",
	    "GET / HTTP/1.0\r\nA: b\x7f\r\n\r\n", 0, HELLO_BAD },
	{ "bare CR in a value", "GET / HTTP/1.0\r\nA: b\rc\r\n\r\n", 0,
	    HELLO_BAD },
	{ "CR CR LF", "GET / HTTP/1.0\r\r\n\r\n", 0, HELLO_BAD },
	{ "a bad line is bad before the head ends",
	    "GET / HTTP/1.0\r\nbad line\r\nHost: x\r\n", 0, HELLO_BAD },
	{ "nothing", "", 0, HELLO_INCOMPLETE },
	{ "blank lines only", "\r\n\n\r\n", 0, HELLO_INCOMPLETE },
	{ "request line, unfinished", "GET / HTT", 0, HELLO_INCOMPLETE },
	{ "bad, but the line has not ended", "GET  / HTTP/1.0", 0,
	    HELLO_INCOMPLETE },
	{ "request line only", "GET / HTTP/1.0\r\n", 0, HELLO_INCOMPLETE },
	{ "no blank line yet", "GET / HTTP/1.0\r\nHost: x\r\n", 0,
	    HELLO_INCOMPLETE },
	{ "CR of the blank line only", "GET / HTTP/1.0\r\nHost: x\r\n\r",
	    0, HELLO_INCOMPLETE },
};

/* Proves service_hello_parse() on good, malformed and unfinished heads. */
static void
test_hello_parse(void **state)
{
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
		len = heads[i].len != 0 ? heads[i].len : strlen(heads[i].buf);
		CHECK_INT(heads[i].name, service_hello_parse(heads[i].buf,
		    len), heads[i].want);
	}
}

/*
 * Proves a head that arrives in pieces is read to its end: every proper
 * prefix of a good head is HELLO_INCOMPLETE (read more), the whole of it
 * is complete; the parser reads only the len bytes it is given (each
 * prefix is a copy in a buffer of exactly that size).
 */
static void
test_hello_parse_split(void **state)
{
	static const struct {
		const char	*head;
		enum hello_head	 want;
	} t[] = {
		{ "GET /index.html HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\n",
		    HELLO_GET },
		{ "HEAD / HTTP/1.0\nUser-Agent: x\n\n", HELLO_HEAD },
	};
	size_t i, k, len;
	char *copy;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		len = strlen(t[i].head);
		for (k = 0; k <= len; k++) {
			copy = malloc(k + 1);
			assert_non_null(copy);
			memcpy(copy, t[i].head, k);
			if (service_hello_parse(copy, k) !=
			    (k < len ? HELLO_INCOMPLETE : t[i].want))
				fail_msg("\"%.*s\" (%zu of %zu bytes): %d",
				    (int)k, t[i].head, k, len,
				    service_hello_parse(copy, k));
			free(copy);
		}
	}
}

/* Proves random bytes never crash the parser and give one of its results. */
static void
test_hello_parse_random(void **state)
{
	static const char alphabet[] = "GET HEAD / HTTP/1.0\r\n: \t\0xX\x80";
	char buf[256];
	enum hello_head h;
	unsigned seed = 1;
	size_t len, i;
	int round;

	(void)state;
	for (round = 0; round < 20000; round++) {
		len = (size_t)rand_r(&seed) % sizeof(buf);
		for (i = 0; i < len; i++)
			buf[i] = round % 2 ? (char)rand_r(&seed) :
			    alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)];
		h = service_hello_parse(buf, len);
		if (h != HELLO_INCOMPLETE && h != HELLO_GET &&
		    h != HELLO_HEAD && h != HELLO_BAD)
			fail_msg("round %d: result %d", round, h);
	}
}

/* Send req (len bytes) to hello, half-close; its answer, NUL-terminated. */
static size_t
hello_answer(const char *req, size_t len, char *out, size_t cap)
{
	size_t n;
	int fd;

	fd = start("hello");
	n = converse(fd, req, len, out, cap - 1);
	out[n] = '\0';
	close(fd);
	assert_int_equal(finish(), 0);
	return n;
}

/* Proves HEAD gets the 200 headers, Content-Length too, and no body. */
static void
test_hello_head(void **state)
{
	static const char req[] = "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n";
	char out[512];

	(void)state;
	assert_int_equal(hello_answer(req, sizeof(req) - 1, out,
	    sizeof(out)), sizeof(hello_head_reply) - 1);
	assert_string_equal(out, hello_head_reply);
}

/*
 * Proves a NUL byte, a malformed request line, an obs-fold and a head
 * longer than 8 KiB each get exactly the 400 answer, with its
 * Content-Length matching its body.
 */
static void
test_hello_bad(void **state)
{
	static const struct {
		const char	*name;
		const char	*req;
		size_t		 len;
	} t[] = {
		{ "NUL", BIN("GET / HTTP/1.0\r\nHost: a\0b\r\n\r\n") },
		{ "request line", BIN("GET  / HTTP/1.0\r\n\r\n") },
		{ "obs-fold", BIN("GET / HTTP/1.0\r\nA: b\r\n c\r\n\r\n") },
		{ "HEAD, malformed", BIN("HEAD /\r\n\r\n") },
	};
	char out[512], *big;
	size_t i, n = 20000;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		hello_answer(t[i].req, t[i].len, out, sizeof(out));
		CHECK_STR(t[i].name, out, hello_400);
	}
	assert_string_equal(strstr(hello_400, "\r\n\r\n") + 4,
	    "Bad Request\n");	/* 12 bytes, as Content-Length says */

	/* a good request line, then one endless header */
	big = malloc(n);
	assert_non_null(big);
	memset(big, 'a', n);
	memcpy(big, "GET / HTTP/1.0\r\nX: ", 19);
	hello_answer(big, n, out, sizeof(out));
	CHECK_STR("over-long head", out, hello_400);
	free(big);
}

/*
 * Proves EOF before the blank line still gets the lenient 200 and body
 * when nothing malformed came first (a bare "GET / HTTP/1.0" and close,
 * or nothing at all, as simple health checks send).
 */
static void
test_hello_eof(void **state)
{
	static const char *const reqs[] = { "GET / HTTP/1.0\r\n",
	    "GET / HTTP/1.0\r\nHost: x\r\n", "GET /", "" };
	char out[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		hello_answer(reqs[i], strlen(reqs[i]), out, sizeof(out));
		CHECK_STR(reqs[i], out, hello_reply);
	}
}

/* Proves service_find() knows exactly the names service_names() lists. */
static void
test_find_names(void **state)
{
	char names[256], *name, *save;
	int n = 0;

	(void)state;
	assert_null(service_find("nope"));
	assert_null(service_find(""));
	assert_null(service_find("Echo"));
	assert_null(service_find("echo "));
	snprintf(names, sizeof(names), "%s", service_names());
	for (name = strtok_r(names, ", ", &save); name != NULL;
	    name = strtok_r(NULL, ", ", &save)) {
		const struct service *svc = service_find(name);

		if (svc == NULL || strcmp(svc->name, name) != 0 ||
		    svc->serve == NULL)
			fail_msg("service_names() lists \"%s\", not found",
			    name);
		n++;
	}
	assert_int_equal(n, 6);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_echo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_echo_empty, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_upper, setup, teardown),
		cmocka_unit_test_setup_teardown(test_discard, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_daytime, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_chargen, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_hello, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hello_head_only, setup,
		    teardown),
		cmocka_unit_test(test_hello_parse),
		cmocka_unit_test(test_hello_parse_split),
		cmocka_unit_test(test_hello_parse_random),
		cmocka_unit_test_setup_teardown(test_hello_head, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_hello_bad, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_hello_eof, setup,
		    teardown),
		cmocka_unit_test(test_find_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
