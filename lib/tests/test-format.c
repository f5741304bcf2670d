// SPDX-License-Identifier: MIT
/*
 * Formats and layouts: the stride, offset and size arithmetic for every
 * fourcc the library knows, checked against a table written here from
 * drm_fourcc.h's comments (not from the library's own table), the layout
 * checks, and damage rectangles to byte ranges.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <drm_fourcc.h>

#include "gntbuf.h"
#include "test.h"

/*
 * What drm_fourcc.h says of each format: bits of one pixel's sample in
 * each plane, times the number of pixels a block holds (YUYV: 32 bits per
 * two pixels), and the chroma subsampling of planes 1 and 2.
 */
struct expect {
	uint32_t fourcc;
	const char *name;
	uint32_t planes;
	uint32_t block_bytes[3];
	uint32_t block_px;	/* plane 0 */
	uint32_t hsub, vsub;
	uint32_t bpp;
};

static const struct expect expected[] = {
	{ DRM_FORMAT_RGB565, "RGB565", 1, { 2 }, 1, 1, 1, 16 },
	{ DRM_FORMAT_BGR565, "BGR565", 1, { 2 }, 1, 1, 1, 16 },
	{ DRM_FORMAT_RGB888, "RGB888", 1, { 3 }, 1, 1, 1, 24 },
	{ DRM_FORMAT_BGR888, "BGR888", 1, { 3 }, 1, 1, 1, 24 },
	{ DRM_FORMAT_XRGB8888, "XRGB8888", 1, { 4 }, 1, 1, 1, 32 },
	{ DRM_FORMAT_ARGB8888, "ARGB8888", 1, { 4 }, 1, 1, 1, 32 },
	{ DRM_FORMAT_XBGR8888, "XBGR8888", 1, { 4 }, 1, 1, 1, 32 },
	{ DRM_FORMAT_ABGR8888, "ABGR8888", 1, { 4 }, 1, 1, 1, 32 },
	{ DRM_FORMAT_RGBX8888, "RGBX8888", 1, { 4 }, 1, 1, 1, 32 },
	{ DRM_FORMAT_RGBA8888, "RGBA8888", 1, { 4 }, 1, 1, 1, 32 },
	{ DRM_FORMAT_BGRX8888, "BGRX8888", 1, { 4 }, 1, 1, 1, 32 },
	{ DRM_FORMAT_BGRA8888, "BGRA8888", 1, { 4 }, 1, 1, 1, 32 },
	{ DRM_FORMAT_XRGB2101010, "XRGB2101010", 1, { 4 }, 1, 1, 1, 32 },
	{ DRM_FORMAT_ARGB2101010, "ARGB2101010", 1, { 4 }, 1, 1, 1, 32 },
	{ DRM_FORMAT_XBGR2101010, "XBGR2101010", 1, { 4 }, 1, 1, 1, 32 },
	{ DRM_FORMAT_ABGR2101010, "ABGR2101010", 1, { 4 }, 1, 1, 1, 32 },
	{ DRM_FORMAT_XRGB4444, "XRGB4444", 1, { 2 }, 1, 1, 1, 16 },
	{ DRM_FORMAT_ARGB4444, "ARGB4444", 1, { 2 }, 1, 1, 1, 16 },
	{ DRM_FORMAT_XRGB1555, "XRGB1555", 1, { 2 }, 1, 1, 1, 16 },
	{ DRM_FORMAT_ARGB1555, "ARGB1555", 1, { 2 }, 1, 1, 1, 16 },
	{ DRM_FORMAT_XRGB16161616F, "XRGB16161616F", 1, { 8 }, 1, 1, 1, 64 },
	{ DRM_FORMAT_ARGB16161616F, "ARGB16161616F", 1, { 8 }, 1, 1, 1, 64 },
	{ DRM_FORMAT_R8, "R8", 1, { 1 }, 1, 1, 1, 8 },
	{ DRM_FORMAT_GR88, "GR88", 1, { 2 }, 1, 1, 1, 16 },
	/* [31:0] Cr0:Y1:Cb0:Y0 8:8:8:8: two pixels in four bytes. */
	{ DRM_FORMAT_YUYV, "YUYV", 1, { 4 }, 2, 2, 1, 16 },
	{ DRM_FORMAT_YVYU, "YVYU", 1, { 4 }, 2, 2, 1, 16 },
	{ DRM_FORMAT_UYVY, "UYVY", 1, { 4 }, 2, 2, 1, 16 },
	{ DRM_FORMAT_VYUY, "VYUY", 1, { 4 }, 2, 2, 1, 16 },
	/* 2x2 subsampled Cb:Cr plane: two bytes a sample. */
	{ DRM_FORMAT_NV12, "NV12", 2, { 1, 2 }, 1, 2, 2, 12 },
	{ DRM_FORMAT_NV21, "NV21", 2, { 1, 2 }, 1, 2, 2, 12 },
	{ DRM_FORMAT_NV16, "NV16", 2, { 1, 2 }, 1, 2, 1, 16 },
	{ DRM_FORMAT_NV61, "NV61", 2, { 1, 2 }, 1, 2, 1, 16 },
	{ DRM_FORMAT_NV24, "NV24", 2, { 1, 2 }, 1, 1, 1, 24 },
	{ DRM_FORMAT_NV42, "NV42", 2, { 1, 2 }, 1, 1, 1, 24 },
	/* 10 bits in 16: two bytes of Y, four of Cb:Cr. */
	{ DRM_FORMAT_P010, "P010", 2, { 2, 4 }, 1, 2, 2, 24 },
	{ DRM_FORMAT_YUV420, "YUV420", 3, { 1, 1, 1 }, 1, 2, 2, 12 },
	{ DRM_FORMAT_YVU420, "YVU420", 3, { 1, 1, 1 }, 1, 2, 2, 12 },
	{ DRM_FORMAT_YUV422, "YUV422", 3, { 1, 1, 1 }, 1, 2, 1, 16 },
	{ DRM_FORMAT_YVU422, "YVU422", 3, { 1, 1, 1 }, 1, 2, 1, 16 },
	{ DRM_FORMAT_YUV444, "YUV444", 3, { 1, 1, 1 }, 1, 1, 1, 24 },
	{ DRM_FORMAT_YVU444, "YVU444", 3, { 1, 1, 1 }, 1, 1, 1, 24 },
};

#define N_EXPECTED (sizeof(expected) / sizeof(expected[0]))

static const struct expect *find_expected(uint32_t fourcc)
{
	for (size_t i = 0; i < N_EXPECTED; i++)
		if (expected[i].fourcc == fourcc)
			return &expected[i];
	return NULL;
}

static uint64_t up(uint64_t n, uint64_t d)
{
	return (n + d - 1) / d;
}

static void test_list_and_info(void)
{
	/* The formats of Xen's PV display: Linux's xen_drm_front offers. */
	static const uint32_t displif[] = {
		DRM_FORMAT_RGB565, DRM_FORMAT_RGB888, DRM_FORMAT_XRGB8888,
		DRM_FORMAT_ARGB8888, DRM_FORMAT_XRGB4444, DRM_FORMAT_ARGB4444,
		DRM_FORMAT_XRGB1555, DRM_FORMAT_ARGB1555, DRM_FORMAT_YUYV,
	};
	struct gntbuf_format_info info;
	const uint32_t *list;
	uint32_t count = 0;

	TEST_CASE("the list holds every expected format, and only those");
	list = gntbuf_format_get_list(&count);
	CHECK(list != NULL);
	CHECK_EQ(count, N_EXPECTED);
	for (uint32_t i = 0; i < count; i++) {
		CHECK(find_expected(list[i]) != NULL);
		for (uint32_t j = 0; j < i; j++)
			CHECK(list[i] != list[j]);
	}
	CHECK(gntbuf_format_get_list(NULL) == list);

	TEST_CASE("the displif formats are there");
	for (size_t i = 0; i < sizeof(displif) / sizeof(displif[0]); i++)
		CHECK_EQ(gntbuf_format_get_info(displif[i], &info), 0);

	TEST_CASE("info of every format");
	for (size_t i = 0; i < N_EXPECTED; i++) {
		const struct expect *e = &expected[i];
		uint32_t bits = 0;

		memset(&info, 0, sizeof(info));
		CHECK_EQ(gntbuf_format_get_info(e->fourcc, &info), 0);
		CHECK_EQ(info.fourcc, e->fourcc);
		CHECK(info.name && strcmp(info.name, e->name) == 0);
		CHECK_EQ(info.num_planes, e->planes);
		CHECK_EQ(info.bpp, e->bpp);
		CHECK_EQ(info.block_width[0], e->block_px);
		if (e->planes > 1) {
			CHECK_EQ(info.hsub, e->hsub);
			CHECK_EQ(info.vsub, e->vsub);
		}
		/* Bits per pixel summed over the planes give bpp. */
		for (uint32_t p = 0; p < info.num_planes; p++) {
			uint32_t sub = p ? info.hsub * info.vsub : 1;

			CHECK_EQ(info.block_bytes[p], e->block_bytes[p]);
			bits += info.block_bytes[p] * 8 /
				(info.block_width[p] * sub);
		}
		CHECK_EQ(bits, e->bpp);
		CHECK_EQ(info.has_alpha,
			 e->name[0] == 'A' || strstr(e->name, "A8888") != NULL);
	}

	TEST_CASE("unknown fourcc, NULL");
	memset(&info, 0x77, sizeof(info));
	CHECK_EQ(gntbuf_format_get_info(fourcc_code('N', 'O', 'P', 'E'), &info),
		 -EOPNOTSUPP);
	CHECK_EQ(gntbuf_format_get_info(0, &info), -EOPNOTSUPP);
	CHECK_EQ(info.fourcc, 0x77777777u);
	CHECK_EQ(gntbuf_format_get_info(DRM_FORMAT_XRGB8888, NULL), -EINVAL);
}

/* Checks gntbuf_layout_init() of @e at @w x @h against the arithmetic. */
static void check_layout(const struct expect *e, uint32_t w, uint32_t h,
			 uint32_t align)
{
	struct gntbuf_layout l;
	uint64_t offset = 0, last_row = 0;
	char name[96];

	snprintf(name, sizeof(name), "layout %s %ux%u align %u", e->name, w, h,
		 align);
	TEST_CASE(name);
	memset(&l, 0x55, sizeof(l));
	CHECK_EQ(gntbuf_layout_init(&l, e->fourcc, w, h, align), 0);
	CHECK_EQ(l.width, w);
	CHECK_EQ(l.height, h);
	CHECK_EQ(l.fourcc, e->fourcc);
	CHECK_EQ(l.num_planes, e->planes);
	CHECK(l.modifier == DRM_FORMAT_MOD_LINEAR);
	for (uint32_t p = 0; p < 4; p++) {
		uint64_t pw, ph, row, stride;

		if (p >= e->planes) {
			CHECK_EQ(l.offsets[p], 0);
			CHECK_EQ(l.strides[p], 0);
			continue;
		}
		pw = p ? up(w, e->hsub) : w;
		ph = p ? up(h, e->vsub) : h;
		row = up(pw, p ? 1 : e->block_px) * e->block_bytes[p];
		stride = up(row, align ? align : 1) * (align ? align : 1);
		CHECK_EQ(l.strides[p], stride);
		CHECK_EQ(l.offsets[p], offset);
		offset += stride * ph;
		last_row = row;
	}
	CHECK_EQ(l.size, offset);

	/* It fits its own size, and not one byte less. */
	CHECK_EQ(gntbuf_layout_check(&l, l.size), 0);
	CHECK_EQ(gntbuf_layout_check(&l, l.size + 4096), 0);
	CHECK_EQ(gntbuf_layout_check(&l, l.size - 1), -ERANGE);
	/* A stride one byte short of a row, unless padding covers it. */
	if (align <= 1) {
		l.strides[0]--;
		CHECK_EQ(gntbuf_layout_check(&l, l.size), -EINVAL);
		l.strides[0]++;
	}
	/*
	 * The last plane moved one byte on: past the layout's size, unless
	 * its last row has padding (DRM does not ask for the last padding).
	 */
	l.offsets[e->planes - 1]++;
	CHECK_EQ(gntbuf_layout_check(&l, l.size),
		 l.strides[e->planes - 1] == last_row ? -ERANGE : 0);
	l.offsets[e->planes - 1]--;
	/* The wrong number of planes. */
	l.num_planes = e->planes == 1 ? 2 : 1;
	CHECK_EQ(gntbuf_layout_check(&l, l.size), -EINVAL);
	l.num_planes = e->planes;
	CHECK_EQ(gntbuf_layout_check(&l, l.size), 0);
}

static void test_layouts(void)
{
	static const uint32_t sizes[][2] = {
		{ 1, 1 }, { 2, 2 }, { 3, 5 }, { 33, 17 }, { 640, 480 },
		{ 800, 600 }, { 1366, 768 }, { 1920, 1080 }, { 4096, 2160 },
	};
	static const uint32_t aligns[] = { 0, 1, 4, 64, 256 };

	for (size_t i = 0; i < N_EXPECTED; i++)
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
			for (size_t a = 0; a < sizeof(aligns) / sizeof(aligns[0]); a++)
				check_layout(&expected[i], sizes[s][0],
					     sizes[s][1], aligns[a]);
}

/* Figures worked out by hand, and xen_drm_front's pitch. */
static void test_known_layouts(void)
{
	struct gntbuf_layout l;

	TEST_CASE("XRGB8888 1920x1080: 7680-byte rows, 2025 pages");
	CHECK_EQ(gntbuf_layout_init(&l, DRM_FORMAT_XRGB8888, 1920, 1080, 1), 0);
	CHECK_EQ(l.strides[0], 7680);
	CHECK_EQ(l.size, 8294400);
	CHECK_EQ(up(l.size, 4096), 2025);

	TEST_CASE("NV12 1920x1080");
	CHECK_EQ(gntbuf_layout_init(&l, DRM_FORMAT_NV12, 1920, 1080, 1), 0);
	CHECK_EQ(l.strides[0], 1920);
	CHECK_EQ(l.strides[1], 1920);
	CHECK_EQ(l.offsets[1], 2073600);
	CHECK_EQ(l.size, 3110400);

	TEST_CASE("YUV420 1920x1080");
	CHECK_EQ(gntbuf_layout_init(&l, DRM_FORMAT_YUV420, 1920, 1080, 1), 0);
	CHECK_EQ(l.strides[1], 960);
	CHECK_EQ(l.strides[2], 960);
	CHECK_EQ(l.offsets[1], 2073600);
	CHECK_EQ(l.offsets[2], 2592000);
	CHECK_EQ(l.size, 3110400);

	TEST_CASE("YUV420 33x17: chroma 17x9");
	CHECK_EQ(gntbuf_layout_init(&l, DRM_FORMAT_YUV420, 33, 17, 1), 0);
	CHECK_EQ(l.strides[0], 33);
	CHECK_EQ(l.strides[1], 17);
	CHECK_EQ(l.offsets[1], 561);
	CHECK_EQ(l.offsets[2], 714);
	CHECK_EQ(l.size, 867);

	TEST_CASE("NV12 33x17: CbCr rows of 17 samples, 34 bytes");
	CHECK_EQ(gntbuf_layout_init(&l, DRM_FORMAT_NV12, 33, 17, 1), 0);
	CHECK_EQ(l.strides[1], 34);
	CHECK_EQ(l.size, 561 + 34 * 9);

	TEST_CASE("YUYV 3x2: a 3-pixel row takes two 4-byte blocks");
	CHECK_EQ(gntbuf_layout_init(&l, DRM_FORMAT_YUYV, 3, 2, 1), 0);
	CHECK_EQ(l.strides[0], 8);

	TEST_CASE("RGB888 3x1, aligned to 64");
	CHECK_EQ(gntbuf_layout_init(&l, DRM_FORMAT_RGB888, 3, 1, 1), 0);
	CHECK_EQ(l.strides[0], 9);
	CHECK_EQ(gntbuf_layout_init(&l, DRM_FORMAT_RGB888, 3, 1, 64), 0);
	CHECK_EQ(l.strides[0], 64);

	TEST_CASE("xen_drm_front's pitch: DIV_ROUND_UP(width * bpp, 8)");
	{
		static const uint32_t fmts[] = {
			DRM_FORMAT_RGB565, DRM_FORMAT_RGB888,
			DRM_FORMAT_XRGB8888, DRM_FORMAT_ARGB8888,
			DRM_FORMAT_XRGB4444, DRM_FORMAT_ARGB4444,
			DRM_FORMAT_XRGB1555, DRM_FORMAT_ARGB1555,
			DRM_FORMAT_YUYV,
		};
		for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
			for (uint32_t w = 798; w <= 801; w++) {
				struct gntbuf_format_info info;

				CHECK_EQ(gntbuf_format_get_info(fmts[i], &info), 0);
				CHECK_EQ(gntbuf_layout_init(&l, fmts[i], w, 600, 1), 0);
				/* YUYV: odd widths round up to a whole block. */
				CHECK_EQ(l.strides[0],
					 up((uint64_t)up(w, info.block_width[0]) *
					    info.block_width[0] * info.bpp, 8));
				CHECK_EQ(l.size, (uint64_t)l.strides[0] * 600);
			}
		}
	}
}

static void test_layout_errors(void)
{
	struct gntbuf_layout l, good;

	TEST_CASE("init: NULL, zero sizes, bad alignment, unknown fourcc");
	memset(&l, 0x33, sizeof(l));
	CHECK_EQ(gntbuf_layout_init(NULL, DRM_FORMAT_XRGB8888, 8, 8, 1), -EINVAL);
	CHECK_EQ(gntbuf_layout_init(&l, DRM_FORMAT_XRGB8888, 0, 8, 1), -EINVAL);
	CHECK_EQ(gntbuf_layout_init(&l, DRM_FORMAT_XRGB8888, 8, 0, 1), -EINVAL);
	CHECK_EQ(gntbuf_layout_init(&l, DRM_FORMAT_XRGB8888, 8, 8, 3), -EINVAL);
	CHECK_EQ(gntbuf_layout_init(&l, DRM_FORMAT_XRGB8888, 8, 8, 96), -EINVAL);
	CHECK_EQ(gntbuf_layout_init(&l, fourcc_code('N', 'O', 'P', 'E'), 8, 8, 1),
		 -EOPNOTSUPP);

	TEST_CASE("init: strides past 32 bits");
	CHECK_EQ(gntbuf_layout_init(&l, DRM_FORMAT_XRGB8888, 0x40000000u, 1, 1),
		 -EOVERFLOW);
	CHECK_EQ(gntbuf_layout_init(&l, DRM_FORMAT_XRGB8888, 0x3fffffffu, 1, 1),
		 0);
	CHECK_EQ(l.strides[0], 0xfffffffcu);
	CHECK_EQ(gntbuf_layout_init(&l, DRM_FORMAT_XRGB8888, 0x3fffffffu, 1, 256),
		 -EOVERFLOW);
	/* A second plane past 4 GiB cannot have a 32-bit offset. */
	CHECK_EQ(gntbuf_layout_init(&l, DRM_FORMAT_NV12, 65536, 65536, 1),
		 -EOVERFLOW);
	memset(&l, 0x33, sizeof(l));
	CHECK_EQ(gntbuf_layout_init(&l, DRM_FORMAT_XRGB8888, 0, 8, 1), -EINVAL);
	CHECK_EQ(l.width, 0x33333333u);

	TEST_CASE("check: every malformed field");
	CHECK_EQ(gntbuf_layout_init(&good, DRM_FORMAT_NV12, 64, 64, 1), 0);
	CHECK_EQ(gntbuf_layout_check(NULL, 1 << 20), -EINVAL);
	l = good;
	l.fourcc = fourcc_code('N', 'O', 'P', 'E');
	CHECK_EQ(gntbuf_layout_check(&l, 1 << 20), -EOPNOTSUPP);
	l = good;
	l.width = 0;
	CHECK_EQ(gntbuf_layout_check(&l, 1 << 20), -EINVAL);
	l = good;
	l.height = 0;
	CHECK_EQ(gntbuf_layout_check(&l, 1 << 20), -EINVAL);
	l = good;
	l.size = 0;
	CHECK_EQ(gntbuf_layout_check(&l, 1 << 20), -EINVAL);
	l = good;
	l.strides[1] = 0;
	CHECK_EQ(gntbuf_layout_check(&l, 1 << 20), -EINVAL);
	l = good;
	l.strides[2] = 64;	/* an unused plane */
	CHECK_EQ(gntbuf_layout_check(&l, 1 << 20), -EINVAL);
	l = good;
	l.offsets[3] = 1;
	CHECK_EQ(gntbuf_layout_check(&l, 1 << 20), -EINVAL);
	l = good;
	CHECK_EQ(gntbuf_layout_check(&l, good.size - 1), -ERANGE);
	CHECK_EQ(gntbuf_layout_check(&l, 0), -ERANGE);
	/* Plane ends past 32 bits are computed in 64. */
	l = good;
	l.strides[0] = 0xffffffffu;
	l.size = UINT64_MAX;
	CHECK_EQ(gntbuf_layout_check(&l, UINT64_MAX), 0);
	CHECK_EQ(gntbuf_layout_check(&l, 1ull << 40), -ERANGE);

	TEST_CASE("check: a tiled modifier checks only the fields");
	l = good;
	l.modifier = I915_FORMAT_MOD_X_TILED;
	l.strides[0] = 1;	/* the library cannot know; DRM will */
	CHECK_EQ(gntbuf_layout_check(&l, l.size), 0);
	l.offsets[1] = (uint32_t)l.size;
	CHECK_EQ(gntbuf_layout_check(&l, l.size), -ERANGE);
	l.strides[1] = 0;
	CHECK_EQ(gntbuf_layout_check(&l, l.size), -EINVAL);
	l = good;
	l.modifier = DRM_FORMAT_MOD_INVALID;	/* implicit: linear here */
	l.strides[0] = 63;
	CHECK_EQ(gntbuf_layout_check(&l, l.size), -EINVAL);
}

/* Ranges of @n rectangles; checks the count query agrees. */
static uint32_t ranges_of(const struct gntbuf_layout *l,
			  const struct gntbuf_rect *rects, uint32_t n,
			  struct gntbuf_range *out, uint32_t max)
{
	uint32_t count = 0, query = 0;

	CHECK_EQ(gntbuf_layout_rects_to_ranges(l, rects, n, NULL, 0, &query), 0);
	CHECK_EQ(gntbuf_layout_rects_to_ranges(l, rects, n, out, max, &count), 0);
	CHECK_EQ(count, query);
	return count;
}

static void test_rects(void)
{
	struct gntbuf_range r[64];
	struct gntbuf_layout l;
	struct gntbuf_rect rect;
	uint32_t n;

	CHECK_EQ(gntbuf_layout_init(&l, DRM_FORMAT_XRGB8888, 640, 480, 1), 0);

	TEST_CASE("the whole frame of a packed plane: one range");
	rect = (struct gntbuf_rect){ 0, 0, 640, 480 };
	n = ranges_of(&l, &rect, 1, r, 64);
	CHECK_EQ(n, 1);
	CHECK_EQ(r[0].offset, 0);
	CHECK_EQ(r[0].length, 640 * 4 * 480);

	TEST_CASE("full-width rows 5 to 9: one range");
	rect = (struct gntbuf_rect){ 0, 5, 640, 5 };
	n = ranges_of(&l, &rect, 1, r, 64);
	CHECK_EQ(n, 1);
	CHECK_EQ(r[0].offset, 5 * 2560);
	CHECK_EQ(r[0].length, 5 * 2560);

	TEST_CASE("a 30x2 rectangle at (10, 20): two rows of 120 bytes");
	rect = (struct gntbuf_rect){ 10, 20, 30, 2 };
	n = ranges_of(&l, &rect, 1, r, 64);
	CHECK_EQ(n, 2);
	CHECK_EQ(r[0].offset, 20 * 2560 + 40);
	CHECK_EQ(r[0].length, 120);
	CHECK_EQ(r[1].offset, 21 * 2560 + 40);
	CHECK_EQ(r[1].length, 120);

	TEST_CASE("side by side, overlapping, and disjoint rectangles");
	{
		struct gntbuf_rect rs[3] = {
			{ 0, 0, 10, 2 },	/* rows 0-1, bytes 0-40 */
			{ 10, 1, 10, 2 },	/* rows 1-2, bytes 40-80 */
			{ 5, 0, 2, 1 },		/* inside the first */
		};

		n = ranges_of(&l, rs, 3, r, 64);
		CHECK_EQ(n, 3);
		CHECK_EQ(r[0].offset, 0);
		CHECK_EQ(r[0].length, 40);
		CHECK_EQ(r[1].offset, 2560);
		CHECK_EQ(r[1].length, 80);
		CHECK_EQ(r[2].offset, 2 * 2560 + 40);
		CHECK_EQ(r[2].length, 40);
	}

	TEST_CASE("a padded stride keeps full-width rows apart");
	l.strides[0] = 2816;
	l.size = 2816ull * 480;
	rect = (struct gntbuf_rect){ 0, 0, 640, 3 };
	n = ranges_of(&l, &rect, 1, r, 64);
	CHECK_EQ(n, 3);
	CHECK_EQ(r[2].offset, 2 * 2816);
	CHECK_EQ(r[2].length, 2560);

	TEST_CASE("NV12: the chroma rows and columns rounded outwards");
	CHECK_EQ(gntbuf_layout_init(&l, DRM_FORMAT_NV12, 64, 64, 1), 0);
	rect = (struct gntbuf_rect){ 1, 1, 2, 2 };
	n = ranges_of(&l, &rect, 1, r, 64);
	CHECK_EQ(n, 4);
	/* Y: rows 1 and 2, bytes 1-3. */
	CHECK_EQ(r[0].offset, 64 + 1);
	CHECK_EQ(r[0].length, 2);
	CHECK_EQ(r[1].offset, 128 + 1);
	CHECK_EQ(r[1].length, 2);
	/* CbCr: columns 0-1 (4 bytes), rows 0-1 of the 64-byte plane. */
	CHECK_EQ(r[2].offset, 4096);
	CHECK_EQ(r[2].length, 4);
	CHECK_EQ(r[3].offset, 4096 + 64);
	CHECK_EQ(r[3].length, 4);

	TEST_CASE("YUV420: three planes");
	CHECK_EQ(gntbuf_layout_init(&l, DRM_FORMAT_YUV420, 64, 64, 1), 0);
	rect = (struct gntbuf_rect){ 0, 0, 64, 64 };
	n = ranges_of(&l, &rect, 1, r, 64);
	/* Every plane packed: they follow each other, one range. */
	CHECK_EQ(n, 1);
	CHECK_EQ(r[0].length, l.size);
	rect = (struct gntbuf_rect){ 2, 2, 2, 1 };
	n = ranges_of(&l, &rect, 1, r, 64);
	CHECK_EQ(n, 3);
	CHECK_EQ(r[0].offset, 2 * 64 + 2);
	CHECK_EQ(r[1].offset, l.offsets[1] + 1 * 32 + 1);
	CHECK_EQ(r[1].length, 1);
	CHECK_EQ(r[2].offset, l.offsets[2] + 1 * 32 + 1);

	TEST_CASE("YUYV: a pixel at an odd column takes its whole pair");
	CHECK_EQ(gntbuf_layout_init(&l, DRM_FORMAT_YUYV, 64, 4, 1), 0);
	rect = (struct gntbuf_rect){ 3, 0, 1, 1 };
	n = ranges_of(&l, &rect, 1, r, 64);
	CHECK_EQ(n, 1);
	CHECK_EQ(r[0].offset, 4);
	CHECK_EQ(r[0].length, 4);

	TEST_CASE("empty rectangles and none at all");
	CHECK_EQ(gntbuf_layout_init(&l, DRM_FORMAT_XRGB8888, 640, 480, 1), 0);
	rect = (struct gntbuf_rect){ 5, 5, 0, 10 };
	CHECK_EQ(ranges_of(&l, &rect, 1, r, 64), 0);
	CHECK_EQ(ranges_of(&l, NULL, 0, r, 64), 0);

	TEST_CASE("errors: outside the image, overflowing, tiled, no room");
	n = 99;
	rect = (struct gntbuf_rect){ 600, 0, 41, 1 };
	CHECK_EQ(gntbuf_layout_rects_to_ranges(&l, &rect, 1, r, 64, &n), -EINVAL);
	rect = (struct gntbuf_rect){ 0, 470, 1, 11 };
	CHECK_EQ(gntbuf_layout_rects_to_ranges(&l, &rect, 1, r, 64, &n), -EINVAL);
	rect = (struct gntbuf_rect){ UINT32_MAX, 0, 2, 1 };
	CHECK_EQ(gntbuf_layout_rects_to_ranges(&l, &rect, 1, r, 64, &n), -EINVAL);
	rect = (struct gntbuf_rect){ 0, UINT32_MAX, 1, 2 };
	CHECK_EQ(gntbuf_layout_rects_to_ranges(&l, &rect, 1, r, 64, &n), -EINVAL);
	CHECK_EQ(gntbuf_layout_rects_to_ranges(&l, NULL, 1, r, 64, &n), -EINVAL);
	CHECK_EQ(gntbuf_layout_rects_to_ranges(NULL, &rect, 1, r, 64, &n),
		 -EINVAL);
	rect = (struct gntbuf_rect){ 0, 0, 1, 1 };
	CHECK_EQ(gntbuf_layout_rects_to_ranges(&l, &rect, 1, r, 64, NULL),
		 -EINVAL);
	l.modifier = I915_FORMAT_MOD_Y_TILED;
	CHECK_EQ(gntbuf_layout_rects_to_ranges(&l, &rect, 1, r, 64, &n),
		 -EOPNOTSUPP);
	l.modifier = DRM_FORMAT_MOD_LINEAR;
	l.strides[0] = 100;	/* below a row: refused as check refuses it */
	CHECK_EQ(gntbuf_layout_rects_to_ranges(&l, &rect, 1, r, 64, &n), -EINVAL);
	CHECK_EQ(n, 99);

	CHECK_EQ(gntbuf_layout_init(&l, DRM_FORMAT_XRGB8888, 640, 480, 64), 0);
	rect = (struct gntbuf_rect){ 0, 0, 10, 5 };	/* 5 ranges */
	memset(r, 0x44, sizeof(r));
	CHECK_EQ(gntbuf_layout_rects_to_ranges(&l, &rect, 1, r, 4, &n), -ENOSPC);
	CHECK_EQ(n, 99);
	CHECK_EQ(r[0].offset, 0x4444444444444444ull);
	CHECK_EQ(gntbuf_layout_rects_to_ranges(&l, &rect, 1, r, 5, &n), 0);
	CHECK_EQ(n, 5);
}

int main(void)
{
	test_list_and_info();
	test_layouts();
	test_known_layouts();
	test_layout_errors();
	test_rects();
	return test_done();
}
