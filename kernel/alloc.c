// SPDX-License-Identifier: GPL-2.0
/*
 * xen-gntbuf: ALLOC, local pages granted to a peer, as a dma-buf.
 *
 * Pages are order-0, zeroed, and each granted with its own reference.  A
 * page is freed only once its grant is ended, i.e. once the peer no longer
 * maps it (gnttab_end_foreign_access() semantics): see grant.c.
 */

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <xen/page.h>

#include "xen-gntbuf.h"

/**
 * gntbuf_alloc_release() - end the grants of an ALLOC buffer, free its pages
 * @buf: the buffer, fully built or not
 *
 * Called when the dma-buf is released, or on an error while building it.
 * Pages the peer still maps stay allocated until it unmaps them.
 */
void gntbuf_alloc_release(struct gntbuf_buffer *buf)
{
	unsigned int i;

	mutex_lock(&buf->lock);
	buf->released = true;
	mutex_unlock(&buf->lock);

	gntbuf_cache_fini(buf);

	/* Pages that were never granted. */
	for (i = 0; i < buf->count; i++) {
		if (buf->pages[i] && buf->refs[i] == INVALID_GRANT_REF) {
			__free_page(buf->pages[i]);
			buf->pages[i] = NULL;
			atomic64_dec(&gntbuf_counters.allocated_pages);
		}
	}

	if (gntbuf_end_grants(buf, false))
		gntbuf_schedule_reclaim(buf);
	else
		gntbuf_buffer_done(buf);
}

/**
 * gntbuf_alloc_handover() - give a pending ALLOC buffer to the grant core
 * @buf: a released buffer whose pages a peer may still map
 *
 * At module exit: gnttab_end_foreign_access() takes each page over and
 * frees it when the peer unmaps it.
 */
void gntbuf_alloc_handover(struct gntbuf_buffer *buf)
{
	unsigned int i;

	for (i = 0; i < buf->count; i++) {
		if (buf->refs[i] == INVALID_GRANT_REF)
			continue;
		gnttab_end_foreign_access(buf->refs[i], buf->pages[i]);
		buf->refs[i] = INVALID_GRANT_REF;
		buf->pages[i] = NULL;
		atomic64_dec(&gntbuf_counters.allocated_pages);
	}
	gntbuf_buffer_done(buf);
}

static int gntbuf_alloc_pages(struct gntbuf_buffer *buf)
{
	unsigned int i;

	for (i = 0; i < buf->count; i++) {
		/*
		 * Scrubbed: the peer must not see what the page held before.
		 * Charged to the caller's memory cgroup: the pages are its.
		 */
		buf->pages[i] = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO |
					   __GFP_NOWARN);
		if (!buf->pages[i])
			return -ENOMEM;
		atomic64_inc(&gntbuf_counters.allocated_pages);
	}
	return 0;
}

static int gntbuf_alloc_grant(struct gntbuf_buffer *buf)
{
	unsigned long *gfns;
	unsigned int i;
	int ret;

	gfns = kvmalloc_array(buf->count, sizeof(*gfns), GFP_KERNEL);
	if (!gfns)
		return -ENOMEM;
	for (i = 0; i < buf->count; i++)
		gfns[i] = xen_page_to_gfn(buf->pages[i]);
	ret = gntbuf_grant_frames(buf, gfns);
	kvfree(gfns);
	return ret;
}

/**
 * gntbuf_ioctl_alloc() - GNTBUF_IOCTL_ALLOC
 * @file: the calling file
 * @uarg: user pointer to &struct gntbuf_alloc
 *
 * Return: 0 or a negative errno, as documented in the uapi header.
 */
long gntbuf_ioctl_alloc(struct gntbuf_file *file, void __user *uarg)
{
	struct gntbuf_alloc req;
	struct gntbuf_buffer *buf;
	int ret;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags & ~GNTBUF_ALLOC_FLAGS)
		return -EINVAL;
	ret = gntbuf_check_domid(req.domid);
	if (ret)
		return ret;
	ret = gntbuf_check_count(req.count);
	if (ret)
		return ret;

	buf = gntbuf_buffer_create(file, GNTBUF_KIND_ALLOC, req.domid,
				   req.count,
				   req.flags & GNTBUF_ALLOC_READ_ONLY);
	if (IS_ERR(buf))
		return PTR_ERR(buf);

	ret = gntbuf_alloc_pages(buf);
	if (ret)
		goto fail_release_buffer;

	ret = gntbuf_alloc_grant(buf);
	if (ret)
		goto fail_release_buffer;

	ret = gntbuf_cache_init(buf);
	if (ret)
		goto fail_release_buffer;

	ret = gntbuf_dmabuf_export(buf);
	if (ret)
		goto fail_release_buffer;

	ret = gntbuf_copy_refs_to_user(buf, req.refs_ptr);
	if (ret)
		goto fail_put_dmabuf;

	req.buffer_id = buf->id;
	ret = gntbuf_install_fd(buf, uarg, &req, sizeof(req), &req.fd);
	if (ret)
		goto fail_put_dmabuf;
	gntbuf_buffer_shared(buf);
	return 0;

fail_put_dmabuf:
	/* The dma-buf's release ends the grants and frees the pages. */
	dma_buf_put(buf->dmabuf);
	return ret;
fail_release_buffer:
	gntbuf_alloc_release(buf);
	return ret;
}
