// SPDX-License-Identifier: MIT
/*
 * What a compositor (or a display backend's event loop) needs besides the
 * buffers: a pollable release (GNTBUF_IOCTL_RELEASE_FD, the module's
 * kernel/release.c) and the per-plane dma-buf attributes of an image, as
 * zwp_linux_buffer_params_v1.add (linux-dmabuf-unstable-v1.xml) and
 * EGL_EXT_image_dma_buf_import take them.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <xen/gntbuf.h>

#include "gntbuf-private.h"

GNTBUF_EXPORT int
gntbuf_buffer_get_release_fd(struct gntbuf_buffer *buf, int *fd)
{
	struct gntbuf_release_fd arg;
	struct gntbuf_device *dev;
	int efd;

	if (!buf || !fd)
		return -EINVAL;
	dev = buf->dev;
	if (dev->backend != GNTBUF_BACKEND_MODULE ||
	    !(dev->caps.caps & GNTBUF_CAP_RELEASE_FD))
		return -EOPNOTSUPP;

	/*
	 * The module forgot the id when the wait succeeded: the release is
	 * over, and an eventfd with a count of 1 is readable for good.
	 */
	if (buf->released) {
		efd = eventfd(1, EFD_CLOEXEC);
		if (efd < 0)
			return gntbuf_neg_errno();
		*fd = efd;
		return 0;
	}

	memset(&arg, 0, sizeof(arg));
	arg.buffer_id = buf->id;
	if (ioctl(dev->fd, GNTBUF_IOCTL_RELEASE_FD, &arg) < 0) {
		int ret = gntbuf_neg_errno();

		gntbuf_log_error(dev, "buffer %llu (dom%u): release fd: %s",
				 (unsigned long long)buf->id, buf->domid,
				 strerror(-ret));
		return ret;
	}
	*fd = arg.fd;
	return 0;
}

GNTBUF_EXPORT int
gntbuf_buffer_get_dmabuf_attributes(struct gntbuf_buffer *buf,
				    const struct gntbuf_layout *layout,
				    struct gntbuf_dmabuf_attributes *attrs)
{
	struct gntbuf_dmabuf_attributes a;
	int ret, src;
	uint32_t i;

	if (!buf || !layout || !attrs)
		return -EINVAL;
	if (layout->modifier != DRM_FORMAT_MOD_LINEAR &&
	    layout->modifier != DRM_FORMAT_MOD_INVALID)
		return -EOPNOTSUPP;
	ret = gntbuf_layout_check(layout, gntbuf_buffer_get_size(buf));
	if (ret)
		return ret;
	src = gntbuf_priv_live_fd(buf);
	if (src < 0)
		return src;

	memset(&a, 0, sizeof(a));
	a.width = layout->width;
	a.height = layout->height;
	a.fourcc = layout->fourcc;
	a.num_planes = layout->num_planes;
	a.modifier = DRM_FORMAT_MOD_LINEAR;
	for (i = 0; i < GNTBUF_MAX_PLANES; i++)
		a.fds[i] = -1;
	for (i = 0; i < a.num_planes; i++) {
		a.offsets[i] = layout->offsets[i];
		a.strides[i] = layout->strides[i];
		a.fds[i] = fcntl(src, F_DUPFD_CLOEXEC, 0);
		if (a.fds[i] < 0) {
			ret = gntbuf_neg_errno();
			gntbuf_dmabuf_attributes_finish(&a);
			return ret;
		}
	}
	*attrs = a;
	return 0;
}

GNTBUF_EXPORT void
gntbuf_dmabuf_attributes_finish(struct gntbuf_dmabuf_attributes *attrs)
{
	if (!attrs)
		return;
	for (uint32_t i = 0; i < GNTBUF_MAX_PLANES; i++) {
		if (attrs->fds[i] >= 0)
			close(attrs->fds[i]);
		attrs->fds[i] = -1;
	}
}
