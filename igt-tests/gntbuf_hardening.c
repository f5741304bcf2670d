// SPDX-License-Identifier: MIT
/*
 * gntbuf_hardening: the findings of a maintainer's review of the module
 * (issue 13), one subtest each, named after the finding.  Each subtest
 * failed on the module before its fix; the commit that fixed it says how.
 *
 * What is tried, finding by finding:
 * - s1: a process maps one foreign buffer again and again (each PV mmap maps
 *   every grant in dom0's maptrack, which blkback and netback share);
 * - s2: a pending ALLOC buffer's reclaim work: on which workqueue it runs
 *   (the module's own, destroyed at exit, not system_wq);
 * - s3: ALLOC + close, without WAIT_RELEASED, in a loop: kernel memory
 *   held per forgotten-about buffer;
 * - s4: IMPORT of a dma-buf its exporter made read-only, asking for a
 *   read-write grant;
 * - s5: buffers shared with one peer domain, past its page limit (the
 *   grants of a peer that dies: gntbuf_alloc's and gntbuf_import's
 *   grantee-destroyed subtests);
 * - s6: madvise(MADV_DOFORK) on the mmap of a foreign buffer, then fork;
 * - l1: the release of a foreign buffer with its allocations failed one by
 *   one (fail-nth; a kernel with fault injection only);
 * - l3: vmsplice() of a foreign buffer's mmap into a pipe (a page pin that
 *   the release would wait for, unkillably);
 * - l4: ALLOC inside a memory cgroup: the pages are the cgroup's;
 * - abi-wait-released-restart: WAIT_RELEASED interrupted by a signal with
 *   SA_RESTART, and without;
 * - abi-query-per-file-capped: max_pages_per_file set above the hard cap.
 */
#include "igt.h"

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <xf86drm.h>

#include "gntbuf_test.h"

IGT_TEST_DESCRIPTION("The review's findings (issue 13), one subtest each: "
		     "maptrack bounded, own workqueue, memory per released "
		     "buffer, read-only dma-bufs, fork, failed allocations on "
		     "release, page pins, memory cgroups, WAIT_RELEASED "
		     "restart, QUERY's limits");

#define PAGES 16
#define BYTES (PAGES * GNTBUF_TEST_PAGE_SIZE)
#define SEED 0x510e527fu

static int dev = -1;

static bool pv_mappings(void)
{
	struct gntbuf_query q;

	gntbuf_query(dev, &q);
	return q.features & GNTBUF_FEATURE_PV_MAPPINGS;
}

/* ---- s1: PV mmaps of one foreign buffer are bounded and charged ---- */

static void *try_mmap(int fd)
{
	return mmap(NULL, BYTES, PROT_READ, MAP_SHARED, fd, 0);
}

static void test_s1_mmap_bounded(void)
{
	long max_mmaps = __gntbuf_param_get("max_mmaps_per_buffer");
	long max_total = __gntbuf_param_get("max_pages_total");
	struct gntbuf_grants g;
	void **maps, *extra;
	uint64_t id;
	long i;
	int fd;

	igt_require_f(pv_mappings(), "auto-translated: an mmap maps pages, "
		      "not grants, and takes no maptrack entry\n");
	igt_assert_f(max_mmaps > 0 && max_mmaps < 1024,
		     "max_mmaps_per_buffer: %ld\n", max_mmaps);
	gntbuf_grants_create(GNTBUF_SOURCE_FOREIGN_PV, PAGES, SEED, true, &g);
	fd = gntbuf_export(dev, g.domid, g.refs, PAGES, 0, &id);

	/* Up to the limit, every mapping works and shows the grants. */
	maps = calloc(max_mmaps, sizeof(*maps));
	igt_assert(maps);
	for (i = 0; i < max_mmaps; i++) {
		maps[i] = try_mmap(fd);
		igt_assert_f(maps[i] != MAP_FAILED, "mmap %ld of %ld: %s\n",
			     i + 1, max_mmaps, strerror(errno));
	}
	gntbuf_pattern_check(maps[max_mmaps - 1], BYTES, SEED);

	/* One more is refused, and works again once one is unmapped. */
	extra = try_mmap(fd);
	igt_assert_f(extra == MAP_FAILED, "mmap %ld of a buffer limited to "
		     "%ld mappings succeeded\n", max_mmaps + 1, max_mmaps);
	igt_assert_eq(errno, ENOSPC);
	igt_assert_eq(munmap(maps[0], BYTES), 0);
	maps[0] = try_mmap(fd);
	igt_assert(maps[0] != MAP_FAILED);
	for (i = 0; i < max_mmaps; i++)
		igt_assert_eq(munmap(maps[i], BYTES), 0);
	free(maps);

	/*
	 * The mapped pages count in max_pages_total: with room for the
	 * buffer and one mapping, a second mapping is refused.
	 */
	gntbuf_param_set("max_pages_total", 2 * PAGES);
	maps = malloc(2 * sizeof(*maps));
	igt_assert(maps);
	maps[0] = try_mmap(fd);
	maps[1] = try_mmap(fd);
	gntbuf_param_set("max_pages_total", max_total);
	igt_assert_f(maps[0] != MAP_FAILED, "first mapping: %s\n",
		     strerror(errno));
	igt_assert_f(maps[1] == MAP_FAILED, "a mapping past max_pages_total "
		     "succeeded\n");
	igt_assert_eq(errno, ENOSPC);
	igt_assert_eq(munmap(maps[0], BYTES), 0);
	free(maps);

	close(fd);
	gntbuf_wait_released(dev, id, 5000);
	gntbuf_grants_destroy(&g);
}

/* ---- s2: the reclaim work runs on the module's own workqueue ---- */

#define TRACEFS "/sys/kernel/tracing"

static void tracefs_write(const char *file, const char *value)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), TRACEFS "/%s", file);
	fd = open(path, O_WRONLY | O_TRUNC);
	igt_assert_f(fd >= 0, "%s: %s\n", path, strerror(errno));
	igt_assert_eq(write(fd, value, strlen(value)), (ssize_t)strlen(value));
	close(fd);
}

static void tracefs_require(void)
{
	if (access(TRACEFS "/trace", F_OK))
		mount("tracefs", TRACEFS, "tracefs", 0, NULL);
	igt_require_f(access(TRACEFS "/events/workqueue/workqueue_queue_work"
			     "/enable", W_OK) == 0,
		      "no tracefs with workqueue events\n");
}

/* The trace's workqueue_queue_work lines of gntbuf_reclaim_work. */
static int reclaim_queue_lines(char *out, size_t size)
{
	char line[512];
	size_t used = 0;
	int n = 0;
	FILE *f = fopen(TRACEFS "/trace", "r");

	igt_assert(f);
	out[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, "function=gntbuf_reclaim_work"))
			continue;
		n++;
		if (used + strlen(line) < size) {
			strcpy(out + used, line);
			used += strlen(line);
		}
	}
	fclose(f);
	return n;
}

static void test_s2_own_workqueue(void)
{
	struct gntbuf_grantee grantee;
	uint32_t refs[PAGES];
	char lines[4096];
	uint64_t id;
	int fd, n;

	tracefs_require();
	gntbuf_grantee_init(gntbuf_local_source(), &grantee);
	tracefs_write("trace", "");
	tracefs_write("events/workqueue/workqueue_queue_work/enable", "1");

	/* Released while the grantee maps it: pending, the work retries. */
	fd = gntbuf_alloc(dev, grantee.domid, PAGES, 0, refs, &id);
	gntbuf_grantee_map(&grantee, refs, PAGES, true);
	close(fd);
	igt_assert_eq(__gntbuf_wait_released(dev, id, 300), -ETIMEDOUT);
	gntbuf_grantee_unmap(&grantee);
	gntbuf_wait_released(dev, id, 5000);

	tracefs_write("events/workqueue/workqueue_queue_work/enable", "0");
	n = reclaim_queue_lines(lines, sizeof(lines));
	igt_info("reclaim work queued %d times:\n%s", n, lines);
	igt_assert_f(n > 0, "no workqueue_queue_work of gntbuf_reclaim_work "
		     "was traced\n");
	/* Every queueing names the module's workqueue, none system_wq's. */
	igt_assert_f(!strstr(lines, "workqueue=events "),
		     "the reclaim work ran on system_wq\n");
	igt_assert_f(strstr(lines, "workqueue=xen-gntbuf "),
		     "the reclaim work did not run on xen-gntbuf\n");
	tracefs_write("trace", "");
}

/* ---- s3: a released buffer keeps no per-page memory ---- */

/* SUnreclaim (large kmallocs count there) + VmallocUsed, in KiB. */
static long kernel_kib(void)
{
	long sunreclaim = -1, vmalloc = -1, v;
	char line[128];
	FILE *f = fopen("/proc/meminfo", "r");

	igt_assert(f);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "SUnreclaim: %ld kB", &v) == 1)
			sunreclaim = v;
		else if (sscanf(line, "VmallocUsed: %ld kB", &v) == 1)
			vmalloc = v;
	}
	fclose(f);
	igt_assert(sunreclaim >= 0 && vmalloc >= 0);
	return sunreclaim + vmalloc;
}

static void test_s3_released_metadata(void)
{
	const uint32_t count = 8100;	/* a 4K XRGB8888 frame */
	const int loops = 40;
	struct gntbuf_stats before;
	uint32_t *refs = calloc(count, sizeof(*refs));
	long kib0, kib1;
	uint64_t id;
	int i, fd, own;

	igt_assert(refs);
	own = gntbuf_open();
	gntbuf_stats(own, &before);
	kib0 = kernel_kib();
	for (i = 0; i < loops; i++) {
		fd = gntbuf_alloc(own, GNTBUF_SELF, count, 0, refs, &id);
		close(fd);	/* released at once; the id is not waited for */
	}
	gntbuf_assert_back_to(own, &before, 5000);
	kib1 = kernel_kib();
	igt_info("%d buffers of %u pages released, not waited for: kernel "
		 "memory %+ld KiB (per-page arrays kept would be about %u "
		 "KiB)\n", loops, count, kib1 - kib0,
		 (unsigned int)(loops * count * 12 / 1024));
	/* The ids stay until close: only their small structures. */
	igt_assert_f(kib1 - kib0 < 1024, "%+ld KiB held by %d released "
		     "buffers\n", kib1 - kib0, loops);
	close(own);
	free(refs);
}

/* ---- s4: a read-only dma-buf is only granted read-only ---- */

static void test_s4_import_read_only(void)
{
	struct gntbuf_grantee grantee;
	struct gntbuf_test_dumb dumb;
	uint32_t refs[PAGES];
	uint64_t id;
	int vgem, prime, ret;

	gntbuf_grantee_init(gntbuf_local_source(), &grantee);
	vgem = gntbuf_test_open_vgem();
	gntbuf_test_dumb_create(vgem, 1024, PAGES, 32, &dumb);
	gntbuf_pattern_fill(dumb.map, BYTES, SEED);
	/* No DRM_RDWR: the dma-buf's file is O_RDONLY. */
	igt_assert_eq(drmPrimeHandleToFD(vgem, dumb.handle, DRM_CLOEXEC,
					 &prime), 0);
	igt_assert_eq(fcntl(prime, F_GETFL) & O_ACCMODE, O_RDONLY);

	ret = __gntbuf_import(dev, prime, grantee.domid, PAGES, 0, refs, &id);
	igt_assert_f(ret == -EACCES, "read-write IMPORT of a read-only "
		     "dma-buf: %d (%s)\n", ret, strerror(-ret));

	/* Read-only, it is granted, and the grantee reads vgem's bytes. */
	id = gntbuf_import(dev, prime, grantee.domid, PAGES,
			   GNTBUF_IMPORT_READ_ONLY, refs);
	igt_assert_f(__gntbuf_grantee_map(&grantee, refs, PAGES, true) != 0,
		     "the grantee mapped a read-only grant writable\n");
	gntbuf_grantee_map(&grantee, refs, PAGES, false);
	gntbuf_grantee_check(&grantee, SEED);
	gntbuf_grantee_unmap(&grantee);
	gntbuf_import_release(dev, id);
	gntbuf_wait_released(dev, id, 5000);
	close(prime);
	gntbuf_test_dumb_destroy(vgem, &dumb);
	close(vgem);
}

/* ---- s5: pages shared with one peer are bounded ---- */

static void test_s5_per_domain(void)
{
	long per_domain = __gntbuf_param_get("max_pages_per_domain");
	/* Two peers that need not exist: granting asks nothing of them. */
	const uint32_t peer_a = 0x7000, peer_b = 0x7001;
	uint32_t refs[PAGES];
	uint64_t id[3];
	int fd[3], ret;

	igt_assert_f(per_domain > 0, "max_pages_per_domain: %ld\n",
		     per_domain);
	gntbuf_param_set("max_pages_per_domain", 2 * PAGES);
	fd[0] = gntbuf_alloc(dev, peer_a, PAGES, 0, refs, &id[0]);
	fd[1] = gntbuf_alloc(dev, peer_a, PAGES, 0, refs, &id[1]);
	ret = __gntbuf_alloc(dev, peer_a, 1, 0, refs, &fd[2], &id[2]);
	/* Another peer has a budget of its own. */
	fd[2] = gntbuf_alloc(dev, peer_b, PAGES, 0, refs, &id[2]);
	gntbuf_param_set("max_pages_per_domain", per_domain);
	igt_assert_f(ret == -ENOSPC, "a page past the peer's limit: %d "
		     "(%s)\n", ret, strerror(-ret));
	for (int i = 0; i < 3; i++) {
		close(fd[i]);
		gntbuf_wait_released(dev, id[i], 5000);
	}
}

/* ---- s6 and l3: a foreign buffer's mmap is VM_IO ---- */

/* Whether [@addr, @addr + @len) is mapped in this process. */
static bool mapped_here(const void *addr, size_t len)
{
	unsigned long start, end, a = (unsigned long)addr;
	char line[512];
	bool found = false;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return true;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &start, &end) == 2 &&
		    start < a + len && a < end)
			found = true;
	fclose(f);
	return found;
}

static void test_s6_dofork_refused(void)
{
	struct gntbuf_grants g;
	uint8_t *map;
	uint64_t id;
	int fd, status, ret;
	bool pv;
	pid_t pid;

	gntbuf_grants_create(GNTBUF_SOURCE_FOREIGN_PV, PAGES, SEED, true, &g);
	fd = gntbuf_export(dev, g.domid, g.refs, PAGES, 0, &id);
	map = gntbuf_dmabuf_mmap(fd, BYTES, PROT_READ | PROT_WRITE);

	ret = madvise(map, BYTES, MADV_DOFORK);
	igt_assert_f(ret == -1, "madvise(MADV_DOFORK) on a foreign buffer's "
		     "mmap succeeded\n");
	igt_assert_eq(errno, EINVAL);

	/*
	 * PV: the child has no copy of the grant PTEs.  Auto-translated: the
	 * child's copy maps the same pages (its vma holds the dma-buf's file,
	 * so the grants stay mapped as long as it) and shows the same bytes.
	 */
	pv = pv_mappings();
	pid = fork();
	igt_assert(pid >= 0);
	if (pid == 0) {
		if (pv)
			_exit(mapped_here(map, BYTES) ? 1 : 0);
		_exit(gntbuf_pattern_mismatch_from(map, BYTES, SEED, 0) < 0 ?
		      0 : 2);
	}
	igt_assert_eq(waitpid(pid, &status, 0), pid);
	igt_assert_f(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		     pv ? "the child inherited the grant PTEs\n" :
		     "the child's copy of the mapping is wrong\n");
	gntbuf_pattern_check(map, BYTES, SEED);

	igt_assert_eq(munmap(map, BYTES), 0);
	close(fd);
	gntbuf_wait_released(dev, id, 5000);
	gntbuf_grants_destroy(&g);
}

static void test_l3_vmsplice_refused(void)
{
	struct gntbuf_grants g;
	struct iovec iov;
	uint8_t *map;
	int fd, pipefd[2], err;
	ssize_t ret;
	uint64_t id;

	gntbuf_grants_create(GNTBUF_SOURCE_FOREIGN_PV, PAGES, SEED, true, &g);
	fd = gntbuf_export(dev, g.domid, g.refs, PAGES, 0, &id);
	map = gntbuf_dmabuf_mmap(fd, BYTES, PROT_READ);
	igt_assert_eq(pipe(pipefd), 0);

	/* vmsplice pins the pages it splices (get_user_pages). */
	iov.iov_base = map;
	iov.iov_len = GNTBUF_TEST_PAGE_SIZE;
	ret = vmsplice(pipefd[1], &iov, 1, 0);
	err = errno;
	/* Let any pin go before the release, which would wait for it. */
	close(pipefd[0]);
	close(pipefd[1]);
	igt_assert_f(ret == -1, "vmsplice() pinned a page of a foreign "
		     "buffer\n");
	igt_assert_eq(err, EFAULT);

	igt_assert_eq(munmap(map, BYTES), 0);
	close(fd);
	gntbuf_wait_released(dev, id, 5000);
	gntbuf_grants_destroy(&g);
}

/* ---- l1: the release allocates nothing that can fail ---- */

static void test_l1_release_fail_nth(void)
{
	struct gntbuf_stats before, now;
	struct gntbuf_grants g;
	int n, fd, nth, injected = 0;
	uint64_t id;
	bool hit;

	nth = gntbuf_fail_nth_open();
	gntbuf_grants_create(GNTBUF_SOURCE_FOREIGN_PV, PAGES, SEED, true, &g);
	gntbuf_stats(dev, &before);
	for (n = 1; n < 64; n++) {
		fd = gntbuf_export(dev, g.domid, g.refs, PAGES, 0, &id);
		gntbuf_fail_nth_set(nth, n);
		/* The last close: the release runs in this task, on return. */
		close(fd);
		hit = gntbuf_fail_nth_injected(nth);
		gntbuf_stats(dev, &now);
		igt_info("fail-nth %d: %s, mapped_pages %llu\n", n,
			 hit ? "injected" : "not reached",
			 (unsigned long long)now.mapped_pages);
		gntbuf_wait_released(dev, id, 5000);
		gntbuf_assert_back_to(dev, &before, 2000);
		if (!hit)
			break;
		injected++;
	}
	igt_info("%d allocations failed on the release path, nothing "
		 "leaked\n", injected);
	close(nth);
	gntbuf_grants_destroy(&g);
}

/* ---- l4: ALLOC's pages are charged to the caller's memory cgroup ---- */

#define CGROOT "/sys/fs/cgroup"

static long cg_read_long(const char *cg, const char *file)
{
	char path[256], line[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	f = fopen(path, "r");
	igt_assert_f(f, "%s: %s\n", path, strerror(errno));
	igt_assert(fgets(line, sizeof(line), f));
	fclose(f);
	return atol(line);
}

static void cg_write(const char *cg, const char *file, const char *value)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	fd = open(path, O_WRONLY);
	igt_assert_f(fd >= 0, "%s: %s\n", path, strerror(errno));
	igt_assert_f(write(fd, value, strlen(value)) == (ssize_t)strlen(value),
		     "%s < %s: %s\n", path, value, strerror(errno));
	close(fd);
}

static void test_l4_memcg(void)
{
	const uint32_t count = 4096;	/* 16 MiB */
	const long bytes = (long)count * GNTBUF_TEST_PAGE_SIZE;
	uint32_t *refs = calloc(count, sizeof(*refs));
	char cg[128], pid[16];
	long cur0, cur1, cur2;
	uint64_t id;
	int fd;

	igt_assert(refs);
	if (access(CGROOT "/cgroup.subtree_control", F_OK))
		mount("cgroup2", CGROOT, "cgroup2", 0, NULL);
	igt_require_f(access(CGROOT "/cgroup.subtree_control", W_OK) == 0,
		      "no cgroup2 hierarchy at " CGROOT "\n");
	cg_write(CGROOT, "cgroup.subtree_control", "+memory");
	snprintf(cg, sizeof(cg), CGROOT "/gntbuf-l4-%d", (int)getpid());
	igt_assert_eq(mkdir(cg, 0755), 0);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	cg_write(cg, "cgroup.procs", pid);

	cur0 = cg_read_long(cg, "memory.current");
	fd = gntbuf_alloc(dev, GNTBUF_SELF, count, 0, refs, &id);
	cur1 = cg_read_long(cg, "memory.current");
	close(fd);
	gntbuf_wait_released(dev, id, 5000);
	cur2 = cg_read_long(cg, "memory.current");
	cg_write(CGROOT, "cgroup.procs", pid);
	rmdir(cg);

	igt_info("memory.current: %ld before, %ld with %u pages allocated, "
		 "%ld after the release\n", cur0, cur1, count, cur2);
	igt_assert_f(cur1 - cur0 >= bytes, "an ALLOC of %ld bytes charged "
		     "%ld to the caller's cgroup\n", bytes, cur1 - cur0);
	igt_assert_f(cur2 - cur0 < bytes / 4, "%ld bytes still charged after "
		     "the release\n", cur2 - cur0);
	free(refs);
}

/* ---- ABI: WAIT_RELEASED restarts; QUERY reports the enforced limit ---- */

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	alarms++;
}

static void arm_timer(unsigned int ms)
{
	struct itimerval t = { .it_value = { ms / 1000, (ms % 1000) * 1000 } };

	igt_assert_eq(setitimer(ITIMER_REAL, &t, NULL), 0);
}

static void test_abi_wait_restart(void)
{
	struct sigaction sa = { .sa_handler = on_alarm }, old;
	struct gntbuf_wait_released w = { 0 };
	struct gntbuf_grants g;
	struct timespec start;
	uint64_t id, ms;
	int fd, ret, err;

	gntbuf_grants_create(gntbuf_local_source(), PAGES, SEED, true, &g);
	fd = gntbuf_export(dev, g.domid, g.refs, PAGES, 0, &id);	/* held */
	w.buffer_id = id;

	/* SA_RESTART: the wait goes on after the handler, to its deadline. */
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, &old);
	alarms = 0;
	w.timeout_ms = 2000;
	igt_gettime(&start);
	arm_timer(1500);
	ret = ioctl(dev, GNTBUF_IOCTL_WAIT_RELEASED, &w);
	err = errno;	/* igt_gettime() clears errno */
	ms = igt_nsec_elapsed(&start) / 1000000;
	igt_info("SA_RESTART: %d (%s) after %llu ms, %d signal(s), "
		 "timeout_ms now %u\n", ret, ret ? strerror(err) : "ok",
		 (unsigned long long)ms, (int)alarms, w.timeout_ms);
	igt_assert_eq(alarms, 1);
	igt_assert_f(ret == -1 && err == ETIMEDOUT, "a restartable wait "
		     "ended with %s\n", ret ? strerror(err) : "success");
	/* Restarted with the time left, not with the full 2 s again. */
	igt_assert_lte_u64(1900, ms);
	igt_assert_f(ms < 3000, "the restarted wait took %llu ms of 2000\n",
		     (unsigned long long)ms);

	/* No SA_RESTART: EINTR, and the time left is written back. */
	sa.sa_flags = 0;
	sigaction(SIGALRM, &sa, NULL);
	w.timeout_ms = 5000;
	arm_timer(500);
	ret = ioctl(dev, GNTBUF_IOCTL_WAIT_RELEASED, &w);
	igt_assert_eq(ret, -1);
	igt_assert_eq(errno, EINTR);
	igt_info("no SA_RESTART: EINTR, timeout_ms now %u\n", w.timeout_ms);
	igt_assert_lt_u64(0, w.timeout_ms);
	igt_assert_lt_u64(w.timeout_ms, 5000);

	/* ABI 1's number: EINTR, nothing written back. */
	w.timeout_ms = 5000;
	arm_timer(500);
	ret = ioctl(dev, GNTBUF_IOCTL_WAIT_RELEASED_V1, &w);
	igt_assert_eq(ret, -1);
	igt_assert_eq(errno, EINTR);
	igt_assert_eq_u32(w.timeout_ms, 5000);
	sigaction(SIGALRM, &old, NULL);

	close(fd);
	gntbuf_wait_released(dev, id, 5000);
	gntbuf_grants_destroy(&g);
}

static void test_abi_query_capped(void)
{
	long per_file = __gntbuf_param_get("max_pages_per_file");
	const unsigned long hard_cap = 1ul << 20;
	struct gntbuf_query q;

	igt_assert_lt(0, per_file);
	gntbuf_param_set("max_pages_per_file", 2 * hard_cap);
	gntbuf_query(dev, &q);
	gntbuf_param_set("max_pages_per_file", per_file);
	igt_info("max_pages_per_file set to %lu: QUERY says %u\n",
		 2 * hard_cap, q.max_pages_per_file);
	igt_assert_eq_u32(q.max_pages_per_file, hard_cap);
	gntbuf_query(dev, &q);
	igt_assert_eq_u32(q.max_pages_per_file, per_file);
}

igt_main
{
	igt_fixture {
		dev = gntbuf_open();
	}

	igt_describe("S1: a foreign buffer in a PV dom0 takes at most "
		     "max_mmaps_per_buffer userspace mappings (each maps "
		     "every grant again in the maptrack blkback and netback "
		     "share), the next gets ENOSPC, and mapped pages count "
		     "in max_pages_total.");
	igt_subtest("s1-mmap-bounded")
		test_s1_mmap_bounded();

	igt_describe("S2: the reclaim work of a pending ALLOC buffer is "
		     "queued on the module's workqueue (xen-gntbuf, destroyed "
		     "at exit), never on system_wq, as the workqueue "
		     "tracepoint shows.");
	igt_subtest("s2-reclaim-on-own-workqueue")
		test_s2_own_workqueue();

	igt_describe("S3: 40 released 8100-page buffers whose ids were not "
		     "waited for hold less than 1 MiB of kernel memory.");
	igt_subtest("s3-released-buffers-hold-no-arrays")
		test_s3_released_metadata();

	igt_describe("S4: IMPORT of an O_RDONLY dma-buf without READ_ONLY "
		     "fails with EACCES; with READ_ONLY the grant is "
		     "read-only.");
	igt_subtest("s4-import-read-only-dmabuf")
		test_s4_import_read_only();

	igt_describe("S5: the live buffers shared with one peer domain hold "
		     "at most max_pages_per_domain pages (ENOSPC past it); "
		     "another peer has its own budget.  (The grants of a "
		     "peer that dies are ended: gntbuf_alloc's and "
		     "gntbuf_import's grantee-destroyed subtests.)");
	igt_subtest("s5-per-domain-limit")
		test_s5_per_domain();

	igt_describe("S6: madvise(MADV_DOFORK) on a foreign buffer's mmap "
		     "fails with EINVAL; in a PV domain a forked child has no "
		     "copy of the grant PTEs (auto-translated, its copy shows "
		     "the same bytes).");
	igt_subtest("s6-madv-dofork-refused")
		test_s6_dofork_refused();

	igt_describe("L1: with each allocation of the release path failed in "
		     "turn (fail-nth), closing a foreign buffer still unmaps "
		     "every grant.");
	igt_subtest("l1-release-under-fail-nth")
		test_l1_release_fail_nth();

	igt_describe("L3: vmsplice() of a foreign buffer's mmap fails with "
		     "EFAULT: no page pin for the release to wait on.");
	igt_subtest("l3-vmsplice-refused")
		test_l3_vmsplice_refused();

	igt_describe("L4: ALLOC's pages are charged to the caller's memory "
		     "cgroup and uncharged when freed.");
	igt_subtest("l4-alloc-charged-to-memcg")
		test_l4_memcg();

	igt_describe("ABI: WAIT_RELEASED interrupted by a signal restarts "
		     "with the time left under SA_RESTART (ending at its "
		     "deadline), returns EINTR with the time left without it, "
		     "and ABI 1's number returns EINTR.");
	igt_subtest("abi-wait-released-restart")
		test_abi_wait_restart();

	igt_describe("ABI: QUERY reports max_pages_per_file as enforced, "
		     "capped at 1048576 pages.");
	igt_subtest("abi-query-per-file-capped")
		test_abi_query_capped();

	igt_fixture {
		gntbuf_peer_stop_all();
		close(dev);
	}
}
