/* SPDX-License-Identifier: MIT */
/*
 * hostile-compositor's internals, shared by its three files:
 * hostile-compositor.c (main, behaviours, wl_compositor/wl_surface,
 * repaint, pictures), hostile-xdg.c (xdg_wm_base, xdg_surface,
 * xdg_toplevel) and hostile-dmabuf.c (zwp_linux_dmabuf_v1, its params and
 * the wl_buffers they make).  Not a library: one program, one global.
 */
#ifndef GNTBUF_HOSTILE_COMPOSITOR_H
#define GNTBUF_HOSTILE_COMPOSITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <wayland-server.h>

#define LOG(...) do { \
	fprintf(stderr, "hostile-compositor: " __VA_ARGS__); \
	fputc('\n', stderr); \
} while (0)

#define MAX_RELEASE 16

struct behaviour {
	bool on;
	uint32_t w, h;		/* 0x0: every buffer */
	unsigned int n;		/* slow: ms; disconnect-after: commits */
};

/* The one compositor, set up by main() and read by every file. */
struct comp {
	struct wl_display *display;
	struct wl_event_loop *loop;
	const char *out_dir;
	unsigned int repaint_ms;
	struct behaviour never_release, refuse, slow, disconnect;
	unsigned int disconnect_commits;
	/* Made at start, so that the loop's timer fd (one for all its
	 * timers) is there before any client: fds are counted in tests. */
	struct wl_event_source *disconnect_timer;
	struct wl_client *disconnect_client;
	struct wl_list surfaces;
	struct {
		unsigned long imports, refused, released, withheld;
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
/* The `destroy` request of every interface here that has one. */
void res_destroy(struct wl_client *client, struct wl_resource *res);

/* hostile-xdg.c: the xdg_wm_base global's bind. */
void bind_wm(struct wl_client *client, void *data, uint32_t version,
	     uint32_t id);

/* hostile-dmabuf.c: the zwp_linux_dmabuf_v1 global's bind. */
void bind_dmabuf(struct wl_client *client, void *data, uint32_t version,
		 uint32_t id);
/* @res's dma-buf buffer, NULL if @res is no buffer made here. */
struct dmabuf_buffer *dmabuf_of(struct wl_resource *res);

#endif
