// SPDX-License-Identifier: GPL-2.0
/*
 * xen-gntbuf: second mappings of foreign frames in an x86 PV domain.
 *
 * A PV domain may not write a PTE that points at another domain's frame:
 * Xen accepts such a PTE only from a grant map operation.  So the vmap and
 * the userspace mmap of an EXPORT_REFS buffer map the grants again, onto
 * the very PTEs, with GNTMAP_contains_pte, as xenbus_map_ring_valloc()
 * does for the kernel and gntdev does (use_ptemod) for userspace.  These
 * mappings are made with raw GNTTABOP_map_grant_ref operations, not
 * gnttab_map_refs(), which would install a second p2m override.
 *
 * Kernel (vmap): a module cannot call get_vm_area(), so the VM area is
 * reserved with vmap() of a placeholder page mapped PAGE_NONE (not present,
 * so never in a TLB); its PTEs, found with lookup_address(), are then
 * overwritten by the grant maps, and cleared by the grant unmaps before
 * vunmap().
 *
 * Userspace (mmap): the PTEs are found with apply_to_page_range() on the
 * process's mm; they carry _PAGE_SPECIAL (GNTMAP guest-available bit 0) so
 * that the core mm asks find_special_page() for the struct page.  An
 * interval notifier unmaps the grants before the core mm zaps or changes
 * any of those PTEs (munmap, exit, madvise); the vma is not copied on fork
 * and may not be mprotect()ed.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/page.h>
#include <xen/features.h>

#include "xen-gntbuf.h"

/* Unmap operations issued per hypercall. */
#define GNTBUF_UNMAP_BATCH	32

static struct page *gntbuf_placeholder;

/**
 * struct gntbuf_pv_mapping - a userspace mapping of a PV foreign buffer
 * @users: one per vma sharing the mapping (a split makes two)
 * @buf: the buffer; the vma's file (the dma-buf) keeps it alive
 * @notifier: unmaps the grants before the core mm touches their PTEs
 * @lock: protects @handles
 * @start: the user address of the first page, as first mapped
 * @pgoff: the first page of @buf mapped
 * @npages: number of pages mapped
 * @flags: GNTMAP_* flags of the map and unmap operations
 * @ptes: machine address of each page's PTE
 * @handles: grant handle of each page, INVALID_GRANT_HANDLE once unmapped
 */
struct gntbuf_pv_mapping {
	refcount_t users;
	struct gntbuf_buffer *buf;
	struct mmu_interval_notifier notifier;
	struct mutex lock;
	unsigned long start;
	pgoff_t pgoff;
	unsigned long npages;
	u32 flags;
	u64 *ptes;
	grant_handle_t *handles;
};

struct gntbuf_pte_walk {
	unsigned long base;
	u64 *ptes;
};

static int gntbuf_collect_pte(pte_t *pte, unsigned long addr, void *data)
{
	struct gntbuf_pte_walk *walk = data;

	walk->ptes[(addr - walk->base) >> PAGE_SHIFT] =
		arbitrary_virt_to_machine(pte).maddr;
	return 0;
}

/*
 * The machine addresses of the PTEs of @n kernel pages from @vaddr, which
 * vmap() has just filled (init_mm is not exported: walk with
 * lookup_address()).
 */
static int gntbuf_kernel_ptes(void *vaddr, unsigned int n, u64 *ptes)
{
	unsigned long addr = (unsigned long)vaddr;
	unsigned int i, level;
	pte_t *pte;

	for (i = 0; i < n; i++, addr += PAGE_SIZE) {
		pte = lookup_address(addr, &level);
		if (!pte || level != PG_LEVEL_4K)
			return -EFAULT;
		ptes[i] = arbitrary_virt_to_machine(pte).maddr;
	}
	return 0;
}

/*
 * Unmap a batch of @k operations.  When the hypercall itself fails, no
 * status can be trusted: retry each operation alone, so that one bad
 * operation does not leave the others' grants mapped.
 */
static void gntbuf_pv_unmap_batch(struct gnttab_unmap_grant_ref *ops,
				  unsigned int k)
{
	unsigned int j;

	if (!HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, ops, k))
		return;
	for (j = 0; j < k; j++)
		if (HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref,
					      &ops[j], 1))
			ops[j].status = GNTST_general_error;
}

/*
 * Unmap the grants of @n PTEs whose handle is valid; clear the handles of
 * those unmapped.  Return: the number of grants that stay mapped.
 */
static unsigned long gntbuf_pv_unmap_ptes(const u64 *ptes,
					  grant_handle_t *handles,
					  unsigned long n, u32 flags)
{
	struct gnttab_unmap_grant_ref ops[GNTBUF_UNMAP_BATCH];
	unsigned long idx[GNTBUF_UNMAP_BATCH];
	unsigned long i = 0, stuck = 0;
	unsigned int k, j;

	while (i < n) {
		for (k = 0; i < n && k < GNTBUF_UNMAP_BATCH; i++) {
			if (handles[i] == INVALID_GRANT_HANDLE)
				continue;
			gnttab_set_unmap_op(&ops[k], ptes[i],
					    flags | GNTMAP_contains_pte,
					    handles[i]);
			idx[k++] = i;
		}
		if (!k)
			break;
		gntbuf_pv_unmap_batch(ops, k);
		for (j = 0; j < k; j++) {
			if (ops[j].status == GNTST_okay) {
				handles[idx[j]] = INVALID_GRANT_HANDLE;
				continue;
			}
			stuck++;
			pr_err("unmap of a grant PTE: status %d\n",
			       ops[j].status);
		}
	}
	return stuck;
}

/*
 * Map the grants of pages [@first, @first + @n) of @buf onto @ptes, with
 * @ops (room for @n operations) allocated by the caller: no allocation
 * here, as the mmap path calls this with a lock that the MMU notifier
 * takes too.  On error every grant this call mapped is unmapped again.
 */
static int gntbuf_pv_map_ptes(struct gntbuf_buffer *buf, pgoff_t first,
			      unsigned long n, const u64 *ptes,
			      grant_handle_t *handles, u32 flags,
			      struct gnttab_map_grant_ref *ops)
{
	unsigned long i;
	int err = 0;

	for (i = 0; i < n; i++)
		gnttab_set_map_op(&ops[i], ptes[i],
				  flags | GNTMAP_contains_pte,
				  buf->refs[first + i], buf->domid);

	gnttab_batch_map(ops, n);

	for (i = 0; i < n; i++) {
		if (ops[i].status == GNTST_okay) {
			handles[i] = ops[i].handle;
		} else {
			handles[i] = INVALID_GRANT_HANDLE;
			if (!err)
				err = gntbuf_status_to_errno(ops[i].status);
		}
	}

	if (err)
		gntbuf_pv_unmap_ptes(ptes, handles, n, flags);
	return err;
}

static u32 gntbuf_pv_kernel_flags(struct gntbuf_buffer *buf)
{
	return GNTMAP_host_map | (buf->readonly ? GNTMAP_readonly : 0);
}

/**
 * gntbuf_pv_vmap() - a contiguous kernel mapping of a PV foreign buffer
 * @buf: the buffer, with @buf->lock held
 *
 * Return: the address, or an ERR_PTR().
 */
void *gntbuf_pv_vmap(struct gntbuf_buffer *buf)
{
	struct gnttab_map_grant_ref *ops;
	struct page **placeholders;
	unsigned int i;
	void *vaddr;
	int ret;

	placeholders = kvmalloc_array(buf->count, sizeof(*placeholders),
				      GFP_KERNEL);
	if (!placeholders)
		return ERR_PTR(-ENOMEM);
	for (i = 0; i < buf->count; i++)
		placeholders[i] = gntbuf_placeholder;
	vaddr = vmap(placeholders, buf->count, VM_MAP, PAGE_NONE);
	kvfree(placeholders);
	if (!vaddr)
		return ERR_PTR(-ENOMEM);

	buf->vmap_ptes = kvmalloc_array(buf->count, sizeof(*buf->vmap_ptes),
					GFP_KERNEL);
	buf->vmap_handles = kvmalloc_array(buf->count,
					   sizeof(*buf->vmap_handles),
					   GFP_KERNEL);
	if (!buf->vmap_ptes || !buf->vmap_handles) {
		ret = -ENOMEM;
		goto fail_free_arrays;
	}

	ret = gntbuf_kernel_ptes(vaddr, buf->count, buf->vmap_ptes);
	if (ret)
		goto fail_free_arrays;

	ops = kvcalloc(buf->count, sizeof(*ops), GFP_KERNEL);
	if (!ops) {
		ret = -ENOMEM;
		goto fail_free_arrays;
	}
	ret = gntbuf_pv_map_ptes(buf, 0, buf->count, buf->vmap_ptes,
				 buf->vmap_handles,
				 gntbuf_pv_kernel_flags(buf), ops);
	kvfree(ops);
	if (ret)
		goto fail_free_arrays;
	return vaddr;

fail_free_arrays:
	kvfree(buf->vmap_handles);
	kvfree(buf->vmap_ptes);
	buf->vmap_handles = NULL;
	buf->vmap_ptes = NULL;
	vunmap(vaddr);
	return ERR_PTR(ret);
}

/**
 * gntbuf_pv_vunmap() - undo gntbuf_pv_vmap()
 * @buf: the buffer, with @buf->lock held and @buf->vaddr set
 */
void gntbuf_pv_vunmap(struct gntbuf_buffer *buf)
{
	if (gntbuf_pv_unmap_ptes(buf->vmap_ptes, buf->vmap_handles,
				 buf->count, gntbuf_pv_kernel_flags(buf))) {
		/* vunmap() would clear PTEs Xen still counts as grants. */
		pr_err("buffer %llu: vmap stays mapped, leaked\n", buf->id);
		return;
	}
	vunmap(buf->vaddr);
	kvfree(buf->vmap_handles);
	kvfree(buf->vmap_ptes);
	buf->vmap_handles = NULL;
	buf->vmap_ptes = NULL;
}

static void gntbuf_pv_mapping_free(struct gntbuf_pv_mapping *m)
{
	atomic_dec(&m->buf->pv_mmaps);
	gntbuf_uncharge_total(m->npages);
	kvfree(m->handles);
	kvfree(m->ptes);
	mutex_destroy(&m->lock);
	kfree(m);
}

static bool gntbuf_pv_invalidate(struct mmu_interval_notifier *mn,
				 const struct mmu_notifier_range *range,
				 unsigned long cur_seq)
{
	struct gntbuf_pv_mapping *m = container_of(mn, struct gntbuf_pv_mapping,
						   notifier);
	unsigned long end = m->start + (m->npages << PAGE_SHIFT);
	unsigned long first, last;

	if (!mmu_notifier_range_blockable(range))
		return false;

	mutex_lock(&m->lock);
	mmu_interval_set_seq(mn, cur_seq);
	first = max(range->start, m->start);
	last = min(range->end, end);
	if (first < last) {
		first = (first - m->start) >> PAGE_SHIFT;
		last = DIV_ROUND_UP(last - m->start, PAGE_SIZE);
		gntbuf_pv_unmap_ptes(m->ptes + first, m->handles + first,
				     last - first, m->flags);
	}
	mutex_unlock(&m->lock);
	return true;
}

static const struct mmu_interval_notifier_ops gntbuf_pv_mn_ops = {
	.invalidate = gntbuf_pv_invalidate,
};

static void gntbuf_pv_vm_open(struct vm_area_struct *vma)
{
	struct gntbuf_pv_mapping *m = vma->vm_private_data;

	refcount_inc(&m->users);
}

static void gntbuf_pv_vm_close(struct vm_area_struct *vma)
{
	struct gntbuf_pv_mapping *m = vma->vm_private_data;

	unsigned long stuck;

	if (!refcount_dec_and_test(&m->users))
		return;
	/* The notifier has unmapped everything the mm zapped. */
	mmu_interval_notifier_remove(&m->notifier);
	mutex_lock(&m->lock);
	stuck = gntbuf_pv_unmap_ptes(m->ptes, m->handles, m->npages,
				     m->flags);
	mutex_unlock(&m->lock);
	if (stuck) {
		/* Keep the handles: the grants are still Xen's to account. */
		pr_err("buffer %llu: %lu user grant mappings stay, leaked\n",
		       m->buf->id, stuck);
		return;
	}
	gntbuf_pv_mapping_free(m);
}

static int gntbuf_pv_vm_mprotect(struct vm_area_struct *vma,
				 unsigned long start, unsigned long end,
				 unsigned long newflags)
{
	/* Xen made these PTEs; only a grant operation may change them. */
	return -EACCES;
}

static struct page *gntbuf_pv_find_special_page(struct vm_area_struct *vma,
						unsigned long addr)
{
	struct gntbuf_pv_mapping *m = vma->vm_private_data;

	return m->buf->pages[m->pgoff + ((addr - m->start) >> PAGE_SHIFT)];
}

static const struct vm_operations_struct gntbuf_pv_vm_ops = {
	.open = gntbuf_pv_vm_open,
	.close = gntbuf_pv_vm_close,
	.mprotect = gntbuf_pv_vm_mprotect,
	.find_special_page = gntbuf_pv_find_special_page,
};

/**
 * gntbuf_pv_mmap() - map a PV foreign buffer into userspace
 * @buf: the buffer
 * @vma: the new vma, its offset and size already checked
 *
 * Return: 0 or a negative errno; on error nothing stays mapped.
 */
int gntbuf_pv_mmap(struct gntbuf_buffer *buf, struct vm_area_struct *vma)
{
	unsigned long size = vma->vm_end - vma->vm_start;
	struct gnttab_map_grant_ref *ops;
	struct gntbuf_pv_mapping *m;
	struct gntbuf_pte_walk walk;
	int ret;

	/* Without it the grant PTEs could not be marked special. */
	if (!xen_feature(XENFEAT_gnttab_map_avail_bits))
		return -EOPNOTSUPP;

	/*
	 * Each mapping takes one entry per page in this domain's maptrack,
	 * which blkback and netback share: bounded per buffer, and charged
	 * to the module-wide page limit while it lasts.
	 */
	if (atomic_inc_return(&buf->pv_mmaps) >
	    gntbuf_max_mmaps_per_buffer()) {
		atomic_dec(&buf->pv_mmaps);
		return -ENOSPC;
	}
	ret = gntbuf_charge_total(vma_pages(vma));
	if (ret) {
		atomic_dec(&buf->pv_mmaps);
		return ret;
	}

	m = kzalloc(sizeof(*m), GFP_KERNEL_ACCOUNT);
	if (!m) {
		gntbuf_uncharge_total(vma_pages(vma));
		atomic_dec(&buf->pv_mmaps);
		return -ENOMEM;
	}
	m->buf = buf;
	m->npages = vma_pages(vma);
	m->ptes = kvmalloc_array(m->npages, sizeof(*m->ptes),
				 GFP_KERNEL_ACCOUNT);
	m->handles = kvmalloc_array(m->npages, sizeof(*m->handles),
				    GFP_KERNEL_ACCOUNT);
	if (!m->ptes || !m->handles) {
		ret = -ENOMEM;
		goto fail_free_mapping;
	}
	memset(m->handles, 0xff, m->npages * sizeof(*m->handles));
	refcount_set(&m->users, 1);
	mutex_init(&m->lock);
	m->start = vma->vm_start;
	m->pgoff = vma->vm_pgoff;
	m->flags = GNTMAP_host_map | GNTMAP_application_map |
		   (1 << _GNTMAP_guest_avail0);
	if (!(vma->vm_flags & VM_WRITE)) {
		m->flags |= GNTMAP_readonly;
		vma->vm_flags &= ~VM_MAYWRITE;
	}

	ret = mmu_interval_notifier_insert_locked(&m->notifier, vma->vm_mm,
						  vma->vm_start, size,
						  &gntbuf_pv_mn_ops);
	if (ret == -EINTR) {
		/*
		 * The process's first notifier takes all its mm's locks and
		 * gives up when a signal is pending (mm_take_all_locks()).
		 * Nothing is mapped yet, and mmap(2) has no EINTR: restart
		 * the call once the signal is handled.
		 */
		ret = -ERESTARTNOINTR;
	}
	if (ret)
		goto fail_free_mapping;

	walk.base = vma->vm_start;
	walk.ptes = m->ptes;
	ret = apply_to_page_range(vma->vm_mm, vma->vm_start, size,
				  gntbuf_collect_pte, &walk);
	if (ret)
		goto fail_remove_notifier;

	ops = kvcalloc(m->npages, sizeof(*ops), GFP_KERNEL);
	if (!ops) {
		ret = -ENOMEM;
		goto fail_remove_notifier;
	}
	mutex_lock(&m->lock);
	ret = gntbuf_pv_map_ptes(buf, m->pgoff, m->npages, m->ptes,
				 m->handles, m->flags, ops);
	mutex_unlock(&m->lock);
	kvfree(ops);
	if (ret)
		goto fail_remove_notifier;

	/*
	 * Never copied on fork: VM_IO makes madvise(MADV_DOFORK) fail with
	 * -EINVAL instead of clearing VM_DONTCOPY (dmabuf.c sets it).
	 */
	vma->vm_flags |= VM_DONTCOPY | VM_MIXEDMAP;
	vma->vm_ops = &gntbuf_pv_vm_ops;
	vma->vm_private_data = m;
	return 0;

fail_remove_notifier:
	mmu_interval_notifier_remove(&m->notifier);
fail_free_mapping:
	gntbuf_pv_mapping_free(m);
	return ret;
}

/**
 * gntbuf_pv_init() - set up the PV mapping helpers
 *
 * Return: 0 or -ENOMEM.
 */
int gntbuf_pv_init(void)
{
	if (xen_feature(XENFEAT_auto_translated_physmap))
		return 0;
	gntbuf_placeholder = alloc_page(GFP_KERNEL | __GFP_ZERO);
	return gntbuf_placeholder ? 0 : -ENOMEM;
}

/**
 * gntbuf_pv_exit() - undo gntbuf_pv_init()
 */
void gntbuf_pv_exit(void)
{
	if (gntbuf_placeholder)
		__free_page(gntbuf_placeholder);
	gntbuf_placeholder = NULL;
}
