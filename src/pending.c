/*
 * --proxy-protocol: connections accepted but waiting for their PROXY
 * header, read in the parent before any child exists, without ever
 * blocking the loop.
 *
 * They wait in a ring, in the order they were accepted: every one gets
 * the same --proxy-timeout, so the oldest is always the next to expire
 * (no scan for deadlines), and one that leaves early is only marked
 * free.  The ring's size caps how many wait at once.
 *
 * The header is read with MSG_PEEK and parsed as it arrives; only when it
 * is complete are exactly its bytes consumed, so the service's first byte
 * is the client's first byte.  While a header is incomplete, SO_RCVLOWAT
 * is raised past what has arrived, so poll() wakes for the next byte
 * rather than spinning on bytes already seen.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "forkd.h"

/*
 * What one peek takes: a whole v1 line (107) or a v2 header up to its
 * largest address block (16 + 216, AF_UNIX), whichever is longer.
 */
#define PENDING_PEEK	(PROXY_V2_HEAD + 216)

/* Room for cap connections waiting at once; -1 (ENOMEM). */
int
pending_init(struct pending_set *p, size_t cap)
{
	memset(p, 0, sizeof(*p));
	if (cap == 0)
		return 0;
	if ((p->v = reallocarray(NULL, cap, sizeof(*p->v))) == NULL)
		return -1;
	p->cap = cap;
	return 0;
}

/* Close every waiting connection and free the ring. */
void
pending_free(struct pending_set *p)
{
	size_t k;
	struct pending *e;

	for (k = 0; k < p->used; k++)
		if ((e = pending_at(p, k))->fd != -1)
			close(e->fd);
	free(p->v);
	memset(p, 0, sizeof(*p));
}

/* The k-th slot from the oldest (it may be free: fd -1). */
struct pending *
pending_at(const struct pending_set *p, size_t k)
{
	return &p->v[(p->head + k) % p->cap];
}

/* How many connections wait. */
size_t
pending_count(const struct pending_set *p)
{
	return p->live;
}

/*
 * Whether the ring may have no slot for one more (free slots behind a
 * live head still count as used until the head leaves).
 */
int
pending_full(const struct pending_set *p)
{
	return p->used == p->cap;
}

/* Slots from the oldest to the newest, free ones among them. */
size_t
pending_slots(const struct pending_set *p)
{
	return p->used;
}

/* Let go of the free slots at the head: the oldest slot is then live. */
static void
compact(struct pending_set *p)
{
	while (p->used > 0 && pending_at(p, 0)->fd == -1) {
		p->head = (p->head + 1) % p->cap;
		p->used--;
	}
}

/*
 * A connection fd from peer, waiting for its header until due.  NULL
 * when the ring is full (the caller closes fd).
 */
struct pending *
pending_add(struct pending_set *p, int fd, const struct sockaddr *peer,
    socklen_t len, const struct timespec *due)
{
	struct pending *e;

	compact(p);
	if (pending_full(p) || len > sizeof(e->peer))
		return NULL;
	e = &p->v[(p->head + p->used++) % p->cap];
	memset(e, 0, sizeof(*e));
	e->fd = fd;
	e->due = *due;
	memcpy(&e->peer, peer, len);
	e->peerlen = len;
	p->live++;
	return e;
}

/*
 * e leaves the ring (its fd is the caller's).  Its slot is only marked
 * free, so that a walk over the slots (pending_at) stays valid while
 * entries leave; the free slots at the head are let go by compact().
 */
void
pending_remove(struct pending_set *p, struct pending *e)
{
	e->fd = -1;
	p->live--;
}

/* The oldest waiting connection if its time is up by now, else NULL. */
struct pending *
pending_expired(struct pending_set *p, const struct timespec *now)
{
	struct pending *e;

	compact(p);
	if (p->used == 0)
		return NULL;
	e = pending_at(p, 0);
	return timespec_elapsed(&e->due, now) >= 0 ? e : NULL;
}

/* The nearest header deadline into *due; 0 if nothing waits. */
int
pending_next_due(struct pending_set *p, struct timespec *due)
{
	compact(p);
	if (p->used == 0)
		return 0;
	*due = pending_at(p, 0)->due;
	return 1;
}

/* poll() wakes when more than n bytes wait (n 0: any byte, the default). */
static void
wake_after(int fd, size_t n)
{
	int lowat = (int)n + 1;

	setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &lowat, sizeof(lowat));
}

/* Consume up to n bytes of what e's socket holds; -1 on error or EOF. */
static int
discard(struct pending *e, size_t n)
{
	char junk[PENDING_PEEK];
	ssize_t r;

	while (n > 0) {
		r = recv(e->fd, junk, n < sizeof(junk) ? n : sizeof(junk),
		    MSG_DONTWAIT);
		if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (r <= 0)
			return -1;
		n -= (size_t)r;
		e->discard -= (size_t)r;
	}
	return 0;
}

/*
 * Read what has arrived on e, whose poll() revents say why it woke:
 * PENDING_WAIT (more is needed), PENDING_DONE (the whole header consumed;
 * e->hdr holds it) or PENDING_DROP with *why.  A peek cannot see an EOF
 * behind unread bytes: POLLRDHUP (or POLLHUP) says the client has stopped
 * sending, so an incomplete header then never completes.
 */
enum pending_state
pending_read(struct pending *e, short revents, const char **why)
{
	unsigned char buf[PENDING_PEEK];
	ssize_t n;

	if (e->discard == 0) {	/* the header is not parsed yet */
		n = recv(e->fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return PENDING_WAIT;
		if (n <= 0) {
			*why = n == 0 ? "closed before the header" :
			    strerror(errno);
			return PENDING_DROP;
		}
		switch (proxy_parse(buf, (size_t)n, &e->hdr, why)) {
		case PROXY_BAD:
			return PENDING_DROP;
		case PROXY_INCOMPLETE:
			if (revents & (POLLRDHUP | POLLHUP | POLLERR)) {
				*why = "closed before the header";
				return PENDING_DROP;
			}
			wake_after(e->fd, (size_t)n);
			return PENDING_WAIT;
		case PROXY_OK:
			break;
		}
		e->discard = e->hdr.len;
		wake_after(e->fd, 0);
	}
	if (discard(e, e->discard) == -1) {
		*why = "closed inside the header";
		return PENDING_DROP;
	}
	return e->discard == 0 ? PENDING_DONE : PENDING_WAIT;
}
