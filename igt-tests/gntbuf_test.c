// SPDX-License-Identifier: MIT
/*
 * Helpers shared by gntbuf's IGT tests.
 */
#include "igt.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <xf86drm.h>

#include "gntbuf_test.h"

int __gntbuf_test_open_vgem(void)
{
	char path[64];

	for (int minor = 0; minor < 16; minor++) {
		drmVersionPtr version;
		bool is_vgem;
		int fd;

		snprintf(path, sizeof(path), "/dev/dri/card%d", minor);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		version = drmGetVersion(fd);
		is_vgem = version && strcmp(version->name, "vgem") == 0;
		drmFreeVersion(version);
		if (is_vgem)
			return fd;
		close(fd);
	}
	return -ENODEV;
}

int gntbuf_test_open_vgem(void)
{
	int fd = __gntbuf_test_open_vgem();

	igt_require_f(fd >= 0, "no vgem device in /dev/dri\n");
	return fd;
}

void gntbuf_test_dumb_map(int drm_fd, uint64_t size,
			  struct gntbuf_test_dumb *dumb)
{
	struct drm_mode_map_dumb map = { .handle = dumb->handle };

	do_ioctl(drm_fd, DRM_IOCTL_MODE_MAP_DUMB, &map);
	dumb->size = size;
	dumb->map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 drm_fd, map.offset);
	igt_assert_f(dumb->map != MAP_FAILED, "mmap of dumb buffer: %s\n",
		     strerror(errno));
}

void gntbuf_test_dumb_create(int drm_fd, uint32_t width, uint32_t height,
			     uint32_t bpp, struct gntbuf_test_dumb *out)
{
	struct drm_mode_create_dumb create = {
		.width = width,
		.height = height,
		.bpp = bpp,
	};

	do_ioctl(drm_fd, DRM_IOCTL_MODE_CREATE_DUMB, &create);
	igt_assert(create.size >= (uint64_t)create.pitch * height);
	out->handle = create.handle;
	out->pitch = create.pitch;
	gntbuf_test_dumb_map(drm_fd, create.size, out);
}

void gntbuf_test_dumb_destroy(int drm_fd, struct gntbuf_test_dumb *dumb)
{
	struct drm_gem_close close_args = { .handle = dumb->handle };

	if (dumb->map)
		igt_assert_eq(munmap(dumb->map, dumb->size), 0);
	dumb->map = NULL;
	do_ioctl(drm_fd, DRM_IOCTL_GEM_CLOSE, &close_args);
}
