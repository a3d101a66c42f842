/*
 * fd-report: an exec-mode program for forkd's integration tests.
 *
 * Run by forkd with the connection on fds 0 and 1, it writes to stdout
 * what a served program sees of its start-up state, then exits 0:
 *
 *	PROTO=TCP                     one line per UCSPI (and systemd) variable, or
 *	TCPLOCALHOST unset            "NAME unset" when it is not set
 *	pid 4242 / ppid 4200          its own pid and its parent's
 *	fds 0 1 2                     every open fd (not the one used to list them)
 *	fd2 /path/of/stderr           where fd 2 points
 *	SigBlk: ... / SigIgn: ...     its signal mask and ignored set
 */
#define _GNU_SOURCE
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REPORT_MAXFDS 1024

static const char *const report_vars[] = {
	"PROTO", "TCPLOCALIP", "TCPLOCALPORT", "TCPREMOTEIP", "TCPREMOTEPORT",
	"TCPLOCALHOST", "TCPREMOTEHOST", "TCPREMOTEINFO", "REMOTE_ADDR",
	"REMOTE_PORT", "TCPCONNNUM", "PROXYIP", "PROXYPORT", "LISTEN_FDS",
	"LISTEN_PID", "LISTEN_FDNAMES", "NOTIFY_SOCKET",
};

/* Print "fd-report: WHAT: strerror(errno)" on stderr and exit 1. */
static void
report_die(const char *what)
{
	fprintf(stderr, "fd-report: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Order ints for qsort. */
static int
report_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* Print the UCSPI variables, one line each. */
static void
report_env(void)
{
	const char *v;
	size_t i;

	for (i = 0; i < sizeof(report_vars) / sizeof(report_vars[0]); i++) {
		if ((v = getenv(report_vars[i])) != NULL)
			printf("%s=%s\n", report_vars[i], v);
		else
			printf("%s unset\n", report_vars[i]);
	}
}

/* Print "fds N..." for every open fd except the one reading /proc/self/fd. */
static void
report_fds(void)
{
	int fds[REPORT_MAXFDS], n = 0, i, own;
	struct dirent *de;
	DIR *dir;

	if ((dir = opendir("/proc/self/fd")) == NULL)
		report_die("opendir /proc/self/fd");
	if ((own = dirfd(dir)) == -1)
		report_die("dirfd");
	errno = 0;
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		i = atoi(de->d_name);
		if (i != own && n < REPORT_MAXFDS)
			fds[n++] = i;
		errno = 0;
	}
	if (errno != 0)
		report_die("readdir");
	if (closedir(dir) == -1)
		report_die("closedir");
	qsort(fds, (size_t)n, sizeof(fds[0]), report_cmp);
	printf("fds");
	for (i = 0; i < n; i++)
		printf(" %d", fds[i]);
	printf("\n");
}

/* Print where fd 2 points ("fd2 closed" if it is not open). */
static void
report_fd2(void)
{
	char target[PATH_MAX];
	ssize_t n;

	if ((n = readlink("/proc/self/fd/2", target, sizeof(target) - 1)) == -1) {
		if (errno != ENOENT)
			report_die("readlink /proc/self/fd/2");
		printf("fd2 closed\n");
		return;
	}
	target[n] = '\0';
	printf("fd2 %s\n", target);
}

/* Copy the SigBlk and SigIgn lines of /proc/self/status. */
static void
report_signals(void)
{
	char line[256];
	FILE *fp;

	if ((fp = fopen("/proc/self/status", "r")) == NULL)
		report_die("fopen /proc/self/status");
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strncmp(line, "SigBlk:", 7) == 0 ||
		    strncmp(line, "SigIgn:", 7) == 0)
			fputs(line, stdout);
	if (ferror(fp))
		report_die("read /proc/self/status");
	if (fclose(fp) == EOF)
		report_die("fclose /proc/self/status");
}

/* Report the start-up state on stdout and exit 0. */
int
main(void)
{
	/* Listed first, before this program opens anything of its own. */
	report_fds();
	report_env();
	printf("pid %ld\nppid %ld\n", (long)getpid(), (long)getppid());
	report_fd2();
	report_signals();
	if (fflush(stdout) == EOF || ferror(stdout))
		report_die("stdout");
	return 0;
}
