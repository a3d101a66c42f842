/*
 * proc-sample: watch how many children a process has, and how many of
 * them are zombies, at a finer grain than a shell loop can.
 *
 *	proc-sample PID STOPFILE OUTFILE
 *
 * Every millisecond, reads /proc/PID/task/PID/children and the state of
 * each child, until STOPFILE exists or 60 s have passed; then writes
 * "MAXLIVE MAXZOMBIES SAMPLES" to OUTFILE and exits 0. The tests report
 * the zombie maximum as a diagnostic; they assert on zombies through /proc
 * scans of their own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SAMPLE_BUFSIZE (1 << 20)
#define SAMPLE_SECONDS 60

/* Print "proc-sample: WHAT: strerror(errno)" and exit 1. */
static void
sample_die(const char *what)
{
	fprintf(stderr, "proc-sample: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Read at most SIZE-1 bytes of file PATH into BUF; -1 if it cannot be opened. */
static ssize_t
sample_read(const char *path, char *buf, size_t size)
{
	ssize_t n, total = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	while ((size_t)total < size - 1) {
		n = read(fd, buf + total, size - 1 - (size_t)total);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		total += n;
	}
	if (close(fd) == -1)
		sample_die("close");
	buf[total] = '\0';
	return total;
}

/* Return the state letter of process PID ('Z' for a zombie), 0 if it is gone. */
static char
sample_state(long pid)
{
	char path[64], stat[1024], *p;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if (sample_read(path, stat, sizeof(stat)) <= 0)
		return 0;
	/* The command name may hold anything: the state follows the last ')'. */
	if ((p = strrchr(stat, ')')) == NULL || p[1] != ' ')
		return 0;
	return p[2];
}

/* Count PID's children into LIVE and ZOMBIES; -1 if PID is gone. */
static int
sample_once(const char *childfile, long *live, long *zombies)
{
	static char buf[SAMPLE_BUFSIZE];
	char *p, *end;
	long kid;
	char st;

	*live = *zombies = 0;
	if (sample_read(childfile, buf, sizeof(buf)) == -1)
		return -1;
	for (p = buf;; p = end) {
		kid = strtol(p, &end, 10);
		if (end == p)
			break;
		if ((st = sample_state(kid)) == 'Z')
			(*zombies)++;
		else if (st != 0)
			(*live)++;
	}
	return 0;
}

/* Sample until the stop file appears or time runs out; write the maxima. */
int
main(int argc, char *argv[])
{
	struct timespec tick = { 0, 1000000 };
	long live, zombies, maxlive = 0, maxzombies = 0, samples = 0;
	char childfile[128];
	time_t end;
	FILE *out;

	if (argc != 4) {
		fprintf(stderr, "usage: proc-sample PID STOPFILE OUTFILE\n");
		return 1;
	}
	snprintf(childfile, sizeof(childfile), "/proc/%ld/task/%ld/children",
	    atol(argv[1]), atol(argv[1]));
	end = time(NULL) + SAMPLE_SECONDS;
	while (access(argv[2], F_OK) == -1 && time(NULL) < end) {
		if (sample_once(childfile, &live, &zombies) == -1)
			break;
		samples++;
		if (live > maxlive)
			maxlive = live;
		if (zombies > maxzombies)
			maxzombies = zombies;
		if (nanosleep(&tick, NULL) == -1 && errno != EINTR)
			sample_die("nanosleep");
	}
	if ((out = fopen(argv[3], "w")) == NULL)
		sample_die(argv[3]);
	if (fprintf(out, "%ld %ld %ld\n", maxlive, maxzombies, samples) < 0 ||
	    fclose(out) == EOF)
		sample_die(argv[3]);
	return 0;
}
