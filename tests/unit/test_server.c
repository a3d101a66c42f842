/*
 * server.c: the accept-error classifier by table, then the whole
 * server_loop() on a real loopback listener with a real self-pipe and
 * real children, with failures injected through -Wl,--wrap:
 *
 *   accept4  each call takes a value from cmocka's queue: 0 runs the real
 *            accept4, an errno value fails with it.  The queue is exact:
 *            one call more or less than queued fails the test, so the
 *            number of accept4 calls (no spinning) is asserted for free.
 *   fork     the same: 0 is the real fork, an errno value fails.
 *   ppoll    always the real ppoll (the loop's wait, selfpipe_poll());
 *            each call is recorded (how many fds, the timeout, the
 *            server's state) and a per-test hook runs first, to connect
 *            clients or raise SIGTERM at a known point.
 *
 * server_loop() returns only after SIGTERM and its last child: every test
 * ends by raising SIGTERM from the poll hook (blocked until the real
 * ppoll opens it, then the self-pipe handler turns it into a byte,
 * exactly as in the daemon).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "forkd.h"
#include "check.h"

int	__wrap_accept4(int, struct sockaddr *, socklen_t *, int);
int	__real_accept4(int, struct sockaddr *, socklen_t *, int);
pid_t	__wrap_fork(void);
pid_t	__real_fork(void);
int	__wrap_ppoll(struct pollfd *, nfds_t, const struct timespec *,
	    const sigset_t *);
int	__real_ppoll(struct pollfd *, nfds_t, const struct timespec *,
	    const sigset_t *);

/* One wait of server_loop, as the wrapper saw it. */
struct poll_rec {
	nfds_t	 nfds;		/* 1: the pipe only; 2: pipe + listener */
	int	 timeout;	/* in ms, -1 for none */
	int	 paused;
	size_t	 kids;
	unsigned long accepted;
	double	 at;		/* when poll was entered */
};

static pid_t		 test_pid;	/* the wrappers act in the parent only */
static struct server	*cur;		/* the server in server_loop */
static struct poll_rec	 polls[256];
static int		 npolls;
static int		 naccept4;
static int		 accept4_flags;
static int		 sigterm_raised;
static void		(*poll_hook)(int);

int
__wrap_accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
	int e;

	if (getpid() != test_pid)
		return __real_accept4(fd, sa, len, flags);
	naccept4++;
	accept4_flags = flags;
	e = (int)mock();
	if (e != 0) {
		errno = e;
		return -1;
	}
	return __real_accept4(fd, sa, len, flags);
}

pid_t
__wrap_fork(void)
{
	int e;

	if (getpid() != test_pid)
		return __real_fork();
	e = (int)mock();
	if (e != 0) {
		errno = e;
		return -1;
	}
	return __real_fork();
}

int
__wrap_ppoll(struct pollfd *pfd, nfds_t n, const struct timespec *ts,
    const sigset_t *mask)
{
	struct poll_rec *r;
	int call;

	if (getpid() != test_pid || cur == NULL)
		return __real_ppoll(pfd, n, ts, mask);
	if (npolls == (int)(sizeof(polls) / sizeof(polls[0])))
		fail_msg("server_loop spins: %d polls", npolls);
	call = npolls++;
	r = &polls[call];
	r->nfds = n;
	r->timeout = ts == NULL ? -1 :
	    (int)(ts->tv_sec * 1000 + ts->tv_nsec / 1000000);
	r->paused = cur->paused;
	r->kids = children_count(&cur->kids);
	r->accepted = cur->count.accepted;
	r->at = mono_now();
	if (poll_hook != NULL)
		poll_hook(call);
	return __real_ppoll(pfd, n, ts, mask);
}

/* From a poll hook: ask the server to stop, once. */
static void
stop_once(void)
{
	if (!sigterm_raised) {
		sigterm_raised = 1;
		raise(SIGTERM);
	}
}

/* Everything one server test needs. */
struct fixture {
	struct config	cfg;
	struct listener	ls[2];
	size_t		nls;
	struct server	s;
	int		port;
	struct capture	cap;
	int		capturing;
	char		*log;
};

static struct fixture fx;
static unsigned fixture_per_ip;	/* -C for the next fixture_start() */

/* A fresh listener on 127.0.0.1:0, serving builtin, and a self-pipe. */
static void
fixture_start(const char *builtin, int max_children, int grace)
{
	char err[256] = "";

	memset(&fx.cfg, 0, sizeof(fx.cfg));
	fx.cfg.listen[0] = "127.0.0.1:0";
	fx.cfg.nlisten = 1;
	fx.cfg.builtin = builtin;
	fx.cfg.max_children = max_children;
	fx.cfg.grace = grace;
	fx.cfg.log_target = LOG_TO_STDERR;
	fx.cfg.per_ip = fixture_per_ip;
	fx.cfg.v4prefix = 32;
	fx.cfg.v6prefix = 64;
	assert_int_equal(listener_open_all(&fx.cfg, fx.ls, 2, &fx.nls, err,
	    sizeof(err)), 0);
	assert_int_equal(fx.nls, 1);
	fx.port = sock_port(fx.ls[0].fd);
	assert_int_equal(spawn_init(&fx.cfg, err, sizeof(err)), 0);
	assert_int_equal(server_init(&fx.s, &fx.cfg, fx.ls, fx.nls, NULL), 0);
}

/* Run server_loop with stderr captured into fx.log; returns its status. */
static int
fixture_run(void)
{
	int rc;

	capture_begin(&fx.cap);
	fx.capturing = 1;
	cur = &fx.s;
	rc = server_loop(&fx.s);
	cur = NULL;
	fx.log = capture_end(&fx.cap);
	fx.capturing = 0;
	return rc;
}

static int
setup(void **state)
{
	(void)state;
	test_pid = getpid();
	memset(&fx, 0, sizeof(fx));
	memset(polls, 0, sizeof(polls));
	npolls = naccept4 = accept4_flags = sigterm_raised = 0;
	poll_hook = NULL;
	cur = NULL;
	log_init(LOG_TO_STDERR, 0);
	if (selfpipe_open() == -1)
		return -1;
	alarm(30);	/* a hang becomes a failure, not a stuck make check */
	return 0;
}

static int
teardown(void **state)
{
	static const int sigs[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR1,
	    SIGPIPE };
	size_t i;

	(void)state;
	alarm(0);
	cur = NULL;
	if (fx.capturing)	/* a failure inside server_loop */
		fx.log = capture_end(&fx.cap);
	if (fx.log != NULL) {
		fputs(fx.log, stderr);	/* into the test's .log file */
		free(fx.log);
		fx.log = NULL;
	}
	listener_close_all(fx.ls, fx.nls);
	spawn_free();
	children_signal_all(&fx.s.kids, SIGKILL);
	server_free(&fx.s);
	selfpipe_close();
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	return 0;
}

/* Proves server_accept_error() sorts every errno accept(2) can give. */
static void
test_accept_error_table(void **state)
{
	static const struct {
		int			 e;
		const char		*name;
		enum accept_action	 want;
	} t[] = {
		{ EAGAIN, "EAGAIN", ACCEPT_EMPTY },
		{ EWOULDBLOCK, "EWOULDBLOCK", ACCEPT_EMPTY },
		{ EINTR, "EINTR", ACCEPT_RETRY },
		{ ECONNABORTED, "ECONNABORTED", ACCEPT_RETRY },
		{ EPROTO, "EPROTO", ACCEPT_RETRY },
		{ ENETDOWN, "ENETDOWN", ACCEPT_RETRY },
		{ ENOPROTOOPT, "ENOPROTOOPT", ACCEPT_RETRY },
		{ EHOSTDOWN, "EHOSTDOWN", ACCEPT_RETRY },
		{ ENONET, "ENONET", ACCEPT_RETRY },
		{ EHOSTUNREACH, "EHOSTUNREACH", ACCEPT_RETRY },
		{ EOPNOTSUPP, "EOPNOTSUPP", ACCEPT_RETRY },
		{ ENETUNREACH, "ENETUNREACH", ACCEPT_RETRY },
		{ EMFILE, "EMFILE", ACCEPT_PAUSE },
		{ ENFILE, "ENFILE", ACCEPT_PAUSE },
		{ ENOBUFS, "ENOBUFS", ACCEPT_PAUSE },
		{ ENOMEM, "ENOMEM", ACCEPT_PAUSE },
		/* the unexpected backs off too, rather than spin */
		{ EBADF, "EBADF", ACCEPT_PAUSE },
		{ EINVAL, "EINVAL", ACCEPT_PAUSE },
		{ ENOTSOCK, "ENOTSOCK", ACCEPT_PAUSE },
		{ 0, "0", ACCEPT_PAUSE },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		CHECK_INT(t[i].name, server_accept_error(t[i].e), t[i].want);
}

/* Proves server_init() starts empty, accepting, with the given config. */
static void
test_init(void **state)
{
	struct config cfg;
	struct listener ls[1];
	struct server s;

	(void)state;
	memset(&s, 0xa5, sizeof(s));
	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(server_init(&s, &cfg, ls, 1, NULL), 0);
	assert_ptr_equal(s.cfg, &cfg);
	assert_ptr_equal(s.ls, ls);
	assert_int_equal(s.nls, 1);
	assert_int_equal(children_count(&s.kids), 0);
	assert_null(s.kids.v);
	assert_int_equal(s.paused, 0);
	assert_int_equal(s.stopping, 0);
	assert_int_equal(s.term_sent, 0);
	assert_int_equal(s.kill_sent, 0);
	assert_int_equal(s.count.accepted, 0);
	assert_int_equal(s.count.fork_failures, 0);
	assert_int_equal(s.rl_accept.start, 0);
	assert_int_equal(s.fork_paused, 0);
	assert_int_equal(s.usr1.pending, 0);
	assert_int_equal(s.rate_paused, 0);
	assert_null(s.rules);
	assert_int_equal(limits_total(&s.lim), 0);
	server_free(&s);
}

/* Stop at the first poll after a connection was accepted. */
static void
hook_stop_after_accept(int call)
{
	if (polls[call].accepted >= 1)
		stop_once();
}

/* A client of the fixture's listener that has sent msg and half-closed. */
static int
client_sends(const char *msg)
{
	int fd = tcp_connect("127.0.0.1", fx.port);

	assert_int_equal(write(fd, msg, strlen(msg)), (ssize_t)strlen(msg));
	assert_int_equal(shutdown(fd, SHUT_WR), 0);
	return fd;
}

/*
 * Proves EMFILE pauses accepting without spinning: accept4 fails once
 * (EMFILE) with a client waiting; the next poll has the pipe only (the
 * listener left out), s.paused == 1, a timeout of about 1 s, and really
 * waits that long; then the listener is back, the waiting client is
 * accepted and served (echo), and accept4 was called exactly 3 times
 * (EMFILE, the client, EAGAIN).  One "accept failed" line is logged.
 */
static void
test_emfile_pauses(void **state)
{
	char buf[64];
	int client;

	(void)state;
	fixture_start("echo", 100, 10);
	client = client_sends("ping");

	will_return(__wrap_accept4, EMFILE);
	will_return(__wrap_accept4, 0);		/* the client */
	will_return(__wrap_accept4, 0);		/* EAGAIN: batch over */
	will_return(__wrap_fork, 0);
	poll_hook = hook_stop_after_accept;
	assert_int_equal(fixture_run(), 0);

	assert_true(npolls >= 4);
	/* 0: accepting, no deadline */
	assert_int_equal(polls[0].nfds, 2);
	assert_int_equal(polls[0].timeout, -1);
	assert_int_equal(polls[0].paused, 0);
	/* 1: after EMFILE: paused, pipe only, woken by the 1 s timer */
	assert_int_equal(polls[1].paused, 1);
	assert_int_equal(polls[1].nfds, 1);
	if (polls[1].timeout < 900 || polls[1].timeout > 1001)
		fail_msg("pause timeout %d ms", polls[1].timeout);
	if (polls[2].at - polls[1].at < 0.85)
		fail_msg("paused only %.3fs", polls[2].at - polls[1].at);
	/* 2: pause over, listener back */
	assert_int_equal(polls[2].paused, 0);
	assert_int_equal(polls[2].nfds, 2);
	assert_int_equal(polls[2].accepted, 0);
	assert_int_equal(polls[3].accepted, 1);

	assert_int_equal(naccept4, 3);
	assert_true(accept4_flags & SOCK_CLOEXEC);
	assert_int_equal(fx.s.count.accepted, 1);
	assert_int_equal(fx.s.count.reaped, 1);
	assert_int_equal(fx.s.count.fork_failures, 0);
	assert_int_equal(fx.s.stopping, 1);
	assert_int_equal(children_count(&fx.s.kids), 0);
	assert_int_equal(count_substr(fx.log, "accept failed: Too many open "
	    "files; not accepting for 1s"), 1);
	assert_int_equal(read_to_eof(client, buf, sizeof(buf), 5), 4);
	assert_memory_equal(buf, "ping", 4);
	assert_true(no_children_left());
	close(client);
}

/* Proves ECONNABORTED is retried in the same batch, with no pause. */
static void
test_connaborted_retries(void **state)
{
	char buf[64];
	int client;

	(void)state;
	fixture_start("upper", 100, 10);
	client = client_sends("abc");

	will_return(__wrap_accept4, ECONNABORTED);
	will_return(__wrap_accept4, EINTR);
	will_return(__wrap_accept4, 0);		/* the client */
	will_return(__wrap_accept4, 0);		/* EAGAIN */
	will_return(__wrap_fork, 0);
	poll_hook = hook_stop_after_accept;
	assert_int_equal(fixture_run(), 0);

	assert_int_equal(naccept4, 4);
	assert_int_equal(polls[1].paused, 0);
	assert_int_equal(polls[1].accepted, 1);	/* all in poll 0's batch */
	assert_int_equal(fx.s.count.accepted, 1);
	assert_int_equal(count_substr(fx.log, "accept failed"), 0);
	assert_int_equal(read_to_eof(client, buf, sizeof(buf), 5), 3);
	assert_memory_equal(buf, "ABC", 3);
	close(client);
}

static int client2 = -1;

/* Fork test: a second client arrives at poll 1; stop once it is served. */
static void
hook_fork(int call)
{
	if (call == 1)
		client2 = client_sends("again");
	if (polls[call].accepted == 2 && polls[call].kids == 0)
		stop_once();
}

/*
 * Proves a failed fork (EAGAIN) drops only that connection and backs off:
 * it is counted (fork_failures == 1), logged with the peer and the pause,
 * and closed (the client sees EOF); the next poll leaves the listener out
 * for about 1 s (no child to reap could end it sooner), so a second
 * client waits in the backlog and is then served by a real child.
 */
static void
test_fork_fails(void **state)
{
	char buf[64], want[160];
	int client1;

	(void)state;
	fixture_start("echo", 100, 10);
	client1 = tcp_connect("127.0.0.1", fx.port);

	will_return(__wrap_accept4, 0);		/* client 1 */
	will_return(__wrap_accept4, 0);		/* client 2, after the pause */
	will_return(__wrap_accept4, 0);		/* EAGAIN */
	will_return(__wrap_fork, EAGAIN);
	will_return(__wrap_fork, 0);
	client2 = -1;
	poll_hook = hook_fork;
	assert_int_equal(fixture_run(), 0);

	assert_int_equal(naccept4, 3);
	assert_int_equal(fx.s.count.fork_failures, 1);
	assert_int_equal(fx.s.count.accepted, 2);
	assert_int_equal(fx.s.count.reaped, 1);
	/* 1: after the failure: paused, pipe only, for about 1 s */
	assert_int_equal(polls[1].paused, 1);
	assert_int_equal(polls[1].nfds, 1);
	if (polls[1].timeout < 900 || polls[1].timeout > 1001)
		fail_msg("pause timeout %d ms", polls[1].timeout);
	if (polls[2].at - polls[1].at < 0.85)
		fail_msg("paused only %.3fs", polls[2].at - polls[1].at);
	assert_int_equal(polls[2].paused, 0);
	assert_int_equal(polls[2].nfds, 2);
	snprintf(want, sizeof(want), "fork failed: Resource temporarily "
	    "unavailable; dropped 127.0.0.1:%d; not accepting for 1s",
	    sock_port(client1));
	CHECK_SUBSTR("fork", fx.log, want);
	assert_int_equal(read_to_eof(client1, buf, sizeof(buf), 5), 0);
	assert_true(client2 != -1);
	assert_int_equal(read_to_eof(client2, buf, sizeof(buf), 5), 5);
	assert_memory_equal(buf, "again", 5);
	assert_true(no_children_left());
	close(client1);
	close(client2);
}

static int fr_client[3];
static double fr_failed_at, fr_resumed_at;
static void fork_pause_run(void);

/*
 * Fork-pause test: poll 0 has client 0 waiting (it gets a child); at poll
 * 1 client 1 arrives (its fork fails); once paused, client 0 finishes, so
 * its child exits and is reaped; then client 2 comes, and the loop stops
 * when it has been served.
 */
static void
hook_fork_reap(int call)
{
	const struct poll_rec *r = &polls[call];

	if (call == 1)
		fr_client[1] = tcp_connect("127.0.0.1", fx.port);
	if (r->paused && fr_failed_at == 0) {
		fr_failed_at = r->at;
		shutdown(fr_client[0], SHUT_WR);
	}
	if (fr_failed_at != 0 && !r->paused && fr_client[2] == -1) {
		fr_resumed_at = r->at;
		fr_client[2] = client_sends("third");
	}
	if (r->accepted == 3 && r->kids == 0)
		stop_once();
}

/*
 * Proves the pause after a fork failure ends as soon as a child is reaped
 * (a process slot is free again), well before its 1 s timer.
 */
static void
test_fork_pause_ends_on_reap(void **state)
{
	(void)state;
	fixture_start("echo", 100, 10);
	fork_pause_run();
}

/*
 * Proves a connection whose fork failed gives its place in its address
 * group back at once: under -C 2, after a held child, a failed fork and
 * two reaps, 127.0.0.1's count is 0 again (it would stay 1 if the failed
 * spawn kept its place).
 */
static void
test_fork_failure_keeps_counts(void **state)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct limits_key k;

	(void)state;
	fixture_per_ip = 2;
	fixture_start("echo", 100, 10);
	fixture_per_ip = 0;
	fork_pause_run();
	assert_int_equal(limits_total(&fx.s.lim), 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	limits_key((struct sockaddr *)&sin, 32, 64, &k);
	assert_int_equal(limits_count(&fx.s.lim, &k), 0);
	assert_int_equal(fx.s.count.refused, 0);
}

/* The body of the fork-pause test, on a started fixture. */
static void
fork_pause_run(void)
{
	char buf[64];

	fr_client[0] = tcp_connect("127.0.0.1", fx.port);	/* held open */
	assert_int_equal(write(fr_client[0], "first", 5), 5);
	fr_client[1] = fr_client[2] = -1;
	fr_failed_at = fr_resumed_at = 0;

	will_return(__wrap_accept4, 0);		/* client 0 */
	will_return(__wrap_accept4, 0);		/* EAGAIN */
	will_return(__wrap_accept4, 0);		/* client 1 */
	will_return(__wrap_accept4, 0);		/* client 2, after the reap */
	will_return(__wrap_accept4, 0);		/* EAGAIN */
	will_return(__wrap_fork, 0);
	will_return(__wrap_fork, EAGAIN);
	will_return(__wrap_fork, 0);
	poll_hook = hook_fork_reap;
	assert_int_equal(fixture_run(), 0);

	assert_true(fr_failed_at != 0 && fr_resumed_at != 0);
	if (fr_resumed_at - fr_failed_at > 0.8)
		fail_msg("pause lasted %.3fs after the reap",
		    fr_resumed_at - fr_failed_at);
	assert_int_equal(fx.s.count.fork_failures, 1);
	assert_int_equal(fx.s.count.reaped, 2);
	assert_int_equal(read_to_eof(fr_client[1], buf, sizeof(buf), 5), 0);
	assert_int_equal(read_to_eof(fr_client[2], buf, sizeof(buf), 5), 5);
	assert_memory_equal(buf, "third", 5);
	assert_true(no_children_left());
	close(fr_client[0]);
	close(fr_client[1]);
	close(fr_client[2]);
}

static int mc_client[2];
static int mc_stage;

/*
 * max-children test: with one child alive, let its client finish; when
 * the second has been served too and none is left, stop.
 */
static void
hook_max_children(int call)
{
	const struct poll_rec *r = &polls[call];

	if (r->kids == 1 && r->accepted == 1 && mc_stage == 0) {
		shutdown(mc_client[0], SHUT_WR);
		mc_stage = 1;
	} else if (r->kids == 1 && r->accepted == 2 && mc_stage == 1) {
		shutdown(mc_client[1], SHUT_WR);
		mc_stage = 2;
	} else if (r->kids == 0 && r->accepted == 2)
		stop_once();
}

/*
 * Proves --max-children 1: with two clients waiting, only one is accepted
 * (accept4 is not even called for the second); while a child is alive the
 * listener is out of the poll set; once it is reaped the second client is
 * accepted.  The "max-children 1 reached" warning is rate-limited to one.
 */
static void
test_max_children(void **state)
{
	char buf[64];
	int i, saw_full = 0;

	(void)state;
	fixture_start("echo", 1, 10);
	mc_stage = 0;
	for (i = 0; i < 2; i++) {
		mc_client[i] = tcp_connect("127.0.0.1", fx.port);
		assert_int_equal(write(mc_client[i], i ? "two" : "one", 3), 3);
	}
	will_return(__wrap_accept4, 0);		/* client 1, then full */
	will_return(__wrap_accept4, 0);		/* client 2, then full */
	will_return(__wrap_fork, 0);
	will_return(__wrap_fork, 0);
	poll_hook = hook_max_children;
	assert_int_equal(fixture_run(), 0);

	assert_int_equal(naccept4, 2);
	for (i = 0; i < npolls; i++) {
		if (polls[i].kids == 1) {
			saw_full = 1;
			if (polls[i].nfds != 1)
				fail_msg("poll %d: listener polled with a "
				    "child alive at max-children 1", i);
		} else if (i > 0 && polls[i].accepted == 1 &&
		    polls[i].nfds != 2)
			fail_msg("poll %d: listener not back after the reap", i);
	}
	assert_true(saw_full);
	assert_int_equal(fx.s.count.accepted, 2);
	assert_int_equal(fx.s.count.reaped, 2);
	assert_int_equal(count_substr(fx.log, "max-children 1 reached"), 1);
	assert_int_equal(read_to_eof(mc_client[0], buf, sizeof(buf), 5), 3);
	assert_memory_equal(buf, "one", 3);
	assert_int_equal(read_to_eof(mc_client[1], buf, sizeof(buf), 5), 3);
	assert_memory_equal(buf, "two", 3);
	close(mc_client[0]);
	close(mc_client[1]);
}

/* Signals test: SIGUSR1 and SIGHUP at poll 0, SIGTERM at poll 1. */
static void
hook_signals(int call)
{
	if (call == 0) {
		raise(SIGUSR1);
		raise(SIGHUP);
	} else
		stop_once();
}

/*
 * Proves SIGUSR1 logs the counters and SIGHUP the reload line, neither
 * stops the loop, and SIGTERM with no children ends it at once (status
 * 0, listeners closed, the exit line logged).
 */
static void
test_signals(void **state)
{
	(void)state;
	fixture_start("echo", 100, 10);
	poll_hook = hook_signals;
	assert_int_equal(fixture_run(), 0);

	assert_int_equal(npolls, 2);
	assert_int_equal(polls[1].nfds, 2);
	CHECK_SUBSTR("signals", fx.log, "counters: children 0, accepted 0, "
	    "reaped 0, refused 0 (per-ip 0, rate 0, access 0), timeouts 0, "
	    "fork failures 0");
	CHECK_SUBSTR("signals", fx.log, "reload: no --access file; nothing "
	    "to reread");
	CHECK_SUBSTR("signals", fx.log, "shutting down: 0 children left, "
	    "grace 10s");
	CHECK_SUBSTR("signals", fx.log, "exiting: accepted 0, reaped 0, "
	    "refused 0 (per-ip 0, rate 0, access 0), timeouts 0, fork "
	    "failures 0");
	assert_int_equal(fx.s.stopping, 1);
	assert_int_equal(fx.ls[0].fd, -1);
}

/* Grace test: stop once the child is there. */
static void
hook_grace(int call)
{
	if (polls[call].kids == 1)
		stop_once();
}

/*
 * Proves the shutdown order with --grace 0: SIGTERM closes the listener
 * (new clients are refused), the child still busy (chargen, its client
 * never reading) gets SIGTERM when the grace period is over, is reaped as
 * "signal 15", and only then does server_loop return; no SIGKILL.
 */
static void
test_grace_over(void **state)
{
	char want[128];
	int client;

	(void)state;
	fixture_start("chargen", 100, 0);
	client = tcp_connect("127.0.0.1", fx.port);
	will_return(__wrap_accept4, 0);		/* the client */
	will_return(__wrap_accept4, 0);		/* EAGAIN */
	will_return(__wrap_fork, 0);
	poll_hook = hook_grace;
	assert_int_equal(fixture_run(), 0);

	assert_int_equal(fx.s.term_sent, 1);
	assert_int_equal(fx.s.kill_sent, 0);
	assert_int_equal(fx.s.count.reaped, 1);
	assert_int_equal(fx.ls[0].fd, -1);
	CHECK_SUBSTR("grace", fx.log, "shutting down: 1 children left, "
	    "grace 0s");
	CHECK_SUBSTR("grace", fx.log, "grace period over: SIGTERM to 1 "
	    "children");
	snprintf(want, sizeof(want), "127.0.0.1:%d signal 15 (TERM) after ",
	    sock_port(client));
	CHECK_SUBSTR("grace", fx.log, want);
	assert_int_equal(count_substr(fx.log, "SIGKILL"), 0);
	assert_true(no_children_left());
	close(client);
}

/* Full-pipe test: the child must be gone by the second poll. */
static void
hook_full_pipe(int call)
{
	if (call == 0)
		return;
	if (children_count(&cur->kids) != 0)
		fail_msg("the child whose SIGCHLD byte was lost is not reaped");
	stop_once();
}

/*
 * Proves a child is reaped even when its SIGCHLD byte never reached the
 * self-pipe: the pipe is full of SIGUSR1 bytes when the child exits, so
 * the handler's write fails (EAGAIN) and the loop only ever reads USR1.
 * The loop must reap on every wake-up, not only on a SIGCHLD byte.
 */
static void
test_full_pipe_reaps(void **state)
{
	struct timespec start;
	sigset_t open;
	int queued, capacity, i;
	pid_t pid;

	(void)state;
	fixture_start("echo", 100, 0);
	capacity = fcntl(selfpipe_fd(), F_GETPIPE_SZ);
	assert_true(capacity > 0);
	/* open, as in the loop's wait, so that each signal writes its byte */
	sigemptyset(&open);
	sigaddset(&open, SIGUSR1);
	sigaddset(&open, SIGCHLD);
	assert_int_equal(sigprocmask(SIG_UNBLOCK, &open, NULL), 0);
	for (i = 0; i < capacity + 16; i++)
		raise(SIGUSR1);
	assert_int_equal(ioctl(selfpipe_fd(), FIONREAD, &queued), 0);
	assert_int_equal(queued, capacity);

	clock_gettime(CLOCK_MONOTONIC, &start);
	pid = __real_fork();
	assert_true(pid != -1);
	if (pid == 0)
		_exit(0);
	assert_int_equal(add_child(&fx.s.kids, pid, "127.0.0.1:1", &start),
	    0);
	wait_exited_nowait(pid);	/* its SIGCHLD handler has run */
	assert_int_equal(ioctl(selfpipe_fd(), FIONREAD, &queued), 0);
	assert_int_equal(queued, capacity);	/* no room: the byte was lost */
	assert_int_equal(sigprocmask(SIG_BLOCK, &open, NULL), 0);

	poll_hook = hook_full_pipe;
	assert_int_equal(fixture_run(), 0);
	assert_int_equal(fx.s.count.reaped, 1);
	assert_int_equal(count_substr(fx.log, "reaped pid "), 1);
	CHECK_SUBSTR("full pipe", fx.log, "127.0.0.1:1 exit 0 after ");
	assert_true(no_children_left());
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accept_error_table),
		cmocka_unit_test(test_init),
		cmocka_unit_test_setup_teardown(test_emfile_pauses, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_connaborted_retries,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_fork_fails, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_fork_failure_keeps_counts,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_fork_pause_ends_on_reap,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_max_children, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_signals, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_grace_over, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_full_pipe_reaps, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
