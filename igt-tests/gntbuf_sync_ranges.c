// SPDX-License-Identifier: MIT
/*
 * gntbuf_sync, the ranges: SYNC_RANGES (a display backend's damage
 * rectangle in one call), the ranges of an IMPORT and of another
 * exporter's dma-buf (SYNC_RANGE by fd), their bad input, and syncs
 * interrupted by signals (prime_mmap_coherency's ioctl-errors).
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/dma-buf.h>
#include <xf86drm.h>

#include "gntbuf_sync.h"
/* SYNC_RANGES by buffer id: 0 or -errno. */
static int sync_ranges(uint64_t id, uint32_t flags,
		       const struct gntbuf_sync_span *spans, uint32_t count)
{
	struct gntbuf_sync_ranges arg = {
		.buffer_id = id,
		.flags = flags,
		.ranges_ptr = (uintptr_t)spans,
		.count = count,
	};

	return __gntbuf_ioctl(dev, GNTBUF_IOCTL_SYNC_RANGES, &arg);
}

/*
 * A display backend's cursor update: a 64x64 XRGB8888 rectangle of a 4K
 * (3840x2160) ALLOC buffer is maintained as its 64 rows, by 64 SYNC_RANGE
 * calls or by one SYNC_RANGES call; the range counter grows by the
 * rectangle's 16 KiB, not by the frame's 32 MiB, and the grantee sees the
 * rectangle.
 */
void test_rectangle(bool one_call)
{
	struct gntbuf_sync_span spans[64];
	const uint32_t width = 3840, height = 2160, pitch = width * 4;
	const uint32_t pages = (pitch * height + 4095) / 4096;
	const uint32_t x = 1000, y = 500, w = 64, h = 64;
	struct gntbuf_stats before, after;
	uint32_t *refs = calloc(pages, sizeof(*refs));
	uint32_t *map, *view;
	uint64_t id;
	int fd;

	gntbuf_require_self_grants();
	igt_assert(refs);
	igt_assert_eq_u32(pages, 8100);
	fd = gntbuf_alloc(dev, GNTBUF_SELF, pages, 0, refs, &id);
	map = gntbuf_dmabuf_mmap(fd, (size_t)pages * 4096,
				 PROT_READ | PROT_WRITE);
	view = gntbuf_map_grants(GNTBUF_SELF, refs, pages, PROT_READ);

	gntbuf_stats(dev, &before);
	for (uint32_t r = 0; r < h; r++) {
		uint64_t off = (uint64_t)(y + r) * pitch + x * 4;

		for (uint32_t c = 0; c < w; c++)
			map[off / 4 + c] = 0xff000000u | (r << 8) | c;
		spans[r].offset = off;
		spans[r].length = w * 4;
		if (!one_call)
			gntbuf_sync_range(dev, id, 0, GNTBUF_SYNC_TO_DEVICE,
					  off, w * 4);
	}
	if (one_call)
		igt_assert_eq(sync_ranges(id, GNTBUF_SYNC_TO_DEVICE, spans, h),
			      0);
	gntbuf_stats(dev, &after);
	igt_info("64x64 rectangle: %llu bytes maintained by SYNC_RANGE, "
		 "%llu by full syncs; the frame is %u bytes\n",
		 (unsigned long long)(after.flushed_bytes_range -
				      before.flushed_bytes_range),
		 (unsigned long long)(after.flushed_bytes_full -
				      before.flushed_bytes_full),
		 pitch * height);
	igt_assert_eq_u64(after.flushed_bytes_range -
			  before.flushed_bytes_range, (uint64_t)w * h * 4);
	igt_assert_eq_u64(after.flushed_bytes_full, before.flushed_bytes_full);

	for (uint32_t r = 0; r < h; r++)
		for (uint32_t c = 0; c < w; c++)
			igt_assert_eq_u32(view[((y + r) * pitch + x * 4) / 4 + c],
					  0xff000000u | (r << 8) | c);
	/* A full sync of the same buffer maintains every byte. */
	gntbuf_dmabuf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);
	gntbuf_stats(dev, &before);
	igt_assert_eq_u64(before.flushed_bytes_full - after.flushed_bytes_full,
			  (uint64_t)pages * 4096);

	gntbuf_unmap_grants(view, pages);
	igt_assert_eq(munmap(map, (size_t)pages * 4096), 0);
	close(fd);
	gntbuf_wait_released(dev, id, 10000);
	free(refs);
}

/*
 * SYNC_RANGES with bad arguments: each gets its errno, and a call with one
 * bad range among good ones maintains nothing (the counter stays).
 */
void test_ranges_bad_input(void)
{
	struct gntbuf_sync_span *many, spans[3] = {
		{ 0, 100 }, { 4096, 4096 }, { BYTES - 1, 1 },
	};
	struct gntbuf_sync_ranges arg;
	uint32_t refs[PAGES];
	uint64_t id, before;
	int fd;

	gntbuf_require_features(dev, GNTBUF_FEATURE_SYNC_RANGES);
	fd = gntbuf_alloc(dev, GNTBUF_SELF, PAGES, 0, refs, &id);

	/* Good: three ranges count their 4197 bytes; zero ranges nothing. */
	before = range_flushed();
	igt_assert_eq(sync_ranges(id, GNTBUF_SYNC_BOTH, spans, 3), 0);
	igt_assert_eq_u64(range_flushed() - before, 100 + 4096 + 1);
	igt_assert_eq(sync_ranges(id, GNTBUF_SYNC_TO_CPU, NULL, 0), 0);

	/* One range past the end, after good ones: EINVAL, nothing done. */
	spans[2].length = 2;
	before = range_flushed();
	igt_assert_eq(sync_ranges(id, GNTBUF_SYNC_TO_DEVICE, spans, 3),
		      -EINVAL);
	spans[2] = (struct gntbuf_sync_span){ UINT64_MAX, 2 };
	igt_assert_eq(sync_ranges(id, GNTBUF_SYNC_TO_DEVICE, spans, 3),
		      -EINVAL);
	igt_assert_eq_u64(range_flushed(), before);

	/* Counts: a million (E2BIG before the pointer is read), max + 1. */
	igt_assert_eq(sync_ranges(id, GNTBUF_SYNC_TO_CPU, NULL, 1000000),
		      -E2BIG);
	igt_assert_eq(sync_ranges(id, GNTBUF_SYNC_TO_CPU, NULL,
				  GNTBUF_SYNC_MAX_RANGES + 1), -E2BIG);
	/* The most ranges allowed, all within the buffer: fine. */
	many = calloc(GNTBUF_SYNC_MAX_RANGES, sizeof(*many));
	igt_assert(many);
	for (uint32_t i = 0; i < GNTBUF_SYNC_MAX_RANGES; i++)
		many[i] = (struct gntbuf_sync_span){ i % BYTES, 1 };
	before = range_flushed();
	igt_assert_eq(sync_ranges(id, GNTBUF_SYNC_TO_DEVICE, many,
				  GNTBUF_SYNC_MAX_RANGES), 0);
	igt_assert_eq_u64(range_flushed() - before, GNTBUF_SYNC_MAX_RANGES);
	free(many);

	/* A bad pointer, flags, padding, an unknown id, an fd without BY_FD. */
	igt_assert_eq(sync_ranges(id, GNTBUF_SYNC_TO_CPU, (void *)16, 2),
		      -EFAULT);
	igt_assert_eq(sync_ranges(id, 0, spans, 1), -EINVAL);
	igt_assert_eq(sync_ranges(id, GNTBUF_SYNC_BOTH | (1u << 7), spans, 1),
		      -EINVAL);
	igt_assert_eq(sync_ranges(id + 1000, GNTBUF_SYNC_TO_CPU, spans, 1),
		      -ENOENT);
	memset(&arg, 0, sizeof(arg));
	arg.buffer_id = id;
	arg.flags = GNTBUF_SYNC_TO_CPU;
	arg.ranges_ptr = (uintptr_t)spans;
	arg.count = 1;
	arg.pad = 1;
	igt_assert_eq(__gntbuf_ioctl(dev, GNTBUF_IOCTL_SYNC_RANGES, &arg),
		      -EINVAL);
	arg.pad = 0;
	arg.fd = fd;
	igt_assert_eq(__gntbuf_ioctl(dev, GNTBUF_IOCTL_SYNC_RANGES, &arg),
		      -EINVAL);
	/* By fd works as by id; a closed fd is EBADF. */
	arg.buffer_id = 0;
	arg.flags |= GNTBUF_SYNC_BY_FD;
	igt_assert_eq(__gntbuf_ioctl(dev, GNTBUF_IOCTL_SYNC_RANGES, &arg), 0);

	close(fd);
	gntbuf_wait_released(dev, id, 5000);
	igt_assert_eq(__gntbuf_ioctl(dev, GNTBUF_IOCTL_SYNC_RANGES, &arg),
		      -EBADF);
}

/*
 * SYNC_RANGE with GNTBUF_SYNC_ANY_DMABUF on a dma-buf another exporter
 * made (vgem's): the module attaches its own device and syncs the ranges
 * through the DMA API, counted to the byte; the data stays what vgem's
 * mapping holds. Without the flag such an fd is still EINVAL; the flag
 * wants BY_FD; a range past the end is EINVAL and maintains nothing.
 */
/*
 * SYNC_RANGE of an IMPORT id: the module's own ALLOC dma-buf imported, so
 * that its exporter's begin/end_cpu_access show in flushed_bytes_full
 * (the whole buffer each), and the ranges in flushed_bytes_range; then a
 * vgem dma-buf imported, whose bytes come through unchanged.
 */
void test_range_import(void)
{
	struct gntbuf_test_dumb dumb;
	uint32_t refs[PAGES], refs2[PAGES];
	uint64_t alloc_id, id, full, range;
	int fd, vgem, prime;

	gntbuf_require_features(dev, GNTBUF_FEATURE_SYNC_IMPORT);
	fd = gntbuf_alloc(dev, GNTBUF_SELF, PAGES, 0, refs, &alloc_id);
	id = gntbuf_import(dev, fd, GNTBUF_SELF, PAGES, 0, refs2);

	/* To the CPU: the exporter's begin_cpu_access, then the range. */
	full = full_flushed();
	range = range_flushed();
	gntbuf_sync_range(dev, id, 0, GNTBUF_SYNC_TO_CPU, 100, 5000);
	igt_assert_eq_u64(full_flushed() - full, BYTES);
	igt_assert_eq_u64(range_flushed() - range, 5000);
	/* To the device: the range, then the exporter's end_cpu_access. */
	gntbuf_sync_range(dev, id, 0, GNTBUF_SYNC_TO_DEVICE, BYTES - 1, 1);
	igt_assert_eq_u64(full_flushed() - full, 2 * BYTES);
	igt_assert_eq_u64(range_flushed() - range, 5001);
	/* Both: one of each. */
	gntbuf_sync_range(dev, id, 0, GNTBUF_SYNC_BOTH, 0, BYTES);
	igt_assert_eq_u64(full_flushed() - full, 4 * BYTES);
	igt_assert_eq_u64(range_flushed() - range, 5001 + BYTES);

	/* Past the end: EINVAL, nothing maintained, the exporter not asked. */
	igt_assert_eq(__gntbuf_sync_range(dev, id, 0, GNTBUF_SYNC_TO_CPU,
					  BYTES, 1), -EINVAL);
	igt_assert_eq_u64(full_flushed() - full, 4 * BYTES);
	igt_assert_eq_u64(range_flushed() - range, 5001 + BYTES);

	/* Released: ENOENT. */
	gntbuf_import_release(dev, id);
	igt_assert_eq(__gntbuf_sync_range(dev, id, 0, GNTBUF_SYNC_TO_CPU, 0,
					  1), -ENOENT);
	gntbuf_wait_released(dev, id, 5000);
	close(fd);
	gntbuf_wait_released(dev, alloc_id, 5000);

	/* Another exporter's pages (vgem): synced, bytes unchanged. */
	vgem = gntbuf_test_open_vgem();
	gntbuf_test_dumb_create(vgem, 256, 64, 32, &dumb);
	igt_assert_eq_u64(dumb.size, BYTES);
	gntbuf_pattern_fill(dumb.map, BYTES, 0x2545f491u);
	igt_assert_eq(drmPrimeHandleToFD(vgem, dumb.handle,
					 DRM_CLOEXEC | DRM_RDWR, &prime), 0);
	id = gntbuf_import(dev, prime, GNTBUF_SELF, PAGES, 0, refs2);
	range = range_flushed();
	gntbuf_sync_range(dev, id, 0, GNTBUF_SYNC_BOTH, 4096, 8192);
	igt_assert_eq_u64(range_flushed() - range, 8192);
	gntbuf_pattern_check(dumb.map, BYTES, 0x2545f491u);
	gntbuf_import_release(dev, id);
	gntbuf_wait_released(dev, id, 5000);
	close(prime);
	gntbuf_test_dumb_destroy(vgem, &dumb);
	close(vgem);
}

void test_range_any_dmabuf(void)
{
	const uint32_t any = GNTBUF_SYNC_BY_FD | GNTBUF_SYNC_ANY_DMABUF;
	struct gntbuf_test_dumb dumb;
	struct gntbuf_sync_span spans[2] = { { 100, 5000 }, { 0, BYTES } };
	struct gntbuf_sync_ranges arg;
	uint64_t before;
	int vgem, fd, memfd;

	gntbuf_require_features(dev, GNTBUF_FEATURE_SYNC_ANY_DMABUF);
	vgem = gntbuf_test_open_vgem();
	/* 1024-byte rows: 64 rows a 64 KiB buffer, 16 pages. */
	gntbuf_test_dumb_create(vgem, 256, 64, 32, &dumb);
	igt_assert_eq_u64(dumb.size, BYTES);
	gntbuf_pattern_fill(dumb.map, BYTES, 0x3779b9u);
	igt_assert_eq(drmPrimeHandleToFD(vgem, dumb.handle,
					 DRM_CLOEXEC | DRM_RDWR, &fd), 0);

	igt_assert_eq(__gntbuf_sync_range(dev, 0, fd, GNTBUF_SYNC_TO_CPU |
					  GNTBUF_SYNC_BY_FD, 0, 1), -EINVAL);
	igt_assert_eq(__gntbuf_sync_range(dev, 1, 0, GNTBUF_SYNC_TO_CPU |
					  GNTBUF_SYNC_ANY_DMABUF, 0, 1),
		      -EINVAL);

	before = range_flushed();
	gntbuf_sync_range(dev, 0, fd, GNTBUF_SYNC_TO_CPU | any, 100, 5000);
	gntbuf_sync_range(dev, 0, fd, GNTBUF_SYNC_TO_DEVICE | any,
			  BYTES - 1, 1);
	gntbuf_sync_range(dev, 0, fd, GNTBUF_SYNC_BOTH | any, 0, BYTES);
	gntbuf_sync_range(dev, 0, fd, GNTBUF_SYNC_BOTH | any, BYTES, 0);
	igt_assert_eq_u64(range_flushed() - before, 5000 + 1 + BYTES);

	/* Past the end, overflowing: EINVAL, nothing maintained. */
	before = range_flushed();
	igt_assert_eq(__gntbuf_sync_range(dev, 0, fd, GNTBUF_SYNC_TO_CPU | any,
					  BYTES - 1, 2), -EINVAL);
	igt_assert_eq(__gntbuf_sync_range(dev, 0, fd, GNTBUF_SYNC_TO_CPU | any,
					  UINT64_MAX, 2), -EINVAL);
	igt_assert_eq_u64(range_flushed(), before);

	/* SYNC_RANGES: two ranges in one call, counted as given. */
	memset(&arg, 0, sizeof(arg));
	arg.fd = fd;
	arg.flags = GNTBUF_SYNC_TO_DEVICE | any;
	arg.ranges_ptr = (uintptr_t)spans;
	arg.count = 2;
	igt_assert_eq(__gntbuf_ioctl(dev, GNTBUF_IOCTL_SYNC_RANGES, &arg), 0);
	igt_assert_eq_u64(range_flushed() - before, 5000 + BYTES);

	/* Not a dma-buf; a closed fd. */
	memfd = syscall(SYS_memfd_create, "gntbuf-sync", 1u /* CLOEXEC */);
	igt_assert(memfd >= 0);
	igt_assert_eq(__gntbuf_sync_range(dev, 0, memfd,
					  GNTBUF_SYNC_TO_CPU | any, 0, 1),
		      -EINVAL);
	close(memfd);

	/* What vgem's mapping holds came through every sync unchanged. */
	gntbuf_pattern_check(dumb.map, BYTES, 0x3779b9u);
	close(fd);
	igt_assert_eq(__gntbuf_sync_range(dev, 0, fd, GNTBUF_SYNC_TO_CPU | any,
					  0, 1), -EBADF);
	gntbuf_test_dumb_destroy(vgem, &dumb);
	close(vgem);
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	if (sig == SIGTERM)
		stop = 1;
}

/*
 * prime_mmap_coherency's ioctl-errors: children sync and check in a loop
 * while the parent interrupts them with signals; every sync completes (or
 * is restarted) and no data is lost.
 */
void test_interrupted(void)
{
	const int children = 4;
	pid_t pids[4];
	struct buffer b;
	int status;

	struct sigaction sa = { .sa_handler = on_signal }, old_usr1, old_term;

	buffer_create(local_export_kind(), PAGES, 0, &b);
	/* Inherited by the children before the first signal can come. */
	stop = 0;
	sigaction(SIGUSR1, &sa, &old_usr1);
	sigaction(SIGTERM, &sa, &old_term);
	for (int c = 0; c < children; c++) {
		pids[c] = fork();
		igt_assert(pids[c] >= 0);
		if (pids[c] == 0) {
			uint32_t seed = 0xc0de0000u + (c << 12);
			size_t part = b.bytes / children;
			uint8_t *map;
			uint32_t *mine;
			int bad = 0;

			/* Our own mapping: grant mappings are not forked. */
			map = mmap(NULL, b.bytes, PROT_READ | PROT_WRITE,
				   MAP_SHARED, b.fd, 0);
			if (map == MAP_FAILED) {
				fprintf(stderr, "child %d: mmap of the dma-buf: "
					"%s\n", c, strerror(errno));
				_exit(5);
			}
			mine = (uint32_t *)(map + c * part);
			while (!stop && !bad) {
				seed++;
				if (__gntbuf_dmabuf_sync(b.fd, DMA_BUF_SYNC_START |
							 DMA_BUF_SYNC_WRITE))
					bad = 1;
				gntbuf_pattern_fill_from(mine, part, seed,
							 c * part / 4);
				if (__gntbuf_dmabuf_sync(b.fd, DMA_BUF_SYNC_END |
							 DMA_BUF_SYNC_WRITE))
					bad = 2;
				if (__gntbuf_sync_range(dev, b.id, 0,
							GNTBUF_SYNC_BOTH,
							c * part, part))
					bad = 3;
				if (__gntbuf_dmabuf_sync(b.fd, DMA_BUF_SYNC_START |
							 DMA_BUF_SYNC_READ) ||
				    gntbuf_pattern_mismatch_from(mine, part, seed,
								 c * part / 4) >= 0 ||
				    __gntbuf_dmabuf_sync(b.fd, DMA_BUF_SYNC_END |
							 DMA_BUF_SYNC_READ))
					bad = 4;
			}
			_exit(bad);
		}
	}
	for (int i = 0; i < 200; i++) {
		for (int c = 0; c < children; c++)
			kill(pids[c], SIGUSR1);
		usleep(10 * 1000);
	}
	for (int c = 0; c < children; c++) {
		kill(pids[c], SIGTERM);
		igt_assert_eq(waitpid(pids[c], &status, 0), pids[c]);
		igt_assert_f(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			     "child %d: status %#x (1: begin failed, 2: end "
			     "failed, 3: SYNC_RANGE failed, 4: wrong data, 5: "
			     "mmap failed)\n", c, status);
	}
	sigaction(SIGUSR1, &old_usr1, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	/* What the children left is what the granter holds. */
	gntbuf_dmabuf_begin(b.fd, false);
	igt_assert_eq_u32(gntbuf_crc32(0, b.map, b.bytes), other_crc(&b));
	gntbuf_dmabuf_end(b.fd, false);
	buffer_destroy(&b);
}
