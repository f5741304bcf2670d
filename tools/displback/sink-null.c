// SPDX-License-Identifier: MIT
/* The null sink: every frame is "shown" at once and nothing is kept. */
#include "displback.h"

static int null_init(struct sink *s)
{
	(void)s;
	return 0;
}

static void null_fini(struct sink *s)
{
	(void)s;
}

static int null_conn_open(struct sink *s, struct conn *c, void **priv)
{
	(void)s;
	*priv = c;
	return 0;
}

static void null_conn_close(struct sink *s, struct conn *c, void *priv)
{
	(void)s;
	(void)c;
	(void)priv;
}

static int null_fb_attach(struct sink *s, const struct sink_fb_desc *fb,
			  void **priv)
{
	(void)s;
	*priv = (void *)fb->geom;
	return 0;
}

static void null_fb_detach(struct sink *s, void *priv)
{
	(void)s;
	(void)priv;
}

static int null_show(struct sink *s, struct conn *c, void *cp, void *fp,
		     const struct sink_fb_desc *fb)
{
	(void)s;
	(void)c;
	(void)cp;
	(void)fp;
	(void)fb;
	return 0;
}

static int null_flip(struct sink *s, struct conn *c, void *cp, void *fp,
		     const struct sink_fb_desc *fb)
{
	(void)s;
	(void)cp;
	(void)fp;
	(void)fb;
	conn_flip_done(c);
	return 0;
}

static int null_get_fd(struct sink *s)
{
	(void)s;
	return -1;
}

const struct sink_ops sink_null_ops = {
	.name = "null",
	.init = null_init,
	.fini = null_fini,
	.conn_open = null_conn_open,
	.conn_close = null_conn_close,
	.fb_attach = null_fb_attach,
	.fb_detach = null_fb_detach,
	.show = null_show,
	.flip = null_flip,
	.get_fd = null_get_fd,
};
