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
#include <syslog.h>
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

/* Stop accepting for FORKD_PAUSE_SECS: clients wait in the backlog. */
static void
pause_accepting(struct server *s)
{
	s->paused = 1;
	deadline_in(&s->paused_until, FORKD_PAUSE_SECS);
}

/*
 * The child could not be started: the connection is dropped and logged.
 * When no process could be made (fork's EAGAIN: RLIMIT_NPROC, memory),
 * accepting pauses too, so the clients behind this one wait in the
 * backlog rather than being accepted and dropped one after another; the
 * first child reaped ends the pause early.  An exec error (PROGRAM gone
 * since start) is the admin's to fix: logged at LOG_ERR.
 */
static void
spawn_failed(struct server *s, int error, const char *peer)
{
	s->count.fork_failures++;
	if (spawn_error_is_fork(error)) {
		log_limited(&s->rl_fork, LOG_WARNING, "fork failed: %s; "
		    "dropped %s; not accepting for %ds", strerror(error),
		    peer, FORKD_PAUSE_SECS);
		pause_accepting(s);
		s->fork_paused = 1;
		return;
	}
	log_limited(&s->rl_exec, LOG_ERR, "exec %s failed: %s; dropped %s",
	    s->cfg->program[0], strerror(error), peer);
}

/* Start a child for the new connection fd; the parent keeps no copy. */
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
	close(fd);
	if (pid == -1) {
		spawn_failed(s, errno, ci.peer);
		return;
	}
	if (children_add(&s->kids, pid, ci.peer, &start) == -1)
		log_warn("child table: pid %ld untracked", (long)pid);
	if (log_verbose())
		log_info("connect %s pid %ld", ci.peer, (long)pid);
	if (children_count(&s->kids) == (size_t)s->cfg->max_children)
		log_limited(&s->rl_full, LOG_NOTICE, "max-children %d "
		    "reached: new connections wait in the backlog",
		    s->cfg->max_children);
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
			log_limited(&s->rl_accept, LOG_WARNING, "accept "
			    "failed: %s; not accepting for %ds",
			    strerror(errno), FORKD_PAUSE_SECS);
			pause_accepting(s);
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

/* The SIGUSR1 line: what forkd is doing and has done. */
static void
log_counters(struct server *s)
{
	log_info("counters: children %zu, accepted %lu, reaped %lu, "
	    "refused %lu, fork failures %lu, log dropped %lu",
	    children_count(&s->kids), s->count.accepted, s->count.reaped,
	    s->count.refused, s->count.fork_failures, log_dropped());
}

/* The SIGHUP action. */
static void
reload(struct server *s)
{
	(void)s;
	log_info("reload: nothing to reload");
}

/*
 * A request (SIGUSR1, SIGHUP) answered at most once a FORKD_REQUEST_MS:
 * a storm of thousands a second gives a line a second, not thousands.
 * One that comes too soon is remembered, not lost, and answered when its
 * time comes (the poll timeout wakes the loop for it).
 */
static void
request(struct server *s, struct request *r, void (*act)(struct server *))
{
	struct timespec t;

	now(&t);
	if (r->next.tv_sec != 0 && timespec_elapsed(&t, &r->next) > 0) {
		r->pending = 1;
		return;
	}
	r->pending = 0;
	act(s);
	r->next = t;
	r->next.tv_nsec += FORKD_REQUEST_MS * 1000000L;
	r->next.tv_sec += r->next.tv_nsec / 1000000000L;
	r->next.tv_nsec %= 1000000000L;
}

/*
 * Act on the signals the self-pipe carried.  Reap on every wake-up, not
 * only when a SIGCHLD was seen: a reap that finds nothing costs one
 * wait4() call.  A reap ends a pause that a fork failure began: a process
 * slot is free again.
 */
static void
handle_signals(struct server *s, const unsigned char seen[SELFPIPE_NSIG])
{
	size_t reaped = children_reap(&s->kids);

	s->count.reaped += reaped;
	if (reaped > 0 && s->fork_paused)
		s->paused = s->fork_paused = 0;
	if (seen[SIGTERM] || seen[SIGINT]) {
		if (!s->stopping)
			begin_shutdown(s);
		else
			now(&s->grace_end);	/* asked twice: no more grace */
	}
	if (seen[SIGHUP])
		request(s, &s->hup, reload);
	if (seen[SIGUSR1])
		request(s, &s->usr1, log_counters);
}

/* Timers: the end of an accept pause, the grace period, the SIGKILL. */
static void
handle_deadlines(struct server *s)
{
	size_t n = children_count(&s->kids);

	if (s->paused && passed(&s->paused_until))
		s->paused = s->fork_paused = 0;
	if (s->hup.pending && passed(&s->hup.next))
		request(s, &s->hup, reload);
	if (s->usr1.pending && passed(&s->usr1.next))
		request(s, &s->usr1, log_counters);
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

/* The nearer of timeout t (-1: none) and deadline d, in milliseconds. */
static int
nearer(int t, const struct timespec *d)
{
	int ms = ms_until(d);

	return t == -1 || ms < t ? ms : t;
}

/* The poll timeout: the nearest pending deadline, or -1 for none. */
static int
poll_timeout(const struct server *s)
{
	int t = -1;

	if (s->paused)
		t = nearer(t, &s->paused_until);
	if (s->hup.pending)
		t = nearer(t, &s->hup.next);
	if (s->usr1.pending)
		t = nearer(t, &s->usr1.next);
	if (s->stopping && !s->term_sent)
		t = nearer(t, &s->grace_end);
	else if (s->term_sent && !s->kill_sent)
		t = nearer(t, &s->kill_at);
	return t;
}

/*
 * The pipe first, then the listeners if accepting (*nls of them), then
 * the log's fd while lines wait for it (at *logi, else -1).  Returns the
 * count.
 */
static nfds_t
build_pollset(const struct server *s, struct pollfd *pfd, nfds_t *nls,
    nfds_t *logi)
{
	nfds_t n = 0;
	size_t i;
	int fd;

	pfd[n].fd = selfpipe_fd();
	pfd[n++].events = POLLIN;
	*nls = 0;
	if (accepting(s))
		for (i = 0; i < s->nls; i++) {
			pfd[n].fd = s->ls[i].fd;
			pfd[n++].events = POLLIN;
			(*nls)++;
		}
	*logi = (nfds_t)-1;
	if (log_queued() && (fd = log_pollfd()) != -1) {
		*logi = n;
		pfd[n].fd = fd;
		pfd[n++].events = POLLOUT;
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
	struct pollfd pfd[2 + FORKD_MAX_SOCKETS];
	unsigned char seen[SELFPIPE_NSIG];
	nfds_t n, i, nls, logi;

	for (;;) {
		handle_deadlines(s);
		if (s->stopping && children_count(&s->kids) == 0)
			break;
		n = build_pollset(s, pfd, &nls, &logi);
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
		if (logi != (nfds_t)-1 && pfd[logi].revents != 0)
			log_flush();
		for (i = 1; i <= nls && !s->stopping; i++)
			if (pfd[i].revents != 0)
				accept_batch(s, &s->ls[i - 1]);
	}
	log_info("exiting: accepted %lu, reaped %lu, fork failures %lu",
	    s->count.accepted, s->count.reaped, s->count.fork_failures);
	return 0;
}
