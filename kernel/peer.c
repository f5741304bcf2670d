// SPDX-License-Identifier: GPL-2.0
/*
 * xen-gntbuf: the grants of a peer domain that died.
 *
 * When a domain dies, Xen drops every mapping it had of our grants, but the
 * grants stay valid in our grant table: a domain created later with the
 * same id could map the pages of a buffer that is still alive here.  So on
 * each @releaseDomain event, and a few times after it (a destroyed domain
 * is first "dying" in Xen, then gone), the module looks at its live ALLOC
 * and IMPORT buffers and ends the grants of those whose peer is gone.  The
 * buffers stay usable here; their pages are freed (ALLOC) or given back
 * (IMPORT) when userspace lets them go, as for any ended grant.
 *
 * A peer is gone when Xen no longer knows its id (GNTTABOP_query_size
 * answers GNTST_bad_domain) or the toolstack removed its xenstore home
 * (/local/domain/<domid>, removed by libxl's destroy while the domain may
 * still be dying).  Only a domain allowed to ask Xen about other domains
 * (the control domain) decides this way; elsewhere (a driver domain, a
 * domU) nothing is ever guessed and grants stay until userspace ends them.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/notifier.h>
#include <xen/xenbus.h>
#include <asm/xen/hypercall.h>

#include "xen-gntbuf.h"

/* Distinct peers looked at per scan; more wait for the next scan. */
#define GNTBUF_PEER_SCAN_MAX	64
/* Scans after an event: 100 ms doubling, about 25 s in all. */
#define GNTBUF_PEER_RESCANS	8

static void gntbuf_peer_scan(struct work_struct *work);
static DECLARE_DELAYED_WORK(gntbuf_peer_work, gntbuf_peer_scan);
static atomic_t gntbuf_peer_rescans = ATOMIC_INIT(0);
static bool gntbuf_watching;

/* True when @domid is gone; false when it lives or cannot be known. */
static bool gntbuf_domain_gone(domid_t domid)
{
	struct gnttab_query_size q = { .dom = domid };
	char path[32];

	if (HYPERVISOR_grant_table_op(GNTTABOP_query_size, &q, 1))
		return false;
	if (q.status == GNTST_bad_domain)
		return true;
	if (q.status != GNTST_okay)
		return false;	/* not allowed to ask: never guess */
	snprintf(path, sizeof(path), "/local/domain/%u", domid);
	return !xenbus_exists(XBT_NIL, path, "");
}

/* A buffer whose grants a gone peer could otherwise keep. */
static bool gntbuf_peer_candidate(struct gntbuf_buffer *buf)
{
	return buf->kind != GNTBUF_KIND_EXPORT && READ_ONCE(buf->shared) &&
	       !READ_ONCE(buf->released) && !READ_ONCE(buf->peer_gone);
}

/*
 * End every grant of @buf, whose peer is gone, keeping its pages; with
 * @buf->lock held.  Return: the number of grants still mapped (a dying
 * peer's mappings go a little after it is destroyed).
 */
static unsigned int gntbuf_revoke_grants(struct gntbuf_buffer *buf)
{
	unsigned int busy = gntbuf_end_grants(buf, true);

	if (!busy) {
		WRITE_ONCE(buf->peer_gone, true);
		pr_info("buffer %llu: domain %u is gone, its grants are ended\n",
			buf->id, buf->domid);
	}
	return busy;
}

/* The distinct peers of candidate buffers, at most @max: their number. */
static unsigned int gntbuf_peer_list(domid_t *domids, unsigned int max,
				     bool *more)
{
	struct gntbuf_buffer *buf;
	unsigned int n = 0, i;

	*more = false;
	mutex_lock(&gntbuf_list_lock);
	list_for_each_entry(buf, &gntbuf_list, global_node) {
		if (!gntbuf_peer_candidate(buf))
			continue;
		for (i = 0; i < n && domids[i] != buf->domid; i++)
			;
		if (i < n)
			continue;
		if (n == max) {
			*more = true;
			break;
		}
		domids[n++] = buf->domid;
	}
	mutex_unlock(&gntbuf_list_lock);
	return n;
}

static void gntbuf_peer_scan(struct work_struct *work)
{
	domid_t domids[GNTBUF_PEER_SCAN_MAX];
	bool gone[GNTBUF_PEER_SCAN_MAX];
	struct gntbuf_buffer *buf;
	unsigned int n, i, busy = 0;
	bool more, any = false;
	unsigned long delay;
	int left;

	/* Xen and xenstore are asked without gntbuf_list_lock held. */
	n = gntbuf_peer_list(domids, ARRAY_SIZE(domids), &more);
	for (i = 0; i < n; i++) {
		gone[i] = gntbuf_domain_gone(domids[i]);
		any |= gone[i];
	}

	if (any) {
		mutex_lock(&gntbuf_list_lock);
		list_for_each_entry(buf, &gntbuf_list, global_node) {
			for (i = 0; i < n && domids[i] != buf->domid; i++)
				;
			if (i == n || !gone[i])
				continue;
			mutex_lock(&buf->lock);
			if (gntbuf_peer_candidate(buf))
				busy += gntbuf_revoke_grants(buf);
			mutex_unlock(&buf->lock);
		}
		mutex_unlock(&gntbuf_list_lock);
	}

	/* Rescans after an event: 100 ms doubling; then each second while
	 * grants are still mapped or peers were left for the next scan.
	 */
	left = atomic_dec_if_positive(&gntbuf_peer_rescans);
	if (!n)
		return;
	if (left >= 0)
		delay = msecs_to_jiffies(100U << (GNTBUF_PEER_RESCANS - 1 - left));
	else if (busy || more)
		delay = HZ;
	else
		return;
	queue_delayed_work(gntbuf_wq, &gntbuf_peer_work, delay);
}

static void gntbuf_release_domain(struct xenbus_watch *watch,
				  const char *path, const char *token)
{
	atomic_set(&gntbuf_peer_rescans, GNTBUF_PEER_RESCANS);
	mod_delayed_work(gntbuf_wq, &gntbuf_peer_work, 0);
}

static struct xenbus_watch gntbuf_release_watch = {
	.node = "@releaseDomain",
	.callback = gntbuf_release_domain,
};

/* Xenstore may come up after the module: watch from then on. */
static int gntbuf_xenstore_ready(struct notifier_block *nb,
				 unsigned long event, void *data)
{
	int ret = register_xenbus_watch(&gntbuf_release_watch);

	if (ret)
		pr_warn("no @releaseDomain watch (%d): grants of dead peers are ended only when userspace lets them go\n",
			ret);
	else
		gntbuf_watching = true;
	return NOTIFY_DONE;
}

static struct notifier_block gntbuf_xenstore_nb = {
	.notifier_call = gntbuf_xenstore_ready,
};

/**
 * gntbuf_buffer_shared() - the grants of an ALLOC or IMPORT reached userspace
 * @buf: the buffer, fully built
 *
 * From now on the buffer's grants are ended if its peer dies.
 */
void gntbuf_buffer_shared(struct gntbuf_buffer *buf)
{
	mutex_lock(&buf->lock);
	WRITE_ONCE(buf->shared, true);
	mutex_unlock(&buf->lock);
}

/**
 * gntbuf_peer_init() - watch for dead peers once xenstore is up
 */
void gntbuf_peer_init(void)
{
	register_xenstore_notifier(&gntbuf_xenstore_nb);
}

/**
 * gntbuf_peer_exit() - undo gntbuf_peer_init(); before gntbuf_wq goes
 */
void gntbuf_peer_exit(void)
{
	unregister_xenstore_notifier(&gntbuf_xenstore_nb);
	if (gntbuf_watching)
		unregister_xenbus_watch(&gntbuf_release_watch);
	cancel_delayed_work_sync(&gntbuf_peer_work);
}
