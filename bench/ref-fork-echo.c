/*
 * ref-fork-echo: the floor of forkd's built-in mode.  Accept, fork, the
 * child echoes until EOF and exits; the parent reaps on SIGCHLD.
 *
 *	ref-fork-echo PORT
 */
#define _GNU_SOURCE
#include "ref.h"

/* Copy fd to itself until EOF or an error. */
static void
ref_echo(int fd)
{
	char buf[4096];
	ssize_t n, off, w;

	while ((n = read(fd, buf, sizeof(buf))) > 0 || (n == -1 &&
	    errno == EINTR))
		for (off = 0; n > 0 && off < n; off += w)
			if ((w = write(fd, buf + off, (size_t)(n - off))) <= 0)
				return;
}

int
main(int argc, char *argv[])
{
	int lfd, fd;

	if (argc != 2) {
		fprintf(stderr, "usage: ref-fork-echo PORT\n");
		return 64;
	}
	lfd = ref_listen(argv[1]);
	for (;;) {
		fd = ref_accept(lfd);
		if (fork() == 0) {
			close(lfd);
			ref_echo(fd);
			_exit(0);
		}
		close(fd);
	}
}
