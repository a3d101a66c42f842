/*
 * stop-signals.h: the SIGTERM/SIGINT set-up shared by the test helpers
 * that wait in ppoll() until told to stop (conn-hold, syslog-sink).
 */
#ifndef FORKD_TEST_STOP_SIGNALS_H
#define FORKD_TEST_STOP_SIGNALS_H

#include <signal.h>
#include <string.h>

/*
 * Install fn for SIGTERM and SIGINT and block both; *wait gets the mask
 * to give ppoll(), without them, so the handler runs only inside ppoll
 * and no stop request is lost between checks.  -1 on error.
 */
static inline int
stop_signals(void (*fn)(int), sigset_t *wait)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	if (sigfillset(&sa.sa_mask) == -1 || sigemptyset(&block) == -1 ||
	    sigaddset(&block, SIGTERM) == -1 || sigaddset(&block, SIGINT) == -1)
		return -1;
	if (sigprocmask(SIG_BLOCK, &block, wait) == -1)
		return -1;
	if (sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1)
		return -1;
	if (sigdelset(wait, SIGTERM) == -1 || sigdelset(wait, SIGINT) == -1)
		return -1;
	return 0;
}

#endif /* FORKD_TEST_STOP_SIGNALS_H */
