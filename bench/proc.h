/*
 * proc.h: what the bench tools read about a server from /proc: how many
 * children it has and how many of them are zombies, and its VmRSS.
 */
#ifndef FORKD_BENCH_PROC_H
#define FORKD_BENCH_PROC_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROC_CHILDREN_BUF	(1 << 20)	/* room for ~130,000 pids */

/* Read at most size-1 bytes of path into buf, NUL-terminated; -1 on error. */
static inline ssize_t
proc_read(const char *path, char *buf, size_t size)
{
	ssize_t n, total = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	while ((size_t)total < size - 1 &&
	    (n = read(fd, buf + total, size - 1 - (size_t)total)) > 0)
		total += n;
	close(fd);
	buf[total] = '\0';
	return total;
}

/*
 * Count pid's children (/proc/PID/task/PID/children lists zombies too)
 * into *live and *zombies; -1 if pid is gone.
 */
static inline int
proc_children(long pid, long *live, long *zombies)
{
	static char *list;
	char path[64], stat[512], *p, *end, *s;
	long child;

	if (list == NULL && (list = malloc(PROC_CHILDREN_BUF)) == NULL)
		return -1;
	*live = *zombies = 0;
	snprintf(path, sizeof(path), "/proc/%ld/task/%ld/children", pid, pid);
	if (proc_read(path, list, PROC_CHILDREN_BUF) == -1)
		return -1;
	for (p = list; (child = strtol(p, &end, 10)) > 0; p = end) {
		snprintf(path, sizeof(path), "/proc/%ld/stat", child);
		if (proc_read(path, stat, sizeof(stat)) <= 0 ||
		    (s = strrchr(stat, ')')) == NULL || s[1] == '\0')
			continue;
		if (s[2] == 'Z')
			(*zombies)++;
		else
			(*live)++;
	}
	return 0;
}

/* pid's resident set size in KiB (VmRSS), -1 if unknown. */
static inline long
proc_rss_kb(long pid)
{
	char path[64], buf[4096], *p;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if (proc_read(path, buf, sizeof(buf)) <= 0 ||
	    (p = strstr(buf, "\nVmRSS:")) == NULL)
		return -1;
	return strtol(p + 7, NULL, 10);
}

#endif /* FORKD_BENCH_PROC_H */
