// SPDX-License-Identifier: MIT
/*
 * Host tests of gntbuf-displback's pieces that need no Xen: the request
 * checks of xen/io/displif.h (each bad input named), the EDID block, the
 * pixel formats, and the PNG writer read back by the frame checker's
 * pattern and its weston-simple-shm desktop.  Prints one line per check; exits 1 on any failure.
 */
#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <drm_fourcc.h>

#include "../displback.h"
#include "../frame-pattern.h"
#include "../png-write.h"

static int fails, checks;

#define CHECK(cond, ...) do { \
	checks++; \
	if (cond) { \
		printf("ok   "); \
	} else { \
		printf("FAIL "); \
		fails++; \
	} \
	printf(__VA_ARGS__); \
	printf("\n"); \
} while (0)

static struct xendispl_dbuf_create_req good_dbuf(void)
{
	struct xendispl_dbuf_create_req r = {
		.dbuf_cookie = 0x1234, .width = 800, .height = 600, .bpp = 32,
		.buffer_sz = 800 * 600 * 4, .gref_directory = 8,
	};
	return r;
}

static void test_dbuf_create(void)
{
	struct xendispl_dbuf_create_req r;
	struct dbuf_geom g;
	const char *why;
	int ret;

	r = good_dbuf();
	ret = proto_check_dbuf_create(&r, false, &g, &why);
	CHECK(ret == 0 && g.pitch == 3200 && g.pages == 469 && !g.be_alloc,
	      "DBUF_CREATE 800x600x32: pitch 3200, 469 pages");

	r = good_dbuf();
	r.buffer_sz = 469 * 4096;
	CHECK(proto_check_dbuf_create(&r, false, &g, &why) == 0,
	      "DBUF_CREATE: buffer_sz rounded up to a page is accepted");

	struct {
		const char *name;
		void (*tweak)(struct xendispl_dbuf_create_req *r);
	} bad[] = {
		{ "dbuf_cookie 0", NULL },
		{ "buffer_sz 0", NULL },
		{ "buffer_sz one byte short of width x height x bpp", NULL },
		{ "buffer_sz a page larger than width x height x bpp", NULL },
		{ "bpp 12", NULL },
		{ "width 0 with height and bpp set", NULL },
		{ "width 100000", NULL },
		{ "data_ofs past buffer_sz", NULL },
		{ "data_ofs pushing the image past buffer_sz", NULL },
		{ "buffer_sz of 4 GiB - 1 (over the page limit)", NULL },
	};
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = good_dbuf();
		switch (i) {
		case 0: r.dbuf_cookie = 0; break;
		case 1: r.buffer_sz = 0; break;
		case 2: r.buffer_sz -= 1; break;
		case 3: r.buffer_sz += 4096; break;
		case 4: r.bpp = 12; break;
		case 5: r.width = 0; break;
		case 6: r.width = 100000; r.buffer_sz = 100000u * 600 * 4; break;
		case 7: r.data_ofs = r.buffer_sz; break;
		case 8: r.data_ofs = 64; break;
		case 9: r.width = r.height = r.bpp = 0;
			r.buffer_sz = 0xffffffffu; break;
		}
		why = "";
		ret = proto_check_dbuf_create(&r, false, &g, &why);
		CHECK(ret == -EINVAL, "DBUF_CREATE bad input \"%s\": -EINVAL (%s)",
		      bad[i].name, why);
	}

	r = good_dbuf();
	r.width = r.height = r.bpp = 0;
	r.buffer_sz = 1920000;
	r.data_ofs = 128;
	ret = proto_check_dbuf_create(&r, false, &g, &why);
	CHECK(ret == 0 && g.pitch == 0 && g.data_ofs == 128,
	      "DBUF_CREATE width 0 (PRIME import): pending, data_ofs kept");

	r = good_dbuf();
	r.flags = XENDISPL_DBUF_FLG_REQ_ALLOC;
	proto_check_dbuf_create(&r, false, &g, &why);
	CHECK(!g.be_alloc, "REQ_ALLOC without be-alloc=1: frontend-allocated "
	      "(Linux leaves stale flag bits)");
	proto_check_dbuf_create(&r, true, &g, &why);
	CHECK(g.be_alloc, "REQ_ALLOC with be-alloc=1: backend-allocated");
	r.flags = 0x34325258;	/* 'XR24' left in the slot by an FB_ATTACH */
	proto_check_dbuf_create(&r, true, &g, &why);
	CHECK(!g.be_alloc && proto_check_dbuf_create(&r, true, &g, &why) == 0,
	      "stale flags 'XR24' (bit 0 clear): frontend-allocated, accepted");
}

static void test_fb_attach(void)
{
	struct xendispl_dbuf_create_req d = good_dbuf();
	struct xendispl_fb_attach_req r = {
		.dbuf_cookie = 0x1234, .fb_cookie = 0x99, .width = 800,
		.height = 600, .pixel_format = DRM_FORMAT_XRGB8888,
	};
	struct dbuf_geom g;
	struct fb_geom fb;
	const char *why = "";

	proto_check_dbuf_create(&d, false, &g, &why);
	CHECK(proto_check_fb_attach(&r, &g, &fb, &why) == 0 &&
	      fb.pitch == 3200, "FB_ATTACH XRGB8888 800x600 on 800x600x32");
	r.pixel_format = DRM_FORMAT_RGB565;
	CHECK(proto_check_fb_attach(&r, &g, &fb, &why) == 0 &&
	      fb.pitch == 3200, "FB_ATTACH RGB565 keeps the buffer's pitch");
	r.pixel_format = DRM_FORMAT_NV12;
	CHECK(proto_check_fb_attach(&r, &g, &fb, &why) == -EINVAL,
	      "FB_ATTACH bad input \"NV12 (not offered)\": -EINVAL (%s)", why);
	r.pixel_format = DRM_FORMAT_XRGB8888;
	r.width = 801;
	CHECK(proto_check_fb_attach(&r, &g, &fb, &why) == -EINVAL,
	      "FB_ATTACH bad input \"wider than its dbuf\": -EINVAL (%s)", why);
	r.width = 800;
	r.fb_cookie = 0;
	CHECK(proto_check_fb_attach(&r, &g, &fb, &why) == -EINVAL,
	      "FB_ATTACH bad input \"fb_cookie 0\": -EINVAL (%s)", why);

	d.width = d.height = d.bpp = 0;	/* pending */
	d.buffer_sz = 800 * 600 * 4;
	proto_check_dbuf_create(&d, false, &g, &why);
	r.fb_cookie = 0x99;
	CHECK(proto_check_fb_attach(&r, &g, &fb, &why) == 0 && fb.pitch == 3200,
	      "FB_ATTACH on a pending dbuf: pitch from width x cpp");
	r.height = 601;
	CHECK(proto_check_fb_attach(&r, &g, &fb, &why) == -EINVAL,
	      "FB_ATTACH bad input \"past the end of a pending dbuf\": -EINVAL (%s)",
	      why);
}

static void test_set_config(void)
{
	struct fb_geom fb = { 800, 600, pixfmt_find(DRM_FORMAT_XRGB8888),
			      3200, 0 };
	struct xendispl_set_config_req r = { .fb_cookie = 5, .width = 800,
					     .height = 600, .bpp = 32 };
	const char *why = "";

	CHECK(proto_check_set_config(&r, &fb, 800, 600, &why) == 0,
	      "SET_CONFIG 800x600 bpp 32");
	r.bpp = 16;
	CHECK(proto_check_set_config(&r, &fb, 800, 600, &why) == -EINVAL,
	      "SET_CONFIG bad input \"bpp 16 on XRGB8888\": -EINVAL (%s)", why);
	r.bpp = 32;
	r.x = 800;
	CHECK(proto_check_set_config(&r, &fb, 800, 600, &why) == -EINVAL,
	      "SET_CONFIG bad input \"x off the connector\": -EINVAL (%s)", why);
	memset(&r, 0, sizeof(r));
	CHECK(proto_set_config_is_reset(&r) &&
	      proto_check_set_config(&r, NULL, 800, 600, &why) == 0,
	      "SET_CONFIG all zeros: reset");
	r.width = 10;
	CHECK(proto_check_set_config(&r, NULL, 800, 600, &why) == -EINVAL,
	      "SET_CONFIG bad input \"fb_cookie 0 with a mode\": -EINVAL (%s)",
	      why);
}

static void test_status(void)
{
	CHECK(proto_xen_status(0) == 0 && proto_xen_status(-EINVAL) == -22 &&
	      proto_xen_status(-ENOENT) == -2 && proto_xen_status(-ELOOP) == -22 &&
	      proto_xen_status(-EOPNOTSUPP) == -95,
	      "statuses are -XEN_E* (EINVAL 22, ENOENT 2, ELOOP->EINVAL, EOPNOTSUPP 95)");
}

static void test_edid(uint32_t w, uint32_t h)
{
	uint8_t e[EDID_BLOCK];
	static const uint8_t hdr[8] = { 0, 0xff, 0xff, 0xff, 0xff, 0xff,
					0xff, 0 };
	uint8_t sum = 0;
	const uint8_t *d = e + 54;
	uint32_t hact, vact, clock;

	CHECK(edid_build(e, w, h, "gntbuf") == 0, "EDID %ux%u built", w, h);
	for (int i = 0; i < EDID_BLOCK; i++)
		sum += e[i];
	hact = d[2] | (uint32_t)(d[4] >> 4) << 8;
	vact = d[5] | (uint32_t)(d[7] >> 4) << 8;
	clock = (d[0] | (uint32_t)d[1] << 8) * 10000u;
	CHECK(!memcmp(e, hdr, 8) && sum == 0 && e[18] == 1 && e[19] == 4 &&
	      e[126] == 0, "EDID %ux%u: header, version 1.4, checksum 0", w, h);
	CHECK(hact == w && vact == h && clock > 0,
	      "EDID %ux%u: preferred timing %ux%u, pixel clock %u Hz", w, h,
	      hact, vact, clock);
	CHECK(e[8] == 0x60 && e[9] == 0xae, "EDID vendor id \"XEN\"");
}

static void test_png_pattern(void)
{
	const uint32_t w = 320, h = 200, k = 0x2b5;
	uint32_t *px = malloc((size_t)w * h * 4);
	char path[] = "/tmp/displback-test-XXXXXX.png";
	char cmd[512];
	int fd, ret;

	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++)
			px[y * w + x] = pattern_pixel(k, x, y, w);
	fd = mkstemps(path, 4);
	close(fd);
	ret = png_write_fb(path, (uint8_t *)px, w * 4,
			   pixfmt_find(DRM_FORMAT_XRGB8888), w, h);
	CHECK(ret == 0, "PNG of pattern frame %u written", k);
	if (getenv("DISPLBACK_CHECK")) {
		snprintf(cmd, sizeof(cmd), "%s frame %s %u >/dev/null",
			 getenv("DISPLBACK_CHECK"), path, k);
		CHECK(system(cmd) == 0, "displback-check reads frame %u back", k);
		snprintf(cmd, sizeof(cmd), "%s frame %s %u >/dev/null",
			 getenv("DISPLBACK_CHECK"), path, k + 1);
		CHECK(system(cmd) != 0, "displback-check refuses it as frame %u",
		      k + 1);

		/* same: an identical image, then one pixel off by one. */
		char path2[] = "/tmp/displback-test-XXXXXX.png";

		fd = mkstemps(path2, 4);
		close(fd);
		png_write_fb(path2, (uint8_t *)px, w * 4,
			     pixfmt_find(DRM_FORMAT_XRGB8888), w, h);
		snprintf(cmd, sizeof(cmd), "%s same %s %s >/dev/null",
			 getenv("DISPLBACK_CHECK"), path, path2);
		CHECK(system(cmd) == 0, "displback-check same: identical frames");
		px[(h / 2) * w + w / 3] ^= 1;
		png_write_fb(path2, (uint8_t *)px, w * 4,
			     pixfmt_find(DRM_FORMAT_XRGB8888), w, h);
		CHECK(system(cmd) != 0, "displback-check same: one pixel off by "
		      "one in blue is a difference");
		remove(path2);
	}
	remove(path);
	free(px);
}

/*
 * weston-simple-shm's paint_pixels() as weston 10's clients/simple-shm.c
 * writes it (padding 20, on a buffer memset to 0xff), for the desktop
 * displback-check simple-shm expects.
 */
static void simple_shm_paint(uint32_t *image, int padding, int width,
			     int height, uint32_t time)
{
	const int halfh = padding + (height - padding * 2) / 2;
	const int halfw = padding + (width - padding * 2) / 2;
	int ir, or;
	uint32_t *pixel = image;

	or = (halfw < halfh ? halfw : halfh) - 8;
	ir = or - 32;
	or *= or;
	ir *= ir;
	pixel += padding * width;
	for (int y = padding; y < height - padding; y++) {
		int y2 = (y - halfh) * (y - halfh);

		pixel += padding;
		for (int x = padding; x < width - padding; x++) {
			uint32_t v;
			int r2 = (x - halfw) * (x - halfw) + y2;

			if (r2 < ir)
				v = (r2 / 32 + time / 64) * 0x0080401;
			else if (r2 < or)
				v = (y + time / 32) * 0x0080401;
			else
				v = (x + time / 16) * 0x0080401;
			v &= 0x00ffffff;
			*pixel++ = v;
		}
		pixel += padding;
	}
}

static void test_png_simple_shm(void)
{
	const uint32_t w = 400, h = 300, bg = 0x336699, wx = 37, wy = 21;
	uint32_t *px = malloc((size_t)w * h * 4), win[250 * 250];
	char path[] = "/tmp/displback-test-XXXXXX.png";
	char cmd[512];
	int fd;

	if (!getenv("DISPLBACK_CHECK"))
		return;
	memset(win, 0xff, sizeof(win));
	simple_shm_paint(win, 20, 250, 250, 123456);
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++)
			px[y * w + x] = x - wx < 250 && y - wy < 250 ?
				win[(y - wy) * 250 + x - wx] : bg;
	fd = mkstemps(path, 4);
	close(fd);
	snprintf(cmd, sizeof(cmd), "%s simple-shm 336699 %s >/dev/null",
		 getenv("DISPLBACK_CHECK"), path);
	png_write_fb(path, (uint8_t *)px, w * 4,
		     pixfmt_find(DRM_FORMAT_XRGB8888), w, h);
	CHECK(system(cmd) == 0, "displback-check simple-shm: the desktop "
	      "with the client's window at t = 123456 ms");
	px[(wy + 125) * w + wx + 125] ^= 0x100;	/* the disc's centre */
	png_write_fb(path, (uint8_t *)px, w * 4,
		     pixfmt_find(DRM_FORMAT_XRGB8888), w, h);
	CHECK(system(cmd) != 0, "displback-check simple-shm: one window "
	      "pixel off by one in green is a difference");
	px[(wy + 125) * w + wx + 125] ^= 0x100;
	px[(wy + 240) * w + wx + 240] = 0xfffffe;	/* in the border */
	png_write_fb(path, (uint8_t *)px, w * 4,
		     pixfmt_find(DRM_FORMAT_XRGB8888), w, h);
	CHECK(system(cmd) != 0, "displback-check simple-shm: a border "
	      "pixel off by one is a difference");
	px[(wy + 240) * w + wx + 240] = 0xffffff;
	px[5 * w + 390] = 0;	/* a speck on the background */
	png_write_fb(path, (uint8_t *)px, w * 4,
		     pixfmt_find(DRM_FORMAT_XRGB8888), w, h);
	CHECK(system(cmd) != 0, "displback-check simple-shm: a speck "
	      "outside the window is not the desktop");
	for (uint32_t i = 0; i < w * h; i++)
		px[i] = bg;
	png_write_fb(path, (uint8_t *)px, w * 4,
		     pixfmt_find(DRM_FORMAT_XRGB8888), w, h);
	CHECK(system(cmd) != 0, "displback-check simple-shm: the "
	      "background alone has no window");
	remove(path);
	free(px);
}

static void test_formats(void)
{
	uint8_t rgb[3];
	uint8_t p565[2] = { 0x1f, 0xf8 };	/* r=31 g=0 b=31 */
	uint8_t yuyv[4] = { 235, 128, 16, 128 };

	pixfmt_to_rgb(pixfmt_find(DRM_FORMAT_RGB565), p565, 0, rgb);
	CHECK(rgb[0] == 255 && rgb[1] == 0 && rgb[2] == 255,
	      "RGB565 0xf81f is magenta (%u,%u,%u)", rgb[0], rgb[1], rgb[2]);
	pixfmt_to_rgb(pixfmt_find(DRM_FORMAT_YUYV), yuyv, 0, rgb);
	CHECK(rgb[0] >= 254 && rgb[1] >= 254 && rgb[2] >= 254,
	      "YUYV Y=235 is white");
	pixfmt_to_rgb(pixfmt_find(DRM_FORMAT_YUYV), yuyv, 1, rgb);
	CHECK(rgb[0] <= 1 && rgb[1] <= 1 && rgb[2] <= 1, "YUYV Y=16 is black");
}

int main(void)
{
	test_dbuf_create();
	test_fb_attach();
	test_set_config();
	test_status();
	test_edid(800, 600);
	test_edid(1920, 1080);
	test_edid(4095, 2047);
	CHECK(edid_build((uint8_t[EDID_BLOCK]){ 0 }, 4096, 600, NULL) == -EINVAL,
	      "EDID bad input \"width 4096 (12-bit field)\": -EINVAL");
	test_formats();
	test_png_pattern();
	test_png_simple_shm();
	printf("%d of %d checks failed\n", fails, checks);
	return fails ? 1 : 0;
}
