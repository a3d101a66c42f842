/*
 * forkd: access rules (-a/--access FILE).  One rule a line, first match
 * wins: "allow" or "deny", an address or prefix (or "all"), and after
 * allow any NAME=value words, which the client's program gets in its
 * environment.  A client no rule matches is allowed.
 */
#ifndef FORKD_ACCESS_H
#define FORKD_ACCESS_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>

#define ACCESS_MAX_ENV	32	/* NAME=value words on one rule */

/* One rule, as access_match() returns it. */
struct access_rule {
	int		 allow;		/* 1: allow, 0: deny */
	unsigned	 line;		/* its line in the file, from 1 */
	size_t		 nenv;
	char *const	*env;		/* nenv "NAME=value" strings (allow
					   only); NULL when nenv is 0 */
};
struct access_rules;	/* opaque */

/*
 * Parse text (len bytes, need not be NUL-terminated), called name in
 * messages.  Pure: no I/O, no logging.  NULL on error, with err
 * "name:LINE: what" and errno EINVAL, or "name: strerror" and errno
 * ENOMEM when out of memory.
 */
struct access_rules *access_parse(const char *, const char *, size_t,
		    char *, size_t);
/*
 * Read and parse the file at path.  NULL on error, with err and *status:
 * EX_NOINPUT when it cannot be opened or read, or is a directory or not
 * a regular file ("path: why"); EX_CONFIG for bad content or a file over
 * 64 MiB; EX_OSERR when out of memory.
 */
struct access_rules *access_load(const char *, char *, size_t, int *);
/*
 * The first rule (lowest line) matching client address sa (AF_INET or
 * AF_INET6; a v4-mapped IPv6 address is matched as IPv4), or NULL when
 * none does (the client is allowed).  No allocation, no I/O.
 */
const struct access_rule *access_match(const struct access_rules *,
		    const struct sockaddr *);
size_t		access_count(const struct access_rules *);	/* rules */
const char	*access_name(const struct access_rules *);	/* as given */
/* Whether some rule sets variable NAME (namelen bytes); a scan. */
int		access_sets(const struct access_rules *, const char *, size_t);
size_t		access_memory(const struct access_rules *);	/* bytes held */
void		access_free(struct access_rules *);

#endif /* FORKD_ACCESS_H */
