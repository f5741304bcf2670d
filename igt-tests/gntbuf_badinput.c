// SPDX-License-Identifier: MIT
/*
 * gntbuf_badinput: every bad input of every ioctl of /dev/xen/gntbuf, one
 * subtest each, named for what is tried, asserting the exact errno; and
 * after each, that nothing was left behind (no dma-buf fd installed, every
 * counter back where it was, grants unmapped).
 *
 * The errnos are the module's documented ones: -EINVAL for unknown flags,
 * non-zero padding, a zero count or a reserved domid; -E2BIG for a count
 * over max_pages_per_buffer; -ENOSPC over the per-file or total limit;
 * -EFAULT for a bad user pointer; -ENOTTY for an unknown ioctl; -ENOENT for
 * an id this file does not hold; and for a failed grant map the errno of
 * its GNTST_* status: GNTST_bad_domain -ESRCH, GNTST_bad_gntref -EINVAL,
 * GNTST_general_error (an entry that does not grant us that access) -EACCES,
 * GNTST_permission_denied -EPERM.
 */
#include "igt.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <linux/dma-buf.h>
#include <xf86drm.h>

#include "gntbuf_test.h"

IGT_TEST_DESCRIPTION("Bad input to every ioctl of /dev/xen/gntbuf: each "
		     "gets its exact errno and leaves nothing behind");

#define PAGES 16
#define BYTES (PAGES * GNTBUF_TEST_PAGE_SIZE)
/* A domain id that is valid but names no domain in the rig. */
#define DOMID_ABSENT 0x7fe0u
#define GNTBUF_IOCTL_UNKNOWN _IOWR(GNTBUF_IOCTL_MAGIC, 0x1f, struct gntbuf_query)

static int dev = -1;
static struct gntbuf_query limits;
static struct gntbuf_stats baseline;
static int baseline_fds;
/*
 * PAGES good grants from gntbuf_local_source(): dom0's own in dom0, those
 * of dom0's gntbuf-grant-peer when this runs in a domU.  Subtests that
 * need grants of another kind (ended, read-only) take them from the same
 * source.
 */
static struct gntbuf_grants good;

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	igt_assert(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1;	/* the DIR's own fd */
}

static void begin(void)
{
	gntbuf_stats(dev, &baseline);
	baseline_fds = count_fds();
}

/* Nothing stayed behind: no new fd, the counters where they were. */
static void nothing_left(void)
{
	igt_assert_eq(count_fds(), baseline_fds);
	gntbuf_assert_back_to(dev, &baseline, 1000);
}

static void expect_export(uint32_t domid, const uint32_t *refs,
			  uint32_t count, uint32_t flags, int err)
{
	int fd = -1, ret;

	begin();
	ret = __gntbuf_export(dev, domid, refs, count, flags, &fd, NULL);
	if (ret == 0)
		close(fd);	/* not to leak it into the next subtests */
	igt_assert_f(ret == -err, "EXPORT_REFS domid %u count %u flags %#x: "
		     "%s (%d), expected %s (%d)\n", domid, count, flags,
		     strerror(-ret), -ret, strerror(err), err);
	nothing_left();
}

static void expect_alloc(uint32_t domid, uint32_t count, uint32_t flags,
			 uint32_t *refs, int err)
{
	int fd = -1, ret;

	begin();
	ret = __gntbuf_alloc(dev, domid, count, flags, refs, &fd, NULL);
	if (ret == 0)
		close(fd);
	igt_assert_f(ret == -err, "ALLOC domid %u count %u flags %#x: %s "
		     "(%d), expected %s (%d)\n", domid, count, flags,
		     strerror(-ret), -ret, strerror(err), err);
	nothing_left();
}

static void expect_import(int dmabuf, uint32_t domid, uint32_t count,
			  uint32_t flags, uint32_t *refs, int err)
{
	uint64_t id = 0;
	int ret;

	begin();
	ret = __gntbuf_import(dev, dmabuf, domid, count, flags, refs, &id);
	if (ret == 0)
		__gntbuf_import_release(dev, id);
	igt_assert_f(ret == -err, "IMPORT fd %d domid %u count %u flags %#x: "
		     "%s (%d), expected %s (%d)\n", dmabuf, domid, count, flags,
		     strerror(-ret), -ret, strerror(err), err);
	nothing_left();
}

static void expect_ioctl(unsigned long request, void *arg, int err)
{
	int ret = __gntbuf_ioctl(dev, request, arg);

	igt_assert_f(ret == -err, "ioctl %#lx: %s (%d), expected %s (%d)\n",
		     request, strerror(-ret), -ret, strerror(err), err);
}

/* A vgem buffer of @pages pages, as a dma-buf; the handle is closed. */
static int vgem_dmabuf(int vgem, uint32_t pages)
{
	struct gntbuf_test_dumb dumb;
	int prime;

	gntbuf_test_dumb_create(vgem, 1024, pages, 32, &dumb);
	igt_assert_eq(drmPrimeHandleToFD(vgem, dumb.handle,
					 DRM_CLOEXEC | DRM_RDWR, &prime), 0);
	gntbuf_test_dumb_destroy(vgem, &dumb);
	return prime;
}

/* A live export of the shared pages, on @fd: its dma-buf and id. */
static int live_export(int fd, uint64_t *id)
{
	return gntbuf_export(fd, good.domid, good.refs, PAGES, 0, id);
}

/* ---- the device ---- */

static void test_unknown_ioctl(void)
{
	struct gntbuf_query q = { 0 };

	expect_ioctl(GNTBUF_IOCTL_UNKNOWN, &q, ENOTTY);
}

static void test_wrong_size(void)
{
	uint64_t small[2] = { 0 };

	/* QUERY's number with another size is another ioctl. */
	expect_ioctl(_IOWR(GNTBUF_IOCTL_MAGIC, 0x00, uint64_t), small, ENOTTY);
}

static void test_other_magic(void)
{
	struct dma_buf_sync sync = { .flags = DMA_BUF_SYNC_START |
					      DMA_BUF_SYNC_READ };

	/* A dma-buf ioctl sent to the device. */
	expect_ioctl(DMA_BUF_IOCTL_SYNC, &sync, ENOTTY);
}

static void test_query_flags(void)
{
	struct gntbuf_query q = { .flags = 1 };

	expect_ioctl(GNTBUF_IOCTL_QUERY, &q, EINVAL);
}

static void test_query_bad_pointer(void)
{
	expect_ioctl(GNTBUF_IOCTL_QUERY, NULL, EFAULT);
	expect_ioctl(GNTBUF_IOCTL_QUERY, (void *)8, EFAULT);
}

static void test_stats_flags(void)
{
	struct gntbuf_stats s = { .flags = 1 };

	expect_ioctl(GNTBUF_IOCTL_STATS, &s, EINVAL);
}

/* ---- EXPORT_REFS ---- */

static uint32_t *big_refs(uint32_t count)
{
	uint32_t *refs = calloc(count ? count : 1, sizeof(*refs));

	igt_assert(refs);
	for (uint32_t i = 0; i < count; i++)
		refs[i] = good.refs[i % PAGES];
	return refs;
}

static void test_export_count(uint32_t count, int err)
{
	uint32_t *refs = big_refs(count < 2000000 ? count : 16);

	expect_export(good.domid, refs, count, 0, err);
	free(refs);
}

static void test_export_flags(void)
{
	expect_export(good.domid, good.refs, PAGES, 1u << 1, EINVAL);
	expect_export(good.domid, good.refs, PAGES, 1u << 31, EINVAL);
	expect_export(good.domid, good.refs, PAGES, ~GNTBUF_EXPORT_FLAGS, EINVAL);
}

static void test_export_domid(uint32_t domid, int err)
{
	expect_export(domid, good.refs, PAGES, 0, err);
}

static void test_export_bad_pointer(void)
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

static void test_export_short_refs(void)
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

static void test_export_invalid_gref(void)
{
	uint32_t refs[PAGES];

	/* Past the end of dom0's grant table: GNTST_bad_gntref. */
	for (int i = 0; i < PAGES; i++)
		refs[i] = 0xfffffff0u + i % 8;
	expect_export(good.domid, refs, PAGES, 0, EINVAL);
}

static void test_export_ungranted_gref(void)
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

static void test_export_granted_to_another(void)
{
	struct gntbuf_share other;

	/* dom0's refs, granted to another domain: not ours to map. */
	gntbuf_share_pages(DOMID_ABSENT, 4, true, &other);
	expect_export(GNTBUF_SELF, other.refs, 4, 0, EACCES);
	gntbuf_unshare(&other);
	free(other.refs);
}

static void test_export_absent_domain(void)
{
	/* No such domain: GNTST_bad_domain. */
	expect_export(DOMID_ABSENT, good.refs, PAGES, 0, ESRCH);
}

static void test_export_write_read_only(void)
{
	struct gntbuf_grants ro;

	/* Writable mapping of a read-only grant: GNTST_general_error. */
	gntbuf_grants_create(good.source, 4, 0, false, &ro);
	expect_export(ro.domid, ro.refs, 4, 0, EACCES);
	gntbuf_grants_end(&ro, 3000);
	gntbuf_grants_destroy(&ro);
}

static void test_export_one_bad_among_good(void)
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

static void test_export_gref_of_peer(void)
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

static const char *const limit_params[] = {
	"max_pages_per_buffer", "max_pages_per_file", "max_pages_total",
};
static long saved_limits[3] = { -1, -1, -1 };

static void set_limit(const char *param, unsigned long value, long *saved)
{
	*saved = __gntbuf_param_get(param);
	igt_require_f(*saved >= 0, "no module parameter %s\n", param);
	gntbuf_param_set(param, value);
}

/* Puts back the limits a failed subtest may have left lowered. */
static void restore_limits(void)
{
	for (int i = 0; i < 3; i++)
		if (saved_limits[i] >= 0 &&
		    __gntbuf_param_get(limit_params[i]) != saved_limits[i])
			gntbuf_param_set(limit_params[i], saved_limits[i]);
}

static void test_export_limit(const char *param)
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
static void *read_only_copy(const void *arg, size_t size)
{
	void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	igt_assert(page != MAP_FAILED);
	memcpy(page, arg, size);
	igt_assert_eq(mprotect(page, 4096, PROT_READ), 0);
	return page;
}

static void test_export_read_only_arg(void)
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

static void test_alloc_read_only_arg(void)
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

static void test_import_read_only_arg(void)
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

/* ---- WAIT_RELEASED ---- */

static void test_wait_unknown(void)
{
	igt_assert_eq(__gntbuf_wait_released(dev, 0xdead0000beefull, 0),
		      -ENOENT);
	igt_assert_eq(__gntbuf_wait_released(dev, ~0ull, 100), -ENOENT);
}

static void test_wait_stale(void)
{
	uint64_t id;

	close(live_export(dev, &id));
	gntbuf_wait_released(dev, id, 5000);
	igt_assert_eq(__gntbuf_wait_released(dev, id, 0), -ENOENT);
	igt_assert_eq(__gntbuf_wait_released(dev, id, 100), -ENOENT);
}

static void test_wait_other_file(void)
{
	int other = gntbuf_open();
	uint64_t id;
	int fd = live_export(other, &id);

	igt_assert_eq(__gntbuf_wait_released(dev, id, 0), -ENOENT);
	close(fd);
	gntbuf_wait_released(other, id, 5000);
	close(other);
}

static void test_wait_pad(void)
{
	struct gntbuf_wait_released w = { .timeout_ms = 0, .pad = 1 };
	uint64_t id;
	int fd = live_export(dev, &id);

	w.buffer_id = id;
	expect_ioctl(GNTBUF_IOCTL_WAIT_RELEASED, &w, EINVAL);
	close(fd);
	gntbuf_wait_released(dev, id, 5000);
}

static void on_alarm(int sig)
{
}

static void test_wait_interrupted(void)
{
	struct sigaction sa = { .sa_handler = on_alarm }, old;
	struct gntbuf_wait_released w = { .timeout_ms = 10000 };
	struct timespec start;
	uint64_t id;
	void *map;
	int fd, ret;

	fd = live_export(dev, &id);
	map = gntbuf_dmabuf_mmap(fd, BYTES, PROT_READ);
	close(fd);
	w.buffer_id = id;
	/* No SA_RESTART: the wait must come back with EINTR. */
	sigaction(SIGALRM, &sa, &old);
	alarm(1);
	igt_gettime(&start);
	ret = ioctl(dev, GNTBUF_IOCTL_WAIT_RELEASED, &w);
	igt_assert_eq(ret, -1);
	igt_assert_eq(errno, EINTR);
	igt_assert_lt(igt_nsec_elapsed(&start) / 1000000, 5000);
	sigaction(SIGALRM, &old, NULL);
	/* The id is still known: the wait can be retried. */
	igt_assert_eq(__gntbuf_wait_released(dev, id, 0), -ETIMEDOUT);
	munmap(map, BYTES);
	gntbuf_wait_released(dev, id, 5000);
}

/* ---- ALLOC ---- */

static void test_alloc_count(uint32_t count, int err)
{
	uint32_t *refs = calloc(count && count < 2000000 ? count : 1, 4);

	igt_assert(refs);
	expect_alloc(0, count, 0, refs, err);
	free(refs);
}

static void test_alloc_flags(void)
{
	uint32_t refs[PAGES];

	expect_alloc(0, PAGES, 1u << 1, refs, EINVAL);
	expect_alloc(0, PAGES, ~GNTBUF_ALLOC_FLAGS, refs, EINVAL);
}

static void test_alloc_domid(uint32_t domid, int err)
{
	uint32_t refs[PAGES];

	expect_alloc(domid, PAGES, 0, refs, err);
}

static void test_alloc_bad_pointer(void)
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

static void test_alloc_file_limit(void)
{
	uint32_t refs[PAGES];
	long saved;

	set_limit("max_pages_per_file", 8, &saved);
	expect_alloc(0, PAGES, 0, refs, ENOSPC);
	gntbuf_param_set("max_pages_per_file", saved);
}

/* ---- IMPORT ---- */

static void test_import_not_dmabuf(void)
{
	uint32_t refs[PAGES];
	int null = open("/dev/null", O_RDWR);

	igt_assert_fd(null);
	expect_import(null, GNTBUF_SELF, PAGES, 0, refs, EINVAL);
	/* The device itself is no dma-buf either. */
	expect_import(dev, GNTBUF_SELF, PAGES, 0, refs, EINVAL);
	close(null);
}

static void test_import_closed_fd(void)
{
	uint32_t refs[PAGES];
	int vgem = gntbuf_test_open_vgem();
	int prime = vgem_dmabuf(vgem, PAGES);

	close(prime);
	expect_import(prime, GNTBUF_SELF, PAGES, 0, refs, EBADF);
	expect_import(-1, GNTBUF_SELF, PAGES, 0, refs, EBADF);
	close(vgem);
}

static void test_import_count(void)
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

static void test_import_flags(void)
{
	uint32_t refs[PAGES];
	int vgem = gntbuf_test_open_vgem();
	int prime = vgem_dmabuf(vgem, PAGES);

	expect_import(prime, GNTBUF_SELF, PAGES, 1u << 1, refs, EINVAL);
	expect_import(prime, GNTBUF_SELF, PAGES, ~GNTBUF_IMPORT_FLAGS, refs, EINVAL);
	close(prime);
	close(vgem);
}

static void test_import_domid(void)
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

static void test_import_bad_pointer(void)
{
	int vgem = gntbuf_test_open_vgem();
	int prime = vgem_dmabuf(vgem, PAGES);

	expect_import(prime, GNTBUF_SELF, PAGES, 0, NULL, EFAULT);
	expect_import(prime, GNTBUF_SELF, PAGES, 0, (uint32_t *)8, EFAULT);
	close(prime);
	close(vgem);
}

static void test_import_exported(void)
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

/* ---- IMPORT_RELEASE ---- */

static uint64_t live_import(int fd, int vgem, int *prime)
{
	uint32_t refs[PAGES];

	*prime = vgem_dmabuf(vgem, PAGES);
	return gntbuf_import(fd, *prime, GNTBUF_SELF, PAGES, 0, refs);
}

static void test_release_unknown(void)
{
	igt_assert_eq(__gntbuf_import_release(dev, 0xdead0000beefull),
		      -ENOENT);
}

static void test_release_twice(void)
{
	int vgem = gntbuf_test_open_vgem(), prime;
	uint64_t id = live_import(dev, vgem, &prime);

	gntbuf_import_release(dev, id);
	igt_assert_eq(__gntbuf_import_release(dev, id), -ENOENT);
	gntbuf_wait_released(dev, id, 5000);
	igt_assert_eq(__gntbuf_import_release(dev, id), -ENOENT);
	close(prime);
	close(vgem);
}

static void test_release_flags_pad(void)
{
	struct gntbuf_import_release r = { 0 };
	int vgem = gntbuf_test_open_vgem(), prime;
	uint64_t id = live_import(dev, vgem, &prime);

	r.buffer_id = id;
	r.flags = 1;
	expect_ioctl(GNTBUF_IOCTL_IMPORT_RELEASE, &r, EINVAL);
	r.flags = 0;
	r.pad = 1;
	expect_ioctl(GNTBUF_IOCTL_IMPORT_RELEASE, &r, EINVAL);
	gntbuf_import_release(dev, id);
	gntbuf_wait_released(dev, id, 5000);
	close(prime);
	close(vgem);
}

static void test_release_export_id(void)
{
	uint64_t id;
	int fd = live_export(dev, &id);

	/* An id of this file that is no import. */
	igt_assert_eq(__gntbuf_import_release(dev, id), -EINVAL);
	close(fd);
	gntbuf_wait_released(dev, id, 5000);
}

static void test_release_other_file(void)
{
	int vgem = gntbuf_test_open_vgem(), prime;
	int other = gntbuf_open();
	uint64_t id = live_import(other, vgem, &prime);

	igt_assert_eq(__gntbuf_import_release(dev, id), -ENOENT);
	gntbuf_import_release(other, id);
	close(other);
	close(prime);
	close(vgem);
}

/* ---- SYNC_RANGE ---- */

static void expect_sync(uint64_t id, int fd, uint32_t flags,
			uint64_t offset, uint64_t length, int err)
{
	struct gntbuf_sync_range s = {
		.buffer_id = id, .fd = fd, .flags = flags,
		.offset = offset, .length = length,
	};
	uint64_t before;
	struct gntbuf_stats st;

	gntbuf_stats(dev, &st);
	before = st.flushed_bytes_range;
	expect_ioctl(GNTBUF_IOCTL_SYNC_RANGE, &s, err);
	gntbuf_stats(dev, &st);
	igt_assert_eq_u64(st.flushed_bytes_range, before);
}

static void with_export(void (*fn)(int fd, uint64_t id))
{
	uint64_t id;
	int fd = live_export(dev, &id);

	fn(fd, id);
	close(fd);
	gntbuf_wait_released(dev, id, 5000);
}

static void sync_no_direction(int fd, uint64_t id)
{
	expect_sync(id, 0, 0, 0, 4096, EINVAL);
	expect_sync(0, fd, GNTBUF_SYNC_BY_FD, 0, 4096, EINVAL);
}

static void sync_unknown_flags(int fd, uint64_t id)
{
	expect_sync(id, 0, GNTBUF_SYNC_BOTH | 1u << 4, 0, 4096, EINVAL);
	expect_sync(id, 0, GNTBUF_SYNC_BOTH | 1u << 31, 0, 4096, EINVAL);
	/* ANY_DMABUF names a dma-buf by its fd: not with an id. */
	expect_sync(id, 0, GNTBUF_SYNC_BOTH | GNTBUF_SYNC_ANY_DMABUF, 0, 4096,
		    EINVAL);
}

static void sync_past_end(int fd, uint64_t id)
{
	expect_sync(id, 0, GNTBUF_SYNC_BOTH, BYTES - 1, 2, EINVAL);
	expect_sync(id, 0, GNTBUF_SYNC_BOTH, 0, BYTES + 1, EINVAL);
	expect_sync(id, 0, GNTBUF_SYNC_BOTH, BYTES + 1, 0, EINVAL);
	expect_sync(0, fd, GNTBUF_SYNC_BOTH | GNTBUF_SYNC_BY_FD, BYTES, 1,
		    EINVAL);
}

static void sync_overflow(int fd, uint64_t id)
{
	/* offset + length wraps around 2^64. */
	expect_sync(id, 0, GNTBUF_SYNC_BOTH, 4096, ~0ull, EINVAL);
	expect_sync(id, 0, GNTBUF_SYNC_BOTH, ~0ull, 2, EINVAL);
}

static void sync_both_names(int fd, uint64_t id)
{
	/* By fd with an id too, by id with an fd too: ambiguous. */
	expect_sync(id, fd, GNTBUF_SYNC_BOTH | GNTBUF_SYNC_BY_FD, 0, 4096,
		    EINVAL);
	expect_sync(id, fd, GNTBUF_SYNC_BOTH, 0, 4096, EINVAL);
}

static void test_sync_unknown_id(void)
{
	expect_sync(0xdead0000beefull, 0, GNTBUF_SYNC_BOTH, 0, 1, ENOENT);
}

static void test_sync_released_id(void)
{
	uint64_t id;

	close(live_export(dev, &id));
	gntbuf_wait_released(dev, id, 5000);
	expect_sync(id, 0, GNTBUF_SYNC_BOTH, 0, 1, ENOENT);
}

static void test_sync_other_file(void)
{
	int other = gntbuf_open();
	uint64_t id;
	int fd = live_export(other, &id);

	expect_sync(id, 0, GNTBUF_SYNC_BOTH, 0, 1, ENOENT);
	close(fd);
	close(other);
}

static void test_sync_import_id(void)
{
	int vgem = gntbuf_test_open_vgem(), prime;
	uint64_t id = live_import(dev, vgem, &prime);

	/* The pages of an import are its exporter's to maintain. */
	expect_sync(id, 0, GNTBUF_SYNC_BOTH, 0, 1, EINVAL);
	gntbuf_import_release(dev, id);
	gntbuf_wait_released(dev, id, 5000);
	close(prime);
	close(vgem);
}

static void test_sync_fd_not_gntbuf(void)
{
	int vgem = gntbuf_test_open_vgem();
	int prime = vgem_dmabuf(vgem, PAGES);
	int null = open("/dev/null", O_RDWR);

	expect_sync(0, prime, GNTBUF_SYNC_BOTH | GNTBUF_SYNC_BY_FD, 0, 1,
		    EINVAL);
	expect_sync(0, null, GNTBUF_SYNC_BOTH | GNTBUF_SYNC_BY_FD, 0, 1,
		    EINVAL);
	close(null);
	close(prime);
	close(vgem);
}

static void test_sync_fd_closed(void)
{
	uint64_t id;
	int fd = live_export(dev, &id);

	close(fd);
	gntbuf_wait_released(dev, id, 5000);
	expect_sync(0, fd, GNTBUF_SYNC_BOTH | GNTBUF_SYNC_BY_FD, 0, 1, EBADF);
	expect_sync(0, -1, GNTBUF_SYNC_BOTH | GNTBUF_SYNC_BY_FD, 0, 1, EBADF);
}

/* ---- a process killed with buffers of every kind ---- */

static void test_killed(void)
{
	int ready[2], status;
	pid_t pid;
	char c;

	begin();
	igt_assert_eq(pipe(ready), 0);
	pid = fork();
	igt_assert(pid >= 0);
	if (pid == 0) {
		uint32_t refs[PAGES];
		void *map;
		int fd, vgem, prime;

		/* The good grants' domain: their granter and the grantee. */
		close(ready[0]);
		fd = gntbuf_open();
		map = gntbuf_dmabuf_mmap(gntbuf_export(fd, good.domid, good.refs,
						       PAGES, 0, NULL),
					 BYTES, PROT_READ);
		(void)map;
		gntbuf_alloc(fd, good.domid, PAGES, 0, refs, NULL);
		vgem = gntbuf_test_open_vgem();
		prime = vgem_dmabuf(vgem, PAGES);
		gntbuf_import(fd, prime, good.domid, PAGES, 0, refs);
		igt_assert_eq(write(ready[1], "r", 1), 1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	igt_assert_eq(read(ready[0], &c, 1), 1);
	close(ready[0]);
	{
		struct gntbuf_stats s;

		gntbuf_stats(dev, &s);
		gntbuf_stats_print("child holds one of each", &s);
		igt_assert_eq_u32(s.live_buffers, baseline.live_buffers + 3);
	}
	igt_assert_eq(kill(pid, SIGKILL), 0);
	igt_assert_eq(waitpid(pid, &status, 0), pid);
	igt_assert(WIFSIGNALED(status));
	gntbuf_assert_back_to(dev, &baseline, 3000);
}

igt_main
{
	igt_fixture {
		dev = gntbuf_open();
		gntbuf_query(dev, &limits);
		gntbuf_grants_create(gntbuf_local_source(), PAGES, 0x600d,
				     true, &good);
		for (int i = 0; i < 3; i++)
			saved_limits[i] = __gntbuf_param_get(limit_params[i]);
	}

	igt_describe("An ioctl number of the device's magic that does not "
		     "exist: ENOTTY.");
	igt_subtest("unknown-ioctl")
		test_unknown_ioctl();
	igt_describe("QUERY's number encoded with another size: ENOTTY.");
	igt_subtest("ioctl-wrong-size")
		test_wrong_size();
	igt_describe("DMA_BUF_IOCTL_SYNC sent to the device, not a dma-buf: "
		     "ENOTTY.");
	igt_subtest("ioctl-of-another-driver")
		test_other_magic();
	igt_describe("QUERY with non-zero flags: EINVAL.");
	igt_subtest("query-nonzero-flags")
		test_query_flags();
	igt_describe("QUERY with a NULL or unmapped argument pointer: EFAULT.");
	igt_subtest("query-bad-argument-pointer")
		test_query_bad_pointer();
	igt_describe("STATS with non-zero flags: EINVAL.");
	igt_subtest("stats-nonzero-flags")
		test_stats_flags();

	igt_describe("EXPORT_REFS of 0 refs: EINVAL.");
	igt_subtest("export-count-zero")
		test_export_count(0, EINVAL);
	igt_describe("EXPORT_REFS of max_pages_per_buffer + 1 refs: E2BIG.");
	igt_subtest("export-count-over-limit")
		test_export_count(limits.max_pages_per_buffer + 1, E2BIG);
	igt_describe("EXPORT_REFS of a million refs: E2BIG.");
	igt_subtest("export-count-million")
		test_export_count(1000000, E2BIG);
	igt_describe("EXPORT_REFS of 2^32-1 refs: E2BIG.");
	igt_subtest("export-count-u32-max")
		test_export_count(~0u, E2BIG);
	igt_describe("EXPORT_REFS with unknown flag bits: EINVAL.");
	igt_subtest("export-unknown-flags")
		test_export_flags();
	igt_describe("EXPORT_REFS naming DOMID_SELF: EINVAL (Xen wants a real "
		     "id).");
	igt_subtest("export-domid-self")
		test_export_domid(GNTBUF_TEST_DOMID_SELF, EINVAL);
	igt_describe("EXPORT_REFS naming DOMID_IO: EINVAL.");
	igt_subtest("export-domid-io")
		test_export_domid(GNTBUF_TEST_DOMID_IO, EINVAL);
	igt_describe("EXPORT_REFS naming domid 0x7fff (reserved): EINVAL.");
	igt_subtest("export-domid-reserved-top")
		test_export_domid(0x7fff, EINVAL);
	igt_describe("EXPORT_REFS naming a domid over 16 bits: EINVAL.");
	igt_subtest("export-domid-over-16-bit")
		test_export_domid(0x10000, EINVAL);
	igt_describe("EXPORT_REFS naming a domain that does not exist: "
		     "ESRCH (GNTST_bad_domain).");
	igt_subtest("export-absent-domain")
		test_export_absent_domain();
	igt_describe("EXPORT_REFS with a NULL, tiny or unmapped refs pointer: "
		     "EFAULT.");
	igt_subtest("export-bad-refs-pointer")
		test_export_bad_pointer();
	igt_describe("EXPORT_REFS whose refs array runs into an unreadable "
		     "page: EFAULT.");
	igt_subtest("export-refs-pointer-short")
		test_export_short_refs();
	igt_describe("EXPORT_REFS of refs past the end of the grant table: "
		     "EINVAL (GNTST_bad_gntref).");
	igt_subtest("export-invalid-gref")
		test_export_invalid_gref();
	igt_describe("EXPORT_REFS of refs whose grants were ended: EACCES "
		     "(GNTST_general_error).");
	igt_subtest("export-ended-gref")
		test_export_ungranted_gref();
	igt_describe("EXPORT_REFS of refs the granter gave to another domain: "
		     "EACCES.");
	igt_subtest("export-gref-granted-to-another-domain")
		test_export_granted_to_another();
	igt_describe("EXPORT_REFS read-write of read-only grants: EACCES.");
	igt_subtest("export-read-write-of-read-only-grant")
		test_export_write_read_only();
	igt_describe("EXPORT_REFS with one bad ref after fifteen good ones: "
		     "EINVAL, and the good ones are unmapped (the granter "
		     "ends them).");
	igt_subtest("export-one-bad-gref-among-good")
		test_export_one_bad_among_good();
	igt_describe("EXPORT_REFS, with a PV domU, of dom0's refs granted to "
		     "the domU, and of the domU's refs granted to a third "
		     "domain: EACCES (the same domU's refs granted to dom0 "
		     "export).");
	igt_subtest("export-gref-of-another-domain")
		test_export_gref_of_peer();
	igt_describe("EXPORT_REFS whose argument cannot be written back (a "
		     "read-only page): EFAULT, no fd, nothing stays mapped.");
	igt_subtest("export-argument-read-only")
		test_export_read_only_arg();
	igt_describe("ALLOC whose argument cannot be written back: EFAULT, no "
		     "fd, no page or grant left.");
	igt_subtest("alloc-argument-read-only")
		test_alloc_read_only_arg();
	igt_describe("IMPORT whose argument cannot be written back: EFAULT, "
		     "no grant left.");
	igt_subtest("import-argument-read-only")
		test_import_read_only_arg();
	igt_describe("EXPORT_REFS over max_pages_per_file (lowered to 8 "
		     "pages): ENOSPC; up to it works.");
	igt_subtest("export-over-file-limit")
		test_export_limit("max_pages_per_file");
	igt_describe("EXPORT_REFS over max_pages_total (lowered to 8 pages): "
		     "ENOSPC; up to it works.");
	igt_subtest("export-over-total-limit")
		test_export_limit("max_pages_total");
	igt_fixture
		restore_limits();

	igt_describe("WAIT_RELEASED of ids never given: ENOENT.");
	igt_subtest("wait-released-unknown-id")
		test_wait_unknown();
	igt_describe("WAIT_RELEASED of an id already waited for: ENOENT.");
	igt_subtest("wait-released-stale-id")
		test_wait_stale();
	igt_describe("WAIT_RELEASED of an id of another open file: ENOENT.");
	igt_subtest("wait-released-id-of-another-file")
		test_wait_other_file();
	igt_describe("WAIT_RELEASED with non-zero padding: EINVAL.");
	igt_subtest("wait-released-nonzero-pad")
		test_wait_pad();
	igt_describe("WAIT_RELEASED interrupted by a signal: EINTR, and the "
		     "id can be waited for again.");
	igt_subtest("wait-released-interrupted")
		test_wait_interrupted();

	igt_describe("ALLOC of 0 pages: EINVAL.");
	igt_subtest("alloc-count-zero")
		test_alloc_count(0, EINVAL);
	igt_describe("ALLOC of max_pages_per_buffer + 1 pages: E2BIG.");
	igt_subtest("alloc-count-over-limit")
		test_alloc_count(limits.max_pages_per_buffer + 1, E2BIG);
	igt_describe("ALLOC of a million pages: E2BIG.");
	igt_subtest("alloc-count-million")
		test_alloc_count(1000000, E2BIG);
	igt_describe("ALLOC with unknown flag bits: EINVAL.");
	igt_subtest("alloc-unknown-flags")
		test_alloc_flags();
	igt_describe("ALLOC for DOMID_SELF: EINVAL.");
	igt_subtest("alloc-domid-self")
		test_alloc_domid(GNTBUF_TEST_DOMID_SELF, EINVAL);
	igt_describe("ALLOC for a domid over 16 bits: EINVAL.");
	igt_subtest("alloc-domid-over-16-bit")
		test_alloc_domid(0x10000, EINVAL);
	igt_describe("ALLOC with a NULL, tiny or read-only refs pointer: "
		     "EFAULT, and the pages and grants are let go.");
	igt_subtest("alloc-bad-refs-pointer")
		test_alloc_bad_pointer();
	igt_describe("ALLOC over max_pages_per_file (lowered to 8): ENOSPC.");
	igt_subtest("alloc-over-file-limit")
		test_alloc_file_limit();
	igt_fixture
		restore_limits();

	igt_describe("IMPORT of /dev/null and of the device's own fd: EINVAL "
		     "(not a dma-buf).");
	igt_subtest("import-not-a-dmabuf")
		test_import_not_dmabuf();
	igt_describe("IMPORT of a closed fd and of -1: EBADF.");
	igt_subtest("import-closed-fd")
		test_import_closed_fd();
	igt_describe("IMPORT with a count that is not the dma-buf's size in "
		     "pages (one less, one more, zero): EINVAL; over the "
		     "limit: E2BIG.");
	igt_subtest("import-count-mismatch")
		test_import_count();
	igt_describe("IMPORT with unknown flag bits: EINVAL.");
	igt_subtest("import-unknown-flags")
		test_import_flags();
	igt_describe("IMPORT for DOMID_SELF, DOMID_IO, a domid over 16 bits: "
		     "EINVAL.");
	igt_subtest("import-reserved-domid")
		test_import_domid();
	igt_describe("IMPORT with a NULL or tiny refs pointer: EFAULT, and "
		     "the grants are ended.");
	igt_subtest("import-bad-refs-pointer")
		test_import_bad_pointer();
	igt_describe("IMPORT of a dma-buf this module exported from another "
		     "domain's grants: EXDEV.");
	igt_subtest("import-exported-buffer")
		test_import_exported();

	igt_describe("IMPORT_RELEASE of an id never given: ENOENT.");
	igt_subtest("import-release-unknown-id")
		test_release_unknown();
	igt_describe("IMPORT_RELEASE twice, and after WAIT_RELEASED: ENOENT.");
	igt_subtest("import-release-twice")
		test_release_twice();
	igt_describe("IMPORT_RELEASE with non-zero flags or padding: EINVAL.");
	igt_subtest("import-release-nonzero-flags-or-pad")
		test_release_flags_pad();
	igt_describe("IMPORT_RELEASE of an EXPORT_REFS id: EINVAL.");
	igt_subtest("import-release-export-id")
		test_release_export_id();
	igt_describe("IMPORT_RELEASE of another open file's import: ENOENT.");
	igt_subtest("import-release-id-of-another-file")
		test_release_other_file();

	igt_describe("SYNC_RANGE with no direction bit: EINVAL.");
	igt_subtest("sync-range-no-direction")
		with_export(sync_no_direction);
	igt_describe("SYNC_RANGE with unknown flag bits: EINVAL.");
	igt_subtest("sync-range-unknown-flags")
		with_export(sync_unknown_flags);
	igt_describe("SYNC_RANGE past the end of the buffer: EINVAL, nothing "
		     "maintained.");
	igt_subtest("sync-range-past-end")
		with_export(sync_past_end);
	igt_describe("SYNC_RANGE whose offset + length wraps around: EINVAL.");
	igt_subtest("sync-range-overflow")
		with_export(sync_overflow);
	igt_describe("SYNC_RANGE naming the buffer by both id and fd: EINVAL.");
	igt_subtest("sync-range-id-and-fd")
		with_export(sync_both_names);
	igt_describe("SYNC_RANGE of an id never given: ENOENT.");
	igt_subtest("sync-range-unknown-id")
		test_sync_unknown_id();
	igt_describe("SYNC_RANGE of a released buffer's id: ENOENT.");
	igt_subtest("sync-range-released-id")
		test_sync_released_id();
	igt_describe("SYNC_RANGE of another open file's id: ENOENT.");
	igt_subtest("sync-range-id-of-another-file")
		test_sync_other_file();
	igt_describe("SYNC_RANGE of an IMPORT id: EINVAL.");
	igt_subtest("sync-range-import-id")
		test_sync_import_id();
	igt_describe("SYNC_RANGE by fd of a vgem dma-buf or /dev/null: "
		     "EINVAL.");
	igt_subtest("sync-range-by-fd-not-gntbuf")
		test_sync_fd_not_gntbuf();
	igt_describe("SYNC_RANGE by a closed fd or -1: EBADF.");
	igt_subtest("sync-range-by-fd-closed")
		test_sync_fd_closed();

	igt_describe("A process killed (SIGKILL) while holding an export "
		     "(mapped), an ALLOC and an IMPORT: every counter returns "
		     "to where it was.");
	igt_subtest("killed-process")
		test_killed();

	igt_fixture {
		gntbuf_grants_destroy(&good);
		gntbuf_peer_stop_all();
		close(dev);
	}
}
