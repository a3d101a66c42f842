/*
 * options_parse(): tables of good and bad command lines.  The parser is
 * pure (no output, no exit), so every case only looks at the returned
 * enum, the struct config, and the error text.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "forkd.h"
#include "check.h"

#define MAXARGS	40

/* A command line given as NULL-terminated strings, copied to a char *[]. */
struct argv_buf {
	char	*v[MAXARGS + 1];
	int	 c;
};

static void
argv_fill(struct argv_buf *a, const char *const *args)
{
	a->c = 0;
	while (args[a->c] != NULL) {
		assert_true(a->c < MAXARGS);
		a->v[a->c] = (char *)args[a->c];
		a->c++;
	}
	a->v[a->c] = NULL;
}

/* What a good command line must produce. */
struct good_case {
	const char	*name;
	const char	*argv[MAXARGS];
	size_t		 nlisten;
	const char	*listen[FORKD_MAX_LISTEN];	/* checked up to nlisten */
	const char	*builtin;
	int		 prog_at;	/* argv index of PROGRAM, 0: none */
	const char	*program[8];	/* expected PROGRAM argv */
	int		 max_children;
	int		 backlog;
	int		 grace;
	const char	*pidfile;
	int		 daemonize;
	enum log_target	 log_target;
	enum child_stderr child_stderr;
	int		 verbose;
	int		 title;
};

#define DEFAULTS	.max_children = 100, .grace = 10, .backlog = 0, \
			.log_target = LOG_TO_SYSLOG

static const struct good_case good[] = {
	{ "defaults with a builtin",
	  { "forkd", "-l", "127.0.0.1:7000", "-b", "echo", NULL },
	  1, { "127.0.0.1:7000" }, "echo", 0, { NULL }, DEFAULTS },
	{ "every short option",
	  { "forkd", "-l", ":7", "-b", "upper", "-c", "5", "-B", "32",
	    "-g", "0", "-p", "/run/f.pid", "-L", "stderr", "-v", NULL },
	  1, { ":7" }, "upper", 0, { NULL },
	  .max_children = 5, .backlog = 32, .grace = 0,
	  .pidfile = "/run/f.pid", .log_target = LOG_TO_STDERR, .verbose = 1 },
	{ "-d with -L syslog",
	  { "forkd", "-d", "-L", "syslog", "-l", ":7", "-b", "echo", NULL },
	  1, { ":7" }, "echo", 0, { NULL }, DEFAULTS, .daemonize = 1 },
	{ "every long option",
	  { "forkd", "--listen", "[::1]:7", "--builtin", "discard",
	    "--max-children", "65535", "--backlog", "65535", "--grace",
	    "3600", "--pidfile", "p", "--daemon", "--log", "syslog",
	    "--verbose", NULL },
	  1, { "[::1]:7" }, "discard", 0, { NULL },
	  .max_children = 65535, .backlog = 65535, .grace = 3600,
	  .pidfile = "p", .daemonize = 1, .log_target = LOG_TO_SYSLOG,
	  .verbose = 1 },
	{ "long options with =",
	  { "forkd", "--listen=:8", "--builtin=hello", "--max-children=1",
	    "--backlog=1", "--grace=1", "--log=stderr", NULL },
	  1, { ":8" }, "hello", 0, { NULL },
	  .max_children = 1, .backlog = 1, .grace = 1,
	  .log_target = LOG_TO_STDERR },
	{ "attached short arguments",
	  { "forkd", "-l:9", "-bdaytime", "-c7", "-dv", NULL },
	  1, { ":9" }, "daytime", 0, { NULL },
	  .max_children = 7, .grace = 10, .daemonize = 1, .verbose = 1 },
	{ "-l 16 times",
	  { "forkd", "-l", ":1", "-l", ":2", "-l", ":3", "-l", ":4",
	    "-l", ":5", "-l", ":6", "-l", ":7", "-l", ":8", "-l", ":9",
	    "-l", ":10", "-l", ":11", "-l", ":12", "-l", ":13", "-l", ":14",
	    "-l", ":15", "-l", "[::]:16", "-b", "chargen", NULL },
	  16, { ":1", ":2", ":3", ":4", ":5", ":6", ":7", ":8", ":9", ":10",
	    ":11", ":12", ":13", ":14", ":15", "[::]:16" },
	  "chargen", 0, { NULL }, DEFAULTS },
	{ "PROGRAM after --, its -x options kept",
	  { "forkd", "-l", ":7", "--", "/bin/cat", "-v", "-l", "x", "--",
	    "-b", NULL },
	  1, { ":7" }, NULL, 4,
	  { "/bin/cat", "-v", "-l", "x", "--", "-b", NULL }, DEFAULTS },
	{ "PROGRAM without --, its options kept",
	  { "forkd", "-v", "-l", "host.example:http", "cat", "-n", "-c",
	    "0", "--help", NULL },
	  1, { "host.example:http" }, NULL, 4,
	  { "cat", "-n", "-c", "0", "--help", NULL }, DEFAULTS, .verbose = 1 },
	{ "PROGRAM alone",
	  { "forkd", "-l", "[::1]:0", "true", NULL },
	  1, { "[::1]:0" }, NULL, 3, { "true", NULL }, DEFAULTS },
	{ "no -l: the sockets come from systemd",
	  { "forkd", "-b", "echo", NULL },
	  0, { NULL }, "echo", 0, { NULL }, DEFAULTS },
	{ "--title",
	  { "forkd", "--title", "-l", ":7", "-b", "echo", NULL },
	  1, { ":7" }, "echo", 0, { NULL }, DEFAULTS, .title = 1 },
	{ "--child-stderr inherit",
	  { "forkd", "--child-stderr", "inherit", "-l", ":7", "cat", NULL },
	  1, { ":7" }, NULL, 5, { "cat", NULL }, DEFAULTS,
	  .child_stderr = CHILD_STDERR_INHERIT },
	{ "--child-stderr null",
	  { "forkd", "--child-stderr=null", "-l", ":7", "cat", NULL },
	  1, { ":7" }, NULL, 4, { "cat", NULL }, DEFAULTS,
	  .child_stderr = CHILD_STDERR_NULL },
	{ "--child-stderr socket, the last one wins",
	  { "forkd", "--child-stderr", "null", "--child-stderr", "socket",
	    "-l", ":7", "cat", NULL },
	  1, { ":7" }, NULL, 7, { "cat", NULL }, DEFAULTS,
	  .child_stderr = CHILD_STDERR_SOCKET },
	{ "the same -l twice with port 0: two ports of the kernel's choice",
	  { "forkd", "-l", "127.0.0.1:0", "-l", "127.0.0.1:0", "-b", "echo",
	    NULL },
	  2, { "127.0.0.1:0", "127.0.0.1:0" }, "echo", 0, { NULL },
	  DEFAULTS },
	{ "ports as numbers and service names",
	  { "forkd", "-l", ":65535", "-l", "[::1]:00080", "-l", ":echo",
	    "-b", "echo", NULL },
	  3, { ":65535", "[::1]:00080", ":echo" }, "echo", 0, { NULL },
	  DEFAULTS },
	{ "the last -c, -g, -L win",
	  { "forkd", "-c", "3", "-c", "4", "-g", "1", "-g", "2", "-L",
	    "stderr", "-L", "syslog", "-l", ":1", "-b", "echo", NULL },
	  1, { ":1" }, "echo", 0, { NULL },
	  .max_children = 4, .grace = 2, .log_target = LOG_TO_SYSLOG },
};

/* Proves each good command line fills every field of struct config. */
static void
test_good(void **state)
{
	struct argv_buf a;
	struct config cfg;
	char err[512];
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		const struct good_case *t = &good[i];
		enum options_result r;

		argv_fill(&a, t->argv);
		memset(&cfg, 0xa5, sizeof(cfg));
		strcpy(err, "stale");
		r = options_parse(a.c, a.v, &cfg, err, sizeof(err));
		if (r != OPTIONS_RUN)
			fail_msg("%s: result %d, err \"%s\"", t->name, r, err);
		CHECK_STR(t->name, err, "");
		CHECK_INT(t->name, cfg.nlisten, t->nlisten);
		for (k = 0; k < t->nlisten; k++)
			CHECK_STR(t->name, cfg.listen[k], t->listen[k]);
		CHECK_STR(t->name, cfg.builtin, t->builtin);
		CHECK_INT(t->name, cfg.max_children, t->max_children);
		CHECK_INT(t->name, cfg.backlog, t->backlog);
		CHECK_INT(t->name, cfg.grace, t->grace);
		CHECK_STR(t->name, cfg.pidfile, t->pidfile);
		CHECK_INT(t->name, cfg.daemonize, t->daemonize);
		CHECK_INT(t->name, cfg.log_target, t->log_target);
		CHECK_INT(t->name, cfg.child_stderr, t->child_stderr);
		CHECK_INT(t->name, cfg.title, t->title);
		CHECK_INT(t->name, cfg.verbose, t->verbose);
		if (t->prog_at == 0) {
			if (cfg.program != NULL)
				fail_msg("%s: program set", t->name);
			continue;
		}
		/* PROGRAM's argv is forkd's own, in place and in order. */
		if (cfg.program != a.v + t->prog_at)
			fail_msg("%s: program is not argv + %d", t->name,
			    t->prog_at);
		for (k = 0; t->program[k] != NULL; k++)
			CHECK_STR(t->name, cfg.program[k], t->program[k]);
		if (cfg.program[k] != NULL)
			fail_msg("%s: program has extra argument \"%s\"",
			    t->name, cfg.program[k]);
		/* and the strings themselves are untouched */
		for (k = 0; t->argv[k] != NULL; k++)
			CHECK_STR(t->name, a.v[k], t->argv[k]);
	}
}

/* A bad command line and a piece of the message it must produce. */
struct bad_case {
	const char	*name;
	const char	*argv[MAXARGS];
	const char	*msg;
};

static const struct bad_case bad[] = {
	{ "unknown short option",
	  { "forkd", "-x", "-l", ":7", "-b", "echo", NULL },
	  "unknown option -x" },
	{ "unknown short option in a cluster",
	  { "forkd", "-l", ":7", "-b", "echo", "-vq", NULL },
	  "unknown option -q" },
	{ "unknown long option",
	  { "forkd", "--frobnicate", "-l", ":7", "-b", "echo", NULL },
	  "unknown option --frobnicate" },
	{ "unknown long option with =",
	  { "forkd", "-l", ":7", "--colour=yes", "-b", "echo", NULL },
	  "unknown option --colour" },
	{ "long option given an argument it does not take",
	  { "forkd", "-l", ":7", "-b", "echo", "--daemon=yes", NULL },
	  "option --daemon takes no argument" },
	{ "listen port with an extra colon",
	  { "forkd", "-l", "[::1]:7000:8", "-b", "echo", NULL },
	  "--listen \"[::1]:7000:8\": extra : in port" },
	{ "missing argument, short",
	  { "forkd", "-b", "echo", "-l", NULL },
	  "option -l needs an argument" },
	{ "missing argument, short -c",
	  { "forkd", "-l", ":7", "-b", "echo", "-c", NULL },
	  "option -c needs an argument" },
	{ "missing argument, long",
	  { "forkd", "-l", ":7", "-b", "echo", "--grace", NULL },
	  "option --grace needs an argument" },
	{ "-c 0",
	  { "forkd", "-c", "0", "-l", ":7", "-b", "echo", NULL },
	  "--max-children: \"0\" is too small (1..65535)" },
	{ "-c 65536",
	  { "forkd", "-c", "65536", "-l", ":7", "-b", "echo", NULL },
	  "--max-children: \"65536\" is too large (1..65535)" },
	{ "-c abc",
	  { "forkd", "-c", "abc", "-l", ":7", "-b", "echo", NULL },
	  "--max-children: \"abc\" is not a number" },
	{ "-c ''",
	  { "forkd", "-c", "", "-l", ":7", "-b", "echo", NULL },
	  "--max-children: \"\" is not a number" },
	{ "-c 12x",
	  { "forkd", "-c", "12x", "-l", ":7", "-b", "echo", NULL },
	  "--max-children: \"12x\" is not a number" },
	{ "-B 0",
	  { "forkd", "-B", "0", "-l", ":7", "-b", "echo", NULL },
	  "--backlog: \"0\" is too small (1..65535)" },
	{ "-B 70000",
	  { "forkd", "--backlog", "70000", "-l", ":7", "-b", "echo", NULL },
	  "--backlog: \"70000\" is too large (1..65535)" },
	{ "-g -1",
	  { "forkd", "-g", "-1", "-l", ":7", "-b", "echo", NULL },
	  "--grace: \"-1\" is not a number" },
	{ "-c \" 5\" (strtonum skips blanks)",
	  { "forkd", "-c", " 5", "-l", ":7", "-b", "echo", NULL },
	  "--max-children: \" 5\" is not a number" },
	{ "-c +5 (strtonum takes a sign)",
	  { "forkd", "-c", "+5", "-l", ":7", "-b", "echo", NULL },
	  "--max-children: \"+5\" is not a number" },
	{ "-c -5",
	  { "forkd", "-c", "-5", "-l", ":7", "-b", "echo", NULL },
	  "--max-children: \"-5\" is not a number" },
	{ "-B \"\\t7\"",
	  { "forkd", "-B", "\t7", "-l", ":7", "-b", "echo", NULL },
	  "--backlog: \"\t7\" is not a number" },
	{ "-g +0",
	  { "forkd", "-g", "+0", "-l", ":7", "-b", "echo", NULL },
	  "--grace: \"+0\" is not a number" },
	{ "-b twice",
	  { "forkd", "-l", ":7", "-b", "echo", "-b", "upper", NULL },
	  "--builtin given twice (\"echo\" and \"upper\")" },
	{ "-b twice, the same",
	  { "forkd", "-l", ":7", "-b", "echo", "--builtin=echo", NULL },
	  "--builtin given twice (\"echo\" and \"echo\")" },
	{ "-l twice",
	  { "forkd", "-l", "127.0.0.1:7000", "-b", "echo", "-l",
	    "127.0.0.1:7000", NULL },
	  "--listen \"127.0.0.1:7000\" given twice" },
	{ "-l twice, among others",
	  { "forkd", "-l", ":7", "-l", "[::1]:7", "--listen=:7", "-b",
	    "echo", NULL },
	  "--listen \":7\" given twice" },
	{ "listen: port 99999 (glibc takes it as 34463)",
	  { "forkd", "-l", "127.0.0.1:99999", "-b", "echo", NULL },
	  "--listen \"127.0.0.1:99999\": port \"99999\" is too large "
	  "(0..65535)" },
	{ "listen: port 65536",
	  { "forkd", "-l", ":65536", "-b", "echo", NULL },
	  "--listen \":65536\": port \"65536\" is too large (0..65535)" },
	{ "listen: port 4294967297 (glibc takes it as 1)",
	  { "forkd", "-l", ":4294967297", "-b", "echo", NULL },
	  "--listen \":4294967297\": port \"4294967297\" is too large" },
	{ "listen: port \" 80\"",
	  { "forkd", "-l", "127.0.0.1: 80", "-b", "echo", NULL },
	  "--listen \"127.0.0.1: 80\": port \" 80\" is neither a number "
	  "(0..65535) nor a service name" },
	{ "listen: port +80",
	  { "forkd", "-l", ":+80", "-b", "echo", NULL },
	  "--listen \":+80\": port \"+80\" is neither a number" },
	{ "listen: unknown service",
	  { "forkd", "-l", ":no-such-service", "-b", "echo", NULL },
	  "--listen \":no-such-service\": port \"no-such-service\" is not "
	  "a TCP service known to /etc/services" },
	{ "--child-stderr bogus",
	  { "forkd", "--child-stderr", "bogus", "-l", ":7", "cat", NULL },
	  "--child-stderr: \"bogus\" is not inherit, null or socket" },
	{ "--child-stderr ''",
	  { "forkd", "--child-stderr=", "-l", ":7", "cat", NULL },
	  "--child-stderr: \"\" is not inherit, null or socket" },
	{ "--child-stderr Null",
	  { "forkd", "--child-stderr", "Null", "-l", ":7", "cat", NULL },
	  "--child-stderr: \"Null\" is not inherit, null or socket" },
	{ "--child-stderr without a value",
	  { "forkd", "-l", ":7", "--child-stderr", NULL },
	  "option --child-stderr needs an argument" },
	{ "-g 3601",
	  { "forkd", "-g", "3601", "-l", ":7", "-b", "echo", NULL },
	  "--grace: \"3601\" is too large (0..3600)" },
	{ "-L foo",
	  { "forkd", "-L", "foo", "-l", ":7", "-b", "echo", NULL },
	  "--log: \"foo\" is neither syslog nor stderr" },
	{ "-p ''",
	  { "forkd", "-p", "", "-l", ":7", "-b", "echo", NULL },
	  "--pidfile: empty file name" },
	{ "-d with -L stderr",
	  { "forkd", "-d", "-L", "stderr", "-l", ":7", "-b", "echo", NULL },
	  "--daemon with --log stderr would lose every log line" },
	{ "--log stderr with --daemon",
	  { "forkd", "--log=stderr", "-l", ":7", "-b", "echo", "--daemon",
	    NULL },
	  "--daemon with --log stderr would lose every log line" },
	{ "unknown builtin",
	  { "forkd", "-l", ":7", "-b", "quote", NULL },
	  "unknown builtin \"quote\" (echo, upper, discard, daytime, "
	  "chargen, hello)" },
	{ "17 -l",
	  { "forkd", "-l", ":1", "-l", ":2", "-l", ":3", "-l", ":4",
	    "-l", ":5", "-l", ":6", "-l", ":7", "-l", ":8", "-l", ":9",
	    "-l", ":10", "-l", ":11", "-l", ":12", "-l", ":13", "-l", ":14",
	    "-l", ":15", "-l", ":16", "-l", ":17", "-b", "echo", NULL },
	  "--listen: at most 16 addresses" },
	{ "both -b and PROGRAM",
	  { "forkd", "-l", ":7", "-b", "echo", "cat", NULL },
	  "give either --builtin or a PROGRAM, not both" },
	{ "neither -b nor PROGRAM",
	  { "forkd", "-l", ":7", NULL },
	  "nothing to serve" },
	{ "only --",
	  { "forkd", "-l", ":7", "--", NULL },
	  "nothing to serve" },
	{ "listen: no port",
	  { "forkd", "-l", "7000", "-b", "echo", NULL },
	  "--listen \"7000\": missing :PORT" },
	{ "listen: [::1 unclosed",
	  { "forkd", "-l", "[::1", "-b", "echo", NULL },
	  "--listen \"[::1\": unclosed [ in IPv6 address" },
	{ "listen: IPv6 without brackets",
	  { "forkd", "-l", "::1:7000", "-b", "echo", NULL },
	  "--listen \"::1:7000\": IPv6 addresses go in brackets" },
	{ "listen: empty port",
	  { "forkd", "-l", "host:", "-b", "echo", NULL },
	  "--listen \"host:\": missing port after :" },
	{ "listen: empty []",
	  { "forkd", "-l", "[]:7", "-b", "echo", NULL },
	  "--listen \"[]:7\": empty address in []" },
	{ "listen: the second one is bad",
	  { "forkd", "-l", ":7", "-l", "[::1]7", "-b", "echo", NULL },
	  "--listen \"[::1]7\": expected :PORT after ]" },
	{ "-C 0", { "forkd", "-C", "0", "-l", ":7", "-b", "echo", NULL },
	  "--per-ip: \"0\" is too small (1..65535)" },
	{ "--ipv4-prefix 33",
	  { "forkd", "--ipv4-prefix", "33", "-l", ":7", "-b", "echo", NULL },
	  "--ipv4-prefix: \"33\" is too large (0..32)" },
	{ "--ipv6-prefix 129",
	  { "forkd", "--ipv6-prefix=129", "-l", ":7", "-b", "echo", NULL },
	  "--ipv6-prefix: \"129\" is too large (0..128)" },
	{ "--ipv6-prefix -1",
	  { "forkd", "--ipv6-prefix=-1", "-l", ":7", "-b", "echo", NULL },
	  "--ipv6-prefix: \"-1\" is not a number" },
	{ "-R without /", { "forkd", "-R", "5", "-l", ":7", "-b", "echo",
	    NULL }, "--rate: \"5\" is not N/SECONDS" },
	{ "-R 0/1", { "forkd", "-R", "0/1", "-l", ":7", "-b", "echo",
	    NULL }, "--rate: \"0/1\" N is out of range (1..1000000)" },
	{ "--max-rate 1/0", { "forkd", "--max-rate", "1/0", "-l", ":7", "-b",
	    "echo", NULL },
	  "--max-rate: \"1/0\" SECONDS is out of range (1..86400)" },
	{ "-a ''", { "forkd", "-a", "", "-l", ":7", "-b", "echo", NULL },
	  "--access: empty file name" },
	{ "-t 0", { "forkd", "-t", "0", "-l", ":7", "-b", "echo", NULL },
	  "--timeout: \"0\" is too small (1..604800)" },
	{ "--kill-after 3601", { "forkd", "--kill-after", "3601", "-l", ":7",
	    "-b", "echo", NULL },
	  "--kill-after: \"3601\" is too large (0..3600)" },
	{ "--idle-timeout 0", { "forkd", "--idle-timeout", "0", "-l", ":7",
	    "-b", "echo", NULL },
	  "--idle-timeout: \"0\" is too small (1..86400)" },
	{ "--idle-timeout with a PROGRAM", { "forkd", "--idle-timeout", "5",
	    "-l", ":7", "cat", NULL },
	  "--idle-timeout applies to built-ins only: a PROGRAM's reads are "
	  "its own; use --timeout" },
	{ "--refuse-message with \\x", { "forkd", "--refuse-message",
	    "a\\xb", "-l", ":7", "-b", "echo", NULL },
	  "--refuse-message: \"\\x\" is not \\r, \\n, \\t or \\\\" },
	{ "--refuse-message ending in \\", { "forkd", "--refuse-message",
	    "ab\\", "-l", ":7", "-b", "echo", NULL },
	  "--refuse-message: \"\\\" is not \\r" },
	{ "--refuse-message over 512 bytes", { "forkd", "--refuse-message",
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "x", "-l", ":7", "-b", "echo", NULL },
	  "--refuse-message: over 512 bytes" },
};

/*
 * Proves the admission options fill the config: defaults (no limits,
 * /32 and /64 groups, kill after 5 s), every option short and long, and
 * --refuse-message's escapes decoded.
 */
static void
test_admission(void **state)
{
	static const char *const defaults[] = { "forkd", "-l", ":7", "-b",
	    "echo", NULL };
	static const char *const all[] = { "forkd", "-l", ":7", "-b", "echo",
	    "-C", "3", "--ipv4-prefix", "24", "--ipv6-prefix", "48", "-R",
	    "10/60", "--max-rate", "100/1", "-a", "rules", "-t", "30",
	    "--kill-after", "0", "--idle-timeout", "9", "--refuse-message",
	    "busy\\r\\n\\t\\\\.", NULL };
	static const char *const longs[] = { "forkd", "-l", ":7", "-b",
	    "echo", "--per-ip=65535", "--rate=1000000/86400", "--access=r",
	    "--timeout=604800", "--kill-after=3600", NULL };
	struct argv_buf a;
	struct config cfg;
	char err[512];

	(void)state;
	argv_fill(&a, defaults);
	assert_int_equal(options_parse(a.c, a.v, &cfg, err, sizeof(err)),
	    OPTIONS_RUN);
	assert_int_equal(cfg.per_ip, 0);
	assert_int_equal(cfg.v4prefix, 32);
	assert_int_equal(cfg.v6prefix, 64);
	assert_int_equal(cfg.rate.n, 0);
	assert_int_equal(cfg.max_rate.n, 0);
	assert_null(cfg.access);
	assert_int_equal(cfg.timeout, 0);
	assert_int_equal(cfg.kill_after, 5);
	assert_int_equal(cfg.idle_timeout, 0);
	assert_int_equal(cfg.refuse_len, 0);

	argv_fill(&a, all);
	assert_int_equal(options_parse(a.c, a.v, &cfg, err, sizeof(err)),
	    OPTIONS_RUN);
	assert_int_equal(cfg.per_ip, 3);
	assert_int_equal(cfg.v4prefix, 24);
	assert_int_equal(cfg.v6prefix, 48);
	assert_int_equal(cfg.rate.n, 10);
	assert_int_equal(cfg.rate.secs, 60);
	assert_int_equal(cfg.max_rate.n, 100);
	assert_int_equal(cfg.max_rate.secs, 1);
	assert_string_equal(cfg.access, "rules");
	assert_int_equal(cfg.timeout, 30);
	assert_int_equal(cfg.kill_after, 0);
	assert_int_equal(cfg.idle_timeout, 9);
	assert_int_equal(cfg.refuse_len, 9);
	assert_memory_equal(cfg.refuse_msg, "busy\r\n\t\\.", 9);

	argv_fill(&a, longs);
	assert_int_equal(options_parse(a.c, a.v, &cfg, err, sizeof(err)),
	    OPTIONS_RUN);
	assert_int_equal(cfg.per_ip, 65535);
	assert_int_equal(cfg.rate.n, 1000000);
	assert_int_equal(cfg.rate.secs, 86400);
	assert_string_equal(cfg.access, "r");
	assert_int_equal(cfg.timeout, 604800);
	assert_int_equal(cfg.kill_after, 3600);
}

/* Proves each bad command line is refused with a message naming why. */
static void
test_bad(void **state)
{
	struct argv_buf a;
	struct config cfg;
	char err[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const struct bad_case *t = &bad[i];
		enum options_result r;

		argv_fill(&a, t->argv);
		err[0] = '\0';
		r = options_parse(a.c, a.v, &cfg, err, sizeof(err));
		CHECK_INT(t->name, r, OPTIONS_ERROR);
		CHECK_SUBSTR(t->name, err, t->msg);
	}
}

/*
 * Proves an unknown short option is named even when it is not the last
 * letter of its cluster and the word before it is a long option: in
 * "--verbose -xv" getopt has not moved past "-xv" yet, so argv[optind - 1]
 * is "--verbose", and the message must still say -x, not --verbose.
 */
static void
test_unknown_short_after_long(void **state)
{
	static const struct bad_case t[] = {
		{ "-xv after --verbose",
		  { "forkd", "--verbose", "-xv", "-l", ":7", "-b", "echo",
		    NULL }, "unknown option -x" },
		{ "-qd after --listen=:7",
		  { "forkd", "--listen=:7", "-qd", "-b", "echo", NULL },
		  "unknown option -q" },
	};
	struct argv_buf a;
	struct config cfg;
	char err[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		argv_fill(&a, t[i].argv);
		CHECK_INT(t[i].name, options_parse(a.c, a.v, &cfg, err,
		    sizeof(err)), OPTIONS_ERROR);
		CHECK_STR(t[i].name, err, t[i].msg);
	}
}

/* Proves -h/--help and -V/--version stop parsing with their own result. */
static void
test_help_version(void **state)
{
	static const struct {
		const char		*name;
		const char		*argv[8];
		enum options_result	 want;
	} t[] = {
		{ "-h", { "forkd", "-h", NULL }, OPTIONS_HELP },
		{ "--help", { "forkd", "--help", NULL }, OPTIONS_HELP },
		{ "-V", { "forkd", "-V", NULL }, OPTIONS_VERSION },
		{ "--version", { "forkd", "--version", NULL },
		    OPTIONS_VERSION },
		{ "-h before a bad value", { "forkd", "-h", "-c", "0", NULL },
		    OPTIONS_HELP },
		{ "-V after good options",
		    { "forkd", "-l", ":7", "-V", NULL }, OPTIONS_VERSION },
		{ "bad value before -h", { "forkd", "-c", "0", "-h", NULL },
		    OPTIONS_ERROR },
		{ "-h as PROGRAM's option",
		    { "forkd", "-l", ":7", "cat", "-h", NULL }, OPTIONS_RUN },
	};
	struct argv_buf a;
	struct config cfg;
	char err[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		argv_fill(&a, t[i].argv);
		CHECK_INT(t[i].name, options_parse(a.c, a.v, &cfg, err,
		    sizeof(err)), t[i].want);
	}
}

/*
 * Proves options_parse() can be called again and again: getopt is reset
 * (even after stopping in the middle of "-xvd") and cfg starts afresh.
 */
static void
test_repeated_calls(void **state)
{
	static const char *const stop_mid[] = { "forkd", "-xvd", NULL };
	static const char *const full[] = { "forkd", "-d", "-v", "-c", "9",
	    "-l", ":1", "-b", "echo", NULL };
	static const char *const plain[] = { "forkd", "-l", ":2", "-b",
	    "upper", NULL };
	struct argv_buf a;
	struct config cfg;
	char err[512];
	int round;

	(void)state;
	for (round = 0; round < 3; round++) {
		argv_fill(&a, stop_mid);
		assert_int_equal(options_parse(a.c, a.v, &cfg, err,
		    sizeof(err)), OPTIONS_ERROR);
		assert_string_equal(err, "unknown option -x");

		argv_fill(&a, full);
		assert_int_equal(options_parse(a.c, a.v, &cfg, err,
		    sizeof(err)), OPTIONS_RUN);
		assert_int_equal(cfg.daemonize, 1);
		assert_int_equal(cfg.verbose, 1);
		assert_int_equal(cfg.max_children, 9);

		/* "-vd" left over from the first call must not leak in */
		argv_fill(&a, plain);
		assert_int_equal(options_parse(a.c, a.v, &cfg, err,
		    sizeof(err)), OPTIONS_RUN);
		assert_string_equal(err, "");
		assert_int_equal(cfg.daemonize, 0);
		assert_int_equal(cfg.verbose, 0);
		assert_int_equal(cfg.max_children, 100);
		assert_int_equal(cfg.nlisten, 1);
		assert_string_equal(cfg.listen[0], ":2");
		assert_string_equal(cfg.builtin, "upper");
	}
}

/* Proves a short error buffer is truncated, NUL-terminated, not overrun. */
static void
test_short_err_buffer(void **state)
{
	static const char *const args[] = { "forkd", "-L", "foo", NULL };
	struct argv_buf a;
	struct config cfg;
	char err[12];

	(void)state;
	memset(err, 'Z', sizeof(err));
	argv_fill(&a, args);
	assert_int_equal(options_parse(a.c, a.v, &cfg, err, 8),
	    OPTIONS_ERROR);
	assert_string_equal(err, "--log: ");
	assert_int_equal(err[8], 'Z');
}

/*
 * Proves a 2,000-character value is cut in the message (its first 64
 * characters and "..."), so the reason after it always fits: the message
 * ends with the reason, not in the middle of the value.
 */
static void
test_long_values(void **state)
{
	static const struct {
		const char	*name;
		const char	*argv[10];	/* "@": the long argument */
		const char	*prefix;	/* of the long argument */
		int		 fill;		/* its 2,000 characters */
		const char	*suffix;
		const char	*msg_start;	/* before the cut argument */
		const char	*reason;	/* the message's end */
	} t[] = {
		{ "-L", { "forkd", "-L", "@", "-l", ":7", "cat", NULL },
		    "", 'x', "", "--log: \"",
		    "...\" is neither syslog nor stderr" },
		{ "-b", { "forkd", "-b", "@", "-l", ":7", NULL },
		    "", 'x', "", "unknown builtin \"", "...\" (echo, upper, "
		    "discard, daytime, chargen, hello)" },
		{ "-b twice", { "forkd", "-b", "echo", "-b", "@", "-l", ":7",
		    NULL }, "", 'x', "", "--builtin given twice (\"echo\" "
		    "and \"", "...\")" },
		{ "-c", { "forkd", "-c", "@", "-l", ":7", "cat", NULL },
		    "", 'x', "", "--max-children: \"",
		    "...\" is not a number" },
		{ "-c digits", { "forkd", "-c", "@", "-l", ":7", "cat", NULL },
		    "", '9', "", "--max-children: \"",
		    "...\" is too large (1..65535)" },
		{ "--child-stderr", { "forkd", "--child-stderr", "@", "-l",
		    ":7", "cat", NULL }, "", 'x', "", "--child-stderr: \"",
		    "...\" is not inherit, null or socket" },
		{ "-l host", { "forkd", "-l", "@", "cat", NULL },
		    "", 'x', ":7", "--listen \"", "...\": host too long" },
		{ "-l port", { "forkd", "-l", "@", "cat", NULL },
		    ":", '9', "", "--listen \"", "...\": port too long" },
		{ "unknown long option", { "forkd", "@", "-l", ":7", "cat",
		    NULL }, "--", 'x', "", "unknown option ", "..." },
		{ "unknown long option with =", { "forkd", "@", "-l", ":7",
		    "cat", NULL }, "--", 'x', "=1", "unknown option ", "..." },
	};
	char arg[2100], err[512], want[512];
	struct argv_buf a;
	struct config cfg;
	size_t i, k, len;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		/* arg: the prefix, 2,000 times the fill, the suffix */
		len = strlen(t[i].prefix);
		memcpy(arg, t[i].prefix, len);
		memset(arg + len, t[i].fill, 2000);
		snprintf(arg + len + 2000, sizeof(arg) - len - 2000, "%s",
		    t[i].suffix);
		argv_fill(&a, t[i].argv);
		for (k = 0; k < (size_t)a.c; k++)
			if (strcmp(a.v[k], "@") == 0)
				a.v[k] = arg;
		err[0] = '\0';
		CHECK_INT(t[i].name, options_parse(a.c, a.v, &cfg, err,
		    sizeof(err)), OPTIONS_ERROR);
		snprintf(want, sizeof(want), "%s%.*s", t[i].msg_start,
		    FORKD_CUT_MAX, arg);
		if (strncmp(err, want, strlen(want)) != 0)
			fail_msg("%s: \"%s\" does not start with \"%s\"",
			    t[i].name, err, want);
		/* and right after the cut value, the whole reason, the end */
		if (strcmp(err + strlen(want), t[i].reason) != 0)
			fail_msg("%s: \"%s\" is not \"%s\" + \"%s\"",
			    t[i].name, err, want, t[i].reason);
	}
}

/* Proves --help names every option and every built-in. */
static void
test_usage(void **state)
{
	static const char *const words[] = { "--listen", "--builtin",
	    "--max-children", "--backlog", "--grace", "--pidfile", "--daemon",
	    "--log", "--child-stderr inherit|null|socket",
	    "inherit (forkd's stderr, the default),",
	    "null, or socket (the connection)",
	    "--verbose", "--help", "--version", "-l,", "-b,", "-c,",
	    "-B,", "-g,", "-p,", "-d,", "-L,", "-v,", "-h,", "-V,",
	    "echo, upper, discard, daytime, chargen, hello", "default 100",
	    "default 10" };
	char buf[8192];
	FILE *fp;
	size_t i, n;

	(void)state;
	fp = fmemopen(buf, sizeof(buf) - 1, "w");
	assert_non_null(fp);
	options_usage(fp);
	n = (size_t)ftell(fp);
	fclose(fp);
	buf[n] = '\0';
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		CHECK_SUBSTR("usage", buf, words[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_admission),
		cmocka_unit_test(test_unknown_short_after_long),
		cmocka_unit_test(test_help_version),
		cmocka_unit_test(test_repeated_calls),
		cmocka_unit_test(test_short_err_buffer),
		cmocka_unit_test(test_long_values),
		cmocka_unit_test(test_usage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
