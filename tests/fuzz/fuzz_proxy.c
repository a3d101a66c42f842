/*
 * proxy_parse(): the input is the first bytes of a connection.  Beyond
 * not reading past n (the input is a heap buffer of exactly n bytes),
 * the parser promises what pending.c relies on as bytes trickle in: the
 * answer for n - 1 bytes decides the answer for n (INCOMPLETE may become
 * anything, BAD stays BAD, OK stays OK with the same header), BAD comes
 * with a reason, anything but OK leaves the header zeroed, and an OK
 * header is one the spec allows: v1 ends in CRLF within 107 bytes, v2's
 * length is the one in its head, addresses are AF_INET or AF_INET6.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>

#include "proxy.h"
#include "fuzz.h"

/* Whether h is all zeros. */
static int
zeroed(const struct proxy_header *h)
{
	static const struct proxy_header zero;

	return memcmp(h, &zero, sizeof(zero)) == 0;
}

/* An address as OK headers have them: its family, its size. */
static void
check_address(const struct sockaddr_storage *ss, socklen_t len)
{
	FUZZ_CHECK((ss->ss_family == AF_INET &&
	    len == sizeof(struct sockaddr_in)) ||
	    (ss->ss_family == AF_INET6 &&
	    len == sizeof(struct sockaddr_in6)));
}

/* An OK header for the n bytes at p. */
static void
check_ok(const unsigned char *p, size_t n, const struct proxy_header *h)
{
	if (h->version == 1) {
		FUZZ_CHECK(h->len <= n && h->len <= PROXY_V1_MAX);
		FUZZ_CHECK(h->len >= 8 && memcmp(p, "PROXY ", 6) == 0);
		FUZZ_CHECK(p[h->len - 2] == '\r' && p[h->len - 1] == '\n');
		FUZZ_CHECK(memchr(p, '\n', h->len - 1) == NULL);
	} else {
		FUZZ_CHECK(h->version == 2);
		FUZZ_CHECK(n >= PROXY_V2_HEAD);
		FUZZ_CHECK(h->len == PROXY_V2_HEAD + ((size_t)p[14] << 8 | p[15]));
	}
	if (h->local) {
		FUZZ_CHECK(h->srclen == 0 && h->dstlen == 0);
		return;
	}
	check_address(&h->src, h->srclen);
	check_address(&h->dst, h->dstlen);
	FUZZ_CHECK(h->src.ss_family == h->dst.ss_family);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *p = fuzz_dup(data, size), *less;
	struct proxy_header h, hl;
	enum proxy_result r, rl;
	const char *why = "unset", *whyl = "unset";

	r = proxy_parse(p, size, &h, &why);
	FUZZ_CHECK(r == PROXY_INCOMPLETE || r == PROXY_OK || r == PROXY_BAD);
	FUZZ_CHECK((r == PROXY_BAD) == (why != NULL));
	if (r == PROXY_OK)
		check_ok(p, size, &h);
	else
		FUZZ_CHECK(zeroed(&h));

	/* One byte fewer, in a buffer of its own size. */
	if (size > 0) {
		less = fuzz_dup(data, size - 1);
		rl = proxy_parse(less, size - 1, &hl, &whyl);
		if (rl == PROXY_BAD)
			FUZZ_CHECK(r == PROXY_BAD);
		if (rl == PROXY_OK)
			FUZZ_CHECK(r == PROXY_OK &&
			    memcmp(&h, &hl, sizeof(h)) == 0);
		if (r == PROXY_INCOMPLETE)
			FUZZ_CHECK(rl == PROXY_INCOMPLETE);
		free(less);
	}
	/* why may be NULL: the caller does not want the reason. */
	FUZZ_CHECK(proxy_parse(p, size, &hl, NULL) == r);
	free(p);
	return 0;
}
