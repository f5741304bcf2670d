// SPDX-License-Identifier: MIT
/*
 * gntbuf_nobounce: the module never lets swiotlb bounce a buffer.  In a dom0
 * booted with swiotlb=force every streaming DMA mapping would be bounced
 * (drivers/xen/swiotlb-xen.c maps through the bounce pool whenever
 * is_swiotlb_force_bounce() holds), so a device mapping of a gntbuf dma-buf
 * (an importer's attachment) must fail with EREMOTEIO, and the
 * bounce_refusals counter must count each refusal, instead of silently
 * copying.  IMPORT attaches with the module's own device, whose DMA
 * addresses are guest-physical: it never bounces, even then.  CPU access through the dma-buf's
 * mmap needs no device mapping and keeps working.
 *
 * Registered with the rig's --append swiotlb=force; without it, the
 * subtests that need forced bouncing skip, and the one that checks the
 * counter stays at zero runs instead.
 */
#include "igt.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <xf86drm.h>

#include "gntbuf_test.h"

IGT_TEST_DESCRIPTION("No bounce buffers: with swiotlb=force, device "
		     "mappings fail with EREMOTEIO and are counted, and IMPORT "
		     "grants the exporter's own pages");

#define PAGES 16
#define BYTES (PAGES * GNTBUF_TEST_PAGE_SIZE)
#define SEED 0x13198a2eu

static int dev = -1;
static bool forced;

static bool swiotlb_forced(void)
{
	char cmdline[4096] = "";
	FILE *f = fopen("/proc/cmdline", "r");

	igt_assert(f);
	igt_assert(fgets(cmdline, sizeof(cmdline), f) || feof(f));
	fclose(f);
	return strstr(cmdline, "swiotlb=force") != NULL;
}

static uint64_t refusals(void)
{
	struct gntbuf_stats s;

	gntbuf_stats(dev, &s);
	return s.bounce_refusals;
}

static void test_attach_refused(void)
{
	struct gntbuf_stats before;
	struct gntbuf_grants g;
	uint32_t handle;
	uint8_t *map;
	uint64_t id, r0;
	int fd, vgem, ret;

	igt_require_f(forced, "not booted with swiotlb=force\n");
	gntbuf_grants_create(gntbuf_local_source(), PAGES, SEED, true, &g);
	vgem = gntbuf_test_open_vgem();
	gntbuf_stats(dev, &before);
	fd = gntbuf_export(dev, g.domid, g.refs, PAGES, 0, &id);

	/* vgem's PRIME import maps an attachment for its device: refused. */
	r0 = refusals();
	ret = drmPrimeFDToHandle(vgem, fd, &handle);
	igt_assert_f(ret != 0, "vgem imported a buffer that swiotlb would "
		     "bounce\n");
	igt_assert_eq(errno, EREMOTEIO);
	igt_assert_lt_u64(r0, refusals());

	/* The CPU still reads and writes it, without any device mapping. */
	map = gntbuf_dmabuf_mmap(fd, BYTES, PROT_READ | PROT_WRITE);
	gntbuf_dmabuf_begin(fd, true);
	gntbuf_pattern_check(map, BYTES, SEED);
	gntbuf_pattern_fill(map, BYTES, SEED + 1);
	gntbuf_dmabuf_end(fd, true);
	gntbuf_grants_check(&g, SEED + 1);
	igt_assert_eq(munmap(map, BYTES), 0);

	close(fd);
	gntbuf_wait_released(dev, id, 5000);
	gntbuf_assert_back_to(dev, &before, 1000);
	gntbuf_grants_end(&g, 3000);
	gntbuf_grants_destroy(&g);
	close(vgem);
}

static void test_import_never_bounces(void)
{
	struct gntbuf_test_dumb dumb;
	struct gntbuf_grantee grantee;
	uint32_t refs[PAGES];
	uint64_t r0, id;
	int vgem, prime;

	igt_require_f(forced, "not booted with swiotlb=force\n");
	gntbuf_grantee_init(gntbuf_local_source(), &grantee);
	vgem = gntbuf_test_open_vgem();
	gntbuf_test_dumb_create(vgem, 1024, PAGES, 32, &dumb);
	gntbuf_pattern_fill(dumb.map, BYTES, SEED);
	igt_assert_eq(drmPrimeHandleToFD(vgem, dumb.handle,
					 DRM_CLOEXEC | DRM_RDWR, &prime), 0);
	r0 = refusals();
	id = gntbuf_import(dev, prime, grantee.domid, PAGES, 0, refs);
	igt_assert_eq_u64(refusals(), r0);

	/*
	 * A bounced mapping would have granted a copy made at IMPORT: bytes
	 * written by vgem after it, and by the grantee, must cross over.
	 */
	gntbuf_grantee_map(&grantee, refs, PAGES, true);
	gntbuf_grantee_check(&grantee, SEED);
	gntbuf_pattern_fill(dumb.map, BYTES, SEED + 1);
	gntbuf_grantee_check(&grantee, SEED + 1);
	gntbuf_grantee_fill(&grantee, SEED + 2);
	gntbuf_pattern_check(dumb.map, BYTES, SEED + 2);
	gntbuf_grantee_unmap(&grantee);

	gntbuf_import_release(dev, id);
	gntbuf_wait_released(dev, id, 5000);
	close(prime);
	gntbuf_test_dumb_destroy(vgem, &dumb);
	close(vgem);
}

/*
 * F1: IMPORT of the module's own ALLOC dma-buf attaches with the import
 * device, which the swiotlb=force check must not refuse.
 */
static void test_f1_import_alloc_forced(void)
{
	struct gntbuf_grantee grantee;
	uint32_t refs[PAGES], refs2[PAGES];
	uint64_t r0, id, id2;
	uint8_t *map;
	int fd;

	igt_require_f(forced, "not booted with swiotlb=force\n");
	gntbuf_grantee_init(gntbuf_local_source(), &grantee);
	fd = gntbuf_alloc(dev, grantee.domid, PAGES, 0, refs, &id);
	map = gntbuf_dmabuf_mmap(fd, BYTES, PROT_READ | PROT_WRITE);
	gntbuf_dmabuf_begin(fd, true);
	gntbuf_pattern_fill(map, BYTES, SEED);
	gntbuf_dmabuf_end(fd, true);

	r0 = refusals();
	id2 = gntbuf_import(dev, fd, grantee.domid, PAGES, 0, refs2);
	igt_assert_eq_u64(refusals(), r0);
	/* The same pages, granted a second time: the grantee reads them. */
	gntbuf_grantee_map(&grantee, refs2, PAGES, false);
	gntbuf_grantee_check(&grantee, SEED);
	gntbuf_grantee_unmap(&grantee);

	gntbuf_import_release(dev, id2);
	gntbuf_wait_released(dev, id2, 5000);
	munmap(map, BYTES);
	close(fd);
	gntbuf_wait_released(dev, id, 5000);
}

static void test_no_refusal_unforced(void)
{
	struct gntbuf_grants g;
	uint32_t handle;
	uint64_t id, r0;
	int fd, vgem;

	igt_require_f(!forced, "booted with swiotlb=force\n");
	gntbuf_grants_create(gntbuf_local_source(), PAGES, SEED, true, &g);
	vgem = gntbuf_test_open_vgem();
	r0 = refusals();
	fd = gntbuf_export(dev, g.domid, g.refs, PAGES, 0, &id);
	igt_assert_eq(drmPrimeFDToHandle(vgem, fd, &handle), 0);
	igt_assert_eq_u64(refusals(), r0);
	{
		struct drm_gem_close c = { .handle = handle };

		do_ioctl(vgem, DRM_IOCTL_GEM_CLOSE, &c);
	}
	close(fd);
	gntbuf_wait_released(dev, id, 5000);
	gntbuf_grants_destroy(&g);
	close(vgem);
}

igt_main
{
	igt_fixture {
		dev = gntbuf_open();
		gntbuf_require_features(dev, GNTBUF_FEATURE_NO_BOUNCE);
		forced = swiotlb_forced();
		igt_info("swiotlb=force: %s\n", forced ? "yes" : "no");
	}

	igt_describe("With swiotlb=force, vgem's PRIME import of an exported "
		     "buffer (a device mapping that would bounce) fails with "
		     "EREMOTEIO and bounce_refusals counts it; the CPU still "
		     "reads and writes the buffer through its mmap.");
	igt_subtest("attach-refused")
		test_attach_refused();

	igt_describe("With swiotlb=force, IMPORT of a vgem dma-buf still grants "
		     "vgem's own pages, never a bounce copy: bytes written on "
		     "either side after IMPORT cross over, nothing is refused.");
	igt_subtest("import-never-bounces")
		test_import_never_bounces();

	igt_describe("F1: with swiotlb=force, IMPORT of the module's own "
		     "ALLOC dma-buf is not refused (its attachment uses the "
		     "import device, which never bounces) and the grantee "
		     "reads the buffer's bytes through the new grants.");
	igt_subtest("f1-import-alloc-buffer-forced")
		test_f1_import_alloc_forced();

	igt_describe("Without forced bouncing, an importer's device mapping "
		     "succeeds and bounce_refusals does not move.");
	igt_subtest("no-refusal-unforced")
		test_no_refusal_unforced();

	igt_fixture {
		gntbuf_peer_stop_all();
		close(dev);
	}
}
