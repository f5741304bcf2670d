// SPDX-License-Identifier: MIT
/*
 * Helpers shared by gntbuf's IGT tests: patterns, the device and its
 * ioctls, dma-bufs, the kernel log, the module.  The rest: vgem and vkms
 * (gntbuf_test_drm.c), grants and domains (gntbuf_test_xen.c), the peer
 * domU (gntbuf_test_peer.c), grant sources and grantees
 * (gntbuf_test_source.c), fault injection (gntbuf_fault.c).
 */
#include "igt.h"

#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <linux/dma-buf.h>

#include "gntbuf_test.h"

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

int gntbuf_test_count_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	igt_assert(dir);
	while ((e = readdir(dir)))
		if (e->d_name[0] != '.')
			n++;
	closedir(dir);
	/* Less the directory's own fd. */
	return n - 1;
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

bool gntbuf_buffer_state(uint64_t id, char *state, size_t size)
{
	static const char path[] = "/sys/kernel/debug/xen-gntbuf/buffers";
	char line[256], kind[16], access_[8], st[32];
	unsigned long long bid;
	unsigned int domid, pages, importers;
	bool found = false;
	FILE *f;

	if (access(path, R_OK))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	f = fopen(path, "r");
	igt_require_f(f, "%s: %s\n", path, strerror(errno));
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%llu %15s %u %u %7s %u %31s", &bid, kind,
			       &domid, &pages, access_, &importers, st) == 7 &&
			bid == id;
	fclose(f);
	if (found)
		snprintf(state, size, "%s", st);
	return found;
}

void gntbuf_wait_peer_gone(uint64_t id)
{
	char state[32] = "";

	for (int i = 0; i < 100; i++) {
		igt_assert_f(gntbuf_buffer_state(id, state, sizeof(state)),
			     "buffer %llu is not listed\n",
			     (unsigned long long)id);
		if (strcmp(state, "peer-gone") == 0)
			break;
		usleep(100 * 1000);
	}
	igt_info("buffer %llu after its peer's destroy: %s\n",
		 (unsigned long long)id, state);
	igt_assert_f(strcmp(state, "peer-gone") == 0,
		     "the grants of buffer %llu outlive its dead peer (%s)\n",
		     (unsigned long long)id, state);
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

/* ---- files of the build ---- */

/* A file next to this test's build folder: ../<rel> from the binary. */
bool gntbuf_test_build_path(const char *env, const char *rel, char *out,
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

	igt_assert_f(gntbuf_test_build_path("GNTBUF_KMOD",
					    "kernel/xen-gntbuf.ko", ko,
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
