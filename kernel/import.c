// SPDX-License-Identifier: GPL-2.0
/*
 * xen-gntbuf: IMPORT, the pages of another exporter's dma-buf granted to a
 * peer.
 *
 * The module attaches to the dma-buf with its own device and maps it; the
 * frames granted are those of the DMA addresses of that mapping, never
 * sg_page() (an importer must not touch the exporter's struct pages; see
 * Linux commit 2d2db7d40254).  Each DMA segment must start on a page and
 * hold whole pages.  A mapping that bounced through swiotlb is refused: the
 * peer would get the bounce buffer, not the dma-buf.
 *
 * An import holds a module reference until its last grant is ended, which
 * may be after IMPORT_RELEASE and the close of the file, when the peer
 * unmaps late.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-direct.h>
#include <linux/dma-mapping.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/swiotlb.h>
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
	if (gntbuf_end_grants(buf)) {
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
 * The guest frame of each page of the mapping, checked: whole pages, our
 * own frames (a foreign frame mapped here cannot be granted on), and no
 * swiotlb bounce buffer.
 */
static int gntbuf_import_frames(struct gntbuf_buffer *buf,
				unsigned long *gfns)
{
	struct device *dev = gntbuf_dma_dev;
	struct scatterlist *sg;
	unsigned int i, k = 0;

	for_each_sgtable_dma_sg(buf->import_sgt, sg, i) {
		dma_addr_t addr = sg_dma_address(sg);
		unsigned int len = sg_dma_len(sg);

		if (!PAGE_ALIGNED(addr) || !PAGE_ALIGNED(len))
			return -EINVAL;
		for (; len; len -= PAGE_SIZE, addr += PAGE_SIZE) {
			unsigned long bfn, pfn;

			if (k == buf->count)
				return -EINVAL;
			bfn = PHYS_PFN(dma_to_phys(dev, addr));
			pfn = bfn_to_pfn(bfn);
			if (!pfn_valid(pfn) || pfn_to_bfn(pfn) != bfn)
				return -EXDEV;
			if (is_swiotlb_buffer(dev, PFN_PHYS(pfn))) {
				/*
				 * In a PV domain swiotlb-xen bounces any sg
				 * segment whose pages are contiguous in the
				 * physmap but not in machine memory.
				 */
				atomic64_inc(&gntbuf_counters.bounce_refusals);
				dev_warn_ratelimited(dev, "IMPORT: the exporter's mapping bounced (segment of %u bytes); refused\n",
						     sg_dma_len(sg));
				return -EREMOTEIO;
			}
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

	/* Refuse before mapping: a forced bounce would copy the pages. */
	if (is_swiotlb_force_bounce(gntbuf_dma_dev)) {
		atomic64_inc(&gntbuf_counters.bounce_refusals);
		return -EREMOTEIO;
	}

	attach = dma_buf_attach(buf->dmabuf, gntbuf_dma_dev);
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

	if (copy_to_user(u64_to_user_ptr(req.refs_ptr), buf->refs,
			 array_size(req.count, sizeof(*buf->refs)))) {
		ret = -EFAULT;
		goto fail_release_import;
	}
	req.buffer_id = buf->id;
	if (copy_to_user(uarg, &req, sizeof(req))) {
		ret = -EFAULT;
		goto fail_release_import;
	}
	gntbuf_file_add(file, buf);
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
