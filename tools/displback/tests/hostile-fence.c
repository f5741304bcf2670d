// SPDX-License-Identifier: MIT
/*
 * hostile-compositor's fences, made with vgem (a /dev/dri card whose
 * driver is "vgem"; its fences signal when userspace says so, or after
 * vgem's own 10 s timeout):
 *
 *   hold-fence[=MS][@WxH]  implicit sync: a buffer of that size, when released
 *                      (wl_buffer.release at the repaint), gets a read fence
 *                      on its dma-buf first (imported into vgem with PRIME
 *                      FD_TO_HANDLE at its import, DRM_IOCTL_VGEM_FENCE_ATTACH
 *                      without VGEM_FENCE_WRITE: the reservation's READ
 *                      usage, which a writer's DMA_BUF_IOCTL_EXPORT_SYNC_FILE
 *                      with DMA_BUF_SYNC_WRITE collects, as it does the
 *                      WRITE usage), signalled MS ms later (--fence-ms
 *                      without =MS; vgem signals it after 10 s anyway)
 *   explicit-sync-after=N[@WxH]  zwp_linux_explicit_synchronization_v1,
 *                      offered from the Nth commit of such a buffer on; a
 *                      release asked for with get_release is a
 *                      fenced_release whose sync_file is a vgem fence on a
 *                      dumb buffer of its own (exported as a dma-buf,
 *                      DMA_BUF_IOCTL_EXPORT_SYNC_FILE), signalled
 *                      --fence-ms later; a surface with explicit sync gets
 *                      no implicit fence
 *
 * Each signal is logged with the release time (read before the release
 * is sent) and its own (read before the fence is signalled), in
 * CLOCK_MONOTONIC seconds, with the buffer's dma-buf inode (the test
 * matches them with the client's log):
 *   fence: implicit|explicit ino I released at T signalled at T (WxH)
 * (0x0 for explicit sync's: the size is the implicit fence's buffer's).
 * A buffer attached again (in place of another) while a fence of its
 * dma-buf has not signalled is logged (and counted in the exit line):
 *   fence: implicit|explicit ino I (WxH) attached again before its fence
 *   signalled
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <xf86drm.h>

#include "linux-explicit-synchronization-unstable-v1-server-protocol.h"

#include "../displback.h"
#include "hostile-compositor.h"

/* include/uapi/drm/vgem_drm.h (not in Debian's libdrm-dev) */
struct drm_vgem_fence_attach {
	__u32 handle;
	__u32 flags;
	__u32 out_fence;
	__u32 pad;
};

struct drm_vgem_fence_signal {
	__u32 fence;
	__u32 flags;
};

#define DRM_IOCTL_VGEM_FENCE_ATTACH \
	DRM_IOWR(DRM_COMMAND_BASE + 0x1, struct drm_vgem_fence_attach)
#define DRM_IOCTL_VGEM_FENCE_SIGNAL \
	DRM_IOW(DRM_COMMAND_BASE + 0x2, struct drm_vgem_fence_signal)

/* A fence to signal later; freed by its timer. */
struct pending_fence {
	struct wl_list link;		/* comp.fences */
	struct wl_event_source *timer;
	uint32_t fence;
	uint64_t ino, released_ns;
	uint32_t w, h;			/* the buffer's size, for the log */
	bool explicit;
};

static void ts(uint64_t ns, char out[32])
{
	snprintf(out, 32, "%" PRIu64 ".%06" PRIu64, ns / 1000000000u,
		 ns / 1000u % 1000000u);
}

int fence_open_vgem(void)
{
	char path[32];
	struct stat st;
	int fd;

	if (comp.vgem_fd >= 0)
		return 0;
	fd = drm_open_driver("vgem", path, sizeof(path));
	if (fd < 0 || fstat(fd, &st)) {
		LOG("vgem: no /dev/dri/card* of vgem that this user can open");
		if (fd >= 0)
			close(fd);
		return -ENODEV;
	}
	comp.vgem_fd = fd;
	comp.vgem_dev = st.st_rdev;
	LOG("vgem: %s (%u:%u)", path, major(st.st_rdev), minor(st.st_rdev));
	return 0;
}

void fence_import(struct dmabuf_buffer *b)
{
	struct stat st;

	if (!fstat(b->fd, &st))
		b->ino = (uint64_t)st.st_ino;
	for (int i = 0; i < MAX_HOLD_FENCE && !b->fence_ms; i++)
		if (matches(&comp.hold_fence[i], b->w, b->h))
			b->fence_ms = comp.hold_fence[i].n ?
				      comp.hold_fence[i].n : comp.fence_ms;
	if (!b->fence_ms || comp.vgem_fd < 0)
		return;
	if (drmPrimeFDToHandle(comp.vgem_fd, b->fd, &b->vgem_handle)) {
		LOG("hold-fence: PRIME import of %ux%u into vgem: %s", b->w,
		    b->h, strerror(errno));
		b->vgem_handle = 0;
	}
}

void fence_buffer_free(struct dmabuf_buffer *b)
{
	struct drm_gem_close c = { .handle = b->vgem_handle };

	if (b->vgem_handle)
		drmIoctl(comp.vgem_fd, DRM_IOCTL_GEM_CLOSE, &c);
}

static int signal_now(void *data)
{
	struct pending_fence *p = data;
	struct drm_vgem_fence_signal sig = { .fence = p->fence };
	char t0[32], t1[32];
	uint64_t now;

	/* Read before the signal: the client, woken by it, may run (and
	 * log) before this process gets the CPU back. */
	now = now_ns();
	if (drmIoctl(comp.vgem_fd, DRM_IOCTL_VGEM_FENCE_SIGNAL, &sig))
		LOG("fence: VGEM_FENCE_SIGNAL: %s", strerror(errno));
	ts(p->released_ns, t0);
	ts(now, t1);
	LOG("fence: %s ino %" PRIu64 " released at %s signalled at %s "
	    "(%ux%u)", p->explicit ? "explicit" : "implicit", p->ino, t0, t1,
	    p->w, p->h);
	wl_list_remove(&p->link);
	wl_event_source_remove(p->timer);
	free(p);
	return 0;
}

/* A read fence on vgem's @handle, signalled @ms from now; logged with
 * @ino and the size of @b (NULL: explicit sync's, no size). */
static int fence_attach(uint32_t handle, uint64_t ino,
			const struct dmabuf_buffer *b, unsigned int ms,
			bool explicit)
{
	struct drm_vgem_fence_attach a = { .handle = handle };
	struct drm_vgem_fence_signal sig = { 0 };
	struct pending_fence *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	if (drmIoctl(comp.vgem_fd, DRM_IOCTL_VGEM_FENCE_ATTACH, &a)) {
		int ret = -errno;

		LOG("fence: VGEM_FENCE_ATTACH: %s", strerror(errno));
		free(p);
		return ret;
	}
	p->fence = a.out_fence;
	p->ino = ino;
	p->w = b ? b->w : 0;
	p->h = b ? b->h : 0;
	p->explicit = explicit;
	p->released_ns = now_ns();
	p->timer = wl_event_loop_add_timer(comp.loop, signal_now, p);
	if (!p->timer) {
		/* Signalled at once rather than never. */
		sig.fence = p->fence;
		drmIoctl(comp.vgem_fd, DRM_IOCTL_VGEM_FENCE_SIGNAL, &sig);
		free(p);
		return -ENOMEM;
	}
	wl_event_source_timer_update(p->timer, (int)ms);
	wl_list_insert(&comp.fences, &p->link);
	return 0;
}

void fence_check_attach(struct wl_resource *buffer)
{
	struct dmabuf_buffer *b = dmabuf_of(buffer);
	struct pending_fence *p;

	if (!b)
		return;
	wl_list_for_each(p, &comp.fences, link) {
		if (p->ino != b->ino)
			continue;
		LOG("fence: %s ino %" PRIu64 " (%ux%u) attached again before "
		    "its fence signalled", p->explicit ? "explicit" :
		    "implicit", b->ino, b->w, b->h);
		comp.st.fences_early++;
		return;
	}
}

void fence_before_release(struct surface *s, struct wl_resource *buffer)
{
	struct dmabuf_buffer *b = dmabuf_of(buffer);

	/* Explicit sync's surfaces get their fence in the release event. */
	if (!b || !b->vgem_handle || s->sync)
		return;
	if (!fence_attach(b->vgem_handle, b->ino, b, b->fence_ms, false))
		comp.st.fences_implicit++;
}

/* A sync_file of a new vgem fence, signalled --fence-ms from now. */
static int explicit_fence(uint64_t ino)
{
	struct drm_mode_create_dumb cd = { .width = 32, .height = 32,
					   .bpp = 32 };
	struct dma_buf_export_sync_file ex = { .flags = DMA_BUF_SYNC_WRITE,
					       .fd = -1 };
	struct drm_gem_close gc = { 0 };
	int buf = -1;

	if (drmIoctl(comp.vgem_fd, DRM_IOCTL_MODE_CREATE_DUMB, &cd)) {
		LOG("explicit-sync: vgem dumb buffer: %s", strerror(errno));
		return -1;
	}
	gc.handle = cd.handle;
	if (drmPrimeHandleToFD(comp.vgem_fd, cd.handle, DRM_CLOEXEC, &buf) ||
	    fence_attach(cd.handle, ino, NULL, comp.fence_ms, true) ||
	    ioctl(buf, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &ex)) {
		LOG("explicit-sync: a fence's sync_file: %s", strerror(errno));
		ex.fd = -1;
	}
	if (buf >= 0)
		close(buf);
	drmIoctl(comp.vgem_fd, DRM_IOCTL_GEM_CLOSE, &gc);
	return ex.fd;
}

void fence_send_release(struct wl_resource *release, uint64_t ino)
{
	int fd = comp.vgem_fd >= 0 ? explicit_fence(ino) : -1;

	if (fd >= 0) {
		zwp_linux_buffer_release_v1_send_fenced_release(release, fd);
		close(fd);
		comp.st.fences_explicit++;
	} else {
		zwp_linux_buffer_release_v1_send_immediate_release(release);
	}
	wl_resource_destroy(release);
}

/* ---- zwp_linux_explicit_synchronization_v1 ---- */

static void sync_set_acquire(struct wl_client *client, struct wl_resource *res,
			     int32_t fd)
{
	(void)client;
	(void)res;
	close(fd);
	LOG("explicit-sync: the client set an acquire fence (ignored)");
}

static void sync_get_release(struct wl_client *client, struct wl_resource *res,
			     uint32_t id)
{
	struct surface *s = wl_resource_get_user_data(res);
	struct wl_resource *r;

	if (!s) {
		wl_resource_post_error(res,
			ZWP_LINUX_SURFACE_SYNCHRONIZATION_V1_ERROR_NO_SURFACE,
			"the surface is gone");
		return;
	}
	if (s->rel_pending.res) {
		wl_resource_post_error(res,
			ZWP_LINUX_SURFACE_SYNCHRONIZATION_V1_ERROR_DUPLICATE_RELEASE,
			"a release for this commit already");
		return;
	}
	r = res_new(client, &zwp_linux_buffer_release_v1_interface, 1, id,
		    NULL, NULL, NULL);
	if (r)
		bref_set(&s->rel_pending, r);
}

static const struct zwp_linux_surface_synchronization_v1_interface sync_impl = {
	.destroy = res_destroy,
	.set_acquire_fence = sync_set_acquire,
	.get_release = sync_get_release,
};

static void es_get_sync(struct wl_client *client, struct wl_resource *res,
			uint32_t id, struct wl_resource *surface)
{
	struct surface *s = wl_resource_get_user_data(surface);
	struct wl_resource *r;

	if (s->sync) {
		wl_resource_post_error(res,
			ZWP_LINUX_EXPLICIT_SYNCHRONIZATION_V1_ERROR_SYNCHRONIZATION_EXISTS,
			"the surface has one");
		return;
	}
	r = res_new(client, &zwp_linux_surface_synchronization_v1_interface,
		    wl_resource_get_version(res), id, &sync_impl, s,
		    surface_role_free);
	if (!r)
		return;
	s->sync = r;
	LOG("explicit-sync: \"%s\" gets a surface synchronization", s->title);
}

static const struct zwp_linux_explicit_synchronization_v1_interface es_impl = {
	.destroy = res_destroy,
	.get_synchronization = es_get_sync,
};

static void bind_es(struct wl_client *client, void *data, uint32_t version,
		    uint32_t id)
{
	(void)data;
	if (!res_new(client, &zwp_linux_explicit_synchronization_v1_interface,
		     (int)version, id, &es_impl, NULL, NULL))
		return;
	LOG("explicit-sync: the client bound "
	    "zwp_linux_explicit_synchronization_v1");
}

void fence_offer_explicit(void)
{
	if (comp.explicit_global)
		return;
	comp.explicit_global = wl_global_create(comp.display,
		&zwp_linux_explicit_synchronization_v1_interface, 2, NULL,
		bind_es);
	LOG("explicit-sync-after=%u: zwp_linux_explicit_synchronization_v1 "
	    "offered%s", comp.explicit_after.n,
	    comp.explicit_global ? "" : ": cannot create the global");
}
