/*
 * tests/fuzz: what the libFuzzer targets share.  A target does more than
 * survive its parser: it checks the promises the parser's comment makes
 * (a broken one aborts, which libFuzzer reports as a crash with the
 * input), and it hands the parser heap copies of exactly the input's
 * size, so that ASan sees a read one byte past the end.
 */
#ifndef FORKD_FUZZ_H
#define FORKD_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* A broken promise: say which, and crash so that libFuzzer keeps the input. */
#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: promise broken: %s\n",		\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

/* n bytes of d in a heap buffer of exactly n bytes (1 when n is 0). */
static inline void *
fuzz_dup(const void *d, size_t n)
{
	void *p = malloc(n > 0 ? n : 1);

	FUZZ_CHECK(p != NULL);
	memcpy(p, d, n);
	return p;
}

/*
 * The input as a C string up to its first NUL (as a command-line word
 * would be cut), in a buffer that ends right after that NUL.
 */
static inline char *
fuzz_string(const uint8_t *d, size_t n)
{
	size_t len = strnlen((const char *)d, n);
	char *s = malloc(len + 1);

	FUZZ_CHECK(s != NULL);
	memcpy(s, d, len);
	s[len] = '\0';
	return s;
}

#endif /* FORKD_FUZZ_H */
