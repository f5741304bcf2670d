/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * xen-gntbuf: dma-bufs from Xen grant references, and grant references
 * from dma-bufs, with the CPU cache maintenance done by the exporter.
 *
 * This header is the whole ABI between the xen-gntbuf module
 * (/dev/xen/gntbuf) and userspace (libgntbuf).  It follows the rules of
 * Documentation/process/botching-up-ioctls.rst: fixed-size types, user
 * pointers as __u64, explicit padding that must be zero, no implicit holes.
 * Unknown flags are rejected with -EINVAL and unknown ioctls with -ENOTTY.
 *
 * Units: counts and limits are in pages of GNTBUF_PAGE_SIZE (4096) bytes,
 * the Xen grant granularity; offsets and lengths are in bytes.
 *
 * Errors common to the ioctls that create a buffer (EXPORT_REFS, ALLOC,
 * IMPORT): -EFAULT for a bad argument or refs_ptr; -EINVAL for unknown
 * flags, a count of 0 or a reserved domid (>= DOMID_FIRST_RESERVED, 0x7FF0,
 * DOMID_SELF included: pass the real id, the caller's own is allowed);
 * -E2BIG for a count above max_pages_per_buffer; -ENOSPC when the open
 * file's or the module's page limit would be passed (or, for ALLOC and
 * IMPORT, when the grant table is full); -ENOMEM.
 *
 * A grant operation that fails reports the GNTST_* status of the first
 * failed reference as: GNTST_bad_domain -ESRCH (no such domain),
 * GNTST_bad_gntref -EINVAL (a reference outside the granter's table),
 * GNTST_general_error -EACCES (Xen's answer for an entry that does not
 * grant this domain access: unused, or granted to another domain),
 * GNTST_permission_denied -EPERM, GNTST_no_space and GNTST_no_device_space
 * -ENOMEM, GNTST_eagain -EAGAIN, any other -EIO.
 *
 * No-bounce guarantee: a device mapping of a gntbuf dma-buf (an importer's
 * dma_buf_map_attachment()) fails with -EREMOTEIO when the device could
 * reach a page only through a swiotlb bounce buffer (e.g. a dom0 booted
 * with swiotlb=force, or a device whose DMA mask does not reach the frame);
 * the refusal is counted in bounce_refusals.  A device behind an IOMMU is
 * trusted only when the DMA API translates through it; an identity
 * (passthrough) IOMMU domain is checked like a device without one.  IMPORT
 * maps with a device of the module's own whose DMA addresses are
 * guest-physical, so its mapping never bounces.  On ARM, where Xen has
 * no GNTTABOP_cache_flush (an old Xen), a read-only EXPORT_REFS is
 * -EOPNOTSUPP: its cache maintenance needs that call.
 *
 * Userspace mappings (mmap of a dma-buf): a read-only EXPORT_REFS dma-buf
 * refuses PROT_WRITE (-EACCES).  A mapping of an EXPORT_REFS dma-buf is
 * VM_IO: get_user_pages() on it fails (vmsplice(), O_DIRECT, ... get
 * -EFAULT) and madvise(MADV_DOFORK) gets -EINVAL; it is never copied on
 * fork.  In an x86 PV domain each such mapping maps every grant again in
 * the domain's maptrack: at most max_mmaps_per_buffer mappings per buffer,
 * and their pages count in max_pages_total while they last; past either,
 * mmap() fails with -ENOSPC.
 *
 * Device mappings of a read-only buffer: READ_ONLY binds the peer (ALLOC)
 * or this domain's CPU mappings (EXPORT_REFS), not the dma-buf's
 * importers.  Any direction is accepted from an importer, DMA_BIDIRECTIONAL
 * included: the module cannot know whether a device writes.  Behind a
 * translating IOMMU the device's writes to a page mapped read-only by the
 * grant fault in the IOMMU or are dropped (Xen maps the grant read-only in
 * the IOMMU too); without an IOMMU nothing stops a device from writing to
 * a frame the granter shared read-only, and an importer that writes to a
 * READ_ONLY EXPORT_REFS buffer is a bug of that importer.
 */
#ifndef _UAPI_XEN_GNTBUF_H
#define _UAPI_XEN_GNTBUF_H

#include <linux/ioctl.h>
#include <linux/types.h>

/*
 * Bumped on every incompatible change; additions keep the number.
 * 2: GNTBUF_IOCTL_WAIT_RELEASED is _IOWR and restarts after a signal
 *    (ABI 1's number is GNTBUF_IOCTL_WAIT_RELEASED_V1, still answered).
 */
#define GNTBUF_ABI_VERSION		2

/* Xen grants are made per 4 KiB page, whatever the kernel's PAGE_SIZE. */
#define GNTBUF_PAGE_SIZE		4096

/*
 * Magic 0xD6, numbers 0x00-0x1F: free in
 * Documentation/userspace-api/ioctl/ioctl-number.rst as of Linux 6.1.
 */
#define GNTBUF_IOCTL_MAGIC		0xD6

/* Feature bits reported by GNTBUF_IOCTL_QUERY in gntbuf_query.features. */
/* EXPORT_REFS and WAIT_RELEASED. */
#define GNTBUF_FEATURE_EXPORT_REFS	(1ULL << 0)
/* ALLOC. */
#define GNTBUF_FEATURE_ALLOC		(1ULL << 1)
/* IMPORT and IMPORT_RELEASE. */
#define GNTBUF_FEATURE_IMPORT		(1ULL << 2)
/* SYNC_RANGE. */
#define GNTBUF_FEATURE_SYNC_RANGE	(1ULL << 3)
/* Device mappings never bounce: they fail with -EREMOTEIO instead. */
#define GNTBUF_FEATURE_NO_BOUNCE	(1ULL << 4)
/* The kernel runs as an x86 PV domain: mappings are made by grant ops. */
#define GNTBUF_FEATURE_PV_MAPPINGS	(1ULL << 5)
/* The kernel is auto-translated (PVH, HVM, ARM): grants land in physmap. */
#define GNTBUF_FEATURE_AUTO_TRANSLATED	(1ULL << 6)
/* SYNC_RANGES: many byte ranges (damage) in one call. */
#define GNTBUF_FEATURE_SYNC_RANGES	(1ULL << 7)
/* %GNTBUF_SYNC_ANY_DMABUF: SYNC_RANGE(S) of other exporters' dma-bufs. */
#define GNTBUF_FEATURE_SYNC_ANY_DMABUF	(1ULL << 8)
/* RELEASE_FD: a pollable file per buffer, readable once it is released. */
#define GNTBUF_FEATURE_RELEASE_FD	(1ULL << 9)
/* SYNC_RANGE(S) of an IMPORT id (before: -EINVAL). */
#define GNTBUF_FEATURE_SYNC_IMPORT	(1ULL << 10)

/**
 * struct gntbuf_query - ABI version, features and limits
 *
 * Argument of %GNTBUF_IOCTL_QUERY.
 */
struct gntbuf_query {
	/** @abi_version: out: %GNTBUF_ABI_VERSION of the running module. */
	__u32 abi_version;
	/** @flags: in: must be zero. */
	__u32 flags;
	/** @features: out: %GNTBUF_FEATURE_* bits. */
	__u64 features;
	/** @max_pages_per_buffer: out: limit on one buffer, in pages. */
	__u32 max_pages_per_buffer;
	/** @max_pages_per_file: out: limit on the live buffers of one open file, in pages. */
	__u32 max_pages_per_file;
	/** @max_pages_total: out: limit on all live buffers, in pages. */
	__u32 max_pages_total;
	/** @page_size: out: %GNTBUF_PAGE_SIZE, in bytes. */
	__u32 page_size;
};

/* Map the foreign pages read-only (GNTMAP_readonly); the dma-buf is O_RDONLY. */
#define GNTBUF_EXPORT_READ_ONLY		(1U << 0)
#define GNTBUF_EXPORT_FLAGS		(GNTBUF_EXPORT_READ_ONLY)

/**
 * struct gntbuf_export_refs - a dma-buf from another domain's grant references
 *
 * Argument of %GNTBUF_IOCTL_EXPORT_REFS.  The pages are mapped with
 * gnttab_map_refs() once, at this call; the dma-buf's importers, its mmap
 * and its vmap all use those mappings.  A bad reference fails the whole call
 * with the errno of its GNTST_* status, and nothing stays mapped.  The
 * dma-buf outlives the open file that made it; its mmap is write-back.
 */
struct gntbuf_export_refs {
	/** @domid: in: the domain that granted the pages. */
	__u32 domid;
	/** @count: in: number of grant references, i.e. pages. */
	__u32 count;
	/** @flags: in: %GNTBUF_EXPORT_* bits. */
	__u32 flags;
	/** @fd: out: the dma-buf file descriptor, O_CLOEXEC. */
	__s32 fd;
	/** @refs_ptr: in: user pointer to @count grant references (__u32 each). */
	__u64 refs_ptr;
	/** @buffer_id: out: id of the buffer, unique for the module's lifetime. */
	__u64 buffer_id;
};

/**
 * struct gntbuf_wait_released - wait until a buffer's grants are let go
 *
 * Argument of %GNTBUF_IOCTL_WAIT_RELEASED.  Returns 0 once the dma-buf is
 * released and every grant of the buffer is unmapped (EXPORT_REFS) or ended
 * (ALLOC: the peer no longer maps a page), -ETIMEDOUT when @timeout_ms
 * passes first, -ENOENT for an id that this open file did not create.  On a
 * signal, @timeout_ms is set to the time left (at least 1) and the call is
 * restarted when the handler has SA_RESTART, else returns -EINTR: a
 * restarted wait ends no later than the first would have.  (ABI 1's
 * %GNTBUF_IOCTL_WAIT_RELEASED_V1 returns -EINTR and writes nothing back.)
 * A buffer whose release was waited for successfully is forgotten: a second
 * wait gets -ENOENT.
 */
struct gntbuf_wait_released {
	/** @buffer_id: in: id from EXPORT_REFS or ALLOC. */
	__u64 buffer_id;
	/** @timeout_ms: in: how long to wait, in milliseconds; 0 polls. out: after a signal, the time left. */
	__u32 timeout_ms;
	/** @pad: in: must be zero. */
	__u32 pad;
};

/**
 * struct gntbuf_release_fd - a file that poll() reports readable on release
 *
 * Argument of %GNTBUF_IOCTL_RELEASE_FD: the non-blocking form of
 * WAIT_RELEASED, for an event loop (poll, epoll, a compositor's
 * wl_event_loop).  The new file (an anonymous inode, "[gntbuf-release]",
 * O_RDONLY, O_CLOEXEC) reports %EPOLLIN | %EPOLLRDNORM from poll() once
 * the buffer is released as WAIT_RELEASED means it: the dma-buf released
 * by every holder (fds, importers, mmaps) and every grant unmapped
 * (EXPORT_REFS) or ended (ALLOC, IMPORT: the peer maps no page).  Before
 * that it reports nothing, and never anything else: like a sync_file, it
 * is only polled (read() and write() get -EINVAL).  Readiness is
 * level-triggered and final: a released buffer stays released.  It does
 * not forget the id: WAIT_RELEASED (timeout 0) afterwards returns 0 and
 * forgets it.  The file holds the buffer's small structure, not its
 * pages, and stays valid after the device file is closed or the id is
 * forgotten; any number of files may watch one buffer.  /proc's fdinfo
 * of the file shows the buffer id and whether it is released.  Errors:
 * -ENOENT for an id this open file does not know (never made, or
 * forgotten by a successful WAIT_RELEASED); -EINVAL for non-zero @flags;
 * -EFAULT; -EMFILE, -ENFILE, -ENOMEM.  A buffer already released gets a
 * file that is readable at once.
 */
struct gntbuf_release_fd {
	/** @buffer_id: in: id from EXPORT_REFS, ALLOC or IMPORT. */
	__u64 buffer_id;
	/** @flags: in: must be zero. */
	__u32 flags;
	/** @fd: out: the new file, O_CLOEXEC, the caller's to close. */
	__s32 fd;
};

/* Grant the pages read-only to the peer. */
#define GNTBUF_ALLOC_READ_ONLY		(1U << 0)
#define GNTBUF_ALLOC_FLAGS		(GNTBUF_ALLOC_READ_ONLY)

/**
 * struct gntbuf_alloc - allocate local pages and grant them to a domain
 *
 * Argument of %GNTBUF_IOCTL_ALLOC.  The pages are zeroed before they are
 * granted.  They are freed only after the dma-buf is released and the peer
 * has unmapped every grant (gnttab_end_foreign_access semantics).  The
 * dma-buf is O_RDWR even with %GNTBUF_ALLOC_READ_ONLY, which binds the peer.
 */
struct gntbuf_alloc {
	/** @domid: in: the domain the pages are granted to. */
	__u32 domid;
	/** @count: in: number of pages. */
	__u32 count;
	/** @flags: in: %GNTBUF_ALLOC_* bits. */
	__u32 flags;
	/** @fd: out: the dma-buf file descriptor, O_CLOEXEC. */
	__s32 fd;
	/** @refs_ptr: in: user pointer to room for @count grant references (out, __u32 each). */
	__u64 refs_ptr;
	/** @buffer_id: out: id of the buffer. */
	__u64 buffer_id;
};

/* Grant the pages read-only to the peer. */
#define GNTBUF_IMPORT_READ_ONLY		(1U << 0)
#define GNTBUF_IMPORT_FLAGS		(GNTBUF_IMPORT_READ_ONLY)

/**
 * struct gntbuf_import - grant the pages of another exporter's dma-buf
 *
 * Argument of %GNTBUF_IOCTL_IMPORT.  The module attaches to the dma-buf,
 * maps it, and grants the frames of its DMA addresses to @domid.  The
 * dma-buf must be whole pages, each sg entry starting at offset 0.  The
 * attachment (and so the pages) is held until IMPORT_RELEASE or the close
 * of the file, and after that until the peer has unmapped every grant
 * (the module cannot be unloaded meanwhile).  Errors besides the common
 * ones: -EBADF for an fd that is not open; -EACCES for a dma-buf its
 * exporter made read-only (its file lacks FMODE_WRITE) without
 * %GNTBUF_IMPORT_READ_ONLY; -EINVAL for an fd that is not a
 * dma-buf, a dma-buf whose size is not @count pages, or a DMA segment that
 * does not start on a page or hold whole pages; -EXDEV for frames that are
 * not this domain's own (e.g. a gntbuf EXPORT_REFS dma-buf: Xen grants
 * cannot be passed on).
 */
struct gntbuf_import {
	/** @fd: in: the dma-buf; borrowed, not closed. */
	__s32 fd;
	/** @domid: in: the domain the pages are granted to. */
	__u32 domid;
	/** @flags: in: %GNTBUF_IMPORT_* bits. */
	__u32 flags;
	/** @count: in: number of pages of the dma-buf (its size / %GNTBUF_PAGE_SIZE). */
	__u32 count;
	/** @refs_ptr: in: user pointer to room for @count grant references (out, __u32 each). */
	__u64 refs_ptr;
	/** @buffer_id: out: id of the import, for IMPORT_RELEASE and WAIT_RELEASED. */
	__u64 buffer_id;
};

/**
 * struct gntbuf_import_release - end the grants of an import
 *
 * Argument of %GNTBUF_IOCTL_IMPORT_RELEASE.  Each grant the peer does not
 * map is ended at once.  Xen cannot end a grant that is mapped: those
 * pages stay held (and the peer may still map them again) until the peer
 * unmaps them, when the module ends them; WAIT_RELEASED tells when.  -ENOENT for an id this open file does not hold or has
 * already released; -EINVAL for an id that is not an import.
 */
struct gntbuf_import_release {
	/** @buffer_id: in: id from IMPORT. */
	__u64 buffer_id;
	/** @flags: in: must be zero. */
	__u32 flags;
	/** @pad: in: must be zero. */
	__u32 pad;
};

/* Caches to device: write back what the CPU wrote (end_cpu_access). */
#define GNTBUF_SYNC_TO_DEVICE		(1U << 0)
/* Device to CPU: drop stale lines before the CPU reads (begin_cpu_access). */
#define GNTBUF_SYNC_TO_CPU		(1U << 1)
#define GNTBUF_SYNC_BOTH		(GNTBUF_SYNC_TO_DEVICE | GNTBUF_SYNC_TO_CPU)
/* Name the buffer by @fd (a gntbuf dma-buf) instead of @buffer_id. */
#define GNTBUF_SYNC_BY_FD		(1U << 2)
/*
 * With %GNTBUF_SYNC_BY_FD: @fd may be any exporter's dma-buf (gntdev's,
 * which has no CPU cache maintenance of its own, or another's).  The
 * module attaches its own device to it, maps it for that device, syncs
 * the parts of the DMA segments the ranges touch through the DMA API
 * (dma_sync_single_range_for_cpu() / _for_device(), as the directions
 * ask), then unmaps and detaches; mapping may itself sync the whole
 * buffer, unless the exporter maps with DMA_ATTR_SKIP_CPU_SYNC (gntdev
 * does).  Counted in @flushed_bytes_range as the module's own buffers.  A
 * gntbuf dma-buf is maintained as without this flag.
 */
#define GNTBUF_SYNC_ANY_DMABUF		(1U << 3)
#define GNTBUF_SYNC_FLAGS		(GNTBUF_SYNC_BOTH | GNTBUF_SYNC_BY_FD | \
					 GNTBUF_SYNC_ANY_DMABUF)

/**
 * struct gntbuf_sync_range - CPU cache maintenance of a byte range
 *
 * Argument of %GNTBUF_IOCTL_SYNC_RANGE.  Maintains [@offset, @offset +
 * @length) of the buffer, for every CPU and device mapping of it; the cost
 * grows with @length, not with the buffer.  At least one direction bit is
 * required.  A zero @length does nothing and succeeds; a range past the end
 * is -EINVAL.  An IMPORT id (%GNTBUF_FEATURE_SYNC_IMPORT) names the
 * imported dma-buf's pages: %GNTBUF_SYNC_TO_CPU first asks its exporter's
 * begin_cpu_access (DMA_FROM_DEVICE: it waits for its devices' writes, for
 * the whole buffer), %GNTBUF_SYNC_TO_DEVICE ends with its end_cpu_access
 * (DMA_TO_DEVICE), and the ranges are maintained between them as
 * %GNTBUF_SYNC_ANY_DMABUF maintains any dma-buf (except on x86, where the
 * caches are coherent with devices); -ENOENT once IMPORT_RELEASE was called,
 * and the exporter's errno.  Errors: -EINVAL also for unknown flags, no
 * direction, an fd that is not a gntbuf dma-buf (without
 * %GNTBUF_SYNC_ANY_DMABUF) or no dma-buf at all, %GNTBUF_SYNC_ANY_DMABUF
 * without %GNTBUF_SYNC_BY_FD, a non-zero @buffer_id with
 * %GNTBUF_SYNC_BY_FD or a non-zero @fd without it; the exporter's errno
 * when it cannot be attached or mapped; -ENOENT for an id this
 * open file does not know or whose dma-buf is released; -EBADF for an fd
 * that is not open.
 */
struct gntbuf_sync_range {
	/** @buffer_id: in: id from EXPORT_REFS, ALLOC or IMPORT; 0 with %GNTBUF_SYNC_BY_FD. */
	__u64 buffer_id;
	/** @fd: in: a gntbuf dma-buf, with %GNTBUF_SYNC_BY_FD (borrowed); else 0. */
	__s32 fd;
	/** @flags: in: %GNTBUF_SYNC_* bits. */
	__u32 flags;
	/** @offset: in: first byte. */
	__u64 offset;
	/** @length: in: number of bytes. */
	__u64 length;
};

/* Most ranges one SYNC_RANGES call takes: a 4K frame's rows, and more. */
#define GNTBUF_SYNC_MAX_RANGES		4096

/**
 * struct gntbuf_sync_span - one byte range of a SYNC_RANGES call
 */
struct gntbuf_sync_span {
	/** @offset: first byte. */
	__u64 offset;
	/** @length: number of bytes; 0 is allowed and does nothing. */
	__u64 length;
};

/**
 * struct gntbuf_sync_ranges - CPU cache maintenance of many byte ranges
 *
 * Argument of %GNTBUF_IOCTL_SYNC_RANGES: what @count SYNC_RANGE calls
 * with the same @buffer_id, @fd and @flags would do, in one call and under
 * one lock (e.g. the rows of damage rectangles).  Every range is checked
 * before any is maintained: one range past the end fails the call with
 * -EINVAL and nothing is done.  Ranges may overlap; each is maintained and
 * counted as given.  Errors: as SYNC_RANGE, and -E2BIG for @count above
 * %GNTBUF_SYNC_MAX_RANGES, -EINVAL for a non-zero @pad, -EFAULT for a bad
 * @ranges_ptr.  @count 0 does nothing and succeeds.
 */
struct gntbuf_sync_ranges {
	/** @buffer_id: in: id from EXPORT_REFS, ALLOC or IMPORT; 0 with %GNTBUF_SYNC_BY_FD. */
	__u64 buffer_id;
	/** @fd: in: a gntbuf dma-buf, with %GNTBUF_SYNC_BY_FD (borrowed); else 0. */
	__s32 fd;
	/** @flags: in: %GNTBUF_SYNC_* bits, as SYNC_RANGE. */
	__u32 flags;
	/** @ranges_ptr: in: user pointer to @count &struct gntbuf_sync_span. */
	__u64 ranges_ptr;
	/** @count: in: number of ranges. */
	__u32 count;
	/** @pad: in: must be zero. */
	__u32 pad;
};

/**
 * struct gntbuf_stats - the module's counters, for all open files
 *
 * Argument of %GNTBUF_IOCTL_STATS.  The same numbers are in debugfs
 * (xen-gntbuf/stats), which needs root and a mounted debugfs.
 */
struct gntbuf_stats {
	/** @flags: in: must be zero. */
	__u32 flags;
	/** @live_buffers: out: buffers not yet fully released (all kinds). */
	__u32 live_buffers;
	/** @mapped_pages: out: foreign pages mapped (EXPORT_REFS). */
	__u64 mapped_pages;
	/** @allocated_pages: out: local pages allocated and granted (ALLOC). */
	__u64 allocated_pages;
	/** @granted_pages: out: grants of imported dma-bufs still held (IMPORT). */
	__u64 granted_pages;
	/** @bounce_refusals: out: device mappings refused rather than bounced. */
	__u64 bounce_refusals;
	/** @flushed_bytes_full: out: bytes maintained by whole-buffer syncs. */
	__u64 flushed_bytes_full;
	/** @flushed_bytes_range: out: bytes maintained by SYNC_RANGE. */
	__u64 flushed_bytes_range;
	/** @pending_release: out: buffers released by userspace whose grants a peer still maps. */
	__u64 pending_release;
};

#define GNTBUF_IOCTL_QUERY		_IOWR(GNTBUF_IOCTL_MAGIC, 0x00, struct gntbuf_query)
#define GNTBUF_IOCTL_EXPORT_REFS	_IOWR(GNTBUF_IOCTL_MAGIC, 0x01, struct gntbuf_export_refs)
#define GNTBUF_IOCTL_WAIT_RELEASED	_IOWR(GNTBUF_IOCTL_MAGIC, 0x02, struct gntbuf_wait_released)
/* ABI 1's WAIT_RELEASED: in only, -EINTR on a signal. */
#define GNTBUF_IOCTL_WAIT_RELEASED_V1	_IOW(GNTBUF_IOCTL_MAGIC, 0x02, struct gntbuf_wait_released)
#define GNTBUF_IOCTL_ALLOC		_IOWR(GNTBUF_IOCTL_MAGIC, 0x03, struct gntbuf_alloc)
#define GNTBUF_IOCTL_IMPORT		_IOWR(GNTBUF_IOCTL_MAGIC, 0x04, struct gntbuf_import)
#define GNTBUF_IOCTL_IMPORT_RELEASE	_IOW(GNTBUF_IOCTL_MAGIC, 0x05, struct gntbuf_import_release)
#define GNTBUF_IOCTL_SYNC_RANGE		_IOW(GNTBUF_IOCTL_MAGIC, 0x06, struct gntbuf_sync_range)
#define GNTBUF_IOCTL_STATS		_IOWR(GNTBUF_IOCTL_MAGIC, 0x07, struct gntbuf_stats)
#define GNTBUF_IOCTL_SYNC_RANGES	_IOW(GNTBUF_IOCTL_MAGIC, 0x08, struct gntbuf_sync_ranges)
#define GNTBUF_IOCTL_RELEASE_FD		_IOWR(GNTBUF_IOCTL_MAGIC, 0x09, struct gntbuf_release_fd)

#endif /* _UAPI_XEN_GNTBUF_H */
