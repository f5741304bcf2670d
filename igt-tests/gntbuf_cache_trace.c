// SPDX-License-Identifier: MIT
/*
 * gntbuf_cache_trace: the CPU cache maintenance of the module and of an
 * importer's DMA API syncs, observed as operations.
 *
 * QEMU's TCG models no caches: a missing write-back or invalidate leaves no
 * stale line in the rig, so gntbuf_sync's data checks pass either way.
 * Here kprobes on the functions that do the maintenance (x86:
 * clflush_cache_range; arm64: arch_sync_dma_for_device/_for_cpu and Xen's
 * GNTTABOP_cache_flush wrappers; see gntbuf_cache_trace.h) record every
 * operation with its address and size while one step runs, and each
 * operation is placed on the bytes of the buffer.  A step passes when
 * - every cache line of its ranges got the operation each direction needs:
 *   written back (clean or flush) before a device reads, invalidated
 *   (invalidate or flush) before the CPU reads;
 * - no operation is of a direction the step does not need (an invalidate
 *   where only a write-back is needed drops the CPU's writes on ARM), and
 *   nothing at all happens where nothing is needed (begin_cpu_access for
 *   WRITE, end_cpu_access for READ; a coherent importer);
 * - no operation touches a page outside the ranges' pages, or memory of no
 *   buffer (a bounce buffer, a wrong page).
 *
 * Steps: DMA_BUF_IOCTL_SYNC begin and end for READ, WRITE and RW;
 * SYNC_RANGE of a sub-page range and of a range across a page boundary in
 * each direction; a 64x64 XRGB8888 rectangle at a 4K frame's pitch (15360
 * bytes) as 64 SYNC_RANGE calls and as one SYNC_RANGES call; vgem's PRIME
 * import (dma_buf_map_attachment: the module hands the pages to vgem's
 * device) and the syncs while vgem maps the buffer.  Buffers: local pages
 * (ALLOC), a domU's grants (EXPORT_REFS) and a domU's read-only grants
 * mapped read-only (EXPORT_REFS with READ_ONLY).
 *
 * The same source runs in the x86 PV dom0 and the arm64 dom0 of the rig
 * (suite arm64, builtin IGT core).
 */
#include "igt.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/dma-buf.h>
#include <xf86drm.h>

#include "gntbuf_cache_trace.h"
#include "gntbuf_test.h"

IGT_TEST_DESCRIPTION("The CPU cache operations (clean, invalidate, flush) "
		     "the module and an importer's DMA syncs issue, traced "
		     "with kprobes and placed on the buffer's bytes: the "
		     "right operation per direction, every line of the range, "
		     "nothing outside its pages, nothing where none is needed");

#define PAGE GNTBUF_TEST_PAGE_SIZE
/* A buffer of the steps: 300 pages, 3840x80 XRGB8888 at a 4K pitch. */
#define PAGES 300u
/* The rectangle: 64x64 pixels at (1000, 8), pitch 3840 * 4. */
#define PITCH (3840u * 4)
#define RECT_X 1000u
#define RECT_Y 8u
#define RECT_W 64u
#define RECT_H 64u

enum mem {
	MEM_ALLOC,
	MEM_FOREIGN,
	MEM_FOREIGN_RO,
	MEM_COUNT,
};

static const char *const mem_names[MEM_COUNT] = {
	"alloc", "foreign", "foreign-ro",
};

/* A gntbuf dma-buf, its mmap and where its pages come from. */
struct tbuf {
	struct ct_buffer ct;
	enum mem mem;
	int fd;
	uint64_t id;
	void *map;
	size_t bytes;
	uint32_t *refs;			/* ALLOC */
	struct gntbuf_grants grants;	/* EXPORT_REFS */
};

static int dev = -1;
static uint32_t seed_counter;

static bool read_only(enum mem mem)
{
	return mem == MEM_FOREIGN_RO;
}

/*
 * Whether vgem's device is DMA-coherent, where it matters: on x86 every
 * device is (the DMA API's syncs do nothing but bounce-buffer copies); on
 * arm64 vgem is a platform device configured from no device tree node, so
 * dev->dma_coherent stays false and dma-direct maintains its mappings.
 */
static bool vgem_coherent(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return true;
#else
	return false;
#endif
}

static void tbuf_create(enum mem mem, uint32_t pages, struct tbuf *t)
{
	int prot = PROT_READ | (read_only(mem) ? 0 : PROT_WRITE);

	memset(t, 0, sizeof(*t));
	t->mem = mem;
	t->bytes = (size_t)pages * PAGE;
	t->ct.pages = pages;
	t->ct.seed = 0x6a09e667u ^ (++seed_counter * 0x9e3779b9u);
	snprintf(t->ct.name, sizeof(t->ct.name), "%s %up", mem_names[mem], pages);
	if (mem == MEM_ALLOC) {
		gntbuf_require_self_grants();
		t->refs = calloc(pages, sizeof(*t->refs));
		igt_assert(t->refs);
		t->fd = gntbuf_alloc(dev, GNTBUF_SELF, pages, 0, t->refs,
				     &t->id);
		t->map = gntbuf_dmabuf_mmap(t->fd, t->bytes, prot);
		gntbuf_pattern_fill(t->map, t->bytes, t->ct.seed);
	} else {
		/* The granter writes the pattern of the seed. */
		gntbuf_grants_create(GNTBUF_SOURCE_FOREIGN_PV, pages,
				     t->ct.seed, !read_only(mem), &t->grants);
		/* Traced: the p2m entries of the mapped grants (arm64). */
		ct_begin();
		t->fd = gntbuf_export(dev, t->grants.domid, t->grants.refs,
				      pages, read_only(mem) ?
				      GNTBUF_EXPORT_READ_ONLY : 0, &t->id);
		ct_discard();
		t->map = gntbuf_dmabuf_mmap(t->fd, t->bytes, prot);
		gntbuf_dmabuf_begin(t->fd, false);
		gntbuf_pattern_check(t->map, t->bytes, t->ct.seed);
		gntbuf_dmabuf_end(t->fd, false);
	}
	ct_buffer_register(&t->ct);
}

static void tbuf_destroy(struct tbuf *t)
{
	ct_buffer_unregister(&t->ct);
	igt_assert_eq(munmap(t->map, t->bytes), 0);
	close(t->fd);
	gntbuf_wait_released(dev, t->id, 10000);
	if (t->mem == MEM_ALLOC) {
		free(t->refs);
	} else {
		gntbuf_grants_end(&t->grants, 5000);
		gntbuf_grants_destroy(&t->grants);
	}
}

/* One DMA_BUF_IOCTL_SYNC, traced. */
static int step_sync(struct tbuf *t, uint64_t flags, bool to_device,
		     bool to_cpu)
{
	char what[64];
	struct ct_expect e = {
		.what = what, .to_device = to_device, .to_cpu = to_cpu,
	};

	snprintf(what, sizeof(what), "DMA_BUF_IOCTL_SYNC %s %s",
		 flags & DMA_BUF_SYNC_END ? "end" : "begin",
		 (flags & DMA_BUF_SYNC_RW) == DMA_BUF_SYNC_RW ? "RW" :
		 flags & DMA_BUF_SYNC_WRITE ? "WRITE" : "READ");
	ct_begin();
	gntbuf_dmabuf_sync(t->fd, flags);
	return ct_end(&t->ct, &e);
}

static const uint64_t sync_dirs[] = {
	DMA_BUF_SYNC_READ, DMA_BUF_SYNC_WRITE, DMA_BUF_SYNC_RW,
};

/*
 * begin and end for each direction.  With a non-coherent importer mapping
 * the buffer, every begin also hands its pages back to the CPU and every
 * end to the device (the DMA API's ownership), whatever the CPU did.
 */
static int sync_steps(struct tbuf *t, bool noncoherent_importer)
{
	int problems = 0;

	for (size_t i = 0; i < 3; i++) {
		uint64_t dir = sync_dirs[i];

		if (read_only(t->mem) && dir != DMA_BUF_SYNC_READ)
			continue;	/* the CPU cannot write it */
		problems += step_sync(t, DMA_BUF_SYNC_START | dir, false,
				      dir != DMA_BUF_SYNC_WRITE ||
				      noncoherent_importer);
		problems += step_sync(t, DMA_BUF_SYNC_END | dir,
				      dir != DMA_BUF_SYNC_READ ||
				      noncoherent_importer, false);
	}
	return problems;
}

static void test_sync(enum mem mem)
{
	struct tbuf t;
	int problems;

	tbuf_create(mem, PAGES, &t);
	problems = sync_steps(&t, false);
	tbuf_destroy(&t);
	igt_assert_f(problems == 0, "%d problems in the cache operations "
		     "traced (above)\n", problems);
}

static const char *sync_flags_name(uint32_t flags)
{
	switch (flags & GNTBUF_SYNC_BOTH) {
	case GNTBUF_SYNC_TO_DEVICE:
		return "TO_DEVICE";
	case GNTBUF_SYNC_TO_CPU:
		return "TO_CPU";
	default:
		return "BOTH";
	}
}

/* SYNC_RANGE of @span by buffer id, traced. */
static int step_range(struct tbuf *t, const char *name, uint32_t flags,
		      const struct ct_span *span)
{
	char what[64];
	struct ct_expect e = {
		.what = what, .to_device = flags & GNTBUF_SYNC_TO_DEVICE,
		.to_cpu = flags & GNTBUF_SYNC_TO_CPU, .spans = span,
		.nspans = 1,
	};

	snprintf(what, sizeof(what), "SYNC_RANGE %s %s %#llx+%#llx", name,
		 sync_flags_name(flags), (unsigned long long)span->offset,
		 (unsigned long long)span->length);
	ct_begin();
	gntbuf_sync_range(dev, t->id, 0, flags, span->offset, span->length);
	return ct_end(&t->ct, &e);
}

/* A range inside page 5, and one across the boundary of pages 6 and 7. */
static const struct ct_span sub_page = { 5 * PAGE + 0x123, 0x2a5 };
static const struct ct_span across = { 7 * PAGE - 0x61, 0xc3 };
static const uint32_t range_dirs[] = {
	GNTBUF_SYNC_TO_DEVICE, GNTBUF_SYNC_TO_CPU, GNTBUF_SYNC_BOTH,
};

static void test_range(enum mem mem)
{
	struct tbuf t;
	int problems = 0;

	tbuf_create(mem, PAGES, &t);
	for (size_t i = 0; i < 3; i++) {
		if (read_only(t.mem) && range_dirs[i] != GNTBUF_SYNC_TO_CPU)
			continue;
		problems += step_range(&t, "sub-page", range_dirs[i],
				       &sub_page);
		problems += step_range(&t, "across pages", range_dirs[i],
				       &across);
	}
	tbuf_destroy(&t);
	igt_assert_f(problems == 0, "%d problems in the cache operations "
		     "traced (above)\n", problems);
}

static int sync_ranges(uint64_t id, uint32_t flags,
		       const struct gntbuf_sync_span *spans, uint32_t n)
{
	struct gntbuf_sync_ranges arg = {
		.buffer_id = id, .flags = flags,
		.ranges_ptr = (uintptr_t)spans, .count = n,
	};

	return __gntbuf_ioctl(dev, GNTBUF_IOCTL_SYNC_RANGES, &arg);
}

/*
 * The 64x64 rectangle: ALLOC in a whole 3840x2160 frame (8100 pages), a
 * domU's grants in the 300-page strip of the same pitch.  Its rows are 256
 * bytes at 4000 bytes into a page-and-three-quarters pitch: some rows lie
 * in one page, others cross a page boundary.
 */
static void test_rect(enum mem mem)
{
	const uint32_t pages = mem == MEM_ALLOC ? 8100 : PAGES;
	struct gntbuf_sync_span spans[RECT_H];
	struct ct_span rows[RECT_H];
	struct ct_expect e = { .spans = rows, .nspans = RECT_H };
	int problems = 0, crossing = 0;
	struct tbuf t;

	tbuf_create(mem, pages, &t);
	for (uint32_t r = 0; r < RECT_H; r++) {
		rows[r].offset = (uint64_t)(RECT_Y + r) * PITCH + RECT_X * 4;
		rows[r].length = RECT_W * 4;
		spans[r].offset = rows[r].offset;
		spans[r].length = rows[r].length;
		crossing += rows[r].offset / PAGE !=
			    (rows[r].offset + rows[r].length - 1) / PAGE;
	}
	igt_info("64x64 rectangle at (%u, %u), pitch %u: %d of its rows "
		 "cross a page boundary\n", RECT_X, RECT_Y, PITCH, crossing);
	igt_assert(crossing > 0);

	if (!read_only(mem)) {
		e.what = "64 SYNC_RANGE TO_DEVICE, one per row";
		e.to_device = true;
		ct_begin();
		for (uint32_t r = 0; r < RECT_H; r++)
			gntbuf_sync_range(dev, t.id, 0, GNTBUF_SYNC_TO_DEVICE,
					  rows[r].offset, rows[r].length);
		problems += ct_end(&t.ct, &e);

		e.what = "SYNC_RANGES TO_DEVICE, 64 rows";
		ct_begin();
		igt_assert_eq(sync_ranges(t.id, GNTBUF_SYNC_TO_DEVICE, spans,
					  RECT_H), 0);
		problems += ct_end(&t.ct, &e);
	}
	e.what = "SYNC_RANGES TO_CPU, 64 rows";
	e.to_device = false;
	e.to_cpu = true;
	ct_begin();
	igt_assert_eq(sync_ranges(t.id, GNTBUF_SYNC_TO_CPU, spans, RECT_H), 0);
	problems += ct_end(&t.ct, &e);

	tbuf_destroy(&t);
	igt_assert_f(problems == 0, "%d problems in the cache operations "
		     "traced (above)\n", problems);
}

/*
 * vgem imports the dma-buf (PRIME: dma_buf_attach + map_attachment): the
 * module maps each page for vgem's device and hands it to the device, the
 * DMA API's sync of a non-coherent device being a clean of every page
 * (nothing on a coherent one).  While vgem maps it, begin/end also sync
 * vgem's mapping (whole pages), and a SYNC_RANGE the pages of its range.
 * Closing the GEM handle unmaps and detaches: the CPU side is
 * begin_cpu_access's job, nothing is done there.
 */
static void test_vgem(enum mem mem)
{
	const bool noncoherent = !vgem_coherent();
	struct drm_gem_close gem_close = { 0 };
	struct ct_expect e = { 0 };
	int problems = 0, vgem, ret;
	struct tbuf t;

	vgem = gntbuf_test_open_vgem();
	tbuf_create(mem, PAGES, &t);
	igt_info("vgem's device is %scoherent here\n",
		 noncoherent ? "not " : "");

	ct_begin();
	ret = drmPrimeFDToHandle(vgem, t.fd, &gem_close.handle);
	if (ret) {
		ret = -errno;
		ct_discard();
		tbuf_destroy(&t);
		close(vgem);
		/*
		 * Measured on arm64 (README, issue 12): vgem has no Xen DMA
		 * ops, so dma-direct would map a grant-mapped page at its
		 * ballooned pseudo-physical address; the module refuses.
		 */
		igt_skip_on_f(ret == -EREMOTEIO && mem != MEM_ALLOC &&
			      noncoherent,
			      "vgem's PRIME import of an EXPORT_REFS buffer "
			      "refused (EREMOTEIO): vgem's device has no Xen "
			      "DMA ops on arm64, a mapping would not reach "
			      "the granted frames (issue 12, item 5)\n");
		igt_assert_f(false, "vgem PRIME import: %s\n",
			     strerror(-ret));
	}
	e.what = "vgem maps the dma-buf";
	e.to_device = noncoherent;
	problems += ct_end(&t.ct, &e);

	problems += sync_steps(&t, noncoherent);
	if (!read_only(mem))
		problems += step_range(&t, "sub-page, vgem mapping",
				       GNTBUF_SYNC_TO_DEVICE, &sub_page);
	problems += step_range(&t, "across pages, vgem mapping",
			       GNTBUF_SYNC_TO_CPU, &across);

	e.what = "vgem unmaps it (GEM_CLOSE)";
	e.to_device = false;
	ct_begin();
	igt_assert_eq(drmIoctl(vgem, DRM_IOCTL_GEM_CLOSE, &gem_close), 0);
	problems += ct_end(&t.ct, &e);

	close(vgem);
	tbuf_destroy(&t);
	igt_assert_f(problems == 0, "%d problems in the cache operations "
		     "traced (above)\n", problems);
}

/*
 * SYNC_RANGE of another exporter's dma-buf (GNTBUF_SYNC_ANY_DMABUF, issue
 * 15's explicit flush for gntdev's dma-bufs; vgem's here, the exporter the
 * rig has on both architectures): the module attaches its own device,
 * maps the dma-buf and syncs the parts of the segments the range touches.
 * On arm64 that device is not coherent: every line of the range in the
 * directions asked, nothing else (vgem maps through drm_prime, with
 * DMA_ATTR_SKIP_CPU_SYNC: no whole-buffer sync of its own).  On x86 the
 * device is coherent: nothing.
 */
static void test_any_dmabuf(void)
{
	const bool noncoherent = !vgem_coherent();
	struct gntbuf_test_dumb dumb;
	struct ct_buffer ct = { .pages = PAGES };
	int problems = 0, vgem, fd;

	gntbuf_require_features(dev, GNTBUF_FEATURE_SYNC_ANY_DMABUF);
	vgem = gntbuf_test_open_vgem();
	/* 1024x300 XRGB8888: 300 pages. */
	gntbuf_test_dumb_create(vgem, 1024, PAGES, 32, &dumb);
	igt_assert_eq_u64(dumb.size, (uint64_t)PAGES * PAGE);
	igt_assert_eq(drmPrimeHandleToFD(vgem, dumb.handle,
					 DRM_CLOEXEC | DRM_RDWR, &fd), 0);
	ct.seed = 0x6a09e667u ^ (++seed_counter * 0x9e3779b9u);
	snprintf(ct.name, sizeof(ct.name), "vgem %up", PAGES);
	gntbuf_pattern_fill(dumb.map, dumb.size, ct.seed);
	ct_buffer_register(&ct);
	igt_info("the module's device is %scoherent here\n",
		 noncoherent ? "not " : "");

	for (size_t i = 0; i < 3; i++) {
		const struct ct_span *span = i == 1 ? &across : &sub_page;
		uint32_t flags = range_dirs[i];
		char what[64];
		struct ct_expect e = {
			.what = what, .spans = span, .nspans = 1,
			.to_device = noncoherent &&
				     (flags & GNTBUF_SYNC_TO_DEVICE),
			.to_cpu = noncoherent && (flags & GNTBUF_SYNC_TO_CPU),
		};

		snprintf(what, sizeof(what), "SYNC_RANGE ANY_DMABUF %s "
			 "%#llx+%#llx", sync_flags_name(flags),
			 (unsigned long long)span->offset,
			 (unsigned long long)span->length);
		ct_begin();
		gntbuf_sync_range(dev, 0, fd, flags | GNTBUF_SYNC_BY_FD |
				  GNTBUF_SYNC_ANY_DMABUF, span->offset,
				  span->length);
		problems += ct_end(&ct, &e);
	}

	ct_buffer_unregister(&ct);
	close(fd);
	gntbuf_test_dumb_destroy(vgem, &dumb);
	close(vgem);
	igt_assert_f(problems == 0, "%d problems in the cache operations "
		     "traced (above)\n", problems);
}

/*
 * The checks themselves, on real traces of the module's own operations
 * held against the wrong expectations: each must find its problem.
 */
static void test_self_test(void)
{
	static const struct ct_span page9 = { 9 * PAGE + 0x123, 0x2a5 };
	struct ct_expect e = { .self_test = true, .nspans = 1 };
	struct tbuf a, b;
	int found;

	tbuf_create(MEM_ALLOC, PAGES, &a);
	tbuf_create(MEM_ALLOC, 16, &b);

	/* The right range's write-back, checked on page 9: outside, missing. */
	e.what = "SYNC_RANGE page 5, checked as page 9";
	e.to_device = true;
	e.spans = &page9;
	ct_begin();
	gntbuf_sync_range(dev, a.id, 0, GNTBUF_SYNC_TO_DEVICE,
			  sub_page.offset, sub_page.length);
	found = ct_end(&a.ct, &e);
	igt_assert_f(found >= 2, "an operation outside the range's pages and "
		     "the range left unmaintained: %d problems found\n", found);

	/* An invalidate where nothing is needed. */
	e.what = "SYNC_RANGE TO_CPU, checked as needing nothing";
	e.to_device = false;
	e.spans = &sub_page;
	ct_begin();
	gntbuf_sync_range(dev, a.id, 0, GNTBUF_SYNC_TO_CPU, sub_page.offset,
			  sub_page.length);
	found = ct_end(&a.ct, &e);
	igt_assert_f(found >= 1, "maintenance where none is needed went "
		     "unseen\n");

	/* Another buffer's maintenance. */
	e.what = "a full sync of another buffer";
	e.spans = NULL;
	ct_begin();
	gntbuf_dmabuf_sync(b.fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);
	found = ct_end(&a.ct, &e);
	igt_assert_f(found >= 16, "16 pages of another buffer maintained: %d "
		     "problems found\n", found);

	/* Where the kind is told apart (arm64): a clean for the CPU. */
	e.what = "SYNC_RANGE TO_DEVICE, checked as TO_CPU";
	e.to_cpu = true;
	e.spans = &sub_page;
	ct_begin();
	gntbuf_sync_range(dev, a.id, 0, GNTBUF_SYNC_TO_DEVICE,
			  sub_page.offset, sub_page.length);
	found = ct_end(&a.ct, &e);
#if defined(__x86_64__)
	igt_info("x86: CLFLUSH writes back and invalidates, a flush serves "
		 "both directions (%d problems)\n", found);
#else
	igt_assert_f(found >= 2, "a clean where the CPU needs an invalidate: "
		     "%d problems found\n", found);
#endif

	tbuf_destroy(&b);
	tbuf_destroy(&a);
}

igt_main
{
	struct gntbuf_stats idle;
	static int kmsg = -1;

	igt_fixture {
		dev = gntbuf_open();
		gntbuf_require_features(dev, GNTBUF_FEATURE_EXPORT_REFS |
					GNTBUF_FEATURE_ALLOC |
					GNTBUF_FEATURE_SYNC_RANGE |
					GNTBUF_FEATURE_SYNC_RANGES);
		gntbuf_stats(dev, &idle);
		ct_trace_open();
		/*
		 * No page fault of this program's own text or data while a
		 * step is traced: on a non-coherent virtio transport its
		 * reads would be maintenance of memory of no buffer.
		 */
		if (mlockall(MCL_CURRENT))
			igt_info("mlockall: %s\n", strerror(errno));
		kmsg = gntbuf_kmsg_open();
	}

	igt_describe("The checks find what they are for, on real traces "
		     "held against wrong expectations: a range's operations "
		     "checked as another page's (outside, not covered), an "
		     "invalidate where nothing is needed, another buffer's "
		     "sync, a clean where an invalidate is needed (arm64).");
	igt_subtest("checker-self-test")
		test_self_test();

	for (int m = 0; m < MEM_COUNT; m++) {
		igt_describe("DMA_BUF_IOCTL_SYNC begin and end for READ, WRITE "
			     "and RW (READ only on a read-only buffer): begin "
			     "READ/RW invalidates every line, end WRITE/RW "
			     "writes every line back, begin WRITE and end READ "
			     "do nothing; nothing outside the buffer.");
		igt_subtest_f("sync-%s", mem_names[m])
			test_sync(m);

		igt_describe("SYNC_RANGE TO_DEVICE, TO_CPU and BOTH (TO_CPU "
			     "only on a read-only buffer) of a sub-page range "
			     "and of a range across a page boundary: every "
			     "line of the range in each direction asked, "
			     "nothing of the other, nothing outside its pages.");
		igt_subtest_f("range-%s", mem_names[m])
			test_range(m);

		igt_describe("A 64x64 XRGB8888 rectangle at a 4K frame's "
			     "pitch, as 64 SYNC_RANGE calls and as one "
			     "SYNC_RANGES call (TO_DEVICE), and TO_CPU: every "
			     "line of its 64 rows, nothing outside their "
			     "pages.");
		igt_subtest_f("rect-%s", mem_names[m])
			test_rect(m);

		igt_describe("vgem's PRIME import maps the buffer for its "
			     "device: a clean of every page where the device "
			     "is not coherent (arm64), nothing where it is "
			     "(x86); while it maps the buffer, begin/end and "
			     "SYNC_RANGE also hand its pages over (whole "
			     "pages); GEM_CLOSE does nothing.");
		igt_subtest_f("vgem-%s", mem_names[m])
			test_vgem(m);
	}

	igt_describe("SYNC_RANGE with GNTBUF_SYNC_ANY_DMABUF of another "
		     "exporter's dma-buf (vgem's): every line of the range in "
		     "each direction asked and nothing else where the "
		     "module's device is not coherent (arm64), nothing where "
		     "it is (x86).");
	igt_subtest("any-dmabuf-vgem")
		test_any_dmabuf();

	igt_fixture {
		gntbuf_kmsg_assert_clean(kmsg, "the cache-trace steps");
		close(kmsg);
		ct_trace_close();
		gntbuf_peer_stop_all();
		gntbuf_assert_back_to(dev, &idle, 2000);
		close(dev);
	}
}
