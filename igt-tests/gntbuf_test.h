/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by gntbuf's IGT tests.  Functions named __foo() return 0
 * (or a result) or a negative errno; foo() asserts (IGT's convention).
 */
#ifndef GNTBUF_TEST_H
#define GNTBUF_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/gntbuf.h>

/* Xen grants are per 4 KiB page. */
#define GNTBUF_TEST_PAGE_SIZE 4096u

/* Domain ids: Xen's first reserved id, DOMID_SELF and DOMID_IO. */
#define GNTBUF_TEST_DOMID_FIRST_RESERVED 0x7ff0u
#define GNTBUF_TEST_DOMID_SELF 0x7ff0u
#define GNTBUF_TEST_DOMID_IO 0x7ff1u

/** A vgem dumb buffer and its CPU mapping. */
struct gntbuf_test_dumb {
	uint32_t handle;	/* GEM handle on the DRM fd it was made on */
	uint32_t pitch;		/* bytes per row */
	uint64_t size;		/* bytes */
	void *map;		/* CPU mapping of @size bytes, or NULL */
};

/* Open descriptors of this process (/proc/self/fd), to see none leaked. */
int gntbuf_test_count_fds(void);

/* Opens a new file on the vgem device: returns the fd or a negative errno. */
int __gntbuf_test_open_vgem(void);
/* Same; skips the subtest when there is no vgem device. */
int gntbuf_test_open_vgem(void);

/* DRM_IOCTL_MODE_CREATE_DUMB + map; asserts. @bpp in bits. */
void gntbuf_test_dumb_create(int drm_fd, uint32_t width, uint32_t height,
			     uint32_t bpp, struct gntbuf_test_dumb *out);
/* Maps an existing handle (in @dumb->handle) of @size bytes; asserts. */
void gntbuf_test_dumb_map(int drm_fd, uint64_t size,
			  struct gntbuf_test_dumb *dumb);
/* Unmaps and closes the handle; asserts. */
void gntbuf_test_dumb_destroy(int drm_fd, struct gntbuf_test_dumb *dumb);

/*
 * Patterns.  Word i (a __u32, counted from the first byte of the buffer)
 * of the pattern of @seed is seed ^ (i * 2654435761).  tools/
 * gntbuf-grant-peer.c writes and checks the same pattern in a domU, and
 * computes the same CRC (CRC-32/ISO-HDLC, as zlib's crc32()).
 */
uint32_t gntbuf_pattern_word(uint32_t seed, size_t index);
/* Fills @bytes (a multiple of 4) of @buf, starting at word @first. */
void gntbuf_pattern_fill_from(void *buf, size_t bytes, uint32_t seed,
			      size_t first);
void gntbuf_pattern_fill(void *buf, size_t bytes, uint32_t seed);
/* Index of the first word that differs, or -1 when all match. */
long gntbuf_pattern_mismatch_from(const void *buf, size_t bytes,
				  uint32_t seed, size_t first);
/* Asserts that @buf holds the pattern, naming the first wrong word. */
void gntbuf_pattern_check_from(const void *buf, size_t bytes, uint32_t seed,
			       size_t first);
void gntbuf_pattern_check(const void *buf, size_t bytes, uint32_t seed);
/* CRC-32 of @bytes of the pattern of @seed, without a buffer. */
uint32_t gntbuf_pattern_crc(size_t bytes, uint32_t seed);
uint32_t gntbuf_crc32(uint32_t crc, const void *buf, size_t bytes);

/* The /dev/xen/gntbuf device (xen-gntbuf module). */
#define GNTBUF_TEST_DEVICE "/dev/xen/gntbuf"
/* Opens the device: an fd or a negative errno. */
int __gntbuf_open(void);
/* Same; skips when the module is not loaded (no device). */
int gntbuf_open(void);

int __gntbuf_query(int fd, struct gntbuf_query *query);
void gntbuf_query(int fd, struct gntbuf_query *query);
/* Skips unless the module reports every bit of @features. */
void gntbuf_require_features(int fd, uint64_t features);

/*
 * EXPORT_REFS: @count grant references of @domid → a dma-buf.  On success
 * *@dmabuf_fd (O_CLOEXEC, the caller's) and *@buffer_id are written.
 */
int __gntbuf_export(int fd, uint32_t domid, const uint32_t *refs,
		    uint32_t count, uint32_t flags, int *dmabuf_fd,
		    uint64_t *buffer_id);
/* Asserts; returns the dma-buf fd, and the id in @buffer_id if not NULL. */
int gntbuf_export(int fd, uint32_t domid, const uint32_t *refs,
		  uint32_t count, uint32_t flags, uint64_t *buffer_id);

int __gntbuf_wait_released(int fd, uint64_t buffer_id, uint32_t timeout_ms);
void gntbuf_wait_released(int fd, uint64_t buffer_id, uint32_t timeout_ms);

/* ALLOC: @count zeroed pages granted to @domid; @refs gets @count refs. */
int __gntbuf_alloc(int fd, uint32_t domid, uint32_t count, uint32_t flags,
		   uint32_t *refs, int *dmabuf_fd, uint64_t *buffer_id);
int gntbuf_alloc(int fd, uint32_t domid, uint32_t count, uint32_t flags,
		 uint32_t *refs, uint64_t *buffer_id);

/* IMPORT: the @count pages of @dmabuf_fd (borrowed) granted to @domid. */
int __gntbuf_import(int fd, int dmabuf_fd, uint32_t domid, uint32_t count,
		    uint32_t flags, uint32_t *refs, uint64_t *buffer_id);
uint64_t gntbuf_import(int fd, int dmabuf_fd, uint32_t domid, uint32_t count,
		       uint32_t flags, uint32_t *refs);
int __gntbuf_import_release(int fd, uint64_t buffer_id);
void gntbuf_import_release(int fd, uint64_t buffer_id);

/*
 * SYNC_RANGE of [@offset, @offset + @length) bytes, @flags GNTBUF_SYNC_*;
 * the buffer is @buffer_id, or @dmabuf_fd with GNTBUF_SYNC_BY_FD (the
 * other field is passed as zero).
 */
int __gntbuf_sync_range(int fd, uint64_t buffer_id, int dmabuf_fd,
			uint32_t flags, uint64_t offset, uint64_t length);
void gntbuf_sync_range(int fd, uint64_t buffer_id, int dmabuf_fd,
		       uint32_t flags, uint64_t offset, uint64_t length);

int __gntbuf_stats(int fd, struct gntbuf_stats *stats);
void gntbuf_stats(int fd, struct gntbuf_stats *stats);
void gntbuf_stats_print(const char *when, const struct gntbuf_stats *stats);
/*
 * Waits up to @timeout_ms for every live counter (live_buffers,
 * mapped_pages, allocated_pages, granted_pages, pending_release) to be zero;
 * asserts that they are, printing them when not.
 */
void gntbuf_assert_idle(int fd, unsigned int timeout_ms);

/* Runs @argv[0] as an ioctl with an errno of its own: -errno or 0. */
int __gntbuf_ioctl(int fd, unsigned long request, void *arg);

/* dma-buf helpers. */
/* DMA_BUF_IOCTL_SYNC with DMA_BUF_SYNC_* @flags: 0 or -errno. */
int __gntbuf_dmabuf_sync(int dmabuf_fd, uint64_t flags);
void gntbuf_dmabuf_sync(int dmabuf_fd, uint64_t flags);
/* begin_cpu_access / end_cpu_access for @write (else read) access. */
void gntbuf_dmabuf_begin(int dmabuf_fd, bool write);
void gntbuf_dmabuf_end(int dmabuf_fd, bool write);
/* mmap of @bytes of the dma-buf; asserts. */
void *gntbuf_dmabuf_mmap(int dmabuf_fd, size_t bytes, int prot);
/* The dma-buf's size, from lseek(SEEK_END). */
uint64_t gntbuf_dmabuf_size(int dmabuf_fd);

/*
 * Grants made in this domain with libxengntshr (gntalloc), to @domid.
 */
struct gntbuf_share {
	void *shr;		/* xengntshr_handle */
	uint32_t domid;		/* domain the pages are granted to */
	uint32_t count;		/* pages */
	bool writable;		/* granted read-write */
	uint32_t *refs;		/* @count grant references */
	void *map;		/* the granter's own mapping, @count pages */
};
/* Shares @count pages, zeroed, with @domid; asserts. */
void gntbuf_share_pages(uint32_t domid, uint32_t count, bool writable,
			struct gntbuf_share *share);
/* Ends the grants (munmap of the gntalloc pages): 0 or -errno. */
int __gntbuf_unshare(struct gntbuf_share *share);
void gntbuf_unshare(struct gntbuf_share *share);

/* Mapping grants with libxengnttab (gntdev), as a backend does. */
/* The mapping of @count refs of @domid, or NULL with errno set. */
void *__gntbuf_map_grants(uint32_t domid, const uint32_t *refs,
			  uint32_t count, int prot);
void *gntbuf_map_grants(uint32_t domid, const uint32_t *refs,
			uint32_t count, int prot);
void gntbuf_unmap_grants(void *map, uint32_t count);
/*
 * True when any of @refs of @domid can still be mapped (read-only), one at
 * a time: the grant is still active in the granter's table.
 */
bool gntbuf_grants_mappable(uint32_t domid, const uint32_t *refs,
			    uint32_t count);
/*
 * Waits up to @timeout_ms until no ref can be mapped any more (the granter's
 * deferred end of access is retried each second); true when none can.
 */
bool gntbuf_wait_grants_ended(uint32_t domid, const uint32_t *refs,
			      uint32_t count, unsigned int timeout_ms);

/*
 * A second domain that grants pages to dom0 and maps dom0's grants: a domU
 * booted by the rig (gntbuf-vm domu-start) running tools/gntbuf-grant-peer.
 * Commands and replies travel through its xenstore folder data/gntbuf/.
 */
enum gntbuf_peer_type {
	GNTBUF_PEER_PV,
	GNTBUF_PEER_PVH,
};
#define GNTBUF_PEER_MAX_SETS 8

struct gntbuf_peer {
	enum gntbuf_peer_type type;
	char name[32];		/* xl domain name */
	uint32_t domid;
	bool dom0;		/* a process in dom0, not a domU of ours */
	char home[96];		/* its xenstore folder */
	uint32_t seq;		/* last command sequence number */
	void *xs;		/* struct xs_handle */
	/* Grant sets the peer made: set 0 is made at boot. */
	uint32_t set_count[GNTBUF_PEER_MAX_SETS];
	uint32_t *set_refs[GNTBUF_PEER_MAX_SETS];
};
const char *gntbuf_peer_type_name(enum gntbuf_peer_type type);
/*
 * The peer of @type, booted at its first use (a few tens of seconds under
 * TCG) and kept for the rest of the test; skips when the rig was run
 * without --domu.  Set 0: @GNTBUF_PEER_BOOT_PAGES read-write pages holding
 * the pattern of GNTBUF_PEER_BOOT_SEED.
 *
 * In a domU (`gntbuf-vm run --pvh-domu`, $GNTBUF_PEER_HOME set) the second
 * domain is dom0, which is PV: the PV peer is the gntbuf-grant-peer that the
 * rig started in dom0 (its xenstore folder $GNTBUF_PEER_HOME, in this
 * domU's home), and a PVH peer skips.
 */
#define GNTBUF_PEER_BOOT_PAGES 300u	/* 640x480 XRGB8888 */
#define GNTBUF_PEER_BOOT_SEED 0x9e37f00du
struct gntbuf_peer *gntbuf_peer_get(enum gntbuf_peer_type type);
/* Destroys every peer started by gntbuf_peer_get(). */
void gntbuf_peer_stop_all(void);
/*
 * Destroys @peer's domU with `xl destroy` (gntbuf-vm domu-stop) and frees
 * @peer, with its sets' refs: the next gntbuf_peer_get() of its type boots
 * a fresh domU, with a new domid.  Skips when the peer is dom0 (tests in a
 * domU): dom0 cannot be destroyed.
 */
void gntbuf_peer_destroy(struct gntbuf_peer *peer);

/*
 * A domain as Xen sees it (libxenctrl; dom0 only).  A destroyed domain stays
 * "dying" while another domain still maps its pages (a grant mapping holds
 * a reference on the page) and is gone once the last one is dropped.
 */
enum gntbuf_xen_domain_state {
	GNTBUF_DOMAIN_GONE,
	GNTBUF_DOMAIN_ALIVE,
	GNTBUF_DOMAIN_DYING,
};
/* One of the states above, or -errno when Xen cannot be asked. */
int __gntbuf_xen_domain_state(uint32_t domid);
int gntbuf_xen_domain_state(uint32_t domid);
/* "gone", "alive", "dying", or the errno's text. */
const char *gntbuf_xen_domain_state_name(int state);
/*
 * The dying domains' ids (at most @max written to @domids): their count,
 * or -errno.
 */
int __gntbuf_xen_dying_domains(uint32_t *domids, int max);
/* Waits up to @timeout_ms until @domid is gone from Xen: true when it is. */
bool gntbuf_wait_domain_gone(uint32_t domid, unsigned int timeout_ms);

/*
 * The kernel log: open /dev/kmsg at its end; then assert that no record
 * since is an error (level err or worse) or part of a trace (WARN, BUG,
 * Oops, page fault), printing warnings and worse.  @when names the step.
 */
int gntbuf_kmsg_open(void);
void gntbuf_kmsg_assert_clean(int kmsg_fd, const char *when);
/*
 * Sends one command ("share 4 0x1234 rw", "fill 1 0x99", ...; see
 * tools/gntbuf-grant-peer.c) and waits for its reply, copied to @reply.
 * Returns 0 when the reply starts with "ok", -EIO otherwise, -ETIMEDOUT.
 */
int __gntbuf_peer_cmd(struct gntbuf_peer *peer, char *reply, size_t size,
		      const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void gntbuf_peer_cmd(struct gntbuf_peer *peer, char *reply, size_t size,
		     const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* New grant set of @count pages (pattern of @seed) to dom0: its index. */
int gntbuf_peer_share(struct gntbuf_peer *peer, uint32_t count,
		      uint32_t seed, bool writable);
/* Same, granted to @domid instead of dom0. */
int gntbuf_peer_share_to(struct gntbuf_peer *peer, uint32_t count,
			 uint32_t seed, bool writable, uint32_t domid);
/* Ends set @set's grants in the peer; returns its "deferred" count. */
int gntbuf_peer_unshare(struct gntbuf_peer *peer, int set);
/* Asserts that the peer's own view of set @set holds the pattern. */
void gntbuf_peer_check(struct gntbuf_peer *peer, int set, uint32_t seed);
void gntbuf_peer_fill(struct gntbuf_peer *peer, int set, uint32_t seed);
/*
 * The peer maps @count grants dom0 made to it (gntdev), as a frontend
 * maps a backend's buffer: gntbuf_peer_map_* act on that one mapping.
 */
void gntbuf_peer_map(struct gntbuf_peer *peer, const uint32_t *refs,
		     uint32_t count, bool writable);
int __gntbuf_peer_map(struct gntbuf_peer *peer, const uint32_t *refs,
		      uint32_t count, bool writable);
void gntbuf_peer_map_check(struct gntbuf_peer *peer, uint32_t seed);
void gntbuf_peer_map_fill(struct gntbuf_peer *peer, uint32_t seed);
void gntbuf_peer_unmap(struct gntbuf_peer *peer);

/*
 * Where the grants of a test come from: this domain (self, domid 0) or a
 * peer domU (the PV dom0's foreign path).
 */
enum gntbuf_source {
	GNTBUF_SOURCE_SELF,
	GNTBUF_SOURCE_FOREIGN_PV,
	GNTBUF_SOURCE_FOREIGN_PVH,
	GNTBUF_SOURCE_COUNT,
};
/*
 * This domain's domid: 0 in the control domain (xenfs's capabilities say
 * "control_d"; no xenstored needed), xenstore's "domid" in a domU.
 */
uint32_t gntbuf_self_domid(void);
/*
 * Skips unless grants this domain makes to itself can be mapped: in dom0
 * they can, in a PVH domU they cannot (see gntbuf_test.c).
 */
void gntbuf_require_self_grants(void);
/* The domid of grants this domain makes to itself ("self"). */
#define GNTBUF_SELF (gntbuf_self_domid())
/* True when this test runs in a domU (`gntbuf-vm run --pvh-domu`). */
bool gntbuf_in_domu(void);
/*
 * The grants a subtest uses when where they come from is not its point:
 * dom0's own in dom0; dom0's (GNTBUF_SOURCE_FOREIGN_PV) in a PVH domU,
 * where a domain's grants to itself break once mapped.
 */
enum gntbuf_source gntbuf_local_source(void);
/* "self", "foreign-pv", "foreign-pvh": subtest name suffixes. */
const char *gntbuf_source_name(enum gntbuf_source source);

struct gntbuf_grants {
	enum gntbuf_source source;
	uint32_t domid;		/* the granting domain */
	uint32_t count;		/* pages */
	bool writable;
	uint32_t *refs;
	struct gntbuf_share share;	/* self */
	struct gntbuf_peer *peer;	/* foreign */
	int set;			/* foreign: the peer's set */
	bool ended;
};
/* @count pages from @source holding the pattern of @seed; asserts. */
void gntbuf_grants_create(enum gntbuf_source source, uint32_t count,
			  uint32_t seed, bool writable,
			  struct gntbuf_grants *grants);
/* The granter writes / checks the pattern in its own view. */
void gntbuf_grants_fill(struct gntbuf_grants *grants, uint32_t seed);
void gntbuf_grants_check(struct gntbuf_grants *grants, uint32_t seed);
/*
 * The granter ends its grants; then asserts that none can be mapped any
 * more (within @timeout_ms: a grant still mapped by someone is ended later,
 * by the granter kernel's deferred retries).
 */
void gntbuf_grants_end(struct gntbuf_grants *grants, unsigned int timeout_ms);
/* Ends the grants if not yet done, without asserting: for cleanup. */
void gntbuf_grants_destroy(struct gntbuf_grants *grants);

/*
 * The domain that maps grants this domain made (ALLOC, IMPORT): dom0 itself
 * through libxengnttab (self), or the peer domU through its gntdev.
 */
struct gntbuf_grantee {
	enum gntbuf_source source;
	uint32_t domid;			/* the domain to grant to */
	struct gntbuf_peer *peer;	/* foreign */
	void *map;			/* self: the mapping */
	uint32_t count;			/* pages mapped, 0 if none */
};
/*
 * `xl destroy` of a foreign grantee while it may still map our grants; it
 * is forgotten (the next gntbuf_peer_get() boots a new one).
 */
void gntbuf_grantee_destroy(struct gntbuf_grantee *grantee);
/* Boots the peer for a foreign grantee. */
void gntbuf_grantee_init(enum gntbuf_source source,
			 struct gntbuf_grantee *grantee);
/* Maps @count refs granted by domid 0: 0 or -errno. */
int __gntbuf_grantee_map(struct gntbuf_grantee *grantee,
			 const uint32_t *refs, uint32_t count, bool writable);
void gntbuf_grantee_map(struct gntbuf_grantee *grantee, const uint32_t *refs,
			uint32_t count, bool writable);
void gntbuf_grantee_fill(struct gntbuf_grantee *grantee, uint32_t seed);
void gntbuf_grantee_check(struct gntbuf_grantee *grantee, uint32_t seed);
/*
 * Whether the grantee can still map any of @count refs this domain granted
 * it (one at a time; nothing may be mapped by it at the call): after the
 * granter ended them, false.
 */
bool gntbuf_grantee_mappable(struct gntbuf_grantee *grantee,
			     const uint32_t *refs, uint32_t count);
/*
 * The grantee maps @ref alone and finds in it the pattern of @seed that
 * starts @word words into the buffer (a CRC compared with ours: the same
 * check for a peer's mapping as for our own).  Asserts.
 */
void gntbuf_grantee_check_page(struct gntbuf_grantee *grantee, uint32_t ref,
			       uint32_t seed, size_t word);
/* CRC-32 of what the grantee's mapping holds. */
uint32_t gntbuf_grantee_crc(struct gntbuf_grantee *grantee);
void gntbuf_grantee_unmap(struct gntbuf_grantee *grantee);

/* A KMS device with a writeback connector (vkms): vmap-using importer. */
int __gntbuf_test_open_vkms(void);
int gntbuf_test_open_vkms(void);
/* Width and height of the mode the vkms helpers use: 640x480 XRGB8888. */
#define GNTBUF_VKMS_WIDTH 640u
#define GNTBUF_VKMS_HEIGHT 480u
#define GNTBUF_VKMS_BYTES (GNTBUF_VKMS_WIDTH * GNTBUF_VKMS_HEIGHT * 4u)
/*
 * vkms scans out @src_dmabuf (PRIME-imported, XRGB8888, pitch width * 4) on
 * its primary plane and writes the composed frame, through its writeback
 * connector, into @dst_dmabuf (also imported).  vkms reads and writes both
 * buffers through dma_buf_vmap().  Asserts.
 */
void gntbuf_vkms_copy(int kms_fd, int src_dmabuf, int dst_dmabuf);
/*
 * The same in steps, to hold the source on the plane (vmapped by vkms)
 * across other events: show scans @src_dmabuf out and writes one frame into
 * @dst_dmabuf, leaving the plane on; writeback writes one more frame of it,
 * which vkms composes from the source through dma_buf_vmap() again; off
 * switches the plane off and lets go of the source.
 */
struct gntbuf_vkms_scanout {
	int fd;
	uint32_t crtc, plane, wb, blob;
	uint32_t fb_src, h_src;	/* the scanned-out source, 0 once off */
};
void gntbuf_vkms_show(int kms_fd, int src_dmabuf, int dst_dmabuf,
		      struct gntbuf_vkms_scanout *scanout);
void gntbuf_vkms_writeback(struct gntbuf_vkms_scanout *scanout,
			   int dst_dmabuf);
void gntbuf_vkms_off(struct gntbuf_vkms_scanout *scanout);

/*
 * Counters: asserts that every live counter (live_buffers, mapped_pages,
 * allocated_pages, granted_pages, pending_release) is back to its value in
 * @before within @timeout_ms.
 */
void gntbuf_assert_back_to(int fd, const struct gntbuf_stats *before,
			   unsigned int timeout_ms);

/*
 * A file of the build: $@env if set, else @rel relative to the folder
 * above this binary's.  Writes the path to @out; true when it is readable.
 */
bool gntbuf_test_build_path(const char *env, const char *rel, char *out,
			    size_t size);

/*
 * The state debugfs (xen-gntbuf/buffers) gives buffer @id: "live",
 * "releasing", "pending" or "peer-gone"; false when it is not listed (done).
 * Mounts debugfs if needed; skips without it.
 */
bool gntbuf_buffer_state(uint64_t id, char *state, size_t size);
/*
 * Waits up to 10 s until the module ended the grants of ALLOC or IMPORT
 * buffer @id because its peer died (state "peer-gone"); asserts.
 */
void gntbuf_wait_peer_gone(uint64_t id);

/* Module parameters, /sys/module/xen_gntbuf/parameters/@name. */
long __gntbuf_param_get(const char *name);
void gntbuf_param_set(const char *name, unsigned long value);

/* The module: rmmod and insmod, for the lifetime subtests. */
#define GNTBUF_TEST_MODULE "xen_gntbuf"
/* delete_module(O_NONBLOCK): 0 or -errno (EAGAIN/EBUSY while in use). */
int __gntbuf_module_unload(void);
/* Loads the module back from $GNTBUF_KMOD or ../kernel/xen-gntbuf.ko. */
void gntbuf_module_reload(void);

/*
 * Fault injection (gntbuf_fault.c): fail-nth on a kernel with
 * FAULT_INJECTION_DEBUG_FS.  Opening skips without it, and makes GFP_KERNEL
 * allocations injectable.  set(n): the n-th fault point this thread reaches
 * next fails.  injected(): whether it did; clears what is left.
 */
int gntbuf_fail_nth_open(void);
void gntbuf_fail_nth_set(int fd, unsigned int n);
bool gntbuf_fail_nth_injected(int fd);

/*
 * gntbuf_test_reap.c: what a subtest that fails or skips leaves open (fds,
 * mappings of dma-bufs and DRM devices) is closed before the next subtest
 * or fixture starts, so that it cannot fail the later ones (those that
 * unload the module) too.  IGT's igt_subtest and igt_fixture macros reach
 * it through these, where igt.h (igt-decl's, or IGT's own igt_core.h)
 * came first.
 */
#if defined(GNTBUF_IGT_DECL_H) || defined(IGT_CORE_H)
bool gntbuf_test_run_subtest(const char *name, const char *file, int line);
bool gntbuf_test_fixture(void);
void gntbuf_test_subtest_success(void);
#define __igt_run_subtest(name, file, line) \
	gntbuf_test_run_subtest(name, file, line)
#define __igt_fixture() gntbuf_test_fixture()
#define igt_success() gntbuf_test_subtest_success()
#endif

#endif /* GNTBUF_TEST_H */
