/*
 * Shared by the fuzz targets and replay.c.  Each target defines
 * LLVMFuzzerTestOneInput(); libFuzzer calls it when built with
 * -fsanitize=fuzzer, replay.c calls it in the normal (gcc) build.
 * A target reports a broken invariant with fuzz_fail(), which prints
 * the reason and aborts, so both libFuzzer and replay see a crash.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The target's name, for replay's summary ("request", "token", ...). */
extern const char fuzz_target_name[];

#define fuzz_fail(...) do {						\
	fprintf(stderr, "%s:%d: invariant violated: ", __FILE__,	\
	    __LINE__);							\
	fprintf(stderr, __VA_ARGS__);					\
	fputc('\n', stderr);						\
	abort();							\
} while (0)

/* Aborts with the condition's text when cond is false. */
#define fuzz_assert(cond) do {						\
	if (!(cond))							\
		fuzz_fail("%s", #cond);					\
} while (0)

#endif /* FUZZ_H */
