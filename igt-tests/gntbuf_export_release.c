// SPDX-License-Identifier: MIT
/*
 * gntbuf_export, RELEASE_FD subtests: the pollable file of a buffer must
 * become readable exactly when the last holder lets go (an importer, a CPU
 * mapping, the peer domain that maps an ALLOC buffer's grants) and not
 * before, for poll() and epoll alike, for any number of waiters, and
 * after the device file that made it is closed.  Each "not before" is a
 * wait of hundreds of milliseconds that must time out: a file that became
 * readable early fails it.
 */
#include "igt.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <xf86drm.h>

#include "gntbuf_test.h"
#include "gntbuf_export_release.h"

#define PAGES 16
#define BYTES (PAGES * GNTBUF_TEST_PAGE_SIZE)
#define SEED 0x510e527fu
/* How long a file that must not be readable yet is watched, in ms. */
#define NOT_YET_MS 400
/* How long a release may take once the last holder let go, in ms. */
#define RELEASE_MS 5000
#define WAITERS 16

static int __release_fd(int dev, uint64_t id, uint32_t flags, int *fd)
{
	struct gntbuf_release_fd r = { .buffer_id = id, .flags = flags };
	int ret = __gntbuf_ioctl(dev, GNTBUF_IOCTL_RELEASE_FD, &r);

	if (!ret)
		*fd = r.fd;
	return ret;
}

static int release_fd(int dev, uint64_t id)
{
	int fd = -1, ret = __release_fd(dev, id, 0, &fd);
	int fdflags;

	igt_assert_f(ret == 0, "RELEASE_FD of buffer %llu: %s\n",
		     (unsigned long long)id, strerror(-ret));
	fdflags = fcntl(fd, F_GETFD);
	igt_assert(fdflags >= 0 && (fdflags & FD_CLOEXEC));
	return fd;
}

/* poll() of one file for @timeout_ms: its revents, 0 on timeout. */
static short poll_one(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n = poll(&p, 1, timeout_ms);

	igt_assert_f(n >= 0, "poll: %s\n", strerror(errno));
	return n ? p.revents : 0;
}

static void assert_not_yet(int rfd, const char *held_by)
{
	short revents = poll_one(rfd, NOT_YET_MS);

	igt_assert_f(revents == 0, "release fd readable (revents %#x) while "
		     "%s still holds the buffer\n", revents, held_by);
}

static void assert_released(int rfd, const char *after)
{
	short revents = poll_one(rfd, RELEASE_MS);

	igt_assert_f(revents == POLLIN,
		     "release fd not readable %d ms after %s (revents %#x)\n",
		     RELEASE_MS, after, revents);
}

/* /proc's fdinfo line "gntbuf-<key>:\t<value>" of @fd. */
static long long fdinfo_value(int fd, const char *key)
{
	char path[64], line[128], want[64];
	long long value = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	snprintf(want, sizeof(want), "gntbuf-%s:", key);
	f = fopen(path, "re");
	igt_assert(f);
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, want, strlen(want)) == 0)
			value = strtoll(line + strlen(want), NULL, 10);
	fclose(f);
	igt_assert_f(value >= 0, "%s: no %s\n", path, want);
	return value;
}

static int epoll_with(int rfd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };
	int ep = epoll_create1(EPOLL_CLOEXEC);

	igt_assert(ep >= 0);
	igt_assert_eq(epoll_ctl(ep, EPOLL_CTL_ADD, rfd, &ev), 0);
	return ep;
}

/*
 * An export from grants held by vgem's import and by a CPU mapping, its
 * own fd closed: the release fd (and a second one, in an epoll set,
 * edge-triggered) stays quiet while either holds it, and turns readable
 * when the mapping, the last holder, goes.
 */
void test_release_fd_export(int dev, enum gntbuf_source src)
{
	struct drm_gem_close gem_close = { 0 };
	struct epoll_event ev;
	struct gntbuf_grants g;
	int fd, rfd, rfd2, ep, vgem, dummy;
	uint64_t id;
	void *map;
	char c;

	vgem = gntbuf_test_open_vgem();
	gntbuf_grants_create(src, PAGES, SEED, true, &g);
	fd = gntbuf_export(dev, g.domid, g.refs, g.count, 0, &id);
	rfd = release_fd(dev, id);
	rfd2 = release_fd(dev, id);
	igt_assert_eq(fdinfo_value(rfd, "buffer-id"), (long long)id);
	igt_assert_eq(fdinfo_value(rfd, "released"), 0);
	ep = epoll_create1(EPOLL_CLOEXEC);
	igt_assert(ep >= 0);
	ev.events = EPOLLIN | EPOLLET;
	ev.data.u64 = id;
	igt_assert_eq(epoll_ctl(ep, EPOLL_CTL_ADD, rfd2, &ev), 0);

	/* Only polled: read() and write() are refused. */
	igt_assert_eq(read(rfd, &c, 1), -1);
	igt_assert_eq(errno, EINVAL);
	igt_assert_eq(write(rfd, &c, 1), -1);
	igt_assert(errno == EINVAL || errno == EBADF);

	igt_assert_eq(drmPrimeFDToHandle(vgem, fd, &gem_close.handle), 0);
	map = gntbuf_dmabuf_mmap(fd, BYTES, PROT_READ);
	igt_assert_eq(poll_one(rfd, 0), 0);
	close(fd);
	assert_not_yet(rfd, "vgem and a mapping");
	igt_assert_eq(epoll_wait(ep, &ev, 1, 0), 0);

	do_ioctl(vgem, DRM_IOCTL_GEM_CLOSE, &gem_close);
	assert_not_yet(rfd, "a mapping");
	igt_assert_eq(epoll_wait(ep, &ev, 1, 0), 0);
	igt_assert_eq(fdinfo_value(rfd, "released"), 0);
	/* The blocking wait agrees. */
	igt_assert_eq(__gntbuf_wait_released(dev, id, 0), -ETIMEDOUT);

	igt_assert_eq(munmap(map, BYTES), 0);
	assert_released(rfd, "munmap of the last mapping");
	igt_assert_eq(epoll_wait(ep, &ev, 1, RELEASE_MS), 1);
	igt_assert(ev.events & EPOLLIN);
	igt_assert_eq_u64(ev.data.u64, id);
	/* Edge-triggered: one event for the one release. */
	igt_assert_eq(epoll_wait(ep, &ev, 1, 0), 0);
	igt_assert_eq(fdinfo_value(rfd, "released"), 1);

	/* The release fd does not forget the id; the wait does. */
	gntbuf_wait_released(dev, id, 0);
	igt_assert_eq(__release_fd(dev, id, 0, &dummy), -ENOENT);
	/* Readiness is for good, id forgotten or not; POLLRDNORM too. */
	igt_assert_eq(poll_one(rfd, 0), POLLIN);
	{
		struct pollfd q = { .fd = rfd, .events = POLLIN | POLLRDNORM };

		igt_assert_eq(poll(&q, 1, 0), 1);
		igt_assert_eq(q.revents, POLLIN | POLLRDNORM);
	}

	close(ep);
	close(rfd2);
	close(rfd);
	gntbuf_grants_end(&g, 3000);
	gntbuf_grants_destroy(&g);
	close(vgem);
}

/*
 * An ALLOC buffer mapped by its grantee (a PV or PVH domU, or dom0
 * itself): released here, it stays pending, and the release fd quiet,
 * until the grantee unmaps.
 */
void test_release_fd_alloc(int dev, enum gntbuf_source tgt)
{
	struct gntbuf_grantee grantee;
	uint32_t refs[PAGES];
	int fd, rfd, ep;
	struct epoll_event ev;
	uint64_t id;

	gntbuf_require_features(dev, GNTBUF_FEATURE_ALLOC);
	gntbuf_grantee_init(tgt, &grantee);
	fd = gntbuf_alloc(dev, grantee.domid, PAGES, 0, refs, &id);
	rfd = release_fd(dev, id);
	ep = epoll_with(rfd, id);
	gntbuf_grantee_map(&grantee, refs, PAGES, true);

	close(fd);
	assert_not_yet(rfd, "the grantee's mapping");
	igt_assert_eq(epoll_wait(ep, &ev, 1, 0), 0);
	igt_assert_eq(__gntbuf_wait_released(dev, id, 0), -ETIMEDOUT);

	gntbuf_grantee_unmap(&grantee);
	/* The module notices on its next retry of the grants' end (<= 1 s). */
	assert_released(rfd, "the grantee's unmap");
	igt_assert_eq(epoll_wait(ep, &ev, 1, 0), 1);
	igt_assert_eq_u64(ev.data.u64, id);
	gntbuf_wait_released(dev, id, 0);
	close(ep);
	close(rfd);
}

/*
 * Bad input and the edges: unknown and forgotten ids, flags, a bad
 * pointer, a buffer already released, the device file closed while the
 * release fd is polled (by another process), and many waiters on one
 * buffer (many files, and one file in many processes).
 */
void test_release_fd_edges(int dev)
{
	struct gntbuf_release_fd r;
	struct pollfd p[WAITERS];
	struct gntbuf_grants g;
	int fd, rfd, other, status, dummy = -1;
	uint64_t id;
	pid_t child[4];

	gntbuf_grants_create(gntbuf_local_source(), PAGES, SEED, true, &g);

	/* Ids never made, 0, and the largest: -ENOENT, no fd made. */
	igt_assert_eq(__release_fd(dev, 0, 0, &dummy), -ENOENT);
	igt_assert_eq(__release_fd(dev, ~0ull, 0, &dummy), -ENOENT);
	fd = gntbuf_export(dev, g.domid, g.refs, PAGES, 0, &id);
	igt_assert_eq(__release_fd(dev, id + 1000, 0, &dummy), -ENOENT);
	/* Flags: none defined. */
	igt_assert_eq(__release_fd(dev, id, 1, &dummy), -EINVAL);
	igt_assert_eq(__release_fd(dev, id, 0x80000000u, &dummy), -EINVAL);
	igt_assert_eq(dummy, -1);
	/* A pointer to nowhere. */
	igt_assert_eq(__gntbuf_ioctl(dev, GNTBUF_IOCTL_RELEASE_FD,
				     (void *)16), -EFAULT);
	/* Another open file does not know this file's ids. */
	other = gntbuf_open();
	igt_assert_eq(__release_fd(other, id, 0, &dummy), -ENOENT);
	close(other);
	/* Read-only argument memory: the reply cannot be written, no fd. */
	{
		void *ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		int before = open("/dev/null", O_RDONLY), after;

		igt_assert(ro != MAP_FAILED && before >= 0);
		close(before);
		memset(&r, 0, sizeof(r));
		r.buffer_id = id;
		memcpy(ro, &r, sizeof(r));
		igt_assert_eq(mprotect(ro, 4096, PROT_READ), 0);
		igt_assert_eq(__gntbuf_ioctl(dev, GNTBUF_IOCTL_RELEASE_FD, ro),
			      -EFAULT);
		/* The fd number it would have had is free again. */
		after = open("/dev/null", O_RDONLY);
		igt_assert_eq(after, before);
		close(after);
		munmap(ro, 4096);
	}

	/* Many waiters: WAITERS files for one buffer, one poll() for all. */
	for (int i = 0; i < WAITERS; i++) {
		p[i].fd = release_fd(dev, id);
		p[i].events = POLLIN;
	}
	/* And processes blocked in poll() on one of them. */
	for (int i = 0; i < 4; i++) {
		child[i] = fork();
		igt_assert(child[i] >= 0);
		if (child[i] == 0) {
			struct pollfd c = { .fd = p[i].fd, .events = POLLIN };

			/* Not a holder of the dma-buf itself. */
			close(fd);

			_exit(poll(&c, 1, 20000) == 1 &&
			      (c.revents & POLLIN) ? 0 : 1);
		}
	}
	igt_assert_eq(poll(p, WAITERS, NOT_YET_MS), 0);
	close(fd);
	/* No holder left: released at the close. */
	igt_assert_eq(poll(p, WAITERS, RELEASE_MS), WAITERS);
	for (int i = 0; i < WAITERS; i++) {
		igt_assert_eq(p[i].revents, POLLIN);
		close(p[i].fd);
	}
	for (int i = 0; i < 4; i++) {
		igt_assert_eq(waitpid(child[i], &status, 0), child[i]);
		igt_assert_f(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			     "waiter process %d did not see the release\n", i);
	}

	/* Already released, not yet waited for: readable at once. */
	rfd = release_fd(dev, id);
	igt_assert_eq(poll_one(rfd, 0), POLLIN);
	close(rfd);
	gntbuf_wait_released(dev, id, 0);
	igt_assert_eq(__release_fd(dev, id, 0, &dummy), -ENOENT);

	/*
	 * The device file closed while a process polls: the release fd
	 * stays valid and quiet, and turns readable at the release.
	 */
	other = gntbuf_open();
	fd = gntbuf_export(other, g.domid, g.refs, PAGES, 0, &id);
	rfd = release_fd(other, id);
	child[0] = fork();
	igt_assert(child[0] >= 0);
	if (child[0] == 0) {
		struct pollfd c = { .fd = rfd, .events = POLLIN };

		close(other);
		close(fd);
		_exit(poll(&c, 1, 20000) == 1 && (c.revents & POLLIN) ?
		      0 : 1);
	}
	close(other);
	assert_not_yet(rfd, "the dma-buf's fd (device file closed)");
	igt_assert_eq(waitpid(child[0], &status, WNOHANG), 0);
	close(fd);
	assert_released(rfd, "the close of the dma-buf");
	igt_assert_eq(waitpid(child[0], &status, 0), child[0]);
	igt_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	igt_assert_eq(fdinfo_value(rfd, "buffer-id"), (long long)id);
	close(rfd);

	gntbuf_grants_end(&g, 3000);
	gntbuf_grants_destroy(&g);
}

/*
 * A release fd holds the module: rmmod is refused while one is open,
 * even after its buffer is released and its device file closed.
 */
void test_release_fd_holds_module(int *dev)
{
	struct gntbuf_grants g;
	int fd, rfd;
	uint64_t id;

	gntbuf_grants_create(gntbuf_local_source(), PAGES, SEED, true, &g);
	fd = gntbuf_export(*dev, g.domid, g.refs, PAGES, 0, &id);
	rfd = release_fd(*dev, id);
	close(fd);
	assert_released(rfd, "the close of the dma-buf");
	close(*dev);
	*dev = -1;
	igt_assert_eq(__gntbuf_module_unload(), -EAGAIN);
	igt_assert_eq(poll_one(rfd, 0), POLLIN);
	close(rfd);
	igt_assert_eq(__gntbuf_module_unload(), 0);
	gntbuf_grants_end(&g, 3000);
	gntbuf_grants_destroy(&g);
	gntbuf_module_reload();
	*dev = gntbuf_open();
	gntbuf_assert_idle(*dev, 0);
}
