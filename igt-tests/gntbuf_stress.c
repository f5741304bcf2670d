// SPDX-License-Identifier: MIT
/*
 * gntbuf_stress: a thousand cycles of each kind of buffer.  Whatever a cycle
 * leaks adds up: after them every live counter of the module is back to
 * zero, the granter can end all its grants (none stays mapped), and the
 * pages still hold the right bytes.
 */
#include "igt.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <xf86drm.h>

#include "gntbuf_test.h"

IGT_TEST_DESCRIPTION("1000 export/release, alloc/free and import/release "
		     "cycles: counters back to zero, grants all endable");

#define CYCLES 1000
#define PAGES 16
#define BYTES (PAGES * GNTBUF_TEST_PAGE_SIZE)
#define SEED 0x243f6a88u
#define CHECK_EVERY 100

static int dev = -1;

static void test_export(enum gntbuf_source src)
{
	struct gntbuf_grants g;
	uint64_t id, last_id = 0;
	uint8_t *map;
	int fd;

	gntbuf_assert_idle(dev, 2000);
	gntbuf_grants_create(src, PAGES, SEED, true, &g);
	for (int i = 0; i < CYCLES; i++) {
		fd = gntbuf_export(dev, g.domid, g.refs, PAGES, 0, &id);
		/* Ids are never reused. */
		igt_assert_lt_u64(last_id, id);
		last_id = id;
		if (i % CHECK_EVERY == 0) {
			map = gntbuf_dmabuf_mmap(fd, BYTES, PROT_READ);
			gntbuf_dmabuf_begin(fd, false);
			gntbuf_pattern_check(map, BYTES, SEED);
			gntbuf_dmabuf_end(fd, false);
			igt_assert_eq(munmap(map, BYTES), 0);
		}
		close(fd);
		gntbuf_wait_released(dev, id, 5000);
	}
	gntbuf_assert_idle(dev, 2000);
	/* Every grant was unmapped 1000 times: the granter ends them all. */
	gntbuf_grants_check(&g, SEED);
	gntbuf_grants_end(&g, 3000);
	gntbuf_grants_destroy(&g);
}

static void test_alloc(enum gntbuf_source tgt)
{
	struct gntbuf_grantee grantee;
	uint32_t refs[PAGES];
	uint64_t id;
	uint8_t *map;
	int fd;

	gntbuf_assert_idle(dev, 2000);
	gntbuf_grantee_init(tgt, &grantee);
	for (int i = 0; i < CYCLES; i++) {
		fd = gntbuf_alloc(dev, grantee.domid, PAGES, 0, refs, &id);
		if (i % CHECK_EVERY == 0) {
			map = gntbuf_dmabuf_mmap(fd, BYTES,
						 PROT_READ | PROT_WRITE);
			gntbuf_dmabuf_begin(fd, true);
			gntbuf_pattern_fill(map, BYTES, SEED + i);
			gntbuf_dmabuf_end(fd, true);
			gntbuf_grantee_map(&grantee, refs, PAGES, false);
			gntbuf_grantee_check(&grantee, SEED + i);
			gntbuf_grantee_unmap(&grantee);
			igt_assert_eq(munmap(map, BYTES), 0);
		}
		close(fd);
		gntbuf_wait_released(dev, id, 5000);
	}
	gntbuf_assert_idle(dev, 2000);
	/* The last cycle's grants are ended. */
	igt_assert_neq(__gntbuf_grantee_map(&grantee, refs, PAGES, false), 0);
}

static void test_import(enum gntbuf_source tgt)
{
	struct gntbuf_test_dumb dumb;
	struct gntbuf_grantee grantee;
	uint32_t refs[PAGES];
	int vgem, prime;
	uint64_t id;

	gntbuf_assert_idle(dev, 2000);
	gntbuf_grantee_init(tgt, &grantee);
	vgem = gntbuf_test_open_vgem();
	gntbuf_test_dumb_create(vgem, 1024, PAGES, 32, &dumb);
	igt_assert_eq_u64(dumb.size, BYTES);
	gntbuf_pattern_fill(dumb.map, BYTES, SEED);
	igt_assert_eq(drmPrimeHandleToFD(vgem, dumb.handle,
					 DRM_CLOEXEC | DRM_RDWR, &prime), 0);
	for (int i = 0; i < CYCLES; i++) {
		id = gntbuf_import(dev, prime, grantee.domid, PAGES, 0, refs);
		if (i % CHECK_EVERY == 0) {
			gntbuf_grantee_map(&grantee, refs, PAGES, false);
			gntbuf_grantee_check(&grantee, SEED);
			gntbuf_grantee_unmap(&grantee);
		}
		gntbuf_import_release(dev, id);
		gntbuf_wait_released(dev, id, 5000);
	}
	gntbuf_assert_idle(dev, 2000);
	igt_assert_neq(__gntbuf_grantee_map(&grantee, refs, PAGES, false), 0);
	/* vgem's buffer went through it all unharmed. */
	gntbuf_pattern_check(dumb.map, BYTES, SEED);
	close(prime);
	gntbuf_test_dumb_destroy(vgem, &dumb);
	close(vgem);
}

static void test_interleaved(void)
{
	struct gntbuf_test_dumb dumb;
	struct gntbuf_grants g;
	uint32_t refs[PAGES];
	int vgem, prime;

	gntbuf_assert_idle(dev, 2000);
	/* Local grants; ALLOC and IMPORT grant to the same domain. */
	gntbuf_grants_create(gntbuf_local_source(), PAGES, SEED, true, &g);
	vgem = gntbuf_test_open_vgem();
	gntbuf_test_dumb_create(vgem, 1024, PAGES, 32, &dumb);
	igt_assert_eq(drmPrimeHandleToFD(vgem, dumb.handle,
					 DRM_CLOEXEC | DRM_RDWR, &prime), 0);

	/* Three buffers alive at once, let go in a rotating order. */
	for (int i = 0; i < CYCLES; i++) {
		uint64_t ids[3];
		int fds[2], order = i % 3;

		fds[0] = gntbuf_export(dev, g.domid, g.refs, PAGES, 0, &ids[0]);
		fds[1] = gntbuf_alloc(dev, g.domid, PAGES, 0, refs, &ids[1]);
		ids[2] = gntbuf_import(dev, prime, g.domid, PAGES, 0, refs);
		for (int k = 0; k < 3; k++) {
			int which = (order + k) % 3;

			if (which == 2)
				gntbuf_import_release(dev, ids[2]);
			else
				close(fds[which]);
		}
		for (int k = 0; k < 3; k++)
			gntbuf_wait_released(dev, ids[k], 5000);
	}
	gntbuf_assert_idle(dev, 2000);
	gntbuf_grants_check(&g, SEED);
	gntbuf_grants_end(&g, 3000);
	gntbuf_grants_destroy(&g);
	close(prime);
	gntbuf_test_dumb_destroy(vgem, &dumb);
	close(vgem);
}

igt_main
{
	igt_fixture {
		dev = gntbuf_open();
		gntbuf_require_features(dev, GNTBUF_FEATURE_EXPORT_REFS |
					GNTBUF_FEATURE_ALLOC |
					GNTBUF_FEATURE_IMPORT);
	}

	for (int s = 0; s < GNTBUF_SOURCE_COUNT; s++) {
		igt_describe("1000 EXPORT_REFS/release cycles of the same "
			     "grants: ids increase, every live counter back "
			     "to zero, the granter ends all its grants.");
		igt_subtest_f("export-release-%s", gntbuf_source_name(s))
			test_export(s);

		igt_describe("1000 ALLOC/free cycles: every live counter back "
			     "to zero, the last grants ended.");
		igt_subtest_f("alloc-free-%s", gntbuf_source_name(s))
			test_alloc(s);

		igt_describe("1000 IMPORT/IMPORT_RELEASE cycles of one vgem "
			     "buffer: every live counter back to zero, the "
			     "last grants ended, vgem's bytes intact.");
		igt_subtest_f("import-release-%s", gntbuf_source_name(s))
			test_import(s);
	}

	igt_describe("1000 cycles of an export, an ALLOC and an IMPORT alive "
		     "together, let go in rotating order: every live counter "
		     "back to zero, the granter ends its grants.");
	igt_subtest("interleaved")
		test_interleaved();

	igt_fixture {
		gntbuf_peer_stop_all();
		close(dev);
	}
}
