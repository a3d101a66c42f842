/*
 * ref.h: what the minimal reference servers (ref-fork-echo, ref-fork-exec,
 * ref-spawn) share: a loopback listener and a SIGCHLD handler that reaps.
 * They are the floors of forkd's design, one fork (or spawn) per
 * connection with nothing else: no logging, no limits, no bookkeeping.
 *
 *	ref-... PORT [PROGRAM [ARG ...]]
 *
 * listens on 127.0.0.1:PORT (0: an ephemeral port) with the kernel's
 * maximum backlog, prints "listening on 127.0.0.1:PORT" on stderr, and
 * serves until killed.
 */
#ifndef FORKD_BENCH_REF_H
#define FORKD_BENCH_REF_H

#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Print "ref: WHAT: strerror(errno)" and exit 1. */
static inline void
ref_die(const char *what)
{
	fprintf(stderr, "ref: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Reap every child that has exited; keep errno for the code interrupted. */
static inline void
ref_on_sigchld(int signo)
{
	int saved = errno;

	(void)signo;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	errno = saved;
}

/* Listen on 127.0.0.1:port, reap children on SIGCHLD; the listening fd. */
static inline int
ref_listen(const char *port)
{
	struct sockaddr_in sin;
	struct sigaction sa;
	socklen_t len = sizeof(sin);
	int fd, on = 1;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ref_on_sigchld;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigfillset(&sa.sa_mask);
	if (sigaction(SIGCHLD, &sa, NULL) == -1)
		ref_die("sigaction");
	signal(SIGPIPE, SIG_IGN);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((unsigned short)atoi(port));
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		ref_die("socket");
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, SOMAXCONN) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		ref_die("listen");
	fprintf(stderr, "listening on 127.0.0.1:%d\n", ntohs(sin.sin_port));
	return fd;
}

/* Accept one connection (close-on-exec), riding out transient errors. */
static inline int
ref_accept(int lfd)
{
	int fd;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) == -1) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM)
			usleep(10000);
		else if (errno != EINTR && errno != ECONNABORTED)
			ref_die("accept");
	}
	return fd;
}

#endif /* FORKD_BENCH_REF_H */
