/*
 * listener_split() and listener_port(): the input is one -l spec,
 * "[HOST]:PORT", cut at its first NUL as a command-line word would be.
 * A split must give back the spec exactly (host and port put together
 * again with the brackets and the colon), fit buffers of exactly its
 * parts' sizes and refuse ones a byte smaller, as "too long" and not as
 * an overrun; a port that passes is 0..65535.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forkd.h"
#include "fuzz.h"

/* The same split into heap buffers of hostlen and portlen bytes. */
static int
split_into(const char *spec, size_t hostlen, size_t portlen,
    const char *host, const char *port, const char **why)
{
	char *h = malloc(hostlen > 0 ? hostlen : 1);
	char *p = malloc(portlen > 0 ? portlen : 1);
	int rc;

	FUZZ_CHECK(h != NULL && p != NULL);
	rc = listener_split(spec, h, hostlen, p, portlen, why);
	if (rc == 0)
		FUZZ_CHECK(strcmp(h, host) == 0 && strcmp(p, port) == 0);
	free(h);
	free(p);
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *spec = fuzz_string(data, size), *again;
	char host[256], port[64];	/* as check_listen() has them */
	const char *why = NULL;
	size_t hl, pl;
	int num = -1;

	if (listener_split(spec, host, sizeof(host), port, sizeof(port),
	    &why) == -1) {
		FUZZ_CHECK(why != NULL);
		free(spec);
		return 0;
	}
	hl = strlen(host);
	pl = strlen(port);
	FUZZ_CHECK(pl > 0 && strchr(port, ':') == NULL);

	/* Put together again: the very spec. */
	again = malloc(hl + pl + 4);
	FUZZ_CHECK(again != NULL);
	snprintf(again, hl + pl + 4, spec[0] == '[' ? "[%s]:%s" : "%s:%s",
	    host, port);
	FUZZ_CHECK(strcmp(again, spec) == 0);
	free(again);
	if (spec[0] == '[')
		FUZZ_CHECK(hl > 0 && strchr(host, ']') == NULL);
	else
		FUZZ_CHECK(strchr(host, ':') == NULL);

	/* Exactly big enough fits; a byte short is refused, by name. */
	FUZZ_CHECK(split_into(spec, hl + 1, pl + 1, host, port, &why) == 0);
	FUZZ_CHECK(split_into(spec, hl, pl + 1, host, port, &why) == -1);
	FUZZ_CHECK(strcmp(why, "host too long") == 0);
	FUZZ_CHECK(split_into(spec, hl + 1, pl, host, port, &why) == -1);
	FUZZ_CHECK(strcmp(why, "port too long") == 0);

	why = NULL;
	if (listener_port(port, &num, &why) == 0)
		FUZZ_CHECK(num >= 0 && num <= 65535);
	else
		FUZZ_CHECK(why != NULL);
	free(spec);
	return 0;
}
