/*
 * The PROXY protocol, versions 1 and 2, as HAProxy's doc/proxy-protocol.txt
 * defines them: a pure parser, called on the bytes peeked so far each time
 * more arrive.  It tells a header that is valid so far (INCOMPLETE) from
 * one that can never become valid (BAD) at the first byte that decides it,
 * so that a client which is not a proxy is dropped at once instead of
 * holding a slot until the timeout.  It never reads past n.
 *
 * v1 is checked field by field as it arrives: a field's characters and
 * length at once, its value (inet_pton, the port's range) once the space
 * after it is there.  Ports are decimal 0..65535 without leading zeros
 * ("0" itself is fine, "080" is BAD), as the spec says; inet_pton refuses
 * them in IPv4 addresses too.  v2 is checked byte by byte: signature,
 * version 2, command LOCAL or PROXY, a family and transport from the
 * spec's list, then a length that holds the address block.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <string.h>

#include "proxy.h"

#define V4_TEXT_MAX	(INET_ADDRSTRLEN - 1)	/* "255.255.255.255" */
#define V6_TEXT_MAX	(INET6_ADDRSTRLEN - 1)	/* with a dotted IPv4 tail */
#define V2_UNIX_BLOCK	216			/* 2 * 108, never read */

static const unsigned char v2_sig[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
};

/* Sixteen literal reasons, one for each value of a nibble. */
#define NIBBLES(s) {							\
	s "0", s "1", s "2", s "3", s "4", s "5", s "6", s "7",		\
	s "8", s "9", s "10", s "11", s "12", s "13", s "14", s "15" }
static const char *const v2_versions[16] = NIBBLES("v2: version ");
static const char *const v2_commands[16] = NIBBLES("v2: command ");
static const char *const v2_families[16] = NIBBLES("v2: address family ");
static const char *const v2_transports[16] = NIBBLES("v2: transport ");

/* The v1 line so far: its first n bytes, n at most PROXY_V1_MAX. */
struct line {
	const char	*p;
	size_t		 n;
	int		 capped;	/* PROXY_V1_MAX bytes there: no more count */
};

/* v1's protocols, and the address family each one announces. */
static const struct {
	const char	*word;
	size_t		 len;
	int		 family;	/* AF_UNSPEC: UNKNOWN */
} v1_protos[] = {
	{ "TCP4 ", 5, AF_INET },
	{ "TCP6 ", 5, AF_INET6 },
	{ "UNKNOWN", 7, AF_UNSPEC }
};

/* BAD, with its reason. */
static enum proxy_result
bad(const char **why, const char *reason)
{
	*why = reason;
	return PROXY_BAD;
}

/* Whether the bytes there, up to len of them, are the first ones of lit. */
static int
match(const void *p, size_t avail, const void *lit, size_t len)
{
	return memcmp(p, lit, avail < len ? avail : len) == 0;
}

/* The v1 line ran out of bytes: wait for more, unless 107 are there. */
static enum proxy_result
v1_more(const struct line *l, const char **why)
{
	if (l->capped)
		return bad(why, "v1: no CRLF within 107 bytes");
	return PROXY_INCOMPLETE;
}

/* Which protocol follows "PROXY ": OK with *family and *at past it. */
static enum proxy_result
v1_protocol(const struct line *l, int *family, size_t *at, const char **why)
{
	size_t avail = l->n - 6, i;
	int partial = 0;

	for (i = 0; i < sizeof(v1_protos) / sizeof(v1_protos[0]); i++) {
		if (!match(l->p + 6, avail, v1_protos[i].word,
		    v1_protos[i].len))
			continue;
		if (avail < v1_protos[i].len) {
			partial = 1;
			continue;
		}
		*family = v1_protos[i].family;
		*at = 6 + v1_protos[i].len;
		return PROXY_OK;
	}
	if (partial)
		return v1_more(l, why);
	return bad(why, "v1: bad protocol (TCP4, TCP6 or UNKNOWN)");
}

/*
 * The first CRLF from byte `from` on: OK with *end just past it.  A CR or
 * an LF alone is BAD: the spec forbids taking either for the line's end.
 */
static enum proxy_result
v1_crlf(const struct line *l, size_t from, size_t *end, const char **why)
{
	size_t i;

	for (i = from; i < l->n; i++) {
		if (l->p[i] == '\n')
			return bad(why, "v1: LF without CR");
		if (l->p[i] != '\r')
			continue;
		if (i + 1 == l->n)
			break;
		if (l->p[i + 1] != '\n')
			return bad(why, "v1: CR without LF");
		*end = i + 2;
		return PROXY_OK;
	}
	return v1_more(l, why);
}

/* UNKNOWN: CRLF at once, or a space and anything up to the CRLF. */
static enum proxy_result
v1_unknown(const struct line *l, size_t at, size_t *end, const char **why)
{
	if (at == l->n)
		return v1_more(l, why);
	if (l->p[at] == ' ')
		return v1_crlf(l, at + 1, end, why);
	if (l->p[at] == '\r')
		return v1_crlf(l, at, end, why);
	return bad(why, "v1: bad protocol (TCP4, TCP6 or UNKNOWN)");
}

/* Whether c is one of the characters of set (never NUL). */
static int
in_set(char c, const char *set)
{
	return c != '\0' && strchr(set, c) != NULL;
}

/* Text to address of family into ss; -1 if inet_pton refuses it. */
static int
v1_sockaddr(int family, const char *text, struct sockaddr_storage *ss,
    socklen_t *sslen)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	if (family == AF_INET) {
		sin->sin_family = AF_INET;
		*sslen = sizeof(*sin);
		return inet_pton(AF_INET, text, &sin->sin_addr) == 1 ? 0 : -1;
	}
	sin6->sin6_family = AF_INET6;
	*sslen = sizeof(*sin6);
	return inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1 ? 0 : -1;
}

/*
 * The address at *at and the one space after it: OK with ss filled and
 * *at past the space.  Characters and length are checked as they come.
 */
static enum proxy_result
v1_address(const struct line *l, size_t *at, int family,
    struct sockaddr_storage *ss, socklen_t *sslen, const char *reason,
    const char **why)
{
	const char *set = family == AF_INET ? "0123456789." :
	    "0123456789abcdefABCDEF:.";
	size_t max = family == AF_INET ? V4_TEXT_MAX : V6_TEXT_MAX, i, len;
	char text[INET6_ADDRSTRLEN];

	for (i = *at; i < l->n && i - *at <= max && in_set(l->p[i], set); i++)
		;
	len = i - *at;
	if (len > max)
		return bad(why, reason);
	if (i == l->n)
		return v1_more(l, why);
	if (len == 0 || l->p[i] != ' ')
		return bad(why, reason);
	memcpy(text, l->p + *at, len);
	text[len] = '\0';
	if (v1_sockaddr(family, text, ss, sslen) == -1)
		return bad(why, reason);
	*at = i + 1;
	return PROXY_OK;
}

/*
 * The port at *at and the byte stop after it: OK with *port (host order)
 * and *at past stop.  A leading zero or a value over 65535 is BAD at the
 * digit that makes it so.
 */
static enum proxy_result
v1_port(const struct line *l, size_t *at, char stop, uint16_t *port,
    const char *reason, const char **why)
{
	unsigned long v = 0;
	size_t i;

	for (i = *at; i < l->n && l->p[i] >= '0' && l->p[i] <= '9'; i++) {
		if (i > *at && l->p[*at] == '0')
			return bad(why, reason);
		v = v * 10 + (unsigned long)(l->p[i] - '0');
		if (v > 65535)
			return bad(why, reason);
	}
	if (i == l->n)
		return v1_more(l, why);
	if (i == *at || l->p[i] != stop)
		return bad(why, reason);
	*port = (uint16_t)v;
	*at = i + 1;
	return PROXY_OK;
}

/* Set the port (host order) of an AF_INET or AF_INET6 address. */
static void
set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

/* TCP4 and TCP6: "src dst sport dport\r\n" from at on; *end past the LF. */
static enum proxy_result
v1_tcp(const struct line *l, size_t at, int family, struct proxy_header *h,
    size_t *end, const char **why)
{
	enum proxy_result r;
	uint16_t sport, dport;

	if ((r = v1_address(l, &at, family, &h->src, &h->srclen,
	    "v1: bad source address", why)) != PROXY_OK ||
	    (r = v1_address(l, &at, family, &h->dst, &h->dstlen,
	    "v1: bad destination address", why)) != PROXY_OK ||
	    (r = v1_port(l, &at, ' ', &sport, "v1: bad source port",
	    why)) != PROXY_OK ||
	    (r = v1_port(l, &at, '\r', &dport, "v1: bad destination port",
	    why)) != PROXY_OK)
		return r;
	if (at == l->n)
		return v1_more(l, why);
	if (l->p[at] != '\n')
		return bad(why, "v1: CR without LF");
	set_port(&h->src, sport);
	set_port(&h->dst, dport);
	*end = at + 1;
	return PROXY_OK;
}

/* Version 1: "PROXY TCP4|TCP6|UNKNOWN ...\r\n", 107 bytes at most. */
static enum proxy_result
v1_parse(const char *p, size_t n, struct proxy_header *h, const char **why)
{
	struct line l = { p, n < PROXY_V1_MAX ? n : PROXY_V1_MAX,
	    n >= PROXY_V1_MAX };
	enum proxy_result r;
	size_t at, end;
	int family;

	if (!match(p, l.n, "PROXY", 5))
		return bad(why, "not a PROXY header");
	if (!match(p, l.n, "PROXY ", 6))
		return bad(why, "v1: want one space after PROXY");
	if (l.n < 6)
		return PROXY_INCOMPLETE;
	if ((r = v1_protocol(&l, &family, &at, why)) != PROXY_OK)
		return r;
	if (family == AF_UNSPEC)
		r = v1_unknown(&l, at, &end, why);
	else
		r = v1_tcp(&l, at, family, h, &end, why);
	if (r != PROXY_OK)
		return r;
	h->version = 1;
	h->local = family == AF_UNSPEC;
	h->len = end;
	return PROXY_OK;
}

/*
 * The family and transport bytes a PROXY command may carry, the address
 * block the length must then hold, and the reason when it does not.
 * AF_UNSPEC and AF_UNIX keep the real endpoints: no addresses to use.
 */
static const struct {
	unsigned char	 fam;
	int		 family;
	size_t		 block;
	const char	*short_why;
} v2_pairs[] = {
	{ 0x00, AF_UNSPEC, 0, NULL },
	{ 0x11, AF_INET, 12, "v2: length under 12, too short for TCP4" },
	{ 0x21, AF_INET6, 36, "v2: length under 36, too short for TCP6" },
	{ 0x31, AF_UNIX, V2_UNIX_BLOCK,
	  "v2: length under 216, too short for UNIX" }
};

/* The family and transport byte of a PROXY command: its v2_pairs entry. */
static enum proxy_result
v2_family(unsigned char fam, size_t *pair, const char **why)
{
	size_t i;

	if (fam >> 4 > 3)
		return bad(why, v2_families[fam >> 4]);
	if ((fam & 0x0f) > 2)
		return bad(why, v2_transports[fam & 0x0f]);
	if ((fam & 0x0f) == 2)
		return bad(why, "v2: DGRAM transport");
	for (i = 0; i < sizeof(v2_pairs) / sizeof(v2_pairs[0]); i++)
		if (v2_pairs[i].fam == fam) {
			*pair = i;
			return PROXY_OK;
		}
	return bad(why, "v2: family and transport not a valid pair");
}

/* The addresses and ports of TCP4 or TCP6 from the block at a. */
static void
v2_addresses(const unsigned char *a, int family, struct proxy_header *h)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)&h->src;
	struct sockaddr_in *d4 = (struct sockaddr_in *)&h->dst;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&h->src;
	struct sockaddr_in6 *d6 = (struct sockaddr_in6 *)&h->dst;

	if (family == AF_INET) {
		s4->sin_family = d4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, a, 4);
		memcpy(&d4->sin_addr, a + 4, 4);
		memcpy(&s4->sin_port, a + 8, 2);
		memcpy(&d4->sin_port, a + 10, 2);
		h->srclen = h->dstlen = sizeof(*s4);
		return;
	}
	s6->sin6_family = d6->sin6_family = AF_INET6;
	memcpy(&s6->sin6_addr, a, 16);
	memcpy(&d6->sin6_addr, a + 16, 16);
	memcpy(&s6->sin6_port, a + 32, 2);
	memcpy(&d6->sin6_port, a + 34, 2);
	h->srclen = h->dstlen = sizeof(*s6);
}

/*
 * Version 2: the 16-byte head, then the address block.  LOCAL ignores the
 * family byte, as the spec says; both commands skip whatever the length
 * holds beyond the addresses (TLVs), which h->len counts.
 */
static enum proxy_result
v2_parse(const unsigned char *p, size_t n, struct proxy_header *h,
    const char **why)
{
	size_t pair = 0, block, len;	/* LOCAL: as if AF_UNSPEC */
	int family;

	if (!match(p, n, v2_sig, sizeof(v2_sig)))
		return bad(why, "not a PROXY header");
	if (n < 13)
		return PROXY_INCOMPLETE;
	if (p[12] >> 4 != 2)
		return bad(why, v2_versions[p[12] >> 4]);
	if ((p[12] & 0x0f) > 1)
		return bad(why, v2_commands[p[12] & 0x0f]);
	if (n < 14)
		return PROXY_INCOMPLETE;
	if ((p[12] & 0x0f) == 1 && v2_family(p[13], &pair, why) == PROXY_BAD)
		return PROXY_BAD;
	if (n < PROXY_V2_HEAD)
		return PROXY_INCOMPLETE;
	family = v2_pairs[pair].family;
	block = v2_pairs[pair].block;
	len = (size_t)p[14] << 8 | p[15];
	if (len < block)
		return bad(why, v2_pairs[pair].short_why);
	if (family == AF_INET || family == AF_INET6) {
		if (n < PROXY_V2_HEAD + block)
			return PROXY_INCOMPLETE;
		v2_addresses(p + PROXY_V2_HEAD, family, h);
	}
	h->version = 2;
	h->local = family != AF_INET && family != AF_INET6;
	h->len = PROXY_V2_HEAD + len;
	return PROXY_OK;
}

/*
 * Parse the first n bytes of a connection.  INCOMPLETE: valid so far;
 * BAD: never valid, *why says why (a literal); OK: h filled, as soon as
 * the bytes carrying the addresses are there (h->len may exceed n in v2).
 * Unless OK, h is all zeros.
 */
enum proxy_result
proxy_parse(const void *buf, size_t n, struct proxy_header *h,
    const char **why)
{
	const unsigned char *p = buf;
	const char *ignored;
	enum proxy_result r;

	if (why == NULL)
		why = &ignored;
	*why = NULL;
	memset(h, 0, sizeof(*h));
	if (n == 0)
		return PROXY_INCOMPLETE;
	if (p[0] == 'P')
		r = v1_parse(buf, n, h, why);
	else if (p[0] == v2_sig[0])
		r = v2_parse(p, n, h, why);
	else
		r = bad(why, "not a PROXY header");
	if (r != PROXY_OK)	/* v1: the addresses before a bad field */
		memset(h, 0, sizeof(*h));
	return r;
}
