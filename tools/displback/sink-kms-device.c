// SPDX-License-Identifier: MIT
/*
 * The KMS sink's device: open a DRM device with atomic modesetting and pair
 * each connected connector with a CRTC and that CRTC's primary plane (a
 * "pipe"), the property ids each commit needs looked up once; with
 * --writeback, each pipe's CRTC also gets the writeback connector it can
 * drive; and the dumb buffers of the copy path and of --writeback.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xf86drm.h>
#include <xf86drmMode.h>

#include "sink-kms.h"

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

int kms_open_device(struct kms *k, const char *path, bool writeback)
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

int kms_dumb_create(struct kms *k, uint32_t width, uint32_t height,
		    const struct pixfmt *fmt, int prot, struct kms_dumb *d)
{
	struct drm_mode_create_dumb cd = { .width = width, .height = height,
					   .bpp = fmt->cpp * 8 };
	struct drm_mode_map_dumb md = { 0 };
	uint32_t h[4] = { 0 }, p[4] = { 0 }, o[4] = { 0 };
	void *map;
	int ret;

	memset(d, 0, sizeof(*d));
	if (drmIoctl(k->fd, DRM_IOCTL_MODE_CREATE_DUMB, &cd))
		return -errno;
	d->handle = cd.handle;
	d->pitch = cd.pitch;
	d->size = cd.size;
	h[0] = cd.handle;
	p[0] = cd.pitch;
	md.handle = cd.handle;
	if (drmModeAddFB2(k->fd, width, height, fmt->fourcc, h, p, o,
			  &d->fb_id, 0) ||
	    drmIoctl(k->fd, DRM_IOCTL_MODE_MAP_DUMB, &md)) {
		ret = -errno;
		goto fail;
	}
	map = mmap(NULL, cd.size, prot, MAP_SHARED, k->fd, (off_t)md.offset);
	if (map == MAP_FAILED) {
		ret = -errno;
		goto fail;
	}
	d->map = map;
	return 0;
fail:
	kms_dumb_destroy(k, d);
	return ret;
}

void kms_dumb_destroy(struct kms *k, struct kms_dumb *d)
{
	if (d->fb_id)
		drmModeRmFB(k->fd, d->fb_id);
	if (d->map)
		munmap(d->map, d->size);
	if (d->handle)
		drmCloseBufferHandle(k->fd, d->handle);
	memset(d, 0, sizeof(*d));
}
