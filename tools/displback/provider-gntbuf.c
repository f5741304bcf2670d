// SPDX-License-Identifier: MIT
/*
 * The buffer provider on libgntbuf and the xen-gntbuf module: a frontend's
 * grefs become a dma-buf once (gntbuf_buffer_from_refs(), one grant map
 * per page, at DBUF_CREATE); be-alloc buffers are allocated and granted by
 * gntbuf_buffer_alloc().  CPU access (the capture sink) is the dma-buf's
 * mmap between begin and end CPU access; in an x86 PV domain that mmap is
 * made of grant map operations, counted once per buffer.
 *
 * Each vdispl device has a xen-gntbuf file (struct gntbuf_device) of its
 * own, opened when it connects: the module's per-file page limit
 * (max_pages_per_file) is then per device, and one guest cannot use the
 * budget of others.  The backend's own file only reads the module's
 * capabilities and counters.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "displback.h"

struct gb_priv {
	struct gntbuf_device *dev;
	struct gntbuf_caps caps;
};

static int gb_wrap(struct backend *b, struct gntbuf_buffer *buf,
		   struct dbuf_mem *mem)
{
	int fd, ret;

	(void)b;
	ret = gntbuf_buffer_dup_fd(buf, &fd);
	if (ret) {
		gntbuf_buffer_destroy(buf);
		return ret;
	}
	memset(mem, 0, sizeof(*mem));
	mem->fd = fd;
	mem->id = gntbuf_buffer_get_id(buf);
	mem->pages = gntbuf_buffer_get_page_count(buf);
	mem->size = gntbuf_buffer_get_size(buf);
	mem->priv = buf;
	return 0;
}

/* libgntbuf's log of a device's buffers, as this device's log lines. */
static void gb_log(struct gntbuf_device *gd, enum gntbuf_log_priority priority,
		   void *user_data, const char *format, va_list args)
{
	const char *level = priority >= GNTBUF_LOG_PRIORITY_ERROR ? "error" :
			    priority >= GNTBUF_LOG_PRIORITY_INFO ? "info" :
			    "debug";
	char msg[256];

	(void)gd;
	vsnprintf(msg, sizeof(msg), format, args);
	log_line(level, user_data, -1, "libgntbuf: %s", msg);
}

static int gb_dev_open(struct backend *b, struct vdispl *dev)
{
	struct gb_priv *gp = b->prov_priv;
	struct gntbuf_device *gd;
	int ret;

	ret = gntbuf_device_open(GNTBUF_BACKEND_MODULE, &gd);
	if (ret)
		return ret;
	/* The library's detail (domain, gref, page-directory fault) in this
	 * device's log, under its rate limit. */
	gntbuf_device_set_log_handler(gd, gb_log, dev);
	gntbuf_device_set_log_priority(gd, displback_verbose ?
				       GNTBUF_LOG_PRIORITY_DEBUG :
				       GNTBUF_LOG_PRIORITY_INFO);
	if (gp->caps.max_pages_per_device &&
	    gp->caps.max_pages_per_device < b->opt.max_pages)
		LOGW(dev, -1, "the module's max_pages_per_file (%u) is below "
		     "--max-pages (%u): the module refuses first",
		     gp->caps.max_pages_per_device, b->opt.max_pages);
	dev->prov_dev = gd;
	return 0;
}

static void gb_dev_close(struct backend *b, struct vdispl *dev)
{
	(void)b;
	if (!dev->prov_dev)
		return;
	gntbuf_device_close(dev->prov_dev);
	dev->prov_dev = NULL;
}

static int gb_export_refs(struct backend *b, struct vdispl *dev,
			  const uint32_t *refs, uint32_t count,
			  struct dbuf_mem *mem)
{
	struct gntbuf_buffer *buf;
	int ret;

	if (!dev->prov_dev)
		return -ENODEV;
	/* Read-only: a display backend has no business writing the guest's
	 * pixels. */
	ret = gntbuf_buffer_from_refs(dev->prov_dev, dev->domid, refs, count,
				      GNTBUF_BUFFER_READ_ONLY, &buf);
	if (ret)
		return ret;
	ret = gb_wrap(b, buf, mem);
	if (!ret)
		mem->grant_maps = count;
	return ret;
}

static int gb_alloc(struct backend *b, struct vdispl *dev, uint32_t count,
		    uint32_t *refs, struct dbuf_mem *mem)
{
	struct gntbuf_buffer *buf;
	const uint32_t *r;
	uint32_t n = 0;
	int ret;

	if (!dev->prov_dev)
		return -ENODEV;
	ret = gntbuf_buffer_alloc(dev->prov_dev, dev->domid, count, 0, &buf);
	if (ret)
		return ret;
	r = gntbuf_buffer_get_refs(buf, &n);
	if (!r || n != count) {
		gntbuf_buffer_destroy(buf);
		return -EIO;
	}
	memcpy(refs, r, (size_t)count * sizeof(*refs));
	return gb_wrap(b, buf, mem);
}

static int gb_cpu_begin(struct backend *b, struct dbuf_mem *mem,
			const uint8_t **data)
{
	struct gb_priv *gp = b->prov_priv;
	int ret;

	if (!mem->map) {
		void *p;

		ret = gntbuf_buffer_map(mem->priv, GNTBUF_ACCESS_READ, &p);
		if (ret)
			return ret;
		mem->map = p;
		if (gp->caps.caps & GNTBUF_CAP_PV_MAPPINGS)
			mem->grant_maps += mem->pages;
	}
	ret = gntbuf_buffer_begin_cpu_access(mem->priv, GNTBUF_ACCESS_READ);
	if (ret)
		return ret;
	*data = mem->map;
	return 0;
}

static int gb_cpu_end(struct backend *b, struct dbuf_mem *mem)
{
	(void)b;
	return gntbuf_buffer_end_cpu_access(mem->priv, GNTBUF_ACCESS_READ);
}

/* The backend's own hold: its dma-buf fd and mapping pointer. */
static void gb_drop_hold(struct dbuf_mem *mem)
{
	if (mem->fd >= 0)
		close(mem->fd);
	mem->fd = -1;
	mem->map = NULL;
}

static int gb_release(struct backend *b, struct dbuf_mem *mem,
		      unsigned int timeout_ms)
{
	int ret;

	(void)b;
	gb_drop_hold(mem);
	if (!mem->priv)
		return 0;
	ret = gntbuf_buffer_wait_released(mem->priv, timeout_ms);
	gntbuf_buffer_destroy(mem->priv);
	mem->priv = NULL;
	return ret;
}

static int gb_release_poll(struct backend *b, struct dbuf_mem *mem)
{
	int ret;

	(void)b;
	gb_drop_hold(mem);
	if (!mem->priv)
		return 0;
	ret = gntbuf_buffer_wait_released(mem->priv, 0);
	if (ret == -ETIMEDOUT || ret == -EINTR)
		return -EAGAIN;
	/* Released, or an error no later poll mends: forget it. */
	gntbuf_buffer_destroy(mem->priv);
	mem->priv = NULL;
	return ret;
}

static void gb_fini(struct backend *b)
{
	struct gb_priv *gp = b->prov_priv;

	if (gp)
		gntbuf_device_close(gp->dev);
	free(gp);
	b->prov_priv = NULL;
}

static void gb_counters(struct backend *b, char *buf, size_t len)
{
	struct gb_priv *gp = b->prov_priv;
	struct gntbuf_counters k;
	int ret = gntbuf_device_get_counters(gp->dev, &k);

	if (ret) {
		snprintf(buf, len, "gntbuf counters: %s", strerror(-ret));
		return;
	}
	snprintf(buf, len, "gntbuf counters: live_buffers %llu mapped_pages "
		 "%llu allocated_pages %llu pending_release %llu",
		 (unsigned long long)k.live_buffers,
		 (unsigned long long)k.mapped_pages,
		 (unsigned long long)k.allocated_pages,
		 (unsigned long long)k.pending_release);
}

static const struct provider_ops gntbuf_ops = {
	.name = "gntbuf",
	.dev_open = gb_dev_open,
	.dev_close = gb_dev_close,
	.export_refs = gb_export_refs,
	.alloc = gb_alloc,
	.cpu_begin = gb_cpu_begin,
	.cpu_end = gb_cpu_end,
	.release = gb_release,
	.release_poll = gb_release_poll,
	.fini = gb_fini,
	.counters = gb_counters,
};

int provider_gntbuf_init(struct backend *b)
{
	struct gb_priv *gp = calloc(1, sizeof(*gp));
	int ret;

	if (!gp)
		return -ENOMEM;
	/* gntdev's own dma-bufs refuse exports in a PV domain and have no
	 * CPU access: the module it is. */
	ret = gntbuf_device_open(GNTBUF_BACKEND_MODULE, &gp->dev);
	if (ret) {
		free(gp);
		return ret;
	}
	gntbuf_device_get_caps(gp->dev, &gp->caps);
	b->prov_priv = gp;
	b->prov = &gntbuf_ops;
	return 0;
}
