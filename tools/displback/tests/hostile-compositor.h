/* SPDX-License-Identifier: MIT */
/*
 * hostile-compositor's internals, shared by its four files:
 * hostile-compositor.c (main, behaviours, wl_compositor/wl_surface,
 * repaint, pictures), hostile-xdg.c (xdg_wm_base, xdg_surface,
 * xdg_toplevel), hostile-dmabuf.c (zwp_linux_dmabuf_v1, its params and
 * the wl_buffers they make) and hostile-fence.c (vgem fences, implicit
 * and explicit sync).  Not a library: one program, one global.
 */
#ifndef GNTBUF_HOSTILE_COMPOSITOR_H
#define GNTBUF_HOSTILE_COMPOSITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <wayland-server.h>

#define LOG(...) do { \
	fprintf(stderr, "hostile-compositor: " __VA_ARGS__); \
	fputc('\n', stderr); \
} while (0)

#define MAX_RELEASE 16
#define MAX_HOLD_FENCE 4	/* hold-fence behaviours, one per size */

struct behaviour {
	bool on;
	uint32_t w, h;		/* 0x0: every buffer */
	unsigned int n;		/* slow, hold-fence: ms; disconnect-after:
				 * commits */
};

/* The one compositor, set up by main() and read by every file. */
struct comp {
	struct wl_display *display;
	struct wl_event_loop *loop;
	const char *out_dir;
	unsigned int repaint_ms;
	struct behaviour never_release, refuse, slow, disconnect;
	struct behaviour hold_fence[MAX_HOLD_FENCE], explicit_after;
	unsigned int disconnect_commits, explicit_commits;
	unsigned int fence_ms;		/* --fence-ms: fences signal after */
	bool dmabuf_v4;			/* --dmabuf-v4: default feedback */
	int vgem_fd;			/* -1 until fence_open_vgem */
	dev_t vgem_dev;
	struct wl_global *explicit_global;	/* offered once */
	/* Made at start, so that the loop's timer fd (one for all its
	 * timers) is there before any client: fds are counted in tests. */
	struct wl_event_source *disconnect_timer;
	struct wl_client *disconnect_client;
	struct wl_list surfaces;
	struct wl_list fences;		/* held fences not yet signalled */
	struct {
		unsigned long imports, refused, released, withheld;
		unsigned long fences_implicit, fences_explicit;
		unsigned long fences_early;	/* attached before the signal */
	} st;
};

extern struct comp comp;

/* A buffer reference that goes NULL when the client destroys the buffer. */
struct bref {
	struct wl_resource *res;
	struct wl_listener destroy;
};

/*
 * A wl_buffer made from a dma-buf (hostile-dmabuf.c): owned by its
 * resource, freed with it; it owns @fd and the read-only mapping @map.
 */
struct dmabuf_buffer {
	struct wl_resource *res;
	int fd;
	void *map;
	size_t map_size;
	uint32_t offset, stride, w, h, format;
	uint64_t ino;			/* the dma-buf's, for the log */
	uint32_t vgem_handle;		/* hold-fence: imported into vgem */
	unsigned int fence_ms;		/* hold-fence: its fences signal after */
};

/*
 * A wl_surface (hostile-compositor.c): owned by its resource.  @xdg and
 * @toplevel are its role resources (hostile-xdg.c), which point back at
 * it; whichever goes first clears the other's pointer.
 */
struct surface {
	struct wl_resource *res, *xdg, *toplevel;
	struct wl_list link;		/* comp.surfaces */
	char title[96];
	bool configure_sent, attach_pending;
	struct bref pending, current;
	struct bref release[MAX_RELEASE];	/* replaced, to release */
	unsigned int n_release;
	/* Explicit sync (hostile-fence.c): the surface's synchronization
	 * resource, the release asked for the pending commit, the current
	 * buffer's (and its inode), and those to send at the repaint. */
	struct wl_resource *sync;
	struct bref rel_pending, rel_cur;
	uint64_t rel_cur_ino;
	struct bref rel_fire[MAX_RELEASE];
	uint64_t rel_fire_ino[MAX_RELEASE];
	unsigned int n_rel_fire;
	struct wl_list frames_pending, frames;	/* wl_callback resources */
	struct wl_event_source *timer;
	bool timer_armed;
	uint8_t *pic;			/* w * 4 bytes per row, XRGB8888 */
	uint32_t pic_w, pic_h;
	const char *pic_path;		/* "dma-buf" or "wl_shm" */
	unsigned int dumps;
	unsigned long commits, dmabuf_frames, shm_frames, released, withheld;
};

/* hostile-compositor.c */
bool matches(const struct behaviour *b, uint32_t w, uint32_t h);
/*
 * A resource of @iface (@version, @id) for @client with @impl, @data and
 * @destroy set; NULL (no_memory posted to the client) if it cannot be.
 */
struct wl_resource *res_new(struct wl_client *client,
			    const struct wl_interface *iface, int version,
			    uint32_t id, const void *impl, void *data,
			    wl_resource_destroy_func_t destroy);
/* The `destroy` request of every interface here that has one. */
void res_destroy(struct wl_client *client, struct wl_resource *res);
/* Requests ignored: of a rectangle (damage, region, window geometry), of
 * another resource (a region, a parent, an output). */
void req_ignore_rect(struct wl_client *client, struct wl_resource *res,
		     int32_t x, int32_t y, int32_t w, int32_t h);
void req_ignore_res(struct wl_client *client, struct wl_resource *res,
		    struct wl_resource *other);
/* The destructor of a surface's role or synchronization resource: the
 * surface (if still there) forgets it. */
void surface_role_free(struct wl_resource *res);

/* Point @b at @res (NULL: at nothing), cleared if @res is destroyed. */
void bref_set(struct bref *b, struct wl_resource *res);

/* hostile-fence.c */
/* comp.vgem_fd: the first /dev/dri/card* of vgem; 0 or -ENODEV. */
int fence_open_vgem(void);
/* At a dma-buf's import: its inode; its vgem handle for hold-fence. */
void fence_import(struct dmabuf_buffer *b);
void fence_buffer_free(struct dmabuf_buffer *b);
/* Before @buffer's wl_buffer.release: hold-fence's read fence. */
void fence_before_release(struct surface *s, struct wl_resource *buffer);
/* At a commit attaching @buffer in place of another: a buffer whose
 * fence has not signalled yet is logged and counted (fences_early). */
void fence_check_attach(struct wl_resource *buffer);
/* Send @release's event (fenced, or immediate without vgem), destroy it. */
void fence_send_release(struct wl_resource *release, uint64_t ino);
/* Create the zwp_linux_explicit_synchronization_v1 global (once). */
void fence_offer_explicit(void);

/* hostile-xdg.c: the xdg_wm_base global's bind. */
void bind_wm(struct wl_client *client, void *data, uint32_t version,
	     uint32_t id);

/* hostile-dmabuf.c: the zwp_linux_dmabuf_v1 global's bind. */
void bind_dmabuf(struct wl_client *client, void *data, uint32_t version,
		 uint32_t id);
/* @res's dma-buf buffer, NULL if @res is no buffer made here. */
struct dmabuf_buffer *dmabuf_of(struct wl_resource *res);

#endif
