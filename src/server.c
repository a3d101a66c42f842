/*
 * The one loop: poll() on the self-pipe and the listening sockets, the
 * only place forkd's signals are open (selfpipe_poll()); accept, admit
 * (access rules, per-address and rate limits) and spawn; reap on SIGCHLD;
 * time children out; act on the other signals; shut down in order.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
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

/* ts = now + ns. */
static void
add_ns(struct timespec *ts, uint64_t ns)
{
	ts->tv_sec += (time_t)(ns / 1000000000u);
	ts->tv_nsec += (long)(ns % 1000000000u);
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Refusal lines a reason may log each RATELIMIT_WINDOW, before "N more". */
#define REFUSED_LOG_BURST	10
/* Connections that may wait for their PROXY header at once, at most. */
#define PENDING_MAX		1024
/* systemd's STATUS= at most this often (milliseconds). */
#define STATUS_MS		1000

/*
 * Start with no children, accepting, with the access rules given (the
 * server owns them from here on).  -1 (ENOMEM) if the address-group table
 * cannot be made.
 */
int
server_init(struct server *s, const struct config *cfg, struct listener *ls,
    size_t nls, struct access_rules *rules)
{
	struct limits_config lc = {
		.per_ip = cfg->per_ip,
		.rate = cfg->rate,
		.v4prefix = cfg->v4prefix,
		.v6prefix = cfg->v6prefix,
	};
	size_t i;

	size_t waiting = 0;

	/*
	 * A hash key no client can guess, so none can aim collisions.  From
	 * getrandom(2), not libbsd's arc4random(3): that one registers a
	 * fork handler which every child would then run, two page faults
	 * each (a page of libbsd's code and one of its data).
	 */
	if (getrandom(&lc.seed, sizeof(lc.seed), 0) != (ssize_t)sizeof(lc.seed))
		lc.seed = (uint64_t)arc4random() << 32 | arc4random();
	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	s->ls = ls;
	s->nls = nls;
	s->rules = rules;
	for (i = 0; i < REFUSED_NREASONS; i++)
		s->rl_refused[i].burst = REFUSED_LOG_BURST;
	s->rl_proxy.burst = REFUSED_LOG_BURST;
	/*
	 * Address groups are counted for -C and -R, and for TCPCONNNUM in an
	 * exec'd program's environment; a built-in without limits needs none
	 * of it, and its parent then does no group work per connection.
	 */
	if (cfg->per_ip > 0 || cfg->rate.n > 0 || cfg->builtin == NULL)
		s->groups = &s->lim;
	if (cfg->proxy_protocol)
		waiting = (size_t)cfg->max_children < PENDING_MAX ?
		    (size_t)cfg->max_children : PENDING_MAX;
	/* The pipe, the listeners, the log, and what waits for a header. */
	s->pfd = reallocarray(NULL, 2 + FORKD_MAX_SOCKETS + waiting,
	    sizeof(*s->pfd));
	if (s->pfd == NULL || pending_init(&s->pend, waiting) == -1 ||
	    limits_init(&s->lim, &lc) == -1) {
		server_free(s);
		return -1;
	}
	return 0;
}

/* Free what the server holds (at exit: valgrind checks nothing is left). */
void
server_free(struct server *s)
{
	children_free(&s->kids);
	limits_free(&s->lim);
	access_free(s->rules);
	s->rules = NULL;
	pending_free(&s->pend);
	free(s->pfd);
	s->pfd = NULL;
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
	return !s->stopping && !s->paused && !s->rate_paused &&
	    children_count(&s->kids) + pending_count(&s->pend) <
	    (size_t)s->cfg->max_children &&
	    (!s->cfg->proxy_protocol || !pending_full(&s->pend));
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

/*
 * Close a connection admission control turned away, after the optional
 * --refuse-message (sent without waiting: a client that cannot take it
 * now does not get it).  What the client already sent is read first, so
 * that closing sends a FIN behind the message and not a reset that could
 * destroy it.  Logged with a rate limit per reason; returns -1.
 */
static int
refuse(struct server *s, int fd, enum refusal why, const char *peer,
    const char *fmt, ...)
	__attribute__((__format__(printf, 5, 6)));

static int
refuse(struct server *s, int fd, enum refusal why, const char *peer,
    const char *fmt, ...)
{
	char reason[160], junk[1024];
	va_list ap;
	int i;

	s->count.refused++;
	s->count.refused_by[why]++;
	if (s->cfg->refuse_len > 0) {
		for (i = 0; i < 4 && recv(fd, junk, sizeof(junk),
		    MSG_DONTWAIT) > 0; i++)
			;
		send(fd, s->cfg->refuse_msg, s->cfg->refuse_len,
		    MSG_DONTWAIT | MSG_NOSIGNAL);
		shutdown(fd, SHUT_WR);
	}
	close(fd);
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	log_limited(&s->rl_refused[why], LOG_NOTICE, "refused %s: %s", peer,
	    reason);
	return -1;
}

/* " for 2001:db8::/64" when group key is wider than its one address. */
static void
group_note(const struct server *s, const struct limits_key *key, char *buf,
    size_t len)
{
	char g[FORKD_ADDRSTRLEN + 8];

	limits_key_format(key, s->cfg->v4prefix, s->cfg->v6prefix, g,
	    sizeof(g));
	if (strchr(g, '/') != NULL)
		snprintf(buf, len, " for %s", g);
	else
		buf[0] = '\0';
}

/*
 * Admission control, in the parent, before any child exists: the access
 * rules (a deny is closed here), then the client's address group against
 * -C and -R.  A connection admitted holds a place in its group (key)
 * until its child is reaped, or at once if the spawn fails.  0 to go on,
 * -1 when the connection was refused (and closed).
 */
static int
admit(struct server *s, int fd, const struct sockaddr *sa,
    const struct conninfo *ci, const struct child *c, struct limits_key *key,
    struct admission *adm)
{
	const struct config *cfg = s->cfg;
	char note[FORKD_ADDRSTRLEN + 16];

	adm->rule = s->rules != NULL ? access_match(s->rules, sa) : NULL;
	if (adm->rule != NULL && !adm->rule->allow)
		return refuse(s, fd, REFUSED_ACCESS, ci->peer, "access %s:%u",
		    access_name(s->rules), adm->rule->line);
	adm->conns = 0;
	if (s->groups == NULL)
		return 0;
	limits_key(sa, cfg->v4prefix, cfg->v6prefix, key);
	switch (limits_admit(&s->lim, key, timespec_ns(&c->start),
	    &adm->conns)) {
	case LIMITS_OK:
		return 0;
	case LIMITS_PER_IP:
		group_note(s, key, note, sizeof(note));
		return refuse(s, fd, REFUSED_PER_IP, ci->peer,
		    "per-ip limit %u%s", cfg->per_ip, note);
	case LIMITS_RATE:
		group_note(s, key, note, sizeof(note));
		return refuse(s, fd, REFUSED_RATE, ci->peer, "rate %u/%u%s",
		    cfg->rate.n, cfg->rate.secs, note);
	case LIMITS_FULL:
	default:
		return refuse(s, fd, REFUSED_RATE, ci->peer,
		    "address-group table full");
	}
}

/* The client's address into ss, as much of it as its family has. */
static void
copy_peer(struct sockaddr_storage *ss, const struct sockaddr *peer)
{
	if (peer->sa_family == AF_INET)
		memcpy(ss, peer, sizeof(struct sockaddr_in));
	else if (peer->sa_family == AF_INET6)
		memcpy(ss, peer, sizeof(struct sockaddr_in6));
	else
		ss->ss_family = AF_UNSPEC;
}

/*
 * Start a child for the connection fd from peer (ci: both ends, as the
 * logs and the child see them), if admitted; the parent keeps no copy of
 * fd either way.
 */
static void
start_child(struct server *s, int fd, const struct sockaddr *peer,
    const struct conninfo *ci)
{
	struct limits_key key;
	struct admission adm;
	struct child c;

	now(&c.start);
	if (admit(s, fd, peer, ci, &c, &key, &adm) == -1)
		return;
	c.pid = spawn_child(s->cfg, fd, ci, &adm);
	close(fd);
	if (c.pid == -1) {
		if (s->groups != NULL)
			limits_release(s->groups, &key,
			    timespec_ns(&c.start));
		spawn_failed(s, errno, ci->peer);
		return;
	}
	copy_peer(&c.peer, peer);
	c.stage = CHILD_UNTIMED;
	if (s->cfg->timeout > 0) {
		c.stage = CHILD_RUNNING;
		c.due = c.start;
		c.due.tv_sec += s->cfg->timeout;
	}
	if (children_add(&s->kids, &c) == -1)
		log_warn("child table: pid %ld untracked", (long)c.pid);
	if (log_verbose())
		log_info("connect %s pid %ld", ci->peer, (long)c.pid);
	if (children_count(&s->kids) == (size_t)s->cfg->max_children)
		log_limited(&s->rl_full, LOG_NOTICE, "max-children %d "
		    "reached: new connections wait in the backlog",
		    s->cfg->max_children);
}

/* "proxy: closed PEER: why", rate-limited, and the connection closed. */
static void
proxy_drop(struct server *s, struct pending *e, const char *why)
{
	char peer[FORKD_ADDRSTRLEN];

	listener_name((struct sockaddr *)&e->peer, e->peerlen, peer,
	    sizeof(peer));
	log_limited(&s->rl_proxy, LOG_NOTICE, "proxy: closed %s: %s", peer,
	    why);
	close(e->fd);
	pending_remove(&s->pend, e);
}

/*
 * A header is complete: the client is who it names.  Admission, the
 * environment and the log lines use the header's addresses from here on.
 */
static void
proxy_done(struct server *s, struct pending *e)
{
	struct conninfo ci;
	const struct sockaddr *client;
	int fd = e->fd;

	listener_proxy_conninfo(fd, &e->hdr, (struct sockaddr *)&e->peer,
	    e->peerlen, &ci);
	client = e->hdr.local ? (struct sockaddr *)&e->peer :
	    (struct sockaddr *)&e->hdr.src;
	pending_remove(&s->pend, e);
	start_child(s, fd, client, &ci);
}

/* Read what arrived for the connections waiting for a header. */
static void
handle_pending(struct server *s, const struct pollfd *pfd, size_t n)
{
	struct pending *e;
	const char *why = "";
	size_t k, i = 0;

	for (k = 0; k < pending_slots(&s->pend) && i < n; k++) {
		if ((e = pending_at(&s->pend, k))->fd == -1)
			continue;
		if (pfd[i++].revents == 0)
			continue;
		switch (pending_read(e, pfd[i - 1].revents, &why)) {
		case PENDING_WAIT:
			break;
		case PENDING_DROP:
			proxy_drop(s, e, why);
			break;
		case PENDING_DONE:
			proxy_done(s, e);
			break;
		}
	}
}

/* Connections whose header did not come in time, oldest first. */
static void
expire_pending(struct server *s)
{
	struct timespec t;
	struct pending *e;
	char why[64];

	if (pending_count(&s->pend) == 0)
		return;
	now(&t);
	while ((e = pending_expired(&s->pend, &t)) != NULL) {
		snprintf(why, sizeof(why), "no header within %ds",
		    s->cfg->proxy_timeout);
		proxy_drop(s, e, why);
	}
}

/*
 * A new connection fd from peer: with --proxy-protocol it waits for its
 * header first, else its child starts now.
 */
static void
serve_one(struct server *s, int fd, const struct sockaddr *peer,
    socklen_t len)
{
	struct conninfo ci;
	struct timespec due;

	if (s->cfg->proxy_protocol) {
		deadline_in(&due, s->cfg->proxy_timeout);
		if (pending_add(&s->pend, fd, peer, len, &due) == NULL)
			close(fd);	/* cannot happen: accepting() checks */
		return;
	}
	if (s->cfg->builtin != NULL)
		listener_peerinfo(peer, len, &ci);
	else
		listener_conninfo(fd, peer, len, &ci);
	start_child(s, fd, peer, &ci);
}

/*
 * --max-rate: whether the server's bucket has a token for one more
 * accept.  When it is empty, the listeners leave the poll set until the
 * next token is due (the poll timeout), and clients wait in the backlog.
 */
static int
rate_allows(struct server *s)
{
	struct timespec t;
	uint64_t wait;

	if (s->cfg->max_rate.n == 0)
		return 1;
	now(&t);
	wait = bucket_wait(&s->max_bucket, &s->cfg->max_rate, timespec_ns(&t));
	if (wait == 0)
		return 1;
	s->rate_paused = 1;
	s->rate_until = t;
	add_ns(&s->rate_until, wait);
	return 0;
}

/* --max-rate: one accepted connection takes a token. */
static void
rate_take(struct server *s)
{
	struct timespec t;

	if (s->cfg->max_rate.n == 0)
		return;
	now(&t);
	bucket_take(&s->max_bucket, &s->cfg->max_rate, timespec_ns(&t));
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

	for (i = 0; i < FORKD_ACCEPT_BATCH && accepting(s) && rate_allows(s);
	    i++) {
		len = sizeof(ss);
		fd = accept4(l->fd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
		if (fd != -1) {
			s->count.accepted++;
			rate_take(s);
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
	notify_send("STOPPING=1");
	listener_close_all(s->ls, s->nls);
	log_info("shutting down: %zu children left, grace %ds",
	    children_count(&s->kids), s->cfg->grace);
	deadline_in(&s->grace_end, s->cfg->grace);
}

/* "refused 3 (per-ip 1, rate 2, access 0)", for the counters lines. */
static void
format_refused(const struct counters *c, char *buf, size_t len)
{
	snprintf(buf, len, "refused %lu (per-ip %lu, rate %lu, access %lu)",
	    c->refused, c->refused_by[REFUSED_PER_IP],
	    c->refused_by[REFUSED_RATE], c->refused_by[REFUSED_ACCESS]);
}

/* The SIGUSR1 line: what forkd is doing and has done. */
static void
log_counters(struct server *s)
{
	char refused[128];

	format_refused(&s->count, refused, sizeof(refused));
	log_info("counters: children %zu, accepted %lu, reaped %lu, %s, "
	    "timeouts %lu, fork failures %lu, log dropped %lu",
	    children_count(&s->kids), s->count.accepted, s->count.reaped,
	    refused, s->count.timeouts, s->count.fork_failures,
	    log_dropped());
}

static void reload_rules(struct server *);

/*
 * The SIGHUP action: reread the access rules, between systemd's
 * RELOADING=1 and READY=1.  The new rules take over
 * only when the whole file is good; on any error the old ones stay and
 * the error is logged.  Children already running are not touched.
 */
static void
reload(struct server *s)
{
	notify_reloading();
	reload_rules(s);
	notify_send("READY=1");
}

/* Reread the -a file, keeping the old rules on any error. */
static void
reload_rules(struct server *s)
{
	struct access_rules *rules;
	char err[512];
	int status;

	if (s->cfg->access == NULL) {
		log_info("reload: no --access file; nothing to reread");
		return;
	}
	rules = access_load(s->cfg->access, err, sizeof(err), &status);
	if (rules == NULL) {
		log_msg(LOG_ERR, "reload failed: %s; keeping the %zu rules "
		    "in use", err, access_count(s->rules));
		return;
	}
	if (spawn_set_access(rules) == -1) {
		log_msg(LOG_ERR, "reload failed: %s: %s; keeping the %zu "
		    "rules in use", s->cfg->access, strerror(errno),
		    access_count(s->rules));
		access_free(rules);
		return;
	}
	access_free(s->rules);
	s->rules = rules;
	log_info("reloaded %s: %zu rules", s->cfg->access,
	    access_count(rules));
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
	add_ns(&r->next, FORKD_REQUEST_MS * 1000000ull);
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
	size_t reaped = children_reap(&s->kids, s->groups);

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

/*
 * -t: children whose time is up, earliest first, from the deadline lists
 * (no scan): SIGTERM to the child's process group, then SIGKILL
 * --kill-after seconds later if it is still there.
 */
static void
handle_timeouts(struct server *s)
{
	struct timespec t, due;
	char peer[FORKD_ADDRSTRLEN];
	struct child c;

	if (!children_next_due(&s->kids, &due))
		return;		/* no -t, or nothing timed: no clock read */
	now(&t);
	while (children_due(&s->kids, &t, &c)) {
		children_peer_name(&c, peer, sizeof(peer));
		if (c.stage == CHILD_TERMINATING) {
			log_notice("SIGKILL to pid %ld %s: still there %ds "
			    "after SIGTERM", (long)c.pid, peer,
			    s->cfg->kill_after);
			if (children_signal(c.pid, SIGKILL) == -1)
				log_warn("kill SIGKILL pid %ld", (long)c.pid);
			children_untime(&s->kids, c.pid);
			continue;
		}
		s->count.timeouts++;
		log_notice("timeout pid %ld %s after %ds", (long)c.pid,
		    peer, s->cfg->timeout);
		if (children_signal(c.pid, SIGTERM) == -1)
			log_warn("kill SIGTERM pid %ld", (long)c.pid);
		due = t;
		due.tv_sec += s->cfg->kill_after;
		children_defer(&s->kids, c.pid, &due);
	}
}

/*
 * systemd's STATUS=: the children now and the connections so far, when
 * they changed, at most once a STATUS_MS (the poll timeout brings the
 * next one when it is due).
 */
static int status_changed(const struct server *);

static void
send_status(struct server *s)
{
	char msg[128];
	struct timespec t;

	if (!notify_enabled() || !status_changed(s))
		return;
	now(&t);
	if (s->status_sent && timespec_elapsed(&t, &s->status_next) > 0)
		return;
	s->status_children = children_count(&s->kids);
	s->status_accepted = s->count.accepted;
	snprintf(msg, sizeof(msg), "STATUS=%zu children, %lu accepted, "
	    "%lu refused", s->status_children, s->status_accepted,
	    s->count.refused);
	notify_send(msg);
	s->status_sent = 1;
	s->status_next = t;
	add_ns(&s->status_next, STATUS_MS * 1000000ull);
}

/*
 * Timers: the end of an accept pause or a --max-rate wait, child
 * timeouts, the grace period, the SIGKILL.
 */
static void
handle_deadlines(struct server *s)
{
	size_t n;

	if (s->paused && passed(&s->paused_until))
		s->paused = s->fork_paused = 0;
	if (s->rate_paused && passed(&s->rate_until))
		s->rate_paused = 0;
	handle_timeouts(s);
	expire_pending(s);
	send_status(s);
	n = children_count(&s->kids);
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

/* Whether STATUS= would say something new. */
static int
status_changed(const struct server *s)
{
	return !s->status_sent ||
	    s->status_children != children_count(&s->kids) ||
	    s->status_accepted != s->count.accepted;
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
poll_timeout(struct server *s)
{
	struct timespec due;
	int t = -1;

	if (s->paused)
		t = nearer(t, &s->paused_until);
	if (s->rate_paused)
		t = nearer(t, &s->rate_until);
	if (children_next_due(&s->kids, &due))
		t = nearer(t, &due);
	if (pending_next_due(&s->pend, &due))
		t = nearer(t, &due);
	if (notify_enabled() && status_changed(s))
		t = nearer(t, &s->status_next);
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

/* Where build_pollset() put what, in the poll set. */
struct pollset_map {
	nfds_t	nls;		/* listeners, from 1 */
	nfds_t	pend;		/* connections waiting for a header: first */
	nfds_t	npend;		/* and how many */
	nfds_t	logi;		/* the log's fd, or -1 */
};

/*
 * The pipe first, then the listeners if accepting, then the connections
 * waiting for a PROXY header (oldest first), then the log's fd while
 * lines wait for it.  Returns the count; m says where each part is.
 */
static nfds_t
build_pollset(const struct server *s, struct pollfd *pfd,
    struct pollset_map *m)
{
	nfds_t n = 0;
	size_t i;
	int fd;

	pfd[n].fd = selfpipe_fd();
	pfd[n++].events = POLLIN;
	m->nls = 0;
	if (accepting(s))
		for (i = 0; i < s->nls; i++) {
			pfd[n].fd = s->ls[i].fd;
			pfd[n++].events = POLLIN;
			m->nls++;
		}
	m->pend = n;
	for (i = 0; i < pending_slots(&s->pend); i++)
		if ((fd = pending_at(&s->pend, i)->fd) != -1) {
			pfd[n].fd = fd;
			pfd[n++].events = POLLIN | POLLRDHUP;
		}
	m->npend = n - m->pend;
	m->logi = (nfds_t)-1;
	if (log_queued() && (fd = log_pollfd()) != -1) {
		m->logi = n;
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
	struct pollfd *pfd = s->pfd;
	struct pollset_map m;
	unsigned char seen[SELFPIPE_NSIG];
	char refused[128];
	nfds_t n, i;

	for (;;) {
		handle_deadlines(s);
		if (s->stopping && children_count(&s->kids) == 0 &&
		    pending_count(&s->pend) == 0)
			break;
		n = build_pollset(s, pfd, &m);
		if (selfpipe_poll(pfd, n, poll_timeout(s)) == -1) {
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
		if (m.logi != (nfds_t)-1 && pfd[m.logi].revents != 0)
			log_flush();
		/* Before accepting: accepts add to what waits. */
		if (m.npend > 0)
			handle_pending(s, pfd + m.pend, m.npend);
		for (i = 1; i <= m.nls && !s->stopping; i++)
			if (pfd[i].revents != 0)
				accept_batch(s, &s->ls[i - 1]);
	}
	format_refused(&s->count, refused, sizeof(refused));
	log_info("exiting: accepted %lu, reaped %lu, %s, timeouts %lu, "
	    "fork failures %lu", s->count.accepted, s->count.reaped, refused,
	    s->count.timeouts, s->count.fork_failures);
	return 0;
}
