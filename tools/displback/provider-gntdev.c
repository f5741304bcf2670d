// SPDX-License-Identifier: MIT
/*
 * The buffer provider on Xen's own gntdev, without the xen-gntbuf module:
 * libgntbuf's gntdev backend (GNTBUF_BACKEND_GNTDEV), i.e. gntdev's
 * dma-buf ioctls (Linux's CONFIG_XEN_GNTDEV_DMABUF, gntdev-dmabuf.c).
 *
 *  - A frontend's grefs (be-alloc=0) become a dma-buf with
 *    gntbuf_buffer_from_refs() (IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS).  gntdev's
 *    dma-bufs have no mmap and no CPU cache maintenance, so the capture
 *    sink reads the pixels through a second, read-only gntdev mapping of
 *    the same grefs (xengnttab_map_domain_grant_refs), made at the first
 *    CPU access and counted as the sink's grant maps.
 *  - A be-alloc buffer is a vgem dumb buffer (local pages), exported with
 *    PRIME and granted to the frontend with gntbuf_buffer_grant_dmabuf()
 *    (IOCTL_GNTDEV_DMABUF_IMP_TO_REFS); the sink reads it through vgem's
 *    own dma-buf mmap and DMA_BUF_IOCTL_SYNC.
 *
 * Where gntdev has no dma-buf ioctls (Debian's kernel) or refuses exports
 * (an x86 PV domain: gntdev's EINVAL, the library's -EOPNOTSUPP), and for
 * be-alloc where no vgem device is there, the provider falls back to what
 * it did before libgntbuf existed: plain gntdev maps and gntalloc shares,
 * without dma-bufs (fd -1: the capture and null sinks only).  It says so
 * once at start and counts every such buffer (counters: map_only), so a
 * test can tell the dma-buf path from the fallback.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xf86drm.h>

#include "displback.h"

struct gntdev_priv {
	struct gntbuf_device *gd;	/* NULL: no gntdev dma-bufs here */
	bool can_export;		/* gntdev exports from refs here */
	int vgem_fd;			/* be-alloc pages: vgem, or -1 */
	xengntshr_handle *shr;		/* fallback be-alloc: gntalloc */
	/* Counted for the exit line and the tests. */
	uint64_t live, exports, imports, map_only;
};

enum gd_kind {
	GD_EXPORT,	/* gntdev dma-buf of the frontend's grants */
	GD_IMPORT,	/* vgem dma-buf granted by gntdev */
	GD_MAP,		/* fallback: gntdev mapping, no dma-buf */
	GD_SHARE,	/* fallback: gntalloc share, no dma-buf */
};

struct gntdev_buf {
	enum gd_kind kind;
	struct gntbuf_buffer *buf;	/* GD_EXPORT, GD_IMPORT */
	uint32_t domid;
	uint32_t *refs;			/* GD_EXPORT: for the CPU mapping */
	void *cpu_map;			/* GD_EXPORT: gntdev map of refs */
};

static void buf_new(struct gntdev_priv *gp, struct dbuf_mem *mem,
		    struct gntdev_buf *gb, uint32_t count, int fd)
{
	memset(mem, 0, sizeof(*mem));
	mem->fd = fd;
	mem->pages = count;
	mem->size = (size_t)count * XEN_PAGE_SIZE_BYTES;
	mem->priv = gb;
	gp->live++;
	if (gb->kind == GD_EXPORT)
		gp->exports++;
	else if (gb->kind == GD_IMPORT)
		gp->imports++;
	else
		gp->map_only++;
}

static int gd_dev_open(struct backend *b, struct vdispl *dev)
{
	(void)b;
	(void)dev;
	return 0;
}

static void gd_dev_close(struct backend *b, struct vdispl *dev)
{
	(void)b;
	(void)dev;
}

static int gd_export_refs(struct backend *b, struct vdispl *dev,
			  const uint32_t *refs, uint32_t count,
			  struct dbuf_mem *mem)
{
	struct gntdev_priv *gp = b->prov_priv;
	struct gntdev_buf *gb = calloc(1, sizeof(*gb));
	int fd, ret;

	if (!gb)
		return -ENOMEM;
	gb->domid = dev->domid;
	if (!gp->can_export) {
		void *p = xengnttab_map_domain_grant_refs(b->xgt, count,
							  dev->domid,
							  (uint32_t *)refs,
							  PROT_READ);
		if (!p) {
			ret = errno ? -errno : -EIO;
			free(gb);
			return ret;
		}
		gb->kind = GD_MAP;
		buf_new(gp, mem, gb, count, -1);
		mem->map = p;
		mem->grant_maps = count;
		return 0;
	}
	gb->refs = malloc((size_t)count * sizeof(*refs));
	if (!gb->refs) {
		free(gb);
		return -ENOMEM;
	}
	memcpy(gb->refs, refs, (size_t)count * sizeof(*refs));
	/* gntdev maps every export writable: no GNTBUF_BUFFER_READ_ONLY. */
	ret = gntbuf_buffer_from_refs(gp->gd, dev->domid, refs, count, 0,
				      &gb->buf);
	if (!ret)
		ret = gntbuf_buffer_dup_fd(gb->buf, &fd);
	if (ret) {
		gntbuf_buffer_destroy(gb->buf);
		free(gb->refs);
		free(gb);
		return ret;
	}
	gb->kind = GD_EXPORT;
	buf_new(gp, mem, gb, count, fd);
	mem->grant_maps = count;
	return 0;
}

/* @count pages of vgem, as a dma-buf (O_CLOEXEC, the caller's). */
static int vgem_dmabuf(int vgem_fd, uint32_t count, int *fd)
{
	struct drm_mode_create_dumb create = {
		.width = XEN_PAGE_SIZE_BYTES / 4,
		.height = count,
		.bpp = 32,
	};
	int ret = 0;

	if (drmIoctl(vgem_fd, DRM_IOCTL_MODE_CREATE_DUMB, &create))
		return -errno;
	if (create.size != (uint64_t)count * XEN_PAGE_SIZE_BYTES)
		ret = -EIO;
	else if (drmPrimeHandleToFD(vgem_fd, create.handle,
				    DRM_CLOEXEC | DRM_RDWR, fd))
		ret = -errno;
	/* The dma-buf holds the object now. */
	drmCloseBufferHandle(vgem_fd, create.handle);
	return ret;
}

static int gd_alloc(struct backend *b, struct vdispl *dev, uint32_t count,
		    uint32_t *refs, struct dbuf_mem *mem)
{
	struct gntdev_priv *gp = b->prov_priv;
	struct gntdev_buf *gb = calloc(1, sizeof(*gb));
	const uint32_t *r;
	uint32_t n = 0;
	int dmabuf, fd, ret;
	void *p;

	if (!gb)
		return -ENOMEM;
	gb->domid = dev->domid;
	if (gp->gd && gp->vgem_fd >= 0) {
		ret = vgem_dmabuf(gp->vgem_fd, count, &dmabuf);
		if (ret)
			goto err_free;
		/* Borrows dmabuf: the buffer keeps a duplicate. */
		ret = gntbuf_buffer_grant_dmabuf(gp->gd, dmabuf, dev->domid, 0,
						 &gb->buf);
		close(dmabuf);
		if (ret)
			goto err_free;
		r = gntbuf_buffer_get_refs(gb->buf, &n);
		if (!r || n != count) {
			ret = -EIO;
			goto err_destroy;
		}
		ret = gntbuf_buffer_dup_fd(gb->buf, &fd);
		if (ret)
			goto err_destroy;
		memcpy(refs, r, (size_t)count * sizeof(*refs));
		gb->kind = GD_IMPORT;
		buf_new(gp, mem, gb, count, fd);
		return 0;
	}

	if (!gp->shr)
		gp->shr = xengntshr_open(NULL, 0);
	if (!gp->shr) {
		ret = errno ? -errno : -EIO;
		goto err_free;
	}
	p = xengntshr_share_pages(gp->shr, dev->domid, count, refs, 1);
	if (!p) {
		ret = errno ? -errno : -EIO;
		goto err_free;
	}
	gb->kind = GD_SHARE;
	buf_new(gp, mem, gb, count, -1);
	mem->map = p;
	return 0;

err_destroy:
	gntbuf_buffer_destroy(gb->buf);
err_free:
	free(gb);
	return ret;
}

static int gd_cpu_begin(struct backend *b, struct dbuf_mem *mem,
			const uint8_t **data)
{
	struct gntdev_buf *gb = mem->priv;
	void *p;
	int ret;

	switch (gb->kind) {
	case GD_EXPORT:
		/* gntdev's dma-buf has no mmap: the grants, mapped again. */
		if (!gb->cpu_map) {
			p = xengnttab_map_domain_grant_refs(b->xgt, mem->pages,
							    gb->domid,
							    gb->refs,
							    PROT_READ);
			if (!p)
				return errno ? -errno : -EIO;
			gb->cpu_map = p;
			mem->map = p;
			mem->grant_maps += mem->pages;
		}
		break;
	case GD_IMPORT:
		if (!mem->map) {
			ret = gntbuf_buffer_map(gb->buf, GNTBUF_ACCESS_READ,
						&p);
			if (ret)
				return ret;
			mem->map = p;
		}
		ret = gntbuf_buffer_begin_cpu_access(gb->buf,
						     GNTBUF_ACCESS_READ);
		if (ret)
			return ret;
		break;
	case GD_MAP:
	case GD_SHARE:
		break;
	}
	*data = mem->map;
	return mem->map ? 0 : -EINVAL;
}

static int gd_cpu_end(struct backend *b, struct dbuf_mem *mem)
{
	struct gntdev_buf *gb = mem->priv;

	(void)b;
	if (gb->kind == GD_IMPORT)
		return gntbuf_buffer_end_cpu_access(gb->buf,
						    GNTBUF_ACCESS_READ);
	return 0;
}

/* Unmap what the backend itself mapped; 0 or a negative errno. */
static int drop_maps(struct backend *b, struct gntdev_priv *gp,
		     struct dbuf_mem *mem)
{
	struct gntdev_buf *gb = mem->priv;
	int ret = 0;

	if (mem->fd >= 0)
		close(mem->fd);
	mem->fd = -1;
	if (gb->kind == GD_EXPORT && gb->cpu_map &&
	    xengnttab_unmap(b->xgt, gb->cpu_map, mem->pages))
		ret = -errno;
	else if (gb->kind == GD_MAP && mem->map &&
		 xengnttab_unmap(b->xgt, mem->map, mem->pages))
		ret = -errno;
	else if (gb->kind == GD_SHARE && mem->map &&
		 xengntshr_unshare(gp->shr, mem->map, mem->pages))
		ret = -errno;
	gb->cpu_map = NULL;
	mem->map = NULL;
	return ret;
}

static void forget(struct gntdev_priv *gp, struct dbuf_mem *mem)
{
	struct gntdev_buf *gb = mem->priv;

	gntbuf_buffer_destroy(gb->buf);
	free(gb->refs);
	free(gb);
	gp->live--;
	memset(mem, 0, sizeof(*mem));
	mem->fd = -1;
}

/*
 * An export is released once every holder of its dma-buf let go
 * (IOCTL_GNTDEV_DMABUF_EXP_WAIT_RELEASED); gntdev then unmaps the grants.
 * An import's grants end at once (IMP_RELEASE: gntdev does not wait for
 * the frontend to unmap them), and the fallbacks' unmap and unshare do not
 * wait either.
 */
static int gd_release(struct backend *b, struct dbuf_mem *mem,
		      unsigned int timeout_ms)
{
	struct gntdev_priv *gp = b->prov_priv;
	struct gntdev_buf *gb = mem->priv;
	int ret, ret2 = 0;

	if (!gb)
		return 0;
	ret = drop_maps(b, gp, mem);
	if (gb->buf)
		ret2 = gntbuf_buffer_wait_released(gb->buf, timeout_ms);
	forget(gp, mem);
	return ret ? ret : ret2;
}

static int gd_release_poll(struct backend *b, struct dbuf_mem *mem)
{
	struct gntdev_priv *gp = b->prov_priv;
	struct gntdev_buf *gb = mem->priv;
	int ret;

	if (!gb)
		return 0;
	ret = drop_maps(b, gp, mem);
	if (ret) {
		forget(gp, mem);
		return ret;
	}
	if (gb->buf) {
		ret = gntbuf_buffer_wait_released(gb->buf, 0);
		if (ret == -ETIMEDOUT || ret == -EINTR)
			return -EAGAIN;
	}
	forget(gp, mem);
	return ret;
}

static void gd_fini(struct backend *b)
{
	struct gntdev_priv *gp = b->prov_priv;

	if (!gp)
		return;
	if (gp->shr)
		xengntshr_close(gp->shr);
	if (gp->vgem_fd >= 0)
		close(gp->vgem_fd);
	gntbuf_device_close(gp->gd);
	free(gp);
	b->prov_priv = NULL;
}

static void gd_counters(struct backend *b, char *buf, size_t len)
{
	struct gntdev_priv *gp = b->prov_priv;

	snprintf(buf, len, "gntdev counters: live_buffers %" PRIu64
		 " dmabuf_exports %" PRIu64 " dmabuf_imports %" PRIu64
		 " map_only %" PRIu64, gp->live, gp->exports, gp->imports,
		 gp->map_only);
}

static const struct provider_ops gntdev_ops = {
	.name = "gntdev",
	.dev_open = gd_dev_open,
	.dev_close = gd_dev_close,
	.export_refs = gd_export_refs,
	.alloc = gd_alloc,
	.cpu_begin = gd_cpu_begin,
	.cpu_end = gd_cpu_end,
	.release = gd_release,
	.release_poll = gd_release_poll,
	.fini = gd_fini,
	.counters = gd_counters,
};

int provider_gntdev_init(struct backend *b)
{
	struct gntdev_priv *gp = calloc(1, sizeof(*gp));
	struct gntbuf_caps caps;
	char vgem[300] = "";
	int ret;

	if (!gp)
		return -ENOMEM;
	gp->vgem_fd = -1;
	/* Opened now, before privileges are dropped. */
	ret = gntbuf_device_open(GNTBUF_BACKEND_GNTDEV, &gp->gd);
	if (ret) {
		LOGW(NULL, -1, "gntdev provider: no gntdev dma-bufs here (%s): "
		     "buffers are gntdev maps and gntalloc shares, without "
		     "dma-bufs", strerror(-ret));
		gp->gd = NULL;
	} else {
		gntbuf_device_get_caps(gp->gd, &caps);
		gp->can_export = caps.caps & GNTBUF_CAP_EXPORT_REFS;
		if (!gp->can_export)
			LOGW(NULL, -1, "gntdev provider: gntdev refuses "
			     "exports in this (x86 PV) domain: frontend "
			     "buffers are gntdev maps, without dma-bufs");
		gp->vgem_fd = drm_open_driver("vgem", vgem, sizeof(vgem));
		if (gp->vgem_fd < 0)
			LOGW(NULL, -1, "gntdev provider: no vgem device: "
			     "be-alloc buffers are gntalloc shares, without "
			     "dma-bufs");
	}
	gp->shr = xengntshr_open(NULL, 0);
	LOGI(NULL, -1, "gntdev provider: frontend buffers %s, be-alloc "
	     "buffers %s%s", gp->can_export ? "gntdev dma-bufs "
	     "(EXP_FROM_REFS)" : "gntdev maps", gp->vgem_fd >= 0 ?
	     "vgem dma-bufs granted by gntdev (IMP_TO_REFS) from " :
	     "gntalloc shares", vgem);
	b->prov_priv = gp;
	b->prov = &gntdev_ops;
	return 0;
}
