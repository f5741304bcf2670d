// SPDX-License-Identifier: MIT
/*
 * gntbuf-example-backend: the backend side of a shared display buffer.
 *
 * A frontend's page directory in (XENDISPL_OP_DBUF_CREATE's gref_directory
 * and buffer_sz), a dma-buf of the frontend's pages, a DRM framebuffer out,
 * with no copy. Then DBUF_DESTROY: the framebuffer goes, and the backend
 * waits until every grant is unmapped before it would answer.
 *
 *   gntbuf-example-backend FRONTEND_DOMID GREF_DIRECTORY BUFFER_SZ \
 *                          WIDTH HEIGHT STRIDE [CARD]
 *
 * (the first six numbers gntbuf-example-frontend prints). CARD defaults to
 * /dev/dri/card0; a card without KMS (vgem) takes the dma-buf with PRIME
 * but has no framebuffers, which is said and is not an error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <gntbuf.h>

static uint32_t checksum(const uint8_t *p, const struct gntbuf_layout *l)
{
	uint32_t h = 2166136261u;

	for (uint32_t y = 0; y < l->height; y++)
		for (uint32_t x = 0; x < l->width * 4; x++)
			h = (h ^ p[(size_t)y * l->strides[0] + x]) * 16777619u;
	return h;
}

static int fail(const char *what, int err)
{
	fprintf(stderr, "gntbuf-example-backend: %s: %s\n", what, strerror(-err));
	return err == -ENODEV || err == -EOPNOTSUPP ? 77 : 1;
}

/* Shows the frontend's image on a DRM card, and takes it down again. */
static int scan_out(struct gntbuf_buffer *buf, const struct gntbuf_layout *l,
		    const char *card)
{
	struct gntbuf_drm *drm;
	uint32_t handle, fb_id;
	int card_fd, dmabuf_fd, ret;

	card_fd = open(card, O_RDWR | O_CLOEXEC);
	if (card_fd < 0) {
		fprintf(stderr, "gntbuf-example-backend: %s: %s\n", card,
			strerror(errno));
		return 0;	/* no card: the dma-buf is the example */
	}
	ret = gntbuf_drm_create(card_fd, &drm);
	if (ret)
		goto out_close;

	/* A dma-buf fd of our own to give to DRM; closed once imported. */
	ret = gntbuf_buffer_dup_fd(buf, &dmabuf_fd);
	if (ret)
		goto out_destroy;
	ret = gntbuf_drm_import_handle(drm, dmabuf_fd, &handle);
	if (ret == 0) {
		printf("PRIME import: GEM handle %u\n", handle);
		ret = gntbuf_drm_add_fb(drm, dmabuf_fd, l, &fb_id);
		if (ret == 0) {
			/* drmModeSetCrtc() or a plane would show fb_id here. */
			printf("framebuffer %u, %ux%u XRGB8888\n", fb_id,
			       l->width, l->height);
			ret = gntbuf_drm_remove_fb(drm, fb_id);
		} else if (ret == -EOPNOTSUPP) {
			printf("%s has no KMS framebuffers (vgem?)\n", card);
			ret = 0;
		}
		/* The import's own reference; the framebuffer had its own. */
		gntbuf_drm_release_handle(drm, handle);
	}
	close(dmabuf_fd);
out_destroy:
	gntbuf_drm_destroy(drm);
out_close:
	close(card_fd);
	return ret;
}

int main(int argc, char **argv)
{
	struct gntbuf_buffer *buf;
	struct gntbuf_device *dev;
	struct gntbuf_layout layout;
	uint32_t domid, gref_dir, nrefs, *refs;
	const char *card = "/dev/dri/card0";
	uint64_t buffer_sz;
	void *pixels;
	int ret;

	if (argc != 7 && argc != 8) {
		fprintf(stderr, "usage: %s FRONTEND_DOMID GREF_DIRECTORY "
			"BUFFER_SZ WIDTH HEIGHT STRIDE [CARD]\n", argv[0]);
		return 2;
	}
	domid = (uint32_t)strtoul(argv[1], NULL, 0);
	gref_dir = (uint32_t)strtoul(argv[2], NULL, 0);
	buffer_sz = strtoull(argv[3], NULL, 0);
	if (argc == 8)
		card = argv[7];

	/* What FB_ATTACH describes: one linear XRGB8888 plane. */
	memset(&layout, 0, sizeof(layout));
	layout.width = (uint32_t)strtoul(argv[4], NULL, 0);
	layout.height = (uint32_t)strtoul(argv[5], NULL, 0);
	layout.fourcc = DRM_FORMAT_XRGB8888;
	layout.num_planes = 1;
	layout.modifier = DRM_FORMAT_MOD_LINEAR;
	layout.strides[0] = (uint32_t)strtoul(argv[6], NULL, 0);
	layout.size = (uint64_t)layout.strides[0] * layout.height;
	ret = gntbuf_layout_check(&layout, buffer_sz);
	if (ret)
		return fail("the frontend's buffer does not hold its image", ret);

	ret = gntbuf_device_open(GNTBUF_BACKEND_AUTO, &dev);
	if (ret)
		return fail("open the grant device", ret);

	/* The page directory chain, read through mapped grants. */
	ret = gntbuf_pgdir_get_size(buffer_sz, &nrefs, NULL);
	if (ret)
		return fail("buffer_sz", ret);
	refs = calloc(nrefs, sizeof(*refs));
	if (!refs)
		return fail("memory", -ENOMEM);
	ret = gntbuf_device_read_pgdir(dev, domid, gref_dir, buffer_sz, refs,
				       nrefs);
	if (ret)
		return fail("read the page directory", ret);

	/* The frontend's pages as a dma-buf, mapped once, read-only. */
	ret = gntbuf_buffer_from_refs(dev, domid, refs, nrefs,
				      GNTBUF_BUFFER_READ_ONLY, &buf);
	free(refs);
	if (ret)
		return fail("export the grefs as a dma-buf", ret);
	printf("dma-buf of %u pages from domain %u\n",
	       gntbuf_buffer_get_page_count(buf), domid);

	/* The CPU's view, between begin and end of CPU access. */
	ret = gntbuf_buffer_map(buf, GNTBUF_ACCESS_READ, &pixels);
	if (ret)
		return fail("map the dma-buf", ret);
	gntbuf_buffer_begin_cpu_access(buf, GNTBUF_ACCESS_READ);
	printf("checksum=%08x\n", checksum(pixels, &layout));
	gntbuf_buffer_end_cpu_access(buf, GNTBUF_ACCESS_READ);
	gntbuf_buffer_unmap(buf);

	ret = scan_out(buf, &layout, card);
	if (ret)
		return fail("scan out", ret);

	/* DBUF_DESTROY: answer only once the grants are unmapped. */
	ret = gntbuf_buffer_wait_released(buf, 3000);
	if (ret)
		return fail("wait for the release", ret);
	printf("released\n");
	gntbuf_buffer_destroy(buf);
	gntbuf_device_close(dev);
	return 0;
}
