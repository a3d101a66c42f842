/*
 * The table of live children (pid -> peer, start time) and reaping:
 * wait4() until nothing is left, one log line per child.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "forkd.h"

/* Seconds from a to b. */
double
timespec_elapsed(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* Remember a new child; -1 (ENOMEM) if the table cannot grow. */
int
children_add(struct children *t, pid_t pid, const char *peer,
    const struct timespec *start)
{
	struct child *v;
	size_t cap;

	if (t->n == t->cap) {
		cap = t->cap == 0 ? 64 : t->cap * 2;
		if ((v = reallocarray(t->v, cap, sizeof(*v))) == NULL)
			return -1;
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n].pid = pid;
	t->v[t->n].start = *start;
	snprintf(t->v[t->n].peer, sizeof(t->v[t->n].peer), "%s", peer);
	t->n++;
	return 0;
}

/* Forget pid, copying its entry to out (if not NULL); -1 if unknown. */
int
children_remove(struct children *t, pid_t pid, struct child *out)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		if (t->v[i].pid != pid)
			continue;
		if (out != NULL)
			*out = t->v[i];
		t->v[i] = t->v[--t->n];	/* order does not matter */
		return 0;
	}
	return -1;
}

/* How many children are alive. */
size_t
children_count(const struct children *t)
{
	return t->n;
}

/* Send sig to every child; -1 if any kill() failed (other than ESRCH). */
int
children_signal_all(const struct children *t, int sig)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < t->n; i++)
		if (kill(t->v[i].pid, sig) == -1 && errno != ESRCH)
			rc = -1;
	return rc;
}

/* "exit 3", "signal 9", "signal 11 (core dumped)" (pure). */
void
children_format_status(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "signal %d%s", WTERMSIG(status),
		    WCOREDUMP(status) ? " (core dumped)" : "");
	else
		snprintf(buf, len, "status 0x%x", (unsigned)status);
}

/* CPU time, user plus system, in seconds. */
static double
cpu_seconds(const struct rusage *ru)
{
	return (double)(ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) +
	    (double)(ru->ru_utime.tv_usec + ru->ru_stime.tv_usec) / 1e6;
}

/* The one line logged for every reaped child. */
static void
log_reaped(pid_t pid, int status, const struct rusage *ru,
    const struct child *c)
{
	struct timespec now;
	char how[48];

	clock_gettime(CLOCK_MONOTONIC, &now);
	children_format_status(status, how, sizeof(how));
	if (c == NULL) {
		log_info("reaped pid %ld unknown %s cpu %.3fs maxrss %ldk",
		    (long)pid, how, cpu_seconds(ru), ru->ru_maxrss);
		return;
	}
	log_info("reaped pid %ld %s %s after %.3fs cpu %.3fs maxrss %ldk",
	    (long)pid, c->peer, how, timespec_elapsed(&c->start, &now),
	    cpu_seconds(ru), ru->ru_maxrss);
}

/*
 * Reap every child that has exited: loop wait4(WNOHANG) until it returns
 * 0 (children alive, none exited) or ECHILD.  One SIGCHLD may stand for
 * many children, so one call is never enough.  Returns how many it reaped.
 */
size_t
children_reap(struct children *t)
{
	struct rusage ru;
	struct child c;
	size_t reaped = 0;
	pid_t pid;
	int status;

	for (;;) {
		pid = wait4(-1, &status, WNOHANG, &ru);
		if (pid == -1 && errno == EINTR)
			continue;
		if (pid <= 0)
			break;
		if (children_remove(t, pid, &c) == 0)
			log_reaped(pid, status, &ru, &c);
		else
			log_reaped(pid, status, &ru, NULL);
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
	free(t->v);
	t->v = NULL;
	t->n = t->cap = 0;
}
