// SPDX-License-Identifier: MIT
/*
 * displfront.c: the frontend's side of one Xen PV display device, for
 * test programs run in a domU (see displfront.h).  The protocol is
 * xen/io/displif.h's; the handshake is xen_drm_front's
 * (drivers/gpu/drm/xen/xen_drm_front.c) done by hand.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <xen/io/xenbus.h>

#include "displfront.h"

uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int front_share(struct front *f, uint32_t count, bool writable,
		struct grant *g)
{
	g->refs = calloc(count, sizeof(*g->refs));
	if (!g->refs)
		return -ENOMEM;
	g->count = count;
	g->addr = xengntshr_share_pages(f->gs, f->be_domid, (int)count,
					g->refs, writable);
	if (!g->addr) {
		free(g->refs);
		g->refs = NULL;
		return errno ? -errno : -ENOMEM;
	}
	memset(g->addr, 0, (size_t)count * PAGE_SZ);
	return 0;
}

void front_unshare(struct front *f, struct grant *g)
{
	if (g->addr)
		xengntshr_unshare(f->gs, g->addr, g->count);
	free(g->refs);
	g->addr = NULL;
	g->refs = NULL;
}

char *front_xs_get(struct front *f, const char *dir, const char *node)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, node);
	return xs_read(f->xs, XBT_NULL, path, NULL);
}

long front_xs_get_long(struct front *f, const char *dir, const char *node,
		       long def)
{
	char *v = front_xs_get(f, dir, node);
	long n = v ? strtol(v, NULL, 10) : def;

	free(v);
	return n;
}

bool front_xs_put(struct front *f, const char *dir, const char *node,
		  const char *fmt, ...)
{
	char path[256], val[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s/%s", dir, node);
	return xs_write(f->xs, XBT_NULL, path, val, strlen(val));
}

/* Poll the backend's state until it is one of @a, @b; false on timeout. */
bool front_wait_be_state(struct front *f, int a, int b, int *seen)
{
	uint64_t end = now_ms() + f->timeout_ms;

	do {
		*seen = (int)front_xs_get_long(f, f->be, "state", -1);
		if (*seen == a || *seen == b)
			return true;
		usleep(5000);
	} while (now_ms() < end);
	return false;
}

/* ------------------------------------------------------------------ */
/* the handshake */

int front_connect(struct front *f)
{
	char dir[160];
	int st;

	f->be_alloc = front_xs_get_long(f, f->fe, XENDISPL_FIELD_BE_ALLOC, 0) == 1;
	if (front_xs_get_long(f, f->fe, "state", -1) == XenbusStateConnected) {
		fprintf(stderr, "displfront: %s is Connected: another "
			"frontend (xen_drm_front?) drives it\n", f->fe);
		return -EBUSY;
	}
	if (!front_xs_put(f, f->fe, "state", "%d", XenbusStateInitialising))
		return -errno;
	if (!front_wait_be_state(f, XenbusStateInitWait, -2, &st)) {
		fprintf(stderr, "displfront: backend %s state %d, not "
			"InitWait\n", f->be, st);
		return -ETIMEDOUT;
	}
	if (front_share(f, 1, true, &f->ring_g) || front_share(f, 1, true, &f->evt_g))
		return -ENOMEM;
	SHARED_RING_INIT((struct xen_displif_sring *)f->ring_g.addr);
	FRONT_RING_INIT(&f->ring, (struct xen_displif_sring *)f->ring_g.addr,
			PAGE_SZ);
	f->evt = f->evt_g.addr;
	f->req_port = xenevtchn_bind_unbound_port(f->xce, f->be_domid);
	f->evt_port = xenevtchn_bind_unbound_port(f->xce, f->be_domid);
	if (f->req_port < 0 || f->evt_port < 0)
		return -errno;

	snprintf(dir, sizeof(dir), "%s/0", f->fe);
	if (!front_xs_put(f, dir, XENDISPL_FIELD_REQ_RING_REF, "%u",
			  f->ring_g.refs[0]) ||
	    !front_xs_put(f, dir, XENDISPL_FIELD_REQ_CHANNEL, "%d",
			  f->req_port) ||
	    !front_xs_put(f, dir, XENDISPL_FIELD_EVT_RING_REF, "%u",
			  f->evt_g.refs[0]) ||
	    !front_xs_put(f, dir, XENDISPL_FIELD_EVT_CHANNEL, "%d",
			  f->evt_port) ||
	    !front_xs_put(f, f->fe, XENDISPL_FIELD_FE_VERSION, "2") ||
	    !front_xs_put(f, f->fe, "state", "%d", XenbusStateInitialised))
		return -errno;
	if (!front_wait_be_state(f, XenbusStateConnected, -2, &st)) {
		fprintf(stderr, "displfront: backend %s state %d, not "
			"Connected\n", f->be, st);
		return -ETIMEDOUT;
	}
	if (!front_xs_put(f, f->fe, "state", "%d", XenbusStateConnected))
		return -errno;
	printf("displfront: dev%u connected to backend domain %u, "
	       "be-alloc %d, ring gref %u port %d\n", f->devid, f->be_domid,
	       f->be_alloc, f->ring_g.refs[0], f->req_port);
	return 0;
}

void front_close(struct front *f)
{
	int st;

	front_xs_put(f, f->fe, "state", "%d", XenbusStateClosing);
	/* The backend tears the device down and goes back to InitWait. */
	front_wait_be_state(f, XenbusStateInitWait, XenbusStateClosed, &st);
	front_xs_put(f, f->fe, "state", "%d", XenbusStateClosed);
	front_unshare(f, &f->ring_g);
	front_unshare(f, &f->evt_g);
	if (f->req_port >= 0)
		xenevtchn_unbind(f->xce, f->req_port);
	if (f->evt_port >= 0)
		xenevtchn_unbind(f->xce, f->evt_port);
}

/*
 * Send @req (its id is set here) and wait for the response.  The response
 * is matched by id; responses to other ids are a failure of the backend.
 */
struct front_result front_send(struct front *f, struct xendispl_req *req)
{
	struct front_result r = { false, false, 0 };
	uint64_t end = now_ms() + f->timeout_ms;
	struct pollfd pfd = { .fd = xenevtchn_fd(f->xce), .events = POLLIN };

	req->id = f->next_id++;
	*RING_GET_REQUEST(&f->ring, f->ring.req_prod_pvt) = *req;
	f->ring.req_prod_pvt++;
	RING_PUSH_REQUESTS(&f->ring);
	xenevtchn_notify(f->xce, f->req_port);

	while (!r.answered && now_ms() < end) {
		RING_IDX rp = f->ring.sring->rsp_prod;

		xen_rmb();
		while (f->ring.rsp_cons != rp) {
			struct xendispl_resp *resp =
				RING_GET_RESPONSE(&f->ring, f->ring.rsp_cons);

			f->ring.rsp_cons++;
			if (resp->id != req->id) {
				printf("displfront: stray response id "
				       "%u (waiting for %u)\n", resp->id,
				       req->id);
				continue;
			}
			r.answered = true;
			r.echoed = resp->operation == req->operation;
			r.status = resp->status;
		}
		if (r.answered)
			break;
		if (poll(&pfd, 1, 20) > 0) {
			xenevtchn_port_or_error_t p = xenevtchn_pending(f->xce);

			if (p >= 0)
				xenevtchn_unmask(f->xce, p);
		}
	}
	return r;
}

/* An XENDISPL_EVT_PG_FLIP for @cookie on the event page, within timeout. */
bool front_wait_flip(struct front *f, uint64_t cookie)
{
	uint64_t end = now_ms() + f->timeout_ms;

	do {
		uint32_t prod = *(volatile uint32_t *)&f->evt->in_prod;

		xen_rmb();
		while (f->evt->in_cons != prod) {
			struct xendispl_evt *e =
				&XENDISPL_IN_RING_REF(f->evt, f->evt->in_cons);
			bool hit = e->type == XENDISPL_EVT_PG_FLIP &&
				   e->op.pg_flip.fb_cookie == cookie;

			xen_mb();
			f->evt->in_cons++;
			if (hit)
				return true;
		}
		usleep(2000);
	} while (now_ms() < end);
	return false;
}
