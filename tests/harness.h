/*
 * The unit-test harness: header only, no dependencies.
 *
 *   TEST(journal_reopens) { ... CHECK(x == 1); CHECK_EQ_INT(a, b); CHECK_EQ_STR(s, "x"); }
 *   int main(void) { RUN(journal_reopens); return harness_done(); }
 *
 * Each test prints "PASS: <file>:<test>" or "FAIL: <file>:<test>: <where and why>", which
 * tests/run.sh counts. A failed CHECK returns from the test at once, so a test should keep
 * its resources where the next CHECK's early return cannot leak them under ASan: either
 * free them in a fixture (harness_defer) or check only after cleanup.
 */
#ifndef KIUM_TESTS_HARNESS_H
#define KIUM_TESTS_HARNESS_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int harness_failed_now;
static int harness_failures;
static int harness_passes;
static const char *harness_test_name;

#define HARNESS_MAX_DEFER 32
static void (*harness_defer_fn[HARNESS_MAX_DEFER])(void *);
static void *harness_defer_arg[HARNESS_MAX_DEFER];
static int harness_defer_n;

/* Runs fn(arg) when the current test ends, pass or fail (LIFO). */
static inline void harness_defer(void (*fn)(void *), void *arg)
{
	if (harness_defer_n < HARNESS_MAX_DEFER) {
		harness_defer_fn[harness_defer_n] = fn;
		harness_defer_arg[harness_defer_n] = arg;
		harness_defer_n++;
	}
}

static inline void harness_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#include <stdarg.h>
static inline void harness_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	printf("FAIL: %s:%s: %s:%d: ", __BASE_FILE__, harness_test_name, file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	harness_failed_now = 1;
}

static inline void harness_run(const char *name, void (*fn)(void))
{
	harness_test_name = name;
	harness_failed_now = 0;
	harness_defer_n = 0;
	fn();
	while (harness_defer_n > 0) {
		harness_defer_n--;
		harness_defer_fn[harness_defer_n](harness_defer_arg[harness_defer_n]);
	}
	if (harness_failed_now) {
		harness_failures++;
	} else {
		harness_passes++;
		printf("PASS: %s:%s\n", __BASE_FILE__, name);
	}
	fflush(stdout);
}

static inline int harness_done(void)
{
	fprintf(stderr, "%d passed, %d failed\n", harness_passes, harness_failures);
	return harness_failures ? 1 : 0;
}

#define TEST(name) static void name(void)
#define RUN(name) harness_run(#name, name)

#define CHECK(cond) \
	do { \
		if (!(cond)) { \
			harness_fail(__FILE__, __LINE__, "CHECK(%s)", #cond); \
			return; \
		} \
	} while (0)

#define CHECK_MSG(cond, ...) \
	do { \
		if (!(cond)) { \
			harness_fail(__FILE__, __LINE__, __VA_ARGS__); \
			return; \
		} \
	} while (0)

#define CHECK_EQ_INT(a, b) \
	do { \
		long long ha_ = (long long)(a), hb_ = (long long)(b); \
		if (ha_ != hb_) { \
			harness_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, ha_, hb_); \
			return; \
		} \
	} while (0)

#define CHECK_EQ_STR(a, b) \
	do { \
		const char *ha_ = (a), *hb_ = (b); \
		if (!ha_ || !hb_ || strcmp(ha_, hb_) != 0) { \
			harness_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, #b, \
				ha_ ? ha_ : "(null)", hb_ ? hb_ : "(null)"); \
			return; \
		} \
	} while (0)

#endif
