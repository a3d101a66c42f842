/*
 * libFuzzer target: the command line.  The input is split on NUL bytes
 * into words after argv[0] ("forkd"); options_parse() must return one of
 * its four results and, on an error, a message, without crashing,
 * leaking or reading past a word.  Each word is its own allocation, so
 * AddressSanitizer sees a read past its end.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "forkd.h"

#define FUZZ_MAX_WORDS	64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[FUZZ_MAX_WORDS + 2], err[512];
	struct config cfg;
	enum options_result r;
	size_t start = 0, i;
	int argc = 0;

	argv[argc++] = strdup("forkd");
	for (i = 0; i <= size && argc <= FUZZ_MAX_WORDS; i++) {
		if (i < size && data[i] != '\0')
			continue;
		argv[argc] = malloc(i - start + 1);
		if (argv[argc] == NULL)
			abort();
		memcpy(argv[argc], data + start, i - start);
		argv[argc][i - start] = '\0';
		argc++;
		start = i + 1;
	}
	argv[argc] = NULL;
	err[0] = '\0';
	r = options_parse(argc, argv, &cfg, err, sizeof(err));
	if (r == OPTIONS_ERROR && (err[0] == '\0' ||
	    memchr(err, '\0', sizeof(err)) == NULL))
		abort();	/* an error always says what was wrong */
	if (r != OPTIONS_RUN && r != OPTIONS_HELP && r != OPTIONS_VERSION &&
	    r != OPTIONS_ERROR)
		abort();
	for (i = 0; i < (size_t)argc; i++)
		free(argv[i]);
	return 0;
}
