// SPDX-License-Identifier: MIT
/*
 * Buffers: dma-bufs from grefs (GNTBUF_IOCTL_EXPORT_REFS), local pages
 * granted (GNTBUF_IOCTL_ALLOC), dma-bufs granted (GNTBUF_IOCTL_IMPORT),
 * their release and mmap.  CPU access and sync_files are access.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xen/gntbuf.h>

#include "gntbuf-private.h"

bool gntbuf_priv_valid_access(uint32_t access)
{
	return access && !(access & ~GNTBUF_ACCESS_RW);
}

int64_t gntbuf_priv_dmabuf_size(int fd)
{
	off_t size;

	if (fd < 0)
		return -EBADF;
	/* dma_buf_llseek() answers SEEK_END with the size and moves nothing. */
	size = lseek(fd, 0, SEEK_END);
	if (size < 0)
		return errno == ESPIPE ? -EINVAL : gntbuf_neg_errno();
	return size;
}

static uint32_t max_pages(const struct gntbuf_device *dev)
{
	if (dev->caps.max_pages_per_buffer)
		return dev->caps.max_pages_per_buffer;
	return GNTBUF_DEFAULT_MAX_PAGES;
}

static struct gntbuf_buffer *buffer_new(struct gntbuf_device *dev,
					enum gntbuf_buffer_kind kind,
					uint32_t domid, uint32_t count,
					uint32_t flags)
{
	struct gntbuf_buffer *buf = calloc(1, sizeof(*buf));

	if (!buf)
		return NULL;
	buf->refs = calloc(count, sizeof(*buf->refs));
	if (!buf->refs) {
		free(buf);
		return NULL;
	}
	buf->kind = kind;
	buf->domid = domid;
	buf->count = count;
	buf->flags = flags;
	buf->fd = -1;
	buf->gntdev_fd_number = -1;
	gntbuf_device_ref(dev);
	buf->dev = dev;
	return buf;
}

static void buffer_free(struct gntbuf_buffer *buf)
{
	gntbuf_device_unref(buf->dev);
	free(buf->refs);
	free(buf);
}

static int check_new(struct gntbuf_device *dev, uint32_t count,
		     uint32_t flags, uint64_t cap, void *out)
{
	if (!dev || !out)
		return -EINVAL;
	if (flags & ~GNTBUF_BUFFER_READ_ONLY)
		return -EINVAL;
	if (!(dev->caps.caps & cap))
		return -EOPNOTSUPP;
	if (count == 0)
		return -EINVAL;
	/* The module's own answer (kernel/main.c), before a big calloc. */
	if (count > max_pages(dev))
		return -E2BIG;
	return 0;
}

GNTBUF_EXPORT int
gntbuf_buffer_from_refs(struct gntbuf_device *dev, uint32_t domid,
			const uint32_t *refs, uint32_t count, uint32_t flags,
			struct gntbuf_buffer **out)
{
	struct gntbuf_buffer *buf;
	int ret;

	if (!refs)
		return -EINVAL;
	ret = check_new(dev, count, flags, GNTBUF_CAP_EXPORT_REFS, out);
	if (ret)
		return ret;
	/* gntdev maps every export writable. */
	if (dev->backend == GNTBUF_BACKEND_GNTDEV &&
	    (flags & GNTBUF_BUFFER_READ_ONLY))
		return -EOPNOTSUPP;

	buf = buffer_new(dev, GNTBUF_BUFFER_FROM_REFS, domid, count, flags);
	if (!buf)
		return -ENOMEM;
	memcpy(buf->refs, refs, (size_t)count * sizeof(*refs));

	if (dev->backend == GNTBUF_BACKEND_MODULE) {
		struct gntbuf_export_refs arg;

		memset(&arg, 0, sizeof(arg));
		arg.domid = domid;
		arg.count = count;
		if (flags & GNTBUF_BUFFER_READ_ONLY)
			arg.flags |= GNTBUF_EXPORT_READ_ONLY;
		arg.refs_ptr = (uintptr_t)buf->refs;
		if (ioctl(dev->fd, GNTBUF_IOCTL_EXPORT_REFS, &arg) < 0) {
			ret = gntbuf_neg_errno();
			goto err_free;
		}
		buf->fd = arg.fd;
		buf->id = arg.buffer_id;
	} else {
		ret = gntbuf_gntdev_exp_from_refs(dev->xgt, domid, 0, count,
						  buf->refs, &buf->fd);
		if (ret)
			goto err_free;
	}

	gntbuf_log_debug(dev, "buffer %llu: %u pages from dom%u's grefs",
			 (unsigned long long)buf->id, count, domid);
	*out = buf;
	return 0;

err_free:
	gntbuf_log_error(dev, "%u grefs of dom%u (first %u)%s to a dma-buf: %s",
			 count, domid, refs[0],
			 flags & GNTBUF_BUFFER_READ_ONLY ? ", read-only" : "",
			 strerror(-ret));
	buffer_free(buf);
	return ret;
}

GNTBUF_EXPORT int
gntbuf_buffer_alloc(struct gntbuf_device *dev, uint32_t domid,
		    uint32_t count, uint32_t flags,
		    struct gntbuf_buffer **out)
{
	struct gntbuf_alloc arg;
	struct gntbuf_buffer *buf;
	int ret;

	ret = check_new(dev, count, flags, GNTBUF_CAP_ALLOC, out);
	if (ret)
		return ret;

	buf = buffer_new(dev, GNTBUF_BUFFER_ALLOCATED, domid, count, flags);
	if (!buf)
		return -ENOMEM;

	memset(&arg, 0, sizeof(arg));
	arg.domid = domid;
	arg.count = count;
	if (flags & GNTBUF_BUFFER_READ_ONLY)
		arg.flags |= GNTBUF_ALLOC_READ_ONLY;
	arg.refs_ptr = (uintptr_t)buf->refs;
	if (ioctl(dev->fd, GNTBUF_IOCTL_ALLOC, &arg) < 0) {
		ret = gntbuf_neg_errno();
		gntbuf_log_error(dev, "%u pages granted to dom%u: %s", count,
				 domid, strerror(-ret));
		buffer_free(buf);
		return ret;
	}
	buf->fd = arg.fd;
	buf->id = arg.buffer_id;
	*out = buf;
	return 0;
}

GNTBUF_EXPORT int
gntbuf_buffer_grant_dmabuf(struct gntbuf_device *dev, int dmabuf_fd,
			   uint32_t domid, uint32_t flags,
			   struct gntbuf_buffer **out)
{
	struct gntbuf_buffer *buf;
	int64_t size;
	uint32_t count;
	int ret;

	if (!dev || !out || (flags & ~GNTBUF_BUFFER_READ_ONLY))
		return -EINVAL;
	if (!(dev->caps.caps & GNTBUF_CAP_IMPORT))
		return -EOPNOTSUPP;
	/* gntdev grants every import writable. */
	if (dev->backend == GNTBUF_BACKEND_GNTDEV &&
	    (flags & GNTBUF_BUFFER_READ_ONLY))
		return -EOPNOTSUPP;

	size = gntbuf_priv_dmabuf_size(dmabuf_fd);
	if (size < 0)
		return (int)size;
	if (size == 0 || size % GNTBUF_XEN_PAGE_SIZE)
		return -EINVAL;
	if ((uint64_t)size / GNTBUF_XEN_PAGE_SIZE > max_pages(dev))
		return -E2BIG;
	count = (uint32_t)(size / GNTBUF_XEN_PAGE_SIZE);

	buf = buffer_new(dev, GNTBUF_BUFFER_IMPORTED, domid, count, flags);
	if (!buf)
		return -ENOMEM;

	/*
	 * The buffer's own reference. gntdev also names the import by this
	 * number at release (gntdev-dmabuf.c: dmabuf_imp_find_unlink()), so
	 * it stays open, and so unique in the process, until then.
	 */
	buf->fd = fcntl(dmabuf_fd, F_DUPFD_CLOEXEC, 0);
	if (buf->fd < 0) {
		ret = gntbuf_neg_errno();
		goto err_free;
	}

	if (dev->backend == GNTBUF_BACKEND_MODULE) {
		struct gntbuf_import arg;

		memset(&arg, 0, sizeof(arg));
		arg.fd = buf->fd;
		arg.domid = domid;
		if (flags & GNTBUF_BUFFER_READ_ONLY)
			arg.flags |= GNTBUF_IMPORT_READ_ONLY;
		arg.count = count;
		arg.refs_ptr = (uintptr_t)buf->refs;
		if (ioctl(dev->fd, GNTBUF_IOCTL_IMPORT, &arg) < 0) {
			ret = gntbuf_neg_errno();
			goto err_close;
		}
		buf->id = arg.buffer_id;
	} else {
		ret = gntbuf_gntdev_imp_to_refs(dev->xgt, domid, buf->fd,
						count, buf->refs);
		if (ret)
			goto err_close;
	}

	*out = buf;
	return 0;

err_close:
	close(buf->fd);
err_free:
	gntbuf_log_error(dev, "dma-buf of %u pages granted to dom%u: %s", count,
			 domid, strerror(-ret));
	buffer_free(buf);
	return ret;
}

static void drop_mapping(struct gntbuf_buffer *buf)
{
	if (buf->map) {
		munmap(buf->map, (size_t)buf->count * GNTBUF_XEN_PAGE_SIZE);
		buf->map = NULL;
		buf->map_count = 0;
		buf->map_prot = 0;
	}
}

/* Ends the grants of an import: the peer can map its pages no more. */
static int end_import_grants(struct gntbuf_buffer *buf)
{
	struct gntbuf_device *dev = buf->dev;
	int ret;

	if (buf->grants_ended)
		return 0;
	if (dev->backend == GNTBUF_BACKEND_MODULE) {
		struct gntbuf_import_release arg;

		memset(&arg, 0, sizeof(arg));
		arg.buffer_id = buf->id;
		ret = ioctl(dev->fd, GNTBUF_IOCTL_IMPORT_RELEASE, &arg) < 0 ?
			gntbuf_neg_errno() : 0;
	} else {
		ret = gntbuf_gntdev_imp_release(dev->xgt, buf->fd);
	}
	if (ret == 0)
		buf->grants_ended = true;
	return ret;
}

static void close_fd(struct gntbuf_buffer *buf)
{
	if (buf->fd >= 0)
		close(buf->fd);
	buf->fd = -1;
	buf->fd_is_placeholder = false;
}

/*
 * gntdev waits for an export by the number of its fd as it was at export
 * time (gntdev-dmabuf.c: dmabuf_exp_wait_obj_get_dmabuf()), and the wait
 * only ends once every holder, this buffer too, has let the dma-buf go. If
 * the number were simply closed, the next gntdev export of this handle
 * could reuse it, and the wait would find that export instead. So the
 * number is kept, pointing at /dev/null, until the wait is over: dup3()
 * drops the dma-buf and takes the number in one step.
 */
static void drop_gntdev_export_fd(struct gntbuf_buffer *buf)
{
	int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	buf->gntdev_fd_number = buf->fd;
	if (null_fd >= 0 && dup3(null_fd, buf->fd, O_CLOEXEC) == buf->fd) {
		close(null_fd);
		buf->fd_is_placeholder = true;
		return;
	}
	/* No /dev/null: close, and let a rare reuse confuse the wait. */
	if (null_fd >= 0)
		close(null_fd);
	close_fd(buf);
}

static int wait_module(struct gntbuf_buffer *buf, uint32_t timeout_ms)
{
	struct gntbuf_wait_released arg;

	unsigned long request = GNTBUF_IOCTL_WAIT_RELEASED;

	/* ABI 2's wait restarts after a signal, with the time left. */
	if (buf->dev->caps.abi_version < 2)
		request = GNTBUF_IOCTL_WAIT_RELEASED_V1;
	memset(&arg, 0, sizeof(arg));
	arg.buffer_id = buf->id;
	arg.timeout_ms = timeout_ms;
	if (ioctl(buf->dev->fd, request, &arg) < 0)
		return gntbuf_neg_errno();
	return 0;
}

GNTBUF_EXPORT void
gntbuf_buffer_destroy(struct gntbuf_buffer *buf)
{
	if (!buf)
		return;
	drop_mapping(buf);
	if (buf->kind == GNTBUF_BUFFER_IMPORTED && !buf->released)
		end_import_grants(buf);
	close_fd(buf);
	/*
	 * The module keeps a buffer's id until a wait for it succeeds; a
	 * buffer that nothing else holds is released by now, and a poll lets
	 * the module forget it rather than keep it until the file closes.
	 */
	if (buf->dev->backend == GNTBUF_BACKEND_MODULE && !buf->released)
		wait_module(buf, 0);
	buffer_free(buf);
}

GNTBUF_EXPORT int
gntbuf_buffer_wait_released(struct gntbuf_buffer *buf, uint32_t timeout_ms)
{
	struct gntbuf_device *dev;
	int ret;

	if (!buf)
		return -EINVAL;
	if (buf->released)
		return 0;
	dev = buf->dev;

	drop_mapping(buf);

	if (buf->kind == GNTBUF_BUFFER_IMPORTED) {
		ret = end_import_grants(buf);
		if (ret)
			return ret;
		close_fd(buf);
		if (dev->backend == GNTBUF_BACKEND_GNTDEV) {
			/* gntdev's release is synchronous; nothing to wait. */
			buf->released = true;
			return 0;
		}
	} else if (dev->backend == GNTBUF_BACKEND_MODULE) {
		close_fd(buf);
	} else if (buf->gntdev_fd_number < 0) {
		drop_gntdev_export_fd(buf);
	}

	if (dev->backend == GNTBUF_BACKEND_MODULE) {
		ret = wait_module(buf, timeout_ms);
	} else {
		ret = gntbuf_gntdev_exp_wait_released(dev->xgt,
						      buf->gntdev_fd_number,
						      timeout_ms);
		/* ENOENT: released before the wait could start. */
		if (ret == -ENOENT)
			ret = 0;
		if (ret == 0)
			close_fd(buf);
	}
	if (ret == 0)
		buf->released = true;
	else if (ret == -ETIMEDOUT && timeout_ms)	/* a poll is no wait */
		gntbuf_log_info(dev, "buffer %llu (dom%u): still held after "
				"%u ms", (unsigned long long)buf->id,
				buf->domid, timeout_ms);
	return ret;
}

GNTBUF_EXPORT enum gntbuf_buffer_kind
gntbuf_buffer_get_kind(const struct gntbuf_buffer *buf)
{
	return buf->kind;
}

GNTBUF_EXPORT uint64_t
gntbuf_buffer_get_id(const struct gntbuf_buffer *buf)
{
	return buf->id;
}

GNTBUF_EXPORT uint32_t
gntbuf_buffer_get_domid(const struct gntbuf_buffer *buf)
{
	return buf->domid;
}

GNTBUF_EXPORT uint32_t
gntbuf_buffer_get_page_count(const struct gntbuf_buffer *buf)
{
	return buf->count;
}

GNTBUF_EXPORT uint64_t
gntbuf_buffer_get_size(const struct gntbuf_buffer *buf)
{
	return (uint64_t)buf->count * GNTBUF_XEN_PAGE_SIZE;
}

GNTBUF_EXPORT const uint32_t *
gntbuf_buffer_get_refs(const struct gntbuf_buffer *buf, uint32_t *count)
{
	if (count)
		*count = buf->count;
	return buf->refs;
}

/* The buffer's dma-buf, or -EBADF once wait_released() let it go. */
int gntbuf_priv_live_fd(const struct gntbuf_buffer *buf)
{
	if (buf->fd < 0 || buf->fd_is_placeholder || buf->released)
		return -EBADF;
	return buf->fd;
}

GNTBUF_EXPORT int
gntbuf_buffer_dup_fd(struct gntbuf_buffer *buf, int *fd)
{
	int src, dup_fd;

	if (!buf || !fd)
		return -EINVAL;
	src = gntbuf_priv_live_fd(buf);
	if (src < 0)
		return src;
	dup_fd = fcntl(src, F_DUPFD_CLOEXEC, 0);
	if (dup_fd < 0)
		return gntbuf_neg_errno();
	*fd = dup_fd;
	return 0;
}

GNTBUF_EXPORT int
gntbuf_buffer_map(struct gntbuf_buffer *buf, uint32_t access, void **addr)
{
	int prot, fd;
	void *map;

	if (!buf || !addr || !gntbuf_priv_valid_access(access))
		return -EINVAL;
	fd = gntbuf_priv_live_fd(buf);
	if (fd < 0)
		return fd;
	/* A CPU that writes may read back what it wrote. */
	prot = PROT_READ;
	if (access & GNTBUF_ACCESS_WRITE)
		prot |= PROT_WRITE;

	if (buf->map) {
		if (prot & ~buf->map_prot)
			return -EBUSY;
		buf->map_count++;
		*addr = buf->map;
		return 0;
	}

	map = mmap(NULL, (size_t)buf->count * GNTBUF_XEN_PAGE_SIZE, prot,
		   MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return gntbuf_neg_errno();
	buf->map = map;
	buf->map_prot = prot;
	buf->map_count = 1;
	*addr = map;
	return 0;
}

GNTBUF_EXPORT int
gntbuf_buffer_unmap(struct gntbuf_buffer *buf)
{
	if (!buf)
		return -EINVAL;
	if (!buf->map)
		return -ENOENT;
	if (--buf->map_count == 0)
		drop_mapping(buf);
	return 0;
}
