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

#include <sys/ioctl.h>

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

int gntbuf_gntdev_open(void **xgt)
{
	xengnttab_handle *h;

	errno = 0;
	h = xengnttab_open(&quiet_logger, 0);
	if (!h) {
		switch (errno) {
		case ENOENT:
		case ENXIO:
		case ENODEV:
			return -ENODEV;
		default:
			return gntbuf_neg_errno();
		}
	}
	*xgt = h;
	return 0;
}

void gntbuf_gntdev_close(void *xgt)
{
	if (xgt)
		xengnttab_close(xgt);
}

/*
 * Asks gntdev to wait for an export it cannot have (fd -1): a kernel with
 * the dma-buf ioctls answers ENOENT (gntdev-dmabuf.c looks the fd up in its
 * list of exports), one without them ENOTTY (-ENOIOCTLCMD from
 * gntdev_ioctl()). The ioctl goes to libxengnttab's own fd:
 * xengnttab_dmabuf_exp_wait_released() turns ENOENT into success ("the
 * buffer may have already been released"), which would make both kernels
 * look alike.
 */
int gntbuf_gntdev_probe_dmabuf(void *xgt)
{
	struct ioctl_gntdev_dmabuf_exp_wait_released wait = {
		.fd = UINT32_MAX,
		.wait_to_ms = 0,
	};
	int fd = xengnttab_fd(xgt);

	if (fd < 0)
		return -EBADF;
	/* A wait for no export cannot succeed: not gntdev's dma-buf code. */
	if (ioctl(fd, IOCTL_GNTDEV_DMABUF_EXP_WAIT_RELEASED, &wait) == 0)
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

int gntbuf_gntdev_exp_from_refs(void *xgt, uint32_t domid, uint32_t flags,
				uint32_t count, const uint32_t *refs, int *fd)
{
	uint32_t out_fd;
	int ret;

	/* flags: GNTDEV_DMA_FLAG_*; gntdev has no read-only export. */
	errno = 0;
	ret = xengnttab_rc(xengnttab_dmabuf_exp_from_refs(xgt, domid, flags,
							  count, refs,
							  &out_fd));
	if (ret)
		return ret;
	*fd = (int)out_fd;
	return 0;
}

int gntbuf_gntdev_exp_wait_released(void *xgt, int fd, uint32_t timeout_ms)
{
	errno = 0;
	return xengnttab_rc(xengnttab_dmabuf_exp_wait_released(xgt,
							       (uint32_t)fd,
							       timeout_ms));
}

int gntbuf_gntdev_imp_to_refs(void *xgt, uint32_t domid, int fd,
			      uint32_t count, uint32_t *refs)
{
	errno = 0;
	return xengnttab_rc(xengnttab_dmabuf_imp_to_refs(xgt, domid,
							 (uint32_t)fd, count,
							 refs));
}

int gntbuf_gntdev_imp_release(void *xgt, int fd)
{
	errno = 0;
	return xengnttab_rc(xengnttab_dmabuf_imp_release(xgt, (uint32_t)fd));
}

int gntbuf_gntdev_map_page(void *xgt, uint32_t domid, uint32_t gref,
			   bool writable, void **page)
{
	void *p;

	errno = 0;
	p = xengnttab_map_grant_ref(xgt, domid, gref,
				    PROT_READ | (writable ? PROT_WRITE : 0));
	if (!p)
		return gntbuf_neg_errno();
	*page = p;
	return 0;
}

int gntbuf_gntdev_unmap_page(void *xgt, void *page)
{
	errno = 0;
	return xengnttab_rc(xengnttab_unmap(xgt, page, 1));
}

#else /* !HAVE_XENGNTTAB */

#include <unistd.h>

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
