/* SPDX-License-Identifier: MIT */
/**
 * @file gntbuf.h
 * libgntbuf: dma-bufs from Xen grant references, grant references from
 * dma-bufs, and the glue to DRM and GBM that Xen display backends,
 * frontends and compositors need.
 *
 * @section units Units
 * Xen grants one page of 4096 bytes (@ref GNTBUF_XEN_PAGE_SIZE) at a time,
 * whatever the CPU's page size. "Pages" and "count" below are such pages;
 * sizes, offsets, lengths and strides are in bytes; widths, heights and
 * rectangles are in pixels. A gref is a grant reference (grant_ref_t, 32
 * bits); a domid is a Xen domain id.
 *
 * @section errors Errors
 * Every function that returns an int returns 0 on success or a negative
 * errno (never -1 with errno set). Out-parameters are written only on
 * success. Destroy and close functions accept NULL.
 *
 * @section fds File descriptors
 * Each function that takes a file descriptor says whether it is borrowed
 * (used during the call and never closed) or taken. Every file descriptor
 * the library returns is O_CLOEXEC and the caller's to close.
 *
 * @section objects Objects and threads
 * struct gntbuf_device, struct gntbuf_buffer and struct gntbuf_drm are
 * opaque. A buffer holds a reference to its device: the device stays open
 * until it is closed and its last buffer is destroyed. Calls on different
 * buffers may run concurrently in different threads; calls on one buffer,
 * and on one struct gntbuf_drm, must be serialized by the caller. A device
 * may be used by many threads at once (its reference count is atomic, its
 * lazily opened gntdev handle is guarded by a lock, and its other state is
 * set at open), except that gntbuf_device_close() must not race with
 * another call on it.
 *
 * @section fork fork()
 * A child shares the parent's open files: with the module, its buffers
 * share the parent's open file of /dev/xen/gntbuf (buffer ids, and waits
 * that end only when every process let go), and its dma-buf fds refer to
 * the same dma-bufs. A child should only destroy the devices and buffers
 * it inherited (gntbuf_buffer_destroy(), gntbuf_device_close()) and open a
 * device of its own for new work. Mappings from gntbuf_buffer_map() of
 * another domain's pages are not inherited in an x86 PV domain (the
 * module's grant mappings are never copied on fork: such a pointer faults
 * in the child); elsewhere they are, and hold the dma-buf alive until the
 * child unmaps them or exits.
 *
 * Plain-data structures (struct gntbuf_caps, struct gntbuf_counters,
 * struct gntbuf_format_info, struct gntbuf_layout, struct gntbuf_rect,
 * struct gntbuf_range; struct gntbuf_dmabuf_attributes of 0.4.0) belong
 * to the caller. Their layout is part of the ABI of the version node that
 * brought them (GNTBUF_0.1, GNTBUF_0.4): a later release that needs more
 * fields adds a new structure and a new function, and never changes these.
 *
 * @section sources Sources
 * The library follows: the xen-gntbuf module's ABI header
 * (kernel/include/uapi/xen/gntbuf.h, &lt;xen/gntbuf.h&gt;), Xen's
 * io/displif.h (page directories), Linux's gntdev.h and libxengnttab's
 * xengnttab.h (the gntdev dma-buf fallback), Linux's linux/dma-buf.h
 * (DMA_BUF_IOCTL_SYNC, sync_file), libdrm's xf86drm.h, xf86drmMode.h and
 * drm_fourcc.h (PRIME, framebuffers, fourcc codes and modifiers) and
 * Mesa's gbm.h.
 *
 * This header includes neither the module's ABI header nor libdrm's: its
 * names (struct gntbuf_device, GNTBUF_CAP_*, ...) are chosen not to collide
 * with the ABI header's (struct gntbuf_query, GNTBUF_FEATURE_*, ...), so a
 * program can include both. The ABI header is installed in a folder of its
 * own, &lt;includedir&gt;/gntbuf/xen/gntbuf.h; the Cflags of `pkg-config
 * gntbuf` name that folder, so that &lt;xen/gntbuf.h&gt; finds it.
 */
#ifndef GNTBUF_H
#define GNTBUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "gntbuf-version.h"

#ifdef __cplusplus
extern "C" {
#endif

struct gbm_bo;
struct gbm_device;

/** Bytes in one granted page: Xen's XEN_PAGE_SIZE. */
#define GNTBUF_XEN_PAGE_SIZE 4096u

/**
 * Grant references held by one page of a displif page directory:
 * (4096 - 4) / 4, after the gref_dir_next_page field
 * (struct xendispl_page_directory in Xen's io/displif.h).
 */
#define GNTBUF_PGDIR_REFS_PER_PAGE 1023u

/** Most planes a buffer layout describes (as DRM's framebuffers). */
#define GNTBUF_MAX_PLANES 4u

/* ---------------------------------------------------------------- */
/** @name Version */
/** @{ */

/*
 * gntbuf-version.h, beside this header, defines from the project's
 * version (meson):
 *   GNTBUF_VERSION_MAJOR, GNTBUF_VERSION_MINOR, GNTBUF_VERSION_MICRO,
 *   GNTBUF_VERSION_STRING ("major.minor.micro")
 * of the header a program is compiled against.
 */

/**
 * A version as one number that compares in order: major << 16 | minor << 8
 * | micro (minor and micro below 256). Usable in `#if`.
 */
#define GNTBUF_VERSION_ENCODE(major, minor, micro) \
	(((major) << 16) | ((minor) << 8) | (micro))

/** The version of this header, encoded by GNTBUF_VERSION_ENCODE(). */
#define GNTBUF_VERSION \
	GNTBUF_VERSION_ENCODE(GNTBUF_VERSION_MAJOR, GNTBUF_VERSION_MINOR, \
			      GNTBUF_VERSION_MICRO)

/**
 * True when this header is of version major.minor.micro or later: for the
 * preprocessor, to build against older releases too.
 *
 * @code
 * #if GNTBUF_VERSION_CHECK(0, 2, 0)
 *	uint32_t v = gntbuf_get_version();
 * #endif
 * @endcode
 */
#define GNTBUF_VERSION_CHECK(major, minor, micro) \
	(GNTBUF_VERSION >= GNTBUF_VERSION_ENCODE(major, minor, micro))

/**
 * The version of the library loaded at run time, which may be newer than
 * the header the program was compiled against (GNTBUF_VERSION).
 *
 * @return the version encoded by GNTBUF_VERSION_ENCODE().
 * @since 0.2.0 (version node GNTBUF_0.2)
 */
uint32_t
gntbuf_get_version(void);

/** @} */

/* ---------------------------------------------------------------- */
/** @name Devices */
/** @{ */

/**
 * Where the grant and dma-buf operations are done.
 */
enum gntbuf_backend {
	/** The module if it is there, else gntdev's dma-buf ioctls. */
	GNTBUF_BACKEND_AUTO = 0,
	/** The xen-gntbuf module, /dev/xen/gntbuf. */
	GNTBUF_BACKEND_MODULE = 1,
	/**
	 * gntdev's dma-buf ioctls (Linux CONFIG_XEN_GNTDEV_DMABUF) through
	 * libxengnttab's xengnttab_dmabuf_* calls. No allocation, no range
	 * syncs, no counters; exports refused in an x86 PV domain.
	 */
	GNTBUF_BACKEND_GNTDEV = 2,
};

/** Capability: gntbuf_buffer_from_refs() and waits for its release. */
#define GNTBUF_CAP_EXPORT_REFS		(1ull << 0)
/** Capability: gntbuf_buffer_alloc(). */
#define GNTBUF_CAP_ALLOC		(1ull << 1)
/** Capability: gntbuf_buffer_grant_dmabuf(). */
#define GNTBUF_CAP_IMPORT		(1ull << 2)
/** Capability: CPU access to byte ranges and rectangles. */
#define GNTBUF_CAP_SYNC_RANGE		(1ull << 3)
/** Device mappings never bounce: they fail instead (module only). */
#define GNTBUF_CAP_NO_BOUNCE		(1ull << 4)
/** The kernel is an x86 PV domain: mappings are made by grant ops. */
#define GNTBUF_CAP_PV_MAPPINGS		(1ull << 5)
/** The kernel is auto-translated (PVH, HVM, Arm). */
#define GNTBUF_CAP_AUTO_TRANSLATED	(1ull << 6)
/**
 * The exporter does the CPU cache maintenance of DMA_BUF_IOCTL_SYNC
 * (begin/end CPU access), and its dma-bufs can be mmapped. The module
 * does; gntdev's dma-bufs have neither.
 */
#define GNTBUF_CAP_CPU_ACCESS		(1ull << 7)
/**
 * gntbuf_buffer_get_release_fd(): a file descriptor per buffer that poll()
 * reports readable once the buffer is released (the module's
 * GNTBUF_FEATURE_RELEASE_FD, xen-gntbuf 0.4.0 and later). gntdev has no
 * such thing: its release can only be waited for.
 */
#define GNTBUF_CAP_RELEASE_FD		(1ull << 9)

/**
 * What an open device can do. Filled by gntbuf_device_get_caps().
 */
struct gntbuf_caps {
	/** The backend in use: GNTBUF_BACKEND_MODULE or _GNTDEV. */
	uint32_t backend;
	/** The module's GNTBUF_ABI_VERSION; 0 for gntdev. */
	uint32_t abi_version;
	/** GNTBUF_CAP_* bits. */
	uint64_t caps;
	/** Largest buffer, in pages; 0 when the backend does not say. */
	uint32_t max_pages_per_buffer;
	/** Limit on the live buffers of one device, in pages; 0: unknown. */
	uint32_t max_pages_per_device;
	/** Limit on all live buffers of the system, in pages; 0: unknown. */
	uint32_t max_pages_total;
	/** Grant page size, in bytes: 4096. */
	uint32_t page_size;
};

/**
 * The module's counters, for all its users. Filled by
 * gntbuf_device_get_counters() from GNTBUF_IOCTL_STATS.
 */
struct gntbuf_counters {
	/** Buffers not yet fully released (all kinds). */
	uint64_t live_buffers;
	/** Foreign pages mapped (exports from grefs). */
	uint64_t mapped_pages;
	/** Local pages allocated and granted (allocations). */
	uint64_t allocated_pages;
	/** Grants of imported dma-bufs still held (imports). */
	uint64_t granted_pages;
	/** Device mappings refused rather than bounced. */
	uint64_t bounce_refusals;
	/** Bytes maintained by whole-buffer CPU access, in bytes. */
	uint64_t flushed_bytes_full;
	/** Bytes maintained by range and rectangle CPU access, in bytes. */
	uint64_t flushed_bytes_range;
	/** Buffers let go by their users whose grants a peer still maps. */
	uint64_t pending_release;
};

struct gntbuf_device;

/**
 * Opens a grant device.
 *
 * GNTBUF_BACKEND_MODULE opens /dev/xen/gntbuf, or the path in the
 * environment variable GNTBUF_DEVICE when it is set (ignored in setuid
 * programs: secure_getenv()); tests point it at a missing file to see
 * -ENODEV on any machine. The module's ABI version and limits are queried
 * at once (GNTBUF_IOCTL_QUERY).
 *
 * GNTBUF_BACKEND_GNTDEV opens /dev/xen/gntdev through libxengnttab and
 * probes its dma-buf ioctls at once: a kernel built without
 * CONFIG_XEN_GNTDEV_DMABUF (Debian's, for one) answers ENOTTY, and the
 * open fails with -EOPNOTSUPP. gntdev's dma-bufs have no mmap and no CPU
 * cache maintenance (GNTBUF_CAP_CPU_ACCESS is not set), it allocates
 * nothing (no GNTBUF_CAP_ALLOC) and, in an x86 PV domain, exports nothing
 * from grant refs (no GNTBUF_CAP_EXPORT_REFS). Where the module is loaded
 * too and maintains other exporters' dma-bufs (its
 * GNTBUF_FEATURE_SYNC_ANY_DMABUF), the device keeps it open and the begin,
 * end and range calls on gntdev's exports maintain them through it, as on
 * the module's own buffers: GNTBUF_CAP_SYNC_RANGE is then set.
 *
 * GNTBUF_BACKEND_AUTO tries the module, then gntdev.
 *
 * @param backend which backend to use.
 * @param[out] out the device; close it with gntbuf_device_close().
 * @return 0 or a negative errno:
 *   -ENODEV: no such device (the module is not loaded; for AUTO, neither
 *   device exists; also a device node that answers the module's query
 *   with ENOTTY),
 *   -EOPNOTSUPP: gntdev is there without its dma-buf ioctls, or the
 *   library was built without libxengnttab (for AUTO: the module is absent
 *   and gntdev cannot do dma-bufs),
 *   -EPROTONOSUPPORT: the module speaks another ABI version,
 *   -EACCES: the device exists but may not be opened,
 *   -EINVAL: @p out is NULL or @p backend is unknown,
 *   -ENOMEM.
 */
int
gntbuf_device_open(enum gntbuf_backend backend, struct gntbuf_device **out);

/**
 * Makes a device of a file descriptor that another process opened and
 * handed over (over a Unix socket, SCM_RIGHTS): a seat manager or a
 * privileged helper opens /dev/xen/gntbuf, a compositor running as the
 * session's user uses it.
 *
 * The descriptor is borrowed: the library duplicates it
 * (F_DUPFD_CLOEXEC) and works on its own duplicate, so the caller may
 * close @p fd at once, and still owns it whatever the call returns. Both
 * refer to the same open file: the module's buffer ids belong to that
 * open file, and are seen (and waited for) through either.
 *
 * The file is checked before it is used: it must be a character device;
 * where sysfs says which (/sys/dev/char/MAJOR:MINOR/uevent) it must be
 * xen/gntbuf or xen/gntdev; the module must answer GNTBUF_IOCTL_QUERY with
 * an ABI version the library speaks, gntdev its dma-buf ioctls (probed as
 * gntbuf_device_open() probes them). Without sysfs the module's query,
 * then gntdev's probe, decide. A gntdev file is driven with gntdev's
 * ioctls directly (libxengnttab opens only files of its own), page
 * directory maps included.
 *
 * @code
 * // A compositor, given the fd by a privileged helper:
 * int fd = receive_fd(sock);             // SCM_RIGHTS
 * gntbuf_device_open_fd(fd, GNTBUF_BACKEND_AUTO, &dev);
 * close(fd);                             // the device has its own
 * @endcode
 *
 * @param fd an open /dev/xen/gntbuf or /dev/xen/gntdev; borrowed
 *   (duplicated).
 * @param backend GNTBUF_BACKEND_AUTO (whichever @p fd is),
 *   GNTBUF_BACKEND_MODULE or GNTBUF_BACKEND_GNTDEV (the file must be that
 *   one's).
 * @param[out] out the device; close it with gntbuf_device_close().
 * @return 0 or a negative errno:
 *   -EBADF: @p fd is not an open file descriptor, or one that cannot take
 *   ioctls (O_PATH),
 *   -ENODEV: the file is not the device asked for (not a character
 *   device, another device, one that answers neither the module's query
 *   nor gntdev's probe),
 *   -EOPNOTSUPP: gntdev's file, on a kernel without its dma-buf ioctls
 *   (as gntbuf_device_open() with GNTBUF_BACKEND_GNTDEV), or a library
 *   built without libxengnttab,
 *   -EPROTONOSUPPORT: the module speaks another ABI version,
 *   -EINVAL: @p out is NULL or @p backend is unknown,
 *   -EMFILE, -ENOMEM.
 * @since 0.4.0 (version node GNTBUF_0.4)
 */
int
gntbuf_device_open_fd(int fd, enum gntbuf_backend backend,
		      struct gntbuf_device **out);

/**
 * Drops the caller's reference to a device. The device's file closes
 * when the last of its buffers is destroyed too.
 *
 * @param dev the device, or NULL.
 */
void
gntbuf_device_close(struct gntbuf_device *dev);

/**
 * @param dev an open device.
 * @return the backend in use: GNTBUF_BACKEND_MODULE or _GNTDEV.
 */
enum gntbuf_backend
gntbuf_device_get_backend(const struct gntbuf_device *dev);

/**
 * @param backend a backend.
 * @return "auto", "module" or "gntdev"; NULL for an unknown value.
 */
const char *
gntbuf_backend_get_name(enum gntbuf_backend backend);

/**
 * Reports what the device can do, as queried when it was opened.
 *
 * @param dev an open device.
 * @param[out] caps the capabilities.
 * @return 0, or -EINVAL for a NULL argument.
 */
int
gntbuf_device_get_caps(const struct gntbuf_device *dev,
		       struct gntbuf_caps *caps);

/**
 * Reads the module's counters (GNTBUF_IOCTL_STATS).
 *
 * @param dev an open device.
 * @param[out] counters the counters.
 * @return 0 or a negative errno: -EOPNOTSUPP for the gntdev backend, which
 *   keeps none; -EINVAL for a NULL argument; the ioctl's errno otherwise.
 */
int
gntbuf_device_get_counters(struct gntbuf_device *dev,
			   struct gntbuf_counters *counters);

/** How much a log message matters; the values are libinput's. */
enum gntbuf_log_priority {
	/** What the library did, step by step. */
	GNTBUF_LOG_PRIORITY_DEBUG = 10,
	/** What a backend's operator may want to know (a wait for a release
	 *  that ran out; a poll, with timeout 0, is not logged). */
	GNTBUF_LOG_PRIORITY_INFO = 20,
	/** Why a call failed, with what the errno cannot say (the domain, the
	 *  grant reference, the page-directory fault). */
	GNTBUF_LOG_PRIORITY_ERROR = 30,
};

/**
 * A log handler: receives each message of @p priority or above for the
 * device it was set on, as a printf format and its arguments, without a
 * trailing newline. Called in the thread that made the call, with no
 * lock of the library held: it may call the library, but not for the same
 * buffer from inside a call on it.
 *
 * @param dev the device the message is about.
 * @param priority the message's priority.
 * @param user_data as given to gntbuf_device_set_log_handler().
 * @param format a printf format.
 * @param args its arguments.
 */
typedef void (*gntbuf_log_handler)(struct gntbuf_device *dev,
				   enum gntbuf_log_priority priority,
				   void *user_data, const char *format,
				   va_list args);

/**
 * Sets the device's log handler, as libinput_log_set_handler() does for a
 * libinput context. Without one (the default) the library logs nothing:
 * its calls return negative errnos, and the handler adds the detail, so
 * that a backend can log more than "invalid argument".
 *
 * Set it right after gntbuf_device_open(), before other threads use the
 * device, or while no other thread does.
 *
 * @param dev an open device.
 * @param handler the handler, or NULL for none.
 * @param user_data passed to @p handler.
 * @return 0, or -EINVAL for a NULL @p dev.
 * @since 0.3.0 (version node GNTBUF_0.3)
 */
int
gntbuf_device_set_log_handler(struct gntbuf_device *dev,
			      gntbuf_log_handler handler, void *user_data);

/**
 * Sets the lowest priority the handler receives; the default is
 * GNTBUF_LOG_PRIORITY_ERROR.
 *
 * @param dev an open device.
 * @param priority a gntbuf_log_priority value.
 * @return 0, or -EINVAL for a NULL @p dev or an unknown priority.
 * @since 0.3.0 (version node GNTBUF_0.3)
 */
int
gntbuf_device_set_log_priority(struct gntbuf_device *dev,
			       enum gntbuf_log_priority priority);

/** @} */

/* ---------------------------------------------------------------- */
/** @name Buffers */
/** @{ */

/** Flag: map (export) or grant (alloc, import) the pages read-only. */
#define GNTBUF_BUFFER_READ_ONLY		(1u << 0)

/** CPU access: the CPU reads the buffer. */
#define GNTBUF_ACCESS_READ		(1u << 0)
/** CPU access: the CPU writes the buffer. */
#define GNTBUF_ACCESS_WRITE		(1u << 1)
/** CPU access: both. */
#define GNTBUF_ACCESS_RW	(GNTBUF_ACCESS_READ | GNTBUF_ACCESS_WRITE)

/** Where a buffer's pages come from. */
enum gntbuf_buffer_kind {
	/** Another domain's pages, mapped from its grefs. */
	GNTBUF_BUFFER_FROM_REFS = 1,
	/** Local pages, allocated and granted to another domain. */
	GNTBUF_BUFFER_ALLOCATED = 2,
	/** An imported dma-buf's pages, granted to another domain. */
	GNTBUF_BUFFER_IMPORTED = 3,
};

struct gntbuf_buffer;

/**
 * Grant references in, dma-buf out: makes a dma-buf of another domain's
 * granted pages, the backend side of a display buffer
 * (GNTBUF_IOCTL_EXPORT_REFS; gntdev: xengnttab_dmabuf_exp_from_refs()).
 * The pages are mapped once, here.
 *
 * @code
 * // A displif backend on XENDISPL_OP_DBUF_CREATE, then DBUF_DESTROY:
 * uint32_t n = (req->buffer_sz + 4095) / 4096;
 * gntbuf_device_read_pgdir(dev, domid, req->gref_directory,
 *                          req->buffer_sz, refs, n);
 * gntbuf_buffer_from_refs(dev, domid, refs, n, 0, &buf);
 * gntbuf_buffer_dup_fd(buf, &fd);    // hand it to DRM, GBM, a compositor
 * ...
 * // DBUF_DESTROY: let every user go, then wait before answering, so the
 * // frontend may end its grants.
 * gntbuf_buffer_wait_released(buf, 3000);
 * gntbuf_buffer_destroy(buf);
 * @endcode
 *
 * @param dev an open device; the buffer holds a reference to it.
 * @param domid the domain that granted the pages.
 * @param refs @p count grefs, one per page, in buffer order; copied.
 * @param count number of pages, at least 1.
 * @param flags 0 or GNTBUF_BUFFER_READ_ONLY (the dma-buf is then O_RDONLY).
 * @param[out] out the buffer; destroy it with gntbuf_buffer_destroy().
 * @return 0 or a negative errno: -EINVAL (NULL pointer, count 0, unknown
 *   flags), -E2BIG (count over the device's max_pages_per_buffer, as
 *   queried at open; 1048576 pages for gntdev), -ENOSPC (the device's or
 *   the system's page limit reached), -EOPNOTSUPP (the backend cannot
 *   export: gntdev in an x86 PV domain, where gntdev itself answers
 *   EINVAL; GNTBUF_BUFFER_READ_ONLY with gntdev), -ENOMEM, or the
 *   backend's errno: a bad gref or domid fails the whole call with the
 *   errno of its GNTST_* status and nothing stays mapped; over gntdev's
 *   own page limit (its module parameter limit, 65536), gntdev's -EINVAL.
 *   Linux's gntdev (6.1 and since, as read) asks Xen for device maps on
 *   x86, which Xen refuses for auto-translated guests: there its exports
 *   fail with -EINVAL too, and work only on ARM or with a gntdev that
 *   asks for them in PV domains only.
 * @since 0.3.0 (version node GNTBUF_0.3); before, gntbuf_buffer_export_refs()
 */
int
gntbuf_buffer_from_refs(struct gntbuf_device *dev, uint32_t domid,
			const uint32_t *refs, uint32_t count, uint32_t flags,
			struct gntbuf_buffer **out);

/**
 * Allocates zeroed local pages, grants them to a domain and makes a dma-buf
 * of them: the frontend side, or a displif backend's be-alloc buffer
 * (GNTBUF_IOCTL_ALLOC). The grefs are read with gntbuf_buffer_get_refs().
 * The pages are freed only after the dma-buf is released and the peer has
 * unmapped every grant.
 *
 * @code
 * // Frontend: allocate, draw, flush the damage.
 * struct gntbuf_layout layout;
 * gntbuf_layout_init(&layout, DRM_FORMAT_XRGB8888, 640, 480, 64);
 * uint32_t pages = (layout.size + 4095) / 4096;
 * gntbuf_buffer_alloc(dev, backend_domid, pages, 0, &buf);
 * gntbuf_buffer_map(buf, GNTBUF_ACCESS_WRITE, &pixels);
 * gntbuf_buffer_begin_cpu_access_rects(buf, GNTBUF_ACCESS_WRITE,
 *                                      &layout, &damage, 1);
 * draw(pixels, &damage);
 * gntbuf_buffer_end_cpu_access_rects(buf, GNTBUF_ACCESS_WRITE,
 *                                    &layout, &damage, 1);
 * @endcode
 *
 * @param dev an open device; the buffer holds a reference to it.
 * @param domid the domain the pages are granted to.
 * @param count number of pages, at least 1.
 * @param flags 0 or GNTBUF_BUFFER_READ_ONLY (granted read-only).
 * @param[out] out the buffer; destroy it with gntbuf_buffer_destroy().
 * @return 0 or a negative errno: -EINVAL, -E2BIG, -ENOSPC (as for
 *   export), -EOPNOTSUPP (gntdev backend), -ENOMEM, or the module's errno.
 */
int
gntbuf_buffer_alloc(struct gntbuf_device *dev, uint32_t domid,
		    uint32_t count, uint32_t flags,
		    struct gntbuf_buffer **out);

/**
 * dma-buf in, grant references out: grants the pages of another exporter's
 * dma-buf (a GPU's, a DRM dumb buffer's) to a domain (GNTBUF_IOCTL_IMPORT;
 * gntdev: xengnttab_dmabuf_imp_to_refs()); the grefs are read with
 * gntbuf_buffer_get_refs(). The dma-buf must be whole pages; its
 * size, from lseek(SEEK_END), gives the page count. The buffer keeps its
 * own duplicate of @p dmabuf_fd; the grants end at gntbuf_buffer_destroy()
 * or gntbuf_buffer_wait_released().
 *
 * @param dev an open device; the buffer holds a reference to it.
 * @param dmabuf_fd a dma-buf; borrowed.
 * @param domid the domain the pages are granted to.
 * @param flags 0 or GNTBUF_BUFFER_READ_ONLY (granted read-only; module
 *   only, gntdev refuses it with -EOPNOTSUPP).
 * @param[out] out the buffer; destroy it with gntbuf_buffer_destroy().
 * @return 0 or a negative errno: -EBADF (@p dmabuf_fd is not open),
 *   -EINVAL (NULL pointer, unknown flags, a size of 0 or not a multiple of
 *   4096, a file that cannot seek as a dma-buf does), -E2BIG, -ENOSPC (as
 *   for export), -EOPNOTSUPP (the backend cannot import), -ENOMEM, or the
 *   backend's errno (a file that is not a dma-buf, pages that cannot be
 *   granted).
 * @since 0.3.0 (version node GNTBUF_0.3); before, gntbuf_buffer_import()
 */
int
gntbuf_buffer_grant_dmabuf(struct gntbuf_device *dev, int dmabuf_fd,
			   uint32_t domid, uint32_t flags,
			   struct gntbuf_buffer **out);

/**
 * Destroys a buffer without waiting: unmaps its mapping, closes its dma-buf
 * file descriptor and, for an import, ends its grants. Other holders of the
 * dma-buf keep it alive; the module frees the pages when the last one goes
 * and the peer has unmapped every grant. A displif backend that must tell
 * the frontend when its grants are free calls
 * gntbuf_buffer_wait_released() first.
 *
 * @param buf the buffer, or NULL.
 */
void
gntbuf_buffer_destroy(struct gntbuf_buffer *buf);

/**
 * Lets the buffer's own hold go and waits until its grants are let go:
 * unmaps the buffer's mapping (pointers from gntbuf_buffer_map() become
 * invalid) and closes its dma-buf file descriptor, ends the grants of an
 * import, then waits (GNTBUF_IOCTL_WAIT_RELEASED) until the dma-buf is
 * released by every other holder (DRM, GBM, duplicates from
 * gntbuf_buffer_dup_fd()) and every grant is unmapped (export) or no longer
 * mapped by the peer (alloc, import). After this the buffer can only be
 * queried and destroyed.
 *
 * May be called again after -ETIMEDOUT or -EINTR; returns 0 at once once it
 * has succeeded. A signal whose handler has SA_RESTART does not end the
 * wait (module ABI 2 and later: the kernel restarts it with the time left,
 * never waiting longer than @p timeout_ms in all); without SA_RESTART the
 * call returns -EINTR. With the gntdev backend, an import's release is immediate
 * (xengnttab_dmabuf_imp_release()) and nothing is waited for.
 *
 * @param buf the buffer.
 * @param timeout_ms how long to wait, in milliseconds; 0 polls.
 * @return 0 or a negative errno: -ETIMEDOUT (still held when the time
 *   ran out), -EINTR (a signal), -EINVAL (NULL), or the backend's errno.
 */
int
gntbuf_buffer_wait_released(struct gntbuf_buffer *buf, uint32_t timeout_ms);

/**
 * A file descriptor that poll(), epoll and event loops (wl_event_loop,
 * GLib) report readable (POLLIN) once the buffer is released, as
 * gntbuf_buffer_wait_released() means it, without blocking
 * (GNTBUF_IOCTL_RELEASE_FD). The buffer's own hold counts too: it
 * becomes readable only after gntbuf_buffer_wait_released() let that go
 * (with timeout 0 it lets go and returns at once) or after
 * gntbuf_buffer_destroy().
 *
 * The descriptor is only to be polled (read() fails with EINVAL); its
 * readiness stays once it comes. It holds nothing of the buffer's pages
 * and stays valid after gntbuf_buffer_destroy() and
 * gntbuf_device_close(). Any number may be asked for, for one buffer.
 * For a buffer whose release a wait already saw, it is an eventfd that
 * is readable at once (it must not be read either).
 *
 * @code
 * // Non-blocking DBUF_DESTROY: the frontend is answered when the
 * // compositor, KMS, every mapping and the peer have let go.
 * gntbuf_buffer_get_release_fd(buf, &rfd);
 * if (gntbuf_buffer_wait_released(buf, 0) == -ETIMEDOUT)   // own hold let go
 *         watch(rfd, POLLIN, on_released, buf);            // e.g. epoll
 * ...
 * on_released(buf):
 *         gntbuf_buffer_wait_released(buf, 0);             // 0 now
 *         close(rfd);
 *         gntbuf_buffer_destroy(buf);
 * @endcode
 *
 * @param buf the buffer.
 * @param[out] fd a new file descriptor, O_CLOEXEC, the caller's to close.
 * @return 0 or a negative errno: -EOPNOTSUPP (gntdev backend, or a module
 *   older than 0.4.0: no GNTBUF_CAP_RELEASE_FD), -EINVAL (NULL), -EMFILE,
 *   -ENFILE, -ENOMEM, or the module's errno (-ENOENT: the module forgot
 *   the buffer's id, which only a wait on the same open file by another
 *   user of it can do).
 * @since 0.4.0 (version node GNTBUF_0.4)
 */
int
gntbuf_buffer_get_release_fd(struct gntbuf_buffer *buf, int *fd);

/**
 * @param buf a buffer.
 * @return where the buffer's pages come from.
 */
enum gntbuf_buffer_kind
gntbuf_buffer_get_kind(const struct gntbuf_buffer *buf);

/**
 * @param buf a buffer.
 * @return the module's id of the buffer (GNTBUF_IOCTL_* buffer_id, unique
 *   for the module's lifetime), or 0 with the gntdev backend.
 */
uint64_t
gntbuf_buffer_get_id(const struct gntbuf_buffer *buf);

/**
 * @param buf a buffer.
 * @return the peer domain: the granter (from refs) or the grantee.
 */
uint32_t
gntbuf_buffer_get_domid(const struct gntbuf_buffer *buf);

/**
 * @param buf a buffer.
 * @return the buffer's size in pages.
 */
uint32_t
gntbuf_buffer_get_page_count(const struct gntbuf_buffer *buf);

/**
 * @param buf a buffer.
 * @return the buffer's size in bytes: pages times 4096.
 */
uint64_t
gntbuf_buffer_get_size(const struct gntbuf_buffer *buf);

/**
 * The buffer's grefs, one per page in buffer order: those it was exported
 * from, or those granted to the peer (alloc, import).
 *
 * @param buf the buffer.
 * @param[out] count the number of grefs (pages); may be NULL.
 * @return an array that belongs to the buffer and lives as long as it.
 */
const uint32_t *
gntbuf_buffer_get_refs(const struct gntbuf_buffer *buf, uint32_t *count);

/**
 * Duplicates the buffer's dma-buf file descriptor (F_DUPFD_CLOEXEC), to
 * hand to DRM, GBM, EGL, a compositor, or another process.
 *
 * @param buf the buffer.
 * @param[out] fd a new file descriptor, O_CLOEXEC, the caller's to close.
 *   The dma-buf stays alive while it is open, and
 *   gntbuf_buffer_wait_released() waits for its close.
 * @return 0 or a negative errno: -EBADF (the buffer's own descriptor was
 *   closed by gntbuf_buffer_wait_released()), -EMFILE, -EINVAL (NULL).
 */
int
gntbuf_buffer_dup_fd(struct gntbuf_buffer *buf, int *fd);

/**
 * Maps the whole buffer into the process (mmap of the dma-buf, MAP_SHARED).
 * The mapping belongs to the buffer: calls are counted, and the last
 * gntbuf_buffer_unmap(), gntbuf_buffer_wait_released() or
 * gntbuf_buffer_destroy() unmaps it. CPU reads and writes through it go
 * between gntbuf_buffer_begin_cpu_access*() and
 * gntbuf_buffer_end_cpu_access*().
 *
 * @param buf the buffer.
 * @param access GNTBUF_ACCESS_READ, _WRITE or _RW.
 * @param[out] addr the address of the buffer's first byte.
 * @return 0 or a negative errno: -EBUSY (already mapped without an
 *   access now asked for), -EBADF (released), -EINVAL (NULL, bad @p
 *   access), or mmap's errno (-EACCES: writing a read-only buffer;
 *   -ENODEV or -EINVAL: the exporter cannot mmap, as gntdev's dma-bufs).
 */
int
gntbuf_buffer_map(struct gntbuf_buffer *buf, uint32_t access, void **addr);

/**
 * Drops one gntbuf_buffer_map(); the last one unmaps.
 *
 * @param buf the buffer.
 * @return 0, -ENOENT when the buffer is not mapped, -EINVAL for NULL.
 */
int
gntbuf_buffer_unmap(struct gntbuf_buffer *buf);

/**
 * Begins CPU access to the whole buffer: DMA_BUF_IOCTL_SYNC with
 * DMA_BUF_SYNC_START (linux/dma-buf.h). The exporter makes what devices
 * wrote visible to the CPU (the module invalidates the CPU caches on
 * non-coherent systems).
 *
 * @param buf the buffer.
 * @param access GNTBUF_ACCESS_READ, _WRITE or _RW.
 * @return 0 or a negative errno: -EBADF (released), -EINVAL, or the
 *   ioctl's errno.
 */
int
gntbuf_buffer_begin_cpu_access(struct gntbuf_buffer *buf, uint32_t access);

/**
 * Ends CPU access to the whole buffer: DMA_BUF_IOCTL_SYNC with
 * DMA_BUF_SYNC_END. With GNTBUF_ACCESS_WRITE the exporter writes back what
 * the CPU wrote, for devices and the peer domain to see.
 *
 * @param buf the buffer.
 * @param access the same access as at the begin.
 * @return as gntbuf_buffer_begin_cpu_access().
 */
int
gntbuf_buffer_end_cpu_access(struct gntbuf_buffer *buf, uint32_t access);

/**
 * Begins CPU access to the bytes [@p offset, @p offset + @p length): the
 * module's GNTBUF_IOCTL_SYNC_RANGE with GNTBUF_SYNC_TO_CPU, whose cost grows
 * with @p length rather than with the buffer. An imported buffer (another
 * exporter's dma-buf, gntbuf_buffer_grant_dmabuf()) goes through the same
 * ioctl on its IMPORT id where the module has GNTBUF_FEATURE_SYNC_IMPORT
 * (xen-gntbuf 0.5.0 and later: its exporter's begin_cpu_access, for the
 * whole buffer, then the module's maintenance of the range); with an
 * older module the whole buffer is synced instead, as
 * gntbuf_buffer_begin_cpu_access() does.
 *
 * @param buf the buffer.
 * @param access GNTBUF_ACCESS_READ, _WRITE or _RW.
 * @param offset first byte.
 * @param length number of bytes; 0 does nothing and succeeds.
 * @return 0 or a negative errno: -EINVAL (range past the end of the buffer,
 *   bad @p access), -EOPNOTSUPP (gntdev backend), -EBADF (released), or the
 *   ioctl's errno.
 */
int
gntbuf_buffer_begin_cpu_access_range(struct gntbuf_buffer *buf,
				     uint32_t access, uint64_t offset,
				     uint64_t length);

/**
 * Ends CPU access to a byte range: GNTBUF_IOCTL_SYNC_RANGE with
 * GNTBUF_SYNC_TO_DEVICE when @p access has GNTBUF_ACCESS_WRITE; a
 * read-only end needs no cache maintenance, checks its arguments and
 * returns. Imported buffers (gntbuf_buffer_grant_dmabuf()): through the
 * module's SYNC_RANGE of the IMPORT id where it has
 * GNTBUF_FEATURE_SYNC_IMPORT (xen-gntbuf 0.5.0 and later: the exporter's
 * end_cpu_access and the module's maintenance of the range), else the
 * whole buffer, as gntbuf_buffer_end_cpu_access().
 *
 * @param buf the buffer.
 * @param access GNTBUF_ACCESS_READ, _WRITE or _RW: as at the begin.
 * @param offset first byte.
 * @param length number of bytes; 0 does nothing and succeeds.
 * @return as gntbuf_buffer_begin_cpu_access_range().
 */
int
gntbuf_buffer_end_cpu_access_range(struct gntbuf_buffer *buf,
				   uint32_t access, uint64_t offset,
				   uint64_t length);

struct gntbuf_layout;
struct gntbuf_rect;

/**
 * Begins CPU access to damage rectangles of an image in the buffer: each
 * rectangle's rows, in each plane, become byte ranges through @p layout's
 * offsets, strides and fourcc (gntbuf_layout_rects_to_ranges()), and the
 * merged ranges are synced as gntbuf_buffer_begin_cpu_access_range() does,
 * in one GNTBUF_IOCTL_SYNC_RANGES call per GNTBUF_SYNC_MAX_RANGES ranges
 * where the module has it (else one SYNC_RANGE call each).
 *
 * @param buf the buffer.
 * @param access GNTBUF_ACCESS_READ, _WRITE or _RW.
 * @param layout the image's layout; must fit the buffer
 *   (gntbuf_layout_check()) and be linear.
 * @param rects @p rect_count rectangles in pixels, within the image.
 * @param rect_count number of rectangles; 0 does nothing.
 * @return 0 or a negative errno: as gntbuf_layout_rects_to_ranges() and
 *   gntbuf_buffer_begin_cpu_access_range(); -ERANGE when the layout does
 *   not fit the buffer.
 */
int
gntbuf_buffer_begin_cpu_access_rects(struct gntbuf_buffer *buf,
				     uint32_t access,
				     const struct gntbuf_layout *layout,
				     const struct gntbuf_rect *rects,
				     uint32_t rect_count);

/**
 * Ends CPU access to damage rectangles: the write-back (flush) of a
 * frontend's damage. See gntbuf_buffer_begin_cpu_access_rects().
 *
 * @param buf the buffer.
 * @param access GNTBUF_ACCESS_READ, _WRITE or _RW: as at the begin.
 * @param layout the image's layout, as at the begin.
 * @param rects @p rect_count rectangles in pixels, within the image.
 * @param rect_count number of rectangles; 0 does nothing.
 * @return as gntbuf_buffer_begin_cpu_access_rects().
 */
int
gntbuf_buffer_end_cpu_access_rects(struct gntbuf_buffer *buf,
				   uint32_t access,
				   const struct gntbuf_layout *layout,
				   const struct gntbuf_rect *rects,
				   uint32_t rect_count);

/**
 * Exports the dma-buf's current fences as a sync_file
 * (DMA_BUF_IOCTL_EXPORT_SYNC_FILE, Linux 6.0 and later).
 *
 * @param buf the buffer.
 * @param access GNTBUF_ACCESS_READ: wait for the writers;
 *   GNTBUF_ACCESS_WRITE or _RW: wait for every user.
 * @param[out] sync_file_fd the sync_file, O_CLOEXEC, the caller's.
 * @return 0 or a negative errno: -ENOTTY (kernel older than 6.0),
 *   -EBADF (released), -EINVAL, or the ioctl's errno.
 */
int
gntbuf_buffer_export_sync_file(struct gntbuf_buffer *buf, uint32_t access,
			       int *sync_file_fd);

/**
 * Adds a sync_file's fence to the dma-buf's implicit fences
 * (DMA_BUF_IOCTL_IMPORT_SYNC_FILE, Linux 6.0 and later).
 *
 * @param buf the buffer.
 * @param access GNTBUF_ACCESS_READ: a read fence; _WRITE or _RW: a write
 *   fence.
 * @param sync_file_fd a sync_file; borrowed.
 * @return 0 or a negative errno: -ENOTTY (kernel older than 6.0), -EINVAL
 *   (not a sync_file, bad @p access), -EBADF, or the ioctl's errno.
 */
int
gntbuf_buffer_import_sync_file(struct gntbuf_buffer *buf, uint32_t access,
			       int sync_file_fd);

/** @} */

/* ---------------------------------------------------------------- */
/** @name Formats and buffer layouts */
/** @{ */

/**
 * A pixel format as the library knows it (after Linux's
 * struct drm_format_info). Filled by gntbuf_format_get_info().
 */
struct gntbuf_format_info {
	/** DRM fourcc code (drm_fourcc.h). */
	uint32_t fourcc;
	/** Number of planes, 1 to 3. */
	uint32_t num_planes;
	/** Bytes per block of each plane. */
	uint32_t block_bytes[GNTBUF_MAX_PLANES];
	/** Pixels per block of each plane, horizontally (2 for YUYV). */
	uint32_t block_width[GNTBUF_MAX_PLANES];
	/** Horizontal subsampling of planes 1 and up (2 for NV12). */
	uint32_t hsub;
	/** Vertical subsampling of planes 1 and up (2 for NV12). */
	uint32_t vsub;
	/** Bits per pixel over all planes: 32 for XRGB8888, 12 for NV12. */
	uint32_t bpp;
	/** Nonzero for formats with an alpha channel. */
	uint32_t has_alpha;
	/** The name, as drm_fourcc.h spells it without DRM_FORMAT_. */
	const char *name;
};

/**
 * Looks up a fourcc in the library's table.
 *
 * @param fourcc a DRM fourcc code.
 * @param[out] info what the library knows of it.
 * @return 0, -EOPNOTSUPP for a fourcc not in the table, -EINVAL for NULL.
 */
int
gntbuf_format_get_info(uint32_t fourcc, struct gntbuf_format_info *info);

/**
 * The fourcc codes the library knows: every format of Xen's PV display
 * (the formats Linux's xen_drm_front offers), the common RGB, 10-bit and
 * YUV ones.
 *
 * @param[out] count number of codes; may be NULL.
 * @return a static array of @p count fourcc codes.
 */
const uint32_t *
gntbuf_format_get_list(uint32_t *count);

/**
 * The description of an image in a buffer: what DRM's AddFB2 and GBM's
 * import need. Offsets and strides in bytes, width and height in pixels.
 */
struct gntbuf_layout {
	/** Width in pixels. */
	uint32_t width;
	/** Height in pixels. */
	uint32_t height;
	/** DRM fourcc code. */
	uint32_t fourcc;
	/** Number of planes; must match the fourcc. */
	uint32_t num_planes;
	/**
	 * DRM format modifier: DRM_FORMAT_MOD_LINEAR (0) for images the CPU
	 * draws; DRM_FORMAT_MOD_INVALID for "implicit" (also linear here).
	 */
	uint64_t modifier;
	/** Bytes the image spans from the buffer's start (all planes). */
	uint64_t size;
	/** Offset of each plane from the buffer's start, in bytes. */
	uint32_t offsets[GNTBUF_MAX_PLANES];
	/** Stride (pitch) of each plane, in bytes per row. */
	uint32_t strides[GNTBUF_MAX_PLANES];
};

/**
 * Describes a packed linear image: planes one after the other from offset
 * 0, each plane's stride its minimum row size rounded up to @p
 * stride_align; modifier DRM_FORMAT_MOD_LINEAR. With @p stride_align 1
 * the strides are those of Linux's xen_drm_front, DIV_ROUND_UP(width *
 * bpp, 8) for one-plane formats.
 *
 * @param[out] layout the layout.
 * @param fourcc a DRM fourcc code.
 * @param width width in pixels, at least 1.
 * @param height height in pixels, at least 1.
 * @param stride_align stride alignment in bytes: 0 or 1 (none), or a power
 *   of two.
 * @return 0 or a negative errno: -EOPNOTSUPP (fourcc not in the table),
 *   -EINVAL (NULL, zero size, @p stride_align not a power of two),
 *   -EOVERFLOW (a stride past 32 bits).
 */
int
gntbuf_layout_init(struct gntbuf_layout *layout, uint32_t fourcc,
		   uint32_t width, uint32_t height, uint32_t stride_align);

/**
 * Checks a layout against a buffer of @p buffer_size bytes, with DRM's rule
 * for framebuffers (drm_gem_fb_init_with_funcs): each plane's stride holds
 * a row, and offset + stride * (rows - 1) + row bytes fits in the layout's
 * size, which fits in the buffer. For modifiers other than LINEAR and
 * INVALID (tiled, compressed), whose sizes the library cannot know, only
 * the fields are checked: strides nonzero, offsets and size within the
 * buffer.
 *
 * @param layout the layout.
 * @param buffer_size size of the buffer, in bytes.
 * @return 0 or a negative errno: -EOPNOTSUPP (fourcc not in the table),
 *   -EINVAL (zero width or height, wrong num_planes, a stride too small,
 *   nonzero fields in unused planes, NULL), -ERANGE (a plane or the size
 *   past the buffer's end, or a plane past the layout's size), -EOVERFLOW.
 */
int
gntbuf_layout_check(const struct gntbuf_layout *layout,
		    uint64_t buffer_size);

/** A rectangle of pixels, as damage. */
struct gntbuf_rect {
	/** Left column, in pixels. */
	uint32_t x;
	/** Top row, in pixels. */
	uint32_t y;
	/** Width in pixels. */
	uint32_t width;
	/** Height in pixels. */
	uint32_t height;
};

/** A byte range of a buffer. */
struct gntbuf_range {
	/** First byte. */
	uint64_t offset;
	/** Number of bytes. */
	uint64_t length;
};

/**
 * Turns damage rectangles into the byte ranges they cover: in each plane,
 * each row of a rectangle is [offset + row * stride + first byte, ... +
 * last byte), with subsampled planes' columns and rows rounded outwards and
 * packed YUV blocks (YUYV) kept whole. The ranges come sorted by offset,
 * with overlapping and touching ones merged, so that full-width rows of a
 * tightly packed plane make one range.
 *
 * Call with @p ranges NULL to learn the number of ranges.
 *
 * @param layout a linear layout (DRM_FORMAT_MOD_LINEAR or _INVALID).
 * @param rects @p rect_count rectangles, each within width x height;
 *   empty ones are skipped.
 * @param rect_count number of rectangles.
 * @param[out] ranges room for @p max_ranges ranges, or NULL.
 * @param max_ranges the room in @p ranges.
 * @param[out] range_count the number of ranges (written, or needed).
 * @return 0 or a negative errno: -EINVAL (a rectangle outside the image,
 *   NULL, a layout gntbuf_layout_check() refuses for its own size),
 *   -EOPNOTSUPP (a tiled modifier, an unknown fourcc), -ENOSPC (more
 *   ranges than @p max_ranges; nothing written), -ENOMEM.
 */
int
gntbuf_layout_rects_to_ranges(const struct gntbuf_layout *layout,
			      const struct gntbuf_rect *rects,
			      uint32_t rect_count,
			      struct gntbuf_range *ranges, uint32_t max_ranges,
			      uint32_t *range_count);

/** @} */

/* ---------------------------------------------------------------- */
/** @name Compositors: dma-buf attributes */
/** @{ */

/**
 * An image in a buffer as a compositor's dma-buf import takes it (after
 * wlroots' struct wlr_dmabuf_attributes): one zwp_linux_buffer_params_v1
 * add request per plane, with these fds, offsets, strides and modifier,
 * then create with width, height and fourcc (Wayland's
 * linux-dmabuf-unstable-v1.xml); or EGL_EXT_image_dma_buf_import's
 * EGL_DMA_BUF_PLANEn_FD, _OFFSET, _PITCH and _MODIFIER attributes. Filled by
 * gntbuf_buffer_get_dmabuf_attributes(), emptied by
 * gntbuf_dmabuf_attributes_finish().
 */
struct gntbuf_dmabuf_attributes {
	/** Width in pixels. */
	uint32_t width;
	/** Height in pixels. */
	uint32_t height;
	/** DRM fourcc code (drm_fourcc.h). */
	uint32_t fourcc;
	/** Number of planes, 1 to GNTBUF_MAX_PLANES. */
	uint32_t num_planes;
	/**
	 * DRM format modifier of every plane: DRM_FORMAT_MOD_LINEAR (0);
	 * add takes it as modifier_hi (bits 63-32) and modifier_lo.
	 */
	uint64_t modifier;
	/**
	 * Per plane, a dma-buf file descriptor of the whole buffer, each a
	 * duplicate of its own (O_CLOEXEC, the caller's: closed by
	 * gntbuf_dmabuf_attributes_finish()); -1 past num_planes.
	 */
	int32_t fds[GNTBUF_MAX_PLANES];
	/** Offset of each plane from the buffer's start, in bytes. */
	uint32_t offsets[GNTBUF_MAX_PLANES];
	/** Stride (pitch) of each plane, in bytes per row. */
	uint32_t strides[GNTBUF_MAX_PLANES];
};

/**
 * The dma-buf attributes of an image in a buffer: @p layout (from
 * gntbuf_layout_init() for the fourcc, width and height, with the
 * strides gntbuf_format_get_info()'s block sizes give) checked against the
 * buffer (gntbuf_layout_check()), and for each plane a new duplicate of
 * the buffer's dma-buf. A layout with DRM_FORMAT_MOD_INVALID ("implicit",
 * linear here) is given as DRM_FORMAT_MOD_LINEAR: the library's buffers
 * are linear, and a compositor that offers LINEAR takes it explicitly.
 *
 * @code
 * gntbuf_layout_init(&layout, DRM_FORMAT_XRGB8888, 800, 600, 1);
 * gntbuf_buffer_get_dmabuf_attributes(buf, &layout, &attrs);
 * params = zwp_linux_dmabuf_v1_create_params(dmabuf);
 * for (uint32_t i = 0; i < attrs.num_planes; i++)
 *         zwp_linux_buffer_params_v1_add(params, attrs.fds[i], i,
 *                 attrs.offsets[i], attrs.strides[i],
 *                 attrs.modifier >> 32, attrs.modifier & 0xffffffff);
 * zwp_linux_buffer_params_v1_create(params, attrs.width, attrs.height,
 *                                   attrs.fourcc, 0);
 * gntbuf_dmabuf_attributes_finish(&attrs);   // libwayland sent its dups
 * @endcode
 *
 * @param buf the buffer.
 * @param layout the image in it; its modifier must be LINEAR or INVALID.
 * @param[out] attrs the attributes; written only on success, their fds
 *   the caller's.
 * @return 0 or a negative errno: -EINVAL (NULL; the layout's own errors
 *   from gntbuf_layout_check()), -ERANGE (the image does not fit the
 *   buffer), -EOPNOTSUPP (a modifier other than LINEAR and INVALID, a
 *   fourcc the library does not know), -EBADF (the buffer's dma-buf was
 *   let go by gntbuf_buffer_wait_released()), -EMFILE.
 * @since 0.4.0 (version node GNTBUF_0.4)
 */
int
gntbuf_buffer_get_dmabuf_attributes(struct gntbuf_buffer *buf,
				    const struct gntbuf_layout *layout,
				    struct gntbuf_dmabuf_attributes *attrs);

/**
 * Closes the fds of attributes from gntbuf_buffer_get_dmabuf_attributes()
 * and sets them to -1; a second call does nothing.
 *
 * @param attrs the attributes, or NULL.
 * @since 0.4.0 (version node GNTBUF_0.4)
 */
void
gntbuf_dmabuf_attributes_finish(struct gntbuf_dmabuf_attributes *attrs);

/** @} */

/* ---------------------------------------------------------------- */
/** @name displif page directories */
/** @{ */

/**
 * Reads one 4096-byte page of a page directory.
 *
 * @param user_data the caller's pointer.
 * @param gref the directory page's gref.
 * @param[out] page 4096 bytes to fill.
 * @return 0 or a negative errno, which the walk then returns.
 */
typedef int (*gntbuf_pgdir_read_func)(void *user_data, uint32_t gref,
				      void *page);

/**
 * Writes one 4096-byte page of a page directory.
 *
 * @param user_data the caller's pointer.
 * @param gref the directory page's gref.
 * @param page the 4096 bytes to store.
 * @return 0 or a negative errno, which the walk then returns.
 */
typedef int (*gntbuf_pgdir_write_func)(void *user_data, uint32_t gref,
				       const void *page);

/**
 * The size of a page directory for a buffer of @p buffer_size bytes:
 * DIV_ROUND_UP(buffer_size, 4096) grefs (displif's num_grefs_total) in
 * DIV_ROUND_UP(grefs, 1023) directory pages.
 *
 * @param buffer_size the buffer's size in bytes (displif's buffer_sz).
 * @param[out] ref_count grefs of the buffer's pages; may be NULL.
 * @param[out] dir_page_count pages of the directory; may be NULL.
 * @return 0, -EINVAL for a size of 0, -EOVERFLOW for more than
 *   UINT32_MAX grefs.
 */
int
gntbuf_pgdir_get_size(uint64_t buffer_size, uint32_t *ref_count,
		      uint32_t *dir_page_count);

/**
 * Writes a whole page directory, as a frontend does for XENDISPL_OP_DBUF_CREATE
 * (struct xendispl_page_directory): page i holds gref_dir_next_page =
 * @p dir_refs[i + 1] (0 in the last page) and the next 1023 of @p refs;
 * the unused tail of the last page is zeroed.
 *
 * @param refs the buffer's grefs, in buffer order.
 * @param ref_count number of grefs, at least 1.
 * @param dir_refs the grefs of the directory pages, in chain order; none
 *   0 (the end marker), no two the same.
 * @param dir_page_count must be DIV_ROUND_UP(ref_count, 1023).
 * @param[out] pages @p dir_page_count * 4096 bytes: the directory.
 * @return 0 or -EINVAL (NULL, wrong @p dir_page_count, a 0 or repeated
 *   directory gref).
 */
int
gntbuf_pgdir_encode(const uint32_t *refs, uint32_t ref_count,
		    const uint32_t *dir_refs, uint32_t dir_page_count,
		    void *pages);

/**
 * Reads a frontend's page directory chain into the buffer's grefs: the
 * backend side of XENDISPL_OP_DBUF_CREATE. Pages are read through @p
 * read_page, so the walk runs on any storage: mapped grants
 * (gntbuf_device_read_pgdir()) or memory.
 *
 * @param gref_directory the first directory page's gref (displif's
 *   gref_directory), not 0.
 * @param buffer_size the buffer's size in bytes (displif's buffer_sz).
 * @param read_page reads one directory page.
 * @param user_data passed to @p read_page.
 * @param[out] refs room for @p ref_count grefs.
 * @param ref_count must be DIV_ROUND_UP(buffer_size, 4096).
 * @return 0 or a negative errno, one per fault, which
 *   gntbuf_pgdir_strerror() names: -EINVAL (the caller's arguments: NULL,
 *   @p ref_count not matching @p buffer_size, gref_directory 0),
 *   -ENODATA (the chain ends, with a 0 gref_dir_next_page, before
 *   @p buffer_size is covered), -EMSGSIZE (the chain goes on past the
 *   last page @p buffer_size needs), -ELOOP (the chain comes back to a
 *   page it already went through), -EOVERFLOW (see
 *   gntbuf_pgdir_get_size()), or @p read_page's errno.
 */
int
gntbuf_pgdir_decode(uint32_t gref_directory, uint64_t buffer_size,
		    gntbuf_pgdir_read_func read_page, void *user_data,
		    uint32_t *refs, uint32_t ref_count);

/**
 * Fills the grefs of a directory chain that the frontend allocated and
 * linked: the backend side of a be-alloc XENDISPL_OP_DBUF_CREATE
 * (XENDISPL_DBUF_FLG_REQ_ALLOC). Each page is read, its gref[] filled
 * from @p refs (the tail of the last page zeroed), its gref_dir_next_page
 * kept, and written back. The chain is checked as gntbuf_pgdir_decode()
 * checks it.
 *
 * @param gref_directory the first directory page's gref, not 0.
 * @param buffer_size the buffer's size in bytes.
 * @param read_page reads one directory page.
 * @param write_page writes one directory page.
 * @param user_data passed to both.
 * @param refs the grefs of the backend's pages (gntbuf_buffer_get_refs()).
 * @param ref_count must be DIV_ROUND_UP(buffer_size, 4096).
 * @return as gntbuf_pgdir_decode(), and @p write_page's errno.
 */
int
gntbuf_pgdir_fill(uint32_t gref_directory, uint64_t buffer_size,
		  gntbuf_pgdir_read_func read_page,
		  gntbuf_pgdir_write_func write_page, void *user_data,
		  const uint32_t *refs, uint32_t ref_count);

/**
 * What a page-directory error of gntbuf_pgdir_decode(), gntbuf_pgdir_fill()
 * or gntbuf_device_read_pgdir() means, for a backend's log: the chain's
 * faults in displif's terms, else strerror()'s text.
 *
 * @param err a negative errno those functions returned.
 * @return a static string; never NULL.
 */
const char *
gntbuf_pgdir_strerror(int err);

/**
 * gntbuf_pgdir_decode() on a frontend's granted directory pages, each
 * mapped read-only through gntdev (xengnttab_map_grant_ref()) for the
 * copy, whichever backend @p dev uses.
 *
 * @param dev an open device.
 * @param domid the frontend's domain.
 * @param gref_directory the first directory page's gref, not 0.
 * @param buffer_size the buffer's size in bytes.
 * @param[out] refs the buffer's @p ref_count grefs, in page order.
 * @param ref_count must be DIV_ROUND_UP(buffer_size, 4096).
 * @return as gntbuf_pgdir_decode(); -ENODEV without /dev/xen/gntdev,
 *   -EOPNOTSUPP when the library was built without libxengnttab, or the
 *   map's errno for a bad gref.
 */
int
gntbuf_device_read_pgdir(struct gntbuf_device *dev, uint32_t domid,
			 uint32_t gref_directory, uint64_t buffer_size,
			 uint32_t *refs, uint32_t ref_count);

/**
 * gntbuf_pgdir_fill() on a frontend's granted directory pages, each mapped
 * writable through gntdev.
 *
 * @param dev an open device.
 * @param domid the frontend's domain.
 * @param gref_directory the first directory page's gref, not 0.
 * @param buffer_size the buffer's size in bytes.
 * @param refs the grefs of the backend's pages (gntbuf_buffer_get_refs()).
 * @param ref_count must be DIV_ROUND_UP(buffer_size, 4096).
 * @return as gntbuf_device_read_pgdir().
 */
int
gntbuf_device_fill_pgdir(struct gntbuf_device *dev, uint32_t domid,
			 uint32_t gref_directory, uint64_t buffer_size,
			 const uint32_t *refs, uint32_t ref_count);

/** @} */

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

/* ---------------------------------------------------------------- */
/** @name Deprecated names */
/** @{ */

/** Marks a declaration deprecated, with @p msg naming its replacement. */
#if defined(__GNUC__) || defined(__clang__)
#define GNTBUF_DEPRECATED(msg) __attribute__((deprecated(msg)))
#else
#define GNTBUF_DEPRECATED(msg)
#endif

/**
 * The name of gntbuf_buffer_from_refs() in 0.1 and 0.2: "export" said
 * what the dma-buf side does, and read as the opposite of what the grant
 * side does. Still exported (version node GNTBUF_0.1), same behaviour.
 * @deprecated use gntbuf_buffer_from_refs().
 * @param dev as gntbuf_buffer_from_refs().
 * @param domid as gntbuf_buffer_from_refs().
 * @param refs as gntbuf_buffer_from_refs().
 * @param count as gntbuf_buffer_from_refs().
 * @param flags as gntbuf_buffer_from_refs().
 * @param[out] out as gntbuf_buffer_from_refs().
 * @return as gntbuf_buffer_from_refs().
 */
GNTBUF_DEPRECATED("use gntbuf_buffer_from_refs()")
int
gntbuf_buffer_export_refs(struct gntbuf_device *dev, uint32_t domid,
			  const uint32_t *refs, uint32_t count, uint32_t flags,
			  struct gntbuf_buffer **out);

/**
 * The name of gntbuf_buffer_grant_dmabuf() in 0.1 and 0.2. Still exported
 * (version node GNTBUF_0.1), same behaviour.
 * @deprecated use gntbuf_buffer_grant_dmabuf().
 * @param dev as gntbuf_buffer_grant_dmabuf().
 * @param dmabuf_fd as gntbuf_buffer_grant_dmabuf().
 * @param domid as gntbuf_buffer_grant_dmabuf().
 * @param flags as gntbuf_buffer_grant_dmabuf().
 * @param[out] out as gntbuf_buffer_grant_dmabuf().
 * @return as gntbuf_buffer_grant_dmabuf().
 */
GNTBUF_DEPRECATED("use gntbuf_buffer_grant_dmabuf()")
int
gntbuf_buffer_import(struct gntbuf_device *dev, int dmabuf_fd,
		     uint32_t domid, uint32_t flags,
		     struct gntbuf_buffer **out);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* GNTBUF_H */
