// SPDX-License-Identifier: MIT
/*
 * displfront.h: the frontend's side of one Xen PV display device
 * (xen/io/displif.h), for test programs run in a domU without Linux's
 * xen_drm_front: the XenbusState handshake, the request ring and the event
 * page of connector 0, grants made with libxengntshr (gntalloc).
 *
 * A struct front is filled by its user (handles, domid, devid, frontend and
 * backend xenstore paths, timeout_ms, req_port = evt_port = -1, next_id),
 * then front_connect() shares the ring and event pages, binds the event
 * channels and goes Connected; front_close() undoes it.  Each wait below
 * ends after f->timeout_ms milliseconds.
 */
#ifndef GNTBUF_DISPLFRONT_H
#define GNTBUF_DISPLFRONT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <xenevtchn.h>
#include <xengnttab.h>
#include <xenstore.h>

#include "displif-ring.h"

#define PAGE_SZ		4096u
#define REFS_PER_DIR	((PAGE_SZ - 4) / 4)

struct grant {
	void *addr;
	uint32_t *refs;
	uint32_t count;
};

struct front {
	struct xs_handle *xs;
	xengntshr_handle *gs;
	xenevtchn_handle *xce;
	unsigned int domid, be_domid, devid;
	char fe[128], be[160];
	bool be_alloc;

	struct grant ring_g, evt_g;
	xen_displif_front_ring_t ring;
	struct xendispl_event_page *evt;
	int req_port, evt_port;
	uint16_t next_id;
	unsigned int timeout_ms;	/* for each wait below */
};

struct front_result {
	bool answered;		/* a response with our id arrived */
	bool echoed;		/* ... with our operation */
	int32_t status;
};

/* CLOCK_MONOTONIC in milliseconds. */
uint64_t now_ms(void);

/* @count pages granted to the backend domain, zeroed; 0 or -errno. */
int front_share(struct front *f, uint32_t count, bool writable,
		struct grant *g);
void front_unshare(struct front *f, struct grant *g);

/* xenstore node @dir/@node: the value (free() it) or NULL. */
char *front_xs_get(struct front *f, const char *dir, const char *node);
long front_xs_get_long(struct front *f, const char *dir, const char *node,
		       long def);
bool front_xs_put(struct front *f, const char *dir, const char *node,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Poll the backend's state until it is one of @a, @b; false on timeout. */
bool front_wait_be_state(struct front *f, int a, int b, int *seen);

/*
 * The handshake: 0, -EBUSY when another frontend (xen_drm_front?) has the
 * device Connected (nothing touched), -ETIMEDOUT, -ENOMEM or -errno.
 */
int front_connect(struct front *f);
void front_close(struct front *f);

/* Send @req (its id is set here) and wait for the response with its id. */
struct front_result front_send(struct front *f, struct xendispl_req *req);
/* An XENDISPL_EVT_PG_FLIP for @cookie on the event page, within timeout. */
bool front_wait_flip(struct front *f, uint64_t cookie);

/* Requests (displif.h's XENDISPL_OP_*), id left to front_send(). */

static inline struct xendispl_req
dbuf_create(uint64_t cookie, uint32_t w,
	    uint32_t h, uint32_t bpp, uint32_t size,
	    uint32_t dir, uint32_t flags)
{
	struct xendispl_req q;

	memset(&q, 0, sizeof(q));
	q.operation = XENDISPL_OP_DBUF_CREATE;
	q.op.dbuf_create.dbuf_cookie = cookie;
	q.op.dbuf_create.width = w;
	q.op.dbuf_create.height = h;
	q.op.dbuf_create.bpp = bpp;
	q.op.dbuf_create.buffer_sz = size;
	q.op.dbuf_create.gref_directory = dir;
	q.op.dbuf_create.flags = flags;
	return q;
}

static inline struct xendispl_req
dbuf_destroy(uint64_t cookie)
{
	struct xendispl_req q;

	memset(&q, 0, sizeof(q));
	q.operation = XENDISPL_OP_DBUF_DESTROY;
	q.op.dbuf_destroy.dbuf_cookie = cookie;
	return q;
}

static inline struct xendispl_req
fb_attach(uint64_t dbuf, uint64_t fb, uint32_t w,
	  uint32_t h, uint32_t fourcc)
{
	struct xendispl_req q;

	memset(&q, 0, sizeof(q));
	q.operation = XENDISPL_OP_FB_ATTACH;
	q.op.fb_attach.dbuf_cookie = dbuf;
	q.op.fb_attach.fb_cookie = fb;
	q.op.fb_attach.width = w;
	q.op.fb_attach.height = h;
	q.op.fb_attach.pixel_format = fourcc;
	return q;
}

static inline struct xendispl_req
fb_detach(uint64_t fb)
{
	struct xendispl_req q;

	memset(&q, 0, sizeof(q));
	q.operation = XENDISPL_OP_FB_DETACH;
	q.op.fb_detach.fb_cookie = fb;
	return q;
}

static inline struct xendispl_req
set_config(uint64_t fb, uint32_t w, uint32_t h)
{
	struct xendispl_req q;

	memset(&q, 0, sizeof(q));
	q.operation = XENDISPL_OP_SET_CONFIG;
	q.op.set_config.fb_cookie = fb;
	q.op.set_config.width = w;
	q.op.set_config.height = h;
	q.op.set_config.bpp = w ? 32 : 0;
	return q;
}

static inline struct xendispl_req
pg_flip(uint64_t fb)
{
	struct xendispl_req q;

	memset(&q, 0, sizeof(q));
	q.operation = XENDISPL_OP_PG_FLIP;
	q.op.pg_flip.fb_cookie = fb;
	return q;
}

static inline struct xendispl_req
get_edid(uint32_t size, uint32_t dir)
{
	struct xendispl_req q;

	memset(&q, 0, sizeof(q));
	q.operation = XENDISPL_OP_GET_EDID;
	q.op.get_edid.buffer_sz = size;
	q.op.get_edid.gref_directory = dir;
	return q;
}

/* A directory page: next, then the buffer's grefs. */
static inline void
dir_write(struct grant *dir, unsigned int page, uint32_t next,
	  const uint32_t *refs, uint32_t n)
{
	uint32_t *p = (uint32_t *)((char *)dir->addr + page * PAGE_SZ);

	memset(p, 0, PAGE_SZ);
	p[0] = next;
	if (refs)
		memcpy(p + 1, refs, n * sizeof(*refs));
}

#endif /* GNTBUF_DISPLFRONT_H */
