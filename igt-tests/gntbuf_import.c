// SPDX-License-Identifier: MIT
/*
 * gntbuf_import: IMPORT grants the pages of another exporter's dma-buf (here
 * vgem's, as a GPU driver's buffer would be) to a domain; IMPORT_RELEASE
 * ends those grants, and the pages stay valid while the grantee still maps
 * them.
 *
 * The grantee is dom0 itself ("self", through libxengnttab) and a PV and a
 * PVH domU ("foreign-pv", "foreign-pvh", through their gntdev).
 */
#include "igt.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <xf86drm.h>

#include "gntbuf_test.h"

IGT_TEST_DESCRIPTION("IMPORT and IMPORT_RELEASE: a vgem dma-buf's pages "
		     "granted to a domain, the same bytes both ways, pages "
		     "held until the grantee unmaps");

/* 64x256 XRGB8888: 16 pages. */
#define WIDTH 64
#define HEIGHT 256
#define PAGES 16
#define BYTES (PAGES * GNTBUF_TEST_PAGE_SIZE)
#define SEED_VGEM 0x428a2f98u
#define SEED_GRANTEE 0x71374491u
#define SEED_AGAIN 0xb5c0fbcfu

static int dev = -1;
static int vgem = -1;

/* A vgem buffer of @pages pages holding the pattern of @seed, as a dma-buf. */
static int vgem_buffer(uint32_t width, uint32_t height,
		       struct gntbuf_test_dumb *dumb, uint32_t seed)
{
	int prime;

	gntbuf_test_dumb_create(vgem, width, height, 32, dumb);
	gntbuf_pattern_fill(dumb->map, dumb->size, seed);
	igt_assert_eq(drmPrimeHandleToFD(vgem, dumb->handle,
					 DRM_CLOEXEC | DRM_RDWR, &prime), 0);
	return prime;
}

static uint64_t import_checked(int prime, uint32_t domid, uint32_t count,
			       uint32_t flags, uint32_t *refs,
			       const struct gntbuf_stats *before)
{
	struct gntbuf_stats now;
	uint64_t id;

	for (uint32_t i = 0; i < count; i++)
		refs[i] = 0xffffffffu;
	id = gntbuf_import(dev, prime, domid, count, flags, refs);
	for (uint32_t i = 0; i < count; i++) {
		igt_assert_f(refs[i] >= 8 && refs[i] != 0xffffffffu,
			     "ref[%u] = %u\n", i, refs[i]);
		for (uint32_t j = i > 64 ? i - 64 : 0; j < i; j++)
			igt_assert_neq_u32(refs[i], refs[j]);
	}
	gntbuf_stats(dev, &now);
	igt_assert_eq_u32(now.live_buffers, before->live_buffers + 1);
	igt_assert_eq_u64(now.granted_pages, before->granted_pages + count);
	/* The dma-buf is borrowed: still open and ours. */
	igt_assert(fcntl(prime, F_GETFD) >= 0);
	return id;
}

static void release_checked(uint64_t id, const uint32_t *refs,
			    uint32_t count, struct gntbuf_grantee *grantee,
			    const struct gntbuf_stats *before)
{
	gntbuf_import_release(dev, id);
	gntbuf_wait_released(dev, id, 5000);
	igt_assert_eq(__gntbuf_import_release(dev, id), -ENOENT);
	gntbuf_assert_back_to(dev, before, 1000);
	/* Ended: the grantee cannot map them any more. */
	igt_assert_neq(__gntbuf_grantee_map(grantee, refs, count, false), 0);
}

static void test_share(enum gntbuf_source tgt)
{
	struct gntbuf_test_dumb dumb;
	struct gntbuf_grantee grantee;
	struct gntbuf_stats before;
	uint32_t refs[PAGES];
	uint64_t id;
	int prime;

	gntbuf_grantee_init(tgt, &grantee);
	gntbuf_stats(dev, &before);
	prime = vgem_buffer(WIDTH, HEIGHT, &dumb, SEED_VGEM);
	igt_assert_eq_u64(dumb.size, BYTES);
	id = import_checked(prime, grantee.domid, PAGES, 0, refs, &before);

	/* vgem → grantee. */
	gntbuf_grantee_map(&grantee, refs, PAGES, true);
	gntbuf_grantee_check(&grantee, SEED_VGEM);
	/* grantee → vgem. */
	gntbuf_grantee_fill(&grantee, SEED_GRANTEE);
	gntbuf_pattern_check(dumb.map, BYTES, SEED_GRANTEE);
	/* vgem → grantee again, on the same mappings. */
	gntbuf_pattern_fill(dumb.map, BYTES, SEED_AGAIN);
	gntbuf_grantee_check(&grantee, SEED_AGAIN);
	gntbuf_grantee_unmap(&grantee);

	release_checked(id, refs, PAGES, &grantee, &before);
	close(prime);
	gntbuf_test_dumb_destroy(vgem, &dumb);
}

static void test_read_only(enum gntbuf_source tgt)
{
	struct gntbuf_test_dumb dumb;
	struct gntbuf_grantee grantee;
	struct gntbuf_stats before;
	uint32_t refs[PAGES];
	uint64_t id;
	int prime;

	gntbuf_grantee_init(tgt, &grantee);
	gntbuf_stats(dev, &before);
	prime = vgem_buffer(WIDTH, HEIGHT, &dumb, SEED_VGEM);
	id = import_checked(prime, grantee.domid, PAGES,
			    GNTBUF_IMPORT_READ_ONLY, refs, &before);
	igt_assert_neq(__gntbuf_grantee_map(&grantee, refs, PAGES, true), 0);
	gntbuf_grantee_map(&grantee, refs, PAGES, false);
	gntbuf_grantee_check(&grantee, SEED_VGEM);
	gntbuf_pattern_fill(dumb.map, BYTES, SEED_AGAIN);
	gntbuf_grantee_check(&grantee, SEED_AGAIN);
	gntbuf_grantee_unmap(&grantee);
	release_checked(id, refs, PAGES, &grantee, &before);
	close(prime);
	gntbuf_test_dumb_destroy(vgem, &dumb);
}

static void test_release_while_mapped(enum gntbuf_source tgt)
{
	struct gntbuf_test_dumb dumb;
	struct gntbuf_grantee grantee;
	struct gntbuf_stats before, now;
	uint32_t refs[PAGES];
	uint64_t id;
	int prime;

	gntbuf_grantee_init(tgt, &grantee);
	gntbuf_stats(dev, &before);
	prime = vgem_buffer(WIDTH, HEIGHT, &dumb, SEED_VGEM);
	id = import_checked(prime, grantee.domid, PAGES, 0, refs, &before);
	gntbuf_grantee_map(&grantee, refs, PAGES, true);

	/* vgem lets go of everything: only the import holds the pages. */
	close(prime);
	gntbuf_test_dumb_destroy(vgem, &dumb);
	gntbuf_grantee_check(&grantee, SEED_VGEM);

	/* Released while the grantee maps every page. */
	gntbuf_import_release(dev, id);
	igt_assert_eq(__gntbuf_wait_released(dev, id, 500), -ETIMEDOUT);
	gntbuf_stats(dev, &now);
	gntbuf_stats_print("released, still mapped", &now);
	igt_assert_eq_u64(now.pending_release, before.pending_release + 1);
	igt_assert_eq_u64(now.granted_pages, before.granted_pages + PAGES);
	/* A second release of the same id: already released. */
	igt_assert_eq(__gntbuf_import_release(dev, id), -ENOENT);
	/*
	 * Xen (grant table v1) cannot end a grant that is mapped, and Linux
	 * offers no way to refuse only new mappings: say what happens.
	 */
	if (tgt == GNTBUF_SOURCE_SELF)
		igt_info("a new mapping of a released, still-mapped import "
			 "%s\n", gntbuf_grants_mappable(GNTBUF_SELF, refs, PAGES) ?
			 "succeeds" : "fails");

	/* The pages stay valid, both ways, until the grantee unmaps. */
	sleep(1);
	gntbuf_grantee_check(&grantee, SEED_VGEM);
	gntbuf_grantee_fill(&grantee, SEED_GRANTEE);
	gntbuf_grantee_check(&grantee, SEED_GRANTEE);
	gntbuf_grantee_unmap(&grantee);

	gntbuf_wait_released(dev, id, 5000);
	gntbuf_assert_back_to(dev, &before, 1000);
	igt_assert_neq(__gntbuf_grantee_map(&grantee, refs, PAGES, false), 0);
}

/*
 * The grantee's domU is destroyed (xl destroy) while it maps two imports of
 * vgem buffers: A, still imported, and B, released (pending: only the
 * grantee's mapping keeps its pages, vgem let go of it).  Xen drops a dying
 * domain's grant mappings: B's grants must then end and B go without
 * anything more from dom0, A stays vgem's and released at will, and the
 * domain goes.
 */
static void test_grantee_destroyed(enum gntbuf_source tgt)
{
	struct gntbuf_test_dumb dumb, dumb_b;
	struct gntbuf_grantee grantee;
	struct gntbuf_stats before, mid, now;
	uint32_t refs[2 * PAGES], domid;
	const size_t b_first = BYTES / 4;	/* B's first word in the map */
	uint64_t id, id_b;
	int prime, prime_b, kmsg;

	gntbuf_grantee_init(tgt, &grantee);
	igt_require_f(!grantee.peer->dom0, "the grantee is dom0 here (this "
		      "test runs in a domU): dom0 cannot be destroyed\n");
	domid = grantee.domid;
	kmsg = gntbuf_kmsg_open();

	gntbuf_stats(dev, &before);
	prime = vgem_buffer(WIDTH, HEIGHT, &dumb, SEED_VGEM);
	prime_b = vgem_buffer(WIDTH, HEIGHT, &dumb_b, SEED_VGEM);
	/* One pattern across A then B, as the grantee maps them. */
	gntbuf_pattern_fill_from(dumb_b.map, BYTES, SEED_VGEM, b_first);
	id = import_checked(prime, domid, PAGES, 0, refs, &before);
	gntbuf_stats(dev, &mid);
	id_b = import_checked(prime_b, domid, PAGES, 0, refs + PAGES, &mid);

	gntbuf_grantee_map(&grantee, refs, 2 * PAGES, true);
	gntbuf_grantee_check(&grantee, SEED_VGEM);
	gntbuf_grantee_fill(&grantee, SEED_GRANTEE);
	gntbuf_pattern_check(dumb.map, BYTES, SEED_GRANTEE);
	gntbuf_pattern_check_from(dumb_b.map, BYTES, SEED_GRANTEE, b_first);

	/* B: released, and vgem lets go; the grantee's mapping keeps it. */
	gntbuf_import_release(dev, id_b);
	close(prime_b);
	gntbuf_test_dumb_destroy(vgem, &dumb_b);
	igt_assert_eq(__gntbuf_wait_released(dev, id_b, 300), -ETIMEDOUT);
	gntbuf_stats(dev, &now);
	igt_assert_eq_u64(now.pending_release, before.pending_release + 1);

	/* The grantee goes while it maps A and B. */
	gntbuf_grantee_destroy(&grantee);

	/* Xen dropped its mappings: B's grants end and B goes. */
	gntbuf_wait_released(dev, id_b, 5000);
	gntbuf_stats(dev, &now);
	gntbuf_stats_print("B gone after the grantee's destroy", &now);
	igt_assert_eq_u64(now.pending_release, before.pending_release);
	/*
	 * S5: A's grants are ended, though the import is held: a domain
	 * given the dead grantee's id later cannot map them.
	 */
	gntbuf_wait_peer_gone(id);
	gntbuf_stats(dev, &now);
	igt_assert_eq_u64(now.granted_pages, before.granted_pages);

	/* A is still vgem's, with the grantee's last bytes. */
	gntbuf_pattern_check(dumb.map, BYTES, SEED_GRANTEE);
	gntbuf_pattern_fill(dumb.map, BYTES, SEED_AGAIN);
	gntbuf_pattern_check(dumb.map, BYTES, SEED_AGAIN);
	gntbuf_kmsg_assert_clean(kmsg, "after the grantee was destroyed");

	/* Released at once: nobody maps A's grants any more. */
	gntbuf_import_release(dev, id);
	gntbuf_wait_released(dev, id, 5000);
	gntbuf_assert_back_to(dev, &before, 1000);
	close(prime);
	gntbuf_test_dumb_destroy(vgem, &dumb);
	igt_assert_f(gntbuf_wait_domain_gone(domid, 5000),
		     "domid %u is still in Xen 5 s after its destroy\n",
		     domid);
	gntbuf_kmsg_assert_clean(kmsg, "after the release");
	close(kmsg);
}

static void test_file_close_releases(void)
{
	struct gntbuf_test_dumb dumb;
	struct gntbuf_grantee grantee;
	struct gntbuf_stats before, now;
	uint32_t refs[PAGES];
	int prime, other;

	gntbuf_grantee_init(gntbuf_local_source(), &grantee);
	gntbuf_stats(dev, &before);
	prime = vgem_buffer(WIDTH, HEIGHT, &dumb, SEED_VGEM);
	other = gntbuf_open();
	gntbuf_import(other, prime, grantee.domid, PAGES, 0, refs);
	gntbuf_stats(dev, &now);
	igt_assert_eq_u64(now.granted_pages, before.granted_pages + PAGES);
	igt_assert(gntbuf_grantee_mappable(&grantee, refs, PAGES));

	/* Closing the file is IMPORT_RELEASE of everything it holds. */
	close(other);
	gntbuf_assert_back_to(dev, &before, 2000);
	igt_assert(!gntbuf_grantee_mappable(&grantee, refs, PAGES));
	close(prime);
	gntbuf_test_dumb_destroy(vgem, &dumb);
}

static void test_import_alloc(void)
{
	struct gntbuf_grantee grantee;
	struct gntbuf_stats before;
	uint32_t alloc_refs[PAGES], refs[PAGES];
	uint8_t *map;
	uint64_t alloc_id, id;
	int fd;

	gntbuf_grantee_init(gntbuf_local_source(), &grantee);
	/* Our own ALLOC buffer is a dma-buf of local pages: it can be
	 * granted again, to another domain or to the same. */
	gntbuf_stats(dev, &before);
	fd = gntbuf_alloc(dev, grantee.domid, PAGES, 0, alloc_refs, &alloc_id);
	map = gntbuf_dmabuf_mmap(fd, BYTES, PROT_READ | PROT_WRITE);
	gntbuf_dmabuf_begin(fd, true);
	gntbuf_pattern_fill(map, BYTES, SEED_VGEM);
	gntbuf_dmabuf_end(fd, true);
	id = gntbuf_import(dev, fd, grantee.domid, PAGES, 0, refs);
	gntbuf_grantee_map(&grantee, refs, PAGES, false);
	gntbuf_grantee_check(&grantee, SEED_VGEM);
	gntbuf_grantee_unmap(&grantee);
	gntbuf_import_release(dev, id);
	gntbuf_wait_released(dev, id, 5000);
	igt_assert_eq(munmap(map, BYTES), 0);
	close(fd);
	gntbuf_wait_released(dev, alloc_id, 5000);
	gntbuf_assert_back_to(dev, &before, 1000);
}

static void test_over_16_bit(void)
{
	/* 65536 + 16 pages: grant references are reserved in 16-bit chunks. */
	const uint32_t width = 1024, height = 65536 + 16;
	const uint32_t pages = height;
	const long params[] = {
		__gntbuf_param_get("max_pages_per_buffer"),
		__gntbuf_param_get("max_pages_per_file"),
		__gntbuf_param_get("max_pages_total"),
		__gntbuf_param_get("max_pages_per_domain"),
	};
	const uint32_t probe[] = { 0, 65535, 65536, pages - 1 };
	struct gntbuf_test_dumb dumb;
	struct gntbuf_grantee grantee;
	struct gntbuf_stats before;
	uint32_t *refs;
	uint64_t id;
	int prime;

	igt_require(params[0] > 0 && params[1] > 0 && params[2] > 0 &&
		    params[3] > 0);
	gntbuf_grantee_init(gntbuf_local_source(), &grantee);
	gntbuf_stats(dev, &before);
	refs = calloc(pages, sizeof(*refs));
	igt_assert(refs);
	prime = vgem_buffer(width, height, &dumb, SEED_VGEM);
	igt_assert_eq_u64(dumb.size, (uint64_t)pages * GNTBUF_TEST_PAGE_SIZE);

	if (params[0] < pages)
		gntbuf_param_set("max_pages_per_buffer", pages);
	if (params[1] < pages)
		gntbuf_param_set("max_pages_per_file", pages);
	if (params[2] < pages + before.mapped_pages + before.allocated_pages +
	    before.granted_pages)
		gntbuf_param_set("max_pages_total", 2 * pages);
	if (params[3] < pages)
		gntbuf_param_set("max_pages_per_domain", pages);
	id = import_checked(prime, grantee.domid, pages, 0, refs, &before);
	gntbuf_param_set("max_pages_per_buffer", params[0]);
	gntbuf_param_set("max_pages_per_file", params[1]);
	gntbuf_param_set("max_pages_total", params[2]);
	gntbuf_param_set("max_pages_per_domain", params[3]);

	for (uint32_t i = 0; i < pages; i++)
		for (uint32_t j = i > 8 ? i - 8 : 0; j < i; j++)
			igt_assert_neq_u32(refs[i], refs[j]);
	/* Pages on both sides of each 16-bit boundary hold their bytes. */
	for (unsigned int k = 0; k < sizeof(probe) / sizeof(probe[0]); k++)
		gntbuf_grantee_check_page(&grantee, refs[probe[k]], SEED_VGEM,
					  (size_t)probe[k] *
					  GNTBUF_TEST_PAGE_SIZE / 4);
	gntbuf_import_release(dev, id);
	gntbuf_wait_released(dev, id, 30000);
	gntbuf_assert_back_to(dev, &before, 5000);
	close(prime);
	gntbuf_test_dumb_destroy(vgem, &dumb);
	free(refs);
}

/*
 * A 4K frame from vgem, imported after the PV dom0's physical-to-machine
 * map was churned the way a backend churns it (gntdev maps and EXPORT_REFS
 * take ballooned pages; freeing them repopulates with new frames), so that
 * vgem's multi-page sg segments are no longer machine-contiguous.  IMPORT
 * must still grant every page, never through a bounce buffer.
 */
static void test_after_churn(void)
{
	const uint32_t width = 3840, height = 2160, pages = 8100;
	const int buffers = 4;
	struct gntbuf_test_dumb dumb[4];
	struct gntbuf_share share;
	struct gntbuf_stats before, now;
	uint32_t *refs = calloc(pages, sizeof(*refs));
	int prime[4], refused = 0, ret;
	uint64_t id;

	igt_require_f(!gntbuf_in_domu(), "the p2m (guest frame to machine "
		      "frame) that maps and ballooning churn is a PV domain's; "
		      "an auto-translated domain's DMA addresses are its own "
		      "guest-physical ones, with nothing to churn\n");
	igt_assert(refs);
	gntbuf_share_pages(GNTBUF_SELF, pages, true, &share);
	for (int i = 0; i < 10; i++) {
		void *map = gntbuf_map_grants(GNTBUF_SELF, share.refs, pages, PROT_READ);
		int fd;

		gntbuf_unmap_grants(map, pages);
		fd = gntbuf_export(dev, GNTBUF_SELF, share.refs, pages, 0, &id);
		close(fd);
		gntbuf_wait_released(dev, id, 10000);
	}
	gntbuf_unshare(&share);
	free(share.refs);

	/* Several fresh frames: each draws other pages from the allocator. */
	gntbuf_stats(dev, &before);
	for (int b = 0; b < buffers; b++) {
		prime[b] = vgem_buffer(width, height, &dumb[b], SEED_VGEM + b);
		igt_assert_eq_u64(dumb[b].size,
				  (uint64_t)pages * GNTBUF_TEST_PAGE_SIZE);
	}
	for (int b = 0; b < buffers; b++) {
		ret = __gntbuf_import(dev, prime[b], 0, pages, 0, refs, &id);
		igt_info("frame %d: IMPORT %s\n", b, strerror(-ret));
		if (ret) {
			igt_assert_eq(ret, -EREMOTEIO);
			refused++;
			continue;
		}
		for (uint32_t p = 0; p < pages; p += 1013) {
			uint8_t *view = gntbuf_map_grants(GNTBUF_SELF, &refs[p], 1,
							  PROT_READ);

			gntbuf_pattern_check_from(view, GNTBUF_TEST_PAGE_SIZE,
						  SEED_VGEM + b, (size_t)p *
						  GNTBUF_TEST_PAGE_SIZE / 4);
			gntbuf_unmap_grants(view, 1);
		}
		gntbuf_import_release(dev, id);
		gntbuf_wait_released(dev, id, 10000);
	}
	gntbuf_stats(dev, &now);
	gntbuf_assert_back_to(dev, &before, 2000);
	for (int b = 0; b < buffers; b++) {
		close(prime[b]);
		gntbuf_test_dumb_destroy(vgem, &dumb[b]);
	}
	free(refs);
	igt_assert_f(refused == 0, "%d of %d 4K vgem frames refused "
		     "(EREMOTEIO, bounce_refusals %llu -> %llu): swiotlb-xen "
		     "would bounce their merged segments\n", refused, buffers,
		     (unsigned long long)before.bounce_refusals,
		     (unsigned long long)now.bounce_refusals);
}

static void test_rmmod_pending(void)
{
	struct gntbuf_test_dumb dumb;
	struct gntbuf_grantee grantee;
	uint32_t refs[PAGES];
	int prime, other;

	gntbuf_grantee_init(gntbuf_local_source(), &grantee);
	prime = vgem_buffer(WIDTH, HEIGHT, &dumb, SEED_VGEM);
	close(dev);
	dev = -1;
	other = gntbuf_open();
	gntbuf_import(other, prime, grantee.domid, PAGES, 0, refs);
	gntbuf_grantee_map(&grantee, refs, PAGES, true);
	/* The file goes, the grantee still maps: the import is pending. */
	close(other);
	close(prime);
	gntbuf_test_dumb_destroy(vgem, &dumb);
	igt_assert_eq(__gntbuf_module_unload(), -EAGAIN);
	gntbuf_grantee_check(&grantee, SEED_VGEM);

	gntbuf_grantee_unmap(&grantee);
	/* The pending import finishes in the background, then unload works. */
	for (int i = 0; i < 50 && __gntbuf_module_unload() == -EAGAIN; i++)
		usleep(100 * 1000);
	igt_assert(access(GNTBUF_TEST_DEVICE, F_OK) != 0);
	igt_assert(!gntbuf_grantee_mappable(&grantee, refs, PAGES));
	gntbuf_module_reload();
	dev = gntbuf_open();
	gntbuf_assert_idle(dev, 0);
}

igt_main
{
	igt_fixture {
		dev = gntbuf_open();
		gntbuf_require_features(dev, GNTBUF_FEATURE_IMPORT);
		vgem = gntbuf_test_open_vgem();
	}

	for (int t = 0; t < GNTBUF_SOURCE_COUNT; t++) {
		igt_describe("IMPORT of a vgem buffer: the grantee maps the "
			     "refs and reads vgem's bytes, vgem reads the "
			     "grantee's; IMPORT_RELEASE ends the grants.");
		igt_subtest_f("share-%s", gntbuf_source_name(t))
			test_share(t);

		igt_describe("A read-only IMPORT cannot be mapped writable by "
			     "the grantee, only read-only.");
		igt_subtest_f("read-only-%s", gntbuf_source_name(t))
			test_read_only(t);

		igt_describe("IMPORT_RELEASE while the grantee maps the refs, "
			     "after vgem let go of the buffer: the import is "
			     "pending, the pages stay valid both ways until "
			     "the grantee unmaps, then WAIT_RELEASED returns "
			     "and the grants are ended.");
		igt_subtest_f("release-while-mapped-%s", gntbuf_source_name(t))
			test_release_while_mapped(t);
	}

	/* Last of the foreign subtests: they destroy the peers. */
	for (int t = GNTBUF_SOURCE_FOREIGN_PV; t < GNTBUF_SOURCE_COUNT; t++) {
		igt_describe("The grantee's domU is destroyed (xl destroy) "
			     "while it maps two imports, one live and one "
			     "released (pending, vgem let go): the pending one "
			     "goes, the live one stays vgem's and releases at "
			     "once, no kernel error, counters back, the domain "
			     "gone from Xen.  Skips when the grantee is dom0.");
		igt_subtest_f("grantee-destroyed-%s", gntbuf_source_name(t))
			test_grantee_destroyed(t);
	}

	igt_describe("Closing the device file releases its imports and ends "
		     "their grants.");
	igt_subtest("file-close-releases")
		test_file_close_releases();

	igt_describe("An ALLOC buffer of this module can be imported: its "
		     "local pages are granted again and read the same bytes.");
	igt_subtest("import-alloc-buffer")
		test_import_alloc();

	igt_describe("A buffer of 65552 pages (over the kernel's 16-bit "
		     "grant-reference count) is granted whole: distinct refs, "
		     "and the pages around each 65536 boundary read right.");
	igt_subtest("count-over-16-bit")
		test_over_16_bit();

	igt_describe("Four 4K vgem frames are imported whole after the PV dom0's "
		     "physical-to-machine map was churned by gntdev maps and "
		     "exports (vgem's 256 KiB sg segments no longer "
		     "machine-contiguous): no EREMOTEIO, the pages read right.");
	igt_subtest("import-4k-after-p2m-churn")
		test_after_churn();

	igt_describe("rmmod is refused (EAGAIN) while an import's grants are "
		     "still mapped by a grantee after its file closed; once "
		     "the grantee unmaps, the module unloads and loads again.");
	igt_subtest("rmmod-refused-while-pending")
		test_rmmod_pending();

	igt_fixture {
		gntbuf_peer_stop_all();
		if (vgem >= 0)
			close(vgem);
		if (dev >= 0)
			close(dev);
	}
}
