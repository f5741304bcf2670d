// SPDX-License-Identifier: MIT
/*
 * gntbuf_lib: libgntbuf against the xen-gntbuf module, in real Xen. Every
 * public call: devices and their capabilities (checked against the
 * module's own QUERY and STATS), buffers exported from grefs, allocated and
 * granted, imported from vgem, their release, mmap and CPU access (whole,
 * ranges, damage rectangles, with the module's counters telling how many
 * bytes were maintained), sync_files, page directories read and filled
 * through real grants, and the DRM (vgem PRIME, vkms framebuffers) and GBM
 * helpers. And the gntdev fallback chosen explicitly: it works where the
 * kernel has gntdev's dma-buf ioctls, and says -EOPNOTSUPP where it has not.
 *
 * Sharing subtests run on grants dom0 made to itself ("self") and on a PV
 * and a PVH domU's ("foreign-pv", "foreign-pvh"): the PV dom0's foreign
 * path is the one self-grants do not take.
 */
#include "igt.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <gbm.h>
#include <xen/sys/gntdev.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include <gntbuf.h>

#include "gntbuf_test.h"

IGT_TEST_DESCRIPTION("libgntbuf on the xen-gntbuf module: devices, buffers "
		     "from grefs, allocated and imported, release, CPU access, "
		     "sync_files, page directories, DRM and GBM, and the "
		     "gntdev fallback");

#define PAGES 16
#define BYTES (PAGES * GNTBUF_TEST_PAGE_SIZE)
#define SEED_A 0x510e527fu
#define SEED_B 0x9b05688cu
#define SEED_C 0x1f83d9abu
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* A pointer the library must not write on failure. */
#define SENTINEL ((void *)0x5e5e5e5e)

static struct gntbuf_device *dev;
static int raw = -1;	/* the module's device, for QUERY and STATS */

/* Opens a device: 0 or the library's negative errno. */
static int __lib_open(enum gntbuf_backend backend, struct gntbuf_device **out)
{
	return gntbuf_device_open(backend, out);
}

static struct gntbuf_device *lib_open(enum gntbuf_backend backend)
{
	struct gntbuf_device *d = NULL;
	int ret = __lib_open(backend, &d);

	igt_require_f(ret != -ENODEV, "no %s device\n",
		      gntbuf_backend_get_name(backend));
	igt_assert_f(ret == 0, "gntbuf_device_open(%s): %s\n",
		     gntbuf_backend_get_name(backend), strerror(-ret));
	return d;
}

static void check_cloexec(int fd)
{
	int flags = fcntl(fd, F_GETFD);

	igt_assert_f(flags >= 0 && (flags & FD_CLOEXEC),
		     "fd %d is not O_CLOEXEC\n", fd);
}

static uint64_t stats_range_bytes(void)
{
	struct gntbuf_stats s;

	gntbuf_stats(raw, &s);
	return s.flushed_bytes_range;
}

/* ------------------------------------------------------------------ */

static void test_caps(void)
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

static void test_counters(void)
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

static void test_open_errors(void)
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

static void test_gntdev_eopnotsupp(void)
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

static void test_gntdev_fallback(void)
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
	igt_assert(!(caps.caps & (GNTBUF_CAP_ALLOC | GNTBUF_CAP_SYNC_RANGE)));
	igt_assert_eq(gntbuf_device_get_counters(g, &counters), -EOPNOTSUPP);
	igt_assert_eq(gntbuf_buffer_alloc(g, GNTBUF_SELF, 1, 0, &buf), -EOPNOTSUPP);

	/* gntdev's import: vgem pages granted to ourselves. */
	vgem = gntbuf_test_open_vgem();
	gntbuf_test_dumb_create(vgem, 64, 64, 32, &dumb);
	gntbuf_pattern_fill(dumb.map, dumb.size, SEED_A);
	igt_assert_eq(drmPrimeHandleToFD(vgem, dumb.handle, DRM_CLOEXEC |
					 DRM_RDWR, &prime), 0);
	igt_assert_eq(gntbuf_buffer_grant_dmabuf(g, prime, 0, 0, &buf), 0);
	gntbuf_grantee_init(GNTBUF_SOURCE_SELF, &ge);
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

static void test_export(enum gntbuf_source s)
{
	struct gntbuf_grants g;
	struct gntbuf_buffer *buf;
	uint32_t count;
	const uint32_t *refs;
	void *p, *q;
	int fd;

	gntbuf_grants_create(s, PAGES, SEED_A, true, &g);
	igt_assert_eq(gntbuf_buffer_from_refs(dev, g.domid, g.refs, PAGES, 0,
					      &buf), 0);
	igt_assert_eq(gntbuf_buffer_get_kind(buf), GNTBUF_BUFFER_FROM_REFS);
	igt_assert_neq_u64(gntbuf_buffer_get_id(buf), 0);
	igt_assert_eq_u32(gntbuf_buffer_get_domid(buf), g.domid);
	igt_assert_eq_u32(gntbuf_buffer_get_page_count(buf), PAGES);
	igt_assert_eq_u64(gntbuf_buffer_get_size(buf), BYTES);
	refs = gntbuf_buffer_get_refs(buf, &count);
	igt_assert_eq_u32(count, PAGES);
	igt_assert(memcmp(refs, g.refs, PAGES * sizeof(*refs)) == 0);

	/* A dup of the dma-buf: the caller's, O_CLOEXEC, the right size. */
	igt_assert_eq(gntbuf_buffer_dup_fd(buf, &fd), 0);
	check_cloexec(fd);
	igt_assert_eq_u64(gntbuf_dmabuf_size(fd), BYTES);

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

static void test_export_read_only(enum gntbuf_source s)
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

static void test_export_bad_input(void)
{
	struct gntbuf_buffer *buf = SENTINEL;
	struct gntbuf_caps caps;
	struct gntbuf_grants g;
	struct gntbuf_stats before;
	uint32_t refs[4];
	int ret;

	gntbuf_device_get_caps(dev, &caps);
	gntbuf_grants_create(gntbuf_local_source(), 4, SEED_A, true, &g);
	gntbuf_stats(raw, &before);

	/* count 0; NULL refs; NULL out; an unknown flag. */
	igt_assert_eq(gntbuf_buffer_from_refs(dev, g.domid, g.refs, 0, 0, &buf),
		      -EINVAL);
	igt_assert_eq(gntbuf_buffer_from_refs(dev, g.domid, NULL, 4, 0, &buf),
		      -EINVAL);
	igt_assert_eq(gntbuf_buffer_from_refs(dev, g.domid, g.refs, 4, 0, NULL),
		      -EINVAL);
	igt_assert_eq(gntbuf_buffer_from_refs(dev, g.domid, g.refs, 4, 1u << 7,
					      &buf), -EINVAL);
	/* A count past the module's limit, and a million pages. */
	igt_assert_eq(gntbuf_buffer_from_refs(dev, g.domid, g.refs,
					      caps.max_pages_per_buffer + 1,
					      0, &buf), -E2BIG);
	igt_assert_eq(gntbuf_buffer_from_refs(dev, g.domid, g.refs, 1000000, 0,
					      &buf), -E2BIG);
	/* A gref nobody granted, after good ones: the whole call fails. */
	memcpy(refs, g.refs, sizeof(refs));
	refs[3] = 0xfffffu;
	ret = gntbuf_buffer_from_refs(dev, g.domid, refs, 4, 0, &buf);
	igt_info("bad gref: %s\n", strerror(-ret));
	igt_assert_lt(ret, 0);
	/* DOMID_SELF (Xen refuses it as a grant's mapping target). */
	ret = gntbuf_buffer_from_refs(dev, GNTBUF_TEST_DOMID_SELF, g.refs,
				      4, 0, &buf);
	igt_info("DOMID_SELF: %s\n", strerror(-ret));
	igt_assert_lt(ret, 0);
	/* A domain that does not exist. */
	ret = gntbuf_buffer_from_refs(dev, 0x7fe0, g.refs, 4, 0, &buf);
	igt_info("missing domain: %s\n", strerror(-ret));
	igt_assert_lt(ret, 0);
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
static void test_log_handler(void)
{
	struct gntbuf_buffer *buf = SENTINEL;
	struct log_capture cap = { 0 };
	struct gntbuf_grants g;
	uint32_t refs[4];
	char want[32];
	int ret, fd;

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

static void test_alloc(enum gntbuf_source s)
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

static void test_alloc_bad_input(void)
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

static void test_import(enum gntbuf_source s)
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

	/* Another exporter's dma-buf: a range syncs the whole buffer. */
	before = stats_range_bytes();
	igt_assert_eq(gntbuf_buffer_begin_cpu_access_range(buf,
			GNTBUF_ACCESS_RW, 0, 100), 0);
	igt_assert_eq(gntbuf_buffer_end_cpu_access_range(buf,
			GNTBUF_ACCESS_RW, 0, 100), 0);
	igt_assert_eq_u64(stats_range_bytes(), before);

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

static void test_import_bad_input(void)
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

/* ------------------------------------------------------------------ */

static void test_cpu_access_errors(void)
{
	struct gntbuf_layout layout;
	struct gntbuf_buffer *buf;
	struct gntbuf_rect rect;
	const uint64_t size = 4 * 4096;

	igt_assert_eq(gntbuf_buffer_alloc(dev, GNTBUF_SELF, 4, 0, &buf), 0);

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
	gntbuf_buffer_destroy(buf);
}

static void test_sync_file(void)
{
	struct gntbuf_buffer *buf;
	struct pollfd pfd;
	int sync_fd = -1, fd, ret;

	igt_assert_eq(gntbuf_buffer_alloc(dev, GNTBUF_SELF, 4, 0, &buf), 0);
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
	gntbuf_buffer_destroy(buf);
}

static void test_outlives_device(void)
{
	struct gntbuf_device *d = lib_open(GNTBUF_BACKEND_MODULE);
	struct gntbuf_buffer *buf;
	void *p;

	igt_assert_eq(gntbuf_buffer_alloc(d, GNTBUF_SELF, 4, 0, &buf), 0);
	/* The caller lets the device go; the buffer keeps it open. */
	gntbuf_device_close(d);
	igt_assert_eq(gntbuf_buffer_map(buf, GNTBUF_ACCESS_RW, &p), 0);
	igt_assert_eq(gntbuf_buffer_begin_cpu_access_range(buf,
			GNTBUF_ACCESS_WRITE, 0, 4096), 0);
	memset(p, 0x3c, 4096);
	igt_assert_eq(gntbuf_buffer_end_cpu_access_range(buf,
			GNTBUF_ACCESS_WRITE, 0, 4096), 0);
	igt_assert_eq(gntbuf_buffer_wait_released(buf, 1000), 0);
	gntbuf_buffer_destroy(buf);
}

/* ------------------------------------------------------------------ */

/*
 * Page directories through real grants. Self: a two-page chain (2025
 * refs, a 1080p buffer) on pages dom0 grants itself. Foreign: one page
 * the domU grants, holding the pattern of seed 0, whose first word (0) is
 * an end-of-chain gref_dir_next_page and the rest 1023 grefs.
 */
static void test_pgdir(enum gntbuf_source s)
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

/* ------------------------------------------------------------------ */

/* An exported buffer of local grants, for the DRM and GBM subtests. */
static struct gntbuf_buffer *export_local(struct gntbuf_grants *g)
{
	struct gntbuf_buffer *buf;

	gntbuf_grants_create(gntbuf_local_source(), PAGES, SEED_A, true, g);
	igt_assert_eq(gntbuf_buffer_from_refs(dev, g->domid, g->refs, PAGES,
					      0, &buf), 0);
	return buf;
}

static bool handle_alive(int drm_fd, uint32_t handle)
{
	int fd;

	if (drmPrimeHandleToFD(drm_fd, handle, DRM_CLOEXEC, &fd))
		return false;
	close(fd);
	return true;
}

static void test_drm_prime(void)
{
	struct gntbuf_layout layout;
	struct gntbuf_grants g;
	struct gntbuf_buffer *buf;
	struct gntbuf_drm *drm;
	uint32_t h1, h2, fb;
	int vgem, fd, fd2;

	vgem = gntbuf_test_open_vgem();
	buf = export_local(&g);
	igt_assert_eq(gntbuf_drm_create(vgem, &drm), 0);
	igt_assert_eq(gntbuf_buffer_dup_fd(buf, &fd), 0);
	igt_assert_eq(gntbuf_buffer_dup_fd(buf, &fd2), 0);

	/* Two imports of one buffer: one handle, counted twice. */
	igt_assert_eq(gntbuf_drm_import_handle(drm, fd, &h1), 0);
	igt_assert_eq(gntbuf_drm_import_handle(drm, fd2, &h2), 0);
	igt_assert_eq_u32(h1, h2);
	close(fd2);

	/* Both references held: the first release leaves the handle. */
	igt_assert_eq(gntbuf_drm_release_handle(drm, h1), 0);
	igt_assert(handle_alive(vgem, h1));
	igt_assert_eq(gntbuf_drm_release_handle(drm, h1), 0);
	igt_assert(!handle_alive(vgem, h1));
	igt_assert_eq(gntbuf_drm_release_handle(drm, h1), -ENOENT);

	/* vgem has no KMS: -EOPNOTSUPP, and the failed fb leaks no handle. */
	igt_assert_eq(gntbuf_layout_init(&layout, DRM_FORMAT_XRGB8888, 64, 64,
					 1), 0);
	igt_assert_eq(gntbuf_drm_add_fb(drm, fd, &layout, &fb), -EOPNOTSUPP);
	igt_assert_eq(gntbuf_drm_import_handle(drm, fd, &h1), 0);
	igt_assert_eq(gntbuf_drm_release_handle(drm, h1), 0);
	igt_assert(!handle_alive(vgem, h1));
	/* A layout bigger than the dma-buf never reaches DRM. */
	igt_assert_eq(gntbuf_layout_init(&layout, DRM_FORMAT_XRGB8888, 128, 129,
					 1), 0);
	igt_assert_eq(gntbuf_drm_add_fb(drm, fd, &layout, &fb), -ERANGE);
	/* Not a dma-buf; a closed fd. */
	igt_assert_eq(gntbuf_drm_import_handle(drm, vgem, &h1), -EINVAL);
	igt_assert_eq(gntbuf_drm_import_handle(drm, -1, &h1), -EBADF);

	/*
	 * vgem's handle alone keeps the dma-buf: the wait times out until
	 * the wrapper's destroy closes the handles it still holds.
	 */
	igt_assert_eq(gntbuf_drm_import_handle(drm, fd, &h1), 0);
	close(fd);
	igt_assert_eq(gntbuf_buffer_wait_released(buf, 100), -ETIMEDOUT);
	gntbuf_drm_destroy(drm);
	igt_assert(!handle_alive(vgem, h1));
	igt_assert_eq(gntbuf_buffer_wait_released(buf, 2000), 0);
	gntbuf_buffer_destroy(buf);
	gntbuf_grants_end(&g, 5000);
	close(vgem);
}

/*
 * GETFB2 gives root a new GEM handle of each plane: close those, or they
 * would hold the dma-buf (the wrapper's own @ours is left alone).
 */
static drmModeFB2Ptr get_fb2(int kms, uint32_t fb_id, uint32_t ours)
{
	drmModeFB2Ptr info = drmModeGetFB2(kms, fb_id);

	for (int i = 0; info && i < 4; i++) {
		uint32_t h = info->handles[i];
		bool seen = h == 0 || h == ours;

		for (int j = 0; j < i; j++)
			seen |= info->handles[j] == h;
		if (!seen)
			drmCloseBufferHandle(kms, h);
	}
	return info;
}

static void test_drm_framebuffer(void)
{
	struct gntbuf_layout layout;
	struct gntbuf_grants g;
	struct gntbuf_buffer *buf;
	struct gntbuf_drm *drm;
	drmModeFB2Ptr info;
	uint32_t fb, fb2, fb3, ours;
	int kms, fd, ret;

	kms = __gntbuf_test_open_vkms();
	igt_require_f(kms >= 0, "no vkms (run the rig with --vkms)\n");
	buf = export_local(&g);
	igt_assert_eq(gntbuf_drm_create(kms, &drm), 0);
	igt_assert_eq(gntbuf_buffer_dup_fd(buf, &fd), 0);
	/* The handle the wrapper will use for this dma-buf. */
	igt_assert_eq(gntbuf_drm_import_handle(drm, fd, &ours), 0);
	igt_assert_eq(gntbuf_drm_release_handle(drm, ours), 0);

	/* Linear: AddFB2 with DRM_MODE_FB_MODIFIERS where vkms takes it. */
	igt_assert_eq(gntbuf_layout_init(&layout, DRM_FORMAT_XRGB8888, 64, 64,
					 256), 0);
	igt_assert_eq(gntbuf_drm_add_fb(drm, fd, &layout, &fb), 0);
	info = get_fb2(kms, fb, ours);
	igt_assert(info);
	igt_assert_eq_u32(info->width, 64);
	igt_assert_eq_u32(info->height, 64);
	igt_assert_eq_u32(info->pixel_format, DRM_FORMAT_XRGB8888);
	igt_assert_eq_u32(info->pitches[0], 256);
	if (info->flags & DRM_MODE_FB_MODIFIERS)
		igt_assert_eq_u64(info->modifier, DRM_FORMAT_MOD_LINEAR);
	drmModeFreeFB2(info);

	/*
	 * Implicit modifier: plain AddFB2 (GETFB2 reports the driver's
	 * DRM_MODE_FB_MODIFIERS either way; the implicit one is linear).
	 */
	layout.modifier = DRM_FORMAT_MOD_INVALID;
	igt_assert_eq(gntbuf_drm_add_fb(drm, fd, &layout, &fb2), 0);
	igt_assert_neq_u32(fb2, fb);
	info = get_fb2(kms, fb2, ours);
	igt_assert(info);
	igt_assert_eq_u32(info->width, 64);
	igt_assert_eq_u32(info->pitches[0], 256);
	if (info->flags & DRM_MODE_FB_MODIFIERS)
		igt_assert_eq_u64(info->modifier, DRM_FORMAT_MOD_LINEAR);
	drmModeFreeFB2(info);

	/*
	 * A tiled modifier goes to DRM as it is, never quietly as linear:
	 * DRM refuses it, or the framebuffer carries it (vkms 6.1 takes any
	 * modifier on its planes).
	 */
	layout.modifier = I915_FORMAT_MOD_X_TILED;
	ret = gntbuf_drm_add_fb(drm, fd, &layout, &fb3);
	igt_info("X-tiled on vkms: %s\n", strerror(-ret));
	if (ret == 0) {
		info = get_fb2(kms, fb3, ours);
		igt_assert(info);
		igt_assert(info->flags & DRM_MODE_FB_MODIFIERS);
		igt_assert_eq_u64(info->modifier, I915_FORMAT_MOD_X_TILED);
		drmModeFreeFB2(info);
		igt_assert_eq(gntbuf_drm_remove_fb(drm, fb3), 0);
	} else {
		igt_assert_lt(ret, 0);
	}

	igt_assert_eq(gntbuf_drm_remove_fb(drm, fb), 0);
	igt_assert(!get_fb2(kms, fb, ours));
	igt_assert_eq(gntbuf_drm_remove_fb(drm, fb), -ENOENT);
	/* fb2 is left for the wrapper's destroy to remove. */
	gntbuf_drm_destroy(drm);
	igt_assert(!get_fb2(kms, fb2, ours));

	close(fd);
	igt_assert_eq(gntbuf_buffer_wait_released(buf, 2000), 0);
	gntbuf_buffer_destroy(buf);
	gntbuf_grants_end(&g, 5000);
	close(kms);
}

static void test_gbm(void)
{
	struct gntbuf_layout layout, big;
	struct gntbuf_grants g;
	struct gntbuf_buffer *buf;
	struct gbm_device *gbm;
	struct gbm_bo *bo = SENTINEL;
	const char *names[2] = { "vgem", "vkms" };
	int cards[2], fd, ret = -ENODEV, used = -1;

	cards[0] = __gntbuf_test_open_vgem();
	cards[1] = __gntbuf_test_open_vkms();
	buf = export_local(&g);
	igt_assert_eq(gntbuf_buffer_dup_fd(buf, &fd), 0);
	igt_assert_eq(gntbuf_layout_init(&layout, DRM_FORMAT_XRGB8888, 64, 64,
					 256), 0);

	/* NULL device; an image bigger than the dma-buf. */
	igt_assert_eq(gntbuf_gbm_import(NULL, fd, &layout, 0, &bo), -EINVAL);
	igt_assert(bo == SENTINEL);

	for (int i = 0; i < 2 && used < 0; i++) {
		if (cards[i] < 0)
			continue;
		gbm = gbm_create_device(cards[i]);
		if (!gbm) {
			igt_info("no GBM device on %s\n", names[i]);
			continue;
		}
		igt_info("GBM on %s: backend %s\n", names[i],
			 gbm_device_get_backend_name(gbm));
		big = layout;
		big.height = 1024;
		big.size = (uint64_t)big.strides[0] * big.height;
		igt_assert_eq(gntbuf_gbm_import(gbm, fd, &big, 0, &bo), -ERANGE);

		ret = gntbuf_gbm_import(gbm, fd, &layout, 0, &bo);
		if (ret) {
			igt_info("gbm_bo_import on %s: %s\n", names[i],
				 strerror(-ret));
			gbm_device_destroy(gbm);
			continue;
		}
		used = i;
		igt_assert_eq_u32(gbm_bo_get_width(bo), 64);
		igt_assert_eq_u32(gbm_bo_get_height(bo), 64);
		igt_assert_eq_u32(gbm_bo_get_format(bo), DRM_FORMAT_XRGB8888);
		igt_assert_eq_u32(gbm_bo_get_stride(bo), 256);
		gbm_bo_destroy(bo);
		gbm_device_destroy(gbm);
	}
	close(fd);
	igt_assert_eq(gntbuf_buffer_wait_released(buf, 2000), 0);
	gntbuf_buffer_destroy(buf);
	gntbuf_grants_end(&g, 5000);
	for (int i = 0; i < 2; i++)
		if (cards[i] >= 0)
			close(cards[i]);
	igt_skip_on_f(used < 0, "Mesa's GBM imports no dma-buf on vgem or vkms "
		      "here (last error: %s)\n", strerror(-ret));
	igt_info("imported through GBM on %s\n", names[used]);
}

/* ------------------------------------------------------------------ */

igt_main
{
	igt_fixture {
		raw = gntbuf_open();
		dev = lib_open(GNTBUF_BACKEND_MODULE);
	}

	igt_describe("The capabilities, ABI version and limits the library "
		     "reports are the module's QUERY, bit for bit.");
	igt_subtest("device-caps")
		test_caps();

	igt_describe("The library's counters are the module's STATS, and "
		     "follow a buffer's life.");
	igt_subtest("device-counters")
		test_counters();

	igt_describe("Opens that must fail say why: -ENODEV for a missing "
		     "device or one that is not the module, -EINVAL for bad "
		     "arguments; auto picks the module when it is loaded.");
	igt_subtest("device-open-errors")
		test_open_errors();

	igt_describe("The gntdev fallback, chosen explicitly: where the "
		     "kernel has gntdev's dma-buf ioctls it imports a vgem "
		     "buffer; where not, the subtest skips.");
	igt_subtest("gntdev-fallback")
		test_gntdev_fallback();

	igt_describe("On a kernel without CONFIG_XEN_GNTDEV_DMABUF (gntdev "
		     "answers ENOTTY) the gntdev backend, and auto without the "
		     "module, fail with -EOPNOTSUPP and nothing else.");
	igt_subtest("gntdev-fallback-eopnotsupp")
		test_gntdev_eopnotsupp();

	for (int s = 0; s < GNTBUF_SOURCE_COUNT; s++) {
		igt_describe("A buffer exported from grefs: its getters, a "
			     "CLOEXEC dup of its dma-buf, the granter's bytes "
			     "both ways through its counted mapping, a wait "
			     "that times out while a dup holds it and succeeds "
			     "after, and grants the granter can end.");
		igt_subtest_f("export-%s", gntbuf_source_name(s))
			test_export(s);

		igt_describe("A read-only export: O_RDONLY, no writable "
			     "mapping (-EACCES), the granter's bytes readable.");
		igt_subtest_f("export-read-only-%s", gntbuf_source_name(s))
			test_export_read_only(s);

		igt_describe("Allocated and granted: zeroed pages, the "
			     "grantee's view both ways, range and damage CPU "
			     "access counted to the byte by the module, and a "
			     "release that waits for the grantee to unmap.");
		igt_subtest_f("alloc-%s", gntbuf_source_name(s))
			test_alloc(s);

		igt_describe("A vgem dma-buf imported and granted: the grantee "
			     "and vgem see each other's bytes, ranges fall back "
			     "to whole-buffer syncs, and the release waits for "
			     "the grantee.");
		igt_subtest_f("import-%s", gntbuf_source_name(s))
			test_import(s);

		igt_describe("Page directories read and filled through the "
			     "granter's real grants; short chains, loops and "
			     "an ungranted gref refused.");
		igt_subtest_f("pgdir-%s", gntbuf_source_name(s))
			test_pgdir(s);
	}

	igt_describe("Bad exports, each refused with its errno and nothing "
		     "left mapped: count 0, NULL refs, NULL out, unknown "
		     "flag, count over the limit and a million, an ungranted "
		     "gref, DOMID_SELF, a missing domain.");
	igt_subtest("export-bad-input")
		test_export_bad_input();

	igt_describe("Bad allocations: count 0, unknown flag, NULL out, NULL "
		     "device, count over the limit, UINT32_MAX.");
	igt_subtest("alloc-bad-input")
		test_alloc_bad_input();

	igt_describe("Bad imports: fd -1, a closed fd, a pipe, sizes of 0 and "
		     "100 bytes, a one-page memfd (not a dma-buf), unknown "
		     "flags, NULL out.");
	igt_subtest("import-bad-input")
		test_import_bad_input();

	igt_describe("CPU access refused: ranges past the end, overflowing, "
		     "no or unknown access, an image bigger than the buffer, "
		     "rectangles outside it, a tiled layout, after release.");
	igt_subtest("cpu-access-errors")
		test_cpu_access_errors();

	igt_describe("sync_file export (a signaled, CLOEXEC fence with no "
		     "fences on the buffer) and import; a file that is not a "
		     "sync_file is refused.");
	igt_subtest("sync-file")
		test_sync_file();

	igt_describe("A buffer keeps its device open after the caller "
		     "closes it; range syncs still work.");
	igt_subtest("buffer-outlives-device")
		test_outlives_device();

	igt_describe("PRIME into vgem through the wrapper: one GEM handle "
		     "per buffer, counted, closed at the last release and at "
		     "destroy; vgem's mapping shows the granter's bytes; "
		     "AddFB2 on a card without KMS is -EOPNOTSUPP and leaks "
		     "nothing.");
	igt_subtest("drm-prime-vgem")
		test_drm_prime();

	igt_describe("KMS framebuffers on vkms: linear with modifiers, "
		     "implicit without, a foreign tiling refused; removal and "
		     "the wrapper's destroy take them down.");
	igt_subtest("drm-framebuffer-vkms")
		test_drm_framebuffer();

	igt_describe("gbm_bo_import through the helper on vgem or vkms: the "
		     "bo has the layout's size, format and stride; skips with "
		     "Mesa's reason where it cannot import.");
	igt_subtest("gbm-import")
		test_gbm();

	igt_describe("The device's log handler: a failed call's domain and "
		     "errno text at ERROR, a wait that runs out at INFO only "
		     "once asked for, nothing once removed; bad arguments "
		     "refused.");
	igt_subtest("log-handler")
		test_log_handler();

	igt_fixture {
		gntbuf_device_close(dev);
		gntbuf_peer_stop_all();
		close(raw);
	}
}
