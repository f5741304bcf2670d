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

#include <fcntl.h>
#include <xf86drm.h>

#include "gntbuf_badinput.h"

IGT_TEST_DESCRIPTION("Bad input to every ioctl of /dev/xen/gntbuf: each "
		     "gets its exact errno and leaves nothing behind");

int dev = -1;
struct gntbuf_query limits;
struct gntbuf_grants good;
struct gntbuf_stats baseline;
static int baseline_fds;

void begin(void)
{
	gntbuf_stats(dev, &baseline);
	baseline_fds = gntbuf_test_count_fds();
}

/* Nothing stayed behind: no new fd, the counters where they were. */
void nothing_left(void)
{
	igt_assert_eq(gntbuf_test_count_fds(), baseline_fds);
	gntbuf_assert_back_to(dev, &baseline, 1000);
}

void expect_export(uint32_t domid, const uint32_t *refs,
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

void expect_alloc(uint32_t domid, uint32_t count, uint32_t flags,
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

void expect_import(int dmabuf, uint32_t domid, uint32_t count,
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

void expect_ioctl(unsigned long request, void *arg, int err)
{
	int ret = __gntbuf_ioctl(dev, request, arg);

	igt_assert_f(ret == -err, "ioctl %#lx: %s (%d), expected %s (%d)\n",
		     request, strerror(-ret), -ret, strerror(err), err);
}

/* A vgem buffer of @pages pages, as a dma-buf; the handle is closed. */
int vgem_dmabuf(int vgem, uint32_t pages)
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
int live_export(int fd, uint64_t *id)
{
	return gntbuf_export(fd, good.domid, good.refs, PAGES, 0, id);
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
	igt_describe("SYNC_RANGE of an IMPORT id past its end or wrapping "
		     "around: EINVAL; after IMPORT_RELEASE: ENOENT.");
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
