/* SPDX-License-Identifier: MIT */
/*
 * gntbuf-displback: a Xen PV display backend (xen/io/displif.h, protocol
 * version 2) whose display buffers reach a sink as dma-bufs, without a copy.
 *
 * Objects and who owns them:
 *  - struct backend: the process; owns the xenstore, event channel and
 *    grant table handles, the buffer provider, the sink and every device.
 *  - struct vdispl: one vdispl device of one frontend domain, i.e. one
 *    backend path /local/domain/<self>/backend/vdispl/<domid>/<devid>.
 *    Owns its connectors, display buffers (dbufs) and framebuffers (fbs):
 *    cookies are unique per device, not per connector.
 *  - struct conn: one connector of a device: its request ring, event page,
 *    the two event channels and the sink's per-connector state.
 *
 * Units: sizes and offsets in bytes, counts of grants in pages of
 * XEN_PAGE_SIZE (4096) bytes, geometry in pixels.  Every int function
 * returns 0 or a negative errno unless it says otherwise.
 */
#ifndef GNTBUF_DISPLBACK_H
#define GNTBUF_DISPLBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <xenevtchn.h>
#include <xengnttab.h>
#include <xenstore.h>

#include <gntbuf.h>

#include "displif-ring.h"

#define XEN_PAGE_SIZE_BYTES	4096u
/* Grant references per page of a displif page directory (4096 - 4) / 4. */
#define PGDIR_GREFS_PER_PAGE	GNTBUF_PGDIR_REFS_PER_PAGE
/* Connectors per device we accept (Linux's frontend has at most 4). */
#define DISPLBACK_MAX_CONN	8
/* Largest geometry we accept; the Linux frontend limits itself to 4095x2047. */
#define DISPLBACK_MAX_DIM	8192u
/*
 * Largest single buffer, in pages: 64 MiB (8192 x 2048 x 4 bytes, more than
 * Linux's frontend's largest 4095 x 2047 XRGB8888 buffer), the module's
 * default max_pages_per_buffer.  Not the module's per-file budget
 * (max_pages_per_file, 65536 pages by default): a guest's buffers are
 * bounded by its --max-pages quota, and each vdispl device has a
 * xen-gntbuf file of its own.
 */
#define DISPLBACK_MAX_PAGES	16384u
/* Pending flips a connector may queue at most (--max-pending-flips). */
#define DISPLBACK_MAX_FLIP_QUEUE	8

/*
 * Quota defaults, per guest (frontend domain, all its vdispl devices
 * together): --max-dbufs, --max-fbs, --max-pages, --max-pending-flips.
 * 32768 pages (128 MiB): two 4095 x 2047 XRGB8888 buffers and room for
 * more small ones.
 */
#define DISPLBACK_DEF_MAX_DBUFS		64
#define DISPLBACK_DEF_MAX_FBS		64
#define DISPLBACK_DEF_MAX_PAGES		32768
#define DISPLBACK_DEF_MAX_PENDING_FLIPS	1
/* Fair loop defaults: requests per connector per loop iteration, and
 * xenstore watch events and event-channel ports read per iteration. */
#define DISPLBACK_DEF_REQ_BUDGET	16
#define DISPLBACK_WATCH_BUDGET		64
#define DISPLBACK_EVTCHN_BUDGET		256

struct backend;
struct vdispl;
struct conn;
struct sink;

/* ------------------------------------------------------------------ */
/* log.c: every line names the domain, the device, the connector. */

extern int displback_verbose;

/*
 * A guest's requests can make log lines in a loop: at most
 * DISPLBACK_LOG_BURST lines per device per DISPLBACK_LOG_WINDOW_S seconds;
 * the rest are counted and their number logged when the next window
 * opens (debug lines, -v, are not limited).
 */
#define DISPLBACK_LOG_BURST	200
#define DISPLBACK_LOG_WINDOW_S	10

void log_line(const char *level, const struct vdispl *dev, int conn_idx,
	      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#define LOGI(dev, ci, ...) log_line("info", dev, ci, __VA_ARGS__)
#define LOGW(dev, ci, ...) log_line("warn", dev, ci, __VA_ARGS__)
#define LOGE(dev, ci, ...) log_line("error", dev, ci, __VA_ARGS__)
#define LOGD(dev, ci, ...) do { \
	if (displback_verbose) \
		log_line("debug", dev, ci, __VA_ARGS__); \
} while (0)

uint64_t now_ns(void);

/* ------------------------------------------------------------------ */
/* format.c: the fourccs Linux's frontend offers, and their layout. */

struct pixfmt {
	uint32_t fourcc;
	const char *name;
	/* Bytes per pixel (YUYV: 2, per pixel pair 4), from libgntbuf's
	 * gntbuf_format_get_info() at the first pixfmt_find(). */
	unsigned int cpp;
};

const struct pixfmt *pixfmt_find(uint32_t fourcc);
/* One pixel of a row in @fmt to 8-bit R, G, B.  @x is the pixel index. */
void pixfmt_to_rgb(const struct pixfmt *fmt, const uint8_t *row,
		   unsigned int x, uint8_t rgb[3]);

/* ------------------------------------------------------------------ */
/* proto.c: what displif.h allows, checked without touching Xen. */

/* A display buffer's layout as DBUF_CREATE describes it. */
struct dbuf_geom {
	uint32_t width, height, bpp;	/* all 0: a pending (PRIME) buffer */
	uint32_t buffer_sz;		/* bytes */
	uint32_t data_ofs;		/* bytes */
	uint32_t pitch;			/* bytes, 0 while pending */
	uint32_t pages;			/* DIV_ROUND_UP(buffer_sz, 4096) */
	bool be_alloc;
};

/*
 * Check a DBUF_CREATE.  @be_alloc_enabled: the device's "be-alloc" node.
 * Returns 0 and fills @geom, or -EINVAL with a reason in @why.
 */
int proto_check_dbuf_create(const struct xendispl_dbuf_create_req *req,
			    bool be_alloc_enabled, struct dbuf_geom *geom,
			    const char **why);

/* A framebuffer over a dbuf: where its pixels are in the dma-buf. */
struct fb_geom {
	uint32_t width, height;
	const struct pixfmt *fmt;
	uint32_t pitch;		/* bytes */
	uint32_t offset;	/* bytes from the dma-buf's start */
};

int proto_check_fb_attach(const struct xendispl_fb_attach_req *req,
			  const struct dbuf_geom *dbuf, struct fb_geom *fb,
			  const char **why);

/* The rectangle SET_CONFIG shows; all zero means "disable". */
int proto_check_set_config(const struct xendispl_set_config_req *req,
			   const struct fb_geom *fb, uint32_t conn_w,
			   uint32_t conn_h, const char **why);

bool proto_set_config_is_reset(const struct xendispl_set_config_req *req);

const char *proto_op_name(uint8_t op);
/* The Xen errno (positive XEN_E*) for a Linux errno. */
int32_t proto_xen_status(int err);

/* ------------------------------------------------------------------ */
/* drm-node.c: the first /dev/dri/card* whose DRM driver is @driver,
 * opened O_RDWR | O_CLOEXEC (the caller's), its path in @path; -ENODEV
 * when this user can open none. */
int drm_open_driver(const char *driver, char *path, size_t len);

/* edid.c */

#define EDID_BLOCK 128
/* A valid EDID 1.4 base block whose preferred mode is @w x @h at 60 Hz. */
int edid_build(uint8_t out[EDID_BLOCK], uint32_t w, uint32_t h,
	       const char *name);

/* ------------------------------------------------------------------ */
/* buffer.c: display buffer memory, behind the provider (libgntbuf). */

struct dbuf_mem {
	int fd;			/* dma-buf, owned; -1 if the provider has none */
	uint64_t id;		/* provider's buffer id */
	uint32_t pages;
	size_t size;		/* pages * 4096 */
	void *map;		/* CPU mapping made on demand, or NULL */
	void *priv;		/* provider's */
	uint32_t grant_maps;	/* grant map operations this buffer cost */
};

struct provider_ops {
	const char *name;
	/*
	 * Per vdispl device state (the module's per-file accounting: one
	 * xen-gntbuf file per device), in dev->prov_dev.
	 */
	int (*dev_open)(struct backend *b, struct vdispl *dev);
	void (*dev_close)(struct backend *b, struct vdispl *dev);
	/* A dma-buf over @count pages granted by @dev's domain as @refs. */
	int (*export_refs)(struct backend *b, struct vdispl *dev,
			   const uint32_t *refs, uint32_t count,
			   struct dbuf_mem *mem);
	/* @count local pages granted to @dev's domain; grefs in @refs. */
	int (*alloc)(struct backend *b, struct vdispl *dev, uint32_t count,
		     uint32_t *refs, struct dbuf_mem *mem);
	/* CPU read access to the bytes: map, then begin CPU access. */
	int (*cpu_begin)(struct backend *b, struct dbuf_mem *mem,
			 const uint8_t **data);
	int (*cpu_end)(struct backend *b, struct dbuf_mem *mem);
	/*
	 * Let go of the buffer; wait up to @timeout_ms for its release, then
	 * forget it (the module reclaims a buffer still held later).
	 */
	int (*release)(struct backend *b, struct dbuf_mem *mem,
		       unsigned int timeout_ms);
	/*
	 * Let go of the buffer without waiting: 0 and the buffer forgotten
	 * once it is released, -EAGAIN while something (the peer's
	 * mappings, a KMS framebuffer) still holds it.  Called again from
	 * the event loop's timer until it returns 0.
	 */
	int (*release_poll)(struct backend *b, struct dbuf_mem *mem);
	void (*fini)(struct backend *b);
	/* Buffers/pages the provider still holds, for the leak check. */
	void (*counters)(struct backend *b, char *buf, size_t len);
};

int provider_init(struct backend *b, const char *name);

/* ------------------------------------------------------------------ */
/* sink.h interface: where frames go. */

/* What a sink is told about a framebuffer. */
struct sink_fb_desc {
	uint16_t domid;
	uint64_t cookie;
	const struct fb_geom *geom;
	struct dbuf_mem *mem;	/* borrowed: fd, CPU access via the backend */
};

struct sink_ops {
	const char *name;
	int (*init)(struct sink *s);
	/*
	 * Optional: after start-up, once the Xen handles are open and the
	 * privileges dropped (--user): what the sink should do as that user
	 * (the wayland sink connects to the user's compositor here).
	 */
	int (*start)(struct sink *s);
	void (*fini)(struct sink *s);
	/* A connector appears (@w x @h).  *@priv is the sink's. */
	int (*conn_open)(struct sink *s, struct conn *c, void **priv);
	void (*conn_close)(struct sink *s, struct conn *c, void *priv);
	/* A framebuffer is attached; *@priv is the sink's. */
	int (*fb_attach)(struct sink *s, const struct sink_fb_desc *fb,
			 void **priv);
	void (*fb_detach)(struct sink *s, void *fb_priv);
	/*
	 * Show @fb_priv on the connector (SET_CONFIG, or NULL to disable).
	 * Synchronous.
	 */
	int (*show)(struct sink *s, struct conn *c, void *conn_priv,
		    void *fb_priv, const struct sink_fb_desc *fb);
	/*
	 * Flip to @fb_priv.  The sink calls conn_flip_done(c) when the frame
	 * is on screen (or written), maybe from within this call.
	 */
	int (*flip)(struct sink *s, struct conn *c, void *conn_priv,
		    void *fb_priv, const struct sink_fb_desc *fb);
	/* An fd to poll for the sink's events, or -1; and its handler. */
	int (*get_fd)(struct sink *s);
	void (*dispatch)(struct sink *s);
};

struct sink {
	const struct sink_ops *ops;
	struct backend *b;
	void *priv;
};

extern const struct sink_ops sink_null_ops;
extern const struct sink_ops sink_capture_ops;
extern const struct sink_ops sink_kms_ops;
#ifdef DISPLBACK_WAYLAND
extern const struct sink_ops sink_wayland_ops;
#endif

/* ------------------------------------------------------------------ */
/* The backend's objects. */

struct dbuf {
	struct dbuf *next;
	uint64_t cookie;
	struct dbuf_geom geom;
	struct dbuf_mem mem;
	unsigned int fb_refs;
	/* On dev->releasing: DBUF_DESTROY answered at release or deadline. */
	uint64_t release_start_ns, release_deadline_ns, next_poll_ns;
	struct conn *waiter;	/* whose ring waits for the answer, or NULL */
	uint16_t req_id;	/* ... of this request */
};

struct fb {
	struct fb *next;
	uint64_t cookie;
	struct dbuf *dbuf;
	struct fb_geom geom;
	void *sink_priv;
};

struct conn_stats {
	uint64_t frames;		/* SET_CONFIGs and flips shown */
	uint64_t flips;			/* PG_FLIP requests completed */
	uint64_t bytes_copied;		/* bytes memcpy'd to show frames */
	uint64_t grant_maps_first;	/* grant maps up to the first frame */
	uint64_t grant_maps_later;	/* grant maps made after it */
	uint64_t latency_sum_ns, latency_max_ns, latency_n;
	/*
	 * The last FLIP_SAMPLES flips' latencies for the summary's
	 * percentiles (ns, saturated at 4.29 s): PG_FLIP request to its
	 * event, and the backend's own part of it (the sink's work, from its
	 * flip call to conn_flip_done(), taken out).  stats.c.
	 */
#define FLIP_SAMPLES 512
	uint32_t lat_ns[FLIP_SAMPLES], own_ns[FLIP_SAMPLES];
	uint64_t own_max_ns;
	uint64_t events_dropped;	/* event page full */
	uint64_t captured;		/* frames the sink wrote out */
	/*
	 * Grant map operations of the sink's CPU access (capture, copy,
	 * writeback check): a PV domain maps the dma-buf's pages for the
	 * CPU once per buffer.  Not part of the display path's count.
	 */
	uint64_t cpu_grant_maps;
	/* The sink's own figures, appended to the summary line (filled by
	 * its conn_close; empty: none). */
	char sink_note[224];
};

struct conn {
	struct vdispl *dev;
	int idx;
	uint32_t width, height;		/* "resolution" */
	char unique_id[64];

	uint32_t req_gref, evt_gref;
	uint32_t req_remote_port, evt_remote_port;
	int req_port, evt_port;		/* local, -1 when unbound */
	void *req_page;			/* mapped, or NULL */
	struct xendispl_event_page *evt_page;
	xen_displif_back_ring_t ring;
	uint32_t evt_prod;		/* our copy of in_prod */
	uint16_t evt_id;

	void *sink_priv;
	struct fb *shown;		/* what SET_CONFIG/PG_FLIP last showed */
	uint64_t flip_cookie;		/* in flight, 0 if none */
	uint64_t flip_start_ns;
	uint64_t sink_start_ns;		/* the sink's flip call, in flight */
	/* PG_FLIPs queued behind the one in flight (--max-pending-flips). */
	struct fb *flip_queue[DISPLBACK_MAX_FLIP_QUEUE];
	uint64_t flip_queue_ns[DISPLBACK_MAX_FLIP_QUEUE];
	unsigned int n_queued;
	/* Fair loop: a notification to serve; requests left on the ring. */
	bool kicked;
	bool unmask;			/* req port to unmask when served */
	/* A request (DBUF_DESTROY) waits for its answer: ring paused. */
	bool blocked;
	uint64_t grant_maps_mark;	/* dev->b->grant_maps at the last frame */
	struct conn_stats st;
};

struct vdispl {
	struct vdispl *next;
	struct backend *b;
	uint16_t domid;
	unsigned int devid;
	char be_path[128];
	char fe_path[128];
	char watch_token[64];
	bool watching;

	int be_state;		/* what we last wrote */
	int fe_state;		/* last frontend state seen */
	/* In Closing for the frontend's Closing: InitWait from this time. */
	uint64_t reopen_ns;
	bool connected;
	bool failed;		/* connect failed: wait for the frontend */
	bool be_alloc;
	int version;

	int n_conn;
	/* conn_serve(): the connector served first in the next iteration,
	 * and (in the guest's first device) the guest's requests left in
	 * this one. */
	unsigned int rr_conn;
	unsigned int req_budget_left;
	struct conn conn[DISPLBACK_MAX_CONN];
	struct dbuf *dbufs;
	struct fb *fbs;
	/* Destroyed, not yet released: still counted in the quota. */
	struct dbuf *releasing;
	/* What the device holds, for the guest's quotas. */
	unsigned int n_dbufs, n_fbs, n_pages;
	void *prov_dev;		/* the provider's, per device */
	uint64_t grant_maps;	/* grant map operations made for it */
	/* log.c: lines of this device in the current window, suppressed. */
	uint64_t log_window_ns;
	unsigned int log_lines, log_suppressed;
	bool seen;		/* scan mark */
	bool dirty;		/* a watch fired for it: update it */
};

struct options {
	const char *sink;
	const char *out_dir;
	unsigned int capture_every;
	unsigned int capture_max;
	const char *kms_device;
	const char *provider;
	unsigned int release_timeout_ms;
	bool kms_allow_copy;
	/*
	 * kms: read frames back through the device's writeback connector
	 * (--writeback): every --every-th, at most --max-captures per
	 * connector, written to --out as <name>-frame<N>-wb.png beside the
	 * dma-buf's own pixels as <name>-frame<N>.png.
	 */
	bool kms_writeback;
	/*
	 * wayland: the compositor's socket (NULL: $WAYLAND_DISPLAY), windows
	 * fullscreen, and how long a flip waits for the compositor to show
	 * the frame and release the previous buffer before it is answered
	 * anyway (ms).
	 */
	const char *wl_display;
	bool wl_fullscreen;
	unsigned int wl_timeout_ms;
	/* Per-guest quotas (all the domain's vdispl devices together). */
	unsigned int max_dbufs, max_fbs, max_pages, max_pending_flips;
	/* Requests served per connector per loop iteration. */
	unsigned int req_budget;
	/* After start-up: this user's ids (--user), capabilities kept. */
	const char *user;
	bool keep_caps;
};

struct backend {
	struct options opt;
	struct xs_handle *xs;
	xenevtchn_handle *xce;
	xengnttab_handle *xgt;
	unsigned int self_domid;
	bool can_query_domains;	/* XS_IS_DOMAIN_INTRODUCED allowed (dom0) */
	char root[96];		/* /local/domain/<self>/backend/vdispl */

	const struct provider_ops *prov;
	void *prov_priv;
	struct sink sink;

	struct vdispl *devs;
	uint64_t grant_maps;	/* all grant map operations we made */
	bool stopping;
	/* Fair loop: work left for the next iteration (poll without waiting). */
	bool more_work;
	unsigned int rr_start;	/* round-robin: device served first */
	/* Watches: a full rescan is due; a domain may be gone. */
	bool rescan, check_domains;
	/* What the loop did, logged at exit (how a storm was absorbed). */
	struct {
		uint64_t iterations, requests, budget_spent, ports;
		/* Most requests served to one guest in one iteration. */
		unsigned int max_guest_requests;
		uint64_t watch_events, dev_updates, rescans;
	} loop;
};

/* xenbus.c */
int xenbus_init(struct backend *b);
/* Read at most DISPLBACK_WATCH_BUDGET watch events, then update the
 * devices they name, each once. */
void xenbus_handle_watch(struct backend *b);
/* Move the devices whose Closing was held long enough back to InitWait.
 * Returns the poll timeout in ms the loop should use (-1: none held). */
int xenbus_poll_reopen(struct backend *b);
void xenbus_shutdown(struct backend *b);

/* conn.c */
int conn_connect(struct conn *c);
void conn_disconnect(struct conn *c);
/* Note a notification on @port (the connector is served by conn_serve). */
void conn_handle_port(struct backend *b, int port);
/* Serve each notified connector, round-robin between devices and between
 * a device's connectors, at most --req-budget requests per guest (domain)
 * per call; sets b->more_work when requests are left. */
void conn_serve(struct backend *b);
/* Poll the releases of destroyed buffers; answer their DBUF_DESTROY.
 * Returns the poll timeout in ms the loop should use (-1: none pending). */
int conn_poll_releases(struct backend *b);
void conn_flip_done(struct conn *c);
/*
 * The provider's cpu_begin for a sink reading @mem's bytes on @c's behalf,
 * counting the grant maps it made in c->st.cpu_grant_maps.
 */
int conn_cpu_begin(struct conn *c, struct dbuf_mem *mem,
		   const uint8_t **data);
/* stats.c: the summary line of @c (at disconnect and exit), and one
 * flip's latency, @total_ns of which @sink_ns in the sink, into @st. */
void conn_print_summary(const struct conn *c);
void conn_stats_flip(struct conn_stats *st, uint64_t total_ns,
		     uint64_t sink_ns);
/* A control page (ring, event page, page directory) of @dev's guest,
 * mapped with libxengnttab and counted in dev->grant_maps; NULL and errno
 * on failure.  Unmap with vdispl_unmap_ctl(), which takes NULL. */
void *vdispl_map_ctl(struct vdispl *dev, uint32_t gref, bool write);
void vdispl_unmap_ctl(struct vdispl *dev, void *p);
/* What the sink is told of framebuffer @f of @dev. */
void fb_sink_desc(const struct vdispl *dev, struct fb *f,
		  struct sink_fb_desc *desc);
/* The frontend's page-flip event for @fb_cookie on @c's event page. */
void conn_send_flip_event(struct conn *c, uint64_t fb_cookie);
void conn_count_frame(struct conn *c);
/* Hand @f to the sink; conn_flip_done() completes it. */
void conn_start_flip(struct conn *c, struct fb *f, uint64_t start_ns);

/* ops.c: the requests of a connector's ring */
/* Release polls: every 10 ms while a DBUF_DESTROY waits, then 250 ms. */
#define RELEASE_POLL_WAITING_MS	10
#define RELEASE_POLL_HELD_MS	250
/* Serve @req into @resp: 0 or a negative errno for the response's status;
 * -EINPROGRESS when the answer comes later (DBUF_DESTROY waiting for the
 * release), the ring blocked meanwhile. */
int conn_handle_req(struct conn *c, const struct xendispl_req *req,
		    struct xendispl_resp *resp);
/* Free @d, whose release completed (or failed), and its accounting. */
void dbuf_forget(struct vdispl *dev, struct dbuf *d);
void vdispl_release_buffers(struct vdispl *dev);

/* The frame a capture sink writes: name prefix "dom<D>-conn<C>". */
static inline const char *conn_name(const struct conn *c, char *buf,
				    size_t len)
{
	snprintf(buf, len, "dom%u-dev%u-conn%d", c->dev->domid,
		 c->dev->devid, c->idx);
	return buf;
}

#endif /* GNTBUF_DISPLBACK_H */
