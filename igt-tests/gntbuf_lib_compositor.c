// SPDX-License-Identifier: MIT
/*
 * gntbuf_lib: what a compositor needs (issue 14, item 5): a pollable
 * release (gntbuf_buffer_get_release_fd()), a device from an fd another
 * process opened (gntbuf_device_open_fd()), and the dma-buf attributes of
 * an image (gntbuf_buffer_get_dmabuf_attributes()).
 */
#include "gntbuf_lib.h"

#include <sys/epoll.h>
#include <sys/socket.h>

/* How long a file that must not be readable yet is watched, in ms. */
#define NOT_YET_MS 400
#define RELEASE_MS 5000

static short poll_in(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n = poll(&p, 1, timeout_ms);

	igt_assert_f(n >= 0, "poll: %s\n", strerror(errno));
	return n ? p.revents : 0;
}

static bool same_file(int a, int b)
{
	struct stat sa, sb;

	igt_assert_eq(fstat(a, &sa), 0);
	igt_assert_eq(fstat(b, &sb), 0);
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/*
 * A buffer from grefs held by a dup of its dma-buf (a compositor's), an
 * allocated one mapped by its grantee, and one destroyed (its device
 * closed) before its release: each release fd is quiet while a holder
 * is left and readable when the last goes.
 */
void test_release_fd(enum gntbuf_source s)
{
	struct gntbuf_device *d;
	struct gntbuf_buffer *buf;
	struct gntbuf_grantee ge;
	struct gntbuf_grants g;
	struct epoll_event ev = { .events = EPOLLIN };
	const uint32_t *refs;
	int fd, rfd, ep, dummy = -1;

	if (on_gntdev()) {
		struct cpu_buffer cb;
		struct gntbuf_caps caps;

		/* gntdev's release can only be waited for. */
		igt_assert_eq(gntbuf_device_get_caps(dev, &caps), 0);
		igt_assert(!(caps.caps & GNTBUF_CAP_RELEASE_FD));
		cpu_buffer_create(dev, PAGES, &cb);
		igt_assert_eq(gntbuf_buffer_get_release_fd(cb.buf, &dummy),
			      -EOPNOTSUPP);
		igt_assert_eq(dummy, -1);
		igt_assert_eq(gntbuf_buffer_wait_released(cb.buf, 5000), 0);
		cpu_buffer_destroy(&cb);
		return;
	}
	{
		struct gntbuf_query q;
		struct gntbuf_caps caps;

		gntbuf_query(raw, &q);
		igt_assert(q.features & GNTBUF_FEATURE_RELEASE_FD);
		igt_assert_eq(gntbuf_device_get_caps(dev, &caps), 0);
		igt_assert(caps.caps & GNTBUF_CAP_RELEASE_FD);
	}

	/* From grefs, a compositor's dup holding it. */
	gntbuf_grants_create(s, PAGES, SEED_A, true, &g);
	igt_assert_eq(gntbuf_buffer_from_refs(dev, g.domid, g.refs, PAGES, 0,
					      &buf), 0);
	igt_assert_eq(gntbuf_buffer_dup_fd(buf, &fd), 0);
	igt_assert_eq(gntbuf_buffer_get_release_fd(NULL, &rfd), -EINVAL);
	igt_assert_eq(gntbuf_buffer_get_release_fd(buf, NULL), -EINVAL);
	igt_assert_eq(gntbuf_buffer_get_release_fd(buf, &rfd), 0);
	check_cloexec(rfd);
	igt_assert_eq(poll_in(rfd, 0), 0);
	/* The buffer's own hold goes; the wait does not block. */
	igt_assert_eq(gntbuf_buffer_wait_released(buf, 0), -ETIMEDOUT);
	igt_assert_f(poll_in(rfd, NOT_YET_MS) == 0,
		     "readable while the compositor's dup holds the buffer\n");
	close(fd);
	igt_assert_eq(poll_in(rfd, RELEASE_MS), POLLIN);
	igt_assert_eq(gntbuf_buffer_wait_released(buf, 0), 0);
	/* Released: an fd that is ready at once. */
	igt_assert_eq(gntbuf_buffer_get_release_fd(buf, &fd), 0);
	check_cloexec(fd);
	igt_assert_eq(poll_in(fd, 0), POLLIN);
	close(fd);
	gntbuf_buffer_destroy(buf);
	igt_assert_eq(poll_in(rfd, 0), POLLIN);
	close(rfd);
	gntbuf_grants_end(&g, 5000);

	/* Allocated, mapped by the grantee: epoll says when it unmaps. */
	gntbuf_grantee_init(s, &ge);
	igt_assert_eq(gntbuf_buffer_alloc(dev, ge.domid, PAGES, 0, &buf), 0);
	refs = gntbuf_buffer_get_refs(buf, NULL);
	gntbuf_grantee_map(&ge, refs, PAGES, true);
	igt_assert_eq(gntbuf_buffer_get_release_fd(buf, &rfd), 0);
	ep = epoll_create1(EPOLL_CLOEXEC);
	igt_assert(ep >= 0);
	ev.data.ptr = buf;
	igt_assert_eq(epoll_ctl(ep, EPOLL_CTL_ADD, rfd, &ev), 0);
	igt_assert_eq(gntbuf_buffer_wait_released(buf, 0), -ETIMEDOUT);
	igt_assert_f(epoll_wait(ep, &ev, 1, NOT_YET_MS) == 0,
		     "readable while the grantee maps the pages\n");
	gntbuf_grantee_unmap(&ge);
	igt_assert_eq(epoll_wait(ep, &ev, 1, RELEASE_MS), 1);
	igt_assert(ev.data.ptr == buf && (ev.events & EPOLLIN));
	igt_assert_eq(gntbuf_buffer_wait_released(buf, 0), 0);
	gntbuf_buffer_destroy(buf);
	close(ep);
	close(rfd);

	/*
	 * Destroyed without a wait, its device closed: the release fd
	 * outlives both and still tells when the grantee lets go.
	 */
	d = lib_open(BACKEND);
	igt_assert_eq(gntbuf_buffer_alloc(d, ge.domid, PAGES, 0, &buf), 0);
	refs = gntbuf_buffer_get_refs(buf, NULL);
	gntbuf_grantee_map(&ge, refs, PAGES, true);
	igt_assert_eq(gntbuf_buffer_get_release_fd(buf, &rfd), 0);
	gntbuf_buffer_destroy(buf);
	gntbuf_device_close(d);
	igt_assert_f(poll_in(rfd, NOT_YET_MS) == 0,
		     "readable while the grantee maps the pages\n");
	gntbuf_grantee_unmap(&ge);
	igt_assert_eq(poll_in(rfd, RELEASE_MS), POLLIN);
	close(rfd);
}

/*
 * A device from an fd of /dev/xen/gntbuf that another process opened:
 * borrowed (the caller closes its own, the device goes on), checked
 * (every other kind of file refused with its errno, nothing leaked).
 */
void test_device_open_fd(void)
{
	struct gntbuf_device *d = SENTINEL, *by_path;
	struct gntbuf_caps caps, caps_path;
	struct gntbuf_counters counters;
	struct gntbuf_buffer *buf;
	int fd, other, pipefd[2], sv[2], nfds;
	struct msghdr msg = { 0 };
	char cbuf[CMSG_SPACE(sizeof(int))], byte = 0;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct cmsghdr *cmsg;

	/* Handed over a Unix socket, as from a privileged helper. */
	igt_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
		      0);
	other = open(GNTBUF_TEST_DEVICE, O_RDWR | O_CLOEXEC);
	igt_assert(other >= 0);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf;
	msg.msg_controllen = sizeof(cbuf);
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &other, sizeof(int));
	igt_assert_eq(sendmsg(sv[0], &msg, 0), 1);
	close(other);
	igt_assert_eq(recvmsg(sv[1], &msg, MSG_CMSG_CLOEXEC), 1);
	cmsg = CMSG_FIRSTHDR(&msg);
	igt_assert(cmsg && cmsg->cmsg_type == SCM_RIGHTS);
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	close(sv[0]);
	close(sv[1]);

	nfds = gntbuf_test_count_fds();
	igt_assert_eq(gntbuf_device_open_fd(fd, GNTBUF_BACKEND_AUTO, &d), 0);
	/* The library has its own duplicate: one more fd, and ours stays. */
	igt_assert_eq(gntbuf_test_count_fds(), nfds + 1);
	igt_assert(fcntl(fd, F_GETFD) >= 0);
	igt_assert_eq(gntbuf_device_get_backend(d), GNTBUF_BACKEND_MODULE);
	by_path = lib_open(GNTBUF_BACKEND_MODULE);
	igt_assert_eq(gntbuf_device_get_caps(d, &caps), 0);
	igt_assert_eq(gntbuf_device_get_caps(by_path, &caps_path), 0);
	igt_assert(memcmp(&caps, &caps_path, sizeof(caps)) == 0);
	gntbuf_device_close(by_path);
	/* Ours closed at once: the device goes on with its own. */
	close(fd);
	igt_assert_eq(gntbuf_device_get_counters(d, &counters), 0);
	igt_assert_eq(gntbuf_buffer_alloc(d, GNTBUF_SELF, 4, 0, &buf), 0);
	igt_assert_eq(gntbuf_buffer_wait_released(buf, 5000), 0);
	gntbuf_buffer_destroy(buf);
	gntbuf_device_close(d);
	igt_assert_eq(gntbuf_test_count_fds(), nfds - 1);

	/* Asked for the module explicitly: the same. */
	fd = open(GNTBUF_TEST_DEVICE, O_RDWR | O_CLOEXEC);
	igt_assert(fd >= 0);
	d = SENTINEL;
	igt_assert_eq(gntbuf_device_open_fd(fd, GNTBUF_BACKEND_MODULE, &d), 0);
	gntbuf_device_close(d);

	/* What is refused, with nothing written and no fd left behind. */
	nfds = gntbuf_test_count_fds();
	d = SENTINEL;
	igt_assert_eq(gntbuf_device_open_fd(fd, GNTBUF_BACKEND_AUTO, NULL),
		      -EINVAL);
	igt_assert_eq(gntbuf_device_open_fd(fd, (enum gntbuf_backend)9, &d),
		      -EINVAL);
	/* The module's file is not gntdev's. */
	igt_assert_eq(gntbuf_device_open_fd(fd, GNTBUF_BACKEND_GNTDEV, &d),
		      -ENODEV);
	close(fd);
	igt_assert_eq(gntbuf_device_open_fd(-1, GNTBUF_BACKEND_AUTO, &d),
		      -EBADF);
	/* A number that was just closed. */
	igt_assert_eq(gntbuf_device_open_fd(fd, GNTBUF_BACKEND_AUTO, &d),
		      -EBADF);
	/* An O_PATH file of the right node: ioctls refuse it. */
	fd = open(GNTBUF_TEST_DEVICE, O_PATH | O_CLOEXEC);
	igt_assert(fd >= 0);
	igt_assert_eq(gntbuf_device_open_fd(fd, GNTBUF_BACKEND_AUTO, &d),
		      -EBADF);
	close(fd);
	/* Other character devices, a pipe, a memfd, a folder. */
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	igt_assert_eq(gntbuf_device_open_fd(fd, GNTBUF_BACKEND_AUTO, &d),
		      -ENODEV);
	igt_assert_eq(gntbuf_device_open_fd(fd, GNTBUF_BACKEND_GNTDEV, &d),
		      -ENODEV);
	close(fd);
	fd = __gntbuf_test_open_vgem();
	if (fd >= 0) {
		igt_assert_eq(gntbuf_device_open_fd(fd, GNTBUF_BACKEND_AUTO,
						    &d), -ENODEV);
		close(fd);
	}
	igt_assert_eq(pipe2(pipefd, O_CLOEXEC), 0);
	igt_assert_eq(gntbuf_device_open_fd(pipefd[0], GNTBUF_BACKEND_AUTO,
					    &d), -ENODEV);
	close(pipefd[0]);
	close(pipefd[1]);
	fd = syscall(SYS_memfd_create, "not-gntbuf", 1u /* MFD_CLOEXEC */);
	igt_assert(fd >= 0);
	igt_assert_eq(gntbuf_device_open_fd(fd, GNTBUF_BACKEND_AUTO, &d),
		      -ENODEV);
	close(fd);
	fd = open("/dev/xen", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	igt_assert(fd >= 0);
	igt_assert_eq(gntbuf_device_open_fd(fd, GNTBUF_BACKEND_AUTO, &d),
		      -ENODEV);
	close(fd);
	/* gntdev's file is not the module's. */
	fd = open("/dev/xen/gntdev", O_RDWR | O_CLOEXEC);
	igt_assert(fd >= 0);
	igt_assert_eq(gntbuf_device_open_fd(fd, GNTBUF_BACKEND_MODULE, &d),
		      -ENODEV);
	close(fd);
	igt_assert(d == SENTINEL);
	igt_assert_eq(gntbuf_test_count_fds(), nfds - 1);
}

/*
 * A gntdev file handed over: where gntdev has its dma-buf ioctls (the rig's
 * --gntdev-dmabuf), a device of the gntdev backend with the caps of one
 * opened by path, whose imports and page-directory maps go through that
 * file (the caller's copy closed); where it has not (Debian's kernel),
 * -EOPNOTSUPP, as gntbuf_device_open() answers.
 */
void test_device_open_fd_gntdev(void)
{
	struct gntbuf_device *d = SENTINEL, *by_path = NULL;
	struct gntbuf_caps caps, caps_path;
	struct gntbuf_share share;
	struct cpu_buffer cb;
	uint32_t refs[3] = { 7, 8, 9 }, out[3], dir_ref;
	int fd, ret, nfds;

	fd = open("/dev/xen/gntdev", O_RDWR | O_CLOEXEC);
	igt_require_f(fd >= 0, "no /dev/xen/gntdev\n");
	nfds = gntbuf_test_count_fds();
	ret = gntbuf_device_open_fd(fd, GNTBUF_BACKEND_AUTO, &d);
	if (__lib_open(GNTBUF_BACKEND_GNTDEV, &by_path) == -EOPNOTSUPP) {
		igt_assert_eq(ret, -EOPNOTSUPP);
		igt_assert(d == SENTINEL);
		igt_assert_eq(gntbuf_test_count_fds(), nfds);
		close(fd);
		igt_info("gntdev without dma-buf ioctls: -EOPNOTSUPP\n");
		return;
	}
	igt_assert_f(ret == 0, "open_fd(gntdev): %s\n", strerror(-ret));
	close(fd);
	igt_assert_eq(gntbuf_device_get_backend(d), GNTBUF_BACKEND_GNTDEV);
	igt_assert_eq(gntbuf_device_get_caps(d, &caps), 0);
	igt_assert_eq(gntbuf_device_get_caps(by_path, &caps_path), 0);
	igt_assert(memcmp(&caps, &caps_path, sizeof(caps)) == 0);
	gntbuf_device_close(by_path);

	/* gntdev's IMP_TO_REFS and IMP_RELEASE through the handed-over file. */
	cpu_buffer_create(d, PAGES, &cb);
	igt_assert_eq(gntbuf_buffer_wait_released(cb.buf, 5000), 0);
	cpu_buffer_destroy(&cb);

	/* A page directory mapped through it (a domain's own grants). */
	if (!gntbuf_in_domu()) {
		gntbuf_share_pages(GNTBUF_SELF, 1, true, &share);
		dir_ref = share.refs[0];
		igt_assert_eq(gntbuf_pgdir_encode(refs, 3, &dir_ref, 1,
						  share.map), 0);
		memset(out, 0, sizeof(out));
		igt_assert_eq(gntbuf_device_read_pgdir(d, GNTBUF_SELF, dir_ref,
						       3 * 4096, out, 3), 0);
		igt_assert(memcmp(out, refs, sizeof(refs)) == 0);
		gntbuf_unshare(&share);
	}
	gntbuf_device_close(d);
}

/*
 * The attributes a compositor's zwp_linux_buffer_params_v1.add takes, for
 * a one-plane and a two-plane image in a buffer: the layout's offsets and
 * strides, LINEAR, and per plane a new fd of the buffer's own dma-buf
 * (vgem's PRIME import finds the same object through each).
 */
void test_dmabuf_attributes(void)
{
	struct gntbuf_dmabuf_attributes a, untouched;
	struct gntbuf_layout layout;
	struct cpu_buffer cb;
	uint32_t h_own, h_plane;
	int own, vgem, saved[2], ret;

	vgem = gntbuf_test_open_vgem();
	cpu_buffer_create(dev, PAGES, &cb);
	igt_assert_eq(gntbuf_buffer_dup_fd(cb.buf, &own), 0);
	igt_assert_eq(drmPrimeFDToHandle(vgem, own, &h_own), 0);

	/* XRGB8888 64x64, rows aligned to 256 bytes. */
	igt_assert_eq(gntbuf_layout_init(&layout, DRM_FORMAT_XRGB8888, 64, 64,
					 256), 0);
	igt_assert_eq(gntbuf_buffer_get_dmabuf_attributes(cb.buf, &layout, &a),
		      0);
	igt_assert_eq_u32(a.width, 64);
	igt_assert_eq_u32(a.height, 64);
	igt_assert_eq_u32(a.fourcc, DRM_FORMAT_XRGB8888);
	igt_assert_eq_u32(a.num_planes, 1);
	igt_assert_eq_u64(a.modifier, DRM_FORMAT_MOD_LINEAR);
	igt_assert_eq_u32(a.offsets[0], 0);
	igt_assert_eq_u32(a.strides[0], 256);
	igt_assert(a.fds[0] >= 0 && a.fds[0] != own);
	for (int i = 1; i < (int)GNTBUF_MAX_PLANES; i++)
		igt_assert_eq(a.fds[i], -1);
	check_cloexec(a.fds[0]);
	igt_assert(same_file(a.fds[0], own));
	igt_assert_eq_u64(gntbuf_dmabuf_size(a.fds[0]), BYTES);
	igt_assert_eq(drmPrimeFDToHandle(vgem, a.fds[0], &h_plane), 0);
	igt_assert_eq_u32(h_plane, h_own);
	saved[0] = a.fds[0];
	gntbuf_dmabuf_attributes_finish(&a);
	igt_assert_eq(a.fds[0], -1);
	igt_assert(fcntl(saved[0], F_GETFD) < 0 && errno == EBADF);
	gntbuf_dmabuf_attributes_finish(&a);
	gntbuf_dmabuf_attributes_finish(NULL);

	/* NV12 64x64: the chroma plane after the luma, an fd each. */
	igt_assert_eq(gntbuf_layout_init(&layout, DRM_FORMAT_NV12, 64, 64, 1),
		      0);
	/* DRM_FORMAT_MOD_INVALID ("implicit") is given as LINEAR. */
	layout.modifier = DRM_FORMAT_MOD_INVALID;
	igt_assert_eq(gntbuf_buffer_get_dmabuf_attributes(cb.buf, &layout, &a),
		      0);
	igt_assert_eq_u32(a.num_planes, 2);
	igt_assert_eq_u64(a.modifier, DRM_FORMAT_MOD_LINEAR);
	igt_assert_eq_u32(a.offsets[0], 0);
	igt_assert_eq_u32(a.offsets[1], 64 * 64);
	igt_assert_eq_u32(a.strides[0], 64);
	igt_assert_eq_u32(a.strides[1], 64);
	igt_assert(a.fds[0] >= 0 && a.fds[1] >= 0 && a.fds[0] != a.fds[1]);
	igt_assert(same_file(a.fds[0], own) && same_file(a.fds[1], own));
	igt_assert_eq(a.fds[2], -1);
	saved[0] = a.fds[0];
	saved[1] = a.fds[1];
	gntbuf_dmabuf_attributes_finish(&a);
	igt_assert(fcntl(saved[0], F_GETFD) < 0 && fcntl(saved[1], F_GETFD) < 0);

	/* Refused, the attributes untouched. */
	memset(&a, 0x5a, sizeof(a));
	untouched = a;
	igt_assert_eq(gntbuf_buffer_get_dmabuf_attributes(NULL, &layout, &a),
		      -EINVAL);
	igt_assert_eq(gntbuf_buffer_get_dmabuf_attributes(cb.buf, NULL, &a),
		      -EINVAL);
	igt_assert_eq(gntbuf_buffer_get_dmabuf_attributes(cb.buf, &layout,
							  NULL), -EINVAL);
	layout.modifier = I915_FORMAT_MOD_X_TILED;
	igt_assert_eq(gntbuf_buffer_get_dmabuf_attributes(cb.buf, &layout, &a),
		      -EOPNOTSUPP);
	/* 256x256 XRGB8888 is 256 KiB: not in a 64 KiB buffer. */
	igt_assert_eq(gntbuf_layout_init(&layout, DRM_FORMAT_XRGB8888, 256, 256,
					 1), 0);
	igt_assert_eq(gntbuf_buffer_get_dmabuf_attributes(cb.buf, &layout, &a),
		      -ERANGE);
	/* A stride too small for the row. */
	igt_assert_eq(gntbuf_layout_init(&layout, DRM_FORMAT_XRGB8888, 64, 64,
					 1), 0);
	layout.strides[0] = 4;
	igt_assert_eq(gntbuf_buffer_get_dmabuf_attributes(cb.buf, &layout, &a),
		      -EINVAL);
	igt_assert(memcmp(&a, &untouched, sizeof(a)) == 0);

	/* Once the buffer let its dma-buf go: -EBADF. */
	igt_assert_eq(gntbuf_layout_init(&layout, DRM_FORMAT_XRGB8888, 64, 64,
					 1), 0);
	close(own);
	/* vgem's handle holds it (gntdev's imports are let go at once). */
	ret = gntbuf_buffer_wait_released(cb.buf, 0);
	igt_assert(ret == -ETIMEDOUT || (on_gntdev() && ret == 0));
	igt_assert_eq(gntbuf_buffer_get_dmabuf_attributes(cb.buf, &layout, &a),
		      -EBADF);
	igt_assert(memcmp(&a, &untouched, sizeof(a)) == 0);
	igt_assert_eq(drmCloseBufferHandle(vgem, h_own), 0);
	igt_assert_eq(gntbuf_buffer_wait_released(cb.buf, 5000), 0);
	cpu_buffer_destroy(&cb);
	close(vgem);
}
