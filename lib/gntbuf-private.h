/* SPDX-License-Identifier: MIT */
/*
 * libgntbuf internals: the objects behind the opaque types of gntbuf.h.
 */
#ifndef GNTBUF_PRIVATE_H
#define GNTBUF_PRIVATE_H

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "gntbuf.h"

/* Marks the functions of gntbuf.sym; everything else is hidden. */
#define GNTBUF_EXPORT __attribute__((visibility("default")))

#define GNTBUF_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Without a limit from the backend (gntdev), the largest buffer accepted:
 * 4 GiB, the most a displif buffer_sz (uint32_t) can describe.
 */
#define GNTBUF_DEFAULT_MAX_PAGES (1u << 20)

struct gntbuf_device {
	atomic_int refcount;
	enum gntbuf_backend backend;
	/*
	 * /dev/xen/gntbuf, O_CLOEXEC. Module backend: always. gntdev backend:
	 * when the module is loaded with GNTBUF_FEATURE_SYNC_ANY_DMABUF, for
	 * the cache maintenance gntdev's dma-bufs lack (buffer.c); else -1.
	 */
	int fd;
	/*
	 * A gntdev handle (gntdev.c's struct gntbuf_gntdev: libxengnttab's,
	 * or a handed-over file): the gntdev backend's, opened at
	 * gntbuf_device_open() or _open_fd(); with the module, opened on
	 * first use to map page directories (see pgdir.c). Guarded by @lock.
	 */
	void *xgt;
	pthread_mutex_t lock;
	struct gntbuf_caps caps;
	/* GNTBUF_FEATURE_* bits from QUERY when @fd is open; else 0. */
	uint64_t features;
	/* log.c: gntbuf_device_set_log_handler(), _priority(). */
	gntbuf_log_handler log_handler;
	void *log_user_data;
	enum gntbuf_log_priority log_priority;
};

struct gntbuf_buffer {
	struct gntbuf_device *dev;
	enum gntbuf_buffer_kind kind;
	uint32_t domid;
	uint32_t count;
	uint32_t flags;
	/* Module: the buffer id; gntdev: 0. */
	uint64_t id;
	/*
	 * The buffer's own dma-buf fd, O_CLOEXEC; -1 once let go. For a
	 * gntdev export between wait_released()'s drop of the dma-buf and the
	 * end of its wait, @fd holds /dev/null instead, to keep the number
	 * gntdev knows the export by (buffer.c), and @fd_is_placeholder is
	 * set.
	 */
	int fd;
	bool fd_is_placeholder;
	/* gntdev export: the fd number gntdev knows it by, once dropped. */
	int gntdev_fd_number;
	/* The import's grants were ended (IMPORT_RELEASE, imp_release). */
	bool grants_ended;
	/* wait_released() succeeded. */
	bool released;
	uint32_t *refs;
	/* gntbuf_buffer_map(): one shared mapping, counted. */
	void *map;
	int map_prot;
	unsigned int map_count;
};

/* log.c: a message for @dev's handler, if it takes @priority. */
void gntbuf_log(struct gntbuf_device *dev, enum gntbuf_log_priority priority,
		const char *format, ...) __attribute__((format(printf, 3, 4)));
#define gntbuf_log_error(dev, ...) \
	gntbuf_log(dev, GNTBUF_LOG_PRIORITY_ERROR, __VA_ARGS__)
#define gntbuf_log_info(dev, ...) \
	gntbuf_log(dev, GNTBUF_LOG_PRIORITY_INFO, __VA_ARGS__)
#define gntbuf_log_debug(dev, ...) \
	gntbuf_log(dev, GNTBUF_LOG_PRIORITY_DEBUG, __VA_ARGS__)

/* buffer.c: shared with access.c */
bool gntbuf_priv_valid_access(uint32_t access);
/* The buffer's dma-buf, or -EBADF once wait_released() let it go. */
int gntbuf_priv_live_fd(const struct gntbuf_buffer *buf);

/* device.c */
void gntbuf_device_ref(struct gntbuf_device *dev);
void gntbuf_device_unref(struct gntbuf_device *dev);

/* gntdev.c: libxengnttab behind a narrow interface (stubs without it). */
int gntbuf_gntdev_open(void **xgt);
/* A gntdev file another process opened: duplicated, driven directly. */
int gntbuf_gntdev_open_fd(int fd, void **xgt);
void gntbuf_gntdev_close(void *xgt);
int gntbuf_gntdev_probe_dmabuf(void *xgt);
int gntbuf_gntdev_exp_from_refs(void *xgt, uint32_t domid, uint32_t flags,
				uint32_t count, const uint32_t *refs, int *fd);
int gntbuf_gntdev_exp_wait_released(void *xgt, int fd, uint32_t timeout_ms);
int gntbuf_gntdev_imp_to_refs(void *xgt, uint32_t domid, int fd,
			      uint32_t count, uint32_t *refs);
int gntbuf_gntdev_imp_release(void *xgt, int fd);
int gntbuf_gntdev_map_page(void *xgt, uint32_t domid, uint32_t gref,
			   bool writable, void **page);
int gntbuf_gntdev_unmap_page(void *xgt, void *page);

/* format.c */
const struct gntbuf_format_info *gntbuf_format_find(uint32_t fourcc);

/* The dma-buf's size in bytes (lseek SEEK_END), or a negative errno. */
int64_t gntbuf_priv_dmabuf_size(int fd);

static inline int gntbuf_neg_errno(void)
{
	return errno > 0 ? -errno : -EIO;
}

#endif /* GNTBUF_PRIVATE_H */
