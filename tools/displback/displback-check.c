// SPDX-License-Identifier: MIT
/*
 * displback-check: read back what gntbuf-displback's capture sink wrote.
 *
 *   displback-check pixels FILE.png X,Y=RRGGBB ...
 *       each listed pixel must have that colour (within 2 per channel);
 *   displback-check frame FILE.png K [FILE.png K]...
 *       each image must be frame K of displfront-flip's pattern
 *       (frame-pattern.h): its binary code, its red bar's position and its
 *       background, checked at sample points of every row band (several
 *       pairs in one run: a process start costs much under emulation);
 *   displback-check same A.png B.png [A.png B.png]...
 *       both images of each pair have the same size and every pixel the
 *       same colour
 *       (exactly): e.g. a frame read back through vkms's writeback
 *       connector against the same frame read from the dma-buf.
 *
 * Exits 0 when everything matches, 1 on a mismatch (each one printed),
 * 2 on a usage or file error.
 */
#include <inttypes.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame-pattern.h"

struct img {
	uint32_t w, h;
	uint8_t *rgb;
};

static int load(const char *path, struct img *im)
{
	png_image p;

	memset(&p, 0, sizeof(p));
	p.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_file(&p, path)) {
		fprintf(stderr, "%s: %s\n", path, p.message);
		return -1;
	}
	/*
	 * Read as RGBA and drop the alpha: a compositor's screenshot of an
	 * XRGB8888 output (weston-screenshooter) carries whatever the X byte
	 * held as alpha, which libpng would otherwise blend over black.
	 */
	p.format = PNG_FORMAT_RGBA;
	im->w = p.width;
	im->h = p.height;
	im->rgb = malloc(PNG_IMAGE_SIZE(p));
	if (!im->rgb || !png_image_finish_read(&p, NULL, im->rgb, 0, NULL)) {
		fprintf(stderr, "%s: %s\n", path, p.message);
		return -1;
	}
	for (size_t i = 0; i < (size_t)im->w * im->h; i++)
		memmove(im->rgb + i * 3, im->rgb + i * 4, 3);
	return 0;
}

static uint32_t px(const struct img *im, uint32_t x, uint32_t y)
{
	const uint8_t *p = im->rgb + ((size_t)y * im->w + x) * 3;

	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static int close_enough(uint32_t a, uint32_t b)
{
	for (int s = 0; s < 24; s += 8) {
		int d = (int)((a >> s) & 255) - (int)((b >> s) & 255);

		if (d < -2 || d > 2)
			return 0;
	}
	return 1;
}

static int check(const char *what, const struct img *im, uint32_t x,
		 uint32_t y, uint32_t want)
{
	uint32_t got;

	if (x >= im->w || y >= im->h) {
		printf("MISMATCH %s: (%u,%u) outside %ux%u\n", what, x, y,
		       im->w, im->h);
		return 1;
	}
	got = px(im, x, y);
	if (close_enough(got, want))
		return 0;
	printf("MISMATCH %s: (%u,%u) is %06x, want %06x\n", what, x, y, got,
	       want);
	return 1;
}

static int check_frame(const struct img *im, uint32_t k)
{
	uint32_t w = im->w, h = im->h, bx = pattern_bar_x(k, w), bad = 0;
	uint32_t block = w / PATTERN_CODE_BITS;
	char what[64];

	for (uint32_t i = 0; i < PATTERN_CODE_BITS; i++) {
		snprintf(what, sizeof(what), "code bit %u of frame %u", i, k);
		bad += check(what, im, i * block + block / 2,
			     PATTERN_CODE_ROWS / 2,
			     (k >> i) & 1 ? 0xffffffu : 0);
	}
	for (uint32_t y = PATTERN_CODE_ROWS; y < h; y += (h - 33) / 4) {
		snprintf(what, sizeof(what), "bar of frame %u", k);
		bad += check(what, im, bx + PATTERN_BAR_W / 2, y,
			     PATTERN_BAR_RGB);
		bad += check(what, im, bx, y, PATTERN_BAR_RGB);
		bad += check(what, im, bx + PATTERN_BAR_W - 1, y,
			     PATTERN_BAR_RGB);
		snprintf(what, sizeof(what), "background of frame %u", k);
		bad += check(what, im, bx >= w / 2 ? bx / 2 :
			     (bx + PATTERN_BAR_W + w) / 2, y, pattern_bg(k));
		if (bx > 0)
			bad += check(what, im, bx - 1, y, pattern_bg(k));
		if (bx + PATTERN_BAR_W < w)
			bad += check(what, im, bx + PATTERN_BAR_W, y,
				     pattern_bg(k));
	}
	return bad ? 1 : 0;
}

/* Every pixel of @a and @b; the first few differences printed. */
static int check_same(const char *pa, const struct img *a, const char *pb,
		      const struct img *b)
{
	uint64_t diff = 0;

	if (a->w != b->w || a->h != b->h) {
		printf("MISMATCH: %s is %ux%u, %s is %ux%u\n", pa, a->w, a->h,
		       pb, b->w, b->h);
		return 1;
	}
	for (uint32_t y = 0; y < a->h; y++)
		for (uint32_t x = 0; x < a->w; x++) {
			uint32_t ca = px(a, x, y), cb = px(b, x, y);

			if (ca == cb)
				continue;
			if (diff++ < 5)
				printf("MISMATCH: (%u,%u) is %06x in %s, %06x "
				       "in %s\n", x, y, ca, pa, cb, pb);
		}
	printf("%s and %s: %" PRIu64 " of %u pixels differ\n", pa, pb, diff,
	       a->w * a->h);
	return diff ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct img im, im2;
	int bad = 0;

	if (argc < 4 || (strcmp(argv[1], "pixels") && strcmp(argv[1], "frame") &&
			 strcmp(argv[1], "same"))) {
		fprintf(stderr, "usage: displback-check pixels FILE X,Y=RRGGBB ...\n"
			"       displback-check frame FILE K [FILE K]...\n"
			"       displback-check same A.png B.png [A.png B.png]...\n");
		return 2;
	}
	if (!strcmp(argv[1], "frame")) {
		if (argc % 2) {
			fprintf(stderr, "displback-check frame: FILE K pairs\n");
			return 2;
		}
		for (int i = 2; i + 1 < argc; i += 2) {
			int b;

			if (load(argv[i], &im)) {
				bad = 2;
				continue;
			}
			b = check_frame(&im, (uint32_t)strtoul(argv[i + 1],
								NULL, 0));
			printf("%s: %s frame %s of the pattern\n", argv[i],
			       b ? "is NOT" : "is", argv[i + 1]);
			free(im.rgb);
			if (b && !bad)
				bad = 1;
		}
		return bad;
	}
	if (!strcmp(argv[1], "same")) {
		if (argc % 2) {
			fprintf(stderr, "displback-check same: A B pairs\n");
			return 2;
		}
		for (int i = 2; i + 1 < argc; i += 2) {
			int b;

			if (load(argv[i], &im)) {
				bad = 2;
				continue;
			}
			if (load(argv[i + 1], &im2)) {
				free(im.rgb);
				bad = 2;
				continue;
			}
			b = check_same(argv[i], &im, argv[i + 1], &im2);
			free(im.rgb);
			free(im2.rgb);
			if (b && !bad)
				bad = 1;
		}
		return bad;
	}
	if (load(argv[2], &im))
		return 2;
	for (int i = 3; i < argc; i++) {
		unsigned int x, y, c;

		if (sscanf(argv[i], "%u,%u=%x", &x, &y, &c) != 3) {
			fprintf(stderr, "bad point %s\n", argv[i]);
			return 2;
		}
		bad += check(argv[i], &im, x, y, c);
	}
	printf("%s: %d of %d points differ\n", argv[2], bad, argc - 3);
	return bad ? 1 : 0;
}
