// SPDX-License-Identifier: MIT
/*
 * The KMS sink's --writeback read-back.
 *
 * With --writeback (a test aid, vkms's enable_writeback=1), the CRTC drives
 * its writeback connector instead of the display connector: vkms (6.1)
 * cannot route one CRTC to both (its atomic check fails with -EINVAL,
 * measured in the rig), as its encoders are not clones.  The commit of
 * every --every-th frame then attaches a dumb buffer of the mode's size as
 * WRITEBACK_FB_ID with a WRITEBACK_OUT_FENCE_PTR, as IGT's kms_writeback
 * does; once the out-fence signals, what the CRTC scanned out (vkms
 * composes the plane from the imported dma-buf) is written as
 * <conn>-frame<N>-wb.png, and the dma-buf's own pixels, read through
 * begin/end CPU access, as <conn>-frame<N>.png, for a comparison.  The
 * wait for the fence makes that frame's commit synchronous; the display
 * path itself still copies nothing.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "png-write.h"
#include "sink-kms.h"

/* Whether this frame (already counted) is one to read back. */
bool kms_wb_due(struct sink *s, struct conn *c, struct kms_conn *kc)
{
	const struct options *o = &s->b->opt;
	unsigned int every = o->capture_every ? o->capture_every : 1;

	if (!o->kms_writeback || !kc->pipe || !kc->pipe->wb_conn_id)
		return false;
	if ((c->st.frames - 1) % every)
		return false;
	return !o->capture_max || kc->wb_written < o->capture_max;
}

/* The writeback buffer: a dumb XRGB8888 buffer of the mode's size. */
int kms_wb_prepare(struct kms *k, struct conn *c, struct kms_conn *kc)
{
	int ret;

	if (kc->wb.fb_id)
		return 0;
	ret = kms_dumb_create(k, c->width, c->height,
			      pixfmt_find(DRM_FORMAT_XRGB8888), PROT_READ,
			      &kc->wb);
	if (ret)
		return ret;
	LOGI(c->dev, c->idx, "kms: crtc %u drives writeback connector %u "
	     "(--writeback), %ux%u XRGB8888 buffer", kc->pipe->crtc_id,
	     kc->pipe->wb_conn_id, c->width, c->height);
	return 0;
}

/* Ask for the frame of this commit in the writeback buffer. */
void kms_wb_add(drmModeAtomicReq *req, struct kms_conn *kc, int32_t *fence)
{
	struct kms_pipe *p = kc->pipe;

	*fence = -1;
	drmModeAtomicAddProperty(req, p->wb_conn_id, p->p_wb_fb, kc->wb.fb_id);
	drmModeAtomicAddProperty(req, p->wb_conn_id, p->p_wb_fence,
				 (uint64_t)(uintptr_t)fence);
}

/*
 * Wait for the writeback (up to 10 s: vkms composes in a worker, slow
 * under TCG), then write what was scanned out and what the dma-buf holds.
 */
int kms_wb_finish(struct sink *s, struct conn *c, struct kms_conn *kc,
		  int32_t fence, const struct sink_fb_desc *fb)
{
	struct backend *b = s->b;
	const struct fb_geom *g = fb->geom;
	uint32_t w = g->width < c->width ? g->width : c->width;
	uint32_t h = g->height < c->height ? g->height : c->height;
	struct pollfd pfd = { .fd = fence, .events = POLLIN };
	char path[512], name[48];
	const uint8_t *data;
	int ret;

	if (fence < 0) {
		LOGE(c->dev, c->idx, "kms: writeback: no out-fence");
		return -EIO;
	}
	ret = poll(&pfd, 1, 10000);
	close(fence);
	if (ret != 1) {
		LOGE(c->dev, c->idx, "kms: writeback of frame %" PRIu64
		     " did not complete in 10 s", c->st.frames);
		return -ETIMEDOUT;
	}
	conn_name(c, name, sizeof(name));
	snprintf(path, sizeof(path), "%s/%s-frame%06" PRIu64 "-wb.png",
		 b->opt.out_dir, name, c->st.frames);
	ret = png_write_fb(path, kc->wb.map, kc->wb.pitch,
			   pixfmt_find(DRM_FORMAT_XRGB8888), w, h);
	if (ret) {
		LOGE(c->dev, c->idx, "kms: writeback: %s: %s", path,
		     strerror(-ret));
		return ret;
	}
	snprintf(path, sizeof(path), "%s/%s-frame%06" PRIu64 ".png",
		 b->opt.out_dir, name, c->st.frames);
	ret = conn_cpu_begin(c, fb->mem, &data);
	if (ret) {
		LOGE(c->dev, c->idx, "kms: CPU access to fb %#" PRIx64 ": %s",
		     fb->cookie, strerror(-ret));
		return ret;
	}
	ret = png_write_fb(path, data + g->offset, g->pitch, g->fmt, w, h);
	b->prov->cpu_end(b, fb->mem);
	if (ret)
		return ret;
	kc->wb_written++;
	c->st.captured++;
	LOGD(c->dev, c->idx, "kms: frame %" PRIu64 " read back through "
	     "writeback connector %u", c->st.frames, kc->pipe->wb_conn_id);
	return 0;
}
