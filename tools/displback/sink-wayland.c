// SPDX-License-Identifier: MIT
/*
 * The wayland sink: each PV connector is an xdg_toplevel of the compositor
 * in this domain (fullscreen with --fullscreen, scaled with wp_viewporter
 * to the size the compositor configures then), each framebuffer the
 * frontend's dma-buf imported once through zwp_linux_dmabuf_v1
 * (wayland-display.c).  SET_CONFIG and PG_FLIP attach the framebuffer's
 * wl_buffer, damage it whole (damage_buffer) and commit.
 *
 * When the frontend gets its page-flip event: once the compositor has
 * shown the frame (wp_presentation feedback presented or discarded, or a
 * frame callback without wp_presentation) and has released the buffer the
 * frame replaced (wl_buffer.release, and then its read fences, or the
 * explicit-sync release's fence: wayland-fence.c): Linux's frontend draws
 * into the previous buffer as soon as the event arrives.  A buffer is attached
 * again only after its release.  A flip the compositor does not complete
 * within --wayland-timeout ms is answered anyway and counted, so a slow
 * or hostile compositor never stalls a guest; a compositor that goes
 * away leaves every connector answering flips and dropping frames.
 *
 * At a connector's end its summary line gets: frames shown (presented),
 * discarded, through a dma-buf or wl_shm, releases waited for (flips
 * whose event waited for the replaced buffer's release), fences waited
 * for (of them explicit sync's fenced_release), flips answered
 * on the timeout, frames dropped.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "sink-wayland.h"

static void try_present(struct wl_conn *wc);

/* ---- flips ---- */

static void flip_check_done(struct wl_conn *wc)
{
	if (!wc->flip_active || !wc->flip_shown || wc->prev_wait)
		return;
	wc->flip_active = false;
	wlsink_arm_timer(wc->w);
	conn_flip_done(wc->c);
}

/* The last commit's feedback came (@shown: presented), or a commit
 * superseded it (@check false: the caller checks the flip after its own
 * commit). */
static void feedback_end(struct wl_conn *wc, bool shown, bool check)
{
	if (wc->feedback)
		wp_presentation_feedback_destroy(wc->feedback);
	if (wc->frame_cb)
		wl_callback_destroy(wc->frame_cb);
	wc->feedback = NULL;
	wc->frame_cb = NULL;
	if (shown)
		wc->st.shown++;
	else
		wc->st.discarded++;
	if (wc->feedback_flip) {
		wc->feedback_flip = false;
		wc->flip_shown = true;
		if (check)
			flip_check_done(wc);
	}
}

static void pf_sync_output(void *data, struct wp_presentation_feedback *f,
			   struct wl_output *output)
{
	(void)data;
	(void)f;
	(void)output;
}

static void pf_presented(void *data, struct wp_presentation_feedback *f,
			 uint32_t sec_hi, uint32_t sec_lo, uint32_t nsec,
			 uint32_t refresh, uint32_t seq_hi, uint32_t seq_lo,
			 uint32_t flags)
{
	(void)f;
	(void)sec_hi;
	(void)sec_lo;
	(void)nsec;
	(void)refresh;
	(void)seq_hi;
	(void)seq_lo;
	(void)flags;
	feedback_end(data, true, true);
}

static void pf_discarded(void *data, struct wp_presentation_feedback *f)
{
	(void)f;
	feedback_end(data, false, true);
}

static const struct wp_presentation_feedback_listener pf_listener = {
	.sync_output = pf_sync_output,
	.presented = pf_presented,
	.discarded = pf_discarded,
};

static void frame_done(void *data, struct wl_callback *cb, uint32_t t)
{
	(void)cb;
	(void)t;
	feedback_end(data, true, true);
}

static const struct wl_callback_listener frame_listener = {
	.done = frame_done,
};

/* Attach @wc->want and commit, if it can be now. */
static void try_present(struct wl_conn *wc)
{
	struct wlsink *w = wc->w;
	struct wl_fb *f = wc->want;
	struct conn *c = wc->c;
	uint32_t sw, sh;
	bool flip = wc->want_flip;

	if (!f)
		return;
	if (w->dead || f->kind == WLFB_NONE) {
		wc->want = NULL;
		wc->st.dropped++;
		if (flip)
			conn_flip_done(c);
		return;
	}
	/* Wait: for the first configure, the import, the release. */
	if (!wc->configured || f->kind == WLFB_PENDING ||
	    (f->busy && f != wc->cur))
		return;
	wc->want = NULL;
	if (f->kind == WLFB_SHM) {
		int ret = wlsink_fb_copy(f, c);

		if (ret) {
			LOGE(c->dev, c->idx, "wayland: copy of fb %#" PRIx64
			     ": %s", f->cookie, strerror(-ret));
			wc->st.dropped++;
			if (flip)
				conn_flip_done(c);
			return;
		}
		wc->st.shm++;
	} else {
		wc->st.dmabuf++;
	}
	/* What the connector shows: the fb's top left, clipped. */
	sw = f->geom.width < c->width ? f->geom.width : c->width;
	sh = f->geom.height < c->height ? f->geom.height : c->height;
	if (wc->viewport) {
		int32_t dw = (int32_t)c->width, dh = (int32_t)c->height;

		if (w->s->b->opt.wl_fullscreen && wc->cfg_w > 0 &&
		    wc->cfg_h > 0) {
			dw = wc->cfg_w;
			dh = wc->cfg_h;
		}
		/* Unscaled and unclipped: no viewport state at all. */
		if (sw == f->geom.width && sh == f->geom.height &&
		    dw == (int32_t)sw && dh == (int32_t)sh) {
			wp_viewport_set_source(wc->viewport, wl_fixed_from_int(-1),
					       wl_fixed_from_int(-1),
					       wl_fixed_from_int(-1),
					       wl_fixed_from_int(-1));
			wp_viewport_set_destination(wc->viewport, -1, -1);
		} else {
			wp_viewport_set_source(wc->viewport, 0, 0,
					       wl_fixed_from_int((int)sw),
					       wl_fixed_from_int((int)sh));
			wp_viewport_set_destination(wc->viewport, dw, dh);
		}
	}
	wl_surface_attach(wc->surface, f->buffer, 0, 0);
	wl_surface_damage_buffer(wc->surface, 0, 0, (int32_t)sw, (int32_t)sh);
	/* A commit before the last one's feedback came supersedes it. */
	if (wc->feedback || wc->frame_cb)
		feedback_end(wc, false, false);
	if (w->presentation) {
		wc->feedback = wp_presentation_feedback(w->presentation,
							wc->surface);
		wp_presentation_feedback_add_listener(wc->feedback,
						      &pf_listener, wc);
	} else {
		wc->frame_cb = wl_surface_frame(wc->surface);
		wl_callback_add_listener(wc->frame_cb, &frame_listener, wc);
	}
	wc->feedback_flip = flip;
	if (flip) {
		wc->flip_active = true;
		wc->flip_shown = false;
		/* The buffer this one replaces: its release ends the flip. */
		wc->prev_wait = wc->cur && wc->cur != f && wc->cur->busy ?
				wc->cur : NULL;
	}
	wc->cur = f;
	f->busy = true;
	f->owner = wc;
	wlsink_fence_commit(wc, f);
	wl_surface_commit(wc->surface);
	wlsink_flush(w);
	/* A flip this commit superseded (a SET_CONFIG meanwhile) ends now. */
	if (!flip)
		flip_check_done(wc);
}

static void request(struct wl_conn *wc, struct wl_fb *f, bool flip)
{
	if (wc->want && wc->want_flip) {
		/* Superseded before it was shown (a SET_CONFIG). */
		wc->st.dropped++;
		wc->want = NULL;
		conn_flip_done(wc->c);
	}
	wc->want = f;
	wc->want_flip = flip;
	if (flip)
		wc->flip_deadline_ns = now_ns() +
			(uint64_t)wc->w->s->b->opt.wl_timeout_ms * 1000000u;
	try_present(wc);
	wlsink_arm_timer(wc->w);
}

/* ---- called by wayland-display.c ---- */

void wlsink_fb_ready(struct wl_fb *f)
{
	for (struct wl_conn *wc = f->w->conns; wc; wc = wc->next)
		if (wc->want == f)
			try_present(wc);
}

void wlsink_fb_released(struct wl_fb *f)
{
	f->busy = false;
	for (struct wl_conn *wc = f->w->conns; wc; wc = wc->next) {
		if (wc->prev_wait == f) {
			wc->prev_wait = NULL;
			wc->st.releases_waited++;
			flip_check_done(wc);
		}
		if (wc->want == f)
			try_present(wc);
	}
}

void wlsink_fb_forget(struct wl_fb *f)
{
	for (struct wl_conn *wc = f->w->conns; wc; wc = wc->next) {
		if (wc->cur == f)
			wc->cur = NULL;
		if (wc->prev_wait == f) {
			wc->prev_wait = NULL;
			flip_check_done(wc);
		}
		if (wc->want == f) {
			wc->want = NULL;
			wc->st.dropped++;
			if (wc->want_flip)
				conn_flip_done(wc->c);
		}
	}
}

/* Answer what is in flight or waiting; later frames are dropped. */
static void conn_answer(struct wl_conn *wc)
{
	if (wc->want) {
		wc->st.dropped++;
		wc->want = NULL;
		if (wc->want_flip)
			conn_flip_done(wc->c);
	}
	if (wc->flip_active) {
		wc->flip_active = false;
		wc->prev_wait = NULL;
		conn_flip_done(wc->c);
	}
}

void wlsink_conns_dead(struct wlsink *w)
{
	for (struct wl_conn *wc = w->conns; wc; wc = wc->next)
		conn_answer(wc);
}

void wlsink_conns_timeout(struct wlsink *w)
{
	uint64_t now = now_ns();

	for (struct wl_conn *wc = w->conns; wc; wc = wc->next) {
		if (!(wc->flip_active || (wc->want && wc->want_flip)) ||
		    now < wc->flip_deadline_ns)
			continue;
		LOGW(wc->c->dev, wc->c->idx, "wayland: the compositor has not "
		     "%s in %u ms: the flip is answered",
		     wc->flip_active ? (wc->flip_shown ? (wc->prev_wait &&
		     wc->prev_wait->fence_fd >= 0 ?
		     "signalled the previous buffer's fence" :
		     "released the previous buffer") : "shown the frame") :
		     "let the frame be attached", wc->w->s->b->opt.wl_timeout_ms);
		wc->st.timeouts++;
		conn_answer(wc);
	}
	wlsink_arm_timer(w);
}

/* ---- the surface ---- */

static void xs_configure(void *data, struct xdg_surface *xs, uint32_t serial)
{
	struct wl_conn *wc = data;

	xdg_surface_ack_configure(xs, serial);
	if (!wc->configured) {
		wc->configured = true;
		LOGI(wc->c->dev, wc->c->idx, "wayland: window configured "
		     "(%dx%d)", wc->cfg_w, wc->cfg_h);
	}
	if (wc->want) {
		try_present(wc);
	} else {
		/* The ack is applied by a commit. */
		wl_surface_commit(wc->surface);
		wlsink_flush(wc->w);
	}
}

static const struct xdg_surface_listener xs_listener = {
	.configure = xs_configure,
};

static void top_configure(void *data, struct xdg_toplevel *t, int32_t w,
			  int32_t h, struct wl_array *states)
{
	struct wl_conn *wc = data;

	(void)t;
	(void)states;
	wc->cfg_w = w;
	wc->cfg_h = h;
}

static void top_close(void *data, struct xdg_toplevel *t)
{
	struct wl_conn *wc = data;

	(void)t;
	/* The guest's display stays: only the guest closes it. */
	LOGI(wc->c->dev, wc->c->idx, "wayland: the compositor asks to close "
	     "the window: ignored");
}

static const struct xdg_toplevel_listener top_listener = {
	.configure = top_configure,
	.close = top_close,
};

/* ---- sink ops ---- */

static int wl_init(struct sink *s)
{
	struct wlsink *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	w->s = s;
	w->epfd = w->timerfd = -1;
	s->priv = w;
	return 0;
}

static void conn_make_window(struct wl_conn *wc);

/*
 * After start-up (and the drop to --user): connect as that user, then
 * make the windows of the connectors that came up before.
 */
static int wl_start(struct sink *s)
{
	struct wlsink *w = s->priv;
	int ret = wlsink_connect(w);

	if (ret)
		return ret;
	for (struct wl_conn *wc = w->conns; wc; wc = wc->next)
		conn_make_window(wc);
	return 0;
}

static void wl_fini(struct sink *s)
{
	struct wlsink *w = s->priv;

	if (!w)
		return;
	LOGI(NULL, -1, "wayland: %" PRIu64 " dma-buf imports, %" PRIu64
	     " refused, %" PRIu64 " wl_shm buffers", w->st.imports,
	     w->st.refused, w->st.shm_buffers);
	while (w->fbs)
		wlsink_fb_destroy(w->fbs);
	wlsink_disconnect(w);
	free(w);
	s->priv = NULL;
}

static void conn_make_window(struct wl_conn *wc)
{
	struct wlsink *w = wc->w;
	struct sink *s = w->s;
	struct conn *c = wc->c;
	char title[64];

	if (w->dead) {
		LOGW(c->dev, c->idx, "wayland: no compositor: frames are "
		     "dropped");
		return;
	}
	wc->surface = wl_compositor_create_surface(w->compositor);
	wc->xsurface = xdg_wm_base_get_xdg_surface(w->wm_base, wc->surface);
	xdg_surface_add_listener(wc->xsurface, &xs_listener, wc);
	wc->toplevel = xdg_surface_get_toplevel(wc->xsurface);
	xdg_toplevel_add_listener(wc->toplevel, &top_listener, wc);
	snprintf(title, sizeof(title), "dom%u dev%u conn%d %ux%u",
		 c->dev->domid, c->dev->devid, c->idx, c->width, c->height);
	xdg_toplevel_set_title(wc->toplevel, title);
	xdg_toplevel_set_app_id(wc->toplevel, "gntbuf-displback");
	if (s->b->opt.wl_fullscreen)
		xdg_toplevel_set_fullscreen(wc->toplevel, NULL);
	if (w->viewporter)
		wc->viewport = wp_viewporter_get_viewport(w->viewporter,
							  wc->surface);
	wl_surface_commit(wc->surface);
	wlsink_flush(w);
	LOGI(c->dev, c->idx, "wayland: window \"%s\"%s", title,
	     s->b->opt.wl_fullscreen ? ", fullscreen" : "");
}

static int wl_conn_open(struct sink *s, struct conn *c, void **priv)
{
	struct wlsink *w = s->priv;
	struct wl_conn *wc = calloc(1, sizeof(*wc));

	if (!wc)
		return -ENOMEM;
	wc->w = w;
	wc->c = c;
	wc->next = w->conns;
	w->conns = wc;
	*priv = wc;
	/* Before wl_start (a frontend already waiting): made there. */
	if (w->display)
		conn_make_window(wc);
	return 0;
}

static void wl_conn_close(struct sink *s, struct conn *c, void *priv)
{
	struct wlsink *w = s->priv;
	struct wl_conn *wc = priv;

	snprintf(c->st.sink_note, sizeof(c->st.sink_note),
		 "wayland: frames shown %" PRIu64 " (discarded %" PRIu64
		 "; dma-buf %" PRIu64 ", wl_shm %" PRIu64 "), releases waited "
		 "for %" PRIu64 ", fences waited %" PRIu64 " (explicit %"
		 PRIu64 "), flips answered on timeout %" PRIu64
		 ", frames dropped %" PRIu64, wc->st.shown, wc->st.discarded,
		 wc->st.dmabuf, wc->st.shm, wc->st.releases_waited,
		 wc->st.fences_waited, wc->st.fences_explicit,
		 wc->st.timeouts, wc->st.dropped);
	for (struct wl_conn **pp = &w->conns; *pp; pp = &(*pp)->next)
		if (*pp == wc) {
			*pp = wc->next;
			break;
		}
	if (wc->feedback)
		wp_presentation_feedback_destroy(wc->feedback);
	if (wc->frame_cb)
		wl_callback_destroy(wc->frame_cb);
	for (struct wl_fb *f = w->fbs; f; f = f->next)
		if (f->owner == wc)
			f->owner = NULL;
	if (wc->sync)
		zwp_linux_surface_synchronization_v1_destroy(wc->sync);
	if (wc->viewport)
		wp_viewport_destroy(wc->viewport);
	if (wc->toplevel)
		xdg_toplevel_destroy(wc->toplevel);
	if (wc->xsurface)
		xdg_surface_destroy(wc->xsurface);
	if (wc->surface)
		wl_surface_destroy(wc->surface);
	wlsink_flush(w);
	free(wc);
	wlsink_arm_timer(w);
}

static int wl_fb_attach(struct sink *s, const struct sink_fb_desc *fb,
			void **priv)
{
	return wlsink_fb_create(s->priv, fb, (struct wl_fb **)priv);
}

static void wl_fb_detach(struct sink *s, void *priv)
{
	(void)s;
	wlsink_fb_destroy(priv);
}

static int wl_show(struct sink *s, struct conn *c, void *cp, void *fp,
		   const struct sink_fb_desc *fb)
{
	struct wl_conn *wc = cp;

	(void)s;
	(void)c;
	(void)fb;
	if (!fp) {
		/* Display off: unmap the window until the next frame. */
		if (wc->want && wc->want_flip)
			conn_answer(wc);
		wc->want = NULL;
		if (wc->surface && !wc->w->dead && wc->cur) {
			wl_surface_attach(wc->surface, NULL, 0, 0);
			wl_surface_commit(wc->surface);
			/* Unmapped: the next map waits for the configure this
			 * initial commit asks for. */
			wc->configured = false;
			wl_surface_commit(wc->surface);
			wlsink_flush(wc->w);
		}
		wc->cur = NULL;
		return 0;
	}
	request(wc, fp, false);
	return 0;
}

static int wl_flip(struct sink *s, struct conn *c, void *cp, void *fp,
		   const struct sink_fb_desc *fb)
{
	(void)s;
	(void)c;
	(void)fb;
	request(cp, fp, true);
	return 0;
}

static int wl_get_fd(struct sink *s)
{
	struct wlsink *w = s->priv;

	return w ? w->epfd : -1;
}

static void wl_dispatch(struct sink *s)
{
	struct wlsink *w = s->priv;
	struct epoll_event ev[16];
	int n = epoll_wait(w->epfd, ev, 16, 0);

	for (int i = 0; i < n; i++) {
		if (ev[i].data.fd == w->timerfd) {
			uint64_t expirations;

			if (read(w->timerfd, &expirations,
				 sizeof(expirations)) < 0 && errno != EAGAIN)
				LOGW(NULL, -1, "wayland: timerfd: %s",
				     strerror(errno));
			wlsink_conns_timeout(w);
		} else if (w->display &&
			   ev[i].data.fd == wl_display_get_fd(w->display)) {
			wlsink_read(w);
		} else {
			wlsink_fence_dispatch(w, ev[i].data.fd);
		}
	}
}

const struct sink_ops sink_wayland_ops = {
	.name = "wayland",
	.init = wl_init,
	.start = wl_start,
	.fini = wl_fini,
	.conn_open = wl_conn_open,
	.conn_close = wl_conn_close,
	.fb_attach = wl_fb_attach,
	.fb_detach = wl_fb_detach,
	.show = wl_show,
	.flip = wl_flip,
	.get_fd = wl_get_fd,
	.dispatch = wl_dispatch,
};
