/*
 * Logging: syslog(3) or stderr, one event a line.  The only caller of
 * syslog() in forkd, and so the one seam the tests look through.
 */
#include "config.h"

#include <errno.h>
#include <paths.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "forkd.h"

static enum log_target target = LOG_TO_STDERR;
static int verbose;
static int echo_errors;	/* syslog mode, starting: errors to stderr too */

/*
 * Start logging.  The ident is a literal: setproctitle() overwrites argv[0].
 * No LOG_CONS: with no /dev/log it would write to the console.
 */
void
log_init(enum log_target to, int verb)
{
	target = to;
	verbose = verb;
	if (to == LOG_TO_SYSLOG) {
		/* syslog(3) drops lines silently when no daemon listens. */
		if (access(_PATH_LOG, W_OK) == -1)
			fprintf(stderr, "forkd: warning: %s: %s: log lines will "
			    "be lost (run a syslog daemon, or use -L stderr)\n",
			    _PATH_LOG, strerror(errno));
		openlog("forkd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
		echo_errors = 1;
	}
}

/* Start-up is over: from now on errors go to the log only. */
void
log_startup_done(void)
{
	echo_errors = 0;
}

/* Before a child serves or execs: drop the syslog socket. */
void
log_close(void)
{
	if (target == LOG_TO_SYSLOG)
		closelog();
}

/* Whether -v asked for a line per connection. */
int
log_verbose(void)
{
	return verbose;
}

/* Write one formatted line at priority pri. */
static void
log_vwrite(int pri, const char *fmt, va_list ap)
{
	va_list copy;

	if (target == LOG_TO_SYSLOG) {
		if (echo_errors && pri <= LOG_WARNING) {
			va_copy(copy, ap);
			fputs("forkd: ", stderr);
			vfprintf(stderr, fmt, copy);
			fputc('\n', stderr);
			va_end(copy);
		}
		vsyslog(pri, fmt, ap);
		return;
	}
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	fflush(stderr);
}

/* An event worth a line: a child reaped, a socket opened. */
void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_INFO, fmt, ap);
	va_end(ap);
}

/* A problem, with ": strerror(errno)" appended. */
void
log_warn(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warnx("%s: %s", msg, strerror(saved));
	errno = saved;
}

/* A problem, as worded by the caller. */
void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, fmt, ap);
	va_end(ap);
}

/*
 * A warning that may repeat fast (accept or fork failing under load): at
 * most one per RATELIMIT_WINDOW seconds; the next one that passes says how
 * many were held back.  Returns 1 if it was logged.
 */
int
log_limited(struct ratelimit *rl, const char *fmt, ...)
{
	struct timespec now;
	char msg[512];
	va_list ap;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (rl->last != 0 && now.tv_sec - rl->last < RATELIMIT_WINDOW) {
		rl->suppressed++;
		return 0;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (rl->suppressed > 0)
		log_warnx("%s (%lu similar messages suppressed)", msg,
		    rl->suppressed);
	else
		log_warnx("%s", msg);
	rl->last = now.tv_sec != 0 ? now.tv_sec : 1;
	rl->suppressed = 0;
	return 1;
}
