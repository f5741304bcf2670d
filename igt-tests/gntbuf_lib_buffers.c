// SPDX-License-Identifier: MIT
/*
 * gntbuf_lib: buffers: from grefs, allocated, dma-bufs granted, and the log handler.
 */
#include "gntbuf_lib.h"

/* ------------------------------------------------------------------ */

void test_export(enum gntbuf_source s)
{
	struct gntbuf_grants g;
	struct gntbuf_buffer *buf;
	void *p, *q;
	int fd;

	gntbuf_grants_create(s, PAGES, SEED_A, true, &g);
	igt_assert_eq(gntbuf_buffer_from_refs(dev, g.domid, g.refs, PAGES, 0,
					      &buf), 0);
	/* Its properties, and a dup of its dma-buf (ours to close). */
	fd = check_from_refs_buffer(buf, &g);

	/* The granter's bytes through the mapping, both ways. */
	igt_assert_eq(gntbuf_buffer_map(buf, GNTBUF_ACCESS_READ, &p), 0);
	igt_assert_eq(gntbuf_buffer_begin_cpu_access(buf, GNTBUF_ACCESS_READ), 0);
	gntbuf_pattern_check(p, BYTES, SEED_A);
	igt_assert_eq(gntbuf_buffer_end_cpu_access(buf, GNTBUF_ACCESS_READ), 0);
	gntbuf_grants_fill(&g, SEED_B);
	igt_assert_eq(gntbuf_buffer_begin_cpu_access(buf, GNTBUF_ACCESS_READ), 0);
	gntbuf_pattern_check(p, BYTES, SEED_B);
	igt_assert_eq(gntbuf_buffer_end_cpu_access(buf, GNTBUF_ACCESS_READ), 0);

	/* The mapping is counted; it cannot grow writable while held. */
	igt_assert_eq(gntbuf_buffer_map(buf, GNTBUF_ACCESS_READ, &q), 0);
	igt_assert(q == p);
	igt_assert_eq(gntbuf_buffer_map(buf, GNTBUF_ACCESS_RW, &q), -EBUSY);
	igt_assert_eq(gntbuf_buffer_unmap(buf), 0);
	igt_assert_eq(gntbuf_buffer_unmap(buf), 0);
	igt_assert_eq(gntbuf_buffer_unmap(buf), -ENOENT);

	igt_assert_eq(gntbuf_buffer_map(buf, GNTBUF_ACCESS_RW, &p), 0);
	igt_assert_eq(gntbuf_buffer_begin_cpu_access(buf, GNTBUF_ACCESS_WRITE), 0);
	gntbuf_pattern_fill(p, BYTES, SEED_C);
	igt_assert_eq(gntbuf_buffer_end_cpu_access(buf, GNTBUF_ACCESS_WRITE), 0);
	gntbuf_grants_check(&g, SEED_C);

	/* The dup holds the dma-buf: the wait times out, then succeeds. */
	igt_assert_eq(gntbuf_buffer_wait_released(buf, 0), -ETIMEDOUT);
	igt_assert_eq(gntbuf_buffer_wait_released(buf, 100), -ETIMEDOUT);
	/* Released by the buffer itself: its fd and mapping are gone. */
	igt_assert_eq(gntbuf_buffer_dup_fd(buf, &fd), -EBADF);
	igt_assert_eq(gntbuf_buffer_map(buf, GNTBUF_ACCESS_READ, &p), -EBADF);
	igt_assert_eq(gntbuf_buffer_begin_cpu_access(buf, GNTBUF_ACCESS_READ),
		      -EBADF);
	close(fd);
	igt_assert_eq(gntbuf_buffer_wait_released(buf, 2000), 0);
	igt_assert_eq(gntbuf_buffer_wait_released(buf, 0), 0);
	/* Queries still answer after the release. */
	igt_assert_eq_u32(gntbuf_buffer_get_page_count(buf), PAGES);
	gntbuf_buffer_destroy(buf);

	/* Nothing maps the grants any more: the granter can end them. */
	gntbuf_grants_end(&g, 5000);
}

void test_export_read_only(enum gntbuf_source s)
{
	struct gntbuf_grants g;
	struct gntbuf_buffer *buf;
	void *p;
	int fd;

	gntbuf_grants_create(s, PAGES, SEED_A, false, &g);
	igt_assert_eq(gntbuf_buffer_from_refs(dev, g.domid, g.refs, PAGES,
					      GNTBUF_BUFFER_READ_ONLY, &buf), 0);
	igt_assert_eq(gntbuf_buffer_dup_fd(buf, &fd), 0);
	igt_assert_eq(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDONLY);
	close(fd);
	igt_assert_eq(gntbuf_buffer_map(buf, GNTBUF_ACCESS_WRITE, &p), -EACCES);
	igt_assert_eq(gntbuf_buffer_map(buf, GNTBUF_ACCESS_READ, &p), 0);
	gntbuf_buffer_begin_cpu_access(buf, GNTBUF_ACCESS_READ);
	gntbuf_pattern_check(p, BYTES, SEED_A);
	gntbuf_buffer_end_cpu_access(buf, GNTBUF_ACCESS_READ);
	igt_assert_eq(gntbuf_buffer_wait_released(buf, 2000), 0);
	gntbuf_buffer_destroy(buf);
	gntbuf_grants_end(&g, 5000);
}

void test_export_bad_input(void)
{
	struct gntbuf_buffer *buf = SENTINEL;
	struct gntbuf_caps caps;
	struct gntbuf_grants g;
	struct gntbuf_stats before;

	gntbuf_device_get_caps(dev, &caps);
	gntbuf_grants_create(gntbuf_local_source(), 4, SEED_A, true, &g);
	gntbuf_stats(raw, &before);

	/* count 0; NULL refs; NULL out; an unknown flag. */
	igt_assert_eq(gntbuf_buffer_from_refs(dev, g.domid, g.refs, 0, 0, &buf),
		      -EINVAL);
	check_from_refs_bad_args(&g);
	/* A count past the module's limit, and a million pages. */
	igt_assert_eq(gntbuf_buffer_from_refs(dev, g.domid, g.refs,
					      caps.max_pages_per_buffer + 1,
					      0, &buf), -E2BIG);
	igt_assert_eq(gntbuf_buffer_from_refs(dev, g.domid, g.refs, 1000000, 0,
					      &buf), -E2BIG);
	/* Grants nobody made, to this domain or from no domain. */
	check_from_refs_bad_grants(&g);
	igt_assert(buf == SENTINEL);

	/* Nothing stayed mapped or alive. */
	gntbuf_assert_back_to(raw, &before, 2000);
	gntbuf_grants_end(&g, 3000);
	gntbuf_grants_destroy(&g);
}

/* What a log handler received. */
struct log_capture {
	unsigned int count;
	enum gntbuf_log_priority priority;
	char last[512];
};

static void capture_log(struct gntbuf_device *d,
			enum gntbuf_log_priority priority, void *user_data,
			const char *format, va_list args)
{
	struct log_capture *cap = user_data;

	igt_assert(d == dev);
	vsnprintf(cap->last, sizeof(cap->last), format, args);
	cap->priority = priority;
	cap->count++;
	igt_info("log (priority %d): %s\n", priority, cap->last);
}

/*
 * The device's log handler gets the detail the errno lacks, at the
 * priorities asked for, and nothing once removed.  Tried: NULL device, an
 * unknown priority, a bad gref, a wait that runs out at the default
 * (ERROR) and at INFO priority, a failure after the handler is removed.
 */
void test_log_handler(void)
{
	struct gntbuf_buffer *buf = SENTINEL;
	struct log_capture cap = { 0 };
	struct gntbuf_grants g;
	uint32_t refs[4];
	char want[32];
	int ret, fd;

	require_exports();
	igt_assert_eq(gntbuf_device_set_log_handler(NULL, capture_log, &cap),
		      -EINVAL);
	igt_assert_eq(gntbuf_device_set_log_priority(NULL,
					GNTBUF_LOG_PRIORITY_INFO), -EINVAL);
	igt_assert_eq(gntbuf_device_set_log_priority(dev,
					(enum gntbuf_log_priority)25), -EINVAL);
	igt_assert_eq(gntbuf_device_set_log_handler(dev, capture_log, &cap),
		      0);
	gntbuf_grants_create(gntbuf_local_source(), 4, SEED_A, true, &g);

	/* A gref nobody granted: one ERROR line with the domain and errno. */
	memcpy(refs, g.refs, sizeof(refs));
	refs[3] = 0xfffffu;
	ret = gntbuf_buffer_from_refs(dev, g.domid, refs, 4, 0, &buf);
	igt_assert_lt(ret, 0);
	igt_assert_eq(cap.count, 1);
	igt_assert_eq(cap.priority, GNTBUF_LOG_PRIORITY_ERROR);
	snprintf(want, sizeof(want), "dom%u", g.domid);
	igt_assert_f(strstr(cap.last, want) && strstr(cap.last, strerror(-ret)),
		     "the message names neither %s nor \"%s\": %s\n", want,
		     strerror(-ret), cap.last);

	/* Success logs at DEBUG only: nothing at the default priority. */
	igt_assert_eq(gntbuf_buffer_from_refs(dev, g.domid, g.refs, 4, 0,
					      &buf), 0);
	igt_assert_eq(gntbuf_buffer_dup_fd(buf, &fd), 0);
	/* A wait that runs out is INFO: filtered, then let through; a poll
	 * (timeout 0) is never logged. */
	igt_assert_eq(gntbuf_buffer_wait_released(buf, 50), -ETIMEDOUT);
	igt_assert_eq(cap.count, 1);
	igt_assert_eq(gntbuf_device_set_log_priority(dev,
					GNTBUF_LOG_PRIORITY_INFO), 0);
	igt_assert_eq(gntbuf_buffer_wait_released(buf, 0), -ETIMEDOUT);
	igt_assert_eq(cap.count, 1);
	igt_assert_eq(gntbuf_buffer_wait_released(buf, 50), -ETIMEDOUT);
	igt_assert_eq(cap.count, 2);
	igt_assert_eq(cap.priority, GNTBUF_LOG_PRIORITY_INFO);
	igt_assert(strstr(cap.last, "still held"));
	close(fd);
	igt_assert_eq(gntbuf_buffer_wait_released(buf, 3000), 0);
	gntbuf_buffer_destroy(buf);

	/* Removed: silent again. */
	igt_assert_eq(gntbuf_device_set_log_handler(dev, NULL, NULL), 0);
	igt_assert_lt(gntbuf_buffer_from_refs(dev, g.domid, refs, 4, 0, &buf),
		      0);
	igt_assert_eq(cap.count, 2);
	igt_assert_eq(gntbuf_device_set_log_priority(dev,
					GNTBUF_LOG_PRIORITY_ERROR), 0);
	gntbuf_grants_end(&g, 3000);
	gntbuf_grants_destroy(&g);
}

/* ------------------------------------------------------------------ */

void test_alloc(enum gntbuf_source s)
{
	struct gntbuf_layout layout;
	struct gntbuf_grantee ge;
	struct gntbuf_range ranges[8];
	struct gntbuf_buffer *buf;
	struct gntbuf_rect rect;
	const uint32_t *refs;
	uint64_t before, expected = 0;
	uint32_t n;
	uint8_t *p;

	gntbuf_grantee_init(s, &ge);
	igt_assert_eq(gntbuf_buffer_alloc(dev, ge.domid, PAGES, 0, &buf), 0);
	igt_assert_eq(gntbuf_buffer_get_kind(buf), GNTBUF_BUFFER_ALLOCATED);
	igt_assert_eq_u32(gntbuf_buffer_get_domid(buf), ge.domid);
	refs = gntbuf_buffer_get_refs(buf, &n);
	igt_assert_eq_u32(n, PAGES);
	for (uint32_t i = 0; i < n; i++)
		for (uint32_t j = 0; j < i; j++)
			igt_assert_neq_u32(refs[i], refs[j]);

	/* Zeroed before granted. */
	igt_assert_eq(gntbuf_buffer_map(buf, GNTBUF_ACCESS_RW, (void **)&p), 0);
	gntbuf_buffer_begin_cpu_access(buf, GNTBUF_ACCESS_READ);
	for (size_t i = 0; i < BYTES; i++)
		igt_assert_f(!p[i], "byte %zu of a new buffer is %#x\n", i, p[i]);
	gntbuf_buffer_end_cpu_access(buf, GNTBUF_ACCESS_READ);

	/* Written here, read by the grantee; and back. */
	igt_assert_eq(gntbuf_buffer_begin_cpu_access(buf, GNTBUF_ACCESS_WRITE), 0);
	gntbuf_pattern_fill(p, BYTES, SEED_A);
	igt_assert_eq(gntbuf_buffer_end_cpu_access(buf, GNTBUF_ACCESS_WRITE), 0);
	gntbuf_grantee_map(&ge, refs, PAGES, true);
	gntbuf_grantee_check(&ge, SEED_A);
	gntbuf_grantee_fill(&ge, SEED_B);
	igt_assert_eq(gntbuf_buffer_begin_cpu_access(buf, GNTBUF_ACCESS_READ), 0);
	gntbuf_pattern_check(p, BYTES, SEED_B);
	igt_assert_eq(gntbuf_buffer_end_cpu_access(buf, GNTBUF_ACCESS_READ), 0);

	/* A byte range across a page boundary: the module maintains it. */
	before = stats_range_bytes();
	igt_assert_eq(gntbuf_buffer_begin_cpu_access_range(buf,
			GNTBUF_ACCESS_WRITE, 4096 - 100, 300), 0);
	memset(p + 4096 - 100, 0xa5, 300);
	igt_assert_eq(gntbuf_buffer_end_cpu_access_range(buf,
			GNTBUF_ACCESS_WRITE, 4096 - 100, 300), 0);
	/* Begin (to CPU) and end (to device): 300 bytes each. */
	igt_assert_eq_u64(stats_range_bytes() - before, 600);
	igt_assert_eq_u32(gntbuf_grantee_crc(&ge), gntbuf_crc32(0, p, BYTES));
	/* A read-only end asks nothing of the module. */
	before = stats_range_bytes();
	igt_assert_eq(gntbuf_buffer_begin_cpu_access_range(buf,
			GNTBUF_ACCESS_READ, 0, 64), 0);
	igt_assert_eq(gntbuf_buffer_end_cpu_access_range(buf,
			GNTBUF_ACCESS_READ, 0, 64), 0);
	igt_assert_eq_u64(stats_range_bytes() - before, 64);

	/* Damage: a 16x4 rectangle of a 128x128 XRGB8888 image. */
	igt_assert_eq(gntbuf_layout_init(&layout, DRM_FORMAT_XRGB8888, 128, 128,
					 1), 0);
	igt_assert_eq_u64(layout.size, BYTES);
	rect = (struct gntbuf_rect){ 8, 8, 16, 4 };
	igt_assert_eq(gntbuf_layout_rects_to_ranges(&layout, &rect, 1, ranges,
						    8, &n), 0);
	igt_assert_eq_u32(n, 4);
	for (uint32_t i = 0; i < n; i++)
		expected += ranges[i].length;
	igt_assert_eq_u64(expected, 4 * 16 * 4);
	before = stats_range_bytes();
	igt_assert_eq(gntbuf_buffer_begin_cpu_access_rects(buf,
			GNTBUF_ACCESS_WRITE, &layout, &rect, 1), 0);
	for (uint32_t y = rect.y; y < rect.y + rect.height; y++)
		for (uint32_t x = rect.x; x < rect.x + rect.width; x++)
			((uint32_t *)p)[y * 128 + x] = 0xff00ff00u;
	igt_assert_eq(gntbuf_buffer_end_cpu_access_rects(buf,
			GNTBUF_ACCESS_WRITE, &layout, &rect, 1), 0);
	igt_assert_eq_u64(stats_range_bytes() - before, 2 * expected);
	igt_assert_eq_u32(gntbuf_grantee_crc(&ge), gntbuf_crc32(0, p, BYTES));

	/* The grantee maps the pages: the wait times out until it unmaps. */
	igt_assert_eq(gntbuf_buffer_wait_released(buf, 200), -ETIMEDOUT);
	gntbuf_grantee_unmap(&ge);
	igt_assert_eq(gntbuf_buffer_wait_released(buf, 5000), 0);
	gntbuf_buffer_destroy(buf);
}

void test_alloc_bad_input(void)
{
	struct gntbuf_buffer *buf = SENTINEL;
	struct gntbuf_caps caps;

	gntbuf_device_get_caps(dev, &caps);
	igt_assert_eq(gntbuf_buffer_alloc(dev, GNTBUF_SELF, 0, 0, &buf), -EINVAL);
	igt_assert_eq(gntbuf_buffer_alloc(dev, GNTBUF_SELF, 1, 1u << 3, &buf), -EINVAL);
	igt_assert_eq(gntbuf_buffer_alloc(dev, GNTBUF_SELF, 1, 0, NULL), -EINVAL);
	igt_assert_eq(gntbuf_buffer_alloc(NULL, GNTBUF_SELF, 1, 0, &buf), -EINVAL);
	igt_assert_eq(gntbuf_buffer_alloc(dev, GNTBUF_SELF, caps.max_pages_per_buffer + 1,
					  0, &buf), -E2BIG);
	igt_assert_eq(gntbuf_buffer_alloc(dev, GNTBUF_SELF, UINT32_MAX, 0, &buf), -E2BIG);
	igt_assert(buf == SENTINEL);
}

/* ------------------------------------------------------------------ */

void test_import(enum gntbuf_source s)
{
	struct gntbuf_test_dumb dumb;
	struct gntbuf_grantee ge;
	struct gntbuf_buffer *buf;
	uint64_t before;
	int vgem, prime, fd;

	vgem = gntbuf_test_open_vgem();
	gntbuf_grantee_init(s, &ge);
	gntbuf_test_dumb_create(vgem, 128, 64, 32, &dumb);
	igt_assert_eq_u64(dumb.size % 4096, 0);
	gntbuf_pattern_fill(dumb.map, dumb.size, SEED_A);
	igt_assert_eq(drmPrimeHandleToFD(vgem, dumb.handle, DRM_CLOEXEC |
					 DRM_RDWR, &prime), 0);

	igt_assert_eq(gntbuf_buffer_grant_dmabuf(dev, prime, ge.domid, 0, &buf), 0);
	/* The fd was borrowed: the buffer keeps its own. */
	close(prime);
	igt_assert_eq(gntbuf_buffer_get_kind(buf), GNTBUF_BUFFER_IMPORTED);
	igt_assert_eq_u64(gntbuf_buffer_get_size(buf), dumb.size);
	igt_assert_eq(gntbuf_buffer_dup_fd(buf, &fd), 0);
	check_cloexec(fd);
	close(fd);

	/* vgem's pages, seen by the grantee; the grantee's writes by vgem. */
	gntbuf_grantee_map(&ge, gntbuf_buffer_get_refs(buf, NULL),
			   gntbuf_buffer_get_page_count(buf), true);
	gntbuf_grantee_check(&ge, SEED_A);
	gntbuf_grantee_fill(&ge, SEED_B);
	igt_assert_eq(gntbuf_buffer_begin_cpu_access(buf, GNTBUF_ACCESS_READ), 0);
	gntbuf_pattern_check(dumb.map, dumb.size, SEED_B);
	igt_assert_eq(gntbuf_buffer_end_cpu_access(buf, GNTBUF_ACCESS_READ), 0);

	/*
	 * Another exporter's dma-buf: a module with SYNC_IMPORT maintains
	 * the range of the IMPORT id (100 bytes at the begin, 100 at the
	 * end after a write); an older one, and gntdev, sync the whole
	 * buffer through the exporter instead.
	 */
	before = stats_range_bytes();
	igt_assert_eq(gntbuf_buffer_begin_cpu_access_range(buf,
			GNTBUF_ACCESS_RW, 0, 100), 0);
	igt_assert_eq(gntbuf_buffer_end_cpu_access_range(buf,
			GNTBUF_ACCESS_RW, 0, 100), 0);
	if (!on_gntdev()) {
		struct gntbuf_query q;

		gntbuf_query(raw, &q);
		igt_assert_eq_u64(stats_range_bytes() - before,
				  q.features & GNTBUF_FEATURE_SYNC_IMPORT ?
				  200 : 0);
	}

	if (on_gntdev()) {
		/*
		 * gntdev's IMP_RELEASE ends the grants and lets the dma-buf
		 * go at once, whoever still maps them (the pages are not
		 * held): the grantee unmaps first, then cannot map again.
		 */
		gntbuf_grantee_unmap(&ge);
		igt_assert_eq(gntbuf_buffer_wait_released(buf, 0), 0);
		igt_assert(!gntbuf_grantee_mappable(&ge,
				gntbuf_buffer_get_refs(buf, NULL),
				gntbuf_buffer_get_page_count(buf)));
		gntbuf_buffer_destroy(buf);
		gntbuf_test_dumb_destroy(vgem, &dumb);
		close(vgem);
		return;
	}

	/* The grantee still maps: the grants are ended, the pages held. */
	igt_assert_eq(gntbuf_buffer_wait_released(buf, 200), -ETIMEDOUT);
	gntbuf_grantee_unmap(&ge);
	igt_assert_eq(gntbuf_buffer_wait_released(buf, 5000), 0);
	gntbuf_buffer_destroy(buf);
	gntbuf_test_dumb_destroy(vgem, &dumb);
	close(vgem);
}

static int memfd_of(size_t bytes)
{
	int fd = syscall(SYS_memfd_create, "gntbuf-lib", 1u /* CLOEXEC */);

	igt_assert(fd >= 0);
	igt_assert_eq(ftruncate(fd, bytes), 0);
	return fd;
}

void test_import_bad_input(void)
{
	struct gntbuf_buffer *buf = SENTINEL;
	int pipe_fds[2], fd, ret;

	/* -1; a closed fd. */
	igt_assert_eq(gntbuf_buffer_grant_dmabuf(dev, -1, 0, 0, &buf), -EBADF);
	fd = memfd_of(4096);
	close(fd);
	igt_assert_eq(gntbuf_buffer_grant_dmabuf(dev, fd, 0, 0, &buf), -EBADF);
	/* A pipe: no size. */
	igt_assert_eq(pipe(pipe_fds), 0);
	igt_assert_eq(gntbuf_buffer_grant_dmabuf(dev, pipe_fds[0], 0, 0, &buf),
		      -EINVAL);
	close(pipe_fds[0]);
	close(pipe_fds[1]);
	/* Sizes of 0 and of 100 bytes: not whole pages. */
	fd = memfd_of(0);
	igt_assert_eq(gntbuf_buffer_grant_dmabuf(dev, fd, 0, 0, &buf), -EINVAL);
	close(fd);
	fd = memfd_of(100);
	igt_assert_eq(gntbuf_buffer_grant_dmabuf(dev, fd, 0, 0, &buf), -EINVAL);
	close(fd);
	/* Whole pages, but not a dma-buf: the module refuses it. */
	fd = memfd_of(4096);
	ret = gntbuf_buffer_grant_dmabuf(dev, fd, 0, 0, &buf);
	igt_info("memfd of one page: %s\n", strerror(-ret));
	igt_assert_lt(ret, 0);
	/* Unknown flags, NULL out. */
	igt_assert_eq(gntbuf_buffer_grant_dmabuf(dev, fd, 0, 1u << 4, &buf), -EINVAL);
	igt_assert_eq(gntbuf_buffer_grant_dmabuf(dev, fd, 0, 0, NULL), -EINVAL);
	close(fd);
	igt_assert(buf == SENTINEL);
}
