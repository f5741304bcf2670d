// SPDX-License-Identifier: MIT
/*
 * The pixel formats Linux's Xen PV DRM frontend offers (plane_formats[] of
 * drivers/gpu/drm/xen/xen_drm_front_conn.c), laid out as
 * include/uapi/drm/drm_fourcc.h says: little-endian words, the highest
 * component first in the name.  Their sizes are libgntbuf's
 * (gntbuf_format_get_info()), as is the pitch and bounds math of FB_ATTACH
 * (proto.c): only the conversion to RGB for the picture sinks is here.
 */
#include <drm_fourcc.h>
#include <gntbuf.h>

#include "displback.h"

static struct pixfmt formats[] = {
	{ DRM_FORMAT_XRGB8888, "XRGB8888", 0 },
	{ DRM_FORMAT_ARGB8888, "ARGB8888", 0 },
	{ DRM_FORMAT_RGB888, "RGB888", 0 },
	{ DRM_FORMAT_RGB565, "RGB565", 0 },
	{ DRM_FORMAT_XRGB4444, "XRGB4444", 0 },
	{ DRM_FORMAT_ARGB4444, "ARGB4444", 0 },
	{ DRM_FORMAT_XRGB1555, "XRGB1555", 0 },
	{ DRM_FORMAT_ARGB1555, "ARGB1555", 0 },
	{ DRM_FORMAT_YUYV, "YUYV", 0 },
};

const struct pixfmt *pixfmt_find(uint32_t fourcc)
{
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		struct pixfmt *f = &formats[i];
		struct gntbuf_format_info info;

		if (f->fourcc != fourcc)
			continue;
		if (!f->cpp) {
			/* One plane, block_bytes per block_width pixels. */
			if (gntbuf_format_get_info(fourcc, &info) ||
			    info.num_planes != 1)
				return NULL;
			f->cpp = info.block_bytes[0] / info.block_width[0];
		}
		return f;
	}
	return NULL;
}

static uint8_t clamp8(int v)
{
	return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)v;
}

/* Expand an n-bit component to 8 bits (replicating the high bits). */
static uint8_t expand(unsigned int v, unsigned int bits)
{
	v <<= 8 - bits;
	return (uint8_t)(v | (v >> bits));
}

void pixfmt_to_rgb(const struct pixfmt *fmt, const uint8_t *row,
		   unsigned int x, uint8_t rgb[3])
{
	const uint8_t *p = row + (size_t)x * fmt->cpp;
	unsigned int v;

	switch (fmt->fourcc) {
	case DRM_FORMAT_XRGB8888:
	case DRM_FORMAT_ARGB8888:
	case DRM_FORMAT_RGB888:
		/* Bytes in memory: B, G, R (, X). */
		rgb[0] = p[2];
		rgb[1] = p[1];
		rgb[2] = p[0];
		return;
	case DRM_FORMAT_RGB565:
		v = p[0] | (unsigned int)p[1] << 8;
		rgb[0] = expand(v >> 11, 5);
		rgb[1] = expand((v >> 5) & 0x3f, 6);
		rgb[2] = expand(v & 0x1f, 5);
		return;
	case DRM_FORMAT_XRGB4444:
	case DRM_FORMAT_ARGB4444:
		v = p[0] | (unsigned int)p[1] << 8;
		rgb[0] = expand((v >> 8) & 0xf, 4);
		rgb[1] = expand((v >> 4) & 0xf, 4);
		rgb[2] = expand(v & 0xf, 4);
		return;
	case DRM_FORMAT_XRGB1555:
	case DRM_FORMAT_ARGB1555:
		v = p[0] | (unsigned int)p[1] << 8;
		rgb[0] = expand((v >> 10) & 0x1f, 5);
		rgb[1] = expand((v >> 5) & 0x1f, 5);
		rgb[2] = expand(v & 0x1f, 5);
		return;
	case DRM_FORMAT_YUYV: {
		/* Pairs of pixels: Y0 Cb Y1 Cr; BT.601, limited range. */
		const uint8_t *pair = row + (size_t)(x & ~1u) * 2;
		int y = pair[(x & 1) ? 2 : 0] - 16;
		int cb = pair[1] - 128, cr = pair[3] - 128;

		rgb[0] = clamp8((298 * y + 409 * cr + 128) >> 8);
		rgb[1] = clamp8((298 * y - 100 * cb - 208 * cr + 128) >> 8);
		rgb[2] = clamp8((298 * y + 516 * cb + 128) >> 8);
		return;
	}
	default:
		rgb[0] = rgb[1] = rgb[2] = 0;
	}
}
