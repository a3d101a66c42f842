/*
 * libFuzzer target: the hello built-in's request head
 * (service_hello_parse), on exactly the input's bytes: it must classify
 * any bytes as incomplete, GET, HEAD or bad, and a verdict reached on
 * the input less its last byte must be the whole input's too.
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
	enum hello_head whole, piece;
	char *copy;

	if ((copy = malloc(size > 0 ? size : 1)) == NULL)
		abort();
	memcpy(copy, data, size);
	whole = service_hello_parse(copy, size);
	if (whole != HELLO_INCOMPLETE && whole != HELLO_GET &&
	    whole != HELLO_HEAD && whole != HELLO_BAD)
		abort();
	/* The first piece's final verdict is the whole's: more bytes never
	 * turn a decided head into another answer. */
	if (size > 0) {
		piece = service_hello_parse(copy, size - 1);
		if (piece != HELLO_INCOMPLETE && piece != whole)
			abort();
	}
	free(copy);
	return 0;
}
