// SPDX-License-Identifier: MIT
/*
 * The gntdev fallback: gntdev's dma-buf ioctls (Linux's
 * CONFIG_XEN_GNTDEV_DMABUF, include/uapi/xen/gntdev.h) through
 * libxengnttab's xengnttab_dmabuf_* calls, and one-page grant maps for page
 * directories.
 *
 * libxengnttab's header promises negative errnos (-ETIMEDOUT, -ENOENT)
 * while its Linux implementation passes the ioctl's -1 and errno through;
 * xengnttab_rc() accepts both and returns a negative errno.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/mman.h>

#include "gntbuf-private.h"

#ifdef HAVE_XENGNTTAB

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <xen/sys/gntdev.h>
#include <xengnttab.h>
#include <xentoollog.h>

/*
 * libxengnttab logs its failures to stderr unless given a logger. A probe
 * that fails is an answer, not an error, so the library passes a logger
 * that drops every message.
 */
static void quiet_vmessage(struct xentoollog_logger *logger,
			   xentoollog_level level, int errnoval,
			   const char *context, const char *format, va_list al)
{
	(void)logger;
	(void)level;
	(void)errnoval;
	(void)context;
	(void)format;
	(void)al;
}

static void quiet_destroy(struct xentoollog_logger *logger)
{
	(void)logger;
}

static struct xentoollog_logger quiet_logger = {
	.vmessage = quiet_vmessage,
	.progress = NULL,
	.destroy = quiet_destroy,
};

static int xengnttab_rc(int rc)
{
	if (rc >= 0)
		return 0;
	if (rc == -1)
		return gntbuf_neg_errno();
	return rc;
}

/*
 * A gntdev handle: libxengnttab's, opened by the library (@xgt, whose own
 * file is @fd), or a file another process opened and handed over
 * (gntbuf_device_open_fd(): @xgt NULL, @fd the library's duplicate),
 * driven with gntdev's ioctls directly (Linux's include/uapi/xen/gntdev.h)
 * as libxengnttab's linux.c drives its own.
 */
struct gntbuf_gntdev {
	xengnttab_handle *xgt;
	int fd;
};

static int ioctl_rc(int fd, unsigned long request, void *arg)
{
	return ioctl(fd, request, arg) < 0 ? gntbuf_neg_errno() : 0;
}

int gntbuf_gntdev_open(void **handle)
{
	struct gntbuf_gntdev *g = calloc(1, sizeof(*g));
	xengnttab_handle *h;

	if (!g)
		return -ENOMEM;
	errno = 0;
	h = xengnttab_open(&quiet_logger, 0);
	if (!h) {
		int ret;

		switch (errno) {
		case ENOENT:
		case ENXIO:
		case ENODEV:
			ret = -ENODEV;
			break;
		default:
			ret = gntbuf_neg_errno();
			break;
		}
		free(g);
		return ret;
	}
	g->xgt = h;
	g->fd = xengnttab_fd(h);
	*handle = g;
	return 0;
}

int gntbuf_gntdev_open_fd(int fd, void **handle)
{
	struct gntbuf_gntdev *g = calloc(1, sizeof(*g));
	int ret;

	if (!g)
		return -ENOMEM;
	g->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (g->fd < 0) {
		ret = gntbuf_neg_errno();
		free(g);
		return ret;
	}
	*handle = g;
	return 0;
}

void gntbuf_gntdev_close(void *handle)
{
	struct gntbuf_gntdev *g = handle;

	if (!g)
		return;
	if (g->xgt)
		xengnttab_close(g->xgt);
	else
		close(g->fd);
	free(g);
}

/*
 * Asks gntdev to wait for an export it cannot have (fd -1): a kernel with
 * the dma-buf ioctls answers ENOENT (gntdev-dmabuf.c looks the fd up in its
 * list of exports), one without them ENOTTY (-ENOIOCTLCMD from
 * gntdev_ioctl()). The ioctl goes to the file itself:
 * xengnttab_dmabuf_exp_wait_released() turns ENOENT into success ("the
 * buffer may have already been released"), which would make both kernels
 * look alike.
 */
int gntbuf_gntdev_probe_dmabuf(void *handle)
{
	struct gntbuf_gntdev *g = handle;
	struct ioctl_gntdev_dmabuf_exp_wait_released wait = {
		.fd = UINT32_MAX,
		.wait_to_ms = 0,
	};

	if (g->fd < 0)
		return -EBADF;
	/* A wait for no export cannot succeed: not gntdev's dma-buf code. */
	if (ioctl(g->fd, IOCTL_GNTDEV_DMABUF_EXP_WAIT_RELEASED, &wait) == 0)
		return -EOPNOTSUPP;
	switch (errno) {
	case ENOENT:
		return 0;
	case ENOTTY:
	case EINVAL:
	case ENOSYS:
		return -EOPNOTSUPP;
	default:
		return gntbuf_neg_errno();
	}
}

int gntbuf_gntdev_exp_from_refs(void *handle, uint32_t domid, uint32_t flags,
				uint32_t count, const uint32_t *refs, int *fd)
{
	struct gntbuf_gntdev *g = handle;
	struct ioctl_gntdev_dmabuf_exp_from_refs *arg;
	uint32_t out_fd;
	int ret;

	/* flags: GNTDEV_DMA_FLAG_*; gntdev has no read-only export. */
	if (g->xgt) {
		errno = 0;
		ret = xengnttab_rc(xengnttab_dmabuf_exp_from_refs(g->xgt,
						domid, flags, count, refs,
						&out_fd));
		if (ret)
			return ret;
		*fd = (int)out_fd;
		return 0;
	}
	arg = calloc(1, sizeof(*arg) + (size_t)count * sizeof(arg->refs[0]));
	if (!arg)
		return -ENOMEM;
	arg->flags = flags;
	arg->count = count;
	arg->domid = domid;
	memcpy(arg->refs, refs, (size_t)count * sizeof(arg->refs[0]));
	ret = ioctl_rc(g->fd, IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS, arg);
	if (!ret)
		*fd = (int)arg->fd;
	free(arg);
	return ret;
}

int gntbuf_gntdev_exp_wait_released(void *handle, int fd, uint32_t timeout_ms)
{
	struct gntbuf_gntdev *g = handle;
	struct ioctl_gntdev_dmabuf_exp_wait_released arg = {
		.fd = (uint32_t)fd,
		.wait_to_ms = timeout_ms,
	};

	if (g->xgt) {
		errno = 0;
		return xengnttab_rc(xengnttab_dmabuf_exp_wait_released(g->xgt,
							(uint32_t)fd,
							timeout_ms));
	}
	return ioctl_rc(g->fd, IOCTL_GNTDEV_DMABUF_EXP_WAIT_RELEASED, &arg);
}

int gntbuf_gntdev_imp_to_refs(void *handle, uint32_t domid, int fd,
			      uint32_t count, uint32_t *refs)
{
	struct gntbuf_gntdev *g = handle;
	struct ioctl_gntdev_dmabuf_imp_to_refs *arg;
	int ret;

	if (g->xgt) {
		errno = 0;
		return xengnttab_rc(xengnttab_dmabuf_imp_to_refs(g->xgt, domid,
							(uint32_t)fd, count,
							refs));
	}
	arg = calloc(1, sizeof(*arg) + (size_t)count * sizeof(arg->refs[0]));
	if (!arg)
		return -ENOMEM;
	arg->fd = (uint32_t)fd;
	arg->count = count;
	arg->domid = domid;
	ret = ioctl_rc(g->fd, IOCTL_GNTDEV_DMABUF_IMP_TO_REFS, arg);
	if (!ret)
		memcpy(refs, arg->refs, (size_t)count * sizeof(arg->refs[0]));
	free(arg);
	return ret;
}

int gntbuf_gntdev_imp_release(void *handle, int fd)
{
	struct gntbuf_gntdev *g = handle;
	struct ioctl_gntdev_dmabuf_imp_release arg = { .fd = (uint32_t)fd };

	if (g->xgt) {
		errno = 0;
		return xengnttab_rc(xengnttab_dmabuf_imp_release(g->xgt,
								 (uint32_t)fd));
	}
	return ioctl_rc(g->fd, IOCTL_GNTDEV_DMABUF_IMP_RELEASE, &arg);
}

int gntbuf_gntdev_map_page(void *handle, uint32_t domid, uint32_t gref,
			   bool writable, void **page)
{
	struct gntbuf_gntdev *g = handle;
	struct ioctl_gntdev_map_grant_ref map = { .count = 1 };
	struct ioctl_gntdev_unmap_grant_ref unmap = { .count = 1 };
	int prot = PROT_READ | (writable ? PROT_WRITE : 0), ret;
	void *p;

	if (g->xgt) {
		errno = 0;
		p = xengnttab_map_grant_ref(g->xgt, domid, gref, prot);
		if (!p)
			return gntbuf_neg_errno();
		*page = p;
		return 0;
	}
	map.refs[0].domid = domid;
	map.refs[0].ref = gref;
	ret = ioctl_rc(g->fd, IOCTL_GNTDEV_MAP_GRANT_REF, &map);
	if (ret)
		return ret;
	p = mmap(NULL, 4096, prot, MAP_SHARED, g->fd, (off_t)map.index);
	if (p == MAP_FAILED) {
		ret = gntbuf_neg_errno();
		unmap.index = map.index;
		ioctl(g->fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &unmap);
		return ret;
	}
	*page = p;
	return 0;
}

int gntbuf_gntdev_unmap_page(void *handle, void *page)
{
	struct gntbuf_gntdev *g = handle;
	struct ioctl_gntdev_get_offset_for_vaddr where = {
		.vaddr = (uintptr_t)page,
	};
	struct ioctl_gntdev_unmap_grant_ref unmap = { .count = 1 };
	int ret;

	if (g->xgt) {
		errno = 0;
		return xengnttab_rc(xengnttab_unmap(g->xgt, page, 1));
	}
	ret = ioctl_rc(g->fd, IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR, &where);
	if (ret)
		return ret;
	if (munmap(page, 4096) < 0)
		return gntbuf_neg_errno();
	unmap.index = where.offset;
	return ioctl_rc(g->fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &unmap);
}

#else /* !HAVE_XENGNTTAB */

#include <unistd.h>

int gntbuf_gntdev_open_fd(int fd, void **handle)
{
	(void)fd, (void)handle;
	return -EOPNOTSUPP;
}

/* Built without libxengnttab: -ENODEV still tells "no Xen here". */
int gntbuf_gntdev_open(void **xgt)
{
	(void)xgt;
	if (access("/dev/xen/gntdev", F_OK) != 0)
		return -ENODEV;
	return -EOPNOTSUPP;
}

void gntbuf_gntdev_close(void *xgt)
{
	(void)xgt;
}

int gntbuf_gntdev_probe_dmabuf(void *xgt)
{
	(void)xgt;
	return -EOPNOTSUPP;
}

int gntbuf_gntdev_exp_from_refs(void *xgt, uint32_t domid, uint32_t flags,
				uint32_t count, const uint32_t *refs, int *fd)
{
	(void)xgt, (void)domid, (void)flags, (void)count, (void)refs, (void)fd;
	return -EOPNOTSUPP;
}

int gntbuf_gntdev_exp_wait_released(void *xgt, int fd, uint32_t timeout_ms)
{
	(void)xgt, (void)fd, (void)timeout_ms;
	return -EOPNOTSUPP;
}

int gntbuf_gntdev_imp_to_refs(void *xgt, uint32_t domid, int fd,
			      uint32_t count, uint32_t *refs)
{
	(void)xgt, (void)domid, (void)fd, (void)count, (void)refs;
	return -EOPNOTSUPP;
}

int gntbuf_gntdev_imp_release(void *xgt, int fd)
{
	(void)xgt, (void)fd;
	return -EOPNOTSUPP;
}

int gntbuf_gntdev_map_page(void *xgt, uint32_t domid, uint32_t gref,
			   bool writable, void **page)
{
	(void)xgt, (void)domid, (void)gref, (void)writable, (void)page;
	return -EOPNOTSUPP;
}

int gntbuf_gntdev_unmap_page(void *xgt, void *page)
{
	(void)xgt, (void)page;
	return -EOPNOTSUPP;
}

#endif /* HAVE_XENGNTTAB */
