/*
 * libFuzzer target: the access rules file.  access_parse() gets the
 * input as the file's bytes (not NUL-terminated: a copy of exactly size
 * bytes, so a read past the end is caught); when it accepts them, a few
 * client addresses (v4, v6, v4-mapped, made from the input's first
 * bytes) are matched, and the rules freed.  A refusal must name
 * "fuzz:LINE:".
 */
#include "config.h"

#include <sys/socket.h>

#include <netinet/in.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "forkd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Fill n bytes of an address from the input, cycling over it. */
static void
address_bytes(const uint8_t *data, size_t size, size_t skip, uint8_t *out,
    size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = size > 0 ? data[(skip + i) % size] : 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct access_rules *rules;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	char err[512], *text;
	size_t i;

	if ((text = malloc(size > 0 ? size : 1)) == NULL)
		abort();
	memcpy(text, data, size);
	err[0] = '\0';
	rules = access_parse("fuzz", text, size, err, sizeof(err));
	if (rules == NULL) {
		if (strncmp(err, "fuzz", 4) != 0)
			abort();	/* every error names the file */
		free(text);
		return 0;
	}
	for (i = 0; i < 4; i++) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		address_bytes(data, size, i * 7, (uint8_t *)&sin.sin_addr, 4);
		(void)access_match(rules, (struct sockaddr *)&sin);
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		address_bytes(data, size, i * 11, sin6.sin6_addr.s6_addr, 16);
		if (i == 3) {	/* v4-mapped */
			memset(sin6.sin6_addr.s6_addr, 0, 10);
			sin6.sin6_addr.s6_addr[10] = 0xff;
			sin6.sin6_addr.s6_addr[11] = 0xff;
		}
		(void)access_match(rules, (struct sockaddr *)&sin6);
	}
	(void)access_count(rules);
	(void)access_sets(rules, "X", 1);
	access_free(rules);
	free(text);
	return 0;
}
