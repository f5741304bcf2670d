/* SPDX-License-Identifier: MIT */
#ifndef GNTBUF_PNG_WRITE_H
#define GNTBUF_PNG_WRITE_H

#include "displback.h"

/*
 * Write @width x @height pixels of @fmt starting at @base, rows @pitch
 * bytes apart, to @path as an 8-bit RGB PNG.  0 or a negative errno; the
 * file is removed on failure.
 */
int png_write_fb(const char *path, const uint8_t *base, uint32_t pitch,
		 const struct pixfmt *fmt, uint32_t width, uint32_t height);

#endif
