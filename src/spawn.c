/*
 * fork() and everything a child does before it serves: signals back to
 * default, forkd's fds closed, the connection on fds 0 and 1, the UCSPI
 * environment, then the built-in or execvp().
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libutil.h>

#include "forkd.h"

static struct pidfh *child_pidfh;	/* closed in every child */

/* The pidfile handle children must close (not remove: it is the parent's). */
void
spawn_set_pidfile(struct pidfh *pfh)
{
	child_pidfh = pfh;
}

/* Put the connection on fd 0 and 1; fds 0-2 are always open, so conn > 2. */
static int
child_stdio(int conn)
{
	if (dup2(conn, 0) == -1 || dup2(conn, 1) == -1)
		return -1;
	if (conn > 1)
		close(conn);
	return 0;
}

/* The UCSPI variables (tcpserver's names) for the program. */
static int
child_environment(const struct conninfo *ci)
{
	if (setenv("PROTO", "TCP", 1) == -1 ||
	    setenv("TCPLOCALIP", ci->local_ip, 1) == -1 ||
	    setenv("TCPLOCALPORT", ci->local_port, 1) == -1 ||
	    setenv("TCPREMOTEIP", ci->remote_ip, 1) == -1 ||
	    setenv("TCPREMOTEPORT", ci->remote_port, 1) == -1)
		return -1;
	/* Never pass on values forkd did not establish itself. */
	unsetenv("TCPLOCALHOST");
	unsetenv("TCPREMOTEHOST");
	unsetenv("TCPREMOTEINFO");
	return 0;
}

/*
 * The child, from fork() to serving; never returns.  closefrom(3) closes
 * the listeners and anything else of forkd's: the built-in path never
 * execs, so close-on-exec alone would leave them open there.
 */
static void
child_main(const struct config *cfg, int conn, const struct conninfo *ci)
{
	const struct service *svc;

	if (selfpipe_child_reset() == -1)
		_exit(126);
	if (child_pidfh != NULL)
		pidfile_close(child_pidfh);
	log_close();
	if (child_stdio(conn) == -1 || child_environment(ci) == -1)
		_exit(126);
	closefrom(3);
	if (cfg->builtin != NULL) {
		setproctitle("%s %s", cfg->builtin, ci->peer);
		svc = service_find(cfg->builtin);
		/* A client that leaves must end write() with EPIPE, not kill us. */
		signal(SIGPIPE, SIG_IGN);
		_exit(svc->serve(0, 1));
	}
	setproctitle("%s %s", cfg->program[0], ci->peer);
	execvp(cfg->program[0], cfg->program);
	fprintf(stderr, "forkd: exec %s: %s\n", cfg->program[0],
	    strerror(errno));
	_exit(127);
}

/*
 * Fork a child to serve conn.  All signals are blocked across fork() so
 * that no forkd handler can ever run in the child; the parent's mask is
 * restored before returning.  Returns the pid, or -1 with errno.
 */
pid_t
spawn_child(const struct config *cfg, int conn, const struct conninfo *ci)
{
	sigset_t all, old;
	pid_t pid;
	int saved;

	sigfillset(&all);
	if (sigprocmask(SIG_BLOCK, &all, &old) == -1)
		return -1;
	pid = fork();
	if (pid == 0)
		child_main(cfg, conn, ci);
	saved = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return pid;
}

/* 0 if path is an executable regular file. */
static int
executable(const char *path)
{
	struct stat st;

	if (stat(path, &st) == -1)
		return -1;
	if (!S_ISREG(st.st_mode)) {
		errno = EACCES;
		return -1;
	}
	return access(path, X_OK);
}

/*
 * Check at start that PROGRAM can be exec'd, as execvp would find it, so
 * that a typo fails once, loudly, instead of in every child.
 */
int
spawn_check_program(const char *prog, char *err, size_t errlen)
{
	char path[PATH_MAX];
	const char *dirs, *p, *end;
	size_t n;

	if (strchr(prog, '/') != NULL) {
		if (executable(prog) == 0)
			return 0;
		snprintf(err, errlen, "%s: %s", prog, strerror(errno));
		return -1;
	}
	if ((dirs = getenv("PATH")) == NULL)
		dirs = "/usr/local/bin:/usr/bin:/bin";
	for (p = dirs; ; p = end + 1) {
		end = strchrnul(p, ':');
		n = (size_t)(end - p);
		if (snprintf(path, sizeof(path), "%.*s%s%s", (int)n, p,
		    n > 0 ? "/" : "./", prog) < (int)sizeof(path) &&
		    executable(path) == 0)
			return 0;
		if (*end == '\0')
			break;
	}
	snprintf(err, errlen, "%s: not found in PATH", prog);
	return -1;
}
