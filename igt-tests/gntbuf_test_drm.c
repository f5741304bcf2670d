// SPDX-License-Identifier: MIT
/*
 * Helpers shared by gntbuf's IGT tests: vgem dumb buffers and vkms scan-out
 * and writeback.
 */
#include "igt.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <xf86drm.h>
#include <xf86drmMode.h>
#include <drm_fourcc.h>

#include "gntbuf_test.h"

/* Opens the first /dev/dri/card* whose DRM driver is @name. */
static int open_drm_driver(const char *name)
{
	char path[64];

	for (int minor = 0; minor < 16; minor++) {
		drmVersionPtr version;
		bool match;
		int fd;

		snprintf(path, sizeof(path), "/dev/dri/card%d", minor);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		version = drmGetVersion(fd);
		match = version && strcmp(version->name, name) == 0;
		drmFreeVersion(version);
		if (match)
			return fd;
		close(fd);
	}
	return -ENODEV;
}

int __gntbuf_test_open_vgem(void)
{
	return open_drm_driver("vgem");
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


/* ---- vkms: an importer that reads and writes through dma_buf_vmap() ---- */

int __gntbuf_test_open_vkms(void)
{
	return open_drm_driver("vkms");
}

int gntbuf_test_open_vkms(void)
{
	int fd = __gntbuf_test_open_vkms();

	igt_require_f(fd >= 0, "no vkms device in /dev/dri (run the rig "
		      "with --vkms)\n");
	return fd;
}

static uint32_t kms_prop(int fd, uint32_t obj, uint32_t type,
			 const char *name)
{
	drmModeObjectPropertiesPtr props;
	uint32_t id = 0;

	props = drmModeObjectGetProperties(fd, obj, type);
	igt_assert(props);
	for (uint32_t i = 0; i < props->count_props && !id; i++) {
		drmModePropertyPtr prop = drmModeGetProperty(fd,
							     props->props[i]);

		if (prop && strcmp(prop->name, name) == 0)
			id = prop->prop_id;
		drmModeFreeProperty(prop);
	}
	drmModeFreeObjectProperties(props);
	igt_assert_f(id, "KMS object %u has no property %s\n", obj, name);
	return id;
}

static uint64_t kms_prop_value(int fd, uint32_t obj, uint32_t type,
			       const char *name)
{
	drmModeObjectPropertiesPtr props;
	uint64_t value = 0;
	bool found = false;

	props = drmModeObjectGetProperties(fd, obj, type);
	igt_assert(props);
	for (uint32_t i = 0; i < props->count_props && !found; i++) {
		drmModePropertyPtr prop = drmModeGetProperty(fd,
							     props->props[i]);

		if (prop && strcmp(prop->name, name) == 0) {
			value = props->prop_values[i];
			found = true;
		}
		drmModeFreeProperty(prop);
	}
	drmModeFreeObjectProperties(props);
	igt_assert_f(found, "KMS object %u has no property %s\n", obj, name);
	return value;
}

static uint32_t kms_fb_from_dmabuf(int fd, int dmabuf, uint32_t *handle)
{
	uint32_t handles[4] = { 0 }, pitches[4] = { 0 }, offsets[4] = { 0 };
	uint32_t fb = 0;

	igt_assert_f(drmPrimeFDToHandle(fd, dmabuf, handle) == 0,
		     "vkms PRIME import: %s\n", strerror(errno));
	handles[0] = *handle;
	pitches[0] = GNTBUF_VKMS_WIDTH * 4;
	igt_assert_f(drmModeAddFB2(fd, GNTBUF_VKMS_WIDTH, GNTBUF_VKMS_HEIGHT,
				   DRM_FORMAT_XRGB8888, handles, pitches,
				   offsets, &fb, 0) == 0,
		     "vkms AddFB2: %s\n", strerror(errno));
	return fb;
}

/* Waits for a writeback out-fence. */
static void kms_wait_fence(int32_t fence)
{
	struct pollfd pfd = { .fd = fence, .events = POLLIN };

	igt_assert_f(fence >= 0, "no writeback out-fence\n");
	igt_assert_f(poll(&pfd, 1, 30000) == 1, "writeback never completed\n");
	close(fence);
}

/*
 * One commit: the source scanned out on the primary plane (FB_ID set again
 * even when unchanged, so that vkms prepares, and vmaps, it anew) and one
 * frame written back into @fb_dst.  Without a modeset when the CRTC is
 * already up.
 */
static void kms_commit_frame(struct gntbuf_vkms_scanout *s, uint32_t fb_dst)
{
	drmModeAtomicReqPtr req = drmModeAtomicAlloc();
	int fd = s->fd, plane = s->plane;
	int32_t fence = -1;

	igt_assert(req);
	drmModeAtomicAddProperty(req, s->crtc, kms_prop(fd, s->crtc,
			DRM_MODE_OBJECT_CRTC, "MODE_ID"), s->blob);
	drmModeAtomicAddProperty(req, s->crtc, kms_prop(fd, s->crtc,
			DRM_MODE_OBJECT_CRTC, "ACTIVE"), 1);
#define PLANE(name, value) drmModeAtomicAddProperty(req, plane, \
		kms_prop(fd, plane, DRM_MODE_OBJECT_PLANE, name), value)
	PLANE("FB_ID", s->fb_src);
	PLANE("CRTC_ID", s->crtc);
	PLANE("SRC_X", 0);
	PLANE("SRC_Y", 0);
	PLANE("SRC_W", (uint64_t)GNTBUF_VKMS_WIDTH << 16);
	PLANE("SRC_H", (uint64_t)GNTBUF_VKMS_HEIGHT << 16);
	PLANE("CRTC_X", 0);
	PLANE("CRTC_Y", 0);
	PLANE("CRTC_W", GNTBUF_VKMS_WIDTH);
	PLANE("CRTC_H", GNTBUF_VKMS_HEIGHT);
#undef PLANE
	drmModeAtomicAddProperty(req, s->wb, kms_prop(fd, s->wb,
			DRM_MODE_OBJECT_CONNECTOR, "CRTC_ID"), s->crtc);
	drmModeAtomicAddProperty(req, s->wb, kms_prop(fd, s->wb,
			DRM_MODE_OBJECT_CONNECTOR, "WRITEBACK_FB_ID"), fb_dst);
	drmModeAtomicAddProperty(req, s->wb, kms_prop(fd, s->wb,
			DRM_MODE_OBJECT_CONNECTOR, "WRITEBACK_OUT_FENCE_PTR"),
			(uintptr_t)&fence);
	igt_assert_f(drmModeAtomicCommit(fd, req, DRM_MODE_ATOMIC_ALLOW_MODESET,
					 NULL) == 0,
		     "atomic commit (scan-out + writeback): %s\n",
		     strerror(errno));
	drmModeAtomicFree(req);
	kms_wait_fence(fence);
}

/* One frame of the scan-out written back into @dst_dmabuf. */
static void kms_frame_into(struct gntbuf_vkms_scanout *s, int dst_dmabuf)
{
	struct drm_gem_close gem_close = { 0 };
	uint32_t fb_dst, h_dst;

	fb_dst = kms_fb_from_dmabuf(s->fd, dst_dmabuf, &h_dst);
	kms_commit_frame(s, fb_dst);
	igt_assert_eq(drmModeRmFB(s->fd, fb_dst), 0);
	/* The same dma-buf on the same file is the same handle. */
	if (h_dst != s->h_src) {
		gem_close.handle = h_dst;
		do_ioctl(s->fd, DRM_IOCTL_GEM_CLOSE, &gem_close);
	}
}

void gntbuf_vkms_show(int fd, int src_dmabuf, int dst_dmabuf,
		      struct gntbuf_vkms_scanout *s)
{
	drmModeResPtr res;
	drmModePlaneResPtr planes;
	drmModeModeInfo mode;
	bool have_mode = false;

	memset(s, 0, sizeof(*s));
	s->fd = fd;
	/* Probing modes and committing both need it (drm_mode_getconnector). */
	igt_require_f(drmIsMaster(fd), "this open of vkms is not the DRM "
		      "master: it can neither probe modes nor commit\n");
	igt_require(drmSetClientCap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1) == 0);
	igt_require(drmSetClientCap(fd, DRM_CLIENT_CAP_ATOMIC, 1) == 0);
	igt_require_f(drmSetClientCap(fd, DRM_CLIENT_CAP_WRITEBACK_CONNECTORS,
				      1) == 0, "no writeback connectors\n");

	res = drmModeGetResources(fd);
	igt_assert(res && res->count_crtcs > 0);
	s->crtc = res->crtcs[0];
	for (int i = 0; i < res->count_connectors; i++) {
		drmModeConnectorPtr c = drmModeGetConnector(fd,
							    res->connectors[i]);

		if (!c)
			continue;
		if (c->connector_type == DRM_MODE_CONNECTOR_WRITEBACK)
			s->wb = c->connector_id;
		for (int m = 0; m < c->count_modes && !have_mode; m++) {
			if (c->modes[m].hdisplay == GNTBUF_VKMS_WIDTH &&
			    c->modes[m].vdisplay == GNTBUF_VKMS_HEIGHT) {
				mode = c->modes[m];
				have_mode = true;
			}
		}
		drmModeFreeConnector(c);
	}
	drmModeFreeResources(res);
	igt_require_f(s->wb, "vkms has no writeback connector "
		      "(enable_writeback=1)\n");
	igt_assert_f(have_mode, "no %ux%u mode\n", GNTBUF_VKMS_WIDTH,
		     GNTBUF_VKMS_HEIGHT);

	planes = drmModeGetPlaneResources(fd);
	igt_assert(planes);
	for (uint32_t i = 0; i < planes->count_planes && !s->plane; i++) {
		drmModePlanePtr p = drmModeGetPlane(fd, planes->planes[i]);

		if (p && (p->possible_crtcs & 1) &&
		    kms_prop_value(fd, p->plane_id, DRM_MODE_OBJECT_PLANE,
				   "type") == DRM_PLANE_TYPE_PRIMARY)
			s->plane = p->plane_id;
		drmModeFreePlane(p);
	}
	drmModeFreePlaneResources(planes);
	igt_assert(s->plane);

	s->fb_src = kms_fb_from_dmabuf(fd, src_dmabuf, &s->h_src);
	igt_assert_eq(drmModeCreatePropertyBlob(fd, &mode, sizeof(mode),
						&s->blob), 0);
	/* Scan out the source; the writeback connector writes the frame. */
	kms_frame_into(s, dst_dmabuf);
}

void gntbuf_vkms_writeback(struct gntbuf_vkms_scanout *s, int dst_dmabuf)
{
	igt_assert(s->fb_src);
	kms_frame_into(s, dst_dmabuf);
}

void gntbuf_vkms_off(struct gntbuf_vkms_scanout *s)
{
	struct drm_gem_close gem_close = { 0 };
	drmModeAtomicReqPtr req;
	int fd = s->fd;

	if (!s->fb_src)
		return;
	/* Switch off and let go of the source. */
	req = drmModeAtomicAlloc();
	igt_assert(req);
	drmModeAtomicAddProperty(req, s->plane, kms_prop(fd, s->plane,
			DRM_MODE_OBJECT_PLANE, "FB_ID"), 0);
	drmModeAtomicAddProperty(req, s->plane, kms_prop(fd, s->plane,
			DRM_MODE_OBJECT_PLANE, "CRTC_ID"), 0);
	drmModeAtomicAddProperty(req, s->wb, kms_prop(fd, s->wb,
			DRM_MODE_OBJECT_CONNECTOR, "CRTC_ID"), 0);
	drmModeAtomicAddProperty(req, s->crtc, kms_prop(fd, s->crtc,
			DRM_MODE_OBJECT_CRTC, "ACTIVE"), 0);
	drmModeAtomicAddProperty(req, s->crtc, kms_prop(fd, s->crtc,
			DRM_MODE_OBJECT_CRTC, "MODE_ID"), 0);
	igt_assert_f(drmModeAtomicCommit(fd, req, DRM_MODE_ATOMIC_ALLOW_MODESET,
					 NULL) == 0, "atomic commit (off): %s\n",
		     strerror(errno));
	drmModeAtomicFree(req);
	drmModeDestroyPropertyBlob(fd, s->blob);
	igt_assert_eq(drmModeRmFB(fd, s->fb_src), 0);
	gem_close.handle = s->h_src;
	do_ioctl(fd, DRM_IOCTL_GEM_CLOSE, &gem_close);
	s->fb_src = 0;
}

void gntbuf_vkms_copy(int fd, int src_dmabuf, int dst_dmabuf)
{
	struct gntbuf_vkms_scanout s;

	gntbuf_vkms_show(fd, src_dmabuf, dst_dmabuf, &s);
	gntbuf_vkms_off(&s);
}
