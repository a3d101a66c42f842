/*
 * forkd: serve each TCP connection in a process of its own.
 * main() reads top to bottom: parse, check, open, detach, loop, exit.
 */
#include "config.h"

#include <alloca.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>
#include <libutil.h>

#include "forkd.h"

/*
 * Make sure fds 0, 1 and 2 are open (on /dev/null if need be), so that no
 * socket forkd opens can land on them and be taken for stdio.
 */
static int
ensure_stdio(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR)) != -1 && fd <= 2)
		;
	if (fd == -1)
		return -1;
	close(fd);
	return 0;
}

/* Print "forkd: msg" on stderr and return status, for start-up errors. */
static int
fail(int status, const char *what, const char *msg)
{
	fprintf(stderr, "forkd: %s%s%s\n", what, *what != '\0' ? ": " : "",
	    msg);
	return status;
}

/* "forkd: pidfile FILE: msg" on stderr; returns status. */
static int
pidfile_fail(int status, const char *path, const char *msg)
{
	fprintf(stderr, "forkd: pidfile %s: %s\n", path, msg);
	return status;
}

/*
 * Take the pidfile's lock before detaching, so a second forkd fails on the
 * terminal.  libbsd leaves its fd inheritable (its man page says not):
 * mark it close-on-exec ourselves.  Returns 0 or EX_CANTCREAT.
 */
static int
open_pidfile(const char *path, struct pidfh **pfh)
{
	char msg[128];
	pid_t other = -1;
	int fd;

	*pfh = pidfile_open(path, 0644, &other);
	if (*pfh == NULL) {
		if (errno != EEXIST)
			return pidfile_fail(EX_CANTCREAT, path,
			    strerror(errno));
		if (other > 0)
			snprintf(msg, sizeof(msg), "already running as pid %ld",
			    (long)other);
		else
			snprintf(msg, sizeof(msg), "locked by another forkd");
		return pidfile_fail(EX_CANTCREAT, path, msg);
	}
	fd = pidfile_fileno(*pfh);
	if (fd == -1 || fcntl(fd, F_SETFD, FD_CLOEXEC) == -1) {
		pidfile_remove(*pfh);
		return pidfile_fail(EX_OSERR, path, strerror(errno));
	}
	return 0;
}

/* One "listening on" line per socket: what is served where. */
static void
log_listening(const struct config *cfg, const struct listener *ls,
    size_t nls)
{
	size_t i;

	for (i = 0; i < nls; i++)
		log_info("listening on %s (%s %s%s%s)", ls[i].name,
		    cfg->builtin != NULL ? "builtin" : "exec",
		    cfg->builtin != NULL ? cfg->builtin : cfg->program[0],
		    ls[i].origin[0] != '\0' ? ", " : "", ls[i].origin);
}

/*
 * --daemon changes directory to /: make a relative path absolute first,
 * so that it names the same file afterwards.  The result lives in buf.
 */
static int
make_absolute(const char **path, char *buf, size_t len)
{
	char cwd[PATH_MAX];

	if ((*path)[0] == '/')
		return 0;
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return -1;
	if (snprintf(buf, len, "%s/%s", cwd, *path) >= (int)len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	*path = buf;
	return 0;
}

/* Parse argv; returns -1 to go on, or the exit status. */
static int
parse(int argc, char **argv, struct config *cfg)
{
	char err[512];

	switch (options_parse(argc, argv, cfg, err, sizeof(err))) {
	case OPTIONS_HELP:
		options_usage(stdout);
		return 0;
	case OPTIONS_VERSION:
		printf("forkd %s\n", PACKAGE_VERSION);
		return 0;
	case OPTIONS_ERROR:
		fprintf(stderr, "forkd: %s\nTry 'forkd --help' for more "
		    "information.\n", err);
		return EX_USAGE;
	case OPTIONS_RUN:
		break;
	}
	return -1;
}

/* Relative PROGRAM (with a slash), pidfile and rules paths, made absolute. */
static int
absolute_paths(struct config *cfg)
{
	static char prog[PATH_MAX], pidfile[PATH_MAX], access[PATH_MAX];
	const char *p;

	if (cfg->program != NULL && strchr(cfg->program[0], '/') != NULL) {
		p = cfg->program[0];
		if (make_absolute(&p, prog, sizeof(prog)) == -1)
			return fail(EX_OSERR, cfg->program[0], strerror(errno));
		cfg->program[0] = (char *)p;
	}
	if (cfg->pidfile != NULL &&
	    make_absolute(&cfg->pidfile, pidfile, sizeof(pidfile)) == -1)
		return pidfile_fail(EX_OSERR, cfg->pidfile, strerror(errno));
	/* SIGHUP rereads it, after --daemon's chdir("/"). */
	if (cfg->access != NULL &&
	    make_absolute(&cfg->access, access, sizeof(access)) == -1)
		return fail(EX_OSERR, cfg->access, strerror(errno));
	return 0;
}

/*
 * Read the access rules given with -a (NULL without -a), and make the
 * environment of exec'd children fit them.  -1 to go on, or the exit
 * status: 66 for a file that cannot be read, 78 for a bad line.
 */
static int
load_rules(const struct config *cfg, struct access_rules **rules)
{
	char err[512];
	int status;

	*rules = NULL;
	if (cfg->access == NULL)
		return -1;
	if ((*rules = access_load(cfg->access, err, sizeof(err),
	    &status)) == NULL)
		return fail(status, "", err);
	return -1;
}

/*
 * The listening sockets: -l's, or without -l the ones systemd passed
 * (LISTEN_FDS), never both.  0, or a sysexits status with err.
 */
static int
open_sockets(const struct config *cfg, struct listener *ls, size_t *nls,
    char *err, size_t errlen)
{
	char why[400];
	int status;

	if (cfg->nlisten > 0) {
		if (activation_offered()) {
			snprintf(err, errlen, "-l and sockets from systemd "
			    "(LISTEN_FDS) together: give one or the other");
			return EX_USAGE;
		}
		activation_forget();
		status = listener_open_all(cfg, ls, FORKD_MAX_SOCKETS, nls,
		    why, sizeof(why));
		if (status != 0)
			snprintf(err, errlen, "listen: %s", why);
		return status;
	}
	status = activation_take(ls, FORKD_MAX_SOCKETS, nls, why, sizeof(why));
	if (status == -1)
		snprintf(err, errlen, "no listen address: give -l [HOST]:PORT,"
		    " or sockets by systemd socket activation");
	else if (status != 0)
		snprintf(err, errlen, "systemd socket %s", why);
	return status == -1 ? EX_USAGE : status;
}

/*
 * As root still: the chroot and the user, then what must be found as
 * that user, where it will run: PROGRAM (once, not in every child) and
 * the environment that fits the rules.  0, or the exit status.
 */
static int
become(const struct config *cfg, const struct privdrop *user,
    struct access_rules *rules)
{
	char err[512];
	int status;

	if ((status = privdrop_apply(user, cfg->chroot, err,
	    sizeof(err))) != 0 ||
	    (status = spawn_init(cfg, err, sizeof(err))) != 0)
		return fail(status, "", err);
	if (spawn_set_access(rules) == -1)
		return fail(EX_OSERR, cfg->access, strerror(errno));
	return 0;
}

/* systemd's NOTIFY_SOCKET, if any: readiness and status go there. */
static void
open_notify(void)
{
	char err[256];

	if (notify_init(err, sizeof(err)) == -1)
		log_warnx("%s; readiness will not be reported", err);
}

/*
 * The server itself, from its state in *s set up to torn down; the exit
 * status.  See run_at_page_top() for where *s is.
 */
static __attribute__((noinline)) int
serve(struct server *s, const struct config *cfg, struct listener *ls,
    size_t nls, struct pidfh *pfh, struct access_rules *rules)
{
	int status;

	if (server_init(s, cfg, ls, nls, rules) == -1)
		return fail(EX_OSERR, "server", strerror(errno));
	selfpipe_keep_flags(s->sigflags);
	if (selfpipe_open() == -1 ||
	    (cfg->daemonize && daemon(0, 0) == -1)) {
		status = fail(EX_OSERR, cfg->daemonize ? "self-pipe or "
		    "daemon" : "self-pipe", strerror(errno));
		selfpipe_close();
		server_free(s);
		return status;
	}
	log_startup_done();	/* daemon() forked: the log's pid is new */
	/* Its fd is close-on-exec, and closefrom(3) in a child closes it. */
	if (pfh != NULL && pidfile_write(pfh) == -1)
		log_warn("pidfile %s: write", cfg->pidfile);
	log_listening(cfg, ls, nls);
	notify_send("READY=1");
	status = server_loop(s);
	log_drain(1000);	/* the summary line, even after a burst */
	/* Leave nothing open or allocated behind (valgrind checks it). */
	listener_close_all(ls, nls);
	selfpipe_close();	/* first: the handler's flags are in *s */
	server_free(s);
	spawn_free();
	notify_close();
	log_close();
	return status;
}

/*
 * After each fork, every page the parent writes costs it a page fault.
 * Per connection it writes the first fields of the server state (up to
 * cfg: the signal flags, the child table's header, the counters) and
 * the frames of the accept, fork, reap and log paths, which lie below
 * the state on the stack.  So the state goes on the stack here, placed
 * with its hot fields ending just under a page boundary: the frames
 * below then have the rest of that page (about 3.5 KiB, more than those
 * paths use) and the parent writes one page of stack per fork, not two.
 * The colder rest of the state lies across the boundary, mostly read.
 */
#define HOT_END	0xfc0	/* where in its page the hot fields end */

static __attribute__((noinline)) int
run_at_page_top(const struct config *cfg, struct listener *ls, size_t nls,
    struct pidfh *pfh, struct access_rules *rules)
{
	uintptr_t sp = (uintptr_t)alloca(16), want, below;
	struct server *s;

	/* The state is allocated downwards from sp: end it where we want. */
	want = (sp - sizeof(*s) - 4096) & ~(uintptr_t)0xfff;
	want += HOT_END - offsetof(struct server, cfg);
	want &= ~(uintptr_t)63;
	below = sp - want;
	s = alloca(below);
	return serve(s, cfg, ls, nls, pfh, rules);
}

/*
 * Everything that needs the listeners open: the log, the drop of
 * privileges, detaching, the loop; returns the exit status.
 */
static int
run(const struct config *cfg, struct listener *ls, size_t nls,
    struct pidfh *pfh, const struct privdrop *user,
    struct access_rules *rules)
{
	int status;

	log_init(cfg->log_target, cfg->verbose);
	open_notify();
	if ((status = become(cfg, user, rules)) != 0) {
		access_free(rules);
		return status;
	}
	return run_at_page_top(cfg, ls, nls, pfh, rules);
}

int
main(int argc, char *argv[])
{
	struct listener ls[FORKD_MAX_SOCKETS];
	struct config cfg;
	struct privdrop user;
	struct access_rules *rules;
	struct pidfh *pfh = NULL;
	char err[512];
	size_t nls;
	int status;

	if (ensure_stdio() == -1)
		return EX_OSERR;
	if ((status = parse(argc, argv, &cfg)) != -1)
		return status;
	if ((status = absolute_paths(&cfg)) != 0)
		return status;
	/* An unknown user fails here, before anything is bound. */
	if (cfg.user != NULL && (status = privdrop_resolve(cfg.user, &user,
	    err, sizeof(err))) != 0)
		return fail(status, "", err);
	if ((status = load_rules(&cfg, &rules)) != -1)
		return status;
	if (cfg.pidfile != NULL &&
	    (status = open_pidfile(cfg.pidfile, &pfh)) != 0) {
		access_free(rules);
		return status;
	}
	status = open_sockets(&cfg, ls, &nls, err, sizeof(err));
	if (status == 0)
		status = run(&cfg, ls, nls, pfh, cfg.user != NULL ? &user :
		    NULL, rules);
	else {
		fail(status, "", err);
		if (strncmp(err, "no listen address", 17) == 0)
			fprintf(stderr, "Try 'forkd --help' for more "
			    "information.\n");
		access_free(rules);
	}
	if (pfh != NULL)
		pidfile_remove(pfh);
	return status;
}
