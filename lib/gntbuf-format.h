/* SPDX-License-Identifier: MIT */
/**
 * @file gntbuf-format.h
 * libgntbuf: Formats and buffer layouts (fourcc, modifier, strides), and the dma-buf
 * attributes a compositor's zwp_linux_dmabuf_v1 import takes.
 *
 * Part of gntbuf.h, which includes it where its section belongs: include
 * &lt;gntbuf.h&gt;, not this file (its units, errors and ownership rules
 * apply here too).
 */
#ifndef GNTBUF_FORMAT_H
#define GNTBUF_FORMAT_H

#ifndef GNTBUF_H_INSIDE
#error "include <gntbuf.h>, not <gntbuf-format.h>"
#endif

/* ---------------------------------------------------------------- */
/** @name Formats and buffer layouts */
/** @{ */

/**
 * A pixel format as the library knows it (after Linux's
 * struct drm_format_info). Filled by gntbuf_format_get_info().
 */
struct gntbuf_format_info {
	/** DRM fourcc code (drm_fourcc.h). */
	uint32_t fourcc;
	/** Number of planes, 1 to 3. */
	uint32_t num_planes;
	/** Bytes per block of each plane. */
	uint32_t block_bytes[GNTBUF_MAX_PLANES];
	/** Pixels per block of each plane, horizontally (2 for YUYV). */
	uint32_t block_width[GNTBUF_MAX_PLANES];
	/** Horizontal subsampling of planes 1 and up (2 for NV12). */
	uint32_t hsub;
	/** Vertical subsampling of planes 1 and up (2 for NV12). */
	uint32_t vsub;
	/** Bits per pixel over all planes: 32 for XRGB8888, 12 for NV12. */
	uint32_t bpp;
	/** Nonzero for formats with an alpha channel. */
	uint32_t has_alpha;
	/** The name, as drm_fourcc.h spells it without DRM_FORMAT_. */
	const char *name;
};

/**
 * Looks up a fourcc in the library's table.
 *
 * @param fourcc a DRM fourcc code.
 * @param[out] info what the library knows of it.
 * @return 0, -EOPNOTSUPP for a fourcc not in the table, -EINVAL for NULL.
 */
int
gntbuf_format_get_info(uint32_t fourcc, struct gntbuf_format_info *info);

/**
 * The fourcc codes the library knows: every format of Xen's PV display
 * (the formats Linux's xen_drm_front offers), the common RGB, 10-bit and
 * YUV ones.
 *
 * @param[out] count number of codes; may be NULL.
 * @return a static array of @p count fourcc codes.
 */
const uint32_t *
gntbuf_format_get_list(uint32_t *count);

/**
 * The description of an image in a buffer: what DRM's AddFB2 and GBM's
 * import need. Offsets and strides in bytes, width and height in pixels.
 */
struct gntbuf_layout {
	/** Width in pixels. */
	uint32_t width;
	/** Height in pixels. */
	uint32_t height;
	/** DRM fourcc code. */
	uint32_t fourcc;
	/** Number of planes; must match the fourcc. */
	uint32_t num_planes;
	/**
	 * DRM format modifier: DRM_FORMAT_MOD_LINEAR (0) for images the CPU
	 * draws; DRM_FORMAT_MOD_INVALID for "implicit" (also linear here).
	 */
	uint64_t modifier;
	/** Bytes the image spans from the buffer's start (all planes). */
	uint64_t size;
	/** Offset of each plane from the buffer's start, in bytes. */
	uint32_t offsets[GNTBUF_MAX_PLANES];
	/** Stride (pitch) of each plane, in bytes per row. */
	uint32_t strides[GNTBUF_MAX_PLANES];
};

/**
 * Describes a packed linear image: planes one after the other from offset
 * 0, each plane's stride its minimum row size rounded up to @p
 * stride_align; modifier DRM_FORMAT_MOD_LINEAR. With @p stride_align 1
 * the strides are those of Linux's xen_drm_front, DIV_ROUND_UP(width *
 * bpp, 8) for one-plane formats.
 *
 * @param[out] layout the layout.
 * @param fourcc a DRM fourcc code.
 * @param width width in pixels, at least 1.
 * @param height height in pixels, at least 1.
 * @param stride_align stride alignment in bytes: 0 or 1 (none), or a power
 *   of two.
 * @return 0 or a negative errno: -EOPNOTSUPP (fourcc not in the table),
 *   -EINVAL (NULL, zero size, @p stride_align not a power of two),
 *   -EOVERFLOW (a stride past 32 bits).
 */
int
gntbuf_layout_init(struct gntbuf_layout *layout, uint32_t fourcc,
		   uint32_t width, uint32_t height, uint32_t stride_align);

/**
 * Checks a layout against a buffer of @p buffer_size bytes, with DRM's rule
 * for framebuffers (drm_gem_fb_init_with_funcs): each plane's stride holds
 * a row, and offset + stride * (rows - 1) + row bytes fits in the layout's
 * size, which fits in the buffer. For modifiers other than LINEAR and
 * INVALID (tiled, compressed), whose sizes the library cannot know, only
 * the fields are checked: strides nonzero, offsets and size within the
 * buffer.
 *
 * @param layout the layout.
 * @param buffer_size size of the buffer, in bytes.
 * @return 0 or a negative errno: -EOPNOTSUPP (fourcc not in the table),
 *   -EINVAL (zero width or height, wrong num_planes, a stride too small,
 *   nonzero fields in unused planes, NULL), -ERANGE (a plane or the size
 *   past the buffer's end, or a plane past the layout's size), -EOVERFLOW.
 */
int
gntbuf_layout_check(const struct gntbuf_layout *layout,
		    uint64_t buffer_size);

/** A rectangle of pixels, as damage. */
struct gntbuf_rect {
	/** Left column, in pixels. */
	uint32_t x;
	/** Top row, in pixels. */
	uint32_t y;
	/** Width in pixels. */
	uint32_t width;
	/** Height in pixels. */
	uint32_t height;
};

/** A byte range of a buffer. */
struct gntbuf_range {
	/** First byte. */
	uint64_t offset;
	/** Number of bytes. */
	uint64_t length;
};

/**
 * Turns damage rectangles into the byte ranges they cover: in each plane,
 * each row of a rectangle is [offset + row * stride + first byte, ... +
 * last byte), with subsampled planes' columns and rows rounded outwards and
 * packed YUV blocks (YUYV) kept whole. The ranges come sorted by offset,
 * with overlapping and touching ones merged, so that full-width rows of a
 * tightly packed plane make one range.
 *
 * Call with @p ranges NULL to learn the number of ranges.
 *
 * @param layout a linear layout (DRM_FORMAT_MOD_LINEAR or _INVALID).
 * @param rects @p rect_count rectangles, each within width x height;
 *   empty ones are skipped.
 * @param rect_count number of rectangles.
 * @param[out] ranges room for @p max_ranges ranges, or NULL.
 * @param max_ranges the room in @p ranges.
 * @param[out] range_count the number of ranges (written, or needed).
 * @return 0 or a negative errno: -EINVAL (a rectangle outside the image,
 *   NULL, a layout gntbuf_layout_check() refuses for its own size),
 *   -EOPNOTSUPP (a tiled modifier, an unknown fourcc), -ENOSPC (more
 *   ranges than @p max_ranges; nothing written), -ENOMEM.
 */
int
gntbuf_layout_rects_to_ranges(const struct gntbuf_layout *layout,
			      const struct gntbuf_rect *rects,
			      uint32_t rect_count,
			      struct gntbuf_range *ranges, uint32_t max_ranges,
			      uint32_t *range_count);

/** @} */

/* ---------------------------------------------------------------- */
/** @name Compositors: dma-buf attributes */
/** @{ */

/**
 * An image in a buffer as a compositor's dma-buf import takes it (after
 * wlroots' struct wlr_dmabuf_attributes): one zwp_linux_buffer_params_v1
 * add request per plane, with these fds, offsets, strides and modifier,
 * then create with width, height and fourcc (Wayland's
 * linux-dmabuf-unstable-v1.xml); or EGL_EXT_image_dma_buf_import's
 * EGL_DMA_BUF_PLANEn_FD, _OFFSET, _PITCH and _MODIFIER attributes. Filled by
 * gntbuf_buffer_get_dmabuf_attributes(), emptied by
 * gntbuf_dmabuf_attributes_finish().
 */
struct gntbuf_dmabuf_attributes {
	/** Width in pixels. */
	uint32_t width;
	/** Height in pixels. */
	uint32_t height;
	/** DRM fourcc code (drm_fourcc.h). */
	uint32_t fourcc;
	/** Number of planes, 1 to GNTBUF_MAX_PLANES. */
	uint32_t num_planes;
	/**
	 * DRM format modifier of every plane: DRM_FORMAT_MOD_LINEAR (0);
	 * add takes it as modifier_hi (bits 63-32) and modifier_lo.
	 */
	uint64_t modifier;
	/**
	 * Per plane, a dma-buf file descriptor of the whole buffer, each a
	 * duplicate of its own (O_CLOEXEC, the caller's: closed by
	 * gntbuf_dmabuf_attributes_finish()); -1 past num_planes.
	 */
	int32_t fds[GNTBUF_MAX_PLANES];
	/** Offset of each plane from the buffer's start, in bytes. */
	uint32_t offsets[GNTBUF_MAX_PLANES];
	/** Stride (pitch) of each plane, in bytes per row. */
	uint32_t strides[GNTBUF_MAX_PLANES];
};

/**
 * The dma-buf attributes of an image in a buffer: @p layout (from
 * gntbuf_layout_init() for the fourcc, width and height, with the
 * strides gntbuf_format_get_info()'s block sizes give) checked against the
 * buffer (gntbuf_layout_check()), and for each plane a new duplicate of
 * the buffer's dma-buf. A layout with DRM_FORMAT_MOD_INVALID ("implicit",
 * linear here) is given as DRM_FORMAT_MOD_LINEAR: the library's buffers
 * are linear, and a compositor that offers LINEAR takes it explicitly.
 *
 * @code
 * gntbuf_layout_init(&layout, DRM_FORMAT_XRGB8888, 800, 600, 1);
 * gntbuf_buffer_get_dmabuf_attributes(buf, &layout, &attrs);
 * params = zwp_linux_dmabuf_v1_create_params(dmabuf);
 * for (uint32_t i = 0; i < attrs.num_planes; i++)
 *         zwp_linux_buffer_params_v1_add(params, attrs.fds[i], i,
 *                 attrs.offsets[i], attrs.strides[i],
 *                 attrs.modifier >> 32, attrs.modifier & 0xffffffff);
 * zwp_linux_buffer_params_v1_create(params, attrs.width, attrs.height,
 *                                   attrs.fourcc, 0);
 * gntbuf_dmabuf_attributes_finish(&attrs);   // libwayland sent its dups
 * @endcode
 *
 * @param buf the buffer.
 * @param layout the image in it; its modifier must be LINEAR or INVALID.
 * @param[out] attrs the attributes; written only on success, their fds
 *   the caller's.
 * @return 0 or a negative errno: -EINVAL (NULL; the layout's own errors
 *   from gntbuf_layout_check()), -ERANGE (the image does not fit the
 *   buffer), -EOPNOTSUPP (a modifier other than LINEAR and INVALID, a
 *   fourcc the library does not know), -EBADF (the buffer's dma-buf was
 *   let go by gntbuf_buffer_wait_released()), -EMFILE.
 * @since 0.4.0 (version node GNTBUF_0.4)
 */
int
gntbuf_buffer_get_dmabuf_attributes(struct gntbuf_buffer *buf,
				    const struct gntbuf_layout *layout,
				    struct gntbuf_dmabuf_attributes *attrs);

/**
 * Closes the fds of attributes from gntbuf_buffer_get_dmabuf_attributes()
 * and sets them to -1; a second call does nothing.
 *
 * @param attrs the attributes, or NULL.
 * @since 0.4.0 (version node GNTBUF_0.4)
 */
void
gntbuf_dmabuf_attributes_finish(struct gntbuf_dmabuf_attributes *attrs);

/** @} */

#endif /* GNTBUF_FORMAT_H */
