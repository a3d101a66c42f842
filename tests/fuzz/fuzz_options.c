/*
 * options_parse(): the input is a command line, its words separated by
 * NUL bytes ("-l\0:7000\0-b\0echo\0"), after argv[0] "forkd".  The
 * parser is pure (no output, no exit, nothing allocated), so a run must
 * leave nothing behind; it resets getopt itself, so a second call on the
 * same words must give the very same answer; and a command line it
 * accepts must meet what check() and each option promise.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forkd.h"
#include "fuzz.h"

#define MAXARGS	64	/* words taken from one input; the rest ignored */

/* Whether p points into a word of argv ("-l:7" gives ":7", its end). */
static int
in_argv(char **argv, int argc, const char *p)
{
	int i;

	for (i = 1; i < argc; i++)
		if (p >= argv[i] && p <= argv[i] + strlen(argv[i]))
			return 1;
	return 0;
}

/* What an accepted command line must look like. */
static void
check_run(const struct config *cfg, char **argv, int argc)
{
	char host[256], port[64];
	const char *why;
	size_t i;

	FUZZ_CHECK((cfg->builtin == NULL) != (cfg->program == NULL));
	if (cfg->builtin != NULL)
		FUZZ_CHECK(service_find(cfg->builtin) != NULL);
	if (cfg->program != NULL) {
		FUZZ_CHECK(cfg->program > argv && cfg->program < argv + argc);
		FUZZ_CHECK(argv[argc] == NULL);
	}
	FUZZ_CHECK(cfg->nlisten <= FORKD_MAX_LISTEN);
	for (i = 0; i < cfg->nlisten; i++) {
		FUZZ_CHECK(in_argv(argv, argc, cfg->listen[i]));
		FUZZ_CHECK(listener_split(cfg->listen[i], host, sizeof(host),
		    port, sizeof(port), &why) == 0);
	}
	FUZZ_CHECK(cfg->max_children >= 1 && cfg->max_children <= 65535);
	FUZZ_CHECK(cfg->backlog >= 0 && cfg->backlog <= 65535);
	FUZZ_CHECK(cfg->grace >= 0 && cfg->grace <= 3600);
	FUZZ_CHECK(cfg->per_ip <= 65535);
	FUZZ_CHECK(cfg->v4prefix >= 0 && cfg->v4prefix <= 32);
	FUZZ_CHECK(cfg->v6prefix >= 0 && cfg->v6prefix <= 128);
	FUZZ_CHECK(cfg->rate.n == 0 || (cfg->rate.n <= LIMITS_RATE_MAX_N &&
	    cfg->rate.secs >= 1 && cfg->rate.secs <= LIMITS_RATE_MAX_SECS));
	FUZZ_CHECK(cfg->max_rate.n == 0 ||
	    (cfg->max_rate.n <= LIMITS_RATE_MAX_N &&
	    cfg->max_rate.secs >= 1 &&
	    cfg->max_rate.secs <= LIMITS_RATE_MAX_SECS));
	FUZZ_CHECK(cfg->timeout >= 0 && cfg->timeout <= 604800);
	FUZZ_CHECK(cfg->kill_after >= 0 && cfg->kill_after <= 3600);
	FUZZ_CHECK(cfg->idle_timeout == 0 || cfg->builtin != NULL);
	FUZZ_CHECK(cfg->proxy_timeout >= 1 && cfg->proxy_timeout <= 3600);
	FUZZ_CHECK(cfg->refuse_len <= sizeof(cfg->refuse_msg));
	FUZZ_CHECK(!(cfg->daemonize && cfg->log_target == LOG_TO_STDERR));
	FUZZ_CHECK(cfg->chroot == NULL || cfg->chroot[0] == '/');
	FUZZ_CHECK(cfg->pidfile == NULL || cfg->pidfile[0] != '\0');
	FUZZ_CHECK(cfg->access == NULL || cfg->access[0] != '\0');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAXARGS + 2], err[512], err2[512];
	struct config cfg, cfg2;
	enum options_result r;
	size_t at = 0, n;
	int argc = 0, i;

	/* Each word in a buffer of its own size: ASan sees a read past it. */
	argv[argc++] = fuzz_dup("forkd", sizeof("forkd"));
	while (at < size && argc <= MAXARGS) {
		n = strnlen((const char *)data + at, size - at);
		argv[argc++] = fuzz_string(data + at, n);
		at += n + 1;	/* past the NUL, or past the end */
	}
	argv[argc] = NULL;

	r = options_parse(argc, argv, &cfg, err, sizeof(err));
	FUZZ_CHECK(r == OPTIONS_RUN || r == OPTIONS_HELP ||
	    r == OPTIONS_VERSION || r == OPTIONS_ERROR);
	FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL);
	FUZZ_CHECK((r == OPTIONS_ERROR) == (err[0] != '\0'));
	if (r == OPTIONS_RUN)
		check_run(&cfg, argv, argc);

	/* Again, after getopt ran to wherever the first call left it. */
	FUZZ_CHECK(options_parse(argc, argv, &cfg2, err2, sizeof(err2)) == r);
	FUZZ_CHECK(strcmp(err, err2) == 0);
	if (r == OPTIONS_RUN)
		FUZZ_CHECK(memcmp(&cfg, &cfg2, sizeof(cfg)) == 0);

	for (i = 0; i < argc; i++)
		free(argv[i]);
	return 0;
}
