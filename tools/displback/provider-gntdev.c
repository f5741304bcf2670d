// SPDX-License-Identifier: MIT
/*
 * TODO(libgntbuf): interim buffer provider on Xen's own gntdev/gntalloc
 * (libxengnttab), used only until libgntbuf and xen-gntbuf land.  It gives
 * a CPU mapping and no dma-buf (fd -1), so only the capture and null sinks
 * can use it; the kms sink needs the gntbuf provider.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "displback.h"

struct gntdev_priv {
	xengntshr_handle *shr;
};

struct gntdev_buf {
	bool shared;	/* alloc (gntalloc) rather than map (gntdev) */
};

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
	void *p = xengnttab_map_domain_grant_refs(b->xgt, count, dev->domid,
						  (uint32_t *)refs, PROT_READ);
	if (!p)
		return errno ? -errno : -EIO;
	memset(mem, 0, sizeof(*mem));
	mem->fd = -1;
	mem->pages = count;
	mem->size = (size_t)count * XEN_PAGE_SIZE_BYTES;
	mem->map = p;
	mem->grant_maps = count;
	return 0;
}

static int gd_alloc(struct backend *b, struct vdispl *dev, uint32_t count,
		    uint32_t *refs, struct dbuf_mem *mem)
{
	struct gntdev_priv *gp = b->prov_priv;
	struct gntdev_buf *gb;
	void *p;

	if (!gp->shr)
		gp->shr = xengntshr_open(NULL, 0);
	if (!gp->shr)
		return -errno;
	gb = calloc(1, sizeof(*gb));
	if (!gb)
		return -ENOMEM;
	p = xengntshr_share_pages(gp->shr, dev->domid, count, refs, 1);
	if (!p) {
		free(gb);
		return errno ? -errno : -EIO;
	}
	gb->shared = true;
	memset(mem, 0, sizeof(*mem));
	mem->fd = -1;
	mem->pages = count;
	mem->size = (size_t)count * XEN_PAGE_SIZE_BYTES;
	mem->map = p;
	mem->priv = gb;
	return 0;
}

static int gd_cpu_begin(struct backend *b, struct dbuf_mem *mem,
			const uint8_t **data)
{
	(void)b;
	*data = mem->map;
	return mem->map ? 0 : -EINVAL;
}

static int gd_cpu_end(struct backend *b, struct dbuf_mem *mem)
{
	(void)b;
	(void)mem;
	return 0;
}

static int gd_release(struct backend *b, struct dbuf_mem *mem,
		      unsigned int timeout_ms)
{
	struct gntdev_priv *gp = b->prov_priv;
	struct gntdev_buf *gb = mem->priv;
	int ret = 0;

	(void)timeout_ms;
	if (mem->map) {
		if (gb && gb->shared)
			ret = xengntshr_unshare(gp->shr, mem->map, mem->pages);
		else
			ret = xengnttab_unmap(b->xgt, mem->map, mem->pages);
		if (ret)
			ret = -errno;
	}
	free(gb);
	memset(mem, 0, sizeof(*mem));
	mem->fd = -1;
	return ret;
}

/* gntdev's unmap and gntalloc's unshare do not wait: released at once. */
static int gd_release_poll(struct backend *b, struct dbuf_mem *mem)
{
	return gd_release(b, mem, 0);
}

static void gd_fini(struct backend *b)
{
	struct gntdev_priv *gp = b->prov_priv;

	if (gp && gp->shr)
		xengntshr_close(gp->shr);
	free(gp);
	b->prov_priv = NULL;
}

static void gd_counters(struct backend *b, char *buf, size_t len)
{
	(void)b;
	snprintf(buf, len, "gntdev provider: no counters");
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

	if (!gp)
		return -ENOMEM;
	/* Opened now, before privileges are dropped; retried when used. */
	gp->shr = xengntshr_open(NULL, 0);
	b->prov_priv = gp;
	b->prov = &gntdev_ops;
	return 0;
}
