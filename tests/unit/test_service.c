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
		cmocka_unit_test(test_find_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
