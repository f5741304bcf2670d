// SPDX-License-Identifier: MIT
/*
 * gntbuf_lib: libgntbuf against the xen-gntbuf module, in real Xen. Every
 * public call: devices and their capabilities (checked against the
 * module's own QUERY and STATS), buffers exported from grefs, allocated and
 * granted, imported from vgem, their release, mmap and CPU access (whole,
 * ranges, damage rectangles, with the module's counters telling how many
 * bytes were maintained), sync_files, page directories read and filled
 * through real grants, and the DRM (vgem PRIME, vkms framebuffers) and GBM
 * helpers. And the gntdev fallback chosen explicitly: it works where the
 * kernel has gntdev's dma-buf ioctls, and says -EOPNOTSUPP where it has not.
 *
 * Built a second time as gntbuf_lib_gntdev (GNTBUF_LIB_GNTDEV), the same
 * suite runs on the gntdev backend, in the rig started with
 * --gntdev-dmabuf (gntdev with its dma-buf ioctls), the module loaded
 * beside it for STATS and for the cross-checks between the two exporters.
 * gntdev does less, and each subtest asserts what it answers instead:
 * no exports from grants in a PV domain (gntdev-dmabuf.c: EINVAL when
 * use_ptemod; the library: -EOPNOTSUPP), no ALLOC, no read-only buffers,
 * no mmap of its dma-bufs, releases of imports that do not wait.
 *
 * Sharing subtests run on grants dom0 made to itself ("self") and on a PV
 * and a PVH domU's ("foreign-pv", "foreign-pvh"): the PV dom0's foreign
 * path is the one self-grants do not take.
 */
#include "gntbuf_lib.h"

IGT_TEST_DESCRIPTION("libgntbuf on the xen-gntbuf module: devices, buffers "
		     "from grefs, allocated and imported, release, CPU access, "
		     "sync_files, page directories, DRM and GBM, and the "
		     "gntdev fallback");

struct gntbuf_device *dev;	/* of BACKEND */
int raw = -1;	/* the module's device, for QUERY and STATS */

bool on_gntdev(void)
{
	return BACKEND == GNTBUF_BACKEND_GNTDEV;
}

/* /sys/hypervisor/guest_type says "PV": gntdev maps with use_ptemod. */
bool pv_domain(void)
{
	char type[16] = "";
	FILE *f = fopen("/sys/hypervisor/guest_type", "re");

	igt_assert_f(f, "no /sys/hypervisor/guest_type: %s\n", strerror(errno));
	igt_assert(fgets(type, sizeof(type), f));
	fclose(f);
	return strcmp(type, "PV\n") == 0;
}

/*
 * Subtests that need an export from grants skip on gntdev in a PV domain,
 * which makes none (export-* and device-caps assert that it refuses).
 */
void require_exports(void)
{
	if (on_gntdev())
		igt_require_f(!pv_domain(), "gntdev makes no dma-bufs from "
			      "grants in a PV domain (EINVAL, use_ptemod)\n");
}

/* Opens a device: 0 or the library's negative errno. */
int __lib_open(enum gntbuf_backend backend, struct gntbuf_device **out)
{
	return gntbuf_device_open(backend, out);
}

struct gntbuf_device *lib_open(enum gntbuf_backend backend)
{
	struct gntbuf_device *d = NULL;
	int ret = __lib_open(backend, &d);

	igt_require_f(ret != -ENODEV, "no %s device\n",
		      gntbuf_backend_get_name(backend));
	igt_assert_f(ret == 0, "gntbuf_device_open(%s): %s\n",
		     gntbuf_backend_get_name(backend), strerror(-ret));
	return d;
}

void check_cloexec(int fd)
{
	int flags = fcntl(fd, F_GETFD);

	igt_assert_f(flags >= 0 && (flags & FD_CLOEXEC),
		     "fd %d is not O_CLOEXEC\n", fd);
}

/*
 * What every buffer from gntbuf_buffer_from_refs(dev, g->domid, g->refs,
 * PAGES, ...) has, on either backend: kind FROM_REFS, the module's id
 * (non-zero; gntdev has none: 0), @g's granter, PAGES pages of BYTES, and
 * a copy of @g's refs. Then a dup of its dma-buf: O_CLOEXEC and BYTES
 * long; returned, the caller's to close.
 */
int check_from_refs_buffer(struct gntbuf_buffer *buf,
			   const struct gntbuf_grants *g)
{
	const uint32_t *refs;
	uint32_t count;
	int fd;

	igt_assert_eq(gntbuf_buffer_get_kind(buf), GNTBUF_BUFFER_FROM_REFS);
	if (on_gntdev())
		igt_assert_eq_u64(gntbuf_buffer_get_id(buf), 0);
	else
		igt_assert_neq_u64(gntbuf_buffer_get_id(buf), 0);
	igt_assert_eq_u32(gntbuf_buffer_get_domid(buf), g->domid);
	igt_assert_eq_u32(gntbuf_buffer_get_page_count(buf), PAGES);
	igt_assert_eq_u64(gntbuf_buffer_get_size(buf), BYTES);
	refs = gntbuf_buffer_get_refs(buf, &count);
	igt_assert_eq_u32(count, PAGES);
	igt_assert(memcmp(refs, g->refs, PAGES * sizeof(*refs)) == 0);

	igt_assert_eq(gntbuf_buffer_dup_fd(buf, &fd), 0);
	check_cloexec(fd);
	igt_assert_eq_u64(gntbuf_dmabuf_size(fd), BYTES);
	return fd;
}

/*
 * The library's own argument checks on gntbuf_buffer_from_refs(), before
 * any backend is asked: NULL refs, NULL out, an unknown flag (bit 7), each
 * -EINVAL; the out pointer is not written. @g has 4 grants.
 */
void check_from_refs_bad_args(const struct gntbuf_grants *g)
{
	struct gntbuf_buffer *buf = SENTINEL;

	igt_assert_eq(gntbuf_buffer_from_refs(dev, g->domid, NULL, 4, 0, &buf),
		      -EINVAL);
	igt_assert_eq(gntbuf_buffer_from_refs(dev, g->domid, g->refs, 4, 0,
					      NULL), -EINVAL);
	igt_assert_eq(gntbuf_buffer_from_refs(dev, g->domid, g->refs, 4,
					      1u << 7, &buf), -EINVAL);
	igt_assert(buf == SENTINEL);
}

/*
 * Grants the backend must refuse, whatever its errno (logged): @g's 4
 * refs with the last one never granted (the whole call fails), the
 * refs from DOMID_SELF (Xen refuses it as a mapping's target) and from a
 * domain that does not exist; the out pointer is not written.
 */
void check_from_refs_bad_grants(const struct gntbuf_grants *g)
{
	struct gntbuf_buffer *buf = SENTINEL;
	uint32_t refs[4];
	int ret;

	memcpy(refs, g->refs, sizeof(refs));
	refs[3] = 0xfffffu;
	ret = gntbuf_buffer_from_refs(dev, g->domid, refs, 4, 0, &buf);
	igt_info("bad gref: %s\n", strerror(-ret));
	igt_assert_lt(ret, 0);
	ret = gntbuf_buffer_from_refs(dev, GNTBUF_TEST_DOMID_SELF, g->refs,
				      4, 0, &buf);
	igt_info("DOMID_SELF: %s\n", strerror(-ret));
	igt_assert_lt(ret, 0);
	ret = gntbuf_buffer_from_refs(dev, 0x7fe0, g->refs, 4, 0, &buf);
	igt_info("missing domain: %s\n", strerror(-ret));
	igt_assert_lt(ret, 0);
	igt_assert(buf == SENTINEL);
}

uint64_t stats_range_bytes(void)
{
	struct gntbuf_stats s;

	gntbuf_stats(raw, &s);
	return s.flushed_bytes_range;
}


void cpu_buffer_create(struct gntbuf_device *d, uint32_t pages,
		       struct cpu_buffer *cb)
{
	int prime;

	memset(cb, 0, sizeof(*cb));
	cb->vgem = -1;
	if (!on_gntdev()) {
		igt_assert_eq(gntbuf_buffer_alloc(d, GNTBUF_SELF, pages, 0,
						  &cb->buf), 0);
		return;
	}
	cb->vgem = gntbuf_test_open_vgem();
	/* 1024 bytes a row (256 XRGB8888 pixels): 4 rows a page. */
	gntbuf_test_dumb_create(cb->vgem, 256, pages * 4, 32, &cb->dumb);
	igt_assert_eq_u64(cb->dumb.size, (uint64_t)pages * 4096);
	igt_assert_eq(drmPrimeHandleToFD(cb->vgem, cb->dumb.handle,
					 DRM_CLOEXEC | DRM_RDWR, &prime), 0);
	igt_assert_eq(gntbuf_buffer_grant_dmabuf(d, prime, GNTBUF_SELF, 0,
						 &cb->buf), 0);
	close(prime);
}

/* After the buffer's release: vgem's side. */
void cpu_buffer_destroy(struct cpu_buffer *cb)
{
	gntbuf_buffer_destroy(cb->buf);
	if (cb->vgem >= 0) {
		gntbuf_test_dumb_destroy(cb->vgem, &cb->dumb);
		close(cb->vgem);
	}
}

/* ------------------------------------------------------------------ */

igt_main
{
	igt_fixture {
		raw = gntbuf_open();
		dev = lib_open(BACKEND);
	}

	igt_describe("The capabilities, ABI version and limits the library "
		     "reports are the module's QUERY, bit for bit.");
	igt_subtest("device-caps") {
		if (on_gntdev())
			test_caps_gntdev();
		else
			test_caps();
	}

	igt_describe("The library's counters are the module's STATS, and "
		     "follow a buffer's life.");
	igt_subtest("device-counters") {
		if (on_gntdev())
			test_counters_gntdev();
		else
			test_counters();
	}

	igt_describe("Opens that must fail say why: -ENODEV for a missing "
		     "device or one that is not the module, -EINVAL for bad "
		     "arguments; auto picks the module when it is loaded.");
	igt_subtest("device-open-errors")
		test_open_errors();

	igt_describe("The gntdev fallback, chosen explicitly: where the "
		     "kernel has gntdev's dma-buf ioctls it imports a vgem "
		     "buffer; where not, the subtest skips.");
	igt_subtest("gntdev-fallback")
		test_gntdev_fallback();

#ifndef GNTBUF_LIB_GNTDEV
	igt_describe("On a kernel without CONFIG_XEN_GNTDEV_DMABUF (gntdev "
		     "answers ENOTTY) the gntdev backend, and auto without the "
		     "module, fail with -EOPNOTSUPP and nothing else.");
	igt_subtest("gntdev-fallback-eopnotsupp")
		test_gntdev_eopnotsupp();
#endif

	for (int s = 0; s < GNTBUF_SOURCE_COUNT; s++) {
		igt_describe("A buffer exported from grefs: its getters, a "
			     "CLOEXEC dup of its dma-buf, the granter's bytes "
			     "both ways through its counted mapping, a wait "
			     "that times out while a dup holds it and succeeds "
			     "after, and grants the granter can end.");
		igt_subtest_f("export-%s", gntbuf_source_name(s)) {
			if (on_gntdev())
				test_export_gntdev(s);
			else
				test_export(s);
		}

		igt_describe("A read-only export: O_RDONLY, no writable "
			     "mapping (-EACCES), the granter's bytes readable.");
		igt_subtest_f("export-read-only-%s", gntbuf_source_name(s)) {
			if (on_gntdev())
				test_export_read_only_gntdev(s);
			else
				test_export_read_only(s);
		}

		igt_describe("Allocated and granted: zeroed pages, the "
			     "grantee's view both ways, range and damage CPU "
			     "access counted to the byte by the module, and a "
			     "release that waits for the grantee to unmap.");
		igt_subtest_f("alloc-%s", gntbuf_source_name(s)) {
			if (on_gntdev())
				test_alloc_gntdev(s);
			else
				test_alloc(s);
		}

		igt_describe("A vgem dma-buf imported and granted: the grantee "
			     "and vgem see each other's bytes, ranges are "
			     "synced by IMPORT id (whole-buffer syncs with an "
			     "older module), and the release waits for the "
			     "grantee.");
		igt_subtest_f("import-%s", gntbuf_source_name(s))
			test_import(s);

		igt_describe("A release fd per buffer: quiet (timed-out poll, "
			     "epoll) while a dup of the dma-buf or the "
			     "grantee's mapping holds it, readable when the "
			     "last holder goes, also after the buffer and its "
			     "device are destroyed; an eventfd ready at once "
			     "once released; -EOPNOTSUPP on gntdev.");
		igt_subtest_f("release-fd-%s", gntbuf_source_name(s))
			test_release_fd(s);

		igt_describe("Page directories read and filled through the "
			     "granter's real grants; short chains, loops and "
			     "an ungranted gref refused.");
		igt_subtest_f("pgdir-%s", gntbuf_source_name(s))
			test_pgdir(s);
	}

	igt_describe("A device from a /dev/xen/gntbuf fd passed over a "
		     "Unix socket: borrowed (the library dups it, ours is "
		     "closed at once and the device goes on), the same caps "
		     "as by path; -EBADF for -1, a closed and an O_PATH fd, "
		     "-ENODEV for /dev/null, vgem, a pipe, a memfd, a folder, "
		     "-EOPNOTSUPP for gntdev's file, -EINVAL for NULL or an "
		     "unknown backend, nothing written or leaked.");
	igt_subtest("device-open-fd")
		test_device_open_fd();

	igt_describe("A /dev/xen/gntdev fd handed over: with gntdev's dma-buf "
		     "ioctls a gntdev device with the caps of one opened by "
		     "path, importing and mapping a page directory through "
		     "that file after the caller closed its own; without "
		     "them -EOPNOTSUPP, nothing written or leaked.");
	igt_subtest("device-open-fd-gntdev")
		test_device_open_fd_gntdev();

	igt_describe("dma-buf attributes as zwp_linux_buffer_params_v1.add "
		     "takes them, for XRGB8888 and NV12: the layout's offsets "
		     "and strides, LINEAR (also for INVALID), an fd of the "
		     "buffer's dma-buf per plane (same PRIME handle in vgem), "
		     "closed by finish; tiled, too big, a short stride, NULL "
		     "and a released buffer refused with nothing written.");
	igt_subtest("dmabuf-attributes")
		test_dmabuf_attributes();

	igt_describe("Bad exports, each refused with its errno and nothing "
		     "left mapped: count 0, NULL refs, NULL out, unknown "
		     "flag, count over the limit and a million, an ungranted "
		     "gref, DOMID_SELF, a missing domain.");
	igt_subtest("export-bad-input") {
		if (on_gntdev())
			test_export_bad_input_gntdev();
		else
			test_export_bad_input();
	}

	igt_describe("Bad allocations: count 0, unknown flag, NULL out, NULL "
		     "device, count over the limit, UINT32_MAX.");
	igt_subtest("alloc-bad-input") {
		if (on_gntdev())
			test_alloc_bad_input_gntdev();
		else
			test_alloc_bad_input();
	}

	igt_describe("Bad imports: fd -1, a closed fd, a pipe, sizes of 0 and "
		     "100 bytes, a one-page memfd (not a dma-buf), unknown "
		     "flags, NULL out.");
	igt_subtest("import-bad-input")
		test_import_bad_input();

	igt_describe("CPU access refused: ranges past the end, overflowing, "
		     "no or unknown access, an image bigger than the buffer, "
		     "rectangles outside it, a tiled layout, after release.");
	igt_subtest("cpu-access-errors")
		test_cpu_access_errors();

	igt_describe("sync_file export (a signaled, CLOEXEC fence with no "
		     "fences on the buffer) and import; a file that is not a "
		     "sync_file is refused.");
	igt_subtest("sync-file")
		test_sync_file();

	igt_describe("A buffer keeps its device open after the caller "
		     "closes it; range syncs still work.");
	igt_subtest("buffer-outlives-device")
		test_outlives_device();

	igt_describe("PRIME into vgem through the wrapper: one GEM handle "
		     "per buffer, counted, closed at the last release and at "
		     "destroy; vgem's mapping shows the granter's bytes; "
		     "AddFB2 on a card without KMS is -EOPNOTSUPP and leaks "
		     "nothing.");
	igt_subtest("drm-prime-vgem")
		test_drm_prime();

	igt_describe("KMS framebuffers on vkms: linear with modifiers, "
		     "implicit without, a foreign tiling refused; removal and "
		     "the wrapper's destroy take them down.");
	igt_subtest("drm-framebuffer-vkms")
		test_drm_framebuffer();

	igt_describe("gbm_bo_import through the helper on vgem or vkms: the "
		     "bo has the layout's size, format and stride; skips with "
		     "Mesa's reason where it cannot import.");
	igt_subtest("gbm-import")
		test_gbm();

	igt_describe("The device's log handler: a failed call's domain and "
		     "errno text at ERROR, a wait that runs out at INFO only "
		     "once asked for, nothing once removed; bad arguments "
		     "refused.");
	igt_subtest("log-handler")
		test_log_handler();

#ifdef GNTBUF_LIB_GNTDEV
	igt_describe("The module's ALLOC buffer imported by gntdev "
		     "(IMP_TO_REFS) and mapped by a PV peer: the bytes match "
		     "both ways.");
	igt_subtest("cross-alloc-to-gntdev")
		test_cross_alloc_to_gntdev();

	igt_describe("gntdev's export imported by vgem (PRIME), held by "
		     "vgem alone until its handle is closed; no CPU view of it "
		     "(no mmap of gntdev's dma-bufs, none of vgem's imports).");
	igt_subtest("cross-gntdev-to-vgem")
		test_cross_gntdev_to_vgem();

	igt_describe("The module's IMPORT of gntdev's export: -EXDEV, "
		     "another domain's frames.");
	igt_subtest("cross-gntdev-to-module")
		test_cross_gntdev_to_module();
#endif

	igt_fixture {
		gntbuf_device_close(dev);
		gntbuf_peer_stop_all();
		close(raw);
	}
}
