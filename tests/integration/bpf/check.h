/* The one-line verdicts of the BPF integration checks ("ok - ..." or
 * "FAIL - ..."), which bpf.sh counts; failures decides the exit status. */
#ifndef IM_TESTS_BPF_CHECK_H
#define IM_TESTS_BPF_CHECK_H

#include <stdarg.h>
#include <stdio.h>

static int failures;

static void check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", ok ? "ok" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		failures++;
}

#endif
