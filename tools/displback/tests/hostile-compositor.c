// SPDX-License-Identifier: MIT
/*
 * hostile-compositor: a small real Wayland compositor (libwayland-server)
 * for the wayland sink's tests, with no output: just enough for
 * gntbuf-displback --sink wayland.  Globals: wl_compositor 4, wl_shm
 * (libwayland's own), xdg_wm_base 1 and zwp_linux_dmabuf_v1 3 (XRGB8888
 * and ARGB8888, LINEAR only, as `modifier` events).  No wp_presentation:
 * clients get frame callbacks.
 *
 * What it does with a commit, as a compositor with a GL renderer would:
 * the attached buffer's pixels are read (a dma-buf through its own mmap
 * and DMA_BUF_IOCTL_SYNC, a wl_shm buffer through libwayland) into the
 * surface's picture; at the next repaint (--repaint MS later, 16 by
 * default) the buffer the commit replaced is released and the frame
 * callbacks are done.  A toplevel's initial commit gets a configure of
 * 0x0.  When a surface is unmapped (a NULL buffer committed), on SIGUSR1
 * and at exit, each surface's picture is written to
 * DIR/<title>-<n>.png (spaces in the title as '-'), n counting the dumps.
 *
 * Behaviours, each for every buffer or only for buffers of one size:
 *   never-release[@WxH]     never sends wl_buffer.release for them
 *   refuse-imports[@WxH]    every zwp_linux_buffer_params_v1.create of
 *                           that size gets `failed`
 *   slow=MS[@WxH]           the repaint of a surface showing such a
 *                           buffer (its releases, its frame callbacks)
 *                           comes MS ms after the commit
 *   disconnect-after=N[@WxH]  after the Nth commit of such a buffer, the
 *                           client's connection is closed
 *
 *   hostile-compositor --socket NAME [--out DIR] [--repaint MS] [BEHAVIOUR]...
 *
 * Runs until SIGTERM or SIGINT; logs on stderr, a line per surface at
 * exit: commits, frames read through a dma-buf and through wl_shm,
 * buffers released and withheld.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <linux/dma-buf.h>
#include <wayland-server.h>

#include "linux-dmabuf-unstable-v1-server-protocol.h"
#include "xdg-shell-server-protocol.h"

#include "../png-write.h"

#define LOG(...) do { \
	fprintf(stderr, "hostile-compositor: " __VA_ARGS__); \
	fputc('\n', stderr); \
} while (0)

#define MAX_RELEASE 16

struct behaviour {
	bool on;
	uint32_t w, h;		/* 0x0: every buffer */
	unsigned int n;		/* slow: ms; disconnect-after: commits */
};

struct comp {
	struct wl_display *display;
	struct wl_event_loop *loop;
	const char *out_dir;
	unsigned int repaint_ms;
	struct behaviour never_release, refuse, slow, disconnect;
	unsigned int disconnect_commits;
	/* Made at start, so that the loop's timer fd (one for all its
	 * timers) is there before any client: fds are counted in tests. */
	struct wl_event_source *disconnect_timer;
	struct wl_client *disconnect_client;
	struct wl_list surfaces;
	struct {
		unsigned long imports, refused, released, withheld;
	} st;
};

static struct comp comp;

/* A buffer reference that goes NULL when the client destroys the buffer. */
struct bref {
	struct wl_resource *res;
	struct wl_listener destroy;
};

struct dmabuf_buffer {
	struct wl_resource *res;
	int fd;
	void *map;
	size_t map_size;
	uint32_t offset, stride, w, h, format;
};

struct params {
	struct wl_resource *res;
	int fd;
	uint32_t offset, stride;
	uint64_t mod;
	bool used;
};

struct surface {
	struct wl_resource *res, *xdg, *toplevel;
	struct wl_list link;		/* comp.surfaces */
	char title[96];
	bool configure_sent, attach_pending;
	struct bref pending, current;
	struct bref release[MAX_RELEASE];	/* replaced, to release */
	unsigned int n_release;
	struct wl_list frames_pending, frames;	/* wl_callback resources */
	struct wl_event_source *timer;
	bool timer_armed;
	uint8_t *pic;			/* w * 4 bytes per row, XRGB8888 */
	uint32_t pic_w, pic_h;
	const char *pic_path;		/* "dma-buf" or "wl_shm" */
	unsigned int dumps;
	unsigned long commits, dmabuf_frames, shm_frames, released, withheld;
};

/* ---- buffers ---- */

static void bref_destroyed(struct wl_listener *l, void *data)
{
	struct bref *b = wl_container_of(l, b, destroy);

	(void)data;
	b->res = NULL;
	wl_list_remove(&b->destroy.link);
}

static void bref_set(struct bref *b, struct wl_resource *res)
{
	if (b->res)
		wl_list_remove(&b->destroy.link);
	b->res = res;
	if (res) {
		b->destroy.notify = bref_destroyed;
		wl_resource_add_destroy_listener(res, &b->destroy);
	}
}

static void dmabuf_buffer_destroy_req(struct wl_client *client,
				      struct wl_resource *res)
{
	(void)client;
	wl_resource_destroy(res);
}

static const struct wl_buffer_interface dmabuf_buffer_impl = {
	.destroy = dmabuf_buffer_destroy_req,
};

static void dmabuf_buffer_free(struct wl_resource *res)
{
	struct dmabuf_buffer *b = wl_resource_get_user_data(res);

	munmap(b->map, b->map_size);
	close(b->fd);
	free(b);
}

static struct dmabuf_buffer *dmabuf_of(struct wl_resource *res)
{
	if (!wl_resource_instance_of(res, &wl_buffer_interface,
				     &dmabuf_buffer_impl))
		return NULL;
	return wl_resource_get_user_data(res);
}

static void buffer_size(struct wl_resource *res, uint32_t *w, uint32_t *h)
{
	struct wl_shm_buffer *shm = wl_shm_buffer_get(res);
	struct dmabuf_buffer *d = dmabuf_of(res);

	*w = *h = 0;
	if (shm) {
		*w = (uint32_t)wl_shm_buffer_get_width(shm);
		*h = (uint32_t)wl_shm_buffer_get_height(shm);
	} else if (d) {
		*w = d->w;
		*h = d->h;
	}
}

static bool matches(const struct behaviour *b, uint32_t w, uint32_t h)
{
	return b->on && (!b->w || (b->w == w && b->h == h));
}

static bool buffer_matches(const struct behaviour *b, struct wl_resource *res)
{
	uint32_t w, h;

	if (!res)
		return false;
	buffer_size(res, &w, &h);
	return matches(b, w, h);
}

/* Read @res's pixels into @s's picture; 0 or a negative errno. */
static int read_buffer(struct surface *s, struct wl_resource *res)
{
	struct wl_shm_buffer *shm = wl_shm_buffer_get(res);
	struct dmabuf_buffer *d = dmabuf_of(res);
	const uint8_t *src;
	uint32_t w, h, stride;

	buffer_size(res, &w, &h);
	if (!w || !h)
		return -EINVAL;
	if (w != s->pic_w || h != s->pic_h) {
		free(s->pic);
		s->pic = malloc((size_t)w * h * 4);
		if (!s->pic)
			return -ENOMEM;
		s->pic_w = w;
		s->pic_h = h;
	}
	if (shm) {
		uint32_t f = wl_shm_buffer_get_format(shm);

		if (f != WL_SHM_FORMAT_XRGB8888 && f != WL_SHM_FORMAT_ARGB8888)
			return -EINVAL;
		stride = (uint32_t)wl_shm_buffer_get_stride(shm);
		wl_shm_buffer_begin_access(shm);
		src = wl_shm_buffer_get_data(shm);
		for (uint32_t y = 0; y < h; y++)
			memcpy(s->pic + (size_t)y * w * 4,
			       src + (size_t)y * stride, (size_t)w * 4);
		wl_shm_buffer_end_access(shm);
		s->pic_path = "wl_shm";
		s->shm_frames++;
		return 0;
	}
	struct dma_buf_sync sync = {
		.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ,
	};

	if (ioctl(d->fd, DMA_BUF_IOCTL_SYNC, &sync))
		LOG("DMA_BUF_IOCTL_SYNC start: %s", strerror(errno));
	src = (const uint8_t *)d->map + d->offset;
	for (uint32_t y = 0; y < h; y++)
		memcpy(s->pic + (size_t)y * w * 4, src + (size_t)y * d->stride,
		       (size_t)w * 4);
	sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
	if (ioctl(d->fd, DMA_BUF_IOCTL_SYNC, &sync))
		LOG("DMA_BUF_IOCTL_SYNC end: %s", strerror(errno));
	s->pic_path = "dma-buf";
	s->dmabuf_frames++;
	return 0;
}

/* ---- pictures ---- */

static void dump(struct surface *s, const char *why)
{
	char path[512], name[96];
	int ret;

	if (!comp.out_dir || !s->pic)
		return;
	snprintf(name, sizeof(name), "%s", s->title[0] ? s->title : "untitled");
	for (char *p = name; *p; p++)
		if (*p == ' ' || *p == '/')
			*p = '-';
	snprintf(path, sizeof(path), "%s/%s-%u.png", comp.out_dir, name,
		 ++s->dumps);
	ret = png_write_fb(path, s->pic, s->pic_w * 4,
			   pixfmt_find(DRM_FORMAT_XRGB8888), s->pic_w,
			   s->pic_h);
	if (ret)
		LOG("%s: %s", path, strerror(-ret));
	else
		LOG("\"%s\": %s: wrote %s (%ux%u, read through %s)", s->title,
		    why, path, s->pic_w, s->pic_h, s->pic_path);
}

/* ---- repaint: releases and frame callbacks ---- */

static int repaint(void *data)
{
	struct surface *s = data;
	struct wl_resource *cb, *tmp;
	uint32_t ms = (uint32_t)(now_ns() / 1000000u);

	s->timer_armed = false;
	for (unsigned int i = 0; i < s->n_release; i++) {
		if (s->release[i].res) {
			wl_buffer_send_release(s->release[i].res);
			s->released++;
			comp.st.released++;
		}
		bref_set(&s->release[i], NULL);
	}
	s->n_release = 0;
	wl_resource_for_each_safe(cb, tmp, &s->frames) {
		wl_callback_send_done(cb, ms);
		wl_resource_destroy(cb);
	}
	return 0;
}

static void arm_repaint(struct surface *s)
{
	unsigned int ms = comp.repaint_ms;

	if (s->timer_armed)
		return;
	if (buffer_matches(&comp.slow, s->current.res))
		ms = comp.slow.n;
	wl_event_source_timer_update(s->timer, ms ? (int)ms : 1);
	s->timer_armed = true;
}

/* ---- disconnect-after ---- */

/* Armed at the Nth commit: the client is closed outside its request. */
static int disconnect_now(void *data)
{
	struct wl_client *c;

	(void)data;
	wl_client_for_each(c, wl_display_get_client_list(comp.display)) {
		if (c == comp.disconnect_client) {
			LOG("disconnect-after=%u: closing the client's "
			    "connection", comp.disconnect.n);
			wl_client_destroy(c);
			break;
		}
	}
	comp.disconnect_client = NULL;
	return 0;
}

/* ---- wl_surface ---- */

static void surf_destroy(struct wl_client *client, struct wl_resource *res)
{
	(void)client;
	wl_resource_destroy(res);
}

static void surf_attach(struct wl_client *client, struct wl_resource *res,
			struct wl_resource *buffer, int32_t x, int32_t y)
{
	struct surface *s = wl_resource_get_user_data(res);

	(void)client;
	(void)x;
	(void)y;
	bref_set(&s->pending, buffer);
	s->attach_pending = true;
}

static void surf_damage(struct wl_client *client, struct wl_resource *res,
			int32_t x, int32_t y, int32_t w, int32_t h)
{
	(void)client;
	(void)res;
	(void)x;
	(void)y;
	(void)w;
	(void)h;
}

static void callback_unlink(struct wl_resource *res)
{
	wl_list_remove(wl_resource_get_link(res));
}

static void surf_frame(struct wl_client *client, struct wl_resource *res,
		       uint32_t id)
{
	struct surface *s = wl_resource_get_user_data(res);
	struct wl_resource *cb = wl_resource_create(client,
						    &wl_callback_interface,
						    1, id);

	if (!cb) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(cb, NULL, NULL, callback_unlink);
	wl_list_insert(s->frames_pending.prev, wl_resource_get_link(cb));
}

static void surf_region(struct wl_client *client, struct wl_resource *res,
			struct wl_resource *region)
{
	(void)client;
	(void)res;
	(void)region;
}

static void surf_commit(struct wl_client *client, struct wl_resource *res)
{
	struct surface *s = wl_resource_get_user_data(res);

	s->commits++;
	if (s->attach_pending) {
		struct wl_resource *new = s->pending.res, *old = s->current.res;

		s->attach_pending = false;
		bref_set(&s->pending, NULL);
		if (old && old != new) {
			if (buffer_matches(&comp.never_release, old)) {
				s->withheld++;
				comp.st.withheld++;
			} else if (s->n_release < MAX_RELEASE) {
				bref_set(&s->release[s->n_release++], old);
			}
		}
		bref_set(&s->current, new);
		if (new) {
			int ret = read_buffer(s, new);

			if (ret)
				LOG("\"%s\": unreadable buffer: %s", s->title,
				    strerror(-ret));
			if (buffer_matches(&comp.disconnect, new) &&
			    ++comp.disconnect_commits == comp.disconnect.n) {
				comp.disconnect_client = client;
				wl_event_source_timer_update(
					comp.disconnect_timer, 1);
			}
		} else {
			/* Unmapped: the next map starts with a configure. */
			dump(s, "unmapped");
			s->configure_sent = false;
		}
	}
	wl_list_insert_list(s->frames.prev, &s->frames_pending);
	wl_list_init(&s->frames_pending);
	if (s->toplevel && !s->current.res && !s->configure_sent) {
		struct wl_array states;

		wl_array_init(&states);
		xdg_toplevel_send_configure(s->toplevel, 0, 0, &states);
		wl_array_release(&states);
		xdg_surface_send_configure(s->xdg,
			wl_display_next_serial(comp.display));
		s->configure_sent = true;
	}
	if (!wl_list_empty(&s->frames) || s->n_release)
		arm_repaint(s);
}

static void surf_int(struct wl_client *client, struct wl_resource *res,
		     int32_t v)
{
	(void)client;
	(void)res;
	(void)v;
}

static const struct wl_surface_interface surface_impl = {
	.destroy = surf_destroy,
	.attach = surf_attach,
	.damage = surf_damage,
	.frame = surf_frame,
	.set_opaque_region = surf_region,
	.set_input_region = surf_region,
	.commit = surf_commit,
	.set_buffer_transform = surf_int,
	.set_buffer_scale = surf_int,
	.damage_buffer = surf_damage,
};

static void surface_free(struct wl_resource *res)
{
	struct surface *s = wl_resource_get_user_data(res);
	struct wl_resource *cb, *tmp;

	LOG("\"%s\": %lu commits, frames through dma-buf %lu, wl_shm %lu; "
	    "buffers released %lu, withheld %lu", s->title, s->commits,
	    s->dmabuf_frames, s->shm_frames, s->released, s->withheld);
	wl_list_remove(&s->link);
	wl_event_source_remove(s->timer);
	/* Its roles may outlive it (a client's end destroys in id order). */
	if (s->xdg)
		wl_resource_set_user_data(s->xdg, NULL);
	if (s->toplevel)
		wl_resource_set_user_data(s->toplevel, NULL);
	bref_set(&s->pending, NULL);
	bref_set(&s->current, NULL);
	for (unsigned int i = 0; i < s->n_release; i++)
		bref_set(&s->release[i], NULL);
	wl_resource_for_each_safe(cb, tmp, &s->frames)
		wl_resource_destroy(cb);
	wl_resource_for_each_safe(cb, tmp, &s->frames_pending)
		wl_resource_destroy(cb);
	free(s->pic);
	free(s);
}

/* ---- wl_compositor, wl_region ---- */

static void region_destroy(struct wl_client *client, struct wl_resource *res)
{
	(void)client;
	wl_resource_destroy(res);
}

static const struct wl_region_interface region_impl = {
	.destroy = region_destroy,
	.add = surf_damage,
	.subtract = surf_damage,
};

static void comp_create_surface(struct wl_client *client,
				struct wl_resource *res, uint32_t id)
{
	struct surface *s = calloc(1, sizeof(*s));

	if (!s) {
		wl_client_post_no_memory(client);
		return;
	}
	s->res = wl_resource_create(client, &wl_surface_interface,
				    wl_resource_get_version(res), id);
	s->timer = wl_event_loop_add_timer(comp.loop, repaint, s);
	if (!s->res || !s->timer) {
		if (s->timer)
			wl_event_source_remove(s->timer);
		free(s);
		wl_client_post_no_memory(client);
		return;
	}
	wl_list_init(&s->frames);
	wl_list_init(&s->frames_pending);
	wl_list_insert(&comp.surfaces, &s->link);
	wl_resource_set_implementation(s->res, &surface_impl, s,
				       surface_free);
}

static void comp_create_region(struct wl_client *client,
			       struct wl_resource *res, uint32_t id)
{
	struct wl_resource *r = wl_resource_create(client, &wl_region_interface,
						   1, id);

	(void)res;
	if (!r) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(r, &region_impl, NULL, NULL);
}

static const struct wl_compositor_interface compositor_impl = {
	.create_surface = comp_create_surface,
	.create_region = comp_create_region,
};

static void bind_compositor(struct wl_client *client, void *data,
			    uint32_t version, uint32_t id)
{
	struct wl_resource *r = wl_resource_create(client,
						   &wl_compositor_interface,
						   (int)version, id);

	(void)data;
	if (!r) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(r, &compositor_impl, NULL, NULL);
}

/* ---- xdg_wm_base, xdg_surface, xdg_toplevel ---- */

static void res_destroy(struct wl_client *client, struct wl_resource *res)
{
	(void)client;
	wl_resource_destroy(res);
}

static void top_set_title(struct wl_client *client, struct wl_resource *res,
			  const char *title)
{
	struct surface *s = wl_resource_get_user_data(res);

	(void)client;
	if (!s)
		return;
	snprintf(s->title, sizeof(s->title), "%s", title);
	LOG("toplevel \"%s\"", s->title);
}

static void top_ignore_str(struct wl_client *client, struct wl_resource *res,
			   const char *str)
{
	(void)client;
	(void)res;
	(void)str;
}

static void top_ignore_res(struct wl_client *client, struct wl_resource *res,
			   struct wl_resource *other)
{
	(void)client;
	(void)res;
	(void)other;
}

static void top_ignore(struct wl_client *client, struct wl_resource *res)
{
	(void)client;
	(void)res;
}

static void top_ignore_wh(struct wl_client *client, struct wl_resource *res,
			  int32_t w, int32_t h)
{
	(void)client;
	(void)res;
	(void)w;
	(void)h;
}

static void top_ignore_seat(struct wl_client *client, struct wl_resource *res,
			    struct wl_resource *seat, uint32_t serial)
{
	(void)client;
	(void)res;
	(void)seat;
	(void)serial;
}

static void top_resize(struct wl_client *client, struct wl_resource *res,
		       struct wl_resource *seat, uint32_t serial,
		       uint32_t edges)
{
	(void)edges;
	top_ignore_seat(client, res, seat, serial);
}

static void top_menu(struct wl_client *client, struct wl_resource *res,
		     struct wl_resource *seat, uint32_t serial, int32_t x,
		     int32_t y)
{
	(void)x;
	(void)y;
	top_ignore_seat(client, res, seat, serial);
}

static const struct xdg_toplevel_interface toplevel_impl = {
	.destroy = res_destroy,
	.set_parent = top_ignore_res,
	.set_title = top_set_title,
	.set_app_id = top_ignore_str,
	.show_window_menu = top_menu,
	.move = top_ignore_seat,
	.resize = top_resize,
	.set_max_size = top_ignore_wh,
	.set_min_size = top_ignore_wh,
	.set_maximized = top_ignore,
	.unset_maximized = top_ignore,
	.set_fullscreen = top_ignore_res,
	.unset_fullscreen = top_ignore,
	.set_minimized = top_ignore,
};

/* The surface outlives its roles' resources only with them cleared. */
static void toplevel_free(struct wl_resource *res)
{
	struct surface *s = wl_resource_get_user_data(res);

	if (s)
		s->toplevel = NULL;
}

static void xdgs_get_toplevel(struct wl_client *client,
			      struct wl_resource *res, uint32_t id)
{
	struct surface *s = wl_resource_get_user_data(res);
	struct wl_resource *t = wl_resource_create(client,
						   &xdg_toplevel_interface,
						   wl_resource_get_version(res),
						   id);

	if (!t) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(t, &toplevel_impl, s, toplevel_free);
	if (s)
		s->toplevel = t;
}

static void xdgs_get_popup(struct wl_client *client, struct wl_resource *res,
			   uint32_t id, struct wl_resource *parent,
			   struct wl_resource *positioner)
{
	(void)client;
	(void)id;
	(void)parent;
	(void)positioner;
	wl_resource_post_error(res, XDG_WM_BASE_ERROR_INVALID_POPUP_PARENT,
			       "hostile-compositor has no popups");
}

static void xdgs_geometry(struct wl_client *client, struct wl_resource *res,
			  int32_t x, int32_t y, int32_t w, int32_t h)
{
	surf_damage(client, res, x, y, w, h);
}

static void xdgs_ack(struct wl_client *client, struct wl_resource *res,
		     uint32_t serial)
{
	(void)client;
	(void)res;
	(void)serial;
}

static const struct xdg_surface_interface xdg_surface_impl = {
	.destroy = res_destroy,
	.get_toplevel = xdgs_get_toplevel,
	.get_popup = xdgs_get_popup,
	.set_window_geometry = xdgs_geometry,
	.ack_configure = xdgs_ack,
};

static void xdg_surface_free(struct wl_resource *res)
{
	struct surface *s = wl_resource_get_user_data(res);

	if (s)
		s->xdg = NULL;
}

static void wm_get_xdg_surface(struct wl_client *client,
			       struct wl_resource *res, uint32_t id,
			       struct wl_resource *surface)
{
	struct surface *s = wl_resource_get_user_data(surface);
	struct wl_resource *x = wl_resource_create(client,
						   &xdg_surface_interface,
						   wl_resource_get_version(res),
						   id);

	if (!x) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(x, &xdg_surface_impl, s,
				       xdg_surface_free);
	s->xdg = x;
}

static void wm_positioner(struct wl_client *client, struct wl_resource *res,
			  uint32_t id)
{
	(void)client;
	(void)id;
	wl_resource_post_error(res, XDG_WM_BASE_ERROR_INVALID_POSITIONER,
			       "hostile-compositor has no positioners");
}

static void wm_pong(struct wl_client *client, struct wl_resource *res,
		    uint32_t serial)
{
	(void)client;
	(void)res;
	(void)serial;
}

static const struct xdg_wm_base_interface wm_impl = {
	.destroy = res_destroy,
	.create_positioner = wm_positioner,
	.get_xdg_surface = wm_get_xdg_surface,
	.pong = wm_pong,
};

static void bind_wm(struct wl_client *client, void *data, uint32_t version,
		    uint32_t id)
{
	struct wl_resource *r = wl_resource_create(client,
						   &xdg_wm_base_interface,
						   (int)version, id);

	(void)data;
	if (!r) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(r, &wm_impl, NULL, NULL);
}

/* ---- zwp_linux_dmabuf_v1 ---- */

static void params_add(struct wl_client *client, struct wl_resource *res,
		       int32_t fd, uint32_t plane, uint32_t offset,
		       uint32_t stride, uint32_t hi, uint32_t lo)
{
	struct params *p = wl_resource_get_user_data(res);

	(void)client;
	if (p->used) {
		close(fd);
		wl_resource_post_error(res,
			ZWP_LINUX_BUFFER_PARAMS_V1_ERROR_ALREADY_USED,
			"params already used");
		return;
	}
	if (plane != 0 || p->fd >= 0) {
		close(fd);
		wl_resource_post_error(res, plane != 0 ?
			ZWP_LINUX_BUFFER_PARAMS_V1_ERROR_PLANE_IDX :
			ZWP_LINUX_BUFFER_PARAMS_V1_ERROR_PLANE_SET,
			"one plane only, index 0 (got %u)", plane);
		return;
	}
	p->fd = fd;
	p->offset = offset;
	p->stride = stride;
	p->mod = (uint64_t)hi << 32 | lo;
}

/*
 * The import: a buffer made, or NULL with *@why set (the caller sends
 * `failed`).  Takes @p's fd on success.
 */
static struct dmabuf_buffer *import(struct params *p, int32_t w, int32_t h,
				    uint32_t format, const char **why)
{
	struct dmabuf_buffer *b;
	off_t size;
	void *map;

	if (matches(&comp.refuse, (uint32_t)w, (uint32_t)h)) {
		*why = "refuse-imports";
		return NULL;
	}
	if (p->fd < 0 || w <= 0 || h <= 0 ||
	    (format != DRM_FORMAT_XRGB8888 && format != DRM_FORMAT_ARGB8888) ||
	    p->mod != DRM_FORMAT_MOD_LINEAR || p->stride < (uint32_t)w * 4) {
		*why = "not a LINEAR XRGB8888/ARGB8888 buffer of one plane";
		return NULL;
	}
	size = lseek(p->fd, 0, SEEK_END);
	if (size < 0 || (uint64_t)p->offset + (uint64_t)p->stride * (uint32_t)h >
	    (uint64_t)size) {
		*why = "the dma-buf is smaller than offset + stride x height";
		return NULL;
	}
	map = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, p->fd, 0);
	if (map == MAP_FAILED) {
		*why = "mmap of the dma-buf failed";
		return NULL;
	}
	b = calloc(1, sizeof(*b));
	if (!b) {
		munmap(map, (size_t)size);
		*why = "out of memory";
		return NULL;
	}
	b->fd = p->fd;
	p->fd = -1;
	b->map = map;
	b->map_size = (size_t)size;
	b->offset = p->offset;
	b->stride = p->stride;
	b->w = (uint32_t)w;
	b->h = (uint32_t)h;
	b->format = format;
	return b;
}

static void params_create_common(struct wl_client *client,
				 struct wl_resource *res, uint32_t id,
				 int32_t w, int32_t h, uint32_t format,
				 uint32_t flags)
{
	struct params *p = wl_resource_get_user_data(res);
	struct dmabuf_buffer *b;
	const char *why = NULL;

	(void)flags;
	if (p->used) {
		wl_resource_post_error(res,
			ZWP_LINUX_BUFFER_PARAMS_V1_ERROR_ALREADY_USED,
			"params already used");
		return;
	}
	p->used = true;
	b = import(p, w, h, format, &why);
	if (!b) {
		comp.st.refused++;
		LOG("import of %dx%d refused: %s", w, h, why);
		if (id)
			wl_resource_post_error(res,
				ZWP_LINUX_BUFFER_PARAMS_V1_ERROR_INVALID_WL_BUFFER,
				"import refused: %s", why);
		else
			zwp_linux_buffer_params_v1_send_failed(res);
		return;
	}
	b->res = wl_resource_create(client, &wl_buffer_interface, 1, id);
	if (!b->res) {
		close(b->fd);
		munmap(b->map, b->map_size);
		free(b);
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(b->res, &dmabuf_buffer_impl, b,
				       dmabuf_buffer_free);
	comp.st.imports++;
	LOG("import of %dx%d: created", w, h);
	if (!id)
		zwp_linux_buffer_params_v1_send_created(res, b->res);
}

static void params_create(struct wl_client *client, struct wl_resource *res,
			  int32_t w, int32_t h, uint32_t format,
			  uint32_t flags)
{
	params_create_common(client, res, 0, w, h, format, flags);
}

static void params_create_immed(struct wl_client *client,
				struct wl_resource *res, uint32_t id,
				int32_t w, int32_t h, uint32_t format,
				uint32_t flags)
{
	params_create_common(client, res, id, w, h, format, flags);
}

static const struct zwp_linux_buffer_params_v1_interface params_impl = {
	.destroy = res_destroy,
	.add = params_add,
	.create = params_create,
	.create_immed = params_create_immed,
};

static void params_free(struct wl_resource *res)
{
	struct params *p = wl_resource_get_user_data(res);

	if (p->fd >= 0)
		close(p->fd);
	free(p);
}

static void dmabuf_create_params(struct wl_client *client,
				 struct wl_resource *res, uint32_t id)
{
	struct params *p = calloc(1, sizeof(*p));

	if (!p) {
		wl_client_post_no_memory(client);
		return;
	}
	p->fd = -1;
	p->res = wl_resource_create(client,
				    &zwp_linux_buffer_params_v1_interface,
				    wl_resource_get_version(res), id);
	if (!p->res) {
		free(p);
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(p->res, &params_impl, p, params_free);
}

static const struct zwp_linux_dmabuf_v1_interface dmabuf_impl = {
	.destroy = res_destroy,
	.create_params = dmabuf_create_params,
};

static void bind_dmabuf(struct wl_client *client, void *data,
			uint32_t version, uint32_t id)
{
	static const uint32_t formats[] = {
		DRM_FORMAT_XRGB8888, DRM_FORMAT_ARGB8888,
	};
	struct wl_resource *r = wl_resource_create(client,
		&zwp_linux_dmabuf_v1_interface, (int)version, id);

	(void)data;
	if (!r) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(r, &dmabuf_impl, NULL, NULL);
	for (unsigned int i = 0; i < 2; i++) {
		zwp_linux_dmabuf_v1_send_format(r, formats[i]);
		zwp_linux_dmabuf_v1_send_modifier(r, formats[i], 0, 0);
	}
}

/* ---- main ---- */

static int on_signal(int signo, void *data)
{
	struct surface *s;

	(void)data;
	if (signo == SIGUSR1) {
		wl_list_for_each(s, &comp.surfaces, link)
			dump(s, "SIGUSR1");
		return 0;
	}
	wl_display_terminate(comp.display);
	return 0;
}

static int parse_behaviour(const char *arg)
{
	struct behaviour *b;
	char name[32];
	const char *at = strchr(arg, '@'), *eq = strchr(arg, '=');
	size_t len = strcspn(arg, "=@");
	unsigned int n = 0, w = 0, h = 0;

	if (len >= sizeof(name))
		return -1;
	memcpy(name, arg, len);
	name[len] = 0;
	if (!strcmp(name, "never-release"))
		b = &comp.never_release;
	else if (!strcmp(name, "refuse-imports"))
		b = &comp.refuse;
	else if (!strcmp(name, "slow"))
		b = &comp.slow;
	else if (!strcmp(name, "disconnect-after"))
		b = &comp.disconnect;
	else
		return -1;
	if ((b == &comp.slow || b == &comp.disconnect) !=
	    (eq && (!at || eq < at)))
		return -1;
	if (eq && (sscanf(eq + 1, "%u", &n) != 1 || !n))
		return -1;
	if (at && (sscanf(at + 1, "%ux%u", &w, &h) != 2 || !w || !h))
		return -1;
	b->on = true;
	b->n = n;
	b->w = w;
	b->h = h;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: hostile-compositor --socket NAME [--out DIR] "
		"[--repaint MS] [BEHAVIOUR]...\n"
		"  behaviours: never-release[@WxH] refuse-imports[@WxH] "
		"slow=MS[@WxH]\n"
		"              disconnect-after=N[@WxH]\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "out", required_argument, NULL, 'o' },
		{ "repaint", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *socket = NULL;
	struct wl_event_source *sig[3];
	int opt;

	comp.repaint_ms = 16;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 's': socket = optarg; break;
		case 'o': comp.out_dir = optarg; break;
		case 'r': comp.repaint_ms = (unsigned int)atoi(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!socket) {
		usage(stderr);
		return 2;
	}
	for (int i = optind; i < argc; i++)
		if (parse_behaviour(argv[i])) {
			fprintf(stderr, "hostile-compositor: bad behaviour "
				"%s\n", argv[i]);
			usage(stderr);
			return 2;
		}
	wl_list_init(&comp.surfaces);
	comp.display = wl_display_create();
	if (!comp.display)
		return 1;
	comp.loop = wl_display_get_event_loop(comp.display);
	if (wl_display_add_socket(comp.display, socket)) {
		LOG("cannot listen on %s (XDG_RUNTIME_DIR set?): %s", socket,
		    strerror(errno));
		return 1;
	}
	if (wl_display_init_shm(comp.display) ||
	    !wl_global_create(comp.display, &wl_compositor_interface, 4, NULL,
			      bind_compositor) ||
	    !wl_global_create(comp.display, &xdg_wm_base_interface, 1, NULL,
			      bind_wm) ||
	    !wl_global_create(comp.display, &zwp_linux_dmabuf_v1_interface, 3,
			      NULL, bind_dmabuf)) {
		LOG("cannot create the globals");
		return 1;
	}
	comp.disconnect_timer = wl_event_loop_add_timer(comp.loop,
							disconnect_now, NULL);
	if (!comp.disconnect_timer ||
	    wl_event_source_timer_update(comp.disconnect_timer, 0)) {
		LOG("cannot create a timer");
		return 1;
	}
	sig[0] = wl_event_loop_add_signal(comp.loop, SIGTERM, on_signal, NULL);
	sig[1] = wl_event_loop_add_signal(comp.loop, SIGINT, on_signal, NULL);
	sig[2] = wl_event_loop_add_signal(comp.loop, SIGUSR1, on_signal, NULL);
	LOG("listening on %s; never-release %s, refuse-imports %s, slow %s, "
	    "disconnect-after %s", socket,
	    comp.never_release.on ? "on" : "off", comp.refuse.on ? "on" : "off",
	    comp.slow.on ? "on" : "off", comp.disconnect.on ? "on" : "off");
	wl_display_run(comp.display);
	{
		struct surface *s;

		wl_list_for_each(s, &comp.surfaces, link)
			dump(s, "exit");
	}
	LOG("exit: imports %lu, refused %lu; buffers released %lu, withheld "
	    "%lu", comp.st.imports, comp.st.refused, comp.st.released,
	    comp.st.withheld);
	wl_display_destroy_clients(comp.display);
	for (int i = 0; i < 3; i++)
		if (sig[i])
			wl_event_source_remove(sig[i]);
	wl_event_source_remove(comp.disconnect_timer);
	wl_display_destroy(comp.display);
	return 0;
}
