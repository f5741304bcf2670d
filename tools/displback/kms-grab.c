// SPDX-License-Identifier: MIT
/*
 * kms-grab: write what a CRTC of a DRM device scans out as a PNG: the
 * framebuffer on its primary plane (drmModeGetFB2; the buffer handle is
 * given to root only), mapped as a dumb buffer.  A compositor's screen as
 * dom0's display shows it, read without the compositor's help
 * (rig-wayland.sh: weston's output on vkms).
 *
 *   kms-grab /dev/dri/cardN OUT.png
 *
 * Exits 0 when written, 1 on an error (printed).  XRGB8888 and ARGB8888
 * framebuffers of one plane, linear (dumb buffers, as weston's pixman
 * renderer scans out) only.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "displback.h"
#include "png-write.h"

static int grab(int fd, const char *path)
{
	drmModeRes *res = drmModeGetResources(fd);
	drmModeFB2 *fb = NULL;
	struct drm_mode_map_dumb md = { 0 };
	uint32_t fb_id = 0;
	void *map;
	size_t size;
	int ret;

	if (!res) {
		fprintf(stderr, "kms-grab: no KMS resources: %s\n",
			strerror(errno));
		return -ENODEV;
	}
	for (int i = 0; i < res->count_crtcs && !fb_id; i++) {
		drmModeCrtc *crtc = drmModeGetCrtc(fd, res->crtcs[i]);

		if (crtc && crtc->mode_valid && crtc->buffer_id)
			fb_id = crtc->buffer_id;
		drmModeFreeCrtc(crtc);
	}
	drmModeFreeResources(res);
	if (!fb_id) {
		fprintf(stderr, "kms-grab: no CRTC scans out a framebuffer\n");
		return -ENOENT;
	}
	fb = drmModeGetFB2(fd, fb_id);
	if (!fb || !fb->handles[0] || (fb->pixel_format != DRM_FORMAT_XRGB8888 &&
				       fb->pixel_format != DRM_FORMAT_ARGB8888)) {
		fprintf(stderr, "kms-grab: framebuffer %u: %s\n", fb_id,
			!fb ? strerror(errno) : !fb->handles[0] ?
			"no handle (not root?)" : "not XRGB8888/ARGB8888");
		drmModeFreeFB2(fb);
		return -EINVAL;
	}
	md.handle = fb->handles[0];
	size = (size_t)fb->pitches[0] * fb->height + fb->offsets[0];
	if (drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &md)) {
		ret = -errno;
		fprintf(stderr, "kms-grab: map framebuffer %u: %s\n", fb_id,
			strerror(errno));
		goto out;
	}
	map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, (off_t)md.offset);
	if (map == MAP_FAILED) {
		ret = -errno;
		fprintf(stderr, "kms-grab: mmap: %s\n", strerror(errno));
		goto out;
	}
	ret = png_write_fb(path, (const uint8_t *)map + fb->offsets[0],
			   fb->pitches[0], pixfmt_find(DRM_FORMAT_XRGB8888),
			   fb->width, fb->height);
	if (ret)
		fprintf(stderr, "kms-grab: %s: %s\n", path, strerror(-ret));
	else
		printf("kms-grab: framebuffer %u (%ux%u) written to %s\n",
		       fb_id, fb->width, fb->height, path);
	munmap(map, size);
out:
	drmCloseBufferHandle(fd, fb->handles[0]);
	drmModeFreeFB2(fb);
	return ret;
}

int main(int argc, char **argv)
{
	int fd, ret;

	if (argc != 3) {
		fprintf(stderr, "usage: kms-grab /dev/dri/cardN OUT.png\n");
		return 2;
	}
	fd = open(argv[1], O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "kms-grab: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	ret = grab(fd, argv[2]);
	close(fd);
	return ret ? 1 : 0;
}
