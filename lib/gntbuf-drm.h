/* SPDX-License-Identifier: MIT */
/**
 * @file gntbuf-drm.h
 * libgntbuf: DRM and GBM: PRIME imports, KMS framebuffers and gbm_bo_import.
 *
 * Part of gntbuf.h, which includes it where its section belongs: include
 * &lt;gntbuf.h&gt;, not this file (its units, errors and ownership rules
 * apply here too).
 */
#ifndef GNTBUF_DRM_H
#define GNTBUF_DRM_H

#ifndef GNTBUF_H_INSIDE
#error "include <gntbuf.h>, not <gntbuf-drm.h>"
#endif

struct gbm_bo;
struct gbm_device;

/* ---------------------------------------------------------------- */
/** @name DRM and GBM */
/** @{ */

struct gntbuf_drm;

/**
 * Wraps a DRM file to import dma-bufs into it with the GEM-handle
 * reference counting that xf86drm.h asks of PRIME users:
 * drmPrimeFDToHandle() returns the same handle for every import of the
 * same buffer on one DRM file, so a handle is closed only when its last
 * user lets it go. Every import into this DRM file must go through one
 * struct gntbuf_drm; and, as xf86drm.h warns, not through GBM or EGL on
 * the same DRM file too.
 *
 * @code
 * // Backend: frontend's grefs in, a KMS framebuffer out.
 * gntbuf_drm_create(card_fd, &drm);
 * gntbuf_buffer_dup_fd(buf, &dmabuf_fd);
 * gntbuf_drm_add_fb(drm, dmabuf_fd, &layout, &fb_id);
 * close(dmabuf_fd);                   // the GEM handle keeps the dma-buf
 * drmModeSetCrtc(card_fd, crtc, fb_id, 0, 0, &conn, 1, &mode);
 * ...
 * gntbuf_drm_remove_fb(drm, fb_id);   // RmFB, then the handle's last ref
 * gntbuf_buffer_wait_released(buf, 3000);
 * @endcode
 *
 * @param drm_fd a DRM device file (card or render node); borrowed, and
 *   must stay open until gntbuf_drm_destroy().
 * @param[out] out the wrapper.
 * @return 0 or a negative errno: -EBADF, -ENOTTY (not a DRM file),
 *   -EINVAL (NULL) or -ENOMEM. (libdrm is a build requirement.)
 */
int
gntbuf_drm_create(int drm_fd, struct gntbuf_drm **out);

/**
 * Removes the framebuffers and closes the GEM handles still held through
 * the wrapper, and frees it. The DRM file is not closed.
 *
 * @param drm the wrapper, or NULL.
 */
void
gntbuf_drm_destroy(struct gntbuf_drm *drm);

/**
 * Imports a dma-buf with PRIME (drmPrimeFDToHandle()) and takes a
 * reference to its GEM handle.
 *
 * @param drm the wrapper.
 * @param dmabuf_fd a dma-buf; borrowed.
 * @param[out] handle the GEM handle on the DRM file.
 * @return 0 or a negative errno from DRM_IOCTL_PRIME_FD_TO_HANDLE (-EBADF,
 *   -EINVAL for a file that is not a dma-buf, -EOPNOTSUPP for a driver
 *   without PRIME import), -ENOMEM, -EINVAL (NULL).
 */
int
gntbuf_drm_import_handle(struct gntbuf_drm *drm, int dmabuf_fd,
			 uint32_t *handle);

/**
 * Drops one reference taken by gntbuf_drm_import_handle(); the last one
 * closes the GEM handle (drmCloseBufferHandle()).
 *
 * @param drm the wrapper.
 * @param handle a GEM handle from gntbuf_drm_import_handle().
 * @return 0, -ENOENT for a handle the wrapper holds no reference to,
 *   -EINVAL for NULL, or the close's errno.
 */
int
gntbuf_drm_release_handle(struct gntbuf_drm *drm, uint32_t handle);

/**
 * Makes a KMS framebuffer of an image in a dma-buf: imports it (one
 * counted handle for all planes, which share the dma-buf) and calls
 * drmModeAddFB2WithModifiers() with DRM_MODE_FB_MODIFIERS. It calls
 * drmModeAddFB2() without modifiers instead when the modifier is
 * DRM_FORMAT_MOD_INVALID, or when it is DRM_FORMAT_MOD_LINEAR and the
 * driver does not take modifiers (DRM_CAP_ADDFB2_MODIFIERS 0, or EINVAL
 * from the first try).
 *
 * @param drm the wrapper.
 * @param dmabuf_fd the dma-buf holding every plane; borrowed.
 * @param layout the image; gntbuf_layout_check() must accept it for the
 *   dma-buf's size.
 * @param[out] fb_id the framebuffer id, for drmModeSetCrtc() or a plane.
 * @return 0 or a negative errno: -EOPNOTSUPP (a driver without KMS, such
 *   as vgem; a non-linear modifier on a driver without modifiers), the
 *   errors of gntbuf_layout_check() and gntbuf_drm_import_handle(), or
 *   DRM_IOCTL_MODE_ADDFB2's errno.
 */
int
gntbuf_drm_add_fb(struct gntbuf_drm *drm, int dmabuf_fd,
		  const struct gntbuf_layout *layout, uint32_t *fb_id);

/**
 * Removes a framebuffer made by gntbuf_drm_add_fb() (drmModeRmFB()) and
 * drops its handle reference.
 *
 * @param drm the wrapper.
 * @param fb_id a framebuffer id from gntbuf_drm_add_fb().
 * @return 0, -ENOENT for an id the wrapper did not make, -EINVAL (NULL),
 *   or drmModeRmFB()'s errno (the reference is dropped all the same).
 */
int
gntbuf_drm_remove_fb(struct gntbuf_drm *drm, uint32_t fb_id);

/**
 * Imports an image in a dma-buf as a gbm_bo: gbm_bo_import() with
 * GBM_BO_IMPORT_FD_MODIFIER, every plane on @p dmabuf_fd.
 *
 * @param gbm a GBM device.
 * @param dmabuf_fd the dma-buf holding every plane; borrowed (GBM makes
 *   its own handle).
 * @param layout the image, checked as gntbuf_drm_add_fb() does.
 * @param usage GBM_BO_USE_* bits.
 * @param[out] bo the buffer object, the caller's to gbm_bo_destroy().
 * @return 0 or a negative errno: gbm_bo_import()'s errno (-EINVAL when
 *   it gives none), the errors of gntbuf_layout_check(), -EOPNOTSUPP
 *   (built without GBM).
 */
int
gntbuf_gbm_import(struct gbm_device *gbm, int dmabuf_fd,
		  const struct gntbuf_layout *layout, uint32_t usage,
		  struct gbm_bo **bo);

/** @} */

#endif /* GNTBUF_DRM_H */
