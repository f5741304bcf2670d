// SPDX-License-Identifier: GPL-2.0
/*
 * xen-gntbuf: granting frames to a peer and taking the grants back.
 *
 * A grant that the peer still maps cannot be ended: the page behind it
 * must stay ours until the peer unmaps it.  Such buffers are "pending":
 * a delayed work retries gnttab_try_end_foreign_access() until every
 * grant is ended, and only then frees (ALLOC) or gives back (IMPORT) the
 * pages.
 */

#include <linux/gfp.h>
#include <linux/jiffies.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/mm.h>

#include "xen-gntbuf.h"

/* Retry interval while a peer maps a page: from 50 ms up to 1 s. */
#define GNTBUF_RECLAIM_FIRST	(HZ / 20)
#define GNTBUF_RECLAIM_MAX	HZ

/**
 * gntbuf_grant_frames() - grant frames to the buffer's peer
 * @buf: the buffer; its @refs are filled
 * @gfns: @buf->count guest frame numbers
 *
 * References are reserved in chunks, as gnttab_alloc_grant_references()
 * counts in 16 bits.  On error the references already granted stay in
 * @buf->refs, for the caller's release path to end.
 *
 * Return: 0 or -ENOSPC when the grant table is full.
 */
int gntbuf_grant_frames(struct gntbuf_buffer *buf, const unsigned long *gfns)
{
	unsigned int done, i, n;
	grant_ref_t head;
	int ret, ref;

	for (done = 0; done < buf->count; done += n) {
		n = min_t(unsigned int, buf->count - done, U16_MAX);
		ret = gnttab_alloc_grant_references(n, &head);
		if (ret)
			return ret;
		for (i = 0; i < n; i++) {
			ref = gnttab_claim_grant_reference(&head);
			if (WARN_ON(ref < 0)) {
				gnttab_free_grant_references(head);
				return -ENOSPC;
			}
			gnttab_grant_foreign_access_ref(ref, buf->domid,
							gfns[done + i],
							buf->readonly);
			buf->refs[done + i] = ref;
		}
		if (buf->kind == GNTBUF_KIND_IMPORT)
			atomic64_add(n, &gntbuf_counters.granted_pages);
	}
	return 0;
}

/**
 * gntbuf_end_grants() - end every grant of a buffer that the peer let go
 * @buf: an ALLOC or IMPORT buffer
 * @keep_pages: keep an ALLOC buffer's pages (still ours to use) instead of
 *	freeing each as soon as its grant is ended
 *
 * Return: the number of grants still mapped by the peer.
 */
unsigned int gntbuf_end_grants(struct gntbuf_buffer *buf, bool keep_pages)
{
	unsigned int i, busy = 0;

	for (i = 0; i < buf->count; i++) {
		if (buf->refs[i] == INVALID_GRANT_REF)
			continue;
		if (!gnttab_try_end_foreign_access(buf->refs[i])) {
			busy++;
			continue;
		}
		buf->refs[i] = INVALID_GRANT_REF;
		if (buf->kind == GNTBUF_KIND_IMPORT) {
			atomic64_dec(&gntbuf_counters.granted_pages);
		} else if (!keep_pages) {
			__free_page(buf->pages[i]);
			buf->pages[i] = NULL;
			atomic64_dec(&gntbuf_counters.allocated_pages);
		}
	}
	return busy;
}

/**
 * gntbuf_schedule_reclaim() - wait for the peer to unmap, then finish
 * @buf: a released ALLOC or IMPORT buffer with grants still mapped
 */
void gntbuf_schedule_reclaim(struct gntbuf_buffer *buf)
{
	mutex_lock(&buf->lock);
	if (!buf->pending) {
		buf->pending = true;
		atomic64_inc(&gntbuf_counters.pending_release);
	}
	mutex_unlock(&buf->lock);
	buf->reclaim_delay = GNTBUF_RECLAIM_FIRST;
	queue_delayed_work(gntbuf_wq, &buf->reclaim, buf->reclaim_delay);
}

/**
 * gntbuf_reclaim_work() - retry ending the grants of a pending buffer
 * @work: &gntbuf_buffer.reclaim
 */
void gntbuf_reclaim_work(struct work_struct *work)
{
	struct gntbuf_buffer *buf = container_of(to_delayed_work(work),
						 struct gntbuf_buffer,
						 reclaim);

	if (gntbuf_end_grants(buf, false)) {
		buf->reclaim_delay = min_t(unsigned long,
					   buf->reclaim_delay * 2,
					   GNTBUF_RECLAIM_MAX);
		queue_delayed_work(gntbuf_wq, &buf->reclaim,
				   buf->reclaim_delay);
		return;
	}

	if (buf->kind == GNTBUF_KIND_IMPORT) {
		gntbuf_import_finish(buf);
		/*
		 * The reference taken by IMPORT.  Module exit may start now;
		 * it destroys gntbuf_wq, which waits for this return.
		 */
		module_put(THIS_MODULE);
		return;
	}
	gntbuf_buffer_done(buf);
}
