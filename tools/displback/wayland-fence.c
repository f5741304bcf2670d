// SPDX-License-Identifier: MIT
/*
 * The wayland sink's fences: when a dma-buf the compositor has released
 * may be written again.
 *
 * Implicit sync (no zwp_linux_explicit_synchronization_v1): after
 * wl_buffer.release the compositor's GPU may still be reading the buffer;
 * its read fences are on the dma-buf's reservation object.  The sink takes
 * them with DMA_BUF_IOCTL_EXPORT_SYNC_FILE (DMA_BUF_SYNC_WRITE: the fences
 * a writer must wait for, readers' and writers'; Linux 6.0+, as Mesa's
 * vulkan WSI does) and polls the sync_file in the event loop: the buffer
 * counts as free (it may be attached again, the flip waiting for it gets
 * its event) once the sync_file is readable.  Without the ioctl (-ENOTTY,
 * Linux < 6.0) the release alone frees the buffer, said once in the log.
 *
 * Explicit sync (the compositor offers zwp_linux_explicit_synchronization_v1,
 * as weston does): each commit of a dma-buf asks for a
 * zwp_linux_buffer_release_v1; its fenced_release fence is waited for the
 * same way, immediate_release frees at once, and wl_buffer.release is not
 * what decides.  No acquire fence is set: the frontend's writes into the
 * buffer are the guest CPU's and done before its PG_FLIP request, so there
 * is nothing to wait for before the compositor reads.
 *
 * A fence that never signals leaves the buffer busy: the flip waiting for
 * it is answered on --wayland-timeout like a buffer never released.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/dma-buf.h>	/* DMA_BUF_IOCTL_EXPORT_SYNC_FILE: 6.0+ headers */

#include "sink-wayland.h"

/* Debug log of every dma-buf's return to the sink: the hostile test
 * compares its time with the compositor's fence signal. */
static void fb_free(struct wl_fb *f, const char *how)
{
	uint64_t t = now_ns();

	if (f->kind == WLFB_DMABUF)
		LOGD(NULL, -1, "wayland: dom%u fb %#" PRIx64 " (dma-buf ino "
		     "%" PRIu64 ") free at %" PRIu64 ".%06" PRIu64 " "
		     "(CLOCK_MONOTONIC): %s", f->domid, f->cookie, f->ino,
		     t / 1000000000u, t / 1000u % 1000000u, how);
	wlsink_fb_released(f);
}

static bool fd_readable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, 0) == 1;
}

/* Wait for @fence (taken) before @f counts as free. */
static void fence_wait(struct wl_fb *f, int fence, bool explicit)
{
	struct wlsink *w = f->w;
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fence };

	if (fd_readable(fence)) {
		close(fence);
		fb_free(f, explicit ? "fenced_release, fence already "
			"signalled" : "released, fence already signalled");
		return;
	}
	if (f->fence_fd >= 0) {
		epoll_ctl(w->epfd, EPOLL_CTL_DEL, f->fence_fd, NULL);
		close(f->fence_fd);
	}
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fence, &ev)) {
		/* Not pollable: the old behaviour, free at the release. */
		LOGW(NULL, -1, "wayland: fb %#" PRIx64 ": cannot poll its "
		     "fence: %s", f->cookie, strerror(errno));
		close(fence);
		fb_free(f, "fence not pollable");
		return;
	}
	f->fence_fd = fence;
	f->fence_explicit = explicit;
	f->fence_start_ns = now_ns();
}

void wlsink_fence_dispatch(struct wlsink *w, int fd)
{
	for (struct wl_fb *f = w->fbs; f; f = f->next) {
		uint64_t waited;

		if (f->fence_fd != fd)
			continue;
		epoll_ctl(w->epfd, EPOLL_CTL_DEL, fd, NULL);
		close(fd);
		f->fence_fd = -1;
		waited = now_ns() - f->fence_start_ns;
		if (f->owner) {
			f->owner->st.fences_waited++;
			if (f->fence_explicit)
				f->owner->st.fences_explicit++;
		}
		LOGD(NULL, -1, "wayland: fb %#" PRIx64 ": %s fence signalled "
		     "after %.1f ms", f->cookie, f->fence_explicit ?
		     "fenced_release" : "read", waited / 1e6);
		fb_free(f, f->fence_explicit ? "fenced_release, waited" :
			"released, read fence waited");
		return;
	}
}

void wlsink_fence_released(struct wl_fb *f)
{
	struct wlsink *w = f->w;
	struct dma_buf_export_sync_file arg = {
		.flags = DMA_BUF_SYNC_WRITE,
		.fd = -1,
	};

	/* Explicit sync: the release object decides, not this. */
	if (f->explicit_sync)
		return;
	if (f->kind != WLFB_DMABUF || f->mem->fd < 0 || w->no_export_sync) {
		fb_free(f, "released");
		return;
	}
	if (ioctl(f->mem->fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &arg)) {
		if (errno == ENOTTY) {
			w->no_export_sync = true;
			LOGW(NULL, -1, "wayland: the kernel has no "
			     "DMA_BUF_IOCTL_EXPORT_SYNC_FILE (Linux < 6.0): a "
			     "buffer counts as free at wl_buffer.release, the "
			     "compositor's read fences are not waited for");
		} else {
			LOGW(NULL, -1, "wayland: fb %#" PRIx64 ": "
			     "DMA_BUF_IOCTL_EXPORT_SYNC_FILE: %s", f->cookie,
			     strerror(errno));
		}
		fb_free(f, "released, no sync_file");
		return;
	}
	fence_wait(f, arg.fd, false);
}

static void rel_fenced(void *data, struct zwp_linux_buffer_release_v1 *r,
		       int32_t fence)
{
	struct wl_fb *f = data;

	zwp_linux_buffer_release_v1_destroy(r);
	f->release = NULL;
	fence_wait(f, fence, true);
}

static void rel_immediate(void *data, struct zwp_linux_buffer_release_v1 *r)
{
	struct wl_fb *f = data;

	zwp_linux_buffer_release_v1_destroy(r);
	f->release = NULL;
	fb_free(f, "immediate_release");
}

static const struct zwp_linux_buffer_release_v1_listener release_listener = {
	.fenced_release = rel_fenced,
	.immediate_release = rel_immediate,
};

void wlsink_fence_commit(struct wl_conn *wc, struct wl_fb *f)
{
	struct wlsink *w = wc->w;

	f->explicit_sync = false;
	if (!w->explicit_sync || f->kind != WLFB_DMABUF)
		return;
	/* Per surface, once (the global may come after the surface). */
	if (!wc->sync)
		wc->sync = zwp_linux_explicit_synchronization_v1_get_synchronization(
			w->explicit_sync, wc->surface);
	/* A re-commit of the same buffer: the newest release decides. */
	if (f->release)
		zwp_linux_buffer_release_v1_destroy(f->release);
	f->release = zwp_linux_surface_synchronization_v1_get_release(wc->sync);
	zwp_linux_buffer_release_v1_add_listener(f->release, &release_listener,
						 f);
	f->explicit_sync = true;
}

void wlsink_fence_fb_fini(struct wl_fb *f)
{
	if (f->release)
		zwp_linux_buffer_release_v1_destroy(f->release);
	f->release = NULL;
	if (f->fence_fd >= 0) {
		epoll_ctl(f->w->epfd, EPOLL_CTL_DEL, f->fence_fd, NULL);
		close(f->fence_fd);
	}
	f->fence_fd = -1;
}
