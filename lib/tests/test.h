/* SPDX-License-Identifier: MIT */
/*
 * The host tests' few checking macros. A failed check prints where and
 * what, the case it belongs to, and the test goes on; test_done() gives the
 * exit status (0, or 1 after any failure; 77 is meson's skip).
 */
#ifndef GNTBUF_LIB_TEST_H
#define GNTBUF_LIB_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

static const char *test_case = "";
static unsigned long test_checks, test_failures;

#define TEST_CASE(name) do { \
	test_case = (name); \
	printf("# %s\n", test_case); \
} while (0)

static inline void test_fail(const char *file, int line, const char *what)
{
	test_failures++;
	if (test_failures <= 50)
		fprintf(stderr, "%s:%d: [%s] check failed: %s\n", file, line,
			test_case, what);
}

#define CHECK(expr) do { \
	test_checks++; \
	if (!(expr)) \
		test_fail(__FILE__, __LINE__, #expr); \
} while (0)

#define CHECK_EQ(a, b) do { \
	int64_t check_a_ = (int64_t)(a), check_b_ = (int64_t)(b); \
	test_checks++; \
	if (check_a_ != check_b_) { \
		char check_msg_[512]; \
		snprintf(check_msg_, sizeof(check_msg_), \
			 "%s == %s (%" PRId64 " != %" PRId64 ")", \
			 #a, #b, check_a_, check_b_); \
		test_fail(__FILE__, __LINE__, check_msg_); \
	} \
} while (0)

static inline int test_done(void)
{
	printf("%lu checks, %lu failed\n", test_checks, test_failures);
	return test_failures ? 1 : 0;
}

#endif /* GNTBUF_LIB_TEST_H */
