/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by gntbuf's IGT tests.  Functions named __foo() return a
 * negative errno; foo() asserts (IGT's convention).
 */
#ifndef GNTBUF_TEST_H
#define GNTBUF_TEST_H

#include <stddef.h>
#include <stdint.h>

/* Xen grants are per 4 KiB page. */
#define GNTBUF_TEST_PAGE_SIZE 4096u

/** A vgem dumb buffer and its CPU mapping. */
struct gntbuf_test_dumb {
	uint32_t handle;	/* GEM handle on the DRM fd it was made on */
	uint32_t pitch;		/* bytes per row */
	uint64_t size;		/* bytes */
	void *map;		/* CPU mapping of @size bytes, or NULL */
};

/* Opens a new file on the vgem device: returns the fd or a negative errno. */
int __gntbuf_test_open_vgem(void);
/* Same; skips the subtest when there is no vgem device. */
int gntbuf_test_open_vgem(void);

/* DRM_IOCTL_MODE_CREATE_DUMB + map; asserts. @bpp in bits. */
void gntbuf_test_dumb_create(int drm_fd, uint32_t width, uint32_t height,
			     uint32_t bpp, struct gntbuf_test_dumb *out);
/* Maps an existing handle (in @dumb->handle) of @size bytes; asserts. */
void gntbuf_test_dumb_map(int drm_fd, uint64_t size,
			  struct gntbuf_test_dumb *dumb);
/* Unmaps and closes the handle; asserts. */
void gntbuf_test_dumb_destroy(int drm_fd, struct gntbuf_test_dumb *dumb);

#endif /* GNTBUF_TEST_H */
