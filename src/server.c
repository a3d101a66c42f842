/*
 * The one loop: poll() on the self-pipe and the listening sockets; accept
 * and fork; reap on SIGCHLD; act on the other signals; shut down in order.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "forkd.h"

/* The monotonic clock, for deadlines and lifetimes. */
static void
now(struct timespec *ts)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
}

/* ts = now + secs. */
static void
deadline_in(struct timespec *ts, int secs)
{
	now(ts);
	ts->tv_sec += secs;
}

/* Whether the deadline has passed. */
static int
passed(const struct timespec *deadline)
{
	struct timespec t;

	now(&t);
	return timespec_elapsed(deadline, &t) >= 0;
}

/* Start with no children, accepting. */
void
server_init(struct server *s, const struct config *cfg, struct listener *ls,
    size_t nls)
{
	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	s->ls = ls;
	s->nls = nls;
}

/* What to do after accept4() failed with error. */
enum accept_action
server_accept_error(int error)
{
	switch (error) {
	case EAGAIN:
#if EWOULDBLOCK != EAGAIN
	case EWOULDBLOCK:
#endif
		return ACCEPT_EMPTY;
	case EINTR:
	case ECONNABORTED:
	case EPROTO:	/* accept(2): pending network errors, as EAGAIN */
	case ENETDOWN:
	case ENOPROTOOPT:
	case EHOSTDOWN:
	case ENONET:
	case EHOSTUNREACH:
	case EOPNOTSUPP:
	case ENETUNREACH:
		return ACCEPT_RETRY;
	default:	/* EMFILE, ENFILE, ENOBUFS, ENOMEM, the unexpected */
		return ACCEPT_PAUSE;
	}
}

/* Whether the listening sockets belong in the poll set now. */
static int
accepting(const struct server *s)
{
	return !s->stopping && !s->paused &&
	    children_count(&s->kids) < (size_t)s->cfg->max_children;
}

/* Fork a child for the new connection fd; the parent keeps no copy. */
static void
serve_one(struct server *s, int fd, const struct sockaddr *sa,
    socklen_t len)
{
	struct conninfo ci;
	struct timespec start;
	pid_t pid;

	listener_conninfo(fd, sa, len, &ci);
	now(&start);
	pid = spawn_child(s->cfg, fd, &ci);
	if (pid == -1) {
		s->count.fork_failures++;
		log_limited(&s->rl_fork, "fork failed: %s; dropped %s",
		    strerror(errno), ci.peer);
		close(fd);
		return;
	}
	close(fd);
	if (children_add(&s->kids, pid, ci.peer, &start) == -1)
		log_warn("child table: pid %ld untracked", (long)pid);
	if (log_verbose())
		log_info("connect %s pid %ld", ci.peer, (long)pid);
	if (children_count(&s->kids) == (size_t)s->cfg->max_children)
		log_limited(&s->rl_full, "max-children %d reached: new "
		    "connections wait in the backlog", s->cfg->max_children);
}

/*
 * Accept at most FORKD_ACCEPT_BATCH connections from l, fewer at the
 * child limit, then go back to poll so that reaping keeps up under load.
 */
static void
accept_batch(struct server *s, const struct listener *l)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, i;

	for (i = 0; i < FORKD_ACCEPT_BATCH && accepting(s); i++) {
		len = sizeof(ss);
		fd = accept4(l->fd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
		if (fd != -1) {
			s->count.accepted++;
			serve_one(s, fd, (struct sockaddr *)&ss, len);
			continue;
		}
		switch (server_accept_error(errno)) {
		case ACCEPT_RETRY:
			continue;
		case ACCEPT_EMPTY:
			return;
		case ACCEPT_PAUSE:
			log_limited(&s->rl_accept, "accept failed: %s; not "
			    "accepting for %ds", strerror(errno),
			    FORKD_PAUSE_SECS);
			s->paused = 1;
			deadline_in(&s->paused_until, FORKD_PAUSE_SECS);
			return;
		}
	}
}

/* SIGTERM/SIGINT: close the listeners, give children the grace period. */
static void
begin_shutdown(struct server *s)
{
	s->stopping = 1;
	listener_close_all(s->ls, s->nls);
	log_info("shutting down: %zu children left, grace %ds",
	    children_count(&s->kids), s->cfg->grace);
	deadline_in(&s->grace_end, s->cfg->grace);
}

/*
 * Act on the signals the self-pipe carried.  Reap on every wake-up, not
 * only when a SIGCHLD byte was read: if the pipe was ever full, that byte
 * was dropped, and a reap that finds nothing costs one wait4() call.
 */
static void
handle_signals(struct server *s, const unsigned char seen[SELFPIPE_NSIG])
{
	s->count.reaped += children_reap(&s->kids);
	if (seen[SIGTERM] || seen[SIGINT]) {
		if (!s->stopping)
			begin_shutdown(s);
		else
			now(&s->grace_end);	/* asked twice: no more grace */
	}
	if (seen[SIGHUP])
		log_info("reload: nothing to reload");
	if (seen[SIGUSR1])
		log_info("counters: children %zu, accepted %lu, reaped %lu, "
		    "refused %lu, fork failures %lu", children_count(&s->kids),
		    s->count.accepted, s->count.reaped, s->count.refused,
		    s->count.fork_failures);
}

/* Timers: the end of an accept pause, the grace period, the SIGKILL. */
static void
handle_deadlines(struct server *s)
{
	size_t n = children_count(&s->kids);

	if (s->paused && passed(&s->paused_until))
		s->paused = 0;
	if (!s->stopping || n == 0)
		return;
	if (!s->term_sent && passed(&s->grace_end)) {
		log_info("grace period over: SIGTERM to %zu children", n);
		if (children_signal_all(&s->kids, SIGTERM) == -1)
			log_warn("kill SIGTERM");
		s->term_sent = 1;
		deadline_in(&s->kill_at, FORKD_KILL_DELAY);
	} else if (s->term_sent && !s->kill_sent && passed(&s->kill_at)) {
		log_info("SIGKILL to %zu children", n);
		if (children_signal_all(&s->kids, SIGKILL) == -1)
			log_warn("kill SIGKILL");
		s->kill_sent = 1;
	}
}

/* Milliseconds until deadline, rounded up; 0 if it has passed. */
static int
ms_until(const struct timespec *deadline)
{
	struct timespec t;
	double secs;

	now(&t);
	secs = timespec_elapsed(&t, deadline);
	return secs <= 0 ? 0 : (int)(secs * 1000) + 1;
}

/* The poll timeout: the nearest pending deadline, or -1 for none. */
static int
poll_timeout(const struct server *s)
{
	int t = -1, d;

	if (s->paused)
		t = ms_until(&s->paused_until);
	if (s->stopping && !s->term_sent)
		d = ms_until(&s->grace_end);
	else if (s->term_sent && !s->kill_sent)
		d = ms_until(&s->kill_at);
	else
		d = -1;
	if (d != -1 && (t == -1 || d < t))
		t = d;
	return t;
}

/* The pipe first, then the listeners if accepting; returns the count. */
static nfds_t
build_pollset(const struct server *s, struct pollfd *pfd)
{
	nfds_t n = 0;
	size_t i;

	pfd[n].fd = selfpipe_fd();
	pfd[n++].events = POLLIN;
	if (!accepting(s))
		return n;
	for (i = 0; i < s->nls; i++) {
		pfd[n].fd = s->ls[i].fd;
		pfd[n++].events = POLLIN;
	}
	return n;
}

/*
 * Run until a shutdown has seen the last child go.  Returns 0, or
 * EX_SOFTWARE if poll or the self-pipe failed beyond repair.
 */
int
server_loop(struct server *s)
{
	struct pollfd pfd[1 + FORKD_MAX_SOCKETS];
	unsigned char seen[SELFPIPE_NSIG];
	nfds_t n, i;

	for (;;) {
		handle_deadlines(s);
		if (s->stopping && children_count(&s->kids) == 0)
			break;
		n = build_pollset(s, pfd);
		if (poll(pfd, n, poll_timeout(s)) == -1) {
			if (errno == EINTR)	/* a handler ran: normal */
				continue;
			log_warn("poll");
			return EX_SOFTWARE;
		}
		if (pfd[0].revents != 0) {
			memset(seen, 0, sizeof(seen));
			if (selfpipe_drain(seen) == -1) {
				log_warn("self-pipe");
				return EX_SOFTWARE;
			}
			handle_signals(s, seen);
		}
		for (i = 1; i < n && !s->stopping; i++)
			if (pfd[i].revents != 0)
				accept_batch(s, &s->ls[i - 1]);
	}
	log_info("exiting: accepted %lu, reaped %lu, fork failures %lu",
	    s->count.accepted, s->count.reaped, s->count.fork_failures);
	return 0;
}
