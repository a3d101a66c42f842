/*
 * proxy.c: every field of PROXY v1 and v2, good and bad, with the
 * addresses and ports that come out; every prefix of each good header is
 * INCOMPLETE until the bytes that carry its addresses, then OK; each bad
 * one turns BAD at one known byte and stays BAD; and a seeded random run
 * of garbage and mutated headers, each in a heap buffer of exactly its
 * size (so that ASan or valgrind sees a read past n), checked against the
 * parser's promises.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "forkd.h"
#include "proxy.h"
#include "check.h"

/* A byte string and its length: binary headers hold NULs. */
#define B(s)	(s), (sizeof(s) - 1)

#define SIG	"\x0d\x0a\x0d\x0a\x00\x0d\x0a\x51\x55\x49\x54\x0a"
#define FF39	"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
#define X10	"xxxxxxxxxx"

/* A valid header: what proxy_parse() must make of it. */
struct good {
	const char	*name;
	const char	*bytes;
	size_t		 total;		/* bytes given (payload may follow) */
	size_t		 ok_at;		/* OK from this many bytes on */
	size_t		 len;		/* h->len */
	int		 version;
	const char	*src, *dst;	/* NULL: local */
	int		 sport, dport;
};

static const struct good good[] = {
	{ "v1 TCP4, a request after it",
	  B("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\nGET / HTTP/1.0"),
	  47, 47, 1, "192.168.0.1", "192.168.0.11", 56324, 443 },
	{ "v1 TCP4, the longest",
	  B("PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n"),
	  56, 56, 1, "255.255.255.255", "255.255.255.255", 65535, 65535 },
	{ "v1 TCP4, zeros",
	  B("PROXY TCP4 0.0.0.0 10.0.0.1 0 0\r\n"),
	  33, 33, 1, "0.0.0.0", "10.0.0.1", 0, 0 },
	{ "v1 TCP6",
	  B("PROXY TCP6 2001:db8::1 ::1 1 65535\r\n"),
	  36, 36, 1, "2001:db8::1", "::1", 1, 65535 },
	{ "v1 TCP6, the longest (104 bytes)",
	  B("PROXY TCP6 " FF39 " " FF39 " 65535 65535\r\n"),
	  104, 104, 1, FF39, FF39, 65535, 65535 },
	{ "v1 TCP6, upper case, a dotted IPv4 tail",
	  B("PROXY TCP6 2001:DB8::A ::ffff:10.1.2.3 80 8080\r\nx"),
	  48, 48, 1, "2001:db8::a", "::ffff:10.1.2.3", 80, 8080 },
	{ "v1 UNKNOWN, short",
	  B("PROXY UNKNOWN\r\n"), 15, 15, 1, NULL, NULL, 0, 0 },
	{ "v1 UNKNOWN, anything up to CRLF",
	  B("PROXY UNKNOWN what\tever \x01\x7f\xff\r\nGET"),
	  29, 29, 1, NULL, NULL, 0, 0 },
	{ "v1 UNKNOWN, the worst case (107 bytes)",
	  B("PROXY UNKNOWN " FF39 " " FF39 " 65535 65535\r\n"),
	  107, 107, 1, NULL, NULL, 0, 0 },
	{ "v2 PROXY TCP4, data after it",
	  B(SIG "\x21\x11\x00\x0c" "\xc0\x00\x02\x01" "\x0a\x00\x00\x01"
	    "\xdc\x04" "\x01\xbb" "GET /"),
	  28, 28, 2, "192.0.2.1", "10.0.0.1", 56324, 443 },
	{ "v2 PROXY TCP6",
	  B(SIG "\x21\x21\x00\x24"
	    "\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01"
	    "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01"
	    "\xff\xff" "\x00\x00"),
	  52, 52, 2, "2001:db8::1", "::1", 65535, 0 },
	{ "v2 PROXY TCP4 with a NOOP TLV",
	  B(SIG "\x21\x11\x00\x13" "\x7f\x00\x00\x01" "\x7f\x00\x00\x02"
	    "\x00\x50" "\x1f\x90" "\x04\x00\x04" "\x00\x00\x00\x00"),
	  28, 35, 2, "127.0.0.1", "127.0.0.2", 80, 8080 },
	{ "v2 PROXY TCP6 with an AUTHORITY TLV",
	  B(SIG "\x21\x21\x00\x32"
	    "\xfe\x80\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01"
	    "\xfe\x80\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02"
	    "\x30\x39" "\x00\x16" "\x02\x00\x0b" "example.com"),
	  52, 66, 2, "fe80::1", "fe80::2", 12345, 22 },
	{ "v2 PROXY TCP4, the longest length (TLVs not here yet)",
	  B(SIG "\x21\x11\xff\xff" "\x01\x02\x03\x04" "\x05\x06\x07\x08"
	    "\x00\x01" "\x00\x02"),
	  28, 16 + 65535, 2, "1.2.3.4", "5.6.7.8", 1, 2 },
	{ "v2 LOCAL, UNSPEC, no addresses",
	  B(SIG "\x20\x00\x00\x00" "payload"), 16, 16, 2, NULL, NULL, 0, 0 },
	{ "v2 LOCAL with TCP4 addresses: ignored, skipped",
	  B(SIG "\x20\x11\x00\x0c" "\x01\x02\x03\x04" "\x05\x06\x07\x08"
	    "\x00\x01" "\x00\x02"),
	  16, 28, 2, NULL, NULL, 0, 0 },
	{ "v2 LOCAL ignores the family byte, even DGRAM or unknown",
	  B(SIG "\x20\xff\x00\x03" "abc"), 16, 19, 2, NULL, NULL, 0, 0 },
	{ "v2 PROXY UNSPEC: the real endpoints",
	  B(SIG "\x21\x00\x00\x05" "\x01\x02\x03\x04\x05"),
	  16, 21, 2, NULL, NULL, 0, 0 },
	{ "v2 PROXY UNIX stream: the real endpoints, 216 bytes skipped",
	  B(SIG "\x21\x31\x00\xd8"), 16, 232, 2, NULL, NULL, 0, 0 },
};

/* An invalid header: the prefix length that first makes it BAD, and why. */
struct bad {
	const char	*name;
	const char	*bytes;
	size_t		 total;
	size_t		 bad_at;
	const char	*why;
};

static const struct bad bads[] = {
	{ "HTTP", B("GET / HTTP/1.0\r\n\r\n"), 1, "not a PROXY header" },
	{ "TLS", B("\x16\x03\x01\x02\x00"), 1, "not a PROXY header" },
	{ "empty lines, then HTTP", B("\r\n\r\nGET /"), 5,
	  "not a PROXY header" },
	{ "PROXX", B("PROXX TCP4"), 5, "not a PROXY header" },
	{ "proxy in lower case", B("proxy TCP4"), 1, "not a PROXY header" },
	{ "tab after PROXY", B("PROXY\tTCP4 "), 6,
	  "v1: want one space after PROXY" },
	{ "CRLF after PROXY", B("PROXY\r\n"), 6,
	  "v1: want one space after PROXY" },
	{ "two spaces after PROXY", B("PROXY  TCP4 1.2.3.4 5.6.7.8 1 2\r\n"), 7,
	  "v1: bad protocol (TCP4, TCP6 or UNKNOWN)" },
	{ "TCP5", B("PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n"), 10,
	  "v1: bad protocol (TCP4, TCP6 or UNKNOWN)" },
	{ "tcp4", B("PROXY tcp4 1.2.3.4 5.6.7.8 1 2\r\n"), 7,
	  "v1: bad protocol (TCP4, TCP6 or UNKNOWN)" },
	{ "UDP4", B("PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n"), 8,
	  "v1: bad protocol (TCP4, TCP6 or UNKNOWN)" },
	{ "TCP4 and nothing", B("PROXY TCP4\r\n"), 11,
	  "v1: bad protocol (TCP4, TCP6 or UNKNOWN)" },
	{ "UNKNOWNX", B("PROXY UNKNOWNX\r\n"), 14,
	  "v1: bad protocol (TCP4, TCP6 or UNKNOWN)" },
	{ "UNKNOWN and a lone LF", B("PROXY UNKNOWN a\nb\r\n"), 16,
	  "v1: LF without CR" },
	{ "UNKNOWN and a lone CR", B("PROXY UNKNOWN a\rb\r\n"), 17,
	  "v1: CR without LF" },
	{ "UNKNOWN, no CRLF within 107 bytes",
	  B("PROXY UNKNOWN " X10 X10 X10 X10 X10 X10 X10 X10 X10 "xxx\r\n"),
	  107, "v1: no CRLF within 107 bytes" },
	{ "UNKNOWN, CR as the 107th byte",
	  B("PROXY UNKNOWN " X10 X10 X10 X10 X10 X10 X10 X10 X10 "xx\r\n"),
	  107, "v1: no CRLF within 107 bytes" },
	{ "TCP6 with dotted tails: 116 bytes",
	  B("PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255 "
	    "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255 65535 65535\r\n"),
	  107, "v1: no CRLF within 107 bytes" },
	{ "source address with a leading zero",
	  B("PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n"), 20,
	  "v1: bad source address" },
	{ "source address 256.1.1.1",
	  B("PROXY TCP4 256.1.1.1 5.6.7.8 1 2\r\n"), 21,
	  "v1: bad source address" },
	{ "source address with three parts",
	  B("PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n"), 17, "v1: bad source address" },
	{ "source address with a letter",
	  B("PROXY TCP4 1.2.3.4x 5.6.7.8 1 2\r\n"), 19,
	  "v1: bad source address" },
	{ "source address too long for IPv4",
	  B("PROXY TCP4 1.2.3.4.5.6.7.8.9 5.6.7.8 1 2\r\n"), 27,
	  "v1: bad source address" },
	{ "NUL in the source address",
	  B("PROXY TCP4 1.2.3.4\0 5.6.7.8 1 2\r\n"), 19,
	  "v1: bad source address" },
	{ "IPv6 source for TCP4", B("PROXY TCP4 ::1 ::1 1 2\r\n"), 12,
	  "v1: bad source address" },
	{ "IPv4 source for TCP6", B("PROXY TCP6 1.2.3.4 ::1 1 2\r\n"), 19,
	  "v1: bad source address" },
	{ "two double colons", B("PROXY TCP6 1::2::3 ::1 1 2\r\n"), 19,
	  "v1: bad source address" },
	{ "IPv6 source of 46 characters",
	  B("PROXY TCP6 0000:0000:0000:0000:0000:0000:0000:0000:0000:0"
	    " ::1 1 2\r\n"),
	  57, "v1: bad source address" },
	{ "empty source address (two spaces)",
	  B("PROXY TCP4  5.6.7.8 1 2\r\n"), 12, "v1: bad source address" },
	{ "CR after the source address",
	  B("PROXY TCP4 1.2.3.4\r\n"), 19, "v1: bad source address" },
	{ "two spaces before the destination",
	  B("PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n"), 20,
	  "v1: bad destination address" },
	{ "destination of the wrong family",
	  B("PROXY TCP4 1.2.3.4 ::1 1 2\r\n"), 20,
	  "v1: bad destination address" },
	{ "destination 1.2.3.256",
	  B("PROXY TCP4 1.2.3.4 1.2.3.256 1 2\r\n"), 29,
	  "v1: bad destination address" },
	{ "source port with a leading zero",
	  B("PROXY TCP4 1.2.3.4 5.6.7.8 080 443\r\n"), 29,
	  "v1: bad source port" },
	{ "source port 00", B("PROXY TCP4 1.2.3.4 5.6.7.8 00 443\r\n"), 29,
	  "v1: bad source port" },
	{ "source port 65536", B("PROXY TCP4 1.2.3.4 5.6.7.8 65536 443\r\n"),
	  32, "v1: bad source port" },
	{ "source port 99999", B("PROXY TCP4 1.2.3.4 5.6.7.8 99999 443\r\n"),
	  32, "v1: bad source port" },
	{ "source port of six digits",
	  B("PROXY TCP4 1.2.3.4 5.6.7.8 123456 443\r\n"), 33,
	  "v1: bad source port" },
	{ "source port +80", B("PROXY TCP4 1.2.3.4 5.6.7.8 +80 443\r\n"), 28,
	  "v1: bad source port" },
	{ "source port missing", B("PROXY TCP4 1.2.3.4 5.6.7.8  443\r\n"), 28,
	  "v1: bad source port" },
	{ "source port in hex", B("PROXY TCP4 1.2.3.4 5.6.7.8 0x50 443\r\n"),
	  29, "v1: bad source port" },
	{ "destination port -1", B("PROXY TCP4 1.2.3.4 5.6.7.8 1 -1\r\n"), 30,
	  "v1: bad destination port" },
	{ "destination port 65536",
	  B("PROXY TCP4 1.2.3.4 5.6.7.8 1 65536\r\n"), 34,
	  "v1: bad destination port" },
	{ "destination port 01", B("PROXY TCP4 1.2.3.4 5.6.7.8 1 01\r\n"), 31,
	  "v1: bad destination port" },
	{ "a space before CRLF", B("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n"), 31,
	  "v1: bad destination port" },
	{ "a fifth field", B("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n"), 31,
	  "v1: bad destination port" },
	{ "LF alone", B("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n"), 31,
	  "v1: bad destination port" },
	{ "CR alone", B("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rGET"), 32,
	  "v1: CR without LF" },
	{ "v2 signature, byte 5 not NUL", B("\r\n\r\n\x01\r\nQUIT\n"), 5,
	  "not a PROXY header" },
	{ "v2 signature, QUIT in lower case", B("\r\n\r\n\0\r\nquit\n"), 8,
	  "not a PROXY header" },
	{ "v2 signature, last byte", B("\r\n\r\n\0\r\nQUIT\r\x21"), 12,
	  "not a PROXY header" },
	{ "v2 version 1", B(SIG "\x11\x11\x00\x0c"), 13, "v2: version 1" },
	{ "v2 version 3", B(SIG "\x31\x11\x00\x0c"), 13, "v2: version 3" },
	{ "v2 version 0", B(SIG "\x01\x11\x00\x0c"), 13, "v2: version 0" },
	{ "v2 version 15", B(SIG "\xf1\x11\x00\x0c"), 13, "v2: version 15" },
	{ "v2 command 2", B(SIG "\x22\x11\x00\x0c"), 13, "v2: command 2" },
	{ "v2 command 15", B(SIG "\x2f\x00\x00\x00"), 13, "v2: command 15" },
	{ "v2 UDP4", B(SIG "\x21\x12\x00\x0c"), 14, "v2: DGRAM transport" },
	{ "v2 UDP6", B(SIG "\x21\x22\x00\x24"), 14, "v2: DGRAM transport" },
	{ "v2 UNIX dgram", B(SIG "\x21\x32\x00\xd8"), 14,
	  "v2: DGRAM transport" },
	{ "v2 family 4", B(SIG "\x21\x41\x00\x0c"), 14,
	  "v2: address family 4" },
	{ "v2 family 15", B(SIG "\x21\xf0\x00\x00"), 14,
	  "v2: address family 15" },
	{ "v2 transport 3", B(SIG "\x21\x13\x00\x0c"), 14, "v2: transport 3" },
	{ "v2 AF_INET, transport UNSPEC", B(SIG "\x21\x10\x00\x0c"), 14,
	  "v2: family and transport not a valid pair" },
	{ "v2 AF_UNSPEC, STREAM", B(SIG "\x21\x01\x00\x00"), 14,
	  "v2: family and transport not a valid pair" },
	{ "v2 TCP4, length 4", B(SIG "\x21\x11\x00\x04" "\x01\x02\x03\x04"), 16,
	  "v2: length under 12, too short for TCP4" },
	{ "v2 TCP4, length 0", B(SIG "\x21\x11\x00\x00"), 16,
	  "v2: length under 12, too short for TCP4" },
	{ "v2 TCP6, length 12", B(SIG "\x21\x21\x00\x0c"), 16,
	  "v2: length under 36, too short for TCP6" },
	{ "v2 TCP6, length 35", B(SIG "\x21\x21\x00\x23"), 16,
	  "v2: length under 36, too short for TCP6" },
	{ "v2 UNIX, length 215", B(SIG "\x21\x31\x00\xd7"), 16,
	  "v2: length under 216, too short for UNIX" },
};

#define NGOOD	(sizeof(good) / sizeof(good[0]))
#define NBAD	(sizeof(bads) / sizeof(bads[0]))

/* proxy_parse() on an exactly sized heap copy of n bytes. */
static enum proxy_result
parse_copy(const void *bytes, size_t n, struct proxy_header *h,
    const char **why)
{
	enum proxy_result r;
	unsigned char *copy;

	copy = malloc(n > 0 ? n : 1);
	assert_non_null(copy);
	if (n > 0)
		memcpy(copy, bytes, n);
	r = proxy_parse(copy, n, h, why);
	free(copy);
	return r;
}

/* The length an address of that family has. */
static socklen_t
family_len(int family)
{
	return family == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6);
}

/* Fail naming the case unless ss holds the address want and port. */
static void
check_addr(const char *name, const struct sockaddr_storage *ss,
    const char *want, int port)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
	unsigned char a[16];

	if (ss->ss_family == AF_INET) {
		assert_int_equal(inet_pton(AF_INET, want, a), 1);
		if (memcmp(&sin->sin_addr, a, 4) != 0)
			fail_msg("%s: not address %s", name, want);
		CHECK_INT(name, ntohs(sin->sin_port), port);
	} else if (ss->ss_family == AF_INET6) {
		assert_int_equal(inet_pton(AF_INET6, want, a), 1);
		if (memcmp(&sin6->sin6_addr, a, 16) != 0)
			fail_msg("%s: not address %s", name, want);
		CHECK_INT(name, ntohs(sin6->sin6_port), port);
	} else
		fail_msg("%s: family %d, want %s", name, ss->ss_family, want);
}

/* Fail naming g unless h is what g says (an OK result on n bytes). */
static void
check_good(const struct good *g, size_t n, const struct proxy_header *h)
{
	unsigned char a[16];
	char name[160];

	snprintf(name, sizeof(name), "%s, %zu bytes", g->name, n);
	CHECK_INT(name, h->len, g->len);
	CHECK_INT(name, h->version, g->version);
	CHECK_INT(name, h->local, g->src == NULL);
	if (g->src == NULL) {
		CHECK_INT(name, h->src.ss_family, 0);
		CHECK_INT(name, h->dst.ss_family, 0);
		return;
	}
	/* The family the test expects: the text's own. */
	CHECK_INT(name, h->src.ss_family,
	    inet_pton(AF_INET, g->src, a) == 1 ? AF_INET : AF_INET6);
	CHECK_INT(name, h->dst.ss_family, h->src.ss_family);
	CHECK_INT(name, h->srclen, family_len(h->src.ss_family));
	CHECK_INT(name, h->dstlen, family_len(h->dst.ss_family));
	check_addr(name, &h->src, g->src, g->sport);
	check_addr(name, &h->dst, g->dst, g->dport);
}

/*
 * Proves each valid header gives the addresses, ports, version, local
 * flag and length it carries, whatever follows it.
 */
static void
test_good_fields(void **state)
{
	struct proxy_header h;
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < NGOOD; i++) {
		why = "unset";
		if (parse_copy(good[i].bytes, good[i].total, &h, &why) !=
		    PROXY_OK)
			fail_msg("%s: not OK (%s)", good[i].name, why);
		CHECK_STR(good[i].name, why, NULL);
		check_good(&good[i], good[i].total, &h);
	}
}

/*
 * Proves every prefix of a valid header shorter than the bytes that
 * carry its addresses is INCOMPLETE (never OK, never BAD), and every
 * longer one OK, with the same result.
 */
static void
test_good_prefixes(void **state)
{
	struct proxy_header h;
	enum proxy_result r;
	const char *why;
	size_t i, k;

	(void)state;
	for (i = 0; i < NGOOD; i++) {
		assert_true(good[i].ok_at <= good[i].total);
		for (k = 0; k <= good[i].total; k++) {
			why = "unset";
			r = parse_copy(good[i].bytes, k, &h, &why);
			if (k < good[i].ok_at && r != PROXY_INCOMPLETE)
				fail_msg("%s: %zu bytes: %d (%s), want "
				    "INCOMPLETE", good[i].name, k, r,
				    why ? why : "");
			if (k >= good[i].ok_at && r != PROXY_OK)
				fail_msg("%s: %zu bytes: %d (%s), want OK",
				    good[i].name, k, r, why ? why : "");
			CHECK_STR(good[i].name, why, NULL);
			if (r == PROXY_OK)
				check_good(&good[i], k, &h);
		}
	}
}

/*
 * Proves each invalid header is INCOMPLETE up to one byte, BAD with its
 * reason from that byte on (prefixes and the whole), and that h holds
 * nothing then.
 */
static void
test_bad(void **state)
{
	static const struct proxy_header zero;
	struct proxy_header h;
	enum proxy_result r;
	const char *why;
	size_t i, k;

	(void)state;
	for (i = 0; i < NBAD; i++) {
		assert_true(bads[i].bad_at <= bads[i].total);
		for (k = 0; k <= bads[i].total; k++) {
			why = "unset";
			memset(&h, 0xa5, sizeof(h));
			r = parse_copy(bads[i].bytes, k, &h, &why);
			if (k < bads[i].bad_at) {
				if (r != PROXY_INCOMPLETE)
					fail_msg("%s: %zu bytes: %d (%s), want "
					    "INCOMPLETE", bads[i].name, k, r,
					    why ? why : "");
				CHECK_STR(bads[i].name, why, NULL);
				continue;
			}
			if (r != PROXY_BAD)
				fail_msg("%s: %zu bytes: %d, want BAD",
				    bads[i].name, k, r);
			CHECK_STR(bads[i].name, why, bads[i].why);
			assert_memory_equal(&h, &zero, sizeof(h));
		}
	}
}

/* Proves why may be NULL, and that nothing is read when n is 0. */
static void
test_why_null(void **state)
{
	struct proxy_header h;

	(void)state;
	assert_int_equal(proxy_parse(NULL, 0, &h, NULL), PROXY_INCOMPLETE);
	assert_int_equal(proxy_parse("GET", 3, &h, NULL), PROXY_BAD);
	assert_int_equal(proxy_parse("PROXY UNKNOWN\r\n", 15, &h, NULL),
	    PROXY_OK);
	assert_int_equal(h.len, 15);
}

/*
 * Proves the 107-byte limit is exact: a line whose CRLF ends at byte 107
 * is OK, one byte more is BAD, whatever arrives after byte 107.
 */
static void
test_v1_limit(void **state)
{
	char line[PROXY_V1_MAX + 8];
	struct proxy_header h;
	const char *why;
	size_t n;

	(void)state;
	for (n = 15; n <= PROXY_V1_MAX + 1; n++) {
		memset(line, 'x', sizeof(line));
		memcpy(line, "PROXY UNKNOWN ", 14);
		memcpy(line + n - 2, "\r\n", 2);
		if (parse_copy(line, sizeof(line), &h, &why) !=
		    (n <= PROXY_V1_MAX ? PROXY_OK : PROXY_BAD))
			fail_msg("CRLF ending at byte %zu: %s", n,
			    why ? why : "OK");
		if (n <= PROXY_V1_MAX)
			CHECK_INT("len", h.len, n);
	}
}

/* How often each result came: INCOMPLETE, OK, BAD, and OK local. */
static unsigned long outcomes[4];

/* xorshift64*: the same run every time, so that a failure repeats. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t
rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dULL) >> 32);
}

/* A reason proxy.c can give: "not a PROXY header" or "v1: "/"v2: ...". */
static void
check_why(const char *name, const char *why)
{
	if (why == NULL || (strcmp(why, "not a PROXY header") != 0 &&
	    strncmp(why, "v1: ", 4) != 0 && strncmp(why, "v2: ", 4) != 0))
		fail_msg("%s: BAD with reason \"%s\"", name,
		    why ? why : "(null)");
}

/* The bytes a v2 OK result needed: 16 and the address block, if used. */
static size_t
v2_needed(const struct proxy_header *h)
{
	if (h->local)
		return PROXY_V2_HEAD;
	return PROXY_V2_HEAD + (h->src.ss_family == AF_INET ? 12 : 36);
}

/* Fail unless an OK result on buf[0..n) keeps the parser's promises. */
static void
check_ok(const char *name, const unsigned char *buf, size_t n,
    const struct proxy_header *h)
{
	if (h->version == 1) {
		if (h->len < 15 || h->len > n || h->len > PROXY_V1_MAX ||
		    memcmp(buf, "PROXY ", 6) != 0 ||
		    memcmp(buf + h->len - 2, "\r\n", 2) != 0)
			fail_msg("%s: v1 OK with len %zu of %zu", name, h->len,
			    n);
	} else if (h->version == 2) {
		if (n < v2_needed(h) || h->len < v2_needed(h) ||
		    h->len > PROXY_V2_HEAD + 65535 ||
		    h->len != PROXY_V2_HEAD + ((size_t)buf[14] << 8 | buf[15]))
			fail_msg("%s: v2 OK with len %zu of %zu", name, h->len,
			    n);
	} else
		fail_msg("%s: OK with version %d", name, h->version);
	if (h->local)
		return;
	if ((h->src.ss_family != AF_INET && h->src.ss_family != AF_INET6) ||
	    h->dst.ss_family != h->src.ss_family ||
	    h->srclen != family_len(h->src.ss_family) ||
	    h->dstlen != h->srclen)
		fail_msg("%s: OK with families %d/%d", name, h->src.ss_family,
		    h->dst.ss_family);
}

/* The bytes an OK result was decided on: parsing only those gives it. */
static size_t
ok_needed(const struct proxy_header *h)
{
	return h->version == 1 ? h->len : v2_needed(h);
}

/* Whether two results of proxy_parse() are the same. */
static int
same_result(enum proxy_result r1, const struct proxy_header *h1,
    const char *why1, enum proxy_result r2, const struct proxy_header *h2,
    const char *why2)
{
	if (r1 != r2)
		return 0;
	if (r1 == PROXY_BAD)
		return strcmp(why1, why2) == 0;
	return memcmp(h1, h2, sizeof(*h1)) == 0;
}

/*
 * Parse buf[0..n), check the result's promises, and that a prefix of k
 * bytes agrees: INCOMPLETE on n means INCOMPLETE on k; OK or BAD on k
 * means the same on n.  An OK one is also decided on ok_needed() bytes.
 */
static void
check_random(const char *name, const unsigned char *buf, size_t n, size_t k)
{
	struct proxy_header h, hk;
	enum proxy_result r, rk;
	const char *why, *whyk;

	r = parse_copy(buf, n, &h, &why);
	outcomes[r == PROXY_OK && h.local ? 3 : r]++;
	if (r == PROXY_BAD)
		check_why(name, why);
	else if (why != NULL)
		fail_msg("%s: result %d with a reason", name, r);
	if (r == PROXY_INCOMPLETE && n >= PROXY_V1_MAX)
		fail_msg("%s: INCOMPLETE on %zu bytes", name, n);
	if (r == PROXY_OK)
		check_ok(name, buf, n, &h);
	rk = parse_copy(buf, k, &hk, &whyk);
	if ((r == PROXY_INCOMPLETE && rk != PROXY_INCOMPLETE) ||
	    (rk != PROXY_INCOMPLETE &&
	    !same_result(r, &h, why, rk, &hk, whyk)))
		fail_msg("%s: %zu bytes give %d, a prefix of %zu gives %d",
		    name, n, r, k, rk);
	if (r == PROXY_OK && (parse_copy(buf, ok_needed(&h), &hk, &whyk) !=
	    PROXY_OK || memcmp(&h, &hk, sizeof(h)) != 0))
		fail_msg("%s: OK, but not on its %zu bytes", name,
		    ok_needed(&h));
}

/* The run reached every result, then counts start again. */
static void
check_outcomes(const char *name)
{
	int i;

	for (i = 0; i < 4; i++)
		if (outcomes[i] == 0)
			fail_msg("%s: result %d never came", name, i);
	memset(outcomes, 0, sizeof(outcomes));
}

/* Random bytes, from alphabet if given. */
static void
fill_random(unsigned char *buf, size_t n, const char *alphabet)
{
	size_t i, na = alphabet ? strlen(alphabet) : 0;

	for (i = 0; i < n; i++)
		buf[i] = na ? (unsigned char)alphabet[rnd() % na] :
		    (unsigned char)rnd();
}

/* One random buffer of one of four kinds; its length. */
static size_t
make_random(unsigned char *buf, unsigned kind)
{
	static const char v1chars[] = "PROXY TCP46UNKOW0123456789abcdef.: \r\n";
	size_t n;

	switch (kind) {
	case 0:		/* anything */
		n = rnd() % 200;
		fill_random(buf, n, NULL);
		return n;
	case 1:		/* a v1 start, then v1's characters */
		n = 6 + rnd() % 120;
		memcpy(buf, "PROXY ", 6);
		fill_random(buf + 6, n - 6, v1chars);
		if (rnd() % 2)
			memcpy(buf + 6, rnd() % 2 ? "TCP4 " : "TCP6 ", 5);
		return n;
	default:	/* the v2 signature, then anything */
		n = 12 + rnd() % 80;
		memcpy(buf, SIG, 12);
		fill_random(buf + 12, n - 12, NULL);
		if (rnd() % 2)
			buf[12] = 0x20 | (rnd() % 2);
		if (rnd() % 2)
			buf[13] = (unsigned char[]){ 0x00, 0x11, 0x21,
			    0x31 }[rnd() % 4];
		return n;
	}
}

/*
 * Proves 100,000 random buffers (garbage, v1-like, v2-like) never crash,
 * never read past n (exact heap copies), and keep every promise:
 * INCOMPLETE only under 107 bytes, BAD with a reason, OK with a length
 * that covers the bytes it was decided on and at most 16 + 65535, the
 * same answer for a prefix that had decided.
 */
static void
test_random(void **state)
{
	unsigned char buf[256];
	char name[64];
	size_t n;
	int i;

	(void)state;
	for (i = 0; i < 100000; i++) {
		n = make_random(buf, (unsigned)i % 3);
		snprintf(name, sizeof(name), "random buffer %d", i);
		check_random(name, buf, n, n > 0 ? rnd() % (n + 1) : 0);
	}
	print_message("random: %lu INCOMPLETE, %lu OK (%lu local), %lu BAD\n",
	    outcomes[0], outcomes[1] + outcomes[3], outcomes[3], outcomes[2]);
	check_outcomes("random");
}

/* Change a copy of a good header: a byte replaced, dropped or added. */
static size_t
mutate(unsigned char *buf, size_t n, size_t cap)
{
	size_t at = n > 0 ? rnd() % n : 0;

	switch (rnd() % 4) {
	case 0:
		if (n > 0)
			buf[at] = (unsigned char)rnd();
		return n;
	case 1:
		if (n > 0)
			buf[at] ^= (unsigned char)(1u << (rnd() % 8));
		return n;
	case 2:
		if (n == 0)
			return n;
		memmove(buf + at, buf + at + 1, n - at - 1);
		return n - 1;
	default:
		if (n == cap)
			return n;
		memmove(buf + at + 1, buf + at, n - at);
		buf[at] = (unsigned char)"0 :.\r\n\0\xff"[rnd() % 8];
		return n + 1;
	}
}

/*
 * Proves random mutations of the good headers (one to three changes each)
 * keep the promises at every prefix length.
 */
static void
test_mutations(void **state)
{
	unsigned char buf[256];
	char name[96];
	size_t n, k;
	int i, m;

	(void)state;
	for (i = 0; i < 20000; i++) {
		const struct good *g = &good[rnd() % NGOOD];

		n = g->total;
		memcpy(buf, g->bytes, n);
		for (m = 1 + rnd() % 3; m > 0; m--)
			n = mutate(buf, n, sizeof(buf));
		snprintf(name, sizeof(name), "mutation %d of %s", i, g->name);
		for (k = 0; k <= n; k += 1 + (i % 2) * (rnd() % 8))
			check_random(name, buf, n, k);
	}
	print_message("mutations: %lu INCOMPLETE, %lu OK (%lu local), "
	    "%lu BAD\n", outcomes[0], outcomes[1] + outcomes[3], outcomes[3],
	    outcomes[2]);
	check_outcomes("mutations");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_fields),
		cmocka_unit_test(test_good_prefixes),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_why_null),
		cmocka_unit_test(test_v1_limit),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
