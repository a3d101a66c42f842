/*
 * ref-fork-exec: the floor of forkd's exec mode done with fork.  Accept,
 * fork, the child puts the connection on fds 0 and 1 and execs PROGRAM;
 * the parent reaps on SIGCHLD.
 *
 *	ref-fork-exec PORT PROGRAM [ARG ...]
 */
#define _GNU_SOURCE
#include "ref.h"

int
main(int argc, char *argv[])
{
	int lfd, fd;

	if (argc < 3) {
		fprintf(stderr, "usage: ref-fork-exec PORT PROGRAM [ARG ...]\n");
		return 64;
	}
	lfd = ref_listen(argv[1]);
	for (;;) {
		fd = ref_accept(lfd);
		if (fork() == 0) {
			/* The listener and fd are close-on-exec. */
			if (dup2(fd, 0) == -1 || dup2(fd, 1) == -1)
				_exit(71);
			signal(SIGPIPE, SIG_DFL);
			execv(argv[2], argv + 2);
			_exit(127);
		}
		close(fd);
	}
}
