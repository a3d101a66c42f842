/*
 * libFuzzer target: the PROXY protocol v1 and v2 header (proxy_parse),
 * on exactly the input's bytes, as forkd reads them with MSG_PEEK: every
 * prefix of a header is "incomplete", never an error, and a complete
 * header says how many bytes to consume.  A valid header is parsed
 * again one byte shorter, as a client sending it in pieces would
 * deliver it: that piece must not be refused.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proxy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Parse a copy of the first n bytes, so that a read past n is caught. */
static enum proxy_result
parse(const uint8_t *data, size_t n, struct proxy_header *h)
{
	const char *why = NULL;
	enum proxy_result r;
	uint8_t *copy;

	if ((copy = malloc(n > 0 ? n : 1)) == NULL)
		abort();
	memcpy(copy, data, n);
	memset(h, 0, sizeof(*h));
	r = proxy_parse(copy, n, h, &why);
	if (r == PROXY_BAD && why == NULL)
		abort();	/* a refusal always says why */
	free(copy);
	return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proxy_header h;
	enum proxy_result whole;

	whole = parse(data, size, &h);
	if (whole == PROXY_OK && h.version == 1 &&
	    (h.len == 0 || h.len > size))
		abort();	/* v1: the line is all there */
	/* A piece of a valid header is never refused. */
	if (size > 0 && whole == PROXY_OK &&
	    parse(data, size - 1, &h) == PROXY_BAD)
		abort();
	return 0;
}
