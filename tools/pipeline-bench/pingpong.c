// SPDX-License-Identifier: MIT
/*
 * gntbuf-pingpong: the floor and the copy path of the display pipeline
 * benchmark (rig-pipeline.sh), one program, two sides:
 *
 *   gntbuf-pingpong front [-n N] [-k] [-x CMD] -s WxH[,WxH...]
 *       in a domU: grants one ring page to dom0 (libxengntshr), allocates
 *       an unbound event channel for dom0 (libxenevtchn), publishes both
 *       in /local/domain/<domid>/data/pingpong/{ring-ref,port}, then,
 *       for each size, times N round trips of each phase:
 *         floor         a request on the ring and a notification, answered
 *                       by a response and a notification: the cheapest PV
 *                       flip there is (no buffer, no gntbuf);
 *         copy WxH      the same round trip, with two XRGB8888 buffers of
 *                       WxH granted to dom0 (their refs in granted
 *                       directory pages, mapped once), flipping between
 *                       them: for each request the back maps the buffer's
 *                       grants (gntdev), memcpys the frame out and unmaps:
 *                       what a backend does without gntbuf.
 *       Between the two, -x runs the shell command `CMD WxH` (the
 *       benchmark's displfront-flip at that size), so that the three paths
 *       of a size run back to back, next to their own floor.
 *       Before each phase's N timed round trips come 2 untimed ones; with
 *       -k, each phase's timed ones are framed by two marks (below), so
 *       that dom0 reads its counters while the pipeline is quiet.
 *       Prints per phase:
 *       "pingpong: NAME WxH n N latency p50 X p99 Y max Z ms"
 *       (a floor's WxH is that of the phases it comes before)
 *
 *   gntbuf-pingpong mark NAME...
 *       in a domU: hands over to dom0 and waits: writes NAME (its words
 *       joined by spaces) to /local/domain/<domid>/data/pingpong/mark-name,
 *       the next number to .../mark, and waits until dom0
 *       writes the same number to .../ack.  Prints "pingpong: mark K NAME".
 *       displfront-flip -w runs it around its timed flips.
 *
 *   gntbuf-pingpong back DOMID
 *       in dom0: serves the front of DOMID until it says quit, then prints
 *       per phase "pingpong-back: NAME WxH requests R bytes copied B grant
 *       map ops M unmap ops U map calls C" (M and U count pages, C the map
 *       and unmap calls of libxengnttab, one grant-table hypercall batch
 *       each).
 *
 * Times are the front's: request written to response seen, in the domU,
 * as displfront-flip times a page flip.  Under QEMU TCG compare them only
 * as ratios within one run.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <xenevtchn.h>
#include <xengnttab.h>
#include <xenstore.h>

#include "latency-stats.h"

#define PAGE 4096u
#define DIR_MAX 16		/* directory pages per buffer: 16384 refs */
#define MAX_N 10000

enum { OP_PING = 1, OP_COPY, OP_QUIT };

/* The shared page: the front writes the request fields, the back the
 * response fields; each side bumps its producer after its fields. */
struct pp_ring {
	uint32_t req_prod, rsp_prod;
	uint32_t back_ready;
	uint32_t op, buf, width, height, pages;
	uint32_t gen;			/* bumped when the buffers change */
	uint32_t dir_pages;		/* per buffer */
	uint32_t dir[2][DIR_MAX];	/* refs of the directory pages */
	int32_t status;			/* 0 or a negative errno */
	uint32_t stamp;			/* first word of the frame copied */
};

#define mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define WRITE_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELEASE)
#define READ_ONCE(x) __atomic_load_n(&(x), __ATOMIC_ACQUIRE)

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Waits until the other side's producer reaches @want. */
static int wait_for(xenevtchn_handle *xce, volatile uint32_t *prod,
		    uint32_t want)
{
	while (READ_ONCE(*prod) != want) {
		xenevtchn_port_or_error_t p = xenevtchn_pending(xce);

		if (p < 0)
			return -errno;
		if (xenevtchn_unmask(xce, (evtchn_port_t)p) < 0)
			return -errno;
	}
	return 0;
}

/* ---- the front (domU) ---- */

struct front {
	xenevtchn_handle *xce;
	xengntshr_handle *shr;
	struct pp_ring *ring;
	evtchn_port_t port;
	unsigned int n;
	bool marks;		/* -k */
	uint64_t *lat;
};

struct front_bufs {
	uint32_t pages, dir_pages;
	uint32_t *refs[2], dir_refs[2][DIR_MAX];
	uint32_t *px[2];
	uint32_t *dir[2];
};

static int round_trip(struct front *f, uint32_t op, uint32_t buf,
		      uint64_t *ns)
{
	struct pp_ring *r = f->ring;
	uint32_t want = r->req_prod + 1;
	uint64_t t0 = now_ns();
	int ret;

	r->op = op;
	r->buf = buf;
	WRITE_ONCE(r->req_prod, want);
	mb();
	if (xenevtchn_notify(f->xce, f->port) < 0)
		return -errno;
	ret = wait_for(f->xce, &r->rsp_prod, want);
	if (ns)
		*ns = now_ns() - t0;
	if (ret)
		return ret;
	return READ_ONCE(r->status);
}

/*
 * xenstore, and this domain's pingpong folder in @base
 * ("/local/domain/<domid>/data/pingpong"); 0 or a negative errno.
 */
static int own_folder_open(struct xs_handle **xs, char *base, size_t len)
{
	char *domid;

	*xs = xs_open(0);
	if (!*xs)
		return -errno;
	domid = xs_read(*xs, XBT_NULL, "domid", NULL);
	if (!domid) {
		xs_close(*xs);
		return -ENOENT;
	}
	snprintf(base, len, "/local/domain/%s/data/pingpong", domid);
	free(domid);
	return 0;
}

/* The next mark (see the top): 0 once dom0 acknowledged it. */
static int bench_mark(const char *name)
{
	char base[96], path[128], ack[128], npath[128], val[16], *v;
	struct xs_handle *xs;
	unsigned int k = 0;
	int ret;

	ret = own_folder_open(&xs, base, sizeof(base));
	if (ret)
		return ret;
	ret = -ETIMEDOUT;
	snprintf(path, sizeof(path), "%s/mark", base);
	snprintf(ack, sizeof(ack), "%s/ack", base);
	snprintf(npath, sizeof(npath), "%s/mark-name", base);
	v = xs_read(xs, XBT_NULL, path, NULL);
	if (v)
		k = (unsigned int)strtoul(v, NULL, 10);
	free(v);
	snprintf(val, sizeof(val), "%u", ++k);
	printf("pingpong: mark %u %s\n", k, name);
	fflush(stdout);
	if (!xs_write(xs, XBT_NULL, npath, name, strlen(name)) ||
	    !xs_write(xs, XBT_NULL, path, val, strlen(val))) {
		ret = -errno;
		goto out;
	}
	/* dom0 polls for it: up to 10 minutes under TCG */
	for (int t = 0; t < 60000; t++) {
		v = xs_read(xs, XBT_NULL, ack, NULL);
		if (v && !strcmp(v, val)) {
			free(v);
			ret = 0;
			break;
		}
		free(v);
		usleep(10 * 1000);
	}
out:
	xs_close(xs);
	return ret;
}

/* -k: the mark "floor-640x480 begin", "copy-640x480 end", ... */
static int marker(struct front *f, const char *name, uint32_t w, uint32_t h,
		  const char *what)
{
	char mark[64];

	if (!f->marks)
		return 0;
	if (w)
		snprintf(mark, sizeof(mark), "%s-%ux%u %s", name, w, h, what);
	else
		snprintf(mark, sizeof(mark), "%s %s", name, what);
	return bench_mark(mark);
}

static int phase(struct front *f, const char *name, uint32_t op,
		 struct front_bufs *b, uint32_t w, uint32_t h)
{
	unsigned int n = f->n;
	int ret;

	for (uint32_t k = 0; k < 2; k++) {
		ret = round_trip(f, op, k & 1, NULL);
		if (ret)
			return ret;
	}
	ret = marker(f, name, w, h, "begin");
	if (ret)
		return ret;
	for (uint32_t k = 0; k < n; k++) {
		if (b)	/* a new frame, as the frontend would draw one */
			b->px[k & 1][0] = k;
		ret = round_trip(f, op, k & 1, &f->lat[k]);
		if (ret)
			return ret;
		if (b && f->ring->stamp != k) {
			fprintf(stderr, "pingpong: copy %u: frame %u came "
				"back as %u\n", k, k, f->ring->stamp);
			return -EIO;
		}
	}
	ret = marker(f, name, w, h, "end");
	if (ret)
		return ret;
	latency_sort(f->lat, n);
	printf("pingpong: %s %ux%u n %u latency p50 %.3f p99 %.3f max %.3f "
	       "ms\n", name, w, h, n,
	       latency_percentile(f->lat, n, 50) / 1e6,
	       latency_percentile(f->lat, n, 99) / 1e6, f->lat[n - 1] / 1e6);
	fflush(stdout);
	return 0;
}

static void bufs_free(struct front *f, struct front_bufs *b)
{
	for (int i = 0; i < 2; i++) {
		if (b->px[i])
			xengntshr_unshare(f->shr, b->px[i], b->pages);
		if (b->dir[i])
			xengntshr_unshare(f->shr, b->dir[i], b->dir_pages);
		free(b->refs[i]);
	}
	memset(b, 0, sizeof(*b));
}

static int bufs_make(struct front *f, struct front_bufs *b, uint32_t w,
		     uint32_t h)
{
	uint64_t bytes = (uint64_t)w * h * 4;

	memset(b, 0, sizeof(*b));
	b->pages = (uint32_t)((bytes + PAGE - 1) / PAGE);
	b->dir_pages = (b->pages * 4 + PAGE - 1) / PAGE;
	if (b->dir_pages > DIR_MAX)
		return -E2BIG;
	for (int i = 0; i < 2; i++) {
		b->refs[i] = calloc(b->pages, sizeof(uint32_t));
		if (!b->refs[i])
			goto fail;
		b->px[i] = xengntshr_share_pages(f->shr, 0, (int)b->pages,
						 b->refs[i], 0);
		if (!b->px[i])
			goto fail;
		memset(b->px[i], 0x40 * (i + 1), (size_t)b->pages * PAGE);
		b->dir[i] = xengntshr_share_pages(f->shr, 0,
						  (int)b->dir_pages,
						  b->dir_refs[i], 0);
		if (!b->dir[i])
			goto fail;
		memcpy(b->dir[i], b->refs[i], (size_t)b->pages * 4);
	}
	return 0;
fail:
	bufs_free(f, b);
	return errno ? -errno : -ENOMEM;
}

static int front_publish(struct front *f, uint32_t ring_ref)
{
	char base[96], path[128], val[32];
	struct xs_handle *xs;
	int ret;

	ret = own_folder_open(&xs, base, sizeof(base));
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s/port", base);
	snprintf(val, sizeof(val), "%u", f->port);
	if (!xs_write(xs, XBT_NULL, path, val, strlen(val)))
		ret = -errno;
	snprintf(path, sizeof(path), "%s/ring-ref", base);
	snprintf(val, sizeof(val), "%u", ring_ref);
	if (!ret && !xs_write(xs, XBT_NULL, path, val, strlen(val)))
		ret = -errno;
	xs_close(xs);
	return ret;
}

static int parse_size(const char *s, uint32_t *w, uint32_t *h)
{
	char *end;

	*w = (uint32_t)strtoul(s, &end, 10);
	if (*end != 'x')
		return -EINVAL;
	*h = (uint32_t)strtoul(end + 1, &end, 10);
	if ((*end && *end != ',') || !*w || !*h || *w > 8192 || *h > 8192)
		return -EINVAL;
	return 0;
}

/* -x: runs `CMD WxH`; 0 when it exits 0. */
static int run_between(const char *cmd, uint32_t w, uint32_t h)
{
	char line[512];
	int st;

	snprintf(line, sizeof(line), "%s %ux%u", cmd, w, h);
	fflush(stdout);
	st = system(line);
	if (st) {
		fprintf(stderr, "pingpong: %s: status %d\n", line, st);
		return -EIO;
	}
	return 0;
}

static int front_main(unsigned int n, bool marks, char *sizes,
		      const char *between)
{
	struct front f = { .n = n, .marks = marks };
	uint32_t ring_ref;
	int ret, p;

	f.lat = calloc(n, sizeof(*f.lat));
	f.xce = xenevtchn_open(NULL, 0);
	f.shr = xengntshr_open(NULL, 0);
	if (!f.lat || !f.xce || !f.shr)
		return -errno;
	f.ring = xengntshr_share_pages(f.shr, 0, 1, &ring_ref, 1);
	if (!f.ring)
		return -errno;
	memset(f.ring, 0, PAGE);
	p = xenevtchn_bind_unbound_port(f.xce, 0);
	if (p < 0)
		return -errno;
	f.port = (evtchn_port_t)p;
	ret = front_publish(&f, ring_ref);
	if (ret)
		return ret;
	printf("pingpong: ring-ref %u port %u published, waiting for dom0\n",
	       ring_ref, f.port);
	fflush(stdout);
	ret = wait_for(f.xce, &f.ring->back_ready, 1);
	if (ret)
		return ret;

	for (char *s = sizes; !ret && s && *s; s = strchr(s, ',') ?
	     strchr(s, ',') + 1 : NULL) {
		struct front_bufs b;
		uint32_t w, h;

		ret = parse_size(s, &w, &h);
		if (ret)
			break;
		/* The floor just before this size's other phases: under TCG
		 * the host's load drifts, so each size has its own. */
		ret = phase(&f, "floor", OP_PING, NULL, w, h);
		if (!ret && between)
			ret = run_between(between, w, h);
		if (ret)
			break;
		ret = bufs_make(&f, &b, w, h);
		if (ret)
			break;
		f.ring->width = w;
		f.ring->height = h;
		f.ring->pages = b.pages;
		f.ring->dir_pages = b.dir_pages;
		memcpy(f.ring->dir, b.dir_refs, sizeof(f.ring->dir));
		f.ring->gen++;
		ret = phase(&f, "copy", OP_COPY, &b, w, h);
		bufs_free(&f, &b);
	}
	round_trip(&f, OP_QUIT, 0, NULL);
	return ret;
}

/* ---- the back (dom0) ---- */

struct back_phase {
	uint32_t width, height;
	uint64_t requests, bytes, map_ops, unmap_ops, calls;
};

struct back {
	xenevtchn_handle *xce;
	xengnttab_handle *xgt;
	uint32_t domid, gen;
	evtchn_port_t port;		/* local */
	struct pp_ring *ring;
	uint32_t *dir[2], dir_pages, pages;
	uint8_t *frame;
	struct back_phase ph;
	uint32_t ph_op;		/* the current phase's operation */
};

static void back_print(struct back *b)
{
	if (!b->ph.requests)
		return;
	printf("pingpong-back: %s %ux%u requests %" PRIu64 " bytes copied %"
	       PRIu64 " grant map ops %" PRIu64 " unmap ops %" PRIu64
	       " map calls %" PRIu64 "\n", b->ph.width ? "copy" : "floor",
	       b->ph.width, b->ph.height, b->ph.requests, b->ph.bytes,
	       b->ph.map_ops, b->ph.unmap_ops, b->ph.calls);
	fflush(stdout);
	memset(&b->ph, 0, sizeof(b->ph));
}

static void back_unmap_dirs(struct back *b)
{
	for (int i = 0; i < 2; i++)
		if (b->dir[i])
			xengnttab_unmap(b->xgt, b->dir[i], b->dir_pages);
	b->dir[0] = b->dir[1] = NULL;
}

/* New buffers: map their directories once, as a backend maps a page
 * directory at buffer creation. */
static int back_new_bufs(struct back *b)
{
	struct pp_ring *r = b->ring;

	back_print(b);
	back_unmap_dirs(b);
	free(b->frame);
	b->frame = NULL;
	b->gen = r->gen;
	b->pages = r->pages;
	b->dir_pages = r->dir_pages;
	b->ph.width = r->width;
	b->ph.height = r->height;
	if (!b->dir_pages || b->dir_pages > DIR_MAX ||
	    b->pages > b->dir_pages * (PAGE / 4))
		return -EINVAL;
	b->frame = malloc((size_t)b->pages * PAGE);
	if (!b->frame)
		return -ENOMEM;
	for (int i = 0; i < 2; i++) {
		b->dir[i] = xengnttab_map_domain_grant_refs(b->xgt,
							    b->dir_pages,
							    b->domid,
							    r->dir[i],
							    PROT_READ);
		if (!b->dir[i])
			return -errno;
	}
	return 0;
}

/* The copy path: map the frame's grants, memcpy it out, unmap. */
static int back_copy(struct back *b, uint32_t buf)
{
	size_t bytes = (size_t)b->pages * PAGE;
	void *m;

	if (buf > 1 || !b->dir[buf])
		return -EINVAL;
	m = xengnttab_map_domain_grant_refs(b->xgt, b->pages, b->domid,
					    b->dir[buf], PROT_READ);
	if (!m)
		return -errno;
	b->ph.map_ops += b->pages;
	memcpy(b->frame, m, bytes);
	b->ph.bytes += bytes;
	b->ring->stamp = *(uint32_t *)b->frame;
	if (xengnttab_unmap(b->xgt, m, b->pages))
		return -errno;
	b->ph.unmap_ops += b->pages;
	b->ph.calls += 2;
	return 0;
}

static int back_serve(struct back *b)
{
	struct pp_ring *r = b->ring;
	uint32_t cons = 0;

	for (;;) {
		int ret = wait_for(b->xce, &r->req_prod, cons + 1);
		uint32_t op;

		if (ret)
			return ret;
		cons++;
		op = r->op;
		if (op == OP_QUIT) {
			back_print(b);
			WRITE_ONCE(r->rsp_prod, cons);
			mb();
			xenevtchn_notify(b->xce, b->port);
			return 0;
		}
		if (op != b->ph_op)
			back_print(b);	/* a new phase */
		b->ph_op = op;
		if (op == OP_COPY && r->gen != b->gen)
			ret = back_new_bufs(b);
		if (!ret && op == OP_COPY)
			ret = back_copy(b, r->buf);
		else if (!ret && op != OP_PING)
			ret = -EINVAL;
		b->ph.requests++;
		r->status = ret;
		WRITE_ONCE(r->rsp_prod, cons);
		mb();
		if (xenevtchn_notify(b->xce, b->port) < 0)
			return -errno;
	}
}

static char *xs_get(struct xs_handle *xs, uint32_t domid, const char *key)
{
	char path[128];

	snprintf(path, sizeof(path), "/local/domain/%u/data/pingpong/%s",
		 domid, key);
	return xs_read(xs, XBT_NULL, path, NULL);
}

static int back_main(uint32_t domid)
{
	struct back b = { .domid = domid };
	struct xs_handle *xs = xs_open(0);
	char *port = NULL, *ref = NULL;
	int p, ret;

	if (!xs)
		return -errno;
	/* The front publishes once its domU has booted: up to 10 min. */
	for (int t = 0; t < 6000 && !(port && ref); t++) {
		free(port);
		free(ref);
		port = xs_get(xs, domid, "port");
		ref = xs_get(xs, domid, "ring-ref");
		if (!(port && ref))
			usleep(100 * 1000);
	}
	xs_close(xs);
	if (!port || !ref)
		return -ETIMEDOUT;
	b.xce = xenevtchn_open(NULL, 0);
	b.xgt = xengnttab_open(NULL, 0);
	if (!b.xce || !b.xgt)
		return -errno;
	xengnttab_set_max_grants(b.xgt, 65536);
	b.ring = xengnttab_map_grant_ref(b.xgt, domid,
					 (uint32_t)strtoul(ref, NULL, 10),
					 PROT_READ | PROT_WRITE);
	if (!b.ring)
		return -errno;
	p = xenevtchn_bind_interdomain(b.xce, domid,
				       (uint32_t)strtoul(port, NULL, 10));
	if (p < 0)
		return -errno;
	b.port = (evtchn_port_t)p;
	free(port);
	free(ref);
	WRITE_ONCE(b.ring->back_ready, 1);
	mb();
	xenevtchn_notify(b.xce, b.port);
	ret = back_serve(&b);
	back_unmap_dirs(&b);
	free(b.frame);
	xengnttab_unmap(b.xgt, b.ring, 1);
	xengnttab_close(b.xgt);
	xenevtchn_close(b.xce);
	return ret;
}

static void usage(void)
{
	fprintf(stderr, "usage: gntbuf-pingpong front [-n N] [-k] [-x CMD] "
		"-s WxH[,WxH...]\n       gntbuf-pingpong mark NAME...\n"
		"       gntbuf-pingpong back DOMID\n");
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned int n = 100;
	bool marks = false;
	char *sizes = NULL, *between = NULL;
	int opt, ret;

	if (argc < 2)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[1], "back")) {
		if (argc != 3)
			usage();
		ret = back_main((uint32_t)strtoul(argv[2], NULL, 10));
		if (ret)
			fprintf(stderr, "pingpong-back: %s\n", strerror(-ret));
		return ret ? 1 : 0;
	}
	if (!strcmp(argv[1], "mark")) {
		char name[128] = "";

		if (argc < 3)
			usage();
		for (int i = 2; i < argc; i++)
			snprintf(name + strlen(name), sizeof(name) - strlen(name),
				 "%s%s", i > 2 ? " " : "", argv[i]);
		ret = bench_mark(name);
		if (ret)
			fprintf(stderr, "pingpong: mark: %s\n", strerror(-ret));
		return ret ? 1 : 0;
	}
	if (strcmp(argv[1], "front"))
		usage();
	optind = 2;
	while ((opt = getopt(argc, argv, "n:ks:x:")) != -1) {
		switch (opt) {
		case 'x': between = optarg; break;
		case 'n': n = (unsigned int)atoi(optarg); break;
		case 'k': marks = true; break;
		case 's': sizes = optarg; break;
		default: usage();
		}
	}
	if (n < 1 || n > MAX_N)
		usage();
	if (!sizes)
		usage();
	ret = front_main(n, marks, sizes, between);
	if (ret)
		fprintf(stderr, "pingpong: %s\n", strerror(-ret));
	printf("pingpong: exit %d\n", ret ? 1 : 0);
	return ret ? 1 : 0;
}
