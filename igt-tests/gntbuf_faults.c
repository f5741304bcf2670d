// SPDX-License-Identifier: MIT
/*
 * gntbuf_faults: every allocation a call makes, failed in turn (fail-nth).
 *
 * For each call (an ioctl, an mmap, an importer's mapping, a release), the
 * sweep makes the 1st, then the 2nd, ... fault point the call reaches fail,
 * until a call reaches fewer than n: that call must then succeed untouched.
 * After each injected failure the call returned 0 (the kernel had a
 * fallback, e.g. kvmalloc's vmalloc) or a documented errno (ENOMEM; EFAULT
 * where a user copy was failed), every live counter is back to its value
 * before, and the same call without injection then succeeds.  At the end
 * the granter ends its grants and none can still be mapped: no grant
 * mapping leaked.
 *
 * Needs a kernel with FAULT_INJECTION_DEBUG_FS, FAILSLAB and
 * FAIL_PAGE_ALLOC (the rig's --debug-kernel); every subtest skips without.
 */
#include "igt.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <xf86drm.h>

#include "gntbuf_test.h"

IGT_TEST_DESCRIPTION("Fault injection: every allocation of EXPORT_REFS, "
		     "ALLOC, IMPORT, SYNC_RANGES, mmap, an importer's mapping "
		     "and the releases failed in turn (fail-nth); documented "
		     "errors, counters back, the call then succeeds");

#define PAGES 16
#define BYTES (PAGES * GNTBUF_TEST_PAGE_SIZE)
#define SEED 0x9b05688cu
#define MAX_FAULT_POINTS 400

static int dev = -1;
static int nth = -1;

/* What one sweep works on. */
struct fault_ctx {
	struct gntbuf_grants grants;	/* EXPORT_REFS's source */
	uint32_t grantee;		/* ALLOC's and IMPORT's peer domid */
	int vgem;
	struct gntbuf_test_dumb dumb;	/* IMPORT's vgem buffer */
	int prime;			/* its dma-buf */
	int fd;				/* the call's dma-buf, or -1 */
	uint64_t id;			/* the call's buffer id */
	void *map;			/* the call's mapping */
	uint32_t handle;		/* vgem's handle of an import */
	uint32_t refs[PAGES];
};

/*
 * A case: @prepare makes what the call needs each time (not swept), @call
 * is swept and returns 0 or -errno, @undo lets go of what a successful
 * call made (not swept).
 */
struct fault_case {
	const char *name;
	void (*prepare)(struct fault_ctx *c);
	int (*call)(struct fault_ctx *c);
	void (*undo)(struct fault_ctx *c);
};

static bool documented(int ret)
{
	return ret == -ENOMEM || ret == -EFAULT;
}

static void sweep(const struct fault_case *fc, struct fault_ctx *c)
{
	struct gntbuf_stats before;
	unsigned int n, failed = 0, fallbacks = 0;
	int ret;
	bool hit;

	for (n = 1; n <= MAX_FAULT_POINTS; n++) {
		if (fc->prepare)
			fc->prepare(c);
		gntbuf_stats(dev, &before);
		gntbuf_fail_nth_set(nth, n);
		ret = fc->call(c);
		hit = gntbuf_fail_nth_injected(nth);
		if (!hit) {
			igt_assert_f(ret == 0, "%s with no fault injected: %s\n",
				     fc->name, strerror(-ret));
			fc->undo(c);
			igt_info("%s: %u fault points, %u failed the call, %u "
				 "had a fallback\n", fc->name, n - 1, failed,
				 fallbacks);
			return;
		}
		if (ret == 0) {
			fallbacks++;
			fc->undo(c);
			continue;
		}
		failed++;
		igt_assert_f(documented(ret), "%s, fault point %u: %s\n",
			     fc->name, n, strerror(-ret));
		gntbuf_assert_back_to(dev, &before, 2000);

		/* Untouched, the same call succeeds. */
		ret = fc->call(c);
		igt_assert_f(ret == 0, "%s after fault point %u failed: %s\n",
			     fc->name, n, strerror(-ret));
		fc->undo(c);
	}
	igt_assert_f(false, "%s: more than %d fault points\n", fc->name,
		     MAX_FAULT_POINTS);
}

/* ---- the calls ---- */

static void release_fd(struct fault_ctx *c)
{
	close(c->fd);
	c->fd = -1;
	gntbuf_wait_released(dev, c->id, 5000);
}

static int call_export(struct fault_ctx *c)
{
	return __gntbuf_export(dev, c->grants.domid, c->grants.refs, PAGES, 0,
			       &c->fd, &c->id);
}

static int call_alloc(struct fault_ctx *c)
{
	return __gntbuf_alloc(dev, c->grantee, PAGES, 0, c->refs, &c->fd,
			      &c->id);
}

static int call_import_vgem(struct fault_ctx *c)
{
	return __gntbuf_import(dev, c->prime, c->grantee, PAGES, 0, c->refs,
			       &c->id);
}

static void undo_import(struct fault_ctx *c)
{
	gntbuf_import_release(dev, c->id);
	gntbuf_wait_released(dev, c->id, 5000);
}

/* IMPORT of the module's own ALLOC buffer (c->fd, made by prepare). */
static void prepare_alloc(struct fault_ctx *c)
{
	c->fd = gntbuf_alloc(dev, c->grantee, PAGES, 0, c->refs, &c->id);
}

static int call_import_alloc(struct fault_ctx *c)
{
	uint32_t refs[PAGES];
	uint64_t id;
	int ret;

	ret = __gntbuf_import(dev, c->fd, c->grantee, PAGES, 0, refs, &id);
	if (ret == 0) {
		gntbuf_import_release(dev, id);
		gntbuf_wait_released(dev, id, 5000);
	}
	return ret;
}

static int call_sync_ranges(struct fault_ctx *c)
{
	struct gntbuf_sync_span spans[4] = {
		{ 0, 64 }, { 4000, 200 }, { 8192, 4096 }, { BYTES - 1, 1 },
	};
	struct gntbuf_sync_ranges arg = {
		.buffer_id = c->id,
		.flags = GNTBUF_SYNC_BOTH,
		.ranges_ptr = (uintptr_t)spans,
		.count = 4,
	};

	return __gntbuf_ioctl(dev, GNTBUF_IOCTL_SYNC_RANGES, &arg);
}

/* mmap of an EXPORT_REFS buffer (c->fd, made by prepare). */
static void prepare_export(struct fault_ctx *c)
{
	c->fd = gntbuf_export(dev, c->grants.domid, c->grants.refs, PAGES, 0,
			      &c->id);
}

static int call_mmap(struct fault_ctx *c)
{
	c->map = mmap(NULL, BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd,
		      0);
	return c->map == MAP_FAILED ? -errno : 0;
}

static void undo_mmap_release(struct fault_ctx *c)
{
	gntbuf_pattern_check(c->map, BYTES, SEED);
	igt_assert_eq(munmap(c->map, BYTES), 0);
	release_fd(c);
}

/* vgem's PRIME import of an EXPORT_REFS buffer: its device mapping. */
static int call_prime_import(struct fault_ctx *c)
{
	return drmPrimeFDToHandle(c->vgem, c->fd, &c->handle) ? -errno : 0;
}

static void undo_prime_import(struct fault_ctx *c)
{
	struct drm_gem_close close_arg = { .handle = c->handle };

	igt_assert_eq(drmIoctl(c->vgem, DRM_IOCTL_GEM_CLOSE, &close_arg), 0);
	release_fd(c);
}

/* The releases: the last close of a dma-buf, IMPORT_RELEASE. */
static int call_close(struct fault_ctx *c)
{
	close(c->fd);
	c->fd = -1;
	return 0;
}

static void undo_wait(struct fault_ctx *c)
{
	gntbuf_wait_released(dev, c->id, 5000);
}

static void prepare_import(struct fault_ctx *c)
{
	c->id = gntbuf_import(dev, c->prime, c->grantee, PAGES, 0, c->refs);
}

static int call_import_release(struct fault_ctx *c)
{
	return __gntbuf_import_release(dev, c->id);
}

static const struct fault_case export_case = {
	"export-refs", NULL, call_export, release_fd,
};
static const struct fault_case mmap_case = {
	"mmap-export", prepare_export, call_mmap, undo_mmap_release,
};

static const struct fault_case cases[] = {
	{ "export-refs", NULL, call_export, release_fd },
	{ "alloc", NULL, call_alloc, release_fd },
	{ "import-vgem", NULL, call_import_vgem, undo_import },
	{ "import-alloc", prepare_alloc, call_import_alloc, release_fd },
	{ "sync-ranges", prepare_alloc, call_sync_ranges, release_fd },
	{ "mmap-export", prepare_export, call_mmap, undo_mmap_release },
	{ "prime-import-export", prepare_export, call_prime_import,
	  undo_prime_import },
	{ "release-export", prepare_export, call_close, undo_wait },
	{ "release-alloc", prepare_alloc, call_close, undo_wait },
	{ "import-release", prepare_import, call_import_release, undo_wait },
};

static void run_case(const struct fault_case *fc, enum gntbuf_source src)
{
	struct gntbuf_grantee grantee;
	struct fault_ctx c = { .fd = -1, .prime = -1, .vgem = -1 };
	struct gntbuf_stats idle;

	gntbuf_stats(dev, &idle);
	gntbuf_grants_create(src, PAGES, SEED, true, &c.grants);
	gntbuf_grantee_init(gntbuf_local_source(), &grantee);
	c.grantee = grantee.domid;
	c.vgem = gntbuf_test_open_vgem();
	gntbuf_test_dumb_create(c.vgem, 1024, PAGES, 32, &c.dumb);
	igt_assert_eq(drmPrimeHandleToFD(c.vgem, c.dumb.handle,
					 DRM_CLOEXEC | DRM_RDWR, &c.prime), 0);

	sweep(fc, &c);

	close(c.prime);
	gntbuf_test_dumb_destroy(c.vgem, &c.dumb);
	close(c.vgem);
	gntbuf_assert_back_to(dev, &idle, 2000);
	/* No grant mapping of ours was left behind. */
	gntbuf_grants_end(&c.grants, 5000);
	gntbuf_grants_destroy(&c.grants);
}

igt_main
{
	igt_fixture {
		dev = gntbuf_open();
		gntbuf_require_features(dev, GNTBUF_FEATURE_SYNC_RANGES);
		nth = gntbuf_fail_nth_open();
	}

	for (volatile unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]);
	     i++) {
		igt_describe_f("Every fault point of %s failed in turn: "
			       "ENOMEM (or EFAULT) or a fallback, counters "
			       "back, then success; grants from this domain's "
			       "local source.", cases[i].name);
		igt_subtest_f("%s", cases[i].name)
			run_case(&cases[i], gntbuf_local_source());
	}

	igt_describe("Every fault point of EXPORT_REFS of a PV domU's grants "
		     "(the PV dom0's grant-mapping path) failed in turn.");
	igt_subtest("export-refs-foreign-pv")
		run_case(&export_case, GNTBUF_SOURCE_FOREIGN_PV);

	igt_describe("Every fault point of the mmap of a PV domU's grants "
		     "(in a PV dom0: grant maps onto the user PTEs) failed in "
		     "turn.");
	igt_subtest("mmap-export-foreign-pv")
		run_case(&mmap_case, GNTBUF_SOURCE_FOREIGN_PV);

	igt_fixture {
		if (nth >= 0)
			close(nth);
		gntbuf_peer_stop_all();
		close(dev);
	}
}
