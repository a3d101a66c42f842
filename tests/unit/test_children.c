/*
 * children.c: the child table (add, remove, count, growth), the wait
 * status formatter, timespec_elapsed(), and reaping real forked children
 * with the log line each one gets.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "forkd.h"
#include "check.h"

/* Log to stderr (captured by the tests that read it); a hang fails. */
static int
setup(void **state)
{
	(void)state;
	log_init(LOG_TO_STDERR, 0);
	alarm(120);
	return 0;
}

/* Every child forked, so that teardown can clean up after a failure. */
static pid_t forked[64];
static size_t nforked;

static pid_t
track(pid_t pid)
{
	if (pid > 0 && nforked < sizeof(forked) / sizeof(forked[0]))
		forked[nforked++] = pid;
	return pid;
}

/* A failed test may leave children: kill and reap them all. */
static int
teardown(void **state)
{
	siginfo_t si;
	size_t i;

	(void)state;
	for (i = 0; i < nforked; i++)	/* only if still our own child */
		if (waitid(P_PID, (id_t)forked[i], &si,
		    WEXITED | WNOHANG | WNOWAIT) == 0)
			kill(forked[i], SIGKILL);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	nforked = 0;
	return 0;
}

static const struct timespec t0 = { 100, 0 };

/* Proves add/remove/count, that remove copies the entry, unknown fails. */
static void
test_add_remove(void **state)
{
	struct children t = { 0 };
	struct timespec ts = { 5, 6 };
	struct child out;

	(void)state;
	assert_int_equal(children_count(&t), 0);
	assert_int_equal(add_child(&t, 101, "127.0.0.1:1", &t0), 0);
	assert_int_equal(add_child(&t, 102, "[::1]:2", &ts), 0);
	assert_int_equal(add_child(&t, 103, "10.0.0.1:3", &t0), 0);
	assert_int_equal(children_count(&t), 3);

	memset(&out, 0, sizeof(out));
	assert_int_equal(children_remove(&t, 102, &out), 0);
	assert_int_equal(out.pid, 102);
	assert_string_equal(peer_of(&out), "[::1]:2");
	assert_int_equal(out.start.tv_sec, 5);
	assert_int_equal(out.start.tv_nsec, 6);
	assert_int_equal(children_count(&t), 2);

	/* unknown pid, and the one just removed: -1, count unchanged */
	assert_int_equal(children_remove(&t, 999, &out), -1);
	assert_int_equal(children_remove(&t, 102, NULL), -1);
	assert_int_equal(children_count(&t), 2);

	assert_int_equal(children_remove(&t, 101, NULL), 0);
	assert_int_equal(children_remove(&t, 103, &out), 0);
	assert_string_equal(peer_of(&out), "10.0.0.1:3");
	assert_int_equal(children_count(&t), 0);
	assert_int_equal(children_remove(&t, 103, NULL), -1);
	children_free(&t);
	assert_null(t.v);
	assert_int_equal(t.n, 0);
	assert_int_equal(t.cap, 0);
}

/*
 * Proves the table grows past 64 (and 128) entries with every entry kept,
 * and that removing from the middle leaves all the others findable with
 * their own peer.
 */
static void
test_growth(void **state)
{
	struct children t = { 0 };
	struct child out;
	char peer[FORKD_ADDRSTRLEN];
	pid_t pid;

	(void)state;
	for (pid = 1000; pid < 1300; pid++) {
		snprintf(peer, sizeof(peer), "127.0.0.1:%d", (int)pid);
		assert_int_equal(add_child(&t, pid, peer, &t0), 0);
		assert_int_equal(children_count(&t), (size_t)(pid - 999));
	}
	assert_true(t.cap >= 300);

	/* every third one, from the middle out */
	for (pid = 1001; pid < 1300; pid += 3)
		assert_int_equal(children_remove(&t, pid, NULL), 0);
	assert_int_equal(children_count(&t), 200);
	for (pid = 1000; pid < 1300; pid++) {
		int gone = (pid - 1001) % 3 == 0;

		if (gone) {
			assert_int_equal(children_remove(&t, pid, NULL), -1);
			continue;
		}
		assert_int_equal(children_remove(&t, pid, &out), 0);
		snprintf(peer, sizeof(peer), "127.0.0.1:%d", (int)pid);
		assert_string_equal(peer_of(&out), peer);
		assert_int_equal(out.pid, pid);
	}
	assert_int_equal(children_count(&t), 0);
	children_free(&t);
}

/*
 * Proves the pid hash against a plain reference under churn: 200,000
 * random adds and removes of pids that collide on purpose (multiples of
 * 4096, and neighbours), with the table growing and shrinking through
 * the sizes; every remove finds exactly what the reference holds.
 */
static void
test_hash_churn(void **state)
{
	static unsigned char live[1 << 15];	/* reference: pid index alive */
	struct children t = { 0 };
	struct child out;
	unsigned seed = 12345;
	size_t n = 0, k;
	pid_t pid;
	int i, r, want;

	(void)state;
	memset(live, 0, sizeof(live));
	for (i = 0; i < 200000; i++) {
		seed = seed * 1103515245u + 12345u;
		k = (seed >> 8) % 6000;
		/* half the pids share low bits: collisions in every probe run */
		pid = (pid_t)(k % 2 ? k * 4096 + 1 : k + 2);
		want = live[k] ? 0 : -1;
		if (live[k] || (seed & 0x100) == 0) {
			r = children_remove(&t, pid, &out);
			if (r != want)
				fail_msg("step %d: remove %ld gave %d, want %d", i,
				    (long)pid, r, want);
			if (r == 0) {
				assert_int_equal(out.pid, pid);
				live[k] = 0;
				n--;
			}
		} else {
			assert_int_equal(add_child(&t, pid, "10.1.2.3:1", &t0), 0);
			live[k] = 1;
			n++;
		}
		assert_int_equal(children_count(&t), n);
	}
	for (k = 0; k < 6000; k++) {
		pid = (pid_t)(k % 2 ? k * 4096 + 1 : k + 2);
		assert_int_equal(children_remove(&t, pid, NULL),
		    live[k] ? 0 : -1);
	}
	assert_int_equal(children_count(&t), 0);
	children_free(&t);
}

/*
 * Proves what the table keeps of a peer comes back as it went in: IPv4,
 * IPv6, a v4-mapped address, and a link-local one with its scope (kept
 * beside the entry), through a move in the dense table; and that an
 * entry is 32 bytes.
 */
static void
test_peer_kept(void **state)
{
	static const char *const peers[] = { "203.0.113.9:65535",
	    "[2001:db8::1]:80", "[::ffff:192.0.2.7]:7", "127.0.0.1:0" };
	struct children t = { 0 };
	struct sockaddr_in6 *sin6;
	struct child c, out;
	size_t i;

	(void)state;
	assert_int_equal(sizeof(struct child_entry), 32);
	for (i = 0; i < 4; i++)
		assert_int_equal(add_child(&t, (pid_t)(10 + i), peers[i], &t0),
		    0);
	memset(&c, 0, sizeof(c));
	c.pid = 20;
	c.start = t0;
	sin6 = (struct sockaddr_in6 *)&c.peer;
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(22);
	assert_int_equal(inet_pton(AF_INET6, "fe80::1", &sin6->sin6_addr), 1);
	sin6->sin6_scope_id = 1;	/* lo */
	assert_int_equal(children_add(&t, &c), 0);
	/* the first out: the scoped one moves into its place */
	assert_int_equal(children_remove(&t, 10, &out), 0);
	assert_string_equal(peer_of(&out), peers[0]);
	assert_int_equal(children_remove(&t, 20, &out), 0);
	assert_string_equal(peer_of(&out), "[fe80::1%lo]:22");
	assert_int_equal(((struct sockaddr_in6 *)&out.peer)->sin6_scope_id, 1);
	for (i = 1; i < 4; i++) {
		assert_int_equal(children_remove(&t, (pid_t)(10 + i), &out), 0);
		assert_string_equal(peer_of(&out), peers[i]);
		assert_int_equal(out.start.tv_sec, t0.tv_sec);
		assert_int_equal(out.stage, CHILD_UNTIMED);
	}
	children_free(&t);
}

/* A raw wait status and its text. */
struct status_case {
	int		 status;
	const char	*text;
};

/*
 * Proves children_format_status() on the encodings of <sys/wait.h>:
 * exit code in bits 8-15, signal in 0-6, core flag 0x80, 0x7f stopped.
 */
static void
test_format_status_table(void **state)
{
	static const struct status_case t[] = {
		{ W_EXITCODE(0, 0), "exit 0" },
		{ W_EXITCODE(3, 0), "exit 3" },
		{ W_EXITCODE(255, 0), "exit 255" },
		{ W_EXITCODE(0, SIGKILL), "signal 9 (KILL)" },
		{ W_EXITCODE(0, SIGTERM), "signal 15 (TERM)" },
		{ W_EXITCODE(0, SIGSEGV) | WCOREFLAG,
		    "signal 11 (SEGV, core dumped)" },
		{ W_EXITCODE(0, SIGABRT) | WCOREFLAG,
		    "signal 6 (ABRT, core dumped)" },
		{ W_EXITCODE(0, 40), "signal 40" },	/* real-time: no name */
		{ W_STOPCODE(SIGSTOP), "status 0x137f" },
		{ 0xffff, "status 0xffff" },	/* continued */
	};
	char buf[64], name[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(name, sizeof(name), "status 0x%x", (unsigned)t[i].status);
		memset(buf, 'Z', sizeof(buf));
		children_format_status(t[i].status, buf, sizeof(buf));
		CHECK_STR(name, buf, t[i].text);
	}
	/* a short buffer is cut and terminated */
	memset(buf, 'Z', sizeof(buf));
	children_format_status(W_EXITCODE(0, SIGSEGV) | WCOREFLAG, buf, 10);
	assert_string_equal(buf, "signal 11");
	assert_int_equal(buf[10], 'Z');
	/* an unnamed number keeps the plain form */
	children_format_status(W_EXITCODE(0, 0x7e), buf, sizeof(buf));
	assert_true(strncmp(buf, "signal 126", 10) == 0);
}

/* Fork a child that ends as told; returns its real wait status. */
static int
real_status(int code, int sig)
{
	pid_t pid;
	int status;

	pid = track(fork());
	assert_true(pid != -1);
	if (pid == 0) {
		if (sig != 0) {
			signal(sig, SIG_DFL);
			raise(sig);
		}
		_exit(code);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

/* Proves the formatter on statuses the kernel made: exits and kills. */
static void
test_format_status_real(void **state)
{
	char buf[64];

	(void)state;
	children_format_status(real_status(0, 0), buf, sizeof(buf));
	assert_string_equal(buf, "exit 0");
	children_format_status(real_status(3, 0), buf, sizeof(buf));
	assert_string_equal(buf, "exit 3");
	children_format_status(real_status(0, SIGKILL), buf, sizeof(buf));
	assert_string_equal(buf, "signal 9 (KILL)");
	children_format_status(real_status(0, SIGTERM), buf, sizeof(buf));
	assert_string_equal(buf, "signal 15 (TERM)");
}

/*
 * Proves the reaped line's priority: exit 0 is LOG_INFO, any other exit
 * LOG_NOTICE, death by a signal (with or without a core) LOG_WARNING.
 */
static void
test_priority(void **state)
{
	(void)state;
	assert_int_equal(children_priority(W_EXITCODE(0, 0)), LOG_INFO);
	assert_int_equal(children_priority(W_EXITCODE(1, 0)), LOG_NOTICE);
	assert_int_equal(children_priority(W_EXITCODE(127, 0)), LOG_NOTICE);
	assert_int_equal(children_priority(W_EXITCODE(0, SIGKILL)),
	    LOG_WARNING);
	assert_int_equal(children_priority(W_EXITCODE(0, SIGSEGV) |
	    WCOREFLAG), LOG_WARNING);
	assert_int_equal(children_priority(real_status(0, SIGTERM)),
	    LOG_WARNING);
}

/* Proves timespec_elapsed() with nanosecond borrow and negative spans. */
static void
test_elapsed(void **state)
{
	static const struct {
		struct timespec	a, b;
		double		want;
	} t[] = {
		{ { 1, 500000000 }, { 2, 250000000 }, 0.75 },
		{ { 1, 900000000 }, { 3, 100000000 }, 1.2 },
		{ { 5, 0 }, { 5, 0 }, 0.0 },
		{ { 10, 0 }, { 9, 500000000 }, -0.5 },
		{ { 0, 1 }, { 0, 2 }, 1e-9 },
		{ { 0, 0 }, { 86400, 0 }, 86400.0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		double got = timespec_elapsed(&t[i].a, &t[i].b);

		if (got < t[i].want - 1e-12 || got > t[i].want + 1e-12)
			fail_msg("case %zu: %.12f, want %.12f", i, got,
			    t[i].want);
	}
}

/* Fork n children that _exit(first + i); record them in t. */
static void
fork_exiting(struct children *t, pid_t *pids, int n, int first)
{
	struct timespec start;
	int i;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (i = 0; i < n; i++) {
		pids[i] = track(fork());
		assert_true(pids[i] != -1);
		if (pids[i] == 0)
			_exit(first + i);
		assert_int_equal(add_child(t, pids[i], "127.0.0.1:1",
		    &start), 0);
	}
}

/*
 * Proves children_reap() reaps every exited child in one call (the table
 * empties, the count is returned, no zombie is left: ECHILD), and logs
 * "reaped pid N 127.0.0.1:1 exit K after ..." for each.
 */
static void
test_reap_all(void **state)
{
	struct children t = { 0 };
	struct capture cap;
	pid_t pids[5];
	char line[128], *log;
	int i;

	(void)state;
	fork_exiting(&t, pids, 5, 3);
	for (i = 0; i < 5; i++)
		wait_exited_nowait(pids[i]);	/* all are zombies now */
	capture_begin(&cap);
	assert_int_equal(children_reap(&t, NULL), 5);
	log = capture_end(&cap);
	assert_int_equal(children_count(&t), 0);
	assert_true(no_children_left());
	for (i = 0; i < 5; i++) {
		snprintf(line, sizeof(line), "reaped pid %ld 127.0.0.1:1 "
		    "exit %d after ", (long)pids[i], 3 + i);
		CHECK_SUBSTR("reap", log, line);
	}
	assert_int_equal(count_substr(log, "reaped pid "), 5);
	assert_int_equal(count_substr(log, " cpu "), 5);
	assert_int_equal(count_substr(log, " maxrss "), 5);
	assert_int_equal(count_substr(log, "\n"), 5);
	free(log);
	children_free(&t);
}

/* Proves a child missing from the table is still reaped, as "unknown". */
static void
test_reap_unknown(void **state)
{
	struct children t = { 0 };
	struct capture cap;
	char line[128], *log;
	pid_t pid;

	(void)state;
	pid = track(fork());
	assert_true(pid != -1);
	if (pid == 0)
		_exit(7);
	wait_exited_nowait(pid);
	capture_begin(&cap);
	assert_int_equal(children_reap(&t, NULL), 1);
	log = capture_end(&cap);
	snprintf(line, sizeof(line), "reaped pid %ld unknown exit 7 cpu ",
	    (long)pid);
	CHECK_SUBSTR("unknown", log, line);
	assert_true(no_children_left());
	free(log);
}

/*
 * Proves children_reap() leaves a live child alone (WNOHANG: returns 0,
 * the entry stays), and after a kill reaps it as "signal 15"; and that
 * with no children at all it returns 0 and logs nothing (ECHILD is quiet).
 */
static void
test_reap_live_then_killed(void **state)
{
	struct children t = { 0 };
	struct timespec start;
	struct capture cap;
	char line[128], *log;
	pid_t pid;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &start);
	pid = track(fork());
	assert_true(pid != -1);
	if (pid == 0) {
		for (;;)
			pause();
	}
	assert_int_equal(add_child(&t, pid, "[::1]:5", &start), 0);

	capture_begin(&cap);
	assert_int_equal(children_reap(&t, NULL), 0);
	log = capture_end(&cap);
	assert_string_equal(log, "");
	free(log);
	assert_int_equal(children_count(&t), 1);

	assert_int_equal(children_signal_all(&t, SIGTERM), 0);
	wait_exited_nowait(pid);
	capture_begin(&cap);
	assert_int_equal(children_reap(&t, NULL), 1);
	log = capture_end(&cap);
	snprintf(line, sizeof(line), "reaped pid %ld [::1]:5 signal 15 (TERM) after ",
	    (long)pid);
	CHECK_SUBSTR("killed", log, line);
	free(log);
	assert_int_equal(children_count(&t), 0);

	capture_begin(&cap);
	assert_int_equal(children_reap(&t, NULL), 0);
	log = capture_end(&cap);
	assert_string_equal(log, "");
	free(log);
	assert_true(no_children_left());
	children_free(&t);
}

/*
 * Proves children_signal_all() reaches every child, and that a pid that
 * is already gone (ESRCH) is not an error.
 */
static void
test_signal_all(void **state)
{
	struct children t = { 0 };
	pid_t pids[3], gone;
	int i, status;

	(void)state;
	gone = track(fork());
	assert_true(gone != -1);
	if (gone == 0)
		_exit(0);
	assert_int_equal(waitpid(gone, &status, 0), gone);
	assert_int_equal(add_child(&t, gone, "192.0.2.1:1", &t0), 0);
	for (i = 0; i < 3; i++) {
		pids[i] = track(fork());
		assert_true(pids[i] != -1);
		if (pids[i] == 0) {
			for (;;)
				pause();
		}
		assert_int_equal(add_child(&t, pids[i], "192.0.2.2:2", &t0), 0);
	}
	assert_int_equal(children_signal_all(&t, SIGUSR2), 0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFSIGNALED(status));
		assert_int_equal(WTERMSIG(status), SIGUSR2);
	}
	assert_true(no_children_left());
	children_free(&t);
}

/* A child due at second `due` on the running list. */
static void
add_timed(struct children *t, pid_t pid, time_t due)
{
	struct child c;

	memset(&c, 0, sizeof(c));
	c.pid = pid;
	c.start.tv_sec = due - 10;
	c.due.tv_sec = due;
	c.stage = CHILD_RUNNING;
	assert_int_equal(peer_addr("127.0.0.1:1", &c.peer), 0);
	assert_int_equal(children_add(t, &c), 0);
}

/*
 * Proves the deadline lists give children in deadline order, earliest
 * first, through out-of-order removals (which move entries in the dense
 * table), deferrals to the SIGKILL list and growth of the table: 300
 * children due at seconds 1..300; every third removed; every fifth of the
 * rest deferred at its deadline to due + 1000.  children_due() must then
 * hand out exactly the survivors in order, and each deferred one again
 * at its new deadline.
 */
static void
test_deadline_order(void **state)
{
	struct children t = { 0 };
	struct timespec now = { 0 }, due;
	struct child c;
	time_t last = 0;
	int i, got = 0, deferred = 0, want = 0;

	(void)state;
	assert_int_equal(children_next_due(&t, &due), 0);
	for (i = 1; i <= 300; i++)
		add_timed(&t, 1000 + i, i);
	for (i = 3; i <= 300; i += 3)
		assert_int_equal(children_remove(&t, 1000 + i, NULL), 0);
	assert_int_equal(children_next_due(&t, &due), 1);
	assert_int_equal(due.tv_sec, 1);
	now.tv_sec = 5000;
	while (children_due(&t, &now, &c)) {
		if (c.due.tv_sec < last)
			fail_msg("pid %ld due %ld after %ld", (long)c.pid,
			    (long)c.due.tv_sec, (long)last);
		last = c.due.tv_sec;
		assert_string_equal(peer_of(&c), "127.0.0.1:1");
		if (c.stage == CHILD_RUNNING && (c.pid - 1000) % 5 == 0) {
			due.tv_sec = c.due.tv_sec + 1000;
			children_defer(&t, c.pid, &due);
			deferred++;
			continue;
		}
		children_untime(&t, c.pid);
		got++;
	}
	for (i = 1; i <= 300; i++)
		if (i % 3 != 0)
			want++;
	assert_int_equal(got, want);
	assert_int_equal(deferred, 40);
	assert_int_equal(children_count(&t), want);	/* still in the table */
	assert_int_equal(children_next_due(&t, &due), 0);
	children_free(&t);
}

/*
 * Proves a deadline that has not come is not handed out, and the nearest
 * one is the earlier of the two lists' heads.
 */
static void
test_deadline_not_yet(void **state)
{
	struct children t = { 0 };
	struct timespec now = { .tv_sec = 15 }, due = { 0 };
	struct child c;

	(void)state;
	add_timed(&t, 1, 10);
	add_timed(&t, 2, 20);
	assert_int_equal(children_due(&t, &now, &c), 1);
	assert_int_equal(c.pid, 1);
	due.tv_sec = 30;
	children_defer(&t, c.pid, &due);	/* SIGKILL list: due 30 */
	assert_int_equal(children_due(&t, &now, &c), 0);
	assert_int_equal(children_next_due(&t, &due), 1);
	assert_int_equal(due.tv_sec, 20);
	assert_int_equal(children_remove(&t, 2, NULL), 0);
	assert_int_equal(children_next_due(&t, &due), 1);
	assert_int_equal(due.tv_sec, 30);
	now.tv_sec = 30;
	assert_int_equal(children_due(&t, &now, &c), 1);
	assert_int_equal(c.pid, 1);
	assert_int_equal(c.stage, CHILD_TERMINATING);
	assert_int_equal(c.due.tv_sec, 30);
	assert_int_equal(children_remove(&t, 1, NULL), 0);
	assert_int_equal(children_next_due(&t, &due), 0);
	children_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_remove),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_hash_churn),
		cmocka_unit_test(test_peer_kept),
		cmocka_unit_test(test_deadline_order),
		cmocka_unit_test(test_deadline_not_yet),
		cmocka_unit_test(test_format_status_table),
		cmocka_unit_test(test_format_status_real),
		cmocka_unit_test(test_priority),
		cmocka_unit_test(test_elapsed),
		cmocka_unit_test_teardown(test_reap_all, teardown),
		cmocka_unit_test_teardown(test_reap_unknown, teardown),
		cmocka_unit_test_teardown(test_reap_live_then_killed,
		    teardown),
		cmocka_unit_test_teardown(test_signal_all, teardown),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
