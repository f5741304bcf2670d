// SPDX-License-Identifier: MIT
/*
 * One connector: its request ring and event page (the only pages mapped
 * here with libxengnttab, with the page directories of requests), the
 * fair serving of rings, flips and their events, and the releases that
 * DBUF_DESTROY waits for.  The requests themselves are ops.c's.  Display
 * buffers are never mapped here: the provider (libgntbuf) turns their
 * grefs into a dma-buf once, at DBUF_CREATE.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "displback.h"

/* ------------------------------------------------------------------ */
/* control pages */

void *vdispl_map_ctl(struct vdispl *dev, uint32_t gref, bool write)
{
	void *p = xengnttab_map_grant_ref(dev->b->xgt, dev->domid, gref,
					  PROT_READ | (write ? PROT_WRITE : 0));
	if (p)
		dev->grant_maps++;
	return p;
}

void vdispl_unmap_ctl(struct vdispl *dev, void *p)
{
	if (p)
		xengnttab_unmap(dev->b->xgt, p, 1);
}

void fb_sink_desc(const struct vdispl *dev, struct fb *f,
		      struct sink_fb_desc *desc)
{
	desc->domid = dev->domid;
	desc->cookie = f->cookie;
	desc->geom = &f->geom;
	desc->mem = &f->dbuf->mem;
}

/* ------------------------------------------------------------------ */
/* events */

void conn_send_flip_event(struct conn *c, uint64_t fb_cookie)
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

void conn_count_frame(struct conn *c)
{
	uint64_t delta = c->dev->grant_maps - c->grant_maps_mark;

	if (c->st.frames == 0)
		c->st.grant_maps_first += delta;
	else
		c->st.grant_maps_later += delta;
	c->grant_maps_mark = c->dev->grant_maps;
	c->st.frames++;
}


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

void conn_start_flip(struct conn *c, struct fb *f, uint64_t start_ns)
{
	struct vdispl *dev = c->dev;
	struct sink *s = &dev->b->sink;
	struct sink_fb_desc desc;
	int ret;

	c->flip_cookie = f->cookie;
	c->flip_start_ns = start_ns;
	c->shown = f;
	conn_count_frame(c);
	LOGD(dev, c->idx, "PG_FLIP fb %#" PRIx64 " (frame %" PRIu64 ")",
	     f->cookie, c->st.frames);
	fb_sink_desc(dev, f, &desc);
	c->sink_start_ns = now_ns();
	ret = s->ops->flip(s, c, c->sink_priv, f->sink_priv, &desc);
	if (ret) {
		LOGE(dev, c->idx, "PG_FLIP fb %#" PRIx64 ": sink %s: %s",
		     f->cookie, s->ops->name, strerror(-ret));
		/* Still tell the frontend, so its vblank event goes out. */
		conn_flip_done(c);
	}
}

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
 * Serve requests while *@budget lasts, taking one from it per request;
 * false if the frontend broke the ring.  c->kicked stays set while
 * requests are left (budget spent), as xen-blkback does: the loop comes
 * back after serving the others.
 */
static bool conn_process(struct conn *c, unsigned int *budget)
{
	xen_displif_back_ring_t *ring = &c->ring;
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

			if (!*budget) {
				c->dev->b->loop.budget_spent++;
				return true;	/* still kicked */
			}
			(*budget)--;
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

/*
 * The request budget of @dev's guest in this iteration: one --req-budget
 * per domain, kept by the domain's first device and shared by all its
 * devices and connectors.
 */
static unsigned int *guest_budget(struct backend *b, struct vdispl *dev)
{
	struct vdispl *first = b->devs;

	while (first->domid != dev->domid)
		first = first->next;
	return &first->req_budget_left;
}

void conn_serve(struct backend *b)
{
	unsigned int n_dev = 0, start;
	struct vdispl *dev;

	for (dev = b->devs; dev; dev = dev->next) {
		dev->req_budget_left = b->opt.req_budget;
		n_dev++;
	}
	if (!n_dev)
		return;
	/* Round-robin: each iteration starts one device further on. */
	start = b->rr_start++ % n_dev;
	for (unsigned int k = 0; k < n_dev; k++) {
		unsigned int idx = (start + k) % n_dev, *budget;
		int first;

		dev = b->devs;
		for (unsigned int j = 0; j < idx; j++)
			dev = dev->next;
		if (!dev->connected || !dev->n_conn)
			continue;
		budget = guest_budget(b, dev);
		/* And between a device's connectors, one further on too. */
		first = (int)(dev->rr_conn++ % (unsigned int)dev->n_conn);
		for (int m = 0; m < dev->n_conn; m++) {
			struct conn *c = &dev->conn[(first + m) % dev->n_conn];

			if (!c->req_page)
				continue;
			if (c->unmask) {
				c->unmask = false;
				xenevtchn_unmask(b->xce, c->req_port);
			}
			if (!c->kicked || c->blocked)
				continue;
			if (!conn_process(c, budget)) {
				/* Stop serving a broken ring. */
				conn_disconnect(c);
				continue;
			}
			if (c->kicked && !c->blocked)
				b->more_work = true;
		}
	}
	for (dev = b->devs; dev; dev = dev->next) {
		unsigned int used = b->opt.req_budget - dev->req_budget_left;

		if (used > b->loop.max_guest_requests)
			b->loop.max_guest_requests = used;
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
	c->req_page = vdispl_map_ctl(dev, c->req_gref, true);
	if (!c->req_page) {
		ret = -errno;
		LOGE(dev, c->idx, "cannot map the request ring, gref %u: %s",
		     c->req_gref, strerror(errno));
		goto err;
	}
	BACK_RING_INIT(&c->ring, (struct xen_displif_sring *)c->req_page,
		       XEN_PAGE_SIZE_BYTES);
	c->evt_page = vdispl_map_ctl(dev, c->evt_gref, true);
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
	vdispl_unmap_ctl(dev, c->req_page);
	vdispl_unmap_ctl(dev, c->evt_page);
	c->req_page = NULL;
	c->evt_page = NULL;
	if (was_up) {
		LOGI(dev, c->idx, "disconnected");
		conn_print_summary(c);
	}
}
