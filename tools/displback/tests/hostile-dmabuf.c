// SPDX-License-Identifier: MIT
/*
 * hostile-compositor's zwp_linux_dmabuf_v1 (version 3, or 4 with
 * --dmabuf-v4): XRGB8888 and ARGB8888, LINEAR, one plane, advertised as
 * `modifier` events to a version 3 client, through the default (and any
 * surface's) feedback to a version 4 one: a format table of the two in a
 * memfd, vgem's card as main device, one tranche.  A
 * params' create or create_immed imports the dma-buf (mmap, read-only)
 * into a wl_buffer, or refuses it (the refuse-imports behaviour, or a
 * buffer it cannot map or read): `failed` for create, a protocol error
 * for create_immed.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm_fourcc.h>

#include "linux-dmabuf-unstable-v1-server-protocol.h"

#include "hostile-compositor.h"

/* A params object: owns @fd until an import takes it. */
struct params {
	struct wl_resource *res;
	int fd;
	uint32_t offset, stride;
	uint64_t mod;
	bool used;
};

static void dmabuf_buffer_destroy_req(struct wl_client *client,
				      struct wl_resource *res)
{
	(void)client;
	wl_resource_destroy(res);
}

static const struct wl_buffer_interface dmabuf_buffer_impl = {
	.destroy = dmabuf_buffer_destroy_req,
};

static void dmabuf_buffer_free(struct wl_resource *res)
{
	struct dmabuf_buffer *b = wl_resource_get_user_data(res);

	fence_buffer_free(b);
	munmap(b->map, b->map_size);
	close(b->fd);
	free(b);
}

struct dmabuf_buffer *dmabuf_of(struct wl_resource *res)
{
	if (!wl_resource_instance_of(res, &wl_buffer_interface,
				     &dmabuf_buffer_impl))
		return NULL;
	return wl_resource_get_user_data(res);
}

static void params_add(struct wl_client *client, struct wl_resource *res,
		       int32_t fd, uint32_t plane, uint32_t offset,
		       uint32_t stride, uint32_t hi, uint32_t lo)
{
	struct params *p = wl_resource_get_user_data(res);

	(void)client;
	if (p->used) {
		close(fd);
		wl_resource_post_error(res,
			ZWP_LINUX_BUFFER_PARAMS_V1_ERROR_ALREADY_USED,
			"params already used");
		return;
	}
	if (plane != 0 || p->fd >= 0) {
		close(fd);
		wl_resource_post_error(res, plane != 0 ?
			ZWP_LINUX_BUFFER_PARAMS_V1_ERROR_PLANE_IDX :
			ZWP_LINUX_BUFFER_PARAMS_V1_ERROR_PLANE_SET,
			"one plane only, index 0 (got %u)", plane);
		return;
	}
	p->fd = fd;
	p->offset = offset;
	p->stride = stride;
	p->mod = (uint64_t)hi << 32 | lo;
}

/*
 * The import: a buffer made, or NULL with *@why set (the caller sends
 * `failed`).  Takes @p's fd on success.
 */
static struct dmabuf_buffer *import(struct params *p, int32_t w, int32_t h,
				    uint32_t format, const char **why)
{
	struct dmabuf_buffer *b;
	off_t size;
	void *map;

	if (matches(&comp.refuse, (uint32_t)w, (uint32_t)h)) {
		*why = "refuse-imports";
		return NULL;
	}
	if (p->fd < 0 || w <= 0 || h <= 0 ||
	    (format != DRM_FORMAT_XRGB8888 && format != DRM_FORMAT_ARGB8888) ||
	    p->mod != DRM_FORMAT_MOD_LINEAR || p->stride < (uint32_t)w * 4) {
		*why = "not a LINEAR XRGB8888/ARGB8888 buffer of one plane";
		return NULL;
	}
	size = lseek(p->fd, 0, SEEK_END);
	if (size < 0 || (uint64_t)p->offset + (uint64_t)p->stride * (uint32_t)h >
	    (uint64_t)size) {
		*why = "the dma-buf is smaller than offset + stride x height";
		return NULL;
	}
	map = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, p->fd, 0);
	if (map == MAP_FAILED) {
		*why = "mmap of the dma-buf failed";
		return NULL;
	}
	b = calloc(1, sizeof(*b));
	if (!b) {
		munmap(map, (size_t)size);
		*why = "out of memory";
		return NULL;
	}
	b->fd = p->fd;
	p->fd = -1;
	b->map = map;
	b->map_size = (size_t)size;
	b->offset = p->offset;
	b->stride = p->stride;
	b->w = (uint32_t)w;
	b->h = (uint32_t)h;
	b->format = format;
	fence_import(b);
	return b;
}

static void params_create_common(struct wl_client *client,
				 struct wl_resource *res, uint32_t id,
				 int32_t w, int32_t h, uint32_t format,
				 uint32_t flags)
{
	struct params *p = wl_resource_get_user_data(res);
	struct dmabuf_buffer *b;
	const char *why = NULL;

	(void)flags;
	if (p->used) {
		wl_resource_post_error(res,
			ZWP_LINUX_BUFFER_PARAMS_V1_ERROR_ALREADY_USED,
			"params already used");
		return;
	}
	p->used = true;
	b = import(p, w, h, format, &why);
	if (!b) {
		comp.st.refused++;
		LOG("import of %dx%d (%s) refused: %s", w, h,
		    id ? "create_immed" : "create", why);
		if (id)
			wl_resource_post_error(res,
				ZWP_LINUX_BUFFER_PARAMS_V1_ERROR_INVALID_WL_BUFFER,
				"import refused: %s", why);
		else
			zwp_linux_buffer_params_v1_send_failed(res);
		return;
	}
	b->res = res_new(client, &wl_buffer_interface, 1, id,
			 &dmabuf_buffer_impl, b, dmabuf_buffer_free);
	if (!b->res) {
		close(b->fd);
		munmap(b->map, b->map_size);
		free(b);
		return;
	}
	comp.st.imports++;
	LOG("import of %dx%d (%s): created", w, h,
	    id ? "create_immed" : "create");
	if (!id)
		zwp_linux_buffer_params_v1_send_created(res, b->res);
}

static void params_create(struct wl_client *client, struct wl_resource *res,
			  int32_t w, int32_t h, uint32_t format,
			  uint32_t flags)
{
	params_create_common(client, res, 0, w, h, format, flags);
}

static void params_create_immed(struct wl_client *client,
				struct wl_resource *res, uint32_t id,
				int32_t w, int32_t h, uint32_t format,
				uint32_t flags)
{
	params_create_common(client, res, id, w, h, format, flags);
}

static const struct zwp_linux_buffer_params_v1_interface params_impl = {
	.destroy = res_destroy,
	.add = params_add,
	.create = params_create,
	.create_immed = params_create_immed,
};

static void params_free(struct wl_resource *res)
{
	struct params *p = wl_resource_get_user_data(res);

	if (p->fd >= 0)
		close(p->fd);
	free(p);
}

static void dmabuf_create_params(struct wl_client *client,
				 struct wl_resource *res, uint32_t id)
{
	struct params *p = calloc(1, sizeof(*p));

	if (!p) {
		wl_client_post_no_memory(client);
		return;
	}
	p->fd = -1;
	p->res = res_new(client, &zwp_linux_buffer_params_v1_interface,
			 wl_resource_get_version(res), id, &params_impl, p,
			 params_free);
	if (!p->res)
		free(p);
}

/* v4: the feedback's events, all at once (it never changes). */
static void send_feedback(struct wl_resource *fb, const char *which)
{
	static const uint32_t formats[] = {
		DRM_FORMAT_XRGB8888, DRM_FORMAT_ARGB8888,
	};
	/* Table entries: u32 format, u32 padding, u64 modifier. */
	struct { uint32_t format, pad; uint64_t mod; } table[2];
	struct wl_array dev, idx;
	uint16_t *i;
	int fd;

	memset(table, 0, sizeof(table));
	for (unsigned int n = 0; n < 2; n++) {
		table[n].format = formats[n];
		table[n].mod = DRM_FORMAT_MOD_LINEAR;
	}
	fd = memfd_create("hostile-format-table", MFD_CLOEXEC);
	if (fd < 0 || write(fd, table, sizeof(table)) != sizeof(table)) {
		LOG("v4 feedback: format table: memfd failed");
		if (fd >= 0)
			close(fd);
		return;
	}
	zwp_linux_dmabuf_feedback_v1_send_format_table(fb, fd, sizeof(table));
	close(fd);
	wl_array_init(&dev);
	wl_array_init(&idx);
	if (wl_array_add(&dev, sizeof(comp.vgem_dev)))
		memcpy(dev.data, &comp.vgem_dev, sizeof(comp.vgem_dev));
	zwp_linux_dmabuf_feedback_v1_send_main_device(fb, &dev);
	zwp_linux_dmabuf_feedback_v1_send_tranche_target_device(fb, &dev);
	for (uint16_t n = 0; n < 2; n++) {
		i = wl_array_add(&idx, sizeof(*i));
		if (i)
			*i = n;
	}
	zwp_linux_dmabuf_feedback_v1_send_tranche_formats(fb, &idx);
	zwp_linux_dmabuf_feedback_v1_send_tranche_flags(fb, 0);
	zwp_linux_dmabuf_feedback_v1_send_tranche_done(fb);
	zwp_linux_dmabuf_feedback_v1_send_done(fb);
	wl_array_release(&dev);
	wl_array_release(&idx);
	LOG("v4: %s feedback sent (format table XRGB8888 ARGB8888 LINEAR, "
	    "main device vgem's)", which);
}

static const struct zwp_linux_dmabuf_feedback_v1_interface feedback_impl = {
	.destroy = res_destroy,
};

static void get_feedback(struct wl_client *client, struct wl_resource *res,
			 uint32_t id, const char *which)
{
	struct wl_resource *fb = res_new(client,
		&zwp_linux_dmabuf_feedback_v1_interface,
		wl_resource_get_version(res), id, &feedback_impl, NULL, NULL);

	if (fb)
		send_feedback(fb, which);
}

static void dmabuf_default_feedback(struct wl_client *client,
				    struct wl_resource *res, uint32_t id)
{
	get_feedback(client, res, id, "default");
}

static void dmabuf_surface_feedback(struct wl_client *client,
				    struct wl_resource *res, uint32_t id,
				    struct wl_resource *surface)
{
	(void)surface;
	get_feedback(client, res, id, "surface");
}

static const struct zwp_linux_dmabuf_v1_interface dmabuf_impl = {
	.destroy = res_destroy,
	.create_params = dmabuf_create_params,
	.get_default_feedback = dmabuf_default_feedback,
	.get_surface_feedback = dmabuf_surface_feedback,
};

void bind_dmabuf(struct wl_client *client, void *data,
		 uint32_t version, uint32_t id)
{
	static const uint32_t formats[] = {
		DRM_FORMAT_XRGB8888, DRM_FORMAT_ARGB8888,
	};
	struct wl_resource *r = res_new(client, &zwp_linux_dmabuf_v1_interface,
					(int)version, id, &dmabuf_impl, NULL,
					NULL);

	(void)data;
	if (!r)
		return;
	LOG("the client bound zwp_linux_dmabuf_v1 version %u", version);
	/* Version 4 clients read the feedback, and get no format events. */
	for (unsigned int i = 0; i < 2 && version < 4; i++) {
		zwp_linux_dmabuf_v1_send_format(r, formats[i]);
		zwp_linux_dmabuf_v1_send_modifier(r, formats[i], 0, 0);
	}
}
