// SPDX-License-Identifier: MIT
/*
 * gntbuf-example-frontend: the frontend side of a shared display buffer.
 *
 * It allocates pages and grants them to the backend's domain, draws a frame
 * into them, then changes one rectangle and flushes only that damage, and
 * publishes the buffer's grefs in a displif page directory (itself granted
 * pages), as a PV display frontend does for XENDISPL_OP_DBUF_CREATE.
 *
 *   gntbuf-example-frontend BACKEND_DOMID [WIDTH HEIGHT]
 *
 * It prints one line for the backend (gntbuf-example-backend takes it as
 * arguments), then holds the buffer until stdin closes, and waits for the
 * backend to let the grants go before it frees them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <drm_fourcc.h>
#include <gntbuf.h>

/* FNV-1a over the visible bytes of each row: what the backend must see. */
static uint32_t checksum(const uint8_t *p, const struct gntbuf_layout *l)
{
	uint32_t h = 2166136261u;

	for (uint32_t y = 0; y < l->height; y++)
		for (uint32_t x = 0; x < l->width * 4; x++)
			h = (h ^ p[(size_t)y * l->strides[0] + x]) * 16777619u;
	return h;
}

static void fill(uint8_t *pixels, const struct gntbuf_layout *l,
		 const struct gntbuf_rect *r, uint32_t (*color)(uint32_t x, uint32_t y))
{
	for (uint32_t y = r->y; y < r->y + r->height; y++) {
		uint32_t *row = (uint32_t *)(pixels + (size_t)y * l->strides[0]);

		for (uint32_t x = r->x; x < r->x + r->width; x++)
			row[x] = color(x, y);
	}
}

static uint32_t gradient(uint32_t x, uint32_t y)
{
	return 0xff000000u | (x & 0xff) << 16 | (y & 0xff) << 8 | 0x40;
}

static uint32_t orange(uint32_t x, uint32_t y)
{
	(void)x, (void)y;
	return 0xffff8000u;
}

static int fail(const char *what, int err)
{
	fprintf(stderr, "gntbuf-example-frontend: %s: %s\n", what, strerror(-err));
	/* 77: the rig's and meson's "skipped", when there is no device. */
	return err == -ENODEV || err == -EOPNOTSUPP ? 77 : 1;
}

int main(int argc, char **argv)
{
	struct gntbuf_buffer *fb, *dir;
	struct gntbuf_device *dev;
	struct gntbuf_layout layout;
	struct gntbuf_rect frame, damage;
	uint32_t domid, width = 320, height = 200, nrefs, ndir;
	const uint32_t *refs, *dir_refs;
	void *pixels, *dir_pages;
	int ret;

	if (argc != 2 && argc != 4) {
		fprintf(stderr, "usage: %s BACKEND_DOMID [WIDTH HEIGHT]\n", argv[0]);
		return 2;
	}
	domid = (uint32_t)strtoul(argv[1], NULL, 0);
	if (argc == 4) {
		width = (uint32_t)strtoul(argv[2], NULL, 0);
		height = (uint32_t)strtoul(argv[3], NULL, 0);
	}

	ret = gntbuf_device_open(GNTBUF_BACKEND_AUTO, &dev);
	if (ret)
		return fail("open the grant device", ret);

	/* XRGB8888 rows aligned to 64 bytes; size rounded up to pages. */
	ret = gntbuf_layout_init(&layout, DRM_FORMAT_XRGB8888, width, height, 64);
	if (ret)
		return fail("layout", ret);
	ret = gntbuf_pgdir_get_size(layout.size, &nrefs, &ndir);
	if (ret)
		return fail("page directory size", ret);

	/* The pages the backend will scan out, granted to it. */
	ret = gntbuf_buffer_alloc(dev, domid, nrefs, 0, &fb);
	if (ret)
		return fail("allocate and grant the framebuffer", ret);
	ret = gntbuf_buffer_map(fb, GNTBUF_ACCESS_WRITE, &pixels);
	if (ret)
		return fail("map the framebuffer", ret);

	/* A whole frame: CPU access to the whole buffer. */
	frame = (struct gntbuf_rect){ 0, 0, width, height };
	gntbuf_buffer_begin_cpu_access(fb, GNTBUF_ACCESS_WRITE);
	fill(pixels, &layout, &frame, gradient);
	gntbuf_buffer_end_cpu_access(fb, GNTBUF_ACCESS_WRITE);

	/*
	 * Then a change to one rectangle: begin/end CPU access for the
	 * damage only, so that only its rows are written back.
	 */
	damage = (struct gntbuf_rect){ width / 4, height / 4, width / 2, height / 2 };
	ret = gntbuf_buffer_begin_cpu_access_rects(fb, GNTBUF_ACCESS_WRITE,
						   &layout, &damage, 1);
	if (ret)
		return fail("begin CPU access to the damage", ret);
	fill(pixels, &layout, &damage, orange);
	ret = gntbuf_buffer_end_cpu_access_rects(fb, GNTBUF_ACCESS_WRITE,
						 &layout, &damage, 1);
	if (ret)
		return fail("flush the damage", ret);

	/* The page directory: more granted pages, read-only to the peer. */
	ret = gntbuf_buffer_alloc(dev, domid, ndir, GNTBUF_BUFFER_READ_ONLY, &dir);
	if (ret)
		return fail("allocate the page directory", ret);
	ret = gntbuf_buffer_map(dir, GNTBUF_ACCESS_WRITE, &dir_pages);
	if (ret)
		return fail("map the page directory", ret);
	refs = gntbuf_buffer_get_refs(fb, NULL);
	dir_refs = gntbuf_buffer_get_refs(dir, NULL);
	gntbuf_buffer_begin_cpu_access(dir, GNTBUF_ACCESS_WRITE);
	ret = gntbuf_pgdir_encode(refs, nrefs, dir_refs, ndir, dir_pages);
	gntbuf_buffer_end_cpu_access(dir, GNTBUF_ACCESS_WRITE);
	if (ret)
		return fail("write the page directory", ret);

	/* What XENDISPL_OP_DBUF_CREATE and FB_ATTACH would carry. */
	printf("%u %u %llu %u %u %u checksum=%08x\n", domid, dir_refs[0],
	       (unsigned long long)layout.size, width, height,
	       layout.strides[0], checksum(pixels, &layout));
	fflush(stdout);

	/* Hold the buffer until told to stop (stdin closes). */
	while (getchar() != EOF)
		;

	/*
	 * XENDISPL_OP_DBUF_DESTROY: the pages may be freed only once the
	 * backend has unmapped every grant.
	 */
	ret = gntbuf_buffer_wait_released(dir, 5000);
	if (ret == 0)
		ret = gntbuf_buffer_wait_released(fb, 5000);
	if (ret)
		return fail("wait for the backend to let the grants go", ret);
	gntbuf_buffer_destroy(dir);
	gntbuf_buffer_destroy(fb);
	gntbuf_device_close(dev);
	fprintf(stderr, "gntbuf-example-frontend: released\n");
	return 0;
}
