/*
 * syslog-sink: a minimal syslog receiver for the integration tests.
 *
 *	syslog-sink SOCKET OUTFILE [PIDFILE]
 *
 * Binds an AF_UNIX datagram socket at SOCKET (the tests use /dev/log in a
 * private mount namespace) and appends every datagram it receives to
 * OUTFILE as one line, with one write(2) per line so that a reader never
 * sees half a line. A trailing newline in a datagram is dropped. When the
 * socket is bound, the pid is written to PIDFILE if one is given. Runs
 * until SIGTERM or SIGINT, then removes SOCKET and exits 0.
 */
#define _GNU_SOURCE
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stop-signals.h"

#define SINK_BUFSIZE 65536

static volatile sig_atomic_t sink_stop;

/* Note that SIGTERM or SIGINT asked the main loop to stop. */
static void
sink_on_signal(int signo)
{
	(void)signo;
	sink_stop = 1;
}

/* Print "syslog-sink: WHAT: strerror(errno)" and exit 1. */
static void
sink_die(const char *what)
{
	fprintf(stderr, "syslog-sink: %s: %s\n", what, strerror(errno));
	exit(1);
}


/* Bind a datagram socket at PATH and return it. */
static int
sink_bind(const char *path)
{
	struct sockaddr_un sun;
	int fd, size = 1 << 20;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "syslog-sink: %s: path too long\n", path);
		exit(1);
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		sink_die("socket");
	/* A bigger queue only makes the senders block less often. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) == -1)
		sink_die("setsockopt SO_RCVBUF");
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		sink_die(path);
	if (chmod(path, 0666) == -1)
		sink_die("chmod");
	return fd;
}

/* Write the pid, one line, to PATH. */
static void
sink_write_pid(const char *path)
{
	FILE *fp;

	if ((fp = fopen(path, "w")) == NULL)
		sink_die(path);
	if (fprintf(fp, "%ld\n", (long)getpid()) < 0 || fclose(fp) == EOF)
		sink_die(path);
}

/* Write all LEN bytes of BUF to FD, retrying short writes and EINTR. */
static void
sink_write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			sink_die("write");
		}
		buf += n;
		len -= (size_t)n;
	}
}

/* Append one pending datagram from SOCK to OUT as a line; 0 if none was pending. */
static int
sink_receive(int sock, int out)
{
	static char buf[SINK_BUFSIZE + 1];
	ssize_t n;

	if ((n = recv(sock, buf, SINK_BUFSIZE, MSG_DONTWAIT)) == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0;
		sink_die("recv");
	}
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n++] = '\n';
	sink_write_all(out, buf, (size_t)n);
	return 1;
}

/* Bind the socket, then copy datagrams to the file until told to stop. */
int
main(int argc, char *argv[])
{
	struct pollfd pfd;
	sigset_t waitmask;
	int out;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: syslog-sink SOCKET OUTFILE [PIDFILE]\n");
		return 2;
	}
	if (stop_signals(sink_on_signal, &waitmask) == -1)
		sink_die("signals");
	out = open(argv[2], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (out == -1)
		sink_die(argv[2]);
	pfd.fd = sink_bind(argv[1]);
	pfd.events = POLLIN;
	if (argc == 4)
		sink_write_pid(argv[3]);
	while (!sink_stop) {
		if (ppoll(&pfd, 1, NULL, &waitmask) == -1) {
			if (errno == EINTR)
				continue;
			sink_die("ppoll");
		}
		if (pfd.revents & POLLIN)
			sink_receive(pfd.fd, out);
	}
	/* Keep what was sent before the stop request. */
	while (sink_receive(pfd.fd, out))
		continue;
	if (unlink(argv[1]) == -1)
		sink_die("unlink");
	if (close(out) == -1)
		sink_die("close");
	return 0;
}
