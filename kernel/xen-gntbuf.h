/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xen-gntbuf: private definitions shared by the files of the module.
 */
#ifndef _XEN_GNTBUF_PRIV_H
#define _XEN_GNTBUF_PRIV_H

#include <linux/atomic.h>
#include <linux/dma-buf.h>
#include <linux/dma-direction.h>
#include <linux/err.h>
#include <linux/hashtable.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <xen/grant_table.h>
#include <xen/gntbuf.h>

/**
 * enum gntbuf_kind - where the pages of a buffer come from
 * @GNTBUF_KIND_EXPORT: another domain's grants, mapped here (EXPORT_REFS)
 * @GNTBUF_KIND_ALLOC: local pages granted to another domain (ALLOC)
 * @GNTBUF_KIND_IMPORT: another exporter's dma-buf granted to a domain (IMPORT)
 */
enum gntbuf_kind {
	GNTBUF_KIND_EXPORT,
	GNTBUF_KIND_ALLOC,
	GNTBUF_KIND_IMPORT,
};

/**
 * struct gntbuf_counters - the module's statistics
 * @live_buffers: buffers created and not yet fully released
 * @mapped_pages: foreign pages mapped by EXPORT_REFS buffers
 * @allocated_pages: local pages of ALLOC buffers not yet freed
 * @granted_pages: grants of IMPORT buffers not yet ended
 * @bounce_refusals: device mappings refused because they would bounce
 * @flushed_bytes_full: bytes maintained by begin/end_cpu_access
 * @flushed_bytes_range: bytes maintained by SYNC_RANGE
 * @pending_release: buffers let go by userspace whose grants a peer maps
 */
struct gntbuf_counters {
	atomic_t live_buffers;
	atomic64_t mapped_pages;
	atomic64_t allocated_pages;
	atomic64_t granted_pages;
	atomic64_t bounce_refusals;
	atomic64_t flushed_bytes_full;
	atomic64_t flushed_bytes_range;
	atomic64_t pending_release;
};

/**
 * struct gntbuf_file - the state of one open file of /dev/xen/gntbuf
 * @kref: held by the open file and by every buffer it charged
 * @lock: protects @ids
 * @ids: the buffers this file created and has not forgotten, by id
 * @pages: pages of this file's live buffers, under gntbuf_charge_lock
 */
struct gntbuf_file {
	struct kref kref;
	struct mutex lock;
	DECLARE_HASHTABLE(ids, 6);
	u64 pages;
};

/**
 * struct gntbuf_attachment - an importer's attachment to a gntbuf dma-buf
 * @node: entry in &gntbuf_buffer.attachments
 * @attach: the dma-buf core's attachment
 * @sgt: one entry per page, never merged; valid while @mapped
 * @dma: the device address of each page while @mapped
 * @dir: the direction of the current mapping
 * @mapped: @sgt is mapped for @attach's device
 * @xen_bus: @dma holds the granted frames' bus addresses, computed by the
 *	module for a device that Xen's DMA ops never reached (dmabuf.c),
 *	which the module maintains the caches for; nothing is mapped through
 *	the DMA API
 */
struct gntbuf_attachment {
	struct list_head node;
	struct dma_buf_attachment *attach;
	struct sg_table sgt;
	dma_addr_t *dma;
	enum dma_data_direction dir;
	bool mapped;
	bool xen_bus;
};

/**
 * struct gntbuf_buffer - one buffer: its pages, grants and dma-buf
 * @kref: one reference for the buffer's life (until @done) and one per
 *	lookup-table entry or in-flight ioctl
 * @id: unique for the module's lifetime, never 0
 * @kind: where the pages come from
 * @domid: the peer domain (granter for EXPORT, grantee for ALLOC/IMPORT)
 * @readonly: mapped (EXPORT) or granted (ALLOC, IMPORT) read-only
 * @pv_foreign: the pages are foreign frames in an x86 PV domain: every
 *	other mapping of them (vmap, mmap) must be made by grant operations
 * @pv_mmaps: userspace mappings of a @pv_foreign buffer, each of which
 *	maps every grant again (bounded by max_mmaps_per_buffer)
 * @count: number of pages
 * @pages: the pages (EXPORT, ALLOC); NULL entries were never allocated
 * @refs: grant references: the peer's (EXPORT) or ours (ALLOC, IMPORT);
 *	INVALID_GRANT_REF where none is held
 * @handles: handles of the kernel mappings (EXPORT); INVALID_GRANT_HANDLE
 *	where the page is not mapped
 * @unmap: the grant core's work item of the release's unmaps (EXPORT): not
 *	on the stack, which it may wait on as delayed work (DEBUG_OBJECTS)
 * @pages_allocated: @pages came from gnttab_alloc_pages() (EXPORT)
 * @dmabuf: our dma-buf (EXPORT, ALLOC) or the imported one (IMPORT)
 * @import_attach: our attachment to the imported dma-buf (IMPORT)
 * @import_sgt: the mapping of @import_attach (IMPORT)
 * @owner: the file that created the buffer and was charged for it
 * @file_node: entry in @owner's id table while it remembers the buffer
 * @in_table: @file_node is hashed
 * @global_node: entry in the list of all buffers (debugfs, module exit)
 * @lock: protects the fields below, the attachments and the mappings
 * @attachments: list of &struct gntbuf_attachment
 * @nr_attachments: length of @attachments
 * @vaddr: the kernel mapping made by vmap, or NULL
 * @vmap_ptes: machine addresses of @vaddr's PTEs (PV foreign)
 * @vmap_handles: grant handles of @vaddr's mappings (PV foreign)
 * @cpu_dma: device addresses of the pages for the module's own device, for
 *	cache maintenance where it is done through the DMA API (not x86)
 * @shared: the grants reached userspace (ALLOC, IMPORT): the ioctl that
 *	made them succeeded
 * @peer_gone: the peer died and every grant was ended (ALLOC, IMPORT)
 * @released: userspace let go: the dma-buf was released (EXPORT, ALLOC)
 *	or IMPORT_RELEASE was called or the file closed (IMPORT)
 * @pending: some grants are still mapped by the peer after @released
 * @done: every grant is unmapped or ended; WAIT_RELEASED returns
 * @release_wq: the RELEASE_FD files polling for @done (release.c)
 * @reclaim: retries ending the grants while @pending
 * @reclaim_delay: current retry interval, in jiffies
 */
struct gntbuf_buffer {
	struct kref kref;
	u64 id;
	enum gntbuf_kind kind;
	domid_t domid;
	bool readonly;
	bool pv_foreign;
	atomic_t pv_mmaps;
	unsigned int count;
	struct page **pages;
	grant_ref_t *refs;
	grant_handle_t *handles;
	struct gntab_unmap_queue_data unmap;
	bool pages_allocated;
	struct dma_buf *dmabuf;
	struct dma_buf_attachment *import_attach;
	struct sg_table *import_sgt;
	struct gntbuf_file *owner;
	struct hlist_node file_node;
	bool in_table;
	struct list_head global_node;

	struct mutex lock;
	struct list_head attachments;
	unsigned int nr_attachments;
	void *vaddr;
	u64 *vmap_ptes;
	grant_handle_t *vmap_handles;
	dma_addr_t *cpu_dma;
	bool shared;
	bool peer_gone;
	bool released;
	bool pending;
	bool done;
	wait_queue_head_t release_wq;
	struct delayed_work reclaim;
	unsigned long reclaim_delay;
};

/* main.c */
extern struct gntbuf_counters gntbuf_counters;
extern wait_queue_head_t gntbuf_release_wq;
extern struct workqueue_struct *gntbuf_wq;
extern struct mutex gntbuf_list_lock;
extern struct list_head gntbuf_list;

int gntbuf_charge_total(u32 count);
void gntbuf_uncharge_total(u32 count);
unsigned int gntbuf_max_mmaps_per_buffer(void);
void gntbuf_query_limits(struct gntbuf_query *q);

int gntbuf_check_domid(u32 domid);
int gntbuf_check_count(u32 count);
struct gntbuf_buffer *gntbuf_buffer_create(struct gntbuf_file *file,
					   enum gntbuf_kind kind, u32 domid,
					   u32 count, bool readonly);
void gntbuf_buffer_done(struct gntbuf_buffer *buf);
void gntbuf_buffer_put(struct gntbuf_buffer *buf);
void gntbuf_file_add(struct gntbuf_file *file, struct gntbuf_buffer *buf);
int gntbuf_copy_refs_to_user(struct gntbuf_buffer *buf, u64 refs_ptr);
struct gntbuf_buffer *gntbuf_file_lookup(struct gntbuf_file *file, u64 id);
void gntbuf_file_forget(struct gntbuf_file *file, struct gntbuf_buffer *buf);
int gntbuf_status_to_errno(int status);
int gntbuf_install_fd(struct gntbuf_buffer *buf, void __user *uarg,
		      const void *reply, size_t size, s32 *fd_field);

/* info.c */
long gntbuf_ioctl_query(void __user *uarg);
long gntbuf_ioctl_stats(void __user *uarg);
void gntbuf_debugfs_init(void);
void gntbuf_debugfs_exit(void);

/* grant.c */
int gntbuf_grant_frames(struct gntbuf_buffer *buf, const unsigned long *gfns);
unsigned int gntbuf_end_grants(struct gntbuf_buffer *buf, bool keep_pages);
void gntbuf_schedule_reclaim(struct gntbuf_buffer *buf);
void gntbuf_reclaim_work(struct work_struct *work);

/* peer.c */
void gntbuf_peer_init(void);
void gntbuf_peer_exit(void);
void gntbuf_buffer_shared(struct gntbuf_buffer *buf);

/* export.c */
long gntbuf_ioctl_export_refs(struct gntbuf_file *file, void __user *uarg);
void gntbuf_export_release(struct gntbuf_buffer *buf);

/* alloc.c */
long gntbuf_ioctl_alloc(struct gntbuf_file *file, void __user *uarg);
void gntbuf_alloc_release(struct gntbuf_buffer *buf);
void gntbuf_alloc_handover(struct gntbuf_buffer *buf);

/* import.c */
int gntbuf_import_init(void);
void gntbuf_import_exit(void);
bool gntbuf_is_import_dev(struct device *dev);
long gntbuf_ioctl_import(struct gntbuf_file *file, void __user *uarg);
long gntbuf_ioctl_import_release(struct gntbuf_file *file, void __user *uarg);
void gntbuf_import_release(struct gntbuf_buffer *buf);
void gntbuf_import_finish(struct gntbuf_buffer *buf);

/* release.c */
long gntbuf_ioctl_release_fd(struct gntbuf_file *file, void __user *uarg);

/* dmabuf.c */
extern const struct dma_buf_ops gntbuf_dmabuf_ops;
int gntbuf_dmabuf_export(struct gntbuf_buffer *buf);

/* pvmap.c: x86 PV only; auto-translated domains never call it. */
#ifdef CONFIG_X86
void *gntbuf_pv_vmap(struct gntbuf_buffer *buf);
void gntbuf_pv_vunmap(struct gntbuf_buffer *buf);
int gntbuf_pv_mmap(struct gntbuf_buffer *buf, struct vm_area_struct *vma);
int gntbuf_pv_init(void);
void gntbuf_pv_exit(void);
#else
static inline void *gntbuf_pv_vmap(struct gntbuf_buffer *buf)
{
	return ERR_PTR(-EOPNOTSUPP);
}

static inline void gntbuf_pv_vunmap(struct gntbuf_buffer *buf)
{
}

static inline int gntbuf_pv_mmap(struct gntbuf_buffer *buf,
				 struct vm_area_struct *vma)
{
	return -EOPNOTSUPP;
}

static inline int gntbuf_pv_init(void)
{
	return 0;
}

static inline void gntbuf_pv_exit(void)
{
}
#endif

/* cache.c */
int gntbuf_cache_dev_init(void);
void gntbuf_cache_dev_exit(void);
int gntbuf_cache_init(struct gntbuf_buffer *buf);
void gntbuf_cache_fini(struct gntbuf_buffer *buf);
u64 gntbuf_cache_range(struct gntbuf_buffer *buf, u64 offset, u64 length,
		       bool to_device, bool to_cpu);
void gntbuf_sync_attachment(struct gntbuf_attachment *ga, unsigned long first,
			    unsigned long last, bool for_device);
void gntbuf_sync_attachments(struct gntbuf_buffer *buf, u64 offset,
			     u64 length, bool for_device);
long gntbuf_ioctl_sync_range(struct gntbuf_file *file, void __user *uarg);
long gntbuf_ioctl_sync_ranges(struct gntbuf_file *file, void __user *uarg);

#endif /* _XEN_GNTBUF_PRIV_H */
