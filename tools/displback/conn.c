// SPDX-License-Identifier: MIT
/*
 * One connector: its request ring and event page (the only pages mapped
 * here with libxengnttab, with the page directories of requests), and the
 * requests of xen/io/displif.h.  Display buffers are never mapped here:
 * the provider (libgntbuf) turns their grefs into a dma-buf once, at
 * DBUF_CREATE.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "displback.h"

#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))

/* Release polls: every 10 ms while a DBUF_DESTROY waits, then 250 ms. */
#define RELEASE_POLL_WAITING_MS	10
#define RELEASE_POLL_HELD_MS	250

/* ------------------------------------------------------------------ */
/* control pages */

static void *map_ctl(struct vdispl *dev, uint32_t gref, bool write)
{
	void *p = xengnttab_map_grant_ref(dev->b->xgt, dev->domid, gref,
					  PROT_READ | (write ? PROT_WRITE : 0));
	if (p)
		dev->grant_maps++;
	return p;
}

static void unmap_ctl(struct vdispl *dev, void *p)
{
	if (p)
		xengnttab_unmap(dev->b->xgt, p, 1);
}

/*
 * Directory pages for libgntbuf's page-directory walker: each page is
 * mapped, copied and unmapped, and every map is counted.
 */
static int pgdir_read(void *ctx, uint32_t gref, void *page)
{
	struct vdispl *dev = ctx;
	void *p = map_ctl(dev, gref, false);

	if (!p)
		return errno ? -errno : -EFAULT;
	memcpy(page, p, XEN_PAGE_SIZE_BYTES);
	unmap_ctl(dev, p);
	return 0;
}

static int pgdir_write(void *ctx, uint32_t gref, const void *page)
{
	struct vdispl *dev = ctx;
	void *p = map_ctl(dev, gref, true);

	if (!p)
		return errno ? -errno : -EFAULT;
	memcpy(p, page, XEN_PAGE_SIZE_BYTES);
	unmap_ctl(dev, p);
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

static void sink_desc(const struct vdispl *dev, struct fb *f,
		      struct sink_fb_desc *desc)
{
	desc->domid = dev->domid;
	desc->cookie = f->cookie;
	desc->geom = &f->geom;
	desc->mem = &f->dbuf->mem;
}

/* ------------------------------------------------------------------ */
/* events */

static void conn_send_flip_event(struct conn *c, uint64_t fb_cookie)
{
	struct xendispl_event_page *pg = c->evt_page;
	struct xendispl_evt *e;
	uint32_t cons;

	if (!pg)
		return;
	cons = *(volatile uint32_t *)&pg->in_cons;
	if (c->evt_prod - cons >= XENDISPL_IN_RING_LEN) {
		c->st.events_dropped++;
		LOGW(c->dev, c->idx, "event page full (prod %u, cons %u): "
		     "flip event for fb %#" PRIx64 " dropped", c->evt_prod,
		     cons, fb_cookie);
		return;
	}
	e = &XENDISPL_IN_RING_REF(pg, c->evt_prod);
	memset(e, 0, sizeof(*e));
	/* Linux's frontend expects ids 0, 1, 2, ... per connection. */
	e->id = c->evt_id++;
	e->type = XENDISPL_EVT_PG_FLIP;
	e->op.pg_flip.fb_cookie = fb_cookie;
	xen_wmb();		/* event before the producer index */
	c->evt_prod++;
	*(volatile uint32_t *)&pg->in_prod = c->evt_prod;
	xen_wmb();
	if (c->evt_port >= 0)
		xenevtchn_notify(c->dev->b->xce, c->evt_port);
}

int conn_cpu_begin(struct conn *c, struct dbuf_mem *mem,
		   const uint8_t **data)
{
	struct backend *b = c->dev->b;
	uint32_t before = mem->grant_maps;
	int ret = b->prov->cpu_begin(b, mem, data);

	c->st.cpu_grant_maps += mem->grant_maps - before;
	return ret;
}

static void count_frame(struct conn *c)
{
	uint64_t delta = c->dev->grant_maps - c->grant_maps_mark;

	if (c->st.frames == 0)
		c->st.grant_maps_first += delta;
	else
		c->st.grant_maps_later += delta;
	c->grant_maps_mark = c->dev->grant_maps;
	c->st.frames++;
}

static void conn_start_flip(struct conn *c, struct fb *f, uint64_t start_ns);

void conn_flip_done(struct conn *c)
{
	uint64_t cookie = c->flip_cookie;
	uint64_t now;

	if (!cookie)
		return;
	now = now_ns();
	conn_stats_flip(&c->st, now - c->flip_start_ns,
			now - c->sink_start_ns);
	c->st.flips++;
	c->flip_cookie = 0;
	LOGD(c->dev, c->idx, "flip to fb %#" PRIx64 " done in %.3f ms",
	     cookie, (now - c->flip_start_ns) / 1e6);
	conn_send_flip_event(c, cookie);
	if (c->n_queued && c->req_page) {
		struct fb *next = c->flip_queue[0];
		uint64_t t = c->flip_queue_ns[0];

		c->n_queued--;
		memmove(c->flip_queue, c->flip_queue + 1,
			c->n_queued * sizeof(c->flip_queue[0]));
		memmove(c->flip_queue_ns, c->flip_queue_ns + 1,
			c->n_queued * sizeof(c->flip_queue_ns[0]));
		conn_start_flip(c, next, t);
	}
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
static void dbuf_forget(struct vdispl *dev, struct dbuf *d)
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
	sink_desc(dev, f, &desc);
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
	sink_desc(dev, f, &desc);
	count_frame(c);
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

static void conn_start_flip(struct conn *c, struct fb *f, uint64_t start_ns)
{
	struct vdispl *dev = c->dev;
	struct sink *s = &dev->b->sink;
	struct sink_fb_desc desc;
	int ret;

	c->flip_cookie = f->cookie;
	c->flip_start_ns = start_ns;
	c->shown = f;
	count_frame(c);
	LOGD(dev, c->idx, "PG_FLIP fb %#" PRIx64 " (frame %" PRIu64 ")",
	     f->cookie, c->st.frames);
	sink_desc(dev, f, &desc);
	c->sink_start_ns = now_ns();
	ret = s->ops->flip(s, c, c->sink_priv, f->sink_priv, &desc);
	if (ret) {
		LOGE(dev, c->idx, "PG_FLIP fb %#" PRIx64 ": sink %s: %s",
		     f->cookie, s->ops->name, strerror(-ret));
		/* Still tell the frontend, so its vblank event goes out. */
		conn_flip_done(c);
	}
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
	page = map_ctl(dev, refs[0], true);
	if (!page) {
		LOGE(dev, c->idx, "GET_EDID: cannot map gref %u", refs[0]);
		ret = -EFAULT;
		goto out;
	}
	memcpy(page, edid, sizeof(edid));
	unmap_ctl(dev, page);
	*edid_sz = sizeof(edid);
	LOGI(dev, c->idx, "GET_EDID: %zu bytes, preferred mode %ux%u",
	     sizeof(edid), c->width, c->height);
out:
	free(refs);
	return ret;
}

static int conn_handle_req(struct conn *c, const struct xendispl_req *req,
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
static void conn_respond(struct conn *c, uint16_t id, uint8_t op,
			 struct xendispl_resp *resp, int err)
{
	xen_displif_back_ring_t *ring = &c->ring;
	int notify;

	resp->id = id;
	resp->operation = op;
	resp->status = proto_xen_status(err);
	LOGD(c->dev, c->idx, "%s id %u: status %d", proto_op_name(op), id,
	     resp->status);
	ring->rsp_prod_pvt++;
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(ring, notify);
	if (notify)
		xenevtchn_notify(c->dev->b->xce, c->req_port);
}

/*
 * Serve at most @budget requests; false if the frontend broke the ring.
 * c->kicked stays set while requests are left (budget spent), as
 * xen-blkback does: the loop comes back after serving the others.
 */
static bool conn_process(struct conn *c, unsigned int budget)
{
	xen_displif_back_ring_t *ring = &c->ring;
	unsigned int n = 0;
	int more;

	do {
		RING_IDX rp = ring->sring->req_prod;

		xen_rmb();	/* requests up to rp */
		if (RING_REQUEST_PROD_OVERFLOW(ring, rp)) {
			LOGE(c->dev, c->idx, "request producer %u overflows "
			     "the ring (consumer %u): frontend is broken",
			     rp, ring->req_cons);
			return false;
		}
		while (ring->req_cons != rp &&
		       !RING_REQUEST_CONS_OVERFLOW(ring, ring->req_cons)) {
			struct xendispl_req req;
			struct xendispl_resp *resp;
			int err;

			if (n++ == budget) {
				c->dev->b->loop.budget_spent++;
				return true;	/* still kicked */
			}
			c->dev->b->loop.requests++;
			RING_COPY_REQUEST(ring, ring->req_cons, &req);
			ring->req_cons++;
			resp = RING_GET_RESPONSE(ring, ring->rsp_prod_pvt);
			memset(resp, 0, sizeof(*resp));
			err = conn_handle_req(c, &req, resp);
			if (err == -EINPROGRESS)
				return true;	/* answered later; blocked */
			conn_respond(c, req.id, req.operation, resp, err);
			if (!c->req_page)	/* disconnected meanwhile */
				return true;
		}
		RING_FINAL_CHECK_FOR_REQUESTS(ring, more);
	} while (more);
	c->kicked = false;
	return true;
}

void conn_handle_port(struct backend *b, int port)
{
	b->loop.ports++;
	for (struct vdispl *dev = b->devs; dev; dev = dev->next) {
		if (!dev->connected)
			continue;
		for (int i = 0; i < dev->n_conn; i++) {
			struct conn *c = &dev->conn[i];

			if (c->req_port == port && c->req_page) {
				/* Unmasked when served: one event per round. */
				c->kicked = true;
				c->unmask = true;
				return;
			}
			if (c->evt_port == port) {
				/* The frontend consumed events. */
				xenevtchn_unmask(b->xce, port);
				return;
			}
		}
	}
	xenevtchn_unmask(b->xce, port);
}

void conn_serve(struct backend *b)
{
	unsigned int n_dev = 0, start;
	struct vdispl *dev;

	for (dev = b->devs; dev; dev = dev->next)
		n_dev++;
	if (!n_dev)
		return;
	/* Round-robin: each iteration starts one device further on. */
	start = b->rr_start++ % n_dev;
	for (unsigned int k = 0; k < n_dev; k++) {
		unsigned int idx = (start + k) % n_dev;

		dev = b->devs;
		for (unsigned int j = 0; j < idx; j++)
			dev = dev->next;
		if (!dev->connected)
			continue;
		for (int i = 0; i < dev->n_conn; i++) {
			struct conn *c = &dev->conn[i];

			if (!c->req_page)
				continue;
			if (c->unmask) {
				c->unmask = false;
				xenevtchn_unmask(b->xce, c->req_port);
			}
			if (!c->kicked || c->blocked)
				continue;
			if (!conn_process(c, b->opt.req_budget)) {
				/* Stop serving a broken ring. */
				conn_disconnect(c);
				continue;
			}
			if (c->kicked && !c->blocked)
				b->more_work = true;
		}
	}
}

/* The DBUF_DESTROY that waited for @d gets its answer; its ring goes on. */
static void release_answer(struct dbuf *d, int err)
{
	struct conn *c = d->waiter;
	struct xendispl_resp *resp;

	d->waiter = NULL;
	if (!c || !c->req_page)
		return;
	resp = RING_GET_RESPONSE(&c->ring, c->ring.rsp_prod_pvt);
	memset(resp, 0, sizeof(*resp));
	conn_respond(c, d->req_id, XENDISPL_OP_DBUF_DESTROY, resp, err);
	c->blocked = false;
	c->kicked = true;
	c->dev->b->more_work = true;
}

int conn_poll_releases(struct backend *b)
{
	uint64_t now = now_ns();
	int timeout = -1;

	for (struct vdispl *dev = b->devs; dev; dev = dev->next) {
		struct dbuf **pp = &dev->releasing;

		while (*pp) {
			struct dbuf *d = *pp;
			unsigned int every = d->waiter ?
				RELEASE_POLL_WAITING_MS : RELEASE_POLL_HELD_MS;
			int ret, left;

			if (now >= d->next_poll_ns)
				ret = b->prov->release_poll(b, &d->mem);
			else
				ret = -EAGAIN;	/* not yet its turn */
			if (ret != -EAGAIN) {
				LOGI(dev, d->waiter ? d->waiter->idx : -1,
				     "DBUF_DESTROY %#" PRIx64 ": %s after %.3f "
				     "ms", d->cookie, ret ? strerror(-ret) :
				     "released", (now - d->release_start_ns) / 1e6);
				release_answer(d, ret);
				*pp = d->next;
				dbuf_forget(dev, d);
				continue;
			}
			if (d->waiter && now >= d->release_deadline_ns) {
				LOGW(dev, d->waiter->idx, "DBUF_DESTROY %#"
				     PRIx64 ": not released after %u ms (the "
				     "guest still maps it): answered "
				     "ETIMEDOUT; its %u pages count in the "
				     "domain's quota until released", d->cookie,
				     b->opt.release_timeout_ms, d->geom.pages);
				release_answer(d, -ETIMEDOUT);
			}
			if (now >= d->next_poll_ns)
				d->next_poll_ns = now + every * 1000000ull;
			left = (int)((d->next_poll_ns - now) / 1000000ull) + 1;
			if (timeout < 0 || left < timeout)
				timeout = left;
			pp = &d->next;
		}
	}
	return timeout;
}

/* ------------------------------------------------------------------ */
/* connect / disconnect */

int conn_connect(struct conn *c)
{
	struct vdispl *dev = c->dev;
	struct backend *b = dev->b;
	struct sink *s = &b->sink;
	int port, ret;

	c->req_port = c->evt_port = -1;
	c->req_page = map_ctl(dev, c->req_gref, true);
	if (!c->req_page) {
		ret = -errno;
		LOGE(dev, c->idx, "cannot map the request ring, gref %u: %s",
		     c->req_gref, strerror(errno));
		goto err;
	}
	BACK_RING_INIT(&c->ring, (struct xen_displif_sring *)c->req_page,
		       XEN_PAGE_SIZE_BYTES);
	c->evt_page = map_ctl(dev, c->evt_gref, true);
	if (!c->evt_page) {
		ret = -errno;
		LOGE(dev, c->idx, "cannot map the event page, gref %u: %s",
		     c->evt_gref, strerror(errno));
		goto err;
	}
	c->evt_prod = c->evt_page->in_prod;
	c->evt_id = 0;
	port = xenevtchn_bind_interdomain(b->xce, dev->domid,
					  c->req_remote_port);
	if (port < 0) {
		ret = -errno;
		LOGE(dev, c->idx, "cannot bind req-event-channel %u: %s",
		     c->req_remote_port, strerror(errno));
		goto err;
	}
	c->req_port = port;
	port = xenevtchn_bind_interdomain(b->xce, dev->domid,
					  c->evt_remote_port);
	if (port < 0) {
		ret = -errno;
		LOGE(dev, c->idx, "cannot bind evt-event-channel %u: %s",
		     c->evt_remote_port, strerror(errno));
		goto err;
	}
	c->evt_port = port;
	c->grant_maps_mark = 0;
	memset(&c->st, 0, sizeof(c->st));
	ret = s->ops->conn_open(s, c, &c->sink_priv);
	if (ret) {
		LOGE(dev, c->idx, "sink %s: %s", s->ops->name, strerror(-ret));
		goto err;
	}
	LOGI(dev, c->idx, "connected: %ux%u, unique-id \"%s\", ring gref %u "
	     "port %u, events gref %u port %u", c->width, c->height,
	     c->unique_id, c->req_gref, c->req_remote_port, c->evt_gref,
	     c->evt_remote_port);
	return 0;
err:
	conn_disconnect(c);
	return ret;
}

void conn_disconnect(struct conn *c)
{
	struct vdispl *dev = c->dev;
	struct backend *b = dev->b;
	struct sink *s = &b->sink;
	bool was_up = c->req_page != NULL;

	if (c->sink_priv) {
		s->ops->conn_close(s, c, c->sink_priv);
		c->sink_priv = NULL;
	}
	c->shown = NULL;
	c->flip_cookie = 0;
	c->n_queued = 0;
	c->kicked = c->blocked = c->unmask = false;
	for (struct dbuf *d = dev->releasing; d; d = d->next)
		if (d->waiter == c)
			d->waiter = NULL;
	if (c->req_port >= 0)
		xenevtchn_unbind(b->xce, c->req_port);
	if (c->evt_port >= 0)
		xenevtchn_unbind(b->xce, c->evt_port);
	c->req_port = c->evt_port = -1;
	unmap_ctl(dev, c->req_page);
	unmap_ctl(dev, c->evt_page);
	c->req_page = NULL;
	c->evt_page = NULL;
	if (was_up) {
		LOGI(dev, c->idx, "disconnected");
		conn_print_summary(c);
	}
}
