/* SPDX-License-Identifier: MIT */
/*
 * The wayland sink's shared state: the compositor connection and buffers
 * (wayland-display.c) and the connectors' surfaces and flips
 * (sink-wayland.c).  Built only with -Dwayland (libwayland-client,
 * wayland-scanner, wayland-protocols).
 *
 * Who owns what: struct wlsink (s->priv) owns the wl_display, the globals,
 * the epoll fd the main loop polls and its timerfd.  A struct wl_fb per
 * framebuffer owns its wl_buffer (and, on the copy path, its wl_shm
 * memory); the frontend's dma-buf fd stays the provider's (borrowed: the
 * import sends a duplicate over the socket).  A struct wl_conn per
 * connector owns its wl_surface, xdg_surface, xdg_toplevel, viewport and
 * surface synchronization, and points at (never owns) the wl_fbs it shows
 * or waits for.
 */
#ifndef GNTBUF_SINK_WAYLAND_H
#define GNTBUF_SINK_WAYLAND_H

#include <wayland-client.h>

#include "displback.h"
#include "linux-dmabuf-unstable-v1-client-protocol.h"
#include "linux-explicit-synchronization-unstable-v1-client-protocol.h"
#include "presentation-time-client-protocol.h"
#include "viewporter-client-protocol.h"
#include "xdg-shell-client-protocol.h"

/* Fourccs the compositor imports with the LINEAR modifier, at most. */
#define WLSINK_MAX_FORMATS 64

enum wl_fb_kind {
	WLFB_PENDING,	/* zwp_linux_buffer_params_v1.create sent */
	WLFB_DMABUF,	/* imported: the frontend's pages, no copy */
	WLFB_SHM,	/* refused or not offered: copied per frame */
	WLFB_NONE,	/* neither (the compositor is gone) */
};

struct wl_fb {
	struct wlsink *w;
	struct wl_fb *next;		/* w->fbs */
	enum wl_fb_kind kind;
	struct wl_buffer *buffer;	/* owned; NULL while pending */
	struct zwp_linux_buffer_params_v1 *params;	/* while pending */
	/* Attached in a commit and not yet released by the compositor. */
	bool busy;
	uint16_t domid;
	uint64_t cookie;
	struct fb_geom geom;
	struct dbuf_mem *mem;		/* borrowed: lives as long as the fb */
	uint64_t ino;			/* the dma-buf's inode, for the log */
	/* The connector that attached it last (its figures count the
	 * fence waits), NULL when none. */
	struct wl_conn *owner;
	/* wayland-fence.c: the fence waited for before it counts as free
	 * (owned, in the epoll set; -1: none), what it came from, and the
	 * last commit's release object when that commit used explicit
	 * sync (then wl_buffer.release does not free it). */
	int fence_fd;
	bool fence_explicit, explicit_sync;
	uint64_t fence_start_ns;
	struct zwp_linux_buffer_release_v1 *release;
	/* WLFB_SHM: the copy's memory (stride bytes per row). */
	uint8_t *shm_map;
	size_t shm_size;
	uint32_t shm_stride;
};

struct wl_conn {
	struct wlsink *w;
	struct wl_conn *next;		/* w->conns */
	struct conn *c;
	struct wl_surface *surface;
	struct xdg_surface *xsurface;
	struct xdg_toplevel *toplevel;
	struct wp_viewport *viewport;	/* NULL without wp_viewporter */
	/* Explicit sync, made at the first dma-buf commit once offered. */
	struct zwp_linux_surface_synchronization_v1 *sync;
	bool configured;
	int32_t cfg_w, cfg_h;		/* the last toplevel configure */
	struct wl_fb *cur;		/* attached in the last commit */
	/* To attach when it can be: imported, released, configured. */
	struct wl_fb *want;
	bool want_flip;			/* ... for a PG_FLIP */
	/* The flip in flight: answered when shown and @prev_wait released. */
	bool flip_active, flip_shown;
	struct wl_fb *prev_wait;
	uint64_t flip_deadline_ns;	/* answered anyway after it */
	/* The last commit's presentation feedback or frame callback. */
	struct wp_presentation_feedback *feedback;
	struct wl_callback *frame_cb;
	bool feedback_flip;		/* ... is the flip's */
	struct {
		uint64_t shown, discarded, dmabuf, shm, releases_waited;
		uint64_t timeouts, dropped;
		/* Fences waited for (not signalled at the release), and of
		 * them fenced_release's. */
		uint64_t fences_waited, fences_explicit;
	} st;
};

struct wlsink {
	struct sink *s;
	struct wl_display *display;
	struct wl_registry *registry;
	struct wl_compositor *compositor;
	struct xdg_wm_base *wm_base;
	struct wl_shm *shm;
	struct zwp_linux_dmabuf_v1 *dmabuf;
	uint32_t dmabuf_version;
	struct zwp_linux_dmabuf_feedback_v1 *feedback;
	struct wp_viewporter *viewporter;
	struct wp_presentation *presentation;
	struct zwp_linux_explicit_synchronization_v1 *explicit_sync;
	/* DMA_BUF_IOCTL_EXPORT_SYNC_FILE failed with ENOTTY (logged). */
	bool no_export_sync;
	/* zwp_linux_dmabuf_v1: fourccs offered with LINEAR; and with
	 * DRM_FORMAT_MOD_INVALID only (the driver's implicit layout, which
	 * for a buffer of linear pages is LINEAR: weston 10 on Mesa's
	 * kms_swrast offers nothing else). */
	uint32_t linear[WLSINK_MAX_FORMATS];
	unsigned int n_linear;
	uint32_t implicit[WLSINK_MAX_FORMATS];
	unsigned int n_implicit;
	/* v4: the default feedback's format table (mmap'd) and main device. */
	const uint8_t *fmt_table;
	size_t fmt_table_size;
	uint64_t main_device;
	bool have_main_device, feedback_done;
	/* wl_shm formats offered (wl_shm's codes: 0 ARGB8888, 1 XRGB8888,
	 * else the fourcc). */
	uint32_t shm_formats[WLSINK_MAX_FORMATS];
	unsigned int n_shm;
	int epfd, timerfd;
	bool dead;			/* the connection failed: frames dropped */
	bool display_up;		/* wlsink_connect's roundtrips done */
	struct wl_conn *conns;
	struct wl_fb *fbs;
	struct {
		uint64_t imports, refused, shm_buffers;
	} st;
};

/* wayland-display.c */
int wlsink_connect(struct wlsink *w);
void wlsink_disconnect(struct wlsink *w);
/* The connection failed (read, flush or protocol error): log it once,
 * stop polling it, answer every flip (sink-wayland.c's part). */
void wlsink_go_dead(struct wlsink *w, const char *what);
/* Flush requests; a failure that is not EAGAIN kills the connection. */
void wlsink_flush(struct wlsink *w);
/* Read and dispatch what the compositor sent, without blocking. */
void wlsink_read(struct wlsink *w);
/* Arm the timer for the earliest flip deadline (none: disarmed). */
void wlsink_arm_timer(struct wlsink *w);
int wlsink_fb_create(struct wlsink *w, const struct sink_fb_desc *desc,
		     struct wl_fb **out);
void wlsink_fb_destroy(struct wl_fb *f);
/* WLFB_SHM: copy the frame into the wl_shm buffer (counted on @c). */
int wlsink_fb_copy(struct wl_fb *f, struct conn *c);

/* wayland-fence.c */
/* wl_buffer.release of @f: free it now, or once its read fences signal. */
void wlsink_fence_released(struct wl_fb *f);
/* Before @wc's commit of @f: ask for its explicit release if offered. */
void wlsink_fence_commit(struct wl_conn *wc, struct wl_fb *f);
/* The epoll set reported @fd, not the display's nor the timer's. */
void wlsink_fence_dispatch(struct wlsink *w, int fd);
/* @f is being destroyed: drop its fence and release object. */
void wlsink_fence_fb_fini(struct wl_fb *f);

/* sink-wayland.c */
/* @f's import finished (imported, or fell back to the copy path). */
void wlsink_fb_ready(struct wl_fb *f);
/* The compositor released @f. */
void wlsink_fb_released(struct wl_fb *f);
/* Forget every pointer to @f (it is being destroyed). */
void wlsink_fb_forget(struct wl_fb *f);
/* Answer every flip (the compositor is gone). */
void wlsink_conns_dead(struct wlsink *w);
/* Answer flips past their deadline (the timer fired). */
void wlsink_conns_timeout(struct wlsink *w);

#endif /* GNTBUF_SINK_WAYLAND_H */
