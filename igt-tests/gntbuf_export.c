// SPDX-License-Identifier: MIT
/*
 * gntbuf_export: EXPORT_REFS turns another domain's grant references into a
 * dma-buf.  The same bytes must show through every view of it (its mmap,
 * a vmap-using importer, vgem) in both directions, the buffer must live as
 * long as anyone holds it and not longer, WAIT_RELEASED must say when the
 * grants are let go, and the module must refuse to unload meanwhile.
 *
 * Every sharing subtest runs on grants dom0 made to itself ("self") and on
 * grants of a PV and a PVH domU ("foreign-pv", "foreign-pvh"): in an x86 PV
 * dom0 only the foreign ones take the grant-mapping path.
 */
#include "igt.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <linux/dma-buf.h>
#include <xf86drm.h>

#include "gntbuf_test.h"
#include "gntbuf_export_release.h"

IGT_TEST_DESCRIPTION("EXPORT_REFS: dma-bufs from grant references, seen "
		     "through mmap, vmap (vkms) and vgem, their lifetime, "
		     "WAIT_RELEASED and module unload");

#define PAGES 16
#define BYTES (PAGES * GNTBUF_TEST_PAGE_SIZE)
#define SEED_GRANTER 0x6a09e667u
#define SEED_DMABUF 0xbb67ae85u
#define SEED_AGAIN 0x3c6ef372u

static int dev = -1;

static void fd_flags(int fd, bool *cloexec, int *accmode)
{
	int fdflags = fcntl(fd, F_GETFD), flflags = fcntl(fd, F_GETFL);

	igt_assert(fdflags >= 0 && flflags >= 0);
	*cloexec = fdflags & FD_CLOEXEC;
	*accmode = flflags & O_ACCMODE;
}

static void test_query(void)
{
	struct gntbuf_query q;
	char type[16] = "";
	bool pv;
	FILE *f;

	gntbuf_query(dev, &q);
	igt_info("abi %u features %#llx max pages: buffer %u file %u total "
		 "%u, page size %u\n", q.abi_version,
		 (unsigned long long)q.features, q.max_pages_per_buffer,
		 q.max_pages_per_file, q.max_pages_total, q.page_size);
	igt_assert_eq_u32(q.abi_version, GNTBUF_ABI_VERSION);
	igt_assert_eq_u32(q.page_size, GNTBUF_PAGE_SIZE);
	igt_assert(q.features & GNTBUF_FEATURE_EXPORT_REFS);
	/* A 4K XRGB8888 frame (8100 pages) must fit in one buffer. */
	igt_assert_lte_u64(8100, q.max_pages_per_buffer);
	igt_assert_lte_u64(q.max_pages_per_buffer, q.max_pages_per_file);
	igt_assert_lte_u64(q.max_pages_per_file, q.max_pages_total);
	igt_assert_eq_u32(q.max_pages_per_buffer,
			  __gntbuf_param_get("max_pages_per_buffer"));

	/* Exactly one mapping model, the one of this domain. */
	f = fopen("/sys/hypervisor/guest_type", "r");
	igt_assert_f(f, "/sys/hypervisor/guest_type: %s\n", strerror(errno));
	igt_assert(fgets(type, sizeof(type), f));
	fclose(f);
	pv = strncmp(type, "PV\n", 3) == 0;
	igt_info("guest type %s", type);
	igt_assert_eq(!!(q.features & GNTBUF_FEATURE_PV_MAPPINGS), pv);
	igt_assert_eq(!!(q.features & GNTBUF_FEATURE_AUTO_TRANSLATED), !pv);
}

/* Export, check the dma-buf's file, and the counters. */
static int export_checked(struct gntbuf_grants *g, uint32_t flags,
			  const struct gntbuf_stats *before, uint64_t *id)
{
	struct gntbuf_stats now;
	bool cloexec;
	int accmode, fd;

	fd = gntbuf_export(dev, g->domid, g->refs, g->count, flags, id);
	igt_assert_eq_u64(gntbuf_dmabuf_size(fd),
			  (uint64_t)g->count * GNTBUF_TEST_PAGE_SIZE);
	fd_flags(fd, &cloexec, &accmode);
	igt_assert(cloexec);
	igt_assert_eq(accmode, flags & GNTBUF_EXPORT_READ_ONLY ? O_RDONLY :
		      O_RDWR);
	gntbuf_stats(dev, &now);
	igt_assert_eq_u32(now.live_buffers, before->live_buffers + 1);
	igt_assert_eq_u64(now.mapped_pages, before->mapped_pages + g->count);
	return fd;
}

/* Release: the buffer goes, its grants are unmapped, the granter ends them. */
static void release_checked(struct gntbuf_grants *g, int fd, uint64_t id,
			    const struct gntbuf_stats *before)
{
	close(fd);
	gntbuf_wait_released(dev, id, 5000);
	igt_assert_eq(__gntbuf_wait_released(dev, id, 0), -ENOENT);
	gntbuf_assert_back_to(dev, before, 1000);
	gntbuf_grants_end(g, 3000);
	gntbuf_grants_destroy(g);
}

static void test_mmap(enum gntbuf_source src)
{
	struct gntbuf_stats before;
	struct gntbuf_grants g;
	uint8_t *map, *page;
	uint64_t id;
	int fd;

	gntbuf_stats(dev, &before);
	gntbuf_grants_create(src, PAGES, SEED_GRANTER, true, &g);
	fd = export_checked(&g, 0, &before, &id);

	/* Granter → dma-buf. */
	map = gntbuf_dmabuf_mmap(fd, BYTES, PROT_READ | PROT_WRITE);
	gntbuf_dmabuf_begin(fd, false);
	gntbuf_pattern_check(map, BYTES, SEED_GRANTER);
	gntbuf_dmabuf_end(fd, false);

	/* dma-buf → granter. */
	gntbuf_dmabuf_begin(fd, true);
	gntbuf_pattern_fill(map, BYTES, SEED_DMABUF);
	gntbuf_dmabuf_end(fd, true);
	gntbuf_grants_check(&g, SEED_DMABUF);

	/* And again, on the same mapping: no stale copy on either side. */
	gntbuf_grants_fill(&g, SEED_AGAIN);
	gntbuf_dmabuf_begin(fd, false);
	gntbuf_pattern_check(map, BYTES, SEED_AGAIN);
	gntbuf_dmabuf_end(fd, false);

	/* A one-page mapping at a page offset shows that page. */
	page = mmap(NULL, GNTBUF_TEST_PAGE_SIZE, PROT_READ, MAP_SHARED, fd,
		    5 * GNTBUF_TEST_PAGE_SIZE);
	igt_assert_f(page != MAP_FAILED, "mmap at page 5: %s\n",
		     strerror(errno));
	gntbuf_pattern_check_from(page, GNTBUF_TEST_PAGE_SIZE, SEED_AGAIN,
				  5 * GNTBUF_TEST_PAGE_SIZE / 4);
	igt_assert_eq(munmap(page, GNTBUF_TEST_PAGE_SIZE), 0);

	/* Past the end: nothing to map. */
	page = mmap(NULL, 2 * GNTBUF_TEST_PAGE_SIZE, PROT_READ, MAP_SHARED, fd,
		    (PAGES - 1) * GNTBUF_TEST_PAGE_SIZE);
	igt_assert(page == MAP_FAILED);
	igt_assert_eq(errno, EINVAL);

	igt_assert_eq(munmap(map, BYTES), 0);
	release_checked(&g, fd, id, &before);
}

static void test_read_only(enum gntbuf_source src)
{
	struct gntbuf_stats before;
	struct gntbuf_grants g;
	uint8_t *map;
	uint64_t id;
	int fd;

	gntbuf_stats(dev, &before);
	gntbuf_grants_create(src, PAGES, SEED_GRANTER, false, &g);
	fd = export_checked(&g, GNTBUF_EXPORT_READ_ONLY, &before, &id);

	/* A read-only dma-buf file cannot be mapped for writing. */
	map = mmap(NULL, BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	igt_assert(map == MAP_FAILED);
	igt_assert_eq(errno, EACCES);

	map = gntbuf_dmabuf_mmap(fd, BYTES, PROT_READ);
	gntbuf_dmabuf_begin(fd, false);
	gntbuf_pattern_check(map, BYTES, SEED_GRANTER);
	gntbuf_dmabuf_end(fd, false);
	/* The granter still writes; the reader sees it. */
	gntbuf_grants_fill(&g, SEED_AGAIN);
	gntbuf_dmabuf_begin(fd, false);
	gntbuf_pattern_check(map, BYTES, SEED_AGAIN);
	gntbuf_dmabuf_end(fd, false);
	igt_assert_eq(munmap(map, BYTES), 0);
	release_checked(&g, fd, id, &before);
}

static void test_vgem(enum gntbuf_source src)
{
	struct drm_mode_map_dumb map_dumb = { 0 };
	struct drm_gem_close gem_close = { 0 };
	struct gntbuf_stats before, s0, s1;
	struct gntbuf_grants g;
	uint8_t *map;
	uint64_t id;
	int fd, vgem;

	vgem = gntbuf_test_open_vgem();
	gntbuf_stats(dev, &before);
	gntbuf_grants_create(src, PAGES, SEED_GRANTER, true, &g);
	fd = export_checked(&g, 0, &before, &id);

	/* vgem attaches and maps the dma-buf for its device (PRIME import). */
	igt_assert_f(drmPrimeFDToHandle(vgem, fd, &gem_close.handle) == 0,
		     "vgem PRIME import: %s\n", strerror(errno));
	/*
	 * Linux 6.1's vgem does not mmap imported objects (MAP_DUMB is
	 * EINVAL): CPU access goes through the dma-buf, whose begin/end
	 * now also maintain vgem's mapped attachment.
	 */
	map_dumb.handle = gem_close.handle;
	if (igt_ioctl(vgem, DRM_IOCTL_MODE_MAP_DUMB, &map_dumb) == 0)
		igt_info("this vgem can mmap imported objects\n");
	map = gntbuf_dmabuf_mmap(fd, BYTES, PROT_READ | PROT_WRITE);

	gntbuf_stats(dev, &s0);
	gntbuf_dmabuf_begin(fd, false);
	gntbuf_pattern_check(map, BYTES, SEED_GRANTER);
	gntbuf_dmabuf_end(fd, false);

	gntbuf_dmabuf_begin(fd, true);
	gntbuf_pattern_fill(map, BYTES, SEED_DMABUF);
	gntbuf_dmabuf_end(fd, true);
	gntbuf_stats(dev, &s1);
	gntbuf_grants_check(&g, SEED_DMABUF);
	/* Whole-buffer maintenance happened, at least once over the buffer. */
	igt_info("flushed_bytes_full grew by %llu over 2 syncs of %u bytes\n",
		 (unsigned long long)(s1.flushed_bytes_full -
				      s0.flushed_bytes_full), BYTES);
	igt_assert_lte_u64(BYTES, s1.flushed_bytes_full - s0.flushed_bytes_full);

	gntbuf_grants_fill(&g, SEED_AGAIN);
	gntbuf_dmabuf_begin(fd, false);
	gntbuf_pattern_check(map, BYTES, SEED_AGAIN);
	gntbuf_dmabuf_end(fd, false);
	igt_assert_eq(munmap(map, BYTES), 0);

	/* vgem's import alone keeps the buffer once our fd is closed. */
	close(fd);
	igt_assert_eq(__gntbuf_wait_released(dev, id, 200), -ETIMEDOUT);
	gntbuf_stats(dev, &s1);
	igt_assert_eq_u32(s1.live_buffers, before.live_buffers + 1);
	do_ioctl(vgem, DRM_IOCTL_GEM_CLOSE, &gem_close);
	gntbuf_wait_released(dev, id, 5000);
	gntbuf_assert_back_to(dev, &before, 1000);
	gntbuf_grants_end(&g, 3000);
	gntbuf_grants_destroy(&g);
	close(vgem);
}

/* vkms writes pixels with the X byte set, whatever the source's X byte. */
static void xrgb_pattern(uint32_t *px, size_t bytes, uint32_t seed)
{
	gntbuf_pattern_fill(px, bytes, seed);
	for (size_t i = 0; i < bytes / 4; i++)
		px[i] |= 0xff000000u;
}

static void check_xrgb(const uint32_t *px, size_t bytes, uint32_t seed)
{
	for (size_t i = 0; i < bytes / 4; i++) {
		uint32_t want = gntbuf_pattern_word(seed, i) | 0xff000000u;

		igt_assert_f(px[i] == want, "pixel %zu (x %zu, y %zu): %#x, "
			     "expected %#x\n", i, i % GNTBUF_VKMS_WIDTH,
			     i / GNTBUF_VKMS_WIDTH, px[i], want);
	}
}

static void test_vmap(enum gntbuf_source src)
{
	const size_t bytes = GNTBUF_VKMS_BYTES;
	const uint32_t pages = bytes / GNTBUF_TEST_PAGE_SIZE;
	struct gntbuf_test_dumb other;
	struct gntbuf_stats before;
	struct gntbuf_grants g;
	uint32_t *expect;
	uint64_t id;
	int kms, kms_other, fd, other_fd;
	char reply[64];

	/* First what may skip: a skip must not leave vkms open (its DRM
	 * master would stay with this process's leaked fd). */
	gntbuf_stats(dev, &before);
	gntbuf_grants_create(src, pages, SEED_GRANTER, true, &g);
	kms = gntbuf_test_open_vkms();
	/* The other buffer on another file: a fresh handle when imported. */
	kms_other = gntbuf_test_open_vkms();
	fd = export_checked(&g, 0, &before, &id);

	gntbuf_test_dumb_create(kms_other, GNTBUF_VKMS_WIDTH,
				GNTBUF_VKMS_HEIGHT, 32, &other);
	igt_assert_eq_u32(other.pitch, GNTBUF_VKMS_WIDTH * 4);
	igt_assert_eq(drmPrimeHandleToFD(kms_other, other.handle,
					 DRM_CLOEXEC | DRM_RDWR, &other_fd), 0);

	/* vkms reads our buffer through its vmap: granter → vmap. */
	memset(other.map, 0, bytes);
	gntbuf_vkms_copy(kms, fd, other_fd);
	check_xrgb(other.map, bytes, SEED_GRANTER);

	/* vkms writes our buffer through its vmap: vmap → granter. */
	xrgb_pattern(other.map, bytes, SEED_DMABUF);
	gntbuf_vkms_copy(kms, other_fd, fd);
	expect = malloc(bytes);
	igt_assert(expect);
	xrgb_pattern(expect, bytes, SEED_DMABUF);
	if (src == GNTBUF_SOURCE_SELF) {
		igt_assert(memcmp(g.share.map, expect, bytes) == 0);
	} else {
		gntbuf_peer_cmd(g.peer, reply, sizeof(reply), "crc %d", g.set);
		igt_assert_f(strtoul(reply + strlen("ok crc="), NULL, 16) ==
			     gntbuf_crc32(0, expect, bytes),
			     "the granter's pages do not hold what vkms "
			     "wrote: %s, expected crc=%08x\n", reply,
			     gntbuf_crc32(0, expect, bytes));
	}
	free(expect);

	close(other_fd);
	gntbuf_test_dumb_destroy(kms_other, &other);
	close(kms_other);
	close(kms);
	release_checked(&g, fd, id, &before);
}

static void test_wait_released(enum gntbuf_source src)
{
	struct drm_gem_close gem_close = { 0 };
	struct gntbuf_stats before;
	struct gntbuf_grants g;
	uint64_t id;
	int fd, vgem;

	vgem = gntbuf_test_open_vgem();
	gntbuf_stats(dev, &before);
	gntbuf_grants_create(src, PAGES, SEED_GRANTER, true, &g);
	fd = export_checked(&g, 0, &before, &id);
	igt_assert_eq(drmPrimeFDToHandle(vgem, fd, &gem_close.handle), 0);
	close(fd);

	/* vgem holds it: the wait times out, polling too. */
	igt_assert_eq(__gntbuf_wait_released(dev, id, 0), -ETIMEDOUT);
	igt_assert_eq(__gntbuf_wait_released(dev, id, 300), -ETIMEDOUT);
	/* The grants are still mapped: the granter cannot end them. */
	igt_assert(gntbuf_grants_mappable(g.domid, g.refs, g.count));

	do_ioctl(vgem, DRM_IOCTL_GEM_CLOSE, &gem_close);
	gntbuf_wait_released(dev, id, 5000);
	/* Forgotten once waited for. */
	igt_assert_eq(__gntbuf_wait_released(dev, id, 0), -ENOENT);
	gntbuf_assert_back_to(dev, &before, 1000);
	gntbuf_grants_end(&g, 3000);
	gntbuf_grants_destroy(&g);
	close(vgem);
}

static void test_mmap_outlives_fd(enum gntbuf_source src)
{
	struct gntbuf_stats before;
	struct gntbuf_grants g;
	uint8_t *map;
	uint64_t id;
	int fd;

	gntbuf_stats(dev, &before);
	gntbuf_grants_create(src, PAGES, SEED_GRANTER, true, &g);
	fd = export_checked(&g, 0, &before, &id);
	map = gntbuf_dmabuf_mmap(fd, BYTES, PROT_READ | PROT_WRITE);
	close(fd);

	igt_assert_eq(__gntbuf_wait_released(dev, id, 300), -ETIMEDOUT);
	/* The mapping alone keeps the pages, both ways. */
	gntbuf_pattern_check(map, BYTES, SEED_GRANTER);
	gntbuf_pattern_fill(map, BYTES, SEED_DMABUF);
	gntbuf_grants_check(&g, SEED_DMABUF);

	igt_assert_eq(munmap(map, BYTES), 0);
	gntbuf_wait_released(dev, id, 5000);
	gntbuf_assert_back_to(dev, &before, 1000);
	gntbuf_grants_end(&g, 3000);
	gntbuf_grants_destroy(&g);
}

static void test_outlives_file(enum gntbuf_source src)
{
	struct gntbuf_stats before, now;
	struct gntbuf_grants g;
	uint8_t *map;
	int fd, other;

	gntbuf_stats(dev, &before);
	gntbuf_grants_create(src, PAGES, SEED_GRANTER, true, &g);
	other = gntbuf_open();
	fd = gntbuf_export(other, g.domid, g.refs, g.count, 0, NULL);
	close(other);

	/* The device file is gone; the dma-buf is not. */
	gntbuf_stats(dev, &now);
	igt_assert_eq_u32(now.live_buffers, before.live_buffers + 1);
	igt_assert_eq_u64(now.mapped_pages, before.mapped_pages + PAGES);
	map = gntbuf_dmabuf_mmap(fd, BYTES, PROT_READ | PROT_WRITE);
	gntbuf_dmabuf_begin(fd, true);
	gntbuf_pattern_check(map, BYTES, SEED_GRANTER);
	gntbuf_pattern_fill(map, BYTES, SEED_DMABUF);
	gntbuf_dmabuf_end(fd, true);
	gntbuf_grants_check(&g, SEED_DMABUF);
	igt_assert_eq(munmap(map, BYTES), 0);
	close(fd);

	gntbuf_assert_back_to(dev, &before, 2000);
	gntbuf_grants_end(&g, 3000);
	gntbuf_grants_destroy(&g);
}

static void test_granter_ends_first(enum gntbuf_source src)
{
	struct gntbuf_stats before;
	struct gntbuf_grants g;
	uint32_t refs[PAGES];
	uint8_t *map;
	uint64_t id;
	int fd;

	gntbuf_stats(dev, &before);
	gntbuf_grants_create(src, PAGES, SEED_GRANTER, true, &g);
	memcpy(refs, g.refs, sizeof(refs));
	fd = export_checked(&g, 0, &before, &id);
	map = gntbuf_dmabuf_mmap(fd, BYTES, PROT_READ);

	/*
	 * The frontend ends its grants while the backend still maps them:
	 * Xen refuses to end them, the granter's kernel defers, and the
	 * pages keep their bytes for the dma-buf.
	 */
	if (src == GNTBUF_SOURCE_SELF) {
		gntbuf_unshare(&g.share);
	} else {
		int deferred = gntbuf_peer_unshare(g.peer, g.set);

		igt_info("the peer's kernel deferred %d grants\n", deferred);
	}
	g.ended = true;
	igt_assert(gntbuf_grants_mappable(g.domid, refs, PAGES));
	sleep(2); /* two rounds of the granter's deferred retries */
	gntbuf_dmabuf_begin(fd, false);
	gntbuf_pattern_check(map, BYTES, SEED_GRANTER);
	gntbuf_dmabuf_end(fd, false);
	igt_assert(gntbuf_grants_mappable(g.domid, refs, PAGES));

	/* Once we let go, the deferred ends go through. */
	igt_assert_eq(munmap(map, BYTES), 0);
	close(fd);
	gntbuf_wait_released(dev, id, 5000);
	gntbuf_assert_back_to(dev, &before, 1000);
	igt_assert_f(gntbuf_wait_grants_ended(g.domid, refs, PAGES, 5000),
		     "grants still active 5 s after release\n");
	gntbuf_grants_destroy(&g);
}

/*
 * The granter's domU is destroyed (xl destroy) while dom0 holds its pages
 * through every path at once: the dma-buf's mmap (grant-mapped user PTEs in
 * a PV dom0), vgem's PRIME import (an attachment mapped for its device) and
 * vkms scanning it out (dma_buf_vmap()).  Xen keeps a destroyed domain's
 * pages while another domain maps them: the domain stays dying, and its
 * pages keep their last bytes, until dom0 lets go of the last mapping.
 */
static void test_granter_destroyed(enum gntbuf_source src)
{
	const size_t bytes = GNTBUF_VKMS_BYTES;
	const uint32_t pages = bytes / GNTBUF_TEST_PAGE_SIZE;
	struct drm_gem_close gem_close = { 0 };
	struct gntbuf_vkms_scanout scanout;
	struct gntbuf_test_dumb frame;
	struct gntbuf_stats before, held;
	struct gntbuf_peer *peer;
	struct gntbuf_grants g;
	int kms, kms_frame, vgem, kmsg, fd, frame_fd, ret, state;
	uint32_t domid;
	uint8_t *map;
	long bad;
	uint64_t id;

	peer = gntbuf_peer_get(src == GNTBUF_SOURCE_FOREIGN_PVH ?
			       GNTBUF_PEER_PVH : GNTBUF_PEER_PV);
	igt_require_f(!peer->dom0, "the granter is dom0 here (this test runs "
		      "in a domU): dom0 cannot be destroyed\n");
	kms = gntbuf_test_open_vkms();
	kms_frame = gntbuf_test_open_vkms();
	vgem = gntbuf_test_open_vgem();
	kmsg = gntbuf_kmsg_open();

	gntbuf_stats(dev, &before);
	gntbuf_grants_create(src, pages, SEED_GRANTER, true, &g);
	domid = g.domid;
	fd = export_checked(&g, 0, &before, &id);

	/* Held through every path at once, each seeing the granter's bytes. */
	map = gntbuf_dmabuf_mmap(fd, bytes, PROT_READ | PROT_WRITE);
	gntbuf_dmabuf_begin(fd, false);
	gntbuf_pattern_check(map, bytes, SEED_GRANTER);
	gntbuf_dmabuf_end(fd, false);
	igt_assert_f(drmPrimeFDToHandle(vgem, fd, &gem_close.handle) == 0,
		     "vgem PRIME import: %s\n", strerror(errno));
	gntbuf_test_dumb_create(kms_frame, GNTBUF_VKMS_WIDTH,
				GNTBUF_VKMS_HEIGHT, 32, &frame);
	igt_assert_eq(drmPrimeHandleToFD(kms_frame, frame.handle,
					 DRM_CLOEXEC | DRM_RDWR, &frame_fd), 0);
	memset(frame.map, 0, bytes);
	gntbuf_vkms_show(kms, fd, frame_fd, &scanout);
	check_xrgb((uint32_t *)frame.map, bytes, SEED_GRANTER);
	gntbuf_stats(dev, &held);
	gntbuf_stats_print("held through mmap, vgem and vkms", &held);

	/* The granter goes, its grants with it. */
	gntbuf_peer_destroy(peer);
	g.peer = NULL;
	g.refs = NULL;
	g.ended = true;
	state = gntbuf_xen_domain_state(domid);
	igt_info("after xl destroy, domid %u is %s\n", domid,
		 gntbuf_xen_domain_state_name(state));
	igt_assert_f(state == GNTBUF_DOMAIN_DYING, "domid %u is %s, not "
		     "dying, while dom0 maps its pages\n", domid,
		     gntbuf_xen_domain_state_name(state));

	/*
	 * Every holder goes on: DMA_BUF_IOCTL_SYNC (which also maintains
	 * vgem's attachment), reads through the mmap, a new vkms frame
	 * through the vmap.  The pages are still the dead domain's, held by
	 * our mappings: they read its last bytes (stale, never freed or
	 * reused), and writes through one view show in the others.
	 */
	ret = __gntbuf_dmabuf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
	igt_info("after the destroy: SYNC_START(read): %s\n",
		 ret ? strerror(-ret) : "ok");
	igt_assert_eq(ret, 0);
	bad = gntbuf_pattern_mismatch_from(map, bytes, SEED_GRANTER, 0);
	igt_info("after the destroy: the mmap reads %s\n", bad < 0 ?
		 "the granter's last bytes (stale, intact)" : "other bytes");
	igt_assert_f(bad < 0, "word %ld of the dead granter's pages changed "
		     "while dom0 maps them\n", bad);
	gntbuf_dmabuf_end(fd, false);

	gntbuf_dmabuf_begin(fd, true);
	gntbuf_pattern_fill(map, bytes, SEED_DMABUF);
	gntbuf_dmabuf_end(fd, true);
	memset(frame.map, 0, bytes);
	gntbuf_vkms_writeback(&scanout, frame_fd);
	check_xrgb((uint32_t *)frame.map, bytes, SEED_DMABUF);
	igt_info("after the destroy: vkms composed, through its vmap, the "
		 "bytes written through the mmap\n");
	gntbuf_kmsg_assert_clean(kmsg, "after the granter was destroyed");

	/* Still held: the domain cannot go yet. */
	state = gntbuf_xen_domain_state(domid);
	igt_assert_f(state == GNTBUF_DOMAIN_DYING, "domid %u is %s while "
		     "dom0 still maps its pages\n", domid,
		     gntbuf_xen_domain_state_name(state));

	/* Every holder lets go: vkms, the mmap, vgem, the fd. */
	gntbuf_vkms_off(&scanout);
	close(frame_fd);
	gntbuf_test_dumb_destroy(kms_frame, &frame);
	igt_assert_eq(munmap(map, bytes), 0);
	do_ioctl(vgem, DRM_IOCTL_GEM_CLOSE, &gem_close);
	close(fd);
	gntbuf_wait_released(dev, id, 5000);
	gntbuf_assert_back_to(dev, &before, 1000);
	/* Gone from Xen: dom0 dropped its last mapping of the domain's pages. */
	igt_assert_f(gntbuf_wait_domain_gone(domid, 5000),
		     "domid %u is still in Xen 5 s after dom0 let go of its "
		     "pages: a grant mapping of it was not dropped\n", domid);
	gntbuf_kmsg_assert_clean(kmsg, "after the release");
	close(kmsg);
	close(vgem);
	close(kms_frame);
	close(kms);
}

/* Unload is refused while a dma-buf of the module lives. */
static void test_rmmod(bool by_vgem)
{
	struct drm_gem_close gem_close = { 0 };
	struct gntbuf_grants g;
	uint8_t *map = NULL;
	int fd, other, vgem = -1;

	gntbuf_grants_create(gntbuf_local_source(), PAGES, SEED_GRANTER, true,
			     &g);
	/* No open file of the device may hold the module but ours. */
	close(dev);
	dev = -1;
	other = gntbuf_open();
	fd = gntbuf_export(other, g.domid, g.refs, g.count, 0, NULL);
	igt_assert_eq(__gntbuf_module_unload(), -EAGAIN);
	close(other);

	if (by_vgem) {
		vgem = gntbuf_test_open_vgem();
		igt_assert_eq(drmPrimeFDToHandle(vgem, fd,
						 &gem_close.handle), 0);
	} else {
		map = gntbuf_dmabuf_mmap(fd, BYTES, PROT_READ);
	}
	close(fd);

	/* Only vgem's import, or only the mapping, holds the dma-buf. */
	igt_assert_eq(__gntbuf_module_unload(), -EAGAIN);
	igt_assert_eq(access(GNTBUF_TEST_DEVICE, F_OK), 0);
	if (by_vgem)
		gntbuf_grants_check(&g, SEED_GRANTER);
	else
		gntbuf_pattern_check(map, BYTES, SEED_GRANTER);

	if (by_vgem) {
		do_ioctl(vgem, DRM_IOCTL_GEM_CLOSE, &gem_close);
		close(vgem);
	} else {
		igt_assert_eq(munmap(map, BYTES), 0);
	}
	igt_assert_eq(__gntbuf_module_unload(), 0);
	igt_assert(access(GNTBUF_TEST_DEVICE, F_OK) != 0);
	/* Unloading unmapped everything: the granter ends its grants. */
	gntbuf_grants_end(&g, 3000);
	gntbuf_grants_destroy(&g);

	gntbuf_module_reload();
	dev = gntbuf_open();
	gntbuf_assert_idle(dev, 0);
}

igt_main
{
	igt_fixture {
		dev = gntbuf_open();
		gntbuf_require_features(dev, GNTBUF_FEATURE_EXPORT_REFS);
	}

	igt_describe("QUERY reports this ABI, 4 KiB pages, limits that hold "
		     "a 4K frame, and the mapping model of this domain.");
	igt_subtest("query")
		test_query();

	for (int s = 0; s < GNTBUF_SOURCE_COUNT; s++) {
		igt_describe("The dma-buf's mmap shows the granter's bytes, "
			     "and the granter sees bytes written through it, "
			     "with DMA_BUF_IOCTL_SYNC around CPU access; a "
			     "mapping at a page offset shows that page.");
		igt_subtest_f("mmap-%s", gntbuf_source_name(s))
			test_mmap(s);

		igt_describe("A read-only export gives an O_RDONLY dma-buf that "
			     "cannot be mapped writable and reads the "
			     "granter's bytes.");
		igt_subtest_f("read-only-%s", gntbuf_source_name(s))
			test_read_only(s);

		igt_describe("vgem imports the dma-buf (PRIME: attach and map "
			     "for its device); with that attachment mapped, "
			     "DMA_BUF_IOCTL_SYNC maintains the whole buffer and "
			     "the bytes match both ways; vgem's import alone "
			     "keeps the buffer alive.");
		igt_subtest_f("vgem-%s", gntbuf_source_name(s))
			test_vgem(s);

		igt_describe("WAIT_RELEASED times out while vgem holds the "
			     "buffer and the grants stay mapped; after vgem "
			     "lets go it returns, forgets the id, and the "
			     "granter can end its grants.");
		igt_subtest_f("wait-released-%s", gntbuf_source_name(s))
			test_wait_released(s);

		igt_describe("RELEASE_FD: the file (and a second one in an "
			     "edge-triggered epoll set) stays unreadable while "
			     "vgem's import and a CPU mapping hold the buffer, "
			     "each wait a timed-out poll, and turns readable "
			     "(POLLIN, one epoll event) when the mapping goes; "
			     "fdinfo names the id; read() is refused; the "
			     "wait then forgets the id, the file stays ready.");
		igt_subtest_f("release-fd-%s", gntbuf_source_name(s))
			test_release_fd_export(dev, s);

		igt_describe("RELEASE_FD of an ALLOC buffer mapped by its "
			     "grantee: unreadable (poll and epoll) after our "
			     "close while the grantee maps it, readable after "
			     "its unmap.");
		igt_subtest_f("release-fd-alloc-%s", gntbuf_source_name(s))
			test_release_fd_alloc(dev, s);

		igt_describe("A CPU mapping keeps the buffer after its fd is "
			     "closed, reading and writing the granter's pages.");
		igt_subtest_f("mmap-outlives-fd-%s", gntbuf_source_name(s))
			test_mmap_outlives_fd(s);

		igt_describe("The dma-buf outlives the device file that "
			     "exported it, and goes when it is closed.");
		igt_subtest_f("outlives-file-%s", gntbuf_source_name(s))
			test_outlives_file(s);

		igt_describe("A granter that ends its grants while they are "
			     "exported cannot end them (they stay mappable) "
			     "and the dma-buf keeps the bytes; after release "
			     "the ends go through.");
		igt_subtest_f("granter-ends-first-%s", gntbuf_source_name(s))
			test_granter_ends_first(s);
	}

	/* vmap last: on a broken PV foreign path it takes dom0 down. */
	for (int s = 0; s < GNTBUF_SOURCE_COUNT; s++) {
		igt_describe("vkms scans the dma-buf out and writes it back "
			     "through dma_buf_vmap(): the same pixels both "
			     "ways (granter → vmap read, vmap write → "
			     "granter).");
		igt_subtest_f("vmap-%s", gntbuf_source_name(s))
			test_vmap(s);
	}

	/* Last of the foreign subtests: they destroy the peers. */
	for (int s = GNTBUF_SOURCE_FOREIGN_PV; s < GNTBUF_SOURCE_COUNT; s++) {
		igt_describe("The granter's domU is destroyed (xl destroy) "
			     "while dom0 holds the dma-buf through its mmap, "
			     "vgem's PRIME import and vkms's vmap: no kernel "
			     "error; the domain stays dying while held, its "
			     "pages read its last bytes; SYNC, mmap and vkms "
			     "go on working; after release the counters are "
			     "back and the domain is gone from Xen.  Skips "
			     "when the granter is dom0.");
		igt_subtest_f("granter-destroyed-%s", gntbuf_source_name(s))
			test_granter_destroyed(s);
	}

	igt_describe("RELEASE_FD's bad input and edges: unknown, foreign "
		     "and forgotten ids -ENOENT, flags -EINVAL, bad and "
		     "read-only argument -EFAULT with no fd left behind; 16 "
		     "files and 4 processes polling one buffer all see its "
		     "release; a released buffer's file is ready at once; "
		     "closing the device file while a process polls leaves "
		     "the file valid and quiet until the release.");
	igt_subtest("release-fd-bad-input")
		test_release_fd_edges(dev);

	igt_describe("A release fd holds the module: rmmod is refused "
		     "(EAGAIN) while one is open, its buffer released and its "
		     "device file closed; after its close rmmod succeeds.");
	igt_subtest("rmmod-refused-while-release-fd")
		test_release_fd_holds_module(&dev);

	igt_describe("rmmod is refused (EAGAIN) while a dma-buf lives, held "
		     "by the file, then by a CPU mapping alone; it succeeds "
		     "after munmap, and the module loads again.");
	igt_subtest("rmmod-refused-while-mapped")
		test_rmmod(false);

	igt_describe("rmmod is refused (EAGAIN) while vgem's PRIME import "
		     "alone holds the dma-buf; it succeeds after vgem closes "
		     "it.");
	igt_subtest("rmmod-refused-while-vgem-holds")
		test_rmmod(true);

	igt_fixture {
		gntbuf_peer_stop_all();
		if (dev >= 0)
			close(dev);
	}
}
