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

/*
 * The sections of the other concerns, each in a header of its own, which
 * only this header may include.
 */
/** @cond */
#define GNTBUF_H_INSIDE
/** @endcond */
#include "gntbuf-buffer.h"
#include "gntbuf-format.h"
#include "gntbuf-pgdir.h"
#include "gntbuf-drm.h"
#undef GNTBUF_H_INSIDE

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
