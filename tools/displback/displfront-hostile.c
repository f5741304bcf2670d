// SPDX-License-Identifier: MIT
/*
 * displfront-hostile: a hostile Xen PV display frontend, written against
 * xen/io/displif.h directly (no xen_drm_front), run in a domU against
 * gntbuf-displback.
 *
 * It does the frontend's side of the XenbusState handshake itself, on every
 * vdispl device of its domain (/local/domain/<domid>/device/vdispl/<devid>),
 * connector 0 only: shares a request ring page and an event page with the
 * backend (libxengntshr, i.e. gntalloc), allocates two unbound event
 * channels (libxenevtchn), publishes req-ring-ref, req-event-channel,
 * evt-ring-ref, evt-event-channel and version = 2, and goes Initialised,
 * then Connected once the backend is.  Linux's frontend must not be bound
 * to the devices: unbind it first (echo vdispl-0 >
 * /sys/bus/xen/drivers/vdispl/unbind; its removal closes the device and
 * the backend goes back to InitWait).  A device in state Connected is
 * left alone.
 *
 * Then it sends requests a frontend must not send and checks that each gets
 * an error status (a negative XEN_E* errno, the exact one where displif.h's
 * semantics fix it: ENOENT for an unknown cookie, EEXIST for a cookie in
 * use), that the response echoes the request's id and operation, and that
 * the backend keeps serving: valid requests between and after the hostile
 * ones get status 0 and a PG_FLIP gets its XENDISPL_EVT_PG_FLIP event.
 *
 * On a device with be-alloc = 1 (backend-allocated buffers) it checks the
 * allocation's error paths: a read-only directory the backend cannot
 * write, a looping directory, then a valid allocation whose directory the
 * backend filled with grefs.
 *
 * Buffers are small: 64 x 64 XRGB8888 (16 KiB, 4 pages).  The valid frame
 * shown with SET_CONFIG is filled with HOSTILE_RGB so the backend's capture
 * can be checked.
 *
 *   displfront-hostile [-t TIMEOUT_MS] [-d DEVID] [-m MODE] [-q N] [-T S]
 *
 * -d serves only vdispl device DEVID.  -m chooses what is sent:
 *  checks        the malformed requests above (the default);
 *  quota         DBUF_CREATE of 4-page buffers until one is refused: the
 *                refusal must be XEN_ENOMEM after exactly N (-q) buffers;
 *                the buffers held keep working (FB_ATTACH, SET_CONFIG,
 *                PG_FLIP and its event), and once they are destroyed a
 *                DBUF_CREATE succeeds again;
 *  storm         until the stop node (below) or -T seconds: bursts that
 *                fill the request ring with PG_FLIPs of an unknown fb,
 *                notify the request channel 1000 times and write the
 *                device's own state node 20 times, each burst's responses
 *                awaited (all must come, ENOENT each);
 *  release-loop  (a be-alloc device) until the stop node: DBUF_CREATE of a
 *                backend-allocated buffer, map its pages (gntdev) and
 *                never unmap them, DBUF_DESTROY: the answer must be
 *                XEN_ETIMEDOUT after the backend's release timeout, or the
 *                DBUF_CREATE refused with XEN_ENOMEM once the held buffers
 *                fill the quota; then hold the mappings until the domain
 *                is destroyed (never exits).
 * The stop node is /local/domain/<domid>/data/attack-stop (dom0 writes
 * it).  Attack modes print "attack: MODE running" when they start.
 *
 * Prints "PASS: <check>" or "FAIL: <check>" per check, then
 * "displfront-hostile: N checks, F failed" and exits 0 when F is 0.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <xenevtchn.h>
#include <xengnttab.h>
#include <xenstore.h>

#include <xen/errno.h>
#include <xen/io/xenbus.h>

#include "displfront.h"
#define FB_W		64u
#define FB_H		64u
#define FB_BYTES	(FB_W * FB_H * 4u)
#define FB_PAGES	(FB_BYTES / PAGE_SZ)
#define HOSTILE_RGB	0x336699u
/* DRM_FORMAT_XRGB8888, fourcc "XR24" */
#define FOURCC_XR24	0x34325258u

static unsigned int timeout_ms = 10000;
static unsigned int checks, failures;
static unsigned int quota_n = 8, attack_s = 600;
static char stop_path[96];

static void check(bool ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	checks++;
	if (!ok)
		failures++;
	printf("%s: ", ok ? "PASS" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}
/* Expect an error status: exactly @want if @want != 0, any if 0. */
static void expect_err(struct front *f, struct xendispl_req *req, int32_t want,
		       const char *what)
{
	struct front_result r = front_send(f, req);
	char want_s[16] = "< 0";

	if (want)
		snprintf(want_s, sizeof(want_s), "%d", want);
	check(r.answered && r.echoed && r.status < 0 &&
	      (want == 0 || r.status == want),
	      "dev%u %s: status %d%s%s (want %s)", f->devid, what, r.status,
	      r.answered ? "" : ", NO RESPONSE",
	      !r.answered || r.echoed ? "" : ", operation not echoed",
	      want_s);
}

static bool expect_ok(struct front *f, struct xendispl_req *req,
		      const char *what)
{
	struct front_result r = front_send(f, req);
	bool ok = r.answered && r.echoed && r.status == 0;

	check(ok, "dev%u %s: status %d%s", f->devid, what, r.status,
	      r.answered ? "" : ", NO RESPONSE");
	return ok;
}

/* ------------------------------------------------------------------ */
/* the checks */

static void hostile_frontend_alloc(struct front *f)
{
	const uint64_t A = 0xa11ce, FB = 0xfb01;
	struct grant buf = { 0 }, dir = { 0 }, dir2 = { 0 }, gone = { 0 },
		     edid = { 0 };
	struct xendispl_req q;
	uint32_t bogus[FB_PAGES], stale;
	bool have_a;

	if (front_share(f, FB_PAGES, true, &buf) ||
	    front_share(f, 1, true, &dir) || front_share(f, 2, true, &dir2) ||
	    front_share(f, 1, true, &gone) || front_share(f, 8, true, &edid)) {
		check(false, "dev%u: share the test pages: %s", f->devid,
		      strerror(errno));
		goto out;
	}
	/* A gref that was granted, then ended: stale. */
	stale = gone.refs[0];
	front_unshare(f, &gone);
	for (uint32_t i = 0; i < FB_PAGES; i++)
		bogus[i] = 0x0ffffff0u + i;
	for (uint32_t i = 0; i < FB_W * FB_H; i++)
		((uint32_t *)buf.addr)[i] = HOSTILE_RGB;

	/* Control: a valid buffer, so errors below are about the input. */
	dir_write(&dir, 0, 0, buf.refs, FB_PAGES);
	q = dbuf_create(A, FB_W, FB_H, 32, FB_BYTES, dir.refs[0], 0);
	have_a = expect_ok(f, &q, "valid DBUF_CREATE (control)");

	/* --- bad page directories --- */
	q = dbuf_create(0xb001, FB_W, FB_H, 32, FB_BYTES, 0, 0);
	expect_err(f, &q, 0, "DBUF_CREATE gref_directory 0");
	q = dbuf_create(0xb002, FB_W, FB_H, 32, FB_BYTES, 0x0ffffff0u, 0);
	expect_err(f, &q, 0, "DBUF_CREATE gref_directory never granted "
		   "(0x0ffffff0)");
	q = dbuf_create(0xb003, FB_W, FB_H, 32, FB_BYTES, stale, 0);
	expect_err(f, &q, 0, "DBUF_CREATE gref_directory whose grant ended "
		   "(stale gref)");
	dir_write(&dir2, 0, 0, bogus, FB_PAGES);
	q = dbuf_create(0xb004, FB_W, FB_H, 32, FB_BYTES, dir2.refs[0], 0);
	expect_err(f, &q, 0, "DBUF_CREATE directory listing buffer grefs "
		   "never granted");
	dir_write(&dir2, 0, dir2.refs[0], buf.refs, FB_PAGES);
	q = dbuf_create(0xb005, FB_W, FB_H, 32, FB_BYTES, dir2.refs[0], 0);
	expect_err(f, &q, 0, "DBUF_CREATE directory looping on itself "
		   "(gref_dir_next_page = its own gref)");
	/* 1024 x 2048 x 4 bytes = 2048 pages: 3 directory pages. */
	dir_write(&dir2, 0, dir2.refs[1], NULL, 0);
	dir_write(&dir2, 1, dir2.refs[0], NULL, 0);
	q = dbuf_create(0xb006, 1024, 2048, 32, 1024 * 2048 * 4,
			dir2.refs[0], 0);
	expect_err(f, &q, 0, "DBUF_CREATE directory loop A -> B -> A "
		   "(3 directory pages needed)");
	dir_write(&dir2, 0, 0, NULL, 0);
	q = dbuf_create(0xb007, 1024, 2048, 32, 1024 * 2048 * 4,
			dir2.refs[0], 0);
	expect_err(f, &q, 0, "DBUF_CREATE directory ending after 1 of 3 "
		   "pages");
	dir_write(&dir2, 0, dir2.refs[1], buf.refs, FB_PAGES);
	dir_write(&dir2, 1, 0, NULL, 0);
	q = dbuf_create(0xb008, FB_W, FB_H, 32, FB_BYTES, dir2.refs[0], 0);
	expect_err(f, &q, 0, "DBUF_CREATE directory longer than buffer_sz "
		   "needs (next page on the last)");

	/* --- geometry --- */
	q = dbuf_create(0xb010, FB_W, FB_H, 32, FB_BYTES - PAGE_SZ,
			dir.refs[0], 0);
	expect_err(f, &q, -XEN_EINVAL, "DBUF_CREATE buffer_sz one page "
		   "smaller than width x height x bpp");
	q = dbuf_create(0xb011, FB_W, FB_H, 32, FB_BYTES + 2 * PAGE_SZ,
			dir.refs[0], 0);
	expect_err(f, &q, -XEN_EINVAL, "DBUF_CREATE buffer_sz two pages "
		   "larger than width x height x bpp");
	q = dbuf_create(0xb012, FB_W, FB_H, 32, 0, dir.refs[0], 0);
	expect_err(f, &q, -XEN_EINVAL, "DBUF_CREATE buffer_sz 0");
	q = dbuf_create(0xb013, FB_W, FB_H, 7, FB_BYTES, dir.refs[0], 0);
	expect_err(f, &q, -XEN_EINVAL, "DBUF_CREATE bpp 7");
	q = dbuf_create(0xb014, FB_W, 0, 32, FB_BYTES, dir.refs[0], 0);
	expect_err(f, &q, -XEN_EINVAL, "DBUF_CREATE height 0 with width "
		   "and bpp set");
	q = dbuf_create(0xb015, 0, 0, 0, 0xffffffffu, dir.refs[0], 0);
	expect_err(f, &q, -XEN_EINVAL, "DBUF_CREATE pending buffer of "
		   "buffer_sz 4 GiB - 1");
	q = dbuf_create(0xb016, FB_W, FB_H, 32, FB_BYTES, dir.refs[0], 0);
	q.op.dbuf_create.data_ofs = FB_BYTES;
	expect_err(f, &q, -XEN_EINVAL, "DBUF_CREATE data_ofs = buffer_sz");

	/* --- unknown operations --- */
	{
		static const uint8_t ops[] = { 0x00, 0x17, 0x7f, 0xff };

		for (unsigned int i = 0; i < sizeof(ops); i++) {
			char what[64];

			memset(&q, 0, sizeof(q));
			q.operation = ops[i];
			snprintf(what, sizeof(what), "unknown operation %#x",
				 ops[i]);
			expect_err(f, &q, 0, what);
		}
	}

	/* --- cookies --- */
	q = dbuf_create(0, FB_W, FB_H, 32, FB_BYTES, dir.refs[0], 0);
	expect_err(f, &q, -XEN_EINVAL, "DBUF_CREATE dbuf_cookie 0");
	q = dbuf_create(A, FB_W, FB_H, 32, FB_BYTES, dir.refs[0], 0);
	expect_err(f, &q, -XEN_EEXIST, "DBUF_CREATE dbuf_cookie reused "
		   "(in use)");
	q = fb_attach(0xdead, FB, FB_W, FB_H, FOURCC_XR24);
	expect_err(f, &q, -XEN_ENOENT, "FB_ATTACH of an unknown dbuf");
	q = fb_attach(A, FB, FB_W, FB_H, FOURCC_XR24);
	expect_ok(f, &q, "valid FB_ATTACH (control)");
	q = fb_attach(A, FB, FB_W, FB_H, FOURCC_XR24);
	expect_err(f, &q, -XEN_EEXIST, "FB_ATTACH fb_cookie reused (in use)");
	q = fb_attach(A, 0, FB_W, FB_H, FOURCC_XR24);
	expect_err(f, &q, -XEN_EINVAL, "FB_ATTACH fb_cookie 0");
	q = fb_attach(A, 0xfb02, FB_W, FB_H, 0x58585858u);
	expect_err(f, &q, -XEN_EINVAL, "FB_ATTACH unknown fourcc XXXX");
	q = fb_attach(A, 0xfb03, FB_W * 2, FB_H, FOURCC_XR24);
	expect_err(f, &q, -XEN_EINVAL, "FB_ATTACH wider than its dbuf");
	q = pg_flip(0xbeef);
	expect_err(f, &q, -XEN_ENOENT, "PG_FLIP of an unknown fb");
	q = pg_flip(FB);
	expect_err(f, &q, 0, "PG_FLIP before any SET_CONFIG (display off)");
	q = set_config(0xbeef, FB_W, FB_H);
	expect_err(f, &q, -XEN_ENOENT, "SET_CONFIG of an unknown fb");
	q = fb_detach(0xbeef);
	expect_err(f, &q, -XEN_ENOENT, "FB_DETACH of an unknown fb");
	q = dbuf_destroy(0xdead);
	expect_err(f, &q, -XEN_ENOENT, "DBUF_DESTROY of an unknown dbuf");

	/* --- GET_EDID --- */
	q = get_edid(128, edid.refs[0]);
	expect_err(f, &q, -XEN_EINVAL, "GET_EDID buffer_sz 128 (displif.h "
		   "wants 32768)");
	q = get_edid(XENDISPL_EDID_MAX_SIZE, 0x0ffffff0u);
	expect_err(f, &q, 0, "GET_EDID gref_directory never granted");

	/* --- the valid path still works --- */
	q = set_config(FB, FB_W, FB_H);
	expect_ok(f, &q, "valid SET_CONFIG after the bad requests");
	q = pg_flip(FB);
	if (expect_ok(f, &q, "valid PG_FLIP"))
		check(front_wait_flip(f, FB), "dev%u XENDISPL_EVT_PG_FLIP for "
		      "fb %#x arrived", f->devid, (unsigned int)FB);
	q = set_config(0, 0, 0);
	expect_ok(f, &q, "SET_CONFIG display off");
	q = fb_detach(FB);
	expect_ok(f, &q, "valid FB_DETACH");
	q = fb_detach(FB);
	expect_err(f, &q, -XEN_ENOENT, "FB_DETACH twice");
	if (have_a) {
		q = dbuf_destroy(A);
		expect_ok(f, &q, "valid DBUF_DESTROY");
	}
	q = dbuf_destroy(A);
	expect_err(f, &q, -XEN_ENOENT, "DBUF_DESTROY twice");

	/* The backend stays up: a normal request, the cookie reused after
	 * its destroy. */
	q = dbuf_create(A, FB_W, FB_H, 32, FB_BYTES, dir.refs[0], 0);
	if (expect_ok(f, &q, "DBUF_CREATE after the hostile requests "
		      "(cookie reused after DBUF_DESTROY)")) {
		q = dbuf_destroy(A);
		expect_ok(f, &q, "DBUF_DESTROY after the hostile requests");
	}

	/*
	 * Last, as the backend stops serving this ring: a request producer
	 * more than a ring ahead of the consumer.  No request may be served
	 * (the slots hold stale requests); the device's other rings and the
	 * backend's other devices go on (the next device's checks, and the
	 * rig's log check, show it).
	 */
	{
		RING_IDX rsp = f->ring.sring->rsp_prod;
		uint64_t end;

		f->ring.sring->req_prod = f->ring.req_prod_pvt +
					  RING_SIZE(&f->ring) + 1;
		xen_wmb();
		xenevtchn_notify(f->xce, f->req_port);
		end = now_ms() + 1000;
		while (now_ms() < end && f->ring.sring->rsp_prod == rsp)
			usleep(10000);
		check(f->ring.sring->rsp_prod == rsp, "dev%u request producer "
		      "%u requests ahead of the consumer (ring of %u): no "
		      "request served", f->devid, RING_SIZE(&f->ring) + 1,
		      RING_SIZE(&f->ring));
	}
out:
	front_unshare(f, &buf);
	front_unshare(f, &dir);
	front_unshare(f, &dir2);
	front_unshare(f, &edid);
}

static void hostile_backend_alloc(struct front *f)
{
	struct grant dir = { 0 }, ro = { 0 };
	struct xendispl_req q;

	if (front_share(f, 2, true, &dir) || front_share(f, 1, false, &ro)) {
		check(false, "dev%u: share the directory pages: %s", f->devid,
		      strerror(errno));
		goto out;
	}
	q = dbuf_create(0xbe01, FB_W, FB_H, 32, FB_BYTES, ro.refs[0],
			XENDISPL_DBUF_FLG_REQ_ALLOC);
	expect_err(f, &q, 0, "be-alloc DBUF_CREATE with a read-only "
		   "directory page");
	dir_write(&dir, 0, dir.refs[1], NULL, 0);
	dir_write(&dir, 1, dir.refs[0], NULL, 0);
	q = dbuf_create(0xbe02, 1024, 2048, 32, 1024 * 2048 * 4, dir.refs[0],
			XENDISPL_DBUF_FLG_REQ_ALLOC);
	expect_err(f, &q, 0, "be-alloc DBUF_CREATE directory loop A -> B -> A");
	q = dbuf_create(0xbe03, FB_W, FB_H, 32, FB_BYTES, dir.refs[0],
			XENDISPL_DBUF_FLG_REQ_ALLOC);
	q.op.dbuf_create.data_ofs = 64;
	expect_err(f, &q, -XEN_EINVAL, "be-alloc DBUF_CREATE with data_ofs");

	dir_write(&dir, 0, 0, NULL, 0);
	q = dbuf_create(0xbe04, FB_W, FB_H, 32, FB_BYTES, dir.refs[0],
			XENDISPL_DBUF_FLG_REQ_ALLOC);
	if (expect_ok(f, &q, "be-alloc DBUF_CREATE after the bad ones")) {
		const uint32_t *p = dir.addr;
		unsigned int filled = 0;

		for (uint32_t i = 0; i < FB_PAGES; i++)
			filled += p[1 + i] != 0;
		check(filled == FB_PAGES, "dev%u be-alloc: the backend wrote "
		      "%u of %u grefs into the directory", f->devid, filled,
		      FB_PAGES);
		q = dbuf_destroy(0xbe04);
		expect_ok(f, &q, "be-alloc DBUF_DESTROY");
	}
out:
	front_unshare(f, &dir);
	front_unshare(f, &ro);
}


/* ------------------------------------------------------------------ */
/* attack modes */

static bool attack_stopped(struct front *f, uint64_t end)
{
	char *v = xs_read(f->xs, XBT_NULL, stop_path, NULL);

	free(v);
	return v != NULL || now_ms() >= end;
}

/* Buffers up to the quota and one more; the others keep working. */
static void attack_quota(struct front *f)
{
	const uint64_t base = 0xc000;
	struct grant buf = { 0 }, dir = { 0 };
	struct xendispl_req q;
	struct front_result r;
	unsigned int n = 0;

	if (front_share(f, FB_PAGES, true, &buf) || front_share(f, 1, true, &dir)) {
		check(false, "dev%u: share the test pages: %s", f->devid,
		      strerror(errno));
		goto out;
	}
	for (uint32_t i = 0; i < FB_W * FB_H; i++)
		((uint32_t *)buf.addr)[i] = HOSTILE_RGB;
	dir_write(&dir, 0, 0, buf.refs, FB_PAGES);
	/* Every buffer over the same granted pages: the backend maps each. */
	for (;;) {
		q = dbuf_create(base + n, FB_W, FB_H, 32, FB_BYTES, dir.refs[0],
				0);
		r = front_send(f, &q);
		if (!r.answered || r.status || n > quota_n)
			break;
		n++;
	}
	check(n == quota_n, "dev%u quota: %u DBUF_CREATE accepted (want %u, "
	      "the backend's --max-dbufs)", f->devid, n, quota_n);
	check(r.answered && r.status == -XEN_ENOMEM, "dev%u quota: DBUF_CREATE "
	      "number %u over the quota: status %d (want %d, XEN_ENOMEM)",
	      f->devid, n + 1, r.status, -XEN_ENOMEM);
	q = fb_attach(base, 0xfc01, FB_W, FB_H, FOURCC_XR24);
	expect_ok(f, &q, "quota: FB_ATTACH on a buffer held at the quota");
	q = set_config(0xfc01, FB_W, FB_H);
	expect_ok(f, &q, "quota: SET_CONFIG of it");
	q = pg_flip(0xfc01);
	if (expect_ok(f, &q, "quota: PG_FLIP to it"))
		check(front_wait_flip(f, 0xfc01), "dev%u quota: its "
		      "XENDISPL_EVT_PG_FLIP arrived", f->devid);
	q = dbuf_create(base + n + 1, FB_W, FB_H, 32, FB_BYTES, dir.refs[0], 0);
	expect_err(f, &q, -XEN_ENOMEM, "quota: DBUF_CREATE still over the "
		   "quota");
	q = set_config(0, 0, 0);
	expect_ok(f, &q, "quota: SET_CONFIG off");
	for (unsigned int i = 0; i < n; i++) {
		q = dbuf_destroy(base + i);
		r = front_send(f, &q);
		if (r.status)
			check(false, "dev%u quota: DBUF_DESTROY %#llx: status "
			      "%d", f->devid, (unsigned long long)(base + i),
			      r.status);
	}
	q = dbuf_create(base + 0x100, FB_W, FB_H, 32, FB_BYTES, dir.refs[0], 0);
	expect_ok(f, &q, "quota: DBUF_CREATE after the buffers are destroyed");
	q = dbuf_destroy(base + 0x100);
	expect_ok(f, &q, "quota: DBUF_DESTROY of it");
out:
	front_unshare(f, &buf);
	front_unshare(f, &dir);
}

/* Collect every response up to @want; false on a timeout. */
static bool drain_responses(struct front *f, RING_IDX want,
			    unsigned int *bad_status)
{
	uint64_t end = now_ms() + timeout_ms;
	struct pollfd pfd = { .fd = xenevtchn_fd(f->xce), .events = POLLIN };

	while (f->ring.rsp_cons != want) {
		RING_IDX rp = f->ring.sring->rsp_prod;

		xen_rmb();
		while (f->ring.rsp_cons != rp) {
			struct xendispl_resp *resp =
				RING_GET_RESPONSE(&f->ring, f->ring.rsp_cons);

			if (resp->status != -XEN_ENOENT)
				(*bad_status)++;
			f->ring.rsp_cons++;
		}
		if (f->ring.rsp_cons == want)
			break;
		if (now_ms() >= end)
			return false;
		if (poll(&pfd, 1, 20) > 0) {
			xenevtchn_port_or_error_t p = xenevtchn_pending(f->xce);

			if (p >= 0)
				xenevtchn_unmask(f->xce, p);
		}
	}
	return true;
}

static void attack_storm(struct front *f)
{
	uint64_t t0 = now_ms(), end = t0 + attack_s * 1000ull;
	unsigned long reqs = 0, notifies = 0, writes = 0, bursts = 0;
	unsigned int bad_status = 0;
	bool all = true;

	printf("attack: storm running on dev%u\n", f->devid);
	while (!attack_stopped(f, end)) {
		unsigned int room = RING_FREE_REQUESTS(&f->ring);

		for (unsigned int i = 0; i < room; i++) {
			struct xendispl_req q = pg_flip(0xdead0000u + i);

			q.id = f->next_id++;
			*RING_GET_REQUEST(&f->ring, f->ring.req_prod_pvt) = q;
			f->ring.req_prod_pvt++;
			reqs++;
		}
		RING_PUSH_REQUESTS(&f->ring);
		for (unsigned int i = 0; i < 1000; i++)
			xenevtchn_notify(f->xce, f->req_port);
		notifies += 1000;
		for (unsigned int i = 0; i < 20; i++)
			if (front_xs_put(f, f->fe, "state", "%d",
					 XenbusStateConnected))
				writes++;
		if (!drain_responses(f, f->ring.req_prod_pvt, &bad_status)) {
			all = false;
			break;
		}
		bursts++;
	}
	printf("attack: storm: %lu requests in %lu bursts, %lu notifications, "
	       "%lu state writes in %.1f s\n", reqs, bursts, notifies, writes,
	       (now_ms() - t0) / 1e3);
	check(all && bad_status == 0, "dev%u storm: every one of %lu requests "
	      "answered ENOENT (%u other statuses)%s", f->devid, reqs,
	      bad_status, all ? "" : ", some NOT ANSWERED in time");
}

static void attack_release_loop(struct front *f)
{
	uint64_t t0 = now_ms(), end = t0 + attack_s * 1000ull;
	unsigned long timedout = 0, refused = 0, other = 0, n = 0;
	uint64_t wait_sum = 0, wait_max = 0;
	xengnttab_handle *xgt = xengnttab_open(NULL, 0);
	struct grant dir = { 0 };

	if (!xgt || front_share(f, 1, true, &dir)) {
		check(false, "dev%u release-loop: gntdev, directory page: %s",
		      f->devid, strerror(errno));
		return;
	}
	xengnttab_set_max_grants(xgt, 65536);
	printf("attack: release-loop running on dev%u\n", f->devid);
	while (!attack_stopped(f, end)) {
		uint64_t cookie = 0xe000 + n++;
		struct xendispl_req q;
		struct front_result r;
		uint32_t refs[FB_PAGES];
		uint64_t t;
		void *map;

		dir_write(&dir, 0, 0, NULL, 0);
		q = dbuf_create(cookie, FB_W, FB_H, 32, FB_BYTES, dir.refs[0],
				XENDISPL_DBUF_FLG_REQ_ALLOC);
		r = front_send(f, &q);
		if (r.status == -XEN_ENOMEM) {
			if (!refused++)
				printf("attack: release-loop: DBUF_CREATE refused "
				       "ENOMEM with %lu buffers held\n", timedout);
			usleep(200 * 1000);
			continue;
		}
		if (r.status) {
			other++;
			continue;
		}
		memcpy(refs, (uint32_t *)dir.addr + 1, sizeof(refs));
		/* Mapped for good: never unmapped, never freed. */
		map = xengnttab_map_domain_grant_refs(xgt, FB_PAGES,
						      f->be_domid, refs,
						      PROT_READ);
		if (!map) {
			other++;
			printf("attack: release-loop: map: %s\n",
			       strerror(errno));
		}
		q = dbuf_destroy(cookie);
		t = now_ms();
		r = front_send(f, &q);
		t = now_ms() - t;
		if (map && r.status == -XEN_ETIMEDOUT) {
			timedout++;
			wait_sum += t;
			if (t > wait_max)
				wait_max = t;
		} else if (map || r.status) {
			other++;
		}
	}
	printf("attack: release-loop: %lu DBUF_DESTROY of mapped buffers "
	       "answered ETIMEDOUT (avg %.0f ms, max %llu ms), %lu DBUF_CREATE "
	       "refused ENOMEM (quota), %lu other in %.1f s\n", timedout,
	       timedout ? (double)wait_sum / timedout : 0.0,
	       (unsigned long long)wait_max, refused, other,
	       (now_ms() - t0) / 1e3);
	check(timedout > 0 && refused > 0 && other == 0, "dev%u release-loop: "
	      "held buffers answered ETIMEDOUT, then refused over the quota",
	      f->devid);
}

int main(int argc, char **argv)
{
	struct xs_handle *xs;
	xengntshr_handle *gs;
	xenevtchn_handle *xce;
	char base[96], *v, **devs;
	unsigned int domid, n_dev = 0, done = 0, wanted = 0;
	const char *mode = "checks";
	int opt, only = -1;

	while ((opt = getopt(argc, argv, "t:d:m:q:T:")) != -1) {
		switch (opt) {
		case 't': timeout_ms = (unsigned int)atoi(optarg); break;
		case 'd': only = atoi(optarg); break;
		case 'm': mode = optarg; break;
		case 'q': quota_n = (unsigned int)atoi(optarg); break;
		case 'T': attack_s = (unsigned int)atoi(optarg); break;
		default:
			fprintf(stderr, "usage: displfront-hostile "
				"[-t TIMEOUT_MS] [-d DEVID] [-m checks|quota|"
				"storm|release-loop] [-q N] [-T S]\n");
			return 2;
		}
	}
	if (strcmp(mode, "checks") && strcmp(mode, "quota") &&
	    strcmp(mode, "storm") && strcmp(mode, "release-loop")) {
		fprintf(stderr, "displfront-hostile: unknown mode %s\n", mode);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	xs = xs_open(0);
	gs = xengntshr_open(NULL, 0);
	xce = xenevtchn_open(NULL, 0);
	if (!xs || !gs || !xce) {
		fprintf(stderr, "displfront-hostile: open xenstore, gntalloc, "
			"evtchn: %s\n", strerror(errno));
		return 1;
	}
	v = xs_read(xs, XBT_NULL, "domid", NULL);
	if (!v) {
		fprintf(stderr, "displfront-hostile: no domid in xenstore\n");
		return 1;
	}
	domid = (unsigned int)strtoul(v, NULL, 10);
	free(v);
	snprintf(stop_path, sizeof(stop_path),
		 "/local/domain/%u/data/attack-stop", domid);
	snprintf(base, sizeof(base), "/local/domain/%u/device/vdispl", domid);
	devs = xs_directory(xs, XBT_NULL, base, &n_dev);
	if (!devs || !n_dev) {
		fprintf(stderr, "displfront-hostile: no vdispl device under "
			"%s\n", base);
		return 1;
	}
	for (unsigned int i = 0; i < n_dev; i++) {
		struct front f;
		char *be;
		int ret;

		memset(&f, 0, sizeof(f));
		f.xs = xs;
		f.gs = gs;
		f.xce = xce;
		f.domid = domid;
		f.req_port = f.evt_port = -1;
		f.devid = (unsigned int)strtoul(devs[i], NULL, 10);
		f.next_id = 1;
		f.timeout_ms = timeout_ms;
		if (only >= 0 && f.devid != (unsigned int)only)
			continue;
		wanted++;
		snprintf(f.fe, sizeof(f.fe), "%s/%u", base, f.devid);
		be = front_xs_get(&f, f.fe, "backend");
		f.be_domid = (unsigned int)front_xs_get_long(&f, f.fe,
							     "backend-id", 0);
		if (!be) {
			check(false, "dev%u: no backend node", f.devid);
			continue;
		}
		snprintf(f.be, sizeof(f.be), "%s", be);
		free(be);
		ret = front_connect(&f);
		check(ret == 0, "dev%u: handshake with the backend (%s)",
		      f.devid, ret ? strerror(-ret) : "Connected");
		if (ret == 0) {
			if (!strcmp(mode, "quota"))
				attack_quota(&f);
			else if (!strcmp(mode, "storm"))
				attack_storm(&f);
			else if (!strcmp(mode, "release-loop"))
				attack_release_loop(&f);
			else if (f.be_alloc)
				hostile_backend_alloc(&f);
			else
				hostile_frontend_alloc(&f);
			done++;
		}
		if (ret == 0 && !strcmp(mode, "release-loop")) {
			/* Hold the mappings until the domain is destroyed. */
			printf("displfront-hostile: %u checks, %u failed\n",
			       checks, failures);
			printf("attack: release-loop holds its mappings until "
			       "the domain is destroyed\n");
			for (;;)
				pause();
		}
		/* Close only what we opened: -EBUSY touched nothing. */
		if (ret != -EBUSY)
			front_close(&f);
	}
	free(devs);
	check(done == wanted, "every vdispl device asked for (%u) served",
	      wanted);
	printf("displfront-hostile: %u checks, %u failed\n", checks, failures);
	xenevtchn_close(xce);
	xengntshr_close(gs);
	xs_close(xs);
	return failures ? 1 : 0;
}
