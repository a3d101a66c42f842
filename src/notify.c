/*
 * systemd notifications: READY=1, STATUS=..., RELOADING=1, STOPPING=1 as
 * datagrams to $NOTIFY_SOCKET, a path or an abstract "@name".  libsystemd's
 * sd_notify() sends on a blocking socket (MSG_NOSIGNAL only), so a manager
 * 10 datagrams behind (net.unix.max_dgram_qlen) would stall forkd's loop
 * in sendmsg(); here the socket is non-blocking and each send is
 * MSG_DONTWAIT: a message the manager cannot take now is dropped, never
 * waited for.  The socket is connected at start, so that it still reaches
 * the manager after --chroot (where the path no longer resolves); when
 * the manager's socket is gone (a daemon re-exec makes a new one), the
 * address is looked up again, and while nobody listens there each send
 * looks it up anew.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "forkd.h"
#include "notify.h"

static int notify_fd = -1;
static int notify_connected;	/* to the manager: send(), not sendto() */
static struct sockaddr_un notify_addr;
static socklen_t notify_addrlen;

/*
 * $NOTIFY_SOCKET v into notify_addr: "/path" (NUL-terminated in sun_path)
 * or "@name" (abstract: a NUL, then the name, counted by the length and
 * not terminated).  -1 with err filled.
 */
static int
notify_address(const char *v, char *err, size_t errlen)
{
	size_t len = strlen(v);

	memset(&notify_addr, 0, sizeof(notify_addr));
	notify_addr.sun_family = AF_UNIX;
	if ((v[0] != '/' && v[0] != '@') || (v[0] == '@' && len == 1)) {
		snprintf(err, errlen, "NOTIFY_SOCKET \"%.*s%s\": not an "
		    "absolute path or @name", CUT(v));
		return -1;
	}
	if (len + (v[0] == '/') > sizeof(notify_addr.sun_path)) {
		snprintf(err, errlen, "NOTIFY_SOCKET \"%.*s%s\": too long "
		    "(%zu bytes, at most %zu)", CUT(v), len,
		    sizeof(notify_addr.sun_path) - (v[0] == '/'));
		return -1;
	}
	memcpy(notify_addr.sun_path + (v[0] == '@'), v + (v[0] == '@'),
	    len - (v[0] == '@'));
	notify_addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    len + (v[0] == '/'));
	return 0;
}

/*
 * A new socket, connected to the manager if it listens now (else each
 * send names the address).  0, or -1 with errno.
 */
static int
notify_open(void)
{
	notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (notify_fd == -1)
		return -1;
	notify_connected = connect(notify_fd, (struct sockaddr *)&notify_addr,
	    notify_addrlen) == 0;
	return 0;
}

/*
 * Take $NOTIFY_SOCKET and unset it, so that no child ever sees it (a
 * child's READY=1 would be taken for forkd's), then open the socket.
 * 0: set up, or no $NOTIFY_SOCKET; -1 with err filled.
 */
int
notify_init(char *err, size_t errlen)
{
	const char *v = getenv("NOTIFY_SOCKET");
	int r;

	notify_close();
	if (v == NULL)
		return 0;
	r = notify_address(v, err, errlen);
	unsetenv("NOTIFY_SOCKET");	/* v is not used after this */
	if (r == -1)
		return -1;
	if (notify_open() == -1) {
		snprintf(err, errlen, "NOTIFY_SOCKET: socket: %s",
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* Whether notifications go anywhere. */
int
notify_enabled(void)
{
	return notify_fd != -1;
}

/*
 * One datagram, never waiting.  0 when sent or when not enabled; -1 with
 * errno when it could not go now (EAGAIN: the manager is behind; ENOENT,
 * ECONNREFUSED: nobody listens): the message is dropped.
 */
int
notify_send(const char *msg)
{
	int flags = MSG_DONTWAIT | MSG_NOSIGNAL, saved;
	size_t len = strlen(msg);

	if (notify_fd == -1)
		return 0;
	if (notify_connected) {
		if (send(notify_fd, msg, len, flags) != -1)
			return 0;
		if (errno != ECONNREFUSED && errno != ENOTCONN)
			return -1;
		/* The manager's socket is gone: find its new one. */
		close(notify_fd);
		if (notify_open() == -1) {
			saved = errno;
			notify_fd = -1;
			errno = saved;
			return -1;
		}
		if (notify_connected)
			return send(notify_fd, msg, len, flags) == -1 ? -1 : 0;
	}
	if (sendto(notify_fd, msg, len, flags,
	    (struct sockaddr *)&notify_addr, notify_addrlen) == -1)
		return -1;
	return 0;
}

/*
 * RELOADING=1 and MONOTONIC_USEC in one datagram: systemd 253 and later
 * want the time with it, to tie the reload to the one they asked for
 * (252 ignores the field).
 */
int
notify_reloading(void)
{
	struct timespec now;
	char msg[64];

	clock_gettime(CLOCK_MONOTONIC, &now);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)now.tv_sec * 1000000ULL +
	    (unsigned long long)now.tv_nsec / 1000ULL);
	return notify_send(msg);
}

/* Close the socket: nothing is sent after this. */
void
notify_close(void)
{
	int saved = errno;

	if (notify_fd != -1)
		close(notify_fd);
	notify_fd = -1;
	notify_connected = 0;
	errno = saved;
}
