// SPDX-License-Identifier: MIT
/*
 * The wayland sink's connection to the compositor: its globals, which
 * formats it imports as LINEAR dma-bufs (zwp_linux_dmabuf_v1 v4's default
 * feedback where offered, as weston's clients/simple-dmabuf-feedback.c
 * reads it; v3's modifier events otherwise, as simple-dmabuf-egl.c), the
 * buffers (an asynchronous dma-buf import per framebuffer, or a wl_shm
 * copy when the compositor refuses it), and a loop that never blocks on
 * the compositor (wl_display_prepare_read / read_events /
 * dispatch_pending, as wlroots' examples do).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <drm_fourcc.h>

#include "sink-wayland.h"

/* ---- formats ---- */

static bool in_list(const uint32_t *list, unsigned int n, uint32_t fourcc)
{
	for (unsigned int i = 0; i < n; i++)
		if (list[i] == fourcc)
			return true;
	return false;
}

/* A (format, modifier) pair the compositor offers: LINEAR, or implicit. */
static void add_format(struct wlsink *w, uint32_t fourcc, uint64_t mod)
{
	if (mod == DRM_FORMAT_MOD_LINEAR &&
	    !in_list(w->linear, w->n_linear, fourcc) &&
	    w->n_linear < WLSINK_MAX_FORMATS)
		w->linear[w->n_linear++] = fourcc;
	if (mod == DRM_FORMAT_MOD_INVALID &&
	    !in_list(w->implicit, w->n_implicit, fourcc) &&
	    w->n_implicit < WLSINK_MAX_FORMATS)
		w->implicit[w->n_implicit++] = fourcc;
}

/*
 * The modifier to import @fourcc with: LINEAR where offered; where the
 * compositor offers only the implicit modifier, that (the buffer's pages
 * are linear, and so is an implicit layout of a linear-only driver).
 * False: neither, the copy path.
 */
static bool import_modifier(const struct wlsink *w, uint32_t fourcc,
			    uint64_t *mod)
{
	if (in_list(w->linear, w->n_linear, fourcc)) {
		*mod = DRM_FORMAT_MOD_LINEAR;
		return true;
	}
	if (in_list(w->implicit, w->n_implicit, fourcc)) {
		*mod = DRM_FORMAT_MOD_INVALID;
		return true;
	}
	return false;
}

/* wl_shm's codes: ARGB8888 and XRGB8888 are 0 and 1, the rest fourccs. */
static uint32_t shm_code(uint32_t fourcc)
{
	if (fourcc == DRM_FORMAT_ARGB8888)
		return WL_SHM_FORMAT_ARGB8888;
	if (fourcc == DRM_FORMAT_XRGB8888)
		return WL_SHM_FORMAT_XRGB8888;
	return fourcc;
}

static bool has_shm(const struct wlsink *w, uint32_t fourcc)
{
	for (unsigned int i = 0; i < w->n_shm; i++)
		if (w->shm_formats[i] == shm_code(fourcc))
			return true;
	return false;
}

static void shm_format(void *data, struct wl_shm *shm, uint32_t format)
{
	struct wlsink *w = data;

	(void)shm;
	if (w->n_shm < WLSINK_MAX_FORMATS)
		w->shm_formats[w->n_shm++] = format;
}

static const struct wl_shm_listener shm_listener = {
	.format = shm_format,
};

/* v3: modifier events; format events are deprecated and carry none. */
static void dmabuf_format(void *data, struct zwp_linux_dmabuf_v1 *d,
			  uint32_t format)
{
	(void)data;
	(void)d;
	(void)format;
}

static void dmabuf_modifier(void *data, struct zwp_linux_dmabuf_v1 *d,
			    uint32_t format, uint32_t hi, uint32_t lo)
{
	(void)d;
	add_format(data, format, (uint64_t)hi << 32 | lo);
}

static const struct zwp_linux_dmabuf_v1_listener dmabuf_listener = {
	.format = dmabuf_format,
	.modifier = dmabuf_modifier,
};

/* v4: the default feedback.  Table entries: u32 format, u32 pad, u64 mod. */
static void fb_format_table(void *data,
			    struct zwp_linux_dmabuf_feedback_v1 *fb,
			    int32_t fd, uint32_t size)
{
	struct wlsink *w = data;
	void *map;

	(void)fb;
	if (w->fmt_table)
		munmap((void *)w->fmt_table, w->fmt_table_size);
	w->fmt_table = NULL;
	map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		LOGW(NULL, -1, "wayland: dma-buf feedback: cannot map the "
		     "format table (%u bytes): %s", size, strerror(errno));
		return;
	}
	w->fmt_table = map;
	w->fmt_table_size = size;
}

static void fb_main_device(void *data,
			   struct zwp_linux_dmabuf_feedback_v1 *fb,
			   struct wl_array *dev)
{
	struct wlsink *w = data;
	dev_t d;

	(void)fb;
	if (dev->size != sizeof(d))
		return;
	memcpy(&d, dev->data, sizeof(d));
	w->main_device = d;
	w->have_main_device = true;
}

static void fb_tranche_target_device(void *data,
				     struct zwp_linux_dmabuf_feedback_v1 *fb,
				     struct wl_array *dev)
{
	(void)data;
	(void)fb;
	(void)dev;
}

static void fb_tranche_formats(void *data,
			       struct zwp_linux_dmabuf_feedback_v1 *fb,
			       struct wl_array *idx)
{
	struct wlsink *w = data;
	const uint16_t *i;

	(void)fb;
	if (!w->fmt_table)
		return;
	wl_array_for_each(i, idx) {
		const uint8_t *e = w->fmt_table + (size_t)*i * 16;
		uint32_t fourcc;
		uint64_t mod;

		if ((size_t)*i * 16 + 16 > w->fmt_table_size)
			continue;
		memcpy(&fourcc, e, 4);
		memcpy(&mod, e + 8, 8);
		add_format(w, fourcc, mod);
	}
}

static void fb_tranche_flags(void *data,
			     struct zwp_linux_dmabuf_feedback_v1 *fb,
			     uint32_t flags)
{
	(void)data;
	(void)fb;
	(void)flags;
}

static void fb_tranche_done(void *data,
			    struct zwp_linux_dmabuf_feedback_v1 *fb)
{
	(void)data;
	(void)fb;
}

static void fb_done(void *data, struct zwp_linux_dmabuf_feedback_v1 *fb)
{
	struct wlsink *w = data;

	(void)fb;
	w->feedback_done = true;
}

static const struct zwp_linux_dmabuf_feedback_v1_listener feedback_listener = {
	.done = fb_done,
	.format_table = fb_format_table,
	.main_device = fb_main_device,
	.tranche_done = fb_tranche_done,
	.tranche_target_device = fb_tranche_target_device,
	.tranche_formats = fb_tranche_formats,
	.tranche_flags = fb_tranche_flags,
};

/* ---- globals ---- */

static void wm_ping(void *data, struct xdg_wm_base *wm, uint32_t serial)
{
	(void)data;
	xdg_wm_base_pong(wm, serial);
}

static const struct xdg_wm_base_listener wm_listener = {
	.ping = wm_ping,
};

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static void reg_global(void *data, struct wl_registry *r, uint32_t name,
		       const char *iface, uint32_t version)
{
	struct wlsink *w = data;

	if (!strcmp(iface, wl_compositor_interface.name) && version >= 4) {
		/* 4: damage_buffer */
		w->compositor = wl_registry_bind(r, name,
						 &wl_compositor_interface, 4);
	} else if (!strcmp(iface, xdg_wm_base_interface.name)) {
		w->wm_base = wl_registry_bind(r, name, &xdg_wm_base_interface,
					      1);
		xdg_wm_base_add_listener(w->wm_base, &wm_listener, w);
	} else if (!strcmp(iface, wl_shm_interface.name)) {
		w->shm = wl_registry_bind(r, name, &wl_shm_interface, 1);
		wl_shm_add_listener(w->shm, &shm_listener, w);
	} else if (!strcmp(iface, zwp_linux_dmabuf_v1_interface.name) &&
		   version >= 3) {
		w->dmabuf_version = min_u32(version, 4);
		w->dmabuf = wl_registry_bind(r, name,
					     &zwp_linux_dmabuf_v1_interface,
					     w->dmabuf_version);
		if (w->dmabuf_version >= 4) {
			w->feedback = zwp_linux_dmabuf_v1_get_default_feedback(
				w->dmabuf);
			zwp_linux_dmabuf_feedback_v1_add_listener(
				w->feedback, &feedback_listener, w);
		} else {
			zwp_linux_dmabuf_v1_add_listener(w->dmabuf,
							 &dmabuf_listener, w);
		}
	} else if (!strcmp(iface, wp_viewporter_interface.name)) {
		w->viewporter = wl_registry_bind(r, name,
						 &wp_viewporter_interface, 1);
	} else if (!strcmp(iface,
			   zwp_linux_explicit_synchronization_v1_interface.name) &&
		   !w->explicit_sync) {
		/* May come later than the others: used from then on. */
		w->explicit_sync = wl_registry_bind(r, name,
			&zwp_linux_explicit_synchronization_v1_interface, 1);
		if (w->display_up)
			LOGI(NULL, -1, "wayland: the compositor now offers "
			     "zwp_linux_explicit_synchronization_v1: used "
			     "from the next commit of each dma-buf");
	} else if (!strcmp(iface, wp_presentation_interface.name)) {
		w->presentation = wl_registry_bind(r, name,
						   &wp_presentation_interface,
						   1);
	}
}

static void reg_global_remove(void *data, struct wl_registry *r,
			      uint32_t name)
{
	(void)data;
	(void)r;
	(void)name;
}

static const struct wl_registry_listener registry_listener = {
	.global = reg_global,
	.global_remove = reg_global_remove,
};

static void fourcc_str(uint32_t f, char out[5])
{
	for (int i = 0; i < 4; i++) {
		char ch = (char)((f >> (8 * i)) & 0xff);

		out[i] = ch >= ' ' && ch <= '~' ? ch : '?';
	}
	out[4] = 0;
}

static void format_list(const uint32_t *f, unsigned int n, char *out)
{
	out[0] = 0;
	for (unsigned int i = 0; i < n; i++) {
		fourcc_str(f[i], out + 5 * i);
		out[5 * i + 4] = i + 1 < n ? ' ' : 0;
	}
}

int wlsink_connect(struct wlsink *w)
{
	const char *name = w->s->b->opt.wl_display;
	struct epoll_event ev = { .events = EPOLLIN };
	char list[WLSINK_MAX_FORMATS * 5 + 1] = "";
	char ilist[WLSINK_MAX_FORMATS * 5 + 1] = "";
	int ret;

	w->display = wl_display_connect(name);
	if (!w->display) {
		ret = errno ? -errno : -ECONNREFUSED;
		LOGE(NULL, -1, "wayland: cannot connect to %s: %s (set "
		     "XDG_RUNTIME_DIR and WAYLAND_DISPLAY, or --wayland-display)",
		     name ? name : getenv("WAYLAND_DISPLAY") ?
		     getenv("WAYLAND_DISPLAY") : "wayland-0", strerror(-ret));
		return ret;
	}
	w->registry = wl_display_get_registry(w->display);
	wl_registry_add_listener(w->registry, &registry_listener, w);
	/* Globals, then what the bound ones send (formats, feedback). */
	if (wl_display_roundtrip(w->display) < 0 ||
	    wl_display_roundtrip(w->display) < 0) {
		LOGE(NULL, -1, "wayland: the compositor did not answer");
		return -EPROTO;
	}
	if (!w->compositor || !w->wm_base || !w->shm) {
		LOGE(NULL, -1, "wayland: the compositor lacks %s",
		     !w->compositor ? "wl_compositor version 4" :
		     !w->wm_base ? "xdg_wm_base" : "wl_shm");
		return -EPROTONOSUPPORT;
	}
	format_list(w->linear, w->n_linear, list);
	format_list(w->implicit, w->n_implicit, ilist);
	if (!w->dmabuf)
		LOGW(NULL, -1, "wayland: no zwp_linux_dmabuf_v1 (version 3 or "
		     "later): every frame is copied through wl_shm");
	else
		LOGI(NULL, -1, "wayland: zwp_linux_dmabuf_v1 version %u%s; "
		     "LINEAR imports of: %s; implicit modifier only: %s",
		     w->dmabuf_version, w->dmabuf_version >= 4 ?
		     " (default feedback)" : " (modifier events)",
		     w->n_linear ? list : "none",
		     w->n_implicit ? ilist : "none");
	if (w->have_main_device)
		LOGI(NULL, -1, "wayland: the compositor's main device %u:%u",
		     major(w->main_device), minor(w->main_device));
	LOGI(NULL, -1, "wayland: explicit sync %s",
	     w->explicit_sync ? "yes (zwp_linux_explicit_synchronization_v1: "
	     "fenced_release fences waited for)" : "no (implicit: the "
	     "dma-buf's read fences waited for after wl_buffer.release)");
	LOGI(NULL, -1, "wayland: wp_viewporter %s, wp_presentation %s",
	     w->viewporter ? "yes" : "no", w->presentation ? "yes" :
	     "no (frame callbacks)");
	w->display_up = true;

	w->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC |
				    TFD_NONBLOCK);
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (w->timerfd < 0 || w->epfd < 0)
		return -errno;
	ev.data.fd = wl_display_get_fd(w->display);
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, ev.data.fd, &ev))
		return -errno;
	ev.data.fd = w->timerfd;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, ev.data.fd, &ev))
		return -errno;
	return 0;
}

void wlsink_disconnect(struct wlsink *w)
{
	if (w->fmt_table)
		munmap((void *)w->fmt_table, w->fmt_table_size);
	w->fmt_table = NULL;
	if (w->feedback)
		zwp_linux_dmabuf_feedback_v1_destroy(w->feedback);
	if (w->dmabuf)
		zwp_linux_dmabuf_v1_destroy(w->dmabuf);
	if (w->viewporter)
		wp_viewporter_destroy(w->viewporter);
	if (w->presentation)
		wp_presentation_destroy(w->presentation);
	if (w->explicit_sync)
		zwp_linux_explicit_synchronization_v1_destroy(w->explicit_sync);
	if (w->wm_base)
		xdg_wm_base_destroy(w->wm_base);
	if (w->shm)
		wl_shm_destroy(w->shm);
	if (w->compositor)
		wl_compositor_destroy(w->compositor);
	if (w->registry)
		wl_registry_destroy(w->registry);
	if (w->display) {
		if (!w->dead)
			wl_display_flush(w->display);
		wl_display_disconnect(w->display);
	}
	w->display = NULL;
	if (w->epfd >= 0)
		close(w->epfd);
	if (w->timerfd >= 0)
		close(w->timerfd);
	w->epfd = w->timerfd = -1;
}

void wlsink_go_dead(struct wlsink *w, const char *what)
{
	int err;

	if (w->dead)
		return;
	w->dead = true;
	err = wl_display_get_error(w->display);
	LOGE(NULL, -1, "wayland: %s: %s; the connectors' frames are dropped "
	     "from now on, their flips answered", what,
	     strerror(err ? err : EPIPE));
	epoll_ctl(w->epfd, EPOLL_CTL_DEL, wl_display_get_fd(w->display), NULL);
	wlsink_conns_dead(w);
}

void wlsink_flush(struct wlsink *w)
{
	if (w->dead || !w->display)
		return;
	if (wl_display_flush(w->display) < 0 && errno != EAGAIN)
		wlsink_go_dead(w, "sending to the compositor");
}

void wlsink_read(struct wlsink *w)
{
	struct pollfd pfd;

	if (w->dead)
		return;
	while (wl_display_prepare_read(w->display) != 0)
		if (wl_display_dispatch_pending(w->display) < 0)
			goto dead;
	pfd.fd = wl_display_get_fd(w->display);
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 0) == 1) {
		if (wl_display_read_events(w->display) < 0)
			goto dead;
	} else {
		wl_display_cancel_read(w->display);
	}
	if (wl_display_dispatch_pending(w->display) < 0)
		goto dead;
	wlsink_flush(w);
	return;
dead:
	wlsink_go_dead(w, "the compositor connection");
}

void wlsink_arm_timer(struct wlsink *w)
{
	struct itimerspec its = { 0 };
	uint64_t first = 0;

	for (struct wl_conn *wc = w->conns; wc; wc = wc->next)
		if ((wc->flip_active || (wc->want && wc->want_flip)) &&
		    (!first || wc->flip_deadline_ns < first))
			first = wc->flip_deadline_ns;
	if (first) {
		its.it_value.tv_sec = (time_t)(first / 1000000000u);
		its.it_value.tv_nsec = (long)(first % 1000000000u);
	}
	timerfd_settime(w->timerfd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* ---- buffers ---- */

static void buffer_release(void *data, struct wl_buffer *buffer)
{
	(void)buffer;
	wlsink_fence_released(data);
}

static const struct wl_buffer_listener buffer_listener = {
	.release = buffer_release,
};

/* The copy path: a wl_shm buffer of the frame's size. */
static int fb_make_shm(struct wl_fb *f)
{
	struct wlsink *w = f->w;
	const struct fb_geom *g = &f->geom;
	struct wl_shm_pool *pool;
	int fd, ret = 0;

	if (!has_shm(w, g->fmt->fourcc)) {
		LOGE(NULL, -1, "wayland: fb %#" PRIx64 ": the compositor takes "
		     "%s neither as a LINEAR dma-buf nor through wl_shm",
		     f->cookie, g->fmt->name);
		return -EOPNOTSUPP;
	}
	f->shm_stride = g->width * g->fmt->cpp;
	f->shm_size = (size_t)f->shm_stride * g->height;
	fd = memfd_create("gntbuf-displback-shm", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)f->shm_size)) {
		ret = -errno;
		goto out;
	}
	f->shm_map = mmap(NULL, f->shm_size, PROT_READ | PROT_WRITE,
			  MAP_SHARED, fd, 0);
	if (f->shm_map == MAP_FAILED) {
		f->shm_map = NULL;
		ret = -errno;
		goto out;
	}
	pool = wl_shm_create_pool(w->shm, fd, (int32_t)f->shm_size);
	f->buffer = wl_shm_pool_create_buffer(pool, 0, (int32_t)g->width,
					      (int32_t)g->height,
					      (int32_t)f->shm_stride,
					      shm_code(g->fmt->fourcc));
	wl_shm_pool_destroy(pool);
	wl_buffer_add_listener(f->buffer, &buffer_listener, f);
	f->kind = WLFB_SHM;
	w->st.shm_buffers++;
out:
	close(fd);
	return ret;
}

static void params_created(void *data,
			   struct zwp_linux_buffer_params_v1 *params,
			   struct wl_buffer *buffer)
{
	struct wl_fb *f = data;

	zwp_linux_buffer_params_v1_destroy(params);
	f->params = NULL;
	f->buffer = buffer;
	wl_buffer_add_listener(buffer, &buffer_listener, f);
	f->kind = WLFB_DMABUF;
	f->w->st.imports++;
	LOGI(NULL, -1, "wayland: dom%u fb %#" PRIx64 " imported as a dma-buf "
	     "(%ux%u %s, %s modifier)", f->domid, f->cookie, f->geom.width,
	     f->geom.height, f->geom.fmt->name,
	     in_list(f->w->linear, f->w->n_linear, f->geom.fmt->fourcc) ?
	     "LINEAR" : "implicit");
	wlsink_fb_ready(f);
}

static void params_failed(void *data,
			  struct zwp_linux_buffer_params_v1 *params)
{
	struct wl_fb *f = data;
	int ret;

	zwp_linux_buffer_params_v1_destroy(params);
	f->params = NULL;
	f->w->st.refused++;
	LOGW(NULL, -1, "wayland: dom%u fb %#" PRIx64 ": the compositor refused "
	     "the dma-buf import: copying through wl_shm instead", f->domid,
	     f->cookie);
	ret = fb_make_shm(f);
	if (ret) {
		LOGE(NULL, -1, "wayland: fb %#" PRIx64 ": wl_shm buffer: %s",
		     f->cookie, strerror(-ret));
		f->kind = WLFB_NONE;
	}
	wlsink_fb_ready(f);
}

static const struct zwp_linux_buffer_params_v1_listener params_listener = {
	.created = params_created,
	.failed = params_failed,
};

int wlsink_fb_create(struct wlsink *w, const struct sink_fb_desc *desc,
		     struct wl_fb **out)
{
	struct wl_fb *f = calloc(1, sizeof(*f));
	const struct fb_geom *g = desc->geom;
	uint64_t mod = DRM_FORMAT_MOD_LINEAR;
	struct stat st;
	bool importable;
	int ret = 0;

	if (!f)
		return -ENOMEM;
	f->w = w;
	f->domid = desc->domid;
	f->cookie = desc->cookie;
	f->geom = *g;
	f->mem = desc->mem;
	f->kind = WLFB_NONE;
	f->fence_fd = -1;
	if (desc->mem->fd >= 0 && !fstat(desc->mem->fd, &st))
		f->ino = (uint64_t)st.st_ino;
	if (w->dead)
		goto done;
	importable = import_modifier(w, g->fmt->fourcc, &mod);
	if (w->dmabuf && desc->mem->fd >= 0 && importable) {
		/* Asynchronous create: a refusal is the failed event, never a
		 * protocol error (create_immed's would end the connection). */
		f->params = zwp_linux_dmabuf_v1_create_params(w->dmabuf);
		zwp_linux_buffer_params_v1_add_listener(f->params,
							&params_listener, f);
		zwp_linux_buffer_params_v1_add(f->params, desc->mem->fd, 0,
					       g->offset, g->pitch,
					       (uint32_t)(mod >> 32),
					       (uint32_t)mod);
		zwp_linux_buffer_params_v1_create(f->params,
						  (int32_t)g->width,
						  (int32_t)g->height,
						  g->fmt->fourcc, 0);
		f->kind = WLFB_PENDING;
		wlsink_flush(w);
	} else {
		LOGW(NULL, -1, "wayland: dom%u fb %#" PRIx64 ": %s: copying "
		     "through wl_shm", desc->domid, desc->cookie,
		     !w->dmabuf ? "no zwp_linux_dmabuf_v1" :
		     desc->mem->fd < 0 ? "the provider has no dma-buf" :
		     "the compositor offers no LINEAR (or implicit) import "
		     "of the format");
		ret = fb_make_shm(f);
		if (ret) {
			free(f);
			return ret;
		}
		wlsink_flush(w);
	}
done:
	f->next = w->fbs;
	w->fbs = f;
	*out = f;
	return 0;
}

void wlsink_fb_destroy(struct wl_fb *f)
{
	struct wlsink *w = f->w;

	wlsink_fb_forget(f);
	wlsink_fence_fb_fini(f);
	for (struct wl_fb **pp = &w->fbs; *pp; pp = &(*pp)->next)
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	if (f->params)
		zwp_linux_buffer_params_v1_destroy(f->params);
	if (f->buffer)
		wl_buffer_destroy(f->buffer);
	if (f->shm_map)
		munmap(f->shm_map, f->shm_size);
	wlsink_flush(w);
	free(f);
}

int wlsink_fb_copy(struct wl_fb *f, struct conn *c)
{
	struct backend *b = f->w->s->b;
	const struct fb_geom *g = &f->geom;
	const uint8_t *data;
	int ret;

	ret = conn_cpu_begin(c, f->mem, &data);
	if (ret)
		return ret;
	for (uint32_t y = 0; y < g->height; y++)
		memcpy(f->shm_map + (size_t)y * f->shm_stride,
		       data + g->offset + (size_t)y * g->pitch, f->shm_stride);
	b->prov->cpu_end(b, f->mem);
	c->st.bytes_copied += (uint64_t)f->shm_stride * g->height;
	return 0;
}
