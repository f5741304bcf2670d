/* SPDX-License-Identifier: MIT */
/**
 * @file gntbuf-buffer.h
 * libgntbuf: Buffers: dma-bufs from grant references, grant references from dma-bufs
 * and local allocations, their release, mapping and CPU access.
 *
 * Part of gntbuf.h, which includes it where its section belongs: include
 * &lt;gntbuf.h&gt;, not this file (its units, errors and ownership rules
 * apply here too).
 */
#ifndef GNTBUF_BUFFER_H
#define GNTBUF_BUFFER_H

#ifndef GNTBUF_H_INSIDE
#error "include <gntbuf.h>, not <gntbuf-buffer.h>"
#endif

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

#endif /* GNTBUF_BUFFER_H */
