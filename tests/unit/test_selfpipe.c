/*
 * selfpipe.c with real signals: the pipe's flags, the dispositions, one
 * byte per delivered signal, errno kept by the handler, coalesced SIGCHLDs
 * still reaping every child, a full pipe that neither blocks nor kills,
 * and selfpipe_child_reset() in a real forked child; a signal whose byte
 * did not fit in a full pipe is still seen; an inherited mask is undone;
 * forkd's signals are handled only inside selfpipe_poll().
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

static const int caught[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR1 };
#define NCAUGHT	(sizeof(caught) / sizeof(caught[0]))

/* Each test starts with a fresh pipe and handlers, logging to stderr. */
static int
setup(void **state)
{
	(void)state;
	log_init(LOG_TO_STDERR, 0);
	if (selfpipe_open() == -1)
		return -1;
	alarm(60);	/* a hang becomes a failure, not a stuck make check */
	return 0;
}

/*
 * Like setup(), then forkd's signals unblocked for good, as if the test
 * always sat in selfpipe_poll(): each raise() is handled before it
 * returns.  For the tests of the handler itself.
 */
static int
setup_open(void **state)
{
	sigset_t all;

	if (setup(state) == -1)
		return -1;
	sigfillset(&all);
	return sigprocmask(SIG_UNBLOCK, &all, NULL);
}

/*
 * Handle the pending signals of forkd's, as the loop's wait does: an
 * immediate selfpipe_poll() on the pipe, which must then say POLLIN.
 */
static void
poll_once(void)
{
	struct pollfd p = { .fd = selfpipe_fd(), .events = POLLIN };

	assert_int_equal(selfpipe_poll(&p, 1, 0), 1);
	assert_true(p.revents & POLLIN);
}

/* Close the pipe, put every disposition and the mask back. */
static int
teardown(void **state)
{
	sigset_t none;
	size_t i;

	(void)state;
	alarm(0);
	selfpipe_close();
	for (i = 0; i < NCAUGHT; i++)
		signal(caught[i], SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	return 0;
}

/* Find both fds of the pipe whose read end is rfd; returns how many. */
static int
pipe_ends(int rfd, int fds[], int max)
{
	char path[64], want[64], link[64];
	struct dirent *e;
	DIR *d;
	ssize_t len;
	int n = 0, fd;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", rfd);
	len = readlink(path, want, sizeof(want) - 1);
	assert_true(len > 0);
	want[len] = '\0';
	assert_true(strncmp(want, "pipe:[", 6) == 0);
	d = opendir("/proc/self/fd");
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		fd = atoi(e->d_name);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		len = readlink(path, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		if (strcmp(link, want) == 0 && n < max)
			fds[n++] = fd;
	}
	closedir(d);
	return n;
}

/*
 * Proves the pipe's two ends (the write end found through /proc) are both
 * non-blocking and close-on-exec, one read-only and one write-only.
 */
static void
test_pipe_flags(void **state)
{
	int fds[4], n, i, fl, rd = 0, wr = 0;

	(void)state;
	assert_true(selfpipe_fd() > 2);
	n = pipe_ends(selfpipe_fd(), fds, 4);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++) {
		fl = fcntl(fds[i], F_GETFL);
		assert_true(fl != -1);
		if (!(fl & O_NONBLOCK))
			fail_msg("fd %d is blocking", fds[i]);
		if ((fl & O_ACCMODE) == O_RDONLY)
			rd++;
		if ((fl & O_ACCMODE) == O_WRONLY)
			wr++;
		fl = fcntl(fds[i], F_GETFD);
		if (fl == -1 || !(fl & FD_CLOEXEC))
			fail_msg("fd %d is not close-on-exec", fds[i]);
	}
	assert_int_equal(rd, 1);
	assert_int_equal(wr, 1);
	fl = fcntl(selfpipe_fd(), F_GETFL);
	assert_int_equal(fl & O_ACCMODE, O_RDONLY);
}

/*
 * Proves the dispositions: a handler (SA_RESTART, every signal blocked
 * while it runs, SA_NOCLDSTOP for SIGCHLD) for the five signals, and
 * SIGPIPE ignored (raising it does not kill us).
 */
static void
test_dispositions(void **state)
{
	struct sigaction sa;
	size_t i;
	int s;

	(void)state;
	for (i = 0; i < NCAUGHT; i++) {
		assert_int_equal(sigaction(caught[i], NULL, &sa), 0);
		assert_true(sa.sa_handler != SIG_DFL &&
		    sa.sa_handler != SIG_IGN);
		assert_false(sa.sa_flags & SA_SIGINFO);
		assert_true(sa.sa_flags & SA_RESTART);
		if (caught[i] == SIGCHLD)
			assert_true(sa.sa_flags & SA_NOCLDSTOP);
		for (s = 1; s < 32; s++)	/* glibc keeps 32, 33 */
			if (s != SIGKILL && s != SIGSTOP &&
			    !sigismember(&sa.sa_mask, s))
				fail_msg("signal %d: %d not in sa_mask",
				    caught[i], s);
	}
	assert_int_equal(sigaction(SIGPIPE, NULL, &sa), 0);
	assert_true(sa.sa_handler == SIG_IGN);
	assert_int_equal(raise(SIGPIPE), 0);
}

/*
 * Proves each caught signal arrives as one byte: drain returns 5 and sets
 * exactly those five seen[] slots; a second drain finds nothing.
 */
static void
test_each_signal(void **state)
{
	unsigned char seen[SELFPIPE_NSIG];
	size_t i;
	int s;

	(void)state;
	memset(seen, 0, sizeof(seen));
	assert_int_equal(selfpipe_drain(seen), 0);
	for (s = 0; s < SELFPIPE_NSIG; s++)
		assert_int_equal(seen[s], 0);

	for (i = 0; i < NCAUGHT; i++)
		assert_int_equal(raise(caught[i]), 0);
	assert_int_equal(selfpipe_drain(seen), (int)NCAUGHT);
	for (s = 0; s < SELFPIPE_NSIG; s++) {
		int want = s == SIGCHLD || s == SIGTERM || s == SIGINT ||
		    s == SIGHUP || s == SIGUSR1;

		if (seen[s] != want)
			fail_msg("seen[%d] is %d, want %d", s, seen[s], want);
	}
	memset(seen, 0, sizeof(seen));
	assert_int_equal(selfpipe_drain(seen), 0);
	assert_int_equal(seen[SIGUSR1], 0);

	assert_int_equal(raise(SIGUSR1), 0);
	assert_int_equal(raise(SIGUSR1), 0);
	assert_int_equal(selfpipe_drain(seen), 2);
	assert_int_equal(seen[SIGUSR1], 1);
	assert_int_equal(seen[SIGTERM], 0);
}

/* Raise SIGUSR1 until the pipe must be full; returns the pipe's size. */
static int
fill_pipe(int extra)
{
	int size, i;

	size = fcntl(selfpipe_fd(), F_GETPIPE_SZ);
	assert_true(size > 0);
	for (i = 0; i < size + extra; i++)
		assert_int_equal(raise(SIGUSR1), 0);
	return size;
}

/*
 * Proves the handler keeps errno: with an empty pipe (its write works),
 * and with a full pipe, where its write fails with EAGAIN and would
 * otherwise leave EAGAIN in errno.
 */
static void
test_errno_kept(void **state)
{
	unsigned char seen[SELFPIPE_NSIG];

	(void)state;
	errno = 4242;
	assert_int_equal(raise(SIGHUP), 0);
	assert_int_equal(errno, 4242);

	fill_pipe(10);
	errno = 4243;
	assert_int_equal(raise(SIGHUP), 0);
	assert_int_equal(errno, 4243);
	errno = ENOTTY;
	assert_int_equal(raise(SIGCHLD), 0);
	assert_int_equal(errno, ENOTTY);
	memset(seen, 0, sizeof(seen));
	assert_true(selfpipe_drain(seen) > 0);
}

/*
 * Proves a full pipe is harmless: 70000 SIGUSR1 (more than the 64 KiB
 * pipe holds) neither block nor kill us; drain returns exactly the pipe's
 * size, and the next signal gets through again.
 */
static void
test_full_pipe(void **state)
{
	unsigned char seen[SELFPIPE_NSIG];
	int size, i;

	(void)state;
	size = fcntl(selfpipe_fd(), F_GETPIPE_SZ);
	assert_true(size > 0 && size < 70000);
	for (i = 0; i < 70000; i++)
		assert_int_equal(raise(SIGUSR1), 0);
	memset(seen, 0, sizeof(seen));
	assert_int_equal(selfpipe_drain(seen), size);
	assert_int_equal(seen[SIGUSR1], 1);

	memset(seen, 0, sizeof(seen));
	assert_int_equal(raise(SIGTERM), 0);
	assert_int_equal(selfpipe_drain(seen), 1);
	assert_int_equal(seen[SIGTERM], 1);
	assert_int_equal(seen[SIGUSR1], 0);
}

/*
 * Proves no signal is lost to a full pipe: with the pipe already full,
 * SIGTERM's byte cannot be written, yet the drain still reports it (the
 * handler's flag), together with the SIGUSR1s that filled the pipe.  A
 * second drain reports nothing: the flags were cleared.
 */
static void
test_full_pipe_keeps_signal(void **state)
{
	unsigned char seen[SELFPIPE_NSIG];
	int size;

	(void)state;
	size = fill_pipe(10);
	assert_int_equal(raise(SIGTERM), 0);
	assert_int_equal(raise(SIGHUP), 0);
	memset(seen, 0, sizeof(seen));
	assert_int_equal(selfpipe_drain(seen), size);
	assert_int_equal(seen[SIGTERM], 1);
	assert_int_equal(seen[SIGHUP], 1);
	assert_int_equal(seen[SIGUSR1], 1);
	assert_int_equal(seen[SIGCHLD], 0);
	memset(seen, 0, sizeof(seen));
	assert_int_equal(selfpipe_drain(seen), 0);
	assert_int_equal(seen[SIGTERM], 0);
	assert_int_equal(seen[SIGUSR1], 0);
}

/* Whether every one of forkd's signals is blocked now. */
static void
assert_caught_blocked(void)
{
	sigset_t now;
	size_t i;

	assert_int_equal(sigprocmask(SIG_SETMASK, NULL, &now), 0);
	for (i = 0; i < NCAUGHT; i++)
		if (sigismember(&now, caught[i]) != 1)
			fail_msg("signal %d open outside selfpipe_poll",
			    caught[i]);
}

/*
 * Proves forkd's signals are handled only inside selfpipe_poll(): after
 * selfpipe_open() they are blocked, so raised ones wait (no byte, no
 * flag) through any amount of other work; one selfpipe_poll() then
 * handles them all and reports the pipe readable, not EINTR; the mask
 * is closed again after it; with nothing pending it times out with 0.
 */
static void
test_handled_in_poll(void **state)
{
	unsigned char seen[SELFPIPE_NSIG];
	struct pollfd p = { .events = POLLIN };

	(void)state;
	assert_caught_blocked();
	assert_int_equal(raise(SIGTERM), 0);
	assert_int_equal(raise(SIGCHLD), 0);
	memset(seen, 0, sizeof(seen));
	assert_int_equal(selfpipe_drain(seen), 0);
	assert_int_equal(seen[SIGTERM], 0);

	poll_once();
	assert_int_equal(selfpipe_drain(seen), 2);
	assert_int_equal(seen[SIGTERM], 1);
	assert_int_equal(seen[SIGCHLD], 1);
	assert_caught_blocked();
	p.fd = selfpipe_fd();
	assert_int_equal(selfpipe_poll(&p, 1, 0), 0);
	assert_int_equal(p.revents, 0);
}

/*
 * Proves a signal is not starved by a ready fd: ppoll() returns at once
 * for a readable socket and runs no handler then, but selfpipe_poll()
 * runs the pending ones too, so that a server whose listener always has
 * clients waiting still reaps and stops.  Both entries come back ready.
 */
static void
test_ready_fd_no_starving(void **state)
{
	unsigned char seen[SELFPIPE_NSIG];
	struct pollfd p[2];
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[1], "x", 1), 1);
	p[0].fd = selfpipe_fd();
	p[1].fd = sv[0];
	p[0].events = p[1].events = POLLIN;
	assert_int_equal(raise(SIGCHLD), 0);
	assert_int_equal(selfpipe_poll(p, 2, -1), 2);
	assert_true(p[0].revents & POLLIN);
	assert_true(p[1].revents & POLLIN);
	memset(seen, 0, sizeof(seen));
	assert_int_equal(selfpipe_drain(seen), 1);
	assert_int_equal(seen[SIGCHLD], 1);
	assert_caught_blocked();
	/* nothing pending now: only the socket */
	assert_int_equal(selfpipe_poll(p, 2, -1), 1);
	assert_int_equal(p[0].revents, 0);
	close(sv[0]);
	close(sv[1]);
}

/*
 * Proves an inherited signal mask cannot disable forkd: started with every
 * handled signal blocked (as a careless parent's mask survives exec),
 * selfpipe_poll() still opens them all, and a raised SIGTERM is handled;
 * SIGQUIT, not forkd's, stays blocked there as it was inherited.
 */
static void
test_inherited_mask(void **state)
{
	unsigned char seen[SELFPIPE_NSIG];
	sigset_t block, quit, now;
	size_t i;

	(void)state;
	selfpipe_close();
	sigemptyset(&block);
	for (i = 0; i < NCAUGHT; i++)
		sigaddset(&block, caught[i]);
	sigaddset(&block, SIGQUIT);	/* not forkd's: left as it was */
	assert_int_equal(sigprocmask(SIG_SETMASK, &block, NULL), 0);
	assert_int_equal(selfpipe_open(), 0);
	assert_int_equal(raise(SIGQUIT), 0);
	assert_int_equal(raise(SIGTERM), 0);
	poll_once();
	memset(seen, 0, sizeof(seen));
	assert_int_equal(selfpipe_drain(seen), 1);
	assert_int_equal(seen[SIGTERM], 1);
	assert_int_equal(sigpending(&now), 0);
	assert_int_equal(sigismember(&now, SIGQUIT), 1);
	assert_int_equal(sigismember(&now, SIGTERM), 0);
	/* let the pending SIGQUIT go without its core dump */
	signal(SIGQUIT, SIG_IGN);
	sigemptyset(&quit);
	sigaddset(&quit, SIGQUIT);
	assert_int_equal(sigprocmask(SIG_UNBLOCK, &quit, NULL), 0);
	signal(SIGQUIT, SIG_DFL);
}

/*
 * Proves coalescing is handled: 50 children exit while SIGCHLD is
 * blocked (outside selfpipe_poll(), as in the loop's work between
 * waits), so the kernel delivers fewer than 50 SIGCHLDs (standard
 * signals do not queue) and fewer than 50 bytes reach the pipe; one drain
 * and one children_reap() still reap all 50, leaving no zombie.
 */
static void
test_coalesced_sigchld(void **state)
{
	unsigned char seen[SELFPIPE_NSIG];
	struct children kids = { 0 };
	struct timespec start;
	struct capture cap;
	pid_t pids[50];
	char *log;
	int i, n;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (i = 0; i < 50; i++) {
		pids[i] = fork();
		assert_true(pids[i] != -1);
		if (pids[i] == 0)
			_exit(0);
		assert_int_equal(add_child(&kids, pids[i], "127.0.0.1:1",
		    &start), 0);
	}
	for (i = 0; i < 50; i++)
		wait_exited_nowait(pids[i]);	/* all 50 are zombies */
	memset(seen, 0, sizeof(seen));
	assert_int_equal(selfpipe_drain(seen), 0);	/* still blocked */

	poll_once();
	n = selfpipe_drain(seen);
	if (n < 1 || n >= 50)
		fail_msg("%d bytes for 50 exits while blocked", n);
	assert_int_equal(seen[SIGCHLD], 1);

	capture_begin(&cap);
	assert_int_equal(children_reap(&kids, NULL), 50);
	log = capture_end(&cap);
	assert_int_equal(count_substr(log, "reaped pid "), 50);
	assert_int_equal(count_substr(log, " 127.0.0.1:1 exit 0 after "), 50);
	free(log);
	assert_int_equal(children_count(&kids), 0);
	assert_true(no_children_left());
	children_free(&kids);
}

/* Bits a child reports through its exit status. */
#define BAD_RC		0x01	/* selfpipe_child_reset() returned -1 */
#define BAD_DISP	0x02	/* a disposition is not SIG_DFL */
#define BAD_MASK	0x04	/* a signal is still blocked */
#define BAD_PIPE	0x08	/* SIGPIPE not as keep_sigpipe asked */

static void child_reset_in_child(int keep_sigpipe);

/*
 * Proves selfpipe_child_reset() in a forked child (entered, like
 * spawn_child does, with every signal blocked): SIGCHLD, SIGTERM, SIGINT,
 * SIGHUP, SIGUSR1 and SIGPIPE back to SIG_DFL, an empty mask.  (The
 * pipe's ends go with the child's closefrom(3): builtins.sh checks that
 * a built-in child has fds 0, 1 and 2 alone.)  The child reports through
 * its exit status.
 */
static void
test_child_reset(void **state)
{
	(void)state;
	child_reset_in_child(0);
}

/*
 * The built-ins' reset: the same, but SIGPIPE stays ignored (as forkd
 * has it), so that a client leaving ends a write with EPIPE.
 */
static void
test_child_reset_keep_sigpipe(void **state)
{
	(void)state;
	child_reset_in_child(1);
}

static void
child_reset_in_child(int keep_sigpipe)
{
	static const int reset[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP,
	    SIGUSR1 };
	sigset_t all, old, cur;
	struct sigaction sa;
	int ends[4], nends, status, bits, s;
	size_t i;
	pid_t pid;

	nends = pipe_ends(selfpipe_fd(), ends, 4);
	assert_int_equal(nends, 2);
	sigfillset(&all);
	assert_int_equal(sigprocmask(SIG_BLOCK, &all, &old), 0);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		bits = 0;
		if (selfpipe_child_reset(keep_sigpipe) == -1)
			bits |= BAD_RC;
		for (i = 0; i < sizeof(reset) / sizeof(reset[0]); i++)
			if (sigaction(reset[i], NULL, &sa) == -1 ||
			    sa.sa_handler != SIG_DFL)
				bits |= BAD_DISP;
		if (sigaction(SIGPIPE, NULL, &sa) == -1 ||
		    sa.sa_handler != (keep_sigpipe ? SIG_IGN : SIG_DFL))
			bits |= BAD_PIPE;
		if (sigprocmask(SIG_BLOCK, NULL, &cur) == -1)
			bits |= BAD_MASK;
		for (s = 1; s < NSIG; s++)
			if (sigismember(&cur, s) == 1)
				bits |= BAD_MASK;
		_exit(bits);
	}
	assert_int_equal(sigprocmask(SIG_SETMASK, &old, NULL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	bits = WEXITSTATUS(status);
	if (bits != 0)
		fail_msg("child reports:%s%s%s%s",
		    bits & BAD_RC ? " reset returned -1;" : "",
		    bits & BAD_DISP ? " a disposition is not SIG_DFL;" : "",
		    bits & BAD_MASK ? " the mask is not empty;" : "",
		    bits & BAD_PIPE ? " SIGPIPE is not as asked;" : "");
	/* the parent's own pipe is untouched */
	assert_true(fd_is_open(ends[0]) && fd_is_open(ends[1]));
	assert_int_equal(raise(SIGUSR1), 0);
	{
		unsigned char seen[SELFPIPE_NSIG] = { 0 };

		/* SIGCHLD from the child may be there too */
		poll_once();
		assert_true(selfpipe_drain(seen) >= 1);
		assert_int_equal(seen[SIGUSR1], 1);
	}
}

/* Like setup(), but forkd starts with SIGQUIT and SIGTSTP ignored. */
static int
setup_ignored(void **state)
{
	signal(SIGQUIT, SIG_IGN);	/* as a shell's "cmd &" leaves it */
	signal(SIGTSTP, SIG_IGN);
	return setup(state);
}

/* Put SIGQUIT and SIGTSTP back, then the usual teardown. */
static int
teardown_ignored(void **state)
{
	signal(SIGQUIT, SIG_DFL);
	signal(SIGTSTP, SIG_DFL);
	return teardown(state);
}

/*
 * Proves that signals forkd inherited as ignored (SIG_IGN survives exec)
 * are SIG_DFL again in a child after selfpipe_child_reset(), while the
 * parent keeps them as it found them.
 */
static void
test_child_reset_inherited(void **state)
{
	struct sigaction sa;
	sigset_t all, old;
	int status;
	pid_t pid;

	(void)state;
	sigfillset(&all);
	assert_int_equal(sigprocmask(SIG_BLOCK, &all, &old), 0);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		if (selfpipe_child_reset(0) == -1)
			_exit(1);
		if (sigaction(SIGQUIT, NULL, &sa) == -1 ||
		    sa.sa_handler != SIG_DFL)
			_exit(2);
		if (sigaction(SIGTSTP, NULL, &sa) == -1 ||
		    sa.sa_handler != SIG_DFL)
			_exit(3);
		_exit(0);
	}
	assert_int_equal(sigprocmask(SIG_SETMASK, &old, NULL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(sigaction(SIGQUIT, NULL, &sa), 0);
	assert_true(sa.sa_handler == SIG_IGN);
}

/* Proves selfpipe_close() closes both ends and may be called twice. */
static void
test_close(void **state)
{
	int ends[4];

	(void)state;
	assert_int_equal(pipe_ends(selfpipe_fd(), ends, 4), 2);
	selfpipe_close();
	assert_int_equal(selfpipe_fd(), -1);
	assert_false(fd_is_open(ends[0]));
	assert_false(fd_is_open(ends[1]));
	selfpipe_close();
	assert_int_equal(selfpipe_fd(), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pipe_flags, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_dispositions, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_each_signal, setup_open,
		    teardown),
		cmocka_unit_test_setup_teardown(test_errno_kept, setup_open,
		    teardown),
		cmocka_unit_test_setup_teardown(test_full_pipe, setup_open,
		    teardown),
		cmocka_unit_test_setup_teardown(test_full_pipe_keeps_signal,
		    setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_handled_in_poll, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ready_fd_no_starving,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_inherited_mask, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_coalesced_sigchld, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_child_reset_inherited,
		    setup_ignored, teardown_ignored),
		cmocka_unit_test_setup_teardown(test_child_reset, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_child_reset_keep_sigpipe,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_close, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
