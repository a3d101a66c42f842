/*
 * forkd: admission control (limits.c), checked in the parent between
 * accept() and fork(): children per client address group (-C, and
 * TCPCONNNUM for every child), a token bucket per group (-R), and the
 * token buckets themselves (also the server-wide --max-rate).
 * Not "limits.h": with -Isrc that name would hide <limits.h>.
 */
#ifndef FORKD_LIMITS_H
#define FORKD_LIMITS_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#define LIMITS_RATE_MAX_N	1000000		/* N of -R N/SECONDS */
#define LIMITS_RATE_MAX_SECS	86400		/* SECONDS of it: a day */
#define LIMITS_MAX_GROUPS	((size_t)1 << 20)	/* max_groups 0 */

/* At most n in a burst, refilled at n per secs seconds; n == 0: no limit. */
struct rate {
	unsigned	n;
	unsigned	secs;
};

/*
 * A token bucket kept as one timestamp (GCRA: the theoretical arrival
 * time, ns on CLOCK_MONOTONIC); zeroed = full.
 */
struct bucket {
	uint64_t	tat;
};

/*
 * An address group: the family and the address masked to its prefix,
 * unused bytes zero, no padding (17 bytes), so memcmp() compares keys.
 */
struct limits_key {
	uint8_t		family;		/* AF_INET, AF_INET6 */
	uint8_t		addr[16];	/* IPv4: the first 4 */
};

struct limits_config {
	unsigned	per_ip;		/* 0: no per-group child limit */
	struct rate	rate;		/* per group; n == 0: none */
	int		v4prefix;	/* bits: 0..32 */
	int		v6prefix;	/* bits: 0..128 */
	size_t		max_groups;	/* table cap; 0: LIMITS_MAX_GROUPS */
	uint64_t	seed;		/* hash key: random, so that clients
					   cannot pick colliding addresses */
};

/* The group table; public so struct server can embed it, fields private. */
struct limits_entry;
struct limits {
	struct limits_entry	*slot;	/* cap slots, open addressing */
	size_t			 cap;	/* a power of 2 */
	size_t			 n;	/* entries held */
	size_t			 max;	/* entries at most */
	size_t			 cursor;	/* where reclaiming looks next */
	unsigned long		 total;	/* sum of all counts */
	struct limits_config	 cfg;
};

enum limits_verdict {
	LIMITS_OK,
	LIMITS_PER_IP,		/* the group has per_ip children already */
	LIMITS_RATE,		/* the group's bucket is empty */
	LIMITS_FULL		/* max_groups groups held, none reclaimable */
};

int		limits_rate_parse(const char *, struct rate *, const char **);
uint64_t	bucket_take(struct bucket *, const struct rate *, uint64_t);
uint64_t	bucket_wait(const struct bucket *, const struct rate *,
		    uint64_t);
int		bucket_full(const struct bucket *, const struct rate *,
		    uint64_t);
void		limits_key(const struct sockaddr *, int, int,
		    struct limits_key *);
void		limits_key_format(const struct limits_key *, int, int, char *,
		    size_t);
int		limits_init(struct limits *, const struct limits_config *);
void		limits_free(struct limits *);
enum limits_verdict limits_admit(struct limits *, const struct limits_key *,
		    uint64_t, unsigned *);
void		limits_release(struct limits *, const struct limits_key *,
		    uint64_t);
unsigned	limits_count(const struct limits *, const struct limits_key *);
size_t		limits_groups(const struct limits *);
unsigned long	limits_total(const struct limits *);

#endif /* FORKD_LIMITS_H */
