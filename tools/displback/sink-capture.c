// SPDX-License-Identifier: MIT
/*
 * The capture sink: every Nth frame of a connector (--every, counting the
 * one SET_CONFIG shows as frame 1) is written as
 * <out>/dom<D>-dev<N>-conn<C>-frame<NNNNNN>.png, read through the
 * provider's CPU access (the dma-buf's mmap between begin and end CPU
 * access).  The PNG holds what the connector shows: the framebuffer from
 * its origin, clipped to the connector's resolution.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "displback.h"
#include "png-write.h"

struct cap_conn {
	struct conn *c;
	uint64_t written;
};

static int cap_init(struct sink *s)
{
	if (!s->b->opt.out_dir) {
		LOGE(NULL, -1, "the capture sink needs --out DIR");
		return -EINVAL;
	}
	return 0;
}

static void cap_fini(struct sink *s)
{
	(void)s;
}

static int cap_conn_open(struct sink *s, struct conn *c, void **priv)
{
	struct cap_conn *cc = calloc(1, sizeof(*cc));

	(void)s;
	if (!cc)
		return -ENOMEM;
	cc->c = c;
	*priv = cc;
	return 0;
}

static void cap_conn_close(struct sink *s, struct conn *c, void *priv)
{
	(void)s;
	(void)c;
	free(priv);
}

static int cap_fb_attach(struct sink *s, const struct sink_fb_desc *fb,
			 void **priv)
{
	(void)s;
	*priv = fb->mem;
	return 0;
}

static void cap_fb_detach(struct sink *s, void *priv)
{
	(void)s;
	(void)priv;
}

static int cap_write(struct sink *s, struct conn *c, struct cap_conn *cc,
		     const struct sink_fb_desc *fb)
{
	struct backend *b = s->b;
	const struct fb_geom *g = fb->geom;
	unsigned int every = b->opt.capture_every ? b->opt.capture_every : 1;
	uint64_t frame = c->st.frames;	/* already counted */
	uint32_t w = g->width < c->width ? g->width : c->width;
	uint32_t h = g->height < c->height ? g->height : c->height;
	const uint8_t *data;
	char path[512], name[48];
	int ret, ret2;

	if ((frame - 1) % every)
		return 0;
	if (b->opt.capture_max && cc->written >= b->opt.capture_max)
		return 0;
	snprintf(path, sizeof(path), "%s/%s-frame%06" PRIu64 ".png",
		 b->opt.out_dir, conn_name(c, name, sizeof(name)), frame);
	ret = conn_cpu_begin(c, fb->mem, &data);
	if (ret) {
		LOGE(c->dev, c->idx, "capture: CPU access to fb %#" PRIx64
		     ": %s", fb->cookie, strerror(-ret));
		return ret;
	}
	ret = png_write_fb(path, data + g->offset, g->pitch, g->fmt, w, h);
	ret2 = b->prov->cpu_end(b, fb->mem);
	if (ret) {
		LOGE(c->dev, c->idx, "capture: %s: %s", path, strerror(-ret));
		return ret;
	}
	if (ret2)
		LOGW(c->dev, c->idx, "capture: end CPU access: %s",
		     strerror(-ret2));
	cc->written++;
	c->st.captured++;
	LOGD(c->dev, c->idx, "captured fb %#" PRIx64 " as %s", fb->cookie,
	     path);
	return 0;
}

static int cap_show(struct sink *s, struct conn *c, void *cp, void *fp,
		    const struct sink_fb_desc *fb)
{
	(void)fp;
	if (!fb)
		return 0;
	return cap_write(s, c, cp, fb);
}

static int cap_flip(struct sink *s, struct conn *c, void *cp, void *fp,
		    const struct sink_fb_desc *fb)
{
	int ret;

	(void)fp;
	ret = cap_write(s, c, cp, fb);
	conn_flip_done(c);
	return ret;
}

static int cap_get_fd(struct sink *s)
{
	(void)s;
	return -1;
}

const struct sink_ops sink_capture_ops = {
	.name = "capture",
	.init = cap_init,
	.fini = cap_fini,
	.conn_open = cap_conn_open,
	.conn_close = cap_conn_close,
	.fb_attach = cap_fb_attach,
	.fb_detach = cap_fb_detach,
	.show = cap_show,
	.flip = cap_flip,
	.get_fd = cap_get_fd,
};
