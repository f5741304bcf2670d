// SPDX-License-Identifier: MIT
/*
 * The KMS sink: each PV connector gets a CRTC, its primary plane and a
 * connected KMS connector of a DRM device (vkms in the rig).  Framebuffers
 * are the frontend's dma-bufs imported with PRIME and added with
 * AddFB2WithModifiers (gntbuf_drm_add_fb(), LINEAR); SET_CONFIG is an atomic
 * modeset, PG_FLIP a non-blocking atomic commit of the plane's FB_ID whose
 * page-flip event becomes XENDISPL_EVT_PG_FLIP.
 *
 * With --allow-copy, a framebuffer whose PRIME import fails is shown
 * through a dumb buffer instead, its pixels copied at every frame: the
 * copy path, counted in the summary's "bytes copied".
 *
 * With --writeback (a test aid), the CRTC drives vkms's writeback
 * connector and every --every-th frame is read back:
 * sink-kms-writeback.c.  The device and its pipes: sink-kms-device.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "sink-kms.h"

static int kms_init(struct sink *s)
{
	struct kms *k = calloc(1, sizeof(*k));
	const char *dev = s->b->opt.kms_device;
	char path[32];
	int ret = -ENODEV;

	if (!k)
		return -ENOMEM;
	if (s->b->opt.kms_writeback && !s->b->opt.out_dir) {
		LOGE(NULL, -1, "kms: --writeback needs --out DIR");
		free(k);
		return -EINVAL;
	}
	k->fd = -1;
	if (dev) {
		ret = kms_open_device(k, dev, s->b->opt.kms_writeback);
	} else {
		/* The first card with an atomic pipe: vgem has none. */
		for (int i = 0; i < 16 && ret; i++) {
			snprintf(path, sizeof(path), "/dev/dri/card%d", i);
			ret = kms_open_device(k, path,
					      s->b->opt.kms_writeback);
			dev = path;
		}
	}
	if (ret) {
		LOGE(NULL, -1, "kms: no DRM device with a connected connector "
		     "and an atomic pipe%s%s%s", s->b->opt.kms_writeback ?
		     " with a writeback connector" : "",
		     s->b->opt.kms_device ? ": " : "",
		     s->b->opt.kms_device ? s->b->opt.kms_device : "");
		free(k);
		return ret;
	}
	ret = gntbuf_drm_create(k->fd, &k->drm);
	if (ret) {
		close(k->fd);
		free(k);
		return ret;
	}
	LOGI(NULL, -1, "kms: %s, %d pipe(s)", dev, k->n_pipes);
	s->priv = k;
	return 0;
}

static void kms_fini(struct sink *s)
{
	struct kms *k = s->priv;

	if (!k)
		return;
	gntbuf_drm_destroy(k->drm);
	close(k->fd);
	free(k);
	s->priv = NULL;
}

static int kms_conn_open(struct sink *s, struct conn *c, void **priv)
{
	struct kms *k = s->priv;
	struct kms_conn *kc = calloc(1, sizeof(*kc));

	if (!kc)
		return -ENOMEM;
	kc->c = c;
	for (int i = 0; i < k->n_pipes; i++)
		if (!k->pipes[i].used) {
			kc->pipe = &k->pipes[i];
			kc->pipe->used = true;
			break;
		}
	if (kc->pipe)
		LOGI(c->dev, c->idx, "kms: on connector %u, crtc %u",
		     kc->pipe->conn_id, kc->pipe->crtc_id);
	else
		LOGW(c->dev, c->idx, "kms: no free pipe: frames are dropped");
	*priv = kc;
	return 0;
}

static int kms_disable(struct kms *k, struct kms_conn *kc)
{
	drmModeAtomicReq *req;
	int ret;

	if (!kc->pipe || !kc->active)
		return 0;
	req = drmModeAtomicAlloc();
	if (!req)
		return -ENOMEM;
	drmModeAtomicAddProperty(req, kc->pipe->plane_id, kc->pipe->p_fb, 0);
	drmModeAtomicAddProperty(req, kc->pipe->plane_id, kc->pipe->p_crtc, 0);
	if (kc->wb.fb_id)
		drmModeAtomicAddProperty(req, kc->pipe->wb_conn_id,
					 kc->pipe->p_wb_crtc, 0);
	else
		drmModeAtomicAddProperty(req, kc->pipe->conn_id,
					 kc->pipe->p_conn_crtc, 0);
	drmModeAtomicAddProperty(req, kc->pipe->crtc_id,
				 kc->pipe->p_crtc_active, 0);
	drmModeAtomicAddProperty(req, kc->pipe->crtc_id, kc->pipe->p_crtc_mode,
				 0);
	ret = drmModeAtomicCommit(k->fd, req, DRM_MODE_ATOMIC_ALLOW_MODESET,
				  NULL);
	drmModeAtomicFree(req);
	kc->active = false;
	return ret ? -errno : 0;
}

static void kms_dispatch(struct sink *s);

static void kms_conn_close(struct sink *s, struct conn *c, void *priv)
{
	struct kms *k = s->priv;
	struct kms_conn *kc = priv;

	(void)c;
	/* The event of a pending flip carries kc: wait for it first. */
	for (int i = 0; i < 20 && kc->flip_pending; i++) {
		struct pollfd pfd = { .fd = k->fd, .events = POLLIN };

		if (poll(&pfd, 1, 100) > 0)
			kms_dispatch(s);
	}
	kms_disable(k, kc);
	kms_dumb_destroy(k, &kc->wb);
	if (kc->mode_blob)
		drmModeDestroyPropertyBlob(k->fd, kc->mode_blob);
	if (kc->pipe)
		kc->pipe->used = false;
	free(kc);
}

static int kms_fb_attach(struct sink *s, const struct sink_fb_desc *fb,
			 void **priv)
{
	struct kms *k = s->priv;
	const struct fb_geom *g = fb->geom;
	struct gntbuf_layout layout;
	struct kms_fb *kf = calloc(1, sizeof(*kf));
	int ret;

	if (!kf)
		return -ENOMEM;
	kf->k = k;
	memset(&layout, 0, sizeof(layout));
	layout.width = g->width;
	layout.height = g->height;
	layout.fourcc = g->fmt->fourcc;
	layout.num_planes = 1;
	layout.modifier = DRM_FORMAT_MOD_LINEAR;
	layout.offsets[0] = g->offset;
	layout.strides[0] = g->pitch;
	layout.size = (uint64_t)g->offset + (uint64_t)g->pitch * g->height;
	if (layout.size > fb->mem->size)
		layout.size = fb->mem->size;
	ret = fb->mem->fd >= 0 ?
	      gntbuf_drm_add_fb(k->drm, fb->mem->fd, &layout, &kf->fb_id) :
	      -EBADF;
	if (ret && s->b->opt.kms_allow_copy) {
		LOGW(NULL, -1, "kms: PRIME import of fb %#" PRIx64 ": %s; "
		     "copying into a dumb buffer instead", fb->cookie,
		     strerror(-ret));
		ret = kms_dumb_create(k, g->width, g->height, g->fmt,
				      PROT_WRITE, &kf->dumb);
		kf->copy = !ret;
		kf->fb_id = kf->dumb.fb_id;
	}
	if (ret) {
		free(kf);
		return ret;
	}
	*priv = kf;
	return 0;
}

static void kms_fb_detach(struct sink *s, void *priv)
{
	struct kms_fb *kf = priv;

	(void)s;
	if (kf->copy)
		kms_dumb_destroy(kf->k, &kf->dumb);
	else
		gntbuf_drm_remove_fb(kf->k->drm, kf->fb_id);
	free(kf);
}

/* The copy path: the frame's pixels into the dumb buffer, counted. */
static int kms_copy(struct sink *s, struct conn *c, struct kms_fb *kf,
		    const struct sink_fb_desc *fb)
{
	struct backend *b = s->b;
	const struct fb_geom *g = fb->geom;
	const uint8_t *data;
	uint32_t row = g->width * g->fmt->cpp;
	int ret;

	ret = conn_cpu_begin(c, fb->mem, &data);
	if (ret)
		return ret;
	for (uint32_t y = 0; y < g->height; y++)
		memcpy(kf->dumb.map + (size_t)y * kf->dumb.pitch,
		       data + g->offset + (size_t)y * g->pitch, row);
	b->prov->cpu_end(b, fb->mem);
	c->st.bytes_copied += (uint64_t)row * g->height;
	return 0;
}

static void add_plane(drmModeAtomicReq *req, struct kms_pipe *p,
		      uint32_t fb_id, uint32_t w, uint32_t h)
{
	drmModeAtomicAddProperty(req, p->plane_id, p->p_fb, fb_id);
	drmModeAtomicAddProperty(req, p->plane_id, p->p_crtc, p->crtc_id);
	drmModeAtomicAddProperty(req, p->plane_id, p->p_sx, 0);
	drmModeAtomicAddProperty(req, p->plane_id, p->p_sy, 0);
	drmModeAtomicAddProperty(req, p->plane_id, p->p_sw, (uint64_t)w << 16);
	drmModeAtomicAddProperty(req, p->plane_id, p->p_sh, (uint64_t)h << 16);
	drmModeAtomicAddProperty(req, p->plane_id, p->p_cx, 0);
	drmModeAtomicAddProperty(req, p->plane_id, p->p_cy, 0);
	drmModeAtomicAddProperty(req, p->plane_id, p->p_cw, w);
	drmModeAtomicAddProperty(req, p->plane_id, p->p_ch, h);
}

static int kms_show(struct sink *s, struct conn *c, void *cp, void *fp,
		    const struct sink_fb_desc *fb)
{
	struct kms *k = s->priv;
	struct kms_conn *kc = cp;
	struct kms_fb *kf = fp;
	struct kms_pipe *p = kc->pipe;
	const drmModeModeInfo *mode = NULL;
	drmModeAtomicReq *req;
	int32_t fence = -1;
	uint32_t w, h;
	bool wb;
	int ret;

	if (!p)
		return 0;
	if (!kf)
		return kms_disable(k, kc);
	for (int i = 0; i < p->n_modes && !mode; i++)
		if (p->modes[i].hdisplay == c->width &&
		    p->modes[i].vdisplay == c->height)
			mode = &p->modes[i];
	if (!mode) {
		LOGE(c->dev, c->idx, "kms: connector %u has no %ux%u mode",
		     p->conn_id, c->width, c->height);
		return -EINVAL;
	}
	if (kf->copy) {
		ret = kms_copy(s, c, kf, fb);
		if (ret)
			return ret;
	}
	wb = kms_wb_due(s, c, kc);
	if (s->b->opt.kms_writeback && p->wb_conn_id) {
		ret = kms_wb_prepare(k, c, kc);
		if (ret) {
			LOGE(c->dev, c->idx, "kms: writeback buffer %ux%u: %s",
			     c->width, c->height, strerror(-ret));
			return ret;
		}
	}
	if (kc->mode_blob)
		drmModeDestroyPropertyBlob(k->fd, kc->mode_blob);
	kc->mode_blob = 0;
	if (drmModeCreatePropertyBlob(k->fd, mode, sizeof(*mode),
				      &kc->mode_blob))
		return -errno;
	/* The primary plane covers the CRTC: the fb's top left, clipped. */
	w = fb->geom->width < c->width ? fb->geom->width : c->width;
	h = fb->geom->height < c->height ? fb->geom->height : c->height;
	req = drmModeAtomicAlloc();
	if (!req)
		return -ENOMEM;
	if (kc->wb.fb_id)
		drmModeAtomicAddProperty(req, p->wb_conn_id, p->p_wb_crtc,
					 p->crtc_id);
	else
		drmModeAtomicAddProperty(req, p->conn_id, p->p_conn_crtc,
					 p->crtc_id);
	drmModeAtomicAddProperty(req, p->crtc_id, p->p_crtc_mode,
				 kc->mode_blob);
	drmModeAtomicAddProperty(req, p->crtc_id, p->p_crtc_active, 1);
	add_plane(req, p, kf->fb_id, w, h);
	if (wb)
		kms_wb_add(req, kc, &fence);
	ret = drmModeAtomicCommit(k->fd, req, DRM_MODE_ATOMIC_ALLOW_MODESET,
				  NULL);
	ret = ret ? -errno : 0;
	drmModeAtomicFree(req);
	if (ret) {
		LOGE(c->dev, c->idx, "kms: modeset %ux%u on crtc %u: %s",
		     c->width, c->height, p->crtc_id, strerror(-ret));
		return ret;
	}
	kc->active = true;
	/* A failed read-back is logged; the frame is on screen. */
	if (wb)
		kms_wb_finish(s, c, kc, fence, fb);
	return 0;
}

static int kms_flip(struct sink *s, struct conn *c, void *cp, void *fp,
		    const struct sink_fb_desc *fb)
{
	struct kms *k = s->priv;
	struct kms_conn *kc = cp;
	struct kms_fb *kf = fp;
	drmModeAtomicReq *req;
	int32_t fence = -1;
	uint32_t w, h;
	bool wb;
	int ret;

	if (!kc->pipe || !kc->active) {
		conn_flip_done(c);
		return 0;
	}
	if (kf->copy) {
		ret = kms_copy(s, c, kf, fb);
		if (ret)
			return ret;
	}
	w = fb->geom->width < c->width ? fb->geom->width : c->width;
	h = fb->geom->height < c->height ? fb->geom->height : c->height;
	req = drmModeAtomicAlloc();
	if (!req)
		return -ENOMEM;
	add_plane(req, kc->pipe, kf->fb_id, w, h);
	wb = kms_wb_due(s, c, kc) && kc->wb.fb_id;
	if (wb)
		kms_wb_add(req, kc, &fence);
	ret = drmModeAtomicCommit(k->fd, req, DRM_MODE_ATOMIC_NONBLOCK |
				  DRM_MODE_PAGE_FLIP_EVENT, kc);
	ret = ret ? -errno : 0;
	drmModeAtomicFree(req);
	if (ret)
		return ret;
	kc->flip_pending = true;
	/*
	 * The flip's event waits in the DRM fd for the main loop.  A failed
	 * read-back is logged; the flip itself is in flight.
	 */
	if (wb)
		kms_wb_finish(s, c, kc, fence, fb);
	return 0;
}

static void on_flip(int fd, unsigned int seq, unsigned int sec,
		    unsigned int usec, unsigned int crtc_id, void *data)
{
	struct kms_conn *kc = data;

	(void)fd;
	(void)seq;
	(void)sec;
	(void)usec;
	(void)crtc_id;
	kc->flip_pending = false;
	conn_flip_done(kc->c);
}

static int kms_get_fd(struct sink *s)
{
	struct kms *k = s->priv;

	return k ? k->fd : -1;
}

static void kms_dispatch(struct sink *s)
{
	struct kms *k = s->priv;
	drmEventContext ev = {
		.version = 3,
		.page_flip_handler2 = on_flip,
	};

	drmHandleEvent(k->fd, &ev);
}

const struct sink_ops sink_kms_ops = {
	.name = "kms",
	.init = kms_init,
	.fini = kms_fini,
	.conn_open = kms_conn_open,
	.conn_close = kms_conn_close,
	.fb_attach = kms_fb_attach,
	.fb_detach = kms_fb_detach,
	.show = kms_show,
	.flip = kms_flip,
	.get_fd = kms_get_fd,
	.dispatch = kms_dispatch,
};
