/*
 * libFuzzer target: "[HOST]:PORT" splitting (listener_split) and port
 * numbers (listener_port), on a NUL-terminated copy of the input.  A
 * success must give a NUL-terminated host and port that fit their
 * buffers; an error must come with a reason.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "forkd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char host[256], port[64], *s;
	const char *why = NULL;
	int n;

	if ((s = malloc(size + 1)) == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	if (listener_split(s, host, sizeof(host), port, sizeof(port),
	    &why) == 0) {
		if (memchr(host, '\0', sizeof(host)) == NULL ||
		    memchr(port, '\0', sizeof(port)) == NULL)
			abort();
		why = NULL;
		if (listener_port(port, &n, &why) == 0 && (n < 0 || n > 65535))
			abort();
	} else if (why == NULL)
		abort();
	why = NULL;
	if (listener_port(s, &n, &why) == 0) {
		if (n < 0 || n > 65535)
			abort();
	} else if (why == NULL)
		abort();
	free(s);
	return 0;
}
