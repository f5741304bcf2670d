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
 *       connector against the same frame read from the dma-buf;
 *   displback-check simple-shm RRGGBB FILE.png...
 *       each image is a desktop of that background colour (within 2 per
 *       channel) with one window of Debian's weston-simple-shm in it,
 *       every pixel of the window exact (simple_shm_expect()).
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

/*
 * weston-simple-shm (weston 10, clients/simple-shm.c): a 250x250 XRGB8888
 * buffer filled with 0xff (a white border of 20 pixels), then at each
 * frame paint_pixels(padding 20, time t of the frame callback, in ms):
 * inside a disc (r2 < 85^2 around (125,125)) (r2 / 32 + t / 64) * K,
 * in the ring up to 117^2 (y + t / 32) * K, outside it (x + t / 16) * K,
 * each modulo 2^24, K = 0x080401.  The one unknown, t / 16, is read back
 * from pixel (20,20), which lies outside the ring: K is odd, hence
 * invertible modulo 2^24 (t / 16 < 2^24 while t < 74 hours of uptime).
 */
#define SHM_SIZE 250u
#define SHM_PAD 20u
#define SHM_K 0x080401u

static uint32_t simple_shm_t16(uint32_t v)
{
	uint32_t inv = SHM_K;

	for (int i = 0; i < 5; i++)	/* Newton: inverse of K mod 2^32 */
		inv *= 2 - SHM_K * inv;
	return (v * inv - SHM_PAD) & 0xffffff;
}

static uint32_t simple_shm_expect(uint32_t x, uint32_t y, uint32_t t16)
{
	const uint32_t half = SHM_PAD + (SHM_SIZE - 2 * SHM_PAD) / 2;
	const uint32_t or = (half - 8) * (half - 8);
	const uint32_t ir = (half - 8 - 32) * (half - 8 - 32);
	uint32_t dx = x > half ? x - half : half - x;
	uint32_t dy = y > half ? y - half : half - y;
	uint32_t r2 = dx * dx + dy * dy;

	if (x < SHM_PAD || y < SHM_PAD || x >= SHM_SIZE - SHM_PAD ||
	    y >= SHM_SIZE - SHM_PAD)
		return 0xffffff;
	if (r2 < ir)
		return ((r2 / 32 + t16 / 4) * SHM_K) & 0xffffff;
	if (r2 < or)
		return ((y + t16 / 2) * SHM_K) & 0xffffff;
	return ((x + t16) * SHM_K) & 0xffffff;
}

/* The desktop around the window, then every pixel of the window. */
static int check_simple_shm(const char *path, const struct img *im,
			    uint32_t bg)
{
	uint32_t x0 = im->w, y0 = im->h, x1 = 0, y1 = 0, t16;
	uint64_t diff = 0;

	for (uint32_t y = 0; y < im->h; y++)
		for (uint32_t x = 0; x < im->w; x++) {
			if (close_enough(px(im, x, y), bg))
				continue;
			x0 = x < x0 ? x : x0;
			y0 = y < y0 ? y : y0;
			x1 = x > x1 ? x : x1;
			y1 = y > y1 ? y : y1;
		}
	if (x0 > x1) {
		printf("MISMATCH %s: only the background %06x, no window\n",
		       path, bg);
		return 1;
	}
	if (x1 - x0 + 1 != SHM_SIZE || y1 - y0 + 1 != SHM_SIZE) {
		printf("MISMATCH %s: what is not the background %06x spans "
		       "(%u,%u)-(%u,%u), not one %ux%u window\n", path, bg,
		       x0, y0, x1, y1, SHM_SIZE, SHM_SIZE);
		return 1;
	}
	t16 = simple_shm_t16(px(im, x0 + SHM_PAD, y0 + SHM_PAD));
	for (uint32_t y = 0; y < SHM_SIZE; y++)
		for (uint32_t x = 0; x < SHM_SIZE; x++) {
			uint32_t got = px(im, x0 + x, y0 + y);
			uint32_t want = simple_shm_expect(x, y, t16);

			if (got != want && diff++ < 5)
				printf("MISMATCH %s: window pixel (%u,%u) is "
				       "%06x, want %06x\n", path, x, y, got,
				       want);
		}
	printf("%s: background %06x, weston-simple-shm's %ux%u window at "
	       "(%u,%u), its frame of t = %u..%u ms: %" PRIu64 " of %u "
	       "pixels differ\n", path, bg, SHM_SIZE, SHM_SIZE, x0, y0,
	       t16 * 16, t16 * 16 + 15, diff, SHM_SIZE * SHM_SIZE);
	return diff ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct img im, im2;
	int bad = 0;

	if (argc < 4 || (strcmp(argv[1], "pixels") && strcmp(argv[1], "frame") &&
			 strcmp(argv[1], "same") &&
			 strcmp(argv[1], "simple-shm"))) {
		fprintf(stderr, "usage: displback-check pixels FILE X,Y=RRGGBB ...\n"
			"       displback-check frame FILE K [FILE K]...\n"
			"       displback-check same A.png B.png [A.png B.png]...\n"
			"       displback-check simple-shm RRGGBB FILE...\n");
		return 2;
	}
	if (!strcmp(argv[1], "simple-shm")) {
		char *end;
		unsigned long bg = strtoul(argv[2], &end, 16);

		if (*end || end == argv[2] || bg > 0xffffff) {
			fprintf(stderr, "displback-check simple-shm: bad "
				"colour %s (RRGGBB)\n", argv[2]);
			return 2;
		}
		for (int i = 3; i < argc; i++) {
			int b;

			if (load(argv[i], &im)) {
				bad = 2;
				continue;
			}
			b = check_simple_shm(argv[i], &im, (uint32_t)bg);
			free(im.rgb);
			if (b && !bad)
				bad = 1;
		}
		return bad;
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
