// SPDX-License-Identifier: MIT
/*
 * The requests of xen/io/displif.h on a connector's ring: DBUF_CREATE and
 * DBUF_DESTROY (the provider turns a buffer's grefs into a dma-buf once),
 * FB_ATTACH and FB_DETACH (the sink's framebuffers), SET_CONFIG, PG_FLIP
 * and GET_EDID, with the per-guest quotas.  The ring itself, events and
 * flips are conn.c's.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "displback.h"

#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))

/*
 * Directory pages for libgntbuf's page-directory walker: each page is
 * mapped, copied and unmapped, and every map is counted.
 */
static int pgdir_read(void *ctx, uint32_t gref, void *page)
{
	struct vdispl *dev = ctx;
	void *p = vdispl_map_ctl(dev, gref, false);

	if (!p)
		return errno ? -errno : -EFAULT;
	memcpy(page, p, XEN_PAGE_SIZE_BYTES);
	vdispl_unmap_ctl(dev, p);
	return 0;
}

static int pgdir_write(void *ctx, uint32_t gref, const void *page)
{
	struct vdispl *dev = ctx;
	void *p = vdispl_map_ctl(dev, gref, true);

	if (!p)
		return errno ? -errno : -EFAULT;
	memcpy(p, page, XEN_PAGE_SIZE_BYTES);
	vdispl_unmap_ctl(dev, p);
	return 0;
}

/* ------------------------------------------------------------------ */
/* lookups */

static struct dbuf *dbuf_find(struct vdispl *dev, uint64_t cookie)
{
	for (struct dbuf *d = dev->dbufs; d; d = d->next)
		if (d->cookie == cookie)
			return d;
	return NULL;
}

static struct fb *fb_find(struct vdispl *dev, uint64_t cookie)
{
	for (struct fb *f = dev->fbs; f; f = f->next)
		if (f->cookie == cookie)
			return f;
	return NULL;
}

/* ------------------------------------------------------------------ */
/* quotas: per guest, all of the domain's devices together */

struct usage {
	unsigned int dbufs, fbs, pages;
};

static void guest_usage(const struct backend *b, uint16_t domid,
			struct usage *u)
{
	memset(u, 0, sizeof(*u));
	for (const struct vdispl *d = b->devs; d; d = d->next) {
		if (d->domid != domid)
			continue;
		u->dbufs += d->n_dbufs;
		u->fbs += d->n_fbs;
		u->pages += d->n_pages;
	}
}

/* ------------------------------------------------------------------ */
/* buffers */

static void fb_free(struct vdispl *dev, struct fb *f)
{
	struct sink *s = &dev->b->sink;

	for (int i = 0; i < dev->n_conn; i++) {
		struct conn *c = &dev->conn[i];

		/* Queued flips to it are never shown: answer them now. */
		for (unsigned int q = 0; q < c->n_queued;) {
			if (c->flip_queue[q] != f) {
				q++;
				continue;
			}
			conn_send_flip_event(c, f->cookie);
			c->n_queued--;
			memmove(c->flip_queue + q, c->flip_queue + q + 1,
				(c->n_queued - q) * sizeof(c->flip_queue[0]));
			memmove(c->flip_queue_ns + q, c->flip_queue_ns + q + 1,
				(c->n_queued - q) * sizeof(c->flip_queue_ns[0]));
		}
		if (c->shown == f) {
			/* The frontend detaches what is on screen: blank. */
			if (c->sink_priv)
				s->ops->show(s, c, c->sink_priv, NULL, NULL);
			c->shown = NULL;
		}
	}
	if (f->sink_priv)
		s->ops->fb_detach(s, f->sink_priv);
	f->dbuf->fb_refs--;
	dev->n_fbs--;
	for (struct fb **pp = &dev->fbs; *pp; pp = &(*pp)->next)
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	free(f);
}

/* Detach @d's framebuffers and take it off the device's list. */
static void dbuf_unlink(struct vdispl *dev, struct dbuf *d)
{
	for (struct fb *f = dev->fbs, *n; f; f = n) {
		n = f->next;
		if (f->dbuf == d)
			fb_free(dev, f);
	}
	for (struct dbuf **pp = &dev->dbufs; *pp; pp = &(*pp)->next)
		if (*pp == d) {
			*pp = d->next;
			break;
		}
}

/* @d is released (or let go for good): out of the quota, freed. */
void dbuf_forget(struct vdispl *dev, struct dbuf *d)
{
	dev->n_dbufs--;
	dev->n_pages -= d->geom.pages;
	free(d);
}

/*
 * Teardown: let go of every buffer without waiting for a guest.  The
 * module keeps a buffer the guest still maps (pending_release) and
 * reclaims it once the mapping is gone (the guest's domain destroyed).
 */
void vdispl_release_buffers(struct vdispl *dev)
{
	struct backend *b = dev->b;
	unsigned int n = 0, held = 0;
	int ret;

	while (dev->fbs)
		fb_free(dev, dev->fbs);
	while (dev->dbufs) {
		struct dbuf *d = dev->dbufs;

		dbuf_unlink(dev, d);
		ret = b->prov->release(b, &d->mem, 0);
		if (ret == -ETIMEDOUT)
			held++;
		else if (ret)
			LOGE(dev, -1, "dbuf %#" PRIx64 ": release: %s",
			     d->cookie, strerror(-ret));
		dbuf_forget(dev, d);
		n++;
	}
	while (dev->releasing) {
		struct dbuf *d = dev->releasing;

		dev->releasing = d->next;
		if (b->prov->release(b, &d->mem, 0) == -ETIMEDOUT)
			held++;
		dbuf_forget(dev, d);
		n++;
	}
	if (n)
		LOGI(dev, -1, "released %u display buffer(s)%s", n,
		     held ? ", some still mapped by the guest: the module "
		     "reclaims them once unmapped" : "");
}

/* ------------------------------------------------------------------ */
/* requests */

static int op_dbuf_create(struct conn *c, const struct xendispl_dbuf_create_req *r)
{
	struct vdispl *dev = c->dev;
	struct backend *b = dev->b;
	struct dbuf_geom g;
	const char *why = "";
	uint32_t *refs = NULL;
	struct usage u;
	struct dbuf *d;
	int ret;

	ret = proto_check_dbuf_create(r, dev->be_alloc, &g, &why);
	if (ret) {
		LOGE(dev, c->idx, "DBUF_CREATE %#" PRIx64 ": %s", r->dbuf_cookie,
		     why);
		return ret;
	}
	if (dbuf_find(dev, r->dbuf_cookie)) {
		LOGE(dev, c->idx, "DBUF_CREATE %#" PRIx64 ": cookie in use",
		     r->dbuf_cookie);
		return -EEXIST;
	}
	guest_usage(b, dev->domid, &u);
	if (u.dbufs >= b->opt.max_dbufs) {
		LOGE(dev, c->idx, "DBUF_CREATE %#" PRIx64 ": over quota: the "
		     "domain holds %u display buffers, --max-dbufs %u",
		     r->dbuf_cookie, u.dbufs, b->opt.max_dbufs);
		return -ENOMEM;
	}
	if (g.pages > b->opt.max_pages - (u.pages < b->opt.max_pages ?
					  u.pages : b->opt.max_pages)) {
		LOGE(dev, c->idx, "DBUF_CREATE %#" PRIx64 ": over quota: %u "
		     "pages more than the domain's %u, --max-pages %u",
		     r->dbuf_cookie, g.pages, u.pages, b->opt.max_pages);
		return -ENOMEM;
	}
	d = calloc(1, sizeof(*d));
	refs = calloc(g.pages, sizeof(*refs));
	if (!d || !refs) {
		ret = -ENOMEM;
		goto err_free;
	}
	d->cookie = r->dbuf_cookie;
	d->geom = g;
	d->mem.fd = -1;

	if (!g.be_alloc) {
		ret = gntbuf_pgdir_decode(r->gref_directory, g.buffer_sz,
					  pgdir_read, dev, refs, g.pages);
		if (ret) {
			LOGE(dev, c->idx, "DBUF_CREATE %#" PRIx64 ": page "
			     "directory at gref %u: %s", r->dbuf_cookie,
			     r->gref_directory, gntbuf_pgdir_strerror(ret));
			goto err_free;
		}
		ret = b->prov->export_refs(b, dev, refs, g.pages, &d->mem);
		if (ret) {
			LOGE(dev, c->idx, "DBUF_CREATE %#" PRIx64 ": export of "
			     "%u grefs: %s", r->dbuf_cookie, g.pages,
			     strerror(-ret));
			goto err_free;
		}
	} else {
		ret = b->prov->alloc(b, dev, g.pages, refs, &d->mem);
		if (ret) {
			LOGE(dev, c->idx, "DBUF_CREATE %#" PRIx64 ": alloc of "
			     "%u pages: %s", r->dbuf_cookie, g.pages,
			     strerror(-ret));
			goto err_free;
		}
		ret = gntbuf_pgdir_fill(r->gref_directory, g.buffer_sz,
					pgdir_read, pgdir_write, dev, refs,
					g.pages);
		if (ret) {
			LOGE(dev, c->idx, "DBUF_CREATE %#" PRIx64 ": filling "
			     "page directory at gref %u: %s", r->dbuf_cookie,
			     r->gref_directory, gntbuf_pgdir_strerror(ret));
			b->prov->release(b, &d->mem, 0);
			goto err_free;
		}
	}
	dev->grant_maps += d->mem.grant_maps;
	d->next = dev->dbufs;
	dev->dbufs = d;
	dev->n_dbufs++;
	dev->n_pages += g.pages;
	LOGI(dev, c->idx, "DBUF_CREATE %#" PRIx64 ": %ux%u bpp %u, %u bytes "
	     "(%u pages) at offset %u, %s, dma-buf fd %d", d->cookie,
	     g.width, g.height, g.bpp, g.buffer_sz, g.pages, g.data_ofs,
	     g.be_alloc ? "backend-allocated" :
	     g.width ? "frontend-allocated" : "frontend-allocated, pending",
	     d->mem.fd);
	free(refs);
	return 0;

err_free:
	free(refs);
	free(d);
	return ret;
}

/*
 * DBUF_DESTROY: the buffer goes at once (its framebuffers, our dma-buf);
 * its release (the sink's and the guest's mappings gone) is polled from
 * the event loop, never waited for.  Until then the request stays
 * unanswered and this ring paused (displif.h answers in order); other
 * rings and guests are served.  -EINPROGRESS: the answer comes later.
 */
static int op_dbuf_destroy(struct conn *c,
			   const struct xendispl_dbuf_destroy_req *r,
			   uint16_t req_id)
{
	struct vdispl *dev = c->dev;
	struct backend *b = dev->b;
	struct dbuf *d = dbuf_find(dev, r->dbuf_cookie);
	uint64_t now = now_ns();
	int ret;

	if (!d) {
		LOGE(dev, c->idx, "DBUF_DESTROY %#" PRIx64 ": no such "
		     "buffer", r->dbuf_cookie);
		return -ENOENT;
	}
	dbuf_unlink(dev, d);
	ret = b->prov->release_poll(b, &d->mem);
	if (ret != -EAGAIN) {
		if (ret)
			LOGE(dev, c->idx, "DBUF_DESTROY %#" PRIx64 ": release: "
			     "%s", d->cookie, strerror(-ret));
		else
			LOGI(dev, c->idx, "DBUF_DESTROY %#" PRIx64 ": released",
			     r->dbuf_cookie);
		dbuf_forget(dev, d);
		return ret;
	}
	d->release_start_ns = now;
	d->next_poll_ns = now + RELEASE_POLL_WAITING_MS * 1000000ull;
	d->release_deadline_ns = now +
		(uint64_t)b->opt.release_timeout_ms * 1000000ull;
	d->waiter = c;
	d->req_id = req_id;
	d->next = dev->releasing;
	dev->releasing = d;
	c->blocked = true;
	LOGI(dev, c->idx, "DBUF_DESTROY %#" PRIx64 ": still held, answered "
	     "on release (at most %u ms); the ring waits, others go on",
	     d->cookie, b->opt.release_timeout_ms);
	return -EINPROGRESS;
}

static int op_fb_attach(struct conn *c, const struct xendispl_fb_attach_req *r)
{
	struct vdispl *dev = c->dev;
	struct sink *s = &dev->b->sink;
	struct sink_fb_desc desc;
	struct dbuf *d = dbuf_find(dev, r->dbuf_cookie);
	const char *why = "";
	struct usage u;
	struct fb *f;
	int ret;

	if (!d) {
		LOGE(dev, c->idx, "FB_ATTACH %#" PRIx64 ": no dbuf %#" PRIx64,
		     r->fb_cookie, r->dbuf_cookie);
		return -ENOENT;
	}
	if (r->fb_cookie && fb_find(dev, r->fb_cookie)) {
		LOGE(dev, c->idx, "FB_ATTACH %#" PRIx64 ": cookie in use",
		     r->fb_cookie);
		return -EEXIST;
	}
	guest_usage(dev->b, dev->domid, &u);
	if (u.fbs >= dev->b->opt.max_fbs) {
		LOGE(dev, c->idx, "FB_ATTACH %#" PRIx64 ": over quota: the "
		     "domain holds %u framebuffers, --max-fbs %u",
		     r->fb_cookie, u.fbs, dev->b->opt.max_fbs);
		return -ENOMEM;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	ret = proto_check_fb_attach(r, &d->geom, &f->geom, &why);
	if (ret) {
		LOGE(dev, c->idx, "FB_ATTACH %#" PRIx64 " on dbuf %#" PRIx64
		     ": %s", r->fb_cookie, r->dbuf_cookie, why);
		free(f);
		return ret;
	}
	f->cookie = r->fb_cookie;
	f->dbuf = d;
	fb_sink_desc(dev, f, &desc);
	ret = s->ops->fb_attach(s, &desc, &f->sink_priv);
	if (ret) {
		LOGE(dev, c->idx, "FB_ATTACH %#" PRIx64 ": sink %s: %s",
		     r->fb_cookie, s->ops->name, strerror(-ret));
		free(f);
		return ret;
	}
	d->fb_refs++;
	f->next = dev->fbs;
	dev->fbs = f;
	dev->n_fbs++;
	LOGI(dev, c->idx, "FB_ATTACH %#" PRIx64 " on dbuf %#" PRIx64 ": %ux%u "
	     "%s, pitch %u, offset %u", f->cookie, d->cookie, f->geom.width,
	     f->geom.height, f->geom.fmt->name, f->geom.pitch,
	     f->geom.offset);
	return 0;
}

static int op_fb_detach(struct conn *c, const struct xendispl_fb_detach_req *r)
{
	struct fb *f = fb_find(c->dev, r->fb_cookie);

	if (!f || !r->fb_cookie) {
		LOGE(c->dev, c->idx, "FB_DETACH %#" PRIx64 ": no such fb",
		     r->fb_cookie);
		return -ENOENT;
	}
	fb_free(c->dev, f);
	LOGI(c->dev, c->idx, "FB_DETACH %#" PRIx64, r->fb_cookie);
	return 0;
}

static int op_set_config(struct conn *c,
			 const struct xendispl_set_config_req *r)
{
	struct vdispl *dev = c->dev;
	struct sink *s = &dev->b->sink;
	struct sink_fb_desc desc;
	const char *why = "";
	struct fb *f = NULL;
	int ret;

	if (!proto_set_config_is_reset(r)) {
		f = fb_find(dev, r->fb_cookie);
		if (!f) {
			LOGE(dev, c->idx, "SET_CONFIG: no fb %#" PRIx64,
			     r->fb_cookie);
			return -ENOENT;
		}
	}
	ret = proto_check_set_config(r, f ? &f->geom : NULL, c->width,
				     c->height, &why);
	if (ret) {
		LOGE(dev, c->idx, "SET_CONFIG fb %#" PRIx64 " %u,%u %ux%u bpp "
		     "%u: %s", r->fb_cookie, r->x, r->y, r->width, r->height,
		     r->bpp, why);
		return ret;
	}
	if (!f) {
		/* Queued flips are never shown: answer them, then the one in
		 * flight. */
		for (unsigned int q = 0; q < c->n_queued; q++)
			conn_send_flip_event(c, c->flip_queue[q]->cookie);
		c->n_queued = 0;
		if (c->flip_cookie)
			conn_flip_done(c);
		ret = s->ops->show(s, c, c->sink_priv, NULL, NULL);
		c->shown = NULL;
		LOGI(dev, c->idx, "SET_CONFIG: display off");
		return ret;
	}
	fb_sink_desc(dev, f, &desc);
	conn_count_frame(c);
	ret = s->ops->show(s, c, c->sink_priv, f->sink_priv, &desc);
	if (ret) {
		LOGE(dev, c->idx, "SET_CONFIG fb %#" PRIx64 ": sink %s: %s",
		     f->cookie, s->ops->name, strerror(-ret));
		return ret;
	}
	c->shown = f;
	LOGI(dev, c->idx, "SET_CONFIG fb %#" PRIx64 " at %u,%u %ux%u bpp %u: "
	     "display on", f->cookie, r->x, r->y, r->width, r->height,
	     r->bpp);
	return 0;
}

static int op_pg_flip(struct conn *c, const struct xendispl_page_flip_req *r)
{
	struct vdispl *dev = c->dev;
	struct fb *f = fb_find(dev, r->fb_cookie);

	if (!f || !r->fb_cookie) {
		LOGE(dev, c->idx, "PG_FLIP: no fb %#" PRIx64, r->fb_cookie);
		return -ENOENT;
	}
	if (!c->shown) {
		LOGE(dev, c->idx, "PG_FLIP fb %#" PRIx64 ": display is off "
		     "(no SET_CONFIG)", r->fb_cookie);
		return -EINVAL;
	}
	if (c->flip_cookie) {
		/* In flight plus queued: at most --max-pending-flips. */
		if (1 + c->n_queued >= dev->b->opt.max_pending_flips) {
			LOGE(dev, c->idx, "PG_FLIP fb %#" PRIx64 ": over "
			     "quota: flip to %#" PRIx64 " in flight and %u "
			     "queued, --max-pending-flips %u", r->fb_cookie,
			     c->flip_cookie, c->n_queued,
			     dev->b->opt.max_pending_flips);
			return -EBUSY;
		}
		c->flip_queue[c->n_queued] = f;
		c->flip_queue_ns[c->n_queued] = now_ns();
		c->n_queued++;
		return 0;
	}
	conn_start_flip(c, f, now_ns());
	return 0;
}

static int op_get_edid(struct conn *c, const struct xendispl_get_edid_req *r,
		       uint32_t *edid_sz)
{
	struct vdispl *dev = c->dev;
	uint32_t pages, *refs;
	uint8_t edid[EDID_BLOCK];
	char name[14];
	uint8_t *page;
	int ret;

	if (dev->version == 1) {
		LOGE(dev, c->idx, "GET_EDID: not in protocol version 1");
		return -EOPNOTSUPP;
	}
	if (r->buffer_sz < XENDISPL_EDID_MAX_SIZE ||
	    r->buffer_sz > 2 * XENDISPL_EDID_MAX_SIZE) {
		LOGE(dev, c->idx, "GET_EDID: buffer_sz %u, displif.h wants "
		     "%u", r->buffer_sz, XENDISPL_EDID_MAX_SIZE);
		return -EINVAL;
	}
	snprintf(name, sizeof(name), "gntbuf %ux%u", c->width, c->height);
	ret = edid_build(edid, c->width, c->height, name);
	if (ret) {
		LOGE(dev, c->idx, "GET_EDID: %ux%u has no EDID timing",
		     c->width, c->height);
		return ret;
	}
	pages = DIV_ROUND_UP(r->buffer_sz, XEN_PAGE_SIZE_BYTES);
	refs = calloc(pages, sizeof(*refs));
	if (!refs) {
		ret = -ENOMEM;
		goto out;
	}
	ret = gntbuf_pgdir_decode(r->gref_directory, r->buffer_sz, pgdir_read,
				  dev, refs, pages);
	if (ret) {
		LOGE(dev, c->idx, "GET_EDID: page directory at gref %u: %s",
		     r->gref_directory, gntbuf_pgdir_strerror(ret));
		goto out;
	}
	/* The EDID fits in the first page: map only that one. */
	if (refs[0] == 0) {
		LOGE(dev, c->idx, "GET_EDID: gref 0 in the page directory");
		ret = -EINVAL;
		goto out;
	}
	page = vdispl_map_ctl(dev, refs[0], true);
	if (!page) {
		LOGE(dev, c->idx, "GET_EDID: cannot map gref %u", refs[0]);
		ret = -EFAULT;
		goto out;
	}
	memcpy(page, edid, sizeof(edid));
	vdispl_unmap_ctl(dev, page);
	*edid_sz = sizeof(edid);
	LOGI(dev, c->idx, "GET_EDID: %zu bytes, preferred mode %ux%u",
	     sizeof(edid), c->width, c->height);
out:
	free(refs);
	return ret;
}

int conn_handle_req(struct conn *c, const struct xendispl_req *req,
			   struct xendispl_resp *resp)
{
	switch (req->operation) {
	case XENDISPL_OP_DBUF_CREATE:
		return op_dbuf_create(c, &req->op.dbuf_create);
	case XENDISPL_OP_DBUF_DESTROY:
		return op_dbuf_destroy(c, &req->op.dbuf_destroy, req->id);
	case XENDISPL_OP_FB_ATTACH:
		return op_fb_attach(c, &req->op.fb_attach);
	case XENDISPL_OP_FB_DETACH:
		return op_fb_detach(c, &req->op.fb_detach);
	case XENDISPL_OP_SET_CONFIG:
		return op_set_config(c, &req->op.set_config);
	case XENDISPL_OP_PG_FLIP:
		return op_pg_flip(c, &req->op.pg_flip);
	case XENDISPL_OP_GET_EDID:
		return op_get_edid(c, &req->op.get_edid,
				   &resp->op.get_edid.edid_sz);
	default:
		LOGE(c->dev, c->idx, "request id %u: unknown operation %#x",
		     req->id, req->operation);
		return -EOPNOTSUPP;
	}
}

/* Put a response on @c's ring and notify the frontend if it asks. */
