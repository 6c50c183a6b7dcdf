/*
 * harness.h: the bookkeeping of the self-checking C tests.
 *
 * Each check is counted as passed, failed or skipped, and most print one
 * line: "PASS name", or "FAIL name: why".  check_summary() prints the
 * closing "N passed, M failed" (", K skipped" when something was skipped)
 * that scripts/check and the integration tests read, and returns the
 * exit status: 1 when a check failed, else 0.
 *
 * The including file defines _POSIX_C_SOURCE (200809L) before any
 * system header, as every program here does.
 */
#ifndef CTESTS_HARNESS_H
#define CTESTS_HARNESS_H

#include <stdarg.h>
#include <stdio.h>

#include "timing.h"

static int checks_passed, checks_failed, checks_skipped;

/* a check that held: "PASS name", or only counted when NAME is NULL */
static inline void check_pass(const char *name)
{
	checks_passed++;
	if (name != NULL)
		printf("PASS %s\n", name);
}

/* a check that did not hold: "FAIL " and the formatted reason */
static inline void check_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static inline void check_fail(const char *fmt, ...)
{
	va_list ap;

	checks_failed++;
	printf("FAIL ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* COUNT checks that could not run: "SKIP " and the formatted reason */
static inline void check_skip(int count, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static inline void check_skip(int count, const char *fmt, ...)
{
	va_list ap;

	checks_skipped += count;
	printf("SKIP ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* WHAT (the source text of the call) returned GOT; NAME passes when it is WANT */
static inline void check_code(const char *name, int got, int want, const char *what)
{
	if (got == want)
		check_pass(name);
	else
		check_fail("%s: %s returned %d, expected %d", name, what, got, want);
}

/* CHECK(name, expr, want): EXPR's value (an error code, a count) must be WANT */
#define CHECK(name, expr, want) check_code(name, (int)(expr), (int)(want), #expr)

/* CHECK under the name PREFIX_SUFFIX: one set of checks run under several prefixes */
static inline void check_prefixed(const char *prefix, const char *suffix, int got, int want,
				  const char *what)
{
	char name[160];

	snprintf(name, sizeof(name), "%s_%s", prefix, suffix);
	check_code(name, got, want, what);
}

#define CHECK_PREFIXED(prefix, suffix, expr, want) \
	check_prefixed(prefix, suffix, (int)(expr), (int)(want), #expr)

/* NAME passes when OK is true; WHAT says what went wrong otherwise */
static inline void check_true(const char *name, int ok, const char *what)
{
	if (ok)
		check_pass(name);
	else
		check_fail("%s: %s", name, what);
}

/*
 * EXPECT(what, got, want): a check that prints nothing when it holds,
 * and names its source line when it does not.
 */
static inline void expect_code(const char *what, int got, int want, int line)
{
	if (got == want)
		check_pass(NULL);
	else
		check_fail("%s: got %d, expected %d (line %d)", what, got, want, line);
}

#define EXPECT(what, got, want) expect_code(what, (int)(got), (int)(want), __LINE__)

/* prints "N passed, M failed" (", K skipped"); returns the exit status */
static inline int check_summary(void)
{
	printf("%d passed, %d failed", checks_passed, checks_failed);
	if (checks_skipped)
		printf(", %d skipped", checks_skipped);
	printf("\n");
	return checks_failed ? 1 : 0;
}

#endif /* CTESTS_HARNESS_H */
