// SPDX-License-Identifier: MIT
/*
 * gntbuf_lib: CPU access, sync_files, buffers outliving their device, page directories.
 */
#include "gntbuf_lib.h"

/* ------------------------------------------------------------------ */

void test_cpu_access_errors(void)
{
	struct gntbuf_layout layout;
	struct gntbuf_buffer *buf;
	struct gntbuf_rect rect;
	struct cpu_buffer cb;
	const uint64_t size = 4 * 4096;

	cpu_buffer_create(dev, 4, &cb);
	buf = cb.buf;

	/* Ranges past the end, overflowing, empty. */
	igt_assert_eq(gntbuf_buffer_begin_cpu_access_range(buf,
			GNTBUF_ACCESS_RW, size, 1), -EINVAL);
	igt_assert_eq(gntbuf_buffer_begin_cpu_access_range(buf,
			GNTBUF_ACCESS_RW, 0, size + 1), -EINVAL);
	igt_assert_eq(gntbuf_buffer_end_cpu_access_range(buf,
			GNTBUF_ACCESS_RW, UINT64_MAX, 2), -EINVAL);
	igt_assert_eq(gntbuf_buffer_begin_cpu_access_range(buf,
			GNTBUF_ACCESS_RW, size + 1, 0), -EINVAL);
	igt_assert_eq(gntbuf_buffer_begin_cpu_access_range(buf,
			GNTBUF_ACCESS_RW, size, 0), 0);
	igt_assert_eq(gntbuf_buffer_begin_cpu_access_range(buf,
			GNTBUF_ACCESS_RW, 0, size), 0);
	igt_assert_eq(gntbuf_buffer_end_cpu_access_range(buf,
			GNTBUF_ACCESS_RW, 0, size), 0);
	/* No access, an unknown access bit. */
	igt_assert_eq(gntbuf_buffer_begin_cpu_access(buf, 0), -EINVAL);
	igt_assert_eq(gntbuf_buffer_end_cpu_access(buf, 1u << 2), -EINVAL);
	igt_assert_eq(gntbuf_buffer_begin_cpu_access_range(buf, 0, 0, 1),
		      -EINVAL);

	/* Rectangles: an image bigger than the buffer, outside, tiled. */
	igt_assert_eq(gntbuf_layout_init(&layout, DRM_FORMAT_XRGB8888, 64, 65,
					 1), 0);
	rect = (struct gntbuf_rect){ 0, 0, 1, 1 };
	igt_assert_eq(gntbuf_buffer_begin_cpu_access_rects(buf,
			GNTBUF_ACCESS_RW, &layout, &rect, 1), -ERANGE);
	igt_assert_eq(gntbuf_layout_init(&layout, DRM_FORMAT_XRGB8888, 64, 64,
					 1), 0);
	rect = (struct gntbuf_rect){ 60, 0, 5, 1 };
	igt_assert_eq(gntbuf_buffer_end_cpu_access_rects(buf,
			GNTBUF_ACCESS_RW, &layout, &rect, 1), -EINVAL);
	layout.modifier = I915_FORMAT_MOD_X_TILED;
	rect = (struct gntbuf_rect){ 0, 0, 1, 1 };
	igt_assert_eq(gntbuf_buffer_end_cpu_access_rects(buf,
			GNTBUF_ACCESS_RW, &layout, &rect, 1), -EOPNOTSUPP);

	igt_assert_eq(gntbuf_buffer_wait_released(buf, 1000), 0);
	/* After the release, every CPU access is refused. */
	igt_assert_eq(gntbuf_buffer_begin_cpu_access_range(buf,
			GNTBUF_ACCESS_RW, 0, 1), -EBADF);
	cpu_buffer_destroy(&cb);
}

void test_sync_file(void)
{
	struct gntbuf_buffer *buf;
	struct cpu_buffer cb;
	struct pollfd pfd;
	int sync_fd = -1, fd, ret;

	cpu_buffer_create(dev, 4, &cb);
	buf = cb.buf;
	ret = gntbuf_buffer_export_sync_file(buf, GNTBUF_ACCESS_READ, &sync_fd);
	igt_skip_on_f(ret == -ENOTTY, "the kernel has no "
		      "DMA_BUF_IOCTL_EXPORT_SYNC_FILE (before Linux 6.0)\n");
	igt_assert_eq(ret, 0);
	check_cloexec(sync_fd);
	/* No fences on the buffer: the sync_file is already signaled. */
	pfd = (struct pollfd){ .fd = sync_fd, .events = POLLIN };
	igt_assert_eq(poll(&pfd, 1, 0), 1);

	igt_assert_eq(gntbuf_buffer_import_sync_file(buf, GNTBUF_ACCESS_WRITE,
						     sync_fd), 0);
	igt_assert_eq(gntbuf_buffer_import_sync_file(buf, GNTBUF_ACCESS_READ,
						     sync_fd), 0);
	close(sync_fd);
	ret = gntbuf_buffer_export_sync_file(buf, GNTBUF_ACCESS_RW, &sync_fd);
	igt_assert_eq(ret, 0);
	close(sync_fd);

	/* Not a sync_file; a closed one; no access. */
	igt_assert_eq(gntbuf_buffer_dup_fd(buf, &fd), 0);
	igt_assert_eq(gntbuf_buffer_import_sync_file(buf, GNTBUF_ACCESS_READ,
						     fd), -EINVAL);
	close(fd);
	igt_assert_eq(gntbuf_buffer_import_sync_file(buf, GNTBUF_ACCESS_READ,
						     sync_fd), -EINVAL);
	igt_assert_eq(gntbuf_buffer_import_sync_file(buf, GNTBUF_ACCESS_READ,
						     -1), -EBADF);
	igt_assert_eq(gntbuf_buffer_export_sync_file(buf, 0, &fd), -EINVAL);

	igt_assert_eq(gntbuf_buffer_wait_released(buf, 1000), 0);
	cpu_buffer_destroy(&cb);
}

void test_outlives_device(void)
{
	struct gntbuf_device *d = lib_open(BACKEND);
	struct gntbuf_buffer *buf;
	struct cpu_buffer cb;
	void *p;

	cpu_buffer_create(d, 4, &cb);
	buf = cb.buf;
	/* The caller lets the device go; the buffer keeps it open. */
	gntbuf_device_close(d);
	igt_assert_eq(gntbuf_buffer_map(buf, GNTBUF_ACCESS_RW, &p), 0);
	igt_assert_eq(gntbuf_buffer_begin_cpu_access_range(buf,
			GNTBUF_ACCESS_WRITE, 0, 4096), 0);
	memset(p, 0x3c, 4096);
	igt_assert_eq(gntbuf_buffer_end_cpu_access_range(buf,
			GNTBUF_ACCESS_WRITE, 0, 4096), 0);
	igt_assert_eq(gntbuf_buffer_wait_released(buf, 1000), 0);
	cpu_buffer_destroy(&cb);
}

/* ------------------------------------------------------------------ */

/*
 * Page directories through real grants. Self: a two-page chain (2025
 * refs, a 1080p buffer) on pages dom0 grants itself. Foreign: one page
 * the domU grants, holding the pattern of seed 0, whose first word (0) is
 * an end-of-chain gref_dir_next_page and the rest 1023 grefs.
 */
void test_pgdir(enum gntbuf_source s)
{
	struct gntbuf_grants g;
	uint32_t *refs, *out, n, dir_pages;
	uint64_t size;
	int ret;

	if (s == GNTBUF_SOURCE_SELF) {
		size = 1920ull * 1080 * 4;
		dir_pages = 2;
	} else {
		size = 1023ull * 4096;
		dir_pages = 1;
	}
	igt_assert_eq(gntbuf_pgdir_get_size(size, &n, NULL), 0);
	refs = calloc(n, sizeof(*refs));
	out = calloc(n, sizeof(*out));
	igt_assert(refs && out);
	gntbuf_grants_create(s, dir_pages, 0, true, &g);

	if (s == GNTBUF_SOURCE_SELF) {
		for (uint32_t i = 0; i < n; i++)
			refs[i] = 1000 + i * 3;
		igt_assert_eq(gntbuf_pgdir_encode(refs, n, g.refs, dir_pages,
						  g.share.map), 0);
	} else {
		for (uint32_t i = 0; i < n; i++)
			refs[i] = gntbuf_pattern_word(0, i + 1);
	}

	igt_assert_eq(gntbuf_device_read_pgdir(dev, g.domid, g.refs[0], size,
					       out, n), 0);
	igt_assert(memcmp(out, refs, n * sizeof(*refs)) == 0);

	/* be-alloc: fill the chain with other refs, and read them back. */
	for (uint32_t i = 0; i < n; i++)
		refs[i] = 77 + i * 5;
	igt_assert_eq(gntbuf_device_fill_pgdir(dev, g.domid, g.refs[0], size,
					       refs, n), 0);
	memset(out, 0, n * sizeof(*out));
	igt_assert_eq(gntbuf_device_read_pgdir(dev, g.domid, g.refs[0], size,
					       out, n), 0);
	igt_assert(memcmp(out, refs, n * sizeof(*refs)) == 0);

	/* A buffer_sz one page longer than the chain covers: short chain. */
	if (s == GNTBUF_SOURCE_SELF) {
		uint64_t longer = (uint64_t)2046 * 4096 + 1;	/* 3 pages */
		uint32_t *more = calloc(2047, sizeof(*more));

		igt_assert_eq(gntbuf_device_read_pgdir(dev, g.domid, g.refs[0],
						       longer, more, 2047),
			      -ENODATA);
		free(more);
		/* Page 1 pointing back at page 0: a loop. */
		memcpy((char *)g.share.map + 4096, &g.refs[0], 4);
		igt_assert_eq(gntbuf_device_read_pgdir(dev, g.domid,
						       g.refs[0], size, out, n),
			      -ELOOP);
	} else {
		uint32_t *more = calloc(1024, sizeof(*more));

		igt_assert_eq(gntbuf_device_read_pgdir(dev, g.domid, g.refs[0],
						       1024ull * 4096, more,
						       1024), -ENODATA);
		free(more);
	}

	/* A gref the domain never granted: the map's errno. */
	ret = gntbuf_device_read_pgdir(dev, g.domid, 0xffff0, size, out, n);
	igt_info("ungranted directory gref: %s\n", strerror(-ret));
	igt_assert_lt(ret, 0);

	gntbuf_grants_end(&g, 5000);
	free(out);
	free(refs);
}
