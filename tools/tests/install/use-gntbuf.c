// SPDX-License-Identifier: MIT
/*
 * A program from outside the tree, built against the installed gntbuf.pc
 * (shared and static) by check-installed-pc.sh: both headers as
 * gntbuf.h promises them (<gntbuf.h>, <xen/gntbuf.h>), and calls into
 * each part of the library that links another library (device.c and
 * gntdev.c: libxengnttab; drm.c: libdrm and GBM), so that a static link
 * needs every Requires.private of gntbuf.pc.
 */
#define _POSIX_C_SOURCE 200809L	/* setenv() under -std=c11 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gntbuf.h>
#include <xen/gntbuf.h>

/* DRM's XRGB8888 ('X', 'R', '2', '4'); gntbuf.h does not include libdrm. */
#define XRGB8888 0x34325258u

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "use-gntbuf: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		return 1; \
	} \
} while (0)

int main(void)
{
	struct gntbuf_format_info info;
	struct gntbuf_device *dev = NULL;
	struct gntbuf_drm *drm = NULL;
	struct gbm_bo *bo = NULL;

	/* The ABI header: the module's ioctls beside the library's names. */
	CHECK(GNTBUF_ABI_VERSION >= 1);
	CHECK(GNTBUF_PAGE_SIZE == GNTBUF_XEN_PAGE_SIZE);

	/* No device here: the module backend answers -ENODEV. */
	CHECK(setenv("GNTBUF_DEVICE", "/nonexistent/gntbuf", 1) == 0);
	CHECK(gntbuf_device_open(GNTBUF_BACKEND_MODULE, &dev) == -ENODEV);
	CHECK(dev == NULL);
	/* Whatever the host, AUTO gives a device or a negative errno. */
	if (gntbuf_device_open(GNTBUF_BACKEND_AUTO, &dev) == 0)
		gntbuf_device_close(dev);

	CHECK(gntbuf_format_get_info(XRGB8888, &info) == 0);
	CHECK(info.fourcc == XRGB8888);
	CHECK(strcmp(gntbuf_backend_get_name(GNTBUF_BACKEND_MODULE), "") != 0);

	/* drm.c: libdrm and GBM; bad arguments are refused, not crashed on. */
	CHECK(gntbuf_drm_create(-1, &drm) < 0);
	CHECK(gntbuf_gbm_import(NULL, -1, NULL, 0, &bo) < 0);
	gntbuf_drm_destroy(NULL);

	printf("use-gntbuf: ABI header version %d, libgntbuf calls as expected\n",
	       GNTBUF_ABI_VERSION);
	return 0;
}
