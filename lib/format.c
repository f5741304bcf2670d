// SPDX-License-Identifier: MIT
/*
 * Pixel formats (DRM fourcc codes, drm_fourcc.h) and buffer layouts: the
 * plane, stride and size arithmetic of Linux's drm_fourcc.c
 * (drm_format_info_plane_width/height, drm_format_info_min_pitch) and
 * drm_gem_framebuffer_helper.c (the size check of a framebuffer).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <drm_fourcc.h>

#include "gntbuf-private.h"

/* One block per pixel unless said otherwise. */
#define RGB(f, bytes, alpha) \
	{ .fourcc = DRM_FORMAT_##f, .name = #f, .num_planes = 1, \
	  .block_bytes = { bytes }, .block_width = { 1 }, .hsub = 1, \
	  .vsub = 1, .bpp = (bytes) * 8, .has_alpha = alpha }

/* Packed 4:2:2: one 4-byte block holds two pixels. */
#define PACKED_YUV(f) \
	{ .fourcc = DRM_FORMAT_##f, .name = #f, .num_planes = 1, \
	  .block_bytes = { 4 }, .block_width = { 2 }, .hsub = 2, .vsub = 1, \
	  .bpp = 16 }

/* Y plane and an interleaved CbCr plane of @cbcr bytes per sample. */
#define SEMI_PLANAR(f, y, cbcr, h, v, bits) \
	{ .fourcc = DRM_FORMAT_##f, .name = #f, .num_planes = 2, \
	  .block_bytes = { y, cbcr }, .block_width = { 1, 1 }, .hsub = h, \
	  .vsub = v, .bpp = bits }

/* Y, Cb and Cr planes (or Y, Cr, Cb), one byte per sample. */
#define PLANAR(f, h, v, bits) \
	{ .fourcc = DRM_FORMAT_##f, .name = #f, .num_planes = 3, \
	  .block_bytes = { 1, 1, 1 }, .block_width = { 1, 1, 1 }, .hsub = h, \
	  .vsub = v, .bpp = bits }

static const struct gntbuf_format_info formats[] = {
	/* Linux's xen_drm_front offers these (xen_drm_front_conn.c). */
	RGB(RGB565, 2, 0),
	RGB(RGB888, 3, 0),
	RGB(XRGB8888, 4, 0),
	RGB(ARGB8888, 4, 1),
	RGB(XRGB4444, 2, 0),
	RGB(ARGB4444, 2, 1),
	RGB(XRGB1555, 2, 0),
	RGB(ARGB1555, 2, 1),
	PACKED_YUV(YUYV),
	/* Other RGB. */
	RGB(R8, 1, 0),
	RGB(GR88, 2, 0),
	RGB(BGR565, 2, 0),
	RGB(BGR888, 3, 0),
	RGB(XBGR8888, 4, 0),
	RGB(ABGR8888, 4, 1),
	RGB(RGBX8888, 4, 0),
	RGB(RGBA8888, 4, 1),
	RGB(BGRX8888, 4, 0),
	RGB(BGRA8888, 4, 1),
	RGB(XRGB2101010, 4, 0),
	RGB(ARGB2101010, 4, 1),
	RGB(XBGR2101010, 4, 0),
	RGB(ABGR2101010, 4, 1),
	RGB(XRGB16161616F, 8, 0),
	RGB(ARGB16161616F, 8, 1),
	/* YUV. */
	PACKED_YUV(YVYU),
	PACKED_YUV(UYVY),
	PACKED_YUV(VYUY),
	SEMI_PLANAR(NV12, 1, 2, 2, 2, 12),
	SEMI_PLANAR(NV21, 1, 2, 2, 2, 12),
	SEMI_PLANAR(NV16, 1, 2, 2, 1, 16),
	SEMI_PLANAR(NV61, 1, 2, 2, 1, 16),
	SEMI_PLANAR(NV24, 1, 2, 1, 1, 24),
	SEMI_PLANAR(NV42, 1, 2, 1, 1, 24),
	SEMI_PLANAR(P010, 2, 4, 2, 2, 24),
	PLANAR(YUV420, 2, 2, 12),
	PLANAR(YVU420, 2, 2, 12),
	PLANAR(YUV422, 2, 1, 16),
	PLANAR(YVU422, 2, 1, 16),
	PLANAR(YUV444, 1, 1, 24),
	PLANAR(YVU444, 1, 1, 24),
};

static uint32_t fourcc_list[GNTBUF_ARRAY_SIZE(formats)];
static pthread_once_t fourcc_list_once = PTHREAD_ONCE_INIT;

const struct gntbuf_format_info *gntbuf_format_find(uint32_t fourcc)
{
	for (size_t i = 0; i < GNTBUF_ARRAY_SIZE(formats); i++)
		if (formats[i].fourcc == fourcc)
			return &formats[i];
	return NULL;
}

GNTBUF_EXPORT int
gntbuf_format_get_info(uint32_t fourcc, struct gntbuf_format_info *info)
{
	const struct gntbuf_format_info *f;

	if (!info)
		return -EINVAL;
	f = gntbuf_format_find(fourcc);
	if (!f)
		return -EOPNOTSUPP;
	*info = *f;
	return 0;
}

static void fill_fourcc_list(void)
{
	for (size_t i = 0; i < GNTBUF_ARRAY_SIZE(formats); i++)
		fourcc_list[i] = formats[i].fourcc;
}

GNTBUF_EXPORT const uint32_t *
gntbuf_format_get_list(uint32_t *count)
{
	pthread_once(&fourcc_list_once, fill_fourcc_list);
	if (count)
		*count = GNTBUF_ARRAY_SIZE(formats);
	return fourcc_list;
}

static uint64_t div_round_up(uint64_t n, uint64_t d)
{
	return n / d + (n % d != 0);
}

/* drm_format_info_plane_width(): planes past 0 are subsampled. */
static uint32_t plane_width(const struct gntbuf_format_info *f,
			    uint32_t width, uint32_t plane)
{
	return plane ? (uint32_t)div_round_up(width, f->hsub) : width;
}

static uint32_t plane_height(const struct gntbuf_format_info *f,
			     uint32_t height, uint32_t plane)
{
	return plane ? (uint32_t)div_round_up(height, f->vsub) : height;
}

/* drm_format_info_min_pitch(): bytes of the blocks of one row. */
static uint64_t min_row_bytes(const struct gntbuf_format_info *f,
			      uint32_t width, uint32_t plane)
{
	return div_round_up(plane_width(f, width, plane),
			    f->block_width[plane]) * f->block_bytes[plane];
}

static bool is_linear(uint64_t modifier)
{
	return modifier == DRM_FORMAT_MOD_LINEAR ||
		modifier == DRM_FORMAT_MOD_INVALID;
}

GNTBUF_EXPORT int
gntbuf_layout_init(struct gntbuf_layout *layout, uint32_t fourcc,
		   uint32_t width, uint32_t height, uint32_t stride_align)
{
	const struct gntbuf_format_info *f;
	struct gntbuf_layout l;
	uint64_t offset = 0;

	if (!layout || width == 0 || height == 0)
		return -EINVAL;
	if (stride_align == 0)
		stride_align = 1;
	if (stride_align & (stride_align - 1))
		return -EINVAL;
	f = gntbuf_format_find(fourcc);
	if (!f)
		return -EOPNOTSUPP;

	memset(&l, 0, sizeof(l));
	l.width = width;
	l.height = height;
	l.fourcc = fourcc;
	l.num_planes = f->num_planes;
	l.modifier = DRM_FORMAT_MOD_LINEAR;
	for (uint32_t p = 0; p < f->num_planes; p++) {
		uint64_t stride = min_row_bytes(f, width, p);

		stride = div_round_up(stride, stride_align) * stride_align;
		if (stride > UINT32_MAX || offset > UINT32_MAX)
			return -EOVERFLOW;
		l.strides[p] = (uint32_t)stride;
		l.offsets[p] = (uint32_t)offset;
		/* Cannot overflow: below 2^32 * 2^32 + 2^32. */
		offset += stride * plane_height(f, height, p);
	}
	l.size = offset;
	*layout = l;
	return 0;
}

GNTBUF_EXPORT int
gntbuf_layout_check(const struct gntbuf_layout *layout,
		    uint64_t buffer_size)
{
	const struct gntbuf_format_info *f;
	uint32_t p;

	if (!layout)
		return -EINVAL;
	f = gntbuf_format_find(layout->fourcc);
	if (!f)
		return -EOPNOTSUPP;
	if (layout->width == 0 || layout->height == 0 ||
	    layout->num_planes != f->num_planes || layout->size == 0)
		return -EINVAL;
	for (p = f->num_planes; p < GNTBUF_MAX_PLANES; p++)
		if (layout->offsets[p] || layout->strides[p])
			return -EINVAL;
	for (p = 0; p < f->num_planes; p++) {
		if (layout->strides[p] == 0)
			return -EINVAL;
		if (is_linear(layout->modifier) &&
		    layout->strides[p] < min_row_bytes(f, layout->width, p))
			return -EINVAL;
	}

	if (layout->size > buffer_size)
		return -ERANGE;
	for (p = 0; p < f->num_planes; p++) {
		uint64_t end;

		if (!is_linear(layout->modifier)) {
			if (layout->offsets[p] >= layout->size)
				return -ERANGE;
			continue;
		}
		/*
		 * drm_gem_fb_init_with_funcs(): (height - 1) * pitch +
		 * min_pitch + offset must fit in the object.
		 */
		end = (uint64_t)(plane_height(f, layout->height, p) - 1) *
			layout->strides[p];
		end += min_row_bytes(f, layout->width, p);
		end += layout->offsets[p];
		if (end > layout->size)
			return -ERANGE;
	}
	return 0;
}

static int compare_ranges(const void *a, const void *b)
{
	const struct gntbuf_range *ra = a, *rb = b;

	if (ra->offset != rb->offset)
		return ra->offset < rb->offset ? -1 : 1;
	if (ra->length != rb->length)
		return ra->length < rb->length ? -1 : 1;
	return 0;
}

/* Room for every row of every rectangle in every plane, or -ENOMEM. */
static int count_rows(const struct gntbuf_format_info *f,
		      const struct gntbuf_layout *layout,
		      const struct gntbuf_rect *rects, uint32_t rect_count,
		      size_t *rows)
{
	uint64_t total = 0;

	for (uint32_t i = 0; i < rect_count; i++) {
		const struct gntbuf_rect *r = &rects[i];

		if ((uint64_t)r->x + r->width > layout->width ||
		    (uint64_t)r->y + r->height > layout->height)
			return -EINVAL;
		if (r->width == 0 || r->height == 0)
			continue;
		for (uint32_t p = 0; p < f->num_planes; p++) {
			uint32_t vsub = p ? f->vsub : 1;

			uint64_t y_end = (uint64_t)r->y + r->height;

			total += div_round_up(y_end, vsub) - r->y / vsub;
		}
	}
	if (total > SIZE_MAX / sizeof(struct gntbuf_range))
		return -ENOMEM;
	*rows = (size_t)total;
	return 0;
}

GNTBUF_EXPORT int
gntbuf_layout_rects_to_ranges(const struct gntbuf_layout *layout,
			      const struct gntbuf_rect *rects,
			      uint32_t rect_count,
			      struct gntbuf_range *ranges, uint32_t max_ranges,
			      uint32_t *range_count)
{
	const struct gntbuf_format_info *f;
	struct gntbuf_range *all;
	size_t rows, n = 0, merged;
	int ret;

	if (!layout || !range_count || (rect_count && !rects))
		return -EINVAL;
	f = gntbuf_format_find(layout->fourcc);
	if (!f || !is_linear(layout->modifier))
		return -EOPNOTSUPP;
	ret = gntbuf_layout_check(layout, layout->size);
	if (ret)
		return ret;
	ret = count_rows(f, layout, rects, rect_count, &rows);
	if (ret)
		return ret;
	if (rows == 0) {
		*range_count = 0;
		return 0;
	}

	all = malloc(rows * sizeof(*all));
	if (!all)
		return -ENOMEM;
	for (uint32_t i = 0; i < rect_count; i++) {
		const struct gntbuf_rect *r = &rects[i];

		if (r->width == 0 || r->height == 0)
			continue;
		for (uint32_t p = 0; p < f->num_planes; p++) {
			uint32_t hsub = p ? f->hsub : 1, vsub = p ? f->vsub : 1;
			uint32_t bw = f->block_width[p], bb = f->block_bytes[p];
			/* Subsampled columns and rows rounded outwards. */
			uint64_t x_end = (uint64_t)r->x + r->width;
			uint64_t y_end = (uint64_t)r->y + r->height;
			uint64_t x0 = r->x / hsub, x1 = div_round_up(x_end, hsub);
			uint64_t y0 = r->y / vsub, y1 = div_round_up(y_end, vsub);
			/* Whole blocks: a YUYV pair is never split. */
			uint64_t b0 = x0 / bw * bb;
			uint64_t b1 = div_round_up(x1, bw) * bb;

			for (uint64_t y = y0; y < y1; y++) {
				all[n].offset = layout->offsets[p] +
					y * layout->strides[p] + b0;
				all[n].length = b1 - b0;
				n++;
			}
		}
	}

	qsort(all, n, sizeof(*all), compare_ranges);
	merged = 0;
	for (size_t i = 1; i < n; i++) {
		struct gntbuf_range *cur = &all[merged];
		uint64_t end = cur->offset + cur->length;

		if (all[i].offset <= end) {
			uint64_t next_end = all[i].offset + all[i].length;

			if (next_end > end)
				cur->length = next_end - cur->offset;
		} else {
			all[++merged] = all[i];
		}
	}
	merged++;

	if (merged > UINT32_MAX) {
		ret = -ENOSPC;
	} else if (!ranges) {
		*range_count = (uint32_t)merged;
	} else if (merged > max_ranges) {
		ret = -ENOSPC;
	} else {
		memcpy(ranges, all, merged * sizeof(*all));
		*range_count = (uint32_t)merged;
	}
	free(all);
	return ret;
}
