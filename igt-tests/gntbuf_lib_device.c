// SPDX-License-Identifier: MIT
/*
 * gntbuf_lib: devices: open, caps, counters, the gntdev fallback, and the gntdev backend's own answers.
 */
#include "gntbuf_lib.h"

/* ------------------------------------------------------------------ */

void test_caps(void)
{
	static const struct {
		uint64_t feature, cap;
	} map[] = {
		{ GNTBUF_FEATURE_EXPORT_REFS, GNTBUF_CAP_EXPORT_REFS },
		{ GNTBUF_FEATURE_ALLOC, GNTBUF_CAP_ALLOC },
		{ GNTBUF_FEATURE_IMPORT, GNTBUF_CAP_IMPORT },
		{ GNTBUF_FEATURE_SYNC_RANGE, GNTBUF_CAP_SYNC_RANGE },
		{ GNTBUF_FEATURE_NO_BOUNCE, GNTBUF_CAP_NO_BOUNCE },
		{ GNTBUF_FEATURE_PV_MAPPINGS, GNTBUF_CAP_PV_MAPPINGS },
		{ GNTBUF_FEATURE_AUTO_TRANSLATED, GNTBUF_CAP_AUTO_TRANSLATED },
		{ GNTBUF_FEATURE_RELEASE_FD, GNTBUF_CAP_RELEASE_FD },
	};
	struct gntbuf_caps caps;
	struct gntbuf_query q;

	gntbuf_query(raw, &q);
	memset(&caps, 0, sizeof(caps));
	igt_assert_eq(gntbuf_device_get_caps(dev, &caps), 0);
	igt_info("caps %#llx, abi %u, limits %u/%u/%u pages\n",
		 (unsigned long long)caps.caps, caps.abi_version,
		 caps.max_pages_per_buffer, caps.max_pages_per_device,
		 caps.max_pages_total);

	igt_assert_eq(gntbuf_device_get_backend(dev), GNTBUF_BACKEND_MODULE);
	igt_assert_eq_u32(caps.backend, GNTBUF_BACKEND_MODULE);
	igt_assert_eq_u32(caps.abi_version, GNTBUF_ABI_VERSION);
	igt_assert_eq_u32(caps.abi_version, q.abi_version);
	igt_assert_eq_u32(caps.page_size, 4096);
	igt_assert_eq_u32(caps.max_pages_per_buffer, q.max_pages_per_buffer);
	igt_assert_eq_u32(caps.max_pages_per_device, q.max_pages_per_file);
	igt_assert_eq_u32(caps.max_pages_total, q.max_pages_total);
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		igt_assert_f(!(q.features & map[i].feature) ==
			     !(caps.caps & map[i].cap),
			     "feature %#llx vs cap %#llx\n",
			     (unsigned long long)map[i].feature,
			     (unsigned long long)map[i].cap);
	/* The module's dma-bufs do their own cache maintenance and mmap. */
	igt_assert(caps.caps & GNTBUF_CAP_CPU_ACCESS);

	igt_assert_eq(gntbuf_device_get_caps(dev, NULL), -EINVAL);
	igt_assert_eq(gntbuf_device_get_caps(NULL, &caps), -EINVAL);
}

void test_counters(void)
{
	struct gntbuf_counters before, during, after;
	struct gntbuf_buffer *buf;
	struct gntbuf_stats s;

	igt_assert_eq(gntbuf_device_get_counters(dev, &before), 0);
	gntbuf_stats(raw, &s);
	igt_assert_eq_u64(before.live_buffers, s.live_buffers);
	igt_assert_eq_u64(before.allocated_pages, s.allocated_pages);
	igt_assert_eq_u64(before.mapped_pages, s.mapped_pages);
	igt_assert_eq_u64(before.granted_pages, s.granted_pages);

	igt_assert_eq(gntbuf_buffer_alloc(dev, GNTBUF_SELF, PAGES, 0, &buf), 0);
	igt_assert_eq(gntbuf_device_get_counters(dev, &during), 0);
	igt_assert_eq_u64(during.live_buffers, before.live_buffers + 1);
	igt_assert_eq_u64(during.allocated_pages,
			  before.allocated_pages + PAGES);

	igt_assert_eq(gntbuf_buffer_wait_released(buf, 1000), 0);
	gntbuf_buffer_destroy(buf);
	igt_assert_eq(gntbuf_device_get_counters(dev, &after), 0);
	igt_assert_eq_u64(after.live_buffers, before.live_buffers);
	igt_assert_eq_u64(after.allocated_pages, before.allocated_pages);
	igt_assert_eq(gntbuf_device_get_counters(dev, NULL), -EINVAL);
}

void test_open_errors(void)
{
	struct gntbuf_device *d = SENTINEL;

	/* The module's path at a missing file: -ENODEV. */
	setenv("GNTBUF_DEVICE", "/nonexistent/gntbuf", 1);
	igt_assert_eq(gntbuf_device_open(GNTBUF_BACKEND_MODULE, &d), -ENODEV);
	igt_assert(d == SENTINEL);
	/* A device node that is not the module (gntdev: ENOTTY): -ENODEV. */
	setenv("GNTBUF_DEVICE", "/dev/xen/gntdev", 1);
	igt_assert_eq(gntbuf_device_open(GNTBUF_BACKEND_MODULE, &d), -ENODEV);
	setenv("GNTBUF_DEVICE", "/dev/null", 1);
	igt_assert_eq(gntbuf_device_open(GNTBUF_BACKEND_MODULE, &d), -ENODEV);
	igt_assert(d == SENTINEL);
	unsetenv("GNTBUF_DEVICE");

	/* NULL, an unknown backend. */
	igt_assert_eq(gntbuf_device_open(GNTBUF_BACKEND_MODULE, NULL), -EINVAL);
	igt_assert_eq(gntbuf_device_open((enum gntbuf_backend)9, &d), -EINVAL);
	igt_assert(d == SENTINEL);

	/* With the module loaded, auto picks it. */
	igt_assert_eq(gntbuf_device_open(GNTBUF_BACKEND_AUTO, &d), 0);
	igt_assert_eq(gntbuf_device_get_backend(d), GNTBUF_BACKEND_MODULE);
	gntbuf_device_close(d);
	gntbuf_device_close(NULL);
}

#ifndef GNTBUF_LIB_GNTDEV
/* Does this kernel's gntdev have the dma-buf ioctls? Asked directly. */
static int gntdev_dmabuf_errno(void)
{
	struct ioctl_gntdev_dmabuf_exp_wait_released w = {
		.fd = UINT32_MAX,
		.wait_to_ms = 0,
	};
	int fd = open("/dev/xen/gntdev", O_RDWR | O_CLOEXEC), err;

	igt_require_f(fd >= 0, "no /dev/xen/gntdev: %s\n", strerror(errno));
	err = ioctl(fd, IOCTL_GNTDEV_DMABUF_EXP_WAIT_RELEASED, &w) < 0 ?
		errno : 0;
	close(fd);
	/* ENOENT: there, and it knows no such export. */
	return err;
}

void test_gntdev_eopnotsupp(void)
{
	struct gntbuf_device *d = SENTINEL;
	int err = gntdev_dmabuf_errno();

	igt_require_f(err == ENOTTY, "this kernel has gntdev's dma-buf ioctls "
		      "(probe errno %d): gntdev-fallback covers it\n", err);
	igt_info("gntdev answers ENOTTY: no CONFIG_XEN_GNTDEV_DMABUF\n");

	igt_assert_eq(gntbuf_device_open(GNTBUF_BACKEND_GNTDEV, &d),
		      -EOPNOTSUPP);
	igt_assert(d == SENTINEL);
	/* Auto without the module: the same clear answer. */
	setenv("GNTBUF_DEVICE", "/nonexistent/gntbuf", 1);
	igt_assert_eq(gntbuf_device_open(GNTBUF_BACKEND_AUTO, &d),
		      -EOPNOTSUPP);
	unsetenv("GNTBUF_DEVICE");
	igt_assert(d == SENTINEL);
}
#endif

void test_gntdev_fallback(void)
{
	struct gntbuf_test_dumb dumb;
	struct gntbuf_grantee ge;
	struct gntbuf_buffer *buf = SENTINEL;
	struct gntbuf_counters counters;
	struct gntbuf_caps caps;
	struct gntbuf_device *g = NULL;
	int vgem, prime, ret;

	ret = gntbuf_device_open(GNTBUF_BACKEND_GNTDEV, &g);
	igt_require_f(ret != -ENODEV, "no /dev/xen/gntdev\n");
	igt_skip_on_f(ret == -EOPNOTSUPP, "the kernel has no "
		      "CONFIG_XEN_GNTDEV_DMABUF: gntdev makes no dma-bufs\n");
	igt_assert_eq(ret, 0);

	igt_assert_eq(gntbuf_device_get_caps(g, &caps), 0);
	igt_assert_eq_u32(caps.backend, GNTBUF_BACKEND_GNTDEV);
	igt_assert(caps.caps & GNTBUF_CAP_IMPORT);
	igt_assert(!(caps.caps & GNTBUF_CAP_ALLOC));
	/* Ranges: through the module, which is loaded here. */
	igt_assert(caps.caps & GNTBUF_CAP_SYNC_RANGE);
	igt_assert_eq(gntbuf_device_get_counters(g, &counters), -EOPNOTSUPP);
	igt_assert_eq(gntbuf_buffer_alloc(g, GNTBUF_SELF, 1, 0, &buf), -EOPNOTSUPP);

	/* gntdev's import: vgem pages granted to ourselves. */
	vgem = gntbuf_test_open_vgem();
	gntbuf_test_dumb_create(vgem, 64, 64, 32, &dumb);
	gntbuf_pattern_fill(dumb.map, dumb.size, SEED_A);
	igt_assert_eq(drmPrimeHandleToFD(vgem, dumb.handle, DRM_CLOEXEC |
					 DRM_RDWR, &prime), 0);
	gntbuf_grantee_init(gntbuf_local_source(), &ge);
	igt_assert_eq(gntbuf_buffer_grant_dmabuf(g, prime, ge.domid, 0, &buf),
		      0);
	gntbuf_grantee_map(&ge, gntbuf_buffer_get_refs(buf, NULL),
			   gntbuf_buffer_get_page_count(buf), false);
	gntbuf_grantee_check(&ge, SEED_A);
	gntbuf_grantee_unmap(&ge);
	igt_assert_eq(gntbuf_buffer_wait_released(buf, 1000), 0);
	gntbuf_buffer_destroy(buf);
	close(prime);
	gntbuf_test_dumb_destroy(vgem, &dumb);
	close(vgem);
	gntbuf_device_close(g);
}

/* ------------------------------------------------------------------ */
/* The gntdev backend (gntbuf_lib_gntdev) */

/*
 * gntdev's own answer to an export of @g's grants, asked without the
 * library: 0 (the dma-buf is closed again at once) or the ioctl's errno.
 */
static int gntdev_raw_export(const struct gntbuf_grants *g)
{
	struct ioctl_gntdev_dmabuf_exp_from_refs *op;
	int gd, err = 0;

	op = calloc(1, sizeof(*op) + g->count * sizeof(op->refs[0]));
	igt_assert(op);
	gd = open("/dev/xen/gntdev", O_RDWR | O_CLOEXEC);
	igt_assert_f(gd >= 0, "no /dev/xen/gntdev: %s\n", strerror(errno));
	op->count = g->count;
	op->domid = g->domid;
	memcpy(op->refs, g->refs, g->count * sizeof(op->refs[0]));
	if (ioctl(gd, IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS, op) < 0)
		err = errno;
	else
		close(op->fd);
	close(gd);
	free(op);
	return err;
}

void test_caps_gntdev(void)
{
	struct gntbuf_grants g;
	struct gntbuf_caps caps;
	struct gntbuf_query q;
	uint64_t expected = GNTBUF_CAP_IMPORT;
	bool pv = pv_domain();
	int err;

	memset(&caps, 0, sizeof(caps));
	igt_assert_eq(gntbuf_device_get_caps(dev, &caps), 0);
	igt_info("caps %#llx, guest type %s\n",
		 (unsigned long long)caps.caps, pv ? "PV" : "not PV");
	igt_assert_eq(gntbuf_device_get_backend(dev), GNTBUF_BACKEND_GNTDEV);
	igt_assert_eq_u32(caps.backend, GNTBUF_BACKEND_GNTDEV);
	igt_assert_eq_u32(caps.abi_version, 0);
	igt_assert_eq_u32(caps.page_size, 4096);
	/* gntdev does not say its limits (the library applies 1048576). */
	igt_assert_eq_u32(caps.max_pages_per_buffer, 0);
	igt_assert_eq_u32(caps.max_pages_per_device, 0);
	igt_assert_eq_u32(caps.max_pages_total, 0);
	expected |= pv ? GNTBUF_CAP_PV_MAPPINGS :
		GNTBUF_CAP_AUTO_TRANSLATED | GNTBUF_CAP_EXPORT_REFS;
	/* The module beside it maintains gntdev's dma-bufs: ranges too. */
	gntbuf_query(raw, &q);
	igt_assert(q.features & GNTBUF_FEATURE_SYNC_ANY_DMABUF);
	expected |= GNTBUF_CAP_SYNC_RANGE;
	igt_assert_eq_u64(caps.caps, expected);

	/* The claim about exports is gntdev's own answer to one. */
	gntbuf_grants_create(gntbuf_local_source(), 1, SEED_A, true, &g);
	err = gntdev_raw_export(&g);
	igt_info("gntdev EXP_FROM_REFS of one gref: %s\n",
		 err ? strerror(err) : "a dma-buf");
	igt_assert_eq(err, pv ? EINVAL : 0);
	gntbuf_grants_end(&g, 5000);
}

void test_counters_gntdev(void)
{
	struct gntbuf_counters c;

	/* gntdev keeps no counters the library could give. */
	igt_assert_eq(gntbuf_device_get_counters(dev, &c), -EOPNOTSUPP);
	igt_assert_eq(gntbuf_device_get_counters(dev, NULL), -EINVAL);
}

/*
 * Exports from grants. In a PV domain gntdev refuses them (EINVAL: it
 * maps with use_ptemod) and the library says -EOPNOTSUPP without asking.
 * Elsewhere: the getters, the dup, no mmap (gntdev's dma-bufs have none),
 * and a wait that times out while a dup holds the dma-buf.
 */
void test_export_gntdev(enum gntbuf_source s)
{
	struct gntbuf_buffer *buf = SENTINEL;
	struct gntbuf_grants g;
	uint64_t before;
	void *p = SENTINEL;
	int fd, err;

	gntbuf_grants_create(s, PAGES, SEED_A, true, &g);
	err = gntdev_raw_export(&g);
	if (pv_domain()) {
		igt_assert_eq(err, EINVAL);
		igt_assert_eq(gntbuf_buffer_from_refs(dev, g.domid, g.refs,
						      PAGES, 0, &buf),
			      -EOPNOTSUPP);
		igt_assert(buf == SENTINEL);
		gntbuf_grants_end(&g, 5000);
		return;
	}
	igt_assert_eq(err, 0);

	igt_assert_eq(gntbuf_buffer_from_refs(dev, g.domid, g.refs, PAGES, 0,
					      &buf), 0);
	fd = check_from_refs_buffer(buf, &g);
	/* gntdev's dma-bufs have no mmap: dma-buf's own -EINVAL. */
	igt_assert_eq(gntbuf_buffer_map(buf, GNTBUF_ACCESS_READ, &p), -EINVAL);
	igt_assert(p == SENTINEL);
	/*
	 * gntdev does no cache maintenance: the module does it, counted to
	 * the byte. The whole buffer when the CPU is to read (begin) or has
	 * written (end), nothing otherwise; a range across a page boundary,
	 * 300 bytes each way.
	 */
	before = stats_range_bytes();
	igt_assert_eq(gntbuf_buffer_begin_cpu_access(buf, GNTBUF_ACCESS_READ), 0);
	igt_assert_eq(gntbuf_buffer_end_cpu_access(buf, GNTBUF_ACCESS_READ), 0);
	igt_assert_eq_u64(stats_range_bytes() - before, BYTES);
	before = stats_range_bytes();
	igt_assert_eq(gntbuf_buffer_begin_cpu_access(buf, GNTBUF_ACCESS_WRITE),
		      0);
	igt_assert_eq(gntbuf_buffer_end_cpu_access(buf, GNTBUF_ACCESS_WRITE),
		      0);
	igt_assert_eq_u64(stats_range_bytes() - before, BYTES);
	before = stats_range_bytes();
	igt_assert_eq(gntbuf_buffer_begin_cpu_access_range(buf,
			GNTBUF_ACCESS_RW, 4096 - 100, 300), 0);
	igt_assert_eq(gntbuf_buffer_end_cpu_access_range(buf,
			GNTBUF_ACCESS_RW, 4096 - 100, 300), 0);
	igt_assert_eq_u64(stats_range_bytes() - before, 600);
	igt_assert_eq(gntbuf_buffer_begin_cpu_access_range(buf,
			GNTBUF_ACCESS_READ, BYTES - 1, 2), -EINVAL);

	/* The dup holds the dma-buf: gntdev's wait times out. */
	igt_assert_eq(gntbuf_buffer_wait_released(buf, 0), -ETIMEDOUT);
	igt_assert_eq(gntbuf_buffer_wait_released(buf, 100), -ETIMEDOUT);
	igt_assert_eq(gntbuf_buffer_dup_fd(buf, &fd), -EBADF);
	close(fd);
	igt_assert_eq(gntbuf_buffer_wait_released(buf, 2000), 0);
	igt_assert_eq(gntbuf_buffer_wait_released(buf, 0), 0);
	gntbuf_buffer_destroy(buf);

	/* gntdev unmapped the grants: the granter can end them. */
	gntbuf_grants_end(&g, 5000);
}

/* No read-only buffers from gntdev, and no ALLOC: -EOPNOTSUPP. */
void test_export_read_only_gntdev(enum gntbuf_source s)
{
	struct gntbuf_buffer *buf = SENTINEL;
	struct gntbuf_grants g;

	gntbuf_grants_create(s, PAGES, SEED_A, false, &g);
	igt_assert_eq(gntbuf_buffer_from_refs(dev, g.domid, g.refs, PAGES,
					      GNTBUF_BUFFER_READ_ONLY, &buf),
		      -EOPNOTSUPP);
	igt_assert(buf == SENTINEL);
	gntbuf_grants_end(&g, 5000);
}

/* Bad arguments first (-EINVAL), then gntdev's lack of ALLOC. */
void test_alloc_bad_input_gntdev(void)
{
	struct gntbuf_buffer *buf = SENTINEL;

	igt_assert_eq(gntbuf_buffer_alloc(dev, GNTBUF_SELF, 1, 1u << 3, &buf),
		      -EINVAL);
	igt_assert_eq(gntbuf_buffer_alloc(dev, GNTBUF_SELF, 1, 0, NULL),
		      -EINVAL);
	igt_assert_eq(gntbuf_buffer_alloc(NULL, GNTBUF_SELF, 1, 0, &buf),
		      -EINVAL);
	igt_assert_eq(gntbuf_buffer_alloc(dev, GNTBUF_SELF, 0, 0, &buf),
		      -EOPNOTSUPP);
	igt_assert_eq(gntbuf_buffer_alloc(dev, GNTBUF_SELF, UINT32_MAX, 0,
					  &buf), -EOPNOTSUPP);
	igt_assert(buf == SENTINEL);
}

void test_alloc_gntdev(enum gntbuf_source s)
{
	struct gntbuf_buffer *buf = SENTINEL;
	struct gntbuf_grantee ge;

	gntbuf_grantee_init(s, &ge);
	igt_assert_eq(gntbuf_buffer_alloc(dev, ge.domid, PAGES, 0, &buf),
		      -EOPNOTSUPP);
	igt_assert(buf == SENTINEL);
}

/*
 * Bad exports on gntdev. The library's own checks come first (NULL refs
 * or out, unknown flags); then, in a PV domain, -EOPNOTSUPP for all else.
 * Elsewhere gntdev's answers: over the library's limit (1048576 pages)
 * -E2BIG, over gntdev's (its limit parameter, 65536) gntdev's EINVAL,
 * and errors for bad grants or domains; the granter can end its grants
 * after (nothing stayed mapped).
 */
void test_export_bad_input_gntdev(void)
{
	struct gntbuf_buffer *buf = SENTINEL;
	struct gntbuf_grants g;
	uint32_t *many;

	gntbuf_grants_create(gntbuf_local_source(), 4, SEED_A, true, &g);
	check_from_refs_bad_args(&g);
	if (pv_domain()) {
		igt_assert_eq(gntbuf_buffer_from_refs(dev, g.domid, g.refs,
						      0, 0, &buf),
			      -EOPNOTSUPP);
		igt_assert_eq(gntbuf_buffer_from_refs(dev, g.domid, g.refs,
						      4, 0, &buf),
			      -EOPNOTSUPP);
		igt_assert(buf == SENTINEL);
		gntbuf_grants_end(&g, 3000);
		return;
	}
	igt_assert_eq(gntbuf_buffer_from_refs(dev, g.domid, g.refs, 0, 0, &buf),
		      -EINVAL);
	igt_assert_eq(gntbuf_buffer_from_refs(dev, g.domid, g.refs,
					      1048577, 0, &buf), -E2BIG);
	many = calloc(65537, sizeof(*many));
	igt_assert(many);
	memcpy(many, g.refs, 4 * sizeof(*many));
	igt_assert_eq(gntbuf_buffer_from_refs(dev, g.domid, many, 65537, 0,
					      &buf), -EINVAL);
	free(many);
	check_from_refs_bad_grants(&g);
	igt_assert(buf == SENTINEL);
	gntbuf_grants_end(&g, 3000);
}
