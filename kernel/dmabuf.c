// SPDX-License-Identifier: GPL-2.0
/*
 * xen-gntbuf: the dma_buf_ops of EXPORT_REFS and ALLOC buffers.
 *
 * Device mappings have one sg entry per page, each page mapped on its own
 * (dma_map_page), never merged, and never bounce: a page that the importer's device could reach only through a
 * swiotlb bounce buffer fails the mapping with -EREMOTEIO and counts a
 * bounce refusal.  The CPU cache maintenance is done here, in
 * begin/end_cpu_access (and SYNC_RANGE, cache.c), not left to the DMA API:
 * device mappings are made with DMA_ATTR_SKIP_CPU_SYNC.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/dma-direct.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/iommu.h>
#include <linux/iosys-map.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/swiotlb.h>
#include <linux/vmalloc.h>
#include <xen/features.h>
#include <xen/page.h>
#ifndef CONFIG_X86
#include <xen/swiotlb-xen.h>
#endif

#include "xen-gntbuf.h"

/* The CPU may only read an EXPORT_REFS buffer mapped read-only. */
static bool gntbuf_cpu_readonly(struct gntbuf_buffer *buf)
{
	return buf->kind == GNTBUF_KIND_EXPORT && buf->readonly;
}

/*
 * Do this domain's devices reach its pages at machine addresses?  An x86
 * PV domain's do (through swiotlb-xen and the p2m); so do those of an ARM
 * domain that Xen maps 1:1 (a dom0: Linux gives every device it
 * configures swiotlb-xen there, xen_swiotlb_detect()).  In other
 * auto-translated domains devices use guest-physical addresses, behind the
 * IOMMU that shares Xen's stage 2, where a grant is mapped too.
 */
static bool gntbuf_machine_dma(void)
{
#ifdef CONFIG_X86
	return !xen_feature(XENFEAT_auto_translated_physmap);
#else
	return xen_swiotlb_detect();
#endif
}

/*
 * The bus address a device reaches @page at without bouncing: the frame
 * that swiotlb-xen (xen_phys_to_dma()) or dma-direct would use.  Where
 * devices see machine addresses, pfn_to_bfn() reads the p2m, where
 * gnttab_map_refs() put the granted frame.  IMPORT of a gntbuf ALLOC
 * buffer attaches with the module's import device, whose DMA addresses
 * are guest-physical.
 */
static dma_addr_t gntbuf_page_dma(struct device *dev, struct page *page)
{
	unsigned long pfn = page_to_xen_pfn(page);

	/* IMPORT's own device addresses pages guest-physically. */
	if (gntbuf_is_import_dev(dev))
		return page_to_phys(page);
	if (gntbuf_machine_dma())
		pfn = pfn_to_bfn(pfn);
	return phys_to_dma(dev, PFN_PHYS(pfn));
}

/*
 * Does @dev get the grant-mapped pages of @buf at the addresses the module
 * computes, rather than from its own DMA API?  Only a device that the DMA
 * API maps with dma-direct (no DMA ops) in an ARM domain whose devices see
 * machine addresses: arch_setup_dma_ops() gives every device it configures
 * swiotlb-xen there, so such a device was never configured for Xen (vgem,
 * a platform device without a firmware node) and dma-direct would hand it
 * a grant-mapped page's pseudo-physical address: the frame ballooned out
 * for it, not the granted one.  It gets what swiotlb-xen would give
 * (xen_phys_to_dma(): the granted frame), and the module maintains the
 * caches for it (gntbuf_sync_attachment()).  x86 PV devices all have
 * swiotlb-xen; an auto-translated x86 domain's see guest-physical
 * addresses.
 */
static bool gntbuf_xen_bus_map(struct device *dev, struct gntbuf_buffer *buf)
{
#ifdef CONFIG_X86
	return false;
#else
	return buf->kind == GNTBUF_KIND_EXPORT && gntbuf_machine_dma() &&
	       !get_dma_ops(dev) && !gntbuf_is_import_dev(dev);
#endif
}

/*
 * Does the DMA API translate @dev's addresses through an IOMMU, which maps
 * whole, aligned pages in place?  Only a DMA-API domain does: an identity
 * (passthrough) domain is dma-direct, swiotlb included, and so is a
 * device with no IOMMU.
 */
static bool gntbuf_dev_translated(struct device *dev)
{
	struct iommu_domain *domain;

	if (!device_iommu_mapped(dev))
		return false;
	domain = iommu_get_domain_for_dev(dev);
	return domain && (domain->type & __IOMMU_DOMAIN_DMA_API);
}

/* Before mapping: would the DMA API bounce any page of @buf for @dev? */
static bool gntbuf_would_bounce(struct device *dev, struct gntbuf_buffer *buf)
{
	unsigned int i;

	/* IMPORT's own device never bounces, swiotlb=force or not. */
	if (gntbuf_is_import_dev(dev))
		return false;
	if (gntbuf_dev_translated(dev))
		return false;
	if (is_swiotlb_force_bounce(dev))
		return true;
	if (!dev->dma_mask)
		return false;	/* dma_map_page() refuses it. */
	for (i = 0; i < buf->count; i++)
		if (!dma_capable(dev, gntbuf_page_dma(dev, buf->pages[i]),
				 PAGE_SIZE, true))
			return true;
	return false;
}

/*
 * After mapping: every page must be mapped in place (or by an IOMMU), a
 * whole page at a time.
 */
static bool gntbuf_mapped_in_place(struct device *dev,
				   struct gntbuf_buffer *buf,
				   struct gntbuf_attachment *ga)
{
	bool iommu = gntbuf_dev_translated(dev);
	unsigned int i;

	for (i = 0; i < buf->count; i++) {
		if (!PAGE_ALIGNED(ga->dma[i]))
			return false;
		if (!iommu && ga->dma[i] != gntbuf_page_dma(dev, buf->pages[i]))
			return false;
	}
	return true;
}

/* Unmap the first @n pages of @ga's mapping, without a CPU sync. */
static void gntbuf_unmap_pages(struct device *dev,
			       struct gntbuf_attachment *ga, unsigned int n,
			       enum dma_data_direction dir)
{
	if (ga->xen_bus)
		return;	/* Nothing was mapped through the DMA API. */
	while (n--)
		dma_unmap_page_attrs(dev, ga->dma[n], PAGE_SIZE, dir,
				     DMA_ATTR_SKIP_CPU_SYNC);
}

/*
 * Map each page on its own, into its own sg entry: a sync of part of the
 * buffer then names whole mappings (cache.c), which the DMA API can tell
 * apart from the same page mapped again for the same device (another
 * attachment, or another buffer of the same grants); DMA-API debugging
 * reports a partial sync of an sg mapping made twice as memory never
 * mapped.
 */
static int gntbuf_map_pages(struct device *dev, struct gntbuf_buffer *buf,
			    struct gntbuf_attachment *ga,
			    enum dma_data_direction dir)
{
	struct scatterlist *sg;
	unsigned int i;

	for_each_sgtable_sg(&ga->sgt, sg, i) {
		dma_addr_t addr;

		if (ga->xen_bus) {
			/* Computed, not mapped: nothing can fail. */
			addr = gntbuf_page_dma(dev, buf->pages[i]);
		} else {
			addr = dma_map_page_attrs(dev, buf->pages[i], 0,
						  PAGE_SIZE, dir,
						  DMA_ATTR_SKIP_CPU_SYNC);
			if (dma_mapping_error(dev, addr)) {
				gntbuf_unmap_pages(dev, ga, i, dir);
				return -ENOMEM;
			}
		}
		ga->dma[i] = addr;
		sg_dma_address(sg) = addr;
		sg_dma_len(sg) = PAGE_SIZE;
	}
	ga->sgt.nents = ga->sgt.orig_nents;
	return 0;
}

static int gntbuf_dmabuf_attach(struct dma_buf *dmabuf,
				struct dma_buf_attachment *attach)
{
	struct gntbuf_buffer *buf = dmabuf->priv;
	struct gntbuf_attachment *ga;

	ga = kzalloc(sizeof(*ga), GFP_KERNEL);
	if (!ga)
		return -ENOMEM;
	ga->attach = attach;
	ga->dir = DMA_NONE;
	attach->priv = ga;

	mutex_lock(&buf->lock);
	list_add_tail(&ga->node, &buf->attachments);
	WRITE_ONCE(buf->nr_attachments, buf->nr_attachments + 1);
	mutex_unlock(&buf->lock);
	return 0;
}

static void gntbuf_dmabuf_detach(struct dma_buf *dmabuf,
				 struct dma_buf_attachment *attach)
{
	struct gntbuf_buffer *buf = dmabuf->priv;
	struct gntbuf_attachment *ga = attach->priv;

	mutex_lock(&buf->lock);
	list_del(&ga->node);
	WRITE_ONCE(buf->nr_attachments, buf->nr_attachments - 1);
	mutex_unlock(&buf->lock);
	WARN_ON(ga->mapped);
	kfree(ga);
}

static struct sg_table *gntbuf_map_dma_buf(struct dma_buf_attachment *attach,
					   enum dma_data_direction dir)
{
	struct gntbuf_buffer *buf = attach->dmabuf->priv;
	struct gntbuf_attachment *ga = attach->priv;
	struct device *dev = attach->dev;
	struct scatterlist *sg;
	unsigned int i;
	int ret;

	mutex_lock(&buf->lock);
	if (ga->mapped) {
		ret = -EBUSY;
		goto out_unlock;
	}

	ga->dma = kvmalloc_array(buf->count, sizeof(*ga->dma), GFP_KERNEL);
	if (!ga->dma) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	ret = sg_alloc_table(&ga->sgt, buf->count, GFP_KERNEL);
	if (ret)
		goto fail_free_dma;
	for_each_sgtable_sg(&ga->sgt, sg, i)
		sg_set_page(sg, buf->pages[i], PAGE_SIZE, 0);

	/* Checked as swiotlb-xen would check it: forced, or out of reach. */
	if (gntbuf_would_bounce(dev, buf)) {
		ret = -EREMOTEIO;
		goto fail_refuse;
	}
	ga->xen_bus = gntbuf_xen_bus_map(dev, buf);

	ret = gntbuf_map_pages(dev, buf, ga, dir);
	if (ret == -ENOMEM && !ga->xen_bus && !gntbuf_dev_translated(dev) &&
	    !gntbuf_is_import_dev(dev)) {
		/* dma-direct fails only when a bounce buffer was wanted. */
		ret = -EREMOTEIO;
		goto fail_refuse;
	}
	if (ret)
		goto fail_free_table;

	if (!ga->xen_bus && !gntbuf_mapped_in_place(dev, buf, ga)) {
		/* Skipping the CPU sync also skipped any bounce copy. */
		gntbuf_unmap_pages(dev, ga, buf->count, dir);
		ret = -EREMOTEIO;
		goto fail_refuse;
	}

	ga->dir = dir;
	ga->mapped = true;
	/* Hand the pages to the device as the DMA API defines it. */
	gntbuf_sync_attachment(ga, 0, buf->count - 1, true);
	mutex_unlock(&buf->lock);
	return &ga->sgt;

fail_refuse:
	atomic64_inc(&gntbuf_counters.bounce_refusals);
	dev_warn_ratelimited(dev, "buffer %llu: refused a mapping that would bounce\n",
			     buf->id);
fail_free_table:
	ga->xen_bus = false;
	sg_free_table(&ga->sgt);
fail_free_dma:
	kvfree(ga->dma);
	ga->dma = NULL;
out_unlock:
	mutex_unlock(&buf->lock);
	return ERR_PTR(ret);
}

static void gntbuf_unmap_dma_buf(struct dma_buf_attachment *attach,
				 struct sg_table *sgt,
				 enum dma_data_direction dir)
{
	struct gntbuf_buffer *buf = attach->dmabuf->priv;
	struct gntbuf_attachment *ga = attach->priv;

	mutex_lock(&buf->lock);
	/* The CPU side is begin_cpu_access's job: skip the sync here too. */
	gntbuf_unmap_pages(attach->dev, ga, buf->count, ga->dir);
	sg_free_table(&ga->sgt);
	kvfree(ga->dma);
	ga->dma = NULL;
	ga->mapped = false;
	ga->xen_bus = false;
	ga->dir = DMA_NONE;
	mutex_unlock(&buf->lock);
}

static void gntbuf_dmabuf_release(struct dma_buf *dmabuf)
{
	struct gntbuf_buffer *buf = dmabuf->priv;

	WARN_ON(buf->vaddr);
	if (buf->kind == GNTBUF_KIND_EXPORT)
		gntbuf_export_release(buf);
	else
		gntbuf_alloc_release(buf);
}

/*
 * begin_cpu_access: the CPU is about to access the buffer.
 * - DMA_FROM_DEVICE, DMA_BIDIRECTIONAL: a device may have written; drop
 *   the CPU's stale lines (x86: CLFLUSH; ARM: invalidate to the PoC) after
 *   each mapped attachment gave the pages back to the CPU.
 * - DMA_TO_DEVICE: the CPU will only write; nothing is stale for it.
 */
static int gntbuf_begin_cpu_access(struct dma_buf *dmabuf,
				   enum dma_data_direction dir)
{
	struct gntbuf_buffer *buf = dmabuf->priv;
	u64 size = (u64)buf->count << PAGE_SHIFT;
	u64 bytes;

	mutex_lock(&buf->lock);
	gntbuf_sync_attachments(buf, 0, size, false);
	bytes = gntbuf_cache_range(buf, 0, size, false,
				   dir != DMA_TO_DEVICE);
	mutex_unlock(&buf->lock);
	atomic64_add(bytes, &gntbuf_counters.flushed_bytes_full);
	return 0;
}

/*
 * end_cpu_access: the CPU is done.
 * - DMA_TO_DEVICE, DMA_BIDIRECTIONAL: write the CPU's dirty lines back
 *   (x86: CLFLUSH; ARM: clean to the PoC), so that every mapped attachment,
 *   the mmap, the vmap and the peer domain see them, then give the pages
 *   back to each mapped attachment's device.
 * - DMA_FROM_DEVICE: the CPU only read; nothing to write back.
 */
static int gntbuf_end_cpu_access(struct dma_buf *dmabuf,
				 enum dma_data_direction dir)
{
	struct gntbuf_buffer *buf = dmabuf->priv;
	u64 size = (u64)buf->count << PAGE_SHIFT;
	u64 bytes;

	mutex_lock(&buf->lock);
	bytes = gntbuf_cache_range(buf, 0, size, dir != DMA_FROM_DEVICE,
				   false);
	gntbuf_sync_attachments(buf, 0, size, true);
	mutex_unlock(&buf->lock);
	atomic64_add(bytes, &gntbuf_counters.flushed_bytes_full);
	return 0;
}

/*
 * mmap of another domain's frames (EXPORT_REFS): no get_user_pages(),
 * whose pin (e.g. by vmsplice()) would make the release's grant unmap wait
 * for it, unkillably.  The PTEs are special, so GUP-fast leaves them to
 * the slow path, and the vma is VM_IO, which that path refuses (and so
 * does madvise(MADV_DOFORK): a PV mapping is never copied).
 */
static int gntbuf_mmap_foreign(struct gntbuf_buffer *buf,
			       struct vm_area_struct *vma)
{
	unsigned long i;
	int ret;

	vma->vm_flags |= VM_IO;
	/* A PV domain may map a foreign frame only by a grant operation. */
	if (buf->pv_foreign)
		return gntbuf_pv_mmap(buf, vma);
	for (i = 0; i < vma_pages(vma); i++) {
		ret = remap_pfn_range(vma, vma->vm_start + (i << PAGE_SHIFT),
				      page_to_pfn(buf->pages[vma->vm_pgoff + i]),
				      PAGE_SIZE, vma->vm_page_prot);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * mmap: write-back, like the kernel's own mapping of the pages (no
 * write-combine: grant memory is ordinary RAM of some domain, and the
 * cache maintenance above is what keeps devices coherent with it).
 */
static int gntbuf_dmabuf_mmap(struct dma_buf *dmabuf,
			      struct vm_area_struct *vma)
{
	struct gntbuf_buffer *buf = dmabuf->priv;
	unsigned long npages = vma_pages(vma);
	unsigned long i;
	int ret;

	if (vma->vm_pgoff > buf->count || npages > buf->count - vma->vm_pgoff)
		return -EINVAL;
	/* A private copy of shared grant pages makes no sense (udmabuf too). */
	if (!(vma->vm_flags & (VM_SHARED | VM_MAYSHARE)))
		return -EINVAL;
	if (gntbuf_cpu_readonly(buf)) {
		if (vma->vm_flags & VM_WRITE)
			return -EACCES;
		vma->vm_flags &= ~VM_MAYWRITE;
	}
	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;
	if (buf->kind == GNTBUF_KIND_EXPORT)
		return gntbuf_mmap_foreign(buf, vma);

	for (i = 0; i < npages; i++) {
		ret = vm_insert_page(vma, vma->vm_start + (i << PAGE_SHIFT),
				     buf->pages[vma->vm_pgoff + i]);
		if (ret)
			return ret;
	}
	return 0;
}

static int gntbuf_dmabuf_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct gntbuf_buffer *buf = dmabuf->priv;
	pgprot_t prot = gntbuf_cpu_readonly(buf) ? PAGE_KERNEL_RO : PAGE_KERNEL;
	void *vaddr;
	int ret = 0;

	mutex_lock(&buf->lock);
	if (!buf->vaddr) {
		if (buf->pv_foreign) {
			vaddr = gntbuf_pv_vmap(buf);
		} else {
			vaddr = vmap(buf->pages, buf->count, VM_MAP, prot);
			if (!vaddr)
				vaddr = ERR_PTR(-ENOMEM);
		}
		if (IS_ERR(vaddr))
			ret = PTR_ERR(vaddr);
		else
			buf->vaddr = vaddr;
	}
	if (!ret)
		iosys_map_set_vaddr(map, buf->vaddr);
	mutex_unlock(&buf->lock);
	return ret;
}

static void gntbuf_dmabuf_vunmap(struct dma_buf *dmabuf,
				 struct iosys_map *map)
{
	struct gntbuf_buffer *buf = dmabuf->priv;

	mutex_lock(&buf->lock);
	if (buf->vaddr) {
		if (buf->pv_foreign)
			gntbuf_pv_vunmap(buf);
		else
			vunmap(buf->vaddr);
		buf->vaddr = NULL;
	}
	mutex_unlock(&buf->lock);
}

const struct dma_buf_ops gntbuf_dmabuf_ops = {
	.attach = gntbuf_dmabuf_attach,
	.detach = gntbuf_dmabuf_detach,
	.map_dma_buf = gntbuf_map_dma_buf,
	.unmap_dma_buf = gntbuf_unmap_dma_buf,
	.release = gntbuf_dmabuf_release,
	.begin_cpu_access = gntbuf_begin_cpu_access,
	.end_cpu_access = gntbuf_end_cpu_access,
	.mmap = gntbuf_dmabuf_mmap,
	.vmap = gntbuf_dmabuf_vmap,
	.vunmap = gntbuf_dmabuf_vunmap,
};

/**
 * gntbuf_dmabuf_export() - the dma-buf of an EXPORT_REFS or ALLOC buffer
 * @buf: the buffer, with every page in place
 *
 * The dma-buf holds a reference to this module (exp_info.owner) until it
 * is released, and its release ends the buffer.  It is O_RDONLY for a
 * read-only EXPORT_REFS buffer, else O_RDWR.
 *
 * Return: 0 or a negative errno.
 */
int gntbuf_dmabuf_export(struct gntbuf_buffer *buf)
{
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct dma_buf *dmabuf;

	exp_info.ops = &gntbuf_dmabuf_ops;
	exp_info.size = (size_t)buf->count << PAGE_SHIFT;
	exp_info.flags = gntbuf_cpu_readonly(buf) ? O_RDONLY : O_RDWR;
	exp_info.priv = buf;

	dmabuf = dma_buf_export(&exp_info);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	buf->dmabuf = dmabuf;
	return 0;
}
