// SPDX-License-Identifier: MIT
/*
 * Fault injection for the tests: fail-nth (Documentation/fault-injection/
 * fault-injection.rst), on a kernel with FAULT_INJECTION_DEBUG_FS, FAILSLAB
 * and FAIL_PAGE_ALLOC (the rig's debug kernel).  Writing N to
 * /proc/self/task/<tid>/fail-nth makes the N-th fault point this task
 * reaches fail; reading it back gives 0 once that happened, else what is
 * left.
 */
#include "igt.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/syscall.h>

#include "gntbuf_test.h"

#define FAULT_DEBUGFS "/sys/kernel/debug"

static void debugfs_set(const char *file, const char *value)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), FAULT_DEBUGFS "/%s", file);
	fd = open(path, O_WRONLY);
	igt_require_f(fd >= 0, "%s: %s\n", path, strerror(errno));
	igt_assert_eq(write(fd, value, strlen(value)), (ssize_t)strlen(value));
	close(fd);
}

int gntbuf_fail_nth_open(void)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%ld/fail-nth",
		 (long)syscall(SYS_gettid));
	fd = open(path, O_RDWR);
	igt_require_f(fd >= 0, "no fail-nth (a kernel without "
		      "FAULT_INJECTION_DEBUG_FS)\n");
	if (access(FAULT_DEBUGFS "/failslab", F_OK))
		mount("debugfs", FAULT_DEBUGFS, "debugfs", 0, NULL);
	/*
	 * GFP_KERNEL allocations too: by default both skip allocations that
	 * may sleep, which are nearly all of the module's.
	 */
	debugfs_set("failslab/ignore-gfp-wait", "N");
	debugfs_set("fail_page_alloc/ignore-gfp-wait", "N");
	debugfs_set("fail_page_alloc/ignore-gfp-highmem", "N");
	/* One line per injected fault, with its stack, in the kernel log. */
	debugfs_set("failslab/verbose", "1");
	debugfs_set("fail_page_alloc/verbose", "1");
	return fd;
}

void gntbuf_fail_nth_set(int fd, unsigned int n)
{
	char value[16];
	int len = snprintf(value, sizeof(value), "%u", n);

	igt_assert_eq(pwrite(fd, value, len, 0), len);
}

bool gntbuf_fail_nth_injected(int fd)
{
	char value[16] = "";

	igt_assert_lt(0, pread(fd, value, sizeof(value) - 1, 0));
	/* Whatever is left is dropped, so that no later call fails. */
	igt_assert_eq(pwrite(fd, "0", 1, 0), 1);
	return atoi(value) == 0;
}
