// SPDX-License-Identifier: MIT
/*
 * dma-bufs into DRM and GBM: PRIME import with counted GEM handles (the
 * reference counting xf86drm.h asks of its users), KMS framebuffers
 * (xf86drmMode.h: drmModeAddFB2WithModifiers, drmModeAddFB2) and gbm_bo
 * import (gbm.h: GBM_BO_IMPORT_FD_MODIFIER).
 *
 * libdrm's xf86drm.c calls return -1 with errno, its xf86drmMode.c calls a
 * negative errno: drm_rc() takes either.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <drm.h>
#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "gntbuf-private.h"

#ifdef HAVE_GBM
#include <gbm.h>
#endif

struct handle_ref {
	uint32_t handle;
	uint32_t refs;
};

struct fb_ref {
	uint32_t fb_id;
	uint32_t handle;
};

struct gntbuf_drm {
	int fd;
	/* DRM_CAP_ADDFB2_MODIFIERS, read at create. */
	bool addfb2_modifiers;
	struct handle_ref *handles;
	size_t num_handles, cap_handles;
	struct fb_ref *fbs;
	size_t num_fbs, cap_fbs;
};

static int drm_rc(int rc)
{
	if (rc >= 0)
		return 0;
	if (rc == -1)
		return gntbuf_neg_errno();
	return rc;
}

/* Grows an array of @size-byte entries to room for one more. */
static int grow(void **array, size_t *cap, size_t used, size_t size)
{
	size_t new_cap;
	void *p;

	if (used < *cap)
		return 0;
	new_cap = *cap ? *cap * 2 : 8;
	p = realloc(*array, new_cap * size);
	if (!p)
		return -ENOMEM;
	*array = p;
	*cap = new_cap;
	return 0;
}

GNTBUF_EXPORT int
gntbuf_drm_create(int drm_fd, struct gntbuf_drm **out)
{
	struct drm_version version;
	struct gntbuf_drm *drm;
	uint64_t cap = 0;

	if (!out)
		return -EINVAL;
	if (drm_fd < 0)
		return -EBADF;
	/* Only the lengths come back: is it a DRM file at all? */
	memset(&version, 0, sizeof(version));
	if (ioctl(drm_fd, DRM_IOCTL_VERSION, &version) < 0)
		return gntbuf_neg_errno();

	drm = calloc(1, sizeof(*drm));
	if (!drm)
		return -ENOMEM;
	drm->fd = drm_fd;
	/* Kernels before 4.14 lack the cap: no modifiers, then. */
	if (drmGetCap(drm_fd, DRM_CAP_ADDFB2_MODIFIERS, &cap) == 0 && cap)
		drm->addfb2_modifiers = true;
	*out = drm;
	return 0;
}

GNTBUF_EXPORT void
gntbuf_drm_destroy(struct gntbuf_drm *drm)
{
	if (!drm)
		return;
	for (size_t i = 0; i < drm->num_fbs; i++)
		drmModeRmFB(drm->fd, drm->fbs[i].fb_id);
	for (size_t i = 0; i < drm->num_handles; i++)
		drmCloseBufferHandle(drm->fd, drm->handles[i].handle);
	free(drm->fbs);
	free(drm->handles);
	free(drm);
}

static struct handle_ref *find_handle(struct gntbuf_drm *drm, uint32_t handle)
{
	for (size_t i = 0; i < drm->num_handles; i++)
		if (drm->handles[i].handle == handle)
			return &drm->handles[i];
	return NULL;
}

GNTBUF_EXPORT int
gntbuf_drm_import_handle(struct gntbuf_drm *drm, int dmabuf_fd,
			 uint32_t *handle)
{
	struct handle_ref *ref;
	uint32_t h;
	int ret;

	if (!drm || !handle)
		return -EINVAL;
	if (dmabuf_fd < 0)
		return -EBADF;
	/* Room first: a handle imported must never go uncounted. */
	ret = grow((void **)&drm->handles, &drm->cap_handles,
		   drm->num_handles, sizeof(*drm->handles));
	if (ret)
		return ret;
	ret = drm_rc(drmPrimeFDToHandle(drm->fd, dmabuf_fd, &h));
	if (ret)
		return ret;

	/* The same buffer comes back as the same handle: count it. */
	ref = find_handle(drm, h);
	if (ref) {
		ref->refs++;
	} else {
		ref = &drm->handles[drm->num_handles++];
		ref->handle = h;
		ref->refs = 1;
	}
	*handle = h;
	return 0;
}

GNTBUF_EXPORT int
gntbuf_drm_release_handle(struct gntbuf_drm *drm, uint32_t handle)
{
	struct handle_ref *ref;

	if (!drm)
		return -EINVAL;
	ref = find_handle(drm, handle);
	if (!ref)
		return -ENOENT;
	if (--ref->refs > 0)
		return 0;
	*ref = drm->handles[--drm->num_handles];
	return drm_rc(drmCloseBufferHandle(drm->fd, handle));
}

static int add_fb2(struct gntbuf_drm *drm, const struct gntbuf_layout *l,
		   uint32_t handle, uint32_t *fb_id)
{
	uint32_t handles[4] = { 0 }, pitches[4] = { 0 }, offsets[4] = { 0 };
	uint64_t modifiers[4] = { 0 };
	int ret;

	/* DRM wants zeros in unused planes (drm_framebuffer.c). */
	for (uint32_t p = 0; p < l->num_planes; p++) {
		handles[p] = handle;
		pitches[p] = l->strides[p];
		offsets[p] = l->offsets[p];
		modifiers[p] = l->modifier;
	}

	if (l->modifier != DRM_FORMAT_MOD_INVALID && drm->addfb2_modifiers) {
		ret = drm_rc(drmModeAddFB2WithModifiers(drm->fd, l->width,
							l->height, l->fourcc,
							handles, pitches,
							offsets, modifiers,
							fb_id,
							DRM_MODE_FB_MODIFIERS));
		/* A driver that says it takes modifiers and then will not. */
		if (ret != -EINVAL || l->modifier != DRM_FORMAT_MOD_LINEAR)
			return ret;
	} else if (l->modifier != DRM_FORMAT_MOD_INVALID &&
		   l->modifier != DRM_FORMAT_MOD_LINEAR) {
		/* Without modifiers a tiled image would be read as linear. */
		return -EOPNOTSUPP;
	}
	/* Linear or implicit: the image without DRM_MODE_FB_MODIFIERS. */
	return drm_rc(drmModeAddFB2(drm->fd, l->width, l->height, l->fourcc,
				    handles, pitches, offsets, fb_id, 0));
}

GNTBUF_EXPORT int
gntbuf_drm_add_fb(struct gntbuf_drm *drm, int dmabuf_fd,
		  const struct gntbuf_layout *layout, uint32_t *fb_id)
{
	uint32_t handle, id;
	int64_t size;
	int ret;

	if (!drm || !layout || !fb_id)
		return -EINVAL;
	size = gntbuf_priv_dmabuf_size(dmabuf_fd);
	if (size < 0)
		return (int)size;
	ret = gntbuf_layout_check(layout, (uint64_t)size);
	if (ret)
		return ret;
	ret = grow((void **)&drm->fbs, &drm->cap_fbs, drm->num_fbs,
		   sizeof(*drm->fbs));
	if (ret)
		return ret;

	ret = gntbuf_drm_import_handle(drm, dmabuf_fd, &handle);
	if (ret)
		return ret;
	ret = add_fb2(drm, layout, handle, &id);
	if (ret) {
		gntbuf_drm_release_handle(drm, handle);
		return ret;
	}
	drm->fbs[drm->num_fbs].fb_id = id;
	drm->fbs[drm->num_fbs].handle = handle;
	drm->num_fbs++;
	*fb_id = id;
	return 0;
}

GNTBUF_EXPORT int
gntbuf_drm_remove_fb(struct gntbuf_drm *drm, uint32_t fb_id)
{
	uint32_t handle;
	int ret, ret2;

	if (!drm)
		return -EINVAL;
	for (size_t i = 0; i < drm->num_fbs; i++) {
		if (drm->fbs[i].fb_id != fb_id)
			continue;
		handle = drm->fbs[i].handle;
		drm->fbs[i] = drm->fbs[--drm->num_fbs];
		ret = drm_rc(drmModeRmFB(drm->fd, fb_id));
		ret2 = gntbuf_drm_release_handle(drm, handle);
		return ret ? ret : ret2;
	}
	return -ENOENT;
}

GNTBUF_EXPORT int
gntbuf_gbm_import(struct gbm_device *gbm, int dmabuf_fd,
		  const struct gntbuf_layout *layout, uint32_t usage,
		  struct gbm_bo **bo)
{
#ifdef HAVE_GBM
	struct gbm_import_fd_modifier_data data;
	struct gbm_bo *b;
	int64_t size;
	int ret;

	if (!gbm || !layout || !bo)
		return -EINVAL;
	size = gntbuf_priv_dmabuf_size(dmabuf_fd);
	if (size < 0)
		return (int)size;
	ret = gntbuf_layout_check(layout, (uint64_t)size);
	if (ret)
		return ret;
	/* gbm_import_fd_modifier_data has int strides and offsets. */
	for (uint32_t p = 0; p < layout->num_planes; p++)
		if (layout->strides[p] > INT32_MAX ||
		    layout->offsets[p] > INT32_MAX)
			return -EOVERFLOW;

	memset(&data, 0, sizeof(data));
	data.width = layout->width;
	data.height = layout->height;
	data.format = layout->fourcc;
	data.num_fds = layout->num_planes;
	for (uint32_t p = 0; p < layout->num_planes; p++) {
		data.fds[p] = dmabuf_fd;
		data.strides[p] = (int)layout->strides[p];
		data.offsets[p] = (int)layout->offsets[p];
	}
	data.modifier = layout->modifier;

	errno = 0;
	b = gbm_bo_import(gbm, GBM_BO_IMPORT_FD_MODIFIER, &data, usage);
	if (!b)
		return errno > 0 ? -errno : -EINVAL;
	*bo = b;
	return 0;
#else
	(void)gbm, (void)dmabuf_fd, (void)layout, (void)usage, (void)bo;
	return -EOPNOTSUPP;
#endif
}
