// SPDX-License-Identifier: GPL-2.0
/*
 * xen-gntbuf: what the module tells about itself: QUERY, STATS and the
 * debugfs files (xen-gntbuf/stats, xen-gntbuf/buffers).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>
#include <xen/features.h>

#include "xen-gntbuf.h"

static struct dentry *gntbuf_debugfs;

/**
 * gntbuf_ioctl_query() - GNTBUF_IOCTL_QUERY
 * @uarg: user pointer to &struct gntbuf_query
 *
 * Return: 0 or a negative errno, as documented in the uapi header.
 */
long gntbuf_ioctl_query(void __user *uarg)
{
	struct gntbuf_query q;

	if (copy_from_user(&q, uarg, sizeof(q)))
		return -EFAULT;
	if (q.flags)
		return -EINVAL;

	q.abi_version = GNTBUF_ABI_VERSION;
	q.features = GNTBUF_FEATURE_EXPORT_REFS | GNTBUF_FEATURE_ALLOC |
		     GNTBUF_FEATURE_IMPORT | GNTBUF_FEATURE_SYNC_RANGE |
		     GNTBUF_FEATURE_SYNC_RANGES | GNTBUF_FEATURE_NO_BOUNCE |
		     GNTBUF_FEATURE_SYNC_ANY_DMABUF | GNTBUF_FEATURE_RELEASE_FD |
		     GNTBUF_FEATURE_SYNC_IMPORT;
	if (xen_feature(XENFEAT_auto_translated_physmap))
		q.features |= GNTBUF_FEATURE_AUTO_TRANSLATED;
	else
		q.features |= GNTBUF_FEATURE_PV_MAPPINGS;
	gntbuf_query_limits(&q);
	q.page_size = GNTBUF_PAGE_SIZE;

	if (copy_to_user(uarg, &q, sizeof(q)))
		return -EFAULT;
	return 0;
}

static void gntbuf_read_stats(struct gntbuf_stats *s)
{
	struct gntbuf_counters *c = &gntbuf_counters;

	s->live_buffers = atomic_read(&c->live_buffers);
	s->mapped_pages = atomic64_read(&c->mapped_pages);
	s->allocated_pages = atomic64_read(&c->allocated_pages);
	s->granted_pages = atomic64_read(&c->granted_pages);
	s->bounce_refusals = atomic64_read(&c->bounce_refusals);
	s->flushed_bytes_full = atomic64_read(&c->flushed_bytes_full);
	s->flushed_bytes_range = atomic64_read(&c->flushed_bytes_range);
	s->pending_release = atomic64_read(&c->pending_release);
}

/**
 * gntbuf_ioctl_stats() - GNTBUF_IOCTL_STATS
 * @uarg: user pointer to &struct gntbuf_stats
 *
 * Return: 0 or a negative errno, as documented in the uapi header.
 */
long gntbuf_ioctl_stats(void __user *uarg)
{
	struct gntbuf_stats s;

	if (copy_from_user(&s, uarg, sizeof(s)))
		return -EFAULT;
	if (s.flags)
		return -EINVAL;
	gntbuf_read_stats(&s);
	if (copy_to_user(uarg, &s, sizeof(s)))
		return -EFAULT;
	return 0;
}

static const char *const gntbuf_kind_names[] = {
	[GNTBUF_KIND_EXPORT] = "export",
	[GNTBUF_KIND_ALLOC] = "alloc",
	[GNTBUF_KIND_IMPORT] = "import",
};

static int stats_show(struct seq_file *m, void *unused)
{
	struct gntbuf_stats s;

	gntbuf_read_stats(&s);
	seq_printf(m, "live_buffers %u\n", s.live_buffers);
	seq_printf(m, "mapped_pages %llu\n", s.mapped_pages);
	seq_printf(m, "allocated_pages %llu\n", s.allocated_pages);
	seq_printf(m, "granted_pages %llu\n", s.granted_pages);
	seq_printf(m, "bounce_refusals %llu\n", s.bounce_refusals);
	seq_printf(m, "flushed_bytes_full %llu\n", s.flushed_bytes_full);
	seq_printf(m, "flushed_bytes_range %llu\n", s.flushed_bytes_range);
	seq_printf(m, "pending_release %llu\n", s.pending_release);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

static int buffers_show(struct seq_file *m, void *unused)
{
	struct gntbuf_buffer *buf;

	seq_puts(m, "id kind domid pages access importers state\n");
	mutex_lock(&gntbuf_list_lock);
	list_for_each_entry(buf, &gntbuf_list, global_node) {
		const char *state = "live";

		if (READ_ONCE(buf->pending))
			state = "pending";
		else if (READ_ONCE(buf->peer_gone))
			state = "peer-gone";
		else if (READ_ONCE(buf->released))
			state = "releasing";
		seq_printf(m, "%llu %s %u %u %s %u %s\n", buf->id,
			   gntbuf_kind_names[buf->kind], buf->domid,
			   buf->count, buf->readonly ? "ro" : "rw",
			   READ_ONCE(buf->nr_attachments), state);
	}
	mutex_unlock(&gntbuf_list_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(buffers);

/**
 * gntbuf_debugfs_init() - create xen-gntbuf/stats and xen-gntbuf/buffers
 */
void gntbuf_debugfs_init(void)
{
	gntbuf_debugfs = debugfs_create_dir("xen-gntbuf", NULL);
	debugfs_create_file("stats", 0400, gntbuf_debugfs, NULL, &stats_fops);
	debugfs_create_file("buffers", 0400, gntbuf_debugfs, NULL,
			    &buffers_fops);
}

/**
 * gntbuf_debugfs_exit() - remove them
 */
void gntbuf_debugfs_exit(void)
{
	debugfs_remove_recursive(gntbuf_debugfs);
}
