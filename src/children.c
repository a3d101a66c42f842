/*
 * The table of live children (pid -> peer, start time, address group,
 * deadline) and reaping: wait4() until nothing is left, one log line per
 * child.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "forkd.h"

/* Seconds from a to b. */
double
timespec_elapsed(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* A time on the monotonic clock in nanoseconds, as limits.c counts. */
uint64_t
timespec_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
}

/*
 * The table is a dense array (so counting and signalling all children is a
 * walk over n entries) plus an open-addressing hash from pid to the entry's
 * index, so that adding and forgetting a child are O(1): thousands of
 * children exiting at once cost thousands of steps, not millions.  Both
 * grow together, and only when the table is full, so a server at steady
 * state allocates nothing per connection.
 */

/* The hash slot where pid's search starts (Fibonacci hashing). */
static size_t
home_of(const struct children *t, pid_t pid)
{
	return (size_t)(((uint32_t)pid * 2654435761u) >> 8) & (t->hcap - 1);
}

/* The hash slot that holds pid, or the empty slot where it would go. */
static size_t
slot_of(const struct children *t, pid_t pid)
{
	size_t h = home_of(t, pid);

	while (t->slot[h] != 0 && t->v[t->slot[h] - 1].pid != pid)
		h = (h + 1) & (t->hcap - 1);
	return h;
}

/*
 * Empty slot h and close the gap (backward shift), so that every search
 * still finds its pid without tombstones.
 */
static void
slot_clear(struct children *t, size_t h)
{
	size_t j = h, home;

	for (;;) {
		t->slot[h] = 0;
		for (;;) {
			j = (j + 1) & (t->hcap - 1);
			if (t->slot[j] == 0)
				return;
			home = home_of(t, t->v[t->slot[j] - 1].pid);
			/* j's entry may move to h if home is not in (h, j] */
			if (h <= j ? (home <= h || home > j) :
			    (home <= h && home > j))
				break;
		}
		t->slot[h] = t->slot[j];
		h = j;
	}
}

/* In an entry's family byte: its cold entry holds the address's scope. */
#define SCOPED	0x80

/* Whether entry e's cold entry holds anything (links, a scope). */
static int
has_cold(const struct child_entry *e)
{
	return e->stage != CHILD_UNTIMED || (e->family & SCOPED) != 0;
}

/*
 * The bytes of a table of cap entries: the hash (2 * cap slots), the
 * entries, then what few of them need (struct child_cold).
 */
static size_t
table_bytes(size_t cap)
{
	return cap * 2 * sizeof(uint32_t) + cap * sizeof(struct child_entry) +
	    cap * sizeof(struct child_cold);
}

_Static_assert(sizeof(struct child_entry) == 32, "a child costs 32 bytes");
_Static_assert(sizeof(struct child_cold) % 8 == 0, "cold entries aligned");

/* Double the table and rebuild the hash at twice that size; -1 if no memory. */
static int
grow(struct children *t)
{
	size_t cap = t->cap == 0 ? 64 : t->cap * 2, i;
	struct child_entry *v;
	struct child_cold *cold;
	uint32_t *slot;
	void *mem;

	/*
	 * One anonymous mapping, hash first: page-aligned, so with a few
	 * children the slots and the live entries share one page and a
	 * connection writes one page of the table, not two (each page the
	 * parent writes after a fork is a page fault); zero-filled by the
	 * kernel, so pages of entries not yet used (and of cold entries no
	 * child needs) are never touched and cost no memory; and given back
	 * whole when it grows.
	 */
	mem = mmap(NULL, table_bytes(cap), PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return -1;
	/*
	 * And left out of every fork: a built-in child never reads it, so
	 * fork copies none of its page tables, and the parent's write of
	 * the new entry right after a fork is no copy-on-write fault
	 * (measured: 3.06 faults a connection in the parent, 2.01 with).
	 */
	(void)madvise(mem, table_bytes(cap), MADV_DONTFORK);
	slot = mem;
	v = (struct child_entry *)(slot + cap * 2);
	cold = (struct child_cold *)(v + cap);
	for (i = 0; i < t->n; i++) {
		v[i] = t->v[i];
		if (has_cold(&v[i]))
			cold[i] = t->cold[i];
	}
	if (t->slot != NULL)
		munmap(t->slot, table_bytes(t->cap));
	t->slot = slot;
	t->v = v;
	t->cold = cold;
	t->hcap = cap * 2;
	t->cap = cap;
	for (i = 0; i < t->n; i++)
		t->slot[slot_of(t, t->v[i].pid)] = (uint32_t)i + 1;
	return 0;
}

/*
 * The deadline lists.  Every child gets the same -t, and every SIGTERM
 * the same --kill-after, so appending each child as its deadline is set
 * keeps each list in deadline order: the earliest deadline is always at
 * a head.  That makes the ordered structure a pair of doubly linked
 * lists threaded through the table: O(1) to add, to remove out of order
 * (a child exiting early), and to find the next deadline; no heap, no
 * scan, and the poll timeout is the nearer head.
 */

/* Entry i's successor/predecessor slot in the links of its list. */
static uint32_t *
link_to(struct children *t, uint32_t link, int is_next, enum child_stage st)
{
	if (link == 0)
		return is_next ? &t->tail[st] : &t->head[st];
	return is_next ? &t->cold[link - 1].prev : &t->cold[link - 1].next;
}

/* Take entry i off its deadline list (if it is on one). */
static void
list_unlink(struct children *t, size_t i)
{
	struct child_cold *c = &t->cold[i];
	enum child_stage st = t->v[i].stage;

	if (st == CHILD_UNTIMED)
		return;
	*link_to(t, c->next, 1, st) = c->prev;
	*link_to(t, c->prev, 0, st) = c->next;
	c->prev = c->next = 0;
	t->v[i].stage = CHILD_UNTIMED;
}

/* Put entry i at the end of list st, due then: its deadline is the latest. */
static void
list_append(struct children *t, size_t i, enum child_stage st, uint64_t due)
{
	struct child_cold *c = &t->cold[i];

	t->v[i].stage = (uint8_t)st;
	c->due = due;
	c->next = 0;
	c->prev = t->tail[st];
	*link_to(t, c->prev, 0, st) = (uint32_t)i + 1;
	t->tail[st] = (uint32_t)i + 1;
}

/* Entry i moved to index j: its neighbours (and the hash) point there. */
static void
relink_moved(struct children *t, size_t j)
{
	struct child_entry *e = &t->v[j];
	struct child_cold *c = &t->cold[j];

	t->slot[slot_of(t, e->pid)] = (uint32_t)j + 1;
	if (e->stage == CHILD_UNTIMED)
		return;
	*link_to(t, c->next, 1, e->stage) = (uint32_t)j + 1;
	*link_to(t, c->prev, 0, e->stage) = (uint32_t)j + 1;
}

/*
 * Entry i from c, the address in binary.  An IPv6 address with a scope
 * (fe80::1%eth0) keeps the scope in the cold entry.
 */
static void
pack(struct children *t, size_t i, const struct child *c)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&c->peer;
	const struct sockaddr_in6 *sin6 =
	    (const struct sockaddr_in6 *)&c->peer;
	struct child_entry *e = &t->v[i];

	memset(e, 0, sizeof(*e));
	e->pid = c->pid;
	e->start = timespec_ns(&c->start);
	if (c->peer.ss_family == AF_INET) {
		e->family = AF_INET;
		e->port = ntohs(sin->sin_port);
		memcpy(e->addr, &sin->sin_addr, 4);
	} else if (c->peer.ss_family == AF_INET6) {
		e->family = AF_INET6;
		e->port = ntohs(sin6->sin6_port);
		memcpy(e->addr, &sin6->sin6_addr, 16);
		if (sin6->sin6_scope_id != 0) {
			e->family |= SCOPED;
			t->cold[i].scope_id = sin6->sin6_scope_id;
		}
	}
}

/* A time in nanoseconds as a timespec. */
static void
ns_timespec(uint64_t ns, struct timespec *ts)
{
	ts->tv_sec = (time_t)(ns / 1000000000u);
	ts->tv_nsec = (long)(ns % 1000000000u);
}

/* Entry i of the table as a struct child. */
static void
unpack(const struct children *t, size_t i, struct child *c)
{
	const struct child_entry *e = &t->v[i];
	struct sockaddr_in *sin = (struct sockaddr_in *)&c->peer;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&c->peer;

	c->pid = e->pid;
	c->stage = (enum child_stage)e->stage;
	ns_timespec(e->start, &c->start);
	c->due.tv_sec = 0;
	c->due.tv_nsec = 0;
	if (e->stage != CHILD_UNTIMED)
		ns_timespec(t->cold[i].due, &c->due);
	c->peer.ss_family = AF_UNSPEC;
	if ((e->family & ~SCOPED) == AF_INET) {
		memset(sin, 0, sizeof(*sin));
		sin->sin_family = AF_INET;
		sin->sin_port = htons(e->port);
		memcpy(&sin->sin_addr, e->addr, 4);
	} else if ((e->family & ~SCOPED) == AF_INET6) {
		memset(sin6, 0, sizeof(*sin6));
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(e->port);
		memcpy(&sin6->sin6_addr, e->addr, 16);
		if (e->family & SCOPED)
			sin6->sin6_scope_id = t->cold[i].scope_id;
	}
}

/*
 * "ip:port" or "[ip]:port" of c's client, as the connection's lines say
 * ("?:?" for no address).
 */
void
children_peer_name(const struct child *c, char *buf, size_t len)
{
	listener_name((const struct sockaddr *)&c->peer, sizeof(c->peer), buf,
	    len);
}

/*
 * Remember a new child, a copy of c: on the running list when c->stage
 * says CHILD_RUNNING (c->due is then start + timeout).  -1 (ENOMEM) if
 * the table cannot grow.
 */
int
children_add(struct children *t, const struct child *c)
{
	size_t i;

	if (t->n == t->cap && grow(t) == -1)
		return -1;
	i = t->n++;
	pack(t, i, c);
	t->slot[slot_of(t, c->pid)] = (uint32_t)i + 1;
	if (c->stage != CHILD_UNTIMED)
		list_append(t, i, c->stage, timespec_ns(&c->due));
	return 0;
}

/* The index of pid's entry (its hash slot in *h), or -1 if unknown. */
static ssize_t
find(const struct children *t, pid_t pid, size_t *h)
{
	if (t->n == 0)
		return -1;
	*h = slot_of(t, pid);
	return t->slot[*h] == 0 ? -1 : (ssize_t)t->slot[*h] - 1;
}

/* The index of pid's entry, or -1 if unknown. */
static ssize_t
index_of(const struct children *t, pid_t pid)
{
	size_t h;

	return find(t, pid, &h);
}

/* Forget pid, copying its entry to out (if not NULL); -1 if unknown. */
int
children_remove(struct children *t, pid_t pid, struct child *out)
{
	size_t h, last;
	ssize_t i = find(t, pid, &h);

	if (i == -1)
		return -1;
	if (out != NULL)
		unpack(t, (size_t)i, out);
	list_unlink(t, (size_t)i);
	slot_clear(t, h);
	last = --t->n;
	if ((size_t)i != last) {	/* the last entry fills the hole */
		t->v[i] = t->v[last];
		if (has_cold(&t->v[i]))
			t->cold[i] = t->cold[last];
		relink_moved(t, (size_t)i);
	}
	return 0;
}

/* The index of the earlier of the two list heads, or -1: nothing timed. */
static ssize_t
first_due(const struct children *t)
{
	uint32_t a = t->head[CHILD_RUNNING], b = t->head[CHILD_TERMINATING];

	if (a == 0 && b == 0)
		return -1;
	if (a == 0 || (b != 0 && t->cold[b - 1].due < t->cold[a - 1].due))
		return (ssize_t)b - 1;
	return (ssize_t)a - 1;
}

/* A child whose deadline has come by now (earliest first) into out; 0: none. */
int
children_due(const struct children *t, const struct timespec *now,
    struct child *out)
{
	ssize_t i = first_due(t);

	if (i == -1 || t->cold[i].due > timespec_ns(now))
		return 0;
	unpack(t, (size_t)i, out);
	return 1;
}

/* The nearest deadline into *due; 0 if no child has one. */
int
children_next_due(const struct children *t, struct timespec *due)
{
	ssize_t i = first_due(t);

	if (i == -1)
		return 0;
	ns_timespec(t->cold[i].due, due);
	return 1;
}

/* Child pid was sent SIGTERM: its next step (SIGKILL) is due then. */
void
children_defer(struct children *t, pid_t pid, const struct timespec *due)
{
	ssize_t i = index_of(t, pid);

	if (i == -1)
		return;
	list_unlink(t, (size_t)i);
	list_append(t, (size_t)i, CHILD_TERMINATING, timespec_ns(due));
}

/* Child pid has no deadline any more (SIGKILL sent: nothing else to do). */
void
children_untime(struct children *t, pid_t pid)
{
	ssize_t i = index_of(t, pid);

	if (i != -1)
		list_unlink(t, (size_t)i);
}

/* How many children are alive. */
size_t
children_count(const struct children *t)
{
	return t->n;
}

/*
 * Send sig to the process group of child pid: each child leads a group
 * of its own, so this reaches whatever it started too.  A child so new it
 * has not called setpgid() yet has no group: signal it alone
 * (blocked in it until its set-up is done, the signal then takes effect).
 */
int
children_signal(pid_t pid, int sig)
{
	if (kill(-pid, sig) == 0)
		return 0;
	if (errno != ESRCH)
		return -1;
	if (kill(pid, sig) == -1 && errno != ESRCH)
		return -1;
	return 0;
}

/* Send sig to every child's group; -1 if any kill() failed (but ESRCH). */
int
children_signal_all(const struct children *t, int sig)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < t->n; i++)
		if (children_signal(t->v[i].pid, sig) == -1)
			rc = -1;
	return rc;
}

/* "KILL" for 9: the signal's name without SIG, or NULL if unknown. */
static const char *
signal_name(int sig)
{
#ifdef HAVE_SIGABBREV_NP
	return sigabbrev_np(sig);
#else
	(void)sig;
	return NULL;
#endif
}

/*
 * "exit 3", "signal 9 (KILL)", "signal 11 (SEGV, core dumped)" (pure).
 * The number comes first and stays: scripts grep for it.
 */
void
children_format_status(int status, char *buf, size_t len)
{
	const char *name;
	int sig;

	if (WIFEXITED(status)) {
		snprintf(buf, len, "exit %d", WEXITSTATUS(status));
		return;
	}
	if (!WIFSIGNALED(status)) {
		snprintf(buf, len, "status 0x%x", (unsigned)status);
		return;
	}
	sig = WTERMSIG(status);
	name = signal_name(sig);
	if (name != NULL)
		snprintf(buf, len, "signal %d (%s%s)", sig, name,
		    WCOREDUMP(status) ? ", core dumped" : "");
	else
		snprintf(buf, len, "signal %d%s", sig,
		    WCOREDUMP(status) ? " (core dumped)" : "");
}

/*
 * The priority of a reaped line: a clean exit is routine, a failing one
 * worth noticing, a child killed by a signal (a crash, a timeout) a warning.
 */
int
children_priority(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status) == 0 ? LOG_INFO : LOG_NOTICE;
	return LOG_WARNING;
}

/*
 * Milliseconds, rounded, for the "%ld.%03lds" of the reaped line:
 * printf's %.3f of a double costs the parent its floating-point
 * conversion, twice a child, and these are exact.
 */
static long
cpu_ms(const struct rusage *ru)
{
	return (long)(ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) * 1000 +
	    (long)(ru->ru_utime.tv_usec + ru->ru_stime.tv_usec + 500) / 1000;
}

/* From a to b (b not earlier), in milliseconds, rounded. */
static long
elapsed_ms(const struct timespec *a, const struct timespec *b)
{
	return (long)(b->tv_sec - a->tv_sec) * 1000 +
	    (b->tv_nsec - a->tv_nsec + 500000) / 1000000;
}

/* The one line logged for every reaped child. */
static void
log_reaped(pid_t pid, int status, const struct rusage *ru,
    const struct child *c, const struct timespec *now)
{
	char how[48], peer[FORKD_ADDRSTRLEN];
	int pri = children_priority(status);
	long cpu = cpu_ms(ru), lived;

	children_format_status(status, how, sizeof(how));
	if (c == NULL) {
		log_msg(pri, "reaped pid %ld unknown %s cpu %ld.%03lds "
		    "maxrss %ldk", (long)pid, how, cpu / 1000, cpu % 1000,
		    ru->ru_maxrss);
		return;
	}
	children_peer_name(c, peer, sizeof(peer));
	lived = elapsed_ms(&c->start, now);	/* monotonic: not negative */
	log_msg(pri, "reaped pid %ld %s %s after %ld.%03lds cpu %ld.%03lds "
	    "maxrss %ldk", (long)pid, peer, how, lived / 1000, lived % 1000,
	    cpu / 1000, cpu % 1000, ru->ru_maxrss);
}

/*
 * Give c's place in its address group back: the group is its address
 * under lim's prefixes, as admission worked it out.
 */
static void
release(struct limits *lim, const struct child *c, const struct timespec *now)
{
	struct limits_key key;

	limits_key((const struct sockaddr *)&c->peer, lim->cfg.v4prefix,
	    lim->cfg.v6prefix, &key);
	limits_release(lim, &key, timespec_ns(now));
}

/*
 * Reap every child that has exited: loop wait4(WNOHANG) until it returns
 * 0 (children alive, none exited) or ECHILD.  One SIGCHLD may stand for
 * many children, so one call is never enough.  Each one reaped gives its
 * place in its address group back to lim (if not NULL).  Returns how many
 * it reaped.
 */
size_t
children_reap(struct children *t, struct limits *lim)
{
	struct timespec now;
	struct rusage ru;
	struct child c;
	size_t reaped = 0;
	pid_t pid;
	int status;

	clock_gettime(CLOCK_MONOTONIC, &now);
	for (;;) {
		pid = wait4(-1, &status, WNOHANG, &ru);
		if (pid == -1 && errno == EINTR)
			continue;
		if (pid <= 0)
			break;
		if (children_remove(t, pid, &c) == 0) {
			log_reaped(pid, status, &ru, &c, &now);
			if (lim != NULL)
				release(lim, &c, &now);
		} else
			log_reaped(pid, status, &ru, NULL, &now);
		reaped++;
	}
	if (pid == -1 && errno != ECHILD)
		log_warn("wait4");
	return reaped;
}

/* Free the table. */
void
children_free(struct children *t)
{
	if (t->slot != NULL)	/* the entries too: one mapping */
		munmap(t->slot, table_bytes(t->cap));
	memset(t, 0, sizeof(*t));
}
