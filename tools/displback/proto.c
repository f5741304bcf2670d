// SPDX-License-Identifier: MIT
/*
 * What xen/io/displif.h (protocol version 2) allows in a request, checked
 * on a local copy of the request, without touching Xen.
 *
 * One thing displif.h does not say and Linux's frontend does: it fills a
 * ring slot field by field without clearing it (be_prepare_req() in
 * drivers/gpu/drm/xen/xen_drm_front.c), and it sets XENDISPL_DBUF_FLG_REQ_ALLOC
 * with |=.  Reserved bytes and unused flag bits therefore hold whatever an
 * earlier request left in that slot (an FB_ATTACH's pixel_format lies where
 * a DBUF_CREATE's flags are).  So reserved fields are not checked, and the
 * REQ_ALLOC bit counts only when the device was configured with be-alloc=1.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <drm_fourcc.h>
#include <gntbuf.h>
#include <xen/errno.h>

#include "displback.h"

#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))

int proto_check_dbuf_create(const struct xendispl_dbuf_create_req *req,
			    bool be_alloc_enabled, struct dbuf_geom *geom,
			    const char **why)
{
	struct dbuf_geom g;

	memset(&g, 0, sizeof(g));
	if (req->dbuf_cookie == 0) {
		*why = "dbuf_cookie 0 is invalid";
		return -EINVAL;
	}
	if (req->buffer_sz == 0) {
		*why = "buffer_sz 0";
		return -EINVAL;
	}
	g.buffer_sz = req->buffer_sz;
	/* 64-bit: buffer_sz + 4095 overflows 32 bits near 4 GiB. */
	if (DIV_ROUND_UP((uint64_t)req->buffer_sz, XEN_PAGE_SIZE_BYTES) >
	    DISPLBACK_MAX_PAGES) {
		*why = "buffer_sz larger than the backend's limit";
		return -EINVAL;
	}
	g.pages = (uint32_t)DIV_ROUND_UP((uint64_t)req->buffer_sz,
					 XEN_PAGE_SIZE_BYTES);
	if (req->data_ofs >= req->buffer_sz) {
		*why = "data_ofs past the end of the buffer";
		return -EINVAL;
	}
	g.data_ofs = req->data_ofs;
	g.be_alloc = be_alloc_enabled &&
		     (req->flags & XENDISPL_DBUF_FLG_REQ_ALLOC);
	if (g.be_alloc && g.data_ofs) {
		*why = "data_ofs with a backend-allocated buffer";
		return -EINVAL;
	}

	if (!req->width && !req->height && !req->bpp) {
		/*
		 * A pending buffer: the frontend imported a PRIME buffer and
		 * knows its geometry only at FB_ATTACH.
		 */
		*geom = g;
		return 0;
	}
	if (!req->width || !req->height || !req->bpp) {
		*why = "width, height and bpp must be all set or all 0";
		return -EINVAL;
	}
	if (req->width > DISPLBACK_MAX_DIM || req->height > DISPLBACK_MAX_DIM) {
		*why = "width or height larger than the backend's limit";
		return -EINVAL;
	}
	if (req->bpp != 8 && req->bpp != 16 && req->bpp != 24 &&
	    req->bpp != 32) {
		*why = "bpp is not 8, 16, 24 or 32";
		return -EINVAL;
	}
	g.width = req->width;
	g.height = req->height;
	g.bpp = req->bpp;
	/* The pitch of a dumb buffer: DIV_ROUND_UP(width * bpp, 8). */
	g.pitch = DIV_ROUND_UP(req->width * req->bpp, 8);
	{
		uint64_t need = (uint64_t)g.data_ofs +
				(uint64_t)g.pitch * g.height;

		if (need > req->buffer_sz) {
			*why = "buffer_sz smaller than data_ofs + width x height x bpp";
			return -EINVAL;
		}
		/* Rounding up to a page is fine, more is not. */
		if (req->buffer_sz - need >= XEN_PAGE_SIZE_BYTES) {
			*why = "buffer_sz larger than data_ofs + width x height x bpp (page-rounded)";
			return -EINVAL;
		}
	}
	*geom = g;
	return 0;
}

int proto_check_fb_attach(const struct xendispl_fb_attach_req *req,
			  const struct dbuf_geom *dbuf, struct fb_geom *fb,
			  const char **why)
{
	struct gntbuf_layout layout;
	const struct pixfmt *fmt;

	if (req->fb_cookie == 0) {
		*why = "fb_cookie 0 is invalid";
		return -EINVAL;
	}
	fmt = pixfmt_find(req->pixel_format);
	if (!fmt) {
		*why = "unsupported pixel_format";
		return -EINVAL;
	}
	if (!req->width || !req->height || req->width > DISPLBACK_MAX_DIM ||
	    req->height > DISPLBACK_MAX_DIM) {
		*why = "width or height 0 or larger than the backend's limit";
		return -EINVAL;
	}
	memset(fb, 0, sizeof(*fb));
	fb->width = req->width;
	fb->height = req->height;
	fb->fmt = fmt;
	fb->offset = dbuf->data_ofs;
	if (dbuf->pitch) {
		fb->pitch = dbuf->pitch;
		if (req->width > dbuf->width || req->height > dbuf->height) {
			*why = "framebuffer larger than its display buffer";
			return -EINVAL;
		}
	} else {
		/* Pending buffer: the protocol carries no pitch; the
		 * frontend's is its dumb buffer's, a packed row. */
		if (gntbuf_layout_init(&layout, req->pixel_format, req->width,
				       req->height, 1)) {
			*why = "unsupported pixel_format";
			return -EINVAL;
		}
		fb->pitch = layout.strides[0];
	}
	/* DRM's framebuffer rule, as libgntbuf checks it for AddFB2. */
	memset(&layout, 0, sizeof(layout));
	layout.width = req->width;
	layout.height = req->height;
	layout.fourcc = req->pixel_format;
	layout.num_planes = 1;
	layout.modifier = DRM_FORMAT_MOD_LINEAR;
	layout.size = dbuf->buffer_sz;
	layout.offsets[0] = fb->offset;
	layout.strides[0] = fb->pitch;
	switch (gntbuf_layout_check(&layout, dbuf->buffer_sz)) {
	case 0:
		return 0;
	case -EINVAL:
		*why = "width x bytes per pixel larger than the buffer's pitch";
		return -EINVAL;
	case -ERANGE:
	case -EOVERFLOW:
		*why = "framebuffer extends past the end of the display buffer";
		return -EINVAL;
	default:
		*why = "unsupported pixel_format";
		return -EINVAL;
	}
}

bool proto_set_config_is_reset(const struct xendispl_set_config_req *req)
{
	return req->fb_cookie == 0;
}

int proto_check_set_config(const struct xendispl_set_config_req *req,
			   const struct fb_geom *fb, uint32_t conn_w,
			   uint32_t conn_h, const char **why)
{
	if (req->fb_cookie == 0) {
		if (req->x || req->y || req->width || req->height || req->bpp) {
			*why = "fb_cookie 0 with a non-zero mode (reset is all zeros)";
			return -EINVAL;
		}
		return 0;
	}
	if (!req->width || !req->height) {
		*why = "width or height 0";
		return -EINVAL;
	}
	/*
	 * displif.h bounds x, y, width and height by the connector's
	 * resolution; Linux's frontend sends the framebuffer's size, which
	 * may exceed the mode.  The visible part is clipped to the
	 * connector; the origin must be on it and the size within the fb.
	 */
	if (req->x >= conn_w || req->y >= conn_h) {
		*why = "x, y outside the connector's resolution";
		return -EINVAL;
	}
	if (req->width > fb->width || req->height > fb->height) {
		*why = "width, height larger than the framebuffer";
		return -EINVAL;
	}
	if (req->bpp != fb->fmt->cpp * 8) {
		*why = "bpp does not match the framebuffer's pixel format";
		return -EINVAL;
	}
	return 0;
}

const char *proto_op_name(uint8_t op)
{
	switch (op) {
	case XENDISPL_OP_DBUF_CREATE: return "DBUF_CREATE";
	case XENDISPL_OP_DBUF_DESTROY: return "DBUF_DESTROY";
	case XENDISPL_OP_FB_ATTACH: return "FB_ATTACH";
	case XENDISPL_OP_FB_DETACH: return "FB_DETACH";
	case XENDISPL_OP_SET_CONFIG: return "SET_CONFIG";
	case XENDISPL_OP_PG_FLIP: return "PG_FLIP";
	case XENDISPL_OP_GET_EDID: return "GET_EDID";
	default: return "UNKNOWN";
	}
}

int32_t proto_xen_status(int err)
{
	if (err >= 0)
		return 0;
	switch (-err) {
	case ENOENT: return -XEN_ENOENT;
	case EEXIST: return -XEN_EEXIST;
	case ENOMEM: return -XEN_ENOMEM;
	case EBUSY: return -XEN_EBUSY;
	case ENOSPC: return -XEN_ENOSPC;
	case EOPNOTSUPP: return -XEN_EOPNOTSUPP;
	case ENOSYS: return -XEN_ENOSYS;
	case ETIMEDOUT: return -XEN_ETIMEDOUT;
	case EPERM: return -XEN_EPERM;
	case EFAULT: return -XEN_EFAULT;
	case ENXIO: return -XEN_ENXIO;
	case EIO: return -XEN_EIO;
	default: return -XEN_EINVAL;	/* ELOOP, E2BIG, EINVAL, ... */
	}
}
