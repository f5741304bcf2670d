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
#include <sys/stat.h>
#include <sys/sysmacros.h>
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
	{ GNTBUF_FEATURE_RELEASE_FD, GNTBUF_CAP_RELEASE_FD },
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

/* Queries the module through @dev->fd and fills the device's caps. */
static int query_module(struct gntbuf_device *dev)
{
	struct gntbuf_query query;

	memset(&query, 0, sizeof(query));
	if (ioctl(dev->fd, GNTBUF_IOCTL_QUERY, &query) < 0) {
		/* Not the module (a path override to another file). */
		return errno == ENOTTY ? -ENODEV : gntbuf_neg_errno();
	}
	/* ABI 1 differs only in WAIT_RELEASED's number (see buffer.c). */
	if (query.abi_version < 1 || query.abi_version > GNTBUF_ABI_VERSION)
		return -EPROTONOSUPPORT;

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
	return 0;
}

static int open_module(struct gntbuf_device **out)
{
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

	ret = query_module(dev);
	if (ret)
		goto err_free;
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

/*
 * gntdev's dma-bufs have no cache maintenance: where the module is loaded
 * and maintains other exporters' dma-bufs, the gntdev backend keeps it
 * open for that (SYNC_RANGE with GNTBUF_SYNC_ANY_DMABUF, buffer.c), and
 * says GNTBUF_CAP_SYNC_RANGE. Its absence is no error.
 */
static void open_sync_shim(struct gntbuf_device *dev)
{
	struct gntbuf_query query;
	int fd = open(module_device_path(), O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return;
	memset(&query, 0, sizeof(query));
	if (ioctl(fd, GNTBUF_IOCTL_QUERY, &query) < 0 ||
	    !(query.features & GNTBUF_FEATURE_SYNC_ANY_DMABUF)) {
		close(fd);
		return;
	}
	dev->fd = fd;
	dev->features = query.features;
	dev->caps.caps |= GNTBUF_CAP_SYNC_RANGE;
}

/* gntdev's dma-buf ioctls answer on @dev->xgt: what it can do. */
static int gntdev_init(struct gntbuf_device *dev)
{
	/* Debian's kernels: no CONFIG_XEN_GNTDEV_DMABUF, ENOTTY. */
	int ret = gntbuf_gntdev_probe_dmabuf(dev->xgt);

	if (ret)
		return ret;
	dev->caps.caps = GNTBUF_CAP_IMPORT | guest_type_caps();
	/* gntdev-dmabuf.c: exports fail with EINVAL when use_ptemod. */
	if (!(dev->caps.caps & GNTBUF_CAP_PV_MAPPINGS))
		dev->caps.caps |= GNTBUF_CAP_EXPORT_REFS;
	open_sync_shim(dev);
	return 0;
}

/*
 * The gntdev backend on gntdev's file @fd, borrowed (duplicated, driven
 * with gntdev's ioctls directly), or with @fd < 0 on a file of its own
 * (libxengnttab).
 */
static int open_gntdev(int fd, struct gntbuf_device **out)
{
	struct gntbuf_device *dev;
	int ret;

	dev = device_new(GNTBUF_BACKEND_GNTDEV);
	if (!dev)
		return -ENOMEM;

	if (fd < 0)
		ret = gntbuf_gntdev_open(&dev->xgt);
	else
		ret = gntbuf_gntdev_open_fd(fd, &dev->xgt);
	if (ret)
		goto err_free;
	ret = gntdev_init(dev);
	if (ret)
		goto err_free;

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
		return open_gntdev(-1, out);
	case GNTBUF_BACKEND_AUTO:
		ret = open_module(out);
		/* Any other failure of a module that is there is reported. */
		if (ret != -ENODEV)
			return ret;
		return open_gntdev(-1, out);
	}
	return -EINVAL;
}

/*
 * The device name sysfs gives a character device ("xen/gntbuf" for the
 * module's misc device, "xen/gntdev" for gntdev's): 1 and @name filled,
 * 0 when sysfs cannot say (not mounted, as in some containers), or a
 * negative errno.
 */
static int chardev_name(dev_t rdev, char *name, size_t size)
{
	char path[64], line[128];
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/dev/char/%u:%u/uevent",
		 major(rdev), minor(rdev));
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "DEVNAME=", 8) == 0) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(name, size, "%.63s", line + 8);
			found = 1;
			break;
		}
	}
	fclose(f);
	return found;
}

static int module_from_fd(int fd, struct gntbuf_device **out)
{
	struct gntbuf_device *dev;
	int ret;

	dev = device_new(GNTBUF_BACKEND_MODULE);
	if (!dev)
		return -ENOMEM;
	dev->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dev->fd < 0) {
		ret = gntbuf_neg_errno();
		goto err_free;
	}
	ret = query_module(dev);
	if (ret)
		goto err_free;
	*out = dev;
	return 0;

err_free:
	device_free(dev);
	return ret;
}

GNTBUF_EXPORT int
gntbuf_device_open_fd(int fd, enum gntbuf_backend backend,
		      struct gntbuf_device **out)
{
	char name[64] = "";
	struct stat st;
	int known, ret;

	if (!out)
		return -EINVAL;
	if (backend != GNTBUF_BACKEND_AUTO &&
	    backend != GNTBUF_BACKEND_MODULE &&
	    backend != GNTBUF_BACKEND_GNTDEV)
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	if (fstat(fd, &st) < 0)
		return gntbuf_neg_errno();
	if (!S_ISCHR(st.st_mode))
		return -ENODEV;

	/* Where sysfs names the device, only the two are tried. */
	known = chardev_name(st.st_rdev, name, sizeof(name));
	if (known) {
		if (strcmp(name, "xen/gntbuf") == 0)
			return backend == GNTBUF_BACKEND_GNTDEV ? -ENODEV :
				module_from_fd(fd, out);
		if (strcmp(name, "xen/gntdev") == 0)
			return backend == GNTBUF_BACKEND_MODULE ? -ENODEV :
				open_gntdev(fd, out);
		return -ENODEV;
	}
	/* No sysfs: the module's QUERY, then gntdev's probe, decide. */
	if (backend != GNTBUF_BACKEND_GNTDEV) {
		ret = module_from_fd(fd, out);
		if (ret != -ENODEV || backend == GNTBUF_BACKEND_MODULE)
			return ret;
	}
	ret = open_gntdev(fd, out);
	/* Not gntdev's dma-buf code either: not a grant device at all. */
	return ret == -EOPNOTSUPP && backend == GNTBUF_BACKEND_AUTO ?
		-ENODEV : ret;
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
