/*
 * service_hello_parse(): the input is what the hello built-in has read
 * of a request so far, in a heap buffer of exactly its size (no NUL
 * after it).  read_request_head() calls it again each time more bytes
 * come, so the answer for n - 1 bytes must decide the answer for n:
 * INCOMPLETE may become anything, every other answer stays.  It never
 * says IDLE (only the read does); GET and HEAD need a request line that
 * says so (after any blank lines) and no NUL byte before a blank line.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "forkd.h"
#include "fuzz.h"

/* Bytes of buf[0..n) before the first blank line ("\n\n", "\n\r\n"). */
static size_t
before_blank(const char *buf, size_t n)
{
	const char *a = memmem(buf, n, "\n\n", 2);
	const char *b = memmem(buf, n, "\n\r\n", 3);

	if (a == NULL || (b != NULL && b < a))
		a = b;
	return a == NULL ? n : (size_t)(a - buf);
}

/* Bytes of blank lines ("\n", "\r\n") at the start of buf[0..n). */
static size_t
leading_blanks(const char *buf, size_t n)
{
	size_t i = 0;

	for (;;) {
		if (i < n && buf[i] == '\n')
			i++;
		else if (i + 1 < n && buf[i] == '\r' && buf[i + 1] == '\n')
			i += 2;
		else
			return i;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = fuzz_dup(data, size), *less;
	enum hello_head h, hl;
	size_t at;

	h = service_hello_parse(buf, size);
	FUZZ_CHECK(h == HELLO_INCOMPLETE || h == HELLO_GET ||
	    h == HELLO_HEAD || h == HELLO_BAD);
	if (h == HELLO_GET || h == HELLO_HEAD) {
		FUZZ_CHECK(memchr(buf, '\0', before_blank(buf, size)) == NULL);
		at = leading_blanks(buf, size);
		FUZZ_CHECK((h == HELLO_HEAD) == (size - at >= 5 &&
		    memcmp(buf + at, "HEAD ", 5) == 0));
	}
	if (size > 0) {
		less = fuzz_dup(data, size - 1);
		hl = service_hello_parse(less, size - 1);
		FUZZ_CHECK(hl == HELLO_INCOMPLETE || hl == h);
		free(less);
	}
	free(buf);
	return 0;
}
