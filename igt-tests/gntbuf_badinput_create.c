// SPDX-License-Identifier: MIT
/*
 * gntbuf_badinput_create.c: bad input to the device itself and to the
 * calls that make buffers: EXPORT_REFS, ALLOC, IMPORT (see
 * gntbuf_badinput.c for the errnos).
 */
#include "igt.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <linux/dma-buf.h>
#include <xf86drm.h>

#include "gntbuf_badinput.h"

/* ---- the device ---- */

void test_unknown_ioctl(void)
{
	struct gntbuf_query q = { 0 };

	expect_ioctl(GNTBUF_IOCTL_UNKNOWN, &q, ENOTTY);
}

void test_wrong_size(void)
{
	uint64_t small[2] = { 0 };

	/* QUERY's number with another size is another ioctl. */
	expect_ioctl(_IOWR(GNTBUF_IOCTL_MAGIC, 0x00, uint64_t), small, ENOTTY);
}

void test_other_magic(void)
{
	struct dma_buf_sync sync = { .flags = DMA_BUF_SYNC_START |
					      DMA_BUF_SYNC_READ };

	/* A dma-buf ioctl sent to the device. */
	expect_ioctl(DMA_BUF_IOCTL_SYNC, &sync, ENOTTY);
}

void test_query_flags(void)
{
	struct gntbuf_query q = { .flags = 1 };

	expect_ioctl(GNTBUF_IOCTL_QUERY, &q, EINVAL);
}

void test_query_bad_pointer(void)
{
	expect_ioctl(GNTBUF_IOCTL_QUERY, NULL, EFAULT);
	expect_ioctl(GNTBUF_IOCTL_QUERY, (void *)8, EFAULT);
}

void test_stats_flags(void)
{
	struct gntbuf_stats s = { .flags = 1 };

	expect_ioctl(GNTBUF_IOCTL_STATS, &s, EINVAL);
}


/* ---- EXPORT_REFS ---- */

uint32_t *big_refs(uint32_t count)
{
	uint32_t *refs = calloc(count ? count : 1, sizeof(*refs));

	igt_assert(refs);
	for (uint32_t i = 0; i < count; i++)
		refs[i] = good.refs[i % PAGES];
	return refs;
}

void test_export_count(uint32_t count, int err)
{
	uint32_t *refs = big_refs(count < 2000000 ? count : 16);

	expect_export(good.domid, refs, count, 0, err);
	free(refs);
}

void test_export_flags(void)
{
	expect_export(good.domid, good.refs, PAGES, 1u << 1, EINVAL);
	expect_export(good.domid, good.refs, PAGES, 1u << 31, EINVAL);
	expect_export(good.domid, good.refs, PAGES, ~GNTBUF_EXPORT_FLAGS, EINVAL);
}

void test_export_domid(uint32_t domid, int err)
{
	expect_export(domid, good.refs, PAGES, 0, err);
}

void test_export_bad_pointer(void)
{
	void *hole;

	expect_export(good.domid, NULL, PAGES, 0, EFAULT);
	expect_export(good.domid, (uint32_t *)8, PAGES, 0, EFAULT);
	/* A mapped address that no longer is. */
	hole = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	igt_assert(hole != MAP_FAILED);
	igt_assert_eq(munmap(hole, 4096), 0);
	expect_export(good.domid, hole, PAGES, 0, EFAULT);
}

void test_export_short_refs(void)
{
	uint8_t *two;
	uint32_t *refs;

	/* The refs run into an unreadable page half-way. */
	two = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	igt_assert(two != MAP_FAILED);
	igt_assert_eq(mprotect(two + 4096, 4096, PROT_NONE), 0);
	refs = (uint32_t *)(two + 4096) - PAGES / 2;
	memcpy(refs, good.refs, PAGES / 2 * sizeof(*refs));
	expect_export(good.domid, refs, PAGES, 0, EFAULT);
	munmap(two, 8192);
}

void test_export_invalid_gref(void)
{
	uint32_t refs[PAGES];

	/* Past the end of dom0's grant table: GNTST_bad_gntref. */
	for (int i = 0; i < PAGES; i++)
		refs[i] = 0xfffffff0u + i % 8;
	expect_export(good.domid, refs, PAGES, 0, EINVAL);
}

void test_export_ungranted_gref(void)
{
	struct gntbuf_grants gone;
	uint32_t refs[4];

	/* Refs that were granted and are ended: GNTST_general_error. */
	gntbuf_grants_create(good.source, 4, 0, true, &gone);
	memcpy(refs, gone.refs, sizeof(refs));
	gntbuf_grants_end(&gone, 3000);
	expect_export(gone.domid, refs, 4, 0, EACCES);
	gntbuf_grants_destroy(&gone);
}

void test_export_granted_to_another(void)
{
	struct gntbuf_share other;

	/* dom0's refs, granted to another domain: not ours to map. */
	gntbuf_share_pages(DOMID_ABSENT, 4, true, &other);
	expect_export(GNTBUF_SELF, other.refs, 4, 0, EACCES);
	gntbuf_unshare(&other);
	free(other.refs);
}

void test_export_absent_domain(void)
{
	/* No such domain: GNTST_bad_domain. */
	expect_export(DOMID_ABSENT, good.refs, PAGES, 0, ESRCH);
}

void test_export_write_read_only(void)
{
	struct gntbuf_grants ro;

	/* Writable mapping of a read-only grant: GNTST_general_error. */
	gntbuf_grants_create(good.source, 4, 0, false, &ro);
	expect_export(ro.domid, ro.refs, 4, 0, EACCES);
	gntbuf_grants_end(&ro, 3000);
	gntbuf_grants_destroy(&ro);
}

void test_export_one_bad_among_good(void)
{
	struct gntbuf_grants mine;
	uint32_t refs[PAGES];

	gntbuf_grants_create(good.source, PAGES, 0, true, &mine);
	memcpy(refs, mine.refs, sizeof(refs));
	/* The last one is bad: the fifteen good ones must be unmapped. */
	refs[PAGES - 1] = 0xfffffff0u;
	expect_export(mine.domid, refs, PAGES, 0, EINVAL);
	/* Asserts that none of them is still mapped once they are ended. */
	gntbuf_grants_end(&mine, 3000);
	gntbuf_grants_destroy(&mine);
}

void test_export_gref_of_peer(void)
{
	struct gntbuf_peer *peer = gntbuf_peer_get(GNTBUF_PEER_PV);
	struct gntbuf_share mine;
	uint64_t id;
	int set, fd;

	/* dom0's refs granted to the domU, named as dom0's own. */
	gntbuf_share_pages(peer->domid, 4, true, &mine);
	expect_export(GNTBUF_SELF, mine.refs, 4, 0, EACCES);
	gntbuf_unshare(&mine);
	free(mine.refs);

	/* The domU's refs granted to a third domain, not to dom0. */
	set = gntbuf_peer_share_to(peer, 4, 0x1234, true, DOMID_ABSENT);
	expect_export(peer->domid, peer->set_refs[set], 4, 0, EACCES);
	gntbuf_peer_unshare(peer, set);

	/* Control: the domU's refs granted to dom0 do map. */
	set = gntbuf_peer_share(peer, 4, 0x1234, true);
	fd = gntbuf_export(dev, peer->domid, peer->set_refs[set], 4, 0, &id);
	close(fd);
	gntbuf_wait_released(dev, id, 5000);
	gntbuf_peer_unshare(peer, set);
}

const char *const limit_params[3] = {
	"max_pages_per_buffer", "max_pages_per_file", "max_pages_total",
};
long saved_limits[3] = { -1, -1, -1 };

static void set_limit(const char *param, unsigned long value, long *saved)
{
	*saved = __gntbuf_param_get(param);
	igt_require_f(*saved >= 0, "no module parameter %s\n", param);
	gntbuf_param_set(param, value);
}

/* Puts back the limits a failed subtest may have left lowered. */
void restore_limits(void)
{
	for (int i = 0; i < 3; i++)
		if (saved_limits[i] >= 0 &&
		    __gntbuf_param_get(limit_params[i]) != saved_limits[i])
			gntbuf_param_set(limit_params[i], saved_limits[i]);
}

void test_export_limit(const char *param)
{
	bool total = strcmp(param, "max_pages_total") == 0;
	uint64_t id;
	long saved;
	int fd, ret, fd2 = -1;

	/* The total counts every live buffer; this file holds none. */
	begin();
	set_limit(param, 8 + (total ? baseline.mapped_pages +
			      baseline.allocated_pages +
			      baseline.granted_pages : 0), &saved);
	expect_export(good.domid, good.refs, PAGES, 0, ENOSPC);
	/* Up to the limit works; one more page does not. */
	fd = gntbuf_export(dev, good.domid, good.refs, 8, 0, &id);
	begin();
	ret = __gntbuf_export(dev, good.domid, good.refs, 1, 0, &fd2, NULL);
	igt_assert_eq(ret, -ENOSPC);
	nothing_left();
	gntbuf_param_set(param, saved);
	close(fd);
	gntbuf_wait_released(dev, id, 5000);
}

/*
 * The argument is readable but not writable: the module reads it, does all
 * the work, then cannot write the results back.  It must undo everything:
 * no fd, no buffer, no grant left.
 */
void *read_only_copy(const void *arg, size_t size)
{
	void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	igt_assert(page != MAP_FAILED);
	memcpy(page, arg, size);
	igt_assert_eq(mprotect(page, 4096, PROT_READ), 0);
	return page;
}

void test_export_read_only_arg(void)
{
	struct gntbuf_export_refs arg = {
		.domid = good.domid, .count = PAGES, .fd = -1,
		.refs_ptr = (uintptr_t)good.refs,
	};
	void *ro = read_only_copy(&arg, sizeof(arg));

	begin();
	expect_ioctl(GNTBUF_IOCTL_EXPORT_REFS, ro, EFAULT);
	nothing_left();
	munmap(ro, 4096);
	/* The grants are not mapped any more: a new export works. */
	close(live_export(dev, NULL));
}

void test_alloc_read_only_arg(void)
{
	struct gntbuf_grantee grantee;
	uint32_t refs[PAGES];
	struct gntbuf_alloc arg = {
		.count = PAGES, .fd = -1, .refs_ptr = (uintptr_t)refs,
	};
	void *ro;

	gntbuf_grantee_init(good.source, &grantee);
	arg.domid = grantee.domid;
	ro = read_only_copy(&arg, sizeof(arg));
	begin();
	memset(refs, 0xff, sizeof(refs));
	expect_ioctl(GNTBUF_IOCTL_ALLOC, ro, EFAULT);
	nothing_left();
	munmap(ro, 4096);
	/* Whatever refs were written are ended. */
	for (int i = 0; i < PAGES; i++)
		if (refs[i] != 0xffffffffu)
			igt_assert(!gntbuf_grantee_mappable(&grantee, &refs[i],
							    1));
}

void test_import_read_only_arg(void)
{
	struct gntbuf_grantee grantee;
	uint32_t refs[PAGES];
	struct gntbuf_import arg = {
		.count = PAGES, .refs_ptr = (uintptr_t)refs,
	};
	int vgem, prime;
	void *ro;

	gntbuf_grantee_init(good.source, &grantee);
	vgem = gntbuf_test_open_vgem();
	prime = vgem_dmabuf(vgem, PAGES);
	arg.fd = prime;
	arg.domid = grantee.domid;
	ro = read_only_copy(&arg, sizeof(arg));
	begin();
	memset(refs, 0xff, sizeof(refs));
	expect_ioctl(GNTBUF_IOCTL_IMPORT, ro, EFAULT);
	nothing_left();
	munmap(ro, 4096);
	for (int i = 0; i < PAGES; i++)
		if (refs[i] != 0xffffffffu)
			igt_assert(!gntbuf_grantee_mappable(&grantee, &refs[i],
							    1));
	close(prime);
	close(vgem);
}


/* ---- ALLOC ---- */

void test_alloc_count(uint32_t count, int err)
{
	uint32_t *refs = calloc(count && count < 2000000 ? count : 1, 4);

	igt_assert(refs);
	expect_alloc(0, count, 0, refs, err);
	free(refs);
}

void test_alloc_flags(void)
{
	uint32_t refs[PAGES];

	expect_alloc(0, PAGES, 1u << 1, refs, EINVAL);
	expect_alloc(0, PAGES, ~GNTBUF_ALLOC_FLAGS, refs, EINVAL);
}

void test_alloc_domid(uint32_t domid, int err)
{
	uint32_t refs[PAGES];

	expect_alloc(domid, PAGES, 0, refs, err);
}

void test_alloc_bad_pointer(void)
{
	expect_alloc(0, PAGES, 0, NULL, EFAULT);
	expect_alloc(0, PAGES, 0, (uint32_t *)8, EFAULT);
	/* Read-only memory cannot take the refs. */
	{
		uint32_t *ro = mmap(NULL, 4096, PROT_READ,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		igt_assert(ro != MAP_FAILED);
		expect_alloc(0, PAGES, 0, ro, EFAULT);
		munmap(ro, 4096);
	}
}

void test_alloc_file_limit(void)
{
	uint32_t refs[PAGES];
	long saved;

	set_limit("max_pages_per_file", 8, &saved);
	expect_alloc(0, PAGES, 0, refs, ENOSPC);
	gntbuf_param_set("max_pages_per_file", saved);
}


/* ---- IMPORT ---- */

void test_import_not_dmabuf(void)
{
	uint32_t refs[PAGES];
	int null = open("/dev/null", O_RDWR);

	igt_assert_fd(null);
	expect_import(null, GNTBUF_SELF, PAGES, 0, refs, EINVAL);
	/* The device itself is no dma-buf either. */
	expect_import(dev, GNTBUF_SELF, PAGES, 0, refs, EINVAL);
	close(null);
}

void test_import_closed_fd(void)
{
	uint32_t refs[PAGES];
	int vgem = gntbuf_test_open_vgem();
	int prime = vgem_dmabuf(vgem, PAGES);

	close(prime);
	expect_import(prime, GNTBUF_SELF, PAGES, 0, refs, EBADF);
	expect_import(-1, GNTBUF_SELF, PAGES, 0, refs, EBADF);
	close(vgem);
}

void test_import_count(void)
{
	uint32_t refs[PAGES + 1];
	int vgem = gntbuf_test_open_vgem();
	int prime = vgem_dmabuf(vgem, PAGES);

	/* The count must be the dma-buf's size in pages, exactly. */
	expect_import(prime, GNTBUF_SELF, PAGES - 1, 0, refs, EINVAL);
	expect_import(prime, GNTBUF_SELF, PAGES + 1, 0, refs, EINVAL);
	expect_import(prime, GNTBUF_SELF, 0, 0, refs, EINVAL);
	expect_import(prime, GNTBUF_SELF, limits.max_pages_per_buffer + 1, 0, refs,
		      E2BIG);
	close(prime);
	close(vgem);
}

void test_import_flags(void)
{
	uint32_t refs[PAGES];
	int vgem = gntbuf_test_open_vgem();
	int prime = vgem_dmabuf(vgem, PAGES);

	expect_import(prime, GNTBUF_SELF, PAGES, 1u << 1, refs, EINVAL);
	expect_import(prime, GNTBUF_SELF, PAGES, ~GNTBUF_IMPORT_FLAGS, refs, EINVAL);
	close(prime);
	close(vgem);
}

void test_import_domid(void)
{
	uint32_t refs[PAGES];
	int vgem = gntbuf_test_open_vgem();
	int prime = vgem_dmabuf(vgem, PAGES);

	expect_import(prime, GNTBUF_TEST_DOMID_SELF, PAGES, 0, refs, EINVAL);
	expect_import(prime, GNTBUF_TEST_DOMID_IO, PAGES, 0, refs, EINVAL);
	expect_import(prime, 0x10000, PAGES, 0, refs, EINVAL);
	close(prime);
	close(vgem);
}

void test_import_bad_pointer(void)
{
	int vgem = gntbuf_test_open_vgem();
	int prime = vgem_dmabuf(vgem, PAGES);

	expect_import(prime, GNTBUF_SELF, PAGES, 0, NULL, EFAULT);
	expect_import(prime, GNTBUF_SELF, PAGES, 0, (uint32_t *)8, EFAULT);
	close(prime);
	close(vgem);
}

void test_import_exported(void)
{
	uint32_t refs[PAGES];
	uint64_t id;
	int fd = live_export(dev, &id);

	/* Another domain's frames cannot be granted on (no transitive
	 * grants): EXDEV. */
	expect_import(fd, GNTBUF_SELF, PAGES, 0, refs, EXDEV);
	close(fd);
	gntbuf_wait_released(dev, id, 5000);
}
