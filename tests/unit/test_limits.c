/*
 * limits.c: the N/SECONDS parser, the token bucket arithmetic to the ns,
 * address group keys, admission (per-ip, rate, table full), exact counts
 * under a long random run against a model, reclaiming under a flood of
 * distinct addresses, and the cost of an admit at two table sizes.  All
 * pure: time is a number the tests advance.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "forkd_limits.h"
#include "check.h"

#define SEC	1000000000ull
#define T0	(1000 * SEC)	/* a monotonic clock some time after boot */

/* A hang fails. */
static int
setup(void **state)
{
	(void)state;
	alarm(120);
	return 0;
}

/* The key of an address literal (IPv4 or IPv6) under the prefixes. */
static void
key_of(const char *ip, int v4p, int v6p, struct limits_key *k)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0xa5, sizeof(ss));	/* junk the key must not pick up */
	if (inet_pton(AF_INET, ip, &sin->sin_addr) == 1)
		sin->sin_family = AF_INET;
	else {
		assert_int_equal(inet_pton(AF_INET6, ip, &sin6->sin6_addr), 1);
		sin6->sin6_family = AF_INET6;
	}
	limits_key((struct sockaddr *)&ss, v4p, v6p, k);
}

/* A table for these limits, with the default prefixes; fails on ENOMEM. */
static void
table(struct limits *l, unsigned per_ip, unsigned n, unsigned secs,
    size_t max_groups)
{
	struct limits_config cfg = {
		.per_ip = per_ip,
		.rate = { n, secs },
		.v4prefix = 32,
		.v6prefix = 64,
		.max_groups = max_groups,
		.seed = 0x5eed,
	};

	assert_int_equal(limits_init(l, &cfg), 0);
}

/* Proves good N/SECONDS specs parse to their numbers. */
static void
test_rate_parse_good(void **state)
{
	static const struct {
		const char	*spec;
		unsigned	 n, secs;
	} t[] = {
		{ "1/1", 1, 1 },
		{ "10/60", 10, 60 },
		{ "1000000/86400", 1000000, 86400 },
		{ "007/08", 7, 8 },
		{ "1000000/1", 1000000, 1 },
	};
	struct rate r;
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		why = NULL;
		memset(&r, 0xff, sizeof(r));
		CHECK_INT(t[i].spec, limits_rate_parse(t[i].spec, &r, &why), 0);
		CHECK_INT(t[i].spec, r.n, t[i].n);
		CHECK_INT(t[i].spec, r.secs, t[i].secs);
		CHECK_STR(t[i].spec, why, NULL);
	}
}

/* Proves bad specs fail with a reason, and leave *out untouched. */
static void
test_rate_parse_bad(void **state)
{
	static const char form[] = "is not N/SECONDS";
	static const char nrange[] = "N is out of range (1..1000000)";
	static const char srange[] = "SECONDS is out of range (1..86400)";
	static const struct {
		const char	*spec;
		const char	*why;
	} t[] = {
		{ "", form }, { "5", form }, { "/5", form }, { "5/", form },
		{ "/", form }, { "-1/5", form }, { "+1/5", form },
		{ " 1/5", form }, { "1/5 ", form }, { "1 /5", form },
		{ "1/ 5", form }, { "1/5x", form }, { "x1/5", form },
		{ "1.5/2", form }, { "1/2.5", form }, { "1/5/5", form },
		{ "1//5", form }, { "1/-5", form }, { "0x10/5", form },
		{ "0/1", nrange }, { "1000001/1", nrange },
		{ "99999999999/1", nrange },
		{ "99999999999999999999999999999/1", nrange },
		{ "18446744073709551617/1", nrange },	/* 2^64 + 1 */
		{ "1/18446744073709551617", srange },
		{ "1/0", srange }, { "1/86401", srange },
		{ "1/99999999999999999999", srange },
	};
	struct rate r;
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		why = NULL;
		r.n = 42;
		r.secs = 43;
		CHECK_INT(t[i].spec, limits_rate_parse(t[i].spec, &r, &why), -1);
		CHECK_STR(t[i].spec, why, t[i].why);
		CHECK_INT(t[i].spec, r.n, 42);
		CHECK_INT(t[i].spec, r.secs, 43);
	}
	assert_int_equal(limits_rate_parse(NULL, &r, &why), -1);
	assert_int_equal(limits_rate_parse("0/0", &r, NULL), -1);
}

/*
 * Proves a burst of exactly n, then refusal with the exact wait in ns;
 * that a token arrives exactly T later (not a ns before), one only; and
 * that the bucket is full again after secs.
 */
static void
test_bucket_burst(void **state)
{
	const struct rate r = { 10, 1 };	/* T = 100 ms */
	const uint64_t t = SEC / 10;
	struct bucket b = { 0 };
	uint64_t now = T0;
	int i;

	(void)state;
	assert_true(bucket_full(&b, &r, now));
	for (i = 0; i < 10; i++) {
		assert_int_equal(bucket_wait(&b, &r, now), 0);
		assert_int_equal(bucket_take(&b, &r, now), 0);
		assert_false(bucket_full(&b, &r, now));
	}
	assert_int_equal(bucket_take(&b, &r, now), t);
	assert_int_equal(bucket_wait(&b, &r, now), t);
	assert_int_equal(bucket_take(&b, &r, now + 1), t - 1);
	assert_int_equal(bucket_take(&b, &r, now + t - 1), 1);
	assert_int_equal(bucket_wait(&b, &r, now + t), 0);
	assert_int_equal(bucket_take(&b, &r, now + t), 0);
	assert_int_equal(bucket_take(&b, &r, now + t), t);	/* one only */
	/* full again at exactly secs after the last take */
	assert_false(bucket_full(&b, &r, now + t + SEC - 1));
	assert_true(bucket_full(&b, &r, now + t + SEC));
	for (i = 0; i < 10; i++)
		assert_int_equal(bucket_take(&b, &r, now + t + SEC), 0);
	assert_int_equal(bucket_take(&b, &r, now + t + SEC), t);
	/* a refused take took nothing: 4 T later, 4 tokens exactly */
	now += t + SEC + 4 * t;
	for (i = 0; i < 4; i++)
		assert_int_equal(bucket_take(&b, &r, now), 0);
	assert_int_equal(bucket_take(&b, &r, now), t);
}

/*
 * Proves a long idle (10 years) gives a full bucket, not more, with no
 * overflow; and that a clock stepping back never makes a wait longer
 * than one token (so never more than secs), nor underflows.
 */
static void
test_bucket_idle_backwards(void **state)
{
	const struct rate r = { 5, 10 };	/* T = 2 s */
	const uint64_t decade = 10ull * 366 * 86400 * SEC;
	struct bucket b = { 0 };
	uint64_t now = T0, w;
	int i;

	(void)state;
	for (i = 0; i < 5; i++)
		assert_int_equal(bucket_take(&b, &r, now), 0);
	now += decade;
	assert_true(bucket_full(&b, &r, now));
	for (i = 0; i < 5; i++)
		assert_int_equal(bucket_take(&b, &r, now), 0);
	assert_int_equal(bucket_take(&b, &r, now), 2 * SEC);

	/* back by an hour, by a decade, to 0: empty, a wait of one token */
	w = bucket_wait(&b, &r, now - 3600 * SEC);
	assert_int_equal(w, 2 * SEC);
	assert_int_equal(bucket_take(&b, &r, now - decade), 2 * SEC);
	assert_int_equal(bucket_take(&b, &r, 0), 2 * SEC);
	assert_false(bucket_full(&b, &r, 0));
	/* and the clock back where it was: nothing lost, nothing gained */
	assert_int_equal(bucket_take(&b, &r, now), 2 * SEC);
	assert_int_equal(bucket_take(&b, &r, now + 2 * SEC), 0);

	/* a take after a step back: the tat stays within a refill of now */
	b.tat = 0;
	for (i = 0; i < 5; i++)
		assert_int_equal(bucket_take(&b, &r, now), 0);
	assert_int_equal(bucket_take(&b, &r, now - SEC), 2 * SEC);
	assert_true(bucket_wait(&b, &r, now - SEC) <= 10 * SEC);
	/* the end of time: saturates, no wrap to a full bucket */
	b.tat = 0;
	assert_int_equal(bucket_take(&b, &r, UINT64_MAX - 1), 0);
	assert_int_equal(b.tat, UINT64_MAX);
	assert_false(bucket_full(&b, &r, UINT64_MAX - 1));
}

/* Take every token at now, then prove the next waits exactly t. */
static void
drain_exact(const struct rate *r, uint64_t t, uint64_t now)
{
	struct bucket b = { 0 };
	unsigned i;

	for (i = 0; i < r->n; i++)
		if (bucket_take(&b, r, now) != 0)
			fail_msg("%u/%u: token %u refused", r->n, r->secs, i);
	CHECK_INT("wait", bucket_take(&b, r, now), t);
	CHECK_INT("early", bucket_take(&b, r, now + t - 1), 1);
	CHECK_INT("on time", bucket_take(&b, r, now + t), 0);
	CHECK_INT("full", bucket_full(&b, r, now + t + r->secs * SEC), 1);
}

/*
 * Proves the corners: n = 1, the largest n (1000000/1: T = 1 us), the
 * longest T (1/86400), a T that does not divide (3/1), and n = 0 (no
 * limit: never refuses, always full).
 */
static void
test_bucket_extremes(void **state)
{
	const struct rate none = { 0, 0 }, three = { 3, 1 };
	const struct rate one = { 1, 1 }, big = { 1000000, 1 };
	const struct rate day = { 1, 86400 }, bigday = { 1000000, 86400 };
	struct bucket b = { 0 };
	int i;

	(void)state;
	drain_exact(&one, SEC, T0);
	drain_exact(&big, 1000, T0);
	drain_exact(&day, 86400 * SEC, T0);
	drain_exact(&bigday, 86400000, T0);
	drain_exact(&three, 333333333, T0);
	drain_exact(&one, SEC, 0);	/* a clock at 0 */
	for (i = 0; i < 1000; i++)
		assert_int_equal(bucket_take(&b, &none, T0), 0);
	assert_true(bucket_full(&b, &none, 0));
	assert_int_equal(bucket_wait(&b, &none, 0), 0);
	assert_int_equal(b.tat, 0);
}

/* An expected key: the family and the masked address as a literal. */
static void
check_key(const char *ip, int v4p, int v6p, int family, const char *masked)
{
	struct limits_key k, want;

	memset(&want, 0, sizeof(want));
	want.family = (uint8_t)family;
	assert_int_equal(inet_pton(family, masked, want.addr), 1);
	key_of(ip, v4p, v6p, &k);
	if (memcmp(&k, &want, sizeof(k)) != 0)
		fail_msg("%s /%d /%d: key is not %s", ip, v4p, v6p, masked);
}

/* Another family (not on a TCP listener): one group, address zero. */
static void
other_family(void)
{
	struct sockaddr_storage ss;
	struct limits_key k, want;

	memset(&ss, 0xa5, sizeof(ss));
	ss.ss_family = AF_UNIX;
	limits_key((struct sockaddr *)&ss, 32, 64, &k);
	memset(&want, 0, sizeof(want));
	want.family = AF_UNIX;
	assert_memory_equal(&k, &want, sizeof(k));
}

/*
 * Proves IPv4 keys under /32, /24, /0 and odd prefixes, IPv6 under /128,
 * /64, /0 and /57, out-of-range prefixes clamped, unused bytes zero, and
 * a v4-mapped address the same key as its IPv4 address, and another
 * family one group.
 */
static void
test_keys(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct limits_key), 17);
	check_key("192.0.2.77", 32, 64, AF_INET, "192.0.2.77");
	check_key("192.0.2.77", 24, 64, AF_INET, "192.0.2.0");
	check_key("192.0.2.77", 0, 64, AF_INET, "0.0.0.0");
	check_key("192.0.2.255", 25, 64, AF_INET, "192.0.2.128");
	check_key("255.255.255.255", 1, 64, AF_INET, "128.0.0.0");
	check_key("192.0.2.77", 99, 64, AF_INET, "192.0.2.77");
	check_key("192.0.2.77", -1, 64, AF_INET, "0.0.0.0");
	check_key("2001:db8:1:2:3:4:5:6", 32, 128, AF_INET6,
	    "2001:db8:1:2:3:4:5:6");
	check_key("2001:db8:1:2:3:4:5:6", 32, 64, AF_INET6, "2001:db8:1:2::");
	check_key("2001:db8:1:2:3:4:5:6", 32, 0, AF_INET6, "::");
	check_key("2001:db8:1234:56ff:ffff::1", 32, 57, AF_INET6,
	    "2001:db8:1234:5680::");
	check_key("2001:db8::1", 32, 200, AF_INET6, "2001:db8::1");
	check_key("::ffff:192.0.2.77", 32, 64, AF_INET, "192.0.2.77");
	check_key("::ffff:192.0.2.77", 24, 128, AF_INET, "192.0.2.0");
	check_key("::1", 32, 64, AF_INET6, "::");
	check_key("::1", 32, 128, AF_INET6, "::1");
	other_family();
}

/* Whether two literals are one group under the default prefixes. */
static int
same_group(const char *a, const char *b)
{
	struct limits_key ka, kb;

	key_of(a, 32, 64, &ka);
	key_of(b, 32, 64, &kb);
	return memcmp(&ka, &kb, sizeof(ka)) == 0;
}

/* Proves who shares a budget by default and who does not. */
static void
test_key_groups(void **state)
{
	(void)state;
	assert_true(same_group("2001:db8::1", "2001:db8::2"));
	assert_true(same_group("2001:db8::1", "2001:db8::ffff:ffff:ffff:ffff"));
	assert_false(same_group("2001:db8::1", "2001:db8:0:1::1"));
	assert_false(same_group("2001:db8::1", "2001:db9::1"));
	assert_true(same_group("192.0.2.1", "::ffff:192.0.2.1"));
	assert_false(same_group("192.0.2.1", "192.0.2.2"));
	/* the same 4 bytes in another family are another group */
	assert_false(same_group("192.0.2.1", "c000:201::"));
	assert_false(same_group("0.0.0.0", "::"));
}

/* Proves the log forms of keys, and that a short buffer is cut. */
static void
test_key_format(void **state)
{
	static const struct {
		const char	*ip;
		int		 v4p, v6p;
		const char	*text;
	} t[] = {
		{ "192.0.2.7", 32, 64, "192.0.2.7" },
		{ "192.0.2.7", 24, 64, "192.0.2.0/24" },
		{ "192.0.2.7", 0, 64, "0.0.0.0/0" },
		{ "::ffff:192.0.2.7", 24, 64, "192.0.2.0/24" },
		{ "2001:db8::1", 32, 64, "2001:db8::/64" },
		{ "2001:db8::1", 32, 128, "2001:db8::1" },
		{ "2001:db8:1234:56ff::1", 32, 57, "2001:db8:1234:5680::/57" },
		{ "2001:db8::1", 32, 0, "::/0" },
	};
	struct limits_key k;
	char buf[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		key_of(t[i].ip, t[i].v4p, t[i].v6p, &k);
		memset(buf, 'Z', sizeof(buf));
		limits_key_format(&k, t[i].v4p, t[i].v6p, buf, sizeof(buf));
		CHECK_STR(t[i].ip, buf, t[i].text);
	}
	key_of("192.0.2.7", 24, 64, &k);
	memset(buf, 'Z', sizeof(buf));
	limits_key_format(&k, 24, 64, buf, 6);
	assert_string_equal(buf, "192.0");
	assert_int_equal(buf[6], 'Z');
	memset(&k, 0, sizeof(k));
	k.family = AF_UNIX;
	limits_key_format(&k, 32, 64, buf, sizeof(buf));
	assert_string_equal(buf, "family 1");
}

/* Admit from a literal at now; returns the verdict, *conns via c. */
static enum limits_verdict
admit(struct limits *l, const char *ip, uint64_t now, unsigned *c)
{
	struct limits_key k;

	key_of(ip, 32, 64, &k);
	return limits_admit(l, &k, now, c);
}

/* Release one child of a literal's group at now. */
static void
release(struct limits *l, const char *ip, uint64_t now)
{
	struct limits_key k;

	key_of(ip, 32, 64, &k);
	limits_release(l, &k, now);
}

/* The children of a literal's group. */
static unsigned
count(const struct limits *l, const char *ip)
{
	struct limits_key k;

	key_of(ip, 32, 64, &k);
	return limits_count(l, &k);
}

/*
 * Proves -C 3: three in with TCPCONNNUM 1, 2, 3, the fourth refused;
 * another group (and one /64 as one group) unaffected; a release lets
 * one more in; releasing more than admitted, or an unknown group, is a
 * no-op; and without -C, counting all the same.
 */
static void
test_per_ip(void **state)
{
	struct limits l;
	unsigned c = 0, i;

	(void)state;
	table(&l, 3, 0, 0, 0);
	for (i = 1; i <= 3; i++) {
		assert_int_equal(admit(&l, "2001:db8::1", T0, &c), LIMITS_OK);
		assert_int_equal(c, i);
	}
	c = 99;
	assert_int_equal(admit(&l, "2001:db8::2", T0, &c), LIMITS_PER_IP);
	assert_int_equal(c, 99);
	assert_int_equal(count(&l, "2001:db8::1"), 3);
	assert_int_equal(admit(&l, "2001:db8:0:1::1", T0, &c), LIMITS_OK);
	assert_int_equal(c, 1);
	assert_int_equal(admit(&l, "192.0.2.1", T0, NULL), LIMITS_OK);
	assert_int_equal(limits_groups(&l), 3);
	assert_int_equal(limits_total(&l), 5);

	release(&l, "2001:db8::3", T0);
	assert_int_equal(admit(&l, "2001:db8::4", T0, &c), LIMITS_OK);
	assert_int_equal(c, 3);
	release(&l, "203.0.113.9", T0);		/* unknown */
	assert_int_equal(limits_total(&l), 5);
	for (i = 0; i < 5; i++)
		release(&l, "192.0.2.1", T0);	/* one child, five releases */
	assert_int_equal(count(&l, "192.0.2.1"), 0);
	assert_int_equal(limits_total(&l), 4);
	assert_int_equal(limits_groups(&l), 2);
	limits_free(&l);
	assert_int_equal(limits_groups(&l), 0);
	release(&l, "192.0.2.1", T0);		/* freed: still a no-op */

	table(&l, 0, 0, 0, 0);
	for (i = 1; i <= 1000; i++) {
		assert_int_equal(admit(&l, "::ffff:10.0.0.1", T0, &c),
		    LIMITS_OK);
		assert_int_equal(c, i);
	}
	assert_int_equal(count(&l, "10.0.0.1"), 1000);
	limits_free(&l);
}

/*
 * Proves -R 2/10 per group: two in, the third refused, another group
 * unaffected, one more after T = 5 s; and that a release does not give
 * a token back (a rate is of connections, not of children).
 */
static void
test_rate_per_group(void **state)
{
	struct limits l;
	unsigned c;

	(void)state;
	table(&l, 0, 2, 10, 0);
	assert_int_equal(admit(&l, "192.0.2.1", T0, &c), LIMITS_OK);
	release(&l, "192.0.2.1", T0);
	assert_int_equal(limits_groups(&l), 1);	/* the bucket stays */
	assert_int_equal(admit(&l, "192.0.2.1", T0, &c), LIMITS_OK);
	assert_int_equal(c, 1);
	c = 99;
	assert_int_equal(admit(&l, "192.0.2.1", T0 + 1, &c), LIMITS_RATE);
	assert_int_equal(c, 99);
	assert_int_equal(admit(&l, "192.0.2.2", T0, &c), LIMITS_OK);
	assert_int_equal(admit(&l, "192.0.2.1", T0 + 5 * SEC - 1, &c),
	    LIMITS_RATE);
	assert_int_equal(admit(&l, "192.0.2.1", T0 + 5 * SEC, &c),
	    LIMITS_OK);
	assert_int_equal(c, 2);
	assert_int_equal(admit(&l, "192.0.2.1", T0 + 5 * SEC, &c),
	    LIMITS_RATE);
	assert_int_equal(count(&l, "192.0.2.1"), 2);
	release(&l, "192.0.2.1", T0 + 5 * SEC);
	release(&l, "192.0.2.1", T0 + 5 * SEC);
	assert_int_equal(limits_total(&l), 1);
	assert_int_equal(limits_groups(&l), 2);	/* still refilling */
	/* a release when the bucket is full forgets the group at once */
	release(&l, "192.0.2.2", T0 + 10 * SEC);
	assert_int_equal(limits_groups(&l), 1);
	limits_free(&l);
}

/*
 * Proves the order of the checks: a per-ip refusal takes no token (the
 * bucket still has them after), and a rate refusal adds no child.
 */
static void
test_refusals_take_nothing(void **state)
{
	struct limits l;
	unsigned c;
	int i;

	(void)state;
	table(&l, 1, 3, 3, 0);		/* one child, 3 a burst, T = 1 s */
	assert_int_equal(admit(&l, "192.0.2.1", T0, &c), LIMITS_OK);
	for (i = 0; i < 10; i++)
		assert_int_equal(admit(&l, "192.0.2.1", T0, &c),
		    LIMITS_PER_IP);
	release(&l, "192.0.2.1", T0);
	/* two tokens left of three, per-ip refusals notwithstanding */
	assert_int_equal(admit(&l, "192.0.2.1", T0, &c), LIMITS_OK);
	release(&l, "192.0.2.1", T0);
	assert_int_equal(admit(&l, "192.0.2.1", T0, &c), LIMITS_OK);
	release(&l, "192.0.2.1", T0);
	for (i = 0; i < 10; i++)
		assert_int_equal(admit(&l, "192.0.2.1", T0, &c), LIMITS_RATE);
	assert_int_equal(count(&l, "192.0.2.1"), 0);
	assert_int_equal(limits_total(&l), 0);
	assert_int_equal(admit(&l, "192.0.2.1", T0 + SEC, &c), LIMITS_OK);
	assert_int_equal(c, 1);
	limits_free(&l);
}

/* The model of one group: children, and a token bucket as ns of credit. */
struct model {
	unsigned	count;
	uint64_t	credit;		/* up to n * T; a token costs T */
	uint64_t	last;		/* when credit was last brought up */
};

#define NGROUPS	5000

/* A literal for group g, with some host bits varied by salt. */
static void
group_ip(unsigned g, unsigned salt, char *buf, size_t len)
{
	if (g % 2 == 0)		/* /24: the last byte is the host's */
		snprintf(buf, len, "10.%u.%u.%u", g >> 9, (g >> 1) & 0xff,
		    salt & 0xff);
	else
		snprintf(buf, len, "2001:db8:%x:%x::%x", g >> 8, g & 0xff,
		    salt & 0xffff);
}

/* What the model says of an admit; brings the group's state forward. */
static enum limits_verdict
model_admit(struct model *m, unsigned per_ip, const struct rate *r,
    uint64_t now)
{
	uint64_t t = r->n ? (uint64_t)r->secs * SEC / r->n : 0;

	if (r->n != 0) {
		m->credit += now - m->last;
		if (m->credit > r->n * t)
			m->credit = r->n * t;
		m->last = now;
	}
	if (per_ip != 0 && m->count >= per_ip)
		return LIMITS_PER_IP;
	if (r->n != 0 && m->credit < t)
		return LIMITS_RATE;
	m->credit -= t;
	m->count++;
	return LIMITS_OK;
}

/*
 * One seeded random run of ops admits and releases over NGROUPS groups
 * (half IPv4 /24, half IPv6 /64), time advancing, every verdict, count
 * and TCPCONNNUM checked against the model; then everything released.
 */
static void
churn(unsigned per_ip, unsigned n, unsigned secs, int ops)
{
	static struct model m[NGROUPS];
	const struct rate r = { n, secs };
	struct limits_config cfg = { per_ip, { n, secs }, 24, 64, 0, 7 };
	struct limits l;
	struct limits_key k;
	unsigned seed = 4242, g, c, want_c;
	unsigned long total = 0, seen[LIMITS_FULL + 1] = { 0 };
	uint64_t now = T0;
	enum limits_verdict v, want;
	char ip[64];
	int i;

	for (g = 0; g < NGROUPS; g++)
		m[g] = (struct model){ 0, n * (r.n ? secs * SEC / n : 0), 0 };
	assert_int_equal(limits_init(&l, &cfg), 0);
	for (i = 0; i < ops; i++) {
		seed = seed * 1103515245u + 12345u;
		g = (seed >> 8) % NGROUPS;
		now += (seed >> 4) % 4096 * 1000;	/* 0 to 4 ms */
		group_ip(g, seed >> 16, ip, sizeof(ip));
		key_of(ip, 24, 64, &k);
		if ((seed & 0x80000000u) && m[g].count > 0) {
			limits_release(&l, &k, now);
			m[g].count--;
			total--;
		} else {
			c = want_c = 0;
			v = limits_admit(&l, &k, now, &c);
			want = model_admit(&m[g], per_ip, &r, now);
			if (v != want)
				fail_msg("op %d: %s: verdict %d, want %d", i,
				    ip, v, want);
			seen[v]++;
			if (v == LIMITS_OK) {
				want_c = m[g].count;
				total++;
			}
			CHECK_INT(ip, c, want_c);
		}
		CHECK_INT(ip, limits_count(&l, &k), m[g].count);
		CHECK_INT("total", limits_total(&l), total);
	}
	for (g = 0; g < NGROUPS; g++) {
		group_ip(g, g, ip, sizeof(ip));
		key_of(ip, 24, 64, &k);
		while (m[g].count-- > 0)
			limits_release(&l, &k, now);
		limits_release(&l, &k, now);	/* one more: a no-op */
		CHECK_INT(ip, limits_count(&l, &k), 0);
	}
	assert_int_equal(limits_total(&l), 0);
	if (n == 0)
		assert_int_equal(limits_groups(&l), 0);
	limits_free(&l);
	/* the run did refuse, for every reason it could */
	assert_true(seen[LIMITS_OK] > 0);
	assert_true((seen[LIMITS_PER_IP] > 0) == (per_ip != 0));
	assert_true((seen[LIMITS_RATE] > 0) == (n != 0));
	assert_int_equal(seen[LIMITS_FULL], 0);
}

/*
 * Proves exact counts over 200,000 random admits and releases: with -C
 * and -R (verdicts of both kinds), with -R alone, with -C alone, and
 * with neither (the table then ends empty).  A group is seen every 10 s
 * or so: the rates are tight enough to refuse.
 */
static void
test_exact_churn(void **state)
{
	(void)state;
	churn(3, 2, 60, 200000);
	churn(0, 1, 20, 200000);
	churn(0, 0, 0, 200000);
	churn(2, 0, 0, 200000);
}

/* The groups held after admitting and releasing 10.i/32 at now. */
static size_t
flood_one(struct limits *l, unsigned i, uint64_t now)
{
	struct limits_key k;
	char ip[64];

	if (i % 2)
		snprintf(ip, sizeof(ip), "10.%u.%u.%u", i >> 16,
		    (i >> 8) & 0xff, i & 0xff);
	else
		snprintf(ip, sizeof(ip), "2001:db8:%x:%x::1", i >> 16,
		    i & 0xffff);
	key_of(ip, 32, 64, &k);
	assert_int_equal(limits_admit(l, &k, now, NULL), LIMITS_OK);
	limits_release(l, &k, now);
	return limits_groups(l);
}

/*
 * Proves reclaiming without a scan: 100,000 distinct addresses at 1000
 * a second, each connecting once, under -R 1/1; at any time only the
 * last second's 1000 need holding, and the table stays within a few
 * times that.  After a long idle, admits from one address bring the
 * table down to that one group within a bounded number of admits.
 */
static void
test_reclaim_flood(void **state)
{
	struct limits l;
	uint64_t now = T0;
	size_t g, peak = 0, before;
	unsigned i;

	(void)state;
	table(&l, 0, 1, 1, 0);
	for (i = 0; i < 100000; i++) {
		now += SEC / 1000;
		g = flood_one(&l, i, now);
		if (g > peak)
			peak = g;
		if (i >= 1000 && g < 1000)
			fail_msg("%u: %zu groups, 1000 still refilling", i, g);
	}
	print_message("# reclaim: at most %zu groups held, 1000 needed\n",
	    peak);
	assert_true(peak < 3 * 1000);
	now += 3600 * SEC;
	before = limits_groups(&l);
	for (i = 0; i < 10; i++)
		(void)admit(&l, "192.0.2.1", now, NULL);
	assert_true(limits_groups(&l) < before);
	for (i = 0; i < 10 * peak && limits_groups(&l) > 1; i++)
		(void)admit(&l, "192.0.2.1", now, NULL);	/* refused */
	assert_int_equal(limits_groups(&l), 1);
	assert_int_equal(limits_total(&l), 1);
	limits_free(&l);
}

/*
 * Proves LIMITS_FULL with max_groups 8: a ninth group is refused with
 * counts unchanged, known groups still admitted; a group gone (no -R:
 * at its last release; -R: once its bucket is full) makes room.
 */
static void
test_full(void **state)
{
	struct limits l;
	char ip[32];
	unsigned c, i;
	int rated;

	(void)state;
	for (rated = 0; rated <= 1; rated++) {
		table(&l, 0, rated, rated, 8);
		for (i = 0; i < 8; i++) {
			snprintf(ip, sizeof(ip), "192.0.2.%u", i);
			assert_int_equal(admit(&l, ip, T0, &c), LIMITS_OK);
		}
		c = 99;
		assert_int_equal(admit(&l, "198.51.100.1", T0, &c), LIMITS_FULL);
		assert_int_equal(c, 99);
		assert_int_equal(count(&l, "198.51.100.1"), 0);
		assert_int_equal(limits_groups(&l), 8);
		assert_int_equal(limits_total(&l), 8);
		assert_int_equal(admit(&l, "192.0.2.3", T0 + 2 * SEC, &c),
		    LIMITS_OK);
		assert_int_equal(c, 2);
		release(&l, "192.0.2.5", T0);
		assert_int_equal(limits_groups(&l), 8 - !rated);
		assert_int_equal(admit(&l, "198.51.100.1", T0, &c),
		    rated ? LIMITS_FULL : LIMITS_OK);
		assert_int_equal(admit(&l, "198.51.100.1", T0 + SEC, &c),
		    LIMITS_OK);
		assert_int_equal(limits_groups(&l), 8);
		assert_int_equal(limits_total(&l), 9 + !rated);
		limits_free(&l);
	}
}

/* ns per admit (and release) on a table holding ngroups groups. */
static double
admit_cost(size_t ngroups)
{
	enum { OPS = 200000 };
	static struct limits_key keys[100000];
	struct limits l;
	double start;
	size_t i;

	assert_true(ngroups <= sizeof(keys) / sizeof(keys[0]));
	table(&l, 0, 1000, 1, 0);
	for (i = 0; i < ngroups; i++) {
		memset(&keys[i], 0, sizeof(keys[i]));
		keys[i].family = AF_INET;
		memcpy(keys[i].addr, &i, 4);
		assert_int_equal(limits_admit(&l, &keys[i], T0, NULL),
		    LIMITS_OK);	/* one child each: none reclaimable */
	}
	start = mono_now();
	for (i = 0; i < OPS; i++) {
		if (limits_admit(&l, &keys[i % ngroups], T0 + i * 1000,
		    NULL) != LIMITS_OK)
			fail_msg("admit %zu refused", i);
		limits_release(&l, &keys[i % ngroups], T0 + i * 1000);
	}
	start = (mono_now() - start) * 1e9 / OPS;
	assert_int_equal(limits_groups(&l), ngroups);
	limits_free(&l);
	return start;
}

/* Measures (does not assert) that an admit costs alike at both sizes. */
static void
test_cost(void **state)
{
	double small, large;

	(void)state;
	small = admit_cost(1000);
	large = admit_cost(100000);
	print_message("# limits_admit+release: %.0f ns at 1000 groups, "
	    "%.0f ns at 100000 groups\n", small, large);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate_parse_good),
		cmocka_unit_test(test_rate_parse_bad),
		cmocka_unit_test(test_bucket_burst),
		cmocka_unit_test(test_bucket_idle_backwards),
		cmocka_unit_test(test_bucket_extremes),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_key_groups),
		cmocka_unit_test(test_key_format),
		cmocka_unit_test(test_per_ip),
		cmocka_unit_test(test_rate_per_group),
		cmocka_unit_test(test_refusals_take_nothing),
		cmocka_unit_test(test_exact_churn),
		cmocka_unit_test(test_reclaim_flood),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_cost),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
