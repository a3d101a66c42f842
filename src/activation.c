/*
 * systemd socket activation (sd_listen_fds(3)): without -l, the listening
 * sockets are the LISTEN_FDS descriptors from fd 3 that systemd (or
 * systemd-socket-activate) passed, if LISTEN_PID names this process.
 * Each is checked to be a listening TCP socket, made close-on-exec and
 * non-blocking, and the variables are removed, so that no child ever
 * sees them.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "forkd.h"

#define ACTIVATION_FIRST_FD	3	/* SD_LISTEN_FDS_START */

/* The variables, read once by activation_take() and then gone. */
static const char *const activation_names[] = {
	"LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES",
};

/* A decimal number of the environment, 1..max; -1 if absent or bad. */
static long long
env_number(const char *v, long long max)
{
	const char *errstr;
	long long n;

	if (v == NULL || *v < '0' || *v > '9')
		return -1;
	n = strtonum(v, 1, max, &errstr);
	return errstr != NULL ? -1 : n;
}

/* Name i of LISTEN_FDNAMES ("a:b:c") into buf, or "" if it has none. */
static void
fd_name(const char *names, size_t i, char *buf, size_t len)
{
	const char *p = names, *end;

	buf[0] = '\0';
	if (p == NULL)
		return;
	for (; i > 0 && (p = strchr(p, ':')) != NULL; i--)
		p++;
	if (p == NULL)
		return;
	end = strchrnul(p, ':');
	snprintf(buf, len, "%.*s", (int)(end - p), p);
}

/* An int socket option of fd; -1 with errno on failure. */
static int
sockopt(int fd, int name)
{
	int v;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, SOL_SOCKET, name, &v, &len) == -1)
		return -1;
	return v;
}

/*
 * Check that fd is a listening TCP socket, and make it close-on-exec
 * and non-blocking.  0, or a sysexits status with err filled.
 */
static int
check_fd(int fd, char *err, size_t errlen)
{
	struct stat st;
	int domain, flags;

	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "fd %d: %s", fd, strerror(errno));
		return EX_OSERR;
	}
	domain = S_ISSOCK(st.st_mode) ? sockopt(fd, SO_DOMAIN) : -1;
	if ((domain != AF_INET && domain != AF_INET6) ||
	    sockopt(fd, SO_TYPE) != SOCK_STREAM ||
	    sockopt(fd, SO_PROTOCOL) != IPPROTO_TCP) {
		snprintf(err, errlen, "fd %d: not a TCP socket (use "
		    "ListenStream= with an IP address and port)", fd);
		return EX_USAGE;
	}
	if (sockopt(fd, SO_ACCEPTCONN) != 1) {
		snprintf(err, errlen, "fd %d: not listening (Accept=yes "
		    "passes connections: forkd wants Accept=no)", fd);
		return EX_USAGE;
	}
	if ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1) {
		snprintf(err, errlen, "fd %d: fcntl: %s", fd, strerror(errno));
		return EX_OSERR;
	}
	return 0;
}

/* Whether systemd passed sockets for this process (LISTEN_FDS). */
int
activation_offered(void)
{
	const char *fds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");

	return fds != NULL && env_number(pid, INT32_MAX) == (long long)getpid();
}

/* Drop the LISTEN_* variables: with -l, they are for nobody here. */
void
activation_forget(void)
{
	size_t i;

	for (i = 0; i < sizeof(activation_names) / sizeof(*activation_names);
	    i++)
		unsetenv(activation_names[i]);
}

/*
 * What the environment says: 1 when LISTEN_FDS is there for this
 * process (*nfds of them), 0 when there is no LISTEN_FDS or it is for
 * another process, -1 with err when it is malformed.  Then the variables
 * are unset, whatever they said.
 */
static int
read_environment(long long *nfds, char *names, size_t nameslen, char *err,
    size_t errlen)
{
	const char *fds = getenv("LISTEN_FDS");
	const char *fdnames = getenv("LISTEN_FDNAMES");
	int rc = 0;

	snprintf(names, nameslen, "%s", fdnames != NULL ? fdnames : "");
	if (activation_offered()) {
		*nfds = env_number(fds, FORKD_MAX_SOCKETS);
		rc = 1;
		if (*nfds == -1) {
			snprintf(err, errlen, "LISTEN_FDS \"%.*s%s\": not a "
			    "number of sockets from 1 to %d", CUT(fds),
			    FORKD_MAX_SOCKETS);
			rc = -1;
		}
	}
	activation_forget();
	return rc;
}

/*
 * Take the sockets systemd passed into ls (room for max), *n of them,
 * each named after its address, its fd and its LISTEN_FDNAMES name in
 * origin.  Returns 0 when there were some; -1 when the environment holds
 * none for this process; or a sysexits status with err.  The LISTEN_*
 * variables are gone afterwards in every case.
 */
int
activation_take(struct listener *ls, size_t max, size_t *n, char *err,
    size_t errlen)
{
	char names[1024], name[64];
	long long nfds = 0, i;
	int rc, status;

	*n = 0;
	rc = read_environment(&nfds, names, sizeof(names), err, errlen);
	if (rc <= 0)
		return rc == 0 ? -1 : EX_USAGE;
	if ((size_t)nfds > max) {
		snprintf(err, errlen, "LISTEN_FDS=%lld: more than %zu sockets",
		    nfds, max);
		return EX_USAGE;
	}
	for (i = 0; i < nfds; i++) {
		int fd = ACTIVATION_FIRST_FD + (int)i;

		if ((status = check_fd(fd, err, errlen)) != 0)
			return status;
		listener_record(&ls[i], fd);
		fd_name(names, (size_t)i, name, sizeof(name));
		snprintf(ls[i].origin, sizeof(ls[i].origin), "systemd fd %d%s%s",
		    fd, name[0] != '\0' ? " " : "", name);
		(*n)++;
	}
	return 0;
}
