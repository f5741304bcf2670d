// SPDX-License-Identifier: GPL-2.0
/*
 * xen-gntbuf: dma-bufs from Xen grant references, and grant references
 * from dma-bufs, with the CPU cache maintenance done by the exporter.
 *
 * This file: the misc device /dev/xen/gntbuf, the ioctl dispatch, the
 * limits, the buffer ids and lookup; QUERY, STATS and debugfs are in
 * info.c.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compat.h>
#include <linux/dma-mapping.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <xen/features.h>
#include <xen/page.h>
#include <xen/xen.h>

#include "xen-gntbuf.h"

/* A hard cap, whatever the parameters say: 4 GiB per buffer. */
#define GNTBUF_HARD_MAX_PAGES	(1U << 20)

/*
 * A fixed misc minor, from the range Documentation/admin-guide/devices.txt
 * reserves for local use (243-254 in 6.1), so that kmod can make
 * /dev/xen/gntbuf at boot and its first open loads the module
 * (MODULE_ALIAS_MISCDEV and the devname alias below).
 */
#define GNTBUF_MISC_MINOR	249

static unsigned int max_pages_per_buffer = 16384;
module_param(max_pages_per_buffer, uint, 0644);
MODULE_PARM_DESC(max_pages_per_buffer,
		 "Largest buffer, in pages (default 16384 = 64 MiB; capped at 1048576)");

static unsigned int max_pages_per_file = 65536;
module_param(max_pages_per_file, uint, 0644);
MODULE_PARM_DESC(max_pages_per_file,
		 "Pages of the live buffers of one open file (default 65536)");

static unsigned int max_pages_total = 131072;
module_param(max_pages_total, uint, 0644);
MODULE_PARM_DESC(max_pages_total,
		 "Pages of all live buffers and of the PV mmaps of foreign buffers (default 131072)");

static unsigned int max_pages_per_domain = 65536;
module_param(max_pages_per_domain, uint, 0644);
MODULE_PARM_DESC(max_pages_per_domain,
		 "Pages of the live buffers shared with one peer domain (default 65536)");

static unsigned int max_mmaps_per_buffer = 16;
module_param(max_mmaps_per_buffer, uint, 0644);
MODULE_PARM_DESC(max_mmaps_per_buffer,
		 "Userspace mappings of one foreign buffer in a PV domain, each mapping every grant again (default 16)");

struct gntbuf_counters gntbuf_counters;
DECLARE_WAIT_QUEUE_HEAD(gntbuf_release_wq);

/*
 * The reclaim work of pending buffers runs here, not on system_wq: module
 * exit destroys it, which waits for a work item still running the last
 * instructions after its buffer left gntbuf_list or after its module_put().
 */
struct workqueue_struct *gntbuf_wq;

/*
 * Protects gntbuf_total_pages, every gntbuf_file.pages and
 * gntbuf_domain_pages[], the pages of the live buffers of each peer.
 */
static DEFINE_SPINLOCK(gntbuf_charge_lock);
static u64 gntbuf_total_pages;
static u32 *gntbuf_domain_pages;

static atomic64_t gntbuf_next_id = ATOMIC64_INIT(0);

/* All buffers not yet done, for debugfs and module exit. */
DEFINE_MUTEX(gntbuf_list_lock);
LIST_HEAD(gntbuf_list);

static unsigned int gntbuf_limit(const unsigned int *param)
{
	return min(READ_ONCE(*param), GNTBUF_HARD_MAX_PAGES);
}

/**
 * gntbuf_check_domid() - validate a domain id from userspace
 * @domid: the id
 *
 * Any real domain id, the caller's own included (self-grants), is valid;
 * the reserved ids (DOMID_SELF, DOMID_IO, ...) are not.
 *
 * Return: 0 or -EINVAL.
 */
int gntbuf_check_domid(u32 domid)
{
	return domid < DOMID_FIRST_RESERVED ? 0 : -EINVAL;
}

/**
 * gntbuf_check_count() - validate a page count from userspace
 * @count: number of pages
 *
 * Return: 0, -EINVAL for 0, -E2BIG above max_pages_per_buffer.
 */
int gntbuf_check_count(u32 count)
{
	if (!count)
		return -EINVAL;
	if (count > gntbuf_limit(&max_pages_per_buffer))
		return -E2BIG;
	/* A 32-bit kernel cannot size a dma-buf of GNTBUF_HARD_MAX_PAGES. */
	if ((u64)count << PAGE_SHIFT > SIZE_MAX)
		return -E2BIG;
	return 0;
}

/**
 * gntbuf_query_limits() - the limits QUERY reports
 * @q: filled: max_pages_per_buffer, max_pages_per_file, max_pages_total
 */
void gntbuf_query_limits(struct gntbuf_query *q)
{
	q->max_pages_per_buffer = gntbuf_limit(&max_pages_per_buffer);
	q->max_pages_per_file = gntbuf_limit(&max_pages_per_file);
	q->max_pages_total = READ_ONCE(max_pages_total);
}

/**
 * gntbuf_max_mmaps_per_buffer() - the limit on a PV foreign buffer's mmaps
 *
 * Return: max_mmaps_per_buffer, as it reads now.
 */
unsigned int gntbuf_max_mmaps_per_buffer(void)
{
	return READ_ONCE(max_mmaps_per_buffer);
}

/**
 * gntbuf_status_to_errno() - turn a GNTST_* status into an errno
 * @status: the status of one grant operation
 *
 * Return: 0 for GNTST_okay, else the negative errno documented in the
 * uapi header.
 */
int gntbuf_status_to_errno(int status)
{
	switch (status) {
	case GNTST_okay:
		return 0;
	case GNTST_bad_domain:
		return -ESRCH;
	case GNTST_bad_gntref:
		return -EINVAL;
	case GNTST_permission_denied:
		return -EPERM;
	case GNTST_no_device_space:
	case GNTST_no_space:
		return -ENOMEM;
	case GNTST_eagain:
		return -EAGAIN;
	case GNTST_general_error:
		/* Xen's answer for an entry that does not grant us access. */
		return -EACCES;
	default:
		return -EIO;
	}
}

static int gntbuf_charge(struct gntbuf_file *file, domid_t domid, u32 count)
{
	int ret = 0;

	spin_lock(&gntbuf_charge_lock);
	if (file->pages + count > gntbuf_limit(&max_pages_per_file) ||
	    (u64)gntbuf_domain_pages[domid] + count >
	    gntbuf_limit(&max_pages_per_domain) ||
	    gntbuf_total_pages + count > READ_ONCE(max_pages_total)) {
		ret = -ENOSPC;
	} else {
		file->pages += count;
		gntbuf_domain_pages[domid] += count;
		gntbuf_total_pages += count;
	}
	spin_unlock(&gntbuf_charge_lock);
	return ret;
}

static void gntbuf_uncharge(struct gntbuf_file *file, domid_t domid,
			    u32 count)
{
	spin_lock(&gntbuf_charge_lock);
	file->pages -= count;
	gntbuf_domain_pages[domid] -= count;
	gntbuf_total_pages -= count;
	spin_unlock(&gntbuf_charge_lock);
}

/**
 * gntbuf_charge_total() - charge pages to the module-wide limit only
 * @count: pages, e.g. those a PV mmap maps again
 *
 * Return: 0, or -ENOSPC when max_pages_total would be passed.
 */
int gntbuf_charge_total(u32 count)
{
	int ret = 0;

	spin_lock(&gntbuf_charge_lock);
	if (gntbuf_total_pages + count > READ_ONCE(max_pages_total))
		ret = -ENOSPC;
	else
		gntbuf_total_pages += count;
	spin_unlock(&gntbuf_charge_lock);
	return ret;
}

/**
 * gntbuf_uncharge_total() - undo gntbuf_charge_total()
 * @count: pages
 */
void gntbuf_uncharge_total(u32 count)
{
	spin_lock(&gntbuf_charge_lock);
	gntbuf_total_pages -= count;
	spin_unlock(&gntbuf_charge_lock);
}

/*
 * The arrays of a buffer whose grants are all let go: nothing reads them
 * any more, while the buffer itself may stay in its file's id table until
 * WAIT_RELEASED or the close of the file.
 */
static void gntbuf_buffer_free_arrays(struct gntbuf_buffer *buf)
{
	kvfree(buf->pages);
	kvfree(buf->refs);
	kvfree(buf->handles);
	buf->pages = NULL;
	buf->refs = NULL;
	buf->handles = NULL;
}

static void gntbuf_file_free(struct kref *kref)
{
	kfree(container_of(kref, struct gntbuf_file, kref));
}

static void gntbuf_buffer_free(struct kref *kref)
{
	struct gntbuf_buffer *buf = container_of(kref, struct gntbuf_buffer,
						 kref);

	gntbuf_buffer_free_arrays(buf);
	mutex_destroy(&buf->lock);
	kref_put(&buf->owner->kref, gntbuf_file_free);
	kfree(buf);
}

/**
 * gntbuf_buffer_put() - drop a reference to a buffer
 * @buf: the buffer
 */
void gntbuf_buffer_put(struct gntbuf_buffer *buf)
{
	kref_put(&buf->kref, gntbuf_buffer_free);
}

/**
 * gntbuf_buffer_create() - a new buffer, charged to a file
 * @file: the creating file
 * @kind: what the buffer is
 * @domid: the peer, already validated
 * @count: number of pages, already validated
 * @readonly: mapped or granted read-only
 *
 * The buffer gets its id, its arrays (with no grant or mapping held) and
 * one reference for its life, which gntbuf_buffer_done() drops.
 *
 * Return: the buffer, or ERR_PTR(-ENOMEM or -ENOSPC).
 */
struct gntbuf_buffer *gntbuf_buffer_create(struct gntbuf_file *file,
					   enum gntbuf_kind kind, u32 domid,
					   u32 count, bool readonly)
{
	struct gntbuf_buffer *buf;
	int ret;

	/* Charged to the caller's memory cgroup, like the pages (ALLOC). */
	buf = kzalloc(sizeof(*buf), GFP_KERNEL_ACCOUNT);
	if (!buf)
		return ERR_PTR(-ENOMEM);

	ret = -ENOMEM;
	buf->refs = kvmalloc_array(count, sizeof(*buf->refs),
				   GFP_KERNEL_ACCOUNT);
	if (!buf->refs)
		goto fail_free_arrays;
	memset(buf->refs, 0xff, count * sizeof(*buf->refs));

	if (kind != GNTBUF_KIND_IMPORT) {
		buf->pages = kvcalloc(count, sizeof(*buf->pages),
				      GFP_KERNEL_ACCOUNT);
		if (!buf->pages)
			goto fail_free_arrays;
	}
	if (kind == GNTBUF_KIND_EXPORT) {
		buf->handles = kvmalloc_array(count, sizeof(*buf->handles),
					      GFP_KERNEL_ACCOUNT);
		if (!buf->handles)
			goto fail_free_arrays;
		memset(buf->handles, 0xff, count * sizeof(*buf->handles));
	}

	ret = gntbuf_charge(file, domid, count);
	if (ret)
		goto fail_free_arrays;

	kref_init(&buf->kref);
	buf->id = atomic64_inc_return(&gntbuf_next_id);
	buf->kind = kind;
	buf->domid = domid;
	buf->count = count;
	buf->readonly = readonly;
	buf->pv_foreign = kind == GNTBUF_KIND_EXPORT &&
			  !xen_feature(XENFEAT_auto_translated_physmap);
	kref_get(&file->kref);
	buf->owner = file;
	mutex_init(&buf->lock);
	INIT_LIST_HEAD(&buf->attachments);
	init_waitqueue_head(&buf->release_wq);
	INIT_DELAYED_WORK(&buf->reclaim, gntbuf_reclaim_work);

	atomic_inc(&gntbuf_counters.live_buffers);
	mutex_lock(&gntbuf_list_lock);
	list_add_tail(&buf->global_node, &gntbuf_list);
	mutex_unlock(&gntbuf_list_lock);
	return buf;

fail_free_arrays:
	gntbuf_buffer_free_arrays(buf);
	kfree(buf);
	return ERR_PTR(ret);
}

/**
 * gntbuf_buffer_done() - every grant of a buffer is let go
 * @buf: the buffer, whose pages and grants are all released
 *
 * Frees the per-page arrays, uncharges the buffer, wakes WAIT_RELEASED and
 * the pollers of its RELEASE_FD files, and drops the life reference.  What
 * stays until WAIT_RELEASED or the close of the file (or of the last
 * RELEASE_FD file) is the buffer's small structure, for its id.
 */
void gntbuf_buffer_done(struct gntbuf_buffer *buf)
{
	mutex_lock(&buf->lock);
	if (buf->pending) {
		buf->pending = false;
		atomic64_dec(&gntbuf_counters.pending_release);
	}
	WRITE_ONCE(buf->done, true);
	gntbuf_buffer_free_arrays(buf);
	mutex_unlock(&buf->lock);

	gntbuf_uncharge(buf->owner, buf->domid, buf->count);
	atomic_dec(&gntbuf_counters.live_buffers);

	mutex_lock(&gntbuf_list_lock);
	list_del(&buf->global_node);
	mutex_unlock(&gntbuf_list_lock);

	wake_up_all(&gntbuf_release_wq);
	wake_up_all(&buf->release_wq);
	gntbuf_buffer_put(buf);
}

/**
 * gntbuf_copy_refs_to_user() - give userspace the grant references of a buffer
 * @buf: an ALLOC or IMPORT buffer whose @refs are all granted
 * @refs_ptr: user pointer to room for @buf->count references (__u32 each)
 *
 * Return: 0 or -EFAULT.
 */
int gntbuf_copy_refs_to_user(struct gntbuf_buffer *buf, u64 refs_ptr)
{
	if (copy_to_user(u64_to_user_ptr(refs_ptr), buf->refs,
			 array_size(buf->count, sizeof(*buf->refs))))
		return -EFAULT;
	return 0;
}

/**
 * gntbuf_file_add() - let a file find a buffer by its id
 * @file: the file
 * @buf: the buffer; the table takes a reference of its own
 */
void gntbuf_file_add(struct gntbuf_file *file, struct gntbuf_buffer *buf)
{
	kref_get(&buf->kref);
	mutex_lock(&file->lock);
	hash_add(file->ids, &buf->file_node, buf->id);
	buf->in_table = true;
	mutex_unlock(&file->lock);
}

/**
 * gntbuf_file_lookup() - find a buffer of a file by id
 * @file: the file
 * @id: the id
 *
 * Return: the buffer with a reference the caller drops with
 * gntbuf_buffer_put(), or NULL if @file does not remember @id.
 */
struct gntbuf_buffer *gntbuf_file_lookup(struct gntbuf_file *file, u64 id)
{
	struct gntbuf_buffer *buf;

	mutex_lock(&file->lock);
	hash_for_each_possible(file->ids, buf, file_node, id) {
		if (buf->id == id) {
			kref_get(&buf->kref);
			mutex_unlock(&file->lock);
			return buf;
		}
	}
	mutex_unlock(&file->lock);
	return NULL;
}

/**
 * gntbuf_file_forget() - drop a buffer from a file's table
 * @file: the file
 * @buf: the buffer; the table's reference is dropped
 */
void gntbuf_file_forget(struct gntbuf_file *file, struct gntbuf_buffer *buf)
{
	bool was_in;

	mutex_lock(&file->lock);
	was_in = buf->in_table;
	if (was_in) {
		hash_del(&buf->file_node);
		buf->in_table = false;
	}
	mutex_unlock(&file->lock);
	if (was_in)
		gntbuf_buffer_put(buf);
}

/**
 * gntbuf_install_fd() - give a new dma-buf to userspace
 * @buf: the buffer, with its dma-buf exported
 * @uarg: the ioctl argument to write @reply to
 * @reply: the ioctl argument, whose @fd_field and buffer id are filled here
 * @size: size of @reply
 * @fd_field: the fd field inside @reply
 *
 * The fd (O_CLOEXEC) is installed only once @reply reached userspace, so a
 * fault leaves no fd behind. On success the fd owns the dma-buf's file
 * reference and the buffer is in its file's table.
 *
 * Return: 0, or a negative errno; on error the caller still owns the
 * dma-buf reference.
 */
int gntbuf_install_fd(struct gntbuf_buffer *buf, void __user *uarg,
		      const void *reply, size_t size, s32 *fd_field)
{
	int fd;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;
	*fd_field = fd;
	if (copy_to_user(uarg, reply, size)) {
		put_unused_fd(fd);
		return -EFAULT;
	}
	gntbuf_file_add(buf->owner, buf);
	fd_install(fd, buf->dmabuf->file);
	return 0;
}

/*
 * WAIT_RELEASED.  On a signal, ABI 2's number writes the time left back
 * into @timeout_ms and asks for a restart (-ERESTARTSYS), so that a
 * restarted call waits no longer than the first would have, as select()
 * does; ABI 1's number (GNTBUF_IOCTL_WAIT_RELEASED_V1, in only) returns
 * -EINTR.
 */
static long gntbuf_ioctl_wait_released(struct gntbuf_file *file,
				       void __user *uarg, bool restart)
{
	struct gntbuf_wait_released w;
	struct gntbuf_buffer *buf;
	unsigned long deadline;
	long ret;

	if (copy_from_user(&w, uarg, sizeof(w)))
		return -EFAULT;
	if (w.pad)
		return -EINVAL;

	buf = gntbuf_file_lookup(file, w.buffer_id);
	if (!buf)
		return -ENOENT;

	deadline = jiffies + msecs_to_jiffies(w.timeout_ms);
	if (!w.timeout_ms)
		ret = READ_ONCE(buf->done);
	else
		ret = wait_event_interruptible_timeout(gntbuf_release_wq,
						       READ_ONCE(buf->done),
						       msecs_to_jiffies(w.timeout_ms));
	if (ret < 0 && restart) {
		/*
		 * The time left: at least 1 ms, so that a restart cannot turn
		 * into a poll before the deadline, and never more than was
		 * asked (jiffies round the milliseconds up).
		 */
		long left = (long)(deadline - jiffies);
		u32 ms = left > 0 ? jiffies_to_msecs(left) : 1;

		w.timeout_ms = clamp_t(u32, ms, 1, w.timeout_ms);
		ret = -ERESTARTSYS;
		if (copy_to_user(uarg, &w, sizeof(w)))
			ret = -EFAULT;
	} else if (ret < 0) {
		ret = -EINTR;
	} else if (!ret) {
		ret = -ETIMEDOUT;
	} else {
		gntbuf_file_forget(file, buf);
		ret = 0;
	}
	gntbuf_buffer_put(buf);
	return ret;
}

static long gntbuf_ioctl(struct file *filp, unsigned int cmd,
			 unsigned long arg)
{
	struct gntbuf_file *file = filp->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case GNTBUF_IOCTL_QUERY:
		return gntbuf_ioctl_query(uarg);
	case GNTBUF_IOCTL_EXPORT_REFS:
		return gntbuf_ioctl_export_refs(file, uarg);
	case GNTBUF_IOCTL_WAIT_RELEASED:
		return gntbuf_ioctl_wait_released(file, uarg, true);
	case GNTBUF_IOCTL_WAIT_RELEASED_V1:
		return gntbuf_ioctl_wait_released(file, uarg, false);
	case GNTBUF_IOCTL_ALLOC:
		return gntbuf_ioctl_alloc(file, uarg);
	case GNTBUF_IOCTL_IMPORT:
		return gntbuf_ioctl_import(file, uarg);
	case GNTBUF_IOCTL_IMPORT_RELEASE:
		return gntbuf_ioctl_import_release(file, uarg);
	case GNTBUF_IOCTL_SYNC_RANGE:
		return gntbuf_ioctl_sync_range(file, uarg);
	case GNTBUF_IOCTL_SYNC_RANGES:
		return gntbuf_ioctl_sync_ranges(file, uarg);
	case GNTBUF_IOCTL_STATS:
		return gntbuf_ioctl_stats(uarg);
	case GNTBUF_IOCTL_RELEASE_FD:
		return gntbuf_ioctl_release_fd(file, uarg);
	default:
		return -ENOTTY;
	}
}

static int gntbuf_open(struct inode *inode, struct file *filp)
{
	struct gntbuf_file *file;

	file = kzalloc(sizeof(*file), GFP_KERNEL);
	if (!file)
		return -ENOMEM;
	kref_init(&file->kref);
	mutex_init(&file->lock);
	hash_init(file->ids);
	filp->private_data = file;
	return 0;
}

/*
 * Closing the file forgets its buffer ids and ends its imports.  Exported
 * and allocated buffers live on as long as their dma-bufs do.
 */
static int gntbuf_release(struct inode *inode, struct file *filp)
{
	struct gntbuf_file *file = filp->private_data;
	struct gntbuf_buffer *buf;
	struct hlist_node *tmp;
	int bkt;

	hash_for_each_safe(file->ids, bkt, tmp, buf, file_node) {
		hash_del(&buf->file_node);
		buf->in_table = false;
		if (buf->kind == GNTBUF_KIND_IMPORT)
			gntbuf_import_release(buf);
		gntbuf_buffer_put(buf);
	}
	kref_put(&file->kref, gntbuf_file_free);
	return 0;
}

static const struct file_operations gntbuf_fops = {
	.owner = THIS_MODULE,
	.open = gntbuf_open,
	.release = gntbuf_release,
	.unlocked_ioctl = gntbuf_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice gntbuf_misc = {
	.minor = GNTBUF_MISC_MINOR,
	.name = "xen/gntbuf",
	.fops = &gntbuf_fops,
	.mode = 0600,
};

static int __init gntbuf_init(void)
{
	int ret;

	if (!xen_domain())
		return -ENODEV;
	if (PAGE_SIZE != XEN_PAGE_SIZE) {
		pr_err("needs PAGE_SIZE == XEN_PAGE_SIZE\n");
		return -ENODEV;
	}

	gntbuf_domain_pages = kvcalloc(DOMID_FIRST_RESERVED,
				       sizeof(*gntbuf_domain_pages),
				       GFP_KERNEL);
	if (!gntbuf_domain_pages)
		return -ENOMEM;

	gntbuf_wq = alloc_workqueue("xen-gntbuf", 0, 0);
	if (!gntbuf_wq) {
		ret = -ENOMEM;
		goto fail_free_domains;
	}

	ret = gntbuf_pv_init();
	if (ret)
		goto fail_destroy_wq;

	ret = gntbuf_import_init();
	if (ret)
		goto fail_pv_exit;

	ret = gntbuf_cache_dev_init();
	if (ret)
		goto fail_import_exit;

	gntbuf_debugfs_init();
	gntbuf_peer_init();

	/* Last: from here an open can create buffers. */
	ret = misc_register(&gntbuf_misc);
	if (ret)
		goto fail_peer_exit;
	return 0;

fail_peer_exit:
	gntbuf_peer_exit();
	gntbuf_debugfs_exit();
	gntbuf_cache_dev_exit();
fail_import_exit:
	gntbuf_import_exit();
fail_pv_exit:
	gntbuf_pv_exit();
fail_destroy_wq:
	destroy_workqueue(gntbuf_wq);
fail_free_domains:
	kvfree(gntbuf_domain_pages);
	return ret;
}

/*
 * No dma-buf and no open file is left (each holds the module), and no
 * import is pending (those hold it too).  Allocated buffers whose pages a
 * peer still maps are handed to the grant table core, which frees each
 * page when the peer unmaps it.
 */
static void __exit gntbuf_exit(void)
{
	struct gntbuf_buffer *buf;

	/* First: from here no open can reach a buffer. */
	misc_deregister(&gntbuf_misc);
	gntbuf_debugfs_exit();
	gntbuf_peer_exit();

	for (;;) {
		mutex_lock(&gntbuf_list_lock);
		buf = list_first_entry_or_null(&gntbuf_list,
					       struct gntbuf_buffer,
					       global_node);
		if (buf)
			kref_get(&buf->kref);
		mutex_unlock(&gntbuf_list_lock);
		if (!buf)
			break;
		/* The work may finish the buffer meanwhile: hence the ref. */
		cancel_delayed_work_sync(&buf->reclaim);
		if (READ_ONCE(buf->done)) {
			gntbuf_buffer_put(buf);
			continue;
		}
		if (WARN_ON(buf->kind != GNTBUF_KIND_ALLOC)) {
			/* Not reachable; leak rather than free mapped pages. */
			mutex_lock(&gntbuf_list_lock);
			list_del(&buf->global_node);
			mutex_unlock(&gntbuf_list_lock);
			continue;
		}
		gntbuf_alloc_handover(buf);
		gntbuf_buffer_put(buf);
	}
	/* Waits for a work item that finished a buffer and still runs. */
	destroy_workqueue(gntbuf_wq);
	gntbuf_cache_dev_exit();
	gntbuf_import_exit();
	gntbuf_pv_exit();
	kvfree(gntbuf_domain_pages);
}

module_init(gntbuf_init);
module_exit(gntbuf_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("dma-bufs from Xen grant references and back, with cache maintenance");
MODULE_IMPORT_NS(DMA_BUF);
MODULE_ALIAS_MISCDEV(GNTBUF_MISC_MINOR);
MODULE_ALIAS("devname:xen/gntbuf");
