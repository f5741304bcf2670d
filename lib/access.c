// SPDX-License-Identifier: MIT
/*
 * CPU access to buffers: whole (DMA_BUF_IOCTL_SYNC), byte ranges and
 * damage rectangles (GNTBUF_IOCTL_SYNC_RANGE and _RANGES, or the whole
 * buffer where those do not apply), and sync_files
 * (DMA_BUF_IOCTL_EXPORT/IMPORT_SYNC_FILE).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/dma-buf.h>
#include <xen/gntbuf.h>

#include "gntbuf-private.h"

/*
 * sync_file export and import, from Linux's include/uapi/linux/dma-buf.h
 * (added in Linux 6.0, commits 20e10881a043 and 594740497e99), for C
 * libraries whose kernel headers predate them.
 */
#ifndef DMA_BUF_IOCTL_EXPORT_SYNC_FILE
struct dma_buf_export_sync_file {
	__u32 flags;
	__s32 fd;
};

struct dma_buf_import_sync_file {
	__u32 flags;
	__s32 fd;
};

#define DMA_BUF_IOCTL_EXPORT_SYNC_FILE \
	_IOWR(DMA_BUF_BASE, 2, struct dma_buf_export_sync_file)
#define DMA_BUF_IOCTL_IMPORT_SYNC_FILE \
	_IOW(DMA_BUF_BASE, 3, struct dma_buf_import_sync_file)
#endif

static uint64_t dma_buf_sync_flags(uint32_t access)
{
	uint64_t flags = 0;

	if (access & GNTBUF_ACCESS_READ)
		flags |= DMA_BUF_SYNC_READ;
	if (access & GNTBUF_ACCESS_WRITE)
		flags |= DMA_BUF_SYNC_WRITE;
	return flags;
}

/* ioctl() that retries on EINTR and EAGAIN, as libdrm's drmIoctl() does. */
static int ioctl_restart(int fd, unsigned long request, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, request, arg);
	} while (ret < 0 && (errno == EINTR || errno == EAGAIN));
	return ret < 0 ? gntbuf_neg_errno() : 0;
}

/*
 * A gntdev export that the module maintains (device.c's open_sync_shim()):
 * SYNC_RANGE names it by its fd, with GNTBUF_SYNC_ANY_DMABUF.
 */
static bool shim_syncs(const struct gntbuf_buffer *buf)
{
	return buf->dev->backend == GNTBUF_BACKEND_GNTDEV &&
	       buf->kind == GNTBUF_BUFFER_FROM_REFS && buf->dev->fd >= 0;
}

/* The buffer as SYNC_RANGE(S) names it: its id, or its fd for the shim. */
static uint32_t sync_target(const struct gntbuf_buffer *buf,
			    __u64 *buffer_id, __s32 *fd)
{
	if (shim_syncs(buf)) {
		*buffer_id = 0;
		*fd = buf->fd;
		return GNTBUF_SYNC_BY_FD | GNTBUF_SYNC_ANY_DMABUF;
	}
	*buffer_id = buf->id;
	*fd = 0;
	return 0;
}

static int sync_range(struct gntbuf_buffer *buf, uint32_t flags,
		      uint64_t offset, uint64_t length);

static int sync_whole(struct gntbuf_buffer *buf, uint32_t access, bool end)
{
	struct dma_buf_sync sync;
	int fd, ret;

	if (!buf || !gntbuf_priv_valid_access(access))
		return -EINVAL;
	fd = gntbuf_priv_live_fd(buf);
	if (fd < 0)
		return fd;
	memset(&sync, 0, sizeof(sync));
	sync.flags = dma_buf_sync_flags(access) |
		(end ? DMA_BUF_SYNC_END : DMA_BUF_SYNC_START);
	ret = ioctl_restart(fd, DMA_BUF_IOCTL_SYNC, &sync);
	if (ret || !shim_syncs(buf))
		return ret;
	/*
	 * gntdev's begin/end_cpu_access do nothing: the module maintains
	 * the whole buffer instead, in the directions the module's own
	 * dma-bufs would (begin to read, end after writing).
	 */
	if (!end && (access & GNTBUF_ACCESS_READ))
		return sync_range(buf, GNTBUF_SYNC_TO_CPU, 0,
				  gntbuf_buffer_get_size(buf));
	if (end && (access & GNTBUF_ACCESS_WRITE))
		return sync_range(buf, GNTBUF_SYNC_TO_DEVICE, 0,
				  gntbuf_buffer_get_size(buf));
	return 0;
}

GNTBUF_EXPORT int
gntbuf_buffer_begin_cpu_access(struct gntbuf_buffer *buf, uint32_t access)
{
	return sync_whole(buf, access, false);
}

GNTBUF_EXPORT int
gntbuf_buffer_end_cpu_access(struct gntbuf_buffer *buf, uint32_t access)
{
	return sync_whole(buf, access, true);
}

/*
 * Checks a range request; returns 1 when the range must be synced through
 * the module, 0 when there is nothing to do, or a negative errno.
 */
static int check_range(struct gntbuf_buffer *buf, uint32_t access,
		       uint64_t offset, uint64_t length)
{
	uint64_t size;
	int fd;

	if (!buf || !gntbuf_priv_valid_access(access))
		return -EINVAL;
	fd = gntbuf_priv_live_fd(buf);
	if (fd < 0)
		return fd;
	size = gntbuf_buffer_get_size(buf);
	if (offset > size || length > size - offset)
		return -EINVAL;
	if (buf->kind != GNTBUF_BUFFER_IMPORTED &&
	    !(buf->dev->caps.caps & GNTBUF_CAP_SYNC_RANGE))
		return -EOPNOTSUPP;
	return length ? 1 : 0;
}

/*
 * Another exporter's dma-buf (GNTBUF_BUFFER_IMPORTED) is synced whole,
 * through its exporter's DMA_BUF_IOCTL_SYNC, unless the module syncs an
 * IMPORT id's ranges itself (GNTBUF_FEATURE_SYNC_IMPORT: the exporter's
 * begin/end_cpu_access plus the module's own maintenance of the range,
 * kernel/cache.c). gntdev's imports have no IMPORT id of the module (its
 * device's features are the sync shim's, open_sync_shim()): whole.
 */
static bool whole_only(const struct gntbuf_buffer *buf)
{
	return buf->kind == GNTBUF_BUFFER_IMPORTED &&
	       (buf->dev->backend != GNTBUF_BACKEND_MODULE ||
		!(buf->dev->features & GNTBUF_FEATURE_SYNC_IMPORT));
}

static int sync_range(struct gntbuf_buffer *buf, uint32_t flags,
		      uint64_t offset, uint64_t length)
{
	struct gntbuf_sync_range arg;

	memset(&arg, 0, sizeof(arg));
	arg.flags = flags | sync_target(buf, &arg.buffer_id, &arg.fd);
	arg.offset = offset;
	arg.length = length;
	return ioctl_restart(buf->dev->fd, GNTBUF_IOCTL_SYNC_RANGE, &arg);
}

/*
 * @n ranges in as few calls as the module allows: SYNC_RANGES takes up to
 * GNTBUF_SYNC_MAX_RANGES at once (struct gntbuf_range has the layout of
 * struct gntbuf_sync_span); a module without it gets one SYNC_RANGE each.
 */
static int sync_ranges(struct gntbuf_buffer *buf, uint32_t flags,
		       const struct gntbuf_range *ranges, uint32_t n)
{
	struct gntbuf_sync_ranges arg;
	int ret = 0;

	_Static_assert(sizeof(struct gntbuf_range) ==
		       sizeof(struct gntbuf_sync_span), "range layout");
	if (!(buf->dev->features & GNTBUF_FEATURE_SYNC_RANGES)) {
		for (uint32_t i = 0; ret == 0 && i < n; i++)
			ret = sync_range(buf, flags, ranges[i].offset,
					 ranges[i].length);
		return ret;
	}
	for (uint32_t done = 0; ret == 0 && done < n; done += arg.count) {
		memset(&arg, 0, sizeof(arg));
		arg.flags = flags | sync_target(buf, &arg.buffer_id, &arg.fd);
		arg.ranges_ptr = (uintptr_t)(ranges + done);
		arg.count = n - done < GNTBUF_SYNC_MAX_RANGES ?
			    n - done : GNTBUF_SYNC_MAX_RANGES;
		ret = ioctl_restart(buf->dev->fd, GNTBUF_IOCTL_SYNC_RANGES,
				    &arg);
	}
	return ret;
}

GNTBUF_EXPORT int
gntbuf_buffer_begin_cpu_access_range(struct gntbuf_buffer *buf,
				     uint32_t access, uint64_t offset,
				     uint64_t length)
{
	int ret = check_range(buf, access, offset, length);

	if (ret <= 0)
		return ret;
	if (whole_only(buf))
		return sync_whole(buf, access, false);
	/* dma_buf_begin_cpu_access(): make device writes visible. */
	return sync_range(buf, GNTBUF_SYNC_TO_CPU, offset, length);
}

GNTBUF_EXPORT int
gntbuf_buffer_end_cpu_access_range(struct gntbuf_buffer *buf,
				   uint32_t access, uint64_t offset,
				   uint64_t length)
{
	int ret = check_range(buf, access, offset, length);

	if (ret <= 0)
		return ret;
	if (whole_only(buf))
		return sync_whole(buf, access, true);
	/* A CPU that only read has nothing to write back. */
	if (!(access & GNTBUF_ACCESS_WRITE))
		return 0;
	/* dma_buf_end_cpu_access(): write back what the CPU wrote. */
	return sync_range(buf, GNTBUF_SYNC_TO_DEVICE, offset, length);
}

static int sync_rects(struct gntbuf_buffer *buf, uint32_t access,
		      const struct gntbuf_layout *layout,
		      const struct gntbuf_rect *rects, uint32_t rect_count,
		      bool end)
{
	struct gntbuf_range *ranges;
	uint32_t n;
	int ret;

	ret = check_range(buf, access, 0, 0);
	if (ret < 0)
		return ret;
	if (!layout || (rect_count && !rects))
		return -EINVAL;
	ret = gntbuf_layout_check(layout, gntbuf_buffer_get_size(buf));
	if (ret)
		return ret;
	ret = gntbuf_layout_rects_to_ranges(layout, rects, rect_count, NULL,
					    0, &n);
	if (ret || n == 0)
		return ret;
	if (whole_only(buf))
		return sync_whole(buf, access, end);
	if (end && !(access & GNTBUF_ACCESS_WRITE))
		return 0;

	ranges = calloc(n, sizeof(*ranges));
	if (!ranges)
		return -ENOMEM;
	ret = gntbuf_layout_rects_to_ranges(layout, rects, rect_count, ranges,
					    n, &n);
	if (ret == 0)
		ret = sync_ranges(buf, end ? GNTBUF_SYNC_TO_DEVICE :
				  GNTBUF_SYNC_TO_CPU, ranges, n);
	free(ranges);
	return ret;
}

GNTBUF_EXPORT int
gntbuf_buffer_begin_cpu_access_rects(struct gntbuf_buffer *buf,
				     uint32_t access,
				     const struct gntbuf_layout *layout,
				     const struct gntbuf_rect *rects,
				     uint32_t rect_count)
{
	return sync_rects(buf, access, layout, rects, rect_count, false);
}

GNTBUF_EXPORT int
gntbuf_buffer_end_cpu_access_rects(struct gntbuf_buffer *buf,
				   uint32_t access,
				   const struct gntbuf_layout *layout,
				   const struct gntbuf_rect *rects,
				   uint32_t rect_count)
{
	return sync_rects(buf, access, layout, rects, rect_count, true);
}

GNTBUF_EXPORT int
gntbuf_buffer_export_sync_file(struct gntbuf_buffer *buf, uint32_t access,
			       int *sync_file_fd)
{
	struct dma_buf_export_sync_file arg;
	int fd, ret;

	if (!buf || !sync_file_fd || !gntbuf_priv_valid_access(access))
		return -EINVAL;
	fd = gntbuf_priv_live_fd(buf);
	if (fd < 0)
		return fd;
	memset(&arg, 0, sizeof(arg));
	arg.flags = (uint32_t)dma_buf_sync_flags(access);
	arg.fd = -1;
	ret = ioctl_restart(fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &arg);
	if (ret)
		return ret;
	/* dma_buf_export_sync_file() makes it O_CLOEXEC. */
	*sync_file_fd = arg.fd;
	return 0;
}

GNTBUF_EXPORT int
gntbuf_buffer_import_sync_file(struct gntbuf_buffer *buf, uint32_t access,
			       int sync_file_fd)
{
	struct dma_buf_import_sync_file arg;
	int fd;

	if (!buf || !gntbuf_priv_valid_access(access))
		return -EINVAL;
	if (sync_file_fd < 0)
		return -EBADF;
	fd = gntbuf_priv_live_fd(buf);
	if (fd < 0)
		return fd;
	memset(&arg, 0, sizeof(arg));
	arg.flags = (uint32_t)dma_buf_sync_flags(access);
	arg.fd = sync_file_fd;
	return ioctl_restart(fd, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &arg);
}
