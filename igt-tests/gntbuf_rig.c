// SPDX-License-Identifier: MIT
/*
 * gntbuf_rig: proves that the test rig is a real Xen system before any
 * other test trusts it: a control domain, real grant tables, and a real DRM
 * PRIME importer (vgem).
 */
#include "igt.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <xengnttab.h>
#include <xf86drm.h>

#include "gntbuf_test.h"

IGT_TEST_DESCRIPTION("The rig gntbuf tests run in is a real Xen control "
		     "domain with working grant tables and a vgem device");

#define SHARE_PAGES 4

static void fill_pattern(uint32_t *words, size_t bytes, uint32_t seed)
{
	for (size_t i = 0; i < bytes / sizeof(*words); i++)
		words[i] = seed ^ (uint32_t)(i * 2654435761u);
}

static void check_pattern(const uint32_t *words, size_t bytes, uint32_t seed)
{
	for (size_t i = 0; i < bytes / sizeof(*words); i++)
		igt_assert_f(words[i] == (seed ^ (uint32_t)(i * 2654435761u)),
			     "word %zu: %#x, expected %#x\n", i, words[i],
			     seed ^ (uint32_t)(i * 2654435761u));
}

static void test_control_domain(void)
{
	char caps[64] = "";
	FILE *f = fopen("/proc/xen/capabilities", "r");

	igt_assert_f(f, "/proc/xen/capabilities: %s (xenfs not mounted: "
		     "not a Xen domain?)\n", strerror(errno));
	igt_assert(fgets(caps, sizeof(caps), f) || feof(f));
	fclose(f);
	igt_info("/proc/xen/capabilities: %s\n", caps);
	igt_assert_f(strstr(caps, "control_d"),
		     "not the control domain: \"%s\"\n", caps);
}

static void test_self_grant_map(void)
{
	const size_t bytes = SHARE_PAGES * GNTBUF_TEST_PAGE_SIZE;
	uint32_t refs[SHARE_PAGES];
	xengntshr_handle *shr;
	xengnttab_handle *tab;
	uint32_t *shared, *mapped;

	shr = xengntshr_open(NULL, 0);
	igt_assert_f(shr, "xengntshr_open: %s\n", strerror(errno));
	tab = xengnttab_open(NULL, 0);
	igt_assert_f(tab, "xengnttab_open: %s\n", strerror(errno));

	/* Grant four pages to ourselves (domid 0: Xen rejects DOMID_SELF). */
	shared = xengntshr_share_pages(shr, 0, SHARE_PAGES, refs, 1);
	igt_assert_f(shared, "xengntshr_share_pages: %s\n", strerror(errno));
	for (int i = 0; i < SHARE_PAGES; i++)
		igt_debug("gref[%d] = %u\n", i, refs[i]);
	fill_pattern(shared, bytes, 0x5eed0001);

	/* Map them through the grant table, as a backend maps a frontend's. */
	mapped = xengnttab_map_domain_grant_refs(tab, SHARE_PAGES, 0, refs,
						 PROT_READ | PROT_WRITE);
	igt_assert_f(mapped, "xengnttab_map_domain_grant_refs: %s\n",
		     strerror(errno));
	igt_assert(mapped != shared);
	check_pattern(mapped, bytes, 0x5eed0001);

	/* And the other way: the granter sees what the mapper wrote. */
	fill_pattern(mapped, bytes, 0x5eed0002);
	check_pattern(shared, bytes, 0x5eed0002);

	igt_assert_eq(xengnttab_unmap(tab, mapped, SHARE_PAGES), 0);
	igt_assert_eq(xengntshr_unshare(shr, shared, SHARE_PAGES), 0);
	xengnttab_close(tab);
	xengntshr_close(shr);
}

static void test_vgem_prime(void)
{
	const uint32_t width = 256, height = 64, bpp = 32;
	struct gntbuf_test_dumb exporter, importer;
	int fd_a, fd_b, prime_fd;
	uint32_t *via_dmabuf;

	/* Two opens of vgem: PRIME-importing on the same fd would only
	 * return the same handle and prove nothing. */
	fd_a = gntbuf_test_open_vgem();
	fd_b = gntbuf_test_open_vgem();

	gntbuf_test_dumb_create(fd_a, width, height, bpp, &exporter);
	fill_pattern(exporter.map, exporter.size, 0xc0ffee00);

	igt_assert_eq(drmPrimeHandleToFD(fd_a, exporter.handle,
					 DRM_CLOEXEC | DRM_RDWR, &prime_fd), 0);
	igt_assert_eq(drmPrimeFDToHandle(fd_b, prime_fd, &importer.handle), 0);
	gntbuf_test_dumb_map(fd_b, exporter.size, &importer);
	check_pattern(importer.map, importer.size, 0xc0ffee00);

	/* The dma-buf's own mmap is a third view of the same pages. */
	via_dmabuf = mmap(NULL, exporter.size, PROT_READ | PROT_WRITE,
			  MAP_SHARED, prime_fd, 0);
	igt_assert(via_dmabuf != MAP_FAILED);
	fill_pattern(importer.map, importer.size, 0xc0ffee01);
	check_pattern(exporter.map, exporter.size, 0xc0ffee01);
	check_pattern(via_dmabuf, exporter.size, 0xc0ffee01);
	munmap(via_dmabuf, exporter.size);

	gntbuf_test_dumb_destroy(fd_b, &importer);
	gntbuf_test_dumb_destroy(fd_a, &exporter);
	close(prime_fd);
	close(fd_b);
	close(fd_a);
}

igt_main
{
	igt_describe("The rig's dom0 is a Xen control domain.");
	igt_subtest("xen-control-domain")
		test_control_domain();

	igt_describe("Pages granted with gntalloc and mapped with gntdev hold "
		     "the same bytes, written from either side.");
	igt_subtest("self-grant-map")
		test_self_grant_map();

	igt_describe("A vgem buffer exported with PRIME and imported on "
		     "another file shows the same bytes through every mapping.");
	igt_subtest("vgem-prime")
		test_vgem_prime();
}
