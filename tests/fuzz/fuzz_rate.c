/*
 * limits_rate_parse(): the input is one -R or --max-rate value, cut at
 * its first NUL.  Checked against a second reading done here another
 * way (strtoull on digits-only parts): "N/SECONDS", digits only, N in
 * 1..1000000 and SECONDS in 1..86400 is taken with those values, and
 * anything else is refused with a reason and *out untouched.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "forkd_limits.h"
#include "fuzz.h"

#define DIGITS	"0123456789"

/* The number of the digits s[0..n), or ULLONG_MAX when too big for one. */
static unsigned long long
number(const char *s, size_t n)
{
	char buf[32];

	while (n > 1 && *s == '0') {	/* leading zeros change nothing */
		s++;
		n--;
	}
	if (n >= sizeof(buf))
		return ULLONG_MAX;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return strtoull(buf, NULL, 10);	/* ULLONG_MAX on overflow, too */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *spec = fuzz_string(data, size);
	struct rate r = { 12345, 54321 };	/* not a value it could set */
	const char *why = NULL;
	unsigned long long n = 0, secs = 0;
	size_t a, b;
	int valid;

	/* The other reading: digits, '/', digits, the end. */
	a = strspn(spec, DIGITS);
	b = spec[a] == '/' ? strspn(spec + a + 1, DIGITS) : 0;
	valid = a > 0 && b > 0 && spec[a + 1 + b] == '\0';
	if (valid) {
		n = number(spec, a);
		secs = number(spec + a + 1, b);
		valid = n >= 1 && n <= LIMITS_RATE_MAX_N && secs >= 1 &&
		    secs <= LIMITS_RATE_MAX_SECS;
	}

	if (limits_rate_parse(spec, &r, &why) == 0) {
		FUZZ_CHECK(valid);
		FUZZ_CHECK(r.n == n && r.secs == secs);
	} else {
		FUZZ_CHECK(!valid);
		FUZZ_CHECK(why != NULL && why[0] != '\0');
		FUZZ_CHECK(r.n == 12345 && r.secs == 54321);
	}
	/* why may be NULL: the caller does not want the reason. */
	FUZZ_CHECK(limits_rate_parse(spec, &r, NULL) == (valid ? 0 : -1));
	free(spec);
	return 0;
}
