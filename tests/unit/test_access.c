/*
 * access.c: tables of good and bad rule files, matching at every prefix
 * edge and in both orders, loading real files, a cross-check of the
 * tries against a linear first-match reference, and a benchmark line.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "forkd.h"
#include "access.h"
#include "check.h"

/* A hang fails the run instead of stalling it. */
static int
setup(void **state)
{
	(void)state;
	alarm(120);
	return 0;
}

static char err[1024];

/* Rules parsed from text, named "rules"; fails the test (what) on error. */
static struct access_rules *
parse_ok(const char *what, const char *text)
{
	struct access_rules *r;

	r = access_parse("rules", text, strlen(text), err, sizeof(err));
	if (r == NULL)
		fail_msg("%s: parse failed: %s", what, err);
	return r;
}

/* A client address of either family. */
union addr {
	struct sockaddr		sa;
	struct sockaddr_in	sin;
	struct sockaddr_in6	sin6;
};

/* ip (an IPv4 or IPv6 literal) as a socket address. */
static void
addr_of(const char *ip, union addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, ip, &a->sin.sin_addr) == 1) {
		a->sin.sin_family = AF_INET;
		return;
	}
	if (inet_pton(AF_INET6, ip, &a->sin6.sin6_addr) != 1)
		fail_msg("bad address in the test: %s", ip);
	a->sin6.sin6_family = AF_INET6;
}

/* The rule client ip matches, or NULL. */
static const struct access_rule *
match_ip(const struct access_rules *r, const char *ip)
{
	union addr a;

	addr_of(ip, &a);
	return access_match(r, &a.sa);
}

/* The line of the rule client ip matches, 0 when none does. */
static unsigned
line_of(const struct access_rules *r, const char *ip)
{
	const struct access_rule *m = match_ip(r, ip);

	return m == NULL ? 0 : m->line;
}

/* A client and the line of the rule it must match (0: none). */
struct probe {
	const char	*ip;
	unsigned	 line;
};

/* Parse text and check every probe (ending with a NULL ip) against it. */
static void
probe_all(const char *what, const char *text, const struct probe *pr)
{
	struct access_rules *r = parse_ok(what, text);
	char name[256];

	for (; pr->ip != NULL; pr++) {
		snprintf(name, sizeof(name), "%s, client %s", what, pr->ip);
		CHECK_INT(name, line_of(r, pr->ip), pr->line);
	}
	access_free(r);
}

#define PROBES(...)	((const struct probe[]){ __VA_ARGS__, { NULL, 0 } })

/* What a good file must give: a count, and one client's rule. */
struct good_case {
	const char	*name;
	const char	*text;
	size_t		 count;
	const char	*client;
	unsigned	 line;		/* of client's rule, 0: none */
	int		 allow;
	const char	*env[6];	/* that rule's words, NULL-ended */
};

static const struct good_case good[] = {
	{ "empty file", "", 0, "10.0.0.1", 0, 0, { NULL } },
	{ "comments and blank lines only",
	  "# a comment\n\n   \n\t\n\t# indented comment\n#\n", 0,
	  "::1", 0, 0, { NULL } },
	{ "the example of the manual",
	  "# comment\n"
	  "allow 192.0.2.0/24\n"
	  "allow 10.0.0.0/8 RELAYCLIENT= GREETING=\"hello world\""
	  "   # trailing comment\n"
	  "deny 2001:db8::/32\n"
	  "allow ::1\n"
	  "deny all\n", 5,
	  "10.9.8.7", 3, 1, { "RELAYCLIENT=", "GREETING=hello world" } },
	{ "the example, its last rule",
	  "allow 192.0.2.0/24\nallow ::1\ndeny all\n", 3,
	  "2001:db8::1", 3, 0, { NULL } },
	{ "tabs around and between words",
	  "\tallow\t10.0.0.0/8\t X=1\t \n", 1,
	  "10.0.0.1", 1, 1, { "X=1" } },
	{ "no newline at the end", "deny 10.0.0.1", 1,
	  "10.0.0.1", 1, 0, { NULL } },
	{ "CRLF line ends",
	  "# c\r\n\r\nallow 10.0.0.0/8 X=1\r\ndeny all\r\n", 2,
	  "10.0.0.1", 3, 1, { "X=1" } },
	{ "CRLF: a last line with CR only", "allow all X=y\r", 1,
	  "10.0.0.1", 1, 1, { "X=y" } },
	{ "quotes: blanks, '#', escapes",
	  "allow all A=\"x # y\" B=\"say \\\"hi\\\"\" C=\"back\\\\slash\" "
	  "D=\"\ttab\"\n", 1,
	  "::2", 1, 1, { "A=x # y", "B=say \"hi\"", "C=back\\slash",
	  "D=\ttab" } },
	{ "empty values, bare and quoted", "allow all E= F=\"\"", 1,
	  "10.0.0.1", 1, 1, { "E=", "F=" } },
	{ "'#' inside an unquoted value", "allow all X=a#b #c\n", 1,
	  "10.0.0.1", 1, 1, { "X=a#b" } },
	{ "'=' inside a value", "allow all X=a=b Y=\"=\"", 1,
	  "10.0.0.1", 1, 1, { "X=a=b", "Y==" } },
	{ "a comment glued to nothing", "deny 10.0.0.0/8 #\n", 1,
	  "10.1.1.1", 1, 0, { NULL } },
	{ "names: _, digits, lower case",
	  "allow all _X1=1 lower=2 proto=3 PROTOX=4", 1,
	  "10.0.0.1", 1, 1, { "_X1=1", "lower=2", "proto=3", "PROTOX=4" } },
	{ "UTF-8 in a value", "allow all G=\"h\xc3\xa9llo\"", 1,
	  "10.0.0.1", 1, 1, { "G=h\xc3\xa9llo" } },
	{ "a UTF-8 byte order mark first", "\xef\xbb\xbf" "deny all\n", 1,
	  "10.0.0.1", 1, 0, { NULL } },
	{ "lines counted across blanks", "\n\n# x\n\nallow 10.0.0.0/8\n", 1,
	  "10.0.0.1", 5, 1, { NULL } },
	{ "a v4-mapped rule", "allow ::ffff:10.0.0.0/104\n", 1,
	  "10.1.2.3", 1, 1, { NULL } },
	{ "IPv6 in upper case, leading zero prefix length",
	  "deny 2001:DB8::/032\n", 1, "2001:db8:1::", 1, 0, { NULL } },
	{ "no rule matches", "allow 10.0.0.0/8\ndeny ::1\n", 2,
	  "192.0.2.1", 0, 0, { NULL } },
};

/*
 * Proves each good file parses, with its rule count, and that the client
 * probed gets the right rule with its NAME=value words as written.
 */
static void
test_good_files(void **state)
{
	const struct good_case *g;
	const struct access_rule *m;
	struct access_rules *r;
	size_t i, n;

	(void)state;
	for (g = good; g < good + sizeof(good) / sizeof(good[0]); g++) {
		r = parse_ok(g->name, g->text);
		CHECK_INT(g->name, access_count(r), g->count);
		CHECK_STR(g->name, access_name(r), "rules");
		m = match_ip(r, g->client);
		CHECK_INT(g->name, m == NULL ? 0 : m->line, g->line);
		if (m == NULL) {
			access_free(r);
			continue;
		}
		CHECK_INT(g->name, m->allow, g->allow);
		for (n = 0; g->env[n] != NULL; n++)
			;
		CHECK_INT(g->name, m->nenv, n);
		for (i = 0; i < n; i++)
			CHECK_STR(g->name, m->env[i], g->env[i]);
		if (n == 0)
			assert_null(m->env);
		access_free(r);
	}
}

/* A bad file: where its first error is, and why. */
struct bad_case {
	const char	*name;
	const char	*text;
	const char	*where;		/* err starts with this */
	const char	*why;		/* and contains this */
};

static const struct bad_case bad[] = {
	{ "misspelt action", "allow all\n\n#\n\n\n\nalow 10.0.0.0/8\n",
	  "rules:7: ", "unknown action \"alow\" (allow or deny)" },
	{ "action in capitals", "Allow all", "rules:1: ",
	  "unknown action \"Allow\"" },
	{ "a NAME=value first", "X=1 allow all", "rules:1: ",
	  "unknown action \"X=1\"" },
	{ "allow alone", "\nallow\n", "rules:2: ", "allow needs an address" },
	{ "deny and a comment", "deny # all", "rules:1: ",
	  "deny needs an address" },
	{ "IPv4 prefix over 32", "\n\nallow 10.0.0.0/33", "rules:3: ",
	  "\"10.0.0.0/33\": prefix length is over 32" },
	{ "IPv6 prefix over 128", "deny ::/129", "rules:1: ",
	  "\"::/129\": prefix length is over 128" },
	{ "mapped prefix over 128", "deny ::ffff:1.2.3.4/200", "rules:1: ",
	  "prefix length is over 128" },
	{ "a huge prefix length", "deny 10.0.0.0/999999999999999999999999",
	  "rules:1: ", "prefix length is over 32" },
	{ "three octets", "deny 1.2.3", "rules:1: ",
	  "\"1.2.3\": not an IPv4 or IPv6 address" },
	{ "five octets", "deny 1.2.3.4.5", "rules:1: ",
	  "not an IPv4 or IPv6 address" },
	{ "an octet over 255", "deny 256.1.1.1/8", "rules:1: ",
	  "\"256.1.1.1/8\": not an IPv4 or IPv6 address" },
	{ "nine IPv6 groups", "deny 1:2:3:4:5:6:7:8:9", "rules:1: ",
	  "not an IPv4 or IPv6 address" },
	{ "a host name", "deny localhost", "rules:1: ",
	  "\"localhost\": not an IPv4 or IPv6 address" },
	{ "address and port", "deny 10.0.0.1:25", "rules:1: ",
	  "not an IPv4 or IPv6 address" },
	{ "a list of addresses", "deny 10.0.0.1,10.0.0.2", "rules:1: ",
	  "not an IPv4 or IPv6 address" },
	{ "a quoted address", "deny \"10.0.0.1\"", "rules:1: ",
	  "not an IPv4 or IPv6 address" },
	{ "nothing after the slash", "deny 10.0.0.0/", "rules:1: ",
	  "\"10.0.0.0/\": no prefix length after \"/\"" },
	{ "a word for the length", "deny 10.0.0.0/x", "rules:1: ",
	  "prefix length \"x\" is not a number" },
	{ "a netmask for the length", "deny 10.0.0.0/255.0.0.0", "rules:1: ",
	  "prefix length \"255.0.0.0\" is not a number" },
	{ "a signed length", "deny 10.0.0.0/+8", "rules:1: ",
	  "prefix length \"+8\" is not a number" },
	{ "two slashes", "deny 10.0.0.0/8/8", "rules:1: ",
	  "prefix length \"8/8\" is not a number" },
	{ "all with a length", "deny all/8", "rules:1: ",
	  "\"all/8\": all takes no prefix length" },
	{ "IPv4 host bits", "allow 192.0.2.1/24", "rules:1: ",
	  "\"192.0.2.1/24\": host bits set; did you mean 192.0.2.0/24?" },
	{ "IPv4 host bits at /0", "allow 10.0.0.0/0", "rules:1: ",
	  "did you mean 0.0.0.0/0?" },
	{ "IPv4 host bits at /31", "allow 10.0.0.3/31", "rules:1: ",
	  "did you mean 10.0.0.2/31?" },
	{ "IPv6 host bits", "deny 2001:db8::1/32", "rules:1: ",
	  "\"2001:db8::1/32\": host bits set; did you mean 2001:db8::/32?" },
	{ "IPv6 host bits at /127", "deny 2001:db8::3/127", "rules:1: ",
	  "did you mean 2001:db8::2/127?" },
	{ "mapped host bits", "deny ::ffff:192.0.2.1/120", "rules:1: ",
	  "did you mean ::ffff:192.0.2.0/120?" },
	{ "a mapped prefix under 96", "deny ::ffff:10.0.0.0/95", "rules:1: ",
	  "\"::ffff:10.0.0.0/95\": a v4-mapped prefix needs a length of "
	  "96..128" },
	{ "brackets", "deny [::1]", "rules:1: ",
	  "\"[::1]\": write an IPv6 address without brackets" },
	{ "a zone", "deny fe80::1%eth0", "rules:1: ",
	  "\"fe80::1%eth0\": an access rule takes no %zone" },
	{ "NAME=value after deny", "allow all\n\n\n\ndeny 10.0.0.0/8 X=1",
	  "rules:5: ", "\"X=1\" after deny: deny takes no NAME=value" },
	{ "a stray word", "\n\nallow all foo", "rules:3: ",
	  "\"foo\": not NAME=value" },
	{ "a stray word after deny", "deny all foo", "rules:1: ",
	  "\"foo\": not NAME=value" },
	{ "a second address", "allow 10.0.0.0/8 10.0.0.1", "rules:1: ",
	  "\"10.0.0.1\": not NAME=value (one address a rule)" },
	{ "a second all", "allow all all", "rules:1: ",
	  "(one address a rule)" },
	{ "blanks around '='", "allow all X = 1", "rules:1: ",
	  "\"X\": not NAME=value" },
	{ "no name", "allow all =x", "rules:1: ",
	  "\"=x\": no NAME before \"=\"" },
	{ "a name starting with a digit", "allow all 1X=y", "rules:1: ",
	  "bad name \"1X\"" },
	{ "a dash in the name", "allow all A-B=1", "rules:1: ",
	  "bad name \"A-B\"" },
	{ "a quoted word", "allow all \"X=1\"", "rules:1: ",
	  "bad name \"\"X\"" },
	{ "a name forkd sets", "allow all PROTO=x", "rules:1: ",
	  "PROTO is set by forkd" },
	{ "a name twice", "allow all X=1 Y=2 X=2", "rules:1: ",
	  "X given twice" },
	{ "a name twice, quoted", "allow all X=\"1\" X=\"\"", "rules:1: ",
	  "X given twice" },
	{ "unterminated quote",
	  "\n\n\n\n\n\n\n\nallow all GREETING=\"hello", "rules:9: ",
	  "unterminated quote in the value of GREETING" },
	{ "unterminated quote after a backslash", "allow all G=\"abc\\",
	  "rules:1: ", "unterminated quote" },
	{ "an escaped closing quote", "allow all G=\"abc\\\"", "rules:1: ",
	  "unterminated quote" },
	{ "an unknown escape", "allow all G=\"a\\nb\"", "rules:1: ",
	  "\"\\n\" in the value of G: the only escapes are \\\" and \\\\" },
	{ "text after the closing quote", "allow all G=\"a\"b", "rules:1: ",
	  "text after the closing quote of G's value" },
	{ "a comment glued to the closing quote", "allow all G=\"a\"#c",
	  "rules:1: ", "text after the closing quote of G's value" },
	{ "a quote inside an unquoted value", "allow all G=a\"b\"",
	  "rules:1: ", "\"G=a\"b\"\": a quote inside a value; quote all of "
	  "it: G=\"...\"" },
	{ "a control character", "allow all X=\x1b[0m", "rules:1: ",
	  "control character 0x1b" },
	{ "DEL", "allow all X=\x7f", "rules:1: ", "control character 0x7f" },
	{ "a lone carriage return", "allow all\rdeny all\n", "rules:1: ",
	  "a carriage return inside the line" },
	{ "a vertical tab", "allow\vall", "rules:1: ",
	  "control character 0x0b" },
	{ "the first error is the one", "deny all\nalow x\nallow 1.2.3\n",
	  "rules:2: ", "unknown action \"alow\"" },
};

/*
 * Proves every kind of bad line is refused with a message naming the
 * file and line, and saying what is wrong, and errno EINVAL.
 */
static void
test_bad_lines(void **state)
{
	const struct bad_case *b;
	struct access_rules *r;

	(void)state;
	for (b = bad; b < bad + sizeof(bad) / sizeof(bad[0]); b++) {
		errno = 0;
		r = access_parse("rules", b->text, strlen(b->text), err,
		    sizeof(err));
		if (r != NULL)
			fail_msg("%s: parsed, want \"%s\"", b->name, b->why);
		CHECK_INT(b->name, errno, EINVAL);
		if (strncmp(err, b->where, strlen(b->where)) != 0)
			fail_msg("%s: err is \"%s\", want it to start with "
			    "\"%s\"", b->name, err, b->where);
		CHECK_SUBSTR(b->name, err, b->why);
	}
}

/* Proves a NUL byte is refused (the text is given with its length). */
static void
test_nul_byte(void **state)
{
	static const char text[] = "allow all\ndeny \0 all\n";

	(void)state;
	assert_null(access_parse("f", text, sizeof(text) - 1, err,
	    sizeof(err)));
	CHECK_SUBSTR("NUL", err, "f:2: a NUL byte");
}

/*
 * Proves access_parse reads only len bytes: text need not end in a NUL,
 * and what lies beyond len is not looked at.
 */
static void
test_length_bound(void **state)
{
	struct access_rules *r;

	(void)state;
	r = access_parse("r", "allow all\nalow", 10, err, sizeof(err));
	assert_non_null(r);
	assert_int_equal(access_count(r), 1);
	access_free(r);
	assert_null(access_parse("r", "deny 10.0.0.1", 8, err, sizeof(err)));
	CHECK_SUBSTR("cut", err, "r:1: \"10.\": not an IPv4");
	r = access_parse("r", "deny all", 0, err, sizeof(err));
	assert_non_null(r);
	assert_int_equal(access_count(r), 0);
	access_free(r);
}

/*
 * Proves a line may have 4096 bytes, not counting "\n" or "\r\n", and
 * that one more is refused, naming the line.
 */
static void
test_line_length(void **state)
{
	static char text[2 * 4100];
	struct access_rules *r;
	const struct access_rule *m;

	(void)state;
	memcpy(text, "allow all X=", 12);
	memset(text + 12, 'v', 4096 - 12);
	memcpy(text + 4096, "\r\n", 3);
	r = parse_ok("4096 bytes", text);
	m = match_ip(r, "10.0.0.1");
	assert_non_null(m);
	assert_int_equal(strlen(m->env[0]), 4096 - 10);
	access_free(r);

	memcpy(text + 4096, "v\n", 3);
	assert_null(access_parse("r", text, strlen(text), err, sizeof(err)));
	CHECK_SUBSTR("4097", err, "r:1: line too long (over 4096 bytes)");

	memcpy(text, "deny all\n", 9);
	memset(text + 9, 'x', 4097);
	text[9 + 4097] = '\0';
	assert_null(access_parse("r", text, strlen(text), err, sizeof(err)));
	CHECK_SUBSTR("second line", err, "r:2: line too long");
}

/* Proves 32 NAME=value words are taken, and a 33rd refused. */
static void
test_env_limit(void **state)
{
	char text[1024];
	struct access_rules *r;
	const struct access_rule *m;
	size_t len;
	int i;

	(void)state;
	len = (size_t)snprintf(text, sizeof(text), "allow all");
	for (i = 0; i < ACCESS_MAX_ENV; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		    " V%d=%d", i, i);
	r = parse_ok("32 words", text);
	m = match_ip(r, "::1");
	assert_non_null(m);
	assert_int_equal(m->nenv, ACCESS_MAX_ENV);
	assert_string_equal(m->env[0], "V0=0");
	assert_string_equal(m->env[31], "V31=31");
	access_free(r);

	snprintf(text + len, sizeof(text) - len, " V32=32");
	assert_null(access_parse("r", text, strlen(text), err, sizeof(err)));
	CHECK_SUBSTR("33 words", err, "r:1: more than 32 NAME=value words");
}

/* Proves every name forkd sets or drops is refused, case and all. */
static void
test_reserved_names(void **state)
{
	static const char *const names[] = {
		"PROTO", "TCPLOCALIP", "TCPLOCALPORT", "TCPREMOTEIP",
		"TCPREMOTEPORT", "TCPLOCALHOST", "TCPREMOTEHOST",
		"TCPREMOTEINFO", "REMOTE_ADDR", "REMOTE_PORT", "TCPCONNNUM",
		"PROXYIP", "PROXYPORT", "LISTEN_FDS", "LISTEN_PID",
		"LISTEN_FDNAMES", "NOTIFY_SOCKET",
	};
	char text[128], want[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(text, sizeof(text), "allow all A=1 %s=\"x\"",
		    names[i]);
		snprintf(want, sizeof(want), "r:1: %s is set by forkd",
		    names[i]);
		assert_null(access_parse("r", text, strlen(text), err,
		    sizeof(err)));
		CHECK_SUBSTR(names[i], err, want);
	}
}

/* Proves a long word is quoted cut to 64 characters, the reason kept. */
static void
test_long_word(void **state)
{
	char text[256], want[128];

	(void)state;
	snprintf(text, sizeof(text), "deny %0100d", 0);
	assert_null(access_parse("r", text, strlen(text), err, sizeof(err)));
	snprintf(want, sizeof(want), "r:1: \"%064d...\": not an IPv4", 0);
	CHECK_SUBSTR("long", err, want);
	assert_int_equal(count_substr(err, "0"), 64);
}

/*
 * Proves rule number 1,000,000 is taken and 1,000,001 refused, naming
 * its line.
 */
static void
test_too_many_rules(void **state)
{
	const size_t n = 1000001, w = sizeof("deny all\n") - 1;
	struct access_rules *r;
	char *text;
	size_t i;

	(void)state;
	text = malloc(n * w);
	assert_non_null(text);
	for (i = 0; i < n; i++)
		memcpy(text + i * w, "deny all\n", w);
	r = access_parse("r", text, (n - 1) * w, err, sizeof(err));
	assert_non_null(r);
	assert_int_equal(access_count(r), n - 1);
	assert_int_equal(line_of(r, "10.0.0.1"), 1);
	access_free(r);
	assert_null(access_parse("r", text, n * w, err, sizeof(err)));
	CHECK_SUBSTR("1000001", err, "r:1000001: more than 1000000 rules");
	free(text);
}

/* Proves IPv4 rules match their prefix and nothing else. */
static void
test_match_v4(void **state)
{
	(void)state;
	probe_all("v4",
	    "allow 192.0.2.0/24\n"
	    "deny 198.51.100.7\n"
	    "allow 10.0.0.0/8\n"
	    "deny 10.1.0.0/16\n",
	    PROBES({ "192.0.2.0", 1 }, { "192.0.2.255", 1 },
	    { "192.0.1.255", 0 }, { "192.0.3.0", 0 },
	    { "198.51.100.7", 2 }, { "198.51.100.6", 0 },
	    { "198.51.100.8", 0 }, { "10.0.0.0", 3 },
	    { "10.1.2.3", 3 }, { "10.255.255.255", 3 },
	    { "11.0.0.0", 0 }, { "9.255.255.255", 0 },
	    { "::1", 0 }, { "2001:db8::", 0 }));
}

/* Proves IPv6 rules match their prefix and nothing else. */
static void
test_match_v6(void **state)
{
	(void)state;
	probe_all("v6",
	    "deny 2001:db8::/32\n"
	    "allow ::1\n"
	    "allow 2001:db9:1::/48\n"
	    "deny fe80::/10\n",
	    PROBES({ "2001:db8::", 1 }, { "2001:db8:ffff:ffff::1", 1 },
	    { "2001:db7:ffff::", 0 }, { "::1", 2 }, { "::2", 0 },
	    { "::", 0 }, { "2001:db9:1:ffff::", 3 },
	    { "2001:db9:2::", 0 }, { "fe80::1", 4 },
	    { "febf:ffff::", 4 }, { "fec0::", 0 },
	    { "10.0.0.1", 0 }, { "127.0.0.1", 0 }));
}

/*
 * Proves v4-mapped clients meet IPv4 rules, mapped rules are IPv4 rules
 * (::ffff:0.0.0.0/96 is every IPv4 client), and that IPv6 rules, even
 * ::/0 and ::/80, match neither IPv4 nor mapped clients.
 */
static void
test_match_mapped(void **state)
{
	(void)state;
	probe_all("mapped client, IPv4 rule",
	    "allow 10.0.0.0/8\ndeny 192.0.2.1\n",
	    PROBES({ "::ffff:10.1.2.3", 1 }, { "::ffff:192.0.2.1", 2 },
	    { "::ffff:192.0.2.2", 0 }, { "::ffff:11.0.0.0", 0 }));
	probe_all("mapped rule",
	    "allow ::ffff:10.0.0.0/104\ndeny ::ffff:192.0.2.1\n"
	    "allow ::ffff:0.0.0.0/96\n",
	    PROBES({ "10.1.2.3", 1 }, { "::ffff:10.1.2.3", 1 },
	    { "192.0.2.1", 2 }, { "::ffff:192.0.2.1", 2 },
	    { "1.2.3.4", 3 }, { "::ffff:255.255.255.255", 3 },
	    { "::1", 0 }, { "::", 0 }, { "::ffff:0:0:0", 0 }));
	probe_all("IPv6 rules keep out of IPv4",
	    "deny ::/80\nallow ::/0\n",
	    PROBES({ "10.0.0.1", 0 }, { "::ffff:10.0.0.1", 0 },
	    { "0.0.0.0", 0 }, { "::1", 1 }, { "1::", 2 }));
	probe_all("0.0.0.0/0 is IPv4 only",
	    "allow 0.0.0.0/0\n",
	    PROBES({ "10.0.0.1", 1 }, { "::ffff:10.0.0.1", 1 },
	    { "::1", 0 }, { "::a00:1", 0 }));
}

/* Proves the IPv4 edges: /0, /1, /31 and /32, each on its own. */
static void
test_edges_v4(void **state)
{
	(void)state;
	probe_all("/0", "allow 0.0.0.0/0",
	    PROBES({ "0.0.0.0", 1 }, { "255.255.255.255", 1 },
	    { "::", 0 }));
	probe_all("/1", "allow 128.0.0.0/1",
	    PROBES({ "128.0.0.0", 1 }, { "255.255.255.255", 1 },
	    { "127.255.255.255", 0 }, { "0.0.0.0", 0 }));
	probe_all("/1 low", "allow 0.0.0.0/1",
	    PROBES({ "0.0.0.0", 1 }, { "127.255.255.255", 1 },
	    { "128.0.0.0", 0 }));
	probe_all("/31", "allow 10.0.0.2/31",
	    PROBES({ "10.0.0.2", 1 }, { "10.0.0.3", 1 },
	    { "10.0.0.1", 0 }, { "10.0.0.4", 0 }));
	probe_all("/32", "allow 10.0.0.5/32",
	    PROBES({ "10.0.0.5", 1 }, { "10.0.0.4", 0 },
	    { "10.0.0.6", 0 }, { "138.0.0.5", 0 }));
	probe_all("/32 at the top", "allow 255.255.255.255",
	    PROBES({ "255.255.255.255", 1 }, { "255.255.255.254", 0 }));
}

/* Proves the IPv6 edges: /0, /63, /64, /127 and /128, each on its own. */
static void
test_edges_v6(void **state)
{
	(void)state;
	probe_all("/0", "allow ::/0",
	    PROBES({ "::", 1 }, { "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	    1 }, { "0.0.0.0", 0 }));
	probe_all("/63", "allow 2001:db8:0:2::/63",
	    PROBES({ "2001:db8:0:2::", 1 },
	    { "2001:db8:0:3:ffff:ffff:ffff:ffff", 1 },
	    { "2001:db8:0:1:ffff:ffff:ffff:ffff", 0 },
	    { "2001:db8:0:4::", 0 }));
	probe_all("/64", "allow 2001:db8:0:5::/64",
	    PROBES({ "2001:db8:0:5::", 1 },
	    { "2001:db8:0:5:ffff:ffff:ffff:ffff", 1 },
	    { "2001:db8:0:4:ffff:ffff:ffff:ffff", 0 },
	    { "2001:db8:0:6::", 0 }));
	probe_all("/127", "allow 2001:db8::2/127",
	    PROBES({ "2001:db8::2", 1 }, { "2001:db8::3", 1 },
	    { "2001:db8::1", 0 }, { "2001:db8::4", 0 }));
	probe_all("/128", "allow 2001:db8::5/128",
	    PROBES({ "2001:db8::5", 1 }, { "2001:db8::4", 0 },
	    { "2001:db8::6", 0 }, { "2001:db8:8000::5", 0 }));
	probe_all("/128 at the top",
	    "allow ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	    PROBES({ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1 },
	    { "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", 0 }));
}

/*
 * Proves first match wins, whichever of broad and narrow comes first,
 * with "all", and for a prefix given twice.
 */
static void
test_first_match(void **state)
{
	struct access_rules *r;
	const struct access_rule *m;

	(void)state;
	probe_all("broad deny first", "deny 10.0.0.0/8\nallow 10.1.0.0/16\n",
	    PROBES({ "10.1.2.3", 1 }, { "10.2.0.0", 1 }));
	probe_all("narrow allow first", "allow 10.1.0.0/16\ndeny 10.0.0.0/8\n",
	    PROBES({ "10.1.2.3", 1 }, { "10.2.0.0", 2 }));
	probe_all("v6 broad first", "deny 2001:db8::/32\nallow 2001:db8::1\n",
	    PROBES({ "2001:db8::1", 1 }));
	probe_all("v6 narrow first", "allow 2001:db8::1\ndeny 2001:db8::/32\n",
	    PROBES({ "2001:db8::1", 1 }, { "2001:db8::2", 2 }));
	probe_all("all last", "allow 10.0.0.0/8\nallow ::1\ndeny all\n",
	    PROBES({ "10.0.0.1", 1 }, { "::1", 2 }, { "11.0.0.1", 3 },
	    { "::2", 3 }, { "::ffff:11.0.0.1", 3 }));
	probe_all("all first", "deny all\nallow 10.0.0.0/8\nallow ::1\n",
	    PROBES({ "10.0.0.1", 1 }, { "::1", 1 }));
	probe_all("deep first", "allow 10.1.2.3\nallow 10.1.2.0/24\n"
	    "allow 10.1.0.0/16\nallow 10.0.0.0/8\nallow all\n",
	    PROBES({ "10.1.2.3", 1 }, { "10.1.2.4", 2 }, { "10.1.3.0", 3 },
	    { "10.2.0.0", 4 }, { "11.0.0.0", 5 }));
	r = parse_ok("twice", "allow 10.0.0.0/8 X=1\ndeny 10.0.0.0/8\n");
	m = match_ip(r, "10.0.0.1");
	assert_non_null(m);
	assert_int_equal(m->line, 1);
	assert_int_equal(m->allow, 1);
	assert_string_equal(m->env[0], "X=1");
	access_free(r);
}

/* Proves no rules, an unknown family and NULLs match nothing. */
static void
test_no_match(void **state)
{
	struct access_rules *r;
	struct sockaddr sa;

	(void)state;
	r = parse_ok("empty", "");
	assert_null(match_ip(r, "10.0.0.1"));
	assert_null(match_ip(r, "::1"));
	access_free(r);
	r = parse_ok("all", "deny all");
	memset(&sa, 0, sizeof(sa));
	sa.sa_family = AF_UNIX;
	assert_null(access_match(r, &sa));
	assert_null(access_match(r, NULL));
	assert_non_null(match_ip(r, "10.0.0.1"));
	access_free(r);
	assert_null(match_ip(NULL, "10.0.0.1"));
	assert_int_equal(access_count(NULL), 0);
	assert_null(access_name(NULL));
	access_free(NULL);
}

/* Proves access_sets finds exactly the names rules set, whole names only. */
static void
test_sets(void **state)
{
	struct access_rules *r;

	(void)state;
	r = parse_ok("sets", "allow 10.0.0.0/8 RELAYCLIENT= GREETING=\"hi\"\n"
	    "deny 1.2.3.4\nallow all TCPFOO=1 A=\"B=C\"\n");
	assert_true(access_sets(r, "RELAYCLIENT", 11));
	assert_true(access_sets(r, "GREETING", 8));
	assert_true(access_sets(r, "TCPFOO", 6));
	assert_true(access_sets(r, "A", 1));
	assert_true(access_sets(r, "RELAYCLIENTX", 11));	/* namelen */
	assert_false(access_sets(r, "B", 1));
	assert_false(access_sets(r, "GREET", 5));
	assert_false(access_sets(r, "GREETINGS", 9));
	assert_false(access_sets(r, "RELAYCLIENT=", 12));
	assert_false(access_sets(r, "", 0));
	assert_false(access_sets(r, "X", 1));
	access_free(r);
	r = parse_ok("none", "allow all\n");
	assert_false(access_sets(r, "RELAYCLIENT", 11));
	access_free(r);
	assert_false(access_sets(NULL, "X", 1));
}

/* A scratch directory for access_load(), removed by the caller. */
static char tmpdir[64];

/* Write text to dir/name; its path in buf. */
static const char *
write_file(const char *name, const char *text, char *buf, size_t len)
{
	FILE *fp;

	snprintf(buf, len, "%s/%s", tmpdir, name);
	fp = fopen(buf, "w");
	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
	return buf;
}

/*
 * Proves access_load reads a real file, names it, and gives 66 for a
 * missing file, a directory and a FIFO (without hanging on it), 78 for
 * bad content and for a file over 64 MiB.
 */
static void
test_load(void **state)
{
	char good_path[128], bad_path[128], path[128], want[256];
	struct access_rules *r;
	int status = -1, fd;

	(void)state;
	strlcpy(tmpdir, "/tmp/forkd-access-XXXXXX", sizeof(tmpdir));
	assert_non_null(mkdtemp(tmpdir));

	write_file("rules", "# ok\r\nallow 10.0.0.0/8 X=\"a b\"\r\n"
	    "deny all\r\n", good_path, sizeof(good_path));
	r = access_load(good_path, err, sizeof(err), &status);
	if (r == NULL)
		fail_msg("load: %s", err);
	assert_int_equal(access_count(r), 2);
	assert_string_equal(access_name(r), good_path);
	assert_string_equal(match_ip(r, "10.2.3.4")->env[0], "X=a b");
	assert_int_equal(line_of(r, "::1"), 3);
	assert_true(access_memory(r) > 0);
	access_free(r);

	write_file("empty", "", path, sizeof(path));
	r = access_load(path, err, sizeof(err), &status);
	assert_non_null(r);
	assert_int_equal(access_count(r), 0);
	access_free(r);
	assert_int_equal(unlink(path), 0);

	snprintf(path, sizeof(path), "%s/missing", tmpdir);
	assert_null(access_load(path, err, sizeof(err), &status));
	assert_int_equal(status, EX_NOINPUT);
	CHECK_SUBSTR("missing", err, path);
	CHECK_SUBSTR("missing", err, strerror(ENOENT));

	assert_null(access_load(tmpdir, err, sizeof(err), &status));
	assert_int_equal(status, EX_NOINPUT);
	CHECK_SUBSTR("directory", err, tmpdir);
	CHECK_SUBSTR("directory", err, ": is a directory");

	snprintf(path, sizeof(path), "%s/fifo", tmpdir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_null(access_load(path, err, sizeof(err), &status));
	assert_int_equal(status, EX_NOINPUT);
	CHECK_SUBSTR("fifo", err, "fifo: not a regular file");
	assert_int_equal(unlink(path), 0);

	write_file("bad", "allow all\nallow 1.2.3\n", bad_path,
	    sizeof(bad_path));
	assert_null(access_load(bad_path, err, sizeof(err), &status));
	assert_int_equal(status, EX_CONFIG);
	snprintf(want, sizeof(want), "%s:2: \"1.2.3\": not an IPv4", bad_path);
	CHECK_SUBSTR("bad", err, want);

	snprintf(path, sizeof(path), "%s/big", tmpdir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd != -1);
	assert_int_equal(ftruncate(fd, 64 * 1024 * 1024 + 1), 0);
	close(fd);
	assert_null(access_load(path, err, sizeof(err), &status));
	assert_int_equal(status, EX_CONFIG);
	CHECK_SUBSTR("big", err, "big: over 64 MiB");

	assert_int_equal(unlink(path), 0);
	assert_int_equal(unlink(good_path), 0);
	assert_int_equal(unlink(bad_path), 0);
	assert_int_equal(rmdir(tmpdir), 0);
}

/* A seeded PRNG (splitmix64): the same rules and clients every run. */
static uint64_t rng = 0x5eed0f0f0ddc0ffeULL;

/* The next number of the PRNG. */
static uint64_t
rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A random number below n. */
static unsigned
rnd_below(unsigned n)
{
	return (unsigned)(rnd() % n);
}

/* n random bytes into b. */
static void
rnd_bytes(unsigned char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (unsigned char)rnd();
}

/* Clear the bits of b (n bytes) from bit len on. */
static void
mask_bytes(unsigned char *b, size_t n, unsigned len)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (len >= 8 * (i + 1))
			continue;
		b[i] = len <= 8 * i ? 0 :
		    b[i] & (unsigned char)(0xff << (8 - (len - 8 * i)));
	}
}

/* b (n bytes) with its bits from len on taken from r instead. */
static void
mix_bytes(unsigned char *b, const unsigned char *r, size_t n, unsigned len)
{
	unsigned char keep[16];
	size_t i;

	memcpy(keep, b, n);
	mask_bytes(keep, n, len);
	for (i = 0; i < n; i++) {
		unsigned char m = 0xff;

		if (len < 8 * (i + 1))
			m = len <= 8 * i ? 0 :
			    (unsigned char)(0xff << (8 - (len - 8 * i)));
		b[i] = (unsigned char)((keep[i] & m) | (r[i] & ~m));
	}
}

/* One rule as the linear reference keeps it. */
struct ref_rule {
	int		all;
	int		v6;
	unsigned char	b[16];		/* IPv4 in the first 4 */
	unsigned	len;
	unsigned	line;
	int		allow;
};

/* Whether the first len bits of a and b agree. */
static int
prefix_eq(const unsigned char *a, const unsigned char *b, unsigned len)
{
	unsigned char x[16], y[16];

	memcpy(x, a, 16);
	memcpy(y, b, 16);
	mask_bytes(x, 16, len);
	mask_bytes(y, 16, len);
	return memcmp(x, y, 16) == 0;
}

/* The slow reference: the first rule, in order, that holds the client. */
static const struct ref_rule *
ref_match(const struct ref_rule *v, size_t n, int v6, const unsigned char *b)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].all || (v[i].v6 == v6 && prefix_eq(v[i].b, b,
		    v[i].len)))
			return &v[i];
	return NULL;
}

/* A random address near the ones rules use, so that rules nest. */
static void
rnd_address(int v6, unsigned char *b)
{
	static const unsigned char v4base[4] = { 10, 172, 192, 203 };
	static const unsigned char v6second[4] = { 0, 1, 0xb8, 0xff };

	memset(b, 0, 16);
	rnd_bytes(b, v6 ? 16 : 4);
	if (rnd_below(4) == 0)
		return;
	if (!v6) {
		b[0] = v4base[rnd_below(4)];
		b[1] = (unsigned char)rnd_below(4);
		return;
	}
	b[0] = 0x20;
	b[1] = 0x01;
	b[2] = 0x0d;
	b[3] = v6second[rnd_below(4)];
	b[4] = (unsigned char)rnd_below(3);
}

/* A random prefix length: mostly long, now and then anything. */
static unsigned
rnd_length(int v6)
{
	if (rnd_below(8) == 0)
		return rnd_below(v6 ? 129 : 33);
	return v6 ? 32 + rnd_below(97) : 16 + rnd_below(17);
}

/* Append random rule i (line *line) to text at *len, and to v. */
static void
rnd_rule(struct ref_rule *v, unsigned *line, char *text, size_t *len)
{
	char a[INET6_ADDRSTRLEN];
	unsigned char m[16];

	if (rnd_below(7) == 0) {	/* a comment or blank line between */
		*len += (size_t)sprintf(text + *len, "%s\n",
		    rnd_below(2) ? "# x" : "");
		(*line)++;
	}
	memset(v, 0, sizeof(*v));
	v->line = ++*line;
	v->allow = rnd_below(2);
	v->all = rnd_below(4000) == 0;
	v->v6 = rnd_below(2);
	rnd_address(v->v6, v->b);
	v->len = rnd_length(v->v6);
	mask_bytes(v->b, 16, v->len);
	*len += (size_t)sprintf(text + *len, "%s ", v->allow ? "allow" :
	    "deny");
	if (v->all)
		*len += (size_t)sprintf(text + *len, "all");
	else if (!v->v6 && rnd_below(4) == 0) {	/* written v4-mapped */
		memcpy(m, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12);
		memcpy(m + 12, v->b, 4);
		inet_ntop(AF_INET6, m, a, sizeof(a));
		*len += (size_t)sprintf(text + *len, "%s/%u", a, v->len + 96);
	} else {
		inet_ntop(v->v6 ? AF_INET6 : AF_INET, v->b, a, sizeof(a));
		*len += (size_t)sprintf(text + *len, "%s/%u", a, v->len);
	}
	if (v->allow)
		*len += (size_t)sprintf(text + *len, " R=%u", v->line);
	text[(*len)++] = '\n';
}

/*
 * A random client: mostly inside some rule's prefix, with random host
 * bits; else near the rules, or anywhere.  IPv4 ones are, a third of the
 * time, given as v4-mapped AF_INET6 addresses.
 */
static void
rnd_client(const struct ref_rule *v, size_t n, union addr *a, int *v6,
    unsigned char *b)
{
	unsigned char r[16];
	unsigned k = rnd_below(10);
	const struct ref_rule *pick = &v[rnd_below((unsigned)n)];

	*v6 = rnd_below(2);
	rnd_address(*v6, b);
	if (k < 7 && !pick->all) {
		*v6 = pick->v6;
		memcpy(b, pick->b, 16);
		rnd_bytes(r, 16);
		mix_bytes(b, r, *v6 ? 16 : 4, pick->len);
	} else if (k == 9)
		rnd_bytes(b, *v6 ? 16 : 4);
	memset(a, 0, sizeof(*a));
	if (*v6) {
		a->sin6.sin6_family = AF_INET6;
		memcpy(&a->sin6.sin6_addr, b, 16);
	} else if (rnd_below(3) == 0) {
		a->sin6.sin6_family = AF_INET6;
		memcpy(a->sin6.sin6_addr.s6_addr + 10, "\xff\xff", 2);
		memcpy(a->sin6.sin6_addr.s6_addr + 12, b, 4);
	} else {
		a->sin.sin_family = AF_INET;
		memcpy(&a->sin.sin_addr, b, 4);
	}
}

/* Build nrules random rules as text, and the reference's copy of them. */
static struct access_rules *
rnd_rules(struct ref_rule *v, size_t n)
{
	struct access_rules *r;
	unsigned line = 0;
	size_t len = 0, i;
	char *text;

	text = malloc(n * 100);
	assert_non_null(text);
	for (i = 0; i < n; i++)
		rnd_rule(&v[i], &line, text, &len);
	r = access_parse("random", text, len, err, sizeof(err));
	if (r == NULL)
		fail_msg("random rules: %s", err);
	assert_int_equal(access_count(r), n);
	free(text);
	return r;
}

/*
 * Proves the tries give what a linear first-match walk gives: 10,000
 * random rules (both families, every prefix length, nested, some "all",
 * some written v4-mapped), 200,000 clients mostly inside some rule.
 */
static void
test_cross_check(void **state)
{
	enum { NRULES = 10000, NCLIENTS = 200000 };
	const struct ref_rule *want;
	const struct access_rule *got;
	struct access_rules *r;
	struct ref_rule *v;
	unsigned char b[16];
	union addr a;
	char env[32];
	int i, v6, hits = 0;

	(void)state;
	v = calloc(NRULES, sizeof(*v));
	assert_non_null(v);
	r = rnd_rules(v, NRULES);
	for (i = 0; i < NCLIENTS; i++) {
		rnd_client(v, NRULES, &a, &v6, b);
		want = ref_match(v, NRULES, v6, b);
		got = access_match(r, &a.sa);
		if ((got == NULL) != (want == NULL) ||
		    (got != NULL && got->line != want->line))
			fail_msg("client %d: got line %u, want %u", i,
			    got ? got->line : 0, want ? want->line : 0);
		if (got == NULL)
			continue;
		hits++;
		assert_int_equal(got->allow, want->allow);
		assert_int_equal(got->nenv, got->allow ? 1 : 0);
		snprintf(env, sizeof(env), "R=%u", got->line);
		if (got->allow)
			assert_string_equal(got->env[0], env);
	}
	assert_true(hits > NCLIENTS / 2);
	access_free(r);
	free(v);
}

/* The bytes of distinct prefix number i: a bijection on 16 bits. */
static unsigned
spread(unsigned i)
{
	return (i * 40503u) & 0xffff;
}

/*
 * Proves lookups with 10,000 rules (random /24 and /48, distinct) return
 * the expected rule, and prints how many a second there were; the time
 * is not checked, the machine is shared.
 */
static void
test_benchmark(void **state)
{
	enum { NRULES = 10000, NCLIENTS = 65536, NLOOKUPS = 1000000 };
	unsigned char (*pre)[16], b[16], r16[16];
	char a[INET6_ADDRSTRLEN], *text;
	struct access_rules *r;
	union addr *cl;
	unsigned *want, i, k;
	uint64_t sum = 0, wantsum = 0;
	struct timespec t0, t1;
	size_t len = 0;
	double secs;

	(void)state;
	pre = calloc(NRULES, sizeof(*pre));
	text = malloc(NRULES * 64);
	cl = calloc(NCLIENTS, sizeof(*cl));
	want = calloc(NCLIENTS, sizeof(*want));
	assert_true(pre && text && cl && want);
	for (i = 0; i < NRULES; i++) {	/* even: v4 /24, odd: v6 /48 */
		rnd_bytes(pre[i], 16);
		pre[i][0] = i % 2 ? 0x20 + rnd_below(16) : 1 + rnd_below(223);
		pre[i][i % 2 ? 4 : 1] = (unsigned char)(spread(i / 2) >> 8);
		pre[i][i % 2 ? 5 : 2] = (unsigned char)spread(i / 2);
		mask_bytes(pre[i], 16, i % 2 ? 48 : 24);
		inet_ntop(i % 2 ? AF_INET6 : AF_INET, pre[i], a, sizeof(a));
		len += (size_t)sprintf(text + len, "%s %s/%d\n", rnd_below(2) ?
		    "allow" : "deny", a, i % 2 ? 48 : 24);
	}
	r = access_parse("bench", text, len, err, sizeof(err));
	if (r == NULL)
		fail_msg("bench rules: %s", err);
	for (i = 0; i < NCLIENTS; i++) {
		k = rnd_below(NRULES);
		memcpy(b, pre[k], 16);
		rnd_bytes(r16, 16);
		mix_bytes(b, r16, 16, k % 2 ? 48 : 24);
		want[i] = k + 1;
		if (rnd_below(4) == 0) {	/* a miss: no rule out there */
			b[0] = k % 2 ? 0xfd : 224 + rnd_below(16);
			want[i] = 0;
		}
		if (k % 2) {
			cl[i].sin6.sin6_family = AF_INET6;
			memcpy(&cl[i].sin6.sin6_addr, b, 16);
		} else {
			cl[i].sin.sin_family = AF_INET;
			memcpy(&cl[i].sin.sin_addr, b, 4);
		}
		CHECK_INT("bench client", access_match(r, &cl[i].sa) == NULL ?
		    0 : access_match(r, &cl[i].sa)->line, want[i]);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < NLOOKUPS; i++) {
		const struct access_rule *m = access_match(r,
		    &cl[i % NCLIENTS].sa);

		sum += m == NULL ? 0 : m->line;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	for (i = 0; i < NLOOKUPS; i++)
		wantsum += want[i % NCLIENTS];
	assert_true(sum == wantsum);
	secs = timespec_elapsed(&t0, &t1);
	printf("# access_match: %.0f lookups/s with %zu rules, %zu bytes\n",
	    NLOOKUPS / (secs > 0 ? secs : 1e-9), access_count(r),
	    access_memory(r));
	fflush(stdout);
	access_free(r);
	free(pre);
	free(text);
	free(cl);
	free(want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_files),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_length_bound),
		cmocka_unit_test(test_line_length),
		cmocka_unit_test(test_env_limit),
		cmocka_unit_test(test_reserved_names),
		cmocka_unit_test(test_long_word),
		cmocka_unit_test(test_too_many_rules),
		cmocka_unit_test(test_match_v4),
		cmocka_unit_test(test_match_v6),
		cmocka_unit_test(test_match_mapped),
		cmocka_unit_test(test_edges_v4),
		cmocka_unit_test(test_edges_v6),
		cmocka_unit_test(test_first_match),
		cmocka_unit_test(test_no_match),
		cmocka_unit_test(test_sets),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_cross_check),
		cmocka_unit_test(test_benchmark),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
