// SPDX-License-Identifier: MIT
/*
 * hostile-compositor: a small real Wayland compositor (libwayland-server)
 * for the wayland sink's tests, with no output: just enough for
 * gntbuf-displback --sink wayland.  Globals: wl_compositor 4, wl_shm
 * (libwayland's own), xdg_wm_base 1 and zwp_linux_dmabuf_v1 3 (XRGB8888
 * and ARGB8888, LINEAR only, as `modifier` events; with --dmabuf-v4,
 * version 4 and its default feedback instead); with explicit-sync-after,
 * zwp_linux_explicit_synchronization_v1.  No wp_presentation: clients get
 * frame callbacks.
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
 *   hold-fence[=MS][@WxH]   a read fence on their dma-buf when released,
 *                           signalled MS ms later, --fence-ms (100) without
 *                           =MS (hostile-fence.c); up to 4, of other sizes,
 *                           the first that matches holds
 *   explicit-sync-after=N[@WxH]  zwp_linux_explicit_synchronization_v1
 *                           offered from the Nth commit of such a buffer on;
 *                           fenced_release, signalled --fence-ms later
 *
 *   hostile-compositor --socket NAME [--out DIR] [--repaint MS]
 *                      [--fence-ms MS] [--dmabuf-v4] [BEHAVIOUR]...
 *
 * Runs until SIGTERM or SIGINT; logs on stderr, a line per surface at
 * exit: commits, frames read through a dma-buf and through wl_shm,
 * buffers released and withheld.
 *
 * This file: main, the behaviours, wl_compositor and wl_surface, repaint
 * and the pictures; xdg-shell is in hostile-xdg.c, linux-dmabuf in
 * hostile-dmabuf.c, what they share in hostile-compositor.h.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <drm_fourcc.h>
#include <linux/dma-buf.h>

#include "linux-dmabuf-unstable-v1-server-protocol.h"
#include "xdg-shell-server-protocol.h"

#include "../png-write.h"
#include "hostile-compositor.h"

struct comp comp;

/* ---- buffers ---- */

static void bref_destroyed(struct wl_listener *l, void *data)
{
	struct bref *b = wl_container_of(l, b, destroy);

	(void)data;
	b->res = NULL;
	wl_list_remove(&b->destroy.link);
}

void bref_set(struct bref *b, struct wl_resource *res)
{
	if (b->res)
		wl_list_remove(&b->destroy.link);
	b->res = res;
	if (res) {
		b->destroy.notify = bref_destroyed;
		wl_resource_add_destroy_listener(res, &b->destroy);
	}
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

bool matches(const struct behaviour *b, uint32_t w, uint32_t h)
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
	for (unsigned int i = 0; i < s->n_rel_fire; i++) {
		struct wl_resource *r = s->rel_fire[i].res;

		bref_set(&s->rel_fire[i], NULL);
		if (r)
			fence_send_release(r, s->rel_fire_ino[i]);
	}
	s->n_rel_fire = 0;
	for (unsigned int i = 0; i < s->n_release; i++) {
		if (s->release[i].res) {
			fence_before_release(s, s->release[i].res);
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

static void callback_unlink(struct wl_resource *res)
{
	wl_list_remove(wl_resource_get_link(res));
}

static void surf_frame(struct wl_client *client, struct wl_resource *res,
		       uint32_t id)
{
	struct surface *s = wl_resource_get_user_data(res);
	struct wl_resource *cb = res_new(client, &wl_callback_interface, 1, id,
					 NULL, NULL, callback_unlink);

	if (cb)
		wl_list_insert(s->frames_pending.prev,
			       wl_resource_get_link(cb));
}

static void surf_commit(struct wl_client *client, struct wl_resource *res)
{
	struct surface *s = wl_resource_get_user_data(res);

	s->commits++;
	if (s->attach_pending) {
		struct wl_resource *new = s->pending.res, *old = s->current.res;

		s->attach_pending = false;
		bref_set(&s->pending, NULL);
		if (new && new != old)
			fence_check_attach(new);
		if (old && old != new) {
			if (buffer_matches(&comp.never_release, old)) {
				s->withheld++;
				comp.st.withheld++;
			} else if (s->n_release < MAX_RELEASE) {
				bref_set(&s->release[s->n_release++], old);
				if (s->rel_cur.res &&
				    s->n_rel_fire < MAX_RELEASE) {
					s->rel_fire_ino[s->n_rel_fire] =
						s->rel_cur_ino;
					bref_set(&s->rel_fire[s->n_rel_fire++],
						 s->rel_cur.res);
				}
			}
		} else if (old && s->rel_cur.res && s->rel_pending.res) {
			/* The same buffer again: its last commit's release
			 * now, this one's when it is replaced. */
			struct wl_resource *r = s->rel_cur.res;

			bref_set(&s->rel_cur, NULL);
			fence_send_release(r, s->rel_cur_ino);
		}
		bref_set(&s->rel_cur, s->rel_pending.res);
		s->rel_cur_ino = new && dmabuf_of(new) ?
				 dmabuf_of(new)->ino : 0;
		bref_set(&s->rel_pending, NULL);
		bref_set(&s->current, new);
		if (new) {
			int ret = read_buffer(s, new);

			if (ret)
				LOG("\"%s\": unreadable buffer: %s", s->title,
				    strerror(-ret));
			if (buffer_matches(&comp.explicit_after, new) &&
			    ++comp.explicit_commits == comp.explicit_after.n)
				fence_offer_explicit();
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
	if (!wl_list_empty(&s->frames) || s->n_release || s->n_rel_fire)
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
	.damage = req_ignore_rect,
	.frame = surf_frame,
	.set_opaque_region = req_ignore_res,
	.set_input_region = req_ignore_res,
	.commit = surf_commit,
	.set_buffer_transform = surf_int,
	.set_buffer_scale = surf_int,
	.damage_buffer = req_ignore_rect,
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
	if (s->sync)
		wl_resource_set_user_data(s->sync, NULL);
	bref_set(&s->pending, NULL);
	bref_set(&s->current, NULL);
	bref_set(&s->rel_pending, NULL);
	bref_set(&s->rel_cur, NULL);
	for (unsigned int i = 0; i < s->n_release; i++)
		bref_set(&s->release[i], NULL);
	for (unsigned int i = 0; i < s->n_rel_fire; i++)
		bref_set(&s->rel_fire[i], NULL);
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
	.add = req_ignore_rect,
	.subtract = req_ignore_rect,
};

static void comp_create_surface(struct wl_client *client,
				struct wl_resource *res, uint32_t id)
{
	struct surface *s = calloc(1, sizeof(*s));

	if (!s) {
		wl_client_post_no_memory(client);
		return;
	}
	s->timer = wl_event_loop_add_timer(comp.loop, repaint, s);
	if (!s->timer) {
		free(s);
		wl_client_post_no_memory(client);
		return;
	}
	wl_list_init(&s->frames);
	wl_list_init(&s->frames_pending);
	s->res = res_new(client, &wl_surface_interface,
			 wl_resource_get_version(res), id, &surface_impl, s,
			 surface_free);
	if (!s->res) {
		wl_event_source_remove(s->timer);
		free(s);
		return;
	}
	wl_list_insert(&comp.surfaces, &s->link);
}

static void comp_create_region(struct wl_client *client,
			       struct wl_resource *res, uint32_t id)
{
	(void)res;
	res_new(client, &wl_region_interface, 1, id, &region_impl, NULL, NULL);
}

static const struct wl_compositor_interface compositor_impl = {
	.create_surface = comp_create_surface,
	.create_region = comp_create_region,
};

static void bind_compositor(struct wl_client *client, void *data,
			    uint32_t version, uint32_t id)
{
	pid_t pid;
	uid_t uid;
	gid_t gid;

	(void)data;
	if (!res_new(client, &wl_compositor_interface, (int)version, id,
		     &compositor_impl, NULL, NULL))
		return;
	/*
	 * Who the client is, from the socket (SO_PEERCRED): the test checks
	 * that a backend run with --user connects as that user.
	 */
	wl_client_get_credentials(client, &pid, &uid, &gid);
	LOG("client pid %d uid %u gid %u, wl_compositor bound", (int)pid,
	    (unsigned int)uid, (unsigned int)gid);
}

struct wl_resource *res_new(struct wl_client *client,
			    const struct wl_interface *iface, int version,
			    uint32_t id, const void *impl, void *data,
			    wl_resource_destroy_func_t destroy)
{
	struct wl_resource *r = wl_resource_create(client, iface, version, id);

	if (!r) {
		wl_client_post_no_memory(client);
		return NULL;
	}
	wl_resource_set_implementation(r, impl, data, destroy);
	return r;
}

/* Shared by every interface here with a `destroy` request. */
void res_destroy(struct wl_client *client, struct wl_resource *res)
{
	(void)client;
	wl_resource_destroy(res);
}

void req_ignore_rect(struct wl_client *client, struct wl_resource *res,
		     int32_t x, int32_t y, int32_t w, int32_t h)
{
	(void)client;
	(void)res;
	(void)x;
	(void)y;
	(void)w;
	(void)h;
}

void req_ignore_res(struct wl_client *client, struct wl_resource *res,
		    struct wl_resource *other)
{
	(void)client;
	(void)res;
	(void)other;
}

/* The surface outlives its roles' resources only with them cleared. */
void surface_role_free(struct wl_resource *res)
{
	struct surface *s = wl_resource_get_user_data(res);

	if (!s)
		return;
	if (s->xdg == res)
		s->xdg = NULL;
	if (s->toplevel == res)
		s->toplevel = NULL;
	if (s->sync == res)
		s->sync = NULL;
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

/* The first free hold-fence behaviour, NULL when all are taken. */
static struct behaviour *hold_fence_slot(void)
{
	for (int i = 0; i < MAX_HOLD_FENCE; i++)
		if (!comp.hold_fence[i].on)
			return &comp.hold_fence[i];
	return NULL;
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
	else if (!strcmp(name, "hold-fence"))
		b = hold_fence_slot();
	else if (!strcmp(name, "explicit-sync-after"))
		b = &comp.explicit_after;
	else
		return -1;
	if (!b)
		return -1;
	/* =N: required by these, optional for hold-fence, else refused. */
	if (eq && at && at < eq)
		return -1;
	if (!eq && (b == &comp.slow || b == &comp.disconnect ||
		    b == &comp.explicit_after))
		return -1;
	if (eq && (b == &comp.never_release || b == &comp.refuse))
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
		"[--repaint MS] [--fence-ms MS] [--dmabuf-v4] [BEHAVIOUR]...\n"
		"  behaviours: never-release[@WxH] refuse-imports[@WxH] "
		"slow=MS[@WxH]\n"
		"              disconnect-after=N[@WxH] hold-fence[=MS][@WxH]\n"
		"              explicit-sync-after=N[@WxH]\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "out", required_argument, NULL, 'o' },
		{ "repaint", required_argument, NULL, 'r' },
		{ "fence-ms", required_argument, NULL, 'f' },
		{ "dmabuf-v4", no_argument, NULL, '4' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *socket = NULL;
	struct wl_event_source *sig[3];
	int opt;

	comp.repaint_ms = 16;
	comp.fence_ms = 100;
	comp.vgem_fd = -1;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 's': socket = optarg; break;
		case 'o': comp.out_dir = optarg; break;
		case 'r': comp.repaint_ms = (unsigned int)atoi(optarg); break;
		case 'f': comp.fence_ms = (unsigned int)atoi(optarg); break;
		case '4': comp.dmabuf_v4 = true; break;
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
	if ((comp.hold_fence[0].on || comp.explicit_after.on ||
	     comp.dmabuf_v4) &&
	    fence_open_vgem())
		return 1;
	wl_list_init(&comp.surfaces);
	wl_list_init(&comp.fences);
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
	    !wl_global_create(comp.display, &zwp_linux_dmabuf_v1_interface,
			      comp.dmabuf_v4 ? 4 : 3, NULL, bind_dmabuf)) {
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
	    "disconnect-after %s, hold-fence %s, explicit-sync-after %s, "
	    "zwp_linux_dmabuf_v1 version %d", socket,
	    comp.never_release.on ? "on" : "off", comp.refuse.on ? "on" : "off",
	    comp.slow.on ? "on" : "off", comp.disconnect.on ? "on" : "off",
	    comp.hold_fence[0].on ? "on" : "off",
	    comp.explicit_after.on ? "on" : "off", comp.dmabuf_v4 ? 4 : 3);
	wl_display_run(comp.display);
	{
		struct surface *s;

		wl_list_for_each(s, &comp.surfaces, link)
			dump(s, "exit");
	}
	LOG("exit: imports %lu, refused %lu; buffers released %lu, withheld "
	    "%lu; fences implicit %lu, explicit %lu, attached again before "
	    "their signal %lu", comp.st.imports, comp.st.refused,
	    comp.st.released, comp.st.withheld, comp.st.fences_implicit,
	    comp.st.fences_explicit, comp.st.fences_early);
	wl_display_destroy_clients(comp.display);
	for (int i = 0; i < 3; i++)
		if (sig[i])
			wl_event_source_remove(sig[i]);
	wl_event_source_remove(comp.disconnect_timer);
	wl_display_destroy(comp.display);
	if (comp.vgem_fd >= 0)
		close(comp.vgem_fd);
	return 0;
}
