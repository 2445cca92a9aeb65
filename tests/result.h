/*
 * result.h: the unit tests' one-line-per-case reporting, shared by
 * test_tok.c and test_defl.c.  Each prints "ok - name" or "FAIL - name:
 * detail" per case; the caller prints "npass passed, nfail failed" last.
 * Static functions: each test program gets its own counters.
 */
#ifndef TEST_RESULT_H
#define TEST_RESULT_H

#include <stdarg.h>
#include <stdio.h>

static int	 npass, nfail;

static void	 result(const char *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/* Records one case: detail NULL is a pass, else a printf-style reason. */
static void
result(const char *name, const char *fmt, ...)
{
	va_list	 ap;

	if (fmt == NULL) {
		printf("ok - %s\n", name);
		npass++;
		return;
	}
	printf("FAIL - %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	nfail++;
}

/* Records one case from a fixed reason: NULL is a pass. */
static void
verdict(const char *name, const char *why)
{
	if (why == NULL)
		result(name, NULL);
	else
		result(name, "%s", why);
}

#endif /* TEST_RESULT_H */
