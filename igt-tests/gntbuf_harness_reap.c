// SPDX-License-Identifier: MIT
/*
 * gntbuf_harness_reap: the harness closes what a subtest that failed or
 * skipped left open (gntbuf_test_reap.c), and only that.  Its subtests fail
 * and skip on purpose; built for the host test igt-harness-reap, never
 * installed.
 */
#include "igt.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include "gntbuf_test.h"

IGT_TEST_DESCRIPTION("Subtests that leave fds open and fail or skip on "
		     "purpose, to check that the harness closes them");

static int open_null(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	igt_assert_f(fd >= 0, "open /dev/null: %s\n", strerror(errno));
	return fd;
}

/*
 * Open fds of /dev/null: libigt keeps pipes of its own open after a
 * failure (its backtrace's), which a count of all fds would take in.
 */
static int count_dev_null(void)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	igt_assert(dir);
	while ((e = readdir(dir))) {
		char link[300], target[64];
		ssize_t len;

		snprintf(link, sizeof(link), "/proc/self/fd/%s", e->d_name);
		len = readlink(link, target, sizeof(target) - 1);
		if (len > 0) {
			target[len] = '\0';
			n += !strcmp(target, "/dev/null");
		}
	}
	closedir(dir);
	return n;
}

igt_main
{
	static int baseline = -1, kept = -1;

	igt_fixture
		baseline = count_dev_null();

	igt_describe("Opens two fds and fails on purpose before closing them.");
	igt_subtest("fail-leaving-fds") {
		open_null();
		open_null();
		igt_assert_f(getpid() < 0, "failing on purpose, 2 fds open\n");
	}

	igt_describe("Opens an fd and skips on purpose before closing it.");
	igt_subtest("skip-leaving-fd") {
		open_null();
		igt_require_f(false, "skipping on purpose, 1 fd open\n");
	}

	igt_describe("Opens an fd and succeeds: the fd is its to keep.");
	igt_subtest("pass-keeping-fd")
		kept = open_null();

	igt_describe("Of the fds of /dev/null, only those open before and "
		     "the one pass-keeping-fd kept are open.");
	igt_subtest("nothing-left") {
		igt_assert_eq(count_dev_null(), baseline + 1);
		igt_assert_eq(fcntl(kept, F_GETFD) >= 0, true);
	}
}
