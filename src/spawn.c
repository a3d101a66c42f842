/*
 * Starting a child for a connection.  Exec mode uses posix_spawn(): glibc
 * clones with CLONE_VM | CLONE_VFORK, so no page tables are copied and
 * nothing is copied on write, and an exec error comes back to the parent
 * as the return value.  Everything the child needs (its environment, its
 * file actions, its signal state, PROGRAM's path) is prepared once at
 * start, in spawn_init(); per connection only the UCSPI values change.
 * Built-ins need forkd's own code in the child, so they fork().
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>
#include <libutil.h>

#include "forkd.h"

extern char **environ;

/*
 * Variables forkd sets for each connection, or must never pass on: the
 * UCSPI ones, systemd's REMOTE_*, s6's TCPCONNNUM, the PROXY protocol's,
 * and systemd's to forkd itself (a child that saw LISTEN_FDS or
 * NOTIFY_SOCKET could take forkd's sockets or speak for it).
 */
static const char *const reserved_names[] = {
	"PROTO", "TCPLOCALIP", "TCPLOCALPORT", "TCPREMOTEIP", "TCPREMOTEPORT",
	"REMOTE_ADDR", "REMOTE_PORT", "TCPCONNNUM",
	"TCPLOCALHOST", "TCPREMOTEHOST", "TCPREMOTEINFO", "PROXYIP",
	"PROXYPORT", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES",
	"NOTIFY_SOCKET",
};
#define NSET	8	/* the first eight are set, the rest dropped */

static const struct service *builtin_service;	/* found once, at start */
static char program_path[PATH_MAX];	/* PROGRAM as found at start */

/* What posix_spawn needs, built once. */
static posix_spawnattr_t spawn_attr;
static posix_spawn_file_actions_t spawn_actions;
static int spawn_ready;
static int null_fd = -1;	/* /dev/null, for --child-stderr null */
static int conn_slot = -1;	/* the connection is put here to spawn */

/*
 * The exec'd program's environment: room for an allow rule's words
 * first (filled from the end, per connection), then the variables forkd
 * sets, then forkd's own environment.
 */
static char **child_env;
static char env_local_ip[sizeof("TCPLOCALIP=") + INET6_ADDRSTRLEN];
static char env_local_port[sizeof("TCPLOCALPORT=") + 8];
static char env_remote_ip[sizeof("TCPREMOTEIP=") + INET6_ADDRSTRLEN];
static char env_remote_port[sizeof("TCPREMOTEPORT=") + 8];
static char env_remote_addr[sizeof("REMOTE_ADDR=") + INET6_ADDRSTRLEN];
static char env_remote_port2[sizeof("REMOTE_PORT=") + 8];
static char env_connnum[sizeof("TCPCONNNUM=") + 12];
static char env_proxy_ip[sizeof("PROXYIP=") + INET6_ADDRSTRLEN];
static char env_proxy_port[sizeof("PROXYPORT=") + 8];
static int with_proxy;		/* --proxy-protocol: PROXYIP, PROXYPORT */

/* Whether "NAME=value" names a variable forkd sets or drops, or rules set. */
static int
is_reserved(const char *entry, const struct access_rules *rules)
{
	size_t i, n;

	for (i = 0; i < sizeof(reserved_names) / sizeof(reserved_names[0]);
	    i++) {
		n = strlen(reserved_names[i]);
		if (strncmp(entry, reserved_names[i], n) == 0 && entry[n] == '=')
			return 1;
	}
	return rules != NULL && access_sets(rules, entry, strcspn(entry, "="));
}

/*
 * Build the child's environment: forkd's own without any variable it
 * sets or must drop (never pass on values forkd did not establish) and
 * without any a rule sets (the rule's value alone must be seen, by
 * getenv and by shells alike), after the ones it sets, whose values
 * spawn_program() writes in place per connection.  Built at start and
 * again when the rules change, never per connection.
 */
static int
build_environment(const struct access_rules *rules)
{
	size_t n = 0, i, k = ACCESS_MAX_ENV;
	char **env;

	while (environ[n] != NULL)
		n++;
	env = reallocarray(NULL, ACCESS_MAX_ENV + NSET + 2 + n + 1,
	    sizeof(char *));
	if (env == NULL)
		return -1;
	env[k++] = (char *)"PROTO=TCP";
	env[k++] = env_local_ip;
	env[k++] = env_local_port;
	env[k++] = env_remote_ip;
	env[k++] = env_remote_port;
	env[k++] = env_remote_addr;
	env[k++] = env_remote_port2;
	env[k++] = env_connnum;
	if (with_proxy) {
		env[k++] = env_proxy_ip;
		env[k++] = env_proxy_port;
	}
	for (i = 0; i < n; i++)
		if (!is_reserved(environ[i], rules))
			env[k++] = environ[i];
	env[k] = NULL;
	free(child_env);
	child_env = env;
	return 0;
}

/* New access rules: the environment's filter changes (exec mode only). */
int
spawn_set_access(const struct access_rules *rules)
{
	if (child_env == NULL)
		return 0;
	return build_environment(rules);
}

/*
 * The child's set-up, as posix_spawn attributes and file actions: its own
 * process group (so a terminal's ^C reaches forkd alone, and forkd can
 * signal whatever the child started), every signal at its default and an
 * empty mask, the connection on fds 0 and 1 (and 2 if asked), nothing of
 * forkd's beyond fd 2.  The connection is always dup'ed onto conn_slot
 * first, so that these actions never change and nothing is allocated per
 * connection.
 *
 * A process group, not a session (POSIX_SPAWN_SETSID): the kernel gives
 * every new session a scheduler autogroup of its own, with the CPU share
 * of a whole login session.  Measured with 20 busy children: another
 * session's busy loop got 28 of 300 ticks beside per-child sessions, 283
 * beside per-child groups (all forkd's children share its one session's
 * share), so a flood of connections would take the CPU from the admin's
 * shell; and a burst of 2,000 connections was served in 4.4-5.0 s with
 * sessions against 3.3-3.6 s with groups (ref-spawn: 3.3-3.4 s).
 */
static int
build_actions(enum child_stderr err)
{
	sigset_t all, none;
	int e;

	sigfillset(&all);
	sigemptyset(&none);
	if ((e = posix_spawnattr_init(&spawn_attr)) != 0 ||
	    (e = posix_spawnattr_setflags(&spawn_attr, POSIX_SPAWN_SETPGROUP |
	    POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)) != 0 ||
	    (e = posix_spawnattr_setsigdefault(&spawn_attr, &all)) != 0 ||
	    (e = posix_spawnattr_setsigmask(&spawn_attr, &none)) != 0 ||
	    (e = posix_spawn_file_actions_init(&spawn_actions)) != 0)
		goto fail;
	spawn_ready = 1;
	if ((e = posix_spawn_file_actions_adddup2(&spawn_actions, conn_slot,
	    0)) != 0 || (e = posix_spawn_file_actions_adddup2(&spawn_actions,
	    conn_slot, 1)) != 0)
		goto fail;
	if (err == CHILD_STDERR_SOCKET)
		e = posix_spawn_file_actions_adddup2(&spawn_actions,
		    conn_slot, 2);
	else if (err == CHILD_STDERR_NULL)
		e = posix_spawn_file_actions_adddup2(&spawn_actions,
		    null_fd, 2);
	if (e != 0 ||
	    (e = posix_spawn_file_actions_addclosefrom_np(&spawn_actions,
	    3)) != 0)
		goto fail;
	return 0;
fail:
	errno = e;
	return -1;
}

/*
 * Prepare exec mode once, at start: PROGRAM's path (checked and found
 * as execvp would), /dev/null and the connection's slot, the environment,
 * the attributes.  Returns 0, or a sysexits status with err filled.
 */
int
spawn_init(const struct config *cfg, char *err, size_t errlen)
{
	if (cfg->builtin != NULL) {
		builtin_service = service_find(cfg->builtin);
		service_set_idle_timeout(cfg->idle_timeout);
		return 0;
	}
	with_proxy = cfg->proxy_protocol;
	if (spawn_find_program(cfg->program[0], program_path,
	    sizeof(program_path), err, errlen) == -1)
		return EX_NOINPUT;
	if ((null_fd = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1 ||
	    (conn_slot = fcntl(null_fd, F_DUPFD_CLOEXEC, 3)) == -1 ||
	    build_environment(NULL) == -1 || build_actions(cfg->child_stderr) == -1) {
		snprintf(err, errlen, "preparing to spawn %s: %s",
		    cfg->program[0], strerror(errno));
		spawn_free();
		return EX_OSERR;
	}
	return 0;
}

/* Undo spawn_init() (at exit: valgrind checks nothing is left). */
void
spawn_free(void)
{
	if (spawn_ready) {
		posix_spawnattr_destroy(&spawn_attr);
		posix_spawn_file_actions_destroy(&spawn_actions);
		spawn_ready = 0;
	}
	free(child_env);
	child_env = NULL;
	if (conn_slot != -1)
		close(conn_slot);
	if (null_fd != -1)
		close(null_fd);
	conn_slot = null_fd = -1;
}

/* "NAME=value" into buf, whose NAME= prefix is name. */
static void
set_value(char *buf, size_t len, const char *name, const char *value)
{
	snprintf(buf, len, "%s=%s", name, value);
}

/*
 * The environment for one connection: the values forkd sets, written in
 * place, and the allow rule's words in the slots just before them.
 */
static char **
connection_env(const struct conninfo *ci, const struct admission *adm)
{
	const struct access_rule *r = adm->rule;
	size_t k = r != NULL ? r->nenv : 0, i;
	char **env = child_env + ACCESS_MAX_ENV - k;

	for (i = 0; i < k; i++)
		env[i] = r->env[i];
	set_value(env_local_ip, sizeof(env_local_ip), "TCPLOCALIP",
	    ci->local_ip);
	set_value(env_local_port, sizeof(env_local_port), "TCPLOCALPORT",
	    ci->local_port);
	set_value(env_remote_ip, sizeof(env_remote_ip), "TCPREMOTEIP",
	    ci->remote_ip);
	set_value(env_remote_port, sizeof(env_remote_port), "TCPREMOTEPORT",
	    ci->remote_port);
	set_value(env_remote_addr, sizeof(env_remote_addr), "REMOTE_ADDR",
	    ci->remote_ip);
	set_value(env_remote_port2, sizeof(env_remote_port2), "REMOTE_PORT",
	    ci->remote_port);
	snprintf(env_connnum, sizeof(env_connnum), "TCPCONNNUM=%u",
	    adm->conns);
	if (with_proxy) {
		set_value(env_proxy_ip, sizeof(env_proxy_ip), "PROXYIP",
		    ci->proxy_ip);
		set_value(env_proxy_port, sizeof(env_proxy_port), "PROXYPORT",
		    ci->proxy_port);
	}
	return env;
}

/*
 * Spawn PROGRAM for conn.  Returns the pid, or -1 with errno: EAGAIN or
 * ENOMEM when no process could be made, else the exec error (ENOENT,
 * EACCES, ...), which glibc's posix_spawn reports from the child.
 */
static pid_t
spawn_program(const struct config *cfg, int conn, const struct conninfo *ci,
    const struct admission *adm)
{
	char **env = connection_env(ci, adm);
	pid_t pid;
	int e;

	if (dup3(conn, conn_slot, O_CLOEXEC) == -1)
		return -1;
	e = posix_spawn(&pid, program_path, &spawn_actions, &spawn_attr,
	    cfg->program, env);
	/* Give the slot back to /dev/null: forkd keeps no copy of conn. */
	dup3(null_fd, conn_slot, O_CLOEXEC);
	if (e != 0) {
		errno = e;
		return -1;
	}
	return pid;
}

/*
 * Put the connection on fd 0 and 1; fds 0-2 are always open, so conn > 2
 * and the closefrom after this closes the original.
 */
FORKD_CHILD_PATH static int
child_stdio(int conn)
{
	if (dup2(conn, 0) == -1 || dup2(conn, 1) == -1)
		return -1;
	return 0;
}

/*
 * A forked child, from fork() to serving a built-in; never returns.  Its
 * own process group first, while forkd's signals are still blocked: a
 * terminal's ^C (sent to forkd's group) must not reach it, and forkd
 * signals the group.  A group, not a session, as for a program (see
 * build_actions()); here setsid()'s autogroup also cost 26 us of the
 * machine's 430 a connection, created at start and destroyed at exit.
 * closefrom(3) closes the listeners, the self-pipe, the connection's
 * original fd and anything else of forkd's: the built-in path never
 * execs, so close-on-exec alone would leave them open.
 */
FORKD_CHILD_PATH __attribute__((noinline)) static void
child_builtin(const struct config *cfg, int conn, const struct conninfo *ci)
{
	/*
	 * SIGPIPE stays ignored (as forkd has it): a client that leaves
	 * must end write() with EPIPE, not kill the child.
	 */
	if (setpgid(0, 0) == -1 || selfpipe_child_reset(1) == -1)
		_exit(126);
	if (child_stdio(conn) == -1)
		_exit(126);
	/*
	 * The pidfile's and the log's fds go with the rest: no free() and no
	 * write to their state here, since every page a child writes is a
	 * page fault (it never logs, and never removes the parent's pidfile).
	 * close_range is the one syscall closefrom(3) would make, without
	 * the pages of libbsd's code it would fault in first.
	 */
	if (close_range(3, ~0U, 0) == -1)
		closefrom(3);
	if (cfg->title)
		setproctitle("%s %s", cfg->builtin, ci->peer);
	_exit(builtin_service->serve(0, 1));
}

/*
 * Fork a child to serve a built-in on conn.  forkd's signals are blocked
 * here already (everywhere but in selfpipe_poll()), so no forkd handler
 * can run in the child before it resets them: fork() needs no masking of
 * its own, two system calls a connection fewer.  The pid, or -1 with
 * errno.  On the child's page of code: fork() returns here in the child
 * too, and a page of forkd's code a child runs is a page fault.
 */
FORKD_CHILD_PATH __attribute__((noinline)) static pid_t
spawn_builtin(const struct config *cfg, int conn, const struct conninfo *ci)
{
	pid_t pid;

	pid = fork();
	if (pid == 0)
		child_builtin(cfg, conn, ci);
	return pid;
}

/* Start the child serving conn; the pid, or -1 with errno. */
pid_t
spawn_child(const struct config *cfg, int conn, const struct conninfo *ci,
    const struct admission *adm)
{
	if (cfg->builtin != NULL)
		return spawn_builtin(cfg, conn, ci);
	return spawn_program(cfg, conn, ci, adm);
}

/* Whether a failed spawn_child() made no process at all (back off). */
int
spawn_error_is_fork(int error)
{
	return error == EAGAIN || error == ENOMEM;
}

/* 0 if path is an executable regular file, else -1 with errno. */
static int
executable(const char *path)
{
	struct stat st;

	if (stat(path, &st) == -1)
		return -1;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		errno = EACCES;
		return -1;
	}
	return access(path, X_OK);
}

/*
 * Check a script's "#!" line: its interpreter must be executable too, or
 * every child would fail with a puzzling "No such file or directory".
 * 0 if path is not a script or its interpreter is fine.
 */
static int
check_interpreter(const char *path, char *err, size_t errlen)
{
	char line[PATH_MAX + 3], *interp, *end;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;	/* exec reads it, not us: let exec decide */
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n < 2 || line[0] != '#' || line[1] != '!')
		return 0;
	line[n] = '\0';
	interp = line + 2 + strspn(line + 2, " \t");
	end = interp + strcspn(interp, " \t\n");
	if (*end != ' ' && *end != '\t' && *end != '\n') {
		snprintf(err, errlen, "%s: #! line too long", path);
		return -1;
	}
	*end = '\0';
	if (*interp == '\0') {
		snprintf(err, errlen, "%s: #! line names no interpreter", path);
		return -1;
	}
	if (executable(interp) == 0)
		return 0;
	snprintf(err, errlen, "%s: interpreter %s: %s", path, interp,
	    strerror(errno));
	return -1;
}

/* path checked as a PROGRAM: executable, and its interpreter too. */
static int
usable(const char *path, char *err, size_t errlen)
{
	if (executable(path) == -1) {
		if (errno == EISDIR)
			snprintf(err, errlen, "%s: is a directory", path);
		else
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return check_interpreter(path, err, errlen);
}

/*
 * Find PROGRAM as execvp would (a name with a slash as is, else along
 * PATH) and check it at start, so that a typo fails once, loudly, instead
 * of in every child.  The path found goes to out.  -1 with err.
 */
int
spawn_find_program(const char *prog, char *out, size_t outlen, char *err,
    size_t errlen)
{
	const char *dirs, *p, *end;
	size_t n;

	if (strchr(prog, '/') != NULL) {
		if (usable(prog, err, errlen) == -1)
			return -1;
		if (snprintf(out, outlen, "%s", prog) >= (int)outlen) {
			snprintf(err, errlen, "%.64s...: path too long", prog);
			return -1;
		}
		return 0;
	}
	if ((dirs = getenv("PATH")) == NULL)
		dirs = "/usr/local/bin:/usr/bin:/bin";
	for (p = dirs; ; p = end + 1) {
		end = strchrnul(p, ':');
		n = (size_t)(end - p);
		if (snprintf(out, outlen, "%.*s%s%s", (int)n, p,
		    n > 0 ? "/" : "./", prog) < (int)outlen &&
		    executable(out) == 0)
			return usable(out, err, errlen);
		if (*end == '\0')
			break;
	}
	snprintf(err, errlen, "%s: not found in PATH", prog);
	return -1;
}
