// SPDX-License-Identifier: MIT
/*
 * gntbuf_badinput_ids.c: bad input to the calls that name a buffer by id
 * or fd (WAIT_RELEASED, IMPORT_RELEASE, SYNC_RANGE), and a process killed
 * while holding buffers of every kind (see gntbuf_badinput.c).
 */
#include "igt.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <linux/dma-buf.h>
#include <xf86drm.h>

#include "gntbuf_badinput.h"

/* ---- WAIT_RELEASED ---- */

void test_wait_unknown(void)
{
	igt_assert_eq(__gntbuf_wait_released(dev, 0xdead0000beefull, 0),
		      -ENOENT);
	igt_assert_eq(__gntbuf_wait_released(dev, ~0ull, 100), -ENOENT);
}

void test_wait_stale(void)
{
	uint64_t id;

	close(live_export(dev, &id));
	gntbuf_wait_released(dev, id, 5000);
	igt_assert_eq(__gntbuf_wait_released(dev, id, 0), -ENOENT);
	igt_assert_eq(__gntbuf_wait_released(dev, id, 100), -ENOENT);
}

void test_wait_other_file(void)
{
	int other = gntbuf_open();
	uint64_t id;
	int fd = live_export(other, &id);

	igt_assert_eq(__gntbuf_wait_released(dev, id, 0), -ENOENT);
	close(fd);
	gntbuf_wait_released(other, id, 5000);
	close(other);
}

void test_wait_pad(void)
{
	struct gntbuf_wait_released w = { .timeout_ms = 0, .pad = 1 };
	uint64_t id;
	int fd = live_export(dev, &id);

	w.buffer_id = id;
	expect_ioctl(GNTBUF_IOCTL_WAIT_RELEASED, &w, EINVAL);
	close(fd);
	gntbuf_wait_released(dev, id, 5000);
}

static void on_alarm(int sig)
{
}

void test_wait_interrupted(void)
{
	struct sigaction sa = { .sa_handler = on_alarm }, old;
	struct gntbuf_wait_released w = { .timeout_ms = 10000 };
	struct timespec start;
	uint64_t id;
	void *map;
	int fd, ret;

	fd = live_export(dev, &id);
	map = gntbuf_dmabuf_mmap(fd, BYTES, PROT_READ);
	close(fd);
	w.buffer_id = id;
	/* No SA_RESTART: the wait must come back with EINTR. */
	sigaction(SIGALRM, &sa, &old);
	alarm(1);
	igt_gettime(&start);
	ret = ioctl(dev, GNTBUF_IOCTL_WAIT_RELEASED, &w);
	igt_assert_eq(ret, -1);
	igt_assert_eq(errno, EINTR);
	igt_assert_lt(igt_nsec_elapsed(&start) / 1000000, 5000);
	sigaction(SIGALRM, &old, NULL);
	/* The id is still known: the wait can be retried. */
	igt_assert_eq(__gntbuf_wait_released(dev, id, 0), -ETIMEDOUT);
	munmap(map, BYTES);
	gntbuf_wait_released(dev, id, 5000);
}


/* ---- IMPORT_RELEASE ---- */

static uint64_t live_import(int fd, int vgem, int *prime)
{
	uint32_t refs[PAGES];

	*prime = vgem_dmabuf(vgem, PAGES);
	return gntbuf_import(fd, *prime, GNTBUF_SELF, PAGES, 0, refs);
}

void test_release_unknown(void)
{
	igt_assert_eq(__gntbuf_import_release(dev, 0xdead0000beefull),
		      -ENOENT);
}

void test_release_twice(void)
{
	int vgem = gntbuf_test_open_vgem(), prime;
	uint64_t id = live_import(dev, vgem, &prime);

	gntbuf_import_release(dev, id);
	igt_assert_eq(__gntbuf_import_release(dev, id), -ENOENT);
	gntbuf_wait_released(dev, id, 5000);
	igt_assert_eq(__gntbuf_import_release(dev, id), -ENOENT);
	close(prime);
	close(vgem);
}

void test_release_flags_pad(void)
{
	struct gntbuf_import_release r = { 0 };
	int vgem = gntbuf_test_open_vgem(), prime;
	uint64_t id = live_import(dev, vgem, &prime);

	r.buffer_id = id;
	r.flags = 1;
	expect_ioctl(GNTBUF_IOCTL_IMPORT_RELEASE, &r, EINVAL);
	r.flags = 0;
	r.pad = 1;
	expect_ioctl(GNTBUF_IOCTL_IMPORT_RELEASE, &r, EINVAL);
	gntbuf_import_release(dev, id);
	gntbuf_wait_released(dev, id, 5000);
	close(prime);
	close(vgem);
}

void test_release_export_id(void)
{
	uint64_t id;
	int fd = live_export(dev, &id);

	/* An id of this file that is no import. */
	igt_assert_eq(__gntbuf_import_release(dev, id), -EINVAL);
	close(fd);
	gntbuf_wait_released(dev, id, 5000);
}

void test_release_other_file(void)
{
	int vgem = gntbuf_test_open_vgem(), prime;
	int other = gntbuf_open();
	uint64_t id = live_import(other, vgem, &prime);

	igt_assert_eq(__gntbuf_import_release(dev, id), -ENOENT);
	gntbuf_import_release(other, id);
	close(other);
	close(prime);
	close(vgem);
}


/* ---- SYNC_RANGE ---- */

static void expect_sync(uint64_t id, int fd, uint32_t flags,
			uint64_t offset, uint64_t length, int err)
{
	struct gntbuf_sync_range s = {
		.buffer_id = id, .fd = fd, .flags = flags,
		.offset = offset, .length = length,
	};
	uint64_t before;
	struct gntbuf_stats st;

	gntbuf_stats(dev, &st);
	before = st.flushed_bytes_range;
	expect_ioctl(GNTBUF_IOCTL_SYNC_RANGE, &s, err);
	gntbuf_stats(dev, &st);
	igt_assert_eq_u64(st.flushed_bytes_range, before);
}

void with_export(void (*fn)(int fd, uint64_t id))
{
	uint64_t id;
	int fd = live_export(dev, &id);

	fn(fd, id);
	close(fd);
	gntbuf_wait_released(dev, id, 5000);
}

void sync_no_direction(int fd, uint64_t id)
{
	expect_sync(id, 0, 0, 0, 4096, EINVAL);
	expect_sync(0, fd, GNTBUF_SYNC_BY_FD, 0, 4096, EINVAL);
}

void sync_unknown_flags(int fd, uint64_t id)
{
	expect_sync(id, 0, GNTBUF_SYNC_BOTH | 1u << 4, 0, 4096, EINVAL);
	expect_sync(id, 0, GNTBUF_SYNC_BOTH | 1u << 31, 0, 4096, EINVAL);
	/* ANY_DMABUF names a dma-buf by its fd: not with an id. */
	expect_sync(id, 0, GNTBUF_SYNC_BOTH | GNTBUF_SYNC_ANY_DMABUF, 0, 4096,
		    EINVAL);
}

void sync_past_end(int fd, uint64_t id)
{
	expect_sync(id, 0, GNTBUF_SYNC_BOTH, BYTES - 1, 2, EINVAL);
	expect_sync(id, 0, GNTBUF_SYNC_BOTH, 0, BYTES + 1, EINVAL);
	expect_sync(id, 0, GNTBUF_SYNC_BOTH, BYTES + 1, 0, EINVAL);
	expect_sync(0, fd, GNTBUF_SYNC_BOTH | GNTBUF_SYNC_BY_FD, BYTES, 1,
		    EINVAL);
}

void sync_overflow(int fd, uint64_t id)
{
	/* offset + length wraps around 2^64. */
	expect_sync(id, 0, GNTBUF_SYNC_BOTH, 4096, ~0ull, EINVAL);
	expect_sync(id, 0, GNTBUF_SYNC_BOTH, ~0ull, 2, EINVAL);
}

void sync_both_names(int fd, uint64_t id)
{
	/* By fd with an id too, by id with an fd too: ambiguous. */
	expect_sync(id, fd, GNTBUF_SYNC_BOTH | GNTBUF_SYNC_BY_FD, 0, 4096,
		    EINVAL);
	expect_sync(id, fd, GNTBUF_SYNC_BOTH, 0, 4096, EINVAL);
}

void test_sync_unknown_id(void)
{
	expect_sync(0xdead0000beefull, 0, GNTBUF_SYNC_BOTH, 0, 1, ENOENT);
}

void test_sync_released_id(void)
{
	uint64_t id;

	close(live_export(dev, &id));
	gntbuf_wait_released(dev, id, 5000);
	expect_sync(id, 0, GNTBUF_SYNC_BOTH, 0, 1, ENOENT);
}

void test_sync_other_file(void)
{
	int other = gntbuf_open();
	uint64_t id;
	int fd = live_export(other, &id);

	expect_sync(id, 0, GNTBUF_SYNC_BOTH, 0, 1, ENOENT);
	close(fd);
	close(other);
}

void test_sync_import_id(void)
{
	int vgem = gntbuf_test_open_vgem(), prime;
	uint64_t id = live_import(dev, vgem, &prime);

	/* Past the end of the import, or wrapping around: EINVAL. */
	expect_sync(id, 0, GNTBUF_SYNC_BOTH, PAGES * GNTBUF_TEST_PAGE_SIZE, 1,
		    EINVAL);
	expect_sync(id, 0, GNTBUF_SYNC_BOTH, 1, UINT64_MAX, EINVAL);
	/* Once IMPORT_RELEASE ended it, its id names nothing to sync. */
	gntbuf_import_release(dev, id);
	expect_sync(id, 0, GNTBUF_SYNC_BOTH, 0, 1, ENOENT);
	gntbuf_wait_released(dev, id, 5000);
	close(prime);
	close(vgem);
}

void test_sync_fd_not_gntbuf(void)
{
	int vgem = gntbuf_test_open_vgem();
	int prime = vgem_dmabuf(vgem, PAGES);
	int null = open("/dev/null", O_RDWR);

	expect_sync(0, prime, GNTBUF_SYNC_BOTH | GNTBUF_SYNC_BY_FD, 0, 1,
		    EINVAL);
	expect_sync(0, null, GNTBUF_SYNC_BOTH | GNTBUF_SYNC_BY_FD, 0, 1,
		    EINVAL);
	close(null);
	close(prime);
	close(vgem);
}

void test_sync_fd_closed(void)
{
	uint64_t id;
	int fd = live_export(dev, &id);

	close(fd);
	gntbuf_wait_released(dev, id, 5000);
	expect_sync(0, fd, GNTBUF_SYNC_BOTH | GNTBUF_SYNC_BY_FD, 0, 1, EBADF);
	expect_sync(0, -1, GNTBUF_SYNC_BOTH | GNTBUF_SYNC_BY_FD, 0, 1, EBADF);
}


/* ---- a process killed with buffers of every kind ---- */

void test_killed(void)
{
	int ready[2], status;
	pid_t pid;
	char c;

	begin();
	igt_assert_eq(pipe(ready), 0);
	pid = fork();
	igt_assert(pid >= 0);
	if (pid == 0) {
		uint32_t refs[PAGES];
		void *map;
		int fd, vgem, prime;

		/* The good grants' domain: their granter and the grantee. */
		close(ready[0]);
		fd = gntbuf_open();
		map = gntbuf_dmabuf_mmap(gntbuf_export(fd, good.domid, good.refs,
						       PAGES, 0, NULL),
					 BYTES, PROT_READ);
		(void)map;
		gntbuf_alloc(fd, good.domid, PAGES, 0, refs, NULL);
		vgem = gntbuf_test_open_vgem();
		prime = vgem_dmabuf(vgem, PAGES);
		gntbuf_import(fd, prime, good.domid, PAGES, 0, refs);
		igt_assert_eq(write(ready[1], "r", 1), 1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	igt_assert_eq(read(ready[0], &c, 1), 1);
	close(ready[0]);
	{
		struct gntbuf_stats s;

		gntbuf_stats(dev, &s);
		gntbuf_stats_print("child holds one of each", &s);
		igt_assert_eq_u32(s.live_buffers, baseline.live_buffers + 3);
	}
	igt_assert_eq(kill(pid, SIGKILL), 0);
	igt_assert_eq(waitpid(pid, &status, 0), pid);
	igt_assert(WIFSIGNALED(status));
	gntbuf_assert_back_to(dev, &baseline, 3000);
}
