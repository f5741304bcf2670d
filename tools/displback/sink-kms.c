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
 * With --writeback (a test aid, vkms's enable_writeback=1), the CRTC drives
 * its writeback connector instead of the display connector: vkms (6.1)
 * cannot route one CRTC to both (its atomic check fails with -EINVAL,
 * measured in the rig), as its encoders are not clones.  The commit of
 * every --every-th frame then attaches a dumb buffer of the mode's size as
 * WRITEBACK_FB_ID with a WRITEBACK_OUT_FENCE_PTR, as IGT's kms_writeback
 * does; once the out-fence signals, what the CRTC scanned out (vkms
 * composes the plane from the imported dma-buf) is written as
 * <conn>-frame<N>-wb.png, and the dma-buf's own pixels, read through
 * begin/end CPU access, as <conn>-frame<N>.png, for a comparison.  The
 * wait for the fence makes that frame's commit synchronous; the display
 * path itself still copies nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "displback.h"
#include "png-write.h"

struct kms_pipe {
	bool used;
	uint32_t crtc_id, conn_id, plane_id;
	uint32_t crtc_index;
	/* property ids */
	uint32_t p_crtc_active, p_crtc_mode, p_conn_crtc;
	uint32_t p_fb, p_crtc, p_sx, p_sy, p_sw, p_sh, p_cx, p_cy, p_cw, p_ch;
	/* the CRTC's writeback connector (--writeback), 0 if none */
	uint32_t wb_conn_id, p_wb_crtc, p_wb_fb, p_wb_fence;
	drmModeModeInfo modes[64];
	int n_modes;
};

struct kms {
	int fd;
	struct gntbuf_drm *drm;
	struct kms_pipe pipes[8];
	int n_pipes;
};

struct kms_conn {
	struct conn *c;
	struct kms_pipe *pipe;	/* NULL: no pipe left, frames are dropped */
	uint32_t mode_blob;
	bool active;
	bool flip_pending;	/* a commit's event is still to come */
	/* --writeback: the buffer the writeback connector fills */
	uint32_t wb_handle, wb_fb, wb_pitch;
	uint8_t *wb_map;
	uint64_t wb_size;
	uint64_t wb_written;
};

struct kms_fb {
	struct kms *k;
	uint32_t fb_id;
	/* copy path */
	bool copy;
	uint32_t dumb_handle;
	uint8_t *dumb_map;
	uint64_t dumb_size;
	uint32_t dumb_pitch;
};

static uint32_t prop_id(int fd, uint32_t obj, uint32_t type, const char *name)
{
	drmModeObjectProperties *props;
	uint32_t id = 0;

	props = drmModeObjectGetProperties(fd, obj, type);
	if (!props)
		return 0;
	for (uint32_t i = 0; i < props->count_props && !id; i++) {
		drmModePropertyRes *p = drmModeGetProperty(fd, props->props[i]);

		if (p && !strcmp(p->name, name))
			id = p->prop_id;
		drmModeFreeProperty(p);
	}
	drmModeFreeObjectProperties(props);
	return id;
}

static uint64_t prop_value(int fd, uint32_t obj, uint32_t type,
			   const char *name)
{
	drmModeObjectProperties *props;
	uint64_t v = 0;

	props = drmModeObjectGetProperties(fd, obj, type);
	if (!props)
		return 0;
	for (uint32_t i = 0; i < props->count_props; i++) {
		drmModePropertyRes *p = drmModeGetProperty(fd, props->props[i]);

		if (p && !strcmp(p->name, name))
			v = props->prop_values[i];
		drmModeFreeProperty(p);
	}
	drmModeFreeObjectProperties(props);
	return v;
}

/* The CRTCs (bit per index in drmModeRes) any encoder of @conn can drive. */
static uint32_t kms_possible_crtcs(int fd, const drmModeConnector *conn)
{
	uint32_t possible = 0;

	for (int e = 0; e < conn->count_encoders; e++) {
		drmModeEncoder *enc = drmModeGetEncoder(fd, conn->encoders[e]);

		if (enc)
			possible |= enc->possible_crtcs;
		drmModeFreeEncoder(enc);
	}
	return possible;
}

/* Pair each connected connector with a CRTC and that CRTC's primary plane. */
static int kms_find_pipes(struct kms *k)
{
	drmModeRes *res = drmModeGetResources(k->fd);
	drmModePlaneRes *pres = drmModeGetPlaneResources(k->fd);
	uint32_t used_crtcs = 0;

	if (!res || !pres) {
		drmModeFreeResources(res);
		drmModeFreePlaneResources(pres);
		return -ENODEV;
	}
	for (int i = 0; i < res->count_connectors && k->n_pipes < 8; i++) {
		drmModeConnector *conn = drmModeGetConnector(k->fd,
							     res->connectors[i]);
		struct kms_pipe *p = &k->pipes[k->n_pipes];
		uint32_t possible;

		if (!conn)
			continue;
		if (conn->connection != DRM_MODE_CONNECTED ||
		    conn->connector_type == DRM_MODE_CONNECTOR_WRITEBACK ||
		    !conn->count_modes) {
			drmModeFreeConnector(conn);
			continue;
		}
		possible = kms_possible_crtcs(k->fd, conn);
		memset(p, 0, sizeof(*p));
		for (int c = 0; c < res->count_crtcs; c++) {
			if (!(possible & (1u << c)) || (used_crtcs & (1u << c)))
				continue;
			p->crtc_id = res->crtcs[c];
			p->crtc_index = (uint32_t)c;
			used_crtcs |= 1u << c;
			break;
		}
		for (uint32_t pl = 0; p->crtc_id && pl < pres->count_planes &&
		     !p->plane_id; pl++) {
			drmModePlane *plane = drmModeGetPlane(k->fd,
							      pres->planes[pl]);

			if (plane && (plane->possible_crtcs &
				      (1u << p->crtc_index)) &&
			    prop_value(k->fd, plane->plane_id,
				       DRM_MODE_OBJECT_PLANE, "type") ==
			    DRM_PLANE_TYPE_PRIMARY)
				p->plane_id = plane->plane_id;
			drmModeFreePlane(plane);
		}
		if (p->crtc_id && p->plane_id) {
			p->conn_id = conn->connector_id;
			p->n_modes = conn->count_modes < 64 ?
				     conn->count_modes : 64;
			memcpy(p->modes, conn->modes,
			       (size_t)p->n_modes * sizeof(p->modes[0]));
			p->p_conn_crtc = prop_id(k->fd, p->conn_id,
						 DRM_MODE_OBJECT_CONNECTOR,
						 "CRTC_ID");
			p->p_crtc_active = prop_id(k->fd, p->crtc_id,
						   DRM_MODE_OBJECT_CRTC,
						   "ACTIVE");
			p->p_crtc_mode = prop_id(k->fd, p->crtc_id,
						 DRM_MODE_OBJECT_CRTC,
						 "MODE_ID");
#define PP(f, n) p->f = prop_id(k->fd, p->plane_id, DRM_MODE_OBJECT_PLANE, n)
			PP(p_fb, "FB_ID");
			PP(p_crtc, "CRTC_ID");
			PP(p_sx, "SRC_X");
			PP(p_sy, "SRC_Y");
			PP(p_sw, "SRC_W");
			PP(p_sh, "SRC_H");
			PP(p_cx, "CRTC_X");
			PP(p_cy, "CRTC_Y");
			PP(p_cw, "CRTC_W");
			PP(p_ch, "CRTC_H");
#undef PP
			LOGI(NULL, -1, "kms: pipe %d: connector %u, crtc %u, "
			     "primary plane %u, %d modes", k->n_pipes,
			     p->conn_id, p->crtc_id, p->plane_id, p->n_modes);
			k->n_pipes++;
		}
		drmModeFreeConnector(conn);
	}
	/* Writeback connectors (listed only with the client cap set). */
	for (int i = 0; i < res->count_connectors; i++) {
		drmModeConnector *conn = drmModeGetConnector(k->fd,
							     res->connectors[i]);
		uint32_t possible;

		if (!conn)
			continue;
		if (conn->connector_type != DRM_MODE_CONNECTOR_WRITEBACK) {
			drmModeFreeConnector(conn);
			continue;
		}
		possible = kms_possible_crtcs(k->fd, conn);
		for (int n = 0; n < k->n_pipes; n++) {
			struct kms_pipe *p = &k->pipes[n];

			if (p->wb_conn_id ||
			    !(possible & (1u << p->crtc_index)))
				continue;
			p->wb_conn_id = conn->connector_id;
			p->p_wb_crtc = prop_id(k->fd, p->wb_conn_id,
					       DRM_MODE_OBJECT_CONNECTOR,
					       "CRTC_ID");
			p->p_wb_fb = prop_id(k->fd, p->wb_conn_id,
					     DRM_MODE_OBJECT_CONNECTOR,
					     "WRITEBACK_FB_ID");
			p->p_wb_fence = prop_id(k->fd, p->wb_conn_id,
						DRM_MODE_OBJECT_CONNECTOR,
						"WRITEBACK_OUT_FENCE_PTR");
			LOGI(NULL, -1, "kms: pipe %d: writeback connector %u",
			     n, p->wb_conn_id);
			break;
		}
		drmModeFreeConnector(conn);
	}
	drmModeFreeResources(res);
	drmModeFreePlaneResources(pres);
	return k->n_pipes ? 0 : -ENODEV;
}

static int kms_open_device(struct kms *k, const char *path, bool writeback)
{
	k->fd = open(path, O_RDWR | O_CLOEXEC);
	if (k->fd < 0)
		return -errno;
	if (drmSetClientCap(k->fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1) ||
	    drmSetClientCap(k->fd, DRM_CLIENT_CAP_ATOMIC, 1) ||
	    (writeback &&
	     drmSetClientCap(k->fd, DRM_CLIENT_CAP_WRITEBACK_CONNECTORS, 1)) ||
	    kms_find_pipes(k) || (writeback && !k->pipes[0].wb_conn_id)) {
		close(k->fd);
		k->fd = -1;
		k->n_pipes = 0;
		return -ENODEV;
	}
	return 0;
}

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
	if (kc->wb_fb)
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
	if (kc->wb_fb)
		drmModeRmFB(k->fd, kc->wb_fb);
	if (kc->wb_map)
		munmap(kc->wb_map, kc->wb_size);
	if (kc->wb_handle)
		drmCloseBufferHandle(k->fd, kc->wb_handle);
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
		struct drm_mode_create_dumb cd = { .width = g->width,
						   .height = g->height,
						   .bpp = g->fmt->cpp * 8 };
		struct drm_mode_map_dumb md = { 0 };
		uint32_t h[4] = { 0 }, p[4] = { 0 }, o[4] = { 0 };

		LOGW(NULL, -1, "kms: PRIME import of fb %#" PRIx64 ": %s; "
		     "copying into a dumb buffer instead", fb->cookie,
		     strerror(-ret));
		if (drmIoctl(k->fd, DRM_IOCTL_MODE_CREATE_DUMB, &cd)) {
			ret = -errno;
			goto err;
		}
		kf->copy = true;
		kf->dumb_handle = cd.handle;
		kf->dumb_pitch = cd.pitch;
		kf->dumb_size = cd.size;
		h[0] = cd.handle;
		p[0] = cd.pitch;
		md.handle = cd.handle;
		if (drmModeAddFB2(k->fd, g->width, g->height, g->fmt->fourcc,
				  h, p, o, &kf->fb_id, 0) ||
		    drmIoctl(k->fd, DRM_IOCTL_MODE_MAP_DUMB, &md)) {
			ret = -errno;
			goto err;
		}
		kf->dumb_map = mmap(NULL, cd.size, PROT_WRITE, MAP_SHARED,
				    k->fd, (off_t)md.offset);
		if (kf->dumb_map == MAP_FAILED) {
			kf->dumb_map = NULL;
			ret = -errno;
			goto err;
		}
		ret = 0;
	}
	if (ret)
		goto err;
	*priv = kf;
	return 0;
err:
	if (kf->fb_id && kf->copy)
		drmModeRmFB(k->fd, kf->fb_id);
	if (kf->dumb_handle)
		drmCloseBufferHandle(k->fd, kf->dumb_handle);
	free(kf);
	return ret;
}

static void kms_fb_detach(struct sink *s, void *priv)
{
	struct kms_fb *kf = priv;

	(void)s;
	if (!kf->copy) {
		gntbuf_drm_remove_fb(kf->k->drm, kf->fb_id);
	} else {
		drmModeRmFB(kf->k->fd, kf->fb_id);
		if (kf->dumb_map)
			munmap(kf->dumb_map, kf->dumb_size);
		drmCloseBufferHandle(kf->k->fd, kf->dumb_handle);
	}
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
		memcpy(kf->dumb_map + (size_t)y * kf->dumb_pitch,
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

/* ---- --writeback ---- */

/* Whether this frame (already counted) is one to read back. */
static bool wb_due(struct sink *s, struct conn *c, struct kms_conn *kc)
{
	const struct options *o = &s->b->opt;
	unsigned int every = o->capture_every ? o->capture_every : 1;

	if (!o->kms_writeback || !kc->pipe || !kc->pipe->wb_conn_id)
		return false;
	if ((c->st.frames - 1) % every)
		return false;
	return !o->capture_max || kc->wb_written < o->capture_max;
}

/* The writeback buffer: a dumb XRGB8888 buffer of the mode's size. */
static int wb_prepare(struct kms *k, struct conn *c, struct kms_conn *kc)
{
	struct drm_mode_create_dumb cd = { .width = c->width,
					   .height = c->height, .bpp = 32 };
	struct drm_mode_map_dumb md = { 0 };
	uint32_t h[4] = { 0 }, p[4] = { 0 }, o[4] = { 0 };
	void *map;

	if (kc->wb_fb)
		return 0;
	if (drmIoctl(k->fd, DRM_IOCTL_MODE_CREATE_DUMB, &cd))
		return -errno;
	kc->wb_handle = cd.handle;
	kc->wb_pitch = cd.pitch;
	kc->wb_size = cd.size;
	h[0] = cd.handle;
	p[0] = cd.pitch;
	md.handle = cd.handle;
	if (drmModeAddFB2(k->fd, c->width, c->height, DRM_FORMAT_XRGB8888, h,
			  p, o, &kc->wb_fb, 0) ||
	    drmIoctl(k->fd, DRM_IOCTL_MODE_MAP_DUMB, &md))
		return -errno;
	map = mmap(NULL, cd.size, PROT_READ, MAP_SHARED, k->fd,
		   (off_t)md.offset);
	if (map == MAP_FAILED)
		return -errno;
	kc->wb_map = map;
	LOGI(c->dev, c->idx, "kms: crtc %u drives writeback connector %u "
	     "(--writeback), %ux%u XRGB8888 buffer", kc->pipe->crtc_id,
	     kc->pipe->wb_conn_id, c->width, c->height);
	return 0;
}

/* Ask for the frame of this commit in the writeback buffer. */
static void wb_add(drmModeAtomicReq *req, struct kms_conn *kc,
		   int32_t *fence)
{
	struct kms_pipe *p = kc->pipe;

	*fence = -1;
	drmModeAtomicAddProperty(req, p->wb_conn_id, p->p_wb_fb, kc->wb_fb);
	drmModeAtomicAddProperty(req, p->wb_conn_id, p->p_wb_fence,
				 (uint64_t)(uintptr_t)fence);
}

/*
 * Wait for the writeback (up to 10 s: vkms composes in a worker, slow
 * under TCG), then write what was scanned out and what the dma-buf holds.
 */
static int wb_finish(struct sink *s, struct conn *c, struct kms_conn *kc,
		     int32_t fence, const struct sink_fb_desc *fb)
{
	struct backend *b = s->b;
	const struct fb_geom *g = fb->geom;
	uint32_t w = g->width < c->width ? g->width : c->width;
	uint32_t h = g->height < c->height ? g->height : c->height;
	struct pollfd pfd = { .fd = fence, .events = POLLIN };
	char path[512], name[48];
	const uint8_t *data;
	int ret;

	if (fence < 0) {
		LOGE(c->dev, c->idx, "kms: writeback: no out-fence");
		return -EIO;
	}
	ret = poll(&pfd, 1, 10000);
	close(fence);
	if (ret != 1) {
		LOGE(c->dev, c->idx, "kms: writeback of frame %" PRIu64
		     " did not complete in 10 s", c->st.frames);
		return -ETIMEDOUT;
	}
	conn_name(c, name, sizeof(name));
	snprintf(path, sizeof(path), "%s/%s-frame%06" PRIu64 "-wb.png",
		 b->opt.out_dir, name, c->st.frames);
	ret = png_write_fb(path, kc->wb_map, kc->wb_pitch,
			   pixfmt_find(DRM_FORMAT_XRGB8888), w, h);
	if (ret) {
		LOGE(c->dev, c->idx, "kms: writeback: %s: %s", path,
		     strerror(-ret));
		return ret;
	}
	snprintf(path, sizeof(path), "%s/%s-frame%06" PRIu64 ".png",
		 b->opt.out_dir, name, c->st.frames);
	ret = conn_cpu_begin(c, fb->mem, &data);
	if (ret) {
		LOGE(c->dev, c->idx, "kms: CPU access to fb %#" PRIx64 ": %s",
		     fb->cookie, strerror(-ret));
		return ret;
	}
	ret = png_write_fb(path, data + g->offset, g->pitch, g->fmt, w, h);
	b->prov->cpu_end(b, fb->mem);
	if (ret)
		return ret;
	kc->wb_written++;
	c->st.captured++;
	LOGD(c->dev, c->idx, "kms: frame %" PRIu64 " read back through "
	     "writeback connector %u", c->st.frames, kc->pipe->wb_conn_id);
	return 0;
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
	wb = wb_due(s, c, kc);
	if (s->b->opt.kms_writeback && p->wb_conn_id) {
		ret = wb_prepare(k, c, kc);
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
	if (kc->wb_fb)
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
		wb_add(req, kc, &fence);
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
		wb_finish(s, c, kc, fence, fb);
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
	wb = wb_due(s, c, kc) && kc->wb_fb;
	if (wb)
		wb_add(req, kc, &fence);
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
		wb_finish(s, c, kc, fence, fb);
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
