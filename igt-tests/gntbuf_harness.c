// SPDX-License-Identifier: MIT
/*
 * gntbuf_harness: the IGT harness checks itself.  Its subtests pass, skip
 * and fail on purpose, so that a host test can prove that each of IGT's exit
 * statuses (0, 77, 98) travels unchanged out of the Xen rig to meson.  It is
 * built, never run as a test of gntbuf itself.
 */
#include "igt.h"

IGT_TEST_DESCRIPTION("Subtests that pass, skip and fail on purpose, to "
		     "check how the rig reports IGT's exit statuses");

igt_main
{
	igt_describe("Always succeeds.");
	igt_subtest("always-pass")
		igt_assert_eq(1 + 1, 2);

	igt_describe("Always skips, as a test whose requirement is unmet.");
	igt_subtest("always-skip")
		igt_require_f(false, "skipping on purpose\n");

	igt_describe("Always fails, as a test whose assertion does not hold.");
	igt_subtest("always-fail")
		igt_assert_f(getpid() < 0, "failing on purpose\n");
}
