/*
 * loadgen: a load generator for forkd's built-in echo (not a test).
 * Keeps C connections in flight against HOST:PORT for SECONDS: each one
 * connects, sends a line, reads it back, closes, and is replaced.  While
 * it runs it samples the zombie children of PID (forkd) every 10 ms.
 * Prints connections/second, latency and the zombie counts it saw.
 *
 *	loadgen HOST PORT CONCURRENCY SECONDS [FORKD_PID]
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAXC	1024
static const char msg[] = "forkd loadgen line\n";

struct conn {
	int		fd;
	size_t		got;		/* bytes of the echo read back */
	struct timespec	start;
};

static struct sockaddr_in dst;
static unsigned long done, failed;
static double lat_sum, lat_max;

/* Seconds since a fixed point. */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Open a blocking connection and send the line; -1 on failure. */
static int
conn_start(struct conn *c)
{
	c->got = 0;
	clock_gettime(CLOCK_MONOTONIC, &c->start);
	if ((c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(c->fd, (struct sockaddr *)&dst, sizeof(dst)) == -1 ||
	    write(c->fd, msg, sizeof(msg) - 1) != (ssize_t)(sizeof(msg) - 1)) {
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	return 0;
}

/* Read what the echo sent; close and count once the line is back. */
static void
conn_read(struct conn *c)
{
	char buf[256];
	struct timespec t;
	ssize_t r;
	double lat;

	r = read(c->fd, buf, sizeof(buf));
	if (r > 0 && (c->got += (size_t)r) < sizeof(msg) - 1)
		return;
	close(c->fd);
	c->fd = -1;
	if (r <= 0) {
		failed++;
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &t);
	lat = (double)(t.tv_sec - c->start.tv_sec) +
	    (double)(t.tv_nsec - c->start.tv_nsec) / 1e9;
	lat_sum += lat;
	if (lat > lat_max)
		lat_max = lat;
	done++;
}

/* Count the children of pid that are zombies, from /proc. */
static int
zombies(long pid)
{
	char path[300], buf[512], *p, state;
	struct dirent *de;
	long ppid;
	int n = 0, fd;
	ssize_t r;
	DIR *d;

	if ((d = opendir("/proc")) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		if ((fd = open(path, O_RDONLY)) == -1)
			continue;
		r = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (r <= 0)
			continue;
		buf[r] = '\0';
		if ((p = strrchr(buf, ')')) == NULL ||
		    sscanf(p + 1, " %c %ld", &state, &ppid) != 2)
			continue;
		if (state == 'Z' && ppid == pid)
			n++;
	}
	closedir(d);
	return n;
}

int
main(int argc, char *argv[])
{
	static struct conn c[MAXC];
	struct pollfd pfd[MAXC];
	double t0, end, next_sample, secs;
	long forkd_pid = 0;
	int conc, i, z, zmax = 0, zsamples = 0;
	long zsum = 0;

	if (argc < 5) {
		fprintf(stderr, "usage: loadgen HOST PORT CONCURRENCY SECONDS "
		    "[FORKD_PID]\n");
		return 64;
	}
	memset(&dst, 0, sizeof(dst));
	dst.sin_family = AF_INET;
	dst.sin_port = htons((unsigned short)atoi(argv[2]));
	conc = atoi(argv[3]);
	secs = atof(argv[4]);
	if (inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1 || conc < 1 ||
	    conc > MAXC || secs <= 0 || secs > 600) {
		fprintf(stderr, "loadgen: bad arguments\n");
		return 64;
	}
	if (argc > 5)
		forkd_pid = atol(argv[5]);

	for (i = 0; i < conc; i++)
		if (conn_start(&c[i]) == -1)
			failed++;
	t0 = now();
	end = t0 + secs;
	next_sample = t0;
	while (now() < end) {
		for (i = 0; i < conc; i++) {
			pfd[i].fd = c[i].fd;
			pfd[i].events = POLLIN;
		}
		if (poll(pfd, (nfds_t)conc, 10) == -1 && errno != EINTR)
			break;
		for (i = 0; i < conc; i++) {
			if (c[i].fd != -1 && pfd[i].revents != 0)
				conn_read(&c[i]);
			if (c[i].fd == -1 && conn_start(&c[i]) == -1)
				failed++;
		}
		if (forkd_pid > 0 && now() >= next_sample) {
			if ((z = zombies(forkd_pid)) > zmax)
				zmax = z;
			zsum += z > 0 ? z : 0;
			zsamples++;
			next_sample += 0.01;
		}
	}
	secs = now() - t0;
	printf("connections %lu in %.2fs: %.0f/s, %d concurrent, "
	    "failed %lu\n", done, secs, done / secs, conc, failed);
	printf("latency mean %.3fms max %.3fms\n",
	    done ? lat_sum / done * 1000 : 0.0, lat_max * 1000);
	if (forkd_pid > 0)
		printf("zombies of pid %ld: max %d, mean %.1f over %d "
		    "samples\n", forkd_pid, zmax,
		    zsamples ? (double)zsum / zsamples : 0.0, zsamples);
	return failed == 0 ? 0 : 1;
}
