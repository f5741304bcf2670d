// SPDX-License-Identifier: GPL-2.0
/*
 * xen-gntbuf: IMPORT, the pages of another exporter's dma-buf granted to a
 * peer.
 *
 * The module attaches to the dma-buf with a device of its own whose DMA
 * addresses are guest-physical addresses (gntbuf_import_dma_ops): the
 * peer reaches the pages through their grants, not through an IOMMU or a
 * swiotlb, so the mapping never bounces, whatever the platform's DMA ops
 * would do with segments that are contiguous in the physmap but not in
 * machine memory (swiotlb-xen in a PV domain).  The frames granted are
 * those of the DMA addresses of that mapping, never sg_page() (an importer
 * must not touch the exporter's struct pages; see Linux commit
 * 2d2db7d40254).  Each DMA segment must start on a page and hold whole
 * pages.
 *
 * An import holds a module reference until its last grant is ended, which
 * may be after IMPORT_RELEASE and the close of the file, when the peer
 * unmaps late.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <xen/page.h>

#include "xen-gntbuf.h"

static enum dma_data_direction gntbuf_import_dir(struct gntbuf_buffer *buf)
{
	/* A read-only peer only reads the pages, as a device would. */
	return buf->readonly ? DMA_TO_DEVICE : DMA_BIDIRECTIONAL;
}

/**
 * gntbuf_import_finish() - give an import's pages back to their exporter
 * @buf: a released IMPORT buffer whose grants are all ended
 *
 * The caller drops the module reference that IMPORT took.
 */
void gntbuf_import_finish(struct gntbuf_buffer *buf)
{
	if (buf->import_sgt)
		dma_buf_unmap_attachment_unlocked(buf->import_attach,
						  buf->import_sgt,
						  gntbuf_import_dir(buf));
	if (buf->import_attach)
		dma_buf_detach(buf->dmabuf, buf->import_attach);
	dma_buf_put(buf->dmabuf);
	gntbuf_buffer_done(buf);
}

static bool gntbuf_import_mark_released(struct gntbuf_buffer *buf)
{
	bool was;

	mutex_lock(&buf->lock);
	was = buf->released;
	buf->released = true;
	mutex_unlock(&buf->lock);
	return !was;
}

static void gntbuf_import_end(struct gntbuf_buffer *buf)
{
	if (gntbuf_end_grants(buf, false)) {
		gntbuf_schedule_reclaim(buf);
		return;
	}
	gntbuf_import_finish(buf);
	module_put(THIS_MODULE);
}

/**
 * gntbuf_import_release() - end the grants of an import
 * @buf: an IMPORT buffer; nothing happens if it was already released
 *
 * Called by IMPORT_RELEASE, by the close of the file, and on an error
 * while building the import.  Grants the peer still maps are ended later.
 */
void gntbuf_import_release(struct gntbuf_buffer *buf)
{
	if (gntbuf_import_mark_released(buf))
		gntbuf_import_end(buf);
}

/*
 * DMA ops of the import device: a DMA address is the guest-physical
 * address of the page.  Nothing is copied and, as the peer is another
 * domain's CPU reading through a grant, no cache maintenance is owed to a
 * device here (x86 and arm64 Xen guests map granted RAM cacheable on both
 * sides).
 */
static dma_addr_t gntbuf_import_map_page(struct device *dev, struct page *page,
					 unsigned long offset, size_t size,
					 enum dma_data_direction dir,
					 unsigned long attrs)
{
	return page_to_phys(page) + offset;
}

static void gntbuf_import_unmap_page(struct device *dev, dma_addr_t addr,
				     size_t size, enum dma_data_direction dir,
				     unsigned long attrs)
{
}

static int gntbuf_import_map_sg(struct device *dev, struct scatterlist *sgl,
				int nents, enum dma_data_direction dir,
				unsigned long attrs)
{
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i) {
		sg->dma_address = sg_phys(sg);
		sg_dma_len(sg) = sg->length;
	}
	return nents;
}

static void gntbuf_import_unmap_sg(struct device *dev, struct scatterlist *sgl,
				   int nents, enum dma_data_direction dir,
				   unsigned long attrs)
{
}

static const struct dma_map_ops gntbuf_import_dma_ops = {
	.map_page = gntbuf_import_map_page,
	.unmap_page = gntbuf_import_unmap_page,
	.map_sg = gntbuf_import_map_sg,
	.unmap_sg = gntbuf_import_unmap_sg,
};

static struct device *gntbuf_import_dev;
/* Any segment length: exporters (vgem) merge pages into large segments. */
static struct device_dma_parameters gntbuf_import_dma_parms;

/**
 * gntbuf_import_init() - create the device that IMPORT attaches with
 *
 * Return: 0 or a negative errno.
 */
int gntbuf_import_init(void)
{
	struct device *dev;
	int ret;

	dev = root_device_register("xen-gntbuf-import");
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	set_dma_ops(dev, &gntbuf_import_dma_ops);
	dev->dma_mask = &dev->coherent_dma_mask;
	dev->dma_parms = &gntbuf_import_dma_parms;
	ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64));
	if (!ret)
		ret = dma_set_max_seg_size(dev, UINT_MAX);
	if (ret) {
		root_device_unregister(dev);
		return ret;
	}
	gntbuf_import_dev = dev;
	return 0;
}

/**
 * gntbuf_is_import_dev() - is @dev the device that IMPORT attaches with?
 * @dev: an importer's device
 *
 * Return: true for the module's import device, whose DMA addresses are
 * guest-physical addresses.
 */
bool gntbuf_is_import_dev(struct device *dev)
{
	return dev == gntbuf_import_dev;
}

/**
 * gntbuf_import_exit() - remove the device that IMPORT attaches with
 */
void gntbuf_import_exit(void)
{
	root_device_unregister(gntbuf_import_dev);
}

/*
 * The guest frame of each page of the mapping, checked: whole pages, and
 * our own frames (a foreign frame mapped here cannot be granted on). In a
 * PV domain a foreign frame's p2m entry does not lead back to the pfn; in
 * an auto-translated one (PVH, HVM, ARM) it does, and only the page's
 * PG_foreign, which gnttab_map_refs() sets on every guest type, tells
 * (gntdev's dma-bufs: measured in a PVH domU, where this granted them on).
 */
static int gntbuf_import_frames(struct gntbuf_buffer *buf,
				unsigned long *gfns)
{
	struct scatterlist *sg;
	unsigned int i, k = 0;

	for_each_sgtable_dma_sg(buf->import_sgt, sg, i) {
		dma_addr_t addr = sg_dma_address(sg);
		unsigned int len = sg_dma_len(sg);

		if (!PAGE_ALIGNED(addr) || !PAGE_ALIGNED(len))
			return -EINVAL;
		for (; len; len -= PAGE_SIZE, addr += PAGE_SIZE) {
			unsigned long pfn = PHYS_PFN(addr);

			if (k == buf->count)
				return -EINVAL;
			if (!pfn_valid(pfn) || PageForeign(pfn_to_page(pfn)) ||
			    bfn_to_pfn(pfn_to_bfn(pfn)) != pfn)
				return -EXDEV;
			gfns[k++] = pfn_to_gfn(pfn);
		}
	}
	return k == buf->count ? 0 : -EINVAL;
}

static int gntbuf_import_grant(struct gntbuf_buffer *buf)
{
	unsigned long *gfns;
	int ret;

	gfns = kvmalloc_array(buf->count, sizeof(*gfns), GFP_KERNEL);
	if (!gfns)
		return -ENOMEM;
	ret = gntbuf_import_frames(buf, gfns);
	if (!ret)
		ret = gntbuf_grant_frames(buf, gfns);
	kvfree(gfns);
	return ret;
}

static int gntbuf_import_attach(struct gntbuf_buffer *buf)
{
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;

	attach = dma_buf_attach(buf->dmabuf, gntbuf_import_dev);
	if (IS_ERR(attach))
		return PTR_ERR(attach);
	buf->import_attach = attach;

	sgt = dma_buf_map_attachment_unlocked(attach, gntbuf_import_dir(buf));
	if (IS_ERR(sgt))
		return PTR_ERR(sgt);
	buf->import_sgt = sgt;
	return 0;
}

/**
 * gntbuf_ioctl_import() - GNTBUF_IOCTL_IMPORT
 * @file: the calling file
 * @uarg: user pointer to &struct gntbuf_import
 *
 * Return: 0 or a negative errno, as documented in the uapi header.
 */
long gntbuf_ioctl_import(struct gntbuf_file *file, void __user *uarg)
{
	struct gntbuf_import req;
	struct gntbuf_buffer *buf;
	struct dma_buf *dmabuf;
	int ret;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags & ~GNTBUF_IMPORT_FLAGS)
		return -EINVAL;
	ret = gntbuf_check_domid(req.domid);
	if (ret)
		return ret;
	ret = gntbuf_check_count(req.count);
	if (ret)
		return ret;

	dmabuf = dma_buf_get(req.fd);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	if (dmabuf->size != (size_t)req.count << PAGE_SHIFT) {
		ret = -EINVAL;
		goto fail_put_dmabuf;
	}
	/* A dma-buf its exporter made read-only is granted read-only only. */
	if (!(dmabuf->file->f_mode & FMODE_WRITE) &&
	    !(req.flags & GNTBUF_IMPORT_READ_ONLY)) {
		ret = -EACCES;
		goto fail_put_dmabuf;
	}
	if (dmabuf->ops == &gntbuf_dmabuf_ops &&
	    ((struct gntbuf_buffer *)dmabuf->priv)->kind == GNTBUF_KIND_EXPORT) {
		/* Another domain's frames: Xen has no transitive grants here. */
		ret = -EXDEV;
		goto fail_put_dmabuf;
	}

	buf = gntbuf_buffer_create(file, GNTBUF_KIND_IMPORT, req.domid,
				   req.count,
				   req.flags & GNTBUF_IMPORT_READ_ONLY);
	if (IS_ERR(buf)) {
		ret = PTR_ERR(buf);
		goto fail_put_dmabuf;
	}
	/* From here the buffer owns the dma-buf reference and a module one. */
	buf->dmabuf = dmabuf;
	__module_get(THIS_MODULE);

	ret = gntbuf_import_attach(buf);
	if (ret)
		goto fail_release_import;

	ret = gntbuf_import_grant(buf);
	if (ret)
		goto fail_release_import;

	ret = gntbuf_copy_refs_to_user(buf, req.refs_ptr);
	if (ret)
		goto fail_release_import;
	req.buffer_id = buf->id;
	if (copy_to_user(uarg, &req, sizeof(req))) {
		ret = -EFAULT;
		goto fail_release_import;
	}
	gntbuf_file_add(file, buf);
	gntbuf_buffer_shared(buf);
	return 0;

fail_release_import:
	gntbuf_import_release(buf);
	return ret;
fail_put_dmabuf:
	dma_buf_put(dmabuf);
	return ret;
}

/**
 * gntbuf_ioctl_import_release() - GNTBUF_IOCTL_IMPORT_RELEASE
 * @file: the calling file
 * @uarg: user pointer to &struct gntbuf_import_release
 *
 * Return: 0, -ENOENT for an id this file does not hold or already released,
 * -EINVAL for an id that is not an import or non-zero @flags or @pad.
 */
long gntbuf_ioctl_import_release(struct gntbuf_file *file, void __user *uarg)
{
	struct gntbuf_import_release req;
	struct gntbuf_buffer *buf;
	long ret = 0;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags || req.pad)
		return -EINVAL;

	buf = gntbuf_file_lookup(file, req.buffer_id);
	if (!buf)
		return -ENOENT;
	if (buf->kind != GNTBUF_KIND_IMPORT)
		ret = -EINVAL;
	else if (gntbuf_import_mark_released(buf))
		gntbuf_import_end(buf);
	else
		ret = -ENOENT;
	gntbuf_buffer_put(buf);
	return ret;
}
