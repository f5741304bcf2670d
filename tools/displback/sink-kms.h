/* SPDX-License-Identifier: MIT */
/*
 * The KMS sink's internals, shared by its three parts: sink-kms.c (the
 * sink's operations: connectors, framebuffer import, modeset and flips),
 * sink-kms-device.c (opening the DRM device, pairing connectors with
 * CRTCs and planes, dumb buffers) and sink-kms-writeback.c (--writeback
 * read-back).
 */
#ifndef GNTBUF_SINK_KMS_H
#define GNTBUF_SINK_KMS_H

#include <stdbool.h>
#include <stdint.h>

#include <xf86drmMode.h>

#include "displback.h"

struct kms_pipe {
	bool used;
	uint32_t crtc_id, conn_id, plane_id;
	uint32_t crtc_index;
	/* property ids */
	uint32_t p_crtc_active, p_crtc_mode, p_conn_crtc;
	uint32_t p_fb, p_crtc, p_sx, p_sy, p_sw, p_sh, p_cx, p_cy, p_cw, p_ch;
	/* the CRTC's writeback connector (--writeback), 0 if none */
	uint32_t wb_conn_id, p_wb_crtc, p_wb_fb, p_wb_fence;
	drmModeModeInfo modes[64];
	int n_modes;
};

/* A dumb buffer with a framebuffer on it, mapped (all 0 when unused). */
struct kms_dumb {
	uint32_t handle, fb_id, pitch;
	uint8_t *map;
	uint64_t size;
};

struct kms {
	int fd;
	struct gntbuf_drm *drm;
	struct kms_pipe pipes[8];
	int n_pipes;
};

struct kms_conn {
	struct conn *c;
	struct kms_pipe *pipe;	/* NULL: no pipe left, frames are dropped */
	uint32_t mode_blob;
	bool active;
	bool flip_pending;	/* a commit's event is still to come */
	/* --writeback: the buffer the writeback connector fills */
	struct kms_dumb wb;
	uint64_t wb_written;
};

struct kms_fb {
	struct kms *k;
	uint32_t fb_id;
	/* copy path: fb_id is dumb's */
	bool copy;
	struct kms_dumb dumb;
};

/*
 * Open the DRM device at @path, set the atomic (and with @writeback the
 * writeback-connector) client caps and fill @k's pipes.  0, or -ENODEV
 * (with k->fd -1) if it has no usable pipe, or -errno of open().
 */
int kms_open_device(struct kms *k, const char *path, bool writeback);

/*
 * A dumb buffer of @width x @height pixels of @fmt, added as a framebuffer
 * and mapped with @prot (PROT_READ or PROT_WRITE) into @d: 0, or -errno
 * with nothing left behind.  kms_dumb_destroy() takes a zeroed @d too.
 */
int kms_dumb_create(struct kms *k, uint32_t width, uint32_t height,
		    const struct pixfmt *fmt, int prot, struct kms_dumb *d);
void kms_dumb_destroy(struct kms *k, struct kms_dumb *d);

/* --writeback (sink-kms-writeback.c) */
bool kms_wb_due(struct sink *s, struct conn *c, struct kms_conn *kc);
int kms_wb_prepare(struct kms *k, struct conn *c, struct kms_conn *kc);
void kms_wb_add(drmModeAtomicReq *req, struct kms_conn *kc, int32_t *fence);
int kms_wb_finish(struct sink *s, struct conn *c, struct kms_conn *kc,
		  int32_t fence, const struct sink_fb_desc *fb);

#endif
