/*
 * ref-spawn: the floor of forkd's exec mode done with posix_spawn (glibc's
 * clone(CLONE_VM | CLONE_VFORK): no page tables copied).  Accept, spawn
 * PROGRAM with the connection on fds 0 and 1; reap on SIGCHLD.
 *
 *	ref-spawn PORT PROGRAM [ARG ...]
 */
#define _GNU_SOURCE
#include <spawn.h>

#include "ref.h"

extern char **environ;

int
main(int argc, char *argv[])
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t def;
	pid_t pid;
	int lfd, fd;

	if (argc < 3) {
		fprintf(stderr, "usage: ref-spawn PORT PROGRAM [ARG ...]\n");
		return 64;
	}
	lfd = ref_listen(argv[1]);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigdefault(&attr, &def);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
	for (;;) {
		fd = ref_accept(lfd);
		/* fd is close-on-exec; dup2 makes 0 and 1 survive it. */
		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_adddup2(&fa, fd, 0);
		posix_spawn_file_actions_adddup2(&fa, fd, 1);
		if (posix_spawn(&pid, argv[2], &fa, &attr, argv + 2,
		    environ) != 0)
			fprintf(stderr, "ref-spawn: posix_spawn failed\n");
		posix_spawn_file_actions_destroy(&fa);
		close(fd);
	}
}
