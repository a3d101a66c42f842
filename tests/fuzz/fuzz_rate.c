/*
 * libFuzzer target: rate specs "N/SECONDS" (limits_rate_parse), on a
 * NUL-terminated copy of the input.  An accepted rate has N > 0; an
 * error has a reason.  Then the bucket arithmetic runs on it, from the
 * input's own clock values, which must never fault or divide by zero.
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
	struct rate rate;
	struct bucket b;
	const char *why = NULL;
	uint64_t now = 0;
	char *s;
	size_t i;

	if ((s = malloc(size + 1)) == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	memset(&rate, 0, sizeof(rate));
	if (limits_rate_parse(s, &rate, &why) == 0) {
		memset(&b, 0, sizeof(b));
		for (i = 0; i < size && i < 32; i++) {
			now += (uint64_t)data[i] * 1000003u;
			(void)bucket_take(&b, &rate, now);
			(void)bucket_wait(&b, &rate, now);
			(void)bucket_full(&b, &rate, now);
		}
	} else if (why == NULL)
		abort();
	free(s);
	return 0;
}
