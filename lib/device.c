// SPDX-License-Identifier: MIT
/*
 * Devices: the xen-gntbuf module (/dev/xen/gntbuf, kernel/include/uapi/
 * xen/gntbuf.h) or gntdev's dma-buf ioctls (gntdev.c), and what they can do.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <xen/gntbuf.h>

#include "gntbuf-private.h"

#define GNTBUF_DEFAULT_DEVICE "/dev/xen/gntbuf"

/*
 * The library's GNTBUF_CAP_* bits have the positions of the module's
 * GNTBUF_FEATURE_* bits, but are translated one by one, so that neither
 * side's numbering binds the other.
 */
static const struct {
	uint64_t feature;
	uint64_t cap;
} feature_caps[] = {
	{ GNTBUF_FEATURE_EXPORT_REFS, GNTBUF_CAP_EXPORT_REFS },
	{ GNTBUF_FEATURE_ALLOC, GNTBUF_CAP_ALLOC },
	{ GNTBUF_FEATURE_IMPORT, GNTBUF_CAP_IMPORT },
	{ GNTBUF_FEATURE_SYNC_RANGE, GNTBUF_CAP_SYNC_RANGE },
	{ GNTBUF_FEATURE_NO_BOUNCE, GNTBUF_CAP_NO_BOUNCE },
	{ GNTBUF_FEATURE_PV_MAPPINGS, GNTBUF_CAP_PV_MAPPINGS },
	{ GNTBUF_FEATURE_AUTO_TRANSLATED, GNTBUF_CAP_AUTO_TRANSLATED },
};

static const char *module_device_path(void)
{
	const char *path = secure_getenv("GNTBUF_DEVICE");

	return path && path[0] ? path : GNTBUF_DEFAULT_DEVICE;
}

static struct gntbuf_device *device_new(enum gntbuf_backend backend)
{
	struct gntbuf_device *dev = calloc(1, sizeof(*dev));

	if (!dev)
		return NULL;
	atomic_init(&dev->refcount, 1);
	dev->backend = backend;
	dev->fd = -1;
	pthread_mutex_init(&dev->lock, NULL);
	dev->caps.backend = backend;
	dev->caps.page_size = GNTBUF_XEN_PAGE_SIZE;
	dev->log_priority = GNTBUF_LOG_PRIORITY_ERROR;
	return dev;
}

static void device_free(struct gntbuf_device *dev)
{
	if (dev->fd >= 0)
		close(dev->fd);
	gntbuf_gntdev_close(dev->xgt);
	pthread_mutex_destroy(&dev->lock);
	free(dev);
}

static int open_module(struct gntbuf_device **out)
{
	struct gntbuf_query query;
	struct gntbuf_device *dev;
	int ret;

	dev = device_new(GNTBUF_BACKEND_MODULE);
	if (!dev)
		return -ENOMEM;

	dev->fd = open(module_device_path(), O_RDWR | O_CLOEXEC);
	if (dev->fd < 0) {
		switch (errno) {
		case ENOENT:
		case ENXIO:
		case ENODEV:
		case ENOTDIR:
			ret = -ENODEV;
			break;
		default:
			ret = gntbuf_neg_errno();
			break;
		}
		goto err_free;
	}

	memset(&query, 0, sizeof(query));
	if (ioctl(dev->fd, GNTBUF_IOCTL_QUERY, &query) < 0) {
		/* Not the module (a path override to another file). */
		ret = errno == ENOTTY ? -ENODEV : gntbuf_neg_errno();
		goto err_free;
	}
	/* ABI 1 differs only in WAIT_RELEASED's number (see buffer.c). */
	if (query.abi_version < 1 || query.abi_version > GNTBUF_ABI_VERSION) {
		ret = -EPROTONOSUPPORT;
		goto err_free;
	}

	dev->caps.abi_version = query.abi_version;
	dev->features = query.features;
	for (size_t i = 0; i < GNTBUF_ARRAY_SIZE(feature_caps); i++)
		if (query.features & feature_caps[i].feature)
			dev->caps.caps |= feature_caps[i].cap;
	/* The module's dma-bufs have begin/end_cpu_access and mmap. */
	dev->caps.caps |= GNTBUF_CAP_CPU_ACCESS;
	dev->caps.max_pages_per_buffer = query.max_pages_per_buffer;
	dev->caps.max_pages_per_device = query.max_pages_per_file;
	dev->caps.max_pages_total = query.max_pages_total;
	if (query.page_size)
		dev->caps.page_size = query.page_size;

	*out = dev;
	return 0;

err_free:
	device_free(dev);
	return ret;
}

/*
 * The domain's kind, from /sys/hypervisor/guest_type ("PV", "PVH", "HVM"),
 * which Linux has had since 4.15: gntdev refuses dma-buf exports in a PV
 * domain (use_ptemod).
 */
static uint64_t guest_type_caps(void)
{
	char type[16] = "";
	FILE *f = fopen("/sys/hypervisor/guest_type", "re");

	if (!f)
		return 0;
	if (!fgets(type, sizeof(type), f))
		type[0] = '\0';
	fclose(f);
	type[strcspn(type, "\n")] = '\0';
	if (strcmp(type, "PV") == 0)
		return GNTBUF_CAP_PV_MAPPINGS;
	if (strcmp(type, "PVH") == 0 || strcmp(type, "HVM") == 0)
		return GNTBUF_CAP_AUTO_TRANSLATED;
	return 0;
}

static int open_gntdev(struct gntbuf_device **out)
{
	struct gntbuf_device *dev;
	int ret;

	dev = device_new(GNTBUF_BACKEND_GNTDEV);
	if (!dev)
		return -ENOMEM;

	ret = gntbuf_gntdev_open(&dev->xgt);
	if (ret)
		goto err_free;

	/* Debian's kernels: no CONFIG_XEN_GNTDEV_DMABUF, ENOTTY. */
	ret = gntbuf_gntdev_probe_dmabuf(dev->xgt);
	if (ret)
		goto err_free;

	dev->caps.caps = GNTBUF_CAP_IMPORT | guest_type_caps();
	/* gntdev-dmabuf.c: exports fail with EINVAL when use_ptemod. */
	if (!(dev->caps.caps & GNTBUF_CAP_PV_MAPPINGS))
		dev->caps.caps |= GNTBUF_CAP_EXPORT_REFS;

	*out = dev;
	return 0;

err_free:
	device_free(dev);
	return ret;
}

GNTBUF_EXPORT int
gntbuf_device_open(enum gntbuf_backend backend, struct gntbuf_device **out)
{
	int ret;

	if (!out)
		return -EINVAL;

	switch (backend) {
	case GNTBUF_BACKEND_MODULE:
		return open_module(out);
	case GNTBUF_BACKEND_GNTDEV:
		return open_gntdev(out);
	case GNTBUF_BACKEND_AUTO:
		ret = open_module(out);
		/* Any other failure of a module that is there is reported. */
		if (ret != -ENODEV)
			return ret;
		return open_gntdev(out);
	}
	return -EINVAL;
}

void gntbuf_device_ref(struct gntbuf_device *dev)
{
	atomic_fetch_add(&dev->refcount, 1);
}

void gntbuf_device_unref(struct gntbuf_device *dev)
{
	if (atomic_fetch_sub(&dev->refcount, 1) == 1)
		device_free(dev);
}

GNTBUF_EXPORT void
gntbuf_device_close(struct gntbuf_device *dev)
{
	if (dev)
		gntbuf_device_unref(dev);
}

GNTBUF_EXPORT enum gntbuf_backend
gntbuf_device_get_backend(const struct gntbuf_device *dev)
{
	return dev->backend;
}

GNTBUF_EXPORT const char *
gntbuf_backend_get_name(enum gntbuf_backend backend)
{
	switch (backend) {
	case GNTBUF_BACKEND_AUTO:
		return "auto";
	case GNTBUF_BACKEND_MODULE:
		return "module";
	case GNTBUF_BACKEND_GNTDEV:
		return "gntdev";
	}
	return NULL;
}

GNTBUF_EXPORT int
gntbuf_device_get_caps(const struct gntbuf_device *dev,
		       struct gntbuf_caps *caps)
{
	if (!dev || !caps)
		return -EINVAL;
	*caps = dev->caps;
	return 0;
}

GNTBUF_EXPORT int
gntbuf_device_get_counters(struct gntbuf_device *dev,
			   struct gntbuf_counters *counters)
{
	struct gntbuf_stats stats;

	if (!dev || !counters)
		return -EINVAL;
	if (dev->backend != GNTBUF_BACKEND_MODULE)
		return -EOPNOTSUPP;

	memset(&stats, 0, sizeof(stats));
	if (ioctl(dev->fd, GNTBUF_IOCTL_STATS, &stats) < 0)
		return gntbuf_neg_errno();

	counters->live_buffers = stats.live_buffers;
	counters->mapped_pages = stats.mapped_pages;
	counters->allocated_pages = stats.allocated_pages;
	counters->granted_pages = stats.granted_pages;
	counters->bounce_refusals = stats.bounce_refusals;
	counters->flushed_bytes_full = stats.flushed_bytes_full;
	counters->flushed_bytes_range = stats.flushed_bytes_range;
	counters->pending_release = stats.pending_release;
	return 0;
}
