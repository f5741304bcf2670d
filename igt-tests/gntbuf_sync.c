// SPDX-License-Identifier: MIT
/*
 * gntbuf_sync: the CPU cache maintenance the module does itself:
 * begin/end_cpu_access (DMA_BUF_IOCTL_SYNC) over the whole buffer, per
 * direction, and SYNC_RANGE over a byte range, whose cost grows with the
 * range and not with the buffer.
 *
 * The read/write subtests follow IGT's tests/prime_mmap_coherency.c: one
 * side writes, the other reads through the dma-buf's CPU mapping with the
 * sync ioctls around the access, again and again, counting stale words.
 * x86 caches are coherent with the grant mappings of a real machine and
 * QEMU's TCG models no caches, so in the rig these catch wrong pages, wrong
 * offsets and missing syncs (the module's counters), not stale lines; the
 * same subtests on an ARM backend would catch those too.
 *
 * Buffers: exported from grants of dom0 itself ("export-self") and of a PV
 * and a PVH domU ("export-foreign-pv", "export-foreign-pvh"), and ALLOC
 * buffers granted to dom0 itself ("alloc-self").
 */
#include "igt.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/dma-buf.h>
#include <xf86drm.h>

#include "gntbuf_sync.h"

IGT_TEST_DESCRIPTION("DMA_BUF_IOCTL_SYNC per direction and SYNC_RANGE: "
		     "the same data as a full sync, flushes that grow with "
		     "the range, stale-data hunts as prime_mmap_coherency");

static const char *const kind_names[KIND_COUNT] = {
	"export-self", "export-foreign-pv", "export-foreign-pvh", "alloc-self",
};

int dev = -1;

/* The grant source of each export kind. */
static const enum gntbuf_source sources[] = {
	[KIND_EXPORT_SELF] = GNTBUF_SOURCE_SELF,
	[KIND_EXPORT_FOREIGN_PV] = GNTBUF_SOURCE_FOREIGN_PV,
	[KIND_EXPORT_FOREIGN_PVH] = GNTBUF_SOURCE_FOREIGN_PVH,
};

/* The export kind of gntbuf_local_source()'s grants. */
enum kind local_export_kind(void)
{
	enum gntbuf_source local = gntbuf_local_source();

	for (enum kind k = KIND_EXPORT_SELF; k <= KIND_EXPORT_FOREIGN_PVH; k++)
		if (sources[k] == local)
			return k;
	igt_assert_f(false, "no export kind for %s grants\n",
		     gntbuf_source_name(local));
	return KIND_EXPORT_SELF;
}

void buffer_create(enum kind kind, uint32_t pages, uint32_t seed,
		   struct buffer *b)
{
	memset(b, 0, sizeof(*b));
	b->kind = kind;
	b->pages = pages;
	b->bytes = (size_t)pages * GNTBUF_TEST_PAGE_SIZE;
	if (kind == KIND_ALLOC_SELF) {
		gntbuf_require_self_grants();
		b->refs = calloc(pages, sizeof(*b->refs));
		igt_assert(b->refs);
		b->fd = gntbuf_alloc(dev, GNTBUF_SELF, pages, 0, b->refs, &b->id);
		gntbuf_grantee_init(GNTBUF_SOURCE_SELF, &b->grantee);
		gntbuf_grantee_map(&b->grantee, b->refs, pages, true);
		gntbuf_grantee_fill(&b->grantee, seed);
	} else {
		gntbuf_grants_create(sources[kind], pages, seed, true,
				     &b->grants);
		b->fd = gntbuf_export(dev, b->grants.domid, b->grants.refs,
				      pages, 0, &b->id);
	}
	b->map = gntbuf_dmabuf_mmap(b->fd, b->bytes, PROT_READ | PROT_WRITE);
}

void buffer_destroy(struct buffer *b)
{
	igt_assert_eq(munmap(b->map, b->bytes), 0);
	close(b->fd);
	if (b->kind == KIND_ALLOC_SELF) {
		gntbuf_grantee_unmap(&b->grantee);
		gntbuf_wait_released(dev, b->id, 5000);
		free(b->refs);
	} else {
		gntbuf_wait_released(dev, b->id, 5000);
		gntbuf_grants_end(&b->grants, 3000);
		gntbuf_grants_destroy(&b->grants);
	}
}

static bool other_is_local(const struct buffer *b)
{
	return b->kind == KIND_ALLOC_SELF || b->kind == KIND_EXPORT_SELF;
}

/* The other side's own mapping, when it is in this process. */
static uint32_t *other_map(struct buffer *b)
{
	return b->kind == KIND_ALLOC_SELF ? b->grantee.map : b->grants.share.map;
}

/* The other side (granter or grantee) writes the pattern of @seed. */
static void other_fill(struct buffer *b, uint32_t seed)
{
	if (b->kind == KIND_ALLOC_SELF)
		gntbuf_grantee_fill(&b->grantee, seed);
	else
		gntbuf_grants_fill(&b->grants, seed);
}

/* CRC of what the other side's view holds. */
uint32_t other_crc(struct buffer *b)
{
	char reply[64];
	unsigned int crc;

	if (other_is_local(b))
		return gntbuf_crc32(0, other_map(b), b->bytes);
	gntbuf_peer_cmd(b->grants.peer, reply, sizeof(reply), "crc %d",
			b->grants.set);
	igt_assert_eq(sscanf(reply, "ok crc=%x", &crc), 1);
	return crc;
}

uint64_t range_flushed(void)
{
	struct gntbuf_stats s;

	gntbuf_stats(dev, &s);
	return s.flushed_bytes_range;
}

uint64_t full_flushed(void)
{
	struct gntbuf_stats s;

	gntbuf_stats(dev, &s);
	return s.flushed_bytes_full;
}

/* Stale words of the pattern of @seed in @bytes at word @first. */
static long stale_words(const uint32_t *w, size_t bytes, uint32_t seed,
			size_t first)
{
	long stale = 0;

	for (size_t i = 0; i < bytes / 4; i++)
		stale += w[i] != gntbuf_pattern_word(seed, first + i);
	return stale;
}

static bool local_kind(enum kind kind)
{
	return kind == KIND_ALLOC_SELF || kind == KIND_EXPORT_SELF;
}

/*
 * prime_mmap_coherency's read flush: the CPU reads through the mmap (its
 * caches fill), the other side writes, the CPU reads again after
 * begin_cpu_access(READ): nothing stale.
 */
static void test_read(enum kind kind)
{
	const int rounds = local_kind(kind) ? 200 : 8;
	uint32_t seed = 0x5eed0000u;
	struct buffer b;
	long stale = 0;

	buffer_create(kind, PAGES, seed, &b);
	for (int r = 0; r < rounds; r++) {
		gntbuf_dmabuf_begin(b.fd, false);
		stale += stale_words(b.map, b.bytes, seed, 0);
		gntbuf_dmabuf_end(b.fd, false);
		other_fill(&b, ++seed);
		gntbuf_dmabuf_begin(b.fd, false);
		stale += stale_words(b.map, b.bytes, seed, 0);
		gntbuf_dmabuf_end(b.fd, false);
	}
	igt_assert_f(stale == 0, "%ld stale words in %d rounds\n", stale,
		     rounds);
	buffer_destroy(&b);
}

/*
 * prime_mmap_coherency's write flush: the CPU writes through the mmap
 * between begin/end_cpu_access(WRITE); the other side reads every word.
 */
static void test_write(enum kind kind)
{
	const int rounds = local_kind(kind) ? 200 : 8;
	uint32_t seed = 0x3717e000u;
	struct buffer b;
	long stale = 0;

	buffer_create(kind, PAGES, 0, &b);
	for (int r = 0; r < rounds; r++) {
		gntbuf_dmabuf_begin(b.fd, true);
		gntbuf_pattern_fill(b.map, b.bytes, ++seed);
		gntbuf_dmabuf_end(b.fd, true);
		if (local_kind(kind))
			stale += stale_words(other_map(&b), b.bytes, seed, 0);
		else
			stale += other_crc(&b) !=
				 gntbuf_pattern_crc(b.bytes, seed);
	}
	igt_assert_f(stale == 0, "%ld stale words (or pages with a wrong "
		     "CRC) in %d rounds\n", stale, rounds);
	buffer_destroy(&b);
}

/*
 * The bytes each whole-buffer begin/end maintains, per direction: what the
 * CPU may have cached stale is dropped at begin (READ, RW), what it wrote
 * is written back at end (WRITE, RW), and nothing else is done.
 */
static void test_directions(enum kind kind)
{
	static const struct {
		const char *name;
		uint64_t flags;
		bool flushes;
	} steps[] = {
		{ "begin READ", DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ, true },
		{ "end READ", DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ, false },
		{ "begin WRITE", DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE, false },
		{ "end WRITE", DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE, true },
		{ "begin RW", DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW, true },
		{ "end RW", DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW, true },
	};
	struct buffer b;

	buffer_create(kind, PAGES, 0, &b);
	for (unsigned int i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		uint64_t full = full_flushed(), range = range_flushed();

		gntbuf_dmabuf_sync(b.fd, steps[i].flags);
		igt_info("%s: %llu bytes maintained\n", steps[i].name,
			 (unsigned long long)(full_flushed() - full));
		igt_assert_eq_u64(full_flushed() - full,
				  steps[i].flushes ? b.bytes : 0);
		igt_assert_eq_u64(range_flushed(), range);
	}
	buffer_destroy(&b);
}

/* Byte ranges: [offset, offset + length). */
static const struct {
	const char *name;
	uint64_t offset;
	uint64_t length;
} ranges[] = {
	{ "first byte", 0, 1 },
	{ "last byte", BYTES - 1, 1 },
	{ "unaligned", 13, 4099 },
	{ "across two pages", 4095, 2 },
	{ "one page", 4096, 4096 },
	{ "unaligned tail", 8191, BYTES - 8191 },
	{ "whole buffer", 0, BYTES },
	{ "zero length", 100, 0 },
	{ "zero length at the end", BYTES, 0 },
};

/*
 * SYNC_RANGE over each range gives the CPU what the other side wrote in
 * that range (to CPU), and gives the other side what the CPU wrote (to
 * device), as a full sync does; the range counter grows by the length.
 */
static void test_range(enum kind kind, bool by_fd, unsigned int imports,
		       unsigned int vgem_imports)
{
	uint32_t *expect = malloc(BYTES);
	uint32_t seed = 0x7a9e0000u;
	uint64_t import_ids[2];
	int vgem[2] = { -1, -1 };
	struct buffer b;

	igt_assert(expect);
	igt_assert(imports <= 2 && vgem_imports <= 2);
	buffer_create(kind, PAGES, seed, &b);
	gntbuf_pattern_fill(expect, BYTES, seed);
	/*
	 * IMPORTs of the buffer map its pages for the module's import
	 * device, once each: SYNC_RANGE then meets that device's mappings,
	 * the same pages twice when imported twice.
	 */
	for (unsigned int i = 0; i < imports; i++) {
		uint32_t *refs = calloc(PAGES, sizeof(*refs));

		igt_assert(refs);
		import_ids[i] = gntbuf_import(dev, b.fd, GNTBUF_SELF, PAGES, 0,
					      refs);
		free(refs);
	}
	/* PRIME imports into vgem from two DRM files: two attachments of
	 * one device, each mapping every page. */
	for (unsigned int i = 0; i < vgem_imports; i++) {
		uint32_t handle;

		vgem[i] = gntbuf_test_open_vgem();
		igt_assert_f(drmPrimeFDToHandle(vgem[i], b.fd, &handle) == 0,
			     "vgem PRIME import: %s\n", strerror(errno));
	}

	for (unsigned int i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		uint64_t off = ranges[i].offset, len = ranges[i].length;
		uint64_t first = off / 4, last = (off + len + 3) / 4;
		uint64_t before;

		igt_info("range %s: [%llu, +%llu)\n", ranges[i].name,
			 (unsigned long long)off, (unsigned long long)len);

		/* Other side → CPU, the range only. */
		other_fill(&b, ++seed);
		gntbuf_pattern_fill(expect, BYTES, seed);
		before = range_flushed();
		gntbuf_sync_range(dev, b.id, b.fd, GNTBUF_SYNC_TO_CPU |
				  (by_fd ? GNTBUF_SYNC_BY_FD : 0), off, len);
		igt_assert_eq_u64(range_flushed() - before, len);
		/* Every word the range touches reads what was written. */
		igt_assert(memcmp(b.map + first, expect + first,
				  (last - first) * 4) == 0);

		/* CPU → other side, the range only (bytes, unaligned). */
		for (uint64_t k = off; k < off + len; k++)
			((uint8_t *)expect)[k] = (uint8_t)(k * 7 + i);
		memcpy((uint8_t *)b.map + off, (uint8_t *)expect + off, len);
		before = range_flushed();
		gntbuf_sync_range(dev, b.id, b.fd, GNTBUF_SYNC_TO_DEVICE |
				  (by_fd ? GNTBUF_SYNC_BY_FD : 0), off, len);
		igt_assert_eq_u64(range_flushed() - before, len);
		if (local_kind(kind))
			igt_assert(memcmp(other_map(&b), expect, BYTES) == 0);
		else
			igt_assert_eq_u32(other_crc(&b),
					  gntbuf_crc32(0, expect, BYTES));

		/* Both directions at once count the range once. */
		before = range_flushed();
		gntbuf_sync_range(dev, b.id, b.fd, GNTBUF_SYNC_BOTH |
				  (by_fd ? GNTBUF_SYNC_BY_FD : 0), off, len);
		igt_assert_eq_u64(range_flushed() - before, len);
	}
	for (unsigned int i = 0; i < imports; i++) {
		gntbuf_import_release(dev, import_ids[i]);
		gntbuf_wait_released(dev, import_ids[i], 5000);
	}
	for (unsigned int i = 0; i < vgem_imports; i++)
		close(vgem[i]);	/* and with it the GEM handle */
	buffer_destroy(&b);
	free(expect);
}


igt_main
{
	struct gntbuf_stats idle;

	igt_fixture {
		dev = gntbuf_open();
		gntbuf_require_features(dev, GNTBUF_FEATURE_EXPORT_REFS |
					GNTBUF_FEATURE_ALLOC |
					GNTBUF_FEATURE_SYNC_RANGE);
		gntbuf_stats(dev, &idle);
	}

	for (int k = 0; k < KIND_COUNT; k++) {
		igt_describe("Read flush (prime_mmap_coherency): after "
			     "begin_cpu_access(READ) the dma-buf's mmap reads "
			     "what the other side wrote, every round.");
		igt_subtest_f("read-%s", kind_names[k])
			test_read(k);

		igt_describe("Write flush (prime_mmap_coherency): after "
			     "end_cpu_access(WRITE) the other side reads every "
			     "word the CPU wrote through the mmap.");
		igt_subtest_f("write-%s", kind_names[k])
			test_write(k);

		igt_describe("SYNC_RANGE by buffer id on the first byte, the "
			     "last byte, unaligned offsets and lengths, a page, "
			     "the whole buffer and zero lengths gives the same "
			     "data as a full sync, both directions; the range "
			     "counter grows by exactly the length.");
		igt_subtest_f("range-%s", kind_names[k])
			test_range(k, false, 0, 0);
	}

	igt_describe("SYNC_RANGE of an ALLOC buffer that two IMPORTs map for "
		     "the module's import device, the same pages twice: the "
		     "same data, and no sync of that device's mappings (it "
		     "needs none; on the debug kernel DMA-API debugging "
		     "reported a sub-page sync of a page mapped twice as "
		     "memory never mapped).");
	igt_subtest("range-alloc-imported-twice")
		test_range(KIND_ALLOC_SELF, false, 2, 0);

	igt_describe("SYNC_RANGE of a buffer that vgem imported from two DRM "
		     "files, its device mapping every page twice: the same "
		     "data; that device's mapping is synced whole (DMA-API "
		     "debugging told a sub-page sync of it for memory never "
		     "mapped).");
	igt_subtest("range-in-vgem-twice")
		test_range(local_export_kind(), false, 0, 2);

	igt_describe("SYNC_RANGE naming the buffer by its dma-buf fd works as "
		     "by id.");
	igt_subtest("range-by-fd-export-self")
		test_range(KIND_EXPORT_SELF, true, 0, 0);

	igt_describe("DMA_BUF_IOCTL_SYNC maintains the whole buffer exactly "
		     "when a direction needs it: begin READ/RW and end "
		     "WRITE/RW, not begin WRITE or end READ.");
	igt_subtest("directions-export-self")
		test_directions(KIND_EXPORT_SELF);
	igt_describe("The same per-direction maintenance on an ALLOC buffer.");
	igt_subtest("directions-alloc-self")
		test_directions(KIND_ALLOC_SELF);

	igt_describe("A 64x64 rectangle of a 4K ALLOC buffer synced as its 64 "
		     "rows: 16 KiB maintained, not the 32 MiB frame, and the "
		     "grantee reads the rectangle.");
	igt_subtest("range-64x64-in-4k")
		test_rectangle(false);

	igt_describe("The same rectangle in one SYNC_RANGES call of 64 "
		     "ranges: the same 16 KiB maintained, the same pixels "
		     "seen by the grantee.");
	igt_subtest("ranges-64x64-in-4k-one-call")
		test_rectangle(true);

	igt_describe("SYNC_RANGES with bad input: one range past the end "
		     "among good ones (EINVAL, nothing maintained), counts of "
		     "a million and of the maximum + 1 (E2BIG), the maximum "
		     "(fine), a bad pointer (EFAULT), no or unknown flags, "
		     "padding, an fd without BY_FD (EINVAL), an unknown id "
		     "(ENOENT), a closed fd (EBADF).");
	igt_subtest("ranges-bad-input")
		test_ranges_bad_input();

	igt_describe("SYNC_RANGE(S) with GNTBUF_SYNC_ANY_DMABUF on vgem's "
		     "dma-buf: the module's own device attached, ranges "
		     "counted to the byte, vgem's data unchanged; no flag, "
		     "no BY_FD, past the end, not a dma-buf, closed: errors.");
	igt_subtest("range-any-dmabuf-vgem")
		test_range_any_dmabuf();

	igt_describe("SYNC_RANGE of an IMPORT id: the exporter's "
		     "begin_cpu_access before a range to the CPU and its "
		     "end_cpu_access after one to the device (a gntbuf ALLOC "
		     "exporter counts each), the ranges counted to the byte; "
		     "past the end EINVAL, after IMPORT_RELEASE ENOENT; a vgem "
		     "import's bytes unchanged.");
	igt_subtest("range-import")
		test_range_import();

	igt_describe("Children sync through DMA_BUF_IOCTL_SYNC and SYNC_RANGE "
		     "and check their data while being interrupted by signals "
		     "(prime_mmap_coherency's ioctl-errors).");
	igt_subtest("interrupted")
		test_interrupted();

	igt_fixture {
		gntbuf_peer_stop_all();
		gntbuf_assert_back_to(dev, &idle, 2000);
		close(dev);
	}
}
