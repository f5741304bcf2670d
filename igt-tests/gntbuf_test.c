// SPDX-License-Identifier: MIT
/*
 * Helpers shared by gntbuf's IGT tests.
 */
#include "igt.h"

#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/dma-buf.h>
#include <xenctrl.h>
#include <xenstore.h>
#include <xengnttab.h>
#include <xentoollog.h>
#include <xf86drm.h>
#include <xf86drmMode.h>
#include <drm_fourcc.h>

#include "gntbuf_test.h"

/* Opens the first /dev/dri/card* whose DRM driver is @name. */
static int open_drm_driver(const char *name)
{
	char path[64];

	for (int minor = 0; minor < 16; minor++) {
		drmVersionPtr version;
		bool match;
		int fd;

		snprintf(path, sizeof(path), "/dev/dri/card%d", minor);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		version = drmGetVersion(fd);
		match = version && strcmp(version->name, name) == 0;
		drmFreeVersion(version);
		if (match)
			return fd;
		close(fd);
	}
	return -ENODEV;
}

int __gntbuf_test_open_vgem(void)
{
	return open_drm_driver("vgem");
}

int gntbuf_test_open_vgem(void)
{
	int fd = __gntbuf_test_open_vgem();

	igt_require_f(fd >= 0, "no vgem device in /dev/dri\n");
	return fd;
}

void gntbuf_test_dumb_map(int drm_fd, uint64_t size,
			  struct gntbuf_test_dumb *dumb)
{
	struct drm_mode_map_dumb map = { .handle = dumb->handle };

	do_ioctl(drm_fd, DRM_IOCTL_MODE_MAP_DUMB, &map);
	dumb->size = size;
	dumb->map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 drm_fd, map.offset);
	igt_assert_f(dumb->map != MAP_FAILED, "mmap of dumb buffer: %s\n",
		     strerror(errno));
}

void gntbuf_test_dumb_create(int drm_fd, uint32_t width, uint32_t height,
			     uint32_t bpp, struct gntbuf_test_dumb *out)
{
	struct drm_mode_create_dumb create = {
		.width = width,
		.height = height,
		.bpp = bpp,
	};

	do_ioctl(drm_fd, DRM_IOCTL_MODE_CREATE_DUMB, &create);
	igt_assert(create.size >= (uint64_t)create.pitch * height);
	out->handle = create.handle;
	out->pitch = create.pitch;
	gntbuf_test_dumb_map(drm_fd, create.size, out);
}

void gntbuf_test_dumb_destroy(int drm_fd, struct gntbuf_test_dumb *dumb)
{
	struct drm_gem_close close_args = { .handle = dumb->handle };

	if (dumb->map)
		igt_assert_eq(munmap(dumb->map, dumb->size), 0);
	dumb->map = NULL;
	do_ioctl(drm_fd, DRM_IOCTL_GEM_CLOSE, &close_args);
}

/* ---- patterns ---- */

uint32_t gntbuf_pattern_word(uint32_t seed, size_t index)
{
	return seed ^ (uint32_t)(index * 2654435761u);
}

void gntbuf_pattern_fill_from(void *buf, size_t bytes, uint32_t seed,
			      size_t first)
{
	uint32_t *words = buf;

	for (size_t i = 0; i < bytes / 4; i++)
		words[i] = gntbuf_pattern_word(seed, first + i);
}

void gntbuf_pattern_fill(void *buf, size_t bytes, uint32_t seed)
{
	gntbuf_pattern_fill_from(buf, bytes, seed, 0);
}

long gntbuf_pattern_mismatch_from(const void *buf, size_t bytes,
				  uint32_t seed, size_t first)
{
	const uint32_t *words = buf;

	for (size_t i = 0; i < bytes / 4; i++)
		if (words[i] != gntbuf_pattern_word(seed, first + i))
			return i;
	return -1;
}

void gntbuf_pattern_check_from(const void *buf, size_t bytes, uint32_t seed,
			       size_t first)
{
	long bad = gntbuf_pattern_mismatch_from(buf, bytes, seed, first);
	const uint32_t *words = buf;

	igt_assert_f(bad < 0, "word %ld (byte %ld, page %ld): %#x, expected "
		     "%#x (seed %#x)\n", bad, bad * 4,
		     bad * 4 / GNTBUF_TEST_PAGE_SIZE, bad < 0 ? 0 : words[bad],
		     gntbuf_pattern_word(seed, first + (bad < 0 ? 0 : bad)),
		     seed);
}

void gntbuf_pattern_check(const void *buf, size_t bytes, uint32_t seed)
{
	gntbuf_pattern_check_from(buf, bytes, seed, 0);
}

static uint32_t crc_table[256];

uint32_t gntbuf_crc32(uint32_t crc, const void *buf, size_t bytes)
{
	const uint8_t *p = buf;

	if (!crc_table[1]) {
		for (uint32_t n = 0; n < 256; n++) {
			uint32_t c = n;

			for (int k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
			crc_table[n] = c;
		}
	}
	crc ^= 0xffffffffu;
	for (size_t i = 0; i < bytes; i++)
		crc = crc_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	return crc ^ 0xffffffffu;
}

uint32_t gntbuf_pattern_crc(size_t bytes, uint32_t seed)
{
	uint32_t chunk[1024], crc = 0;

	for (size_t done = 0; done < bytes; done += sizeof(chunk)) {
		size_t n = bytes - done < sizeof(chunk) ? bytes - done :
			   sizeof(chunk);

		gntbuf_pattern_fill_from(chunk, n, seed, done / 4);
		crc = gntbuf_crc32(crc, chunk, n);
	}
	return crc;
}

/* ---- the device ---- */

int __gntbuf_ioctl(int fd, unsigned long request, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, request, arg);
	} while (ret == -1 && errno == EINTR);
	return ret == -1 ? -errno : ret;
}

int __gntbuf_open(void)
{
	int fd = open(GNTBUF_TEST_DEVICE, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int gntbuf_open(void)
{
	int fd = __gntbuf_open();

	igt_require_f(fd != -ENOENT, "%s: no such device (xen-gntbuf not "
		      "loaded)\n", GNTBUF_TEST_DEVICE);
	igt_assert_f(fd >= 0, "open %s: %s\n", GNTBUF_TEST_DEVICE,
		     strerror(-fd));
	return fd;
}

int __gntbuf_query(int fd, struct gntbuf_query *query)
{
	memset(query, 0, sizeof(*query));
	return __gntbuf_ioctl(fd, GNTBUF_IOCTL_QUERY, query);
}

void gntbuf_query(int fd, struct gntbuf_query *query)
{
	igt_assert_eq(__gntbuf_query(fd, query), 0);
}

void gntbuf_require_features(int fd, uint64_t features)
{
	struct gntbuf_query query;

	gntbuf_query(fd, &query);
	igt_require_f((query.features & features) == features,
		      "module lacks features %#llx (has %#llx)\n",
		      (unsigned long long)features,
		      (unsigned long long)query.features);
}

int __gntbuf_export(int fd, uint32_t domid, const uint32_t *refs,
		    uint32_t count, uint32_t flags, int *dmabuf_fd,
		    uint64_t *buffer_id)
{
	struct gntbuf_export_refs arg = {
		.domid = domid,
		.count = count,
		.flags = flags,
		.fd = -1,
		.refs_ptr = (uintptr_t)refs,
	};
	int ret = __gntbuf_ioctl(fd, GNTBUF_IOCTL_EXPORT_REFS, &arg);

	if (ret)
		return ret;
	*dmabuf_fd = arg.fd;
	if (buffer_id)
		*buffer_id = arg.buffer_id;
	return 0;
}

int gntbuf_export(int fd, uint32_t domid, const uint32_t *refs,
		  uint32_t count, uint32_t flags, uint64_t *buffer_id)
{
	int dmabuf_fd = -1;
	int ret = __gntbuf_export(fd, domid, refs, count, flags, &dmabuf_fd,
				  buffer_id);

	igt_assert_f(ret == 0, "EXPORT_REFS of %u refs of domid %u: %s\n",
		     count, domid, strerror(-ret));
	igt_assert_fd(dmabuf_fd);
	return dmabuf_fd;
}

int __gntbuf_wait_released(int fd, uint64_t buffer_id, uint32_t timeout_ms)
{
	struct gntbuf_wait_released arg = {
		.buffer_id = buffer_id,
		.timeout_ms = timeout_ms,
	};

	int ret = __gntbuf_ioctl(fd, GNTBUF_IOCTL_WAIT_RELEASED, &arg);

	/* A module of ABI 1 knows only the wait's first number. */
	if (ret == -ENOTTY)
		ret = __gntbuf_ioctl(fd, GNTBUF_IOCTL_WAIT_RELEASED_V1, &arg);
	return ret;
}

void gntbuf_wait_released(int fd, uint64_t buffer_id, uint32_t timeout_ms)
{
	int ret = __gntbuf_wait_released(fd, buffer_id, timeout_ms);

	igt_assert_f(ret == 0, "WAIT_RELEASED of buffer %llu (%u ms): %s\n",
		     (unsigned long long)buffer_id, timeout_ms,
		     strerror(-ret));
}

int __gntbuf_alloc(int fd, uint32_t domid, uint32_t count, uint32_t flags,
		   uint32_t *refs, int *dmabuf_fd, uint64_t *buffer_id)
{
	struct gntbuf_alloc arg = {
		.domid = domid,
		.count = count,
		.flags = flags,
		.fd = -1,
		.refs_ptr = (uintptr_t)refs,
	};
	int ret = __gntbuf_ioctl(fd, GNTBUF_IOCTL_ALLOC, &arg);

	if (ret)
		return ret;
	*dmabuf_fd = arg.fd;
	if (buffer_id)
		*buffer_id = arg.buffer_id;
	return 0;
}

int gntbuf_alloc(int fd, uint32_t domid, uint32_t count, uint32_t flags,
		 uint32_t *refs, uint64_t *buffer_id)
{
	int dmabuf_fd = -1;
	int ret = __gntbuf_alloc(fd, domid, count, flags, refs, &dmabuf_fd,
				 buffer_id);

	igt_assert_f(ret == 0, "ALLOC of %u pages for domid %u: %s\n",
		     count, domid, strerror(-ret));
	igt_assert_fd(dmabuf_fd);
	return dmabuf_fd;
}

int __gntbuf_import(int fd, int dmabuf_fd, uint32_t domid, uint32_t count,
		    uint32_t flags, uint32_t *refs, uint64_t *buffer_id)
{
	struct gntbuf_import arg = {
		.fd = dmabuf_fd,
		.domid = domid,
		.flags = flags,
		.count = count,
		.refs_ptr = (uintptr_t)refs,
	};
	int ret = __gntbuf_ioctl(fd, GNTBUF_IOCTL_IMPORT, &arg);

	if (ret)
		return ret;
	if (buffer_id)
		*buffer_id = arg.buffer_id;
	return 0;
}

uint64_t gntbuf_import(int fd, int dmabuf_fd, uint32_t domid, uint32_t count,
		       uint32_t flags, uint32_t *refs)
{
	uint64_t id = 0;
	int ret = __gntbuf_import(fd, dmabuf_fd, domid, count, flags, refs,
				  &id);

	igt_assert_f(ret == 0, "IMPORT of %u pages for domid %u: %s\n",
		     count, domid, strerror(-ret));
	return id;
}

int __gntbuf_import_release(int fd, uint64_t buffer_id)
{
	struct gntbuf_import_release arg = { .buffer_id = buffer_id };

	return __gntbuf_ioctl(fd, GNTBUF_IOCTL_IMPORT_RELEASE, &arg);
}

void gntbuf_import_release(int fd, uint64_t buffer_id)
{
	int ret = __gntbuf_import_release(fd, buffer_id);

	igt_assert_f(ret == 0, "IMPORT_RELEASE of %llu: %s\n",
		     (unsigned long long)buffer_id, strerror(-ret));
}

int __gntbuf_sync_range(int fd, uint64_t buffer_id, int dmabuf_fd,
			uint32_t flags, uint64_t offset, uint64_t length)
{
	/* The field not used to name the buffer must be zero. */
	struct gntbuf_sync_range arg = {
		.buffer_id = flags & GNTBUF_SYNC_BY_FD ? 0 : buffer_id,
		.fd = flags & GNTBUF_SYNC_BY_FD ? dmabuf_fd : 0,
		.flags = flags,
		.offset = offset,
		.length = length,
	};

	return __gntbuf_ioctl(fd, GNTBUF_IOCTL_SYNC_RANGE, &arg);
}

void gntbuf_sync_range(int fd, uint64_t buffer_id, int dmabuf_fd,
		       uint32_t flags, uint64_t offset, uint64_t length)
{
	int ret = __gntbuf_sync_range(fd, buffer_id, dmabuf_fd, flags, offset,
				      length);

	igt_assert_f(ret == 0, "SYNC_RANGE [%llu, +%llu) flags %#x: %s\n",
		     (unsigned long long)offset, (unsigned long long)length,
		     flags, strerror(-ret));
}

int __gntbuf_stats(int fd, struct gntbuf_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	return __gntbuf_ioctl(fd, GNTBUF_IOCTL_STATS, stats);
}

void gntbuf_stats(int fd, struct gntbuf_stats *stats)
{
	igt_assert_eq(__gntbuf_stats(fd, stats), 0);
}

void gntbuf_stats_print(const char *when, const struct gntbuf_stats *s)
{
	igt_info("stats %s: live_buffers %u mapped_pages %llu "
		 "allocated_pages %llu granted_pages %llu pending_release %llu "
		 "bounce_refusals %llu flushed_bytes_full %llu "
		 "flushed_bytes_range %llu\n", when, s->live_buffers,
		 (unsigned long long)s->mapped_pages,
		 (unsigned long long)s->allocated_pages,
		 (unsigned long long)s->granted_pages,
		 (unsigned long long)s->pending_release,
		 (unsigned long long)s->bounce_refusals,
		 (unsigned long long)s->flushed_bytes_full,
		 (unsigned long long)s->flushed_bytes_range);
}

static bool stats_idle(const struct gntbuf_stats *s)
{
	return !s->live_buffers && !s->mapped_pages && !s->allocated_pages &&
	       !s->granted_pages && !s->pending_release;
}

void gntbuf_assert_idle(int fd, unsigned int timeout_ms)
{
	struct gntbuf_stats stats;
	struct timespec start;

	igt_gettime(&start);
	for (;;) {
		gntbuf_stats(fd, &stats);
		if (stats_idle(&stats))
			return;
		if (igt_nsec_elapsed(&start) / 1000000 >= timeout_ms)
			break;
		usleep(20 * 1000);
	}
	gntbuf_stats_print("not idle", &stats);
	igt_assert_f(stats_idle(&stats), "the module still holds buffers "
		     "%u ms after the last release\n", timeout_ms);
}

static bool stats_back(const struct gntbuf_stats *s,
		       const struct gntbuf_stats *b)
{
	return s->live_buffers == b->live_buffers &&
	       s->mapped_pages == b->mapped_pages &&
	       s->allocated_pages == b->allocated_pages &&
	       s->granted_pages == b->granted_pages &&
	       s->pending_release == b->pending_release;
}

void gntbuf_assert_back_to(int fd, const struct gntbuf_stats *before,
			   unsigned int timeout_ms)
{
	struct gntbuf_stats stats;
	struct timespec start;

	igt_gettime(&start);
	for (;;) {
		gntbuf_stats(fd, &stats);
		if (stats_back(&stats, before))
			return;
		if (igt_nsec_elapsed(&start) / 1000000 >= timeout_ms)
			break;
		usleep(20 * 1000);
	}
	gntbuf_stats_print("before", before);
	gntbuf_stats_print("now", &stats);
	igt_assert_f(false, "the module's live counters are not back to "
		     "their values before the subtest %u ms after the last "
		     "release\n", timeout_ms);
}

static void param_path(const char *name, char *path, size_t size)
{
	snprintf(path, size, "/sys/module/%s/parameters/%s",
		 GNTBUF_TEST_MODULE, name);
}

long __gntbuf_param_get(const char *name)
{
	char path[128], value[32] = "";
	FILE *f;
	bool ok;

	param_path(name, path, sizeof(path));
	f = fopen(path, "r");
	if (!f)
		return -errno;
	ok = fgets(value, sizeof(value), f) != NULL;
	fclose(f);
	return ok ? strtol(value, NULL, 0) : -EIO;
}

void gntbuf_param_set(const char *name, unsigned long value)
{
	char path[128];
	FILE *f;

	param_path(name, path, sizeof(path));
	f = fopen(path, "w");
	igt_assert_f(f, "open %s: %s\n", path, strerror(errno));
	igt_assert(fprintf(f, "%lu\n", value) > 0);
	igt_assert_f(fclose(f) == 0, "write %lu to %s: %s\n", value, path,
		     strerror(errno));
	igt_assert_eq(__gntbuf_param_get(name), (long)value);
}

/* ---- dma-bufs ---- */

int __gntbuf_dmabuf_sync(int dmabuf_fd, uint64_t flags)
{
	struct dma_buf_sync sync = { .flags = flags };
	int ret;

	do {
		ret = ioctl(dmabuf_fd, DMA_BUF_IOCTL_SYNC, &sync);
	} while (ret == -1 && (errno == EINTR || errno == EAGAIN));
	return ret == -1 ? -errno : 0;
}

void gntbuf_dmabuf_sync(int dmabuf_fd, uint64_t flags)
{
	int ret = __gntbuf_dmabuf_sync(dmabuf_fd, flags);

	igt_assert_f(ret == 0, "DMA_BUF_IOCTL_SYNC %#llx: %s\n",
		     (unsigned long long)flags, strerror(-ret));
}

void gntbuf_dmabuf_begin(int dmabuf_fd, bool write)
{
	gntbuf_dmabuf_sync(dmabuf_fd, DMA_BUF_SYNC_START |
			   (write ? DMA_BUF_SYNC_RW : DMA_BUF_SYNC_READ));
}

void gntbuf_dmabuf_end(int dmabuf_fd, bool write)
{
	gntbuf_dmabuf_sync(dmabuf_fd, DMA_BUF_SYNC_END |
			   (write ? DMA_BUF_SYNC_RW : DMA_BUF_SYNC_READ));
}

void *gntbuf_dmabuf_mmap(int dmabuf_fd, size_t bytes, int prot)
{
	void *map = mmap(NULL, bytes, prot, MAP_SHARED, dmabuf_fd, 0);

	igt_assert_f(map != MAP_FAILED, "mmap of %zu bytes of dma-buf %d: "
		     "%s\n", bytes, dmabuf_fd, strerror(errno));
	return map;
}

uint64_t gntbuf_dmabuf_size(int dmabuf_fd)
{
	off_t size = lseek(dmabuf_fd, 0, SEEK_END);

	igt_assert_f(size >= 0, "lseek of dma-buf: %s\n", strerror(errno));
	igt_assert_eq(lseek(dmabuf_fd, 0, SEEK_SET), 0);
	return size;
}

/* ---- grants made and mapped with libxengntshr / libxengnttab ---- */

static xentoollog_logger *quiet_logger(void)
{
	static xentoollog_logger_stdiostream *logger;

	/* libxengnttab logs each failed map: expected failures are quiet. */
	if (!logger)
		logger = xtl_createlogger_stdiostream(stderr, XTL_CRITICAL, 0);
	return (xentoollog_logger *)logger;
}

void gntbuf_require_self_grants(void)
{
	igt_require_f(!gntbuf_in_domu(),
		      "grants a PVH domU makes to itself do not survive "
		      "being mapped (measured under the rig with plain gntdev: "
		      "once the mapping is written, the granter's own view "
		      "reads 0xffffffff; an ALLOC page mapped so and freed "
		      "later corrupted a page table), so in a domU only "
		      "another domain's grants test anything\n");
}

void gntbuf_share_pages(uint32_t domid, uint32_t count, bool writable,
			struct gntbuf_share *share)
{
	xengntshr_handle *shr;

	if (domid == gntbuf_self_domid())
		gntbuf_require_self_grants();
	memset(share, 0, sizeof(*share));
	shr = xengntshr_open(quiet_logger(), 0);
	igt_assert_f(shr, "xengntshr_open: %s\n", strerror(errno));
	share->refs = calloc(count, sizeof(*share->refs));
	igt_assert(share->refs);
	share->map = xengntshr_share_pages(shr, domid, count, share->refs,
					   writable);
	igt_assert_f(share->map, "xengntshr_share_pages of %u pages to "
		     "domid %u: %s\n", count, domid, strerror(errno));
	share->shr = shr;
	share->domid = domid;
	share->count = count;
	share->writable = writable;
}

int __gntbuf_unshare(struct gntbuf_share *share)
{
	int ret = 0;

	if (share->map &&
	    xengntshr_unshare(share->shr, share->map, share->count))
		ret = -errno;
	share->map = NULL;
	if (share->shr)
		xengntshr_close(share->shr);
	share->shr = NULL;
	return ret;
}

void gntbuf_unshare(struct gntbuf_share *share)
{
	int ret = __gntbuf_unshare(share);

	igt_assert_f(ret == 0, "xengntshr_unshare: %s\n", strerror(-ret));
}

static xengnttab_handle *gnttab(void)
{
	static xengnttab_handle *tab;

	if (!tab) {
		tab = xengnttab_open(quiet_logger(), 0);
		igt_assert_f(tab, "xengnttab_open: %s\n", strerror(errno));
		/* Room for a 4K buffer and then some. */
		xengnttab_set_max_grants(tab, 65536);
	}
	return tab;
}

void *__gntbuf_map_grants(uint32_t domid, const uint32_t *refs,
			  uint32_t count, int prot)
{
	/* A safety net: subtests ask before they allocate anything. */
	if (domid == gntbuf_self_domid())
		gntbuf_require_self_grants();
	return xengnttab_map_domain_grant_refs(gnttab(), count, domid,
					       (uint32_t *)refs, prot);
}

void *gntbuf_map_grants(uint32_t domid, const uint32_t *refs,
			uint32_t count, int prot)
{
	void *map = __gntbuf_map_grants(domid, refs, count, prot);

	igt_assert_f(map, "xengnttab_map_domain_grant_refs of %u refs of "
		     "domid %u (first %u): %s\n", count, domid, refs[0],
		     strerror(errno));
	return map;
}

void gntbuf_unmap_grants(void *map, uint32_t count)
{
	igt_assert_eq(xengnttab_unmap(gnttab(), map, count), 0);
}

bool gntbuf_grants_mappable(uint32_t domid, const uint32_t *refs,
			    uint32_t count)
{
	for (uint32_t i = 0; i < count; i++) {
		void *map = __gntbuf_map_grants(domid, &refs[i], 1, PROT_READ);

		if (map) {
			igt_debug("gref %u of domid %u is still mappable\n",
				  refs[i], domid);
			xengnttab_unmap(gnttab(), map, 1);
			return true;
		}
	}
	return false;
}

bool gntbuf_wait_grants_ended(uint32_t domid, const uint32_t *refs,
			      uint32_t count, unsigned int timeout_ms)
{
	struct timespec start;

	igt_gettime(&start);
	while (gntbuf_grants_mappable(domid, refs, count)) {
		if (igt_nsec_elapsed(&start) / 1000000 >= timeout_ms)
			return false;
		usleep(100 * 1000);
	}
	return true;
}

/* ---- the peer domU ---- */

#define PEER_BOOT_TIMEOUT_S 240
#define PEER_CMD_TIMEOUT_S 30

static struct gntbuf_peer *peers[2];

const char *gntbuf_peer_type_name(enum gntbuf_peer_type type)
{
	return type == GNTBUF_PEER_PVH ? "pvh" : "pv";
}

/* A file next to this test's build folder: ../<rel> from the binary. */
static bool build_path(const char *env, const char *rel, char *out,
		       size_t size)
{
	char self[PATH_MAX];
	ssize_t n;

	if (getenv(env) && *getenv(env)) {
		snprintf(out, size, "%s", getenv(env));
		return access(out, R_OK) == 0;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return false;
	self[n] = '\0';
	snprintf(out, size, "%s/../%s", dirname(self), rel);
	return access(out, R_OK) == 0;
}

static char *peer_read(struct gntbuf_peer *peer, const char *key)
{
	char path[160];
	unsigned int len;

	snprintf(path, sizeof(path), "%s/%s", peer->home, key);
	return xs_read(peer->xs, XBT_NULL, path, &len);
}

static void peer_print_console(struct gntbuf_peer *peer)
{
	char path[PATH_MAX], line[512];
	FILE *f;

	if (peer->dom0)
		return;	/* its output is in dom0's $GNTBUF_OUT */
	snprintf(path, sizeof(path), "%s/xen-console/guest-%s.log",
		 getenv("GNTBUF_OUT") ?: "/tmp", peer->name);
	f = fopen(path, "r");
	if (!f)
		return;
	igt_info("console of %s (%s):\n", peer->name, path);
	while (fgets(line, sizeof(line), f))
		igt_info("  %s", line);
	fclose(f);
}

/* Reads set @set's refs from xenstore. */
static void peer_load_set(struct gntbuf_peer *peer, int set)
{
	char key[64], *info, *chunk, *p;
	uint32_t n = 0, count;

	snprintf(key, sizeof(key), "set/%d/info", set);
	info = peer_read(peer, key);
	igt_assert_f(info, "peer %s: no %s\n", peer->name, key);
	igt_assert_eq(sscanf(info, "n=%u", &count), 1);
	free(info);
	free(peer->set_refs[set]);
	peer->set_refs[set] = calloc(count, sizeof(uint32_t));
	igt_assert(peer->set_refs[set]);
	for (uint32_t j = 0; n < count; j++) {
		snprintf(key, sizeof(key), "set/%d/refs/%u", set, j);
		chunk = peer_read(peer, key);
		igt_assert_f(chunk, "peer %s: no %s\n", peer->name, key);
		for (p = chunk; *p && n < count; p++) {
			peer->set_refs[set][n++] = strtoul(p, &p, 10);
			if (!*p)
				break;
		}
		free(chunk);
	}
	peer->set_count[set] = count;
}

static uint32_t domid_of(struct xs_handle *xs, const char *name)
{
	unsigned int num = 0, len;
	char **doms = xs_directory(xs, XBT_NULL, "/local/domain", &num);
	uint32_t domid = 0;

	for (unsigned int i = 0; doms && i < num && !domid; i++) {
		char path[64], *value;

		snprintf(path, sizeof(path), "/local/domain/%s/name", doms[i]);
		value = xs_read(xs, XBT_NULL, path, &len);
		if (value && strcmp(value, name) == 0)
			domid = strtoul(doms[i], NULL, 10);
		free(value);
	}
	free(doms);
	return domid;
}

/* Waits for the peer's "ready" and reads its boot set. */
static void peer_wait_ready(struct gntbuf_peer *peer)
{
	struct timespec start;
	char *ready = NULL;

	igt_gettime(&start);
	while (!(ready = peer_read(peer, "ready"))) {
		if (igt_nsec_elapsed(&start) / 1000000000 >
		    PEER_BOOT_TIMEOUT_S) {
			peer_print_console(peer);
			igt_assert_f(false, "peer %s (domid %u) not ready "
				     "after %d s\n", peer->name, peer->domid,
				     PEER_BOOT_TIMEOUT_S);
		}
		usleep(200 * 1000);
	}
	free(ready);
	igt_info("peer %s is domid %u, up in %.1f s\n", peer->name,
		 peer->domid, igt_nsec_elapsed(&start) / 1e9);
	peer_load_set(peer, 0);
	igt_assert_eq_u32(peer->set_count[0], GNTBUF_PEER_BOOT_PAGES);
}

/* In a domU: the gntbuf-grant-peer the rig runs in dom0. */
static struct gntbuf_peer *peer_attach_dom0(enum gntbuf_peer_type type)
{
	const char *home = getenv("GNTBUF_PEER_HOME");
	struct gntbuf_peer *peer;
	char *reply;

	igt_require_f(type == GNTBUF_PEER_PV,
		      "in a domU the second domain is dom0, which is PV: "
		      "there is no PVH granter here\n");
	peer = calloc(1, sizeof(*peer));
	igt_assert(peer);
	peer->type = type;
	peer->dom0 = true;
	peer->domid = 0;
	snprintf(peer->name, sizeof(peer->name), "dom0-grant-peer");
	snprintf(peer->home, sizeof(peer->home), "%s", home);
	peer->xs = xs_open(0);
	igt_assert_f(peer->xs, "xs_open: %s\n", strerror(errno));
	peers[type] = peer;
	peer_wait_ready(peer);
	/* It outlives this process: go on from the last command it ran. */
	reply = peer_read(peer, "reply");
	igt_assert_f(reply, "peer %s: no reply node\n", peer->name);
	peer->seq = strtoul(reply, NULL, 10);
	free(reply);
	return peer;
}

static struct gntbuf_peer *peer_start(enum gntbuf_peer_type type)
{
	char peer_bin[PATH_MAX], cmd[2 * PATH_MAX + 512];
	const char *vm = getenv("GNTBUF_VM") ?: "gntbuf-vm";
	struct gntbuf_peer *peer;
	int ret;

	if (getenv("GNTBUF_PEER_HOME") && *getenv("GNTBUF_PEER_HOME"))
		return peer_attach_dom0(type);
	igt_require_f(getenv("GNTBUF_DOMU") &&
		      strcmp(getenv("GNTBUF_DOMU"), "1") == 0,
		      "no domU possible: the rig was run without --domu\n");
	igt_require_f(build_path("GNTBUF_PEER", "tools/gntbuf-grant-peer",
				 peer_bin, sizeof(peer_bin)),
		      "no gntbuf-grant-peer binary (%s)\n", peer_bin);

	peer = calloc(1, sizeof(*peer));
	igt_assert(peer);
	peer->type = type;
	snprintf(peer->name, sizeof(peer->name), "gntbuf-peer-%s",
		 gntbuf_peer_type_name(type));
	peer->xs = xs_open(0);
	igt_assert_f(peer->xs, "xs_open: %s\n", strerror(errno));

	snprintf(cmd, sizeof(cmd), "'%s' domu-start %s%s --extra-file "
		 "'%s:/gntbuf-grant-peer' --cmd '/gntbuf-grant-peer -n %u "
		 "-s %#x'", vm, peer->name,
		 type == GNTBUF_PEER_PVH ? " --pvh" : "", peer_bin,
		 GNTBUF_PEER_BOOT_PAGES, GNTBUF_PEER_BOOT_SEED);
	igt_info("starting the %s peer: %s\n", gntbuf_peer_type_name(type),
		 cmd);
	ret = system(cmd);
	igt_assert_f(ret == 0, "%s: status %d\n", cmd, ret);

	peer->domid = domid_of(peer->xs, peer->name);
	igt_assert_f(peer->domid, "no domid for %s\n", peer->name);
	snprintf(peer->home, sizeof(peer->home),
		 "/local/domain/%u/data/gntbuf", peer->domid);
	peers[type] = peer;
	peer_wait_ready(peer);
	return peer;
}

struct gntbuf_peer *gntbuf_peer_get(enum gntbuf_peer_type type)
{
	if (!peers[type])
		peer_start(type);
	return peers[type];
}

void gntbuf_peer_stop_all(void)
{
	const char *vm = getenv("GNTBUF_VM") ?: "gntbuf-vm";

	for (int t = 0; t < 2; t++) {
		struct gntbuf_peer *peer = peers[t];
		char cmd[PATH_MAX + 64];

		if (!peer)
			continue;
		snprintf(cmd, sizeof(cmd), "'%s' domu-stop %s", vm,
			 peer->name);
		/* dom0's peer belongs to the rig, which ends it. */
		if (!peer->dom0 && system(cmd))
			igt_warn("%s failed\n", cmd);
		xs_close(peer->xs);
		for (int k = 0; k < GNTBUF_PEER_MAX_SETS; k++)
			free(peer->set_refs[k]);
		free(peer);
		peers[t] = NULL;
	}
}

void gntbuf_peer_destroy(struct gntbuf_peer *peer)
{
	const char *vm = getenv("GNTBUF_VM") ?: "gntbuf-vm";
	char cmd[PATH_MAX + 64];
	int ret;

	igt_assert(peer && peers[peer->type] == peer);
	igt_require_f(!peer->dom0, "the second domain is dom0 here (this "
		      "test runs in a domU): dom0 cannot be destroyed\n");
	snprintf(cmd, sizeof(cmd), "'%s' domu-stop %s", vm, peer->name);
	igt_info("destroying peer %s (domid %u): %s\n", peer->name,
		 peer->domid, cmd);
	ret = system(cmd);
	/* Forgotten whatever xl said: the next gntbuf_peer_get() boots anew. */
	peers[peer->type] = NULL;
	xs_close(peer->xs);
	for (int k = 0; k < GNTBUF_PEER_MAX_SETS; k++)
		free(peer->set_refs[k]);
	free(peer);
	igt_assert_f(ret == 0, "%s: status %d\n", cmd, ret);
}

/* ---- domains as Xen sees them (libxenctrl; dom0 only) ---- */

static xc_interface *xenctrl(void)
{
	static xc_interface *xch;

	if (!xch)
		xch = xc_interface_open(quiet_logger(), NULL, 0);
	return xch;
}

int __gntbuf_xen_domain_state(uint32_t domid)
{
	xc_domaininfo_t info;
	int n;

	if (!xenctrl())
		return -errno ?: -ENODEV;
	/* The first domain with an id >= @domid, if any. */
	n = xc_domain_getinfolist(xenctrl(), domid, 1, &info);
	if (n < 0)
		return -errno;
	if (n == 0 || info.domain != domid)
		return GNTBUF_DOMAIN_GONE;
	return info.flags & XEN_DOMINF_dying ? GNTBUF_DOMAIN_DYING :
	       GNTBUF_DOMAIN_ALIVE;
}

int gntbuf_xen_domain_state(uint32_t domid)
{
	int state = __gntbuf_xen_domain_state(domid);

	igt_assert_f(state >= 0, "cannot ask Xen about domid %u: %s\n",
		     domid, strerror(-state));
	return state;
}

const char *gntbuf_xen_domain_state_name(int state)
{
	switch (state) {
	case GNTBUF_DOMAIN_GONE:
		return "gone";
	case GNTBUF_DOMAIN_ALIVE:
		return "alive";
	case GNTBUF_DOMAIN_DYING:
		return "dying";
	default:
		return strerror(-state);
	}
}

int __gntbuf_xen_dying_domains(uint32_t *domids, int max)
{
	xc_domaininfo_t info[64];
	uint32_t next = 0;
	int found = 0, n;

	if (!xenctrl())
		return -errno ?: -ENODEV;
	do {
		n = xc_domain_getinfolist(xenctrl(), next, 64, info);
		if (n < 0)
			return -errno;
		for (int i = 0; i < n; i++) {
			if (!(info[i].flags & XEN_DOMINF_dying))
				continue;
			if (found < max)
				domids[found] = info[i].domain;
			found++;
		}
		if (n)
			next = info[n - 1].domain + 1;
	} while (n == 64);
	return found;
}

bool gntbuf_wait_domain_gone(uint32_t domid, unsigned int timeout_ms)
{
	struct timespec start;
	int state;

	igt_gettime(&start);
	while ((state = gntbuf_xen_domain_state(domid)) !=
	       GNTBUF_DOMAIN_GONE) {
		if (igt_nsec_elapsed(&start) / 1000000 > timeout_ms) {
			igt_info("domid %u still %s %u ms on\n", domid,
				 gntbuf_xen_domain_state_name(state),
				 timeout_ms);
			return false;
		}
		usleep(50 * 1000);
	}
	igt_info("domid %u gone from Xen after %.2f s\n", domid,
		 igt_nsec_elapsed(&start) / 1e9);
	return true;
}

/* ---- the kernel log ---- */

int gntbuf_kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	igt_assert_f(fd >= 0, "/dev/kmsg: %s\n", strerror(errno));
	igt_assert(lseek(fd, 0, SEEK_END) >= 0);
	return fd;
}

void gntbuf_kmsg_assert_clean(int fd, const char *when)
{
	static const char *const bad[] = {
		"cut here", "BUG:", "Oops", "general protection",
		"page fault", "Call Trace",
	};
	char rec[8192];
	int errors = 0;
	ssize_t n;

	for (;;) {
		unsigned int prio;
		char *msg;

		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* records were overwritten: go on */
		if (n <= 0)
			break;
		rec[n] = '\0';
		msg = strchr(rec, ';');
		if (sscanf(rec, "%u,", &prio) != 1 || !msg)
			continue;
		msg++;
		*strchrnul(msg, '\n') = '\0';
		/* err (3) or worse, or a trace of any level. */
		if ((prio & 7) <= 3)
			errors++;
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			if (strstr(msg, bad[i]))
				errors++;
		if ((prio & 7) <= 4)
			igt_info("kernel (level %u) %s: %s\n", prio & 7, when,
				 msg);
	}
	igt_assert_f(n == 0 || errno == EAGAIN, "reading /dev/kmsg: %s\n",
		     strerror(errno));
	igt_assert_f(errors == 0, "the kernel logged %d error or trace "
		     "line(s) %s (above)\n", errors, when);
}

static int peer_vcmd(struct gntbuf_peer *peer, char *reply, size_t size,
		     const char *fmt, va_list ap)
{
	char cmd[4096], path[128], want[16], *got = NULL;
	struct timespec start;
	int n;

	n = snprintf(cmd, sizeof(cmd), "%u ", ++peer->seq);
	vsnprintf(cmd + n, sizeof(cmd) - n, fmt, ap);
	snprintf(path, sizeof(path), "%s/cmd", peer->home);
	igt_assert_f(xs_write(peer->xs, XBT_NULL, path, cmd, strlen(cmd)),
		     "xs_write %s: %s\n", path, strerror(errno));
	igt_debug("peer %s <- %s\n", peer->name, cmd);

	snprintf(want, sizeof(want), "%u ", peer->seq);
	igt_gettime(&start);
	for (;;) {
		got = peer_read(peer, "reply");
		if (got && strncmp(got, want, strlen(want)) == 0)
			break;
		free(got);
		got = NULL;
		if (igt_nsec_elapsed(&start) / 1000000000 > PEER_CMD_TIMEOUT_S) {
			peer_print_console(peer);
			return -ETIMEDOUT;
		}
		usleep(20 * 1000);
	}
	igt_debug("peer %s -> %s\n", peer->name, got);
	if (reply)
		snprintf(reply, size, "%s", got + strlen(want));
	n = strncmp(got + strlen(want), "ok", 2) == 0 ? 0 : -EIO;
	free(got);
	return n;
}

int __gntbuf_peer_cmd(struct gntbuf_peer *peer, char *reply, size_t size,
		      const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = peer_vcmd(peer, reply, size, fmt, ap);
	va_end(ap);
	return ret;
}

void gntbuf_peer_cmd(struct gntbuf_peer *peer, char *reply, size_t size,
		     const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = peer_vcmd(peer, buf, sizeof(buf), fmt, ap);
	va_end(ap);
	igt_assert_f(ret == 0, "peer %s: command %s: %s (reply \"%s\")\n",
		     peer->name, fmt, strerror(-ret),
		     ret == -ETIMEDOUT ? "" : buf);
	if (reply)
		snprintf(reply, size, "%s", buf);
}

int gntbuf_peer_share_to(struct gntbuf_peer *peer, uint32_t count,
			 uint32_t seed, bool writable, uint32_t domid)
{
	char reply[128];
	int set = -1;

	gntbuf_peer_cmd(peer, reply, sizeof(reply), "share %u %#x %s %u",
			count, seed, writable ? "rw" : "ro", domid);
	igt_assert_eq(sscanf(reply, "ok set=%d", &set), 1);
	igt_assert(set >= 0 && set < GNTBUF_PEER_MAX_SETS);
	peer_load_set(peer, set);
	igt_assert_eq_u32(peer->set_count[set], count);
	return set;
}

int gntbuf_peer_share(struct gntbuf_peer *peer, uint32_t count,
		      uint32_t seed, bool writable)
{
	return gntbuf_peer_share_to(peer, count, seed, writable,
				    gntbuf_self_domid());
}

int gntbuf_peer_unshare(struct gntbuf_peer *peer, int set)
{
	char reply[128];
	int deferred = -1, leaked = -1, dyndbg = 0;

	gntbuf_peer_cmd(peer, reply, sizeof(reply), "unshare %d", set);
	igt_assert_eq(sscanf(reply, "ok deferred=%d leaked=%d dyndbg=%d",
			     &deferred, &leaked, &dyndbg), 3);
	igt_debug("peer %s unshare %d: deferred %d leaked %d (dyndbg %d)\n",
		  peer->name, set, deferred, leaked, dyndbg);
	igt_assert_eq(leaked, 0);
	return deferred;
}

void gntbuf_peer_check(struct gntbuf_peer *peer, int set, uint32_t seed)
{
	gntbuf_peer_cmd(peer, NULL, 0, "check %d %#x", set, seed);
}

void gntbuf_peer_fill(struct gntbuf_peer *peer, int set, uint32_t seed)
{
	gntbuf_peer_cmd(peer, NULL, 0, "fill %d %#x", set, seed);
}

int __gntbuf_peer_map(struct gntbuf_peer *peer, const uint32_t *refs,
		      uint32_t count, bool writable)
{
	size_t size = 64 + count * 11, n;
	char *list = malloc(size);
	char reply[128];
	int ret;

	igt_assert(list);
	n = 0;
	list[0] = '\0';
	for (uint32_t i = 0; i < count; i++)
		n += snprintf(list + n, size - n, "%s%u", i ? "," : "",
			      refs[i]);
	ret = __gntbuf_peer_cmd(peer, reply, sizeof(reply), "map %u %s %s",
				gntbuf_self_domid(), writable ? "rw" : "ro",
				list);
	free(list);
	if (ret == -EIO && sscanf(reply, "error errno=%d", &ret) == 1)
		ret = -ret;
	return ret;
}

void gntbuf_peer_map(struct gntbuf_peer *peer, const uint32_t *refs,
		     uint32_t count, bool writable)
{
	int ret = __gntbuf_peer_map(peer, refs, count, writable);

	igt_assert_f(ret == 0, "peer %s: map of %u refs: %s\n", peer->name,
		     count, strerror(-ret));
}

void gntbuf_peer_map_check(struct gntbuf_peer *peer, uint32_t seed)
{
	gntbuf_peer_cmd(peer, NULL, 0, "mcheck %#x", seed);
}

void gntbuf_peer_map_fill(struct gntbuf_peer *peer, uint32_t seed)
{
	gntbuf_peer_cmd(peer, NULL, 0, "mfill %#x", seed);
}

void gntbuf_peer_unmap(struct gntbuf_peer *peer)
{
	gntbuf_peer_cmd(peer, NULL, 0, "unmap");
}

/* ---- grant sources ---- */

/* xenfs's capabilities file says "control_d" in the control domain. */
static bool control_domain(void)
{
	char caps[64] = "";
	FILE *f = fopen("/proc/xen/capabilities", "r");

	igt_assert_f(f, "/proc/xen/capabilities: %s (xenfs not mounted)\n",
		     strerror(errno));
	if (!fgets(caps, sizeof(caps), f))
		caps[0] = '\0';
	fclose(f);
	return strstr(caps, "control_d") != NULL;
}

uint32_t gntbuf_self_domid(void)
{
	static uint32_t domid = UINT32_MAX;
	struct xs_handle *xs;
	unsigned int len;
	char *value;

	if (domid != UINT32_MAX)
		return domid;
	/*
	 * The rig's control domain is dom0.  Ask xenstore only in a domU:
	 * dom0 may run without xenstored, and then xs_read() on
	 * /dev/xen/xenbus waits forever.
	 */
	if (control_domain()) {
		domid = 0;
		return domid;
	}
	xs = xs_open(0);
	igt_assert_f(xs, "xs_open: %s\n", strerror(errno));
	value = xs_read(xs, XBT_NULL, "domid", &len);
	igt_assert_f(value, "xenstore has no \"domid\" for this domain\n");
	domid = strtoul(value, NULL, 10);
	free(value);
	xs_close(xs);
	return domid;
}

bool gntbuf_in_domu(void)
{
	return gntbuf_self_domid() != 0;
}

enum gntbuf_source gntbuf_local_source(void)
{
	return gntbuf_in_domu() ? GNTBUF_SOURCE_FOREIGN_PV : GNTBUF_SOURCE_SELF;
}

const char *gntbuf_source_name(enum gntbuf_source source)
{
	switch (source) {
	case GNTBUF_SOURCE_SELF:
		return "self";
	case GNTBUF_SOURCE_FOREIGN_PV:
		return "foreign-pv";
	case GNTBUF_SOURCE_FOREIGN_PVH:
		return "foreign-pvh";
	default:
		return "?";
	}
}

void gntbuf_grants_create(enum gntbuf_source source, uint32_t count,
			  uint32_t seed, bool writable,
			  struct gntbuf_grants *grants)
{
	memset(grants, 0, sizeof(*grants));
	grants->source = source;
	grants->count = count;
	grants->writable = writable;
	if (source == GNTBUF_SOURCE_SELF) {
		grants->domid = gntbuf_self_domid();
		gntbuf_share_pages(grants->domid, count, writable,
				   &grants->share);
		gntbuf_pattern_fill(grants->share.map,
				    (size_t)count * GNTBUF_TEST_PAGE_SIZE, seed);
		grants->refs = grants->share.refs;
		return;
	}
	grants->peer = gntbuf_peer_get(source == GNTBUF_SOURCE_FOREIGN_PVH ?
				       GNTBUF_PEER_PVH : GNTBUF_PEER_PV);
	grants->set = gntbuf_peer_share(grants->peer, count, seed, writable);
	grants->domid = grants->peer->domid;
	grants->refs = grants->peer->set_refs[grants->set];
}

void gntbuf_grants_fill(struct gntbuf_grants *grants, uint32_t seed)
{
	if (grants->source == GNTBUF_SOURCE_SELF)
		gntbuf_pattern_fill(grants->share.map, (size_t)grants->count *
				    GNTBUF_TEST_PAGE_SIZE, seed);
	else
		gntbuf_peer_fill(grants->peer, grants->set, seed);
}

void gntbuf_grants_check(struct gntbuf_grants *grants, uint32_t seed)
{
	if (grants->source == GNTBUF_SOURCE_SELF)
		gntbuf_pattern_check(grants->share.map, (size_t)grants->count *
				     GNTBUF_TEST_PAGE_SIZE, seed);
	else
		gntbuf_peer_check(grants->peer, grants->set, seed);
}

void gntbuf_grants_end(struct gntbuf_grants *grants, unsigned int timeout_ms)
{
	uint32_t *refs = malloc(grants->count * sizeof(*refs));

	igt_assert(refs);
	memcpy(refs, grants->refs, grants->count * sizeof(*refs));
	igt_assert(!grants->ended);
	if (grants->source == GNTBUF_SOURCE_SELF)
		gntbuf_unshare(&grants->share);
	else
		gntbuf_peer_unshare(grants->peer, grants->set);
	grants->ended = true;
	igt_assert_f(gntbuf_wait_grants_ended(grants->domid, refs,
					      grants->count, timeout_ms),
		     "%u grants of domid %u (first gref %u) still mappable "
		     "%u ms after the granter ended them: someone still maps "
		     "them\n", grants->count, grants->domid, refs[0],
		     timeout_ms);
	free(refs);
}

void gntbuf_grants_destroy(struct gntbuf_grants *grants)
{
	if (grants->ended)
		goto out;
	if (grants->source == GNTBUF_SOURCE_SELF)
		__gntbuf_unshare(&grants->share);
	else if (grants->peer)
		__gntbuf_peer_cmd(grants->peer, NULL, 0, "unshare %d",
				  grants->set);
	grants->ended = true;
out:
	if (grants->source == GNTBUF_SOURCE_SELF) {
		free(grants->share.refs);
		grants->share.refs = NULL;
	}
	grants->refs = NULL;
}

/* ---- grantees ---- */

void gntbuf_grantee_destroy(struct gntbuf_grantee *grantee)
{
	uint32_t domid = grantee->domid;

	gntbuf_peer_destroy(grantee->peer);
	grantee->peer = NULL;
	grantee->count = 0;
	igt_info("after xl destroy, domid %u is %s\n", domid,
		 gntbuf_xen_domain_state_name(gntbuf_xen_domain_state(domid)));
}

void gntbuf_grantee_init(enum gntbuf_source source,
			 struct gntbuf_grantee *grantee)
{
	memset(grantee, 0, sizeof(*grantee));
	grantee->source = source;
	if (source == GNTBUF_SOURCE_SELF) {
		gntbuf_require_self_grants();
		grantee->domid = gntbuf_self_domid();
		return;
	}
	grantee->peer = gntbuf_peer_get(source == GNTBUF_SOURCE_FOREIGN_PVH ?
					GNTBUF_PEER_PVH : GNTBUF_PEER_PV);
	grantee->domid = grantee->peer->domid;
}

int __gntbuf_grantee_map(struct gntbuf_grantee *grantee,
			 const uint32_t *refs, uint32_t count, bool writable)
{
	int ret;

	igt_assert(!grantee->count);
	if (grantee->source == GNTBUF_SOURCE_SELF) {
		grantee->map = __gntbuf_map_grants(grantee->domid, refs,
						   count, PROT_READ |
						   (writable ? PROT_WRITE : 0));
		if (!grantee->map)
			return -errno;
	} else {
		ret = __gntbuf_peer_map(grantee->peer, refs, count, writable);
		if (ret)
			return ret;
	}
	grantee->count = count;
	return 0;
}

void gntbuf_grantee_map(struct gntbuf_grantee *grantee, const uint32_t *refs,
			uint32_t count, bool writable)
{
	int ret = __gntbuf_grantee_map(grantee, refs, count, writable);

	igt_assert_f(ret == 0, "%s grantee: map of %u refs (first %u): %s\n",
		     gntbuf_source_name(grantee->source), count, refs[0],
		     strerror(-ret));
}

bool gntbuf_grantee_mappable(struct gntbuf_grantee *grantee,
			     const uint32_t *refs, uint32_t count)
{
	igt_assert(!grantee->count);
	if (grantee->source == GNTBUF_SOURCE_SELF)
		return gntbuf_grants_mappable(grantee->domid, refs, count);
	for (uint32_t i = 0; i < count; i++) {
		if (__gntbuf_grantee_map(grantee, &refs[i], 1, false) == 0) {
			igt_debug("gref %u is still mappable by domid %u\n",
				  refs[i], grantee->domid);
			gntbuf_grantee_unmap(grantee);
			return true;
		}
	}
	return false;
}

void gntbuf_grantee_fill(struct gntbuf_grantee *grantee, uint32_t seed)
{
	igt_assert(grantee->count);
	if (grantee->source == GNTBUF_SOURCE_SELF)
		gntbuf_pattern_fill(grantee->map, (size_t)grantee->count *
				    GNTBUF_TEST_PAGE_SIZE, seed);
	else
		gntbuf_peer_map_fill(grantee->peer, seed);
}

void gntbuf_grantee_check(struct gntbuf_grantee *grantee, uint32_t seed)
{
	igt_assert(grantee->count);
	if (grantee->source == GNTBUF_SOURCE_SELF)
		gntbuf_pattern_check(grantee->map, (size_t)grantee->count *
				     GNTBUF_TEST_PAGE_SIZE, seed);
	else
		gntbuf_peer_map_check(grantee->peer, seed);
}

uint32_t gntbuf_grantee_crc(struct gntbuf_grantee *grantee)
{
	char reply[64];
	unsigned int crc;

	igt_assert(grantee->count);
	if (grantee->source == GNTBUF_SOURCE_SELF)
		return gntbuf_crc32(0, grantee->map, (size_t)grantee->count *
				    GNTBUF_TEST_PAGE_SIZE);
	gntbuf_peer_cmd(grantee->peer, reply, sizeof(reply), "mcrc");
	igt_assert_eq(sscanf(reply, "ok crc=%x", &crc), 1);
	return crc;
}

void gntbuf_grantee_check_page(struct gntbuf_grantee *grantee, uint32_t ref,
			       uint32_t seed, size_t word)
{
	uint32_t want[GNTBUF_TEST_PAGE_SIZE / 4], crc;

	gntbuf_pattern_fill_from(want, sizeof(want), seed, word);
	gntbuf_grantee_map(grantee, &ref, 1, false);
	crc = gntbuf_grantee_crc(grantee);
	gntbuf_grantee_unmap(grantee);
	igt_assert_f(crc == gntbuf_crc32(0, want, sizeof(want)),
		     "gref %u mapped by domid %u does not hold the pattern of "
		     "seed %#x from word %zu\n", ref, grantee->domid, seed,
		     word);
}

void gntbuf_grantee_unmap(struct gntbuf_grantee *grantee)
{
	if (!grantee->count)
		return;
	if (grantee->source == GNTBUF_SOURCE_SELF)
		gntbuf_unmap_grants(grantee->map, grantee->count);
	else
		gntbuf_peer_unmap(grantee->peer);
	grantee->map = NULL;
	grantee->count = 0;
}

/* ---- vkms: an importer that reads and writes through dma_buf_vmap() ---- */

int __gntbuf_test_open_vkms(void)
{
	return open_drm_driver("vkms");
}

int gntbuf_test_open_vkms(void)
{
	int fd = __gntbuf_test_open_vkms();

	igt_require_f(fd >= 0, "no vkms device in /dev/dri (run the rig "
		      "with --vkms)\n");
	return fd;
}

static uint32_t kms_prop(int fd, uint32_t obj, uint32_t type,
			 const char *name)
{
	drmModeObjectPropertiesPtr props;
	uint32_t id = 0;

	props = drmModeObjectGetProperties(fd, obj, type);
	igt_assert(props);
	for (uint32_t i = 0; i < props->count_props && !id; i++) {
		drmModePropertyPtr prop = drmModeGetProperty(fd,
							     props->props[i]);

		if (prop && strcmp(prop->name, name) == 0)
			id = prop->prop_id;
		drmModeFreeProperty(prop);
	}
	drmModeFreeObjectProperties(props);
	igt_assert_f(id, "KMS object %u has no property %s\n", obj, name);
	return id;
}

static uint64_t kms_prop_value(int fd, uint32_t obj, uint32_t type,
			       const char *name)
{
	drmModeObjectPropertiesPtr props;
	uint64_t value = 0;
	bool found = false;

	props = drmModeObjectGetProperties(fd, obj, type);
	igt_assert(props);
	for (uint32_t i = 0; i < props->count_props && !found; i++) {
		drmModePropertyPtr prop = drmModeGetProperty(fd,
							     props->props[i]);

		if (prop && strcmp(prop->name, name) == 0) {
			value = props->prop_values[i];
			found = true;
		}
		drmModeFreeProperty(prop);
	}
	drmModeFreeObjectProperties(props);
	igt_assert_f(found, "KMS object %u has no property %s\n", obj, name);
	return value;
}

static uint32_t kms_fb_from_dmabuf(int fd, int dmabuf, uint32_t *handle)
{
	uint32_t handles[4] = { 0 }, pitches[4] = { 0 }, offsets[4] = { 0 };
	uint32_t fb = 0;

	igt_assert_f(drmPrimeFDToHandle(fd, dmabuf, handle) == 0,
		     "vkms PRIME import: %s\n", strerror(errno));
	handles[0] = *handle;
	pitches[0] = GNTBUF_VKMS_WIDTH * 4;
	igt_assert_f(drmModeAddFB2(fd, GNTBUF_VKMS_WIDTH, GNTBUF_VKMS_HEIGHT,
				   DRM_FORMAT_XRGB8888, handles, pitches,
				   offsets, &fb, 0) == 0,
		     "vkms AddFB2: %s\n", strerror(errno));
	return fb;
}

/* Waits for a writeback out-fence. */
static void kms_wait_fence(int32_t fence)
{
	struct pollfd pfd = { .fd = fence, .events = POLLIN };

	igt_assert_f(fence >= 0, "no writeback out-fence\n");
	igt_assert_f(poll(&pfd, 1, 30000) == 1, "writeback never completed\n");
	close(fence);
}

/*
 * One commit: the source scanned out on the primary plane (FB_ID set again
 * even when unchanged, so that vkms prepares, and vmaps, it anew) and one
 * frame written back into @fb_dst.  Without a modeset when the CRTC is
 * already up.
 */
static void kms_commit_frame(struct gntbuf_vkms_scanout *s, uint32_t fb_dst)
{
	drmModeAtomicReqPtr req = drmModeAtomicAlloc();
	int fd = s->fd, plane = s->plane;
	int32_t fence = -1;

	igt_assert(req);
	drmModeAtomicAddProperty(req, s->crtc, kms_prop(fd, s->crtc,
			DRM_MODE_OBJECT_CRTC, "MODE_ID"), s->blob);
	drmModeAtomicAddProperty(req, s->crtc, kms_prop(fd, s->crtc,
			DRM_MODE_OBJECT_CRTC, "ACTIVE"), 1);
#define PLANE(name, value) drmModeAtomicAddProperty(req, plane, \
		kms_prop(fd, plane, DRM_MODE_OBJECT_PLANE, name), value)
	PLANE("FB_ID", s->fb_src);
	PLANE("CRTC_ID", s->crtc);
	PLANE("SRC_X", 0);
	PLANE("SRC_Y", 0);
	PLANE("SRC_W", (uint64_t)GNTBUF_VKMS_WIDTH << 16);
	PLANE("SRC_H", (uint64_t)GNTBUF_VKMS_HEIGHT << 16);
	PLANE("CRTC_X", 0);
	PLANE("CRTC_Y", 0);
	PLANE("CRTC_W", GNTBUF_VKMS_WIDTH);
	PLANE("CRTC_H", GNTBUF_VKMS_HEIGHT);
#undef PLANE
	drmModeAtomicAddProperty(req, s->wb, kms_prop(fd, s->wb,
			DRM_MODE_OBJECT_CONNECTOR, "CRTC_ID"), s->crtc);
	drmModeAtomicAddProperty(req, s->wb, kms_prop(fd, s->wb,
			DRM_MODE_OBJECT_CONNECTOR, "WRITEBACK_FB_ID"), fb_dst);
	drmModeAtomicAddProperty(req, s->wb, kms_prop(fd, s->wb,
			DRM_MODE_OBJECT_CONNECTOR, "WRITEBACK_OUT_FENCE_PTR"),
			(uintptr_t)&fence);
	igt_assert_f(drmModeAtomicCommit(fd, req, DRM_MODE_ATOMIC_ALLOW_MODESET,
					 NULL) == 0,
		     "atomic commit (scan-out + writeback): %s\n",
		     strerror(errno));
	drmModeAtomicFree(req);
	kms_wait_fence(fence);
}

/* One frame of the scan-out written back into @dst_dmabuf. */
static void kms_frame_into(struct gntbuf_vkms_scanout *s, int dst_dmabuf)
{
	struct drm_gem_close gem_close = { 0 };
	uint32_t fb_dst, h_dst;

	fb_dst = kms_fb_from_dmabuf(s->fd, dst_dmabuf, &h_dst);
	kms_commit_frame(s, fb_dst);
	igt_assert_eq(drmModeRmFB(s->fd, fb_dst), 0);
	/* The same dma-buf on the same file is the same handle. */
	if (h_dst != s->h_src) {
		gem_close.handle = h_dst;
		do_ioctl(s->fd, DRM_IOCTL_GEM_CLOSE, &gem_close);
	}
}

void gntbuf_vkms_show(int fd, int src_dmabuf, int dst_dmabuf,
		      struct gntbuf_vkms_scanout *s)
{
	drmModeResPtr res;
	drmModePlaneResPtr planes;
	drmModeModeInfo mode;
	bool have_mode = false;

	memset(s, 0, sizeof(*s));
	s->fd = fd;
	/* Probing modes and committing both need it (drm_mode_getconnector). */
	igt_require_f(drmIsMaster(fd), "this open of vkms is not the DRM "
		      "master: it can neither probe modes nor commit\n");
	igt_require(drmSetClientCap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1) == 0);
	igt_require(drmSetClientCap(fd, DRM_CLIENT_CAP_ATOMIC, 1) == 0);
	igt_require_f(drmSetClientCap(fd, DRM_CLIENT_CAP_WRITEBACK_CONNECTORS,
				      1) == 0, "no writeback connectors\n");

	res = drmModeGetResources(fd);
	igt_assert(res && res->count_crtcs > 0);
	s->crtc = res->crtcs[0];
	for (int i = 0; i < res->count_connectors; i++) {
		drmModeConnectorPtr c = drmModeGetConnector(fd,
							    res->connectors[i]);

		if (!c)
			continue;
		if (c->connector_type == DRM_MODE_CONNECTOR_WRITEBACK)
			s->wb = c->connector_id;
		for (int m = 0; m < c->count_modes && !have_mode; m++) {
			if (c->modes[m].hdisplay == GNTBUF_VKMS_WIDTH &&
			    c->modes[m].vdisplay == GNTBUF_VKMS_HEIGHT) {
				mode = c->modes[m];
				have_mode = true;
			}
		}
		drmModeFreeConnector(c);
	}
	drmModeFreeResources(res);
	igt_require_f(s->wb, "vkms has no writeback connector "
		      "(enable_writeback=1)\n");
	igt_assert_f(have_mode, "no %ux%u mode\n", GNTBUF_VKMS_WIDTH,
		     GNTBUF_VKMS_HEIGHT);

	planes = drmModeGetPlaneResources(fd);
	igt_assert(planes);
	for (uint32_t i = 0; i < planes->count_planes && !s->plane; i++) {
		drmModePlanePtr p = drmModeGetPlane(fd, planes->planes[i]);

		if (p && (p->possible_crtcs & 1) &&
		    kms_prop_value(fd, p->plane_id, DRM_MODE_OBJECT_PLANE,
				   "type") == DRM_PLANE_TYPE_PRIMARY)
			s->plane = p->plane_id;
		drmModeFreePlane(p);
	}
	drmModeFreePlaneResources(planes);
	igt_assert(s->plane);

	s->fb_src = kms_fb_from_dmabuf(fd, src_dmabuf, &s->h_src);
	igt_assert_eq(drmModeCreatePropertyBlob(fd, &mode, sizeof(mode),
						&s->blob), 0);
	/* Scan out the source; the writeback connector writes the frame. */
	kms_frame_into(s, dst_dmabuf);
}

void gntbuf_vkms_writeback(struct gntbuf_vkms_scanout *s, int dst_dmabuf)
{
	igt_assert(s->fb_src);
	kms_frame_into(s, dst_dmabuf);
}

void gntbuf_vkms_off(struct gntbuf_vkms_scanout *s)
{
	struct drm_gem_close gem_close = { 0 };
	drmModeAtomicReqPtr req;
	int fd = s->fd;

	if (!s->fb_src)
		return;
	/* Switch off and let go of the source. */
	req = drmModeAtomicAlloc();
	igt_assert(req);
	drmModeAtomicAddProperty(req, s->plane, kms_prop(fd, s->plane,
			DRM_MODE_OBJECT_PLANE, "FB_ID"), 0);
	drmModeAtomicAddProperty(req, s->plane, kms_prop(fd, s->plane,
			DRM_MODE_OBJECT_PLANE, "CRTC_ID"), 0);
	drmModeAtomicAddProperty(req, s->wb, kms_prop(fd, s->wb,
			DRM_MODE_OBJECT_CONNECTOR, "CRTC_ID"), 0);
	drmModeAtomicAddProperty(req, s->crtc, kms_prop(fd, s->crtc,
			DRM_MODE_OBJECT_CRTC, "ACTIVE"), 0);
	drmModeAtomicAddProperty(req, s->crtc, kms_prop(fd, s->crtc,
			DRM_MODE_OBJECT_CRTC, "MODE_ID"), 0);
	igt_assert_f(drmModeAtomicCommit(fd, req, DRM_MODE_ATOMIC_ALLOW_MODESET,
					 NULL) == 0, "atomic commit (off): %s\n",
		     strerror(errno));
	drmModeAtomicFree(req);
	drmModeDestroyPropertyBlob(fd, s->blob);
	igt_assert_eq(drmModeRmFB(fd, s->fb_src), 0);
	gem_close.handle = s->h_src;
	do_ioctl(fd, DRM_IOCTL_GEM_CLOSE, &gem_close);
	s->fb_src = 0;
}

void gntbuf_vkms_copy(int fd, int src_dmabuf, int dst_dmabuf)
{
	struct gntbuf_vkms_scanout s;

	gntbuf_vkms_show(fd, src_dmabuf, dst_dmabuf, &s);
	gntbuf_vkms_off(&s);
}

/* ---- the module ---- */

int __gntbuf_module_unload(void)
{
	if (syscall(SYS_delete_module, GNTBUF_TEST_MODULE, O_NONBLOCK))
		return -errno;
	return 0;
}

void gntbuf_module_reload(void)
{
	char ko[PATH_MAX];
	int fd;

	igt_assert_f(build_path("GNTBUF_KMOD", "kernel/xen-gntbuf.ko", ko,
				sizeof(ko)),
		     "cannot find xen-gntbuf.ko to load it back (%s); set "
		     "GNTBUF_KMOD\n", ko);
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	igt_assert_f(fd >= 0, "open %s: %s\n", ko, strerror(errno));
	igt_assert_f(syscall(SYS_finit_module, fd, "", 0) == 0,
		     "finit_module %s: %s\n", ko, strerror(errno));
	close(fd);
	/* udev is not running in the rig: devtmpfs makes the node. */
	for (int i = 0; i < 100 && access(GNTBUF_TEST_DEVICE, F_OK); i++)
		usleep(10 * 1000);
	igt_assert_f(access(GNTBUF_TEST_DEVICE, F_OK) == 0,
		     "%s did not come back\n", GNTBUF_TEST_DEVICE);
}
