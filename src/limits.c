/*
 * Admission control, checked in the parent between accept() and fork()
 * for every connection: children per client address group, a token
 * bucket per group, and the buckets themselves (also the server-wide
 * one).  All of it is O(1) and allocates nothing once the group table
 * has grown to fit; pure: no I/O, no logging, no clock reads (the
 * caller passes now, ns on CLOCK_MONOTONIC).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forkd_limits.h"

#define NSEC		1000000000ull
#define INITIAL_SLOTS	256	/* 128 groups before the first growth */
#define SWEEP_SLOTS	4	/* slots each admit looks at to reclaim */
#define FULL_SWEEP_SLOTS 64	/* and again, when the table is full */

/*
 * One address group: its live children and its bucket.  32 bytes: the
 * used flag sits in what would be the key's padding.
 */
struct limits_entry {
	struct limits_key	key;
	uint8_t			used;	/* 0: an empty slot */
	uint32_t		count;
	struct bucket		bucket;
};

/* Set *why (if asked for) and fail. */
static int
bad(const char **why, const char *what)
{
	if (why != NULL)
		*why = what;
	return -1;
}

/*
 * The digits at *p as a number, held at max + 1 once past max (so a
 * long string cannot overflow it); -1 if there is no digit.
 */
static int
digits(const char **p, unsigned long max, unsigned long *v)
{
	const char *s = *p;

	*v = 0;
	for (; *s >= '0' && *s <= '9'; s++) {
		*v = *v * 10 + (unsigned long)(*s - '0');
		if (*v > max)
			*v = max + 1;
	}
	if (s == *p)
		return -1;
	*p = s;
	return 0;
}

/*
 * "N/SECONDS" into *out (untouched on error): digits only, since a sign,
 * a space or a fraction in a limit is more likely a typo than a wish.
 */
int
limits_rate_parse(const char *spec, struct rate *out, const char **why)
{
	const char *p = spec;
	unsigned long n, secs;

	if (p == NULL || digits(&p, LIMITS_RATE_MAX_N, &n) == -1 ||
	    *p++ != '/' || digits(&p, LIMITS_RATE_MAX_SECS, &secs) == -1 ||
	    *p != '\0')
		return bad(why, "is not N/SECONDS");
	if (n < 1 || n > LIMITS_RATE_MAX_N)
		return bad(why, "N is out of range (1..1000000)");
	if (secs < 1 || secs > LIMITS_RATE_MAX_SECS)
		return bad(why, "SECONDS is out of range (1..86400)");
	out->n = (unsigned)n;
	out->secs = (unsigned)secs;
	return 0;
}

/*
 * The ns from one token to the next, rounded down (so n of them never
 * take longer than secs) and never 0.  secs * 1e9 < 2^64 for any
 * unsigned secs, and n times this is at most that: no overflow below.
 */
static uint64_t
interval(const struct rate *r)
{
	uint64_t t = (uint64_t)r->secs * NSEC / r->n;

	return t > 0 ? t : 1;
}

/*
 * How far the bucket's tat is ahead of now, at most a whole refill: only
 * a clock that went back puts it further, and that must not make anyone
 * wait longer than an empty bucket does.
 */
static uint64_t
lag(const struct bucket *b, const struct rate *r, uint64_t t, uint64_t now)
{
	uint64_t full = t * r->n;

	if (b->tat <= now)
		return 0;
	return b->tat - now < full ? b->tat - now : full;
}

/* As bucket_take but never takes: 0 if a token is there now. */
uint64_t
bucket_wait(const struct bucket *b, const struct rate *r, uint64_t now)
{
	uint64_t t, d, burst;

	if (r->n == 0)
		return 0;
	t = interval(r);
	d = lag(b, r, t, now);
	burst = t * (r->n - 1);	/* a token is there while d <= burst */
	return d <= burst ? 0 : d - burst;
}

/* Take a token at now: 0 if taken, else the ns until one is available. */
uint64_t
bucket_take(struct bucket *b, const struct rate *r, uint64_t now)
{
	uint64_t t, d, wait;

	if (r->n == 0)
		return 0;
	if ((wait = bucket_wait(b, r, now)) != 0)
		return wait;
	t = interval(r);
	d = lag(b, r, t, now) + t;	/* tat' = max(tat, now) + t */
	b->tat = now > UINT64_MAX - d ? UINT64_MAX : now + d;
	return 0;
}

/* Whether the bucket is full at now (it then carries no state). */
int
bucket_full(const struct bucket *b, const struct rate *r, uint64_t now)
{
	return r->n == 0 || b->tat <= now;
}

/* A prefix length in 0..max. */
static int
clamp(int bits, int max)
{
	return bits < 0 ? 0 : bits > max ? max : bits;
}

/* Keep the first bits of addr[0..len), zero the others. */
static void
mask(uint8_t *addr, size_t len, int bits)
{
	size_t i;

	for (i = 0; i < len; i++, bits -= 8)
		if (bits <= 0)
			addr[i] = 0;
		else if (bits < 8)
			addr[i] &= (uint8_t)(0xff << (8 - bits));
}

/* The key of an IPv4 address (4 bytes, network order) under its prefix. */
static void
key_v4(struct limits_key *k, const void *a4, int v4prefix)
{
	k->family = AF_INET;
	memcpy(k->addr, a4, 4);
	mask(k->addr, 4, clamp(v4prefix, 32));
}

/*
 * The address group of a client: its address masked to the family's
 * prefix.  A v4-mapped IPv6 address (a dual-stack listener's IPv4
 * client) is that IPv4 client.  Another family is one group of its own.
 */
void
limits_key(const struct sockaddr *sa, int v4prefix, int v6prefix,
    struct limits_key *k)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	memset(k, 0, sizeof(*k));
	if (sa->sa_family == AF_INET) {
		memcpy(&sin, sa, sizeof(sin));	/* sa may be unaligned */
		key_v4(k, &sin.sin_addr, v4prefix);
	} else if (sa->sa_family == AF_INET6) {
		memcpy(&sin6, sa, sizeof(sin6));
		if (IN6_IS_ADDR_V4MAPPED(&sin6.sin6_addr)) {
			key_v4(k, &sin6.sin6_addr.s6_addr[12], v4prefix);
			return;
		}
		k->family = AF_INET6;
		memcpy(k->addr, &sin6.sin6_addr, 16);
		mask(k->addr, 16, clamp(v6prefix, 128));
	} else
		k->family = (uint8_t)sa->sa_family;
}

/* "192.0.2.0/24", "2001:db8::/64", "192.0.2.7" (the whole address). */
void
limits_key_format(const struct limits_key *k, int v4prefix, int v6prefix,
    char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];
	int bits, all;

	if (k->family == AF_INET) {
		all = 32;
		bits = clamp(v4prefix, all);
	} else if (k->family == AF_INET6) {
		all = 128;
		bits = clamp(v6prefix, all);
	} else {
		snprintf(buf, len, "family %u", (unsigned)k->family);
		return;
	}
	if (inet_ntop(k->family, k->addr, ip, sizeof(ip)) == NULL)
		strlcpy(ip, "?", sizeof(ip));
	if (bits == all)
		snprintf(buf, len, "%s", ip);
	else
		snprintf(buf, len, "%s/%d", ip, bits);
}

/* Every bit of x into every bit (the murmur3 finaliser). */
static uint64_t
mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

/*
 * The slot where k's search starts.  Keyed by the seed: with a known
 * hash, a client holding many IPv6 prefixes could pick ones that share
 * a slot and turn every admit into a walk along one long run.
 */
static size_t
home_of(const struct limits *l, const struct limits_key *k)
{
	uint64_t a, b, h;

	memcpy(&a, k->addr, 8);
	memcpy(&b, k->addr + 8, 8);
	h = mix(l->cfg.seed ^ k->family);
	h = mix(h ^ a);
	h = mix(h ^ b);
	return (size_t)h & (l->cap - 1);
}

/* The slot that holds k, or the empty slot where it would go. */
static size_t
slot_of(const struct limits *l, const struct limits_key *k)
{
	size_t h = home_of(l, k);

	while (l->slot[h].used &&
	    memcmp(&l->slot[h].key, k, sizeof(*k)) != 0)
		h = (h + 1) & (l->cap - 1);
	return h;
}

/*
 * Empty slot h and close the gap (backward shift, as in children.c), so
 * that every search still finds its key without tombstones.
 */
static void
slot_clear(struct limits *l, size_t h)
{
	size_t j = h, home;

	for (;;) {
		l->slot[h].used = 0;
		for (;;) {
			j = (j + 1) & (l->cap - 1);
			if (!l->slot[j].used)
				return;
			home = home_of(l, &l->slot[j].key);
			/* j's entry may move to h if home is not in (h, j] */
			if (h <= j ? (home <= h || home > j) :
			    (home <= h && home > j))
				break;
		}
		l->slot[h] = l->slot[j];
		h = j;
	}
}

/* Forget the entry in slot h. */
static void
forget(struct limits *l, size_t h)
{
	slot_clear(l, h);
	l->n--;
}

/* Move every entry into a new table of cap slots; -1 if no memory. */
static int
rehash(struct limits *l, size_t cap)
{
	struct limits_entry *old = l->slot;
	size_t oldcap = l->cap, i;

	l->slot = calloc(cap, sizeof(*l->slot));
	if (l->slot == NULL) {
		l->slot = old;
		return -1;
	}
	l->cap = cap;
	l->cursor = 0;
	for (i = 0; i < oldcap; i++)
		if (old[i].used)
			l->slot[slot_of(l, &old[i].key)] = old[i];
	free(old);
	return 0;
}

/*
 * Look at steps slots from the cursor on and forget the entries that
 * hold nothing (no child, a full bucket): groups that stopped connecting
 * go as their buckets refill, a few per admit, with no scan.  A
 * deletion shifts a later entry into the slot: look at it again.
 */
static void
sweep(struct limits *l, size_t steps, uint64_t now)
{
	struct limits_entry *e;

	if (l->cfg.rate.n == 0)	/* release forgets count 0 at once */
		return;
	while (steps-- > 0) {
		e = &l->slot[l->cursor];
		if (e->used && e->count == 0 &&
		    bucket_full(&e->bucket, &l->cfg.rate, now))
			forget(l, l->cursor);
		else
			l->cursor = (l->cursor + 1) & (l->cap - 1);
	}
}

/*
 * A new, zeroed entry for k (not in the table): the table grown first
 * if it would be over half full.  NULL if max_groups are held even
 * after a longer sweep, or the table cannot grow.
 */
static struct limits_entry *
insert(struct limits *l, const struct limits_key *k, uint64_t now)
{
	struct limits_entry *e;

	if (l->n >= l->max) {
		sweep(l, FULL_SWEEP_SLOTS, now);
		if (l->n >= l->max)
			return NULL;
	}
	if (l->n + 1 > l->cap / 2 && rehash(l, l->cap * 2) == -1)
		return NULL;
	e = &l->slot[slot_of(l, k)];
	memset(e, 0, sizeof(*e));
	e->key = *k;
	e->used = 1;
	l->n++;
	return e;
}

/*
 * An empty table for cfg; 0, or -1 (ENOMEM).  The table starts small and
 * never holds more than 2 * max_groups slots (a power of 2).
 */
int
limits_init(struct limits *l, const struct limits_config *cfg)
{
	size_t cap = 2;

	memset(l, 0, sizeof(*l));
	l->cfg = *cfg;
	l->max = cfg->max_groups != 0 ? cfg->max_groups : LIMITS_MAX_GROUPS;
	if (l->max > SIZE_MAX / 4 / sizeof(*l->slot))
		l->max = SIZE_MAX / 4 / sizeof(*l->slot);
	while (cap < INITIAL_SLOTS && cap / 2 < l->max)
		cap *= 2;
	l->slot = calloc(cap, sizeof(*l->slot));
	if (l->slot == NULL)
		return -1;
	l->cap = cap;
	return 0;
}

/* Free the table; the struct is then empty (limits_init to reuse it). */
void
limits_free(struct limits *l)
{
	free(l->slot);
	l->slot = NULL;
	l->cap = l->n = l->cursor = 0;
	l->total = 0;
}

/*
 * Admit a connection from group k at now, or say why not: the per-group
 * child limit first (so a refusal takes no token), then the rate (a
 * refusal leaves the count).  On LIMITS_OK *conns is the group's new
 * child count (TCPCONNNUM); otherwise nothing changed but reclaiming.
 */
enum limits_verdict
limits_admit(struct limits *l, const struct limits_key *k, uint64_t now,
    unsigned *conns)
{
	struct limits_entry *e;

	sweep(l, SWEEP_SLOTS, now);
	e = &l->slot[slot_of(l, k)];
	if (!e->used && (e = insert(l, k, now)) == NULL)
		return LIMITS_FULL;
	if (l->cfg.per_ip != 0 && e->count >= l->cfg.per_ip)
		return LIMITS_PER_IP;
	if (bucket_take(&e->bucket, &l->cfg.rate, now) != 0)
		return LIMITS_RATE;	/* a new entry never: its bucket is full */
	e->count++;
	l->total++;
	if (conns != NULL)
		*conns = e->count;
	return LIMITS_OK;
}

/*
 * A child of group k is gone: one less.  A group left with no child and
 * a full bucket goes now; one whose bucket still refills, later (sweep).
 */
void
limits_release(struct limits *l, const struct limits_key *k, uint64_t now)
{
	struct limits_entry *e;
	size_t h;

	if (l->n == 0)
		return;
	h = slot_of(l, k);
	e = &l->slot[h];
	if (!e->used || e->count == 0)
		return;
	e->count--;
	l->total--;
	if (e->count == 0 && bucket_full(&e->bucket, &l->cfg.rate, now))
		forget(l, h);
}

/* The children of group k now. */
unsigned
limits_count(const struct limits *l, const struct limits_key *k)
{
	size_t h;

	if (l->n == 0)
		return 0;
	h = slot_of(l, k);
	return l->slot[h].used ? l->slot[h].count : 0;
}

/* The entries held: groups with children or a bucket still refilling. */
size_t
limits_groups(const struct limits *l)
{
	return l->n;
}

/* The children of all groups together. */
unsigned long
limits_total(const struct limits *l)
{
	return l->total;
}
