/*
 * listener.c: the "[HOST]:PORT" splitter (pure, by table), then real
 * loopback sockets: listener_open_all() on 127.0.0.1 and ::1 port 0, its
 * error statuses, and listener_conninfo() on real accepted connections.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <cmocka.h>

#include "forkd.h"
#include "check.h"

/* One spec and what listener_split() must make of it. */
struct split_case {
	const char	*spec;
	int		 rc;
	const char	*host;		/* rc 0 */
	const char	*port;		/* rc 0 */
	const char	*errstr;	/* rc -1 */
};

static const struct split_case splits[] = {
	{ "127.0.0.1:7000", 0, "127.0.0.1", "7000", NULL },
	{ "0.0.0.0:65535", 0, "0.0.0.0", "65535", NULL },
	{ "[::1]:7000", 0, "::1", "7000", NULL },
	{ "[::]:0", 0, "::", "0", NULL },
	{ "[fe80::1%lo]:22", 0, "fe80::1%lo", "22", NULL },
	{ "[2001:db8::ff00:42:8329]:443", 0, "2001:db8::ff00:42:8329", "443",
	    NULL },
	{ "localhost:7000", 0, "localhost", "7000", NULL },
	{ "www.example.org:80", 0, "www.example.org", "80", NULL },
	{ ":7000", 0, "", "7000", NULL },
	{ "localhost:http", 0, "localhost", "http", NULL },
	{ ":echo", 0, "", "echo", NULL },
	{ "[::1]:daytime", 0, "::1", "daytime", NULL },
	{ "7000", -1, NULL, NULL, "missing :PORT" },
	{ "localhost", -1, NULL, NULL, "missing :PORT" },
	{ "", -1, NULL, NULL, "missing :PORT" },
	{ "[::1", -1, NULL, NULL, "unclosed [ in IPv6 address" },
	{ "[::1:7000", -1, NULL, NULL, "unclosed [ in IPv6 address" },
	{ "[::1]", -1, NULL, NULL, "expected :PORT after ]" },
	{ "[::1]7000", -1, NULL, NULL, "expected :PORT after ]" },
	{ "::1:7000", -1, NULL, NULL,
	    "IPv6 addresses go in brackets, as [::1]:PORT" },
	{ "::7000", -1, NULL, NULL,
	    "IPv6 addresses go in brackets, as [::1]:PORT" },
	{ "host:", -1, NULL, NULL, "missing port after :" },
	{ ":", -1, NULL, NULL, "missing port after :" },
	{ "[::1]:", -1, NULL, NULL, "missing port after :" },
	{ "[::1]:7000:8", -1, NULL, NULL, "extra : in port" },
	{ "[]:7", -1, NULL, NULL, "empty address in []" },
	{ "[]", -1, NULL, NULL, "expected :PORT after ]" },
};

/* Proves listener_split() on good and malformed specs, by table. */
static void
test_split(void **state)
{
	char host[256], port[64];
	const char *errstr;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(splits) / sizeof(splits[0]); i++) {
		const struct split_case *t = &splits[i];

		errstr = NULL;
		strcpy(host, "stale");
		strcpy(port, "stale");
		rc = listener_split(t->spec, host, sizeof(host), port,
		    sizeof(port), &errstr);
		CHECK_INT(t->spec, rc, t->rc);
		if (rc == 0) {
			CHECK_STR(t->spec, host, t->host);
			CHECK_STR(t->spec, port, t->port);
		} else
			CHECK_STR(t->spec, errstr, t->errstr);
	}
}

/* Proves the buffer limits: a host or port that just fits, and one over. */
static void
test_split_lengths(void **state)
{
	char spec[600], host[16], port[6];
	const char *errstr;

	(void)state;
	/* 15 characters + NUL fit in host[16]; 5 + NUL fit in port[6] */
	assert_int_equal(listener_split("abcdefghijklmno:65535", host,
	    sizeof(host), port, sizeof(port), &errstr), 0);
	assert_string_equal(host, "abcdefghijklmno");
	assert_string_equal(port, "65535");
	assert_int_equal(listener_split("[abcdefghijklmno]:1", host,
	    sizeof(host), port, sizeof(port), &errstr), 0);
	assert_string_equal(host, "abcdefghijklmno");

	errstr = NULL;
	assert_int_equal(listener_split("abcdefghijklmnop:1", host,
	    sizeof(host), port, sizeof(port), &errstr), -1);
	assert_string_equal(errstr, "host too long");
	errstr = NULL;
	assert_int_equal(listener_split("[abcdefghijklmnop]:1", host,
	    sizeof(host), port, sizeof(port), &errstr), -1);
	assert_string_equal(errstr, "host too long");
	errstr = NULL;
	assert_int_equal(listener_split("h:123456", host, sizeof(host), port,
	    sizeof(port), &errstr), -1);
	assert_string_equal(errstr, "port too long");

	/* a 300-character host name against options.c's 256 */
	memset(spec, 'a', 300);
	strcpy(spec + 300, ":7");
	{
		char h[256], p[64];

		errstr = NULL;
		assert_int_equal(listener_split(spec, h, sizeof(h), p,
		    sizeof(p), &errstr), -1);
		assert_string_equal(errstr, "host too long");
	}
}

/* One port text and what listener_port() must make of it. */
struct port_case {
	const char	*s;
	int		 rc;
	int		 port;		/* rc 0 */
	const char	*errstr;	/* rc -1 */
};

#define PORT_TOO_LARGE	"too large (0..65535)"
#define PORT_NOT_NAME	"neither a number (0..65535) nor a service name"
#define PORT_UNKNOWN	"not a TCP service known to /etc/services"

static const struct port_case ports[] = {
	{ "0", 0, 0, NULL },
	{ "1", 0, 1, NULL },
	{ "7000", 0, 7000, NULL },
	{ "65535", 0, 65535, NULL },
	{ "00080", 0, 80, NULL },
	{ "65536", -1, 0, PORT_TOO_LARGE },
	{ "99999", -1, 0, PORT_TOO_LARGE },	/* glibc: 34463 */
	{ "4294967297", -1, 0, PORT_TOO_LARGE },	/* glibc: 1 */
	{ "99999999999999999999999", -1, 0, PORT_TOO_LARGE },
	{ " 80", -1, 0, PORT_NOT_NAME },
	{ "80 ", -1, 0, PORT_NOT_NAME },
	{ "+80", -1, 0, PORT_NOT_NAME },
	{ "-1", -1, 0, PORT_NOT_NAME },
	{ "-0", -1, 0, PORT_NOT_NAME },
	{ "80x", -1, 0, PORT_NOT_NAME },
	{ "0x50", -1, 0, PORT_NOT_NAME },
	{ "8 0", -1, 0, PORT_NOT_NAME },
	{ "", -1, 0, PORT_NOT_NAME },
	{ "http", 0, 80, NULL },
	{ "www", 0, 80, NULL },			/* an alias of http */
	{ "echo", 0, 7, NULL },
	{ "daytime", 0, 13, NULL },
	{ "https", 0, 443, NULL },
	{ "no-such-service", -1, 0, PORT_UNKNOWN },
	{ "Http", -1, 0, PORT_UNKNOWN },
	{ "-http", -1, 0, PORT_NOT_NAME },
	{ "http ", -1, 0, PORT_NOT_NAME },
	{ "ht_tp", -1, 0, PORT_NOT_NAME },
	{ "http/tcp", -1, 0, PORT_NOT_NAME },
};

/* Proves listener_port(): decimal 0..65535 or a known service, by table. */
static void
test_port(void **state)
{
	const char *errstr;
	size_t i;
	int port, rc;

	(void)state;
	for (i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		const struct port_case *t = &ports[i];

		errstr = NULL;
		port = -2;
		rc = listener_port(t->s, &port, &errstr);
		CHECK_INT(t->s, rc, t->rc);
		if (rc == 0)
			CHECK_INT(t->s, port, t->port);
		else
			CHECK_STR(t->s, errstr, t->errstr);
	}
}

/* Proves listener_format() gives numeric text, and "?" on an unknown family. */
static void
test_format(void **state)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	struct sockaddr_un sun;
	char ip[INET6_ADDRSTRLEN], port[8];

	(void)state;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(7000);
	inet_pton(AF_INET, "10.1.2.3", &sin.sin_addr);
	assert_int_equal(listener_format((struct sockaddr *)&sin, sizeof(sin),
	    ip, sizeof(ip), port, sizeof(port)), 0);
	assert_string_equal(ip, "10.1.2.3");
	assert_string_equal(port, "7000");

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(80);	/* numeric: not "http" */
	inet_pton(AF_INET6, "2001:db8::1", &sin6.sin6_addr);
	assert_int_equal(listener_format((struct sockaddr *)&sin6,
	    sizeof(sin6), ip, sizeof(ip), port, sizeof(port)), 0);
	assert_string_equal(ip, "2001:db8::1");
	assert_string_equal(port, "80");

	/* the ends of the port range, a v4-mapped address, a scoped one */
	sin.sin_port = htons(0);
	listener_format((struct sockaddr *)&sin, sizeof(sin), ip, sizeof(ip),
	    port, sizeof(port));
	assert_string_equal(port, "0");
	sin6.sin6_port = htons(65535);
	inet_pton(AF_INET6, "::ffff:192.0.2.7", &sin6.sin6_addr);
	assert_int_equal(listener_format((struct sockaddr *)&sin6,
	    sizeof(sin6), ip, sizeof(ip), port, sizeof(port)), 0);
	assert_string_equal(ip, "::ffff:192.0.2.7");
	assert_string_equal(port, "65535");
	inet_pton(AF_INET6, "fe80::1", &sin6.sin6_addr);
	sin6.sin6_scope_id = 1;		/* lo: always index 1 */
	assert_int_equal(listener_format((struct sockaddr *)&sin6,
	    sizeof(sin6), ip, sizeof(ip), port, sizeof(port)), 0);
	assert_string_equal(ip, "fe80::1%lo");
	sin6.sin6_scope_id = 0;

	/* glibc names AF_UNIX addresses; an unknown family it cannot */
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNSPEC;
	assert_int_equal(listener_format((struct sockaddr *)&sun, sizeof(sun),
	    ip, sizeof(ip), port, sizeof(port)), -1);
	assert_string_equal(ip, "?");
	assert_string_equal(port, "?");
}

/* A config listening on the given specs (NULL-terminated). */
static void
config_listen(struct config *cfg, const char *const *specs)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_children = 100;
	cfg->grace = 10;
	cfg->builtin = "echo";
	while (*specs != NULL)
		cfg->listen[cfg->nlisten++] = *specs++;
}

/* Read an integer from a /proc file. */
static long
proc_long(const char *path)
{
	FILE *fp = fopen(path, "r");
	long v = -1;

	assert_non_null(fp);
	assert_int_equal(fscanf(fp, "%ld", &v), 1);
	fclose(fp);
	return v;
}

/* The backlog the kernel stored for a listening TCP socket. */
static long
listen_backlog(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	assert_int_equal(getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
	return (long)ti.tcpi_sacked;	/* sk_max_ack_backlog in LISTEN */
}

/* Check the properties every listener must have; returns its port. */
static int
check_listener(const struct listener *l, int family, const char *prefix)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char want[FORKD_ADDRSTRLEN];
	int v, port;

	assert_true(l->fd > 2);
	v = fcntl(l->fd, F_GETFL);
	assert_true(v != -1 && (v & O_NONBLOCK));
	v = fcntl(l->fd, F_GETFD);
	assert_true(v != -1 && (v & FD_CLOEXEC));
	len = sizeof(v);
	assert_int_equal(getsockopt(l->fd, SOL_SOCKET, SO_ACCEPTCONN, &v,
	    &len), 0);
	assert_int_equal(v, 1);
	assert_int_equal(getsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &v,
	    &len), 0);
	assert_int_equal(v, 1);
	len = sizeof(ss);
	assert_int_equal(getsockname(l->fd, (struct sockaddr *)&ss, &len), 0);
	assert_int_equal(ss.ss_family, family);
	port = sock_port(l->fd);
	assert_true(port > 0);
	snprintf(want, sizeof(want), "%s%d", prefix, port);
	assert_string_equal(l->name, want);
	return port;
}

/*
 * Proves 127.0.0.1:0 opens one listening fd, non-blocking, close-on-exec,
 * SO_REUSEADDR, named with its real port, with the kernel's maximum
 * backlog (somaxconn) when -B is not given.
 */
static void
test_open_ipv4(void **state)
{
	static const char *const specs[] = { "127.0.0.1:0", NULL };
	struct listener ls[4];
	struct config cfg;
	char err[256] = "";
	size_t n = 99;

	(void)state;
	config_listen(&cfg, specs);
	assert_int_equal(listener_open_all(&cfg, ls, 4, &n, err,
	    sizeof(err)), 0);
	assert_int_equal(n, 1);
	check_listener(&ls[0], AF_INET, "127.0.0.1:");
	assert_int_equal(listen_backlog(ls[0].fd),
	    proc_long("/proc/sys/net/core/somaxconn"));
	listener_close_all(ls, n);
	assert_int_equal(ls[0].fd, -1);
}

/* Proves -B reaches listen(): backlog 5 is what the kernel stored. */
static void
test_open_backlog(void **state)
{
	static const char *const specs[] = { "127.0.0.1:0", NULL };
	struct listener ls[1];
	struct config cfg;
	char err[256] = "";
	size_t n;

	(void)state;
	config_listen(&cfg, specs);
	cfg.backlog = 5;
	assert_int_equal(listener_open_all(&cfg, ls, 1, &n, err,
	    sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_int_equal(listen_backlog(ls[0].fd), 5);
	listener_close_all(ls, n);
}

/* Proves [::1]:0 gives an IPv6-only socket named "[::1]:PORT". */
static void
test_open_ipv6(void **state)
{
	static const char *const specs[] = { "[::1]:0", NULL };
	struct listener ls[4];
	struct config cfg;
	char err[256] = "";
	socklen_t len;
	size_t n;
	int v;

	(void)state;
	config_listen(&cfg, specs);
	assert_int_equal(listener_open_all(&cfg, ls, 4, &n, err,
	    sizeof(err)), 0);
	assert_int_equal(n, 1);
	check_listener(&ls[0], AF_INET6, "[::1]:");
	len = sizeof(v);
	assert_int_equal(getsockopt(ls[0].fd, IPPROTO_IPV6, IPV6_V6ONLY, &v,
	    &len), 0);
	assert_int_equal(v, 1);
	listener_close_all(ls, n);
}

/* Proves several -l give one socket each, in order. */
static void
test_open_several(void **state)
{
	static const char *const specs[] = { "127.0.0.1:0", "[::1]:0",
	    "127.0.0.1:0", NULL };
	struct listener ls[4];
	struct config cfg;
	char err[256] = "";
	size_t n;

	(void)state;
	config_listen(&cfg, specs);
	assert_int_equal(listener_open_all(&cfg, ls, 4, &n, err,
	    sizeof(err)), 0);
	assert_int_equal(n, 3);
	check_listener(&ls[0], AF_INET, "127.0.0.1:");
	check_listener(&ls[1], AF_INET6, "[::1]:");
	check_listener(&ls[2], AF_INET, "127.0.0.1:");
	assert_int_not_equal(sock_port(ls[0].fd), sock_port(ls[2].fd));
	listener_close_all(ls, n);
}

/* One failing listener_open_all() call and what it must return. */
struct open_fail_case {
	const char	*name;
	const char	*specs[4];
	size_t		 max;
	int		 status;
	const char	*msg;
};

/*
 * Proves the sysexits statuses: an unknown host is EX_NOHOST, an unknown
 * service or a malformed spec EX_USAGE, too many sockets EX_USAGE; and
 * that on error no fd stays open, even those opened before the failure.
 */
static void
test_open_errors(void **state)
{
	static const struct open_fail_case t[] = {
		{ "unknown host", { "nonexistent.invalid:1", NULL }, 4,
		    EX_NOHOST, "nonexistent.invalid:1: " },
		{ "unknown host after a good one",
		    { "127.0.0.1:0", "nonexistent.invalid:1", NULL }, 4,
		    EX_NOHOST, "nonexistent.invalid:1: " },
		{ "unknown service", { "127.0.0.1:no-such-service", NULL },
		    4, EX_USAGE, "127.0.0.1:no-such-service: " },
		{ "port 99999 (glibc takes it as 34463)",
		    { "127.0.0.1:99999", NULL }, 4, EX_USAGE,
		    "127.0.0.1:99999: port \"99999\" is too large "
		    "(0..65535)" },
		{ "port 65536 (glibc takes it as 0)",
		    { "127.0.0.1:65536", NULL }, 4, EX_USAGE,
		    "127.0.0.1:65536: port \"65536\" is too large" },
		{ "port 4294967297 (glibc takes it as 1)",
		    { "127.0.0.1:0", "127.0.0.1:4294967297", NULL }, 4,
		    EX_USAGE, "port \"4294967297\" is too large" },
		{ "port +80", { "127.0.0.1:+80", NULL }, 4, EX_USAGE,
		    "127.0.0.1:+80: port \"+80\" is neither a number" },
		{ "port \" 80\"", { "127.0.0.1: 80", NULL }, 4, EX_USAGE,
		    "127.0.0.1: 80: port \" 80\" is neither a number" },
		{ "IPv4 literal in brackets", { "[127.0.0.1]:0", NULL }, 4,
		    EX_NOHOST, "[127.0.0.1]:0: " },
		{ "malformed spec", { "127.0.0.1:0", "::1:7", NULL }, 4,
		    EX_USAGE, "::1:7: IPv6 addresses go in brackets" },
		{ "more sockets than room",
		    { "127.0.0.1:0", "[::1]:0", NULL }, 1, EX_USAGE,
		    "more than 1 sockets" },
	};
	struct listener ls[4];
	struct config cfg;
	char err[256];
	size_t i, k, n;
	int before, status;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		config_listen(&cfg, t[i].specs);
		before = count_open_fds();
		err[0] = '\0';
		status = listener_open_all(&cfg, ls, t[i].max, &n, err,
		    sizeof(err));
		CHECK_INT(t[i].name, status, t[i].status);
		CHECK_SUBSTR(t[i].name, err, t[i].msg);
		CHECK_INT(t[i].name, count_open_fds(), before);
		for (k = 0; k < n; k++)
			CHECK_INT(t[i].name, ls[k].fd, -1);
	}
}

/*
 * Proves a port already taken (by a listening socket of our own) fails
 * with EX_OSERR and "Address already in use", naming the spec; and that
 * the listener opened before it in the same call is closed again.
 */
static void
test_open_in_use(void **state)
{
	struct sockaddr_in sin;
	struct listener ls[4];
	struct config cfg;
	char spec[64], err[256] = "";
	size_t n;
	int busy, before;

	(void)state;
	busy = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(busy != -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(busy, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(busy, 1), 0);
	snprintf(spec, sizeof(spec), "127.0.0.1:%d", sock_port(busy));

	memset(&cfg, 0, sizeof(cfg));
	cfg.listen[0] = "[::1]:0";
	cfg.listen[1] = spec;
	cfg.nlisten = 2;
	before = count_open_fds();
	assert_int_equal(listener_open_all(&cfg, ls, 4, &n, err,
	    sizeof(err)), EX_OSERR);
	CHECK_SUBSTR("in use", err, spec);
	CHECK_SUBSTR("in use", err, "Address already in use");
	assert_int_equal(count_open_fds(), before);
	assert_int_equal(n, 1);
	assert_int_equal(ls[0].fd, -1);
	close(busy);
}

/* A TCP port on 127.0.0.1 that was free a moment ago. */
static int
free_port(void)
{
	struct sockaddr_in sin;
	int fd, port;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd != -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	port = sock_port(fd);
	close(fd);
	return port;
}

/*
 * Proves two -l that resolve to one address and port are a usage error
 * naming both, not bind's "Address already in use", and that nothing is
 * left open; every -l is resolved before any is bound, so it holds even
 * if another program takes the port meanwhile.  Port 0 twice is fine.
 */
static void
test_open_duplicate(void **state)
{
	static const char *const twice[] = { "127.0.0.1:0", "127.0.0.1:0",
	    NULL };
	char a[64], b[64], c[64], want[256], err[256];
	struct listener ls[4];
	struct config cfg;
	size_t n;
	int before, port;

	(void)state;
	port = free_port();
	snprintf(a, sizeof(a), "localhost:%d", port);
	snprintf(b, sizeof(b), "127.0.0.1:%d", port);
	snprintf(c, sizeof(c), "[::1]:%d", port);
	memset(&cfg, 0, sizeof(cfg));
	cfg.listen[0] = c;	/* opened first on the old code */
	cfg.listen[1] = a;
	cfg.listen[2] = b;
	cfg.nlisten = 3;
	before = count_open_fds();
	err[0] = '\0';
	assert_int_equal(listener_open_all(&cfg, ls, 4, &n, err,
	    sizeof(err)), EX_USAGE);
	snprintf(want, sizeof(want), "--listen \"%s\" and --listen \"%s\" "
	    "are the same address, 127.0.0.1:%d", a, b, port);
	assert_string_equal(err, want);
	assert_int_equal(n, 0);
	assert_int_equal(count_open_fds(), before);

	cfg.listen[1] = b;	/* the very same string */
	assert_int_equal(listener_open_all(&cfg, ls, 4, &n, err,
	    sizeof(err)), EX_USAGE);
	snprintf(want, sizeof(want), "--listen \"%s\" and --listen \"%s\" "
	    "are the same address, 127.0.0.1:%d", b, b, port);
	assert_string_equal(err, want);
	assert_int_equal(count_open_fds(), before);

	config_listen(&cfg, twice);
	assert_int_equal(listener_open_all(&cfg, ls, 4, &n, err,
	    sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_int_not_equal(sock_port(ls[0].fd), sock_port(ls[1].fd));
	listener_close_all(ls, n);
}

/*
 * Proves a long spec is cut in the message, so the reason after it still
 * fits a small buffer: a 247-character host that does not resolve.
 */
static void
test_open_long_spec(void **state)
{
	char spec[300], want[128], err[128];
	struct listener ls[1];
	struct config cfg;
	size_t i, n, len;

	(void)state;
	for (i = 0; i < 240; i++)	/* labels of 49 letters and a dot */
		spec[i] = i % 50 == 49 ? '.' : 'a';
	snprintf(spec + 240, sizeof(spec) - 240, "invalid:1");
	memset(&cfg, 0, sizeof(cfg));
	cfg.listen[0] = spec;
	cfg.nlisten = 1;
	assert_int_equal(listener_open_all(&cfg, ls, 1, &n, err,
	    sizeof(err)), EX_NOHOST);
	snprintf(want, sizeof(want), "%.*s...: ", FORKD_CUT_MAX, spec);
	len = strlen(err);
	if (strncmp(err, want, strlen(want)) != 0 || len <= strlen(want) ||
	    len >= sizeof(err) - 1)
		fail_msg("want \"%s\" and a reason, got \"%s\"", want, err);
}

/* Accept one connection from a client to l and check listener_conninfo. */
static void
check_conninfo(const struct listener *l, const char *ip, int v6)
{
	struct sockaddr_storage ss;
	struct conninfo ci;
	socklen_t len = sizeof(ss);
	char want[FORKD_ADDRSTRLEN], num[8];
	int client, conn;

	client = tcp_connect(ip, sock_port(l->fd));
	for (;;) {	/* the listener is non-blocking */
		struct pollfd pfd = { .fd = l->fd, .events = POLLIN };

		assert_int_equal(poll(&pfd, 1, 5000), 1);
		len = sizeof(ss);
		conn = accept(l->fd, (struct sockaddr *)&ss, &len);
		if (conn != -1)
			break;
		assert_int_equal(errno, EAGAIN);
	}
	memset(&ci, 'Z', sizeof(ci));
	assert_int_equal(listener_conninfo(conn, (struct sockaddr *)&ss, len,
	    &ci), 0);
	assert_string_equal(ci.remote_ip, ip);
	snprintf(num, sizeof(num), "%d", sock_port(client));
	assert_string_equal(ci.remote_port, num);
	assert_string_equal(ci.local_ip, ip);
	snprintf(num, sizeof(num), "%d", sock_port(l->fd));
	assert_string_equal(ci.local_port, num);
	snprintf(want, sizeof(want), v6 ? "[%s]:%d" : "%s:%d", ip,
	    sock_port(client));
	assert_string_equal(ci.peer, want);
	close(conn);
	close(client);
}

/*
 * Proves listener_conninfo() on real accepted loopback connections: both
 * ends' numeric IP and port, and the peer as "127.0.0.1:PORT" and
 * "[::1]:PORT".
 */
static void
test_conninfo(void **state)
{
	static const char *const specs[] = { "127.0.0.1:0", "[::1]:0", NULL };
	struct listener ls[2];
	struct config cfg;
	char err[256] = "";
	size_t n;

	(void)state;
	config_listen(&cfg, specs);
	assert_int_equal(listener_open_all(&cfg, ls, 2, &n, err,
	    sizeof(err)), 0);
	assert_int_equal(n, 2);
	check_conninfo(&ls[0], "127.0.0.1", 0);
	check_conninfo(&ls[1], "::1", 1);
	listener_close_all(ls, n);
}

/* Proves listener_conninfo() reports -1 when the fd is not a socket. */
static void
test_conninfo_bad_fd(void **state)
{
	struct sockaddr_in sin;
	struct conninfo ci;

	(void)state;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(9);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(listener_conninfo(-1, (struct sockaddr *)&sin,
	    sizeof(sin), &ci), -1);
	/* the remote end is still filled from the address given */
	assert_string_equal(ci.peer, "127.0.0.1:9");
}

/* Proves listener_close_all() closes each fd once and marks it -1. */
static void
test_close_all(void **state)
{
	struct listener ls[3];
	int fds[2];

	(void)state;
	assert_int_equal(pipe(fds), 0);
	ls[0].fd = fds[0];
	ls[1].fd = -1;
	ls[2].fd = fds[1];
	listener_close_all(ls, 3);
	assert_int_equal(ls[0].fd, -1);
	assert_int_equal(ls[1].fd, -1);
	assert_int_equal(ls[2].fd, -1);
	assert_false(fd_is_open(fds[0]));
	assert_false(fd_is_open(fds[1]));
	listener_close_all(ls, 3);	/* twice is harmless */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_split_lengths),
		cmocka_unit_test(test_port),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_open_ipv4),
		cmocka_unit_test(test_open_backlog),
		cmocka_unit_test(test_open_ipv6),
		cmocka_unit_test(test_open_several),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_open_in_use),
		cmocka_unit_test(test_open_duplicate),
		cmocka_unit_test(test_open_long_spec),
		cmocka_unit_test(test_conninfo),
		cmocka_unit_test(test_conninfo_bad_fd),
		cmocka_unit_test(test_close_all),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
