// SPDX-License-Identifier: MIT
/* Write a framebuffer region as an 8-bit RGB PNG, through libpng. */
#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "png-write.h"

int png_write_fb(const char *path, const uint8_t *base, uint32_t pitch,
		 const struct pixfmt *fmt, uint32_t width, uint32_t height)
{
	png_structp png = NULL;
	png_infop info = NULL;
	uint8_t *row = NULL;
	FILE *f;
	volatile int ret = 0;

	f = fopen(path, "wb");
	if (!f)
		return -errno;
	row = malloc((size_t)width * 3);
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	if (png)
		info = png_create_info_struct(png);
	if (!row || !png || !info) {
		ret = -ENOMEM;
		goto out;
	}
	if (setjmp(png_jmpbuf(png))) {
		ret = -EIO;
		goto out;
	}
	png_init_io(png, f);
	/* Speed over size: the rig runs under TCG. */
	png_set_compression_level(png, 1);
	png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGB,
		     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
		     PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (uint32_t y = 0; y < height; y++) {
		const uint8_t *src = base + (size_t)y * pitch;

		if (fmt->cpp == 4) {
			/* XRGB8888/ARGB8888 fast path: bytes B, G, R, X. */
			for (uint32_t x = 0; x < width; x++) {
				row[x * 3] = src[x * 4 + 2];
				row[x * 3 + 1] = src[x * 4 + 1];
				row[x * 3 + 2] = src[x * 4];
			}
		} else {
			for (uint32_t x = 0; x < width; x++)
				pixfmt_to_rgb(fmt, src, x, row + (size_t)x * 3);
		}
		png_write_row(png, row);
	}
	png_write_end(png, NULL);
out:
	png_destroy_write_struct(png ? &png : NULL, info ? &info : NULL);
	free(row);
	if (fclose(f) && !ret)
		ret = -errno;
	if (ret)
		remove(path);
	return ret;
}
