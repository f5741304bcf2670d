/* SPDX-License-Identifier: MIT */
/*
 * The known moving pattern of displfront-flip, shared by the frontend
 * that draws it (in the domU) and the checker that reads it back from the
 * backend's PNGs (in dom0).  Frame k of a W x H XRGB8888 image:
 *  - background: colour bg(k);
 *  - a 32-pixel wide red bar at x = bar_x(k), full height below the code;
 *  - the code: the top CODE_ROWS rows hold 16 blocks of W / 16 pixels,
 *    block i white when bit i of k is set, black otherwise.
 */
#ifndef GNTBUF_FRAME_PATTERN_H
#define GNTBUF_FRAME_PATTERN_H

#include <stdint.h>

#define PATTERN_CODE_ROWS	32u
#define PATTERN_CODE_BITS	16u
#define PATTERN_BAR_W		32u

static inline uint32_t pattern_bg(uint32_t k)
{
	/* Dim enough that the white code blocks and red bar stand out. */
	uint32_t r = (k * 37u) % 128u, g = 64u + (k * 91u) % 128u,
		 b = (k * 53u) % 128u;

	return r << 16 | g << 8 | b;
}

static inline uint32_t pattern_bar_x(uint32_t k, uint32_t w)
{
	return (k * 8u) % (w - PATTERN_BAR_W);
}

#define PATTERN_BAR_RGB 0xff0000u

/* The XRGB8888 pixel of frame @k at (@x, @y) of a @w-pixel wide image. */
static inline uint32_t pattern_pixel(uint32_t k, uint32_t x, uint32_t y,
				     uint32_t w)
{
	uint32_t bx = pattern_bar_x(k, w);

	if (y < PATTERN_CODE_ROWS) {
		uint32_t bit = x / (w / PATTERN_CODE_BITS);

		if (bit >= PATTERN_CODE_BITS)
			return 0;
		return (k >> bit) & 1 ? 0xffffffu : 0;
	}
	if (x >= bx && x < bx + PATTERN_BAR_W)
		return PATTERN_BAR_RGB;
	return pattern_bg(k);
}

#endif
