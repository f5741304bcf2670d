// SPDX-License-Identifier: MIT
/*
 * Devices and their XenbusState handshake, as xen/io/displif.h's state
 * diagrams and libxl (tools/libs/light/libxl_vdispl.c, libxl_device.c)
 * have it:
 *
 *  - the toolstack writes the backend path (frontend, frontend-id,
 *    online = 1, state = Initialising) and the frontend's read-only
 *    configuration (be-alloc, <conn>/resolution, <conn>/unique-id), then
 *    waits up to 10 s for the backend's state InitWait;
 *  - we publish "versions" and go to InitWait;
 *  - the frontend publishes per connector req-ring-ref, req-event-channel,
 *    evt-ring-ref, evt-event-channel and goes to Initialised;
 *  - we map the rings, bind the channels and go to Connected.
 *
 * Teardown: the frontend going to Closing, Closed or Initialising, its
 * path vanishing, its domain going away (@releaseDomain), or the
 * toolstack writing our state Closing with online = 0 (xl destroy,
 * xl vdispl-detach) release everything of the device; the backend goes
 * back to InitWait while "online" is 1 and to Closed otherwise.  For the
 * frontend's Closing it says Closing first, for CLOSING_HOLD_MS: a guest
 * shutting down waits up to 5 s per device for its backend to reach
 * Closing (Linux's drivers/xen/xenbus/xenbus_probe_frontend.c,
 * xenbus_frontend_dev_shutdown()), and xen_drm_front's removal up to 1 s
 * for InitWait (drivers/gpu/drm/xen/xen_drm_front.c, xen_drv_remove());
 * displ_be's libxenbe passes through Closing on its way back to InitWait
 * too.
 *
 * In a driver domain (not dom0) XS_IS_DOMAIN_INTRODUCED is refused
 * (privileged in xenstored), so a gone frontend domain is told only by its
 * state node, which the toolstack removes on xl destroy.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <xen/xen.h>
#include <xen/io/xenbus.h>

#include "displback.h"

static char *xs_get(struct backend *b, const char *dir, const char *node)
{
	char path[256];
	unsigned int len;

	snprintf(path, sizeof(path), "%s/%s", dir, node);
	return xs_read(b->xs, XBT_NULL, path, &len);
}

/* A decimal node, or @def when it is missing or not a number. */
static long xs_get_long(struct backend *b, const char *dir, const char *node,
			long def)
{
	char *v = xs_get(b, dir, node), *end;
	long n;

	if (!v)
		return def;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end)
		n = def;
	free(v);
	return n;
}

static int xs_put(struct backend *b, const char *dir, const char *node,
		  const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, node);
	if (!xs_write(b->xs, XBT_NULL, path, val, strlen(val)))
		return -errno;
	return 0;
}

static const char *state_name(int s)
{
	static const char *const names[] = {
		"Unknown", "Initialising", "InitWait", "Initialised",
		"Connected", "Closing", "Closed", "Reconfiguring",
		"Reconfigured",
	};

	return s >= 0 && s < 9 ? names[s] : "(none)";
}

/* How long the backend shows Closing for the frontend's Closing. */
#define CLOSING_HOLD_MS 200

static void set_state(struct vdispl *dev, int state, bool force)
{
	char v[8];
	int ret;

	if (state != XenbusStateClosing)
		dev->reopen_ns = 0;
	if (dev->be_state == state && !force)
		return;
	snprintf(v, sizeof(v), "%d", state);
	ret = xs_put(dev->b, dev->be_path, "state", v);
	if (ret) {
		LOGE(dev, -1, "cannot write state %s: %s", state_name(state),
		     strerror(-ret));
		return;
	}
	LOGI(dev, -1, "backend state %s -> %s", state_name(dev->be_state),
	     state_name(state));
	dev->be_state = state;
}

static void dev_teardown(struct vdispl *dev, const char *why)
{
	bool was = dev->connected;

	for (int i = 0; i < dev->n_conn; i++)
		conn_disconnect(&dev->conn[i]);
	vdispl_release_buffers(dev);
	dev->b->prov->dev_close(dev->b, dev);
	dev->connected = false;
	if (was)
		LOGI(dev, -1, "torn down: %s; every mapping and grant of the "
		     "device released", why);
}

/* Read the frontend's configuration and connect every connector. */
static int dev_connect(struct vdispl *dev)
{
	struct backend *b = dev->b;
	char *v;
	int n, ret;

	dev->be_alloc = xs_get_long(b, dev->fe_path, XENDISPL_FIELD_BE_ALLOC,
				    0) == 1;
	v = xs_get(b, dev->fe_path, XENDISPL_FIELD_FE_VERSION);
	/* Linux's frontend writes no version: take the highest. */
	dev->version = v ? atoi(v) : XENDISPL_PROTOCOL_VERSION_INT;
	free(v);
	if (dev->version != 1 && dev->version != 2) {
		LOGE(dev, -1, "frontend wants protocol version %d; we have 1,2",
		     dev->version);
		return -EPROTO;
	}

	for (n = 0; n < DISPLBACK_MAX_CONN; n++) {
		struct conn *c = &dev->conn[n];
		char dir[160];
		unsigned int w, h;
		char tail;

		snprintf(dir, sizeof(dir), "%s/%d", dev->fe_path, n);
		v = xs_get(b, dir, XENDISPL_FIELD_RESOLUTION);
		if (!v)
			break;
		if (sscanf(v, "%u" XENDISPL_RESOLUTION_SEPARATOR "%u%c", &w, &h,
			   &tail) != 2 || !w || !h || w > DISPLBACK_MAX_DIM ||
		    h > DISPLBACK_MAX_DIM) {
			LOGE(dev, n, "bad resolution \"%s\"", v);
			free(v);
			return -EINVAL;
		}
		free(v);
		memset(c, 0, sizeof(*c));
		c->dev = dev;
		c->idx = n;
		c->width = w;
		c->height = h;
		c->req_port = c->evt_port = -1;
		v = xs_get(b, dir, XENDISPL_FIELD_UNIQUE_ID);
		snprintf(c->unique_id, sizeof(c->unique_id), "%s", v ? v : "");
		free(v);
		long rr = xs_get_long(b, dir, XENDISPL_FIELD_REQ_RING_REF, -1);
		long rc = xs_get_long(b, dir, XENDISPL_FIELD_REQ_CHANNEL, -1);
		long er = xs_get_long(b, dir, XENDISPL_FIELD_EVT_RING_REF, -1);
		long ec = xs_get_long(b, dir, XENDISPL_FIELD_EVT_CHANNEL, -1);

		if (rr <= 0 || rc <= 0 || er <= 0 || ec <= 0 ||
		    rr > UINT32_MAX || er > UINT32_MAX || rc > UINT32_MAX ||
		    ec > UINT32_MAX) {
			LOGE(dev, n, "missing or bad transport nodes "
			     "(req-ring-ref %ld req-event-channel %ld "
			     "evt-ring-ref %ld evt-event-channel %ld)",
			     rr, rc, er, ec);
			return -EINVAL;
		}
		c->req_gref = (uint32_t)rr;
		c->req_remote_port = (uint32_t)rc;
		c->evt_gref = (uint32_t)er;
		c->evt_remote_port = (uint32_t)ec;
	}
	if (n == 0) {
		LOGE(dev, -1, "no connector configured (no 0/resolution)");
		return -EINVAL;
	}
	dev->n_conn = n;
	/* The device's own xen-gntbuf file: its page budget, not others'. */
	ret = b->prov->dev_open(b, dev);
	if (ret) {
		LOGE(dev, -1, "buffer provider %s: %s", b->prov->name,
		     strerror(-ret));
		return ret;
	}
	for (int i = 0; i < n; i++) {
		ret = conn_connect(&dev->conn[i]);
		if (ret) {
			dev_teardown(dev, "connect failed");
			return ret;
		}
	}
	dev->connected = true;
	LOGI(dev, -1, "connected: protocol version %d, be-alloc %d, %d "
	     "connector(s)", dev->version, dev->be_alloc, n);
	return 0;
}

static void dev_update(struct vdispl *dev)
{
	struct backend *b = dev->b;
	long online = xs_get_long(b, dev->be_path, "online", 0);
	long be_node = xs_get_long(b, dev->be_path, "state", -1);
	int fe = (int)xs_get_long(b, dev->fe_path, "state",
				  XenbusStateUnknown);
	int prev = dev->fe_state;

	if (b->stopping)
		return;
	if (dev->be_state < 0) {
		/* New device: say what we speak, then wait for the frontend. */
		xs_put(b, dev->be_path, XENDISPL_FIELD_BE_VERSIONS, "1,2");
		LOGI(dev, -1, "new device: frontend %s", dev->fe_path);
		set_state(dev, XenbusStateInitWait, false);
	}
	if (be_node == XenbusStateClosing && !online &&
	    dev->be_state != XenbusStateClosed) {
		/* The toolstack removes the device (xl destroy/detach). */
		dev_teardown(dev, "the toolstack closes the device");
		dev->be_state = XenbusStateClosing;
		set_state(dev, XenbusStateClosed, false);
		return;
	}
	/* A gone domain is told by @releaseDomain (b->check_domains). */
	dev->fe_state = fe;
	if (fe != prev)
		LOGI(dev, -1, "frontend state %s -> %s", state_name(prev),
		     state_name(fe));

	switch (fe) {
	case XenbusStateInitialised:
	case XenbusStateConnected:
		if (!dev->connected && !dev->failed &&
		    dev->be_state == XenbusStateInitWait) {
			if (dev_connect(dev) == 0) {
				set_state(dev, XenbusStateConnected, false);
			} else {
				/* Wait for the frontend to start over. */
				dev->failed = true;
				xs_put(b, dev->be_path, "error",
				       "gntbuf-displback: cannot connect");
			}
		}
		break;
	case XenbusStateInitialising:
		if (dev->connected)
			dev_teardown(dev, "the frontend reinitialises");
		dev->failed = false;
		/* Rewrite InitWait: the frontend acts on our writes. */
		if (prev != fe && online)
			set_state(dev, XenbusStateInitWait, true);
		break;
	case XenbusStateClosing:
	case XenbusStateClosed:
		if (dev->connected || prev != fe) {
			dev_teardown(dev, fe == XenbusStateClosing ?
				     "the frontend is closing" :
				     "the frontend closed");
			dev->failed = false;
			if (fe == XenbusStateClosing && online) {
				set_state(dev, XenbusStateClosing, false);
				dev->reopen_ns = now_ns() +
						 CLOSING_HOLD_MS * 1000000ull;
			} else {
				set_state(dev, online ? XenbusStateInitWait :
					  XenbusStateClosed, false);
			}
		}
		break;
	case XenbusStateUnknown:
		if (dev->connected)
			dev_teardown(dev, "the frontend's state is gone");
		break;
	default:
		break;
	}
}

int xenbus_poll_reopen(struct backend *b)
{
	uint64_t now = now_ns();
	int timeout = -1;

	for (struct vdispl *dev = b->devs; dev; dev = dev->next) {
		int left;

		if (!dev->reopen_ns)
			continue;
		if (now >= dev->reopen_ns) {
			set_state(dev, XenbusStateInitWait, false);
			continue;
		}
		left = (int)((dev->reopen_ns - now) / 1000000ull) + 1;
		if (timeout < 0 || left < timeout)
			timeout = left;
	}
	return timeout;
}

static struct vdispl *dev_find(struct backend *b, unsigned int domid,
			       unsigned int devid)
{
	for (struct vdispl *d = b->devs; d; d = d->next)
		if (d->domid == domid && d->devid == devid)
			return d;
	return NULL;
}

static struct vdispl *dev_new(struct backend *b, unsigned int domid,
			      unsigned int devid)
{
	struct vdispl *dev = calloc(1, sizeof(*dev));
	char *fe;
	long fe_id;
	char path[160];

	if (!dev)
		return NULL;
	dev->b = b;
	dev->domid = (uint16_t)domid;
	dev->devid = devid;
	dev->be_state = -1;
	dev->fe_state = -1;
	snprintf(dev->be_path, sizeof(dev->be_path), "%s/%u/%u", b->root,
		 domid, devid);
	fe = xs_get(b, dev->be_path, "frontend");
	fe_id = xs_get_long(b, dev->be_path, "frontend-id", -1);
	if (!fe || fe_id != (long)domid ||
	    strlen(fe) >= sizeof(dev->fe_path)) {
		/* Not written yet (or not by a toolstack we understand). */
		free(fe);
		free(dev);
		return NULL;
	}
	snprintf(dev->fe_path, sizeof(dev->fe_path), "%s", fe);
	free(fe);
	snprintf(dev->watch_token, sizeof(dev->watch_token), "fe:%u:%u",
		 domid, devid);
	snprintf(path, sizeof(path), "%s/state", dev->fe_path);
	dev->watching = xs_watch(b->xs, path, dev->watch_token);
	if (!dev->watching)
		LOGW(dev, -1, "cannot watch %s: %s", path, strerror(errno));
	dev->next = b->devs;
	b->devs = dev;
	return dev;
}

static void dev_remove(struct backend *b, struct vdispl *dev, const char *why)
{
	char path[160];

	dev_teardown(dev, why);
	if (dev->watching) {
		snprintf(path, sizeof(path), "%s/state", dev->fe_path);
		xs_unwatch(b->xs, path, dev->watch_token);
	}
	LOGI(dev, -1, "device removed (%s)", why);
	for (struct vdispl **pp = &b->devs; *pp; pp = &(*pp)->next)
		if (*pp == dev) {
			*pp = dev->next;
			break;
		}
	free(dev);
}

static bool parse_uint(const char *s, unsigned int *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > 0xffff)
		return false;
	*out = (unsigned int)v;
	return true;
}

static void scan(struct backend *b)
{
	unsigned int n_dom = 0;
	char **doms;

	for (struct vdispl *d = b->devs; d; d = d->next)
		d->seen = false;
	doms = xs_directory(b->xs, XBT_NULL, b->root, &n_dom);
	for (unsigned int i = 0; doms && i < n_dom; i++) {
		unsigned int domid, n_dev = 0;
		char path[160];
		char **devs;

		if (!parse_uint(doms[i], &domid))
			continue;
		snprintf(path, sizeof(path), "%s/%u", b->root, domid);
		devs = xs_directory(b->xs, XBT_NULL, path, &n_dev);
		for (unsigned int j = 0; devs && j < n_dev; j++) {
			unsigned int devid;
			struct vdispl *dev;

			if (!parse_uint(devs[j], &devid))
				continue;
			dev = dev_find(b, domid, devid);
			if (!dev)
				dev = dev_new(b, domid, devid);
			if (!dev)
				continue;
			dev->seen = true;
			dev_update(dev);
		}
		free(devs);
	}
	free(doms);
	for (struct vdispl *d = b->devs, *n; d; d = n) {
		n = d->next;
		if (!d->seen)
			dev_remove(b, d, "its backend path is gone");
	}
}

int xenbus_init(struct backend *b)
{
	long self;
	char *v;

	b->xs = xs_open(0);
	if (!b->xs)
		return -errno;
	v = xs_read(b->xs, XBT_NULL, "domid", NULL);
	self = v ? strtol(v, NULL, 10) : 0;
	free(v);
	b->self_domid = (unsigned int)self;
	snprintf(b->root, sizeof(b->root), "/local/domain/%u/backend/vdispl",
		 b->self_domid);
	/* Answered "T" for DOMID_SELF when privileged, refused otherwise. */
	b->can_query_domains = xs_is_domain_introduced(b->xs, DOMID_SELF);
	if (!xs_watch(b->xs, b->root, "vdispl") ||
	    !xs_watch(b->xs, "@releaseDomain", "release"))
		return -errno;
	LOGI(NULL, -1, "watching %s (backend domain %u%s)", b->root,
	     b->self_domid, b->can_query_domains ? "" :
	     ", a driver domain: no XS_IS_DOMAIN_INTRODUCED");
	scan(b);
	return 0;
}

/* A watch on our root: the device it names, or NULL (rescan). */
static struct vdispl *root_watch_dev(struct backend *b, const char *path,
				     bool *is_dir)
{
	size_t n = strlen(b->root);
	unsigned int domid, devid;
	char tail;
	int k;

	*is_dir = false;
	if (strncmp(path, b->root, n) || path[n] != '/')
		return NULL;
	k = sscanf(path + n, "/%u/%u%c", &domid, &devid, &tail);
	if (k < 2)
		return NULL;		/* the root or a domain's folder */
	*is_dir = k == 2;
	return dev_find(b, domid, devid);
}

/*
 * Watch events are coalesced: at most DISPLBACK_WATCH_BUDGET are read per
 * loop iteration, each marks the one device it names, and each marked
 * device is updated once.  Only a change of the root or of a domain's
 * folder (a device added or removed by the toolstack) rescans every
 * device.  A guest writing its state node in a loop so costs one update
 * of its own device per iteration, and other guests are served between.
 */
void xenbus_handle_watch(struct backend *b)
{
	unsigned int n = 0;
	char **vec;

	while (n < DISPLBACK_WATCH_BUDGET && (vec = xs_check_watch(b->xs))) {
		const char *token = vec[XS_WATCH_TOKEN];
		const char *path = vec[XS_WATCH_PATH];
		unsigned int domid, devid;
		struct vdispl *dev;
		bool is_dir;

		n++;
		b->loop.watch_events++;
		LOGD(NULL, -1, "watch %s %s", token, path);
		if (!strcmp(token, "release")) {
			b->check_domains = true;
		} else if (sscanf(token, "fe:%u:%u", &domid, &devid) == 2) {
			dev = dev_find(b, domid, devid);
			if (dev)
				dev->dirty = true;
		} else {
			dev = root_watch_dev(b, path, &is_dir);
			if (!dev)
				b->rescan = true;
			else if (is_dir)
				b->rescan = true;	/* added or removed */
			else
				dev->dirty = true;
		}
		free(vec);
	}
	if (n == DISPLBACK_WATCH_BUDGET)
		b->more_work = true;
	if (b->rescan) {
		b->rescan = false;
		for (struct vdispl *d = b->devs; d; d = d->next)
			d->dirty = false;
		b->loop.rescans++;
		scan(b);
	} else {
		for (struct vdispl *d = b->devs; d; d = d->next) {
			if (!d->dirty)
				continue;
			d->dirty = false;
			b->loop.dev_updates++;
			dev_update(d);
		}
	}
	if (b->check_domains) {
		b->check_domains = false;
		for (struct vdispl *d = b->devs; d; d = d->next)
			if (d->connected && b->can_query_domains &&
			    !xs_is_domain_introduced(b->xs, d->domid))
				dev_teardown(d, "the frontend's domain is gone");
	}
}

void xenbus_shutdown(struct backend *b)
{
	b->stopping = true;
	while (b->devs) {
		struct vdispl *dev = b->devs;
		bool was = dev->connected;

		dev_teardown(dev, "the backend stops");
		/* Tell a connected frontend that we are gone. */
		if (was)
			set_state(dev, XenbusStateClosed, false);
		dev_remove(b, dev, "the backend stops");
	}
	if (b->xs) {
		xs_unwatch(b->xs, b->root, "vdispl");
		xs_unwatch(b->xs, "@releaseDomain", "release");
		xs_close(b->xs);
		b->xs = NULL;
	}
}
