// SPDX-License-Identifier: MIT
/*
 * gntbuf_alloc: ALLOC, the backend-allocated buffer ("be-alloc" of the PV
 * display protocol): dom0 allocates zeroed pages, grants them to a domain
 * and gets a dma-buf of them.  The grantee's mapping and the dma-buf's views
 * must hold the same bytes both ways, and a page the grantee still maps must
 * never be freed or reused.
 *
 * The grantee is dom0 itself ("self", through libxengnttab) and a PV and a
 * PVH domU ("foreign-pv", "foreign-pvh", through their gntdev).
 */
#include "igt.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <xf86drm.h>

#include "gntbuf_test.h"

IGT_TEST_DESCRIPTION("ALLOC: zeroed pages granted to a domain as a dma-buf; "
		     "the grantee's view and the dma-buf's agree both ways, "
		     "and freeing waits for the grantee");

#define PAGES 16
#define BYTES (PAGES * GNTBUF_TEST_PAGE_SIZE)
#define SEED_DMABUF 0x510e527fu
#define SEED_GRANTEE 0x9b05688cu
#define SEED_OTHER 0x1f83d9abu

static int dev = -1;

static void check_zero(const void *buf, size_t bytes)
{
	const uint32_t *w = buf;

	for (size_t i = 0; i < bytes / 4; i++)
		igt_assert_f(w[i] == 0, "word %zu of a new buffer: %#x, not "
			     "zero (not scrubbed)\n", i, w[i]);
}

static uint32_t zero_crc(size_t bytes)
{
	void *zero = calloc(1, bytes);
	uint32_t crc;

	igt_assert(zero);
	crc = gntbuf_crc32(0, zero, bytes);
	free(zero);
	return crc;
}

/* ALLOC, with the checks every buffer gets: fd, size, refs, counters. */
static int alloc_checked(uint32_t domid, uint32_t count, uint32_t flags,
			 uint32_t *refs, const struct gntbuf_stats *before,
			 uint64_t *id)
{
	struct gntbuf_stats now;
	int fd;

	for (uint32_t i = 0; i < count; i++)
		refs[i] = 0xffffffffu;
	fd = gntbuf_alloc(dev, domid, count, flags, refs, id);
	igt_assert_eq_u64(gntbuf_dmabuf_size(fd),
			  (uint64_t)count * GNTBUF_TEST_PAGE_SIZE);
	igt_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	/* Real, distinct references (0-7 are reserved by Xen). */
	for (uint32_t i = 0; i < count; i++) {
		igt_assert_f(refs[i] >= 8 && refs[i] != 0xffffffffu,
			     "ref[%u] = %u\n", i, refs[i]);
		for (uint32_t j = 0; j < i; j++)
			igt_assert_neq_u32(refs[i], refs[j]);
	}
	gntbuf_stats(dev, &now);
	igt_assert_eq_u32(now.live_buffers, before->live_buffers + 1);
	igt_assert_eq_u64(now.allocated_pages,
			  before->allocated_pages + count);
	return fd;
}

static void test_share(enum gntbuf_source tgt)
{
	struct gntbuf_grantee grantee;
	struct gntbuf_stats before;
	uint32_t refs[PAGES];
	uint8_t *map;
	uint64_t id;
	int fd;

	gntbuf_grantee_init(tgt, &grantee);
	gntbuf_stats(dev, &before);
	fd = alloc_checked(grantee.domid, PAGES, 0, refs, &before, &id);
	map = gntbuf_dmabuf_mmap(fd, BYTES, PROT_READ | PROT_WRITE);

	/* Scrubbed, seen from both sides. */
	gntbuf_dmabuf_begin(fd, false);
	check_zero(map, BYTES);
	gntbuf_dmabuf_end(fd, false);
	gntbuf_grantee_map(&grantee, refs, PAGES, true);
	igt_assert_eq_u32(gntbuf_grantee_crc(&grantee), zero_crc(BYTES));

	/* dma-buf mmap → end_cpu_access → the grantee reads the bytes. */
	gntbuf_dmabuf_begin(fd, true);
	gntbuf_pattern_fill(map, BYTES, SEED_DMABUF);
	gntbuf_dmabuf_end(fd, true);
	gntbuf_grantee_check(&grantee, SEED_DMABUF);

	/* The grantee writes → begin_cpu_access → the mmap reads them. */
	gntbuf_grantee_fill(&grantee, SEED_GRANTEE);
	gntbuf_dmabuf_begin(fd, false);
	gntbuf_pattern_check(map, BYTES, SEED_GRANTEE);
	gntbuf_dmabuf_end(fd, false);

	gntbuf_grantee_unmap(&grantee);
	igt_assert_eq(munmap(map, BYTES), 0);
	close(fd);
	gntbuf_wait_released(dev, id, 5000);
	gntbuf_assert_back_to(dev, &before, 1000);
	/* The grants are ended: nobody can map them any more. */
	if (tgt == GNTBUF_SOURCE_SELF)
		igt_assert(!gntbuf_grants_mappable(GNTBUF_SELF, refs, PAGES));
	else
		igt_assert_neq(__gntbuf_grantee_map(&grantee, refs, PAGES,
						    false), 0);
}

static void test_read_only(enum gntbuf_source tgt)
{
	struct gntbuf_grantee grantee;
	struct gntbuf_stats before;
	uint32_t refs[PAGES];
	uint8_t *map;
	uint64_t id;
	int fd;

	gntbuf_grantee_init(tgt, &grantee);
	gntbuf_stats(dev, &before);
	fd = alloc_checked(grantee.domid, PAGES, GNTBUF_ALLOC_READ_ONLY, refs,
			   &before, &id);
	/* Our side stays writable. */
	map = gntbuf_dmabuf_mmap(fd, BYTES, PROT_READ | PROT_WRITE);
	gntbuf_dmabuf_begin(fd, true);
	gntbuf_pattern_fill(map, BYTES, SEED_DMABUF);
	gntbuf_dmabuf_end(fd, true);

	/* The grantee cannot map them writable, only read-only. */
	igt_assert_neq(__gntbuf_grantee_map(&grantee, refs, PAGES, true), 0);
	gntbuf_grantee_map(&grantee, refs, PAGES, false);
	gntbuf_grantee_check(&grantee, SEED_DMABUF);

	gntbuf_grantee_unmap(&grantee);
	igt_assert_eq(munmap(map, BYTES), 0);
	close(fd);
	gntbuf_wait_released(dev, id, 5000);
	gntbuf_assert_back_to(dev, &before, 1000);
}

static void test_free_waits(enum gntbuf_source tgt)
{
	struct gntbuf_grantee grantee;
	struct gntbuf_stats before, now;
	uint32_t refs[PAGES], refs2[PAGES];
	uint8_t *map;
	uint64_t id, id2;
	int fd, fd2;

	gntbuf_grantee_init(tgt, &grantee);
	gntbuf_stats(dev, &before);
	fd = alloc_checked(grantee.domid, PAGES, 0, refs, &before, &id);
	map = gntbuf_dmabuf_mmap(fd, BYTES, PROT_READ | PROT_WRITE);
	gntbuf_dmabuf_begin(fd, true);
	gntbuf_pattern_fill(map, BYTES, SEED_DMABUF);
	gntbuf_dmabuf_end(fd, true);
	gntbuf_grantee_map(&grantee, refs, PAGES, true);

	/* We let go while the grantee still maps every page. */
	igt_assert_eq(munmap(map, BYTES), 0);
	close(fd);
	igt_assert_eq(__gntbuf_wait_released(dev, id, 500), -ETIMEDOUT);
	gntbuf_stats(dev, &now);
	gntbuf_stats_print("released, still mapped", &now);
	igt_assert_eq_u64(now.pending_release, before.pending_release + 1);
	igt_assert_eq_u64(now.allocated_pages, before.allocated_pages + PAGES);

	/*
	 * New buffers must not get those pages: allocate and fill one while
	 * the old pages are pending, then check the grantee's bytes.
	 */
	fd2 = gntbuf_alloc(dev, grantee.domid, PAGES, 0, refs2, &id2);
	map = gntbuf_dmabuf_mmap(fd2, BYTES, PROT_READ | PROT_WRITE);
	gntbuf_dmabuf_begin(fd2, true);
	check_zero(map, BYTES);
	gntbuf_pattern_fill(map, BYTES, SEED_OTHER);
	gntbuf_dmabuf_end(fd2, true);
	igt_assert_eq(munmap(map, BYTES), 0);
	close(fd2);
	gntbuf_wait_released(dev, id2, 5000);

	/* The pending pages are intact and still the grantee's, both ways. */
	gntbuf_grantee_check(&grantee, SEED_DMABUF);
	gntbuf_grantee_fill(&grantee, SEED_GRANTEE);
	gntbuf_grantee_check(&grantee, SEED_GRANTEE);

	/* The grantee unmaps: now the buffer is released and freed. */
	gntbuf_grantee_unmap(&grantee);
	gntbuf_wait_released(dev, id, 5000);
	igt_assert_eq(__gntbuf_wait_released(dev, id, 0), -ENOENT);
	gntbuf_assert_back_to(dev, &before, 1000);
}

static void test_scrubbed(void)
{
	struct gntbuf_stats before;
	uint32_t refs[PAGES];
	uint8_t *map;
	uint64_t id;
	int fd;

	gntbuf_stats(dev, &before);
	/* Dirty pages, freed, then new ones: the page allocator reuses. */
	for (int round = 0; round < 8; round++) {
		fd = alloc_checked(0, PAGES, 0, refs, &before, &id);
		map = gntbuf_dmabuf_mmap(fd, BYTES, PROT_READ | PROT_WRITE);
		gntbuf_dmabuf_begin(fd, true);
		check_zero(map, BYTES);
		memset(map, 0xa5, BYTES);
		gntbuf_dmabuf_end(fd, true);
		igt_assert_eq(munmap(map, BYTES), 0);
		close(fd);
		gntbuf_wait_released(dev, id, 5000);
	}
	gntbuf_assert_back_to(dev, &before, 1000);
}

static void test_vgem(void)
{
	struct drm_gem_close gem_close = { 0 };
	struct gntbuf_grantee grantee;
	struct gntbuf_stats before;
	uint32_t refs[PAGES];
	uint8_t *map;
	uint64_t id;
	int fd, vgem;

	gntbuf_grantee_init(gntbuf_local_source(), &grantee);
	vgem = gntbuf_test_open_vgem();
	gntbuf_stats(dev, &before);
	fd = alloc_checked(grantee.domid, PAGES, 0, refs, &before, &id);
	igt_assert_f(drmPrimeFDToHandle(vgem, fd, &gem_close.handle) == 0,
		     "vgem PRIME import: %s\n", strerror(errno));
	gntbuf_grantee_map(&grantee, refs, PAGES, true);

	map = gntbuf_dmabuf_mmap(fd, BYTES, PROT_READ | PROT_WRITE);
	gntbuf_dmabuf_begin(fd, true);
	gntbuf_pattern_fill(map, BYTES, SEED_DMABUF);
	gntbuf_dmabuf_end(fd, true);
	gntbuf_grantee_check(&grantee, SEED_DMABUF);
	igt_assert_eq(munmap(map, BYTES), 0);
	close(fd);

	/* vgem's import keeps the buffer; the grantee's bytes are there. */
	igt_assert_eq(__gntbuf_wait_released(dev, id, 200), -ETIMEDOUT);
	gntbuf_grantee_unmap(&grantee);
	igt_assert_eq(__gntbuf_wait_released(dev, id, 200), -ETIMEDOUT);
	do_ioctl(vgem, DRM_IOCTL_GEM_CLOSE, &gem_close);
	gntbuf_wait_released(dev, id, 5000);
	gntbuf_assert_back_to(dev, &before, 1000);
	close(vgem);
}

static void test_vmap(enum gntbuf_source tgt)
{
	const size_t bytes = GNTBUF_VKMS_BYTES;
	const uint32_t pages = bytes / GNTBUF_TEST_PAGE_SIZE;
	struct gntbuf_test_dumb other;
	struct gntbuf_grantee grantee;
	struct gntbuf_stats before;
	uint32_t *refs, *expect;
	int kms, kms_other, fd, other_fd;
	uint64_t id;

	/* First what may skip: a skip must not leave vkms open (its DRM
	 * master would stay with this process's leaked fd). */
	gntbuf_grantee_init(tgt, &grantee);
	kms = gntbuf_test_open_vkms();
	kms_other = gntbuf_test_open_vkms();
	refs = calloc(pages, sizeof(*refs));
	expect = malloc(bytes);
	igt_assert(refs && expect);
	gntbuf_stats(dev, &before);
	fd = alloc_checked(grantee.domid, pages, 0, refs, &before, &id);
	gntbuf_grantee_map(&grantee, refs, pages, true);

	gntbuf_test_dumb_create(kms_other, GNTBUF_VKMS_WIDTH,
				GNTBUF_VKMS_HEIGHT, 32, &other);
	igt_assert_eq(drmPrimeHandleToFD(kms_other, other.handle,
					 DRM_CLOEXEC | DRM_RDWR, &other_fd), 0);

	/* vkms writes our buffer through vmap → the grantee sees it. */
	gntbuf_pattern_fill(other.map, bytes, SEED_OTHER);
	gntbuf_vkms_copy(kms, other_fd, fd);
	gntbuf_pattern_fill(expect, bytes, SEED_OTHER);
	for (size_t i = 0; i < bytes / 4; i++)
		expect[i] |= 0xff000000u;
	igt_assert_eq_u32(gntbuf_grantee_crc(&grantee),
			  gntbuf_crc32(0, expect, bytes));

	/* The grantee writes → vkms reads our buffer through vmap. */
	gntbuf_grantee_fill(&grantee, SEED_GRANTEE);
	memset(other.map, 0, bytes);
	gntbuf_vkms_copy(kms, fd, other_fd);
	gntbuf_pattern_fill(expect, bytes, SEED_GRANTEE);
	for (size_t i = 0; i < bytes / 4; i++)
		expect[i] |= 0xff000000u;
	igt_assert(memcmp(other.map, expect, bytes) == 0);

	gntbuf_grantee_unmap(&grantee);
	close(other_fd);
	gntbuf_test_dumb_destroy(kms_other, &other);
	close(fd);
	gntbuf_wait_released(dev, id, 5000);
	gntbuf_assert_back_to(dev, &before, 1000);
	free(refs);
	free(expect);
	close(kms_other);
	close(kms);
}

/*
 * The grantee's domU is destroyed (xl destroy) while it maps two ALLOC
 * buffers: A, which dom0 still holds (mmap and vgem's PRIME import), and B,
 * which dom0 already let go of (pending: only the grantee's mapping keeps
 * it).  Xen drops a dying domain's grant mappings: B must then be freed
 * without anything more from dom0, A stays usable, and the domain goes.
 */
static void test_grantee_destroyed(enum gntbuf_source tgt)
{
	struct drm_gem_close gem_close = { 0 };
	struct gntbuf_grantee grantee;
	struct gntbuf_stats before, mid, now;
	uint32_t refs[2 * PAGES], domid;
	const size_t b_first = BYTES / 4;	/* B's first word in the map */
	uint8_t *map, *map_b;
	uint64_t id, id_b;
	int fd, fd_b, vgem, kmsg;

	gntbuf_grantee_init(tgt, &grantee);
	igt_require_f(!grantee.peer->dom0, "the grantee is dom0 here (this "
		      "test runs in a domU): dom0 cannot be destroyed\n");
	domid = grantee.domid;
	vgem = gntbuf_test_open_vgem();
	kmsg = gntbuf_kmsg_open();

	gntbuf_stats(dev, &before);
	fd = alloc_checked(domid, PAGES, 0, refs, &before, &id);
	gntbuf_stats(dev, &mid);
	fd_b = alloc_checked(domid, PAGES, 0, refs + PAGES, &mid, &id_b);
	/* One pattern across A then B, as the grantee maps them. */
	map = gntbuf_dmabuf_mmap(fd, BYTES, PROT_READ | PROT_WRITE);
	gntbuf_dmabuf_begin(fd, true);
	gntbuf_pattern_fill(map, BYTES, SEED_DMABUF);
	gntbuf_dmabuf_end(fd, true);
	map_b = gntbuf_dmabuf_mmap(fd_b, BYTES, PROT_READ | PROT_WRITE);
	gntbuf_dmabuf_begin(fd_b, true);
	gntbuf_pattern_fill_from(map_b, BYTES, SEED_DMABUF, b_first);
	gntbuf_dmabuf_end(fd_b, true);
	igt_assert_eq(munmap(map_b, BYTES), 0);
	igt_assert_f(drmPrimeFDToHandle(vgem, fd, &gem_close.handle) == 0,
		     "vgem PRIME import: %s\n", strerror(errno));

	gntbuf_grantee_map(&grantee, refs, 2 * PAGES, true);
	gntbuf_grantee_check(&grantee, SEED_DMABUF);
	gntbuf_grantee_fill(&grantee, SEED_GRANTEE);
	gntbuf_dmabuf_begin(fd, false);
	gntbuf_pattern_check(map, BYTES, SEED_GRANTEE);
	gntbuf_dmabuf_end(fd, false);

	/* dom0 lets go of B: the grantee's mapping alone keeps it. */
	close(fd_b);
	igt_assert_eq(__gntbuf_wait_released(dev, id_b, 300), -ETIMEDOUT);
	gntbuf_stats(dev, &now);
	igt_assert_eq_u64(now.pending_release, before.pending_release + 1);

	/* The grantee goes while it maps A and B. */
	gntbuf_grantee_destroy(&grantee);

	/* Xen dropped its mappings: B's grants end and B is freed. */
	gntbuf_wait_released(dev, id_b, 5000);
	igt_assert_eq(__gntbuf_wait_released(dev, id_b, 0), -ENOENT);
	gntbuf_stats(dev, &now);
	gntbuf_stats_print("B freed after the grantee's destroy", &now);
	igt_assert_eq_u64(now.pending_release, before.pending_release);
	igt_assert_eq_u64(now.allocated_pages, before.allocated_pages + PAGES);

	/*
	 * S5: A's grants are ended, not left for a domain that gets the
	 * dead grantee's id later.
	 */
	gntbuf_wait_peer_gone(id);

	/* A is dom0's still: the grantee's last bytes, and writable. */
	gntbuf_dmabuf_begin(fd, true);
	gntbuf_pattern_check(map, BYTES, SEED_GRANTEE);
	gntbuf_pattern_fill(map, BYTES, SEED_OTHER);
	gntbuf_dmabuf_end(fd, true);
	gntbuf_dmabuf_begin(fd, false);
	gntbuf_pattern_check(map, BYTES, SEED_OTHER);
	gntbuf_dmabuf_end(fd, false);
	gntbuf_kmsg_assert_clean(kmsg, "after the grantee was destroyed");

	/* Every holder of A lets go: it is freed at once, grants ended. */
	igt_assert_eq(munmap(map, BYTES), 0);
	do_ioctl(vgem, DRM_IOCTL_GEM_CLOSE, &gem_close);
	close(fd);
	gntbuf_wait_released(dev, id, 5000);
	gntbuf_assert_back_to(dev, &before, 1000);
	igt_assert_f(gntbuf_wait_domain_gone(domid, 5000),
		     "domid %u is still in Xen 5 s after its destroy\n",
		     domid);
	gntbuf_kmsg_assert_clean(kmsg, "after the release");
	close(kmsg);
	close(vgem);
}

static void test_rmmod(void)
{
	struct gntbuf_grantee grantee;
	uint32_t refs[PAGES];
	uint8_t *map;
	int fd, other;

	gntbuf_grantee_init(gntbuf_local_source(), &grantee);
	close(dev);
	dev = -1;
	other = gntbuf_open();
	fd = gntbuf_alloc(other, grantee.domid, PAGES, 0, refs, NULL);
	close(other);
	map = gntbuf_dmabuf_mmap(fd, BYTES, PROT_READ | PROT_WRITE);
	gntbuf_pattern_fill(map, BYTES, SEED_DMABUF);

	/* The dma-buf alone, then its mapping alone, hold the module. */
	igt_assert_eq(__gntbuf_module_unload(), -EAGAIN);
	close(fd);
	igt_assert_eq(__gntbuf_module_unload(), -EAGAIN);
	gntbuf_pattern_check(map, BYTES, SEED_DMABUF);
	igt_assert_eq(munmap(map, BYTES), 0);

	igt_assert_eq(__gntbuf_module_unload(), 0);
	/* Unloading ended the grants. */
	igt_assert(!gntbuf_grantee_mappable(&grantee, refs, PAGES));
	gntbuf_module_reload();
	dev = gntbuf_open();
	gntbuf_assert_idle(dev, 0);
}

igt_main
{
	igt_fixture {
		dev = gntbuf_open();
		gntbuf_require_features(dev, GNTBUF_FEATURE_ALLOC);
	}

	for (int t = 0; t < GNTBUF_SOURCE_COUNT; t++) {
		igt_describe("New pages are zero on both sides; bytes written "
			     "through the dma-buf's mmap (end_cpu_access) are "
			     "read by the grantee, and the grantee's writes "
			     "are read back after begin_cpu_access; released, "
			     "the grants can no longer be mapped.");
		igt_subtest_f("share-%s", gntbuf_source_name(t))
			test_share(t);

		igt_describe("A read-only ALLOC cannot be mapped writable by "
			     "the grantee, only read-only, and reads our "
			     "bytes.");
		igt_subtest_f("read-only-%s", gntbuf_source_name(t))
			test_read_only(t);

		igt_describe("Released while the grantee maps it, the buffer "
			     "stays pending (WAIT_RELEASED times out, "
			     "pending_release counts it), a new ALLOC does not "
			     "get its pages, the grantee keeps its bytes; "
			     "after the grantee unmaps, it is freed.");
		igt_subtest_f("free-waits-for-grantee-%s",
			      gntbuf_source_name(t))
			test_free_waits(t);
	}

	igt_describe("Pages are scrubbed: eight rounds of ALLOC, dirty, free "
		     "always start from zeros.");
	igt_subtest("scrubbed")
		test_scrubbed();

	igt_describe("vgem's PRIME import keeps an ALLOC buffer alive after "
		     "its fd is closed and after the grantee unmapped.");
	igt_subtest("vgem-holds")
		test_vgem();

	for (int t = 0; t < GNTBUF_SOURCE_FOREIGN_PVH; t++) {
		igt_describe("vkms writes the ALLOC buffer through vmap and the "
			     "grantee reads those pixels; the grantee writes "
			     "and vkms reads them through vmap.");
		igt_subtest_f("vmap-%s", gntbuf_source_name(t))
			test_vmap(t);
	}

	/* Last of the foreign subtests: they destroy the peers. */
	for (int t = GNTBUF_SOURCE_FOREIGN_PV; t < GNTBUF_SOURCE_COUNT; t++) {
		igt_describe("The grantee's domU is destroyed (xl destroy) "
			     "while it maps two ALLOC buffers, one dom0 holds "
			     "(mmap, vgem) and one dom0 released (pending): "
			     "the pending one is freed, the held one stays "
			     "usable, no kernel error, counters back after "
			     "release, the domain gone from Xen.  Skips when "
			     "the grantee is dom0.");
		igt_subtest_f("grantee-destroyed-%s", gntbuf_source_name(t))
			test_grantee_destroyed(t);
	}

	igt_describe("rmmod is refused (EAGAIN) while an ALLOC dma-buf or its "
		     "mapping lives; it succeeds after, ends the grants, and "
		     "the module loads again.");
	igt_subtest("rmmod-refused-while-alive")
		test_rmmod();

	igt_fixture {
		gntbuf_peer_stop_all();
		if (dev >= 0)
			close(dev);
	}
}
