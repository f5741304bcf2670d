// SPDX-License-Identifier: MIT
/*
 * gntbuf-bench: what xen-gntbuf's zero-copy paths cost beside the copy path
 * a backend uses today, measured in the same run on the same grants.
 *
 * Run it in the rig (dom0, xen-gntbuf loaded):
 *   gntbuf-vm run --domu --kmod build/kernel/xen-gntbuf.ko -- \
 *       build/tools/gntbuf-bench [-n ITERATIONS] [--peer pv|pvh]
 *
 * For a 1080p XRGB8888 frame (1920x1080x4 bytes = 2025 pages) and a 4K one
 * (3840x2160x4 = 8100 pages), each figure the median of ITERATIONS (10):
 *   EXPORT_REFS of the frame's grant references, and its release (close of
 *   the dma-buf, then WAIT_RELEASED until every grant is unmapped);
 *   beside it, gntdev's paths: map the same grants (libxengnttab), memcpy
 *   the frame out, unmap; and gntdev's own dma-buf of them
 *   (IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS), and its release (close, then
 *   EXP_WAIT_RELEASED), where gntdev has its dma-buf ioctls (the rig's
 *   `run --gntdev-dmabuf`) and makes them (auto-translated domains; an x86
 *   PV domain's gntdev refuses with EINVAL, printed instead);
 *   ALLOC of as many pages and its release; IMPORT of a vgem buffer of that
 *   size and its release;
 * and on a 4K ALLOC buffer, a 64x64 XRGB8888 rectangle maintained as the
 * byte ranges of its 64 rows, by 64 SYNC_RANGE calls and by one SYNC_RANGES
 * call, beside one full-buffer sync (end_cpu_access, DMA_BUF_IOCTL_SYNC)
 * and one whole-buffer SYNC_RANGE.  With --damage, only the flush time of
 * one SYNC_RANGES call by damage size (bench_damage()).
 *
 * The grants are dom0's own (gntalloc) by default, or, with --peer, those of
 * a PV or PVH domU booted through `gntbuf-vm domu-start` (the PV dom0's
 * foreign path), or, with --peer dom0 in a PVH domU (`gntbuf-vm run
 * --pvh-domu`), dom0's, from the gntbuf-grant-peer that --dom0-helper
 * runs there with its xenstore folder at $GNTBUF_PEER_HOME (in this
 * domain's home) and at least 8100 pages.  Times are wall-clock under QEMU TCG: compare them only as
 * ratios within one run.  Nothing here passes or fails on time.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <xen/gntbuf.h>
#include <xengnttab.h>
#include <xentoollog.h>
#include <xf86drm.h>

#include "gntbuf-bench.h"

#define MAX_ITER 100

struct frame {
	const char *name;
	uint32_t width, height;
	uint32_t pages;
};

static const struct frame frames[] = {
	{ "1080p", 1920, 1080, 2025 },
	{ "4K", 3840, 2160, 8100 },
};

static int iterations = 10;
static int gntbuf = -1;
static xengnttab_handle *tab;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void die(const char *what, int err)
{
	fprintf(stderr, "gntbuf-bench: %s: %s\n", what, strerror(err));
	exit(1);
}

static int xioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret == -1 && (errno == EINTR || errno == EAGAIN));
	return ret == -1 ? -errno : 0;
}

static void wait_released(uint64_t id)
{
	struct gntbuf_wait_released w = { .buffer_id = id,
					  .timeout_ms = 30000 };
	int ret = xioctl(gntbuf, GNTBUF_IOCTL_WAIT_RELEASED, &w);

	if (ret)
		die("WAIT_RELEASED", -ret);
}

/* ---- measurements ---- */

struct figures {
	double export_ms, release_ms;
	double gntdev_export_ms, gntdev_release_ms;
	int gntdev_export_err;	/* gntdev made no dma-buf: its errno */
	double map_ms, copy_ms, unmap_ms;
	double alloc_ms, alloc_release_ms;
	double import_ms, import_release_ms;
	int import_err;		/* IMPORT refused: its errno */
};

static void bench_export(const struct grants *g, uint32_t pages,
			 struct figures *f)
{
	double exp[MAX_ITER], rel[MAX_ITER];

	for (int i = 0; i < iterations; i++) {
		struct gntbuf_export_refs arg = {
			.domid = g->domid, .count = pages,
			.refs_ptr = (uintptr_t)g->refs,
		};
		double t0 = now_ms(), t1;
		int ret = xioctl(gntbuf, GNTBUF_IOCTL_EXPORT_REFS, &arg);

		t1 = now_ms();
		if (ret)
			die("EXPORT_REFS", -ret);
		close(arg.fd);
		wait_released(arg.buffer_id);
		exp[i] = t1 - t0;
		rel[i] = now_ms() - t1;
	}
	f->export_ms = median(exp, iterations);
	f->release_ms = median(rel, iterations);
}

/*
 * gntdev's own dma-buf of the same grants, and its release: close, then
 * EXP_WAIT_RELEASED by the fd's number (libxengnttab turns gntdev's ENOENT,
 * released already, into success).
 */
static void bench_gntdev_export(const struct grants *g, uint32_t pages,
				struct figures *f)
{
	double exp[MAX_ITER], rel[MAX_ITER];

	for (int i = 0; i < iterations; i++) {
		double t0 = now_ms(), t1;
		uint32_t fd;

		errno = 0;
		if (xengnttab_dmabuf_exp_from_refs(tab, g->domid, 0, pages,
						   g->refs, &fd)) {
			f->gntdev_export_err = errno ? errno : EIO;
			return;
		}
		t1 = now_ms();
		close((int)fd);
		if (xengnttab_dmabuf_exp_wait_released(tab, fd, 30000))
			die("gntdev EXP_WAIT_RELEASED", errno);
		exp[i] = t1 - t0;
		rel[i] = now_ms() - t1;
	}
	f->gntdev_export_ms = median(exp, iterations);
	f->gntdev_release_ms = median(rel, iterations);
}

static void bench_gntdev(const struct grants *g, uint32_t pages,
			 struct figures *f)
{
	double map[MAX_ITER], copy[MAX_ITER], unmap[MAX_ITER];
	size_t bytes = (size_t)pages * PAGE;
	uint8_t *dst = malloc(bytes);

	if (!dst)
		die("malloc", ENOMEM);
	memset(dst, 0, bytes);
	for (int i = 0; i < iterations; i++) {
		double t0 = now_ms(), t1, t2;
		void *m = xengnttab_map_domain_grant_refs(tab, pages, g->domid,
							  g->refs, PROT_READ);

		t1 = now_ms();
		if (!m)
			die("xengnttab_map_domain_grant_refs", errno);
		memcpy(dst, m, bytes);
		t2 = now_ms();
		if (xengnttab_unmap(tab, m, pages))
			die("xengnttab_unmap", errno);
		map[i] = t1 - t0;
		copy[i] = t2 - t1;
		unmap[i] = now_ms() - t2;
	}
	f->map_ms = median(map, iterations);
	f->copy_ms = median(copy, iterations);
	f->unmap_ms = median(unmap, iterations);
	free(dst);
}

static void bench_alloc(uint32_t pages, struct figures *f)
{
	double al[MAX_ITER], rel[MAX_ITER];
	uint32_t *refs = calloc(pages, sizeof(*refs));

	for (int i = 0; i < iterations; i++) {
		struct gntbuf_alloc arg = {
			.domid = 0, .count = pages,
			.refs_ptr = (uintptr_t)refs,
		};
		double t0 = now_ms(), t1;
		int ret = xioctl(gntbuf, GNTBUF_IOCTL_ALLOC, &arg);

		t1 = now_ms();
		if (ret)
			die("ALLOC", -ret);
		close(arg.fd);
		wait_released(arg.buffer_id);
		al[i] = t1 - t0;
		rel[i] = now_ms() - t1;
	}
	f->alloc_ms = median(al, iterations);
	f->alloc_release_ms = median(rel, iterations);
	free(refs);
}

static int open_vgem(void)
{
	for (int minor = 0; minor < 16; minor++) {
		char path[64];
		drmVersionPtr v;
		bool vgem;
		int fd;

		snprintf(path, sizeof(path), "/dev/dri/card%d", minor);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		v = drmGetVersion(fd);
		vgem = v && !strcmp(v->name, "vgem");
		drmFreeVersion(v);
		if (vgem)
			return fd;
		close(fd);
	}
	return -1;
}

static void bench_import(const struct frame *fr, struct figures *f)
{
	struct drm_mode_create_dumb create = {
		.width = fr->width, .height = fr->height, .bpp = 32,
	};
	struct drm_gem_close gem_close = { 0 };
	double imp[MAX_ITER], rel[MAX_ITER];
	uint32_t *refs = calloc(fr->pages, sizeof(*refs));
	int vgem = open_vgem(), prime;

	if (vgem < 0)
		die("no vgem device", ENODEV);
	if (drmIoctl(vgem, DRM_IOCTL_MODE_CREATE_DUMB, &create))
		die("vgem CREATE_DUMB", errno);
	if (create.size != (uint64_t)fr->pages * PAGE)
		die("vgem buffer size", EINVAL);
	if (drmPrimeHandleToFD(vgem, create.handle, DRM_CLOEXEC | DRM_RDWR,
			       &prime))
		die("vgem PRIME export", errno);
	for (int i = 0; i < iterations; i++) {
		struct gntbuf_import arg = {
			.fd = prime, .domid = 0, .count = fr->pages,
			.refs_ptr = (uintptr_t)refs,
		};
		struct gntbuf_import_release r = { 0 };
		double t0 = now_ms(), t1;
		int ret = xioctl(gntbuf, GNTBUF_IOCTL_IMPORT, &arg);

		t1 = now_ms();
		if (ret) {
			/* e.g. -EREMOTEIO: a segment that swiotlb would bounce */
			fprintf(stderr, "gntbuf-bench: IMPORT of %s: %s\n",
				fr->name, strerror(-ret));
			f->import_err = -ret;
			break;
		}
		r.buffer_id = arg.buffer_id;
		ret = xioctl(gntbuf, GNTBUF_IOCTL_IMPORT_RELEASE, &r);
		if (ret)
			die("IMPORT_RELEASE", -ret);
		wait_released(arg.buffer_id);
		imp[i] = t1 - t0;
		rel[i] = now_ms() - t1;
	}
	if (!f->import_err) {
		f->import_ms = median(imp, iterations);
		f->import_release_ms = median(rel, iterations);
	}
	close(prime);
	gem_close.handle = create.handle;
	drmIoctl(vgem, DRM_IOCTL_GEM_CLOSE, &gem_close);
	close(vgem);
	free(refs);
}

static int sync_range(uint64_t id, uint64_t off, uint64_t len)
{
	struct gntbuf_sync_range s = {
		.buffer_id = id, .flags = GNTBUF_SYNC_TO_DEVICE,
		.offset = off, .length = len,
	};

	return xioctl(gntbuf, GNTBUF_IOCTL_SYNC_RANGE, &s);
}

/* The 64 rows of the rectangle in one SYNC_RANGES call. */
static int sync_ranges(uint64_t id, const struct gntbuf_sync_span *spans,
		       uint32_t count)
{
	struct gntbuf_sync_ranges s = {
		.buffer_id = id, .flags = GNTBUF_SYNC_TO_DEVICE,
		.ranges_ptr = (uintptr_t)spans, .count = count,
	};

	return xioctl(gntbuf, GNTBUF_IOCTL_SYNC_RANGES, &s);
}

/* A 4K frame's ALLOC buffer (dom0's own grants) for the sync figures. */
struct sync_buf {
	struct gntbuf_alloc arg;
	uint32_t *refs;
};

static void sync_buf_alloc(const struct frame *fr, struct sync_buf *b,
			   const char *what)
{
	int ret;

	b->refs = calloc(fr->pages, sizeof(*b->refs));
	if (!b->refs)
		die("calloc", ENOMEM);
	memset(&b->arg, 0, sizeof(b->arg));
	b->arg.count = fr->pages;
	b->arg.refs_ptr = (uintptr_t)b->refs;
	ret = xioctl(gntbuf, GNTBUF_IOCTL_ALLOC, &b->arg);
	if (ret)
		die(what, -ret);
}

/* Closes the dma-buf (any mapping must be gone) and waits for release. */
static void sync_buf_free(struct sync_buf *b)
{
	close(b->arg.fd);
	wait_released(b->arg.buffer_id);
	free(b->refs);
}

/* One begin/end_cpu_access pair; the end's time in ms (a full sync). */
static double time_full_sync(int fd)
{
	struct dma_buf_sync start = {
		.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE,
	};
	struct dma_buf_sync end = {
		.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE,
	};
	double t0;
	int ret;

	ret = xioctl(fd, DMA_BUF_IOCTL_SYNC, &start);
	if (ret)
		die("DMA_BUF_IOCTL_SYNC start", -ret);
	t0 = now_ms();
	ret = xioctl(fd, DMA_BUF_IOCTL_SYNC, &end);
	if (ret)
		die("DMA_BUF_IOCTL_SYNC end", -ret);
	return now_ms() - t0;
}

static void bench_sync(void)
{
	const struct frame *fr = &frames[1];
	const uint32_t pitch = fr->width * 4, x = 1000, y = 500;
	double rect[MAX_ITER], full[MAX_ITER], whole[MAX_ITER], empty[MAX_ITER];
	double vec[MAX_ITER];
	struct gntbuf_sync_span spans[64];
	struct gntbuf_stats s0 = { 0 }, s1 = { 0 }, s2 = { 0 };
	struct sync_buf b;
	struct gntbuf_alloc arg;
	uint8_t *map;
	int ret;

	sync_buf_alloc(fr, &b, "ALLOC (sync)");
	arg = b.arg;
	map = mmap(NULL, (size_t)fr->pages * PAGE, PROT_READ | PROT_WRITE,
		   MAP_SHARED, arg.fd, 0);
	if (map == MAP_FAILED)
		die("mmap", errno);
	for (uint32_t r = 0; r < 64; r++) {
		spans[r].offset = (uint64_t)(y + r) * pitch + x * 4;
		spans[r].length = 64 * 4;
	}
	/* Bytes each way maintains, from the module's counters. */
	xioctl(gntbuf, GNTBUF_IOCTL_STATS, &s0);
	for (uint32_t r = 0; r < 64; r++)
		sync_range(arg.buffer_id, (uint64_t)(y + r) * pitch + x * 4,
			   64 * 4);
	xioctl(gntbuf, GNTBUF_IOCTL_STATS, &s1);
	time_full_sync(arg.fd);
	xioctl(gntbuf, GNTBUF_IOCTL_STATS, &s2);

	for (int i = 0; i < iterations; i++) {
		double t0;

		for (uint32_t r = 0; r < 64; r++)
			memset(map + (y + r) * pitch + x * 4, i, 64 * 4);
		t0 = now_ms();
		for (uint32_t r = 0; r < 64; r++) {
			ret = sync_range(arg.buffer_id,
					 (uint64_t)(y + r) * pitch + x * 4,
					 64 * 4);
			if (ret)
				die("SYNC_RANGE", -ret);
		}
		rect[i] = now_ms() - t0;

		/* The same 64 rows in one call. */
		for (uint32_t r = 0; r < 64; r++)
			memset(map + (y + r) * pitch + x * 4, i + 1, 64 * 4);
		t0 = now_ms();
		ret = sync_ranges(arg.buffer_id, spans, 64);
		vec[i] = now_ms() - t0;
		if (ret)
			die("SYNC_RANGES", -ret);

		/* The same 64 calls on empty ranges: the ioctl's own cost. */
		t0 = now_ms();
		for (uint32_t r = 0; r < 64; r++) {
			ret = sync_range(arg.buffer_id,
					 (uint64_t)(y + r) * pitch + x * 4, 0);
			if (ret)
				die("SYNC_RANGE empty", -ret);
		}
		empty[i] = now_ms() - t0;

		memset(map + y * pitch + x * 4, i, 64 * 4);
		full[i] = time_full_sync(arg.fd);

		t0 = now_ms();
		ret = sync_range(arg.buffer_id, 0, (uint64_t)fr->pages * PAGE);
		whole[i] = now_ms() - t0;
		if (ret)
			die("SYNC_RANGE whole", -ret);
	}
	printf("\nSYNC_RANGE on a 4K XRGB8888 ALLOC buffer (%u pages, %u "
	       "bytes), to device, median of %d:\n", fr->pages,
	       fr->pages * PAGE, iterations);
	printf("  64x64 rectangle, 64 SYNC_RANGE calls      %10.3f ms\n",
	       median(rect, iterations));
	printf("  64x64 rectangle, one SYNC_RANGES call     %10.3f ms\n",
	       median(vec, iterations));
	printf("  full-buffer end_cpu_access (DMA_BUF sync)  %10.3f ms\n",
	       median(full, iterations));
	printf("  whole-buffer SYNC_RANGE                    %10.3f ms\n",
	       median(whole, iterations));
	printf("  64 empty SYNC_RANGE calls (ioctl cost)     %10.3f ms\n",
	       median(empty, iterations));
	printf("  ratio full sync / rectangle (64 calls)     %10.2fx\n",
	       median(full, iterations) / median(rect, iterations));
	printf("  ratio one call / full sync                 %10.4f\n",
	       median(vec, iterations) / median(full, iterations));
	printf("  ratio one call / 64 calls                  %10.4f\n",
	       median(vec, iterations) / median(rect, iterations));
	printf("  bytes maintained: rectangle %llu, full sync %llu (%.0fx)\n",
	       (unsigned long long)(s1.flushed_bytes_range -
				    s0.flushed_bytes_range),
	       (unsigned long long)(s2.flushed_bytes_full -
				    s1.flushed_bytes_full),
	       (double)(s2.flushed_bytes_full - s1.flushed_bytes_full) /
	       (double)(s1.flushed_bytes_range - s0.flushed_bytes_range));
	printf("  (QEMU TCG models no caches: CLFLUSH costs about nothing "
	       "here, so the\n   64-call rectangle's time is mostly its ioctls; "
	       "on hardware a full flush of\n   32 MiB costs CLFLUSHes of "
	       "518400 lines, the rectangle's 256.)\n");
	munmap(map, (size_t)fr->pages * PAGE);
	sync_buf_free(&b);
}

/*
 * --damage: flush time by damage size on a 4K ALLOC buffer: a square of
 * each side in one SYNC_RANGES call (a range per row), beside the full
 * sync (end_cpu_access).  One line per size, for the pipeline benchmark's
 * plot:
 *   "damage SxS rows R bytes B sync_ranges_ms T full_sync_ms F"
 */
static void bench_damage(void)
{
	static const uint32_t sides[] = { 16, 64, 256, 1024, 2160 };
	const struct frame *fr = &frames[1];
	const uint32_t pitch = fr->width * 4;
	struct gntbuf_sync_span *spans = calloc(fr->height, sizeof(*spans));
	double t[MAX_ITER], full[MAX_ITER];
	struct sync_buf b;
	int ret;

	if (!spans)
		die("calloc", ENOMEM);
	sync_buf_alloc(fr, &b, "ALLOC (damage)");
	for (int i = 0; i < iterations; i++)
		full[i] = time_full_sync(b.arg.fd);
	for (size_t k = 0; k < sizeof(sides) / sizeof(sides[0]); k++) {
		uint32_t side = sides[k];

		for (uint32_t r = 0; r < side; r++) {
			spans[r].offset = (uint64_t)r * pitch;
			spans[r].length = (uint64_t)side * 4;
		}
		for (int i = 0; i < iterations; i++) {
			double t0 = now_ms();

			ret = sync_ranges(b.arg.buffer_id, spans, side);
			t[i] = now_ms() - t0;
			if (ret)
				die("SYNC_RANGES (damage)", -ret);
		}
		printf("damage %ux%u rows %u bytes %u sync_ranges_ms %.3f "
		       "full_sync_ms %.3f\n", side, side, side, side * side * 4,
		       median(t, iterations), median(full, iterations));
	}
	sync_buf_free(&b);
	free(spans);
}

static void usage(const char *argv0)
{
	fprintf(stderr, "usage: %s [-n ITERATIONS] [--peer pv|pvh|dom0] "
		"[--damage]\n", argv0);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "iterations", required_argument, NULL, 'n' },
		{ "peer", required_argument, NULL, 'p' },
		{ "damage", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct figures fig[2] = { 0 };
	struct grants g = { 0 };
	const char *peer = NULL;
	struct gntbuf_query q = { 0 };
	bool damage = false;
	int opt;

	while ((opt = getopt_long(argc, argv, "n:p:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			iterations = atoi(optarg);
			if (iterations < 1 || iterations > MAX_ITER)
				usage(argv[0]);
			break;
		case 'D':
			damage = true;
			break;
		case 'p':
			peer = optarg;
			if (strcmp(peer, "pv") && strcmp(peer, "pvh") &&
			    strcmp(peer, "dom0"))
				usage(argv[0]);
			break;
		default:
			usage(argv[0]);
		}
	}

	gntbuf = open("/dev/xen/gntbuf", O_RDWR | O_CLOEXEC);
	if (gntbuf < 0)
		die("/dev/xen/gntbuf (load xen-gntbuf)", errno);
	if (xioctl(gntbuf, GNTBUF_IOCTL_QUERY, &q))
		die("QUERY", errno);
	if (damage) {
		bench_damage();
		close(gntbuf);
		return 0;
	}
	tab = xengnttab_open(NULL, 0);
	if (!tab)
		die("xengnttab_open", errno);
	xengnttab_set_max_grants(tab, 65536);

	if (peer && !strcmp(peer, "dom0"))
		grants_dom0(frames[1].pages, &g);
	else if (peer)
		grants_peer(peer, frames[1].pages, &g);
	else
		grants_self(frames[1].pages, &g);

	for (int i = 0; i < 2; i++) {
		bench_export(&g, frames[i].pages, &fig[i]);
		bench_gntdev_export(&g, frames[i].pages, &fig[i]);
		bench_gntdev(&g, frames[i].pages, &fig[i]);
		bench_alloc(frames[i].pages, &fig[i]);
		bench_import(&frames[i], &fig[i]);
	}

	printf("gntbuf-bench: grants of %s (domid %u), in a%s domain, median "
	       "of %d iterations, ms\n", peer ? peer : "this domain itself",
	       g.domid, q.features & GNTBUF_FEATURE_PV_MAPPINGS ? " PV" :
	       "n auto-translated", iterations);
	printf("%-32s %12s %12s\n", "", frames[0].name, frames[1].name);
#define ROW(label, field) \
	printf("%-32s %12.3f %12.3f\n", label, fig[0].field, fig[1].field)
	ROW("EXPORT_REFS", export_ms);
	ROW("  release (close + WAIT)", release_ms);
	printf("%-32s %12.3f %12.3f\n", "  export + release",
	       fig[0].export_ms + fig[0].release_ms,
	       fig[1].export_ms + fig[1].release_ms);
	if (!fig[0].gntdev_export_err && !fig[1].gntdev_export_err) {
		ROW("gntdev EXP_FROM_REFS", gntdev_export_ms);
		ROW("  release (close + WAIT)", gntdev_release_ms);
		printf("%-32s %11.2fx %11.2fx\n",
		       "ratio gntdev / EXPORT_REFS",
		       (fig[0].gntdev_export_ms + fig[0].gntdev_release_ms) /
		       (fig[0].export_ms + fig[0].release_ms),
		       (fig[1].gntdev_export_ms + fig[1].gntdev_release_ms) /
		       (fig[1].export_ms + fig[1].release_ms));
	} else {
		printf("gntdev EXP_FROM_REFS: refused, %s\n",
		       strerror(fig[0].gntdev_export_err ?
				fig[0].gntdev_export_err :
				fig[1].gntdev_export_err));
	}
	ROW("gntdev map", map_ms);
	ROW("  memcpy out", copy_ms);
	ROW("  unmap", unmap_ms);
	printf("%-32s %12.3f %12.3f\n", "  map + memcpy + unmap",
	       fig[0].map_ms + fig[0].copy_ms + fig[0].unmap_ms,
	       fig[1].map_ms + fig[1].copy_ms + fig[1].unmap_ms);
	printf("%-32s %11.2fx %11.2fx\n", "ratio gntdev copy / export",
	       (fig[0].map_ms + fig[0].copy_ms + fig[0].unmap_ms) /
	       (fig[0].export_ms + fig[0].release_ms),
	       (fig[1].map_ms + fig[1].copy_ms + fig[1].unmap_ms) /
	       (fig[1].export_ms + fig[1].release_ms));
	ROW("ALLOC (to domid 0)", alloc_ms);
	ROW("  release (close + WAIT)", alloc_release_ms);
	if (!fig[0].import_err && !fig[1].import_err) {
		ROW("IMPORT (vgem buffer)", import_ms);
		ROW("  IMPORT_RELEASE + WAIT", import_release_ms);
	} else {
		for (int i = 0; i < 2; i++)
			if (fig[i].import_err)
				printf("IMPORT (vgem buffer) %s: refused, %s\n",
				       frames[i].name,
				       strerror(fig[i].import_err));
			else
				printf("IMPORT (vgem buffer) %s: %.3f, release "
				       "%.3f\n", frames[i].name,
				       fig[i].import_ms,
				       fig[i].import_release_ms);
	}
#undef ROW
	bench_sync();

	if (!peer)
		grants_self_free(&g);
	else
		free(g.refs);
	xengnttab_close(tab);
	close(gntbuf);
	return 0;
}
