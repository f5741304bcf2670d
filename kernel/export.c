// SPDX-License-Identifier: GPL-2.0
/*
 * xen-gntbuf: EXPORT_REFS, a dma-buf from another domain's grants.
 *
 * The grants are mapped once, with GNTMAP_host_map, onto pages from
 * gnttab_alloc_pages(): at the pages' kernel linear address in an x86 PV
 * domain (gnttab_map_refs() then records the foreign frame in the p2m, which
 * is what swiotlb-xen translates a device mapping with), in the physmap of
 * an auto-translated one.  Every other mapping (importers, mmap, vmap)
 * derives from that one; see dmabuf.c and pvmap.c.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <xen/page.h>

#include "xen-gntbuf.h"

/* Unmap operations per gnttab_unmap_refs_sync() call, kept on the stack. */
#define GNTBUF_EXPORT_UNMAP_BATCH	16

static u32 gntbuf_export_map_flags(struct gntbuf_buffer *buf)
{
	return GNTMAP_host_map | (buf->readonly ? GNTMAP_readonly : 0);
}

static unsigned long gntbuf_page_kaddr(struct page *page)
{
	return (unsigned long)pfn_to_kaddr(page_to_xen_pfn(page));
}

/*
 * Map every grant of @buf.  A failed grant fails the whole call with the
 * errno of the first bad status; the grants that did map stay recorded in
 * @buf->handles for the release path to unmap.
 */
static int gntbuf_export_map(struct gntbuf_buffer *buf)
{
	struct gnttab_map_grant_ref *ops;
	u32 flags = gntbuf_export_map_flags(buf);
	unsigned int i, mapped = 0;
	int ret, err = 0;

	ops = kvcalloc(buf->count, sizeof(*ops), GFP_KERNEL);
	if (!ops)
		return -ENOMEM;

	for (i = 0; i < buf->count; i++)
		gnttab_set_map_op(&ops[i], gntbuf_page_kaddr(buf->pages[i]),
				  flags, buf->refs[i], buf->domid);

	ret = gnttab_map_refs(ops, NULL, buf->pages, buf->count);
	if (ret)
		goto out_free_ops;

	for (i = 0; i < buf->count; i++) {
		if (ops[i].status == GNTST_okay) {
			buf->handles[i] = ops[i].handle;
			mapped++;
		} else if (!err) {
			err = gntbuf_status_to_errno(ops[i].status);
			pr_debug("ref %u of domain %u: status %d\n",
				 buf->refs[i], buf->domid, ops[i].status);
		}
	}
	atomic64_add(mapped, &gntbuf_counters.mapped_pages);
	ret = err;

out_free_ops:
	kvfree(ops);
	return ret;
}

/*
 * Unmap what gntbuf_export_map() mapped, in batches on the stack: the
 * release path allocates nothing, so it cannot fail for want of memory and
 * leave grants mapped.  Return: the number of pages that stayed mapped (a
 * failed unmap; they must never be freed).
 */
static unsigned int gntbuf_export_unmap(struct gntbuf_buffer *buf)
{
	struct gnttab_unmap_grant_ref ops[GNTBUF_EXPORT_UNMAP_BATCH];
	struct page *pages[GNTBUF_EXPORT_UNMAP_BATCH];
	unsigned int idx[GNTBUF_EXPORT_UNMAP_BATCH];
	struct gntab_unmap_queue_data *data = &buf->unmap;
	u32 flags = gntbuf_export_map_flags(buf);
	unsigned int i = 0, j, n, stuck = 0;
	int ret;

	while (i < buf->count) {
		for (n = 0; i < buf->count && n < ARRAY_SIZE(ops); i++) {
			if (buf->handles[i] == INVALID_GRANT_HANDLE)
				continue;
			gnttab_set_unmap_op(&ops[n],
					    gntbuf_page_kaddr(buf->pages[i]),
					    flags, buf->handles[i]);
			pages[n] = buf->pages[i];
			idx[n++] = i;
		}
		if (!n)
			break;

		*data = (struct gntab_unmap_queue_data) {
			.unmap_ops = ops,
			.pages = pages,
			.count = n,
		};
		ret = gnttab_unmap_refs_sync(data);
		for (j = 0; j < n; j++) {
			if (ret || ops[j].status != GNTST_okay) {
				stuck++;
				continue;
			}
			buf->handles[idx[j]] = INVALID_GRANT_HANDLE;
			atomic64_dec(&gntbuf_counters.mapped_pages);
		}
	}
	return stuck;
}

/**
 * gntbuf_export_release() - unmap and free an EXPORT_REFS buffer
 * @buf: the buffer, fully built or not
 *
 * Called when the dma-buf is released, or on an error while building it.
 * Unmapping our own mapping of a foreign page never waits for the peer.
 */
void gntbuf_export_release(struct gntbuf_buffer *buf)
{
	unsigned int stuck;

	mutex_lock(&buf->lock);
	buf->released = true;
	mutex_unlock(&buf->lock);

	gntbuf_cache_fini(buf);
	stuck = gntbuf_export_unmap(buf);
	if (stuck) {
		/* Freeing them would hand a mapped frame back: leak them. */
		pr_err("buffer %llu: %u pages stay mapped, leaked\n",
		       buf->id, stuck);
	} else if (buf->pages_allocated) {
		gnttab_free_pages(buf->count, buf->pages);
	}
	gntbuf_buffer_done(buf);
}

/**
 * gntbuf_ioctl_export_refs() - GNTBUF_IOCTL_EXPORT_REFS
 * @file: the calling file
 * @uarg: user pointer to &struct gntbuf_export_refs
 *
 * Return: 0 or a negative errno, as documented in the uapi header.
 */
long gntbuf_ioctl_export_refs(struct gntbuf_file *file, void __user *uarg)
{
	struct gntbuf_export_refs req;
	struct gntbuf_buffer *buf;
	int ret;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags & ~GNTBUF_EXPORT_FLAGS)
		return -EINVAL;
	ret = gntbuf_check_domid(req.domid);
	if (ret)
		return ret;
	ret = gntbuf_check_count(req.count);
	if (ret)
		return ret;

	buf = gntbuf_buffer_create(file, GNTBUF_KIND_EXPORT, req.domid,
				   req.count,
				   req.flags & GNTBUF_EXPORT_READ_ONLY);
	if (IS_ERR(buf))
		return PTR_ERR(buf);

	if (copy_from_user(buf->refs, u64_to_user_ptr(req.refs_ptr),
			   array_size(req.count, sizeof(*buf->refs)))) {
		ret = -EFAULT;
		goto fail_release_buffer;
	}

	ret = gnttab_alloc_pages(req.count, buf->pages);
	if (ret)
		goto fail_release_buffer;
	buf->pages_allocated = true;

	ret = gntbuf_export_map(buf);
	if (ret)
		goto fail_release_buffer;

	ret = gntbuf_cache_init(buf);
	if (ret)
		goto fail_release_buffer;

	ret = gntbuf_dmabuf_export(buf);
	if (ret)
		goto fail_release_buffer;

	req.buffer_id = buf->id;
	ret = gntbuf_install_fd(buf, uarg, &req, sizeof(req), &req.fd);
	if (ret)
		goto fail_put_dmabuf;
	return 0;

fail_put_dmabuf:
	/* The dma-buf's release unmaps and frees. */
	dma_buf_put(buf->dmabuf);
	return ret;
fail_release_buffer:
	gntbuf_export_release(buf);
	return ret;
}
