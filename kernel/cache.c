// SPDX-License-Identifier: GPL-2.0
/*
 * xen-gntbuf: CPU cache maintenance of byte ranges, and SYNC_RANGE.
 *
 * Data caches are physically tagged on x86 and behave so on ARMv8, so one
 * maintenance operation through any alias (here the kernel mapping of each
 * page) covers every CPU mapping of the frame: the mmap, the vmap and the
 * kernel's.  Devices are handled through each mapped attachment, with the
 * DMA API's sync calls on the pages of the range.
 *
 * x86: CLFLUSH/CLFLUSHOPT (clflush_cache_range()) writes a dirty line back
 * and invalidates it, so both directions are the same instruction.
 *
 * ARM, ARM64 (the design is in README.md, "Cache maintenance"): the CPU
 * cache lines of a page are maintained where the page is mapped
 * read-write, by virtual address through the DMA API: each page is mapped
 * once for the module's own, non-coherent device (dma-direct, given no
 * swiotlb so that it never bounces, swiotlb=force or not), then cleaned
 * to the point of coherency (dma_sync_single_range_for_device(),
 * DMA_TO_DEVICE) or invalidated (dma_sync_single_range_for_cpu(),
 * DMA_FROM_DEVICE).  Data caches are physically tagged, and a grant-mapped
 * page's address translates, through Xen's stage 2, to the granted frame:
 * the lines maintained are that frame's.  A read-only grant mapping is
 * never maintained by address (an invalidate by address may need write
 * permission, which stage 2 does not give): Xen cleans, or cleans and
 * invalidates, the granted frame through its own mapping
 * (GNTTABOP_cache_flush, by the frame's bus address, as swiotlb-xen does
 * for foreign frames).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/swiotlb.h>
#include <linux/uaccess.h>
#ifdef CONFIG_X86
#include <asm/cacheflush.h>
#else
#include <linux/dma-direct.h>
#include <xen/interface/grant_table.h>
#include <xen/page.h>
#include <asm/xen/hypercall.h>
#endif

#include "xen-gntbuf.h"

/*
 * The device the maintenance maps each page through with the DMA API
 * (not x86), and that SYNC_RANGE with %GNTBUF_SYNC_ANY_DMABUF attaches to
 * other exporters' dma-bufs (every architecture).  A device of its own,
 * set up before /dev/xen/gntbuf exists, so that no open can reach a
 * buffer before it does.
 */
static struct device *gntbuf_dma_dev;

#ifndef CONFIG_X86
/* Xen performs GNTTABOP_cache_flush (asked once at load, as Linux does). */
static bool gntbuf_cflush;

static void gntbuf_cache_probe(struct device *dev)
{
	struct gnttab_cache_flush cflush = { };

#ifdef CONFIG_SWIOTLB
	/*
	 * No bounce pool for this device: its mappings are only handles for
	 * the DMA API's cache maintenance of each page in place, and a bounce
	 * slot would be maintained instead of the page (swiotlb=force).
	 * dma-direct with a 64-bit mask then maps every page in place.
	 */
	dev->dma_io_tlb_mem = NULL;
#endif
	/* An empty operation: Xen does nothing and says 0, if it knows it. */
	gntbuf_cflush = !HYPERVISOR_grant_table_op(GNTTABOP_cache_flush,
						   &cflush, 1);
}
#else
static void gntbuf_cache_probe(struct device *dev)
{
}
#endif

/*
 * A root device has no DMA parameters, and the DMA API then takes its
 * segments to be 64 KiB at most; another exporter's sg table mapped for
 * it (GNTBUF_SYNC_ANY_DMABUF, an IMPORT's ranges) may hold longer ones
 * (measured: vgem's 128 KiB, which CONFIG_DMA_API_DEBUG reports).
 */
static struct device_dma_parameters gntbuf_cache_dma_parms;

/**
 * gntbuf_cache_dev_init() - create the device the maintenance maps through
 *
 * Return: 0 or a negative errno.
 */
int gntbuf_cache_dev_init(void)
{
	struct device *dev;
	int ret;

	dev = root_device_register("xen-gntbuf-cache");
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	dev->dma_mask = &dev->coherent_dma_mask;
	dev->dma_parms = &gntbuf_cache_dma_parms;
	ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64));
	if (!ret)
		ret = dma_set_max_seg_size(dev, UINT_MAX);
	if (ret) {
		root_device_unregister(dev);
		return ret;
	}
	gntbuf_cache_probe(dev);
	gntbuf_dma_dev = dev;
	return 0;
}

/**
 * gntbuf_cache_dev_exit() - remove it, once no buffer is left
 */
void gntbuf_cache_dev_exit(void)
{
	root_device_unregister(gntbuf_dma_dev);
	gntbuf_dma_dev = NULL;
}

#ifdef CONFIG_X86
/**
 * gntbuf_cache_init() - prepare a buffer's cache maintenance
 * @buf: an EXPORT_REFS or ALLOC buffer with its pages in place
 *
 * Nothing to prepare on x86: the kernel mapping of each page is used.
 *
 * Return: 0.
 */
int gntbuf_cache_init(struct gntbuf_buffer *buf)
{
	return 0;
}

/**
 * gntbuf_cache_fini() - undo gntbuf_cache_init()
 * @buf: the buffer
 */
void gntbuf_cache_fini(struct gntbuf_buffer *buf)
{
}

static void gntbuf_cache_page(struct gntbuf_buffer *buf, unsigned long pg,
			      unsigned int off, unsigned int len,
			      bool to_device, bool to_cpu)
{
	void *vaddr = kmap_local_page(buf->pages[pg]);

	/* Write back (to device) and invalidate (to CPU): one instruction. */
	clflush_cache_range(vaddr + off, len);
	kunmap_local(vaddr);
}
#else /* !CONFIG_X86 */
/* Maintained by Xen, by bus address, rather than by virtual address? */
static bool gntbuf_cache_by_xen(struct gntbuf_buffer *buf)
{
	return buf->kind == GNTBUF_KIND_EXPORT && buf->readonly;
}

int gntbuf_cache_init(struct gntbuf_buffer *buf)
{
	struct device *dev = gntbuf_dma_dev;
	unsigned int i;

	if (gntbuf_cache_by_xen(buf) && !gntbuf_cflush)
		return -EOPNOTSUPP;
	buf->cpu_dma = kvmalloc_array(buf->count, sizeof(*buf->cpu_dma),
				      GFP_KERNEL);
	if (!buf->cpu_dma)
		return -ENOMEM;
	for (i = 0; i < buf->count; i++) {
		struct page *page = buf->pages[i];
		dma_addr_t addr;

		if (gntbuf_cache_by_xen(buf)) {
			/* The granted frame's bus address (the grant's). */
			buf->cpu_dma[i] = PFN_PHYS(pfn_to_bfn(page_to_xen_pfn(page)));
			continue;
		}
		addr = dma_map_page_attrs(dev, page, 0, PAGE_SIZE,
					  DMA_BIDIRECTIONAL,
					  DMA_ATTR_SKIP_CPU_SYNC);
		if (dma_mapping_error(dev, addr))
			goto fail_unmap;
		if (addr != phys_to_dma(dev, page_to_phys(page))) {
			/* Not in place: the maintenance would miss the page. */
			dma_unmap_page_attrs(dev, addr, PAGE_SIZE,
					     DMA_BIDIRECTIONAL,
					     DMA_ATTR_SKIP_CPU_SYNC);
			goto fail_unmap;
		}
		buf->cpu_dma[i] = addr;
	}
	return 0;

fail_unmap:
	while (i--)
		dma_unmap_page_attrs(dev, buf->cpu_dma[i], PAGE_SIZE,
				     DMA_BIDIRECTIONAL, DMA_ATTR_SKIP_CPU_SYNC);
	kvfree(buf->cpu_dma);
	buf->cpu_dma = NULL;
	pr_warn_ratelimited("buffer %llu: the cache device cannot map a page in place\n",
			    buf->id);
	return -EREMOTEIO;
}

void gntbuf_cache_fini(struct gntbuf_buffer *buf)
{
	unsigned int i;

	if (!buf->cpu_dma)
		return;
	for (i = 0; i < buf->count && !gntbuf_cache_by_xen(buf); i++)
		dma_unmap_page_attrs(gntbuf_dma_dev, buf->cpu_dma[i], PAGE_SIZE,
				     DMA_BIDIRECTIONAL, DMA_ATTR_SKIP_CPU_SYNC);
	kvfree(buf->cpu_dma);
	buf->cpu_dma = NULL;
}

/*
 * Xen maintains @len bytes at bus address @bus, within one frame, through
 * its own mapping of it: GNTTABOP_cache_flush, one frame per call as
 * Linux's own swiotlb-xen does (arch/arm/xen/mm.c), which keeps each call
 * visible to a trace (kprobe on HYPERVISOR_grant_table_op, command 12).
 */
static noinline void gntbuf_cache_flush_frame(phys_addr_t bus,
					      unsigned int len, u32 op)
{
	struct gnttab_cache_flush cflush = {
		.a.dev_bus_addr = bus & XEN_PAGE_MASK,
		.offset = xen_offset_in_page(bus),
		.length = len,
		.op = op,
	};
	int ret;

	ret = HYPERVISOR_grant_table_op(GNTTABOP_cache_flush, &cflush, 1);
	if (ret)
		pr_warn_ratelimited("GNTTABOP_cache_flush of frame %pa: %d\n",
				    &bus, ret);
}

static void gntbuf_cache_page(struct gntbuf_buffer *buf, unsigned long pg,
			      unsigned int off, unsigned int len,
			      bool to_device, bool to_cpu)
{
	dma_addr_t addr = buf->cpu_dma[pg];

	if (gntbuf_cache_by_xen(buf)) {
		/*
		 * Read-only grant mapping.  To device: clean what any CPU
		 * (the granter's) left dirty.  To CPU: clean and invalidate,
		 * never a bare invalidate, which could drop a line the
		 * granter wrote and not yet cleaned.
		 */
		if (to_cpu)
			gntbuf_cache_flush_frame(addr + off, len,
						 GNTTAB_CACHE_CLEAN |
						 GNTTAB_CACHE_INVAL);
		else if (to_device)
			gntbuf_cache_flush_frame(addr + off, len,
						 GNTTAB_CACHE_CLEAN);
		return;
	}
	/* To device: clean the CPU's dirty lines to the point of coherency. */
	if (to_device)
		dma_sync_single_range_for_device(gntbuf_dma_dev, addr, off,
						 len, DMA_TO_DEVICE);
	/* To CPU: invalidate lines that may predate the device's writes. */
	if (to_cpu)
		dma_sync_single_range_for_cpu(gntbuf_dma_dev, addr, off, len,
					      DMA_FROM_DEVICE);
}
#endif /* CONFIG_X86 */

/**
 * gntbuf_cache_range() - CPU cache maintenance of a byte range
 * @buf: an EXPORT_REFS or ALLOC buffer, with @buf->lock held
 * @offset: first byte
 * @length: number of bytes; @offset + @length is within the buffer
 * @to_device: write back what the CPU wrote
 * @to_cpu: drop lines the CPU may hold from before a device wrote
 *
 * Only the pages, and within them the lines, of the range are touched.
 *
 * Return: the number of bytes maintained (0 if no direction was asked).
 */
u64 gntbuf_cache_range(struct gntbuf_buffer *buf, u64 offset, u64 length,
		       bool to_device, bool to_cpu)
{
	unsigned long pg, first, last;
	u64 end = offset + length;

	if (!length || (!to_device && !to_cpu))
		return 0;
#ifdef GNTBUF_TEST_NO_MAINTENANCE
	/*
	 * Set only by the build of xen-gntbuf-nomaint.ko (kernel/meson.build),
	 * a deliberately broken module without its CPU cache maintenance, on
	 * which the cache-trace test (igt-tests/gntbuf_cache_trace.c) must
	 * fail.
	 */
	return length;
#endif

	first = offset >> PAGE_SHIFT;
	last = (end - 1) >> PAGE_SHIFT;
	for (pg = first; pg <= last; pg++) {
		unsigned int from = pg == first ? offset_in_page(offset) : 0;
		unsigned int to = pg == last ? offset_in_page(end - 1) + 1 :
					       PAGE_SIZE;

		gntbuf_cache_page(buf, pg, from, to - from, to_device, to_cpu);
		cond_resched();
	}
	return length;
}

/**
 * gntbuf_sync_attachment() - DMA API ownership of whole pages of a mapping
 * @ga: a mapped attachment, with its buffer's lock held
 * @first: first page
 * @last: last page
 * @for_device: give the pages to the device, else to the CPU
 *
 * Each page was mapped on its own (dmabuf.c): each is synced whole, the
 * way it was mapped, so that the DMA API tells this mapping apart from
 * the same page mapped again for the same device.
 */
void gntbuf_sync_attachment(struct gntbuf_attachment *ga, unsigned long first,
			    unsigned long last, bool for_device)
{
	struct device *dev = ga->attach->dev;
	unsigned long pg;

	if (ga->xen_bus) {
		/*
		 * Addresses the module gave (dmabuf.c): what swiotlb-xen's
		 * syncs would do for it, the module does.  arm64's for a
		 * non-coherent device: clean for the device whatever the
		 * direction, invalidate for the CPU unless it only wrote.
		 */
		struct gntbuf_buffer *buf = ga->attach->dmabuf->priv;

		if (dev_is_dma_coherent(dev) ||
		    (!for_device && ga->dir == DMA_TO_DEVICE))
			return;
		for (pg = first; pg <= last; pg++)
			gntbuf_cache_page(buf, pg, 0, PAGE_SIZE, for_device,
					  !for_device);
		return;
	}
	for (pg = first; pg <= last; pg++) {
		if (for_device)
			dma_sync_single_for_device(dev, ga->dma[pg], PAGE_SIZE,
						   ga->dir);
		else
			dma_sync_single_for_cpu(dev, ga->dma[pg], PAGE_SIZE,
						ga->dir);
	}
}

/**
 * gntbuf_sync_attachments() - DMA API ownership of a range, per attachment
 * @buf: the buffer, with @buf->lock held
 * @offset: first byte
 * @length: number of bytes
 * @for_device: give the range to the devices, else to the CPU
 *
 * For each mapped attachment: what its device needs beyond the CPU cache
 * maintenance (nothing on a coherent x86 device mapped in place; cache
 * maintenance for a non-coherent ARM device), for the whole pages the
 * range touches.
 */
void gntbuf_sync_attachments(struct gntbuf_buffer *buf, u64 offset,
			     u64 length, bool for_device)
{
	struct gntbuf_attachment *ga;

	if (!length)
		return;
	list_for_each_entry(ga, &buf->attachments, node) {
		if (!ga->mapped)
			continue;
		gntbuf_sync_attachment(ga, offset >> PAGE_SHIFT,
				       (offset + length - 1) >> PAGE_SHIFT,
				       for_device);
	}
}

/*
 * Maintain @n ranges of @buf, all within it (checked by the caller), in
 * the directions of @flags, under one hold of the buffer's lock.
 */
static long gntbuf_sync_buffer(struct gntbuf_buffer *buf, u32 flags,
			       const struct gntbuf_sync_span *spans,
			       unsigned int n)
{
	bool to_device = flags & GNTBUF_SYNC_TO_DEVICE;
	bool to_cpu = flags & GNTBUF_SYNC_TO_CPU;
	unsigned int i;
	u64 bytes = 0;

	mutex_lock(&buf->lock);
	if (buf->released) {
		mutex_unlock(&buf->lock);
		return -ENOENT;
	}
	for (i = 0; i < n; i++) {
		u64 offset = spans[i].offset, length = spans[i].length;

		if (to_cpu)
			gntbuf_sync_attachments(buf, offset, length, false);
		bytes += gntbuf_cache_range(buf, offset, length, to_device,
					    to_cpu);
		if (to_device)
			gntbuf_sync_attachments(buf, offset, length, true);
	}
	mutex_unlock(&buf->lock);

	atomic64_add(bytes, &gntbuf_counters.flushed_bytes_range);
	return 0;
}

/*
 * Hand the part of each DMA segment of @sgt that [@offset, @offset +
 * @length) covers to the device or to the CPU.
 */
static void gntbuf_sync_sgt_range(struct device *dev, struct sg_table *sgt,
				  u64 offset, u64 length, bool for_device)
{
	u64 end = offset + length, pos = 0;
	struct scatterlist *sg;
	unsigned int i;

	for_each_sgtable_dma_sg(sgt, sg, i) {
		u64 seg_end = pos + sg_dma_len(sg);

		if (seg_end > offset && pos < end) {
			u64 from = max(offset, pos) - pos;
			u64 to = min(end, seg_end) - pos;

			if (for_device)
				dma_sync_single_range_for_device(dev,
						sg_dma_address(sg), from,
						to - from, DMA_BIDIRECTIONAL);
			else
				dma_sync_single_range_for_cpu(dev,
						sg_dma_address(sg), from,
						to - from, DMA_BIDIRECTIONAL);
		}
		if (seg_end >= end)
			break;
		pos = seg_end;
	}
}

/*
 * Maintain @n ranges of a dma-buf another exporter made (gntdev's, which
 * has no begin/end_cpu_access, or any other): attach the module's own
 * device to it, map it for that device, sync the parts of the DMA segments
 * the ranges touch, then unmap and detach. Mapping may itself sync the
 * whole buffer (unless the exporter maps with DMA_ATTR_SKIP_CPU_SYNC, as
 * gntdev does); the ranges are synced after it, in the directions asked.
 */
static long gntbuf_sync_dmabuf(struct dma_buf *dmabuf, u32 flags,
			       const struct gntbuf_sync_span *spans,
			       unsigned int n)
{
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;
	unsigned int i;
	u64 bytes = 0;

	for (i = 0; i < n; i++)
		if (spans[i].offset > dmabuf->size ||
		    spans[i].length > dmabuf->size - spans[i].offset)
			return -EINVAL;

	attach = dma_buf_attach(dmabuf, gntbuf_dma_dev);
	if (IS_ERR(attach))
		return PTR_ERR(attach);
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
	if (IS_ERR(sgt)) {
		dma_buf_detach(dmabuf, attach);
		return PTR_ERR(sgt);
	}

	for (i = 0; i < n; i++) {
		if (!spans[i].length)
			continue;
		/* To the CPU before it reads; to the device after it wrote. */
		if (flags & GNTBUF_SYNC_TO_CPU)
			gntbuf_sync_sgt_range(gntbuf_dma_dev, sgt,
					      spans[i].offset, spans[i].length,
					      false);
		if (flags & GNTBUF_SYNC_TO_DEVICE)
			gntbuf_sync_sgt_range(gntbuf_dma_dev, sgt,
					      spans[i].offset, spans[i].length,
					      true);
		bytes += spans[i].length;
	}

	dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
	dma_buf_detach(dmabuf, attach);
	atomic64_add(bytes, &gntbuf_counters.flushed_bytes_range);
	return 0;
}

#ifdef CONFIG_X86
/*
 * x86: the CPU caches are coherent with DMA, and the module flushes only
 * pages it maps itself (an import's are the exporter's, which its own
 * begin/end_cpu_access keeps); attaching the module's device here could
 * make swiotlb-xen bounce a segment vgem merged, and a sync copy stale
 * bytes over it.  The ranges count as maintained.
 */
static long gntbuf_sync_import_ranges(struct dma_buf *dmabuf, u32 flags,
				      const struct gntbuf_sync_span *spans,
				      unsigned int n)
{
	unsigned int i;
	u64 bytes = 0;

	for (i = 0; i < n; i++)
		bytes += spans[i].length;
	atomic64_add(bytes, &gntbuf_counters.flushed_bytes_range);
	return 0;
}
#else
static long gntbuf_sync_import_ranges(struct dma_buf *dmabuf, u32 flags,
				      const struct gntbuf_sync_span *spans,
				      unsigned int n)
{
	return gntbuf_sync_dmabuf(dmabuf, flags, spans, n);
}
#endif

/*
 * Maintain @n ranges of an IMPORT: the exporter's pages, which the peer
 * reads and writes through their grants.  To the CPU: the exporter's
 * begin_cpu_access (DMA_FROM_DEVICE: it waits for its devices' writes and
 * hands the pages to the CPU, for the whole buffer, the dma-buf API
 * having no partial form), then (not x86) the ranges through the DMA API
 * on the module's own device attached to the imported dma-buf, as
 * %GNTBUF_SYNC_ANY_DMABUF does.  To the device: the ranges, then the
 * exporter's end_cpu_access (DMA_TO_DEVICE).
 */
static long gntbuf_sync_import(struct gntbuf_buffer *buf, u32 flags,
			       const struct gntbuf_sync_span *spans,
			       unsigned int n)
{
	struct dma_buf *dmabuf;
	long ret;

	/* The import holds its dma-buf until it is released: hold it too. */
	mutex_lock(&buf->lock);
	if (buf->released) {
		mutex_unlock(&buf->lock);
		return -ENOENT;
	}
	dmabuf = buf->dmabuf;
	get_dma_buf(dmabuf);
	mutex_unlock(&buf->lock);

	if (flags & GNTBUF_SYNC_TO_CPU) {
		ret = dma_buf_begin_cpu_access(dmabuf, DMA_FROM_DEVICE);
		if (ret)
			goto out_put;
	}
	ret = gntbuf_sync_import_ranges(dmabuf, flags, spans, n);
	if (!ret && (flags & GNTBUF_SYNC_TO_DEVICE))
		ret = dma_buf_end_cpu_access(dmabuf, DMA_TO_DEVICE);
out_put:
	dma_buf_put(dmabuf);
	return ret;
}

/* Every range within @buf?  (A range of 0 bytes anywhere up to the end.) */
static bool gntbuf_spans_fit(struct gntbuf_buffer *buf,
			     const struct gntbuf_sync_span *spans,
			     unsigned int n)
{
	u64 size = (u64)buf->count << PAGE_SHIFT;
	unsigned int i;

	for (i = 0; i < n; i++)
		if (spans[i].offset > size ||
		    spans[i].length > size - spans[i].offset)
			return false;
	return true;
}

/*
 * Find the buffer that @flags, @buffer_id and @fd name, check @spans
 * against it and maintain them.
 */
static long gntbuf_sync_spans(struct gntbuf_file *file, u32 flags,
			      u64 buffer_id, s32 fd,
			      const struct gntbuf_sync_span *spans,
			      unsigned int n)
{
	struct gntbuf_buffer *buf;
	struct dma_buf *dmabuf;
	long ret;

	if (flags & ~GNTBUF_SYNC_FLAGS || !(flags & GNTBUF_SYNC_BOTH))
		return -EINVAL;
	if ((flags & GNTBUF_SYNC_ANY_DMABUF) && !(flags & GNTBUF_SYNC_BY_FD))
		return -EINVAL;

	if (flags & GNTBUF_SYNC_BY_FD) {
		if (buffer_id)
			return -EINVAL;
		dmabuf = dma_buf_get(fd);
		if (IS_ERR(dmabuf))
			return PTR_ERR(dmabuf);
		ret = -EINVAL;
		if (dmabuf->ops == &gntbuf_dmabuf_ops) {
			if (gntbuf_spans_fit(dmabuf->priv, spans, n))
				ret = gntbuf_sync_buffer(dmabuf->priv, flags,
							 spans, n);
		} else if (flags & GNTBUF_SYNC_ANY_DMABUF) {
			ret = gntbuf_sync_dmabuf(dmabuf, flags, spans, n);
		}
		dma_buf_put(dmabuf);
		return ret;
	}

	if (fd)
		return -EINVAL;
	buf = gntbuf_file_lookup(file, buffer_id);
	if (!buf)
		return -ENOENT;
	ret = -EINVAL;
	if (gntbuf_spans_fit(buf, spans, n)) {
		if (buf->kind == GNTBUF_KIND_IMPORT)
			ret = gntbuf_sync_import(buf, flags, spans, n);
		else
			ret = gntbuf_sync_buffer(buf, flags, spans, n);
	}
	gntbuf_buffer_put(buf);
	return ret;
}

/**
 * gntbuf_ioctl_sync_range() - GNTBUF_IOCTL_SYNC_RANGE
 * @file: the calling file
 * @uarg: user pointer to &struct gntbuf_sync_range
 *
 * Return: 0 or a negative errno, as documented in the uapi header.
 */
long gntbuf_ioctl_sync_range(struct gntbuf_file *file, void __user *uarg)
{
	struct gntbuf_sync_range req;
	struct gntbuf_sync_span span;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	span.offset = req.offset;
	span.length = req.length;
	return gntbuf_sync_spans(file, req.flags, req.buffer_id, req.fd,
				 &span, 1);
}

/**
 * gntbuf_ioctl_sync_ranges() - GNTBUF_IOCTL_SYNC_RANGES
 * @file: the calling file
 * @uarg: user pointer to &struct gntbuf_sync_ranges
 *
 * The ranges are copied in whole before the buffer's lock is taken.
 *
 * Return: 0 or a negative errno, as documented in the uapi header.
 */
long gntbuf_ioctl_sync_ranges(struct gntbuf_file *file, void __user *uarg)
{
	struct gntbuf_sync_ranges req;
	struct gntbuf_sync_span *spans;
	long ret;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.pad)
		return -EINVAL;
	if (req.count > GNTBUF_SYNC_MAX_RANGES)
		return -E2BIG;
	if (!req.count)
		return gntbuf_sync_spans(file, req.flags, req.buffer_id,
					 req.fd, NULL, 0);

	spans = kvmalloc_array(req.count, sizeof(*spans), GFP_KERNEL_ACCOUNT);
	if (!spans)
		return -ENOMEM;
	ret = -EFAULT;
	if (!copy_from_user(spans, u64_to_user_ptr(req.ranges_ptr),
			    array_size(req.count, sizeof(*spans))))
		ret = gntbuf_sync_spans(file, req.flags, req.buffer_id,
					req.fd, spans, req.count);
	kvfree(spans);
	return ret;
}
